/**
 * Reading data files: CSV/TSV (gaussmix/csv, native: header detected or given, delimiter
 * sniffed or given, decimal point or comma, comment lines), Apache Arrow IPC (apache-arrow;
 * file and stream formats) and Parquet (hyparquet; see parquet.ts), in chunks of rows, so that
 * a command that only needs one chunk at a time (predict, a streamed fit) works on files larger
 * than memory.
 *
 * Every value becomes a float64; a value that is not a number stops the read with an error
 * naming the file, the line (CSV) or row (Arrow, Parquet) and the column. A missing value (an
 * empty field or a marker such as NA; null or NaN in Arrow and Parquet) does too, or with
 * `missing: 'drop'` its row is left out and counted.
 */
import * as fs from 'node:fs';

import type { RecordBatch, Schema } from 'apache-arrow';
import type { ArrowFile } from 'gaussmix/arrow-file';
import type { CsvFormat, CsvNumbers, CsvRecord } from 'gaussmix/csv';

import { CliError, UsageError } from './args.js';
import { BatchRows } from './missing.js';
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
  delimiter?: string | undefined;
  /** Text files: the first record is a header (true), data (false), or decided by its fields. */
  header?: boolean | undefined;
  /** Text files: lines starting with this character are skipped. */
  comment?: string | undefined;
  /** Text files: the decimal separator (default '.'). */
  decimal?: '.' | ',' | undefined;
  /** A missing value stops the read (default) or its row is left out. */
  missing?: 'error' | 'drop' | undefined;
  /** A column (name or 1-based index) returned as text per row in `Chunk.ids`. */
  idColumn?: string | undefined;
  /** Rows per chunk (default 65,536). */
  chunkRows?: number;
  /** The subcommand, for usage errors. */
  command: string;
}

/** Rows of the chosen columns, row-major. */
export interface Chunk {
  data: Float64Array;
  rows: number;
  /** The id column's values (ReadOptions.idColumn). */
  ids?: string[];
}

export interface Table {
  /** What the source is called in messages (the path, or 'stdin'). */
  name: string;
  format: 'csv' | 'arrow' | 'parquet';
  /** The chosen columns' names, in order. */
  columns: string[];
  /** The id column's name (ReadOptions.idColumn, given by name or by index). */
  idName?: string;
  chunks: AsyncGenerator<Chunk>;
  /** Rows left out so far for a missing value (ReadOptions.missing 'drop'). */
  counts: { dropped: number };
}

/** A number as the reader takes it, with `decimal` as its decimal separator. */
function numberPattern(decimal: '.' | ','): RegExp {
  const d = decimal === '.' ? '\\.' : ',';
  return new RegExp(`^[-+]?(?:\\d+${d}?\\d*|${d}\\d+)(?:[eE][-+]?\\d+)?$`);
}
/** What the CSV reader takes for a missing value (native/core/csv_numbers.h is_missing). */
const MISSING = new Set(['', 'NA', 'N/A', 'n/a', 'NaN', 'nan', '-NaN', '-nan', 'NULL', 'null', 'None', '<NA>', '#N/A']);
const DEFAULT_CHUNK = 65_536;
/** Bytes per read of a text file: fewer, larger calls into the native reader. */
const READ_BYTES = 1 << 20;

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
    stream = fs.createReadStream(source, { highWaterMark: READ_BYTES });
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

/** The index of column `w` (a name or a 1-based index) of `all`, for the option `option`. */
function columnIndex(all: string[], w: string, name: string, option: string, command: string, origin?: string): number {
  let i = all.indexOf(w);
  if (i < 0 && /^\d+$/.test(w) && Number(w) >= 1 && Number(w) <= all.length) i = Number(w) - 1;
  if (i < 0 && origin !== undefined) {
    throw new CliError(`${name} has no column '${w}', which ${origin} needs (columns: ${all.join(', ')}); choose others with --columns`);
  }
  if (i < 0) throw new UsageError(`${option}: no column '${w}' in ${name} (columns: ${all.join(', ')})`, command);
  return i;
}

