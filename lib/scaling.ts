/**
 * Standardisation inside a model (the `standardize` option): the per-feature mean m and scale s
 * measured on the training data, applied to every input as z = (x − m) / s, and the fitted
 * parameters carried back to the original units.
 *
 * Under x = m + S·z with S = diag(s):
 * - a mean (centre) μ_x = m + S·μ_z;
 * - a covariance Σ_x = S·Σ_z·S, i.e. element [i][j] times s_i·s_j (diag: σ²_i times s_i²);
 * - a precision P_x = S⁻¹·P_z·S⁻¹; its Cholesky factor U_x = S⁻¹·U_z (row i divided by s_i;
 *   still upper triangular with U_x·U_xᵀ = P_x); diag: 1/σ_i divided by s_i;
 * - a log density log p_x(x) = log p_z(z) − Σ_i log s_i.
 * A spherical variance σ²·I in z is the diagonal S²σ² in x, which one number per component
 * cannot hold: spherical covariances (and their starting values) stay in standardised units.
 *
 * @module
 */
import { describe, invalidType, invalidValue } from './errors.js';
import type { Matrix } from './input.js';
import type { ResolvedStartingParameters } from './mixture-params.js';
import type { CovarianceType } from './native.js';
import { readTensor } from './tensor.js';

/** The per-feature mean and scale of a standardisation, [D] each; every scale > 0. */
export interface Scaling {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** Σ log s_i: what a log density in z loses in x. */
  readonly logScale: number;
}

/** A Scaling of these arrays (taken as they are). */
function makeScaling(mean: Float64Array, scale: Float64Array): Scaling {
  let logScale = 0;
  for (const s of scale) logScale += Math.log(s);
  return Object.freeze({ mean, scale, logScale });
}

/**
 * The mean and the (population) standard deviation of each feature of X, weighted by
 * `weights` when given, as scikit-learn's `StandardScaler().fit(X, sample_weight=w)`: integer
 * weights give the scaling of the repeated rows. A feature that is constant to rounding
 * (scikit-learn's `_is_constant_feature`: var <= n·ε·var + (n·m·ε)², n the weight sum) keeps
 * scale 1. Two passes (the mean, then the squared deviations), each sum compensated (Neumaier).
 *
 * Each feature is first divided by a power of two near its largest magnitude (among the rows of
 * nonzero weight), so that neither the sums nor the squares overflow (features beyond about
 * 1e154) or underflow (below about 1e-154). Dividing by a power of two is exact and every
 * rounding is the same in both units, so features whose sums neither overflow nor underflow
 * get exactly the bits they would get unscaled.
 */
export function fitScaling(X: Matrix, weights: Float64Array | undefined): Scaling {
  const { data, n, d } = X;
  const unit = columnUnits(data, n, d, weights);
  const first = columnSums(data, n, d, weights, unit, undefined);
  const total = first.total;
  const mean = first.sums.map((s) => s / total);
  const { sums } = columnSums(data, n, d, weights, unit, mean);
  const scale = new Float64Array(d);
  const eps = Number.EPSILON;
  for (let j = 0; j < d; j++) {
    const u = unit[j] as number;
    const variance = (sums[j] as number) / total;
    const m = mean[j] as number;
    const constant = variance <= total * eps * variance + (total * m * eps) ** 2;
    // (Back in the feature's units: times its power of two, exact.)
    mean[j] = m * u;
    scale[j] = constant ? 1 : Math.sqrt(variance) * u;
  }
  return makeScaling(mean, scale);
}

/**
 * Per feature, the power of two 2^e with 1 <= max|x| / 2^e < 2 over the rows of nonzero
 * weight (1 for a feature that is 0 in every such row).
 */
