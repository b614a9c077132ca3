// The npm package `gaussian-mixture-model` (full-covariance EM in plain JavaScript, single
// threaded, on the event loop) on one workload, inside a child process. Driven from the fixed
// start: weights 1/K, the start means, identity covariances (its parameters are covariances;
// the identity is its own inverse, so this is the same start as identity precisions). Points are
// fed as number[] rows with addPoint (untimed, and its buffer sized to N), then runEM.
//
// It does not report a log-likelihood, so the bench computes the one scikit-learn's lower_bound_
// and gaussmix's lowerBound define — the mean log-likelihood of the E-step of the last iteration,
// i.e. under the parameters before the last M-step — by running iters−1 iterations, evaluating
// (untimed), then running the last one. Its M-step adds no regularisation to the covariances and
// keeps responsibilities in float32, so its objective may differ from the others in the last digits.
// It computes densities in linear space (weight·pdf, not log-sum-exp): a row far from every
// component underflows to 0 for all of them, its responsibilities become 0/0 = NaN and so do all
// parameters, silently (its singularity check does not catch NaN). The bench then reports the
// time it took and `diverged` instead of an objective.
import GMM from 'gaussian-mixture-model';
import { meanLogLikelihood } from '../objective.mjs';
import { fitTimer } from '../repeats.mjs';

const now = () => Number(process.hrtime.bigint()) / 1e6;

export function run(w, plan) {
  const { n, d, k } = w;
  const rows = Array.from({ length: n }, (_, i) => Array.from(w.X.subarray(i * d, i * d + d)));
  const identity = () => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => +(i === j)));
  const msPerIter = [];
  const nIter = [];
  let objective = NaN;
  let diverged;
  const timer = fitTimer(plan);
  const hasNaN = (gmm) => gmm.weights.some(Number.isNaN) || gmm.means.some((m) => m.some(Number.isNaN));
  while (timer.more()) {
    const gmm = new GMM({
      weights: w.start.weights.slice(),
      means: w.start.means.map((m) => m.slice()),
      covariances: Array.from({ length: k }, identity),
      bufferSize: n,
    });
    for (const p of rows) gmm.addPoint(p);
    const t0 = now();
    const s1 = gmm.runEM(plan.iters - 1);
    const t1 = now();
    if (s1) throw new Error('gaussian-mixture-model: singular covariance');
    if (hasNaN(gmm)) diverged = `NaN parameters within the first ${Math.max(1, plan.iters - 1)} iteration(s) (densities underflow in linear space)`;
    objective = diverged ? NaN : meanLogLikelihood(w.X, n, d, gmm);
    const t2 = now();
    const s2 = gmm.runEM(1);
    const t3 = now();
    if (s2) throw new Error('gaussian-mixture-model: singular covariance');
    if (!diverged && hasNaN(gmm)) diverged = 'NaN parameters in the last iteration (densities underflow in linear space)';
    if (!timer.keep(t1 - t0 + (t3 - t2))) continue;
    msPerIter.push((t1 - t0 + (t3 - t2)) / plan.iters);
    nIter.push(plan.iters);
  }
  return { api: 'new GMM({weights, means, covariances}); addPoint; runEM', iters: plan.iters, msPerIter, nIter, objective, diverged };
}
