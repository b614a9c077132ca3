/**
 * Small fixed-rank arrays given by the user or read from JSON (starting parameters, fitted
 * state): read into a fresh Float64Array, then checked against the shape the model needs, and
 * written back out as nested number arrays.
 *
 * @module
 */
import { describe, invalidType, invalidValue } from './errors.js';
import { genuineFloatArray, isNDArrayLike, isNumericArrayLike, readShape } from './input.js';

/** A user array read and copied; `shape` is undefined for a flat array of rank > 1. */
export interface Tensor {
  /** A fresh copy of the elements, row-major, all finite. */
  readonly data: Float64Array;
  /** The dimensions, or undefined when a flat array was given for rank > 1. */
  readonly shape: readonly number[] | undefined;
}

function checkFinite(data: Float64Array, name: string, shape: readonly number[] | undefined): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) {
      throw invalidValue(`${name}${indexPath(i, shape)} must be finite but is ${describe(v)}`);
    }
  }
}

/** `[i][j][k]` for a flat index under `shape` (just `[i]` when the shape is unknown). */
export function indexPath(flat: number, shape: readonly number[] | undefined): string {
  if (shape === undefined || shape.length <= 1) return `[${flat}]`;
  const idx: number[] = [];
  let rest = flat;
  for (let a = shape.length - 1; a >= 0; a--) {
    const dim = shape[a] as number;
    idx.unshift(rest % dim);
    rest = Math.floor(rest / dim);
  }
  return idx.map((i) => `[${i}]`).join('');
}

/**
 * Reads an array of the given rank: an NDArray (Float64Array/Float32Array data, `shape` of that
 * rank), a flat typed array or number[] (row-major; its shape is checked later by
 * {@link checkTensorShape}), or nested arrays `rank` deep. The result is always a copy.
 * @throws TypeError - not an array, or an element that is not a number.
 * @throws RangeError - a non-finite element, ragged nesting, or an NDArray of another rank or
 *   whose data length does not match its shape.
 */
export function readTensor(value: unknown, name: string, rank: number): Tensor {
  if (isNDArrayLike(value)) {
    const src = genuineFloatArray(value.data);
    if (src === undefined) {
      throw invalidType(`Expected a Float64Array or a Float32Array for ${name}.data but received ${describe(value.data)}`);
    }
    const shape = readShape(value.shape, name, rank);
    const size = shape.reduce((a, b) => a * b, 1);
    if (src.length !== size) {
      throw invalidValue(`${name}.data has length ${src.length} but ${name}.shape [${shape.join(', ')}] needs ${size}`);
    }
    const data = new Float64Array(src);
    checkFinite(data, name, shape);
    return { data, shape };
  }
  if (!isNumericArrayLike(value)) {
    throw invalidType(
      `Expected an NDArray, a Float64Array or ${nestedName(rank)} for ${name} but received ${describe(value)}`,
    );
  }
  // Flat: a typed array, or a number[] whose first element is a number.
  if (ArrayBuffer.isView(value) || rank === 1 || typeof value[0] === 'number') {
    const data = new Float64Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v !== 'number') {
        throw invalidType(`Expected a number for ${name}[${i}] but received ${describe(v)}`);
      }
      data[i] = v;
    }
    const shape = rank === 1 ? [data.length] : undefined;
    checkFinite(data, name, shape);
    return { data, shape };
  }
  return readNested(value, name, rank);
}

function nestedName(rank: number): string {
  return rank === 1 ? 'an array of numbers' : `nested arrays of numbers (${'[]'.repeat(rank)})`;
}

/** Nested arrays `rank` deep; the shape is taken from the first element at every level. */
function readNested(value: ArrayLike<unknown>, name: string, rank: number): Tensor {
  const shape: number[] = [];
  let probe: unknown = value;
  for (let level = 0; level < rank; level++) {
    if (!isNumericArrayLike(probe)) break;
    shape.push(probe.length);
    probe = probe.length > 0 ? probe[0] : undefined;
  }
  while (shape.length < rank) shape.push(0);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(size);
  let pos = 0;
  const walk = (node: unknown, level: number, path: string): void => {
    if (level === rank) {
      if (typeof node !== 'number') {
        throw invalidType(`Expected a number for ${name}${path} but received ${describe(node)}`);
      }
      if (!Number.isFinite(node)) {
        throw invalidValue(`${name}${path} must be finite but is ${describe(node)}`);
      }
      data[pos++] = node;
      return;
    }
    if (!isNumericArrayLike(node)) {
      throw invalidType(`Expected an array for ${name}${path} but received ${describe(node)}`);
    }
    if (node.length !== shape[level]) {
      throw invalidValue(
        `${name} is ragged: ${name}${path} has length ${node.length}, expected ${shape[level] as number}`,
      );
    }
    for (let i = 0; i < node.length; i++) walk(node[i], level + 1, `${path}[${i}]`);
  };
  walk(value, 0, '');
  return { data, shape };
}

/**
 * Checks a tensor against the shape the model needs.
 * @param expected - the needed dimensions.
 * @param label - the dimensions' names, e.g. `'[nComponents, nFeatures]'`.
 * @throws RangeError - naming both shapes.
 */
export function checkTensorShape(t: Tensor, expected: readonly number[], name: string, label: string): void {
  const want = `[${expected.join(', ')}]`;
  if (t.shape === undefined) {
    const size = expected.reduce((a, b) => a * b, 1);
    if (t.data.length !== size) {
      throw invalidValue(
        `${name} is a flat array of length ${t.data.length}, but ${label} = ${want} needs ${size} elements`,
      );
    }
    return;
  }
  if (t.shape.length !== expected.length || t.shape.some((v, i) => v !== expected[i])) {
    throw invalidValue(`${name} has shape [${t.shape.join(', ')}], but ${label} = ${want} is needed`);
  }
}

/** A nested array type of the given depth, for JSON output. */
export type Nested = number | Nested[];

/** Row-major `data` as nested plain arrays of `shape` (a plain array for rank 1). */
export function toNested(data: ArrayLike<number>, shape: readonly number[]): Nested[] {
  if (shape.length <= 1) return Array.from(data);
  const build = (level: number, start: number): Nested[] => {
    const dim = shape[level] as number;
    const out: Nested[] = new Array<Nested>(dim);
    if (level === shape.length - 1) {
      for (let i = 0; i < dim; i++) out[i] = data[start + i] as number;
      return out;
    }
    let stride = 1;
    for (let a = level + 1; a < shape.length; a++) stride *= shape[a] as number;
    for (let i = 0; i < dim; i++) out[i] = build(level + 1, start + i * stride);
    return out;
  };
  return build(0, 0);
}
