// The gaussmix command end to end, part 1: help and exit codes, and fit on CSV/TSV/Arrow/stdin
// (iris and generated blobs) with its picture. Runs the built cli/dist/gaussmix.js in child
// processes (cli.predict.test.ts: predict and select; cli.demo.test.ts: the demo).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';

import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';

import { GaussianMixture } from '../lib/index.js';
import { bin, fixture, root, run, svgMarks, svgTexts, tmpdir, type Result } from './cli.helpers.js';

const iris = fixture('iris.csv');
const blobsCsv = fixture('blobs.csv');
let dir: string;

beforeAll(() => {
  dir = tmpdir();
});

describe('help and exit codes', () => {
  it('--help prints every command with examples, exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['demo', 'fit', 'predict', 'select', 'Examples:', 'Exit codes']) expect(r.stdout).toContain(word);
    expect(r.stderr).toBe('');
  });

  it.each(['demo', 'fit', 'predict', 'select'])('%s --help and help %s print the same usage with examples', async (cmd) => {
    const a = await run([cmd, '--help']);
    const b = await run(['help', cmd]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(new RegExp(`^Usage: gaussmix ${cmd}`));
    expect(a.stdout).toContain('Examples:');
  });

  it('--version prints the version of the gaussmix-cli package', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'cli', 'package.json'), 'utf8')) as { version: string };
    const r = await run(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it.each([
    [[], /Usage:/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['--frob'], /unknown option '--frob'/],
    [['help', 'nope'], /no command 'nope'/],
    [['fit', iris], /missing --components/],
    [['fit', '-k', '3'], /missing DATA/],
    [['fit', iris, '-k', '0'], /--components must be an integer >= 1/],
    [['fit', iris, '-k', '3', '--bogus'], /Unknown option '--bogus'/],
    [['fit', iris, '-k', '3', '--covariance', 'round'], /--covariance must be one of full, tied, diag, spherical/],
    [['fit', iris, '-k', '3', '--model', 'kmeans', '--covariance', 'diag'], /--covariance applies to --model gmm/],
    [['fit', iris, '-k', '3', '--columns', 'petal_length,nope'], /no column 'nope'/],
    [['fit', iris, '-k', '3', '--plot', 'x.svg', '--plot-columns', 'a'], /--plot-columns takes two columns/],
    [['fit', iris, 'extra', '-k', '3'], /unexpected argument 'extra'/],
    [['predict', 'model.json'], /missing DATA/],
    [['select', iris, '-k', '3..1'], /--components must be counts/],
    [['select', iris, '-c', 'full,round'], /--covariance takes all or a list/],
    [['demo', '--n', 'many'], /--n must be an integer/],
  ])('usage error %j: exit 2, message and a pointer to --help on stderr', async (args, message) => {
    const r = await run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    if ((args as string[]).length > 0) expect(r.stderr).toMatch(/Run 'gaussmix( \w+)? --help' for usage/);
  });

  it('bad data: exit 1, naming the file, line and column', async () => {
    const r = await run(['fit', fixture('bad.csv'), '-k', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv line 8, column y: 'n\/a' is not a number/);
    expect(r.stdout).toBe('');
  });

  it('a missing file, K above N, a ragged CSV: exit 1', async () => {
    const missing = await run(['fit', path.join(dir, 'nope.csv'), '-k', '2']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv: no such file/);
    const tooMany = await run(['fit', fixture('bad.csv'), '-k', '50', '--columns', 'x']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/--components 50 is more than the 20 rows/);
    const ragged = await run(['fit', '-', '-k', '1'], { input: 'a,b\n1,2\n3\n' });
    expect(ragged.code).toBe(1);
    expect(ragged.stderr).toMatch(/stdin: .*line 3/i);
  });
});

