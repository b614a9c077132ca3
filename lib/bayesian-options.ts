/**
 * The options of BayesianGaussianMixture: names, scikit-learn 1.2's defaults, their validation,
 * and their plain-JSON form.
 *
 * @module
 */
import { describe, invalidType, invalidValue } from './errors.js';
import { SKLEARN_COVARIANCE_TYPES, type SklearnCovarianceType } from './covariance-types.js';
import { checkCovarianceValues } from './mixture-params.js';
import { MIXTURE_INITS } from './mixture-options.js';
import type { CovarianceType, MixtureInit, WeightConcentrationPriorType } from './native.js';
import {
  booleanOption,
  enumOption,
  integerOption,
  numberOption,
  readOptionsObject,
  seedOption,
  threadsOption,
} from './options.js';
import { readTensor, toNested, type Nested, type Tensor } from './tensor.js';
import type { ArrayInput } from './types.js';
import { warningsOption, warningsToJSON, type WarningsOption } from './warnings.js';


/** The starts of a BayesianGaussianMixture: scikit-learn's four (mclust's 'hc' is GaussianMixture's). */
export type BayesianInit = Exclude<MixtureInit, 'hc'>;
const BAYESIAN_INITS = MIXTURE_INITS.filter((init): init is BayesianInit => init !== 'hc');
/** The priors on the weights (scikit-learn's `weight_concentration_prior_type`). */
export const WEIGHT_PRIORS: readonly WeightConcentrationPriorType[] = ['dirichlet_process', 'dirichlet_distribution'];

/** Options of {@link BayesianGaussianMixture}. Only `nComponents` is required. */
export interface BayesianGaussianMixtureOptions {
  /**
   * The number of components K, an upper bound on how many the data use: an integer >= 1, at
   * most the number of samples.
   */
  nComponents: number;
  /** The covariance constraint (default `'full'`): one of scikit-learn's four. */
  covarianceType?: SklearnCovarianceType;
  /**
   * Convergence threshold, >= 0 (default 1e-3): the fit stops when the change of the evidence
   * lower bound (`lowerBound`, a total over the samples) is strictly below `tol`, so 0 runs
   * exactly `maxIter` iterations.
   */
  tol?: number;
  /** Added to the diagonal of every EM covariance estimate S_k: a number >= 0 (default 1e-6). */
  regCovar?: number;
  /** Iterations per restart: an integer >= 0 (default 100). */
  maxIter?: number;
  /** Restarts, the one with the largest lower bound is kept: an integer >= 1 (default 1). */
  nInit?: number;
  /**
   * How the starting responsibilities are made (default `'kmeans'`), as GaussianMixture's
   * (scikit-learn's four; not mclust's `'hc'`).
   */
  init?: BayesianInit;
  /**
   * Starting responsibilities [N, K] (an NDArray or nested arrays): rows >= 0 with a positive
   * sum, each normalised to sum 1. The fit starts with the variational M-step on them
   * (scikit-learn's `_initialize(X, resp)`). Not together with `init`; N must be the fitted X's.
   */
  responsibilitiesInit?: ArrayInput;
  /** The prior on the weights (default `'dirichlet_process'`, stick-breaking). */
  weightConcentrationPriorType?: WeightConcentrationPriorType;
  /**
   * α₀ > 0, the concentration of the weights' prior (default 1/K): smaller values put more
   * weight on fewer components. At most 1e250 (as β₀ and ν₀: larger ones overflow).
   */
  weightConcentrationPrior?: number;
  /** β₀ in (0, 1e250], the precision of the means' prior relative to the components' (default 1). */
  meanPrecisionPrior?: number;
  /** m₀ [D], the means' prior mean (default: the mean of X, weighted by `sampleWeight`). */
  meanPrior?: ArrayInput;
  /** ν₀ > D − 1 and <= 1e250, the Wishart prior's degrees of freedom (default D). */
  degreesOfFreedomPrior?: number;
  /**
   * Ψ₀, the Wishart prior's covariance (the inverse of its scale), in the covariance type's
   * shape for one component: full and tied [D, D] symmetric positive definite, diag [D]
   * positive, spherical a positive number. Default: the covariance of X with Bessel's
   * correction, in that shape (`sampleWeight` counts as repetitions of the rows).
   */
  covariancePrior?: ArrayInput | number;
  /**
   * Reuse the fitted posterior as the start of the next fit (scikit-learn's `warm_start`): one
   * restart from it, the first change measured from its `lowerBound`; `init`, `nInit` and
   * `responsibilitiesInit` are then ignored. The priors' data-dependent defaults are taken
   * from the new X, as scikit-learn does. Default false.
   */
  warmStart?: boolean;
  /**
   * Seed of every random choice: an integer in [0, 2^53). The same seed gives a bit-identical
   * result for any thread count. Absent: a new random seed for every fit.
   */
  seed?: number;
  /**
   * Worker threads: an integer in [0, 1024]; 0 or absent: one per 32,768 of the fit's N·K·D,
   * at most `os.availableParallelism()`.
   */
  threads?: number;
  /**
   * Where the fit's warnings go (not converged, fewer distinct points than components):
   * `'emit'` (default, `process.emitWarning`), `'silent'`, or a function called with each
   * warning; see {@link GaussmixWarning}. Never thrown.
   */
  warnings?: WarningsOption;
}

