// Section "out-of-core" (issue 15): a GaussianMixture (full, K = 8) on 20,000,000 × 16 rows in an
// Apache Arrow IPC stream file on disk (2.56 GB of doubles, made by this script once into
// bench/.cache), fitted by fitStream over the file (one pass per iteration, its record batches
// read as they come by gaussmix/arrow-file, into reused buffers) and, for comparison, by fit on
// the whole file read into memory. Both from the same explicit start, tol 0, the same
// iterations; each in its own child process, so that its peak RSS is its own. Targets:
// fitStream's peak RSS under 400 MiB, its ms per iteration within 1.4× of the in-memory fit's
// (the page cache is warm: the file was just written or read). CPU time is printed too: on a
// loaded machine the wall-time ratio drifts, the CPU-time ratio much less.
// --quick: 2,000,000 rows.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const N = quick ? 2_000_000 : 20_000_000;
const D = 16;
const K = 8;
const ITERS = 5;
const BATCH_ROWS = 65_536;
const log = (msg) => process.stderr.write(`[bench:out-of-core] ${msg}\n`);

const cache = join(here, '..', '.cache');
const file = join(cache, `ooc-${N}x${D}.arrows`);

/** A seeded mixture of K clusters, written batch by batch (never all in memory). */
async function generate() {
  const arrow = await import('apache-arrow');
  mkdirSync(cache, { recursive: true });
  let s = 12345;
  const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const centres = Array.from({ length: K }, () => Array.from({ length: D }, () => 4 * normal()));
  const scales = Array.from({ length: K }, () => Array.from({ length: D }, () => 0.5 + uniform()));
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  const writer = arrow.RecordBatchStreamWriter.throughNode();
  writer.pipe(out);
  for (let first = 0; first < N; first += BATCH_ROWS) {
    const rows = Math.min(BATCH_ROWS, N - first);
    const columns = {};
    const cols = Array.from({ length: D }, () => new Float64Array(rows));
    for (let i = 0; i < rows; i++) {
      const c = Math.floor(uniform() * K);
      for (let j = 0; j < D; j++) cols[j][i] = centres[c][j] + scales[c][j] * normal();
    }
    cols.forEach((col, j) => (columns[`x${j}`] = col));
    if (!writer.write(arrow.tableFromArrays(columns).batches[0])) await new Promise((r) => out.once('drain', r));
  }
  writer.end();
  await new Promise((resolve, reject) => out.on('finish', resolve).on('error', reject));
  renameSync(tmp, file);
}

if (!existsSync(file)) {
  log(`writing ${N} × ${D} rows to ${file}`);
  await generate();
}
log(`${(statSync(file).size / 2 ** 30).toFixed(2)} GiB on disk`);

const child = (mode) => {
  const out = execFileSync(process.execPath, [join(here, '..', 'out-of-core-child.mjs'), mode, file, String(K), String(ITERS)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop());
};
log('in-memory fit (reads the whole file first)');
const memory = child('memory');
log(`in-memory: ${memory.msPerIter.toFixed(0)} ms/iter (CPU ${memory.cpuMsPerIter.toFixed(0)} ms), peak RSS ${memory.peakRssMiB.toFixed(0)} MiB`);
log('fitStream over the file');
const stream = child('stream');
log(`fitStream: ${stream.msPerIter.toFixed(0)} ms/iter (CPU ${stream.cpuMsPerIter.toFixed(0)} ms), peak RSS ${stream.peakRssMiB.toFixed(0)} MiB`);
const same = stream.lowerBound === memory.lowerBound && stream.meansHash === memory.meansHash;
const ratio = stream.msPerIter / memory.msPerIter;
const cpuRatio = stream.cpuMsPerIter / memory.cpuMsPerIter;
const markdown = [
  `${N.toLocaleString('en')} × ${D}, K = ${K}, full covariances, ${ITERS} EM iterations from the same explicit start, Arrow IPC stream file of ${(statSync(file).size / 2 ** 30).toFixed(2)} GiB, page cache warm.`,
  '',
  '| fit | ms per iteration | CPU ms per iteration | peak RSS | result |',
  '| --- | --- | --- | --- | --- |',
  `| fit (whole file in memory; reading it not timed) | ${memory.msPerIter.toFixed(0)} | ${memory.cpuMsPerIter.toFixed(0)} | ${memory.peakRssMiB.toFixed(0)} MiB | |`,
  `| fitStream over the file (gaussmix/arrow-file) | ${stream.msPerIter.toFixed(0)} (${ratio.toFixed(2)}× in-memory; target ≤ 1.4×) | ${stream.cpuMsPerIter.toFixed(0)} (${cpuRatio.toFixed(2)}×) | ${stream.peakRssMiB.toFixed(0)} MiB (target < 400 MiB) | ${same ? 'bit-identical to fit' : 'DIFFERS from fit'} |`,
].join('\n');
process.stdout.write(`${JSON.stringify({ title: 'Data larger than memory (fitStream)', markdown, data: { n: N, d: D, k: K, iters: ITERS, memory, stream, ratio, cpuRatio, same } })}\n`);
