// The gaussmix side of the section "small-fits" (bench/sections/small-fits.mjs): many fits of a
// small data set. 500 × 2, K = 3 (bench/workloads.mjs SMALL), every fit with the
// estimator's defaults and its own seed:
//   - fitSync in a loop (fits per second, wall and CPU time of the process);
//   - 2,000 fit() calls fired at once (fits per second until the last settles), with the event
//     loop's worst delay meanwhile (perf_hooks monitorEventLoopDelay, resolution 1 ms; and the
//     longest gap seen by a 1 ms interval, as a cross-check).
// Best of several rounds (a rate is only ever lowered by other load). Run by the section in a
// child process of its own; prints one JSON line.
//   node bench/small-fits-child.mjs '{"rounds": 5, "loopFits": 2000, "concurrent": 2000}'
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { GaussianMixture, KMeans } from '../dist/esm/index.js';
import { loadWorkload } from './data.mjs';
import { SMALL } from './workloads.mjs';

const plan = { rounds: 5, loopFits: 2000, concurrent: 2000, ...JSON.parse(process.argv[2] ?? '{}') };
const w = loadWorkload(SMALL);
const X = { data: w.X, shape: [w.n, w.d] };
const MODELS = {
  gmm: (seed) => new GaussianMixture({ nComponents: SMALL.k, seed }),
  kmeans: (seed) => new KMeans({ nClusters: SMALL.k, seed }),
};

/** fitSync in a loop: fits per second (wall, and per CPU second of the process), mean nIter. */
function loop(make, fits, seed0) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let iters = 0;
  for (let i = 0; i < fits; i++) iters += make(seed0 + i).fitSync(X).nIter;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { fitsPerSecond: fits / seconds, fitsPerCpuSecond: fits / ((cpu.user + cpu.system) / 1e6), meanIter: iters / fits };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` fit() calls at once: fits per second until all settled, and the event loop's delay. */
async function concurrent(make, count, seed0) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let worstGap = 0;
  const interval = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
  }, 1);
  histogram.enable();
  await sleep(20); // both probes running before the burst
  histogram.reset();
  last = performance.now();
  worstGap = 0;
  const t0 = performance.now();
  const fits = [];
  for (let i = 0; i < count; i++) fits.push(make(seed0 + i).fit(X));
  await Promise.all(fits);
  const seconds = (performance.now() - t0) / 1000;
  await sleep(20); // a delay at the very end is still seen
  histogram.disable();
  clearInterval(interval);
  return { fitsPerSecond: count / seconds, worstDelayMs: histogram.max / 1e6, worstGapMs: worstGap };
}

const best = (rounds, key, lower = false) => rounds.reduce((a, b) => ((lower ? b[key] < a[key] : b[key] > a[key]) ? b : a));
const result = { spec: SMALL, plan, models: {} };
for (const [name, make] of Object.entries(MODELS)) {
  loop(make, 200, 1e6); // warm-up: compiled code, the compute threads, first-touched memory
  await concurrent(make, 200, 2e6);
  const loops = [];
  const bursts = [];
  for (let r = 0; r < plan.rounds; r++) {
    loops.push(loop(make, plan.loopFits, r * plan.loopFits));
    bursts.push(await concurrent(make, plan.concurrent, r * plan.concurrent));
  }
  result.models[name] = {
    fitSync: { best: best(loops, 'fitsPerSecond'), rounds: loops },
    concurrent: { best: best(bursts, 'fitsPerSecond'), leastDelay: best(bursts, 'worstDelayMs', true), rounds: bursts },
  };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
