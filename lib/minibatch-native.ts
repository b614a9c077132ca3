/**
 * The native entry points of MiniBatchKMeans (native/binding/minibatch_entries.cc), typed once,
 * with the facade's error translation.
 *
 * @module
 */
import { translateNativeError } from './errors.js';
import type { Matrix } from './input.js';
import { asTask, native, type Labels, type NativeIterationCallback, type NativeTask, type RawFitAsync } from './native.js';

/** The options the fit and a partial fit share. */
export interface NativeMiniBatchCommon {
  nClusters: number;
  seed: number;
  /** 0: scikit-learn's default (3·batchSize, at least 3·nClusters, at most N). */
  initSize: number;
  reassignmentRatio: number;
  init: 'k-means++' | 'random' | 'given';
  /** [K, D] for init 'given'. */
  centersInit?: Float64Array;
  threads: number;
  sampleWeight?: Float64Array;
  computeLabels: boolean;
}

/** The options of a whole fit. */
export interface NativeMiniBatchOptions extends NativeMiniBatchCommon {
  maxIter: number;
  batchSize: number;
  tol: number;
  /** null: no limit. */
  maxNoImprovement: number | null;
  nInit: number;
}

/** What a partial fit carries from batch to batch. */
export interface NativeMiniBatchState {
  /** [K, D] */
  clusterCenters: Float64Array;
  /** [K] the sample weight each centre has absorbed */
  counts: Float64Array;
  /** rows counted since the last reassignment check */
  sinceReassign: number;
}

/** The options of one partial-fit step. */
export interface NativeMiniBatchStepOptions extends NativeMiniBatchCommon {
  /** This step's number, from 1 (its random stream). */
  step: number;
  /** The batch size the first batch fixed. */
  batchSize: number;
  /** null: the first batch, which seeds the centres. */
  state: NativeMiniBatchState | null;
}

/** A whole fit's result. */
export interface NativeMiniBatchFit extends NativeMiniBatchState {
  /** [N] with computeLabels */
  labels?: Labels;
  inertia: number;
  nIter: number;
  nSteps: number;
  batchSize: number;
  converged: boolean;
}

/** One step's result. */
export interface NativeMiniBatchStep extends NativeMiniBatchState {
  /** [batch rows] with computeLabels, under the new centres */
  labels?: Labels;
  /** with computeLabels: the batch's inertia under the new centres */
  inertia?: number;
  /** how many centres the step moved to batch rows */
  reassigned: number;
}

interface RawMiniBatchAddon {
  fitMiniBatchKMeansSync(X: Float64Array, n: number, d: number, o: NativeMiniBatchOptions, cb?: NativeIterationCallback): NativeMiniBatchFit;
  fitMiniBatchKMeansAsync: RawFitAsync<NativeMiniBatchOptions, NativeMiniBatchFit>;
  cancelFit(id: number): void;
  miniBatchPartialFit(X: Float64Array, n: number, d: number, o: NativeMiniBatchStepOptions): NativeMiniBatchStep;
  miniBatchLabelsInertia(
    X: Float64Array,
    n: number,
    d: number,
    o: { centers: Float64Array; threads: number; sampleWeight?: Float64Array },
  ): { labels: Int32Array; inertia: number };
}

type MiniBatchAddon = Omit<RawMiniBatchAddon, 'fitMiniBatchKMeansAsync' | 'cancelFit'> & {
  fitMiniBatchKMeansAsync(X: Float64Array, n: number, d: number, o: NativeMiniBatchOptions, cb?: NativeIterationCallback): NativeTask<NativeMiniBatchFit>;
};

let cached: MiniBatchAddon | undefined;

/** The addon, with MiniBatchKMeans's entries typed (the asynchronous fit as a task). */
export function miniBatchAddon(): MiniBatchAddon {
  if (!cached) {
    const raw = native() as unknown as RawMiniBatchAddon;
    cached = {
      fitMiniBatchKMeansSync: raw.fitMiniBatchKMeansSync.bind(raw),
      fitMiniBatchKMeansAsync: asTask(raw.fitMiniBatchKMeansAsync.bind(raw), raw.cancelFit.bind(raw)),
      miniBatchPartialFit: raw.miniBatchPartialFit.bind(raw),
      miniBatchLabelsInertia: raw.miniBatchLabelsInertia.bind(raw),
    };
  }
  return cached;
}

/** One partial-fit step on the batch X. */
export function partialFitStep(X: Matrix, options: NativeMiniBatchStepOptions): NativeMiniBatchStep {
  try {
    return miniBatchAddon().miniBatchPartialFit(X.data, X.n, X.d, options);
  } catch (err) {
    throw translateNativeError(err);
  }
}

/** The nearest centre of each row and Σ w‖x − c_label‖² (exact; the order fixed by BLOCK_ROWS). */
export function labelsInertia(
  X: Matrix,
  centers: Float64Array,
  threads: number,
  sampleWeight?: Float64Array,
): { labels: Int32Array; inertia: number } {
  try {
    const o = sampleWeight ? { centers, threads, sampleWeight } : { centers, threads };
    return miniBatchAddon().miniBatchLabelsInertia(X.data, X.n, X.d, o);
  } catch (err) {
    throw translateNativeError(err);
  }
}
