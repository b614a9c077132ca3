/**
 * Sufficient statistics: the sums one E-step takes over some rows, which is all an M-step
 * reads. They are the seam of fits over data that do not fit in memory (`fitStream`) or that
 * sit on several machines (`gaussmix/distributed`): statistics of chunks of rows merge in row
 * order, and when every chunk but the last holds a multiple of {@link BLOCK_ROWS} rows the
 * merge is bit for bit the statistics of all the rows at once (every sum is kept exactly and
 * rounded once; inside a block of rows the order of the additions is fixed).
 *
 * A statistics object is immutable; `merge` returns a new one. `toBuffer()` gives canonical
 * bytes (equal statistics give equal bytes), versioned, and `Statistics.fromBuffer` validates
 * them completely: truncated, oversized, corrupted or foreign bytes are a `RangeError` that
 * says what is wrong, never a crash.
 *
 * @module
 */
import { describe, invalidType, invalidValue, translateNativeError } from './errors.js';
import { notFiniteError } from './finite.js';
import { findNonFinite } from './input.js';
import { native, type CovarianceType, type NativeStatisticsSummary } from './native.js';

/**
 * The row block size that fixes the order of every sum: statistics of chunks that start at
 * multiples of `BLOCK_ROWS`, merged in row order, equal the statistics of the whole.
 */
export const BLOCK_ROWS = 4096;

/**
 * The mark of every build's statistics objects. The package's ES-module and CommonJS builds
 * can both be loaded in one process (a model from `require('gaussmix')` used with statistics
 * from an `import`), and each has its own classes, so `instanceof` cannot tell their statistics
 * apart from anything else; `Symbol.for` gives both builds the same key.
 */
const STATISTICS_BRAND = Symbol.for('gaussmix.Statistics');

/** The statistics' family: which estimators read them. */
export type StatisticsFamily = 'mixture' | 'kmeans';

/**
 * The sums of one E-step over some rows (base class). See {@link MixtureStatistics} and
 * {@link KMeansStatistics}.
 *
 * Statistics are in the units of the model that computed them and carry no scaling: those of a
 * model with `standardize` sum the standardised rows. `maximise` cannot tell them apart, so
 * they must come from a model with the same scaling (the same fitted model, its JSON, or one
 * that warm-started from it), or none for a model without one: other statistics are read as if
 * in the model's units, and the result mixes units without an error.
 */
export abstract class Statistics {
  readonly #bytes: Uint8Array;
  readonly #summary: Readonly<NativeStatisticsSummary>;

  /** @internal Built by the estimators' `statistics()`, by `merge` and by `fromBuffer`. */
  protected constructor(bytes: Uint8Array, summary: NativeStatisticsSummary) {
    this.#bytes = bytes;
    this.#summary = Object.freeze({ ...summary, bytes: undefined });
  }

  /** The number of rows summed (rows of weight 0 included). */
  get rows(): number {
    return this.#summary.rows;
  }

  /**
   * The E-step's objective summed over the rows: Σ wₙ·log p(xₙ) for a mixture (the mean
   * log-likelihood `lowerBound` is `objective / totalWeight`); −inertia for KMeans. In the
   * computing model's units: with `standardize`, Σ wₙ·log p(zₙ) of the standardised rows
   * (the log-likelihood of x is `objective − totalWeight·Σ log scale`, which `lowerBound`
   * reports after `maximise`), and KMeans' inertia in standardised units.
   */
  get objective(): number {
    return this.#summary.objective;
  }

  /** Σ wₙ, the total sample weight of the rows (their number when unweighted). */
  get totalWeight(): number {
    return this.#summary.weight;
  }

  /** The number of components (clusters) K. */
  get nComponents(): number {
    return this.#summary.k;
  }

  /** The number of features D. */
  get nFeatures(): number {
    return this.#summary.d;
  }

  /** Which estimators' statistics these are. */
  get family(): StatisticsFamily {
    return this.#summary.family;
  }

