/**
 * Option validation shared by every estimator: one validator per kind of option, each with the
 * same message pattern, `Expected <what> for <name> but received <value>`.
 *
 * The error class follows Node's own argument checks:
 * - a value of the wrong JavaScript type (a string for a count, a number for a boolean, ...)
 *   is a `TypeError`;
 * - a value of the right type that is not allowed (a non-integer count, a value out of range,
 *   NaN, an unknown enum member, an unknown option name) is a `RangeError`.
 *
 * Both carry code `ERR_GAUSSMIX_INVALID_ARGUMENT`.
 *
 * @module
 */
import * as os from 'node:os';
import { describe, invalidType, invalidValue } from './errors.js';
import type { FitOptions, IterationInfo } from './types.js';

/** The largest count the native side takes (a C++ `int`). */
export const MAX_COUNT = 2 ** 31 - 1;
/** The largest thread count accepted (a guard against creating absurd numbers of threads). */
export const MAX_THREADS = 1024;
/** Seeds are integers in [0, 2^53). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/**
 * Checks that `value` is an options object (a non-null, non-array object) and that it has no
 * property outside `known`.
 * @param what - who takes the options, for messages, e.g. `'GaussianMixture options'`.
 * @throws TypeError - not an object.
 * @throws RangeError - an unknown property, listing the known names.
 */
export function readOptionsObject(
  value: unknown,
  what: string,
  known: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidType(`Expected an object for ${what} but received ${describe(value)}`);
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw invalidValue(
        `Unknown option '${key}' in ${what}; the known options are ${known.join(', ')}`,
      );
    }
  }
  return obj;
}

/**
 * An integer in [min, max].
 * @throws TypeError - not a number.
 * @throws RangeError - NaN, infinite, non-integer, or out of range.
 */
