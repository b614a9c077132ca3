/**
 * Apache Arrow tables and record batches as X (issue 15): numeric columns of every width give
 * the same rows as the equivalent Float64Array, across record batches and slices; nulls and
 * non-numeric columns are named errors; Arrow record batches stream through fitStream.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { GaussianMixture, KMeans } from '../lib/index.js';
import { sampleMixture, THREE_CLUSTERS } from './helpers/random.js';

const N = 9000;
const { data } = sampleMixture(31, THREE_CLUSTERS, N);
const col = (j: number) => Float64Array.from({ length: N }, (_, i) => data[i * 3 + j] as number);

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
}

describe('Arrow tables as X', () => {
  it('Float64 columns: the same fit as the Float64Array, across record batches', () => {
    const table = arrow.tableFromArrays({ a: col(0), b: col(1), c: col(2) });
    const batched = new arrow.Table([table.slice(0, 4000), table.slice(4000, 4001), table.slice(4001)].flatMap((t) => t.batches));
    expect(batched.batches.length).toBe(3);
    const options = { nComponents: 3, seed: 2, maxIter: 5 };
    const ref = new GaussianMixture(options).fitSync({ data, shape: [N, 3] });
    for (const X of [table, batched, table.batches[0] as arrow.RecordBatch]) {
      const gm = new GaussianMixture(options).fitSync(X);
      expect(same(gm.means.data, ref.means.data)).toBe(true);
    }
    expect(same(ref.predict(table), ref.predict({ data, shape: [N, 3] }))).toBe(true);
  });

  it('integer and Float32 columns convert to doubles, column by column', () => {
    const ints = Int32Array.from({ length: 50 }, (_, i) => i * 3 - 70);
    const bytes = Uint8Array.from({ length: 50 }, (_, i) => (i * 7) % 256);
    const floats = Float32Array.from({ length: 50 }, (_, i) => i / 3);
    const big = BigInt64Array.from({ length: 50 }, (_, i) => BigInt(i) * 1000n);
    const table = arrow.tableFromArrays({ ints, bytes, floats, big });
    const expected = new Float64Array(50 * 4);
    for (let i = 0; i < 50; i++) {
      expected.set([ints[i] as number, bytes[i] as number, floats[i] as number, Number(big[i])], i * 4);
    }
    const km = new KMeans({ nClusters: 2, seed: 1 }).fitSync({ data: expected, shape: [50, 4] });
    expect(same(km.predict(table), km.predict({ data: expected, shape: [50, 4] }))).toBe(true);
    expect(same(km.transform(table.slice(10, 20)).data, km.transform({ data: expected.subarray(40, 80), shape: [10, 4] }).data)).toBe(true);
  });

  it('a null is a RangeError naming the column and the row', () => {
    const x = arrow.vectorFromArray([1, 2, 3, 4], new arrow.Float64());
    const y = arrow.vectorFromArray([1, 2, null, 4], new arrow.Float64());
    const table = new arrow.Table({ x, y });
    expect(() => new KMeans({ nClusters: 2 }).fitSync(table)).toThrow(/column 'y' \(1\) has a null at row 2/);
  });

  it('a non-numeric column is a TypeError naming it; NaN names row and column', () => {
    const table = arrow.tableFromArrays({ x: new Float64Array([1, 2]), s: ['a', 'b'] });
    expect(() => new KMeans({ nClusters: 1 }).fitSync(table)).toThrow(TypeError);
    expect(() => new KMeans({ nClusters: 1 }).fitSync(table)).toThrow(/column 's' \(1\) has type Dictionary/);
    const nan = arrow.tableFromArrays({ x: new Float32Array([1, NaN, 3]) });
    expect(() => new KMeans({ nClusters: 1 }).fitSync(nan)).toThrow(/non-finite value \(NaN\) at row 1, column 0/);
  });

  it('the first non-finite value in row order is named, whatever the chunks', () => {
    const fit = (t: unknown) => () => new KMeans({ nClusters: 1 }).fitSync(t as arrow.Table);
    // Record batches (chunks aligned across columns): batch 1 has NaN at its row 1, column 1 and
    // Infinity at its row 2, column 0; batch 0 is finite.
    const a = arrow.tableFromArrays({ x: new Float64Array([1, 2, 3]), y: new Float64Array([4, 5, 6]) });
    const b = arrow.tableFromArrays({ x: new Float64Array([1, 2, Infinity]), y: new Float64Array([4, NaN, 6]) });
    expect(fit(new arrow.Table([...a.batches, ...b.batches]))).toThrow(/non-finite value \(NaN\) at row 4, column 1/);
    // Chunks that do not line up (converted column by column: x's two chunks, then y, then z):
    // x has NaN at row 4 (found first), y Infinity at row 1, z -Infinity at row 5 (found last).
    const x = arrow.vectorFromArray([1, 2, 3], new arrow.Float64()).concat(arrow.vectorFromArray([4, NaN, 6], new arrow.Float64()));
    const y = arrow.vectorFromArray([1, Infinity, 3, 4, 5, 6], new arrow.Float64());
    const z = arrow.vectorFromArray([1, 2, 3, 4, 5, -Infinity], new arrow.Float64());
    // (apache-arrow's Table lines chunks up into record batches; lib/arrow.ts takes any table
    // shape, so a table-like object keeps them apart.)
    const columns = [x, y, z];
    const unaligned = {
      numRows: 6,
      schema: { fields: ['x', 'y', 'z'].map((name) => ({ name, type: x.type })) },
      getChildAt: (j: number) => columns[j],
    };
    expect(fit(unaligned)).toThrow(/non-finite value \(Infinity\) at row 1, column 1/);
  });

  it('record batches from an Arrow IPC stream feed fitStream', async () => {
    const table = arrow.tableFromArrays({ a: col(0), b: col(1), c: col(2) });
    const ipc = arrow.tableToIPC(new arrow.Table([0, 1, 2, 3].map((i) => table.slice(i * 2250, (i + 1) * 2250)).flatMap((t) => t.batches)), 'stream');
    const start = new GaussianMixture({ nComponents: 3, seed: 9, maxIter: 1 }).fitSync(table);
    const options = { nComponents: 3, tol: 0, maxIter: 4, weightsInit: start.weights, meansInit: start.means, covariancesInit: start.covariances };
    const ref = new GaussianMixture(options).fitSync(table);
    const gm = await new GaussianMixture(options).fitStream(() => arrow.RecordBatchReader.from(ipc));
    expect(same(gm.means.data, ref.means.data)).toBe(true);
    expect(same(gm.covariances.data, ref.covariances.data)).toBe(true);
  });
});
