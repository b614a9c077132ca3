/**
 * What KMeans and SoftKMeans share: their common options (`nClusters`, `tol`, `maxIter`,
 * `nInit`, `seed`, `threads`, `init`), their validation and plain-JSON form, and their
 * resolution against X into the native options at fit time.
 *
 * @module
 */
import { invalidType, invalidValue } from './errors.js';
import { checkEnoughSamples, toMatrix, type Matrix } from './input.js';
import type { NativeKMeansOptions } from './native.js';
import {
  booleanOption,
  enumOption,
  integerOption,
  numberOption,
  randomSeed,
  readSampleWeight,
  resolveThreads,
  seedOption,
  threadsOption,
} from './options.js';
import { toNested, type Nested } from './tensor.js';
import type { DataInput } from './types.js';
import type { FitRequest } from './estimator.js';
import { fitScaling, standardMatrix, toStandard } from './scaling.js';
import {
  fewDistinctPointsWarning,
  fitReview,
  nInitIgnoredWarning,
  warningsOption,
  warningsToJSON,
  type FitReview,
  type GaussmixWarning,
  type WarningsOption,
} from './warnings.js';

/** The seedings of KMeans and SoftKMeans (scikit-learn's `init` strings). */
export type CentroidInit = 'k-means++' | 'random';

/** The seeding methods by name. */
export const CENTROID_INITS: readonly CentroidInit[] = ['k-means++', 'random'];

/** The options KMeans and SoftKMeans share. Only `nClusters` is required. */
export interface CentroidOptions {
  /** The number of clusters K: an integer >= 1, at most the number of samples. */
  nClusters: number;
  /** Convergence threshold, >= 0 (its meaning and default are the estimator's). */
  tol?: number;
  /** Iterations per restart: an integer >= 1 (its default is the estimator's). */
  maxIter?: number;
  /**
   * Restarts from different seedings, the best objective kept: an integer >= 1 (default 1).
   * With explicit starting centres there is only one start, so one run is made (as
   * scikit-learn, which warns).
   */
  nInit?: number;
  /**
   * Seed of every random choice: an integer in [0, 2^53). The same seed gives a bit-identical
   * result for any thread count. Absent: a new random seed for every fit.
   */
  seed?: number;
  /**
   * Threads: an integer in [0, 1024]. 0 or absent: chosen from the size of each call, N·K·D —
   * one thread per 32,768, up to `os.availableParallelism()` (a small fit runs on the calling
   * thread alone). Results are bit-identical for any count.
   */
  threads?: number;
  /**
   * The starting centres (default `'k-means++'`): `'k-means++'` (scikit-learn's greedy
   * k-means++, samples drawn in proportion to w·D²), `'random'` (K distinct samples, drawn in
   * proportion to the sample weights), or K explicit centres as a {@link DataInput} [K, D]
   * (copied), D being checked against X at fit time.
   */
  init?: CentroidInit | DataInput;
  /**
   * Where the fit's warnings go (not converged, fewer distinct points than clusters, an empty
   * cluster, `nInit` ignored): `'emit'` (default, `process.emitWarning`), `'silent'`, or a
   * function called with each warning; see {@link GaussmixWarning}. Never thrown.
   */
  warnings?: WarningsOption;
  /**
   * Standardise the features inside the model (default false): the fit measures each feature's
   * mean and standard deviation on X (weighted by `sampleWeight` when given, as scikit-learn's
   * `StandardScaler`; a constant feature keeps scale 1), fits to (x − mean) / scale, and
   * applies the same scaling to every later input. Centres (`clusterCenters`, `means`) are
   * reported in the original units (mean + scale·c), and explicit `init` centres are given in
   * them; distances and what is made of them (`inertia`, `transform`, `score`, `stiffness`)
   * are in standardised units, the metric the clustering uses; SoftKMeans's log densities
   * (`lowerBound`, `scoreSamples`, `score`) are of x (minus Σ log scale). `toJSON` writes the
   * state in standardised units with `state.scaling`. `statistics` are
   * taken in standardised units (their `objective` too) and `maximise` keeps the scaling, so
   * it needs statistics of a model with the same scaling (they carry none); `fitStream` does
   * not take this option (it is rejected).
   */
  standardize?: boolean;
}

/** The option names of {@link CentroidOptions}, in documentation order. */
export const CENTROID_OPTION_NAMES = ['nClusters', 'tol', 'maxIter', 'nInit', 'seed', 'threads', 'init', 'warnings', 'standardize'] as const;

/** Validated options with the defaults filled in; explicit centres read and copied. */
export interface ResolvedCentroidOptions {
  readonly nClusters: number;
  readonly tol: number;
  readonly maxIter: number;
  readonly nInit: number;
  /** undefined: a random seed per fit. */
  readonly seed: number | undefined;
  /** 0: chosen from the size of each call (see resolveThreads). */
  readonly threads: number;
  /** A seeding, or the explicit starting centres [nClusters, D] (a private copy). */
  readonly init: CentroidInit | Matrix;
  readonly warnings: WarningsOption;
  readonly standardize: boolean;
}

/**
 * Validates the shared options and fills in the defaults.
 * @param o - the options object, already checked for unknown names by the caller.
 * @param defaults - the estimator's `tol` and `maxIter`.
 * @throws TypeError - an option of the wrong type, or `nClusters` missing.
 * @throws RangeError - a value out of range; explicit centres without nClusters rows.
 */
