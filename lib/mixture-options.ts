/**
 * The options of GaussianMixture (and GaussianKMeans): names, defaults and their validation,
 * and their plain-JSON form.
 *
 * @module
 */
import {
  covarianceRank,
  covarianceTypeDescriptor,
  covarianceTypeNames,
  MCLUST_MODEL_NAMES,
  type CovarianceType,
} from './covariance-types.js';
import { describe, invalidType, invalidValue } from './errors.js';
import { checkMclustConstraints } from './mclust-constraints.js';
import { checkCovarianceValues, checkWeights, type StartingParameters } from './mixture-params.js';
import type { CollapsePolicy, MixtureInit } from './native.js';
import {
  booleanOption,
  enumOption,
  integerOption,
  MAX_COUNT,
  numberOption,
  readOptionsObject,
  seedOption,
  threadsOption,
} from './options.js';
import { readTensor, toNested, type Nested, type Tensor } from './tensor.js';
import type { ArrayInput } from './types.js';
import { warningsOption, warningsToJSON, type WarningsOption } from './warnings.js';

/**
 * The initialisation methods of GaussianMixture: scikit-learn's `init_params`, and mclust's
 * hierarchical start `'hc'`.
 */
export const MIXTURE_INITS: readonly MixtureInit[] = ['kmeans', 'k-means++', 'random', 'random-from-data', 'hc'];

/** √ε: mclust's `emControl()$tol[2]`, the default `mStepTol`. */
export const DEFAULT_MSTEP_TOL = Math.sqrt(Number.EPSILON);

/** The noise component of {@link GaussianMixtureOptions.noise}. */
export interface NoiseOptions {
  /**
   * The hypervolume V of the data region: the noise density is 1/V (default: mclust's
   * `hypvol(X)`, the smaller of the volumes of the coordinate bounding box and of the
   * principal-components' bounding box). A finite number > 0. With `standardize`, V is in the
   * original units and the fit takes V / Π scale; the default is hypvol of X in its own units
   * (not of the standardised X: the principal components' box is not equivariant under
   * per-feature scales), likewise divided by Π scale. A default that is not a positive
   * float64 (it overflows for many features of wide ranges, and is 0 for many of narrow
   * ranges or for X flat in some direction) is a RangeError: give V then.
   */
  hypervolume?: number;
  /**
   * The rows (0-based indices into X) that start as noise, as mclust's
   * `initialization$noise`; with `init: 'hc'` the hierarchical clustering runs on the other
   * rows. Absent: the rows whose density under one Gaussian fitted to all the rows (its
   * maximum-likelihood mean and covariance) is below 1/V, those a uniform density over the
   * data region explains better; the same rows for every K and covariance type. Not with
   * `responsibilitiesInit` (its last column is the noise).
   */
  initial?: ArrayLike<number>;
}

/**
 * mclust's conjugate prior (`priorControl()`, Fraley & Raftery 2007): μ_k | Σ_k ~ N(mean,
 * Σ_k/shrinkage), and an inverse-gamma (spherical and diagonal models) or inverse-Wishart
 * (the others) prior on the covariance parameters with `dof` degrees of freedom and `scale`.
 * Each field absent takes mclust's `defaultPrior(X, G = nComponents, modelName)`: shrinkage
 * 0.01, mean the column means of X, dof D + 2, scale (1/K)^(2/D)·Σ_j var(x_j)/D (a number,
 * spherical and diagonal models) or (1/K)^(2/D)·cov(X) (a D×D matrix, the others).
 *
 * With `standardize` the fit is in standardised units: a given `mean` is in the original units
 * (the fit takes (mean − m) / scale), and so is a matrix `scale`, a covariance (S⁻¹·scale·S⁻¹);
 * a number `scale` (one variance, as a spherical covariance) is taken in standardised units.
 * The defaults are `defaultPrior` of the standardised X: for the mean and a matrix scale the
 * same prior as defaultPrior(X) converted, for a number scale (1/K)^(2/D)·Σ_j var(z_j)/D.
 */
export interface PriorOptions {
  /** κ >= 0 (0: the means are not shrunk). */
  shrinkage?: number;
  /** μ_p: D numbers. */
  mean?: ArrayLike<number>;
  /** ν > 0. */
  dof?: number;
  /** A number > 0 (EII VII EEI VEI EVI VVI) or a D×D symmetric positive definite matrix (EEE EEV VEV VVV). */
  scale?: number | ArrayInput;
}

/** The values of `onCollapse`. */
export const COLLAPSE_POLICIES: readonly CollapsePolicy[] = ['error', 'reseed'];

