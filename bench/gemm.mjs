// Builds and runs bench/gemm_probe.cc: the machine's Eigen GEMM rate on 1 and on all threads,
// the yardstick for gaussmix's GFLOP/s. Compiled at bench time into bench/.cache (kept there,
// keyed by a hash of the source, compiler and flags) with the flags of the addon's build
// (binding.gyp / CMakeLists.txt: -O3 -std=c++17 -ffp-contract=off, NDEBUG,
// EIGEN_DONT_PARALLELIZE, EIGEN_MPL2_ONLY, the Eigen of scripts/eigen.js) and the SIMD flags of
// each kernel variant the addon can run:
//   baseline  — none (x86-64 baseline: SSE2), what every shipped build has;
//   avx2-fma  — -mavx2 -mfma, the second copy of the core a shipped x86-64 Linux build carries
//               and picks at load time on CPUs that have both (the addon's `simd` says which);
//   avx512    — AVX-512 F/CD/BW/DQ/VL besides AVX2 and FMA, the third copy, for CPUs with them;
//   native    — -march=native, a developer build made with GAUSSMIX_NATIVE=1.
// The yardstick is the variant the loaded addon runs, so GFLOP/s is compared with what the
// same instructions reach in Eigen's own GEMM.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

export const VARIANT_FLAGS = {
  baseline: [],
  'avx2-fma': ['-mavx2', '-mfma'],
  avx512: ['-mavx512f', '-mavx512cd', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mavx2', '-mfma'],
  native: ['-march=native'],
};

function cpuFlags() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/** Whether the addon in build/ was compiled with -march=native (GAUSSMIX_NATIVE=1). */
export function addonBuiltNative() {
  if (process.env.GAUSSMIX_NATIVE === '1') return true;
  const mk = join(root, 'build', 'gaussmix.target.mk');
  return existsSync(mk) && /-march=native/.test(readFileSync(mk, 'utf8'));
}

/**
 * Which kernel variant the addon ran: 'native' for a -march=native build, else the `simd` the
 * addon reported in the gaussmix runs ('avx512', 'avx2-fma' or 'baseline'; older builds report nothing,
 * and are baseline).
 */
export function kernelVariant(reportedSimd) {
  if (addonBuiltNative()) return 'native';
  return reportedSimd in VARIANT_FLAGS ? reportedSimd : 'baseline';
}

/** The variants worth measuring here: baseline, avx2-fma and avx512 where the CPU has them, native if built so. */
export function variantsToMeasure() {
  const v = ['baseline'];
  const f = cpuFlags();
  if (f.has('avx2') && f.has('fma')) v.push('avx2-fma');
  if (f.has('avx2') && f.has('fma') && ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((x) => f.has(x))) v.push('avx512');
  if (addonBuiltNative()) v.push('native');
  return v;
}

function probeBuild(variant) {
  const eigen = execFileSync(process.execPath, [join(root, 'scripts', 'eigen.js')], { encoding: 'utf8' }).trim();
  const flags = ['-O3', '-std=c++17', '-ffp-contract=off', '-DNDEBUG', '-DEIGEN_DONT_PARALLELIZE', '-DEIGEN_MPL2_ONLY', '-pthread', ...VARIANT_FLAGS[variant]];
  return { cxx: process.env.CXX || 'c++', flags, eigen };
}

/** Compiles (once) and runs the probe for one variant; its JSON plus the compiler and flags. */
export function measureGemm({ n, threads, reps, variant }) {
  const { cxx, flags, eigen } = probeBuild(variant);
  const src = join(here, 'gemm_probe.cc');
  const cxxVersion = execFileSync(cxx, ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const key = createHash('sha256').update(readFileSync(src)).update(cxxVersion).update(flags.join(' ')).update(eigen).digest('hex').slice(0, 12);
  mkdirSync(cacheDir, { recursive: true });
  const exe = join(cacheDir, `gemm_probe-${variant}-${key}`);
  if (!existsSync(exe)) execFileSync(cxx, [...flags, `-I${eigen}`, src, '-o', exe], { stdio: ['ignore', 'ignore', 'inherit'] });
  const out = JSON.parse(execFileSync(exe, [String(n), String(threads), String(reps)], { encoding: 'utf8' }));
  return { variant, ...out, compiler: cxxVersion, flags: flags.join(' ') };
}
