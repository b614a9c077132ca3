/**
 * The options of GaussianMixture (and GaussianKMeans): names, defaults and their validation,
 * and their plain-JSON form.
 *
 * @module
 */
import { describe, invalidType, invalidValue } from './errors.js';
import {
  checkCovarianceValues,
  checkWeights,
  COVARIANCE_TYPES,
  covarianceRank,
  type StartingParameters,
} from './mixture-params.js';
import type { CollapsePolicy, CovarianceType, MixtureInit } from './native.js';
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

/** The initialisation methods of GaussianMixture, as scikit-learn's `init_params`. */
export const MIXTURE_INITS: readonly MixtureInit[] = ['kmeans', 'k-means++', 'random', 'random-from-data'];

/** The values of `onCollapse`. */
export const COLLAPSE_POLICIES: readonly CollapsePolicy[] = ['error', 'reseed'];

/** Options of {@link GaussianMixture}. Only `nComponents` is required. */
export interface GaussianMixtureOptions {
  /** The number of mixture components K: an integer >= 1, at most the number of samples. */
  nComponents: number;
  /** The covariance constraint (default `'full'`). */
  covarianceType?: CovarianceType;
  /**
   * Convergence threshold, >= 0 (default 1e-3): EM stops when the change of the mean
   * log-likelihood per sample is strictly below `tol`, so 0 runs exactly `maxIter` iterations.
   */
  tol?: number;
  /** EM iterations per restart: an integer >= 0 (default 100). */
  maxIter?: number;
  /** Restarts, the one with the best lower bound is kept: an integer >= 1 (default 1). */
  nInit?: number;
  /**
   * Seed of every random choice: an integer in [0, 2^53). The same seed gives a bit-identical
   * result for any thread count. Absent: a new random seed for every fit (as scikit-learn's
   * `random_state=None`).
   */
  seed?: number;
  /**
   * Threads: an integer in [0, 1024]. 0 or absent: chosen from the size of each call, N·K·D —
   * one thread per 32,768, up to `os.availableParallelism()` (a small fit runs on the calling
   * thread alone). Results are bit-identical for any count.
   */
  threads?: number;
  /** Added to the diagonal of every covariance in every M-step: a number >= 0 (default 1e-6). */
  regCovar?: number;
  /** How the responsibilities are initialised (default `'kmeans'`). */
  init?: MixtureInit;
  /** Starting weights [K]: each in [0, 1], summing to 1. */
  weightsInit?: ArrayInput;
  /** Starting means [K, D]. */
  meansInit?: ArrayInput;
  /**
   * Starting precisions (inverse covariances), in the shape of `covariances`: full [K,D,D] and
   * tied [D,D] symmetric positive definite, diag [K,D] and spherical [K] positive. Not together
   * with `covariancesInit`.
   */
  precisionsInit?: ArrayInput;
  /** Starting covariances, in the shape and with the constraints of `precisionsInit`. */
  covariancesInit?: ArrayInput;
  /**
   * Reuse the fitted model as the start of the next fit (scikit-learn's `warm_start`): a
   * fitted estimator then runs one restart from its weights, means and covariances, measuring
   * the first change from its `lowerBound`, and ignores `init`, `nInit` and the `*Init`
   * parameters. Default false.
   */
  warmStart?: boolean;
  /**
   * What an M-step does with a collapsed component: one whose covariance is not positive
   * definite (it collapsed onto too few distinct points) or whose weight sum is practically
   * zero (below 1e-8 of an average sample's weight).
   *
   * - `'error'` (default, scikit-learn's behaviour): a covariance that is not positive definite
   *   fails the fit with code `ERR_GAUSSMIX_ILL_CONDITIONED` naming the `component`; an empty
   *   component is kept as it is.
   * - `'reseed'`: the component is re-seeded and the fit goes on. Its mean becomes the sample
   *   worst explained by the other components (the lowest log-density under the mixture of the
   *   components that did not collapse; ties to the lowest row, so the same for any thread
   *   count), its covariance the mean of the other components' covariances, its weight
   *   1/(2K), taken from the others in proportion to their weights. Each event is listed in
   *   {@link GaussianMixture.reseeds}. An iteration that re-seeded never counts as converged.
   *   Re-seeding cannot always help: a component that collapses again after 3 re-seeds in the
   *   same restart, a collapse with no other component left, or one with no sample left to
   *   re-seed from (fewer distinct points than components) still fails with
   *   `ERR_GAUSSMIX_ILL_CONDITIONED`; a tied covariance is shared, so its collapse always fails.
   *   Starting parameters that are given (`weightsInit`, `meansInit`, ...) still override those
   *   of the initialisation, re-seeded or not. A fit that re-seeds differs from scikit-learn's
   *   (which has no such option); one that does not is bit-identical to `'error'`.
   */
  onCollapse?: CollapsePolicy;
  /**
   * Where the fit's warnings go (not converged, fewer distinct points than components, an
   * empty component, `nInit` ignored): `'emit'` (default, `process.emitWarning`), `'silent'`,
   * or a function called with each warning; see {@link GaussmixWarning}. Never thrown.
   */
  warnings?: WarningsOption;
  /**
   * Standardise the features inside the model (default false): the fit measures each feature's
   * mean and standard deviation on X (weighted by `sampleWeight` when given, as scikit-learn's
   * `StandardScaler`; a constant feature keeps scale 1), fits to (x − mean) / scale, and
   * applies the same scaling to every later input. The fitted attributes are reported in the
   * original units: `means` = mean + scale·μ; `covariances` S·Σ·S and `precisionsCholesky`
   * S⁻¹·U (S = diag(scale)) for full, tied and diag; log densities (`scoreSamples`, `score`,
   * `bic`, `aic`, `lowerBound`, `onIteration`'s objective) of x, i.e. minus Σ log scale.
   * Spherical covariances (one variance per component, which a per-feature scale would make
   * diagonal) stay in standardised units, and so do `regCovar` and spherical starting values;
   * other starting values are given in the original units. A warm start keeps the fitted
   * scaling. `toJSON` writes the parameters in standardised units with `state.scaling`. `statistics` are
   * taken in standardised units and `maximise` keeps the scaling; `fitStream` does not take
   * this option (it is rejected).
   */
  standardize?: boolean;
}

