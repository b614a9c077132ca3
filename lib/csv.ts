/**
 * Numeric CSV text into row-major Float64Arrays, in native code (`gaussmix/csv`): what the
 * `gaussmix` command reads its text files with. Fields are split by RFC 4180's rules (quoted
 * fields, `""` for a quote, delimiters and line ends inside quotes); numbers are converted
 * correctly rounded, as `Number()` converts them. Both functions read a buffer that may end in
 * the middle of a record: they read complete records only and say where they stopped, so that
 * a caller streaming a file carries the rest over to its next buffer.
 *
 * @packageDocumentation
 */
import { describe, invalidType, invalidValue } from './errors.js';
import { native, type NativeCsvFormat } from './native.js';

/** How a delimited text is laid out. */
export interface CsvFormat {
  /**
   * The field delimiter, one byte (default `,`); not a character of a number (a digit, `.`,
   * `+`, `-`, `e`, `E`, or the decimal separator).
   */
  delimiter?: string;
  /** The decimal separator: `.` (default) or `,` (then the delimiter must be another byte). */
  decimal?: '.' | ',';
  /**
   * Lines whose first character other than blanks is this one are skipped (default: none);
   * not a character a number starts with (a digit, `.`, `+`, `-`, or the decimal separator).
   */
  comment?: string;
}

/** A record's fields as text (e.g. a header), with where the next record starts. */
export interface CsvRecord {
  fields: string[];
  /** The byte offset just past the record. */
  next: number;
  /** Line ends between `at` and the record's first line (blank and comment lines skipped). */
  line: number;
  /** Line ends between `at` and `next`. */
  lines: number;
}

/** What {@link csvNumbers} reads of each record. */
export interface CsvSelection {
  /** The fields (0-based) read into the output's columns, in order. */
  take: readonly number[];
  /** The number of fields every record has (another count is a `ragged` problem). */
  fields: number;
  /** A field returned as text per row in `ids` (e.g. a row id). */
  idField?: number;
  /**
   * A missing value (an empty field, NA, N/A, n/a, NaN, nan, -NaN, -nan, NULL, null, None, <NA>,
   * #N/A: pandas' markers): `'error'` (default) stops
   * with a `missing` problem, `'drop'` leaves its row out (counted in `dropped`).
   */
  missing?: 'error' | 'drop';
  /** Read at most this many rows (default: all the complete records). */
  maxRows?: number;
}

/** Rows read by {@link csvNumbers}. */
export interface CsvNumbers {
  /** [rows, take.length] row-major. */
  data: Float64Array;
  rows: number;
  /** Rows left out for a missing value (`missing: 'drop'`). */
  dropped: number;
  /** Bytes read (complete records only): the next call starts here. */
  consumed: number;
  /** Line ends in the bytes read. */
  lines: number;
  /** The `idField` of every row read. */
  ids?: string[];
  /**
   * Why reading stopped early: a field that is not a number, a missing value, or a record with
   * another number of fields (`field` is then its count); `line` counts the line ends before the
   * record, `consumed` is the record's start.
   */
  problem?: { kind: 'not-a-number' | 'missing' | 'ragged'; line: number; field: number; text: string };
}

function byte(value: string | undefined, fallback: string, name: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'string' || v.length !== 1 || v.charCodeAt(0) > 0x7f) {
    throw invalidType(`${name} must be one ASCII character, got ${JSON.stringify(v)}`);
  }
  return v.charCodeAt(0);
}

/**
 * The characters of a number (Number()'s decimal syntax), the decimal comma aside; `.` is kept
 * out even with a decimal comma, as the command line does.
 */
const NUMBER_CHARACTERS = '0123456789.+-eE';
/** The characters a number may start with, the decimal comma aside. */
const NUMBER_STARTS = '0123456789.+-';

