#!/usr/bin/env node
// Finds the Eigen 3.4 headers for the native build and prints their include directory.
//
// The one place every build asks (scripts/build-native.js, binding.gyp through
// `<!(node scripts/eigen.js)`, CMakeLists.txt through execute_process), so all of them compile
// against the same Eigen. Looked for, in this order, each checked to be 3.4.x by reading
// Eigen/src/Core/util/Macros.h:
//   1. $EIGEN3_INCLUDE_DIR (if set it must be right: a wrong one is an error, not skipped);
//   2. the pinned copy in deps/eigen (git-ignored, marked FETCHED-BY-GAUSSMIX): the published
//      package carries it (`npm pack` fetches it, scripts/prepack.js), so a build from the
//      package needs no Eigen on the system;
//   3. the system: /usr/include/eigen3, /usr/local/include/eigen3, $CONDA_PREFIX, Homebrew
//      (eigen@3 and eigen), vcpkg ($VCPKG_ROOT), pkg-config;
//   4. deps/eigen without the mark (an unpacked Eigen 3.4 source tarball put there by hand);
//   5. a pinned, checksummed fetch into deps/eigen: on Debian/Ubuntu `apt-get download` of
//      libeigen3-dev at PINNED_DEB.version (no root needed), sha256 checked, unpacked with
//      dpkg-deb -x; only its Eigen/ folder is kept. Anywhere else, or if that fails, one
//      message saying what to install.
//
// Usage: node scripts/eigen.js            prints the include dir (fetching if needed)
//        node scripts/eigen.js --no-fetch prints it, or fails without fetching
//        node scripts/eigen.js --fetch    (re)fetches the pinned copy into deps/eigen, prints it
// Progress and errors go to stderr; stdout carries only the path.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const depsDir = path.join(packageRoot, 'deps');
const vendoredDir = path.join(depsDir, 'eigen');

/**
 * The one Eigen build we fetch ourselves: Debian bookworm's libeigen3-dev (Architecture: all,
 * so one checksum for every CPU). The hash is the one in Debian's signed package index.
 */
export const PINNED_DEB = {
  name: 'libeigen3-dev',
  version: '3.4.0-4',
  sha256: '1a167bb381acb90c1d8450a8f3e66a09d216dbc64b33ac8a082a0912513ef939',
};

/** The file that marks deps/eigen as the pinned copy, and what it says. */
export const PINNED_MARK = 'FETCHED-BY-GAUSSMIX';
export function pinnedMark() {
  const { name, version, sha256 } = PINNED_DEB;
  return (
    `${name}_${version}_all.deb sha256 ${sha256}: its Eigen/ folder, without src/misc/lapacke.h.\n` +
    'Eigen is MPL-2.0 licensed (see COPYRIGHT); built with EIGEN_MPL2_ONLY.\n'
  );
}

/** Whether deps/eigen holds the pinned copy (and not an older fetch or a hand-made one). */
export function hasPinnedCopy() {
  try {
    return fs.readFileSync(path.join(vendoredDir, PINNED_MARK), 'utf8') === pinnedMark() && isWanted(eigenVersion(vendoredDir));
  } catch {
    return false;
  }
}

/** Reads "3.4.0" out of <dir>/Eigen/src/Core/util/Macros.h, or null if it is not Eigen. */
export function eigenVersion(dir) {
  let text;
  try {
    text = fs.readFileSync(path.join(dir, 'Eigen', 'src', 'Core', 'util', 'Macros.h'), 'utf8');
  } catch {
    return null;
  }
  const part = (name) => {
    const m = new RegExp(`#define\\s+EIGEN_${name}_VERSION\\s+(\\d+)`).exec(text);
    return m ? Number(m[1]) : null;
  };
  const world = part('WORLD');
  const major = part('MAJOR');
  const minor = part('MINOR');
  if (world === null || major === null) return null;
  return `${world}.${major}.${minor ?? 0}`;
}

function isWanted(version) {
  return version !== null && /^3\.4\./.test(version);
}

function run(cmd, args, options = {}) {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 120_000,
      ...options,
    }).trim();
  } catch {
    return null;
  }
}

/** Whether an executable is on PATH (without running it). */
/**
 * The C++ compiler a build from source runs when CXX is not set: the first of c++, g++ and
 * clang++ on PATH (clang++ first on macOS), or null. The install script's check and the build
 * ask this one function, so a machine with g++ or clang++ alone builds too.
 */
export function hostCompiler() {
  const names = process.platform === 'darwin' ? ['clang++', 'c++', 'g++'] : ['c++', 'g++', 'clang++'];
  return names.find(onPath) ?? null;
}

export function onPath(name) {
  const exts = process.platform === 'win32' ? (process.env.PATHEXT || '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return true;
      } catch {
        // not here
      }
    }
  }
  return false;
}

