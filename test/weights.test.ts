/**
 * sampleWeight semantics of GaussianMixture (scikit-learn's, test/fixtures/README.md,
 * GaussianMixture point 6): a raw integer weight w is the same as repeating the row w times,
 * a zero weight is the same as dropping the row, and only the relative weights matter.
 *
 * Every fit starts from the same explicit parameters, with tol 0 (so both sides run exactly
 * maxIter iterations and nIter is comparable) and a fixed seed.
 *
 * Tolerance: RTOL = 1e-10 relative (plus a floor of 1e-13 of each array's largest |value|, for
 * entries that are exact zeros such as the strict lower triangle of precisionsCholesky). Both
 * sides compute the same sums, but in a different association: w·x against x + x + ... + x,
 * and with the rows split into other thread chunks because N differs. Each sum over ~1000 rows
 * has a relative rounding error of at most ~N·eps ≈ 2e-13, and 25 EM iterations on
 * well-separated clusters (a contracting map) do not amplify it much: what is observed is
 * <= 4e-15. 1e-10 leaves a large margin, and any semantic difference (weights ignored in one
 * sum, lowerBound divided by N instead of Σw, π = nk/N) is >= 1e-3.
 */
import { describe, expect, it } from 'vitest';

import {
  BayesianGaussianMixture,
  GaussianMixture,
  KMeans,
  MiniBatchKMeans,
  SoftKMeans,
  type SklearnCovarianceType as CovarianceType,
  type GaussianMixtureOptions,
  type NDArray,
} from '../lib/index.js';
import { expectError } from './helpers/expect-error.js';
import { expectClose, maxAbs } from './helpers/compare.js';
import { mulberry32, repeatRows, sampleMixture, THREE_CLUSTERS } from './helpers/random.js';

const RTOL = 1e-10;
const ATOL_SCALE = 1e-13;
const TYPES: readonly CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];
const D = 3;
const N = 400;

const { data } = sampleMixture(501, THREE_CLUSTERS, N);

/** Integer weights 0..4, about 15% zeros. */
const rng = mulberry32(502);
const intWeights = Array.from({ length: N }, () => (rng() < 0.15 ? 0 : 1 + Math.floor(rng() * 4)));

/** Starting precisions for each covariance type (SPD / positive). */
function precisionsInit(type: CovarianceType): number[] | number[][] | number[][][] {
  const spd = (s: number) => [
    [1.2 * s, 0.2, -0.1],
    [0.2, 0.9 * s, 0.1],
    [-0.1, 0.1, 1.1 * s],
  ];
  switch (type) {
    case 'full':
      return [spd(1), spd(1.3), spd(0.8)];
    case 'tied':
      return spd(1);
    case 'diag':
      return [
        [1.1, 0.9, 1.0],
        [0.7, 1.3, 1.2],
        [1.0, 1.0, 0.8],
      ];
    case 'spherical':
      return [1.0, 0.8, 1.2];
  }
}

function options(type: CovarianceType): GaussianMixtureOptions {
  return {
    nComponents: 3,
    covarianceType: type,
    tol: 0,
    maxIter: 25,
    regCovar: 1e-6,
    seed: 1,
    weightsInit: [0.4, 0.35, 0.25],
    meansInit: THREE_CLUSTERS.map((c) => c.mean.map((v, j) => v + (j === 0 ? 0.8 : -0.5))),
    precisionsInit: precisionsInit(type),
  };
}

/** Compares every fitted attribute; returns the largest relative deviation. */
function expectSameFit(a: GaussianMixture, b: GaussianMixture, what: string): number {
  expect(a.nIter, `${what}: nIter`).toBe(b.nIter);
  expect(a.converged, `${what}: converged`).toBe(b.converged);
  let worst = 0;
  const cmp = (x: unknown, y: unknown, name: string) => {
    worst = Math.max(worst, expectClose(x, y, RTOL, ATOL_SCALE * maxAbs(y), `${what}: ${name}`));
  };
  cmp(a.weights, b.weights, 'weights');
  cmp(a.means, b.means, 'means');
  cmp(a.covariances, b.covariances, 'covariances');
  cmp(a.precisionsCholesky, b.precisionsCholesky, 'precisionsCholesky');
  cmp(a.lowerBound, b.lowerBound, 'lowerBound');
  return worst;
}

