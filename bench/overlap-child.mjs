// gaussmix's KMeans on one overlapping-cluster workload, in a child process of the section
// "overlap" (bench/sections/overlap.mjs), from the built package (dist/), all cores:
// - perIter: from the workload's fixed start, tol 0, maxIter `iters`: fit time / nIter (perIter64:
//   the same with float64 products only, through the native switch); one more fit, untimed, records when every iteration's pass ended (onIteration), for the slowest pass;
// - whole: default options (k-means++ seeding, tol 1e-4, maxIter 300, nInit 1), seed + fit.
// The first fit of each kind is a warm-up and is not timed. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

import { timedFits } from './timed-fits.mjs';

const pkg = await import('../dist/esm/index.js');
const { native } = await import('../dist/esm/native.js');
const job = JSON.parse(process.argv[2]);
const { n, d, k } = job.spec;
const X = { data: new Float64Array(readFileSync(job.file).buffer.slice(0)), shape: [n, d] };
const start = { data: Float64Array.from(JSON.parse(readFileSync(job.startFile, 'utf8')).means.flat()), shape: [k, d] };
const now = () => Number(process.hrtime.bigint()) / 1e6;

const timed = (make) => timedFits(make, X, job.repeats, (km) => ({ inertia: km.inertia }));

const explicit = () => new pkg.KMeans({ nClusters: k, init: start, tol: 0, maxIter: job.iters, threads: 0, warnings: 'silent' });
const perIter = timed(explicit);
// The same fits with float64 products only (the native switch the float32 tests use; the
// results are the same bits): the float64 rate.
class Float64Fit {
  fitSync() {
    const options = { nClusters: k, tol: 0, maxIter: job.iters, nInit: 1, seed: 0, threads: availableParallelism(), init: 'given', centersInit: start.data, float32Shortlist: false };
    ({ nIter: this.nIter, inertia: this.inertia } = native().fitKMeansSync(X.data, n, d, options));
  }
}
const perIter64 = timed(() => new Float64Fit());
const whole = timed((r) => new pkg.KMeans({ nClusters: k, seed: job.seed + r, threads: 0, warnings: 'silent' }));

// The passes of one fit: the time between consecutive onIteration calls (the first from the
// fit's start, so it includes the fit's fixed costs).
const passMs = [];
let last = now();
explicit().fitSync(X, {
  onIteration: () => {
    const t = now();
    passMs.push(t - last);
    last = t;
  },
});

console.log(JSON.stringify({ api: 'gaussmix KMeans', simd: native().simd ?? 'unknown', perIter, perIter64, whole, passMs }));
