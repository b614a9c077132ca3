// The public boundary under hostile input, property-based (fast-check): random shapes, every
// typed-array kind, nested/ragged/array-like rows, strided and offset views, NaN/±Infinity,
// huge or fractional counts, wrong option types and unknown option names, at every public
// method of every estimator. Every call must either return a valid result (finite numbers,
// the right shapes) or throw a TypeError/RangeError with code ERR_GAUSSMIX_INVALID_ARGUMENT —
// the class the input deserves — and a fitted model's state (its toJSON) must survive every
// call that does not fit it. The process must never crash (each test file runs in its own
// child process, so a crash fails this file).
//
// GAUSSMIX_FC_RUNS=<factor> multiplies the number of runs (default 1: ~10,000 cases in about two
// seconds); FC_SEED=<n> replays a seed that fast-check printed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { GaussianKMeans, GaussianMixture, KMeans, SoftKMeans, type NDArray } from '../lib/index.js';
import {
  CallbackError,
  fitOptionsArb,
  junkValues,
  matrixArb,
  weightArb,
  type Expect,
  type FitOptionsCase,
  type MatrixCase,
  type WeightCase,
  labelled,
} from './helpers/arbitraries.js';
import { mulberry32, normalSource } from './helpers/random.js';
import {
  componentsOf,
  errorLine,
  fittedProblems,
  isAbort,
  isIllConditioned,
  isInvalidArgument,
  outcome,
  outcomeAsync,
  resultProblems,
  stateOf,
  type AnyModel,
} from './helpers/validity.js';

const FACTOR = Number(process.env.GAUSSMIX_FC_RUNS ?? '1');
const runs = (n: number): number => Math.max(1, Math.round(n * (Number.isFinite(FACTOR) && FACTOR > 0 ? FACTOR : 1)));
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns: runs(numRuns), seed: SEED });

/** Training data: two blobs in D = 3, N = 24. */
const D = 3;
const TRAIN: number[][] = (() => {
  const normal = normalSource(mulberry32(7));
  return Array.from({ length: 24 }, (_, i) => Array.from({ length: D }, (_, j) => (i % 2 ? 5 : -5) + j + normal()));
})();

interface Config {
  readonly name: string;
  /** A fresh unfitted estimator (seeded, one thread pool per call as configured). */
  readonly make: () => AnyModel;
  readonly fromJSON: (json: unknown) => AnyModel;
}

const CONFIGS: readonly Config[] = [
  ...(['full', 'tied', 'diag', 'spherical'] as const).map(
    (covarianceType): Config => ({
      name: `GaussianMixture ${covarianceType}`,
      make: () => new GaussianMixture({ nComponents: 2, covarianceType, seed: 1, maxIter: 20 }),
      fromJSON: (j) => GaussianMixture.fromJSON(j),
    }),
  ),
  { name: 'GaussianKMeans', make: () => new GaussianKMeans({ nComponents: 2, seed: 2, maxIter: 20 }), fromJSON: (j) => GaussianKMeans.fromJSON(j) },
  { name: 'KMeans', make: () => new KMeans({ nClusters: 2, seed: 3, maxIter: 20 }), fromJSON: (j) => KMeans.fromJSON(j) },
  { name: 'SoftKMeans', make: () => new SoftKMeans({ nClusters: 2, seed: 4, maxIter: 20, stiffness: 0.5 }), fromJSON: (j) => SoftKMeans.fromJSON(j) },
];

/** The methods that take X, when the estimator has them. */
const X_METHODS = ['predict', 'predictProba', 'scoreSamples', 'score', 'bic', 'aic', 'transform'] as const;
type XMethod = (typeof X_METHODS)[number];

function methodsOf(model: AnyModel): XMethod[] {
  return X_METHODS.filter((m) => typeof (model as unknown as Record<string, unknown>)[m] === 'function');
}

