/**
 * The `standardize` option (lib/scaling.ts): against scikit-learn's StandardScaler + estimator
 * pipelines (test/fixtures/standardize_*.json, written by scripts/make_fixtures.py with
 * gaussmix's documented units), bit-identical to fitting the standardised rows by hand, and
 * its JSON round trip.
 *
 * Tolerances: RTOL 1e-8 as the plain fixtures (the pipeline adds the scaler's own rounding,
 * ~1e-15 relative, and starting values carried between units, a few ulps); the absolute floor
 * 1e-13 of the array's largest value is for the structural zeros of precisionsCholesky;
 * predictProba absolute 1e-10; labels, nIter and converged exact.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { GaussianMixture, KMeans, MCLUST_MODEL_NAMES, SoftKMeans, type CovarianceType, type NDArray } from '../lib/index.js';
import { expectAbsClose, expectClose, expectIdentical, maxAbs } from './helpers/compare.js';
import { expectError } from './helpers/expect-error.js';
import { FIXTURE_DIR } from './helpers/fixtures.js';
import { mulberry32, normalSource } from './helpers/random.js';

const RTOL = 1e-8;
const close = (a: unknown, b: unknown, what: string): number => expectClose(a, b, RTOL, 1e-13 * maxAbs(b), what);

interface Fixture {
  name: string;
  kind: 'GaussianMixture' | 'KMeans';
  X: number[][];
  Xtest: number[][];
  sampleWeight?: number[];
  options: Record<string, unknown>;
  init: Record<string, unknown>;
  expected: Record<string, unknown> & { scalingMean: number[]; scalingScale: number[] };
}

const fixtures: Fixture[] = fs
  .readdirSync(FIXTURE_DIR)
  .filter((f) => f.startsWith('standardize_') && f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, f), 'utf8')) as Fixture);

function scalingOf(model: { toJSON(): unknown }): { mean: number[]; scale: number[] } {
  return (model.toJSON() as { state: { scaling: { mean: number[]; scale: number[] } } }).state.scaling;
}

describe('standardize matches scikit-learn 1.2.1 pipelines (test/fixtures/standardize_*.json)', () => {
  it('has the fixtures', () => {
    expect(fixtures.filter((f) => f.kind === 'GaussianMixture').length).toBeGreaterThanOrEqual(5);
    expect(fixtures.filter((f) => f.kind === 'KMeans').length).toBeGreaterThanOrEqual(2);
  });

  it.each(fixtures.filter((f) => f.kind === 'GaussianMixture').map((f) => [f.name, f] as const))('%s', (name, f) => {
    const e = f.expected;
    const gm = new GaussianMixture({ ...(f.options as { nComponents: number }), seed: 0, ...f.init });
    gm.fitSync(f.X, f.sampleWeight ? { sampleWeight: f.sampleWeight } : undefined);
    const s = scalingOf(gm);
    expectClose(s.mean, e.scalingMean, 1e-13, 1e-13 * maxAbs(e.scalingMean), `${name}: scaling mean`);
    expectClose(s.scale, e.scalingScale, 1e-13, 0, `${name}: scaling scale`);
    expect(gm.nIter).toBe(e.nIter);
    expect(gm.converged).toBe(e.converged);
    close(gm.weights, e.weights, `${name}: weights`);
    close(gm.means, e.means, `${name}: means`);
    close(gm.covariances, e.covariances, `${name}: covariances`);
    close(gm.precisionsCholesky, e.precisionsCholesky, `${name}: precisionsCholesky`);
    close(gm.lowerBound, e.lowerBound, `${name}: lowerBound`);
    close(gm.scoreSamples(f.Xtest), e.scoreSamplesTest, `${name}: scoreSamples(Xtest)`);
    expectAbsClose(gm.predictProba(f.Xtest), e.probaTest, 1e-10, `${name}: predictProba(Xtest)`);
    expect(Array.from(gm.predict(f.Xtest))).toEqual(e.labelsTest);
  });

  it.each(fixtures.filter((f) => f.kind === 'KMeans').map((f) => [f.name, f] as const))('%s', (name, f) => {
    const e = f.expected;
    const km = new KMeans({ ...(f.options as { nClusters: number }), seed: 0, init: f.init.init as number[][] });
    km.fitSync(f.X, f.sampleWeight ? { sampleWeight: f.sampleWeight } : undefined);
    const s = scalingOf(km);
    expectClose(s.mean, e.scalingMean, 1e-13, 1e-13 * maxAbs(e.scalingMean), `${name}: scaling mean`);
    expectClose(s.scale, e.scalingScale, 1e-13, 0, `${name}: scaling scale`);
    expect(km.nIter).toBe(e.nIter);
    close(km.clusterCenters, e.clusterCenters, `${name}: clusterCenters`);
    close(km.inertia, e.inertia, `${name}: inertia`);
    expect(Array.from(km.labels)).toEqual(e.labels);
    expect(Array.from(km.predict(f.Xtest))).toEqual(e.labelsTest);
    close(km.transform(f.Xtest), e.transformTest, `${name}: transform(Xtest)`);
  });
});

/** Rows in very different units: feature 1 near 5000 (scale 250), feature 2 tiny. */
function wideData(seed: number, n: number): NDArray {
  const z = normalSource(mulberry32(seed));
  const u = mulberry32(seed + 1);
  const data = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(u() * 3);
    data[i * 3] = c * 4 + z();
    data[i * 3 + 1] = 5000 + 250 * ((c % 2) * 3 + z());
    data[i * 3 + 2] = 0.004 * (c * 2 + z());
  }
  return { data, shape: [n, 3] };
}

