/**
 * A drop-in for skmeans 0.11: `import skmeans from 'gaussmix/compat/skmeans'` (or
 * `require('gaussmix/compat/skmeans')`) in place of `'skmeans'`, same call, same result.
 *
 * Its rules are kept where they decide the answer: a point equally near two centroids goes to
 * the later one; the loop ends when no centroid coordinate changed or the iteration budget
 * (default 10,000) is spent; an empty cluster's centroid becomes 0; `it` counts the iterations
 * that changed a centroid; explicit `centroids` are overwritten with the result (the returned
 * `centroids` is that array). With the default distance the loop runs natively; a custom
 * `distance` function runs the same loop in JavaScript (no faster than skmeans).
 *
 * Differences: bad input throws a TypeError/RangeError naming the argument (skmeans computes
 * with NaN or never returns), including `k` above the number of points with a random start.
 * @module
 */
import { describe, invalidType, invalidValue } from '../errors.js';
import { Rule, UNBOUNDED_STEPS, lloyd } from './engine.js';
import { centreArrays, labelArray, readCentres, readRows, readValues, type Rows } from './rows.js';

/** A point: one number (1-D data) or an array of numbers. */
export type SkPoint = number | number[];
/** A distance between two points (smaller is nearer). */
export type SkDistance<T> = (x: T, y: T) => number;
/** Explicit starting centroids, or a seeding: `'kmrand'` (distinct random points), `'kmpp'` (k-means++). */
export type SkCentroidValues<T> = T[] | 'kmrand' | 'kmpp';

/** What {@link SkResult.test} answers. */
export interface SkTestResult<T> {
  /** the nearest centroid's index (ties: the later one) */
  idx: number;
  centroid: T;
}

/** skmeans's result. */
export interface SkResult<T> {
  /** iterations that changed a centroid */
  it: number;
  k: number;
  centroids: T[];
  /** each point's centroid index */
  idxs: number[];
  /** The nearest centroid of a point (squared Euclidean, or |x − c| for numbers, or `distance`). */
  test: (x: T, distance?: SkDistance<T>) => SkTestResult<T>;
}

const MAX_ITERATIONS = 10000;

/** skmeans's Euclidean distance (squared; missing or zero-like values count as 0). */
function eudist(v1: ArrayLike<number>, v2: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v1.length; i++) {
    const d = (v1[i] || 0) - (v2[i] || 0);
    sum += d * d;
  }
  return sum;
}

/** The 1-D distance skmeans's k-means++ uses: (v1 − v2)². */
function dist1(v1: number, v2: number): number {
  const d = Math.abs(v1 - v2);
  return d * d;
}

function test<T>(this: { centroids: T[] }, point: T, fndist?: SkDistance<T>): SkTestResult<T> {
  const ks = this.centroids;
  const multi = Array.isArray(point);
  let min = Infinity;
  let idx = 0;
  for (let j = 0; j < ks.length; j++) {
    const dist = fndist
      ? fndist(point, ks[j] as T)
      : multi
        ? eudist(point as unknown as number[], ks[j] as unknown as number[])
        : Math.abs((point as unknown as number) - (ks[j] as unknown as number));
    if (dist <= min) {
      min = dist;
      idx = j;
    }
  }
  return { idx, centroid: ks[idx] as T };
}

/** k distinct points at random (skmeans's default start). */
function randomPoints<T>(data: T[], k: number): T[] {
  const taken = new Set<number>();
  const ks: T[] = [];
  while (ks.length < k) {
    const idx = Math.floor(Math.random() * data.length);
    if (!taken.has(idx)) {
      taken.add(idx);
      ks.push(data[idx] as T);
    }
  }
  return ks;
}

