// One side of the out-of-core section, in its own process: `memory FILE K ITERS` reads the Arrow
// file's record batches into one Float64Array and fits it; `stream FILE K ITERS` fits it with
// fitStream, one pass over the file per iteration, its record batches read by gaussmix/arrow-file
// (reused buffers: the fast way, README "Data larger than memory"). Prints { msPerIter, cpuMsPerIter, peakRssMiB, lowerBound, meansHash } as JSON.
// Called by bench/sections/out-of-core.mjs.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

import * as arrow from 'apache-arrow';

import { openArrowFile } from '../dist/esm/arrow-file.js';
import { GaussianMixture } from '../dist/esm/index.js';

const [mode, file, kArg, itersArg] = process.argv.slice(2);
const K = Number(kArg);
const ITERS = Number(itersArg);

// The explicit start: the first K rows of the file as means, equal weights, identity covariances.
async function start() {
  for await (const batch of await arrow.RecordBatchReader.from(createReadStream(file))) {
    const d = batch.numCols;
    const means = new Float64Array(K * d);
    for (let j = 0; j < d; j++) {
      const values = batch.getChildAt(j).toArray();
      for (let c = 0; c < K; c++) means[c * d + j] = values[c];
    }
    const cov = new Float64Array(K * d * d);
    for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) cov[c * d * d + j * d + j] = 1;
    return { d, means, cov };
  }
  throw new Error('empty file');
}
const { d, means, cov } = await start();
const model = () =>
  new GaussianMixture({
    nComponents: K,
    tol: 0,
    maxIter: ITERS,
    weightsInit: new Float64Array(K).fill(1 / K),
    meansInit: { data: means, shape: [K, d] },
    covariancesInit: { data: cov, shape: [K, d, d] },
  });

let gm;
let ms;
let cpu0;
if (mode === 'memory') {
  // The record batches read one by one (a 2.56 GB file is past readFileSync's 2 GiB limit),
  // then the rows in one Float64Array, as a user holding them in memory would pass them (not
  // timed: the comparison is of the fits).
  const batches = [];
  let n = 0;
  for await (const batch of await arrow.RecordBatchReader.from(createReadStream(file, { highWaterMark: 1 << 20 }))) {
    batches.push(batch);
    n += batch.numRows;
  }
  const X = { data: new Float64Array(n * d), shape: [n, d] };
  let first = 0;
  for (const batch of batches) {
    for (let j = 0; j < d; j++) {
      const values = batch.getChildAt(j).data[0].values;
      for (let i = 0; i < batch.numRows; i++) X.data[(first + i) * d + j] = values[i];
    }
    first += batch.numRows;
  }
  batches.length = 0;
  const t = performance.now();
  cpu0 = process.cpuUsage();
  gm = model().fitSync(X);
  ms = performance.now() - t;
} else {
  const t = performance.now();
  cpu0 = process.cpuUsage();
  // A pass: the file's record batches, each read into the pass's one buffer (valid until the
  // next is asked for: fitStream converts each batch before it asks for the next).
  const rows = await openArrowFile(file);
  gm = await model().fitStream(() => rows.batches());
  ms = performance.now() - t;
}
const cpu = process.cpuUsage(cpu0);
const meansHash = createHash('sha256').update(new Uint8Array(gm.means.data.buffer)).digest('hex');
process.stdout.write(
  `${JSON.stringify({ msPerIter: ms / gm.nIter, cpuMsPerIter: (cpu.user + cpu.system) / 1000 / gm.nIter, peakRssMiB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20, lowerBound: gm.lowerBound, meansHash, nIter: gm.nIter })}\n`,
);
