/**
 * BayesianGaussianMixture: a Gaussian mixture fitted by variational inference in native code,
 * with scikit-learn 1.2's semantics (`sklearn.mixture.BayesianGaussianMixture`).
 *
 * @module
 */
import { allocate, describe, invalidType, invalidValue, translateNativeError } from './errors.js';
import { freezeNDArray, restoreModel, type FitRequest, type NativeFitEntries } from './estimator.js';
import { checkFitMemory, mixtureFitMemory, type MemoryNeed } from './memory-check.js';
import { sampleMixture } from './evaluate.js';
import { checkEnoughSamples, type Matrix, type MatrixExpectations } from './input.js';
import { checkFields, encodeScalar, inField, JSON_FORMAT, JSON_VERSION, type ModelJSON, type StateReader } from './json.js';
import {
  bayesianOptionsToJSON,
  readBayesianOptions,
  type BayesianGaussianMixtureOptions,
  type BayesianOptionsJSON,
  type ResolvedBayesianOptions,
} from './bayesian-options.js';
import { MixtureEstimator, type MixtureFittedState } from './mixture-estimator.js';
import {
  checkCovarianceValues,
  checkFactorsMatchCovariances,
  checkPrecisionsCholesky,
  checkSymmetricPositiveDiagonal,
  covarianceRank,
  covarianceShape,
  covarianceShapeLabel,
} from './mixture-params.js';
import {
  native,
  type CovarianceType,
  type NativeBayesianFit,
  type NativeBayesianOptions,
  type NativeMixtureParams,
  type NativeResolvedPriors,
  type WeightConcentrationPriorType,
} from './native.js';
import { integerOption, numberOption, randomSeed, readSampleWeight, resolveThreads, seedOption } from './options.js';
import { M_STEP_CAUSE, requireFinite, requireFiniteMixture } from './finite.js';
import { checkMaximisable, MixtureStatistics, ownStatistics, Statistics } from './statistics.js';
import type { StreamSource } from './stream.js';
import { checkSource, readStreamOptions, watchStops, type StreamFitOptions } from './stream-em.js';
import { fitBayesianStream, variationalMaximise, type VariationalParams } from './bayesian-stream.js';
import { readTensor, toNested, type Nested } from './tensor.js';
import type { DataInput, NDArray } from './types.js';
import { fewDistinctPointsWarning, fitReview, nInitIgnoredWarning, type FitReview, type GaussmixWarning, type WarningsOption } from './warnings.js';

/** The fitted state: fresh arrays from the native fit, never handed out (getters copy). */
interface BayesianState extends MixtureFittedState {
  readonly weights: Float64Array;
  readonly params: Readonly<VariationalParams>;
  /** The priors the fit used (the data's defaults resolved). */
  readonly priors: Readonly<NativeResolvedPriors>;
}

/** The priors a fit used, as {@link BayesianGaussianMixture.priors} returns them. */
export interface BayesianPriors {
  weightConcentrationPriorType: WeightConcentrationPriorType;
  /** α₀ */
  weightConcentrationPrior: number;
  /** β₀ */
  meanPrecisionPrior: number;
  /** m₀ [D] */
  meanPrior: Float64Array;
  /** ν₀ */
  degreesOfFreedomPrior: number;
  /** Ψ₀: full and tied NDArray [D, D], diag Float64Array [D], spherical a number. */
  covariancePrior: NDArray | Float64Array | number;
}

/** The fitted state in plain-JSON form (what `toJSON` writes under `state`). */
export interface BayesianStateJSON {
  weights: number[];
  means: Nested[];
  covariances: Nested[];
  precisionsCholesky: Nested[];
  /** dirichlet_process: [2][K]; dirichlet_distribution: [K]. */
  weightConcentration: Nested[];
  meanPrecision: number[];
  degreesOfFreedom: number[];
  priors: {
    weightConcentrationPrior: number;
    meanPrecisionPrior: number;
    meanPrior: number[];
    degreesOfFreedomPrior: number;
    /** Flat, in the type's one-component shape (full/tied D·D values, diag D, spherical 1). */
    covariancePrior: number[];
  };
  converged: boolean;
  nIter: number;
  /** A number, or `'-Infinity'` when no iteration ran (maxIter 0). */
  lowerBound: number | string;
  nFeaturesIn: number;
}

/** What {@link BayesianGaussianMixture.toJSON} returns. */
export type BayesianGaussianMixtureJSON = ModelJSON<'BayesianGaussianMixture', BayesianOptionsJSON, BayesianStateJSON>;

const STATE_FIELDS = [
  'weights',
  'means',
  'covariances',
  'precisionsCholesky',
  'weightConcentration',
  'meanPrecision',
  'degreesOfFreedom',
  'priors',
  'converged',
  'nIter',
  'lowerBound',
  'nFeaturesIn',
] as const;