/** Options of {@link GaussianMixture}. Only `nComponents` is required. */
export interface GaussianMixtureOptions {
  /** The number of mixture components K: an integer >= 1, at most the number of samples. */
  nComponents: number;
  /**
   * The covariance constraint (default `'full'`): scikit-learn's `'full'`, `'tied'`, `'diag'`,
   * `'spherical'`, or one of mclust's 14 models `'EII'` … `'VVV'` (Σ_k = λ_k D_k A_k D_kᵀ with
   * the volume, shape and orientation Equal, Varying or the Identity). With an mclust name,
   * the fit is mclust's `me()`: its M-steps, no floor on the weight sums, `regCovar` 0 and
   * `tol` 1e-5 by default with mclust's stopping rule, and `covariances` [K, D, D].
   */
  covarianceType?: CovarianceType;
  /**
   * Convergence threshold, >= 0. scikit-learn's names (default 1e-3): EM stops when the change
   * of the mean log-likelihood per sample is strictly below `tol`, checked after the M-step, so
   * 0 runs exactly `maxIter` iterations. mclust's names (default 1e-5, `emControl()$tol[1]`):
   * EM stops when |L − L'| / (1 + |L|) <= tol for the total log-likelihoods L of this E-step
   * and L' of the previous one, checked after the E-step, and keeps the parameters that E-step
   * used (as `me()`: the model's log-likelihood is then the last E-step's).
   */
  tol?: number;
  /**
   * EM iterations per restart: an integer >= 0 (default 100; for mclust's names 2^31 − 1, its
   * `emControl()$itmax[1]`: their fits stop by `tol`, as mclust's do, which some of mclustBIC's
   * candidates need hundreds of iterations to reach).
   */
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
  /**
   * Added to the diagonal of every covariance in every M-step: a number >= 0 (default 1e-6;
   * 0 for mclust's names, which add regCovar·n_k to each component's scatter before their
   * constrained M-step, so the structure is kept).
   */
  regCovar?: number;
  /**
   * How the responsibilities are initialised (default `'kmeans'`). `'hc'`: mclust's
   * model-based agglomerative hierarchical clustering (VVV merges on the SVD-transformed data,
   * `hc(X, "VVV", use = "SVD")`), cut into K groups; deterministic up to 2000 rows, above that
   * on 2000 rows drawn with `seed` (mclust draws its own subset: such starts differ from
   * mclust's), then an M-step on those rows; rows of sample weight 0 take no part.
   */
  init?: MixtureInit;
  /** Starting weights [K]: each in [0, 1], summing to 1. */
  weightsInit?: ArrayInput;
  /** Starting means [K, D]. */
  meansInit?: ArrayInput;
  /**
   * Starting precisions (inverse covariances), in the shape of `covariances`: full [K,D,D] and
   * tied [D,D] symmetric positive definite, diag [K,D] and spherical [K] positive; with an
   * mclust name [K,D,D] holding the model's equalities (equal volumes, shapes or orientations,
   * spherical or axis-aligned matrices, to 1e-8 relative: a RangeError names the first component
   * that breaks one). With `standardize` the equalities are checked at fit time on the start in
   * standardised units (see {@link GaussianMixtureOptions.standardize}). Not together with
   * `covariancesInit`.
   */
  precisionsInit?: ArrayInput;
  /** Starting covariances, in the shape and with the constraints of `precisionsInit`. */
  covariancesInit?: ArrayInput;
  /**
   * Starting responsibilities [N, K] ([N, K + 1] with `noise`, its column last): rows >= 0
   * with a positive sum, each normalised. The fit starts with an M-step on them and X (mclust's
   * `me(z)`, scikit-learn's `_initialize(X, resp)`); N must be the fitted X's rows (a stream's
   * or the shards' rows, in order, for `fitStream` and `fitDistributed`, which refuse it with
   * `noise`). Not together with `init`, `weightsInit`, `meansInit`, `precisionsInit` or
   * `covariancesInit`.
   */
  responsibilitiesInit?: ArrayInput;
  /**
   * The inner tolerance of the iterative M-steps (VEI, VEV, VEE, EVE, VVE): a number > 0
   * (default √ε, mclust's `emControl()$tol[2]`); ignored by the other types.
   */
  mStepTol?: number;
  /** The inner iterations' limit of those M-steps: an integer >= 1 (default 2^31 − 1, mclust's). */
  mStepMaxIter?: number;
  /**
   * A uniform noise component of density 1/V (mclust's `Vinv`): `weights` then has K + 1
   * entries, the last the noise proportion; `predict` gives −1 for noise and `predictProba` has
   * K + 1 columns. `true` takes every default of {@link NoiseOptions}.
   */
  noise?: boolean | NoiseOptions;
  /**
   * MAP EM under mclust's conjugate prior: `'default'` (mclust's `priorControl()`), or the
   * prior's parameters (each absent one as `'default'`). mclust's names with a prior only (not
   * VEE, EVE, VVE, EVV, nor scikit-learn's names).
   */
  prior?: 'default' | PriorOptions;
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
   * other starting values are given in the original units and converted (S⁻¹·Σ·S⁻¹,
   * S·P·S for precisions). An mclust name's equalities (equal volumes, shapes, orientations,
   * spherical or axis-aligned matrices) hold in the standardised units the model is fitted in,
   * so they are checked on the converted start: a fitted model's own `covariances` are accepted
   * back, while an EII start must be a multiple of S² (the identity in the original units is
   * refused, with a RangeError naming the standardisation, unless every scale is equal). A given
   * `noise.hypervolume` and `prior` mean and matrix scale are in the original units too, and
   * the default hypervolume is hypvol of X in its own units (see {@link NoiseOptions},
   * {@link PriorOptions}). A warm start keeps the fitted scaling. `toJSON` writes the parameters in standardised units with `state.scaling`. `statistics` are
   * taken in standardised units (their `objective` too) and `maximise` keeps the scaling, so
   * it needs statistics of a model with the same scaling (they carry none); `fitStream` does
   * not take this option (it is rejected).
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
  'responsibilitiesInit',
  'mStepTol',
  'mStepMaxIter',
  'noise',
  'prior',
  'warmStart',
  'onCollapse',
  'warnings',
  'standardize',
] as const;

