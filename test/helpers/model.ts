/** Snapshots and bit-identical comparison of fitted GaussianMixture models. */
import { expect } from 'vitest';

import type { GaussianMixture } from '../../lib/index.js';
import { expectIdentical } from './compare.js';

/** The fitted state of a model, copied out (every array is a fresh Float64Array). */
export interface ModelSnapshot {
  weights: Float64Array;
  means: Float64Array;
  covariances: Float64Array;
  precisionsCholesky: Float64Array;
  lowerBound: number;
  nIter: number;
  converged: boolean;
}

export function snapshot(gm: GaussianMixture): ModelSnapshot {
  return {
    weights: Float64Array.from(gm.weights),
    means: Float64Array.from(gm.means.data),
    covariances: Float64Array.from(gm.covariances.data),
    precisionsCholesky: Float64Array.from(gm.precisionsCholesky.data),
    lowerBound: gm.lowerBound,
    nIter: gm.nIter,
    converged: gm.converged,
  };
}

/** Asserts two snapshots are bit-identical (Buffer equality of every array, Object.is of scalars). */
export function expectSameModel(actual: ModelSnapshot, expected: ModelSnapshot, what: string): void {
  expectIdentical(actual.weights, expected.weights, `${what}: weights`);
  expectIdentical(actual.means, expected.means, `${what}: means`);
  expectIdentical(actual.covariances, expected.covariances, `${what}: covariances`);
  expectIdentical(actual.precisionsCholesky, expected.precisionsCholesky, `${what}: precisionsCholesky`);
  expect(Object.is(actual.lowerBound, expected.lowerBound), `${what}: lowerBound ${actual.lowerBound} vs ${expected.lowerBound}`).toBe(true);
  expect(actual.nIter, `${what}: nIter`).toBe(expected.nIter);
  expect(actual.converged, `${what}: converged`).toBe(expected.converged);
}

/**
 * Full covariance matrices [K][D][D] of a fitted model, whatever its covarianceType
 * (tied: the shared matrix per component; diag: diagonal; spherical: σ²·I).
 */
export function fullCovariances(gm: GaussianMixture): number[][][] {
  const k = gm.nComponents;
  const d = gm.means.shape[1] as number;
  const c = gm.covariances.data;
  const out: number[][][] = [];
  for (let j = 0; j < k; j++) {
    const m: number[][] = [];
    for (let a = 0; a < d; a++) {
      const row: number[] = [];
      for (let b = 0; b < d; b++) {
        switch (gm.covarianceType) {
          case 'full':
            row.push(c[j * d * d + a * d + b] as number);
            break;
          case 'tied':
            row.push(c[a * d + b] as number);
            break;
          case 'diag':
            row.push(a === b ? (c[j * d + a] as number) : 0);
            break;
          case 'spherical':
            row.push(a === b ? (c[j] as number) : 0);
            break;
        }
      }
      m.push(row);
    }
    out.push(m);
  }
  return out;
}
