// A model whose certain memory exceeds the machine is refused before any work
// (lib/memory-check.ts), with the native out-of-memory error's class and code.
//
// X stays small: N = K + 1 rows of D = 20,000 features is 8 MB, while K·D² covariances are
// hundreds of GB. Without the check such a fit ran its K-means start and its first E-step
// (tens of seconds) before a native allocation failed.
import * as os from 'node:os';

import { describe, expect, it } from 'vitest';

import {
  BayesianGaussianMixture,
  ErrorCode,
  GaussianMixture,
  KMeans,
  selectModel,
  selectModelSync,
  type NDArray,
} from '../lib/index.js';
import { ShardPasses } from '../lib/distributed/shard-passes.js';
import { centroidFitMemory, checkFitMemory, formatBytes, mixtureFitMemory, type MemoryNeed } from '../lib/memory-check.js';
import { FIT_PASSES, type PassFitControl } from '../lib/passes.js';

const K = 50;
const D = 20_000;
/** Generous: a refusal takes milliseconds; the fit it replaces took tens of seconds. */
const FAST_MS = 5_000;

function wide(n: number, d: number): NDArray {
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.7) + (i % 7);
  return { data, shape: [n, d] };
}

const HUGE = wide(K + 1, D);
const fullNeed = mixtureFitMemory({ covarianceType: 'full', k: K, d: D, n: K + 1, noise: false, responsibilities: true, eStep: true });

function expectOutOfMemory(err: unknown): void {
  expect(err).toBeInstanceOf(RangeError);
  const e = err as RangeError & { code: string };
  expect(e.code).toBe(ErrorCode.OUT_OF_MEMORY);
  expect(e.message).toContain(`${K} components of ${D} features`);
  expect(e.message).toContain("'full'");
  expect(e.message).toContain('K·D²');
  expect(e.message).toContain(formatBytes(fullNeed.bytes));
  expect(e.message).toContain(formatBytes(os.totalmem()));
  expect(e.message).toMatch(/fewer components, covarianceType 'diag' or 'spherical'/);
}

