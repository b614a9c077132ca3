// KMeans properties against the real native addon: labels belong to the final centres, the
// inertia is what it says, empty clusters are re-seeded by scikit-learn's rule, seeding is
// reproducible, nInit keeps the best restart, sample weights mean repetition, and the fit
// protocol (onIteration, abort, busy, input errors, JSON) is GaussianMixture's.
import { describe, expect, it } from 'vitest';

import { ErrorCode, KMeans, type NDArray } from '../lib/index.js';
import { expectClose, expectIdentical } from './helpers/compare.js';
import { caught, describeFitProtocol, expectCode, expectCorruptionsRejected, type Corruption, snapshot } from './helpers/protocol.js';
import { mulberry32, repeatLabels, repeatRows, sampleMixture, THREE_CLUSTERS } from './helpers/random.js';

/** 3-D data from three well-separated clusters (test/helpers/random.ts). */
function threeClusters(n: number, seed = 1): NDArray {
  const { data, d } = sampleMixture(seed, THREE_CLUSTERS, n);
  return { data, shape: [n, d] };
}

/** Uniform data in the unit square: many local optima, slow Lloyd convergence. */
function uniform(n: number, seed: number): NDArray {
  const u = mulberry32(seed);
  return { data: new Float64Array(n * 2).map(() => u()), shape: [n, 2] };
}

const X = threeClusters(600);
const N = 600;
const D = 3;

function row(x: NDArray, i: number): Float64Array {
  const d = x.shape[1] as number;
  return x.data.subarray(i * d, (i + 1) * d) as Float64Array;
}

function dist2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += ((a[j] as number) - (b[j] as number)) ** 2;
  return s;
}

/** Σ w‖x − c_label‖², recomputed in plain float64. */
function inertiaOf(x: NDArray, centres: NDArray, labels: Int32Array, w?: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    s += (w ? (w[i] as number) : 1) * dist2(row(x, i), row(centres, labels[i] as number));
  }
  return s;
}

/** Three starting centres: two inside clusters, one far from every point. */
const FAR_START = [
  [0, 0, 0],
  [5, 1, -2],
  [40, 40, 40],
];

describe('fitted state', () => {
  it.each([
    ['k-means++', 1],
    ['random', 2],
    ['k-means++ with tol stop and relabelling', 3],
  ] as const)('labels belong to the final centres (%s)', (_what, seed) => {
    // Strongly overlapping data and a loose tol stop on the centre shift, so the labels must be
    // recomputed after the last update (sklearn's final relabelling).
    const data = uniform(3000, seed);
    const km = new KMeans({ nClusters: 7, seed, tol: seed === 3 ? 1e-2 : 1e-4, init: seed === 2 ? 'random' : 'k-means++' });
    km.fitSync(data);
    expect(Array.from(km.predict(data))).toEqual(Array.from(km.labels));
    // ... and the nearest centre by the exact distance (transform) too.
    const t = km.transform(data);
    for (let i = 0; i < 3000; i++) {
      const drow = Array.from(t.data.subarray(i * 7, i * 7 + 7));
      expect(drow.indexOf(Math.min(...drow))).toBe(km.labels[i]);
    }
  });

  it('inertia is Σ w‖x − c_label‖² (unweighted and weighted), and score(X) is its opposite', () => {
    const km = new KMeans({ nClusters: 3, seed: 4 }).fitSync(X);
    // Relative 1e-12: the same sum in another order and centring (native: centred on the data
    // mean in row blocks; here: plain sequential float64), ~N·eps = 1e-13 at most.
    expectClose(km.inertia, inertiaOf(X, km.clusterCenters, km.labels), 1e-12, 0, 'inertia');
    expectClose(-km.score(X), km.inertia, 1e-12, 0, 'score');
    const w = Array.from({ length: N }, (_, i) => 0.25 + (i % 7) * 0.5);
    const kw = new KMeans({ nClusters: 3, seed: 4 }).fitSync(X, { sampleWeight: w });
    expectClose(kw.inertia, inertiaOf(X, kw.clusterCenters, kw.labels, w), 1e-12, 0, 'weighted inertia');
    expectClose(-kw.score(X, w), kw.inertia, 1e-12, 0, 'weighted score');
    expect(kw.score(X, w)).not.toBe(kw.score(X));
  });

  it('weights are the share of the sample weight per cluster; transform has the exact distances', () => {
    const w = Array.from({ length: N }, (_, i) => (i % 3) + 1);
    const km = new KMeans({ nClusters: 3, seed: 4 }).fitSync(X, { sampleWeight: w });
    const share = [0, 0, 0];
    for (let i = 0; i < N; i++) share[km.labels[i] as number] += w[i] as number;
    const total = w.reduce((a, b) => a + b, 0);
    // Integer weights: every sum here is exact, so only the final division rounds.
    expect(Array.from(km.weights)).toEqual(share.map((s) => s / total));
    const t = km.transform(X);
    expect(t.shape).toEqual([N, 3]);
    for (let i = 0; i < N; i += 37) {
      for (let c = 0; c < 3; c++) {
        // Relative 1e-14: both are sqrt(Σ(x − c)²) in float64, possibly summed in another order.
        expectClose(t.data[i * 3 + c], Math.sqrt(dist2(row(X, i), row(km.clusterCenters, c))), 1e-14, 0, 'transform');
      }
    }
  });

  it('returns copies', () => {
    const km = new KMeans({ nClusters: 3, seed: 1 }).fitSync(X);
    const before = km.predict(X);
    (km.clusterCenters.data as Float64Array).fill(1e9);
    km.labels.fill(-1);
    km.weights.fill(0);
    expectIdentical(km.predict(X), before, 'predict after mutating copies');
    expect(km.labels[0]).not.toBe(-1);
  });
});