export function integerOption(value: unknown, name: string, min: number, max = MAX_COUNT): number {
  const what =
    max === MAX_COUNT || max === MAX_SEED
      ? `an integer >= ${min}`
      : `an integer between ${min} and ${max}`;
  if (typeof value !== 'number') {
    throw invalidType(`Expected ${what} for ${name} but received ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    // Past the implicit cap (a count's 2^31 − 1, a seed's 2^53 − 1) the message names it.
    const range = value > max ? `an integer between ${min} and ${max}` : what;
    throw invalidValue(`Expected ${range} for ${name} but received ${describe(value)}`);
  }
  return value;
}

/**
 * A finite number >= min (or > min when `exclusive`).
 * @throws TypeError - not a number.
 * @throws RangeError - NaN, infinite, or below the bound.
 */
export function numberOption(value: unknown, name: string, min: number, exclusive = false): number {
  const what = `a finite number ${exclusive ? '>' : '>='} ${min}`;
  if (typeof value !== 'number') {
    throw invalidType(`Expected ${what} for ${name} but received ${describe(value)}`);
  }
  if (!Number.isFinite(value) || (exclusive ? value <= min : value < min)) {
    throw invalidValue(`Expected ${what} for ${name} but received ${describe(value)}`);
  }
  return value;
}

/**
 * A boolean.
 * @throws TypeError - anything else.
 */
export function booleanOption(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') {
    throw invalidType(`Expected a boolean for ${name} but received ${describe(value)}`);
  }
  return value;
}

/**
 * One of the given strings.
 * @throws TypeError - not a string.
 * @throws RangeError - a string not among `allowed`.
 */
export function enumOption<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  const what = `one of ${allowed.map((a) => `'${a}'`).join(', ')}`;
  if (typeof value !== 'string') {
    throw invalidType(`Expected ${what} for ${name} but received ${describe(value)}`);
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidValue(`Expected ${what} for ${name} but received ${describe(value)}`);
  }
  return value as T;
}

/**
 * A seed: an integer in [0, 2^53).
 * @throws TypeError - not a number.
 * @throws RangeError - negative, non-integer or >= 2^53.
 */
export function seedOption(value: unknown, name = 'seed'): number {
  return integerOption(value, name, 0, MAX_SEED);
}

/**
 * A thread count: an integer in [0, {@link MAX_THREADS}]; 0 lets the work's size choose (see {@link resolveThreads}).
 * @throws TypeError - not a number.
 * @throws RangeError - negative, non-integer or too large.
 */
export function threadsOption(value: unknown, name = 'threads'): number {
  return integerOption(value, name, 0, MAX_THREADS);
}

/**
 * The work a thread must have before another one joins in, in row·component·feature units
 * (N·K·D): a pass over 2^15 of them takes some tens of microseconds, the cost of handing work
 * to another thread and folding its partial sums.
 */
export const WORK_PER_THREAD = 2 ** 15;

/** The cores this process may use (at least 1, at most {@link MAX_THREADS}). */
function availableCores(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(n, MAX_THREADS));
}

/**
 * The number of threads to use: `threads` when it is given (> 0); when it is 0 (absent), one
 * thread per {@link WORK_PER_THREAD} of the work's size N·K·D, at least 1 and at most the
 * cores this process may use. (Results never depend on it: the engine folds fixed row blocks
 * in a fixed order.)
 * @param work - N·K·D of the call; absent: as large as it gets (every core).
 */
export function resolveThreads(threads: number, work = Infinity): number {
  if (threads > 0) return threads;
  const wanted = Math.ceil(work / WORK_PER_THREAD);
  // One thread needs no look at the cores (a system call: 3% of a small fit).
  if (wanted <= 1) return 1;
  return Math.min(availableCores(), wanted);
}

/**
 * A fresh random seed in [0, 2^53) for a fit without a `seed` (as scikit-learn's
 * `random_state=None`: every fit differs). From Math.random (seeded by V8 from the operating
 * system): a seed needs no cryptographic strength, and the crypto generator cost 3% of a small fit.
 */
export function randomSeed(): number {
  // 21 high bits and 32 low bits: an integer below 2^53.
  return Math.floor(Math.random() * 2 ** 21) * 2 ** 32 + Math.floor(Math.random() * 2 ** 32);
}

/**
 * A function.
 * @throws TypeError - anything else.
 */
export function functionOption<F extends (...args: never[]) => unknown>(value: unknown, name: string): F {
  if (typeof value !== 'function') {
    throw invalidType(`Expected a function for ${name} but received ${describe(value)}`);
  }
  return value as F;
}

/**
 * An AbortSignal (checked as Node checks it: an object with an `aborted` property and
 * `addEventListener`).
 * @throws TypeError - anything else.
 */
export function signalOption(value: unknown, name = 'signal'): AbortSignal {
  if (
    typeof value !== 'object' ||
    value === null ||
    !('aborted' in value) ||
    typeof (value as { addEventListener?: unknown }).addEventListener !== 'function'
  ) {
    throw invalidType(`Expected an AbortSignal for ${name} but received ${describe(value)}`);
  }
  return value as AbortSignal;
}

/** The names FitOptions may have. */
export const FIT_OPTION_NAMES = ['sampleWeight', 'signal', 'onIteration'] as const;

/** FitOptions after the checks that do not need X (sampleWeight's length is checked later). */
export interface CheckedFitOptions {
  /** Still the user's array: {@link readSampleWeight} checks and copies it once N is known. */
  readonly sampleWeight: ArrayLike<number> | undefined;
  /** The signal, if any. */
  readonly signal: AbortSignal | undefined;
  /** The callback, if any. */
  readonly onIteration: ((info: IterationInfo) => unknown) | undefined;
}

/**
 * Checks the per-call options of `fit`/`fitSync` (undefined means none). An option whose value
 * is `undefined` counts as absent.
 * @param what - e.g. `'GaussianMixture.fit options'`.
 * @throws TypeError - not an object, or an option of the wrong type.
 * @throws RangeError - an unknown option name.
 */
export function readFitOptions(value: unknown, what: string): CheckedFitOptions {
  if (value === undefined) {
    return { sampleWeight: undefined, signal: undefined, onIteration: undefined };
  }
  const o = readOptionsObject(value, what, FIT_OPTION_NAMES) as FitOptions;
  const sw = o.sampleWeight;
  if (sw !== undefined && (typeof sw !== 'object' || sw === null || typeof sw.length !== 'number')) {
    throw invalidType(`Expected an array of numbers for sampleWeight but received ${describe(sw)}`);
  }
  return {
    sampleWeight: sw,
    signal: o.signal === undefined ? undefined : signalOption(o.signal),
    onIteration:
      o.onIteration === undefined
        ? undefined
        : functionOption<(info: IterationInfo) => unknown>(o.onIteration, 'onIteration'),
  };
}

/**
 * A copy of the sample weights as they are at the call, for {@link readSampleWeight} to check
 * later (a fit checks X and K <= N first): their elements, unchecked, when the length is N;
 * otherwise only the length (which readSampleWeight then refuses).
 * @param value - an object with a numeric `length` (readFitOptions checked that much).
 */
export function snapshotSampleWeight(value: ArrayLike<unknown>, n: number): ArrayLike<unknown> {
  if (value.length !== n) return { length: value.length };
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(start: number, end: number): ArrayLike<unknown> }).slice(0, n);
  if (Array.isArray(value)) return value.slice(0, n) as unknown[];
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = value[i];
  return out;
}

/**
 * Checks sample weights against N and copies them: length N, every value a finite number
 * >= 0, not all zero (unless `allZero`: one batch of a stream may weigh nothing), and a finite
 * sum (every fit divides by it: one that overflows would be reported later as overflowing
 * distances or a non-finite objective, blaming the features).
 * @param name - the argument's name in messages.
 * @throws TypeError - not an array, or an element that is not a number.
 * @throws RangeError - wrong length, a negative or non-finite value, all zero, or a sum beyond
 *   the largest float64.
 */
export function readSampleWeight(value: unknown, n: number, name = 'sampleWeight', allZero = false): Float64Array {
  if (typeof value !== 'object' || value === null || typeof (value as ArrayLike<unknown>).length !== 'number') {
    throw invalidType(`Expected an array of numbers for ${name} but received ${describe(value)}`);
  }
  const src = value as ArrayLike<unknown>;
  if (src.length !== n) {
    throw invalidValue(`${name} has length ${src.length}, but X has ${n} samples`);
  }
  const out = new Float64Array(n);
  let anyPositive = false;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = src[i];
    if (typeof v !== 'number') {
      throw invalidType(`Expected a number for ${name}[${i}] but received ${describe(v)}`);
    }
    if (!(v >= 0) || v === Infinity) {
      throw invalidValue(`Expected a finite number >= 0 for ${name}[${i}] but received ${describe(v)}`);
    }
    if (v > 0) anyPositive = true;
    out[i] = v;
    sum += v;
  }
  if (!anyPositive && !allZero) throw allZeroWeight(name);
  if (sum === Infinity) {
    throw invalidValue(
      `${name} sums to more than the largest float64 (about 1.8e308): the fit's weighted sums would overflow; ` +
        `scale the weights down`,
    );
  }
  return out;
}

/**
 * The RangeError for sample weights that are all zero: what every fit raises, whether it reads
 * the weights at once or, streamed, finds them all zero after a pass.
 */
export function allZeroWeight(name = 'sampleWeight'): RangeError {
  return invalidValue(`${name} must not be all zero`);
}
