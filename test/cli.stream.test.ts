// `gaussmix fit --stream`: a file read once per iteration through fitStream gives, from the same
// start (--init-model), the in-memory fit's model bit for bit, for CSV, Arrow IPC (file and stream
// formats, several record batches, read by gaussmix/arrow-file) and Parquet (several row groups,
// read with hyparquet); a bad value names its line (CSV) or row (Arrow, Parquet) and column, a
// truncated Arrow file names the file; and the options that cannot stream are usage errors.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Float64, Table, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';

import { run, svgMarks, tmpdir } from './cli.helpers.js';
import { mulberry32, normalSource } from './helpers/random.js';

const N = 9000;
let dir: string;
let xs: Float64Array;
let ys: Float64Array;
const file = (name: string): string => path.join(dir, name);
const json = (name: string): { state: unknown; options: unknown; metadata: unknown } => JSON.parse(fs.readFileSync(file(name), 'utf8'));

beforeAll(async () => {
  dir = tmpdir();
  const u = mulberry32(17);
  const z = normalSource(mulberry32(18));
  xs = new Float64Array(N);
  ys = new Float64Array(N);
  const centres = [
    [0, 0],
    [6, 1],
    [2, 7],
  ];
  for (let i = 0; i < N; i++) {
    const c = centres[Math.floor(u() * 3)] as number[];
    xs[i] = (c[0] as number) + z();
    ys[i] = (c[1] as number) + 0.7 * z();
  }
  const lines = ['x,y'];
  for (let i = 0; i < N; i++) lines.push(`${xs[i]},${ys[i]}`);
  fs.writeFileSync(file('data.csv'), `${lines.join('\n')}\n`);
  // Arrow: record batches of uneven sizes.
  const cuts = [0, 1000, 1001, 5000, N];
  const whole = tableFromArrays({ x: xs, y: ys });
  const batches = cuts.slice(1).flatMap((end, b) => whole.slice(cuts[b], end).batches);
  expect(batches.length).toBe(cuts.length - 1);
  fs.writeFileSync(file('data.arrow'), tableToIPC(new Table(whole.schema, batches), 'file'));
  fs.writeFileSync(file('data.arrows'), tableToIPC(new Table(whole.schema, batches), 'stream'));
  // Parquet: row groups of 1000, then 3333.
  parquetWriteFile({
    filename: file('data.parquet'),
    columnData: [
      { name: 'x', data: xs, type: 'DOUBLE' },
      { name: 'y', data: ys, type: 'DOUBLE' },
    ],
    rowGroupSize: [1000, 3333],
  });
  // The start: one EM iteration from the default start.
  const start = await run(['fit', file('data.csv'), '-k', '3', '--seed', '1', '--max-iter', '1', '--out', file('start.json'), '-q']);
  expect(start.code, start.stderr).toBe(0);
  const softStart = await run(['fit', file('data.csv'), '-k', '3', '-m', 'soft-kmeans', '--seed', '1', '--max-iter', '1', '--out', file('soft-start.json'), '-q']);
  expect(softStart.code, softStart.stderr).toBe(0);
}, 120_000);

