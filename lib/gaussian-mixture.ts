/**
 * GaussianMixture: a Gaussian mixture fitted by EM in native code, with scikit-learn's
 * semantics; and GaussianKMeans, the same with spherical covariances.
 *
 * @module
 */
import { allocate, describe, ErrorCode, invalidType, invalidValue, translateNativeError } from './errors.js';
import { freezeNDArray, restoreModel, scalingJSON, type FitRequest, type NativeFitEntries } from './estimator.js';
import { checkEnoughSamples, toMatrix } from './input.js';
import { checkFields, encodeScalar, JSON_FORMAT, JSON_VERSION, type ModelJSON, type StateReader } from './json.js';
import { MixtureEstimator, type MixtureFittedState } from './mixture-estimator.js';
import {
  checkCovarianceValues,
  checkPrecisionsCholesky,
  checkSymmetricPositiveDiagonal,
  covarianceRank,
  covarianceShape,
  covarianceShapeLabel,
  mixtureParameterCount,
  resolveStartingParameters,
} from './mixture-params.js';
import {
  mixtureOptionsToJSON,
  readMixtureOptions,
  type GaussianMixtureOptions,
  type MixtureOptionsJSON,
  type ResolvedMixtureOptions,
} from './mixture-options.js';
import {
  native,
  type CovarianceType,
  type NativeMixtureFit,
  type NativeIterationInfo,
  type NativeMixtureOptions,
  type NativeMixtureParams,
  type ReseedEvent,
} from './native.js';
import { KMeans } from './kmeans.js';
import { MixtureStatistics, Statistics } from './statistics.js';
import type { StreamSource } from './stream.js';
import { checkSource, readStreamOptions, runStreamEm, tooFewRows, type StreamFitOptions } from './stream-em.js';
import { FIT_PASSES, streamPasses, type PassFitControl, type RowPasses } from './passes.js';
import type { StreamSample } from './reservoir.js';
import { weightedMean } from './numeric.js';
import { integerOption, MAX_COUNT, randomSeed, readSampleWeight, resolveThreads, seedOption } from './options.js';
import { toNested, type Nested } from './tensor.js';
import type { DataInput, IterationInfo, NDArray } from './types.js';
import {
  covariancesFromStandard,
  fitScaling,
  fromStandard,
  precisionsCholeskyFromStandard,
  standardMatrix,
  startingParametersToStandard,
  type Scaling,
  type ScalingJSON,
} from './scaling.js';
import { fewDistinctPointsWarning, fitReview, nInitIgnoredWarning, type WarningsOption } from './warnings.js';

/** The fitted state: fresh arrays from the native fit, never handed out (getters copy). */
interface MixtureState extends MixtureFittedState {
  /** params.weights (the same array). */
  readonly weights: Float64Array;
  /** Frozen events (frozen objects). */
  readonly reseeds: readonly ReseedEvent[];
}

/** The fitted state in plain-JSON form (what `toJSON` writes under `state`). */
export interface MixtureStateJSON {
  /** [K] */
  weights: number[];
  /** [K][D] */
  means: Nested[];
  /** In the shape of `covariances` (a flat array for spherical). */
  covariances: Nested[];
  /** In the shape of `covariances`. */
  precisionsCholesky: Nested[];
  converged: boolean;
  nIter: number;
  /** A number, or `'-Infinity'` when no E-step ran (maxIter 0). */
  lowerBound: number | string;
  nFeaturesIn: number;
  /**
   * The re-seeds of the fit (see {@link GaussianMixture.reseeds}). Written only when there
   * were some; absent (as in JSON written before the option existed) means none.
   */
  reseeds?: ReseedEvent[];
  /** With option `standardize`: the scaling; the other fields are then in standardised units. */
  scaling?: ScalingJSON;
}

/** What {@link GaussianMixture.toJSON} returns. */
export type GaussianMixtureJSON = ModelJSON<'GaussianMixture' | 'GaussianKMeans', MixtureOptionsJSON, MixtureStateJSON>;

const STATE_FIELDS = [
  'weights',
  'means',
  'covariances',
  'precisionsCholesky',
  'converged',
  'nIter',
  'lowerBound',
  'nFeaturesIn',
] as const;

