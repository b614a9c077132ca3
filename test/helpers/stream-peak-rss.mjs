// Run by test/stream.memory.test.ts in a fresh child process, so that the process's peak RSS
// (resourceUsage().maxRSS) is this script's own: streams a generated 5,000,000 × 8 source
// (never materialised: each batch is made when it is asked for) through fitStream from an
// explicit start, and prints how far the peak rose above the RSS before the fit, as JSON.
import { GaussianMixture } from '../../dist/esm/index.js';

const n = 5_000_000;
const d = 8;
const k = 4;
const batchRows = 10_000;
// Row i: cluster i % k, at coordinates (c, 2c, ...) + a deterministic wobble. One buffer serves
// every batch: fitStream copies a batch before it asks for the next one.
const buffer = new Float64Array(batchRows * d);
function makeBatch(first, rows, x = buffer.subarray(0, rows * d)) {
  for (let r = 0; r < rows; r++) {
    const i = first + r;
    const c = i % k;
    for (let j = 0; j < d; j++) x[r * d + j] = 3 * c * (j + 1) + Math.sin(i * 0.61 + j * 1.7);
  }
  return { data: x, shape: [rows, d] };
}
async function* source() {
  for (let first = 0; first < n; first += batchRows) yield makeBatch(first, Math.min(batchRows, n - first));
}
const means = new Float64Array(k * d);
for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j] = 3 * c * (j + 1) + 0.1;
const cov = new Float64Array(k * d * d);
for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) cov[c * d * d + j * d + j] = 1;
const gm = new GaussianMixture({
  nComponents: k,
  maxIter: 2,
  tol: 0,
  weightsInit: new Float64Array(k).fill(1 / k),
  meansInit: { data: means, shape: [k, d] },
  covariancesInit: { data: cov, shape: [k, d, d] },
});
// Warm up code and threads on a small stream first.
await new GaussianMixture({ nComponents: k, maxIter: 1, seed: 1 }).fitStream(() => [
  makeBatch(0, 20_000, new Float64Array(20_000 * d)),
]);
globalThis.gc?.();
const before = process.memoryUsage().rss;
await gm.fitStream(source);
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ rows: n, riseBytes: peak - before, nIter: gm.nIter, lowerBound: gm.lowerBound }) + '\n');
