/**
 * Data input: turns a {@link DataInput} into one row-major Float64Array with its N and D, and
 * rejects bad data before any work starts.
 *
 * - An NDArray of Float64Array with shape [N, D] is used as is (zero copy; its `byteOffset` is
 *   honoured because the typed array itself is passed on), unless its buffer is resizable: a
 *   buffer shrunk while native code reads it would be read past its end, so it is copied.
 * - An NDArray of Float32Array, a strided scijs view, or an array of rows is copied once.
 *
 * Wrong types are `TypeError`s, wrong values (shape, length, non-finite, sizes) `RangeError`s;
 * all carry code `ERR_GAUSSMIX_INVALID_ARGUMENT` and a message naming the argument.
 *
 * @module
 */
import { isArrowLike, rowsFromArrow } from './arrow.js';
import { describe, invalidType, invalidValue } from './errors.js';
import { native } from './native.js';

/** From this many values on, findNonFinite scans natively (a call costs about a microsecond). */
const NATIVE_SCAN_FROM = 4096;

/** X resolved: `data` is row-major [n, d], every value finite, n >= 1, d >= 1. */
export interface Matrix {
  /** The samples, row-major; may be the caller's own array (zero copy). */
  readonly data: Float64Array;
  /** The number of samples (rows), >= 1. */
  readonly n: number;
  /** The number of features (columns), >= 1. */
  readonly d: number;
}

/** What the caller knows about X beyond its own content. */
export interface MatrixExpectations {
  /** The number of features X must have (that of the fitted model). */
  readonly features?: number;
  /** Who fixed `features`, for the message, e.g. `'this GaussianMixture was fitted'`. */
  readonly featuresOrigin?: string;
  /** X's rows are a batch of a stream starting at this row of the pass (messages name both). */
  readonly rowOffset?: number;
  /**
   * Where a converted copy of X (Arrow columns or nested rows) may be written instead of a new
   * array: a buffer of at least `length` values that the caller reuses once it is done with the
   * returned matrix (a stream's batches, copied into chunks at once).
   */
  readonly scratch?: (length: number) => Float64Array;
}

/**
 * The index of the first non-finite value (NaN, ±Infinity) in `a`, or -1.
 *
 * The common case (all finite) is one branch-free pass: `v * 0` is 0 for a finite v and NaN
 * otherwise, so the sum stays 0 exactly when every value is finite. Only when it is not does a
 * second pass look for the position.
 */
export function findNonFinite(a: ArrayLike<number>): number {
  const len = a.length;
  // Large arrays natively: vectorised, threaded, and fast from the first call (this loop runs
  // unoptimised for a process's first fits, 5 ms for 200,000 values).
  if (len >= NATIVE_SCAN_FROM && a instanceof Float64Array) return native().firstNonFinite(a);
  // Four independent sums: one would be a chain of dependent additions (latency-bound).
  let acc0 = 0;
  let acc1 = 0;
  let acc2 = 0;
  let acc3 = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    acc0 += (a[i] as number) * 0;
    acc1 += (a[i + 1] as number) * 0;
    acc2 += (a[i + 2] as number) * 0;
    acc3 += (a[i + 3] as number) * 0;
  }
  for (; i < len; i++) acc0 += (a[i] as number) * 0;
  if (acc0 + acc1 + acc2 + acc3 === 0) return -1;
  for (let j = 0; j < len; j++) {
    if (!Number.isFinite(a[j])) return j;
  }
  return -1;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** %TypedArray%.prototype.length: a typed array's true length, whatever its own `length` says. */
const typedArrayLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Float64Array.prototype) as object, 'length')!
  .get as (this: ArrayBufferView) => number;

/**
 * Whether a typed array's memory may shrink under native code: its buffer is a resizable
 * ArrayBuffer (a growable SharedArrayBuffer only grows, so it is safe).
 */
export function isResizable(a: ArrayBufferView): boolean {
  return (a.buffer as { resizable?: unknown }).resizable === true;
}

/**
 * `value` as a genuine Float64Array or Float32Array, or undefined. A Proxy is not one
 * (ArrayBuffer.isView is false for it); a subclass instance, or an instance given an own
 * `length`, is seen as a plain array of its true length over the same memory (zero copy), so
 * that a `length` claiming more elements than the memory holds cannot drive a loop over them.
 */
export function genuineFloatArray(value: unknown): Float64Array | Float32Array | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  const Ctor = value instanceof Float64Array ? Float64Array : value instanceof Float32Array ? Float32Array : undefined;
  if (Ctor === undefined) return undefined;
  const a = value as Float64Array | Float32Array;
  const length = typedArrayLength.call(a);
  if (Object.getPrototypeOf(a) === Ctor.prototype && a.length === length) return a;
  return new Ctor(a.buffer as ArrayBuffer, a.byteOffset, length);
}

