/**
 * `gaussmix select DATA --components 1..10 [--covariance sklearn|mclust|all|LIST]`: fits a
 * Gaussian mixture for every (covariance type, K) cell of a grid and tabulates BIC and AIC,
 * or ICL and BIC with `--criterion icl` (lower is better). scikit-learn's types are fitted from
 * their default start, several at once; mclust's names by the library's selectModel, as its
 * mclustBIC; `--noise` adds a uniform noise component to every cell. Deterministic: every cell is fitted with the
 * same seed and gaussmix gives bit-identical results for any thread count, so the table does
 * not depend on scheduling.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { GaussianMixture, MCLUST_MODEL_NAMES, selectModel, SKLEARN_COVARIANCE_TYPES, type CovarianceType } from 'gaussmix';

import { choice, CliError, countRange, int, list, MODEL_DATA_OPTIONS, num, parse, positionals, str, UsageError } from './args.js';
import { readAll } from './data.js';
import { count, table } from './format.js';
import { criterionChart, plotFormat, writePlot } from './plot.js';
import { checkOutputFolder } from './output.js';
import { Progress } from './progress.js';
import { READ_OPTIONS, readOptions } from './read-options.js';
import { WarningLog } from './warnings.js';

export const SELECT_OPTIONS = {
  ...MODEL_DATA_OPTIONS,
  ...READ_OPTIONS,
  criterion: { type: 'string' },
  noise: { type: 'boolean' },
} as const;

/** Every covariance type, scikit-learn's then mclust's (the order of the tables' columns). */
const TYPES: readonly CovarianceType[] = [...SKLEARN_COVARIANCE_TYPES, ...MCLUST_MODEL_NAMES];
/** The groups --covariance takes besides names. */
const GROUPS: Record<string, readonly CovarianceType[]> = { sklearn: SKLEARN_COVARIANCE_TYPES, mclust: MCLUST_MODEL_NAMES, all: TYPES };

