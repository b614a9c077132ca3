/**
 * GaussianMixture: a Gaussian mixture fitted by EM in native code, with scikit-learn's
 * semantics; and GaussianKMeans, the same with spherical covariances.
 *
 * @module
 */
import {
  covarianceShape,
  covarianceShapeLabel,
  covarianceRank,
  covarianceTypeDescriptor,
  mixtureParameterCount,
  type CovarianceType,
} from './covariance-types.js';
import { allocate, describe, ErrorCode, invalidType, invalidValue, translateNativeError } from './errors.js';
import { freezeNDArray, restoreModel, scalingJSON, type FitRequest, type NativeFitEntries } from './estimator.js';
import { checkEnoughSamples, type Matrix, type MatrixExpectations } from './input.js';
import { checkFields, encodeScalar, JSON_FORMAT, JSON_VERSION, type ModelJSON, type StateReader } from './json.js';
import { MixtureEstimator, type MixtureFittedState } from './mixture-estimator.js';
import { checkMclustConstraints } from './mclust-constraints.js';
import {
  checkFactorsMatchCovariances,
  checkFittedCovariances,
  checkPrecisionsCholesky,
  resolveStartingParameters,
  type ResolvedStartingParameters,
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
  type NativeHcStart,
  type NativeMixtureFit,
  type NativeIterationInfo,
  type NativeMixtureOptions,
  type NativeMixtureParams,
  type NativePrior,
  type ReseedEvent,
} from './native.js';
import { KMeans } from './kmeans.js';
import { checkFitMemory, mixtureFitMemory, type MemoryNeed } from './memory-check.js';
import { requireFiniteMixture } from './finite.js';
import { checkMaximisable, MixtureStatistics, ownStatistics, Statistics } from './statistics.js';
import type { StreamSource } from './stream.js';
import { checkSource, readStreamOptions, runStreamEm, tooFewRows, watchStops, type StreamFitOptions } from './stream-em.js';
import { checkRowsOnce, FIT_PASSES, streamPasses, withMinimumRows, type PassFitControl, type PassRequest, type RowPasses } from './passes.js';
import type { StreamSample } from './reservoir.js';
import { weightedMean } from './numeric.js';
import { allZeroWeight, integerOption, MAX_COUNT, numberOption, randomSeed, readSampleWeight, resolveThreads, seedOption } from './options.js';
import { readTensor, toNested, type Nested, type Tensor } from './tensor.js';
import type { DataInput, IterationInfo, NDArray } from './types.js';
import {
  covariancesFromStandard,
  covariancesToStandard,
  fitScaling,
  fromStandard,
  precisionsCholeskyFromStandard,
  standardMatrix,
  startingParametersToStandard,
  toStandard,
  type Scaling,
  type ScalingJSON,
} from './scaling.js';
import { fewDistinctPointsWarning, fitReview, nInitIgnoredWarning, type GaussmixWarning, type WarningsOption } from './warnings.js';

/** The fitted state: fresh arrays from the native fit, never handed out (getters copy). */
interface MixtureState extends MixtureFittedState {
  /** params.weights (the same array; K + 1 entries with noise). */
  readonly weights: Float64Array;
  /** Frozen events (frozen objects). */
  readonly reseeds: readonly ReseedEvent[];
  /** The prior the fit's M-steps used (option `prior`, resolved), if any. */
  readonly prior: NativePrior | undefined;
}

/** The decomposition Σ_k = λ_k D_k A_k D_kᵀ of mclust's parametrisations. */
export interface Decomposition {
  /** λ_k = |Σ_k|^(1/D), [K]. */
  readonly scale: Float64Array;
  /** The diagonal of A_k, [K, D]: determinant 1, decreasing. */
  readonly shape: NDArray;
  /** D_k, [K, D, D]: the eigenvectors of Σ_k as columns, in the order of `shape`. */
  readonly orientation: NDArray;
}

/** Precomputed hierarchical starts (selectModel: one hc for every candidate). */
const hcStarts = new WeakMap<GaussianMixture, NativeHcStart>();

/** The number of features explicit starting parameters fix: meansInit's, else the covariances' (not spherical's). */
function startingWidth(start: ResolvedMixtureOptions['start'], type: CovarianceType): number | undefined {
  const shape = (t: { shape?: readonly number[] } | undefined): readonly number[] | undefined => t?.shape;
  const means = shape(start.meansInit);
  if (means) return means[1];
  const layout = covarianceTypeDescriptor(type).layout;
  const cov = shape(start.covariancesInit ?? start.precisionsInit);
  if (!cov || layout === 'variances') return undefined;
  return cov[cov.length - 1];
}

/**
 * The memory a model's fit of n rows × d features certainly needs (its fitMemory, which
 * fit checks): selectModel checks every candidate's before fitting any. Set in the class's
 * static block.
 * @internal
 */
export let mixtureFitMemoryOf: (model: GaussianMixture, n: number, d: number) => MemoryNeed | undefined;

/**
 * With standardize, an mclust name's equalities hold in the standardised units the model is
 * fitted in: the starting covariances or precisions (given in the original units) are checked
 * once converted (the constructor cannot: the scaling is measured on X).
 * @throws RangeError - naming the option, the standardisation and the broken equality.
 */
function checkStandardisedStart(start: ResolvedStartingParameters, type: CovarianceType, k: number, d: number): void {
  if (start.covariancesInit) {
    checkMclustConstraints(start.covariancesInit, type, k, d, 'covariancesInit', { units: STANDARDISED_COVARIANCES });
  }
  if (start.precisionsInit) {
    checkMclustConstraints(start.precisionsInit, type, k, d, 'precisionsInit', { units: STANDARDISED_PRECISIONS });
  }
}

const STANDARDISED_COVARIANCES =
  "standardised (S⁻¹·Σ·S⁻¹ with S = diag(scale) of the scaling standardize measured on X: the model's equalities hold in standardised units)";
