/**
 * Reading data files: CSV/TSV (csv-parse; header detected, delimiter sniffed), Apache Arrow
 * IPC (apache-arrow; file and stream formats) and Parquet (hyparquet; see parquet.ts), in
 * chunks of rows, so that a command that only needs one chunk at a time (predict, a streamed
 * fit) works on files larger than memory.
 *
 * Every value becomes a float64; a value that is not a number stops the read with an error
 * naming the file, the line (CSV) or row (Arrow) and the column.
 */
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { RecordBatch, Schema } from 'apache-arrow';

import { CliError, UsageError } from './args.js';
import { isParquet, openParquet } from './parquet.js';

export interface ReadOptions {
  /** Column names or 1-based indexes; default: every numeric column. */
  columns?: string[] | undefined;
  /**
   * Where `columns` came from when not from --columns (e.g. "the model"): a column missing
   * is then a failure (exit 1), not a usage error.
   */
  columnsOrigin?: string | undefined;
  /** Field delimiter for text files; default: sniffed from the first line. */
  delimiter?: string;
  /** Rows per chunk (default 65,536). */
  chunkRows?: number;
  /** The subcommand, for usage errors. */
  command: string;
}

/** Rows of the chosen columns, row-major. */
export interface Chunk {
  data: Float64Array;
  rows: number;
}

