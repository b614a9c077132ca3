/**
 * The binary messages of `gaussmix/distributed` (a round's task, a shard's sample or
 * description, a run's checkpoint): JSON for the structure, and every Float64Array as raw
 * little-endian float64 after it, so that parameters travel between machines bit for bit (JSON
 * alone loses -0 and the non-finite numbers, and is slow for arrays). Statistics travel as their
 * own encoding (`Statistics.toBuffer`), not through this one.
 *
 *   "GMXM"  u32 version  u32 JSON bytes  JSON (UTF-8)  zero padding to 8 bytes  float64 data
 *
 * In the JSON a Float64Array is `{ "$f64": [first value, length] }` and a number that JSON
 * cannot hold (±Infinity, NaN, -0) is `{ "$num": "-Infinity" }`.
 *
 * @module
 */
import { invalidValue } from '../errors.js';

const MAGIC = [0x47, 0x4d, 0x58, 0x4d]; // "GMXM"
const VERSION = 1;
const HEADER_BYTES = 12;
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

const SPECIAL_NUMBERS: Readonly<Record<string, number>> = {
  Infinity: Infinity,
  '-Infinity': -Infinity,
  NaN: NaN,
  '-0': -0,
};

/** The special spelling of a number JSON cannot hold, or undefined. */
function specialNumber(v: number): string | undefined {
  if (Object.is(v, -0)) return '-0';
  return Number.isFinite(v) ? undefined : String(v);
}

/** Encodes a message: JSON values, any numbers, and Float64Arrays (exactly). */
export function encodeMessage(value: unknown): Uint8Array {
  const arrays: Float64Array[] = [];
  let values = 0;
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Float64Array) {
      arrays.push(v);
      const ref = { $f64: [values, v.length] };
      values += v.length;
      return ref;
    }
    if (typeof v === 'number') {
      const special = specialNumber(v);
      return special === undefined ? v : { $num: special };
    }
    return v;
  });
  const text = new TextEncoder().encode(json);
  const dataStart = align8(HEADER_BYTES + text.length);
  const out = new Uint8Array(dataStart + values * 8);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, text.length, true);
  out.set(text, HEADER_BYTES);
  let at = dataStart;
  for (const a of arrays) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    } else {
      for (let i = 0; i < a.length; i++) view.setFloat64(at + 8 * i, a[i] as number, true);
    }
    at += a.byteLength;
  }
  return out;
}

/**
 * Decodes {@link encodeMessage}'s bytes (fresh arrays, not views of `bytes`).
 * @param what - names the bytes in the RangeError that malformed bytes give.
 */
export function decodeMessage(bytes: Uint8Array, what: string): unknown {
  const bad = (why: string): RangeError => invalidValue(`${what} is not a valid message: ${why}`);
  if (bytes.length < HEADER_BYTES) throw bad(`${bytes.length} bytes is shorter than the header`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) throw bad('it does not start with GMXM');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw bad(`format version ${version} (this build reads version ${VERSION})`);
  const textBytes = view.getUint32(8, true);
  if (HEADER_BYTES + textBytes > bytes.length) throw bad('truncated in the JSON');
  const dataStart = align8(HEADER_BYTES + textBytes);
  const values = (bytes.length - dataStart) / 8;
  if (!Number.isInteger(values) || values < 0) throw bad('the float64 data is not a whole number of values');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + textBytes)));
  } catch (err) {
    throw bad(`its JSON does not parse (${(err as Error).message})`);
  }
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$f64') {
      const ref = o.$f64;
      if (!Array.isArray(ref) || ref.length !== 2 || !ref.every((x) => Number.isSafeInteger(x) && (x as number) >= 0)) {
        throw bad('a bad array reference');
      }
      const [first, length] = ref as [number, number];
      if (first + length > values) throw bad('an array runs past the float64 data');
      const a = new Float64Array(length);
      const at = dataStart + first * 8;
      if (LITTLE_ENDIAN) new Uint8Array(a.buffer).set(bytes.subarray(at, at + length * 8));
      else for (let i = 0; i < length; i++) a[i] = view.getFloat64(at + 8 * i, true);
      return a;
    }
    if (keys.length === 1 && keys[0] === '$num') {
      const n = SPECIAL_NUMBERS[String(o.$num)];
      if (n === undefined) throw bad(`an unknown number ${JSON.stringify(o.$num)}`);
      return n;
    }
    const out: Record<string, unknown> = {};
    // (defineProperty: a key named __proto__ stays a key, as JSON.parse made it.)
    for (const k of keys) Object.defineProperty(out, k, { value: revive(o[k]), enumerable: true, writable: true, configurable: true });
    return out;
  };
  return revive(parsed);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
