/**
 * The native addon's surface, typed once. The binding (native/binding/) only converts and
 * dispatches: everything here is already validated and defaulted by the TypeScript layer.
 * All arrays are row-major Float64Array; nothing here is shared with a fitted model object
 * after the call returns (results are fresh arrays allocated on the JS thread).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import type { CsvNumbers, CsvRecord } from './csv.js';
import type { CovarianceType, CovarianceTypeDescriptor } from './covariance-types.js';
import { noBinaryError } from './errors.js';
import { here } from './here.cjs';
import { packCentroidOptions, unpackKMeansFit } from './centroid-packing.js';
import { mixtureOptionsPacker, unpackMixtureFit } from './mixture-packing.js';
import { inSlice } from './slices.js';

export type { CovarianceType } from './covariance-types.js';
export type MixtureInit = 'kmeans' | 'k-means++' | 'random' | 'random-from-data' | 'hc';
/** What a GaussianMixture fit does with a collapsed component. */
export type CollapsePolicy = 'error' | 'reseed';

/** A collapsed component re-seeded during a fit (see GaussianMixture's `reseeds`). */
export interface ReseedEvent {
  /** The restart (0-based). */
  readonly init: number;
  /** The iteration whose M-step re-seeded it (from 1; 0: the initialisation). */
  readonly iter: number;
  /** The component re-seeded. */
  readonly component: number;
  /** The sample (row of X) its mean was set to. */
  readonly row: number;
}

/** Parameters of a Gaussian mixture, in their covariance type's shapes (row-major, flattened). */
export interface NativeMixtureParams {
  covarianceType: CovarianceType;
  /** [K], or [K + 1] with a noise component (its share last) */
  weights: Float64Array;
  /** [K, D] */
  means: Float64Array;
  /** full and mclust's names [K, D, D]; tied [D, D]; diag [K, D]; spherical [K] */
  covariances: Float64Array;
  /** same shape as covariances; matrices: upper-triangular U with U·Uᵀ = Σ⁻¹ */
  precisionsCholesky: Float64Array;
  /**
   * A BayesianGaussianMixture's variational posterior: its E-step's log-priors (and so its
   * predictions) come from it instead of log(weights).
   */
  posterior?: NativePosterior;
  /** The noise component's hypervolume V (density 1/V); absent: no noise component. */
  hypervolume?: number;
  /** The iterative M-steps' inner state, carried to the next M-step (absent: a cold start). */
  mstepState?: Float64Array;
}

/** mclust's conjugate prior, resolved: scale is [1] (spherical, diagonal models) or [D·D]. */
export interface NativePrior {
  shrinkage: number;
  mean: Float64Array;
  dof: number;
  scale: Float64Array;
}

/** mclust's hierarchical start: the rows hc ran on and its merges (2 labels each, 1-based). */
export interface NativeHcStart {
  rows: Int32Array;
  /** rows is a sample of the rows hc may take (more than 2000 of them). */
  subset: boolean;
  merges: Int32Array;
}

/** What hierarchicalStart runs on: the seed of its subset, rows left out, the weights (0: left out). */
export interface NativeHcOptions {
  seed: number;
  exclude?: Int32Array;
  sampleWeight?: Float64Array;
}

/** The prior on a BayesianGaussianMixture's weights (scikit-learn's names). */
export type WeightConcentrationPriorType = 'dirichlet_process' | 'dirichlet_distribution';

/** A variational posterior over the weights and precisions (native/core/posterior.h). */
export interface NativePosterior {
  weightConcentrationPriorType: WeightConcentrationPriorType;
  /** dirichlet_process: [2, K] row-major (the Beta parameters); dirichlet_distribution: [K]. */
  weightConcentration: Float64Array;
  /** [K] β_k */
  meanPrecision: Float64Array;
  /** [K] ν_k (tied: the shared value repeated) */
  degreesOfFreedom: Float64Array;
}

/** A BayesianGaussianMixture's priors; meanPrior and covariancePrior absent: the data's. */
export interface NativeVariationalPriors {
  weightConcentrationPriorType: WeightConcentrationPriorType;
  /** α₀ > 0 */
  weightConcentrationPrior: number;
  /** β₀ > 0 */
  meanPrecisionPrior: number;
  /** [D] m₀ */
  meanPrior?: Float64Array;
  /** ν₀ > D − 1 */
  degreesOfFreedomPrior: number;
  /** Ψ₀ in the type's shape for one component: full/tied [D, D], diag [D], spherical [1]. */
  covariancePrior?: Float64Array;
}

