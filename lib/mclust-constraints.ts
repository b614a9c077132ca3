/**
 * Whether user-given covariance (or precision) matrices [K, D, D] are of an mclust model
 * Σ_k = λ_k D_k A_k D_kᵀ: the volumes λ_k = |Σ_k|^(1/D) equal (E), the shapes A_k (eigenvalues
 * over the volume) equal, the orientations D_k equal (common eigenvectors), or spherical (I).
 * Each holds for the inverses exactly when it holds for the matrices, so precisions are
 * checked the same way.
 *
 * @module
 */
import { covarianceTypeDescriptor, isMclustModel, type CovarianceType } from './covariance-types.js';
import { invalidValue } from './errors.js';
import { choleskyLogDeterminant } from './mixture-params.js';

/** Relative tolerance: far above rounding (a fitted model's own matrices pass), far below any real difference. */
const TOLERANCE = 1e-8;

/** The eigenvalues of a symmetric matrix, decreasing (cyclic Jacobi rotations). */
function eigenvalues(a: Float64Array, off: number, d: number): number[] {
  const m = Float64Array.from(a.subarray(off, off + d * d));
  for (let sweep = 0; sweep < 100; sweep++) {
    let offNorm = 0;
    let norm = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const v = (m[i * d + j] as number) ** 2;
        norm += v;
        if (i !== j) offNorm += v;
      }
    }
    if (offNorm <= 1e-30 * norm) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q] as number;
        if (apq === 0) continue;
        const theta = ((m[q * d + q] as number) - (m[p * d + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k * d + p] as number;
          const mkq = m[k * d + q] as number;
          m[k * d + p] = c * mkp - s * mkq;
          m[k * d + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p * d + k] as number;
          const mqk = m[q * d + k] as number;
          m[p * d + k] = c * mpk - s * mqk;
          m[q * d + k] = s * mpk + c * mqk;
        }
      }
    }
  }
  return Array.from({ length: d }, (_, i) => m[i * d + i] as number).sort((x, y) => y - x);
}

/** The largest |a_i − b_i| against the largest |b_i|. */
function relativeGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return scale > 0 ? diff / scale : diff;
}

/**
 * Checks that the K matrices (row-major [K, D, D], each already symmetric positive definite,
 * and diagonal for the axis-aligned models) hold covarianceType's equalities. Nothing to check
 * for scikit-learn's names and VVV.
 * @param how - `units`: how the matrices were obtained from `name`, said in the message (e.g.
 *   that they were standardised; absent: `name` as it is). `fitted`: the matrices are a fitted
 *   model's own (from JSON), whose volumes and eigenvalues are only as accurate as their
 *   conditioning allows: a gap above 1e-8 is then allowed up to 1e-8 + 16·D·ε·κ, κ the largest
 *   condition number of the K matrices. (Fits of every name on ill-conditioned data, κ up to
 *   1e11, need at most 0.5·ε·κ; the matrices of a model with other equalities are far outside.)
 * @throws RangeError - naming the option, the model's constraint and the first component that breaks it.
 */
