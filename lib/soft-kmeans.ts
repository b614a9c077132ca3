/**
 * SoftKMeans: MacKay's soft K-means, in native code on the EM engine.
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
import { freezeNDArray, restoreModel, scalingJSON, type FitRequest, type NativeFitEntries } from './estimator.js';
import { centroidFitMemory, checkFitMemory, type MemoryNeed } from './memory-check.js';
import { nearestCentres, sampleMixture } from './evaluate.js';
import type { Matrix } from './input.js';
import { encodeScalar, JSON_FORMAT, JSON_VERSION, type ModelJSON, type StateReader } from './json.js';
import { MixtureEstimator, type MixtureFittedState } from './mixture-estimator.js';
import {
  native,
  type NativeMixtureParams,
  type NativeSoftKMeansFit,
  type NativeSoftKMeansOptions,
} from './native.js';
import { describe, invalidType, invalidValue, translateNativeError } from './errors.js';
import { integerOption, randomSeed, numberOption, readOptionsObject, resolveThreads, seedOption } from './options.js';
import { fromStandard, type ScalingJSON } from './scaling.js';
import { requireFiniteCentres } from './finite.js';
import { checkMaximisable, MixtureStatistics, ownStatistics, Statistics } from './statistics.js';
import { FIT_PASSES, seedFromPasses, streamPasses, withMinimumRows, type PassFitControl, type RowPasses } from './passes.js';
import type { StreamSource } from './stream.js';
import { checkSource, readStreamOptions, runStreamEm, watchStops, type StreamFitOptions } from './stream-em.js';
import { weightedMean } from './numeric.js';
import { toNested, type Nested } from './tensor.js';
import type { DataInput, NDArray } from './types.js';
import type { WarningsOption } from './warnings.js';

/**
 * Options of {@link SoftKMeans}. Only `nClusters` is required; see {@link CentroidOptions} for
 * `nInit`, `seed`, `threads` and `init`.
 */
export interface SoftKMeansOptions extends CentroidOptions {
  /**
   * The stiffness β > 0 (default 1): responsibilities are r_nk ∝ exp(−β·½‖xₙ − μₖ‖²), i.e.
   * clusters of standard deviation 1/√β in every feature. β is in units of 1/X², so the
   * default suits standardised features; as β → ∞ soft K-means becomes hard K-means. Any
   * finite β > 0 is taken (no bound makes every density finite: that depends on the data's
   * scale). A row whose β·½‖x − μ‖² overflows float64 for every mean (any row off the means at
   * β = 1e308) has density 0: a fit refuses it (`ERR_GAUSSMIX_ILL_CONDITIONED`), and
   * `scoreSamples` of a loaded model gives −Infinity there, never NaN.
   */
  stiffness?: number;
  /**
   * Convergence threshold, >= 0 (default 1e-6): a run stops when the largest change of any
   * mean coordinate in an iteration is strictly below tol, so 0 runs exactly `maxIter`
   * iterations.
   */
  tol?: number;
  /** Iterations per restart: an integer >= 1 (default 100). */
  maxIter?: number;
}

/** {@link SoftKMeansOptions} in plain-JSON form. */
export interface SoftKMeansOptionsJSON extends CentroidOptionsJSON {
  stiffness: number;
}

/** The fitted state: fresh arrays, never handed out (getters copy). */
interface SoftKMeansState extends MixtureFittedState {
  /** The equal-weight spherical mixture with variance 1/β (its own weights are 1/K). */
  readonly params: Readonly<NativeMixtureParams>;
}

/** The fitted state in plain-JSON form (what `toJSON` writes under `state`). */
export interface SoftKMeansStateJSON {
  /** [K][D] */
  means: Nested[];
  /** [K] */
  weights: number[];
  converged: boolean;
  nIter: number;
  lowerBound: number | string;
  nFeaturesIn: number;
  /** With option `standardize`: the scaling; the other fields are then in standardised units. */
  scaling?: ScalingJSON;
}

/** What {@link SoftKMeans.toJSON} returns. */
export type SoftKMeansJSON = ModelJSON<'SoftKMeans', SoftKMeansOptionsJSON, SoftKMeansStateJSON>;

