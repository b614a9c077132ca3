// Section "distributed" (issue 16): workload d8 (1,000,000 × 8, K = 10, diag) fitted by
// fitDistributed in 8 shards (7 of 30 row blocks, the last the rest, so the result is fit's bit
// for bit) on 3 local worker processes with 1 native thread each, over a redis-server of its own
// on a free port of 127.0.0.1, from the workload's fixed start, 20 iterations, tol 0. Reported:
// ms per iteration, and the coordination overhead per iteration: the iteration's wall time less
// the E-step time of the busiest worker in it (its jobs run one after another), i.e. the time not
// spent in E-steps (queueing, Redis, merging, the M-step). Target: overhead under 5 ms per
// iteration. A first fit loads the shards into the workers (not timed). For comparison, BullMQ's
// own floor: rounds of 8 no-op jobs on plain BullMQ workers in the same 3 processes (add them,
// wait for their completion events). --quick: 100,000 rows.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Queue, QueueEvents } from 'bullmq';

import { BLOCK_ROWS, GaussianMixture } from '../../dist/esm/index.js';
import { fitDistributed } from '../../dist/esm/distributed/index.js';
import { loadWorkload } from '../data.mjs';

/** SIGTERM, then SIGKILL when the child has not exited within ms. */
function stop(child, ms = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const SPEC = { name: 'd8', n: quick ? 100_000 : 1_000_000, d: 8, k: 10, seed: 4 };
const SHARDS = 8;
const WORKERS = 3;
const ITERS = 20;
const log = (msg) => process.stderr.write(`[bench:distributed] ${msg}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** A child process, resolved once it prints `ready` (a line) or Redis's ready message. */
function start(cmd, argv, ready) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
      if (out.includes(ready)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${cmd} exited (${code}) before it was ready`)));
  });
}

/** Rounds of 8 no-op jobs on the workers' plain BullMQ workers: ms per round. */
async function bullmqFloor(connection, rounds) {
  const queue = new Queue('floor', { connection, prefix: 'gaussmix' });
  const events = new QueueEvents('floor', { connection, prefix: 'gaussmix' });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  await new Promise((r) => setTimeout(r, 200)); // (the events' first read is under way)
  const waiting = new Map();
  events.on('completed', ({ jobId }) => waiting.get(jobId)?.());
  const ms = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      const ids = Array.from({ length: SHARDS }, (_, i) => `floor.${round}.${i}`);
      const done = ids.map((id) => new Promise((resolve) => waiting.set(id, resolve)));
      await queue.addBulk(ids.map((jobId) => ({ name: 'noop', data: {}, opts: { jobId, removeOnComplete: true } })));
      await Promise.all(done);
      ms.push(performance.now() - t0);
    }
  } finally {
    await Promise.all([events.close(), queue.close()]);
  }
  return ms;
}

