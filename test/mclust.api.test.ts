/**
 * mclust's model family through the API (API.md "Starting from responsibilities", "mclust's
 * parametrisations"): options and their validation, shapes, the noise component, the prior,
 * JSON, statistics and fitStream (the iterative M-steps' inner state travels with the
 * parameters, so a streamed fit equals fit bit for bit), and selectModel's table, errors,
 * callbacks and abort. The agreement with mclust's numbers is test/mclust.fixtures.test.ts.
 */
import { describe, expect, it } from 'vitest';

import {
  BLOCK_ROWS,
  ErrorCode,
  GaussianMixture,
  MixtureStatistics,
  selectModel,
  selectModelSync,
  type CovarianceType,
  type NDArray,
  type StreamBatch,
} from '../lib/index.js';
import { expectError } from './helpers/expect-error.js';
import { choleskyLower, mulberry32, normalSource, sampleMixture, THREE_CLUSTERS } from './helpers/random.js';

const N = 2 * BLOCK_ROWS + 517;
const D = 3;
const { data } = sampleMixture(1701, THREE_CLUSTERS, N);
const X: NDArray = { data, shape: [N, D] };
const small: NDArray = { data: data.subarray(0, 300 * D), shape: [300, D] };

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
}

function expectSame(a: GaussianMixture, b: GaussianMixture): void {
  for (const key of ['means', 'covariances', 'precisionsCholesky'] as const) expect(same(a[key].data, b[key].data), key).toBe(true);
  expect(same(a.weights, b.weights), 'weights').toBe(true);
  expect(a.nIter).toBe(b.nIter);
  expect(a.converged).toBe(b.converged);
  expect(Object.is(a.lowerBound, b.lowerBound)).toBe(true);
}

/** Batches of random sizes (a different cut on every pass). */
function batches(x: Float64Array, d: number, seed: number): () => Generator<StreamBatch> {
  let pass = 0;
  return function* () {
    let s = seed + 7919 * pass++;
    const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const n = x.length / d;
    for (let first = 0; first < n; ) {
      const rows = Math.min(1 + Math.floor(next() * 1500), n - first);
      yield { data: x.slice(first * d, (first + rows) * d), shape: [rows, d] };
      first += rows;
    }
  };
}

