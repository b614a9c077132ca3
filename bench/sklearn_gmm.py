"""scikit-learn's GaussianMixture on a cached bench workload, from the same fixed start.

Usage: /usr/bin/python3 bench/sklearn_gmm.py FILE.f64 START.json N D K TYPE ITERS REPEATS
Prints one JSON line: {"msPerIter": [...], "lowerBound": ...}.
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture


def precisions_identity(cov_type, k, d):
    if cov_type == "full":
        return np.stack([np.eye(d)] * k)
    if cov_type == "tied":
        return np.eye(d)
    if cov_type == "diag":
        return np.ones((k, d))
    return np.ones(k)


def main():
    path, start_path, n, d, k, cov_type, iters, repeats = sys.argv[1:9]
    n, d, k, iters, repeats = int(n), int(d), int(k), int(iters), int(repeats)
    X = np.fromfile(path, dtype=np.float64).reshape(n, d)
    start = json.load(open(start_path))
    warnings.simplefilter("ignore", ConvergenceWarning)
    times = []
    lower_bound = None
    for _ in range(repeats):
        gm = GaussianMixture(
            n_components=k, covariance_type=cov_type, tol=0.0, max_iter=iters,
            weights_init=np.array(start["weights"]), means_init=np.array(start["means"]),
            precisions_init=precisions_identity(cov_type, k, d),
        )
        t0 = time.perf_counter()
        gm.fit(X)
        times.append((time.perf_counter() - t0) * 1000.0 / iters)
        lower_bound = float(gm.lower_bound_)
    print(json.dumps({"msPerIter": times, "lowerBound": lower_bound}))


if __name__ == "__main__":
    main()
