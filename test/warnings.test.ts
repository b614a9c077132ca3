/**
 * Warnings (lib/warnings.ts): each kind fires when scikit-learn's counterpart does (the ported
 * cases name their scikit-learn test) and not otherwise, on every estimator it applies to; the
 * `warnings` option sends them to process.emitWarning, nowhere, or a function; they are never
 * thrown and never change the fitted model.
 */
import { describe, expect, it } from 'vitest';

import {
  BayesianGaussianMixture,
  GaussianKMeans,
  GaussianMixture,
  KMeans,
  SoftKMeans,
  WarningCode,
  type CovarianceType,
  type GaussmixWarning,
  type NDArray,
} from '../lib/index.js';
import { expectIdentical } from './helpers/compare.js';
import { captureNextTickErrors } from './helpers/uncaught.js';
import { mulberry32, sampleMixture, THREE_CLUSTERS } from './helpers/random.js';

const TYPES: readonly CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];
const N = 300;
const X: NDArray = { data: sampleMixture(7, THREE_CLUSTERS, N).data, shape: [N, 3] };

/** A `warnings` option that collects, and what it collected. */
function collector(): { warnings: (w: GaussmixWarning) => void; got: GaussmixWarning[]; codes: () => string[] } {
  const got: GaussmixWarning[] = [];
  return { warnings: (w) => void got.push(w), got, codes: () => got.map((w) => w.code) };
}

/** 3 distinct points of 2 features, one of them twice (scikit-learn's test data). */
const DUPLICATED = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 0],
];

describe('GAUSSMIX_NOT_CONVERGED', () => {
  // sklearn test_gaussian_mixture_fit_convergence_warning: max_iter=1, reg_covar=0.
  it.each(TYPES)('GaussianMixture (%s) that runs out of iterations warns', (covarianceType) => {
    const c = collector();
    const gm = new GaussianMixture({ nComponents: 3, covarianceType, maxIter: 1, regCovar: 0, seed: 0, warnings: c.warnings });
    gm.fitSync(X);
    expect(gm.converged).toBe(false);
    expect(c.codes()).toEqual([WarningCode.NOT_CONVERGED]);
    const w = c.got[0] as GaussmixWarning;
    expect(w).toBeInstanceOf(Error);
    expect(w.name).toBe('GaussmixWarning');
    expect(w.message).toMatch(/^GaussianMixture did not converge in maxIter \(1\) iterations at tol 0\.001: /);
  });

  it('KMeans and SoftKMeans that run out of iterations warn; GaussianKMeans names itself', () => {
    const c = collector();
    new KMeans({ nClusters: 3, maxIter: 1, seed: 0, warnings: c.warnings }).fitSync(X);
    new SoftKMeans({ nClusters: 3, maxIter: 2, tol: 0, seed: 0, warnings: c.warnings }).fitSync(X);
    new GaussianKMeans({ nComponents: 3, maxIter: 1, seed: 0, warnings: c.warnings }).fitSync(X);
    expect(c.codes()).toEqual([WarningCode.NOT_CONVERGED, WarningCode.NOT_CONVERGED, WarningCode.NOT_CONVERGED]);
    expect(c.got.map((w) => w.message.split(' ')[0])).toEqual(['KMeans', 'SoftKMeans', 'GaussianKMeans']);
  });

  it('is silent for a converged fit, for maxIter 0 (as scikit-learn) and when onIteration stopped the fit', async () => {
    const c = collector();
    const converged = new GaussianMixture({ nComponents: 3, seed: 0, warnings: c.warnings }).fitSync(X);
    expect(converged.converged).toBe(true);
    new GaussianMixture({ nComponents: 3, seed: 0, maxIter: 0, warnings: c.warnings }).fitSync(X);
    const stopped = new KMeans({ nClusters: 3, seed: 0, maxIter: 2, tol: 0, warnings: c.warnings });
    stopped.fitSync(X, { onIteration: (i) => (i.iter === 2 ? false : undefined) });
    expect(stopped.converged).toBe(false);
    await new GaussianMixture({ nComponents: 3, seed: 0, maxIter: 3, tol: 0, warnings: c.warnings }).fit(X, { onIteration: () => false });
    expect(c.got).toEqual([]);
  });

  it('fit (async) warns as fitSync does, after the model is committed', async () => {
    const c = collector();
    const gm = new GaussianMixture({ nComponents: 3, maxIter: 1, seed: 0, warnings: (w) => c.warnings(Object.assign(w, { fitted: gm.isFitted })) });
    await gm.fit(X);
    expect(c.codes()).toEqual([WarningCode.NOT_CONVERGED]);
    expect((c.got[0] as unknown as { fitted: boolean }).fitted).toBe(true);
  });
});