/** The option names, in documentation order. */
export const MIXTURE_OPTION_NAMES = [
  'nComponents',
  'covarianceType',
  'tol',
  'maxIter',
  'nInit',
  'seed',
  'threads',
  'regCovar',
  'init',
  'weightsInit',
  'meansInit',
  'precisionsInit',
  'covariancesInit',
  'warmStart',
  'onCollapse',
  'warnings',
  'standardize',
] as const;

/** Validated options with defaults filled in; the starting parameters read and copied. */
export interface ResolvedMixtureOptions {
  readonly nComponents: number;
  readonly covarianceType: CovarianceType;
  readonly tol: number;
  readonly maxIter: number;
  readonly nInit: number;
  /** undefined: a random seed per fit. */
  readonly seed: number | undefined;
  /** 0: chosen from the size of each call (see resolveThreads). */
  readonly threads: number;
  readonly regCovar: number;
  readonly init: MixtureInit;
  readonly warmStart: boolean;
  readonly onCollapse: CollapsePolicy;
  readonly warnings: WarningsOption;
  readonly standardize: boolean;
  readonly start: StartingParameters;
}

/**
 * Validates GaussianMixture options and fills in the defaults. What can be checked without the
 * data is checked here (types, finiteness, weights in [0, 1] summing to 1, nesting depth,
 * positivity or symmetry/positive definiteness when the shape is known); the shapes against D
 * are checked at fit time.
 * @param what - e.g. `'GaussianMixture options'`.
 * @throws TypeError - not an object, or an option of the wrong type.
 * @throws RangeError - an unknown option, or a value out of range.
 */
