/**
 * Known mixtures as models: a GaussianMixture started from the true parameters and run for zero
 * iterations holds exactly them, so that the library draws from them (`sample`) and evaluates
 * their densities (`scoreSamples`, `predictProba`) for the demo and its figures.
 */
import { GaussianMixture, type CovarianceType } from 'gaussmix';

/** True parameters: weights, means (K rows of D) and covariances in the layout of `type`. */
export interface KnownMixture {
  type: CovarianceType;
  weights: number[];
  means: number[][];
  covariances: number[] | number[][] | number[][][];
}

/** The model that holds exactly the given parameters. */
export function modelOf(m: KnownMixture): GaussianMixture {
  const gm = new GaussianMixture({
    nComponents: m.weights.length,
    covarianceType: m.type,
    maxIter: 0,
    weightsInit: m.weights,
    meansInit: m.means,
    covariancesInit: m.covariances,
  });
  return gm.fitSync(m.means);
}
