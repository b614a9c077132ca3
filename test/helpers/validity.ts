/**
 * What a valid result of every public method looks like (finite numbers, the right shapes and
 * ranges), and which errors a call may end with. Shared by the boundary property tests and the
 * degenerate-data tests.
 *
 * Each check returns a list of problems (empty when valid) rather than failing at once, so
 * that a property can report everything wrong with one counterexample.
 */
import { AbortError, ErrorCode, GaussianMixture, KMeans, SoftKMeans } from '../../lib/index.js';

/** Any of the estimators. */
export type AnyModel = GaussianMixture | KMeans | SoftKMeans;

/** The number of components (clusters) of any estimator. */
export function componentsOf(model: AnyModel): number {
  return model instanceof GaussianMixture ? model.nComponents : model.nClusters;
}

function describeValue(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  return typeof v;
}

/** Problems with a numeric array: length, non-finite values, values outside [lo, hi]. */
export function checkNumbers(
  what: string,
  a: unknown,
  length: number,
  opts: { lo?: number; hi?: number; integer?: boolean } = {},
): string[] {
  if (!(a instanceof Float64Array) && !(a instanceof Int32Array)) return [`${what}: not a Float64Array/Int32Array (${describeValue(a)})`];
  const out: string[] = [];
  if (a.length !== length) out.push(`${what}: length ${a.length}, expected ${length}`);
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    if (!Number.isFinite(v)) {
      out.push(`${what}[${i}] = ${v} is not finite`);
      break;
    }
    if ((opts.lo !== undefined && v < opts.lo) || (opts.hi !== undefined && v > opts.hi)) {
      out.push(`${what}[${i}] = ${v} outside [${opts.lo ?? '-inf'}, ${opts.hi ?? 'inf'}]`);
      break;
    }
    if (opts.integer && !Number.isInteger(v)) {
      out.push(`${what}[${i}] = ${v} is not an integer`);
      break;
    }
  }
  return out;
}

/** Problems with an NDArray output: frozen shape equal to `shape`, finite data. */
export function checkNDArray(
  what: string,
  x: unknown,
  shape: readonly number[],
  opts: { lo?: number; hi?: number } = {},
): string[] {
  if (typeof x !== 'object' || x === null || !('data' in x) || !('shape' in x)) return [`${what}: not an NDArray`];
  const nd = x as { data: unknown; shape: unknown };
  const got = Array.isArray(nd.shape) ? nd.shape : [];
  if (got.length !== shape.length || got.some((v, i) => v !== shape[i])) {
    return [`${what}: shape [${String(nd.shape)}], expected [${shape.join(', ')}]`];
  }
  return checkNumbers(what, nd.data, shape.reduce((a, b) => a * b, 1), opts);
}

/** Problems with a sum-to-one vector. */
function checkSimplex(what: string, w: Float64Array, tol = 1e-9): string[] {
  let s = 0;
  for (const v of w) s += v;
  return Math.abs(s - 1) <= tol ? [] : [`${what}: sums to ${s}, not 1`];
}

/** The covariance shape of a GaussianMixture. */
export function covarianceShapeOf(gm: GaussianMixture, d: number): number[] {
  const k = gm.nComponents;
  switch (gm.covarianceType) {
    case 'full':
      return [k, d, d];
    case 'tied':
      return [d, d];
    case 'diag':
      return [k, d];
    case 'spherical':
      return [k];
    default:
      return [k, d, d]; // mclust's names
  }
}

/**
 * Problems with every fitted attribute of a model fitted on n samples of d features (n is
 * used for KMeans' labels; pass undefined when unknown, e.g. after fromJSON).
 */
