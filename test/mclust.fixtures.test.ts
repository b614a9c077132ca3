/**
 * GaussianMixture with mclust's 14 models against R mclust 6.0.0 (test/fixtures/mclust, see its
 * README): every model on faithful, iris, diabetes and banknote from the same starting
 * responsibilities as mclust's me() (its hc start for 2 and 3 components, and a seeded random
 * one), after 1 and 5 iterations and converged; mclust's hc start itself (init 'hc'); the
 * noise component; the conjugate prior; parameter counts; and mclustBIC's tables through
 * selectModel.
 *
 * Tolerances (issue 17): 1e-8 relative for the closed-form M-steps and 1e-6 for the iterative
 * ones (VEI, VEV, VEE, EVE, VVE: their inner iterations stop at √ε), on every array measured
 * against its largest entry. Iteration counts: exact. The largest deviation per model is printed.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { covarianceTypeDescriptor, mixtureParameterCount, MCLUST_MODEL_NAMES, type MclustModelName } from '../lib/covariance-types.js';
import { GaussianMixture, selectModelSync, type SelectionRow } from '../lib/index.js';
import { native } from '../lib/native.js';
import {
  deviation,
  Deviations,
  loadMclustFixture,
  loadNparams,
  loadSelectFixture,
  MCLUST_DATASETS,
  type MclustFit,
  type MclustFixture,
  type SelectionFixture,
} from './helpers/mclust-fixtures.js';

const worst = new Deviations();

function tolerance(model: MclustModelName): number {
  return covarianceTypeDescriptor(model).iterative ? 1e-6 : 1e-8;
}

/** A fitted model against an mclust me() result: iterations, log-likelihood, parameters, counts, BIC, ICL. */
function compareFit(gm: GaussianMixture, X: number[][], e: MclustFit, model: MclustModelName, what: string, label: string): void {
  const tol = tolerance(model);
  expect(gm.nIter, `${what}: iterations`).toBe(e.iterations);
  const loglik = gm.score(X) * X.length;
  const record = (name: string, actual: unknown, expected: unknown): void => {
    worst.record(label, deviation(actual, expected, tol, `${what}: ${name}`));
  };
  record('loglik', loglik, e.loglik);
  record('pro', gm.weights, e.pro);
  record('mean', gm.means, e.mean);
  record('sigma', gm.covariances, e.sigma);
  expect(gm.nParameters, `${what}: nParameters`).toBe(e.nParams);
  // mclust's BIC and ICL are the negatives of gaussmix's.
  record('bic', -gm.bic(X), e.bic);
  record('icl', -gm.icl(X), e.icl);
}

const fixtures = new Map<string, MclustFixture>(MCLUST_DATASETS.map((name) => [name, loadMclustFixture(name)]));

describe('parameter counts (mclust nMclustParams)', () => {
  it('every model, d = 1..6, G = 1..9, plain and with noise', () => {
    const { table } = loadNparams();
    for (const model of MCLUST_MODEL_NAMES) {
      for (let d = 1; d <= 6; d++) {
        const row = table[model]![`d${d}`]!;
        for (let g = 1; g <= 9; g++) {
          expect(mixtureParameterCount(model, g, d), `${model} d=${d} G=${g}`).toBe(row.plain[g - 1]);
          expect(mixtureParameterCount(model, g, d, true), `${model} d=${d} G=${g} noise`).toBe(row.noise[g - 1]);
        }
      }
    }
    // scikit-learn's four are VVV, EEE, VVI and VII.
    for (const [sk, mc] of [['full', 'VVV'], ['tied', 'EEE'], ['diag', 'VVI'], ['spherical', 'VII']] as const) {
      expect(mixtureParameterCount(sk, 4, 3)).toBe(mixtureParameterCount(mc, 4, 3));
    }
  });
});

