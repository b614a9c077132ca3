/**
 * MiniBatchKMeans: K-means on random mini-batches (Sculley 2010) with scikit-learn 1.2's
 * semantics, in native code.
 *
 * @module
 */
import { readCentroidOptions, type CentroidOptions, type CentroidOptionsJSON, centroidOptionsToJSON, type ResolvedCentroidOptions } from './centroids.js';
import { invalidValue } from './errors.js';
import {
  Estimator,
  freezeNDArray,
  restoreModel,
  type FitRequest,
  type FittedState,
  type NativeFitEntries,
} from './estimator.js';
import { centroidFitMemory, type MemoryNeed } from './memory-check.js';
import { assignToCentres, nearestCentres } from './evaluate.js';
import { requireFinite } from './finite.js';
import { checkEnoughSamples, toMatrix, type Matrix } from './input.js';
import { JSON_FORMAT, JSON_VERSION, type ModelJSON, type StateReader } from './json.js';
import {
  labelsInertia,
  miniBatchAddon,
  partialFitStep,
  type NativeMiniBatchFit,
  type NativeMiniBatchOptions,
  type NativeMiniBatchStepOptions,
} from './minibatch-native.js';
import type { Labels, NativeIterationInfo } from './native.js';
import {
  booleanOption,
  integerOption,
  numberOption,
  randomSeed,
  readOptionsObject,
  readSampleWeight,
  resolveThreads,
} from './options.js';
import { toNested, type Nested } from './tensor.js';
import type { DataInput, FitOptions, IterationInfo, NDArray } from './types.js';
import { deliverWarnings, nInitIgnoredWarning, type WarningsOption } from './warnings.js';

/**
 * Options of {@link MiniBatchKMeans}: scikit-learn 1.2's `MiniBatchKMeans` parameters in this
 * API's naming. Only `nClusters` is required; `nInit`, `seed`, `threads`, `init` and `warnings`
 * are as in {@link CentroidOptions} (`standardize` is not taken).
 */
export interface MiniBatchKMeansOptions extends Omit<CentroidOptions, 'standardize'> {
  /**
   * Passes over the data that `fit` may make (default 100): it runs at most
   * ⌊maxIter·N / batchSize⌋ steps.
   */
  maxIter?: number;
  /** Rows per mini-batch: an integer >= 1 (default 1024; at most N is used). */
  batchSize?: number;
  /**
   * Stop `fit` when the squared centre shift of a step, summed over clusters, is <= tol × the
   * mean over features of the (population) variance of X: >= 0 (default 0, never).
   */
  tol?: number;
  /**
   * Stop `fit` after this many consecutive steps without a new smallest exponentially weighted
   * average of the mean batch inertia (α = 2·batchSize / (N + 1)): an integer >= 0, or null
   * for no such rule (default 10).
   */
  maxNoImprovement?: number | null;
  /**
   * Rows each seeding draws (with replacement) from X, and the size of the validation sample
   * the `nInit` seedings are compared on: an integer >= 1 (default 3·batchSize, at least
   * 3·nClusters; at most N; a value below nClusters becomes 3·nClusters, as scikit-learn).
   */
  initSize?: number;
  /**
   * Seedings tried by `fit`, the best by inertia on the validation sample kept (default 3, the
   * default of scikit-learn 1.2); one mini-batch run follows.
   */
  nInit?: number;
  /**
   * Centres whose count (the sample weight they have absorbed) is below reassignmentRatio × the
   * largest count are moved to random rows of the batch: >= 0 (default 0.01; 0: never). The
   * check runs on a step when some count is 0 or 10·nClusters rows have passed since the last
   * check; at most half the batch's rows are used (the centres of lowest count, ties to the
   * lowest index), and the moved centres' counts restart from the least count kept.
   */
  reassignmentRatio?: number;
  /**
   * Whether `fit` ends with the labels and the exact inertia of every row, and `partialFit`
   * with those of its batch (default true). Without: `labels` throws, and `inertia` after `fit`
   * is the final average batch inertia × N (scikit-learn's approximation).
   */
  computeLabels?: boolean;
}

/** The option names of {@link MiniBatchKMeansOptions}, in documentation order. */
const OPTION_NAMES = [
  'nClusters', 'tol', 'maxIter', 'nInit', 'seed', 'threads', 'init', 'warnings',
  'batchSize', 'maxNoImprovement', 'initSize', 'reassignmentRatio', 'computeLabels',
] as const;

