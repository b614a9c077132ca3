/**
 * The estimators behind the commands, seen through one small interface: build one from
 * command-line options, fit it, read what a picture or a summary needs, and save or load it
 * together with what the command line added (the column names and the standardisation).
 */
import * as fs from 'node:fs';

import { GaussianKMeans, GaussianMixture, KMeans, SoftKMeans, type CovarianceType, type FitOptions, type NDArray } from 'gaussmix';

import { CliError, UsageError } from './args.js';

export const MODELS = ['gmm', 'gaussian-kmeans', 'soft-kmeans', 'kmeans'] as const;
export type ModelName = (typeof MODELS)[number];
export const COVARIANCES = ['full', 'tied', 'diag', 'spherical'] as const;

/** The class behind each command-line model name. */
const CLASS_OF: Record<ModelName, string> = {
  gmm: 'GaussianMixture',
  'gaussian-kmeans': 'GaussianKMeans',
  'soft-kmeans': 'SoftKMeans',
  kmeans: 'KMeans',
};

/** What the CLI uses of an estimator (the public API of API.md). */
export interface Estimator {
  fit(X: NDArray, options?: FitOptions): Promise<unknown>;
  predict(X: NDArray): Int32Array;
  predictProba?(X: NDArray): NDArray;
  toJSON(): unknown;
  bic?(X: NDArray): number;
  aic?(X: NDArray): number;
  readonly converged: boolean;
  readonly nIter: number;
}

interface EstimatorClass {
  new (options: Record<string, unknown>): Estimator;
  fromJSON(obj: unknown): Estimator;
}

/** The estimator classes by their JSON kind. */
const CLASSES: Record<string, EstimatorClass> = {
  GaussianMixture: GaussianMixture as unknown as EstimatorClass,
  GaussianKMeans: GaussianKMeans as unknown as EstimatorClass,
  KMeans: KMeans as unknown as EstimatorClass,
  SoftKMeans: SoftKMeans as unknown as EstimatorClass,
};

/** The class whose JSON kind is `name`. */
export function estimatorClass(name: string): EstimatorClass | undefined {
  return Object.hasOwn(CLASSES, name) ? CLASSES[name] : undefined;
}

export interface BuildOptions {
  model: ModelName;
  k: number;
  covariance?: CovarianceType | undefined;
  seed?: number | undefined;
  threads?: number | undefined;
  nInit?: number | undefined;
  maxIter?: number | undefined;
  tol?: number | undefined;
  stiffness?: number | undefined;
}

