// Shared by the distributed tests: worker and coordinator processes that run the built package
// (dist/, which must be fresher than lib/: a stale build would test old code), their output
// lines, and what a run leaves in Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const helper = (name: string): string => path.join(root, 'test', 'helpers', name);

/** Throws unless dist/ was built after the last change of lib/. */
export function checkFreshDist(): void {
  const entry = path.join(root, 'dist', 'esm', 'distributed', 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run npm run build:ts`);
  const built = fs.statSync(entry).mtimeMs;
  const stale = fs
    .readdirSync(path.join(root, 'lib'), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.c?ts$/.test(f))
    .find((f) => fs.statSync(path.join(root, 'lib', f)).mtimeMs > built);
  if (stale) throw new Error(`lib/${stale} is newer than dist/: run npm run build:ts (the worker processes run dist/)`);
}

/** A child process with its stdout lines. */
export class Child {
  readonly process: ChildProcess;
  readonly lines: string[] = [];
  #stderr = '';
  #listeners: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(script: string, config: unknown) {
    this.process = spawn(process.execPath, [helper(script), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.process.stdout?.on('data', (b: Buffer) => {
      partial += b.toString();
      const parts = partial.split('\n');
      partial = parts.pop() as string;
      this.lines.push(...parts);
      for (const l of this.#listeners) l();
    });
    this.process.stderr?.on('data', (b: Buffer) => (this.#stderr += b.toString()));
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.process.pid as number;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves with the first line (from the start) that passes `test`. */
  waitFor(test: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.lines.find(test);
        if (found === undefined) return false;
        this.#listeners = this.#listeners.filter((l) => l !== listener);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const listener = (): void => void check();
      const timer = setTimeout(() => {
        this.#listeners = this.#listeners.filter((l) => l !== listener);
        reject(new Error(`no such line from pid ${this.pid} within ${timeoutMs} ms; stderr: ${this.#stderr.slice(0, 500)}`));
      }, timeoutMs);
      if (!check()) this.#listeners.push(listener);
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    await this.exited;
  }
}

/** Worker processes (test/helpers/distributed-worker.mjs), ready to take jobs. */
export async function startWorkers(n: number, config: Record<string, unknown>): Promise<Child[]> {
  const workers = Array.from({ length: n }, () => new Child('distributed-worker.mjs', config));
  try {
    await Promise.all(workers.map((w) => w.waitFor((l) => l === 'ready')));
  } catch (err) {
    await stopAll(workers);
    throw err;
  }
  return workers;
}

/** A coordinator process (test/helpers/distributed-coordinator.mjs). */
export function startCoordinator(config: Record<string, unknown>): Child {
  return new Child('distributed-coordinator.mjs', config);
}

/** How many slow shards' jobs a worker has started (the lines {"start": ...} it printed). */
export function jobStarts(worker: Child): number {
  return worker.lines.filter((l) => l.startsWith('{"start"')).length;
}

/**
 * SIGKILLs the first worker that starts a slow shard's job after `armed()` gives each worker's
 * count of starts (undefined: not yet); resolves with it once it is dead.
 */
export async function killNextStarter(workers: readonly Child[], armed: () => number[] | undefined, timeoutMs = 30_000): Promise<Child> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const counts = armed();
    const victim = counts && workers.find((w, i) => jobStarts(w) > (counts[i] as number));
    if (victim) {
      await victim.kill('SIGKILL');
      return victim;
    }
    if (Date.now() > end) throw new Error(`no worker started a slow shard's job within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function stopAll(children: readonly Child[], signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  await Promise.all(children.map((c) => c.kill(signal)));
}