/** A resolved noise option. */
export interface ResolvedNoise {
  readonly hypervolume: number | undefined;
  readonly initial: Int32Array | undefined;
}

/** A resolved prior option: 'default', or the fields given (the rest from defaultPrior at fit time). */
export type ResolvedPrior =
  | 'default'
  | {
      readonly shrinkage?: number;
      readonly mean?: Float64Array;
      readonly dof?: number;
      readonly scale?: Tensor;
    };

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
  /** Whether `init` was given (it is exclusive with responsibilitiesInit). */
  readonly initGiven: boolean;
  readonly warmStart: boolean;
  readonly onCollapse: CollapsePolicy;
  readonly warnings: WarningsOption;
  readonly standardize: boolean;
  readonly start: StartingParameters;
  readonly mStepTol: number;
  readonly mStepMaxIter: number;
  readonly noise: ResolvedNoise | null;
  readonly prior: ResolvedPrior | null;
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
    o.covarianceType === undefined ? 'full' : enumOption(o.covarianceType, 'covarianceType', covarianceTypeNames());
  const type = covarianceTypeDescriptor(covarianceType);
  const mclust = type.family === 'mclust';
  const tol = o.tol === undefined ? (mclust ? 1e-5 : 1e-3) : numberOption(o.tol, 'tol', 0);
  const maxIter = o.maxIter === undefined ? (mclust ? MAX_COUNT : 100) : integerOption(o.maxIter, 'maxIter', 0);
  const nInit = o.nInit === undefined ? 1 : integerOption(o.nInit, 'nInit', 1);
  const seed = o.seed === undefined ? undefined : seedOption(o.seed);
  const threads = o.threads === undefined ? 0 : threadsOption(o.threads);
  const regCovar = o.regCovar === undefined ? (mclust ? 0 : 1e-6) : numberOption(o.regCovar, 'regCovar', 0);
  const init = o.init === undefined ? 'kmeans' : enumOption(o.init, 'init', MIXTURE_INITS);
  const warmStart = o.warmStart === undefined ? false : booleanOption(o.warmStart, 'warmStart');
  const onCollapse =
    o.onCollapse === undefined ? 'error' : enumOption(o.onCollapse, 'onCollapse', COLLAPSE_POLICIES);
  if (onCollapse === 'reseed' && mclust) {
    throw invalidValue(`onCollapse 'reseed' is for scikit-learn's covariance types, not '${covarianceType}'`);
  }
  const mStepTol = o.mStepTol === undefined ? DEFAULT_MSTEP_TOL : numberOption(o.mStepTol, 'mStepTol', 0, true);
  const mStepMaxIter = o.mStepMaxIter === undefined ? MAX_COUNT : integerOption(o.mStepMaxIter, 'mStepMaxIter', 1);
  const noise = o.noise === undefined ? null : readNoise(o.noise);
  if (noise && onCollapse === 'reseed') throw invalidValue(`onCollapse 'reseed' does not combine with noise`);
  const prior = o.prior === undefined ? null : readPrior(o.prior, covarianceType);
  const standardize = o.standardize === undefined ? false : booleanOption(o.standardize, 'standardize');
  const start: {
    weightsInit?: Tensor;
    meansInit?: Tensor;
    covariancesInit?: Tensor;
    precisionsInit?: Tensor;
    responsibilitiesInit?: Tensor;
  } = {};
  const columns = k + (noise ? 1 : 0);
  if (o.weightsInit !== undefined) {
    const t = readTensor(o.weightsInit, 'weightsInit', 1);
    if (t.data.length !== columns) {
      throw invalidValue(
        `weightsInit has length ${t.data.length}, but nComponents is ${k}${noise ? ' (with noise, K + 1 weights: the noise last)' : ''}`,
      );
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
      if (type.layout !== 'matrix' && shape[0] !== k) {
        throw invalidValue(
          `${key} has shape [${shape.join(', ')}], but its first dimension must be nComponents (${k}) ` +
            `for covarianceType '${covarianceType}'`,
        );
      }
      const d = shape[shape.length - 1] as number;
      if ((type.layout === 'matrices' || type.layout === 'matrix') && shape[shape.length - 2] !== d) {
        throw invalidValue(`${key} has shape [${shape.join(', ')}]: its matrices must be square`);
      }
      checkCovarianceValues(t.data, covarianceType, k, d, key);
      // With standardize the equalities hold in standardised units: checked at fit time, on
      // the start converted with the fitted scaling.
      if (!standardize) checkMclustConstraints(t.data, covarianceType, k, d, key);
    } else if (type.layout === 'diagonals') {
      // A flat array: positivity does not depend on the shape.
      const bad = t.data.findIndex((v) => !(v > 0));
      if (bad >= 0) throw invalidValue(`${key}[${bad}] must be positive but is ${describe(t.data[bad])}`);
    }
    start[key] = t;
  }
  if (o.responsibilitiesInit !== undefined) {
    const given = (['init', 'weightsInit', 'meansInit', 'precisionsInit', 'covariancesInit'] as const).find(
      (key) => o[key] !== undefined,
    );
    if (given) throw invalidValue(`Give responsibilitiesInit or ${given}, not both`);
    if (noise?.initial) throw invalidValue('Give responsibilitiesInit or noise.initial, not both (its last column is the noise)');
    start.responsibilitiesInit = readResponsibilities(o.responsibilitiesInit, columns, noise !== null);
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
    initGiven: o.init !== undefined,
    warmStart,
    onCollapse,
    warnings: o.warnings === undefined ? 'emit' : warningsOption(o.warnings),
    standardize,
    start: Object.freeze(start),
    mStepTol,
    mStepMaxIter,
    noise,
    prior,
  });
}

