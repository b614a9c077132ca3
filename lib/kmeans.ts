/**
 * KMeans: hard K-means by Lloyd's iterations in native code, with scikit-learn's semantics
 * (`algorithm='lloyd'`).
 *
 * @module
 */
import {
  centroidReview,
  CENTROID_OPTION_NAMES,
  centroidOptionsToJSON,
  readCentroidOptions,
  resolveCentroidFit,
  type CentroidOptions,
  type CentroidOptionsJSON,
  type ResolvedCentroidOptions,
} from './centroids.js';
import { allocate, describe, invalidType, invalidValue, translateNativeError } from './errors.js';
import {
  Estimator,
  freezeNDArray,
  restoreModel,
  scalingJSON,
  type FitRequest,
  type FittedState,
  type NativeFitEntries,
} from './estimator.js';
import { centroidFitMemory, checkFitMemory, type MemoryNeed } from './memory-check.js';
import { assignToCentres, nearestCentres } from './evaluate.js';
import type { Matrix } from './input.js';
import { JSON_FORMAT, JSON_VERSION, type ModelJSON, type StateReader } from './json.js';
import {
  native,
  type Labels,
  type NativeIterationInfo,
  type NativeKMeansFit,
  type NativeKMeansOptions,
} from './native.js';
import { compensatedSum } from './numeric.js';
import { fromStandard, type ScalingJSON } from './scaling.js';
import { randomSeed, readOptionsObject, readSampleWeight, resolveThreads } from './options.js';
import { maximiseKMeans, runStreamLloyd } from './kmeans-stream.js';
import type { StatisticsOptions } from './mixture-estimator.js';
import { requireFiniteCentres } from './finite.js';
import { checkMaximisable, KMeansStatistics, ownStatistics, type Statistics, wrapStatistics } from './statistics.js';
import { FIT_PASSES, seedFromPasses, streamPasses, withMinimumRows, type PassFitControl, type RowPasses } from './passes.js';
import type { StreamSource } from './stream.js';
import { checkSource, readStreamOptions, watchStops, type StreamFitOptions } from './stream-em.js';
import { toNested, type Nested } from './tensor.js';
import type { DataInput, FitOptions, IterationInfo, NDArray } from './types.js';
import type { WarningsOption } from './warnings.js';

/**
 * Options of {@link KMeans}. Only `nClusters` is required; see {@link CentroidOptions} for
 * `nInit`, `seed`, `threads` and `init`.
 */
export interface KMeansOptions extends CentroidOptions {
  /**
   * Convergence threshold, >= 0 (default 1e-4). A run stops when the labels stop changing, or
   * when the squared centre shift summed over clusters is <= tol × the mean over features of
   * the (unweighted, population) variance of X, as scikit-learn.
   */
  tol?: number;
  /** Lloyd iterations per restart: an integer >= 1 (default 300). */
  maxIter?: number;
}

/** The fitted state: fresh arrays from the native fit, never handed out (getters copy). */
interface KMeansState extends FittedState {
  /** [K, D] */
  readonly clusterCenters: Float64Array;
  /** [N], compact (see Labels): N bytes rather than 4N for a fit's state */
  readonly labels: Labels;
  readonly inertia: number;
}

/** The fitted state in plain-JSON form (what `toJSON` writes under `state`). */
export interface KMeansStateJSON {
  /** [K][D] */
  clusterCenters: Nested[];
  /** [N] */
  labels: number[];
  /** [K] */
  weights: number[];
  inertia: number;
  nIter: number;
  converged: boolean;
  nFeaturesIn: number;
  /** With option `standardize`: the scaling; the other fields are then in standardised units. */
  scaling?: ScalingJSON;
}

/** What {@link KMeans.toJSON} returns. */
export type KMeansJSON = ModelJSON<'KMeans', CentroidOptionsJSON, KMeansStateJSON>;

const STATE_FIELDS = ['clusterCenters', 'labels', 'weights', 'inertia', 'nIter', 'converged', 'nFeaturesIn'] as const;

