/**
 * Gaussian-mixture parameters in scikit-learn's shapes: the shape of `covariances` per
 * covariance type, the number of free parameters (for BIC/AIC), and the checks on user-given
 * starting parameters and on parameters read from JSON.
 *
 * @module
 */
import { describe, invalidValue } from './errors.js';
import type { CovarianceType } from './native.js';
import { checkTensorShape, indexPath, type Tensor } from './tensor.js';

/** The covariance types, in scikit-learn's order. */
export const COVARIANCE_TYPES: readonly CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];

/** The rank of `covariances` (and `precisionsCholesky`) for a covariance type. */
export function covarianceRank(type: CovarianceType): number {
  switch (type) {
    case 'full':
      return 3;
    case 'tied':
    case 'diag':
      return 2;
    case 'spherical':
      return 1;
  }
}

/** The shape of `covariances`: full [K,D,D]; tied [D,D]; diag [K,D]; spherical [K]. */
export function covarianceShape(type: CovarianceType, k: number, d: number): number[] {
  switch (type) {
    case 'full':
      return [k, d, d];
    case 'tied':
      return [d, d];
    case 'diag':
      return [k, d];
    case 'spherical':
      return [k];
  }
}

/** The names of those dimensions, for messages. */
export function covarianceShapeLabel(type: CovarianceType): string {
  switch (type) {
    case 'full':
      return '[nComponents, nFeatures, nFeatures]';
    case 'tied':
      return '[nFeatures, nFeatures]';
    case 'diag':
      return '[nComponents, nFeatures]';
    case 'spherical':
      return '[nComponents]';
  }
}

/**
 * The number of free parameters, exactly as scikit-learn's `GaussianMixture._n_parameters`:
 * covariance parameters (full K·D(D+1)/2, tied D(D+1)/2, diag K·D, spherical K) + K·D means
 * + K − 1 weights.
 */
export function mixtureParameterCount(type: CovarianceType, k: number, d: number): number {
  let cov: number;
  switch (type) {
    case 'full':
      cov = (k * d * (d + 1)) / 2;
      break;
    case 'tied':
      cov = (d * (d + 1)) / 2;
      break;
    case 'diag':
      cov = k * d;
      break;
    case 'spherical':
      cov = k;
      break;
  }
  return Math.trunc(cov + d * k + k - 1);
}

/**
 * Checks mixture weights as scikit-learn's `_check_weights`: every value in [0, 1] and the sum
 * within 1e-8 of 1 (numpy's `allclose(|1 − Σw|, 0)`).
 * @param slack - how far above 1 a value may be: 0 for user-given weights (as scikit-learn);
 *   fitted weights read back from JSON may exceed 1 by rounding (K = 1 and maxIter 0 gives
 *   (N + 10ε)/N = 1 + 2⁻⁵²), and a model must always restore from its own JSON.
 * @throws RangeError - naming the offending value or the sum.
 */
export function checkWeights(w: Float64Array, name: string, slack = 0): void {
  let sum = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i] as number;
    if (!(v >= 0 && v <= 1 + slack)) {
      throw invalidValue(`Expected a number in [0, 1] for ${name}[${i}] but received ${describe(v)}`);
    }
    sum += v;
  }
  if (!(Math.abs(1 - sum) <= 1e-8)) {
    throw invalidValue(`${name} must sum to 1, but its sum is ${sum}`);
  }
}

/** numpy's `allclose(a, b)` for one pair: |a − b| <= 1e-8 + 1e-5·|b|. */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-8 + 1e-5 * Math.abs(b);
}

/**
 * Checks one D×D matrix (row-major at `off`) for symmetry (numpy's `allclose(A, Aᵀ)`, as
 * scikit-learn) and positive definiteness (a Cholesky factorisation that meets only positive
 * pivots).
 */
function checkSpdMatrix(a: Float64Array, off: number, d: number, name: string, what: string): void {
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      if (!close(a[off + i * d + j] as number, a[off + j * d + i] as number)) {
        throw invalidValue(
          `${name}${what} must be symmetric, but element [${i}][${j}] is ${a[off + i * d + j] as number} ` +
            `and [${j}][${i}] is ${a[off + j * d + i] as number}`,
        );
      }
    }
  }
  // Cholesky A = L·Lᵀ on the lower triangle; a pivot <= 0 (or NaN) means not positive definite.
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = a[off + j * d + j] as number;
    for (let p = 0; p < j; p++) s -= (l[j * d + p] as number) ** 2;
    if (!(s > 0)) {
      throw invalidValue(`${name}${what} must be positive definite`);
    }
    const ljj = Math.sqrt(s);
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[off + i * d + j] as number;
      for (let p = 0; p < j; p++) t -= (l[i * d + p] as number) * (l[j * d + p] as number);
      l[i * d + j] = t / ljj;
    }
  }
}

/**
 * Checks `blocks` D×D matrices (row-major) for symmetry (numpy's `allclose(A, Aᵀ)`) and a
 * positive diagonal: what every covariance matrix has, without a factorisation.
 * @throws RangeError - naming the element.
 */
