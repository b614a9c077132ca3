/**
 * What every estimator shares: the fit protocol (validation before any work, `fit` on a native
 * task with cancellation, `fitSync`, the busy guard, `onIteration`, commit only after success),
 * the fitted-state guard, and restoring a model from JSON.
 *
 * An estimator subclasses {@link Estimator} and supplies only what differs: how X and its
 * options become a native request, which native entry runs it, and how the native result becomes
 * its fitted state.
 *
 * @module
 */
import { busyError, ErrorCode, invalidType, invalidValue, makeAbortError, notFittedError, translateNativeError } from './errors.js';
import { toMatrix, type Matrix, type MatrixExpectations } from './input.js';
import { inField, readEnvelope, stateReader, type StateReader } from './json.js';
import { checkFitMemory, type MemoryNeed } from './memory-check.js';
import type { NativeIterationCallback, NativeIterationInfo, NativeTask } from './native.js';
import { readFitOptions, snapshotSampleWeight, type CheckedFitOptions } from './options.js';
import { CLAIM_PASS_FIT, RELEASE_PASS_FIT } from './passes.js';
import type { DataInput, FitOptions, IterationInfo, NDArray } from './types.js';
import { inSlice } from './slices.js';
import { readScaling, scalingToJSON, standardMatrix, type Scaling, type ScalingJSON } from './scaling.js';
import { deliverWarnings, resultWarnings, type FitReview, type WarningsOption } from './warnings.js';

/** What every fitted state holds. */
export interface FittedState {
  /** The number of features D seen by the fit. */
  readonly d: number;
  /** [K] the estimator's weights (see the `weights` attribute). */
  readonly weights: Float64Array;
  readonly converged: boolean;
  readonly nIter: number;
  /**
   * With the `standardize` option: the scaling of the training data, applied to every input;
   * the rest of the state is in standardised units.
   */
  readonly scaling?: Scaling;
}

/** The pair of native entry points that fit one estimator. */
export interface NativeFitEntries<O, R> {
  sync(X: Float64Array, n: number, d: number, options: O, onIteration?: NativeIterationCallback): R;
  async(X: Float64Array, n: number, d: number, options: O, onIteration?: NativeIterationCallback): NativeTask<R>;
}

/** A fit resolved by a subclass: the validated data and the native options. */
export interface FitRequest<O> {
  readonly X: Matrix;
  readonly options: O;
  /** What the fit's warnings need (none are given without it). */
  readonly review?: FitReview;
  /** The scaling X was standardised with (option `standardize`), for the fitted state. */
  readonly scaling?: Scaling | undefined;
  /** Subtracted from every `objective` onIteration reports (a log density's change of units). */
  readonly objectiveShift?: number | undefined;
}

/**
 * What a fit over passes (fitStream, gaussmix/distributed) warns about, as fit would: the
 * review of its start (no count of distinct points, which no pass measures), its rows once
 * a pass has seen them all, and whether onIteration stopped it.
 */
export interface PassReview {
  readonly review: FitReview;
  readonly rows: () => number | undefined;
  readonly stopped: () => boolean;
}

/** A request with the bookkeeping of its `onIteration` callback. */
interface FitJob<O> {
  readonly request: FitRequest<O>;
  readonly signal: AbortSignal | undefined;
  readonly callback: NativeIterationCallback | undefined;
  /** The error the user's onIteration threw, if it did. */
  readonly callbackError: () => { error: unknown } | undefined;
  /** Whether the user's onIteration stopped the fit (returned false). */
  readonly stoppedByUser: () => boolean;
  /** Hands the job the asynchronous fit it runs as (the callback may have to cancel it). */
  readonly started: (task: NativeTask<unknown>) => void;
}

/** X and the sample weights of a fit, read at the call. */
interface FitInput {
  readonly X: Matrix;
  readonly sampleWeight: ArrayLike<number> | undefined;
}

