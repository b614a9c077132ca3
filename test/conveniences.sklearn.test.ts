/**
 * scikit-learn's conveniences — fitPredict (every estimator), fitTransform (KMeans), sample()
 * with its default of one draw, and the not-fitted error before any argument error — with
 * cases ported from scikit-learn 1.2's own suites (each names the test it comes from:
 * sklearn/mixture/tests/test_gaussian_mixture.py, sklearn/cluster/tests/test_k_means.py).
 * The data are drawn here (seeded) in the shape of those tests' data; the assertions are theirs.
 */
import { describe, expect, it } from 'vitest';

import {
  BayesianGaussianMixture,
  ErrorCode,
  GaussianKMeans,
  GaussianMixture,
  KMeans,
  SoftKMeans,
  type SklearnCovarianceType,
  type NDArray,
} from '../lib/index.js';
import { expectClose, expectIdentical } from './helpers/compare.js';
import { caught, expectCode } from './helpers/protocol.js';
import { mulberry32, normalSource } from './helpers/random.js';

const TYPES: readonly SklearnCovarianceType[] = ['full', 'tied', 'diag', 'spherical'];

/** scikit-learn's adjusted_rand_score of two labelings. */
function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const pairs = (m: number): number => (m * (m - 1)) / 2;
  const table = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]},${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rows.set(a[i] as number, (rows.get(a[i] as number) ?? 0) + 1);
    cols.set(b[i] as number, (cols.get(b[i] as number) ?? 0) + 1);
  }
  const sumCells = [...table.values()].reduce((s, m) => s + pairs(m), 0);
  const sumRows = [...rows.values()].reduce((s, m) => s + pairs(m), 0);
  const sumCols = [...cols.values()].reduce((s, m) => s + pairs(m), 0);
  const expected = (sumRows * sumCols) / pairs(n);
  return (sumCells - expected) / ((sumRows + sumCols) / 2 - expected);
}

/**
 * sklearn's RandomData (test_gaussian_mixture.py) for one covariance type: 2 components in 2-D,
 * means uniform in [0, scale)², 500 rows split by the weights, with the true labels and the
 * true precisions in the type's shape.
 */
function randomData(seed: number, covarianceType: SklearnCovarianceType, scale = 50) {
  const u = mulberry32(seed);
  const z = normalSource(mulberry32(seed + 1));
  const n = 500;
  const w0 = 0.2 + 0.6 * u();
  const weights = [w0, 1 - w0];
  const means = [0, 1].map(() => [u() * scale, u() * scale]);
  // Per component (co)variances, constrained as the type says.
  const full = [
    [
      [1.0, 0.3],
      [0.3, 0.5],
    ],
    [
      [0.7, -0.2],
      [-0.2, 1.2],
    ],
  ];
  const covs: number[][][] = {
    full,
    tied: [full[0]!, full[0]!],
    diag: [
      [
        [0.6, 0],
        [0, 1.4],
      ],
      [
        [1.1, 0],
        [0, 0.4],
      ],
    ],
    spherical: [
      [
        [0.8, 0],
        [0, 0.8],
      ],
      [
        [0.5, 0],
        [0, 0.5],
      ],
    ],
  }[covarianceType];
  const inverse = (m: number[][]): number[][] => {
    const det = m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
    return [
      [m[1]![1]! / det, -m[0]![1]! / det],
      [-m[1]![0]! / det, m[0]![0]! / det],
    ];
  };
  const precisions = {
    full: () => covs.map(inverse),
    tied: () => inverse(covs[0]!),
    diag: () => covs.map((c) => [1 / c[0]![0]!, 1 / c[1]![1]!]),
    spherical: () => covs.map((c) => 1 / c[0]![0]!),
  }[covarianceType]();
  const data = new Float64Array(n * 2);
  const labels = new Int32Array(n);
  const n0 = Math.round(weights[0]! * n);
  for (let i = 0; i < n; i++) {
    const k = i < n0 ? 0 : 1;
    const c = covs[k]!;
    // x = μ + L·e with L the lower Cholesky factor of the 2×2 covariance.
    const l00 = Math.sqrt(c[0]![0]!);
    const l10 = c[1]![0]! / l00;
    const l11 = Math.sqrt(c[1]![1]! - l10 * l10);
    const e0 = z();
    const e1 = z();
    data[2 * i] = means[k]![0]! + l00 * e0;
    data[2 * i + 1] = means[k]![1]! + l10 * e0 + l11 * e1;
    labels[i] = k;
  }
  return { X: { data, shape: [n, 2] } as NDArray, labels, weights, means, precisions };
}

/** sklearn's make_blobs: centres uniform in [-10, 10]^D, unit standard deviation. */
function blobs(seed: number, n: number, d: number, centres: number) {
  const u = mulberry32(seed);
  const z = normalSource(mulberry32(seed + 1));
  const c = Array.from({ length: centres }, () => Array.from({ length: d }, () => -10 + 20 * u()));
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = c[i % centres]![j]! + z();
  return { data, shape: [n, d] } as NDArray;
}

