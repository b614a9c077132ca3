/**
 * BayesianGaussianMixture against scikit-learn 1.2.1: every case of test/fixtures/bgm_*.json
 * (scripts/make_bayesian_fixtures.py: iris and wine, both weight priors x the four covariance
 * types, tol 0 for a fixed number of iterations and tol 1e-3 to convergence, explicit priors,
 * integer sample weights against the rows repeated) is fitted from the fixture's starting
 * responsibilities, and every fitted attribute and prediction is compared with scikit-learn's.
 *
 * Tolerances: RTOL = 1e-8 relative on every float (the bar), with an absolute floor of
 * ATOL_SCALE = 1e-13 of the largest |value| of the array compared (for the structural zeros of
 * the triangular factors); predictProba 1e-10 absolute; labels, nIter and converged exact. The
 * largest deviation per prior and covariance type is printed at the end.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { BayesianGaussianMixture, type BayesianGaussianMixtureOptions } from '../lib/index.js';
import { expectAbsClose, expectClose, maxAbs } from './helpers/compare.js';

const RTOL = 1e-8;
const ATOL_SCALE = 1e-13;
const PROBA_ATOL = 1e-10;

type Nested = number | Nested[];

interface Case {
  name: string;
  options: {
    nComponents: number;
    covarianceType: 'full' | 'tied' | 'diag' | 'spherical';
    tol: number;
    maxIter: number;
    regCovar: number;
    weightConcentrationPriorType: 'dirichlet_process' | 'dirichlet_distribution';
  };
  priors?: Record<string, Nested>;
  sampleWeight?: number[];
  expected: Record<string, Nested | boolean | Record<string, Nested>>;
}

interface Fixture {
  name: string;
  X: number[][];
  resp: number[][];
  cases: Case[];
}

const FIXTURES = ['bgm_iris.json', 'bgm_wine.json'].map(
  (f) => JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', f), 'utf8')) as Fixture,
);

/** The largest relative deviation per weight prior and covariance type. */
const worst: Record<string, { deviation: number; where: string }> = {};

function record(c: Case, fixture: string, attribute: string, deviation: number): void {
  const key = `${c.options.weightConcentrationPriorType} ${c.options.covarianceType}`;
  const entry = (worst[key] ??= { deviation: 0, where: '' });
  if (deviation > entry.deviation) {
    entry.deviation = deviation;
    entry.where = `${fixture} ${c.name} ${attribute}`;
  }
}

function close(c: Case, fixture: string, attribute: string, actual: unknown, expected: unknown): void {
  const deviation = expectClose(actual, expected, RTOL, ATOL_SCALE * maxAbs(expected), `${c.name}: ${attribute}`);
  record(c, fixture, attribute, deviation);
}

function modelFor(f: Fixture, c: Case): BayesianGaussianMixture {
  const options: BayesianGaussianMixtureOptions = { ...c.options, responsibilitiesInit: f.resp, seed: 0, threads: 2 };
  if (c.priors) Object.assign(options, c.priors);
  return new BayesianGaussianMixture(options);
}

describe.each(FIXTURES)('BayesianGaussianMixture vs scikit-learn 1.2.1: $name', (f) => {
  it.each(f.cases)('$name', (c) => {
    const model = modelFor(f, c).fitSync(f.X, c.sampleWeight ? { sampleWeight: c.sampleWeight } : undefined);
    const e = c.expected;
    expect(model.nIter, 'nIter').toBe(e.nIter);
    expect(model.converged, 'converged').toBe(e.converged);
    const attributes = [
      'weights',
      'means',
      'covariances',
      'precisionsCholesky',
      'weightConcentration',
      'meanPrecision',
      'degreesOfFreedom',
      'lowerBound',
    ] as const;
    for (const a of attributes) close(c, f.name, a, model[a], e[a]);
    const priors = model.priors;
    const ep = e.priors as Record<string, Nested>;
    for (const key of ['weightConcentrationPrior', 'meanPrecisionPrior', 'meanPrior', 'degreesOfFreedomPrior', 'covariancePrior'] as const) {
      close(c, f.name, `priors.${key}`, priors[key], ep[key]);
    }
    close(c, f.name, 'scoreSamples', model.scoreSamples(f.X), e.scoreSamples);
    expect(Array.from(model.predict(f.X)), 'labels').toEqual(e.labels);
    if (e.predictProba) expectAbsClose(model.predictProba(f.X), e.predictProba, PROBA_ATOL, `${c.name}: predictProba`);
  });
});

afterAll(() => {
  const lines = Object.entries(worst)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, w]) => `  ${key.padEnd(34)} ${w.deviation.toExponential(2)}  (${w.where})`);
  console.log(`largest relative deviation from scikit-learn per prior and type:\n${lines.join('\n')}`);
});
