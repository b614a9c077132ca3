/**
 * Arrow batches in a stream (issue 15): their columns are converted straight into the pass's
 * chunks, the finite check folded into the conversion. Batches of random sizes that straddle
 * chunk boundaries, tables of several record batches, slices and Float32/integer columns give
 * fit's parameters bit for bit; a NaN or ±Infinity past a chunk boundary names its batch, its
 * row in the batch and in the pass, and its column, and leaves the model as it was. All-Float64
 * tables (converted four columns at a time, then the rest) are checked as well.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { BLOCK_ROWS, GaussianMixture, KMeans, type StreamBatch } from '../lib/index.js';
import { mulberry32 } from './helpers/random.js';

// 64 features: a chunk is 4 blocks (16,384 rows), so the batches below cross several chunks.
const D = 64;
const N = 5 * BLOCK_ROWS + 777;
const K = 5;
const rng = mulberry32(2024);
/** Columns of small integers (exact in Float32 and Int32), around K centres. */
const COLUMNS = Array.from({ length: D }, () => new Float64Array(N));
for (let i = 0; i < N; i++) {
  const c = Math.floor(rng() * K);
  for (let j = 0; j < D; j++) (COLUMNS[j] as Float64Array)[i] = c * 10 + Math.floor(rng() * 7) - 3;
}

/** The row-major copy of `columns`. */
function rowsOf(columns: Float64Array[]): Float64Array {
  const d = columns.length;
  const rows = new Float64Array(N * d);
  for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) rows[i * d + j] = (columns[j] as Float64Array)[i] as number;
  return rows;
}

/**
 * Rows [first, first + rows) as a table: Float64, Float32 and Int32 columns by turns, or all
 * Float64 when `float64`.
 */
function tableOf(columns: Float64Array[], first: number, rows: number, float64: boolean): arrow.Table {
  const named: Record<string, Float64Array | Float32Array | Int32Array> = {};
  columns.forEach((col, j) => {
    const part = col.subarray(first, first + rows);
    named[`x${j}`] =
      float64 || j % 3 === 2 ? Float64Array.from(part) : j % 3 === 0 ? Float32Array.from(part) : Int32Array.from(part);
  });
  return arrow.tableFromArrays(named);
}

/** Random batch sizes (different every pass): a record batch, a table of several, or a slice. */
function arrowSource(columns: Float64Array[], seed: number, float64 = false): () => Generator<StreamBatch> {
  let pass = 0;
  return function* () {
    const r = mulberry32(seed + 1000 * pass++);
    for (let first = 0; first < N; ) {
      const rows = Math.min(N - first, 1 + Math.floor(r() * (2 * BLOCK_ROWS + 1)));
      const u = r();
      if (u < 0.3) {
        yield tableOf(columns, first, rows, float64).batches[0] as arrow.RecordBatch;
      } else if (u < 0.6 && rows > 2) {
        // A table of two record batches (the second starts mid-way).
        const cut = 1 + Math.floor(r() * (rows - 1));
        const a = tableOf(columns, first, cut, float64);
        const b = tableOf(columns, first + cut, rows - cut, float64);
        yield new arrow.Table([...a.batches, ...b.batches]) as unknown as StreamBatch;
      } else {
        // A slice of a larger table (its values start at an offset).
        const extra = Math.min(N - first - rows, 50);
        yield tableOf(columns, first, rows + extra, float64).slice(0, rows) as unknown as StreamBatch;
      }
      first += rows;
    }
  };
}

const options = (rows: Float64Array, d: number) => ({
  nClusters: K,
  init: { data: rows.slice(0, K * d), shape: [K, d] as [number, number] },
  nInit: 1,
  maxIter: 4,
  tol: 0,
});

