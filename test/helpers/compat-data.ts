/** Seeded data for the drop-in (lib/compat/) tests: blobs, integer grids with ties, starts. */
import { mulberry32, normalSource } from './random.js';

/** n points around `centres` blobs in d dimensions (spread 1, centres spread `separation`). */
export function blobs(seed: number, n: number, d: number, centres: number, separation = 4): number[][] {
  const uniform = mulberry32(seed);
  const normal = normalSource(uniform);
  const means = Array.from({ length: centres }, () => Array.from({ length: d }, () => separation * normal()));
  return Array.from({ length: n }, () => {
    const mean = means[Math.floor(uniform() * centres)] as number[];
    return mean.map((m) => m + normal());
  });
}

/** n points of small integers in [0, span): many exact ties between centres. */
export function grid(seed: number, n: number, d: number, span = 5): number[][] {
  const uniform = mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => Math.floor(uniform() * span)));
}

/** k distinct rows of data picked with a seeded draw, copied. */
export function pickRows(seed: number, data: number[][], k: number): number[][] {
  const uniform = mulberry32(seed);
  const taken = new Set<string>();
  const out: number[][] = [];
  for (let tries = 0; out.length < k && tries < 100 * k; tries++) {
    const row = data[Math.floor(uniform() * data.length)] as number[];
    const key = row.join(',');
    if (!taken.has(key)) {
      taken.add(key);
      out.push(row.slice());
    }
  }
  if (out.length < k) throw new Error(`pickRows: fewer than ${k} distinct rows`);
  return out;
}

export function copyRows(rows: number[][]): number[][] {
  return rows.map((r) => r.slice());
}