/** Which columns to read, by name or 1-based index (the id column is never one by default). */
function chooseColumns(all: string[], numeric: boolean[], name: string, opts: ReadOptions): number[] {
  const wanted = opts.columns;
  if (wanted === undefined) {
    const id = opts.idColumn === undefined ? -1 : columnIndex(all, opts.idColumn, name, '--id', opts.command);
    const idx = all.map((_, i) => i).filter((i) => numeric[i] && i !== id);
    if (idx.length === 0) throw new CliError(`${name}: no numeric columns (columns: ${all.join(', ')})`);
    return idx;
  }
  if (wanted.length === 0) throw new UsageError('--columns is empty', opts.command);
  return wanted.map((w) => columnIndex(all, w, name, '--columns', opts.command, opts.columnsOrigin));
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
    const idField = opts.idColumn === undefined ? undefined : columnIndex(pq.names, opts.idColumn, src.name, '--id', opts.command);
    const counts = { dropped: 0 };
    const chunks = pq.chunks(columns, { idColumn: idField === undefined ? undefined : pq.names[idField], dropMissing: opts.missing === 'drop', counts });
    return { name: src.name, format: 'parquet', columns, ...(idField !== undefined && { idName: pq.names[idField] as string }), chunks, counts };
  }
  return openCsv(src, opts);
}

/**
 * The first record line's delimiter (blank lines and comment lines skipped): tab, then comma,
 * then semicolon; with a decimal comma, tab or semicolon (a comma is then part of the numbers).
 */
function sniffDelimiter(head: Buffer, decimal: '.' | ',', comment: string | undefined): string {
  const lines = head.toString('utf8').replace(/^\ufeff/, '').split(/\r?\n/);
  const firstLine = lines.find((l) => l.trim() !== '' && (comment === undefined || !l.startsWith(comment))) ?? '';
  if (firstLine.includes('\t')) return '\t';
  if (decimal === '.' && firstLine.includes(',')) return ',';
  if (firstLine.includes(';')) return ';';
  return decimal === ',' ? ';' : ',';
}

