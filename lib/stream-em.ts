/**
 * EM over a stream (`fitStream`): one pass over the source per iteration, each pass summing
 * the E-step's statistics chunk by chunk (lib/stream.ts) off the JavaScript thread, then the
 * same native M-step as an in-memory fit. The iteration driver mirrors the native one
 * (native/core/em.cc) step for step, so that from the same start a streamed fit gives the
 * in-memory fit's parameters bit for bit.
 *
 * @module
 */
import { describe, ErrorCode, hasCode, invalidType, invalidValue, throwIfAborted, translateNativeError } from './errors.js';
import { native, type NativeStatisticsSummary, type NativeTask } from './native.js';
import { allZeroWeight, functionOption, integerOption, readOptionsObject, signalOption } from './options.js';
import { Statistics, wrapStatistics } from './statistics.js';
import {
  CHUNKS_IN_FLIGHT,
  passWeightedOnce,
  streamChunks,
  type ChunkLayout,
  type PassSettings,
  type StreamChunk,
  type StreamSource,
} from './stream.js';
import type { IterationInfo } from './types.js';

/** Options of `fitStream`. */
export interface StreamFitOptions {
  /** Stops the fit: it rejects with an AbortError and the model keeps its previous state. */
  signal?: AbortSignal;
  /** As in `fit`: called after every iteration; return false to stop. */
  onIteration?: (info: IterationInfo) => void | false;
  /**
   * The rows of the seeded reservoir sample (drawn in one pass) that the default start is
   * computed from: an integer >= nComponents (default 65,536; the whole stream when shorter).
   */
  initSampleRows?: number;
}

/** fitStream's options, checked. */
export interface CheckedStreamOptions {
  readonly signal: AbortSignal | undefined;
  readonly onIteration: ((info: IterationInfo) => unknown) | undefined;
  readonly initSampleRows: number;
}

/** The default size of the reservoir sample of a streamed fit's start. */
export const DEFAULT_INIT_SAMPLE_ROWS = 65536;

const STREAM_OPTION_NAMES = ['signal', 'onIteration', 'initSampleRows'] as const;

/** Checks fitStream's options. */
export function readStreamOptions(value: unknown, what: string, k: number): CheckedStreamOptions {
  if (value === undefined) return { signal: undefined, onIteration: undefined, initSampleRows: Math.max(k, DEFAULT_INIT_SAMPLE_ROWS) };
  const o = readOptionsObject(value, what, STREAM_OPTION_NAMES) as StreamFitOptions;
  return {
    signal: o.signal === undefined ? undefined : signalOption(o.signal),
    onIteration:
      o.onIteration === undefined ? undefined : functionOption<(info: IterationInfo) => unknown>(o.onIteration, 'onIteration'),
    initSampleRows:
      o.initSampleRows === undefined ? Math.max(k, DEFAULT_INIT_SAMPLE_ROWS) : integerOption(o.initSampleRows, 'initSampleRows', k),
  };
}

/** The statistics task of one chunk (its weights included). */
export type ChunkTask = (chunk: StreamChunk) => NativeTask<NativeStatisticsSummary>;

/**
 * Runs one native statistics task per chunk of one pass (any family's: a mixture's E-step,
 * K-means' assignments), the next chunk read while the last is computed, and merges their
 * statistics in row order; chunks laid out as `layout` says ('columns' only for tasks that read
 * them so). A pass that meets the stream's first weighted batch starts again, weighted (the
 * in-memory equivalent weighs every row).
 */
export function tasksPass(source: StreamSource, settings: PassSettings, start: ChunkTask, layout: ChunkLayout = 'rows'): Promise<Statistics> {
  return passWeightedOnce(settings, () => onePass(source, settings, start, layout));
}

/** How many chunks' statistics a pass merges at once, and the bytes of them it may hold. */
const MERGE_GROUP = 16;
const MERGE_BYTES = 1 << 20;

/** A chunk's task under way. */
interface ChunkInFlight {
  readonly chunk: StreamChunk;
  readonly task: NativeTask<NativeStatisticsSummary>;
}

