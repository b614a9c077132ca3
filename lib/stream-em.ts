/**
 * EM over a stream (`fitStream`): one pass over the source per iteration, each pass summing
 * the E-step's statistics chunk by chunk (lib/stream.ts) off the JavaScript thread, then the
 * same native M-step as an in-memory fit. The iteration driver mirrors the native one
 * (native/core/em.cc) step for step, so that from the same start a streamed fit gives the
 * in-memory fit's parameters bit for bit.
 *
 * @module
 */
import { invalidValue, makeAbortError, translateNativeError } from './errors.js';
import { native, type NativeStatisticsRequest, type NativeStatisticsSummary, type NativeTask } from './native.js';
import {
  describe,
  invalidType,
} from './errors.js';
import { functionOption, integerOption, readOptionsObject, signalOption } from './options.js';
import { Statistics, wrapStatistics } from './statistics.js';
import { streamChunks, WeightedStreamFound, type PassSettings, type StreamChunk, type StreamSource } from './stream.js';
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

/** Throws the AbortError of a fired signal. */
function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw makeAbortError(signal);
}

/**
 * Runs one native statistics task per chunk of one pass, the next chunk read while the last
 * is computed, and merges their statistics in row order. A pass that meets the stream's first
 * weighted batch starts again, weighted (the in-memory equivalent weighs every row).
 */
export async function statisticsPass(
  source: StreamSource,
  settings: PassSettings,
  request: (chunk: StreamChunk) => NativeStatisticsRequest,
): Promise<Statistics> {
  return tasksPass(source, settings, (chunk) =>
    native().mixtureStatisticsAsync(chunk.data, chunk.n, chunk.d, {
      ...request(chunk),
      ...(chunk.weights ? { sampleWeight: chunk.weights } : {}),
    }),
  );
}

/** The statistics task of one chunk (its weights included). */
export type ChunkTask = (chunk: StreamChunk) => NativeTask<NativeStatisticsSummary>;

/** {@link statisticsPass} with any family's native statistics task per chunk. */
export async function tasksPass(source: StreamSource, settings: PassSettings, start: ChunkTask): Promise<Statistics> {
  for (;;) {
    try {
      return await onePass(source, settings, start);
    } catch (err) {
      if (!(err instanceof WeightedStreamFound)) throw err;
      settings.weighted = true;
    }
  }
}

