/**
 * Gaussian-mixture parameters in the shapes of their covariance type (covariance-types.ts):
 * the checks on user-given starting parameters and on parameters read from JSON.
 *
 * @module
 */
import {
  covarianceShape,
  covarianceShapeLabel,
  covarianceTypeDescriptor,
  type CovarianceType,
} from './covariance-types.js';
import { describe, invalidValue } from './errors.js';
import { checkTensorShape, indexPath, type Tensor } from './tensor.js';

export { covarianceRank, covarianceShape, covarianceShapeLabel, mixtureParameterCount } from './covariance-types.js';

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
  if (choleskyLogDeterminant(a, off, d) === undefined) throw invalidValue(`${name}${what} must be positive definite`);
}

/**
 * log|A| of the D×D matrix at a[off] by Cholesky A = L·Lᵀ on its lower triangle, or undefined
 * when a pivot is <= 0 (or NaN): A is not positive definite.
 */
export function choleskyLogDeterminant(a: Float64Array, off: number, d: number): number | undefined {
  const l = new Float64Array(d * d);
  let sum = 0;
  for (let j = 0; j < d; j++) {
    let s = a[off + j * d + j] as number;
    for (let p = 0; p < j; p++) s -= (l[j * d + p] as number) ** 2;
    if (!(s > 0)) return undefined;
    const ljj = Math.sqrt(s);
    l[j * d + j] = ljj;
    sum += 2 * Math.log(ljj);
    for (let i = j + 1; i < d; i++) {
      let t = a[off + i * d + j] as number;
      for (let p = 0; p < j; p++) t -= (l[i * d + p] as number) * (l[j * d + p] as number);
      l[i * d + j] = t / ljj;
    }
  }
  return sum;
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
 * Checks that `blocks` D×D matrices have no entry off the diagonal: the axis-aligned mclust
 * models (orientation I) keep only the diagonal.
 * @throws RangeError - naming the element.
 */
function checkDiagonalMatrices(a: Float64Array, blocks: number, d: number, name: string, type: CovarianceType): void {
  for (let c = 0; c < blocks; c++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const v = a[c * d * d + i * d + j] as number;
        if (i !== j && v !== 0) {
          throw invalidValue(
            `${name}[${c}][${i}][${j}] must be 0 for covarianceType '${type}' (its matrices are diagonal) but is ${describe(v)}`,
          );
        }
      }
    }
  }
}

/** The number of D×D matrices of a type's layout (0 for diagonals and variances). */
function matrixCount(type: CovarianceType, k: number): number {
  const layout = covarianceTypeDescriptor(type).layout;
  return layout === 'matrices' ? k : layout === 'matrix' ? 1 : 0;
}

/**
 * Checks covariance-like parameters (user-given `covariancesInit` / `precisionsInit`, or
 * fitted `covariances` from JSON) of a known shape: matrices symmetric positive definite (and
 * diagonal for the axis-aligned mclust models), diagonals and variances positive.
 * @throws RangeError - naming the component and what is wrong.
 */
export function checkCovarianceValues(t: Float64Array, type: CovarianceType, k: number, d: number, name: string): void {
  const blocks = matrixCount(type, k);
  if (blocks === 0) {
    for (let i = 0; i < t.length; i++) {
      if (!((t[i] as number) > 0)) {
        throw invalidValue(`${name}${indexPath(i, covarianceShape(type, k, d))} must be positive but is ${describe(t[i])}`);
      }
    }
    return;
  }
  for (let c = 0; c < blocks; c++) checkSpdMatrix(t, c * d * d, d, name, blocks > 1 || covarianceTypeDescriptor(type).layout === 'matrices' ? `[${c}]` : '');
  if (covarianceTypeDescriptor(type).orientation === 'I') checkDiagonalMatrices(t, blocks, d, name, type);
}

/**
 * Checks fitted Cholesky factors of precisions (from JSON) of a known shape: matrices upper
 * triangular (scikit-learn's U with U·Uᵀ = Σ⁻¹, row-major) with a positive diagonal (and
 * diagonal for the axis-aligned mclust models); diagonals and variances positive.
 * @throws RangeError - naming the element.
 */