interface ResolvedOptions extends ResolvedCentroidOptions {
  readonly batchSize: number;
  readonly maxNoImprovement: number | null;
  /** 0: the default rule */
  readonly initSize: number;
  readonly reassignmentRatio: number;
  readonly computeLabels: boolean;
}

/** The fitted state: fresh arrays from native code, never handed out (getters copy). */
interface MiniBatchState extends FittedState {
  /** [K, D] */
  readonly clusterCenters: Float64Array;
  /** [K] the sample weight each centre has absorbed */
  readonly counts: Float64Array;
  readonly sinceReassign: number;
  /** the training rows' (fit) or the last batch's (partialFit) labels; null without computeLabels */
  readonly labels: Labels | Int32Array | null;
  readonly inertia: number;
  /** mini-batch steps so far (fit and partialFit) */
  readonly nSteps: number;
  /** the batch size in use: min(batchSize, N) of the fit, or of partialFit's first batch */
  readonly batchSize: number;
  /** the seed of every later random choice (partialFit's reassignments) */
  readonly seed: number;
}

/** The fitted state in plain-JSON form (what `toJSON` writes under `state`). */
export interface MiniBatchKMeansStateJSON {
  /** [K][D] */
  clusterCenters: Nested[];
  /** [K] */
  counts: number[];
  sinceReassign: number;
  /** [N], or null without computeLabels */
  labels: number[] | null;
  /** [K] */
  weights: number[];
  inertia: number;
  nIter: number;
  nSteps: number;
  batchSize: number;
  seed: number;
  converged: boolean;
  nFeaturesIn: number;
}

/** The options in plain-JSON form. */
export interface MiniBatchKMeansOptionsJSON extends Omit<CentroidOptionsJSON, 'standardize'> {
  batchSize: number;
  maxNoImprovement: number | null;
  initSize?: number;
  reassignmentRatio: number;
  computeLabels: boolean;
}

/** What {@link MiniBatchKMeans.toJSON} returns. */
export type MiniBatchKMeansJSON = ModelJSON<'MiniBatchKMeans', MiniBatchKMeansOptionsJSON, MiniBatchKMeansStateJSON>;

const STATE_FIELDS = [
  'clusterCenters', 'counts', 'sinceReassign', 'labels', 'weights', 'inertia', 'nIter', 'nSteps',
  'batchSize', 'seed', 'converged', 'nFeaturesIn',
] as const;

/**
 * Mini-batch K-means (scikit-learn 1.2's `MiniBatchKMeans`): each step assigns a batch of rows
 * to the nearest centres and moves every centre c that received rows to
 * (c·count + Σ w·x) / (count + Σ w), count being the sample weight it has absorbed so far (so
 * 1/count is its learning rate); centres of low count are moved to random batch rows (see
 * {@link MiniBatchKMeansOptions.reassignmentRatio}).
 *
 * `fit` draws its batches from X (uniformly, with replacement) after `nInit` seedings on
 * `initSize`-row samples; it stops on {@link MiniBatchKMeansOptions.tol},
 * {@link MiniBatchKMeansOptions.maxNoImprovement} or after ⌊maxIter·N / batchSize⌋ steps
 * (`converged` says whether a rule stopped it). `partialFit` runs one step on the batch given,
 * seeding on the first batch; it continues a `fit` too. The seedings weigh rows by
 * `sampleWeight` (as KMeans here and scikit-learn from 1.3; 1.2 ignored the weights there).
 * The random draws differ from scikit-learn's (another generator); the arithmetic of a step
 * is scikit-learn's, in its order. The same seed gives a bit-identical result for any thread
 * count.
 *
 * A fit or step whose centres, counts or inertia would not be finite (sample weights whose sums
 * overflow float64, or X changed to NaN while an asynchronous `fit` reads it in place) fails
 * with code `ERR_GAUSSMIX_ILL_CONDITIONED`, as the other estimators' fits do, and the model is
 * unchanged.
 *
 * `onIteration` receives each step of `fit`: `iter` the step, `objective` its mean batch
 * inertia (under the centres before the step), `change` its difference from the previous one
 * (−Infinity for the first).
 *
 * @example
 * ```ts
 * const mbk = new MiniBatchKMeans({ nClusters: 3, batchSize: 256, seed: 1 });
 * for (const batch of batches) mbk.partialFit(batch);
 * mbk.predict(points);
 * ```
 */