/** The option names, in documentation order. */
export const BAYESIAN_OPTION_NAMES = [
  'nComponents',
  'covarianceType',
  'tol',
  'regCovar',
  'maxIter',
  'nInit',
  'init',
  'responsibilitiesInit',
  'weightConcentrationPriorType',
  'weightConcentrationPrior',
  'meanPrecisionPrior',
  'meanPrior',
  'degreesOfFreedomPrior',
  'covariancePrior',
  'warmStart',
  'seed',
  'threads',
  'warnings',
] as const;

/** Validated options; the priors left to the data (or to D) are undefined. */
export interface ResolvedBayesianOptions {
  readonly nComponents: number;
  readonly covarianceType: CovarianceType;
  readonly tol: number;
  readonly regCovar: number;
  readonly maxIter: number;
  readonly nInit: number;
  readonly init: MixtureInit;
  /** Whether `init` was given (it is exclusive with responsibilitiesInit). */
  readonly initGiven: boolean;
  /** [N, K], rows normalised. */
  readonly responsibilitiesInit: Tensor | undefined;
  readonly weightConcentrationPriorType: WeightConcentrationPriorType;
  readonly weightConcentrationPrior: number | undefined;
  readonly meanPrecisionPrior: number | undefined;
  readonly meanPrior: Float64Array | undefined;
  readonly degreesOfFreedomPrior: number | undefined;
  /** In the type's one-component shape, flat. */
  readonly covariancePrior: Float64Array | undefined;
  readonly warmStart: boolean;
  readonly seed: number | undefined;
  readonly threads: number;
  readonly warnings: WarningsOption;
}

/**
 * Validates BayesianGaussianMixture options. What can be checked without the data is checked
 * here (types, ranges, covariancePrior's symmetry and positive definiteness, the rows of
 * responsibilitiesInit); the sizes against N and D at fit time.
 * @param what - e.g. `'BayesianGaussianMixture options'`.
 * @throws TypeError - not an object, or an option of the wrong type.
 * @throws RangeError - an unknown option, or a value out of range.
 */
