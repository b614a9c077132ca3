/**
 * selectModel / selectModelSync: mclust's `mclustBIC` (and `mclustICL`) in this API — a
 * GaussianMixture for every (covariance type, number of components) candidate, the table of
 * their criteria, and the best one.
 *
 * @module
 */
import { covarianceTypeDescriptor, covarianceTypeNames, isMclustModel, MCLUST_MODEL_NAMES, mixtureParameterCount, SKLEARN_COVARIANCE_TYPES, type CovarianceType } from './covariance-types.js';
import { describe, ErrorCode, invalidType, invalidValue, makeAbortError, throwIfAborted, translateNativeError } from './errors.js';
import { GaussianMixture, mixtureFitMemoryOf, noiseHypervolume, useHierarchicalStart } from './gaussian-mixture.js';
import { toMatrix, type Matrix } from './input.js';
import { checkFitMemory } from './memory-check.js';
import { MIXTURE_OPTION_NAMES, type GaussianMixtureOptions } from './mixture-options.js';
import { native, type NativeHcOptions, type NativeHcStart, type NativeTask } from './native.js';
import { quantileStart } from './quantile-start.js';
import { fitScaling, standardMatrix, type Scaling } from './scaling.js';
import { enumOption, functionOption, integerOption, randomSeed, readOptionsObject, readSampleWeight, seedOption, signalOption } from './options.js';
import type { DataInput } from './types.js';

/** One candidate of a model selection. */
export interface SelectionRow {
  readonly nComponents: number;
  readonly covarianceType: CovarianceType;
  /** −2·logL + p·ln N (lower is better; mclust reports the negative). NaN when the fit failed. */
  readonly bic: number;
  /** bic − 2·Σ ln z_n,ĉ(n) (lower is better). NaN when the fit failed. */
  readonly icl: number;
  /** logL: Σ_n w_n log p(x_n) under the fitted model. NaN when the fit failed. */
  readonly logLikelihood: number;
  /** p, the free parameters (mclust's nMclustParams). */
  readonly nParameters: number;
  readonly converged: boolean;
  /** Why the fit failed (the row's criteria are then NaN); absent when it succeeded. */
  readonly error?: string;
}

/** Options of {@link selectModel}: the candidates, the criterion, and GaussianMixture's options shared by all. */
export interface SelectModelOptions extends Omit<GaussianMixtureOptions, 'nComponents' | 'covarianceType'> {
  /** The numbers of components to try: integers >= 1 (default 1..9, as mclustBIC). */
  components?: readonly number[];
  /**
   * The covariance types to try (default `'mclust'`, its 14 names): a list of names,
   * `'mclust'`, `'sklearn'` (its four) or `'all'`.
   */
  // (Any strings type-check, as API.md's string[]: each is checked when the selection starts.)
  covarianceTypes?: readonly (CovarianceType | (string & {}))[] | 'mclust' | 'sklearn' | 'all';
  /** What `best` minimises (default `'bic'`). */
  criterion?: 'bic' | 'icl';
  /** Raw sample weights >= 0 (length N); then logL = Σ w log p and N = Σ w in the criteria. */
  sampleWeight?: ArrayLike<number>;
  /** Aborts the selection: the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /** Called with each row as soon as its candidate is fitted (in the table's order). */
  onModel?: (row: SelectionRow) => void;
}

/** The result of a model selection. */
export interface ModelSelection {
  /** The fitted candidate of the lowest criterion (the first of equals). */
  readonly best: GaussianMixture;
  /** Every candidate, covariance type by covariance type, each by increasing nComponents. */
  readonly table: readonly SelectionRow[];
}

const SELECT_NAMES = ['components', 'covarianceTypes', 'criterion', 'sampleWeight', 'signal', 'onModel'] as const;

interface Plan {
  readonly X: Matrix;
  readonly sampleWeight: Float64Array | undefined;
  readonly candidates: readonly { type: CovarianceType; k: number }[];
  readonly criterion: 'bic' | 'icl';
  readonly shared: GaussianMixtureOptions;
  /** hc's input, when the candidates start from hc (computed by hcStart / hcStartAsync). */
  readonly hcOptions: NativeHcOptions | undefined;
  /** The rows hc runs on: X as every candidate's fit takes it (standardised with `standardize`). */
  readonly hcX: Matrix;
  readonly hc?: NativeHcStart;
  /** One feature and no start given: each candidate starts from mclust's quantile classes. */
  readonly quantile: boolean;
  readonly signal: AbortSignal | undefined;
  readonly onModel: ((row: SelectionRow) => void) | undefined;
}

