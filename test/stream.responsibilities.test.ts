/**
 * GaussianMixture.fitStream from responsibilitiesInit (API.md "Starting from responsibilities"):
 * row i of the stream takes row i of responsibilitiesInit, and the fit equals `fit` on all the
 * rows from the same responsibilities bit for bit, for batches of 1, 7 and 1000 rows, of
 * BLOCK_ROWS multiples and one batch, with and without sample weights, for scikit-learn's and
 * mclust's covariance types (an iterative M-step, a prior). A stream with more or fewer rows
 * than responsibilitiesInit, or weights all zero, rejects with a RangeError and leaves the model
 * as it was; with a noise component the start is refused.
 */
import { describe, expect, it } from 'vitest';

import {
  BLOCK_ROWS,
  GaussianMixture,
  type CovarianceType,
  type GaussianMixtureOptions,
  type NDArray,
  type StreamBatch,
} from '../lib/index.js';
import { expectSameModel, snapshot } from './helpers/model.js';
import { mulberry32, sampleMixture, THREE_CLUSTERS } from './helpers/random.js';

const N = 2 * BLOCK_ROWS + 777;
const D = 3;
const K = 3;
const { data } = sampleMixture(91, THREE_CLUSTERS, N);
const X: NDArray = { data, shape: [N, D] };
const rng = mulberry32(92);
const WEIGHTS = Float64Array.from({ length: N }, () => (rng() < 0.05 ? 0 : 0.1 + rng() * 3));
// Soft, uneven responsibilities (rows not summing to 1: the options normalise them).
const RESP = Array.from({ length: N }, () => Array.from({ length: K }, () => 0.05 + rng()));

/** The rows in batches of `size` rows (the last shorter), weighted when `weights` is given. */
function batches(x: Float64Array, size: number, weights?: Float64Array): () => Generator<StreamBatch> {
  const n = x.length / D;
  return function* () {
    for (let first = 0; first < n; first += size) {
      const rows = Math.min(size, n - first);
      const batch = { data: x.slice(first * D, (first + rows) * D), shape: [rows, D] };
      yield weights ? { X: batch, sampleWeight: weights.subarray(first, first + rows) } : batch;
    }
  };
}

/** Bit-identical models, and the same JSON state. */
function expectSame(a: GaussianMixture, b: GaussianMixture): void {
  expectSameModel(snapshot(a), snapshot(b), 'fitStream against fit');
  expect(a.toJSON().state).toEqual(b.toJSON().state);
}

const SIZES = [1, 7, 1000, BLOCK_ROWS, 2 * BLOCK_ROWS, N];

const CASES: [string, GaussianMixtureOptions][] = [
  ['full', { nComponents: K, covarianceType: 'full' }],
  ['diag', { nComponents: K, covarianceType: 'diag' }],
  ['tied', { nComponents: K, covarianceType: 'tied' }],
  // An iterative M-step (its inner state carried from the start).
  ['VEV', { nComponents: K, covarianceType: 'VEV' }],
  [
    'VVV with a prior',
    {
      nComponents: K,
      covarianceType: 'VVV',
      prior: { shrinkage: 0.01, mean: [0, 0, 0], dof: 5, scale: [[2, 0, 0], [0, 2, 0], [0, 0, 2]] },
    },
  ],
];

describe('GaussianMixture.fitStream from responsibilitiesInit', () => {
  describe.each(CASES)('%s', (_name, base) => {
    const options: GaussianMixtureOptions = { ...base, responsibilitiesInit: RESP, maxIter: 25, tol: 1e-6, threads: 2 };

    it.each([false, true])('equals fit bit for bit for every batching (weighted: %s)', async (weighted) => {
      const w = weighted ? WEIGHTS : undefined;
      const reference = new GaussianMixture(options).fitSync(X, w ? { sampleWeight: w } : undefined);
      expect(reference.nIter).toBeGreaterThan(1);
      for (const size of SIZES) {
        const streamed = await new GaussianMixture(options).fitStream(batches(data, size, w));
        expectSame(streamed, reference);
      }
    });
  });

  it('five features (the matrix-product path of the sums) and one iteration', async () => {
    const d = 5;
    const n = BLOCK_ROWS + 333;
    const r = mulberry32(93);
    const x = Float64Array.from({ length: n * d }, () => r() * 4 + (r() < 0.5 ? 0 : 6));
    const resp = Array.from({ length: n }, () => [r(), r()]);
    for (const maxIter of [1, 30]) {
      const options = { nComponents: 2, covarianceType: 'full' as CovarianceType, responsibilitiesInit: resp, maxIter };
      const reference = new GaussianMixture(options).fitSync({ data: x, shape: [n, d] });
      const source = function* (): Generator<StreamBatch> {
        for (let first = 0; first < n; first += 777) yield { data: x.slice(first * d, Math.min(n, first + 777) * d), shape: [Math.min(777, n - first), d] };
      };
      expectSame(await new GaussianMixture(options).fitStream(source), reference);
    }
  });

  it('a stream with more or fewer rows than responsibilitiesInit rejects; the model is unchanged', async () => {
    const rows = N - 10;
    const more = new GaussianMixture({ nComponents: K, responsibilitiesInit: RESP.slice(0, rows), maxIter: 3 });
    more.fitSync({ data: data.subarray(0, rows * D), shape: [rows, D] });
    const fewer = new GaussianMixture({ nComponents: K, responsibilitiesInit: RESP, maxIter: 3 }).fitSync(X);
    const before = [more.toJSON(), fewer.toJSON()];
    await expect(more.fitStream(batches(data, 1000))).rejects.toThrow(
      expect.objectContaining({ name: 'RangeError', message: 'GaussianMixture.fitStream: the stream has more rows than responsibilitiesInit (8959)' }) as Error,
    );
    await expect(fewer.fitStream(batches(data.subarray(0, 500 * D), 7))).rejects.toThrow(
      expect.objectContaining({
        name: 'RangeError',
        message: 'GaussianMixture.fitStream: responsibilitiesInit has 8969 rows, but there are 500 in the stream (matched to them in order)',
      }) as Error,
    );
    expect([more.toJSON(), fewer.toJSON()]).toEqual(before);
  });

  it('weights all zero reject as fit does', async () => {
    const options = { nComponents: K, responsibilitiesInit: RESP };
    const zero = new Float64Array(N);
    const message = 'sampleWeight must not be all zero';
    expect(() => new GaussianMixture(options).fitSync(X, { sampleWeight: zero })).toThrow(message);
    // (maxIter 0 too: no E-step after the start to find them.)
    for (const maxIter of [0, 100]) {
      await expect(new GaussianMixture({ ...options, maxIter }).fitStream(batches(data, 1000, zero))).rejects.toThrow(
        expect.objectContaining({ name: 'RangeError', message }) as Error,
      );
    }
  });

  it('with a noise component: refused, naming responsibilitiesInit and the noise', async () => {
    const resp = RESP.map((row) => [...row, 0.1]);
    const model = new GaussianMixture({ nComponents: K, noise: { hypervolume: 1e4 }, responsibilitiesInit: resp });
    await expect(model.fitStream(batches(data, 1000))).rejects.toThrow(
      expect.objectContaining({ name: 'RangeError', message: expect.stringMatching(/responsibilitiesInit with a noise component is not supported/) }) as Error,
    );
    expect(model.toJSON().state).toBeNull();
  });
});