describe('options', () => {
  it("mclust's names: their defaults, and the options that only some of them take", () => {
    const gm = new GaussianMixture({ nComponents: 2, covarianceType: 'VVE' });
    const o = gm.toJSON().options;
    expect(o.tol).toBe(1e-5);
    expect(o.regCovar).toBe(0);
    expect(new GaussianMixture({ nComponents: 2 }).toJSON().options.regCovar).toBe(1e-6);
    expectError(() => new GaussianMixture({ nComponents: 2, covarianceType: 'VVE', prior: 'default' }), RangeError, 'no conjugate prior');
    expectError(() => new GaussianMixture({ nComponents: 2, covarianceType: 'full', prior: 'default' }), RangeError, 'EII, VII');
    expectError(() => new GaussianMixture({ nComponents: 2, covarianceType: 'VVV', onCollapse: 'reseed' }), RangeError, 'reseed');
    expectError(() => new GaussianMixture({ nComponents: 2, covarianceType: 'VVV', mStepTol: 0 }), RangeError, 'mStepTol');
    expectError(() => new GaussianMixture({ nComponents: 2, covarianceType: 'VVV', mStepMaxIter: 0 }), RangeError, 'mStepMaxIter');
    expectError(() => new GaussianMixture({ nComponents: 2, noise: { hypervolume: 0 } }), RangeError, 'noise.hypervolume');
    expectError(() => new GaussianMixture({ nComponents: 2, noise: { initial: [1.5] } }), RangeError, 'noise.initial[0]');
    expectError(() => new GaussianMixture({ nComponents: 2, noise: { volume: 1 } as never }), RangeError, "Unknown option 'volume'");
    expectError(() => new GaussianMixture({ nComponents: 2, covarianceType: 'EII', prior: { scale: [[1]] } }), TypeError, 'prior.scale');
  });

  it('responsibilitiesInit: exclusive, rows >= 0 with a positive sum, K (+1 with noise) columns, N rows', () => {
    const z = [
      [1, 3],
      [0, 2],
    ];
    for (const other of ['init', 'weightsInit', 'meansInit'] as const) {
      const value = other === 'init' ? 'kmeans' : other === 'weightsInit' ? [0.5, 0.5] : [[0], [1]];
      expectError(() => new GaussianMixture({ nComponents: 2, responsibilitiesInit: z, [other]: value }), RangeError, `or ${other}, not both`);
    }
    expectError(() => new GaussianMixture({ nComponents: 2, responsibilitiesInit: [[1, -1]] }), RangeError, 'responsibilitiesInit[0][1] must be >= 0');
    expectError(() => new GaussianMixture({ nComponents: 2, responsibilitiesInit: [[0, 0]] }), RangeError, 'positive finite sum');
    expectError(() => new GaussianMixture({ nComponents: 3, responsibilitiesInit: z }), RangeError, 'has 2 columns');
    expectError(() => new GaussianMixture({ nComponents: 2, noise: true, responsibilitiesInit: z }), RangeError, 'the noise column');
    const gm = new GaussianMixture({ nComponents: 2, covarianceType: 'VVV', responsibilitiesInit: z });
    expectError(() => gm.fitSync(small), RangeError, 'responsibilitiesInit has 2 rows, but X has 300');
    // Rows are normalised: scaling a row changes nothing.
    const zs = Array.from({ length: 300 }, (_, i) => (i % 2 ? [1, 0] : [0.25, 0.75]));
    const zt = zs.map((r, i) => r.map((v) => v * (1 + i)));
    const a = new GaussianMixture({ nComponents: 2, covarianceType: 'VEI', responsibilitiesInit: zs, maxIter: 3 }).fitSync(small);
    const b = new GaussianMixture({ nComponents: 2, covarianceType: 'VEI', responsibilitiesInit: zt, maxIter: 3 }).fitSync(small);
    expect(same(a.covariances.data, b.covariances.data)).toBe(true);
  });

  it('covariancesInit of an axis-aligned mclust model must be diagonal', () => {
    const eye = [
      [1, 0.1, 0],
      [0.1, 1, 0],
      [0, 0, 1],
    ];
    expectError(() => new GaussianMixture({ nComponents: 1, covarianceType: 'VVI', covariancesInit: [eye] }), RangeError, 'its matrices are diagonal');
    expect(() => new GaussianMixture({ nComponents: 1, covarianceType: 'VVV', covariancesInit: [eye] })).not.toThrow();
  });
});

/**
 * K covariance matrices [K][D][D] of an mclust model, Σ_k = λ_k O_k diag(a_k) O_kᵀ: each of
 * volume, shape and orientation drawn once for all components (E), per component (V), or the
 * identity (I). `breaking` changes component 1's volume, shape or orientation, or makes it
 * not spherical.
 */
function modelMatrices(type: string, k: number, d: number, seed: number, breaking?: 'volume' | 'shape' | 'orientation' | 'sphere'): number[][][] {
  const rand = mulberry32(seed);
  const gauss = normalSource(rand);
  const orthogonal = (): number[][] => {
    const q: number[][] = [];
    while (q.length < d) {
      let v = Array.from({ length: d }, () => gauss());
      for (const u of q) {
        const dot = u.reduce((s, x, i) => s + x * (v[i] as number), 0);
        v = v.map((x, i) => x - dot * (u[i] as number));
      }
      const norm = Math.hypot(...v);
      q.push(v.map((x) => x / norm));
    }
    return q; // rows orthonormal: columns too
  };
  const shape = (): number[] => {
    const a = Array.from({ length: d }, () => 0.2 + 3 * rand()).sort((x, y) => y - x);
    const g = Math.exp(a.reduce((s, x) => s + Math.log(x), 0) / d);
    return a.map((x) => x / g);
  };
  const identity = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => +(i === j)));
  const [volume, shapeKind, orientation] = type.split('') as ['E' | 'V', 'E' | 'V' | 'I', 'E' | 'V' | 'I'];
  const lambda0 = 0.5 + rand();
  const a0 = shapeKind === 'I' ? Array(d).fill(1) : shape();
  const o0 = orientation === 'I' ? identity : orthogonal();
  return Array.from({ length: k }, (_, c) => {
    let lambda = volume === 'E' || c === 0 ? lambda0 : 0.5 + rand();
    let a = shapeKind === 'V' && c > 0 ? shape() : a0;
    let o = orientation === 'V' && c > 0 ? orthogonal() : o0;
    if (c === 1 && breaking === 'volume') lambda *= 1.5;
    if (c === 1 && breaking === 'shape') a = a.map((x, i) => (i === 0 ? x * 2 : i === 1 ? x / 2 : x));
    if (c === 1 && breaking === 'orientation') o = orthogonal();
    if (c === 1 && breaking === 'sphere') a = a.map((x, i) => (i === 0 ? x * 2 : i === 1 ? x / 2 : x));
    // Σ = λ Oᵀ diag(a) O (the rows of o are the axes).
    return Array.from({ length: d }, (_, i) =>
      Array.from({ length: d }, (_, j) => lambda * o.reduce((s, row, p) => s + (row[i] as number) * (a[p] as number) * (row[j] as number), 0)),
    );
  });
}

