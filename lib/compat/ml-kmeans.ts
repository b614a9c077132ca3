/**
 * A drop-in for ml-kmeans 7: `import { kmeans } from 'gaussmix/compat/ml-kmeans'` (or
 * `require(...)`) in place of `'ml-kmeans'`, same call, same result.
 *
 * Its rules are kept: a point equally near two centres goes to the first; an empty cluster
 * keeps its previous centre; the loop ends when every centre moved a distance <= `tolerance`
 * (measured with `distanceFunction`) or after `maxIterations` steps (0: no limit); its error
 * messages for a bad K, initialization or iteration count. With the default distance the loop
 * runs natively; a custom `distanceFunction` runs it in JavaScript (no faster than ml-kmeans).
 *
 * Differences: the seedings 'kmeans++' and 'random' are gaussmix's (scikit-learn's greedy
 * k-means++, reproducible for a given `seed`), not ml-random's draws; bad data throws a
 * TypeError/RangeError naming the argument (ml-kmeans computes with NaN).
 * @module
 */
import { describe, invalidType } from '../errors.js';
import { native } from '../native.js';
import { UNBOUNDED_STEPS, lloyd } from './engine.js';
import { centreArrays, labelArray, readCentres, readRows, type Rows } from './rows.js';

/** A distance between two points (smaller is nearer). */
export type DistanceFunction = (p: number[], q: number[]) => number;
export type InitializationMethod = 'kmeans++' | 'random' | 'mostDistant';

/** ml-kmeans's options. */
export interface Options {
  /** default squared Euclidean */
  distanceFunction?: DistanceFunction;
  /** converged when every centre moved at most this distance (default 1e-6) */
  tolerance?: number;
  /** default 'kmeans++'; or K explicit centres */
  initialization?: InitializationMethod | number[][];
  /** default 100; 0: no limit */
  maxIterations?: number;
  /** makes the seedings reproducible */
  seed?: number;
}

/** A cluster's centre, mean distance to it (-1 when empty) and size. */
export interface CentroidWithInformation {
  centroid: number[];
  error: number;
  size: number;
}

/** Σ_j (p_j − q_j)², ml-kmeans's default distance. */
export function squaredEuclidean(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < p.length; i++) d += ((p[i] as number) - (q[i] as number)) * ((p[i] as number) - (q[i] as number));
  return d;
}

/** ml-nearest-vector's rule: the first centre with the smallest distance (-1 if none is below Number.MAX_VALUE). */
function nearestCentre(centres: number[][], point: number[], distance: DistanceFunction): number {
  let index = -1;
  let min = Number.MAX_VALUE;
  for (let i = 0; i < centres.length; i++) {
    const dist = distance(point, centres[i] as number[]);
    if (dist < min) {
      min = dist;
      index = i;
    }
  }
  return index;
}

/** ml-kmeans's result. */
export class KMeansResult {
  /**
   * @param clusters - each point's cluster
   * @param centroids - K centres
   * @param converged - whether the tolerance test held
   * @param iterations - the steps run
   * @param distance - the distance used
   */
  constructor(
    public clusters: number[],
    public centroids: number[][],
    public converged: boolean,
    public iterations: number,
    public distance: DistanceFunction,
  ) {}

  /** The nearest centre of each point (ties: the first). */
  nearest(data: number[][]): number[] {
    return data.map((point) => nearestCentre(this.centroids, point, this.distance));
  }

  /** Each cluster's centre, mean distance of its points (-1 when empty) and size. */
  computeInformation(data: number[][]): CentroidWithInformation[] {
    const distances: number[][] = this.centroids.map(() => []);
    for (let i = 0; i < data.length; i++) {
      const c = this.clusters[i] as number;
      (distances[c] as number[]).push(this.distance(data[i] as number[], this.centroids[c] as number[]));
    }
    return this.centroids.map((centroid, j) => {
      const list = distances[j] as number[];
      let sum = list[0] as number;
      for (let i = 1; i < list.length; i++) sum += list[i] as number;
      return { centroid, error: list.length > 0 ? sum / list.length : -1, size: list.length };
    });
  }
}