/**
 * Reads responsibilitiesInit: rank 2, `columns` columns, every value finite and >= 0, every
 * row with a positive sum; the rows normalised to sum 1 (a copy).
 * @throws TypeError / RangeError - naming the element or the row.
 */
function readResponsibilities(value: unknown, columns: number, noise: boolean): Tensor {
  const t = readTensor(value, 'responsibilitiesInit', 2);
  const c = t.shape === undefined ? columns : (t.shape[1] as number);
  if (c !== columns) {
    throw invalidValue(
      `responsibilitiesInit has ${c} columns, but nComponents${noise ? ' + 1 (the noise column)' : ''} is ${columns}`,
    );
  }
  if (t.data.length % columns !== 0) {
    throw invalidValue(`responsibilitiesInit is a flat array of length ${t.data.length}, not a multiple of its ${columns} columns`);
  }
  const data = t.data;
  for (let r = 0; r * columns < data.length; r++) {
    let sum = 0;
    for (let j = 0; j < columns; j++) {
      const v = data[r * columns + j] as number;
      if (!(v >= 0)) throw invalidValue(`responsibilitiesInit[${r}][${j}] must be >= 0 but is ${describe(v)}`);
      sum += v;
    }
    if (!(sum > 0) || !Number.isFinite(sum)) {
      throw invalidValue(`responsibilitiesInit[${r}] must have a positive finite sum, but its sum is ${sum}`);
    }
    for (let j = 0; j < columns; j++) data[r * columns + j] = (data[r * columns + j] as number) / sum;
  }
  return { data, shape: [data.length / columns, columns] };
}