/** The priors a fit resolved (every value present). */
export type NativeResolvedPriors = Required<NativeVariationalPriors>;

/** Everything a BayesianGaussianMixture fit needs, resolved: a mixture fit's settings, its start
 * from responsibilities or a warm start, and the priors. */
export interface NativeBayesianOptions
  extends Pick<
    NativeMixtureOptions,
    'nComponents' | 'covarianceType' | 'tol' | 'maxIter' | 'nInit' | 'seed' | 'threads' | 'regCovar' | 'init' | 'previousLowerBound' | 'sampleWeight'
  > {
  /** [N, K] rows summing to 1 (exclusive with init). */
  responsibilitiesInit?: Float64Array;
  priors: NativeVariationalPriors;
  /** Warm start: the fitted parameters (with their posterior) and their lowerBound. */
  warm?: NativeMixtureParams;
}

export interface NativeBayesianFit extends NativeMixtureFit {
  posterior: NativePosterior;
  priors: NativeResolvedPriors;
}

/** Everything a mixture fit needs, resolved (no defaults left to the native side). */
export interface NativeMixtureOptions {
  nComponents: number;
  covarianceType: CovarianceType;
  /** >= 0; converged when |change of mean log-likelihood| < tol (strict). */
  tol: number;
  /** >= 0 */
  maxIter: number;
  /** >= 1 */
  nInit: number;
  /** integer in [0, 2^53) */
  seed: number;
  /** >= 1 (0 already resolved to the core count) */
  threads: number;
  /** >= 0 */
  regCovar: number;
  init: MixtureInit;
  /** Explicit starting parameters; each optional and independent, as in scikit-learn. */
  weightsInit?: Float64Array;
  meansInit?: Float64Array;
  /** At most one of covariancesInit / precisionsInit. */
  covariancesInit?: Float64Array;
  precisionsInit?: Float64Array;
  /** [N, K] (or [N, K + 1] with noise), rows summing to 1; exclusive with the *Init above. */
  responsibilitiesInit?: Float64Array;
  /** The iterative M-steps' inner tolerance and limit (absent: √ε and 2^31 − 1). */
  mStepTol?: number;
  mStepMaxIter?: number;
  /** MAP M-steps under mclust's prior. */
  prior?: NativePrior;
  /** A noise component of density 1/hypervolume (> 0). */
  hypervolume?: number;
  /** The rows that start as noise (absent: the low-density rule). */
  noiseRows?: Int32Array;
  /** init 'hc': mclust's hc, computed once by the caller. */
  hc?: NativeHcStart;
  /** Warm start: the previous lowerBound, from which the first change is measured. */
  previousLowerBound?: number;
  /** Absent: 'error'. */
  onCollapse?: CollapsePolicy;
  /** Raw weights >= 0, length N, not all zero. */
  sampleWeight?: Float64Array;
}

export interface NativeIterationInfo {
  init: number;
  iter: number;
  objective: number;
  change: number;
  /** GaussianMixture: the components re-seeded since the previous report (0 for the others). */
  reseeds?: number;
}

/** Return false to stop the fit after this iteration (the result is then kept). */
export type NativeIterationCallback = (info: NativeIterationInfo) => boolean;

export interface NativeMixtureFit extends NativeMixtureParams {
  converged: boolean;
  nIter: number;
  lowerBound: number;
  /** Every re-seed of every restart, in order (absent when there were none). */
  reseeds?: ReseedEvent[];
}

/** A running asynchronous fit. cancel() makes the promise reject with code ERR_GAUSSMIX_ABORTED. */
export interface NativeTask<T> {
  promise: Promise<T>;
  cancel(): void;
}

/**
 * An asynchronous fit entry as the addon exports it: it starts the fit on the native compute
 * threads and returns its id (for cancelFit); done(error, result) is called once, on this
 * thread, when the fit ends (never if this thread's environment is torn down first). No promise
 * is created natively: one left pending by a teardown would hold native memory.
 */
export type RawFitAsync<O, R, X = Float64Array> = (
  X: X,
  n: number,
  d: number,
  options: O,
  onIteration: NativeIterationCallback | undefined,
  done: (error: unknown, result: R) => void,
) => number;

