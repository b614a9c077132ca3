/**
 * fast-check arbitraries for the public boundary: data matrices in every encoding the API
 * accepts (and many it must reject), junk values, fit options and sample weights. Every
 * generated case says what the API must do with it: accept it (and then which numbers the model
 * sees), or reject it with a TypeError or a RangeError.
 *
 * The expected error class follows lib/options.ts: a value of the wrong JavaScript type is a
 * TypeError; a value of the right type that is not allowed (shape, length, range, non-finite,
 * unknown name) is a RangeError.
 */
import fc from 'fast-check';

/** Gives a generated case a short description in fast-check's counterexample reports. */
export function labelled<T extends object>(value: T, label: string): T {
  return Object.defineProperty(value, fc.toStringMethod, { value: () => label, enumerable: false });
}

/** What a call must do with an input: accept it, or reject it with this class. */
export type Expect = 'valid' | 'type' | 'range';

/** A generated X. */
export interface MatrixCase {
  /** What is passed to the API. */
  readonly input: unknown;
  /** How it was built, for counterexample messages. */
  readonly label: string;
  /** Whether X itself is acceptable (a fitted model may still reject it for its D). */
  readonly expect: Expect;
  /** The shape of the matrix the model sees (when valid). */
  readonly n: number;
  readonly d: number;
  /** When valid: the values the model sees, row-major (after any typed-array conversion). */
  readonly values: Float64Array;
}

/** Values of every JavaScript type that are never a valid count, array or option. */
export const junkValues: readonly unknown[] = [
  null,
  undefined,
  true,
  false,
  '',
  '3',
  'abc',
  Symbol('junk'),
  1n,
  () => 1,
  {},
  { length: -1 },
  [],
  [[]],
  NaN,
  Infinity,
  -Infinity,
  -1,
  0.5,
  -0,
  2 ** 31,
  2 ** 53,
  Number.MAX_VALUE,
  new Date(0),
  new Map(),
  /re/,
];

/** A junk value (any type). */
export const junk = (): fc.Arbitrary<unknown> => fc.constantFrom(...junkValues);

/** Non-finite numbers. */
const nonFinite = fc.constantFrom(NaN, Infinity, -Infinity);

/** Finite values of moderate size, with some special but valid ones (±0, subnormals). */
const finiteValue = fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }) },
  { weight: 4, arbitrary: fc.integer({ min: -50, max: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 5e-324, 1e-300, -1e-300, 1e6, -1e6) },
);

/** Non-number elements of a row. */
const nonNumber = fc.constantFrom<unknown>('1', '', null, undefined, true, 1n, {}, [], [1], Symbol('x'));

/** How X is written. */
const ENCODINGS = [
  'nested',
  'f64rows',
  'f32rows',
  'i32rows',
  'u8rows',
  'mixedrows',
  'arraylike',
  'nd64',
  'nd32',
  'nd64offset',
  'ndtypedshape',
  'transpose',
  'padded',
  'reversed',
] as const;
type Encoding = (typeof ENCODINGS)[number];

/** What is wrong with X, if anything. */
type Defect =
  | { kind: 'none' }
  | { kind: 'nonfinite'; pos: number; value: number }
  | { kind: 'nonnumber'; pos: number; value: unknown }
  | { kind: 'ragged'; row: number; delta: number }
  | { kind: 'badrow'; row: number; value: unknown }
  | { kind: 'bigintrow'; row: number }
  | { kind: 'emptyN'; nd: boolean }
  | { kind: 'emptyD'; nd: boolean }
  | { kind: 'flat'; typed: boolean }
  | { kind: 'nddata'; value: unknown }
  | { kind: 'ndshapelength'; shape: number[] }
  | { kind: 'ndshape'; shape: unknown; expect: Expect }
  | { kind: 'ndstride'; stride: unknown; offset: unknown; expect: Expect }
  | { kind: 'notobject'; value: unknown };

