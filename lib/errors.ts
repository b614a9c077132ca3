/**
 * Error classes and codes of gaussmix, shared by every estimator.
 *
 * Every error gaussmix raises on purpose carries a `code` (Node's convention), so a caller can
 * branch on `err.code` rather than on message text:
 *
 * | code | class | when |
 * | --- | --- | --- |
 * | `ERR_GAUSSMIX_INVALID_ARGUMENT` | `TypeError` (wrong type) or `RangeError` (bad value) | bad input or option, rejected before any work starts |
 * | `ERR_GAUSSMIX_NOT_FITTED` | `Error` | a fitted attribute or method used before `fit` |
 * | `ERR_GAUSSMIX_BUSY` | `Error` | a second fit started on an instance whose fit is still running |
 * | `ERR_GAUSSMIX_ILL_CONDITIONED` | `Error` with `component` | a covariance stopped being positive definite |
 * | `ERR_GAUSSMIX_OUT_OF_MEMORY` | `RangeError` | an output or the native work did not fit in memory, or a fit's model cannot fit in the machine's memory (refused before any work; the model is unchanged) |
 * | `ERR_GAUSSMIX_NO_BINARY` | `Error` | no native binary for this platform was found or could be loaded (the message says how to build one) |
 * | `ERR_GAUSSMIX_INTERNAL` | `Error` | a bug: please report it |
 * | `ERR_GAUSSMIX_SHARD` | `Error` with `shard` | gaussmix/distributed: a shard's job failed, timed out, or sent a bad result |
 * | `ERR_GAUSSMIX_RUN` | `Error` | gaussmix/distributed: a run taken over by another coordinator, or a `runId` of another fit |
 * | `ERR_GAUSSMIX_MISSING_DEPENDENCY` | `Error` | gaussmix/distributed without its peer dependencies bullmq and ioredis |
 * | `ERR_GAUSSMIX_REDIS` | `Error` with `cause` | gaussmix/distributed: Redis cannot be reached, the connection was lost mid-fit, or Redis lost the run's data |
 * | `ABORT_ERR` | {@link AbortError} | the fit's `AbortSignal` fired |
 *
 * @module
 */

