// Large inputs: N·D beyond 2^31 elements.
//
// What the code does (read, not run at that size — 2^31 doubles are 16 GiB):
// - native/: every row, element and block index is Eigen::Index (64-bit ptrdiff_t); sizes are
//   Index or size_t (n * d, n * k); the binding checks each typed array's true element count
//   (ElementLength) against n·d before reading it. Only iteration counts (maxIter, nInit) and
//   labels are 32-bit, and the TypeScript layer caps those (counts <= 2^31 − 1, labels < K).
//   So N·D > 2^31 is supported, as far as memory goes: X is used without a copy, and a fit
//   holds N·K responsibilities (doubles) besides.
// - JavaScript: one Float64Array holds at most 2^32 elements in node 20 (32 GiB), which bounds
//   N·D for an NDArray; nested rows are copied into one such array (a larger N·D is V8's
//   RangeError). Outputs that scale with the input or a count (predictProba N·K, transform N·K,
//   labels N, sample()'s n·D) are JavaScript allocations, whose failure is a catchable
//   RangeError (code ERR_GAUSSMIX_OUT_OF_MEMORY); the native side only fills them. sample()
//   still refuses n·D > 2^31 − 1 up front (the largest output it supports).
// - A shape that claims more elements than its data holds is a RangeError before any work or
//   allocation, whatever the claim; so is a strided view that would gather more elements than
//   its data holds; a Float64Array subclass (or one given an own `length`) is seen at its true
//   length, and a Proxy is not a typed array.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { ErrorCode, GaussianKMeans, GaussianMixture, KMeans, SoftKMeans, type NDArray } from '../lib/index.js';
import { outcome, type AnyModel } from './helpers/validity.js';

const TRAIN = [[0, 0], [1, 1], [5, 5], [6, 6], [0, 1], [5, 6]];
const MODELS: [string, () => AnyModel][] = [
  ['GaussianMixture', () => new GaussianMixture({ nComponents: 2, seed: 1 })],
  ['GaussianKMeans', () => new GaussianKMeans({ nComponents: 2, seed: 1 })],
  ['KMeans', () => new KMeans({ nClusters: 2, seed: 1 })],
  ['SoftKMeans', () => new SoftKMeans({ nClusters: 2, seed: 1 })],
];
const METHODS = ['fitSync', 'predict', 'predictProba', 'scoreSamples', 'score', 'bic', 'aic', 'transform'];

/** NDArrays whose shape claims 2^31 or more elements over 6 values of data. */
function fakes(): [string, unknown][] {
  class LyingLength extends Float64Array {
    override get length(): number {
      return 2 ** 31;
    }
  }
  const ownLength = Object.defineProperty(new Float64Array(6), 'length', { value: 2 ** 32 });
  const proxy = new Proxy(new Float64Array(6), { get: (t, k) => (k === 'length' ? 2 ** 31 : Reflect.get(t, k)) });
  return [
    ['shape [2^30, 2] over 6 values', { data: new Float64Array(6), shape: [2 ** 30, 2] }],
    ['shape [2^31, 2] over 6 values', { data: new Float64Array(6), shape: [2 ** 31, 2] }],
    ['shape [2^53 − 1, 2] over 6 values', { data: new Float64Array(6), shape: [2 ** 53 - 1, 2] }],
    ['shape [2^31, 2] of Float32Array', { data: new Float32Array(6), shape: [2 ** 31, 2] }],
    ['a broadcast view (stride [0, 1]) of [2^30, 2]', { data: new Float64Array(2), shape: [2 ** 30, 2], stride: [0, 1] }],
    ['a strided view of [2^31, 2] reaching past its data', { data: new Float64Array(6), shape: [2 ** 31, 2], stride: [2, 1], offset: 0 }],
    ['a Float64Array subclass whose length says 2^31', { data: new LyingLength(6), shape: [2 ** 30, 2] }],
    ['a Float64Array with an own length of 2^32', { data: ownLength, shape: [2 ** 31, 2] }],
    ['a Proxy of a Float64Array whose length says 2^31', { data: proxy, shape: [2 ** 30, 2] }],
    ['an array-like of 2^31 rows holding one', { length: 2 ** 31, 0: [1, 2] }],
    ['a shape array-like of length 2^31', { data: new Float64Array(6), shape: Object.assign([3, 2], { length: 2 ** 31 - 1 }) }],
  ];
}