function invert(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...row.map((_, j) => +(i === j))]);
  for (let c = 0; c < n; c++) {
    const pivot = a[c]![c]!;
    a[c] = a[c]!.map((v) => v / pivot);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      a[r] = a[r]!.map((v, j) => v - f * a[c]![j]!);
    }
  }
  return a.map((row) => row.slice(n));
}

describe("covariancesInit and precisionsInit hold the mclust model's equalities", () => {
  const models = ['EII', 'VII', 'EEI', 'VEI', 'EVI', 'VVI', 'EEE', 'VEE', 'EVE', 'VVE', 'EEV', 'VEV', 'EVV', 'VVV'] as const;
  it.each(models)('%s: matrices of the model pass (as covariances and as precisions); each broken equality is a RangeError', (type) => {
    const k = 3;
    const d = 4;
    const ok = modelMatrices(type, k, d, 11);
    expect(() => new GaussianMixture({ nComponents: k, covarianceType: type, covariancesInit: ok })).not.toThrow();
    expect(() => new GaussianMixture({ nComponents: k, covarianceType: type, precisionsInit: ok.map(invert) })).not.toThrow();
    const [volume, shape, orientation] = type.split('');
    const breaks: ('volume' | 'shape' | 'orientation' | 'sphere')[] = [];
    if (volume === 'E') breaks.push('volume');
    if (shape === 'E') breaks.push('shape');
    if (shape === 'I') breaks.push('sphere');
    if (orientation === 'E') breaks.push('orientation');
    for (const b of breaks) {
      const bad = modelMatrices(type, k, d, 11, b);
      expectError(() => new GaussianMixture({ nComponents: k, covarianceType: type, covariancesInit: bad }), RangeError, `covariancesInit must be of covarianceType '${type}'`, 'covariancesInit[1]');
      expectError(() => new GaussianMixture({ nComponents: k, covarianceType: type, precisionsInit: bad.map(invert) }), RangeError, `precisionsInit must be of covarianceType '${type}'`);
    }
  });

  it.each(models)("%s: a fitted model's own covariances pass as covariancesInit", (type) => {
    const gm = new GaussianMixture({ nComponents: 3, covarianceType: type, init: 'hc' }).fitSync(small);
    const again = new GaussianMixture({ nComponents: 3, covarianceType: type, weightsInit: gm.weights, meansInit: gm.means, covariancesInit: gm.covariances, maxIter: 1 });
    expect(() => again.fitSync(small)).not.toThrow();
  });
});

