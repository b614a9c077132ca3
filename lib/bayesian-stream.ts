/**
 * BayesianGaussianMixture over a stream (`fitStream`): the passes of its start and of its
 * priors' data defaults, then the shared streamed driver (lib/stream-em.ts) with the native
 * variational M-step, so that from the same start the result is the in-memory fit's bit for bit.
 *
 * @module
 */
import { ErrorCode, invalidValue, translateNativeError } from './errors.js';
import { GaussianMixture } from './gaussian-mixture.js';
import {
  native,
  type NativeBayesianOptions,
  type NativeMixtureParams,
  type NativePosterior,
  type NativeResolvedPriors,
} from './native.js';
import type { ResolvedBayesianOptions } from './bayesian-options.js';
import { allZeroWeight } from './options.js';
import { Statistics } from './statistics.js';
import { FIT_PASSES, passTask, requestForRows, streamPasses, type MixturePassRequest } from './passes.js';
import { runStreamEm, tasksPass, type CheckedStreamOptions, type StreamEmResult } from './stream-em.js';
import { chunkValues, type ChunkLayout, type PassSettings, type StreamChunk, type StreamSource } from './stream.js';

/** Parameters with their variational posterior. */
export type VariationalParams = NativeMixtureParams & { readonly posterior: NativePosterior };

/** A fitted model to start from (warm start). */
export interface WarmStart {
  readonly d: number;
  readonly params: VariationalParams;
  readonly lowerBound: number;
}

/** What a streamed fit needs from its estimator. */
export interface BayesianStreamJob {
  readonly what: string;
  readonly options: ResolvedBayesianOptions;
  readonly warm: WarmStart | null;
  readonly stream: CheckedStreamOptions;
  readonly seed: number;
  readonly threads: number;
  /** The priors of a fit on D features, without the data's defaults. */
  priorsFor(d: number): NativeBayesianOptions['priors'];
  /** Checks the memory of a fit on D features (lib/memory-check.ts), once D is known. */
  checkWidth(d: number): void;
}

/** One iteration's parameters and the lower bound after its M-step. */
interface Step {
  params: VariationalParams;
  lowerBound: number;
}

export interface BayesianStreamFit extends StreamEmResult<Step> {
  readonly d: number;
  readonly priors: NativeResolvedPriors;
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw translateNativeError(err);
  }
}

/** The native variational M-step. */
export function variationalMaximise(stats: Statistics, priors: NativeResolvedPriors, regCovar: number): Step {
  return call(() => native().bayesianMaximise(Statistics.bytesOf(stats), priors, regCovar));
}

/**
 * The streamed fit: from the warm start, from responsibilitiesInit (two passes, as fit's
 * start), or from GaussianMixture's streamed start for `init` (its parameters after the
 * initialising M-step turned into the posterior they give).
 */
