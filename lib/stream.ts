/**
 * Streams of rows for `fitStream`: a source is read once per pass, its batches (of any sizes)
 * are validated and copied into chunks that start at multiples of {@link BLOCK_ROWS} rows of
 * the pass, so that the statistics of the chunks merge into exactly those of all the rows at
 * once, whatever the batching. Memory: three chunks of rows, whatever the length of the stream.
 *
 * @module
 */
import { arrowRowGroups, checkArrowColumns, isArrowLike, type ArrowRowGroup } from './arrow.js';
import { retainBuffer } from './buffer-lease.js';
import { describe, invalidType, invalidValue, makeAbortError } from './errors.js';
import { checkFeatures, isNDArrayLike, nonFiniteMessage, toMatrix, type Matrix } from './input.js';
import { native } from './native.js';
import { readSampleWeight } from './options.js';
import { BLOCK_ROWS } from './statistics.js';
import type { DataInput } from './types.js';

/** One batch of a stream: rows, optionally with their sample weights. */
export type StreamBatch = DataInput | { readonly X: DataInput; readonly sampleWeight?: ArrayLike<number> };

/**
 * A source of rows for `fitStream`: a function that starts a new pass over the same rows, in
 * the same order, every time it is called (a fit reads its source once per iteration, and
 * once or more to initialise). It returns an iterable or an async iterable of batches:
 * NDArrays, arrays of rows, or `{ X, sampleWeight }`. Batches may have any number of rows.
 */
export type StreamSource = () => AsyncIterable<StreamBatch> | Iterable<StreamBatch>;

/**
 * The chunks whose native work may be under way while the next one is filled: two, so that
 * the cores have the second chunk's blocks to work on while the first one's last blocks end
 * (with one, a core idles at the end of every chunk while the JavaScript thread reads).
 */
export const CHUNKS_IN_FLIGHT = 2;

/**
 * How a pass lays its chunks out: by row ([n, d], what every statistics task reads), or by
 * column (what a mixture's E-step works on: Arrow columns are then copied as they are, with no
 * transpose on either side).
 */
export type ChunkLayout = 'rows' | 'columns';

/** The rows of a chunk of a pass. */
interface ChunkRows {
  readonly n: number;
  readonly d: number;
  /** [n], when the stream is weighted. */
  readonly weights: Float64Array | undefined;
  /** The index of the chunk's first row in the pass (a multiple of BLOCK_ROWS). */
  readonly firstRow: number;
}

/** A chunk laid out by row, in a staging buffer that is reused CHUNKS_IN_FLIGHT + 1 chunks later. */
export interface RowChunk extends ChunkRows {
  /** Row-major [n, d]. */
  readonly data: Float64Array;
  readonly columns?: undefined;
}

/**
 * A chunk laid out by column: its d columns, each of at least n values, views of a staging
 * buffer (reused CHUNKS_IN_FLIGHT + 1 staged chunks later), or read in place: views of a
 * record batch's own buffers, retained until {@link ColumnChunk.release} and not yet checked
 * for non-finite values (the native E-step checks them as it copies them).
 */
export interface ColumnChunk extends ChunkRows {
  readonly columns: readonly Float64Array[];
  readonly data?: undefined;
  /** Read in place: ends the chunk's hold on its batch's buffers, once its native work is over. */
  readonly release?: () => void;
  /** Read in place: the error naming the chunk's first non-finite value in row order, if any. */
  readonly nonFiniteError?: () => Error | undefined;
}

/** A chunk of a pass. */
export type StreamChunk = RowChunk | ColumnChunk;

/** A chunk's values as the native statistics read them: row-major, or its columns. */
export function chunkValues(chunk: StreamChunk): Float64Array | readonly Float64Array[] {
  return chunk.columns ?? chunk.data;
}

