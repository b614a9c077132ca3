/**
 * The process-wide cap on gaussmix's native compute threads.
 *
 * Every fit, prediction and sampling call of the process — synchronous or not, from the main
 * thread or any `worker_threads` worker — runs on one shared set of native threads, started on
 * demand and never more than this cap. An estimator's `threads` option is an upper bound on its
 * own share (its calling thread included); `fit()` runs on the shared threads (never on libuv's
 * pool, which stays free for fs, dns and crypto), and `fitSync()` works on the calling thread
 * with the shared threads that are free. Results never depend on the cap, on `threads`, or on
 * how many calls run at once.
 *
 * The default cap is the environment variable `GAUSSMIX_MAX_THREADS` (read once, when the first
 * call needs it) when it is an integer >= 1, else the number of cores this process may use.
 *
 * @module
 */
import { MAX_THREADS, integerOption } from './options.js';
import { native } from './native.js';

/**
 * Sets the process-wide cap on the native compute threads.
 * @param n - an integer between 1 and 1024, or 0 for the default (`GAUSSMIX_MAX_THREADS`, else
 *   the number of available cores). Lowering the cap lets surplus threads end once they finish
 *   their current block; running fits go on with fewer threads.
 * @throws TypeError / RangeError - code `ERR_GAUSSMIX_INVALID_ARGUMENT`.
 */
export function setMaxThreads(n: number): void {
  native().setMaxThreads(integerOption(n, 'setMaxThreads(n)', 0, MAX_THREADS));
}

/** The process-wide cap on the native compute threads (see {@link setMaxThreads}). */
export function getMaxThreads(): number {
  return native().maxThreads();
}