describe.each(MCLUST_DATASETS)('%s', (name) => {
  const f = fixtures.get(name) as MclustFixture;
  const X = f.X;

  it.each(MCLUST_MODEL_NAMES)('%s from the same responsibilities: 1, 5 iterations and converged', (model) => {
    for (const [zName, fits] of Object.entries(f.fits)) {
      const z = f.z[zName] as number[][];
      const fit = fits[model]!;
      for (const [run, maxIter] of [['me1', 1], ['me5', 5], ['me', 100]] as const) {
        const gm = new GaussianMixture({ nComponents: z[0]!.length, covarianceType: model, responsibilitiesInit: z, maxIter });
        gm.fitSync(X);
        compareFit(gm, X, fit[run], model, `${name}/${zName}/${model}/${run}`, model);
      }
    }
  });

  it.each(MCLUST_MODEL_NAMES)("%s from mclust's start, init 'hc' (2 and 3 components)", (model) => {
    for (const k of [2, 3]) {
      const gm = new GaussianMixture({ nComponents: k, covarianceType: model, init: 'hc' });
      gm.fitSync(X);
      compareFit(gm, X, f.fits[`hc${k}`]![model]!.me, model, `${name}/hc${k}/${model}/init hc`, model);
    }
  });

  it.each(MCLUST_MODEL_NAMES)('%s with a noise component (hypervolume V and V/2)', (model) => {
    const k = f.noise.z[0]!.length - 1;
    for (const [run, hypervolume, maxIter] of [
      ['me1', 1 / f.noise.Vinv, 1],
      ['me', 1 / f.noise.Vinv, 100],
      ['meHalfV', 1 / (2 * f.noise.Vinv), 100],
    ] as const) {
      const gm = new GaussianMixture({
        nComponents: k,
        covarianceType: model,
        responsibilitiesInit: f.noise.z,
        noise: { hypervolume },
        maxIter,
      });
      gm.fitSync(X);
      compareFit(gm, X, f.noise.fits[model]![run], model, `${name}/noise/${model}/${run}`, `noise ${model}`);
      expect(gm.weights.length).toBe(k + 1);
      const labels = gm.predict(X);
      const proba = gm.predictProba(X);
      expect(proba.shape).toEqual([X.length, k + 1]);
      // −1 exactly where the noise column is the likeliest (ties to the lowest index).
      for (let i = 0; i < X.length; i++) {
        const row = Array.from(proba.data.subarray(i * (k + 1), (i + 1) * (k + 1)));
        const top = row.indexOf(Math.max(...row));
        expect(labels[i], `${name}/noise/${model}: label ${i}`).toBe(top === k ? -1 : top);
      }
    }
  });

  it('the default hypervolume is mclust hypvol(X)', () => {
    const x = Float64Array.from(X.flat());
    deviation(native().mixtureHypervolume(x, X.length, X[0]!.length), f.hypvol.hypvol, 1e-12, `${name}: hypvol`);
    const gm = new GaussianMixture({ nComponents: 3, covarianceType: 'VVV', responsibilitiesInit: f.noise.z, noise: true });
    gm.fitSync(X);
    deviation(gm.toJSON().state?.hypervolume, f.hypvol.hypvol, 1e-12, `${name}: noise: true's hypervolume`);
  });

  const priorModels = MCLUST_MODEL_NAMES.filter((m) => covarianceTypeDescriptor(m).prior);
  it.each(priorModels)("%s under mclust's default prior (MAP EM)", (model) => {
    for (const [run, maxIter] of [['me1', 1], ['me', 100]] as const) {
      const gm = new GaussianMixture({ nComponents: 3, covarianceType: model, responsibilitiesInit: f.z.hc3, prior: 'default', maxIter });
      gm.fitSync(X);
      const e = f.prior.fits[model]![run];
      const tol = tolerance(model);
      expect(gm.nIter, `${name}/prior/${model}/${run}: iterations`).toBe(e.iterations);
      for (const [key, actual, expected] of [
        ['loglik', gm.score(X) * X.length, e.loglik],
        ['pro', gm.weights, e.pro],
        ['mean', gm.means, e.mean],
        ['sigma', gm.covariances, e.sigma],
      ] as const) {
        worst.record(`prior ${model}`, deviation(actual, expected, tol, `${name}/prior/${model}/${run}: ${key}`));
      }
      const p = gm.toJSON().state?.prior;
      const dp = f.prior.defaultPrior[model]!;
      expect(p?.shrinkage).toBe(dp.shrinkage);
      expect(p?.dof).toBe(dp.dof);
      deviation(p?.mean, dp.mean, 1e-12, `${name}/prior/${model}: defaultPrior mean`);
      deviation(p?.scale, dp.scale, 1e-12, `${name}/prior/${model}: defaultPrior scale`);
    }
  });

  it("hc: mclust's merges and classifications", () => {
    const x = Float64Array.from(X.flat());
    const { rows, merges } = native().hierarchicalStart(x, X.length, X[0]!.length, { seed: 0 });
    expect(rows.length).toBe(X.length);
    const ours = Array.from({ length: merges.length / 2 }, (_, i) => [merges[2 * i]!, merges[2 * i + 1]!]);
    const key = (m: number[]): string => m.join(',');
    // Merges that tie in exact arithmetic are ordered by rounding (iris, see the README): the
    // same set of merges is required, and the order is mclust's elsewhere.
    expect(ours.map(key).sort()).toEqual(f.hc.merges.map(key).sort());
    if (name !== 'iris') expect(ours).toEqual(f.hc.merges);
  });

  it("decomposition: λ_k D_k A_k D_kᵀ rebuilds Σ_k, with mclust's scale and (sorted) shape", () => {
    for (const model of MCLUST_MODEL_NAMES) {
      const gm = new GaussianMixture({ nComponents: 3, covarianceType: model, responsibilitiesInit: f.z.hc3 });
      gm.fitSync(X);
      const { scale, shape, orientation } = gm.decomposition;
      const d = X[0]!.length;
      const sigma = gm.covariances.data;
      for (let c = 0; c < 3; c++) {
        let det = 1;
        for (let j = 0; j < d; j++) {
          det *= shape.data[c * d + j]!;
          if (j > 0) expect(shape.data[c * d + j]!).toBeLessThanOrEqual(shape.data[c * d + j - 1]!);
        }
        expect(det).toBeCloseTo(1, 10);
        const rebuilt: number[] = [];
        for (let a = 0; a < d; a++) {
          for (let b = 0; b < d; b++) {
            let s = 0;
            for (let j = 0; j < d; j++) {
              s += orientation.data[c * d * d + a * d + j]! * shape.data[c * d + j]! * orientation.data[c * d * d + b * d + j]!;
            }
            rebuilt.push(scale[c]! * s);
          }
        }
        deviation(rebuilt, sigma.subarray(c * d * d, (c + 1) * d * d), 1e-12, `${name}/${model}: Σ_${c} rebuilt`);
      }
      const e = f.fits.hc3![model]!.me;
      const tol = tolerance(model);
      if (e.scale !== undefined) {
        // One λ (shared: EII, EEI, EVI, EEE, EVE, EEV, EVV) or one per component.
        const given = typeof e.scale === 'number' ? [e.scale] : e.scale;
        const expected = given.length === 1 ? [given[0], given[0], given[0]] : given;
        worst.record(`decomp ${model}`, deviation(scale, expected, tol, `${name}/${model}: scale`));
      }
      if (e.shape !== undefined) {
        // mclust's shape: one vector (shared) or one per component, in its own order.
        const rows = Array.isArray(e.shape[0]) ? (e.shape as number[][]) : [0, 1, 2].map(() => e.shape as number[]);
        const sorted = rows.map((r) => [...r].sort((p, q) => q - p));
        worst.record(`decomp ${model}`, deviation(shape, sorted, tol, `${name}/${model}: shape`));
      }
    }
  });
});