const w = loadWorkload(SPEC);
const { n, d, k } = SPEC;
// 7 shards of whole row blocks, the last one the rest.
const per = Math.floor(n / SHARDS / BLOCK_ROWS) * BLOCK_ROWS;
const shards = Array.from({ length: SHARDS }, (_, i) => ({ file: w.file, first: i * per, rows: i < SHARDS - 1 ? per : n - i * per, d }));
const options = () => ({
  nComponents: k,
  covarianceType: 'diag',
  tol: 0,
  maxIter: ITERS,
  threads: 1,
  weightsInit: w.start.weights,
  meansInit: w.start.means,
  covariancesInit: Array.from({ length: k }, () => new Array(d).fill(1)),
});

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'gaussmix-bench-redis-'));
const redis = await start('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], 'Ready to accept connections');
const workers = [];
try {
  for (const child of await Promise.allSettled(
    Array.from({ length: WORKERS }, () => start(process.execPath, [join(here, '..', 'distributed-worker.mjs'), String(port)], 'ready')),
  )) {
    if (child.status === 'rejected') throw child.reason;
    workers.push(child.value);
  }
  const connection = { host: '127.0.0.1', port };
  log(`${n} × ${d} in ${SHARDS} shards of ${per} rows (the last ${shards.at(-1).rows}), ${WORKERS} workers × 1 thread`);
  const floor = median((await bullmqFloor(connection, 40)).slice(5));
  log(`BullMQ floor: ${floor.toFixed(2)} ms per round of ${SHARDS} no-op jobs`);
  await fitDistributed(new GaussianMixture({ ...options(), maxIter: 1 }), shards, { connection, queue: 'bench' });
  const iterMs = [];
  const busiest = [];
  const roundMs = [];
  let last;
  const model = new GaussianMixture(options());
  const t0 = performance.now();
  await fitDistributed(model, shards, {
    connection,
    queue: 'bench',
    onRound: (r) => {
      if (r.task !== 'statistics') return;
      const perWorker = new Map();
      for (const s of r.shards) perWorker.set(s.worker, (perWorker.get(s.worker) ?? 0) + s.ms);
      busiest.push(Math.max(...perWorker.values()));
      roundMs.push(r.ms);
    },
    onIteration: () => {
      const now = performance.now();
      iterMs.push(now - (last ?? t0));
      last = now;
    },
  });
  // The first iteration also holds the describe round: the steady iterations are the rest.
  const steady = iterMs.slice(1);
  const overhead = steady.map((ms, i) => ms - busiest[i + 1]);
  // The same fit in memory, in this run: on 1 thread (as each worker) and on as many threads as
  // there are workers (the same cores). ms per iteration: the fit's wall time / ITERS.
  const inMemory = (threads) => {
    const t = performance.now();
    const fitted = new GaussianMixture({ ...options(), threads }).fitSync({ data: w.X, shape: [n, d] });
    return { fitted, msPerIter: (performance.now() - t) / ITERS };
  };
  const one = inMemory(1);
  const many = inMemory(WORKERS);
  const reference = one.fitted;
  const same = JSON.stringify(model.toJSON()) === JSON.stringify(reference.toJSON());
  const result = {
    msPerIter: median(steady),
    eStepBusiestMs: median(busiest.slice(1)),
    overheadMs: median(overhead),
    overheadMinMs: Math.min(...overhead),
    overheadMaxMs: Math.max(...overhead),
    roundMs: median(roundMs.slice(1)),
    bullmqFloorMs: floor,
    inMemory1ThreadMsPerIter: one.msPerIter,
    inMemoryThreadsMsPerIter: many.msPerIter,
    same,
  };
  log(`${result.msPerIter.toFixed(1)} ms/iter, busiest worker's E-steps ${result.eStepBusiestMs.toFixed(1)} ms, overhead ${result.overheadMs.toFixed(2)} ms`);
  const markdown = [
    `${n.toLocaleString('en')} × ${d}, K = ${k}, diag, ${ITERS} EM iterations from the workload's fixed start; ${SHARDS} shards (${per.toLocaleString('en')} rows, the last ${shards.at(-1).rows.toLocaleString('en')}); ${WORKERS} local worker processes × 1 thread; Redis on loopback.`,
    '',
    `| ms per iteration | busiest worker\'s E-steps | coordination overhead per iteration (median, min–max) | BullMQ alone: 8 no-op jobs | in memory, fit, 1 thread | in memory, fit, ${WORKERS} threads | result |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| ${result.msPerIter.toFixed(1)} | ${result.eStepBusiestMs.toFixed(1)} | ${result.overheadMs.toFixed(2)} ms (${result.overheadMinMs.toFixed(2)}–${result.overheadMaxMs.toFixed(2)}; target < 5 ms) | ${floor.toFixed(2)} ms | ${one.msPerIter.toFixed(1)} ms/iter | ${many.msPerIter.toFixed(1)} ms/iter | ${same ? 'bit-identical to fit' : 'DIFFERS from fit'} |`,
  ].join('\n');
  process.stdout.write(`${JSON.stringify({ title: 'More than one machine (fitDistributed)', markdown, data: { n, d, k, shards: SHARDS, workers: WORKERS, iters: ITERS, ...result } })}\n`);
} finally {
  // The workers first, while Redis still answers their graceful close; then Redis.
  await Promise.all(workers.map((c) => stop(c)));
  await stop(redis);
  rmSync(dir, { recursive: true, force: true });
}