export function checkSymmetricPositiveDiagonal(a: Float64Array, blocks: number, d: number, name: string): void {
  for (let c = 0; c < blocks; c++) {
    const off = c * d * d;
    const prefix = blocks > 1 ? `${name}[${c}]` : name;
    for (let i = 0; i < d; i++) {
      const v = a[off + i * d + i] as number;
      if (!(v > 0)) throw invalidValue(`${prefix}[${i}][${i}] must be positive (a variance) but is ${describe(v)}`);
      for (let j = i + 1; j < d; j++) {
        if (!close(a[off + i * d + j] as number, a[off + j * d + i] as number)) {
          throw invalidValue(
            `${prefix} must be symmetric, but element [${i}][${j}] is ${a[off + i * d + j] as number} ` +
              `and [${j}][${i}] is ${a[off + j * d + i] as number}`,
          );
        }
      }
    }
  }
}

/**
 * Checks covariance-like parameters (user-given `covariancesInit` / `precisionsInit`, or
 * fitted `covariances` from JSON) of a known shape: full and tied symmetric positive
 * definite, diag and spherical positive.
 * @throws RangeError - naming the component and what is wrong.
 */
export function checkCovarianceValues(t: Float64Array, type: CovarianceType, k: number, d: number, name: string): void {
  switch (type) {
    case 'full':
      for (let c = 0; c < k; c++) checkSpdMatrix(t, c * d * d, d, name, `[${c}]`);
      return;
    case 'tied':
      checkSpdMatrix(t, 0, d, name, '');
      return;
    case 'diag':
    case 'spherical':
      for (let i = 0; i < t.length; i++) {
        if (!((t[i] as number) > 0)) {
          const shape = type === 'diag' ? [k, d] : [k];
          throw invalidValue(`${name}${indexPath(i, shape)} must be positive but is ${describe(t[i])}`);
        }
      }
      return;
  }
}

/**
 * Checks fitted Cholesky factors of precisions (from JSON) of a known shape: full and tied
 * upper triangular (scikit-learn's U with U·Uᵀ = Σ⁻¹, row-major) with a positive diagonal;
 * diag and spherical positive.
 * @throws RangeError - naming the element.
 */
export function checkPrecisionsCholesky(t: Float64Array, type: CovarianceType, k: number, d: number, name: string): void {
  if (type === 'diag' || type === 'spherical') {
    checkCovarianceValues(t, type, k, d, name);
    return;
  }
  const blocks = type === 'full' ? k : 1;
  for (let c = 0; c < blocks; c++) {
    const off = c * d * d;
    const prefix = type === 'full' ? `${name}[${c}]` : name;
    for (let i = 0; i < d; i++) {
      if (!((t[off + i * d + i] as number) > 0)) {
        throw invalidValue(`${prefix}[${i}][${i}] must be positive (a Cholesky diagonal) but is ${describe(t[off + i * d + i])}`);
      }
      for (let j = 0; j < i; j++) {
        if (t[off + i * d + j] !== 0) {
          throw invalidValue(`${prefix} must be upper triangular, but element [${i}][${j}] is ${describe(t[off + i * d + j])}`);
        }
      }
    }
  }
}

/** User-given starting parameters, read and copied by the constructor (shapes unchecked). */
export interface StartingParameters {
  /** [K] */
  readonly weightsInit?: Tensor;
  /** [K, D] */
  readonly meansInit?: Tensor;
  /** In the shape of `covariances`. */
  readonly covariancesInit?: Tensor;
  /** In the shape of `covariances`. */
  readonly precisionsInit?: Tensor;
}

/** Starting parameters as the native side takes them. */
export interface ResolvedStartingParameters {
  weightsInit?: Float64Array;
  meansInit?: Float64Array;
  covariancesInit?: Float64Array;
  precisionsInit?: Float64Array;
}

/**
 * Checks starting parameters against the data's D (at fit time): shapes, then symmetry and
 * positive definiteness (full, tied) or positivity (diag, spherical), as scikit-learn's
 * `_check_parameters`.
 * @throws RangeError - naming the parameter.
 */
export function resolveStartingParameters(
  p: StartingParameters,
  type: CovarianceType,
  k: number,
  d: number,
): ResolvedStartingParameters {
  const out: ResolvedStartingParameters = {};
  if (p.weightsInit) {
    checkTensorShape(p.weightsInit, [k], 'weightsInit', '[nComponents]');
    out.weightsInit = p.weightsInit.data;
  }
  if (p.meansInit) {
    checkTensorShape(p.meansInit, [k, d], 'meansInit', '[nComponents, nFeatures]');
    out.meansInit = p.meansInit.data;
  }
  for (const key of ['covariancesInit', 'precisionsInit'] as const) {
    const t = p[key];
    if (!t) continue;
    checkTensorShape(t, covarianceShape(type, k, d), key, `${covarianceShapeLabel(type)} for covarianceType '${type}'`);
    checkCovarianceValues(t.data, type, k, d, key);
    out[key] = t.data;
  }
  return out;
}
