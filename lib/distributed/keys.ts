/**
 * Names in Redis of `gaussmix/distributed`: the BullMQ queue (under its own prefix, so that it
 * never mixes with an application's queues) and the keys of a run (its task per round, the
 * shards' results, its checkpoint), all under one namespace per run that is deleted when the
 * run ends. The names are built from the queue name and the run id only, both checked: a job
 * never names a key for a worker to open.
 *
 * @module
 */
import { describe, invalidType, invalidValue } from '../errors.js';

/** The BullMQ prefix of every key of gaussmix's queues: `gaussmix:<queue>:...`. */
export const QUEUE_PREFIX = 'gaussmix';

/** The queue name when none is given. */
export const DEFAULT_QUEUE = 'fits';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks a queue name: 1 to 64 letters, digits, '_', '-' or '.'. */
export function queueOption(value: unknown, what: string): string {
  if (value === undefined) return DEFAULT_QUEUE;
  if (typeof value !== 'string') throw invalidType(`${what}: expected a string for queue but received ${describe(value)}`);
  if (!NAME.test(value)) {
    throw invalidValue(`${what}: queue must be 1 to 64 letters, digits, '_', '-' or '.' but received ${describe(value)}`);
  }
  return value;
}

/** Checks a run id: 1 to 64 letters, digits, '_' or '-'. */
export function runIdOption(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalidType(`${what}: expected a string for runId but received ${describe(value)}`);
  if (!RUN_ID.test(value)) {
    throw invalidValue(`${what}: runId must be 1 to 64 letters, digits, '_' or '-' but received ${describe(value)}`);
  }
  return value;
}

/**
 * The channel the coordinators publish their rounds' tasks on (`<task key>\n<task bytes>`), so
 * that workers hold a round's task before its jobs reach them: the broadcast of the parameters.
 */
export function tasksChannel(queue: string): string {
  return `${QUEUE_PREFIX}:${queue}:tasks`;
}

/** The stream of the queue's BullMQ events. */
export function eventsKey(queue: string): string {
  return `${QUEUE_PREFIX}:${queue}:events`;
}

/**
 * The keys of one run. Every key holds the run id in braces, so that a Redis Cluster keeps them
 * in one slot (the scripts that fence a run's writes read and write several at once).
 * Rounds are numbered within an epoch: each coordinator that opens the run starts a new epoch,
 * so that the jobs and results of a coordinator that died never meet those of the one that
 * resumed its run.
 */
export class RunKeys {
  readonly runId: string;
  /** The prefix of every key of the run. */
  readonly base: string;

  constructor(queue: string, runId: string) {
    this.runId = runId;
    this.base = `${QUEUE_PREFIX}:${queue}:runs:{${runId}}:`;
  }

  /** What identifies the fit (model, options, shards) and its seed. */
  get meta(): string {
    return `${this.base}meta`;
  }

  /** The epoch of the coordinator that owns the run (a counter). */
  get epoch(): string {
    return `${this.base}epoch`;
  }

  /** The last checkpoint (lib/stream-em.ts EmCheckpoint or lib/kmeans-stream.ts LloydCheckpoint, encoded). */
  get checkpoint(): string {
    return `${this.base}checkpoint`;
  }

  /** A round's task: what every shard's job computes (written once, read by every job). */
  task(epoch: number, round: number): string {
    return `${this.base}${epoch}:${round}:task`;
  }

  /** A shard's result of a round. */
  result(epoch: number, round: number, shard: number): string {
    return `${this.base}${epoch}:${round}:result:${shard}`;
  }

  /**
   * The channel a run's workers publish its results on (`<result key>\n<job result JSON>\n<bytes>`),
   * so that the coordinator has a result as it is stored, without reading it.
   */
  get resultsChannel(): string {
    return `${this.base}results`;
  }

  /** The glob of every key of the run (with Redis's escapes of the braces). */
  get pattern(): string {
    return `${this.base.replace(/[{}[\]*?\\]/g, (c) => `\\${c}`)}*`;
  }

  /** The BullMQ job id of a shard's job in a round (dots: BullMQ refuses ':' in ids). */
  jobId(epoch: number, round: number, shard: number): string {
    return `${this.runId}.${epoch}.${round}.${shard}`;
  }
}
