// KMeans skips most distance computations (Hamerly's bounds, centre-to-centre pruning, and
// incremental passes that read only the rows whose bounds fail, with per-cluster sums kept
// about reference points). None of that may change the fit: these tests run plain Lloyd in
// JavaScript (every distance computed, every sum taken afresh, exact squared distances) on
// data where pruning matters (many rows, many iterations, sample weights over six orders of
// magnitude, clusters far from the origin) and require the same labels at every iteration,
// the same final centres and inertia to 1e-12 relative, and each iteration's reported objective
// to be that assignment's inertia to 1e-12.
import { describe, expect, it } from 'vitest';

import { KMeans, type NDArray } from '../lib/index.js';
import { expectClose } from './helpers/compare.js';
import { mulberry32, normalSource } from './helpers/random.js';
import { expectRealThreads, raiseThreadCap } from './helpers/threads.js';

interface Reference {
  labels: Int32Array;
  centres: Float64Array;
  inertia: number;
  objectives: number[];
  nIter: number;
}

/** Plain weighted Lloyd from the given centres, tol 0 (scikit-learn's semantics, no empty clusters). */
function plainLloyd(x: NDArray, k: number, start: Float64Array, maxIter: number, w?: Float64Array): Reference {
  const [n, d] = x.shape as [number, number];
  const data = x.data;
  let centres = Float64Array.from(start);
  const labels = new Int32Array(n).fill(-1);
  const objectives: number[] = [];
  const dist2 = (i: number, c: number, cs: Float64Array) => {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j]! - cs[c * d + j]!;
      s += t * t;
    }
    return s;
  };
  const assign = (cs: Float64Array) => {
    let changed = 0;
    let objective = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = dist2(i, 0, cs);
      for (let c = 1; c < k; c++) {
        const v = dist2(i, c, cs);
        if (v < bestD) {
          bestD = v;
          best = c;
        }
      }
      if (labels[i] !== best) changed++;
      labels[i] = best;
      objective += (w ? w[i]! : 1) * bestD;
    }
    return { changed, objective };
  };
  let strict = false;
  let nIter = 0;
  for (let iter = 0; iter < maxIter; iter++) {
    const { changed, objective } = assign(centres);
    objectives.push(objective);
    const sum = new Float64Array(k * d);
    const weight = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const wi = w ? w[i]! : 1;
      weight[labels[i]!] += wi;
      for (let j = 0; j < d; j++) sum[labels[i]! * d + j] += wi * data[i * d + j]!;
    }
    const next = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      if (weight[c] === 0) throw new Error('the reference does not relocate empty clusters');
      for (let j = 0; j < d; j++) next[c * d + j] = sum[c * d + j]! / weight[c]!;
    }
    centres = next;
    nIter = iter + 1;
    if (changed === 0) {
      strict = true;
      break;
    }
  }
  let inertia: number;
  if (strict) {
    inertia = 0;
    for (let i = 0; i < n; i++) inertia += (w ? w[i]! : 1) * dist2(i, labels[i]!, centres);
  } else {
    inertia = assign(centres).objective;
  }
  return { labels, centres, inertia, objectives, nIter };
}

/** n rows from k Gaussian blobs in d dimensions, centred far from the origin. */
function blobs(n: number, d: number, k: number, seed: number, offset: number): NDArray {
  const u = mulberry32(seed);
  const g = normalSource(u);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => offset + 5 * g()));
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(u() * k);
    const scale = 0.5 + u();
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c]![j]! + scale * g();
  }
  return { data, shape: [n, d] };
}

/** Starting centres: rows spread through the data (several may share a blob). */
function startRows(x: NDArray, k: number): Float64Array {
  const [n, d] = x.shape as [number, number];
  const out = new Float64Array(k * d);
  for (let c = 0; c < k; c++) out.set(x.data.subarray(((c * 7919) % n) * d, ((c * 7919) % n) * d + d), c * d);
  return out;
}

const cases = [
  { name: 'few features (D 2, K 6)', n: 20_000, d: 2, k: 6, offset: 0, weighted: false },
  { name: 'D 5, K 12, far from the origin', n: 20_000, d: 5, k: 12, offset: 1e4, weighted: false },
  { name: 'D 8, K 10, sample weights from 1e-3 to 1e3 (measured along the rows)', n: 20_000, d: 8, k: 10, offset: 2, weighted: true },
  { name: 'D 16, K 24, sample weights from 1e-3 to 1e3', n: 15_000, d: 16, k: 24, offset: 10, weighted: true },
  { name: 'D 40, K 20', n: 6_000, d: 40, k: 20, offset: -3, weighted: false },
];

describe('pruned Lloyd = plain Lloyd', () => {
  for (const c of cases) {
    it(c.name, () => {
      const x = blobs(c.n, c.d, c.k, 17 + c.d, c.offset);
      const u = mulberry32(5);
      const w = c.weighted ? Float64Array.from({ length: c.n }, () => 10 ** (6 * u() - 3)) : undefined;
      const start = startRows(x, c.k);
      const maxIter = 40;
      const ref = plainLloyd(x, c.k, start, maxIter, w);
      const reported: number[] = [];
      const km = new KMeans({ nClusters: c.k, init: { data: start, shape: [c.k, c.d] }, tol: 0, maxIter, threads: 2 });
      km.fitSync(x, { sampleWeight: w, onIteration: (info) => void reported.push(info.objective) });
      // The data need several iterations, most of them pruned.
      expect(ref.nIter).toBeGreaterThan(4);
      expect(km.nIter).toBe(ref.nIter);
      expect(Array.from(km.labels)).toEqual(Array.from(ref.labels));
      expectClose(km.clusterCenters, { data: ref.centres, shape: [c.k, c.d] }, 1e-12, 1e-12 * (1 + Math.abs(c.offset)), 'centres');
      // Far from the origin, both sides' centres are rounded at eps·|offset|, which moves a
      // squared distance by about that relative to the blobs' unit radius.
      const rtol = 1e-12 * Math.max(1, Math.abs(c.offset) / 100);
      expectClose(km.inertia, ref.inertia, rtol, 0, 'inertia');
      expectClose(reported, ref.objectives, rtol, 0, 'per-iteration objectives');
    });
  }

  describe('with the thread cap raised to 7', () => {
    raiseThreadCap(7);
    it('is bit-identical for 1, 2 and 7 threads', () => {
      const x = blobs(30_000, 6, 16, 3, 0);
      expectRealThreads(30_000, 7);
      const start = startRows(x, 16);
      const fits = [1, 2, 7].map((threads) => {
        const objectives: number[] = [];
        const km = new KMeans({ nClusters: 16, init: { data: start, shape: [16, 6] }, tol: 0, maxIter: 30, threads });
        km.fitSync(x, { onIteration: (i) => void objectives.push(i.objective) });
        return { centres: Buffer.from(km.clusterCenters.data.buffer).toString('hex'), inertia: km.inertia, objectives, labels: Array.from(km.labels) };
      });
      expect(fits[1]).toEqual(fits[0]);
      expect(fits[2]).toEqual(fits[0]);
    });
  });
});