const ROW_ENCODINGS: readonly Encoding[] = ['nested', 'f64rows', 'f32rows', 'i32rows', 'u8rows', 'mixedrows', 'arraylike'];
const FLOAT_ENCODINGS: readonly Encoding[] = ENCODINGS.filter((e) => e !== 'i32rows' && e !== 'u8rows');

/** Rows of a row-major array. */
function rowsOf(values: ArrayLike<number>, n: number, d: number): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < n; r++) rows.push(Array.from({ length: d }, (_, c) => values[r * d + c] as number));
  return rows;
}

/** An array-like object (not an Array, not a typed array). */
function arrayLike<T>(items: readonly T[]): ArrayLike<T> {
  const o: Record<number, T> & { length: number } = { length: items.length };
  items.forEach((v, i) => (o[i] = v));
  return o;
}

/**
 * X as `encoding`, with its values as the model sees them (typed rows convert: Float32 rounds,
 * Int32 truncates, Uint8 wraps). Padding around strided views is NaN, so reading outside the
 * view shows up as a rejected input or a NaN result.
 */
function encode(values: Float64Array, n: number, d: number, encoding: Encoding, pad: number): { input: unknown; seen: Float64Array } {
  const rows = rowsOf(values, n, d);
  const fromRows = (typed: Float64Array[] | Float32Array[] | Int32Array[] | Uint8Array[]): Float64Array => {
    const seen = new Float64Array(n * d);
    typed.forEach((row, r) => seen.set(row, r * d));
    return seen;
  };
  switch (encoding) {
    case 'nested':
      return { input: rows, seen: values };
    case 'f64rows':
      return { input: rows.map((r) => Float64Array.from(r)), seen: values };
    case 'f32rows': {
      const t = rows.map((r) => Float32Array.from(r));
      return { input: t, seen: fromRows(t) };
    }
    case 'i32rows': {
      const t = rows.map((r) => Int32Array.from(r, (v) => Math.trunc(v)));
      return { input: t, seen: fromRows(t) };
    }
    case 'u8rows': {
      const t = rows.map((r) => Uint8Array.from(r, (v) => Math.trunc(v) & 255));
      return { input: t, seen: fromRows(t) };
    }
    case 'mixedrows':
      return {
        input: rows.map((r, i) => (i % 3 === 0 ? r : i % 3 === 1 ? Float64Array.from(r) : arrayLike(r))),
        seen: values,
      };
    case 'arraylike':
      return { input: arrayLike(rows.map((r) => arrayLike(r))), seen: values };
    case 'nd64':
      return { input: { data: Float64Array.from(values), shape: [n, d] }, seen: values };
    case 'nd32': {
      const data = Float32Array.from(values);
      return { input: { data, shape: [n, d] }, seen: Float64Array.from(data) };
    }
    case 'nd64offset': {
      // A view at a non-zero byteOffset inside a larger buffer padded with NaN.
      const buf = new Float64Array(n * d + 2 * pad + 2).fill(NaN);
      const data = buf.subarray(pad + 1, pad + 1 + n * d);
      data.set(values);
      return { input: { data, shape: [n, d] }, seen: values };
    }
    case 'ndtypedshape':
      return { input: { data: Float64Array.from(values), shape: Int32Array.of(n, d) }, seen: values };
    case 'transpose': {
      // Column-major storage seen through scijs's stride/offset.
      const data = new Float64Array(pad + n * d + pad).fill(NaN);
      for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) data[pad + c * n + r] = values[r * d + c] as number;
      return { input: { data, shape: [n, d], stride: [1, n], offset: pad }, seen: values };
    }
    case 'padded': {
      // Rows `pad` elements apart, with NaN in between.
      const s0 = d + pad;
      const data = new Float64Array(pad + n * s0).fill(NaN);
      for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) data[pad + r * s0 + c] = values[r * d + c] as number;
      return { input: { data, shape: [n, d], stride: [s0, 1], offset: pad }, seen: values };
    }
    case 'reversed': {
      // Rows stored last-first, read with a negative row stride.
      const data = new Float64Array(n * d + 2 * pad).fill(NaN);
      for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) data[pad + (n - 1 - r) * d + c] = values[r * d + c] as number;
      return { input: { data, shape: [n, d], stride: [-d, 1], offset: pad + (n - 1) * d }, seen: values };
    }
  }
}

