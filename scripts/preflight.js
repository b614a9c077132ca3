#!/usr/bin/env node
// Runs before a build from source (node-gyp-build calls it only when no prebuild or earlier
// build loads), so that a missing toolchain or Eigen ends in ONE message saying what to
// install instead of a page of node-gyp or compiler output. Also fetches Eigen into deps/
// when that is possible (see scripts/eigen.js), so the build itself finds it.

import * as fs from 'node:fs';

import { findEigen, installCommand, onPath } from './eigen.js';

const missing = [];

if (process.platform !== 'win32') {
  // What node-gyp itself looks for, in its order.
  const python =
    process.env.npm_config_python || process.env.NODE_GYP_FORCE_PYTHON || process.env.PYTHON;
  if (!python && !onPath('python3') && !onPath('python')) missing.push('python');
  if (!onPath('make') && !onPath('gmake')) missing.push('make');
  const cxx = process.env.CXX && process.env.CXX.split(/\s+/)[0];
  const cxxFound = cxx
    ? cxx.includes('/') ? fs.existsSync(cxx) : onPath(cxx)
    : ['c++', 'g++', 'clang++'].some(onPath);
  if (!cxxFound) missing.push('cxx');
} else if (!process.env.npm_config_python && !process.env.PYTHON && !onPath('python') && !onPath('py')) {
  // On Windows node-gyp finds Visual Studio itself and says so clearly if it cannot.
  missing.push('python');
}

const eigen = findEigen({ fetch: true });
if (eigen.error) missing.push('eigen');

if (missing.length === 1 && eigen.error) {
  // Its own message says more (a wrong EIGEN3_INCLUDE_DIR, an Eigen 3.3 found...).
  process.stderr.write(`\n${eigen.error}\n\n`);
  process.exit(1);
}
if (missing.length) {
  const what = {
    python: 'Python 3',
    make: 'make',
    cxx: 'a C++17 compiler',
    eigen: 'the Eigen 3.4 headers',
  };
  process.stderr.write(
    '\ngaussmix: no prebuilt binary fits this platform, and building it from source needs ' +
      missing
        .map((m) => what[m])
        .join(', ')
        .replace(/, ([^,]*)$/, ' and $1') +
      ', which ' +
      (missing.length > 1 ? 'were' : 'was') +
      ' not found.\n' +
      `Install with: ${installCommand(missing)}` +
      (missing.includes('eigen')
        ? " (or set EIGEN3_INCLUDE_DIR to a folder holding Eigen 3.4's Eigen/ directory)"
        : '') +
      ', then install gaussmix again.\n\n',
  );
  process.exit(1);
}