/** The addon's exports: NativeAddon with the raw asynchronous entries. */
type RawAddon = Omit<
  NativeAddon,
  | 'fitMixtureSync'
  | 'fitMixtureAsync'
  | 'fitBayesianAsync'
  | 'fitKMeansSync'
  | 'fitKMeansAsync'
  | 'fitSoftKMeansSync'
  | 'fitSoftKMeansAsync'
  | 'mixtureStatisticsAsync'
  | 'kmeansStatisticsAsync'
  | 'hierarchicalStartAsync'
> & {
  /** Options packed (lib/mixture-packing.ts) or as an object. */
  fitMixtureSync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeMixtureOptions | Float64Array,
    onIteration?: NativeIterationCallback,
  ): NativeMixtureFit | Float64Array;
  fitMixtureAsync: RawFitAsync<NativeMixtureOptions | Float64Array, NativeMixtureFit | Float64Array>;
  fitBayesianAsync: RawFitAsync<NativeBayesianOptions, NativeBayesianFit>;
  /**
   * Options packed (lib/centroid-packing.ts) or as an object; the fit as one Float64Array with
   * the labels on its buffer (centroid-packing.ts unpackKMeansFit).
   */
  fitKMeansSync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeKMeansOptions | Float64Array,
    onIteration?: NativeIterationCallback,
  ): Float64Array;
  /** The result as fitKMeansSync's (lib/centroid-packing.ts unpackKMeansFit). */
  fitKMeansAsync: RawFitAsync<NativeKMeansOptions | Float64Array, Float64Array>;
  fitSoftKMeansSync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeSoftKMeansOptions | Float64Array,
    onIteration?: NativeIterationCallback,
  ): NativeSoftKMeansFit;
  fitSoftKMeansAsync: RawFitAsync<NativeSoftKMeansOptions | Float64Array, NativeSoftKMeansFit>;
  mixtureStatisticsAsync: RawFitAsync<NativeStatisticsRequest, NativeStatisticsSummary, StatisticsX>;
  kmeansStatisticsAsync: RawFitAsync<NativeKMeansStatisticsOptions, NativeKMeansStatistics>;
  hierarchicalStartAsync: RawFitAsync<NativeHcOptions, NativeHcStart>;
  /** Cancels the asynchronous fit with this id, if it is still running. */
  cancelFit(id: number): void;
};

/** A raw asynchronous entry as a function returning { promise, cancel }. */
export function asTask<O, R, X = Float64Array>(start: RawFitAsync<O, R, X>, cancelFit: (id: number) => void) {
  return (X: X, n: number, d: number, options: O, onIteration?: NativeIterationCallback): NativeTask<R> => {
    let settle: (error: unknown, result: R) => void = () => undefined;
    const promise = new Promise<R>((resolve, reject) => {
      // What the settled fit then does on this thread (commit, resolve the user's promise)
      // runs in a time slice: many fits ending together do not hold the event loop.
      settle = (error, result) => inSlice(() => (error === undefined ? resolve(result) : reject(error)));
    });
    const id = start(X, n, d, options, onIteration, settle);
    return { promise, cancel: () => cancelFit(id) };
  };
}

