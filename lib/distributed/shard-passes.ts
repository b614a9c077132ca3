/**
 * The passes of a distributed fit (lib/passes.ts RowPasses): each pass is one round of jobs, one
 * per shard. The first round describes the shards (rows, features, weights); a statistics pass
 * checks every shard's statistics (a mixture's or K-means', as the request asks) and merges them
 * in shard order (a pass of given responsibilities, which hold every row's, tells each shard
 * where its rows start among them); the default start's sample is chosen here (lib/reservoir.ts reservoirPlan, over
 * the concatenation of the shards) and its rows fetched from the shards that hold them, so that
 * it is the sample `fitStream` draws from the same rows; K-means' scale of tol is the shards'
 * moments about the first row of all the shards, merged in shard order. A shard without rows
 * adds nothing (as an empty batch in `fitStream`): after the describe round it has no jobs.
 *
 * @module
 */
import { shardError, type Run } from './run.js';
import { decodeDescription, decodeSample, type ShardDescription } from './tasks.js';
import { invalidValue } from '../errors.js';
import { native, type NativeKMeansMoments } from '../native.js';
import type { MixturePassRequest, PassRequest, RowPasses } from '../passes.js';
import { reservoirPlan, type StreamSample } from '../reservoir.js';
import { KMeansStatistics, MixtureStatistics, Statistics } from '../statistics.js';

/** What the describe round tells of the shards together. */
interface ShardsShape {
  readonly d: number;
  /** Rows of all the shards. */
  readonly rows: number;
  /** Whether any shard is weighted. */
  readonly weighted: boolean;
  /** The first row of each shard in their concatenation. */
  readonly starts: Float64Array;
  /** Each shard's rows. */
  readonly counts: number[];
  /** The shards that have rows (indices, ascending): an empty shard takes no part after describe. */
  readonly full: readonly number[];
  /** The first row of all the shards. */
  readonly first: Float64Array;
}

/** The passes of a distributed fit over `run`'s shards. */
export class ShardPasses implements RowPasses {
  readonly what: string;
  readonly rowsOf = 'the shards';
  readonly #run: Run;
  readonly #shards: readonly unknown[];
  #shape: ShardsShape | undefined;
  #checkWidth: ((d: number) => void) | undefined;

  constructor(run: Run, shards: readonly unknown[], what: string) {
    this.#run = run;
    this.#shards = shards;
    this.what = what;
  }

  get d(): number | undefined {
    return this.#shape?.d;
  }

  get rows(): number | undefined {
    return this.#shape?.rows;
  }

