// Option validation (lib/options.ts, lib/mixture-options.ts, lib/mixture-params.ts, lib/json.ts,
// lib/errors.ts): no fit (only the addon's table of covariance types is read).
import * as os from 'node:os';

import { describe, expect, it } from 'vitest';
import { AbortError, makeAbortError, translateNativeError } from '../lib/errors.js';
import { readEnvelope } from '../lib/json.js';
import { mixtureOptionsToJSON, readMixtureOptions } from '../lib/mixture-options.js';
import { expectError } from './helpers/expect-error.js';
import {
  checkPrecisionsCholesky,
  mixtureParameterCount,
  resolveStartingParameters,
} from '../lib/mixture-params.js';
import {
  MAX_SEED,
  randomSeed,
  readFitOptions,
  readOptionsObject,
  readSampleWeight,
  resolveThreads,
  WORK_PER_THREAD,
  seedOption,
  threadsOption,
} from '../lib/options.js';

const gm = (o: unknown) => readMixtureOptions(o, 'GaussianMixture options');

describe('GaussianMixture options: defaults', () => {
  it('fills in scikit-learn defaults', () => {
    const o = gm({ nComponents: 3 });
    expect(o).toMatchObject({
      nComponents: 3,
      covarianceType: 'full',
      tol: 1e-3,
      maxIter: 100,
      nInit: 1,
      seed: undefined,
      threads: 0,
      regCovar: 1e-6,
      init: 'kmeans',
      warmStart: false,
    });
  });

  it('treats options set to undefined as absent', () => {
    expect(gm({ nComponents: 2, tol: undefined, seed: undefined }).tol).toBe(1e-3);
  });
});