export async function fitBayesianStream(source: StreamSource, job: BayesianStreamJob): Promise<BayesianStreamFit> {
  const { what, options: o, warm, threads } = job;
  const settings: PassSettings = { what, d: warm?.d, weighted: false, rows: undefined, signal: job.stream.signal, checkWidth: (d) => job.checkWidth(d) };
  if (settings.d !== undefined) job.checkWidth(settings.d);
  const k = o.nComponents;
  const type = o.covarianceType;
  const pass = (request: (chunk: StreamChunk) => MixturePassRequest, layout: ChunkLayout = 'rows') =>
    tasksPass(source, settings, (chunk) => passTask(chunkValues(chunk), chunk.n, chunk.d, request(chunk), threads, chunk.weights), layout);

  // The priors, with the data's defaults from the rows in one component (about 0, then about
  // their mean); Σw comes with the first of those passes.
  let priors: NativeResolvedPriors | undefined;
  let totalWeight: number | undefined;
  const resolvePriors = async (needWeight = false): Promise<NativeResolvedPriors> => {
    if (priors && (!needWeight || totalWeight !== undefined)) return priors;
    let given = settings.d === undefined ? undefined : job.priorsFor(settings.d);
    let meanPrior = given?.meanPrior;
    let covariancePrior = given?.covariancePrior;
    if (!meanPrior || !covariancePrior || needWeight) {
      const centres = (chunk: StreamChunk) => new Float64Array(chunk.d);
      const first = await pass((chunk) => ({ kind: 'assign', covarianceType: type, k: 1, centres: centres(chunk) }));
      totalWeight = first.totalWeight;
      // (As fit, which reads the weights first: not the prior's default that needs them.)
      if (totalWeight === 0) throw allZeroWeight();
      const mean = call(() => native().bayesianPriorMean(Statistics.bytesOf(first)));
      meanPrior ??= mean;
      if (!covariancePrior) {
        const second = await pass((chunk) => ({ kind: 'assign', covarianceType: type, k: 1, centres: centres(chunk), about: mean }));
        covariancePrior = call(() => native().bayesianPriorCovariance(Statistics.bytesOf(second)));
      }
    }
    given ??= job.priorsFor(settings.d as number);
    priors ??= { ...given, meanPrior, covariancePrior } as NativeResolvedPriors;
    return priors;
  };

  const resp = o.responsibilitiesInit;
  // Each chunk takes its rows' responsibilities (requestForRows: more rows is a RangeError).
  const respOf = (chunk: StreamChunk, request: MixturePassRequest): MixturePassRequest =>
    requestForRows(request, chunk.firstRow, chunk.n, what, 'the stream');
  const fromResponsibilities = async (r: NonNullable<typeof resp>): Promise<Step> => {
    const first = await pass((chunk) => respOf(chunk, { kind: 'responsibilities', covarianceType: type, k, resp: r.data }));
    if (settings.rows !== undefined && settings.rows * k !== r.data.length) {
      throw invalidValue(`${what}: the stream has ${settings.rows} rows but responsibilitiesInit has ${r.data.length / k}`);
    }
    if (first.totalWeight === 0) throw allZeroWeight();
    const about = call(() => native().startingMeans(Statistics.bytesOf(first)));
    const second = await pass((chunk) => respOf(chunk, { kind: 'responsibilities', covarianceType: type, k, resp: r.data, about }));
    return variationalMaximise(second, await resolvePriors(), o.regCovar);
  };
  const fromInit = async (restart: number): Promise<Step> => {
    // GaussianMixture's streamed start for this restart, its seed as GaussianMixture derives
    // a restart's (maxIter 0: the parameters after the initialising M-step).
    const gm = new GaussianMixture({
      nComponents: k,
      covarianceType: type,
      regCovar: o.regCovar,
      init: o.init,
      maxIter: 0,
      seed: (job.seed + restart * 0x9e3779b9) % 2 ** 53,
      threads: o.threads,
      warnings: 'silent',
    });
    // (Its passes named as this fit's, so that what they refuse names BayesianGaussianMixture.)
    const passes = streamPasses(source, { what, d: settings.d, signal: job.stream.signal, threads });
    await gm[FIT_PASSES](passes, { signal: job.stream.signal, onIteration: undefined, initSampleRows: job.stream.initSampleRows });
    if (settings.d === undefined) {
      job.checkWidth(gm.nFeaturesIn);
      settings.d = gm.nFeaturesIn;
    }
    const start: NativeMixtureParams = {
      covarianceType: type,
      weights: gm.weights,
      means: gm.means.data,
      covariances: gm.covariances.data,
      precisionsCholesky: gm.precisionsCholesky.data,
    };
    const p = await resolvePriors(true);
    const d = settings.d;
    return { params: call(() => native().bayesianFromMixtureStart(start, d, totalWeight as number, p)), lowerBound: -Infinity };
  };

  const result = await runStreamEm<Step>(
    {
      nInit: warm || resp ? 1 : o.nInit,
      maxIter: o.maxIter,
      previousObjective: warm ? warm.lowerBound : -Infinity,
      initialise: async (restart) => {
        if (warm) {
          // maxIter 0 runs no E-step: Σw's pass is then what refuses all-zero weights, as fit does.
          await resolvePriors(o.maxIter === 0);
          return { params: warm.params, lowerBound: warm.lowerBound };
        }
        return resp ? fromResponsibilities(resp) : fromInit(restart);
      },
      expectation: (step) => pass(() => ({ kind: 'gaussian', params: step.params }), 'columns'),
      maximise: (stats) => variationalMaximise(stats, priors as NativeResolvedPriors, o.regCovar),
      objective: (_stats, after) => after.lowerBound,
      converged: (change) => Math.abs(change) < o.tol,
      notFinite: (iter) =>
        Object.assign(
          new Error(
            `${what}: the lower bound is not finite in iteration ${iter}: some rows have zero density under ` +
              'the parameters. To fix it, standardise the features or increase regCovar.',
          ),
          { code: ErrorCode.ILL_CONDITIONED },
        ),
    },
    job.stream,
  );
  return { ...result, d: settings.d as number, priors: priors as NativeResolvedPriors };
}