/** X standardised by hand with a model's scaling: (x − mean) / scale, as the option defines it. */
function byHand(X: NDArray, s: { mean: number[]; scale: number[] }): NDArray {
  const d = X.shape[1] as number;
  return { data: X.data.map((v, i) => (v - s.mean[i % d]!) / s.scale[i % d]!), shape: X.shape };
}

/** A state without its scaling, for comparing with a fit on standardised rows. */
function stateWithoutScaling(model: { toJSON(): unknown }): unknown {
  const { scaling: _, ...rest } = (model.toJSON() as { state: Record<string, unknown> }).state;
  return rest;
}

const X = wideData(11, 900);
const Xnew = wideData(12, 100);
const sampleWeight = Array.from({ length: 900 }, (_, i) => (i % 7 === 0 ? 0 : 0.5 + (i % 5)));

describe('the same as fitting standardised rows by hand', () => {
  const cases: [string, (standardize: boolean) => GaussianMixture | KMeans | SoftKMeans][] = [
    ...(['full', 'tied', 'diag', 'spherical'] as CovarianceType[]).map(
      (covarianceType) => [`GaussianMixture ${covarianceType}`, (standardize: boolean) => new GaussianMixture({ nComponents: 3, covarianceType, seed: 3, standardize })] as [string, (s: boolean) => GaussianMixture],
    ),
    ['KMeans', (standardize) => new KMeans({ nClusters: 3, seed: 3, standardize })],
    ['SoftKMeans', (standardize) => new SoftKMeans({ nClusters: 3, seed: 3, stiffness: 2, standardize })],
  ];

  it.each(cases)('%s: bit-identical state and predictions, with and without sampleWeight', (_name, make) => {
    for (const fo of [undefined, { sampleWeight }]) {
      const model = make(true).fitSync(X, fo);
      const s = scalingOf(model);
      const plain = make(false).fitSync(byHand(X, s), fo);
      expect(stateWithoutScaling(model)).toEqual((plain.toJSON() as { state: unknown }).state);
      expectIdentical(model.predict(Xnew), plain.predict(byHand(Xnew, s)), 'predict');
      if (!(model instanceof KMeans)) {
        expectIdentical(model.predictProba(Xnew), (plain as SoftKMeans).predictProba(byHand(Xnew, s)), 'predictProba');
      } else {
        expectIdentical(model.transform(Xnew), (plain as KMeans).transform(byHand(Xnew, s)), 'transform');
        expect(model.score(Xnew)).toBe((plain as KMeans).score(byHand(Xnew, s)));
      }
    }
  });

  it('the scaling is the weighted mean and population standard deviation (integer weights: repeated rows)', () => {
    const rows = [
      [1, 10],
      [2, 10],
      [4, 10],
    ];
    const weighted = scalingOf(new KMeans({ nClusters: 1, standardize: true }).fitSync(rows, { sampleWeight: [2, 1, 0] }));
    const repeated = scalingOf(new KMeans({ nClusters: 1, standardize: true }).fitSync([rows[0]!, rows[0]!, rows[1]!]));
    // mean (1+1+2)/3 = 4/3; variance ((1/3)² + (1/3)² + (2/3)²)/3 = 2/9; the constant feature keeps scale 1.
    expect(weighted).toEqual(repeated);
    expectClose(weighted.mean, [4 / 3, 10], 1e-15, 0, 'mean');
    expectClose(weighted.scale, [Math.sqrt(2 / 9), 1], 1e-15, 0, 'scale');
  });

  it('reported parameters are in the original units: means near the data, sample() in its units', () => {
    const gm = new GaussianMixture({ nComponents: 3, seed: 1, standardize: true }).fitSync(X);
    const means = gm.means.data;
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(means[k * 3 + 1]! - 5000)).toBeLessThan(2000);
      expect(Math.abs(means[k * 3 + 2]!)).toBeLessThan(0.05);
    }
    const drawn = gm.sample(20_000, 5);
    let mean1 = 0;
    for (let i = 0; i < 20_000; i++) mean1 += drawn.X.data[i * 3 + 1]! / 20_000;
    let expected1 = 0;
    for (let k = 0; k < 3; k++) expected1 += gm.weights[k]! * means[k * 3 + 1]!;
    // 20,000 draws: the sample mean is within a few standard errors (~250·1.5/√20000 ≈ 3).
    expect(Math.abs(mean1 - expected1)).toBeLessThan(15);
    // log densities of x: the score of X equals the standardised one minus Σ log scale.
    const s = scalingOf(gm);
    const plain = new GaussianMixture({ nComponents: 3, seed: 1 }).fitSync(byHand(X, s));
    const logScale = s.scale.reduce((a, v) => a + Math.log(v), 0);
    expectClose(gm.score(Xnew), plain.score(byHand(Xnew, s)) - logScale, 1e-14, 0, 'score');
    expectClose(gm.lowerBound, plain.lowerBound - logScale, 1e-14, 0, 'lowerBound');
    expectClose(gm.bic(Xnew), plain.bic(byHand(Xnew, s)) + 2 * 100 * logScale, 1e-13, 0, 'bic');
  });

  it('onIteration objectives are log densities of x too', () => {
    const seen: number[] = [];
    const gm = new GaussianMixture({ nComponents: 3, seed: 1, standardize: true, maxIter: 5, tol: 0, warnings: 'silent' });
    gm.fitSync(X, { onIteration: (i) => void seen.push(i.objective) });
    expect(seen[seen.length - 1]).toBe(gm.lowerBound);
  });

  it('a warm start keeps the fitted scaling', () => {
    const gm = new GaussianMixture({ nComponents: 3, seed: 1, standardize: true, warmStart: true });
    gm.fitSync(X);
    const first = scalingOf(gm);
    gm.fitSync(wideData(99, 500));
    expect(scalingOf(gm)).toEqual(first);
  });

  it('explicit starting centres are in the original units', () => {
    const km = new KMeans({ nClusters: 3, standardize: true, init: gmCentres(), maxIter: 1, warnings: 'silent' }).fitSync(X);
    const km2 = new KMeans({ nClusters: 3, standardize: true, init: gmCentres(), maxIter: 1, warnings: 'silent' }).fitSync(X);
    expectIdentical(km.clusterCenters, km2.clusterCenters, 'reproducible');
    // One Lloyd step from centres near the three groups: every centre stays in the data's units.
    for (let k = 0; k < 3; k++) expect(Math.abs(km.clusterCenters.data[k * 3 + 1]! - 5000)).toBeLessThan(2000);
  });
});

