/**
 * A K-means family fit's options in the form the binding reads fastest: when they hold no array
 * (no starting centres or sample weights) and nothing but what the binding packs, their numbers
 * go packed into one Float64Array, read at once instead of property by property. The field order
 * is the binding's (native/binding/kmeans_entries.cc packedCentroidRequest). A KMeans fit's
 * result comes back as one buffer cut here into views (kmeans_entries.cc kmeansFitToJs).
 *
 * @module
 */
import type { Labels, NativeKMeansFit, NativeKMeansOptions, NativeSoftKMeansOptions } from './native.js';

/** The inits by code (kmeans_entries.cc kPackedInits: the same order). */
const CENTROID_INITS: readonly string[] = ['k-means++', 'random'];

/**
 * The fields packed, in their order (kmeans_entries.cc packedCentroidRequest); an option outside
 * them (an array, a test-only switch) keeps the object.
 */
const PACKED_KEYS = new Set(['nClusters', 'tol', 'maxIter', 'nInit', 'seed', 'threads', 'init', 'stiffness']);

/**
 * The one buffer every packing fills: the binding copies the numbers out before the call returns
 * (sync and async fits alike), so it can be reused. A new typed array per fit would cost a
 * backing store that V8 frees on a background thread, where it contends with the fit's own
 * allocations for malloc's lock: 1.9 µs of a 15 µs small KMeans fit.
 */
const PACKED = new Float64Array(PACKED_KEYS.size);

/**
 * The options packed, or as they are when they hold anything the packing does not carry (the
 * binding then reads them, and names what is wrong).
 */
export function packCentroidOptions<O extends NativeKMeansOptions | NativeSoftKMeansOptions>(o: O): O | Float64Array {
  for (const key in o) {
    if (!PACKED_KEYS.has(key) && (o as unknown as Record<string, unknown>)[key] !== undefined) return o;
  }
  const init = CENTROID_INITS.indexOf(o.init);
  if (init < 0) return o;
  // (Stiffness: NaN for KMeans.)
  PACKED[0] = o.nClusters;
  PACKED[1] = o.tol;
  PACKED[2] = o.maxIter;
  PACKED[3] = o.nInit;
  PACKED[4] = o.seed;
  PACKED[5] = o.threads;
  PACKED[6] = init;
  PACKED[7] = 'stiffness' in o ? o.stiffness : NaN;
  return PACKED;
}

/** The header of a compact KMeans fit: K, K·D, inertia, nIter, converged, label width (bytes). */
const FIT_HEADER = 6;

/**
 * A KMeans fit as the binding returns it, a Float64Array [header, centres, cluster weights]
 * followed on its buffer by the n labels, cut into the views of a NativeKMeansFit.
 */
export function unpackKMeansFit(n: number, fit: Float64Array): NativeKMeansFit {
  const k = fit[0] as number;
  const kd = fit[1] as number;
  const width = fit[5] as number;
  const at = fit.byteOffset + fit.byteLength;
  const labels: Labels =
    width === 1 ? new Uint8Array(fit.buffer, at, n) : width === 2 ? new Uint16Array(fit.buffer, at, n) : new Int32Array(fit.buffer, at, n);
  return {
    clusterCenters: fit.subarray(FIT_HEADER, FIT_HEADER + kd),
    clusterWeights: fit.subarray(FIT_HEADER + kd, FIT_HEADER + kd + k),
    labels,
    inertia: fit[2] as number,
    nIter: fit[3] as number,
    converged: fit[4] === 1,
  };
}
