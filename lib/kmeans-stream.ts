/**
 * Lloyd's K-means over passes (`KMeans.fitStream`, and `gaussmix/distributed`'s rounds of jobs,
 * lib/passes.ts): one pass per iteration, each summing K-means' statistics off the JavaScript
 * thread, then the same native update as an in-memory fit. The driver mirrors the native one
 * (native/core/kmeans_lloyd.cc) step for step — tol's scale from moments about the first row,
 * stop on unchanged centres or on the shift, one more pass for the labels' inertia — so that
 * from the same start a streamed fit gives the in-memory fit's centres bit for bit.
 *
 * @module
 */
import { throwIfAborted, translateNativeError } from './errors.js';
import { native, type NativeKMeansMoments, type NativeKMeansStatistics, type NativeKMeansStep } from './native.js';
import { allZeroWeight } from './options.js';
import { Statistics, type KMeansStatistics } from './statistics.js';
import { streamChunks, WeightedStreamFound, type PassSettings, type StreamSource } from './stream.js';
import type { StreamControl } from './stream-em.js';

/**
 * Exact moments of the stream's rows (unweighted) about `shift`, absent: about the stream's first
 * row, merged chunk by chunk: their `meanVariance` is K-means' scale of tol, the in-memory fit's.
 */
export async function streamMeanVariance(
  source: StreamSource,
  settings: PassSettings,
  shift: Float64Array | undefined,
  threads: number,
): Promise<NativeKMeansMoments> {
  for (;;) {
    try {
      const addon = native();
      let about = shift;
      let total: NativeKMeansMoments | undefined;
      for await (const chunk of streamChunks(source, settings)) {
        about ??= chunk.data.slice(0, chunk.d);
        try {
          const moments = addon.kmeansMoments(chunk.data, chunk.n, chunk.d, { shift: about, threads });
          total = total ? addon.kmeansMomentsMerge(total.bytes, moments.bytes) : moments;
        } catch (err) {
          throw translateNativeError(err, settings.signal);
        }
      }
      return total as NativeKMeansMoments; // (a stream without rows is an error of streamChunks)
    } catch (err) {
      // (The moments ignore the weights, but the pass must learn that the stream has them.)
      if (!(err instanceof WeightedStreamFound)) throw err;
      settings.weighted = true;
    }
  }
}

/** What a Lloyd run over passes needs besides the passes. */
export interface StreamLloyd {
  readonly k: number;
  readonly nInit: number;
  readonly maxIter: number;
  /** tol × the mean feature variance (RowPasses.meanVariance). */
  readonly threshold: number;
  initialise(restart: number): Promise<Float64Array>;
  /** One pass: the statistics of every row under the centres. */
  pass(centres: Float64Array): Promise<KMeansStatistics>;
}

export interface StreamLloydResult {
  readonly centres: Float64Array;
  /** [K] Σ w per cluster under the final centres */
  readonly clusterWeights: Float64Array;
  readonly inertia: number;
  readonly nIter: number;
  readonly converged: boolean;
}

/**
 * Where a Lloyd run over passes stands after a restart's start (`iter` 0) or an iteration:
 * enough to go on from there (a resumed distributed run) and end with the same bits.
 */
export interface LloydCheckpoint {
  readonly restart: number;
  readonly iter: number;
  /** The centres the next pass labels the rows under (the final ones when `done`). */
  readonly centres: Float64Array;
  /** The last assignment step's inertia (+∞ at the start: the first change is −∞). */
  readonly previous: number;
  readonly done: boolean;
  readonly converged: boolean;
  /** Whether onIteration asked to stop every restart. */
  readonly stopped: boolean;
  /** The best of the restarts before this one. */
  readonly best: StreamLloydResult | undefined;
}

function summaryOf(stats: KMeansStatistics): NativeKMeansStatistics {
  return Statistics.summaryOf(stats) as unknown as NativeKMeansStatistics;
}

/** The native update (M-step) from statistics. */
export function maximiseKMeans(stats: KMeansStatistics): NativeKMeansStep {
  try {
    return native().kmeansMaximise(Statistics.bytesOf(stats));
  } catch (err) {
    throw translateNativeError(err);
  }
}

/**
 * native/core/kmeans_lloyd.cc fitKMeans over passes: restarts, the best by inertia; from
 * `control.resume` (a {@link LloydCheckpoint}) when given, with a checkpoint after every start
 * and iteration.
 */
export async function runStreamLloyd(run: StreamLloyd, control: StreamControl): Promise<StreamLloydResult> {
  const resume = control.resume as LloydCheckpoint | undefined;
  const save = async (state: LloydCheckpoint): Promise<void> => {
    if (control.checkpoint) await control.checkpoint(state);
  };
  let best = resume?.best;
  let stoppedAll = false;
  for (let restart = resume?.restart ?? 0; restart < run.nInit && !stoppedAll; restart++) {
    throwIfAborted(control.signal);
    let centres: Float64Array;
    let previous: number;
    let nIter: number;
    let converged: boolean;
    let done: boolean;
    if (resume && restart === resume.restart) {
      ({ centres, previous, converged, done } = resume);
      nIter = resume.iter;
      stoppedAll = resume.stopped;
    } else {
      centres = await run.initialise(restart);
      previous = Infinity;
      nIter = 0;
      converged = false;
      done = run.maxIter === 0;
      await save({ restart, iter: 0, centres, previous, done, converged, stopped: false, best });
    }
    // The last pass's statistics when its centres stayed put (the labels belong to them).
    let last: KMeansStatistics | undefined;
    for (let iter = nIter + 1; !done; iter++) {
      throwIfAborted(control.signal);
      const stats = await run.pass(centres);
      if (stats.totalWeight === 0) throw allZeroWeight();
      const step = maximiseKMeans(stats);
      nIter = iter;
      const objective = summaryOf(stats).inertia;
      let keepGoing = true;
      if (control.onIteration) {
        // (The first change is measured from +∞, as fit reports it.)
        const answer = control.onIteration(Object.freeze({ init: restart, iter, objective, change: objective - previous }));
        keepGoing = answer !== false && control.signal?.aborted !== true;
      }
      previous = objective;
      if (step.unchanged) {
        converged = true;
        last = stats;
      } else {
        centres = step.centers;
        converged = step.shift <= run.threshold;
        if (!converged && !keepGoing) stoppedAll = true;
      }
      done = converged || stoppedAll || iter >= run.maxIter;
      await save({ restart, iter, centres, previous, done, converged, stopped: stoppedAll, best });
    }
    // The inertia and the weights are measured to the final centres (the last pass's when they
    // stayed put: a pass under the same centres gives the same statistics).
    const summary = summaryOf(last ?? (await run.pass(centres)));
    if (best === undefined || summary.inertia < best.inertia) {
      best = { centres, clusterWeights: summary.weights, inertia: summary.inertia, nIter, converged };
    }
  }
  throwIfAborted(control.signal);
  return best as StreamLloydResult;
}
