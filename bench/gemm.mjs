// Builds and runs bench/gemm_probe.cc: the machine's Eigen GEMM rate on 1 and on all threads,
// the yardstick for gaussmix's GFLOP/s. Compiled at bench time into bench/.cache (kept there,
// keyed by a hash of the source, compiler and flags) with the flags of the addon that is
// loaded: those of binding.gyp / CMakeLists.txt (-O3 -std=c++17 -ffp-contract=off, NDEBUG,
// EIGEN_DONT_PARALLELIZE, EIGEN_MPL2_ONLY, the Eigen of scripts/eigen.js), plus -march=native only
// when the addon was built that way (GAUSSMIX_NATIVE=1 now, or -march=native in the node-gyp
// makefile under build/): the shipped default has none.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

function addonIsNative() {
  if (process.env.GAUSSMIX_NATIVE === '1') return true;
  const mk = join(root, 'build', 'gaussmix.target.mk');
  return existsSync(mk) && /-march=native/.test(readFileSync(mk, 'utf8'));
}

export function probeFlags() {
  const eigen = execFileSync(process.execPath, [join(root, 'scripts', 'eigen.js')], { encoding: 'utf8' }).trim();
  const flags = ['-O3', '-std=c++17', '-ffp-contract=off', '-DNDEBUG', '-DEIGEN_DONT_PARALLELIZE', '-DEIGEN_MPL2_ONLY', '-pthread'];
  if (addonIsNative()) flags.push('-march=native');
  return { cxx: process.env.CXX || 'c++', flags, eigen };
}

/** Compiles (once) and runs the probe; returns its JSON plus the compiler and flags used. */
export function measureGemm({ n, threads, reps }) {
  const { cxx, flags, eigen } = probeFlags();
  const src = join(here, 'gemm_probe.cc');
  const cxxVersion = execFileSync(cxx, ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const key = createHash('sha256').update(readFileSync(src)).update(cxxVersion).update(flags.join(' ')).update(eigen).digest('hex').slice(0, 12);
  mkdirSync(cacheDir, { recursive: true });
  const exe = join(cacheDir, `gemm_probe-${key}`);
  if (!existsSync(exe)) execFileSync(cxx, [...flags, `-I${eigen}`, src, '-o', exe], { stdio: ['ignore', 'ignore', 'inherit'] });
  const out = JSON.parse(execFileSync(exe, [String(n), String(threads), String(reps)], { encoding: 'utf8' }));
  return { ...out, compiler: cxxVersion, flags: flags.join(' ') };
}