describe('fitted mclust models', () => {
  it.each(['EII', 'VEI', 'EEE', 'VVE', 'EVV'] as const)('%s: [K, D, D] covariances, nParameters, decomposition, JSON', (type) => {
    const gm = new GaussianMixture({ nComponents: 3, covarianceType: type, init: 'hc' }).fitSync(small);
    expect(gm.covariances.shape).toEqual([3, D, D]);
    expect(gm.precisionsCholesky.shape).toEqual([3, D, D]);
    expect(gm.decomposition.orientation.shape).toEqual([3, D, D]);
    expect(gm.bic(small)).toBeCloseTo(-2 * gm.score(small) * 300 + gm.nParameters * Math.log(300), 8);
    expect(gm.icl(small)).toBeGreaterThanOrEqual(gm.bic(small));
    const back = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(gm)));
    expectSame(back, gm);
    expect(same(back.predictProba(small).data, gm.predictProba(small).data)).toBe(true);
    expect(gm.sample(5, 1).X.shape).toEqual([5, D]);
  });

  it("scikit-learn's names have no decomposition; nParameters needs a fit", () => {
    expect(() => new GaussianMixture({ nComponents: 2 }).nParameters).toThrow(/not fitted|fitted/);
    const gm = new GaussianMixture({ nComponents: 2, seed: 1 }).fitSync(small);
    expect(gm.nParameters).toBe(2 * 6 + 2 * 3 + 1);
    expectError(() => gm.decomposition, RangeError, "mclust's covariance types");
  });

  it('noise: K + 1 weights, −1 labels, no sample(); its JSON restores it', () => {
    const far = Float64Array.from([...data.subarray(0, 297 * D), 60, 60, 60, -70, 80, 0, 55, -55, 90]);
    const Xn = { data: far, shape: [300, D] };
    const gm = new GaussianMixture({ nComponents: 3, covarianceType: 'VVV', init: 'hc', noise: true }).fitSync(Xn);
    expect(gm.weights.length).toBe(4);
    expect(Array.from(gm.predict(Xn).subarray(297))).toEqual([-1, -1, -1]);
    expect(gm.predictProba(Xn).shape).toEqual([300, 4]);
    expect(gm.nParameters).toBe(3 * 6 + 3 * 3 + 2 + 2);
    expectError(() => gm.sample(3), RangeError, 'noise component');
    const back = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(gm)));
    expect(same(back.scoreSamples(Xn), gm.scoreSamples(Xn))).toBe(true);
  });

  it('noise: a default hypervolume that overflows or underflows float64 is a RangeError naming noise.hypervolume', () => {
    // hypvol(X) is a product of D ranges: 120 features of range ~1e3 overflow, of ~1e-3 give 0.
    const rng = mulberry32(7);
    const wide = (n: number, d: number, range: number): NDArray => ({
      data: Float64Array.from({ length: n * d }, (_, i) => (rng() + (Math.floor(i / d) % 2) / 2) * range),
      shape: [n, d],
    });
    const gm = new GaussianMixture({ nComponents: 2, covarianceType: 'diag', noise: true, seed: 1, maxIter: 3 });
    gm.fitSync(wide(200, 120, 1));
    const before = gm.toJSON();
    expect(before.state?.hypervolume).toBeGreaterThan(0);
    for (const [range, v] of [[1e3, 'Infinity'], [1e-3, '0']] as const) {
      const Xw = wide(200, 120, range);
      expectError(() => gm.fitSync(Xw), RangeError, `default hypervolume (mclust's hypvol(X), a product of 120 ranges) is ${v},`, 'give noise.hypervolume explicitly');
      expect(gm.toJSON()).toEqual(before);
      // Given, any positive float64 V is taken as is.
      const fit = new GaussianMixture({ nComponents: 2, covarianceType: 'diag', noise: { hypervolume: range === 1e3 ? 1e300 : 1e-300 }, seed: 1, maxIter: 3 }).fitSync(Xw);
      expect(Number.isFinite(fit.lowerBound)).toBe(true);
    }
    // X flat in some direction (a constant feature): hypvol(X) is 0.
    const flat: NDArray = { data: Float64Array.from({ length: 200 }, (_, i) => (i % 2 ? 3 : rng())), shape: [100, 2] };
    expectError(() => new GaussianMixture({ nComponents: 2, covarianceType: 'spherical', noise: true }).fitSync(flat), RangeError, 'is 0,', 'noise.hypervolume');
  });

  it('prior: a given scale and dof enter the fit; the resolved prior is in the JSON', () => {
    const a = new GaussianMixture({ nComponents: 2, covarianceType: 'VII', init: 'hc', prior: 'default' }).fitSync(small);
    const b = new GaussianMixture({ nComponents: 2, covarianceType: 'VII', init: 'hc', prior: { scale: 5, dof: 10 } }).fitSync(small);
    expect(b.toJSON().state?.prior?.scale).toEqual([5]);
    expect(b.toJSON().state?.prior?.dof).toBe(10);
    expect(a.toJSON().state?.prior?.mean).toEqual(b.toJSON().state?.prior?.mean);
    expect(same(a.covariances.data, b.covariances.data)).toBe(false);
    expectError(
      () => new GaussianMixture({ nComponents: 2, covarianceType: 'VVV', prior: { mean: [0, 0] } }).fitSync(small),
      RangeError,
      'prior.mean has length 2',
    );
  });
});

