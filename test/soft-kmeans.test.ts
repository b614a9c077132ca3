// SoftKMeans (MacKay's soft K-means) against the real native addon: a plain float64 reference
// implementation written here, stiffness at both extremes (large β on unscaled data; β → ∞
// reaching hard K-means), the objective's monotonicity, the weights attribute and sample
// weights, input errors, JSON, and the shared fit protocol.
import { describe, expect, it } from 'vitest';

import { ErrorCode, KMeans, SoftKMeans, type NDArray } from '../lib/index.js';
import { expectClose, expectIdentical, maxAbs } from './helpers/compare.js';
import { overflowingStatistics } from './helpers/overflow.js';
import { caught, describeFitProtocol, expectCode, expectCorruptionsRejected, type Corruption } from './helpers/protocol.js';
import { mulberry32, repeatRows, sampleMixture, THREE_CLUSTERS, toRows } from './helpers/random.js';

const D = 3;
const N = 500;
const { data } = sampleMixture(31, THREE_CLUSTERS, N);
const X: NDArray = { data, shape: [N, D] };

/** Explicit starting centres near (not at) the three true means. */
const START = THREE_CLUSTERS.map((c) => c.mean.map((v, j) => v + (j === 0 ? 0.7 : -0.4)));

/** X standardised per feature (zero mean, unit population variance). */
function standardise(x: NDArray): NDArray {
  const [n, d] = x.shape as [number, number];
  const out = new Float64Array(x.data);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += out[i * d + j] as number;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((out[i * d + j] as number) - mean) ** 2;
    const sd = Math.sqrt(v / n);
    for (let i = 0; i < n; i++) out[i * d + j] = ((out[i * d + j] as number) - mean) / sd;
  }
  return { data: out, shape: [n, d] };
}

/**
 * MacKay's soft K-means in plain float64, straight from the definition: for `iterations`
 * iterations, r_nk = exp(−β/2‖xₙ − μₖ‖²) / Σ_j exp(−β/2‖xₙ − μ_j‖²) (by log-sum-exp), then
 * μₖ = Σₙ wₙ r_nk xₙ / Σₙ wₙ r_nk. The objective of an iteration is the mean log-likelihood
 * (per unit weight) of the equal-weight spherical mixture with variance 1/β, at the means
 * before that iteration's update. `weights` is Σₙ wₙ r_nk / Σₙ wₙ under the final means.
 */
function softReference(
  x: number[][],
  w: number[],
  start: number[][],
  beta: number,
  iterations: number,
): { means: number[][]; objective: number; weights: number[] } {
  const k = start.length;
  const d = start[0]!.length;
  let means = start.map((r) => r.slice());
  let objective = -Infinity;
  const logNorm = Math.log(1 / k) + (d / 2) * Math.log(beta / (2 * Math.PI));
  const estep = (mu: number[][]) => {
    const nk = new Array<number>(k).fill(0);
    const sx = mu.map(() => new Array<number>(d).fill(0));
    let ll = 0;
    let total = 0;
    x.forEach((xn, n) => {
      const v = mu.map((m) => -0.5 * beta * m.reduce((s, mj, j) => s + (xn[j]! - mj) ** 2, 0));
      const top = Math.max(...v);
      const norm = top + Math.log(v.reduce((s, vk) => s + Math.exp(vk - top), 0));
      ll += w[n]! * (norm + logNorm);
      total += w[n]!;
      v.forEach((vk, c) => {
        const r = w[n]! * Math.exp(vk - norm);
        nk[c]! += r;
        xn.forEach((xj, j) => (sx[c]![j]! += r * xj));
      });
    });
    return { nk, sx, objective: ll / total, total };
  };
  for (let it = 0; it < iterations; it++) {
    const e = estep(means);
    objective = e.objective;
    means = means.map((m, c) => (e.nk[c]! > 0 ? e.sx[c]!.map((s) => s / e.nk[c]!) : m));
  }
  const last = estep(means);
  return { means, objective, weights: last.nk.map((v) => v / last.total) };
}

