/**
 * The native Lloyd loop of the drop-in entry points (native/core/compat_lloyd.h): the rules of
 * skmeans 0.11 or ml-kmeans 7, run synchronously (threads join only large fits).
 * @module
 */
import { native, type NativeAddon } from '../native.js';
import type { Rows } from './rows.js';

interface CompatAddon {
  /** Returns 2·steps + (converged ? 1 : 0); centres and labels are written in place. */
  compatLloyd(
    X: Float64Array,
    n: number,
    d: number,
    centers: Float64Array,
    labels: Int32Array,
    rules: number,
    tolerance: number,
    maxSteps: number,
    threads: number,
  ): number;
}

/** Bits of the rules argument (native/binding/compat_entries.cc). */
export const Rule = {
  /** dist <= min: a tie goes to the later centre (skmeans); else dist < min (ml-kmeans). */
  laterWins: 1,
  /** |x − c| on 1-D data (skmeans). */
  absolute: 2,
  /** an empty cluster's centre (and a NaN or zero mean) becomes 0 (skmeans); else it is kept. */
  emptyToZero: 4,
  /** converged when no coordinate changed (skmeans); else when every squared move <= tolerance. */
  stopUnchanged: 8,
} as const;

/** Steps without a bound (2^53 − 1). */
export const UNBOUNDED_STEPS = Number.MAX_SAFE_INTEGER;
// The process-wide thread cap decides; small fits never start a thread (see compat_lloyd.cc).
const ANY_THREADS = 1024;

// Labels of every call, reused (calls are synchronous and copy the labels out), and the last
// view of them (fits of one size in a row reuse it).
let labelScratch = new Int32Array(1 << 12);
let labelView = labelScratch.subarray(0, 0);

export interface LloydOutcome {
  /** valid until the next call */
  labels: Int32Array;
  steps: number;
  converged: boolean;
}

/**
 * Runs Lloyd steps from `centres` (K·D, updated in place) until converged or `maxSteps` steps
 * ended unconverged.
 */
export function lloyd(rows: Rows, centres: Float64Array, rules: number, tolerance: number, maxSteps: number): LloydOutcome {
  if (labelView.length !== rows.n) {
    if (labelScratch.length < rows.n) labelScratch = new Int32Array(Math.max(rows.n, 2 * labelScratch.length));
    labelView = labelScratch.subarray(0, rows.n);
  }
  const labels = labelView;
  const code = (native() as NativeAddon & CompatAddon).compatLloyd(
    rows.x,
    rows.n,
    rows.d,
    centres,
    labels,
    rules,
    tolerance,
    maxSteps,
    ANY_THREADS,
  );
  return { labels, steps: Math.floor(code / 2), converged: code % 2 === 1 };
}
