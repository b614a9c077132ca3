// The npm package `ml-kmeans` (Lloyd in plain JavaScript, single threaded) on one workload,
// inside a child process: kmeans(rows, K, { initialization: the start centres, maxIterations,
// tolerance: -1 }) — a negative tolerance never converges, so it runs exactly `iters`
// iterations (assign, then update). Rows are number[] (its input format), built untimed.
// Its inertia is computed by the bench (untimed): every row to its nearest final centre, as
// gaussmix's and scikit-learn's inertia are.
import { kmeans } from 'ml-kmeans';
import { inertia } from '../objective.mjs';
import { fitTimer } from '../repeats.mjs';

const now = () => Number(process.hrtime.bigint()) / 1e6;

export function run(w, plan) {
  const { n, d } = w;
  const rows = Array.from({ length: n }, (_, i) => Array.from(w.X.subarray(i * d, i * d + d)));
  const msPerIter = [];
  const nIter = [];
  const timer = fitTimer(plan);
  let objective = NaN;
  while (timer.more()) {
    const t0 = now();
    const res = kmeans(rows, w.k, {
      initialization: w.start.means.map((c) => c.slice()),
      maxIterations: plan.iters,
      tolerance: -1,
    });
    const ms = now() - t0;
    if (!timer.keep(ms)) continue;
    msPerIter.push(ms / res.iterations);
    nIter.push(res.iterations);
    objective = inertia(w.X, n, d, res.centroids);
  }
  return { api: 'kmeans(rows, K, { initialization: centres, maxIterations, tolerance: -1 })', iters: plan.iters, msPerIter, nIter, objective };
}
