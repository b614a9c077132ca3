#!/usr/bin/env node
// Builds the native addon on Linux, macOS and the BSDs with nothing but a C++17 compiler: no
// Python, no make, no download of Node's headers (node-api-headers and node-addon-api are
// dependencies of the package; Eigen is bundled in the published package, see scripts/eigen.js).
// On Windows the build is node-gyp's (binding.gyp), which finds Visual Studio.
//
//   node scripts/build-native.js            build/Release/gaussmix.node for this machine; objects
//                                           kept in build/obj, recompiled only when a source, a
//                                           header it includes or the flags changed
//   node scripts/build-native.js --install  the same, quietly (one progress line, compiler output
//                                           only on failure), objects removed (kept with
//                                           GAUSSMIX_KEEP_OBJECTS=1): the install script
//   node scripts/build-native.js --prebuild [--arch arm64]
//                                           the portable binary that ships:
//                                           prebuilds/<platform>-<arch>/node.napi[.<libc>].node
//                                           (objects kept in build/prebuild-<platform>-<arch>;
//                                           an object of build/obj compiled from the same
//                                           sources with the same code flags is copied, not
//                                           compiled again: warnings flags make no code)
//   --jobs N (default: the cores this process may use, at most one per 768 MB of memory),
//   --verbose (print the commands)
//
// Environment: CXX (the compiler; for --arch arm64 on x64 Linux aarch64-linux-gnu-g++ by
// default), CXXFLAGS and LDFLAGS (appended), GAUSSMIX_NATIVE=1 (tune for this CPU:
// -march=native and no SIMD copies; never for a binary that ships), GAUSSMIX_SIMD=baseline or
// avx2 (leave out the AVX2 and AVX-512 copies, or only the AVX-512 one).
//
// Flags as in binding.gyp and CMakeLists.txt (keep the three in step; see binding.gyp for why
// each is there). On x86-64 Linux the core and binding are compiled three times: for the
// baseline, and with AVX2+FMA and AVX-512 in renamed namespaces (gaussmix_v3 / gaussmix_v4,
// Eigen -> EigenV3 / EigenV4); native/binding/module.cc picks one when the addon loads.
// A portable (--prebuild) Linux binary links libstdc++ statically and, on glibc, imports only
// symbol versions of glibc 2.17 or older (native/portable/glibc_compat.cc).

import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { findEigen, hostCompiler } from './eigen.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The functions native/portable/glibc_compat.cc redirects to their oldest glibc versions. */
const GLIBC_WRAPPED = ['pthread_create', 'pthread_detach', 'dlopen', 'dladdr', 'exp', 'log', 'lgamma', 'pow'];

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--install') opts.mode = 'install';
    else if (a === '--prebuild') opts.mode = 'prebuild';
    else if (a === '--verbose') opts.verbose = true;
    else if (a === '--arch') opts.arch = argv[++i];
    else if (a === '--jobs') opts.jobs = Number(argv[++i]);
    else throw new Error(`build-native: unknown argument '${a}'`);
  }
  return opts;
}

/** The compiler: $CXX, a cross compiler for another arch, or the first of c++, g++, clang++. */
function compiler(arch) {
  if (process.env.CXX) return process.env.CXX.trim().split(/\s+/);
  if (arch !== process.arch) {
    const triple = { arm64: 'aarch64-linux-gnu', x64: 'x86_64-linux-gnu' }[arch];
    if (process.platform !== 'linux' || !triple) {
      throw new Error(`build-native: set CXX to a compiler for ${arch} (e.g. CXX="clang++ -arch arm64" on macOS)`);
    }
    return [`${triple}-g++`];
  }
  const found = hostCompiler();
  if (!found) throw new Error('build-native: no C++ compiler on PATH (c++, g++ or clang++); install one or set CXX');
  return [found];
}

/** 'clang' or 'gcc', from the compiler's own description of itself. */
function compilerFamily(cxx) {
  const text = execFileSync(cxx[0], [...cxx.slice(1), '--version'], { encoding: 'utf8' });
  return /clang/i.test(text) ? 'clang' : 'gcc';
}

/** 'glibc' or 'musl' for Linux targets (what node-gyp-build tags prebuilds with). */
function libcOf(cxx) {
  const macros = execFileSync(cxx[0], [...cxx.slice(1), '-dM', '-E', '-x', 'c++', '-'], {
    input: '#include <cstddef>\n',
    encoding: 'utf8',
  });
  return /__GLIBC__/.test(macros) ? 'glibc' : 'musl';
}