describe('GaussianMixture options: rejected values', () => {
  it('requires an options object (TypeError)', () => {
    expectError(() => gm(undefined), TypeError, 'GaussianMixture options', 'undefined');
    expectError(() => gm(null), TypeError, 'null');
    expectError(() => gm(3), TypeError, '3');
    expectError(() => gm([]), TypeError, 'array');
  });

  it('requires nComponents (TypeError)', () => {
    expectError(() => gm({}), TypeError, 'nComponents', 'required');
  });

  it('rejects unknown option names, listing the known ones (RangeError)', () => {
    expectError(() => gm({ nComponents: 2, nComponent: 3 }), RangeError, "Unknown option 'nComponent'", 'nComponents, covarianceType, tol');
    expectError(() => gm({ nComponents: 2, random_state: 0 }), RangeError, "'random_state'", 'seed');
  });

  it('counts: wrong type is a TypeError; non-integer or out of range a RangeError', () => {
    expectError(() => gm({ nComponents: '3' }), TypeError, 'Expected an integer >= 1 for nComponents', "'3'");
    expectError(() => gm({ nComponents: 2.5 }), RangeError, 'Expected an integer >= 1 for nComponents but received 2.5');
    expectError(() => gm({ nComponents: 0 }), RangeError, 'nComponents', 'received 0');
    expectError(() => gm({ nComponents: NaN }), RangeError, 'nComponents', 'NaN');
    expectError(() => gm({ nComponents: Infinity }), RangeError, 'nComponents');
    // Past the cap the message names it (an integer >= 1 would read as satisfied).
    expectError(() => gm({ nComponents: 2 ** 31 }), RangeError, 'Expected an integer between 1 and 2147483647 for nComponents', '2147483648');
    expectError(() => gm({ nComponents: 2, maxIter: -1 }), RangeError, 'Expected an integer >= 0 for maxIter');
    expectError(() => gm({ nComponents: 2, maxIter: 1.5 }), RangeError, 'maxIter', '1.5');
    expectError(() => gm({ nComponents: 2, maxIter: true }), TypeError, 'maxIter', 'true');
    expectError(() => gm({ nComponents: 2, nInit: 0 }), RangeError, 'Expected an integer >= 1 for nInit');
    expectError(() => gm({ nComponents: 2, nInit: 1.2 }), RangeError, 'nInit');
    expect(gm({ nComponents: 2, maxIter: 0 }).maxIter).toBe(0);
  });

  it('tol and regCovar: finite numbers >= 0', () => {
    expectError(() => gm({ nComponents: 2, tol: -1e-3 }), RangeError, 'Expected a finite number >= 0 for tol', '-0.001');
    expectError(() => gm({ nComponents: 2, tol: NaN }), RangeError, 'tol', 'NaN');
    expectError(() => gm({ nComponents: 2, tol: '1e-3' }), TypeError, 'tol');
    expectError(() => gm({ nComponents: 2, regCovar: -1 }), RangeError, 'regCovar');
    expectError(() => gm({ nComponents: 2, regCovar: Infinity }), RangeError, 'regCovar', 'Infinity');
    expect(gm({ nComponents: 2, tol: 0, regCovar: 0 })).toMatchObject({ tol: 0, regCovar: 0 });
  });

  it('seed: an integer in [0, 2^53)', () => {
    expectError(() => gm({ nComponents: 2, seed: -1 }), RangeError, 'seed', '-1');
    expectError(() => gm({ nComponents: 2, seed: 1.5 }), RangeError, 'seed');
    expectError(() => gm({ nComponents: 2, seed: 2 ** 53 }), RangeError, 'Expected an integer between 0 and 9007199254740991 for seed');
    expectError(() => gm({ nComponents: 2, seed: 1n }), TypeError, 'seed', 'bigint');
    expect(seedOption(MAX_SEED)).toBe(MAX_SEED);
    expect(gm({ nComponents: 2, seed: 0 }).seed).toBe(0);
  });

  it('threads: 0 (absent) takes one thread per WORK_PER_THREAD of N·K·D, up to the cores', () => {
    const cores = os.availableParallelism();
    expect(resolveThreads(0, 500 * 3 * 2)).toBe(1);
    expect(resolveThreads(0, WORK_PER_THREAD)).toBe(1);
    expect(resolveThreads(0, WORK_PER_THREAD + 1)).toBe(Math.min(2, cores));
    expect(resolveThreads(0, 1e9)).toBe(cores);
    expect(resolveThreads(0)).toBe(cores);
    // Given, it is used as it is (the engine still never uses more threads than row blocks).
    expect(resolveThreads(5, 10)).toBe(5);
  });

  it('threads: an integer in [0, 1024]', () => {
    expectError(() => gm({ nComponents: 2, threads: -1 }), RangeError, 'Expected an integer between 0 and 1024 for threads');
    expectError(() => gm({ nComponents: 2, threads: 2.5 }), RangeError, 'threads');
    expectError(() => gm({ nComponents: 2, threads: 1e6 }), RangeError, 'threads');
    expectError(() => threadsOption('4'), TypeError, 'threads');
    expect(resolveThreads(3)).toBe(3);
    expect(resolveThreads(0)).toBeGreaterThanOrEqual(1);
  });

  it('enums: covarianceType and init', () => {
    expectError(
      () => gm({ nComponents: 2, covarianceType: 'ful' }),
      RangeError,
      "one of 'full', 'tied', 'diag', 'spherical', 'EII', 'VII', 'EEI', 'VEI', 'EVI', 'VVI', 'EEE', 'VEE', 'EVE', 'VVE', 'EEV', 'VEV', 'EVV', 'VVV' for covarianceType",
      "'ful'",
    );
    expectError(() => gm({ nComponents: 2, covarianceType: 1 }), TypeError, 'covarianceType');
    expectError(() => gm({ nComponents: 2, init: 'random_from_data' }), RangeError, 'init', "'random-from-data'");
    for (const init of ['kmeans', 'k-means++', 'random', 'random-from-data', 'hc']) {
      expect(gm({ nComponents: 2, init }).init).toBe(init);
    }
  });

  it('warmStart: a boolean', () => {
    expectError(() => gm({ nComponents: 2, warmStart: 1 }), TypeError, 'Expected a boolean for warmStart');
  });
});