/** What a bad record is called in an error: its line, its column, and a hint when one fits. */
function problemMessage(
  problem: NonNullable<CsvNumbers['problem']>,
  at: { name: string; line: number; header: string[]; comment: string | undefined; decimal: string },
): string {
  const { name, line, header } = at;
  if (problem.kind === 'ragged') {
    const hint = at.comment === undefined && /^\s*#/.test(header[0] ?? '') ? " (is the first line a comment? skip such lines with --comment '#')" : '';
    return `${name}: line ${line} has ${problem.field} field${problem.field === 1 ? '' : 's'}, the first ${header.length}${hint}`;
  }
  const text = problem.text;
  const what = text === '' ? 'an empty value' : `'${text.length > 40 ? `${text.slice(0, 40)}...` : text}'`;
  let hint = '';
  if (problem.kind === 'missing') hint = ' (a missing value: leave such rows out with --missing drop)';
  else if (at.comment === undefined && /^\s*#/.test(text)) hint = " (a comment line? skip them with --comment '#')";
  else if (at.decimal === '.' && /^[-+]?\d*,\d+$/.test(text)) hint = ' (a decimal comma? read it with --decimal comma)';
  return `${name} line ${line}, column ${header[problem.field]}: ${what} is not a number${hint}`;
}

/**
 * Text the CSV reader cannot read, said at once: UTF-16 (a byte order mark, or a NUL in every
 * other byte) and line ends of carriage returns alone (classic Mac OS), which would read as
 * one long line.
 */
function checkTextEncoding(head: Buffer, name: string): void {
  const bom16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  let nuls = 0;
  const probe = Math.min(head.length, 4096);
  for (let i = 0; i < probe; i++) nuls += head[i] === 0 ? 1 : 0;
  if (bom16 || (probe >= 8 && nuls * 4 >= probe)) {
    throw new CliError(`${name}: the text is UTF-16 (or binary); save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)`);
  }
  const cr = head.indexOf(0x0d);
  if (cr >= 0 && head.indexOf(0x0a) < 0 && cr < head.length - 1) {
    throw new CliError(`${name}: its lines end with a carriage return alone (classic Mac OS); convert them to \\n or \\r\\n`);
  }
}

async function openCsv(src: Awaited<ReturnType<typeof openSource>>, opts: ReadOptions): Promise<Table> {
  const { name } = src;
  const { csvNumbers, csvRecord } = await import('gaussmix/csv');
  const decimal = opts.decimal ?? '.';
  const format: CsvFormat = { delimiter: opts.delimiter ?? sniffDelimiter(src.head, decimal, opts.comment), decimal, ...(opts.comment !== undefined && { comment: opts.comment }) };
  if (format.delimiter === decimal) throw new UsageError(`--delimiter and the decimal separator are both '${decimal}'`, opts.command);
  const number = numberPattern(decimal);
  // The bytes not yet read (a record cut at the end of a buffer waits here for the next) and
  // the line ends before them.
  const input = src.rest();
  let buf: Buffer = Buffer.alloc(0);
  let final = false;
  let lineBase = 0;
  let started = false;
  const more = async (): Promise<void> => {
    try {
      const r = await input.next();
      if (r.done) {
        final = true;
        return;
      }
      if (!started) checkTextEncoding(r.value, name);
      // A UTF-8 byte order mark (spreadsheets write one) is not part of the first field.
      const bytes = !started && r.value[0] === 0xef && r.value[1] === 0xbb && r.value[2] === 0xbf ? r.value.subarray(3) : r.value;
      started = true;
      buf = buf.length === 0 ? bytes : Buffer.concat([buf, bytes]);
    } catch (err) {
      throw new CliError(`cannot read ${name}: ${(err as Error).message}`);
    }
  };
  const record = async (at: number): Promise<CsvRecord | null> => {
    for (;;) {
      const r = csvRecord(buf, at, final, format);
      if (r !== null || final) return r;
      await more();
    }
  };

  const first = await record(0);
  if (first === null) throw new CliError(`${name}: no data`);
  const missingOrNumber = (f: string): boolean => number.test(f) || MISSING.has(f);
  const hasHeader = opts.header ?? first.fields.some((f) => !missingOrNumber(f));
  const header = hasHeader ? first.fields : first.fields.map((_, i) => String(i + 1));
  const row = hasHeader ? await record(first.next) : first;
  if (row === null) throw new CliError(`${name}: a header but no data rows`);
  if (hasHeader) {
    buf = buf.subarray(first.next);
    lineBase = first.lines;
  }
  // A column is left out by default when its first value is text (a word such as 'setosa' or
  // 'M'); any other first value keeps it, so that a bad value ('?', '0x10', Inf) or a missing one
  // stops the read with an error naming it (or drops the row), rather than the column being
  // silently left out. An unnamed column (R's write.csv row names, a trailing delimiter) is
  // left out too, and said.
  const text = (f: string): boolean => !missingOrNumber(f) && /[A-Za-z]/.test(f) && !/^\s*[+-]?(inf|infinity|nan|0x[0-9a-f]+)\s*$/i.test(f);
  const idAt = opts.idColumn === undefined ? -1 : columnIndex(header, opts.idColumn, name, '--id', opts.command);
  const unnamed = header.map((h, i) => hasHeader && h.trim() === '' && i !== idAt);
  const numeric = header.map((_, i) => !unnamed[i] && !text(row.fields[i] ?? ''));
  if (opts.columns === undefined && unnamed.some(Boolean)) {
    const which = unnamed.flatMap((u, i) => (u ? [String(i + 1)] : []));
    process.stderr.write(
      `gaussmix ${opts.command}: ${name}: left out the unnamed column${which.length > 1 ? 's' : ''} ${which.join(', ')} ` +
        `(row names or a trailing delimiter; name ${which.length > 1 ? 'them' : 'it'} by index in --columns to use ${which.length > 1 ? 'them' : 'it'})\n`,
    );
  }
  const idx = chooseColumns(header, numeric, name, opts);
  const idField = opts.idColumn === undefined ? undefined : columnIndex(header, opts.idColumn, name, '--id', opts.command);
  const columns = idx.map((i) => header[i] as string);
  const d = idx.length;
  const chunkRows = opts.chunkRows ?? DEFAULT_CHUNK;
  const counts = { dropped: 0 };
  const selection = { take: idx, fields: header.length, missing: opts.missing ?? 'error', ...(idField !== undefined && { idField }) } as const;

  async function* chunks(): AsyncGenerator<Chunk> {
    let data = new Float64Array(chunkRows * d);
    let ids: string[] = [];
    let rows = 0;
    for (;;) {
      const r = csvNumbers(buf, final, format, { ...selection, maxRows: chunkRows - rows });
      data.set(r.data, rows * d);
      rows += r.rows;
      counts.dropped += r.dropped;
      if (r.ids) for (const id of r.ids) ids.push(id);
      if (r.problem) {
        const line = lineBase + r.problem.line + 1;
        throw new CliError(problemMessage(r.problem, { name, line, header, comment: opts.comment, decimal }));
      }
      buf = buf.subarray(r.consumed);
      lineBase += r.lines;
      if (rows === chunkRows) {
        yield { data, rows, ...(idField !== undefined && { ids }) };
        data = new Float64Array(chunkRows * d);
        ids = [];
        rows = 0;
      } else if (final) {
        break;
      } else {
        await more();
      }
    }
    if (rows > 0) yield { data: data.subarray(0, rows * d), rows, ...(idField !== undefined && { ids }) };
  }
  return { name, format: 'csv', columns, ...(idField !== undefined && { idName: header[idField] as string }), chunks: chunks(), counts };
}

/**
 * Whether an Arrow column is read: integers and 32- or 64-bit floats, as gaussmix/arrow reads
 * them (Float16 is not: apache-arrow hands its raw bits to toArray()).
 */
function readableArrowType(f: { typeId: number; type: unknown }, Type: { Float: number; Int: number }): boolean {
  return (f.typeId === Type.Float && (f.type as { precision?: number }).precision !== HALF_PRECISION) || f.typeId === Type.Int;
}
/** Arrow's Precision.HALF. */
const HALF_PRECISION = 0;
function halfNote(f: { type: unknown }): string {
  return (f.type as { precision?: number }).precision === HALF_PRECISION ? ': half floats are not read; cast the column to Float32' : '';
}

/** apache-arrow's failure on a file, named (its TypeErrors are a file cut short or damaged). */
function unreadableArrow(name: string, err: unknown): CliError {
  return new CliError(`${name}: not a readable Arrow IPC file (${err instanceof TypeError ? 'cut short or damaged' : (err as Error).message})`);
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
    throw unreadableArrow(name, err);
  }
  const schema: Schema = reader.schema;
  const all = schema.fields.map((f) => f.name);
  const numeric = schema.fields.map((f) => readableArrowType(f, Type));
  const idx = chooseColumns(all, numeric, name, opts);
  for (const i of idx) {
    const f = schema.fields[i];
    if (f && !numeric[i]) throw new CliError(`${name}: column ${f.name} is not numeric (Arrow type ${String(f.type)}${halfNote(f)})`);
  }
  const columns = idx.map((i) => all[i] as string);
  const d = idx.length;
  const batches = reader as AsyncIterable<RecordBatch> | Iterable<RecordBatch>;

  const idField = opts.idColumn === undefined ? undefined : columnIndex(all, opts.idColumn, name, '--id', opts.command);
  const counts = { dropped: 0 };

  // A file cut short (or otherwise broken past its schema) fails while its batches are read.
  async function* batchesNamed(): AsyncGenerator<RecordBatch> {
    try {
      for await (const batch of batches) yield batch;
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw unreadableArrow(name, err);
    }
  }
  async function* chunks(): AsyncGenerator<Chunk> {
    let row0 = 0;
    for await (const batch of batchesNamed()) {
      const n = batch.numRows;
      const rows = new BatchRows(new Float64Array(n * d), n, d, opts.missing === 'drop');
      for (let j = 0; j < d; j++) {
        const col = batch.getChildAt(idx[j] as number);
        if (col === null) continue;
        const values = col.toArray() as ArrayLike<number | bigint>;
        const nulls = col.nullCount > 0;
        for (let r = 0; r < n; r++) {
          rows.set(r, j, Number(values[r]), nulls && !col.isValid(r), () => `${name} row ${row0 + r + 1}, column ${columns[j]}`);
        }
      }
      let ids: string[] | undefined;
      if (idField !== undefined) {
        const col = batch.getChildAt(idField);
        ids = Array.from({ length: n }, (_, r) => String(col?.get(r) ?? ''));
      }
      row0 += n;
      const { chunk, dropped } = rows.finish(ids);
      counts.dropped += dropped;
      if (chunk.rows > 0) yield chunk;
    }
  }
  return { name, format: 'arrow', columns, ...(idField !== undefined && { idName: all[idField] as string }), chunks: chunks(), counts };
}

