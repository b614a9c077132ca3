// A worker process of the distributed tests: `startWorker` from the built package (dist/esm),
// with the shards of shards.mjs. argv[2] is JSON: { connection, queue, threads, lockDurationMs }.
// A spec may ask for test behaviour: { hang: true } never loads; { slowMs } announces the job
// on stdout ({"start": seed, "pid": ...}) and then waits that long before loading.
// Prints "ready" once it takes jobs; closes on SIGTERM.
import { startWorker } from '../../dist/esm/distributed/index.js';
import { loadShard } from './shards.mjs';

const config = JSON.parse(process.argv[2]);

const worker = await startWorker({
  connection: config.connection,
  queue: config.queue,
  threads: config.threads ?? 1,
  lockDurationMs: config.lockDurationMs,
  loadShard: async (spec) => {
    if (spec.hang) return new Promise(() => {});
    if (spec.slowMs) {
      process.stdout.write(`${JSON.stringify({ start: spec.seed, pid: process.pid })}\n`);
      await new Promise((resolve) => setTimeout(resolve, spec.slowMs));
    }
    return loadShard(spec);
  },
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  worker.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
