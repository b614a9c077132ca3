// The packed options of K-means family fits (lib/centroid-packing.ts): the binding reads them
// into the very options it reads from the object, so a packed fit and an object fit give the
// same bits for every field the packer carries; options it cannot pack stay objects; malformed
// packed numbers are a TypeError naming the field.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { packCentroidOptions, unpackKMeansFit } from '../lib/centroid-packing.js';
import type { NativeKMeansFit, NativeKMeansOptions, NativeSoftKMeansFit, NativeSoftKMeansOptions } from '../lib/native.js';
import { mulberry32, normalSource } from './helpers/random.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The addon's own exports (the object path and the packed path side by side). */
interface Raw {
  fitKMeansAsync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeKMeansOptions | Float64Array,
    onIteration: undefined,
    done: (error: unknown, fit: Float64Array) => void,
  ): number;
  fitKMeansSync(X: Float64Array, n: number, d: number, options: NativeKMeansOptions | Float64Array): Float64Array;
  fitSoftKMeansSync(X: Float64Array, n: number, d: number, options: NativeSoftKMeansOptions | Float64Array): NativeSoftKMeansFit;
}
const raw = (createRequire(import.meta.url)('node-gyp-build') as (dir: string) => Raw)(root);

const n = 300;
const d = 3;
const X = (() => {
  const normal = normalSource(mulberry32(5));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = 3 * (i % 4) + normal();
  return x;
})();

const kmeans: NativeKMeansOptions = { nClusters: 4, tol: 1e-4, maxIter: 300, nInit: 1, seed: 7, threads: 1, init: 'k-means++' };
const soft: NativeSoftKMeansOptions = { ...kmeans, stiffness: 2, tol: 1e-6, maxIter: 100 };

const variants: Partial<NativeKMeansOptions>[] = [
  {},
  { init: 'random', seed: 3 },
  { nInit: 3, threads: 2 },
  { tol: 0, maxIter: 4, seed: 2 ** 40 + 1 },
  { nClusters: 1, threads: 0 },
];

describe('packed K-means family options', () => {
  it.each(variants.map((v) => [JSON.stringify(v), v] as const))('fit the bits of the object options %s', (_, v) => {
    const k = { ...kmeans, ...v };
    const packedK = packCentroidOptions(k);
    expect(packedK).toBeInstanceOf(Float64Array);
    expect(unpackKMeansFit(n, raw.fitKMeansSync(X, n, d, packedK))).toEqual(unpackKMeansFit(n, raw.fitKMeansSync(X, n, d, k)));
    const s = { ...soft, ...v, stiffness: 0.5 + (v.seed ?? 1) % 3 };
    const packedS = packCentroidOptions(s);
    expect(packedS).toBeInstanceOf(Float64Array);
    expect(raw.fitSoftKMeansSync(X, n, d, packedS)).toEqual(raw.fitSoftKMeansSync(X, n, d, s));
  });

  it('leave options with arrays, other fields or inits they do not know as objects', () => {
    for (const extra of [
      { sampleWeight: new Float64Array(n).fill(1) },
      { init: 'given', centersInit: X.slice(0, 4 * d) },
      { float32Shortlist: false },
      { init: 'nonsense' },
    ]) {
      const options = { ...kmeans, ...extra } as NativeKMeansOptions;
      expect(packCentroidOptions(options)).toBe(options);
    }
  });

  it('reuse one buffer, read by the binding before a fit returns (async fits started back to back)', async () => {
    const seeds = [11, 12, 13];
    const first = packCentroidOptions({ ...kmeans, seed: seeds[0] as number });
    expect(packCentroidOptions({ ...kmeans, seed: 99 })).toBe(first);
    const fits = seeds.map(
      (seed) =>
        new Promise<NativeKMeansFit>((resolve, reject) => {
          raw.fitKMeansAsync(X, n, d, packCentroidOptions({ ...kmeans, seed, init: 'random' }), undefined, (error, fit) =>
            error === undefined || error === null ? resolve(unpackKMeansFit(n, fit)) : reject(error),
          );
        }),
    );
    // The buffer now holds other numbers; each fit keeps the seed it was started with.
    packCentroidOptions({ ...kmeans, seed: 1, nClusters: 2 });
    const results = await Promise.all(fits);
    results.forEach((fit, i) => {
      expect(fit).toEqual(unpackKMeansFit(n, raw.fitKMeansSync(X, n, d, { ...kmeans, seed: seeds[i] as number, init: 'random' })));
    });
    expect(results[0]).not.toEqual(results[1]);
  });

  it.each([
    [4, Uint8Array],
    [257, Uint16Array],
  ] as const)('cut a fit with K = %i into views: labels in the narrowest type, nearest centres', (k, type) => {
    const fit = unpackKMeansFit(n, raw.fitKMeansSync(X, n, d, { ...kmeans, nClusters: k, init: 'random', maxIter: 3 }));
    expect(fit.labels).toBeInstanceOf(type);
    expect(fit.labels.length).toBe(n);
    expect(fit.clusterCenters.length).toBe(k * d);
    expect(fit.clusterWeights.length).toBe(k);
    expect(fit.clusterWeights.reduce((a, b) => a + b, 0)).toBe(n);
    expect(fit.nIter).toBeGreaterThanOrEqual(1);
    let inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let c = 0; c < k; c++) {
        let e = 0;
        for (let j = 0; j < d; j++) e += ((X[i * d + j] as number) - (fit.clusterCenters[c * d + j] as number)) ** 2;
        best = Math.min(best, e);
      }
      const own = fit.labels[i] as number;
      let e = 0;
      for (let j = 0; j < d; j++) e += ((X[i * d + j] as number) - (fit.clusterCenters[own * d + j] as number)) ** 2;
      expect(e).toBeLessThanOrEqual(best * (1 + 1e-12));
      inertia += e;
    }
    expect(fit.inertia).toBeCloseTo(inertia, 8);
  });

  it('name the field of a malformed packed number', () => {
    const cases: [number, number, RegExp][] = [
      [0, -1, /nClusters/],
      [1, NaN, /tol/],
      [2, 1.5, /maxIter/],
      [4, 0.5, /seed/],
      [6, 2, /init/],
    ];
    for (const [field, value, message] of cases) {
      const packed = packCentroidOptions(kmeans) as Float64Array;
      packed[field] = value;
      expect(() => raw.fitKMeansSync(X, n, d, packed)).toThrow(TypeError);
      expect(() => raw.fitKMeansSync(X, n, d, packed)).toThrow(message);
    }
    const packed = packCentroidOptions(soft) as Float64Array;
    packed[7] = NaN;
    expect(() => raw.fitSoftKMeansSync(X, n, d, packed)).toThrow(/stiffness/);
    expect(() => raw.fitKMeansSync(X, n, d, new Float64Array(3))).toThrow(TypeError);
  });
});