describe("fromJSON checks the mclust model's equalities on state.covariances", () => {
  const models = ['EII', 'VII', 'EEI', 'VEI', 'EVI', 'VVI', 'EEE', 'VEE', 'EVE', 'VVE', 'EEV', 'VEV', 'EVV', 'VVV'] as const;
  type StateJSON = { covariances: number[][][]; precisionsCholesky: number[][][] };

  it('an edited EII state (a covariance no longer spherical, its factor edited to match) is refused', () => {
    const gm = new GaussianMixture({ nComponents: 2, covarianceType: 'EII', seed: 1 }).fitSync(small);
    const json = JSON.parse(JSON.stringify(gm)) as { state: StateJSON };
    for (const c of [0, 1]) {
      json.state.covariances[c]![0]![0]! *= 4;
      json.state.precisionsCholesky[c]![0]![0]! /= 2;
    }
    expectError(() => GaussianMixture.fromJSON(json), RangeError, "state.covariances must be of covarianceType 'EII'", 'state.covariances[0] is not a multiple of the identity');
  });

  it('an edited EEE state (one component scaled) and an EVE state (one component rotated) are refused', () => {
    const eee = JSON.parse(JSON.stringify(new GaussianMixture({ nComponents: 2, covarianceType: 'EEE', seed: 1 }).fitSync(small))) as { state: StateJSON };
    eee.state.covariances[1] = eee.state.covariances[1]!.map((row) => row.map((v) => v * 2));
    eee.state.precisionsCholesky[1] = eee.state.precisionsCholesky[1]!.map((row) => row.map((v) => v / Math.SQRT2));
    expectError(() => GaussianMixture.fromJSON(eee), RangeError, "covarianceType 'EEE'", 'state.covariances[1] has volume');
    // EVE: swapping features 0 and 1 of component 1 changes its eigenvectors (a permuted Σ and U
    // would not be upper triangular, so the factor is rebuilt from the swapped Σ by hand).
    const eve = JSON.parse(JSON.stringify(new GaussianMixture({ nComponents: 2, covarianceType: 'EVE', seed: 1 }).fitSync(small))) as { state: StateJSON };
    const perm = [1, 0, 2];
    const swapped = perm.map((i) => perm.map((j) => eve.state.covariances[1]![i]![j]!));
    eve.state.covariances[1] = swapped;
    eve.state.precisionsCholesky[1] = upperFactorOfInverse(swapped);
    expectError(() => GaussianMixture.fromJSON(eve), RangeError, "covarianceType 'EVE'", 'state.covariances[1] has other eigenvectors');
  });

  // Data sets: three clusters; a nearly collinear feature (condition numbers near 1e10); features
  // in units 1e4 and 1e-3 apart.
  const sets: [string, NDArray][] = [
    ['three clusters', small],
    ['nearly collinear', { data: small.data.map((v, i) => (i % D === 2 ? small.data[i - 2]! + 1e-5 * Math.sin(i) : v)), shape: small.shape }],
    ['wide', { data: small.data.map((v, i) => (i % D === 0 ? v * 1e4 : i % D === 1 ? 5 + v * 1e-3 : v)), shape: small.shape }],
  ];
  it.each(models)("%s: a model's own JSON always loads back (three data sets, with and without standardize)", (type) => {
    for (const [name, Xs] of sets) {
      for (const standardize of [false, true]) {
        let gm: GaussianMixture;
        try {
          gm = new GaussianMixture({ nComponents: 3, covarianceType: type, seed: 2, standardize, maxIter: 300, mStepMaxIter: 500, warnings: 'silent' }).fitSync(Xs);
        } catch {
          continue; // (a fit that collapses has no JSON to load)
        }
        expect(() => GaussianMixture.fromJSON(JSON.parse(JSON.stringify(gm))), `${name}, standardize ${standardize}`).not.toThrow();
      }
    }
  });
});