describe('against a plain float64 reference', () => {
  // Relative 1e-12 (floor 1e-12 × the largest |value|, for a coordinate near 0): the same
  // arithmetic, summed in another order (native: row blocks, vectorised exp, a product for
  // Σ r x). Each sum over 500 rows carries ~N·eps ≈ 1e-13 relative, and a few EM iterations
  // (a contraction on these well-separated clusters) do not amplify it: observed ~1e-15.
  const RTOL = 1e-12;
  const x = toRows(data, D);

  it.each([
    ['β = 2, unweighted', 2, undefined],
    ['β = 0.5 (very soft), weighted', 0.5, Array.from({ length: N }, (_, i) => [0.5, 1, 2.5, 0][i % 4]!)],
  ] as const)('%s: means, lowerBound and weights after 5 iterations from explicit centres', (_what, beta, w) => {
    const sk = new SoftKMeans({ nClusters: 3, stiffness: beta, init: START, tol: 0, maxIter: 5 });
    sk.fitSync(X, w ? { sampleWeight: w } : undefined);
    const ref = softReference(x, w ? [...w] : new Array<number>(N).fill(1), START, beta, 5);
    expect(sk.nIter).toBe(5);
    expect(sk.converged).toBe(false);
    const dev = [
      expectClose(sk.means, ref.means, RTOL, RTOL * maxAbs(ref.means), 'means'),
      expectClose(sk.lowerBound, ref.objective, RTOL, 0, 'lowerBound'),
      expectClose(sk.weights, ref.weights, RTOL, 0, 'weights'),
    ];
    console.log(`[soft reference] ${_what}: max rel dev ${Math.max(...dev).toExponential(2)}`);
    // The responsibilities are those of the equal-weight spherical mixture with variance 1/β.
    const proba = sk.predictProba(X);
    const rowSums = Array.from({ length: N }, (_, i) => proba.data.subarray(i * 3, i * 3 + 3).reduce((a, b) => a + b, 0));
    expectClose(rowSums, new Array<number>(N).fill(1), 1e-14, 0, 'rows of predictProba sum to 1');
  });

  it('score(X) is the objective of the fitted means (the next iteration would report it)', () => {
    const sk = new SoftKMeans({ nClusters: 3, stiffness: 2, init: START, tol: 0, maxIter: 5 }).fitSync(X);
    const next = softReference(x, new Array<number>(N).fill(1), toRows(sk.means.data as Float64Array, D), 2, 1);
    // Relative 1e-12, as above.
    expectClose(sk.score(X), next.objective, 1e-12, 0, 'score');
  });
});

/** The smallest gap between a row's nearest and second-nearest squared distance to the centres. */
function minGap(x: NDArray, centres: NDArray): number {
  const [n, d] = x.shape as [number, number];
  const k = centres.shape[0] as number;
  let gap = Infinity;
  for (let i = 0; i < n; i++) {
    const d2 = Array.from({ length: k }, (_, c) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x.data[i * d + j]! - centres.data[c * d + j]!) ** 2;
      return s;
    }).sort((a, b) => a - b);
    gap = Math.min(gap, d2[1]! - d2[0]!);
  }
  return gap;
}