export function readMixtureOptions(value: unknown, what: string): ResolvedMixtureOptions {
  const o = readOptionsObject(value, what, MIXTURE_OPTION_NAMES);
  if (o.nComponents === undefined) {
    throw invalidType(`Expected an integer >= 1 for nComponents but received undefined (it is required)`);
  }
  const k = integerOption(o.nComponents, 'nComponents', 1);
  const covarianceType =
    o.covarianceType === undefined ? 'full' : enumOption(o.covarianceType, 'covarianceType', COVARIANCE_TYPES);
  const tol = o.tol === undefined ? 1e-3 : numberOption(o.tol, 'tol', 0);
  const maxIter = o.maxIter === undefined ? 100 : integerOption(o.maxIter, 'maxIter', 0);
  const nInit = o.nInit === undefined ? 1 : integerOption(o.nInit, 'nInit', 1);
  const seed = o.seed === undefined ? undefined : seedOption(o.seed);
  const threads = o.threads === undefined ? 0 : threadsOption(o.threads);
  const regCovar = o.regCovar === undefined ? 1e-6 : numberOption(o.regCovar, 'regCovar', 0);
  const init = o.init === undefined ? 'kmeans' : enumOption(o.init, 'init', MIXTURE_INITS);
  const warmStart = o.warmStart === undefined ? false : booleanOption(o.warmStart, 'warmStart');
  const onCollapse =
    o.onCollapse === undefined ? 'error' : enumOption(o.onCollapse, 'onCollapse', COLLAPSE_POLICIES);
  const start: {
    weightsInit?: Tensor;
    meansInit?: Tensor;
    covariancesInit?: Tensor;
    precisionsInit?: Tensor;
  } = {};
  if (o.weightsInit !== undefined) {
    const t = readTensor(o.weightsInit, 'weightsInit', 1);
    if (t.data.length !== k) {
      throw invalidValue(`weightsInit has length ${t.data.length}, but nComponents is ${k}`);
    }
    checkWeights(t.data, 'weightsInit');
    start.weightsInit = t;
  }
  if (o.meansInit !== undefined) {
    const t = readTensor(o.meansInit, 'meansInit', 2);
    if (t.shape !== undefined && t.shape[0] !== k) {
      throw invalidValue(`meansInit has ${t.shape[0] as number} rows, but nComponents is ${k}`);
    }
    start.meansInit = t;
  }
  if (o.covariancesInit !== undefined && o.precisionsInit !== undefined) {
    throw invalidValue('Give at most one of covariancesInit and precisionsInit, not both');
  }
  for (const key of ['covariancesInit', 'precisionsInit'] as const) {
    if (o[key] === undefined) continue;
    const t = readTensor(o[key], key, covarianceRank(covarianceType));
    if (t.shape !== undefined) {
      const shape = t.shape;
      if (covarianceType !== 'tied' && shape[0] !== k) {
        throw invalidValue(
          `${key} has shape [${shape.join(', ')}], but its first dimension must be nComponents (${k}) ` +
            `for covarianceType '${covarianceType}'`,
        );
      }
      const d = shape[shape.length - 1] as number;
      if ((covarianceType === 'full' || covarianceType === 'tied') && shape[shape.length - 2] !== d) {
        throw invalidValue(`${key} has shape [${shape.join(', ')}]: its matrices must be square`);
      }
      checkCovarianceValues(t.data, covarianceType, k, d, key);
    } else if (covarianceType === 'diag') {
      // A flat array: positivity does not depend on the shape.
      const bad = t.data.findIndex((v) => !(v > 0));
      if (bad >= 0) throw invalidValue(`${key}[${bad}] must be positive but is ${describe(t.data[bad])}`);
    }
    start[key] = t;
  }
  return Object.freeze({
    nComponents: k,
    covarianceType,
    tol,
    maxIter,
    nInit,
    seed,
    threads,
    regCovar,
    init,
    warmStart,
    onCollapse,
    warnings: o.warnings === undefined ? 'emit' : warningsOption(o.warnings),
    standardize: o.standardize === undefined ? false : booleanOption(o.standardize, 'standardize'),
    start: Object.freeze(start),
  });
}

/** Options in plain-JSON form (what `toJSON` writes under `options`). */
export interface MixtureOptionsJSON {
  nComponents: number;
  covarianceType: CovarianceType;
  tol: number;
  maxIter: number;
  nInit: number;
  seed?: number;
  threads: number;
  regCovar: number;
  init: MixtureInit;
  warmStart: boolean;
  /** Absent in JSON written before the option existed (it then means `'error'`). */
  onCollapse?: CollapsePolicy;
  /** Written only when `'silent'` (a function cannot be written; absent means `'emit'`). */
  warnings?: 'silent';
  /** Written only when true (absent in JSON written before the option existed). */
  standardize?: boolean;
  weightsInit?: Nested[];
  meansInit?: Nested[];
  precisionsInit?: Nested[];
  covariancesInit?: Nested[];
}

/** Resolved options as plain JSON; the constructor accepts the result as it is. */
export function mixtureOptionsToJSON(o: ResolvedMixtureOptions): MixtureOptionsJSON {
  const out: MixtureOptionsJSON = {
    nComponents: o.nComponents,
    covarianceType: o.covarianceType,
    tol: o.tol,
    maxIter: o.maxIter,
    nInit: o.nInit,
    threads: o.threads,
    regCovar: o.regCovar,
    init: o.init,
    warmStart: o.warmStart,
    onCollapse: o.onCollapse,
  };
  if (o.seed !== undefined) out.seed = o.seed;
  const warnings = warningsToJSON(o.warnings);
  if (warnings) out.warnings = warnings;
  if (o.standardize) out.standardize = true;
  for (const key of ['weightsInit', 'meansInit', 'precisionsInit', 'covariancesInit'] as const) {
    const t = o.start[key];
    if (t) out[key] = t.shape === undefined ? Array.from(t.data) : toNested(t.data, t.shape);
  }
  return out;
}