/** The upper-triangular U with U·Uᵀ = Σ⁻¹ (scikit-learn's precisionsCholesky) of an SPD Σ. */
function upperFactorOfInverse(sigma: number[][]): number[][] {
  const p = invert(sigma);
  const n = p.length;
  // Σ⁻¹ = U·Uᵀ with U upper: the Cholesky factor of the reversed matrix, reversed back.
  const r = p.map((_, i) => p.map((_, j) => p[n - 1 - i]![n - 1 - j]!));
  const l = choleskyLower(r);
  return p.map((_, i) => p.map((_, j) => l[n - 1 - i]![n - 1 - j]!));
}

describe('statistics and fitStream carry the inner M-step state', () => {
  const types: CovarianceType[] = ['VEI', 'VEV', 'EVE', 'VVE', 'VEE', 'EEI', 'VVV'];
  const startOf = (type: CovarianceType) => {
    const m = new GaussianMixture({ nComponents: 3, covarianceType: type, maxIter: 2, init: 'hc' }).fitSync(small);
    return { weightsInit: m.weights, meansInit: m.means, covariancesInit: m.covariances };
  };

  it.each(types)('%s: fitStream over random batchings equals fit', async (type) => {
    const options = { nComponents: 3, covarianceType: type, maxIter: 6, tol: 0, ...startOf(type) };
    const ref = new GaussianMixture(options).fitSync(X);
    const gm = await new GaussianMixture(options).fitStream(batches(data, D, 5));
    expectSame(gm, ref);
    expect(same(gm.toJSON().state?.mstepState ?? [], ref.toJSON().state?.mstepState ?? [])).toBe(true);
  });

  it('with noise (a given hypervolume) and a fully given prior', async () => {
    const prior = { shrinkage: 0.01, mean: [0, 0, 0], dof: 5, scale: [[2, 0, 0], [0, 2, 0], [0, 0, 2]] };
    const start = startOf('EEV');
    const options = {
      nComponents: 3,
      covarianceType: 'EEV' as const,
      maxIter: 5,
      tol: 0,
      noise: { hypervolume: 5000 },
      prior,
      ...start,
      weightsInit: [...Array.from(start.weightsInit, (w) => w * 0.9), 0.1],
    };
    const ref = new GaussianMixture(options).fitSync(X);
    const gm = await new GaussianMixture(options).fitStream(batches(data, D, 9));
    expectSame(gm, ref);
    await expect(new GaussianMixture({ ...options, noise: true }).fitStream(batches(data, D, 9))).rejects.toThrow(/noise.hypervolume/);
    await expect(new GaussianMixture({ ...options, prior: 'default' }).fitStream(batches(data, D, 9))).rejects.toThrow(/defaultPrior/);
  });

  it('maximise() from statistics continues exactly as the fit does (VVE)', () => {
    const options = { nComponents: 3, covarianceType: 'VVE' as const, tol: 0, ...startOf('VVE') };
    const ref = new GaussianMixture({ ...options, maxIter: 4 }).fitSync(X);
    const gm = new GaussianMixture({ ...options, maxIter: 1 }).fitSync(X);
    for (let i = 0; i < 3; i++) gm.maximise(gm.statistics(X) as MixtureStatistics);
    expect(same(gm.means.data, ref.means.data)).toBe(true);
    expect(same(gm.covariances.data, ref.covariances.data)).toBe(true);
  });
});