/**
 * With a noise component: its initial rows, resolved once for every candidate (the rows
 * native/core/mixture.h defaultNoiseRows finds in `rows`, X as the candidates fit it, under the
 * hypervolume their fits take) and written into `shared` with the hypervolume; the initial rows
 * (undefined without noise or with responsibilitiesInit). With a scaling, the hypervolume written
 * is only a given one (in the original units): each candidate takes V in standardised units as
 * its own fit would (hypvol(X) / Π scale is not exact back in the original units).
 * @throws RangeError - a hypervolume that is not a positive float64 (see noiseHypervolume).
 */
function sharedNoise(
  shared: Record<string, unknown>,
  X: Matrix,
  rows: Matrix,
  scaling: Scaling | undefined,
  sampleWeight: Float64Array | undefined,
): Int32Array | undefined {
  if (shared.noise === undefined || shared.noise === false || shared.responsibilitiesInit !== undefined) return undefined;
  const given = (typeof shared.noise === 'object' ? shared.noise : {}) as { hypervolume?: number; initial?: ArrayLike<number> };
  const hypervolume = noiseHypervolume(X, scaling, given.hypervolume);
  let initial: Int32Array;
  try {
    initial =
      given.initial !== undefined
        ? Int32Array.from(given.initial)
        : native().mixtureNoiseRows(rows.data, rows.n, rows.d, { hypervolume, ...(sampleWeight && { sampleWeight }) });
  } catch (err) {
    throw translateNativeError(err);
  }
  shared.noise = scaling ? { ...(given.hypervolume !== undefined && { hypervolume: given.hypervolume }), initial } : { hypervolume, initial };
  return initial;
}

/**
 * The candidates' covariance types. A named set (`'mclust'`, the default, `'sklearn'`, `'all'`)
 * follows mclustBIC's defaults: with a prior, only the types that have one; on one feature,
 * mclust's names reduce to its two univariate models, equal and variable variance (the first
 * name of each: EII, VII). A list is taken as given.
 */
function readTypes(value: unknown, d: number, prior: boolean): CovarianceType[] {
  if (value === undefined || value === 'mclust' || value === 'sklearn' || value === 'all') {
    const named = value === undefined ? 'mclust' : value;
    let types: CovarianceType[] =
      named === 'mclust' ? [...MCLUST_MODEL_NAMES] : named === 'sklearn' ? [...SKLEARN_COVARIANCE_TYPES] : [...covarianceTypeNames()];
    if (prior) types = types.filter((t) => covarianceTypeDescriptor(t).prior);
    if (d === 1) {
      const seen = new Set<string>();
      types = types.filter((t) => {
        if (!isMclustModel(t)) return true;
        const volume = covarianceTypeDescriptor(t).volume;
        if (seen.has(volume)) return false;
        seen.add(volume);
        return true;
      });
    }
    if (types.length === 0) {
      throw invalidValue(`covarianceTypes '${named}' holds no covariance type with a conjugate prior (prior applies to ${MCLUST_MODEL_NAMES.filter((m) => covarianceTypeDescriptor(m).prior).join(', ')})`);
    }
    return types;
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidType(`Expected a non-empty array of covariance types, 'mclust', 'sklearn' or 'all' for covarianceTypes but received ${describe(value)}`);
  }
  const names = covarianceTypeNames();
  return [...new Set(value.map((v, i) => enumOption(v, `covarianceTypes[${i}]`, names)))];
}

/**
 * The covariance type a candidate is fitted with. One component of an mclust name is fitted as
 * mclustBIC fits G = 1 (mclust's `mvn`, without noise): the unconstrained model of its family
 * (VII, VVI or VVV; VII on one feature), which every name of the family is with one component.
 * The iterative M-steps (VEI, EVE, ...) reach that maximum only to their tolerance, and with a
 * prior the E names' priors differ from mvn's.
 */
function fittedType(type: CovarianceType, k: number, d: number, noise: boolean): CovarianceType {
  if (k !== 1 || noise || !isMclustModel(type)) return type;
  const t = covarianceTypeDescriptor(type);
  if (d === 1 || t.shape === 'I') return 'VII';
  return t.orientation === 'I' ? 'VVI' : 'VVV';
}

/**
 * A one-feature candidate's start, as mclustBIC's: the quantile classes' responsibilities; with
 * noise, those of the rows not starting as noise (qclass(x[-noise], k)), and the noise rows'
 * all in the last column (the noise component then keeps only its hypervolume).
 */