describe('GAUSSMIX_FEW_DISTINCT_POINTS', () => {
  // sklearn test_kmeans_warns_less_centers_than_unique_points.
  it('KMeans with 3 distinct points and 4 clusters warns, and labels use 3 clusters', () => {
    const c = collector();
    const km = new KMeans({ nClusters: 4, seed: 0, warnings: c.warnings }).fitSync(DUPLICATED);
    expect(c.codes()).toEqual([WarningCode.FEW_DISTINCT_POINTS]);
    expect(c.got[0]?.message).toMatch(/^X has 3 distinct samples, fewer than nClusters \(4\)/);
    expect(new Set(km.labels)).toEqual(new Set([0, 1, 2]));
  });

  it.each(TYPES)('GaussianMixture (%s): one warning, not also one for the empty component', (covarianceType) => {
    const c = collector();
    const gm = new GaussianMixture({ nComponents: 4, covarianceType, seed: 0, warnings: c.warnings }).fitSync(DUPLICATED);
    expect(Math.min(...gm.weights)).toBeLessThan(1e-12);
    expect(c.codes()).toEqual([WarningCode.FEW_DISTINCT_POINTS]);
  });

  it('SoftKMeans warns too', () => {
    const c = collector();
    new SoftKMeans({ nClusters: 4, seed: 0, warnings: c.warnings }).fitSync(DUPLICATED);
    expect(c.codes()).toEqual([WarningCode.FEW_DISTINCT_POINTS]);
  });

  it('counts only the samples of positive weight', () => {
    const rows = [[0], [1], [2], [3]];
    const c = collector();
    new KMeans({ nClusters: 3, init: [[0], [1], [3]], seed: 0, warnings: c.warnings }).fitSync(rows, { sampleWeight: [1, 1, 0, 0] });
    expect(c.got.map((w) => w.message)).toEqual([
      'X has 2 distinct samples of positive weight, fewer than nClusters (3): some clusters will be empty or coincide. ' +
        'Possibly due to duplicate points in X; use fewer clusters',
    ]);
    new KMeans({ nClusters: 3, seed: 0, warnings: c.warnings }).fitSync(rows, { sampleWeight: [1, 1, 1, 0] });
    new KMeans({ nClusters: 4, seed: 0, warnings: c.warnings }).fitSync(rows);
    expect(c.got).toHaveLength(1);
  });

  it('is delivered before the run, so it explains a fit that then fails', () => {
    const c = collector();
    const gm = new GaussianMixture({ nComponents: 3, regCovar: 0, seed: 0, warnings: c.warnings });
    expect(() => gm.fitSync([[0, 0], [0, 0], [0, 0], [1, 1]])).toThrow(expect.objectContaining({ code: 'ERR_GAUSSMIX_ILL_CONDITIONED' }) as Error);
    expect(c.codes()).toEqual([WarningCode.FEW_DISTINCT_POINTS]);
    expect(gm.isFitted).toBe(false);
  });
});

