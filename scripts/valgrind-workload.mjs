// The short workload scripts/valgrind-check.sh runs under valgrind memcheck: every estimator
// fits (sync and async, with onIteration, abort and an error path), predicts, scores, samples,
// transforms and round-trips through JSON, on small data, so that every native entry point runs
// at least once. Loads the built package from dist/ (npm run build:ts) and the addon as usual
// (build/Release, or GAUSSMIX_ADDON).
import { createRequire } from 'node:module';
import * as path from 'node:path';

import { GaussianKMeans, GaussianMixture, KMeans, SoftKMeans } from '../dist/esm/index.js';

let s = 12345;
const uniform = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const n = 150;
const d = 3;
const data = new Float64Array(n * d);
for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = (i % 3) * 4 + j + uniform();
const X = { data, shape: [n, d] };
const rows = Array.from({ length: 20 }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));

const models = [
  ...['full', 'tied', 'diag', 'spherical'].map((covarianceType) => () => new GaussianMixture({ nComponents: 3, covarianceType, seed: 1, threads: 2 })),
  () => new GaussianKMeans({ nComponents: 3, seed: 2, threads: 2 }),
  () => new KMeans({ nClusters: 3, seed: 3, threads: 2, nInit: 2 }),
  () => new SoftKMeans({ nClusters: 3, seed: 4, threads: 2 }),
];

for (const make of models) {
  const m = make();
  m.fitSync(X, { onIteration: (i) => (i.iter < 3 ? undefined : false) });
  await m.fit(X, { sampleWeight: new Float64Array(n).fill(2) });
  m.predict(rows);
  if (m.predictProba) m.predictProba(rows);
  if (m.scoreSamples) m.scoreSamples(X);
  m.score(rows);
  if (m.bic) m.bic(rows);
  if (m.sample) m.sample(50, 7);
  if (m.transform) m.transform(rows);
  const back = m.constructor.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
  back.predict(rows);
  // Error paths: a callback that throws, an abort in the middle, bad input.
  await m.fit(X, { onIteration: () => { throw new Error('stop'); } }).catch(() => {});
  const ac = new AbortController();
  await m.fit(X, { signal: ac.signal, onIteration: (i) => void (i.iter === 2 && ac.abort()) }).catch(() => {});
  try { m.predict([[1, 2]]); } catch {}
}
// A collapsed component: the ill-conditioned error path.
try {
  new GaussianMixture({ nComponents: 2, regCovar: 0, seed: 1 }).fitSync(Array.from({ length: 10 }, () => [1, 2]));
} catch {}
const addon = process.env.GAUSSMIX_ADDON ? path.resolve(process.env.GAUSSMIX_ADDON) : '../build/Release/gaussmix.node';
console.log(`valgrind workload: done (addon SIMD variant ${createRequire(import.meta.url)(addon).simd})`);
