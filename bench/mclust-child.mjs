// gaussmix on one workload of the mclust section (bench/sections/mclust.mjs), in a child
// process: GaussianMixture with an mclust model name from the same starting responsibilities
// as R's me(), `iters` iterations (tol 0), all cores; timed fits after a warm-up. Prints one
// JSON line: { msPerIter: [...], nIter, loglik }.
//   node bench/mclust-child.mjs X.f64 n d z.f64 k modelName iters repeats
import { readFileSync } from 'node:fs';

const [file, n, d, zFile, k, model, iters, repeats] = process.argv.slice(2);
const { GaussianMixture } = await import('../dist/esm/index.js');
const read = (f) => {
  const b = readFileSync(f);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const X = { data: read(file), shape: [+n, +d] };
const z = { data: read(zFile), shape: [+n, +k] };
const fit = () => {
  const gm = new GaussianMixture({ nComponents: +k, covarianceType: model, responsibilitiesInit: z, tol: 0, maxIter: +iters, threads: 0, warnings: 'silent' });
  const t0 = process.hrtime.bigint();
  gm.fitSync(X);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6 / gm.nIter, gm };
};
fit();
const msPerIter = [];
let last;
for (let r = 0; r < +repeats; r++) {
  last = fit();
  msPerIter.push(last.ms);
}
process.stdout.write(`${JSON.stringify({ msPerIter, nIter: last.gm.nIter, loglik: last.gm.score(X) * +n })}\n`);
