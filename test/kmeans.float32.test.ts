// KMeans shortlists each row's centres by a float32 product and settles every row whose two
// best values are closer than a rigorous float32 error bound in float64 (docs/design.md, "The
// float32 shortlist"), so the fit must be bit for bit the fit of float64 passes. These tests
// run both (the native float32Shortlist switch, not a public option) on data made to strain
// the bound: overlapping clusters, rows exactly equidistant from two centres, duplicated rows,
// data far from the origin and at extreme scales, sample weights; and require the same labels,
// centres, cluster weights, inertia, iteration count and per-iteration objectives, bit for bit.
import { describe, expect, it } from 'vitest';

import { native, type NativeKMeansOptions } from '../lib/native.js';
import { mulberry32, normalSource } from './helpers/random.js';

interface Case {
  name: string;
  x: Float64Array;
  n: number;
  d: number;
  k: number;
  start?: Float64Array;
  weights?: Float64Array;
}

/** Overlapping clusters (centres N(0, 0.7²), per-feature scales U(0.5, 1.5)), times `scale`, plus `offset`. */
function overlapping(n: number, d: number, k: number, seed: number, scale = 1, offset = 0): Float64Array {
  const u = mulberry32(seed);
  const g = normalSource(u);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 0.7 * g()));
  const spread = Array.from({ length: k }, () => Array.from({ length: d }, () => 0.5 + u()));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(u() * k);
    for (let j = 0; j < d; j++) x[i * d + j] = offset + scale * (centres[c]![j]! + spread[c]![j]! * g());
  }
  return x;
}

/**
 * Ties: start centres at small integer points; most rows are exactly equidistant from two or
 * more of them (integer coordinates, mirrored through the bisecting plane), the rest near them.
 */
function ties(n: number, d: number, k: number, seed: number): { x: Float64Array; start: Float64Array } {
  const u = mulberry32(seed);
  const start = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) start[c * d + j] = 2 * Math.floor(4 * u());
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = Math.floor(u() * k);
    const b = (a + 1 + Math.floor(u() * (k - 1))) % k;
    // The midpoint of two even-integer centres is an integer point equidistant from both;
    // moved along a direction in which they agree, it stays equidistant.
    for (let j = 0; j < d; j++) {
      const ca = start[a * d + j]!;
      const cb = start[b * d + j]!;
      x[i * d + j] = (ca + cb) / 2 + (ca === cb ? Math.floor(3 * u()) - 1 : 0);
    }
    if (i % 5 === 4) x[i * d + Math.floor(u() * d)] += (u() - 0.5) * 1e-7; // near, not exactly, a tie
  }
  return { x, start };
}

/** Rows drawn from a few distinct rows, each repeated many times. */
function duplicates(n: number, d: number, distinct: number, seed: number): Float64Array {
  const base = overlapping(distinct, d, 4, seed);
  const u = mulberry32(seed + 1);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = Math.floor(u() * distinct);
    x.set(base.subarray(r * d, r * d + d), i * d);
  }
  return x;
}

/** The fit by float32-shortlisted passes and by float64 passes. */
function bothFits(c: Case, options: Partial<NativeKMeansOptions>, threads: number) {
  return [true, false].map((float32Shortlist) => {
    const objectives: number[] = [];
    const opts = {
      nClusters: c.k,
      tol: 0,
      maxIter: 60,
      nInit: 1,
      seed: 3,
      threads,
      init: c.start ? 'given' : 'k-means++',
      centersInit: c.start,
      sampleWeight: c.weights,
      ...options,
      float32Shortlist,
    } as NativeKMeansOptions;
    const fit = native().fitKMeansSync(c.x, c.n, c.d, opts, (info) => {
      objectives.push(info.objective);
      return true;
    });
    return {
      centres: Buffer.from(fit.clusterCenters.buffer, fit.clusterCenters.byteOffset, fit.clusterCenters.byteLength).toString('hex'),
      weights: Buffer.from(fit.clusterWeights.buffer, fit.clusterWeights.byteOffset, fit.clusterWeights.byteLength).toString('hex'),
      labels: Array.from(fit.labels),
      inertia: fit.inertia,
      nIter: fit.nIter,
      objectives,
    };
  });
}

const u = mulberry32(24);
const cases: Case[] = [
  { name: 'overlapping clusters, D 16, K 32', x: overlapping(12_000, 16, 32, 1), n: 12_000, d: 16, k: 32 },
  { name: 'overlapping clusters, D 64, K 24', x: overlapping(6_000, 64, 24, 2), n: 6_000, d: 64, k: 24 },
  { name: 'overlapping clusters, D 7, K 40, sample weights 1e-3 to 1e3', x: overlapping(10_000, 7, 40, 3), n: 10_000, d: 7, k: 40, weights: Float64Array.from({ length: 10_000 }, () => 10 ** (6 * u() - 3)) },
  { name: 'far from the origin (offset 1e6)', x: overlapping(8_000, 12, 16, 4, 1, 1e6), n: 8_000, d: 12, k: 16 },
  { name: 'tiny scale (1e-150)', x: overlapping(6_000, 9, 12, 5, 1e-150), n: 6_000, d: 9, k: 12 },
  { name: 'huge scale (1e140)', x: overlapping(6_000, 9, 12, 6, 1e140), n: 6_000, d: 9, k: 12 },
  { name: 'duplicated rows', x: duplicates(10_000, 10, 50, 7), n: 10_000, d: 10, k: 20 },
  (() => {
    const { x, start } = ties(10_000, 8, 16, 8);
    return { name: 'rows equidistant from two centres (and near it)', x, start, n: 10_000, d: 8, k: 16 };
  })(),
];

describe('the float32 shortlist gives the float64 fit, bit for bit', () => {
  for (const c of cases) {
    it(c.name, () => {
      const [f32, f64] = bothFits(c, {}, 2);
      expect(f64!.nIter).toBeGreaterThan(2);
      expect(f32).toEqual(f64);
    });
  }

  it('with default options (k-means++, tol 1e-4) and one thread', () => {
    const c = cases[0]!;
    const [f32, f64] = bothFits(c, { tol: 1e-4, maxIter: 300, seed: 11 }, 1);
    expect(f32).toEqual(f64);
  });
});
