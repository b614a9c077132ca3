/**
 * The coordinator's side of a distributed run in Redis: the run's epoch (which coordinator owns
 * it), its identity and checkpoint, and its rounds. A round writes its task once (and publishes
 * it to the workers), adds one BullMQ job per shard (BullMQ owns the jobs' retries and the recovery of jobs whose worker died), waits
 * for the jobs through the queue's event stream (QueueEvents) and reads each shard's result.
 *
 * Every write of the coordinator is fenced by the epoch: a coordinator that opens a run
 * increments it, and a script refuses the writes of an older epoch, so a coordinator that was
 * thought dead cannot overwrite the run of the one that resumed it. A worker stores a result only
 * while its round's task exists, so nothing of a run comes back after the run has been cleaned
 * up. Every key has a time to live, refreshed as the run goes on. While it waits for a round,
 * the coordinator checks that Redis still holds it (after a reconnection, and every CHECK_MS): a
 * Redis that lost the run (a restart without persistence, a flush) fails the fit at once.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';

import type { ConnectionOptions, Queue, QueueEvents } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';

import { connectRedis, redisError } from './connection.js';
import type { Dependencies } from './deps.js';
import { eventsKey, QUEUE_PREFIX, RunKeys, tasksChannel } from './keys.js';
import { encodeTask, type Task } from './tasks.js';
import { ErrorCode, makeAbortError } from '../errors.js';


/**
 * How often a round's wait checks that Redis still holds the run (ms): a Redis that lost it (a
 * restart without persistence, a flush) would leave the coordinator waiting forever.
 */
const CHECK_MS = 2000;

/** The BullMQ job name of a shard's job. */
export const JOB_NAME = 'gaussmix-shard';

/** What a shard's job carries (JSON): which run, round and shard; the shard's spec. */
export interface ShardJobData {
  readonly run: string;
  readonly epoch: number;
  readonly round: number;
  readonly shard: number;
  readonly spec: unknown;
  /** The time to live of the result's key (ms). */
  readonly ttl: number;
  /**
   * Whether a worker computing this job may take another ahead: the round has more jobs than
   * the run had workers in its last round (with as many jobs as workers, or fewer, a job taken
   * ahead would wait for a computation while another worker sits idle).
   */
  readonly ahead?: boolean;
}

/** What a shard's job returns (JSON): the time its computation took, and where it ran. */
export interface ShardJobResult {
  readonly ms: number;
  /** The worker: `host/pid`. */
  readonly worker: string;
  /** The variant of the native code the worker runs ('avx512', 'avx2-fma', 'baseline'). */
  readonly simd: string;
}

/** What `onRound` reports of a round of jobs. */
export interface RoundInfo {
  /** The round's number in the run (from 0; a resumed run counts again). */
  readonly round: number;
  readonly task: 'describe' | 'statistics' | 'sample' | 'moments';
  /** The round's wall time, from its task's write to its last result's read (ms). */
  readonly ms: number;
  /**
   * Each shard's job: its computation's time (ms, without loading the shard) and its worker (an
   * empty shard takes no part after the first round: ms 0, worker and simd '').
   */
  readonly shards: readonly ShardJobResult[];
}

/** A job's return value, as far as it is one of ours. */
function readJobResult(value: unknown): ShardJobResult {
  const r = value as Partial<ShardJobResult> | null;
  return Object.freeze({
    ms: typeof r?.ms === 'number' ? r.ms : NaN,
    worker: typeof r?.worker === 'string' ? r.worker : '',
    simd: typeof r?.simd === 'string' ? r.simd : '',
  });
}