function gmCentres(): number[][] {
  return [
    [0, 5000, 0],
    [4, 5750, 0.008],
    [8, 5000, 0.016],
  ];
}

describe('JSON', () => {
  const makers = [
    () => new GaussianMixture({ nComponents: 3, covarianceType: 'diag', seed: 2, standardize: true }),
    () => new KMeans({ nClusters: 3, seed: 2, standardize: true }),
    () => new SoftKMeans({ nClusters: 3, seed: 2, standardize: true }),
  ];
  const restore = (json: unknown, kind: string): GaussianMixture | KMeans | SoftKMeans =>
    kind === 'KMeans' ? KMeans.fromJSON(json) : kind === 'SoftKMeans' ? SoftKMeans.fromJSON(json) : GaussianMixture.fromJSON(json);

  it.each(makers.map((m) => [m().constructor.name, m] as const))('%s round-trips and predicts bit-identically', (kind, make) => {
    const model = make().fitSync(X, { sampleWeight });
    const json = JSON.parse(JSON.stringify(model)) as { options: { standardize?: boolean }; state: { scaling: unknown } };
    expect(json.options.standardize).toBe(true);
    expect(json.state.scaling).toEqual(scalingOf(model));
    const again = restore(json, kind);
    expect(again.standardize).toBe(true);
    expectIdentical(again.predict(Xnew), model.predict(Xnew), 'predict');
    if (again instanceof KMeans) {
      expectIdentical(again.clusterCenters, (model as KMeans).clusterCenters, 'clusterCenters');
      expectIdentical(again.transform(Xnew), (model as KMeans).transform(Xnew), 'transform');
    } else {
      expectIdentical(again.means, (model as SoftKMeans).means, 'means');
      expectIdentical(again.scoreSamples(Xnew), (model as SoftKMeans).scoreSamples(Xnew), 'scoreSamples');
    }
    expect(JSON.stringify(again)).toBe(JSON.stringify(model));
  });

  it('an unfitted model round-trips its option; JSON without the option reads as false', () => {
    const json = JSON.parse(JSON.stringify(new KMeans({ nClusters: 2, standardize: true }))) as unknown;
    expect(KMeans.fromJSON(json).standardize).toBe(true);
    expect('standardize' in new KMeans({ nClusters: 2 }).toJSON().options).toBe(false);
    expect(new GaussianMixture({ nComponents: 2 }).standardize).toBe(false);
  });

  it('rejects a scaling that does not fit the options or the model', () => {
    const model = new GaussianMixture({ nComponents: 2, seed: 1, standardize: true }).fitSync(X);
    const json = (): { options: Record<string, unknown>; state: Record<string, unknown> & { scaling: { mean: unknown; scale: unknown } } } =>
      JSON.parse(JSON.stringify(model)) as never;
    const cases: [(j: ReturnType<typeof json>) => void, new (...a: never[]) => Error, RegExp][] = [
      [(j) => delete (j.state as Record<string, unknown>).scaling, RangeError, /the field state\.scaling is missing \(options\.standardize is true\)/],
      [(j) => delete j.options.standardize, RangeError, /state\.scaling is given, but options\.standardize is not true/],
      [(j) => (j.state.scaling.scale = [1, 0, 1]), RangeError, /state\.scaling\.scale\[1\] must be positive but is 0/],
      [(j) => (j.state.scaling.mean = [1, 2]), RangeError, /state\.scaling\.mean has length 2, but nFeaturesIn is 3/],
      [(j) => (j.state.scaling.mean = 'x'), TypeError, /state\.scaling\.mean/],
      [(j) => ((j.state.scaling as Record<string, unknown>).extra = 1), RangeError, /unknown field state\.scaling\.extra/],
      [(j) => (j.state.scaling = null as never), TypeError, /expected an object \{ mean, scale \} for state\.scaling/],
    ];
    for (const [corrupt, cls, message] of cases) {
      const j = json();
      corrupt(j);
      expect(() => GaussianMixture.fromJSON(j)).toThrow(cls);
      expect(() => GaussianMixture.fromJSON(j)).toThrow(message);
    }
  });

  it("rejects a standardize option that is not a boolean", () => {
    expect(() => new GaussianMixture({ nComponents: 2, standardize: 'yes' as never })).toThrow(TypeError);
    expect(() => new KMeans({ nClusters: 2, standardize: 1 as never })).toThrow(/Expected a boolean for standardize but received 1/);
  });
});

