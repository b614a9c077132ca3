/**
 * The last guard before a result is committed: fitted attributes hold no NaN or ±Infinity.
 * Checks of a few K·D values, made after a step rather than per row, so they cost nothing on
 * the hot paths.
 *
 * @module
 */
import { ErrorCode, type GaussmixError } from './errors.js';
import { findNonFinite } from './input.js';
import type { NativeMixtureParams } from './native.js';

/** A result array to check: its name, its values, and its values per component (0: shared). */
export type NamedValues = readonly [name: string, values: ArrayLike<number>, perComponent: number];

/**
 * Throws when one of `arrays` holds a NaN or ±Infinity: an `ERR_GAUSSMIX_ILL_CONDITIONED`
 * error `"<what> gave non-finite <name> (component k): <cause>"`, with `component` when the
 * array is per component. The caller then commits nothing.
 * @param what - the step, e.g. 'GaussianMixture.maximise: the M-step'.
 * @param cause - why it happens and what to do.
 */
export function requireFinite(what: string, arrays: readonly NamedValues[], cause: string): void {
  for (const [name, values, perComponent] of arrays) {
    const i = findNonFinite(values);
    if (i < 0) continue;
    const component = perComponent > 0 ? Math.floor(i / perComponent) : undefined;
    throw notFiniteError(
      `${what} gave non-finite ${name}${component === undefined ? '' : ` (component ${component})`}: ${cause}`,
      component,
    );
  }
}

/**
 * An `Error` with code `ERR_GAUSSMIX_ILL_CONDITIONED` (and `component` when given): a step
 * whose result is not finite, refused before it is committed.
 */
export function notFiniteError(message: string, component?: number): GaussmixError {
  return Object.assign(new Error(message), {
    code: ErrorCode.ILL_CONDITIONED,
    ...(component === undefined ? {} : { component }),
  });
}

/** Why an M-step from statistics can give non-finite parameters. */
export const M_STEP_CAUSE =
  "the statistics' sums overflow float64 (sample weights or features too large), or they were altered; " +
  'the model is unchanged';

/**
 * Throws (as {@link requireFinite}) when an M-step's mixture parameters are not all finite.
 * @param what - the method, e.g. 'GaussianMixture.maximise'.
 * @param k - the components (a noise component's weight is checked too).
 * @param d - the features.
 */
export function requireFiniteMixture(what: string, params: NativeMixtureParams, k: number, d: number): void {
  const tied = params.covarianceType === 'tied';
  requireFinite(
    `${what}: the M-step`,
    [
      ['weights', params.weights, 1],
      ['means', params.means, d],
      ['covariances', params.covariances, tied ? 0 : params.covariances.length / k],
      ['precisions', params.precisionsCholesky, tied ? 0 : params.precisionsCholesky.length / k],
    ],
    M_STEP_CAUSE,
  );
}

/** Throws (as {@link requireFinite}) when an M-step's centres or cluster weights are not all finite. */
export function requireFiniteCentres(what: string, centres: Float64Array, weights: Float64Array, d: number): void {
  requireFinite(`${what}: the M-step`, [['weights', weights, 1], ['centres', centres, d]], M_STEP_CAUSE);
}