function randn(seed: number, n: number, d: number): NDArray {
  const z = normalSource(mulberry32(seed));
  return { data: Float64Array.from({ length: n * d }, z), shape: [n, d] };
}

describe('GaussianMixture.fitPredict', () => {
  // test_gaussian_mixture_fit_predict
  it.each([
    [0, 2, 1e-7], // strict non-convergence
    [1, 2, 1e-1], // loose non-convergence
    [3, 300, 1e-7], // strict convergence
    [4, 300, 1e-1], // loose convergence
  ])('seed %i, maxIter %i, tol %f: fitPredict(X) equals fit(X).predict(X), and recovers the truth', (seed, maxIter, tol) => {
    for (const covarianceType of TYPES) {
      const r = randomData(seed, covarianceType);
      const options = {
        nComponents: 2,
        covarianceType,
        seed,
        weightsInit: r.weights,
        meansInit: r.means,
        precisionsInit: r.precisions,
        maxIter,
        tol,
        warnings: 'silent' as const,
      };
      const f = new GaussianMixture(options);
      const predicted = f.fitSync(r.X).predict(r.X);
      const g = new GaussianMixture(options);
      const labels = g.fitPredict(r.X);
      expect(labels).toBeInstanceOf(Int32Array);
      expectIdentical(labels, predicted, `${covarianceType}: fitPredict vs fit().predict`);
      expect(adjustedRandIndex(r.labels, labels), covarianceType).toBeGreaterThan(0.95);
    }
  });

  // test_gaussian_mixture_fit_predict_n_init
  it('with nInit 5, fitPredict(X) equals predict(X) of the fitted model', () => {
    const X = randn(0, 1000, 5);
    const gm = new GaussianMixture({ nComponents: 5, nInit: 5, seed: 0, warnings: 'silent' });
    const labels = gm.fitPredict(X);
    expectIdentical(labels, gm.predict(X), 'fitPredict vs predict');
  });

  it('passes the fit options on (sampleWeight, onIteration), and GaussianKMeans has it', () => {
    const X = randn(2, 300, 2);
    const sampleWeight = Array.from({ length: 300 }, (_, i) => 1 + (i % 3));
    const iterations: number[] = [];
    const a = new GaussianKMeans({ nComponents: 3, seed: 5 });
    const labels = a.fitPredict(X, { sampleWeight, onIteration: (i) => void iterations.push(i.iter) });
    const b = new GaussianKMeans({ nComponents: 3, seed: 5 }).fitSync(X, { sampleWeight });
    expect(iterations.length).toBe(b.nIter);
    expectIdentical(a.means, b.means, 'weighted means');
    expectIdentical(labels, b.predict(X), 'labels');
  });

  it('a failed fitPredict keeps the previous model', () => {
    const X = randn(3, 200, 2);
    const gm = new GaussianMixture({ nComponents: 2, seed: 1 }).fitSync(X);
    const before = JSON.stringify(gm.toJSON());
    expect(() => gm.fitPredict([[1, NaN]])).toThrow(RangeError);
    expect(JSON.stringify(gm.toJSON())).toBe(before);
  });
});