/** Applies a defect to valid values/encoding and builds the input. */
function build(values: Float64Array, n: number, d: number, encoding: Encoding, defect: Defect, pad: number): MatrixCase {
  const base = { n, d, label: `${encoding} [${n}, ${d}] ${defect.kind}` };
  const invalid = (input: unknown, expect: Expect, what = ''): MatrixCase => ({
    ...base,
    label: `${base.label}${what ? ` (${what})` : ''}`,
    input,
    expect,
    values: new Float64Array(0),
  });
  switch (defect.kind) {
    case 'none': {
      const { input, seen } = encode(values, n, d, encoding, pad);
      // Float32 may overflow a large double; Int32/Uint8 cannot hold a non-finite value.
      const ok = seen.every((v) => Number.isFinite(v));
      return { ...base, input, expect: ok ? 'valid' : 'range', values: seen };
    }
    case 'nonfinite': {
      const v = values.slice();
      v[defect.pos % (n * d)] = defect.value;
      const enc = FLOAT_ENCODINGS.includes(encoding) ? encoding : 'nested';
      return invalid(encode(v, n, d, enc, pad).input, 'range', `${defect.value} at ${defect.pos % (n * d)} in ${enc}`);
    }
    case 'nonnumber': {
      const rows: unknown[][] = rowsOf(values, n, d);
      const p = defect.pos % (n * d);
      (rows[Math.floor(p / d)] as unknown[])[p % d] = defect.value;
      return invalid(rows, 'type', `element ${p} is ${typeof defect.value}`);
    }
    case 'ragged': {
      const enc = ROW_ENCODINGS.includes(encoding) ? encoding : 'nested';
      const { input } = encode(values, n, d, enc, pad);
      const rows = Array.from(input as ArrayLike<ArrayLike<number>>);
      const r = defect.row % n;
      const len = Math.max(0, d + defect.delta);
      const row = Array.from({ length: len }, (_, c) => (c < d ? values[r * d + c] : 1) as number);
      rows[r] = enc === 'nested' ? row : Float64Array.from(row);
      return invalid(rows, 'range', `row ${r} of length ${len}`);
    }
    case 'badrow': {
      const rows: unknown[] = rowsOf(values, n, d);
      rows[defect.row % n] = defect.value;
      return invalid(rows, 'type', `row ${defect.row % n} is ${String(typeof defect.value)}`);
    }
    case 'bigintrow': {
      const rows: unknown[] = rowsOf(values, n, d);
      rows[defect.row % n] = new BigInt64Array(d);
      return invalid(rows, 'type', `row ${defect.row % n} is a BigInt64Array`);
    }
    case 'emptyN':
      return invalid(defect.nd ? { data: new Float64Array(0), shape: [0, d] } : [], 'range');
    case 'emptyD':
      return invalid(
        defect.nd ? { data: new Float64Array(0), shape: [n, 0] } : Array.from({ length: n }, () => []),
        'range',
      );
    case 'flat':
      return invalid(defect.typed ? Float64Array.from(values) : Array.from(values), 'type');
    case 'nddata':
      return invalid({ data: defect.value, shape: [n, d] }, 'type', `data ${Object.prototype.toString.call(defect.value)}`);
    case 'ndshapelength':
      return invalid({ data: Float64Array.from(values), shape: defect.shape }, 'range', `shape [${defect.shape.join(', ')}]`);
    case 'ndshape':
      return invalid({ data: Float64Array.from(values), shape: defect.shape }, defect.expect, `shape ${String(defect.shape)}`);
    case 'ndstride':
      if (defect.offset === 'broadcast') {
        // One element seen N·D times: a copy would be N·D times larger than the caller's data.
        return invalid({ data: Float64Array.of(values[0] as number), shape: [n, d], stride: defect.stride }, defect.expect, 'a broadcast view');
      }
      return invalid(
        { data: Float64Array.from(values), shape: [n, d], stride: defect.stride, offset: defect.offset },
        defect.expect,
        `stride ${String(defect.stride)} offset ${String(defect.offset)}`,
      );
    case 'notobject':
      return invalid(defect.value, 'type', typeof defect.value);
  }
}

