/**
 * Passes over rows that a fit cannot hold at once: the one seam between the estimators' exact EM
 * over "rows elsewhere" and where those rows are. A pass either reads a stream in this process
 * ({@link streamPasses}, `fitStream`) or is one round of jobs on the shards of a distributed fit
 * (`gaussmix/distributed`); the estimators' driver (lib/stream-em.ts) and starts are the same
 * for both, so both give the same bits.
 *
 * @module
 */
import type { CovarianceType } from './covariance-types.js';
import { streamMeanVariance } from './kmeans-stream.js';
import { native, type NativeStatisticsRequest, type NativeStatisticsSummary, type NativeTask } from './native.js';
import { reservoirPass, type StreamSample } from './reservoir.js';
import type { Statistics } from './statistics.js';
import { invalidValue } from './errors.js';
import { allZeroWeight } from './options.js';
import { tasksPass } from './stream-em.js';
import { chunkValues, type ChunkLayout, type PassSettings, type StreamSource } from './stream.js';
import { tooFewRows, type StreamControl } from './stream-em.js';

/** A mixture's E-step request without the thread count and weights (whoever computes adds them). */
export type MixturePassRequest = NativeStatisticsRequest extends infer R
  ? R extends NativeStatisticsRequest
    ? Omit<R, 'threads' | 'sampleWeight'>
    : never
  : never;

/** A K-means assignment step: every row labelled with its nearest of `centres` [k, d]. */
export interface KMeansPassRequest {
  readonly kind: 'kmeans';
  readonly k: number;
  readonly centres: Float64Array;
}

/** What one pass sums: a mixture's E-step or a K-means assignment step. */
export type PassRequest = MixturePassRequest | KMeansPassRequest;

/**
 * How a stream's chunks are best laid out for a request: by column for a mixture's E-step
 * (gaussian, soft), which works by column; by row for the rest.
 */
export function chunkLayoutFor(request: PassRequest): ChunkLayout {
  return request.kind === 'gaussian' || request.kind === 'soft' ? 'columns' : 'rows';
}

/**
 * The native task of one pass request on some rows (a stream's chunk, a shard in memory): the
 * one place where a request meets the native statistics of its family. X is row-major, or its
 * d columns (only for a request whose chunkLayoutFor is 'columns').
 */
export function passTask(
  X: Float64Array | readonly Float64Array[],
  n: number,
  d: number,
  request: PassRequest,
  threads: number,
  sampleWeight: Float64Array | undefined,
): NativeTask<NativeStatisticsSummary> {
  const weights = sampleWeight ? { sampleWeight } : {};
  if (request.kind === 'kmeans') {
    if (!(X instanceof Float64Array)) throw new Error('gaussmix: internal error: K-means statistics read rows, not columns');
    return native().kmeansStatisticsAsync(X, n, d, { k: request.k, centres: request.centres, threads, ...weights });
  }
  return native().mixtureStatisticsAsync(X, n, d, { ...request, threads, ...weights } as NativeStatisticsRequest);
}

/**
 * The request for rows [from, from + n) of a pass. A pass's 'responsibilities' request holds
 * the responsibilities of every row of the pass in order (a fit's responsibilitiesInit), of
 * which those rows' are taken; the other kinds are the same for every row.
 * @param rowsOf - what holds the rows, for the message: 'the stream', 'the shards'.
 * @throws RangeError - rows past the end of the responsibilities, naming responsibilitiesInit.
 */
export function requestForRows<R extends PassRequest>(request: R, from: number, n: number, what: string, rowsOf: string): R {
  if (request.kind !== 'responsibilities') return request;
  const { k, resp } = request;
  if ((from + n) * k > resp.length) {
    throw invalidValue(`${what}: ${rowsOf} ${rowsOf === 'the shards' ? 'have' : 'has'} more rows than responsibilitiesInit (${resp.length / k})`);
  }
  return { ...request, resp: resp.subarray(from * k, (from + n) * k) };
}

/**
 * {@link passTask} over one pass of a stream, its chunks laid out as the request reads them best.
 * @param firstRow - the stream's first row among the rows of the pass (a shard's start).
 */
