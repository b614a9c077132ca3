// K-means' sufficient statistics (issue 15) through the addon's entries: statistics of row
// chunks that start at multiples of BLOCK_ROWS, merged in order, are those of the whole, bit
// for bit (their canonical bytes); a loop of statistics and updates from an explicit start —
// what a streamed fit does, one pass per iteration — gives the in-memory fit's centres,
// inertia, weights, iteration count and convergence bit for bit, for any chunking and 1 to 8
// threads; the bytes round-trip and every malformed or mismatched buffer is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KMeans, getMaxThreads, setMaxThreads } from '../lib/index.js';
import { native, type NativeKMeansStatistics } from '../lib/native.js';
import { expectIdentical } from './helpers/compare.js';
import { mulberry32, normalSource } from './helpers/random.js';

const BLOCK_ROWS = 4096;
const N = 3 * BLOCK_ROWS + 1234;

interface Case {
  name: string;
  d: number;
  k: number;
  weighted: boolean;
  /** centres far from the data: clusters empty after the first pass */
  farStart?: boolean;
  /** overlapping clusters: many rows change cluster for many iterations */
  overlap?: boolean;
  /** default 40 */
  maxIter?: number;
}

// Plain passes (K·D < 32, few and more features), bounded passes with few features (measured
// directly) and with more (the product with every centre; features in whole packets of every
// SIMD width, and a rest, as the exact cluster sums take them), many clusters, sample weights
// with zeros, and the empty-cluster rule.
const CASES: Case[] = [
  { name: 'plain, D 2, K 4', d: 2, k: 4, weighted: false },
  { name: 'plain, D 5, K 3, weighted', d: 5, k: 3, weighted: true },
  { name: 'bounded, D 3, K 12, weighted', d: 3, k: 12, weighted: true, overlap: true },
  { name: 'bounded, D 9, K 10', d: 9, k: 10, weighted: false, overlap: true },
  { name: 'bounded, D 9, K 10, empty clusters', d: 9, k: 10, weighted: true, farStart: true },
  { name: 'plain, D 2, K 5, empty clusters', d: 2, k: 5, weighted: false, farStart: true },
  // Features in whole packets of every SIMD width and a rest (kmeans_cluster_sums.cc).
  { name: 'bounded, D 20, K 8, weighted', d: 20, k: 8, weighted: true, overlap: true },
  { name: 'bounded, D 70, K 24, weighted', d: 70, k: 24, weighted: true, overlap: true, maxIter: 12 },
  { name: 'bounded, D 3, K 260, weighted', d: 3, k: 260, weighted: true, overlap: true, maxIter: 12 },
];

interface Data {
  X: Float64Array;
  w: Float64Array | undefined;
  start: Float64Array;
}

function makeData(c: Case, seed: number): Data {
  const uniform = mulberry32(seed);
  const normal = normalSource(uniform);
  const spread = c.overlap ? 0.7 : 4;
  const centres = Array.from({ length: c.k }, () => Array.from({ length: c.d }, () => spread * normal() + 10));
  const X = new Float64Array(N * c.d);
  for (let i = 0; i < N; i++) {
    const m = centres[Math.floor(uniform() * c.k)]!;
    for (let j = 0; j < c.d; j++) X[i * c.d + j] = m[j]! + (0.5 + uniform()) * normal();
  }
  const w = c.weighted ? Float64Array.from({ length: N }, () => (uniform() < 0.05 ? 0 : Math.exp(4 * uniform() - 2))) : undefined;
  const start = new Float64Array(c.k * c.d);
  for (let j = 0; j < c.k; j++) {
    const row = Math.floor(uniform() * N);
    for (let t = 0; t < c.d; t++) start[j * c.d + t] = c.farStart && j > 0 ? 1e3 * (j + t) : X[row * c.d + t]!;
  }
  return { X, w, start };
}

/** Chunk boundaries: 0, some multiples of BLOCK_ROWS, N. */
function randomChunks(rng: () => number): number[] {
  const cuts = [0];
  for (let b = BLOCK_ROWS; b < N; b += BLOCK_ROWS) if (rng() < 0.5) cuts.push(b);
  cuts.push(N);
  return cuts;
}