/**
 * A Gaussian mixture model fitted by expectation-maximisation (scikit-learn's
 * `GaussianMixture`): weights π, means μ and covariances Σ of K components, with a full, tied,
 * diagonal or spherical covariance constraint. The work runs in native code on a thread pool;
 * results are bit-identical for a given `seed` whatever the thread count.
 *
 * **Fitting.** `fit` runs off the JavaScript thread and returns a promise; `fitSync` blocks.
 * A rejected or failed call (bad input, abort, an `onIteration` that throws, a numerical
 * failure) leaves the previous model exactly as it was: the new state is committed in one
 * step only after the native fit succeeded.
 *
 * **One fit at a time.** Starting a fit (`fit` or `fitSync`) while a `fit` of the same instance
 * is still running throws (`fitSync`) or rejects (`fit`) with an `Error` whose code is
 * `ERR_GAUSSMIX_BUSY`; the running fit is not disturbed. Prediction methods may be used during
 * a fit and see the previous model.
 *
 * **Fitted attributes** (`weights`, `means`, `covariances`, ...) are read-only getters that
 * throw an `Error` with code `ERR_GAUSSMIX_NOT_FITTED` before the first successful fit. The
 * arrays they return are fresh copies on every access, so changing them never changes the
 * model; read an attribute once into a variable rather than in a loop.
 *
 * @example
 * ```ts
 * const gm = new GaussianMixture({ nComponents: 3, covarianceType: 'diag', seed: 42 });
 * await gm.fit({ data: new Float64Array(xs), shape: [n, 2] });
 * const labels = gm.predict(points);
 * ```
 */
export class GaussianMixture extends MixtureEstimator<MixtureState, NativeMixtureOptions, NativeMixtureFit> {
  /** The `kind` written by `toJSON`; each subclass overrides it. */
  protected static override readonly kind: 'GaussianMixture' | 'GaussianKMeans' = 'GaussianMixture';

  readonly #options: ResolvedMixtureOptions;

  /**
   * @param options - only `nComponents` is required; see {@link GaussianMixtureOptions}.
   * @throws TypeError - options not an object, or an option of the wrong type.
   * @throws RangeError - an unknown option name or a value out of range (messages name the
   *   option and the value received).
   */
  constructor(options: GaussianMixtureOptions) {
    super();
    this.#options = readMixtureOptions(options, `${this.className} options`);
  }

  // ---------------------------------------------------------------------------------- options

  /** The number of mixture components K (an option; available before fitting). */
  get nComponents(): number {
    return this.#options.nComponents;
  }

  /** The covariance constraint (an option; available before fitting). */
  get covarianceType(): CovarianceType {
    return this.#options.covarianceType;
  }

  /** Whether fits standardise X (an option; see {@link GaussianMixtureOptions.standardize}). */
  get standardize(): boolean {
    return this.#options.standardize;
  }

  // ------------------------------------------------------------------------- fitted attributes