/** The defects X may have (or none, most often). */
function defectArb(n: number, d: number): fc.Arbitrary<Defect> {
  const pos = fc.nat({ max: 10_000 });
  const row = fc.nat({ max: 1000 });
  const huge = [2 ** 31, 2 ** 32, 2 ** 26, 2 ** 53 - 1];
  return fc.oneof(
    { weight: 30, arbitrary: fc.constant<Defect>({ kind: 'none' }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('nonfinite' as const), pos, value: nonFinite }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('nonnumber' as const), pos, value: nonNumber }) },
    {
      weight: n >= 2 ? 2 : 0,
      arbitrary: fc.record({ kind: fc.constant('ragged' as const), row, delta: fc.constantFrom(-d, -1, 1, 2) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('badrow' as const),
        row,
        value: fc.constantFrom<unknown>(null, undefined, 5, 'abc', true, {}, Symbol('row'), 2n),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('bigintrow' as const), row }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('emptyN' as const), nd: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('emptyD' as const), nd: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('flat' as const), typed: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('nddata' as const),
        value: fc.constantFrom<unknown>(
          new Int32Array(n * d),
          new Uint8Array(n * d),
          Array.from({ length: n * d }, () => 1),
          new DataView(new ArrayBuffer(8 * n * d)),
          new BigInt64Array(n * d),
          null,
          'data',
          n * d,
        ),
      }),
    },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom<number[]>([n + 1, d], [n, d + 1], [n * d, 1], [Math.max(0, n - 1), d], ...huge.map((h) => [h, d]), [2 ** 31, 2 ** 31], [2 ** 26, 2 ** 26])
        .filter((shape) => shape[0]! * shape[1]! !== n * d)
        .map((shape): Defect => ({ kind: 'ndshapelength', shape })),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom<[unknown, Expect]>(
        [[n, -d], 'range'],
        [[-n, -d], 'range'],
        [[n + 0.5, d], 'range'],
        [[n, NaN], 'range'],
        [[Infinity, d], 'range'],
        [[2 ** 53, d], 'range'],
        [[n * d], 'range'],
        [[n, d, 1], 'range'],
        [[], 'range'],
        [[String(n), d], 'type'],
        [[n, null], 'type'],
        [[n, 2n], 'type'],
        [null, 'type'],
        [`${n},${d}`, 'type'],
        [n * d, 'type'],
        [{ 0: n, 1: d, length: 2 }, 'type'],
      ).map(([shape, expect]): Defect => ({ kind: 'ndshape', shape, expect })),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom<[unknown, unknown, Expect]>(
        [[d, 1.5], 0, 'range'],
        [[NaN, 1], 0, 'range'],
        [[d, 1], -1, 'range'],
        [[d, 1], 0.5, 'range'],
        [[d, 1], 1, 'range'], // one element past the end
        [[d, 1], 2 ** 53, 'range'],
        [[d + 1, 1], 0, n > 1 ? 'range' : 'valid'],
        [[1, n], n * d, 'range'],
        [[-d, 1], 0, n > 1 ? 'range' : 'valid'],
        [[0, 0], 'broadcast', n * d > 1 ? 'range' : 'valid'], // a view of more elements than data holds
        [[d], 0, 'type'],
        [[d, 1, 1], 0, 'type'],
        ['d,1', 0, 'type'],
        [null, 0, 'type'],
        [[d, 1], '0', 'type'],
        [[d, '1'], 0, 'type'],
        [[d, 1], null, 'type'],
      ).map(([stride, offset, expect]): Defect => ({ kind: 'ndstride', stride, offset, expect })),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('notobject' as const), value: fc.constantFrom<unknown>(null, undefined, 42, 'X', true, 1n, Symbol('X'), () => [[1]]) }) },
  ).filter((x) => x.kind !== 'ndstride' || x.expect !== 'valid');
}

