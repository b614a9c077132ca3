// The timing loop of the bench's gaussmix children: one untimed warm-up fit (code compiled,
// memory first touched), then `repeats` timed fits, each a new estimator from make(r).

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** [{ ms, nIter, ...summary(estimator) }] of the timed fits of make(1..repeats) on X. */
export function timedFits(make, X, repeats, summary) {
  make(0).fitSync(X);
  const out = [];
  for (let r = 0; r < repeats; r++) {
    const est = make(r + 1);
    const t0 = now();
    est.fitSync(X);
    out.push({ ms: now() - t0, nIter: est.nIter, ...summary(est) });
  }
  return out;
}
