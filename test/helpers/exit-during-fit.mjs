// Run by test/concurrency.test.ts in a child process: starts a fit of several seconds (with an
// onIteration callback when the argument is 'callback') and calls process.exit(0) 200 ms into
// it. The process must end at once with status 0.
import { GaussianMixture } from '../../dist/esm/index.js';

const n = 20_000;
const d = 6;
const data = new Float64Array(n * d);
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 2 + (Math.floor(i / d) % 4);
const options = process.argv[2] === 'callback' ? { onIteration: () => undefined } : undefined;
void new GaussianMixture({ nComponents: 6, seed: 1, tol: 0, maxIter: 100_000, threads: 1 }).fit({ data, shape: [n, d] }, options);
setTimeout(() => {
  console.log('exiting');
  process.exit(0);
}, 200);