describe('selectModel against mclustBIC (components 1..9, the 14 models, init hc)', () => {
  for (const name of ['faithful', 'diabetes'] as const) {
    it(`${name}: mclust's pick and its BIC/ICL table`, () => {
      const f = fixtures.get(name) as MclustFixture;
      const b = f.mclustBIC!;
      const { best, table } = selectModelSync(f.X, { init: 'hc' });
      expect(table.length).toBe(14 * 9);
      expect(best.covarianceType).toBe(b.best.modelName);
      expect(best.nComponents).toBe(b.best.G);
      let compared = 0;
      for (const r of table) {
        const expected = b.bic[r.covarianceType]![r.nComponents - 1];
        const icl = b.icl[r.covarianceType]![r.nComponents - 1];
        if (expected === null || expected === undefined || r.error !== undefined) continue;
        const tol = tolerance(r.covarianceType as MclustModelName);
        worst.record(`BIC ${r.covarianceType}`, deviation(-r.bic, expected, tol, `${name} ${r.covarianceType} G=${r.nComponents}: BIC`));
        if (icl !== null && icl !== undefined) deviation(-r.icl, icl, tol, `${name} ${r.covarianceType} G=${r.nComponents}: ICL`);
        compared++;
      }
      // Every candidate mclust fitted, gaussmix fitted too.
      expect(compared).toBe(Object.values(b.bic).flat().filter((v) => v !== null).length);
    });
  }

  it("faithful with a noise component (mclust's initialization$noise): its pick and table", () => {
    const f = fixtures.get('faithful') as MclustFixture;
    const b = f.mclustBICNoise!;
    const initial = b.noiseRows.map((r) => r - 1); // R's rows are 1-based
    const { best, table } = selectModelSync(f.X, { init: 'hc', noise: { initial } });
    expect(best.covarianceType).toBe(b.best.modelName);
    expect(best.nComponents).toBe(b.best.G);
    deviation(best.toJSON().state?.hypervolume, b.best.hypvol, 1e-12, 'noise: hypervolume');
    for (const r of table) {
      const expected = b.bic[r.covarianceType]![b.G.indexOf(r.nComponents)];
      if (expected === null || expected === undefined || r.error !== undefined) continue;
      const tol = tolerance(r.covarianceType as MclustModelName);
      worst.record(`BIC noise ${r.covarianceType}`, deviation(-r.bic, expected, tol, `noise ${r.covarianceType} G=${r.nComponents}: BIC`));
    }
  });
});