function systemCandidates() {
  const dirs = [];
  const add = (d) => d && dirs.push(d);
  if (process.platform !== 'win32') {
    add('/usr/include/eigen3');
    add('/usr/local/include/eigen3');
  }
  if (process.env.CONDA_PREFIX) {
    add(path.join(process.env.CONDA_PREFIX, 'include', 'eigen3'));
    add(path.join(process.env.CONDA_PREFIX, 'Library', 'include', 'eigen3'));
  }
  if (process.platform === 'darwin') {
    // Homebrew's `eigen` formula moved to Eigen 5; `eigen@3` is the 3.4 line.
    for (const prefix of ['/opt/homebrew', '/usr/local']) {
      add(path.join(prefix, 'opt', 'eigen@3', 'include', 'eigen3'));
      add(path.join(prefix, 'opt', 'eigen', 'include', 'eigen3'));
    }
    add('/opt/local/include/eigen3'); // MacPorts
  }
  if (process.env.VCPKG_ROOT) {
    const installed = path.join(process.env.VCPKG_ROOT, 'installed');
    let triplets = [];
    try {
      triplets = fs.readdirSync(installed);
    } catch {
      // no installed packages
    }
    for (const t of triplets) add(path.join(installed, t, 'include', 'eigen3'));
  }
  if (onPath('pkg-config')) {
    const flags = run('pkg-config', ['--cflags-only-I', 'eigen3']);
    for (const flag of (flags || '').split(/\s+/)) if (flag.startsWith('-I')) add(flag.slice(2));
  }
  return dirs;
}

/** Which package manager speaks for this machine: 'apt', 'dnf', 'pacman', 'apk', 'zypper', 'brew', 'vcpkg' or null. */
export function packageManager() {
  if (process.platform === 'darwin') return 'brew';
  if (process.platform === 'win32') return 'vcpkg';
  let osRelease = '';
  try {
    osRelease = fs.readFileSync('/etc/os-release', 'utf8');
  } catch {
    // unknown Linux or a BSD
  }
  const ids = (osRelease.match(/^ID(?:_LIKE)?=.*$/gm) || []).join(' ');
  if (/debian|ubuntu/.test(ids)) return 'apt';
  if (/fedora|rhel|centos/.test(ids)) return 'dnf';
  if (/arch/.test(ids)) return 'pacman';
  if (/alpine/.test(ids)) return 'apk';
  if (/suse/.test(ids)) return 'zypper';
  return null;
}

/** Package names per package manager, for the one "what to install" line. */
export const PACKAGES = {
  apt: { eigen: 'libeigen3-dev', cxx: 'g++', make: 'make', python: 'python3' },
  dnf: { eigen: 'eigen3-devel', cxx: 'gcc-c++', make: 'make', python: 'python3' },
  pacman: { eigen: 'eigen', cxx: 'gcc', make: 'make', python: 'python' },
  apk: { eigen: 'eigen-dev', cxx: 'g++', make: 'make', python: 'python3' },
  zypper: { eigen: 'eigen3-devel', cxx: 'gcc-c++', make: 'make', python: 'python3' },
  // Homebrew's `eigen` formula moved to Eigen 5; `eigen@3` is the 3.4 line.
  brew: { eigen: 'eigen@3', python: 'python3' },
  vcpkg: { eigen: 'eigen3' },
};

/** The command a person would type to install `what` (keys of PACKAGES rows). */
export function installCommand(what) {
  const pm = packageManager();
  const row = pm && PACKAGES[pm];
  const names = row ? [...new Set(what.map((w) => row[w]).filter(Boolean))] : [];
  const verb = {
    apt: 'apt-get install',
    dnf: 'dnf install',
    pacman: 'pacman -S',
    apk: 'apk add',
    zypper: 'zypper install',
    brew: 'brew install',
    vcpkg: 'vcpkg install',
  };
  const parts = [];
  if (names.length) parts.push(`${verb[pm]} ${names.join(' ')}`);
  if (pm === 'brew' && (what.includes('cxx') || what.includes('make'))) parts.unshift('xcode-select --install');
  if (pm === 'vcpkg' && (what.includes('cxx') || what.includes('make'))) {
    parts.unshift('Visual Studio Build Tools with the "Desktop development with C++" workload');
  }
  if (!parts.length) {
    const generic = { eigen: 'Eigen 3.4 headers', cxx: 'a C++17 compiler', make: 'make', python: 'Python 3' };
    parts.push(what.map((w) => generic[w]).join(', '));
  }
  return parts.join(' and ');
}

