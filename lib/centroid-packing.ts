/**
 * A K-means family fit's options in the form the binding reads fastest: when they hold no array
 * (no starting centres or sample weights) and nothing but what the binding packs, their numbers
 * go packed into one Float64Array, read at once instead of property by property. The field order
 * is the binding's (native/binding/kmeans_entries.cc packedCentroidRequest).
 *
 * @module
 */
import type { NativeKMeansOptions, NativeSoftKMeansOptions } from './native.js';

/** The inits by code (kmeans_entries.cc kPackedInits: the same order). */
const CENTROID_INITS: readonly string[] = ['k-means++', 'random'];

/**
 * The fields packed, in their order (kmeans_entries.cc packedCentroidRequest); an option outside
 * them (an array, a test-only switch) keeps the object.
 */
const PACKED_KEYS = new Set(['nClusters', 'tol', 'maxIter', 'nInit', 'seed', 'threads', 'init', 'stiffness']);

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
  return Float64Array.of(o.nClusters, o.tol, o.maxIter, o.nInit, o.seed, o.threads, init, 'stiffness' in o ? o.stiffness : NaN);
}
