/**
 * `startWorker`: a BullMQ worker that runs the jobs of distributed fits on the shards it loads
 * through the user's `loadShard`. A job names its run, round and shard and carries the shard's
 * spec (JSON data, handed to `loadShard` as is: the library opens nothing by itself); the
 * worker holds the round's task from the coordinator's broadcast (or reads it from Redis once:
 * every job of a round shares it), computes on
 * the shard off the JavaScript thread (so that BullMQ keeps renewing the job's lock) and stores
 * the result, in binary, while the round's task exists. A job whose run ends while it loads or
 * computes (the task gone) is dropped.
 *
 * @module
 */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';

import type { ConnectionOptions, Job, Worker } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';

import { connectionOption, connectRedis } from './connection.js';
import { dependencies } from './deps.js';
import { QUEUE_PREFIX, queueOption, runIdOption, RunKeys, tasksChannel } from './keys.js';
import { JOB_NAME, specText, STORE_RESULT, type ShardJobData, type ShardJobResult } from './run.js';
import { Slots } from './slots.js';
import { decodeTask, readShard, runTask, type LoadedShard, type Task } from './tasks.js';
import { ErrorCode, makeAbortError } from '../errors.js';
import { native } from '../native.js';
import { functionOption, integerOption, readOptionsObject, resolveThreads, threadsOption } from '../options.js';
import type { StreamSource } from '../stream.js';
import type { DataInput } from '../types.js';

/** A shard's description: any JSON value (`{ path: 'part-3.parquet' }`, a URL, an id...). */
export type ShardSpec = unknown;

/** What `loadShard` gives: the shard's rows, in memory (optionally weighted) or as a stream. */
export type ShardData = DataInput | { X: DataInput; sampleWeight?: ArrayLike<number> } | StreamSource;

/** Options of {@link startWorker}. */
export interface WorkerOptions<S = ShardSpec> {
  /**
   * How to reach Redis: ioredis's options (`host`, `port`, `username`, `password`, `tls`,
   * `db`...), passed to the client as they are.
   */
  connection: RedisOptions;
  /** The queue's name (default `'fits'`): the coordinators' `queue`. */
  queue?: string;
  /**
   * Gives the rows of a shard from its spec (as passed to `fitDistributed`): a DataInput,
   * `{ X, sampleWeight }`, or a StreamSource (read once per job). Called for every job: keep
   * the shards in memory in a cache of your own when they fit (the rows of an object returned
   * again are not checked again: do not change them in place).
   */
  loadShard: (shard: S) => ShardData | Promise<ShardData>;
  /** Jobs computed at once (default 1); the worker may hold one more, fetched ahead. */
  concurrency?: number;
  /** Native threads of each job's computation (default: the machine's cores). */
  threads?: number;
  /**
   * How long a job's lock lasts without renewal (default 30,000 ms; renewed at half of it): a
   * job whose worker died is given to another worker after about this long. A job whose run has
   * ended (a fit failed, aborted or taken over) is dropped within half of it, at most 5 s, even
   * while `loadShard` has not returned.
   */
  lockDurationMs?: number;
}

/** A running worker. */
export interface DistributedWorker {
  /**
   * Stops taking jobs, waits for those under way, and disconnects (at once, without waiting for
   * the jobs, when Redis cannot be reached).
   */
  close(): Promise<void>;
}

interface ResultRedis extends Redis {
  gaussmixStoreResult(taskKey: string, resultKey: string, bytes: Buffer, ttlMs: number, channel: string, job: string): Promise<number>;
}

const OPTION_NAMES = ['connection', 'queue', 'loadShard', 'concurrency', 'threads', 'lockDurationMs'] as const;

/**
 * The longest a worker goes on with a job whose run is over (ms; at most lockDurationMs / 2):
 * see watchRound.
 */
const WATCH_MS = 5000;