export function streamPassTasks(
  source: StreamSource,
  settings: PassSettings,
  request: PassRequest,
  threads: number,
  firstRow = 0,
  rowsOf = 'the stream',
): Promise<Statistics> {
  return tasksPass(
    source,
    settings,
    (chunk) => {
      const own = requestForRows(request, firstRow + chunk.firstRow, chunk.n, settings.what, rowsOf);
      return passTask(chunkValues(chunk), chunk.n, chunk.d, own, threads, chunk.weights);
    },
    chunkLayoutFor(request),
  );
}

/** Where the rows of a fit are, as the passes a fit takes over them. */
export interface RowPasses {
  /** `'GaussianMixture.fitStream'` and the like, for messages. */
  readonly what: string;
  /** What holds the rows, for messages: `'the stream'`, `'the shards'`. */
  readonly rowsOf: string;
  /** The number of features, once known. */
  readonly d: number | undefined;
  /** The number of rows, once a pass has seen them all. */
  readonly rows: number | undefined;
  /**
   * Registers a check of the number of features, run as soon as it is known (at once if it
   * is), before any work on the rows: a throw fails the fit (a model too large for memory).
   */
  checkWidth(check: (d: number) => void): void;
  /**
   * One pass: the statistics of every row under `request`, merged in row order. A
   * 'responsibilities' request holds every row's, in row order (see {@link requestForRows}).
   */
  statistics(request: PassRequest): Promise<Statistics>;
  /**
   * One pass: the seeded uniform sample of `size` rows (lib/reservoir.ts), the same rows for
   * any batching or sharding of the same rows.
   */
  sample(size: number, seed: number, restart: number): Promise<StreamSample>;
  /**
   * One pass: the mean over features of the rows' (unweighted, population) variance, K-means'
   * scale of tol, from exact moments about the first row (the same bits for any split).
   */
  meanVariance(): Promise<number>;
}

/**
 * The same passes, refusing fewer rows than K once a pass has seen them all, as `fit` refuses
 * N < K: a start that reads no rows (every starting parameter given, a warm start) would
 * otherwise fit K components to fewer rows.
 * @param kName - the option K is named by in the message ('nComponents', 'nClusters').
 * @throws RangeError - after the first pass over fewer than k rows.
 */
export function withMinimumRows(passes: RowPasses, k: number, kName: string): RowPasses {
  const enough = <T>(result: T): T => {
    const rows = passes.rows;
    if (rows !== undefined && rows < k) throw tooFewRows(passes.what, rows, k, kName, passes.rowsOf);
    return result;
  };
  return {
    what: passes.what,
    rowsOf: passes.rowsOf,
    get d() {
      return passes.d;
    },
    get rows() {
      return passes.rows;
    },
    checkWidth: (check) => passes.checkWidth(check),
    statistics: async (request) => enough(await passes.statistics(request)),
    sample: async (size, seed, restart) => enough(await passes.sample(size, seed, restart)),
    meanVariance: async () => enough(await passes.meanVariance()),
  };
}

/** The passes of `fitStream`: each one reads the source again, on the model's threads. */
export function streamPasses(
  source: StreamSource,
  options: { what: string; d: number | undefined; signal: AbortSignal | undefined; threads: number },
): RowPasses {
  const settings: PassSettings = { what: options.what, d: options.d, weighted: false, rows: undefined, signal: options.signal };
  return {
    what: options.what,
    rowsOf: 'the stream',
    get d() {
      return settings.d;
    },
    get rows() {
      return settings.rows;
    },
    checkWidth: (check) => {
      settings.checkWidth = check;
      if (settings.d !== undefined) check(settings.d);
    },
    statistics: (request) => streamPassTasks(source, settings, request, options.threads),
    sample: (size, seed, restart) => reservoirPass(source, settings, size, seed, restart),
    meanVariance: async () => (await streamMeanVariance(source, settings, undefined, options.threads)).meanVariance,
  };
}