/** Whether `value` looks like an NDArray: an object with `data` and `shape`. */
export function isNDArrayLike(value: unknown): value is { data: unknown; shape: unknown } {
  return isObject(value) && 'data' in value && 'shape' in value && !Array.isArray(value);
}

/** Whether `value` is an Array or a numeric typed array (not a DataView, not a BigInt array). */
export function isNumericArrayLike(value: unknown): value is ArrayLike<unknown> {
  if (Array.isArray(value)) return true;
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return false;
  return !(value instanceof BigInt64Array || value instanceof BigUint64Array);
}

/**
 * Whether `value` is array-like in the loose sense (has a non-negative integer length), BigInt
 * typed arrays and DataViews excepted (their elements are not numbers).
 */
function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  if (isNumericArrayLike(value)) return true;
  if (!isObject(value) || typeof value === 'function' || ArrayBuffer.isView(value)) return false;
  const len = (value as { length?: unknown }).length;
  return typeof len === 'number' && Number.isSafeInteger(len) && len >= 0;
}

/**
 * Reads an NDArray's `shape`: an array of non-negative safe integers of the given rank.
 * @param rank - required number of dimensions, or undefined for any.
 */
export function readShape(shape: unknown, name: string, rank?: number): number[] {
  if (!isNumericArrayLike(shape)) {
    throw invalidType(`Expected an array of dimensions for ${name}.shape but received ${describe(shape)}`);
  }
  const dims: number[] = [];
  // With a known rank, no more than rank + 1 entries are read (a shape of the wrong rank is an
  // error anyway, and its length may be anything).
  const count = rank === undefined ? shape.length : Math.min(shape.length, rank + 1);
  for (let i = 0; i < count; i++) {
    const v = shape[i];
    if (typeof v !== 'number') {
      throw invalidType(`Expected a number for ${name}.shape[${i}] but received ${describe(v)}`);
    }
    if (!Number.isSafeInteger(v) || v < 0) {
      throw invalidValue(`Expected a non-negative integer for ${name}.shape[${i}] but received ${describe(v)}`);
    }
    dims.push(v);
  }
  if (rank !== undefined && dims.length !== rank) {
    throw invalidValue(
      `Expected ${name}.shape to have ${rank} dimension${rank === 1 ? '' : 's'} but it has ` +
        `${shape.length} ([${dims.join(', ')}${shape.length > dims.length ? ', ...' : ''}])`,
    );
  }
  return dims;
}

/** The message for a non-finite value at a flat index of a row-major [n, d] array. */
export function nonFiniteMessage(name: string, value: number, index: number, d: number, rowOffset: number | undefined): string {
  const row = Math.floor(index / d);
  const col = index - row * d;
  const where = rowOffset === undefined ? `row ${row}` : `row ${row} (row ${rowOffset + row} of the pass)`;
  return `${name} contains a non-finite value (${describe(value)}) at ${where}, column ${col}`;
}

/** Reads X given as an NDArray {data, shape} (with optional scijs stride/offset). */
function matrixFromNDArray(X: { data: unknown; shape: unknown }, name: string, rowOffset?: number): Matrix {
  const src = genuineFloatArray(X.data);
  if (src === undefined) {
    throw invalidType(
      `Expected a Float64Array or a Float32Array for ${name}.data but received ${describe(X.data)}`,
    );
  }
  const [n, d] = readShape(X.shape, name, 2) as [number, number];
  const stride = (X as { stride?: unknown }).stride;
  const offset = (X as { offset?: unknown }).offset;
  let data: Float64Array;
  if (stride === undefined && offset === undefined) {
    if (src.length !== n * d) {
      throw invalidValue(
        `${name}.data has length ${src.length} but ${name}.shape [${n}, ${d}] needs ${n * d}`,
      );
    }
    // A copy also of a resizable buffer's array (see the module's description).
    data = src instanceof Float64Array && !isResizable(src) ? src : new Float64Array(src);
  } else {
    data = gatherStrided(src, n, d, stride, offset, name);
  }
  checkSizes(n, d, name);
  const bad = findNonFinite(data);
  if (bad >= 0) throw invalidValue(nonFiniteMessage(name, data[bad] as number, bad, d, rowOffset));
  return { data, n, d };
}

