/**
 * gaussmix: Gaussian mixtures (EM), Gaussian K-means, K-means and soft K-means for Node.js, in
 * C++ behind Node-API, with scikit-learn's semantics.
 *
 * @packageDocumentation
 */
export {
  GaussianMixture,
  GaussianKMeans,
  type Decomposition,
  type GaussianKMeansOptions,
  type GaussianMixtureJSON,
  type MixtureStateJSON,
} from './gaussian-mixture.js';
export type { GaussianMixtureOptions, MixtureOptionsJSON, NoiseOptions, PriorOptions } from './mixture-options.js';
export {
  BayesianGaussianMixture,
  type BayesianGaussianMixtureJSON,
  type BayesianPriors,
  type BayesianStateJSON,
} from './bayesian-gaussian-mixture.js';
export type { BayesianGaussianMixtureOptions, BayesianOptionsJSON } from './bayesian-options.js';
export {
  selectModel,
  selectModelSync,
  type ModelSelection,
  type SelectionRow,
  type SelectModelOptions,
} from './select-model.js';
export {
  MCLUST_MODEL_NAMES,
  SKLEARN_COVARIANCE_TYPES,
  type MclustModelName,
  type SklearnCovarianceType,
} from './covariance-types.js';
export { KMeans, type KMeansJSON, type KMeansOptions, type KMeansStateJSON } from './kmeans.js';
export {
  MiniBatchKMeans,
  type MiniBatchKMeansJSON,
  type MiniBatchKMeansOptions,
  type MiniBatchKMeansOptionsJSON,
  type MiniBatchKMeansStateJSON,
} from './minibatch-kmeans.js';
export {
  SoftKMeans,
  type SoftKMeansJSON,
  type SoftKMeansOptions,
  type SoftKMeansOptionsJSON,
  type SoftKMeansStateJSON,
} from './soft-kmeans.js';
export type { CentroidInit, CentroidOptions, CentroidOptionsJSON } from './centroids.js';
export type { ModelJSON } from './json.js';
export type {
  ArrayInput,
  ArrowTableLike,
  CollapsePolicy,
  CovarianceType,
  DataInput,
  FitOptions,
  IterationInfo,
  MixtureInit,
  NDArray,
  ReseedEvent,
  WeightConcentrationPriorType,
} from './types.js';
export { getMaxThreads, setMaxThreads } from './threads.js';
export {
  BLOCK_ROWS,
  KMeansStatistics,
  MixtureStatistics,
  Statistics,
  type StatisticsFamily,
} from './statistics.js';
export type { StatisticsOptions } from './mixture-estimator.js';
export type { StreamBatch, StreamSource } from './stream.js';
export { DEFAULT_INIT_SAMPLE_ROWS, type StreamFitOptions } from './stream-em.js';
export { AbortError, ErrorCode, type ErrorCodeValue, type GaussmixError } from './errors.js';
export { WarningCode, type GaussmixWarning, type WarningCodeValue, type WarningsOption } from './warnings.js';