  checkWidth(check: (d: number) => void): void {
    this.#checkWidth = check;
    if (this.#shape) check(this.#shape.d);
  }

  #error(shard: number, message: string, cause?: unknown): Error {
    return shardError(this.what, shard, this.#shards[shard], message, cause);
  }

  /** The shards' rows, features and weights (one round, the first time). */
  async #described(): Promise<ShardsShape> {
    if (this.#shape) return this.#shape;
    const descriptions = await this.#run.round({ task: 'describe' }, (bytes, i): ShardDescription => {
      try {
        return decodeDescription(bytes, 'its description');
      } catch (err) {
        throw this.#error(i, `sent a bad description: ${(err as Error).message}`, err);
      }
    });
    // An empty shard adds nothing (as an empty batch in fitStream): its features are not checked.
    const full = descriptions.flatMap((s, i) => (s.rows > 0 ? [i] : []));
    const firstFull = full[0];
    if (firstFull === undefined) {
      throw invalidValue(`${this.what}: the shards have no rows (all ${descriptions.length} are empty): at least one row is needed`);
    }
    const { d, first } = descriptions[firstFull] as ShardDescription;
    const starts = new Float64Array(descriptions.length);
    let rows = 0;
    descriptions.forEach((s, i) => {
      if (s.rows > 0 && s.d !== d) throw this.#error(i, `has ${s.d} features but shard ${firstFull} has ${d}`);
      starts[i] = rows;
      rows += s.rows;
    });
    this.#checkWidth?.(d); // before any job on the rows
    const weighted = descriptions.some((s) => s.weighted);
    this.#shape = { d, rows, weighted, starts, counts: descriptions.map((s) => s.rows), full, first };
    return this.#shape;
  }

  async statistics(request: PassRequest): Promise<Statistics> {
    const shape = await this.#described();
    // Merged in shard order as they arrive: the shards before the last to arrive are merged
    // while it is awaited.
    const arrived: (Statistics | undefined)[] = [];
    let total: Statistics | undefined;
    let merged = 0;
    // (Indexed by position among the shards with rows: `merged` is the next to merge.)
    const position = new Map(shape.full.map((shard, at) => [shard, at]));
    // Given responsibilities hold every row's, in shard order: each shard takes its part.
    let starts: { starts: Float64Array } | undefined;
    if (request.kind === 'responsibilities') {
      const given = request.resp.length / request.k;
      if (given !== shape.rows) {
        throw invalidValue(`${this.what}: responsibilitiesInit has ${given} rows, but there are ${shape.rows} in the shards (matched to them in order)`);
      }
      starts = { starts: shape.starts };
    }
    await this.#run.round({ task: 'statistics', request, weighted: shape.weighted, ...starts }, (bytes, i) => {
      arrived[position.get(i) as number] = this.#checkStatistics(bytes, i, request, shape);
      for (let next = arrived[merged]; next !== undefined; next = arrived[merged]) {
        try {
          total = total === undefined ? next : total.merge(next);
        } catch (err) {
          throw this.#error(shape.full[merged] as number, `sent statistics that do not merge with the other shards': ${(err as Error).message}`, err);
        }
        arrived[merged++] = undefined;
      }
    }, shape.full);
    return total as Statistics;
  }

  /** A shard's statistics, checked against what was asked (format, family, K, D, rows). */
  #checkStatistics(bytes: Uint8Array, i: number, request: PassRequest, shape: ShardsShape): Statistics {
    let stats: Statistics;
    try {
      stats = Statistics.fromBuffer(bytes);
    } catch (err) {
      throw this.#error(i, `sent statistics that Redis holds as ${bytes.length} bytes of invalid data: ${(err as Error).message}`, err);
    }
    const wrong = (what: string): Error => this.#error(i, `sent the wrong statistics: ${what}`);
    if (stats.rows !== shape.counts[i]) throw wrong(`${stats.rows} rows instead of the shard's ${shape.counts[i]}`);
    if (stats.nFeatures !== shape.d) throw wrong(`${stats.nFeatures} features instead of ${shape.d}`);
    if (request.kind === 'kmeans') {
      if (!(stats instanceof KMeansStatistics)) throw wrong(`${stats.family} statistics for a K-means pass`);
      if (stats.nComponents !== request.k) throw wrong(`${stats.nComponents} clusters instead of ${request.k}`);
      // (Statistics under other centres do not merge: the merge names them.)
      return stats;
    }
    if (!(stats instanceof MixtureStatistics)) throw wrong(`${stats.family} statistics for a mixture's pass`);
    this.#checkMixture(stats, request, wrong);
    return stats;
  }

  /** A mixture's statistics, checked against its request (K, covariance type, scatter). */
  #checkMixture(stats: MixtureStatistics, request: MixturePassRequest, wrong: (what: string) => Error): void {
    // Passes by labels or given responsibilities name K and the type; the others carry parameters
    // (weights: K, or K + 1 with a noise component).
    const given = request.kind === 'assign' || request.kind === 'responsibilities';
    const k = given ? request.k : request.params.weights.length - (request.params.hypervolume === undefined ? 0 : 1);
    if (stats.nComponents !== k) throw wrong(`${stats.nComponents} components instead of ${k}`);
    const type = given ? request.covarianceType : request.kind === 'soft' ? 'spherical' : request.params.covarianceType;
    if (stats.covarianceType !== type) throw wrong(`covariance type '${stats.covarianceType}' instead of '${type}'`);
    const soft = request.kind === 'soft' || (given && request.about === undefined);
    if (stats.soft !== soft) throw wrong(soft ? 'with a scatter where none was asked' : 'without the scatter asked for');
  }

  async meanVariance(): Promise<number> {
    const shape = await this.#described();
    const addon = native();
    const parts = await this.#run.round({ task: 'moments', shift: shape.first }, (bytes, i) => {
      let moments: Omit<NativeKMeansMoments, 'bytes'>;
      try {
        moments = addon.kmeansMomentsRead(bytes);
      } catch (err) {
        throw this.#error(i, `sent moments that Redis holds as ${bytes.length} bytes of invalid data: ${(err as Error).message}`, err);
      }
      if (moments.d !== shape.d) throw this.#error(i, `sent the moments of ${moments.d} features instead of ${shape.d}`);
      if (moments.rows !== shape.counts[i]) throw this.#error(i, `sent the moments of ${moments.rows} rows instead of the shard's ${shape.counts[i]}`);
      return { ...moments, bytes };
    }, shape.full);
    // Merged in shard order (exact sums: the order only fixes which shard a bad merge names).
    return parts.reduce((total, next, at) => {
      try {
        return addon.kmeansMomentsMerge(total.bytes, next.bytes);
      } catch (err) {
        throw this.#error(shape.full[at] as number, `sent moments that do not merge with the other shards': ${(err as Error).message}`, err);
      }
    }).meanVariance;
  }

  async sample(size: number, seed: number, restart: number): Promise<StreamSample> {
    const shape = await this.#described();
    const { d, weighted, starts } = shape;
    const plan = reservoirPlan(shape.rows, size, seed, restart);
    const rows = plan.slice().sort();
    // Each shard's part of the sample: the rows of `rows` in its range.
    const first = new Array<number>(starts.length + 1).fill(rows.length);
    for (let i = starts.length - 1, at = rows.length; i >= 0; i--) {
      while (at > 0 && (rows[at - 1] as number) >= (starts[i] as number)) at--;
      first[i] = at;
    }
    const parts = await this.#run.round({ task: 'sample', rows, starts, weighted }, (bytes, i) => {
      let part;
      try {
        part = decodeSample(bytes, 'its sample');
      } catch (err) {
        throw this.#error(i, `sent a bad sample: ${(err as Error).message}`, err);
      }
      const count = (first[i + 1] as number) - (first[i] as number);
      if (part.data.length !== count * d || (weighted && part.weights?.length !== count)) {
        throw this.#error(i, `sent ${part.data.length / d} sample rows instead of ${count}`);
      }
      return part;
    }, shape.full);
    // The shards' rows, in shard order, are the sample's rows in ascending order.
    const sorted = new Float64Array(rows.length * d);
    const sortedWeights = weighted ? new Float64Array(rows.length) : undefined;
    parts.forEach((part, at) => {
      const i = shape.full[at] as number;
      sorted.set(part.data, (first[i] as number) * d);
      if (sortedWeights) sortedWeights.set(part.weights as Float64Array, first[i] as number);
    });
    // Back in the slots' order: slot s holds row plan[s].
    const position = new Map<number, number>();
    rows.forEach((row, i) => position.set(row, i));
    const data = new Float64Array(plan.length * d);
    const weights = sortedWeights ? new Float64Array(plan.length) : undefined;
    plan.forEach((row, slot) => {
      const i = position.get(row) as number;
      data.set(sorted.subarray(i * d, (i + 1) * d), slot * d);
      if (weights) weights[slot] = (sortedWeights as Float64Array)[i] as number;
    });
    return { data, n: plan.length, d, weights };
  }
}
