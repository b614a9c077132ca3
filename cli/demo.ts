/**
 * `gaussmix demo [--out DIR]`: hard K-means, soft K-means, Gaussian K-means and the full
 * Gaussian mixture side by side on data drawn from known mixtures (two Gaussians, and four
 * clusters of different sizes and shapes): one picture with a panel per method beside the
 * truth, and the fitted parameters printed next to the true ones with the time of each fit.
 * Then the founding document's Figures 1–7, with index.html (cli/figures/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { GaussianMixture } from 'gaussmix';

import { CliError, int, num, parse, positionals, str } from './args.js';
import { count, fixed, matrix, ms, table, vector } from './format.js';
import { drawFigures } from './figures/index.js';
import type { MixtureCase } from './figures/mixtures.js';
import { build, describeFitted, type Fitted, type ModelName } from './models.js';
import { colour, domain, ellipses, modelPanel, panel, plotRows, square, svgToPng, takeRows, writePlot, type PanelInput } from './plot.js';
import { checkOutputFolder } from './output.js';
import { modelOf } from './truth.js';

export const DEMO_OPTIONS = {
  out: { type: 'string', short: 'o' },
  png: { type: 'boolean' },
  n: { type: 'string' },
  points: { type: 'string' },
  seed: { type: 'string' },
  stiffness: { type: 'string' },
  threads: { type: 'string' },
} as const;

export interface Truth {
  title: string;
  weights: number[];
  means: [number, number][];
  covariances: [[number, number], [number, number]][];
}

/** The two known mixtures the demo draws from. */
export const CASES: Truth[] = [
  {
    title: 'two Gaussians',
    weights: [0.3, 0.7],
    means: [
      [-2, 1],
      [3, -1],
    ],
    covariances: [
      [
        [1.0, 0.6],
        [0.6, 1.2],
      ],
      [
        [2.0, -0.8],
        [-0.8, 0.7],
      ],
    ],
  },
  {
    title: 'four clusters',
    weights: [0.4, 0.2, 0.25, 0.15],
    means: [
      [0, 0],
      [5.5, 3.5],
      [5, -3],
      [-3.5, 5],
    ],
    covariances: [
      [
        [3.0, 1.6],
        [1.6, 1.2],
      ],
      [
        [0.35, 0],
        [0, 0.35],
      ],
      [
        [1.0, -0.6],
        [-0.6, 0.8],
      ],
      [
        [0.5, 0.1],
        [0.1, 2.0],
      ],
    ],
  },
];

/** The methods, in the picture's order. */
const METHODS: { model: ModelName; covariance?: 'full' }[] = [
  { model: 'kmeans' },
  { model: 'soft-kmeans' },
  { model: 'gaussian-kmeans' },
  { model: 'gmm', covariance: 'full' },
];

/** The model that holds exactly the true parameters; its `sample` draws the data. */
function truthModel(t: Truth): GaussianMixture {
  return modelOf({ type: 'full', weights: t.weights, means: t.means, covariances: t.covariances });
}

/** The order of fitted components that puts each next to the true one it matches best (by means). */
function matchComponents(fitted: Float64Array, truth: [number, number][]): number[] {
  const k = truth.length;
  const cost = (f: number, t: number): number =>
    ((fitted[2 * f] as number) - (truth[t] as [number, number])[0]) ** 2 + ((fitted[2 * f + 1] as number) - (truth[t] as [number, number])[1]) ** 2;
  let best: number[] = [];
  let bestCost = Infinity;
  const perm = Array.from({ length: k }, (_, i) => i);
  const visit = (n: number, acc: number): void => {
    if (acc >= bestCost) return;
    if (n === k) {
      best = perm.slice();
      bestCost = acc;
      return;
    }
    for (let i = n; i < k; i++) {
      [perm[n], perm[i]] = [perm[i] as number, perm[n] as number];
      visit(n + 1, acc + cost(n, perm[n] as number));
      [perm[n], perm[i]] = [perm[i] as number, perm[n] as number];
    }
  };
  visit(0, 0);
  return best; // best[f] = the true component matched to fitted component f
}

export interface Run {
  fitted: Fitted;
  title: string;
  millis: number;
  /** fitted component -> true component */
  order: number[];
  /** Share of points assigned to (the match of) the component that drew them. */
  agreement: number;
  /** Share of points assigned to each fitted component. */
  shares: number[];
}

