/**
 * Properties of GaussianMixture that hold whatever scikit-learn does: EM's monotone objective,
 * recovery of known parameters from a large sample, determinism across thread counts and input
 * layouts, seeds, cancellation, the onIteration protocol, sampling, JSON round trips and
 * GaussianKMeans. The data are generated in the test with a seeded PRNG (test/helpers/random),
 * so every run and every machine sees the same numbers.
 */
import { describe, expect, it } from 'vitest';

import {
  GaussianKMeans,
  GaussianMixture,
  type SklearnCovarianceType as CovarianceType,
  type GaussianMixtureOptions,
  type IterationInfo,
  type NDArray,
} from '../lib/index.js';
import { bytesOf, expectIdentical, shapeOf } from './helpers/compare.js';
import { expectSameModel, fullCovariances, snapshot } from './helpers/model.js';
import { sampleMixture, THREE_CLUSTERS, toRows, type TrueComponent } from './helpers/random.js';
import { expectRealThreads, raiseThreadCap } from './helpers/threads.js';

const TYPES: readonly CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];

/** 3000 rows from three well-separated, well-conditioned 3-D Gaussians. */
const base = sampleMixture(11, THREE_CLUSTERS, 3000);
const X3: NDArray = { data: base.data, shape: [3000, 3] };
/** Test points: 40 fresh rows from the same mixture and two far outliers. */
const probe = sampleMixture(12, THREE_CLUSTERS, 40);
const probeRows = [...toRows(probe.data, 3), [40, -40, 40], [-1e3, 2e3, 5e2]];

/**
 * Explicit starting parameters for THREE_CLUSTERS (full covariances), far enough from the truth
 * that the first five EM steps each raise the objective by > 1e-5 relative.
 */
const explicitStart: Pick<GaussianMixtureOptions, 'weightsInit' | 'meansInit' | 'covariancesInit'> = {
  weightsInit: [0.4, 0.35, 0.25],
  meansInit: THREE_CLUSTERS.map((c) => c.mean.map((v) => v + 2.5)),
  covariancesInit: THREE_CLUSTERS.map((c) => c.cov.map((row, i) => row.map((v, j) => (i === j ? v * 4 : v)))),
};

/** Runs a fitSync and returns the onIteration reports with it. */
function fitWithReports(
  options: GaussianMixtureOptions,
  X: Parameters<GaussianMixture['fitSync']>[0],
  stopAt?: number,
): { gm: GaussianMixture; reports: IterationInfo[] } {
  const gm = new GaussianMixture(options);
  const reports: IterationInfo[] = [];
  gm.fitSync(X, {
    onIteration: (info) => {
      reports.push({ ...info });
      if (stopAt !== undefined && reports.length >= stopAt) return false;
      return undefined;
    },
  });
  return { gm, reports };
}

// ------------------------------------------------------------------------------------------ (a)
describe('(a) EM never decreases the objective (regCovar 0, well-conditioned data)', () => {
  // EM's log-likelihood is non-decreasing in exact arithmetic (each M-step is an exact
  // maximiser for every covariance type when regCovar = 0). The reported objective is a mean
  // of N = 3000 log densities of magnitude ~1-10: its rounding error is bounded by about
  // N·eps·(Σ|terms|/|Σ terms|) ~ 3000 · 1.1e-16 · 2 ≈ 7e-13 relative in the worst case (and
  // ~√N·eps ≈ 1e-14 typically). Near the fixed point the true increase falls below that, so
  // successive values may jitter by rounding: SLACK = 1e-12 relative covers it, while a real
  // defect (a wrong M-step formula, regCovar or weights mishandled) decreases the objective
  // by >= 1e-6 relative.
  const SLACK = 1e-12;
  for (const covarianceType of TYPES) {
    for (const init of ['kmeans', 'random'] as const) {
      it(`${covarianceType}, init '${init}'`, () => {
        const { gm, reports } = fitWithReports(
          { nComponents: 3, covarianceType, init, regCovar: 0, tol: 0, maxIter: 150, seed: 5 },
          X3,
        );
        expect(reports.length).toBe(150);
        expect(gm.nIter).toBe(150);
        let worstDrop = 0;
        for (let i = 1; i < reports.length; i++) {
          const prev = reports[i - 1]!.objective;
          const cur = reports[i]!.objective;
          expect(Number.isFinite(cur)).toBe(true);
          worstDrop = Math.max(worstDrop, (prev - cur) / Math.abs(prev));
          expect(cur, `iteration ${i + 1}: ${cur} < ${prev}`).toBeGreaterThanOrEqual(prev - SLACK * Math.abs(prev));
        }
        // Something must actually have happened: EM climbed from the start.
        expect(reports[149]!.objective).toBeGreaterThan(reports[0]!.objective);
      });
    }
  }
});

