/**
 * The public data types shared by every estimator.
 *
 * @module
 */

import type { ArrowTableLike } from './arrow.js';

export type { ArrowTableLike } from './arrow.js';
export type { CollapsePolicy, CovarianceType, MixtureInit, ReseedEvent, WeightConcentrationPriorType } from './native.js';

/**
 * An ndarray-like view: row-major and contiguous, compatible with scijs `ndarray`'s
 * `{data, shape}`. Inputs may also carry scijs's `stride` and `offset`; outputs never do.
 */
export interface NDArray<T extends Float64Array | Float32Array | Int32Array = Float64Array> {
  /** The elements in row-major order. */
  readonly data: T;
  /** The size of each dimension; the product equals `data.length`. */
  readonly shape: readonly number[];
}

/**
 * What every fit and predict method accepts as X (N samples × D features): an {@link NDArray}
 * of shape [N, D] (a `Float64Array` one is used without copying: do not modify it, nor resize
 * or transfer its buffer, while a fit runs; one over a resizable ArrayBuffer is copied), an
 * array of N rows of D numbers each (`number[][]`, `Float64Array[]`, ...; copied once, when the
 * method is called), or an Apache Arrow `Table` or `RecordBatch` whose columns are all numeric (features
 * in column order; converted natively; a null is a RangeError naming the column and row).
 */
export type DataInput = NDArray<Float64Array | Float32Array> | ArrayLike<ArrayLike<number>> | ArrowTableLike;

/**
 * A user-given array of fixed rank, such as a starting parameter: an {@link NDArray} of that
 * rank, a flat row-major `Float64Array` (or `number[]`) of the right length, or nested arrays
 * (`number[]`, `number[][]`, `number[][][]`). Always copied.
 */
export type ArrayInput =
  | NDArray<Float64Array | Float32Array>
  | ArrayLike<number>
  | ArrayLike<ArrayLike<number>>
  | ArrayLike<ArrayLike<ArrayLike<number>>>;

/** What `onIteration` receives after every iteration of a fit. */
export interface IterationInfo {
  /** Which restart (0-based, below `nInit`) is running. */
  readonly init: number;
  /** The iteration within that restart, from 1. */
  readonly iter: number;
  /**
   * The estimator's objective in this iteration. GaussianMixture and SoftKMeans: the mean
   * log-likelihood per sample of its E-step (never decreases). KMeans: the weighted inertia of
   * its assignment step, to the centres before its update (never increases).
   */
  readonly objective: number;
  /**
   * The change of the objective from the previous iteration (GaussianMixture compares it with
   * `tol`). On the first iteration of a cold start it is measured from the worst value:
   * `Infinity` for a log-likelihood (from −∞, as scikit-learn), `-Infinity` for KMeans (from +∞).
   */
  readonly change: number;
  /**
   * GaussianMixture (and GaussianKMeans) only: how many collapsed components were re-seeded
   * (option `onCollapse: 'reseed'`) since the previous report, i.e. by this iteration's M-step
   * and, in the first report of a restart, also at initialisation; always 0 with
   * `onCollapse: 'error'`. The events themselves are the fitted model's `reseeds`. Absent for
   * KMeans and SoftKMeans.
   */
  readonly reseeds?: number;
}

/** Per-call options of `fit` and `fitSync`. */
export interface FitOptions {
  /** Raw sample weights, one per row of X: finite, >= 0, not all zero. Copied. */
  sampleWeight?: ArrayLike<number>;
  /**
   * Stops the fit: `fit` then rejects (and `fitSync` throws) with an `AbortError` whose `cause`
   * is `signal.reason`, and the estimator keeps its previous model. An already aborted signal
   * rejects at once, without starting any work.
   */
  signal?: AbortSignal;
  /**
   * Called on the JavaScript thread after every iteration. Return `false` to stop the fit after
   * this iteration: the restarts not yet run are skipped and the best run so far is kept (the
   * stopped one among them, normally with `converged` false). If it throws, the fit
   * stops, rejects (or throws) with that error and keeps the previous model. A fit waits for its
   * answer before the next iteration.
   */
  onIteration?: (info: IterationInfo) => void | false;
}
