// A consumer project of the drop-ins: `import skmeans from 'gaussmix/compat/skmeans'`,
// `require('gaussmix/compat/ml-kmeans')` and their TypeScript types, resolved through the
// package's "exports" (dist/, built by the global setup) from a project of its own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = resolve(__dirname, '..');
let project: string;

const data = '[[0, 0], [0, 1], [10, 10], [10, 11]]';
const start = '[[0, 0], [10, 10]]';
// What each consumer prints: both entry points on the same data.
const body = `
const a = skmeans(${data}, 2, ${start});
const b = kmeans(${data}, 2, { initialization: ${start} });
console.log(JSON.stringify({ idxs: a.idxs, centroids: a.centroids, it: a.it, clusters: b.clusters, converged: b.converged }));
`;
const expected = { idxs: [0, 0, 1, 1], centroids: [[0, 0.5], [10, 10.5]], it: 1, clusters: [0, 0, 1, 1], converged: true };

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'gaussmix-consumer-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(root, join(project, 'node_modules', 'gaussmix'), 'dir');
  writeFileSync(join(project, 'esm.mjs'), `import skmeans from 'gaussmix/compat/skmeans';\nimport { kmeans } from 'gaussmix/compat/ml-kmeans';\n${body}`);
  writeFileSync(join(project, 'cjs.cjs'), `const skmeans = require('gaussmix/compat/skmeans');\nconst { kmeans } = require('gaussmix/compat/ml-kmeans');\n${body}`);
  // Typed consumers: results typed as the packages type them, wrong calls rejected.
  const typed = `
const rows: number[][] = ${data};
const a = skmeans(rows, 2, ${start});
const idxs: number[] = a.idxs;
const centroid: number[] = a.centroids[0]!;
const near: number = a.test([1, 1]).idx;
const one = skmeans([1, 2, 3], 2, 'kmpp');
const c1: number = one.centroids[0]!;
const b = kmeans(rows, 2, { initialization: 'kmeans++', seed: 1, maxIterations: 10 });
const clusters: number[] = b.clusters;
const info: number = b.computeInformation(rows)[0]!.size;
// @ts-expect-error k is a number
skmeans(rows, '2');
// @ts-expect-error not an initialization
kmeans(rows, 2, { initialization: 'best' });
export { idxs, centroid, near, c1, clusters, info };
`;
  writeFileSync(join(project, 'typed.mts'), `import skmeans from 'gaussmix/compat/skmeans';\nimport { kmeans } from 'gaussmix/compat/ml-kmeans';\n${typed}`);
  writeFileSync(
    join(project, 'typed.cts'),
    `import skmeans = require('gaussmix/compat/skmeans');\nimport ml = require('gaussmix/compat/ml-kmeans');\nconst { kmeans } = ml;\n${typed}`,
  );
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

const run = (file: string) => JSON.parse(execFileSync(process.execPath, [join(project, file)], { cwd: project, encoding: 'utf8' }));

test('ES module consumer: import skmeans from gaussmix/compat/skmeans', () => {
  expect(run('esm.mjs')).toEqual(expected);
});

test('CommonJS consumer: require() returns the skmeans function and the ml-kmeans exports', () => {
  expect(run('cjs.cjs')).toEqual(expected);
});

test('TypeScript consumers (ESM and CommonJS) type-check against the exported types', () => {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node', '--skipLibCheck'];
  const result = (() => {
    try {
      return execFileSync(process.execPath, [tsc, ...args, 'typed.mts', 'typed.cts'], { cwd: project, encoding: 'utf8' });
    } catch (err) {
      return String((err as { stdout?: string }).stdout ?? err);
    }
  })();
  expect(result).toBe('');
});

// `"module": "commonjs"` alone means moduleResolution node10, which reads no "exports": the
// subpaths' typings come through "typesVersions" (package.json) there.
test('TypeScript with moduleResolution node10 resolves every subpath of "exports" to its typings', () => {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  writeFileSync(
    join(project, 'node10.ts'),
    `import { GaussianMixture } from 'gaussmix';
import { csvNumbers } from 'gaussmix/csv';
import skmeans = require('gaussmix/compat/skmeans');
import { kmeans } from 'gaussmix/compat/ml-kmeans';
import type { openArrowFile } from 'gaussmix/arrow-file';
import type { fitDistributed } from 'gaussmix/distributed';
const gm: GaussianMixture = new GaussianMixture({ nComponents: 2 });
type Opened = typeof openArrowFile;
type Distributed = typeof fitDistributed;
export { gm, csvNumbers, skmeans, kmeans, type Opened, type Distributed };
`,
  );
  const args = ['--noEmit', '--strict', '--module', 'commonjs', '--moduleResolution', 'node10', '--target', 'es2022', '--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node', '--skipLibCheck', '--ignoreDeprecations', '5.0'];
  const result = (() => {
    try {
      return execFileSync(process.execPath, [tsc, ...args, 'node10.ts'], { cwd: project, encoding: 'utf8' });
    } catch (err) {
      return String((err as { stdout?: string }).stdout ?? err);
    }
  })();
  expect(result).toBe('');
});
