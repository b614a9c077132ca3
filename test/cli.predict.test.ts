// The gaussmix command end to end, part 2: predict (labels, probabilities, columns by name,
// streaming, bounded memory) and select (BIC/AIC grid, its table, plot and determinism).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { bin, csvRows, fixture, run, svgMarks, tmpdir } from './cli.helpers.js';

const iris = fixture('iris.csv');
const blobsCsv = fixture('blobs.csv');
let dir: string;

beforeAll(() => {
  dir = tmpdir();
});

/** The share of rows whose label, mapped to the best-matching class, is that class. */
function agreement(labels: number[], classes: string[]): number {
  const pairs = new Map<string, number>();
  labels.forEach((l, i) => pairs.set(`${l}|${classes[i]}`, (pairs.get(`${l}|${classes[i]}`) ?? 0) + 1));
  const byLabel = new Map<number, number>();
  for (const [key, n] of pairs) {
    const l = Number(key.split('|')[0]);
    byLabel.set(l, Math.max(byLabel.get(l) ?? 0, n));
  }
  return [...byLabel.values()].reduce((a, b) => a + b, 0) / labels.length;
}

describe('predict', () => {
  let model: string;
  beforeAll(async () => {
    model = path.join(dir, 'predict-model.json');
    const r = await run(['fit', iris, '-k', '3', '--standardize', '--out', model]);
    expect(r.code).toBe(0);
  });

  it('labels of iris: one per row, matching the species', async () => {
    const r = await run(['predict', model, iris]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rows = csvRows(r.stdout);
    expect(rows[0]).toEqual(['label']);
    expect(rows).toHaveLength(151);
    const species = csvRows(fs.readFileSync(iris, 'utf8')).slice(1).map((row) => row[4] as string);
    expect(agreement(rows.slice(1).map((x) => Number(x[0])), species)).toBeGreaterThan(0.9);
  });

  it('--proba: K probabilities per row summing to 1, their argmax the label; stdin works', async () => {
    const p = await run(['predict', model, '-', '--proba'], { input: fs.readFileSync(iris) });
    const l = await run(['predict', model, iris]);
    expect(p.code).toBe(0);
    const rows = csvRows(p.stdout);
    expect(rows[0]).toEqual(['p0', 'p1', 'p2']);
    const labels = csvRows(l.stdout).slice(1);
    rows.slice(1).forEach((row, i) => {
      const v = row.map(Number);
      expect(v.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(v.indexOf(Math.max(...v))).toBe(Number(labels[i]?.[0]));
    });
  });

  it("reads a bare estimator JSON (toJSON()) too, taking the file's numeric columns", async () => {
    const wrapped = path.join(dir, 'plain-model.json');
    expect((await run(['fit', iris, '-k', '3', '--model', 'soft-kmeans', '--stiffness', '4', '-o', wrapped])).code).toBe(0);
    const bare = path.join(dir, 'bare.json');
    const { metadata: _, ...plain } = JSON.parse(fs.readFileSync(wrapped, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(bare, JSON.stringify(plain));
    const a = await run(['predict', bare, iris, '--proba']);
    const b = await run(['predict', wrapped, iris, '--proba']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const wrong = await run(['predict', bare, blobsCsv]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/fitted on 4 columns, but .*blobs\.csv gives 3 \(x, y, group\); choose them with --columns/);
  });

  it("reads a legacy 'gaussmix-cli' file (standardisation outside the model) as before", async () => {
    // The legacy form of the --standardize model: the scaling beside a model fitted on
    // standardised rows, applied by predict.
    const m = JSON.parse(fs.readFileSync(model, 'utf8')) as {
      options: Record<string, unknown>;
      state: Record<string, unknown> & { scaling: { mean: number[]; scale: number[] } };
      metadata: { columns: string[] };
    };
    const { scaling } = m.state;
    delete m.options.standardize;
    delete (m.state as Record<string, unknown>).scaling;
    const { metadata, ...bare } = m;
    const legacy = path.join(dir, 'legacy.json');
    fs.writeFileSync(
      legacy,
      JSON.stringify({ format: 'gaussmix-cli', version: 1, columns: metadata.columns, standardize: { mean: scaling.mean, std: scaling.scale }, model: bare }),
    );
    const a = await run(['predict', legacy, iris, '--proba']);
    const b = await run(['predict', model, iris, '--proba']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('an empty value names its line and column', async () => {
    const m = path.join(dir, 'blobs-model-2.json');
    expect((await run(['fit', blobsCsv, '-k', '2', '--columns', 'x,y', '-o', m])).code).toBe(0);
    const r = await run(['predict', m, '-'], { input: 'x,y\n1,\n2,3\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stdin line 2, column y: an empty value is not a number/);
  });

  it('takes the model columns by name from a file with other columns in another order', async () => {
    const lines = fs.readFileSync(iris, 'utf8').trim().split('\n');
    const shuffled = lines.map((line) => {
      const f = line.split(',');
      return [f[4], f[3], 'extra', f[0], f[2], f[1]].join('\t');
    });
    const file = path.join(dir, 'iris-reordered.tsv');
    fs.writeFileSync(file, `${shuffled.join('\n')}\n`);
    const a = await run(['predict', model, file]);
    const b = await run(['predict', model, iris]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('failures: missing columns (1), a K-means model with --proba (2), not a model (1)', async () => {
    const noCols = await run(['predict', model, blobsCsv]);
    expect(noCols.code).toBe(1);
    expect(noCols.stderr).toMatch(/blobs\.csv has no column 'sepal_length', which the model .* needs/);
    const junk = path.join(dir, 'junk.json');
    fs.writeFileSync(junk, '{"format":"other"}');
    const notModel = await run(['predict', junk, iris]);
    expect(notModel.code).toBe(1);
    expect(notModel.stderr).toMatch(/not a gaussmix model/);
    const km = path.join(dir, 'km.json');
    expect((await run(['fit', iris, '-k', '3', '--model', 'kmeans', '-o', km])).code).toBe(0);
    const r = await run(['predict', km, iris, '--proba']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/labels only/);
  });

  it('streams: output comes out while input is still coming in', async () => {
    const m = path.join(dir, 'blobs-model.json');
    expect((await run(['fit', blobsCsv, '-k', '3', '--columns', 'x,y', '-o', m])).code).toBe(0);
    const child = spawn(process.execPath, [bin, 'predict', m, '-', '--chunk-rows', '500'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const rows = (from: number, n: number): string =>
      Array.from({ length: n }, (_, i) => `${((from + i) % 7) - 1},${((from + i) % 5) + 0.5}\n`).join('');
    child.stdin.write(`x,y\n${rows(0, 1200)}`);
    // Two chunks of 500 rows must come out before the input ends.
    const deadline = Date.now() + 15_000;
    while (out.split('\n').length < 1002 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(out.split('\n').length).toBeGreaterThanOrEqual(1002);
    child.stdin.end(rows(1200, 800));
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')).toHaveLength(2001);
  });

  it('a file much larger than the heap it may use', async () => {
    const m = path.join(dir, 'blobs-model.json');
    const big = path.join(dir, 'big.csv');
    const fd = fs.openSync(big, 'w');
    fs.writeSync(fd, 'x,y,group\n');
    const block = fs.readFileSync(blobsCsv, 'utf8').split('\n').slice(1).join('\n');
    for (let i = 0; i < 1000; i++) fs.writeSync(fd, block); // 300,000 rows, ~5 MB of text
    fs.closeSync(fd);
    const r = await run(['predict', m, big], { nodeArgs: ['--max-old-space-size=24'] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBe('label\n'.length + 300_000 * 2);
  }, 30_000);
});

describe('select', () => {
  it('iris: BIC and AIC tables, lower is better, one best marked; CSV table and BIC plot', async () => {
    const csv = path.join(dir, 'select.csv');
    const svgFile = path.join(dir, 'bic.svg');
    const r = await run(['select', iris, '-k', '1..4', '-c', 'full,diag', '--out', csv, '--plot', svgFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('lower is better');
    expect(r.stdout).toMatch(/BIC \(\* = lowest\)\nK\s+full\s+diag\n1\s/);
    expect(r.stdout.match(/\*(?!\s*=)/g)).toHaveLength(2); // one best in each table
    expect(r.stdout).toMatch(/best by BIC: full, K = 2 \(BIC 574\.0\d\)/);
    const table = csvRows(fs.readFileSync(csv, 'utf8'));
    expect(table[0]).toEqual(['covariance', 'k', 'bic', 'aic', 'icl', 'log_likelihood', 'converged', 'n_iter', 'error']);
    expect(table.slice(1).map((row) => `${row[0]}${row[1]}`)).toEqual(['full1', 'full2', 'full3', 'full4', 'diag1', 'diag2', 'diag3', 'diag4']);
    const marks = svgMarks(fs.readFileSync(svgFile, 'utf8'));
    expect(marks.get('lines_marks')).toBe(2);
    expect(marks.get('cells_marks')).toBe(8);
    expect(marks.get('best_marks')).toBe(1);
  });

  it("mclust's 14 models: the ICL table, a noise component, and the criterion plotted per model", async () => {
    const svgFile = path.join(dir, 'icl.svg');
    const r = await run(['select', iris, '-k', '1..3', '-c', 'mclust', '--criterion', 'icl', '--noise', '--plot', svgFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('with a noise component');
    expect(r.stdout).toMatch(/ICL \(\* = lowest\)\nK\s+EII\s+VII\s+EEI\s+VEI\s+EVI\s+VVI\s+EEE\s+VEE\s+EVE\s+VVE\s+EEV\s+VEV\s+EVV\s+VVV\n1\s/);
    expect(r.stdout).toMatch(/best by ICL: [EV][EVI][EVI], K = \d/);
    const marks = svgMarks(fs.readFileSync(svgFile, 'utf8'));
    expect(marks.get('lines_marks')).toBe(14);
    expect(marks.get('best_marks')).toBe(1);
  });

  it('is deterministic: the same table whatever the number of threads', async () => {
    const strip = (s: string): string => s.replace(/fits in [\d.]+ s/, '');
    const a = await run(['select', blobsCsv, '--columns', 'x,y', '-k', '1..5', '--threads', '1']);
    const b = await run(['select', blobsCsv, '--columns', 'x,y', '-k', '1..5', '--threads', '2']);
    expect(a.code).toBe(0);
    expect(strip(b.stdout)).toBe(strip(a.stdout));
    expect(a.stdout).toMatch(/best by BIC: \w+, K = 3/);
  });
});