// ------------------------------------------------------------------------------------------ (b)
describe('(b) recovers two known 2-D Gaussians from 10,000 points (founding documents, Figure 2)', () => {
  const truth: TrueComponent[] = [
    {
      weight: 0.3,
      mean: [-2, 1],
      cov: [
        [0.6, 0.2],
        [0.2, 0.4],
      ],
    },
    {
      weight: 0.7,
      mean: [2.5, -1],
      cov: [
        [1.0, -0.3],
        [-0.3, 0.5],
      ],
    },
  ];
  const N = 10_000;

  it('full GMM: weights ±0.02, means ±0.05, covariances ±10%', () => {
    const { data } = sampleMixture(2024, truth, N);
    const gm = new GaussianMixture({ nComponents: 2, covarianceType: 'full', seed: 7, tol: 1e-8, maxIter: 500 });
    gm.fitSync({ data, shape: [N, 2] });
    const w = gm.weights;
    const mu = gm.means.data;
    const cov = fullCovariances(gm);
    // Match fitted components to the truth by nearest mean (must be a permutation).
    const match = truth.map((t) => {
      let best = -1;
      let bestDist = Infinity;
      for (let k = 0; k < 2; k++) {
        const dist = Math.hypot((mu[2 * k] as number) - t.mean[0]!, (mu[2 * k + 1] as number) - t.mean[1]!);
        if (dist < bestDist) [best, bestDist] = [k, dist];
      }
      return best;
    });
    expect(new Set(match).size).toBe(2);
    truth.forEach((t, i) => {
      const k = match[i]!;
      const n = t.weight * N;
      // Weight: the component counts are binomial, SE = sqrt(π(1−π)/N) = 0.0046; ±0.02 is
      // 4.4 SE (EM's estimate of separated components is essentially the count fraction).
      expect(Math.abs((w[k] as number) - t.weight), `weight ${i}`).toBeLessThanOrEqual(0.02);
      for (let a = 0; a < 2; a++) {
        // Mean: SE = sqrt(Σ_aa / n_k) <= sqrt(0.6/3000) = 0.014 (component 1) and
        // sqrt(1/7000) = 0.012 (component 2); ±0.05 is >= 3.5 SE.
        expect(Math.abs((mu[2 * k + a] as number) - t.mean[a]!), `mean ${i}[${a}]`).toBeLessThanOrEqual(0.05);
        for (let b = 0; b < 2; b++) {
          // Covariance, ±10% of the scale sqrt(Σ_aa·Σ_bb) (a plain relative error means
          // nothing for an off-diagonal near 0): the SE of a Gaussian sample covariance is
          // sqrt((Σ_aa·Σ_bb + Σ_ab²)/n_k), i.e. sqrt(2/n_k) = 2.6% of the scale on the
          // diagonal and <= 2% off it for n_k >= 3000; 10% is >= 3.9 SE.
          const scale = Math.sqrt(t.cov[a]![a]! * t.cov[b]![b]!);
          expect(Math.abs(cov[k]![a]![b]! - t.cov[a]![b]!) / scale, `covariance ${i}[${a}][${b}]`).toBeLessThanOrEqual(0.1);
        }
      }
    });
  });
});

