#!/usr/bin/env python3
"""Generate the scikit-learn reference fixtures in test/fixtures/*.json.

Run from anywhere (paths are relative to this file):

    /usr/bin/python3 scripts/make_fixtures.py            # (re)write all fixtures
    /usr/bin/python3 scripts/make_fixtures.py --check    # regenerate in memory, compare to disk

Deterministic: fixed numpy default_rng seeds, single-threaded BLAS/OpenMP, explicit
starting parameters everywhere.  Rerunning it on the same machine rewrites the files
byte for byte.  See test/fixtures/README.md for the format and the scikit-learn
semantics the fixtures pin down.
"""

import os

# Must happen before numpy / scipy / sklearn are imported: the KMeans Cython kernels
# reduce per-thread partial sums in thread-arrival order, and BLAS may split dot
# products by thread count.  One thread makes the reference bit-reproducible.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.mixture import GaussianMixture  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent.parent / "test" / "fixtures"
N_TEST = 50  # rows of Xtest (48 from the mixture + 2 outliers)


# --------------------------------------------------------------------------- helpers

def as_list(a):
    """numpy -> nested Python lists of float / int / bool (repr-exact floats)."""
    return np.asarray(a).tolist()


def dump(obj):
    """One top-level key per line, values compact.  json uses float.__repr__,
    i.e. the shortest string that round-trips to the same float64."""
    lines = []
    for k, v in obj.items():
        lines.append(json.dumps(k) + ":" + json.dumps(v, separators=(",", ":"),
                                                       allow_nan=False))
    return "{\n" + ",\n".join(lines) + "\n}\n"


def versions():
    return {"sklearn": sklearn.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__}


def random_spd(rng, d, lo=0.4, hi=2.0):
    """A random symmetric positive-definite matrix with eigenvalues in [lo, hi]."""
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    ev = rng.uniform(lo, hi, size=d)
    c = (q * ev) @ q.T
    return (c + c.T) / 2.0


def make_truth(rng, k, d, cov_type, sep=3.5, offset=0.0):
    """True mixture parameters; covariances returned as full [K,D,D] matrices."""
    weights = rng.dirichlet(np.full(k, 6.0))
    means = rng.normal(scale=sep, size=(k, d)) + offset
    if cov_type == "full":
        covs = np.array([random_spd(rng, d) for _ in range(k)])
    elif cov_type == "tied":
        c = random_spd(rng, d)
        covs = np.array([c] * k)
    elif cov_type == "diag":
        covs = np.array([np.diag(rng.uniform(0.3, 2.0, size=d)) for _ in range(k)])
    else:
        covs = np.array([np.eye(d) * rng.uniform(0.4, 2.0) for _ in range(k)])
    return weights, means, covs


def sample_mixture(rng, n, weights, means, covs):
    k, d = means.shape
    counts = np.floor(weights * n).astype(int)
    counts[: n - counts.sum()] += 1
    parts = []
    for j in range(k):
        L = np.linalg.cholesky(covs[j])
        parts.append(means[j] + rng.normal(size=(counts[j], d)) @ L.T)
    X = np.concatenate(parts)
    return X[rng.permutation(n)]


def make_test(rng, weights, means, covs):
    """Held-out rows: 48 from the mixture plus 2 far outliers (log-sum-exp stress)."""
    Xt = sample_mixture(rng, N_TEST - 2, weights, means, covs)
    centre = means.mean(axis=0)
    spread = np.sqrt(max(np.max(np.diagonal(c)) for c in covs))
    d = means.shape[1]
    direction = rng.normal(size=d)
    direction /= np.linalg.norm(direction)
    far = np.array([centre + 12.0 * spread * direction,
                    centre - 9.0 * spread * direction[::-1]])
    return np.concatenate([Xt, far])