export function fittedProblems(model: AnyModel, d: number, n?: number): string[] {
  const k = componentsOf(model);
  const out: string[] = [];
  const attempt = (what: string, fn: () => string[]): void => {
    try {
      out.push(...fn());
    } catch (err) {
      out.push(`${what}: threw ${String(err)}`);
    }
  };
  attempt('isFitted', () => (model.isFitted ? [] : ['the model is not fitted']));
  attempt('nFeaturesIn', () => (model.nFeaturesIn === d ? [] : [`nFeaturesIn ${model.nFeaturesIn}, expected ${d}`]));
  attempt('weights', () => {
    const w = model.weights;
    // (1 + 2⁻⁵² is rounding: K = 1 with maxIter 0 gives (N + 10ε)/N, as scikit-learn.)
    return [...checkNumbers('weights', w, k, { lo: 0, hi: 1 + 1e-12 }), ...checkSimplex('weights', w)];
  });
  attempt('nIter', () => (Number.isInteger(model.nIter) && model.nIter >= 0 ? [] : [`nIter ${model.nIter}`]));
  attempt('converged', () => (typeof model.converged === 'boolean' ? [] : ['converged is not a boolean']));
  if (model instanceof KMeans) {
    attempt('clusterCenters', () => checkNDArray('clusterCenters', model.clusterCenters, [k, d]));
    attempt('inertia', () => (Number.isFinite(model.inertia) && model.inertia >= 0 ? [] : [`inertia ${model.inertia}`]));
    attempt('labels', () => checkNumbers('labels', model.labels, n ?? model.labels.length, { lo: 0, hi: k - 1, integer: true }));
    return out;
  }
  attempt('means', () => checkNDArray('means', model.means, [k, d]));
  attempt('lowerBound', () =>
    Number.isFinite(model.lowerBound) || (model.nIter === 0 && model.lowerBound === -Infinity)
      ? []
      : [`lowerBound ${model.lowerBound} (nIter ${model.nIter})`],
  );
  if (model instanceof GaussianMixture) {
    const shape = covarianceShapeOf(model, d);
    const positive = model.covarianceType === 'diag' || model.covarianceType === 'spherical';
    attempt('covariances', () => checkNDArray('covariances', model.covariances, shape, positive ? { lo: Number.MIN_VALUE } : {}));
    attempt('precisionsCholesky', () =>
      checkNDArray('precisionsCholesky', model.precisionsCholesky, shape, positive ? { lo: Number.MIN_VALUE } : {}),
    );
    if (!positive) {
      attempt('covariances diagonal', () => {
        const c = model.covariances.data;
        const bad: string[] = [];
        for (let m = 0; m < c.length / (d * d); m++) {
          for (let j = 0; j < d; j++) {
            const v = c[m * d * d + j * d + j] as number;
            if (!(v > 0)) bad.push(`covariances[${m}][${j}][${j}] = ${v} is not positive`);
          }
        }
        return bad.slice(0, 1);
      });
    }
  }
  return out;
}

/** Problems with the result of a prediction method called on n samples. */
export function resultProblems(model: AnyModel, method: string, result: unknown, n: number): string[] {
  const k = componentsOf(model);
  const d = model.nFeaturesIn;
  switch (method) {
    case 'predict':
      return checkNumbers('predict', result, n, { lo: 0, hi: k - 1, integer: true });
    case 'predictProba': {
      const bad = checkNDArray('predictProba', result, [n, k], { lo: 0, hi: 1 });
      if (bad.length) return bad;
      const r = (result as { data: Float64Array }).data;
      for (let i = 0; i < n; i++) {
        const row = checkSimplex(`predictProba row ${i}`, r.subarray(i * k, (i + 1) * k), 1e-9);
        if (row.length) return row;
      }
      return [];
    }
    case 'scoreSamples':
      return checkNumbers('scoreSamples', result, n);
    case 'transform':
      return checkNDArray('transform', result, [n, k], { lo: 0 });
    case 'score':
    case 'bic':
    case 'aic':
      return typeof result === 'number' && Number.isFinite(result) ? [] : [`${method} returned ${String(result)}`];
    case 'sample': {
      if (typeof result !== 'object' || result === null) return ['sample: not an object'];
      const s = result as { X: unknown; labels: unknown };
      return [
        ...checkNDArray('sample X', s.X, [n, d]),
        ...checkNumbers('sample labels', s.labels, n, { lo: 0, hi: k - 1, integer: true }),
      ];
    }
    default:
      return [`no validity rule for ${method}`];
  }
}

/** Whether err is a TypeError or RangeError with code ERR_GAUSSMIX_INVALID_ARGUMENT. */
export function isInvalidArgument(err: unknown): err is TypeError | RangeError {
  return (
    (err instanceof TypeError || err instanceof RangeError) &&
    (err as { code?: unknown }).code === ErrorCode.INVALID_ARGUMENT
  );
}

/** Whether err is the documented numerical failure of a fit. */
export function isIllConditioned(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === ErrorCode.ILL_CONDITIONED;
}

/** Whether err is gaussmix's AbortError. */
export function isAbort(err: unknown): boolean {
  return err instanceof AbortError && err.code === ErrorCode.ABORT;
}

/** A one-line description of an error for property failure messages. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) {
    return `${err.constructor.name}(code ${String((err as { code?: unknown }).code)}): ${err.message}`;
  }
  return `a thrown non-Error: ${String(err)}`;
}

/** Calls fn and returns what it returned or threw. */
export function outcome<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The same for an async call (a synchronous throw counts as a rejection). */
export async function outcomeAsync<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The model's JSON as a string, to compare states before and after a call. */
export function stateOf(model: AnyModel): string {
  return JSON.stringify(model.toJSON());
}
