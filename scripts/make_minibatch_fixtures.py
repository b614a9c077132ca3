#!/usr/bin/env python3
"""Generate the scikit-learn MiniBatchKMeans fixtures in test/fixtures/minibatch_*.json.

    /usr/bin/python3 scripts/make_minibatch_fixtures.py            # (re)write them
    /usr/bin/python3 scripts/make_minibatch_fixtures.py --check    # compare with the disk

Every fixture is a sequence of partial_fit calls on batches given explicitly, from explicit
starting centres, so scikit-learn's random draws never decide a compared value:
- without reassignment (reassignment_ratio 0, or a ratio no centre falls below) the whole
  sequence is deterministic: centres, counts, labels and inertia after every call;
- with reassignment, which centres move, the counts after the move, and the centres that do
  not move are deterministic; a moved centre is some row of its batch, drawn at random (the
  fixture records which centres moved; the test checks that each became a distinct batch row).
  The sequence stops at the first step that moves a centre, since later steps depend on the
  draw.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.cluster import MiniBatchKMeans  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent.parent / "test" / "fixtures"


def dump(obj):
    lines = [json.dumps(k) + ":" + json.dumps(v, separators=(",", ":"), allow_nan=False)
             for k, v in obj.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


class RecordingState(np.random.RandomState):
    """A RandomState that records the size of every choice() (the reassignment draws)."""

    def __init__(self, seed):
        super().__init__(seed)
        self.choices = []

    def choice(self, *args, **kwargs):
        out = super().choice(*args, **kwargs)
        self.choices.append(int(np.size(out)))
        return out


def blobs(rng, centres, rows, scale, offset):
    k, d = centres.shape
    labels = rng.integers(0, k, rows)
    return centres[labels] + scale * rng.standard_normal((rows, d)) + offset


def sequence(name, X, batches, init, weights=None, reassignment_ratio=0.0, batch_size=1024,
             stop_at_reassign=False):
    """partial_fit on X[a:b] for each (a, b) in batches; the state after each call."""
    rs = RecordingState(0)
    km = MiniBatchKMeans(n_clusters=init.shape[0], init=init, n_init=1, random_state=rs,
                         reassignment_ratio=reassignment_ratio, batch_size=batch_size)
    steps = []
    for a, b in batches:
        Xb = X[a:b]
        wb = None if weights is None else weights[a:b]
        before = len(rs.choices)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            km.partial_fit(Xb, sample_weight=wb)
        moved_count = sum(rs.choices[before:])
        centres = km.cluster_centers_
        # a moved centre is exactly a row of the batch (and moved ones are distinct rows)
        moved = [bool(moved_count) and bool((Xb == centres[c]).all(axis=1).any())
                 for c in range(centres.shape[0])]
        if sum(moved) != moved_count:
            raise SystemExit(f"{name}: could not tell which centres moved")
        steps.append({
            "rows": [a, b],
            "clusterCenters": centres.tolist(),
            "counts": km._counts.tolist(),
            "labels": km.labels_.tolist(),
            "inertia": float(km.inertia_),
            "moved": moved,
            "sinceReassign": int(km._n_since_last_reassign),
        })
        if stop_at_reassign and moved_count:
            break
    return {
        "sklearn_version": sklearn.__version__,
        "X": X.tolist(),
        "sampleWeight": None if weights is None else weights.tolist(),
        "init": init.tolist(),
        "reassignmentRatio": reassignment_ratio,
        "batchSize": batch_size,
        "steps": steps,
    }


def fixtures():
    rng = np.random.default_rng(20260412)
    out = {}

    # No reassignment: batches of uneven sizes (1 row to 100), data far from the origin.
    centres = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 0.0], [0.0, 6.0, 4.0], [6.0, 0.0, 6.0]])
    X = blobs(rng, centres, 260, 0.8, 1000.0)
    init = centres + 1000.0 + rng.normal(scale=1.0, size=centres.shape)
    cuts = [0, 7, 27, 28, 61, 125, 130, 230, 260]
    batches = list(zip(cuts[:-1], cuts[1:]))
    out["minibatch_partial"] = sequence("partial", X, batches, init)

    # The same with sample weights (some zero).
    w = rng.uniform(0.0, 3.0, X.shape[0])
    w[rng.integers(0, X.shape[0], 20)] = 0.0
    out["minibatch_partial_weighted"] = sequence("weighted", X, batches, init, weights=w)

    # Reassignment checks that move nothing: balanced clusters, ratio 0.01, batch size 8, so
    # that the 10·K-rows rule fires every few steps.
    Xb = blobs(rng, centres, 160, 0.5, 0.0)
    init_b = centres + rng.normal(scale=0.3, size=centres.shape)
    out["minibatch_partial_checks"] = sequence(
        "checks", Xb, [(i, i + 8) for i in range(0, 160, 8)], init_b,
        reassignment_ratio=0.01, batch_size=8)

    # A centre far from every row: it takes no row, its count stays 0, and the first step
    # moves it to a batch row; its count restarts from the least count kept.
    init_far = np.vstack([centres[:3] + rng.normal(scale=0.3, size=(3, 3)), [[100.0, 100.0, 100.0]]])
    out["minibatch_reassign_far"] = sequence(
        "far", Xb, [(0, 12), (12, 40)], init_far, reassignment_ratio=0.01, stop_at_reassign=True)

    # Too many centres to move for the batch: at most ⌊rows/2⌋, those of lowest count.
    X6 = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [0.1, 0.1], [0.2, 0.0], [0.0, 0.2]])
    init6 = np.array([[0.05, 0.05], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0], [40.0, 0.0], [50.0, 0.0]])
    out["minibatch_reassign_many"] = sequence(
        "many", X6, [(0, 6)], init6, reassignment_ratio=0.01, stop_at_reassign=True)

    # A centre that takes one row in the first batch and none later: the checks (every 4th
    # step: 10·K = 40 rows, batches of 10) move nothing until its count falls below 0.1 × the
    # largest.
    X_later = np.vstack([Xb[:9], [[20.0, 20.0, 20.0]], Xb[9:]])
    init_low = np.vstack([centres[:3] + rng.normal(scale=0.3, size=(3, 3)), [[20.0, 20.0, 20.0]]])
    out["minibatch_reassign_later"] = sequence(
        "later", X_later, [(i, i + 10) for i in range(0, 160, 10)], init_low,
        reassignment_ratio=0.1, batch_size=10, stop_at_reassign=True)
    return out


def main():
    check = "--check" in sys.argv[1:]
    changed = []
    for name, obj in fixtures().items():
        path = OUT_DIR / f"{name}.json"
        text = dump(obj)
        if check:
            if not path.exists() or path.read_text() != text:
                changed.append(path.name)
        else:
            path.write_text(text)
    if check and changed:
        raise SystemExit("fixtures differ: " + ", ".join(changed))


if __name__ == "__main__":
    main()
