/**
 * Command-line parsing on node:util parseArgs, and the two kinds of failure the CLI reports:
 * a {@link UsageError} (exit 2: the command line is wrong) and anything else (exit 1).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The command line is wrong (unknown option, missing or malformed value): exit code 2. */
export class UsageError extends Error {
  /** The subcommand whose help to point at, if any. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** The work failed (unreadable or bad data, a fit that failed, I/O): exit code 1. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * A negative number after an option that takes a value is that value (`--tol -1` is
 * `--tol=-1`), so that the option's own check says what is wrong with it; parseArgs would take
 * it for an option and print a three-line hint.
 */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const takesValue = (arg: string): boolean => {
    if (arg.startsWith('--')) return options[arg.slice(2)]?.type === 'string';
    return /^-[A-Za-z]$/.test(arg) && Object.values(options).some((o) => o.short === arg[1] && o.type === 'string');
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (next !== undefined && /^-(\d|\.\d)/.test(next) && takesValue(arg)) {
      out.push(`${arg}${arg.startsWith('--') ? '=' : ''}${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** parseArgs in strict mode; its errors become UsageErrors naming the command. */
export function parse(command: string, argv: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(argv, options),
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''), command);
  }
}

/** The value of a string option, or undefined. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** An integer option in [min, max]. */
export function int(p: Parsed, name: string, command: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^[+]?\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new UsageError(`--${name} must be an integer ${range}, got '${v}'`, command);
  }
  return Number(v);
}

/** A positive (or, with `allowZero`, non-negative) finite number option. */
export function num(p: Parsed, name: string, command: string, allowZero = false): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < 0 || (!allowZero && x === 0)) {
    throw new UsageError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${v}'`, command);
  }
  return x;
}

/** One of a fixed set of words. */
export function choice<T extends string>(p: Parsed, name: string, command: string, allowed: readonly T[]): T | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got '${v}'`, command);
  }
  return v as T;
}

/** A comma-separated list (empty items dropped). */
export function list(p: Parsed, name: string): string[] | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * A set of component counts: `4`, `1..10`, `2,3,5` or a mix (`1..3,8`), sorted and unique.
 */
export function countRange(p: Parsed, name: string, command: string): number[] | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const out = new Set<number>();
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:(?:\.\.|-)\s*(\d+)\s*)?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo < 1 || hi < lo || hi > 1000) {
      throw new UsageError(`--${name} must be counts like 3, 1..10 or 2,4,6 (each >= 1), got '${v}'`, command);
    }
    for (let k = lo; k <= hi; k++) out.add(k);
  }
  return [...out].sort((a, b) => a - b);
}

/** Exactly `n` positionals, named in the message when missing. */
export function positionals(p: Parsed, command: string, names: string[]): string[] {
  if (p.positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(p.positionals.length).join(' and ')}`, command);
  }
  if (p.positionals.length > names.length) {
    throw new UsageError(`unexpected argument '${p.positionals[names.length]}'`, command);
  }
  return p.positionals;
}

/** The options `fit` and `select` share: the data, the model grid and the convergence control. */
export const MODEL_DATA_OPTIONS = {
  components: { type: 'string', short: 'k' },
  covariance: { type: 'string', short: 'c' },
  standardize: { type: 'boolean' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  'n-init': { type: 'string' },
  'max-iter': { type: 'string' },
  tol: { type: 'string' },
  out: { type: 'string', short: 'o' },
  plot: { type: 'string', short: 'p' },
  quiet: { type: 'boolean', short: 'q' },
} as const;