describe('inputs that claim more than 2^31 elements', () => {
  for (const [name, make] of MODELS) {
    it(`${name}: every method rejects them with a TypeError/RangeError at once, allocating nothing`, () => {
      const model = make();
      model.fitSync(TRAIN);
      const before = JSON.stringify(model.toJSON());
      const rss = process.memoryUsage().rss;
      for (const [what, X] of fakes()) {
        for (const method of METHODS) {
          const fn = (model as unknown as Record<string, ((x: unknown) => unknown) | undefined>)[method];
          if (typeof fn !== 'function') continue;
          const t0 = performance.now();
          const r = outcome(() => fn.call(model, X));
          const ms = performance.now() - t0;
          expect(r.ok, `${method}(${what}) was accepted`).toBe(false);
          const err = (r as { error: Error & { code?: unknown } }).error;
          expect(err instanceof TypeError || err instanceof RangeError, `${method}(${what}): ${String(err)}`).toBe(true);
          expect(err.code, `${method}(${what}): ${err.message}`).toBe(ErrorCode.INVALID_ARGUMENT);
          // Rejected from the shape alone: walking a fake length of billions would take seconds
          // or minutes (1 s: room for a loaded machine).
          expect(ms, `${method}(${what}) took ${ms.toFixed(0)} ms`).toBeLessThan(1000);
        }
      }
      expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
      expect(JSON.stringify(model.toJSON())).toBe(before);
    });
  }

  it('fit (async) rejects a shape [2^31, 2] over 6 values with a RangeError before starting', async () => {
    const model = new GaussianMixture({ nComponents: 2, seed: 1 });
    const X = { data: new Float64Array(6), shape: [2 ** 31, 2] } as NDArray;
    await expect(model.fit(X)).rejects.toThrow(RangeError);
    expect(model.isFitted).toBe(false);
  });

  it('sample(n) with n·D beyond 2^31 − 1 values is a RangeError', () => {
    const gm = new GaussianMixture({ nComponents: 2, seed: 1 }).fitSync(TRAIN);
    for (const n of [2 ** 30, 2 ** 31 - 1]) {
      expect(() => gm.sample(n)).toThrow(/exceeds the largest output/);
    }
  });
});

// predictProba, scoreSamples, predict and transform work block by block: beyond their output,
// a call on 1,000,000 × 4 rows with K = 16 (predictProba: 128 MB) holds only per-thread block
// scratch. A whole N × K temporary would add another 128 MB.
// (Not under the sanitizers: their shadow memory and quarantine are what RSS would measure.)
describe.skipIf(!!process.env.GAUSSMIX_SANITIZED)('predictions on large N: memory beyond the output stays bounded', () => {
  const dist = path.resolve(__dirname, '..', 'dist', 'esm', 'index.js');
  const script = path.resolve(__dirname, 'helpers', 'prediction-peak-rss.mjs');
  for (const method of ['predictProba', 'scoreSamples', 'predict', 'transform']) {
    it(`${method}: peak RSS rises by at most its output + 32 MiB`, () => {
      expect(fs.existsSync(dist), 'the script loads dist/esm: run npm run build:ts').toBe(true);
      const r = spawnSync(process.execPath, ['--expose-gc', script, method], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, `exit status (stderr: ${r.stderr.slice(0, 300)})`).toBe(0);
      const { outputBytes, riseBytes } = JSON.parse(r.stdout) as { outputBytes: number; riseBytes: number };
      expect(riseBytes).toBeLessThan(outputBytes + 32 * 2 ** 20);
    }, 130_000);
  }
});