/** An output array, frozen with its shape (the data itself stays writable: it is a copy). */
export function freezeNDArray<T extends Float64Array | Int32Array>(data: T, shape: number[]): NDArray<T> {
  return Object.freeze({ data, shape: Object.freeze(shape) });
}

/** `state.scaling` for toJSON: present only for a model that standardises. */
export function scalingJSON(state: FittedState): { scaling?: ScalingJSON } {
  return state.scaling ? { scaling: scalingToJSON(state.scaling) } : {};
}

/** Sets a model's state (for fromJSON); assigned in Estimator's static block. */
let install: (model: Estimator<FittedState, unknown, unknown>, state: FittedState) => void;

/**
 * The base of every estimator. `S` is the fitted state (immutable, never handed out), `O` the
 * native fit options, `R` the native fit result.
 *
 * **Fitting.** `fit` runs off the JavaScript thread and returns a promise; `fitSync` blocks.
 * A rejected or failed call (bad input, abort, an `onIteration` that throws, a numerical
 * failure) leaves the previous model exactly as it was: the new state is committed in one step
 * only after the native fit succeeded.
 *
 * **One fit at a time.** Starting a fit while a `fit` of the same instance is still running
 * throws (`fitSync`) or rejects (`fit`) with code `ERR_GAUSSMIX_BUSY`; the running fit is not
 * disturbed. Prediction methods may be used during a fit and see the previous model.
 */
export abstract class Estimator<S extends FittedState, O, R> {
  /** The `kind` written by `toJSON` and the class name in messages; each class overrides it. */
  protected static readonly kind: string = 'Estimator';

  #state: S | null = null;
  #busy = false;
  /** A fit over passes claimed but not yet started ({@link CLAIM_PASS_FIT}). */
  #passClaim: object | undefined;

  /** The class name used in messages and as the JSON `kind`. */
  protected get className(): string {
    return (this.constructor as unknown as { kind: string }).kind;
  }

  // ------------------------------------------------------------------ what a subclass supplies

  /**
   * Checks X and the sample weights against the options and resolves the native options.
   * Throws TypeError/RangeError before any work starts.
   * @param X - X as {@link Estimator.fitExpectations} allowed, converted and checked (finite).
   * @param sampleWeight - a copy of the caller's weights taken at the call, not yet checked
   *   (`readSampleWeight` checks them, after K <= N).
   */
  protected abstract prepareFit(X: Matrix, sampleWeight: ArrayLike<number> | undefined): FitRequest<O>;

  /**
   * The memory a fit of n rows × d features certainly needs (lib/memory-check.ts), checked
   * before {@link Estimator.prepareFit}: a model larger than the machine is refused before any
   * work. Undefined (the default): not checked, e.g. when the sizes are invalid (prepareFit
   * then says why).
   */
  protected fitMemory(n: number, d: number): MemoryNeed | undefined {
    void n;
    void d;
    return undefined;
  }

  /** What X given to a fit must satisfy beyond its own content (a warm start's D). */
  protected fitExpectations(): MatrixExpectations {
    return {};
  }

  /** The `threads` option (0: chosen from the work's size), for the evaluation of a fitted model. */
  protected abstract get threadCount(): number;

  /** Where this estimator's warnings go (the `warnings` option). */
  protected get warningsOption(): WarningsOption {
    return 'emit';
  }

  /** The native entry points of this estimator's fit. */
  protected abstract nativeFit(): NativeFitEntries<O, R>;

  /** The fitted state of a successful native fit (may still throw: nothing is committed then). */
  protected abstract stateFromFit(request: FitRequest<O>, result: R): S;

  /**
   * Checks the lengths of the arrays a native fit returned.
   * @param arrays - pairs of an array and its expected length.
   * @throws Error - code `ERR_GAUSSMIX_INTERNAL` for any other length.
   */
  protected checkNativeSizes(arrays: readonly (readonly [ArrayLike<unknown>, number])[]): void {
    if (arrays.some(([a, length]) => a.length !== length)) {
      const err = new Error(`${this.className}: the native fit returned arrays of unexpected sizes`);
      throw Object.assign(err, { code: ErrorCode.INTERNAL });
    }
  }