/** What a pass needs to know about its stream. */
export interface PassSettings {
  /** `'GaussianMixture.fitStream'` and the like, for messages. */
  readonly what: string;
  /** The number of features, once known (the first pass learns it). */
  d: number | undefined;
  /** Who fixed d, for messages ("X has 4 features, but <this> with 3"); absent: a starting parameter. */
  featuresOrigin?: string;
  /** Whether any batch carries sampleWeight (then every row has a weight, 1 when not given). */
  weighted: boolean;
  /** The number of rows of a pass, once a pass has completed. */
  rows: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** Whether a pass may give no rows (a distributed fit's shard: it adds nothing); else an error. */
  readonly emptyOk?: boolean;
  /**
   * Runs when the first batch fixes d, before any of its rows is staged: a throw (a model too
   * large for memory, lib/memory-check.ts) fails the pass.
   */
  checkWidth?: ((d: number) => void) | undefined;
}

/** Thrown inside a pass that meets the stream's first weighted batch: the pass restarts weighted. */
export class WeightedStreamFound extends Error {}

/**
 * Runs a pass; a pass that meets the stream's first weighted batch runs again, weighted (the
 * in-memory equivalent weighs every row).
 */
export async function passWeightedOnce<T>(settings: PassSettings, pass: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await pass();
    } catch (err) {
      if (!(err instanceof WeightedStreamFound)) throw err;
      settings.weighted = true;
    }
  }
}

/**
 * Rows per chunk: whole blocks, about 8 MiB of values (each chunk is one native call: a larger
 * chunk spreads its fixed cost over more rows), at least one block.
 */
function chunkRowsFor(d: number): number {
  const blocks = Math.max(1, Math.min(64, Math.floor((1 << 20) / (BLOCK_ROWS * d))));
  return blocks * BLOCK_ROWS;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/** Calls the source and checks that it returned an (async) iterable. */
function startPass(source: StreamSource, what: string): AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof source !== 'function') {
    throw invalidType(`${what}: expected a function returning an iterable of batches for source but received ${describe(source)}`);
  }
  const it: unknown = source();
  if (!isAsyncIterable(it) && !isIterable(it)) {
    throw invalidType(`${what}: source() must return an iterable or an async iterable of batches but returned ${describe(it)}`);
  }
  return it;
}

/**
 * A batch's rows, validated but for the finite check of Arrow rows, which is folded into
 * their copy: as a row-major matrix, or as Arrow record batches (their columns are converted
 * straight into the chunks, with no copy in between).
 */
type BatchRows = { readonly n: number; readonly d: number } & (
  | { readonly matrix: Matrix; readonly groups?: undefined }
  | { readonly matrix?: undefined; readonly groups: readonly ArrowRowGroup[] }
);

/**
 * A promise that settles as `p` does, or rejects with the AbortError once `signal` fires
 * (whichever comes first): a source waiting on something that never comes cannot hold an
 * aborted fit.
 */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(makeAbortError(signal));
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = (): void => reject(makeAbortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener('abort', onAbort as () => void));
}

/**
 * The source's batches, each wait for the next one ended by an abort. Closes the source's
 * iterator when the pass ends early, as for await does (without waiting on it when aborted: a
 * generator stuck in a pending step would only close after it).
 */
async function* batchesOf(iterable: AsyncIterable<unknown> | Iterable<unknown>, signal: AbortSignal | undefined): AsyncGenerator<unknown> {
  const async = isAsyncIterable(iterable);
  const iterator: AsyncIterator<unknown> | Iterator<unknown> = async
    ? (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]()
    : (iterable as Iterable<unknown>)[Symbol.iterator]();
  let done = false;
  try {
    for (;;) {
      const step = await unlessAborted(Promise.resolve(iterator.next()), signal);
      if (step.done) {
        done = true;
        return;
      }
      // (for await also awaits the values of a synchronous iterable)
      yield async ? step.value : await unlessAborted(Promise.resolve(step.value), signal);
    }
  } finally {
    if (!done && typeof iterator.return === 'function') {
      const closing = Promise.resolve(iterator.return()).catch(() => undefined);
      if (!signal?.aborted) await closing;
    }
  }
}

