/**
 * Passes over rows that a fit cannot hold at once: the one seam between the estimators' exact EM
 * over "rows elsewhere" and where those rows are. A pass either reads a stream in this process
 * ({@link streamPasses}, `fitStream`) or is one round of jobs on the shards of a distributed fit
 * (`gaussmix/distributed`); the estimators' driver (lib/stream-em.ts) and starts are the same
 * for both, so both give the same bits.
 *
 * @module
 */
import type { NativeStatisticsRequest } from './native.js';
import { reservoirPass, type StreamSample } from './reservoir.js';
import type { Statistics } from './statistics.js';
import { statisticsPass } from './stream-em.js';
import type { PassSettings, StreamSource } from './stream.js';
import type { EmCheckpoint, StreamControl } from './stream-em.js';

/** What one pass sums: an E-step's request without the thread count (whoever computes picks it). */
export type PassRequest = NativeStatisticsRequest extends infer R
  ? R extends NativeStatisticsRequest
    ? Omit<R, 'threads' | 'sampleWeight'>
    : never
  : never;

/** Where the rows of a fit are, as the passes a fit takes over them. */
export interface RowPasses {
  /** `'GaussianMixture.fitStream'` and the like, for messages. */
  readonly what: string;
  /** The number of features, once known. */
  readonly d: number | undefined;
  /** The number of rows, once a pass has seen them all. */
  readonly rows: number | undefined;
  /** One pass: the statistics of every row under `request`, merged in row order. */
  statistics(request: PassRequest): Promise<Statistics>;
  /**
   * One pass: the seeded uniform sample of `size` rows (lib/reservoir.ts), the same rows for
   * any batching or sharding of the same rows.
   */
  sample(size: number, seed: number, restart: number): Promise<StreamSample>;
}

/** The passes of `fitStream`: each one reads the source again, on the model's threads. */
export function streamPasses(
  source: StreamSource,
  options: { what: string; d: number | undefined; signal: AbortSignal | undefined; threads: number },
): RowPasses {
  const settings: PassSettings = { what: options.what, d: options.d, weighted: false, rows: undefined, signal: options.signal };
  return {
    what: options.what,
    get d() {
      return settings.d;
    },
    get rows() {
      return settings.rows;
    },
    statistics: (request) => statisticsPass(source, settings, () => ({ ...request, threads: options.threads }) as NativeStatisticsRequest),
    sample: (size, seed, restart) => reservoirPass(source, settings, size, seed, restart),
  };
}

/**
 * How a fit over passes is run: `fitStream`'s options, and for a distributed fit the seed of a
 * model that has none (so that a resumed run starts as the first did) and the checkpoints.
 */
export interface PassFitControl extends StreamControl {
  /** The rows of the default start's sample. */
  readonly initSampleRows: number;
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

/** An estimator that fits over passes (see {@link FIT_PASSES}). */
export interface PassFittable {
  [FIT_PASSES](passes: RowPasses, control: PassFitControl): Promise<unknown>;
}

export type { EmCheckpoint };
