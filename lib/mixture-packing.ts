/**
 * A mixture fit's options and result in the forms the binding handles fastest. The options,
 * when they hold no array or object (no starting values, prior, noise rows, hc or sample
 * weights: the usual fit), go as their numbers packed into one Float64Array, which the binding
 * reads at once instead of property by property (a sixth of a small fit's native call); the
 * usual result comes back as one Float64Array cut here into views, rather than an object whose
 * properties the binding writes one by one. The layouts are the binding's
 * (native/binding/convert.cc packedMixtureOptions, compactMixtureFitToJs).
 *
 * @module
 */
import type { CovarianceTypeDescriptor } from './covariance-types.js';
import type { MixtureInit, NativeMixtureFit, NativeMixtureOptions } from './native.js';

/** The inits by code (convert.cc kMixtureInits: the same order). */
const MIXTURE_INITS: readonly MixtureInit[] = ['kmeans', 'k-means++', 'random', 'random-from-data', 'hc'];

/** The number of packed fields (convert.h kPackedMixtureOptions). */
const PACKED_FIELDS = 14;

/** An optional number, NaN when absent. */
const orNaN = (v: number | undefined): number => (v === undefined ? NaN : v);

/**
 * A packer of mixture fit options; covariance types are coded by their row in the addon's
 * table. Options it cannot pack (an array or object option, a name it does not know) come back
 * as they are, for the binding to read (and to name what is wrong).
 */
export function mixtureOptionsPacker(
  covarianceTypes: readonly CovarianceTypeDescriptor[],
): (o: NativeMixtureOptions) => NativeMixtureOptions | Float64Array {
  const typeCodes = new Map<string, number>(covarianceTypes.map((t, i) => [t.name, i]));
  // One buffer for every packing (the binding copies the numbers out before the call returns,
  // sync and async): a new one per fit costs a backing store, freed by V8 on a background
  // thread where it contends for malloc's lock (centroid-packing.ts).
  const packed = new Float64Array(PACKED_FIELDS);
  return (o) => {
    if (
      o.weightsInit !== undefined ||
      o.meansInit !== undefined ||
      o.covariancesInit !== undefined ||
      o.precisionsInit !== undefined ||
      o.responsibilitiesInit !== undefined ||
      o.prior !== undefined ||
      o.noiseRows !== undefined ||
      o.hc !== undefined ||
      o.sampleWeight !== undefined
    ) {
      return o;
    }
    const type = typeCodes.get(o.covarianceType);
    const init = MIXTURE_INITS.indexOf(o.init);
    const collapse = o.onCollapse === undefined || o.onCollapse === 'error' ? 0 : o.onCollapse === 'reseed' ? 1 : -1;
    if (type === undefined || init < 0 || collapse < 0) return o;
    packed[0] = o.nComponents;
    packed[1] = type;
    packed[2] = o.tol;
    packed[3] = o.maxIter;
    packed[4] = o.nInit;
    packed[5] = o.seed;
    packed[6] = o.threads;
    packed[7] = o.regCovar;
    packed[8] = init;
    packed[9] = collapse;
    packed[10] = orNaN(o.mStepTol);
    packed[11] = orNaN(o.mStepMaxIter);
    packed[12] = orNaN(o.hypervolume);
    packed[13] = orNaN(o.previousLowerBound);
    return packed;
  };
}

/** The header of a compact fit: K', K·D, S, converged, nIter, lowerBound. */
const FIT_HEADER = 6;

/**
 * A native fit result as the facade takes it: a compact one (a Float64Array) cut into views of
 * its buffer; an object as it is. `options`: those of the fit (its covariance type).
 */
export function unpackMixtureFit(options: NativeMixtureOptions, fit: NativeMixtureFit | Float64Array): NativeMixtureFit {
  if (!(fit instanceof Float64Array)) return fit;
  const k = fit[0] as number;
  const kd = fit[1] as number;
  const size = fit[2] as number;
  let at = FIT_HEADER;
  const weights = fit.subarray(at, (at += k));
  const means = fit.subarray(at, (at += kd));
  const covariances = fit.subarray(at, (at += size));
  const precisionsCholesky = fit.subarray(at, at + size);
  return {
    covarianceType: options.covarianceType,
    weights,
    means,
    covariances,
    precisionsCholesky,
    converged: fit[3] === 1,
    nIter: fit[4] as number,
    lowerBound: fit[5] as number,
  };
}
