#!/usr/bin/env node
// lib/*.ts -> dist/esm (ES modules) and dist/cjs (CommonJS), each with its .d.ts files, so
// that `import` and `require` consumers both load real code (see "exports" in package.json);
// then cli/*.ts -> cli/dist, the `gaussmix` command of the gaussmix-cli workspace package.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

for (const dist of ['dist', 'cli/dist']) fs.rmSync(path.join(root, dist), { recursive: true, force: true });
// cli/tsconfig.json last: the command imports the library's dist/esm (as 'gaussmix').
for (const project of ['tsconfig.esm.json', 'tsconfig.cjs.json', 'cli/tsconfig.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
}
// The package is "type": "module"; this marks dist/cjs/*.js (and its .d.ts) as CommonJS.
fs.writeFileSync(path.join(root, 'dist', 'cjs', 'package.json'), '{\n  "type": "commonjs"\n}\n');
// The `gaussmix` bin: tsc writes files with the umask's mode; a shebang file must be executable.
fs.chmodSync(path.join(root, 'cli', 'dist', 'gaussmix.js'), 0o755);
