/**
 * Apache Arrow tables and record batches as X, without depending on apache-arrow: any object
 * shaped like an Arrow `Table` or `RecordBatch` (a `schema` with `fields`, `numRows`,
 * `getChildAt`) whose columns are all numeric (Float32, Float64, Int8..Int64, Uint8..Uint64)
 * becomes one row-major Float64Array, column to row, natively in one pass over the rows (no
 * per-value JavaScript). A null is a RangeError naming the column and the row; Float16,
 * booleans, dictionaries and other types are a TypeError naming the column. 64-bit integers
 * beyond 2^53 are rounded to the nearest double.
 *
 * @module
 */
import { invalidType, invalidValue } from './errors.js';
import { native } from './native.js';

/** One chunk of an Arrow column, as apache-arrow's `Data` has it. */
export interface ArrowDataLike {
  readonly type: ArrowTypeLike;
  readonly offset: number;
  readonly length: number;
  readonly nullCount: number;
  /**
   * The values from the chunk's first row (apache-arrow slices them by `offset`): a typed
   * array, checked when read (apache-arrow's generic types leave it `unknown`).
   */
  readonly values: unknown;
  /** One bit per row of the underlying buffer (bit offset + r), 0 for null; may be absent. */
  readonly nullBitmap?: Uint8Array | null;
}

interface ArrowTypeLike {
  readonly typeId: number;
  readonly precision?: number;
  readonly bitWidth?: number;
  toString(): string;
}

/** The structural type of an Apache Arrow `Table` or `RecordBatch` that gaussmix reads. */
export interface ArrowTableLike {
  readonly schema: { readonly fields: readonly { readonly name: string; readonly type: ArrowTypeLike }[] };
  readonly numRows: number;
  getChildAt(index: number): { readonly data: readonly ArrowDataLike[] } | null;
}

// apache-arrow's Type enum values (stable across its versions: they mirror the Arrow format).
const TYPE_INT = 2;
const TYPE_FLOAT = 3;
const PRECISION_HALF = 0;

/** Whether X looks like an Arrow Table or RecordBatch. */
export function isArrowLike(X: unknown): X is ArrowTableLike {
  if (typeof X !== 'object' || X === null) return false;
  const t = X as Partial<ArrowTableLike>;
  return (
    typeof t.getChildAt === 'function' &&
    typeof t.numRows === 'number' &&
    typeof t.schema === 'object' &&
    t.schema !== null &&
    Array.isArray(t.schema.fields)
  );
}

function columnName(field: { name: string }, j: number): string {
  return `column '${field.name}' (${j})`;
}

/** The first null row of a chunk, or -1. */
function firstNull(chunk: ArrowDataLike): number {
  if (!(chunk.nullCount > 0) || !chunk.nullBitmap) return -1;
  const bits = chunk.nullBitmap;
  for (let r = 0; r < chunk.length; r++) {
    const bit = chunk.offset + r;
    if (((bits[bit >> 3] as number) & (1 << (bit & 7))) === 0) return r;
  }
  return -1;
}

/** An Arrow table's columns, checked: all numeric, no nulls, each with the table's rows. */
export interface ArrowColumns {
  readonly n: number;
  readonly d: number;
  /** Each column's chunks (apache-arrow's `Data`). */
  readonly chunksOf: readonly (readonly ArrowDataLike[])[];
}

/** Rows of every column at once: one record batch of a table, its values per column. */
export interface ArrowRowGroup {
  readonly rows: number;
  readonly columns: readonly ArrayBufferView[];
}

/**
 * X's columns, checked.
 * @throws TypeError - a column that is not numeric (or a malformed table).
 * @throws RangeError - a null value, or no rows or columns.
 */