export function readBayesianOptions(value: unknown, what: string): ResolvedBayesianOptions {
  const o = readOptionsObject(value, what, BAYESIAN_OPTION_NAMES);
  if (o.nComponents === undefined) {
    throw invalidType(`Expected an integer >= 1 for nComponents but received undefined (it is required)`);
  }
  const k = integerOption(o.nComponents, 'nComponents', 1);
  const covarianceType =
    o.covarianceType === undefined ? 'full' : enumOption(o.covarianceType, 'covarianceType', SKLEARN_COVARIANCE_TYPES);
  if (o.init !== undefined && o.responsibilitiesInit !== undefined) {
    throw invalidValue('Give at most one of init and responsibilitiesInit, not both');
  }
  const positive = (v: unknown, name: string): number | undefined => (v === undefined ? undefined : priorOption(v, name));
  return Object.freeze({
    nComponents: k,
    covarianceType,
    tol: o.tol === undefined ? 1e-3 : numberOption(o.tol, 'tol', 0),
    regCovar: o.regCovar === undefined ? 1e-6 : numberOption(o.regCovar, 'regCovar', 0),
    maxIter: o.maxIter === undefined ? 100 : integerOption(o.maxIter, 'maxIter', 0),
    nInit: o.nInit === undefined ? 1 : integerOption(o.nInit, 'nInit', 1),
    init: o.init === undefined ? 'kmeans' : enumOption(o.init, 'init', BAYESIAN_INITS),
    initGiven: o.init !== undefined,
    responsibilitiesInit:
      o.responsibilitiesInit === undefined ? undefined : readResponsibilities(o.responsibilitiesInit, k),
    weightConcentrationPriorType:
      o.weightConcentrationPriorType === undefined
        ? 'dirichlet_process'
        : enumOption(o.weightConcentrationPriorType, 'weightConcentrationPriorType', WEIGHT_PRIORS),
    weightConcentrationPrior: positive(o.weightConcentrationPrior, 'weightConcentrationPrior'),
    meanPrecisionPrior: positive(o.meanPrecisionPrior, 'meanPrecisionPrior'),
    meanPrior: o.meanPrior === undefined ? undefined : readTensor(o.meanPrior, 'meanPrior', 1).data,
    degreesOfFreedomPrior: positive(o.degreesOfFreedomPrior, 'degreesOfFreedomPrior'),
    covariancePrior: o.covariancePrior === undefined ? undefined : readCovariancePrior(o.covariancePrior, covarianceType),
    warmStart: o.warmStart === undefined ? false : booleanOption(o.warmStart, 'warmStart'),
    seed: o.seed === undefined ? undefined : seedOption(o.seed),
    threads: o.threads === undefined ? 0 : threadsOption(o.threads),
    warnings: o.warnings === undefined ? 'emit' : warningsOption(o.warnings),
  });
}

/**
 * The largest weightConcentrationPrior, meanPrecisionPrior and degreesOfFreedomPrior taken.
 * The variational bound holds their log-gammas and their products with D and the data: from
 * about 1e304 (ν₀ with D = 20 to 100; α₀ from 1e305, β₀ from 1e306) it overflows, and the fit
 * failed as ill-conditioned, blaming the features. 1e250 leaves room for any D.
 */
const MAX_PRIOR = 1e250;

/** A prior's positive scalar, at most {@link MAX_PRIOR}. */
function priorOption(value: unknown, name: string): number {
  const v = numberOption(value, name, 0, true);
  if (v > MAX_PRIOR) {
    throw invalidValue(
      `Expected a finite number > 0 and <= 1e250 for ${name} but received ${describe(v)}: ` +
        `a larger prior overflows the variational bound`,
    );
  }
  return v;
}

/** responsibilitiesInit: [N, K], rows >= 0 with a positive sum, normalised. */
function readResponsibilities(value: unknown, k: number): Tensor {
  const t = readTensor(value, 'responsibilitiesInit', 2);
  const columns = t.shape?.[1] ?? k;
  if (columns !== k || t.data.length % k !== 0) {
    throw invalidValue(
      `responsibilitiesInit must have nComponents (${k}) columns but has shape ` +
        (t.shape ? `[${t.shape.join(', ')}]` : `[${t.data.length}] (flat)`),
    );
  }
  const r = t.data;
  for (let i = 0; i < r.length / k; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = r[i * k + j] as number;
      if (!(v >= 0)) {
        throw invalidValue(`responsibilitiesInit[${i}][${j}] must be >= 0 but is ${describe(v)}`);
      }
      sum += v;
    }
    if (!(sum > 0)) throw invalidValue(`responsibilitiesInit row ${i} must have a positive sum`);
    for (let j = 0; j < k; j++) r[i * k + j] = (r[i * k + j] as number) / sum;
  }
  return { data: r, shape: [r.length / k, k] };
}