/** Every compile and the link, for this target and mode. */
function plan(opts) {
  const cxx = compiler(opts.arch);
  const family = compilerFamily(cxx);
  const platform = process.platform;
  const linux = platform === 'linux';
  const native = process.env.GAUSSMIX_NATIVE === '1' && opts.mode !== 'prebuild';
  const simd = process.env.GAUSSMIX_SIMD;
  const v3 = linux && opts.arch === 'x64' && !native && simd !== 'baseline';
  const v4 = v3 && simd !== 'avx2';
  const libc = linux ? libcOf(cxx) : null;
  const portable = opts.mode === 'prebuild';
  // Node 20's own macOS floor (Apple silicon starts at macOS 11).
  const macosMin = `-mmacosx-version-min=${opts.arch === 'arm64' ? '11.0' : '10.15'}`;

  const eigen = findEigen({ fetch: true });
  if (eigen.error) throw new Error(eigen.error);
  const includes = [
    ['-isystem', require('node-api-headers').include_dir],
    ['-isystem', path.dirname(require.resolve('node-addon-api/package.json'))],
    ['-isystem', eigen.dir],
    ['-I', path.join(root, 'native')],
  ].flat();
  const defines = [
    'NAPI_VERSION=8',
    'NAPI_CPP_EXCEPTIONS',
    // A throw into an environment that is shutting down (a worker terminated during fitSync)
    // is dropped instead of aborting the process (node-addon-api's unthrowable exceptions).
    'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
    'NODE_ADDON_API_DISABLE_DEPRECATED',
    'BUILDING_NODE_EXTENSION',
    'EIGEN_DONT_PARALLELIZE',
    'EIGEN_MPL2_ONLY',
    'NDEBUG',
  ];
  const common = [
    '-std=c++17',
    '-O3',
    '-fPIC',
    '-pthread',
    '-fexceptions',
    '-frtti',
    '-fvisibility=hidden',
    '-fvisibility-inlines-hidden',
    '-ffp-contract=off',
    ...(opts.mode === 'install' ? ['-w'] : ['-Wall', '-Wextra', '-Wno-unused-parameter']),
    ...(platform === 'darwin' ? [macosMin, '-stdlib=libc++'] : []),
    ...(native ? ['-march=native'] : []),
    // For the prebuild's --gc-sections; on every Linux build, so that its objects and those of
    // a source build are the same (see reusable()).
    ...(linux ? ['-ffunction-sections', '-fdata-sections'] : []),
    ...includes,
    ...(process.env.CXXFLAGS ? process.env.CXXFLAGS.trim().split(/\s+/) : []),
  ];

  const sources = JSON.parse(fs.readFileSync(path.join(root, 'native', 'sources.json'), 'utf8'));
  const variants = [{ name: 'baseline', files: [...sources.module, ...sources.core, ...sources.binding], flags: [] }];
  const have = variants[0].flags; // GAUSSMIX_HAVE_V3/V4: what module.cc may pick
  if (v3) {
    variants.push({ name: 'v3', files: [...sources.core, ...sources.binding], flags: ['-Dgaussmix=gaussmix_v3', '-DEigen=EigenV3', '-mavx2', '-mfma'] });
    have.push('-DGAUSSMIX_HAVE_V3');
  }
  if (v4) {
    // (GCC 12 reports Eigen's AVX-512 reductions as using uninitialised values: a false positive
    // of the _mm512_undefined_pd they use; the other variants keep the warnings.)
    const quiet = family === 'gcc' ? ['-Wno-maybe-uninitialized', '-Wno-uninitialized'] : [];
    variants.push({
      name: 'v4',
      files: [...sources.core, ...sources.binding],
      flags: ['-Dgaussmix=gaussmix_v4', '-DEigen=EigenV4', '-mavx512f', '-mavx512cd', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mavx2', '-mfma', ...quiet],
    });
    have.push('-DGAUSSMIX_HAVE_V4');
  }
  const glibcCompat = portable && libc === 'glibc';
  if (glibcCompat) variants.push({ name: 'portable', files: sources.glibcCompat, flags: [] });

  const tag = portable ? `prebuild-${platform}-${opts.arch}` : 'obj';
  const objDir = path.join(root, 'build', tag);
  const compiles = [];
  for (const v of variants) {
    for (const file of v.files) {
      const obj = path.join(objDir, v.name, file.replace(/\.cc$/, '.o'));
      const args = [...cxx.slice(1), ...common, ...defines.map((d) => `-D${d}`), ...v.flags, '-MMD', '-MF', `${obj}.d`, '-c', path.join(root, file), '-o', obj];
      compiles.push({ label: v.name === 'baseline' ? file : `${file} (${v.name})`, obj, cmd: [cxx[0], ...args] });
    }
  }

  const output = portable
    ? path.join(root, 'prebuilds', `${platform}-${opts.arch}`, `node.napi${libc ? `.${libc}` : ''}.node`)
    : path.join(root, 'build', 'Release', 'gaussmix.node');
  const link = [
    ...cxx,
    '-shared',
    '-pthread',
    // The baseline objects first: an inline function that several copies emit resolves to the
    // baseline's (native/binding/module.cc).
    ...compiles.map((c) => c.obj),
    '-o',
    output,
  ];
  if (platform === 'darwin') link.push('-undefined', 'dynamic_lookup', macosMin, '-stdlib=libc++');
  if (portable && linux) {
    const exportsMap = path.join(root, 'native', 'portable', 'exports.map');
    link.push('-static-libstdc++', '-Wl,--gc-sections', `-Wl,--version-script=${exportsMap}`, '-s');
    if (glibcCompat) {
      link.push(...GLIBC_WRAPPED.map((f) => `-Wl,--wrap=${f}`));
      link.push('-Wl,--push-state,--no-as-needed', '-l:libpthread.so.0', '-l:libdl.so.2', '-Wl,--pop-state');
    }
  }
  if (process.env.LDFLAGS) link.push(...process.env.LDFLAGS.trim().split(/\s+/));
  return { cxx, family, libc, eigen: eigen.dir, variants: variants.map((v) => v.name), compiles, link, objDir, output, stripDarwin: portable && platform === 'darwin' };
}

/**
 * Compilers to run at once: one per core, as far as memory allows (an Eigen-heavy file takes
 * up to about 600 MB in GCC 12; the container's limit where there is one).
 */
function defaultJobs() {
  const limit = process.constrainedMemory?.() || Infinity; // 0, or 2^64, where there is none
  const memory = Math.min(limit, os.totalmem());
  return Math.max(1, Math.min(os.availableParallelism(), Math.floor(memory / (768 * 1048576))));
}

/**
 * Whether obj is newer than its source and every header it included, built with flags that
 * make the same code (warnings flags aside: an install build's objects serve a later one).
 */
function upToDate(c) {
  try {
    if (fs.readFileSync(`${c.obj}.key`, 'utf8') !== codeKey(c.cmd)) return false;
  } catch {
    return false;
  }
  return depsOlder(c.obj);
}

/** Whether obj exists and is newer than every file its dependency file (obj.d) lists. */
function depsOlder(obj) {
  try {
    const built = fs.statSync(obj).mtimeMs;
    const deps = fs
      .readFileSync(`${obj}.d`, 'utf8')
      .replace(/\\\n/g, ' ')
      .replace(/^[^:]*:/, '')
      .split(/(?<!\\)\s+/)
      .filter(Boolean);
    return deps.every((d) => fs.statSync(d.replace(/\\ /g, ' ')).mtimeMs <= built);
  } catch {
    return false;
  }
}

function hash(cmd) {
  return createHash('sha256').update(cmd.join('\0')).digest('hex');
}

/**
 * What decides an object's code: its compile command without the warnings flags and without
 * the paths of the object and its dependency file.
 */
function codeKey(cmd) {
  const kept = [];
  for (let i = 0; i < cmd.length; i++) {
    if (cmd[i] === '-o' || cmd[i] === '-MF') i++;
    else if (!/^-W|^-w$/.test(cmd[i])) kept.push(cmd[i]);
  }
  return hash(kept);
}

/**
 * For a prebuild: the object of the source build (build/obj) with the same code, when it is
 * newer than every file it was compiled from; null when there is none.
 */
function reusable(c, objDir) {
  const twin = path.join(root, 'build', 'obj', path.relative(objDir, c.obj));
  try {
    if (fs.readFileSync(`${twin}.key`, 'utf8') !== codeKey(c.cmd)) return null;
  } catch {
    return null;
  }
  return depsOlder(twin) ? twin : null;
}

/** Runs a command; resolves to { code, output } (stdout and stderr together). */
function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (b) => chunks.push(b));
    child.stderr.on('data', (b) => chunks.push(b));
    child.on('error', (err) => resolve({ code: -1, output: String(err.message) }));
    child.on('close', (code) => resolve({ code, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/**
 * The progress line: on a terminal one line rewritten in place ([done/total] file); in a log
 * nothing between the line that starts the build and the one that ends it.
 */
function progress(total) {
  const tty = process.stderr.isTTY;
  let done = 0;
  return {
    step(label) {
      done++;
      if (!tty) return;
      const line = `gaussmix: compiling [${done}/${total}] ${label}`;
      process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 100) - 1)}\x1b[K`);
    },
    end(message) {
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}${message}\n`);
    },
  };
}