export interface Table {
  /** What the source is called in messages (the path, or 'stdin'). */
  name: string;
  format: 'csv' | 'arrow' | 'parquet';
  /** The chosen columns' names, in order. */
  columns: string[];
  chunks: AsyncGenerator<Chunk>;
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const DEFAULT_CHUNK = 65_536;

/** The delimiter named on the command line: a character, or 'tab' / 'comma' / 'semicolon' / 'space'. */
export function delimiterOption(v: string | undefined, command: string): string | undefined {
  if (v === undefined) return undefined;
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', space: ' ' };
  const d = named[v] ?? v;
  if (d.length !== 1 || /[\d.\-+eE"\r\n]/.test(d)) {
    throw new UsageError(`--delimiter must be one character (or tab, comma, semicolon, space), got '${v}'`, command);
  }
  return d;
}

/** Opens a data source ('-' is stdin) and peeks at its first bytes. */
async function openSource(
  source: string,
): Promise<{ name: string; head: Buffer; rest: () => AsyncGenerator<Buffer>; close: () => Promise<void> }> {
  let stream: NodeJS.ReadableStream;
  const name = source === '-' ? 'stdin' : source;
  if (source === '-') {
    stream = process.stdin;
  } else {
    try {
      const st = await fs.promises.stat(source);
      if (st.isDirectory()) throw new CliError(`cannot read ${source}: it is a directory`);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    stream = fs.createReadStream(source);
  }
  const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer>;
  try {
    first = await it.next();
  } catch (err) {
    throw new CliError(`cannot read ${name}: ${(err as Error).message}`);
  }
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const close = async (): Promise<void> => {
    await it.return?.();
  };
  return { name, head, rest, close };
}

function isArrow(head: Buffer): boolean {
  return head.subarray(0, 6).toString('latin1') === 'ARROW1' || (head.length >= 4 && head.readUInt32LE(0) === 0xffffffff);
}

/** Which columns to read, by name or 1-based index. */
function chooseColumns(all: string[], numeric: boolean[], name: string, opts: ReadOptions): number[] {
  const wanted = opts.columns;
  if (wanted === undefined) {
    const idx = all.map((_, i) => i).filter((i) => numeric[i]);
    if (idx.length === 0) throw new CliError(`${name}: no numeric columns (columns: ${all.join(', ')})`);
    return idx;
  }
  if (wanted.length === 0) throw new UsageError('--columns is empty', opts.command);
  return wanted.map((w) => {
    let i = all.indexOf(w);
    if (i < 0 && /^\d+$/.test(w) && Number(w) >= 1 && Number(w) <= all.length) i = Number(w) - 1;
    if (i < 0 && opts.columnsOrigin !== undefined) {
      throw new CliError(`${name} has no column '${w}', which ${opts.columnsOrigin} needs (columns: ${all.join(', ')}); choose others with --columns`);
    }
    if (i < 0) throw new UsageError(`--columns: no column '${w}' in ${name} (columns: ${all.join(', ')})`, opts.command);
    return i;
  });
}

/**
 * Opens a CSV/TSV or Arrow source and decides its columns; the rows come from `chunks`.
 */
export async function openTable(source: string, opts: ReadOptions): Promise<Table> {
  const src = await openSource(source);
  if (isArrow(src.head)) return openArrow(source, src, opts);
  if (isParquet(src.head)) {
    if (source === '-') throw new CliError('stdin: Parquet needs random access (its schema is at the end): give the file');
    // Read by byte ranges of the file: this stream is not needed.
    await src.close();
    const pq = await openParquet(source, src.name);
    const idx = chooseColumns(pq.names, pq.numeric, src.name, opts);
    for (const i of idx) {
      if (!pq.numeric[i]) throw new CliError(`${src.name}: column ${pq.names[i]} is not numeric`);
    }
    const columns = idx.map((i) => pq.names[i] as string);
    return { name: src.name, format: 'parquet', columns, chunks: pq.chunks(columns) };
  }
  return openCsv(src, opts);
}

async function openCsv(src: Awaited<ReturnType<typeof openSource>>, opts: ReadOptions): Promise<Table> {
  const { name } = src;
  const firstLine = src.head.toString('utf8').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = opts.delimiter ?? (firstLine.includes('\t') ? '\t' : firstLine.includes(',') ? ',' : firstLine.includes(';') ? ';' : ',');
  // Loaded when needed (as apache-arrow is), so that a command starts fast.
  const { CsvError, parse: csvParse } = await import('csv-parse');
  const parser = csvParse({ delimiter, info: true, skip_empty_lines: true, trim: true, bom: true });
  const done = pipeline(Readable.from(src.rest()), parser).catch((err: unknown) => {
    parser.destroy(err as Error);
  });
  const records = (parser as AsyncIterable<{ record: string[]; info: { lines: number } }>)[Symbol.asyncIterator]();
  const next = async (): Promise<{ record: string[]; line: number } | undefined> => {
    try {
      const r = await records.next();
      return r.done ? undefined : { record: r.value.record, line: r.value.info.lines };
    } catch (err) {
      if (err instanceof CsvError) throw new CliError(`${name}: ${err.message}`);
      throw new CliError(`cannot read ${name}: ${(err as Error).message}`);
    }
  };

  let first = await next();
  if (first === undefined) throw new CliError(`${name}: no data`);
  const hasHeader = first.record.some((f) => !NUMBER.test(f));
  const header = hasHeader ? first.record : first.record.map((_, i) => String(i + 1));
  if (hasHeader) first = await next();
  if (first === undefined) throw new CliError(`${name}: a header but no data rows`);
  // A column is numeric when its first value is a number, or empty (then reading stops there
  // with an error, rather than the column being silently left out).
  const numeric = header.map((_, i) => NUMBER.test(first?.record[i] ?? '') || (first?.record[i] ?? '') === '');
  const idx = chooseColumns(header, numeric, name, opts);
  const columns = idx.map((i) => header[i] as string);
  const d = idx.length;
  const chunkRows = opts.chunkRows ?? DEFAULT_CHUNK;

  async function* chunks(): AsyncGenerator<Chunk> {
    let buf = new Float64Array(chunkRows * d);
    let rows = 0;
    for (let r = first; r !== undefined; r = await next()) {
      const { record, line } = r;
      for (let j = 0; j < d; j++) {
        const col = idx[j] as number;
        const text = record[col] ?? '';
        const x = NUMBER.test(text) ? Number(text) : NaN;
        if (!Number.isFinite(x)) {
          const what = text === '' ? 'an empty value' : `'${text.length > 40 ? `${text.slice(0, 40)}...` : text}'`;
          throw new CliError(`${name} line ${line}, column ${header[col]}: ${what} is not a number`);
        }
        buf[rows * d + j] = x;
      }
      if (++rows === chunkRows) {
        yield { data: buf, rows };
        buf = new Float64Array(chunkRows * d);
        rows = 0;
      }
    }
    if (rows > 0) yield { data: buf.subarray(0, rows * d), rows };
    await done;
  }
  return { name, format: 'csv', columns, chunks: chunks() };
}

async function openArrow(source: string, src: Awaited<ReturnType<typeof openSource>>, opts: ReadOptions): Promise<Table> {
  const { name } = src;
  const { RecordBatchReader, Type } = await import('apache-arrow');
  let reader;
  try {
    if (source !== '-' && src.head.subarray(0, 6).toString('latin1') === 'ARROW1') {
      // The file format from a file: random access, one record batch in memory at a time.
      const handle = await fs.promises.open(source);
      reader = await RecordBatchReader.from(handle);
    } else {
      reader = await RecordBatchReader.from(src.rest());
    }
    await reader.open();
  } catch (err) {
    throw new CliError(`${name}: not a readable Arrow IPC file (${(err as Error).message})`);
  }
  const schema: Schema = reader.schema;
  const all = schema.fields.map((f) => f.name);
  const numeric = schema.fields.map((f) => f.typeId === Type.Float || f.typeId === Type.Int);
  const idx = chooseColumns(all, numeric, name, opts);
  for (const i of idx) {
    const f = schema.fields[i];
    if (f && !numeric[i]) throw new CliError(`${name}: column ${f.name} is not numeric (Arrow type ${String(f.type)})`);
  }
  const columns = idx.map((i) => all[i] as string);
  const d = idx.length;
  const batches = reader as AsyncIterable<RecordBatch> | Iterable<RecordBatch>;

  async function* chunks(): AsyncGenerator<Chunk> {
    let row0 = 0;
    for await (const batch of batches) {
      const n = batch.numRows;
      const data = new Float64Array(n * d);
      for (let j = 0; j < d; j++) {
        const col = batch.getChildAt(idx[j] as number);
        if (col === null) continue;
        const values = col.toArray() as ArrayLike<number | bigint>;
        for (let r = 0; r < n; r++) {
          const x = Number(values[r]);
          if (!Number.isFinite(x) || (col.nullCount > 0 && !col.isValid(r))) {
            const what = col.nullCount > 0 && !col.isValid(r) ? 'a null value' : `${x}`;
            throw new CliError(`${name} row ${row0 + r + 1}, column ${columns[j]}: ${what} is not a finite number`);
          }
          data[r * d + j] = x;
        }
      }
      row0 += n;
      if (n > 0) yield { data, rows: n };
    }
  }
  return { name, format: 'arrow', columns, chunks: chunks() };
}

/** Reads a whole source into one row-major matrix. */
export async function readAll(source: string, opts: ReadOptions): Promise<{ name: string; columns: string[]; data: Float64Array; rows: number }> {
  const table = await openTable(source, opts);
  const parts: Chunk[] = [];
  let rows = 0;
  for await (const c of table.chunks) {
    parts.push(c);
    rows += c.rows;
  }
  if (rows === 0) throw new CliError(`${table.name}: no data rows`);
  const d = table.columns.length;
  const data = parts.length === 1 ? (parts[0] as Chunk).data : new Float64Array(rows * d);
  if (parts.length > 1) {
    let at = 0;
    for (const p of parts) {
      data.set(p.data, at);
      at += p.data.length;
    }
  }
  return { name: table.name, columns: table.columns, data, rows };
}