describe('with statistics, maximise and fitStream', () => {
  it('statistics are taken in standardised units and maximise keeps the scaling (GaussianMixture, SoftKMeans)', () => {
    const models = [
      (standardize: boolean) => new GaussianMixture({ nComponents: 3, seed: 4, maxIter: 5, standardize, warnings: 'silent' }),
      (standardize: boolean) => new SoftKMeans({ nClusters: 3, seed: 4, maxIter: 5, standardize, warnings: 'silent' }),
    ];
    for (const make of models) {
      const model = make(true).fitSync(X);
      const s = scalingOf(model);
      const plain = make(false).fitSync(byHand(X, s));
      model.maximise(model.statistics(X, { sampleWeight }));
      plain.maximise(plain.statistics(byHand(X, s), { sampleWeight }));
      expect(scalingOf(model)).toEqual(s);
      expect(stateWithoutScaling(model)).toEqual((plain.toJSON() as { state: unknown }).state);
    }
  });

  it('maximise needs the scaling of a fit first', () => {
    const fitted = new GaussianMixture({ nComponents: 3, seed: 4, standardize: true }).fitSync(X);
    const stats = fitted.statistics(X);
    expect(() => new GaussianMixture({ nComponents: 3, standardize: true }).maximise(stats)).toThrow(
      /maximise: a model with standardize needs its scaling: fit it first/,
    );
  });

  it('fitStream rejects standardize, saying what to do', async () => {
    const source = () => [X];
    await expect(new GaussianMixture({ nComponents: 3, standardize: true }).fitStream(source)).rejects.toThrow(
      /GaussianMixture\.fitStream: standardize is not supported on streamed or distributed fits yet; standardise the rows before the fit/,
    );
    await expect(new SoftKMeans({ nClusters: 3, standardize: true }).fitStream(source)).rejects.toThrow(RangeError);
  });
});

