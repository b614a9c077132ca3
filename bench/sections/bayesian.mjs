// Section "bayesian" (issue 18): BayesianGaussianMixture against scikit-learn's on the g16
// (100,000 × 16, K = 8, full) and d8 (1,000,000 × 8, K = 10, diag) workloads of
// bench/workloads.mjs, in one run, from the same start: every row given to the component of
// its nearest fixed start row (bench/data.mjs), as responsibilitiesInit here and as
// scikit-learn's _initialize(X, resp) there; the Dirichlet-process prior with scikit-learn's
// defaults, 20 iterations, tol 0. ms per iteration = fit time / iterations for both (the
// start's M-step, the priors' passes and scikit-learn's final E-step included). scikit-learn
// runs in /usr/bin/python3 with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (its process
// only). Target: gaussmix >= 10x scikit-learn per iteration on each row.
// --quick: a tenth of the rows, one fit each.
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, runJson } from '../child.mjs';
import { loadWorkload } from '../data.mjs';
import { workloadsFor } from '../workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const ITERS = 20;
const FITS = quick ? 1 : 3;
const SKLEARN_FITS = quick ? 1 : 2;
const log = (msg) => process.stderr.write(`[bench:bayesian] ${msg}\n`);
const { BayesianGaussianMixture } = await import(join(here, '..', '..', 'dist', 'esm', 'index.js'));

/** The nearest start row of every row (squared distances; ties to the lowest component). */
function startLabels(w) {
  const { X, n, d, k, start } = w;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let c = 0; c < k; c++) {
      const mu = start.means[c];
      let s = 0;
      for (let j = 0; j < d; j++) s += (X[i * d + j] - mu[j]) ** 2;
      if (s < best) [best, labels[i]] = [s, c];
    }
  }
  return labels;
}

/** The median; of an even count, the mean of the middle two (2 fits: their mean, not the slower). */
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rows = [];
for (const spec of workloadsFor({ quick }).filter((w) => w.name === 'g16' || w.name === 'd8')) {
  const w = loadWorkload(spec);
  const labels = startLabels(w);
  const labelsFile = w.file.replace(/\.f64$/, '.startlabels.i32');
  if (!existsSync(labelsFile)) writeFileSync(labelsFile, Buffer.from(labels.buffer));
  const resp = new Float64Array(w.n * w.k);
  labels.forEach((c, i) => (resp[i * w.k + c] = 1));
  // tol 0 on purpose: no convergence warnings; every core, as scikit-learn's BLAS.
  const options = {
    nComponents: w.k,
    covarianceType: w.model,
    tol: 0,
    maxIter: ITERS,
    responsibilitiesInit: { data: resp, shape: [w.n, w.k] },
    threads: availableParallelism(),
    warnings: 'silent',
  };
  const X = { data: w.X, shape: [w.n, w.d] };
  log(`${w.name}: gaussmix`);
  new BayesianGaussianMixture({ ...options, maxIter: 2 }).fitSync(X); // warm-up
  const ours = [];
  let model;
  for (let f = 0; f < FITS; f++) {
    model = new BayesianGaussianMixture(options);
    const t0 = performance.now();
    model.fitSync(X);
    ours.push((performance.now() - t0) / model.nIter);
  }
  log(`${w.name}: scikit-learn`);
  const job = { spec: { n: w.n, d: w.d, k: w.k, model: w.model }, file: w.file, labelsFile, iters: ITERS, fits: SKLEARN_FITS };
  const sk = runJson(PYTHON, [join(here, '..', 'sklearn_bayesian_peer.py'), JSON.stringify(job)], { stderr: 'inherit' });
  if (sk.error) throw new Error(`scikit-learn: ${sk.error}`);
  const ratio = median(sk.msPerIter) / median(ours);
  const agreement = Math.abs(model.lowerBound - sk.lowerBound) / Math.abs(sk.lowerBound);
  log(`${w.name}: gaussmix ${median(ours).toFixed(1)} ms/iter, scikit-learn ${median(sk.msPerIter).toFixed(1)} (${ratio.toFixed(1)}x)`);
  rows.push({ name: w.name, n: w.n, d: w.d, k: w.k, model: w.model, oursMs: ours, sklearnMs: sk.msPerIter, ratio, lowerBound: model.lowerBound, sklearnLowerBound: sk.lowerBound, agreement, api: sk.api });
}

const markdown = [
  `Dirichlet-process prior, scikit-learn's defaults, ${ITERS} iterations (tol 0) from the same start (each row in the component of its nearest fixed start row); ms per iteration = fit time / iterations, median of ${FITS} (gaussmix, ${availableParallelism()} threads) and ${SKLEARN_FITS} (scikit-learn) fits.`,
  '',
  '| workload | gaussmix ms/iter | scikit-learn ms/iter | ratio (target ≥ 10×) | lower bounds agree to |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} (${r.n.toLocaleString('en')} × ${r.d}, K = ${r.k}, ${r.model}) | ${median(r.oursMs).toFixed(1)} | ${median(r.sklearnMs).toFixed(1)} | ${r.ratio.toFixed(1)}× | ${r.agreement.toExponential(1)} relative |`,
  ),
].join('\n');
process.stdout.write(`${JSON.stringify({ title: 'BayesianGaussianMixture against scikit-learn', markdown, data: { iters: ITERS, rows } })}\n`);
