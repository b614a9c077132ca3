/**
 * BayesianGaussianMixture's contract beyond the scikit-learn fixtures: the Dirichlet process
 * switching off unneeded components, option and input checks, the fit protocol (fit equals
 * fitSync, any thread count, warm start, abort), JSON, prune, sample, and the statistics seam
 * (statistics + maximise is the next iteration; fitStream equals fit from the same start).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  AbortError,
  BayesianGaussianMixture,
  BLOCK_ROWS,
  getMaxThreads,
  setMaxThreads,
  type BayesianGaussianMixtureOptions,
  SKLEARN_COVARIANCE_TYPES,
  type GaussmixWarning,
  type NDArray,
  type StreamBatch,
} from '../lib/index.js';
import { mulberry32, sampleMixture, THREE_CLUSTERS } from './helpers/random.js';
import { overflowingStatistics } from './helpers/overflow.js';

const TYPES = SKLEARN_COVARIANCE_TYPES;
const N = 600;
const D = 3;
const { data } = sampleMixture(5, THREE_CLUSTERS, N);
const X: NDArray = { data, shape: [N, D] };

/** Three unit-variance clusters 10 standard deviations apart. */
const identity = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];
const separated = sampleMixture(
  12,
  [
    { weight: 0.5, mean: [0, 0, 0], cov: identity },
    { weight: 0.3, mean: [10, 0, 0], cov: identity },
    { weight: 0.2, mean: [0, 10, 0], cov: identity },
  ],
  900,
);
const XC: NDArray = { data: separated.data, shape: [900, D] };

/** Seeded starting responsibilities [n, k], rows summing to 1. */
function randomResp(n: number, k: number, seed: number): number[][] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const row = Array.from({ length: k }, () => r() + 0.05);
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / s);
  });
}

/** Everything a fitted model holds, for bit-for-bit comparisons. */
function snapshot(m: BayesianGaussianMixture): unknown {
  const flat = (v: unknown): unknown => (v && typeof v === 'object' && 'data' in v ? Array.from((v as NDArray).data) : v instanceof Float64Array ? Array.from(v) : v);
  return {
    weights: Array.from(m.weights),
    means: flat(m.means),
    covariances: flat(m.covariances),
    precisionsCholesky: flat(m.precisionsCholesky),
    weightConcentration: flat(m.weightConcentration),
    meanPrecision: flat(m.meanPrecision),
    degreesOfFreedom: flat(m.degreesOfFreedom),
    lowerBound: m.lowerBound,
    nIter: m.nIter,
    converged: m.converged,
  };
}

let cap = 0;
beforeAll(() => {
  cap = getMaxThreads();
  setMaxThreads(8); // so that 8 threads are real on a 2-core machine
});
afterAll(() => setMaxThreads(cap === 0 ? 0 : cap));

