// A worker process of the distributed section (bench/sections/distributed.mjs): startWorker with
// 1 native thread, loading its shards ({ file, first, rows, d }: rows of a workload's cached
// float64 file) once and keeping them in memory, as a user's loadShard would. argv[2]: the
// Redis port. Also a plain BullMQ worker of no-op jobs on the queue 'floor' (BullMQ's own round
// trip, for comparison). Prints "ready" once both take jobs; closes on SIGTERM.
import { closeSync, openSync, readSync } from 'node:fs';

import { Worker } from 'bullmq';

import { startWorker } from '../dist/esm/distributed/index.js';

const port = Number(process.argv[2]);
const shards = new Map();

function readShard({ file, first, rows, d }) {
  const data = new Float64Array(rows * d);
  const fd = openSync(file, 'r');
  try {
    const bytes = new Uint8Array(data.buffer);
    let done = 0;
    while (done < bytes.length) done += readSync(fd, bytes, done, bytes.length - done, first * d * 8 + done);
  } finally {
    closeSync(fd);
  }
  return { data, shape: [rows, d] };
}

const worker = await startWorker({
  connection: { host: '127.0.0.1', port },
  queue: 'bench',
  threads: 1,
  loadShard: (spec) => {
    const key = JSON.stringify(spec);
    if (!shards.has(key)) shards.set(key, readShard(spec));
    return shards.get(key);
  },
});
const floor = new Worker('floor', async () => 0, { connection: { host: '127.0.0.1', port }, prefix: 'gaussmix' });
await floor.waitUntilReady();
process.stdout.write('ready\n');
process.on('SIGTERM', () => Promise.all([worker.close(), floor.close()]).then(() => process.exit(0)));
