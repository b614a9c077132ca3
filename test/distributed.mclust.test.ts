/**
 * mclust's parametrisations through gaussmix/distributed (issue 17: "streamed and distributed
 * fits must work for every name"): the iterative M-steps carry an inner state from iteration to
 * iteration, and a noise component and a prior change the M-step; over 2 worker processes and
 * 7 shards each gives `model.fit`'s bits on the concatenated rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fitDistributed } from '../lib/distributed/index.js';
import { BLOCK_ROWS, GaussianMixture, type CovarianceType, type GaussianMixtureOptions } from '../lib/index.js';
import { checkFreshDist, startWorkers, stopAll, type Child } from './helpers/distributed.js';
import { startRedis, type RedisServer } from './helpers/redis-server.js';
import { concatenate, type ShardSpec } from './helpers/shards.mjs';

const D = 3;
const K = 3;
const SPECS: ShardSpec[] = [1, 2, 1, 1, 2, 1].map((blocks, i) => ({ seed: 300 + i, rows: blocks * BLOCK_ROWS, d: D }));
SPECS.push({ seed: 306, rows: 1777, d: D });
const ALL = concatenate(SPECS);

/** A start every parametrisation accepts: the identity for every component. */
const eye = (): number[][] => Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? 1 : 0)));
function options(type: CovarianceType, extra: Partial<GaussianMixtureOptions> = {}): GaussianMixtureOptions {
  return {
    nComponents: K,
    covarianceType: type,
    maxIter: 5,
    tol: 0,
    threads: 1,
    weightsInit: [0.2, 0.3, 0.5],
    meansInit: [
      [0.5, 0.5, 0.5],
      [3, -3, 3],
      [9, -9, 9],
    ],
    covariancesInit: [eye(), eye(), eye()],
    ...extra,
  };
}

const json = (model: { toJSON(): unknown }): string => JSON.stringify(model.toJSON());

let server: RedisServer;
let workers: Child[];
let connection: { host: string; port: number };
const queue = 'mclust';

beforeAll(async () => {
  checkFreshDist();
  server = await startRedis();
  connection = { host: server.host, port: server.port };
  workers = await startWorkers(2, { connection, queue, lockDurationMs: 2000 });
});

afterAll(async () => {
  await stopAll(workers ?? []);
  await server?.stop();
});

describe("mclust's names over 2 workers and 7 shards", () => {
  // Closed form (EII, EEE), iterative with an inner state (VEI, VVE, EVE), orientation varying (EEV).
  for (const type of ['EII', 'EEE', 'VEI', 'EEV', 'EVE', 'VVE'] as const) {
    it(`${type}: model.fit's bits, the M-step's inner state included`, async () => {
      const expected = new GaussianMixture(options(type)).fitSync(ALL.X);
      const model = new GaussianMixture(options(type));
      await fitDistributed(model, SPECS, { connection, queue });
      expect(json(model)).toBe(json(expected));
    });
  }

  it('VVV with a uniform noise component (a given hypervolume) and a given prior', async () => {
    const extra: Partial<GaussianMixtureOptions> = {
      noise: { hypervolume: 5000 },
      prior: { shrinkage: 0.01, mean: [0, 0, 0], dof: 5, scale: [[2, 0, 0], [0, 2, 0], [0, 0, 2]] },
      weightsInit: [0.2, 0.3, 0.4, 0.1],
    };
    const expected = new GaussianMixture(options('VVV', extra)).fitSync(ALL.X);
    const model = new GaussianMixture(options('VVV', extra));
    await fitDistributed(model, SPECS, { connection, queue });
    expect(json(model)).toBe(json(expected));
    expect(model.weights.length).toBe(K + 1);
  });
});
