// gaussmix's GaussianMixture on one overlapping-cluster workload, in a child process of the
// section "overlap-mixtures" (bench/sections/overlap-mixtures.mjs), from the built package
// (dist/), all cores:
// - perIter: from the workload's fixed start (K data rows as means, equal weights, identity
//   precisions), tol 0, maxIter `iters`: fit time / nIter;
// - whole: default options (the 'kmeans' initialisation, tol 1e-3, maxIter 100, nInit 1), a
//   new seed per fit: the time a user's fit takes, initialisation included.
// The first fit of each kind is a warm-up and is not timed. Prints one JSON line.
import { readFileSync } from 'node:fs';

import { timedFits } from './timed-fits.mjs';

const pkg = await import('../dist/esm/index.js');
const job = JSON.parse(process.argv[2]);
const { n, d, k, model } = job.spec;
const X = { data: new Float64Array(readFileSync(job.file).buffer.slice(0)), shape: [n, d] };
const means = JSON.parse(readFileSync(job.startFile, 'utf8')).means;

function identityPrecisions() {
  const eye = () => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => +(i === j)));
  if (model === 'full') return Array.from({ length: k }, eye);
  if (model === 'diag') return Array.from({ length: k }, () => Array(d).fill(1));
  return Array(k).fill(1); // spherical
}

const timed = (make) => timedFits(make, X, job.repeats, (gm) => ({ lowerBound: gm.lowerBound }));

const common = { nComponents: k, covarianceType: model, threads: 0, warnings: 'silent' };
const perIter = timed(
  () =>
    new pkg.GaussianMixture({
      ...common,
      tol: 0,
      maxIter: job.iters,
      weightsInit: Array(k).fill(1 / k),
      meansInit: means,
      precisionsInit: identityPrecisions(),
    }),
);
const whole = timed((r) => new pkg.GaussianMixture({ ...common, seed: job.seed + r }));
console.log(JSON.stringify({ api: 'gaussmix GaussianMixture', perIter, whole }));
