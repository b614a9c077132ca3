// Seeded synthetic workloads shared by the benchmarks: a mixture with random centres and random
// full covariances, generated once and cached (bench/.cache is git-ignored) as raw float64 so
// that the Python peer reads exactly the same numbers.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cacheDir = join(dirname(fileURLToPath(import.meta.url)), '.cache');

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normals(rand) {
  return () => {
    let u = 0;
    while (u === 0) u = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

/** Draws n rows of a K-component mixture in D dimensions; returns X and a fixed start. */
export function mixtureWorkload({ name, n, d, k, seed }) {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `${name}.f64`);
  const startFile = join(cacheDir, `${name}.start.json`);
  if (existsSync(file) && existsSync(startFile)) {
    const buf = readFileSync(file);
    const X = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
    return { X, n, d, k, start: JSON.parse(readFileSync(startFile, 'utf8')), file, startFile };
  }
  const rand = mulberry32(seed);
  const gauss = normals(rand);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 6 * gauss()));
  // A random linear map per component: covariance A·Aᵀ, well conditioned.
  const maps = Array.from({ length: k }, () =>
    Array.from({ length: d }, (_, i) =>
      Array.from({ length: d }, (_, j) => (i === j ? 1 : 0) + 0.3 * gauss()),
    ),
  );
  const X = new Float64Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * k);
    for (let j = 0; j < d; j++) z[j] = gauss();
    for (let r = 0; r < d; r++) {
      let v = centres[c][r];
      for (let j = 0; j < d; j++) v += maps[c][r][j] * z[j];
      X[i * d + r] = v;
    }
  }
  // A fixed start both libraries take: K distinct data rows as means, unit covariances, equal
  // weights (precisions = identity).
  const means = [];
  for (let c = 0; c < k; c++) means.push(Array.from(X.subarray(((c * 7919) % n) * d, ((c * 7919) % n) * d + d)));
  const start = { weights: Array(k).fill(1 / k), means };
  writeFileSync(file, Buffer.from(X.buffer));
  writeFileSync(startFile, JSON.stringify(start));
  return { X, n, d, k, start, file, startFile };
}