function statistics(data: Data, d: number, k: number, centres: Float64Array, cuts: number[], threads: number): NativeKMeansStatistics {
  const addon = native();
  let merged: NativeKMeansStatistics | undefined;
  for (let c = 0; c + 1 < cuts.length; c++) {
    const [a, b] = [cuts[c]!, cuts[c + 1]!];
    const options = { k, centres, threads, ...(data.w ? { sampleWeight: data.w.subarray(a, b) } : {}) };
    const st = addon.kmeansStatisticsSync(data.X.subarray(a * d, b * d), b - a, d, options);
    merged = merged ? addon.kmeansStatisticsMerge(merged.bytes, st.bytes) : st;
  }
  return merged!;
}

/** tol's threshold as a stream takes it: moments about the first row, merged over the chunks. */
function threshold(data: Data, d: number, tol: number, cuts: number[], threads: number): number {
  if (tol === 0) return 0;
  const addon = native();
  const shift = data.X.slice(0, d);
  let bytes: Uint8Array | undefined;
  let meanVariance = 0;
  for (let c = 0; c + 1 < cuts.length; c++) {
    const [a, b] = [cuts[c]!, cuts[c + 1]!];
    const m = addon.kmeansMoments(data.X.subarray(a * d, b * d), b - a, d, { shift, threads });
    const merged = bytes ? addon.kmeansMomentsMerge(bytes, m.bytes) : m;
    bytes = merged.bytes;
    meanVariance = merged.meanVariance;
  }
  return tol * meanVariance;
}

interface LoopResult {
  centres: Float64Array;
  inertia: number;
  weights: Float64Array;
  nIter: number;
  converged: boolean;
  objectives: number[];
  relocated: number;
}

/** A streamed fit: one pass of chunk statistics per iteration, then the update. */
function statisticsLoop(data: Data, c: Case, tol: number, maxIter: number, threads: number, rng: () => number): LoopResult {
  const addon = native();
  const thr = threshold(data, c.d, tol, randomChunks(rng), threads);
  let centres = data.start;
  let last: NativeKMeansStatistics | undefined;
  let nIter = 0;
  let converged = false;
  let unchanged = false;
  const objectives: number[] = [];
  let relocated = 0;
  for (let iter = 0; iter < maxIter; iter++) {
    last = statistics(data, c.d, c.k, centres, randomChunks(rng), threads);
    objectives.push(last.inertia);
    const step = addon.kmeansMaximise(last.bytes);
    relocated += step.relocated;
    nIter++;
    if (step.unchanged) {
      converged = unchanged = true;
      break;
    }
    centres = step.centers;
    if (step.shift <= thr) {
      converged = true;
      break;
    }
  }
  if (!unchanged) last = statistics(data, c.d, c.k, centres, randomChunks(rng), threads);
  return { centres, inertia: last!.inertia, weights: last!.weights, nIter, converged, objectives, relocated };
}

let previousCap = 0;
beforeAll(() => {
  previousCap = getMaxThreads();
  setMaxThreads(8); // so that 8 threads are 8 threads, whatever the machine's cores
});
afterAll(() => setMaxThreads(previousCap));

