/**
 * gaussmix/distributed (API.md "Beyond one machine"): fits on worker processes over BullMQ on a
 * private redis-server (127.0.0.1, a free port). From an explicit start, 7 shards (every one but
 * the last a multiple of BLOCK_ROWS rows) give `model.fit`'s bits on all the rows, for 1, 2 and 3
 * workers and every estimator; the default start is `fitStream`'s on the same rows; a worker
 * SIGKILLed mid-job and a coordinator SIGKILLed and started again change nothing; bad statistics
 * from a worker, a worker that never answers and an abort end the fit with an error naming the
 * shard, and leave nothing of the run in Redis; a worker whose loadShard hangs drops its job
 * once the fit has failed; empty shards add nothing; a Redis that restarts without its data or
 * is flushed mid-fit fails it at once with ERR_GAUSSMIX_REDIS, and one that restarts with an
 * append-only file changes nothing. The worker processes run the built package (dist/), checked
 * fresher than lib/.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodeMessage, encodeMessage } from '../lib/distributed/codec.js';
import { fitDistributed, startWorker } from '../lib/distributed/index.js';
import { QUEUE_PREFIX, RunKeys } from '../lib/distributed/keys.js';
import {
  AbortError,
  BLOCK_ROWS,
  GaussianKMeans,
  GaussianMixture,
  KMeans,
  SoftKMeans,
  type CovarianceType,
  type GaussianMixtureOptions,
  type SoftKMeansOptions,
} from '../lib/index.js';
import { checkFreshDist, jobStarts, killNextStarter, root, startCoordinator, startWorkers, stopAll, type Child } from './helpers/distributed.js';
import { mulberry32 } from './helpers/random.js';
import { startRedis, type RedisServer } from './helpers/redis-server.js';
import { rogueWorker } from './helpers/rogue-worker.js';
import { concatenate, loadShard, shardRows, type ShardSpec } from './helpers/shards.mjs';

const D = 3;
const K = 3;
// 7 shards: multiples of BLOCK_ROWS, then a last shard of any length.
const SPECS: ShardSpec[] = [1, 2, 1, 1, 2, 1].map((blocks, i) => ({ seed: 100 + i, rows: blocks * BLOCK_ROWS, d: D }));
SPECS.push({ seed: 106, rows: 2500, d: D });
const ALL = concatenate(SPECS);

/** An explicit start, as nested arrays (JSON-safe, so that a coordinator process gets it too). */
function startFor(type: CovarianceType): Pick<GaussianMixtureOptions, 'weightsInit' | 'meansInit' | 'covariancesInit'> {
  const eye = (scale: number): number[][] => Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? scale : 0)));
  const covariancesInit =
    type === 'full'
      ? [eye(1), eye(2), eye(1.5)]
      : type === 'tied'
        ? eye(1.5)
        : type === 'diag'
          ? [
              [1, 2, 1],
              [2, 1, 2],
              [1, 1, 3],
            ]
          : [1, 2, 1.5];
  return {
    weightsInit: [0.2, 0.3, 0.5],
    meansInit: [
      [0.5, 0.5, 0.5],
      [3, -3, 3],
      [9, -9, 9],
    ],
    covariancesInit,
  };
}

function mixtureOptions(type: CovarianceType, extra: Partial<GaussianMixtureOptions> = {}): GaussianMixtureOptions {
  return { nComponents: K, covarianceType: type, maxIter: 6, tol: 0, threads: 1, ...startFor(type), ...extra };
}

const SOFT: SoftKMeansOptions = {
  nClusters: K,
  stiffness: 0.5,
  maxIter: 6,
  tol: 0,
  init: [
    [0.5, 0.5, 0.5],
    [3, -3, 3],
    [9, -9, 9],
  ],
};

const json = (model: { toJSON(): unknown }): string => JSON.stringify(model.toJSON());

let server: RedisServer;
let client: Redis;
let connection: { host: string; port: number };

beforeAll(async () => {
  checkFreshDist();
  server = await startRedis();
  connection = { host: server.host, port: server.port };
  client = new Redis(connection);
});

afterAll(async () => {
  await client?.quit();
  await server?.stop();
});

/** The keys of runs in Redis (on every queue). */
const runKeys = (): Promise<string[]> => client.keys(`${QUEUE_PREFIX}:*:runs:*`);

/** The jobs of a queue, by state. */
async function jobCounts(queue: string): Promise<Record<string, number>> {
  const q = new Queue(queue, { connection, prefix: QUEUE_PREFIX });
  try {
    return await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children');
  } finally {
    await q.close();
  }
}

