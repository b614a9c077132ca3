// GaussianMixture's onCollapse option (issue 6): 'error' (the default) fails a fit whose
// component collapses; 'reseed' re-seeds the component at the worst-explained sample and
// reports the event in `reseeds`. Also SoftKMeans's error for a log-likelihood that is not
// finite (it names a component and gives SoftKMeans's own advice).
import { describe, expect, it } from 'vitest';

import { ErrorCode, GaussianKMeans, GaussianMixture, SoftKMeans, type CovarianceType } from '../lib/index.js';
import { mulberry32, normalSource } from './helpers/random.js';
import { expectRealThreads, raiseThreadCap } from './helpers/threads.js';
import { fittedProblems, resultProblems } from './helpers/validity.js';

/**
 * Two blobs of 40 points (spread 2, at (0, 0) and (10, 0)) and 8 identical points at the origin,
 * inside the first blob. The fits below start (all starting parameters given) with a third
 * component that is a spike on the identical points: with regCovar 0 its first M-step gives it
 * those points alone, and a zero covariance.
 */
const X: number[][] = (() => {
  const normal = normalSource(mulberry32(7));
  const blob = (cx: number, cy: number): number[][] =>
    Array.from({ length: 40 }, () => [cx + 2 * normal(), cy + 2 * normal()]);
  return [...blob(0, 0), ...blob(10, 0), ...Array.from({ length: 8 }, () => [0, 0])];
})();
const IDENTICAL = (row: number): boolean => X[row]![0] === 0 && X[row]![1] === 0;

interface Failure {
  code?: unknown;
  component?: unknown;
  message: string;
}

function failure(fn: () => unknown): Failure {
  try {
    fn();
  } catch (err) {
    return err as Failure;
  }
  throw new Error('expected the call to throw');
}

/** A precision v·I in the shape of the covariance type. */
function precision(type: CovarianceType, v: number): number | number[] | number[][] {
  return type === 'full' ? [[v, 0], [0, v]] : type === 'diag' ? [v, v] : v;
}

function options(covarianceType: 'full' | 'diag' | 'spherical', extra: Record<string, unknown> = {}) {
  return {
    nComponents: 3,
    covarianceType,
    regCovar: 0,
    seed: 1,
    weightsInit: [0.45, 0.45, 0.1],
    meansInit: [[0, 0], [10, 0], [0, 0]],
    precisionsInit: [precision(covarianceType, 0.25), precision(covarianceType, 0.25), precision(covarianceType, 1e12)],
    ...extra,
  } as ConstructorParameters<typeof GaussianMixture>[0];
}

/** The JSON state of a model, which holds every fitted attribute. */
function stateJSON(gm: GaussianMixture): string {
  return JSON.stringify(gm.toJSON().state);
}

/**
 * The sample worst explained (lowest log-density, ties to the lowest row; the identical points,
 * where component 2 collapsed, excluded) by components 0 and 1 as the first M-step left them
 * (read from a fit stopped after that M-step, weights renormalised).
 */
function worstUnderHealthy(covarianceType: 'full' | 'diag' | 'spherical'): number {
  const one = new GaussianMixture(options(covarianceType, { onCollapse: 'reseed', maxIter: 1 })).fitSync(X);
  const { reseeds: _, ...st } = one.toJSON().state!;
  const w = st.weights.slice(0, 2);
  const model = GaussianMixture.fromJSON({
    format: 'gaussmix',
    version: 1,
    kind: 'GaussianMixture',
    options: { nComponents: 2, covarianceType },
    state: {
      ...st,
      weights: w.map((v) => v / (w[0]! + w[1]!)),
      means: st.means.slice(0, 2),
      covariances: st.covariances.slice(0, 2),
      precisionsCholesky: st.precisionsCholesky.slice(0, 2),
    },
  } as unknown);
  const logp = model.scoreSamples(X);
  let worst = -1;
  for (let i = 0; i < X.length; i++) {
    if (!IDENTICAL(i) && (worst < 0 || logp[i]! < logp[worst]!)) worst = i;
  }
  return worst;
}