/**
 * Hard K-means (scikit-learn's `KMeans` with `algorithm='lloyd'`): K centres, each the
 * (weighted) mean of the samples nearest to it. The work runs in native code on a thread pool;
 * results are bit-identical for a given `seed` whatever the thread count.
 *
 * As scikit-learn: the data are centred on their unweighted mean while iterating; a run stops
 * when the labels stop changing or on the centre-shift tolerance (see {@link KMeansOptions.tol});
 * an empty cluster is re-seeded at the sample farthest from its centre; and the labels always
 * belong to the final centres (reassigned after the last update).
 *
 * Data whose squared distances overflow float64 (features of magnitude beyond about 1e153) are
 * refused: the fit fails with code `ERR_GAUSSMIX_ILL_CONDITIONED` naming a cluster, and asks
 * to standardise the features; the previous model is kept. `predict` and `transform` stay exact
 * on such rows (a scaled computation for the rows that need it).
 *
 * Fitting, the busy guard, aborting, `onIteration` and the not-fitted errors behave as
 * {@link GaussianMixture}'s. `onIteration` receives as `objective` the weighted inertia of each
 * iteration's assignment step (to the centres before that iteration's update) and as `change`
 * its difference from the previous iteration (−Infinity on the first iteration of a restart,
 * measured from +∞); returning false stops the fit and keeps the centres reached.
 *
 * @example
 * ```ts
 * const km = new KMeans({ nClusters: 3, seed: 42 });
 * await km.fit(points);
 * km.clusterCenters; // NDArray [3, D]
 * km.predict(newPoints);
 * ```
 */
export class KMeans extends Estimator<KMeansState, NativeKMeansOptions, NativeKMeansFit> {
  /** The `kind` written by `toJSON`. */
  protected static override readonly kind = 'KMeans';

  readonly #options: ResolvedCentroidOptions;

  /**
   * @param options - only `nClusters` is required; see {@link KMeansOptions}.
   * @throws TypeError - options not an object, or an option of the wrong type.
   * @throws RangeError - an unknown option name, a value out of range, or explicit `init`
   *   centres whose row count is not `nClusters`.
   */
  constructor(options: KMeansOptions) {
    super();
    const o = readOptionsObject(options, 'KMeans options', CENTROID_OPTION_NAMES);
    this.#options = readCentroidOptions(o, { tol: 1e-4, maxIter: 300 });
  }

  /** The number of clusters K (an option; available before fitting). */
  get nClusters(): number {
    return this.#options.nClusters;
  }

  /** Whether fits standardise X (an option; see {@link CentroidOptions.standardize}). */
  get standardize(): boolean {
    return this.#options.standardize;
  }

  // ------------------------------------------------------------------------- fitted attributes

  /**
   * The cluster centres, NDArray [K, D] (a copy; in the original units with `standardize`).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get clusterCenters(): NDArray {
    const s = this.fitted('clusterCenters');
    const c = s.scaling ? fromStandard(s.clusterCenters, s.d, s.scaling) : s.clusterCenters.slice();
    return freezeNDArray(c, [this.nClusters, s.d]);
  }

  /**
   * The cluster of each training sample, Int32Array [N] (a copy): its nearest final centre.
   * Empty after `fitStream` or `maximise`, which hold no training rows (`predict` gives them).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get labels(): Int32Array {
    return new Int32Array(this.fitted('labels').labels);
  }


  /**
   * Σₙ wₙ‖xₙ − c_(labelₙ)‖² over the training data, with the raw `sampleWeight` (1 when absent)
   * and the final labels (scikit-learn's `inertia_`).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get inertia(): number {
    return this.fitted('inertia').inertia;
  }




  // ------------------------------------------------------------------------------------ fitting

  protected get threadCount(): number {
    return this.#options.threads;
  }

  protected override get warningsOption(): WarningsOption {
    return this.#options.warnings;
  }

  /** The memory a fit certainly needs (checked before any work; see lib/memory-check.ts). */
  protected override fitMemory(n: number, d: number): MemoryNeed | undefined {
    const k = this.#options.nClusters;
    return k > n ? undefined : centroidFitMemory({ k, d, n, labels: true });
  }