/** Reads the noise option. */
function readNoise(value: unknown): ResolvedNoise | null {
  if (typeof value === 'boolean') return value ? Object.freeze({ hypervolume: undefined, initial: undefined }) : null;
  const o = readOptionsObject(value, 'noise', ['hypervolume', 'initial']);
  const hypervolume = o.hypervolume === undefined ? undefined : numberOption(o.hypervolume, 'noise.hypervolume', 0, true);
  let initial: Int32Array | undefined;
  if (o.initial !== undefined) {
    const t = readTensor(o.initial, 'noise.initial', 1);
    initial = new Int32Array(t.data.length);
    t.data.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v > MAX_COUNT) {
        throw invalidValue(`Expected a row index (an integer >= 0) for noise.initial[${i}] but received ${describe(v)}`);
      }
      initial![i] = v;
    });
  }
  return Object.freeze({ hypervolume, initial });
}

/** The mclust names that have a conjugate prior. */
function priorModels(): string {
  return MCLUST_MODEL_NAMES.filter((m) => covarianceTypeDescriptor(m).prior).join(', ');
}

/** Reads the prior option (its shapes against D are checked at fit time). */
function readPrior(value: unknown, type: CovarianceType): ResolvedPrior {
  if (!covarianceTypeDescriptor(type).prior) {
    throw invalidValue(`covarianceType '${type}' has no conjugate prior; prior applies to ${priorModels()}`);
  }
  if (value === 'default') return 'default';
  if (typeof value === 'string') throw invalidValue(`Expected 'default' or an object for prior but received ${describe(value)}`);
  const o = readOptionsObject(value, 'prior', ['shrinkage', 'mean', 'dof', 'scale']);
  const out: { shrinkage?: number; mean?: Float64Array; dof?: number; scale?: Tensor } = {};
  if (o.shrinkage !== undefined) out.shrinkage = numberOption(o.shrinkage, 'prior.shrinkage', 0);
  if (o.dof !== undefined) out.dof = numberOption(o.dof, 'prior.dof', 0, true);
  if (o.mean !== undefined) out.mean = readTensor(o.mean, 'prior.mean', 1).data;
  if (o.scale !== undefined) {
    if (covarianceTypeDescriptor(type).orientation === 'I') {
      out.scale = { data: Float64Array.of(numberOption(o.scale, 'prior.scale', 0, true)), shape: [1] };
    } else {
      const t = readTensor(o.scale, 'prior.scale', 2);
      if (t.shape !== undefined) {
        const d = t.shape[1] as number;
        if (t.shape[0] !== d) throw invalidValue(`prior.scale has shape [${t.shape.join(', ')}]: it must be square`);
        checkCovarianceValues(t.data, 'EEE', 1, d, 'prior.scale');
      }
      out.scale = t;
    }
  }
  return Object.freeze(out);
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
  /** Absent with responsibilitiesInit. */
  init?: MixtureInit;
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
  responsibilitiesInit?: Nested[];
  /** Written when not the default (√ε). */
  mStepTol?: number;
  /** Written when not the default (2^31 − 1). */
  mStepMaxIter?: number;
  noise?: { hypervolume?: number; initial?: number[] };
  prior?: 'default' | { shrinkage?: number; mean?: number[]; dof?: number; scale?: number | Nested[] };
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
  if (o.start.responsibilitiesInit && !o.initGiven) delete out.init;
  if (o.seed !== undefined) out.seed = o.seed;
  const warnings = warningsToJSON(o.warnings);
  if (warnings) out.warnings = warnings;
  if (o.standardize) out.standardize = true;
  for (const key of ['weightsInit', 'meansInit', 'precisionsInit', 'covariancesInit', 'responsibilitiesInit'] as const) {
    const t = o.start[key];
    if (t) out[key] = t.shape === undefined ? Array.from(t.data) : toNested(t.data, t.shape);
  }
  if (o.mStepTol !== DEFAULT_MSTEP_TOL) out.mStepTol = o.mStepTol;
  if (o.mStepMaxIter !== MAX_COUNT) out.mStepMaxIter = o.mStepMaxIter;
  if (o.noise) {
    out.noise = {};
    if (o.noise.hypervolume !== undefined) out.noise.hypervolume = o.noise.hypervolume;
    if (o.noise.initial) out.noise.initial = Array.from(o.noise.initial);
  }
  if (o.prior === 'default') out.prior = 'default';
  else if (o.prior) {
    const p = o.prior;
    out.prior = {};
    if (p.shrinkage !== undefined) out.prior.shrinkage = p.shrinkage;
    if (p.mean) out.prior.mean = Array.from(p.mean);
    if (p.dof !== undefined) out.prior.dof = p.dof;
    if (p.scale) out.prior.scale = p.scale.shape?.length === 1 ? (p.scale.data[0] as number) : toNested(p.scale.data, p.scale.shape ?? [p.scale.data.length]);
  }
  return out;
}