export function readCentroidOptions(
  o: Record<string, unknown>,
  defaults: { readonly tol: number; readonly maxIter: number },
): ResolvedCentroidOptions {
  if (o.nClusters === undefined) {
    throw invalidType('Expected an integer >= 1 for nClusters but received undefined (it is required)');
  }
  const k = integerOption(o.nClusters, 'nClusters', 1);
  let init: CentroidInit | Matrix = 'k-means++';
  if (typeof o.init === 'string') {
    init = enumOption(o.init, 'init', CENTROID_INITS);
  } else if (o.init !== undefined) {
    const m = toMatrix(o.init, 'init');
    if (m.n !== k) {
      throw invalidValue(`init has ${m.n} row${m.n === 1 ? '' : 's'} (starting centres), but nClusters is ${k}`);
    }
    init = Object.freeze({ data: m.data.slice(), n: m.n, d: m.d });
  }
  return Object.freeze({
    nClusters: k,
    tol: o.tol === undefined ? defaults.tol : numberOption(o.tol, 'tol', 0),
    maxIter: o.maxIter === undefined ? defaults.maxIter : integerOption(o.maxIter, 'maxIter', 1),
    nInit: o.nInit === undefined ? 1 : integerOption(o.nInit, 'nInit', 1),
    seed: o.seed === undefined ? undefined : seedOption(o.seed),
    threads: o.threads === undefined ? 0 : threadsOption(o.threads),
    init,
    warnings: o.warnings === undefined ? 'emit' : warningsOption(o.warnings),
    standardize: o.standardize === undefined ? false : booleanOption(o.standardize, 'standardize'),
  });
}

/**
 * The fit request for X: checks K <= N (scikit-learn's rule), the explicit centres' D against
 * X's, and the sample weights (length N, finite, >= 0, not all zero; a seeding needs at least K
 * samples of positive weight to draw K distinct centres from); standardises X and the explicit
 * centres when the options say so; and collects the warnings known before the fit.
 * @throws TypeError / RangeError - naming the argument.
 */
export function resolveCentroidFit(
  o: ResolvedCentroidOptions,
  raw: Matrix,
  sampleWeight: ArrayLike<number> | undefined,
  className: string,
): FitRequest<NativeKMeansOptions> {
  const k = o.nClusters;
  checkEnoughSamples(k, raw.n, 'nClusters');
  if (typeof o.init !== 'string' && o.init.d !== raw.d) {
    throw invalidValue(`init has ${o.init.d} feature${o.init.d === 1 ? '' : 's'}, but X has ${raw.d}`);
  }
  const w = sampleWeight === undefined ? undefined : readSampleWeight(sampleWeight, raw.n);
  const scaling = o.standardize ? fitScaling(raw, w) : undefined;
  const X = scaling ? standardMatrix(raw, scaling) : raw;
  const options: NativeKMeansOptions = {
    nClusters: k,
    tol: o.tol,
    maxIter: o.maxIter,
    nInit: o.nInit,
    seed: o.seed ?? randomSeed(),
    threads: resolveThreads(o.threads, raw.n * k * raw.d),
    init: 'k-means++',
  };
  if (typeof o.init === 'string') {
    options.init = o.init;
  } else {
    options.init = 'given';
    options.centersInit = scaling ? toStandard(o.init.data, X.d, scaling) : o.init.data;
    options.nInit = 1;
  }
  if (w !== undefined) {
    if (options.init !== 'given') {
      let positive = 0;
      for (let i = 0; i < w.length; i++) positive += (w[i] as number) > 0 ? 1 : 0;
      if (positive < k) {
        throw invalidValue(
          `sampleWeight has ${positive} positive value${positive === 1 ? '' : 's'}, fewer than nClusters (${k}): ` +
            `init '${options.init}' draws nClusters distinct samples of positive weight`,
        );
      }
    }
    options.sampleWeight = w;
  }
  const review = centroidReview(o, className, options.init === 'given', fewDistinctPointsWarning(X, w, k, 'cluster', 'nClusters'));
  return { X, options, review, scaling };
}

/**
 * A centroid fit's review: with explicit centres, nInit is ignored; `fewDistinct`, the count of
 * distinct points (fit's; a fit over passes has none).
 */
export function centroidReview(
  o: ResolvedCentroidOptions,
  className: string,
  givenCentres: boolean,
  fewDistinct: GaussmixWarning | null = null,
): FitReview {
  return fitReview(o.maxIter, o.tol, 'cluster', [givenCentres ? nInitIgnoredWarning(className, o.nInit, 'centres (init)') : null, fewDistinct]);
}

/** The shared options in plain-JSON form (what `toJSON` writes under `options`). */
export interface CentroidOptionsJSON {
  nClusters: number;
  tol: number;
  maxIter: number;
  nInit: number;
  seed?: number;
  threads: number;
  /** A seeding name, or the explicit centres [nClusters][D]. */
  init: CentroidInit | Nested[];
  /** Written only when `'silent'` (a function cannot be written; absent means `'emit'`). */
  warnings?: 'silent';
  /** Written only when true. */
  standardize?: boolean;
}

/** Resolved shared options as plain JSON; the constructors accept the result as it is. */
export function centroidOptionsToJSON(o: ResolvedCentroidOptions): CentroidOptionsJSON {
  const out: CentroidOptionsJSON = {
    nClusters: o.nClusters,
    tol: o.tol,
    maxIter: o.maxIter,
    nInit: o.nInit,
    threads: o.threads,
    init: typeof o.init === 'string' ? o.init : toNested(o.init.data, [o.init.n, o.init.d]),
  };
  if (o.seed !== undefined) out.seed = o.seed;
  const warnings = warningsToJSON(o.warnings);
  if (warnings) out.warnings = warnings;
  if (o.standardize) out.standardize = true;
  return out;
}