// ------------------------------------------------------------------------------------------ (c)
describe('(c) determinism: thread counts and input layouts give bit-identical fits', () => {
  // 28,811 rows (not a multiple of the 4096-row block) so that 8 threads have a block each; the
  // process cap is raised to 8 for this block (test/helpers/threads.ts).
  const N = 28_811;
  raiseThreadCap(8);
  const big = sampleMixture(31, THREE_CLUSTERS, N);
  const Xbig: NDArray = { data: big.data, shape: [N, 3] };

  for (const init of ['kmeans', 'random'] as const) {
    for (const covarianceType of TYPES) {
      it(`seed 123, nInit 2, init '${init}', ${covarianceType}: threads 1, 2, 3, 8 agree bit for bit`, () => {
        expectRealThreads(N, 8);
        const fits = [1, 2, 3, 8].map((threads) =>
          snapshot(
            new GaussianMixture({ nComponents: 3, covarianceType, init, nInit: 2, seed: 123, threads, tol: 1e-6 }).fitSync(Xbig),
          ),
        );
        for (let i = 1; i < fits.length; i++) expectSameModel(fits[i]!, fits[0]!, `threads ${[1, 2, 3, 8][i]} vs 1`);
      });
    }
  }

  it('zero-copy NDArray, number[][], Float64Array[] rows, a Float64Array at a non-zero byteOffset, a strided scijs view: identical', () => {
    const n = 3000;
    const d = 3;
    const rows = toRows(base.data, d);
    const before = Buffer.from(bytesOf(base.data));

    // The same numbers at element offset 5 of a larger buffer (byteOffset 40).
    const padded = new Float64Array(n * d + 9).fill(Number.NaN);
    padded.set(base.data, 5);
    const shifted = padded.subarray(5, 5 + n * d);
    expect(shifted.byteOffset).toBe(40);

    // Column-major storage seen through scijs's stride/offset (a copy path).
    const colMajor = new Float64Array(n * d + 2);
    for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) colMajor[2 + c * n + r] = base.data[r * d + c] as number;

    const inputs: [string, Parameters<GaussianMixture['fitSync']>[0]][] = [
      ['NDArray (zero copy)', X3],
      ['number[][]', rows],
      ['Float64Array[]', rows.map((r) => Float64Array.from(r))],
      ['NDArray at byteOffset 40', { data: shifted, shape: [n, d] }],
      ['scijs strided view', { data: colMajor, shape: [n, d], stride: [1, n], offset: 2 } as NDArray],
    ];
    const options: GaussianMixtureOptions = { nComponents: 3, covarianceType: 'full', seed: 99, nInit: 2, init: 'random' };
    const results = inputs.map(([name, X]) => {
      const gm = new GaussianMixture(options).fitSync(X);
      return { name, model: snapshot(gm), proba: gm.predictProba(X), labels: gm.predict(X) };
    });
    for (const r of results.slice(1)) {
      expectSameModel(r.model, results[0]!.model, r.name);
      expectIdentical(r.proba, results[0]!.proba, `${r.name}: predictProba`);
      expectIdentical(r.labels, results[0]!.labels, `${r.name}: predict`);
    }
    // A zero-copy input is read, never written.
    expect(bytesOf(base.data).equals(before)).toBe(true);
    expect(Number.isNaN(padded[4] as number) && Number.isNaN(padded[5 + n * d] as number)).toBe(true);
  });

  it('Float32Array NDArray equals number[][] of the same (float32-rounded) values', () => {
    const f32 = Float32Array.from(base.data);
    const rows = toRows(Float64Array.from(f32), 3);
    const options: GaussianMixtureOptions = { nComponents: 3, covarianceType: 'diag', seed: 4 };
    const a = snapshot(new GaussianMixture(options).fitSync({ data: f32, shape: [3000, 3] }));
    const b = snapshot(new GaussianMixture(options).fitSync(rows));
    expectSameModel(a, b, 'Float32Array vs number[][]');
  });
});