describe('GAUSSMIX_EMPTY_COMPONENT', () => {
  const start = {
    weightsInit: [0.4, 0.4, 0.2],
    meansInit: [
      [-1, 0, 0],
      [4, 1, -2],
      [1e3, 1e3, 1e3],
    ],
  };

  it.each(['full', 'diag'] as const)('GaussianMixture (%s) with a component that no sample reaches', (covarianceType) => {
    const c = collector();
    const precisionsInit = covarianceType === 'full' ? Array.from({ length: 3 }, () => [[1, 0, 0], [0, 1, 0], [0, 0, 1]]) : Array.from({ length: 3 }, () => [1, 1, 1]);
    const gm = new GaussianMixture({ nComponents: 3, covarianceType, ...start, precisionsInit, warnings: c.warnings }).fitSync(X);
    expect(c.codes()).toEqual([WarningCode.EMPTY_COMPONENT]);
    expect(c.got[0]?.components).toEqual([2]);
    expect(c.got[0]?.message).toMatch(/^GaussianMixture: component 2 is empty/);
    expect(gm.weights[2]! * N).toBeLessThan(1e-8);
  });

  it('SoftKMeans with a centre that no sample reaches', () => {
    const c = collector();
    const sk = new SoftKMeans({ nClusters: 3, init: start.meansInit, warnings: c.warnings }).fitSync(X);
    expect(sk.weights[2]).toBe(0);
    expect(c.got.map((w) => [w.code, w.components])).toEqual([[WarningCode.EMPTY_COMPONENT, [2]]]);
    expect(c.got[0]?.message).toMatch(/^SoftKMeans: cluster 2 is empty/);
  });

  it('KMeans stopped early can end with empty clusters: exactly those of weight 0 are named', () => {
    // Centre 1 (at 9) gets no row; the update moves it to the farthest row, a 0 that centre 2
    // (at 7) held, and centre 2 to its other row, also 0; the final labels give both zeros to
    // centre 1 (ties go to the lower index), and centre 2 is left empty.
    const c = collector();
    const km = new KMeans({ nClusters: 3, init: [[16], [9], [7]], tol: 0, warnings: c.warnings });
    km.fitSync([[15], [18], [0], [0], [19]], { onIteration: (i) => (i.iter === 1 ? false : undefined) });
    expect(Array.from(km.clusterCenters.data)).toEqual([52 / 3, 0, 0]);
    expect(Array.from(km.weights)).toEqual([0.6, 0.4, 0]);
    expect(c.got.map((w) => [w.code, w.components])).toEqual([[WarningCode.EMPTY_COMPONENT, [2]]]);
    expect(c.got[0]?.message).toMatch(/^KMeans: cluster 2 is empty/);
  });

  it('is silent when every component holds weight', () => {
    const c = collector();
    new GaussianMixture({ nComponents: 3, seed: 1, warnings: c.warnings }).fitSync(X);
    new KMeans({ nClusters: 3, seed: 1, warnings: c.warnings }).fitSync(X);
    new SoftKMeans({ nClusters: 3, seed: 1, warnings: c.warnings }).fitSync(X);
    expect(c.got).toEqual([]);
  });
});

