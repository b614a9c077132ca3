"""scikit-learn on one cached bench workload, from the same fixed start as every other peer.

Usage: /usr/bin/python3 bench/sklearn_peer.py '{"spec": {...}, "file": ..., "startFile": ...,
                                                 "iters": 20, "repeats": 3, "budgetMs": 60000}'
Prints one JSON line: msPerIter and nIter per timed fit, the final objective, the peak RSS of
this process, and the BLAS/OpenMP thread pools sklearn runs on (all cores by default).

- GaussianMixture (full, diag, spherical): weights_init = 1/K, means_init = the start rows,
  precisions_init = identity, tol=0, max_iter=iters, n_init=1. Objective: lower_bound_ (the
  mean log-likelihood of the last E-step). init_params='random_from_data': with every starting
  parameter given, the initial responsibilities are thrown away, and this is the cheapest way
  to make them (the default 'kmeans' would run a whole K-means first); that one-off cost and
  the final E-step sklearn adds for consistent labels are inside the timed fit, as a user would
  see them. ms/iteration = fit time / n_iter_.
- KMeans: init = the start centres, n_init=1, tol=0, max_iter=iters, algorithm='lloyd'.
  sklearn stops early when the labels stop changing (strict convergence) even with tol=0, so
  ms/iteration = fit time / n_iter_. Objective: inertia_.
"""
import json
import resource
import sys
import time
import warnings

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture


def identity_precisions(cov_type, k, d):
    if cov_type == "full":
        return np.stack([np.eye(d)] * k)
    if cov_type == "diag":
        return np.ones((k, d))
    return np.ones(k)  # spherical


def make_estimator(spec, start, iters):
    k, d, model = spec["k"], spec["d"], spec["model"]
    means = np.array(start["means"], dtype=np.float64)
    if model == "kmeans":
        return KMeans(n_clusters=k, init=means, n_init=1, tol=0.0, max_iter=iters,
                      algorithm="lloyd")
    return GaussianMixture(
        n_components=k, covariance_type=model, tol=0.0, max_iter=iters, n_init=1,
        init_params="random_from_data", random_state=0,
        weights_init=np.array(start["weights"]), means_init=means,
        precisions_init=identity_precisions(model, k, d),
    )


def thread_pools():
    try:
        from threadpoolctl import threadpool_info
        return [{"api": p.get("user_api"), "impl": p.get("internal_api"),
                 "version": p.get("version"), "threads": p.get("num_threads")}
                for p in threadpool_info()]
    except Exception:  # threadpoolctl missing: say so rather than fail
        return []


# A first fit shorter than this is a warm-up, not timed (bench/repeats.mjs WARMUP_BELOW_MS).
WARMUP_BELOW_MS = 2000.0
# At most this many timed fits (bench/repeats.mjs MAX_FITS).
MAX_FITS = 100


def more_fits(job, fit_ms):
    """The rule of bench/repeats.mjs moreFits: at least `repeats` fits and more while they add up
    to less than `minTotalMs`, at most MAX_FITS; none once the next would pass the budget."""
    if not fit_ms:
        return True
    spent = sum(fit_ms)
    if spent + fit_ms[-1] > (job.get("budgetMs") or float("inf")):
        return False
    if len(fit_ms) < job["repeats"]:
        return True
    return len(fit_ms) < MAX_FITS and spent < (job.get("minTotalMs") or 0)


def main():
    job = json.loads(sys.argv[1])
    spec = job["spec"]
    n, d = spec["n"], spec["d"]
    X = np.fromfile(job["file"], dtype=np.float64).reshape(n, d)
    with open(job["startFile"]) as f:
        start = json.load(f)
    warnings.simplefilter("ignore", ConvergenceWarning)
    ms_per_iter, n_iter, objective, fit_ms = [], [], None, []
    warmed_up = False
    # A first fit shorter than WARMUP_BELOW_MS is a warm-up, not timed (as bench/repeats.mjs).
    while more_fits(job, fit_ms):
        est = make_estimator(spec, start, job["iters"])
        t0 = time.perf_counter()
        est.fit(X)
        ms = (time.perf_counter() - t0) * 1000.0
        if not warmed_up:
            warmed_up = True
            if ms < WARMUP_BELOW_MS:
                continue
        fit_ms.append(ms)
        ms_per_iter.append(ms / est.n_iter_)
        n_iter.append(int(est.n_iter_))
        objective = float(est.inertia_ if spec["model"] == "kmeans" else est.lower_bound_)
    import sklearn
    print(json.dumps({
        "api": f"sklearn {sklearn.__version__} "
               + ("KMeans(algorithm='lloyd')" if spec["model"] == "kmeans" else "GaussianMixture"),
        "iters": job["iters"], "msPerIter": ms_per_iter, "nIter": n_iter, "objective": objective,
        "maxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "inputBytes": X.nbytes, "threadPools": thread_pools(),
    }))


if __name__ == "__main__":
    main()