/** The typed addon over its raw exports. */
function wrap(raw: RawAddon): NativeAddon {
  const cancelFit = raw.cancelFit.bind(raw);
  const pack = mixtureOptionsPacker(raw.covarianceTypes);
  const fitMixtureSync = raw.fitMixtureSync.bind(raw);
  const fitMixtureAsync = raw.fitMixtureAsync.bind(raw);
  const fitKMeansSync = raw.fitKMeansSync.bind(raw);
  const fitKMeansAsync = raw.fitKMeansAsync.bind(raw);
  const fitSoftKMeansSync = raw.fitSoftKMeansSync.bind(raw);
  const fitSoftKMeansAsync = raw.fitSoftKMeansAsync.bind(raw);
  return {
    ...raw,
    fitMixtureSync: (X, n, d, options, onIteration) =>
      unpackMixtureFit(options, fitMixtureSync(X, n, d, pack(options), onIteration)),
    fitMixtureAsync: asTask<NativeMixtureOptions, NativeMixtureFit>(
      (X, n, d, options, onIteration, done) =>
        fitMixtureAsync(X, n, d, pack(options), onIteration, (error, fit) =>
          done(error, error === undefined ? unpackMixtureFit(options, fit) : (fit as NativeMixtureFit)),
        ),
      cancelFit,
    ),
    fitBayesianAsync: asTask(raw.fitBayesianAsync.bind(raw), cancelFit),
    fitKMeansSync: (X, n, d, options, onIteration) =>
      unpackKMeansFit(n, fitKMeansSync(X, n, d, packCentroidOptions(options), onIteration)),
    fitKMeansAsync: asTask<NativeKMeansOptions, NativeKMeansFit>(
      (X, n, d, options, onIteration, done) =>
        fitKMeansAsync(X, n, d, packCentroidOptions(options), onIteration, (error, fit) =>
          done(error, error === undefined ? unpackKMeansFit(n, fit) : (fit as unknown as NativeKMeansFit)),
        ),
      cancelFit,
    ),
    fitSoftKMeansSync: (X, n, d, options, onIteration) =>
      fitSoftKMeansSync(X, n, d, packCentroidOptions(options), onIteration),
    fitSoftKMeansAsync: asTask<NativeSoftKMeansOptions, NativeSoftKMeansFit>(
      (X, n, d, options, onIteration, done) => fitSoftKMeansAsync(X, n, d, packCentroidOptions(options), onIteration, done),
      cancelFit,
    ),
    mixtureStatisticsAsync: asTask(raw.mixtureStatisticsAsync.bind(raw), cancelFit),
    kmeansStatisticsAsync: asTask(raw.kmeansStatisticsAsync.bind(raw), cancelFit),
    hierarchicalStartAsync: asTask(raw.hierarchicalStartAsync.bind(raw), cancelFit),
  };
}

/** Caller-allocated outputs of mixtureEvaluate: give only the ones wanted. */
export interface NativeMixtureOutputs {
  /** [N] log p(x_n) */
  logProb?: Float64Array;
  /** [N, K] responsibilities */
  resp?: Float64Array;
  /** [N] argmax_k responsibility (ties to the lowest k) */
  labels?: Int32Array;
}

/** A CSV layout as byte values (comment -1: no comment lines). */
export interface NativeCsvFormat {
  delimiter: number;
  decimal: number;
  quote: number;
  comment: number;
}