  protected prepareFit(X: Matrix, sampleWeight: ArrayLike<number> | undefined): FitRequest<NativeKMeansOptions> {
    return resolveCentroidFit(this.#options, X, sampleWeight, this.className);
  }

  protected nativeFit(): NativeFitEntries<NativeKMeansOptions, NativeKMeansFit> {
    const addon = native();
    return { sync: addon.fitKMeansSync.bind(addon), async: addon.fitKMeansAsync.bind(addon) };
  }

  protected override iterationInfo(info: NativeIterationInfo): IterationInfo {
    // The native first change is NaN (inertia − nothing); report it as measured from +∞.
    const change = info.iter === 1 && Number.isNaN(info.change) ? -Infinity : info.change;
    return super.iterationInfo({ ...info, change });
  }

  protected stateFromFit(r: FitRequest<NativeKMeansOptions>, fit: NativeKMeansFit): KMeansState {
    const k = this.nClusters;
    const { n, d } = r.X;
    this.checkNativeSizes([
      [fit.clusterCenters, k * d],
      [fit.labels, n],
      [fit.clusterWeights, k],
    ]);
    return Object.freeze({
      d,
      clusterCenters: fit.clusterCenters,
      labels: fit.labels,
      weights: shareOf(fit.clusterWeights),
      inertia: fit.inertia,
      nIter: fit.nIter,
      converged: fit.converged,
      ...(r.scaling ? { scaling: r.scaling } : {}),
    });
  }

  // ------------------------------------------------------------- statistics and streamed fits

  /**
   * The sufficient statistics of one assignment step over X's rows under the current centres
   * (the fitted ones, or those a fit with `maxIter: 1` reached): each row labelled with its
   * nearest centre, then per cluster Σw and Σw·x, the inertia (`objective` is −inertia) and the
   * rows farthest from their centres. What {@link KMeans.maximise} needs, and what streamed and
   * distributed fits sum chunk by chunk: statistics of chunks of rows that start at multiples
   * of `BLOCK_ROWS`, merged in row order, equal those of all the rows bit for bit. X is in its
   * own units; with `standardize` the sums and the inertia are in the model's standardised
   * units, and only a model with the same scaling may `maximise` them (statistics carry no
   * scaling: see {@link Statistics}).
   * @param options - `sampleWeight`: raw weights of X's rows (all zero allowed).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting (before any argument error);
   *   code `ERR_GAUSSMIX_ILL_CONDITIONED` when a squared distance overflows.
   * @throws TypeError / RangeError - bad X, D different from the fitted model, bad weights.
   */
  statistics(X: DataInput, options?: StatisticsOptions): KMeansStatistics {
    const { X: m, s } = this.input(X, 'statistics()');
    const o = options === undefined ? {} : (readOptionsObject(options, 'statistics options', ['sampleWeight']) as StatisticsOptions);
    const sampleWeight = o.sampleWeight === undefined ? undefined : readSampleWeight(o.sampleWeight, m.n, 'sampleWeight', true);
    try {
      const summary = native().kmeansStatisticsSync(m.data, m.n, m.d, {
        k: this.nClusters,
        centres: s.clusterCenters,
        threads: resolveThreads(this.threadCount, m.n * this.nClusters * m.d),
        ...(sampleWeight ? { sampleWeight } : {}),
      });
      return wrapStatistics(summary) as KMeansStatistics;
    } catch (err) {
      throw translateNativeError(err);
    }
  }

  /**
   * The update (M-step) from statistics: cₖ = Σw·x / Σw over the rows labelled k, an empty
   * cluster re-seeded at the farthest row (scikit-learn's rule), from the centres the
   * statistics were taken under. `inertia` becomes the statistics' (to those centres),
   * `labels` empty, `nIter` grows by one and `converged` is whether the centres stayed put.
   * The statistics are read in this model's units (standardised with its scaling, if it has
   * one): they must come from a model with the same scaling, or none (they carry no scaling,
   * so others are not detected and mix units).
   * @throws TypeError - not a KMeans's statistics.
   * @throws RangeError - statistics of another K or D, or of total weight 0.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting; `ERR_GAUSSMIX_ILL_CONDITIONED`
   *   when the statistics' inertia or total weight is not finite, or the centres would not be;
   *   `ERR_GAUSSMIX_BUSY` while a fit of this instance runs. The model is unchanged then.
   */
  maximise(stats: Statistics): this {
    const s = this.fitted('maximise()');
    stats = ownStatistics(stats) ?? stats; // (statistics of the package's other build, too)
    if (!(stats instanceof KMeansStatistics)) {
      throw invalidType(`Expected the statistics of a KMeans for stats but received ${describe(stats)}`);
    }
    if (stats.nComponents !== this.nClusters || stats.nFeatures !== s.d) {
      throw invalidValue(
        `stats have ${stats.nComponents} clusters and ${stats.nFeatures} features, but this KMeans has ` +
          `${this.nClusters} and ${s.d}`,
      );
    }
    checkMaximisable(stats, 'KMeans.maximise');
    const step = maximiseKMeans(stats);
    requireFiniteCentres('KMeans.maximise', step.centers, step.clusterWeights, s.d);
    this.replaceState(
      Object.freeze({
        d: s.d,
        clusterCenters: step.centers,
        labels: new Uint8Array(0),
        weights: shareOf(step.clusterWeights),
        inertia: stats.inertia,
        nIter: s.nIter + 1,
        converged: step.unchanged,
        // (A standardising model's statistics are in its standardised units: it keeps them.)
        ...(s.scaling ? { scaling: s.scaling } : {}),
      }),
    );
    return this;
  }

  /**
   * Fits the model to a stream of rows (see {@link GaussianMixture.fitStream}): one pass per
   * Lloyd iteration (and one for tol's scale when tol > 0, one more for the final inertia),
   * bit-identical to `fit` on all the rows from the same explicit `init` centres, for any
   * batching and thread count. Without explicit centres, the seeding (`init`) picks from a
   * seeded uniform sample of `initSampleRows` rows drawn in one pass. `labels` are empty (no
   * training rows are held).
   * @throws (rejects) TypeError / RangeError / AbortError / Error - as `GaussianMixture.fitStream`.
   */
  async fitStream(source: StreamSource, options?: StreamFitOptions): Promise<this> {
    const what = 'KMeans.fitStream';
    checkSource(source, what);
    const o = this.#options;
    const so = readStreamOptions(options, `${what} options`, o.nClusters);
    const given = typeof o.init === 'string' ? undefined : o.init;
    const passes = streamPasses(source, { what, d: given?.d, signal: so.signal, threads: resolveThreads(o.threads) });
    return this.#fitPasses(passes, so);
  }

  /** The options a fit over passes refuses: standardize. */
  protected override checkPassFit(what: string): void {
    if (this.#options.standardize) {
      throw invalidValue(`${what}: standardize is not supported on streamed or distributed fits yet; standardise the rows before the fit`);
    }
  }

  /** @internal A fit over passes that are rounds of jobs (`gaussmix/distributed`). */
  async [FIT_PASSES](passes: RowPasses, control: PassFitControl): Promise<this> {
    return this.#fitPasses(passes, control);
  }

  /** Lloyd's iterations over passes (see {@link KMeans.fitStream}). */
  #fitPasses(rowPasses: RowPasses, userControl: PassFitControl): Promise<this> {
    const o = this.#options;
    const k = o.nClusters;
    const passes = withMinimumRows(rowPasses, k, 'nClusters');
    const { control, stopped } = watchStops(userControl);
    this.checkPassFit(passes.what);
    const given = typeof o.init === 'string' ? undefined : o.init;
    const review = centroidReview(o, this.className, given !== undefined);
    return this.exclusive(control.signal, async () => {
      passes.checkWidth((d) => checkFitMemory(passes.what, centroidFitMemory({ k, d, n: 0, labels: false })));
      const threads = resolveThreads(o.threads);
      const seed = o.seed ?? control.fallbackSeed ?? randomSeed();
      // (tol 0 needs no scale: no pass.)
      const seeding = { kName: 'nClusters', k, seed, init: o.init === 'random' ? 'random' : 'k-means++', threads, sampleRows: control.initSampleRows } as const;
      const threshold = o.tol === 0 ? 0 : o.tol * (await passes.meanVariance());
      const result = await runStreamLloyd(
        {
          k,
          nInit: given ? 1 : o.nInit,
          maxIter: o.maxIter,
          threshold,
          initialise: async (restart) => (given ? given.data : seedFromPasses(passes, seeding, restart)),
          pass: async (centres) => (await passes.statistics({ kind: 'kmeans', k, centres })) as KMeansStatistics,
        },
        control,
      );
      await control.drain?.();
      return Object.freeze({
        d: passes.d ?? result.centres.length / k,
        clusterCenters: result.centres,
        labels: new Uint8Array(0),
        weights: shareOf(result.clusterWeights),
        inertia: result.inertia,
        nIter: result.nIter,
        converged: result.converged,
      });
    }, control.claim, { review, rows: () => passes.rows, stopped });
  }