  /**
   * The component means μ, NDArray [K, D] (a copy; in the original units with `standardize`).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get means(): NDArray {
    const s = this.fitted('means');
    const means = s.scaling ? fromStandard(s.params.means, s.d, s.scaling) : s.params.means.slice();
    return freezeNDArray(means, [this.#options.nComponents, s.d]);
  }

  /**
   * The covariances Σ (a copy), shaped by `covarianceType`: full [K, D, D]; tied [D, D];
   * diag [K, D] (the diagonals); spherical [K] (the variances). With `standardize`, S·Σ·S in
   * the original units (S = diag(scale)), but spherical variances in standardised units.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get covariances(): NDArray {
    const s = this.fitted('covariances');
    const type = this.covarianceType;
    const cov = s.scaling ? covariancesFromStandard(s.params.covariances, type, s.d, s.scaling) : s.params.covariances.slice();
    return freezeNDArray(cov, covarianceShape(type, this.nComponents, s.d));
  }

  /**
   * The collapsed components that the last fit re-seeded (option `onCollapse: 'reseed'`), in
   * the order it did so, over every restart: `{ init, iter, component, row }` says that in
   * restart `init`, the M-step of iteration `iter` (0: the initialisation) re-seeded component
   * `component` at sample `row` of X. Empty when there were none (always with
   * `onCollapse: 'error'`). A frozen array of frozen objects.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get reseeds(): readonly ReseedEvent[] {
    return this.fitted('reseeds').reseeds;
  }

  /**
   * The Cholesky factors of the precisions Σ⁻¹ (a copy), in the shape of `covariances`: for
   * full and tied, the upper-triangular U with U·Uᵀ = Σ⁻¹ (scikit-learn's convention); for
   * diag and spherical, 1/√σ². With `standardize`, S⁻¹·U in the original units (row i divided
   * by scale_i), but spherical values in standardised units.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get precisionsCholesky(): NDArray {
    const s = this.fitted('precisionsCholesky');
    const type = this.covarianceType;
    const u = s.params.precisionsCholesky;
    const out = s.scaling ? precisionsCholeskyFromStandard(u, type, s.d, s.scaling) : u.slice();
    return freezeNDArray(out, covarianceShape(type, this.nComponents, s.d));
  }

  // ------------------------------------------------------------------------------------ fitting

  protected get threadCount(): number {
    return this.#options.threads;
  }

  protected override get warningsOption(): WarningsOption {
    return this.#options.warnings;
  }

  /** Validates X and the sample weights and resolves everything the native fit takes. */
  protected prepareFit(Xin: DataInput, sampleWeight: ArrayLike<number> | undefined): FitRequest<NativeMixtureOptions> {
    const o = this.#options;
    const warm = o.warmStart ? this.state : null;
    const raw = toMatrix(Xin, 'X', warm ? { features: warm.d, featuresOrigin: `this ${this.className} (warmStart) was fitted` } : {});
    checkEnoughSamples(o.nComponents, raw.n, 'nComponents');
    const w = sampleWeight === undefined ? undefined : readSampleWeight(sampleWeight, raw.n);
    // A warm start goes on in the units of the fitted parameters.
    const scaling = warm ? warm.scaling : o.standardize ? fitScaling(raw, w) : undefined;
    const X = scaling ? standardMatrix(raw, scaling) : raw;
    const options = this.#nativeOptions(warm !== null, X.n * o.nComponents * X.d);
    if (warm) {
      // scikit-learn's warm start: one run from the fitted parameters, measuring the first
      // change from the fitted lower bound. The covariances are passed (not the Cholesky
      // factors) so that the native side rebuilds the same factors as its M-step did.
      options.weightsInit = warm.params.weights;
      options.meansInit = warm.params.means;
      options.covariancesInit = warm.params.covariances;
      options.previousLowerBound = warm.lowerBound;
    } else {
      const start = resolveStartingParameters(o.start, o.covarianceType, o.nComponents, X.d);
      Object.assign(options, scaling ? startingParametersToStandard(start, o.covarianceType, X.d, scaling) : start);
    }
    // Every starting parameter given: every restart would be the same run.
    const allGiven = !warm && !!(options.weightsInit && options.meansInit && (options.covariancesInit || options.precisionsInit));
    if (allGiven) options.nInit = 1;
    if (w !== undefined) {
      // Every init but 'random' starts from nComponents distinct samples of positive weight,
      // unless the starting parameters are all given (or warm).
      const seeded =
        o.init !== 'random' &&
        !(options.weightsInit && options.meansInit && (options.covariancesInit || options.precisionsInit));
      if (seeded) {
        let positive = 0;
        for (let i = 0; i < w.length; i++) positive += (w[i] as number) > 0 ? 1 : 0;
        if (positive < o.nComponents) {
          throw invalidValue(
            `sampleWeight has ${positive} positive value${positive === 1 ? '' : 's'}, fewer than nComponents ` +
              `(${o.nComponents}): init '${o.init}' starts from nComponents distinct samples of positive weight`,
          );
        }
      }
      options.sampleWeight = w;
    }
    const review = fitReview(o.maxIter, o.tol, 'component', [
      allGiven ? nInitIgnoredWarning(this.className, o.nInit, `parameters (weightsInit, meansInit, ${o.start.covariancesInit ? 'covariancesInit' : 'precisionsInit'})`) : null,
      fewDistinctPointsWarning(X, options.sampleWeight, o.nComponents, 'component', 'nComponents'),
    ]);
    return { X, options, review, scaling, objectiveShift: scaling?.logScale };
  }

