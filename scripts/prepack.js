#!/usr/bin/env node
// Runs before `npm pack` and `npm publish` (npm's "prepack"; "prepare" then builds dist/):
// puts into the package what a user's install needs and git does not hold.
//   - deps/eigen: the pinned, checksummed Eigen 3.4 headers (scripts/eigen.js), so that a build
//     from the package's source needs nothing but a C++17 compiler;
//   - prebuilds/: checked, not built here (each platform's binary is built on its own machine,
//     scripts/build-native.js --prebuild or, on Windows, node-gyp; the release workflow
//     gathers them). At least one must be there; GAUSSMIX_REQUIRE_PREBUILDS=linux-x64,... names
//     the folders that must each hold a binary.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { hasPinnedCopy, PINNED_DEB } from './eigen.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  process.stderr.write(`\nprepack: ${message}\n\n`);
  process.exit(1);
}

if (!hasPinnedCopy()) {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'eigen.js'), '--fetch'], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    fail(`could not fetch the pinned Eigen (${PINNED_DEB.name}=${PINNED_DEB.version}); pack on Debian or Ubuntu with apt lists.`);
  }
  if (!hasPinnedCopy()) fail('deps/eigen is not the pinned Eigen after fetching it.');
}

const prebuildsDir = path.join(root, 'prebuilds');
const found = (fs.existsSync(prebuildsDir) ? fs.readdirSync(prebuildsDir) : []).flatMap((target) =>
  fs
    .readdirSync(path.join(prebuildsDir, target))
    .filter((f) => f.endsWith('.node'))
    .map((f) => `${target}/${f}`),
);
if (found.length === 0) fail('prebuilds/ holds no binary: run npm run prebuild first.');
const required = (process.env.GAUSSMIX_REQUIRE_PREBUILDS || '').split(',').filter(Boolean);
const absent = required.filter((target) => !found.some((f) => f.startsWith(`${target}/`)));
if (absent.length) fail(`no prebuilt binary for ${absent.join(', ')} in prebuilds/.`);
process.stderr.write(`prepack: Eigen ${PINNED_DEB.version} in deps/eigen; prebuilds: ${found.join(', ')}\n`);
