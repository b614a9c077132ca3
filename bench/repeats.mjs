// How many timed fits a peer makes on one workload: up to plan.repeats, but no new fit once the
// fits so far plus one more of the same length would pass plan.budgetMs (always at least one).
// Keeps the full run within its ten minutes when a peer takes most of a minute per fit (the
// report shows how many fits each median is of). sklearn_peer.py applies the same rule.
export function moreFits(plan, fitMs) {
  if (fitMs.length === 0) return true;
  if (fitMs.length >= plan.repeats) return false;
  if (!plan.budgetMs) return true;
  const spent = fitMs.reduce((a, b) => a + b, 0);
  return spent + fitMs[fitMs.length - 1] <= plan.budgetMs;
}