/**
 * The error of a chunk's failed task: for a chunk read in place (its values checked only by the
 * native E-step), the one naming its first non-finite value, when it has one.
 */
function chunkError(chunk: StreamChunk, err: unknown, signal: AbortSignal | undefined): Error {
  const error = translateNativeError(err, signal);
  if (chunk.columns && chunk.nonFiniteError && hasCode(error, ErrorCode.INVALID_ARGUMENT)) return chunk.nonFiniteError() ?? error;
  return error;
}

async function onePass(source: StreamSource, settings: PassSettings, start: ChunkTask, layout: ChunkLayout): Promise<Statistics> {
  const addon = native();
  const signal = settings.signal;
  let total: NativeStatisticsSummary | undefined;
  // Settled chunks' statistics not merged yet, in row order: merged MERGE_GROUP at a time (each
  // merge decodes its inputs and encodes one result: one at a time, the growing total would be
  // decoded and encoded again for every chunk).
  let unmerged: Uint8Array[] = [];
  let unmergedBytes = 0;
  // (The first chunk's statistics are the total: only later ones wait.)
  const mergeUnmerged = (): void => {
    if (total && unmerged.length > 0) total = addon.statisticsMerge(total.bytes as Uint8Array, ...(unmerged as [Uint8Array]));
    unmerged = [];
    unmergedBytes = 0;
  };
  // The chunks' tasks under way, oldest first (merged in that order: the rows' order).
  const pending: ChunkInFlight[] = [];
  const onAbort = (): void => pending.forEach(({ task }) => task.cancel());
  signal?.addEventListener('abort', onAbort, { once: true });
  let taskFailed = false;
  const settleOldest = async (): Promise<void> => {
    const { chunk, task } = pending.shift() as ChunkInFlight;
    let summary: NativeStatisticsSummary;
    try {
      summary = await task.promise;
    } catch (err) {
      taskFailed = true;
      throw chunkError(chunk, err, signal);
    } finally {
      if (chunk.columns) chunk.release?.();
    }
    if (total === undefined) total = summary;
    else {
      unmerged.push(summary.bytes as Uint8Array);
      unmergedBytes += (summary.bytes as Uint8Array).length;
    }
    if (unmerged.length === MERGE_GROUP || unmergedBytes >= MERGE_BYTES) mergeUnmerged();
  };
  try {
    for await (const chunk of streamChunks(source, settings, layout)) {
      // A chunk's buffer is refilled CHUNKS_IN_FLIGHT + 1 chunks on: the oldest task must be
      // done before the next chunk is asked for.
      try {
        const task = start(chunk);
        // (Settled in order below: a later chunk's failure meanwhile is not unhandled.)
        task.promise.catch(() => undefined);
        pending.push({ chunk, task });
      } catch (err) {
        if (chunk.columns) chunk.release?.();
        throw err;
      }
      if (pending.length === CHUNKS_IN_FLIGHT) await settleOldest();
      throwIfAborted(signal);
    }
    while (pending.length > 0) await settleOldest();
    mergeUnmerged();
  } catch (err) {
    let error = err;
    // An error met while reading comes after the rows under way: a chunk read in place among
    // them (checked only by its native work) may hold an earlier non-finite value, the error
    // the pass reports (the first in row order, as for rows in memory).
    if (!taskFailed && !signal?.aborted) {
      for (const { chunk, task } of pending) {
        if (!chunk.columns || !chunk.nonFiniteError) continue;
        const failed = await task.promise.then(
          () => undefined,
          (e: unknown) => chunkError(chunk, e, signal),
        );
        if (failed) {
          error = failed;
          break;
        }
      }
    }
    for (const { task } of pending) task.cancel();
    await Promise.all(pending.map(({ task }) => task.promise.catch(() => undefined)));
    for (const { chunk } of pending) if (chunk.columns) chunk.release?.();
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return wrapStatistics(total as NativeStatisticsSummary);
}

/** One EM variant over a stream: the same roles as native/core/em.h's EmVariant. */
export interface StreamEmVariant<P> {
  readonly nInit: number;
  readonly maxIter: number;
  /** Where the first change is measured from (−∞, or a warm start's lower bound). */
  readonly previousObjective: number;
  initialise(restart: number): Promise<P>;
  /** One pass: the statistics of every row under params. */
  expectation(params: P): Promise<Statistics>;
  maximise(statistics: Statistics, params: P): P;
  /**
   * The objective of an iteration from its statistics and the parameters its M-step made (em.h's
   * `objective`: a variational fit's evidence lower bound); absent: the statistics' mean
   * log-likelihood, taken before the M-step.
   */
  objective?(statistics: Statistics, after: P): number;
  converged(change: number, before: P, after: P): boolean;
  /**
   * Instead of `converged`, mclust's me() (em.h's convergedAfterExpectation): the rule on the
   * E-step's total log-likelihood and the previous one, checked before the M-step; the
   * parameters that E-step used are kept.
   */
  convergedAfterExpectation?(total: number, previousTotal: number): boolean;
  /** The error for an E-step whose objective is not finite. */
  notFinite(iter: number): Error;
  /**
   * Whether onIteration's info carries `reseeds` (GaussianMixture's, as its fit reports them:
   * always 0 over passes, which refuse onCollapse 'reseed').
   */
  readonly reportsReseeds?: boolean;
}

export interface StreamEmResult<P> {
  readonly params: P;
  readonly converged: boolean;
  readonly nIter: number;
  readonly lowerBound: number;
}

/**
 * Where a run of the driver stands after an iteration (or after a restart's start, `iter` 0):
 * enough to go on from there and end with the same bits as a run that never stopped.
 */
export interface EmCheckpoint<P> {
  /** The restart under way. */
  readonly restart: number;
  /** Its iterations done (0: just started). */
  readonly iter: number;
  /** The parameters after them. */
  readonly params: P;
  /** The objective of the last E-step (the start's `previousObjective` at iteration 0). */
  readonly lowerBound: number;
  /** Whether this restart has ended (converged, stopped, or maxIter reached). */
  readonly done: boolean;
  readonly converged: boolean;
  /** Whether onIteration asked to stop every restart. */
  readonly stopped: boolean;
  /** The best of the restarts before this one. */
  readonly best: StreamEmResult<P> | undefined;
  /** mclust's rule (convergedAfterExpectation): the last E-step's total log-likelihood. */
  readonly previousTotal?: number;
}

/** The user's onIteration and the signal, as the native driver's report(); and checkpoints. */
export interface StreamControl {
  readonly signal: AbortSignal | undefined;
  readonly onIteration: ((info: IterationInfo) => unknown) | undefined;
  /**
   * Where to go on from instead of starting (a resumed distributed run): a checkpoint the same
   * driver wrote (an {@link EmCheckpoint}, or K-means' LloydCheckpoint).
   */
  readonly resume?: object;
  /** Called (and awaited) after every start and every iteration. */
  readonly checkpoint?: (state: object) => Promise<void>;
  /** Awaited before the fit commits its result (the last checkpoint has landed). */
  readonly drain?: () => Promise<void>;
}

/** `control` with its onIteration watched: `stopped()` tells whether it returned false. */
export function watchStops<C extends StreamControl>(control: C): { control: C; stopped: () => boolean } {
  const user = control.onIteration;
  if (!user) return { control, stopped: () => false };
  let stopped = false;
  const onIteration = (info: IterationInfo): unknown => {
    const answer = user(info);
    if (answer === false) stopped = true;
    return answer;
  };
  return { control: { ...control, onIteration }, stopped: () => stopped };
}

/** The user's onIteration for one iteration; whether it (or the signal) stops the fit. */
function report(control: StreamControl, reseeds: boolean, init: number, iter: number, objective: number, change: number): boolean {
  if (!control.onIteration) return false;
  const answer = control.onIteration(Object.freeze(reseeds ? { init, iter, objective, change, reseeds: 0 } : { init, iter, objective, change }));
  return answer === false || control.signal?.aborted === true;
}

/** native/core/em.cc runEm, over passes; from `control.resume` when given. */
export async function runStreamEm<P>(variant: StreamEmVariant<P>, control: StreamControl): Promise<StreamEmResult<P>> {
  const resume = control.resume as EmCheckpoint<P> | undefined;
  const save = async (state: EmCheckpoint<P>): Promise<void> => {
    if (control.checkpoint) await control.checkpoint(state);
  };
  let best = resume?.best;
  let stoppedAll = false;
  for (let restart = resume?.restart ?? 0; restart < variant.nInit && !stoppedAll; restart++) {
    throwIfAborted(control.signal);
    let params: P;
    let lowerBound: number;
    let nIter: number;
    let converged: boolean;
    let done: boolean;
    let previousTotal: number;
    if (resume && restart === resume.restart) {
      ({ params, lowerBound, converged, done } = resume);
      nIter = resume.iter;
      stoppedAll = resume.stopped;
      previousTotal = resume.previousTotal ?? 0;
    } else {
      params = await variant.initialise(restart);
      lowerBound = variant.previousObjective;
      nIter = 0;
      converged = false;
      done = variant.maxIter === 0;
      previousTotal = 0;
      await save({ restart, iter: 0, params, lowerBound, done, converged, stopped: false, best, previousTotal });
    }
    for (let iter = nIter + 1; !done; iter++) {
      throwIfAborted(control.signal);
      const previous = lowerBound;
      const stats = await variant.expectation(params);
      // (A default start finds all-zero weights when it reads its sample; a given start here.)
      if (stats.totalWeight === 0) throw allZeroWeight();
      lowerBound = stats.objective / stats.totalWeight;
      if (!Number.isFinite(lowerBound)) throw variant.notFinite(iter);
      nIter = iter;
      if (variant.convergedAfterExpectation) {
        // me(): the rule after the E-step; the parameters it used are kept when it stops.
        if (iter === 1) previousTotal = variant.previousObjective * stats.totalWeight;
        const stop = report(control, variant.reportsReseeds === true, restart, iter, lowerBound, lowerBound - previous);
        if (variant.convergedAfterExpectation(stats.objective, previousTotal)) {
          converged = true;
        } else {
          previousTotal = stats.objective;
          if (stop) stoppedAll = true;
          else if (iter < variant.maxIter) params = variant.maximise(stats, params);
        }
      } else {
        const before = params;
        params = variant.maximise(stats, params);
        if (variant.objective) {
          lowerBound = variant.objective(stats, params);
          if (!Number.isFinite(lowerBound)) throw variant.notFinite(iter);
        }
        const change = lowerBound - previous;
        const stop = report(control, variant.reportsReseeds === true, restart, iter, lowerBound, change);
        if (variant.converged(change, before, params)) converged = true;
        else if (stop) stoppedAll = true;
      }
      done = converged || stoppedAll || iter >= variant.maxIter;
      await save({ restart, iter, params, lowerBound, done, converged, stopped: stoppedAll, best, previousTotal });
    }
    if (best === undefined || lowerBound > best.lowerBound) best = { params, converged, nIter, lowerBound };
  }
  throwIfAborted(control.signal);
  return best as StreamEmResult<P>;
}

/** The error of a source that is not a function. */
export function checkSource(source: unknown, what: string): asserts source is StreamSource {
  if (typeof source !== 'function') {
    throw invalidType(`${what}: expected a function returning an iterable of batches for source but received ${describe(source)}`);
  }
}

/**
 * The error for a stream (or shards) with fewer rows than components.
 * @param rowsOf - what holds the rows, for the message: 'the stream', 'the shards'.
 */
export function tooFewRows(what: string, rows: number, k: number, option: string, rowsOf = 'the stream'): RangeError {
  return invalidValue(`${what}: ${option} (${k}) exceeds the number of rows of ${rowsOf} (${rows})`);
}
