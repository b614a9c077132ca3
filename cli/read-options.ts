/**
 * The options every command that reads DATA shares: how a text file is laid out (--delimiter,
 * --decimal, --header / --no-header, --comment) and what a missing value does (--missing).
 */
import { choice, str, UsageError, type Parsed } from './args.js';
import type { ReadOptions } from './data.js';

export const READ_OPTIONS = {
  columns: { type: 'string' },
  delimiter: { type: 'string' },
  decimal: { type: 'string' },
  header: { type: 'boolean' },
  'no-header': { type: 'boolean' },
  comment: { type: 'string' },
  missing: { type: 'string' },
} as const;

/** The delimiter named on the command line: a character, or 'tab' / 'comma' / 'semicolon' / 'space'. */
export function delimiterOption(v: string | undefined, command: string): string | undefined {
  if (v === undefined) return undefined;
  const named: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', space: ' ' };
  const d = named[v] ?? v;
  if (d.length !== 1 || /[\d.\-+eE"\r\n]/.test(d)) {
    throw new UsageError(`--delimiter must be one character (or tab, comma, semicolon, space), got '${v}'`, command);
  }
  return d;
}

/** The reading options of the command line (--columns is the caller's: it may mean more). */
export function readOptions(p: Parsed, command: string): Omit<ReadOptions, 'columns' | 'command'> {
  const delimiter = delimiterOption(str(p, 'delimiter'), command);
  const decimalWord = choice(p, 'decimal', command, ['point', 'comma', '.', ','] as const);
  const decimal = decimalWord === undefined ? undefined : decimalWord === 'comma' || decimalWord === ',' ? ',' : '.';
  if (decimal !== undefined && decimal === delimiter) {
    throw new UsageError(`--delimiter and --decimal are both '${decimal}': a decimal comma needs another delimiter (e.g. --delimiter ';')`, command);
  }
  if (p.values.header === true && p.values['no-header'] === true) throw new UsageError('--header and --no-header contradict each other', command);
  const header = p.values.header === true ? true : p.values['no-header'] === true ? false : undefined;
  const comment = str(p, 'comment');
  if (comment !== undefined && (comment.length !== 1 || /[\d.\-+"\r\n]/.test(comment) || comment === delimiter || comment.charCodeAt(0) > 0x7f)) {
    throw new UsageError(`--comment must be one ASCII character that cannot start a number (e.g. '#'), got '${comment}'`, command);
  }
  const missing = choice(p, 'missing', command, ['error', 'drop'] as const);
  return { delimiter, decimal, header, comment, missing };
}