/** A batch's rows and weights: `{ X, sampleWeight }` taken apart, anything else the rows. */
function batchParts(batch: unknown): { input: unknown; sampleWeight: unknown } {
  if (typeof batch === 'object' && batch !== null && !isNDArrayLike(batch) && 'X' in batch && !Array.isArray(batch)) {
    return { input: (batch as { X: unknown }).X, sampleWeight: (batch as { sampleWeight?: unknown }).sampleWeight };
  }
  return { input: batch, sampleWeight: undefined };
}

/**
 * Whether a batch plainly has no rows (an empty array, an NDArray of shape [0, ...], an Arrow
 * batch of 0 rows, or { X } of one): it adds nothing and is skipped (Arrow IPC files hold such
 * batches; the same rows batched without them give the same fit).
 */
export function isEmptyBatch(batch: unknown): boolean {
  const { input } = batchParts(batch);
  if (Array.isArray(input)) return input.length === 0;
  if (isArrowLike(input)) return input.numRows === 0;
  if (isNDArrayLike(input)) {
    const shape = (input as { shape?: unknown }).shape;
    return Array.isArray(shape) && shape.length >= 1 && shape[0] === 0;
  }
  return false;
}

/** A batch's rows and weights, validated (messages name the batch and the rows of the pass). */
function readBatch(
  batch: unknown,
  name: string,
  firstRow: number,
  settings: PassSettings,
  scratch: (length: number) => Float64Array,
): { rows: BatchRows; weights: Float64Array | undefined } {
  const { input, sampleWeight } = batchParts(batch);
  let rows: BatchRows;
  try {
    const expect =
      settings.d === undefined
        ? { rowOffset: firstRow, scratch }
        : { features: settings.d, featuresOrigin: settings.featuresOrigin ?? 'the starting parameters came', rowOffset: firstRow, scratch };
    const columns = isArrowLike(input) ? checkArrowColumns(input, 'X') : undefined;
    const groups = columns && arrowRowGroups(columns);
    if (columns && groups) {
      checkFeatures(columns.d, 'X', expect);
      rows = { n: columns.n, d: columns.d, groups };
    } else {
      const matrix = toMatrix(input, 'X', expect);
      rows = { n: matrix.n, d: matrix.d, matrix };
    }
  } catch (err) {
    if (err instanceof Error) err.message = `${name}: ${err.message}`;
    throw err;
  }
  let weights: Float64Array | undefined;
  if (sampleWeight !== undefined) {
    try {
      weights = readSampleWeight(sampleWeight, rows.n, 'sampleWeight', true);
    } catch (err) {
      if (err instanceof Error) err.message = `${name}: ${err.message}`;
      throw err;
    }
  }
  return { rows, weights };
}

/**
 * Copies the batch's rows [from, from + take) into `out` from row `at` (laid out by column when
 * columnStride is given); an Arrow batch's values are checked as they are converted (the error
 * names the batch's row and the pass's).
 */
function copyRows(
  rows: BatchRows,
  from: number,
  take: number,
  out: Float64Array,
  at: number,
  columnStride: number | undefined,
  name: string,
  firstRow: number,
): void {
  const d = rows.d;
  if (rows.matrix) {
    if (columnStride === undefined) out.set(rows.matrix.data.subarray(from * d, (from + take) * d), at * d);
    else native().rowsToColumns(rows.matrix.data, from, take, d, out, at, columnStride);
    return;
  }
  const convert = native().columnsToRows;
  let groupFirst = 0;
  for (const group of rows.groups) {
    const start = Math.max(from, groupFirst);
    const end = Math.min(from + take, groupFirst + group.rows);
    if (start < end) {
      const outRow = at + (start - from);
      const bad = convert(group.columns, out, outRow, end - start, d, 0, start - groupFirst, columnStride);
      if (bad >= 0) {
        const row = outRow + Math.floor(bad / d);
        const value = out[columnStride === undefined ? row * d + (bad % d) : (bad % d) * columnStride + row] as number;
        throw invalidValue(`${name}: ${nonFiniteMessage('X', value, start * d + bad, d, firstRow)}`);
      }
    }
    groupFirst += group.rows;
    if (groupFirst >= from + take) break;
  }
}

