/**
 * gaussmix/arrow-file: Arrow IPC files written by apache-arrow (the file format with its footer,
 * and the stream format), several record batches, read batch by batch into one reused buffer;
 * a truncated file is a RangeError naming the file; and fitStream over the file's batches gives
 * fit's parameters on the same rows bit for bit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openArrowFile } from '../lib/arrow-file.js';
import {
  BayesianGaussianMixture,
  BLOCK_ROWS,
  GaussianKMeans,
  GaussianMixture,
  getMaxThreads,
  setMaxThreads,
  SoftKMeans,
} from '../lib/index.js';
import { tmpdir } from './cli.helpers.js';
import { mulberry32, normalSource } from './helpers/random.js';

const N = 10_000;
const D = 3;
/** Record batches of uneven sizes (none larger than both before it: two buffers serve them all). */
const CUTS = [0, 4000, 7000, 7001, 9000, N];
let dir: string;
let columns: Float64Array[];
let table: arrow.Table;
const file = (name: string): string => path.join(dir, name);

beforeAll(() => {
  dir = tmpdir();
  const u = mulberry32(5);
  const z = normalSource(mulberry32(6));
  columns = Array.from({ length: D }, () => new Float64Array(N));
  for (let i = 0; i < N; i++) {
    const c = Math.floor(u() * 3);
    for (let j = 0; j < D; j++) (columns[j] as Float64Array)[i] = 5 * c * (j + 1) + z();
  }
  const whole = arrow.tableFromArrays({ x: columns[0] as Float64Array, y: columns[1] as Float64Array, z: columns[2] as Float64Array });
  // A dictionary-encoded text column too: its dictionary must outlive the batch it came with.
  const labels = arrow.vectorFromArray(
    Array.from({ length: N }, (_, i) => ['a', 'b', 'c'][i % 3] as string),
    new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
  );
  const withLabels = whole.assign(new arrow.Table({ label: labels }));
  const batches = CUTS.slice(1).flatMap((end, b) => withLabels.slice(CUTS[b], end).batches);
  table = new arrow.Table(withLabels.schema, batches);
  expect(table.batches.length).toBe(CUTS.length - 1);
  fs.writeFileSync(file('rows.arrow'), arrow.tableToIPC(table, 'file'));
  fs.writeFileSync(file('rows.arrows'), arrow.tableToIPC(table, 'stream'));
});

/** The rows of columns x, y, z, row-major. */
function rowMajor(): Float64Array {
  const out = new Float64Array(N * D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) out[i * D + j] = (columns[j] as Float64Array)[i] as number;
  return out;
}