const STANDARDISED_PRECISIONS =
  "standardised (S·P·S with S = diag(scale) of the scaling standardize measured on X: the model's equalities hold in standardised units)";

/** The hc a model's next fit with init 'hc' starts from (instead of computing its own). */
export function useHierarchicalStart(model: GaussianMixture, start: NativeHcStart): void {
  hcStarts.set(model, start);
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
  /** With a noise component: its hypervolume V. */
  hypervolume?: number;
  /** The iterative M-steps' inner state (for a next M-step from statistics). */
  mstepState?: number[];
  /** The prior the fit used (option `prior`), resolved. */
  prior?: { shrinkage: number; mean: number[]; dof: number; scale: number[] };
}

/** What {@link GaussianMixture.toJSON} returns. */
export type GaussianMixtureJSON = ModelJSON<'GaussianMixture' | 'GaussianKMeans', MixtureOptionsJSON, MixtureStateJSON>;

const OPTIONAL_STATE_FIELDS = ['reseeds', 'hypervolume', 'mstepState', 'prior'] as const;

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
   * diag [K, D] (the diagonals); spherical [K] (the variances); every mclust name [K, D, D]
   * (each component's own matrix, shared ones repeated, as mclust's `sigma`). With
   * `standardize`, S·Σ·S in the original units (S = diag(scale)), but spherical variances in
   * standardised units.
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
   * matrices (full, tied, mclust's names), the upper-triangular U with U·Uᵀ = Σ⁻¹
   * (scikit-learn's convention); for diag and spherical, 1/√σ². With `standardize`, S⁻¹·U in
   * the original units (row i divided by scale_i), but spherical values in standardised units.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get precisionsCholesky(): NDArray {
    const s = this.fitted('precisionsCholesky');
    const type = this.covarianceType;
    const u = s.params.precisionsCholesky;
    const out = s.scaling ? precisionsCholeskyFromStandard(u, type, s.d, s.scaling) : u.slice();
    return freezeNDArray(out, covarianceShape(type, this.nComponents, s.d));
  }

  /**
   * The number of free parameters p of the fitted model: mclust's `nMclustParams` (for
   * scikit-learn's names equal to its `_n_parameters`): covariance parameters + K·D means +
   * K − 1 weights, + 2 with a noise component (its weight and its hypervolume, as mclust counts).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting (p depends on D).
   */
  get nParameters(): number {
    const s = this.fitted('nParameters');
    return mixtureParameterCount(this.covarianceType, this.nComponents, s.d, s.params.hypervolume !== undefined);
  }

  /**
   * mclust's decomposition of each covariance, Σ_k = λ_k D_k A_k D_kᵀ: `scale` λ_k =
   * |Σ_k|^(1/D) [K], `shape` the diagonal of A_k [K, D] (determinant 1, decreasing) and
   * `orientation` D_k [K, D, D] (the eigenvectors of Σ_k as columns, in the order of `shape`).
   * Computed from `covariances` by a symmetric eigen-decomposition, so the order and the signs
   * of the columns can differ from mclust's own output: mclust reports the axis-aligned models'
   * shapes (and EVE/VVE's) in coordinate (direction) order, not decreasing, and an eigenvector
   * is defined up to its sign.
   *
   * With `standardize`, the decomposition of the reported `covariances` S·Σ·S in the original
   * units. The model's equalities hold in the standardised units it was fitted in (Σ), not
   * necessarily in these: S·Σ·S keeps equal volumes equal (every |Σ_k| is multiplied by |S|²)
   * and the axis-aligned models' orientation and equal shapes (S² multiplies every diagonal
   * alike), but a spherical shape becomes that of S² (EII's λI is λS²), and the other models'
   * equal shapes and orientations are in general lost.
   * @throws RangeError - for scikit-learn's names (mclust's names only).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get decomposition(): Decomposition {
    const s = this.fitted('decomposition');
    const type = this.covarianceType;
    if (covarianceTypeDescriptor(type).family !== 'mclust') {
      throw invalidValue(`decomposition is defined for mclust's covariance types, not '${type}'`);
    }
    const k = this.nComponents;
    // (The native side reads the covariances only; the factors are carried along to match.)
    const params = s.scaling
      ? {
          ...s.params,
          covariances: covariancesFromStandard(s.params.covariances, type, s.d, s.scaling),
          precisionsCholesky: precisionsCholeskyFromStandard(s.params.precisionsCholesky, type, s.d, s.scaling),
        }
      : s.params;
    let r: { scale: Float64Array; shape: Float64Array; orientation: Float64Array };
    try {
      r = native().mixtureDecompose(params, s.d);
    } catch (err) {
      throw translateNativeError(err);
    }
    return Object.freeze({
      scale: r.scale,
      shape: freezeNDArray(r.shape, [k, s.d]),
      orientation: freezeNDArray(r.orientation, [k, s.d, s.d]),
    });
  }

  // ------------------------------------------------------------------------------------ fitting

  protected get threadCount(): number {
    return this.#options.threads;
  }

  protected override get warningsOption(): WarningsOption {
    return this.#options.warnings;
  }

  /** A warm start's X must have the fitted number of features. */
  protected override fitExpectations(): MatrixExpectations {
    const warm = this.#options.warmStart ? this.state : null;
    return warm ? { features: warm.d, featuresOrigin: `this ${this.className} (warmStart) was fitted` } : {};
  }

  /** The memory a fit certainly needs (checked before any work; see lib/memory-check.ts). */
  protected override fitMemory(n: number, d: number): MemoryNeed | undefined {
    const o = this.#options;
    if (o.nComponents > n) return undefined; // prepareFit refuses it
    const s = o.start;
    // A warm start, or every starting parameter given: no starting responsibilities; of the
    // others only the soft ones are an N × C matrix (hard starts keep a label per row).
    const given = (o.warmStart && this.state !== null) || !!(s.weightsInit && s.meansInit && (s.covariancesInit || s.precisionsInit));
    return this.#memory(n, d, !given && (!!s.responsibilitiesInit || o.init === 'random'));
  }

  /** mixtureFitMemory of this model on n × d; `responsibilities`: whether the fit keeps N × C of them. */
  #memory(n: number, d: number, responsibilities: boolean): MemoryNeed {
    const o = this.#options;
    return mixtureFitMemory({
      covarianceType: o.covarianceType,
      k: o.nComponents,
      d,
      n,
      noise: o.noise !== null,
      responsibilities,
      eStep: o.maxIter >= 1,
    });
  }

  static {
    mixtureFitMemoryOf = (model, n, d) => model.fitMemory(n, d);
  }

  /** Checks X and the sample weights and resolves everything the native fit takes. */
  protected prepareFit(raw: Matrix, sampleWeight: ArrayLike<number> | undefined): FitRequest<NativeMixtureOptions> {
    const o = this.#options;
    const warm = o.warmStart ? this.state : null;
    checkEnoughSamples(o.nComponents, raw.n, 'nComponents');
    const w = sampleWeight === undefined ? undefined : readSampleWeight(sampleWeight, raw.n);
    // A warm start goes on in the units of the fitted parameters.
    const scaling = warm ? warm.scaling : o.standardize ? fitScaling(raw, w) : undefined;
    const X = scaling ? standardMatrix(raw, scaling) : raw;
    const options = this.#nativeOptions(warm !== null, X.n * o.nComponents * X.d);
    this.#resolveModelOptions(options, X, raw, scaling);
    if (warm) {
      // scikit-learn's warm start: one run from the fitted parameters, measuring the first
      // change from the fitted lower bound. The covariances are passed (not the Cholesky
      // factors) so that the native side rebuilds the same factors as its M-step did.
      options.weightsInit = warm.params.weights;
      options.meansInit = warm.params.means;
      options.covariancesInit = warm.params.covariances;
      options.previousLowerBound = warm.lowerBound;
    } else {
      const start = resolveStartingParameters(o.start, o.covarianceType, o.nComponents, X.d, X.n);
      if (scaling) {
        const standard = startingParametersToStandard(start, o.covarianceType, X.d, scaling);
        checkStandardisedStart(standard, o.covarianceType, o.nComponents, X.d);
        Object.assign(options, standard);
      } else {
        Object.assign(options, start);
      }
    }
    // Every starting parameter given: every restart would be the same run.
    const allGiven = !warm && !!(options.weightsInit && options.meansInit && (options.covariancesInit || options.precisionsInit));
    const fromResponsibilities = !warm && !!options.responsibilitiesInit;
    if (allGiven || fromResponsibilities) options.nInit = 1;
    const hc = hcStarts.get(this);
    if (hc && o.init === 'hc' && !warm) options.hc = hc;
    if (w !== undefined) {
      // Every init but 'random' starts from nComponents distinct samples of positive weight,
      // unless the starting parameters are all given (or warm).
      const seeded =
        o.init !== 'random' &&
        o.init !== 'hc' &&
        !options.responsibilitiesInit &&
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
      ...this.#startWarnings(allGiven, fromResponsibilities),
      fewDistinctPointsWarning(X, options.sampleWeight, o.nComponents, 'component', 'nComponents'),
    ]);
    return { X, options, review, scaling, objectiveShift: scaling?.logScale };
  }

  /** The warnings of a start that makes nInit pointless (every restart would be the same run). */
  #startWarnings(allGiven: boolean, fromResponsibilities: boolean): (GaussmixWarning | null)[] {
    const o = this.#options;
    const given = `parameters (weightsInit, meansInit, ${o.start.covariancesInit ? 'covariancesInit' : 'precisionsInit'})`;
    return [
      allGiven ? nInitIgnoredWarning(this.className, o.nInit, given) : null,
      fromResponsibilities ? nInitIgnoredWarning(this.className, o.nInit, 'responsibilities (responsibilitiesInit)') : null,
    ];
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
      mStepTol: o.mStepTol,
      mStepMaxIter: o.mStepMaxIter,
    };
  }


  /**
   * Resolves the options that depend on X: the noise component's hypervolume (mclust's
   * hypvol(X) by default) and its initial rows, and the prior (mclust's defaultPrior(X) for
   * what is not given). With a scaling, X is standardised and `raw` in its own units: the
   * hypervolume, given or hypvol(raw), and a given prior mean and matrix scale are taken in the
   * original units and converted (V / Π scale, (mean − m) / scale, S⁻¹·scale·S⁻¹); the prior's
   * defaults are defaultPrior of the standardised X.
   * @throws RangeError - a noise row outside X, a prior of the wrong size, a hypervolume that
   *   is not a positive float64 in standardised units, a default hypervolume that is not one
   *   (hypvol(X) overflows or is 0).
   */
  #resolveModelOptions(options: NativeMixtureOptions, X: Matrix, raw: Matrix, scaling: Scaling | undefined): void {
    const o = this.#options;
    const addon = native();
    if (o.noise) {
      options.hypervolume = noiseHypervolume(raw, scaling, o.noise.hypervolume);
      const rows = o.noise.initial;
      if (rows) {
        const bad = rows.findIndex((r) => r >= X.n);
        if (bad >= 0) throw invalidValue(`noise.initial[${bad}] is ${rows[bad] as number}, but X has ${X.n} rows`);
        options.noiseRows = rows;
      }
    }
    if (o.prior) {
      if (X.n < 2) throw invalidValue('prior: the default prior needs at least 2 rows of X');
      const p = addon.mixtureDefaultPrior(X.data, X.n, X.d, { k: o.nComponents, covarianceType: o.covarianceType });
      if (o.prior !== 'default') {
        const given = o.prior;
        if (given.mean && given.mean.length !== X.d) {
          throw invalidValue(`prior.mean has length ${given.mean.length}, but X has ${X.d} features`);
        }
        if (given.scale && given.scale.data.length !== p.scale.length) {
          throw invalidValue(`prior.scale has ${given.scale.data.length} values, but X's ${X.d} features need ${X.d} x ${X.d}`);
        }
        if (given.shrinkage !== undefined) p.shrinkage = given.shrinkage;
        if (given.dof !== undefined) p.dof = given.dof;
        if (given.mean) p.mean = scaling ? toStandard(given.mean, X.d, scaling) : given.mean;
        // A matrix scale is a covariance (S⁻¹·scale·S⁻¹); a number stays in standardised units,
        // as spherical variances do.
        if (given.scale) p.scale = scaling && p.scale.length > 1 ? covariancesToStandard(given.scale.data, 'tied', X.d, scaling) : given.scale.data;
      }
      options.prior = p;
    }
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
    return this.#stateOf(fit, r.X.d, fit, freezeReseeds(fit.reseeds ?? []), r.options, r.scaling);
  }

  /**
   * A fitted state from native parameters (after checking their sizes); `model`: the noise
   * component's hypervolume and the prior the parameters were fitted with.
   */
  #stateOf(
    p: NativeMixtureParams,
    d: number,
    run: { converged: boolean; nIter: number; lowerBound: number },
    reseeds: readonly ReseedEvent[],
    model: { hypervolume?: number | undefined; prior?: NativePrior | undefined },
    scaling: Scaling | undefined,
  ): MixtureState {
    const { nComponents: k, covarianceType: type } = this.#options;
    const noise = model.hypervolume;
    const covSize = covarianceShape(type, k, d).reduce((a, b) => a * b, 1);
    this.checkNativeSizes([
      [p.weights, noise === undefined ? k : k + 1],
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
        ...(noise !== undefined && { hypervolume: noise }),
        ...(p.mstepState && { mstepState: p.mstepState }),
      }),
      converged: run.converged,
      nIter: run.nIter,
      lowerBound: run.lowerBound,
      reseeds,
      prior: model.prior,
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
   * The statistics are read in this model's units (standardised with its scaling, if it has
   * one): they must come from a model with the same scaling, or none (they carry no scaling,
   * so others are not detected and mix units).
   * @throws TypeError - not a GaussianMixture's statistics.
   * @throws RangeError - statistics of another covariance type, K or D, or of total weight 0.
   * @throws Error - code `ERR_GAUSSMIX_ILL_CONDITIONED` when a covariance collapses, when the
   *   statistics' log-likelihood or total weight is not finite (rows of zero density, sums
   *   that overflow) or the parameters would not be; `ERR_GAUSSMIX_BUSY` while a fit of this
   *   instance runs. The model is unchanged in every case.
   */
  maximise(stats: Statistics): this {
    stats = ownStatistics(stats) ?? stats; // (statistics of the package's other build, too)
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
    const model = this.#streamModel(prev, `${this.className}.maximise()`);
    if (stats.noise !== (model.hypervolume !== undefined)) {
      throw invalidValue(`stats are those of a mixture ${stats.noise ? 'with' : 'without'} a noise component, but this ${this.className} has ${stats.noise ? 'none' : 'one'}`);
    }
    checkMaximisable(stats, `${this.className}.maximise`);
    const params = this.#maximiseStatistics(stats, false, prev?.params.mstepState, model);
    requireFiniteMixture(`${this.className}.maximise`, params, k, stats.nFeatures);
    const run = { converged: false, nIter: (prev?.nIter ?? 0) + 1, lowerBound: stats.objective / stats.totalWeight };
    this.replaceState(this.#stateOf(params, stats.nFeatures, run, Object.freeze([]), model, prev?.scaling));
    return this;
  }

  /**
   * The M-step from statistics with this model's settings: regCovar, mStepTol, mStepMaxIter,
   * the prior, the inner state carried from the parameters before, and the noise component's
   * hypervolume (added to the result, which the next E-step reads).
   */
  #maximiseStatistics(
    stats: Statistics,
    initialising: boolean,
    mstepState: Float64Array | undefined,
    model: { hypervolume?: number | undefined; prior?: NativePrior | undefined },
  ): NativeMixtureParams {
    const o = this.#options;
    let params: NativeMixtureParams;
    try {
      params = native().mixtureMaximise(Statistics.bytesOf(stats), o.regCovar, initialising, {
        mStepTol: o.mStepTol,
        mStepMaxIter: o.mStepMaxIter,
        ...(model.prior && { prior: model.prior }),
        ...(mstepState && { mstepState }),
        ...(model.hypervolume !== undefined && { hypervolume: model.hypervolume }),
      });
    } catch (err) {
      throw translateNativeError(err);
    }
    return model.hypervolume === undefined ? params : { ...params, hypervolume: model.hypervolume };
  }

  /**
   * The noise hypervolume and prior of an M-step without X (maximise, fitStream): the fitted
   * model's, else the options' when they need no data.
   * @throws RangeError - noise without a hypervolume, or a prior not fully given.
   */
  #streamModel(prev: MixtureState | null, what: string): { hypervolume?: number; prior?: NativePrior } {
    if (prev) {
      return {
        ...(prev.params.hypervolume !== undefined && { hypervolume: prev.params.hypervolume }),
        ...(prev.prior && { prior: prev.prior }),
      };
    }
    const o = this.#options;
    const out: { hypervolume?: number; prior?: NativePrior } = {};
    if (o.noise) {
      if (o.noise.hypervolume === undefined) {
        throw invalidValue(`${what}: give noise.hypervolume (its default, mclust's hypvol(X), needs all the rows at once)`);
      }
      out.hypervolume = o.noise.hypervolume;
    }
    if (o.prior) {
      const p = o.prior;
      if (p === 'default' || p.shrinkage === undefined || !p.mean || p.dof === undefined || !p.scale) {
        throw invalidValue(
          `${what}: give the prior's shrinkage, mean, dof and scale (its defaults, mclust's defaultPrior(X), need all the rows at once)`,
        );
      }
      out.prior = { shrinkage: p.shrinkage, mean: p.mean, dof: p.dof, scale: p.scale.data };
    }
    return out;
  }

  /**
   * Fits the model to a stream of rows too large for memory (or arriving in pieces): exact EM
   * with one pass over the source per iteration, and the model's own `tol`, `maxIter`, `nInit`
   * and starting options. From the same explicit start (`weightsInit`, `meansInit` and
   * `covariancesInit` or `precisionsInit`, `responsibilitiesInit`, or `warmStart`) the result is
   * bit-identical to `fit` on all the rows at once, for any batching and any thread count.
   * Memory: three chunks of rows and the statistics, whatever the stream's length (and
   * responsibilitiesInit, which the options hold).
   *
   * From `responsibilitiesInit`, row i of the stream takes its row i (the stream must have as
   * many rows), and the initial M-step is `fit`'s on them times the sample weights, in two
   * passes (the sums about 0, then the scatter about the means they give).
   *
   * The default start (no explicit parameters): a seeded uniform sample of `initSampleRows`
   * rows is drawn in one pass; for `init: 'kmeans'` K-means (k-means++ seeding) runs on the
   * sample, then up to 5 Lloyd passes over the stream (fewer once the centres stop moving), and
   * the initial M-step takes the stream's rows by their nearest centre in two more passes; the
   * other `init` values initialise from the sample as `fit` would from X (restart r of `nInit`
   * from the seed `seed + r·0x9e3779b9`, so only the first restart's start is `fit`'s when the
   * sample holds every row). Explicit starting pieces (`weightsInit` and the like) override
   * the result as in `fit`.
   *
   * @param source - called once per pass; returns an (async) iterable of batches: NDArrays,
   *   arrays of rows, or `{ X, sampleWeight }` (a stream with weights in any batch weighs every
   *   row, 1 where a batch has none).
   * @param options - `signal`, `onIteration` (as `fit`'s), `initSampleRows` (default 65,536).
   * @throws (rejects) TypeError / RangeError - a bad source or batch (the message names the
   *   batch and its rows in the pass), a stream shorter than nComponents, options
   *   `onCollapse: 'reseed'`, `standardize` or `responsibilitiesInit` with `noise` (not supported
   *   on streams), a batch of another width than explicit starting parameters, a stream with more
   *   or fewer rows than responsibilitiesInit, sample weights that are all zero, and defaults
   *   that `fit` computes from all the rows at once (`noise` without `hypervolume`, the prior
   *   `'default'` or one without its shrinkage, mean, dof and scale), with or without a warm
   *   start: give their values.
   * @throws (rejects) AbortError, Error - as `fit`. The model is unchanged in every case.
   */
  async fitStream(source: StreamSource, options?: StreamFitOptions): Promise<this> {
    const what = `${this.className}.fitStream`;
    checkSource(source, what);
    const so = readStreamOptions(options, `${what} options`, this.#options.nComponents);
    this.checkPassFit(what);
    const warm = this.#options.warmStart ? this.state : null;
    // The width the starting parameters fix (a batch of another is then refused, naming them).
    const d = warm?.d ?? startingWidth(this.#options.start, this.#options.covarianceType);
    const passes = streamPasses(source, { what, d, signal: so.signal, threads: resolveThreads(this.#options.threads) });
    return this.#fitPasses(passes, so);
  }

  /** @internal A fit over passes that are rounds of jobs (`gaussmix/distributed`). */
  async [FIT_PASSES](passes: RowPasses, control: PassFitControl): Promise<this> {
    this.checkPassFit(passes.what);
    return this.#fitPasses(passes, control);
  }

  /** The options a fit over passes refuses. */
  protected override checkPassFit(what: string): void {
    if (this.#options.onCollapse === 'reseed') {
      throw invalidValue(
        `${what}: onCollapse 'reseed' is not supported on streamed or distributed fits (it searches every row for the ` +
          `worst-explained sample); use onCollapse 'error'`,
      );
    }
    if (this.#options.standardize) {
      throw invalidValue(`${what}: standardize is not supported on streamed or distributed fits yet; standardise the rows before the fit`);
    }
    if (this.#options.start.responsibilitiesInit && this.#options.noise) {
      // (The native passes of given responsibilities have no noise column.)
      throw invalidValue(
        `${what}: responsibilitiesInit with a noise component is not supported on streamed or distributed fits; ` +
          'start from weightsInit, meansInit and covariancesInit, or fit the rows in memory',
      );
    }
  }

  /** Exact EM over passes (see {@link GaussianMixture.fitStream}). */
  #fitPasses(rowPasses: RowPasses, userControl: PassFitControl): Promise<this> {
    const o = this.#options;
    const passes = withMinimumRows(rowPasses, o.nComponents, 'nComponents');
    const { control, stopped } = watchStops(userControl);
    const what = passes.what;
    const warm = o.warmStart ? this.state : null;
    // As fit: the noise component's hypervolume and the prior from the options, also on a warm
    // start (fit resolves them afresh from X; their data defaults are refused here).
    const model = this.#streamModel(null, what);
    const mclust = covarianceTypeDescriptor(o.covarianceType).family === 'mclust';
    const s = o.start;
    const allGiven = !!(s.weightsInit && s.meansInit && (s.covariancesInit || s.precisionsInit));
    const review = fitReview(o.maxIter, o.tol, 'component', this.#startWarnings(!warm && allGiven, !warm && !!s.responsibilitiesInit));
    return this.exclusive(control.signal, async () => {
      // Checked once D is known (a batch, a shard, or the starting parameters): no responsibilities kept.
      passes.checkWidth((d) => checkFitMemory(what, this.#memory(0, d, false)));
      const native0 = this.#nativeOptions(warm !== null);
      if (o.seed === undefined && control.fallbackSeed !== undefined) native0.seed = control.fallbackSeed;
      // As fit: every restart from the same responsibilities, or from every starting parameter
      // given, would be the same run (its passes over the source repeated nInit times).
      if (!warm && (s.responsibilitiesInit || allGiven)) native0.nInit = 1;
      Object.assign(native0, model);
      // maxIter 0 runs no E-step, and these starts read no rows: one pass checks them as fit would.
      if (o.maxIter === 0 && (warm || allGiven)) {
        await checkRowsOnce(passes, o.covarianceType, warm?.d ?? (startingWidth(s, o.covarianceType) as number));
      }
      const result = await runStreamEm<NativeMixtureParams>(
        {
          nInit: native0.nInit,
          maxIter: o.maxIter,
          previousObjective: warm ? warm.lowerBound : -Infinity,
          initialise: async (restart) =>
            warm ? warmStartParams(warm.params, model.hypervolume) : withNoise(await this.#streamStart(passes, restart, native0, control), model.hypervolume),
          expectation: (params) => passes.statistics({ kind: 'gaussian', params }),
          maximise: (stats, params) => this.#maximiseStatistics(stats, false, params.mstepState, model),
          converged: (change) => Math.abs(change) < o.tol,
          reportsReseeds: true,
          // mclust's names: me()'s rule after the E-step (native/core/mixture.cc).
          ...(mclust && {
            convergedAfterExpectation: (total: number, previous: number) =>
              Math.abs(total - previous) / (1 + Math.abs(total)) <= o.tol,
          }),
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
      return this.#stateOf(result.params, d, result, Object.freeze([]), model, undefined);
    }, control.claim, { review, rows: () => passes.rows, stopped });
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
    if (start.responsibilitiesInit) {
      return this.#responsibilitiesStart(passes, start.responsibilitiesInit, { prior: nativeOptions.prior });
    }
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
    if ((passes.rows ?? sample.n) < k) throw tooFewRows(passes.what, passes.rows ?? sample.n, k, 'nComponents', passes.rowsOf);
    const d = sample.d;
    const restartSeed = (seed + restart * 0x9e3779b9) % 2 ** 53;
    // (With noise, the sample's start: its noise rows are found as fit finds them.)
    const model = { hypervolume: nativeOptions.hypervolume, prior: nativeOptions.prior };
    const params =
      o.init === 'kmeans' && model.hypervolume === undefined
        ? await this.#streamKMeansStart(passes, sample, restartSeed, model)
        : sampleStart(this.#options, sample, restartSeed, threads, model);
    const anyGiven = start.weightsInit || start.meansInit || start.covariancesInit || start.precisionsInit;
    return anyGiven ? fromGiven(d, params) : params;
  }

  /**
   * The start from responsibilitiesInit over passes, as fit's: the M-step on the
   * responsibilities times the sample weights, from their sums about 0 (one pass) and then the
   * scatter about the means those give (a second). Row i of the passes takes row i of
   * responsibilitiesInit.
   * @throws RangeError - passes of another number of rows than responsibilitiesInit, fewer rows
   *   than nComponents, or weights that are all zero.
   */
  async #responsibilitiesStart(
    passes: RowPasses,
    resp: Tensor,
    model: { prior?: NativePrior | undefined },
  ): Promise<NativeMixtureParams> {
    const { nComponents: k, covarianceType } = this.#options;
    const expected = (resp.shape as readonly number[])[0] as number;
    const request = (about?: Float64Array): PassRequest => ({ kind: 'responsibilities', covarianceType, k, resp: resp.data, ...(about && { about }) });
    const first = await passes.statistics(request());
    const rows = passes.rows as number;
    if (rows < k) throw tooFewRows(passes.what, rows, k, 'nComponents', passes.rowsOf);
    if (rows !== expected) {
      throw invalidValue(`${passes.what}: responsibilitiesInit has ${expected} rows, but there are ${rows} in ${passes.rowsOf} (matched to them in order)`);
    }
    if (first.totalWeight === 0) throw allZeroWeight();
    let about: Float64Array;
    try {
      about = native().startingMeans(Statistics.bytesOf(first));
    } catch (err) {
      throw translateNativeError(err);
    }
    return this.#maximiseStatistics(await passes.statistics(request(about)), true, undefined, model);
  }

  /** init 'kmeans' over a stream: K-means on the sample, Lloyd passes, then the M-step. */
  async #streamKMeansStart(
    passes: RowPasses,
    sample: StreamSample,
    seed: number,
    model: { prior?: NativePrior | undefined },
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
    return this.#maximiseStatistics(scatter, true, undefined, model);
  }

  // ------------------------------------------------------------------------------- prediction

  /**
   * The most likely component of each sample (ties to the lowest index).
   * @param X - samples with the fitted number of features.
   * @returns Int32Array [N] of labels in [0, K); −1 for the noise component (option `noise`).
   * @throws TypeError / RangeError - bad X, or D different from the fitted model.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  predict(X: DataInput): Int32Array {
    const { X: m, s } = this.input(X, 'predict()');
    const labels = allocate(Int32Array, m.n, 'predict(): the labels');
    this.evaluate(m, s, { labels });
    return labels;
  }

  /**
   * The Bayesian information criterion on X, −2·logL + p·ln N with logL = score(X)·N and p =
   * {@link GaussianMixture.nParameters} (scikit-learn's `bic`; lower is better: mclust reports
   * the negative).
   * @throws TypeError / RangeError / Error - as {@link GaussianMixture.predict}.
   */
  bic(X: DataInput): number {
    const lp = this.scoreSamples(X);
    const n = lp.length;
    // scikit-learn: -2 * self.score(X) * X.shape[0] + self._n_parameters() * np.log(X.shape[0])
    return -2 * weightedMean(lp, undefined) * n + this.nParameters * Math.log(n);
  }

  /**
   * The integrated complete-data likelihood criterion on X (Biernacki et al. 2000, as mclust's
   * `icl`): bic(X) − 2·Σ_n ln z_n,ĉ(n), with z the responsibilities (`predictProba`, the noise
   * column included) and ĉ(n) the most likely component (ties to the lowest); lower is better
   * (mclust reports the negative).
   * @throws TypeError / RangeError / Error - as {@link GaussianMixture.predict}.
   */
  icl(X: DataInput): number {
    const { X: m, s } = this.input(X, 'icl()');
    const c = s.params.weights.length;
    const resp = allocate(Float64Array, m.n * c, 'icl(): the probabilities');
    const logProb = allocate(Float64Array, m.n, 'icl(): the log densities');
    this.evaluate(m, s, { resp, logProb });
    let entropy = 0;
    for (let i = 0; i < m.n; i++) {
      let top = 0;
      for (let j = 0; j < c; j++) top = Math.max(top, resp[i * c + j] as number);
      if (top > 0) entropy += Math.log(top);
    }
    const bic = -2 * weightedMean(logProb, undefined) * m.n + this.nParameters * Math.log(m.n);
    return bic - 2 * entropy;
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
    return -2 * weightedMean(lp, undefined) * n + 2 * this.nParameters;
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
   *   or (code `ERR_GAUSSMIX_OUT_OF_MEMORY`) when the output cannot be allocated; RangeError
   *   for a model with a noise component (option `noise`: its uniform region is not part of
   *   the model, so it cannot be sampled).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  sample(n = 1, seed?: number): { X: NDArray; labels: Int32Array } {
    // Not fitted before a bad argument, as scikit-learn checks.
    const st = this.fitted('sample()');
    const count = integerOption(n, 'n', 1);
    const s = seed === undefined ? (this.#options.seed ?? randomSeed()) : seedOption(seed);
    if (st.params.hypervolume !== undefined) {
      throw invalidValue('sample(): a model with a noise component cannot be sampled (its uniform region is not part of the model)');
    }
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
      if (s.params.hypervolume !== undefined) state.hypervolume = s.params.hypervolume;
      if (s.params.mstepState) state.mstepState = Array.from(s.params.mstepState);
      if (s.prior) {
        const p = s.prior;
        state.prior = { shrinkage: p.shrinkage, mean: Array.from(p.mean), dof: p.dof, scale: Array.from(p.scale) };
      }
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
   *   that does not match the options; invalid parameter values; precisionsCholesky that does
   *   not belong to covariances; with an mclust name, covariances that break its equalities
   *   (equal volumes, shapes or orientations, spherical matrices; to 1e-8 relative, plus
   *   16·D·ε·κ for matrices of condition number κ, which a fitted model's rounding needs).
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
  // Optional state fields: reseeds (JSON written before it existed, or by a fit without
  // re-seeds), hypervolume (noise), mstepState (iterative M-steps), prior.
  const raw = isRecord(obj) && isRecord(obj.state) ? obj.state : undefined;
  const optional = OPTIONAL_STATE_FIELDS.filter((f) => raw !== undefined && f in raw);
  return restoreModel(
    obj,
    where,
    kinds,
    (kind, options) =>
      kind === 'GaussianKMeans'
        ? new GaussianKMeans(options as unknown as GaussianKMeansOptions)
        : new GaussianMixture(options as unknown as GaussianMixtureOptions),
    [...STATE_FIELDS, ...optional],
    (st, model) =>
      readState(st, model, raw ?? {}, where, raw && optional.includes('reseeds') ? readReseeds(raw.reseeds, model.nComponents, where) : []),
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
function readState(
  st: StateReader,
  model: GaussianMixture,
  raw: Record<string, unknown>,
  where: string,
  reseeds: readonly ReseedEvent[],
): MixtureState {
  const k = model.nComponents;
  const type = model.covarianceType;
  const noise = model.toJSON().options.noise !== undefined;
  const fitted = st.fitted(noise ? k + 1 : k, noise ? 'nComponents + 1' : 'nComponents');
  const { d, weights } = fitted;
  const hypervolume = noise ? st.number('hypervolume', Number.MIN_VALUE) : undefined;
  const mstepState =
    'mstepState' in raw ? st.check(() => readTensor(raw.mstepState, 'state.mstepState', 1).data) : undefined;
  const prior = 'prior' in raw ? readPriorState(st, raw.prior, where, type, d) : undefined;
  const means = st.tensor('means', 2, [k, d], '[nComponents, nFeaturesIn]');
  const covShape = covarianceShape(type, k, d);
  const covLabel = covarianceShapeLabel(type).replace(/nFeatures/g, 'nFeaturesIn');
  const covariances = st.tensor('covariances', covarianceRank(type), covShape, covLabel);
  const precisionsCholesky = st.tensor('precisionsCholesky', covarianceRank(type), covShape, covLabel);
  st.check(() => {
    // (No Cholesky test of the covariances: a fitted covariance near singular may fail one in
    // JavaScript's rounding. Symmetric with a positive diagonal holds for every one a fit returns.)
    checkFittedCovariances(covariances, type, k, d, 'state.covariances');
    // An mclust name's equalities, in the units of the state (standardised with a scaling, as
    // the model was fitted), to the rounding of a fitted model's own matrices.
    checkMclustConstraints(covariances, type, k, d, 'state.covariances', { fitted: true });
    checkPrecisionsCholesky(precisionsCholesky, type, k, d, 'state.precisionsCholesky');
    checkFactorsMatchCovariances(covariances, precisionsCholesky, type, k, d);
  });
  return Object.freeze({
    ...fitted,
    params: Object.freeze({
      covarianceType: type,
      weights,
      means,
      covariances,
      precisionsCholesky,
      ...(hypervolume !== undefined && { hypervolume }),
      ...(mstepState && { mstepState }),
    }),
    lowerBound: st.lowerBound('lowerBound', fitted.nIter),
    reseeds,
    prior,
  });
}

/** state.prior: { shrinkage >= 0, mean [D], dof > 0, scale [1] or [D·D] }. */
function readPriorState(st: StateReader, value: unknown, where: string, type: CovarianceType, d: number): NativePrior {
  const scaleSize = covarianceTypeDescriptor(type).orientation === 'I' ? 1 : d * d;
  if (!isRecord(value)) throw invalidType(`${where}: expected an object for state.prior but received ${describe(value)}`);
  checkFields(value, ['shrinkage', 'mean', 'dof', 'scale'], where, 'state.prior.');
  const p = value;
  return st.check(() => {
    const number = (name: string, exclusive: boolean): number => numberOption(p[name], `state.prior.${name}`, 0, exclusive);
    const array = (name: string, length: number): Float64Array => {
      const t = readTensor(p[name], `state.prior.${name}`, 1);
      if (t.data.length !== length) throw invalidValue(`state.prior.${name} must have ${length} values but has ${t.data.length}`);
      return t.data;
    };
    return { shrinkage: number('shrinkage', false), mean: array('mean', d), dof: number('dof', true), scale: array('scale', scaleSize) };
  });
}

/**
 * The noise component's hypervolume a fit takes, in its units: a given V (in the original
 * units), or by default mclust's hypvol of `raw` in its own units; with a scaling, divided by
 * Π scale. (selectModel resolves its candidates' noise rows with it, as their fits would.)
 * @throws RangeError - the default on fewer than 2 rows; a V that is not a positive float64 in
 *   the fit's units (a default that overflows or is 0, a given V / Π scale that is).
 */
export function noiseHypervolume(raw: Matrix, scaling: Scaling | undefined, given: number | undefined): number {
  let v = given;
  if (v === undefined) {
    if (raw.n < 2) throw invalidValue('noise: the default hypervolume needs at least 2 rows of X');
    if (scaling) {
      v = defaultStandardHypervolume(raw, scaling);
    } else {
      try {
        v = native().mixtureHypervolume(raw.data, raw.n, raw.d);
      } catch (err) {
        throw translateNativeError(err);
      }
    }
  } else if (scaling) {
    v = volumeToStandard(v, scaling, 1);
  }
  if (scaling && !(v > 0 && Number.isFinite(v))) {
    throw invalidValue(
      `noise: the hypervolume in standardised units (V / Π scale) is ${v}, not a positive float64; give noise.hypervolume ` +
        'so that it is, or standardise X yourself',
    );
  }
  // (A given V is a positive float64; hypvol(X), a product of D ranges, may not be.)
  if (!(v > 0 && Number.isFinite(v))) {
    throw invalidValue(
      `noise: the default hypervolume (mclust's hypvol(X), a product of ${raw.d} ranges) is ${v}, not a positive float64 ` +
        '(it overflows for many wide features, and is 0 for many narrow ones or X flat in some direction); ' +
        'give noise.hypervolume explicitly',
    );
  }
  return v;
}

/** A volume V in the original units, in standardised ones: V·Π (c / scale_j), one factor at a time. */
function volumeToStandard(v: number, s: Scaling, c: number): number {
  for (const scale of s.scale) v *= c / scale;
  return v;
}

/**
 * The default noise hypervolume with a scaling: mclust's hypvol(X) of X in its own units, in
 * standardised units. hypvol is not equivariant under per-feature scales (its principal
 * components' box changes), but is under one common factor: X is divided by a power of two c
 * near the scales' geometric mean (exact), so that the volume does not overflow for features
 * of large magnitude, and hypvol(X / c)·c^D / Π scale is taken a factor at a time.
 */
function defaultStandardHypervolume(raw: Matrix, s: Scaling): number {
  const c = 2 ** Math.round(s.logScale / raw.d / Math.LN2);
  const data = c === 1 ? raw.data : raw.data.map((v) => v / c);
  let v: number;
  try {
    v = native().mixtureHypervolume(data, raw.n, raw.d);
  } catch (err) {
    throw translateNativeError(err);
  }
  return volumeToStandard(v, s, c);
}

/** Lloyd passes over a stream in a streamed fit's 'kmeans' start, at most. */
const STREAM_LLOYD_PASSES = 5;

function sameValues(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * A warm start's parameters for a fit over passes, as fit takes them: the fitted weights, means,
 * covariances and factors with this fit's hypervolume, and without the iterative M-steps' inner
 * state (fit passes the covariances alone, and its first M-step starts that state afresh).
 */
function warmStartParams(p: NativeMixtureParams, hypervolume: number | undefined): NativeMixtureParams {
  const { mstepState: _state, hypervolume: _fitted, ...fitted } = p;
  return hypervolume === undefined ? fitted : { ...fitted, hypervolume };
}

/** Parameters with the noise component's hypervolume (which the E-step reads from them). */
function withNoise(p: NativeMixtureParams, hypervolume: number | undefined): NativeMixtureParams {
  return hypervolume === undefined || p.hypervolume !== undefined ? p : { ...p, hypervolume };
}

/** A streamed fit's start for the inits other than 'kmeans': `fit`'s initialisation on the sample. */
function sampleStart(
  o: ResolvedMixtureOptions,
  sample: StreamSample,
  seed: number,
  threads: number,
  model: { hypervolume?: number | undefined; prior?: NativePrior | undefined },
): NativeMixtureParams {
  const gm = new GaussianMixture({
    nComponents: o.nComponents,
    covarianceType: o.covarianceType,
    regCovar: o.regCovar,
    init: o.init,
    maxIter: 0,
    seed,
    threads,
    mStepTol: o.mStepTol,
    mStepMaxIter: o.mStepMaxIter,
    ...(model.hypervolume !== undefined && { noise: { hypervolume: model.hypervolume } }),
    ...(model.prior && { prior: { ...model.prior, scale: model.prior.scale.length === 1 ? (model.prior.scale[0] as number) : model.prior.scale } }),
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