const OPTION_NAMES = [...CENTROID_OPTION_NAMES, 'stiffness'] as const;
const STATE_FIELDS = ['means', 'weights', 'converged', 'nIter', 'lowerBound', 'nFeaturesIn'] as const;

/** The mixture soft K-means with these means and stiffness is EM for. */
function mixtureOf(means: Float64Array, k: number, stiffness: number): Readonly<NativeMixtureParams> {
  return Object.freeze({
    covarianceType: 'spherical',
    weights: new Float64Array(k).fill(1 / k),
    means,
    covariances: new Float64Array(k).fill(1 / stiffness),
    precisionsCholesky: new Float64Array(k).fill(Math.sqrt(stiffness)),
  });
}

/**
 * MacKay's soft K-means (Information Theory, Inference, and Learning Algorithms, ch. 20):
 * responsibilities r_nk ∝ exp(−β·½‖xₙ − μₖ‖²) with stiffness β, then μₖ = Σₙ wₙ r_nk xₙ /
 * Σₙ wₙ r_nk. That is EM for an equal-weight mixture of spherical Gaussians with the fixed
 * variance 1/β, whose mean log-likelihood never decreases; it is reported as `lowerBound` and
 * as the `objective` of `onIteration`.
 *
 * Fitting, the busy guard, aborting, `onIteration` and the not-fitted errors behave as
 * {@link GaussianMixture}'s; `init`, `nInit` and `seed` as {@link KMeans}'s.
 *
 * @example
 * ```ts
 * const sk = new SoftKMeans({ nClusters: 3, stiffness: 4, seed: 42 });
 * await sk.fit(standardised);
 * sk.means;             // NDArray [3, D]
 * sk.predictProba(X);   // NDArray [N, 3], the responsibilities
 * ```
 */
export class SoftKMeans extends MixtureEstimator<SoftKMeansState, NativeSoftKMeansOptions, NativeSoftKMeansFit> {
  /** The `kind` written by `toJSON`. */
  protected static override readonly kind = 'SoftKMeans';

  readonly #options: ResolvedCentroidOptions;
  readonly #stiffness: number;

  /**
   * @param options - only `nClusters` is required; see {@link SoftKMeansOptions}.
   * @throws TypeError - options not an object, or an option of the wrong type.
   * @throws RangeError - an unknown option name, a value out of range (stiffness <= 0), or
   *   explicit `init` centres whose row count is not `nClusters`.
   */
  constructor(options: SoftKMeansOptions) {
    super();
    const o = readOptionsObject(options, 'SoftKMeans options', OPTION_NAMES);
    this.#options = readCentroidOptions(o, { tol: 1e-6, maxIter: 100 });
    this.#stiffness = o.stiffness === undefined ? 1 : numberOption(o.stiffness, 'stiffness', 0, true);
  }

  /** The number of clusters K (an option; available before fitting). */
  get nClusters(): number {
    return this.#options.nClusters;
  }

  /** Whether fits standardise X (an option; see {@link CentroidOptions.standardize}). */
  get standardize(): boolean {
    return this.#options.standardize;
  }

  /** The stiffness β (an option; available before fitting). */
  get stiffness(): number {
    return this.#stiffness;
  }

  // ------------------------------------------------------------------------- fitted attributes