export async function demoCommand(argv: string[]): Promise<void> {
  const cmd = 'demo';
  const p = parse(cmd, argv, DEMO_OPTIONS);
  positionals(p, cmd, []);
  const outDir = str(p, 'out') ?? 'gaussmix-demo';
  const n = int(p, 'n', cmd, 10) ?? 10_000;
  const shown = int(p, 'points', cmd, 1) ?? 2_000;
  const seed = int(p, 'seed', cmd, 0) ?? 2026;
  const stiffness = num(p, 'stiffness', cmd) ?? 1;
  const threads = int(p, 'threads', cmd, 0);
  // DIR itself is made if missing; the directories above it must exist (as for --out elsewhere).
  checkOutputFolder(outDir, '--out');
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) throw new CliError(`--out ${outDir}: not a directory`);

  const say = (s = ''): void => {
    process.stdout.write(`${s}\n`);
  };
  say(`gaussmix demo: K-means, soft K-means (stiffness β = ${stiffness}), Gaussian K-means and a full Gaussian mixture`);
  say(`on ${count(n)} points drawn from each of two known mixtures (seed ${seed}); every fit has seed 1.`);

  const rowsOfPanels: Record<string, unknown>[] = [];
  const cases: MixtureCase[] = [];
  for (const [c, truth] of CASES.entries()) {
    const k = truth.weights.length;
    const sample = truthModel(truth).sample(n, seed + c);
    const X = sample.X.data;
    const trueLabels = sample.labels;
    const view = { data: X, shape: [n, 2] };

    const runs: Run[] = [];
    for (const m of METHODS) {
      const est = build({ model: m.model, k, covariance: m.covariance, seed: 1, threads, stiffness });
      const t0 = performance.now();
      await est.fit(view);
      const millis = performance.now() - t0;
      const fitted = describeFitted(est);
      const order = matchComponents(fitted.centres, truth.means);
      const labels = est.predict(view);
      let agree = 0;
      const counts = new Array<number>(k).fill(0);
      for (let r = 0; r < n; r++) {
        const l = labels[r] as number;
        counts[l] = (counts[l] as number) + 1;
        if (order[l] === trueLabels[r]) agree++;
      }
      const title = m.model === 'soft-kmeans' ? `${fitted.label} (β = ${stiffness})` : fitted.label;
      runs.push({ fitted, title, millis, order, agreement: agree / n, shares: counts.map((x) => x / n) });
    }

    say();
    say(`Case ${c + 1}: ${truth.title}, N = ${count(n)}, K = ${k}`);
    const methodRows: string[][] = [['method', 'fit time', 'iterations', 'converged', 'points with their own component']];
    for (const r of runs) {
      methodRows.push([r.title, ms(r.millis), String(r.fitted.estimator.nIter), r.fitted.estimator.converged ? 'yes' : 'no', `${(100 * r.agreement).toFixed(1)}%`]);
    }
    say(table(methodRows, 'lrrrr'));
    for (let t = 0; t < k; t++) {
      say();
      const rows: string[][] = [[`component ${t + 1}`, 'weight', 'mean', 'covariance']];
      const cov = truth.covariances[t] as [[number, number], [number, number]];
      rows.push(['  truth', fixed(truth.weights[t] as number), vector(truth.means[t] as [number, number]), matrix(cov.flat(), 2)]);
      for (const r of runs) {
        const f = r.order.indexOf(t);
        const fit = r.fitted;
        const weight = fit.weights ? fixed(fit.weights[f] as number) : `${fixed(r.shares[f] as number)}*`;
        const c2 = fit.covariance2(f, 0, 1);
        rows.push([`  ${r.title}`, weight, vector(fit.centres.subarray(2 * f, 2 * f + 2)), c2 ? matrix([c2[0], c2[1], c2[1], c2[2]], 2) : '(none)']);
      }
      say(table(rows, 'lrll'));
    }
    say('\n* K-means has no weights and soft K-means weighs its clusters equally: the share of points assigned is shown.');

    // The picture's row for this case: the truth, then one panel per method.
    const rows = plotRows(n, shown);
    const P = takeRows(X, 2, rows);
    // Equal scales on both axes (the panels are square), so that circles look round.
    const [xDomain, yDomain] = square(domain(X, 2, 0), domain(X, 2, 1));
    const base = { xTitle: 'x₁', yTitle: 'x₂', xDomain, yDomain };
    const truthPanel: PanelInput = {
      ...base,
      id: `case${c + 1}_truth`,
      title: `Truth: ${truth.title}`,
      subtitle: `${count(rows.length)} of ${count(n)} points shown`,
      points: rows.map((r, i) => ({ x: P[2 * i] as number, y: P[2 * i + 1] as number, c: colour(trueLabels[r] as number) })),
      ellipses: truth.means.flatMap((m, t) => {
        const cv = truth.covariances[t] as [[number, number], [number, number]];
        return ellipses(String(t), m[0], m[1], [cv[0][0], cv[0][1], cv[1][1]]);
      }),
      centres: truth.means.map(([x, y]) => ({ x, y })),
    };
    const panels = [panel(truthPanel)];
    for (const r of runs) {
      panels.push(
        panel(
          modelPanel(r.fitted, P, rows.length, 0, 1, { ...base, id: `case${c + 1}_${r.fitted.kind}`, title: r.title, subtitle: `${ms(r.millis)}, ${(100 * r.agreement).toFixed(1)}% with their own component` }, r.order),
        ),
      );
    }
    rowsOfPanels.push({ hconcat: panels });
    cases.push({ truth, runs, panels, n, shown: rows.length, seed: seed + c });
  }

  await fs.promises.mkdir(outDir, { recursive: true }); // one level: its parent was checked
  const file = path.join(outDir, 'demo.svg');
  await writePlot(file, {
    title: {
      text: 'K-means, soft K-means, Gaussian K-means and a full Gaussian mixture against the truth',
      subtitle: 'colour: assigned component (soft assignments blended by responsibility); +: centres; ellipses: 1σ (solid) and 2σ (dashed)',
      anchor: 'start',
      fontSize: 16,
    },
    vconcat: rowsOfPanels,
    config: { concat: { spacing: 18 } },
  });
  say();
  say(`picture written to ${file}`);

  const toPng = p.values.png === true ? svgToPng : undefined;
  const figures = await drawFigures(outDir, { n, shown, seed, threads, toPng }, cases as [MixtureCase, MixtureCase]);
  say(`Figures 1–7 written to ${outDir}: ${figures.files.map((f) => path.basename(f)).join(', ')}`);
}
