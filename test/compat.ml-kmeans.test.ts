// gaussmix/compat/ml-kmeans side by side with ml-kmeans 7 itself: from the same explicit start,
// the same clusters, centroids (to the bit), iteration count and convergence flag; its rules on
// ties (the first centre wins), empty clusters (kept), tolerance, budgets and error messages.
import * as ml from 'ml-kmeans';
import { describe, expect, test } from 'vitest';

import { kmeans, kmeansGenerator, type Options } from '../lib/compat/ml-kmeans.js';
import { blobs, copyRows, grid, pickRows } from './helpers/compat-data.js';

function expectSame(data: number[][], K: number, options: Options): void {
  const expected = ml.kmeans(data, K, { ...options } as ml.Options);
  const actual = kmeans(data, K, { ...options });
  expect(actual.clusters).toEqual(expected.clusters);
  expect(actual.centroids).toEqual(expected.centroids);
  expect(actual.iterations).toBe(expected.iterations);
  expect(actual.converged).toBe(expected.converged);
  expect(actual.computeInformation(data)).toEqual(expected.computeInformation(data));
}

describe('ml-kmeans drop-in: same results as ml-kmeans 7 from explicit starts', () => {
  const cases: [n: number, d: number, k: number][] = [
    [50, 1, 2],
    [1000, 2, 3],
    [2000, 3, 5],
    [5000, 8, 16],
    [800, 5, 3],
    [1500, 9, 5],
    [3000, 13, 7],
    [20000, 16, 32],
    [100000, 16, 16],
  ];
  for (const [n, d, k] of cases) {
    test(`blobs N=${n} D=${d} K=${k}`, () => {
      const data = blobs(2000 + n + d + k, n, d, k);
      const maxIterations = n >= 20000 ? 8 : 100;
      expectSame(data, k, { initialization: pickRows(3 + k, data, k), maxIterations });
      // A tolerance of 0: every centre must stop moving.
      if (n <= 2000) expectSame(data, k, { initialization: pickRows(3 + k, data, k), tolerance: 0 });
    });
  }

  test('integer grids: exact ties go to the first centre', () => {
    for (const [d, k] of [
      [1, 2],
      [1, 4],
      [2, 3],
      [3, 6],
      [4, 8],
      // (K·D >= 24: Hamerly's bounds from the second step, rows recomputed four at a time)
      [6, 9],
      [10, 12],
      [16, 20],
    ] as const) {
      const data = grid(50 + d, 400, d, 5);
      expectSame(data, k, { initialization: pickRows(d + k, data, k), tolerance: 0 });
    }
    // [2, 0] is as near to [1, 0] as to [3, 0]: ml-kmeans puts it with the first.
    expect(kmeans([[0, 0], [2, 0], [4, 0]], 2, { initialization: [[1, 0], [3, 0]], maxIterations: 1 }).clusters).toEqual([0, 0, 1]);
  });

  test('empty clusters keep their centre', () => {
    const data = blobs(6, 500, 2, 2);
    expectSame(data, 3, { initialization: [data[0] as number[], data[1] as number[], [1000, 1000]] });
    // Duplicate starts: every point ties, the later duplicate stays empty.
    expectSame(data, 3, { initialization: [data[0] as number[], (data[0] as number[]).slice(), data[1] as number[]] });
  });

  test('iteration budgets and tolerances', () => {
    const data = blobs(9, 2000, 2, 4, 2);
    const start = pickRows(3, data, 4);
    for (const maxIterations of [1, 2, 3, 0, 2.5]) expectSame(data, 4, { initialization: start, maxIterations });
    for (const tolerance of [1e-2, 1e-9, 0]) expectSame(data, 4, { initialization: start, tolerance });
    expect(() => kmeans(data, 4, { initialization: start, maxIterations: -1 })).toThrow('unreachable: no kmeans step executed');
  });

  test('a custom distance runs ml-kmeans\'s loop', () => {
    const manhattan = (p: number[], q: number[]) => p.reduce((s, v, i) => s + Math.abs(v - (q[i] as number)), 0);
    const data = grid(11, 300, 2, 6);
    expectSame(data, 3, { initialization: pickRows(2, data, 3), distanceFunction: manhattan });
  });

  test('kmeansGenerator yields every step as ml-kmeans does', () => {
    const data = blobs(16, 1500, 3, 4, 2);
    const start = pickRows(8, data, 4);
    const snapshot = (r: ReturnType<typeof ml.kmeans> | ReturnType<typeof kmeans>) => ({
      clusters: r.clusters.slice(),
      centroids: r.centroids,
      converged: r.converged,
      iterations: r.iterations,
    });
    // Snapshots as each step is yielded: the shared clusters array changes afterwards.
    const expected: unknown[] = [];
    for (const step of ml.kmeansGenerator(data, 4, { initialization: copyRows(start) })) expected.push(snapshot(step));
    const actual: unknown[] = [];
    for (const step of kmeansGenerator(data, 4, { initialization: copyRows(start) })) actual.push(snapshot(step));
    expect(expected.length).toBeGreaterThan(2);
    expect(actual).toEqual(expected);
  });

  test('nearest() and computeInformation() agree with ml-kmeans', () => {
    const data = blobs(17, 800, 2, 3);
    const start = pickRows(9, data, 3);
    const ours = kmeans(data, 3, { initialization: start });
    const theirs = ml.kmeans(data, 3, { initialization: start });
    const probe = blobs(18, 50, 2, 3);
    expect(ours.nearest(probe)).toEqual(theirs.nearest(probe));
  });

  test('seeded starts are reproducible and end at a fixed point of ml-kmeans', () => {
    const data = blobs(19, 3000, 4, 5);
    for (const initialization of ['kmeans++', 'random', 'mostDistant'] as const) {
      const a = kmeans(data, 5, { initialization, seed: 42, tolerance: 0 });
      const b = kmeans(data, 5, { initialization, seed: 42, tolerance: 0 });
      expect(b.centroids).toEqual(a.centroids);
      expect(a.converged).toBe(true);
      const again = ml.kmeans(data, 5, { initialization: copyRows(a.centroids), tolerance: 0 });
      expect(again.iterations).toBe(1);
      expect(again.centroids).toEqual(a.centroids);
    }
  });

  test('the same errors as ml-kmeans for the same bad input', () => {
    const data = [
      [1, 2],
      [3, 4],
    ];
    const cases: [number, Options][] = [
      [3, {}],
      [0, {}],
      [1.5, {}],
      [2, { initialization: [[1, 2]] }],
      [2, { initialization: 'nope' as never }],
      [2, { initialization: copyRows(data), maxIterations: -1 }],
      // ml-random's refusal of a seed that is not an integer (where a seeding draws)
      [2, { initialization: 'kmeans++', seed: 1.5 }],
      [2, { initialization: 'random', seed: NaN }],
      [2, { initialization: 'mostDistant', seed: 0.25 }],
      // distanceFunction given as undefined replaces the default
      [2, { initialization: 'kmeans++', distanceFunction: undefined }],
    ];
    for (const [K, options] of cases) {
      const theirs = (() => {
        try {
          ml.kmeans(data, K, options as ml.Options);
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      })();
      expect(() => kmeans(data, K, options)).toThrow(theirs);
    }
    // Strings and null: ml-random fails with an unrelated TypeError; the drop-in says what is wrong.
    for (const seed of ['abc', null]) expect(() => kmeans(data, 2, { seed: seed as never })).toThrow(new TypeError('seed must be an integer'));
    expect(() => kmeans([[1, 2], [3]], 1, { initialization: [[1, 2]] })).toThrow(RangeError);
    expect(() => kmeans([[1, 2], [3, Infinity]], 1, { initialization: [[1, 2]] })).toThrow(/data\[1\]\[1\]/);
  });
});
