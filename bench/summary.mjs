// Turns the raw timings of one workload into what the report shows: median and spread of
// ms/iteration per peer, each peer's ratio to gaussmix (peer median ÷ gaussmix median: > 1 means
// gaussmix is faster), gaussmix's GFLOP/s under the flop model and its share of the measured GEMM
// rate, gaussmix's peak RSS against the budget (input + N·K·8 bytes + 100 MiB), and the
// objectives, each next to gaussmix's objective after the same number of iterations.
import { FLOP_MODELS, ITERS, OBJECTIVE } from './workloads.mjs';

export const RSS_SLACK_BYTES = 100 * 2 ** 20;

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

/**
 * gaussmix's objective after `iters` iterations, from its per-iteration trace (onIteration):
 * - mixtures: the lower bound of iteration `iters` (its E-step), as lowerBound after `iters`;
 * - K-means: the inertia of the centres after `iters` updates, which is the assignment
 *   objective of iteration iters+1; when gaussmix had stopped by then, its final inertia.
 */
function gaussmixAt(model, gaussmix, iters) {
  const tr = gaussmix.trace;
  if (!tr) return null;
  if (model === 'kmeans') return tr.length > iters ? tr[iters] : gaussmix.objective;
  return tr.length >= iters ? tr[iters - 1] : null;
}

const relDiff = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? Math.abs(a - b) / Math.max(Math.abs(b), 1e-300) : null);

export function summarise({ spec, gaussmix, sklearn, npm, gemm }) {
  const { name, n, d, k, model } = spec;
  const flopModel = FLOP_MODELS[model];
  const row = { name, n, d, k, model, objectiveName: OBJECTIVE[model], flopModel: flopModel.formula };

  if (gaussmix.error) {
    row.gaussmix = { error: gaussmix.error };
  } else {
    const st = stats(gaussmix.msPerIter);
    const gflops = flopModel.flops(spec) / (st.median / 1e3) / 1e9;
    const budget = gaussmix.inputBytes + n * k * 8 + RSS_SLACK_BYTES;
    row.gaussmix = {
      api: gaussmix.api,
      simd: gaussmix.simd,
      msPerIter: gaussmix.msPerIter,
      ...st,
      nIter: gaussmix.nIter,
      objective: gaussmix.objective,
      gflops,
      gemmShare: gemm.yardstick ? gflops / gemm.yardstick.gflopsAll : null,
      maxRssBytes: gaussmix.maxRssBytes,
      rssAfterLoadBytes: gaussmix.rssAfterLoadBytes,
      rssBudgetBytes: budget,
      withinRssBudget: gaussmix.maxRssBytes <= budget,
      trace: gaussmix.trace,
    };
  }

  // scikit-learn runs the same iterations under the same stopping rule (K-means: both stop when
  // the labels stop changing), so final is compared with final; an npm peer that ran fewer
  // iterations is compared with gaussmix after that many.
  const peer = (r, label, sameRun) => {
    if (!r) return null;
    if (r.error || r.skipped) return { peer: label, ...r };
    const st = stats(r.msPerIter);
    const itersDone = r.nIter[r.nIter.length - 1];
    let ref = null;
    if (!row.gaussmix.error) ref = sameRun || itersDone >= ITERS ? row.gaussmix.objective : gaussmixAt(model, row.gaussmix, itersDone);
    return {
      peer: label,
      api: r.api,
      iters: r.iters,
      msPerIter: r.msPerIter,
      ...st,
      nIter: r.nIter,
      ratio: row.gaussmix.error ? null : st.median / row.gaussmix.median,
      objective: r.objective,
      gaussmixObjectiveAtSameIteration: ref,
      relativeObjectiveDifference: relDiff(r.objective, ref),
      diverged: r.diverged,
      maxRssBytes: r.maxRssBytes,
      threadPools: r.threadPools,
    };
  };
  row.sklearn = peer(sklearn, 'scikit-learn', true);
  row.npm = npm ? peer(npm, npm.peer, false) : null;
  return row;
}
