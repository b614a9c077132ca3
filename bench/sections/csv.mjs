// Section "csv" (issue 19): how fast the gaussmix command reads a numeric CSV file, against the
// fit of what it read. 2,000,000 rows × 4 columns (a header, 6 significant digits a value, as
// a spreadsheet or pandas writes them) read by the CLI's reader (cli/dist/data.js readAll: the
// native gaussmix/csv, streamed from the file in 1 MiB buffers) and, in the same run, by
// csv-parse (the reader before it) with Number() on each field; then a full-covariance
// GaussianMixture, K = 3, default options, fitted to the rows. Reported: MB/s of each reader
// (file bytes / wall time, best of the runs), the read time over the fit time.
// Target: >= 100 MB/s for the CLI's reader.
// --quick: 200,000 rows, one read each.
import { createReadStream, existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const ROWS = quick ? 200_000 : 2_000_000;
const D = 4;
const RUNS = quick ? 1 : 3;
const TARGET_MBS = 100;
const log = (msg) => process.stderr.write(`[bench:csv] ${msg}\n`);
const { readAll } = await import(join(here, '..', '..', 'cli', 'dist', 'data.js'));
const { GaussianMixture } = await import(join(here, '..', '..', 'dist', 'esm', 'index.js'));

/** The file: rows from three Gaussian blobs (a fixed LCG, so the same bytes every run). */
function ensureFile() {
  const file = join(tmpdir(), `gaussmix-bench-csv-${ROWS}x${D}.csv`);
  if (existsSync(file)) return file;
  let s = 12345;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const lines = ['a,b,c,d'];
  for (let i = 0; i < ROWS; i++) {
    const c = i % 3;
    lines.push(Array.from({ length: D }, (_, j) => (normal() * (1 + j * 0.5) + c * 4 * (j + 1)).toPrecision(6)).join(','));
  }
  writeFileSync(`${file}.part`, `${lines.join('\n')}\n`);
  renameSync(`${file}.part`, file);
  return file;
}

/** csv-parse over the file stream, Number() on every field: what the CLI did before. */
async function csvParse(file) {
  const { parse } = await import('csv-parse');
  const parser = createReadStream(file).pipe(parse({ from_line: 2, trim: true }));
  const out = new Float64Array(ROWS * D);
  let r = 0;
  for await (const record of parser) {
    for (let j = 0; j < D; j++) out[r * D + j] = Number(record[j]);
    r++;
  }
  return r;
}

async function best(name, read) {
  const times = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    rows = await read();
    times.push((performance.now() - t0) / 1000);
  }
  const seconds = Math.min(...times);
  log(`${name}: ${rows} rows in ${seconds.toFixed(2)} s`);
  return { seconds, rows };
}

const file = ensureFile();
const bytes = statSync(file).size;
const mb = bytes / 1e6;
log(`${ROWS} × ${D}, ${mb.toFixed(1)} MB`);
let all;
const ours = await best('gaussmix CLI reader', async () => {
  all = await readAll(file, { command: 'bench' });
  return all.rows;
});
const peer = await best('csv-parse + Number()', () => csvParse(file));
const gm = new GaussianMixture({ nComponents: 3, covarianceType: 'full', warnings: 'silent' });
const t0 = performance.now();
gm.fitSync({ data: all.data, shape: [all.rows, D] });
const fitSeconds = (performance.now() - t0) / 1000;
log(`fit: ${fitSeconds.toFixed(2)} s, ${gm.nIter} iterations`);

const data = {
  rows: ROWS,
  columns: D,
  megabytes: mb,
  gaussmixMBs: mb / ours.seconds,
  csvParseMBs: mb / peer.seconds,
  fitSeconds,
  readSeconds: ours.seconds,
  targetMBs: TARGET_MBS,
};
const f1 = (x) => x.toFixed(1);
const load = loadavg()[0];
const markdown = [
  `${ROWS.toLocaleString('en-US')} rows × ${D} columns, ${f1(mb)} MB of CSV; best of ${RUNS} reads; then GaussianMixture (full, K = 3, default options) on the rows.`,
  '',
  '| reader | MB/s | read ÷ fit |',
  '| --- | ---: | ---: |',
  `| gaussmix CLI (native gaussmix/csv) | ${f1(data.gaussmixMBs)}${data.gaussmixMBs < TARGET_MBS ? ' (target 100 missed)' : ''} | ${f1(ours.seconds / fitSeconds)}× |`,
  `| csv-parse + Number() (the reader before) | ${f1(data.csvParseMBs)} | ${f1(peer.seconds / fitSeconds)}× |`,
  '',
  `The fit: ${f1(fitSeconds * 1000)} ms, ${gm.nIter} iterations. gaussmix reads ${f1(data.gaussmixMBs / data.csvParseMBs)}× as fast as csv-parse in this run.`,
  ...(load > 0.5 ? ['', `Load average ${load.toFixed(2)} at the end: other processes used the CPU; compare the ratio.`] : []),
].join('\n');
process.stdout.write(`${JSON.stringify({ title: 'Reading CSV (the gaussmix command)', markdown, data })}\n`);
