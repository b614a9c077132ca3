#!/usr/bin/env python3
"""Generate the BayesianGaussianMixture fixtures in test/fixtures/bgm_*.json from
scikit-learn 1.2.1 (Debian's python3-sklearn).

    /usr/bin/python3 scripts/make_bayesian_fixtures.py            # (re)write the fixtures
    /usr/bin/python3 scripts/make_bayesian_fixtures.py --check    # regenerate in memory, compare

Data: scikit-learn's bundled iris (150 x 4) and wine (178 x 13) tables (offline). Every case
starts from given responsibilities (each row a seeded Dirichlet draw, so every component
starts with some weight), as scikit-learn's `_initialize(X, resp)`: the instance's
`_initialize_parameters` is replaced by that call. Cases: both weight priors x the four
covariance types x {tol 0 (exactly maxIter iterations), tol 1e-3 to convergence}, plus a
case with explicit priors and one with integer sample weights (scikit-learn has none: it is
fitted on the rows repeated, which is what gaussmix's raw weights mean).
See test/fixtures/README.md ("BayesianGaussianMixture") for the format.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
from sklearn.datasets import load_iris, load_wine  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from scipy.special import digamma  # noqa: E402
from sklearn.mixture import BayesianGaussianMixture  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "test" / "fixtures"
# scipy's digamma on a grid, for the core's own (native/tests/digamma_test.cc).
DIGAMMA_FILE = ROOT / "native" / "tests" / "fixtures" / "digamma_cases.txt"
TYPES = ("full", "tied", "diag", "spherical")
PRIORS = ("dirichlet_process", "dirichlet_distribution")


def as_list(a):
    return np.asarray(a).tolist()


def dump(obj):
    """One top-level key per line; floats as the shortest repr that round-trips."""
    lines = [json.dumps(k) + ":" + json.dumps(v, separators=(",", ":"), allow_nan=False)
             for k, v in obj.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def start_resp(seed, n, k):
    rng = np.random.default_rng(seed)
    resp = rng.dirichlet(np.full(k, 0.7), size=n)
    return resp / resp.sum(axis=1, keepdims=True)


def fit(X, resp, options, priors=None, proba=False):
    """A BayesianGaussianMixture fitted from resp; its attributes and predictions on X
    (predict_proba only when asked: N x K values per case)."""
    kw = dict(n_components=options["nComponents"], covariance_type=options["covarianceType"],
              tol=options["tol"], max_iter=options["maxIter"], reg_covar=options["regCovar"],
              weight_concentration_prior_type=options["weightConcentrationPriorType"])
    if priors:
        kw.update(priors)
    bgm = BayesianGaussianMixture(**kw)
    bgm._initialize_parameters = lambda X_, random_state: bgm._initialize(X_, resp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bgm.fit(X)
    wc = bgm.weight_concentration_
    dof = np.broadcast_to(bgm.degrees_of_freedom_, (options["nComponents"],))
    out = {
        "weights": as_list(bgm.weights_),
        "means": as_list(bgm.means_),
        "covariances": as_list(bgm.covariances_),
        "precisionsCholesky": as_list(bgm.precisions_cholesky_),
        "weightConcentration": as_list(np.array(wc) if isinstance(wc, tuple) else wc),
        "meanPrecision": as_list(bgm.mean_precision_),
        "degreesOfFreedom": as_list(dof),
        "lowerBound": float(bgm.lower_bound_),
        "converged": bool(bgm.converged_),
        "nIter": int(bgm.n_iter_),
        "priors": {
            "weightConcentrationPrior": float(bgm.weight_concentration_prior_),
            "meanPrecisionPrior": float(bgm.mean_precision_prior_),
            "meanPrior": as_list(bgm.mean_prior_),
            "degreesOfFreedomPrior": float(bgm.degrees_of_freedom_prior_),
            "covariancePrior": as_list(bgm.covariance_prior_),
        },
        "scoreSamples": as_list(bgm.score_samples(X)),
        "labels": as_list(bgm.predict(X)),
    }
    if proba:
        out["predictProba"] = as_list(bgm.predict_proba(X))
    return out


def cases_for(X, k, resp, max_iter_fixed, weighted_rows):
    cases = []
    for prior in PRIORS:
        for cov in TYPES:
            for mode, tol, max_iter in (("fixed", 0.0, max_iter_fixed), ("converge", 1e-3, 1000)):
                options = {"nComponents": k, "covarianceType": cov, "tol": tol,
                           "maxIter": max_iter, "regCovar": 1e-6,
                           "weightConcentrationPriorType": prior}
                expected = fit(X, resp, options, proba=mode == "converge")
                if mode == "fixed":
                    assert expected["nIter"] == max_iter and not expected["converged"]
                else:
                    assert expected["converged"] and expected["nIter"] < max_iter, (prior, cov)
                cases.append({"name": f"{prior}_{cov}_{mode}", "options": options,
                              "expected": expected})
    # Explicit priors (every option given, none from the data).
    d = X.shape[1]
    rng = np.random.default_rng(7)
    for cov in TYPES:
        cp = {"full": np.cov(X.T) * 0.5 + 0.1 * np.eye(d), "tied": np.cov(X.T) * 2.0,
              "diag": np.var(X, axis=0, ddof=1) * 0.7 + 0.05,
              "spherical": float(np.var(X, axis=0, ddof=1).mean() * 1.5)}[cov]
        priors = {"weight_concentration_prior": 0.5, "mean_precision_prior": 0.3,
                  "mean_prior": X.mean(axis=0) + rng.normal(scale=0.2, size=d),
                  "degrees_of_freedom_prior": d + 2.5, "covariance_prior": cp}
        options = {"nComponents": k, "covarianceType": cov, "tol": 0.0, "maxIter": 15,
                   "regCovar": 1e-6, "weightConcentrationPriorType": "dirichlet_process"}
        cases.append({"name": f"priors_{cov}", "options": options,
                      "priors": {"weightConcentrationPrior": 0.5, "meanPrecisionPrior": 0.3,
                                 "meanPrior": as_list(priors["mean_prior"]),
                                 "degreesOfFreedomPrior": d + 2.5,
                                 "covariancePrior": as_list(cp)},
                      "expected": fit(X, resp, options, priors)})
    # Integer weights: scikit-learn fits the rows repeated (weights 1-3), from their rows of resp.
    w = weighted_rows
    for cov in ("full", "spherical"):
        options = {"nComponents": k, "covarianceType": cov, "tol": 0.0, "maxIter": 10,
                   "regCovar": 1e-6, "weightConcentrationPriorType": "dirichlet_process"}
        expected = fit(np.repeat(X, w, axis=0), np.repeat(resp, w, axis=0), options, proba=True)
        # Per-row outputs of the unique rows (the first of each repetition).
        first = np.concatenate([[0], np.cumsum(w)[:-1]])
        for key in ("predictProba", "scoreSamples", "labels"):
            expected[key] = as_list(np.asarray(expected[key])[first])
        cases.append({"name": f"weighted_{cov}", "options": options,
                      "sampleWeight": as_list(w.astype(float)), "expected": expected})
    return cases


def fixtures():
    out = {}
    for name, loader, k, seed, fixed in (("iris", load_iris, 6, 11, 25),
                                         ("wine", load_wine, 5, 12, 20)):
        X = loader().data.astype(np.float64)
        resp = start_resp(seed, X.shape[0], k)
        weighted = np.random.default_rng(seed + 100).integers(1, 4, size=X.shape[0])
        doc = {"sklearn": sklearn.__version__, "numpy": np.__version__,
               "scipy": scipy.__version__, "kind": "BayesianGaussianMixture",
               "name": f"bgm_{name}",
               "comment": f"scikit-learn's {name} table; every case starts from resp",
               "X": as_list(X), "resp": as_list(resp)}
        doc["cases"] = cases_for(X, k, resp, fixed, weighted)
        out[f"bgm_{name}.json"] = dump(doc)
    return out


def digamma_cases():
    """x and scipy.special.digamma(x), one pair per line (shortest round-trip repr): small
    arguments (the recurrence), the negative root near 1.4616, the switch to the series at 10,
    half-integers as the Wishart terms take them, and large counts."""
    xs = [1e-300, 1e-12, 1e-6, 1e-3, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.4616321449683622,
          1.5, 2.0, 2.5, 3.0, 3.5, 4.5, 7.25, 9.5, 9.999999, 10.0, 10.5, 12.0, 25.5, 50.0, 100.5,
          1e3, 12345.678, 1e6, 1e10, 1e15, 1e300]
    rng = np.random.default_rng(2024)
    xs += list(np.exp(rng.uniform(np.log(1e-4), np.log(1e6), size=200)))
    lines = ["# x  digamma(x) (scipy.special.digamma), from scripts/make_bayesian_fixtures.py"]
    lines += [f"{float(x)!r} {float(digamma(x))!r}" for x in xs]
    return "\n".join(lines) + "\n"


def outputs():
    files = {OUT_DIR / name: text for name, text in fixtures().items()}
    files[DIGAMMA_FILE] = digamma_cases()
    return files


def main(argv):
    check = "--check" in argv
    bad = 0
    for path, text in outputs().items():
        file = path.name
        if check:
            if not path.exists() or path.read_text() != text:
                print(f"differs: {file}")
                bad += 1
        else:
            path.write_text(text)
            print(f"wrote {file} ({len(text)} bytes)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
