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

/**
 * The share of the total sample weight assigned to each of k labels: (Σ_{n: labelₙ = j} wₙ) /
 * Σₙ wₙ, wₙ = 1 when absent.
 */
export function labelShare(labels: Int32Array, k: number, weights?: Float64Array): Float64Array {
  if (weights === undefined) {
    // Counts: sums of ones are exact (below 2^53), so no compensation is needed.
    const count = new Float64Array(k);
    for (let i = 0; i < labels.length; i++) count[labels[i] as number]++;
    for (let j = 0; j < k; j++) count[j] = (count[j] as number) / labels.length;
    return count;
  }
  const sum = new Float64Array(k);
  const comp = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    const j = labels[i] as number;
    const v = weights === undefined ? 1 : (weights[i] as number);
    const s = sum[j] as number;
    const t = s + v;
    comp[j] = (comp[j] as number) + (Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s);
    sum[j] = t;
  }
  const total = weights === undefined ? labels.length : compensatedSum(weights);
  for (let j = 0; j < k; j++) sum[j] = ((sum[j] as number) + (comp[j] as number)) / total;
  return sum;
}