describe('features of extreme magnitude', () => {
  /** X with feature 0 times `factor`. */
  const times = (factor: number): NDArray => ({ data: X.data.map((v, i) => (i % 3 === 0 ? v * factor : v)), shape: X.shape });
  const makers: [string, () => GaussianMixture | KMeans | SoftKMeans][] = [
    ['GaussianMixture', () => new GaussianMixture({ nComponents: 3, covarianceType: 'diag', seed: 2, standardize: true })],
    ['KMeans', () => new KMeans({ nClusters: 3, seed: 2, standardize: true })],
    ['SoftKMeans', () => new SoftKMeans({ nClusters: 3, seed: 2, standardize: true })],
  ];

  // 2^700 ≈ 5e210: the squares overflow; 2^-560 ≈ 3e-169: they underflow (the feature then
  // looked constant). A power of two scales every rounding alike, so the fits are the same.
  it.each(makers)('%s: a feature near 1e210 or 1e-169 is standardised as the same feature near 1', (_name, make) => {
    for (const e of [700, -560]) {
      for (const fo of [undefined, { sampleWeight }]) {
        const plain = make().fitSync(X, fo);
        const extreme = make().fitSync(times(2 ** e), fo);
        const s = scalingOf(plain);
        const t = scalingOf(extreme);
        expect(t.mean).toEqual([s.mean[0]! * 2 ** e, s.mean[1], s.mean[2]]);
        expect(t.scale).toEqual([s.scale[0]! * 2 ** e, s.scale[1], s.scale[2]]);
        expect(stateWithoutScaling(extreme)).toEqual(stateWithoutScaling(plain));
      }
    }
  });

  it('a feature of magnitude 1e200 fits as the same data divided by 1e200', () => {
    const rows = Array.from({ length: 40 }, (_, i) => [(i % 2) * 1e200 + i * 1e198, i % 3]);
    const small = rows.map((r) => [r[0]! / 1e200, r[1]!]);
    for (const make of makers.map((m) => m[1])) {
      const a = make().fitSync(rows);
      const b = make().fitSync(small);
      expectClose(scalingOf(a).scale, [scalingOf(b).scale[0]! * 1e200, scalingOf(b).scale[1]], 1e-14, 0, 'scale');
      expect(Array.from(a.predict(rows))).toEqual(Array.from(b.predict(small)));
    }
  });
});