  /**
   * The statistics of these rows followed by `later`'s rows. Both must come from the same
   * model parameters (the same fitted model, or the same iteration of a fit).
   * @throws TypeError - `later` is not a Statistics of the same family.
   * @throws RangeError - they were computed under other parameters or for another shape.
   */
  merge(later: Statistics): this {
    const own = ownStatistics(later);
    if (own === undefined || own.family !== this.family) {
      throw invalidType(`Expected ${this.family} statistics for later but received ${describe(later)}`);
    }
    let merged: NativeStatisticsSummary;
    try {
      merged = native().statisticsMerge(this.#bytes, own.#bytes);
    } catch (err) {
      throw translateNativeError(err);
    }
    return wrapStatistics(merged) as this;
  }

  /** The canonical, versioned encoding (a fresh copy): equal statistics give equal bytes. */
  toBuffer(): Uint8Array {
    return this.#bytes.slice();
  }

  /**
   * Reads bytes written by `toBuffer` (possibly by another process or machine).
   * @param buffer - a Uint8Array (a Node Buffer is one).
   * @throws TypeError - not a Uint8Array.
   * @throws RangeError - bytes that are not valid gaussmix statistics of this format version
   *   (the message says what is wrong), among them centres that are not all finite.
   */
  static fromBuffer<T extends Statistics>(this: { prototype: T }, buffer: Uint8Array): T {
    if (!(buffer instanceof Uint8Array)) {
      throw invalidType(`Expected a Uint8Array for buffer but received ${describe(buffer)}`);
    }
    const bytes = buffer.slice();
    let summary: NativeStatisticsSummary;
    try {
      summary = native().statisticsRead(bytes);
    } catch (err) {
      throw translateNativeError(err);
    }
    if (summary.family === 'mixture') checkMixtureCentres(bytes, summary);
    const statistics: Statistics = wrapStatistics({ ...summary, bytes });
    // MixtureStatistics.fromBuffer (or KMeansStatistics') reads only its own family, and is
    // typed as its own.
    const own = this as unknown as abstract new (...args: never[]) => T;
    if (!(statistics instanceof own)) {
      throw invalidValue(`${own.name}.fromBuffer: the bytes are ${statistics.constructor.name}, not ${own.name}; read them with Statistics.fromBuffer`);
    }
    return statistics;
  }

  /** @internal The encoding itself (not a copy), for the native M-steps. */
  static bytesOf(statistics: Statistics): Uint8Array {
    // Statistics of the package's other build (its ES module and CommonJS copies can both be
    // loaded in one process, e.g. a model from require('gaussmix') fitted through an import of
    // 'gaussmix/distributed'): through their public encoding.
    return #bytes in statistics ? statistics.#bytes : (statistics as { toBuffer(): Uint8Array }).toBuffer();
  }

  /** @internal The summary the native side returned. */
  static summaryOf(statistics: Statistics): Readonly<NativeStatisticsSummary> {
    return statistics.#summary;
  }

  static {
    Object.defineProperty(Statistics.prototype, STATISTICS_BRAND, { value: true });
  }
}

/**
 * @internal `value` as statistics of this build: itself, or, for statistics of the package's
 * other build (see {@link STATISTICS_BRAND}), the same statistics read from their encoding
 * (checked as `fromBuffer` checks any bytes); undefined for anything else.
 * @throws RangeError - the other build's bytes are not statistics this build reads (another
 *   format version).
 */
export function ownStatistics(value: unknown): Statistics | undefined {
  if (value instanceof Statistics) return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const other = value as { [STATISTICS_BRAND]?: unknown; toBuffer?: unknown };
  if (other[STATISTICS_BRAND] !== true || typeof other.toBuffer !== 'function') return undefined;
  const bytes: unknown = (other.toBuffer as () => unknown).call(value);
  if (!(bytes instanceof Uint8Array)) return undefined;
  return Statistics.fromBuffer(bytes);
}

/**
 * Statistics of a Gaussian mixture's E-step (GaussianMixture, GaussianKMeans) or of soft
 * K-means: Σw, Σw·rₖ, Σw·rₖ·(x − cₖ) and, for mixtures, the scatter about the E-step's means,
 * with the log-likelihood Σw·log p(x).
 */
export class MixtureStatistics extends Statistics {
  /** The covariance type of the model the statistics belong to (SoftKMeans: 'spherical'). */
  get covarianceType(): CovarianceType {
    return Statistics.summaryOf(this).covarianceType as CovarianceType;
  }

