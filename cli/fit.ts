/** `gaussmix fit DATA --components K ...`: fit one model to a data file. */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { CovarianceType } from 'gaussmix';

import { choice, CliError, int, list, MODEL_DATA_OPTIONS, num, parse, positionals, str, UsageError } from './args.js';
import { readAll, type ReadOptions } from './data.js';
import { count, fixed, matrix, ms, vector } from './format.js';
import { build, COVARIANCES, describeFitted, EFFECTIVE_WEIGHT, modelFile, MODELS, PRIORS, type Estimator, type Fitted, type ModelName, type PriorName } from './models.js';
import { domain, modelPanel, panel, plotRows, takeRows, plotFormat, writePlot } from './plot.js';
import { checkOutputFolder } from './output.js';
import { Progress } from './progress.js';
import { READ_OPTIONS, readOptions } from './read-options.js';
import { startFrom } from './start.js';
import { fitStreamed, readRows, shouldStream, type StreamingEstimator } from './stream-fit.js';

export const FIT_OPTIONS = {
  ...MODEL_DATA_OPTIONS,
  ...READ_OPTIONS,
  model: { type: 'string', short: 'm' },
  bayesian: { type: 'boolean' },
  prior: { type: 'string' },
  stiffness: { type: 'string' },
  'plot-columns': { type: 'string' },
  'plot-points': { type: 'string' },
  stream: { type: 'boolean' },
  'init-model': { type: 'string' },
} as const;

/** Which two of the model's columns to plot (names or 1-based indexes); default the first two. */
export function plotDims(columns: string[], wanted: string[] | undefined, command: string): [number, number] {
  if (wanted === undefined) return [0, 1];
  if (wanted.length !== 2) throw new UsageError('--plot-columns takes two columns, e.g. --plot-columns x,y', command);
  const idx = wanted.map((w) => {
    let i = columns.indexOf(w);
    if (i < 0 && /^\d+$/.test(w) && Number(w) >= 1 && Number(w) <= columns.length) i = Number(w) - 1;
    if (i < 0) throw new UsageError(`--plot-columns: '${w}' is not one of the fitted columns (${columns.join(', ')})`, command);
    return i;
  });
  return [idx[0] as number, idx[1] as number];
}

/** The summary of a fitted model, one component a line. */
export function summary(f: Fitted, columns: string[], seconds: number): string {
  const lines: string[] = [];
  const e = f.estimator;
  lines.push(`${f.label}, K = ${f.k}, D = ${f.d} (${columns.join(', ')})`);
  lines.push(`fitted in ${ms(seconds)}, ${e.nIter} iterations, converged: ${e.converged ? 'yes' : 'no'}`);
  if (f.kind === 'BayesianGaussianMixture' && f.weights) {
    const used = Array.from(f.weights).filter((w) => w >= EFFECTIVE_WEIGHT).length;
    lines.push(`effective components: ${used} of ${f.k} (weight >= ${EFFECTIVE_WEIGHT})`);
  }
  for (let k = 0; k < f.k; k++) {
    const mean = f.centres.subarray(k * f.d, k * f.d + f.d);
    let line = `  component ${k}:`;
    if (f.weights) line += ` weight ${fixed(f.weights[k] as number, 3)}`;
    line += ` ${f.kind === 'KMeans' ? 'centre' : 'mean'} ${vector(mean)}`;
    const s = f.spread(k);
    const square = s !== null && (s.type === 'full' || s.type === 'tied');
    if (s !== null && square && f.d <= 2) line += ` covariance ${matrix(s.values, f.d)}`;
    else if (s !== null && s.type === 'diag') line += ` variances ${vector(s.values)}`;
    else if (s !== null && s.type === 'spherical') line += ` variance ${fixed(s.values[0] as number, 3)}`;
    lines.push(line);
    if (s !== null && square && f.d > 2) {
      // A bigger covariance matrix: one row a line, under its component.
      lines.push(`    covariance${s.type === 'tied' ? ' (tied: shared by all components)' : ''}:`);
      for (let i = 0; i < f.d; i++) lines.push(`      ${Array.from(s.values.slice(i * f.d, i * f.d + f.d), (v) => fixed(v, 4, 9)).join(' ')}`);
    }
  }
  return lines.join('\n');
}