/** A new, unfitted estimator for the options. */
export function build(o: BuildOptions): Estimator {
  const cls = CLASSES[CLASS_OF[o.model]] as EstimatorClass;
  const count = o.model === 'kmeans' || o.model === 'soft-kmeans' ? 'nClusters' : 'nComponents';
  const options: Record<string, unknown> = {
    [count]: o.k,
    covarianceType: o.model === 'gmm' ? o.covariance : undefined,
    stiffness: o.model === 'soft-kmeans' ? o.stiffness : undefined,
    seed: o.seed,
    threads: o.threads,
    nInit: o.nInit,
    maxIter: o.maxIter,
    tol: o.tol,
  };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  try {
    return new cls(options);
  } catch (err) {
    // The options came from the command line: a value the estimator refuses is a usage error.
    if (err instanceof TypeError || err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
}

/** What pictures and summaries need of a fitted estimator, whatever its class. */
export interface Fitted {
  estimator: Estimator;
  /** The class name (the JSON kind). */
  kind: string;
  /** A short label such as 'GMM full' or 'KMeans'. */
  label: string;
  k: number;
  d: number;
  /** Centres / means, [K, D] row-major. */
  centres: Float64Array;
  /** Mixture weights [K], or null for the K-means family. */
  weights: Float64Array | null;
  /** Whether predictProba exists (soft assignments). */
  soft: boolean;
  /**
   * The 2×2 covariance [σii, σij, σjj] of component k in dimensions i, j; null when the model
   * has none (hard K-means).
   */
  covariance2(k: number, i: number, j: number): [number, number, number] | null;
  /** The full description of component k's spread, for printing; null when there is none. */
  spread(k: number): { type: CovarianceType; values: number[] } | null;
}

interface MixtureLike extends Estimator {
  readonly means: NDArray;
  readonly weights: Float64Array;
  readonly covariances: NDArray;
  readonly covarianceType: CovarianceType;
}

/** Describes a fitted estimator. */
export function describeFitted(estimator: Estimator): Fitted {
  const json = estimator.toJSON() as { kind: string; options: Record<string, unknown> };
  const kind = json.kind;
  const e = estimator as unknown as Record<string, unknown>;
  if (kind === 'GaussianMixture' || kind === 'GaussianKMeans') {
    const m = estimator as MixtureLike;
    const means = m.means;
    const [k, d] = means.shape as [number, number];
    const type = m.covarianceType;
    const cov = m.covariances.data;
    const at = (c: number, i: number, j: number): number => {
      switch (type) {
        case 'full':
          return cov[c * d * d + i * d + j] as number;
        case 'tied':
          return cov[i * d + j] as number;
        case 'diag':
          return i === j ? (cov[c * d + i] as number) : 0;
        default:
          return i === j ? (cov[c] as number) : 0;
      }
    };
    return {
      estimator,
      kind,
      label: kind === 'GaussianKMeans' ? 'Gaussian K-means' : `GMM ${type}`,
      k,
      d,
      centres: means.data,
      weights: m.weights,
      soft: true,
      covariance2: (c, i, j) => [at(c, i, i), at(c, i, j), at(c, j, j)],
      spread: (c) => {
        const values: number[] = [];
        if (type === 'full' || type === 'tied') for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) values.push(at(c, i, j));
        else if (type === 'diag') for (let i = 0; i < d; i++) values.push(at(c, i, i));
        else values.push(at(c, 0, 0));
        return { type, values };
      },
    };
  }
  if (kind === 'SoftKMeans') {
    const means = e.means as NDArray;
    const [k, d] = means.shape as [number, number];
    // MacKay's soft K-means is EM for an equal-weight mixture of spheres of variance 1/β.
    const beta = Number(e.stiffness ?? json.options.stiffness);
    const v = 1 / beta;
    return {
      estimator,
      kind,
      label: 'Soft K-means',
      k,
      d,
      centres: means.data,
      weights: null,
      soft: true,
      covariance2: () => [v, 0, v],
      spread: () => ({ type: 'spherical', values: [v] }),
    };
  }
  if (kind === 'KMeans') {
    const centres = e.clusterCenters as NDArray;
    const [k, d] = centres.shape as [number, number];
    return {
      estimator,
      kind,
      label: 'K-means',
      k,
      d,
      centres: centres.data,
      weights: null,
      soft: false,
      covariance2: () => null,
      spread: () => null,
    };
  }
  throw new CliError(`unsupported model kind '${kind}'`);
}

// ------------------------------------------------------------------------------- model files

/** The per-column standardisation applied before fitting: (x − mean) / std. */
export interface Standardize {
  mean: number[];
  std: number[];
}

/** What `fit --out` writes: the model's own JSON with what the command line added. */
export interface ModelFile {
  format: 'gaussmix-cli';
  version: 1;
  /** The data columns the model was fitted on, in order. */
  columns: string[];
  standardize: Standardize | null;
  /** The estimator's `toJSON()`; `Class.fromJSON` reads it. */
  model: unknown;
}

export function modelFile(estimator: Estimator, columns: string[], standardize: Standardize | null): ModelFile {
  return { format: 'gaussmix-cli', version: 1, columns, standardize, model: estimator.toJSON() };
}

/** Restores an estimator from its own JSON (whatever its class). */
export function fromJSON(obj: unknown, name: string): Estimator {
  const kind = (obj as { kind?: unknown } | null)?.kind;
  const cls = typeof kind === 'string' ? estimatorClass(kind) : undefined;
  if (cls === undefined) {
    throw new CliError(`${name}: not a gaussmix model (kind ${JSON.stringify(kind)} is not one this gaussmix knows)`);
  }
  try {
    return cls.fromJSON(obj);
  } catch (err) {
    throw new CliError(`${name}: not a valid gaussmix model: ${(err as Error).message}`);
  }
}

/**
 * Reads a model file: what `fit --out` wrote, or the bare JSON of an estimator's `toJSON()`
 * (columns and standardisation then unknown).
 */
export async function loadModel(path: string): Promise<{ estimator: Estimator; columns: string[] | null; standardize: Standardize | null }> {
  let text: string;
  try {
    text = await fs.promises.readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path}: not JSON (${(err as Error).message})`);
  }
  const o = obj as Partial<ModelFile> & { format?: unknown };
  if (o !== null && typeof o === 'object' && o.format === 'gaussmix-cli') {
    if (o.version !== 1) throw new CliError(`${path}: unsupported gaussmix-cli version ${JSON.stringify(o.version)}`);
    const columns = Array.isArray(o.columns) ? o.columns.map(String) : null;
    const s = o.standardize;
    const standardize =
      s && Array.isArray(s.mean) && Array.isArray(s.std) ? { mean: s.mean.map(Number), std: s.std.map(Number) } : null;
    return { estimator: fromJSON(o.model, path), columns, standardize };
  }
  return { estimator: fromJSON(obj, path), columns: null, standardize: null };
}

// ----------------------------------------------------------------------------------- data prep

/** The mean and standard deviation of each column (a constant column gets std 1). */
export function standardization(data: Float64Array, rows: number, d: number): Standardize {
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (data[r * d + j] as number) / rows;
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) std[j] = (std[j] as number) + ((data[r * d + j] as number) - (mean[j] as number)) ** 2 / rows;
  return { mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

/** (x − mean) / std in place. */
export function applyStandardization(data: Float64Array, d: number, s: Standardize): void {
  for (let i = 0; i < data.length; i++) {
    const j = i % d;
    data[i] = ((data[i] as number) - (s.mean[j] as number)) / (s.std[j] as number);
  }
}