export interface NativeAddon {
  fitMixtureSync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeMixtureOptions,
    onIteration?: NativeIterationCallback,
  ): NativeMixtureFit;
  fitMixtureAsync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeMixtureOptions,
    onIteration?: NativeIterationCallback,
  ): NativeTask<NativeMixtureFit>;
  fitBayesianSync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeBayesianOptions,
    onIteration?: NativeIterationCallback,
  ): NativeBayesianFit;
  fitBayesianAsync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeBayesianOptions,
    onIteration?: NativeIterationCallback,
  ): NativeTask<NativeBayesianFit>;
  /**
   * The variational M-step from statistics: the parameters with their posterior, and the
   * evidence lower bound after it (NaN for statistics without the E-step's entropy).
   */
  bayesianMaximise(
    bytes: Uint8Array,
    priors: NativeResolvedPriors,
    regCovar: number,
  ): { params: NativeMixtureParams & { posterior: NativePosterior }; lowerBound: number };
  /** The centres [K, D] of a start's second pass from the statistics of its first (about 0). */
  startingMeans(bytes: Uint8Array): Float64Array;
  /** The parameters of the components `keep` (increasing) only, their weight posterior rebuilt. */
  bayesianPrune(
    params: NativeMixtureParams,
    d: number,
    keep: Int32Array,
    weightConcentrationPrior: number,
  ): NativeMixtureParams & { posterior: NativePosterior };
  /**
   * The posterior of a GaussianMixture's starting parameters (after its initialising M-step:
   * weights (n_k + 10ε) / Σw) and Σw.
   */
  bayesianFromMixtureStart(
    params: NativeMixtureParams,
    d: number,
    totalWeight: number,
    priors: NativeResolvedPriors,
  ): NativeMixtureParams & { posterior: NativePosterior };
  /** The default meanPrior [D] from one-component statistics of the rows about 0. */
  bayesianPriorMean(bytes: Uint8Array): Float64Array;
  /** The default covariancePrior from one-component statistics of the rows about their mean. */
  bayesianPriorCovariance(bytes: Uint8Array): Float64Array;
  /** Fills the given outputs for X under params; synchronous, multithreaded. */
  mixtureEvaluate(
    X: Float64Array,
    n: number,
    d: number,
    params: NativeMixtureParams,
    threads: number,
    outputs: NativeMixtureOutputs,
  ): void;
  /**
   * Fills X [n, d] with n samples, grouped by component in ascending order (as scikit-learn),
   * and labels [n] with their components. The outputs are allocated by the caller (in
   * JavaScript, where a refused allocation is a RangeError, not the end of the process).
   */
  mixtureSample(
    params: NativeMixtureParams,
    d: number,
    n: number,
    seed: number,
    outputs: { X: Float64Array; labels: Int32Array },
  ): void;

  fitKMeansSync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeKMeansOptions,
    onIteration?: NativeIterationCallback,
  ): NativeKMeansFit;
  fitKMeansAsync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeKMeansOptions,
    onIteration?: NativeIterationCallback,
  ): NativeTask<NativeKMeansFit>;
  fitSoftKMeansSync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeSoftKMeansOptions,
    onIteration?: NativeIterationCallback,
  ): NativeSoftKMeansFit;
  fitSoftKMeansAsync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeSoftKMeansOptions,
    onIteration?: NativeIterationCallback,
  ): NativeTask<NativeSoftKMeansFit>;
  /**
   * Columns (numeric typed arrays) into rows of a row-major Float64Array:
   * out[(firstRow + r)·width + firstColumn + j] = columns[j][sourceRow + r] for r < rows
   * (width: columns.length). With columnStride, out is laid out by column instead:
   * out[(firstColumn + j)·columnStride + firstRow + r]. Returns the first non-finite value
   * written, as r·width + j, or -1 (the rows after it may be left unwritten).
   */
  columnsToRows(
    columns: readonly ArrayBufferView[],
    out: Float64Array,
    firstRow: number,
    rows: number,
    width?: number,
    firstColumn?: number,
    sourceRow?: number,
    columnStride?: number,
  ): number;
  /** Checked rows into a chunk laid out by column: out[j·columnStride + firstRow + r] = rows[(sourceRow + r)·d + j]. */
  rowsToColumns(rows: Float64Array, sourceRow: number, count: number, d: number, out: Float64Array, firstRow: number, columnStride: number): void;
  /** The record at byte `at` of a CSV text (core/csv_numbers.h next_record), or null. */
  csvRecord(text: Uint8Array, at: number, final: boolean, format: NativeCsvFormat): CsvRecord | null;
  /** Up to maxRows records of a CSV text as numbers (core/csv_numbers.h read_numbers). */
  csvNumbers(
    text: Uint8Array,
    final: boolean,
    format: NativeCsvFormat,
    take: Uint32Array,
    fields: number,
    idField: number,
    dropMissing: boolean,
    maxRows: number,
  ): CsvNumbers;
  /** The index of the first NaN or ±Infinity of X, or -1 (vectorised, on the compute threads). */
  firstNonFinite(X: Float64Array): number;
  /**
   * Nearest centre per row (ties to the lowest index) and/or the exact Euclidean distance of
   * every row to every centre. centers: [K, D] row-major.
   */
  kmeansAssign(
    X: Float64Array,
    n: number,
    d: number,
    centers: Float64Array,
    threads: number,
    outputs: { labels?: Int32Array; distances?: Float64Array },
  ): void;

  /**
   * K-means' statistics (core/kmeans_statistics.h) of X's rows under centers: every row
   * labelled with its nearest centre; the bytes are canonical (statistics of chunks that start
   * at multiples of BLOCK_ROWS, merged in order, give the bytes of the whole).
   */
  kmeansStatisticsSync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeKMeansStatisticsOptions,
  ): NativeKMeansStatistics;
  kmeansStatisticsAsync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeKMeansStatisticsOptions,
  ): NativeTask<NativeKMeansStatistics>;
  /** The summary of valid statistics bytes (throws ERR_GAUSSMIX_INVALID_ARGUMENT otherwise). */
  kmeansStatisticsRead(bytes: Uint8Array): Omit<NativeKMeansStatistics, 'bytes'>;
  /** later's rows after earlier's: the merged statistics. */
  kmeansStatisticsMerge(earlier: Uint8Array, later: Uint8Array): NativeKMeansStatistics;
  /** The update (M-step) from statistics. */
  kmeansMaximise(bytes: Uint8Array): NativeKMeansStep;
  /** tol's scale over X's rows: moments about shift (the first row of all the rows). */
  kmeansMoments(
    X: Float64Array,
    n: number,
    d: number,
    options: { shift: Float64Array; threads: number },
  ): NativeKMeansMoments;
  kmeansMomentsRead(bytes: Uint8Array): Omit<NativeKMeansMoments, 'bytes'>;
  kmeansMomentsMerge(earlier: Uint8Array, later: Uint8Array): NativeKMeansMoments;

  /**
   * Sets the process-wide cap on the native compute threads (every fit, synchronous or not, in
   * every thread and worker of the process, shares them); 0 restores the default.
   */
  setMaxThreads(threads: number): void;
  /** The process-wide cap on the native compute threads. */
  maxThreads(): number;
  /** 'avx512', 'avx2-fma' or 'baseline': the copy of the native code this process runs. */
  readonly simd: string;
  /** The covariance parametrisations, in their table's order (lib/covariance-types.ts). */
  readonly covarianceTypes: readonly CovarianceTypeDescriptor[];
  /** Σ_k = λ_k D_k A_k D_kᵀ per component: scale [K], shape [K·D] (decreasing), orientation [K·D·D]. */
  mixtureDecompose(params: NativeMixtureParams, d: number): { scale: Float64Array; shape: Float64Array; orientation: Float64Array };
  /** mclust's defaultPrior(X, G = k, modelName). */
  mixtureDefaultPrior(X: Float64Array, n: number, d: number, options: { k: number; covarianceType: CovarianceType }): NativePrior;
  /** mclust's hypvol(X). */
  mixtureHypervolume(X: Float64Array, n: number, d: number): number;
  /** The rows a fit with noise starts as noise when none are given (density under one Gaussian < 1/V). */
  mixtureNoiseRows(X: Float64Array, n: number, d: number, options: { hypervolume: number; sampleWeight?: Float64Array }): Int32Array;
  /** mclust's hc of X's rows (those of positive weight, not excluded; a seeded subset of 2000 above that). */
  hierarchicalStart(X: Float64Array, n: number, d: number, options: NativeHcOptions): NativeHcStart;
  /** hierarchicalStart off the JavaScript thread; cancel stops it between merges. */
  hierarchicalStartAsync(X: Float64Array, n: number, d: number, options: NativeHcOptions): NativeTask<NativeHcStart>;
  /** The row block size of every summation (the package's BLOCK_ROWS). */
  readonly blockRows: number;

  /** One E-step's statistics of X's rows under a mixture's parameters (on this thread). */
  mixtureStatisticsSync(X: Float64Array, n: number, d: number, request: NativeStatisticsRequest): NativeStatisticsSummary;
  /** The same off this thread; cancel() rejects with code ERR_GAUSSMIX_ABORTED. */
  mixtureStatisticsAsync(
    X: StatisticsX,
    n: number,
    d: number,
    request: NativeStatisticsRequest,
  ): NativeTask<NativeStatisticsSummary>;
  /** Validates statistics bytes; their summary (without bytes). Throws RangeError when invalid. */
  statisticsRead(bytes: Uint8Array): NativeStatisticsSummary;
  /** The statistics of later's rows after earlier's (a new encoding). */
  statisticsMerge(earlier: Uint8Array, later: Uint8Array, ...more: Uint8Array[]): NativeStatisticsSummary;
  /** GaussianMixture's M-step from statistics (initialising: weights nk / Σ w). */
  mixtureMaximise(
    bytes: Uint8Array,
    regCovar: number,
    initialising: boolean,
    more?: {
      mStepTol?: number;
      mStepMaxIter?: number;
      prior?: NativePrior;
      /** The parameters' before (the inner M-step state carries over, as in a fit). */
      mstepState?: Float64Array;
      /** Statistics with noise: the noise component's hypervolume. */
      hypervolume?: number;
    },
  ): NativeMixtureParams;
  /** The parameters a fit starts from when every starting parameter is given. */
  mixtureStart(d: number, options: NativeMixtureOptions): NativeMixtureParams;
  /** k starting centres picked from X's rows as a fit would (k-means++ or random), [k, d]. */
  seedCentres(
    X: Float64Array,
    n: number,
    d: number,
    options: { k: number; seed: number; restart: number; init: 'k-means++' | 'random'; threads: number; sampleWeight?: Float64Array },
  ): Float64Array;
  /** Soft K-means' M-step: the new means (a cluster with Σ r = 0 keeps its previous centre) and each cluster's share. */
  softKMeansMaximise(bytes: Uint8Array, previousMeans: Float64Array): { means: Float64Array; weights: Float64Array };
}

