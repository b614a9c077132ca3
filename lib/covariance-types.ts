/**
 * The covariance types (`covarianceType`): scikit-learn's four and mclust's fourteen, as the
 * native addon describes them (its parametrisation table, native/core/covariance.cc). Shapes,
 * parameter counts and the checks on given covariances are derived here from each row.
 *
 * @module
 */
import { invalidType } from './errors.js';
import { native } from './native.js';

/** scikit-learn's covariance types, in its order. */
export const SKLEARN_COVARIANCE_TYPES = ['full', 'tied', 'diag', 'spherical'] as const;

/**
 * mclust's model names, in its order (`mclust.options("emModelNames")`): Σ_k = λ_k D_k A_k D_kᵀ
 * with the volume λ, the shape A and the orientation D each Equal across the components,
 * Varying, or the Identity (a spherical shape; the coordinate axes).
 */
export const MCLUST_MODEL_NAMES = [
  'EII',
  'VII',
  'EEI',
  'VEI',
  'EVI',
  'VVI',
  'EEE',
  'VEE',
  'EVE',
  'VVE',
  'EEV',
  'VEV',
  'EVV',
  'VVV',
] as const;

/** scikit-learn's covariance types. */
export type SklearnCovarianceType = (typeof SKLEARN_COVARIANCE_TYPES)[number];
/** mclust's model names. */
export type MclustModelName = (typeof MCLUST_MODEL_NAMES)[number];
/** A covariance type: one of scikit-learn's names or one of mclust's. */
export type CovarianceType = SklearnCovarianceType | MclustModelName;

/** One row of the addon's parametrisation table. */
export interface CovarianceTypeDescriptor {
  readonly name: CovarianceType;
  /** Whose conventions the type follows (defaults of `tol` and `regCovar`, its EM loop). */
  readonly family: 'sklearn' | 'mclust';
  /** λ: E (one for all components) or V (one per component). */
  readonly volume: 'E' | 'V';
  /** A: E, V, or I (spherical). */
  readonly shape: 'E' | 'V' | 'I';
  /** D: E, V, or I (the coordinate axes). */
  readonly orientation: 'E' | 'V' | 'I';
  /** The shape of `covariances`: [K,D,D], [D,D], [K,D] or [K]. */
  readonly layout: 'matrices' | 'matrix' | 'diagonals' | 'variances';
  /** Its M-step iterates (`mStepTol`, `mStepMaxIter`). */
  readonly iterative: boolean;
  /** mclust has a conjugate prior for it (`prior`). */
  readonly prior: boolean;
}

let table: ReadonlyMap<string, CovarianceTypeDescriptor> | undefined;

/** The addon's table by name (read once; checked against the names above). */
function descriptors(): ReadonlyMap<string, CovarianceTypeDescriptor> {
  if (!table) {
    const rows = native().covarianceTypes;
    const names = [...SKLEARN_COVARIANCE_TYPES, ...MCLUST_MODEL_NAMES];
    if (rows.length !== names.length || rows.some((r, i) => r.name !== names[i])) {
      throw new Error('gaussmix: the native addon describes other covariance types than this build of lib/');
    }
    table = new Map(rows.map((r) => [r.name, Object.freeze({ ...r })]));
  }
  return table;
}

/** Every covariance type, in the table's order (scikit-learn's, then mclust's). */
export function covarianceTypeNames(): readonly CovarianceType[] {
  return [...descriptors().keys()] as CovarianceType[];
}

/** The descriptor of a covariance type (a name already validated). */
export function covarianceTypeDescriptor(type: CovarianceType): CovarianceTypeDescriptor {
  const d = descriptors().get(type);
  if (!d) throw invalidType(`unknown covarianceType ${String(type)}`);
  return d;
}

/** Whether a name is one of mclust's. */
export function isMclustModel(type: CovarianceType): boolean {
  return covarianceTypeDescriptor(type).family === 'mclust';
}

/** The rank of `covariances` (and `precisionsCholesky`) for a covariance type. */
export function covarianceRank(type: CovarianceType): number {
  return covarianceShape(type, 1, 1).length;
}

/** The shape of `covariances`: [K,D,D] (full, every mclust name), [D,D] (tied), [K,D] (diag), [K] (spherical). */
export function covarianceShape(type: CovarianceType, k: number, d: number): number[] {
  switch (covarianceTypeDescriptor(type).layout) {
    case 'matrices':
      return [k, d, d];
    case 'matrix':
      return [d, d];
    case 'diagonals':
      return [k, d];
    case 'variances':
      return [k];
  }
}

/** The names of those dimensions, for messages. */
export function covarianceShapeLabel(type: CovarianceType): string {
  const names: Record<string, string> = { k: 'nComponents', d: 'nFeatures' };
  return `[${covarianceShape(type, 0, 1)
    .map((v) => names[v === 0 ? 'k' : 'd'])
    .join(', ')}]`;
}

/**
 * The free parameters of the covariances, from the structure letters: λ (E 1, V K) + A (I 0,
 * E D − 1, V K(D − 1)) + D (I 0, E D(D − 1)/2, V K·D(D − 1)/2); mclust's `nVarParams`, and
 * scikit-learn's counts for its four types.
 */
export function covarianceParameterCount(type: CovarianceType, k: number, d: number): number {
  const t = covarianceTypeDescriptor(type);
  const count = (letter: string, each: number): number => (letter === 'I' ? 0 : letter === 'E' ? each : k * each);
  return count(t.volume, 1) + count(t.shape, d - 1) + count(t.orientation, (d * (d - 1)) / 2);
}

/**
 * All free parameters: covariances + K·D means + K − 1 weights (scikit-learn's
 * `_n_parameters`, mclust's `nMclustParams`), + 2 with a noise component (its weight and, as
 * mclust counts it, its hypervolume).
 */
export function mixtureParameterCount(type: CovarianceType, k: number, d: number, noise = false): number {
  return covarianceParameterCount(type, k, d) + k * d + k - 1 + (noise ? 2 : 0);
}