  /** What `onIteration` receives for a native report (a subclass may adjust `change`). */
  protected iterationInfo(info: NativeIterationInfo): IterationInfo {
    return Object.freeze({ init: info.init, iter: info.iter, objective: info.objective, change: info.change });
  }

  // ------------------------------------------------------------------------------ fitted state

  /**
   * Whether fits standardise X (the `standardize` option; available before fitting): each
   * feature scaled to mean 0 and standard deviation 1 by the training data's statistics,
   * stored in the model and applied to every later input.
   */
  abstract get standardize(): boolean;

  /** Whether a successful fit has set a model (the fitted attributes then do not throw). */
  get isFitted(): boolean {
    return this.#state !== null;
  }

  /** The fitted state, or null before the first successful fit. */
  protected get state(): S | null {
    return this.#state;
  }

  /**
   * The fitted state.
   * @param what - the attribute or method asking, for the message.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  protected fitted(what: string): S {
    if (this.#state === null) throw notFittedError(this.className, what);
    return this.#state;
  }

  /**
   * The estimator's weights, Float64Array [K] (a copy). GaussianMixture: the mixture weights
   * π. KMeans and SoftKMeans: the share of the training sample weight held by each cluster
   * (hard assignments for KMeans, responsibilities for SoftKMeans). Sums to 1.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get weights(): Float64Array {
    return this.fitted('weights').weights.slice();
  }

  /**
   * Whether the best restart met the estimator's convergence rule (see its `tol` option)
   * within `maxIter` iterations; false when it ran out of iterations or `onIteration` stopped it.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get converged(): boolean {
    return this.fitted('converged').converged;
  }

  /**
   * The number of iterations of the best restart.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get nIter(): number {
    return this.fitted('nIter').nIter;
  }

  /**
   * The number of features D seen by the fit.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get nFeaturesIn(): number {
    return this.fitted('nFeaturesIn').d;
  }

  /**
   * The component (cluster) of each sample under the fitted model; each estimator documents
   * its rule.
   */
  abstract predict(X: DataInput): Int32Array;

  /**
   * Fits the model to X, blocking as {@link Estimator.fitSync} does, and returns the labels of
   * X under the fitted model (scikit-learn's `fit_predict`): always those `predict(X)` gives
   * after the fit. For a fit off the JavaScript thread, `await model.fit(X)` then `predict(X)`.
   * @returns Int32Array [N] of labels in [0, K).
   * @throws TypeError / RangeError / AbortError / Error - as `fitSync`.
   */
  fitPredict(X: DataInput, options?: FitOptions): Int32Array {
    this.fitSync(X, options);
    return this.predict(X);
  }

  /**
   * Checks that the model is fitted and that X has its number of features; X comes back in
   * the units of the fitted state (standardised with the model's scaling, if it has one).
   */
  protected input(Xin: DataInput, what: string): { X: Matrix; s: S } {
    const s = this.fitted(what);
    const X = toMatrix(Xin, 'X', { features: s.d, featuresOrigin: `this ${this.className} was fitted` });
    return { X: s.scaling ? standardMatrix(X, s.scaling) : X, s };
  }

  // ------------------------------------------------------------------------------------ fitting

