/**
 * `fitDistributed`: the coordinator of a distributed fit. It opens the run in Redis (resuming it
 * from its checkpoint when the run id names a run under way), and runs the estimator's own exact
 * EM (KMeans: Lloyd's iterations) over passes that are rounds of jobs on the shards
 * (shard-passes.ts), writing a checkpoint after every iteration. When the fit ends, in success or failure, nothing of the run
 * stays in Redis.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';

import { decodeMessage, encodeMessage } from './codec.js';
import { dependencies } from './deps.js';
import { queueOption, runIdOption } from './keys.js';
import { ShardPasses } from './shard-passes.js';
import { Run, runError, type RoundInfo, type RunMeta } from './run.js';
import { connectionOption, isConnectionError, redisError } from './connection.js';
import type { ShardSpec } from './worker.js';
import { describe, ErrorCode, invalidType, invalidValue } from '../errors.js';
import type { GaussianMixture } from '../gaussian-mixture.js';
import type { KMeans } from '../kmeans.js';
import { functionOption, integerOption, randomSeed, readOptionsObject, signalOption } from '../options.js';
import { CLAIM_PASS_FIT, FIT_PASSES, RELEASE_PASS_FIT, type PassFittable } from '../passes.js';
import type { SoftKMeans } from '../soft-kmeans.js';
import { DEFAULT_INIT_SAMPLE_ROWS } from '../stream-em.js';
import type { IterationInfo } from '../types.js';
import type { RedisOptions } from 'ioredis';

/** The estimators `fitDistributed` takes (GaussianKMeans is a GaussianMixture). */
export type DistributedModel = GaussianMixture | SoftKMeans | KMeans;

/** Options of {@link fitDistributed}. */
export interface DistributedFitOptions {
  /** How to reach Redis: ioredis's options (`host`, `port`, `username`, `password`, `tls`...). */
  connection: RedisOptions;
  /** The queue's name (default `'fits'`): the workers' `queue`. */
  queue?: string;
  /**
   * Names the run's keys in Redis (1 to 64 letters, digits, '_' or '-'; default a fresh id). A
   * coordinator started again with the `runId` of a run whose coordinator died resumes it from
   * its last completed iteration.
   */
  runId?: string;
  /** Stops the fit: it rejects with an AbortError, its pending jobs and keys are removed. */
  signal?: AbortSignal;
  /** As in `fit`: called after every iteration; return false to stop. */
  onIteration?: (info: IterationInfo) => void | false;
  /** The longest a shard's job may take in a round, from queued to done (default: no limit). */
  jobTimeoutMs?: number;
  /** As in `fitStream`: the rows of the default start's sample (default 65,536). */
  initSampleRows?: number;
  /**
   * How long the run's keys outlive a coordinator that died (default 86,400,000 ms, a day): the
   * time it can be resumed in. Refreshed at every iteration.
   */
  keyTtlMs?: number;
  /** Called after every round of jobs: its wall time and each shard's compute time and worker. */
  onRound?: (info: RoundInfo) => void;
}

const OPTION_NAMES = [
  'connection',
  'queue',
  'runId',
  'signal',
  'onIteration',
  'jobTimeoutMs',
  'initSampleRows',
  'keyTtlMs',
  'onRound',
] as const;

const DAY_MS = 86_400_000;
const WHAT = 'fitDistributed';

