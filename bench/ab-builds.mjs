// Two builds of gaussmix in one process, their fits alternated: the ratio of their times with
// about ±2% spread, where two processes on a shared host drift by ±20% (its CPU's fast and slow
// states). For changes of a few percent, which `npm run bench` cannot tell from noise.
//
//   node bench/ab-builds.mjs <other checkout> [--workload=ko16 | --shape=N,D,K | --small=gmm]
//                            [--fit=whole|first10] [--reps=8] [--threads=0] [--float64]
//   node bench/ab-builds.mjs --addon=FILE.node [the same options]
//
// <other checkout>: another commit's checkout, built (for instance `git worktree add ../prev
// <rev>`, then `npm ci` or a node_modules link, `node scripts/build-native.js` and
// `node scripts/build-ts.js` there); this checkout's dist/ must be built too. --addon: instead,
// an addon binary kept from an earlier build of this checkout (a copy of
// build/Release/gaussmix.node), run behind this checkout's own dist/ in a temporary copy: for a
// change to the native code alone, one build to compare with rather than a worktree's.
// Workloads: the overlapping-cluster ones of overlap-data.mjs (KMeans: ko16, ko64; default
// GaussianMixture: go16, do8, so2), or with --shape a KMeans workload of N rows, D features
// and K clusters on the same recipe (cached in bench/.cache like them). --fit=whole: default
// options, the workload's seed (every fit the same, so that both builds must agree); first10:
// the first ten iterations from the workload's fixed start, tol 0 (--float64: with float64
// products only, KMeans). --small=gmm|kmeans: instead, a batch of 1,000 default fits of the
// small-fits section's data (workloads.mjs SMALL, seeds 0..999) per measurement, fitSync one
// after another. Each pair of measurements must give the same iteration counts and objectives;
// a difference is printed.
// Prints per build the median ms, and the median, min and max of the per-pair ratios.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { loadWorkload } from './data.mjs';
import { ensureOverlap, OVERLAP_MIXTURES, OVERLAP_WORKLOADS } from './overlap-data.mjs';
import { SMALL } from './workloads.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const found = args.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
};
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const addon = option('addon', '');
const otherRoot = addon ? mirrorWithAddon(path.resolve(addon)) : args.find((a) => !a.startsWith('--'));
if (!otherRoot) {
  console.error('usage: node bench/ab-builds.mjs <other checkout> | --addon=FILE.node [--workload=ko16] [--fit=whole|first10] [--reps=8] [--threads=0] [--float64]');
  process.exit(2);
}

