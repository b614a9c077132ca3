/**
 * What one job of a distributed fit computes on its shard, and the messages that carry it: a
 * round's task (written once per round by the coordinator, read by every job of the round) and
 * a shard's result. Four tasks: `describe` (rows, features, weighted, first row), `statistics`
 * (one E-step's or K-means assignment's sums under the round's parameters: the statistics' own
 * bytes), `sample` (the shard's rows among the default start's sample) and `moments` (K-means'
 * scale of tol: exact moments about the first row of the first shard, their own bytes).
 *
 * @module
 */
import { decodeMessage, encodeMessage } from './codec.js';
import { describe, invalidType, invalidValue, translateNativeError } from '../errors.js';
import { isNDArrayLike, toMatrix, type Matrix } from '../input.js';
import { streamMeanVariance } from '../kmeans-stream.js';
import { native } from '../native.js';
import { readSampleWeight } from '../options.js';
import { passTask, requestForRows, streamPassTasks, type PassRequest } from '../passes.js';
import { isEmptyBatch, passWeightedOnce, streamChunks, type PassSettings, type StreamSource } from '../stream.js';
import { Statistics } from '../statistics.js';

/** A round's task. */
export type Task =
  | { readonly task: 'describe' }
  | {
      readonly task: 'statistics';
      readonly request: PassRequest;
      /** Whether any shard is weighted (then every row has a weight, 1 where a shard has none). */
      readonly weighted: boolean;
      /**
       * With a 'responsibilities' request (whose `resp` holds every row's, in the shards' order):
       * the first row of each shard in the concatenation, where its part of `resp` starts.
       */
      readonly starts?: Float64Array;
    }
  | {
      readonly task: 'sample';
      /** The sample's rows (indices in the concatenation of the shards), ascending. */
      readonly rows: Float64Array;
      /** The first row of each shard in the concatenation. */
      readonly starts: Float64Array;
      readonly weighted: boolean;
    }
  | {
      readonly task: 'moments';
      /** The row the moments are taken about (the first row of the first shard). */
      readonly shift: Float64Array;
    };

/** A shard's answer to `describe`. */
export interface ShardDescription {
  readonly rows: number;
  readonly d: number;
  readonly weighted: boolean;
  /** The shard's first row (K-means' moments are taken about the first shard's). */
  readonly first: Float64Array;
}

/** A shard's rows among a sample: row-major [n, d], and their weights when weighted. */
export interface ShardSample {
  readonly data: Float64Array;
  readonly weights: Float64Array | undefined;
}

/** The bytes of a task. */
export function encodeTask(task: Task): Uint8Array {
  return encodeMessage(task);
}

const TASKS = new Set(['describe', 'statistics', 'sample', 'moments']);

/** Reads a task's bytes (a RangeError naming `what` when they are not a task). */
export function decodeTask(bytes: Uint8Array, what: string): Task {
  const t = decodeMessage(bytes, what) as Record<string, unknown>;
  if (typeof t !== 'object' || t === null || !TASKS.has(t.task as string)) throw invalidValue(`${what} is not a task`);
  if (t.task === 'statistics' && (typeof t.request !== 'object' || t.request === null)) {
    throw invalidValue(`${what} is a statistics task without a request`);
  }
  if (t.task === 'statistics' && (t.request as { kind?: unknown }).kind === 'responsibilities' && !(t.starts instanceof Float64Array)) {
    throw invalidValue(`${what} is a statistics task of given responsibilities without the shards' starts`);
  }
  if (t.task === 'sample' && !(t.rows instanceof Float64Array && t.starts instanceof Float64Array)) {
    throw invalidValue(`${what} is a sample task without rows`);
  }
  if (t.task === 'moments' && !(t.shift instanceof Float64Array)) throw invalidValue(`${what} is a moments task without a shift`);
  return t as unknown as Task;
}

/**
 * A shard as the worker's `loadShard` gave it, checked. An empty shard (no rows: an empty array,
 * an NDArray of shape [0, ...], an Arrow table of 0 rows, or `{ X }` of one) adds nothing, as an
 * empty batch in `fitStream`: it is described, and given no other task.
 */
export type LoadedShard =
  | { readonly kind: 'memory'; readonly X: Matrix; readonly weights: Float64Array | undefined }
  | { readonly kind: 'stream'; readonly source: StreamSource }
  | { readonly kind: 'empty' };

/** A shard that has rows. */
type ShardRows = Exclude<LoadedShard, { kind: 'empty' }>;

/**
 * Checks what `loadShard` returned: a StreamSource (a function), DataInput, or
 * `{ X, sampleWeight }`.
 * @throws TypeError / RangeError - naming `what` (the shard).
 */