/** The inverse of each D×D block of a [K, D, D] array (Gauss-Jordan; the blocks are SPD). */
function invertBlocks(t: NDArray): NDArray {
  const d = t.shape[1] as number;
  const out = new Float64Array(t.data.length);
  for (let off = 0; off < t.data.length; off += d * d) {
    const a = Array.from({ length: d }, (_, i) => [
      ...Array.from(t.data.subarray(off + i * d, off + (i + 1) * d)),
      ...Array.from({ length: d }, (_, j) => +(i === j)),
    ]);
    for (let c = 0; c < d; c++) {
      const pivot = a[c]![c]!;
      a[c] = a[c]!.map((v) => v / pivot);
      for (let r = 0; r < d; r++) if (r !== c) a[r] = a[r]!.map((v, j) => v - a[r]![c]! * a[c]![j]!);
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[off + i * d + j] = a[i]![d + j]!;
  }
  return { data: out, shape: t.shape };
}

describe("mclust names: the model's equalities hold in standardised units", () => {
  it.each(MCLUST_MODEL_NAMES)("%s: a fitted model's own covariances and precisions are accepted back as its start", (type) => {
    const o = { nComponents: 3, covarianceType: type, standardize: true, warnings: 'silent' } as const;
    const fitted = new GaussianMixture({ ...o, seed: 5, maxIter: 30 }).fitSync(X);
    const start = { weightsInit: fitted.weights, meansInit: fitted.means, maxIter: 0 };
    for (const given of [{ covariancesInit: fitted.covariances }, { precisionsInit: invertBlocks(fitted.covariances) }]) {
      const again = new GaussianMixture({ ...o, ...start, ...given }).fitSync(X);
      // The start is the fitted model: its covariances come back (to the inversions' rounding).
      expectClose(again.covariances, fitted.covariances, 1e-9, 0, `${type} covariances`);
    }
  });

  it('an EII start in the original units must be spherical once standardised', () => {
    const o = { nComponents: 3, covarianceType: 'EII', standardize: true, weightsInit: [0.3, 0.3, 0.4], meansInit: gmCentres(), maxIter: 0 } as const;
    const identity = [0, 1, 2].map(() => [0, 1, 2].map((i) => [0, 1, 2].map((j) => +(i === j))));
    // The identity in the original units is diag(1/s²) standardised: not spherical.
    expectError(
      () => new GaussianMixture({ ...o, covariancesInit: identity }).fitSync(X),
      RangeError,
      "covariancesInit, standardised (S⁻¹·Σ·S⁻¹",
      "must be of covarianceType 'EII'",
      'covariancesInit[0] (so standardised) is not a multiple of the identity',
    );
    expectError(() => new GaussianMixture({ ...o, precisionsInit: identity }).fitSync(X), RangeError, 'precisionsInit, standardised (S·P·S');
    // 0.5·S² in the original units is 0.5·I standardised.
    const s = scalingOf(new GaussianMixture({ nComponents: 1, standardize: true }).fitSync(X)).scale;
    const spherical = [0, 1, 2].map(() => [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? 0.5 * s[i]! ** 2 : 0))));
    const gm = new GaussianMixture({ ...o, covariancesInit: spherical }).fitSync(X);
    const state = (gm.toJSON().state as { covariances: number[][][] }).covariances;
    for (const m of state) expectClose(m, [[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]], 1e-14, 0, 'standardised start');
    // Without standardize, the identity is an EII start and the scaled one is not.
    expect(() => new GaussianMixture({ ...o, standardize: false, covariancesInit: identity })).not.toThrow();
    expect(() => new GaussianMixture({ ...o, standardize: false, covariancesInit: spherical })).toThrow(/not a multiple of the identity/);
  });
});

describe('decomposition', () => {
  it('is that of the reported covariances, in the original units', () => {
    for (const type of ['EEV', 'EII', 'VEI'] as const) {
      const gm = new GaussianMixture({ nComponents: 3, covarianceType: type, seed: 1, standardize: true, warnings: 'silent' }).fitSync(X);
      const { scale, shape, orientation } = gm.decomposition;
      const c = gm.covariances.data;
      for (let k = 0; k < 3; k++) {
        // Σ_k = λ_k D_k A_k D_kᵀ, entry by entry, against the largest entry.
        const sigma = Array.from({ length: 9 }, (_, a) => {
          const i = Math.floor(a / 3);
          const j = a % 3;
          let v = 0;
          for (let p = 0; p < 3; p++) v += orientation.data[k * 9 + i * 3 + p]! * shape.data[k * 3 + p]! * orientation.data[k * 9 + j * 3 + p]!;
          return scale[k]! * v;
        });
        const own = c.subarray(k * 9, k * 9 + 9);
        expectAbsClose(sigma, own, 1e-12 * maxAbs(own), `${type}: component ${k}`);
      }
    }
  });
});