describe('empty clusters', () => {
  it('are re-seeded at the point farthest from its centre (scikit-learn rule), checked after one iteration', () => {
    const km = new KMeans({ nClusters: 3, init: FAR_START, maxIter: 1 }).fitSync(X);
    // Expected, by hand: assign to the starting centres; cluster 2 is empty; it takes the row
    // farthest from its own assigned centre, which leaves its cluster; then average.
    const labels: number[] = [];
    let far = -1;
    let farD = -1;
    for (let i = 0; i < N; i++) {
      const d = FAR_START.map((c) => dist2(row(X, i), c));
      const l = d.indexOf(Math.min(...d));
      labels.push(l);
      if ((d[l] as number) > farD) {
        farD = d[l] as number;
        far = i;
      }
    }
    expect(labels.includes(2)).toBe(false);
    labels[far] = 2;
    const expected: number[][] = [];
    for (let c = 0; c < 3; c++) {
      const members = labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
      expected.push([0, 1, 2].map((j) => members.reduce((s, i) => s + (row(X, i)[j] as number), 0) / members.length));
    }
    // Relative 1e-12 (absolute floor 1e-12 for coordinates near 0): the same means, summed in
    // another order and centring.
    expectClose(km.clusterCenters, expected, 1e-12, 1e-12, 'centres after the relocation');
    expect(km.nIter).toBe(1);
    expect(km.converged).toBe(false);
  });

  it('a far starting centre still ends with three non-empty clusters', () => {
    const km = new KMeans({ nClusters: 3, init: FAR_START }).fitSync(X);
    expect(km.converged).toBe(true);
    expect(new Set(km.labels).size).toBe(3);
    for (const w of km.weights) expect(w).toBeGreaterThan(0.1);
  });
});

