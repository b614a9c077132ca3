/**
 * Warnings: what a fit reports when it succeeded but its result deserves a second look, as
 * scikit-learn's `ConvergenceWarning` and `RuntimeWarning`. A warning is never thrown; it goes
 * where the estimator's `warnings` option says: `'emit'` (default) through
 * `process.emitWarning`, `'silent'` nowhere, or a function of the user's.
 *
 * | code | when | scikit-learn |
 * | --- | --- | --- |
 * | `GAUSSMIX_NOT_CONVERGED` | the kept run used all `maxIter` iterations without meeting `tol` | GaussianMixture's ConvergenceWarning "Initialization N did not converge" (its KMeans does not warn) |
 * | `GAUSSMIX_FEW_DISTINCT_POINTS` | X has fewer distinct rows (of positive weight) than components | KMeans's ConvergenceWarning "Number of distinct clusters (m) found smaller than n_clusters (K)" |
 * | `GAUSSMIX_EMPTY_COMPONENT` | a fitted component or cluster holds no weight, from distinct enough data | none (its GaussianMixture keeps a component of weight ~0 silently) |
 * | `GAUSSMIX_NINIT_IGNORED` | explicit starting centres or parameters with `nInit` > 1: one run is made | KMeans's RuntimeWarning "Explicit initial center position passed" |
 *
 * The checks cost O(K) after a fit, and O(K²·D) before one on data whose first rows are
 * distinct (the distinct-row count stops at K).
 *
 * @module
 */
import { describe, invalidType, invalidValue } from './errors.js';
import type { Matrix } from './input.js';

/** The `code` of each kind of warning (see the module documentation). */
export const WarningCode = {
  /** The kept run used every iteration allowed without meeting the tolerance. */
  NOT_CONVERGED: 'GAUSSMIX_NOT_CONVERGED',
  /** X has fewer distinct samples (of positive weight) than components or clusters. */
  FEW_DISTINCT_POINTS: 'GAUSSMIX_FEW_DISTINCT_POINTS',
  /** A fitted component or cluster holds (practically) no weight. */
  EMPTY_COMPONENT: 'GAUSSMIX_EMPTY_COMPONENT',
  /** `nInit` > 1 was ignored: explicit starting values make every run the same. */
  NINIT_IGNORED: 'GAUSSMIX_NINIT_IGNORED',
} as const;

/** One of the {@link WarningCode} values. */
export type WarningCodeValue = (typeof WarningCode)[keyof typeof WarningCode];

/**
 * A warning: an `Error` (never thrown) named `'GaussmixWarning'`, with a `code` from
 * {@link WarningCode}. `process.emitWarning` shows it as
 * `[GAUSSMIX_NOT_CONVERGED] GaussmixWarning: <message>`.
 */
export interface GaussmixWarning extends Error {
  readonly name: 'GaussmixWarning';
  readonly code: WarningCodeValue;
  /** With `GAUSSMIX_EMPTY_COMPONENT`: the empty components (or clusters), ascending. */
  readonly components?: readonly number[];
}

/**
 * Where an estimator's warnings go: `'emit'` (default) calls `process.emitWarning(warning)`;
 * `'silent'` drops them; a function receives each warning synchronously, once the fit has
 * committed its model (an exception it throws is re-thrown asynchronously, as from an event
 * listener: the fit itself has succeeded).
 */
export type WarningsOption = 'emit' | 'silent' | ((warning: GaussmixWarning) => void);

/**
 * Checks the `warnings` option.
 * @throws TypeError - neither a string nor a function.
 * @throws RangeError - a string other than `'emit'` or `'silent'`.
 */
export function warningsOption(value: unknown, name = 'warnings'): WarningsOption {
  if (value === 'emit' || value === 'silent' || typeof value === 'function') return value as WarningsOption;
  const what = `'emit', 'silent' or a function`;
  if (typeof value === 'string') throw invalidValue(`Expected ${what} for ${name} but received ${describe(value)}`);
  throw invalidType(`Expected ${what} for ${name} but received ${describe(value)}`);
}

/** The option in plain-JSON form: `'silent'`, or undefined (a function cannot be written). */
export function warningsToJSON(option: WarningsOption): 'silent' | undefined {
  return option === 'silent' ? 'silent' : undefined;
}

/** A new warning object. */
export function makeWarning(code: WarningCodeValue, message: string, extra?: { components?: number[] }): GaussmixWarning {
  const w = new Error(message) as Error & { code: WarningCodeValue; components?: readonly number[] };
  w.name = 'GaussmixWarning';
  w.code = code;
  if (extra?.components) w.components = Object.freeze(extra.components);
  return w as GaussmixWarning;
}

