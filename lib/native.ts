/**
 * The native addon's surface, typed once. The binding (native/binding/) only converts and
 * dispatches: everything here is already validated and defaulted by the TypeScript layer.
 * All arrays are row-major Float64Array; nothing here is shared with a fitted model object
 * after the call returns (results are fresh arrays allocated on the JS thread).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

import { here } from './here.cjs';

export type CovarianceType = 'full' | 'tied' | 'diag' | 'spherical';
export type MixtureInit = 'kmeans' | 'k-means++' | 'random' | 'random-from-data';

/** Parameters of a Gaussian mixture, in scikit-learn's shapes (row-major, flattened). */
export interface NativeMixtureParams {
  covarianceType: CovarianceType;
  /** [K] */
  weights: Float64Array;
  /** [K, D] */
  means: Float64Array;
  /** full [K, D, D]; tied [D, D]; diag [K, D]; spherical [K] */
  covariances: Float64Array;
  /** same shape as covariances; full/tied: upper-triangular U with U·Uᵀ = Σ⁻¹ */
  precisionsCholesky: Float64Array;
}

/** Everything a mixture fit needs, resolved (no defaults left to the native side). */
export interface NativeMixtureOptions {
  nComponents: number;
  covarianceType: CovarianceType;
  /** >= 0; converged when |change of mean log-likelihood| < tol (strict). */
  tol: number;
  /** >= 0 */
  maxIter: number;
  /** >= 1 */
  nInit: number;
  /** integer in [0, 2^53) */
  seed: number;
  /** >= 1 (0 already resolved to the core count) */
  threads: number;
  /** >= 0 */
  regCovar: number;
  init: MixtureInit;
  /** Explicit starting parameters; each optional and independent, as in scikit-learn. */
  weightsInit?: Float64Array;
  meansInit?: Float64Array;
  /** At most one of covariancesInit / precisionsInit. */
  covariancesInit?: Float64Array;
  precisionsInit?: Float64Array;
  /** Warm start: the previous lowerBound, from which the first change is measured. */
  previousLowerBound?: number;
  /** Raw weights >= 0, length N, not all zero. */
  sampleWeight?: Float64Array;
}

export interface NativeIterationInfo {
  init: number;
  iter: number;
  objective: number;
  change: number;
}

/** Return false to stop the fit after this iteration (the result is then kept). */
export type NativeIterationCallback = (info: NativeIterationInfo) => boolean;

export interface NativeMixtureFit extends NativeMixtureParams {
  converged: boolean;
  nIter: number;
  lowerBound: number;
}

/** A running asynchronous fit. cancel() makes the promise reject with code ERR_GAUSSMIX_ABORTED. */
export interface NativeTask<T> {
  promise: Promise<T>;
  cancel(): void;
}

/** Caller-allocated outputs of mixtureEvaluate: give only the ones wanted. */
export interface NativeMixtureOutputs {
  /** [N] log p(x_n) */
  logProb?: Float64Array;
  /** [N, K] responsibilities */
  resp?: Float64Array;
  /** [N] argmax_k responsibility (ties to the lowest k) */
  labels?: Int32Array;
}

export interface NativeAddon {
  fitMixtureSync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeMixtureOptions,
    onIteration?: NativeIterationCallback,
  ): NativeMixtureFit;
  fitMixtureAsync(
    X: Float64Array,
    n: number,
    d: number,
    options: NativeMixtureOptions,
    onIteration?: NativeIterationCallback,
  ): NativeTask<NativeMixtureFit>;
  /** Fills the given outputs for X under params; synchronous, multithreaded. */
  mixtureEvaluate(
    X: Float64Array,
    n: number,
    d: number,
    params: NativeMixtureParams,
    threads: number,
    outputs: NativeMixtureOutputs,
  ): void;
  /** n samples, grouped by component in ascending order (as scikit-learn). */
  mixtureSample(
    params: NativeMixtureParams,
    d: number,
    n: number,
    seed: number,
  ): { X: Float64Array; labels: Int32Array };
}

/**
 * Errors thrown by the addon carry one of these codes:
 * - ERR_GAUSSMIX_INVALID_ARGUMENT (a TypeError/RangeError that slipped past validation)
 * - ERR_GAUSSMIX_ILL_CONDITIONED (a component collapsed; has `component`)
 * - ERR_GAUSSMIX_ABORTED (cancel() was called)
 * - ERR_GAUSSMIX_INTERNAL
 */
export interface NativeError extends Error {
  code: string;
  component?: number;
}

/**
 * The package root: the nearest folder up from this file whose package.json is gaussmix's
 * (dist/cjs has a package.json of its own that only says "type": "commonjs").
 */
function packageRoot(): string {
  for (let dir = here, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    try {
      const file = path.join(dir, 'package.json');
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown };
      if (pkg.name === 'gaussmix') return dir;
    } catch {
      // no package.json here, or not JSON: keep walking up
    }
  }
  throw new Error(`gaussmix: cannot find the package root above ${here}`);
}

let cached: NativeAddon | undefined;

/**
 * Loads the addon once, by node-gyp-build's rules: build/Release, then build/Debug, then
 * prebuilds/<platform>-<arch>/ (only prebuilds/ when PREBUILDS_ONLY=1 is set).
 */
export function native(): NativeAddon {
  if (!cached) {
    const root = packageRoot();
    const requireFromRoot = createRequire(path.join(root, 'package.json'));
    const load = requireFromRoot('node-gyp-build') as (dir: string) => NativeAddon;
    cached = load(root);
  }
  return cached;
}