// ------------------------------------------------------------------------------------------ (d)
describe('(d) seeds', () => {
  for (const init of ['kmeans', 'k-means++', 'random', 'random-from-data'] as const) {
    it(`init '${init}': the same seed twice gives the same fit`, () => {
      const options: GaussianMixtureOptions = { nComponents: 3, covarianceType: 'full', init, seed: 2718, nInit: 2 };
      const a = snapshot(new GaussianMixture(options).fitSync(X3));
      const b = snapshot(new GaussianMixture(options).fitSync(X3));
      expectSameModel(b, a, 'same seed, second fit');
      // And the same instance refitted.
      const gm = new GaussianMixture(options);
      gm.fitSync(X3);
      gm.fitSync(X3);
      expectSameModel(snapshot(gm), a, 'same seed, refit of one instance');
    });
  }

  // 'kmeans' is left out here: different K-means seeds may legitimately converge to the same
  // partition (so to the same start) on well-separated data.
  for (const init of ['k-means++', 'random', 'random-from-data'] as const) {
    it(`init '${init}': a different seed gives a different start`, () => {
      const start = (seed: number) => {
        const { gm, reports } = fitWithReports({ nComponents: 3, covarianceType: 'full', init, seed, maxIter: 1, tol: 0 }, X3);
        return { objective: reports[0]!.objective, means: Float64Array.from(gm.means.data) };
      };
      const a = start(1);
      const again = start(1);
      const b = start(2);
      expect(Object.is(again.objective, a.objective)).toBe(true);
      expect(b.objective).not.toBe(a.objective);
      expect(bytesOf(b.means).equals(bytesOf(a.means))).toBe(false);
    });
  }
});

// ------------------------------------------------------------------------------------------ (e)
describe('(e) abort', () => {
  // ~200k × 8 from four 8-D Gaussians: 1000 EM iterations on it take far longer than the test.
  const D = 8;
  const N = 200_000;
  const truth: TrueComponent[] = [0, 1, 2, 3].map((k) => ({
    weight: 0.25,
    mean: Array.from({ length: D }, (_, j) => ((k * 7 + j * 3) % 5) * 2 - 4 + k),
    cov: Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? 1 + 0.1 * k : 0.05))),
  }));
  const huge = sampleMixture(77, truth, N);
  const Xhuge: NDArray = { data: huge.data, shape: [N, D] };
  const small: NDArray = { data: huge.data.subarray(0, 500 * D), shape: [500, D] };
  const probe8 = toRows(huge.data.subarray(500 * D, 520 * D), D);
  const options: GaussianMixtureOptions = { nComponents: 4, covarianceType: 'full', tol: 0, maxIter: 1000, init: 'random', seed: 3 };

  /** A model fitted once (on 500 rows), with what it predicts. */
  function fittedOnce() {
    const gm = new GaussianMixture(options).fitSync(small);
    return { gm, before: snapshot(gm), proba: gm.predictProba(probe8) };
  }
  function expectUnchanged(f: ReturnType<typeof fittedOnce>, what: string): void {
    expect(f.gm.isFitted).toBe(true);
    expectSameModel(snapshot(f.gm), f.before, what);
    expectIdentical(f.gm.predictProba(probe8), f.proba, `${what}: predictProba`);
  }
  async function rejection(p: Promise<unknown>): Promise<Error & { cause?: unknown }> {
    try {
      await p;
    } catch (err) {
      return err as Error;
    }
    throw new Error('expected the fit to reject');
  }

  it('abort from the first onIteration report: rejects with AbortError, previous model kept', async () => {
    const f = fittedOnce();
    const controller = new AbortController();
    const reason = new Error('enough');
    let reports = 0;
    const t0 = performance.now();
    const err = await rejection(
      f.gm.fit(Xhuge, {
        signal: controller.signal,
        onIteration: () => {
          reports++;
          if (reports === 1) controller.abort(reason);
        },
      }),
    );
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AbortError');
    expect(err.cause).toBe(reason);
    expect(reports).toBe(1);
    // 1000 iterations would take tens of seconds; an abort is honoured within an iteration.
    expect(elapsed).toBeLessThan(10_000);
    expectUnchanged(f, 'after abort from onIteration');
    // The estimator is usable again (not left busy).
    f.gm.fitSync(small);
    expectSameModel(snapshot(f.gm), f.before, 'refit after abort');
  });

  it('abort after ~50 ms (no callback): rejects with AbortError, previous model kept', async () => {
    const f = fittedOnce();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 50);
    const t0 = performance.now();
    const err = await rejection(f.gm.fit(Xhuge, { signal: controller.signal }));
    clearTimeout(timer);
    const afterAbort = performance.now() - t0 - 50;
    expect(controller.signal.aborted).toBe(true);
    expect(err.name).toBe('AbortError');
    expect(err.cause).toBe(controller.signal.reason);
    // Cancellation is checked at least once per E/M step: one iteration on 200k × 8 × 4
    // full components takes well under a second even on a slow 2-core machine.
    expect(afterAbort).toBeLessThan(5_000);
    expectUnchanged(f, 'after timed abort');
  });

  it('an already aborted signal rejects (and fitSync throws) without doing any work', async () => {
    const f = fittedOnce();
    const controller = new AbortController();
    controller.abort();
    let reports = 0;
    const onIteration = () => {
      reports++;
    };
    const t0 = performance.now();
    const err = await rejection(f.gm.fit(Xhuge, { signal: controller.signal, onIteration }));
    // Validating and fitting 200k × 8 would take far longer than this (2 s: room for a loaded
    // machine).
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(err.name).toBe('AbortError');
    expect(reports).toBe(0);
    expect(() => f.gm.fitSync(Xhuge, { signal: controller.signal, onIteration })).toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
    expect(reports).toBe(0);
    expectUnchanged(f, 'after pre-aborted fits');

    // An unfitted estimator stays unfitted.
    const fresh = new GaussianMixture(options);
    expect((await rejection(fresh.fit(small, { signal: controller.signal }))).name).toBe('AbortError');
    expect(fresh.isFitted).toBe(false);
  });

  it('fitSync: an abort from onIteration throws AbortError after that iteration, previous model kept', () => {
    const f = fittedOnce();
    const controller = new AbortController();
    let reports = 0;
    let thrown: unknown;
    try {
      f.gm.fitSync(small, {
        signal: controller.signal,
        onIteration: () => {
          reports++;
          if (reports === 3) controller.abort();
        },
      });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ name: 'AbortError' });
    expect(reports).toBe(3);
    expectUnchanged(f, 'after fitSync abort');
  });
});