describe('the noise hypervolume and the prior are taken in the original units', () => {
  const o = { nComponents: 3, covarianceType: 'VVV', seed: 6, maxIter: 30, warnings: 'silent' } as const;
  const fitPair = (opts: Record<string, unknown>, plainOpts: (s: { mean: number[]; scale: number[] }) => Record<string, unknown>) => {
    const model = new GaussianMixture({ ...o, ...opts, standardize: true }).fitSync(X);
    const s = scalingOf(model);
    const plain = new GaussianMixture({ ...o, ...plainOpts(s) }).fitSync(byHand(X, s));
    return { model, plain, s };
  };
  const stateOf = (m: GaussianMixture) => m.toJSON().state as unknown as { hypervolume: number; prior: { mean: number[]; scale: number[] }; weights: number[] };
  const product = (s: { scale: number[] }): number => s.scale.reduce((a, v) => a * v, 1);

  it('a given hypervolume V is V / Π scale in standardised units', () => {
    const V = 3e4;
    const { model, plain, s } = fitPair({ noise: { hypervolume: V } }, (s) => ({ noise: { hypervolume: V / product(s) } }));
    expectClose(stateOf(model).hypervolume, V / product(s), 1e-14, 0, 'hypervolume');
    expectClose(model.weights, plain.weights, 1e-10, 0, 'weights');
    expectClose(model.means.data, plain.means.data.map((v, i) => s.mean[i % 3]! + s.scale[i % 3]! * v), 1e-10, 0, 'means');
  });

  it("the default hypervolume is mclust's hypvol(X) of X in its own units, divided by Π scale", () => {
    const hypvolX = stateOf(new GaussianMixture({ ...o, noise: true }).fitSync(X)).hypervolume;
    const { model, plain, s } = fitPair({ noise: true }, (s) => ({ noise: { hypervolume: hypvolX / product(s) } }));
    expectClose(stateOf(model).hypervolume, hypvolX / product(s), 1e-13, 0, 'hypervolume');
    expectClose(model.weights, plain.weights, 1e-10, 0, 'weights');
  });

  it('the default hypervolume of features near 1e200 (their hypvol overflows) is that of the same features near 1', () => {
    const big: NDArray = { data: X.data.map((v) => v * 2 ** 664), shape: X.shape };
    const a = new GaussianMixture({ ...o, noise: true, standardize: true }).fitSync(big);
    const b = new GaussianMixture({ ...o, noise: true, standardize: true }).fitSync(X);
    expect(stateOf(a).hypervolume).toBe(stateOf(b).hypervolume);
    expect(stateWithoutScaling(a)).toEqual(stateWithoutScaling(b));
  });

  it('a given prior mean is (mean − m) / scale and a matrix scale S⁻¹·scale·S⁻¹; a number scale is standardised', () => {
    const mean = [4, 5600, 0.01];
    const scale = [
      [4, 100, 0],
      [100, 40000, 0.1],
      [0, 0.1, 1e-5],
    ];
    const { model, plain, s } = fitPair({ prior: { mean, scale, shrinkage: 1 } }, (s) => ({
      prior: { mean: mean.map((v, j) => (v - s.mean[j]!) / s.scale[j]!), scale: scale.map((row, i) => row.map((v, j) => v / (s.scale[i]! * s.scale[j]!))), shrinkage: 1 },
    }));
    expectClose(stateOf(model).prior.mean, stateOf(plain).prior.mean, 1e-14, 1e-15, 'prior mean');
    expectClose(stateOf(model).prior.scale, stateOf(plain).prior.scale, 1e-14, 0, 'prior scale');
    expectClose(model.weights, plain.weights, 1e-10, 0, 'weights');
    // A number (the spherical and diagonal models) stays in standardised units, as spherical variances.
    const eei = new GaussianMixture({ ...o, covarianceType: 'EEI', prior: { scale: 0.5 }, standardize: true }).fitSync(X);
    expect(stateOf(eei).prior.scale).toEqual([0.5]);
    // The defaults are defaultPrior of the standardised rows.
    const byDefault = fitPair({ prior: 'default' }, () => ({ prior: 'default' }));
    expect(stateWithoutScaling(byDefault.model)).toEqual(byDefault.plain.toJSON().state);
  });
});