describe('the Dirichlet process switches off the components the data do not need', () => {
  // (Tied is left out: a shared
  // covariance lets extra components split a cluster at no cost, and scikit-learn keeps 3-7
  // of 10 above 1e-2 there too.)

  it.each(['full', 'diag', 'spherical'] as const)('10 components (%s): exactly 3 weights above 1e-2', (covarianceType) => {
    for (const seed of [1, 2, 3]) {
      const bgm = new BayesianGaussianMixture({ nComponents: 10, covarianceType, seed, maxIter: 1000 }).fitSync(XC);
      expect(Array.from(bgm.weights).filter((w) => w > 1e-2), `seed ${seed}`).toHaveLength(3);
      expect(bgm.converged).toBe(true);
      // prune(1e-2) keeps those three, and labels the rows of the kept components as the full
      // model does (a dropped component may hold a stray row or two).
      const kept = Array.from(bgm.weights).flatMap((w, k) => (w >= 1e-2 ? [k] : []));
      const pruned = bgm.prune(1e-2);
      expect(pruned.nComponents).toBe(3);
      expect(Array.from(pruned.weights).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const full = bgm.predict(XC);
      const mapped = Array.from(pruned.predict(XC), (l) => kept[l]);
      const rows = Array.from(full.keys()).filter((i) => kept.includes(full[i]!));
      expect(rows.length).toBeGreaterThan(890);
      expect(rows.map((i) => mapped[i])).toEqual(rows.map((i) => full[i]));
    }
  });
});

describe('options and input', () => {
  it('defaults are scikit-learn 1.2\'s (the priors from the data)', () => {
    const bgm = new BayesianGaussianMixture({ nComponents: 4, seed: 1 }).fitSync(X);
    const p = bgm.priors;
    expect(p.weightConcentrationPriorType).toBe('dirichlet_process');
    expect(p.weightConcentrationPrior).toBe(1 / 4);
    expect(p.meanPrecisionPrior).toBe(1);
    expect(p.degreesOfFreedomPrior).toBe(D);
    for (let j = 0; j < D; j++) {
      let m = 0;
      for (let i = 0; i < N; i++) m += data[i * D + j]!;
      expect(p.meanPrior[j]).toBeCloseTo(m / N, 12);
    }
    expect((p.covariancePrior as NDArray).shape).toEqual([D, D]);
    expect(bgm.weightConcentration).toHaveProperty('shape', [2, 4]);
    const dirichlet = new BayesianGaussianMixture({ nComponents: 4, weightConcentrationPriorType: 'dirichlet_distribution', seed: 1 }).fitSync(X);
    expect(dirichlet.weightConcentration).toBeInstanceOf(Float64Array);
    const tied = new BayesianGaussianMixture({ nComponents: 4, covarianceType: 'tied', seed: 1 }).fitSync(X);
    expect(new Set(tied.degreesOfFreedom).size).toBe(1);
  });

  it('rejects bad options with a TypeError or RangeError naming them', () => {
    const make = (o: Partial<BayesianGaussianMixtureOptions>) => () => new BayesianGaussianMixture({ nComponents: 3, ...o });
    expect(make({ nope: 1 } as never)).toThrow(/Unknown option 'nope'/);
    expect(make({ weightConcentrationPrior: 0 })).toThrow(RangeError);
    expect(make({ meanPrecisionPrior: -1 })).toThrow(/meanPrecisionPrior/);
    expect(make({ weightConcentrationPriorType: 'dp' as never })).toThrow(/weightConcentrationPriorType/);
    expect(make({ covariancePrior: [[1, 2], [2, 1]] })).toThrow(/covariancePrior must be positive definite/);
    expect(make({ covariancePrior: [[1, 0.5], [0, 1]] })).toThrow(/symmetric/);
    expect(make({ covarianceType: 'diag', covariancePrior: [1, -1] })).toThrow(/covariancePrior\[1\] must be positive/);
    expect(make({ covarianceType: 'spherical', covariancePrior: [1] })).toThrow(TypeError);
    // mclust's names and its 'hc' start are GaussianMixture's only (no variational posterior).
    expect(make({ covarianceType: 'VVV' as never })).toThrow(/covarianceType/);
    expect(make({ init: 'hc' as never })).toThrow(/init/);
    expect(make({ init: 'random', responsibilitiesInit: [[1, 0, 0]] })).toThrow(/at most one of init and responsibilitiesInit/);
    expect(make({ responsibilitiesInit: [[1, 0]] })).toThrow(/3\) columns/);
    expect(make({ responsibilitiesInit: [[1, -1, 0]] })).toThrow(/responsibilitiesInit\[0\]\[1\]/);
    expect(make({ responsibilitiesInit: [[0, 0, 0]] })).toThrow(/row 0 must have a positive sum/);
    expect(make({ degreesOfFreedomPrior: 'x' as never })).toThrow(TypeError);
    // Beyond 1e250 the bound overflows (before: ILL_CONDITIONED, "standardise the features").
    for (const name of ['weightConcentrationPrior', 'meanPrecisionPrior', 'degreesOfFreedomPrior'] as const) {
      expect(make({ [name]: 1e308 }), name).toThrow(new RegExp(`<= 1e250 for ${name} but received 1e\\+308: a larger prior overflows`));
      expect(make({ [name]: 1e250 }), name).not.toThrow();
    }
  });

  it('checks the priors and responsibilitiesInit against X at fit time, keeping the model', async () => {
    const fitted = new BayesianGaussianMixture({ nComponents: 3, seed: 2, degreesOfFreedomPrior: 2 });
    expect(() => fitted.fitSync(X)).toThrow(/degreesOfFreedomPrior must be greater than nFeatures - 1 \(2\)/);
    await expect(new BayesianGaussianMixture({ nComponents: 3, meanPrior: [0, 0] }).fit(X)).rejects.toThrow(/meanPrior has 2 values/);
    await expect(new BayesianGaussianMixture({ nComponents: 3, covariancePrior: [[1, 0], [0, 1]] }).fit(X)).rejects.toThrow(
      /covariancePrior must have shape \[3, 3\]/,
    );
    await expect(new BayesianGaussianMixture({ nComponents: 3, responsibilitiesInit: randomResp(5, 3, 1) }).fit(X)).rejects.toThrow(
      /responsibilitiesInit has 5 rows, but X has 600/,
    );
    const good = new BayesianGaussianMixture({ nComponents: 3, seed: 2 }).fitSync(X);
    const before = snapshot(good);
    await expect(good.fit([[1, NaN, 2]])).rejects.toThrow(RangeError);
    expect(snapshot(good)).toEqual(before);
  });

  it('a constant feature: the default covariancePrior is singular, and taken (as scikit-learn takes it)', () => {
    const flat = Array.from({ length: 50 }, (_, i) => [i % 7, 3, (i * 13) % 5]);
    for (const covarianceType of ['full', 'tied', 'diag', 'spherical'] as const) {
      const m = new BayesianGaussianMixture({ nComponents: 2, covarianceType, seed: 1 }).fitSync(flat);
      const psi = m.toJSON().state!.priors.covariancePrior;
      // The constant feature's entries of Ψ₀ are 0 (its row and column for full and tied).
      if (covarianceType === 'full' || covarianceType === 'tied') expect([psi[3], psi[4], psi[5], psi[1], psi[7]]).toEqual([0, 0, 0, 0, 0]);
      if (covarianceType === 'diag') expect(psi[1]).toBe(0);
      // Every posterior scale adds n_k·regCovar, so the fit is finite and round-trips.
      expect(Array.from(m.scoreSamples(flat)).every(Number.isFinite), covarianceType).toBe(true);
      const back = BayesianGaussianMixture.fromJSON(JSON.parse(JSON.stringify(m)));
      expect(Array.from(back.scoreSamples(flat))).toEqual(Array.from(m.scoreSamples(flat)));
    }
    // A given covariancePrior must be positive definite.
    expect(() => new BayesianGaussianMixture({ nComponents: 2, covarianceType: 'diag', covariancePrior: [1, 0, 1] })).toThrow(RangeError);
  });

  it('X whose spread overflows when squared: the default covariancePrior is named as not finite, not as a prior "not positive semidefinite"', () => {
    const far = Array.from({ length: 40 }, (_, i) => [Math.sin(i) * 1e200, Math.cos(i) * 1e200]);
    for (const covarianceType of ['full', 'diag'] as const) {
      expect(() => new BayesianGaussianMixture({ nComponents: 2, covarianceType, seed: 1 }).fitSync(far), covarianceType).toThrow(
        expect.objectContaining({ name: 'RangeError', message: expect.stringMatching(/default covariancePrior \(the covariance of X\) is not finite/) as string }) as Error,
      );
    }
  });

  it('the default covariancePrior needs a sample weight sum above 1: normalised weights are refused, not divided by a rounding error', () => {
    for (const n of [200, 300]) {
      // 1/n summed n times, in any order: 1 within rounding (above or below).
      const w = new Float64Array(N).fill(0);
      w.fill(1 / n, 0, n);
      expect(() => new BayesianGaussianMixture({ nComponents: 2, seed: 1 }).fitSync(X, { sampleWeight: w })).toThrow(
        /needs a sample weight sum above 1, but sampleWeight sums to \S+: sampleWeight are frequencies.*give covariancePrior/,
      );
    }
    const w = new Float64Array(N);
    w[0] = 0.4;
    w[1] = 0.5;
    expect(() => new BayesianGaussianMixture({ nComponents: 2, init: 'random', seed: 1 }).fitSync(X, { sampleWeight: w })).toThrow(
      /sample weight sum above 1, but sampleWeight sums to 0\.9/,
    );
    // Integer weights (frequencies) are fine, as are weights scaled to the number of rows.
    expect(new BayesianGaussianMixture({ nComponents: 2, seed: 1 }).fitSync(X, { sampleWeight: new Float64Array(N).fill(1 / N).map((v) => v * N) }).isFitted).toBe(true);
  });
});