describe('starting parameters', () => {
  it('weightsInit: length K, each in [0, 1], summing to 1', () => {
    expect(gm({ nComponents: 2, weightsInit: [0.25, 0.75] }).start.weightsInit?.shape).toEqual([2]);
    expect(gm({ nComponents: 2, weightsInit: new Float64Array([0.5, 0.5]) }).start.weightsInit).toBeDefined();
    expectError(() => gm({ nComponents: 3, weightsInit: [0.5, 0.5] }), RangeError, 'weightsInit has length 2', 'nComponents is 3');
    expectError(() => gm({ nComponents: 2, weightsInit: [-0.5, 1.5] }), RangeError, 'weightsInit[0]', '[0, 1]');
    expectError(() => gm({ nComponents: 2, weightsInit: [0.5, 0.6] }), RangeError, 'weightsInit must sum to 1');
    expectError(() => gm({ nComponents: 2, weightsInit: [0.5, NaN] }), RangeError, 'weightsInit[1]');
    expectError(() => gm({ nComponents: 2, weightsInit: 'ab' }), TypeError, 'weightsInit');
  });

  it('meansInit: K rows; D checked at fit time', () => {
    const o = gm({ nComponents: 2, meansInit: [[0, 0], [1, 1]] });
    expect(resolveStartingParameters(o.start, 'full', 2, 2).meansInit).toEqual(new Float64Array([0, 0, 1, 1]));
    expectError(() => gm({ nComponents: 3, meansInit: [[0, 0], [1, 1]] }), RangeError, 'meansInit has 2 rows', 'nComponents is 3');
    expectError(() => resolveStartingParameters(o.start, 'full', 2, 3), RangeError, 'meansInit has shape [2, 2]', '[2, 3]');
    const flat = gm({ nComponents: 2, meansInit: new Float64Array([0, 0, 1, 1]) });
    expect(resolveStartingParameters(flat.start, 'full', 2, 2).meansInit?.length).toBe(4);
    expectError(() => resolveStartingParameters(flat.start, 'full', 2, 3), RangeError, 'flat array of length 4', 'needs 6');
  });

  it('only one of covariancesInit and precisionsInit', () => {
    expectError(
      () => gm({ nComponents: 1, covarianceType: 'spherical', covariancesInit: [1], precisionsInit: [1] }),
      RangeError,
      'at most one of covariancesInit and precisionsInit',
    );
  });

  it('full: [K, D, D], symmetric, positive definite', () => {
    const eye = [[1, 0], [0, 1]];
    const o = gm({ nComponents: 2, covariancesInit: [eye, eye] });
    expect(resolveStartingParameters(o.start, 'full', 2, 2).covariancesInit?.length).toBe(8);
    expectError(() => gm({ nComponents: 2, covariancesInit: [eye] }), RangeError, 'covariancesInit has shape [1, 2, 2]', 'nComponents (2)');
    expectError(() => gm({ nComponents: 1, covariancesInit: [[[1, 0.5], [0, 1]]] }), RangeError, 'covariancesInit[0] must be symmetric', '[0][1]');
    expectError(() => gm({ nComponents: 1, precisionsInit: [[[1, 2], [2, 1]]] }), RangeError, 'precisionsInit[0] must be positive definite');
    expectError(() => gm({ nComponents: 1, covariancesInit: [[[1, 0, 0], [0, 1, 0]]] }), RangeError, 'square');
    expectError(() => gm({ nComponents: 1, covariancesInit: [[1, 0], [0, 1]] }), TypeError, 'covariancesInit[0][0]');
    // Shape against D is checked at fit time.
    expectError(
      () => resolveStartingParameters(o.start, 'full', 2, 3),
      RangeError,
      'covariancesInit has shape [2, 2, 2]',
      "[nComponents, nFeatures, nFeatures] for covarianceType 'full' = [2, 3, 3]",
    );
    // A flat array is checked for symmetry once D is known.
    const flat = gm({ nComponents: 1, covariancesInit: new Float64Array([1, 0.5, 0, 1]) });
    expectError(() => resolveStartingParameters(flat.start, 'full', 1, 2), RangeError, 'must be symmetric');
    // numpy allclose tolerance: tiny asymmetry is accepted, as in scikit-learn.
    expect(() => gm({ nComponents: 1, covariancesInit: [[[1, 1e-12], [0, 1]]] })).not.toThrow();
  });

  it('tied: [D, D] symmetric positive definite', () => {
    const o = gm({ nComponents: 3, covarianceType: 'tied', precisionsInit: [[2, 1], [1, 2]] });
    expect(resolveStartingParameters(o.start, 'tied', 3, 2).precisionsInit?.length).toBe(4);
    expectError(() => gm({ nComponents: 3, covarianceType: 'tied', precisionsInit: [[1, 2], [2, 1]] }), RangeError, 'precisionsInit must be positive definite');
    expectError(() => gm({ nComponents: 3, covarianceType: 'tied', precisionsInit: [[[1]]] }), TypeError, 'precisionsInit[0][0]');
  });

  it('diag: [K, D] positive; spherical: [K] positive', () => {
    expect(() => gm({ nComponents: 2, covarianceType: 'diag', covariancesInit: [[1, 2], [3, 4]] })).not.toThrow();
    expectError(() => gm({ nComponents: 2, covarianceType: 'diag', covariancesInit: [[1, 2], [0, 4]] }), RangeError, 'covariancesInit[1][0] must be positive');
    expectError(() => gm({ nComponents: 2, covarianceType: 'diag', covariancesInit: new Float64Array([1, -2]) }), RangeError, 'covariancesInit[1] must be positive');
    expectError(() => gm({ nComponents: 2, covarianceType: 'spherical', precisionsInit: [1, -1] }), RangeError, 'precisionsInit[1] must be positive');
    expectError(() => gm({ nComponents: 3, covarianceType: 'spherical', precisionsInit: [1, 1] }), RangeError, 'nComponents (3)');
  });

  it('round-trips through the JSON form of the options', () => {
    const o = gm({
      nComponents: 2,
      covarianceType: 'diag',
      seed: 7,
      weightsInit: [0.5, 0.5],
      meansInit: new Float64Array([0, 0, 1, 1]),
      covariancesInit: [[1, 2], [3, 4]],
    });
    const json = JSON.parse(JSON.stringify(mixtureOptionsToJSON(o))) as unknown;
    const back = gm(json);
    expect(mixtureOptionsToJSON(back)).toEqual(mixtureOptionsToJSON(o));
    expect(Array.from(back.start.meansInit?.data ?? [])).toEqual([0, 0, 1, 1]);
  });
});