describe("onCollapse: 'reseed'", () => {
  for (const covarianceType of ['full', 'diag', 'spherical'] as const) {
    it(`${covarianceType}: a fit that fails with 'error' fits with 'reseed', every attribute finite`, () => {
      const e = failure(() => new GaussianMixture(options(covarianceType)).fitSync(X));
      expect(e.code).toBe(ErrorCode.ILL_CONDITIONED);
      expect(e.message).toContain(`component ${e.component as number}`);

      const gm = new GaussianMixture(options(covarianceType, { onCollapse: 'reseed' })).fitSync(X);
      expect(fittedProblems(gm, 2, X.length)).toEqual([]);
      for (const m of ['predict', 'predictProba', 'scoreSamples'] as const) {
        expect(resultProblems(gm, m, gm[m](X), X.length)).toEqual([]);
      }
      // The component that failed, in the M-step of iteration 1, re-seeded at the sample worst
      // explained by the other two (a blob point, never the collapse point).
      expect(e.component).toBe(2);
      expect(gm.reseeds.length).toBeGreaterThanOrEqual(1);
      expect(gm.reseeds[0]).toEqual({ init: 0, iter: 1, component: 2, row: worstUnderHealthy(covarianceType) });
      expect(IDENTICAL(gm.reseeds[0]!.row)).toBe(false);
      expect(Math.min(...gm.weights)).toBeGreaterThan(0.01);
      for (const r of gm.reseeds) {
        expect(r.init).toBe(0);
        expect(r.iter).toBeGreaterThanOrEqual(0);
        expect(r.iter).toBeLessThanOrEqual(gm.nIter);
        expect(r.component).toBeGreaterThanOrEqual(0);
        expect(r.component).toBeLessThan(3);
        expect(r.row).toBeGreaterThanOrEqual(0);
        expect(r.row).toBeLessThan(X.length);
      }
      expect(Object.isFrozen(gm.reseeds)).toBe(true);
      expect(Object.isFrozen(gm.reseeds[0])).toBe(true);
    });
  }

  describe('with the thread cap raised to 3', () => {
    raiseThreadCap(3);
    it('the same seed gives bit-identical fits and events for 1, 2 and 3 threads', async () => {
      // Enough rows for 3 row blocks (4096 rows each): the blobs and the identical points
      // repeated, shifted slightly so that the repeats are distinct points.
      const big = Array.from({ length: 100 }, (_, c) =>
        X.map((r, i) => (IDENTICAL(i) ? [0, 0] : [r[0]! + c * 1e-3, r[1]! - c * 1e-3])),
      ).flat();
      expectRealThreads(big.length, 3);
      for (const covarianceType of ['full', 'diag', 'spherical'] as const) {
        for (const data of [X, big]) {
          const runs = [1, 2, 3].map((threads) =>
            new GaussianMixture(options(covarianceType, { onCollapse: 'reseed', threads, nInit: 2 })).fitSync(data),
          );
          expect(runs[0]!.reseeds.length).toBeGreaterThan(0);
          for (const gm of runs.slice(1)) {
            expect(stateJSON(gm)).toBe(stateJSON(runs[0]!));
            expect(gm.reseeds).toEqual(runs[0]!.reseeds);
          }
          // The asynchronous path reports the same.
          const async = await new GaussianMixture(options(covarianceType, { onCollapse: 'reseed', threads: 2, nInit: 2 })).fit(data);
          expect(stateJSON(async)).toBe(stateJSON(runs[0]!));
        }
      }
    });
  });

  it('an empty component (all its responsibilities ~0) is re-seeded; with error it is kept', () => {
    // Means of two blobs given, the third far from every sample: its weight sum is practically 0.
    const meansInit = [
      [0, 0],
      [10, 0],
      [1000, 1000],
    ];
    const blobs = X.slice(0, 80);
    const kept = new GaussianMixture({ nComponents: 3, covarianceType: 'diag', seed: 1, meansInit }).fitSync(blobs);
    expect(kept.reseeds).toEqual([]);
    expect(Math.min(...kept.weights)).toBeLessThan(1e-8);
    const gm = new GaussianMixture({ nComponents: 3, covarianceType: 'diag', seed: 1, meansInit, onCollapse: 'reseed' }).fitSync(blobs);
    expect(fittedProblems(gm, 2, blobs.length)).toEqual([]);
    expect(gm.reseeds.length).toBeGreaterThan(0);
    expect(gm.reseeds[0]).toMatchObject({ init: 0, iter: 1, component: 2 });
    expect(Math.min(...gm.weights)).toBeGreaterThan(0.01);
    expect(gm.lowerBound).toBeGreaterThan(kept.lowerBound);
  });

  it('re-seeding that cannot help still fails, naming the component (fewer distinct points than K)', () => {
    const two = Array.from({ length: 20 }, (_, i) => (i % 2 ? [0, 0] : [1, 1]));
    for (const covarianceType of ['full', 'tied', 'diag', 'spherical'] as const) {
      const e = failure(() =>
        new GaussianMixture({ nComponents: 3, covarianceType, regCovar: 0, seed: 1, onCollapse: 'reseed' }).fitSync(two),
      );
      expect(e.code).toBe(ErrorCode.ILL_CONDITIONED);
      expect(Number.isInteger(e.component)).toBe(true);
      expect(e.message).toContain(`component ${e.component as number}`);
      expect(e.message).toMatch(/regCovar/);
    }
  });

  it('onIteration reports how many components each iteration re-seeded', async () => {
    for (const covarianceType of ['full', 'diag', 'spherical'] as const) {
      const seen: { init: number; iter: number; reseeds: number | undefined }[] = [];
      const gm = new GaussianMixture(options(covarianceType, { onCollapse: 'reseed', nInit: 2 }));
      await gm.fit(X, { onIteration: ({ init, iter, reseeds }) => void seen.push({ init, iter, reseeds }) });
      expect(seen.length).toBeGreaterThan(0);
      for (const { init, iter, reseeds } of seen) {
        // Events of iteration 0 (initialisation) are reported with iteration 1.
        const expected = gm.reseeds.filter((e) => e.init === init && (e.iter === iter || (iter === 1 && e.iter === 0))).length;
        expect(reseeds, `${covarianceType} init ${init} iter ${iter}`).toBe(expected);
      }
      expect(seen.reduce((a, r) => a + r.reseeds!, 0)).toBe(gm.reseeds.length);
    }
    // 0 with 'error'; absent for the estimators without the option.
    const plain: (number | undefined)[] = [];
    new GaussianMixture({ nComponents: 2, seed: 1 }).fitSync(X.slice(0, 80), { onIteration: (i) => void plain.push(i.reseeds) });
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.every((r) => r === 0)).toBe(true);
    let soft: object | undefined;
    new SoftKMeans({ nClusters: 2, seed: 1 }).fitSync(X, { onIteration: (i) => void (soft = i) });
    expect(soft !== undefined && 'reseeds' in soft).toBe(false);
  });

  it('GaussianKMeans takes the option too', () => {
    const { covarianceType: _, ...rest } = options('spherical', { onCollapse: 'reseed' });
    const gm = new GaussianKMeans(rest).fitSync(X);
    expect(gm.reseeds.length).toBeGreaterThan(0);
    expect(fittedProblems(gm, 2, X.length)).toEqual([]);
  });
});