  /**
   * Fits the model to X off the JavaScript thread.
   * @param X - N samples × D features; see {@link DataInput}. Read at the call: rows, Float32
   *   data and `sampleWeight` are copied then. A Float64Array NDArray is used without copying:
   *   do not modify it, resize or transfer its buffer until the promise settles (one over a
   *   resizable ArrayBuffer is copied; one transferred from `onIteration` stops the fit with a
   *   TypeError).
   * @param options - `sampleWeight`, `signal`, `onIteration`; see {@link FitOptions}.
   * @returns a promise of this estimator, fitted.
   * @throws (rejects) TypeError / RangeError - bad X or options (nothing started).
   * @throws (rejects) AbortError - the signal fired (or had fired); the model is unchanged.
   * @throws (rejects) RangeError - code `ERR_GAUSSMIX_OUT_OF_MEMORY`: the model cannot fit in the
   *   machine's memory (refused before any work; the message gives the sizes), or a native
   *   allocation was refused.
   * @throws (rejects) Error - code `ERR_GAUSSMIX_BUSY` when a fit of this instance is running;
   *   code `ERR_GAUSSMIX_ILL_CONDITIONED` when a covariance collapsed; or what `onIteration`
   *   threw. The model is unchanged in every case.
   */
  fit(X: DataInput, options?: FitOptions): Promise<this> {
    let fo: CheckedFitOptions;
    try {
      fo = this.#claim(options, 'fit');
    } catch (err) {
      return Promise.reject(err);
    }
    // X and the sample weights are read now, while the caller's arrays hold what they held at
    // the call (nested rows, Float32 data and the weights are copied here); the rest of the
    // start-up runs in a time slice of the event loop (lib/slices.ts): at once for a lone fit,
    // in later turns when many are started together.
    let input: FitInput;
    try {
      input = this.#readInput(X, fo);
    } catch (err) {
      this.#busy = false;
      return Promise.reject(err);
    }
    return new Promise<this>((resolve, reject) => {
      inSlice(() => void this.#fitClaimed(input, fo).then(resolve, reject));
    });
  }

  /** X converted and checked, and a copy of the sample weights (checked with the options). */
  #readInput(X: DataInput, fo: CheckedFitOptions): FitInput {
    const m = toMatrix(X, 'X', this.fitExpectations());
    const w = fo.sampleWeight === undefined ? undefined : (snapshotSampleWeight(fo.sampleWeight, m.n) as ArrayLike<number>);
    return { X: m, sampleWeight: w };
  }

  /** fit() once the instance is claimed: the busy flag is cleared when this settles. */
  async #fitClaimed(input: FitInput, fo: CheckedFitOptions): Promise<this> {
    let onAbort: (() => void) | undefined;
    const signal = fo.signal;
    try {
      // (The signal may have fired while this start waited for its slice.)
      if (signal?.aborted) throw makeAbortError(signal);
      const job = this.#job(input, fo);
      const { request } = job;
      let task: NativeTask<R>;
      try {
        task = this.nativeFit().async(request.X.data, request.X.n, request.X.d, request.options, job.callback);
      } catch (err) {
        throw translateNativeError(err, signal);
      }
      job.started(task);
      if (signal) {
        const cancel = task.cancel.bind(task);
        onAbort = () => cancel();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      let result: R;
      try {
        result = await task.promise;
      } catch (err) {
        throw failure(job, err);
      }
      this.#commit(job, result);
      return this;
    } finally {
      if (signal && onAbort) signal.removeEventListener('abort', onAbort);
      this.#busy = false;
    }
  }

