/**
 * The versioned plain-JSON format shared by every estimator:
 * `{ format: 'gaussmix', version: 1, kind, options, state }`, with `state` null for an
 * unfitted model. Numbers are plain JSON numbers, which round-trip float64 exactly; the one
 * scalar that may be infinite (a lower bound) is written as a string.
 *
 * @module
 */
import { describe, invalidType, invalidValue } from './errors.js';
import { checkWeights } from './mixture-params.js';
import { integerOption, numberOption } from './options.js';
import { checkTensorShape, readTensor } from './tensor.js';

/** The value of `format`. */
export const JSON_FORMAT = 'gaussmix';
/** The version this code writes and reads. */
export const JSON_VERSION = 1;

/** The envelope every estimator's `toJSON` returns. */
export interface ModelJSON<K extends string = string, O = unknown, S = unknown> {
  /** Always `'gaussmix'`. */
  format: typeof JSON_FORMAT;
  /** The format's version, 1. */
  version: typeof JSON_VERSION;
  /** The estimator's class name, e.g. `'GaussianMixture'`. */
  kind: K;
  /** The constructor options, in a form the constructor accepts. */
  options: O;
  /** The fitted state, or null for an unfitted model. */
  state: S | null;
  /**
   * Anything the writer keeps beside the model (e.g. the command line's column names): any
   * JSON object. `toJSON` never writes it; `fromJSON` accepts it and ignores it.
   */
  metadata?: Record<string, unknown>;
}

/** Whether `v` is a non-null, non-array object. */
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks the envelope of a JSON model: an object with exactly the fields `format`,
 * `version`, `kind`, `options` and `state` (and optionally `metadata`, an object that is not
 * read), the right format and version, and a kind among `kinds`.
 * @param where - e.g. `'GaussianMixture.fromJSON'`, prefixed to messages.
 * @returns the kind.
 * @throws TypeError - not an object, or a field of the wrong type.
 * @throws RangeError - an unknown field, another format or version, or a kind not accepted.
 */
export function readEnvelope<K extends string>(
  obj: unknown,
  where: string,
  kinds: readonly K[],
): { kind: K; options: Record<string, unknown>; state: Record<string, unknown> | null } {
  if (!isRecord(obj)) {
    throw invalidType(`${where}: expected a gaussmix model object but received ${describe(obj)}`);
  }
  const fields = ['format', 'version', 'kind', 'options', 'state'];
  if ('metadata' in obj) {
    if (!isRecord(obj.metadata)) {
      throw invalidType(`${where}: expected metadata to be an object but received ${describe(obj.metadata)}`);
    }
    fields.push('metadata');
  }
  checkFields(obj, fields, where, '');
  if (typeof obj.format !== 'string') {
    throw invalidType(`${where}: expected format to be '${JSON_FORMAT}' but received ${describe(obj.format)}`);
  }
  if (obj.format !== JSON_FORMAT) {
    throw invalidValue(`${where}: expected format to be '${JSON_FORMAT}' but received ${describe(obj.format)}`);
  }
  if (typeof obj.version !== 'number') {
    throw invalidType(`${where}: expected version to be ${JSON_VERSION} but received ${describe(obj.version)}`);
  }
  if (obj.version !== JSON_VERSION) {
    throw invalidValue(
      `${where}: unsupported version ${describe(obj.version)} (this gaussmix reads version ${JSON_VERSION})`,
    );
  }
  const list = kinds.map((k) => `'${k}'`).join(' or ');
  if (typeof obj.kind !== 'string') {
    throw invalidType(`${where}: expected kind to be ${list} but received ${describe(obj.kind)}`);
  }
  if (!(kinds as readonly string[]).includes(obj.kind)) {
    throw invalidValue(`${where}: expected kind to be ${list} but received ${describe(obj.kind)}`);
  }
  if (!isRecord(obj.options)) {
    throw invalidType(`${where}: expected options to be an object but received ${describe(obj.options)}`);
  }
  if (obj.state !== null && !isRecord(obj.state)) {
    throw invalidType(`${where}: expected state to be an object or null but received ${describe(obj.state)}`);
  }
  return { kind: obj.kind as K, options: obj.options, state: obj.state as Record<string, unknown> | null };
}

/**
 * Checks that `obj` has exactly the given fields (all present, no others).
 * @param prefix - the path of `obj` in messages, e.g. `'state.'`.
 * @throws RangeError - a missing or unknown field.
 */
export function checkFields(obj: Record<string, unknown>, fields: readonly string[], where: string, prefix: string): void {
  for (const f of fields) {
    if (!(f in obj)) throw invalidValue(`${where}: the field ${prefix}${f} is missing`);
  }
  for (const f of Object.keys(obj)) {
    if (!fields.includes(f)) {
      throw invalidValue(`${where}: unknown field ${prefix}${f} (expected ${fields.map((x) => prefix + x).join(', ')})`);
    }
  }
}

