// npm run bench [-- --quick]: ms per EM iteration of gaussmix next to scikit-learn on the same
// data and the same fixed start, both on all cores, in one run. Ratios are what to read: the
// absolute numbers depend on the machine.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { GaussianMixture } from '../dist/esm/index.js';
import { mixtureWorkload } from './data.mjs';

const quick = process.argv.includes('--quick');
const ITERS = 20;
const REPEATS = quick ? 1 : 3;
const workloads = [
  { name: 'g2d', n: 100_000, d: 2, k: 4, type: 'full', seed: 1 },
  { name: 'g16', n: 100_000, d: 16, k: 8, type: 'full', seed: 2 },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function identityPrecisions(type, k, d) {
  if (type === 'full') return Array.from({ length: k }, () => eye(d));
  if (type === 'tied') return eye(d);
  if (type === 'diag') return Array.from({ length: k }, () => Array(d).fill(1));
  return Array(k).fill(1);
}
function eye(d) {
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => +(i === j)));
}

function gaussmix(w) {
  const X = { data: w.X, shape: [w.n, w.d] };
  const times = [];
  let lowerBound = NaN;
  for (let r = 0; r < REPEATS; r++) {
    const gm = new GaussianMixture({
      nComponents: w.k, covarianceType: w.type, tol: 0, maxIter: ITERS,
      weightsInit: w.start.weights, meansInit: w.start.means,
      precisionsInit: identityPrecisions(w.type, w.k, w.d),
    });
    const t0 = process.hrtime.bigint();
    gm.fitSync(X);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6 / ITERS);
    lowerBound = gm.lowerBound;
  }
  return { msPerIter: times, lowerBound };
}

function sklearn(w) {
  const out = execFileSync('/usr/bin/python3', [
    new URL('./sklearn_gmm.py', import.meta.url).pathname, w.file, w.startFile,
    String(w.n), String(w.d), String(w.k), w.type, String(ITERS), String(REPEATS),
  ], { encoding: 'utf8' });
  return JSON.parse(out);
}

console.log(`gaussmix vs scikit-learn, ${availableParallelism()} cores, ${ITERS} EM iterations from a fixed start, median of ${REPEATS}\n`);
console.log('| workload | N | D | K | gaussmix ms/iter | scikit-learn ms/iter | speed-up | lower bound (gaussmix / sklearn) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const spec of workloads) {
  const w = { ...mixtureWorkload(spec), type: spec.type };
  const ours = gaussmix(w);
  const peer = sklearn(w);
  const a = median(ours.msPerIter);
  const b = median(peer.msPerIter);
  console.log(`| ${spec.name} | ${w.n} | ${w.d} | ${w.k} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(1)}× | ${ours.lowerBound.toFixed(10)} / ${peer.lowerBound.toFixed(10)} |`);
}