/**
 * Rows of an Arrow batch that a chunk by column can read in place, from row `from` of the batch
 * (the first row of a chunk, so block-aligned in the pass): whole blocks of one record batch,
 * at most maxRows, when every column is Float64 in a buffer its owner lends
 * (lib/buffer-lease.ts), which is then retained. Undefined otherwise.
 */
function inPlaceRows(
  rows: BatchRows,
  from: number,
  maxRows: number,
): { columns: Float64Array[]; n: number; release: () => void } | undefined {
  if (!rows.groups) return undefined;
  let groupFirst = 0;
  for (const group of rows.groups) {
    if (from < groupFirst + group.rows) {
      const n = Math.min(maxRows, Math.floor((groupFirst + group.rows - from) / BLOCK_ROWS) * BLOCK_ROWS);
      if (n === 0 || !group.columns.every((c) => c instanceof Float64Array)) return undefined;
      const releases: (() => void)[] = [];
      const release = (): void => releases.forEach((r) => r());
      for (const buffer of new Set(group.columns.map((c) => c.buffer))) {
        const r = retainBuffer(buffer);
        if (!r) {
          release();
          return undefined;
        }
        releases.push(r);
      }
      const at = from - groupFirst;
      return { columns: (group.columns as Float64Array[]).map((c) => c.subarray(at, at + n)), n, release };
    }
    groupFirst += group.rows;
  }
  return undefined;
}

/**
 * One pass over the source as BLOCK_ROWS-aligned chunks, laid out as `layout` says. A staged
 * chunk's buffer is refilled CHUNKS_IN_FLIGHT + 1 staged chunks later: the caller must be done
 * with a chunk (its native work finished) before it asks for the chunk that many chunks on.
 * By column, whole blocks of an unweighted Arrow batch whose buffers are lent are read in place
 * (no copy) when they start a chunk. Learns `d` and `rows`; throws {@link WeightedStreamFound}
 * when it meets a weighted batch in a stream it believed unweighted.
 */