def start_params(rng, weights, means, covs, cov_type):
    """Reasonable but wrong starting point: perturbed truth, inflated covariances.
    Returns weights_init, means_init, covariances_init (sklearn's shape for the type)."""
    k, d = means.shape
    w = weights * rng.uniform(0.7, 1.3, size=k)
    w = w / w.sum()
    mu = means + rng.normal(scale=0.8, size=(k, d))
    scale = rng.uniform(1.4, 2.5, size=k)
    if cov_type == "full":
        c = np.array([covs[j] * scale[j] + 0.2 * np.eye(d) for j in range(k)])
        c = (c + np.transpose(c, (0, 2, 1))) / 2.0
    elif cov_type == "tied":
        c = covs.mean(axis=0) * scale[0] + 0.2 * np.eye(d)
        c = (c + c.T) / 2.0
    elif cov_type == "diag":
        c = np.array([np.diagonal(covs[j]) * scale[j] + 0.2 for j in range(k)])
    else:
        c = np.array([np.mean(np.diagonal(covs[j])) * scale[j] + 0.2 for j in range(k)])
    return w, mu, c


def cov_to_prec(c, cov_type):
    """sklearn has no covariances_init: precisions_init = inv(cov), kept exactly symmetric."""
    if cov_type == "full":
        p = np.array([np.linalg.inv(cj) for cj in c])
        return (p + np.transpose(p, (0, 2, 1))) / 2.0
    if cov_type == "tied":
        p = np.linalg.inv(c)
        return (p + p.T) / 2.0
    return 1.0 / c