describe('openArrowFile', () => {
  for (const [name, format] of [
    ['rows.arrow', 'file'],
    ['rows.arrows', 'stream'],
  ] as const) {
    it(`reads the ${format} format's record batches, pass after pass, into the same two buffers`, async () => {
      const f = await openArrowFile(file(name));
      expect(f.format).toBe(format);
      expect(f.schema.fields.map((field) => field.name)).toEqual(['x', 'y', 'z', 'label']);
      const passes: Set<ArrayBufferLike>[] = [];
      for (let pass = 0; pass < 2; pass++) {
        let b = 0;
        const buffers = new Set<ArrayBufferLike>();
        passes.push(buffers);
        for await (const batch of f.batches()) {
          const first = CUTS[b] as number;
          expect(batch.numRows).toBe((CUTS[b + 1] as number) - first);
          for (let j = 0; j < D; j++) {
            const values = batch.getChildAt(j)?.data[0]?.values as Float64Array;
            expect(values).toEqual((columns[j] as Float64Array).subarray(first, first + batch.numRows));
            buffers.add(values.buffer);
          }
          // The dictionary (sent once, before the first batch) stays readable.
          expect(batch.getChildAt(D)?.get(0)).toBe(['a', 'b', 'c'][first % 3]);
          b++;
        }
        expect(b).toBe(CUTS.length - 1);
        // Every batch's values are views of the pass's two buffers, used by turns.
        expect(buffers.size).toBe(2);
      }
      // The second pass reads into the first one's buffers.
      expect([...(passes[1] as Set<ArrayBufferLike>)].every((b) => passes[0]?.has(b))).toBe(true);
    });
  }

  it('a truncated file is a RangeError naming the file', async () => {
    const whole = fs.readFileSync(file('rows.arrows'));
    // Cut in the fourth batch: the pass fails when it reaches it.
    fs.writeFileSync(file('cut.arrows'), whole.subarray(0, Math.floor(whole.length * 0.85)));
    const cut = await openArrowFile(file('cut.arrows'));
    let read = 0;
    await expect(async () => {
      for await (const _ of cut.batches()) read++;
    }).rejects.toThrow(/cut\.arrows: truncated Arrow IPC file: the message at byte \d+ needs \d+ bytes/);
    expect(read).toBeGreaterThan(0);
    // The file format without its footer: found when the file is opened.
    const fileFormat = fs.readFileSync(file('rows.arrow'));
    fs.writeFileSync(file('cut.arrow'), fileFormat.subarray(0, fileFormat.length - 100));
    await expect(openArrowFile(file('cut.arrow'))).rejects.toThrow(RangeError);
    await expect(openArrowFile(file('cut.arrow'))).rejects.toThrow(/cut\.arrow: truncated Arrow IPC file: .* no footer/);
    // Cut inside the schema.
    fs.writeFileSync(file('head.arrows'), whole.subarray(0, 20));
    await expect(openArrowFile(file('head.arrows'))).rejects.toThrow(/head\.arrows: truncated Arrow IPC file/);
    // Not Arrow at all.
    fs.writeFileSync(file('rows.csv'), 'x,y\n1,2\n');
    await expect(openArrowFile(file('rows.csv'))).rejects.toThrow(/rows\.csv: not an Arrow IPC file/);
  });

  it('fitStream over the batches gives fit on the same rows bit for bit', async () => {
    const X = { data: rowMajor(), shape: [N, D] as [number, number] };
    const options = {
      nComponents: 3,
      covarianceType: 'full' as const,
      tol: 0,
      maxIter: 6,
      weightsInit: [0.3, 0.3, 0.4],
      meansInit: { data: X.data.slice(0, 3 * D), shape: [3, D] as [number, number] },
      covariancesInit: { data: new Float64Array(3 * D * D).map((_, i) => (i % (D * D) % (D + 1) === 0 ? 1 : 0)), shape: [3, D, D] as [number, number, number] },
    };
    const memory = new GaussianMixture(options).fitSync(X);
    for (const name of ['rows.arrow', 'rows.arrows']) {
      const f = await openArrowFile(file(name));
      const streamed = await new GaussianMixture(options).fitStream(() => mapBatches(f.batches(), (b) => b.selectAt([0, 1, 2])));
      expect(streamed.nIter).toBe(6);
      expect(streamed.lowerBound).toBe(memory.lowerBound);
      expect(streamed.means.data).toEqual(memory.means.data);
      expect(streamed.covariances.data).toEqual(memory.covariances.data);
      expect(streamed.weights).toEqual(memory.weights);
    }
  });
});

/**
 * Batches that cover whole blocks of rows: fitStream's E-step passes read those blocks in place
 * (the batch's buffers retained until their native work is over, no copy), and the native
 * E-step checks their values.
 */
