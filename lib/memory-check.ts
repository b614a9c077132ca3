/**
 * The memory a fit certainly needs, checked before any work: a model whose parameter arrays
 * alone exceed the machine's memory (a full covariance per component is D² values, so K·D² grows
 * fast: 50 components of 20,000 features are 160 GB of covariances) is refused at once, with
 * the out-of-memory error the native allocation would have raised only after the start and the
 * first E-step had run.
 *
 * The counts are lower bounds: only arrays the native fit (native/core) always allocates and
 * holds at the same moment are counted, so a fit that would have succeeded is never refused.
 *
 * @module
 */
import { totalmem } from 'node:os';

import { covarianceShape, covarianceTypeDescriptor, type CovarianceType } from './covariance-types.js';
import { ErrorCode } from './errors.js';

/**
 * One array (or group of arrays) a fit holds. Its description is built only when read: every
 * fit measures its need, but only a refusal's message reads the text (building it was about a
 * third of the measure, ~1% of a small fit's time).
 */
export interface MemoryPart {
  /** What it is, for the message, e.g. `'covariances and precisionsCholesky (2 × K·D²)'`. */
  readonly what: string;
  readonly bytes: number;
}

/** What a fit certainly holds at its most demanding moment (its strings built when read). */
export interface MemoryNeed {
  /** The model, for the message: e.g. `"50 components of 20000 features, covarianceType 'full'"`. */
  readonly model: string;
  /** The arrays held at once (their sum is {@link MemoryNeed.bytes}). */
  readonly parts: readonly MemoryPart[];
  readonly bytes: number;
  /** What to do about it, for the message. */
  readonly advice: string;
}

const DOUBLE = 8;

/** A part whose description `describe` builds when it is read. */
class LazyPart implements MemoryPart {
  readonly #describe: () => string;
  constructor(
    readonly bytes: number,
    describe: () => string,
  ) {
    this.#describe = describe;
  }
  get what(): string {
    return this.#describe();
  }
}

/** A need whose model and advice `describe` builds when either is read. */
class LazyNeed implements MemoryNeed {
  readonly #describe: () => { readonly model: string; readonly advice: string };
  constructor(
    readonly parts: readonly MemoryPart[],
    readonly bytes: number,
    describe: () => { readonly model: string; readonly advice: string },
  ) {
    this.#describe = describe;
  }
  get model(): string {
    return this.#describe().model;
  }
  get advice(): string {
    return this.#describe().advice;
  }
}

/**
 * The most demanding of several moments of a fit (each a set of arrays held at once);
 * `describe` gives the model and the advice for the message.
 */
function largest(
  moments: readonly (readonly MemoryPart[])[],
  describe: () => { readonly model: string; readonly advice: string },
): MemoryNeed {
  let parts: readonly MemoryPart[] = [];
  let most = 0;
  for (const moment of moments) {
    const kept = moment.filter((p) => p.bytes > 0);
    const bytes = kept.reduce((a, p) => a + p.bytes, 0);
    if (bytes > most) {
      parts = kept;
      most = bytes;
    }
  }
  return new LazyNeed(parts, most, describe);
}

/**
 * The values of the scatter one E-step's accumulator certainly holds (native/core/scatter.h
 * scatterSize of the type's scatter kind, native/core/covariance.cc), as far as the covariance
 * type's letters tell it: own orientations (full, EEV, VEV, EVV, VVV) accumulate K·D²; shared
 * ones at least D² (tied, EEE: one pooled matrix; VEE, EVE, VVE: K, counted as one); axis-aligned
 * shapes K·D (diag, EEI, VEI, EVI, VVI); spherical shapes K traces (spherical, EII, VII).
 */
function scatterValues(type: CovarianceType, k: number, d: number): number {
  const t = covarianceTypeDescriptor(type);
  if (t.orientation === 'V') return k * d * d;
  if (t.orientation === 'E') return d * d;
  return t.shape === 'I' ? k : k * d;
}

/** What sizes a mixture fit (GaussianMixture, BayesianGaussianMixture) takes. */
export interface MixtureFitSize {
  readonly covarianceType: CovarianceType;
  /** K, the Gaussian components. */
  readonly k: number;
  /** D, the features. */
  readonly d: number;
  /** N, the rows. */
  readonly n: number;
  /** A noise component (one more weight and responsibility column). */
  readonly noise: boolean;
  /**
   * Whether the fit starts from soft responsibilities, which it keeps (N × C) for the whole
   * fit: given ones (responsibilitiesInit) or init 'random'. The other starts are hard (each
   * row in one component: 'kmeans', 'k-means++', 'random-from-data', 'hc'), kept as N labels.
   */
  readonly responsibilities: boolean;
  /** Whether an E-step runs (maxIter >= 1). */
  readonly eStep: boolean;
}

/**
 * The memory a mixture fit certainly needs (native/core/mixture.cc fitMixture, bayesian.cc
 * fitBayesian): the larger of
 * - the parameters (covariances and their Cholesky factors, each in the shape of
 *   `covariances`, the means, the weights) held twice when the result is handed over: the
 *   native ones and their copy in the result's buffer (native/binding/convert.cc);
 * - during the fit: the parameters once, the responsibilities the fit keeps (N × C) and one
 *   thread's E-step accumulator (Σ r, Σ r·x and the scatter; at least one thread runs).
 * Not counted: X, every other thread's accumulator, the exact sums the accumulators merge into,
 * the moments the M-step reads, the density kernel's copy of the factors, a second restart's
 * parameters (each allocated at most in some fits, or not at the same moment as the above).
 */