/**
 * Fits `model` to the rows of `shards` (in that order) with workers started by `startWorker` on
 * any number of machines that reach the same Redis: exact EM, one round of jobs (one per shard)
 * per iteration, the statistics merged in shard order and the M-step run here. The parameters
 * equal `model.fit` on all the shards' rows in order, bit for bit, when every shard but the last
 * holds a multiple of `BLOCK_ROWS` rows (from an explicit start; the default start is the one
 * `fitStream` takes on the same rows), whatever the number, speed and order of the workers.
 * @param shards - JSON values, each handed to the workers' `loadShard`.
 * @returns the model, fitted (unchanged when the fit fails).
 * @throws (rejects) TypeError / RangeError - bad model, shards or options.
 * @throws (rejects) Error - code `ERR_GAUSSMIX_SHARD` (with `shard`) when a shard's job fails,
 *   times out or sends a bad result; `ERR_GAUSSMIX_RUN` when another coordinator takes the run
 *   over or `runId` names another fit; `ERR_GAUSSMIX_REDIS` when Redis cannot be reached, is
 *   lost for longer than the client's retries, or loses the run's data mid-fit (a restart without
 *   persistence, a flush: the fit cannot go on); `ERR_GAUSSMIX_MISSING_DEPENDENCY` without
 *   bullmq or ioredis; AbortError; the estimator's errors as in `fitStream`.
 * @throws (rejects) RangeError - shards that have no rows at all (an empty shard adds nothing).
 */
export async function fitDistributed<M extends DistributedModel>(
  model: M,
  shards: readonly ShardSpec[],
  options: DistributedFitOptions,
): Promise<M> {
  const fittable = model as unknown as PassFittable | null;
  if (typeof fittable !== 'object' || fittable === null || typeof fittable[FIT_PASSES] !== 'function' || typeof fittable[CLAIM_PASS_FIT] !== 'function') {
    throw invalidType(`${WHAT}: expected a GaussianMixture, GaussianKMeans, SoftKMeans or KMeans for model but received ${describe(model)}`);
  }
  checkShards(shards);
  const o = readOptionsObject(options, `${WHAT} options`, OPTION_NAMES) as unknown as DistributedFitOptions;
  const connection = connectionOption(o.connection, WHAT);
  const queue = queueOption(o.queue, WHAT);
  const runId = o.runId === undefined ? randomUUID() : runIdOption(o.runId, WHAT);
  const signal = o.signal === undefined ? undefined : signalOption(o.signal);
  const onIteration = o.onIteration === undefined ? undefined : functionOption<(info: IterationInfo) => unknown>(o.onIteration, 'onIteration');
  const onRound = o.onRound === undefined ? undefined : functionOption<(info: RoundInfo) => void>(o.onRound, 'onRound');
  const jobTimeoutMs = o.jobTimeoutMs === undefined ? undefined : integerOption(o.jobTimeoutMs, 'jobTimeoutMs', 1, 2 ** 31 - 1);
  const keyTtlMs = o.keyTtlMs === undefined ? DAY_MS : integerOption(o.keyTtlMs, 'keyTtlMs', 1000, Number.MAX_SAFE_INTEGER);
  const initSampleRows =
    o.initSampleRows === undefined ? DEFAULT_INIT_SAMPLE_ROWS : integerOption(o.initSampleRows, 'initSampleRows', 1);
  const identity = identityOf(model, shards);
  // The model is claimed now (a fit started while Redis connects is refused as busy), and the
  // options a fit over passes refuses are refused before any connection.
  const claim = fittable[CLAIM_PASS_FIT](WHAT);
  try {
    return await fitClaimed(model, fittable, claim, shards, identity, {
      connection, queue, runId, signal, onIteration, onRound, jobTimeoutMs, keyTtlMs, initSampleRows,
    });
  } finally {
    fittable[RELEASE_PASS_FIT](claim);
  }
}