/** Sends each warning where `option` says (see {@link WarningsOption}). */
export function deliverWarnings(option: WarningsOption, warnings: readonly GaussmixWarning[]): void {
  if (option === 'silent') return;
  for (const w of warnings) {
    if (option === 'emit') {
      process.emitWarning(w);
      continue;
    }
    try {
      option(w);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

/**
 * The number of distinct rows of X among those of positive weight, counted up to `limit` (the
 * count stops there). Rows are compared exactly (0 and −0 are the same point). O(rows·limit·D)
 * at worst, O(limit²·D) when the first rows are distinct.
 */
export function countDistinctRows(X: Matrix, weights: Float64Array | undefined, limit: number): number {
  const { data, n, d } = X;
  const found: number[] = [];
  for (let i = 0; i < n && found.length < limit; i++) {
    if (weights !== undefined && !((weights[i] as number) > 0)) continue;
    const row = i * d;
    let seen = false;
    for (const other of found) {
      let j = 0;
      while (j < d && data[row + j] === data[other + j]) j++;
      if (j === d) {
        seen = true;
        break;
      }
    }
    if (!seen) found.push(row);
  }
  return found.length;
}

/**
 * The warning for data with fewer distinct samples than components, or null.
 * @param unit - `'component'` or `'cluster'`; `countName` the option, e.g. `'nComponents'`.
 */
export function fewDistinctPointsWarning(
  X: Matrix,
  weights: Float64Array | undefined,
  k: number,
  unit: string,
  countName: string,
): GaussmixWarning | null {
  const distinct = countDistinctRows(X, weights, k);
  if (distinct >= k) return null;
  const which = weights === undefined ? '' : ' of positive weight';
  return makeWarning(
    WarningCode.FEW_DISTINCT_POINTS,
    `X has ${distinct} distinct sample${distinct === 1 ? '' : 's'}${which}, fewer than ${countName} (${k}): ` +
      `some ${unit}s will be empty or coincide. Possibly due to duplicate points in X; use fewer ${unit}s`,
  );
}

/** The warning for explicit starting values with `nInit` > 1 (one run is made), or null. */
export function nInitIgnoredWarning(className: string, nInit: number, given: string): GaussmixWarning | null {
  if (nInit <= 1) return null;
  return makeWarning(
    WarningCode.NINIT_IGNORED,
    `Explicit starting ${given} given: performing only one run in ${className} instead of nInit (${nInit}), ` +
      'since every run would start from the same values',
  );
}

/**
 * The warning for a kept run that used all `maxIter` iterations without converging, or null.
 * No warning when `maxIter` is 0 (the initialisation was asked for, as scikit-learn) or when
 * `onIteration` stopped the fit.
 */
export function notConvergedWarning(
  className: string,
  fit: { readonly converged: boolean; readonly nIter: number },
  maxIter: number,
  tol: number,
  stoppedByUser: boolean,
): GaussmixWarning | null {
  if (fit.converged || stoppedByUser || maxIter === 0 || fit.nIter < maxIter) return null;
  return makeWarning(
    WarningCode.NOT_CONVERGED,
    `${className} did not converge in maxIter (${maxIter}) iterations at tol ${tol}: ` +
      'try other starting values, increase maxIter or tol, or check for degenerate data',
  );
}

/**
 * The warning for components (clusters) that hold no weight: a share of the total weight below
 * 1e-8 of an average sample's (weight·N < 1e-8), or null.
 */
export function emptyComponentWarning(
  className: string,
  weights: Float64Array,
  n: number,
  unit: string,
): GaussmixWarning | null {
  const empty: number[] = [];
  for (let k = 0; k < weights.length; k++) if ((weights[k] as number) * n < 1e-8) empty.push(k);
  if (empty.length === 0) return null;
  const list = empty.join(', ');
  const one = empty.length === 1;
  const these = one ? `${unit} ${list} is` : `${unit}s ${list} are`;
  return makeWarning(
    WarningCode.EMPTY_COMPONENT,
    `${className}: ${these} empty (no weight of the data): ${one ? 'its' : 'their'} parameters are not estimated from X; ` +
      `try fewer ${unit}s, another seed or starting values`,
    { components: empty },
  );
}

/** What a fit's warnings need to know, resolved with the fit's request. */
export interface FitReview {
  /** The fit's `maxIter` and `tol`. */
  readonly maxIter: number;
  readonly tol: number;
  /** `'component'` or `'cluster'`, for messages. */
  readonly unit: string;
  /** The warnings known before the run (delivered as it starts). */
  readonly before: readonly GaussmixWarning[];
  /**
   * Whether a component of no weight deserves a warning (default true; false for
   * BayesianGaussianMixture, whose weight prior switches unneeded components off on purpose).
   */
  readonly emptyComponents?: boolean;
}

/** The review of a fit: the warnings known before it, with what the later checks need. */
export function fitReview(
  maxIter: number,
  tol: number,
  unit: string,
  before: readonly (GaussmixWarning | null)[],
): FitReview {
  return { maxIter, tol, unit, before: before.filter((w): w is GaussmixWarning => w !== null) };
}

/**
 * The warnings about a fit's result: not converged, and empty components (unless the data
 * already had too few distinct points, which says why).
 */
export function resultWarnings(
  className: string,
  review: FitReview,
  fit: { readonly converged: boolean; readonly nIter: number; readonly weights: Float64Array },
  n: number,
  stoppedByUser: boolean,
): GaussmixWarning[] {
  const out: GaussmixWarning[] = [];
  const late = notConvergedWarning(className, fit, review.maxIter, review.tol, stoppedByUser);
  if (late) out.push(late);
  if (review.emptyComponents !== false && !review.before.some((w) => w.code === WarningCode.FEW_DISTINCT_POINTS)) {
    const empty = emptyComponentWarning(className, fit.weights, n, review.unit);
    if (empty) out.push(empty);
  }
  return out;
}
