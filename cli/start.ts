/**
 * `fit --init-model FILE`: start from the parameters of a model file (what `fit --out` wrote)
 * instead of the default initialisation, as the estimators' explicit starting values. From the
 * same start, an in-memory and a streamed fit give the same model bit for bit.
 */
import { CliError, UsageError } from './args.js';
import { loadModel, type ModelName } from './models.js';

/** The JSON kind each command-line model name fits. */
const KIND: Record<ModelName, string> = {
  gmm: 'GaussianMixture',
  'gaussian-kmeans': 'GaussianKMeans',
  'soft-kmeans': 'SoftKMeans',
  kmeans: 'KMeans',
};

interface ModelState {
  kind: string;
  options: { covarianceType?: string };
  state: { scaling?: unknown } | null;
}

/** A fitted model's values read through its public getters. */
type Getters = Record<string, { data: Float64Array } | Float64Array | undefined>;

/**
 * The estimator options that start a fit of `model` (K components, the columns `columns`) from
 * the model in `path`, and its covariance type (GaussianMixture).
 * @throws UsageError / CliError - another kind, K or columns; an unfitted or standardised model.
 */
export async function startFrom(
  path: string,
  o: { model: ModelName; k: number; columns: string[]; command: string },
): Promise<{ options: Record<string, unknown>; covariance?: string }> {
  const { estimator, columns } = await loadModel(path);
  const json = estimator.toJSON() as ModelState;
  if (json.kind !== KIND[o.model]) {
    throw new UsageError(`--init-model: ${path} is a ${json.kind}, but --model ${o.model} fits a ${KIND[o.model]}`, o.command);
  }
  if (json.state === null) throw new CliError(`--init-model: ${path} is not fitted`);
  if (json.state.scaling !== undefined) throw new CliError(`--init-model: ${path} standardises its columns; start from a model that does not`);
  if (columns !== null && columns.join('\u0000') !== o.columns.join('\u0000')) {
    throw new CliError(`--init-model: ${path} was fitted to the columns ${columns.join(', ')}, not ${o.columns.join(', ')}`);
  }
  const e = estimator as unknown as Getters;
  const centres = (e.means ?? e.clusterCenters) as { data: Float64Array; shape: number[] };
  const [k, d] = centres.shape as [number, number];
  if (k !== o.k) throw new UsageError(`--init-model: ${path} has ${k} components, not --components ${o.k}`, o.command);
  if (d !== o.columns.length) throw new CliError(`--init-model: ${path} has ${d} columns, the data ${o.columns.length}`);
  const means = { data: centres.data, shape: [k, d] };
  if (json.kind === 'GaussianMixture' || json.kind === 'GaussianKMeans') {
    const covariances = e.covariances as { data: Float64Array; shape: number[] };
    return {
      options: { weightsInit: e.weights, meansInit: means, covariancesInit: covariances },
      covariance: json.options.covarianceType,
    };
  }
  return { options: { init: means } };
}
