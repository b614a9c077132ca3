/**
 * Connections to Redis of `gaussmix/distributed`: the user's ioredis options, checked and passed
 * through as they are (credentials, TLS, database...), and a client of our own for the run's
 * binary keys (BullMQ opens its own connections from the same options).
 *
 * @module
 */
import type { Redis, RedisOptions } from 'ioredis';

import { describe, ErrorCode, invalidType, invalidValue } from '../errors.js';
import type { Dependencies } from './deps.js';

/**
 * Checks `connection`: an object of ioredis options. `keyPrefix` is refused: the queue's keys
 * have their own namespace (BullMQ's prefix), which a client prefix would break.
 */
export function connectionOption(value: unknown, what: string): RedisOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidType(`${what}: expected an object of Redis connection options for connection but received ${describe(value)}`);
  }
  if ((value as RedisOptions).keyPrefix !== undefined) {
    throw invalidValue(`${what}: connection.keyPrefix is not supported (the queue's keys are under 'gaussmix:<queue>:'); use another queue name`);
  }
  return value as RedisOptions;
}

/**
 * A connected client. A failed connection rejects with the server's reason (a wrong password:
 * WRONGPASS), not ioredis's "Connection is closed"; errors after that reach the commands that
 * meet them (ioredis reconnects by itself).
 */
export async function connectRedis(deps: Dependencies, connection: RedisOptions, what: string): Promise<Redis> {
  const redis = new deps.Redis({ ...connection, lazyConnect: true });
  let reason: Error | undefined;
  redis.on('error', (err: Error) => {
    reason = err;
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    const cause = reason ?? (err as Error);
    throw redisError(`${what}: cannot connect to Redis: ${cause.message}`, cause);
  }
  return redis;
}

/** An error of the connection to Redis (code ERR_GAUSSMIX_REDIS; `cause`: the client's error). */
export function redisError(message: string, cause: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code: ErrorCode.REDIS });
}

/** Whether an error is the Redis client's failure to reach the server (not a command's error). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | null;
  if (typeof e !== 'object' || e === null) return false;
  return (
    e.name === 'MaxRetriesPerRequestError' ||
    e.message === 'Connection is closed.' ||
    (typeof e.code === 'string' && CONNECTION_CODES.has(e.code))
  );
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
