/**
 * Sufficient statistics and streamed fits (API.md "Sufficient statistics and streamed fits"):
 * statistics of BLOCK_ROWS-aligned chunks merged in order equal those of the whole, bit for bit,
 * and survive toBuffer/fromBuffer; fitStream from an explicit start gives fit's parameters bit
 * for bit for random batchings (1 row to 3·BLOCK_ROWS + 1, different per pass) and threads
 * 1..8; bad sources reject naming the batch and row and leave the model as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  BLOCK_ROWS,
  BayesianGaussianMixture,
  GaussianKMeans,
  GaussianMixture,
  KMeans,
  MixtureStatistics,
  SoftKMeans,
  Statistics,
  getMaxThreads,
  setMaxThreads,
  type CovarianceType,
  type NDArray,
  type StreamBatch,
} from '../lib/index.js';
import { mulberry32, sampleMixture, THREE_CLUSTERS } from './helpers/random.js';
import { overflowingStatistics } from './helpers/overflow.js';

const N = 3 * BLOCK_ROWS + 1234;
const D = 3;
const { data } = sampleMixture(77, THREE_CLUSTERS, N);
const X: NDArray = { data, shape: [N, D] };
const rng = mulberry32(78);
const WEIGHTS = Float64Array.from({ length: N }, () => (rng() < 0.05 ? 0 : 0.1 + rng() * 3));
const TYPES: CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];

let cap = 0;
beforeAll(() => {
  cap = getMaxThreads();
  setMaxThreads(8); // so that 8 threads are real on a 2-core machine
});
afterAll(() => setMaxThreads(cap === 0 ? 0 : cap));

/** A source that cuts the rows into random batch sizes, different on every pass. */
function batchedSource(
  x: Float64Array,
  d: number,
  seed: number,
  options: { weights?: Float64Array; nested?: boolean } = {},
): { source: () => AsyncGenerator<StreamBatch>; passes: () => number } {
  let pass = 0;
  const n = x.length / d;
  return {
    passes: () => pass,
    source: async function* () {
      const r = mulberry32(seed + 1000 * pass++);
      for (let first = 0; first < n; ) {
        const u = r();
        // Mostly small and odd sizes, sometimes a single row, sometimes several blocks.
        const size = u < 0.1 ? 1 : u < 0.8 ? 1 + Math.floor(r() * 700) : 1 + Math.floor(r() * (3 * BLOCK_ROWS + 1));
        const rows = Math.min(size, n - first);
        const chunk = x.slice(first * d, (first + rows) * d);
        const batchX = options.nested
          ? Array.from({ length: rows }, (_, i) => Array.from(chunk.subarray(i * d, (i + 1) * d)))
          : { data: chunk, shape: [rows, d] };
        yield options.weights ? { X: batchX, sampleWeight: options.weights.subarray(first, first + rows) } : batchX;
        first += rows;
      }
    },
  };
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function expectSameMixture(a: GaussianMixture, b: GaussianMixture): void {
  expect(same(a.weights, b.weights)).toBe(true);
  expect(same(a.means.data, b.means.data)).toBe(true);
  expect(same(a.covariances.data, b.covariances.data)).toBe(true);
  expect(same(a.precisionsCholesky.data, b.precisionsCholesky.data)).toBe(true);
  expect(a.nIter).toBe(b.nIter);
  expect(a.converged).toBe(b.converged);
  expect(Object.is(a.lowerBound, b.lowerBound)).toBe(true);
}

/** Explicit starting parameters of a type, from a short fit with another seed. */
function startOf(type: CovarianceType, k = 3) {
  const m = new GaussianMixture({ nComponents: k, covarianceType: type, maxIter: 2, seed: 5, init: 'random-from-data' }).fitSync(X);
  return { weightsInit: m.weights, meansInit: m.means, covariancesInit: m.covariances };
}

describe('statistics', () => {
  it.each(TYPES)('%s: aligned chunks merged in order equal the whole, and round-trip through bytes', (type) => {
    const gm = new GaussianMixture({ nComponents: 3, covarianceType: type, seed: 3, maxIter: 3 }).fitSync(X);
    const whole = gm.statistics(X, { sampleWeight: WEIGHTS });
    const cuts = [0, BLOCK_ROWS, 3 * BLOCK_ROWS, N];
    let merged: MixtureStatistics | undefined;
    for (let c = 0; c + 1 < cuts.length; c++) {
      const [a, b] = [cuts[c] as number, cuts[c + 1] as number];
      const part = gm.statistics({ data: data.subarray(a * D, b * D), shape: [b - a, D] }, { sampleWeight: WEIGHTS.subarray(a, b) });
      merged = merged ? merged.merge(part) : part;
    }
    expect(merged!.rows).toBe(N);
    expect(same(merged!.toBuffer(), whole.toBuffer())).toBe(true);
    const back = Statistics.fromBuffer(whole.toBuffer());
    expect(back).toBeInstanceOf(MixtureStatistics);
    expect(same(back.toBuffer(), whole.toBuffer())).toBe(true);
    expect(Object.is(back.objective, whole.objective)).toBe(true);
    expect(back.totalWeight).toBeCloseTo(WEIGHTS.reduce((s, w) => s + w, 0), 6);
    // The M-step from the statistics is the next EM iteration of the fitted model.
    const next = GaussianMixture.fromJSON(gm.toJSON()).maximise(back as MixtureStatistics);
    const ref = new GaussianMixture({
      nComponents: 3,
      covarianceType: type,
      maxIter: 1,
      weightsInit: gm.weights,
      meansInit: gm.means,
      covariancesInit: gm.covariances,
    }).fitSync(X, { sampleWeight: WEIGHTS });
    expect(same(next.means.data, ref.means.data)).toBe(true);
    expect(same(next.covariances.data, ref.covariances.data)).toBe(true);
    expect(Object.is(next.lowerBound, ref.lowerBound)).toBe(true);
  });

  it('merging statistics of other parameters or shapes is a RangeError', () => {
    const a = new GaussianMixture({ nComponents: 3, seed: 1, maxIter: 1 }).fitSync(X);
    const b = new GaussianMixture({ nComponents: 3, seed: 2, maxIter: 1 }).fitSync(X);
    const c = new GaussianMixture({ nComponents: 2, seed: 1, maxIter: 1 }).fitSync(X);
    expect(() => a.statistics(X).merge(b.statistics(X))).toThrow(RangeError);
    expect(() => a.statistics(X).merge(c.statistics(X))).toThrow(/shape|other parameters/);
    expect(() => a.statistics(X).merge({} as Statistics)).toThrow(TypeError);
  });

  it('statistics before fitting is a not-fitted error, before any argument error', () => {
    expect(() => new GaussianMixture({ nComponents: 2 }).statistics('bad' as unknown as NDArray)).toThrow(/fitted/);
  });

  it.each([
    ['GaussianMixture', () => new GaussianMixture({ nComponents: 3, seed: 1, maxIter: 2 })],
    ['GaussianKMeans', () => new GaussianKMeans({ nComponents: 3, seed: 1, maxIter: 2 })],
  ])('%s.maximise refuses statistics it cannot use; the model is unchanged and still round-trips', (_, make) => {
    const gm = make().fitSync(X);
    const before = gm.toJSON();
    // Total weight 0: refused as KMeans.maximise and fit refuse it.
    const zero = gm.statistics(X, { sampleWeight: new Float64Array(N) });
    expect(() => gm.maximise(zero)).toThrow(expect.objectContaining({ name: 'RangeError', message: 'stats weigh nothing: their rows have total weight 0' }) as Error);
    // Weights whose sum overflows, and a row of zero density: the statistics are valid, the
    // M-step is not.
    const huge = overflowingStatistics(gm, X);
    expect(() => gm.maximise(huge)).toThrow(expect.objectContaining({ code: 'ERR_GAUSSMIX_ILL_CONDITIONED', message: expect.stringMatching(/total weight overflows/) as string }) as Error);
    const far = gm.statistics([[1e10, 1e10, 1e10]], { sampleWeight: [1e300] });
    expect(far.objective).toBe(-Infinity);
    expect(() => gm.maximise(far)).toThrow(expect.objectContaining({ code: 'ERR_GAUSSMIX_ILL_CONDITIONED', message: expect.stringMatching(/log-likelihood is -Infinity/) as string }) as Error);
    expect(gm.toJSON()).toEqual(before);
    expect(() => GaussianMixture.fromJSON(gm.toJSON())).not.toThrow();
  });
});

describe('fitStream equals fit from the same explicit start', () => {
  it.each(TYPES)('%s, random batchings, threads 1..8', async (type) => {
    const start = startOf(type);
    const options = { nComponents: 3, covarianceType: type, tol: 1e-9, maxIter: 6, ...start };
    const ref = new GaussianMixture({ ...options, threads: 1 }).fitSync(X);
    for (const threads of [1, 2, 3, 8]) {
      const { source, passes } = batchedSource(data, D, threads * 31);
      const gm = await new GaussianMixture({ ...options, threads }).fitStream(source);
      expectSameMixture(gm, ref);
      expect(passes()).toBe(ref.nIter);
    }
  });

  it('every starting parameter given: one run whatever nInit (as fit), its passes not repeated', async () => {
    const options = { nComponents: 3, covarianceType: 'full' as const, tol: 0, maxIter: 3, nInit: 4, ...startOf('full') };
    const ref = new GaussianMixture({ ...options, warnings: 'silent' }).fitSync(X);
    const { source, passes } = batchedSource(data, D, 5);
    const gm = await new GaussianMixture(options).fitStream(source);
    expectSameMixture(gm, ref);
    expect(passes()).toBe(ref.nIter);
  });

  it('weighted streams (some batches without weights count as weight 1)', async () => {
    const start = startOf('full');
    const options = { nComponents: 3, tol: 0, maxIter: 4, ...start };
    const ref = new GaussianMixture(options).fitSync(X, { sampleWeight: WEIGHTS });
    const gm = await new GaussianMixture(options).fitStream(batchedSource(data, D, 9, { weights: WEIGHTS }).source);
    expectSameMixture(gm, ref);
  });

  it('nested-array batches and a synchronous iterable', async () => {
    const start = startOf('diag');
    const options = { nComponents: 3, covarianceType: 'diag' as const, tol: 0, maxIter: 3, ...start };
    const ref = new GaussianMixture(options).fitSync(X);
    const gm = await new GaussianMixture(options).fitStream(batchedSource(data, D, 4, { nested: true }).source);
    expectSameMixture(gm, ref);
    const rows = Array.from({ length: N }, (_, i) => Array.from(data.subarray(i * D, (i + 1) * D)));
    const gm2 = await new GaussianMixture(options).fitStream(() => [rows.slice(0, 5000), rows.slice(5000)]);
    expectSameMixture(gm2, ref);
  });

  it('empty batches (an empty array, shape [0, D], { X: [] }) are skipped: the same fit', async () => {
    const start = startOf('full');
    const options = { nComponents: 3, tol: 0, maxIter: 3, ...start };
    const ref = new GaussianMixture(options).fitSync(X);
    const half = 5000;
    const source = (): StreamBatch[] => [
      [],
      { data: data.subarray(0, half * D), shape: [half, D] },
      { data: new Float64Array(0), shape: [0, D] },
      { X: [] },
      { data: data.subarray(half * D), shape: [N - half, D] },
      [],
    ];
    expectSameMixture(await new GaussianMixture(options).fitStream(source), ref);
  });

  it('warm start continues a fit exactly as fit does', async () => {
    const base = new GaussianMixture({ nComponents: 3, maxIter: 2, seed: 8, warmStart: true, tol: 0 }).fitSync(X);
    const a = GaussianMixture.fromJSON(base.toJSON()).fitSync(X);
    const b = await GaussianMixture.fromJSON(base.toJSON()).fitStream(batchedSource(data, D, 12).source);
    expectSameMixture(b, a);
  });

  it('GaussianKMeans and SoftKMeans', async () => {
    const start = startOf('spherical');
    const gkOptions = { nComponents: 3, tol: 0, maxIter: 4, ...start };
    const gk = await new GaussianKMeans(gkOptions).fitStream(batchedSource(data, D, 13).source);
    expectSameMixture(gk, new GaussianKMeans(gkOptions).fitSync(X));
    const init = start.meansInit;
    const skOptions = { nClusters: 3, stiffness: 2, tol: 1e-12, maxIter: 7, init };
    const ref = new SoftKMeans(skOptions).fitSync(X, { sampleWeight: WEIGHTS });
    for (const threads of [1, 3]) {
      const sk = await new SoftKMeans({ ...skOptions, threads }).fitStream(batchedSource(data, D, 14, { weights: WEIGHTS }).source);
      expect(same(sk.means.data, ref.means.data)).toBe(true);
      expect(same(sk.weights, ref.weights)).toBe(true);
      expect(sk.nIter).toBe(ref.nIter);
      expect(Object.is(sk.lowerBound, ref.lowerBound)).toBe(true);
    }
  });
});

describe('fitStream equals fit on chunks laid out by column', () => {
  // A mixture's E-step reads a stream's chunks by column; these reach the steps that need the
  // rows back by row: Σ r x by a matrix product (more than 16 features, no scatter) and the rows
  // far from every component.
  const wide = (n: number, d: number, seed: number): Float64Array => {
    const r = mulberry32(seed);
    const centres = Array.from({ length: 3 }, () => Array.from({ length: d }, () => 4 * (r() - 0.5)));
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const c = centres[Math.floor(r() * 3)] as number[];
      for (let j = 0; j < d; j++) x[i * d + j] = (c[j] as number) + r() - 0.5;
    }
    return x;
  };

  it('20 features: SoftKMeans (Σ r x by a matrix product) and a full GaussianMixture', async () => {
    const d = 20;
    const n = BLOCK_ROWS + 777;
    const x = wide(n, d, 31);
    const init = { data: x.slice(0, 3 * d), shape: [3, d] };
    const skOptions = { nClusters: 3, stiffness: 3, tol: 0, maxIter: 3, init };
    const sk = new SoftKMeans(skOptions).fitSync({ data: x, shape: [n, d] });
    const streamed = await new SoftKMeans({ ...skOptions, threads: 3 }).fitStream(batchedSource(x, d, 32).source);
    expect(same(streamed.means.data, sk.means.data)).toBe(true);
    expect(Object.is(streamed.lowerBound, sk.lowerBound)).toBe(true);
    // Every starting parameter given: a partial start would take the others from the default
    // start, k-means with a random seed of each model's own (usually, not always, the same).
    const eye = Float64Array.from({ length: 3 * d * d }, (_, i) => (i % (d * d) % (d + 1) === 0 ? 1 : 0));
    const gmOptions = {
      nComponents: 3,
      tol: 0,
      maxIter: 3,
      meansInit: init,
      weightsInit: [1 / 3, 1 / 3, 1 / 3],
      covariancesInit: { data: eye, shape: [3, d, d] },
    };
    const gm = new GaussianMixture(gmOptions).fitSync({ data: x, shape: [n, d] });
    expectSameMixture(await new GaussianMixture({ ...gmOptions, threads: 2 }).fitStream(batchedSource(x, d, 33).source), gm);
  });

  it('a row far from every component rejects as fit does', async () => {
    const x = data.slice();
    // 1.2e154: every component's squared Mahalanobis distance overflows (a far row).
    x.fill(1.2e154, (BLOCK_ROWS + 5) * D, (BLOCK_ROWS + 6) * D);
    const options = {
      nComponents: 3,
      covarianceType: 'diag' as const,
      tol: 0,
      maxIter: 2,
      weightsInit: [0.3, 0.3, 0.4],
      meansInit: { data: data.slice(0, 3 * D), shape: [3, D] },
      precisionsInit: { data: new Float64Array(3 * D).fill(100), shape: [3, D] },
    };
    let message = '';
    try {
      new GaussianMixture(options).fitSync({ data: x, shape: [N, D] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/log-likelihood is not finite/);
    const gm = new GaussianMixture(options);
    await expect(gm.fitStream(batchedSource(x, D, 34).source)).rejects.toThrow(/log-likelihood is not finite/);
    expect(gm.isFitted).toBe(false);
  });
});

describe('fitStream reports its iterations as fit does', () => {
  it("onIteration's info: the same fields and values, call for call", async () => {
    const options = { nComponents: 3, maxIter: 6, tol: 0, warnings: 'silent' as const, ...startOf('full') };
    const seen = (into: object[]) => ({ onIteration: (info: object) => void into.push({ ...info }) });
    const fromFit: object[] = [];
    const fromStream: object[] = [];
    new GaussianMixture(options).fitSync(X, seen(fromFit));
    await new GaussianMixture(options).fitStream(batchedSource(data, D, 5).source, seen(fromStream));
    expect(fromFit).toHaveLength(6);
    expect(fromStream).toEqual(fromFit);
  });
});

describe('fitStream from a warm start', () => {
  const head = { data: data.subarray(0, 400 * D), shape: [400, D] };
  const source = batchedSource(data, D, 3).source;

  it('equals the warm fit for mclust models whose M-step iterates (its inner state starts afresh)', async () => {
    for (const covarianceType of ['EVE', 'VVE', 'VEV', 'VEI'] as const) {
      const warm = () => new GaussianMixture({ nComponents: 3, covarianceType, seed: 3, warmStart: true, maxIter: 3, tol: 0, warnings: 'silent' }).fitSync(head);
      expectSameMixture(await warm().fitStream(source), await warm().fit(X));
    }
  });

  it('takes the noise hypervolume and the prior from the options, as fit; their data defaults are refused', async () => {
    const options = { nComponents: 3, seed: 3, warmStart: true, maxIter: 4, tol: 0, warnings: 'silent' } as const;
    const given = { ...options, noise: { hypervolume: 500 } };
    const warmGiven = () => new GaussianMixture(given).fitSync(head);
    expectSameMixture(await warmGiven().fitStream(source), await warmGiven().fit(X));
    const refusals: [object, RegExp][] = [
      [{ ...options, noise: true }, /give noise\.hypervolume/],
      [{ ...options, covarianceType: 'VVV', prior: 'default' }, /give the prior's shrinkage, mean, dof and scale/],
    ];
    for (const [o, message] of refusals) {
      const gm = new GaussianMixture(o as ConstructorParameters<typeof GaussianMixture>[0]).fitSync(head);
      const before = gm.toJSON();
      await expect(gm.fitStream(source)).rejects.toThrow(message);
      expect(gm.toJSON()).toEqual(before);
    }
  });
});

describe('fitStream default start', () => {
  it('fits a mixture from a stream with the default k-means start', async () => {
    const gm = await new GaussianMixture({ nComponents: 3, seed: 21 }).fitStream(batchedSource(data, D, 22).source);
    const ref = new GaussianMixture({ nComponents: 3, seed: 21 }).fitSync(X);
    // Not the same start as fit, but the same optimum on three well-separated clusters.
    expect(gm.converged).toBe(true);
    expect(gm.lowerBound).toBeCloseTo(ref.lowerBound, 3);
    // Seeded: the same stream and seed give the same model, whatever the batching.
    const again = await new GaussianMixture({ nComponents: 3, seed: 21 }).fitStream(batchedSource(data, D, 99).source);
    expectSameMixture(again, gm);
  });

  it.each(['k-means++', 'random', 'random-from-data'] as const)('init %s from the sample', async (init) => {
    const gm = await new GaussianMixture({ nComponents: 3, seed: 4, init, maxIter: 200 }).fitStream(batchedSource(data, D, 5).source, {
      initSampleRows: 2000,
    });
    expect(gm.nIter).toBeGreaterThan(0);
    expect(Number.isFinite(gm.lowerBound)).toBe(true);
  });

  it('SoftKMeans default start', async () => {
    const sk = await new SoftKMeans({ nClusters: 3, seed: 3 }).fitStream(batchedSource(data, D, 6).source);
    expect(sk.means.shape).toEqual([3, D]);
  });
});

describe('fitStream errors leave the model as it was', () => {
  const fitted = (): GaussianMixture => new GaussianMixture({ nComponents: 3, seed: 1, maxIter: 2 }).fitSync(X);

  it('a non-finite value names the batch and the row of the pass', async () => {
    const gm = fitted();
    const before = gm.means.data.slice();
    const bad = data.slice();
    bad[(BLOCK_ROWS + 7) * D + 1] = NaN;
    const source = () => [
      { data: bad.subarray(0, BLOCK_ROWS * D), shape: [BLOCK_ROWS, D] },
      { data: bad.subarray(BLOCK_ROWS * D), shape: [N - BLOCK_ROWS, D] },
    ];
    await expect(gm.fitStream(source)).rejects.toThrow(/batch 1 \(from row 4096 of the pass\).*row 7 \(row 4103 of the pass\), column 1/);
    expect(same(gm.means.data, before)).toBe(true);
  });

  it('all-zero sample weights are the RangeError fit gives, from any start', async () => {
    const zero = new Float64Array(N);
    const source = () => [{ X, sampleWeight: zero }];
    const allZero = expect.objectContaining({ name: 'RangeError', message: 'sampleWeight must not be all zero' }) as Error;
    const start = startOf('full');
    expect(() => new GaussianMixture({ nComponents: 3, ...start }).fitSync(X, { sampleWeight: zero })).toThrow(allZero);
    await expect(new GaussianMixture({ nComponents: 3, ...start }).fitStream(source)).rejects.toThrow(allZero);
    await expect(new GaussianMixture({ nComponents: 3, seed: 1 }).fitStream(source)).rejects.toThrow(allZero);
    const gm = fitted();
    const before = gm.toJSON();
    await expect(GaussianMixture.fromJSON({ ...before, options: { ...before.options, warmStart: true } }).fitStream(source)).rejects.toThrow(allZero);
    const init = Array.from({ length: 3 }, (_, c) => Array.from(data.subarray(c * D, c * D + D)));
    await expect(new SoftKMeans({ nClusters: 3, init }).fitStream(source)).rejects.toThrow(allZero);
    await expect(new SoftKMeans({ nClusters: 3, seed: 1 }).fitStream(source)).rejects.toThrow(allZero);
  });

  it('all-zero sample weights with maxIter 0 (no E-step) from a start that reads no rows', async () => {
    const zero = new Float64Array(N);
    const source = () => [{ X, sampleWeight: zero }];
    const allZero = expect.objectContaining({ name: 'RangeError', message: 'sampleWeight must not be all zero' }) as Error;
    const start = startOf('full');
    const noise = { ...start, weightsInit: [0.3, 0.3, 0.3, 0.1], noise: { hypervolume: 1e3 } };
    for (const options of [start, noise]) {
      expect(() => new GaussianMixture({ nComponents: 3, maxIter: 0, ...options }).fitSync(X, { sampleWeight: zero })).toThrow(allZero);
      const gm = new GaussianMixture({ nComponents: 3, maxIter: 0, ...options }).fitSync(X);
      const before = gm.toJSON();
      await expect(gm.fitStream(source)).rejects.toThrow(allZero);
      expect(gm.toJSON()).toEqual(before);
    }
    const json = fitted().toJSON();
    const warm = GaussianMixture.fromJSON({ ...json, options: { ...json.options, warmStart: true, maxIter: 0 } });
    const before = warm.toJSON();
    expect(() => warm.fitSync(X, { sampleWeight: zero })).toThrow(allZero);
    await expect(warm.fitStream(source)).rejects.toThrow(allZero);
    expect(warm.toJSON()).toEqual(before);
  });

  it('maxIter 0 from every starting parameter given still reads the rows (and equals fit)', async () => {
    const start = startOf('diag');
    const options = { nComponents: 3, covarianceType: 'diag' as const, maxIter: 0, ...start };
    const bad = data.slice(0, 12);
    bad[4] = NaN;
    await expect(new GaussianMixture(options).fitStream(() => [{ data: bad, shape: [4, D] }])).rejects.toThrow(/non-finite value \(NaN\) at row 1/);
    await expect(new GaussianMixture(options).fitStream(() => [])).rejects.toThrow(/the source gave no rows/);
    const plain = batchedSource(data, D, 3);
    expectSameMixture(await new GaussianMixture(options).fitStream(plain.source), new GaussianMixture(options).fitSync(X));
    expect(plain.passes()).toBe(1);
    const weighted = batchedSource(data, D, 4, { weights: WEIGHTS });
    const streamed = await new GaussianMixture(options).fitStream(weighted.source);
    expectSameMixture(streamed, new GaussianMixture(options).fitSync(X, { sampleWeight: WEIGHTS }));
  });

  it('fewer rows than K is the RangeError fit gives, also from starts that read no rows', async () => {
    const rows = data.slice(0, 2 * D);
    const source = () => [{ data: rows, shape: [2, D] }];
    const centres = Array.from({ length: 3 }, (_, c) => Array.from(data.subarray(c * D, c * D + D)));
    const makers: [string, string, () => GaussianMixture | SoftKMeans | KMeans | BayesianGaussianMixture][] = [
      ['GaussianMixture', 'nComponents', () => new GaussianMixture({ nComponents: 3, maxIter: 1, ...startOf('full') })],
      ['GaussianMixture', 'nComponents', () => new GaussianMixture({ nComponents: 3, maxIter: 0, ...startOf('full') })],
      ['KMeans', 'nClusters', () => new KMeans({ nClusters: 3, init: centres, maxIter: 1 })],
      ['SoftKMeans', 'nClusters', () => new SoftKMeans({ nClusters: 3, init: centres, maxIter: 1 })],
      ['BayesianGaussianMixture', 'nComponents', () => new BayesianGaussianMixture({ nComponents: 3, seed: 1 })],
    ];
    for (const [name, kName, make] of makers) {
      expect(() => make().fitSync({ data: rows, shape: [2, D] })).toThrow(RangeError);
      const tooFew = new RegExp(`^${name}\\.fitStream: ${kName} \\(3\\) exceeds the number of rows of the stream \\(2\\)`);
      await expect(make().fitStream(source)).rejects.toThrow(tooFew);
    }
    const gm = fitted();
    const before = gm.toJSON();
    const warm = GaussianMixture.fromJSON({ ...before, options: { ...before.options, warmStart: true } });
    await expect(warm.fitStream(source)).rejects.toThrow(/nComponents \(3\) exceeds the number of rows of the stream \(2\)/);
    expect(warm.toJSON()).toEqual(GaussianMixture.fromJSON({ ...before, options: { ...before.options, warmStart: true } }).toJSON());
  });

  it('a batch with another number of features', async () => {
    const source = () => [
      { data: data.subarray(0, 30), shape: [10, 3] },
      { data: data.subarray(0, 20), shape: [10, 2] },
    ];
    await expect(new GaussianMixture({ nComponents: 2 }).fitStream(source)).rejects.toThrow(
      /batch 1.*X has 2 features, but the stream's first batch came with 3/,
    );
  });

  it('a source that throws mid-pass', async () => {
    const gm = fitted();
    const before = gm.toJSON();
    async function* failing() {
      yield { data: data.subarray(0, 300), shape: [100, 3] };
      throw new Error('disk on fire');
    }
    await expect(gm.fitStream(failing)).rejects.toThrow('disk on fire');
    expect(gm.toJSON()).toEqual(before);
  });

  it('bad sources and options', async () => {
    const gm = new GaussianMixture({ nComponents: 2 });
    await expect(gm.fitStream(42 as unknown as () => [])).rejects.toThrow(TypeError);
    await expect(gm.fitStream(() => 42 as unknown as [])).rejects.toThrow(/iterable/);
    await expect(gm.fitStream(() => [], { bogus: 1 } as never)).rejects.toThrow(/Unknown option 'bogus'/);
    await expect(gm.fitStream(() => [])).rejects.toThrow(/no rows/);
    // One iterator for every pass: the second finds it spent.
    const once = [{ data: data.subarray(0, 300), shape: [100, 3] }][Symbol.iterator]();
    await expect(new GaussianMixture({ nComponents: 2, maxIter: 3, seed: 1 }).fitStream(() => once)).rejects.toThrow(
      /gave 0 rows in this pass but 100 in the first: every call of source\(\) must give the same rows/,
    );
    await expect(new GaussianMixture({ nComponents: 5 }).fitStream(() => [{ data: data.subarray(0, 12), shape: [4, 3] }])).rejects.toThrow(
      /nComponents \(5\) exceeds the number of rows of the stream \(4\)/,
    );
  });

  it('a source whose passes differ', async () => {
    let pass = 0;
    const source = () => {
      const n = pass++ === 0 ? 5000 : 4000;
      return [{ data: data.subarray(0, n * D), shape: [n, D] }];
    };
    const start = startOf('full');
    await expect(new GaussianMixture({ nComponents: 3, maxIter: 3, ...start }).fitStream(source)).rejects.toThrow(
      /4000 rows in this pass but 5000 in the first/,
    );
  });

  it('a width other than the starting parameters say names them', async () => {
    const start = startOf('full');
    const source = () => [{ data: data.subarray(0, 20), shape: [10, 2] }];
    await expect(new GaussianMixture({ nComponents: 3, ...start }).fitStream(source)).rejects.toThrow(
      /batch 0.*X has 2 features, but the starting parameters came with 3/,
    );
  });

  it('abort while the source waits for a batch that never comes', async () => {
    const gm = fitted();
    const before = gm.toJSON();
    const controller = new AbortController();
    async function* stalled() {
      yield { data: data.subarray(0, 300), shape: [100, 3] };
      await new Promise(() => {}); // a read that never returns
    }
    const promise = gm.fitStream(stalled, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
    expect(gm.toJSON()).toEqual(before);
  });

  it('abort through the signal', async () => {
    const gm = fitted();
    const before = gm.toJSON();
    const controller = new AbortController();
    const promise = gm.fitStream(batchedSource(data, D, 1).source, {
      signal: controller.signal,
      onIteration: () => controller.abort(),
    });
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
    expect(gm.toJSON()).toEqual(before);
  });
});