describe('gaussmix fit --stream', () => {
  it('gives the in-memory model bit for bit from the same start (CSV, Arrow, Parquet; gmm full)', async () => {
    const common = ['-k', '3', '-c', 'full', '--init-model', file('start.json'), '--tol', '1e-10', '-q'];
    const memory = await run(['fit', file('data.csv'), ...common, '--out', file('memory.json')]);
    expect(memory.code, memory.stderr).toBe(0);
    const expected = json('memory.json');
    expect((expected.state as { nIter: number }).nIter).toBeGreaterThan(2);
    for (const name of ['data.csv', 'data.arrow', 'data.arrows', 'data.parquet']) {
      const out = file(`${name}.streamed.json`);
      const r = await run(['fit', file(name), ...common, '--stream', '--out', out]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(json(`${name}.streamed.json`), name).toEqual(expected);
    }
    // Parquet in memory (no --stream) too.
    const pq = await run(['fit', file('data.parquet'), ...common, '--out', file('parquet.memory.json')]);
    expect(pq.code, pq.stderr).toBe(0);
    expect(json('parquet.memory.json')).toEqual(expected);
  }, 120_000);

  it('soft-kmeans too; the summary says it streamed', async () => {
    const common = ['-k', '3', '-m', 'soft-kmeans', '--init-model', file('soft-start.json')];
    const memory = await run(['fit', file('data.csv'), ...common, '-q', '--out', file('soft-memory.json')]);
    expect(memory.code, memory.stderr).toBe(0);
    const streamed = await run(['fit', file('data.parquet'), ...common, '--stream', '--out', file('soft-streamed.json')]);
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(streamed.stdout).toMatch(/read 9,000 rows × 2 columns from .*data\.parquet \(streamed/);
    expect(json('soft-streamed.json')).toEqual(json('soft-memory.json'));
  }, 120_000);

  it('streams a file above GAUSSMIX_STREAM_BYTES without being asked, and not one below', async () => {
    const size = fs.statSync(file('data.csv')).size;
    const args = ['fit', file('data.csv'), '-k', '3', '--init-model', file('start.json'), '--out', file('auto.json')];
    const above = await run(args, { env: { GAUSSMIX_STREAM_BYTES: String(size - 1) } });
    expect(above.code, above.stderr).toBe(0);
    expect(above.stdout).toMatch(/\(streamed: one pass per iteration\)/);
    const below = await run(args, { env: { GAUSSMIX_STREAM_BYTES: String(size) } });
    expect(below.code, below.stderr).toBe(0);
    expect(below.stdout).not.toMatch(/streamed/);
  }, 120_000);

  it('draws the plot from a sampled pass', async () => {
    const svg = file('streamed.svg');
    const r = await run(['fit', file('data.arrow'), '-k', '3', '--stream', '--plot', svg, '--plot-points', '500', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const marks = svgMarks(fs.readFileSync(svg, 'utf8'));
    expect([...marks.values()]).toContain(500);
  }, 120_000);

  it('a bad row stops the fit naming its line (CSV) or row (Parquet, Arrow) and column', async () => {
    const lines = fs.readFileSync(file('data.csv'), 'utf8').split('\n');
    const withNull = Array.from(ys, (v, i) => (i === 4321 ? null : v));
    lines[6001] = `${xs[6000]},oops`; // data row 6001, line 6002 of the file
    fs.writeFileSync(file('bad.csv'), lines.join('\n'));
    const r = await run(['fit', file('bad.csv'), '-k', '3', '--stream', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv line 6002, column y: 'oops' is not a number/);
    parquetWriteFile({
      filename: file('bad.parquet'),
      columnData: [
        { name: 'x', data: xs, type: 'DOUBLE' },
        { name: 'y', data: withNull, type: 'DOUBLE' },
      ],
      rowGroupSize: 2000,
    });
    const p = await run(['fit', file('bad.parquet'), '-k', '3', '--stream', '-q']);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/bad\.parquet row 4322, column y: a null value is not a finite number/);
    // Arrow, read by gaussmix/arrow-file: a NaN and a null are named as the other readers name them.
    const nan = Float64Array.from(ys);
    nan[7000] = Number.NaN;
    fs.writeFileSync(file('nan.arrows'), tableToIPC(tableFromArrays({ x: xs, y: nan }), 'stream'));
    const a = await run(['fit', file('nan.arrows'), '-k', '3', '--stream', '-q']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/nan\.arrows row 7001, column y: NaN is not a finite number/);
    const nulls = tableFromArrays({ x: xs }).assign(new Table({ y: vectorFromArray(withNull, new Float64()) }));
    fs.writeFileSync(file('null.arrow'), tableToIPC(nulls, 'file'));
    const n = await run(['fit', file('null.arrow'), '-k', '3', '--stream', '-q']);
    expect(n.code).toBe(1);
    expect(n.stderr).toMatch(/null\.arrow row 4322, column y: a null value is not a finite number/);
    // A truncated Arrow file.
    const whole = fs.readFileSync(file('data.arrows'));
    fs.writeFileSync(file('cut.arrows'), whole.subarray(0, Math.floor(whole.length * 0.8)));
    const cut = await run(['fit', file('cut.arrows'), '-k', '3', '--stream', '-q']);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/cut\.arrows: truncated Arrow IPC file: the message at byte \d+ needs \d+ bytes/);
  }, 120_000);

  it('refuses what cannot stream, and a start that does not fit', async () => {
    const stdin = await run(['fit', '-', '-k', '2', '--stream'], { input: 'x\n1\n2\n3\n' });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/--stream .*not stdin/);
    const kmeans = await run(['fit', file('data.csv'), '-k', '2', '--stream', '-m', 'kmeans']);
    expect(kmeans.code).toBe(2);
    expect(kmeans.stderr).toMatch(/no streamed fit/);
    const scaled = await run(['fit', file('data.csv'), '-k', '2', '--stream', '--standardize']);
    expect(scaled.code).toBe(2);
    const wrongK = await run(['fit', file('data.csv'), '-k', '4', '--init-model', file('start.json')]);
    expect(wrongK.code).toBe(2);
    expect(wrongK.stderr).toMatch(/3 components, not --components 4/);
    const wrongKind = await run(['fit', file('data.csv'), '-k', '3', '-m', 'soft-kmeans', '--init-model', file('start.json')]);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/is a GaussianMixture/);
  }, 120_000);

  it('predict reads Parquet as it reads CSV', async () => {
    const a = await run(['predict', file('start.json'), file('data.csv')]);
    const b = await run(['predict', file('start.json'), file('data.parquet')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout.split('\n').length).toBeGreaterThan(N);
  }, 120_000);
});
