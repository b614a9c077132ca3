/**
 * The time slices of fit() (lib/slices.ts): work runs at once while the turn's slice has time
 * left, then in later turns, in order, at most SLICE_MS of it per turn. The clock is faked
 * (every piece of work "takes" a fixed time), so the test does not depend on the machine's
 * speed; then many real concurrent fits give the same models as fitSync.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { KMeans, type NDArray } from '../lib/index.js';
import { inSlice, SLICE_MS } from '../lib/slices.js';
import { expectIdentical } from './helpers/compare.js';
import { mulberry32 } from './helpers/random.js';
import { captureNextTickErrors } from './helpers/uncaught.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('inSlice', () => {
  // Each test starts at a turn of its own: the slice of the previous one is closed.
  beforeEach(nextTurn);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('runs work at once while the slice lasts, then at most one slice of it per turn, in order', async () => {
    let clock = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const ran: [number, number][] = []; // [work, turn]
    let turn = 0;
    const work = (i: number) => () => {
      ran.push([i, turn]);
      clock += 1; // every piece of work takes 1 ms
    };
    for (let i = 0; i < 10; i++) inSlice(work(i));
    // SLICE_MS (4) pieces of 1 ms ran synchronously; the rest wait for later turns.
    expect(ran.map(([i]) => i)).toEqual([0, 1, 2, 3].slice(0, SLICE_MS));
    while (ran.length < 10) {
      turn++;
      await nextTurn();
    }
    expect(ran.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const perTurn = new Map<number, number>();
    for (const [, t] of ran) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    for (const count of perTurn.values()) expect(count).toBeLessThanOrEqual(SLICE_MS);
    expect(perTurn.size).toBeGreaterThanOrEqual(3);
  });

  it('a new turn opens a new slice: a lone piece of work later never waits', async () => {
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    let ran = 0;
    inSlice(() => {
      ran++;
      clock += 10; // longer than a slice
    });
    await nextTurn();
    await nextTurn();
    inSlice(() => ran++);
    expect(ran).toBe(2);
  });

  it('work queued behind other work waits even when the clock allows it (order is kept)', async () => {
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const order: string[] = [];
    inSlice(() => {
      order.push('a');
      clock += SLICE_MS; // the slice is used up
    });
    inSlice(() => order.push('b'));
    clock = 0; // (even if time went backwards, b is queued: c must not overtake it)
    inSlice(() => order.push('c'));
    expect(order).toEqual(['a']);
    await nextTurn();
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('an exception in a piece of work is reported as uncaught, and the queue goes on', async () => {
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const ran: string[] = [];
    const errors = await captureNextTickErrors(async () => {
      clock += SLICE_MS; // queue from the start
      inSlice(() => ran.push('first'));
      clock = 0;
      await nextTurn();
      inSlice(() => {
        throw new Error('boom');
      });
      inSlice(() => ran.push('after'));
      await nextTurn();
    });
    expect(ran).toEqual(['first', 'after']);
    expect(errors).toHaveLength(1);
  });
});

describe('a fit() queued behind others', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("reads X's rows, Float32 data and sampleWeight at the call: later edits do not reach it", async () => {
    await nextTurn();
    const u = mulberry32(4);
    const rows = Array.from({ length: 200 }, (_, i) => [(i % 3) * 10 + u(), u()]);
    const f32 = Float32Array.from(rows.flat());
    const weights = Array.from({ length: 200 }, () => 1 + u());
    const options = { nClusters: 3, seed: 1 };
    const reference = new KMeans(options).fitSync(rows, { sampleWeight: weights });
    // The slice is used up: every fit started in this turn is queued for a later one.
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    inSlice(() => {
      clock += 2 * SLICE_MS;
    });
    const fromRows = new KMeans(options).fit(rows, { sampleWeight: weights });
    const fromF32 = new KMeans(options).fit({ data: f32, shape: [200, 2] }, { sampleWeight: Float64Array.from(weights) });
    const f32Reference = new KMeans(options).fitSync({ data: Float32Array.from(f32), shape: [200, 2] }, { sampleWeight: weights });
    for (const row of rows) row[0] = NaN; // (before: "X contains a non-finite value")
    weights.fill(0, 0, 150);
    weights[199] = -1; // (checked when the fit starts, but on the copy)
    f32.fill(NaN);
    vi.restoreAllMocks();
    expectIdentical((await fromRows).clusterCenters, reference.clusterCenters, 'rows');
    expectIdentical((await fromF32).clusterCenters, f32Reference.clusterCenters, 'Float32 data');
  });

  it('rejects bad X at once, before the queue is worked through; bad weights as before', async () => {
    await nextTurn();
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    inSlice(() => {
      clock += 2 * SLICE_MS;
    });
    const model = new KMeans({ nClusters: 2 });
    let outcome: unknown = 'pending';
    model.fit([[1, 2], [NaN, 3], [4, 5]]).then(
      () => (outcome = 'resolved'),
      (e: unknown) => (outcome = e),
    );
    for (let i = 0; i < 5; i++) await null; // microtasks only: no later turn of the event loop
    expect(outcome).toBeInstanceOf(RangeError);
    const weighted = model.fit([[1], [2], [3]], { sampleWeight: [1, -1, 1] }); // the instance is free again
    await expect(weighted).rejects.toThrow(/sampleWeight\[1\]/);
    vi.restoreAllMocks();
  });
});

describe('many concurrent fits', () => {
  it('2,000 concurrent fit() calls give the models fitSync gives', async () => {
    const u = mulberry32(9);
    const X: NDArray = { data: Float64Array.from({ length: 500 * 2 }, u), shape: [500, 2] };
    const models = await Promise.all(Array.from({ length: 2000 }, (_, seed) => new KMeans({ nClusters: 3, seed }).fit(X)));
    for (const seed of [0, 1, 777, 1999]) {
      const sync = new KMeans({ nClusters: 3, seed }).fitSync(X);
      expectIdentical(models[seed]!.clusterCenters, sync.clusterCenters, `seed ${seed}`);
    }
  });
});
