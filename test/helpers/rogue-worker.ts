// A worker in the test process that computes like the real one (lib/distributed/tasks.ts) but
// stores `corrupt(bytes, task)` as shard `shard`'s result: what a worker of another version, or
// a bad actor, would store. Used by the distributed tests that check what a coordinator reads.
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';

import { QUEUE_PREFIX, RunKeys } from '../../lib/distributed/keys.js';
import { STORE_RESULT, type ShardJobData } from '../../lib/distributed/run.js';
import { decodeTask, readShard, runTask, type Task } from '../../lib/distributed/tasks.js';
import { native } from '../../lib/native.js';
import { loadShard, type ShardSpec } from './shards.mjs';

export async function rogueWorker(
  connection: { host: string; port: number },
  queue: string,
  shard: number,
  corrupt: (bytes: Uint8Array, task: Task) => Uint8Array,
): Promise<Worker> {
  const redis = new Redis(connection);
  const worker = new Worker(
    queue,
    async (job: Job) => {
      const data = job.data as ShardJobData;
      const keys = new RunKeys(queue, data.run);
      const task = decodeTask((await redis.getBuffer(keys.task(data.epoch, data.round))) as Buffer, 'task');
      const rows = readShard(loadShard(data.spec as ShardSpec), 'shard');
      let bytes = await runTask(task, rows, data.shard, { threads: 1, what: 'shard' });
      if (data.shard === shard) bytes = corrupt(bytes, task);
      // (Stored as the real workers do: only while the round's task exists.)
      const resultKey = keys.result(data.epoch, data.round, data.shard);
      await redis.eval(STORE_RESULT, 2, keys.task(data.epoch, data.round), resultKey, Buffer.from(bytes), 60_000);
      return { ms: 0, worker: 'rogue', simd: native().simd };
    },
    { connection, prefix: QUEUE_PREFIX },
  );
  worker.on('closed', () => void redis.quit());
  await worker.waitUntilReady();
  return worker;
}