def repeated_by_weights(rng, X, sample_weight_max):
    """Integer weights 1..max with a few zeros, and the rows repeated by them (the reference
    for weights is sklearn on np.repeat(X, w)); (None, X) when sample_weight_max is None."""
    if sample_weight_max is None:
        return None, X
    n = X.shape[0]
    sw = rng.integers(1, sample_weight_max + 1, size=n)
    sw[rng.choice(n, size=max(3, n // 50), replace=False)] = 0
    return sw, np.repeat(X, sw, axis=0)


# --------------------------------------------------------------------------- GMM

def gmm_case(name, seed, k, d, cov_type, n, *, max_iter=20, tol=0.0, reg_covar=1e-6,
             offset=0.0, give_covariances=False, sample_weight_max=None, comment=""):
    rng = np.random.default_rng(seed)
    weights, means, covs = make_truth(rng, k, d, cov_type, offset=offset)
    X = sample_mixture(rng, n, weights, means, covs)
    Xtest = make_test(rng, weights, means, covs)
    w0, mu0, c0 = start_params(rng, weights, means, covs, cov_type)
    p0 = cov_to_prec(c0, cov_type)

    sw, Xfit = repeated_by_weights(rng, X, sample_weight_max)

    gm = GaussianMixture(
        n_components=k, covariance_type=cov_type, tol=tol, reg_covar=reg_covar,
        max_iter=max_iter, n_init=1, weights_init=w0, means_init=mu0,
        precisions_init=p0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(Xfit)

    out = {**versions(), "kind": "GaussianMixture", "name": name}
    if comment:
        out["comment"] = comment
    out["X"] = as_list(X)
    if sw is not None:
        out["sampleWeight"] = as_list(sw)
    out["Xtest"] = as_list(Xtest)
    out["options"] = {"nComponents": k, "covarianceType": cov_type, "tol": float(tol),
                      "maxIter": max_iter, "regCovar": float(reg_covar), "nInit": 1}
    init = {"weightsInit": as_list(w0), "meansInit": as_list(mu0),
            "precisionsInit": as_list(p0)}
    if give_covariances:
        init["covariancesInit"] = as_list(c0)
    out["init"] = init
    out["expected"] = {
        "weights": as_list(gm.weights_),
        "means": as_list(gm.means_),
        "covariances": as_list(gm.covariances_),
        "precisionsCholesky": as_list(gm.precisions_cholesky_),
        "precisions": as_list(gm.precisions_),
        "lowerBound": float(gm.lower_bound_),
        "nIter": int(gm.n_iter_),
        "converged": bool(gm.converged_),
        "labels": as_list(gm.predict(X)),
        "labelsTest": as_list(gm.predict(Xtest)),
        "probaTest": as_list(gm.predict_proba(Xtest)),
        "scoreSamplesTest": as_list(gm.score_samples(Xtest)),
        "scoreTest": float(gm.score(Xtest)),
        "bicTest": float(gm.bic(Xtest)),
        "aicTest": float(gm.aic(Xtest)),
    }
    return out


# --------------------------------------------------------------------------- KMeans

def kmeans_data(seed, k, d, n, *, offset=0.0, sep=3.5, weights=None, init_mode="data",
                far_centre=None):
    """Data, held-out rows, starting centres and sample weights of a KMeans case.
    init_mode 'data': K distinct random rows of X as starting centres; 'truth':
    perturbed true means.  far_centre=j replaces centre j by a point far from all data
    (so cluster j is empty after the first assignment).  weights: None, 'mixed'
    (positive floats, some integers, a few exact zeros) or 'radial' (like 'mixed' but
    without zeros, x4 for rows closer than the median to the data mean and x1/4 for
    the others, so the weighted feature variance is far below the unweighted one)."""
    rng = np.random.default_rng(seed)
    w_true, means, covs = make_truth(rng, k, d, "full", sep=sep, offset=offset)
    X = sample_mixture(rng, n, w_true, means, covs)
    Xtest = make_test(rng, w_true, means, covs)
    if init_mode == "data":
        centres = X[np.sort(rng.choice(n, size=k, replace=False))].copy()
    else:
        centres = means + rng.normal(scale=1.0, size=(k, d))
    if far_centre is not None:
        centres[far_centre] = X.max(axis=0) + 40.0
        first = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(-1).argmin(1)
        assert not np.any(first == far_centre)  # really empty after the 1st assignment

    sw = None
    if weights == "mixed":
        sw = rng.uniform(0.1, 3.0, size=n)
        ints = rng.choice(n, size=n // 4, replace=False)
        sw[ints] = rng.integers(1, 6, size=ints.size).astype(float)
        zeros = rng.choice(np.setdiff1d(np.arange(n), ints), size=max(3, n // 40),
                           replace=False)
        sw[zeros] = 0.0
    elif weights == "radial":
        sw = rng.uniform(0.1, 3.0, size=n)
        ints = rng.choice(n, size=n // 4, replace=False)
        sw[ints] = rng.integers(1, 6, size=ints.size).astype(float)
        r2 = ((X - X.mean(axis=0)) ** 2).sum(axis=1)
        sw = sw * np.where(r2 < np.median(r2), 4.0, 0.25)
    return X, Xtest, centres, sw


def kmeans_case(name, seed, k, d, n, *, tol=1e-4, max_iter=300, comment="", **data_kw):
    X, Xtest, centres, sw = kmeans_data(seed, k, d, n, **data_kw)

    km = KMeans(n_clusters=k, init=centres, n_init=1, tol=tol, max_iter=max_iter,
                algorithm="lloyd", verbose=1, random_state=0)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        km.fit(X, sample_weight=sw)
    log = buf.getvalue()
    if "strict convergence" in log:
        stop = "strict"
    elif "within tolerance" in log:
        stop = "tol"
    else:
        stop = "maxIter"

    out = {**versions(), "kind": "KMeans", "name": name}
    if comment:
        out["comment"] = comment
    out["X"] = as_list(X)
    if sw is not None:
        out["sampleWeight"] = as_list(sw)
    out["Xtest"] = as_list(Xtest)
    out["options"] = {"nClusters": k, "tol": float(tol), "maxIter": max_iter, "nInit": 1}
    out["init"] = {"init": as_list(centres)}
    out["expected"] = {
        "clusterCenters": as_list(km.cluster_centers_),
        "labels": as_list(km.labels_),
        "inertia": float(km.inertia_),
        "nIter": int(km.n_iter_),
        "stop": stop,
        "labelsTest": as_list(km.predict(Xtest)),
        "transformTest": as_list(km.transform(Xtest)),
    }
    return out


# --------------------------------------------------------------------------- case list

def gmm_cases():
    c = []
    # A. one per covariance type, precisions given
    c.append(gmm_case("gmm_full", 101, 3, 2, "full", 600, max_iter=20))
    c.append(gmm_case("gmm_tied", 102, 3, 3, "tied", 700, max_iter=20))
    c.append(gmm_case("gmm_diag", 103, 4, 4, "diag", 800, max_iter=25))
    c.append(gmm_case("gmm_spherical", 104, 2, 5, "spherical", 500, max_iter=15))
    # far from the origin
    c.append(gmm_case("gmm_full_offset", 105, 3, 3, "full", 700, max_iter=25, offset=100.0,
                      comment="data centred near +100 in every coordinate"))
    c.append(gmm_case("gmm_diag_offset", 106, 3, 3, "diag", 600, max_iter=20, offset=-100.0,
                      comment="data centred near -100 in every coordinate"))
    # regularisation variants
    c.append(gmm_case("gmm_full_reg0", 107, 2, 2, "full", 400, max_iter=15, reg_covar=0.0,
                      comment="reg_covar=0 on well-conditioned data"))
    c.append(gmm_case("gmm_full_reg1e-2", 108, 3, 4, "full", 600, max_iter=20,
                      reg_covar=1e-2))
    # covariances given (sklearn got precisions_init = inv(covariancesInit))
    for i, (t, k, d, off) in enumerate([("full", 2, 3, 0.0), ("tied", 3, 2, 100.0),
                                         ("diag", 3, 3, 0.0), ("spherical", 4, 2, 100.0)]):
        c.append(gmm_case(f"gmm_{t}_covinit", 111 + i, k, d, t, 500, max_iter=15,
                          offset=off, give_covariances=True,
                          comment="sklearn was given precisions_init = inv(covariancesInit)"))
    # early convergence with the default tol
    c.append(gmm_case("gmm_full_converge", 121, 3, 2, "full", 600, max_iter=100, tol=1e-3,
                      comment="tol=1e-3: stops when |change of lower bound| < tol"))
    c.append(gmm_case("gmm_spherical_converge", 122, 3, 3, "spherical", 500, max_iter=100,
                      tol=1e-3))
    # a single iteration: lowerBound is from the E-step on the *initial* parameters
    c.append(gmm_case("gmm_full_maxiter1", 131, 3, 2, "full", 400, max_iter=1,
                      comment="max_iter=1: lowerBound = mean log-likelihood of the "
                              "starting parameters; returned params are after one M-step"))
    # many features: the full/tied kernels beyond four features (triangular, by column)
    c.append(gmm_case("gmm_full_d9", 151, 3, 9, "full", 900, max_iter=15,
                      comment="9 features: the many-feature kernel with a partial column group"))
    c.append(gmm_case("gmm_full_d16_offset", 152, 4, 16, "full", 1600, max_iter=12,
                      offset=-100.0, comment="16 features, data centred near -100"))
    c.append(gmm_case("gmm_tied_d6_offset", 153, 3, 6, "tied", 600, max_iter=15, offset=50.0,
                      comment="6 features, data centred near +50"))
    # C. weighted reference: sklearn on np.repeat(X, sampleWeight, axis=0)
    c.append(gmm_case("gmm_full_weighted", 141, 3, 2, "full", 300, max_iter=20,
                      sample_weight_max=5,
                      comment="expected = sklearn fitted on np.repeat(X, sampleWeight, axis=0)"))
    c.append(gmm_case("gmm_diag_weighted", 142, 3, 3, "diag", 300, max_iter=20,
                      sample_weight_max=4,
                      comment="expected = sklearn fitted on np.repeat(X, sampleWeight, axis=0)"))
    return c


def kmeans_cases():
    c = []
    c.append(kmeans_case("kmeans_basic", 201, 3, 2, 600, tol=1e-4))
    c.append(kmeans_case("kmeans_tol0_offset", 202, 4, 3, 800, tol=0.0, offset=100.0,
                         comment="tol=0, data near +100"))
    c.append(kmeans_case("kmeans_weighted", 203, 3, 3, 600, tol=1e-4, weights="mixed",
                         comment="sampleWeight: positive floats, some integers, a few zeros"))
    c.append(kmeans_case("kmeans_weighted_tol0", 204, 4, 2, 500, tol=0.0, weights="mixed"))
    c.append(kmeans_case("kmeans_tol_stop", 205, 5, 2, 1000, tol=5e-3, sep=1.2,
                         comment="strongly overlapping clusters; stops on the centre-shift "
                                 "tolerance, then labels are recomputed for the final centres"))
    c.append(kmeans_case("kmeans_empty_cluster", 206, 3, 2, 500, init_mode="truth",
                         far_centre=1,
                         comment="init centre 1 is far from all data: cluster 1 is empty "
                                 "after the first assignment and is relocated"))
    c.append(kmeans_empty_weighted("kmeans_empty_weighted", 207, 300))
    c.append(kmeans_empty_weighted("kmeans_empty_weighted_maxiter1", 207, 1))
    c.append(kmeans_case("kmeans_weighted_tol_stop", 320, 4, 2, 600, tol=5.5e-4, sep=1.5,
                         weights="radial",
                         comment="stops on the centre-shift tolerance at iteration 13 "
                                 "because the tolerance is scaled by the UNweighted "
                                 "feature variance; a weighted variance (~0.38x) would "
                                 "not stop there"))
    return c


def kmeans_empty_weighted(name, seed, max_iter):
    """Empty-cluster relocation with weights: the farthest row is chosen by UNweighted
    squared distance to its assigned centre; that row moves with its weight.  With
    max_iter=1 the relocated centre is visible in the output."""
    k, d, n = 3, 2, 500
    rng = np.random.default_rng(seed)
    w_true, means, covs = make_truth(rng, k, d, "full")
    X = sample_mixture(rng, n, w_true, means, covs)
    Xtest = make_test(rng, w_true, means, covs)
    centres = means + rng.normal(scale=1.0, size=(k, d))
    centres[2] = X.max(axis=0) + 40.0
    # first assignment (by plain distances), as sklearn will do it
    d2 = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    lab = d2.argmin(1)
    far = d2[np.arange(n), lab]
    order = np.argsort(far)[::-1]
    sw = rng.uniform(0.5, 2.0, size=n)
    sw[order[0]] = 0.25            # farthest by d^2, light
    sw[order[1:4]] = 8.0           # next ones heavy: farthest by w*d^2 is another row
    assert (sw * far).argmax() != far.argmax()
    assert far[order[0]] > far[order[1]]  # unique farthest row

    km = KMeans(n_clusters=k, init=centres, n_init=1, tol=1e-4, max_iter=max_iter,
                algorithm="lloyd", verbose=1, random_state=0)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        km.fit(X, sample_weight=sw)
    log = buf.getvalue()
    stop = ("strict" if "strict convergence" in log else
            "tol" if "within tolerance" in log else "maxIter")
    out = {**versions(), "kind": "KMeans", "name": name,
           "comment": "init centre 2 far from all data; the relocated row is the one "
                      "farthest by unweighted distance (index %d, weight 0.25), not by "
                      "weighted distance" % int(order[0]),
           "X": as_list(X), "sampleWeight": as_list(sw), "Xtest": as_list(Xtest),
           "options": {"nClusters": k, "tol": 1e-4, "maxIter": max_iter, "nInit": 1},
           "init": {"init": as_list(centres)},
           "expected": {
               "clusterCenters": as_list(km.cluster_centers_),
               "labels": as_list(km.labels_),
               "inertia": float(km.inertia_),
               "nIter": int(km.n_iter_),
               "stop": stop,
               "labelsTest": as_list(km.predict(Xtest)),
               "transformTest": as_list(km.transform(Xtest)),
           }}
    return out


# --------------------------------------------------------------------------- standardize

# Per-feature scales and offsets of the standardize cases: very different units.
STD_SCALE = np.array([1.0, 250.0, 0.004, 30.0])
STD_OFFSET = np.array([0.0, 5000.0, -0.3, 100.0])


def in_units(Z, d):
    """Rows drawn in standardised-looking units, stretched to the cases' units."""
    return Z * STD_SCALE[:d] + STD_OFFSET[:d]


def prec_to_original(p, cov_type, m_scale):
    """A precision given in standardised units, in the original units: S^-1 P S^-1
    (diag: P / s^2; spherical: unchanged, gaussmix takes spherical values standardised)."""
    s = m_scale
    if cov_type == "full":
        return p / s[None, :, None] / s[None, None, :]
    if cov_type == "tied":
        return p / s[:, None] / s[None, :]
    if cov_type == "diag":
        return p / s[None, :] ** 2
    return p


def standardize_gmm_case(name, seed, k, d, cov_type, n, *, max_iter=20, tol=0.0,
                         sample_weight_max=None, comment=""):
    """sklearn's make_pipeline(StandardScaler(), GaussianMixture(...)), with gaussmix's
    semantics for `standardize: true`: starting values in the original units (spherical
    ones standardised), means / covariances / precisionsCholesky / log densities of x."""
    rng = np.random.default_rng(seed)
    weights, means, covs = make_truth(rng, k, d, cov_type)
    X = in_units(sample_mixture(rng, n, weights, means, covs), d)
    Xtest = in_units(make_test(rng, weights, means, covs), d)
    sw, Xfit = repeated_by_weights(rng, X, sample_weight_max)
    scaler = StandardScaler().fit(Xfit)
    m, s = scaler.mean_, scaler.scale_
    Z = scaler.transform(Xfit)
    # Starting values near the truth, in standardised units for sklearn.
    zmeans = (means * STD_SCALE[:d] + STD_OFFSET[:d] - m) / s
    zcovs = np.array([c * np.outer(STD_SCALE[:d], STD_SCALE[:d]) / np.outer(s, s) for c in covs])
    w0, mu0, c0 = start_params(rng, weights, zmeans, zcovs, cov_type)
    p0 = cov_to_prec(c0, cov_type)
    gm = GaussianMixture(
        n_components=k, covariance_type=cov_type, tol=tol, reg_covar=1e-6,
        max_iter=max_iter, n_init=1, weights_init=w0, means_init=mu0,
        precisions_init=p0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(Z)
    log_scale = float(np.sum(np.log(s)))
    Zt = scaler.transform(Xtest)
    if cov_type in ("full", "tied"):
        cov_x = gm.covariances_ * (np.outer(s, s) if cov_type == "tied" else np.outer(s, s)[None])
        pc_x = gm.precisions_cholesky_ / (s[:, None] if cov_type == "tied" else s[None, :, None])
    elif cov_type == "diag":
        cov_x = gm.covariances_ * s[None, :] ** 2
        pc_x = gm.precisions_cholesky_ / s[None, :]
    else:
        cov_x = gm.covariances_
        pc_x = gm.precisions_cholesky_

    out = {**versions(), "kind": "GaussianMixture", "name": name,
           "comment": "sklearn make_pipeline(StandardScaler(), GaussianMixture()); " + comment}
    out["X"] = as_list(X)
    if sw is not None:
        out["sampleWeight"] = as_list(sw)
    out["Xtest"] = as_list(Xtest)
    out["options"] = {"nComponents": k, "covarianceType": cov_type, "tol": float(tol),
                      "maxIter": max_iter, "regCovar": 1e-6, "nInit": 1, "standardize": True}
    out["init"] = {"weightsInit": as_list(w0), "meansInit": as_list(m + s * mu0),
                   "precisionsInit": as_list(prec_to_original(p0, cov_type, s))}
    out["expected"] = {
        "scalingMean": as_list(m),
        "scalingScale": as_list(s),
        "weights": as_list(gm.weights_),
        "means": as_list(m + s * gm.means_),
        "covariances": as_list(cov_x),
        "precisionsCholesky": as_list(pc_x),
        "lowerBound": float(gm.lower_bound_) - log_scale,
        "nIter": int(gm.n_iter_),
        "converged": bool(gm.converged_),
        "labelsTest": as_list(gm.predict(Zt)),
        "probaTest": as_list(gm.predict_proba(Zt)),
        "scoreSamplesTest": as_list(gm.score_samples(Zt) - log_scale),
    }
    return out


def standardize_kmeans_case(name, seed, k, d, n, *, weighted=False, comment=""):
    """sklearn's StandardScaler().fit(X, sample_weight=w) then KMeans on the standardised
    rows, from explicit centres (given to gaussmix in the original units); centres reported
    in the original units, inertia and transform in standardised units."""
    rng = np.random.default_rng(seed)
    w_true, means, covs = make_truth(rng, k, d, "full")
    X = in_units(sample_mixture(rng, n, w_true, means, covs), d)
    Xtest = in_units(make_test(rng, w_true, means, covs), d)
    sw = rng.uniform(0.1, 3.0, size=n) if weighted else None
    scaler = StandardScaler().fit(X, sample_weight=sw)
    m, s = scaler.mean_, scaler.scale_
    Z = scaler.transform(X)
    centres = Z[np.sort(rng.choice(n, size=k, replace=False))].copy()
    km = KMeans(n_clusters=k, init=centres, n_init=1, tol=1e-4, max_iter=300,
                algorithm="lloyd", random_state=0)
    km.fit(Z, sample_weight=sw)
    Zt = scaler.transform(Xtest)
    out = {**versions(), "kind": "KMeans", "name": name,
           "comment": "sklearn StandardScaler().fit(X, sample_weight) + KMeans; " + comment}
    out["X"] = as_list(X)
    if sw is not None:
        out["sampleWeight"] = as_list(sw)
    out["Xtest"] = as_list(Xtest)
    out["options"] = {"nClusters": k, "tol": 1e-4, "maxIter": 300, "nInit": 1,
                      "standardize": True}
    out["init"] = {"init": as_list(m + s * centres)}
    out["expected"] = {
        "scalingMean": as_list(m),
        "scalingScale": as_list(s),
        "clusterCenters": as_list(m + s * km.cluster_centers_),
        "labels": as_list(km.labels_),
        "inertia": float(km.inertia_),
        "nIter": int(km.n_iter_),
        "labelsTest": as_list(km.predict(Zt)),
        "transformTest": as_list(km.transform(Zt)),
    }
    return out


def standardize_cases():
    return [
        standardize_gmm_case("standardize_gmm_full", 401, 3, 4, "full", 600),
        standardize_gmm_case("standardize_gmm_tied", 402, 3, 3, "tied", 500),
        standardize_gmm_case("standardize_gmm_diag", 403, 3, 4, "diag", 500),
        standardize_gmm_case("standardize_gmm_spherical", 404, 2, 3, "spherical", 400,
                             comment="spherical variances stay standardised"),
        standardize_gmm_case("standardize_gmm_full_weighted", 405, 3, 2, "full", 300,
                             sample_weight_max=4,
                             comment="expected = the pipeline on np.repeat(X, sampleWeight)"),
        standardize_kmeans_case("standardize_kmeans", 406, 3, 4, 600),
        standardize_kmeans_case("standardize_kmeans_weighted", 407, 4, 3, 500, weighted=True),
    ]


# --------------------------------------------------------------------------- sanity

def sanity(c):
    """Cheap consistency checks on a generated case (raises AssertionError)."""
    e, o = c["expected"], c["options"]
    n_test = len(c["Xtest"])
    if c["kind"] == "GaussianMixture":
        k = o["nComponents"]
        assert abs(sum(e["weights"]) - 1.0) < 1e-12
        assert min(e["weights"]) > 0.02  # no collapsed component
        assert np.all(np.abs(np.sum(e["probaTest"], axis=1) - 1.0) < 1e-12)
        assert len(e["labelsTest"]) == n_test and max(e["labelsTest"]) < k
        assert np.all(np.isfinite(e["scoreSamplesTest"]))
        if e["converged"]:
            assert e["nIter"] < o["maxIter"]
        else:
            assert e["nIter"] == o["maxIter"]
        if o["tol"] == 0:
            assert not e["converged"]
        assert e["nIter"] == o["maxIter"] or o["tol"] > 0
    else:
        k = o["nClusters"]
        assert sorted(set(e["labels"])) == list(range(k))  # every cluster in use
        assert len(e["labelsTest"]) == n_test
        assert np.array_equal(np.argmin(e["transformTest"], axis=1), e["labelsTest"])
        assert e["nIter"] <= o["maxIter"]
        if e.get("stop") == "maxIter":
            assert e["nIter"] == o["maxIter"]
        assert e["inertia"] > 0


# --------------------------------------------------------------------------- main

def main(argv):
    check = "--check" in argv
    cases = gmm_cases() + kmeans_cases() + standardize_cases()
    names = [c["name"] for c in cases]
    assert len(set(names)) == len(names)
    bad = 0
    for c in cases:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", c["name"])
        sanity(c)
        path = OUT_DIR / (c["name"] + ".json")
        text = dump(c)
        if check:
            same = path.exists() and path.read_text() == text
            print(("same    " if same else "DIFFERS ") + path.name)
            bad += not same
        else:
            OUT_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print("%-32s %8d bytes" % (path.name, len(text)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
