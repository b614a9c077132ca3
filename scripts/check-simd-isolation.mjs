// Checks a built addon for the one hazard of compiling the core several times (baseline,
// AVX2/FMA, AVX-512): a function that baseline code can reach must not contain AVX (VEX- or
// EVEX-encoded) instructions. Every function with such instructions must belong to a variant's
// renamed namespaces (gaussmix_v3, EigenV3, gaussmix_v4, EigenV4) or be a local clone
// (lowercase 't' in nm) private to a variant's object. Usage: node scripts/check-simd-isolation.mjs build/Release/gaussmix.node
import { execFileSync } from 'node:child_process';

const file = process.argv[2] ?? 'build/Release/gaussmix.node';
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log('check-simd-isolation: only for x86-64 Linux builds; skipped');
  process.exit(0);
}
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
const local = new Set();
for (const line of run('nm', ['--defined-only', file]).split('\n')) {
  const m = /^[0-9a-f]+ ([tT]) (.+)$/.exec(line);
  if (m && m[1] === 't') local.add(m[2]);
}
const offenders = new Map();
let current = null;
for (const line of run('objdump', ['-d', '--no-show-raw-insn', file]).split('\n')) {
  const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
  if (head) {
    current = head[1];
    continue;
  }
  if (!current || !/\tv[a-z0-9]+\s/.test(line)) continue;
  if (/gaussmix_v[34]|EigenV[34]/.test(current) || local.has(current)) continue;
  offenders.set(current, (offenders.get(current) ?? 0) + 1);
}
if (offenders.size > 0) {
  console.error(`check-simd-isolation: ${offenders.size} shared function(s) contain AVX code:`);
  for (const [name, count] of offenders) console.error(`  ${count}\t${name}`);
  process.exit(1);
}
console.log(`check-simd-isolation: ${file}: no shared function contains AVX code`);