const defaultOptions = {
  maxIterations: 100,
  tolerance: 1e-6,
  initialization: 'kmeans++' as InitializationMethod | number[][],
  distanceFunction: squaredEuclidean as DistanceFunction,
};
type DefinedOptions = typeof defaultOptions & { seed?: number };

function validate(data: unknown, K: number): asserts data is number[][] {
  if (!Array.isArray(data)) throw invalidType(`Expected data to be an array of points but received ${describe(data)}`);
  if (K <= 0 || K > data.length || !Number.isInteger(K)) {
    throw new Error('K should be a positive integer smaller than the number of points');
  }
}

/**
 * A seed for the seedings: the given one (as an unsigned integer) or a random one. Anything but
 * an integer is ml-random's TypeError (ml-kmeans passes its seed to ml-random, which refuses
 * 1.5 or NaN with this message, and strings or null with an unrelated one).
 */
function seedOf(seed: unknown): number {
  if (seed === undefined) return Math.floor(Math.random() * 2 ** 32);
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TypeError('seed must be an integer');
  return Number.isSafeInteger(seed) && seed >= 0 ? seed : seed >>> 0;
}

/** ml-kmeans calls distanceFunction as given (undefined replaces the default): a TypeError naming it. */
function checkDistance(options: DefinedOptions): void {
  if (typeof options.distanceFunction !== 'function') throw new TypeError('distanceFunction is not a function');
}

/** ml-kmeans's 'mostDistant': a random point, then each next one farthest from those chosen. */
function mostDistant(data: number[][], K: number, distance: DistanceFunction, seed: number): number[][] {
  const n = data.length;
  const chosen = [seed % n];
  const nearest = new Float64Array(n).fill(Infinity);
  const taken = new Uint8Array(n);
  taken[chosen[0] as number] = 1;
  for (let k = 1; k < K; k++) {
    const last = data[chosen[k - 1] as number] as number[];
    let best = -1;
    let bestDist = -1;
    for (let m = 0; m < n; m++) {
      const dist = distance(last, data[m] as number[]);
      if (dist < (nearest[m] as number)) nearest[m] = dist;
      // The second centre may repeat the first when every point coincides (as ml-kmeans).
      if ((k === 1 || !taken[m]) && (nearest[m] as number) > bestDist) {
        bestDist = nearest[m] as number;
        best = m;
      }
    }
    chosen.push(best);
    if (best >= 0) taken[best] = 1;
  }
  return chosen.map((i) => data[i] as number[]);
}

function initialCentres(data: number[][], rows: () => Rows, K: number, options: DefinedOptions): number[][] | Float64Array {
  const init = options.initialization;
  if (Array.isArray(init)) {
    if (init.length !== K) throw new Error('The initial centers should have the same length as K');
    return init;
  }
  switch (init) {
    case 'kmeans++':
    case 'random': {
      const r = rows();
      return native().seedCentres(r.x, r.n, r.d, {
        k: K,
        seed: seedOf(options.seed),
        restart: 0,
        init: init === 'random' ? 'random' : 'k-means++',
        threads: 1024,
      });
    }
    case 'mostDistant':
      return mostDistant(data, K, options.distanceFunction, seedOf(options.seed));
    default:
      throw new Error(`Unknown initialization method: "${String(init)}"`);
  }
}

/** ml-kmeans's step in JavaScript (a custom distance): assign, update, test. */
function jsStep(data: number[][], centres: number[][], clusters: number[], options: DefinedOptions): { centroids: number[][]; converged: boolean } {
  const K = centres.length;
  const d = (data[0] as number[]).length;
  for (let i = 0; i < data.length; i++) clusters[i] = nearestCentre(centres, data[i] as number[], options.distanceFunction);
  const sums = Array.from({ length: K }, () => new Array<number>(d).fill(0));
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < data.length; i++) {
    const c = clusters[i] as number;
    (counts[c] as number)++;
    for (let j = 0; j < d; j++) (sums[c] as number[])[j] += (data[i] as number[])[j] as number;
  }
  const centroids = sums.map((sum, c) => sum.map((s, j) => ((counts[c] as number) ? s / (counts[c] as number) : (centres[c] as number[])[j] as number)));
  const converged = centroids.every((centre, c) => !(options.distanceFunction(centre, centres[c] as number[]) > options.tolerance));
  return { centroids, converged };
}