/** A scijs-style view: zero copy when it is row-major contiguous, otherwise gathered once. */
function gatherStrided(
  src: Float64Array | Float32Array,
  n: number,
  d: number,
  strideIn: unknown,
  offsetIn: unknown,
  name: string,
): Float64Array {
  const stride = strideIn === undefined ? [d, 1] : readStride(strideIn, name);
  let offset = 0;
  if (offsetIn !== undefined) {
    if (typeof offsetIn !== 'number') {
      throw invalidType(`Expected a number for ${name}.offset but received ${describe(offsetIn)}`);
    }
    if (!Number.isSafeInteger(offsetIn) || offsetIn < 0) {
      throw invalidValue(`Expected a non-negative integer for ${name}.offset but received ${describe(offsetIn)}`);
    }
    offset = offsetIn;
  }
  const [s0, s1] = stride as [number, number];
  // A view of distinct elements never has more of them than data; one that has (a stride of 0,
  // or rows that overlap) would make the copy below larger than anything the caller allocated.
  if (n * d > src.length) {
    throw invalidValue(
      `${name} (shape [${n}, ${d}], stride [${s0}, ${s1}]) views ${n * d} elements but ${name}.data has only ` +
        `${src.length}: broadcast or overlapping views are not supported, copy the data first`,
    );
  }
  if (n > 0 && d > 0) {
    // The extreme flat indices the view touches must lie inside data.
    const lo = offset + Math.min(0, s0 * (n - 1)) + Math.min(0, s1 * (d - 1));
    const hi = offset + Math.max(0, s0 * (n - 1)) + Math.max(0, s1 * (d - 1));
    if (lo < 0 || hi >= src.length) {
      throw invalidValue(
        `${name} (shape [${n}, ${d}], stride [${s0}, ${s1}], offset ${offset}) reaches outside ` +
          `${name}.data (length ${src.length})`,
      );
    }
  }
  if (s1 === 1 && (s0 === d || n <= 1) && src instanceof Float64Array) {
    if (isResizable(src)) return src.slice(offset, offset + n * d);
    return offset === 0 && src.length === n * d ? src : src.subarray(offset, offset + n * d);
  }
  const out = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const base = offset + r * s0;
    for (let c = 0; c < d; c++) out[r * d + c] = src[base + c * s1] as number;
  }
  return out;
}

function readStride(stride: unknown, name: string): number[] {
  if (!isNumericArrayLike(stride) || stride.length !== 2) {
    throw invalidType(`Expected an array of 2 integers for ${name}.stride but received ${describe(stride)}`);
  }
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    const v = stride[i];
    if (typeof v !== 'number') {
      throw invalidType(`Expected an integer for ${name}.stride[${i}] but received ${describe(v)}`);
    }
    if (!Number.isSafeInteger(v)) {
      throw invalidValue(`Expected an integer for ${name}.stride[${i}] but received ${describe(v)}`);
    }
    out.push(v);
  }
  return out;
}

function checkSizes(n: number, d: number, name: string): void {
  if (n === 0) throw invalidValue(`${name} has no samples (N = 0): at least one row is needed`);
  if (d === 0) throw invalidValue(`${name} has no features (D = 0): rows must not be empty`);
}

/** The most elements an Array can hold (2^32 − 1). */
const MAX_ARRAY_LENGTH = 2 ** 32 - 1;

/**
 * A row's length: its `length`, which for a typed array must be its true length (one given an
 * own `length` smaller than its memory would otherwise be copied whole, past its row).
 */
function rowLength(row: ArrayLike<unknown>, name: string, r: number): number {
  const len = row.length;
  if (ArrayBuffer.isView(row)) {
    const actual = typedArrayLength.call(row);
    if (actual !== len) {
      throw invalidValue(
        `${name}[${r}] is a ${row.constructor.name} of ${actual} elements whose length property says ${describe(len)}: ` +
          `pass a subarray of the elements the row has instead`,
      );
    }
  }
  return len;
}

/** The copy of X's rows: a RangeError naming X when N·D values cannot be allocated. */
function allocate(n: number, d: number, name: string, scratch?: (length: number) => Float64Array): Float64Array {
  try {
    return scratch ? scratch(n * d) : new Float64Array(n * d);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw invalidValue(`${name} (${n} rows of ${d} values) is too large to copy: ${err.message}`);
  }
}