/** A number for JSON: finite numbers as they are, ±Infinity and NaN as strings. */
export function encodeScalar(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/**
 * Reads a number written by {@link encodeScalar}.
 * @throws TypeError - neither a number nor one of `'Infinity'`, `'-Infinity'`, `'NaN'`.
 */
export function decodeScalar(v: unknown, where: string, name: string): number {
  if (typeof v === 'number') return v;
  if (v === 'Infinity' || v === '-Infinity' || v === 'NaN') return Number(v);
  throw invalidType(`${where}: expected a number for ${name} but received ${describe(v)}`);
}

/**
 * Runs `fn`, prefixing the message of a TypeError/RangeError it throws with `where: prefix`
 * (the error keeps its class and code), so that errors from shared validators name the JSON
 * field.
 */
export function inField<T>(where: string, prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError) {
      err.message = `${where}: ${prefix}${err.message}`;
    }
    throw err;
  }
}

/** Typed access to the fields of a JSON `state`, each error naming `state.<field>`. */
export interface StateReader {
  /** A tensor of the given rank and exact shape (`label` names the dimensions in messages). */
  tensor(name: string, rank: number, shape: readonly number[], label: string): Float64Array;
  /** An integer >= min. */
  integer(name: string, min: number): number;
  /** A finite number >= min. */
  number(name: string, min: number): number;
  /** Labels: an array of integers in [0, k) (empty after maximise or fitStream). */
  labels(name: string, k: number): Int32Array;
  /**
   * The fields every fitted state has: `nFeaturesIn` (as `d`), `weights` ([k], in [0, 1],
   * summing to 1), `converged` and `nIter`. `countName` names K in messages.
   */
  fitted(k: number, countName: string): { d: number; weights: Float64Array; converged: boolean; nIter: number };
  /** A boolean. */
  boolean(name: string): boolean;
  /** A number written by {@link encodeScalar}. */
  scalar(name: string): number;
  /**
   * A mixture's `lowerBound`: a finite number, or −∞ when no E-step ran (`nIter` 0); NaN and
   * +∞ are never a fitted model's.
   */
  lowerBound(name: string, nIter: number): number;
  /** Runs further checks on values read, prefixing their messages with `where`. */
  check<T>(fn: () => T): T;
}

/**
 * A {@link StateReader} over `st`, after checking that it has exactly `fields`.
 * @throws RangeError - a missing or unknown field.
 */
export function stateReader(st: Record<string, unknown>, fields: readonly string[], where: string): StateReader {
  checkFields(st, fields, where, 'state.');
  const check = <T>(fn: () => T): T => inField(where, '', fn);
  const reader: StateReader = {
    tensor: (name, rank, shape, label) =>
      check(() => {
        const t = readTensor(st[name], `state.${name}`, rank);
        checkTensorShape(t, shape, `state.${name}`, label);
        return t.data;
      }),
    integer: (name, min) => check(() => integerOption(st[name], `state.${name}`, min)),
    number: (name, min) => check(() => numberOption(st[name], `state.${name}`, min)),
    labels: (name, k) =>
      check(() => {
        // (Empty: a state set by maximise or fitStream, which label no training rows.)
        const t = readTensor(st[name], `state.${name}`, 1).data;
        const bad = t.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= k);
        if (bad >= 0) {
          throw invalidValue(`Expected an integer in [0, ${k}) for state.${name}[${bad}] but received ${describe(t[bad])}`);
        }
        return Int32Array.from(t);
      }),
    boolean: (name) => {
      const v = st[name];
      if (typeof v !== 'boolean') {
        throw invalidType(`${where}: expected a boolean for state.${name} but received ${describe(v)}`);
      }
      return v;
    },
    scalar: (name) => decodeScalar(st[name], where, `state.${name}`),
    lowerBound: (name, nIter) => {
      const v = decodeScalar(st[name], where, `state.${name}`);
      if (!Number.isFinite(v) && !(v === -Infinity && nIter === 0)) {
        throw invalidValue(
          `${where}: state.${name} must be a finite number (or '-Infinity' when state.nIter is 0) but is ${describe(v)}`,
        );
      }
      return v;
    },
    check,
    fitted: (k, countName) => {
      const d = reader.integer('nFeaturesIn', 1);
      const weights = reader.tensor('weights', 1, [k], `[${countName}]`);
      check(() => checkWeights(weights, 'state.weights', 1e-8));
      return { d, weights, converged: reader.boolean('converged'), nIter: reader.integer('nIter', 0) };
    },
  };
  return reader;
}