async function eventually(test: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('codec of the messages', () => {
  it('round-trips numbers JSON cannot hold and Float64Arrays bit for bit, and rejects bad bytes', () => {
    const value = { a: -0, b: [Infinity, -Infinity, NaN, 1e-310], c: Float64Array.from([-0, 1 / 3, NaN]), d: { e: 'x', f: null, g: true } };
    const back = decodeMessage(encodeMessage(value), 'the message') as typeof value;
    expect(Object.is(back.a, -0)).toBe(true);
    expect(back.b).toEqual([Infinity, -Infinity, NaN, 1e-310]);
    expect(back.c).toBeInstanceOf(Float64Array);
    expect(Object.is(back.c[0], -0) && back.c[1] === 1 / 3 && Number.isNaN(back.c[2])).toBe(true);
    expect(back.d).toEqual(value.d);
    const bytes = encodeMessage(value);
    expect(() => decodeMessage(bytes.subarray(0, 20), 'the message')).toThrow(/the message is not a valid message/);
    expect(() => decodeMessage(bytes.subarray(0, bytes.length - 8), 'it')).toThrow(/runs past the float64 data/);
    const other = bytes.slice();
    other[4] = 7;
    expect(() => decodeMessage(other, 'it')).toThrow(/format version 7/);
  });
});

describe('checks before connecting', () => {
  const gm = () => new GaussianMixture(mixtureOptions('diag'));
  it('rejects a bad model, shards that are not JSON data, and bad options, naming them', async () => {
    const c = { host: '127.0.0.1', port: 1 };
    await expect(fitDistributed({} as GaussianMixture, SPECS, { connection: c })).rejects.toThrow(TypeError);
    await expect(fitDistributed(gm(), [], { connection: c })).rejects.toThrow(/shards must not be empty/);
    await expect(fitDistributed(gm(), [{ path: 'a' }, () => 1], { connection: c })).rejects.toThrow(/shards\[1\] must be JSON data/);
    await expect(fitDistributed(gm(), [{ at: new Date(0) }], { connection: c })).rejects.toThrow(/shards\[0\]\.at must be JSON data/);
    await expect(fitDistributed(gm(), [{ x: NaN }], { connection: c })).rejects.toThrow(RangeError);
    await expect(fitDistributed(gm(), SPECS, { connection: c, queue: 'a:b' })).rejects.toThrow(/queue must be/);
    await expect(fitDistributed(gm(), SPECS, { connection: c, runId: 'x y' })).rejects.toThrow(/runId must be/);
    await expect(fitDistributed(gm(), SPECS, { connection: { ...c, keyPrefix: 'p:' } })).rejects.toThrow(/keyPrefix/);
    await expect(fitDistributed(gm(), SPECS, { connection: c, jobTimeoutMs: 0 })).rejects.toThrow(/jobTimeoutMs/);
    await expect(fitDistributed(gm(), SPECS, { connection: c, nope: 1 } as never)).rejects.toThrow(/nope/);
    await expect(startWorker({ connection: c, loadShard: 'x' } as never)).rejects.toThrow(/loadShard/);
    // The model's options a fit over passes refuses: before any connection (port 1 is not Redis).
    await expect(fitDistributed(new GaussianMixture({ ...mixtureOptions('diag'), standardize: true }), SPECS, { connection: c })).rejects.toThrow(
      /fitDistributed: standardize is not supported on streamed or distributed fits/,
    );
    await expect(fitDistributed(new GaussianMixture({ ...mixtureOptions('diag'), onCollapse: 'reseed' }), SPECS, { connection: c })).rejects.toThrow(
      RangeError,
    );
  });

  it('claims the model at once: a fit started in the same tick is refused as busy; a failed run gives it back', async () => {
    const model = new GaussianMixture(mixtureOptions('diag', { maxIter: 2 }));
    const gone = await startRedis();
    await gone.stop();
    const running = fitDistributed(model, SPECS, { connection: { host: gone.host, port: gone.port } }).catch((e: unknown) => e);
    expect(() => model.fitSync(ALL.X)).toThrow(expect.objectContaining({ code: 'ERR_GAUSSMIX_BUSY' }));
    await expect(model.fit(ALL.X)).rejects.toMatchObject({ code: 'ERR_GAUSSMIX_BUSY' });
    expect(await running).toMatchObject({ code: 'ERR_GAUSSMIX_REDIS' });
    expect(model.fitSync(ALL.X).nIter).toBeGreaterThan(0);
  });
});

describe('3 worker processes, 7 shards', () => {
  let workers: Child[];
  const queue = 'main';
  beforeAll(async () => {
    workers = await startWorkers(3, { connection, queue, lockDurationMs: 2000 });
  });
  afterAll(async () => {
    await stopAll(workers ?? []);
  });

  for (const type of ['full', 'tied', 'diag', 'spherical'] as const) {
    it(`GaussianMixture (${type}) from an explicit start gives model.fit's bits on the concatenated shards`, async () => {
      const expected = json(new GaussianMixture(mixtureOptions(type)).fitSync(ALL.X));
      const model = new GaussianMixture(mixtureOptions(type));
      const workersSeen = new Set<string>();
      await fitDistributed(model, SPECS, { connection, queue, onRound: (r) => r.shards.forEach((s) => workersSeen.add(s.worker)) });
      expect(json(model)).toBe(expected);
      expect(workersSeen.size, 'jobs ran on several workers').toBeGreaterThan(1);
      expect(await runKeys()).toEqual([]);
    });
  }

  it("onCollapse 'reseed' is refused (as by fitStream), and the run leaves nothing", async () => {
    const model = new GaussianMixture({ ...mixtureOptions('diag'), onCollapse: 'reseed' });
    await expect(fitDistributed(model, SPECS, { connection, queue })).rejects.toThrow(/onCollapse 'reseed' is not supported/);
    expect(await runKeys()).toEqual([]);
  });

  it("GaussianKMeans and SoftKMeans from explicit starts give fit's bits", async () => {
    const { covarianceType: _, ...options } = mixtureOptions('spherical');
    const gkm = new GaussianKMeans(options);
    await fitDistributed(gkm, SPECS, { connection, queue });
    expect(json(gkm)).toBe(json(new GaussianKMeans(options).fitSync(ALL.X)));
    const soft = new SoftKMeans(SOFT);
    await fitDistributed(soft, SPECS, { connection, queue });
    expect(json(soft)).toBe(json(new SoftKMeans(SOFT).fitSync(ALL.X)));
  });

  it("weighted and streamed shards give fit's bits with every row's weight (1 in unweighted shards)", async () => {
    const specs = SPECS.map((s, i) => ({ ...s, weighted: i % 3 === 1, stream: i % 2 === 0 ? 1000 + 77 * i : undefined }));
    const all = concatenate(specs);
    expect(all.sampleWeight).toBeDefined();
    const model = new GaussianMixture(mixtureOptions('full'));
    await fitDistributed(model, specs, { connection, queue, jobTimeoutMs: 30_000 });
    const expected = new GaussianMixture(mixtureOptions('full')).fitSync(all.X, { sampleWeight: all.sampleWeight });
    expect(json(model)).toBe(json(expected));
  });

  it("from responsibilitiesInit each shard takes its rows' (fit's bits); another row count is a RangeError", async () => {
    const specs = SPECS.map((s, i) => ({ ...s, weighted: i % 3 === 1, stream: i % 2 === 0 ? 1000 + 77 * i : undefined }));
    const all = concatenate(specs);
    const rows = all.X.shape[0] as number;
    const r = mulberry32(5);
    const resp = Array.from({ length: rows }, () => [r(), r(), r()]);
    for (const covarianceType of ['full', 'VEV'] as const) {
      const options = { nComponents: K, covarianceType, responsibilitiesInit: resp, maxIter: 6, tol: 0, threads: 1 };
      const model = new GaussianMixture(options);
      await fitDistributed(model, specs, { connection, queue, jobTimeoutMs: 30_000 });
      expect(json(model)).toBe(json(new GaussianMixture(options).fitSync(all.X, { sampleWeight: all.sampleWeight })));
    }
    const short = new GaussianMixture({ nComponents: K, responsibilitiesInit: resp.slice(1) });
    await expect(fitDistributed(short, specs, { connection, queue })).rejects.toThrow(
      `fitDistributed: responsibilitiesInit has ${rows - 1} rows, but there are ${rows} in the shards (matched to them in order)`,
    );
    expect(short.toJSON().state).toBeNull();
    expect(await runKeys()).toEqual([]);
  });

  it("two fits at once on the same queue and workers each give their own fit's bits; a warm start too", async () => {
    const a = new GaussianMixture(mixtureOptions('tied'));
    const b = new SoftKMeans(SOFT);
    await Promise.all([fitDistributed(a, SPECS, { connection, queue }), fitDistributed(b, SPECS.slice(0, 4), { connection, queue })]);
    expect(json(a)).toBe(json(new GaussianMixture(mixtureOptions('tied')).fitSync(ALL.X)));
    expect(json(b)).toBe(json(new SoftKMeans(SOFT).fitSync(concatenate(SPECS.slice(0, 4)).X)));
    // warmStart: from a's parameters, as fit would go on.
    const saved = JSON.parse(json(a)) as { options: object };
    const warm = (): GaussianMixture => GaussianMixture.fromJSON({ ...saved, options: { ...saved.options, warmStart: true, maxIter: 3 } });
    const remote = warm();
    await fitDistributed(remote, SPECS, { connection, queue });
    expect(json(remote)).toBe(json(warm().fitSync(ALL.X)));
  });

  it("empty shards add nothing, as empty batches in fitStream: fit's bits on the other shards' rows", async () => {
    const empty = (seed: number, extra: Partial<ShardSpec> = {}): ShardSpec => ({ seed, rows: 0, d: D, ...extra });
    // First, streamed, weighted (its weights of no row weigh nothing) and last.
    const specs = [empty(900), SPECS[0]!, empty(901, { stream: 100 }), ...SPECS.slice(1, 4), empty(902, { weighted: true }), ...SPECS.slice(4), empty(903)];
    const model = new GaussianMixture(mixtureOptions('full'));
    const jobs: number[] = [];
    await fitDistributed(model, specs, { connection, queue, onRound: (r) => void jobs.push(r.shards.filter((s) => s.worker !== '').length) });
    expect(json(model)).toBe(json(new GaussianMixture(mixtureOptions('full')).fitSync(ALL.X)));
    // An empty shard is described, and takes no part in the rounds after.
    expect(jobs[0]).toBe(specs.length);
    expect(jobs.slice(1).every((n) => n === SPECS.length)).toBe(true);
    // K-means' scale of tol (moments about the first row), and the default start's sample.
    const kmeans = (): KMeans => new KMeans({ nClusters: K, init: SOFT.init, tol: 1e-3, threads: 1 });
    const remote = await fitDistributed(kmeans(), specs, { connection, queue });
    const local = kmeans().fitSync(ALL.X);
    expect(Array.from(remote.clusterCenters.data)).toEqual(Array.from(local.clusterCenters.data));
    expect([remote.inertia, remote.nIter]).toEqual([local.inertia, local.nIter]);
    const seeded = (): GaussianMixture => new GaussianMixture({ nComponents: K, covarianceType: 'diag', maxIter: 4, tol: 0, seed: 5, threads: 1 });
    const sampled = await fitDistributed(seeded(), specs, { connection, queue, initSampleRows: 5000 });
    const batches = () => specs.map((s) => ({ data: shardRows(s).data, shape: [s.rows, D] }));
    expect(json(sampled)).toBe(json(await seeded().fitStream(batches, { initSampleRows: 5000 })));
  });

  it("maxIter 0 from an explicit start still reads the shards once (as fit reads X), and gives fit's bits", async () => {
    const options = mixtureOptions('diag', { maxIter: 0 });
    const model = new GaussianMixture(options);
    const tasks: string[] = [];
    await fitDistributed(model, SPECS, { connection, queue, onRound: (r) => void tasks.push(r.task) });
    expect(json(model)).toBe(json(new GaussianMixture(options).fitSync(ALL.X)));
    expect(tasks).toEqual(['describe', 'statistics']);
    expect(await runKeys()).toEqual([]);
  });

  it('shards that are all empty, or with fewer rows than components, are a RangeError that says so', async () => {
    const model = new GaussianMixture(mixtureOptions('diag'));
    const none = [{ seed: 1, rows: 0, d: D }, { seed: 2, rows: 0, d: D, stream: 10 }];
    await expect(fitDistributed(model, none, { connection, queue })).rejects.toThrow(
      /^fitDistributed: the shards have no rows \(all 2 are empty\): at least one row is needed$/,
    );
    const few = [{ seed: 1, rows: 2, d: D }, { seed: 2, rows: 0, d: D }];
    await expect(fitDistributed(new GaussianMixture({ nComponents: K, seed: 1 }), few, { connection, queue })).rejects.toThrow(
      /^fitDistributed: nComponents \(3\) exceeds the number of rows of the shards \(2\)$/,
    );
    expect(await runKeys()).toEqual([]);
  });

  it("the default start is fitStream's on the same rows (seeded sample drawn from the shards)", async () => {
    const source = () => SPECS.map((s) => ({ data: shardRows(s).data, shape: [s.rows, D] }));
    for (const make of [
      () => new GaussianMixture({ nComponents: K, covarianceType: 'diag', maxIter: 4, tol: 0, seed: 5, threads: 1 }),
      () => new GaussianMixture({ nComponents: K, covarianceType: 'full', init: 'random', maxIter: 3, seed: 6 }),
      () => new SoftKMeans({ nClusters: K, maxIter: 4, tol: 0, seed: 7, nInit: 2 }),
    ]) {
      const model = make();
      await fitDistributed(model, SPECS, { connection, queue, initSampleRows: 5000 });
      const streamed = await make().fitStream(source, { initSampleRows: 5000 });
      expect(json(model)).toBe(json(streamed));
    }
  });
});

describe('1, 2 and 3 workers', () => {
  it("give the same bits (model.fit's), with jobs spread over the workers", async () => {
    const queue = 'counts';
    const expected = json(new GaussianMixture(mixtureOptions('diag')).fitSync(ALL.X));
    const workers = await startWorkers(3, { connection, queue });
    try {
      for (let n = 3; n >= 1; n--) {
        const seen = new Set<string>();
        const model = new GaussianMixture(mixtureOptions('diag'));
        await fitDistributed(model, SPECS, { connection, queue, onRound: (r) => r.shards.forEach((s) => seen.add(s.worker)) });
        expect(json(model), `${n} workers`).toBe(expected);
        // (Which worker takes which job is BullMQ's: with several, at least two took some.)
        expect(seen.size, `workers that took jobs, of ${n}`).toBeGreaterThanOrEqual(Math.min(n, 2));
        expect(seen.size).toBeLessThanOrEqual(n);
        await workers.pop()?.kill();
      }
    } finally {
      await stopAll(workers);
    }
  });
});

describe('faults', () => {
  it('a worker SIGKILLed in the middle of a job changes nothing: BullMQ gives the job to another worker', async () => {
    const queue = 'kill';
    const workers = await startWorkers(3, { connection, queue, lockDurationMs: 1000 });
    try {
      // Shard 2's jobs announce themselves, then take 800 ms: time to kill the worker in it.
      const specs = SPECS.map((s, i) => (i === 2 ? { ...s, slowMs: 800 } : s));
      let armed: number[] | undefined;
      const model = new GaussianMixture(mixtureOptions('full'));
      const fit = fitDistributed(model, specs, {
        connection,
        queue,
        onIteration: (info) => void (info.iter === 2 && (armed = workers.map(jobStarts))),
      });
      // (Shard 2's job in iteration 3.)
      const victim = await killNextStarter(workers, () => armed);
      const others = workers.filter((w) => w !== victim);
      const before = others.map(jobStarts);
      await fit;
      expect(json(model)).toBe(json(new GaussianMixture(mixtureOptions('full')).fitSync(ALL.X)));
      // The job ran again, on a worker that lived: shard 2 started once per round (describe and
      // 6 iterations), and once more.
      expect(others.some((w, i) => jobStarts(w) > before[i]!)).toBe(true);
      expect(workers.reduce((n, w) => n + jobStarts(w), 0)).toBe(1 + 6 + 1);
      expect(await runKeys()).toEqual([]);
    } finally {
      await stopAll(workers, 'SIGKILL');
    }
  });

  it('a coordinator SIGKILLed mid-fit and started again with the same runId resumes and gives the same bits', async () => {
    const queue = 'resume';
    const runId = 'resumed-run';
    const options = mixtureOptions('full', { maxIter: 8 });
    const expected = json(new GaussianMixture(options).fitSync(ALL.X));
    const workers = await startWorkers(2, { connection, queue });
    try {
      const coordinator = startCoordinator({ connection, queue, runId, kind: 'GaussianMixture', options, shards: SPECS });
      await coordinator.waitFor((l) => l === '{"iter":3}');
      await coordinator.kill('SIGKILL');
      const keys = new RunKeys(queue, runId);
      expect(await client.exists(keys.checkpoint, keys.meta)).toBe(2);
      // The same runId for another fit is refused, and the run is left as it was.
      await expect(
        fitDistributed(new GaussianMixture({ ...options, maxIter: 9 }), SPECS, { connection, queue, runId }),
      ).rejects.toMatchObject({ code: 'ERR_GAUSSMIX_RUN' });
      expect(await client.exists(keys.checkpoint, keys.meta)).toBe(2);
      const iterations: number[] = [];
      const model = new GaussianMixture(options);
      await fitDistributed(model, SPECS, { connection, queue, runId, onIteration: (i) => void iterations.push(i.iter) });
      expect(iterations[0], 'resumed, not restarted').toBeGreaterThanOrEqual(3);
      expect(iterations.at(-1)).toBe(8);
      expect(json(model)).toBe(expected);
      expect(await runKeys()).toEqual([]);
    } finally {
      await stopAll(workers);
    }
  });

  it('a coordinator still running when another takes its run over is fenced out with ERR_GAUSSMIX_RUN', async () => {
    const queue = 'fenced';
    const runId = 'fenced-run';
    const options = mixtureOptions('diag', { maxIter: 8 });
    const expected = json(new GaussianMixture(options).fitSync(ALL.X));
    const workers = await startWorkers(2, { connection, queue });
    try {
      const specs = SPECS.map((s) => ({ ...s, slowMs: 100 }));
      const first = startCoordinator({ connection, queue, runId, kind: 'GaussianMixture', options, shards: specs });
      await first.waitFor((l) => l === '{"iter":2}');
      const model = new GaussianMixture(options);
      await fitDistributed(model, specs, { connection, queue, runId });
      expect(json(model)).toBe(expected);
      const line = await first.waitFor((l) => l.startsWith('{"error"'));
      expect(JSON.parse(line).error).toMatchObject({ code: 'ERR_GAUSSMIX_RUN', message: expect.stringMatching(/taken over by another coordinator/) });
      expect(await runKeys()).toEqual([]);
    } finally {
      await stopAll(workers);
    }
  });

  it('a worker that never answers fails the fit after jobTimeoutMs, naming its shard; its job is cleaned up later', async () => {
    const queue = 'hang';
    const workers = await startWorkers(2, { connection, queue, lockDurationMs: 1000 });
    try {
      const specs = SPECS.map((s, i) => (i === 4 ? { ...s, hang: true } : s));
      const model = new GaussianMixture(mixtureOptions('diag'));
      const error = await fitDistributed(model, specs, { connection, queue, jobTimeoutMs: 1500 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_GAUSSMIX_SHARD', shard: 4 });
      expect((error as Error).message).toMatch(/shard 4 \(\{"seed":104,.*\) did not finish describe \(round 0\) within jobTimeoutMs \(1500 ms\)/);
      expect(() => model.means).toThrow(/not fitted/i);
      expect(await runKeys()).toEqual([]);
    } finally {
      await stopAll(workers, 'SIGKILL');
    }
    // The hung job was held by a dead worker: a new worker finds it stalled, finds its run
    // over, and fails it without retries; BullMQ removes it.
    const cleaner = await startWorkers(1, { connection, queue, lockDurationMs: 1000 });
    try {
      await eventually(async () => Object.values(await jobCounts(queue)).every((n) => n === 0), 15_000, 'the queue is empty');
    } finally {
      await stopAll(cleaner);
    }
  });

  it('a worker whose loadShard hangs drops the job once the fit has failed: its slot serves the next fit', async () => {
    const queue = 'hung';
    // One worker, one job at a time: the next fit has only the slot the hung job holds.
    const workers = await startWorkers(1, { connection, queue, lockDurationMs: 1000 });
    try {
      const specs = SPECS.map((s, i) => (i === 2 ? { ...s, hang: true } : s));
      const error = await fitDistributed(new GaussianMixture(mixtureOptions('diag')), specs, { connection, queue, jobTimeoutMs: 1500 }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'ERR_GAUSSMIX_SHARD', shard: 2 });
      // The worker, alive, finds the job's run over (its round's task gone) within
      // lockDurationMs / 2, and fails the job without retries; BullMQ removes it.
      await eventually(async () => Object.values(await jobCounts(queue)).every((n) => n === 0), 5000, 'the hung job dropped');
      const model = new GaussianMixture(mixtureOptions('diag'));
      await fitDistributed(model, SPECS, { connection, queue, jobTimeoutMs: 20_000 });
      expect(json(model)).toBe(json(new GaussianMixture(mixtureOptions('diag')).fitSync(ALL.X)));
    } finally {
      await stopAll(workers, 'SIGKILL');
    }
  });

  it('abort through signal rejects with an AbortError and removes the pending jobs and the keys', async () => {
    const queue = 'abort';
    const workers = await startWorkers(1, { connection, queue });
    try {
      const specs = SPECS.map((s) => ({ ...s, slowMs: 150 }));
      const ac = new AbortController();
      let statisticsRounds = 0;
      const model = new GaussianMixture(mixtureOptions('diag'));
      const fit = fitDistributed(model, specs, {
        connection,
        queue,
        signal: ac.signal,
        onRound: (r) => {
          if (r.task === 'statistics' && ++statisticsRounds === 1) setTimeout(() => ac.abort(), 300);
        },
      });
      await expect(fit).rejects.toBeInstanceOf(AbortError);
      expect(await runKeys()).toEqual([]);
      const counts = await jobCounts(queue);
      expect(counts.waiting + counts.delayed + counts.prioritized, 'no job left waiting').toBe(0);
      // The one job a worker held ends (its run is over) and goes too.
      await eventually(async () => Object.values(await jobCounts(queue)).every((n) => n === 0), 10_000, 'the queue is empty');
    } finally {
      await stopAll(workers);
    }
  });
});

describe('statistics from a worker are checked', () => {
  /** Valid statistics of shard 2 under a model of other K or D. */
  function statisticsOf(nComponents: number, d: number): Uint8Array {
    const { data } = shardRows(SPECS[2] as ShardSpec);
    const n = (SPECS[2] as ShardSpec).rows;
    const cut = Float64Array.from({ length: n * d }, (_, i) => data[Math.floor(i / d) * D + (i % d)] as number);
    const X = { data: cut, shape: [n, d] };
    const start = {
      weightsInit: Array.from({ length: nComponents }, () => 1 / nComponents),
      meansInit: Array.from({ length: nComponents }, (_, k) => Array.from({ length: d }, () => 3 * k)),
    };
    const model = new GaussianMixture({ nComponents, covarianceType: 'diag', maxIter: 0, ...start }).fitSync(X);
    return model.statistics(X).toBuffer();
  }

  const cases: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
    ['truncated', (b) => b.subarray(0, b.length - 5), /invalid data/],
    ['of another format version', (b) => Object.assign(b.slice(), { 4: 9 }), /format version 9/],
    ['not statistics at all', () => new TextEncoder().encode('hello, coordinator'), /invalid data: not valid gaussmix statistics/],
    ['of another K', () => statisticsOf(K + 1, D), /4 components instead of 3/],
    ['of another D', () => statisticsOf(K, D - 1), /2 features instead of 3/],
  ];
  for (const [what, corrupt, message] of cases) {
    it(`statistics ${what} fail the fit with an error naming the shard`, async () => {
      const queue = 'rogue';
      const worker = await rogueWorker(connection, queue, 2, (bytes, task) => (task.task === 'statistics' ? corrupt(bytes) : bytes));
      try {
        // A fitted model: the failed fit leaves its previous state as it was.
        const model = new GaussianMixture(mixtureOptions('diag', { maxIter: 2 })).fitSync(concatenate(SPECS.slice(0, 2)).X);
        const before = json(model);
        const error = await fitDistributed(model, SPECS, { connection, queue }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'ERR_GAUSSMIX_SHARD', shard: 2 });
        expect((error as Error).message).toMatch(/^fitDistributed: shard 2 \(\{"seed":102,"rows":4096,"d":3\}\) sent /);
        expect((error as Error).message).toMatch(message);
        expect(json(model)).toBe(before);
        expect(await runKeys()).toEqual([]);
      } finally {
        await worker.close();
      }
    });
  }
});

describe('connections', () => {
  it('passes credentials through to Redis (an ACL user), and a wrong password fails', async () => {
    await client.call('ACL', 'SETUSER', 'fitter', 'on', '>s3cret', '~*', '&*', '+@all');
    const queue = 'acl';
    const auth = { ...connection, username: 'fitter', password: 's3cret' };
    const worker = await startWorker({ connection: auth, queue, threads: 1, loadShard: (spec) => loadShard(spec as ShardSpec) as never });
    try {
      const model = new GaussianMixture(mixtureOptions('spherical'));
      await fitDistributed(model, SPECS, { connection: auth, queue });
      expect(json(model)).toBe(json(new GaussianMixture(mixtureOptions('spherical')).fitSync(ALL.X)));
      const wrong = { ...auth, password: 'wrong', maxRetriesPerRequest: 0, retryStrategy: () => null };
      await expect(fitDistributed(new GaussianMixture(mixtureOptions('spherical')), SPECS, { connection: wrong, queue })).rejects.toThrow(
        /WRONGPASS|invalid username-password/i,
      );
    } finally {
      await worker.close();
    }
  });
});

describe('a worker', () => {
  it('holds one job ahead of its computation when a round has more jobs than workers, computes `concurrency` at once, and gives fit\'s bits', async () => {
    const queue = 'ahead';
    const specs = SPECS.map((spec) => ({ ...spec, stream: BLOCK_ROWS }));
    const q = new Queue(queue, { connection, prefix: QUEUE_PREFIX });
    let reading = 0;
    let most = 0;
    let heldAhead = false;
    let reads = 0;
    const worker = await startWorker({
      connection,
      queue,
      threads: 1,
      concurrency: 1,
      loadShard: (spec) => {
        const rows = loadShard(spec as ShardSpec) as () => Iterable<unknown>;
        return async function* source() {
          most = Math.max(most, ++reading);
          try {
            // While a shard is read, the next shard's job is already the worker's (active), from
            // the second round on (the first tells the run how many workers there are).
            if (!heldAhead && ++reads > specs.length) {
              await eventually(async () => (await q.getActiveCount()) === 2, 5000, 'a second job held by the worker');
              heldAhead = true;
            }
            yield* rows();
          } finally {
            reading--;
          }
        } as never;
      },
    });
    try {
      const model = new GaussianMixture(mixtureOptions('diag'));
      await fitDistributed(model, specs, { connection, queue, jobTimeoutMs: 30_000 });
      expect(json(model)).toBe(json(new GaussianMixture(mixtureOptions('diag')).fitSync(ALL.X)));
      expect(heldAhead).toBe(true);
      expect(most).toBe(1);
    } finally {
      await worker.close();
      await q.close();
    }
  });
});

describe('Redis down', () => {
  it('before the fit: fitDistributed and startWorker reject with ERR_GAUSSMIX_REDIS, the model unchanged', async () => {
    // (A port that was free: nothing listens on it.)
    const gone = await startRedis();
    await gone.stop();
    const dead = { host: gone.host, port: gone.port };
    const model = new GaussianMixture(mixtureOptions('diag', { maxIter: 2 })).fitSync(concatenate(SPECS.slice(0, 2)).X);
    const before = json(model);
    const error = await fitDistributed(model, SPECS, { connection: dead }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_GAUSSMIX_REDIS' });
    expect((error as Error).message).toMatch(/^fitDistributed: cannot connect to Redis: .*ECONNREFUSED/);
    expect(json(model)).toBe(before);
    const workerError = await startWorker({ connection: dead, loadShard: () => [] }).catch((e: unknown) => e);
    expect(workerError).toMatchObject({ code: 'ERR_GAUSSMIX_REDIS' });
    expect((workerError as Error).message).toMatch(/^startWorker: cannot connect to Redis: .*ECONNREFUSED/);
  });

  it('in the middle of the fit: the fit rejects with ERR_GAUSSMIX_REDIS after the client gives up, the model unchanged', async () => {
    const own = await startRedis();
    const queue = 'down';
    const at = { host: own.host, port: own.port };
    const workers = await startWorkers(2, { connection: at, queue, lockDurationMs: 1000 });
    let stopped: Promise<void> | undefined;
    try {
      const model = new GaussianMixture(mixtureOptions('diag', { maxIter: 2 })).fitSync(concatenate(SPECS.slice(0, 2)).X);
      const before = json(model);
      const specs = SPECS.map((s, i) => (i === 3 ? { ...s, slowMs: 2000 } : s));
      const error = await fitDistributed(model, specs, {
        // (The client's own retries decide when Redis is gone: few, to keep the test short.)
        connection: { ...at, maxRetriesPerRequest: 2 },
        queue,
        onRound: (r) => void (r.task === 'statistics' && (stopped ??= own.stop())),
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_GAUSSMIX_REDIS' });
      expect((error as Error).message).toMatch(/^fitDistributed: lost the connection to Redis/);
      expect(json(model)).toBe(before);
    } finally {
      await stopAll(workers, 'SIGKILL');
      await (stopped ?? own.stop());
    }
  }, 60_000);
});

describe('Redis loses the run', () => {
  for (const how of ['restarts without its data', 'is flushed'] as const) {
    it(`${how} in the middle of the fit: the fit rejects at once with ERR_GAUSSMIX_REDIS (no jobTimeoutMs), the model unchanged`, async () => {
      const own = await startRedis();
      const queue = 'lost';
      const at = { host: own.host, port: own.port };
      const admin = new Redis({ ...at, maxRetriesPerRequest: null });
      admin.on('error', () => undefined);
      const workers = await startWorkers(2, { connection: at, queue, lockDurationMs: 1000 });
      try {
        const model = new GaussianMixture(mixtureOptions('diag', { maxIter: 2 })).fitSync(concatenate(SPECS.slice(0, 2)).X);
        const before = json(model);
        // Shard 3's jobs take 1.5 s: Redis loses the run while the coordinator waits for one.
        const specs = SPECS.map((s, i) => (i === 3 ? { ...s, slowMs: 1500 } : s));
        let lost: Promise<number> | undefined;
        const fit = fitDistributed(model, specs, {
          connection: at,
          queue,
          onRound: (r) => {
            if (r.task !== 'statistics' || lost) return;
            const losing = how === 'is flushed' ? admin.flushall() : own.restart();
            lost = losing.then(() => performance.now());
          },
        }).catch((e: unknown) => e);
        const error = await Promise.race([fit, new Promise((r) => setTimeout(() => r('still waiting after 20 s'), 20_000))]);
        const ended = performance.now();
        expect(error).toMatchObject({ code: 'ERR_GAUSSMIX_REDIS' });
        expect((error as Error).message).toMatch(
          /^fitDistributed: Redis lost the data of run '[^']+' \(.+\): it restarted without persistence, .*; the fit cannot go on: start it again$/,
        );
        expect(ended - (await (lost as Promise<number>)), 'ms from the loss to the error').toBeLessThan(6000);
        expect(json(model)).toBe(before);
        expect(await admin.keys(`${QUEUE_PREFIX}:*:runs:*`)).toEqual([]);
        // The workers go on: the fit started again gives fit's bits.
        const again = new GaussianMixture(mixtureOptions('diag'));
        await fitDistributed(again, SPECS, { connection: at, queue, jobTimeoutMs: 30_000 });
        expect(json(again)).toBe(json(new GaussianMixture(mixtureOptions('diag')).fitSync(ALL.X)));
      } finally {
        await stopAll(workers, 'SIGKILL');
        admin.disconnect();
        await own.stop();
      }
    }, 90_000);
  }

  it('restarts with its data (an append-only file): the fit goes on and gives fit\'s bits', async () => {
    const own = await startRedis({ aof: true });
    const queue = 'kept';
    const at = { host: own.host, port: own.port };
    const workers = await startWorkers(2, { connection: at, queue, lockDurationMs: 1000 });
    try {
      const specs = SPECS.map((s, i) => (i === 3 ? { ...s, slowMs: 1500 } : s));
      let restarted: Promise<void> | undefined;
      const model = new GaussianMixture(mixtureOptions('diag'));
      await fitDistributed(model, specs, { connection: at, queue, onRound: (r) => void (r.task === 'statistics' && (restarted ??= own.restart())) });
      await restarted;
      expect(json(model)).toBe(json(new GaussianMixture(mixtureOptions('diag')).fitSync(ALL.X)));
    } finally {
      await stopAll(workers, 'SIGKILL');
      await own.stop();
    }
  }, 90_000);
});

describe('the entry points', () => {
  const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 30_000 });

  it("require('gaussmix') and import('gaussmix') do not load bullmq or ioredis", () => {
    const r = node([
      '-e',
      `require('gaussmix');
       const loaded = () => Object.keys(require.cache).filter((f) => /node_modules[\\\\/](bullmq|ioredis)[\\\\/]/.test(f));
       if (loaded().length) throw new Error('loaded ' + loaded()[0]);
       import('gaussmix').then(() => console.log('ok ' + loaded().length));`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok 0');
  });

  it("a model from require('gaussmix') fits through import('gaussmix/distributed') (the two builds in one process)", () => {
    // (Rows of two separated clouds, a start that keeps both components alive: the old rows
    // were nearly collinear, a fit decided by its last bits. Every starting parameter given: with
    // only weights and means, the covariances' start would come from k-means, on every row in
    // memory but on a reservoir sample of the shards.)
    const r = node([
      '-e',
      `const { GaussianMixture } = require('gaussmix');
       const connection = { host: '127.0.0.1', port: ${connection.port} };
       const X = Float64Array.from({ length: 8192 * 2 }, (_, i) => { const s = Math.sin(i * 12.9898) * 43758.5453; return (s - Math.floor(s)) * 10 + (i % 4 < 2 ? 0 : 6); });
       const options = { nComponents: 2, maxIter: 3, tol: 0, weightsInit: [0.5, 0.5], meansInit: [[3, 6], [7, 10]], covariancesInit: [[[6, 0], [0, 6]], [[6, 0], [0, 6]]], warnings: 'silent' };
       import('gaussmix/distributed').then(async ({ startWorker, fitDistributed }) => {
         const worker = await startWorker({ connection, queue: 'dual', threads: 1,
           loadShard: ({ i }) => ({ data: X.subarray(i * 8192, (i + 1) * 8192), shape: [4096, 2] }) });
         const model = new GaussianMixture(options);
         await fitDistributed(model, [{ i: 0 }, { i: 1 }], { connection, queue: 'dual' });
         await worker.close();
         const expected = new GaussianMixture(options).fitSync({ data: X, shape: [8192, 2] });
         console.log(JSON.stringify(model.toJSON()) === JSON.stringify(expected.toJSON()) ? 'same' : 'differs');
       });`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('same');
  });

  it('without bullmq and ioredis the library loads, and the distributed entry says what to install', () => {
    const block = path.join(root, 'test', 'helpers', 'no-bullmq.cjs');
    const r = node([
      '--require',
      block,
      '-e',
      `const { GaussianMixture } = require('gaussmix');
       const report = (e) => console.log(JSON.stringify({ code: e.code, message: e.message }));
       require('gaussmix/distributed').startWorker({ connection: {}, loadShard: () => [] }).then(() => 0, report)
         .then(() => import('gaussmix'))
         .then(() => import('gaussmix/distributed'))
         .then((d) => d.fitDistributed(new GaussianMixture({ nComponents: 1 }), [1], { connection: {} }))
         .then(() => 0, report);`,
    ]);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { code: string; message: string });
    expect(lines, r.stderr).toHaveLength(2);
    for (const l of lines) {
      expect(l.code).toBe('ERR_GAUSSMIX_MISSING_DEPENDENCY');
      expect(l.message).toMatch(/npm install bullmq ioredis/);
    }
  });
});