/** skmeans's 'kmrand': up to 4k draws for k points of distinct values. */
function kmrand<T>(data: T[], k: number, multi: boolean): T[] {
  const seen = new Set<string>();
  const ks: T[] = [];
  let t = k << 2;
  while (ks.length < k && t-- > 0) {
    const d = data[Math.floor(Math.random() * data.length)] as T;
    const key = multi ? Array.prototype.join.call(d, '_') : `${d as unknown as number}`;
    if (!seen.has(key)) {
      seen.add(key);
      ks.push(d);
    }
  }
  if (ks.length < k) throw new Error('Error initializating clusters');
  return ks;
}

/** skmeans's 'kmpp': each next centroid drawn with probability ∝ its distance to the nearest one. */
function kmpp<T>(data: T[], k: number, multi: boolean, fndist?: SkDistance<T>): T[] {
  const distance = (fndist ?? (multi ? eudist : dist1)) as (a: T, b: T) => number;
  const len = data.length;
  const ks: T[] = [data[Math.floor(Math.random() * len)] as T];
  const dists = new Float64Array(len);
  while (ks.length < k) {
    let dsum = 0;
    for (let i = 0; i < len; i++) {
      let min = Infinity;
      for (const c of ks) {
        const dist = distance(data[i] as T, c);
        if (dist <= min) min = dist;
      }
      dists[i] = min;
      dsum += min;
    }
    const pr = dists.map((v) => v / dsum);
    // The points in increasing probability (a stable sort, as skmeans's), then the first whose
    // cumulative probability reaches a uniform draw; like skmeans's scan, it stops at the
    // next-to-last point, so the same draw picks the same point.
    const order = Array.from({ length: len }, (_, i) => i).sort((a, b) => (pr[a] as number) - (pr[b] as number));
    const rnd = Math.random();
    let cs = 0;
    let idx = 0;
    while (idx < len - 1) {
      cs += pr[order[idx] as number] as number;
      idx++;
      if (!(cs < rnd)) break;
    }
    ks.push(data[order[Math.max(idx - 1, 0)] as number] as T);
  }
  return ks;
}

/** skmeans's loop with a custom distance, in JavaScript. */
function lloydWithDistance<T>(data: T[], k: number, ks: T[], multi: boolean, budget: number, fndist: SkDistance<T>) {
  const len = data.length;
  const d = multi ? (data[0] as unknown as ArrayLike<number>).length : 1;
  const idxs = new Array<number>(len);
  let it = budget;
  let conv = false;
  do {
    const count = new Array<number>(k).fill(0);
    for (let i = 0; i < len; i++) {
      let min = Infinity;
      let idx = 0;
      for (let j = 0; j < k; j++) {
        const dist = fndist(data[i] as T, ks[j] as T);
        if (dist <= min) {
          min = dist;
          idx = j;
        }
      }
      idxs[i] = idx;
      (count[idx] as number)++;
    }
    const sums = Array.from({ length: k }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < len; i++) {
      const sum = sums[idxs[i] as number] as number[];
      const row = data[i] as unknown;
      for (let h = 0; h < d; h++) sum[h] += multi ? (row as ArrayLike<number>)[h] as number : (row as number);
    }
    conv = true;
    for (let j = 0; j < k; j++) {
      const means = (sums[j] as number[]).map((s) => s / (count[j] as number) || 0);
      const old = ks[j] as unknown;
      for (let h = 0; h < d && conv; h++) {
        if ((multi ? (old as ArrayLike<number>)[h] : old) !== means[h]) conv = false;
      }
      ks[j] = (multi ? means : means[0]) as T;
    }
    conv = conv || --it <= 0;
  } while (!conv);
  return { it: budget - it, idxs };
}

/**
 * K-means clustering with skmeans 0.11's signature, rules and result.
 * @param data - the points: numbers (1-D) or arrays (or typed arrays) of numbers, all one length.
 * @param k - the number of clusters, an integer >= 1 (or a string of digits); above the number
 *   of points only with explicit centroids, 'kmpp' or 'kmrand'.
 * @param centroids - the start: explicit centroids (overwritten with the result), `'kmrand'`,
 *   `'kmpp'`, or null / undefined for k distinct random points.
 * @param iterations - the most iterations that change a centroid (default and 0: 10,000).
 * @param distance - a custom distance (runs in JavaScript); default squared Euclidean, or |x − c|
 *   for numbers.
 * @returns `{ it, k, idxs, centroids, test }` as skmeans returns it.
 * @throws TypeError - data, a point or a centroid is not of the types above.
 * @throws RangeError - no points, ragged points, a non-finite value, k out of range, fewer than
 *   k explicit centroids or one of another length.
 * @throws Error - `'kmrand'` found fewer than k distinct points (skmeans's message).
 */
