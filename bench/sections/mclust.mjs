// Section "mclust" (issue 17): gaussmix against R mclust's me() per EM iteration, on the same
// data, from the same starting responsibilities, in one run: g16 with VVV (= full), d8 with VVI
// (= diag), and g16 with the iterative VVE. The start is the E-step of the workloads' fixed
// start (bench/data.mjs: K data rows as means, equal weights, identity covariances), written
// once next to the data in bench/.cache; both then run `ITERS` iterations with tol 0. gaussmix
// runs on all cores, mclust (Fortran, single-threaded) as R runs it. Target: ≥ 10× per row.
// Needs Rscript with mclust (Debian: r-base-core, r-cran-mclust); --quick: a tenth of the rows.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWorkload, loadWorkload } from '../data.mjs';
import { WORKLOADS } from '../workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const log = (msg) => process.stderr.write(`[bench:mclust] ${msg}\n`);
const ROWS = [
  { workload: 'g16', model: 'VVV' },
  { workload: 'd8', model: 'VVI' },
  { workload: 'g16', model: 'VVE' },
];
// The same iterations for both: an iterative M-step's inner iterations shrink as EM settles, so
// per-iteration times are only comparable over the same iterations.
const ITERS = 10;
const REPEATS = quick ? 1 : 3;

/** The starting responsibilities of a workload: one E-step under its fixed start. */
async function startingResponsibilities(spec, paths) {
  const zFile = paths.file.replace(/\.f64$/, '.z.f64');
  if (existsSync(zFile)) return zFile;
  const { GaussianMixture } = await import('../../dist/esm/index.js');
  const w = loadWorkload(spec);
  const { n, d, k } = w;
  const eye = Array.from({ length: k }, () => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => +(i === j))));
  const gm = new GaussianMixture({
    nComponents: k, covarianceType: 'full', maxIter: 0, weightsInit: w.start.weights, meansInit: w.start.means, precisionsInit: eye,
  });
  gm.fitSync({ data: w.X, shape: [n, d] });
  const z = gm.predictProba({ data: w.X, shape: [n, d] }).data;
  writeFileSync(`${zFile}.tmp`, Buffer.from(z.buffer, z.byteOffset, z.byteLength));
  renameSync(`${zFile}.tmp`, zFile);
  return zFile;
}

const run = (cmd, args) => JSON.parse(execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop());
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const results = [];
for (const row of ROWS) {
  const base = WORKLOADS.find((w) => w.name === row.workload);
  const spec = quick ? { ...base, n: base.n / 10 } : base;
  const paths = ensureWorkload(spec);
  const zFile = await startingResponsibilities(spec, paths);
  const args = [paths.file, spec.n, spec.d, zFile, spec.k, row.model];
  log(`${row.workload} ${row.model}: gaussmix`);
  const g = run(process.execPath, [join(here, '..', 'mclust-child.mjs'), ...args, ITERS, REPEATS].map(String));
  log(`${row.workload} ${row.model}: gaussmix ${median(g.msPerIter).toFixed(1)} ms/iter; mclust me()`);
  const m = run('Rscript', [join(here, '..', 'mclust_peer.R'), ...args, ITERS, REPEATS].map(String));
  const ratio = median(m.msPerIter) / median(g.msPerIter);
  log(`${row.workload} ${row.model}: mclust ${median(m.msPerIter).toFixed(1)} ms/iter, ${ratio.toFixed(1)}×`);
  results.push({ ...row, n: spec.n, d: spec.d, k: spec.k, gaussmix: g, mclust: m, ratio });
}
const markdown = [
  `R mclust ${results[0]?.mclust.mclust ?? ''} me() against gaussmix (covarianceType = the same mclust name) per EM iteration, from the same starting responsibilities (one E-step under the workload's fixed start), tol 0; gaussmix on ${availableParallelism()} cores, mclust single-threaded; median of ${REPEATS} fits (gaussmix after a warm-up).`,
  '',
  '| workload | model, N×D, K | gaussmix ms/iter (iterations) | mclust me() ms/iter (iterations) | × mclust (target ≥ 10×) | log-likelihoods, relative difference |',
  '| --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.workload} | ${r.model}, ${r.n.toLocaleString('en')}×${r.d}, K ${r.k} | ${median(r.gaussmix.msPerIter).toFixed(1)} (${r.gaussmix.nIter}) | ${median(r.mclust.msPerIter).toFixed(1)} (${r.mclust.iterations}) | ${r.ratio.toFixed(1)}×${r.ratio < 10 ? ' (missed)' : ''} | ${(Math.abs(r.gaussmix.loglik - r.mclust.loglik) / Math.abs(r.mclust.loglik)).toExponential(1)} |`,
  ),
].join('\n');
process.stdout.write(`${JSON.stringify({ title: "mclust's me() per iteration", markdown, data: results })}\n`);
