/**
 * The seed contract (API.md: "same seed => bit-identical result for ANY thread count"): every
 * estimator, fitted with the same seed and options on the same data, with threads 1, 2, 3 and
 * 8, gives bit-identical fitted arrays and scalars (and predictions), with and without sample
 * weights. The process cap is raised to 8 for this file (test/helpers/threads.ts), so 8 threads
 * run even on a 2-core machine: the pool still splits the rows into the same fixed blocks, only
 * more threads take them.
 *
 * The data (N = 36,000, D = 3, non-integer weights) spans 9 row blocks, so every one of 8
 * threads takes part in every parallel sum (seeding potentials, moments, inertia,
 * log-likelihood).
 */
import { describe, expect, it } from 'vitest';

import { GaussianKMeans, GaussianMixture, KMeans, SoftKMeans, type SklearnCovarianceType as CovarianceType, type NDArray } from '../lib/index.js';
import { expectIdentical } from './helpers/compare.js';
import { mulberry32, sampleMixture, THREE_CLUSTERS } from './helpers/random.js';
import { expectRealThreads, raiseThreadCap } from './helpers/threads.js';

const N = 36_000;
const D = 3;
const { data } = sampleMixture(2024, THREE_CLUSTERS, N);
const X: NDArray = { data, shape: [N, D] };
const rng = mulberry32(2025);
const WEIGHTS = Array.from({ length: N }, () => (rng() < 0.05 ? 0 : 0.1 + rng() * 3));
const THREADS = [1, 2, 3, 8] as const;
raiseThreadCap(8);

/** A fitted model reduced to its arrays and scalars, and a few predictions. */
interface Fingerprint {
  arrays: Record<string, Float64Array | Int32Array>;
  scalars: Record<string, number | boolean>;
}

function expectSameFingerprint(a: Fingerprint, b: Fingerprint, what: string): void {
  for (const key of Object.keys(b.arrays)) expectIdentical(a.arrays[key], b.arrays[key], `${what}: ${key}`);
  for (const key of Object.keys(b.scalars)) {
    expect(Object.is(a.scalars[key], b.scalars[key]), `${what}: ${key} ${String(a.scalars[key])} vs ${String(b.scalars[key])}`).toBe(true);
  }
}

/** Fits with each thread count and checks every fingerprint against the one of threads = 1. */
function expectThreadInvariant(what: string, fit: (threads: number) => Fingerprint): void {
  expectRealThreads(N, 8);
  const reference = fit(THREADS[0]);
  for (const threads of THREADS.slice(1)) expectSameFingerprint(fit(threads), reference, `${what}, threads ${threads}`);
}

const probe: NDArray = { data: data.subarray(0, 600 * D), shape: [600, D] };

function mixtureFingerprint(gm: GaussianMixture): Fingerprint {
  return {
    arrays: {
      weights: gm.weights,
      means: gm.means.data as Float64Array,
      covariances: gm.covariances.data as Float64Array,
      precisionsCholesky: gm.precisionsCholesky.data as Float64Array,
      predictProba: gm.predictProba(probe).data as Float64Array,
    },
    scalars: { lowerBound: gm.lowerBound, nIter: gm.nIter, converged: gm.converged },
  };
}