describe('fit options', () => {
  it('accepts undefined and known options', () => {
    expect(readFitOptions(undefined, 'fit options').signal).toBeUndefined();
    const ac = new AbortController();
    const f = () => undefined;
    const r = readFitOptions({ signal: ac.signal, onIteration: f, sampleWeight: [1] }, 'fit options');
    expect(r.signal).toBe(ac.signal);
    expect(r.onIteration).toBe(f);
  });

  it('rejects bad fit options', () => {
    expectError(() => readFitOptions(null, 'GaussianMixture.fit options'), TypeError, 'GaussianMixture.fit options', 'null');
    expectError(() => readFitOptions({ sampleWeights: [1] }, 'fit options'), RangeError, "Unknown option 'sampleWeights'", 'sampleWeight, signal, onIteration');
    expectError(() => readFitOptions({ signal: {} }, 'fit options'), TypeError, 'Expected an AbortSignal for signal');
    expectError(() => readFitOptions({ onIteration: 1 }, 'fit options'), TypeError, 'Expected a function for onIteration');
    expectError(() => readFitOptions({ sampleWeight: 5 }, 'fit options'), TypeError, 'sampleWeight');
  });

  it('sampleWeight: length N, finite, >= 0, not all zero', () => {
    expect(readSampleWeight([1, 0, 2.5], 3)).toEqual(new Float64Array([1, 0, 2.5]));
    expectError(() => readSampleWeight([1, 2], 3), RangeError, 'sampleWeight has length 2', 'X has 3 samples');
    expectError(() => readSampleWeight([1, -1, 2], 3), RangeError, 'sampleWeight[1]', '-1');
    expectError(() => readSampleWeight([1, NaN, 2], 3), RangeError, 'sampleWeight[1]', 'NaN');
    expectError(() => readSampleWeight([1, Infinity, 2], 3), RangeError, 'sampleWeight[1]', 'Infinity');
    expectError(() => readSampleWeight([0, 0, 0], 3), RangeError, 'must not be all zero');
    expectError(() => readSampleWeight([1, '2', 3], 3), TypeError, 'sampleWeight[1]');
    expectError(() => readSampleWeight('abc', 3), TypeError, 'sampleWeight');
  });

  it('sampleWeight: a sum beyond the largest float64 is refused as such', () => {
    expect(readSampleWeight([1e308, 7e307], 2)[0]).toBe(1e308);
    expectError(() => readSampleWeight([1e308, 1e308], 2), RangeError, 'sampleWeight sums to more than the largest float64', 'scale the weights down');
    expectError(() => readSampleWeight([1e308, 1e308], 2, 'sampleWeight', true), RangeError, 'sums to more than');
  });
});