function call(model: AnyModel, method: string, ...args: unknown[]): unknown {
  return (model as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
}

/** Whether err is what `expected` asks for ('either': any invalid-argument error). */
function rejectionProblem(err: unknown, expected: Expect | 'either'): string | undefined {
  if (!isInvalidArgument(err)) return `threw ${errorLine(err)}; expected a TypeError/RangeError with code ERR_GAUSSMIX_INVALID_ARGUMENT`;
  if (expected === 'type' && !(err instanceof TypeError)) return `threw ${errorLine(err)}; expected a TypeError`;
  if (expected === 'range' && !(err instanceof RangeError)) return `threw ${errorLine(err)}; expected a RangeError`;
  return undefined;
}

/** The reference form of a valid X: a zero-copy Float64Array NDArray of the values the model sees. */
function reference(x: MatrixCase): NDArray {
  return { data: x.values.slice(), shape: [x.n, x.d] };
}

function sameBits(a: unknown, b: unknown): boolean {
  const bytes = (v: unknown): Uint8Array | undefined => {
    const t = typeof v === 'object' && v !== null && 'data' in v ? (v as { data: unknown }).data : v;
    if (t instanceof Float64Array || t instanceof Int32Array) return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
    return undefined;
  };
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  const x = bytes(a);
  const y = bytes(b);
  return x !== undefined && y !== undefined && Buffer.compare(x, y) === 0;
}

const fitted = new Map<string, { model: AnyModel; json: unknown }>();
for (const c of CONFIGS) {
  const model = c.make();
  model.fitSync(TRAIN);
  fitted.set(c.name, { model, json: JSON.parse(JSON.stringify(model.toJSON())) as unknown });
}

describe.each(CONFIGS)('$name at the boundary', (config) => {
  const { model, json } = fitted.get(config.name)!;
  const k = componentsOf(model);
  const methods = methodsOf(model);
  const dims = fc.oneof({ weight: 4, arbitrary: fc.constant(D) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) });

  it('the fitted base model is valid', () => {
    expect(fittedProblems(model, D, TRAIN.length)).toEqual([]);
  });

  it(`prediction methods (${methods.join(', ')}): a valid result equal to the reference encoding's, or the right TypeError/RangeError; the model unchanged`, () => {
    const arb = matrixArb({ dims }).chain((x) =>
      fc.record({
        x: fc.constant(x),
        method: fc.constantFrom(...methods),
        weight: fc.option(weightArb(Math.max(1, x.n)), { nil: undefined }),
      }),
    );
    const before = stateOf(model);
    fc.assert(
      fc.property(arb, ({ x, method, weight }) => {
        const withWeight = method === 'score' && weight !== undefined;
        const args: unknown[] = withWeight ? [x.input, weight.input] : [x.input];
        const got = outcome(() => call(model, method, ...args));
        const problems: string[] = [];
        let expected: Expect | 'either' = x.expect;
        if (x.expect === 'valid' && x.d !== D) expected = 'range';
        else if (x.expect !== 'valid' && x.d !== D) expected = 'either';
        else if (x.expect === 'valid' && withWeight && weight.expect !== 'valid') expected = weight.expect;
        if (expected === 'valid') {
          if (!got.ok) problems.push(`rejected a valid input: ${errorLine(got.error)}`);
          else {
            problems.push(...resultProblems(model, method, got.value, x.n));
            const ref = outcome(() => call(model, method, reference(x), ...(withWeight ? [weight.input] : [])));
            if (!ref.ok || !sameBits(got.value, ref.value)) problems.push('differs from the same values as a Float64Array NDArray');
          }
        } else if (got.ok) {
          problems.push(`accepted an invalid input (expected ${expected === 'type' ? 'TypeError' : expected === 'range' ? 'RangeError' : 'an error'})`);
        } else {
          const p = rejectionProblem(got.error, expected);
          if (p) problems.push(p);
        }
        if (stateOf(model) !== before) problems.push('the call changed the model');
        if (problems.length) {
          throw new Error(`${method}(${x.label}${withWeight ? `, sampleWeight ${weight.label}` : ''}): ${problems.join('; ')}`);
        }
      }),
      params(320),
    );
  });

  it.runIf(typeof (model as { sample?: unknown }).sample === 'function')(
    'sample(n, seed): n samples of the fitted D, or the right TypeError/RangeError',
    () => {
      const gm = model as GaussianMixture;
      const before = stateOf(model);
      // An integer in [min, max] is valid, another number a RangeError, anything else a TypeError.
      const judge = (v: unknown, min: number, max: number) =>
        labelled({ v, e: (typeof v !== 'number' ? 'type' : Number.isInteger(v) && v >= min && v <= max ? 'valid' : 'range') as Expect }, String(v));
      // n·D above 2^31 − 1 values is a RangeError (the output could not be allocated).
      const count = fc
        .oneof(
          { weight: 6, arbitrary: fc.integer({ min: 1, max: 300 }) as fc.Arbitrary<unknown> },
          { weight: 1, arbitrary: fc.constantFrom<unknown>(2 ** 31, 2 ** 31 - 1, Math.floor((2 ** 31 - 1) / D), Math.floor((2 ** 31 - 1) / D) + 1, 2 ** 53, 2 ** 32) },
          { weight: 3, arbitrary: fc.constantFrom(...junkValues) },
        )
        // An absent n is 1 (scikit-learn's default).
        .map((v) => labelled({ ...(v === undefined ? { v, e: 'valid' as Expect } : judge(v, 1, 2 ** 31 - 1)), big: typeof v === 'number' && v * D > 2 ** 31 - 1 }, String(v)));
      const seed = fc.oneof(
        { weight: 3, arbitrary: fc.constant(labelled({ v: undefined as unknown, e: 'valid' as Expect }, 'undefined')) },
        { weight: 3, arbitrary: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).map((v) => judge(v, 0, Number.MAX_SAFE_INTEGER)) },
        { weight: 2, arbitrary: fc.constantFrom(...junkValues.filter((v) => v !== undefined)).map((v) => judge(v, 0, Number.MAX_SAFE_INTEGER)) },
      );
      fc.assert(
        fc.property(count, seed, (n, s) => {
          // n is checked, then the seed, then that n·D values can be allocated.
          const expected = n.e !== 'valid' ? n.e : s.e !== 'valid' ? s.e : n.big ? 'range' : 'valid';
          // (A valid n this large would allocate gigabytes: keep to the ones rejected.)
          if (expected === 'valid' && (n.v as number) > 1e6) return;
          const got = outcome(() => (s.v === undefined ? gm.sample(n.v as number) : gm.sample(n.v as number, s.v as number)));
          const problems: string[] = [];
          if (expected === 'valid') {
            if (!got.ok) problems.push(`rejected: ${errorLine(got.error)}`);
            else problems.push(...resultProblems(model, 'sample', got.value, (n.v ?? 1) as number));
          } else if (got.ok) problems.push('accepted');
          else {
            const p = rejectionProblem(got.error, expected);
            if (p) problems.push(p);
          }
          if (stateOf(model) !== before) problems.push('the call changed the model');
          if (problems.length) throw new Error(`sample(${String(n.v)}, ${String(s.v)}): ${problems.join('; ')}`);
        }),
        params(240),
      );
    },
  );

  it('fit and fitSync: a valid fitted model, or the right error with the previous model kept', async () => {
    const arb = matrixArb({ dims: fc.integer({ min: 1, max: 4 }), maxN: 10 }).chain((x) =>
      fc.record({ x: fc.constant(x), options: fitOptionsArb(Math.max(1, x.n)), sync: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ x, options, sync }) => {
        const m = config.fromJSON(json) as GaussianMixture; // (any estimator: one type for fit's overloads)
        const before = stateOf(m);
        const opts = options.make();
        const got = sync
          ? outcome(() => m.fitSync(x.input as NDArray, opts as undefined))
          : await outcomeAsync(() => m.fit(x.input as NDArray, opts as undefined));
        const expected = expectedFit(x, options, k);
        const problems: string[] = [];
        if (expected === 'valid' || expected === 'callback') {
          if (got.ok && expected === 'callback') problems.push('resolved although onIteration threw');
          else if (!got.ok && expected === 'callback' && !(got.error instanceof CallbackError)) {
            problems.push(`expected the callback's error, got ${errorLine(got.error)}`);
          } else if (!got.ok && expected === 'valid' && !isIllConditioned(got.error)) {
            problems.push(`rejected a valid fit: ${errorLine(got.error)}`);
          } else if (got.ok) {
            if (got.value !== m) problems.push('did not return the estimator');
            problems.push(...fittedProblems(m, x.d, x.n));
            const labels = outcome(() => m.predict(reference(x)));
            if (!labels.ok) problems.push(`predict after the fit: ${errorLine(labels.error)}`);
            else problems.push(...resultProblems(m, 'predict', labels.value, x.n));
          }
        } else if (expected === 'abort') {
          if (got.ok || !isAbort(got.error)) problems.push(`expected an AbortError, got ${got.ok ? 'success' : errorLine(got.error)}`);
        } else if (got.ok) {
          problems.push(`accepted (expected a ${expected === 'type' ? 'TypeError' : 'RangeError'})`);
        } else {
          const p = rejectionProblem(got.error, expected);
          if (p) problems.push(p);
        }
        if (!got.ok && stateOf(m) !== before) problems.push('a failed fit changed the model');
        if (problems.length) {
          throw new Error(`${sync ? 'fitSync' : 'fit'}(${x.label}, ${options.label}): ${problems.join('; ')}`);
        }
      }),
      params(180),
    );
  });

  it('fromJSON of a corrupted model: a working model or a TypeError/RangeError', () => {
    fc.assert(
      fc.property(corruptionArb(json), (c) => {
        const got = outcome(() => config.fromJSON(c.value));
        const problems: string[] = [];
        if (!got.ok) {
          const p = rejectionProblem(got.error, 'either');
          if (p) problems.push(p);
        } else {
          const restored = got.value;
          // A model accepted from JSON must be usable: its own JSON restores the same model,
          // and if fitted, it predicts valid results on the training data.
          const again = outcome(() => JSON.stringify(config.fromJSON(JSON.parse(JSON.stringify(restored.toJSON())))));
          if (!again.ok) problems.push(`its own toJSON is rejected: ${errorLine(again.error)}`);
          else if (again.value !== stateOf(restored)) problems.push('toJSON/fromJSON does not round-trip');
          if (restored.isFitted) {
            const d = restored.nFeaturesIn;
            problems.push(...fittedProblems(restored, d));
            const X = { data: new Float64Array(TRAIN.length * d).map((_, i) => (TRAIN[Math.floor(i / d)]![i % d] ?? 1) as number), shape: [TRAIN.length, d] };
            // Parameters far beyond the data's scale (a corrupted 1e300) may overflow a score or
            // a distance to ±Infinity; nothing may be NaN, labels stay in range, probabilities
            // in [0, 1]. (That rows still sum to 1 there is pinned in degenerate.test.ts.)
            for (const method of methodsOf(restored)) {
              const r = outcome(() => call(restored, method, X));
              if (!r.ok) problems.push(`${method}: ${errorLine(r.error)}`);
              else problems.push(...extremeResultProblems(restored, method, r.value, TRAIN.length).map((p) => `${method}: ${p}`));
            }
          }
        }
        if (problems.length) throw new Error(`fromJSON(${fc.stringify(c)}): ${problems.join('; ')}`);
      }),
      params(440),
    );
  });
});

