// Run by test/large-inputs.test.ts in a fresh child process, so that the process's peak RSS
// (resourceUsage().maxRSS, in KiB) is this script's own: fits a model on a small sample, then,
// for each prediction method on N rows, prints how far the peak rose above what was resident
// before the call, next to the size of the method's output, as JSON.
import { GaussianMixture, KMeans } from '../../dist/esm/index.js';

const n = 1_000_000;
const d = 4;
const k = 16;
const X = new Float64Array(n * d);
for (let i = 0; i < X.length; i++) X[i] = Math.sin(i * 0.37) * 3 + (Math.floor(i / d) % 7);
const data = { data: X, shape: [n, d] };
const train = { data: X.subarray(0, 20_000 * d), shape: [20_000, d] };

const gm = new GaussianMixture({ nComponents: k, seed: 1, maxIter: 5 }).fitSync(train);
const km = new KMeans({ nClusters: k, seed: 1, maxIter: 5, nInit: 1 }).fitSync(train);
const calls = {
  predictProba: [(x) => gm.predictProba(x), n * k * 8],
  scoreSamples: [(x) => gm.scoreSamples(x), n * 8],
  predict: [(x) => gm.predict(x), n * 4],
  transform: [(x) => km.transform(x), n * k * 8],
};
const method = process.argv[2];
const [call, outputBytes] = calls[method];
call(train); // once on few rows, so that code, threads and their scratch are in place
globalThis.gc?.();
// The peak after the call bounds the peak during it from above, so the rise is an upper bound.
const before = process.memoryUsage().rss;
const out = call(data);
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ method, outputBytes, riseBytes: peak - before, kept: !!out }) + '\n');