/** covariancePrior: a positive number (spherical), a positive [D] (diag), an SPD [D, D]. */
function readCovariancePrior(value: unknown, type: CovarianceType): Float64Array {
  if (type === 'spherical') {
    if (typeof value === 'number') return Float64Array.of(numberOption(value, 'covariancePrior', 0, true));
    throw invalidType(`Expected a finite number > 0 for covariancePrior (covarianceType 'spherical') but received ${describe(value)}`);
  }
  const rank = type === 'diag' ? 1 : 2;
  const t = readTensor(value, 'covariancePrior', rank);
  if (rank === 2) {
    const d = t.shape?.[0] ?? Math.round(Math.sqrt(t.data.length));
    if (t.shape ? t.shape[1] !== d : d * d !== t.data.length) {
      throw invalidValue(`covariancePrior must be a square [D, D] matrix for covarianceType '${type}'`);
    }
    checkCovarianceValues(t.data, 'tied', 1, d, 'covariancePrior');
  } else {
    // A [D] vector of positive values: checked as D spherical variances, so errors say covariancePrior[j].
    checkCovarianceValues(t.data, 'spherical', t.data.length, 1, 'covariancePrior');
  }
  return t.data;
}

/** Options in plain-JSON form (what `toJSON` writes under `options`). */
export interface BayesianOptionsJSON {
  nComponents: number;
  covarianceType: CovarianceType;
  tol: number;
  regCovar: number;
  maxIter: number;
  nInit: number;
  init?: MixtureInit;
  responsibilitiesInit?: Nested[];
  weightConcentrationPriorType: WeightConcentrationPriorType;
  weightConcentrationPrior?: number;
  meanPrecisionPrior?: number;
  meanPrior?: number[];
  degreesOfFreedomPrior?: number;
  covariancePrior?: Nested[] | number;
  warmStart: boolean;
  seed?: number;
  threads: number;
  warnings?: 'silent';
}

/** Resolved options as plain JSON; the constructor accepts the result as it is. */
export function bayesianOptionsToJSON(o: ResolvedBayesianOptions): BayesianOptionsJSON {
  const out: BayesianOptionsJSON = {
    nComponents: o.nComponents,
    covarianceType: o.covarianceType,
    tol: o.tol,
    regCovar: o.regCovar,
    maxIter: o.maxIter,
    nInit: o.nInit,
    weightConcentrationPriorType: o.weightConcentrationPriorType,
    warmStart: o.warmStart,
    threads: o.threads,
  };
  if (o.initGiven || !o.responsibilitiesInit) out.init = o.init;
  if (o.responsibilitiesInit) out.responsibilitiesInit = toNested(o.responsibilitiesInit.data, o.responsibilitiesInit.shape as number[]);
  if (o.weightConcentrationPrior !== undefined) out.weightConcentrationPrior = o.weightConcentrationPrior;
  if (o.meanPrecisionPrior !== undefined) out.meanPrecisionPrior = o.meanPrecisionPrior;
  if (o.meanPrior) out.meanPrior = Array.from(o.meanPrior);
  if (o.degreesOfFreedomPrior !== undefined) out.degreesOfFreedomPrior = o.degreesOfFreedomPrior;
  if (o.covariancePrior) {
    const cp = o.covariancePrior;
    const d = Math.round(Math.sqrt(cp.length));
    out.covariancePrior =
      o.covarianceType === 'spherical' ? (cp[0] as number) : o.covarianceType === 'diag' ? Array.from(cp) : toNested(cp, [d, d]);
  }
  if (o.seed !== undefined) out.seed = o.seed;
  const warnings = warningsToJSON(o.warnings);
  if (warnings) out.warnings = warnings;
  return out;
}
