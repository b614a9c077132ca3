/**
 * Numeric comparison helpers shared by the test files.
 *
 * A value a is accepted against a reference b when |a − b| <= rtol·|b| + atol. The reported
 * "relative deviation" of a pair is |a − b| / (|b| + atol/rtol): it is <= rtol exactly when
 * the pair is accepted, and it equals the plain relative error |a − b|/|b| whenever |b| is
 * well above the floor atol/rtol.
 */
import { expect } from 'vitest';

/** Anything array-shaped the API returns or the fixtures contain, flattened to numbers. */
export type Numeric = number | boolean | ArrayLike<unknown> | { data: ArrayLike<number>; shape: readonly number[] };

/** Flattens an NDArray ({data, shape}), a typed array, nested arrays or a scalar. */
export function flat(x: unknown): number[] {
  if (typeof x === 'number') return [x];
  if (x !== null && typeof x === 'object' && 'data' in x && 'shape' in x) {
    return Array.from((x as { data: ArrayLike<number> }).data);
  }
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.flatMap((v) => flat(v));
  throw new TypeError(`flat: cannot flatten ${String(x)}`);
}

/** The shape of nested arrays (fixtures), e.g. [K, D, D]; [] for a scalar. */
export function nestedShape(x: unknown): number[] {
  const shape: number[] = [];
  let v = x;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/**
 * The largest relative deviation (as defined above) of `actual` from `expected`. Fails the
 * test (naming `what` and the worst index) when any pair is outside rtol·|b| + atol, or when
 * the lengths differ or a value is not finite where the reference is.
 */
export function expectClose(actual: unknown, expected: unknown, rtol: number, atol: number, what: string): number {
  const a = flat(actual);
  const b = flat(expected);
  expect(a.length, `${what}: length`).toBe(b.length);
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < b.length; i++) {
    const ai = a[i] as number;
    const bi = b[i] as number;
    const dev = Object.is(ai, bi) ? 0 : Math.abs(ai - bi) / (Math.abs(bi) + atol / rtol);
    if (!(dev <= worst)) {
      worst = Number.isNaN(dev) ? Infinity : dev;
      worstIndex = i;
    }
  }
  if (!(worst <= rtol)) {
    expect.fail(
      `${what}: element ${worstIndex} is ${a[worstIndex]} but expected ${b[worstIndex]} ` +
        `(relative deviation ${worst.toExponential(3)} > ${rtol}, atol ${atol})`,
    );
  }
  return worst;
}

/** Largest |a − b| (absolute), failing when above `atol`. */
export function expectAbsClose(actual: unknown, expected: unknown, atol: number, what: string): number {
  const a = flat(actual);
  const b = flat(expected);
  expect(a.length, `${what}: length`).toBe(b.length);
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < b.length; i++) {
    const dev = Math.abs((a[i] as number) - (b[i] as number));
    if (!(dev <= worst)) {
      worst = Number.isNaN(dev) ? Infinity : dev;
      worstIndex = i;
    }
  }
  if (!(worst <= atol)) {
    expect.fail(`${what}: element ${worstIndex} is ${a[worstIndex]} but expected ${b[worstIndex]} (|diff| ${worst} > ${atol})`);
  }
  return worst;
}

/** The largest |x| of an array (a scale for absolute floors). */
export function maxAbs(x: unknown): number {
  return flat(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** The bytes of a typed array or NDArray's data, for bit-identical comparisons. */
export function bytesOf(x: unknown): Buffer {
  const data =
    x !== null && typeof x === 'object' && 'data' in x && 'shape' in x ? (x as { data: unknown }).data : x;
  if (!ArrayBuffer.isView(data)) throw new TypeError('bytesOf: not a typed array');
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Asserts two arrays are bit-identical (same bytes: distinguishes -0/+0 and NaN payloads). */
export function expectIdentical(actual: unknown, expected: unknown, what: string): void {
  const a = bytesOf(actual);
  const b = bytesOf(expected);
  if (a.length !== b.length || !a.equals(b)) {
    const fa = flat(actual);
    const fb = flat(expected);
    const i = fa.findIndex((v, j) => !Object.is(v, fb[j]));
    expect.fail(`${what}: not bit-identical (lengths ${fa.length}/${fb.length}; first difference at ${i}: ${fa[i]} vs ${fb[i]})`);
  }
}

/** The shape of an NDArray output ({data, shape}); undefined for a plain typed array. */
export function shapeOf(x: unknown): number[] | undefined {
  if (x !== null && typeof x === 'object' && 'shape' in x) return Array.from((x as { shape: readonly number[] }).shape);
  return undefined;
}