export default function skmeans<T extends SkPoint>(
  data: T[],
  k: number,
  centroids?: SkCentroidValues<T> | null,
  iterations?: number | null,
  distance?: SkDistance<T> | null,
): SkResult<T> {
  // A typed array is 1-D data, as skmeans reads it (one number per point).
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) data = Array.from(data as unknown as ArrayLike<number>) as T[];
  if (!Array.isArray(data)) throw invalidType(`Expected data to be an array of points but received ${describe(data)}`);
  if (data.length === 0) throw invalidValue('data has no points');
  // skmeans counts with k as JavaScript coerces it: a string of digits is that number.
  const kGiven = k;
  if (typeof k === 'string' && /^[0-9]+$/.test(k)) k = Number(k);
  // Above the number of points, skmeans's random start never returns; explicit centroids and
  // 'kmpp' give clusters left empty (centroid 0), 'kmrand' its own error.
  const fewPointsOk = Array.isArray(centroids) || centroids === 'kmpp' || centroids === 'kmrand';
  if (!Number.isInteger(k) || k < 1 || (k > data.length && !fewPointsOk)) {
    throw invalidValue(`Expected k to be an integer from 1 to the number of points (${data.length}) but received ${describe(kGiven)}`);
  }
  if (distance != null && typeof distance !== 'function') {
    throw invalidType(`Expected distance to be a function but received ${describe(distance)}`);
  }
  const fndist = distance ?? undefined;
  const multi = (data[0] as { length?: number } | null)?.length !== undefined;
  let ks: T[];
  if (!centroids) ks = randomPoints(data, k);
  else if (centroids === 'kmrand') ks = kmrand(data, k, multi);
  else if (centroids === 'kmpp') ks = kmpp(data, k, multi, fndist);
  else if (Array.isArray(centroids)) ks = centroids;
  else throw invalidType(`Expected centroids to be an array, 'kmrand', 'kmpp' or null but received ${describe(centroids)}`);

  // it = iterations || 10000, counted down by each iteration that changes a centroid; the loop
  // ends at it <= 0 (so a budget <= 0 still runs one iteration).
  const budget = Number(iterations || MAX_ITERATIONS);
  const maxSteps = budget > 0 ? Math.min(Math.ceil(budget), UNBOUNDED_STEPS) : Number.isNaN(budget) ? UNBOUNDED_STEPS : 1;
  let it: number;
  let idxs: number[];
  if (fndist) {
    if (ks.length < k) throw invalidValue(`centroids has ${ks.length} centroids, expected ${k}`);
    ({ it, idxs } = lloydWithDistance(data, k, ks, multi, budget, fndist));
  } else {
    const rows: Rows = multi ? readRows(data, 'data') : readValues(data, 'data');
    const centres = readCentres(ks, k, rows.d, 'centroids');
    const rules = Rule.laterWins | Rule.emptyToZero | Rule.stopUnchanged | (multi ? 0 : Rule.absolute);
    const outcome = lloyd(rows, centres, rules, 0, maxSteps);
    it = Number.isNaN(budget) ? NaN : outcome.steps - (outcome.converged ? 1 : 0);
    idxs = labelArray(outcome.labels);
    if (multi) {
      const arrays = centreArrays(centres, k, rows.d);
      for (let j = 0; j < k; j++) ks[j] = arrays[j] as T;
    } else {
      for (let j = 0; j < k; j++) ks[j] = centres[j] as T;
    }
  }
  return { it, k: kGiven, idxs, centroids: ks, test };
}

export { skmeans };