// ------------------------------------------------------------------------------------------ (f)
describe('(f) onIteration protocol', () => {
  const startOptions: GaussianMixtureOptions = { nComponents: 3, covarianceType: 'full', tol: 0, ...explicitStart };

  it('reports init/iter in order; objective = lower bound of that E-step; change = difference', () => {
    const { gm, reports } = fitWithReports({ ...startOptions, maxIter: 12 }, X3);
    expect(reports.length).toBe(12);
    reports.forEach((r, i) => {
      expect(r.init).toBe(0);
      expect(r.iter).toBe(i + 1);
      expect(Number.isFinite(r.objective)).toBe(true);
      // scikit-learn: change = lb − prev with prev starting at −∞.
      expect(r.change).toBe(i === 0 ? Infinity : r.objective - reports[i - 1]!.objective);
    });
    expect(Object.is(gm.lowerBound, reports[11]!.objective)).toBe(true);
    expect(gm.nIter).toBe(12);
    expect(gm.converged).toBe(false);

    // Iteration 1's objective is the mean log-likelihood of the explicit start: that is the
    // lowerBound of a 1-iteration fit from the same start (the same computation, exactly).
    const one = new GaussianMixture({ ...startOptions, maxIter: 1 }).fitSync(X3);
    expect(Object.is(one.lowerBound, reports[0]!.objective)).toBe(true);

    // Iteration i+1's objective is computed before its M-step, on the parameters after i
    // M-steps, i.e. it is score(X) of the i-iteration fit. The two are the same mean computed
    // in different summation orders (the fit's threaded fold vs scoreSamples + a compensated
    // sum): they differ by at most ~N·eps = 7e-13 relative, so REL = 1e-11 is safe, while an
    // off-by-one iteration is a whole EM step away (asserted to be > 100·REL below, so this
    // check can actually tell the two semantics apart).
    const REL = 1e-11;
    for (let i = 1; i <= 5; i++) {
      const fitted = new GaussianMixture({ ...startOptions, maxIter: i }).fitSync(X3);
      const s = fitted.score(X3);
      const objective = reports[i]!.objective;
      expect(Math.abs(s - objective) / Math.abs(objective), `iteration ${i + 1}`).toBeLessThanOrEqual(REL);
      expect(Math.abs(reports[i]!.change) / Math.abs(objective)).toBeGreaterThan(100 * REL);
    }
  });

  it('returning false stops: nIter = number of reports, the result is the maxIter = 4 fit', () => {
    const { gm, reports } = fitWithReports({ ...startOptions, maxIter: 50 }, X3, 4);
    expect(reports.length).toBe(4);
    expect(gm.nIter).toBe(4);
    expect(gm.converged).toBe(false);
    expect(Object.is(gm.lowerBound, reports[3]!.objective)).toBe(true);
    const four = snapshot(new GaussianMixture({ ...startOptions, maxIter: 4 }).fitSync(X3));
    expectSameModel(snapshot(gm), four, 'stopped at 4 vs maxIter 4');
  });

  it('nInit 2: each restart reports iter 1, 2, ... in order; the kept restart is the best', () => {
    const options: GaussianMixtureOptions = { nComponents: 3, covarianceType: 'diag', init: 'random', nInit: 2, seed: 8, tol: 1e-3 };
    const { gm, reports } = fitWithReports(options, X3);
    const byInit: IterationInfo[][] = [[], []];
    let lastInit = 0;
    for (const r of reports) {
      expect(r.init).toBeGreaterThanOrEqual(lastInit);
      lastInit = r.init;
      expect([0, 1]).toContain(r.init);
      const block = byInit[r.init]!;
      expect(r.iter).toBe(block.length + 1);
      block.push(r);
    }
    expect(byInit[0]!.length).toBeGreaterThan(0);
    expect(byInit[1]!.length).toBeGreaterThan(0);
    const last = byInit.map((b) => b[b.length - 1]!);
    const best = last[1]!.objective > last[0]!.objective ? 1 : 0;
    expect(Object.is(gm.lowerBound, last[best]!.objective)).toBe(true);
    expect(gm.nIter).toBe(byInit[best]!.length);
    expect(gm.converged).toBe(Math.abs(last[best]!.change) < 1e-3);

    // fit (async) reports exactly the same sequence.
    return (async () => {
      const asyncReports: IterationInfo[] = [];
      const ga = await new GaussianMixture(options).fit(X3, { onIteration: (i) => void asyncReports.push({ ...i }) });
      expect(asyncReports).toEqual(reports);
      expectSameModel(snapshot(ga), snapshot(gm), 'async vs sync');
    })();
  });

  it('an exception thrown by onIteration propagates and keeps the previous model', async () => {
    const gm = new GaussianMixture({ ...startOptions, maxIter: 10 }).fitSync(X3);
    const before = snapshot(gm);
    const boom = new Error('boom');
    const thrower = (info: IterationInfo) => {
      if (info.iter === 3) throw boom;
    };
    expect(() => gm.fitSync(X3, { onIteration: thrower })).toThrow(boom);
    await expect(gm.fit(X3, { onIteration: thrower })).rejects.toBe(boom);
    expectSameModel(snapshot(gm), before, 'after a throwing callback');
  });
});

