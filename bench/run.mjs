// npm run bench [-- --quick] [-- --only=g2d,k2]
//
// gaussmix against scikit-learn and the npm packages Node users pick (ml-kmeans,
// gaussian-mixture-model) on the eight workloads of bench/workloads.mjs, on the same data, from
// the same fixed start, on the same machine, in one run. Prints markdown tables on stdout
// (progress goes to stderr) and writes bench/results/latest.json.
//
// Full run: every workload at full size, 3 timed fits per peer (median and min–max reported;
//   fewer where one fit takes over 20 s, so that a peer spends at most about a minute per workload),
//   gaussmix and scikit-learn 20 iterations with tol 0 on all cores, the npm peers the number
//   of iterations bench/workloads.mjs gives them; GEMM probe 2000×2000, best of 3.
// --quick: every workload at a tenth of its rows (the first rows of the same data), 1 timed fit
//   per peer, the npm peers only where they are fast (g2d, k2); GEMM probe best of 1. For a
//   smoke test and rough ratios in under a minute; not for numbers to quote.
// --only=a,b: just those workloads.
//
// Each Node peer runs in a child process per workload (bench/peer_child.mjs) so that its peak
// RSS is its own; scikit-learn runs in /usr/bin/python3 (bench/sklearn_peer.py).
//
// Then the sections: every bench/sections/NAME.mjs measures what the workload table does not
// (streamed fits, small fits, ...). Each runs in a child process with `--quick` when given and
// prints one JSON line { title, markdown, data } on stdout; `--only=` selects sections by NAME
// too. A section's markdown is printed after the table, its data saved with the results.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, runJson as runChild } from './child.mjs';
import { ensureWorkload } from './data.mjs';
import { kernelVariant, measureGemm, variantsToMeasure } from './gemm.mjs';
import { renderMarkdown } from './report.mjs';
import { summarise } from './summary.mjs';
import { ITERS, NPM_PEERS, workloadsFor } from './workloads.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : null;
const REPEATS = quick ? 1 : 5;
/** Per peer and workload: no further fit once one more would pass this (bench/repeats.mjs). */
const BUDGET_MS = 60_000;
/** Per peer and workload: more than REPEATS fits while the timed ones add up to less than this. */
const MIN_TOTAL_MS = quick ? 0 : 1000;
const CHILD_TIMEOUT_MS = 10 * 60 * 1000;
const SECTION_TIMEOUT_MS = 40 * 60 * 1000;

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    return line ? line.split(':')[1].trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A child's JSON result; CHILD_TIMEOUT_MS unless said. */
const runJson = (cmd, argv, timeout = CHILD_TIMEOUT_MS, stderr = 'pipe') => runChild(cmd, argv, { timeout, stderr });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Node peer in its child process. gaussmix's addon may be missing for a moment while a
 * developer rebuilds it in the same work tree: then wait and try again, a few times.
 */
async function runNodePeer(peer, spec, plan) {
  for (let attempt = 1; ; attempt++) {
    const r = runJson(process.execPath, [join(here, 'peer_child.mjs'), JSON.stringify({ peer, spec, plan })]);
    if (!(r.error && /No native build was found/.test(r.error)) || attempt === 4) return r;
    log(`${spec.name} ${peer}: no addon in build/ (being rebuilt?); retrying in 30 s`);
    await sleep(30_000);
  }
}

const runSklearn = (spec, paths, plan) =>
  runJson(PYTHON, [join(here, 'sklearn_peer.py'), JSON.stringify({ spec, file: paths.file, startFile: paths.startFile, iters: plan.iters, repeats: plan.repeats, minTotalMs: plan.minTotalMs, budgetMs: plan.budgetMs })]);

function describe(name, r) {
  if (r.error) return `${name}: ERROR ${r.error}`;
  const ms = [...r.msPerIter].sort((a, b) => a - b);
  return `${name}: ${ms[Math.floor(ms.length / 2)].toFixed(3)} ms/iter (${ms.length} fits, n_iter ${[...new Set(r.nIter)].join(',')})`;
}

// scikit-learn is the peer every ratio is taken against: without it the run would be half a
// table, so say at once what to install.
{
  const check = runJson(PYTHON, ['-c', 'import json, sklearn, numpy; print(json.dumps({"sklearn": sklearn.__version__}))']);
  if (check.error) {
    log(`scikit-learn is not importable by ${PYTHON} (${check.error}).`);
    log("Install Debian's packages first: apt-get install -y python3-sklearn python3-threadpoolctl");
    process.exit(2);
  }
}

const t0 = Date.now();
const machine = {
  cores: availableParallelism(),
  cpu: cpuModel(),
  node: process.version,
  memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
  loadAverageAtStart: loadavg().map((x) => +x.toFixed(2)),
};
log(`${machine.cores} cores, ${machine.cpu}, node ${machine.node}; load average ${machine.loadAverageAtStart.join(' ')}`);