/** The steps ml-kmeans allows: while (step < maxIterations), 0 meaning no limit. */
function stepBudget(maxIterations: number): number {
  if (maxIterations === 0) return UNBOUNDED_STEPS;
  return maxIterations > 0 ? Math.min(Math.ceil(maxIterations), UNBOUNDED_STEPS) : 0;
}

/**
 * K-means with ml-kmeans 7's signature, rules and result.
 * @param data - the points, arrays (or typed arrays) of numbers of one length.
 * @param K - the number of clusters.
 * @param options - see {@link Options}.
 * @returns a {@link KMeansResult}: the last assignment and the centres computed from it.
 * @throws Error - ml-kmeans's messages for a bad K, initialization, or maxIterations < 0.
 * @throws TypeError / RangeError - data is not an array of equal-length rows of finite numbers.
 */
export function kmeans(data: number[][], K: number, options: Options = {}): KMeansResult {
  const defined: DefinedOptions = { ...defaultOptions, ...options };
  validate(data, K);
  checkDistance(defined);
  let rows: Rows | undefined;
  const readOnce = (): Rows => (rows ??= readRows(data, 'data'));
  const start = initialCentres(data, readOnce, K, defined);
  const maxSteps = stepBudget(defined.maxIterations);
  if (maxSteps === 0) throw new Error('unreachable: no kmeans step executed');
  if (defined.distanceFunction !== squaredEuclidean) {
    let centres = start instanceof Float64Array ? centreArrays(start, K, start.length / K) : start;
    const clusters = new Array<number>(data.length);
    let converged = false;
    let steps = 0;
    while (!converged && steps < maxSteps) {
      ({ centroids: centres, converged } = jsStep(data, centres, clusters, defined));
      steps++;
    }
    return new KMeansResult(clusters, centres, converged, steps, defined.distanceFunction);
  }
  const r = readOnce();
  const centres = start instanceof Float64Array ? start : readCentres(start, K, r.d, 'initialization');
  const outcome = lloyd(r, centres, 0, Number(defined.tolerance), maxSteps);
  return new KMeansResult(labelArray(outcome.labels), centreArrays(centres, K, r.d), outcome.converged, outcome.steps, squaredEuclidean);
}

/**
 * ml-kmeans's generator: yields the result of every step (as ml-kmeans, every result shares one
 * `clusters` array, which holds the latest assignment).
 * @param data - the points.
 * @param K - the number of clusters.
 * @param options - see {@link Options}.
 */
export function* kmeansGenerator(data: number[][], K: number, options: Options = {}): Generator<KMeansResult, void, undefined> {
  const defined: DefinedOptions = { ...defaultOptions, ...options };
  validate(data, K);
  checkDistance(defined);
  let rows: Rows | undefined;
  // A copy of the shared read buffer: other calls may run between two steps.
  const readOnce = (): Rows => (rows ??= ((r) => ({ ...r, x: r.x.slice() }))(readRows(data, 'data')));
  const start = initialCentres(data, readOnce, K, defined);
  const native = defined.distanceFunction === squaredEuclidean;
  const d = native ? readOnce().d : (data[0] as number[]).length;
  let centres = start instanceof Float64Array ? centreArrays(start, K, d) : start;
  const clusters = new Array<number>(data.length);
  let converged = false;
  let steps = 0;
  while (!converged && steps < defined.maxIterations) {
    let next: number[][];
    if (native) {
      const flat = readCentres(centres, K, d, 'initialization');
      const outcome = lloyd(readOnce(), flat, 0, Number(defined.tolerance), 1);
      for (let i = 0; i < clusters.length; i++) clusters[i] = outcome.labels[i] as number;
      next = centreArrays(flat, K, d);
      converged = outcome.converged;
    } else {
      ({ centroids: next, converged } = jsStep(data, centres, clusters, defined));
    }
    steps++;
    yield new KMeansResult(clusters, next, converged, steps, defined.distanceFunction);
    centres = next;
  }
}