describe('KMeans statistics', () => {
  for (const [index, c] of CASES.entries()) {
    const data = makeData(c, 100 + index);

    it(`${c.name}: chunks aligned to BLOCK_ROWS merge into the statistics of the whole`, () => {
      const rng = mulberry32(7 + index);
      const whole = statistics(data, c.d, c.k, data.start, [0, N], 1);
      expect(whole.rows).toBe(N);
      for (let trial = 0; trial < 6; trial++) {
        const threads = 1 + Math.floor(rng() * 8);
        const merged = statistics(data, c.d, c.k, data.start, randomChunks(rng), threads);
        expectIdentical(merged.bytes, whole.bytes, `trial ${trial}, ${threads} threads`);
      }
    });

    it(`${c.name}: the fit is a loop of statistics and updates, bit for bit, for 1 to 8 threads`, () => {
      const rng = mulberry32(11 + index);
      for (const tol of [0, 1e-4]) {
        const maxIter = c.maxIter ?? 40;
        const reference = statisticsLoop(data, c, tol, maxIter, 1, rng);
        // The cases do what they are named for: empty clusters re-seeded, many iterations.
        if (c.farStart) expect(reference.relocated).toBeGreaterThan(0);
        if (c.overlap && tol === 0) expect(reference.nIter).toBeGreaterThan(Math.min(8, maxIter - 1));
        for (let threads = 1; threads <= 8; threads++) {
          const objectives: number[] = [];
          const km = new KMeans({ nClusters: c.k, init: { data: data.start, shape: [c.k, c.d] }, tol, maxIter, threads });
          km.fitSync({ data: data.X, shape: [N, c.d] }, { sampleWeight: data.w, onIteration: (i) => void objectives.push(i.objective) });
          const what = `tol ${tol}, ${threads} threads`;
          expectIdentical(km.clusterCenters.data, reference.centres, `${what}: centres`);
          expect(Object.is(km.inertia, reference.inertia), `${what}: inertia`).toBe(true);
          expect(km.nIter, `${what}: nIter`).toBe(reference.nIter);
          expect(km.converged, `${what}: converged`).toBe(reference.converged);
          expectIdentical(Float64Array.from(objectives), Float64Array.from(reference.objectives), `${what}: objectives`);
          // The labels belong to the final centres.
          const labels = new Int32Array(N);
          native().kmeansAssign(data.X, N, c.d, reference.centres, threads, { labels });
          expectIdentical(km.labels, labels, `${what}: labels`);
          if (threads === 1) {
            // A loop with other thread counts and chunkings gives the same.
            const again = statisticsLoop(data, c, tol, maxIter, 1 + Math.floor(rng() * 8), rng);
            expectIdentical(again.centres, reference.centres, `${what}: another loop`);
            const total = reference.weights.reduce((a, b) => a + b, 0);
            const shares = (km.toJSON().state as { weights: number[] }).weights;
            expectIdentical(Float64Array.from(shares), reference.weights.map((x) => x / total), `${what}: weights`);
          }
        }
      }
    });
  }

  it('the fit without onIteration gives the same result as with it', () => {
    const c = CASES[3]!;
    const data = makeData(c, 103);
    const fit = (listen: boolean) => {
      const km = new KMeans({ nClusters: c.k, init: { data: data.start, shape: [c.k, c.d] }, tol: 0, maxIter: 50 });
      km.fitSync({ data: data.X, shape: [N, c.d] }, listen ? { onIteration: () => undefined } : undefined);
      return km;
    };
    const [a, b] = [fit(false), fit(true)];
    expectIdentical(a.clusterCenters.data, b.clusterCenters.data, 'centres');
    expect(Object.is(a.inertia, b.inertia)).toBe(true);
    expectIdentical(a.labels, b.labels, 'labels');
  });
});

describe('KMeans statistics bytes', () => {
  const c = CASES[4]!;
  const data = makeData(c, 104);
  const st = statistics(data, c.d, c.k, data.start, [0, N], 2);

  it('round-trip: read gives the summary, merge of halves gives the whole', () => {
    const addon = native();
    const read = addon.kmeansStatisticsRead(st.bytes);
    expect(read).toMatchObject({ family: 'kmeans', k: c.k, d: c.d, rows: N, inertia: st.inertia, objective: -st.inertia });
    expectIdentical(read.weights, st.weights, 'weights');
    const half = 2 * BLOCK_ROWS;
    const merged = statistics(data, c.d, c.k, data.start, [0, half, N], 3);
    expectIdentical(addon.kmeansStatisticsMerge(merged.bytes, statistics(data, c.d, c.k, data.start, [0, 0], 1).bytes).bytes, st.bytes, 'merged with no rows');
    expectIdentical(merged.bytes, st.bytes, 'halves');
  });

  it('refuses truncated, extended, corrupted and mismatched buffers', () => {
    const addon = native();
    const refuses = (bytes: Uint8Array, what: string) => {
      expect(() => addon.kmeansStatisticsRead(bytes), what).toThrow(expect.objectContaining({ code: 'ERR_GAUSSMIX_INVALID_ARGUMENT' }) as Error);
    };
    for (let length = 0; length < st.bytes.length; length += Math.max(1, Math.floor(st.bytes.length / 97))) {
      refuses(st.bytes.slice(0, length), `truncated to ${length}`);
    }
    const longer = new Uint8Array(st.bytes.length + 1);
    longer.set(st.bytes);
    refuses(longer, 'one byte more');
    for (const at of [0, 4, 6, 7, 8, 12, 16, 28, 36]) {
      const bad = st.bytes.slice();
      bad[at] = (bad[at]! + 1) & 0xff;
      refuses(bad, `byte ${at} changed`);
    }
    const other = statistics(data, c.d, c.k, data.start.map((v) => v + 1), [0, N], 1);
    expect(() => addon.kmeansStatisticsMerge(st.bytes, other.bytes)).toThrow(/other centres/);
    expect(() => addon.kmeansStatisticsRead(new Float64Array(4) as unknown as Uint8Array)).toThrow(TypeError);
  });
});