  /**
   * The cluster means μ, NDArray [K, D] (a copy; in the original units with `standardize`).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get means(): NDArray {
    const s = this.fitted('means');
    const means = s.scaling ? fromStandard(s.params.means, s.d, s.scaling) : s.params.means.slice();
    return freezeNDArray(means, [this.nClusters, s.d]);
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
    return k > n ? undefined : centroidFitMemory({ k, d, n, labels: false });
  }

  protected prepareFit(X: Matrix, sampleWeight: ArrayLike<number> | undefined): FitRequest<NativeSoftKMeansOptions> {
    const r = resolveCentroidFit(this.#options, X, sampleWeight, this.className);
    return { ...r, options: { ...r.options, stiffness: this.#stiffness }, objectiveShift: r.scaling?.logScale };
  }

  protected nativeFit(): NativeFitEntries<NativeSoftKMeansOptions, NativeSoftKMeansFit> {
    const addon = native();
    return { sync: addon.fitSoftKMeansSync.bind(addon), async: addon.fitSoftKMeansAsync.bind(addon) };
  }

  protected stateFromFit(r: FitRequest<NativeSoftKMeansOptions>, fit: NativeSoftKMeansFit): SoftKMeansState {
    const k = this.nClusters;
    const { d } = r.X;
    this.checkNativeSizes([[fit.means, k * d], [fit.weights, k]]);
    return Object.freeze({
      d,
      params: mixtureOf(fit.means, k, this.#stiffness),
      weights: fit.weights,
      converged: fit.converged,
      nIter: fit.nIter,
      lowerBound: fit.objective,
      ...(r.scaling ? { scaling: r.scaling } : {}),
    });
  }

  // ------------------------------------------------------------- statistics and streamed fits

  protected statisticsRequest(s: SoftKMeansState): { kind: 'soft'; params: NativeMixtureParams } {
    return { kind: 'soft', params: s.params };
  }

  /**
   * The M-step from statistics (see {@link MixtureEstimator.statistics}): μₖ = Σ w·r·x / Σ w·r
   * (a cluster with Σ w·r = 0 keeps its mean). `weights` become the clusters' shares in those
   * statistics (under the means they were computed with), `lowerBound` their mean
   * log-likelihood, `nIter` grows by one and `converged` is false. The statistics are read in
   * this model's units (standardised with its scaling, if it has one): they must come from a
   * model with the same scaling, or none (they carry no scaling, so others are not detected and
   * mix units).
   * @throws TypeError - not a SoftKMeans's statistics.
   * @throws RangeError - statistics of another K or D, or of total weight 0.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting (the current means are
   *   needed); `ERR_GAUSSMIX_ILL_CONDITIONED` when the statistics' log-likelihood or total
   *   weight is not finite, or the means or weights would not be; `ERR_GAUSSMIX_BUSY` while a
   *   fit of this instance runs. The model is unchanged in every case.
   */
  maximise(stats: Statistics): this {
    const s = this.fitted('maximise()');
    stats = ownStatistics(stats) ?? stats; // (statistics of the package's other build, too)
    if (!(stats instanceof MixtureStatistics) || !stats.soft) {
      throw invalidType(`Expected the statistics of a SoftKMeans for stats but received ${describe(stats)}`);
    }
    if (stats.nComponents !== this.nClusters || stats.nFeatures !== s.d) {
      throw invalidValue(
        `stats have ${stats.nComponents} clusters and ${stats.nFeatures} features, but this SoftKMeans has ` +
          `${this.nClusters} and ${s.d}`,
      );
    }
    checkMaximisable(stats, 'SoftKMeans.maximise');
    let next: { means: Float64Array; weights: Float64Array };
    try {
      next = native().softKMeansMaximise(Statistics.bytesOf(stats), s.params.means);
    } catch (err) {
      throw translateNativeError(err);
    }
    requireFiniteCentres('SoftKMeans.maximise', next.means, next.weights, s.d);
    this.replaceState(
      Object.freeze({
        d: s.d,
        params: mixtureOf(next.means, this.nClusters, this.#stiffness),
        weights: next.weights,
        converged: false,
        nIter: s.nIter + 1,
        lowerBound: stats.objective / stats.totalWeight,
        // (A standardising model's statistics are in its standardised units: it keeps them.)
        ...(s.scaling ? { scaling: s.scaling } : {}),
      }),
    );
    return this;
  }

  /**
   * Fits the model to a stream of rows (see {@link GaussianMixture.fitStream}): one pass per
   * iteration, bit-identical to `fit` on all the rows from the same explicit `init` centres, for
   * any batching and thread count. Without explicit centres, the seeding (`init`) picks from a
   * seeded uniform sample of `initSampleRows` rows drawn in one pass. `weights` take one more
   * pass under the final means, as in `fit`.
   * @throws (rejects) TypeError / RangeError / AbortError / Error - as `GaussianMixture.fitStream`.
   */
  async fitStream(source: StreamSource, options?: StreamFitOptions): Promise<this> {
    const what = 'SoftKMeans.fitStream';
    checkSource(source, what);
    const so = readStreamOptions(options, `${what} options`, this.#options.nClusters);
    const given = typeof this.#options.init === 'string' ? undefined : this.#options.init;
    const passes = streamPasses(source, { what, d: given?.d, signal: so.signal, threads: resolveThreads(this.#options.threads) });
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

  /** Exact soft K-means over passes (see {@link SoftKMeans.fitStream}). */
  #fitPasses(rowPasses: RowPasses, userControl: PassFitControl): Promise<this> {
    const o = this.#options;
    const k = o.nClusters;
    const passes = withMinimumRows(rowPasses, k, 'nClusters');
    const { control, stopped } = watchStops(userControl);
    const what = passes.what;
    this.checkPassFit(what);
    const given = typeof o.init === 'string' ? undefined : o.init;
    const review = centroidReview(o, this.className, given !== undefined);
    return this.exclusive(control.signal, async () => {
      passes.checkWidth((d) => checkFitMemory(passes.what, centroidFitMemory({ k, d, n: 0, labels: false })));
      const threads = resolveThreads(o.threads);
      const seed = o.seed ?? control.fallbackSeed ?? randomSeed();
      const stiffness = this.#stiffness;
      const seeding = { kName: 'nClusters', k, seed, init: o.init === 'random' ? 'random' : 'k-means++', threads, sampleRows: control.initSampleRows } as const;
      const pass = (params: NativeMixtureParams) => passes.statistics({ kind: 'soft', params });
      const result = await runStreamEm<NativeMixtureParams>(
        {
          nInit: given ? 1 : o.nInit,
          maxIter: o.maxIter,
          previousObjective: -Infinity,
          initialise: async (restart) => mixtureOf(given ? given.data : await seedFromPasses(passes, seeding, restart), k, stiffness),
          expectation: pass,
          maximise: (stats, params) =>
            mixtureOf(native().softKMeansMaximise(Statistics.bytesOf(stats), params.means).means, k, stiffness),
          converged: (_change, before, after) => {
            let largest = 0;
            for (let i = 0; i < after.means.length; i++) {
              largest = Math.max(largest, Math.abs((after.means[i] as number) - (before.means[i] as number)));
            }
            return largest < o.tol;
          },
          notFinite: (iter) =>
            invalidValue(
              `${what}: the log-likelihood is not finite in iteration ${iter}: some rows are too far from every ` +
                'centre for this stiffness. To fix it, standardise the features or use a smaller stiffness.',
            ),
        },
        control,
      );
      // One more pass, under the final means, for each cluster's share of the data.
      const shares = native().softKMeansMaximise(Statistics.bytesOf(await pass(result.params)), result.params.means);
      await control.drain?.();
      return Object.freeze({
        d: passes.d ?? result.params.means.length / k,
        params: result.params,
        weights: shares.weights,
        converged: result.converged,
        nIter: result.nIter,
        lowerBound: result.lowerBound,
      });
    }, control.claim, { review, rows: () => passes.rows, stopped });
  }

  // ------------------------------------------------------------------------------- prediction

  /**
   * The nearest mean of each sample (ties to the lowest index); also the most responsible
   * cluster.
   * @param X - samples with the fitted number of features.
   * @returns Int32Array [N] of labels in [0, K).
   * @throws TypeError / RangeError - bad X, or D different from the fitted model.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  predict(X: DataInput): Int32Array {
    const { X: m, s } = this.input(X, 'predict()');
    return nearestCentres(m, s.params.means, this.threadCount);
  }

  /**
   * The free parameters of the model `scoreSamples` evaluates: the K·D means (its weights are
   * equal and its variance 1/β is the `stiffness` option, not fitted).
   */
  get nParameters(): number {
    return this.nClusters * this.fitted('nParameters').d;
  }

  /**
   * The Bayesian information criterion on X, −2·score(X)·N + p·ln N with p = K·D
   * ({@link SoftKMeans.nParameters}); lower is better.
   * @throws TypeError / RangeError / Error - as {@link SoftKMeans.predict}.
   */
  bic(X: DataInput): number {
    const lp = this.scoreSamples(X);
    return -2 * weightedMean(lp, undefined) * lp.length + this.nParameters * Math.log(lp.length);
  }

  /**
   * The Akaike information criterion on X, −2·score(X)·N + 2·p with p = K·D; lower is better.
   * @throws TypeError / RangeError / Error - as {@link SoftKMeans.predict}.
   */
  aic(X: DataInput): number {
    const lp = this.scoreSamples(X);
    return -2 * weightedMean(lp, undefined) * lp.length + 2 * this.nParameters;
  }

  /**
   * Draws n samples from the model `scoreSamples` evaluates (each cluster with probability 1/K,
   * then N(μ_k, I/β)), grouped by cluster in increasing order, as the mixtures' `sample`.
   * @param n - an integer >= 1 (default 1).
   * @param seed - an integer in [0, 2^53); absent: the `seed` option if given, else a fresh one.
   * @returns `X` NDArray [n, D] (in the original units with `standardize`) and each sample's
   *   cluster in `labels`.
   * @throws TypeError / RangeError - bad n or seed, or an output too large.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting (before any argument error).
   */
  sample(n = 1, seed?: number): { X: NDArray; labels: Int32Array } {
    const st = this.fitted('sample()');
    const count = integerOption(n, 'n', 1);
    const s = seed === undefined ? (this.#options.seed ?? randomSeed()) : seedOption(seed);
    const drawn = sampleMixture(st.params, st.d, count, s);
    if (!st.scaling) return drawn;
    return { X: freezeNDArray(fromStandard(drawn.X.data, st.d, st.scaling), [count, st.d]), labels: drawn.labels };
  }

  // --------------------------------------------------------------------------------------- JSON

  /**
   * The model as a plain, versioned object: `{ format: 'gaussmix', version: 1, kind:
   * 'SoftKMeans', options, state }`, with `state` null before fitting;
   * `SoftKMeans.fromJSON(JSON.parse(JSON.stringify(model)))` predicts bit-identically.
   */
  toJSON(): SoftKMeansJSON {
    const s = this.state;
    const state: SoftKMeansStateJSON | null = s && {
      means: toNested(s.params.means, [this.nClusters, s.d]),
      weights: Array.from(s.weights),
      converged: s.converged,
      nIter: s.nIter,
      lowerBound: encodeScalar(s.lowerBound),
      nFeaturesIn: s.d,
      ...scalingJSON(s),
    };
    const options: SoftKMeansOptionsJSON = { ...centroidOptionsToJSON(this.#options), stiffness: this.#stiffness };
    return { format: JSON_FORMAT, version: JSON_VERSION, kind: 'SoftKMeans', options, state };
  }

  /**
   * Restores a model written by {@link SoftKMeans.toJSON}.
   * @throws TypeError - a field of the wrong type (the message names it).
   * @throws RangeError - another format, version or kind; a missing or unknown field; a shape
   *   that does not match the options; invalid values.
   */
  static fromJSON(obj: unknown): SoftKMeans {
    const make = (_: string, o: object): SoftKMeans => new SoftKMeans(o as SoftKMeansOptions);
    return restoreModel(obj, 'SoftKMeans.fromJSON', ['SoftKMeans'], make, STATE_FIELDS, readState);
  }
}

/** The fitted state from its checked JSON fields. */
function readState(st: StateReader, model: SoftKMeans): SoftKMeansState {
  const k = model.nClusters;
  const fitted = st.fitted(k, 'nClusters');
  const means = st.tensor('means', 2, [k, fitted.d], '[nClusters, nFeaturesIn]');
  return Object.freeze({ ...fitted, params: mixtureOf(means, k, model.stiffness), lowerBound: st.lowerBound('lowerBound', fitted.nIter) });
}
