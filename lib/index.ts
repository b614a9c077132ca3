/**
 * gaussmix: Gaussian mixtures (EM) and Gaussian K-means for Node.js, in C++ behind Node-API,
 * with scikit-learn's semantics.
 *
 * @packageDocumentation
 */
export {
  GaussianMixture,
  GaussianKMeans,
  type GaussianKMeansOptions,
  type GaussianMixtureJSON,
  type MixtureStateJSON,
} from './gaussian-mixture.js';
export type { GaussianMixtureOptions, MixtureOptionsJSON } from './mixture-options.js';
export type { ModelJSON } from './json.js';
export type {
  ArrayInput,
  CovarianceType,
  DataInput,
  FitOptions,
  IterationInfo,
  MixtureInit,
  NDArray,
} from './types.js';
export { AbortError, ErrorCode, type ErrorCodeValue, type GaussmixError } from './errors.js';
