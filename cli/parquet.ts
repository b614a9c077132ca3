/**
 * Reading Parquet files with hyparquet (pure JavaScript, no dependencies; hyparquet-compressors
 * adds the codecs beyond Snappy: gzip, Brotli, Zstandard, LZ4). The file is read by byte
 * ranges, one row group at a time, so a file larger than memory streams as Arrow and CSV do.
 * Parquet needs random access (its schema is in the footer): a file, not stdin.
 */
import type { FileMetaData, SchemaElement } from 'hyparquet';

import { CliError } from './args.js';
import type { Chunk } from './data.js';

/** The magic bytes that start (and end) every Parquet file. */
export function isParquet(head: Buffer): boolean {
  return head.subarray(0, 4).toString('latin1') === 'PAR1';
}

/** Physical types read as numbers; logical types that are not quantities are left out. */
const NUMERIC_TYPES = new Set(['INT32', 'INT64', 'FLOAT', 'DOUBLE']);
const NON_QUANTITIES = new Set(['DATE', 'TIME', 'TIMESTAMP', 'STRING', 'ENUM', 'JSON', 'BSON', 'UUID', 'INTERVAL']);

function isNumericColumn(e: SchemaElement): boolean {
  if (e.num_children || e.type === undefined || !NUMERIC_TYPES.has(e.type)) return false;
  const logical = e.logical_type?.type;
  const converted = e.converted_type ?? '';
  return !(logical && NON_QUANTITIES.has(logical)) && !/^(DATE|TIME|TIMESTAMP|INTERVAL)/.test(converted);
}

export interface ParquetSource {
  /** Every top-level column's name, and whether it holds numbers. */
  names: string[];
  numeric: boolean[];
  /** The chosen columns' rows, one row group at a time. */
  chunks(columns: string[]): AsyncGenerator<Chunk>;
}

/** Opens a Parquet file: its schema now, its rows later. */
export async function openParquet(path: string, name: string): Promise<ParquetSource> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  let metadata: FileMetaData;
  const file = await asyncBufferFromFile(path);
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new CliError(`${name}: not a readable Parquet file (${(err as Error).message})`);
  }
  const fields = parquetSchema(metadata).children.map((c) => c.element);
  const names = fields.map((f) => f.name);
  const numeric = fields.map(isNumericColumn);

  async function* chunks(columns: string[]): AsyncGenerator<Chunk> {
    const d = columns.length;
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      if (rowEnd === rowStart) continue;
      let rows: unknown[][] = [];
      try {
        await parquetRead({ file, metadata, columns, rowStart, rowEnd, compressors, onComplete: (r) => (rows = r) });
      } catch (err) {
        throw new CliError(`${name}: cannot read rows ${rowStart + 1} to ${rowEnd} (${(err as Error).message})`);
      }
      const data = new Float64Array(rows.length * d);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r] as unknown[];
        for (let j = 0; j < d; j++) {
          const v = row[j];
          const x = typeof v === 'number' || typeof v === 'bigint' ? Number(v) : NaN;
          if (!Number.isFinite(x)) {
            const what = v === null || v === undefined ? 'a null value' : `${String(v)}`;
            throw new CliError(`${name} row ${rowStart + r + 1}, column ${columns[j]}: ${what} is not a finite number`);
          }
          data[r * d + j] = x;
        }
      }
      rowStart = rowEnd;
      if (rows.length > 0) yield { data, rows: rows.length };
    }
  }
  return { names, numeric, chunks };
}