export function readShard(value: unknown, what: string): LoadedShard {
  if (typeof value === 'function') return { kind: 'stream', source: value as StreamSource };
  if (isEmptyBatch(value)) return { kind: 'empty' };
  let X: unknown = value;
  let sampleWeight: unknown;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !isNDArrayLike(value) && 'X' in value) {
    X = (value as { X: unknown }).X;
    sampleWeight = (value as { sampleWeight?: unknown }).sampleWeight;
  }
  try {
    const m = toMatrix(X, 'X');
    const weights = sampleWeight === undefined ? undefined : readSampleWeight(sampleWeight, m.n, 'sampleWeight', true);
    return { kind: 'memory', X: m, weights };
  } catch (err) {
    if (err instanceof Error) err.message = `${what}: loadShard returned bad data: ${err.message}`;
    throw err;
  }
}

/** How a worker computes: its threads, and the shard's name for messages. */
export interface TaskContext {
  readonly threads: number;
  readonly what: string;
  readonly signal?: AbortSignal;
}

/** Runs a task on a shard: the result's bytes. */
export async function runTask(task: Task, shard: LoadedShard, shardIndex: number, ctx: TaskContext): Promise<Uint8Array> {
  if (shard.kind === 'empty') {
    if (task.task === 'describe') return encodeMessage(EMPTY_SHARD);
    // (The coordinator gives an empty shard no other task: a shard whose rows changed since.)
    throw invalidValue(`${ctx.what} has no rows, but the coordinator asks for its ${task.task}: loadShard must give the same rows every time`);
  }
  switch (task.task) {
    case 'describe':
      return encodeMessage(await describeShard(shard, ctx));
    case 'statistics':
      return shardStatistics(shard, task.request, task.weighted, ctx, shardStart(task.starts, shardIndex, ctx));
    case 'sample':
      return encodeMessage(await sampleShard(shard, task, shardIndex, ctx));
    case 'moments':
      return shardMoments(shard, task.shift, ctx);
  }
}

function passSettings(ctx: TaskContext, weighted: boolean): PassSettings {
  return { what: ctx.what, d: undefined, weighted, rows: undefined, signal: ctx.signal };
}

/** The description of a shard without rows (its features unknown: 0). */
const EMPTY_SHARD: ShardDescription = { rows: 0, d: 0, weighted: false, first: new Float64Array(0) };

async function describeShard(shard: ShardRows, ctx: TaskContext): Promise<ShardDescription> {
  if (shard.kind === 'memory') {
    const { X } = shard;
    return { rows: X.n, d: X.d, weighted: shard.weights !== undefined, first: X.data.slice(0, X.d) };
  }
  // One pass counts the rows; a weighted batch makes the shard weighted (and the pass restart).
  // A source that gives no rows is an empty shard.
  const settings: PassSettings = { ...passSettings(ctx, false), emptyOk: true };
  return passWeightedOnce(settings, async () => {
    let first: Float64Array | undefined;
    for await (const chunk of streamChunks(shard.source, settings)) first ??= chunk.data.slice(0, chunk.d);
    if (first === undefined) return EMPTY_SHARD;
    return { rows: settings.rows as number, d: settings.d as number, weighted: settings.weighted, first };
  });
}

/** The shard's first row among all the shards' (0 when the task does not say: only given responsibilities need it). */
function shardStart(starts: Float64Array | undefined, shardIndex: number, ctx: TaskContext): number {
  if (!starts) return 0;
  const start = starts[shardIndex];
  if (start === undefined) throw invalidValue(`${ctx.what}: the statistics task has no start for shard ${shardIndex}`);
  return start;
}

/**
 * The shard's statistics under `request`; `firstRow`: its first row among all the shards' (the
 * rows of a 'responsibilities' request's `resp` it takes).
 */
