/**
 * The packages `gaussmix/distributed` runs on, BullMQ and its Redis client ioredis: optional
 * peer dependencies of gaussmix, loaded on first use of this entry point only (the core library
 * never loads them), with an error that says what to install when they are missing.
 *
 * @module
 */
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';

import { ErrorCode } from '../errors.js';

/** The loaded packages. */
export interface Dependencies {
  readonly bullmq: typeof BullMQ;
  readonly Redis: typeof IORedis.Redis;
}

let loaded: Promise<Dependencies> | undefined;

/** The error of a missing package (code ERR_GAUSSMIX_MISSING_DEPENDENCY). */
function missing(name: string, cause: unknown): Error {
  return Object.assign(
    new Error(
      `gaussmix/distributed needs the package '${name}' (it runs on BullMQ over Redis, through ioredis): ` +
        'install both with `npm install bullmq ioredis`',
      { cause },
    ),
    { code: ErrorCode.MISSING_DEPENDENCY },
  );
}

async function load(): Promise<Dependencies> {
  let bullmq: typeof BullMQ;
  let ioredis: typeof IORedis;
  try {
    bullmq = await import('bullmq');
  } catch (err) {
    throw missing('bullmq', err);
  }
  try {
    ioredis = await import('ioredis');
  } catch (err) {
    throw missing('ioredis', err);
  }
  return { bullmq, Redis: ioredis.Redis };
}

/** BullMQ and ioredis, loaded once. */
export function dependencies(): Promise<Dependencies> {
  loaded ??= load().catch((err: unknown) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}
