/**
 * Reading Parquet files with hyparquet (pure JavaScript, no dependencies; hyparquet-compressors
 * adds the codecs beyond Snappy: gzip, Brotli, Zstandard, LZ4). The file is read by byte
 * ranges, one row group at a time, so a file larger than memory streams as Arrow and CSV do.
 * Parquet needs random access (its schema is in the footer): a file, not stdin.
 */
import type { FileMetaData, SchemaElement } from 'hyparquet';

import { CliError } from './args.js';
import type { Chunk } from './data.js';
import { BatchRows } from './missing.js';

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

/** What `chunks` reads besides the columns, and what it does with missing values. */
export interface ChunkOptions {
  /** A column whose values come as text in `Chunk.ids`. */
  idColumn?: string | undefined;
  /** Leave out rows with a null or NaN (else they are an error). */
  dropMissing: boolean;
  /** Where the rows left out are counted. */
  counts: { dropped: number };
}

export interface ParquetSource {
  /** Every top-level column's name, and whether it holds numbers. */
  names: string[];
  numeric: boolean[];
  /** The chosen columns' rows, one row group at a time. */
  chunks(columns: string[], options: ChunkOptions): AsyncGenerator<Chunk>;
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

  async function* chunks(columns: string[], o: ChunkOptions): AsyncGenerator<Chunk> {
    const d = columns.length;
    const read = o.idColumn === undefined ? columns : [...columns, o.idColumn];
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows);
      if (rowEnd === rowStart) continue;
      let rows: unknown[][] = [];
      try {
        await parquetRead({ file, metadata, columns: read, rowStart, rowEnd, compressors, onComplete: (r) => (rows = r) });
      } catch (err) {
        throw new CliError(`${name}: cannot read rows ${rowStart + 1} to ${rowEnd} (${(err as Error).message})`);
      }
      const batch = new BatchRows(new Float64Array(rows.length * d), rows.length, d, o.dropMissing);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r] as unknown[];
        for (let j = 0; j < d; j++) {
          const v = row[j];
          const x = typeof v === 'number' || typeof v === 'bigint' ? Number(v) : NaN;
          const isNull = v === null || v === undefined;
          if (!isNull && Number.isNaN(x) && typeof v !== 'number') {
            throw new CliError(`${name} row ${rowStart + r + 1}, column ${columns[j]}: ${String(v)} is not a finite number`);
          }
          batch.set(r, j, x, isNull, () => `${name} row ${rowStart + r + 1}, column ${columns[j]}`);
        }
      }
      const ids = o.idColumn === undefined ? undefined : rows.map((row) => String(row[d] ?? ''));
      const { chunk, dropped } = batch.finish(ids);
      o.counts.dropped += dropped;
      rowStart = rowEnd;
      if (chunk.rows > 0) yield chunk;
    }
  }
  return { names, numeric, chunks };
}