describe('fit protocol', () => {
  it('warnings: not converged, fewer distinct points; where the warnings option says', () => {
    const got: GaussmixWarning[] = [];
    const warnings = (w: GaussmixWarning): void => void got.push(w);
    new BayesianGaussianMixture({ nComponents: 3, seed: 1, maxIter: 2, tol: 0, warnings }).fitSync(X);
    expect(got.map((w) => w.code)).toEqual(['GAUSSMIX_NOT_CONVERGED']);
    got.length = 0;
    const twice = { data: Float64Array.from([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]), shape: [4, 3] };
    new BayesianGaussianMixture({ nComponents: 3, covarianceType: 'diag', seed: 1, warnings, init: 'random' }).fitSync(twice);
    expect(got.map((w) => w.code)).toContain('GAUSSMIX_FEW_DISTINCT_POINTS');
    // Components switched off by the prior are no warning, however small their weights.
    got.length = 0;
    // (The rows start in the first 3 of 30 components: the 27 after them, unused, get stick
    // weights that shrink by α/(1 + α) = 1/31 each, down to ~1e-40.)
    const first3 = Array.from(separated.labels, (c) => Array.from({ length: 30 }, (_, j) => (j === c ? 1 : 0)));
    const many = new BayesianGaussianMixture({ nComponents: 30, responsibilitiesInit: first3, warnings }).fitSync(XC);
    expect(Math.min(...many.weights) * 900).toBeLessThan(1e-8);
    expect(got).toEqual([]);
    const silent = new BayesianGaussianMixture({ nComponents: 3, seed: 1, maxIter: 2, warnings: 'silent' });
    expect(BayesianGaussianMixture.fromJSON(JSON.parse(JSON.stringify(silent))).toJSON()).toEqual(silent.toJSON());
    expect((silent.toJSON() as { options: { warnings?: string } }).options.warnings).toBe('silent');
  });

  it('fit equals fitSync, bit for bit, for any thread count and restarts', async () => {
    const options = { nComponents: 5, covarianceType: 'full' as const, seed: 11, nInit: 2, maxIter: 40, tol: 0 };
    const reference = snapshot(new BayesianGaussianMixture({ ...options, threads: 1 }).fitSync(X));
    for (const threads of [2, 3, 8]) {
      expect(snapshot(await new BayesianGaussianMixture({ ...options, threads }).fit(X))).toEqual(reference);
    }
  });

  it('onIteration reports the lower bound; it never decreases', () => {
    const objectives: number[] = [];
    const bgm = new BayesianGaussianMixture({ nComponents: 6, seed: 4, tol: 0, maxIter: 30 }).fitSync(X, {
      onIteration: (info) => void objectives.push(info.objective),
    });
    expect(objectives).toHaveLength(30);
    expect(objectives[29]).toBe(bgm.lowerBound);
    for (let i = 1; i < objectives.length; i++) expect(objectives[i]!).toBeGreaterThanOrEqual(objectives[i - 1]! - 1e-9 * Math.abs(objectives[i - 1]!));
  });

  it('a warm start continues where the fit stopped (5 + 7 iterations = 12)', () => {
    const resp = randomResp(N, 4, 9);
    const options = { nComponents: 4, covarianceType: 'diag' as const, responsibilitiesInit: resp, tol: 0 };
    const once = new BayesianGaussianMixture({ ...options, maxIter: 12 }).fitSync(X);
    const warm = new BayesianGaussianMixture({ ...options, maxIter: 5, warmStart: true }).fitSync(X);
    const json = warm.toJSON();
    const continued = BayesianGaussianMixture.fromJSON({ ...json, options: { ...json.options, maxIter: 7 } }).fitSync(X);
    expect({ ...(snapshot(continued) as object), nIter: 12 }).toEqual(snapshot(once));
  });

  it('an abort rejects with AbortError and keeps the previous model', async () => {
    const bgm = new BayesianGaussianMixture({ nComponents: 3, seed: 1 }).fitSync(X);
    const before = snapshot(bgm);
    const ac = new AbortController();
    const p = bgm.fit(X, { signal: ac.signal, onIteration: () => ac.abort() });
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(snapshot(bgm)).toEqual(before);
  });

  it('integer sample weights give the fit on the rows repeated', () => {
    const counts = Float64Array.from({ length: N }, (_, i) => 1 + (i % 3));
    const repeated: number[][] = [];
    const resp = randomResp(N, 4, 21);
    const repeatedResp: number[][] = [];
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < counts[i]!; c++) {
        repeated.push(Array.from(data.subarray(i * D, (i + 1) * D)));
        repeatedResp.push(resp[i]!);
      }
    }
    const options = { nComponents: 4, covarianceType: 'spherical' as const, tol: 0, maxIter: 15 };
    const weighted = new BayesianGaussianMixture({ ...options, responsibilitiesInit: resp }).fitSync(X, { sampleWeight: counts });
    const plain = new BayesianGaussianMixture({ ...options, responsibilitiesInit: repeatedResp }).fitSync(repeated);
    const a = snapshot(weighted) as Record<string, unknown>;
    const b = snapshot(plain) as Record<string, unknown>;
    for (const key of Object.keys(a)) {
      const x = ([] as unknown[]).concat(a[key]);
      const y = ([] as unknown[]).concat(b[key]);
      x.forEach((v, i) => (typeof v === 'number' ? expect(v).toBeCloseTo(y[i] as number, 8) : expect(v).toBe(y[i])));
    }
  });
});