/**
 * A generated X. `d` is drawn from `dims` (so that a fitted model's D is common), n from
 * [minN, maxN].
 */
export function matrixArb(opts: { dims: fc.Arbitrary<number>; minN?: number; maxN?: number }): fc.Arbitrary<MatrixCase> {
  const { dims, minN = 1, maxN = 12 } = opts;
  return fc
    .record({ n: fc.integer({ min: minN, max: maxN }), d: dims })
    .chain(({ n, d }) =>
      fc.record({
        n: fc.constant(n),
        d: fc.constant(d),
        values: fc.array(finiteValue, { minLength: n * d, maxLength: n * d }),
        encoding: fc.constantFrom(...ENCODINGS),
        defect: defectArb(n, d),
        pad: fc.integer({ min: 0, max: 3 }),
      }),
    )
    .map(({ n, d, values, encoding, defect, pad }) => {
      const x = build(Float64Array.from(values), n, d, encoding, defect, pad);
      return labelled(x, `X: ${x.label} → ${x.expect}`);
    });
}

/** A generated sampleWeight: what is passed, and whether it is acceptable for N = n. */
export interface WeightCase {
  readonly input: unknown;
  readonly label: string;
  /** 'type' from a non-object container is reported before X is looked at (fit options). */
  readonly expect: Expect;
  /** Whether a bad container type is found before X (a TypeError of readFitOptions). */
  readonly early: boolean;
  /** When valid: the number of positive weights. */
  readonly positive: number;
}

/** Sample weights for N = n rows. */
export function weightArb(n: number): fc.Arbitrary<WeightCase> {
  const w = fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: n, maxLength: n });
  const valid = (input: unknown, label: string, positive = n): WeightCase =>
    labelled({ input, label, expect: 'valid', early: false, positive }, `sampleWeight: ${label}`);
  const bad = (input: unknown, label: string, expect: Expect, early = false): WeightCase =>
    labelled({ input, label, expect, early, positive: 0 }, `sampleWeight: ${label} → ${expect}`);
  return fc.oneof(
    w.map((a) => valid(a, 'number[]')),
    w.map((a) => valid(Float64Array.from(a), 'Float64Array')),
    w.map((a) => valid(Float32Array.from(a), 'Float32Array')),
    fc.array(fc.integer({ min: 1, max: 255 }), { minLength: n, maxLength: n }).map((a) => valid(Uint8Array.from(a), 'Uint8Array')),
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: n, maxLength: n }).map((a) => valid(arrayLike(a), 'array-like')),
    fc.tuple(w, fc.nat()).map(([a, i]) => {
      const b = a.slice();
      b[i % n] = 0;
      return n > 1 ? valid(b, 'one zero', n - 1) : bad(b, 'all zero', 'range');
    }),
    w.map((a) => bad(a.concat([1]), 'length n+1', 'range')),
    w.map((a) => (n > 1 ? bad(a.slice(1), 'length n-1', 'range') : bad([], 'length 0', 'range'))),
    fc.tuple(w, fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity, -1, -1e-300)).map(([a, i, v]) => {
      const b = a.slice();
      b[i % n] = v;
      return bad(b, `${v} at ${i % n}`, 'range');
    }),
    fc.tuple(w, fc.nat(), fc.constantFrom<unknown>('1', null, undefined, true, 1n, {})).map(([a, i, v]) => {
      const b: unknown[] = a.slice();
      b[i % n] = v;
      return bad(b, `${typeof v} at ${i % n}`, 'type');
    }),
    fc.constant(bad(new Array(n).fill(0), 'all zero', 'range')),
    fc.constant(bad(new BigInt64Array(n), 'BigInt64Array', 'type')),
    fc.constantFrom<unknown>(null, 5, 'w', true, Symbol('w'), () => 1).map((v) => bad(v, `a ${typeof v}`, 'type', true)),
  );
}

