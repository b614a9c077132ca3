// gaussmix on one workload, inside a child process (bench/peer_child.mjs): GaussianMixture
// (full, diag), GaussianKMeans (spherical) or KMeans from the built package (dist/), from the
// workload's fixed start, tol 0, all cores (threads 0), `plan.iters` iterations, timed fits after
// a warm-up fit as many as bench/repeats.mjs says. If `plan.trace`, one more fit, untimed,
// records the objective of every iteration (onIteration), so that peers that ran fewer
// iterations can be compared at equal work.
import { fitTimer } from '../repeats.mjs';

const pkg = await import('../../dist/esm/index.js');
const { native } = await import('../../dist/esm/native.js');

function identityPrecisions(type, k, d) {
  const eye = () => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => +(i === j)));
  if (type === 'full') return Array.from({ length: k }, eye);
  if (type === 'diag') return Array.from({ length: k }, () => Array(d).fill(1));
  return Array(k).fill(1); // spherical
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

function mixtureFitter(w, plan) {
  const Cls = w.model === 'spherical' ? pkg.GaussianKMeans : pkg.GaussianMixture;
  const X = { data: w.X, shape: [w.n, w.d] };
  const precisionsInit = identityPrecisions(w.model, w.k, w.d);
  const api = w.model === 'spherical' ? 'GaussianKMeans' : 'GaussianMixture';
  return {
    api,
    fit(onIteration) {
      const opts = {
        nComponents: w.k, tol: 0, maxIter: plan.iters, threads: 0,
        weightsInit: w.start.weights, meansInit: w.start.means, precisionsInit,
      };
      if (w.model !== 'spherical') opts.covarianceType = w.model;
      const gm = new Cls(opts);
      gm.fitSync(X, onIteration ? { onIteration } : undefined);
      return { nIter: gm.nIter, objective: gm.lowerBound };
    },
  };
}

function kmeansFitter(w, plan) {
  const centres = { data: Float64Array.from(w.start.means.flat()), shape: [w.k, w.d] };
  const X = { data: w.X, shape: [w.n, w.d] };
  return {
    api: 'KMeans',
    fit(onIteration) {
      const km = new pkg.KMeans({ nClusters: w.k, init: centres, nInit: 1, tol: 0, maxIter: plan.iters, threads: 0 });
      km.fitSync(X, onIteration ? { onIteration } : undefined);
      return { nIter: km.nIter, objective: km.inertia };
    },
  };
}

export function run(w, plan) {
  const fitter = w.model === 'kmeans' ? kmeansFitter(w, plan) : mixtureFitter(w, plan);
  const msPerIter = [];
  const nIter = [];
  const timer = fitTimer(plan);
  let objective = NaN;
  while (timer.more()) {
    const t0 = now();
    const res = fitter.fit();
    const ms = now() - t0;
    if (!timer.keep(ms)) continue;
    msPerIter.push(ms / res.nIter);
    nIter.push(res.nIter);
    objective = res.objective;
  }
  let trace;
  if (plan.trace) {
    trace = [];
    fitter.fit((info) => { trace.push(info.objective); });
  }
  return { api: fitter.api, simd: native().simd ?? 'unknown', iters: plan.iters, msPerIter, nIter, objective, trace };
}