describe('predictions, sample, JSON, prune', () => {
  const bgm = new BayesianGaussianMixture({ nComponents: 6, seed: 8 }).fitSync(X);

  it('toJSON/fromJSON (through a string) predicts bit for bit', () => {
    const back = BayesianGaussianMixture.fromJSON(JSON.parse(JSON.stringify(bgm)));
    expect(snapshot(back)).toEqual(snapshot(bgm));
    expect(back.predictProba(X).data).toEqual(bgm.predictProba(X).data);
    expect(back.scoreSamples(X)).toEqual(bgm.scoreSamples(X));
    expect(back.priors).toEqual(bgm.priors);
    const unfitted = BayesianGaussianMixture.fromJSON(new BayesianGaussianMixture({ nComponents: 2 }).toJSON());
    expect(unfitted.isFitted).toBe(false);
  });

  it('fromJSON rejects a broken state naming the field', () => {
    const json = JSON.parse(JSON.stringify(bgm));
    expect(() => BayesianGaussianMixture.fromJSON({ ...json, state: { ...json.state, meanPrecision: [1, 2] } })).toThrow(/state\.meanPrecision/);
    expect(() =>
      BayesianGaussianMixture.fromJSON({ ...json, state: { ...json.state, priors: { ...json.state.priors, meanPrior: [0] } } }),
    ).toThrow(/state\.priors\.meanPrior/);
    expect(() => BayesianGaussianMixture.fromJSON({ ...json, kind: 'GaussianMixture' })).toThrow(/kind/);
  });

  it('fromJSON refuses a state that contradicts itself: weights, factors, a tied dof, the priors', () => {
    const tied = new BayesianGaussianMixture({ nComponents: 3, covarianceType: 'tied', weightConcentrationPriorType: 'dirichlet_distribution', seed: 8 }).fitSync(X);
    for (const model of [bgm, tied]) {
      type State = Record<string, unknown> & { weights: number[]; priors: Record<string, unknown> };
      const edit = (change: (st: State) => void): (() => unknown) => {
        const json = JSON.parse(JSON.stringify(model)) as { state: State };
        change(json.state);
        return () => BayesianGaussianMixture.fromJSON(json);
      };
      // Weights that sum to 1 but are not the concentration's expectation.
      expect(edit((st) => void ([st.weights[0], st.weights[1]] = [st.weights[1]!, st.weights[0]!]))).toThrow(/state\.weights\[0\] is .*, but state\.weightConcentration gives/);
      expect(edit((st) => scaleFirst(st.precisionsCholesky, 1.01))).toThrow(/state\.precisionsCholesky.* does not belong to state\.covariances/);
      expect(edit((st) => void (st.priors.degreesOfFreedomPrior = 0.5))).toThrow(/state\.priors\.degreesOfFreedomPrior must be greater than nFeaturesIn - 1/);
      expect(edit((st) => void scaleFirst(st.priors.covariancePrior, -1))).toThrow(/state\.priors\.covariancePrior\[0\]\[0\] must be >= 0/);
    }
    const json = JSON.parse(JSON.stringify(tied)) as { state: { degreesOfFreedom: number[] } };
    json.state.degreesOfFreedom[1]! += 1;
    expect(() => BayesianGaussianMixture.fromJSON(json)).toThrow(/degreesOfFreedom must hold one shared value/);
  });

  it('predictions use E[ln π]: predictProba rows sum to 1 and score is the mean of scoreSamples', () => {
    const proba = bgm.predictProba(X);
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let k = 0; k < 6; k++) s += proba.data[i * 6 + k]!;
      expect(s).toBeCloseTo(1, 12);
    }
    const lp = bgm.scoreSamples(X);
    expect(bgm.score(X)).toBeCloseTo(lp.reduce((a, b) => a + b, 0) / N, 10);
  });

  it('sample draws from the point estimate, grouped by component', () => {
    const { X: s, labels } = bgm.sample(2000, 5);
    expect(s.shape).toEqual([2000, D]);
    for (let i = 1; i < labels.length; i++) expect(labels[i]!).toBeGreaterThanOrEqual(labels[i - 1]!);
    expect(bgm.sample(10, 5).X.data).toEqual(bgm.sample(10, 5).X.data);
  });

  it('prune keeps the components at or above the threshold, leaves the model unchanged', () => {
    const before = snapshot(bgm);
    const kept = Array.from(bgm.weights).filter((w) => w >= 0.05).length;
    const pruned = bgm.prune(0.05);
    expect(snapshot(bgm)).toEqual(before);
    expect(pruned.nComponents).toBe(kept);
    expect(pruned.means.shape).toEqual([kept, D]);
    expect((pruned.weightConcentration as NDArray).shape).toEqual([2, kept]);
    expect(BayesianGaussianMixture.fromJSON(JSON.parse(JSON.stringify(pruned))).predict(X)).toEqual(pruned.predict(X));
    expect(bgm.prune(0).nComponents).toBe(6);
    expect(() => bgm.prune(1)).toThrow(RangeError);
    expect(() => bgm.prune(0.99)).toThrow(/no component has a weight of at least 0.99/);
    expect(() => new BayesianGaussianMixture({ nComponents: 2 }).prune()).toThrow(/not fitted|before/i);
  });
});