/**
 * Builds the addon. mode: 'dev' (incremental, build/Release), 'install' (quiet, objects
 * removed) or 'prebuild' (portable, into prebuilds/); arch: the target (process.arch unless
 * cross-compiling); jobs: compilers run at once.
 */
export async function build({ mode = 'dev', arch = process.arch, jobs = defaultJobs(), verbose = false } = {}) {
  const opts = { mode, arch, jobs: jobs >= 1 ? jobs : defaultJobs(), verbose };
  const started = Date.now();
  const p = plan(opts);
  const what = `${process.platform}-${opts.arch}${p.libc ? ` (${p.libc})` : ''}, ${p.family}, ${p.variants.join(' + ')}`;
  const keep = process.env.GAUSSMIX_KEEP_OBJECTS === '1';
  let todo = opts.mode === 'install' ? p.compiles : p.compiles.filter((c) => !upToDate(c));
  if (opts.mode === 'install') fs.rmSync(p.objDir, { recursive: true, force: true });
  for (const c of todo) fs.mkdirSync(path.dirname(c.obj), { recursive: true });
  let copied = 0;
  if (opts.mode === 'prebuild' && opts.arch === process.arch) {
    todo = todo.filter((c) => {
      const twin = reusable(c, p.objDir);
      if (!twin) return true;
      fs.copyFileSync(twin, c.obj);
      fs.copyFileSync(`${twin}.d`, `${c.obj}.d`);
      fs.writeFileSync(`${c.obj}.key`, codeKey(c.cmd));
      copied++;
      return false;
    });
  }
  fs.mkdirSync(path.dirname(p.output), { recursive: true });
  const eigen = path.relative(root, p.eigen).startsWith('..') ? p.eigen : path.relative(root, p.eigen);
  const reused = copied ? ` (${copied} objects of build/obj reused)` : '';
  process.stderr.write(`gaussmix: building the native addon for ${what} (Eigen: ${eigen}): ${todo.length} of ${p.compiles.length} files${reused}, ${opts.jobs} at a time\n`);

  const bar = progress(todo.length);
  const warnings = [];
  let failed = null;
  let next = 0;
  const worker = async () => {
    while (!failed && next < todo.length) {
      const c = todo[next++];
      if (opts.verbose) process.stderr.write(`${c.cmd.join(' ')}\n`);
      const r = await run(c.cmd);
      if (r.code !== 0) {
        failed ??= { label: c.label, output: r.output };
        return;
      }
      fs.writeFileSync(`${c.obj}.key`, codeKey(c.cmd));
      if (r.output.trim()) warnings.push(r.output);
      bar.step(c.label);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, todo.length) }, worker));
  if (failed) {
    bar.end(`gaussmix: compiling ${failed.label} failed:`);
    process.stderr.write(failed.output);
    throw new Error(`build-native: compiling ${failed.label} failed (see above)`);
  }
  if (opts.mode !== 'install') for (const w of warnings) process.stderr.write(w);

  if (opts.verbose) process.stderr.write(`${p.link.join(' ')}\n`);
  const linked = await run(p.link);
  if (linked.code !== 0) {
    bar.end('gaussmix: linking failed:');
    process.stderr.write(linked.output);
    throw new Error('build-native: linking failed (see above)');
  }
  if (p.stripDarwin) execFileSync('strip', ['-x', p.output]);
  if (opts.mode === 'install' && !keep) fs.rmSync(p.objDir, { recursive: true, force: true });
  const size = (fs.statSync(p.output).size / 1048576).toFixed(1);
  bar.end(`gaussmix: built ${path.relative(root, p.output)} (${size} MB) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    await build(parseArgs(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`\n${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