function nativeFormat(format: CsvFormat | undefined): NativeCsvFormat {
  if (format === undefined) format = {};
  else if (typeof format !== 'object' || format === null) {
    throw invalidType(`Expected an object (or undefined) for format but received ${describe(format)}`);
  }
  const f: NativeCsvFormat = {
    delimiter: byte(format.delimiter, ',', 'format.delimiter'),
    decimal: byte(format.decimal, '.', 'format.decimal'),
    quote: 0x22,
    comment: format.comment === undefined ? -1 : byte(format.comment, '#', 'format.comment'),
  };
  if (f.decimal !== 0x2e && f.decimal !== 0x2c) throw invalidValue(`format.decimal must be '.' or ',', got '${format.decimal}'`);
  if (f.delimiter === f.decimal) throw invalidValue(`format.delimiter and format.decimal are both '${format.delimiter}'`);
  if (NUMBER_CHARACTERS.includes(String.fromCharCode(f.delimiter))) {
    throw invalidValue(`format.delimiter cannot be ${JSON.stringify(format.delimiter)}: a delimiter cannot be part of a number`);
  }
  if (f.comment === f.decimal || (f.comment >= 0 && NUMBER_STARTS.includes(String.fromCharCode(f.comment)))) {
    throw invalidValue(`format.comment cannot be ${JSON.stringify(format.comment)}: a number may start with it`);
  }
  if (f.delimiter === f.quote || f.delimiter === 0x0a || f.comment === f.delimiter) {
    throw invalidValue(`format.delimiter cannot be ${JSON.stringify(format.delimiter)}`);
  }
  return f;
}

function bytes(text: Uint8Array): Uint8Array {
  if (!(text instanceof Uint8Array)) throw invalidType('text must be a Uint8Array (a Buffer)');
  return text;
}

function booleanArgument(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalidType(`Expected a boolean for ${name} but received ${describe(value)}`);
  return value;
}

/** The most fields a record may be said to have: `take` is handed on as a Uint32Array. */
const MAX_FIELDS = 2 ** 32 - 1;

/**
 * The record at byte `at` of `text` (blank and comment lines before it skipped), or null when
 * none is left, or (with `final` false: more bytes are coming) none ends within `text`.
 * @throws TypeError / RangeError - a malformed argument.
 */
export function csvRecord(text: Uint8Array, at = 0, final = true, format?: CsvFormat): CsvRecord | null {
  if (typeof at !== 'number') throw invalidType(`Expected a number for at but received ${describe(at)}`);
  if (!Number.isSafeInteger(at) || at < 0) throw invalidValue(`at must be an integer >= 0, got ${describe(at)}`);
  return native().csvRecord(bytes(text), at, booleanArgument(final, 'final'), nativeFormat(format));
}

/**
 * Reads the complete records of `text` as numbers: the `take` fields of each, row-major.
 * Stops at the first record with a problem (see {@link CsvNumbers.problem}), after `maxRows`
 * rows, or at a record that does not end within `text` when `final` is false.
 * @throws TypeError / RangeError - a malformed argument (a field past `fields`, ...).
 */
export function csvNumbers(text: Uint8Array, final: boolean, format: CsvFormat | undefined, selection: CsvSelection): CsvNumbers {
  if (typeof selection !== 'object' || selection === null) {
    throw invalidType(`Expected an object {take, fields, ...} for selection but received ${describe(selection)}`);
  }
  const { fields, take, idField, missing = 'error', maxRows = Number.MAX_SAFE_INTEGER } = selection;
  if (typeof fields !== 'number') throw invalidType(`Expected a number for selection.fields but received ${describe(fields)}`);
  if (!Number.isInteger(fields) || fields < 1 || fields > MAX_FIELDS) {
    throw invalidValue(`selection.fields must be an integer in 1..${MAX_FIELDS}, got ${describe(fields)}`);
  }
  if (!Array.isArray(take) && !(ArrayBuffer.isView(take) && !(take instanceof DataView))) throw invalidType(`Expected an array of field numbers for selection.take but received ${describe(take)}`);
  for (const f of Array.from(take as ArrayLike<unknown>)) {
    if (typeof f !== 'number') throw invalidType(`Expected a number in selection.take but received ${describe(f)}`);
    if (!Number.isInteger(f) || f < 0 || f >= fields) throw invalidValue(`selection.take: ${f} is not a field in 0..${fields - 1}`);
  }
  if (idField !== undefined && (!Number.isInteger(idField) || idField < 0 || idField >= fields)) {
    throw invalidValue(`selection.idField: ${idField} is not a field in 0..${fields - 1}`);
  }
  if (missing !== 'error' && missing !== 'drop') throw invalidValue(`selection.missing must be 'error' or 'drop', got '${String(missing)}'`);
  if (!Number.isInteger(maxRows) || maxRows < 0) throw invalidValue(`selection.maxRows must be an integer >= 0, got ${maxRows}`);
  return native().csvNumbers(bytes(text), booleanArgument(final, 'final'), nativeFormat(format), Uint32Array.from(take), fields, idField ?? -1, missing === 'drop', maxRows);
}