const PRIOR_FIELDS = [
  'weightConcentrationPrior',
  'meanPrecisionPrior',
  'meanPrior',
  'degreesOfFreedomPrior',
  'covariancePrior',
] as const;

/**
 * A Gaussian mixture fitted by variational inference (scikit-learn's
 * `BayesianGaussianMixture`; Bishop, PRML §10.2, and Blei & Jordan 2006 for the Dirichlet
 * process): the posterior over the weights (Dirichlet process or Dirichlet distribution), the
 * means (Gaussian) and the precisions (Wishart) of K components, K an upper bound on how many
 * the data need. With the Dirichlet process prior (the default) the components the data do not
 * need end with weights near 0: {@link BayesianGaussianMixture.prune} drops them.
 *
 * It runs on the same native engine as {@link GaussianMixture} (one E-step, one iteration
 * driver), so it shares its fit protocol: `fit` off the JavaScript thread, `fitSync`, `signal`,
 * `onIteration` (whose `objective` is the evidence lower bound), a failed call leaving the
 * previous model intact, bit-identical results for a seed whatever the thread count.
 *
 * **Sample weights** (scikit-learn has none) are raw weights w_n >= 0: every sum of the E-step
 * weighs row n by w_n, i.e. n_k = Σ w_n r_nk, x̄_k = Σ w_n r_nk x_n / n_k, the scatter
 * Σ w_n r_nk (x_n − x̄_k)(x_n − x̄_k)ᵀ and the entropy term Σ w_n Σ_k r_nk ln r_nk of the lower
 * bound; the default meanPrior is Σ w x / Σ w and the default covariancePrior
 * Σ w (x − m)(x − m)ᵀ / (Σ w − 1). So integer weights give exactly the fit on the rows
 * repeated that many times.
 *
 * **Predictions** (`predict`, `predictProba`, `scoreSamples`, `score`) use the posterior's
 * E[ln π_k] and its expected log-precisions, as scikit-learn does, not ln(weights) and the
 * point covariances; `sample` draws from the point estimate (`weights`, `means`,
 * `covariances`).
 *
 * @example
 * ```ts
 * const bgm = new BayesianGaussianMixture({ nComponents: 10, seed: 1 });
 * await bgm.fit(X);
 * const used = bgm.prune(0.01);   // the components with weight >= 1%
 * ```
 */
export class BayesianGaussianMixture extends MixtureEstimator<BayesianState, NativeBayesianOptions, NativeBayesianFit> {
  /** The `kind` written by `toJSON`. */
  protected static override readonly kind = 'BayesianGaussianMixture';

  readonly #options: ResolvedBayesianOptions;

  /**
   * @param options - only `nComponents` is required; see {@link BayesianGaussianMixtureOptions}.
   * @throws TypeError - options not an object, or an option of the wrong type.
   * @throws RangeError - an unknown option name or a value out of range.
   */
  constructor(options: BayesianGaussianMixtureOptions) {
    super();
    this.#options = readBayesianOptions(options, `${this.className} options`);
  }

  // ---------------------------------------------------------------------------------- options

  /** The number of components K (an option; available before fitting). */
  get nComponents(): number {
    return this.#options.nComponents;
  }

  /** The covariance constraint (an option; available before fitting). */
  get covarianceType(): CovarianceType {
    return this.#options.covarianceType;
  }

  /** The prior on the weights (an option; available before fitting). */
  get weightConcentrationPriorType(): WeightConcentrationPriorType {
    return this.#options.weightConcentrationPriorType;
  }

  // ------------------------------------------------------------------------- fitted attributes