export function checkPrecisionsCholesky(t: Float64Array, type: CovarianceType, k: number, d: number, name: string): void {
  const blocks = matrixCount(type, k);
  if (blocks === 0) {
    checkCovarianceValues(t, type, k, d, name);
    return;
  }
  const indexed = covarianceTypeDescriptor(type).layout === 'matrices';
  for (let c = 0; c < blocks; c++) {
    const off = c * d * d;
    const prefix = indexed ? `${name}[${c}]` : name;
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
  if (covarianceTypeDescriptor(type).orientation === 'I') checkDiagonalMatrices(t, blocks, d, name, type);
}

/**
 * Checks fitted covariances (from JSON) without a factorisation: matrices symmetric with a
 * positive diagonal (a near-singular fitted covariance may fail a Cholesky test in JavaScript's
 * rounding), diagonals and variances positive.
 * @throws RangeError - naming the element.
 */
export function checkFittedCovariances(t: Float64Array, type: CovarianceType, k: number, d: number, name: string): void {
  const blocks = matrixCount(type, k);
  if (blocks === 0) checkCovarianceValues(t, type, k, d, name);
  else checkSymmetricPositiveDiagonal(t, blocks, d, name);
}

/**
 * Checks that fitted Cholesky factors of precisions belong to the fitted covariances (from
 * JSON, after each was checked alone): Uᵀ·Σ·U = I per matrix (U·Uᵀ = Σ⁻¹), u²·σ² = 1 per
 * variance. Σ and U are each rounded on their own, an entry of Σ to a few ε of
 * √(Σ_aa·Σ_bb) (not of |Σ_ab|: the iterative types build Σ = λ·D·A·Dᵀ, whose small entries
 * come from cancellation), so each entry of Uᵀ·Σ·U may differ from the identity's by
 * 16·D·ε·v_i·v_j with v_j = Σ_a |U_aj|·√Σ_aa. Fitted models of every type, also near singular
 * ones, stay well within that, and factors of another model are far outside it.
 * @throws RangeError - naming the component.
 */
export function checkFactorsMatchCovariances(
  covariances: Float64Array,
  factors: Float64Array,
  type: CovarianceType,
  k: number,
  d: number,
): void {
  const blocks = matrixCount(type, k);
  const mismatch = (where: string) =>
    invalidValue(`state.precisionsCholesky${where} does not belong to state.covariances${where} (U·Uᵀ must be its inverse)`);
  const slack = 16 * Math.max(d, 1) * Number.EPSILON;
  if (blocks === 0) {
    const perValue = covarianceShape(type, k, d);
    for (let i = 0; i < covariances.length; i++) {
      const u = factors[i] as number;
      const product = u * u * (covariances[i] as number);
      // (an overflowing product is no match: Infinity would pass the comparison)
      if (!(Math.abs(product - 1) <= slack * product) || !Number.isFinite(product)) throw mismatch(indexPath(i, perValue));
    }
    return;
  }
  const indexed = blocks > 1 || covarianceTypeDescriptor(type).layout === 'matrices';
  const su = new Float64Array(d * d);
  const scale = new Float64Array(d);
  for (let c = 0; c < blocks; c++) {
    const off = c * d * d;
    // Σ·U, and v_j = Σ_a |U_aj|·√Σ_aa (U is upper triangular: a <= j).
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let a = 0; a <= j; a++) v += Math.abs(factors[off + a * d + j] as number) * Math.sqrt(covariances[off + a * d + a] as number);
      scale[j] = v;
      for (let i = 0; i < d; i++) {
        let sum = 0;
        for (let t = 0; t <= j; t++) sum += (covariances[off + i * d + t] as number) * (factors[off + t * d + j] as number);
        su[i * d + j] = sum;
      }
    }
    // Each entry of Uᵀ·(Σ·U) against the identity's.
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let sum = 0;
        for (let t = 0; t <= i; t++) sum += (factors[off + t * d + i] as number) * (su[t * d + j] as number);
        const allowed = slack * (scale[i] as number) * (scale[j] as number);
        if (!(Math.abs(sum - (i === j ? 1 : 0)) <= allowed) || !Number.isFinite(allowed)) throw mismatch(indexed ? `[${c}]` : '');
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
  /** [N, K] or [N, K + 1] with noise, rows normalised. */
  readonly responsibilitiesInit?: Tensor;
}

/** Starting parameters as the native side takes them. */
export interface ResolvedStartingParameters {
  weightsInit?: Float64Array;
  meansInit?: Float64Array;
  covariancesInit?: Float64Array;
  precisionsInit?: Float64Array;
  responsibilitiesInit?: Float64Array;
}

/**
 * Checks starting parameters against the data's D and N (at fit time): shapes, then symmetry
 * and positive definiteness (matrices) or positivity (diagonals, variances), as scikit-learn's
 * `_check_parameters`; responsibilitiesInit's rows against N.
 * @throws RangeError - naming the parameter.
 */
export function resolveStartingParameters(
  p: StartingParameters,
  type: CovarianceType,
  k: number,
  d: number,
  n = 0,
): ResolvedStartingParameters {
  const out: ResolvedStartingParameters = {};
  if (p.responsibilitiesInit) {
    const rows = (p.responsibilitiesInit.shape as readonly number[])[0] as number;
    if (rows !== n) throw invalidValue(`responsibilitiesInit has ${rows} rows, but X has ${n}`);
    out.responsibilitiesInit = p.responsibilitiesInit.data;
  }
  if (p.weightsInit) {
    const noise = p.weightsInit.data.length === k + 1;
    checkTensorShape(p.weightsInit, [noise ? k + 1 : k], 'weightsInit', noise ? '[nComponents + 1]' : '[nComponents]');
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