// ------------------------------------------------------------------------------------------ (g)
describe('(g) sample', () => {
  for (const covarianceType of TYPES) {
    it(`${covarianceType}: shape, sorted labels, reproducible, and large-sample moments match the model`, () => {
      const gm = new GaussianMixture({ nComponents: 3, covarianceType, seed: 17 }).fitSync(X3);
      const K = 3;
      const D = 3;

      const small = gm.sample(1000, 42);
      expect(shapeOf(small.X)).toEqual([1000, D]);
      expect(small.X.data).toBeInstanceOf(Float64Array);
      expect(small.X.data.length).toBe(1000 * D);
      expect(small.labels).toBeInstanceOf(Int32Array);
      expect(small.labels.length).toBe(1000);
      for (let i = 1; i < 1000; i++) expect(small.labels[i]! >= small.labels[i - 1]!).toBe(true);
      expect(small.labels[0]! >= 0 && small.labels[999]! < K).toBe(true);
      const again = gm.sample(1000, 42);
      expectIdentical(again.X, small.X, 'sample(1000, 42) twice: X');
      expectIdentical(again.labels, small.labels, 'sample(1000, 42) twice: labels');
      expect(bytesOf(gm.sample(1000, 43).X).equals(bytesOf(small.X))).toBe(false);
      expect(gm.sample(1).X.shape).toEqual([1, D]);

      // Large sample. Every bound below is 6 standard errors of the statistic (plus 1 for the
      // counts, in case they are rounded rather than multinomial): with ~50 such checks per
      // covariance type, a correct sampler fails one with probability ~1e-7, while a wrong
      // scale (precision for covariance, a transposed Cholesky factor of a correlated Σ, a
      // missing square root) is off by tens of standard errors at n = 100,000.
      const n = 100_000;
      const { X, labels } = gm.sample(n, 7);
      const x = X.data;
      const w = gm.weights;
      const mu = gm.means.data;
      const covs = fullCovariances(gm);
      let start = 0;
      for (let k = 0; k < K; k++) {
        let end = start;
        while (end < n && labels[end] === k) end++;
        const nk = end - start;
        const pk = w[k] as number;
        expect(Math.abs(nk - n * pk), `count of component ${k}`).toBeLessThanOrEqual(6 * Math.sqrt(n * pk * (1 - pk)) + 1);
        const S = covs[k]!;
        const m = new Array<number>(D).fill(0);
        for (let r = start; r < end; r++) for (let a = 0; a < D; a++) m[a]! += x[r * D + a] as number;
        for (let a = 0; a < D; a++) m[a]! /= nk;
        for (let a = 0; a < D; a++) {
          // SE of a component's sample mean: sqrt(Σ_aa / n_k).
          expect(Math.abs(m[a]! - (mu[k * D + a] as number)), `mean ${k}[${a}]`).toBeLessThanOrEqual(6 * Math.sqrt(S[a]![a]! / nk));
        }
        for (let a = 0; a < D; a++) {
          for (let b = 0; b < D; b++) {
            let c = 0;
            for (let r = start; r < end; r++) c += ((x[r * D + a] as number) - m[a]!) * ((x[r * D + b] as number) - m[b]!);
            c /= nk;
            // SE of a Gaussian sample covariance: sqrt((Σ_aa·Σ_bb + Σ_ab²) / n_k).
            const se = Math.sqrt((S[a]![a]! * S[b]![b]! + S[a]![b]! ** 2) / nk);
            expect(Math.abs(c - S[a]![b]!), `covariance ${k}[${a}][${b}]`).toBeLessThanOrEqual(6 * se);
          }
        }
        start = end;
      }
      expect(start).toBe(n);

      // The whole sample against the mixture's mean Σπμ and covariance Σπ(Σ + μμᵀ) − m·mᵀ.
      // The mixture is not Gaussian, so the SE of each covariance entry is estimated from the
      // sample's own fourth moments: Var((x_a − m_a)(x_b − m_b)) / n.
      const mm = new Array<number>(D).fill(0);
      for (let k = 0; k < K; k++) for (let a = 0; a < D; a++) mm[a]! += (w[k] as number) * (mu[k * D + a] as number);
      const C = Array.from({ length: D }, (_, a) =>
        Array.from({ length: D }, (_, b) => {
          let v = -mm[a]! * mm[b]!;
          for (let k = 0; k < K; k++) {
            v += (w[k] as number) * (covs[k]![a]![b]! + (mu[k * D + a] as number) * (mu[k * D + b] as number));
          }
          return v;
        }),
      );
      const sm = new Array<number>(D).fill(0);
      for (let r = 0; r < n; r++) for (let a = 0; a < D; a++) sm[a]! += x[r * D + a] as number;
      for (let a = 0; a < D; a++) {
        sm[a]! /= n;
        expect(Math.abs(sm[a]! - mm[a]!), `mixture mean [${a}]`).toBeLessThanOrEqual(6 * Math.sqrt(C[a]![a]! / n));
      }
      for (let a = 0; a < D; a++) {
        for (let b = a; b < D; b++) {
          let s1 = 0;
          let s2 = 0;
          for (let r = 0; r < n; r++) {
            const p = ((x[r * D + a] as number) - sm[a]!) * ((x[r * D + b] as number) - sm[b]!);
            s1 += p;
            s2 += p * p;
          }
          const c = s1 / n;
          const se = Math.sqrt((s2 / n - c * c) / n);
          expect(Math.abs(c - C[a]![b]!), `mixture covariance [${a}][${b}]`).toBeLessThanOrEqual(6 * se);
        }
      }
    });
  }
});