export function streamChunks(source: StreamSource, settings: PassSettings, layout?: 'rows'): AsyncGenerator<RowChunk>;
export function streamChunks(source: StreamSource, settings: PassSettings, layout: ChunkLayout): AsyncGenerator<StreamChunk>;
export async function* streamChunks(
  source: StreamSource,
  settings: PassSettings,
  layout: ChunkLayout = 'rows',
): AsyncGenerator<StreamChunk> {
  const iterable = startPass(source, settings.what);
  let buffers: Float64Array[] = [];
  let columnViews: Float64Array[][] = []; // by column: each buffer's columns
  let weightBuffers: Float64Array[] = [];
  let which = 0;
  let filled = 0; // rows in the current buffer
  let passRows = 0; // rows of the pass in the chunks yielded so far
  let seen = 0; // rows of the pass read so far
  let chunkRows = 0;
  let columnStride: number | undefined; // by column: a chunk's columns, chunkRows apart
  let index = 0;
  const signal = settings.signal;
  // A converted batch (Arrow columns, nested rows) goes into one buffer reused from batch to
  // batch: its rows are copied into the chunks before the next batch is read. (New arrays of
  // every batch's size were most of a streamed pass's garbage collection.)
  let converted = new Float64Array(0);
  const scratch = (length: number): Float64Array => {
    if (converted.length < length) converted = new Float64Array(length);
    return converted.subarray(0, length);
  };
  const batches = batchesOf(iterable, signal);
  for await (const batch of batches) {
    if (signal?.aborted) throw makeAbortError(signal);
    if (isEmptyBatch(batch)) {
      index++;
      continue;
    }
    const name = `${settings.what}: batch ${index} (from row ${seen} of the pass)`;
    const batchFirst = seen;
    const { rows: X, weights } = readBatch(batch, name, seen, settings, scratch);
    index++;
    seen += X.n;
    if (weights && !settings.weighted) throw new WeightedStreamFound();
    if (settings.d === undefined) {
      settings.checkWidth?.(X.d);
      settings.d = X.d;
      settings.featuresOrigin = "the stream's first batch came";
    }
    const d = X.d;
    if (buffers.length === 0) {
      chunkRows = chunkRowsFor(d);
      if (layout === 'columns') columnStride = chunkRows;
      buffers = Array.from({ length: CHUNKS_IN_FLIGHT + 1 }, () => new Float64Array(chunkRows * d));
      if (columnStride !== undefined) {
        columnViews = buffers.map((b) => Array.from({ length: d }, (_, j) => b.subarray(j * chunkRows, (j + 1) * chunkRows)));
      }
      if (settings.weighted) weightBuffers = Array.from({ length: CHUNKS_IN_FLIGHT + 1 }, () => new Float64Array(chunkRows));
    }
    let from = 0;
    while (from < X.n) {
      const inPlace = columnStride !== undefined && filled === 0 && !settings.weighted ? inPlaceRows(X, from, chunkRows) : undefined;
      if (inPlace) {
        const at = from;
        yield {
          columns: inPlace.columns,
          n: inPlace.n,
          d,
          weights: undefined,
          firstRow: passRows,
          release: inPlace.release,
          nonFiniteError: () => {
            try {
              copyRows(X, at, inPlace.n, new Float64Array(inPlace.n * d), 0, undefined, name, batchFirst);
            } catch (err) {
              return err as Error;
            }
            return undefined;
          },
        };
        passRows += inPlace.n;
        from += inPlace.n;
        if (signal?.aborted) throw makeAbortError(signal);
        continue;
      }
      const take = Math.min(X.n - from, chunkRows - filled);
      copyRows(X, from, take, buffers[which] as Float64Array, filled, columnStride, name, batchFirst);
      if (settings.weighted) {
        const w = weightBuffers[which] as Float64Array;
        if (weights) w.set(weights.subarray(from, from + take), filled);
        else w.fill(1, filled, filled + take);
      }
      filled += take;
      from += take;
      if (filled === chunkRows) {
        const weights = settings.weighted ? weightBuffers[which] : undefined;
        yield columnStride === undefined
          ? { data: buffers[which] as Float64Array, n: filled, d, weights, firstRow: passRows }
          : { columns: columnViews[which] as Float64Array[], n: filled, d, weights, firstRow: passRows };
        passRows += filled;
        filled = 0;
        which = (which + 1) % buffers.length;
        if (signal?.aborted) throw makeAbortError(signal);
      }
    }
    // (The rows of a partly filled chunk are counted when it is yielded.)
  }
  if (filled > 0) {
    const d = settings.d as number;
    const weights = settings.weighted ? (weightBuffers[which] as Float64Array).subarray(0, filled) : undefined;
    yield columnStride === undefined
      ? { data: (buffers[which] as Float64Array).subarray(0, filled * d), n: filled, d, weights, firstRow: passRows }
      : { columns: columnViews[which] as Float64Array[], n: filled, d, weights, firstRow: passRows };
    passRows += filled;
  }
  if (passRows === 0 && settings.rows === undefined && settings.emptyOk !== true) throw invalidValue(`${settings.what}: the source gave no rows`);
  if (settings.rows !== undefined && settings.rows !== passRows) {
    throw invalidValue(
      `${settings.what}: the source gave ${passRows} rows in this pass but ${settings.rows} in the first: ` +
        'every call of source() must give the same rows in the same order',
    );
  }
  settings.rows = passRows;
}
