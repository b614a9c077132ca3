// Section "overlap" (issue 24): KMeans on overlapping clusters (bench/overlap-data.mjs), where
// Hamerly's bounds prune little while many rows change cluster, next to scikit-learn in the same
// run: per iteration (the first `ITERS` from a fixed start, tol 0, as a fit meets them) and whole
// fits with default options (k-means++ seeding, tol 1e-4, nInit 1 on both sides). GFLOP/s by the
// plain-Lloyd flop count 2·N·K·D per iteration, and the slowest pass of the explicit-start fit
// against a plain pass at the GEMM rate of the addon's SIMD variant (bench/gemm.mjs).
// The per-iteration fits run twice: as users get them (float32-shortlisted products) and with
// float64 products only (the same bits). Targets (issue 24): per iteration >= 5× scikit-learn
// (>= 3× in float64); no pass above 1.2× a plain GEMM pass; whole default fits >= 10×. --quick: a tenth of the rows, 1 timed fit.
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { kernelVariant, measureGemm } from '../gemm.mjs';
import { ensureOverlap, OVERLAP_WORKLOADS } from '../overlap-data.mjs';
import { PYTHON, runJson as runChild } from '../child.mjs';
import { fmt, median, ratio } from '../format.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const ITERS = 10;
const REPEATS = quick ? 1 : 3;
const SEED = 1;
const TARGETS = { perIter: 5, perIter64: 3, wholeFit: 10, passOverPlain: 1.2 };
const log = (msg) => process.stderr.write(`[bench:overlap] ${msg}\n`);
/** A child's JSON result; its stderr passes through. */
const runJson = (cmd, argv) => runChild(cmd, argv, { stderr: 'inherit' });

const mark = (ok) => (ok ? '' : ' (target missed)');

const rows = [];
let variant;
let gemm;
for (const w of OVERLAP_WORKLOADS) {
  const spec = quick ? { ...w, n: w.n / 10 } : w;
  const paths = ensureOverlap(spec);
  const job = { spec, ...paths, iters: ITERS, repeats: REPEATS, seed: SEED };
  log(`${spec.name}: ${spec.n}×${spec.d}, K ${spec.k}: gaussmix`);
  const g = runJson(process.execPath, [join(here, '..', 'overlap-child.mjs'), JSON.stringify(job)]);
  log(`${spec.name}: scikit-learn`);
  const s = runJson(PYTHON, [join(here, '..', 'sklearn_overlap.py'), JSON.stringify(job)]);
  if (!variant && g.simd) {
    variant = kernelVariant(g.simd);
    try {
      gemm = measureGemm({ n: 2000, threads: availableParallelism(), reps: quick ? 1 : 3, variant });
    } catch (err) {
      gemm = { error: String(err.message || err) };
    }
  }
  rows.push({ spec, gaussmix: g, sklearn: s });
}

const flops = ({ n, k, d }) => 2 * n * k * d;
const table = [
  '| workload | gaussmix ms/iter | float64 only | scikit-learn ms/iter | × | × float64 | GFLOP/s (float64) | slowest pass ÷ plain GEMM pass | gaussmix whole fit ms (iters) | scikit-learn whole fit ms (iters) | × |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
const data = [];
for (const { spec, gaussmix: g, sklearn: s } of rows) {
  const name = `${spec.name}: ${spec.n.toLocaleString('en-US')} × ${spec.d}, K ${spec.k}`;
  if (g.error || s.error) {
    table.push(`| ${name} | ${g.error ? `failed: ${g.error}` : ''} | | ${s.error ? `failed: ${s.error}` : ''} | | | | | | | |`);
    continue;
  }
  const perIter = (runs) => median(runs.map((r) => r.ms / r.nIter));
  const gIter = perIter(g.perIter);
  const gIter64 = perIter(g.perIter64);
  const sIter = perIter(s.perIter);
  const gWhole = median(g.whole.map((r) => r.ms));
  const sWhole = median(s.whole.map((r) => r.ms));
  const gflops = flops(spec) / gIter / 1e6;
  const gflops64 = flops(spec) / gIter64 / 1e6;
  const plainMs = gemm?.gflopsAll ? flops(spec) / (gemm.gflopsAll * 1e6) : NaN;
  const slowest = Math.max(...g.passMs.slice(1)); // (the first includes the fit's fixed costs)
  const row = {
    name: spec.name,
    spec,
    gaussmixMsPerIter: gIter,
    gaussmixFloat64MsPerIter: gIter64,
    sklearnMsPerIter: sIter,
    perIterRatio: sIter / gIter,
    perIterRatio64: sIter / gIter64,
    gflops,
    gflops64,
    plainPassMs: plainMs,
    passMs: g.passMs,
    slowestPassOverPlain: slowest / plainMs,
    firstPassOverPlain: g.passMs[0] / plainMs,
    gaussmixWholeMs: gWhole,
    sklearnWholeMs: sWhole,
    wholeRatio: sWhole / gWhole,
    gaussmixWholeIters: g.whole.map((r) => r.nIter),
    sklearnWholeIters: s.whole.map((r) => r.nIter),
    gaussmixWholeInertia: g.whole.map((r) => r.inertia),
    sklearnWholeInertia: s.whole.map((r) => r.inertia),
  };
  data.push(row);
  table.push(
    `| ${name} | ${fmt(gIter, 2)} | ${fmt(gIter64, 2)} | ${fmt(sIter, 2)} | ${ratio(row.perIterRatio)}${mark(row.perIterRatio >= TARGETS.perIter)} | ` +
      `${ratio(row.perIterRatio64)}${mark(row.perIterRatio64 >= TARGETS.perIter64)} | ${fmt(gflops)} (${fmt(gflops64)}) | ` +
      `${ratio(row.slowestPassOverPlain)}${mark(row.slowestPassOverPlain <= TARGETS.passOverPlain)} (first ${ratio(row.firstPassOverPlain)}) | ` +
      `${fmt(gWhole)} (${median(row.gaussmixWholeIters)}) | ${fmt(sWhole)} (${median(row.sklearnWholeIters)}) | ${ratio(row.wholeRatio)}${mark(row.wholeRatio >= TARGETS.wholeFit)} |`,
  );
}
const notes = [
  '',
  `Overlapping clusters: centres N(0, 0.7²) per coordinate, per-cluster feature scales U(0.5, 1.5). Per iteration: the first ${ITERS} ` +
    'iterations from a fixed start (K data rows), tol 0, fit time ÷ nIter, median of ' +
    `${REPEATS} fit${REPEATS > 1 ? 's' : ''} after a warm-up. Whole fit: default options (k-means++, tol 1e-4, maxIter 300, nInit 1 on both ` +
    'sides), a new seed per fit; the iteration counts differ with the seeding. GFLOP/s by 2·N·K·D per iteration; a plain GEMM pass ' +
    `is 2·N·K·D at Eigen's GEMM rate on all threads (${gemm?.gflopsAll ? `${fmt(gemm.gflopsAll)} GFLOP/s, ${variant}` : 'not measured'}); ` +
    'the first pass includes the fit\'s fixed costs. "float64 only": the same fits with float64 products (the same bits). ' +
    'Targets (issue 24): ≥ 5× per iteration (≥ 3× float64 only), every pass ≤ 1.2× a plain one, ≥ 10× whole fits.',
];
console.log(JSON.stringify({ title: 'K-means on overlapping clusters', markdown: [...table, ...notes].join('\n'), data: { rows: data, gemm, variant } }));