describe('selectModel where mclustBIC leaves its usual path (test/fixtures/mclust/select.json)', () => {
  const select = loadSelectFixture();
  // Every row against mclust's table (rowName: mclust's column for a gaussmix name), and the pick.
  const compareTable = (table: readonly SelectionRow[], f: SelectionFixture, columnOf: (type: string) => string, label: string): void => {
    let compared = 0;
    for (const r of table) {
      const expected = f.bic[columnOf(r.covarianceType)]?.[r.nComponents - 1];
      expect(expected, `${label} ${r.covarianceType} G=${r.nComponents}: in mclust's table`).not.toBeUndefined();
      if (expected === null) {
        expect(r.error, `${label} ${r.covarianceType} G=${r.nComponents}: NA in mclust`).toBeDefined();
        continue;
      }
      expect(r.error, `${label} ${r.covarianceType} G=${r.nComponents}`).toBeUndefined();
      worst.record(`BIC ${label}`, deviation(-r.bic, expected, 1e-10, `${label} ${r.covarianceType} G=${r.nComponents}: BIC`));
      compared++;
    }
    expect(compared).toBe(Object.values(f.bic).flat().filter((v) => v !== null).length);
  };

  for (const name of ['waiting', 'eruptions'] as const) {
    it(`one feature (${name}): mclust's models E and V, quantile starts, its pick`, () => {
      const f = select[name];
      const { best, table } = selectModelSync(f.x.map((v) => [v]));
      // The 14 names reduce to E (EII, the first E name) and V (VII), as mclustBIC's do.
      expect([...new Set(table.map((r) => r.covarianceType))]).toEqual(['EII', 'VII']);
      const columnOf = (type: string): string => (type === 'EII' ? 'E' : 'V');
      compareTable(table, f, columnOf, name);
      expect(columnOf(best.covarianceType)).toBe(f.best.modelName);
      expect(best.nComponents).toBe(f.best.G);
      deviation(best.score(f.x.map((v) => [v])) * f.x.length, f.best.loglik, 1e-10, `${name}: best loglik`);
    });
  }

  it("one feature with a noise component (waiting): E and V from the quantile classes of the rows not starting as noise", () => {
    const f = select.waitingNoise;
    const x = select.waiting.x.map((v) => [v]);
    const { table, best } = selectModelSync(x, { components: [1, 2, 3, 4, 5], noise: { initial: f.noise } });
    expect([...new Set(table.map((r) => r.covarianceType))]).toEqual(['EII', 'VII']);
    deviation(best.toJSON().state?.hypervolume, f.hypervolume, 1e-15, 'waiting noise: hypervolume');
    compareTable(table, { ...f, best: { modelName: '', G: 0, bic: 0, loglik: 0 } }, (type) => (type === 'EII' ? 'E' : 'V'), 'waiting noise');
  });

  it("one feature with priorControl() (waiting): E's variance takes the prior's scale (me1ep), unlike EII's", () => {
    const f = select.waitingPrior;
    const x = select.waiting.x.map((v) => [v]);
    const { table, best } = selectModelSync(x, { prior: 'default' });
    expect([...new Set(table.map((r) => r.covarianceType))]).toEqual(['EII', 'VII']);
    const columnOf = (type: string): string => (type === 'EII' ? 'E' : 'V');
    compareTable(table, f, columnOf, 'waiting prior');
    expect(columnOf(best.covarianceType)).toBe(f.best.modelName);
    expect(best.nComponents).toBe(f.best.G);
    deviation(best.score(x) * x.length, f.best.loglik, 1e-10, 'waiting prior: best loglik');
  });

  it("one feature with priorControl() and a noise component (waiting): E's denominator counts the noise rows too", () => {
    const f = select.waitingNoisePrior;
    const x = select.waiting.x.map((v) => [v]);
    const { table } = selectModelSync(x, { components: [1, 2, 3, 4, 5], prior: 'default', noise: { initial: f.noise } });
    compareTable(table, { ...f, best: { modelName: '', G: 0, bic: 0, loglik: 0 } }, (type) => (type === 'EII' ? 'E' : 'V'), 'waiting noise prior');
  });

  it("two features with a noise component (faithful): hc on the other rows, me()'s inner M-step state kept from its first M-step", () => {
    const f = select.faithfulNoise;
    const X = loadMclustFixture('faithful').X;
    const { table } = selectModelSync(X, { components: [1, 2, 3, 4], covarianceTypes: Object.keys(f.bic), noise: { initial: f.noise } });
    compareTable(table, { ...f, best: { modelName: '', G: 0, bic: 0, loglik: 0 } }, (type) => type, 'faithful noise');
  });

  it('duplicate rows (faithful rounded): components on one point (EEV keeps their axes), its pick', () => {
    const f = select.ties;
    const { best, table } = selectModelSync(f.X);
    expect(table.length).toBe(14 * 9);
    compareTable(table, f, (type) => type, 'ties');
    expect(best.covarianceType).toBe(f.best.modelName);
    expect(best.nComponents).toBe(f.best.G);
  });

  it("faithful with priorControl(): the 10 models with a prior, G = 1 by mvn's closed form, its pick", () => {
    const f = loadMclustFixture('faithful');
    const e = select.faithfulPrior;
    const { best, table } = selectModelSync(f.X, { prior: 'default' });
    expect([...new Set(table.map((r) => r.covarianceType))]).toEqual(Object.keys(e.bic));
    compareTable(table, e, (type) => type, 'prior');
    expect(best.covarianceType).toBe(e.best.modelName);
    expect(best.nComponents).toBe(e.best.G);
    deviation(best.score(f.X) * f.X.length, e.best.loglik, 1e-10, 'prior: best loglik');
  });

  it('a named set with a prior keeps the types that have one; none left, or a list naming one without, is a RangeError', () => {
    const X = loadMclustFixture('faithful').X;
    const all = selectModelSync(X, { prior: 'default', components: [2], covarianceTypes: 'all' });
    expect(all.table.map((r) => r.covarianceType)).toEqual(MCLUST_MODEL_NAMES.filter((m) => covarianceTypeDescriptor(m).prior));
    expect(() => selectModelSync(X, { prior: 'default', covarianceTypes: 'sklearn' })).toThrow(RangeError);
    expect(() => selectModelSync(X, { prior: 'default', covarianceTypes: 'sklearn' })).toThrow(/covarianceTypes 'sklearn'/);
    expect(() => selectModelSync(X, { prior: 'default', covarianceTypes: ['EEE', 'EVE'] })).toThrow(/covarianceType 'EVE' has no conjugate prior/);
  });
});

afterAll(() => worst.print('mclust'));