/** Problems with a result of a model with extreme parameters: see the fromJSON property. */
function extremeResultProblems(model: AnyModel, method: XMethod, result: unknown, n: number): string[] {
  const k = componentsOf(model);
  const values = typeof result === 'number' ? [result] : Array.from(((result as { data?: Float64Array }).data ?? result) as Float64Array);
  if (values.some((v) => Number.isNaN(v))) return ['NaN in the result'];
  if (method === 'predict') return resultProblems(model, method, result, n);
  if (method === 'predictProba' && values.some((v) => !(v >= 0 && v <= 1))) return ['a probability outside [0, 1]'];
  if (method === 'predictProba' && values.length !== n * k) return ['wrong size'];
  return [];
}

/** What a fit of x with these options must end with. */
function expectedFit(x: MatrixCase, options: FitOptionsCase, k: number): Expect | 'abort' | 'callback' {
  // lib/estimator.ts: the fit options (and an aborted signal), then X, then K <= N, then the
  // weights' values, at least K of them positive (every estimator here seeds from K samples).
  if (options.early !== 'valid') return options.early;
  if (x.expect !== 'valid') return x.expect;
  if (k > x.n) return 'range';
  const w: WeightCase | undefined = options.weight;
  if (w && w.expect !== 'valid') return w.expect;
  if (w && w.positive < k) return 'range';
  return options.callback === 'throw' ? 'callback' : 'valid';
}