  /** Whether these are soft K-means statistics (no scatter) rather than a mixture's. */
  get soft(): boolean {
    return !Statistics.summaryOf(this).scatter;
  }

  /**
   * Whether these are a variational fit's (BayesianGaussianMixture's E-step, which also sums
   * Σw·Σₖ rₖ ln rₖ for its lower bound).
   */
  get variational(): boolean {
    return Statistics.summaryOf(this).entropy === true;
  }

  /** Whether the mixture has a uniform noise component (its Σ w·r is summed too). */
  get noise(): boolean {
    return Statistics.summaryOf(this).noise === true;
  }
}

/**
 * Statistics of a KMeans assignment step: every row labelled with its nearest centre, then
 * per cluster Σw and Σw·x, the inertia, and the farthest rows (for empty clusters), under the
 * centres they carry.
 */
export class KMeansStatistics extends Statistics {
  /** Σ wₙ‖xₙ − c_(labelₙ)‖² over the rows, to the centres the statistics were taken under. */
  get inertia(): number {
    return -this.objective;
  }
}

/** The bytes before a mixture's centres: statistics.cc's header. */
const MIXTURE_HEADER_BYTES = 36;

/**
 * A mixture's centres (the K·D f64 after the header: the means the statistics were taken
 * about) are a model's parameters, always finite; the native read checks everything else (a
 * K-means' centres too). The sums may hold ±∞ or NaN: statistics of rows of zero density, or
 * of weights whose sums overflow, are valid, and an M-step refuses them.
 */
function checkMixtureCentres(bytes: Uint8Array, summary: NativeStatisticsSummary): void {
  const values = new Float64Array(summary.k * summary.d);
  const view = new DataView(bytes.buffer, bytes.byteOffset + MIXTURE_HEADER_BYTES, values.length * 8);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat64(8 * i, true);
  const i = findNonFinite(values);
  if (i >= 0) {
    throw invalidValue(
      `not valid gaussmix statistics: the centres are not all finite (centre ${Math.floor(i / summary.d)}, ` +
        `feature ${i % summary.d} is ${String(values[i])})`,
    );
  }
}

/**
 * @internal Refuses statistics that an M-step (`maximise`) cannot turn into parameters, before
 * the model changes: of total weight 0 (a RangeError, as a fit refuses all-zero sample
 * weights), or whose total weight or objective is not finite (their sums overflow float64, or
 * some rows have zero density under the parameters they were taken under: the error a
 * streamed fit raises there).
 * @param what - the method, for the message (e.g. 'GaussianMixture.maximise').
 */
export function checkMaximisable(stats: Statistics, what: string): void {
  const weight = stats.totalWeight;
  if (weight === 0) throw invalidValue('stats weigh nothing: their rows have total weight 0');
  if (!(weight > 0)) throw invalidValue(`stats have an invalid total weight (${weight})`);
  if (weight === Infinity) {
    throw notFiniteError(`${what}: the statistics' total weight overflows float64; scale the sample weights down`);
  }
  if (!Number.isFinite(stats.objective)) {
    const kmeans = stats.family === 'kmeans';
    throw notFiniteError(
      `${what}: the statistics' ${kmeans ? 'inertia' : 'log-likelihood'} is ${kmeans ? -stats.objective : stats.objective}: ` +
        (kmeans
          ? 'the squared distances of some rows overflow float64, or their weighted sum does'
          : 'some rows have zero density under the parameters (their squared distances overflow, or their ' +
            'densities underflow), or its weighted sum overflows float64') +
        '. To fix it, standardise the features or scale the sample weights down.',
    );
  }
}

/** @internal The statistics object for a native summary with its bytes. */
export function wrapStatistics(summary: NativeStatisticsSummary): Statistics {
  const bytes = summary.bytes;
  if (!bytes) throw new Error('gaussmix: internal: statistics without bytes');
  // (The constructors are protected: build through a subclass expression.)
  const Ctor = (summary.family === 'kmeans' ? KMeansStatistics : MixtureStatistics) as unknown as new (
    bytes: Uint8Array,
    summary: NativeStatisticsSummary,
  ) => Statistics;
  return new Ctor(bytes, summary);
}
