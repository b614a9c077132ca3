/**
 * KMeans against scikit-learn 1.2.1 (`KMeans(algorithm='lloyd')`): every kmeans_*.json fixture
 * (see test/fixtures/README.md) is fitted from the fixture's explicit starting centres with the
 * fixture's options and sample weights (when the fixture has them), and the fitted centres,
 * labels, inertia, iteration count, and predict/transform on Xtest are compared with sklearn's.
 *
 * Tolerances:
 *
 * - clusterCenters, inertia: RTOL = 1e-8 relative (the README's contract). Both sides compute
 *   the same means in float64, only the summation order differs (sklearn: per-thread chunks in
 *   centred coordinates; gaussmix: fixed row blocks, centred too), which moves results by a few
 *   ulps (~1e-15). A real formula difference (a weighted tol scale, the wrong relocated row,
 *   an extra iteration) moves centres by >= 1e-3 (the README quantifies two of them: 0.76 and
 *   a different iteration count). The centres get an absolute floor of 1e-13 × the largest
 *   |centre coordinate| of the fixture, for a coordinate that happens to lie near 0, whose
 *   rounding error is relative to the data's scale rather than to itself.
 * - transform(Xtest): RTOL = 1e-8, no absolute floor. sklearn computes distances as
 *   sqrt(‖x‖² − 2x·c + ‖c‖²), whose squared value has an absolute error of about
 *   4·eps·(‖x‖² + ‖c‖²); gaussmix computes ‖x − c‖ directly (exact to rounding). The relative
 *   error of sklearn's distance is therefore about 2·eps·(‖x‖² + ‖c‖²)/d². The worst fixture
 *   case is kmeans_tol0_offset (data near +100: ‖x‖² up to 3.2e4; smallest distance 0.18),
 *   about 9e-10, and all other fixtures have ‖x‖² < 400 and d >= 0.03 (<= 3e-10): below 1e-8
 *   with a 10x margin.
 * - labels, nIter, predict(Xtest): exact. The README measures the smallest relative gap
 *   between the nearest and second-nearest centre over all iterations at 5e-5, far above
 *   rounding, so no label decision is borderline.
 * - converged: true exactly when sklearn stopped before maxIter (`expected.stop` is 'strict'
 *   or 'tol').
 */
import { afterAll, describe, expect, it } from 'vitest';

import { KMeans } from '../lib/index.js';
import { expectClose, expectIdentical, maxAbs } from './helpers/compare.js';
import { loadKMeansFixtures, type KMeansFixture } from './helpers/fixtures.js';

/** Relative tolerance on every float (see the header). */
const RTOL = 1e-8;
/** Absolute floor of the centres, as a fraction of their largest |coordinate| (see the header). */
const CENTRE_ATOL_SCALE = 1e-13;

const fixtures = loadKMeansFixtures();

/** The largest deviation per fixture, and per group (weighted / unweighted). */
const deviations: Record<string, { centres: number; inertia: number; transform: number }> = {};
const perGroup = { weighted: 0, unweighted: 0 };

function fitted(f: KMeansFixture, nInit = 1): KMeans {
  const km = new KMeans({ ...f.options, nInit, init: f.init.init, seed: 0 });
  return km.fitSync(f.X, f.sampleWeight ? { sampleWeight: f.sampleWeight } : undefined);
}

/** Compares a fitted model with the fixture; returns the largest relative deviation. */
function compare(km: KMeans, f: KMeansFixture): number {
  const e = f.expected;
  const centres = expectClose(km.clusterCenters, e.clusterCenters, RTOL, CENTRE_ATOL_SCALE * maxAbs(e.clusterCenters), `${f.name}: clusterCenters`);
  expect(km.clusterCenters.shape).toEqual([f.options.nClusters, f.X[0]?.length]);
  const inertia = expectClose(km.inertia, e.inertia, RTOL, 0, `${f.name}: inertia`);
  expect(Array.from(km.labels), `${f.name}: labels`).toEqual(e.labels);
  expect(km.nIter, `${f.name}: nIter`).toBe(e.nIter);
  expect(km.converged, `${f.name}: converged (sklearn stop '${e.stop}')`).toBe(e.stop !== 'maxIter');
  expect(Array.from(km.predict(f.Xtest)), `${f.name}: predict(Xtest)`).toEqual(e.labelsTest);
  const t = km.transform(f.Xtest);
  expect(t.shape).toEqual([f.Xtest.length, f.options.nClusters]);
  const transform = expectClose(t, e.transformTest, RTOL, 0, `${f.name}: transform(Xtest)`);
  deviations[f.name] = { centres, inertia, transform };
  const worst = Math.max(centres, inertia, transform);
  const group = f.sampleWeight ? 'weighted' : 'unweighted';
  perGroup[group] = Math.max(perGroup[group], worst);
  console.log(
    `[sklearn] ${f.name}: max rel dev ${worst.toExponential(2)} ` +
      `(centres ${centres.toExponential(2)}, inertia ${inertia.toExponential(2)}, transform ${transform.toExponential(2)})`,
  );
  return worst;
}

describe('KMeans matches scikit-learn 1.2.1 (test/fixtures/kmeans_*.json)', () => {
  it('has the fixtures (weighted and unweighted)', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(9);
    expect(fixtures.some((f) => f.sampleWeight)).toBe(true);
    expect(fixtures.some((f) => !f.sampleWeight)).toBe(true);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: fitSync', (_name, f) => {
    compare(fitted(f), f);
  });

  it('explicit centres make one run whatever nInit (as sklearn, which warns)', () => {
    const f = fixtures.find((x) => x.name === 'kmeans_tol_stop') as KMeansFixture;
    const inits = new Set<number>();
    const km = new KMeans({ ...f.options, nInit: 5, init: f.init.init, seed: 3 });
    km.fitSync(f.X, { onIteration: (i) => void inits.add(i.init) });
    expect([...inits]).toEqual([0]);
    compare(km, f);
  });

  it('kmeans_weighted_tol_stop: fit (async) matches sklearn and is bit-identical to fitSync', async () => {
    const f = fixtures.find((x) => x.name === 'kmeans_weighted_tol_stop') as KMeansFixture;
    const km = new KMeans({ ...f.options, init: f.init.init, seed: 0 });
    expect(await km.fit(f.X, { sampleWeight: f.sampleWeight })).toBe(km);
    compare(km, f);
    const sync = fitted(f);
    expectIdentical(km.clusterCenters, sync.clusterCenters, 'async vs sync clusterCenters');
    expectIdentical(km.labels, sync.labels, 'async vs sync labels');
    expect(Object.is(km.inertia, sync.inertia)).toBe(true);
  });

  afterAll(() => {
    console.log(`[sklearn] KMeans max relative deviation: ${JSON.stringify(perGroup)}`);
  });
});