describe('fitStream reads whole blocks of a batch in place', () => {
  const B = BLOCK_ROWS;
  const rows = 5 * B + 123;
  // In place: [0, 2B) (batch 0), [2B, 3B) (batch 1); copied: batch 1's last 100 rows and the
  // rest. (No batch is larger than both before it: two buffers by turns would serve them all.)
  const cuts = [0, 2 * B, 3 * B + 100, 4 * B + 200, rows];
  const d = 3;
  let values: Float64Array[];

  /** An Arrow IPC stream file of the rows (x_ij = values[j][i]), cut into record batches at `cuts`. */
  function write(name: string, cols: Float64Array[]): string {
    const whole = arrow.tableFromArrays({ a: cols[0] as Float64Array, b: cols[1] as Float64Array, c: cols[2] as Float64Array });
    const batches = cuts.slice(1).flatMap((end, b) => whole.slice(cuts[b], end).batches);
    fs.writeFileSync(file(name), arrow.tableToIPC(new arrow.Table(whole.schema, batches), 'stream'));
    return file(name);
  }

  beforeAll(() => {
    const u = mulberry32(11);
    const z = normalSource(mulberry32(12));
    values = Array.from({ length: d }, () => new Float64Array(rows));
    for (let i = 0; i < rows; i++) {
      const c = Math.floor(u() * 3);
      for (let j = 0; j < d; j++) (values[j] as Float64Array)[i] = 3 * c * (j - 1) + z();
    }
    write('blocks.arrows', values);
  });

  const options = (X: Float64Array) => ({
    nComponents: 3,
    covarianceType: 'full' as const,
    tol: 0,
    maxIter: 4,
    weightsInit: [0.3, 0.3, 0.4],
    meansInit: { data: X.slice(0, 3 * d), shape: [3, d] as [number, number] },
    precisionsInit: { data: new Float64Array(3 * d * d).map((_, i) => (i % (d * d) % (d + 1) === 0 ? 1 : 0)), shape: [3, d, d] as [number, number, number] },
  });

  it('gives fit on the same rows bit for bit, its batches\' buffers kept while read', async () => {
    const X = new Float64Array(rows * d);
    for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) X[i * d + j] = (values[j] as Float64Array)[i] as number;
    const memory = new GaussianMixture(options(X)).fitSync({ data: X, shape: [rows, d] });
    const f = await openArrowFile(file('blocks.arrows'));
    // The buffers of each pass's batches.
    const passes: Set<ArrayBufferLike>[] = [];
    const streamed = await new GaussianMixture(options(X)).fitStream(() => {
      const buffers = new Set<ArrayBufferLike>();
      passes.push(buffers);
      return mapBatches(f.batches(), (batch) => {
        buffers.add((batch.getChildAt(0)?.data[0]?.values as Float64Array).buffer);
        return batch;
      });
    });
    expect(streamed.nIter).toBe(4);
    expect(streamed.lowerBound).toBe(memory.lowerBound);
    expect(streamed.means.data).toEqual(memory.means.data);
    expect(streamed.covariances.data).toEqual(memory.covariances.data);
    expect(streamed.weights).toEqual(memory.weights);
    // Two buffers by turns serve a reader that copies each batch before the next; the blocks
    // read in place keep theirs while their native work runs, so the file reads on into others.
    expect(passes.length).toBe(4);
    for (const buffers of passes) expect(buffers.size).toBeGreaterThan(2);
  });

  it('a non-finite value read in place is named as a copied one is, the first in row order', async () => {
    const X = new Float64Array(3 * d).fill(1);
    const cols = values.map((c) => c.slice());
    (cols[1] as Float64Array)[B + 904] = Number.NaN; // batch 0, read in place
    (cols[0] as Float64Array)[3 * B + 50] = Number.POSITIVE_INFINITY; // batch 1, copied
    const lent = await openArrowFile(write('bad.arrows', cols));
    const message = /batch 0 \(from row 0 of the pass\): X contains a non-finite value \(NaN\) at row 5000 \(row 5000 of the pass\), column 1/;
    const fromFile = await new GaussianMixture(options(X)).fitStream(() => lent.batches()).catch((err: unknown) => err);
    expect(fromFile).toBeInstanceOf(RangeError);
    expect((fromFile as Error).message).toMatch(message);
    // The same batches from apache-arrow's own reader (not lent: every batch copied).
    const table = arrow.tableFromIPC(fs.readFileSync(file('bad.arrows')));
    await expect(new GaussianMixture(options(X)).fitStream(() => table.batches)).rejects.toThrow(message);
    // Only the copied value: found as it is copied, while the blocks before it are under way.
    (cols[1] as Float64Array)[B + 904] = 0.5;
    const later = await openArrowFile(write('later.arrows', cols));
    await expect(new GaussianMixture(options(X)).fitStream(() => later.batches())).rejects.toThrow(
      /batch 1 \(from row 8192 of the pass\): X contains a non-finite value \(Infinity\) at row 4146 \(row 12338 of the pass\), column 0/,
    );
    // In place in batch 1 and copied later in the same batch: the first in row order.
    (cols[2] as Float64Array)[2 * B + 3] = Number.NEGATIVE_INFINITY;
    const both = await openArrowFile(write('both.arrows', cols));
    await expect(new GaussianMixture(options(X)).fitStream(() => both.batches())).rejects.toThrow(
      /batch 1 \(from row 8192 of the pass\): X contains a non-finite value \(-Infinity\) at row 3 \(row 8195 of the pass\), column 2/,
    );
  });
});