/** A corrupted copy of a model's JSON. */
interface Corrupted {
  readonly value: unknown;
}

/** Every path to a value inside a JSON tree (the root is []). */
function pathsOf(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (typeof v === 'object' && v !== null) for (const [key, x] of Object.entries(v)) pathsOf(x, [...prefix, key], out);
  return out;
}

// Numbers a corruption writes. Not beyond ±1e300: a parameter whose product with the data
// overflows (a precision of 1e308) gives NaN in native evaluation, pinned on its own in
// degenerate.test.ts.
const NUMBERS = [NaN, Infinity, -Infinity, -1, 0, -0, 0.5, 1.5, 1e-308, 2 ** 31, 2 ** 53, 1e300, -1e300];
const JUNK = junkValues.filter((v) => v !== Number.MAX_VALUE);
const OTHER_JSON = (kind: string): unknown => {
  const other = [...fitted.values()].map((f) => f.json).find((j) => (j as { kind: string }).kind !== kind);
  return other;
};

function corruptionArb(json: unknown): fc.Arbitrary<Corrupted> {
  const paths = pathsOf(json);
  const mutation = fc.oneof(
    fc.constantFrom(...JUNK).map((v) => ({ op: 'set' as const, v })),
    fc.constantFrom(...NUMBERS).map((v) => ({ op: 'set' as const, v: v as unknown })),
    fc.constantFrom('delete', 'add-key', 'push', 'pop', 'wrap', 'stringify', 'negate', 'scale', 'other-model').map((op) => ({ op, v: undefined as unknown })),
  );
  return fc.tuple(fc.nat({ max: paths.length - 1 }), mutation, fc.boolean()).map(([index, { op, v }, twice]) => {
    const root = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
    const path = paths[index]!;
    const label = `${op}${op === 'set' ? ` ${typeof v === 'number' ? String(v) : typeof v}` : ''} at ${path.join('.') || '(root)'}`;
    if (op === 'other-model') return labelled({ value: OTHER_JSON((json as { kind: string }).kind) }, label);
    if (path.length === 0) {
      const value = op === 'set' ? v : op === 'add-key' ? { ...root, extra: 1 } : op === 'wrap' ? [root] : op === 'stringify' ? JSON.stringify(root) : null;
      return labelled({ value }, label);
    }
    let parent: unknown = root;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
    const key = path[path.length - 1]!;
    const p = parent as Record<string | number, unknown>;
    const current = p[key];
    const apply = (): void => {
      switch (op) {
        case 'set':
          p[key] = v;
          break;
        case 'delete':
          if (Array.isArray(p)) p.splice(key as number, 1);
          else delete p[key];
          break;
        case 'add-key':
          if (typeof current === 'object' && current !== null && !Array.isArray(current)) (current as Record<string, unknown>).extra = 1;
          else if (!Array.isArray(p)) p[`${String(key)}_`] = current;
          break;
        case 'push':
          if (Array.isArray(current)) current.push(current[0] ?? 0);
          else if (Array.isArray(p)) p.push(current);
          break;
        case 'pop':
          if (Array.isArray(current)) current.pop();
          break;
        case 'wrap':
          p[key] = [current];
          break;
        case 'stringify':
          p[key] = typeof current === 'string' ? current.toUpperCase() : JSON.stringify(current);
          break;
        case 'negate':
          p[key] = typeof current === 'number' ? -current || -1 : typeof current === 'boolean' ? !current : current;
          break;
        case 'scale':
          p[key] = typeof current === 'number' ? current * 1e150 : current;
          break;
      }
    };
    apply();
    if (twice) apply();
    return labelled({ value: root as unknown }, `${label}${twice ? ' (twice)' : ''}`);
  });
}

