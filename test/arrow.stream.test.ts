/**
 * Arrow batches in a stream (issue 15): their columns are converted straight into the pass's
 * chunks, the finite check folded into the conversion. Batches of random sizes that straddle
 * chunk boundaries, tables of several record batches, slices and Float32/integer columns give
 * fit's parameters bit for bit; a NaN or ±Infinity past a chunk boundary names its batch, its
 * row in the batch and in the pass, and its column, and leaves the model as it was.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { BLOCK_ROWS, KMeans, type StreamBatch } from '../lib/index.js';
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
const ROWS = new Float64Array(N * D);
for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) ROWS[i * D + j] = (COLUMNS[j] as Float64Array)[i] as number;

/** Rows [first, first + rows) as a table: Float64, Float32 and Int32 columns by turns. */
function tableOf(columns: Float64Array[], first: number, rows: number): arrow.Table {
  const named: Record<string, Float64Array | Float32Array | Int32Array> = {};
  columns.forEach((col, j) => {
    const part = col.subarray(first, first + rows);
    named[`x${j}`] = j % 3 === 0 ? Float32Array.from(part) : j % 3 === 1 ? Int32Array.from(part) : Float64Array.from(part);
  });
  return arrow.tableFromArrays(named);
}

/** Random batch sizes (different every pass): a record batch, a table of several, or a slice. */
function arrowSource(columns: Float64Array[], seed: number): () => Generator<StreamBatch> {
  let pass = 0;
  return function* () {
    const r = mulberry32(seed + 1000 * pass++);
    for (let first = 0; first < N; ) {
      const rows = Math.min(N - first, 1 + Math.floor(r() * (2 * BLOCK_ROWS + 1)));
      const u = r();
      if (u < 0.3) {
        yield tableOf(columns, first, rows).batches[0] as arrow.RecordBatch;
      } else if (u < 0.6 && rows > 2) {
        // A table of two record batches (the second starts mid-way).
        const cut = 1 + Math.floor(r() * (rows - 1));
        const a = tableOf(columns, first, cut);
        const b = tableOf(columns, first + cut, rows - cut);
        yield new arrow.Table([...a.batches, ...b.batches]) as unknown as StreamBatch;
      } else {
        // A slice of a larger table (its values start at an offset).
        const extra = Math.min(N - first - rows, 50);
        yield tableOf(columns, first, rows + extra).slice(0, rows) as unknown as StreamBatch;
      }
      first += rows;
    }
  };
}

const options = () => ({
  nClusters: K,
  init: { data: ROWS.slice(0, K * D), shape: [K, D] as [number, number] },
  nInit: 1,
  maxIter: 4,
  tol: 0,
});

describe('Arrow batches in fitStream', () => {
  it('give fit’s result bit for bit, whatever the batching', async () => {
    const ref = new KMeans(options()).fitSync({ data: ROWS, shape: [N, D] });
    const km = await new KMeans(options()).fitStream(arrowSource(COLUMNS, 5));
    expect(Array.from(km.clusterCenters.data)).toEqual(Array.from(ref.clusterCenters.data));
    expect(km.inertia).toBe(ref.inertia);
    expect(km.nIter).toBe(ref.nIter);
  });

  it.each([
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
  ])('a %s past a chunk boundary names its batch, row and column; the model is unchanged', async (value, shown) => {
    const row = 3 * BLOCK_ROWS + 123;
    const column = 9; // a Float64 column
    const bad = COLUMNS.map((c) => c.slice());
    (bad[column] as Float64Array)[row] = value;
    const km = new KMeans(options());
    await km.fitStream(arrowSource(COLUMNS, 6));
    const before = Array.from(km.clusterCenters.data);
    const error = await km.fitStream(arrowSource(bad, 7)).catch((err: unknown) => err);
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