/** An Arrow IPC file's chosen columns, for passes over its record batches as they are. */
export interface ArrowBatches {
  name: string;
  columns: string[];
  /**
   * One pass: the file's record batches with the chosen columns only, read by gaussmix/arrow-file
   * into one buffer reused from batch to batch (a batch is valid until the next is asked for).
   */
  batches: () => AsyncGenerator<RecordBatch>;
}

/** Whether the file at `source` starts as an Arrow IPC file does (false when it cannot be read). */
function startsAsArrow(source: string): boolean {
  try {
    const fd = fs.openSync(source, 'r');
    try {
      const head = Buffer.alloc(8);
      const got = fs.readSync(fd, head, 0, 8, 0);
      return got === 8 && isArrow(head);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * An Arrow IPC file (file or stream format) as passes of record batches for a streamed fit,
 * which converts their columns natively (no per-value JavaScript, no buffer per batch): the
 * fast path of `fit --stream`. Undefined when `source` is not an Arrow file (or stdin): read it
 * with {@link openTable}. The columns are chosen as openTable chooses them.
 */
export async function openArrowBatches(source: string, opts: ReadOptions): Promise<ArrowBatches | undefined> {
  if (source === '-' || !startsAsArrow(source)) return undefined;
  const [{ openArrowFile }, { Type }] = await Promise.all([import('gaussmix/arrow-file'), import('apache-arrow')]);
  let file: ArrowFile;
  try {
    file = await openArrowFile(source);
  } catch (err) {
    // (The message names the file.)
    throw new CliError((err as Error).message);
  }
  const fields = file.schema.fields;
  const all = fields.map((f) => f.name);
  const numeric = fields.map((f) => readableArrowType(f, Type));
  const idx = chooseColumns(all, numeric, source, opts);
  for (const i of idx) {
    const f = fields[i];
    if (f && !numeric[i]) throw new CliError(`${source}: column ${f.name} is not numeric (Arrow type ${String(f.type)}${halfNote(f)})`);
  }
  const identity = idx.length === all.length && idx.every((i, j) => i === j);
  async function* batches(): AsyncGenerator<RecordBatch> {
    const it = file.batches();
    try {
      for (;;) {
        let next: IteratorResult<RecordBatch, void>;
        try {
          next = await it.next();
        } catch (err) {
          throw new CliError((err as Error).message);
        }
        if (next.done) return;
        yield identity ? next.value : next.value.selectAt(idx);
      }
    } finally {
      await it.return();
    }
  }
  return { name: source, columns: idx.map((i) => all[i] as string), batches };
}

/** A whole source in one row-major matrix. */
export interface AllRows {
  name: string;
  columns: string[];
  data: Float64Array;
  rows: number;
  /** Rows left out for a missing value (ReadOptions.missing 'drop'). */
  dropped: number;
}

/** Reads a whole source into one row-major matrix. */
export async function readAll(source: string, opts: ReadOptions): Promise<AllRows> {
  const table = await openTable(source, opts);
  const parts: Chunk[] = [];
  let rows = 0;
  for await (const c of table.chunks) {
    parts.push(c);
    rows += c.rows;
  }
  const dropped = table.counts.dropped;
  if (rows === 0) throw new CliError(`${table.name}: no data rows${dropped > 0 ? ` (${dropped} left out for missing values)` : ''}`);
  const d = table.columns.length;
  const data = parts.length === 1 ? (parts[0] as Chunk).data : new Float64Array(rows * d);
  if (parts.length > 1) {
    let at = 0;
    for (const p of parts) {
      data.set(p.data, at);
      at += p.data.length;
    }
  }
  return { name: table.name, columns: table.columns, data, rows, dropped };
}