describe('the memory a fit needs', () => {
  it('counts the K·D² parameters twice (native and the result) for full covariances', () => {
    // 2 × (covariances + precisionsCholesky) + 2 × (means + weights).
    expect(fullNeed.bytes).toBe(2 * 8 * (2 * K * D * D + K * D + K));
    // This machine cannot hold it (the tests below rely on it).
    expect(fullNeed.bytes).toBeGreaterThan(os.totalmem());
  });

  it('counts the responsibilities and one E-step accumulator during the fit', () => {
    const n = 1e7;
    const need = mixtureFitMemory({ covarianceType: 'diag', k: 100, d: 10, n, noise: true, responsibilities: true, eStep: true });
    // params (2·K·D + K·D + C) + N·C + (scatter K·D + K·D + C + 3), C = K + 1.
    expect(need.bytes).toBe(8 * (3 * 1000 + 101 + n * 101 + (2000 + 101 + 3)));
    const noResp = mixtureFitMemory({ covarianceType: 'diag', k: 100, d: 10, n, noise: true, responsibilities: false, eStep: true });
    expect(noResp.bytes).toBe(2 * 8 * (3 * 1000 + 101));
  });

  it('counts at least D² for shared orientations and K·D² for own ones (mclust names)', () => {
    const at = (covarianceType: 'EEE' | 'VVV' | 'EII') =>
      mixtureFitMemory({ covarianceType, k: 3, d: 1000, n: 4, noise: false, responsibilities: false, eStep: true }).bytes;
    // Every mclust name keeps [K, D, D] covariances: the parameters dominate.
    expect(at('EII')).toBe(at('EEE'));
    expect(at('VVV')).toBe(at('EEE'));
    expect(at('VVV')).toBeGreaterThanOrEqual(2 * 8 * 2 * 3 * 1000 * 1000);
  });

  it('builds its descriptions only when read (every fit measures its need; few are refused)', () => {
    // A data property would be a string built on every fit; an accessor builds it when read.
    const isAccessor = (o: object, key: string): boolean => {
      for (let at: object | null = o; at; at = Object.getPrototypeOf(at) as object | null) {
        const p = Object.getOwnPropertyDescriptor(at, key);
        if (p) return p.get !== undefined && !('value' in p);
      }
      return false;
    };
    const needs = [
      mixtureFitMemory({ covarianceType: 'full', k: 3, d: 2, n: 500, noise: true, responsibilities: true, eStep: true }),
      mixtureFitMemory({ covarianceType: 'diag', k: 3, d: 2, n: 5e6, noise: false, responsibilities: true, eStep: true }),
      centroidFitMemory({ k: 3, d: 2, n: 500, labels: true }),
    ];
    for (const need of needs) {
      expect(isAccessor(need, 'model')).toBe(true);
      expect(isAccessor(need, 'advice')).toBe(true);
      expect(need.parts.length).toBeGreaterThan(0);
      for (const part of need.parts) expect(isAccessor(part, 'what')).toBe(true);
    }
    // Read, they are the message's text.
    const [full, diag, centroids] = needs as [MemoryNeed, MemoryNeed, MemoryNeed];
    expect(full.model).toBe("3 components of 2 features with covarianceType 'full'");
    expect(full.advice).toBe(
      "Use fewer components, covarianceType 'diag' or 'spherical' (K·D or K values instead of D² per component), " +
        'or fewer features (e.g. a projection such as PCA); with many rows, fewer rows (the starting responsibilities are N × K).',
    );
    expect(diag.parts.map((p) => p.what)).toEqual([
      'covariances and precisionsCholesky (2 × K·D = 2 × 6 values)',
      'means and weights (K·D + K = 9 values)',
      'the responsibilities (N × 3 = 15000000 values)',
      "one thread's E-step sums (18 values)",
    ]);
    expect(centroids.model).toBe('3 clusters of 2 features');
    expect(centroids.advice).toBe('Use fewer clusters, fewer features or fewer rows.');
  });

  it('lets a model of about 1 GB pass and refuses one just above the ceiling', () => {
    // Full, 4 components of 2,500 features: 4 × 2,500² × 8 B = 200 MB per parameter array.
    const need = mixtureFitMemory({ covarianceType: 'full', k: 4, d: 2500, n: 5, noise: false, responsibilities: true, eStep: true });
    expect(need.bytes).toBeGreaterThan(0.5e9);
    expect(need.bytes).toBeLessThan(1e9);
    expect(need.bytes).toBeLessThan(os.totalmem());
    expect(() => checkFitMemory('GaussianMixture', need)).not.toThrow();
    expect(() => checkFitMemory('GaussianMixture', need, need.bytes)).not.toThrow();
    let caught: unknown;
    try {
      checkFitMemory('GaussianMixture', need, need.bytes - 1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect((caught as { code: string }).code).toBe(ErrorCode.OUT_OF_MEMORY);
  });

  it('counts the centres and the labels of a centroid fit', () => {
    const need = centroidFitMemory({ k: 300, d: 10, n: 1000, labels: true });
    expect(need.bytes).toBe(2 * 8 * 3000 + 1000 * (4 + 2));
    expect(centroidFitMemory({ k: 300, d: 10, n: 1000, labels: false }).bytes).toBe(2 * 8 * 3000);
  });
});

describe('a fit larger than the machine', () => {
  it('fitSync throws at once, and the model stays as it was', () => {
    const gm = new GaussianMixture({ nComponents: K, covarianceType: 'full', seed: 1, maxIter: 5 });
    const small = wide(K + 10, 2);
    gm.fitSync(small);
    const before = gm.toJSON();
    const t0 = performance.now();
    let caught: unknown;
    try {
      gm.fitSync(HUGE);
    } catch (err) {
      caught = err;
    }
    expect(performance.now() - t0).toBeLessThan(FAST_MS);
    expectOutOfMemory(caught);
    expect(gm.toJSON()).toEqual(before);
    expect(gm.predict(small)).toHaveLength(K + 10);
  });

  it('fit rejects at once, and the instance can fit again', async () => {
    const gm = new GaussianMixture({ nComponents: K, covarianceType: 'full', seed: 1 });
    const t0 = performance.now();
    const err = await gm.fit(HUGE).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - t0).toBeLessThan(FAST_MS);
    expectOutOfMemory(err);
    expect(gm.isFitted).toBe(false);
    // Not left busy: a fit that fits runs.
    await gm.fit(wide(K + 10, 2));
    expect(gm.isFitted).toBe(true);
  });

  it('is refused before any pass over X (the default prior of X is not computed)', () => {
    // mclust's default prior needs the D × D covariance of X (3.2 GB, N·D² operations: seconds),
    // computed before the native fit; the refusal comes before it.
    let iterations = 0;
    const gm = new GaussianMixture({ nComponents: K, covarianceType: 'VVV', prior: 'default', standardize: true, maxIter: 1 });
    const t0 = performance.now();
    expect(() => gm.fitSync(HUGE, { onIteration: () => void iterations++ })).toThrow(/does not fit in memory/);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(iterations).toBe(0);
  });

  it('is refused for mclust names and BayesianGaussianMixture alike', async () => {
    for (const covarianceType of ['VVV', 'EEE'] as const) {
      const t0 = performance.now();
      let caught: unknown;
      try {
        new GaussianMixture({ nComponents: K, covarianceType }).fitSync(HUGE);
      } catch (err) {
        caught = err;
      }
      expect(performance.now() - t0).toBeLessThan(FAST_MS);
      expect((caught as { code?: string }).code).toBe(ErrorCode.OUT_OF_MEMORY);
      expect((caught as Error).message).toContain(`covarianceType '${covarianceType}'`);
    }
    const bgm = new BayesianGaussianMixture({ nComponents: K, covarianceType: 'full' });
    const t0 = performance.now();
    await expect(bgm.fit(HUGE)).rejects.toMatchObject({ code: ErrorCode.OUT_OF_MEMORY });
    expect(performance.now() - t0).toBeLessThan(FAST_MS);
  });

  it('charges the N × K responsibilities to soft starts only (hard starts keep labels)', () => {
    // Rows enough that N × K doubles pass the machine while the model itself is small.
    const n = Math.ceil(os.totalmem() / (8 * 10)) + 1;
    const need = (options: ConstructorParameters<typeof GaussianMixture>[0]) =>
      (new GaussianMixture(options) as unknown as { fitMemory(n: number, d: number): { bytes: number } | undefined }).fitMemory(n, 2);
    for (const init of ['kmeans', 'k-means++', 'random-from-data', 'hc'] as const) {
      expect(need({ nComponents: 10, init })!.bytes).toBeLessThan(os.totalmem() / 100);
    }
    expect(need({ nComponents: 10, init: 'random' })!.bytes).toBeGreaterThan(os.totalmem());
    const bgm = new BayesianGaussianMixture({ nComponents: 10 }) as unknown as { fitMemory(n: number, d: number): { bytes: number } };
    expect(bgm.fitMemory(n, 2).bytes).toBeLessThan(os.totalmem() / 100);
  });

  it('a diagonal model of the same data is not refused', () => {
    const gm = new GaussianMixture({ nComponents: 3, covarianceType: 'diag', maxIter: 1, seed: 2 });
    expect(() => gm.fitSync(wide(4, D))).not.toThrow();
    // A K-means fit of the same sizes needs K·D centres: not refused either.
    expect(() => new KMeans({ nClusters: K, seed: 2, maxIter: 1 }).fitSync(HUGE)).not.toThrow();
  });

  it('selectModel refuses before fitting any candidate', async () => {
    const seen: unknown[] = [];
    const options = { components: [1, K], covarianceTypes: ['diag', 'full'], init: 'kmeans', onModel: (r: unknown) => seen.push(r) } as const;
    const t0 = performance.now();
    await expect(selectModel(HUGE, options)).rejects.toMatchObject({ code: ErrorCode.OUT_OF_MEMORY });
    expect(() => selectModelSync(HUGE, options)).toThrow(/selectModel: the candidate full with 50 components: the model does not fit in memory/);
    expect(performance.now() - t0).toBeLessThan(2 * FAST_MS);
    expect(seen).toEqual([]);
  });

  it('fitStream refuses once the first batch gives D, before reading the rest', async () => {
    let batches = 0;
    const source = function* () {
      for (let i = 0; i < 3; i++) {
        batches++;
        yield HUGE;
      }
    };
    const gm = new GaussianMixture({ nComponents: K, covarianceType: 'full', seed: 1 });
    const t0 = performance.now();
    await expect(gm.fitStream(source)).rejects.toMatchObject({ code: ErrorCode.OUT_OF_MEMORY });
    expect(performance.now() - t0).toBeLessThan(FAST_MS);
    expect(batches).toBe(1);
    expect(gm.isFitted).toBe(false);
    const bgm = new BayesianGaussianMixture({ nComponents: K, covarianceType: 'full', seed: 1 });
    await expect(bgm.fitStream(source)).rejects.toMatchObject({ code: ErrorCode.OUT_OF_MEMORY });
  });

  it('a distributed fit refuses once the shards give D, before any job on their rows', async () => {
    // A run whose shards describe themselves (no Redis): every other round is a job on the rows.
    const tasks: string[] = [];
    const run = {
      round: async (task: { task: string }) => {
        tasks.push(task.task);
        if (task.task !== 'describe') throw new Error(`unexpected round ${task.task}`);
        return [{ rows: K + 1, d: D, weighted: false, first: new Float64Array(D) }];
      },
    };
    const passes = new ShardPasses(run as never, ['shard 0'], 'fitDistributed');
    const control: PassFitControl = { signal: undefined, onIteration: undefined, initSampleRows: 1000 };
    const gm = new GaussianMixture({ nComponents: K, covarianceType: 'full', seed: 1 });
    await expect(gm[FIT_PASSES](passes, control)).rejects.toMatchObject({ code: ErrorCode.OUT_OF_MEMORY });
    expect(tasks).toEqual(['describe']);
    expect(gm.isFitted).toBe(false);
  });
});
