/**
 * GaussianMixture: a Gaussian mixture fitted by EM in native code, with scikit-learn's
 * semantics; and GaussianKMeans, the same with spherical covariances.
 *
 * @module
 */
import {
  busyError,
  describe,
  ErrorCode,
  invalidType,
  invalidValue,
  makeAbortError,
  notFittedError,
  translateNativeError,
} from './errors.js';
import { checkEnoughSamples, toMatrix, type Matrix } from './input.js';
import { decodeScalar, checkFields, encodeScalar, inField, JSON_FORMAT, JSON_VERSION, readEnvelope, type ModelJSON } from './json.js';
import {
  checkCovarianceValues,
  checkPrecisionsCholesky,
  checkWeights,
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
  type NativeIterationCallback,
  type NativeMixtureFit,
  type NativeMixtureOptions,
  type NativeMixtureOutputs,
  type NativeMixtureParams,
} from './native.js';
import {
  integerOption,
  randomSeed,
  readFitOptions,
  readSampleWeight,
  resolveThreads,
  seedOption,
  type CheckedFitOptions,
} from './options.js';
import { checkTensorShape, readTensor, toNested, type Nested } from './tensor.js';
import type { DataInput, FitOptions, IterationInfo, NDArray } from './types.js';

/** The fitted state: fresh arrays from the native fit, never handed out (getters copy). */
interface MixtureState {
  readonly d: number;
  readonly params: Readonly<NativeMixtureParams>;
  readonly converged: boolean;
  readonly nIter: number;
  readonly lowerBound: number;
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

/** Sets a model's state; assigned in GaussianMixture's static block. */
let installState: (model: GaussianMixture, state: MixtureState) => void;

/** A fit in preparation: its native arguments and the bookkeeping of its callback. */
interface FitJob {
  readonly X: Matrix;
  readonly options: NativeMixtureOptions;
  readonly callback: NativeIterationCallback | undefined;
  /** The error the user's onIteration threw, if it did. */
  readonly callbackError: () => { error: unknown } | undefined;
}

function freezeNDArray<T extends Float64Array | Int32Array>(data: T, shape: number[]): NDArray<T> {
  return Object.freeze({ data, shape: Object.freeze(shape) });
}

/** A sum with Neumaier's compensation (the mean of millions of log-densities stays exact). */
function compensatedSum(values: Float64Array, weights?: Float64Array): number {
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < values.length; i++) {
    const v = weights === undefined ? (values[i] as number) : (values[i] as number) * (weights[i] as number);
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + comp;
}

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
export class GaussianMixture {
  /** The `kind` written by `toJSON`; each subclass overrides it. */
  protected static readonly kind: 'GaussianMixture' | 'GaussianKMeans' = 'GaussianMixture';

  readonly #options: ResolvedMixtureOptions;
  #state: MixtureState | null = null;
  #busy = false;

  /**
   * @param options - only `nComponents` is required; see {@link GaussianMixtureOptions}.
   * @throws TypeError - options not an object, or an option of the wrong type.
   * @throws RangeError - an unknown option name or a value out of range (messages name the
   *   option and the value received).
   */
  constructor(options: GaussianMixtureOptions) {
    this.#options = readMixtureOptions(options, `${this.#kind} options`);
  }

  get #kind(): string {
    return (this.constructor as typeof GaussianMixture).kind;
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

  // ------------------------------------------------------------------------- fitted attributes

  #fitted(what: string): MixtureState {
    if (this.#state === null) throw notFittedError(this.#kind, what);
    return this.#state;
  }

  /** Whether a successful fit has set a model (the attributes below then do not throw). */
  get isFitted(): boolean {
    return this.#state !== null;
  }