describe('stiffness', () => {
  it('β = 1000 on unscaled data (values ~1e3) gives finite means and no NaN', () => {
    const big = new Float64Array(data.length).map((v, i) => 1000 + 300 * v + (i % 3) * 50);
    const Xbig: NDArray = { data: big, shape: [N, D] };
    for (const init of ['k-means++', 'random'] as const) {
      const sk = new SoftKMeans({ nClusters: 3, stiffness: 1000, seed: 2, init }).fitSync(Xbig);
      for (const v of sk.means.data) expect(Number.isFinite(v)).toBe(true);
      expect(Number.isFinite(sk.lowerBound)).toBe(true);
      for (const v of sk.weights) expect(Number.isFinite(v)).toBe(true);
      for (const v of sk.predictProba(Xbig).data) expect(Number.isNaN(v)).toBe(false);
      for (const v of sk.scoreSamples(Xbig)) expect(Number.isFinite(v)).toBe(true);
      // Every mean is a weighted mean of data rows, so it lies in the data's range (to
      // rounding: 1e-12 relative, a mean of ~1e3 values computed as Σ r·x / Σ r).
      for (let j = 0; j < D; j++) {
        const col = Array.from({ length: N }, (_, i) => big[i * D + j]!);
        for (let c = 0; c < 3; c++) {
          const m = sk.means.data[c * D + j]!;
          expect(m).toBeGreaterThanOrEqual(Math.min(...col) * (1 - 1e-12));
          expect(m).toBeLessThanOrEqual(Math.max(...col) * (1 + 1e-12));
        }
      }
    }
  });

  it('β = 1e308 (no bound): a fit refuses it; a loaded model scores -Infinity off the means, never NaN', () => {
    expectCode(caught(() => new SoftKMeans({ nClusters: 3, stiffness: 1e308, seed: 1 }).fitSync(X)), Error, ErrorCode.ILL_CONDITIONED);
    const json = new SoftKMeans({ nClusters: 3, seed: 1 }).fitSync(X).toJSON();
    const loaded = SoftKMeans.fromJSON({ ...json, options: { ...json.options, stiffness: 1e308 } });
    const scores = loaded.scoreSamples(X);
    for (const v of scores) expect(Number.isNaN(v)).toBe(false);
    expect(scores).toContain(-Infinity);
    for (const v of loaded.predictProba(X).data) expect(Number.isFinite(v)).toBe(true);
    // At a mean the density is finite: log(1/K) + D/2·log(β/2π).
    const atMean = loaded.scoreSamples({ data: loaded.means.data.subarray(0, D), shape: [1, D] })[0]!;
    expect(atMean).toBeCloseTo(Math.log(1 / 3) + (D / 2) * Math.log(1e308 / (2 * Math.PI)), 6);
  });

  it('as β grows (1e2, 1e4, 1e6) the result reaches hard K-means from the same start', () => {
    const Z = standardise(X);
    const zStart = [0, 1, 2].map((c) => Array.from(Z.data.subarray(c * 40 * D, c * 40 * D + D))); // three data rows
    const hard = new KMeans({ nClusters: 3, init: zStart, tol: 0 }).fitSync(Z);
    expect(hard.converged).toBe(true);
    const gaps: number[] = [];
    for (const beta of [1e2, 1e4, 1e6]) {
      const sk = new SoftKMeans({ nClusters: 3, stiffness: beta, init: zStart, tol: 1e-13, maxIter: 300 }).fitSync(Z);
      let gap = 0;
      for (let i = 0; i < sk.means.data.length; i++) gap = Math.max(gap, Math.abs(sk.means.data[i]! - hard.clusterCenters.data[i]!));
      gaps.push(gap);
      if (beta === 1e6) {
        // ~1e-9: at β = 1e6 every responsibility is 0 or 1 up to exp(−β/2·Δd²) < 1e-200, Δd²
        // being the gap between a sample's nearest and second-nearest squared distances (> 1e-3,
        // asserted below), so the fixed point is Lloyd's; only the summation differs (centred
        // or not, row blocks): ~1e-15.
        expect(minGap(Z, hard.clusterCenters)).toBeGreaterThan(1e-3);
        expectClose(sk.means, hard.clusterCenters, 1e-9, 1e-9, 'means at β = 1e6 vs KMeans centres');
        expect(Array.from(sk.predict(Z))).toEqual(Array.from(hard.labels));
        expectClose(sk.weights, hard.weights, 1e-12, 0, 'weights at β = 1e6 vs KMeans weights');
      }
    }
    console.log(`[soft → hard] max |μ − c| at β = 1e2, 1e4, 1e6: ${gaps.map((g) => g.toExponential(2)).join(', ')}`);
    expect(gaps[0]!).toBeGreaterThan(gaps[2]!);
    expect(gaps[1]!).toBeGreaterThanOrEqual(gaps[2]!);
  });
});

