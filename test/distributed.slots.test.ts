// lib/distributed/slots.ts: a worker's limit on the computations it runs at once (it holds one
// job more than it computes).
import { describe, expect, it } from 'vitest';

import { Slots } from '../lib/distributed/slots.js';

/** A computation that ends when told to, recording how many run at once. */
function gate(log: string[], running: { now: number; most: number }, name: string) {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const fn = async (): Promise<string> => {
    running.now++;
    running.most = Math.max(running.most, running.now);
    log.push(`start ${name}`);
    await ended;
    running.now--;
    log.push(`end ${name}`);
    return name;
  };
  return { fn, end };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Slots', () => {
  it('runs at most `count` functions at once, the others in arrival order as slots free up', async () => {
    const log: string[] = [];
    const running = { now: 0, most: 0 };
    const slots = new Slots(2);
    const g = ['a', 'b', 'c', 'd'].map((name) => gate(log, running, name));
    const results = g.map(({ fn }) => slots.run(fn));
    await turn();
    expect(log).toEqual(['start a', 'start b']);
    g[1]!.end();
    await turn();
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    g[0]!.end();
    g[2]!.end();
    g[3]!.end();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect(running.most).toBe(2);
  });

  it('frees the slot of a function that throws', async () => {
    const slots = new Slots(1);
    const failing = slots.run(async () => {
      throw new Error('boom');
    });
    const next = slots.run(async () => 'next');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    // (The slot is free again: a third runs at once.)
    let started = false;
    const third = slots.run(async () => void (started = true));
    await turn();
    expect(started).toBe(true);
    await third;
  });
});
