/**
 * Lloyd's K-means over a stream (`KMeans.fitStream`): one pass over the source per iteration,
 * each pass summing K-means' statistics chunk by chunk (lib/stream.ts) off the JavaScript
 * thread, then the same native update as an in-memory fit. The driver mirrors the native one
 * (native/core/kmeans_lloyd.cc) step for step — tol's scale from moments about the first row,
 * stop on unchanged centres or on the shift, one more pass for the labels' inertia — so that
 * from the same start a streamed fit gives the in-memory fit's centres bit for bit.
 *
 * @module
 */
import { makeAbortError, translateNativeError } from './errors.js';
import { native, type NativeKMeansStatistics, type NativeKMeansStep } from './native.js';
import { Statistics, type KMeansStatistics } from './statistics.js';
import { streamChunks, WeightedStreamFound, type PassSettings, type StreamSource } from './stream.js';
import { tasksPass, type StreamControl } from './stream-em.js';

/** The statistics of every row of the stream under the centres ([k, d]). */
export async function kmeansStatisticsPass(
  source: StreamSource,
  settings: PassSettings,
  centres: Float64Array,
  k: number,
  threads: number,
): Promise<KMeansStatistics> {
  const stats = await tasksPass(source, settings, (chunk) =>
    native().kmeansStatisticsAsync(chunk.data, chunk.n, chunk.d, {
      k,
      centres,
      threads,
      ...(chunk.weights ? { sampleWeight: chunk.weights } : {}),
    }),
  );
  return stats as KMeansStatistics;
}

/**
 * tol × the mean feature variance of the stream (unweighted, population), as the in-memory
 * fit takes it: exact moments about the stream's first row, merged chunk by chunk.
 */
export async function streamTolerance(
  source: StreamSource,
  settings: PassSettings,
  tol: number,
  threads: number,
): Promise<number> {
  if (tol === 0) return 0;
  for (;;) {
    try {
      const addon = native();
      let shift: Float64Array | undefined;
      let bytes: Uint8Array | undefined;
      let meanVariance = 0;
      for await (const chunk of streamChunks(source, settings)) {
        shift ??= chunk.data.slice(0, chunk.d);
        let moments;
        try {
          moments = addon.kmeansMoments(chunk.data, chunk.n, chunk.d, { shift, threads });
          if (bytes) moments = addon.kmeansMomentsMerge(bytes, moments.bytes);
        } catch (err) {
          throw translateNativeError(err, settings.signal);
        }
        bytes = moments.bytes;
        meanVariance = moments.meanVariance;
      }
      return tol * meanVariance;
    } catch (err) {
      // (The moments ignore the weights, but the pass must learn that the stream has them.)
      if (!(err instanceof WeightedStreamFound)) throw err;
      settings.weighted = true;
    }
  }
}

/** What a streamed Lloyd run needs besides the stream. */
export interface StreamLloyd {
  readonly k: number;
  readonly nInit: number;
  readonly maxIter: number;
  /** tol × the mean feature variance (see {@link streamTolerance}). */
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

/** native/core/kmeans_lloyd.cc fitKMeans, over a stream: restarts, the best by inertia. */
export async function runStreamLloyd(run: StreamLloyd, control: StreamControl): Promise<StreamLloydResult> {
  let best: StreamLloydResult | undefined;
  let stoppedAll = false;
  const checkAborted = (): void => {
    if (control.signal?.aborted) throw makeAbortError(control.signal);
  };
  for (let restart = 0; restart < run.nInit && !stoppedAll; restart++) {
    checkAborted();
    let centres = await run.initialise(restart);
    let stats: KMeansStatistics | undefined;
    let previous = Infinity;
    let nIter = 0;
    let converged = false;
    let unchanged = false;
    for (let iter = 1; iter <= run.maxIter; iter++) {
      checkAborted();
      stats = await run.pass(centres);
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
        // The labels belong to the centres: this pass measured the final inertia.
        unchanged = converged = true;
        break;
      }
      centres = step.centers;
      if (step.shift <= run.threshold) {
        converged = true;
        break;
      }
      if (!keepGoing) {
        stoppedAll = true;
        break;
      }
    }
    // The inertia and the weights are measured to the final centres.
    if (!unchanged) stats = await run.pass(centres);
    const summary = summaryOf(stats as KMeansStatistics);
    if (best === undefined || summary.inertia < best.inertia) {
      best = { centres, clusterWeights: summary.weights, inertia: summary.inertia, nIter, converged };
    }
  }
  checkAborted();
  return best as StreamLloydResult;
}