describe('objective', () => {
  it('the objective reported by onIteration never decreases within a restart', () => {
    const seen = new Map<number, number[]>();
    const sk = new SoftKMeans({ nClusters: 4, stiffness: 1.5, seed: 3, nInit: 3, tol: 0, maxIter: 60 });
    sk.fitSync(X, {
      onIteration: (i) => {
        const list = seen.get(i.init) ?? [];
        // change is objective − previous, +∞ on the first iteration (from −∞).
        expect(i.change).toBe(list.length === 0 ? Infinity : i.objective - list[list.length - 1]!);
        list.push(i.objective);
        seen.set(i.init, list);
      },
    });
    expect([...seen.keys()]).toEqual([0, 1, 2]);
    for (const list of seen.values()) {
      expect(list.length).toBe(60);
      for (let i = 1; i < list.length; i++) {
        // EM never decreases the log-likelihood; near convergence successive values agree to
        // the last bits, so allow rounding: 1e-13 relative (~N·eps of a sum over 500 rows).
        expect(list[i]!).toBeGreaterThanOrEqual(list[i - 1]! - 1e-13 * Math.abs(list[i - 1]!));
      }
    }
    // The best restart is kept: lowerBound is the largest final objective.
    expect(sk.lowerBound).toBe(Math.max(...[...seen.values()].map((l) => l[l.length - 1]!)));
  });

  it('converges on the largest |Δμ| < tol (strict), so tol 0 runs maxIter iterations', () => {
    const a = new SoftKMeans({ nClusters: 3, stiffness: 2, init: START }).fitSync(X);
    expect(a.converged).toBe(true);
    expect(a.nIter).toBeLessThan(100);
    const b = new SoftKMeans({ nClusters: 3, stiffness: 2, init: START, tol: 0, maxIter: 40 }).fitSync(X);
    expect(b.converged).toBe(false);
    expect(b.nIter).toBe(40);
  });
});