const gemm = { variants: {} };
function probe(v, when) {
  log(`GEMM probe ${v} (Eigen 2000×2000, the addon's compile flags), ${when}`);
  try {
    const r = measureGemm({ n: 2000, threads: machine.cores, reps: quick ? 1 : 3, variant: v });
    log(`GEMM ${v}: ${r.gflops1} GFLOP/s on 1 thread, ${r.gflopsAll} GFLOP/s on ${r.threads} (${r.simd})`);
    return r;
  } catch (err) {
    log(`GEMM probe ${v} failed: ${err.message || err}`);
    return { variant: v, error: String(err.message || err) };
  }
}
for (const v of variantsToMeasure()) gemm.variants[v] = probe(v, 'at the start');

const raw = [];
for (const spec of workloadsFor({ quick })) {
  if (only && !only.has(spec.name)) continue;
  const paths = ensureWorkload(spec);
  if (paths.generated) log(`${spec.name}: generated ${spec.n}×${spec.d} into the cache`);
  const npm = NPM_PEERS[spec.name];
  const npmIters = npm ? (quick ? npm.quickIters : npm.iters) : null;
  const plan = { iters: ITERS, repeats: REPEATS, minTotalMs: MIN_TOTAL_MS, budgetMs: BUDGET_MS, trace: Boolean(npmIters) || spec.model === 'kmeans' };

  const gaussmix = await runNodePeer('gaussmix', spec, plan);
  log(`${spec.name} ${describe('gaussmix', gaussmix)}`);
  const sklearn = runSklearn(spec, paths, plan);
  log(`${spec.name} ${describe('scikit-learn', sklearn)}`);
  let npmResult = null;
  if (npm && npmIters) {
    // K-means: when gaussmix converged (labels unchanged) in fewer iterations than the peer's
    // share, the peer runs as many as gaussmix did, so both do the same work and per-fit costs
    // are spread over as many iterations.
    const done = gaussmix.nIter ? Math.min(...gaussmix.nIter) : Infinity;
    const iters = spec.model === 'kmeans' ? Math.min(npmIters, done) : npmIters;
    npmResult = { peer: npm.peer, ...(await runNodePeer(npm.peer, spec, { iters, repeats: REPEATS, minTotalMs: MIN_TOTAL_MS, budgetMs: BUDGET_MS })) };
    log(`${spec.name} ${describe(npm.peer, npmResult)}`);
  } else if (npm) {
    npmResult = { peer: npm.peer, skipped: 'skipped in --quick (too slow)' };
  }
  raw.push({ spec, gaussmix, sklearn, npm: npmResult });
}

// The yardstick: Eigen's GEMM on all threads with the instructions the addon's kernels use. In
// a full run that variant is measured again at the end, and the better of the two is kept (a
// rate can only be lowered by other load, never raised).
const variant = kernelVariant(raw.find((r) => r.gaussmix.simd)?.gaussmix.simd);
gemm.addonVariant = variant;
if (!gemm.variants[variant]) gemm.variants[variant] = { variant, error: 'not measured' };
if (!quick) {
  const again = probe(variant, 'again at the end');
  const first = gemm.variants[variant];
  gemm.variants[variant] = { ...(first?.error || (!again.error && again.gflopsAll > first.gflopsAll) ? again : first), atStart: first, atEnd: again };
}
gemm.yardstick = gemm.variants[variant]?.error ? null : gemm.variants[variant];
const rows = raw.map((r) => summarise({ ...r, gemm }));

const sections = [];
for (const file of readdirSync(join(here, 'sections')).filter((f) => f.endsWith('.mjs')).sort()) {
  const name = file.slice(0, -4);
  if (only && !only.has(name)) continue;
  log(`section ${name}`);
  // (Its progress goes straight to this process's stderr.)
  const r = runJson(process.execPath, [join(here, 'sections', file), ...(quick ? ['--quick'] : [])], SECTION_TIMEOUT_MS, 'inherit');
  sections.push({ name, ...r });
  log(r.error ? `section ${name}: ERROR ${r.error}` : `section ${name}: done`);
}

machine.loadAverageAtEnd = loadavg().map((x) => +x.toFixed(2));
const meta = {
  mode: quick ? 'quick' : 'full',
  quick: quick ? 'every workload at 1/10 of its rows, 1 fit per peer, npm peers only on g2d and k2, GEMM best of 1' : null,
  date: new Date().toISOString(),
  machine,
  gemm,
  iterations: ITERS,
  repeats: REPEATS,
  minTotalSeconds: MIN_TOTAL_MS / 1000,
  budgetSecondsPerPeerAndWorkload: BUDGET_MS / 1000,
  wallSeconds: +((Date.now() - t0) / 1000).toFixed(1),
};
if (rows.length) process.stdout.write(renderMarkdown(meta, rows));
for (const s of sections) {
  process.stdout.write(s.error ? `\n## ${s.name}\n\nERROR: ${s.error}\n` : `\n## ${s.title}\n\n${s.markdown}\n`);
}
mkdirSync(join(here, 'results'), { recursive: true });
const out = join(here, 'results', 'latest.json');
writeFileSync(out, `${JSON.stringify({ ...meta, workloads: rows, sections }, null, 2)}\n`);
log(`wrote bench/results/latest.json (${meta.wallSeconds} s)`);