describe('GAUSSMIX_NINIT_IGNORED', () => {
  const centres = [
    [0, 0, 0],
    [5, 1, -2],
    [-3, 4, 2],
  ];

  // sklearn test_warning_n_init_precomputed_centers.
  it.each([
    ['KMeans', (warnings: (w: GaussmixWarning) => void) => new KMeans({ nClusters: 3, init: centres, nInit: 10, warnings })],
    ['SoftKMeans', (warnings: (w: GaussmixWarning) => void) => new SoftKMeans({ nClusters: 3, init: centres, nInit: 10, warnings })],
  ] as const)('%s with explicit centres and nInit 10 makes one run and warns', (name, make) => {
    const c = collector();
    const inits = new Set<number>();
    make(c.warnings).fitSync(X, { onIteration: (i) => void inits.add(i.init) });
    expect([...inits]).toEqual([0]);
    expect(c.codes()).toEqual([WarningCode.NINIT_IGNORED]);
    expect(c.got[0]?.message).toBe(
      `Explicit starting centres (init) given: performing only one run in ${name} instead of nInit (10), ` +
        'since every run would start from the same values',
    );
  });

  it('GaussianMixture with every starting parameter given makes one run, with the same result', () => {
    const common = {
      nComponents: 3,
      weightsInit: [0.5, 0.3, 0.2],
      meansInit: centres,
      covariancesInit: Array.from({ length: 3 }, () => [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
      seed: 4,
    };
    const c = collector();
    const inits = new Set<number>();
    const many = new GaussianMixture({ ...common, nInit: 4, warnings: c.warnings }).fitSync(X, { onIteration: (i) => void inits.add(i.init) });
    const one = new GaussianMixture({ ...common, nInit: 1, warnings: c.warnings }).fitSync(X);
    expect([...inits]).toEqual([0]);
    expect(c.codes()).toEqual([WarningCode.NINIT_IGNORED]);
    expect(c.got[0]?.message).toMatch(/^Explicit starting parameters \(weightsInit, meansInit, covariancesInit\) given: .* instead of nInit \(4\)/);
    expectIdentical(many.means, one.means, 'means');
    expectIdentical(many.covariances, one.covariances, 'covariances');
  });

  it.each([
    ['GaussianMixture', (o: Record<string, unknown>) => new GaussianMixture({ nComponents: 3, covarianceType: 'diag', ...o })],
    ['BayesianGaussianMixture', (o: Record<string, unknown>) => new BayesianGaussianMixture({ nComponents: 3, covarianceType: 'diag', ...o })],
  ] as const)('%s from responsibilitiesInit with nInit 3 makes one run and warns', (name, make) => {
    const n = X.shape[0] as number;
    const resp = { data: Float64Array.from({ length: n * 3 }, (_, i) => ((i % 3) === Math.floor(i / 3) % 3 ? 0.8 : 0.1)), shape: [n, 3] };
    const c = collector();
    const inits = new Set<number>();
    const many = make({ responsibilitiesInit: resp, nInit: 3, warnings: c.warnings }).fitSync(X, { onIteration: (i) => void inits.add(i.init) });
    const one = make({ responsibilitiesInit: resp, nInit: 1, warnings: 'silent' }).fitSync(X);
    expect([...inits]).toEqual([0]);
    expect(c.codes()).toEqual([WarningCode.NINIT_IGNORED]);
    expect(c.got[0]?.message).toBe(
      `Explicit starting responsibilities (responsibilitiesInit) given: performing only one run in ${name} instead of nInit (3), ` +
        'since every run would start from the same values',
    );
    expectIdentical(many.means, one.means, 'means');
  });

  it('is silent when a starting parameter is left to the initialisation (the restarts differ)', () => {
    const c = collector();
    const inits = new Set<number>();
    new GaussianMixture({ nComponents: 3, meansInit: centres, nInit: 3, seed: 4, warnings: c.warnings }).fitSync(X, { onIteration: (i) => void inits.add(i.init) });
    expect([...inits]).toEqual([0, 1, 2]);
    expect(c.got).toEqual([]);
  });
});

describe('the warnings option', () => {
  it("'emit' (the default) goes through process.emitWarning with the code", async () => {
    const seen: Error[] = [];
    const listener = (w: Error): void => void seen.push(w);
    process.on('warning', listener);
    try {
      new KMeans({ nClusters: 3, maxIter: 1, seed: 0 }).fitSync(X);
      new KMeans({ nClusters: 3, maxIter: 1, seed: 0, warnings: 'emit' }).fitSync(X);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    const ours = seen.filter((w) => w.name === 'GaussmixWarning');
    expect(ours.map((w) => (w as GaussmixWarning).code)).toEqual([WarningCode.NOT_CONVERGED, WarningCode.NOT_CONVERGED]);
  });

  it("'silent' delivers nothing", async () => {
    const seen: Error[] = [];
    const listener = (w: Error): void => void seen.push(w);
    process.on('warning', listener);
    try {
      new KMeans({ nClusters: 3, maxIter: 1, seed: 0, warnings: 'silent' }).fitSync(X);
      new KMeans({ nClusters: 4, seed: 0, warnings: 'silent' }).fitSync(DUPLICATED);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(seen.filter((w) => w.name === 'GaussmixWarning')).toEqual([]);
  });

  it('a function that throws does not fail the fit: its error is re-thrown on the next tick', async () => {
    const boom = new Error('handler failed');
    let km: KMeans | undefined;
    // process.nextTick is how deliverWarnings leaves the fit's stack.
    const caught = await captureNextTickErrors(() => {
      km = new KMeans({ nClusters: 3, maxIter: 1, seed: 0, warnings: () => { throw boom; } }).fitSync(X);
    });
    expect(km?.isFitted).toBe(true);
    expect(caught).toEqual([boom]);
  });

  it.each([
    [42, TypeError, "Expected 'emit', 'silent' or a function for warnings but received 42"],
    [null, TypeError, "Expected 'emit', 'silent' or a function for warnings but received null"],
    ['ignore', RangeError, "Expected 'emit', 'silent' or a function for warnings but received 'ignore' (a string)"],
  ] as const)('rejects %s', (value, cls, message) => {
    for (const make of [
      () => new GaussianMixture({ nComponents: 2, warnings: value as never }),
      () => new KMeans({ nClusters: 2, warnings: value as never }),
      () => new SoftKMeans({ nClusters: 2, warnings: value as never }),
    ]) {
      expect(make).toThrow(cls);
      expect(make).toThrow(message);
    }
  });

  it("'silent' round-trips through JSON; 'emit' and functions are not written", () => {
    const silent = new GaussianMixture({ nComponents: 2, warnings: 'silent' });
    expect(silent.toJSON().options.warnings).toBe('silent');
    expect(GaussianMixture.fromJSON(JSON.parse(JSON.stringify(silent))).toJSON().options.warnings).toBe('silent');
    const km = new KMeans({ nClusters: 2, warnings: 'silent' });
    expect(KMeans.fromJSON(JSON.parse(JSON.stringify(km))).toJSON().options.warnings).toBe('silent');
    const sk = new SoftKMeans({ nClusters: 2, warnings: 'silent' });
    expect(SoftKMeans.fromJSON(JSON.parse(JSON.stringify(sk))).toJSON().options.warnings).toBe('silent');
    expect('warnings' in new GaussianMixture({ nComponents: 2, warnings: () => undefined }).toJSON().options).toBe(false);
    expect('warnings' in new KMeans({ nClusters: 2 }).toJSON().options).toBe(false);
  });
});

describe('streamed fits warn as fit does', () => {
  const centres = [
    [0, 0, 0],
    [5, 1, -2],
    [-3, 4, 2],
  ];
  const source = () => [{ data: X.data.subarray(0, 100 * 3), shape: [100, 3] }, { data: X.data.subarray(100 * 3), shape: [N - 100, 3] }];
  type Make = (warnings: (w: GaussmixWarning) => void) => {
    fitSync(x: NDArray): unknown;
    fitStream(s: typeof source): Promise<unknown>;
  };
  const cases: [string, Make][] = [
    ['GaussianMixture, out of iterations', (warnings) => new GaussianMixture({ nComponents: 3, maxIter: 2, tol: 0, seed: 0, init: 'k-means++', warnings })],
    [
      'GaussianMixture, explicit start with nInit 4',
      (warnings) => {
        const m = new GaussianMixture({ nComponents: 3, maxIter: 3, seed: 2, init: 'random-from-data', warnings: 'silent' }).fitSync(X);
        return new GaussianMixture({ nComponents: 3, nInit: 4, maxIter: 2, tol: 0, weightsInit: m.weights, meansInit: m.means, covariancesInit: m.covariances, warnings });
      },
    ],
    ['KMeans, explicit centres with nInit 10, out of iterations', (warnings) => new KMeans({ nClusters: 3, init: centres, nInit: 10, maxIter: 1, tol: 0, warnings })],
    ['SoftKMeans, explicit centres, out of iterations', (warnings) => new SoftKMeans({ nClusters: 3, init: centres, maxIter: 2, tol: 0, warnings })],
    ['BayesianGaussianMixture, out of iterations', (warnings) => new BayesianGaussianMixture({ nComponents: 3, maxIter: 2, tol: 0, seed: 0, init: 'k-means++', warnings })],
  ];

  it.each(cases)('%s: the same warnings from fitStream as from fit', async (_name, make) => {
    const fromFit = collector();
    make(fromFit.warnings).fitSync(X);
    expect(fromFit.codes().length).toBeGreaterThan(0);
    const fromStream = collector();
    await make(fromStream.warnings).fitStream(source);
    expect(fromStream.got.map((w) => [w.code, w.message])).toEqual(fromFit.got.map((w) => [w.code, w.message]));
  });

  it('no NOT_CONVERGED when onIteration stopped the streamed fit (at its last iteration)', async () => {
    const c = collector();
    const gm = new GaussianMixture({ nComponents: 3, maxIter: 2, tol: 0, seed: 0, warnings: c.warnings });
    await gm.fitStream(source, { onIteration: (info) => (info.iter === 2 ? false : undefined) });
    expect(gm.nIter).toBe(2);
    await new KMeans({ nClusters: 3, init: centres, maxIter: 1, tol: 0, warnings: c.warnings }).fitStream(source, { onIteration: () => false });
    expect(c.codes()).toEqual([]);
  });
});