describe('weights and sample weights', () => {
  it('weights are the mean responsibilities of the training data, predict the nearest mean', () => {
    const sk = new SoftKMeans({ nClusters: 3, stiffness: 1, seed: 5 }).fitSync(X);
    const proba = sk.predictProba(X);
    const share = [0, 1, 2].map((c) => Array.from({ length: N }, (_, i) => proba.data[i * 3 + c]!).reduce((a, b) => a + b, 0) / N);
    // Relative 1e-13: the same N terms summed in another order.
    expectClose(sk.weights, share, 1e-13, 0, 'weights');
    expectClose(sk.weights.reduce((a, b) => a + b, 0), 1, 1e-14, 0, 'Σ weights');
    const labels = sk.predict(X);
    for (let i = 0; i < N; i++) {
      const d = [0, 1, 2].map((c) => [0, 1, 2].reduce((s, j) => s + (data[i * D + j]! - sk.means.data[c * D + j]!) ** 2, 0));
      expect(labels[i]).toBe(d.indexOf(Math.min(...d)));
    }
  });

  // Explicit start and tol 0, so both sides run the same number of iterations. Relative 1e-12
  // (floor 1e-12 × scale): the same sums grouped differently (w·r·x against repeated rows, other
  // row blocks): ~N·eps per sum, not amplified by a few EM iterations.
  function expectRepetition(w: number[]): void {
    const options = { nClusters: 3, stiffness: 1.5, init: START, tol: 0, maxIter: 12 };
    const weighted = new SoftKMeans(options).fitSync(X, { sampleWeight: w });
    const repeated = new SoftKMeans(options).fitSync(repeatRows(data, D, w));
    expectClose(weighted.means, repeated.means, 1e-12, 1e-12 * maxAbs(repeated.means), 'means');
    expectClose(weighted.weights, repeated.weights, 1e-12, 0, 'weights');
    expectClose(weighted.lowerBound, repeated.lowerBound, 1e-12, 0, 'lowerBound');
    expect(weighted.nIter).toBe(repeated.nIter);
  }

  it('integer weights are duplicated rows', () => {
    const rng = mulberry32(77);
    expectRepetition(Array.from({ length: N }, () => Math.floor(rng() * 5))); // 0..4
  });

  it('zero weights are dropped rows', () => {
    expectRepetition(Array.from({ length: N }, (_, i) => (i % 6 === 1 ? 0 : 1)));
  });

  it('maximise refuses statistics of total weight 0 or non-finite sums; the model is unchanged', () => {
    const sk = new SoftKMeans({ nClusters: 3, seed: 1, maxIter: 3 }).fitSync(X);
    const before = sk.toJSON();
    // (Weights 1/K, NaN means and weights before: a model its own fromJSON refused.)
    expect(() => sk.maximise(sk.statistics(X, { sampleWeight: new Float64Array(N) }))).toThrow(
      expect.objectContaining({ name: 'RangeError', message: 'stats weigh nothing: their rows have total weight 0' }) as Error,
    );
    const huge = overflowingStatistics(sk, X);
    expectCode(caught(() => sk.maximise(huge)), Error, ErrorCode.ILL_CONDITIONED);
    const far = sk.statistics([[1e10, 1e10, 1e10]], { sampleWeight: [1e300] });
    expect((caught(() => sk.maximise(far)) as Error).message).toMatch(/log-likelihood is -Infinity/);
    expect(sk.toJSON()).toEqual(before);
  });

  it('only relative weights matter', () => {
    const w = Array.from({ length: N }, (_, i) => 1 + (i % 3));
    const a = new SoftKMeans({ nClusters: 3, init: START, tol: 0, maxIter: 8 }).fitSync(X, { sampleWeight: w });
    const b = new SoftKMeans({ nClusters: 3, init: START, tol: 0, maxIter: 8 }).fitSync(X, { sampleWeight: w.map((v) => v * 4) });
    // Scaling every weight by 4 is exact in binary floating point, so the results are identical.
    expectIdentical(a.means, b.means, 'means');
    expectIdentical(a.weights, b.weights, 'weights');
  });
});

describe('input errors', () => {
  const cases: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
    ['nClusters missing', () => new SoftKMeans({} as never), TypeError, /nClusters .*required/],
    ['stiffness 0', () => new SoftKMeans({ nClusters: 2, stiffness: 0 }), RangeError, /finite number > 0 for stiffness but received 0/],
    ['stiffness -1', () => new SoftKMeans({ nClusters: 2, stiffness: -1 }), RangeError, /stiffness but received -1/],
    ['stiffness NaN', () => new SoftKMeans({ nClusters: 2, stiffness: NaN }), RangeError, /stiffness but received NaN/],
    ['stiffness Infinity', () => new SoftKMeans({ nClusters: 2, stiffness: Infinity }), RangeError, /stiffness but received Infinity/],
    ['stiffness "1"', () => new SoftKMeans({ nClusters: 2, stiffness: '1' as never }), TypeError, /stiffness but received '1'/],
    ['unknown option', () => new SoftKMeans({ nClusters: 2, beta: 2 } as never), RangeError, /Unknown option 'beta' in SoftKMeans options/],
    ['tol < 0', () => new SoftKMeans({ nClusters: 2, tol: -1e-9 }), RangeError, /tol but received -1e-9/],
    ['init rows', () => new SoftKMeans({ nClusters: 2, init: [[1, 2, 3]] }), RangeError, /init has 1 row \(starting centres\), but nClusters is 2/],
    ['init D', () => new SoftKMeans({ nClusters: 3, init: [[1], [2], [3]] }).fitSync(X), RangeError, /init has 1 feature, but X has 3/],
    ['K > N', () => new SoftKMeans({ nClusters: 4 }).fitSync([[1], [2], [3]]), RangeError, /nClusters \(4\) exceeds the number of samples \(3\)/],
    ['weights all zero', () => new SoftKMeans({ nClusters: 1 }).fitSync([[1], [2]], { sampleWeight: [0, 0] }), RangeError, /sampleWeight must not be all zero/],
    ['X ragged', () => new SoftKMeans({ nClusters: 1 }).fitSync([[1, 2], [3]]), RangeError, /X has ragged rows/],
  ];

  it.each(cases)('%s', (_what, fn, cls, re) => {
    const err = caught(fn);
    expectCode(err, cls, ErrorCode.INVALID_ARGUMENT);
    expect((err as Error).message).toMatch(re);
  });

  it('not fitted, and D checked against the fitted model', () => {
    const sk = new SoftKMeans({ nClusters: 3, seed: 1 });
    expect(sk.stiffness).toBe(1);
    for (const get of [() => sk.means, () => sk.weights, () => sk.lowerBound, () => sk.nIter, () => sk.predict(X), () => sk.predictProba(X), () => sk.score(X)]) {
      const err = caught(get);
      expectCode(err, Error, ErrorCode.NOT_FITTED);
      expect((err as Error).message).toMatch(/This SoftKMeans instance is not fitted yet/);
    }
    sk.fitSync(X);
    expect(() => sk.predictProba([[1, 2]])).toThrow(/X has 2 features, but this SoftKMeans was fitted with 3/);
  });
});

