/**
 * Runs once before the test files: rebuilds dist/ when its TypeScript sources changed since it
 * was built, so that the tests that must run the built package (the CLI, worker_threads
 * workers, child processes: they cannot load lib/'s TypeScript) never run stale code.
 *
 * "Changed" is by content: a hash of every source of the build (lib/, cli/, the tsconfig files,
 * package.json, scripts/build-ts.js) is written to dist/.sources-hash after a build; a
 * different hash, or no dist/, means a rebuild (about 10-20 s). The native addon is not rebuilt
 * (node-gyp takes minutes): a warning names the native sources newer than it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hashFile = path.join(root, 'dist', '.sources-hash');

/** Every file under `dir` (relative to the root) whose name passes `keep`, sorted. */
function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = path.join(rel, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(child);
      else if (e.isFile() && keep(e.name)) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** The hash of the build's inputs: their paths and contents. */
export function sourcesHash(): string {
  const ts = (name: string): boolean => /\.[cm]?ts$/.test(name) || name.endsWith('.json');
  const inputs = [
    ...filesUnder('lib', ts),
    ...filesUnder('cli', ts),
    ...fs.readdirSync(root).filter((f) => /^tsconfig.*\.json$/.test(f) || f === 'package.json'),
    'scripts/build-ts.js',
  ];
  const hash = createHash('sha256');
  for (const file of inputs) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(root, file)));
  }
  return hash.digest('hex');
}

/** Native sources newer than the built addon (a hint, by modification time). */
function staleAddon(): string[] {
  const addon = path.join(root, 'build', 'Release', 'gaussmix.node');
  if (!fs.existsSync(addon)) return [];
  const built = fs.statSync(addon).mtimeMs;
  return filesUnder('native', (n) => /\.(cc|h)$/.test(n)).filter((f) => fs.statSync(path.join(root, f)).mtimeMs > built);
}

export default function setup(): void {
  const hash = sourcesHash();
  const current = fs.existsSync(hashFile) ? fs.readFileSync(hashFile, 'utf8').trim() : '';
  if (current !== hash) {
    process.stderr.write('[global-setup] dist/ is missing or older than its sources: building it (scripts/build-ts.js)\n');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build-ts.js')], { cwd: root, stdio: 'inherit' });
    fs.writeFileSync(hashFile, `${hash}\n`);
  }
  const stale = staleAddon();
  if (stale.length) {
    process.stderr.write(
      `[global-setup] warning: ${stale.length} native source(s) changed since the addon was built ` +
        `(${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}): run npm run build:native\n`,
    );
  }
}