/** fitDistributed once the options are read and the model claimed. */
async function fitClaimed<M extends DistributedModel>(
  model: M,
  fittable: PassFittable,
  claim: object,
  shards: readonly ShardSpec[],
  identity: string,
  o: {
    connection: RedisOptions;
    queue: string;
    runId: string;
    signal: AbortSignal | undefined;
    onIteration: ((info: IterationInfo) => unknown) | undefined;
    onRound: ((info: RoundInfo) => void) | undefined;
    jobTimeoutMs: number | undefined;
    keyTtlMs: number;
    initSampleRows: number;
  },
): Promise<M> {
  const { connection, queue, runId, signal, onIteration, onRound, jobTimeoutMs, keyTtlMs, initSampleRows } = o;
  const deps = await dependencies();
  const run = await Run.open(deps, { connection, queue, runId, shards, signal, jobTimeoutMs, keyTtlMs, what: WHAT, onRound }, identity);
  let superseded = false;
  let lost = false;
  try {
    const meta = run.meta;
    const resume = meta ? await readCheckpoint(run, identity) : undefined;
    const seed = meta?.seed ?? randomSeed();
    if (!meta) await run.write(run.keys.meta, JSON.stringify({ identity, seed } satisfies RunMeta));
    await fittable[FIT_PASSES](new ShardPasses(run, shards, WHAT), {
      signal,
      onIteration,
      initSampleRows,
      fallbackSeed: seed,
      resume,
      checkpoint: async (state) => run.saveCheckpoint(encodeMessage({ identity, state })),
      drain: () => run.flush(),
      claim,
    });
    return model;
  } catch (err) {
    superseded = (err as { code?: unknown }).code === ErrorCode.RUN;
    if (isConnectionError(err)) {
      lost = true;
      throw redisError(`${WHAT}: lost the connection to Redis: ${(err as Error).message}`, err);
    }
    throw err;
  } finally {
    // (A cleanup that fails must not hide the fit's result or error: the keys expire. With
    // Redis lost, none is tried: each of its commands would spend the client's retries again.)
    if (!superseded && !lost) await run.finish().catch(() => undefined);
    await run.close();
  }
}

/** Checks the shards: a non-empty array of JSON values (data, never code). */
function checkShards(shards: unknown): asserts shards is readonly ShardSpec[] {
  if (!Array.isArray(shards)) throw invalidType(`${WHAT}: expected an array of shard specs for shards but received ${describe(shards)}`);
  if (shards.length === 0) throw invalidValue(`${WHAT}: shards must not be empty`);
  shards.forEach((spec, i) => checkJson(spec, `shards[${i}]`));
}

/** Checks that a value is JSON data: null, booleans, finite numbers, strings, arrays, plain objects. */
function checkJson(value: unknown, name: string, depth = 0): void {
  if (depth > 32) throw invalidValue(`${WHAT}: ${name} is nested too deeply for a shard spec`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidValue(`${WHAT}: ${name} must be JSON data but is ${describe(value)}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(v, `${name}[${i}]`, depth + 1));
    return;
  }
  const proto = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw invalidType(`${WHAT}: ${name} must be JSON data (a shard spec is data, never code) but is ${describe(value)}`);
  }
  // (A property that is undefined is absent, as in JSON.stringify.)
  for (const [k, v] of Object.entries(value as object)) if (v !== undefined) checkJson(v, `${name}.${k}`, depth + 1);
}

/** What makes two fits the same run: the model's kind, options (and warm state) and the shards. */
function identityOf(model: DistributedModel, shards: readonly ShardSpec[]): string {
  const json = model.toJSON() as unknown as { kind: string; options: Record<string, unknown>; state: unknown };
  const warm = json.options.warmStart === true;
  const text = JSON.stringify({ kind: json.kind, options: json.options, state: warm ? json.state : null, shards });
  return createHash('sha256').update(text).digest('hex');
}

/** The run's last checkpoint, if any. */
async function readCheckpoint(run: Run, identity: string): Promise<object | undefined> {
  const bytes = await run.read(run.keys.checkpoint);
  if (!bytes) return undefined;
  let message: { identity?: unknown; state?: object };
  try {
    message = decodeMessage(bytes, 'the checkpoint') as typeof message;
  } catch (err) {
    throw runError(WHAT, run.keys.runId, `has a checkpoint in Redis that cannot be read: ${(err as Error).message}`);
  }
  if (message.identity !== identity || typeof message.state !== 'object' || message.state === null) {
    throw runError(WHAT, run.keys.runId, 'has a checkpoint of another fit in Redis');
  }
  return message.state;
}