// ------------------------------------------------------------------------------------------ (h)
describe('(h) toJSON → JSON text → fromJSON predicts bit-identically', () => {
  for (const covarianceType of TYPES) {
    it(covarianceType, () => {
      const gm = new GaussianMixture({ nComponents: 3, covarianceType, seed: 5 }).fitSync(X3);
      const json = gm.toJSON();
      expect(json).toMatchObject({ format: 'gaussmix', version: 1, kind: 'GaussianMixture' });
      const restored = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(json)));
      expect(restored).toBeInstanceOf(GaussianMixture);
      expect(restored.covarianceType).toBe(covarianceType);
      expectSameModel(snapshot(restored), snapshot(gm), 'restored');
      expectIdentical(restored.predictProba(probeRows), gm.predictProba(probeRows), 'predictProba');
      expectIdentical(restored.scoreSamples(probeRows), gm.scoreSamples(probeRows), 'scoreSamples');
      expectIdentical(restored.predict(probeRows), gm.predict(probeRows), 'predict');
      expectIdentical(restored.sample(50, 1).X, gm.sample(50, 1).X, 'sample');
    });
  }

  it('maxIter 0 (lowerBound −Infinity, the start as the model) round-trips too', () => {
    const gm = new GaussianMixture({ nComponents: 3, covarianceType: 'full', maxIter: 0, ...explicitStart }).fitSync(X3);
    expect(gm.lowerBound).toBe(-Infinity);
    expect(gm.nIter).toBe(0);
    const restored = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(gm.toJSON())));
    expectSameModel(snapshot(restored), snapshot(gm), 'restored maxIter 0 model');
    expectIdentical(restored.scoreSamples(probeRows), gm.scoreSamples(probeRows), 'scoreSamples');
  });

  it('GaussianKMeans round-trips as a GaussianKMeans; an unfitted model as unfitted', () => {
    const gk = new GaussianKMeans({ nComponents: 3, seed: 5 }).fitSync(X3);
    const json = JSON.parse(JSON.stringify(gk.toJSON())) as unknown;
    expect(json).toMatchObject({ kind: 'GaussianKMeans' });
    const restored = GaussianKMeans.fromJSON(json);
    expect(restored).toBeInstanceOf(GaussianKMeans);
    expectIdentical(restored.scoreSamples(probeRows), gk.scoreSamples(probeRows), 'GaussianKMeans scoreSamples');
    const unfitted = GaussianMixture.fromJSON(JSON.parse(JSON.stringify(new GaussianMixture({ nComponents: 2 }).toJSON())));
    expect(unfitted.isFitted).toBe(false);
    expect(unfitted.nComponents).toBe(2);
  });
});