  /**
   * The resolved options of a native fit (without starting parameters or weights).
   * @param work - the fit's N·K·D, for the thread count (absent: unknown, every core).
   */
  #nativeOptions(warm: boolean, work = Infinity): NativeMixtureOptions {
    const o = this.#options;
    return {
      nComponents: o.nComponents,
      covarianceType: o.covarianceType,
      tol: o.tol,
      maxIter: o.maxIter,
      nInit: warm ? 1 : o.nInit,
      seed: o.seed ?? randomSeed(),
      threads: resolveThreads(o.threads, work),
      regCovar: o.regCovar,
      init: o.init,
      onCollapse: o.onCollapse,
    };
  }

  /** The base report, with the number of re-seeds since the previous one. */
  protected override iterationInfo(info: NativeIterationInfo): IterationInfo {
    return Object.freeze({ ...super.iterationInfo(info), reseeds: info.reseeds ?? 0 });
  }

  protected nativeFit(): NativeFitEntries<NativeMixtureOptions, NativeMixtureFit> {
    const addon = native();
    return { sync: addon.fitMixtureSync.bind(addon), async: addon.fitMixtureAsync.bind(addon) };
  }

  /** The fitted state of a successful native fit (after checking its sizes). */
  protected stateFromFit(r: FitRequest<NativeMixtureOptions>, fit: NativeMixtureFit): MixtureState {
    return this.#stateOf(fit, r.X.d, fit, freezeReseeds(fit.reseeds ?? []), r.scaling);
  }

  /** A fitted state from native parameters (after checking their sizes). */
  #stateOf(
    p: NativeMixtureParams,
    d: number,
    run: { converged: boolean; nIter: number; lowerBound: number },
    reseeds: readonly ReseedEvent[],
    scaling: Scaling | undefined,
  ): MixtureState {
    const { nComponents: k, covarianceType: type } = this.#options;
    const covSize = covarianceShape(type, k, d).reduce((a, b) => a * b, 1);
    this.checkNativeSizes([
      [p.weights, k],
      [p.means, k * d],
      [p.covariances, covSize],
      [p.precisionsCholesky, covSize],
    ]);
    return Object.freeze({
      d,
      weights: p.weights,
      params: Object.freeze({
        covarianceType: type,
        weights: p.weights,
        means: p.means,
        covariances: p.covariances,
        precisionsCholesky: p.precisionsCholesky,
      }),
      converged: run.converged,
      nIter: run.nIter,
      lowerBound: run.lowerBound,
      reseeds,
      ...(scaling ? { scaling } : {}),
    });
  }

  // ------------------------------------------------------------- statistics and streamed fits

  protected statisticsRequest(s: MixtureState): { kind: 'gaussian'; params: NativeMixtureParams } {
    return { kind: 'gaussian', params: s.params };
  }

  /**
   * The M-step from statistics (see {@link MixtureEstimator.statistics}): the weights, means and
   * covariances (with `regCovar` on their diagonals) that EM computes from those sums. The model
   * then holds them; `lowerBound` becomes the statistics' mean log-likelihood (that of the
   * E-step, as after a fit), `nIter` grows by one and `converged` is false. Statistics merged
   * from chunks of all the rows make this exactly the next iteration of an in-memory fit.
   * @throws TypeError - not a GaussianMixture's statistics.
   * @throws RangeError - statistics of another covariance type, K or D.
   * @throws Error - code `ERR_GAUSSMIX_ILL_CONDITIONED` when a covariance collapses (the model
   *   is unchanged); `ERR_GAUSSMIX_BUSY` while a fit of this instance runs.
   */
  maximise(stats: MixtureStatistics): this {
    if (!(stats instanceof MixtureStatistics) || stats.soft) {
      throw invalidType(`Expected the statistics of a ${this.className} for stats but received ${describe(stats)}`);
    }
    const { nComponents: k, covarianceType: type } = this.#options;
    if (stats.covarianceType !== type || stats.nComponents !== k) {
      throw invalidValue(
        `stats are those of a ${stats.covarianceType} mixture of ${stats.nComponents} components, ` +
          `but this ${this.className} has ${k} ${type} components`,
      );
    }
    const prev = this.state;
    if (prev && stats.nFeatures !== prev.d) {
      throw invalidValue(`stats have ${stats.nFeatures} features, but this ${this.className} was fitted with ${prev.d}`);
    }
    // A standardising model's statistics are in its standardised units: the M-step keeps its
    // scaling, and there must be one.
    if (this.standardize && !prev?.scaling) {
      throw invalidValue(`${this.className}.maximise: a model with standardize needs its scaling: fit it first`);
    }
    let params: NativeMixtureParams;
    try {
      params = native().mixtureMaximise(Statistics.bytesOf(stats), this.#options.regCovar, false);
    } catch (err) {
      throw translateNativeError(err);
    }
    const run = { converged: false, nIter: (prev?.nIter ?? 0) + 1, lowerBound: stats.objective / stats.totalWeight };
    this.replaceState(this.#stateOf(params, stats.nFeatures, run, Object.freeze([]), prev?.scaling));
    return this;
  }

  /**
   * Fits the model to a stream of rows too large for memory (or arriving in pieces): exact EM
   * with one pass over the source per iteration, and the model's own `tol`, `maxIter`, `nInit`
   * and starting options. From the same explicit start (`weightsInit`, `meansInit` and
   * `covariancesInit` or `precisionsInit`, or `warmStart`) the result is bit-identical to
   * `fit` on all the rows at once, for any batching and any thread count. Memory: two chunks
   * of rows and the statistics, whatever the stream's length.
   *
   * The default start (no explicit parameters): a seeded uniform sample of `initSampleRows`
   * rows is drawn in one pass; for `init: 'kmeans'` K-means (k-means++ seeding) runs on the
   * sample, then up to 5 Lloyd passes over the stream (fewer once the centres stop moving), and
   * the initial M-step takes the stream's rows by their nearest centre in two more passes; the
   * other `init` values initialise from the sample as `fit` would from X. Explicit starting
   * pieces (`weightsInit` and the like) override the result as in `fit`.
   *
   * @param source - called once per pass; returns an (async) iterable of batches: NDArrays,
   *   arrays of rows, or `{ X, sampleWeight }` (a stream with weights in any batch weighs every
   *   row, 1 where a batch has none).
   * @param options - `signal`, `onIteration` (as `fit`'s), `initSampleRows` (default 65,536).
   * @throws (rejects) TypeError / RangeError - a bad source or batch (the message names the
   *   batch and its rows in the pass), a stream shorter than nComponents, options
   *   `onCollapse: 'reseed'` (not supported on streams).
   * @throws (rejects) AbortError, Error - as `fit`. The model is unchanged in every case.
   */
  async fitStream(source: StreamSource, options?: StreamFitOptions): Promise<this> {
    const what = `${this.className}.fitStream`;
    checkSource(source, what);
    const so = readStreamOptions(options, `${what} options`, this.#options.nComponents);
    this.#checkPassFit(what);
    const warm = this.#options.warmStart ? this.state : null;
    const passes = streamPasses(source, { what, d: warm?.d, signal: so.signal, threads: resolveThreads(this.#options.threads) });
    return this.#fitPasses(passes, so);
  }

  /** @internal A fit over passes that are rounds of jobs (`gaussmix/distributed`). */
  async [FIT_PASSES](passes: RowPasses, control: PassFitControl): Promise<this> {
    this.#checkPassFit(passes.what);
    return this.#fitPasses(passes, control);
  }

  /** The options a fit over passes refuses. */
  #checkPassFit(what: string): void {
    if (this.#options.onCollapse === 'reseed') {
      throw invalidValue(
        `${what}: onCollapse 'reseed' is not supported on streams (it searches every row for the ` +
          `worst-explained sample); use onCollapse 'error'`,
      );
    }
    if (this.#options.standardize) {
      throw invalidValue(`${what}: standardize is not supported on streams yet; standardise the batches before the fit`);
    }
  }

  /** Exact EM over passes (see {@link GaussianMixture.fitStream}). */
  #fitPasses(passes: RowPasses, control: PassFitControl): Promise<this> {
    const o = this.#options;
    const what = passes.what;
    const warm = o.warmStart ? this.state : null;
    return this.exclusive(control.signal, async () => {
      const native0 = this.#nativeOptions(warm !== null);
      if (o.seed === undefined && control.fallbackSeed !== undefined) native0.seed = control.fallbackSeed;
      const result = await runStreamEm<NativeMixtureParams>(
        {
          nInit: native0.nInit,
          maxIter: o.maxIter,
          previousObjective: warm ? warm.lowerBound : -Infinity,
          initialise: async (restart) => warm?.params ?? (await this.#streamStart(passes, restart, native0, control)),
          expectation: (params) => passes.statistics({ kind: 'gaussian', params }),
          maximise: (stats) => {
            try {
              return native().mixtureMaximise(Statistics.bytesOf(stats), o.regCovar, false);
            } catch (err) {
              throw translateNativeError(err);
            }
          },
          converged: (change) => Math.abs(change) < o.tol,
          notFinite: (iter) =>
            Object.assign(
              new Error(
                `${what}: the log-likelihood is not finite in iteration ${iter}: some rows have zero density ` +
                  'under the parameters (their squared distances to the components overflow, or their densities ' +
                  'underflow). To fix it, standardise the features or increase regCovar.',
              ),
              { code: ErrorCode.ILL_CONDITIONED },
            ),
        },
        control,
      );
      await control.drain?.();
      const d = passes.d ?? result.params.means.length / o.nComponents;
      return this.#stateOf(result.params, d, result, Object.freeze([]), undefined);
    });
  }

  /** The start of a fit over passes, for one restart (see {@link GaussianMixture.fitStream}). */
  async #streamStart(
    passes: RowPasses,
    restart: number,
    nativeOptions: NativeMixtureOptions,
    control: PassFitControl,
  ): Promise<NativeMixtureParams> {
    const o = this.#options;
    const k = o.nComponents;
    const { threads, seed } = nativeOptions;
    const start = o.start;
    const dGiven = (start.meansInit?.shape as readonly number[] | undefined)?.[1] ?? passes.d;
    const allGiven = start.weightsInit && start.meansInit && (start.covariancesInit || start.precisionsInit);
    const fromGiven = (d: number, base: NativeMixtureParams | undefined): NativeMixtureParams => {
      const given = resolveStartingParameters(start, o.covarianceType, k, d);
      const pieces = base
        ? {
            weightsInit: given.weightsInit ?? base.weights,
            meansInit: given.meansInit ?? base.means,
            ...(given.precisionsInit
              ? { precisionsInit: given.precisionsInit }
              : { covariancesInit: given.covariancesInit ?? base.covariances }),
          }
        : given;
      try {
        return native().mixtureStart(d, { ...nativeOptions, ...pieces });
      } catch (err) {
        throw translateNativeError(err);
      }
    };
    if (allGiven && dGiven !== undefined) return fromGiven(dGiven, undefined);
    const sample = await passes.sample(control.initSampleRows, seed, restart);
    if ((passes.rows ?? sample.n) < k) throw tooFewRows(passes.what, passes.rows ?? sample.n, k, 'nComponents');
    const d = sample.d;
    const restartSeed = (seed + restart * 0x9e3779b9) % 2 ** 53;
    const params =
      o.init === 'kmeans'
        ? await this.#streamKMeansStart(passes, sample, restartSeed)
        : sampleStart(this.#options, sample, restartSeed, threads);
    const anyGiven = start.weightsInit || start.meansInit || start.covariancesInit || start.precisionsInit;
    return anyGiven ? fromGiven(d, params) : params;
  }

  /** init 'kmeans' over a stream: K-means on the sample, Lloyd passes, then the M-step. */
  async #streamKMeansStart(
    passes: RowPasses,
    sample: StreamSample,
    seed: number,
  ): Promise<NativeMixtureParams> {
    const o = this.#options;
    const k = o.nComponents;
    const km = new KMeans({ nClusters: k, seed, threads: o.threads }).fitSync(
      { data: sample.data, shape: [sample.n, sample.d] },
      sample.weights ? { sampleWeight: sample.weights } : undefined,
    );
    let centres = km.clusterCenters.data;
    const assign = (about?: Float64Array) =>
      passes.statistics({ kind: 'assign', covarianceType: o.covarianceType, k, centres, ...(about ? { about } : {}) });
    // Lloyd passes until the centres stop moving (at most STREAM_LLOYD_PASSES); the means of
    // the last assignment are the initial M-step's first pass.
    let means = centres;
    for (let pass = 0; pass < STREAM_LLOYD_PASSES; pass++) {
      const stats = await assign();
      means = native().softKMeansMaximise(Statistics.bytesOf(stats), centres).means;
      if (sameValues(means, centres)) break;
      if (pass + 1 < STREAM_LLOYD_PASSES) centres = means;
    }
    const scatter = await assign(means);
    try {
      return native().mixtureMaximise(Statistics.bytesOf(scatter), o.regCovar, true);
    } catch (err) {
      throw translateNativeError(err);
    }
  }

  // ------------------------------------------------------------------------------- prediction

  /**
   * The most likely component of each sample (ties to the lowest index).
   * @param X - samples with the fitted number of features.
   * @returns Int32Array [N] of labels in [0, K).
   * @throws TypeError / RangeError - bad X, or D different from the fitted model.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  predict(X: DataInput): Int32Array {
    const { X: m, s } = this.input(X, 'predict()');
    const labels = allocate(Int32Array, m.n, 'predict(): the labels');
    this.evaluate(m, s, { labels });
    return labels;
  }

  /** The number of free parameters, as scikit-learn's `_n_parameters`. */
  #parameterCount(): number {
    return mixtureParameterCount(this.covarianceType, this.nComponents, this.fitted('the parameter count').d);
  }

  /**
   * The Bayesian information criterion on X, −2·score(X)·N + p·ln N with p free parameters
   * (scikit-learn's `bic`; lower is better).
   * @throws TypeError / RangeError / Error - as {@link GaussianMixture.predict}.
   */
  bic(X: DataInput): number {
    const lp = this.scoreSamples(X);
    const n = lp.length;
    // scikit-learn: -2 * self.score(X) * X.shape[0] + self._n_parameters() * np.log(X.shape[0])
    return -2 * weightedMean(lp, undefined) * n + this.#parameterCount() * Math.log(n);
  }

  /**
   * The Akaike information criterion on X, −2·score(X)·N + 2·p with p free parameters
   * (scikit-learn's `aic`; lower is better).
   * @throws TypeError / RangeError / Error - as {@link GaussianMixture.predict}.
   */
  aic(X: DataInput): number {
    const lp = this.scoreSamples(X);
    const n = lp.length;
    // scikit-learn: -2 * self.score(X) * X.shape[0] + 2 * self._n_parameters()
    return -2 * weightedMean(lp, undefined) * n + 2 * this.#parameterCount();
  }

  /**
   * Draws n samples from the fitted mixture, grouped by component in increasing order (as
   * scikit-learn).
   * @param n - an integer >= 1 (default 1, as scikit-learn).
   * @param seed - an integer in [0, 2^53). Absent: the `seed` option if one was given (so, as
   *   scikit-learn with an integer `random_state`, repeated calls give the same samples), else a
   *   fresh random seed.
   * @returns `X` NDArray [n, D] and the component of each sample in `labels`.
   * @throws TypeError / RangeError - bad n or seed; RangeError when n·D exceeds 2^31 − 1 values,
   *   or (code `ERR_GAUSSMIX_OUT_OF_MEMORY`) when the output cannot be allocated.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  sample(n = 1, seed?: number): { X: NDArray; labels: Int32Array } {
    // Not fitted before a bad argument, as scikit-learn checks.
    const st = this.fitted('sample()');
    const count = integerOption(n, 'n', 1);
    const s = seed === undefined ? (this.#options.seed ?? randomSeed()) : seedOption(seed);
    // The largest output sample() supports is 2^31 − 1 values (16 GiB). The outputs are
    // allocated here, where a refused allocation is a catchable RangeError; the native side only
    // fills them (an allocation refused there would end the process).
    if (count * st.d > MAX_COUNT) {
      throw invalidValue(
        `sample(): n (${count}) × ${st.d} features = ${count * st.d} values exceeds the largest output (${MAX_COUNT})`,
      );
    }
    const out = {
      X: allocate(Float64Array, count * st.d, 'sample(): the samples'),
      labels: allocate(Int32Array, count, 'sample(): the labels'),
    };
    try {
      native().mixtureSample(st.params, st.d, count, s, out);
    } catch (err) {
      throw translateNativeError(err);
    }
    const X = st.scaling ? fromStandard(out.X, st.d, st.scaling) : out.X;
    return { X: freezeNDArray(X, [count, st.d]), labels: out.labels };
  }

  // --------------------------------------------------------------------------------------- JSON

  /**
   * The model as a plain, versioned object: `{ format: 'gaussmix', version: 1, kind,
   * options, state }`, with `state` null before fitting. Every number is a JSON number (exact
   * for float64), so `fromJSON(JSON.parse(JSON.stringify(model)))` predicts bit-identically.
   */
  toJSON(): GaussianMixtureJSON {
    const s = this.state;
    const kind = this.className as 'GaussianMixture' | 'GaussianKMeans';
    let state: MixtureStateJSON | null = null;
    if (s) {
      const k = this.nComponents;
      const shape = covarianceShape(this.covarianceType, k, s.d);
      state = {
        weights: Array.from(s.params.weights),
        means: toNested(s.params.means, [k, s.d]),
        covariances: toNested(s.params.covariances, shape),
        precisionsCholesky: toNested(s.params.precisionsCholesky, shape),
        converged: s.converged,
        nIter: s.nIter,
        lowerBound: encodeScalar(s.lowerBound),
        nFeaturesIn: s.d,
      };
      if (s.reseeds.length) state.reseeds = s.reseeds.map((e) => ({ ...e }));
      Object.assign(state, scalingJSON(s));
    }
    return { format: JSON_FORMAT, version: JSON_VERSION, kind, options: mixtureOptionsToJSON(this.#options), state };
  }

  /**
   * Restores a model written by {@link GaussianMixture.toJSON} (also after
   * `JSON.stringify`/`JSON.parse`). The stored `precisionsCholesky` is used as is, so the
   * restored model predicts bit-identically. `GaussianMixture.fromJSON` also reads a
   * GaussianKMeans (and returns one).
   * @throws TypeError - a field of the wrong type (the message names it).
   * @throws RangeError - another format, version or kind; a missing or unknown field; a shape
   *   that does not match the options; invalid parameter values.
   */
  static fromJSON(obj: unknown): GaussianMixture {
    return restore(obj, 'GaussianMixture.fromJSON', ['GaussianMixture', 'GaussianKMeans']);
  }
}

/** Options of {@link GaussianKMeans}: those of GaussianMixture, covarianceType fixed. */
export interface GaussianKMeansOptions extends Omit<GaussianMixtureOptions, 'covarianceType'> {
  /** Always `'spherical'`; any other value is a RangeError. */
  covarianceType?: 'spherical';
}

function sphericalOptions(options: GaussianKMeansOptions): GaussianMixtureOptions {
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) {
    const ct = (options as { covarianceType?: unknown }).covarianceType;
    if (ct !== undefined && ct !== 'spherical') {
      throw invalidValue(
        `Expected 'spherical' (or nothing) for covarianceType of GaussianKMeans but received ${describe(ct)}`,
      );
    }
    return { ...options, covarianceType: 'spherical' };
  }
  return options; // the base constructor reports the wrong type
}

/**
 * Gaussian K-means: a {@link GaussianMixture} whose components have spherical covariances
 * σ²ₖ·I (`covarianceType` is always `'spherical'`), i.e. soft K-means with a learnt width and
 * weight per cluster.
 */
export class GaussianKMeans extends GaussianMixture {
  /** The `kind` written by `toJSON`. */
  protected static override readonly kind = 'GaussianKMeans' as const;

  /**
   * @param options - as GaussianMixture's, with `covarianceType` absent or `'spherical'`.
   * @throws TypeError / RangeError - as GaussianMixture's; RangeError for another covarianceType.
   */
  constructor(options: GaussianKMeansOptions) {
    super(sphericalOptions(options));
  }

  /**
   * Restores a GaussianKMeans written by `toJSON`.
   * @throws TypeError / RangeError - as {@link GaussianMixture.fromJSON}; also for another kind.
   */
  static override fromJSON(obj: unknown): GaussianKMeans {
    return restore(obj, 'GaussianKMeans.fromJSON', ['GaussianKMeans']) as GaussianKMeans;
  }
}

/** Reads and checks a JSON model; builds the estimator and installs its state. */
function restore(
  obj: unknown,
  where: string,
  kinds: readonly ('GaussianMixture' | 'GaussianKMeans')[],
): GaussianMixture {
  // state.reseeds is optional: JSON written before it existed, or by a fit without re-seeds.
  const raw = isRecord(obj) && isRecord(obj.state) ? obj.state : undefined;
  const hasReseeds = raw !== undefined && 'reseeds' in raw;
  return restoreModel(
    obj,
    where,
    kinds,
    (kind, options) =>
      kind === 'GaussianKMeans'
        ? new GaussianKMeans(options as unknown as GaussianKMeansOptions)
        : new GaussianMixture(options as unknown as GaussianMixtureOptions),
    hasReseeds ? [...STATE_FIELDS, 'reseeds'] : STATE_FIELDS,
    (st, model) => readState(st, model, hasReseeds ? readReseeds(raw.reseeds, model.nComponents, where) : []),
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A frozen copy of native re-seed events. */
function freezeReseeds(events: readonly ReseedEvent[]): readonly ReseedEvent[] {
  return Object.freeze(
    events.map((e) => Object.freeze({ init: e.init, iter: e.iter, component: e.component, row: e.row })),
  );
}

const RESEED_FIELDS = ['init', 'iter', 'component', 'row'] as const;

/**
 * Reads `state.reseeds`: an array of `{ init, iter, component, row }`, each an integer >= 0,
 * `component` below K.
 * @throws TypeError / RangeError - naming the element.
 */
function readReseeds(value: unknown, k: number, where: string): readonly ReseedEvent[] {
  if (!Array.isArray(value)) {
    throw invalidType(`${where}: expected an array for state.reseeds but received ${describe(value)}`);
  }
  return freezeReseeds(
    value.map((e: unknown, i) => {
      const name = `state.reseeds[${i}]`;
      if (!isRecord(e)) throw invalidType(`${where}: expected an object for ${name} but received ${describe(e)}`);
      checkFields(e, RESEED_FIELDS, where, `${name}.`);
      const out = {} as Record<(typeof RESEED_FIELDS)[number], number>;
      for (const f of RESEED_FIELDS) {
        const v = e[f];
        if (typeof v !== 'number') {
          throw invalidType(`${where}: expected an integer >= 0 for ${name}.${f} but received ${describe(v)}`);
        }
        if (!Number.isSafeInteger(v) || v < 0 || (f === 'component' && v >= k)) {
          const range = f === 'component' ? `in [0, ${k})` : '>= 0';
          throw invalidValue(`${where}: expected an integer ${range} for ${name}.${f} but received ${describe(v)}`);
        }
        out[f] = v;
      }
      return out;
    }),
  );
}

/** The fitted state from its checked JSON fields. */
function readState(st: StateReader, model: GaussianMixture, reseeds: readonly ReseedEvent[]): MixtureState {
  const k = model.nComponents;
  const type = model.covarianceType;
  const fitted = st.fitted(k, 'nComponents');
  const { d, weights } = fitted;
  const means = st.tensor('means', 2, [k, d], '[nComponents, nFeaturesIn]');
  const covShape = covarianceShape(type, k, d);
  const covLabel = covarianceShapeLabel(type).replace(/nFeatures/g, 'nFeaturesIn');
  const covariances = st.tensor('covariances', covarianceRank(type), covShape, covLabel);
  const precisionsCholesky = st.tensor('precisionsCholesky', covarianceRank(type), covShape, covLabel);
  st.check(() => {
    if (type === 'diag' || type === 'spherical') checkCovarianceValues(covariances, type, k, d, 'state.covariances');
    // (No Cholesky test here: a fitted covariance near singular may fail one in JavaScript's
    // rounding. Symmetric with a positive diagonal holds for every covariance a fit returns.)
    else checkSymmetricPositiveDiagonal(covariances, type === 'full' ? k : 1, d, 'state.covariances');
    checkPrecisionsCholesky(precisionsCholesky, type, k, d, 'state.precisionsCholesky');
  });
  return Object.freeze({
    ...fitted,
    params: Object.freeze({ covarianceType: type, weights, means, covariances, precisionsCholesky }),
    lowerBound: st.lowerBound('lowerBound', fitted.nIter),
    reseeds,
  });
}

/** Lloyd passes over a stream in a streamed fit's 'kmeans' start, at most. */
const STREAM_LLOYD_PASSES = 5;

function sameValues(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** A streamed fit's start for the inits other than 'kmeans': `fit`'s initialisation on the sample. */
function sampleStart(o: ResolvedMixtureOptions, sample: StreamSample, seed: number, threads: number): NativeMixtureParams {
  const gm = new GaussianMixture({
    nComponents: o.nComponents,
    covarianceType: o.covarianceType,
    regCovar: o.regCovar,
    init: o.init,
    maxIter: 0,
    seed,
    threads,
  });
  gm.fitSync({ data: sample.data, shape: [sample.n, sample.d] }, sample.weights ? { sampleWeight: sample.weights } : undefined);
  return {
    covarianceType: o.covarianceType,
    weights: gm.weights,
    means: gm.means.data,
    covariances: gm.covariances.data,
    precisionsCholesky: gm.precisionsCholesky.data,
  };
}
