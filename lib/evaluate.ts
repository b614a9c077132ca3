/**
 * The native evaluation calls of fitted models (mixture densities and responsibilities,
 * nearest centres and distances), each with the facade's error translation.
 *
 * @module
 */
import { allocate, invalidValue, translateNativeError } from './errors.js';
import { freezeNDArray } from './estimator.js';
import type { Matrix } from './input.js';
import { native, type NativeMixtureOutputs, type NativeMixtureParams } from './native.js';
import { MAX_COUNT, resolveThreads } from './options.js';
import type { NDArray } from './types.js';

/**
 * Fills caller-allocated outputs (log-densities, responsibilities, labels) for X under a
 * mixture's parameters.
 * @param threads - the `threads` option (0: chosen from the work's size).
 */
export function evaluateMixture(X: Matrix, params: NativeMixtureParams, threads: number, outputs: NativeMixtureOutputs): void {
  try {
    const work = X.n * params.weights.length * X.d;
    native().mixtureEvaluate(X.data, X.n, X.d, params, resolveThreads(threads, work), outputs);
  } catch (err) {
    throw translateNativeError(err);
  }
}

/**
 * n draws from a mixture (its `weights`, means and covariances), grouped by component in
 * increasing order, with their components.
 * @throws RangeError - when n·D exceeds 2^31 − 1 values, or (code `ERR_GAUSSMIX_OUT_OF_MEMORY`)
 *   when the output cannot be allocated.
 */
export function sampleMixture(
  params: NativeMixtureParams,
  d: number,
  count: number,
  seed: number,
): { X: NDArray; labels: Int32Array } {
  // The outputs are allocated here, where a refused allocation is a catchable RangeError; the
  // native side only fills them.
  if (count * d > MAX_COUNT) {
    throw invalidValue(`sample(): n (${count}) × ${d} features = ${count * d} values exceeds the largest output (${MAX_COUNT})`);
  }
  const out = {
    X: allocate(Float64Array, count * d, 'sample(): the samples'),
    labels: allocate(Int32Array, count, 'sample(): the labels'),
  };
  try {
    native().mixtureSample(params, d, count, seed, out);
  } catch (err) {
    throw translateNativeError(err);
  }
  return { X: freezeNDArray(out.X, [count, d]), labels: out.labels };
}

/**
 * Fills caller-allocated outputs for X against centres [K, D]: `labels` [N], the nearest centre
 * (ties to the lowest index), and `distances` [N, K], the exact Euclidean distances.
 * @param threads - the `threads` option (0: chosen from the work's size).
 */
export function assignToCentres(
  X: Matrix,
  centres: Float64Array,
  threads: number,
  outputs: { labels?: Int32Array; distances?: Float64Array },
): void {
  try {
    native().kmeansAssign(X.data, X.n, X.d, centres, resolveThreads(threads, X.n * centres.length), outputs);
  } catch (err) {
    throw translateNativeError(err);
  }
}

/** The nearest of the centres [K, D] to each row of X (ties to the lowest index), Int32Array [N]. */
export function nearestCentres(X: Matrix, centres: Float64Array, threads: number): Int32Array {
  const labels = allocate(Int32Array, X.n, 'the nearest centres');
  assignToCentres(X, centres, threads, { labels });
  return labels;
}
