/**
 * The dispatcher: picks the subcommand, prints help, and turns failures into messages and exit
 * codes: 0 done, 1 failed, 2 usage error.
 */
import * as fs from 'node:fs';

import { CliError, UsageError } from './args.js';
import { HELP, MAIN_HELP } from './help.js';

type Command = (argv: string[]) => Promise<void>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./demo.js')).demoCommand,
  fit: async () => (await import('./fit.js')).fitCommand,
  predict: async () => (await import('./predict.js')).predictCommand,
  select: async () => (await import('./select.js')).selectCommand,
};

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // A closed pipe (gaussmix predict ... | head) ends the output, not with an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(MAIN_HELP);
    return 2;
  }
  if (first === '-h' || first === '--help') {
    process.stdout.write(MAIN_HELP);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      process.stdout.write(MAIN_HELP);
      return 0;
    }
    if (HELP[topic] === undefined) return usage(new UsageError(`no command '${topic}'`));
    process.stdout.write(HELP[topic] as string);
    return 0;
  }
  const load = COMMANDS[first];
  if (load === undefined) {
    return usage(new UsageError(first.startsWith('-') ? `unknown option '${first}' (a command comes first)` : `unknown command '${first}'`));
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(HELP[first] as string);
    return 0;
  }
  // The library's warnings as the command's own lines, not Node's (pid, --trace-warnings hint).
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    process.stderr.write(`gaussmix ${first}: warning: ${w.name === 'GaussmixWarning' ? '' : `${w.name}: `}${w.message}\n`);
  });
  try {
    await (await load())(rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) return usage(err);
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`gaussmix ${first}: ${message}\n`);
    if (process.env.GAUSSMIX_DEBUG && err instanceof Error && !(err instanceof CliError)) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

function usage(err: UsageError): number {
  const where = err.command ? `gaussmix ${err.command}` : 'gaussmix';
  process.stderr.write(`${where}: ${err.message}\nRun '${where} --help' for usage.\n`);
  return 2;
}