function columnUnits(data: Float64Array, n: number, d: number, weights: Float64Array | undefined): Float64Array {
  const largest = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    if (weights !== undefined && weights[i] === 0) continue;
    for (let j = 0; j < d; j++) largest[j] = Math.max(largest[j] as number, Math.abs(data[i * d + j] as number));
  }
  return largest.map((m) => {
    if (!(m > 0) || !Number.isFinite(m)) return 1;
    // log2 may round across a power of two: correct it by exact halvings and doublings.
    let u = 2 ** Math.max(-1074, Math.min(1023, Math.floor(Math.log2(m))));
    while (m / u >= 2 && u < 2 ** 1023) u *= 2;
    while (m / u < 1 && u > 2 ** -1074) u /= 2;
    return u;
  });
}

/**
 * Per feature, Σ w·y (or with `centre`, Σ w·(y − c)²) of y = x / unit, and Σ w, each with
 * Neumaier's compensation (the compensations added at the end).
 */
function columnSums(
  data: Float64Array,
  n: number,
  d: number,
  weights: Float64Array | undefined,
  unit: Float64Array,
  centre: Float64Array | undefined,
): { sums: Float64Array; total: number } {
  const sum = new Float64Array(d);
  const comp = new Float64Array(d);
  let total = 0;
  let totalComp = 0;
  for (let i = 0; i < n; i++) {
    const w = weights === undefined ? 1 : (weights[i] as number);
    if (w === 0) continue;
    let t = total + w;
    totalComp += Math.abs(total) >= w ? total - t + w : w - t + total;
    total = t;
    for (let j = 0; j < d; j++) {
      const x = (data[i * d + j] as number) / (unit[j] as number);
      const dev = centre === undefined ? x : x - (centre[j] as number);
      const v = centre === undefined ? w * dev : w * dev * dev;
      const s = sum[j] as number;
      t = s + v;
      comp[j] = (comp[j] as number) + (Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s);
      sum[j] = t;
    }
  }
  for (let j = 0; j < d; j++) sum[j] = (sum[j] as number) + (comp[j] as number);
  return { sums: sum, total: total + totalComp };
}

/** Rows [n, D] in standardised units: z = (x − m) / s (a new array). */
export function toStandard(data: Float64Array, d: number, s: Scaling): Float64Array {
  const out = new Float64Array(data.length);
  const { mean, scale } = s;
  for (let i = 0; i < data.length; i += d) {
    for (let j = 0; j < d; j++) out[i + j] = ((data[i + j] as number) - (mean[j] as number)) / (scale[j] as number);
  }
  return out;
}

/** Rows [n, D] back in the original units: x = m + s·z (a new array). */
export function fromStandard(data: Float64Array, d: number, s: Scaling): Float64Array {
  const out = new Float64Array(data.length);
  const { mean, scale } = s;
  for (let i = 0; i < data.length; i += d) {
    for (let j = 0; j < d; j++) out[i + j] = (mean[j] as number) + (scale[j] as number) * (data[i + j] as number);
  }
  return out;
}

/** X in standardised units (a new matrix; X itself is not touched). */
export function standardMatrix(X: Matrix, s: Scaling): Matrix {
  return { data: toStandard(X.data, X.d, s), n: X.n, d: X.d };
}

/**
 * Multiplies element [i][j] of each D×D block (full, tied) by f(i)·f(j) with f the scale
 * raised to `rows` and `cols` (−1, 0 or 1), or element [k][i] of a diag array by f(i) to
 * `rows + cols`; spherical values are left as they are. Returns a new array.
 */
function scaleCovarianceLike(
  t: Float64Array,
  type: CovarianceType,
  d: number,
  s: Scaling,
  rows: -1 | 0 | 1,
  cols: -1 | 0 | 1,
): Float64Array {
  const out = t.slice();
  const f = (i: number, p: number): number => (p === 0 ? 1 : p === 1 ? (s.scale[i] as number) : 1 / (s.scale[i] as number));
  if (type === 'spherical') return out;
  if (type === 'diag') {
    for (let a = 0; a < out.length; a++) {
      const i = a % d;
      out[a] = (out[a] as number) * f(i, rows) * f(i, cols);
    }
    return out;
  }
  for (let a = 0; a < out.length; a++) {
    const i = Math.floor(a / d) % d;
    const j = a % d;
    out[a] = (out[a] as number) * f(i, rows) * f(j, cols);
  }
  return out;
}

