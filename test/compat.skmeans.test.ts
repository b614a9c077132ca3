// gaussmix/compat/skmeans side by side with skmeans 0.11 itself: from the same explicit start,
// the same labels, centroids (to the bit), iteration count; skmeans's rules on ties (the later
// centroid wins), empty clusters (centroid 0), budgets and mutation of the given centroids.
import original from 'skmeans';
import { describe, expect, test } from 'vitest';

import skmeans from '../lib/compat/skmeans.js';
import { blobs, copyRows, grid, pickRows } from './helpers/compat-data.js';

type Point = number | number[];

function expectSame(data: Point[], k: number, start: Point[], iterations?: number, distance?: (a: Point, b: Point) => number): void {
  const copy = (s: Point[]) => s.map((p) => (Array.isArray(p) ? p.slice() : p));
  const expected = original(data, k, copy(start), iterations, distance as never);
  const actual = skmeans(data, k, copy(start), iterations, distance);
  expect(actual.idxs).toEqual(expected.idxs);
  expect(actual.centroids).toEqual(expected.centroids);
  expect(actual.it).toBe(expected.it);
  expect(actual.k).toBe(expected.k);
}

describe('skmeans drop-in: same results as skmeans 0.11 from explicit starts', () => {
  const cases: [n: number, d: number, k: number][] = [
    [50, 1, 2],
    [1000, 1, 3],
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
      const rows = blobs(1000 + n + d + k, n, d, k);
      const data: Point[] = d === 1 ? rows.map((r) => r[0] as number) : rows;
      const start: Point[] = pickRows(7 + k, rows, k).map((r) => (d === 1 ? (r[0] as number) : r));
      // Large cases: a budget keeps skmeans's own run short.
      expectSame(data, k, start, n >= 20000 ? 8 : undefined);
    });
  }

  test('integer grids: exact ties go to the later centroid', () => {
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
      const rows = grid(40 + d, 400, d, 5);
      const data: Point[] = d === 1 ? rows.map((r) => r[0] as number) : rows;
      const start: Point[] = pickRows(d + k, rows, k).map((r) => (d === 1 ? (r[0] as number) : r));
      expectSame(data, k, start);
    }
    // Point 2 is as near to 1 as to 3: skmeans puts it with the later centroid.
    expect(skmeans([0, 2, 4], 2, [1, 3], 1).idxs).toEqual([0, 1, 1]);
    expect(skmeans([[0, 0], [2, 0], [4, 0]], 2, [[1, 0], [3, 0]], 1).idxs).toEqual([0, 1, 1]);
  });

  test('duplicate starting centroids: every point ties, the earlier cluster is empty and goes to 0', () => {
    const rows = blobs(5, 300, 2, 3);
    const start = [rows[0] as number[], (rows[0] as number[]).slice(), rows[1] as number[]];
    expectSame(rows, 3, start);
    const one = skmeans(rows, 3, copyRows(start), 1);
    expect(one.idxs).not.toContain(0);
    expect(one.centroids[0]).toEqual([0, 0]);
  });

  test('a centroid far from every point: empty, set to 0, then refilled', () => {
    const rows = blobs(6, 500, 2, 2).map((r) => r.map((v) => v + 10));
    expectSame(rows, 3, [rows[0] as number[], rows[1] as number[], [1000, 1000]]);
    expectSame(rows.map((r) => r[0] as number), 3, [rows[0]?.[0] as number, rows[1]?.[0] as number, 1000]);
  });

  test('with bounds (K·D >= 24), a centroid jumping to 0 and back: rows capped by their distance to it', () => {
    // Blobs around 3 in 8-D; the far start's cluster empties (centroid 0, a jump much larger than
    // any other centre's move), then takes the rows nearest 0 back.
    for (const seed of [1, 2, 3]) {
      const rows = blobs(60 + seed, 3000, 8, 5).map((r) => r.map((v) => v + 3));
      const start = [...pickRows(seed, rows, 5), Array.from({ length: 8 }, () => 500)];
      expectSame(rows, 6, start);
    }
  });

  test('iteration budgets: it counts the iterations that changed a centroid', () => {
    const rows = blobs(9, 2000, 2, 4, 2);
    const start = pickRows(3, rows, 4);
    for (const budget of [1, 2, 3, 5, 0, -1, 2.5]) expectSame(rows, 4, start, budget);
  });

  test('a custom distance runs skmeans\'s loop (ties: later)', () => {
    const manhattan = (a: Point, b: Point) => {
      let s = 0;
      for (let i = 0; i < (a as number[]).length; i++) s += Math.abs((a as number[])[i]! - (b as number[])[i]!);
      return s;
    };
    const rows = grid(11, 300, 2, 6);
    expectSame(rows, 3, pickRows(2, rows, 3), undefined, manhattan);
  });

  test('typed-array rows give the result of plain rows', () => {
    const rows = blobs(12, 1000, 4, 3);
    const start = pickRows(1, rows, 3);
    const plain = skmeans(rows, 3, copyRows(start));
    const typed = skmeans(rows.map((r) => Float64Array.from(r)) as unknown as number[][], 3, copyRows(start));
    expect(typed.idxs).toEqual(plain.idxs);
    expect(typed.centroids).toEqual(plain.centroids);
  });

  test('explicit centroids are overwritten with the result, as skmeans does', () => {
    const rows = blobs(13, 200, 2, 2);
    const start = pickRows(4, rows, 2);
    const result = skmeans(rows, 2, start);
    expect(result.centroids).toBe(start);
    const reference = original(rows, 2, pickRows(4, rows, 2));
    expect(start).toEqual(reference.centroids);
  });

  test('test(): the nearest centroid by skmeans\'s rule', () => {
    const rows = blobs(14, 300, 2, 3);
    const start = pickRows(5, rows, 3);
    const ours = skmeans(rows, 3, copyRows(start));
    const theirs = original(rows, 3, copyRows(start));
    for (const p of [[0, 0], [5, -3], rows[7] as number[]]) expect(ours.test(p)).toEqual(theirs.test(p));
    expect(skmeans([0, 2, 4], 2, [1, 3], 1).test(2)).toEqual({ idx: 1, centroid: 3 });
  });

  test('random starts (null, kmrand, kmpp) converge to a fixed point of skmeans', () => {
    const rows = blobs(15, 1500, 3, 4);
    for (const init of [null, 'kmrand', 'kmpp'] as const) {
      const ours = skmeans(rows, 4, init);
      expect(ours.centroids).toHaveLength(4);
      const again = original(rows, 4, copyRows(ours.centroids));
      expect(again.it).toBe(0);
      expect(again.idxs).toEqual(ours.idxs);
      expect(again.centroids).toEqual(ours.centroids);
    }
  });

  test('calls skmeans takes as it coerces them: 1-D typed-array data, k as digits, k above the points with a given start', () => {
    const values = Float64Array.from([1, 2, 3, 10, 11, 12]);
    expect({ ...skmeans(values as never, 2, [1, 10]), test: 0 }).toEqual({ ...original(values as never, 2, [1, 10]), test: 0 });
    const rows = [[0, 0], [1, 1], [5, 5], [6, 6]];
    const asDigits = skmeans(rows, '2' as never, copyRows([[0, 0], [5, 5]]));
    const theirs = original(rows, '2' as never, copyRows([[0, 0], [5, 5]]));
    expect({ ...asDigits, test: 0 }).toEqual({ ...theirs, test: 0 });
    // Three clusters for two points: one left empty (centroid 0), ties to the later centroid.
    const few = [[0, 0], [1, 1]];
    const ours = skmeans(few, 3, copyRows([[0, 0], [1, 1], [9, 9]]));
    const orig = original(few, 3, copyRows([[0, 0], [1, 1], [9, 9]]));
    expect([ours.it, ours.idxs, ours.centroids]).toEqual([orig.it, orig.idxs, orig.centroids]);
    expect(skmeans(few, 3, 'kmpp').centroids).toHaveLength(3);
    expect(() => skmeans(few, 3)).toThrow(RangeError); // a random start would never return
  });

  test('bad input: TypeError / RangeError naming the argument', () => {
    expect(() => skmeans([], 2)).toThrow(RangeError);
    expect(() => skmeans([1, 2], 3)).toThrow(/k/);
    expect(() => skmeans([1, 2], 'two' as never)).toThrow(RangeError);
    expect(() => skmeans([1, 2], 1.5)).toThrow(RangeError);
    expect(() => skmeans('abc' as never, 1)).toThrow(TypeError);
    expect(() => skmeans([[1, 2], [3]], 1, [[1, 2]])).toThrow(/data\[1\]/);
    expect(() => skmeans([[1, 2], [3, NaN]], 1, [[1, 2]])).toThrow(/data\[1\]\[1\]/);
    expect(() => skmeans([[1, 2], [3, 4]], 2, [[1, 2]])).toThrow(/centroids/);
    expect(() => skmeans([[1, 2], [3, 4]], 1, [[1, 2, 3]])).toThrow(/centroids\[0\]/);
    expect(() => skmeans([1, 1, 1], 2, 'kmrand')).toThrow('Error initializating clusters');
  });
});