/** Reads X given as an array of rows. */
function matrixFromRows(
  X: ArrayLike<unknown>,
  name: string,
  rowOffset?: number,
  scratch?: (length: number) => Float64Array,
): Matrix {
  const n = X.length;
  if (n === 0) throw invalidValue(`${name} has no samples (N = 0): at least one row is needed`);
  if (n > MAX_ARRAY_LENGTH) {
    throw invalidValue(
      `${name} has length ${n}: an array of rows holds at most 2^32 - 1 rows; pass {data, shape: [N, D]} instead`,
    );
  }
  const first = X[0];
  if (!isArrayLike(first) || typeof first === 'string') {
    throw invalidType(
      `Expected ${name}[0] to be an array of numbers (a row) but received ${describe(first)}` +
        (typeof first === 'number'
          ? `; for a flat array pass {data, shape: [N, D]} instead`
          : ''),
    );
  }
  const d = rowLength(first, name, 0);
  if (d === 0) throw invalidValue(`${name} has no features (D = 0): rows must not be empty`);
  // Every row is checked before the copy is allocated, so that an array-like whose length
  // claims more rows than it holds is rejected without allocating N·D values for it.
  const rows: ArrayLike<unknown>[] = new Array<ArrayLike<unknown>>(n);
  for (let r = 0; r < n; r++) {
    const row = r === 0 ? first : X[r];
    if (!isArrayLike(row) || typeof row === 'string') {
      throw invalidType(`Expected ${name}[${r}] to be an array of numbers (a row) but received ${describe(row)}`);
    }
    const len = r === 0 ? d : rowLength(row, name, r);
    if (len !== d) {
      throw invalidValue(
        `${name} has ragged rows: ${name}[${r}] has length ${len}, expected ${d} (the length of ${name}[0])`,
      );
    }
    rows[r] = row;
  }
  const data = allocate(n, d, name, scratch);
  for (let r = 0; r < n; r++) {
    const row = rows[r] as ArrayLike<unknown>;
    const base = r * d;
    if (ArrayBuffer.isView(row)) {
      // A numeric typed array (isArrayLike excluded BigInt arrays and DataView).
      data.set(row as unknown as ArrayLike<number>, base);
    } else {
      for (let c = 0; c < d; c++) {
        const v = row[c];
        if (typeof v !== 'number') {
          throw invalidType(`Expected a number for ${name}[${r}][${c}] but received ${describe(v)}`);
        }
        data[base + c] = v;
      }
    }
  }
  const bad = findNonFinite(data);
  if (bad >= 0) throw invalidValue(nonFiniteMessage(name, data[bad] as number, bad, d, rowOffset));
  return { data, n, d };
}

/**
 * Validates and resolves X.
 * @param X - the user's input.
 * @param name - the argument's name in messages (default `'X'`).
 * @param expect - constraints from a fitted model.
 * @throws TypeError - X (or a row, element, `data`, `shape`) has the wrong type.
 * @throws RangeError - wrong shape/length, ragged rows, N = 0, D = 0, a non-finite value, or a
 *   feature count different from `expect.features`.
 */
export function toMatrix(X: unknown, name = 'X', expect: MatrixExpectations = {}): Matrix {
  let m: Matrix;
  if (isArrowLike(X)) {
    const t = rowsFromArrow(X, name, expect.scratch);
    checkFeatures(t.d, name, expect);
    const bad = t.firstNonFinite;
    if (bad >= 0) throw invalidValue(nonFiniteMessage(name, t.data[bad] as number, bad, t.d, expect.rowOffset));
    m = { data: t.data, n: t.n, d: t.d };
  } else if (isNDArrayLike(X)) {
    // Check the feature count from the shape before any copy or scan.
    if (expect.features !== undefined && isNumericArrayLike(X.shape) && X.shape.length === 2) {
      const d = X.shape[1];
      if (typeof d === 'number' && Number.isSafeInteger(d) && d > 0) {
        checkFeatures(d, name, expect);
      }
    }
    m = matrixFromNDArray(X, name, expect.rowOffset);
  } else if (isArrayLike(X) && typeof X !== 'string') {
    m = matrixFromRows(X, name, expect.rowOffset, expect.scratch);
  } else {
    throw invalidType(
      `Expected an NDArray {data, shape: [N, D]} or an array of rows for ${name} but received ${describe(X)}`,
    );
  }
  checkFeatures(m.d, name, expect);
  return m;
}

/** Throws the RangeError for a feature count other than `expect.features`. */
export function checkFeatures(d: number, name: string, expect: MatrixExpectations): void {
  if (expect.features !== undefined && d !== expect.features) {
    throw invalidValue(
      `${name} has ${d} feature${d === 1 ? '' : 's'}, but ${expect.featuresOrigin ?? 'the model was fitted'} ` +
        `with ${expect.features}`,
    );
  }
}

/**
 * Checks that there are at least as many samples as components (scikit-learn's rule).
 * @param optionName - the option's name in the message (`nComponents`, `nClusters`).
 * @throws RangeError - `"nComponents (5) exceeds the number of samples (3)"`.
 */
export function checkEnoughSamples(k: number, n: number, optionName = 'nComponents'): void {
  if (k > n) {
    throw invalidValue(`${optionName} (${k}) exceeds the number of samples (${n})`);
  }
}
