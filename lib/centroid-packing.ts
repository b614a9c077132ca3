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
