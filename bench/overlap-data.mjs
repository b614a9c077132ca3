// Overlapping clusters for the section "overlap" (issue 24): centres drawn N(0, 0.7²) per
// coordinate, each cluster with per-feature scales U(0.5, 1.5), so every point is near several
// centres and K-means' bounds prune little. Generated once into bench/.cache as raw float64
// (row-major N×D), with a fixed start (K data rows, data.mjs's startRow) every peer begins from.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { cacheDir, mulberry32, normals, startRow } from './data.mjs';

/** Bump when the generator changes, so stale caches are not reused. */
const GENERATOR_VERSION = 1;

/** The section's workloads (the two K-means shapes). --quick: a tenth of the rows. */
export const OVERLAP_WORKLOADS = [
  { name: 'ko16', n: 300_000, d: 16, k: 32, seed: 24_016 },
  { name: 'ko64', n: 200_000, d: 64, k: 64, seed: 24_064 },
];

/**
 * The mixtures on the same recipe (section "overlap-mixtures"; issue 24's GMM rows): full, diag
 * and spherical covariances. --quick: a tenth of the rows.
 */
export const OVERLAP_MIXTURES = [
  { name: 'go16', n: 100_000, d: 16, k: 8, seed: 24_116, model: 'full' },
  { name: 'do8', n: 1_000_000, d: 8, k: 10, seed: 24_108, model: 'diag' },
  { name: 'so2', n: 1_000_000, d: 2, k: 2, seed: 24_102, model: 'spherical' },
];

/** The cached data of a workload ({ file, startFile }), generated when missing. */
export function ensureOverlap({ name, n, d, k, seed }) {
  const stem = join(cacheDir, `${name}-n${n}-s${seed}-overlap-v${GENERATOR_VERSION}`);
  const paths = { file: `${stem}.f64`, startFile: `${stem}.start.json` };
  if (existsSync(paths.file) && existsSync(paths.startFile)) return paths;
  mkdirSync(cacheDir, { recursive: true });
  const rand = mulberry32(seed);
  const gauss = normals(rand);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 0.7 * gauss()));
  const scales = Array.from({ length: k }, () => Array.from({ length: d }, () => 0.5 + rand()));
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * k);
    for (let j = 0; j < d; j++) X[i * d + j] = centres[c][j] + scales[c][j] * gauss();
  }
  const means = Array.from({ length: k }, (_, c) => Array.from(X.subarray(startRow(c, n) * d, (startRow(c, n) + 1) * d)));
  const tmp = `${paths.file}.${process.pid}.tmp`;
  writeFileSync(tmp, new Uint8Array(X.buffer));
  renameSync(tmp, paths.file);
  writeFileSync(paths.startFile, JSON.stringify({ means }));
  return paths;
}