/** Downloads the pinned .deb, checks it and unpacks its headers to deps/eigen. */
function fetchDeb(log) {
  if (process.platform !== 'linux' || !onPath('apt-get') || !onPath('dpkg-deb')) return null;
  const { name, version, sha256 } = PINNED_DEB;
  log(`gaussmix: fetching ${name}=${version} with apt-get download into deps/ ...`);
  fs.mkdirSync(depsDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(depsDir, '.eigen-fetch-'));
  try {
    // apt's download sandbox user may not be able to write here; that only costs a warning.
    const got = run('apt-get', ['download', '-q', `${name}=${version}`], { cwd: work });
    const deb = fs.readdirSync(work).find((f) => f.endsWith('.deb'));
    if (got === null || !deb) {
      log(`gaussmix: apt-get download ${name}=${version} failed (no such version in the apt lists?).`);
      return null;
    }
    const digest = createHash('sha256').update(fs.readFileSync(path.join(work, deb))).digest('hex');
    if (digest !== sha256) {
      log(`gaussmix: ${deb} has sha256 ${digest}, expected ${sha256}; not using it.`);
      return null;
    }
    const tree = path.join(work, 'tree');
    if (run('dpkg-deb', ['-x', path.join(work, deb), tree]) === null) {
      log(`gaussmix: dpkg-deb -x ${deb} failed.`);
      return null;
    }
    const headers = path.join(tree, 'usr', 'include', 'eigen3');
    if (!isWanted(eigenVersion(headers))) {
      log(`gaussmix: ${deb} holds no Eigen 3.4 headers.`);
      return null;
    }
    // Only Eigen/ (not unsupported/: nothing includes it), the licence and the mark, assembled
    // beside deps/eigen and renamed into place, so that a concurrent or interrupted build
    // never sees half a tree.
    const staged = path.join(work, 'eigen');
    fs.mkdirSync(staged);
    fs.renameSync(path.join(headers, 'Eigen'), path.join(staged, 'Eigen'));
    // LAPACKE's declarations (1.1 MB), included only with EIGEN_USE_LAPACKE.
    fs.rmSync(path.join(staged, 'Eigen', 'src', 'misc', 'lapacke.h'));
    const copyright = path.join(tree, 'usr', 'share', 'doc', name, 'copyright');
    if (fs.existsSync(copyright)) fs.copyFileSync(copyright, path.join(staged, 'COPYRIGHT'));
    fs.writeFileSync(path.join(staged, PINNED_MARK), pinnedMark());
    fs.rmSync(vendoredDir, { recursive: true, force: true });
    fs.renameSync(staged, vendoredDir);
    log(`gaussmix: Eigen ${eigenVersion(vendoredDir)} headers are in deps/eigen.`);
    return vendoredDir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Returns { dir } with the include dir to use, or { error } with the one message to show.
 * `fetch: false` never downloads.
 */
export function findEigen({ fetch = true, log = (m) => process.stderr.write(m + '\n') } = {}) {
  const seen = [];
  const fromEnv = process.env.EIGEN3_INCLUDE_DIR;
  if (fromEnv) {
    const v = eigenVersion(fromEnv);
    if (isWanted(v)) return { dir: path.resolve(fromEnv) };
    return {
      error:
        `gaussmix: EIGEN3_INCLUDE_DIR=${fromEnv} ` +
        (v ? `holds Eigen ${v}, but 3.4.x is required.` : 'does not contain Eigen/src/Core/util/Macros.h.') +
        ' Point it at an Eigen 3.4 include directory (the folder holding Eigen/), or unset it.',
    };
  }
  if (hasPinnedCopy()) return { dir: vendoredDir };
  for (const dir of [...systemCandidates(), vendoredDir]) {
    const v = eigenVersion(dir);
    if (isWanted(v)) return { dir: path.resolve(dir) };
    if (v) seen.push(`Eigen ${v} in ${dir}`);
  }
  const fetched = fetch ? fetchDeb(log) : null;
  if (fetched) return { dir: fetched };
  return {
    error:
      'gaussmix: the Eigen 3.4 C++ headers are needed to build the native addon and were not found' +
      (seen.length ? ` (found only ${seen.join(', ')})` : '') +
      `. Install them with: ${installCommand(['eigen'])} -- or set EIGEN3_INCLUDE_DIR to a folder holding Eigen 3.4's Eigen/ directory.`,
  };
}

const invokedDirectly =
  process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const forced = process.argv.includes('--fetch');
  const fetched = forced ? fetchDeb((m) => process.stderr.write(m + '\n')) : null;
  const { dir, error } = forced
    ? fetched
      ? { dir: fetched }
      : { error: `gaussmix: could not fetch ${PINNED_DEB.name}=${PINNED_DEB.version} (see above).` }
    : findEigen({ fetch: !process.argv.includes('--no-fetch') });
  if (error) {
    process.stderr.write(`\n${error}\n\n`);
    process.exit(1);
  }
  // Forward slashes: gyp and CMake both take them on every platform.
  process.stdout.write(dir.split(path.sep).join('/') + '\n');
}