/**
 * Random batchings of lent files (whole blocks, blocks and a few rows, a few rows), every
 * covariance type and every estimator whose passes read chunks by column, threads 1..8: fitStream
 * equals fit bit for bit whichever chunks are read in place.
 */
describe('fitStream over lent files equals fit, any batching', () => {
  const B = BLOCK_ROWS;
  let cap = 0;
  beforeAll(() => {
    cap = getMaxThreads();
    setMaxThreads(8); // so that 8 threads are real on a 2-core machine
  });
  afterAll(() => setMaxThreads(cap === 0 ? 0 : cap));

  /** Rows of three overlapping clusters, row-major [n, d]. */
  function rowsOf(n: number, d: number, seed: number): Float64Array {
    const u = mulberry32(seed);
    const z = normalSource(mulberry32(seed + 1));
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(u() * 3);
      for (let j = 0; j < d; j++) x[i * d + j] = 2 * c * (((j + c) % 3) - 1) + z();
    }
    return x;
  }

  /** An Arrow IPC file (the stream format) of the rows, cut into record batches of random sizes. */
  function lentFile(name: string, x: Float64Array, n: number, d: number, seed: number): string {
    const u = mulberry32(seed);
    const cols: Record<string, Float64Array> = {};
    for (let j = 0; j < d; j++) cols[`x${j}`] = Float64Array.from({ length: n }, (_, i) => x[i * d + j] as number);
    const whole = arrow.tableFromArrays(cols);
    const batches = [];
    for (let first = 0; first < n; ) {
      // (The first batch whole blocks: read in place whatever follows.)
      const r = first === 0 ? 0 : u();
      // Whole blocks (read in place), blocks and a few rows (in place, then copied), a few rows.
      const size = r < 0.4 ? B * (1 + Math.floor(u() * 3)) : r < 0.7 ? B + 1 + Math.floor(u() * 300) : 1 + Math.floor(u() * 2000);
      const end = Math.min(n, first + size);
      batches.push(...whole.slice(first, end).batches);
      first = end;
    }
    fs.writeFileSync(file(name), arrow.tableToIPC(new arrow.Table(whole.schema, batches), 'stream'));
    return file(name);
  }

  const same = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect(a[i]).toBe(b[i]);
  };

  const n = 6 * B + 321;
  const d = 3;
  const x = rowsOf(n, d, 21);
  const X = { data: x, shape: [n, d] as [number, number] };
  const meansInit = { data: x.slice(0, 3 * d), shape: [3, d] as [number, number] };
  /** Unit covariances of a type, for k = 3 components of `features` (a start with every parameter given). */
  const unitCovariances = (type: 'full' | 'tied' | 'diag' | 'spherical', features = d) => {
    const eye = (m: number) => Float64Array.from({ length: m * features * features }, (_, i) => (i % (features * features) % (features + 1) === 0 ? 1 : 0));
    if (type === 'full') return { data: eye(3), shape: [3, features, features] };
    if (type === 'tied') return { data: eye(1), shape: [features, features] };
    if (type === 'diag') return { data: new Float64Array(3 * features).fill(1), shape: [3, features] };
    return new Float64Array(3).fill(1);
  };

  it.each(['full', 'tied', 'diag', 'spherical'] as const)('GaussianMixture %s', async (covarianceType) => {
    const covariancesInit = unitCovariances(covarianceType);
    const options = { nComponents: 3, covarianceType, tol: 0, maxIter: 3, weightsInit: [0.3, 0.3, 0.4], meansInit, covariancesInit };
    const ref = new GaussianMixture({ ...options, threads: 1 }).fitSync(X);
    for (const [threads, seed] of [
      [1, 1],
      [2, 2],
      [8, 3],
    ] as const) {
      const f = await openArrowFile(lentFile(`gm-${covarianceType}-${seed}.arrows`, x, n, d, seed));
      const gm = await new GaussianMixture({ ...options, threads }).fitStream(() => f.batches());
      same(gm.means.data, ref.means.data);
      same(gm.covariances.data, ref.covariances.data);
      same(gm.weights, ref.weights);
      expect(Object.is(gm.lowerBound, ref.lowerBound)).toBe(true);
    }
  });

  it('GaussianKMeans, SoftKMeans and BayesianGaussianMixture', async () => {
    const f = await openArrowFile(lentFile('others.arrows', x, n, d, 4));
    const gkOptions = { nComponents: 3, tol: 0, maxIter: 3, weightsInit: [0.3, 0.3, 0.4], meansInit, covariancesInit: unitCovariances('spherical'), threads: 3 };
    const gk = await new GaussianKMeans(gkOptions).fitStream(() => f.batches());
    const gkRef = new GaussianKMeans(gkOptions).fitSync(X);
    same(gk.means.data, gkRef.means.data);
    same(gk.covariances.data, gkRef.covariances.data);
    const skOptions = { nClusters: 3, stiffness: 2, tol: 0, maxIter: 3, init: meansInit, threads: 2 };
    const sk = await new SoftKMeans(skOptions).fitStream(() => f.batches());
    same(sk.means.data, new SoftKMeans(skOptions).fitSync(X).means.data);
    const resp = new Float64Array(n * 3).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 0.8 : 0.1));
    const bOptions = { nComponents: 3, responsibilitiesInit: resp, tol: 0, maxIter: 3, threads: 2 };
    const bayes = await new BayesianGaussianMixture(bOptions).fitStream(() => f.batches());
    const bRef = new BayesianGaussianMixture(bOptions).fitSync(X);
    same(bayes.means.data, bRef.means.data);
    same(bayes.weights, bRef.weights);
    expect(Object.is(bayes.lowerBound, bRef.lowerBound)).toBe(true);
  });

  it('64 features (chunks of 4 blocks, in place after staged ones): rows laid back out for Σ r x by a matrix product', async () => {
    const wide = 64;
    const rows = 9 * B + 55;
    const xw = rowsOf(rows, wide, 22);
    const init = { data: xw.slice(0, 3 * wide), shape: [3, wide] as [number, number] };
    const f = await openArrowFile(lentFile('wide.arrows', xw, rows, wide, 5));
    const skOptions = { nClusters: 3, stiffness: 3, tol: 0, maxIter: 3, init, threads: 2 };
    const sk = await new SoftKMeans(skOptions).fitStream(() => f.batches());
    same(sk.means.data, new SoftKMeans(skOptions).fitSync({ data: xw, shape: [rows, wide] }).means.data);
    const gmOptions = { nComponents: 3, tol: 0, maxIter: 2, meansInit: init, weightsInit: [1 / 3, 1 / 3, 1 / 3], covariancesInit: unitCovariances('full', wide), threads: 2 };
    const gm = await new GaussianMixture(gmOptions).fitStream(() => f.batches());
    same(gm.covariances.data, new GaussianMixture(gmOptions).fitSync({ data: xw, shape: [rows, wide] }).covariances.data);
  });
});

async function* mapBatches<T, U>(items: AsyncIterable<T>, f: (item: T) => U): AsyncGenerator<U> {
  for await (const item of items) yield f(item);
}
