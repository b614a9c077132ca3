/**
 * `fit` over a file it does not hold: the estimators' `fitStream`, one pass over the file per
 * EM iteration (re-opened for each pass), each chunk of rows handed over as it is read. From
 * the same start the model is the in-memory fit's, bit for bit.
 */
import * as fs from 'node:fs';

import type { RecordBatch } from 'apache-arrow';
import type { IterationInfo, NDArray, StreamFitOptions } from 'gaussmix';

import { CliError, UsageError } from './args.js';
import { openArrowBatches, openTable, type ReadOptions, type Table } from './data.js';
import type { ModelName } from './models.js';

/**
 * Files larger than this are streamed by `fit` (unless the model cannot be): 1 GiB. An
 * in-memory fit holds the rows as float64 (8 bytes a value) beside the parser's work, and a CSV
 * file takes about 2 to 3 times the bytes of its values, so at this size the rows alone pass
 * the gigabyte.
 */
export const STREAM_THRESHOLD_BYTES = 2 ** 30;

/** The threshold in force: GAUSSMIX_STREAM_BYTES (an integer >= 0) when set, else the default. */
export function streamThreshold(): number {
  const v = process.env.GAUSSMIX_STREAM_BYTES;
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : STREAM_THRESHOLD_BYTES;
}

/** The models whose estimators have `fitStream` (K-means has none: its fit is Lloyd's). */
export function streamable(model: ModelName): boolean {
  return model !== 'kmeans';
}

/** Whether `fit` streams `source`: forced by --stream, or a file above the threshold. */
export async function shouldStream(
  source: string,
  o: { forced: boolean; model: ModelName; standardize: boolean; command: string },
): Promise<boolean> {
  if (o.forced) {
    if (source === '-') throw new UsageError('--stream reads the file once per iteration: give a file, not stdin', o.command);
    if (!streamable(o.model)) throw new UsageError(`--stream: --model ${o.model} has no streamed fit (use gmm, gaussian-kmeans or soft-kmeans)`, o.command);
    if (o.standardize) throw new UsageError('--stream and --standardize do not go together (the scaling needs a pass of its own)', o.command);
    return true;
  }
  if (source === '-' || !streamable(o.model) || o.standardize) return false;
  const st = await fs.promises.stat(source).catch(() => undefined);
  return st !== undefined && st.isFile() && st.size > streamThreshold();
}

/** What a streamed fit needs of the estimator. */
export interface StreamingEstimator {
  fitStream(source: () => AsyncIterable<NDArray> | AsyncIterable<RecordBatch>, options?: StreamFitOptions): Promise<unknown>;
}

/** What the passes learnt of the file. */
export interface StreamedData {
  name: string;
  columns: string[];
  rows: number;
  /** Rows left out for a missing value (in each pass; the same every pass). */
  dropped: number;
}

/**
 * Fits the estimator `make` gives for the file's columns by `fitStream`; the columns are
 * chosen once (by the first opening) and every pass reads those. A bad value stops the pass with
 * the file's error (its line or row, and column).
 *
 * An Arrow IPC file is read by gaussmix/arrow-file: its record batches go to fitStream as they
 * are (one reused buffer, converted natively), unless rows with a missing value are to be left
 * out (--missing drop), which needs the values read one by one.
 */
export async function fitStreamed<E extends StreamingEstimator>(
  make: (columns: string[]) => Promise<E>,
  source: string,
  read: ReadOptions,
  onIteration: ((info: IterationInfo) => void) | undefined,
): Promise<StreamedData & { estimator: E }> {
  const arrow = read.missing === 'drop' ? undefined : await openArrowBatches(source, read);
  if (arrow) {
    const estimator = await make(arrow.columns);
    let rows = 0;
    const pass = async function* (): AsyncGenerator<RecordBatch> {
      let seen = 0;
      for await (const batch of arrow.batches()) {
        seen += batch.numRows;
        yield batch;
      }
      rows = seen;
    };
    try {
      await estimator.fitStream(pass, onIteration ? { onIteration } : undefined);
    } catch (err) {
      if (err instanceof CliError || err instanceof UsageError) throw err;
      // A bad value (a null, NaN, ±Infinity) is said as the other readers say it, with its row
      // and column named: found by reading the file again the slow way, up to that value.
      if ((err as { code?: unknown }).code === 'ERR_GAUSSMIX_INVALID_ARGUMENT') await scanValues(source, read, arrow.columns);
      throw new CliError(`the fit failed: ${(err as Error).message}`, { cause: err });
    }
    if (rows === 0) throw new CliError(`${arrow.name}: no data rows`);
    return { name: arrow.name, columns: arrow.columns, rows, dropped: 0, estimator };
  }
  let first: Table | undefined = await openTable(source, read);
  const { name, columns } = first;
  const d = columns.length;
  const estimator = await make(columns);
  let rows = 0;
  let dropped = 0;
  const pass = async function* (): AsyncGenerator<NDArray> {
    const table = first ?? (await openTable(source, { ...read, columns }));
    first = undefined;
    let seen = 0;
    for await (const c of table.chunks) {
      seen += c.rows;
      yield { data: c.data, shape: [c.rows, d] };
    }
    rows = seen;
    dropped = table.counts.dropped;
  };
  try {
    await estimator.fitStream(pass, onIteration ? { onIteration } : undefined);
  } catch (err) {
    // The file's own errors (a bad value at a line or row) are said as they are.
    if (err instanceof CliError || err instanceof UsageError) throw err;
    throw new CliError(`the fit failed: ${(err as Error).message}`, { cause: err });
  }
  if (rows === 0) throw new CliError(`${name}: no data rows`);
  return { name, columns, rows, dropped, estimator };
}

/** Reads the file's `columns` value by value: throws the reader's error for the first bad one. */
async function scanValues(source: string, read: ReadOptions, columns: string[]): Promise<void> {
  const table = await openTable(source, { ...read, columns });
  for await (const _ of table.chunks) {
    // (Each chunk's values are checked as it is read.)
  }
}

/** The rows `wanted` (increasing indexes) of the file's chosen columns, read in one more pass. */
export async function readRows(source: string, read: ReadOptions, columns: string[], wanted: number[]): Promise<Float64Array> {
  const d = columns.length;
  const out = new Float64Array(wanted.length * d);
  const table = await openTable(source, { ...read, columns });
  let row0 = 0;
  let next = 0;
  for await (const c of table.chunks) {
    while (next < wanted.length && (wanted[next] as number) < row0 + c.rows) {
      const r = (wanted[next] as number) - row0;
      out.set(c.data.subarray(r * d, r * d + d), next * d);
      next++;
    }
    row0 += c.rows;
    if (next === wanted.length) break;
  }
  return out;
}