  /**
   * The evidence lower bound of the best restart after its last M-step, without its constant
   * terms (scikit-learn's `lower_bound_`): a total over the samples (weighted), not a mean.
   * `-Infinity` when no iteration ran (`maxIter` 0).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  override get lowerBound(): number {
    return this.fitted('lowerBound').lowerBound;
  }

  /**
   * The posterior means of the components m_k, NDArray [K, D] (a copy).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get means(): NDArray {
    const s = this.fitted('means');
    return freezeNDArray(s.params.means.slice(), [this.nComponents, s.d]);
  }

  /**
   * The covariances (a copy), W_k⁻¹/ν_k (the inverse of the expected precision), shaped by
   * `covarianceType`: full [K, D, D]; tied [D, D]; diag [K, D]; spherical [K].
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get covariances(): NDArray {
    const s = this.fitted('covariances');
    return freezeNDArray(s.params.covariances.slice(), covarianceShape(this.covarianceType, this.nComponents, s.d));
  }

  /**
   * The Cholesky factors of the precisions (a copy), in the shape of `covariances`: full and
   * tied upper-triangular U with U·Uᵀ = covariances⁻¹; diag and spherical 1/√σ².
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get precisionsCholesky(): NDArray {
    const s = this.fitted('precisionsCholesky');
    return freezeNDArray(s.params.precisionsCholesky.slice(), covarianceShape(this.covarianceType, this.nComponents, s.d));
  }

  /**
   * The posterior's weight concentration (a copy): with the Dirichlet process prior an NDArray
   * [2, K], the Beta parameters of the stick fractions (row 0: 1 + n_k, row 1: α₀ + Σ_{j>k} n_j);
   * with the Dirichlet distribution prior a Float64Array [K], α₀ + n_k.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get weightConcentration(): NDArray | Float64Array {
    const p = this.fitted('weightConcentration').params.posterior;
    const w = p.weightConcentration.slice();
    return p.weightConcentrationPriorType === 'dirichlet_process' ? freezeNDArray(w, [2, this.nComponents]) : w;
  }

  /**
   * The posterior precisions of the means β_k = β₀ + n_k, Float64Array [K] (a copy).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get meanPrecision(): Float64Array {
    return this.fitted('meanPrecision').params.posterior.meanPrecision.slice();
  }

  /**
   * The posterior Wishart degrees of freedom ν_k = ν₀ + n_k, Float64Array [K] (a copy); tied:
   * the one shared value ν₀ + Σ_k n_k / K in every entry.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get degreesOfFreedom(): Float64Array {
    return this.fitted('degreesOfFreedom').params.posterior.degreesOfFreedom.slice();
  }

  /**
   * The priors the last fit used, with the data-dependent defaults resolved (scikit-learn's
   * `weight_concentration_prior_`, `mean_precision_prior_`, `mean_prior_`,
   * `degrees_of_freedom_prior_`, `covariance_prior_`); fresh copies.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get priors(): BayesianPriors {
    const { priors: p, d } = this.fitted('priors');
    const cp = p.covariancePrior.slice();
    const type = this.covarianceType;
    return {
      weightConcentrationPriorType: p.weightConcentrationPriorType,
      weightConcentrationPrior: p.weightConcentrationPrior,
      meanPrecisionPrior: p.meanPrecisionPrior,
      meanPrior: p.meanPrior.slice(),
      degreesOfFreedomPrior: p.degreesOfFreedomPrior,
      covariancePrior: type === 'spherical' ? (cp[0] as number) : type === 'diag' ? cp : freezeNDArray(cp, [d, d]),
    };
  }

  // ------------------------------------------------------------------------------------ fitting

  protected get threadCount(): number {
    return this.#options.threads;
  }

  protected override get warningsOption(): WarningsOption {
    return this.#options.warnings;
  }

  /**
   * Always false: BayesianGaussianMixture has no `standardize` option (its priors' defaults
   * come from X in X's units, as scikit-learn's); standardise X before the fit if needed.
   */
  get standardize(): boolean {
    return false;
  }