  /**
   * Fits the model to X, blocking the JavaScript thread (the work still uses `threads`
   * threads). The same contract as {@link Estimator.fit}, thrown instead of rejected; a signal
   * can only stop it if it is aborted from `onIteration`.
   * @throws TypeError / RangeError / AbortError / Error - as `fit`.
   */
  fitSync(X: DataInput, options?: FitOptions): this {
    const fo = this.#claim(options, 'fitSync');
    try {
      const job = this.#job(this.#readInput(X, fo), fo);
      const { request } = job;
      let result: R;
      try {
        result = this.nativeFit().sync(request.X.data, request.X.n, request.X.d, request.options, job.callback);
      } catch (err) {
        throw failure(job, err);
      }
      this.#commit(job, result);
      return this;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Checks the fit options, the signal and the busy guard, and marks the instance busy (the
   * caller clears it when the fit settles).
   */
  #claim(options: FitOptions | undefined, method: string): CheckedFitOptions {
    const fo = readFitOptions(options, `${this.className}.${method} options`);
    if (fo.signal?.aborted) throw makeAbortError(fo.signal);
    if (this.#busy) throw busyError(this.className);
    this.#busy = true;
    return fo;
  }

  /** The request, and the native callback around the user's onIteration. */
  #job(input: FitInput, fo: CheckedFitOptions): FitJob<O> {
    // Before prepareFit, which may pass over X (standardize, the noise component's and the
    // prior's defaults).
    checkFitMemory(this.className, this.fitMemory(input.X.n, input.X.d));
    const request = this.prepareFit(input.X, input.sampleWeight);
    this.#warnAtStart(request.review);
    const user = fo.onIteration;
    const signal = fo.signal;
    const shift = request.objectiveShift ?? 0;
    let thrown: { error: unknown } | undefined;
    let stopped = false;
    let callback: NativeIterationCallback | undefined;
    let cancel: (() => void) | undefined;
    if (user) {
      // X's memory, which the native fit reads: the caller's own (zero copy) or a copy.
      const data = input.X.data;
      const size = input.X.n * input.X.d;
      callback = (info) => {
        // Once stopped, the user is not asked again (a later restart may still report).
        if (stopped || thrown || signal?.aborted) return false;
        let answer: unknown;
        try {
          answer = user(this.iterationInfo(shift === 0 ? info : { ...info, objective: info.objective - shift }));
        } catch (error) {
          thrown = { error };
        }
        // X's values are finite numbers: its last element reads undefined only when the
        // callback transferred X's buffer away (detached it). (An element read, not the length
        // getter: a builtin call there is where a worker's termination, arriving during the
        // callback, was seen, and the native side cannot take that exception.)
        if (data[size - 1] === undefined) {
          // The fit thread waits for this answer: it must not read X again, not even for a last
          // pass over it after a stop, so the fit is cancelled (fit) or unwound by a throw
          // (fitSync).
          thrown = {
            error: invalidType(
              'X was detached (its buffer transferred) during the fit, from onIteration: X is read until the fit ' +
                'ends and must not be transferred, resized or modified before then',
            ),
          };
          if (cancel) {
            cancel();
            return false;
          }
          throw thrown.error;
        }
        if (thrown) return false;
        // An abort from inside the callback stops at once (the only way to stop fitSync).
        stopped = answer === false || signal?.aborted === true;
        return !stopped;
      };
    }
    return {
      request,
      signal,
      callback,
      callbackError: () => thrown,
      stoppedByUser: () => stopped && !thrown,
      started: (task) => {
        cancel = task.cancel;
      },
    };
  }

  /**
   * Runs `work` (a streamed fit) under the fit protocol: an aborted signal or a running fit
   * rejects at once; the state `work` returns is committed only if it succeeds and the signal
   * has not fired; anything else leaves the model as it was. With `passReview`, the warnings
   * fit would give: those of the start as the work starts, those of the result once committed.
   */
  protected async exclusive(signal: AbortSignal | undefined, work: () => Promise<S>, claim?: object, passReview?: PassReview): Promise<this> {
    if (claim !== undefined && claim === this.#passClaim) {
      this.#passClaim = undefined; // taken over: the instance stays busy
    } else {
      if (signal?.aborted) throw makeAbortError(signal);
      if (this.#busy) throw busyError(this.className);
      this.#busy = true;
    }
    try {
      if (signal?.aborted) throw makeAbortError(signal);
      this.#warnAtStart(passReview?.review);
      const state = await work();
      if (signal?.aborted) throw makeAbortError(signal);
      this.#state = state;
      if (passReview) this.#warnOnResult(passReview.review, state, passReview.rows() ?? 0, passReview.stopped());
      return this;
    } finally {
      this.#busy = false;
    }
  }

  /** The options a fit over passes (fitStream, gaussmix/distributed) refuses: none here. */
  protected checkPassFit(what: string): void {
    void what;
  }

  /** @internal See {@link CLAIM_PASS_FIT}. */
  [CLAIM_PASS_FIT](what: string): object {
    this.checkPassFit(what);
    if (this.#busy) throw busyError(this.className);
    this.#busy = true;
    const claim = {};
    this.#passClaim = claim;
    return claim;
  }

  /** @internal See {@link CLAIM_PASS_FIT}. */
  [RELEASE_PASS_FIT](claim: object): void {
    if (this.#passClaim !== claim) return; // taken over by the fit, or not this one
    this.#passClaim = undefined;
    this.#busy = false;
  }

  /**
   * Replaces the fitted state at once (an M-step from given statistics).
   * @throws Error - code `ERR_GAUSSMIX_BUSY` while a fit of this instance runs.
   */
  protected replaceState(state: S): void {
    if (this.#busy) throw busyError(this.className);
    this.#state = state;
  }

  /** Commits a successful native fit, unless the callback threw or the signal fired. */
  #commit(job: FitJob<O>, result: R): void {
    const thrown = job.callbackError();
    if (thrown) throw thrown.error;
    if (job.signal?.aborted) throw makeAbortError(job.signal);
    const state = this.stateFromFit(job.request, result);
    this.#state = state;
    const review = job.request.review;
    if (review) this.#warnOnResult(review, state, job.request.X.n, job.stoppedByUser());
  }

  /** The warnings a review knows before the run (fit's and a fit over passes'). */
  #warnAtStart(review: FitReview | undefined): void {
    if (review?.before.length) deliverWarnings(this.warningsOption, review.before);
  }

  /** The warnings about a committed result of n rows (fit's and a fit over passes'). */
  #warnOnResult(review: FitReview, state: S, n: number, stoppedByUser: boolean): void {
    if (this.warningsOption !== 'silent') deliverWarnings(this.warningsOption, resultWarnings(this.className, review, state, n, stoppedByUser));
  }

  static {
    // Gives restoreModel() (below, outside the class) write access to #state without a public member.
    install = (model, state) => {
      model.#state = state;
    };
  }
}

/** The error a failed native fit is reported as: the callback's, an abort, or the native one. */
function failure(job: FitJob<unknown>, err: unknown): unknown {
  const thrown = job.callbackError();
  if (thrown) return thrown.error;
  if (job.signal?.aborted) return makeAbortError(job.signal);
  return translateNativeError(err, job.signal);
}

/**
 * Reads a model written by an estimator's `toJSON`: checks the envelope, builds the estimator
 * from `options` (errors prefixed `options: `), and, unless `state` is null, checks that
 * `state` has exactly `fields` and installs what `readState` makes of it.
 * @param where - e.g. `'KMeans.fromJSON'`, prefixed to every message.
 * @param kinds - the kinds this entry point reads.
 * @param make - the unfitted estimator for a kind and its options.
 * @param readState - the fitted state from the checked fields (throw to reject).
 * @throws TypeError / RangeError - naming the field.
 */
export function restoreModel<K extends string, S extends FittedState, M extends Estimator<S, unknown, unknown>>(
  obj: unknown,
  where: string,
  kinds: readonly K[],
  make: (kind: K, options: object) => M,
  fields: readonly string[],
  readState: (st: StateReader, model: M) => S,
): M {
  const env = readEnvelope(obj, where, kinds);
  const model = inField(where, 'options: ', () => make(env.kind, env.options));
  if (env.state === null) return model;
  // state.scaling: present exactly when the model standardises (option standardize).
  const scaled = 'scaling' in env.state;
  if (scaled !== model.standardize) {
    throw invalidValue(
      scaled
        ? `${where}: state.scaling is given, but options.standardize is not true`
        : `${where}: the field state.scaling is missing (options.standardize is true)`,
    );
  }
  const st = stateReader(env.state, scaled ? [...fields, 'scaling'] : fields, where);
  let state = readState(st, model);
  if (scaled) state = Object.freeze({ ...state, scaling: readScaling(env.state.scaling, state.d, where) });
  install(model as unknown as Estimator<FittedState, unknown, unknown>, state);
  return model;
}