export function mixtureFitMemory(size: MixtureFitSize): MemoryNeed {
  const { covarianceType: type, k, d, n } = size;
  const c = k + (size.noise ? 1 : 0);
  const covValues = covarianceShape(type, k, d).reduce((a, b) => a * b, 1);
  const layout = covarianceTypeDescriptor(type).layout;
  const covariances = new LazyPart(2 * covValues * DOUBLE, () => {
    const covFormula = { matrices: 'K·D²', matrix: 'D²', diagonals: 'K·D', variances: 'K' }[layout];
    return `covariances and precisionsCholesky (2 × ${covFormula} = 2 × ${covValues} values)`;
  });
  const means = new LazyPart((k * d + c) * DOUBLE, () => `means and weights (K·D + ${c === k ? 'K' : 'K + 1'} = ${k * d + c} values)`);
  const result = new LazyPart(covariances.bytes + means.bytes, () => "the result's copy of those parameters");
  const fit: MemoryPart[] = [covariances, means];
  if (size.responsibilities) fit.push(new LazyPart(n * c * DOUBLE, () => `the responsibilities (N × ${c} = ${n * c} values)`));
  if (size.eStep) {
    const sums = scatterValues(type, k, d) + k * d + c + 3;
    fit.push(new LazyPart(sums * DOUBLE, () => `one thread's E-step sums (${sums} values)`));
  }
  return largest([[covariances, means, result], fit], () => {
    const model = `${k} component${k === 1 ? '' : 's'} of ${d} feature${d === 1 ? '' : 's'} with covarianceType '${type}'`;
    const rows = size.responsibilities ? '; with many rows, fewer rows (the starting responsibilities are N × K)' : '';
    const advice =
      layout === 'matrices' || layout === 'matrix'
        ? "Use fewer components, covarianceType 'diag' or 'spherical' (K·D or K values instead of D² per component), " +
          `or fewer features (e.g. a projection such as PCA)${rows}`
        : `Use fewer components or fewer features${rows}`;
    return { model, advice: `${advice}.` };
  });
}

/** What sizes a centroid fit (KMeans, SoftKMeans, MiniBatchKMeans) takes. */
export interface CentroidFitSize {
  /** K, the clusters. */
  readonly k: number;
  readonly d: number;
  readonly n: number;
  /** Whether the fit labels every row (KMeans; MiniBatchKMeans with computeLabels). */
  readonly labels: boolean;
}

/**
 * The memory a centroid fit certainly needs when its result is handed over: the centres (K·D)
 * natively and in the result's buffer, and with labels the native labels (int32, N) and the
 * result's (1, 2 or 4 bytes a row: native/binding/convert.cc labelBytes).
 */
export function centroidFitMemory(size: CentroidFitSize): MemoryNeed {
  const { k, d, n } = size;
  const parts: MemoryPart[] = [
    new LazyPart(2 * k * d * DOUBLE, () => `the centres, natively and in the result (2 × K·D = 2 × ${k * d} values)`),
  ];
  if (size.labels) {
    const each = k <= 256 ? 1 : k <= 65536 ? 2 : 4;
    parts.push(new LazyPart(n * (4 + each), () => `the labels, natively and in the result (N = ${n} rows)`));
  }
  return largest([parts], () => ({
    model: `${k} cluster${k === 1 ? '' : 's'} of ${d} feature${d === 1 ? '' : 's'}`,
    advice: 'Use fewer clusters, fewer features or fewer rows.',
  }));
}

/** A number of bytes for messages: `'640 GB'`, `'1.5 GB'`, `'12 MB'` (decimal units). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v >= 100 ? Math.round(v) : Number(v.toPrecision(3))} ${units[u]}`;
}

/**
 * Needs up to this many bytes are not checked: every machine Node runs on has this much, and
 * reading the physical memory (libuv parses /proc/meminfo) cost a sixth of a small fit.
 */
const UNCHECKED_BYTES = 2 ** 28;

/**
 * Refuses a fit whose certain memory exceeds the machine's physical memory, with the error a
 * refused native allocation raises (a RangeError, code `ERR_GAUSSMIX_OUT_OF_MEMORY`), so that
 * callers handle both alike. The ceiling is `os.totalmem()`, not `os.freemem()`: free memory
 * moves (the page cache, other processes) and a fit above it may well succeed once the kernel
 * reclaims memory, but no fit can hold more than the machine has.
 * @param what - who refuses, e.g. `'GaussianMixture.fit'`.
 * @param need - the fit's memory; undefined: nothing to check.
 * @param available - the ceiling in bytes (for tests; default the physical memory).
 * @throws RangeError - code `ERR_GAUSSMIX_OUT_OF_MEMORY`, naming the sizes and what to do.
 */
export function checkFitMemory(what: string, need: MemoryNeed | undefined, available?: number): void {
  if (need === undefined || need.bytes <= UNCHECKED_BYTES) return;
  available ??= totalmem();
  if (need.bytes <= available) return;
  const parts = need.parts.map((p) => `${p.what}: ${formatBytes(p.bytes)}`).join('; ');
  const err = new RangeError(
    `${what}: the model does not fit in memory: ${need.model} needs at least ${formatBytes(need.bytes)} ` +
      `(${parts}), but this machine has ${formatBytes(available)} of physical memory. ${need.advice}`,
  );
  throw Object.assign(err, { code: ErrorCode.OUT_OF_MEMORY });
}
