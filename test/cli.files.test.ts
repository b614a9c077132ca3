// The gaussmix command on real files: headers that look like numbers, comment lines, other
// delimiters, decimal commas, missing values, ids and precision in predict's output, output
// folders that do not exist, K out of range, and the streamed fit with the same options.
// Every case writes its file to a temporary folder and runs the built command on it.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Float16, makeVector, Table, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';

import { GaussianMixture } from '../dist/esm/index.js';
import { csvRows, fixture, root, run, tmpdir } from './cli.helpers.js';

const iris = fixture('iris.csv');
let dir: string;
/** iris's four measurements and species, one array per row. */
let rows: string[][];

beforeAll(() => {
  dir = tmpdir();
  rows = csvRows(fs.readFileSync(iris, 'utf8')).slice(1);
});

const file = (name: string, text: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

/** Fits K = 3 (full, seed 0) and returns the model's means, or fails the test. */
async function means(args: string[]): Promise<number[][]> {
  const r = await run(['fit', ...args, '-k', '3', '-q']);
  expect(r.code, r.stderr).toBe(0);
  const model = JSON.parse(r.stdout) as { state: { means: number[][] } };
  return model.state.means;
}

describe('CSV layout', () => {
  it('--header reads a numeric first line as names; --no-header and the default as data', async () => {
    // Years as column names: every field of the first line is a number.
    const text = `2019,2020\n${rows.map((r) => `${r[0]},${r[1]}`).join('\n')}\n`;
    const f = file('years.csv', text);
    const header = await run(['fit', f, '-k', '2', '--header', '--out', path.join(dir, 'years.json')]);
    expect(header.code, header.stderr).toBe(0);
    expect(header.stdout).toMatch(/read 150 rows × 2 columns/);
    expect(header.stdout).toMatch(/\(2019, 2020\)/);
    for (const flags of [[], ['--no-header']]) {
      const data = await run(['fit', f, '-k', '2', ...flags, '--out', path.join(dir, 'years-data.json')]);
      expect(data.code, data.stderr).toBe(0);
      expect(data.stdout).toMatch(/read 151 rows × 2 columns/);
      expect(data.stdout).toMatch(/\(1, 2\)/);
    }
    // --no-header on a file with names: the names are data, and not numbers.
    const named = await run(['fit', iris, '-k', '2', '--no-header', '--columns', '1,2']);
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/iris\.csv line 1, column 1: 'sepal_length' is not a number/);
    const both = await run(['fit', iris, '-k', '2', '--header', '--no-header']);
    expect(both.code).toBe(2);
  });

  it('--comment skips comment lines; without it the error names the line and suggests it', async () => {
    const lines = fs.readFileSync(iris, 'utf8').trimEnd().split('\n');
    const commented = [
      '# iris, from the UCI repository',
      '# generated 2026-12-04',
      lines[0],
      ...lines.slice(1, 60),
      '  # a note in the middle',
      ...lines.slice(60),
      '# the end',
    ].join('\n');
    const f = file('commented.csv', `${commented}\n`);
    expect(await means([f, '--comment', '#'])).toEqual(await means([iris]));
    const r = await run(['fit', f, '-k', '3', '--header']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/commented\.csv: line 2 has 1 field, the first 2 \(is the first line a comment\? skip such lines with --comment '#'\)/);
    // A comment line among the data: named by its line, with the hint.
    const late = file('late-comment.csv', `${[lines[0], ...lines.slice(1, 60), '#x,1,2,3,s', ...lines.slice(60)].join('\n')}\n`);
    const l = await run(['fit', late, '-k', '3']);
    expect(l.code).toBe(1);
    expect(l.stderr).toMatch(/late-comment\.csv line 61, column sepal_length: '#x' is not a number \(a comment line\? skip them with --comment '#'\)/);
  });

  it('--delimiter: semicolons (sniffed), pipes (given) and quoted fields give the same model', async () => {
    const base = await means([iris]);
    const join = (d: string): string => `${['a', 'b', 'c', 'd', 'species'].join(d)}\n${rows.map((r) => r.join(d)).join('\n')}\n`;
    expect(await means([file('semi.csv', join(';'))])).toEqual(base);
    expect(await means([file('pipe.txt', join('|')), '--delimiter', '|'])).toEqual(base);
    // Quoted names and species holding the delimiter, a quote and a line end.
    const quoted = `"sepal ""length""",b,c,d,"species, named"\n${rows.map((r) => `${r.slice(0, 4).join(',')},"Iris,\n${r[4]}"`).join('\n')}\n`;
    const q = await run(['fit', file('quoted.csv', quoted), '-k', '3', '-q']);
    expect(q.code, q.stderr).toBe(0);
    expect((JSON.parse(q.stdout) as { metadata: { columns: string[] } }).metadata.columns).toEqual(['sepal "length"', 'b', 'c', 'd']);
    expect((JSON.parse(q.stdout) as { state: { means: number[][] } }).state.means).toEqual(base);
    // A spreadsheet's export: a byte order mark and CRLF line ends.
    const excel = `\ufeff${join(',').replace(/\n/g, '\r\n')}`;
    const e = await run(['fit', file('excel.csv', excel), '-k', '3', '-q']);
    expect(e.code, e.stderr).toBe(0);
    expect((JSON.parse(e.stdout) as { metadata: { columns: string[] } }).metadata.columns).toEqual(['a', 'b', 'c', 'd']);
    expect((JSON.parse(e.stdout) as { state: { means: number[][] } }).state.means).toEqual(base);
    const bad = await run(['fit', iris, '-k', '3', '--delimiter', '12']);
    expect(bad.code).toBe(2);
  });

  it('--decimal comma reads 5,1 as 5.1; without it the error suggests it', async () => {
    const text = `a;b;c;d;species\n${rows.map((r) => [...r.slice(0, 4).map((v) => v.replace('.', ',')), r[4]].join(';')).join('\n')}\n`;
    const f = file('comma.csv', text);
    expect(await means([f, '--decimal', 'comma'])).toEqual(await means([iris]));
    const r = await run(['fit', f, '-k', '3', '--columns', 'a,b']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/comma\.csv line 2, column a: '5,1' is not a number \(a decimal comma\? read it with --decimal comma\)/);
    const clash = await run(['fit', f, '-k', '3', '--decimal', 'comma', '--delimiter', 'comma']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/both ','/);
  });
});