export function checkArrowColumns(X: ArrowTableLike, name: string): ArrowColumns {
  const fields = X.schema.fields;
  const d = fields.length;
  const n = X.numRows;
  if (!Number.isSafeInteger(n) || n < 0) throw invalidType(`${name}.numRows is not a row count`);
  if (n === 0) throw invalidValue(`${name} has no samples (N = 0): at least one row is needed`);
  if (d === 0) throw invalidValue(`${name} has no features (D = 0): the table has no columns`);
  const chunksOf: ArrowDataLike[][] = [];
  for (let j = 0; j < d; j++) {
    const field = fields[j] as { name: string; type: ArrowTypeLike };
    const vector = X.getChildAt(j);
    if (!vector || !Array.isArray(vector.data)) throw invalidType(`${name} ${columnName(field, j)} has no data`);
    const type = field.type;
    const numeric =
      (type.typeId === TYPE_FLOAT && type.precision !== PRECISION_HALF) || (type.typeId === TYPE_INT && type.bitWidth !== undefined);
    if (!numeric) {
      throw invalidType(`${name} ${columnName(field, j)} has type ${String(type)}: every column must be a Float32/Float64 or integer column`);
    }
    let rows = 0;
    for (const chunk of vector.data) {
      const bad = firstNull(chunk);
      if (bad >= 0) throw invalidValue(`${name} ${columnName(field, j)} has a null at row ${rows + bad}`);
      if (!ArrayBuffer.isView(chunk.values) || (chunk.values as unknown as ArrayLike<unknown>).length < chunk.length) {
        throw invalidType(`${name} ${columnName(field, j)} has a chunk without its values`);
      }
      rows += chunk.length;
    }
    if (rows !== n) throw invalidValue(`${name} ${columnName(field, j)} has ${rows} rows, but the table has ${n}`);
    chunksOf.push(vector.data as ArrowDataLike[]);
  }
  return { n, d, chunksOf };
}

/**
 * The columns as groups of the same rows in every column (a table of record batches), or
 * undefined when their chunks do not line up.
 */
export function arrowRowGroups(columns: ArrowColumns): ArrowRowGroup[] | undefined {
  const first = columns.chunksOf[0] as readonly ArrowDataLike[];
  const aligned = columns.chunksOf.every((c) => c.length === first.length && c.every((chunk, i) => chunk.length === first[i]?.length));
  if (!aligned) return undefined;
  return first.map((chunk, b) => ({
    rows: chunk.length,
    columns: columns.chunksOf.map((c) => (c[b] as ArrowDataLike).values as ArrayBufferView),
  }));
}

/**
 * X as a row-major Float64Array [numRows, number of columns] (in `scratch(length)` when given),
 * and the flat index of its first non-finite value in row-major order (-1 when all are finite),
 * found by the conversion itself (no second scan of the rows).
 * @throws TypeError - a column that is not numeric (or a malformed table).
 * @throws RangeError - a null value, or no rows or columns.
 */
export function rowsFromArrow(
  X: ArrowTableLike,
  name: string,
  scratch?: (length: number) => Float64Array,
): { data: Float64Array; n: number; d: number; firstNonFinite: number } {
  const columns = checkArrowColumns(X, name);
  const { n, d, chunksOf } = columns;
  // Every value is written below (each column's chunks cover its n rows), so a reused buffer
  // needs no clearing (a conversion that meets a non-finite value may stop early: X is then
  // rejected).
  const data = scratch ? scratch(n * d) : new Float64Array(n * d);
  const convert = native().columnsToRows;
  // Each call returns its first non-finite value as r·d + j from its first row: the least
  // over the calls is the first in row-major order.
  let firstNonFinite = -1;
  const convertAt = (values: readonly ArrayBufferView[], first: number, rows: number, column: number): void => {
    const bad = convert(values, data, first, rows, d, column);
    if (bad >= 0 && (firstNonFinite < 0 || first * d + bad < firstNonFinite)) firstNonFinite = first * d + bad;
  };
  // Chunks of the same rows in every column (a table of record batches) go through together;
  // otherwise column by column.
  const groups = arrowRowGroups(columns);
  if (groups) {
    let first = 0;
    for (const group of groups) {
      convertAt(group.columns, first, group.rows, 0);
      if (firstNonFinite >= 0) break; // (the groups are in row order)
      first += group.rows;
    }
  } else {
    // Column by column, each chunk into its rows.
    for (let j = 0; j < d; j++) {
      let first = 0;
      for (const chunk of chunksOf[j] as ArrowDataLike[]) {
        convertAt([chunk.values as ArrayBufferView], first, chunk.length, j);
        first += chunk.length;
      }
    }
  }
  return { data, n, d, firstNonFinite };
}
