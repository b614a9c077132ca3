/**
 * The types of the subpath `gaussmix/distributed` as a user's TypeScript sees them through the
 * package's exports: an ES module (.mts, the "import" condition) and a CommonJS module (.cts, the
 * "require" condition) of a project that depends on gaussmix type-check under NodeNext, and a
 * wrong option is a type error in both. Compiles against the built package (dist/).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkFreshDist, root } from './helpers/distributed.js';

const CONSUMER = `
import { GaussianMixture, SoftKMeans } from 'gaussmix';
import { fitDistributed, startWorker, type DistributedFitOptions, type WorkerOptions } from 'gaussmix/distributed';

const options: DistributedFitOptions = { connection: { host: '127.0.0.1', port: 6379, password: 'p' }, queue: 'q', jobTimeoutMs: 1000 };
const fitted: Promise<GaussianMixture> = fitDistributed(new GaussianMixture({ nComponents: 2 }), [{ file: 'a' }], options);
const soft: Promise<SoftKMeans> = fitDistributed(new SoftKMeans({ nClusters: 2 }), [1, 2], options);
const worker: WorkerOptions = { connection: { host: '127.0.0.1' }, loadShard: (spec) => [[Number(spec)]], concurrency: 2 };
const closing: Promise<void> = startWorker(worker).then((w) => w.close());
// @ts-expect-error connection is required
void fitDistributed(new GaussianMixture({ nComponents: 2 }), [], { queue: 'q' });
// @ts-expect-error jobTimeoutMs is a number
void fitDistributed(new GaussianMixture({ nComponents: 2 }), [], { connection: {}, jobTimeoutMs: '5' });
export { fitted, soft, closing };
`;

let dir: string;

beforeAll(() => {
  checkFreshDist();
  // A project of a user: its node_modules/gaussmix is this package.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaussmix-types-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'gaussmix'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  fs.writeFileSync(path.join(dir, 'esm.mts'), CONSUMER);
  fs.writeFileSync(path.join(dir, 'cjs.cts'), CONSUMER);
  const tsconfig = {
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      noEmit: true,
      skipLibCheck: true,
      typeRoots: [path.join(root, 'node_modules', '@types')],
      types: ['node'],
    },
    files: ['esm.mts', 'cjs.cts'],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("gaussmix/distributed's types", () => {
  it('type-check from an ES module and a CommonJS module of a project that depends on gaussmix', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir, '--traceResolution'], { encoding: 'utf8', timeout: 120_000 });
    const diagnostics = r.stdout.split('\n').filter((l) => /error TS/.test(l));
    expect(diagnostics, r.stderr).toEqual([]);
    expect(r.status).toBe(0);
    // Each module kind took its own declarations (the exports' conditions).
    const resolved = (from: string): string | undefined =>
      new RegExp(`Module name 'gaussmix/distributed' was successfully resolved to '([^']+)'`).exec(
        r.stdout.slice(r.stdout.indexOf(`Resolving module 'gaussmix/distributed' from '${path.join(dir, from)}'`)),
      )?.[1];
    expect(resolved('esm.mts')).toMatch(/dist\/esm\/distributed\/index\.d\.ts$/);
    expect(resolved('cjs.cts')).toMatch(/dist\/cjs\/distributed\/index\.d\.ts$/);
  }, 180_000);
});
