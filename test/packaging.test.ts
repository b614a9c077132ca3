// What the two published packages promise each other and the npm page: gaussmix-cli is
// released with gaussmix and depends on exactly that version; the library installs none of
// the command's dependencies; the READMEs' links and images work from the npm page, where
// relative links lead nowhere (docs/packaging.md); the tarball holds what a source build needs
// and no tests, benchmarks or build leftovers.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;
const lib = read('package.json') as { version: string; dependencies: Record<string, string>; repository: { url: string }; files: string[] };
const cli = read('cli/package.json') as { version: string; dependencies: Record<string, string>; repository: { url: string; directory: string }; bin: Record<string, string> };

describe('gaussmix and gaussmix-cli', () => {
  it('have one version, and the command depends on exactly that gaussmix', () => {
    expect(cli.version).toBe(lib.version);
    expect(cli.dependencies.gaussmix).toBe(lib.version);
  });

  it("the library's dependencies are what it needs at run time and for a source build only", () => {
    expect(Object.keys(lib.dependencies).sort()).toEqual(['node-addon-api', 'node-api-headers', 'node-gyp-build']);
    for (const heavy of ['vega', 'vega-lite', 'apache-arrow', '@resvg/resvg-js']) {
      expect(cli.dependencies[heavy], heavy).toBeDefined();
    }
  });

  it('name one repository (the command in its cli/ folder) and the bin gaussmix', () => {
    expect(cli.repository.url).toBe(lib.repository.url);
    expect(cli.repository.directory).toBe('cli');
    expect(cli.bin.gaussmix).toBe('dist/gaussmix.js');
  });

  it.each(['README.md', 'cli/README.md'])('%s: every link and image is absolute (https) or an anchor', (file) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(target, `${file}: ${target}`).toMatch(/^(https:\/\/|#)/);
  });

  it("README.md's links into the repository name the repository of package.json", () => {
    const repo = lib.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    const slug = repo.replace('https://github.com/', '');
    const text = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const inRepo = [...text.matchAll(/https:\/\/(?:github\.com|raw\.githubusercontent\.com)\/([^/\s)]+\/[^/\s)]+)/g)].map((m) => m[1]);
    expect(inRepo.length).toBeGreaterThan(0);
    for (const s of inRepo) expect(s).toBe(slug);
  });

  it("the library's tarball: the build's sources and scripts, no tests, benchmarks or build leftovers", () => {
    // What `npm pack` would put in the tarball, from package.json's "files" (prepack skipped:
    // it adds deps/eigen and checks prebuilds/, which .ci/package.sh checks on the real tarball).
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const sources = JSON.parse(fs.readFileSync(path.join(root, 'native', 'sources.json'), 'utf8')) as Record<string, string[] | string>;
    const needed = Object.values(sources).filter(Array.isArray).flat();
    for (const file of [...needed, 'binding.gyp', 'native/portable/exports.map', 'scripts/install.js', 'scripts/build-native.js', 'scripts/eigen.js', 'dist/esm/index.js', 'dist/cjs/index.js']) {
      expect(files, file).toContain(file);
    }
    const leftovers = files.filter((f) => /^(test|bench|build[^/]*|cli|docs|lib|native\/tests)\/|\.(o|a|d|tgz|log)$|^CMakeLists\.txt$/.test(f));
    expect(leftovers).toEqual([]);
  }, 120_000);
});

describe('the build from source', () => {
  // The install script decides a build can run when a compiler is on PATH; the build must then
  // run that compiler, whichever of c++, g++ and clang++ the machine has.
  it.each(['g++', 'clang++'])('finds the compiler when %s is the only one on PATH', (name) => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'gaussmix-cxx-'));
    fs.symlinkSync(process.execPath, path.join(bin, name));
    const script = `import(${JSON.stringify(path.join(root, 'scripts', 'eigen.js'))}).then((m) => process.stdout.write(String(m.hostCompiler())))`;
    const found = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, PATH: bin }, encoding: 'utf8' });
    expect(found).toBe(name);
    const none = fs.mkdtempSync(path.join(os.tmpdir(), 'gaussmix-cxx-'));
    expect(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, PATH: none }, encoding: 'utf8' })).toBe('null');
    // build-native.js and install.js ask hostCompiler, not a name of their own.
    for (const file of ['build-native.js', 'install.js']) {
      const text = fs.readFileSync(path.join(root, 'scripts', file), 'utf8');
      expect(text, file).toContain('hostCompiler()');
    }
  });
});