describe('KMeans.fitPredict and fitTransform', () => {
  // test_kmeans_predict (lloyd, dense)
  it.each([2, 100])('maxIter %i: predict(X) and fitPredict(X) are the labels; the centres predict to 0..9', (maxIter) => {
    const X = blobs(0, 200, 10, 10);
    const km = new KMeans({ nClusters: 10, init: 'random', nInit: 10, maxIter, seed: 0, warnings: 'silent' });
    km.fitSync(X);
    const labels = km.labels;
    expectIdentical(km.predict(X), labels, 'predict vs labels');
    expectIdentical(km.fitPredict(X), labels, 'fitPredict vs labels');
    expect(Array.from(km.predict(km.clusterCenters))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  // test_fit_transform
  it('fitTransform(X) equals fit(X).transform(X)', () => {
    const X = blobs(42, 100, 5, 3);
    const a = new KMeans({ nClusters: 3, seed: 42, nInit: 1 }).fitSync(X).transform(X);
    const b = new KMeans({ nClusters: 3, seed: 42, nInit: 1 }).fitTransform(X);
    expect(b.shape).toEqual([100, 3]);
    expectIdentical(b.data, a.data, 'fitTransform vs fit().transform');
  });

  // test_transform
  it('transform of the centres is their pairwise distances (zero diagonal); of X, the distances to the centres', () => {
    const X = blobs(42, 100, 5, 3);
    const km = new KMeans({ nClusters: 3, seed: 7 }).fitSync(X);
    const c = km.clusterCenters.data;
    const dist = (x: ArrayLike<number>, i: number, j: number): number => {
      let s = 0;
      for (let f = 0; f < 5; f++) s += ((x[i * 5 + f] as number) - (c[j * 5 + f] as number)) ** 2;
      return Math.sqrt(s);
    };
    const t = km.transform(km.clusterCenters).data;
    for (let i = 0; i < 3; i++) {
      expect(t[i * 3 + i]).toBe(0);
      for (let j = 0; j < 3; j++) expectClose(t[i * 3 + j], dist(c, i, j), 1e-12, 1e-12, `centre ${i} to ${j}`);
    }
    const tx = km.transform(X).data;
    for (let i = 0; i < 100; i++) for (let j = 0; j < 3; j++) expectClose(tx[i * 3 + j], dist(X.data, i, j), 1e-12, 1e-12, `row ${i}`);
  });
});

describe('SoftKMeans.fitPredict', () => {
  it('equals fit(X).predict(X)', () => {
    const X = blobs(5, 300, 3, 4);
    const labels = new SoftKMeans({ nClusters: 4, stiffness: 2, seed: 3 }).fitPredict(X);
    const predicted = new SoftKMeans({ nClusters: 4, stiffness: 2, seed: 3 }).fitSync(X).predict(X);
    expectIdentical(labels, predicted, 'fitPredict vs fit().predict');
  });
});

describe('GaussianMixture.sample', () => {
  // test_sample
  it.each(TYPES)('(%s) not fitted before a bad n; n defaults to 1; shapes for 1..99', (covarianceType) => {
    const r = randomData(0, covarianceType, 7);
    const gm = new GaussianMixture({ nComponents: 2, covarianceType, seed: 0 });
    for (const bad of [0, -1, 1.5, 'x']) {
      const err = caught(() => gm.sample(bad as number));
      expectCode(err, Error, ErrorCode.NOT_FITTED);
      expect((err as Error).message).toMatch(/^This GaussianMixture instance is not fitted/);
    }
    expectCode(caught(() => gm.sample()), Error, ErrorCode.NOT_FITTED);
    gm.fitSync(r.X);
    expect(() => gm.sample(0)).toThrow(RangeError);
    expect(() => gm.sample(0)).toThrow(/Expected an integer >= 1 for n but received 0/);
    const one = gm.sample();
    expect(one.X.shape).toEqual([1, 2]);
    expect(one.labels.length).toBe(1);
    // Without a seed argument, the `seed` option's samples: sample() is sample(1).
    expectIdentical(one.X.data, gm.sample(1).X.data, 'sample() vs sample(1)');
    for (let size = 1; size < 100; size++) expect(gm.sample(size).X.shape).toEqual([size, 2]);
  });

  it('BayesianGaussianMixture: the same order and default', () => {
    const r = randomData(0, 'full', 7);
    const bgm = new BayesianGaussianMixture({ nComponents: 2, seed: 0 });
    expectCode(caught(() => bgm.sample(0)), Error, ErrorCode.NOT_FITTED);
    expectCode(caught(() => bgm.sample()), Error, ErrorCode.NOT_FITTED);
    bgm.fitSync(r.X);
    expect(() => bgm.sample(0)).toThrow(/Expected an integer >= 1 for n but received 0/);
    expect(bgm.sample().X.shape).toEqual([1, 2]);
    expectIdentical(bgm.sample().X.data, bgm.sample(1).X.data, 'sample() vs sample(1)');
  });
});

describe('the not-fitted error comes before argument errors (scikit-learn check_is_fitted order)', () => {
  const bad = 'not data' as never;
  const cases: [string, () => unknown][] = [
    ['GaussianMixture.predict', () => new GaussianMixture({ nComponents: 2 }).predict(bad)],
    ['GaussianMixture.predictProba', () => new GaussianMixture({ nComponents: 2 }).predictProba(bad)],
    ['GaussianMixture.scoreSamples', () => new GaussianMixture({ nComponents: 2 }).scoreSamples(bad)],
    ['GaussianMixture.score', () => new GaussianMixture({ nComponents: 2 }).score(bad, bad)],
    ['GaussianMixture.bic', () => new GaussianMixture({ nComponents: 2 }).bic(bad)],
    ['GaussianMixture.aic', () => new GaussianMixture({ nComponents: 2 }).aic(bad)],
    ['GaussianMixture.sample', () => new GaussianMixture({ nComponents: 2 }).sample(bad, bad)],
    ['KMeans.predict', () => new KMeans({ nClusters: 2 }).predict(bad)],
    ['KMeans.transform', () => new KMeans({ nClusters: 2 }).transform(bad)],
    ['KMeans.score', () => new KMeans({ nClusters: 2 }).score(bad, bad)],
    ['SoftKMeans.predict', () => new SoftKMeans({ nClusters: 2 }).predict(bad)],
    ['SoftKMeans.predictProba', () => new SoftKMeans({ nClusters: 2 }).predictProba(bad)],
    ['SoftKMeans.score', () => new SoftKMeans({ nClusters: 2 }).score(bad, bad)],
  ];
  it.each(cases)('%s', (_name, call) => {
    expectCode(caught(call), Error, ErrorCode.NOT_FITTED);
  });
});