// Mixed column types (one column at a time), and all Float64 with a tail after the groups of four.
describe.each([
  ['mixed columns', COLUMNS, false],
  ['Float64 columns', COLUMNS.slice(0, 62), true],
] as const)('Arrow batches in fitStream, %s', (_, columns, float64) => {
  const d = columns.length;
  const rows = rowsOf(columns as Float64Array[]);

  it('give fit’s result bit for bit, whatever the batching', async () => {
    const ref = new KMeans(options(rows, d)).fitSync({ data: rows, shape: [N, d] });
    const km = await new KMeans(options(rows, d)).fitStream(arrowSource(columns as Float64Array[], 5, float64));
    expect(Array.from(km.clusterCenters.data)).toEqual(Array.from(ref.clusterCenters.data));
    expect(km.inertia).toBe(ref.inertia);
    expect(km.nIter).toBe(ref.nIter);
  });

  // Columns 8 and 11 (Float64 when mixed) start and end a group of four; 60 (Float32 when
  // mixed) is in the tail after the groups of all-Float64 tables.
  it.each([
    [NaN, 'NaN', 11],
    [Infinity, 'Infinity', 60],
    [-Infinity, '-Infinity', 8],
  ])('a %s past a chunk boundary names its batch, row and column; the model is unchanged', async (value, shown, column) => {
    const row = 3 * BLOCK_ROWS + 123;
    const bad = columns.map((c) => c.slice());
    (bad[column] as Float64Array)[row] = value;
    const km = new KMeans(options(rows, d));
    await km.fitStream(arrowSource(columns as Float64Array[], 6, float64));
    const before = Array.from(km.clusterCenters.data);
    const error = await km.fitStream(arrowSource(bad, 7, float64)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RangeError);
    const message = (error as Error).message;
    const match = /batch (\d+) \(from row (\d+) of the pass\): X contains a non-finite value \((.*)\) at row (\d+) \(row (\d+) of the pass\), column (\d+)/.exec(message);
    expect(match, message).not.toBeNull();
    const [, , batchFirst, shownValue, inBatch, inPass, col] = match as RegExpExecArray;
    expect(shownValue).toBe(shown);
    expect(Number(inPass)).toBe(row);
    expect(Number(batchFirst) + Number(inBatch)).toBe(row);
    expect(Number(col)).toBe(column);
    expect(Array.from(km.clusterCenters.data)).toEqual(before);
  });
});

// A mixture's EM passes lay their chunks out by column: each Arrow column is copied as it is,
// checked as it goes, and the first non-finite value in row-major order is the one named.
describe.each([
  ['mixed columns', COLUMNS, false],
  ['Float64 columns', COLUMNS.slice(0, 62), true],
] as const)('Arrow batches in GaussianMixture.fitStream (chunks by column), %s', (_, columns, float64) => {
  const d = columns.length;
  const rows = rowsOf(columns as Float64Array[]);
  const gmOptions = {
    nComponents: K,
    covarianceType: 'diag' as const,
    weightsInit: new Float64Array(K).fill(1 / K),
    meansInit: { data: rows.slice(0, K * d), shape: [K, d] as [number, number] },
    precisionsInit: { data: new Float64Array(K * d).fill(0.1), shape: [K, d] as [number, number] },
    maxIter: 3,
    tol: 0,
  };

  it('give fit’s result bit for bit, whatever the batching', async () => {
    const ref = new GaussianMixture(gmOptions).fitSync({ data: rows, shape: [N, d] });
    const gm = await new GaussianMixture({ ...gmOptions, threads: 2 }).fitStream(arrowSource(columns as Float64Array[], 8, float64));
    expect(Array.from(gm.means.data)).toEqual(Array.from(ref.means.data));
    expect(Array.from(gm.covariances.data)).toEqual(Array.from(ref.covariances.data));
    expect(Object.is(gm.lowerBound, ref.lowerBound)).toBe(true);
  });

  it('names the first non-finite value in row-major order', async () => {
    const row = 2 * BLOCK_ROWS + 55;
    const bad = columns.map((c) => c.slice());
    (bad[60] as Float64Array)[row] = Infinity;
    (bad[11] as Float64Array)[row] = NaN;
    (bad[8] as Float64Array)[row + 1] = NaN;
    const error = await new GaussianMixture(gmOptions).fitStream(arrowSource(bad, 9, float64)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RangeError);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`non-finite value \\(NaN\\) at row \\d+ \\(row ${row} of the pass\\), column 11`));
  });
});

