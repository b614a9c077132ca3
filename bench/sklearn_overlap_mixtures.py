"""scikit-learn's GaussianMixture on one overlapping-cluster workload
(bench/sections/overlap-mixtures.mjs).

Usage: /usr/bin/python3 bench/sklearn_overlap_mixtures.py '{"spec": {...}, "file": ...,
                                                            "startFile": ..., "iters": 10,
                                                            "repeats": 3, "seed": 1}'
Prints one JSON line with, per timed fit:
- perIter: GaussianMixture(covariance_type=model, weights_init equal, means_init the start rows,
  precisions_init identity, tol=0, max_iter=iters): fit time / n_iter_;
- whole: GaussianMixture(n_components=K, covariance_type=model, random_state=seed + fit), the
  defaults otherwise ('kmeans' initialisation, tol 1e-3, max_iter 100, n_init 1).
The first fit of each kind is a warm-up and is not timed.
"""
import json
import sys
import warnings

import numpy as np
from sklearn_timed import timed
from sklearn.mixture import GaussianMixture


def identity_precisions(model, k, d):
    if model == "full":
        return np.stack([np.eye(d)] * k)
    if model == "diag":
        return np.ones((k, d))
    return np.ones(k)



def main():
    job = json.loads(sys.argv[1])
    spec = job["spec"]
    n, d, k, model = spec["n"], spec["d"], spec["k"], spec["model"]
    X = np.fromfile(job["file"], dtype=np.float64).reshape(n, d)
    with open(job["startFile"]) as f:
        means = np.array(json.load(f)["means"], dtype=np.float64)
    warnings.simplefilter("ignore")
    summary = lambda est: {"lowerBound": float(est.lower_bound_)}
    per_iter = timed(lambda r: GaussianMixture(
        n_components=k, covariance_type=model, tol=0.0, max_iter=job["iters"],
        weights_init=np.full(k, 1.0 / k), means_init=means,
        precisions_init=identity_precisions(model, k, d)), X, job["repeats"], summary)
    whole = timed(lambda r: GaussianMixture(n_components=k, covariance_type=model,
                                            random_state=job["seed"] + r),
                  X, job["repeats"], summary)
    import sklearn
    print(json.dumps({"api": f"sklearn {sklearn.__version__}", "perIter": per_iter, "whole": whole}))


if __name__ == "__main__":
    main()
