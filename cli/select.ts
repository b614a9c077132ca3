/**
 * `gaussmix select DATA --components 1..10 [--covariance all]`: fits a Gaussian mixture for
 * every (covariance type, K) cell of a grid, several at once, and tabulates BIC and AIC
 * (lower is better). Deterministic: every cell is fitted with the same seed and gaussmix gives
 * bit-identical results for any thread count, so the table does not depend on scheduling.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { GaussianMixture, type CovarianceType } from 'gaussmix';

import { CliError, countRange, int, list, MODEL_DATA_OPTIONS, num, parse, positionals, str, UsageError } from './args.js';
import { readAll } from './data.js';
import { count, table } from './format.js';
import { COVARIANCES } from './models.js';
import { criterionChart, plotFormat, writePlot } from './plot.js';
import { checkOutputFolder } from './output.js';
import { Progress } from './progress.js';
import { READ_OPTIONS, readOptions } from './read-options.js';

export const SELECT_OPTIONS = { ...MODEL_DATA_OPTIONS, ...READ_OPTIONS } as const;

interface Cell {
  type: CovarianceType;
  k: number;
  bic?: number;
  aic?: number;
  logLikelihood?: number;
  converged?: boolean;
  nIter?: number;
  error?: string;
}

/** Runs `tasks` with at most `limit` at a time; results in task order. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

function best(cells: Cell[], key: 'bic' | 'aic'): Cell | undefined {
  let b: Cell | undefined;
  for (const c of cells) if (c[key] !== undefined && (b === undefined || (c[key] as number) < (b[key] as number))) b = c;
  return b;
}

export async function selectCommand(argv: string[]): Promise<void> {
  const cmd = 'select';
  const p = parse(cmd, argv, SELECT_OPTIONS);
  const [source] = positionals(p, cmd, ['DATA']) as [string];
  const ks = countRange(p, 'components', cmd) ?? Array.from({ length: 10 }, (_, i) => i + 1);
  const covArg = list(p, 'covariance') ?? ['all'];
  const types: CovarianceType[] = [];
  for (const c of covArg) {
    if (c === 'all') types.push(...COVARIANCES);
    else if ((COVARIANCES as readonly string[]).includes(c)) types.push(c as CovarianceType);
    else throw new UsageError(`--covariance takes all or a list of ${COVARIANCES.join(', ')}; got '${c}'`, cmd);
  }
  const typeList = [...new Set(types)].sort((a, b) => COVARIANCES.indexOf(a) - COVARIANCES.indexOf(b));
  const seed = int(p, 'seed', cmd, 0) ?? 0;
  const threadBudget = int(p, 'threads', cmd, 0) || os.availableParallelism();
  const nInit = int(p, 'n-init', cmd, 1);
  const maxIter = int(p, 'max-iter', cmd, 0);
  const tol = num(p, 'tol', cmd, true);
  const out = str(p, 'out');
  const plot = str(p, 'plot');
  if (plot !== undefined) plotFormat(plot, cmd);
  const quiet = p.values.quiet === true;
  const read = readOptions(p, cmd);
  if (out !== undefined) checkOutputFolder(out, '--out');
  if (plot !== undefined) checkOutputFolder(plot, '--plot');

  const data = await readAll(source, { command: cmd, columns: list(p, 'columns'), ...read });
  const d = data.columns.length;
  const X = { data: data.data, shape: [data.rows, d] };
  const usable = ks.filter((k) => k <= data.rows);
  const over = ks.filter((k) => k > data.rows);
  if (usable.length === 0) throw new CliError(`every K in --components (${ks.join(', ')}) is more than the ${data.rows} rows of ${data.name}`);
  // A K above the number of rows cannot be fitted: said, on stderr and under the table.
  const leftOut = over.length === 0 ? undefined : `left out: K = ${over.join(', ')} (more than the ${data.rows} rows of ${data.name})`;
  if (leftOut !== undefined) process.stderr.write(`gaussmix select: ${leftOut}\n`);

  // Fits run on libuv's thread pool (UV_THREADPOOL_SIZE, default 4), each with its share of
  // the cores; the results do not depend on how many threads a fit gets.
  const cells: Cell[] = typeList.flatMap((type) => usable.map((k) => ({ type, k })));
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const concurrent = Math.max(1, Math.min(cells.length, poolSize, threadBudget));
  const threads = Math.max(1, Math.floor(threadBudget / concurrent));
  const progress = new Progress(!quiet);
  let finished = 0;
  const t0 = performance.now();
  await pool(
    cells.map((cell) => async () => {
      const gm = new GaussianMixture({
        nComponents: cell.k,
        covarianceType: cell.type,
        seed,
        threads,
        standardize: p.values.standardize === true,
        ...(nInit !== undefined && { nInit }),
        ...(maxIter !== undefined && { maxIter }),
        ...(tol !== undefined && { tol }),
      });
      try {
        await gm.fit(X);
        cell.bic = gm.bic(X);
        cell.aic = gm.aic(X);
        cell.logLikelihood = gm.score(X) * data.rows;
        cell.converged = gm.converged;
        cell.nIter = gm.nIter;
      } catch (err) {
        cell.error = (err as Error).message;
      }
      progress.update(`select: ${++finished}/${cells.length} fits done`);
    }),
    concurrent,
  );
  progress.done();
  const seconds = (performance.now() - t0) / 1000;

  const bestBic = best(cells, 'bic');
  const bestAic = best(cells, 'aic');
  const lines: string[] = [];
  lines.push(
    `Gaussian mixtures on ${data.name}: ${count(data.rows)} rows × ${d} columns (${data.columns.join(', ')})` +
      `${p.values.standardize === true ? ', standardised' : ''}; ${cells.length} fits in ${seconds.toFixed(2)} s, seed ${seed}`,
  );
  if (data.dropped > 0) lines.push(`${count(data.dropped)} row${data.dropped === 1 ? '' : 's'} with missing values left out.`);
  lines.push('BIC = −2·log-likelihood + p·ln N and AIC = −2·log-likelihood + 2p (p free parameters): lower is better.');
  for (const key of ['bic', 'aic'] as const) {
    const b = key === 'bic' ? bestBic : bestAic;
    const rows: string[][] = [['K', ...typeList]];
    for (const k of usable) {
      rows.push([
        String(k),
        ...typeList.map((type) => {
          const c = cells.find((x) => x.type === type && x.k === k) as Cell;
          if (c.error !== undefined) return 'failed ';
          return `${(c[key] as number).toFixed(2)}${c === b ? '*' : ' '}${c.converged ? '' : '!'}`;
        }),
      ]);
    }
    lines.push('', `${key.toUpperCase()} (* = lowest)`, table(rows));
  }
  const unconverged = cells.filter((c) => c.error === undefined && !c.converged).length;
  const failed = cells.filter((c) => c.error !== undefined);
  lines.push('');
  if (bestBic) lines.push(`best by BIC: ${bestBic.type}, K = ${bestBic.k} (BIC ${(bestBic.bic as number).toFixed(2)})`);
  if (bestAic) lines.push(`best by AIC: ${bestAic.type}, K = ${bestAic.k} (AIC ${(bestAic.aic as number).toFixed(2)})`);
  if (unconverged > 0) lines.push(`! = did not converge within max-iter (${unconverged} fits)`);
  for (const f of failed) lines.push(`failed: ${f.type}, K = ${f.k}: ${f.error}`);
  if (leftOut !== undefined) lines.push(leftOut);
  process.stdout.write(`${lines.join('\n')}\n`);

  if (out !== undefined) {
    const csv = ['covariance,k,bic,aic,log_likelihood,converged,n_iter,error'];
    for (const c of cells) {
      csv.push(
        [c.type, c.k, c.bic ?? '', c.aic ?? '', c.logLikelihood ?? '', c.converged ?? '', c.nIter ?? '', c.error ? JSON.stringify(c.error) : ''].join(','),
      );
    }
    await fs.promises.writeFile(out, `${csv.join('\n')}\n`);
    if (!quiet) process.stdout.write(`table written to ${out}\n`);
  }
  if (plot !== undefined) {
    const rows = cells.filter((c) => c.bic !== undefined).map((c) => ({ type: c.type, k: c.k, value: c.bic as number }));
    const b = bestBic ? { type: bestBic.type, k: bestBic.k, value: bestBic.bic as number } : undefined;
    await writePlot(plot, criterionChart(rows, typeList, b, 'BIC', `BIC against K: ${path.basename(data.name)}`));
    if (!quiet) process.stdout.write(`plot written to ${plot}\n`);
  }
  if (bestBic === undefined) throw new CliError('every fit failed');
}