  /**
   * The mixture weights π, Float64Array [K] (a copy).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get weights(): Float64Array {
    return this.#fitted('weights').params.weights.slice();
  }

  /**
   * The component means μ, NDArray [K, D] (a copy).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get means(): NDArray {
    const s = this.#fitted('means');
    return freezeNDArray(s.params.means.slice(), [this.#options.nComponents, s.d]);
  }

  /**
   * The covariances Σ (a copy), shaped by `covarianceType`: full [K, D, D]; tied [D, D];
   * diag [K, D] (the diagonals); spherical [K] (the variances).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get covariances(): NDArray {
    const s = this.#fitted('covariances');
    return freezeNDArray(s.params.covariances.slice(), covarianceShape(this.covarianceType, this.nComponents, s.d));
  }

  /**
   * The Cholesky factors of the precisions Σ⁻¹ (a copy), in the shape of `covariances`: for
   * full and tied, the upper-triangular U with U·Uᵀ = Σ⁻¹ (scikit-learn's convention); for
   * diag and spherical, 1/√σ².
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get precisionsCholesky(): NDArray {
    const s = this.#fitted('precisionsCholesky');
    return freezeNDArray(s.params.precisionsCholesky.slice(), covarianceShape(this.covarianceType, this.nComponents, s.d));
  }

  /**
   * Whether the best restart converged (|change| < tol) within `maxIter` iterations.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get converged(): boolean {
    return this.#fitted('converged').converged;
  }

  /**
   * The number of EM iterations of the best restart.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get nIter(): number {
    return this.#fitted('nIter').nIter;
  }

  /**
   * The mean log-likelihood per sample computed in the last E-step of the best restart, i.e.
   * before the last M-step (scikit-learn's `lower_bound_`): not `score(X)` of the model.
   * `-Infinity` when `maxIter` is 0.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get lowerBound(): number {
    return this.#fitted('lowerBound').lowerBound;
  }

  /**
   * The number of features D seen by the fit.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get nFeaturesIn(): number {
    return this.#fitted('nFeaturesIn').d;
  }

  // ------------------------------------------------------------------------------------ fitting

  /**
   * Fits the model to X off the JavaScript thread.
   * @param X - N samples × D features; see {@link DataInput}. A Float64Array NDArray is used
   *   without copying: do not modify it until the promise settles.
   * @param options - `sampleWeight`, `signal`, `onIteration`; see {@link FitOptions}.
   * @returns a promise of this estimator, fitted.
   * @throws (rejects) TypeError / RangeError - bad X or options (nothing started).
   * @throws (rejects) AbortError - the signal fired (or had fired); the model is unchanged.
   * @throws (rejects) Error - code `ERR_GAUSSMIX_BUSY` when a fit of this instance is running;
   *   code `ERR_GAUSSMIX_ILL_CONDITIONED` when a covariance collapsed; or what `onIteration`
   *   threw. The model is unchanged in every case.
   */
  async fit(X: DataInput, options?: FitOptions): Promise<this> {
    const fo = readFitOptions(options, `${this.#kind}.fit options`);
    const signal = fo.signal;
    if (signal?.aborted) throw makeAbortError(signal);
    if (this.#busy) throw busyError(this.#kind);
    const job = this.#prepareFit(X, fo);
    this.#busy = true;
    let onAbort: (() => void) | undefined;
    try {
      let task;
      try {
        task = native().fitMixtureAsync(job.X.data, job.X.n, job.X.d, job.options, job.callback);
      } catch (err) {
        throw translateNativeError(err, signal);
      }
      if (signal) {
        const cancel = task.cancel.bind(task);
        onAbort = () => cancel();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      let result: NativeMixtureFit;
      try {
        result = await task.promise;
      } catch (err) {
        throw this.#failure(job, signal, err);
      }
      this.#finish(job, signal, result);
      return this;
    } finally {
      if (signal && onAbort) signal.removeEventListener('abort', onAbort);
      this.#busy = false;
    }
  }

  /**
   * Fits the model to X, blocking the JavaScript thread (the work still uses `threads`
   * threads). The same contract as {@link GaussianMixture.fit}, thrown instead of rejected; a
   * signal can only stop it if it is aborted from `onIteration`.
   * @throws TypeError / RangeError / AbortError / Error - as `fit`.
   */
  fitSync(X: DataInput, options?: FitOptions): this {
    const fo = readFitOptions(options, `${this.#kind}.fitSync options`);
    const signal = fo.signal;
    if (signal?.aborted) throw makeAbortError(signal);
    if (this.#busy) throw busyError(this.#kind);
    const job = this.#prepareFit(X, fo);
    this.#busy = true;
    try {
      let result: NativeMixtureFit;
      try {
        result = native().fitMixtureSync(job.X.data, job.X.n, job.X.d, job.options, job.callback);
      } catch (err) {
        throw this.#failure(job, signal, err);
      }
      this.#finish(job, signal, result);
      return this;
    } finally {
      this.#busy = false;
    }
  }

  /** Validates X and the fit options and resolves everything the native fit takes. */
  #prepareFit(Xin: DataInput, fo: CheckedFitOptions): FitJob {
    const o = this.#options;
    const warm = o.warmStart ? this.#state : null;
    const X = toMatrix(Xin, 'X', warm ? { features: warm.d, featuresOrigin: `this ${this.#kind} (warmStart) was fitted` } : {});
    checkEnoughSamples(o.nComponents, X.n, 'nComponents');
    const options: NativeMixtureOptions = {
      nComponents: o.nComponents,
      covarianceType: o.covarianceType,
      tol: o.tol,
      maxIter: o.maxIter,
      nInit: warm ? 1 : o.nInit,
      seed: o.seed ?? randomSeed(),
      threads: resolveThreads(o.threads),
      regCovar: o.regCovar,
      init: o.init,
    };
    if (warm) {
      // scikit-learn's warm start: one run from the fitted parameters, measuring the first
      // change from the fitted lower bound. The covariances are passed (not the Cholesky
      // factors) so that the native side rebuilds the same factors as its M-step did.
      options.weightsInit = warm.params.weights;
      options.meansInit = warm.params.means;
      options.covariancesInit = warm.params.covariances;
      options.previousLowerBound = warm.lowerBound;
    } else {
      Object.assign(options, resolveStartingParameters(o.start, o.covarianceType, o.nComponents, X.d));
    }
    if (fo.sampleWeight !== undefined) options.sampleWeight = readSampleWeight(fo.sampleWeight, X.n);

    const user = fo.onIteration;
    const signal = fo.signal;
    let thrown: { error: unknown } | undefined;
    let callback: NativeIterationCallback | undefined;
    if (user) {
      callback = (info) => {
        if (thrown || signal?.aborted) return false;
        const copy: IterationInfo = Object.freeze({
          init: info.init,
          iter: info.iter,
          objective: info.objective,
          change: info.change,
        });
        let answer: unknown;
        try {
          answer = user(copy);
        } catch (error) {
          thrown = { error };
          return false;
        }
        // An abort from inside the callback stops at once (the only way to stop fitSync).
        return answer !== false && !signal?.aborted;
      };
    }
    return { X, options, callback, callbackError: () => thrown };
  }

  /** The error a failed native fit is reported as: the callback's, an abort, or the native one. */
  #failure(job: FitJob, signal: AbortSignal | undefined, err: unknown): unknown {
    const thrown = job.callbackError();
    if (thrown) return thrown.error;
    if (signal?.aborted) return makeAbortError(signal);
    return translateNativeError(err, signal);
  }

  /** Commits a successful native fit, unless the callback threw or the signal fired. */
  #finish(job: FitJob, signal: AbortSignal | undefined, fit: NativeMixtureFit): void {
    const thrown = job.callbackError();
    if (thrown) throw thrown.error;
    if (signal?.aborted) throw makeAbortError(signal);
    const { nComponents: k, covarianceType: type } = this.#options;
    const d = job.X.d;
    const covSize = covarianceShape(type, k, d).reduce((a, b) => a * b, 1);
    if (
      fit.weights.length !== k ||
      fit.means.length !== k * d ||
      fit.covariances.length !== covSize ||
      fit.precisionsCholesky.length !== covSize
    ) {
      const err = new Error(`${this.#kind}: the native fit returned arrays of unexpected sizes`);
      throw Object.assign(err, { code: ErrorCode.INTERNAL });
    }
    this.#state = Object.freeze({
      d,
      params: Object.freeze({
        covarianceType: type,
        weights: fit.weights,
        means: fit.means,
        covariances: fit.covariances,
        precisionsCholesky: fit.precisionsCholesky,
      }),
      converged: fit.converged,
      nIter: fit.nIter,
      lowerBound: fit.lowerBound,
    });
  }

  // ------------------------------------------------------------------------------- prediction

  /** Checks that the model is fitted and X has its number of features. */
  #input(Xin: DataInput, what: string): { X: Matrix; s: MixtureState } {
    const s = this.#fitted(what);
    const X = toMatrix(Xin, 'X', { features: s.d, featuresOrigin: `this ${this.#kind} was fitted` });
    return { X, s };
  }

  /** Fills caller-allocated outputs for X under the fitted parameters. */
  #evaluate(X: Matrix, s: MixtureState, outputs: NativeMixtureOutputs): void {
    try {
      native().mixtureEvaluate(X.data, X.n, X.d, s.params, resolveThreads(this.#options.threads), outputs);
    } catch (err) {
      throw translateNativeError(err);
    }
  }

  /**
   * The most likely component of each sample (ties to the lowest index).
   * @param X - samples with the fitted number of features.
   * @returns Int32Array [N] of labels in [0, K).
   * @throws TypeError / RangeError - bad X, or D different from the fitted model.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  predict(X: DataInput): Int32Array {
    const { X: m, s } = this.#input(X, 'predict()');
    const labels = new Int32Array(m.n);
    this.#evaluate(m, s, { labels });
    return labels;
  }

  /**
   * The posterior probability of each component for each sample (the responsibilities).
   * @returns NDArray [N, K]; each row sums to 1.
   * @throws TypeError / RangeError / Error - as {@link GaussianMixture.predict}.
   */
  predictProba(X: DataInput): NDArray {
    const { X: m, s } = this.#input(X, 'predictProba()');
    const k = this.nComponents;
    const resp = new Float64Array(m.n * k);
    this.#evaluate(m, s, { resp });
    return freezeNDArray(resp, [m.n, k]);
  }

  /**
   * The log density log p(x) of each sample under the model.
   * @returns Float64Array [N].
   * @throws TypeError / RangeError / Error - as {@link GaussianMixture.predict}.
   */
  scoreSamples(X: DataInput): Float64Array {
    const { X: m, s } = this.#input(X, 'scoreSamples()');
    const logProb = new Float64Array(m.n);
    this.#evaluate(m, s, { logProb });
    return logProb;
  }

  /**
   * The mean log density per sample, or with `sampleWeight` the weighted mean
   * Σ wₙ·log p(xₙ) / Σ wₙ.
   * @param sampleWeight - optional weights: length N, finite, >= 0, not all zero.
   * @throws TypeError / RangeError / Error - as {@link GaussianMixture.predict}, or bad weights.
   */
  score(X: DataInput, sampleWeight?: ArrayLike<number>): number {
    const lp = this.scoreSamples(X);
    if (sampleWeight === undefined) return compensatedSum(lp) / lp.length;
    const w = readSampleWeight(sampleWeight, lp.length);
    return compensatedSum(lp, w) / compensatedSum(w);
  }

  /** The number of free parameters, as scikit-learn's `_n_parameters`. */
  #parameterCount(): number {
    return mixtureParameterCount(this.covarianceType, this.nComponents, this.#fitted('the parameter count').d);
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
    return -2 * (compensatedSum(lp) / n) * n + this.#parameterCount() * Math.log(n);
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
    return -2 * (compensatedSum(lp) / n) * n + 2 * this.#parameterCount();
  }

  /**
   * Draws n samples from the fitted mixture, grouped by component in increasing order (as
   * scikit-learn).
   * @param n - an integer >= 1.
   * @param seed - an integer in [0, 2^53). Absent: the `seed` option if one was given (so, as
   *   scikit-learn with an integer `random_state`, repeated calls give the same samples), else a
   *   fresh random seed.
   * @returns `X` NDArray [n, D] and the component of each sample in `labels`.
   * @throws TypeError / RangeError - bad n or seed.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  sample(n: number, seed?: number): { X: NDArray; labels: Int32Array } {
    const count = integerOption(n, 'n', 1);
    const s = seed === undefined ? (this.#options.seed ?? randomSeed()) : seedOption(seed);
    const st = this.#fitted('sample()');
    let out;
    try {
      out = native().mixtureSample(st.params, st.d, count, s);
    } catch (err) {
      throw translateNativeError(err);
    }
    return { X: freezeNDArray(out.X, [count, st.d]), labels: out.labels };
  }

  // --------------------------------------------------------------------------------------- JSON

  /**
   * The model as a plain, versioned object: `{ format: 'gaussmix', version: 1, kind,
   * options, state }`, with `state` null before fitting. Every number is a JSON number (exact
   * for float64), so `fromJSON(JSON.parse(JSON.stringify(model)))` predicts bit-identically.
   */
  toJSON(): GaussianMixtureJSON {
    const s = this.#state;
    const kind = (this.constructor as typeof GaussianMixture).kind;
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

  static {
    // Gives restore() (below, outside the class) write access to #state without a public member.
    installState = (model, state) => {
      model.#state = state;
    };
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
  const env = readEnvelope(obj, where, kinds);
  const model = inField(where, 'options: ', () =>
    env.kind === 'GaussianKMeans'
      ? new GaussianKMeans(env.options as unknown as GaussianKMeansOptions)
      : new GaussianMixture(env.options as unknown as GaussianMixtureOptions),
  );
  if (env.state === null) return model;
  const st = env.state;
  checkFields(st, STATE_FIELDS, where, 'state.');
  const k = model.nComponents;
  const type = model.covarianceType;
  const d = inField(where, '', () => integerOption(st.nFeaturesIn, 'state.nFeaturesIn', 1));
  const read = (name: (typeof STATE_FIELDS)[number], rank: number, shape: number[], label: string): Float64Array =>
    inField(where, '', () => {
      const t = readTensor(st[name], `state.${name}`, rank);
      checkTensorShape(t, shape, `state.${name}`, label);
      return t.data;
    });
  const weights = read('weights', 1, [k], '[nComponents]');
  const means = read('means', 2, [k, d], '[nComponents, nFeaturesIn]');
  const covShape = covarianceShape(type, k, d);
  const covLabel = covarianceShapeLabel(type).replace(/nFeatures/g, 'nFeaturesIn');
  const covariances = read('covariances', covarianceRank(type), covShape, covLabel);
  const precisionsCholesky = read('precisionsCholesky', covarianceRank(type), covShape, covLabel);
  inField(where, '', () => {
    checkWeights(weights, 'state.weights');
    if (type === 'diag' || type === 'spherical') checkCovarianceValues(covariances, type, k, d, 'state.covariances');
    checkPrecisionsCholesky(precisionsCholesky, type, k, d, 'state.precisionsCholesky');
  });
  if (typeof st.converged !== 'boolean') {
    throw invalidType(`${where}: expected a boolean for state.converged but received ${describe(st.converged)}`);
  }
  const nIter = inField(where, '', () => integerOption(st.nIter, 'state.nIter', 0));
  const lowerBound = inField(where, '', () => decodeScalar(st.lowerBound, where, 'state.lowerBound'));
  installState(
    model,
    Object.freeze({
      d,
      params: Object.freeze({ covarianceType: type, weights, means, covariances, precisionsCholesky }),
      converged: st.converged,
      nIter,
      lowerBound,
    }),
  );
  return model;
}