export function checkMclustConstraints(
  t: Float64Array,
  type: CovarianceType,
  k: number,
  d: number,
  name: string,
  how: { units?: string; fitted?: boolean } = {},
): void {
  const { units, fitted = false } = how;
  if (!isMclustModel(type)) return;
  let tolerance = TOLERANCE;
  let relaxed = !fitted;
  /** Whether a relative gap is beyond the tolerance (for fitted matrices, the conditioned one). */
  const exceeds = (gap: number): boolean => {
    if (gap > tolerance && !relaxed) {
      relaxed = true;
      tolerance += 16 * d * Number.EPSILON * largestConditionNumber(t, k, d);
    }
    return gap > tolerance;
  };
  const { volume, shape, orientation } = covarianceTypeDescriptor(type);
  const at = (c: number): Float64Array => t.subarray(c * d * d, (c + 1) * d * d);
  // (The matrices were checked positive definite.)
  const volumes = Array.from({ length: k }, (_, c) => Math.exp((choleskyLogDeterminant(t, c * d * d, d) as number) / d));
  const fail = (c: number, what: string): never => {
    throw invalidValue(
      `${name}${units ? `, ${units},` : ''} must be of covarianceType '${type}' (Σ_k = λ_k D_k A_k D_kᵀ with ` +
        `${describeModel(type)}), but ${name}[${c}]${units ? ' (so standardised)' : ''} ${what}`,
    );
  };
  for (let c = 0; c < k; c++) {
    const m = at(c);
    if (shape === 'I') {
      const diagonal = Array.from({ length: d }, (_, i) => m[i * d + i] as number);
      if (exceeds(relativeGap(diagonal, diagonal.map(() => diagonal[0] as number)))) fail(c, 'is not a multiple of the identity');
    }
    if (c === 0) continue;
    if (volume === 'E' && exceeds(Math.abs((volumes[c] as number) - (volumes[0] as number)) / (volumes[0] as number))) {
      fail(c, `has volume |Σ|^(1/D) = ${volumes[c]}, ${name}[0] ${volumes[0]}`);
    }
    if (shape === 'E' && orientation === 'I') {
      const a = Array.from({ length: d }, (_, i) => (m[i * d + i] as number) / (volumes[c] as number));
      const a0 = Array.from({ length: d }, (_, i) => (at(0)[i * d + i] as number) / (volumes[0] as number));
      if (exceeds(relativeGap(a, a0))) fail(c, `has another shape (diagonal over volume) than ${name}[0]`);
    } else if (shape === 'E' && orientation === 'E') {
      const a = Array.from(m, (v) => v / (volumes[c] as number));
      const a0 = Array.from(at(0), (v) => v / (volumes[0] as number));
      if (exceeds(relativeGap(a, a0))) fail(c, `is not a multiple of ${name}[0]`);
    } else if (shape === 'E' && orientation === 'V') {
      const a = eigenvalues(t, c * d * d, d).map((v) => v / (volumes[c] as number));
      const a0 = eigenvalues(t, 0, d).map((v) => v / (volumes[0] as number));
      if (exceeds(relativeGap(a, a0))) fail(c, `has another shape (eigenvalues over volume) than ${name}[0]`);
    }
    if (shape === 'V' && orientation === 'E') {
      // Symmetric matrices share their eigenvectors exactly when they commute.
      const m0 = at(0);
      let gap = 0;
      let n0 = 0;
      let nc = 0;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          let ab = 0;
          let ba = 0;
          for (let p = 0; p < d; p++) {
            ab += (m0[i * d + p] as number) * (m[p * d + j] as number);
            ba += (m[i * d + p] as number) * (m0[p * d + j] as number);
          }
          gap = Math.max(gap, Math.abs(ab - ba));
          n0 = Math.max(n0, Math.abs(m0[i * d + j] as number));
          nc = Math.max(nc, Math.abs(m[i * d + j] as number));
        }
      }
      if (exceeds(gap / (d * n0 * nc))) fail(c, `has other eigenvectors (orientation) than ${name}[0]`);
    }
  }
}

/** The largest λ_max / λ_min of the K matrices (Infinity when one is not positive definite). */
function largestConditionNumber(t: Float64Array, k: number, d: number): number {
  let worst = 1;
  for (let c = 0; c < k; c++) {
    const values = eigenvalues(t, c * d * d, d);
    const smallest = values[d - 1] as number;
    worst = Math.max(worst, smallest > 0 ? (values[0] as number) / smallest : Infinity);
  }
  return worst;
}

/** The equalities of an mclust name, in words. */
function describeModel(type: CovarianceType): string {
  const { volume, shape, orientation } = covarianceTypeDescriptor(type);
  const parts = [
    volume === 'E' ? 'equal volumes λ' : 'volumes λ_k free',
    shape === 'I' ? 'spherical' : shape === 'E' ? 'equal shapes A' : 'shapes A_k free',
    orientation === 'I' ? 'axis-aligned' : orientation === 'E' ? 'equal orientations D' : 'orientations D_k free',
  ];
  return parts.join(', ');
}