describe('fit', () => {
  it('iris: picks the four numeric columns, writes the model file and a summary; quiet stderr when piped', async () => {
    const out = path.join(dir, 'iris.json');
    const r = await run(['fit', iris, '-k', '3', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('read 150 rows × 4 columns');
    expect(r.stdout).toMatch(/GMM full, K = 3, D = 4/);
    expect(r.stdout.match(/component \d: weight/g)).toHaveLength(3);
    const model = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(model).toMatchObject({
      format: 'gaussmix',
      version: 1,
      kind: 'GaussianMixture',
      metadata: { columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] },
    });
    expect(model.state.weights.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 12);
    // The library reads the file as it is.
    const gm = GaussianMixture.fromJSON(model);
    expect(gm.means.data).toEqual(Float64Array.from(model.state.means.flat()));
  });

  it('without --out: the model JSON on stdout, the summary on stderr; same seed, same model for any thread count', async () => {
    const a = await run(['fit', iris, '-k', '3', '--seed', '5', '--threads', '1']);
    const b = await run(['fit', iris, '-k', '3', '--seed', '5', '--threads', '2']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).kind).toBe('GaussianMixture');
    expect(a.stderr).toContain('GMM full, K = 3');
    const strip = (s: string): unknown => {
      const m = JSON.parse(s);
      delete m.options.threads;
      return m;
    };
    expect(strip(b.stdout)).toEqual(strip(a.stdout));
  });

  it('options: chosen columns, diag covariance, standardisation inside the model (data units reported)', async () => {
    const r = await run(['fit', iris, '-k', '2', '-c', 'diag', '--columns', 'petal_length,4', '--standardize', '-q']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const m = JSON.parse(r.stdout);
    expect(m.metadata.columns).toEqual(['petal_length', 'petal_width']);
    expect(m.options).toMatchObject({ covarianceType: 'diag', standardize: true });
    expect(m.state.scaling.mean[0]).toBeCloseTo(3.758, 3);
    expect(m.state.scaling.scale[1]).toBeCloseTo(0.7597, 3); // population std, as StandardScaler
    // The summary reports means in the data's units (petal lengths of 1.5 and 4.9 cm).
    const summary = await run(['fit', iris, '-k', '2', '-c', 'diag', '--columns', 'petal_length,4', '--standardize', '-o', path.join(dir, 'std.json')]);
    expect(summary.stdout).toMatch(/mean \(1\.46\d, 0\.24\d\) variances \(0\.03\d, 0\.01\d\)/);
  });

  it('CSV, TSV without a header, Arrow file and Arrow stream on stdin give the same model', async () => {
    const fromCsv = JSON.parse((await run(['fit', blobsCsv, '-k', '3', '--columns', 'x,y'])).stdout);
    const tsv = await run(['fit', fixture('blobs.tsv'), '-k', '3']);
    expect(tsv.code).toBe(0);
    const fromTsv = JSON.parse(tsv.stdout);
    expect(fromTsv.metadata.columns).toEqual(['1', '2']);
    const fromArrow = JSON.parse((await run(['fit', fixture('blobs.arrow'), '-k', '3', '--columns', 'x,y'])).stdout);
    expect(fromArrow.metadata.columns).toEqual(['x', 'y']);
    const csvText = fs.readFileSync(blobsCsv, 'utf8').trim().split('\n').slice(1);
    const stream = tableToIPC(
      tableFromArrays({
        x: Float64Array.from(csvText, (l) => Number(l.split(',')[0])),
        y: Float64Array.from(csvText, (l) => Number(l.split(',')[1])),
      }),
      'stream',
    );
    const fromStdin = JSON.parse((await run(['fit', '-', '-k', '3'], { input: Buffer.from(stream) })).stdout);
    for (const other of [fromTsv, fromArrow, fromStdin]) expect(other.state).toEqual(fromCsv.state);
  });

  it('Arrow: the default columns are the numeric ones; a null names its row', async () => {
    const r = await run(['fit', fixture('blobs.arrow'), '-k', '3']);
    expect(JSON.parse(r.stdout).metadata.columns).toEqual(['x', 'y', 'group']);
    const withNull = tableToIPC(tableFromArrays({ x: [1, 2, null, 4], y: [1, 2, 3, 4] }), 'stream');
    const bad = await run(['fit', '-', '-k', '1'], { input: Buffer.from(withNull) });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/stdin row 3, column x: a null value/);
  });

  it('every model kind this build has', async () => {
    const kinds: [string, string, string][] = [
      ['gmm', 'GaussianMixture', 'GMM full'],
      ['gaussian-kmeans', 'GaussianKMeans', 'Gaussian K-means'],
      ['kmeans', 'KMeans', 'K-means'],
      ['soft-kmeans', 'SoftKMeans', 'Soft K-means'],
    ];
    for (const [model, kind, label] of kinds) {
      const r = await run(['fit', blobsCsv, '-k', '3', '--model', model, '--columns', 'x,y']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).kind).toBe(kind);
      expect(r.stderr).toContain(label);
    }
  });

  it.skipIf(!fs.existsSync('/usr/bin/script'))('shows a progress line when stderr is a terminal', async () => {
    // script(1) runs the command on a pseudo-terminal; the progress line is redrawn with \r.
    const out = path.join(dir, 'tty.json');
    const command = ['node', bin, 'fit', iris, '-k', '3', '--max-iter', '30', '--tol', '0', '-o', out].map((a) => `'${a}'`).join(' ');
    const r = await new Promise<Result>((resolve) => {
      const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (b: Buffer) => (text += b.toString()));
      child.on('close', (code) => resolve({ code, stdout: text, stderr: '' }));
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\r\x1b\[2Kfit: init 1 {2}iteration \d+ {2}log-likelihood -?[\d.]+ {2}change /);
    expect(r.stdout).toContain('GMM full, K = 3');
  });

  it('--plot draws every point coloured, the centres and the 1σ and 2σ ellipses', async () => {
    const svgFile = path.join(dir, 'fit.svg');
    const r = await run(['fit', iris, '-k', '3', '-o', path.join(dir, 'm.json'), '--plot', svgFile, '--plot-columns', 'petal_length,petal_width']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`plot written to ${svgFile}`);
    const svg = fs.readFileSync(svgFile, 'utf8');
    const marks = svgMarks(svg);
    expect(marks.get('fit_points_marks')).toBe(150);
    expect(marks.get('fit_centres_marks')).toBe(3);
    expect(marks.get('fit_ellipses_marks')).toBe(6);
    const texts = svgTexts(svg);
    expect(texts).toContain('petal_length');
    expect(texts).toContain('petal_width');
    // at most --plot-points points, evenly spaced through the file
    const few = await run(['fit', iris, '-k', '2', '-o', path.join(dir, 'm2.json'), '--plot', svgFile, '--plot-points', '40']);
    expect(few.code).toBe(0);
    expect(svgMarks(fs.readFileSync(svgFile, 'utf8')).get('fit_points_marks')).toBe(40);
  });
});