describe("onCollapse: the default 'error' is unchanged", () => {
  it("is 'error', and a fit without collapse is bit-identical with either value", () => {
    expect(new GaussianMixture({ nComponents: 2 }).toJSON().options.onCollapse).toBe('error');
    const blobs = X.slice(0, 80);
    for (const covarianceType of ['full', 'tied', 'diag', 'spherical'] as const) {
      const a = new GaussianMixture({ nComponents: 2, covarianceType, seed: 3 }).fitSync(blobs);
      const b = new GaussianMixture({ nComponents: 2, covarianceType, seed: 3, onCollapse: 'reseed' }).fitSync(blobs);
      expect(a.reseeds).toEqual([]);
      expect(b.reseeds).toEqual([]);
      expect(stateJSON(b)).toBe(stateJSON(a));
    }
  });

  it('rejects bad values naming the option', () => {
    for (const bad of ['ignore', 'Reseed', '']) {
      expect(() => new GaussianMixture({ nComponents: 2, onCollapse: bad as 'error' })).toThrow(RangeError);
      expect(() => new GaussianMixture({ nComponents: 2, onCollapse: bad as 'error' })).toThrow(/onCollapse/);
      expect(() => new GaussianKMeans({ nComponents: 2, onCollapse: bad as 'error' })).toThrow(RangeError);
    }
    for (const bad of [1, true, null, {}]) {
      expect(() => new GaussianMixture({ nComponents: 2, onCollapse: bad as unknown as 'error' })).toThrow(TypeError);
      expect(() => new GaussianMixture({ nComponents: 2, onCollapse: bad as unknown as 'error' })).toThrow(/onCollapse/);
    }
  });

  it('reseeds is NOT_FITTED before a fit', () => {
    const e = failure(() => new GaussianMixture({ nComponents: 2 }).reseeds);
    expect(e.code).toBe(ErrorCode.NOT_FITTED);
  });
});

