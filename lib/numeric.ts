/**
 * Small reductions the estimators compute on the JavaScript side, written once.
 *
 * @module
 */
import { readSampleWeight } from './options.js';

/**
 * Σ vᵢ (or Σ vᵢ·wᵢ) with Neumaier's compensation, so that sums over millions of terms (mean
 * log-densities, inertias) stay exact to rounding of the result.
 */
export function compensatedSum(values: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < values.length; i++) {
    const v = weights === undefined ? (values[i] as number) : (values[i] as number) * (weights[i] as number);
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  // Once a term (or the sum) is infinite or NaN the compensation is ∞ − ∞ = NaN: the plain
  // sum is then the answer (±∞, or NaN only when the terms are).
  return Number.isFinite(sum) ? sum + comp : sum;
}

/**
 * The mean of `values`, or with `sampleWeight` the weighted mean Σ wᵢ·vᵢ / Σ wᵢ.
 * @throws TypeError / RangeError - bad weights (length, sign, finiteness, all zero).
 */
export function weightedMean(values: Float64Array, sampleWeight: ArrayLike<number> | undefined): number {
  if (sampleWeight === undefined) return compensatedSum(values) / values.length;
  const w = readSampleWeight(sampleWeight, values.length);
  return compensatedSum(values, w) / compensatedSum(w);
}