describe('statistics, maximise and fitStream', () => {
  const NS = 2 * BLOCK_ROWS + 777;
  const big = sampleMixture(31, THREE_CLUSTERS, NS).data;
  const XS: NDArray = { data: big, shape: [NS, D] };
  const rng = mulberry32(32);
  const weights = Float64Array.from({ length: NS }, () => (rng() < 0.05 ? 0 : 0.2 + 2 * rng()));
  const resp = randomResp(NS, 5, 33);

  /** A source cutting the rows into random batches, different on every pass. */
  function source(seed: number, withWeights: boolean): () => AsyncGenerator<StreamBatch> {
    let pass = 0;
    return async function* () {
      const r = mulberry32(seed + 1000 * pass++);
      for (let first = 0; first < NS; ) {
        const rows = Math.min(1 + Math.floor(r() * 3000), NS - first);
        const X = { data: big.slice(first * D, (first + rows) * D), shape: [rows, D] };
        yield withWeights ? { X, sampleWeight: weights.slice(first, first + rows) } : X;
        first += rows;
      }
    };
  }

  it.each(TYPES)('statistics + maximise is the next iteration of fit (%s)', (covarianceType) => {
    const options = { nComponents: 5, covarianceType, responsibilitiesInit: resp, tol: 0 };
    const eight = new BayesianGaussianMixture({ ...options, maxIter: 8 }).fitSync(XS, { sampleWeight: weights });
    const seven = new BayesianGaussianMixture({ ...options, maxIter: 7 }).fitSync(XS, { sampleWeight: weights });
    const cut = BLOCK_ROWS;
    const stats = seven
      .statistics({ data: big.subarray(0, cut * D), shape: [cut, D] }, { sampleWeight: weights.subarray(0, cut) })
      .merge(seven.statistics({ data: big.subarray(cut * D), shape: [NS - cut, D] }, { sampleWeight: weights.subarray(cut) }));
    expect(stats.variational).toBe(true);
    seven.maximise(stats);
    expect(snapshot(seven)).toEqual(snapshot(eight));
  });

  it('maximise refuses statistics of total weight 0 (not the prior) or overflowing sums; the model is unchanged', () => {
    const bgm = new BayesianGaussianMixture({ nComponents: 3, seed: 1, maxIter: 3 }).fitSync(X);
    const before = bgm.toJSON();
    expect(() => bgm.maximise(bgm.statistics(X, { sampleWeight: new Float64Array(N) }))).toThrow(
      expect.objectContaining({ name: 'RangeError', message: 'stats weigh nothing: their rows have total weight 0' }) as Error,
    );
    expect(() => bgm.maximise(overflowingStatistics(bgm, X))).toThrow(
      expect.objectContaining({ code: 'ERR_GAUSSMIX_ILL_CONDITIONED' }) as Error,
    );
    expect(bgm.toJSON()).toEqual(before);
  });

  it.each(TYPES)('fitStream from responsibilitiesInit equals fit bit for bit (%s, weighted)', async (covarianceType) => {
    const options = { nComponents: 5, covarianceType, responsibilitiesInit: resp, tol: 1e-3, maxIter: 60 };
    const reference = snapshot(new BayesianGaussianMixture({ ...options, threads: 1 }).fitSync(XS, { sampleWeight: weights }));
    const streamed = await new BayesianGaussianMixture({ ...options, threads: 3 }).fitStream(source(7, true));
    expect(snapshot(streamed)).toEqual(reference);
    expect(streamed.priors).toEqual(new BayesianGaussianMixture({ ...options }).fitSync(XS, { sampleWeight: weights }).priors);
  });

  it('fitStream from a warm start equals fit from it', async () => {
    const base = new BayesianGaussianMixture({ nComponents: 4, seed: 5, maxIter: 3, warmStart: true }).fitSync(XS);
    const json = base.toJSON();
    const inMemory = BayesianGaussianMixture.fromJSON(json).fitSync(XS);
    const streamed = await BayesianGaussianMixture.fromJSON(json).fitStream(source(8, false));
    expect(snapshot(streamed)).toEqual(snapshot(inMemory));
  });

  it('fitStream from init: seeded, any batching and thread count, switches off what is not needed', async () => {
    // The well-separated clusters in batches of 1-299 rows, different on every pass.
    const batches = (seed: number) => {
      let pass = 0;
      return function* () {
        const r = mulberry32(seed + 1000 * pass++);
        for (let first = 0; first < 900; ) {
          const rows = Math.min(1 + Math.floor(r() * 299), 900 - first);
          yield { data: separated.data.slice(first * D, (first + rows) * D), shape: [rows, D] };
          first += rows;
        }
      };
    };
    const options = { nComponents: 10, seed: 12, nInit: 2, maxIter: 1000 };
    const one = await new BayesianGaussianMixture({ ...options, threads: 1 }).fitStream(batches(1), { initSampleRows: 300 });
    const two = await new BayesianGaussianMixture({ ...options, threads: 3 }).fitStream(batches(2), { initSampleRows: 300 });
    expect(snapshot(two)).toEqual(snapshot(one));
    expect(Array.from(one.weights).filter((w) => w > 1e-2)).toHaveLength(3);
    expect(one.converged).toBe(true);
  });

  it('fitStream needs as many rows as responsibilitiesInit', async () => {
    await expect(
      new BayesianGaussianMixture({ nComponents: 5, responsibilitiesInit: resp.slice(0, 100) }).fitStream(source(9, false)),
    ).rejects.toThrow(/more rows than responsibilitiesInit/);
    const short = { data: big.subarray(0, 100 * D), shape: [100, D] };
    await expect(
      new BayesianGaussianMixture({ nComponents: 5, responsibilitiesInit: resp }).fitStream(() => [short]),
    ).rejects.toThrow(/the stream has 100 rows but responsibilitiesInit has/);
  });

  it('fitStream from responsibilitiesInit on weights that are all zero says so, as fit', async () => {
    const zero = new Float64Array(NS);
    const options = { nComponents: 5, responsibilitiesInit: resp };
    const message = 'sampleWeight must not be all zero';
    expect(() => new BayesianGaussianMixture(options).fitSync(XS, { sampleWeight: zero })).toThrow(message);
    const model = new BayesianGaussianMixture(options).fitSync(XS);
    const before = model.toJSON();
    const stream = () => [{ X: XS, sampleWeight: zero }];
    await expect(model.fitStream(stream)).rejects.toThrow(expect.objectContaining({ name: 'RangeError', message }) as Error);
    expect(model.toJSON()).toEqual(before);
  });

  it('fitStream with warmStart, maxIter 0 and given priors on weights that are all zero says so, as fit', async () => {
    const zero = new Float64Array(NS);
    const priors = { meanPrior: new Array<number>(D).fill(0), covariancePrior: Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? 1 : 0))) };
    const model = new BayesianGaussianMixture({ nComponents: 5, seed: 3, warmStart: true, maxIter: 0, ...priors }).fitSync(XS);
    const before = model.toJSON();
    const message = 'sampleWeight must not be all zero';
    expect(() => model.fitSync(XS, { sampleWeight: zero })).toThrow(message);
    await expect(model.fitStream(() => [{ X: XS, sampleWeight: zero }])).rejects.toThrow(expect.objectContaining({ name: 'RangeError', message }) as Error);
    expect(model.toJSON()).toEqual(before);
  });
});

/** Multiplies the first number of a nested array (a JSON field) by `factor`, in place. */
function scaleFirst(value: unknown, factor: number): void {
  let holder = value as unknown[];
  while (Array.isArray(holder[0])) holder = holder[0] as unknown[];
  holder[0] = (holder[0] as number) * factor;
}