  // ------------------------------------------------------------------------------- prediction

  /**
   * The nearest centre of each sample (ties to the lowest index).
   * @param X - samples with the fitted number of features.
   * @returns Int32Array [N] of labels in [0, K).
   * @throws TypeError / RangeError - bad X, or D different from the fitted model.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  predict(X: DataInput): Int32Array {
    const { X: m, s } = this.input(X, 'predict()');
    return nearestCentres(m, s.clusterCenters, this.threadCount);
  }

  /**
   * The Euclidean distance of each sample to each centre (scikit-learn's `transform`),
   * computed exactly as ‖x − c‖ (not by the expanded ‖x‖² − 2x·c + ‖c‖²), scaled where its
   * square would overflow or underflow: Infinity only for a distance beyond Number.MAX_VALUE.
   * @returns NDArray [N, K].
   * @throws TypeError / RangeError / Error - as {@link KMeans.predict}.
   */
  transform(X: DataInput): NDArray {
    const { X: m, s } = this.input(X, 'transform()');
    const k = this.nClusters;
    const distances = allocate(Float64Array, m.n * k, 'transform(): the distances');
    assignToCentres(m, s.clusterCenters, this.threadCount, { distances });
    return freezeNDArray(distances, [m.n, k]);
  }

  /**
   * Fits the model to X (blocking, as {@link KMeans.fitSync}) and returns the training labels,
   * `labels` (scikit-learn's `fit_predict`: each sample's nearest final centre, so
   * `predict(X)` gives the same).
   * @throws TypeError / RangeError / AbortError / Error - as `fitSync`.
   */
  override fitPredict(X: DataInput, options?: FitOptions): Int32Array {
    return this.fitSync(X, options).labels;
  }