describe('JSON', () => {
  it('round-trips exactly; the restored model predicts bit-identically', () => {
    const sk = new SoftKMeans({ nClusters: 3, stiffness: 2.5, seed: 4, nInit: 2 }).fitSync(X, {
      sampleWeight: Array.from({ length: N }, (_, i) => 1 + (i % 2)),
    });
    const json = JSON.parse(JSON.stringify(sk)) as unknown;
    expect(json).toMatchObject({ format: 'gaussmix', version: 1, kind: 'SoftKMeans', options: { stiffness: 2.5 } });
    const back = SoftKMeans.fromJSON(json);
    expect(back).toBeInstanceOf(SoftKMeans);
    expectIdentical(back.means, sk.means, 'means');
    expectIdentical(back.weights, sk.weights, 'weights');
    expect(Object.is(back.lowerBound, sk.lowerBound)).toBe(true);
    expect([back.nIter, back.converged, back.nFeaturesIn, back.stiffness]).toEqual([sk.nIter, sk.converged, sk.nFeaturesIn, sk.stiffness]);
    const probe = sampleMixture(32, THREE_CLUSTERS, 200);
    const P: NDArray = { data: probe.data, shape: [200, D] };
    expectIdentical(back.predict(P), sk.predict(P), 'predict');
    expectIdentical(back.predictProba(P), sk.predictProba(P), 'predictProba');
    expectIdentical(back.scoreSamples(P), sk.scoreSamples(P), 'scoreSamples');
    expect(back.toJSON()).toEqual(sk.toJSON());
    const unfitted = new SoftKMeans({ nClusters: 2, init: [[0], [1]], stiffness: 9 });
    expect(SoftKMeans.fromJSON(JSON.parse(JSON.stringify(unfitted))).toJSON()).toEqual(unfitted.toJSON());
  });

  it('rejects corrupted models, naming the field', () => {
    const sk = new SoftKMeans({ nClusters: 3, seed: 4 }).fitSync(X);
    const cases: Corruption[] = [
      [(j) => void (j.kind = 'KMeans'), RangeError, /expected kind to be 'SoftKMeans'/],
      [(j) => void (j.options.stiffness = 0), RangeError, /options: .*stiffness/],
      [(j) => void (j.state.means = [[1, 2, 3]]), RangeError, /state\.means has shape \[1, 3\], but \[nClusters, nFeaturesIn\] = \[3, 3\]/],
      [(j) => void (j.state.weights = [1, 0, 0.5]), RangeError, /state\.weights must sum to 1/],
      [(j) => void (j.state.lowerBound = null), TypeError, /state\.lowerBound/],
      [(j) => void (j.state.labels = []), RangeError, /unknown field state\.labels/],
    ];
    expectCorruptionsRejected(sk, (j) => SoftKMeans.fromJSON(j), 'SoftKMeans.fromJSON', cases);
  });
});

