/**
 * `gaussmix predict MODEL DATA [--proba]`: labels or probabilities as CSV on stdout, one chunk
 * of rows at a time, so that memory stays bounded whatever the size of DATA.
 */
import { CliError, list, parse, positionals, str, UsageError } from './args.js';
import { delimiterOption, openTable } from './data.js';
import { applyStandardization, describeFitted, loadModel } from './models.js';

export const PREDICT_OPTIONS = {
  proba: { type: 'boolean' },
  columns: { type: 'string' },
  delimiter: { type: 'string' },
  'chunk-rows': { type: 'string' },
} as const;

/** Writes to stdout, waiting when its buffer is full. */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        process.stdout.off('error', fail);
        resolve();
      };
      const fail = (err: Error): void => {
        process.stdout.off('drain', done);
        reject(err);
      };
      process.stdout.once('drain', done);
      process.stdout.once('error', fail);
    });
  }
}

export async function predictCommand(argv: string[]): Promise<void> {
  const cmd = 'predict';
  const p = parse(cmd, argv, PREDICT_OPTIONS);
  const [modelPath, source] = positionals(p, cmd, ['MODEL', 'DATA']) as [string, string];
  const chunkText = str(p, 'chunk-rows');
  const chunkRows = chunkText === undefined ? 16_384 : Number(chunkText);
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new UsageError(`--chunk-rows must be an integer >= 1, got '${chunkText}'`, cmd);
  const delimiter = delimiterOption(str(p, 'delimiter'), cmd);

  const { estimator, columns: modelColumns, standardize } = await loadModel(modelPath);
  const fitted = describeFitted(estimator);
  const proba = p.values.proba === true;
  if (proba && !estimator.predictProba) {
    throw new UsageError(`--proba needs a model with soft assignments; ${modelPath} is ${fitted.kind}, which gives labels only`, cmd);
  }
  const userColumns = list(p, 'columns');
  const columns = userColumns ?? modelColumns ?? undefined;
  const columnsOrigin = userColumns === undefined && modelColumns ? `the model (${modelPath})` : undefined;
  const table = await openTable(source, { command: cmd, columns, columnsOrigin, delimiter, chunkRows });
  if (table.columns.length !== fitted.d) {
    throw new CliError(
      `${modelPath} was fitted on ${fitted.d} columns${modelColumns ? ` (${modelColumns.join(', ')})` : ''}, but ${table.name} gives ` +
        `${table.columns.length} (${table.columns.join(', ')}); choose them with --columns`,
    );
  }

  const d = fitted.d;
  const k = fitted.k;
  await write(proba ? `${Array.from({ length: k }, (_, c) => `p${c}`).join(',')}\n` : 'label\n');
  for await (const chunk of table.chunks) {
    if (standardize) applyStandardization(chunk.data, d, standardize);
    const X = { data: chunk.data, shape: [chunk.rows, d] };
    const lines: string[] = new Array(chunk.rows);
    if (proba && estimator.predictProba) {
      const P = estimator.predictProba(X).data;
      for (let r = 0; r < chunk.rows; r++) lines[r] = Array.from(P.subarray(r * k, r * k + k), String).join(',');
    } else {
      const labels = estimator.predict(X);
      for (let r = 0; r < chunk.rows; r++) lines[r] = String(labels[r]);
    }
    await write(`${lines.join('\n')}\n`);
  }
}
