/**
 * `gaussmix predict MODEL DATA [--proba]`: labels or probabilities as CSV on stdout, one chunk
 * of rows at a time, so that memory stays bounded whatever the size of DATA.
 */
import { CliError, int, list, parse, positionals, str, UsageError } from './args.js';
import { openTable } from './data.js';
import { applyStandardization, describeFitted, loadModel } from './models.js';
import { READ_OPTIONS, readOptions } from './read-options.js';

export const PREDICT_OPTIONS = {
  ...READ_OPTIONS,
  proba: { type: 'boolean' },
  id: { type: 'string' },
  precision: { type: 'string' },
  'chunk-rows': { type: 'string' },
} as const;

/** A CSV field: quoted when it holds a comma, a quote or a line end. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

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
  const read = readOptions(p, cmd);
  const idColumn = str(p, 'id');
  // Significant digits of the probabilities; default: as many as tell the double apart.
  const precision = int(p, 'precision', cmd, 1, 17);
  const number = precision === undefined ? String : (x: number): string => String(Number(x.toPrecision(precision)));

  const { estimator, columns: modelColumns, standardize } = await loadModel(modelPath);
  const fitted = describeFitted(estimator);
  const proba = p.values.proba === true;
  if (proba && !estimator.predictProba) {
    throw new UsageError(`--proba needs a model with soft assignments; ${modelPath} is ${fitted.kind}, which gives labels only`, cmd);
  }
  const userColumns = list(p, 'columns');
  const columns = userColumns ?? modelColumns ?? undefined;
  const columnsOrigin = userColumns === undefined && modelColumns ? `the model (${modelPath})` : undefined;
  const table = await openTable(source, { command: cmd, columns, columnsOrigin, chunkRows, idColumn, ...read });
  if (table.columns.length !== fitted.d) {
    throw new CliError(
      `${modelPath} was fitted on ${fitted.d} columns${modelColumns ? ` (${modelColumns.join(', ')})` : ''}, but ${table.name} gives ` +
        `${table.columns.length} (${table.columns.join(', ')}); choose them with --columns`,
    );
  }

  const d = fitted.d;
  const k = fitted.k;
  // A model with a noise component gives K + 1 probabilities, the noise's last (as its weights).
  const noise = fitted.weights !== null && fitted.weights.length === k + 1;
  const width = noise ? k + 1 : k;
  const head = proba ? [...Array.from({ length: k }, (_, c) => `p${c}`), ...(noise ? ['noise'] : [])].join(',') : 'label';
  await write(`${idColumn !== undefined ? `${csvField(table.idName ?? idColumn)},` : ''}${head}\n`);
  for await (const chunk of table.chunks) {
    if (standardize) applyStandardization(chunk.data, d, standardize);
    const X = { data: chunk.data, shape: [chunk.rows, d] };
    const lines: string[] = new Array(chunk.rows);
    if (proba && estimator.predictProba) {
      const P = estimator.predictProba(X).data;
      for (let r = 0; r < chunk.rows; r++) lines[r] = Array.from(P.subarray(r * width, r * width + width), number).join(',');
    } else {
      const labels = estimator.predict(X);
      for (let r = 0; r < chunk.rows; r++) lines[r] = String(labels[r]);
    }
    if (chunk.ids) for (let r = 0; r < chunk.rows; r++) lines[r] = `${csvField(chunk.ids[r] as string)},${lines[r]}`;
    await write(`${lines.join('\n')}\n`);
  }
  if (table.counts.dropped > 0) {
    process.stderr.write(`gaussmix predict: ${table.counts.dropped} row${table.counts.dropped === 1 ? '' : 's'} with missing values left out${idColumn === undefined ? ' (no --id: the output rows no longer line up with the input)' : ''}\n`);
  }
}