/** A generated `options` of fit/fitSync. */
export interface FitOptionsCase {
  readonly make: () => unknown;
  readonly label: string;
  /** A problem found before X is looked at (readFitOptions, or an aborted signal). */
  readonly early: Expect | 'abort';
  readonly weight: WeightCase | undefined;
  /** What onIteration does. */
  readonly callback: 'none' | 'continue' | 'stop' | 'throw';
}

/** The error an onIteration of kind 'throw' throws. */
export class CallbackError extends Error {}

/** fit/fitSync options for N = n rows. */
export function fitOptionsArb(n: number): fc.Arbitrary<FitOptionsCase> {
  const plain = (label: string, value: unknown, early: Expect): FitOptionsCase =>
    labelled({ make: () => value, label, early, weight: undefined, callback: 'none' }, `options: ${label} → ${early}`);
  const record = fc
    .record(
      {
        sampleWeight: weightArb(n),
        signal: fc.constantFrom('fresh', 'aborted', 'junk-object', 'junk-string'),
        onIteration: fc.constantFrom('continue', 'stop', 'throw', 'junk'),
        unknown: fc.constantFrom('maxIter', 'sample_weight', 'Signal', '__proto__x'),
      },
      { requiredKeys: [] },
    )
    .map((r): FitOptionsCase => {
      let early: Expect | 'abort' = 'valid';
      const setEarly = (e: Expect | 'abort'): void => {
        if (early === 'valid') early = e;
      };
      // Order of lib/options.ts readFitOptions, then the signal check of Estimator.#start.
      if (r.unknown !== undefined) setEarly('range');
      if (r.sampleWeight?.early) setEarly('type');
      if (r.signal === 'junk-object' || r.signal === 'junk-string') setEarly('type');
      if (r.onIteration === 'junk') setEarly('type');
      if (r.signal === 'aborted') setEarly('abort');
      const callback = r.onIteration === undefined || r.onIteration === 'junk' ? 'none' : r.onIteration;
      const label = JSON.stringify({ ...r, sampleWeight: r.sampleWeight?.label });
      return labelled({
        label,
        early,
        weight: r.sampleWeight,
        callback,
        make: () => {
          const o: Record<string, unknown> = {};
          if (r.sampleWeight) o.sampleWeight = r.sampleWeight.input;
          if (r.signal === 'fresh') o.signal = new AbortController().signal;
          if (r.signal === 'aborted') o.signal = AbortSignal.abort(new Error('aborted on purpose'));
          if (r.signal === 'junk-object') o.signal = { aborted: false };
          if (r.signal === 'junk-string') o.signal = 'signal';
          if (r.onIteration === 'continue') o.onIteration = () => undefined;
          if (r.onIteration === 'stop') o.onIteration = () => false;
          if (r.onIteration === 'throw') {
            o.onIteration = () => {
              throw new CallbackError('thrown by onIteration on purpose');
            };
          }
          if (r.onIteration === 'junk') o.onIteration = 'callback';
          if (r.unknown !== undefined) o[r.unknown] = 1;
          return o;
        },
      }, `options: ${label} → ${early}`);
    });
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(plain('undefined', undefined, 'valid')) },
    { weight: 10, arbitrary: record },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, [], 5, 'opts', true).map((v) => plain(String(v), v, 'type')) },
  );
}