/** Covariances (in `type`'s shape) in the original units: S·Σ_z·S. */
export function covariancesFromStandard(t: Float64Array, type: CovarianceType, d: number, s: Scaling): Float64Array {
  return scaleCovarianceLike(t, type, d, s, 1, 1);
}

/** Covariances given in the original units, in standardised units: S⁻¹·Σ_x·S⁻¹. */
export function covariancesToStandard(t: Float64Array, type: CovarianceType, d: number, s: Scaling): Float64Array {
  return scaleCovarianceLike(t, type, d, s, -1, -1);
}

/** Precisions given in the original units, in standardised units: S·P_x·S. */
export function precisionsToStandard(t: Float64Array, type: CovarianceType, d: number, s: Scaling): Float64Array {
  return scaleCovarianceLike(t, type, d, s, 1, 1);
}

/** Cholesky factors of the precisions in the original units: S⁻¹·U_z. */
export function precisionsCholeskyFromStandard(t: Float64Array, type: CovarianceType, d: number, s: Scaling): Float64Array {
  return scaleCovarianceLike(t, type, d, s, -1, 0);
}

/** The scaling in plain-JSON form (what `toJSON` writes as `state.scaling`). */
export interface ScalingJSON {
  /** [D] */
  mean: number[];
  /** [D], each > 0 */
  scale: number[];
}

/** The scaling as plain JSON. */
export function scalingToJSON(s: Scaling): ScalingJSON {
  return { mean: Array.from(s.mean), scale: Array.from(s.scale) };
}

/**
 * Reads `state.scaling` written by {@link scalingToJSON}: `mean` and `scale` of length D, every
 * value finite, every scale > 0.
 * @throws TypeError / RangeError - naming the field.
 */
export function readScaling(value: unknown, d: number, where: string): Scaling {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidType(`${where}: expected an object { mean, scale } for state.scaling but received ${describe(value)}`);
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== 'mean' && key !== 'scale') throw invalidValue(`${where}: unknown field state.scaling.${key} (expected mean, scale)`);
  }
  const read = (key: 'mean' | 'scale'): Float64Array => {
    if (!(key in obj)) throw invalidValue(`${where}: the field state.scaling.${key} is missing`);
    let t: Float64Array;
    try {
      t = readTensor(obj[key], `state.scaling.${key}`, 1).data;
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError) err.message = `${where}: ${err.message}`;
      throw err;
    }
    if (t.length !== d) throw invalidValue(`${where}: state.scaling.${key} has length ${t.length}, but nFeaturesIn is ${d}`);
    return t;
  };
  const mean = read('mean');
  const scale = read('scale');
  const bad = scale.findIndex((v) => !(v > 0));
  if (bad >= 0) throw invalidValue(`${where}: state.scaling.scale[${bad}] must be positive but is ${describe(scale[bad])}`);
  return makeScaling(mean, scale);
}

/**
 * User-given starting parameters (original units) in standardised units: means and
 * full/tied/diag covariances or precisions are carried over; weights and spherical values are
 * taken as they are (spherical ones are in standardised units, see the module documentation).
 */
export function startingParametersToStandard(
  p: ResolvedStartingParameters,
  type: CovarianceType,
  d: number,
  s: Scaling,
): ResolvedStartingParameters {
  const out: ResolvedStartingParameters = { ...p };
  if (p.meansInit) out.meansInit = toStandard(p.meansInit, d, s);
  if (p.covariancesInit) out.covariancesInit = covariancesToStandard(p.covariancesInit, type, d, s);
  if (p.precisionsInit) out.precisionsInit = precisionsToStandard(p.precisionsInit, type, d, s);
  return out;
}