/**
 * The rows a mixture's statistics are computed from: row-major [n, d], or (for the gaussian and
 * soft kinds) d columns of at least n values each, whose values the E-step checks as it reads
 * them (a non-finite one rejects with code ERR_GAUSSMIX_INVALID_ARGUMENT).
 */
export type StatisticsX = Float64Array | readonly Float64Array[];

/** What an E-step's statistics are computed from. */
export type NativeStatisticsRequest =
  | {
      /** 'gaussian': a GaussianMixture (log-priors log π, scatter); 'soft': soft K-means (sums about 0). */
      kind: 'gaussian' | 'soft';
      params: NativeMixtureParams;
      /** >= 1 */
      threads: number;
      sampleWeight?: Float64Array;
    }
  | {
      /** Given responsibilities of the chunk's rows [n, k], rows summing to 1 (a streamed start). */
      kind: 'responsibilities';
      covarianceType: CovarianceType;
      k: number;
      resp: Float64Array;
      /** The points the sums are taken about, with the scatter; absent: about 0, no scatter. */
      about?: Float64Array;
      threads: number;
      sampleWeight?: Float64Array;
    }
  | {
      /** Hard assignments to the nearest of `centres` [k, d] (a streamed start). */
      kind: 'assign';
      covarianceType: CovarianceType;
      k: number;
      centres: Float64Array;
      /** The points the sums are taken about, with the scatter; absent: about 0, no scatter. */
      about?: Float64Array;
      threads: number;
      sampleWeight?: Float64Array;
    };