describe('shared helpers', () => {
  it('readOptionsObject lists known names', () => {
    expectError(() => readOptionsObject({ a: 1, zz: 2 }, 'X options', ['a', 'b']), RangeError, "'zz'", 'a, b');
  });

  it('randomSeed draws integers in [0, 2^53)', () => {
    for (let i = 0; i < 100; i++) {
      const s = randomSeed();
      expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
    }
    expect(randomSeed()).not.toBe(randomSeed());
  });

  it('nParameters matches scikit-learn _n_parameters', () => {
    // K = 3, D = 4: means 12, weights 2; covariances full 30, tied 10, diag 12, spherical 3.
    expect(mixtureParameterCount('full', 3, 4)).toBe(44);
    expect(mixtureParameterCount('tied', 3, 4)).toBe(24);
    expect(mixtureParameterCount('diag', 3, 4)).toBe(26);
    expect(mixtureParameterCount('spherical', 3, 4)).toBe(17);
  });

  it('checkPrecisionsCholesky wants upper triangular factors with a positive diagonal', () => {
    expect(() => checkPrecisionsCholesky(new Float64Array([1, 0.5, 0, 2]), 'tied', 1, 2, 'p')).not.toThrow();
    expectError(() => checkPrecisionsCholesky(new Float64Array([1, 0, 0.5, 2]), 'tied', 1, 2, 'p'), RangeError, 'upper triangular', '[1][0]');
    expectError(() => checkPrecisionsCholesky(new Float64Array([1, 0, 0, -2]), 'full', 1, 2, 'p'), RangeError, 'p[0][1][1]');
  });
});

describe('errors', () => {
  it('makeAbortError looks like Node’s AbortError', () => {
    const ac = new AbortController();
    const reason = new Error('stop');
    ac.abort(reason);
    const err = makeAbortError(ac.signal);
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AbortError');
    expect(err.code).toBe('ABORT_ERR');
    expect(err.cause).toBe(reason);
  });

  it('translateNativeError maps aborts and passes the rest through', () => {
    const ac = new AbortController();
    ac.abort('why');
    const aborted = Object.assign(new Error('the fit was aborted'), { code: 'ERR_GAUSSMIX_ABORTED' });
    const t = translateNativeError(aborted, ac.signal);
    expect(t).toBeInstanceOf(AbortError);
    expect(t.cause).toBe('why');
    const ill = Object.assign(new Error('component 1: ...'), { code: 'ERR_GAUSSMIX_ILL_CONDITIONED', component: 1 });
    expect(translateNativeError(ill)).toBe(ill);
    const odd = translateNativeError('boom') as Error & { code: string };
    expect(odd.code).toBe('ERR_GAUSSMIX_INTERNAL');
  });
});

describe('JSON envelope', () => {
  const where = 'GaussianMixture.fromJSON';
  const ok = { format: 'gaussmix', version: 1, kind: 'GaussianMixture', options: { nComponents: 1 }, state: null };
  it('accepts a valid envelope', () => {
    expect(readEnvelope(ok, where, ['GaussianMixture']).kind).toBe('GaussianMixture');
  });
  it('rejects wrong format, version, kind and fields, naming them', () => {
    expectError(() => readEnvelope('x', where, ['GaussianMixture']), TypeError, where);
    expectError(() => readEnvelope({ ...ok, format: 'other' }, where, ['GaussianMixture']), RangeError, 'format', "'other'");
    expectError(() => readEnvelope({ ...ok, format: 1 }, where, ['GaussianMixture']), TypeError, 'format');
    expectError(() => readEnvelope({ ...ok, version: 2 }, where, ['GaussianMixture']), RangeError, 'unsupported version 2');
    expectError(() => readEnvelope({ ...ok, version: '1' }, where, ['GaussianMixture']), TypeError, 'version');
    expectError(() => readEnvelope({ ...ok, kind: 'KMeans' }, where, ['GaussianMixture']), RangeError, 'kind', "'KMeans'");
    expectError(() => readEnvelope({ ...ok, extra: 1 }, where, ['GaussianMixture']), RangeError, 'unknown field extra');
    const { state: _s, ...noState } = ok;
    expectError(() => readEnvelope(noState, where, ['GaussianMixture']), RangeError, 'state is missing');
    expectError(() => readEnvelope({ ...ok, options: 3 }, where, ['GaussianMixture']), TypeError, 'options');
    expectError(() => readEnvelope({ ...ok, state: [] }, where, ['GaussianMixture']), TypeError, 'state');
  });
});