/**
 * One pass that reads every row but sums little more than their weights (all rows in one
 * component, no scatter): for a fit whose start reads no rows and that runs no E-step
 * (`maxIter` 0 from given parameters or a warm start), which would otherwise never see the
 * rows, so that it refuses what `fit` refuses of them: no rows, another width, a non-finite
 * value, sample weights that are all zero.
 * @param d - the width the start fixes.
 * @throws RangeError - as the passes do; all-zero weights as every fit names them.
 */
export async function checkRowsOnce(passes: RowPasses, covarianceType: CovarianceType, d: number): Promise<void> {
  const stats = await passes.statistics({ kind: 'assign', covarianceType, k: 1, centres: new Float64Array(d) });
  if (stats.totalWeight === 0) throw allZeroWeight();
}

/** What a fit's default start is seeded with. */
export interface PassSeeding {
  /** The option K is named by in messages ('nComponents', 'nClusters'). */
  readonly kName: string;
  readonly k: number;
  readonly seed: number;
  readonly init: 'k-means++' | 'random';
  readonly threads: number;
  readonly sampleRows: number;
}

/**
 * A restart's starting centres ([k, d]) as a fit would seed them, picked from a seeded uniform
 * sample of the rows (one pass): the same centres for any batching or sharding of the rows.
 */
export async function seedFromPasses(passes: RowPasses, s: PassSeeding, restart: number): Promise<Float64Array> {
  const sample = await passes.sample(s.sampleRows, s.seed, restart);
  const rows = passes.rows ?? sample.n;
  if (rows < s.k) throw tooFewRows(passes.what, rows, s.k, s.kName, passes.rowsOf);
  // A sample of every row (the stream is no longer than initSampleRows) weighing nothing: the
  // weights are all zero, which fit says so (not that fewer than K rows weigh something).
  if (sample.weights && sample.n === rows && !sample.weights.some((w) => w > 0)) throw allZeroWeight();
  return native().seedCentres(sample.data, sample.n, sample.d, {
    k: s.k,
    seed: s.seed,
    restart,
    init: s.init,
    threads: s.threads,
    ...(sample.weights ? { sampleWeight: sample.weights } : {}),
  });
}

/**
 * How a fit over passes is run: `fitStream`'s options, and for a distributed fit the seed of a
 * model that has none (so that a resumed run starts as the first did) and the checkpoints.
 */
export interface PassFitControl extends StreamControl {
  /** The rows of the default start's sample. */
  readonly initSampleRows: number;
  /** The claim of {@link CLAIM_PASS_FIT} the fit takes over (gaussmix/distributed). */
  readonly claim?: object;
  /** The seed when the model's `seed` option is not set (absent: a fresh random one). */
  readonly fallbackSeed?: number;
}

/**
 * The estimators' fit over passes, under a name shared by every copy of the library loaded in
 * the process (the ES module and CommonJS builds are two copies): `gaussmix/distributed` calls
 * it on a model the user may have built from either.
 * @internal
 */
export const FIT_PASSES: unique symbol = Symbol.for('gaussmix.fitPasses');

/**
 * Claims an estimator for a fit over passes that starts later (`gaussmix/distributed`, which
 * first connects to Redis): checks the options such a fit refuses and marks the instance busy
 * at once, so that a fit started meanwhile is refused (ERR_GAUSSMIX_BUSY). Returns the claim,
 * which {@link FIT_PASSES} takes over through `control.claim`; {@link RELEASE_PASS_FIT} gives
 * it back when that fit never starts. Shared by every copy of the library, as FIT_PASSES.
 * @internal
 */
export const CLAIM_PASS_FIT: unique symbol = Symbol.for('gaussmix.claimPassFit');
/** @internal See {@link CLAIM_PASS_FIT}. */
export const RELEASE_PASS_FIT: unique symbol = Symbol.for('gaussmix.releasePassFit');

/** An estimator that fits over passes (see {@link FIT_PASSES}). */
export interface PassFittable {
  [FIT_PASSES](passes: RowPasses, control: PassFitControl): Promise<unknown>;
  [CLAIM_PASS_FIT](what: string): object;
  [RELEASE_PASS_FIT](claim: object): void;
}