/** A short text of a shard's spec for messages. */
export function specText(spec: unknown): string {
  const text = JSON.stringify(spec) ?? String(spec);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** An error of shard `shard` (code ERR_GAUSSMIX_SHARD, with `shard`). */
export function shardError(what: string, shard: number, spec: unknown, message: string, cause?: unknown): Error {
  return Object.assign(new Error(`${what}: shard ${shard} (${specText(spec)}) ${message}`, cause === undefined ? undefined : { cause }), {
    code: ErrorCode.SHARD,
    shard,
  });
}

/**
 * If KEYS[1] holds the epoch ARGV[1]: sets KEYS[2] to ARGV[2] with a time to live of ARGV[3] ms,
 * refreshes that of KEYS[1], KEYS[3] and KEYS[4] (the run's lasting keys), deletes KEYS[5...]
 * (the last round's keys), and publishes `KEYS[2]\nARGV[2]` on the channel ARGV[4] if given (a
 * round's task, see keys.ts tasksChannel; pcall: a user without channel rights still writes).
 * Returns 1; 0 when another epoch owns the run; -1 when the epoch is gone (Redis lost the run).
 * One round trip per round.
 */
const FENCED_SET = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then return -1 end
if epoch ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
for i = 1, 4 do if i ~= 2 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end end
for i = 5, #KEYS do redis.call('DEL', KEYS[i]) end
if ARGV[4] then redis.pcall('PUBLISH', ARGV[4], KEYS[2] .. '\\n' .. ARGV[2]) end
return 1
`;

/**
 * Sets KEYS[2] to ARGV[1] (time to live ARGV[2] ms) if the task KEYS[1] still exists, and
 * publishes `KEYS[2]\nARGV[4]\nARGV[1]` on the channel ARGV[3] if given (RunKeys.resultsChannel;
 * ARGV[4]: the job's result, JSON; pcall: a user without channel rights still stores).
 */
export const STORE_RESULT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
if ARGV[3] then redis.pcall('PUBLISH', ARGV[3], KEYS[2] .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[1]) end
return 1
`;

interface FencedRedis extends Redis {
  gaussmixFencedSet(...args: (string | number | Buffer)[]): Promise<number>;
}

/** A run's identity and seed, as stored in its meta key. */
export interface RunMeta {
  /** What makes two fits the same run (a hash of the model's kind, options and the shards). */
  readonly identity: string;
  /** The seed of a model without one: a resumed run starts as the first did. */
  readonly seed: number;
}

/** Redis's run_id (INFO server), which changes when it restarts; undefined when INFO is refused. */
async function serverRunId(redis: Redis): Promise<string | undefined> {
  try {
    return /^run_id:(\w+)/m.exec(await redis.info('server'))?.[1];
  } catch {
    return undefined;
  }
}

/** An error of the run (code ERR_GAUSSMIX_RUN). */
export function runError(what: string, runId: string, message: string): Error {
  return Object.assign(new Error(`${what}: run '${runId}' ${message}`), { code: ErrorCode.RUN });
}

/** A run's meta from its bytes, checked against this fit's identity. */
function readMeta(bytes: Buffer | null, identity: string, what: string, runId: string): RunMeta | undefined {
  if (!bytes) return undefined;
  let meta: Partial<RunMeta>;
  try {
    meta = JSON.parse(bytes.toString('utf8')) as Partial<RunMeta>;
  } catch {
    throw runError(what, runId, 'has unreadable meta data in Redis');
  }
  if (meta.identity !== identity) {
    throw runError(what, runId, 'is under way for another fit (another model, options or shards): use another runId');
  }
  if (typeof meta.seed !== 'number') throw runError(what, runId, 'has unreadable meta data in Redis');
  return meta as RunMeta;
}

/** How a run is opened. */
export interface RunOptions {
  readonly connection: RedisOptions;
  readonly queue: string;
  readonly runId: string;
  readonly shards: readonly unknown[];
  readonly signal: AbortSignal | undefined;
  readonly jobTimeoutMs: number | undefined;
  readonly keyTtlMs: number;
  /** Messages' prefix: 'fitDistributed'. */
  readonly what: string;
  readonly onRound: ((info: RoundInfo) => void) | undefined;
}

interface Waiter {
  /** The job is done: its result (JSON), and its bytes when they came with it (else read). */
  resolve(returnvalue: unknown, bytes?: Uint8Array): void;
  reject(reason: string): void;
}

/** A run, open on one coordinator. */
export class Run {
  readonly keys: RunKeys;
  readonly epoch: number;
  /** The run's meta when it was under way (a resumed run), else undefined. */
  readonly meta: RunMeta | undefined;
  readonly #o: RunOptions;
  readonly #redis: FencedRedis;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #waiters = new Map<string, Waiter>();
  /** The job of each result key awaited. */
  readonly #resultJobs = new Map<string, string>();
  /** Hears the results the workers publish (see keys.ts resultsChannel). */
  readonly #subscriber: Redis;
  /** The jobs of the round under way that have not finished. */
  readonly #pending = new Set<string>();
  /** The keys of the last round, deleted when the next starts. */
  #stale: string[] = [];
  #round = 0;
  /** The variant of the native code of the run's workers. */
  #simd: string | undefined;
  /** The workers that took the last round's jobs (none known before the first round ends). */
  #workers = Infinity;
  /** Every shard's index: the shards of a round by default. */
  readonly #all: readonly number[];
  /** The checkpoint writes in flight (see saveCheckpoint). */
  #checkpointing: Promise<void> | undefined;
  /** The last error of the coordinator's connection to Redis (for messages). */
  #lastRedisError: Error | undefined;
  /** Redis's run_id when the run was taken (undefined: INFO not allowed). */
  readonly #server: string | undefined;

  private constructor(
    o: RunOptions,
    keys: RunKeys,
    epoch: number,
    meta: RunMeta | undefined,
    redis: FencedRedis,
    queue: Queue,
    events: QueueEvents,
    subscriber: Redis,
    server: string | undefined,
  ) {
    this.#o = o;
    this.#server = server;
    this.keys = keys;
    this.epoch = epoch;
    this.meta = meta;
    this.#redis = redis;
    this.#queue = queue;
    this.#events = events;
    this.#subscriber = subscriber;
    this.#all = o.shards.map((_, i) => i);
    subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#published(message));
    // (A result published before its job's completion may wait in the other socket: one turn of
    // the event loop reads it, else the result is read from its key.)
    events.on('completed', ({ jobId, returnvalue }) => setImmediate(() => this.#waiters.get(jobId)?.resolve(returnvalue)));
    events.on('failed', ({ jobId, failedReason }) => this.#waiters.get(jobId)?.reject(failedReason));
    // (QueueEvents reconnects by itself and reads on from its last event.)
    events.on('error', () => undefined);
    redis.on('error', (err: Error) => {
      this.#lastRedisError = err;
    });
  }

  /**
   * Connects, checks that the run (if it is under way) is this fit, and takes it: a new epoch.
   * @param identity - what makes two fits the same run (see lib/distributed/coordinator.ts).
   * @throws Error - code ERR_GAUSSMIX_RUN when `runId` names a run of another fit (which is left
   *   as it is).
   */
  static async open(deps: Dependencies, o: RunOptions, identity: string): Promise<Run> {
    const redis = (await connectRedis(deps, o.connection, o.what)) as FencedRedis;
    let queue: Queue | undefined;
    let events: QueueEvents | undefined;
    let subscriber: Redis | undefined;
    try {
      redis.defineCommand('gaussmixFencedSet', { lua: FENCED_SET });
      // (Loaded now: a script Redis does not have is sent again after the reply, out of order.)
      await redis.script('LOAD', FENCED_SET);
      const keys = new RunKeys(o.queue, o.runId);
      const meta = readMeta(await redis.getBuffer(keys.meta), identity, o.what, keys.runId);
      const epoch = await redis.incr(keys.epoch);
      await redis.pexpire(keys.epoch, o.keyTtlMs);
      // The queue on the run's connection: a round's task and its jobs go out together, in that
      // order (see round).
      queue = new deps.bullmq.Queue(o.queue, { connection: redis as unknown as ConnectionOptions, prefix: QUEUE_PREFIX });
      queue.on('error', () => undefined);
      // The events from now on: QueueEvents would start at '$' after it connects, and miss
      // those of jobs that finish before its first read.
      const last = await redis.xrevrange(eventsKey(o.queue), '+', '-', 'COUNT', 1);
      events = new deps.bullmq.QueueEvents(o.queue, {
        // (A blocking connection: BullMQ wants no limit of retries per request, and warns.)
        connection: { ...o.connection, maxRetriesPerRequest: null } as ConnectionOptions,
        prefix: QUEUE_PREFIX,
        lastEventId: last[0]?.[0] ?? '0-0',
      });
      // (A result that is not heard, e.g. a user without channel rights, is read from its key
      // after its completion event.)
      subscriber = redis.duplicate();
      subscriber.on('error', () => undefined); // (the run's connection reports Redis's errors)
      const listening = subscriber.subscribe(keys.resultsChannel).catch(() => undefined);
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), listening]);
      const run = new Run(o, keys, epoch, meta, redis, queue, events, subscriber, await serverRunId(redis));
      if (epoch > 1) await run.sweep();
      return run;
    } catch (err) {
      await Promise.allSettled([events?.close(), queue?.close()]);
      subscriber?.disconnect();
      redis.disconnect();
      throw err;
    }
  }

  /** Reads a key of the run (binary), or null. */
  async read(key: string): Promise<Buffer | null> {
    return this.#redis.getBuffer(key);
  }

  /**
   * Writes a key of the run if this coordinator still owns it, refreshes the time to live of the
   * run's lasting keys, and deletes `stale` keys; publishes the key and value on `channel` if given.
   * @throws Error - code ERR_GAUSSMIX_RUN when another coordinator has taken the run over.
   */
  async write(key: string, value: Uint8Array | string, stale: readonly string[] = [], channel?: string): Promise<void> {
    const k = this.keys;
    const bytes = typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const keys = [k.epoch, key, k.meta, k.checkpoint, ...stale];
    // (After the checkpoint sent before: one connection keeps the order, one round trip for both.)
    const [done] = await Promise.all([
      this.#redis.gaussmixFencedSet(keys.length, ...keys, this.epoch, bytes, this.#o.keyTtlMs, ...(channel ? [channel] : [])),
      this.flush(),
    ]);
    if (done === -1) throw this.#dataLost(`its key ${k.epoch} is gone`);
    if (done !== 1) throw runError(this.#o.what, k.runId, 'was taken over by another coordinator (started with the same runId)');
  }

  /**
   * The error of a run whose keys or jobs Redis no longer holds (code ERR_GAUSSMIX_REDIS): the
   * fit cannot go on, and waiting would wait forever.
   */
  #dataLost(found: string): Error {
    const o = this.#o;
    return redisError(
      `${o.what}: Redis lost the data of run '${this.keys.runId}' (${found}): it restarted without persistence, ` +
        `was flushed or failed over to a replica without it, or the run's keys expired (keyTtlMs ${o.keyTtlMs} ms); ` +
        'the fit cannot go on: start it again',
      new Error(found),
    );
  }

  /**
   * Whether Redis still holds the round under way (see {@link Run.round}): its task, the run's
   * epoch, and each job still awaited (or its result). A job is lost when it is missing at two
   * checks at least {@link CHECK_MS} apart (a job that just finished is removed before its event
   * reaches the coordinator).
   * @returns the error that ends the round, or undefined.
   */
  async #checkRound(
    taskKey: string,
    ids: readonly string[],
    which: readonly number[],
    resultKeys: readonly string[],
    missing: Map<string, number>,
  ): Promise<Error | undefined> {
    const awaited = ids.flatMap((id, i) => (this.#pending.has(id) ? [i] : []));
    if (awaited.length === 0) return undefined;
    // (The task before the epoch: a coordinator that takes the run over increments the epoch,
    // then deletes the tasks of the one before.)
    const pipeline = this.#redis.pipeline().exists(taskKey).get(this.keys.epoch);
    for (const i of awaited) pipeline.exists(this.#queue.toKey(ids[i] as string), resultKeys[i] as string);
    const replies = (await pipeline.exec()) ?? [];
    const values = replies.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const [task, epoch, ...jobs] = values;
    if (epoch === null) return this.#dataLost(`its key ${this.keys.epoch} is gone`);
    if (epoch !== String(this.epoch)) {
      return runError(this.#o.what, this.keys.runId, 'was taken over by another coordinator (started with the same runId)');
    }
    if (task === 0) return this.#dataLost(`the task of the round under way is gone`);
    const now = performance.now();
    for (const [j, i] of awaited.entries()) {
      const id = ids[i] as string;
      if (jobs[j] !== 0 || !this.#pending.has(id)) {
        missing.delete(id);
        continue;
      }
      const since = missing.get(id);
      if (since === undefined) missing.set(id, now);
      else if (now - since >= CHECK_MS) return this.#dataLost(`the job of shard ${which[i]} is gone from the queue`);
    }
    return undefined;
  }

  /**
   * The error of a shard's failed job: ERR_GAUSSMIX_RUN when another coordinator has taken the
   * run over meanwhile (its sweep removes this epoch's tasks and results, which is what failed
   * the job), else ERR_GAUSSMIX_SHARD naming the shard.
   */
  async #failure(shard: number, message: string): Promise<Error> {
    const owner = await this.#redis.get(this.keys.epoch).catch(() => String(this.epoch));
    // The epoch gone: Redis lost the run's data, or the coordinator that took over has finished
    // and removed it. A Redis that restarted (or failed over) has another run_id: the job
    // failed because its data was lost.
    if (owner === null && this.#server !== undefined) {
      const now = await serverRunId(this.#redis);
      if (now !== undefined && now !== this.#server) return this.#dataLost(`Redis's run_id changed from ${this.#server} to ${now}`);
    }
    if (owner !== String(this.epoch)) {
      return runError(this.#o.what, this.keys.runId, 'was taken over by another coordinator (started with the same runId)');
    }
    return shardError(this.#o.what, shard, this.#o.shards[shard], message);
  }

  /**
   * Sends a checkpoint without waiting for Redis: it is awaited with the next write (the next
   * round's task, in the same round trip) or by {@link Run.flush}. A coordinator that dies before
   * it lands resumes from the checkpoint before, with the same bits.
   */
  saveCheckpoint(value: Uint8Array): void {
    const sent = this.write(this.keys.checkpoint, value); // (which waits for the one before)
    sent.catch(() => undefined); // (seen by the next write or flush)
    this.#checkpointing = sent;
  }

  /**
   * Waits for the checkpoint in flight.
   * @throws Error - code ERR_GAUSSMIX_RUN when another coordinator has taken the run over.
   */
  async flush(): Promise<void> {
    const pending = this.#checkpointing;
    this.#checkpointing = undefined;
    await pending;
  }

  /**
   * One round: the task, one job per shard, and each shard's result, in shard order, read by
   * `read` as it arrives (the reading of the first overlaps the wait for the last).
   * @param read - checks and decodes a shard's result bytes; what it throws fails the round.
   * @param which - the shards (indices, ascending) that take part (default all): the results
   *   are theirs, in that order.
   * @throws Error - code ERR_GAUSSMIX_SHARD naming the shard whose job failed or timed out (or
   *   what `read` throws); AbortError when the signal fires.
   */
  async round<T>(task: Task, read: (bytes: Uint8Array, shard: number) => T, which: readonly number[] = this.#all): Promise<T[]> {
    const o = this.#o;
    const label = task.task;
    const start = performance.now();
    const round = this.#round++;
    const taskKey = this.keys.task(this.epoch, round);
    // Sent now, awaited with the jobs: one connection keeps the order (a worker never meets a
    // job before its task), and one round trip carries both. (A refused write, the run taken
    // over, leaves jobs without a task: their workers fail them at once.)
    const written = this.write(taskKey, encodeTask(task), this.#stale, tasksChannel(o.queue));
    written.catch(() => undefined); // (awaited below)
    const ids = which.map((i) => this.keys.jobId(this.epoch, round, i));
    const resultKeys = which.map((i) => this.keys.result(this.epoch, round, i));
    this.#stale = [taskKey, ...resultKeys];
    this.#resultJobs.clear();
    const jobs: ShardJobResult[] = o.shards.map(() => ({ ms: 0, worker: '', simd: '' }));
    const finished = ids.map(
      (id, at) =>
        new Promise<T>((resolve, reject) => {
          const shard = which[at] as number;
          this.#pending.add(id);
          this.#resultJobs.set(resultKeys[at] as string, id); // (cleared at the next round)
          this.#waiters.set(id, {
            resolve: (returnvalue, published) => {
              this.#forget(id);
              const job = (jobs[shard] = readJobResult(returnvalue));
              const mixed = this.#checkVariant(job);
              if (mixed) {
                reject(shardError(o.what, shard, o.shards[shard], mixed));
                return;
              }
              if (published) {
                try {
                  resolve(read(published, shard));
                } catch (err) {
                  reject(err);
                }
                return;
              }
              this.#redis.getBuffer(resultKeys[at] as string).then((bytes) => {
                if (bytes) resolve(read(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), shard));
                else this.#failure(shard, `finished ${label} in round ${round} but its result is missing from Redis`).then(reject, reject);
              }).catch(reject);
            },
            reject: (reason) => {
              this.#forget(id);
              this.#failure(shard, `failed (${label}, round ${round}): ${reason}`).then(reject, reject);
            },
          });
        }),
    );
    const ahead = which.length > this.#workers;
    const added = this.#queue.addBulk(
      which.map((shard, at) => ({
        name: JOB_NAME,
        data: { run: this.keys.runId, epoch: this.epoch, round, shard, spec: o.shards[shard], ttl: o.keyTtlMs, ahead } satisfies ShardJobData,
        opts: {
          jobId: ids[at] as string,
          removeOnComplete: true,
          removeOnFail: true,
          // Errors thrown by loadShard may pass (a file being copied, a network read): retried.
          // Bad data fails at once (workers throw BullMQ's UnrecoverableError).
          attempts: 3,
          backoff: { type: 'exponential', delay: 1000 },
        },
      })),
    );
    await Promise.all([written, added]);
    const results = await this.#settle(finished, ids, which, label, round, (missing) => this.#checkRound(taskKey, ids, which, resultKeys, missing));
    this.#workers = new Set(which.map((shard) => (jobs[shard] as ShardJobResult).worker)).size;
    o.onRound?.(Object.freeze({ round, task: label, ms: performance.now() - start, shards: Object.freeze(jobs) }));
    return results;
  }

  /**
   * Waits for every shard's result; the first failure, the timeout, the signal, or a Redis that
   * no longer holds the round (`check`, every {@link CHECK_MS} and after a reconnection) ends
   * the wait.
   */
  async #settle<T>(
    finished: Promise<T>[],
    ids: readonly string[],
    which: readonly number[],
    label: string,
    round: number,
    check: (missing: Map<string, number>) => Promise<Error | undefined>,
  ): Promise<T[]> {
    const o = this.#o;
    let timer: NodeJS.Timeout | undefined;
    let checker: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    let onClose: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      // (One check at a time: during an outage a check waits for the client to reconnect.
      // A check that fails is a lost connection, which the probe below reports.)
      let checking = false;
      const missing = new Map<string, number>();
      const checkRound = (): void => {
        if (checking) return;
        checking = true;
        check(missing).then(
          (err) => {
            checking = false;
            if (err) reject(err);
          },
          () => void (checking = false),
        );
      };
      checker = setInterval(checkRound, CHECK_MS);
      // The connection dropped: a command waits for the client to reconnect and fails after the
      // client's retries (ioredis's maxRetriesPerRequest): then Redis is gone for this fit. Back,
      // Redis may have lost the run (a restart without persistence): checked at once.
      let probing = false;
      onClose = () => {
        if (probing) return;
        probing = true;
        this.#redis.ping().then(
          () => {
            probing = false;
            checkRound();
          },
          (err: Error) => reject(this.#lostError(`while waiting for ${label} (round ${round})`, err)),
        );
      };
      this.#redis.on('close', onClose);
      if (o.jobTimeoutMs !== undefined) {
        timer = setTimeout(() => {
          const at = ids.findIndex((id) => this.#pending.has(id));
          if (at < 0) return; // (every job is done: their results are being read)
          const late = which[at] as number;
          const others = ids.filter((id) => this.#pending.has(id)).length - 1;
          reject(
            shardError(
              o.what,
              late,
              o.shards[late],
              `did not finish ${label} (round ${round}) within jobTimeoutMs (${o.jobTimeoutMs} ms)` +
                (others > 0 ? `, nor did ${others} other shard${others === 1 ? '' : 's'}` : ''),
            ),
          );
        }, o.jobTimeoutMs);
      }
      if (o.signal) {
        onAbort = () => reject(makeAbortError(o.signal));
        if (o.signal.aborted) onAbort();
        else o.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    try {
      return await Promise.race([Promise.all(finished), stop]);
    } finally {
      clearTimeout(timer);
      clearInterval(checker);
      if (onAbort) o.signal?.removeEventListener('abort', onAbort);
      if (onClose) this.#redis.off('close', onClose);
      for (const p of finished) p.catch(() => undefined);
    }
  }

  /**
   * Why a job's worker may not take part (the variants of the native code may differ in the last
   * bits: results would depend on which worker took which shard), or undefined.
   */
  #checkVariant(job: ShardJobResult): string | undefined {
    this.#simd ??= job.simd;
    if (job.simd === this.#simd) return undefined;
    return (
      `ran on a worker (${job.worker}) whose native code is the '${job.simd}' variant, but other workers ` +
      `run '${this.#simd}': the results would depend on which worker takes which shard. Pin one variant ` +
      'on every worker with the environment variable GAUSSMIX_SIMD (baseline or avx2)'
    );
  }

  /** The error of a fit whose connection to Redis is lost (code ERR_GAUSSMIX_REDIS). */
  #lostError(when: string, err: Error): Error {
    const why = this.#lastRedisError && this.#lastRedisError !== err ? ` (${this.#lastRedisError.message})` : '';
    return redisError(`${this.#o.what}: lost the connection to Redis ${when}${why}: ${err.message}`, err);
  }

  #forget(id: string): void {
    this.#waiters.delete(id);
    this.#pending.delete(id);
  }

  /** A result a worker published as it stored it: the job's waiter has it without a read. */
  #published(message: Buffer): void {
    const first = message.indexOf(0x0a);
    const second = first < 0 ? -1 : message.indexOf(0x0a, first + 1);
    if (second < 0) return;
    const id = this.#resultJobs.get(message.toString('latin1', 0, first));
    const waiter = id === undefined ? undefined : this.#waiters.get(id);
    if (!waiter || id === undefined) return;
    this.#resultJobs.delete(message.toString('latin1', 0, first));
    let returnvalue: unknown;
    try {
      returnvalue = JSON.parse(message.toString('utf8', first + 1, second));
    } catch {
      return; // (not ours: the completion event brings the job's result)
    }
    const bytes = message.subarray(second + 1);
    waiter.resolve(returnvalue, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  /**
   * Ends the run: removes its jobs that no worker has taken and deletes its keys (unless another
   * coordinator has taken the run over). A job a worker holds finds its task gone and fails
   * without retries.
   */
  async finish(): Promise<void> {
    await this.flush().catch(() => undefined); // (a checkpoint that lands later would stay)
    const pending = [...this.#pending];
    for (const id of pending) this.#forget(id);
    await Promise.allSettled(pending.map((id) => this.#queue.remove(id)));
    const owner = await this.#redis.get(this.keys.epoch);
    if (owner !== String(this.epoch)) return;
    const k = this.keys;
    await this.#redis.del(k.meta, k.checkpoint, ...this.#stale, k.epoch);
    this.#stale = [];
  }

  /**
   * Deletes the round keys of the coordinators before this one (a resumed run): their jobs then
   * fail at once rather than compute for nobody.
   */
  async sweep(): Promise<void> {
    const k = this.keys;
    const keep = new Set([k.meta, k.epoch, k.checkpoint]);
    let cursor = '0';
    do {
      const [next, found] = await this.#redis.scan(cursor, 'MATCH', k.pattern, 'COUNT', 1000);
      const old = found.filter((key) => !keep.has(key));
      if (old.length) await this.#redis.del(...old);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    if (this.#redis.status !== 'ready') {
      // Redis is gone: a graceful close would wait for it (QUIT waits in the offline queue, and
      // BullMQ's disconnect waits for an 'end' that a client between reconnections never
      // emits). Stop the events' loop (close), then drop every connection at once (force).
      this.#events.close().catch(() => undefined);
      await Promise.allSettled([this.#events.getBackend().close(true), this.#queue.getBackend().close(true)]);
      this.#subscriber.disconnect();
      this.#redis.disconnect();
      return;
    }
    this.#subscriber.disconnect();
    // The events' connection is dropped at once (it only reads): after a Redis restart it may be
    // between reconnections (BullMQ's backoff, up to 20 s), where a graceful close never ends.
    this.#events.close().catch(() => undefined);
    await Promise.allSettled([this.#events.getBackend().close(true), this.#queue.close()]);
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