export class MiniBatchKMeans extends Estimator<MiniBatchState, NativeMiniBatchOptions, NativeMiniBatchFit> {
  /** The `kind` written by `toJSON`. */
  protected static override readonly kind = 'MiniBatchKMeans';

  readonly #options: ResolvedOptions;

  /**
   * @param options - only `nClusters` is required; see {@link MiniBatchKMeansOptions}.
   * @throws TypeError - options not an object, or an option of the wrong type.
   * @throws RangeError - an unknown option name, a value out of range, or explicit `init`
   *   centres whose row count is not `nClusters`.
   */
  constructor(options: MiniBatchKMeansOptions) {
    super();
    const o = readOptionsObject(options, 'MiniBatchKMeans options', OPTION_NAMES);
    const shared = readCentroidOptions(o, { tol: 0, maxIter: 100 });
    this.#options = Object.freeze({
      ...shared,
      nInit: o.nInit === undefined ? 3 : shared.nInit,
      batchSize: o.batchSize === undefined ? 1024 : integerOption(o.batchSize, 'batchSize', 1),
      maxNoImprovement:
        o.maxNoImprovement === undefined ? 10 : o.maxNoImprovement === null ? null : integerOption(o.maxNoImprovement, 'maxNoImprovement', 0),
      initSize: o.initSize === undefined ? 0 : integerOption(o.initSize, 'initSize', 1),
      reassignmentRatio: o.reassignmentRatio === undefined ? 0.01 : numberOption(o.reassignmentRatio, 'reassignmentRatio', 0),
      computeLabels: o.computeLabels === undefined ? true : booleanOption(o.computeLabels, 'computeLabels'),
    });
  }

  /** The number of clusters K (an option; available before fitting). */
  get nClusters(): number {
    return this.#options.nClusters;
  }

  /** Always false: MiniBatchKMeans does not take the `standardize` option. */
  get standardize(): boolean {
    return false;
  }

  // ------------------------------------------------------------------------- fitted attributes

  /**
   * The cluster centres, NDArray [K, D] (a copy).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get clusterCenters(): NDArray {
    const s = this.fitted('clusterCenters');
    return freezeNDArray(s.clusterCenters.slice(), [this.nClusters, s.d]);
  }

  /**
   * The sample weight each centre has absorbed, Float64Array [K] (a copy; scikit-learn's
   * private `_counts`): 1/count is the centre's learning rate in the next step.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get counts(): Float64Array {
    return this.fitted('counts').counts.slice();
  }

  /**
   * The nearest final centre of each training row after `fit`, or of each row of the last
   * batch after `partialFit`, Int32Array (a copy).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting, or when the option
   *   `computeLabels` is false.
   */
  get labels(): Int32Array {
    const labels = this.fitted('labels').labels;
    if (labels === null) throw invalidValue('MiniBatchKMeans: labels are not computed (option computeLabels is false)');
    return new Int32Array(labels);
  }

  /**
   * Σ w‖x − c_label‖² over the training rows under the final centres (after `partialFit`: over
   * its batch); with `computeLabels` false, `fit`'s estimate from the batch inertias.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get inertia(): number {
    return this.fitted('inertia').inertia;
  }

  /**
   * The mini-batch steps made (`fit`'s and every `partialFit`'s; scikit-learn's `n_steps_`).
   * `nIter` is `fit`'s passes over the data, ⌈steps·batchSize / N⌉.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get nSteps(): number {
    return this.fitted('nSteps').nSteps;
  }

  // ------------------------------------------------------------------------------------ fitting

  protected get threadCount(): number {
    return this.#options.threads;
  }

  protected override get warningsOption(): WarningsOption {
    return this.#options.warnings;
  }

  /** The options a fit and a step share, for X (n rows: the threads are chosen from n·K·D). */
  #common(n: number, d: number, w: Float64Array | undefined, seed: number) {
    const o = this.#options;
    const given = typeof o.init !== 'string';
    if (typeof o.init !== 'string' && o.init.d !== d) {
      throw invalidValue(`init has ${o.init.d} feature${o.init.d === 1 ? '' : 's'}, but X has ${d}`);
    }
    return {
      nClusters: o.nClusters,
      seed,
      initSize: o.initSize,
      reassignmentRatio: o.reassignmentRatio,
      init: typeof o.init === 'string' ? o.init : ('given' as const),
      ...(typeof o.init !== 'string' ? { centersInit: o.init.data } : {}),
      threads: resolveThreads(o.threads, n * o.nClusters * d),
      ...(w ? { sampleWeight: w } : {}),
      computeLabels: o.computeLabels,
      given,
    };
  }

  /** The memory a fit certainly needs (checked before any work; see lib/memory-check.ts). */
  protected override fitMemory(n: number, d: number): MemoryNeed | undefined {
    const o = this.#options;
    return o.nClusters > n ? undefined : centroidFitMemory({ k: o.nClusters, d, n, labels: o.computeLabels });
  }

  protected prepareFit(X: Matrix, sampleWeight: ArrayLike<number> | undefined): FitRequest<NativeMiniBatchOptions> {
    const o = this.#options;
    checkEnoughSamples(o.nClusters, X.n, 'nClusters');
    const w = sampleWeight === undefined ? undefined : readSampleWeight(sampleWeight, X.n);
    const { given, ...common } = this.#common(X.n, X.d, w, o.seed ?? randomSeed());
    if (given) deliverWarnings(o.warnings, [nInitIgnoredWarning(this.className, o.nInit, 'centres (init)')].filter((x) => x !== null));
    const options: NativeMiniBatchOptions = {
      ...common,
      maxIter: o.maxIter,
      batchSize: o.batchSize,
      tol: o.tol,
      maxNoImprovement: o.maxNoImprovement,
      nInit: given ? 1 : o.nInit,
    };
    return { X, options };
  }

  protected nativeFit(): NativeFitEntries<NativeMiniBatchOptions, NativeMiniBatchFit> {
    const addon = miniBatchAddon();
    return { sync: addon.fitMiniBatchKMeansSync, async: addon.fitMiniBatchKMeansAsync };
  }

  protected override iterationInfo(info: NativeIterationInfo): IterationInfo {
    const change = info.iter === 1 && Number.isNaN(info.change) ? -Infinity : info.change;
    return super.iterationInfo({ ...info, change });
  }

  protected stateFromFit(r: FitRequest<NativeMiniBatchOptions>, fit: NativeMiniBatchFit): MiniBatchState {
    const k = this.nClusters;
    const { n, d } = r.X;
    this.checkNativeSizes([
      [fit.clusterCenters, k * d],
      [fit.counts, k],
      [fit.labels ?? [], r.options.computeLabels ? n : 0],
    ]);
    requireFiniteSteps('MiniBatchKMeans.fit', fit.clusterCenters, fit.counts, fit.inertia, d);
    return Object.freeze({
      d,
      clusterCenters: fit.clusterCenters,
      counts: fit.counts,
      sinceReassign: fit.sinceReassign,
      labels: fit.labels ?? null,
      weights: shareOf(fit.counts),
      inertia: fit.inertia,
      nIter: fit.nIter,
      nSteps: fit.nSteps,
      batchSize: fit.batchSize,
      seed: r.options.seed,
      converged: fit.converged,
    });
  }

  /**
   * One mini-batch step on X (scikit-learn's `partial_fit`), blocking: the first call (on an
   * unfitted model) seeds the centres from X by `init` (X needs at least nClusters rows) and
   * fixes the batch size used by the reassignment rule to min(batchSize, its rows); later calls
   * take any number of rows with the fitted D. A reassignment's random rows come from a stream
   * of (seed, step), so a sequence of calls is reproducible, also across `toJSON`/`fromJSON`.
   * `nIter` and `converged` keep the values of the last `fit` (0 and false without one).
   * @param X - the batch.
   * @param options - `sampleWeight`: length of the batch, finite, >= 0, not all zero.
   * @returns this.
   * @throws TypeError / RangeError - bad X or weights, another D, or a first batch with fewer
   *   rows than nClusters; the model is unchanged.
   * @throws Error - code `ERR_GAUSSMIX_BUSY` while a `fit` of this instance runs;
   *   `ERR_GAUSSMIX_ILL_CONDITIONED` when the step's centres or counts are not finite (sample
   *   weights whose sums overflow float64); the model is unchanged.
   */
  partialFit(X: DataInput, options?: { sampleWeight?: ArrayLike<number> }): this {
    const prior = this.state;
    const o = readOptionsObject(options ?? {}, 'MiniBatchKMeans.partialFit options', ['sampleWeight']);
    const m = prior
      ? toMatrix(X, 'X', { features: prior.d, featuresOrigin: `this ${this.className} was fitted` })
      : toMatrix(X, 'X');
    if (!prior) checkEnoughSamples(this.nClusters, m.n, 'nClusters');
    const w = o.sampleWeight === undefined ? undefined : readSampleWeight(o.sampleWeight, m.n);
    const seed = prior ? prior.seed : (this.#options.seed ?? randomSeed());
    const { given: _given, ...common } = this.#common(m.n, m.d, w, seed);
    const batchSize = prior ? prior.batchSize : Math.min(this.#options.batchSize, m.n);
    const step: NativeMiniBatchStepOptions = {
      ...common,
      step: (prior?.nSteps ?? 0) + 1,
      batchSize,
      state: prior ? { clusterCenters: prior.clusterCenters, counts: prior.counts, sinceReassign: prior.sinceReassign } : null,
    };
    const r = partialFitStep(m, step);
    requireFiniteSteps('MiniBatchKMeans.partialFit', r.clusterCenters, r.counts, r.inertia ?? 0, m.d);
    this.replaceState(
      Object.freeze({
        d: m.d,
        clusterCenters: r.clusterCenters,
        counts: r.counts,
        sinceReassign: r.sinceReassign,
        labels: r.labels ?? prior?.labels ?? null,
        weights: shareOf(r.counts),
        inertia: r.inertia ?? prior?.inertia ?? 0,
        nIter: prior?.nIter ?? 0,
        nSteps: step.step,
        batchSize,
        seed,
        converged: prior?.converged ?? false,
      }),
    );
    return this;
  }

  // ------------------------------------------------------------------------------- prediction

  /**
   * The nearest centre of each sample (ties to the lowest index).
   * @returns Int32Array [N] of labels in [0, K).
   * @throws TypeError / RangeError - bad X, or D different from the fitted model.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  predict(X: DataInput): Int32Array {
    const { X: m, s } = this.input(X, 'predict()');
    return nearestCentres(m, s.clusterCenters, this.threadCount);
  }

  /**
   * The Euclidean distance of each sample to each centre (as {@link KMeans.transform}).
   * @returns NDArray [N, K].
   * @throws TypeError / RangeError / Error - as {@link MiniBatchKMeans.predict}.
   */
  transform(X: DataInput): NDArray {
    const { X: m, s } = this.input(X, 'transform()');
    const distances = new Float64Array(m.n * this.nClusters);
    assignToCentres(m, s.clusterCenters, this.threadCount, { distances });
    return freezeNDArray(distances, [m.n, this.nClusters]);
  }

  /**
   * −Σₙ wₙ‖xₙ − c_(nearest)‖² (scikit-learn's `score`: higher is better).
   * @param sampleWeight - optional weights: length N, finite, >= 0, not all zero.
   * @throws TypeError / RangeError / Error - as {@link MiniBatchKMeans.predict}, or bad weights.
   */
  score(X: DataInput, sampleWeight?: ArrayLike<number>): number {
    const { X: m, s } = this.input(X, 'score()');
    const w = sampleWeight === undefined ? undefined : readSampleWeight(sampleWeight, m.n);
    return -labelsInertia(m, s.clusterCenters, resolveThreads(this.threadCount, m.n * m.d * this.nClusters), w).inertia;
  }

  /**
   * Fits the model to X (blocking) and returns the labels `predict(X)` gives after the fit.
   * @throws TypeError / RangeError / AbortError / Error - as `fitSync`.
   */
  override fitPredict(X: DataInput, options?: FitOptions): Int32Array {
    return this.fitSync(X, options).predict(X);
  }

  // --------------------------------------------------------------------------------------- JSON

  /**
   * The model as a plain, versioned object: `{ format: 'gaussmix', version: 1, kind:
   * 'MiniBatchKMeans', options, state }`, with `state` null before fitting. It holds what
   * `partialFit` needs to continue (counts, the reassignment counter, steps, seed), so a
   * restored model continues bit-identically.
   */
  toJSON(): MiniBatchKMeansJSON {
    const s = this.state;
    const o = this.#options;
    const state: MiniBatchKMeansStateJSON | null = s && {
      clusterCenters: toNested(s.clusterCenters, [this.nClusters, s.d]),
      counts: Array.from(s.counts),
      sinceReassign: s.sinceReassign,
      labels: s.labels && Array.from(s.labels),
      weights: Array.from(s.weights),
      inertia: s.inertia,
      nIter: s.nIter,
      nSteps: s.nSteps,
      batchSize: s.batchSize,
      seed: s.seed,
      converged: s.converged,
      nFeaturesIn: s.d,
    };
    const { standardize: _standardize, ...shared } = centroidOptionsToJSON(o);
    const options: MiniBatchKMeansOptionsJSON = {
      ...shared,
      batchSize: o.batchSize,
      maxNoImprovement: o.maxNoImprovement,
      ...(o.initSize > 0 ? { initSize: o.initSize } : {}),
      reassignmentRatio: o.reassignmentRatio,
      computeLabels: o.computeLabels,
    };
    return { format: JSON_FORMAT, version: JSON_VERSION, kind: 'MiniBatchKMeans', options, state };
  }

  /**
   * Restores a model written by {@link MiniBatchKMeans.toJSON}.
   * @throws TypeError - a field of the wrong type (the message names it).
   * @throws RangeError - another format, version or kind; a missing or unknown field; a shape
   *   that does not match the options; invalid values.
   */
  static fromJSON(obj: unknown): MiniBatchKMeans {
    // state.labels may be null (computeLabels false): read it apart from the checked fields.
    const st = (obj as { state?: unknown } | null)?.state;
    const labels = st && typeof st === 'object' ? (st as { labels?: unknown }).labels : undefined;
    const withoutLabels = labels === null && st ? { ...(obj as object), state: omitLabels(st as Record<string, unknown>) } : obj;
    const fields = labels === null ? STATE_FIELDS.filter((f) => f !== 'labels') : STATE_FIELDS;
    return restoreModel(
      withoutLabels,
      'MiniBatchKMeans.fromJSON',
      ['MiniBatchKMeans'],
      (_, o) => new MiniBatchKMeans(o as MiniBatchKMeansOptions),
      fields,
      (reader, model) => readState(reader, model, labels !== null),
    );
  }
}

function omitLabels(st: Record<string, unknown>): Record<string, unknown> {
  const { labels: _labels, ...rest } = st;
  return rest;
}

/**
 * Refuses the result of mini-batch steps that is not finite (the model is then unchanged):
 * counts whose sums overflow float64 (sample weights too large: a centre's count is the weight
 * it absorbed over every step), or rows made non-finite while an asynchronous fit read X in
 * place. Checked once on the K·D result, not per row.
 */
function requireFiniteSteps(what: string, centres: Float64Array, counts: Float64Array, inertia: number, d: number): void {
  requireFinite(
    what,
    [
      ['counts', counts, 1],
      ['centres', centres, d],
      ['inertia', [inertia], 0],
    ],
    'the sample weights a centre absorbed overflow float64 (scale sampleWeight down), or X was changed to ' +
      'non-finite values while the fit read it (an asynchronous fit reads X in place: leave it unchanged until ' +
      'the fit settles); the model is unchanged',
  );
}

/** Each centre's share of the total count. */
function shareOf(counts: Float64Array): Float64Array {
  let total = 0;
  for (const c of counts) total += c;
  return counts.map((c) => (total > 0 ? c / total : 1 / counts.length));
}

/** The fitted state from its checked JSON fields. */
function readState(st: StateReader, model: MiniBatchKMeans, hasLabels: boolean): MiniBatchState {
  const k = model.nClusters;
  const fitted = st.fitted(k, 'nClusters');
  return Object.freeze({
    ...fitted,
    clusterCenters: st.tensor('clusterCenters', 2, [k, fitted.d], '[nClusters, nFeaturesIn]'),
    counts: st.tensor('counts', 1, [k], '[nClusters]'),
    sinceReassign: st.integer('sinceReassign', 0),
    labels: hasLabels ? st.labels('labels', k) : null,
    inertia: st.number('inertia', 0),
    nSteps: st.integer('nSteps', 0),
    batchSize: st.integer('batchSize', 1),
    seed: st.integer('seed', 0),
  });
}
