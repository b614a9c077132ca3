"""scikit-learn's BayesianGaussianMixture on one cached bench workload, from the same start as
gaussmix's (bench/sections/bayesian.mjs): every row given to the component of its nearest
start row (the labels file), as scikit-learn's `_initialize(X, resp)` with one-hot resp.

Usage: /usr/bin/python3 bench/sklearn_bayesian_peer.py '{"spec": {...}, "file": ...,
                                                          "labelsFile": ..., "iters": 20, "fits": 2}'
Prints one JSON line: msPerIter and nIter per timed fit (fit time / n_iter_, the start's
M-step and scikit-learn's final E-step included, as a user sees them), lower_bound_ and the
weights of the last fit.
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture


def main():
    job = json.loads(sys.argv[1])
    spec = job["spec"]
    n, d, k = spec["n"], spec["d"], spec["k"]
    X = np.fromfile(job["file"], dtype=np.float64).reshape(n, d)
    labels = np.fromfile(job["labelsFile"], dtype=np.int32)
    resp = np.zeros((n, k))
    resp[np.arange(n), labels] = 1.0
    warnings.simplefilter("ignore", ConvergenceWarning)
    ms_per_iter, n_iter = [], []
    bgm = None
    for _ in range(job["fits"]):
        bgm = BayesianGaussianMixture(n_components=k, covariance_type=spec["model"], tol=0.0,
                                      max_iter=job["iters"])
        bgm._initialize_parameters = lambda X_, random_state, b=bgm: b._initialize(X_, resp)
        t0 = time.perf_counter()
        bgm.fit(X)
        ms = (time.perf_counter() - t0) * 1000.0
        ms_per_iter.append(ms / bgm.n_iter_)
        n_iter.append(int(bgm.n_iter_))
    import sklearn
    print(json.dumps({"api": f"sklearn {sklearn.__version__} BayesianGaussianMixture",
                      "msPerIter": ms_per_iter, "nIter": n_iter,
                      "lowerBound": float(bgm.lower_bound_), "weights": bgm.weights_.tolist()}))


if __name__ == "__main__":
    main()
