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

/** The number of packed fields (kmeans_entries.cc kPackedCentroidOptions). */
const PACKED_FIELDS = 8;

/** What a packer carries; anything else (an array, a test-only switch) keeps the object. */
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
  const packed = new Float64Array(PACKED_FIELDS);
  packed[0] = o.nClusters;
  packed[1] = o.tol;
  packed[2] = o.maxIter;
  packed[3] = o.nInit;
  packed[4] = o.seed;
  packed[5] = o.threads;
  packed[6] = init;
  packed[7] = 'stiffness' in o ? o.stiffness : NaN;
  return packed;
}