describe('selectModel', () => {
  it('the table in order, onModel per row, failures as rows, the best by BIC or ICL', async () => {
    const rows: string[] = [];
    const { best, table } = await selectModel(small, {
      components: [1, 2, 3],
      covarianceTypes: ['EII', 'VVV', 'diag'],
      onModel: (r) => rows.push(`${r.covarianceType}/${r.nComponents}`),
    });
    expect(rows).toEqual(['EII/1', 'EII/2', 'EII/3', 'VVV/1', 'VVV/2', 'VVV/3', 'diag/1', 'diag/2', 'diag/3']);
    expect(table.map((r) => `${r.covarianceType}/${r.nComponents}`)).toEqual(rows);
    const lowest = table.reduce((m, r) => (r.bic < m.bic ? r : m));
    expect(best.covarianceType).toBe(lowest.covarianceType);
    expect(best.nComponents).toBe(lowest.nComponents);
    const r = table.find((x) => x.covarianceType === best.covarianceType && x.nComponents === best.nComponents)!;
    expect(r.bic).toBeCloseTo(best.bic(small), 6);
    expect(r.icl).toBeCloseTo(best.icl(small), 6);
    expect(r.nParameters).toBe(best.nParameters);
    const byIcl = selectModelSync(small, { components: [1, 2, 3], covarianceTypes: ['EII', 'VVV', 'diag'], criterion: 'icl' });
    const lowestIcl = byIcl.table.reduce((m, x) => (x.icl < m.icl ? x : m));
    expect(byIcl.best.nComponents).toBe(lowestIcl.nComponents);
    // A candidate that cannot be fitted is a row with its error.
    const tiny = { data: data.subarray(0, 4 * D), shape: [4, D] };
    const t = selectModelSync(tiny, { components: [1, 5], covarianceTypes: ['VII'] });
    expect(t.table[1]?.error).toMatch(/exceeds the number of samples/);
    expect(Number.isNaN(t.table[1]?.bic)).toBe(true);
    expect(t.best.nComponents).toBe(1);
  });

  it('with standardize, a candidate is its own standardising fit from hc, bit for bit (noise too)', async () => {
    // Values on a grid: hc's merge criterion ties, and raw and standardised rows break the ties
    // differently (its SVD scaling is exact only up to rounding): hc must see the rows the
    // candidates fit. With noise, the hypervolume and the noise rows are the candidates' own too.
    const rng = mulberry32(12);
    const scale = [70, 0.05, 0.002, 3e3];
    const n = 350;
    const grid: NDArray = { data: Float64Array.from({ length: n * 4 }, (_, i) => Math.floor(rng() * 5) * scale[i % 4]! + 40 * (i % 4)), shape: [n, 4] };
    const sampleWeight = Array.from({ length: n }, (_, i) => 0.5 + (i % 3));
    // (On this grid the mclust names' default regCovar, 0, lets a component collapse in some
    // SIMD variants' rounding: VVV/2 on AVX2. With noise they collapse in all: not tried.)
    const candidates = { plain: [['VVV', 2], ['EII', 4], ['diag', 3]], noise: [['diag', 3], ['spherical', 2]] } as const;
    for (const noise of [false, true]) {
      for (const weights of [undefined, sampleWeight]) {
        for (const [covarianceType, k] of candidates[noise ? 'noise' : 'plain']) {
          const shared = { standardize: true, seed: 3, regCovar: 1e-6, warnings: 'silent', noise } as const;
          const own = new GaussianMixture({ ...shared, covarianceType, nComponents: k, init: 'hc' }).fitSync(grid, weights && { sampleWeight: weights });
          const options = { ...shared, covarianceTypes: [covarianceType], components: [k], ...(weights && { sampleWeight: weights }) };
          expectSame(selectModelSync(grid, options).best, own);
          expectSame((await selectModel(grid, options)).best, own);
        }
      }
    }
  });

  it("noise's default hypervolume is resolved as the candidates' fits resolve it", () => {
    // 120 features of range ~1e3: hypvol(X) overflows. A fit refuses it on the raw rows, and
    // with standardize takes hypvol(X / c)·c^D / Π scale, a positive float64.
    const rng = mulberry32(8);
    const n = 200;
    const d = 120;
    const Xw: NDArray = { data: Float64Array.from({ length: n * d }, (_, i) => (rng() + (Math.floor(i / d) % 2) / 2) * 1e3), shape: [n, d] };
    const shared = { noise: true, seed: 1, maxIter: 3, warnings: 'silent' } as const;
    const options = { ...shared, components: [2], covarianceTypes: ['diag'] };
    expectError(() => selectModelSync(Xw, options), RangeError, 'is Infinity', 'give noise.hypervolume explicitly');
    const { best, table } = selectModelSync(Xw, { ...options, standardize: true });
    expect(table[0]?.error).toBeUndefined();
    const own = new GaussianMixture({ ...shared, nComponents: 2, covarianceType: 'diag', init: 'hc', standardize: true }).fitSync(Xw);
    expect(best.toJSON().state?.hypervolume).toBe(own.toJSON().state?.hypervolume);
  });

  it('validates before any fit; a signal aborts', async () => {
    await expect(selectModel(small, { components: [0] })).rejects.toThrow(RangeError);
    await expect(selectModel(small, { covarianceTypes: ['VVX' as CovarianceType] })).rejects.toThrow(RangeError);
    await expect(selectModel(small, { criterion: 'aic' as 'bic' })).rejects.toThrow(RangeError);
    await expect(selectModel(small, { covarianceTypes: 'sklearn', prior: 'default' })).rejects.toThrow(/conjugate prior/);
    const controller = new AbortController();
    const p = selectModel(small, { onModel: () => controller.abort(), signal: controller.signal });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(() => selectModelSync(small, { signal: AbortSignal.abort() })).toThrow(/abort/i);
  });

  it('every candidate failing is an error; hc needs varying columns and more rows than features', () => {
    // Rows on a line in 3 dimensions: every 2-component VVV covariance is singular.
    const line = { data: Float64Array.from({ length: 30 * D }, (_, i) => Math.floor(i / D) * (1 + (i % D))), shape: [30, D] };
    let caught: unknown;
    try {
      selectModelSync(line, { components: [2], covarianceTypes: ['VVV'], init: 'kmeans', seed: 1 });
    } catch (err) {
      caught = err;
    }
    expect((caught as { code?: string }).code).toBe(ErrorCode.ILL_CONDITIONED);
    const constant = { data: new Float64Array(10 * D).fill(1), shape: [10, D] };
    expect(() => selectModelSync(constant, { components: [2], covarianceTypes: ['VVV'] })).toThrow(/no column of X varies/);
    const wide = { data: data.subarray(0, 3 * D), shape: [3, D] };
    expect(() => new GaussianMixture({ nComponents: 1, covarianceType: 'EII', init: 'hc' }).fitSync(wide)).toThrow(/more rows/);
  });
});

