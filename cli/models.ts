/**
 * The estimators behind the commands, seen through one small interface: build one from
 * command-line options, fit it, read what a picture or a summary needs, and save or load it
 * together with what the command line added (the column names).
 */
import * as fs from 'node:fs';

import {
  BayesianGaussianMixture,
  GaussianKMeans,
  GaussianMixture,
  KMeans,
  MCLUST_MODEL_NAMES,
  SoftKMeans,
  type CovarianceType,
  type FitOptions,
  type NDArray,
} from 'gaussmix';

import { CliError, UsageError } from './args.js';

export const MODELS = ['gmm', 'gaussian-kmeans', 'soft-kmeans', 'kmeans'] as const;
export type ModelName = (typeof MODELS)[number];
export const COVARIANCES = ['full', 'tied', 'diag', 'spherical'] as const;
/** The weight priors of `--bayesian` (`--prior`), by their scikit-learn names. */
export const PRIORS = { dp: 'dirichlet_process', dirichlet: 'dirichlet_distribution' } as const;
export type PriorName = keyof typeof PRIORS;
/** A component a Bayesian fit keeps in use: its weight is at least this. */
export const EFFECTIVE_WEIGHT = 0.01;

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
  BayesianGaussianMixture: BayesianGaussianMixture as unknown as EstimatorClass,
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
  /** Standardise the columns inside the model (the estimators' `standardize` option). */
  standardize?: boolean | undefined;
  /** Explicit starting values (estimator options; see start.ts). */
  start?: Record<string, unknown> | undefined;
  /** With model 'gmm': variational inference (BayesianGaussianMixture) with this weight prior. */
  bayesian?: PriorName | undefined;
}

/** A new, unfitted estimator for the options. */
export function build(o: BuildOptions): Estimator {
  const cls = (o.bayesian ? CLASSES.BayesianGaussianMixture : CLASSES[CLASS_OF[o.model]]) as EstimatorClass;
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
    standardize: o.standardize || undefined,
    ...o.start,
    weightConcentrationPriorType: o.bayesian ? PRIORS[o.bayesian] : undefined,
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
  const json = estimator.toJSON() as { kind: string; options: Record<string, unknown>; state: { scaling?: { scale: number[] } } | null };
  const kind = json.kind;
  // A standardising model reports spherical variances in standardised units: σ² in feature i
  // is σ²·scale_i² in the data's units (the spread becomes diagonal).
  const scale = json.state?.scaling?.scale;
  const sphere = (v: number, i: number): number => (scale ? v * (scale[i] as number) ** 2 : v);
  const e = estimator as unknown as Record<string, unknown>;
  if (kind === 'GaussianMixture' || kind === 'GaussianKMeans' || kind === 'BayesianGaussianMixture') {
    const m = estimator as MixtureLike;
    const means = m.means;
    const [k, d] = means.shape as [number, number];
    // mclust's names (a model file of the library's JSON) store every component's matrix, as full.
    const type = m.covarianceType;
    const layout = (MCLUST_MODEL_NAMES as readonly string[]).includes(type) ? 'full' : type;
    const cov = m.covariances.data;
    const at = (c: number, i: number, j: number): number => {
      switch (layout) {
        case 'full':
          return cov[c * d * d + i * d + j] as number;
        case 'tied':
          return cov[i * d + j] as number;
        case 'diag':
          return i === j ? (cov[c * d + i] as number) : 0;
        default:
          return i === j ? sphere(cov[c] as number, i) : 0;
      }
    };
    return {
      estimator,
      kind,
      label:
        kind === 'GaussianKMeans'
          ? 'Gaussian K-means'
          : kind === 'BayesianGaussianMixture'
            ? `Bayesian GMM ${type} (${json.options.weightConcentrationPriorType === 'dirichlet_process' ? 'Dirichlet process' : 'Dirichlet'} prior)`
            : `GMM ${type}`,
      k,
      d,
      centres: means.data,
      weights: m.weights,
      soft: true,
      covariance2: (c, i, j) => [at(c, i, i), at(c, i, j), at(c, j, j)],
      spread: (c) => {
        const values: number[] = [];
        if (layout === 'full' || layout === 'tied') for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) values.push(at(c, i, j));
        else if (layout === 'diag' || scale) for (let i = 0; i < d; i++) values.push(at(c, i, i));
        else values.push(at(c, 0, 0));
        return { type: layout === 'spherical' && scale ? 'diag' : layout, values };
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
      covariance2: (_, i, j) => [sphere(v, i), 0, sphere(v, j)],
      spread: () => (scale ? { type: 'diag', values: Array.from({ length: d }, (_, i) => sphere(v, i)) } : { type: 'spherical', values: [v] }),
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

/**
 * A legacy model file (format 'gaussmix-cli', written before the estimators could standardise
 * themselves): the per-column standardisation the command line applied before fitting.
 */
export interface Standardize {
  mean: number[];
  std: number[];
}

/**
 * What `fit --out` writes: the estimator's own JSON (`Class.fromJSON` reads the file as it is)
 * with the data's column names in `metadata.columns`.
 */
export function modelFile(estimator: Estimator, columns: string[]): unknown {
  return { ...(estimator.toJSON() as object), metadata: { columns } };
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
 * Reads a model file: what `fit --out` writes (an estimator's JSON, its columns in
 * `metadata.columns`), the bare JSON of any estimator's `toJSON()` (columns then unknown), or
 * a legacy 'gaussmix-cli' file (its standardisation returned, to be applied to the data).
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
  const o = (obj ?? {}) as { format?: unknown; version?: unknown; columns?: unknown; standardize?: Partial<Standardize> | null; model?: unknown; metadata?: { columns?: unknown } };
  if (o.format === 'gaussmix-cli') {
    if (o.version !== 1) throw new CliError(`${path}: unsupported gaussmix-cli version ${JSON.stringify(o.version)}`);
    const s = o.standardize;
    const standardize =
      s && Array.isArray(s.mean) && Array.isArray(s.std) ? { mean: s.mean.map(Number), std: s.std.map(Number) } : null;
    return { estimator: fromJSON(o.model, path), columns: columnNames(o.columns), standardize };
  }
  return { estimator: fromJSON(obj, path), columns: columnNames(o.metadata?.columns), standardize: null };
}

/** Column names kept in a model file, or null when there are none. */
function columnNames(value: unknown): string[] | null {
  return Array.isArray(value) ? value.map(String) : null;
}

// ----------------------------------------------------------------------------------- data prep

/** (x − mean) / std in place: the standardisation of a legacy model file. */
export function applyStandardization(data: Float64Array, d: number, s: Standardize): void {
  for (let i = 0; i < data.length; i++) {
    const j = i % d;
    data[i] = ((data[i] as number) - (s.mean[j] as number)) / (s.std[j] as number);
  }
}
