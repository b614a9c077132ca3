// Seeded synthetic data for the benchmarks: a K-component mixture with random centres and random
// full covariances, generated once and cached in bench/.cache (git-ignored) as raw float64
// (row-major N×D, little-endian), so that every peer — including the Python one — reads exactly
// the same numbers. Next to it a fixed start that every peer begins from: K data rows (row
// c·7919 mod N for component c) as means/centres and equal weights; the precisions of that start
// are the identity (each peer builds them in its own shape).
//
// The random stream is consumed in a fixed order (centres, maps, then rows one after another), so
// a workload generated with a smaller N is exactly the first rows of the larger one.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cacheDir = join(dirname(fileURLToPath(import.meta.url)), '.cache');

/** Bump when the generator changes, so stale caches are not reused. */
const GENERATOR_VERSION = 2;

/** A small seeded generator of uniform doubles in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a uniform generator. */
export function normals(rand) {
  return () => {
    let u = 0;
    while (u === 0) u = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

/** Row index of the fixed starting mean/centre of component c. */
export const startRow = (c, n) => (c * 7919) % n;

/** The cache file names of a workload of n rows. */
export function cachePaths({ name, n, seed }) {
  const stem = join(cacheDir, `${name}-n${n}-s${seed}-v${GENERATOR_VERSION}`);
  return { file: `${stem}.f64`, startFile: `${stem}.start.json` };
}

function generate({ n, d, k, seed }) {
  const rand = mulberry32(seed);
  const gauss = normals(rand);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 6 * gauss()));
  // A random linear map per component (identity plus noise): covariance A·Aᵀ, well conditioned.
  const maps = Array.from({ length: k }, () => {
    const A = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) A[i * d + j] = (i === j ? 1 : 0) + 0.3 * gauss();
    return A;
  });
  const X = new Float64Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * k);
    const A = maps[c];
    const mu = centres[c];
    for (let j = 0; j < d; j++) z[j] = gauss();
    for (let r = 0; r < d; r++) {
      let v = mu[r];
      for (let j = 0; j < d; j++) v += A[r * d + j] * z[j];
      X[i * d + r] = v;
    }
  }
  const means = [];
  for (let c = 0; c < k; c++) {
    const r = startRow(c, n);
    means.push(Array.from(X.subarray(r * d, r * d + d)));
  }
  return { X, start: { weights: Array(k).fill(1 / k), means } };
}

function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Makes sure the cache files of the workload exist (generating them if not); returns their paths. */
export function ensureWorkload(spec) {
  const paths = cachePaths(spec);
  if (existsSync(paths.file) && existsSync(paths.startFile)) return { ...paths, generated: false };
  mkdirSync(cacheDir, { recursive: true });
  const { X, start } = generate(spec);
  writeAtomic(paths.file, Buffer.from(X.buffer, X.byteOffset, X.byteLength));
  writeAtomic(paths.startFile, JSON.stringify(start));
  return { ...paths, generated: true };
}

/** Reads a cached workload: X as a Float64Array over the file's bytes, and the fixed start. */
export function loadWorkload(spec) {
  const { file, startFile } = ensureWorkload(spec);
  const buf = readFileSync(file);
  if (buf.byteLength !== spec.n * spec.d * 8) throw new Error(`${file}: expected ${spec.n}×${spec.d} float64`);
  const X =
    buf.byteOffset % 8 === 0
      ? new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8)
      : new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { ...spec, X, start: JSON.parse(readFileSync(startFile, 'utf8')), file, startFile };
}