  /** The priors of a fit on D features: the options' values, or the defaults that depend on K and D. */
  #priorsFor(d: number): NativeBayesianOptions['priors'] {
    const o = this.#options;
    const dof = o.degreesOfFreedomPrior ?? d;
    if (!(dof > d - 1)) {
      throw invalidValue(`degreesOfFreedomPrior must be greater than nFeatures - 1 (${d - 1}) but is ${dof}`);
    }
    if (o.meanPrior && o.meanPrior.length !== d) {
      throw invalidValue(`meanPrior has ${o.meanPrior.length} values, but X has ${d} features`);
    }
    const covSize = covarianceShape(o.covarianceType, 1, d).reduce((a, b) => a * b, 1);
    if (o.covariancePrior && o.covariancePrior.length !== covSize) {
      const shape = o.covarianceType === 'diag' ? `[${d}]` : `[${d}, ${d}]`;
      throw invalidValue(`covariancePrior must have shape ${shape} for ${d} features and covarianceType '${o.covarianceType}'`);
    }
    return {
      weightConcentrationPriorType: o.weightConcentrationPriorType,
      weightConcentrationPrior: o.weightConcentrationPrior ?? 1 / o.nComponents,
      meanPrecisionPrior: o.meanPrecisionPrior ?? 1,
      degreesOfFreedomPrior: dof,
      ...(o.meanPrior ? { meanPrior: o.meanPrior } : {}),
      ...(o.covariancePrior ? { covariancePrior: o.covariancePrior } : {}),
    };
  }

  /** A warm start's X must have the fitted number of features. */
  protected override fitExpectations(): MatrixExpectations {
    const warm = this.#options.warmStart ? this.state : null;
    return warm ? { features: warm.d, featuresOrigin: `this ${this.className} (warmStart) was fitted` } : {};
  }

  /** The memory a fit certainly needs (checked before any work; see lib/memory-check.ts). */
  protected override fitMemory(n: number, d: number): MemoryNeed | undefined {
    if (this.#options.nComponents > n) return undefined; // prepareFit refuses it
    // Every start but a warm one goes through responsibilities; the soft ones (given, or init
    // 'random') as an N × K matrix kept for the fit, the hard ones as a label per row.
    const o = this.#options;
    return this.#memory(n, d, !(o.warmStart && this.state !== null) && (!!o.responsibilitiesInit || o.init === 'random'));
  }

  /** mixtureFitMemory of this model on n × d; `responsibilities`: whether the fit keeps N × K of them. */
  #memory(n: number, d: number, responsibilities: boolean): MemoryNeed {
    const o = this.#options;
    return mixtureFitMemory({ covarianceType: o.covarianceType, k: o.nComponents, d, n, noise: false, responsibilities, eStep: o.maxIter >= 1 });
  }

  /** Checks X and the sample weights and resolves everything the native fit takes. */
  protected prepareFit(X: Matrix, sampleWeight: ArrayLike<number> | undefined): FitRequest<NativeBayesianOptions> {
    const o = this.#options;
    const warm = o.warmStart ? this.state : null;
    checkEnoughSamples(o.nComponents, X.n, 'nComponents');
    const options: NativeBayesianOptions = {
      nComponents: o.nComponents,
      covarianceType: o.covarianceType,
      tol: o.tol,
      maxIter: o.maxIter,
      nInit: warm ? 1 : o.nInit,
      seed: o.seed ?? randomSeed(),
      threads: resolveThreads(o.threads, X.n * o.nComponents * X.d),
      regCovar: o.regCovar,
      init: o.init,
      priors: this.#priorsFor(X.d),
    };
    if (warm) {
      options.warm = warm.params;
      options.previousLowerBound = warm.lowerBound;
    } else if (o.responsibilitiesInit) {
      const rows = (o.responsibilitiesInit.shape as readonly number[])[0] as number;
      if (rows !== X.n) throw invalidValue(`responsibilitiesInit has ${rows} rows, but X has ${X.n}`);
      options.responsibilitiesInit = o.responsibilitiesInit.data;
      options.nInit = 1; // every restart would be the same run
    }
    if (sampleWeight !== undefined) {
      const w = readSampleWeight(sampleWeight, X.n);
      // 'kmeans', 'k-means++' and 'random-from-data' start from nComponents samples of positive weight.
      if (!warm && !o.responsibilitiesInit && o.init !== 'random') {
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
    const review = this.#review(warm !== null, fewDistinctPointsWarning(X, options.sampleWeight, o.nComponents, 'component', 'nComponents'));
    return { X, options, review };
  }

  /**
   * A fit's review (fit's and fitStream's): nInit is ignored from responsibilitiesInit;
   * `fewDistinct`, fit's count of distinct points. No empty-component warning: the weight prior
   * switches unneeded components off on purpose (their weights can fall below any threshold),
   * and scikit-learn does not warn either.
   */
  #review(warm: boolean, fewDistinct: GaussmixWarning | null): FitReview {
    const o = this.#options;
    return {
      ...fitReview(o.maxIter, o.tol, 'component', [
        !warm && o.responsibilitiesInit ? nInitIgnoredWarning(this.className, o.nInit, 'responsibilities (responsibilitiesInit)') : null,
        fewDistinct,
      ]),
      emptyComponents: false,
    };
  }

  protected nativeFit(): NativeFitEntries<NativeBayesianOptions, NativeBayesianFit> {
    const addon = native();
    return { sync: addon.fitBayesianSync.bind(addon), async: addon.fitBayesianAsync.bind(addon) };
  }

  protected stateFromFit(r: FitRequest<NativeBayesianOptions>, fit: NativeBayesianFit): BayesianState {
    return this.#stateOf(fit as VariationalParams, r.X.d, fit, fit.priors);
  }

  /** A fitted state from native parameters (after checking their sizes). */
  #stateOf(
    p: VariationalParams,
    d: number,
    run: { converged: boolean; nIter: number; lowerBound: number },
    priors: NativeResolvedPriors,
  ): BayesianState {
    const { nComponents: k, covarianceType: type } = this.#options;
    const covSize = covarianceShape(type, k, d).reduce((a, b) => a * b, 1);
    const post = p.posterior;
    const rows = post.weightConcentrationPriorType === 'dirichlet_process' ? 2 : 1;
    this.checkNativeSizes([
      [p.weights, k],
      [p.means, k * d],
      [p.covariances, covSize],
      [p.precisionsCholesky, covSize],
      [post.weightConcentration, rows * k],
      [post.meanPrecision, k],
      [post.degreesOfFreedom, k],
      [priors.meanPrior, d],
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
        posterior: Object.freeze({ ...post }),
      }),
      priors: Object.freeze({ ...priors }),
      converged: run.converged,
      nIter: run.nIter,
      lowerBound: run.lowerBound,
    });
  }

  // ------------------------------------------------------------- statistics and streamed fits

  protected statisticsRequest(s: BayesianState): { kind: 'gaussian'; params: NativeMixtureParams } {
    return { kind: 'gaussian', params: s.params };
  }

  /**
   * The variational M-step from statistics (see {@link MixtureEstimator.statistics}): the
   * posterior that the fitted priors and those sums give. The model then holds it; `lowerBound`
   * becomes the evidence lower bound after this M-step, `nIter` grows by one and `converged` is
   * false. Statistics merged from chunks of all the rows make this exactly the next iteration
   * of an in-memory fit.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting (the priors come from the fit).
   * @throws TypeError - not a BayesianGaussianMixture's statistics.
   * @throws RangeError - statistics of another covariance type, K or D, or of total weight 0
   *   (its posterior would be the prior: refused, as a fit refuses all-zero sample weights).
   * @throws Error - code `ERR_GAUSSMIX_ILL_CONDITIONED` when a covariance collapses, when the
   *   statistics' log-likelihood or total weight is not finite, or the posterior or lower
   *   bound would not be. The model is unchanged in every case.
   */
  maximise(stats: Statistics): this {
    const prev = this.fitted('maximise()');
    stats = ownStatistics(stats) ?? stats; // (statistics of the package's other build, too)
    if (!(stats instanceof MixtureStatistics) || !stats.variational) {
      throw invalidType(`Expected the statistics of a ${this.className} for stats but received ${describe(stats)}`);
    }
    const { nComponents: k, covarianceType: type } = this.#options;
    if (stats.covarianceType !== type || stats.nComponents !== k || stats.nFeatures !== prev.d) {
      throw invalidValue(
        `stats are those of a ${stats.covarianceType} mixture of ${stats.nComponents} components on ` +
          `${stats.nFeatures} features, but this ${this.className} has ${k} ${type} components on ${prev.d}`,
      );
    }
    checkMaximisable(stats, `${this.className}.maximise`);
    const step = this.#maximise(stats, prev.priors);
    const p = step.params;
    requireFiniteMixture(`${this.className}.maximise`, p, k, prev.d);
    requireFinite(
      `${this.className}.maximise: the M-step`,
      [
        ['weight concentrations', p.posterior.weightConcentration, 0],
        ['mean precisions', p.posterior.meanPrecision, 1],
        ['degrees of freedom', p.posterior.degreesOfFreedom, 1],
        ['lower bound', [step.lowerBound], 0],
      ],
      M_STEP_CAUSE,
    );
    const run = { converged: false, nIter: prev.nIter + 1, lowerBound: step.lowerBound };
    this.replaceState(this.#stateOf(step.params, prev.d, run, prev.priors));
    return this;
  }

  /** The native variational M-step. */
  #maximise(stats: Statistics, priors: NativeResolvedPriors): { params: VariationalParams; lowerBound: number } {
    return variationalMaximise(stats, priors, this.#options.regCovar);
  }

  /**
   * Fits the model to a stream of rows too large for memory: exact variational inference with
   * one pass over the source per iteration, and the model's own options. From
   * `responsibilitiesInit` (one row per row of the stream, in order) or from a fitted model
   * with `warmStart`, the result is bit-identical to `fit` on all the rows at once, for any
   * batching and any thread count. Otherwise the start is GaussianMixture's streamed start for
   * `init` (a seeded sample of `initSampleRows` rows, K-means on it and Lloyd passes for
   * 'kmeans'; see `GaussianMixture.fitStream`), one per restart, turned into the posterior its
   * initial estimates give; it is not the in-memory start, so that result differs from `fit`'s.
   * The priors' data-dependent defaults take two more passes (the mean, then the covariance
   * about it). Memory: three chunks of rows and the statistics, whatever the stream's length.
   * @param source - called once per pass; see GaussianMixture's `fitStream`.
   * @param options - `signal`, `onIteration` (as `fit`'s), `initSampleRows`.
   * @throws (rejects) RangeError - a stream whose row count differs from responsibilitiesInit's;
   *   a bad source or batch (the message names it).
   * @throws (rejects) AbortError, Error - as `fit`. The model is unchanged in every case.
   */
  async fitStream(source: StreamSource, options?: StreamFitOptions): Promise<this> {
    const what = `${this.className}.fitStream`;
    checkSource(source, what);
    const o = this.#options;
    const stream = readStreamOptions(options, `${what} options`, o.nComponents);
    const warm = o.warmStart ? this.state : null;
    const { control: watched, stopped } = watchStops(stream);
    const review = this.#review(warm !== null, null);
    return this.exclusive(stream.signal, async () => {
      const fit = await fitBayesianStream(source, {
        what,
        options: o,
        warm,
        stream: watched,
        seed: o.seed ?? randomSeed(),
        threads: resolveThreads(o.threads),
        priorsFor: (d) => this.#priorsFor(d),
        // A stream's responsibilities are never all held.
        checkWidth: (d) => checkFitMemory(what, this.#memory(0, d, false)),
      });
      return this.#stateOf(fit.params.params, fit.d, fit, fit.priors);
    }, undefined, { review, rows: () => undefined, stopped });
  }

  /** A native call with the facade's error translation. */
  #nativeCall<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw translateNativeError(err);
    }
  }

  // ------------------------------------------------------------------------------- prediction

  /**
   * The most likely component of each sample under the posterior (ties to the lowest index).
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

  /**
   * Draws n samples from the point estimate (`weights`, `means`, `covariances`), grouped by
   * component in increasing order (as scikit-learn).
   * @param n - an integer >= 1 (default 1, as scikit-learn's).
   * @param seed - an integer in [0, 2^53); absent: the `seed` option if given, else a fresh one.
   * @throws TypeError / RangeError - bad n or seed, or an output too large.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting (before any argument error).
   */
  sample(n = 1, seed?: number): { X: NDArray; labels: Int32Array } {
    const st = this.fitted('sample()');
    const count = integerOption(n, 'n', 1);
    const s = seed === undefined ? (this.#options.seed ?? randomSeed()) : seedOption(seed);
    return sampleMixture(st.params, st.d, count, s);
  }

  /**
   * The model without the components whose weight is below `threshold` (scikit-learn keeps
   * them; a Dirichlet-process fit leaves the components the data do not need with weights near
   * 0). A new fitted BayesianGaussianMixture of K' components (this one is unchanged): the kept
   * components keep their means, covariances, precisions, `meanPrecision` and
   * `degreesOfFreedom`, in their order; the weights' posterior is the one the last M-step
   * would have given had the dropped components never existed, with their counts
   * n_k (= `weightConcentration` − 1 or − α₀) as they are (Dirichlet process: 1 + n_k and
   * α₀ + Σ_{j>k, kept} n_j; Dirichlet: α₀ + n_k), and `weights` follow from it. Its options are
   * this model's with `nComponents` K' and `weightConcentrationPrior` the α₀ that was used;
   * `priors`, `converged`, `nIter` and `lowerBound` are this fit's (the lower bound of the
   * pruned model is not recomputed).
   * @param threshold - a number in [0, 1) (default 0.01).
   * @throws RangeError - a bad threshold, or no component at or above it.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  prune(threshold = 0.01): BayesianGaussianMixture {
    const t = numberOption(threshold, 'threshold', 0);
    if (!(t < 1)) throw invalidValue(`Expected a number in [0, 1) for threshold but received ${t}`);
    const s = this.fitted('prune()');
    const keep: number[] = [];
    s.weights.forEach((w, i) => {
      if (w >= t) keep.push(i);
    });
    if (keep.length === 0) throw invalidValue(`prune(): no component has a weight of at least ${t}`);
    const params = this.#nativeCall(() =>
      native().bayesianPrune(s.params, s.d, Int32Array.from(keep), s.priors.weightConcentrationPrior),
    ) as VariationalParams;
    const options = {
      ...(bayesianOptionsToJSON(this.#options) as unknown as BayesianGaussianMixtureOptions),
      nComponents: keep.length,
      weightConcentrationPrior: s.priors.weightConcentrationPrior,
    };
    delete (options as { responsibilitiesInit?: unknown }).responsibilitiesInit;
    const pruned = new BayesianGaussianMixture(options);
    pruned.replaceState(pruned.#stateOf(params, s.d, s, s.priors));
    return pruned;
  }

  // --------------------------------------------------------------------------------------- JSON

  /**
   * The model as a plain, versioned object: `{ format: 'gaussmix', version: 1, kind, options,
   * state }`, with `state` null before fitting. `fromJSON(JSON.parse(JSON.stringify(model)))`
   * predicts bit-identically.
   */
  toJSON(): BayesianGaussianMixtureJSON {
    const s = this.state;
    let state: BayesianStateJSON | null = null;
    if (s) {
      const k = this.nComponents;
      const shape = covarianceShape(this.covarianceType, k, s.d);
      const post = s.params.posterior;
      const process = post.weightConcentrationPriorType === 'dirichlet_process';
      state = {
        weights: Array.from(s.params.weights),
        means: toNested(s.params.means, [k, s.d]),
        covariances: toNested(s.params.covariances, shape),
        precisionsCholesky: toNested(s.params.precisionsCholesky, shape),
        weightConcentration: process ? toNested(post.weightConcentration, [2, k]) : Array.from(post.weightConcentration),
        meanPrecision: Array.from(post.meanPrecision),
        degreesOfFreedom: Array.from(post.degreesOfFreedom),
        priors: {
          weightConcentrationPrior: s.priors.weightConcentrationPrior,
          meanPrecisionPrior: s.priors.meanPrecisionPrior,
          meanPrior: Array.from(s.priors.meanPrior),
          degreesOfFreedomPrior: s.priors.degreesOfFreedomPrior,
          covariancePrior: Array.from(s.priors.covariancePrior),
        },
        converged: s.converged,
        nIter: s.nIter,
        lowerBound: encodeScalar(s.lowerBound),
        nFeaturesIn: s.d,
      };
    }
    return {
      format: JSON_FORMAT,
      version: JSON_VERSION,
      kind: 'BayesianGaussianMixture',
      options: bayesianOptionsToJSON(this.#options),
      state,
    };
  }

  /**
   * Restores a model written by {@link BayesianGaussianMixture.toJSON} (also after
   * `JSON.stringify`/`JSON.parse`); it predicts bit-identically.
   * @throws TypeError - a field of the wrong type (the message names it).
   * @throws RangeError - another format, version or kind; a missing or unknown field; a shape
   *   that does not match the options; invalid parameter values.
   */
  static fromJSON(obj: unknown): BayesianGaussianMixture {
    const where = 'BayesianGaussianMixture.fromJSON';
    // state.priors is an object: read from the raw state (the reader checks the other fields).
    const raw = isRecord(obj) && isRecord(obj.state) ? obj.state.priors : undefined;
    return restoreModel(
      obj,
      where,
      ['BayesianGaussianMixture'],
      (_kind, options) => new BayesianGaussianMixture(options as unknown as BayesianGaussianMixtureOptions),
      STATE_FIELDS,
      (st, model) => model.#readState(st, raw, where),
    );
  }

  /** The fitted state from its checked JSON fields. */
  #readState(st: StateReader, rawPriors: unknown, where: string): BayesianState {
    const k = this.nComponents;
    const type = this.covarianceType;
    const fitted = st.fitted(k, 'nComponents');
    const { d } = fitted;
    const means = st.tensor('means', 2, [k, d], '[nComponents, nFeaturesIn]');
    const covShape = covarianceShape(type, k, d);
    const covLabel = covarianceShapeLabel(type).replace(/nFeatures/g, 'nFeaturesIn');
    const covariances = st.tensor('covariances', covarianceRank(type), covShape, covLabel);
    const precisionsCholesky = st.tensor('precisionsCholesky', covarianceRank(type), covShape, covLabel);
    const priorType = this.weightConcentrationPriorType;
    const process = priorType === 'dirichlet_process';
    const weightConcentration = process
      ? st.tensor('weightConcentration', 2, [2, k], '[2, nComponents]')
      : st.tensor('weightConcentration', 1, [k], '[nComponents]');
    const meanPrecision = st.tensor('meanPrecision', 1, [k], '[nComponents]');
    const degreesOfFreedom = st.tensor('degreesOfFreedom', 1, [k], '[nComponents]');
    const priors = inField(where, '', () => readPriors(rawPriors, type, d, priorType, where));
    st.check(() => {
      if (type === 'diag' || type === 'spherical') checkCovarianceValues(covariances, type, k, d, 'state.covariances');
      else checkSymmetricPositiveDiagonal(covariances, type === 'full' ? k : 1, d, 'state.covariances');
      checkPrecisionsCholesky(precisionsCholesky, type, k, d, 'state.precisionsCholesky');
      checkFactorsMatchCovariances(covariances, precisionsCholesky, type, k, d);
      checkPositive(weightConcentration, 'state.weightConcentration');
      checkPositive(meanPrecision, 'state.meanPrecision');
      const bad = degreesOfFreedom.findIndex((v) => !(v > d - 1));
      if (bad >= 0) throw invalidValue(`state.degreesOfFreedom[${bad}] must be greater than nFeaturesIn - 1`);
      if (type === 'tied' && degreesOfFreedom.some((v) => v !== degreesOfFreedom[0])) {
        throw invalidValue('state.degreesOfFreedom must hold one shared value in every entry (covarianceType tied)');
      }
      checkWeightsOfConcentration(fitted.weights, weightConcentration, process);
      if (!(priors.degreesOfFreedomPrior > d - 1)) {
        throw invalidValue(`state.priors.degreesOfFreedomPrior must be greater than nFeaturesIn - 1 (${d - 1})`);
      }
      checkCovariancePriorState(priors.covariancePrior, type, d);
    });
    return Object.freeze({
      ...fitted,
      params: Object.freeze({
        covarianceType: type,
        weights: fitted.weights,
        means,
        covariances,
        precisionsCholesky,
        posterior: Object.freeze({ weightConcentrationPriorType: priorType, weightConcentration, meanPrecision, degreesOfFreedom }),
      }),
      priors,
      lowerBound: st.lowerBound('lowerBound', fitted.nIter),
    });
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPositive(a: Float64Array, name: string): void {
  const bad = a.findIndex((v) => !(v > 0));
  if (bad >= 0) throw invalidValue(`${name}[${bad}] must be positive but is ${describe(a[bad])}`);
}

/**
 * The weights are the posterior's expected weights, as scikit-learn's _estimate_weights: for a
 * Dirichlet process E[v_k]·Π_{j<k} E[1 − v_j] from the Beta parameters, else α_k / Σα,
 * normalised; within 1e-9 relative of the stored ones.
 */
function checkWeightsOfConcentration(weights: Float64Array, concentration: Float64Array, process: boolean): void {
  const k = weights.length;
  const expected = new Float64Array(k);
  let rest = 1;
  let total = 0;
  for (let c = 0; c < k; c++) {
    if (process) {
      const a = concentration[c] as number;
      const b = concentration[k + c] as number;
      expected[c] = (a / (a + b)) * rest;
      rest *= b / (a + b);
    } else {
      expected[c] = concentration[c] as number;
    }
    total += expected[c] as number;
  }
  for (let c = 0; c < k; c++) {
    const e = (expected[c] as number) / total;
    if (!(Math.abs(e - (weights[c] as number)) <= 1e-9 * Math.max(e, 1e-300) + 1e-300)) {
      throw invalidValue(`state.weights[${c}] is ${describe(weights[c])}, but state.weightConcentration gives ${describe(e)}`);
    }
  }
}

/** Ψ₀ as a fit resolves it: finite, variances >= 0, matrices symmetric with a diagonal >= 0. */
function checkCovariancePriorState(psi: Float64Array, type: CovarianceType, d: number): void {
  const name = 'state.priors.covariancePrior';
  if (type === 'diag' || type === 'spherical') {
    const bad = psi.findIndex((v) => !(v >= 0));
    if (bad >= 0) throw invalidValue(`${name}[${bad}] must be >= 0 but is ${describe(psi[bad])}`);
    return;
  }
  for (let i = 0; i < d; i++) {
    if (!((psi[i * d + i] as number) >= 0)) throw invalidValue(`${name}[${i}][${i}] must be >= 0 but is ${describe(psi[i * d + i])}`);
    for (let j = 0; j < i; j++) {
      if (psi[i * d + j] !== psi[j * d + i]) throw invalidValue(`${name} must be symmetric, but [${i}][${j}] differs from [${j}][${i}]`);
    }
  }
}

/** A flat array of `length` finite numbers. */
function readFlat(value: unknown, name: string, length: number): Float64Array {
  const t = readTensor(value, name, 1).data;
  if (t.length !== length) throw invalidValue(`${name} must have ${length} values but has ${t.length}`);
  return t;
}

/** state.priors: the resolved priors of the fit. */
function readPriors(
  value: unknown,
  type: CovarianceType,
  d: number,
  priorType: WeightConcentrationPriorType,
  where: string,
): NativeResolvedPriors {
  if (!isRecord(value)) throw invalidType(`expected an object for state.priors but received ${describe(value)}`);
  checkFields(value, PRIOR_FIELDS, where, 'state.priors.');
  const num = (name: (typeof PRIOR_FIELDS)[number]) => numberOption(value[name], `state.priors.${name}`, 0, true);
  const meanPrior = readFlat(value.meanPrior, 'state.priors.meanPrior', d);
  const covSize = covarianceShape(type, 1, d).reduce((a, b) => a * b, 1);
  const covariancePrior = readFlat(value.covariancePrior, 'state.priors.covariancePrior', covSize);
  return Object.freeze({
    weightConcentrationPriorType: priorType,
    weightConcentrationPrior: num('weightConcentrationPrior'),
    meanPrecisionPrior: num('meanPrecisionPrior'),
    meanPrior,
    degreesOfFreedomPrior: num('degreesOfFreedomPrior'),
    covariancePrior,
  });
}
