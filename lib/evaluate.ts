/**
 * The native evaluation calls of fitted models (mixture densities and responsibilities,
 * nearest centres and distances), each with the facade's error translation.
 *
 * @module
 */
import { allocate, translateNativeError } from './errors.js';
import type { Matrix } from './input.js';
import { native, type NativeMixtureOutputs, type NativeMixtureParams } from './native.js';
import { resolveThreads } from './options.js';

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
