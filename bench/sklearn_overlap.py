"""scikit-learn's KMeans on one overlapping-cluster workload (bench/sections/overlap.mjs).

Usage: /usr/bin/python3 bench/sklearn_overlap.py '{"spec": {...}, "file": ..., "startFile": ...,
                                                    "iters": 10, "repeats": 5, "seed": 1}'
Prints one JSON line with, per timed fit:
- perIter: KMeans(init=the start centres, n_init=1, tol=0, max_iter=iters, algorithm='lloyd'),
  fit time / n_iter_ (the first iterations as a fit meets them);
- whole: KMeans(n_clusters=K, n_init=1, random_state=seed + fit, algorithm='lloyd'), the
  defaults otherwise (k-means++ seeding, tol 1e-4, max_iter 300): the time of the fit, n_iter_.
The first fit of each kind is a warm-up and is not timed.
"""
import json
import sys
import warnings

import numpy as np
from sklearn_timed import timed
from sklearn.cluster import KMeans



def main():
    job = json.loads(sys.argv[1])
    spec = job["spec"]
    n, d, k = spec["n"], spec["d"], spec["k"]
    X = np.fromfile(job["file"], dtype=np.float64).reshape(n, d)
    with open(job["startFile"]) as f:
        start = np.array(json.load(f)["means"], dtype=np.float64)
    warnings.simplefilter("ignore")
    summary = lambda est: {"inertia": float(est.inertia_)}
    per_iter = timed(lambda r: KMeans(n_clusters=k, init=start, n_init=1, tol=0.0,
                                      max_iter=job["iters"], algorithm="lloyd"),
                     X, job["repeats"], summary)
    whole = timed(lambda r: KMeans(n_clusters=k, n_init=1, random_state=job["seed"] + r,
                                   algorithm="lloyd"),
                  X, job["repeats"], summary)
    import sklearn
    print(json.dumps({"api": f"sklearn {sklearn.__version__}", "perIter": per_iter, "whole": whole}))


if __name__ == "__main__":
    main()
