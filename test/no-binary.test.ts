// Loading the package where no native binary fits: the first call that needs the addon throws
// an Error with code ERR_GAUSSMIX_NO_BINARY and the remedy, not node-gyp-build's bare message.
// Runs the built dist/ (npm run build:ts) from a copy of the package that has no build/ and no
// usable prebuilds/, in child processes.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A copy of the package (package.json and dist/; node-gyp-build linked) with no binary in it. */
function packageWithoutBinary(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gaussmix-nobin-')), 'gaussmix');
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(dir, 'node_modules', 'node-gyp-build'));
  return dir;
}

interface Thrown {
  isError: boolean;
  code: unknown;
  message: string;
  cause: string;
}

/** Fits a KMeans through the package at `dir` (require, or import when esm) and reports what it threw. */
function fitThrows(dir: string, esm: boolean): Thrown | null {
  const body = `
    try {
      new m.KMeans({ nClusters: 1, seed: 1 }).fitSync([[0], [1]]);
      console.log('null');
    } catch (e) {
      console.log(JSON.stringify({ isError: e instanceof Error, code: e.code, message: e.message, cause: String(e.cause) }));
    }`;
  const script = esm
    ? `import(${JSON.stringify(path.join(dir, 'dist', 'esm', 'index.js'))}).then((m) => {${body}});`
    : `const m = require(${JSON.stringify(dir)});${body}`;
  const env = { ...process.env };
  delete env.GAUSSMIX_ADDON;
  delete env.PREBUILDS_ONLY;
  const out = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  return JSON.parse(out) as Thrown | null;
}

describe('no native binary for this platform', () => {
  let dir: string;
  beforeAll(() => {
    dir = packageWithoutBinary();
  });

  it.each([
    ['require', false],
    ['import', true],
  ])('%s: the first fit throws ERR_GAUSSMIX_NO_BINARY naming the platform and the remedy', (_, esm) => {
    const thrown = fitThrows(dir, esm);
    expect(thrown).not.toBeNull();
    expect(thrown?.isError).toBe(true);
    expect(thrown?.code).toBe('ERR_GAUSSMIX_NO_BINARY');
    expect(thrown?.message).toContain(`${process.platform}-${process.arch}`);
    expect(thrown?.message).toContain('npm rebuild gaussmix');
    expect(thrown?.message).toContain('C++17 compiler');
    expect(thrown?.cause).toMatch(/No native build was found/);
  });

  it('a prebuild that fails to load is the same error, naming the file and the reason', () => {
    const broken = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'node.napi.node');
    fs.mkdirSync(path.dirname(broken), { recursive: true });
    fs.writeFileSync(broken, 'not a shared object');
    try {
      const thrown = fitThrows(dir, false);
      expect(thrown?.code).toBe('ERR_GAUSSMIX_NO_BINARY');
      expect(thrown?.message).toContain(`the native binary ${broken} cannot be loaded`);
      expect(thrown?.message).toContain('npm rebuild gaussmix');
    } finally {
      fs.rmSync(path.join(dir, 'prebuilds'), { recursive: true });
    }
  });
});
