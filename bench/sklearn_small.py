"""scikit-learn's loop for the section "small-fits" (bench/sections/small-fits.mjs): GaussianMixture(n_components=K)
and KMeans(n_clusters=K, n_init=1) with their defaults and a new random_state per fit, fitted
one after another on the cached SMALL workload, as a Python server would.

Two configurations, each timed for about `seconds`: the default thread pools (all cores), and
threadpoolctl's limit of one thread, which suits such small fits better; bench/run.mjs compares
gaussmix with the faster of the two.

Usage: /usr/bin/python3 bench/sklearn_small.py '{"file": ..., "n": 500, "d": 2, "k": 3, "seconds": 3}'
Prints one JSON line: fits per second (wall, and per CPU second of this process) per model and
configuration.
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


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rate(make, X, seconds):
    make(10**6).fit(X)  # warm-up
    fits = 0
    t0, c0 = time.perf_counter(), cpu_seconds()
    while True:
        make(fits).fit(X)
        fits += 1
        wall = time.perf_counter() - t0
        if wall >= seconds and fits >= 5:
            break
    return {"fits": fits, "fitsPerSecond": fits / wall, "fitsPerCpuSecond": fits / (cpu_seconds() - c0)}


def main():
    p = json.loads(sys.argv[1])
    X = np.fromfile(p["file"], dtype="<f8").reshape(p["n"], p["d"])
    k, seconds = p["k"], p.get("seconds", 3)
    models = {
        "gmm": lambda seed: GaussianMixture(n_components=k, random_state=seed),
        "kmeans": lambda seed: KMeans(n_clusters=k, n_init=1, random_state=seed),
    }
    out = {"models": {}}
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, make in models.items():
        default = rate(make, X, seconds)
        try:
            from threadpoolctl import threadpool_limits
            with threadpool_limits(limits=1):
                single = rate(make, X, seconds)
        except ImportError:
            single = None
        out["models"][name] = {"defaultThreads": default, "oneThread": single}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
