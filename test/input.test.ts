// Data input validation (lib/input.ts, lib/tensor.ts): pure TypeScript, no native addon.
import { describe, expect, it } from 'vitest';
import { checkEnoughSamples, findNonFinite, toMatrix } from '../lib/input.js';
import { expectError } from './helpers/expect-error.js';
import { growableSharedArrayBuffer, resizableArrayBuffer } from './helpers/resizable.js';
import { checkTensorShape, readTensor, toNested } from '../lib/tensor.js';

describe('toMatrix: accepted forms', () => {
  it('uses a Float64Array NDArray as is (zero copy), honouring byteOffset', () => {
    const buf = new Float64Array([99, 1, 2, 3, 4, 5, 6]);
    const view = buf.subarray(1); // byteOffset 8
    const m = toMatrix({ data: view, shape: [3, 2] });
    expect(m.data).toBe(view);
    expect(m.n).toBe(3);
    expect(m.d).toBe(2);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('copies a Float32Array NDArray once into a Float64Array', () => {
    const f32 = new Float32Array([0.5, 1.5, 2.5, 3.5]);
    const m = toMatrix({ data: f32, shape: [2, 2] });
    expect(m.data).toBeInstanceOf(Float64Array);
    expect(Array.from(m.data)).toEqual([0.5, 1.5, 2.5, 3.5]);
  });

  it('copies number[][] and Float64Array[] rows', () => {
    expect(Array.from(toMatrix([[1, 2], [3, 4], [5, 6]]).data)).toEqual([1, 2, 3, 4, 5, 6]);
    const m = toMatrix([new Float64Array([1, 2]), new Float32Array([3, 4])]);
    expect([m.n, m.d]).toEqual([2, 2]);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4]);
  });

  it('gathers a strided scijs-style view (a transpose)', () => {
    // data holds [[1,2,3],[4,5,6]]; the view is its transpose [3, 2].
    const data = new Float64Array([1, 2, 3, 4, 5, 6]);
    const m = toMatrix({ data, shape: [3, 2], stride: [1, 3], offset: 0 });
    expect(Array.from(m.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('keeps a row-major scijs view with an offset zero-copy (a subarray)', () => {
    const data = new Float64Array([9, 9, 1, 2, 3, 4]);
    const m = toMatrix({ data, shape: [2, 2], stride: [2, 1], offset: 2 });
    expect(m.data.buffer).toBe(data.buffer);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4]);
  });

  it('copies a Float64Array over a resizable ArrayBuffer (native code must not see it shrink)', () => {
    const buffer = resizableArrayBuffer(6 * 8, 12 * 8);
    const fixed = new Float64Array(buffer, 0, 6);
    fixed.set([1, 2, 3, 4, 5, 6]);
    const tracking = new Float64Array(buffer);
    for (const X of [
      { data: fixed, shape: [3, 2] },
      { data: tracking, shape: [3, 2] },
      { data: tracking, shape: [2, 2], stride: [2, 1], offset: 2 },
    ]) {
      const m = toMatrix(X);
      expect(m.data.buffer).not.toBe(buffer);
      expect((m.data.buffer as { resizable?: boolean }).resizable).toBe(false);
      buffer.resize(0);
      expect(Array.from(m.data)).toEqual(X.offset ? [3, 4, 5, 6] : [1, 2, 3, 4, 5, 6]);
      buffer.resize(6 * 8);
      fixed.set([1, 2, 3, 4, 5, 6]);
    }
    // A growable SharedArrayBuffer only grows: zero copy.
    const shared = new Float64Array(growableSharedArrayBuffer(4 * 8, 8 * 8));
    expect(toMatrix({ data: shared, shape: [2, 2] }).data).toBe(shared);
  });
});

describe('toMatrix: rejected input', () => {
  it('rejects what is neither an NDArray nor rows (TypeError)', () => {
    expectError(() => toMatrix(undefined), TypeError, 'X', 'undefined');
    expectError(() => toMatrix(42), TypeError, 'X', '42');
    expectError(() => toMatrix('abc'), TypeError, 'X');
    expectError(() => toMatrix(null), TypeError, 'X', 'null');
  });

  it('rejects a flat array of numbers with a hint (TypeError)', () => {
    expectError(() => toMatrix(new Float64Array(4)), TypeError, 'X[0]', 'shape: [N, D]');
    expectError(() => toMatrix([1, 2, 3]), TypeError, 'X[0]');
  });

  it('rejects NDArray data that is not Float64Array/Float32Array (TypeError)', () => {
    expectError(() => toMatrix({ data: new Int32Array(4), shape: [2, 2] }), TypeError, 'X.data', 'Int32Array');
    expectError(() => toMatrix({ data: [1, 2, 3, 4], shape: [2, 2] }), TypeError, 'X.data');
  });

  it('rejects a shape that is not 2-D (RangeError)', () => {
    expectError(() => toMatrix({ data: new Float64Array(4), shape: [4] }), RangeError, 'X.shape', '2 dimensions', '[4]');
    expectError(
      () => toMatrix({ data: new Float64Array(8), shape: [2, 2, 2] }),
      RangeError,
      'X.shape',
      'has 3',
    );
  });

  it('rejects a bad shape entry', () => {
    expectError(() => toMatrix({ data: new Float64Array(4), shape: [2.5, 2] }), RangeError, 'X.shape[0]', '2.5');
    expectError(() => toMatrix({ data: new Float64Array(4), shape: [-2, -2] }), RangeError, 'X.shape[0]');
    expectError(() => toMatrix({ data: new Float64Array(4), shape: ['2', 2] }), TypeError, 'X.shape[0]');
    expectError(() => toMatrix({ data: new Float64Array(4), shape: 4 }), TypeError, 'X.shape');
  });

  it('rejects a data length that does not match the shape (RangeError)', () => {
    expectError(
      () => toMatrix({ data: new Float64Array(5), shape: [2, 3] }),
      RangeError,
      'X.data has length 5',
      '[2, 3]',
      'needs 6',
    );
  });

  it('rejects a strided view reaching outside data (RangeError)', () => {
    expectError(
      () => toMatrix({ data: new Float64Array(4), shape: [2, 2], stride: [3, 1], offset: 0 }),
      RangeError,
      'reaches outside',
    );
  });

  it('rejects N = 0 and D = 0 (RangeError)', () => {
    expectError(() => toMatrix([]), RangeError, 'X', 'N = 0');
    expectError(() => toMatrix({ data: new Float64Array(0), shape: [0, 3] }), RangeError, 'N = 0');
    expectError(() => toMatrix([[], []]), RangeError, 'D = 0');
    expectError(() => toMatrix({ data: new Float64Array(0), shape: [3, 0] }), RangeError, 'D = 0');
  });

  it('names the row and column of a non-finite value (RangeError)', () => {
    const data = new Float64Array([1, 2, 3, 4, 5, NaN]);
    expectError(() => toMatrix({ data, shape: [3, 2] }), RangeError, 'non-finite', 'NaN', 'row 2, column 1');
    expectError(() => toMatrix([[1, 2], [Infinity, 0]]), RangeError, 'Infinity', 'row 1, column 0');
    expectError(() => toMatrix([[1, 2], [0, -Infinity]]), RangeError, '-Infinity', 'row 1, column 1');
    expectError(
      () => toMatrix({ data: new Float32Array([0, NaN]), shape: [1, 2] }),
      RangeError,
      'row 0, column 1',
    );
    expectError(() => toMatrix([new Float64Array([1, NaN])]), RangeError, 'row 0, column 1');
  });

  it('rejects ragged rows (RangeError)', () => {
    expectError(() => toMatrix([[1, 2], [3, 4], [5]]), RangeError, 'ragged', 'X[2] has length 1', 'expected 2');
    expectError(() => toMatrix([new Float64Array(2), new Float64Array(3)]), RangeError, 'X[1] has length 3');
  });

  it('rejects non-number elements and non-row rows (TypeError)', () => {
    expectError(() => toMatrix([[1, 2], [3, '4']]), TypeError, 'X[1][1]', "'4'");
    expectError(() => toMatrix([[1, 2], [3, null]]), TypeError, 'X[1][1]', 'null');
    expectError(() => toMatrix([[1, 2], 3]), TypeError, 'X[1]', '3');
    expectError(() => toMatrix([[1, 2], 'ab']), TypeError, 'X[1]');
  });

  it('rejects a feature count different from the fitted model (RangeError)', () => {
    const expect3 = { features: 3, featuresOrigin: 'this GaussianMixture was fitted' };
    expectError(
      () => toMatrix([[1, 2]], 'X', expect3),
      RangeError,
      'X has 2 features',
      'this GaussianMixture was fitted with 3',
    );
    expectError(
      () => toMatrix({ data: new Float64Array(4), shape: [2, 2] }, 'X', expect3),
      RangeError,
      'X has 2 features',
    );
    expect(toMatrix([[1, 2, 3]], 'X', expect3).d).toBe(3);
  });

  it('rejects a typed-array row whose own length property is not its length (RangeError)', () => {
    const rows = [new Float64Array([1, 2, 9]), new Float64Array([3, 4, 9])];
    for (const row of rows) Object.defineProperty(row, 'length', { value: 2 });
    expectError(() => toMatrix(rows), RangeError, 'X[0] is a Float64Array of 3 elements', 'says 2');
    const second = [new Float64Array([1, 2]), new Float64Array([3, 4, 9])];
    Object.defineProperty(second[1], 'length', { value: 2 });
    expectError(() => toMatrix(second), RangeError, 'X[1] is a Float64Array of 3 elements');
  });

  it('rejects an array-like of more rows than an array holds, or too large to copy (RangeError)', () => {
    expectError(() => toMatrix({ length: 2 ** 40, 0: [1, 2], 1: [3, 4] }), RangeError, 'X has length 1099511627776', 'at most 2^32 - 1');
    expectError(() => toMatrix([{ length: 2 ** 40 }]), RangeError, 'X (1 rows of 1099511627776 values) is too large to copy');
  });

  it('says that a Proxy around a typed array is not one (TypeError)', () => {
    const data = new Proxy(new Float64Array(4), {});
    expectError(() => toMatrix({ data, shape: [2, 2] }), TypeError, 'X.data', 'an object posing as a Float64Array (a Proxy around one?)');
  });

  it('names the argument it is given', () => {
    expectError(() => toMatrix([[NaN]], 'Y'), RangeError, 'Y contains');
  });
});

describe('checkEnoughSamples', () => {
  it('rejects K > N with the contract message (RangeError)', () => {
    expectError(() => checkEnoughSamples(5, 3), RangeError, 'nComponents (5) exceeds the number of samples (3)');
    expectError(() => checkEnoughSamples(5, 3, 'nClusters'), RangeError, 'nClusters (5) exceeds');
    expect(() => checkEnoughSamples(3, 3)).not.toThrow();
  });
});

describe('findNonFinite', () => {
  it('finds the first non-finite value or returns -1', () => {
    expect(findNonFinite(new Float64Array([1, 2, 3]))).toBe(-1);
    expect(findNonFinite(new Float64Array(0))).toBe(-1);
    expect(findNonFinite(new Float64Array([1, Infinity, NaN]))).toBe(1);
    expect(findNonFinite(new Float64Array([1, 2, NaN]))).toBe(2);
    expect(findNonFinite(new Float64Array([-Infinity]))).toBe(0);
    // Huge finite values must not overflow the check (v * 0 is 0 for any finite v).
    expect(findNonFinite(new Float64Array([Number.MAX_VALUE, -Number.MAX_VALUE]))).toBe(-1);
  });

  it('finds the first one in large arrays (scanned natively, in blocks on several threads)', () => {
    const n = 300_007; // several scan blocks of 65,536 values, and a partial one
    const a = new Float64Array(n).map((_, i) => (i % 7) * (Number.MAX_VALUE / 8) - 1);
    expect(findNonFinite(a)).toBe(-1);
    const cases: [number, number][] = [
      [0, NaN],
      [65_535, Infinity],
      [65_536, -Infinity],
      [131_071, NaN],
      [n - 1, NaN],
    ];
    for (const [at, v] of cases) {
      const b = a.slice();
      b[at] = v;
      expect(findNonFinite(b), `${v} at ${at}`).toBe(at);
    }
    // Several: the first, whichever block holds it and however the threads took the blocks.
    const c = a.slice();
    for (const at of [250_000, 70_000, 200_001, 69_999]) c[at] = NaN;
    expect(findNonFinite(c)).toBe(69_999);
    expect(findNonFinite(new Float32Array(n).fill(2))).toBe(-1);
    const f = new Float32Array(n).fill(2);
    f[99_999] = Infinity;
    expect(findNonFinite(f)).toBe(99_999);
  });
});

describe('readTensor / checkTensorShape', () => {
  it('reads nested arrays, NDArrays and flat arrays into copies', () => {
    const nested = readTensor([[1, 2, 3], [4, 5, 6]], 'meansInit', 2);
    expect(nested.shape).toEqual([2, 3]);
    expect(Array.from(nested.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const src = new Float64Array([1, 2, 3, 4]);
    const nd = readTensor({ data: src, shape: [2, 2] }, 'meansInit', 2);
    expect(nd.data).not.toBe(src);
    expect(nd.shape).toEqual([2, 2]);
    const flat = readTensor(src, 'meansInit', 2);
    expect(flat.shape).toBeUndefined();
    expect(readTensor([0.5, 0.5], 'weightsInit', 1).shape).toEqual([2]);
    const cube = readTensor([[[1, 0], [0, 1]]], 'covariancesInit', 3);
    expect(cube.shape).toEqual([1, 2, 2]);
  });

  it('rejects wrong types, ranks, ragged nesting and non-finite values', () => {
    expectError(() => readTensor('x', 'meansInit', 2), TypeError, 'meansInit');
    expectError(() => readTensor({ data: new Float64Array(4), shape: [4] }, 'meansInit', 2), RangeError, 'meansInit.shape', '2 dimensions');
    expectError(() => readTensor({ data: new Float64Array(3), shape: [2, 2] }, 'meansInit', 2), RangeError, 'length 3', 'needs 4');
    expectError(() => readTensor({ data: [1], shape: [1, 1] }, 'meansInit', 2), TypeError, 'meansInit.data');
    expectError(() => readTensor([[1, 2], [3]], 'meansInit', 2), RangeError, 'ragged', 'meansInit[1]', 'expected 2');
    expectError(() => readTensor([[1, 2], [3, 'a']], 'meansInit', 2), TypeError, 'meansInit[1][1]');
    expectError(() => readTensor([[1, 2], [3, NaN]], 'meansInit', 2), RangeError, 'meansInit[1][1]', 'finite');
    expectError(() => readTensor([[1, 2], 3], 'meansInit', 2), TypeError, 'meansInit[1]');
    expectError(() => readTensor([[[1]]], 'meansInit', 2), TypeError, 'meansInit[0][0]');
    expectError(() => readTensor([0.5, '0.5'], 'weightsInit', 1), TypeError, 'weightsInit[1]');
    expectError(() => readTensor(new Float64Array([1, Infinity]), 'weightsInit', 1), RangeError, 'weightsInit[1]');
    expectError(() => readTensor({ data: new Float64Array([1, 2, 3, NaN]), shape: [2, 2] }, 'm', 2), RangeError, 'm[1][1]');
  });

  it('checks shapes, including flat arrays by length', () => {
    const t = readTensor([[1, 2, 3], [4, 5, 6]], 'meansInit', 2);
    expect(() => checkTensorShape(t, [2, 3], 'meansInit', '[nComponents, nFeatures]')).not.toThrow();
    expectError(
      () => checkTensorShape(t, [2, 2], 'meansInit', '[nComponents, nFeatures]'),
      RangeError,
      'meansInit has shape [2, 3]',
      '[nComponents, nFeatures] = [2, 2]',
    );
    const flat = readTensor(new Float64Array(5), 'meansInit', 2);
    expectError(() => checkTensorShape(flat, [2, 3], 'meansInit', '[K, D]'), RangeError, 'flat array of length 5', 'needs 6');
  });

  it('writes nested arrays back', () => {
    expect(toNested(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3])).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(toNested(new Float64Array([1, 2]), [2])).toEqual([1, 2]);
    expect(toNested(new Float64Array(8).map((_, i) => i), [2, 2, 2])).toEqual([[[0, 1], [2, 3]], [[4, 5], [6, 7]]]);
  });
});
