// The markdown the bench prints: a line naming the machine, the GEMM yardstick, a speed table
// (ms/iteration, spread, ratios, GFLOP/s, peak RSS) and an equal-work table (the objective each
// peer reached, next to gaussmix's after the same number of iterations).

const MiB = 2 ** 20;

function ms(x) {
  if (!Number.isFinite(x)) return '–';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

const spread = (p) => (p.msPerIter.length > 1 ? `${ms(p.min)}–${ms(p.max)}${p.msPerIter.length < 3 ? `, ${p.msPerIter.length} fits` : ''}` : '1 fit');
const ratio = (x) => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×` : '–');
const num = (x) => (Number.isFinite(x) ? x.toPrecision(12) : '–');
const rel = (x) => (x == null ? '–' : x === 0 ? '0' : x.toExponential(1));
const sizes = (r) => `${r.model}, ${r.n.toLocaleString('en-US')}×${r.d}, K ${r.k}`;

function peerTime(p) {
  if (!p) return ['', ''];
  if (p.skipped) return [`${p.peer}: skipped`, '–'];
  if (p.error) return [`${p.peer}: error`, '–'];
  const iters = p.iters < 20 ? `, ${p.iters} it` : '';
  return [`${ms(p.median)} (${spread(p)}${iters})${p.diverged ? ' NaN!' : ''}`, ratio(p.ratio)];
}

function gaussmixCells(g) {
  if (g.error) return ['error', '–', '–'];
  const share = g.gemmShare == null ? '' : ` (${(100 * g.gemmShare).toFixed(0)}%)`;
  const rss = `${(g.maxRssBytes / MiB).toFixed(0)} / ${(g.rssBudgetBytes / MiB).toFixed(0)}${g.withinRssBudget ? '' : ' over'}`;
  return [`${ms(g.median)} (${spread(g)})`, `${g.gflops.toFixed(1)}${share}`, rss];
}

function objectiveCell(p) {
  if (!p) return ['', '', ''];
  if (p.skipped || p.error) return ['–', '–', '–'];
  const it = p.nIter[p.nIter.length - 1];
  if (p.diverged) return [`NaN (${it} it)`, num(p.gaussmixObjectiveAtSameIteration), '–'];
  return [`${num(p.objective)} (${it} it)`, num(p.gaussmixObjectiveAtSameIteration), rel(p.relativeObjectiveDifference)];
}

export function renderMarkdown(meta, rows) {
  const m = meta.machine;
  const g = meta.gemm;
  const out = [];
  out.push(`Machine: ${m.cores} cores, ${m.cpu}, ${m.memoryGiB} GiB, node ${m.node}; load average ${m.loadAverageAtStart.join(' ')} at start, ${m.loadAverageAtEnd.join(' ')} at end.`);
  const probes = Object.values(g.variants).map((v) =>
    v.error ? `${v.variant}: failed (${v.error})` : `${v.variant} (${v.simd}) ${v.gflops1.toFixed(1)} GFLOP/s on 1 thread, ${v.gflopsAll.toFixed(1)} on ${v.threads}`,
  );
  out.push(`GEMM (Eigen ${Object.values(g.variants)[0]?.n ?? 2000}² doubles, the addon's compile flags + each SIMD variant): ${probes.join('; ')}. The addon runs its ${g.addonVariant} kernels: % GEMM is of that variant on all threads.`);
  out.push(
    `Mode: ${meta.mode}${meta.quick ? ` (${meta.quick})` : ''}. gaussmix and scikit-learn: ${meta.iterations} iterations, tol 0, all cores, from the same fixed start; ${meta.repeats > 1 ? `median of at least ${meta.repeats} fits after a warm-up fit, more while they add up to less than ${meta.minTotalSeconds ?? 0} s (at most 100), fewer where a peer's fits would pass ${meta.budgetSecondsPerPeerAndWorkload} s; a first fit over 2 s is timed, not a warm-up), min–max in brackets` : 'one fit per peer'}; ×: peer ms ÷ gaussmix ms (above 1: gaussmix is faster). Wall time ${meta.wallSeconds} s.`,
  );
  if (Math.max(...m.loadAverageAtStart.slice(0, 1), ...m.loadAverageAtEnd.slice(0, 1)) > 0.5) {
    out.push('Warning: other processes were using the CPU during this run (1-minute load average above 0.5): timings and GEMM rates are noisy.');
  }
  out.push('');
  out.push('| workload | model, N×D, K | gaussmix ms/iter | GFLOP/s (% GEMM) | peak RSS / budget MiB | scikit-learn ms/iter | × sklearn | npm peer ms/iter | × npm |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const [gt, gf, gr] = gaussmixCells(r.gaussmix);
    const [st, sr] = peerTime(r.sklearn);
    const [nt, nr] = r.npm ? peerTime(r.npm) : ['–', '–'];
    const npmName = r.npm && !r.npm.skipped && !r.npm.error ? `${r.npm.peer} ` : '';
    out.push(`| ${r.name} | ${sizes(r)} | ${gt} | ${gf} | ${gr} | ${st} | ${sr} | ${npmName}${nt} | ${nr} |`);
  }
  out.push('');
  out.push('Flop models (per iteration): full 3·N·K·D², diag 8·N·K·D, spherical 4·N·K·D, K-means 2·N·K·D; % of the GEMM rate on all threads. RSS budget: input + N·K·8 bytes + 100 MiB.');
  out.push('');
  out.push('Equal work: the objective (mean log-likelihood of the last E-step for mixtures, inertia for K-means) each peer reached, next to gaussmix after the same number of iterations, and their relative difference.');
  out.push('');
  out.push('| workload | objective | gaussmix | scikit-learn | gaussmix same it. | rel. diff | npm peer | gaussmix same it. | rel. diff |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const gm = r.gaussmix.error ? 'error' : `${num(r.gaussmix.objective)} (${r.gaussmix.nIter[r.gaussmix.nIter.length - 1]} it)`;
    const [so, sg, sd] = objectiveCell(r.sklearn);
    const [no, ng, nd] = r.npm ? objectiveCell(r.npm) : ['–', '–', '–'];
    out.push(`| ${r.name} | ${r.objectiveName} | ${gm} | ${so} | ${sg} | ${sd} | ${no} | ${ng} | ${nd} |`);
  }
  const errors = rows.flatMap((r) => ['gaussmix', 'sklearn', 'npm'].map((p) => r[p]?.error && `${r.name} ${p}: ${r[p].error}`)).filter(Boolean);
  if (errors.length) {
    out.push('');
    out.push('Errors:');
    for (const e of errors) out.push(`- ${e}`);
  }
  const diverged = rows.filter((r) => r.npm?.diverged).map((r) => `- ${r.name} ${r.npm.peer}: ${r.npm.diverged}; its time is of that run.`);
  if (diverged.length) {
    out.push('');
    out.push('NaN!: the peer diverged from the common start:');
    out.push(...diverged);
  }
  const apis = new Set(rows.filter((r) => r.gaussmix.api).map((r) => `${r.gaussmix.api} (${r.gaussmix.simd} kernels)`));
  out.push('');
  out.push(`gaussmix entry points timed: ${[...apis].join('; ')}.`);
  return `${out.join('\n')}\n`;
}
