"""The timing loop of the bench's scikit-learn children (sklearn_overlap*.py): one untimed
warm-up fit (thread pools started, memory touched), then `repeats` timed fits, each a new
estimator from make(r)."""
import time


def timed(make, X, repeats, summary):
    """[{ms, nIter, **summary(estimator)}] of the timed fits of make(1..repeats) on X."""
    make(0).fit(X)
    out = []
    for r in range(repeats):
        est = make(r + 1)
        t0 = time.perf_counter()
        est.fit(X)
        ms = (time.perf_counter() - t0) * 1000.0
        out.append({"ms": ms, "nIter": int(est.n_iter_), **summary(est)})
    return out