/** The `code` values of errors raised by gaussmix (see the module documentation). */
export const ErrorCode = {
  /** Bad input or option; the error is a `TypeError` or a `RangeError`. */
  INVALID_ARGUMENT: 'ERR_GAUSSMIX_INVALID_ARGUMENT',
  /** A fitted attribute or a method needing a fitted model was used before `fit`. */
  NOT_FITTED: 'ERR_GAUSSMIX_NOT_FITTED',
  /** A fit was started on an instance whose previous fit has not finished. */
  BUSY: 'ERR_GAUSSMIX_BUSY',
  /** A covariance matrix is not positive definite; the error has a `component` property. */
  ILL_CONDITIONED: 'ERR_GAUSSMIX_ILL_CONDITIONED',
  /**
   * An allocation was refused (an output array, or the native work), or a fit's model is larger
   * than the machine's memory (refused before any work, lib/memory-check.ts); the model is unchanged.
   */
  OUT_OF_MEMORY: 'ERR_GAUSSMIX_OUT_OF_MEMORY',
  /** The native fit was cancelled; the facade turns this into an {@link AbortError}. */
  ABORTED: 'ERR_GAUSSMIX_ABORTED',
  /**
   * No native binary fits this platform (none was prebuilt for it and none was built at
   * install), or the one found cannot be loaded here; the message says how to build one.
   */
  NO_BINARY: 'ERR_GAUSSMIX_NO_BINARY',
  /** An internal failure of the native code. */
  INTERNAL: 'ERR_GAUSSMIX_INTERNAL',
  /** gaussmix/distributed: a shard's job failed, timed out or sent a bad result (`shard` says which). */
  SHARD: 'ERR_GAUSSMIX_SHARD',
  /** gaussmix/distributed: the run was taken over by another coordinator, or its id names another fit. */
  RUN: 'ERR_GAUSSMIX_RUN',
  /** gaussmix/distributed: its optional peer dependencies (bullmq, ioredis) are not installed. */
  MISSING_DEPENDENCY: 'ERR_GAUSSMIX_MISSING_DEPENDENCY',
  /** gaussmix/distributed: Redis cannot be reached, or the connection was lost mid-fit (`cause` says why). */
  REDIS: 'ERR_GAUSSMIX_REDIS',
  /** The code of {@link AbortError}, as Node's own AbortError. */
  ABORT: 'ABORT_ERR',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The shape of an error raised by gaussmix: an `Error` with a `code`. */
export interface GaussmixError extends Error {
  /** One of {@link ErrorCode}'s values. */
  code: string;
  /** With `ERR_GAUSSMIX_ILL_CONDITIONED`: the index of the component that collapsed. */
  component?: number;
}

/**
 * Thrown (or the rejection reason) when a fit is stopped through its `AbortSignal`. Like Node's
 * own AbortError: `name` is `'AbortError'`, `code` is `'ABORT_ERR'` and `cause` is the signal's
 * `reason`. The estimator keeps the model it had before the aborted call.
 */
export class AbortError extends Error {
  /** Always `'ABORT_ERR'`. */
  readonly code = ErrorCode.ABORT;

  /**
   * @param message - defaults to Node's wording, `'The operation was aborted'`.
   * @param options - `cause`: normally the signal's `reason`.
   */
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** An {@link AbortError} for `signal`, with `cause` set to `signal.reason`. */
export function makeAbortError(signal?: AbortSignal): AbortError {
  return new AbortError(undefined, signal === undefined ? undefined : { cause: signal.reason });
}

/** Throws the AbortError of `signal` if it has fired (a check between steps of a fit). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw makeAbortError(signal);
}

/** Adds a `code` to an error and returns it. */
function withCode<E extends Error>(err: E, code: string): E & { code: string } {
  Object.defineProperty(err, 'code', {
    value: code,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return err as E & { code: string };
}

/** A `TypeError` with code `ERR_GAUSSMIX_INVALID_ARGUMENT`: a value of the wrong type. */
export function invalidType(message: string): TypeError & { code: string } {
  return withCode(new TypeError(message), ErrorCode.INVALID_ARGUMENT);
}

/** A `RangeError` with code `ERR_GAUSSMIX_INVALID_ARGUMENT`: a value of the right type but not allowed. */
export function invalidValue(message: string): RangeError & { code: string } {
  return withCode(new RangeError(message), ErrorCode.INVALID_ARGUMENT);
}

/**
 * A new typed array of `length` elements. A refused allocation (too large for the engine, or
 * no memory) is a `RangeError` with code `ERR_GAUSSMIX_OUT_OF_MEMORY` saying what and how much.
 * Outputs are allocated here, in JavaScript, rather than by the addon: an allocation refused
 * inside native code cannot be caught and ends the process.
 * @param what - what the array is for, e.g. `'predictProba(): the probabilities'`.
 */
export function allocate<T extends Float64Array | Int32Array>(
  Type: { new (length: number): T; readonly BYTES_PER_ELEMENT: number },
  length: number,
  what: string,
): T {
  try {
    return new Type(length);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    const bytes = length * Type.BYTES_PER_ELEMENT;
    const err2 = new RangeError(`${what}: cannot allocate ${length} values (${bytes} bytes): ${err.message}`, { cause: err });
    throw withCode(err2, ErrorCode.OUT_OF_MEMORY);
  }
}

/** The `Error` (code `ERR_GAUSSMIX_NOT_FITTED`) raised when a model is used before `fit`. */
export function notFittedError(className: string, what: string): Error & { code: string } {
  return withCode(
    new Error(
      `This ${className} instance is not fitted yet: call fit() or fitSync() before using ${what}`,
    ),
    ErrorCode.NOT_FITTED,
  );
}

/** The `Error` (code `ERR_GAUSSMIX_BUSY`) raised when a fit starts while another runs. */
export function busyError(className: string): Error & { code: string } {
  return withCode(
    new Error(
      `This ${className} instance is already fitting: wait for the running fit() to settle ` +
        '(or abort it) before starting another fit on the same instance',
    ),
    ErrorCode.BUSY,
  );
}

/** How to get a C++17 compiler here, for the message of {@link noBinaryError}. */
function compilerHint(platform: string): string {
  if (platform === 'darwin') return 'xcode-select --install';
  if (platform === 'win32') return 'Visual Studio Build Tools with the "Desktop development with C++" workload, and Python 3';
  return 'e.g. apt-get install g++, dnf install gcc-c++, apk add g++';
}

/**
 * The `Error` (code `ERR_GAUSSMIX_NO_BINARY`) raised when the native addon cannot be loaded:
 * none fits this platform (`cause` is the loader's error), or the one found fails to load.
 * The message names the platform and the remedy: a build from source, which only needs a
 * C++17 compiler, run by the package's install script (skipped by `--ignore-scripts`, and for
 * dependencies by pnpm and recent npm unless allowed).
 * @param root - the package folder searched.
 * @param found - the binary that failed to load, if one was found.
 */
export function noBinaryError(root: string, cause: unknown, found?: string): Error & { code: string } {
  const libc = process.platform === 'linux' ? (isMusl() ? ', musl' : ', glibc') : '';
  const target = `${process.platform}-${process.arch}${libc}, Node ${process.versions.node}`;
  const reason = cause instanceof Error ? cause.message.trim().split('\n')[0] : String(cause);
  const what =
    found === undefined
      ? `gaussmix: no native binary for ${target} was found in ${root} (no prebuilt one fits, and none was built at install).`
      : `gaussmix: the native binary ${found} cannot be loaded on ${target}: ${reason}.`;
  return withCode(
    new Error(
      `${what} Build it from source with \`npm rebuild gaussmix --foreground-scripts\` ` +
        '(pnpm: `pnpm rebuild gaussmix`; where install scripts of dependencies need approval, allow ' +
        "gaussmix's: `npm install-scripts approve gaussmix` or `pnpm approve-builds`). That needs only " +
        `a C++17 compiler (${compilerHint(process.platform)}).`,
      { cause },
    ),
    ErrorCode.NO_BINARY,
  );
}

/** Whether this Linux process runs on musl libc (Alpine) rather than glibc. */
function isMusl(): boolean {
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report !== undefined && report.header?.glibcVersionRuntime === undefined;
}

/** Whether `err` is an object with the given `code` property. */
export function hasCode(err: unknown, code: string): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
  );
}

/**
 * Maps an error thrown by the native addon to what the facade raises: code
 * `ERR_GAUSSMIX_ABORTED` becomes an {@link AbortError} (cause = the signal's reason); every
 * other error, including `ERR_GAUSSMIX_ILL_CONDITIONED` with its `component`, passes through
 * unchanged. A thrown non-Error is wrapped in an `Error` with code `ERR_GAUSSMIX_INTERNAL`.
 */
export function translateNativeError(err: unknown, signal?: AbortSignal): Error {
  if (hasCode(err, ErrorCode.ABORTED)) return makeAbortError(signal);
  if (err instanceof Error) return err;
  return withCode(
    new Error(`gaussmix: the native addon threw a non-Error value: ${String(err)}`),
    ErrorCode.INTERNAL,
  );
}

/**
 * A short description of a received value for error messages: numbers and strings as written
 * (`2.5`, `'full'`), other values by type (`an array of length 3`, `a Float32Array of length 4`,
 * `null`, `an object`, `a function`).
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string': {
      const s = value.length > 40 ? `${value.slice(0, 37)}...` : value;
      return `'${s}' (a string)`;
    }
    case 'boolean':
      return `${String(value)} (a boolean)`;
    case 'bigint':
      return `${String(value)}n (a bigint)`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    const len = (value as unknown as { length?: unknown }).length;
    return typeof len === 'number' ? `a ${name} of length ${len}` : `a ${name}`;
  }
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  const ctorName = typeof ctor?.name === 'string' ? ctor.name : '';
  // Not a view, yet an instance of a typed array class: a Proxy around one (or an object given
  // its prototype), which native code cannot read. "an instance of Float64Array" would puzzle.
  if (inheritsTypedArray(value)) {
    return `an object posing as a ${ctorName || 'typed array'} (a Proxy around one?), not a typed array itself`;
  }
  return ctorName !== '' && ctorName !== 'Object' ? `an instance of ${ctorName}` : 'an object';
}

/** %TypedArray%, the constructor every typed array class extends. */
const TypedArray = Object.getPrototypeOf(Int8Array) as abstract new () => ArrayBufferView;

function inheritsTypedArray(value: unknown): boolean {
  try {
    return value instanceof TypedArray;
  } catch {
    return false; // a Proxy whose getPrototypeOf trap throws
  }
}