describe.each([
  ['unweighted', undefined],
  ['weighted', WEIGHTS],
] as const)('bit-identical for threads 1, 2, 3, 8 (%s)', (_what, sampleWeight) => {
  const fo = sampleWeight ? { sampleWeight } : undefined;

  it.each(['k-means++', 'random'] as const)('KMeans (init %s, nInit 3)', (init) => {
    expectThreadInvariant(`KMeans ${init}`, (threads) => {
      const km = new KMeans({ nClusters: 5, init, nInit: 3, seed: 11, threads }).fitSync(X, fo);
      return {
        arrays: { clusterCenters: km.clusterCenters.data as Float64Array, labels: km.labels, weights: km.weights, transform: km.transform(probe).data as Float64Array },
        scalars: { inertia: km.inertia, nIter: km.nIter, converged: km.converged },
      };
    });
  });

  it('SoftKMeans (k-means++, nInit 2)', () => {
    expectThreadInvariant('SoftKMeans', (threads) => {
      const sk = new SoftKMeans({ nClusters: 4, stiffness: 0.8, nInit: 2, seed: 12, threads, maxIter: 30 }).fitSync(X, fo);
      return {
        arrays: { means: sk.means.data as Float64Array, weights: sk.weights, predictProba: sk.predictProba(probe).data as Float64Array },
        scalars: { lowerBound: sk.lowerBound, nIter: sk.nIter, converged: sk.converged },
      };
    });
  });

  it.each(['full', 'tied', 'diag', 'spherical'] as CovarianceType[])('GaussianMixture (%s, init kmeans, nInit 2)', (covarianceType) => {
    expectThreadInvariant(`GaussianMixture ${covarianceType}`, (threads) =>
      mixtureFingerprint(new GaussianMixture({ nComponents: 4, covarianceType, nInit: 2, seed: 13, threads, maxIter: 30 }).fitSync(X, fo)),
    );
  });

  it('GaussianKMeans (init k-means++)', () => {
    expectThreadInvariant('GaussianKMeans', (threads) =>
      mixtureFingerprint(new GaussianKMeans({ nComponents: 4, init: 'k-means++', seed: 14, threads, maxIter: 30 }).fitSync(X, fo)),
    );
  });

  it('fit (worker thread) equals fitSync', async () => {
    const a = await new KMeans({ nClusters: 5, seed: 11, threads: 3 }).fit(X, fo);
    const b = new KMeans({ nClusters: 5, seed: 11, threads: 2 }).fitSync(X, fo);
    expectIdentical(a.clusterCenters, b.clusterCenters, 'KMeans async vs sync');
    const c = await new SoftKMeans({ nClusters: 4, seed: 12, threads: 8, maxIter: 30 }).fit(X, fo);
    const d = new SoftKMeans({ nClusters: 4, seed: 12, threads: 1, maxIter: 30 }).fitSync(X, fo);
    expectIdentical(c.means, d.means, 'SoftKMeans async vs sync');
  });
});

describe('bits that do not follow where buffers were allocated', () => {
  // The same fit after allocations of assorted sizes (which move where the native statistics
  // and scratch buffers land): an Eigen reduction over a map of such a buffer starts its packets
  // at the first aligned address, so its bits would follow the allocation (EII pooled its K
  // traces so: K 4 is one AVX2 packet, K 8 one AVX-512 packet).
  const rows = { data: data.subarray(0, 2000 * D), shape: [2000, D] };
  const mixtures = [['EII', 4], ['EII', 8], ['VII', 8], ['EEI', 8], ['EEE', 8], ['VVV', 8], ['VEV', 4], ['full', 8], ['tied', 8], ['diag', 8], ['spherical', 8]] as const;
  const models: [string, () => GaussianMixture | KMeans | SoftKMeans][] = [
    ...mixtures.map(([covarianceType, k]): [string, () => GaussianMixture] => [
      `GaussianMixture ${covarianceType}, K ${k}`,
      () => new GaussianMixture({ nComponents: k, covarianceType, seed: 7, tol: 0, maxIter: 30, regCovar: 1e-6, warnings: 'silent' }).fitSync(rows),
    ]),
    ['KMeans, K 16', () => new KMeans({ nClusters: 16, seed: 7, tol: 0, maxIter: 30, warnings: 'silent' }).fitSync(rows)],
    ['SoftKMeans, K 16', () => new SoftKMeans({ nClusters: 16, seed: 7, tol: 0, maxIter: 30, warnings: 'silent' }).fitSync(rows)],
  ];
  const bitsOf = (m: GaussianMixture | KMeans | SoftKMeans): Float64Array[] =>
    m instanceof KMeans
      ? [m.clusterCenters.data as Float64Array, Float64Array.of(m.inertia)]
      : m instanceof SoftKMeans
        ? [m.means.data as Float64Array, m.weights, Float64Array.of(m.lowerBound)]
        : [m.weights, m.means.data as Float64Array, m.covariances.data as Float64Array, Float64Array.of(m.lowerBound)];
  it.each(models)('%s: every fit the same bits', (_name, fit) => {
    const reference = bitsOf(fit());
    const kept: Float64Array[] = [];
    for (let i = 0; i < 24; i++) {
      kept.push(new Float64Array(97 + 131 * i), new Float64Array(2 + i));
      const again = bitsOf(fit());
      again.forEach((a, j) => expectIdentical(a, reference[j], `result ${j} after ${i + 1} allocations`));
    }
    expect(kept).toHaveLength(48);
  });
});