describe('missing values', () => {
  // Rows 3 and 10 (lines 4 and 11) have a missing value: an empty field and an NA.
  const withGaps = (): string => {
    const lines = rows.map((r) => r.join(','));
    lines[2] = lines[2]?.replace(/^[^,]+/, '') as string;
    lines[9] = lines[9]?.replace(/,[^,]+,/, ',NA,') as string;
    return `sepal_length,sepal_width,petal_length,petal_width,species\n${lines.join('\n')}\n`;
  };

  it('an error by default naming the line and column; --missing drop leaves the rows out', async () => {
    const f = file('gaps.csv', withGaps());
    const r = await run(['fit', f, '-k', '3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gaps\.csv line 4, column sepal_length: an empty value is not a number \(a missing value: leave such rows out with --missing drop\)/);
    const kept = rows.filter((_, i) => i !== 2 && i !== 9);
    const clean = file('gaps-removed.csv', `a,b,c,d,species\n${kept.map((x) => x.join(',')).join('\n')}\n`);
    const dropped = await run(['fit', f, '-k', '3', '--missing', 'drop', '--out', path.join(dir, 'gaps.json')]);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toMatch(/read 148 rows × 4 columns from .*gaps\.csv; 2 rows with missing values left out/);
    const model = JSON.parse(fs.readFileSync(path.join(dir, 'gaps.json'), 'utf8')) as { state: { means: number[][] } };
    expect(model.state.means).toEqual(await means([clean]));
    const bad = await run(['fit', f, '-k', '3', '--missing', 'skip']);
    expect(bad.code).toBe(2);
  });

  it('the streamed fit reads with the same options: comments, decimal comma, missing rows dropped', async () => {
    const text = withGaps()
      .split('\n')
      .map((l) => l.replace(/,/g, ';').replace(/(\d)\.(\d)/g, '$1,$2'))
      .join('\n');
    const f = file('stream-gaps.csv', `# a comment\n${text}`);
    const args = ['--comment', '#', '--decimal', 'comma', '--missing', 'drop', '-k', '3', '--max-iter', '5'];
    const start = path.join(dir, 'stream-start.json');
    expect((await run(['fit', f, ...args, '--out', start])).code).toBe(0);
    const inMemory = await run(['fit', f, ...args, '--init-model', start, '-q']);
    const streamed = await run(['fit', f, ...args, '--init-model', start, '--stream', '--out', path.join(dir, 'streamed.json')]);
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(streamed.stdout).toMatch(/read 148 rows × 4 columns .*\(streamed: one pass per iteration\); 2 rows with missing values left out/);
    const json = (s: string): unknown => (JSON.parse(s) as { state: unknown }).state;
    expect(json(fs.readFileSync(path.join(dir, 'streamed.json'), 'utf8'))).toEqual(json(inMemory.stdout));
  });

  it('Arrow and Parquet: a null or NaN is missing too; --missing drop leaves its row out, --id reads a column', async () => {
    const x = [1, 2, null, 4, 5, 6];
    const y = [1, 2, 3, Number.NaN, 5, 7];
    const name = ['a', 'b', 'c', 'd', 'e', 'f'];
    const arrow = path.join(dir, 'gaps.arrow');
    fs.writeFileSync(arrow, tableToIPC(tableFromArrays({ name, x: Float64Array.from(x, (v) => v ?? 0), y }), 'file'));
    // Arrow's null: from a column with a validity bitmap.
    const arrowNull = path.join(dir, 'gaps-null.arrow');
    fs.writeFileSync(arrowNull, tableToIPC(tableFromArrays({ x, y: [1, 2, 3, 4, 5, 7] }), 'file'));
    const parquet = path.join(dir, 'gaps.parquet');
    parquetWriteFile({
      filename: parquet,
      columnData: [
        { name: 'name', data: name, type: 'STRING' },
        { name: 'x', data: x, type: 'DOUBLE' },
        { name: 'y', data: y, type: 'DOUBLE' },
      ],
    });
    const nan = await run(['fit', arrow, '-k', '1', '--columns', 'x,y']);
    expect(nan.code).toBe(1);
    expect(nan.stderr).toMatch(/gaps\.arrow row 4, column y: NaN is not a finite number \(a missing value: leave such rows out with --missing drop\)/);
    const nullRow = await run(['fit', arrowNull, '-k', '1']);
    expect(nullRow.stderr).toMatch(/gaps-null\.arrow row 3, column x: a null value is not a finite number \(a missing value/);
    const pq = await run(['fit', parquet, '-k', '1', '--columns', 'x,y']);
    expect(pq.stderr).toMatch(/gaps\.parquet row 3, column x: a null value is not a finite number \(a missing value/);
    for (const f of [arrowNull, parquet]) {
      const r = await run(['fit', f, '-k', '1', '--columns', 'x,y', '--missing', 'drop', '--out', path.join(dir, 'gaps-model.json')]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(f === parquet ? /read 4 rows × 2 columns .*; 2 rows with missing values left out/ : /read 5 rows × 2 columns .*; 1 row with missing values left out/);
    }
    const model = path.join(dir, 'gaps-model.json');
    const p = await run(['predict', model, parquet, '--id', 'name', '--missing', 'drop']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.trimEnd().split('\n').map((l) => l.split(',')[0])).toEqual(['name', 'a', 'b', 'e', 'f']);
    expect(p.stderr).toMatch(/2 rows with missing values left out/);
    const a = await run(['predict', model, arrow, '--id', 'name', '--missing', 'drop']);
    expect(a.stdout.trimEnd().split('\n').map((l) => l.split(',')[0])).toEqual(['name', 'a', 'b', 'c', 'e', 'f']);
  });
});

describe('columns chosen by default', () => {
  it("a text column is left out; a first value that is not text ('?', 0x10, Inf) keeps the column and stops the read naming it", async () => {
    const body = rows.slice(0, 40).map((r) => r.join(','));
    const withText = file('species-first.csv', ['species,sl,sw,pl,pw', ...rows.slice(0, 40).map((r) => [r[4], ...r.slice(0, 4)].join(','))].join('\n'));
    const text = await run(['fit', withText, '-k', '1']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/× 4 columns/);
    for (const bad of ['?', '0x10', 'Inf']) {
      const f = file('bad-first.csv', ['a,b,c,d,e', [bad, ...(body[0] as string).split(',').slice(1)].join(','), ...body.slice(1)].join('\n'));
      const r = await run(['fit', f, '-k', '1', '--columns', 'a,b,c,d']);
      const byDefault = await run(['fit', f, '-k', '1']);
      expect(r.code, bad).toBe(1);
      expect(byDefault.code, bad).toBe(1);
      expect(byDefault.stderr, bad).toMatch(new RegExp(`line 2, column a: '${bad.replace('?', '\\?')}' is not a (finite )?number`));
    }
  });

  it("an unnamed column (R's write.csv row names, a trailing delimiter) is left out, and said", async () => {
    const named = file('plain.csv', ['a,b,c,d', ...rows.map((r) => r.slice(0, 4).join(','))].join('\n'));
    const rNames = file('rnames.csv', ['"","a","b","c","d"', ...rows.map((r, i) => [`"${i + 1}"`, ...r.slice(0, 4)].join(','))].join('\n'));
    const trailing = file('trailing.csv', ['a,b,c,d,', ...rows.map((r) => `${r.slice(0, 4).join(',')},`)].join('\n'));
    const want = await means([named]);
    for (const [f, which] of [[rNames, '1'], [trailing, '5']] as const) {
      const r = await run(['fit', f, '-k', '3']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`left out the unnamed column ${which} (row names or a trailing delimiter`);
      expect((JSON.parse(r.stdout) as { state: { means: number[][] } }).state.means).toEqual(want);
    }
    // Named by index, the row names are a feature again.
    const asFeature = await run(['fit', rNames, '-k', '1', '--columns', '1,2', '-q']);
    expect(asFeature.code, asFeature.stderr).toBe(0);
    expect((JSON.parse(asFeature.stdout) as { state: { means: number[][] } }).state.means[0]![0]).toBe(75.5);
  });

  it('UTF-16 text and carriage-return-only line ends are named, not misread', async () => {
    const text = ['a,b', ...rows.slice(0, 20).map((r) => r.slice(0, 2).join(','))].join('\n');
    const utf16 = path.join(dir, 'utf16.csv');
    fs.writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const u = await run(['fit', utf16, '-k', '1']);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/utf16\.csv: the text is UTF-16 .*save it as UTF-8/);
    const mac = file('mac.csv', text.replace(/\n/g, '\r'));
    const m = await run(['fit', mac, '-k', '1']);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/mac\.csv: its lines end with a carriage return alone/);
  });

  it('the delimiter is sniffed from the first line that is not a comment', async () => {
    const semi = ['# written by a tool, v1, with commas', 'a;b;c;d', ...rows.map((r) => r.slice(0, 4).join(';'))].join('\n');
    const f = file('comment-semicolon.csv', semi);
    const plain = file('plain-semicolon.csv', semi.split('\n').slice(1).join('\n'));
    expect(await means([f, '--comment', '#'])).toEqual(await means([plain]));
  });
});

describe('Arrow types', () => {
  it('a Float16 column is not read (as gaussmix/arrow): left out by default, refused when named, in memory and streamed', async () => {
    const x = Float64Array.from(rows, (r) => Number(r[0]));
    const h = vectorFromArray(rows.map((r) => Number(r[1])), new Float16());
    expect(h.length).toBe(rows.length);
    const f = path.join(dir, 'half.arrow');
    fs.writeFileSync(f, tableToIPC(new Table({ x: makeVector(x), h }), 'file'));
    const byDefault = await run(['fit', f, '-k', '1']);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(byDefault.stderr).toMatch(/× 1 columns/);
    for (const extra of [[], ['--stream']]) {
      const named = await run(['fit', f, '-k', '1', '--columns', 'x,h', ...extra]);
      expect(named.code, extra.join(' ')).toBe(1);
      expect(named.stderr).toMatch(/column h is not numeric \(Arrow type Float16/);
    }
  });

  it('an Arrow file cut short: the error names the file', async () => {
    const whole = tableToIPC(tableFromArrays({ x: Float64Array.from(rows, (r) => Number(r[0])), y: Float64Array.from(rows, (r) => Number(r[1])) }), 'file');
    const f = path.join(dir, 'cut.arrow');
    fs.writeFileSync(f, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = await run(['fit', f, '-k', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gaussmix fit: .*cut\.arrow/);
  });
});

describe('predict output', () => {
  it('--id COLUMN leads every row with its id (quoted when needed); --precision N digits', async () => {
    const model = path.join(dir, 'iris-model.json');
    expect((await run(['fit', iris, '-k', '3', '--out', model])).code).toBe(0);
    const ids = rows.map((_, i) => (i === 5 ? 'flower "six", the one' : `f${String(i + 1).padStart(3, '0')}`));
    const text = `id,sepal_length,sepal_width,petal_length,petal_width\n${rows
      .map((r, i) => `${i === 5 ? '"flower ""six"", the one"' : ids[i]},${r.slice(0, 4).join(',')}`)
      .join('\n')}\n`;
    const f = file('with-ids.csv', text);
    const full = await run(['predict', model, f, '--proba', '--id', 'id']);
    expect(full.code, full.stderr).toBe(0);
    const short = await run(['predict', model, f, '--proba', '--id', 'id', '--precision', '3']);
    expect(short.code, short.stderr).toBe(0);
    const lines = short.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('id,p0,p1,p2');
    expect(lines[6]).toMatch(/^"flower ""six"", the one",/);
    const fullLines = full.stdout.trimEnd().split('\n');
    for (let i = 1; i < lines.length; i++) {
      const fields = (lines[i] as string).split(',').slice(-3);
      const exact = (fullLines[i] as string).split(',').slice(-3).map(Number);
      if (i !== 6) expect((lines[i] as string).split(',')[0]).toBe(ids[i - 1]);
      fields.forEach((v, j) => {
        expect(v.replace(/^-?0\.0*|\.|e.*$/g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(3);
        expect(Number(v)).toBe(Number((exact[j] as number).toPrecision(3)));
      });
    }
    // The full output has more digits than 3 somewhere (the default is exact).
    expect(fullLines.some((l) => /\d\.\d{5,}/.test(l))).toBe(true);
    const labels = await run(['predict', model, f, '--id', '1']);
    expect(labels.stdout.split('\n')[0]).toBe('id,label'); // the column's name, given by index
    expect(labels.stdout.split('\n')[1]).toMatch(/^f001,[0-2]$/);
    // A feature column as the id: its text leads each row (the number parser's fast path kept no span).
    const byFeature = await run(['predict', model, f, '--id', 'sepal_length']);
    expect(byFeature.code, byFeature.stderr).toBe(0);
    const featureLines = byFeature.stdout.trimEnd().split('\n');
    expect(featureLines[0]).toBe('sepal_length,label');
    featureLines.slice(1).forEach((l, i) => expect(l.split(',')[0]).toBe(String((rows[i] as unknown[])[0])));
    const noId = await run(['predict', model, f, '--id', 'name']);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(/--id: no column 'name'/);
    const badPrecision = await run(['predict', model, f, '--precision', '0']);
    expect(badPrecision.code).toBe(2);
  });
});

describe('outputs and K', () => {
  it('--out and --plot into a folder that does not exist: an error naming it, nothing created', async () => {
    const missing = path.join(dir, 'no-such-folder');
    for (const args of [
      ['fit', iris, '-k', '2', '--out', path.join(missing, 'model.json')],
      ['fit', iris, '-k', '2', '--plot', path.join(missing, 'plot.svg')],
      ['select', iris, '-k', '1..2', '--out', path.join(missing, 'bic.csv')],
      ['select', iris, '-k', '1..2', '--plot', path.join(missing, 'bic.svg')],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(`the directory ${missing} does not exist`);
      expect(r.stdout).toBe('');
    }
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('predict --proba on a model with a noise component: K + 1 columns, the noise last, as predictProba', async () => {
    const X = rows.map((r) => r.slice(0, 2).map(Number));
    const gm = new GaussianMixture({ nComponents: 2, covarianceType: 'VVV', noise: true, seed: 1 }).fitSync(X);
    const model = path.join(dir, 'noise-model.json');
    fs.writeFileSync(model, JSON.stringify(gm));
    const data = file('two.csv', ['a,b', ...X.map((r) => r.join(','))].join('\n'));
    const r = await run(['predict', model, data, '--proba']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('p0,p1,noise');
    expect(lines.slice(1).map((l) => l.split(',').map(Number))).toEqual(
      Array.from({ length: X.length }, (_, i) => Array.from(gm.predictProba(X).data.subarray(i * 3, i * 3 + 3))),
    );
  });

  it('a negative number after an option is its value, checked by the option (--tol -1, -k -2)', async () => {
    const tol = await run(['fit', iris, '-k', '2', '--tol', '-1']);
    expect(tol.code).toBe(2);
    expect(tol.stderr).toMatch(/^gaussmix fit: --tol must be a non-negative number, got '-1'\n/);
    const k = await run(['fit', iris, '-k', '-2']);
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(/^gaussmix fit: --components must be an integer >= 1, got '-2'\n/);
  });

  it('demo --out DIR makes DIR but no missing directory above it', async () => {
    const missing = path.join(dir, 'no-such-parent');
    const r = await run(['demo', '--out', path.join(missing, 'demo')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the directory ${missing} does not exist`);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it("select on one column: mclust's models as mclustBIC (its E and V from quantile classes; R mclust 6.0.0 fixture)", async () => {
    const ref = JSON.parse(fs.readFileSync(path.join(root, 'test', 'fixtures', 'mclust', 'select.json'), 'utf8')) as {
      waiting: { x: number[]; bic: { E: number[]; V: number[] } };
    };
    const data = file('waiting.csv', ['waiting', ...ref.waiting.x.map(String)].join('\n'));
    const out = path.join(dir, 'waiting-bic.csv');
    const r = await run(['select', data, '-k', '1..9', '-c', 'mclust', '-q', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const cells = fs.readFileSync(out, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));
    expect(new Set(cells.map((c) => c[0]))).toEqual(new Set(['EII', 'VII']));
    for (const [name, mclust] of [['EII', 'E'], ['VII', 'V']] as const) {
      const bic = cells.filter((c) => c[0] === name).map((c) => Number(c[2]));
      ref.waiting.bic[mclust].forEach((b, i) => expect(Math.abs(-b - bic[i]!) / Math.abs(b), `${name} K ${i + 1}`).toBeLessThan(1e-12));
    }
  }, 60_000);

  it('select prints the library warnings as its own lines, each once', async () => {
    const r = await run(['select', iris, '-k', '2..4', '-c', 'full,EEE', '--max-iter', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^gaussmix select: warning: GaussianMixture did not converge in maxIter \(1\) .* \(\d+ fits\)$/m);
    expect(r.stderr).not.toMatch(/\(node:\d+\)/);
    const lines = r.stderr.trimEnd().split('\n');
    expect(new Set(lines).size).toBe(lines.length);
  }, 60_000);

  it('select names the K it leaves out for being above the number of rows', async () => {
    const r = await run(['select', iris, '-k', '148..152', '-c', 'spherical', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('left out: K = 151, 152 (more than the 150 rows of');
    expect(r.stdout).toContain('left out: K = 151, 152');
    expect(r.stdout).toMatch(/\n148\s/);
    expect(r.stdout).toMatch(/\n150\s/);
    const none = await run(['select', iris, '-k', '151..152', '-q']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/every K in --components \(151, 152\) is more than the 150 rows/);
  }, 60_000);
});