interface Cell {
  type: CovarianceType;
  k: number;
  bic?: number;
  aic?: number;
  icl?: number;
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

function best(cells: Cell[], key: 'bic' | 'aic' | 'icl'): Cell | undefined {
  let b: Cell | undefined;
  for (const c of cells) if (c[key] !== undefined && (b === undefined || (c[key] as number) < (b[key] as number))) b = c;
  return b;
}

export async function selectCommand(argv: string[]): Promise<void> {
  const cmd = 'select';
  const p = parse(cmd, argv, SELECT_OPTIONS);
  const [source] = positionals(p, cmd, ['DATA']) as [string];
  const ks = countRange(p, 'components', cmd) ?? Array.from({ length: 10 }, (_, i) => i + 1);
  const covArg = list(p, 'covariance') ?? ['sklearn'];
  const types: CovarianceType[] = [];
  for (const c of covArg) {
    if (Object.hasOwn(GROUPS, c)) types.push(...(GROUPS[c] as readonly CovarianceType[]));
    else if ((TYPES as readonly string[]).includes(c)) types.push(c as CovarianceType);
    else throw new UsageError(`--covariance takes all or a list of sklearn, mclust, ${TYPES.join(', ')}; got '${c}'`, cmd);
  }
  let typeList = [...new Set(types)].sort((a, b) => TYPES.indexOf(a) - TYPES.indexOf(b));
  const criterion = choice(p, 'criterion', cmd, ['bic', 'icl'] as const) ?? 'bic';
  const noise = p.values.noise === true;
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

  // scikit-learn's types: a fit per cell from its default start, several at once on libuv's
  // thread pool (UV_THREADPOOL_SIZE, default 4), each with its share of the cores; the results
  // do not depend on how many threads a fit gets.
  const mclustTypes = typeList.filter((t) => (MCLUST_MODEL_NAMES as readonly string[]).includes(t));
  const sklearnTypes = typeList.filter((t) => !mclustTypes.includes(t));
  const cells: Cell[] = sklearnTypes.flatMap((type) => usable.map((k) => ({ type, k })));
  const total = cells.length + mclustTypes.length * usable.length;
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const concurrent = Math.max(1, Math.min(cells.length, poolSize, threadBudget));
  const threads = Math.max(1, Math.floor(threadBudget / concurrent));
  const progress = new Progress(!quiet);
  const warnings = new WarningLog(cmd);
  let finished = 0;
  const shared = {
    seed,
    standardize: p.values.standardize === true,
    ...(noise && { noise: true }),
    ...(nInit !== undefined && { nInit }),
    ...(maxIter !== undefined && { maxIter }),
    ...(tol !== undefined && { tol }),
    warnings: warnings.collect,
  };
  const t0 = performance.now();
  await pool(
    cells.map((cell) => async () => {
      try {
        const gm = new GaussianMixture({ ...shared, nComponents: cell.k, covarianceType: cell.type, threads });
        await gm.fit(X);
        cell.bic = gm.bic(X);
        cell.aic = gm.aic(X);
        cell.icl = gm.icl(X);
        cell.logLikelihood = gm.score(X) * data.rows;
        cell.converged = gm.converged;
        cell.nIter = gm.nIter;
      } catch (err) {
        cell.error = (err as Error).message;
      }
      progress.update(`select: ${++finished}/${total} fits done`);
    }),
    concurrent,
  );
  // mclust's names: the library's selectModel, as mclustBIC (its hierarchical start computed
  // once; on one feature its quantile classes and its two models E and V, as EII and VII; one
  // component in closed form). The mclust group is passed as the group, so that one feature
  // reduces it; names listed one by one are fitted as listed.
  if (mclustTypes.length > 0) {
    const wholeGroup = covArg.some((c) => c === 'mclust' || c === 'all');
    const selected: Cell[] = [];
    try {
      await selectModel(X, {
        ...shared,
        components: usable,
        covarianceTypes: wholeGroup ? 'mclust' : mclustTypes,
        criterion,
        threads: threadBudget,
        onModel: (row) => {
          const cell: Cell = { type: row.covarianceType, k: row.nComponents };
          if (row.error !== undefined) cell.error = row.error;
          else {
            cell.bic = row.bic;
            cell.aic = -2 * row.logLikelihood + 2 * row.nParameters;
            cell.icl = row.icl;
            cell.logLikelihood = row.logLikelihood;
            cell.converged = row.converged;
          }
          selected.push(cell);
          progress.update(`select: ${++finished}/${total} fits done`);
        },
      });
    } catch (err) {
      // Every candidate failed: their rows (with their errors) are in the table already.
      if ((err as { code?: unknown }).code !== 'ERR_GAUSSMIX_ILL_CONDITIONED' || selected.length === 0) throw err;
    }
    cells.push(...selected);
    for (const cell of selected) if (!typeList.includes(cell.type)) typeList.push(cell.type);
    // On one feature the group is two models: the columns are the ones fitted.
    if (wholeGroup) typeList = typeList.filter((t) => !mclustTypes.includes(t) || selected.some((c) => c.type === t));
  }
  progress.done();
  warnings.deliver();
  const seconds = (performance.now() - t0) / 1000;

  // The tables: the criterion's, then AIC (after BIC) or BIC (after ICL).
  const keys = criterion === 'bic' ? (['bic', 'aic'] as const) : (['icl', 'bic'] as const);
  const bests = keys.map((key) => best(cells, key));
  const lines: string[] = [];
  lines.push(
    `Gaussian mixtures${noise ? ' with a noise component' : ''} on ${data.name}: ${count(data.rows)} rows × ${d} columns (${data.columns.join(', ')})` +
      `${p.values.standardize === true ? ', standardised' : ''}; ${cells.length} fits in ${seconds.toFixed(2)} s, seed ${seed}`,
  );
  if (data.dropped > 0) lines.push(`${count(data.dropped)} row${data.dropped === 1 ? '' : 's'} with missing values left out.`);
  lines.push(
    criterion === 'bic'
      ? 'BIC = −2·log-likelihood + p·ln N and AIC = −2·log-likelihood + 2p (p free parameters): lower is better.'
      : 'ICL = BIC − 2·Σ ln(most likely responsibility) and BIC = −2·log-likelihood + p·ln N (p free parameters): lower is better.',
  );
  for (const [i, key] of keys.entries()) {
    const b = bests[i];
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
  for (const [i, key] of keys.entries()) {
    const b = bests[i];
    const name = key.toUpperCase();
    if (b) lines.push(`best by ${name}: ${b.type}, K = ${b.k} (${name} ${(b[key] as number).toFixed(2)})`);
  }
  if (unconverged > 0) lines.push(`! = did not converge within max-iter (${unconverged} fits)`);
  for (const f of failed) lines.push(`failed: ${f.type}, K = ${f.k}: ${f.error}`);
  if (leftOut !== undefined) lines.push(leftOut);
  process.stdout.write(`${lines.join('\n')}\n`);

  if (out !== undefined) {
    const csv = ['covariance,k,bic,aic,icl,log_likelihood,converged,n_iter,error'];
    for (const c of cells) {
      csv.push(
        [c.type, c.k, c.bic ?? '', c.aic ?? '', c.icl ?? '', c.logLikelihood ?? '', c.converged ?? '', c.nIter ?? '', c.error ? JSON.stringify(c.error) : ''].join(','),
      );
    }
    await fs.promises.writeFile(out, `${csv.join('\n')}\n`);
    if (!quiet) process.stdout.write(`table written to ${out}\n`);
  }
  const chosen = bests[0];
  if (plot !== undefined) {
    // As mclust's BIC plot: the criterion against K, a line (and a symbol) per covariance type.
    const name = criterion.toUpperCase();
    const rows = cells.filter((c) => c[criterion] !== undefined).map((c) => ({ type: c.type, k: c.k, value: c[criterion] as number }));
    const b = chosen ? { type: chosen.type, k: chosen.k, value: chosen[criterion] as number } : undefined;
    await writePlot(plot, criterionChart(rows, typeList, b, name, `${name} against K: ${path.basename(data.name)}`));
    if (!quiet) process.stdout.write(`plot written to ${plot}\n`);
  }
  if (chosen === undefined) throw new CliError('every fit failed');
}
