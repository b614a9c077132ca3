/**
 * SoftKMeans: MacKay's soft K-means, in native code on the EM engine.
 *
 * @module
 */
import {
  CENTROID_OPTION_NAMES,
  centroidOptionsToJSON,
  readCentroidOptions,
  resolveCentroidFit,
  type CentroidOptions,
  type CentroidOptionsJSON,
  type ResolvedCentroidOptions,
} from './centroids.js';
import { freezeNDArray, restoreModel, type FitRequest, type NativeFitEntries } from './estimator.js';
import { nearestCentres } from './evaluate.js';
import { toMatrix } from './input.js';
import { encodeScalar, JSON_FORMAT, JSON_VERSION, type ModelJSON, type StateReader } from './json.js';
import { MixtureEstimator, type MixtureFittedState } from './mixture-estimator.js';
import {
  native,
  type NativeMixtureParams,
  type NativeSoftKMeansFit,
  type NativeSoftKMeansOptions,
} from './native.js';
import { numberOption, readOptionsObject } from './options.js';
import { toNested, type Nested } from './tensor.js';
import type { DataInput, NDArray } from './types.js';

/**
 * Options of {@link SoftKMeans}. Only `nClusters` is required; see {@link CentroidOptions} for
 * `nInit`, `seed`, `threads` and `init`.
 */
export interface SoftKMeansOptions extends CentroidOptions {
  /**
   * The stiffness β > 0 (default 1): responsibilities are r_nk ∝ exp(−β·½‖xₙ − μₖ‖²), i.e.
   * clusters of standard deviation 1/√β in every feature. β is in units of 1/X², so the
   * default suits standardised features; as β → ∞ soft K-means becomes hard K-means.
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

  /** The stiffness β (an option; available before fitting). */
  get stiffness(): number {
    return this.#stiffness;
  }

  // ------------------------------------------------------------------------- fitted attributes

  /**
   * The cluster means μ, NDArray [K, D] (a copy).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get means(): NDArray {
    const s = this.fitted('means');
    return freezeNDArray(s.params.means.slice(), [this.nClusters, s.d]);
  }

  // ------------------------------------------------------------------------------------ fitting

  protected get threadCount(): number {
    return this.#options.threads;
  }

  protected prepareFit(
    Xin: DataInput,
    sampleWeight: ArrayLike<number> | undefined,
  ): FitRequest<NativeSoftKMeansOptions> {
    const X = toMatrix(Xin, 'X');
    return { X, options: { ...resolveCentroidFit(this.#options, X, sampleWeight), stiffness: this.#stiffness } };
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
    });
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