function quantileOptions(p: Plan, k: number): Partial<GaussianMixtureOptions> {
  const x = p.X.data;
  const noise = p.shared.noise as { hypervolume: number; initial: Int32Array } | undefined;
  if (noise === undefined || (noise as unknown) === false) {
    return { responsibilitiesInit: { data: quantileStart(x, k), shape: [p.X.n, k] } };
  }
  const isNoise = new Uint8Array(p.X.n);
  for (const r of noise.initial) isNoise[r] = 1;
  const rest = x.filter((_, i) => isNoise[i] === 0);
  const zRest = quantileStart(rest, k);
  const columns = k + 1;
  const z = new Float64Array(p.X.n * columns);
  for (let i = 0, j = 0; i < p.X.n; i++) {
    if (isNoise[i] === 1) z[i * columns + k] = 1;
    else z.set(zRest.subarray(j * k, ++j * k), i * columns);
  }
  return { noise: { hypervolume: noise.hypervolume }, responsibilitiesInit: { data: z, shape: [p.X.n, columns] } };
}

/** Validates everything and computes what every candidate shares (hc once). */
function plan(Xin: DataInput, value: unknown): Plan {
  const all = readOptionsObject(value ?? {}, 'selectModel options', [
    ...SELECT_NAMES,
    ...MIXTURE_OPTION_NAMES.filter((n) => n !== 'nComponents' && n !== 'covarianceType'),
  ]);
  const X = toMatrix(Xin, 'X');
  const components = all.components === undefined ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : all.components;
  if (!Array.isArray(components) || components.length === 0) {
    throw invalidType(`Expected a non-empty array of integers >= 1 for components but received ${describe(components)}`);
  }
  const ks = [...new Set(components.map((k, i) => integerOption(k, `components[${i}]`, 1)))];
  const types = readTypes(all.covarianceTypes, X.d, all.prior !== undefined);
  const criterion = all.criterion === undefined ? 'bic' : enumOption(all.criterion, 'criterion', ['bic', 'icl'] as const);
  const sampleWeight = all.sampleWeight === undefined ? undefined : readSampleWeight(all.sampleWeight, X.n);
  const signal = all.signal === undefined ? undefined : signalOption(all.signal);
  const onModel = all.onModel === undefined ? undefined : functionOption<(row: SelectionRow) => void>(all.onModel, 'onModel');
  const shared: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(all)) {
    if (!(SELECT_NAMES as readonly string[]).includes(key)) shared[key] = v;
  }
  // mclustBIC's start: on one feature its quantile classes (of the rows not starting as noise),
  // else hc (computed
  // once for every candidate); one seed for every candidate.
  const noise = shared.noise !== undefined && shared.noise !== false;
  const quantile = X.d === 1 && shared.init === undefined && shared.responsibilitiesInit === undefined;
  if (!quantile && shared.init === undefined && shared.responsibilitiesInit === undefined) shared.init = 'hc';
  shared.seed = shared.seed === undefined ? randomSeed() : seedOption(shared.seed);
  // Every candidate's options checked before any fit (a bad option is a throw, not a row).
  for (const type of types) new GaussianMixture({ ...shared, nComponents: 1, covarianceType: type } as GaussianMixtureOptions);
  const candidates = types.flatMap((type) => ks.map((k) => ({ type, k })));
  // A candidate larger than the machine would fail only after the candidates before it (and
  // hc) had run: refused now, before any work, as its own fit would refuse it.
  for (const { type, k } of candidates) {
    if (k > X.n) continue; // a row of its own (feasible)
    const gm = new GaussianMixture({ ...shared, nComponents: k, covarianceType: fittedType(type, k, X.d, noise) } as GaussianMixtureOptions);
    checkFitMemory(`selectModel: the candidate ${type} with ${k} component${k === 1 ? '' : 's'}`, mixtureFitMemoryOf(gm, X.n, X.d));
  }
  // The rows every candidate fits: with standardize, X standardised by the scaling each one's
  // fit measures (the same for all). hc and the noise rows are found in them: neither is exact
  // under a change of units (hc's merges break ties and near-ties otherwise).
  const scaling = shared.standardize === true ? fitScaling(X, sampleWeight) : undefined;
  const rows = scaling ? standardMatrix(X, scaling) : X;
  const initial = sharedNoise(shared, X, rows, scaling, sampleWeight);
  let hcOptions: NativeHcOptions | undefined;
  if (shared.init === 'hc') {
    if (initial && initial.some((r) => !(r >= 0 && r < X.n))) throw invalidValue(`noise.initial holds a row outside X's ${X.n} rows`);
    hcOptions = { seed: shared.seed as number, ...(initial && { exclude: initial }), ...(sampleWeight && { sampleWeight }) };
  }
  return { X, sampleWeight, candidates, criterion, shared: shared as unknown as GaussianMixtureOptions, hcOptions, hcX: rows, quantile, signal, onModel };
}

