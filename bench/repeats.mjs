// How many timed fits a peer makes on one workload: at least plan.repeats, and more while the
// timed fits so far add up to less than plan.minTotalMs (so that the median of a fit of a few
// milliseconds is of tens of fits, not of five noisy ones), at most MAX_FITS; but no new fit once
// the fits so far plus one more of the same length would pass plan.budgetMs (always at least
// one). The budget keeps the full run within its ten minutes when a peer takes most of a minute
// per fit (the report shows how many fits each median is of). sklearn_peer.py applies the same
// rule.
export const MAX_FITS = 100;

export function moreFits(plan, fitMs) {
  if (fitMs.length === 0) return true;
  const spent = fitMs.reduce((a, b) => a + b, 0);
  if (plan.budgetMs && spent + fitMs[fitMs.length - 1] > plan.budgetMs) return false;
  if (fitMs.length < plan.repeats) return true;
  return fitMs.length < MAX_FITS && spent < (plan.minTotalMs ?? 0);
}

/**
 * A first fit shorter than this is a warm-up (thread pools started, code compiled, memory first
 * touched) and is not timed; a longer first fit is timed (its warm-up share is small, and a
 * fit thrown away would cost minutes on the slow peers). The same rule for every peer.
 */
export const WARMUP_BELOW_MS = 2000;

/**
 * The timing loop of one peer: `more()` while another fit is due (moreFits), then
 * `keep(ms)` after each fit, false for the warm-up fit (its results are discarded).
 */
export function fitTimer(plan) {
  const fitMs = [];
  let warmedUp = false;
  return {
    fitMs,
    more: () => moreFits(plan, fitMs),
    keep(ms) {
      if (!warmedUp) {
        warmedUp = true;
        if (ms < WARMUP_BELOW_MS) return false;
      }
      fitMs.push(ms);
      return true;
    },
  };
}