async function onePass(source: StreamSource, settings: PassSettings, start: ChunkTask): Promise<Statistics> {
  const addon = native();
  const signal = settings.signal;
  let total: NativeStatisticsSummary | undefined;
  let pending: NativeTask<NativeStatisticsSummary> | undefined;
  const onAbort = (): void => pending?.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  const settle = async (): Promise<void> => {
    if (!pending) return;
    const task = pending;
    pending = undefined;
    let summary: NativeStatisticsSummary;
    try {
      summary = await task.promise;
    } catch (err) {
      throw translateNativeError(err, signal);
    }
    total = total === undefined ? summary : addon.statisticsMerge(total.bytes as Uint8Array, summary.bytes as Uint8Array);
  };
  try {
    for await (const chunk of streamChunks(source, settings)) {
      // The chunk before this one must be done before its buffer is refilled (two chunks on).
      await settle();
      checkAborted(signal);
      pending = start(chunk);
    }
    await settle();
  } catch (err) {
    if (pending) {
      pending.cancel();
      await pending.promise.catch(() => undefined);
    }
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return wrapStatistics(total as NativeStatisticsSummary);
}

/** A row-major sample of a stream with its weights (when the stream is weighted). */
export interface StreamSample {
  readonly data: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly weights: Float64Array | undefined;
}

/** A small seeded generator for the reservoir (sfc32: its uniform doubles in [0, 1)). */
function generator(seed: number, stream: number): () => number {
  let a = seed >>> 0;
  let b = Math.floor(seed / 2 ** 32) >>> 0;
  let c = (stream * 0x9e3779b9) >>> 0;
  let d = 1;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

/**
 * One pass that draws a uniform sample of `size` rows (Li's algorithm L: a few random numbers
 * per kept row, none per skipped one), seeded; the same rows for any batching of the stream.
 */
export async function reservoirPass(
  source: StreamSource,
  settings: PassSettings,
  size: number,
  seed: number,
  restart: number,
): Promise<StreamSample> {
  for (;;) {
    try {
      return await reservoirOnce(source, settings, size, seed, restart);
    } catch (err) {
      if (!(err instanceof WeightedStreamFound)) throw err;
      settings.weighted = true;
    }
  }
}

async function reservoirOnce(
  source: StreamSource,
  settings: PassSettings,
  size: number,
  seed: number,
  restart: number,
): Promise<StreamSample> {
  const random = generator(seed, restart + 1);
  let rows: Float64Array | undefined;
  let weights: Float64Array | undefined;
  let kept = 0;
  let d = 0;
  // Algorithm L: the next row to keep after the reservoir is full, and w.
  let w = Math.exp(Math.log(random() || Number.MIN_VALUE) / size);
  let next = size + Math.floor(Math.log(random() || Number.MIN_VALUE) / Math.log(1 - w));
  for await (const chunk of streamChunks(source, settings)) {
    d = chunk.d;
    if (!rows) {
      rows = new Float64Array(size * d);
      if (settings.weighted) weights = new Float64Array(size);
    }
    for (let i = 0; i < chunk.n; i++) {
      const row = chunk.firstRow + i;
      let slot = -1;
      if (row < size) {
        slot = row;
        kept++;
      } else if (row === next) {
        slot = Math.floor(random() * size);
        w *= Math.exp(Math.log(random() || Number.MIN_VALUE) / size);
        next += 1 + Math.floor(Math.log(random() || Number.MIN_VALUE) / Math.log(1 - w));
      } else if (row > next) {
        continue;
      }
      if (slot < 0) continue;
      rows.set(chunk.data.subarray(i * d, (i + 1) * d), slot * d);
      if (weights && chunk.weights) weights[slot] = chunk.weights[i] as number;
    }
  }
  const n = Math.min(kept, size);
  return {
    data: (rows as Float64Array).subarray(0, n * d),
    n,
    d,
    weights: weights?.subarray(0, n),
  };
}

/** What a streamed fit's default start is seeded with. */
export interface StreamSeeding {
  readonly what: string;
  /** The option K is named by in messages ('nComponents', 'nClusters'). */
  readonly kName: string;
  readonly k: number;
  readonly seed: number;
  readonly init: 'k-means++' | 'random';
  readonly threads: number;
  readonly sampleRows: number;
}

/**
 * A restart's starting centres ([k, d]) as a fit would seed them, picked from a seeded uniform
 * sample of the stream (one pass): the same centres for any batching.
 */
export async function seedFromStream(source: StreamSource, settings: PassSettings, s: StreamSeeding, restart: number): Promise<Float64Array> {
  const sample = await reservoirPass(source, settings, s.sampleRows, s.seed, restart);
  const rows = settings.rows ?? sample.n;
  if (rows < s.k) throw tooFewRows(s.what, rows, s.k, s.kName);
  return native().seedCentres(sample.data, sample.n, sample.d, {
    k: s.k,
    seed: s.seed,
    restart,
    init: s.init,
    threads: s.threads,
    ...(sample.weights ? { sampleWeight: sample.weights } : {}),
  });
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
  converged(change: number, before: P, after: P): boolean;
  /** The error for an E-step whose objective is not finite. */
  notFinite(iter: number): Error;
}

export interface StreamEmResult<P> {
  readonly params: P;
  readonly converged: boolean;
  readonly nIter: number;
  readonly lowerBound: number;
}

/** The user's onIteration and the signal, as the native driver's report(). */
export interface StreamControl {
  readonly signal: AbortSignal | undefined;
  readonly onIteration: ((info: IterationInfo) => unknown) | undefined;
}

/** native/core/em.cc runEm, over a stream. */
export async function runStreamEm<P>(variant: StreamEmVariant<P>, control: StreamControl): Promise<StreamEmResult<P>> {
  let best: StreamEmResult<P> | undefined;
  let stoppedAll = false;
  for (let restart = 0; restart < variant.nInit && !stoppedAll; restart++) {
    checkAborted(control.signal);
    let params: P = await variant.initialise(restart);
    let lowerBound = variant.previousObjective;
    let nIter = 0;
    let converged = false;
    for (let iter = 1; iter <= variant.maxIter; iter++) {
      checkAborted(control.signal);
      const previous = lowerBound;
      const stats = await variant.expectation(params);
      lowerBound = stats.objective / stats.totalWeight;
      if (!Number.isFinite(lowerBound)) throw variant.notFinite(iter);
      const before = params;
      params = variant.maximise(stats, params);
      nIter = iter;
      const change = lowerBound - previous;
      let stop = false;
      if (control.onIteration) {
        const answer = control.onIteration(Object.freeze({ init: restart, iter, objective: lowerBound, change }));
        stop = answer === false || control.signal?.aborted === true;
      }
      if (variant.converged(change, before, params)) {
        converged = true;
        break;
      }
      if (stop) {
        stoppedAll = true;
        break;
      }
    }
    if (best === undefined || lowerBound > best.lowerBound) best = { params, converged, nIter, lowerBound };
  }
  checkAborted(control.signal);
  return best as StreamEmResult<P>;
}

/** The error of a source that is not a function. */
export function checkSource(source: unknown, what: string): asserts source is StreamSource {
  if (typeof source !== 'function') {
    throw invalidType(`${what}: expected a function returning an iterable of batches for source but received ${describe(source)}`);
  }
}

/** The error for a stream with fewer rows than components. */
export function tooFewRows(what: string, rows: number, k: number, option: string): RangeError {
  return invalidValue(`${what}: ${option} (${k}) exceeds the number of rows of the stream (${rows})`);
}
