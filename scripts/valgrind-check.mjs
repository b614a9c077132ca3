#!/usr/bin/env node
// Runs scripts/valgrind-workload.mjs (every estimator fits, predicts, samples, round-trips JSON,
// fails and aborts on small data) under valgrind memcheck, once per SIMD variant the addon
// offers on this CPU (the default, then GAUSSMIX_SIMD=baseline), and fails on any memcheck
// error whose stack passes through our code: invalid reads/writes, uses of uninitialised values,
// invalid frees, and definite or indirect leaks allocated from the addon. Errors entirely
// inside node/V8/libuv (which valgrind reports in numbers for a JIT runtime) are counted and
// listed by kind but do not fail the check; scripts/valgrind-node.supp silences the known ones.
//
//   node scripts/valgrind-check.mjs           the addon node-gyp-build loads (build/Release)
//   GAUSSMIX_ADDON=path/to/x.node node ...    that addon (e.g. a RelWithDebInfo build, for
//                                             file:line in the stacks)
//
// Needs the TypeScript build (npm run build:ts) and valgrind. Node runs with --jitless, which
// keeps V8 from generating code valgrind would have to re-translate (and most of the noise).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workload = path.join(root, 'scripts', 'valgrind-workload.mjs');
const suppressions = path.join(root, 'scripts', 'valgrind-node.supp');

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind-check: valgrind is not installed');
  process.exit(1);
}
if (!fs.existsSync(path.join(root, 'dist', 'esm', 'index.js'))) {
  console.error('valgrind-check: no dist/esm build (npm run build:ts)');
  process.exit(1);
}

/** Our code in a stack frame: the addon's object, or a source file of native/. */
function isOurs(frame) {
  return /gaussmix[^/]*\.node$/.test(frame.obj ?? '') || /(^|\/)native\/(core|binding)\//.test(frame.dir ?? '') || /\bgaussmix(_v3)?::/.test(frame.fn ?? '');
}

/** The <error> records of a valgrind XML file, each with its kind and frames. */
function parseErrors(xml) {
  const errors = [];
  for (const block of xml.split('<error>').slice(1)) {
    const body = block.slice(0, block.indexOf('</error>'));
    const kind = /<kind>([^<]*)<\/kind>/.exec(body)?.[1] ?? '?';
    const what = /<text>([^<]*)<\/text>/.exec(body)?.[1] ?? /<what>([^<]*)<\/what>/.exec(body)?.[1] ?? '';
    const frames = [...body.matchAll(/<frame>([\s\S]*?)<\/frame>/g)].map(([, f]) => ({
      obj: /<obj>([^<]*)<\/obj>/.exec(f)?.[1],
      fn: /<fn>([^<]*)<\/fn>/.exec(f)?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
      dir: /<dir>([^<]*)<\/dir>/.exec(f)?.[1],
      file: /<file>([^<]*)<\/file>/.exec(f)?.[1],
      line: /<line>([^<]*)<\/line>/.exec(f)?.[1],
    }));
    errors.push({ kind, what, frames });
  }
  return errors;
}

function run(label, env) {
  const xmlFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gaussmix-valgrind-')), 'memcheck.xml');
  const args = [
    '--tool=memcheck',
    '--xml=yes',
    `--xml-file=${xmlFile}`,
    '--error-limit=no',
    '--num-callers=50',
    '--track-origins=yes',
    '--leak-check=full',
    '--show-leak-kinds=definite,indirect',
    '--errors-for-leak-kinds=definite,indirect',
    `--suppressions=${suppressions}`,
    process.execPath,
    '--jitless',
    workload,
  ];
  const t0 = Date.now();
  const r = spawnSync('valgrind', args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = ((Date.now() - t0) / 1000).toFixed(0);
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const done = /valgrind workload: done \(addon SIMD variant ([\w-]+)\)/.exec(out);
  if (r.status !== 0 || !done) {
    console.error(`valgrind-check [${label}]: the workload failed (exit ${r.status}):\n${out}`);
    return false;
  }
  const errors = parseErrors(fs.readFileSync(xmlFile, 'utf8'));
  const ours = errors.filter((e) => e.frames.some(isOurs));
  const noise = new Map();
  for (const e of errors) if (!ours.includes(e)) noise.set(e.kind, (noise.get(e.kind) ?? 0) + 1);
  const noiseText = noise.size ? [...noise].map(([k, n]) => `${n} ${k}`).join(', ') : 'none';
  console.log(
    `valgrind-check [${label}, variant ${done[1]}]: ${ours.length} error(s) in gaussmix, ` +
      `outside it: ${noiseText} (${seconds} s)`,
  );
  for (const e of ours) {
    console.error(`\n  ${e.kind}: ${e.what}`);
    for (const f of e.frames.slice(0, 25)) {
      console.error(`    ${f.fn ?? '???'} ${f.file ? `(${f.file}:${f.line})` : `[${path.basename(f.obj ?? '?')}]`}`);
    }
  }
  if (ours.length === 0) fs.rmSync(path.dirname(xmlFile), { recursive: true, force: true });
  else console.error(`\n  (full report: ${xmlFile})`);
  return ours.length === 0;
}

// (valgrind does not emulate AVX-512: under it an AVX-512 CPU runs the AVX2 copy by default.)
const results = [run('default', {}), run('baseline', { GAUSSMIX_SIMD: 'baseline' })];
if (results.every(Boolean)) {
  console.log('valgrind-check: clean');
} else {
  console.error('valgrind-check: FAILED');
  process.exit(1);
}
