// The packed options of a mixture fit (lib/mixture-packing.ts): the binding reads them into
// the very options it reads from the object, so a packed fit and an object fit give the same
// bits for every field the packer carries; options it cannot pack stay an object; malformed
// packed numbers are a TypeError naming the field. The compact result cuts into the arrays of
// the fit's shapes; fits with an M-step state or re-seeds come back as objects.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { mixtureOptionsPacker, unpackMixtureFit } from '../lib/mixture-packing.js';
import type { CovarianceTypeDescriptor } from '../lib/covariance-types.js';
import type { NativeMixtureFit, NativeMixtureOptions } from '../lib/native.js';
import { mulberry32, normalSource } from './helpers/random.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The addon's own exports (the object path and the packed path side by side). */
interface Raw {
  covarianceTypes: readonly CovarianceTypeDescriptor[];
  fitMixtureSync(X: Float64Array, n: number, d: number, options: NativeMixtureOptions | Float64Array): NativeMixtureFit | Float64Array;
}
const raw = (createRequire(import.meta.url)('node-gyp-build') as (dir: string) => Raw)(root);
const pack = mixtureOptionsPacker(raw.covarianceTypes);

const n = 300;
const d = 2;
const X = (() => {
  const normal = normalSource(mulberry32(11));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = 4 * (i % 3) + normal();
  return x;
})();

const base: NativeMixtureOptions = {
  nComponents: 3,
  covarianceType: 'full',
  tol: 1e-3,
  maxIter: 100,
  nInit: 1,
  seed: 7,
  threads: 1,
  regCovar: 1e-6,
  init: 'kmeans',
};

const variants: Partial<NativeMixtureOptions>[] = [
  {},
  { covarianceType: 'tied', seed: 3 },
  { covarianceType: 'diag', init: 'k-means++', nInit: 2 },
  { covarianceType: 'spherical', init: 'random', threads: 2 },
  { init: 'random-from-data', maxIter: 3, tol: 0 },
  { covarianceType: 'VVV', init: 'hc', regCovar: 0 },
  { covarianceType: 'VEV', mStepTol: 1e-4, mStepMaxIter: 7, regCovar: 0 },
  { covarianceType: 'EII', hypervolume: 400, regCovar: 0 },
  { onCollapse: 'reseed', seed: 2 ** 40 + 1 },
  { previousLowerBound: -3.5, maxIter: 2 },
];

describe('packed mixture options', () => {
  it.each(variants.map((v) => [JSON.stringify(v), v] as const))('fit the bits of the object options %s', (_, v) => {
    const options = { ...base, ...v };
    const packed = pack(options);
    expect(packed).toBeInstanceOf(Float64Array);
    const fromObject = raw.fitMixtureSync(X, n, d, options);
    const fromPacked = raw.fitMixtureSync(X, n, d, packed);
    expect(fromPacked).toEqual(fromObject);
  });

  it('leave options with arrays or objects, or names they do not know, as objects', () => {
    for (const extra of [
      { sampleWeight: new Float64Array(n).fill(1) },
      { weightsInit: new Float64Array([0.2, 0.3, 0.5]) },
      { noiseRows: new Int32Array([1]) },
      { prior: { shrinkage: 0.01, mean: [0, 0], dof: 4, scale: [1, 0, 0, 1] } },
      { covarianceType: 'nonsense' },
      { init: 'nonsense' },
      { onCollapse: 'nonsense' },
    ]) {
      const options = { ...base, ...extra } as NativeMixtureOptions;
      expect(pack(options)).toBe(options);
    }
  });

  it('name the field of a malformed packed number', () => {
    const cases: [number, number, RegExp][] = [
      [0, -1, /nComponents/],
      [1, 99, /covarianceType/],
      [2, NaN, /tol/],
      [5, 0.5, /seed/],
      [8, 9, /init/],
      [9, 2, /onCollapse/],
    ];
    for (const [field, value, message] of cases) {
      const packed = pack(base) as Float64Array;
      packed[field] = value;
      expect(() => raw.fitMixtureSync(X, n, d, packed)).toThrow(TypeError);
      expect(() => raw.fitMixtureSync(X, n, d, packed)).toThrow(message);
    }
    expect(() => raw.fitMixtureSync(X, n, d, new Float64Array(3))).toThrow(TypeError);
  });
});

describe('compact mixture fits', () => {
  it.each([
    ['full', 3, 3 * d * d],
    ['tied', 3, d * d],
    ['diag', 3, 3 * d],
    ['spherical', 3, 3],
    ['EII', 4, 3 * d * d],
  ] as const)('cut into the arrays of a %s fit', (covarianceType, weights, size) => {
    const options: NativeMixtureOptions = { ...base, covarianceType, ...(weights === 4 ? { hypervolume: 400, regCovar: 0 } : {}) };
    const compact = raw.fitMixtureSync(X, n, d, pack(options));
    expect(compact).toBeInstanceOf(Float64Array);
    const fit = unpackMixtureFit(options, compact);
    expect(fit.covarianceType).toBe(covarianceType);
    expect(fit.weights.length).toBe(weights);
    expect(fit.means.length).toBe(3 * d);
    expect(fit.covariances.length).toBe(size);
    expect(fit.precisionsCholesky.length).toBe(size);
    expect(typeof fit.converged).toBe('boolean');
    expect(Number.isInteger(fit.nIter) && fit.nIter > 0).toBe(true);
    expect(Number.isFinite(fit.lowerBound)).toBe(true);
    let sum = 0;
    for (const w of fit.weights) sum += w;
    expect(sum).toBeCloseTo(1, 12);
    // The last array ends where the buffer does.
    const last = fit.precisionsCholesky;
    expect(last.byteOffset + last.byteLength).toBe((compact as Float64Array).byteLength);
  });

  it('are objects when the fit has an M-step state', () => {
    const fit = raw.fitMixtureSync(X, n, d, pack({ ...base, covarianceType: 'VEV', regCovar: 0 }));
    expect(fit).not.toBeInstanceOf(Float64Array);
    expect((fit as NativeMixtureFit).mstepState).toBeInstanceOf(Float64Array);
  });
});
