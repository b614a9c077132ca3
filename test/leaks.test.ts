// Leaks: 10,000 fit/predict/toJSON cycles on small data keep the resident set flat.
//
// Each cycle makes a new estimator (GaussianMixture of each covariance type, GaussianKMeans,
// KMeans, SoftKMeans in turn), fits it on N = 200, D = 4 — every other cycle through the
// asynchronous path (AsyncWorker, promise, ThreadSafeFunction for onIteration, cancel hook),
// the others synchronously — predicts, computes responsibilities, writes its JSON and restores
// it, and now and then goes through a failure path (an aborted fit, a throwing onIteration, a
// collapsed component, bad input). Each native fit starts and joins its own 2 threads.
//
// The bound. Two one-off steps are not leaks and are taken out in the warm-up: glibc makes its
// malloc arenas lazily, under contention (bursts of 16 concurrent fits make them all), and V8
// doubles its young generation once, +16 MB of heap, after a few thousand cycles (forced
// early, then 2,000 more cycles to settle). After that, RSS sampled after a forced GC every 1,000 cycles was flat to within
// ±0.6 MB over 10,000 cycles in every run measured (node 20, glibc, 2 cores). A leak is linear
// in the number of cycles: the test bounds the growth over the last 5,000 cycles to 3 MB
// (~600 bytes per cycle) and over all 10,000 to 8 MB (~800 bytes per cycle). Anything a cycle
// allocates natively is bigger — X is 6.4 KB, the responsibilities 4.8 KB, the labels 0.8 KB,
// an async fit's worker, promise and callback well over 1 KB, a thread's stack and TLS more —
// so leaking any one of them per fit fails it (a deliberate 512-byte-per-cycle leak grew
// 11 MB over 5,000 cycles). The JavaScript side must not grow either: heap in use after GC
// within 2 MB, ArrayBuffers within 1 MB.
//
// Skipped under the sanitizer build (ASan's quarantine and shadow memory make RSS meaningless).
import v8 from 'node:v8';
import vm from 'node:vm';

import { describe, expect, it } from 'vitest';

import { GaussianKMeans, GaussianMixture, KMeans, SoftKMeans, type NDArray } from '../lib/index.js';
import { mulberry32, normalSource } from './helpers/random.js';
import type { AnyModel } from './helpers/validity.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const N = 200;
const D = 4;
const X: NDArray = (() => {
  const normal = normalSource(mulberry32(5));
  const data = new Float64Array(N * D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) data[i * D + j] = (i % 3) * 5 + normal();
  return { data, shape: [N, D] };
})();
const COLLAPSED = Array.from({ length: 10 }, () => [1, 2]);

const MAKERS: (() => AnyModel)[] = [
  ...(['full', 'tied', 'diag', 'spherical'] as const).map(
    (covarianceType) => () => new GaussianMixture({ nComponents: 3, covarianceType, seed: 1, maxIter: 10, threads: 2 }),
  ),
  () => new GaussianKMeans({ nComponents: 3, seed: 1, maxIter: 10, threads: 2 }),
  () => new KMeans({ nClusters: 3, seed: 1, maxIter: 10, threads: 2 }),
  () => new SoftKMeans({ nClusters: 3, seed: 1, maxIter: 10, threads: 2 }),
];

async function cycle(i: number): Promise<void> {
  const m = MAKERS[i % MAKERS.length]!() as GaussianMixture; // (one type for the calls below)
  if (i % 2) await m.fit(X, { onIteration: () => undefined });
  else m.fitSync(X);
  m.predict(X);
  if (typeof m.predictProba === 'function') m.predictProba(X);
  const back = (m.constructor as unknown as { fromJSON(j: unknown): AnyModel }).fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
  back.predict(X);
  switch (i % 50) {
    case 3: {
      const ac = new AbortController();
      await m.fit(X, { signal: ac.signal, onIteration: (info) => void (info.iter === 2 && ac.abort()) }).catch(() => undefined);
      break;
    }
    case 13:
      await m.fit(X, { onIteration: () => { throw new Error('stop'); } }).catch(() => undefined);
      break;
    case 23:
      await new GaussianMixture({ nComponents: 2, regCovar: 0, seed: 1 }).fit(COLLAPSED).catch(() => undefined);
      break;
    case 33:
      try {
        m.predict([[1, 2, 3]]);
      } catch {
        // expected: wrong D
      }
      break;
  }
}

const mb = (bytes: number): number => bytes / 2 ** 20;

/**
 * A full GC, then another after a pause: V8 sweeps ArrayBuffers' backing stores concurrently,
 * so right after one gc() the ArrayBuffers count can still hold some that are already dead.
 */
async function collect(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  gc();
}

/** Allocates ~50 MB of short-lived arrays, most surviving a scavenge: V8 grows new space. */
function growYoungGeneration(): void {
  let keep: unknown[] = [];
  for (let i = 0; i < 1.5e6; i++) {
    keep.push([i, i]);
    if (keep.length > 1e5) keep = [];
  }
}

describe('leaks', () => {
  it.skipIf(process.env.GAUSSMIX_SANITIZED === '1')(
    '10,000 fit/predict/toJSON cycles keep RSS flat (last 5,000 cycles grow < 3 MB, all < 8 MB)',
    async () => {
      // Warm-up, with bursts of concurrent fits so that the allocator has made every arena it
      // will make (glibc creates them lazily under contention: a late one is a one-off step),
      // and V8's young generation grown to its maximum (it doubles once, by 16 MB, after a few
      // thousand cycles otherwise: a one-off step too). Then 1,000 cycles to settle.
      for (let i = 0; i < 2000; i++) {
        await cycle(i);
        if (i % 250 === 0) await Promise.all(Array.from({ length: 16 }, (_, j) => cycle(i + j)));
      }
      growYoungGeneration();
      gc();
      for (let i = 0; i < 2000; i++) await cycle(i);
      await collect();
      const base = process.memoryUsage();
      const rss: number[] = [];
      for (let block = 1; block <= 10; block++) {
        for (let i = 0; i < 1000; i++) await cycle(block * 1000 + i);
        await collect();
        rss.push(mb(process.memoryUsage().rss - base.rss));
      }
      const end = process.memoryUsage();
      const trace = rss.map((v) => v.toFixed(1)).join(' ');
      console.log(
        `[leaks] RSS growth (MB) after each 1,000 cycles: ${trace}; heap ${mb(end.heapUsed - base.heapUsed).toFixed(2)} MB, ArrayBuffers ${mb(end.arrayBuffers - base.arrayBuffers).toFixed(2)} MB`,
      );
      expect(rss[9]! - rss[4]!, `RSS over the last 5,000 cycles (MB): ${trace}`).toBeLessThan(3);
      expect(rss[9]!, `RSS over 10,000 cycles (MB): ${trace}`).toBeLessThan(8);
      expect(mb(end.heapUsed - base.heapUsed), 'JavaScript heap in use after GC (MB)').toBeLessThan(2);
      expect(mb(end.arrayBuffers - base.arrayBuffers), 'ArrayBuffers reachable after GC (MB)').toBeLessThan(1);
    },
    120_000,
  );
});
