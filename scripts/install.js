#!/usr/bin/env node
// The package's install script. Nothing to do where a binary already loads: the prebuilt one
// in prebuilds/ for this platform, or an earlier build in build/. Otherwise (no prebuild fits,
// or npm_config_build_from_source=true, e.g. `npm rebuild gaussmix --build-from-source`) it
// builds from source: on Linux, macOS and the BSDs with scripts/build-native.js, which needs only a
// C++17 compiler (Eigen travels in the package); on Windows with node-gyp, which also needs
// Python and Visual Studio. What is missing is said in one message naming what to install,
// not in a page of compiler output.
//
// Package managers that skip dependencies' install scripts (--ignore-scripts, pnpm 10, npm
// with allowScripts) skip this too: the prebuilt binaries need nothing, and lib/native.ts
// says how to build where none fits (ERR_GAUSSMIX_NO_BINARY).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { findEigen, hostCompiler, installCommand, onPath } from './eigen.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Whether node-gyp-build finds a binary here that loads, in a child process (a crash there is not ours). */
function binaryLoads() {
  const script = `require(${JSON.stringify(require.resolve('node-gyp-build'))})(${JSON.stringify(root)})`;
  return spawnSync(process.execPath, ['-e', script], { stdio: 'ignore' }).status === 0;
}

/** What a build from source needs and this machine lacks: keys of PACKAGES in eigen.js. */
function missingTools() {
  const missing = [];
  if (process.platform === 'win32') {
    // node-gyp finds Visual Studio itself, and says clearly when it cannot.
    const python = process.env.npm_config_python || process.env.PYTHON;
    if (!python && !onPath('python') && !onPath('py')) missing.push('python');
  } else {
    const cxx = process.env.CXX && process.env.CXX.trim().split(/\s+/)[0];
    const found = cxx ? (cxx.includes('/') ? fs.existsSync(cxx) : onPath(cxx)) : hostCompiler() !== null;
    if (!found) missing.push('cxx');
  }
  return missing;
}

function explain(missing, eigenError) {
  if (missing.length === 0) return eigenError;
  const what = { cxx: 'a C++17 compiler', python: 'Python 3', eigen: 'the Eigen 3.4 headers' };
  const all = eigenError ? [...missing, 'eigen'] : missing;
  const names = all.map((m) => what[m]).join(', ').replace(/, ([^,]*)$/, ' and $1');
  return (
    `gaussmix: no prebuilt binary fits this platform (${process.platform}-${process.arch}), and building ` +
    `it from source needs ${names}, which ${all.length > 1 ? 'were' : 'was'} not found.\n` +
    `Install with: ${installCommand(all)}, then run: npm rebuild gaussmix`
  );
}

function buildWithNodeGyp() {
  // npm gives scripts the path of its own node-gyp; otherwise node-gyp from the registry.
  const gyp = process.env.npm_config_node_gyp;
  const [cmd, args] = gyp ? [process.execPath, [gyp]] : ['npx', ['--yes', 'node-gyp']];
  const r = spawnSync(cmd, [...args, 'rebuild', '--jobs', 'max'], { cwd: root, stdio: 'inherit', shell: !gyp });
  return r.status === 0;
}

async function main() {
  const fromSource = process.env.GAUSSMIX_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';
  if (!fromSource && binaryLoads()) return 0;
  const eigen = findEigen({ fetch: true });
  const missing = missingTools();
  if (missing.length || eigen.error) {
    process.stderr.write(`\n${explain(missing, eigen.error)}\n\n`);
    return 1;
  }
  if (process.platform === 'win32') return buildWithNodeGyp() ? 0 : 1;
  const { build } = await import('./build-native.js');
  try {
    // In a clone of the repository (npm ci) the objects stay, so that npm run build:native
    // recompiles only what changed; an installed package keeps only the .node file.
    const clone = fs.existsSync(path.join(root, '.git'));
    await build({ mode: clone ? 'dev' : 'install', arch: process.arch });
    return 0;
  } catch (err) {
    process.stderr.write(`\n${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main();