/** Statistics as the addon returns them: canonical bytes and what they hold. */
export interface NativeStatisticsSummary {
  /** The encoding (absent from statisticsRead, whose caller has it). */
  bytes?: Uint8Array;
  family: 'mixture' | 'kmeans';
  covarianceType?: CovarianceType;
  k: number;
  d: number;
  noise?: boolean;
  scatter?: boolean;
  /** A variational E-step's (with Σ w Σ r ln r). */
  entropy?: boolean;
  rows: number;
  /** Σ w log p(x) (KMeans: −inertia). */
  objective: number;
  /** Σ w */
  weight: number;
}

/** 'given' takes centersInit [K, D]. */
export type NativeKMeansInit = 'k-means++' | 'random' | 'given';

/** Lloyd's hard K-means, resolved options. */
export interface NativeKMeansOptions {
  nClusters: number;
  /** Converged when labels stop changing or the summed squared centre shift <= tol · mean feature variance. */
  tol: number;
  maxIter: number;
  nInit: number;
  seed: number;
  threads: number;
  init: NativeKMeansInit;
  centersInit?: Float64Array;
  sampleWeight?: Float64Array;
}

/** Labels in [0, K) stored compactly: Uint8Array for K <= 256, Uint16Array for K <= 65536. */
export type Labels = Uint8Array | Uint16Array | Int32Array;

/**
 * onIteration objective for KMeans: Σ w·d² of the assignment step (to the centres before that
 * iteration's update); the first change is NaN.
 */
export interface NativeKMeansFit {
  /** [K, D] */
  clusterCenters: Float64Array;
  /** [N] nearest final centre, in the narrowest type that holds K labels */
  labels: Labels;
  /** [K] Σ sample weight of the rows of each label */
  clusterWeights: Float64Array;
  inertia: number;
  nIter: number;
  converged: boolean;
}

export interface NativeKMeansStatisticsOptions {
  k: number;
  /** [K, D] the centres the rows are labelled under */
  centres: Float64Array;
  threads: number;
  sampleWeight?: Float64Array;
}

export interface NativeKMeansStatistics {
  /** The canonical encoding (format version, K, D, the centres, rows, exact sums, far rows). */
  bytes: Uint8Array;
  family: 'kmeans';
  k: number;
  d: number;
  rows: number;
  /** −inertia */
  objective: number;
  /** Σ w‖x − c_label‖² */
  inertia: number;
  /** [K] Σ w per cluster */
  weights: Float64Array;
  /** Σ w: the clusters' sums added in cluster order */
  weight: number;
}