// ------------------------------------------------------------------------------------------ (i)
describe('(i) GaussianKMeans is GaussianMixture with spherical covariances', () => {
  for (const init of ['kmeans', 'random'] as const) {
    it(`init '${init}': the same fit as GaussianMixture({covarianceType: 'spherical'})`, () => {
      const common = { nComponents: 3, init, seed: 321, nInit: 2 };
      const gk = new GaussianKMeans(common).fitSync(X3);
      const gs = new GaussianMixture({ ...common, covarianceType: 'spherical' }).fitSync(X3);
      expect(gk).toBeInstanceOf(GaussianMixture);
      expect(gk.covarianceType).toBe('spherical');
      expect(shapeOf(gk.covariances)).toEqual([3]);
      expectSameModel(snapshot(gk), snapshot(gs), 'GaussianKMeans vs spherical GaussianMixture');
      expectIdentical(gk.predictProba(probeRows), gs.predictProba(probeRows), 'predictProba');
      const explicit = new GaussianKMeans({ ...common, covarianceType: 'spherical' }).fitSync(X3);
      expectSameModel(snapshot(explicit), snapshot(gs), "GaussianKMeans({covarianceType: 'spherical'})");
    });
  }

  for (const covarianceType of ['full', 'tied', 'diag'] as const) {
    it(`GaussianKMeans({covarianceType: '${covarianceType}'}) throws RangeError`, () => {
      expect(() => new GaussianKMeans({ nComponents: 3, covarianceType: covarianceType as never })).toThrow(RangeError);
    });
  }
});
