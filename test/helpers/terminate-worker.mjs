// Run by test/concurrency.test.ts in a child process (a crash here must not take the test
// runner down): starts a fit of about 3 s in a worker_threads worker, terminates the worker
// once the fit is under way, and prints how long terminate() took as JSON. The argument says
// whether the fit has an onIteration callback ('callback') or not ('plain'), or is a fitSync
// ('sync').
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

import { GaussianMixture } from '../../dist/esm/index.js';

const withCallback = process.argv[2] === 'callback';
const sync = process.argv[2] === 'sync';
const n = 20_000;
const d = 6;
const data = new Float64Array(n * d);
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 2 + (Math.floor(i / d) % 4);
const options = { nComponents: 6, seed: 1, tol: 0, threads: 1 };

// Calibrate: maxIter for a fit of about 3 s on this machine.
const t0 = performance.now();
new GaussianMixture({ ...options, maxIter: 10 }).fitSync({ data, shape: [n, d] });
const maxIter = Math.max(20, Math.round((10 * 3000) / (performance.now() - t0)));

const worker = new Worker(new URL('./fit-worker.mjs', import.meta.url));
worker.on('error', (err) => console.log(JSON.stringify({ workerError: String(err) })));
const started = new Promise((resolve) => worker.on('message', (m) => m.started && resolve()));
worker.postMessage({ id: 1, kind: 'GaussianMixture', options: { ...options, maxIter }, data, shape: [n, d], announce: true, quiet: !withCallback, sync });
await started;
if (!withCallback) await new Promise((r) => setTimeout(r, 50));
const t1 = performance.now();
const code = await worker.terminate();
console.log(JSON.stringify({ terminateMs: Math.round(performance.now() - t1), code, maxIter }));