export async function fitCommand(argv: string[]): Promise<void> {
  const cmd = 'fit';
  const p = parse(cmd, argv, FIT_OPTIONS);
  const [source] = positionals(p, cmd, ['DATA']) as [string];
  const k = int(p, 'components', cmd, 1);
  if (k === undefined) throw new UsageError('missing --components K', cmd);
  const model: ModelName = choice(p, 'model', cmd, MODELS) ?? 'gmm';
  let covariance = choice(p, 'covariance', cmd, COVARIANCES) as CovarianceType | undefined;
  if (covariance !== undefined && model !== 'gmm' && !(model === 'gaussian-kmeans' && covariance === 'spherical')) {
    throw new UsageError(`--covariance applies to --model gmm (${model} has ${model === 'gaussian-kmeans' ? 'spherical covariances' : 'no covariance option'})`, cmd);
  }
  if (model === 'gmm') covariance ??= 'full';
  const bayesian = p.values.bayesian === true ? ((choice(p, 'prior', cmd, Object.keys(PRIORS) as PriorName[]) ?? 'dp') as PriorName) : undefined;
  if (bayesian === undefined && p.values.prior !== undefined) throw new UsageError('--prior applies to --bayesian', cmd);
  if (bayesian !== undefined && model !== 'gmm') throw new UsageError(`--bayesian applies to --model gmm (not ${model})`, cmd);
  if (bayesian !== undefined && p.values.standardize === true) {
    throw new UsageError('--bayesian fits in the data\'s units (its priors come from them): --standardize is not available with it', cmd);
  }
  const stiffness = num(p, 'stiffness', cmd);
  if (stiffness !== undefined && model !== 'soft-kmeans') throw new UsageError('--stiffness applies to --model soft-kmeans', cmd);
  const seed = int(p, 'seed', cmd, 0) ?? 0;
  const threads = int(p, 'threads', cmd, 0);
  const nInit = int(p, 'n-init', cmd, 1);
  const maxIter = int(p, 'max-iter', cmd, 0);
  const tol = num(p, 'tol', cmd, true);
  const out = str(p, 'out');
  const plot = str(p, 'plot');
  if (plot !== undefined) plotFormat(plot, cmd);
  const plotPoints = int(p, 'plot-points', cmd, 1) ?? 5000;
  const plotColumns = list(p, 'plot-columns');
  const quiet = p.values.quiet === true;

  const standardize = p.values.standardize === true;
  const read: ReadOptions = { command: cmd, columns: list(p, 'columns'), ...readOptions(p, cmd) };
  if (out !== undefined && out !== '-') checkOutputFolder(out, '--out');
  if (plot !== undefined) checkOutputFolder(plot, '--plot');
  const initModel = str(p, 'init-model');
  if (initModel !== undefined && standardize) throw new UsageError('--init-model and --standardize do not go together', cmd);
  const streamed = await shouldStream(source, { forced: p.values.stream === true, model, standardize, command: cmd });
  const progress = new Progress(!quiet);
  const what = model === 'kmeans' ? 'inertia' : bayesian ? 'lower bound' : 'log-likelihood';
  const onIteration = progress.enabled
    ? ({ init, iter, objective, change }: { init: number; iter: number; objective: number; change: number }) => {
        progress.update(`fit: init ${init + 1}  iteration ${iter}  ${what} ${objective.toPrecision(8)}  change ${change.toPrecision(3)}`);
      }
    : undefined;
  // The estimator, once the columns are known (a start from a model file is checked against them).
  const make = async (columns: string[]) => {
    if (plot !== undefined && columns.length < 2) throw new CliError(`--plot needs two columns; ${source === '-' ? 'stdin' : source} gives one (${columns[0]})`);
    if (plot !== undefined) plotDims(columns, plotColumns, cmd);
    const start = initModel === undefined ? undefined : await startFrom(initModel, { model, k, columns, command: cmd });
    if (start?.covariance !== undefined && model === 'gmm' && p.values.covariance === undefined) covariance = start.covariance as CovarianceType;
    return build({ model, k, covariance, seed, threads, nInit, maxIter, tol, stiffness, standardize, bayesian, start: start?.options });
  };
  let data: { name: string; columns: string[]; rows: number; dropped: number; data?: Float64Array };
  let estimator: Awaited<ReturnType<typeof make>>;
  const t0 = performance.now();
  try {
    if (streamed) {
      const fit = await fitStreamed(async (columns) => (await make(columns)) as Estimator & StreamingEstimator, source, read, onIteration);
      data = fit;
      estimator = fit.estimator;
    } else {
      const all = await readAll(source, read);
      data = all;
      if (k > all.rows) throw new CliError(`--components ${k} is more than the ${all.rows} rows of ${all.name}`);
      estimator = await make(all.columns);
      try {
        await estimator.fit({ data: all.data, shape: [all.rows, all.columns.length] }, { onIteration });
      } catch (err) {
        throw new CliError(`the fit failed: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    progress.done();
  }
  const d = data.columns.length;
  const dims = plot !== undefined ? plotDims(data.columns, plotColumns, cmd) : undefined;
  const seconds = performance.now() - t0;
  const fitted = describeFitted(estimator);
  const json = `${JSON.stringify(modelFile(estimator, data.columns), null, 1)}\n`;
  const text = summary(fitted, data.columns, seconds);
  const dropped = data.dropped > 0 ? `; ${count(data.dropped)} row${data.dropped === 1 ? '' : 's'} with missing values left out` : '';
  const info = `read ${count(data.rows)} rows × ${d} columns from ${data.name}${standardize ? ' (standardised)' : ''}${streamed ? ' (streamed: one pass per iteration)' : ''}${dropped}`;
  if (out === undefined || out === '-') {
    process.stdout.write(json);
    if (!quiet) process.stderr.write(`${info}\n${text}\n`);
  } else {
    await fs.promises.writeFile(out, json);
    if (!quiet) process.stdout.write(`${info}\n${text}\nmodel written to ${out}\n`);
  }

  if (plot !== undefined && dims) {
    const [i, j] = dims;
    const rows = plotRows(data.rows, plotPoints);
    const P = data.data ? takeRows(data.data, d, rows) : await readRows(source, read, data.columns, rows);
    const shown = rows.length < data.rows ? `${count(rows.length)} of ${count(data.rows)} points shown` : `${count(data.rows)} points`;
    const spec = modelPanel(fitted, P, rows.length, i, j, {
      id: 'fit',
      title: `${fitted.label}, K = ${k}: ${path.basename(data.name)}`,
      subtitle: `${shown}; + centres${fitted.covariance2(0, i, j) ? '; ellipses 1σ (solid), 2σ (dashed)' : ''}`,
      xTitle: data.columns[i] as string,
      yTitle: data.columns[j] as string,
      xDomain: domain(P, d, i),
      yDomain: domain(P, d, j),
      width: 480,
      height: 400,
    });
    await writePlot(plot, panel(spec));
    if (!quiet) (out === undefined || out === '-' ? process.stderr : process.stdout).write(`plot written to ${plot}\n`);
  }
}
