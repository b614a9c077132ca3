/**
 * MiniBatchKMeans: fit's stopping rules and step counts (after scikit-learn's
 * test_minibatch_iter_steps, test_minibatch_declared_convergence, test_score_max_iter,
 * test_minibatch_with_many_reassignments, test_minibatch_sensible_reassign,
 * test_minibatch_reassign), determinism across thread counts, bad input, and the JSON round
 * trip (a restored model continues partialFit bit-identically).
 */
import { describe, expect, it } from 'vitest';

import { MiniBatchKMeans, setMaxThreads } from '../lib/index.js';
import { expectIdentical } from './helpers/compare.js';
import { mulberry32, normalSource } from './helpers/random.js';

/** n rows of K well-separated blobs in D dimensions (centres 10 apart), row-major. */
function blobs(seed: number, n: number, k: number, d: number, spread = 1): { data: Float64Array; shape: number[] } {
  const u = mulberry32(seed);
  const z = normalSource(mulberry32(seed + 1));
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(u() * k);
    for (let j = 0; j < d; j++) data[i * d + j] = (j === c % d ? 10 * (c + 1) : 0) + spread * z();
  }
  return { data, shape: [n, d] };
}

const X = blobs(1, 300, 3, 2);

describe('MiniBatchKMeans.fit', () => {
  it('without a stopping rule runs ⌊maxIter·N / batchSize⌋ steps, nIter = maxIter', () => {
    const km = new MiniBatchKMeans({ nClusters: 3, batchSize: 30, seed: 0, tol: 0, maxNoImprovement: null, maxIter: 10 });
    km.fitSync(X);
    expect(km.nSteps).toBe(Math.floor((10 * 300) / 30));
    expect(km.nIter).toBe(10);
    expect(km.converged).toBe(false);
  });

  it('nIter is the number of started passes, ⌈steps·batchSize / N⌉', () => {
    const km = new MiniBatchKMeans({ nClusters: 3, batchSize: 70, seed: 0 }).fitSync(X);
    expect(km.nIter).toBe(Math.ceil((km.nSteps * 70) / 300));
    expect(km.nSteps).toBeLessThan(Math.floor((100 * 300) / 70));
  });

  for (const [tol, maxNoImprovement] of [
    [1e-4, null],
    [0, 10],
  ] as const) {
    it(`declares convergence (tol ${tol}, maxNoImprovement ${maxNoImprovement})`, () => {
      const init = [
        [10, 0],
        [0, 20],
        [30, 0],
      ];
      const km = new MiniBatchKMeans({ nClusters: 3, init, batchSize: 20, tol, maxIter: 10, nInit: 1, seed: 0, maxNoImprovement });
      km.fitSync(blobs(1, 100, 3, 2)); // scikit-learn's case: 100 rows, batches of 20
      expect(km.converged).toBe(true);
      expect(km.nIter).toBeGreaterThan(1);
      expect(km.nIter).toBeLessThan(10);
    });
  }

  it('finds well-separated blobs, labels and inertia of every row under the final centres', () => {
    const km = new MiniBatchKMeans({ nClusters: 3, batchSize: 50, seed: 7 }).fitSync(X);
    const sorted = Array.from({ length: 3 }, (_, c) => Array.from(km.clusterCenters.data.subarray(2 * c, 2 * c + 2))).sort(
      (a, b) => a[0]! + a[1]! - (b[0]! + b[1]!),
    );
    const truth = [
      [10, 0],
      [0, 20],
      [30, 0],
    ];
    sorted.forEach((c, i) => c.forEach((v, j) => expect(Math.abs(v - truth[i]![j]!)).toBeLessThan(0.5)));
    expectIdentical(km.labels, km.predict(X), 'labels = predict(X)');
    expect(km.inertia).toBeCloseTo(-km.score(X), 8);
  });

  it('scores better with more iterations', () => {
    const z = normalSource(mulberry32(5));
    const R = { data: Float64Array.from({ length: 1000 }, () => z()), shape: [100, 10] };
    const s1 = new MiniBatchKMeans({ nClusters: 8, nInit: 1, seed: 1, maxIter: 1 }).fitSync(R).score(R);
    const s2 = new MiniBatchKMeans({ nClusters: 8, nInit: 1, seed: 1, maxIter: 10 }).fitSync(R).score(R);
    expect(s2).toBeGreaterThan(s1);
  });

  it('survives more centres to move than the batch has rows (K 100, batch 10)', () => {
    const Y = blobs(2, 500, 5, 4);
    const km = new MiniBatchKMeans({ nClusters: 100, batchSize: 10, initSize: 500, seed: 42 }).fitSync(Y);
    expect(Array.from(km.clusterCenters.data).every(Number.isFinite)).toBe(true);
  });

  it('moves identical starting centres apart (sensible reassignment)', () => {
    const Z = blobs(3, 100, 5, 2);
    for (let i = 0; i < 100; i += 2) Z.data.fill(0, 2 * i, 2 * i + 2);
    const nonZero = (m: MiniBatchKMeans) => {
      const c = m.clusterCenters.data;
      let count = 0;
      for (let r = 0; r < 20; r++) count += c[2 * r] !== 0 || c[2 * r + 1] !== 0 ? 1 : 0;
      return count;
    };
    expect(nonZero(new MiniBatchKMeans({ nClusters: 20, batchSize: 10, seed: 4, init: 'random' }).fitSync(Z))).toBeGreaterThan(10);
    expect(nonZero(new MiniBatchKMeans({ nClusters: 20, batchSize: 200, seed: 4, init: 'random' }).fitSync(Z))).toBeGreaterThan(10);
    const p = new MiniBatchKMeans({ nClusters: 20, seed: 4, init: 'random' });
    for (let i = 0; i < 100; i++) p.partialFit(Z);
    expect(nonZero(p)).toBeGreaterThan(10);
  });

  it('a large reassignmentRatio moves good centres (worse score); a tiny one keeps them', () => {
    const truth = [
      [10, 0],
      [0, 20],
      [30, 0],
    ];
    const high = new MiniBatchKMeans({ nClusters: 3, init: truth, reassignmentRatio: 1, seed: 9 }).partialFit(X);
    const low = new MiniBatchKMeans({ nClusters: 3, init: truth, reassignmentRatio: 1e-15, seed: 9 }).partialFit(X);
    expect(low.score(X)).toBeGreaterThan(high.score(X));
    const noMove = new MiniBatchKMeans({ nClusters: 3, init: truth, reassignmentRatio: 0, seed: 9 }).partialFit(X);
    expectIdentical(low.clusterCenters.data, noMove.clusterCenters.data, 'tiny ratio: no centre moved');
  });

  it('a ratio above 1 moves every centre (counts kept: none is left to copy from)', () => {
    const truth = [
      [10, 0],
      [0, 20],
      [30, 0],
    ];
    const batch = Array.from({ length: 8 }, (_, i) => [i, 100 + i]);
    const km = new MiniBatchKMeans({ nClusters: 3, init: truth, reassignmentRatio: 2, seed: 1 }).partialFit(batch);
    const c = km.clusterCenters.data;
    const rows = [0, 1, 2].map((k) => batch.findIndex((x) => x[0] === c[2 * k] && x[1] === c[2 * k + 1]));
    expect(rows.every((r) => r >= 0)).toBe(true);
    expect(new Set(rows).size).toBe(3);
    // Every row went to centre 1 ([0, 20] is nearest): counts [0, 8, 0], then all three moved.
    expect(Array.from(km.counts)).toEqual([0, 8, 0]);
    // With 4 rows, at most 2 centres move: the two of lowest count (ties to the lowest index).
    const few = new MiniBatchKMeans({ nClusters: 3, init: truth, reassignmentRatio: 2, seed: 1 }).partialFit(batch.slice(0, 4));
    const f = few.clusterCenters.data;
    expect([f[2], f[3]]).toEqual([1.5, 101.5]); // centre 1 kept: the mean of the rows (its count was 0)
    expect(Array.from(few.counts)).toEqual([4, 4, 4]);
  });

  it('without computeLabels: no labels, inertia estimated from the batches', () => {
    const km = new MiniBatchKMeans({ nClusters: 3, batchSize: 50, seed: 7, computeLabels: false }).fitSync(X);
    expect(() => km.labels).toThrow(RangeError);
    expect(km.inertia).toBeGreaterThan(0);
    expect(km.inertia).toBeLessThan(10 * -km.score(X));
  });

  it('the same seed gives bit-identical results for any thread count', () => {
    setMaxThreads(8);
    try {
      const Y = blobs(6, 20_000, 4, 3);
      const fits = [1, 3, 8].map((threads) =>
        new MiniBatchKMeans({ nClusters: 4, batchSize: 9000, seed: 11, threads, maxIter: 3 }).fitSync(Y),
      );
      for (const f of fits.slice(1)) {
        expectIdentical(f.clusterCenters.data, fits[0]!.clusterCenters.data, 'centres');
        expectIdentical(f.labels, fits[0]!.labels, 'labels');
        expect(Object.is(f.inertia, fits[0]!.inertia)).toBe(true);
      }
    } finally {
      setMaxThreads(0);
    }
  });

  it('fit (async) equals fitSync, and an aborted fit leaves the model as it was', async () => {
    const a = await new MiniBatchKMeans({ nClusters: 3, seed: 5, batchSize: 40 }).fit(X);
    const b = new MiniBatchKMeans({ nClusters: 3, seed: 5, batchSize: 40 }).fitSync(X);
    expectIdentical(a.clusterCenters.data, b.clusterCenters.data, 'centres');
    const before = a.clusterCenters.data;
    const controller = new AbortController();
    const run = a.fit(blobs(8, 3000, 3, 2), {
      signal: controller.signal,
      onIteration: () => {
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expectIdentical(a.clusterCenters.data, before, 'centres kept');
  });

  it('onIteration sees each step; returning false stops', () => {
    const seen: number[] = [];
    const km = new MiniBatchKMeans({ nClusters: 3, seed: 5, batchSize: 40, maxNoImprovement: null });
    km.fitSync(X, {
      onIteration: (info) => {
        seen.push(info.iter);
        expect(info.objective).toBeGreaterThan(0);
        if (info.iter >= 4) return false;
      },
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(km.nSteps).toBe(4);
  });
});

describe('MiniBatchKMeans bad input', () => {
  it('rejects bad options naming them', () => {
    expect(() => new MiniBatchKMeans({ nClusters: 3, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new MiniBatchKMeans({ nClusters: 3, batchSize: 0 })).toThrow(RangeError);
    expect(() => new MiniBatchKMeans({ nClusters: 3, maxNoImprovement: -1 })).toThrow(/maxNoImprovement/);
    expect(() => new MiniBatchKMeans({ nClusters: 3, reassignmentRatio: -0.1 })).toThrow(/reassignmentRatio/);
    expect(() => new MiniBatchKMeans({ nClusters: 3, initSize: 0 })).toThrow(/initSize/);
    expect(() => new MiniBatchKMeans({ nClusters: 3, computeLabels: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => new MiniBatchKMeans({ nClusters: 3, standardize: true } as never)).toThrow(/Unknown option 'standardize'/);
    expect(() => new MiniBatchKMeans({ nClusters: 2, init: [[0, 0]] })).toThrow(/init has 1 row/);
  });

  it('partialFit: a first batch smaller than K, another D, bad weights; the model is kept', () => {
    const km = new MiniBatchKMeans({ nClusters: 3, seed: 1 });
    expect(() => km.partialFit([[1, 2]])).toThrow(RangeError);
    expect(km.isFitted).toBe(false);
    km.partialFit(X);
    const before = km.toJSON();
    expect(() => km.partialFit([[1, 2, 3]])).toThrow(/features/);
    expect(() => km.partialFit([[1, Number.NaN]])).toThrow(/row 0/);
    expect(() => km.partialFit([[1, 2]], { sampleWeight: [-1] })).toThrow(/sampleWeight/);
    expect(() => km.partialFit([[1, 2]], { weights: [1] } as never)).toThrow(/Unknown option 'weights'/);
    expect(km.toJSON()).toEqual(before);
  });

  it('weights whose sums overflow: fit and partialFit refuse, the model is kept', () => {
    const rows = Array.from({ length: 200 }, (_, i) => [Math.sin(i) + (i % 2) * 4, Math.cos(i)]);
    const notFinite = expect.objectContaining({ code: 'ERR_GAUSSMIX_ILL_CONDITIONED' }) as Error;
    // Weights whose own sum overflows are refused as they are read; smaller ones still overflow
    // the counts a centre absorbs over the steps.
    expect(() => new MiniBatchKMeans({ nClusters: 2, seed: 1 }).fitSync(rows, { sampleWeight: new Array(200).fill(1e308) })).toThrow(
      /sampleWeight sums to more than the largest float64/,
    );
    for (const w of [8e305, 1e305]) {
      // (NaN centres, counts Infinity and every row predicted 0 before.)
      expect(() => new MiniBatchKMeans({ nClusters: 2, seed: 1, warnings: 'silent' }).fitSync(rows, { sampleWeight: new Array(200).fill(w) })).toThrow(notFinite);
    }
    const km = new MiniBatchKMeans({ nClusters: 2, seed: 1 }).fitSync(rows);
    const before = km.toJSON();
    expect(() => km.fitSync(rows, { sampleWeight: new Array(200).fill(8e305) })).toThrow(notFinite);
    expect(() => km.partialFit(rows, { sampleWeight: new Array(200).fill(8e305) })).toThrow(notFinite);
    expect(km.toJSON()).toEqual(before);
    // Large but not overflowing: fitted, finite.
    const ok = new MiniBatchKMeans({ nClusters: 2, seed: 1 }).fitSync(rows, { sampleWeight: new Array(200).fill(1e300) });
    for (const v of [...ok.clusterCenters.data, ...ok.counts, ok.inertia]) expect(Number.isFinite(v)).toBe(true);
  });

  it('X set to NaN during an asynchronous fit: rejects as the other estimators, the model is kept', async () => {
    const big = blobs(3, 100000, 3, 3);
    const m = new MiniBatchKMeans({ nClusters: 3, seed: 1, maxIter: 50, tol: 0, maxNoImprovement: null }).fitSync(X);
    const before = m.toJSON();
    let steps = 0;
    const fit = m.fit(big, {
      onIteration: () => {
        if (++steps === 3) big.data.fill(NaN, 0, 30000);
      },
    });
    await expect(fit).rejects.toThrow(expect.objectContaining({ code: 'ERR_GAUSSMIX_ILL_CONDITIONED' }) as Error);
    expect(m.toJSON()).toEqual(before);
  });

  it('fit: more clusters than rows, init of another D', () => {
    expect(() => new MiniBatchKMeans({ nClusters: 5 }).fitSync([[1], [2]])).toThrow(RangeError);
    expect(() => new MiniBatchKMeans({ nClusters: 1, init: [[0, 0, 0]] }).fitSync([[1, 2]])).toThrow(/init has 3 features/);
    expect(() => new MiniBatchKMeans({ nClusters: 1 }).predict([[1]])).toThrow(/not fitted|before/i);
  });
});

describe('MiniBatchKMeans JSON', () => {
  it('round-trips through JSON text and continues partialFit bit-identically', () => {
    const km = new MiniBatchKMeans({ nClusters: 3, seed: 21, batchSize: 25, reassignmentRatio: 0.2 }).fitSync(X);
    const copy = MiniBatchKMeans.fromJSON(JSON.parse(JSON.stringify(km)));
    expectIdentical(copy.predict(X), km.predict(X), 'predict');
    expect(copy.toJSON()).toEqual(km.toJSON());
    const Y = blobs(12, 60, 3, 2);
    for (let i = 0; i < 60; i += 10) {
      km.partialFit(Y.data.subarray(i * 2, i * 2 + 20).reduce<number[][]>((rows, v, j) => (j % 2 ? rows[rows.length - 1]!.push(v) : rows.push([v]), rows), []));
      copy.partialFit(Array.from({ length: 10 }, (_, r) => [Y.data[(i + r) * 2]!, Y.data[(i + r) * 2 + 1]!]));
    }
    expect(copy.toJSON()).toEqual(km.toJSON());
    expectIdentical(copy.clusterCenters.data, km.clusterCenters.data, 'centres after partialFit');
  });

  it('round-trips a model without labels and an unfitted one; rejects a bad state', () => {
    const km = new MiniBatchKMeans({ nClusters: 3, seed: 2, computeLabels: false, maxNoImprovement: null, initSize: 40 }).fitSync(X);
    const copy = MiniBatchKMeans.fromJSON(JSON.parse(JSON.stringify(km)));
    expect(copy.toJSON()).toEqual(km.toJSON());
    expect(() => copy.labels).toThrow(RangeError);
    expect(MiniBatchKMeans.fromJSON(new MiniBatchKMeans({ nClusters: 2 }).toJSON()).isFitted).toBe(false);
    const bad = JSON.parse(JSON.stringify(km));
    bad.state.counts = [1, 2];
    expect(() => MiniBatchKMeans.fromJSON(bad)).toThrow(/state\.counts/);
    const wrongKind = { ...km.toJSON(), kind: 'KMeans' };
    expect(() => MiniBatchKMeans.fromJSON(wrongKind)).toThrow(RangeError);
  });
});