/** Tasks kept by key: a worker's jobs of one round read the task once (a few runs at once). */
const TASK_CACHE_SIZE = 8;

/**
 * Starts a worker of distributed fits (see `fitDistributed`). Run as many as you like, on any
 * machines that reach the same Redis: each takes shards' jobs as they come.
 * @throws TypeError / RangeError - bad options (before connecting).
 * @throws Error - code `ERR_GAUSSMIX_MISSING_DEPENDENCY` when bullmq or ioredis is not installed;
 *   a connection error when Redis cannot be reached.
 */
export async function startWorker<S = ShardSpec>(options: WorkerOptions<S>): Promise<DistributedWorker> {
  const what = 'startWorker';
  const o = readOptionsObject(options, `${what} options`, OPTION_NAMES) as unknown as WorkerOptions;
  const connection = connectionOption(o.connection, what);
  const queue = queueOption(o.queue, what);
  const loadShard = functionOption<WorkerOptions<S>['loadShard']>(o.loadShard, 'loadShard');
  const concurrency = o.concurrency === undefined ? 1 : integerOption(o.concurrency, 'concurrency', 1, 1024);
  const threads = resolveThreads(o.threads === undefined ? 0 : threadsOption(o.threads));
  const lockDuration = o.lockDurationMs === undefined ? 30_000 : integerOption(o.lockDurationMs, 'lockDurationMs', 1000);
  const watchMs = Math.min(lockDuration / 2, WATCH_MS);

  const deps = await dependencies();
  const { bullmq } = deps;
  // One connection for BullMQ's commands and ours (BullMQ adds its blocking one): a result sent
  // just before the job's completion lands before it, with no wait between them. (BullMQ wants
  // no limit of retries per request on a worker's connection.)
  const redis = (await connectRedis(deps, { ...connection, maxRetriesPerRequest: null }, what)) as ResultRedis;
  redis.defineCommand('gaussmixStoreResult', { numberOfKeys: 2, lua: STORE_RESULT });
  // (Loaded now: a script Redis does not have is sent again after the reply, out of order.)
  await redis.script('LOAD', STORE_RESULT).catch(() => undefined);

  const workerName = `${hostname()}/${process.pid}`;
  const checked = new WeakMap<object, LoadedShard>();
  const tasks = new Map<string, Promise<Task | null>>();
  const remember = (key: string, t: Promise<Task | null>): void => {
    tasks.delete(key); // (set again: the newest last)
    tasks.set(key, t);
    if (tasks.size > TASK_CACHE_SIZE) tasks.delete(tasks.keys().next().value as string);
  };
  const taskOf = (key: string, name: string): Promise<Task | null> => {
    let t = tasks.get(key);
    if (!t) {
      t = redis.getBuffer(key).then((bytes) => (bytes ? decodeTask(bytes, name) : null));
      // (No task yet is not remembered: see processJob.)
      t.then((task) => task ?? tasks.delete(key), () => tasks.delete(key));
      remember(key, t);
    }
    return t;
  };
  // The tasks the coordinators publish as they write them: a round's first job finds its task
  // here rather than reading it (one round trip less). Missed messages (a reconnection, a user
  // without channel rights) cost only that read.
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined); // (the main connection reports Redis's errors)
  subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
    const cut = message.indexOf(0x0a);
    if (cut < 0) return;
    const key = message.toString('latin1', 0, cut);
    const bytes = message.subarray(cut + 1);
    const t = Promise.resolve().then(() => decodeTask(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'a published task'));
    t.catch(() => tasks.delete(key)); // (then read from its key, with the error naming the shard)
    remember(key, t);
  });
  await subscriber.subscribe(tasksChannel(queue)).catch(() => undefined);

  // While it computes a job whose round has more jobs than workers, the worker holds one job
  // more (BullMQ's concurrency + 1): the next job is fetched while the one before computes, and
  // its computation starts as soon as that one ends, rather than a round trip to Redis later (the
  // finished job's completion, which fetches the next). Idle, it takes one job at a time, so that
  // a round's first jobs go to as many workers as there are.
  const computing = new Slots(concurrency);
  let held = 0;
  let worker: Worker | undefined;
  const processJob = async (job: Job): Promise<ShardJobResult> => {
    held++;
    try {
      return await runJob(job);
    } finally {
      if (--held === 0 && worker) worker.concurrency = concurrency;
    }
  };
  const runJob = async (job: Job): Promise<ShardJobResult> => {
    const unrecoverable = (message: string): Error => new bullmq.UnrecoverableError(message);
    if (job.name !== JOB_NAME) throw unrecoverable(`not a gaussmix job: '${job.name}'`);
    const data = readJobData(job.data, unrecoverable);
    // (Before any await: BullMQ reads its concurrency again as soon as this job has started.)
    if (data.ahead === true && worker) worker.concurrency = concurrency + 1;
    const keys = new RunKeys(queue, data.run);
    const taskKey = keys.task(data.epoch, data.round);
    const name = `shard ${data.shard} (${specText(data.spec)})`;
    // (The task's broadcast, sent before the job, may wait in the other socket: one turn of the
    // event loop reads it.)
    if (!tasks.has(taskKey)) await new Promise((resolve) => setImmediate(resolve));
    const task = await taskOf(taskKey, `the task of ${name}`);
    if (!task) {
      // A run under way whose task is not there yet (sent before the jobs, but a Redis that lost
      // its scripts runs the script after them): retried, after BullMQ's backoff.
      if ((await redis.get(keys.epoch)) === String(data.epoch)) throw new Error(`${name}: the task of round ${data.round} is not in Redis yet`);
      throw unrecoverable(`run '${data.run}' is over (its round ${data.round} has no task in Redis)`);
    }
    // A run that ends while the job loads or computes (a fit failed by jobTimeoutMs, aborted, or
    // taken over) deletes the round's task: the job is dropped then, rather than hold its slot
    // for as long as a hung loadShard hangs.
    const watch = watchRound(redis, taskKey, watchMs, () =>
      unrecoverable(`run '${data.run}' is over (the task of its round ${data.round} is gone from Redis): ${name} dropped`),
    );
    try {
      return await loadAndCompute(data, keys, taskKey, task, name, watch);
    } finally {
      watch.stop();
    }
  };
  /** A job's shard loaded, its task computed and its result stored (while its run goes on). */
  const loadAndCompute = async (
    data: ShardJobData,
    keys: RunKeys,
    taskKey: string,
    task: Task,
    name: string,
    watch: RoundWatch,
  ): Promise<ShardJobResult> => {
    const unrecoverable = (message: string): Error => new bullmq.UnrecoverableError(message);
    let shard: LoadedShard;
    try {
      // (the spec the coordinator was given: the user types it)
      const loaded = await Promise.race([loadShard(data.spec as S), watch.over]);
      // The same object again (a loadShard that keeps its shards): its rows were checked.
      const known = typeof loaded === 'object' && loaded !== null ? checked.get(loaded) : undefined;
      shard = known ?? readShard(loaded, name);
      if (!known && typeof loaded === 'object' && loaded !== null) checked.set(loaded, shard);
    } catch (err) {
      // Bad data from loadShard is the same at every attempt; other errors may pass.
      throw isArgumentError(err) ? unrecoverable((err as Error).message) : err;
    }
    let ms = 0;
    let bytes: Uint8Array;
    try {
      const computed = computing.run(async () => {
        if (watch.signal.aborted) throw makeAbortError(watch.signal); // (the run ended while this waited)
        const start = performance.now();
        const out = await runTask(task, shard, data.shard, { threads, what: name, signal: watch.signal });
        ms = performance.now() - start;
        return out;
      });
      bytes = await Promise.race([computed, watch.over]);
    } catch (err) {
      throw isArgumentError(err) ? unrecoverable(`${name}: ${(err as Error).message}`) : err;
    }
    const result: ShardJobResult = { ms, worker: workerName, simd: native().simd };
    // Not awaited: BullMQ sends the job's completion after it on the same connection, so the
    // coordinator, told of the completion, finds the result (one round trip less per job). A
    // run that has ended stores nothing (the script finds no task).
    // Published too: the coordinator has it as it lands, without reading it.
    const resultKey = keys.result(data.epoch, data.round, data.shard);
    const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    redis
      .gaussmixStoreResult(taskKey, resultKey, payload, data.ttl, keys.resultsChannel, JSON.stringify(result))
      .catch(() => undefined); // (the completion, on the same connection, fails too)
    return result;
  };

  try {
    worker = new bullmq.Worker(queue, processJob, {
      connection: redis as unknown as ConnectionOptions,
      prefix: QUEUE_PREFIX,
      concurrency,
      lockDuration,
      stalledInterval: lockDuration,
      // A job whose worker dies is retried; a job that has killed two workers fails the fit.
      maxStalledCount: 2,
    });
    // One warning per kind of error, not one per reconnection while Redis is down.
    let lastError: string | undefined;
    worker.on('error', (err) => {
      if (err.message === lastError) return;
      lastError = err.message;
      process.emitWarning(err, { code: 'GAUSSMIX_WORKER' });
    });
    worker.on('ready', () => void (lastError = undefined));
    await worker.waitUntilReady();
  } catch (err) {
    subscriber.disconnect();
    redis.disconnect();
    throw err;
  }
  return {
    async close() {
      if (redis.status !== 'ready') {
        // Redis is gone: the jobs under way cannot store their results, and a graceful close
        // would wait for Redis.
        await worker.close(true);
        subscriber.disconnect();
        redis.disconnect();
        return;
      }
      await worker.close();
      subscriber.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** A job's watch over its round (see {@link watchRound}). */
interface RoundWatch {
  /** Rejects when the round's task is gone from Redis (never resolves). */
  readonly over: Promise<never>;
  /** Aborts when the round's task is gone: a computation under way stops. */
  readonly signal: AbortSignal;
  stop(): void;
}

/**
 * Watches a job's round while the job loads and computes: every `everyMs` it checks that the
 * round's task is still in Redis (the coordinator deletes it when the run ends, in success or
 * failure), and when it is gone `over` rejects with `reason()` and `signal` aborts.
 */
function watchRound(redis: Redis, taskKey: string, everyMs: number, reason: () => Error): RoundWatch {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // (One check at a time: with Redis down a check waits for the reconnection.)
  let checking = false;
  const over = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (checking) return;
      checking = true;
      redis.exists(taskKey).then(
        (found) => {
          checking = false;
          if (found !== 0 || controller.signal.aborted) return;
          clearInterval(timer);
          controller.abort();
          reject(reason());
        },
        () => void (checking = false),
      );
    }, everyMs);
  });
  over.catch(() => undefined); // (raced with the job's steps: a rejection after the job is no one's)
  return { over, signal: controller.signal, stop: () => clearInterval(timer) };
}

/** A job's data, checked (a job of another producer on the queue fails, unretried). */
function readJobData(value: unknown, fail: (message: string) => Error): ShardJobData {
  const d = value as Partial<ShardJobData> | null;
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (typeof d !== 'object' || d === null || typeof d.run !== 'string' || !count(d.epoch) || !count(d.round) || !count(d.shard) || !count(d.ttl) || d.ttl < 1) {
    throw fail('the job does not carry a gaussmix shard task');
  }
  try {
    runIdOption(d.run, 'the job');
  } catch (err) {
    throw fail((err as Error).message);
  }
  return d as ShardJobData;
}

/** Whether an error is about bad input (the same at every attempt). */
function isArgumentError(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === ErrorCode.INVALID_ARGUMENT;
}