describe('seeding', () => {
  it.each(['k-means++', 'random'] as const)('%s is reproducible by seed, and the seed matters', (init) => {
    const data = uniform(2000, 11);
    const fit = (seed: number) => new KMeans({ nClusters: 8, init, seed, maxIter: 2 }).fitSync(data);
    const a = fit(5);
    const b = fit(5);
    expectIdentical(a.clusterCenters, b.clusterCenters, 'same seed: centres');
    expectIdentical(a.labels, b.labels, 'same seed: labels');
    const others = [6, 7, 8].map((s) => fit(s).clusterCenters.data);
    expect(others.some((c) => !Buffer.from(c.buffer).equals(Buffer.from(a.clusterCenters.data.buffer)))).toBe(true);
  });

  it('without a seed every fit draws a new one', () => {
    const data = uniform(2000, 12);
    const centres = [0, 1, 2].map(() => new KMeans({ nClusters: 8, maxIter: 1 }).fitSync(data).clusterCenters.data);
    const distinct = new Set(centres.map((c) => Buffer.from(c.buffer).toString('hex')));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it('nInit keeps the restart with the lowest inertia', () => {
    // tol 0: a restart stops only when its labels are stable, so its last reported objective
    // (the inertia of that assignment step) is its final inertia up to rounding.
    const data = uniform(1500, 13);
    const last = new Map<number, number>();
    const km = new KMeans({ nClusters: 9, nInit: 6, tol: 0, seed: 21 }).fitSync(data, {
      onIteration: (i) => void last.set(i.init, i.objective),
    });
    expect([...last.keys()]).toEqual([0, 1, 2, 3, 4, 5]);
    const finals = [...last.values()];
    // Restarts reached different optima, so picking the best is a real choice.
    expect(Math.max(...finals) - Math.min(...finals)).toBeGreaterThan(1e-3 * Math.min(...finals));
    // Relative 1e-12: the reported objective is Σ‖x − c‖² of that assignment (the same
    // terms as the inertia, summed in the same block order).
    expectClose(km.inertia, Math.min(...finals), 1e-12, 0, 'inertia of the best restart');
    const single = new KMeans({ nClusters: 9, nInit: 1, tol: 0, seed: 21 }).fitSync(data);
    expect(km.inertia).toBeLessThanOrEqual(single.inertia);
  });
});

describe('sample weights', () => {
  // Explicit starting centres (a seeding would draw differently from repeated rows) and tol 0:
  // scikit-learn scales tol by the UNweighted variance of X, which repeating rows changes, so
  // only the label-stability stop is invariant under repetition.
  const start = [
    [0.5, 0.5, 0.5],
    [4, 0, -1],
    [-2, 3, 1],
  ];

  /** Fits with weights w and on the rows repeated w times; both must give the same model. */
  function expectRepetition(w: number[]): void {
    const weighted = new KMeans({ nClusters: 3, init: start, tol: 0 }).fitSync(X, { sampleWeight: w });
    const repeated = new KMeans({ nClusters: 3, init: start, tol: 0 }).fitSync(repeatRows(X.data as Float64Array, D, w));
    // Relative 1e-12 (floor 1e-12): the same means, the sums grouped differently (w·x vs
    // repeated x, other row blocks, another centring origin): ~N·eps.
    expectClose(weighted.clusterCenters, repeated.clusterCenters, 1e-12, 1e-12, 'centres');
    expectClose(weighted.inertia, repeated.inertia, 1e-12, 0, 'inertia');
    expectClose(weighted.weights, repeated.weights, 1e-14, 0, 'weights');
    expect(weighted.nIter).toBe(repeated.nIter);
    expect(Array.from(repeated.labels)).toEqual(repeatLabels(weighted.labels, w));
  }

  it('integer weights are duplicated rows', () => {
    expectRepetition(Array.from({ length: N }, (_, i) => (i * 7) % 4)); // 0, 3, 2, 1, ... (zeros too)
  });

  it('zero weights are dropped rows', () => {
    expectRepetition(Array.from({ length: N }, (_, i) => (i % 5 === 0 ? 0 : 1)));
  });

  it('zero weights are allowed with a seeding while K rows keep a positive weight', () => {
    const w = Array.from({ length: N }, (_, i) => (i < 3 ? 1 : 0));
    const km = new KMeans({ nClusters: 3, seed: 1 }).fitSync(X, { sampleWeight: w });
    // The three positive rows become the three centres (to rounding: the means are taken in
    // coordinates centred on the unweighted data mean, (x − m) + m ≠ x in the last bit).
    const order = [0, 1, 2].map((i) => km.labels[i] as number);
    expect(new Set(order).size).toBe(3);
    const expected = order.map((_, c) => Array.from(row(X, order.indexOf(c))));
    expectClose(km.clusterCenters, expected, 1e-14, 1e-15, 'centres = the positive rows');
    expect(km.inertia).toBeLessThan(1e-25);
    expect(km.weights.length).toBe(3);
    expect(Array.from(km.weights).sort()).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });
});

describe('onIteration', () => {
  it('reports the assignment inertia of every iteration; returning false stops (the result is kept)', async () => {
    const data = uniform(3000, 5);
    const seen: { iter: number; objective: number; change: number }[] = [];
    const km = new KMeans({ nClusters: 10, seed: 1, tol: 0 });
    await km.fit(data, {
      onIteration: (info) => {
        expect(info.init).toBe(0);
        seen.push(info);
        return info.iter === 4 ? false : undefined;
      },
    });
    expect(seen.map((s) => s.iter)).toEqual([1, 2, 3, 4]);
    expect(seen[0]?.change).toBe(-Infinity);
    for (let i = 1; i < seen.length; i++) {
      // Lloyd never increases the inertia; change = objective − previous objective.
      expect(seen[i]!.objective).toBeLessThanOrEqual(seen[i - 1]!.objective);
      expect(seen[i]!.change).toBe(seen[i]!.objective - seen[i - 1]!.objective);
    }
    expect(km.nIter).toBe(4);
    expect(km.converged).toBe(false);
    expect(Array.from(km.predict(data))).toEqual(Array.from(km.labels));
  });

  // Returning false stops the whole fit, restarts included (as the EM-based estimators do), so
  // the model kept is the stopped restart's.
  it('returning false with restarts left keeps the stopped restart', () => {
    const data = uniform(3000, 3);
    for (let seed = 0; seed < 30; seed++) {
      const km = new KMeans({ nClusters: 12, nInit: 4, seed, tol: 0 }).fitSync(data, {
        onIteration: (i) => (i.iter === 3 ? false : undefined),
      });
      expect(km.nIter, `seed ${seed}`).toBe(3);
    }
  });
});

describeFitProtocol('KMeans', {
  make: (o) => new KMeans({ nClusters: 3, seed: 1, nInit: o?.nInit ?? 1 }),
  X,
  // ~100+ Lloyd iterations of a few ms each (tol 0 stops only when the labels are stable).
  slow: () => ({ model: new KMeans({ nClusters: 60, tol: 0, maxIter: 100_000, seed: 1, init: 'random' }), data: uniform(50_000, 7) }),
});

describe('input errors', () => {
  const cases: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
    ['no options', () => new KMeans(undefined as never), TypeError, /Expected an object for KMeans options/],
    ['nClusters missing', () => new KMeans({} as never), TypeError, /nClusters .*required/],
    ['nClusters 0', () => new KMeans({ nClusters: 0 }), RangeError, /integer >= 1 for nClusters but received 0/],
    ['nClusters 2.5', () => new KMeans({ nClusters: 2.5 }), RangeError, /nClusters but received 2\.5/],
    ['unknown option', () => new KMeans({ nClusters: 2, nComponents: 2 } as never), RangeError, /Unknown option 'nComponents'/],
    ['tol < 0', () => new KMeans({ nClusters: 2, tol: -1 }), RangeError, /tol but received -1/],
    ['maxIter 0', () => new KMeans({ nClusters: 2, maxIter: 0 }), RangeError, /maxIter but received 0/],
    ['nInit "3"', () => new KMeans({ nClusters: 2, nInit: '3' as never }), TypeError, /nInit but received '3'/],
    ['seed -1', () => new KMeans({ nClusters: 2, seed: -1 }), RangeError, /seed but received -1/],
    ['init name', () => new KMeans({ nClusters: 2, init: 'kmeans' as never }), RangeError, /'k-means\+\+', 'random' for init but received 'kmeans'/],
    ['init rows', () => new KMeans({ nClusters: 3, init: [[1, 2], [3, 4]] }), RangeError, /init has 2 rows \(starting centres\), but nClusters is 3/],
    ['init ragged', () => new KMeans({ nClusters: 2, init: [[1, 2], [3]] }), RangeError, /init has ragged rows/],
    ['init NaN', () => new KMeans({ nClusters: 2, init: [[1, NaN], [3, 4]] }), RangeError, /init contains a non-finite value \(NaN\) at row 0, column 1/],
    ['init number', () => new KMeans({ nClusters: 2, init: 3 as never }), TypeError, /for init but received 3/],
    ['K > N', () => new KMeans({ nClusters: 5 }).fitSync([[1], [2], [3]]), RangeError, /nClusters \(5\) exceeds the number of samples \(3\)/],
    ['init D', () => new KMeans({ nClusters: 2, init: [[1, 2, 3], [4, 5, 6]] }).fitSync([[1, 2], [3, 4]]), RangeError, /init has 3 features, but X has 2/],
    ['X NaN', () => new KMeans({ nClusters: 1 }).fitSync([[1, 2], [3, NaN]]), RangeError, /X contains a non-finite value \(NaN\) at row 1, column 1/],
    ['X string', () => new KMeans({ nClusters: 1 }).fitSync('abc' as never), TypeError, /for X but received 'abc'/],
    ['weights all zero', () => new KMeans({ nClusters: 1 }).fitSync(X, { sampleWeight: new Array<number>(N).fill(0) }), RangeError, /sampleWeight must not be all zero/],
    ['weights negative', () => new KMeans({ nClusters: 1 }).fitSync([[1], [2]], { sampleWeight: [1, -1] }), RangeError, /finite number >= 0 for sampleWeight\[1\] but received -1/],
    ['weights length', () => new KMeans({ nClusters: 1 }).fitSync([[1], [2]], { sampleWeight: [1] }), RangeError, /sampleWeight has length 1, but X has 2 samples/],
    [
      'too few positive weights for a seeding',
      () => new KMeans({ nClusters: 3 }).fitSync([[1], [2], [3], [4]], { sampleWeight: [1, 0, 0, 1] }),
      RangeError,
      /sampleWeight has 2 positive values, fewer than nClusters \(3\): init 'k-means\+\+'/,
    ],
    ['fit option', () => new KMeans({ nClusters: 1 }).fitSync(X, { weights: [] } as never), RangeError, /Unknown option 'weights' in KMeans\.fitSync options/],
  ];

  it.each(cases)('%s', (_what, fn, cls, re) => {
    const err = caught(fn);
    expectCode(err, cls, ErrorCode.INVALID_ARGUMENT);
    expect((err as Error).message).toMatch(re);
  });

  it('fit rejects (not throws) with the same errors', async () => {
    await expect(new KMeans({ nClusters: 5 }).fit([[1], [2], [3]])).rejects.toThrow(/nClusters \(5\) exceeds/);
  });

  it('explicit centres with too few positive weights are allowed (an empty cluster keeps its centre)', () => {
    const km = new KMeans({ nClusters: 3, init: [[1], [2], [10]] }).fitSync([[1], [2], [3], [4]], { sampleWeight: [1, 0, 0, 1] });
    expect(km.isFitted).toBe(true);
  });

  it('predict/transform/score check the fitted model and X', () => {
    const km = new KMeans({ nClusters: 2 });
    for (const get of [
      () => km.clusterCenters,
      () => km.labels,
      () => km.inertia,
      () => km.weights,
      () => km.nIter,
      () => km.converged,
      () => km.nFeaturesIn,
      () => km.predict(X),
      () => km.transform(X),
      () => km.score(X),
    ]) {
      const err = caught(get);
      expectCode(err, Error, ErrorCode.NOT_FITTED);
      expect((err as Error).message).toMatch(/This KMeans instance is not fitted yet/);
    }
    km.fitSync(X);
    const before = snapshot(km);
    expect(() => km.predict([[1, 2]])).toThrow(/X has 2 features, but this KMeans was fitted with 3/);
    expect(() => km.transform([[1, 2]])).toThrow(RangeError);
    expect(() => km.score(X, [1])).toThrow(/sampleWeight has length 1, but X has 600 samples/);
    expect(() => km.fitSync([[1, NaN]])).toThrow(RangeError);
    expect(snapshot(km)).toEqual(before);
  });
});

describe('JSON', () => {
  it('round-trips exactly; the restored model predicts bit-identically', () => {
    const w = Array.from({ length: N }, (_, i) => 1 + (i % 3));
    for (const km of [
      new KMeans({ nClusters: 3, seed: 2, tol: 1e-3, threads: 2 }).fitSync(X, { sampleWeight: w }),
      new KMeans({ nClusters: 3, init: FAR_START, maxIter: 7 }).fitSync(X),
    ]) {
      const json = JSON.parse(JSON.stringify(km)) as unknown;
      expect(json).toMatchObject({ format: 'gaussmix', version: 1, kind: 'KMeans' });
      const back = KMeans.fromJSON(json);
      expect(back).toBeInstanceOf(KMeans);
      expectIdentical(back.clusterCenters, km.clusterCenters, 'clusterCenters');
      expectIdentical(back.labels, km.labels, 'labels');
      expectIdentical(back.weights, km.weights, 'weights');
      expect(Object.is(back.inertia, km.inertia)).toBe(true);
      expect([back.nIter, back.converged, back.nFeaturesIn]).toEqual([km.nIter, km.converged, km.nFeaturesIn]);
      const probe = threeClusters(300, 9);
      expectIdentical(back.predict(probe), km.predict(probe), 'predict');
      expectIdentical(back.transform(probe), km.transform(probe), 'transform');
      expect(Object.is(back.score(probe), km.score(probe))).toBe(true);
      expect(back.toJSON()).toEqual(km.toJSON());
    }
  });

  it('round-trips an unfitted model with its options', () => {
    const km = new KMeans({ nClusters: 2, init: [[1, 2], [3, 4]], tol: 0.5, nInit: 3 });
    const back = KMeans.fromJSON(JSON.parse(JSON.stringify(km)));
    expect(back.isFitted).toBe(false);
    expect(back.toJSON()).toEqual(km.toJSON());
    expect(back.toJSON().options.init).toEqual([[1, 2], [3, 4]]);
  });

  it('rejects corrupted models, naming the field', () => {
    const km = new KMeans({ nClusters: 3, seed: 2 }).fitSync(X);
    const cases: Corruption[] = [
      [(j) => void (j.kind = 'SoftKMeans'), RangeError, /expected kind to be 'KMeans'/],
      [(j) => void ((j.state.clusterCenters as number[][])[0] = [1]), RangeError, /state\.clusterCenters/],
      [(j) => void (j.state.nFeaturesIn = 2), RangeError, /state\.clusterCenters has shape \[3, 3\], but \[nClusters, nFeaturesIn\] = \[3, 2\]/],
      [(j) => void ((j.state.labels as number[])[5] = 3), RangeError, /integer in \[0, 3\) for state\.labels\[5\] but received 3/],
      [(j) => void (j.state.weights = [0.5, 0.5, 0.5]), RangeError, /state\.weights must sum to 1/],
      [(j) => void (j.state.inertia = -1), RangeError, /state\.inertia but received -1/],
      [(j) => void (j.state.converged = 1), TypeError, /state\.converged/],
      [(j) => void delete j.state.labels, RangeError, /state\.labels is missing/],
      [(j) => void (j.state.means = []), RangeError, /unknown field state\.means/],
      [(j) => void (j.options.nClusters = 0), RangeError, /options: .*nClusters/],
    ];
    expectCorruptionsRejected(km, (j) => KMeans.fromJSON(j), 'KMeans.fromJSON', cases);
  });
});

describe('shapes', () => {
  it('attributes have their documented shapes', async () => {
    const km = new KMeans({ nClusters: 4, seed: 3 });
    expect(km.isFitted).toBe(false);
    expect(km.nClusters).toBe(4);
    expect(await km.fit(X)).toBe(km);
    expect(km.clusterCenters.shape).toEqual([4, D]);
    expect(km.labels).toBeInstanceOf(Int32Array);
    expect(km.labels.length).toBe(N);
    expect(km.weights).toBeInstanceOf(Float64Array);
    expect(km.weights.length).toBe(4);
    expect(km.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(km.nFeaturesIn).toBe(D);
    expect(typeof km.converged).toBe('boolean');
    expect(km.transform(X).shape).toEqual([N, 4]);
  });
});
