/**
 * Nested-array input of the drop-in entry points, read once into one row-major Float64Array
 * (the native loop's input): arrays of rows (plain arrays or typed arrays) and arrays of
 * numbers (one feature).
 * @module
 */
import { describe, invalidType, invalidValue } from '../errors.js';
import { findNonFinite } from '../input.js';

/**
 * A buffer reused by every call (the calls are synchronous and copy their results out), so a
 * small fit does not pay for a fresh ArrayBuffer each time; views of it never leave the module
 * that called. Returns a function giving a view of n values, valid until its next call; the
 * last view is kept, so fits of one size in a row reuse it (a view is an allocation).
 */
function scratchViews(initial: number): (n: number) => Float64Array {
  let scratch = new Float64Array(initial);
  let view = scratch.subarray(0, 0);
  return (n) => {
    if (view.length === n) return view;
    if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
    view = scratch.subarray(0, n);
    return view;
  };
}

/** The rows (readRows, readValues). */
const scratchView = scratchViews(1 << 12);
/** The centres (readCentres), apart from the rows they are fitted to. */
const centreScratchView = scratchViews(64);

/** N rows of D values, row-major. */
export interface Rows {
  x: Float64Array;
  n: number;
  d: number;
}

function checkFinite(x: Float64Array, d: number, name: string): void {
  const bad = findNonFinite(x);
  if (bad < 0) return;
  const where = d === 1 ? `${name}[${bad}]` : `${name}[${Math.floor(bad / d)}][${bad % d}]`;
  throw invalidValue(`Expected a finite number for ${where} but received ${describe(x[bad])}`);
}

/** copyPairs's answers. */
const Pairs = {
  /** not all rows are pairs: the general loop reads and reports them */
  notPairs: 0,
  /** copied, all finite */
  finite: 1,
  /** copied, some value not finite (checkFinite names it) */
  notFinite: 2,
} as const;
type PairsAnswer = (typeof Pairs)[keyof typeof Pairs];

/**
 * Rows of two values (the common case: points in the plane) copied into x without the general
 * loop over features (a third faster), checked finite on the way (v·0 is 0 for a finite v, NaN
 * otherwise: one pass instead of a second one over x).
 */
function copyPairs(rows: ArrayLike<number>[], x: Float64Array): PairsAnswer {
  const n = rows.length;
  let check0 = 0;
  let check1 = 0;
  for (let r = 0, o = 0; r < n; r++, o += 2) {
    const row = rows[r] as ArrayLike<number>;
    if (typeof row !== 'object' || row === null || row.length !== 2) return Pairs.notPairs;
    const u = row[0] as number;
    const v = row[1] as number;
    x[o] = u;
    x[o + 1] = v;
    check0 += u * 0;
    check1 += v * 0;
  }
  return check0 + check1 === 0 ? Pairs.finite : Pairs.notFinite;
}

/**
 * Reads rows of equal length into the shared scratch buffer (valid until the next read).
 * @param data - an array of rows, each an array or typed array of numbers.
 * @param name - the argument's name in messages.
 * @throws TypeError - data or a row is not an array.
 * @throws RangeError - no rows, empty or ragged rows, or a value that is not a finite number.
 */
export function readRows(data: unknown, name: string): Rows {
  if (!Array.isArray(data)) throw invalidType(`Expected ${name} to be an array of rows but received ${describe(data)}`);
  const rows = data as ArrayLike<number>[];
  const n = rows.length;
  if (n === 0) throw invalidValue(`${name} has no rows`);
  const first = rows[0];
  if (first === null || typeof first !== 'object') {
    throw invalidType(`Expected ${name}[0] to be an array of numbers but received ${describe(first)}`);
  }
  const d = first.length;
  if (!(d > 0)) throw invalidValue(`${name}[0] is empty: rows need at least one value`);
  const x = scratchView(n * d);
  if (d === 2) {
    const pairs = copyPairs(rows, x);
    if (pairs === Pairs.notFinite) checkFinite(x, d, name);
    if (pairs !== Pairs.notPairs) return { x, n, d };
  }
  let o = 0;
  for (let r = 0; r < n; r++) {
    const row = rows[r] as ArrayLike<number>;
    if (row === null || typeof row !== 'object') {
      throw invalidType(`Expected ${name}[${r}] to be an array of numbers but received ${describe(row)}`);
    }
    if (row.length !== d) {
      throw invalidValue(`${name}[${r}] has ${row.length} values, expected ${d} (the length of ${name}[0])`);
    }
    // Non-numbers become NaN here and are reported by checkFinite.
    for (let c = 0; c < d; c++) x[o++] = row[c] as number;
  }
  checkFinite(x, d, name);
  return { x, n, d };
}

/**
 * Reads an array of numbers as N rows of one value.
 * @throws RangeError - empty, or a value that is not a finite number.
 */
export function readValues(data: ArrayLike<unknown>, name: string): Rows {
  const n = data.length;
  if (n === 0) throw invalidValue(`${name} has no values`);
  const x = scratchView(n);
  for (let i = 0; i < n; i++) x[i] = data[i] as number;
  checkFinite(x, 1, name);
  return { x, n, d: 1 };
}

/**
 * K centres as a K·D Float64Array, in a shared scratch buffer (valid until the next call: a
 * small fit does not pay for a fresh typed array).
 * @throws RangeError - fewer than k centres, or a centre whose length is not d.
 */
export function readCentres(centres: ArrayLike<unknown>, k: number, d: number, name: string): Float64Array {
  if (centres.length < k) throw invalidValue(`${name} has ${centres.length} centres, expected ${k}`);
  const out = centreScratchView(k * d);
  for (let c = 0; c < k; c++) {
    const centre = centres[c];
    if (d === 1 && typeof centre === 'number') {
      out[c] = centre;
      continue;
    }
    if (centre === null || typeof centre !== 'object' || (centre as ArrayLike<number>).length !== d) {
      throw invalidValue(`Expected ${name}[${c}] to be ${d === 1 ? 'a number' : `an array of ${d} numbers`} but received ${describe(centre)}`);
    }
    for (let j = 0; j < d; j++) out[c * d + j] = (centre as ArrayLike<number>)[j] as number;
  }
  checkFinite(out, d, name);
  return out;
}

/** Labels as the plain array the original packages return. */
export function labelArray(labels: Int32Array): number[] {
  const n = labels.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = labels[i] as number;
  return out;
}

/** Row-major K·D centres as K plain arrays. */
export function centreArrays(centres: Float64Array, k: number, d: number): number[][] {
  const out = new Array<number[]>(k);
  for (let c = 0; c < k; c++) {
    const row = new Array<number>(d);
    for (let j = 0; j < d; j++) row[j] = centres[c * d + j] as number;
    out[c] = row;
  }
  return out;
}