describe('constructors with random options', () => {
  /** An option value: plausible (usually valid) or junk. */
  const opt = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<{ v: unknown; valid: boolean }> =>
    fc.oneof(
      { weight: 4, arbitrary: valid.map((v) => ({ v, valid: true })) },
      { weight: 1, arbitrary: fc.constantFrom(...junkValues).map((v) => ({ v, valid: false })) },
    );
  const count = (min: number, max: number): fc.Arbitrary<unknown> => fc.integer({ min, max });
  const nonNegative = fc.double({ min: 0, max: 1, noNaN: true });
  const common = {
    tol: opt(nonNegative),
    nInit: opt(count(1, 3)),
    seed: opt(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    threads: opt(fc.constantFrom(0, 1, 2, 3)),
  };
  const centres = fc.constantFrom<unknown>([[0, 0], [1, 1]], [[0, 0]], { data: new Float64Array([0, 0, 2, 2]), shape: [2, 2] }, [[0, 0, 0], [1, 1, 1]]);
  const startArrays = fc.constantFrom<unknown>(
    [0.5, 0.5],
    [1],
    [[0, 0], [1, 1]],
    [[[1, 0], [0, 1]], [[2, 0], [0, 2]]],
    [[1, 0], [0, 1]],
    [1, 2],
    [[1, 1], [2, 2]],
    new Float64Array([1, 0, 0, 1]),
    [[[1, 2], [2, 1]]],
  );
  const maybe = (a: fc.Arbitrary<unknown>): fc.Arbitrary<{ v: unknown; valid: boolean }> =>
    fc.oneof(a.map((v) => ({ v, valid: false })), fc.constantFrom(...junkValues).map((v) => ({ v, valid: false })));

  const X2: number[][] = TRAIN.slice(0, 10).map((r) => r.slice(0, 2));
  const classes = [
    {
      name: 'GaussianMixture',
      make: (o: unknown) => new GaussianMixture(o as never),
      fromJSON: (j: unknown) => GaussianMixture.fromJSON(j),
      options: {
        nComponents: opt(fc.oneof(count(1, 4), count(11, 20))),
        covarianceType: opt(fc.constantFrom('full', 'tied', 'diag', 'spherical')),
        maxIter: opt(count(0, 30)),
        regCovar: opt(fc.constantFrom(0, 1e-6, 1e-3, 1)),
        init: opt(fc.constantFrom('kmeans', 'k-means++', 'random', 'random-from-data')),
        warmStart: opt(fc.boolean()),
        weightsInit: maybe(startArrays),
        meansInit: maybe(startArrays),
        precisionsInit: maybe(startArrays),
        covariancesInit: maybe(startArrays),
        ...common,
      },
      required: 'nComponents',
    },
    {
      name: 'GaussianKMeans',
      make: (o: unknown) => new GaussianKMeans(o as never),
      fromJSON: (j: unknown) => GaussianKMeans.fromJSON(j),
      options: {
        nComponents: opt(fc.oneof(count(1, 4), count(11, 20))),
        covarianceType: maybe(fc.constantFrom('spherical', 'full')),
        maxIter: opt(count(0, 30)),
        warmStart: opt(fc.boolean()),
        ...common,
      },
      required: 'nComponents',
    },
    {
      name: 'KMeans',
      make: (o: unknown) => new KMeans(o as never),
      fromJSON: (j: unknown) => KMeans.fromJSON(j),
      options: {
        nClusters: opt(fc.oneof(count(1, 4), count(11, 20))),
        maxIter: opt(count(1, 30)),
        init: fc.oneof(opt(fc.constantFrom('k-means++', 'random')), maybe(centres)),
        ...common,
      },
      required: 'nClusters',
    },
    {
      name: 'SoftKMeans',
      make: (o: unknown) => new SoftKMeans(o as never),
      fromJSON: (j: unknown) => SoftKMeans.fromJSON(j),
      options: {
        nClusters: opt(fc.oneof(count(1, 4), count(11, 20))),
        maxIter: opt(count(1, 30)),
        stiffness: opt(fc.double({ min: 1e-3, max: 1e3, noNaN: true })),
        init: fc.oneof(opt(fc.constantFrom('k-means++', 'random')), maybe(centres)),
        ...common,
      },
      required: 'nClusters',
    },
  ];

  it.each(classes)('$name: constructs or throws TypeError/RangeError; a constructed model fits, predicts and round-trips or rejects cleanly', (cls) => {
    const arb = fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(...junkValues).map((v) => labelled({ options: v, allValid: false, label: String(typeof v) }, `options: ${String(typeof v)}`)) },
      {
        weight: 12,
        arbitrary: fc
          .tuple(
            fc.record(cls.options as Record<string, fc.Arbitrary<{ v: unknown; valid: boolean }>>, { requiredKeys: [] }),
            fc.option(fc.constantFrom('n_components', 'covariance_type', 'foo', 'nclusters', 'beta'), { nil: undefined }),
          )
          .map(([r, unknownKey]) => {
            const options: Record<string, unknown> = {};
            let allValid = unknownKey === undefined && cls.required in r;
            for (const [key, { v, valid }] of Object.entries(r) as [string, { v: unknown; valid: boolean }][]) {
              options[key] = v;
              // undefined counts as absent; the required count may not be absent.
              if (!valid && !(v === undefined && key !== cls.required)) allValid = false;
            }
            if (unknownKey !== undefined) options[unknownKey] = 1;
            const label = JSON.stringify(options, (_, x: unknown) =>
              typeof x === 'number' && !Number.isFinite(x) ? String(x) : typeof x === 'bigint' ? `${x}n` : typeof x === 'symbol' || typeof x === 'function' ? typeof x : x,
            );
            return labelled({ options, allValid, label }, `options: ${label}`);
          }),
      },
    );
    fc.assert(
      fc.property(arb, fc.boolean(), ({ options, allValid, label }, twice) => {
        const problems: string[] = [];
        const made = outcome(() => cls.make(options));
        if (!made.ok) {
          const p = rejectionProblem(made.error, 'either');
          if (p) problems.push(p);
          if (allValid) problems.push(`rejected valid options: ${errorLine(made.error)}`);
        } else {
          const m = made.value;
          const fit1 = outcome(() => m.fitSync(X2));
          if (!fit1.ok) {
            if (!isInvalidArgument(fit1.error) && !isIllConditioned(fit1.error)) problems.push(`fitSync: ${errorLine(fit1.error)}`);
            if (m.isFitted) problems.push('a failed first fit left a fitted model');
          } else {
            problems.push(...fittedProblems(m, 2, X2.length).map((p) => `fit: ${p}`));
            // Once more (a warm start when asked for).
            if (twice) {
              const before = stateOf(m);
              const fit2 = outcome(() => m.fitSync(X2));
              if (!fit2.ok) {
                if (!isInvalidArgument(fit2.error) && !isIllConditioned(fit2.error)) problems.push(`second fitSync: ${errorLine(fit2.error)}`);
                if (stateOf(m) !== before) problems.push('a failed second fit changed the model');
              } else problems.push(...fittedProblems(m, 2, X2.length).map((p) => `second fit: ${p}`));
            }
            const labels = outcome(() => m.predict(X2));
            if (!labels.ok) problems.push(`predict: ${errorLine(labels.error)}`);
            else problems.push(...resultProblems(m, 'predict', labels.value, X2.length));
          }
          const back = outcome(() => cls.fromJSON(JSON.parse(JSON.stringify(m.toJSON()))));
          if (!back.ok) problems.push(`fromJSON(toJSON()): ${errorLine(back.error)}`);
          else if (stateOf(back.value) !== stateOf(m)) problems.push('toJSON/fromJSON does not round-trip');
          else if (m.isFitted && !sameBits(back.value.predict(X2), m.predict(X2))) problems.push('the restored model predicts differently');
        }
        if (problems.length) throw new Error(`new ${cls.name}(${label}): ${problems.join('; ')}`);
      }),
      params(500),
    );
  });
});

