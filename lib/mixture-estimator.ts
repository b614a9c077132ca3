/**
 * What the estimators that are Gaussian mixtures share (GaussianMixture, GaussianKMeans and
 * SoftKMeans, which is EM for an equal-weight spherical mixture): their `lowerBound`, and
 * responsibilities and log-densities under the fitted mixture.
 *
 * @module
 */
import { allocate, translateNativeError } from './errors.js';
import { Estimator, freezeNDArray, type FittedState } from './estimator.js';
import { evaluateMixture } from './evaluate.js';
import type { Matrix } from './input.js';
import { native, type NativeMixtureOutputs, type NativeMixtureParams } from './native.js';
import { weightedMean } from './numeric.js';
import { readOptionsObject, readSampleWeight, resolveThreads } from './options.js';
import { wrapStatistics, type MixtureStatistics } from './statistics.js';
import type { DataInput, NDArray } from './types.js';

/** Options of `statistics()`. */
export interface StatisticsOptions {
  /** Raw weights >= 0 of X's rows (all zero is allowed: a chunk may weigh nothing). */
  sampleWeight?: ArrayLike<number>;
}

/** The fitted state of a mixture. */
export interface MixtureFittedState extends FittedState {
  /** The fitted mixture, in the form mixtureEvaluate takes. */
  readonly params: Readonly<NativeMixtureParams>;
  readonly lowerBound: number;
}

/** An {@link Estimator} whose fitted model is a Gaussian mixture. */
export abstract class MixtureEstimator<S extends MixtureFittedState, O, R> extends Estimator<S, O, R> {
  /**
   * The mean log-likelihood per sample (per unit of sample weight) computed in the last E-step
   * of the best restart, i.e. before the last update of the parameters (scikit-learn's
   * `lower_bound_`), so not `score(X)` of the returned model. For SoftKMeans it is that of the
   * equal-weight spherical mixture with variance 1/β. `-Infinity` when no E-step ran. With
   * `standardize`, of x in the original units (minus Σ log scale).
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  get lowerBound(): number {
    const s = this.fitted('lowerBound');
    return s.scaling ? s.lowerBound - s.scaling.logScale : s.lowerBound;
  }

  /** What an E-step under the fitted state computes with. */
  protected abstract statisticsRequest(s: S): { kind: 'gaussian' | 'soft'; params: NativeMixtureParams };

  /**
   * The sufficient statistics of one E-step over X's rows under the current parameters (the
   * fitted ones, or those a fit with `maxIter: 0` set): what {@link maximise} needs, and what
   * streamed and distributed fits sum chunk by chunk. Statistics of chunks of rows that start at
   * multiples of `BLOCK_ROWS`, merged in row order, equal those of all the rows bit for bit.
   * X is in its own units; with `standardize` the sums (and `objective`, Σ w·log p(z)) are in
   * the model's standardised units, and only a model with the same scaling may `maximise` them
   * (statistics carry no scaling: see {@link Statistics}).
   * @param options - `sampleWeight`: raw weights of X's rows.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting (before any argument error).
   * @throws TypeError / RangeError - bad X, D different from the fitted model, bad weights.
   */
  statistics(X: DataInput, options?: StatisticsOptions): MixtureStatistics {
    const { X: m, s } = this.input(X, 'statistics()');
    const o = options === undefined ? {} : (readOptionsObject(options, 'statistics options', ['sampleWeight']) as StatisticsOptions);
    const sampleWeight = o.sampleWeight === undefined ? undefined : readSampleWeight(o.sampleWeight, m.n, 'sampleWeight', true);
    try {
      const summary = native().mixtureStatisticsSync(m.data, m.n, m.d, {
        ...this.statisticsRequest(s),
        threads: resolveThreads(this.threadCount, m.n * s.params.weights.length * m.d),
        ...(sampleWeight ? { sampleWeight } : {}),
      });
      return wrapStatistics(summary) as MixtureStatistics;
    } catch (err) {
      throw translateNativeError(err);
    }
  }

  /** Fills caller-allocated outputs for X under the fitted mixture. */
  protected evaluate(X: Matrix, s: S, outputs: NativeMixtureOutputs): void {
    evaluateMixture(X, s.params, this.threadCount, outputs);
  }

  /**
   * The posterior probability of each component for each sample (the responsibilities).
   * @param X - samples with the fitted number of features.
   * @returns NDArray [N, K]; each row sums to 1.
   * @throws TypeError / RangeError - bad X, or D different from the fitted model.
   * @throws Error - code `ERR_GAUSSMIX_NOT_FITTED` before fitting.
   */
  predictProba(X: DataInput): NDArray {
    const { X: m, s } = this.input(X, 'predictProba()');
    const k = s.params.weights.length;
    const resp = allocate(Float64Array, m.n * k, 'predictProba(): the probabilities');
    this.evaluate(m, s, { resp });
    return freezeNDArray(resp, [m.n, k]);
  }

  /**
   * The log density log p(x) of each sample under the fitted mixture (of x in the original
   * units with `standardize`: the standardised density minus Σ log scale): −Infinity, never
   * NaN, for a sample whose density underflows float64 (squared distances that overflow).
   * @returns Float64Array [N].
   * @throws TypeError / RangeError / Error - as {@link MixtureEstimator.predictProba}.
   */
  scoreSamples(X: DataInput): Float64Array {
    const { X: m, s } = this.input(X, 'scoreSamples()');
    const logProb = allocate(Float64Array, m.n, 'scoreSamples(): the log densities');
    this.evaluate(m, s, { logProb });
    if (s.scaling) {
      const shift = s.scaling.logScale;
      for (let i = 0; i < logProb.length; i++) logProb[i] = (logProb[i] as number) - shift;
    }
    return logProb;
  }

  /**
   * The mean log density per sample, or with `sampleWeight` the weighted mean
   * Σ wₙ·log p(xₙ) / Σ wₙ.
   * @param sampleWeight - optional weights: length N, finite, >= 0, not all zero.
   * @throws TypeError / RangeError / Error - as {@link MixtureEstimator.predictProba}, or bad
   *   weights.
   */
  score(X: DataInput, sampleWeight?: ArrayLike<number>): number {
    return weightedMean(this.scoreSamples(X), sampleWeight);
  }
}