  /**
   * Fits the model to X (blocking, as {@link KMeans.fitSync}) and returns the distance of each
   * sample to each final centre, `transform(X)` (scikit-learn's `fit_transform`).
   * @returns NDArray [N, K].
   * @throws TypeError / RangeError / AbortError / Error - as `fitSync`.
   */
  fitTransform(X: DataInput, options?: FitOptions): NDArray {
    return this.fitSync(X, options).transform(X);
  }

  /**
   * The opposite of the inertia of X, −Σₙ wₙ‖xₙ − c_(nearest)‖² (scikit-learn's `score`:
   * higher is better; a sum, not a mean).
   * @param sampleWeight - optional weights: length N, finite, >= 0, not all zero.
   * @throws TypeError / RangeError / Error - as {@link KMeans.predict}, or bad weights.
   */
  score(X: DataInput, sampleWeight?: ArrayLike<number>): number {
    const { X: m, s } = this.input(X, 'score()');
    const w = sampleWeight === undefined ? undefined : readSampleWeight(sampleWeight, m.n);
    const labels = nearestCentres(m, s.clusterCenters, this.threadCount);
    const d2 = new Float64Array(m.n);
    for (let i = 0; i < m.n; i++) {
      const c = (labels[i] as number) * m.d;
      let sum = 0;
      for (let j = 0; j < m.d; j++) {
        const diff = (m.data[i * m.d + j] as number) - (s.clusterCenters[c + j] as number);
        sum += diff * diff;
      }
      d2[i] = sum;
    }
    return -compensatedSum(d2, w);
  }

  // --------------------------------------------------------------------------------------- JSON

  /**
   * The model as a plain, versioned object: `{ format: 'gaussmix', version: 1, kind: 'KMeans',
   * options, state }`, with `state` null before fitting. Every number is a JSON number (exact
   * for float64), so `KMeans.fromJSON(JSON.parse(JSON.stringify(model)))` predicts
   * bit-identically.
   */
  toJSON(): KMeansJSON {
    const s = this.state;
    const state: KMeansStateJSON | null = s && {
      clusterCenters: toNested(s.clusterCenters, [this.nClusters, s.d]),
      labels: Array.from(s.labels),
      weights: Array.from(s.weights),
      inertia: s.inertia,
      nIter: s.nIter,
      converged: s.converged,
      nFeaturesIn: s.d,
      ...scalingJSON(s),
    };
    return { format: JSON_FORMAT, version: JSON_VERSION, kind: 'KMeans', options: centroidOptionsToJSON(this.#options), state };
  }

  /**
   * Restores a model written by {@link KMeans.toJSON} (also after `JSON.stringify`/`JSON.parse`).
   * @throws TypeError - a field of the wrong type (the message names it).
   * @throws RangeError - another format, version or kind; a missing or unknown field; a shape
   *   that does not match the options; invalid values.
   */
  static fromJSON(obj: unknown): KMeans {
    return restoreModel(obj, 'KMeans.fromJSON', ['KMeans'], (_, o) => new KMeans(o as KMeansOptions), STATE_FIELDS, readState);
  }
}

/** Each cluster's share of the total weight (the native fit sums the weights per label). */
function shareOf(clusterWeights: Float64Array): Float64Array {
  let total = 0;
  for (const w of clusterWeights) total += w;
  return clusterWeights.map((w) => w / total);
}

/** The fitted state from its checked JSON fields. */
function readState(st: StateReader, model: KMeans): KMeansState {
  const k = model.nClusters;
  const fitted = st.fitted(k, 'nClusters');
  return Object.freeze({
    ...fitted,
    clusterCenters: st.tensor('clusterCenters', 2, [k, fitted.d], '[nClusters, nFeaturesIn]'),
    labels: st.labels('labels', k),
    inertia: st.number('inertia', 0),
  });
}