describeFitProtocol('SoftKMeans', {
  make: (o) => new SoftKMeans({ nClusters: 3, stiffness: 2, seed: 1, nInit: o?.nInit ?? 1 }),
  X,
  // tol 0: runs until aborted; each iteration is an E-step over 50,000 × 40 (a few ms).
  slow: () => {
    const rng = mulberry32(9);
    const big = new Float64Array(50_000 * 2).map(() => rng());
    return { model: new SoftKMeans({ nClusters: 40, stiffness: 50, tol: 0, maxIter: 1_000_000, seed: 1 }), data: { data: big, shape: [50_000, 2] } };
  },
});

describe('SoftKMeans as a density: nParameters, bic, aic, sample', () => {
  const beta = 4;
  const sk = new SoftKMeans({ nClusters: 3, stiffness: beta, seed: 5, init: START }).fitSync(X);

  it('bic and aic are -2·score·N plus K·D·ln N and 2·K·D', () => {
    expect(sk.nParameters).toBe(3 * D);
    const logL = sk.score(X) * N;
    expectClose(sk.bic(X), -2 * logL + 3 * D * Math.log(N), 1e-14, 0, 'bic');
    expectClose(sk.aic(X), -2 * logL + 2 * 3 * D, 1e-14, 0, 'aic');
  });

  it('sample draws each cluster with probability 1/K from N(μ_k, I/β); one draw by default; seeded', () => {
    const n = 30_000;
    const { X: S, labels } = sk.sample(n, 11);
    expect(S.shape).toEqual([n, D]);
    const means = sk.means.data;
    for (let k = 0; k < 3; k++) {
      const rows = [...labels.keys()].filter((i) => labels[i] === k);
      // 1/K of the draws, within 5 standard deviations of a binomial count.
      expect(Math.abs(rows.length - n / 3)).toBeLessThan(5 * Math.sqrt((n * 2) / 9));
      for (let j = 0; j < D; j++) {
        const v = rows.map((i) => S.data[i * D + j] as number);
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
        expect(Math.abs(mean - (means[k * D + j] as number))).toBeLessThan(5 * Math.sqrt(1 / beta / v.length));
        expect(Math.abs(variance * beta - 1)).toBeLessThan(0.06);
      }
    }
    expect(sk.sample().X.shape).toEqual([1, D]);
    expectIdentical(sk.sample(5, 3).X.data, sk.sample(5, 3).X.data, 'same seed');
  });

  it('sample and bic before fitting are not-fitted errors, before argument errors', () => {
    const unfitted = new SoftKMeans({ nClusters: 3 });
    expectCode(caught(() => unfitted.sample(-1)), Error, ErrorCode.NOT_FITTED);
    expectCode(caught(() => unfitted.bic('x' as never)), Error, ErrorCode.NOT_FITTED);
    expect(() => sk.sample(0)).toThrow(RangeError);
  });

  it('with standardize, samples are in the original units', () => {
    const scaled = new Float64Array(data).map((v, i) => (i % D === 0 ? v * 1000 + 5e4 : v));
    const m = new SoftKMeans({ nClusters: 3, stiffness: 0.5, seed: 5, standardize: true }).fitSync({ data: scaled, shape: [N, D] });
    const { X: S, labels } = m.sample(3000, 2);
    const centre = m.means.data;
    let far = 0;
    for (let i = 0; i < 3000; i++) far = Math.max(far, Math.abs((S.data[i * D] as number) - (centre[(labels[i] as number) * D] as number)));
    expect(far).toBeGreaterThan(100);  // the first feature's spread is in thousands, not ~1
    expect(far).toBeLessThan(1e5);
  });
});