async function shardStatistics(
  shard: ShardRows,
  request: PassRequest,
  weighted: boolean,
  ctx: TaskContext,
  firstRow: number,
): Promise<Uint8Array> {
  if (shard.kind === 'stream') {
    const settings = passSettings(ctx, weighted);
    const stats = await streamPassTasks(shard.source, settings, request, ctx.threads, firstRow, 'the shards');
    return Statistics.bytesOf(stats);
  }
  const { X } = shard;
  // A weighted fit weighs every row: 1 where this shard has no weights.
  const sampleWeight = shard.weights ?? (weighted ? new Float64Array(X.n).fill(1) : undefined);
  const own = requestForRows(request, firstRow, X.n, ctx.what, 'the shards');
  const task = passTask(X.data, X.n, X.d, own, ctx.threads, sampleWeight);
  const onAbort = (): void => task.cancel();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const summary = await task.promise;
    return summary.bytes as Uint8Array;
  } catch (err) {
    throw translateNativeError(err, ctx.signal);
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

/** The shard's moments about `shift` (unweighted: K-means' scale of tol ignores the weights). */
async function shardMoments(shard: ShardRows, shift: Float64Array, ctx: TaskContext): Promise<Uint8Array> {
  if (shard.kind === 'stream') return (await streamMeanVariance(shard.source, passSettings(ctx, false), shift, ctx.threads)).bytes;
  const { X } = shard;
  if (shift.length !== X.d) throw invalidValue(`${ctx.what}: the moments task's shift has ${shift.length} features, the shard ${X.d}`);
  try {
    return native().kmeansMoments(X.data, X.n, X.d, { shift, threads: ctx.threads }).bytes;
  } catch (err) {
    throw translateNativeError(err, ctx.signal);
  }
}

/** The first and one-past-last indices of `rows` (ascending) in [from, to). */
function rangeOf(rows: Float64Array, from: number, to: number): [number, number] {
  const lower = (v: number): number => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((rows[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [lower(from), lower(to)];
}

async function sampleShard(
  shard: ShardRows,
  task: Extract<Task, { task: 'sample' }>,
  shardIndex: number,
  ctx: TaskContext,
): Promise<ShardSample> {
  const start = task.starts[shardIndex];
  if (start === undefined) throw invalidValue(`${ctx.what}: the sample task has no start for shard ${shardIndex}`);
  const end = shardIndex + 1 < task.starts.length ? (task.starts[shardIndex + 1] as number) : Infinity;
  const [first, last] = rangeOf(task.rows, start, end);
  const count = last - first;
  if (shard.kind === 'memory') {
    const { X } = shard;
    const data = new Float64Array(count * X.d);
    const weights = task.weighted ? new Float64Array(count) : undefined;
    for (let i = 0; i < count; i++) {
      const row = (task.rows[first + i] as number) - start;
      if (row >= X.n) throw invalidValue(`${ctx.what}: the sample asks for row ${row} of a shard of ${X.n} rows`);
      data.set(X.data.subarray(row * X.d, (row + 1) * X.d), i * X.d);
      if (weights) weights[i] = shard.weights ? (shard.weights[row] as number) : 1;
    }
    return { data, weights };
  }
  // A stream: one pass, keeping the asked rows as they go by.
  const settings = passSettings(ctx, task.weighted);
  let data: Float64Array | undefined;
  const weights = task.weighted ? new Float64Array(count) : undefined;
  let next = first;
  for await (const chunk of streamChunks(shard.source, settings)) {
    data ??= new Float64Array(count * chunk.d);
    while (next < last && (task.rows[next] as number) - start < chunk.firstRow + chunk.n) {
      const i = (task.rows[next] as number) - start - chunk.firstRow;
      const slot = next - first;
      data.set(chunk.data.subarray(i * chunk.d, (i + 1) * chunk.d), slot * chunk.d);
      if (weights && chunk.weights) weights[slot] = chunk.weights[i] as number;
      next++;
    }
  }
  if (next < last) throw invalidValue(`${ctx.what}: the sample asks for rows past the end of the shard`);
  return { data: data ?? new Float64Array(0), weights };
}

/** Reads a shard's description (a RangeError naming `what` when malformed). */
export function decodeDescription(bytes: Uint8Array, what: string): ShardDescription {
  const m = decodeMessage(bytes, what) as Record<string, unknown>;
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (typeof m !== 'object' || m === null || !count(m.rows) || !count(m.d) || typeof m.weighted !== 'boolean') {
    throw invalidValue(`${what} is not a shard's description`);
  }
  if (!(m.first instanceof Float64Array) || m.first.length !== m.d) throw invalidValue(`${what} has no first row of ${m.d} features`);
  return { rows: m.rows, d: m.d, weighted: m.weighted, first: m.first };
}

/** Reads a shard's sample (a RangeError naming `what` when malformed). */
export function decodeSample(bytes: Uint8Array, what: string): ShardSample {
  const m = decodeMessage(bytes, what) as Record<string, unknown>;
  if (typeof m !== 'object' || m === null || !(m.data instanceof Float64Array)) {
    throw invalidValue(`${what} is not a shard's sample`);
  }
  if (m.weights !== undefined && !(m.weights instanceof Float64Array)) {
    throw invalidType(`${what}: expected a Float64Array for weights but received ${describe(m.weights)}`);
  }
  return { data: m.data, weights: m.weights as Float64Array | undefined };
}