const X: NDArray = { data, shape: [N, D] };

describe('sampleWeight', () => {
  it('the weights have zeros and values up to 4', () => {
    expect(intWeights.filter((w) => w === 0).length).toBeGreaterThan(20);
    expect(Math.max(...intWeights)).toBe(4);
  });

  for (const type of TYPES) {
    it(`${type}: integer weights = duplicated rows`, () => {
      const weighted = new GaussianMixture(options(type)).fitSync(X, { sampleWeight: intWeights });
      const repeated = new GaussianMixture(options(type)).fitSync(repeatRows(data, D, intWeights));
      const dev = expectSameFit(weighted, repeated, `${type}, weights vs repetition`);
      console.log(`[weights] ${type}: integer weights vs repeated rows, max rel dev ${dev.toExponential(2)}`);
    });

    it(`${type}: zero weights = dropped rows (even for far outliers)`, () => {
      // Keep/drop mask from the integer weights, plus five far outliers with weight 0: if a
      // zero-weight row leaked into any sum, the outliers would move the fit by O(1).
      const keep = intWeights.map((w) => (w > 0 ? 1 : 0));
      const outliers = [
        [40, -40, 40],
        [-60, 30, 20],
        [50, 50, -50],
        [35, 0, 0],
        [0, -45, 10],
      ];
      const withOutliers = new Float64Array((N + outliers.length) * D);
      withOutliers.set(data);
      withOutliers.set(outliers.flat(), N * D);
      const w = [...keep, ...outliers.map(() => 0)];
      const zeroWeighted = new GaussianMixture(options(type)).fitSync(
        { data: withOutliers, shape: [N + outliers.length, D] },
        { sampleWeight: w },
      );
      const dropped = new GaussianMixture(options(type)).fitSync(repeatRows(data, D, keep));
      const dev = expectSameFit(zeroWeighted, dropped, `${type}, zero weights vs dropped rows`);
      console.log(`[weights] ${type}: zero weights vs dropped rows, max rel dev ${dev.toExponential(2)}`);
    });

    it(`${type}: scaling every weight by 0.37 changes nothing (beyond rounding)`, () => {
      // π = nk/Σnk and lowerBound = Σw·log p/Σw are scale-free; only nk's 10·eps guard is not,
      // at the 1e-15 level.
      const a = new GaussianMixture(options(type)).fitSync(X, { sampleWeight: intWeights });
      const b = new GaussianMixture(options(type)).fitSync(X, { sampleWeight: intWeights.map((v) => v * 0.37) });
      expectSameFit(b, a, `${type}, weights × 0.37`);
    });
  }

  it('all-ones weights give the unweighted fit', () => {
    const a = new GaussianMixture(options('full')).fitSync(X);
    const b = new GaussianMixture(options('full')).fitSync(X, { sampleWeight: new Array<number>(N).fill(1) });
    expectSameFit(b, a, 'weights all 1 vs none');
  });
});

describe('sampleWeight whose sum overflows', () => {
  it('is refused as such by every estimator, not reported as overflowing features', () => {
    // (Before: KMeans and GaussianMixture "squared distances ... overflow (features of magnitude
    // beyond 1e153); standardise the features"; MiniBatchKMeans fitted, with NaN weights.)
    const X = Array.from({ length: 200 }, (_, i) => [(i % 3) * 10 + Math.sin(i), Math.cos(i)]);
    const sampleWeight = new Array<number>(200).fill(1e308);
    const models = [
      new KMeans({ nClusters: 3, seed: 1 }),
      new SoftKMeans({ nClusters: 3, seed: 1 }),
      new MiniBatchKMeans({ nClusters: 3, seed: 1 }),
      new GaussianMixture({ nComponents: 3, seed: 1 }),
      new BayesianGaussianMixture({ nComponents: 3, seed: 1 }),
    ];
    for (const model of models) {
      expectError(() => model.fitSync(X, { sampleWeight }), RangeError, 'sampleWeight sums to more than the largest float64');
      expect(model.isFitted).toBe(false);
    }
  });
});
