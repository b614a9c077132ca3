/**
 * KMeans's statistics and streamed fits (API.md "Sufficient statistics and streamed fits"):
 * `statistics()` of BLOCK_ROWS-aligned chunks merged in order equal those of the whole and
 * survive toBuffer/Statistics.fromBuffer; `maximise` is one Lloyd update; `fitStream` from an
 * explicit start gives fit's centres, inertia, weights, nIter and convergence bit for bit for
 * random batchings (different per pass), weighted or not, tol 0 or not, threads 1..8.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BLOCK_ROWS, KMeans, KMeansStatistics, MixtureStatistics, SoftKMeans, Statistics, getMaxThreads, setMaxThreads, type NDArray, type StreamBatch } from '../lib/index.js';
import { mulberry32, sampleMixture, THREE_CLUSTERS } from './helpers/random.js';
import { overflowingStatistics } from './helpers/overflow.js';

const N = 3 * BLOCK_ROWS + 1234;
const D = 3;
const K = 5;
const { data } = sampleMixture(91, THREE_CLUSTERS, N);
const X: NDArray = { data, shape: [N, D] };
const rng = mulberry32(92);
const WEIGHTS = Float64Array.from({ length: N }, () => (rng() < 0.05 ? 0 : 0.1 + rng() * 3));
// Explicit start: K rows of the data.
const START = new Float64Array(K * D);
for (let c = 0; c < K; c++) START.set(data.subarray((c * 997) * D, (c * 997 + 1) * D), c * D);

let cap = 0;
beforeAll(() => {
  cap = getMaxThreads();
  setMaxThreads(8);
});
afterAll(() => setMaxThreads(cap === 0 ? 0 : cap));

/** A source that cuts the rows into random batch sizes, different on every pass. */
function batchedSource(x: Float64Array, d: number, seed: number, weights?: Float64Array): () => AsyncGenerator<StreamBatch> {
  let pass = 0;
  const n = x.length / d;
  return async function* () {
    const r = mulberry32(seed + 1000 * pass++);
    for (let first = 0; first < n; ) {
      const u = r();
      const size = u < 0.1 ? 1 : u < 0.8 ? 1 + Math.floor(r() * 700) : 1 + Math.floor(r() * (3 * BLOCK_ROWS + 1));
      const rows = Math.min(size, n - first);
      const batchX = { data: x.slice(first * d, (first + rows) * d), shape: [rows, d] };
      yield weights ? { X: batchX, sampleWeight: weights.subarray(first, first + rows) } : batchX;
      first += rows;
    }
  };
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function expectSameKMeans(a: KMeans, b: KMeans, what: string): void {
  expect(same(a.clusterCenters.data, b.clusterCenters.data), `${what}: centres`).toBe(true);
  expect(Object.is(a.inertia, b.inertia), `${what}: inertia ${a.inertia} vs ${b.inertia}`).toBe(true);
  expect(same(a.weights, b.weights), `${what}: weights`).toBe(true);
  expect(a.nIter, `${what}: nIter`).toBe(b.nIter);
  expect(a.converged, `${what}: converged`).toBe(b.converged);
}

const startOptions = { nClusters: K, init: { data: START, shape: [K, D] } };

describe('KMeans statistics', () => {
  const km = new KMeans({ ...startOptions, maxIter: 2 }).fitSync(X);

  it('chunks aligned to BLOCK_ROWS merge into the statistics of the whole, through bytes', () => {
    const whole = km.statistics(X, { sampleWeight: WEIGHTS });
    expect(whole).toBeInstanceOf(KMeansStatistics);
    expect(whole.family).toBe('kmeans');
    expect(whole.rows).toBe(N);
    expect(whole.nComponents).toBe(K);
    expect(whole.nFeatures).toBe(D);
    expect(whole.objective).toBe(-whole.inertia);
    const cut = 2 * BLOCK_ROWS;
    const first = km.statistics({ data: data.subarray(0, cut * D), shape: [cut, D] }, { sampleWeight: WEIGHTS.subarray(0, cut) });
    const rest = km.statistics({ data: data.subarray(cut * D), shape: [N - cut, D] }, { sampleWeight: WEIGHTS.subarray(cut) });
    const merged = (Statistics.fromBuffer(first.toBuffer()) as KMeansStatistics).merge(rest);
    expect(merged).toBeInstanceOf(KMeansStatistics);
    expect(same(merged.toBuffer(), whole.toBuffer())).toBe(true);
    // The inertia to these centres is score's, up to the order of the additions.
    expect(whole.inertia).toBeCloseTo(-km.score(X, WEIGHTS), 6);
  });

  it('maximise is one Lloyd update: a loop of statistics and maximise is fit', () => {
    const reference = new KMeans({ ...startOptions, maxIter: 4, tol: 0 }).fitSync(X);
    const stepped = new KMeans({ ...startOptions, maxIter: 1, tol: 0 }).fitSync(X);
    // fit with maxIter 1 made one update; three more give the centres of four.
    for (let i = 0; i < 3; i++) stepped.maximise(stepped.statistics(X));
    expect(same(stepped.clusterCenters.data, reference.clusterCenters.data)).toBe(true);
    expect(stepped.nIter).toBe(4);
    expect(stepped.labels.length).toBe(0);
    // Its JSON (labels empty) loads, and predicts as the model.
    const back = KMeans.fromJSON(JSON.parse(JSON.stringify(stepped)));
    expect(back.labels.length).toBe(0);
    expect(same(back.predict(X), stepped.predict(X))).toBe(true);
  });

  it('statistics of other families, shapes or centres are refused', () => {
    const other = new KMeans({ nClusters: K, init: { data: START.map((v) => v + 1), shape: [K, D] }, maxIter: 1 }).fitSync(X);
    expect(() => km.statistics(X).merge(other.statistics(X))).toThrow(RangeError);
    const soft = new SoftKMeans({ nClusters: K, seed: 1, maxIter: 2 }).fitSync(X);
    const softStats = soft.statistics(X);
    expect(softStats).toBeInstanceOf(MixtureStatistics);
    expect(() => km.statistics(X).merge(softStats)).toThrow(TypeError);
    expect(() => km.maximise(softStats as unknown as KMeansStatistics)).toThrow(TypeError);
    const fewer = new KMeans({ nClusters: K - 1, seed: 2, maxIter: 1 }).fitSync(X);
    expect(() => km.maximise(fewer.statistics(X))).toThrow(RangeError);
    const bytes = km.statistics(X).toBuffer();
    expect(() => Statistics.fromBuffer(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
  });

  it('maximise refuses statistics of non-finite inertia or total weight; the model is unchanged', () => {
    const m = new KMeans({ ...startOptions, maxIter: 2 }).fitSync(X);
    const before = m.toJSON();
    const zero = m.statistics(X, { sampleWeight: new Float64Array(N) });
    expect(() => m.maximise(zero)).toThrow(/stats weigh nothing/);
    const huge = overflowingStatistics(m, X);
    expect(() => m.maximise(huge)).toThrow(expect.objectContaining({ code: 'ERR_GAUSSMIX_ILL_CONDITIONED' }) as Error);
    expect(m.toJSON()).toEqual(before);
  });

  it('statistics before fitting is a not-fitted error, before any argument error', () => {
    expect(() => new KMeans({ nClusters: 2 }).statistics(undefined as unknown as NDArray)).toThrow(
      expect.objectContaining({ code: 'ERR_GAUSSMIX_NOT_FITTED' }) as Error,
    );
  });
});

describe('KMeans.fitStream equals fit from the same explicit start', () => {
  for (const weighted of [false, true]) {
    for (const tol of [0, 1e-4]) {
      it(`${weighted ? 'weighted' : 'unweighted'}, tol ${tol}, threads 1..8`, async () => {
        const w = weighted ? WEIGHTS : undefined;
        const reference = new KMeans({ ...startOptions, tol, threads: 1 }).fitSync(X, { sampleWeight: w });
        expect(reference.nIter).toBeGreaterThan(2);
        for (const threads of [1, 3, 8]) {
          const objectives: number[] = [];
          const streamed = await new KMeans({ ...startOptions, tol, threads }).fitStream(batchedSource(data, D, 10 * threads + (weighted ? 1 : 0), w), {
            onIteration: (info) => void objectives.push(info.objective),
          });
          expectSameKMeans(streamed, reference, `${threads} threads`);
          expect(objectives.length).toBe(reference.nIter);
          expect(streamed.labels.length).toBe(0);
          expect(same(streamed.predict(X), reference.labels)).toBe(true);
        }
      });
    }
  }

  it('the default start fits from a reservoir sample and is reproducible', async () => {
    const a = await new KMeans({ nClusters: 3, seed: 5, nInit: 2 }).fitStream(batchedSource(data, D, 1));
    const b = await new KMeans({ nClusters: 3, seed: 5, nInit: 2 }).fitStream(batchedSource(data, D, 2));
    expectSameKMeans(a, b, 'two batchings');
    const inMemory = new KMeans({ nClusters: 3, seed: 5, nInit: 2 }).fitSync(X);
    expect(a.inertia).toBeLessThan(inMemory.inertia * 1.01);
    expectSameKMeans(KMeans.fromJSON(JSON.parse(JSON.stringify(a))), a, 'fitStream, through JSON');
  });

  it('standardize and bad sources are refused, leaving the model as it was', async () => {
    await expect(new KMeans({ nClusters: 3, standardize: true }).fitStream(batchedSource(data, D, 1))).rejects.toThrow(RangeError);
    const km = new KMeans({ ...startOptions }).fitSync(X);
    const before = km.clusterCenters.data;
    await expect(km.fitStream(42 as unknown as () => Iterable<StreamBatch>)).rejects.toThrow(TypeError);
    const bad = data.slice();
    bad[5 * D] = NaN;
    await expect(km.fitStream(batchedSource(bad, D, 3))).rejects.toThrow(/row 5/);
    expect(same(km.clusterCenters.data, before)).toBe(true);
    const controller = new AbortController();
    controller.abort();
    await expect(km.fitStream(batchedSource(data, D, 4), { signal: controller.signal })).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }) as Error);
  });
  it('all-zero sample weights are the RangeError fit gives, from a given or the default start', async () => {
    const zero = new Float64Array(N);
    const allZero = expect.objectContaining({ name: 'RangeError', message: 'sampleWeight must not be all zero' }) as Error;
    expect(() => new KMeans({ ...startOptions }).fitSync(X, { sampleWeight: zero })).toThrow(allZero);
    // (A given start used to fit nothing and keep its centres; the default start said that
    // "only 0 samples have a positive weight".)
    await expect(new KMeans({ ...startOptions }).fitStream(batchedSource(data, D, 5, zero))).rejects.toThrow(allZero);
    await expect(new KMeans({ nClusters: 3, seed: 1 }).fitStream(batchedSource(data, D, 6, zero))).rejects.toThrow(allZero);
  });
});