// The counterexamples the properties above found, pinned as plain cases (each was a defect).
describe('pinned counterexamples', () => {
  const { model: gm } = fitted.get('GaussianMixture full')!;
  const gmJSON = () => JSON.parse(JSON.stringify(gm.toJSON())) as { state: Record<string, unknown> };

  it('a broadcast (stride 0) view of more elements than its data is a RangeError, not an N·D copy', () => {
    const err = outcome(() => gm.predict({ data: new Float64Array(3), shape: [2 ** 30, 3], stride: [0, 1] } as NDArray));
    expect(!err.ok && isInvalidArgument(err.error) && err.error instanceof RangeError).toBe(true);
  });

  it('an array-like whose length claims 2^31 rows is rejected before N·D values are allocated', () => {
    const fake = { length: 2 ** 31, 0: [1, 2, 3] };
    const rss = process.memoryUsage().rss;
    const err = outcome(() => gm.predict(fake as unknown as number[][]));
    expect(!err.ok && isInvalidArgument(err.error) && err.error instanceof TypeError).toBe(true);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
  });

  it('a BigInt64Array row and a string stride element are TypeErrors with the code', () => {
    for (const bad of [[new BigInt64Array(3)], { data: new Float64Array(6), shape: [2, 3], stride: [3, '1'] }]) {
      const err = outcome(() => gm.predict(bad as unknown as number[][]));
      expect(!err.ok && isInvalidArgument(err.error) && err.error instanceof TypeError, String(!err.ok && errorLine(err.error))).toBe(true);
    }
  });

  it('sample(2^31 − 1) is a RangeError (the native allocation would end the process)', () => {
    const err = outcome(() => (gm as GaussianMixture).sample(2 ** 31 - 1));
    expect(!err.ok && isInvalidArgument(err.error) && err.error instanceof RangeError).toBe(true);
  });

  it('score() of samples one of which has log-density −∞ is −∞, not NaN (compensated sum)', () => {
    const km = fitted.get('KMeans')!.model as KMeans;
    const j = JSON.parse(JSON.stringify(km.toJSON())) as { state: { clusterCenters: number[][] } };
    j.state.clusterCenters = j.state.clusterCenters.map((r) => r.map(() => 1e300));
    expect(KMeans.fromJSON(j).score(TRAIN)).toBe(-Infinity);
  });

  it('fromJSON rejects a NaN or ±Infinity lowerBound (−Infinity only with nIter 0)', () => {
    for (const v of [NaN, Infinity, -Infinity, 'NaN', 'Infinity']) {
      const j = gmJSON();
      j.state.lowerBound = v;
      const err = outcome(() => GaussianMixture.fromJSON(j));
      expect(!err.ok && isInvalidArgument(err.error), `lowerBound ${String(v)}`).toBe(true);
    }
    const j = gmJSON();
    j.state.lowerBound = '-Infinity';
    j.state.nIter = 0;
    expect(GaussianMixture.fromJSON(j).lowerBound).toBe(-Infinity);
  });

  it('fromJSON rejects full/tied covariances with a non-positive diagonal or asymmetry', () => {
    const j = gmJSON();
    (j.state.covariances as number[][][])[0]![2]![2] = -1;
    expect(() => GaussianMixture.fromJSON(j)).toThrow(/covariances\[0\]\[2\]\[2\] must be positive/);
    const t = JSON.parse(JSON.stringify(fitted.get('GaussianMixture tied')!.model.toJSON())) as { state: { covariances: number[][] } };
    t.state.covariances[0]![1] = (t.state.covariances[0]![1] as number) + 1;
    expect(() => GaussianMixture.fromJSON(t)).toThrow(/covariances must be symmetric/);
  });

  it('a GaussianKMeans with nComponents 1 and maxIter 0 (weights 1 + 2⁻⁵²) restores from its own JSON', () => {
    const m = new GaussianKMeans({ nComponents: 1, maxIter: 0, seed: 1 }).fitSync(TRAIN.slice(0, 10));
    expect(fittedProblems(m, D, 10)).toEqual([]);
    expect(stateOf(GaussianKMeans.fromJSON(JSON.parse(JSON.stringify(m.toJSON()))))).toBe(stateOf(m));
  });

  it('GaussianMixture: fewer positive sample weights than nComponents is a RangeError naming sampleWeight', () => {
    const m = new GaussianMixture({ nComponents: 2, seed: 1 });
    expect(() => m.fitSync([[0], [1]], { sampleWeight: [1, 0] })).toThrow(/sampleWeight has 1 positive value, fewer than nComponents \(2\)/);
    // init 'random' needs no distinct samples.
    expect(new GaussianMixture({ nComponents: 2, seed: 1, init: 'random' }).fitSync([[0], [1], [2]], { sampleWeight: [1, 0, 0] }).isFitted).toBe(true);
  });
});