/** The plan with its hc start, computed on this thread (once for every candidate). */
function withHcSync(p: Plan): Plan {
  if (!p.hcOptions) return p;
  try {
    return { ...p, hc: native().hierarchicalStart(p.hcX.data, p.hcX.n, p.hcX.d, p.hcOptions) };
  } catch (err) {
    throw translateNativeError(err);
  }
}

/** The plan with its hc start, computed off the JavaScript thread; the signal stops it. */
async function withHc(p: Plan): Promise<Plan> {
  throwIfAborted(p.signal);
  if (!p.hcOptions) return p;
  const { signal } = p;
  let task: NativeTask<NativeHcStart>;
  try {
    task = native().hierarchicalStartAsync(p.hcX.data, p.hcX.n, p.hcX.d, p.hcOptions);
  } catch (err) {
    throw translateNativeError(err, signal);
  }
  const onAbort = () => task.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return { ...p, hc: await task.promise };
  } catch (err) {
    throw translateNativeError(err, signal);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The row of a fitted candidate (or of its failure). */
function row(p: Plan, type: CovarianceType, k: number, gm: GaussianMixture | undefined, error: unknown): SelectionRow {
  const noise = p.shared.noise !== undefined && p.shared.noise !== false;
  const nParameters = mixtureParameterCount(type, k, p.X.d, noise);
  if (!gm) {
    const message = error instanceof Error ? error.message : String(error);
    return Object.freeze({ nComponents: k, covarianceType: type, bic: NaN, icl: NaN, logLikelihood: NaN, nParameters, converged: false, error: message });
  }
  const X = { data: p.X.data, shape: [p.X.n, p.X.d] };
  const w = p.sampleWeight;
  const logProb = gm.scoreSamples(X);
  const resp = gm.predictProba(X).data;
  const c = resp.length / p.X.n;
  let logLikelihood = 0;
  let entropy = 0;
  let total = 0;
  for (let i = 0; i < p.X.n; i++) {
    const wi = w ? (w[i] as number) : 1;
    if (wi === 0) continue;
    let top = 0;
    for (let j = 0; j < c; j++) top = Math.max(top, resp[i * c + j] as number);
    logLikelihood += wi * (logProb[i] as number);
    if (top > 0) entropy += wi * Math.log(top);
    total += wi;
  }
  const bic = -2 * logLikelihood + nParameters * Math.log(total);
  return Object.freeze({
    nComponents: k,
    covarianceType: type,
    bic,
    icl: bic - 2 * entropy,
    logLikelihood,
    nParameters,
    converged: gm.converged,
  });
}

/** The best row's index by the criterion (the first of equals), or −1 when every fit failed. */
function bestIndex(table: readonly SelectionRow[], criterion: 'bic' | 'icl'): number {
  let best = -1;
  table.forEach((r, i) => {
    if (r.error === undefined && Number.isFinite(r[criterion]) && (best < 0 || r[criterion] < (table[best] as SelectionRow)[criterion])) best = i;
  });
  return best;
}

/** The candidates of a plan, fitted one by one (the loop both entry points share). */
class Selection {
  readonly #p: Plan;
  readonly #table: SelectionRow[] = [];
  readonly #models: (GaussianMixture | undefined)[] = [];

  constructor(p: Plan) {
    this.#p = p;
  }

  /** The data as every candidate's fit takes it, and its fit options. */
  get data(): { data: Float64Array; shape: number[] } {
    return { data: this.#p.X.data, shape: [this.#p.X.n, this.#p.X.d] };
  }
  get fitOptions(): { sampleWeight?: Float64Array; signal?: AbortSignal } {
    const p = this.#p;
    return { ...(p.sampleWeight && { sampleWeight: p.sampleWeight }), ...(p.signal && { signal: p.signal }) };
  }

  /** The next candidate's unfitted model, or null when none is left (throws on an abort). */
  next(): GaussianMixture | null {
    const p = this.#p;
    if (p.signal?.aborted) throw makeAbortError(p.signal);
    const c = p.candidates[this.#table.length];
    if (!c) return null;
    const noise = p.shared.noise !== undefined && p.shared.noise !== false;
    const covarianceType = fittedType(c.type, c.k, p.X.d, noise);
    const start = p.quantile ? quantileOptions(p, c.k) : {};
    const gm = new GaussianMixture({ ...p.shared, ...start, nComponents: c.k, covarianceType });
    if (p.hc) useHierarchicalStart(gm, p.hc);
    return gm;
  }

  /** Whether the candidate can be fitted at all (K <= N); else records its failure. */
  feasible(gm: GaussianMixture): boolean {
    if (gm.nComponents <= this.#p.X.n) return true;
    this.#record(undefined, new Error(`nComponents (${gm.nComponents}) exceeds the number of samples (${this.#p.X.n})`));
    return false;
  }

  /** Records the candidate's fit, or its failure (rethrowing what is not a candidate's failure). */
  done(fitted: GaussianMixture | undefined, err?: unknown): void {
    if (!fitted) {
      // An abort (or a bug) is not a candidate's failure: it ends the selection.
      if (this.#p.signal?.aborted) throw makeAbortError(this.#p.signal);
      const code = (err as { code?: unknown } | null)?.code;
      if (code !== ErrorCode.ILL_CONDITIONED && code !== ErrorCode.INVALID_ARGUMENT) throw err;
    }
    this.#record(fitted, err);
  }

  #record(fitted: GaussianMixture | undefined, err: unknown): void {
    const c = this.#p.candidates[this.#table.length] as { type: CovarianceType; k: number };
    const r = row(this.#p, c.type, c.k, fitted, err);
    this.#table.push(r);
    this.#models.push(fitted);
    this.#p.onModel?.(r);
  }

  /** The table and the best model. */
  result(): ModelSelection {
    const table = this.#table;
    const i = bestIndex(table, this.#p.criterion);
    if (i < 0) {
      const first = table[0]?.error ?? 'no candidate';
      throw Object.assign(new Error(`selectModel: every candidate failed (the first: ${first})`), {
        code: ErrorCode.ILL_CONDITIONED,
      });
    }
    return Object.freeze({ best: this.#models[i] as GaussianMixture, table: Object.freeze([...table]) });
  }
}

/**
 * Fits a GaussianMixture for every candidate (covariance type × number of components, with the
 * options shared by all), as mclust's `mclustBIC`: by default mclust's 14 models, 1..9
 * components and its hierarchical start (`init: 'hc'`, computed once for every candidate, on
 * the rows the candidates fit: with `standardize`, X standardised as each candidate's fit does; on
 * one feature mclust's quantile classes and its univariate models E and V, as EII and VII; with
 * `prior`, the models that have one; one component by its family's closed form, as mclust's
 * `mvn`: `best` is then VII, VVI or VVV), and
 * returns the table of every candidate's BIC, ICL, log-likelihood, parameter count and
 * convergence with the best model by `criterion` (lowest). A candidate whose fit fails (a
 * collapsed covariance, a component that empties) is a row with its `error` and NaN criteria,
 * not a rejection. Candidates are fitted one after another, each off the JavaScript thread on
 * `threads` threads; the result does not depend on the thread count.
 * @param X - N samples × D features.
 * @param options - see {@link SelectModelOptions}; GaussianMixture's options (but
 *   `nComponents` and `covarianceType`) apply to every candidate, each with its own defaults
 *   (e.g. `tol` 1e-5 and `regCovar` 0 for mclust's names).
 * @throws (rejects) TypeError / RangeError - bad X or options (before any fit).
 * @throws (rejects) AbortError - the signal fired.
 * @throws (rejects) Error - every candidate failed (code `ERR_GAUSSMIX_ILL_CONDITIONED`), or
 *   what `onModel` threw.
 */
export async function selectModel(X: DataInput, options?: SelectModelOptions): Promise<ModelSelection> {
  const s = new Selection(await withHc(plan(X, options)));
  for (let gm = s.next(); gm; gm = s.next()) {
    if (!s.feasible(gm)) continue;
    let fitted: GaussianMixture | undefined;
    let error: unknown;
    try {
      fitted = await gm.fit(s.data, s.fitOptions);
    } catch (err) {
      error = err;
    }
    s.done(fitted, error);
  }
  return s.result();
}

/**
 * {@link selectModel} blocking the JavaScript thread (each fit with `fitSync`); `signal` is
 * checked between candidates.
 */
export function selectModelSync(X: DataInput, options?: SelectModelOptions): ModelSelection {
  const s = new Selection(withHcSync(plan(X, options)));
  for (let gm = s.next(); gm; gm = s.next()) {
    if (!s.feasible(gm)) continue;
    let fitted: GaussianMixture | undefined;
    let error: unknown;
    try {
      fitted = gm.fitSync(s.data, s.fitOptions);
    } catch (err) {
      error = err;
    }
    s.done(fitted, error);
  }
  return s.result();
}