/**
 * The update from statistics: centers = Σw·x / Σw per cluster (an empty cluster takes the
 * farthest row, scikit-learn's rule). A run has converged when `unchanged` (the labels then
 * belong to the centres) or `shift` <= tol × meanVariance.
 */
export interface NativeKMeansStep {
  /** [K, D] */
  centers: Float64Array;
  /** [K] Σ w per cluster of the statistics (before any relocation) */
  clusterWeights: Float64Array;
  /** Σ_k ‖new c_k − old c_k‖² */
  shift: number;
  /** the new centres are bitwise the old ones */
  unchanged: boolean;
  /** empty clusters that took a row */
  relocated: number;
}

export interface NativeKMeansMoments {
  bytes: Uint8Array;
  family: 'kmeans-moments';
  d: number;
  rows: number;
  /** the mean over features of the unweighted population variance: tol's scale */
  meanVariance: number;
}

/** MacKay's soft K-means, resolved options. */
export interface NativeSoftKMeansOptions {
  nClusters: number;
  /** β > 0 */
  stiffness: number;
  /** converged when max |Δμ| < tol (strict) */
  tol: number;
  maxIter: number;
  nInit: number;
  seed: number;
  threads: number;
  init: NativeKMeansInit;
  centersInit?: Float64Array;
  sampleWeight?: Float64Array;
}

/**
 * objective: the mean log-likelihood of the equal-weight spherical mixture with variance 1/β
 * that soft K-means is EM for (never decreases); onIteration reports the same.
 * The responsibilities of a model are those of NativeMixtureParams
 * { covarianceType: 'spherical', weights: 1/K, means, covariances: 1/β, precisionsCholesky: √β }.
 */
export interface NativeSoftKMeansFit {
  /** [K, D] */
  means: Float64Array;
  /** [K] each cluster's share of the responsibilities under the final means: Σ w·r / Σ w */
  weights: Float64Array;
  converged: boolean;
  nIter: number;
  objective: number;
}

/**
 * Errors thrown by the addon carry one of these codes:
 * - ERR_GAUSSMIX_INVALID_ARGUMENT (a TypeError/RangeError that slipped past validation)
 * - ERR_GAUSSMIX_ILL_CONDITIONED (a component collapsed; has `component`)
 * - ERR_GAUSSMIX_ABORTED (cancel() was called)
 * - ERR_GAUSSMIX_INTERNAL
 */
export interface NativeError extends Error {
  code: string;
  component?: number;
}

/**
 * The package root: the nearest folder up from this file whose package.json is gaussmix's
 * (dist/cjs has a package.json of its own that only says "type": "commonjs").
 */
function packageRoot(): string {
  for (let dir = here, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    try {
      const file = path.join(dir, 'package.json');
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown };
      if (pkg.name === 'gaussmix') return dir;
    } catch {
      // no package.json here, or not JSON: keep walking up
    }
  }
  throw new Error(`gaussmix: cannot find the package root above ${here}`);
}

let cached: NativeAddon | undefined;

/**
 * Loads the addon once, by node-gyp-build's rules: build/Release, then build/Debug, then
 * prebuilds/<platform>-<arch>/ (only prebuilds/ when PREBUILDS_ONLY=1 is set); none found, or
 * the one found failing to load, is an error with code ERR_GAUSSMIX_NO_BINARY. GAUSSMIX_ADDON,
 * when set, is the path of the .node file to load instead (the sanitizer build of
 * scripts/test-sanitize.sh lives in its own folder).
 */
export function native(): NativeAddon {
  if (!cached) {
    const root = packageRoot();
    const requireFromRoot = createRequire(path.join(root, 'package.json'));
    const explicit = process.env.GAUSSMIX_ADDON;
    if (explicit) {
      cached = wrap(requireFromRoot(path.resolve(explicit)) as RawAddon);
    } else {
      const find = requireFromRoot('node-gyp-build') as { path(dir: string): string };
      let file: string;
      try {
        file = find.path(root);
      } catch (err) {
        throw noBinaryError(root, err);
      }
      try {
        cached = wrap(requireFromRoot(file) as RawAddon);
      } catch (err) {
        throw noBinaryError(root, err, file);
      }
    }
  }
  return cached;
}