// A temporary package root with this checkout's dist/, package.json and node_modules, and the
// given addon where the loader looks for a build (build/Release); removed at exit.
function mirrorWithAddon(file) {
  const root = mkdtempSync(path.join(tmpdir(), 'gaussmix-ab-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  cpSync(path.join(here, 'dist'), path.join(root, 'dist'), { recursive: true });
  copyFileSync(path.join(here, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(here, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  mkdirSync(path.join(root, 'build', 'Release'), { recursive: true });
  copyFileSync(file, path.join(root, 'build', 'Release', 'gaussmix.node'));
  return root;
}
const load = async (root) => ({
  pkg: await import(pathToFileURL(path.join(root, 'dist/esm/index.js')).href),
  native: (await import(pathToFileURL(path.join(root, 'dist/esm/native.js')).href)).native,
});
const builds = { other: await load(path.resolve(otherRoot)), this: await load(here) };

// --shape=N,D,K: a KMeans workload of that shape on the same recipe instead.
const shape = option('shape', '').split(',').filter(Boolean).map(Number);
const small = option('small', '');
if (small && small !== 'gmm' && small !== 'kmeans') throw new RangeError('--small: gmm or kmeans');
const name = small ? `small-${small}` : shape.length === 3 ? `o${shape[1]}k${shape[2]}` : option('workload', 'ko16');
const spec = small
  ? { ...SMALL, name, model: small === 'gmm' ? 'full' : undefined, small: true }
  : shape.length === 3
  ? { name, n: shape[0], d: shape[1], k: shape[2], seed: 25_000 + 100 * shape[1] + shape[2] }
  : [...OVERLAP_WORKLOADS, ...OVERLAP_MIXTURES].find((w) => w.name === name);
if (!spec) throw new RangeError(`--workload: one of ${[...OVERLAP_WORKLOADS, ...OVERLAP_MIXTURES].map((w) => w.name).join(', ')}`);
const fit = option('fit', 'whole');
const reps = Number(option('reps', '8'));
const threads = Number(option('threads', '0'));
const float64 = args.includes('--float64');
const { n, d, k } = spec;
const { data, means } = small ? { data: loadWorkload(SMALL).X, means: [] } : overlapData(spec);
const X = { data, shape: [n, d] };

function overlapData(s) {
  const { file, startFile } = ensureOverlap(s);
  return { data: new Float64Array(readFileSync(file).buffer.slice(0)), means: JSON.parse(readFileSync(startFile, 'utf8')).means };
}

// A batch of small default fits: [ms, Σ nIter, Σ objective].
function runSmall({ pkg }) {
  const t0 = performance.now();
  let iters = 0;
  let objective = 0;
  for (let seed = 0; seed < 1000; seed++) {
    const m = spec.model ? new pkg.GaussianMixture({ nComponents: k, seed }) : new pkg.KMeans({ nClusters: k, seed });
    m.fitSync(X);
    iters += m.nIter;
    objective += spec.model ? m.lowerBound : m.inertia;
  }
  return [performance.now() - t0, iters, objective];
}

// One fit with a build: [ms, nIter, objective].
function run(build) {
  if (small) return runSmall(build);
  const { pkg, native } = build;
  const t0 = performance.now();
  if (!spec.model) {
    if (fit === 'first10' && float64) {
      const r = native().fitKMeansSync(data, n, d, { nClusters: k, tol: 0, maxIter: 10, nInit: 1, seed: 0, threads: threads || availableParallelism(), init: 'given', centersInit: Float64Array.from(means.flat()), float32Shortlist: false });
      return [performance.now() - t0, r.nIter, r.inertia];
    }
    const options = fit === 'first10' ? { init: { data: Float64Array.from(means.flat()), shape: [k, d] }, tol: 0, maxIter: 10 } : { seed: spec.seed };
    const km = new pkg.KMeans({ nClusters: k, threads, warnings: 'silent', ...options });
    km.fitSync(X);
    return [performance.now() - t0, km.nIter, km.inertia];
  }
  const start = fit === 'first10' ? { tol: 0, maxIter: 10, weightsInit: Array(k).fill(1 / k), meansInit: means, precisionsInit: identityPrecisions(spec.model) } : { seed: spec.seed };
  const gm = new pkg.GaussianMixture({ nComponents: k, covarianceType: spec.model, threads, warnings: 'silent', ...start });
  gm.fitSync(X);
  return [performance.now() - t0, gm.nIter, gm.lowerBound];
}

function identityPrecisions(model) {
  const eye = () => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => +(i === j)));
  if (model === 'full') return Array.from({ length: k }, eye);
  if (model === 'diag') return Array.from({ length: k }, () => Array(d).fill(1));
  return Array(k).fill(1);
}

run(builds.other);
run(builds.this);
const times = { other: [], this: [] };
let differ = 0;
for (let r = 0; r < reps; r++) {
  const [a, ia, oa] = run(builds.other);
  const [b, ib, ob] = run(builds.this);
  if (ia !== ib || oa !== ob) {
    differ++;
    console.log(`pair ${r}: the builds differ: nIter ${ia} / ${ib}, objective ${oa} / ${ob}`);
  }
  times.other.push(a);
  times.this.push(b);
}
const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
const ratios = times.this.map((b, i) => b / times.other[i]);
console.log(
  `${name} ${fit}${float64 ? ' float64' : ''}, ${reps} pairs: other ${median(times.other).toFixed(1)} ms, this ${median(times.this).toFixed(1)} ms; ` +
    `this ÷ other: median ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})` +
    (differ ? `; ${differ} pairs differ` : '; identical results'),
);