describe("init 'hc' off the JavaScript thread, and stopped by the signal", () => {
  // hc is O(N²) in time: on 3,000 rows of 4 features it takes seconds (mclust's own hc about
  // as long), so a start that blocks or ignores the signal shows as seconds.
  const n = 3000;
  const d = 4;
  const normal = normalSource(mulberry32(77));
  const rows = new Float64Array(n * d).map(() => normal());
  const big: NDArray = { data: rows, shape: [n, d] };

  it('selectModel returns its promise before hc runs; an abort stops hc', async () => {
    const controller = new AbortController();
    const t0 = performance.now();
    const pending = selectModel(big, { components: [2], covarianceTypes: ['VVV'], signal: controller.signal });
    const blocked = performance.now() - t0;
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const settled = performance.now() - t0;
    expect(blocked).toBeLessThan(500);  // hc alone takes seconds
    expect(settled).toBeLessThan(2000);
  });

  it('selectModel with an aborted signal rejects without starting hc', async () => {
    const t0 = performance.now();
    const pending = selectModel(big, { components: [2], covarianceTypes: ['VVV'], signal: AbortSignal.abort('stop') });
    expect(performance.now() - t0).toBeLessThan(500);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', cause: 'stop' });
  });

  it("fit with init 'hc' stops within its hc when aborted; the model is unchanged", async () => {
    const gm = new GaussianMixture({ nComponents: 2, covarianceType: 'VVV', init: 'hc', seed: 1 });
    const controller = new AbortController();
    const t0 = performance.now();
    const pending = gm.fit(big, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(gm.isFitted).toBe(false);
  });

  it('selectModel (async) and selectModelSync agree bit for bit from hc', async () => {
    const part: NDArray = { data: rows.subarray(0, 400 * d), shape: [400, d] };
    const options = { components: [2, 3], covarianceTypes: ['VVV', 'EVE'] as CovarianceType[], seed: 3 };
    const a = await selectModel(part, options);
    const b = selectModelSync(part, options);
    expect(a.table.map((r) => r.bic)).toEqual(b.table.map((r) => r.bic));
  });
});