describe('reseeds in JSON', () => {
  it('round-trips through toJSON / JSON.stringify / fromJSON', () => {
    const gm = new GaussianMixture(options('full', { onCollapse: 'reseed' })).fitSync(X);
    const json = JSON.parse(JSON.stringify(gm.toJSON())) as ReturnType<GaussianMixture['toJSON']>;
    expect(json.options.onCollapse).toBe('reseed');
    expect(json.state?.reseeds).toEqual(gm.reseeds);
    const back = GaussianMixture.fromJSON(json);
    expect(back.reseeds).toEqual(gm.reseeds);
    expect(Object.isFrozen(back.reseeds)).toBe(true);
    expect(stateJSON(back)).toBe(stateJSON(gm));
    expect(Array.from(back.scoreSamples(X))).toEqual(Array.from(gm.scoreSamples(X)));
  });

  it('a fit without re-seeds writes no state.reseeds; JSON without it or without onCollapse loads', () => {
    const gm = new GaussianMixture({ nComponents: 2, seed: 1 }).fitSync(X.slice(0, 80));
    const json = JSON.parse(JSON.stringify(gm.toJSON())) as Record<string, Record<string, unknown>>;
    expect('reseeds' in json.state!).toBe(false);
    delete json.options!.onCollapse; // as written before the option existed
    const back = GaussianMixture.fromJSON(json);
    expect(back.reseeds).toEqual([]);
    expect(back.toJSON().options.onCollapse).toBe('error');
  });

  it('rejects a malformed state.reseeds, naming it', () => {
    const gm = new GaussianMixture(options('spherical', { onCollapse: 'reseed' })).fitSync(X);
    const good = JSON.parse(JSON.stringify(gm.toJSON())) as { state: { reseeds: unknown } };
    const cases: [unknown, typeof TypeError | typeof RangeError][] = [
      ['x', TypeError],
      [[1], TypeError],
      [[{ init: 0, iter: 0, component: 3, row: 0 }], RangeError],
      [[{ init: 0, iter: -1, component: 0, row: 0 }], RangeError],
      [[{ init: 0, iter: 0, component: 0, row: 0.5 }], RangeError],
      [[{ init: 0, iter: 0, component: 0, row: '1' }], TypeError],
      [[{ init: 0, iter: 0, component: 0 }], RangeError],
      [[{ init: 0, iter: 0, component: 0, row: 0, extra: 1 }], RangeError],
    ];
    for (const [reseeds, kind] of cases) {
      const bad = { ...good, state: { ...good.state, reseeds } };
      expect(() => GaussianMixture.fromJSON(bad), JSON.stringify(reseeds)).toThrow(kind);
      expect(() => GaussianMixture.fromJSON(bad), JSON.stringify(reseeds)).toThrow(/state\.reseeds/);
    }
  });
});

describe('SoftKMeans: a log-likelihood that is not finite', () => {
  it('fails naming a component, with advice for SoftKMeans (not regCovar)', () => {
    const huge = X.map((r) => r.map((v) => v * 1e154));
    const e = failure(() => new SoftKMeans({ nClusters: 3, seed: 1 }).fitSync(huge));
    expect(e.code).toBe(ErrorCode.ILL_CONDITIONED);
    expect(Number.isInteger(e.component)).toBe(true);
    expect(e.component as number).toBeGreaterThanOrEqual(0);
    expect(e.component as number).toBeLessThan(3);
    expect(e.message).toContain(`component ${e.component as number}`);
    expect(e.message).toMatch(/standardise the features/);
    expect(e.message).toMatch(/stiffness/);
    expect(e.message).not.toMatch(/regCovar/);
  });
});
