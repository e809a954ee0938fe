"""What a risk run saves to score new data later: the model folder (safe formats) and the spec
beside it (layout, z-score, thresholds); read back as untrusted input."""

from __future__ import annotations

import math
from pathlib import Path

from minectl.atomic import atomic_path
from minectl.errors import DataError
from minectl.risk.workflow import Layout, LeadResult

SPEC_FILE = "risk_model.json"  # everything scoring needs besides the model folder
MODEL_DIR = "model"


def model_spec(result: LeadResult, layout: Layout, frequency: str | None = None) -> dict:
    """The JSON-ready spec of a fitted lead time: columns, window, levels, z-score, thresholds; and
    ``frequency``, the period its windows count (e.g. '1h'), where given: new data are then read at
    that period, not at one inferred from their own (perhaps coarser) steps."""
    spec = {
        "dynamic": layout.dynamic, "static": layout.static, "window": layout.window,
        "n_levels": layout.n_levels, "series": layout.series, "time": layout.time,
        "mean": result.scaler.mean_.tolist(), "sd": result.scaler.sd_.tolist(),
        "thresholds": [float(t) for t in result.thetas],
        "value_ranges": value_ranges(result, layout),
    }
    return spec if frequency is None else {**spec, "frequency": frequency}


def value_ranges(result: LeadResult, layout: Layout) -> dict:
    """Each dynamic feature's training values as [smallest nonzero size, largest size] (|x|; None: all 0): risk predict
    refuses new values in other units (kJ for J) by them (minectl.risk.predict.refuse_other_units). Not the static
    features: a mine's haul distance, one value a series, ranges over the few series of the run, not over what a new
    mine may hold."""
    import numpy as np

    X, train = result.dataset.samples.X, result.split[0]
    rows = slice(train[0], train[-1] + 1)  # split_by_time's parts are ranges: a view, not a copy
    width, ranges = len(layout.dynamic), {}
    for j, name in enumerate(layout.dynamic):
        values = X[rows, j : layout.window * width : width]  # the feature at each step of the windows
        sizes = np.abs(values[np.isfinite(values) & (values != 0)])
        ranges[name] = [float(sizes.min()), float(sizes.max())] if sizes.size else None
    return ranges


def save_model_dir(model, target: Path) -> None:
    """``model`` written into the folder ``target`` atomically: staged beside it, then renamed."""
    from minectl.models import save_model

    with atomic_path(target, folder=True) as staging:
        save_model(model, staging)


def read_spec(path: Path) -> dict:
    """The spec at ``path``, type-checked: the folder may come from someone else."""
    from minectl.risk.timeaxis import is_period
    from minectl.runfolder import check_fields, is_number, read_json

    def names(v):  # each once: a repeated name made the window one column narrower than the z-score (a traceback)
        return isinstance(v, list) and all(isinstance(x, str) for x in v) and len(set(v)) == len(v)

    def static_names(v):  # none of them also dynamic
        return names(v) and not set(v) & set(spec["dynamic"])

    def numbers(n):
        return lambda v: isinstance(v, list) and len(v) == n and all(is_number(x) and math.isfinite(x) for x in v)  # 1e999 is inf

    spec = read_json(path, "the JSON object `minectl risk` saves beside its model")
    check_fields(spec, path, {
        "dynamic": (names, "a list of distinct column names"),
        "static": (static_names, "a list of distinct column names, none of them in 'dynamic'"),
        "window": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, "an integer >= 1"),
        "n_levels": (lambda v: v in (2, 3, 4, 5) and not isinstance(v, bool), "2 to 5"),
        "series": (lambda v: v is None or isinstance(v, str), "null or a column name"),
        "time": (lambda v: v is None or isinstance(v, str), "null or a column name"),
    })
    n_features = spec["window"] * len(spec["dynamic"]) + len(spec["static"])
    n_thetas = spec["n_levels"] - 1

    def scales(v):  # a z-score divides by them: 0 is a division by zero, a negative one flips the feature
        return numbers(n_features)(v) and all(x > 0 for x in v)

    def thresholds(v):  # eq 11 cuts the score in [0, 1]
        return numbers(n_thetas)(v) and all(0 < x < 1 for x in v) and all(a < b for a, b in zip(v, v[1:], strict=False))

    check_fields(spec, path, {
        "mean": (numbers(n_features), f"{n_features} numbers, finite (window x dynamic + static)"),
        "sd": (scales, f"{n_features} numbers > 0, finite (window x dynamic + static)"),
        "thresholds": (thresholds, f"{n_thetas} numbers, strictly increasing inside (0, 1) (n_levels - 1)"),
    })
    if "frequency" in spec:  # runs before it was saved: the period inferred from the new data
        check_fields(spec, path, {"frequency": (is_period, "a period such as 1h, 1d, 1shift")})

    def size_range(v):
        return v is None or numbers(2)(v) and 0 < v[0] <= v[1]

    if "value_ranges" in spec:  # runs before it was saved: the new data's units are not checked
        check_fields(spec, path, {"value_ranges": (
            lambda v: isinstance(v, dict) and sorted(v) == sorted(spec["dynamic"]) and all(map(size_range, v.values())),
            "an object of each dynamic column -> null or [smallest nonzero size, largest size], 0 < smallest <= largest")})
    return spec


def load_saved_model(directory: Path, n_features: int, n_levels: int | None = None):
    """The model folder rebuilt from safe formats; a damaged or tampered folder is one DataError.
    With ``n_levels``: its classes must be the levels 0..n_levels-1 in order (a run trains on
    every level), and one row of zeros must score as probabilities over them."""
    from minectl.models import load_model
    from minectl.models.io import check_saved_files
    from minectl.runfolder import check_plain_files

    check_plain_files(directory, "the model files a `minectl risk` run writes")  # a pipe blocks the loader forever
    try:
        model = load_model(directory)
    except DataError:
        raise
    except Exception as exc:  # untrusted files fail to decode in many ways; nothing is unpickled
        first = (str(exc).strip().splitlines() or [""])[0].split(". ")[0][:120]  # not numpy's "load it unsafely" hint
        raise DataError(f"{directory}: cannot rebuild the saved model ({type(exc).__name__}: {first}); "
                        "expected the model files a `minectl risk` run writes") from None
    if getattr(model, "n_features_in_", None) != n_features:
        raise DataError(f"{directory}: the model takes {getattr(model, 'n_features_in_', None)} features, "
                        f"{SPEC_FILE} describes {n_features}; expected the model of this run")
    if n_levels is not None:
        _check_scores(model, directory, n_features, n_levels)
    check_saved_files(directory)  # last: the checks above name a damage more precisely than a sha256
    return model


def _check_scores(model, directory: Path, n_features: int, n_levels: int) -> None:
    import numpy as np

    classes = np.asarray(getattr(model, "classes_", []))
    if classes.tolist() != list(range(n_levels)):  # swapped or foreign classes would relabel every probability
        raise DataError(f"{directory}: the model's classes are {classes.tolist()}, {SPEC_FILE} describes levels "
                        f"{list(range(n_levels))}; expected the model of this run")
    try:
        proba = np.asarray(model.predict_proba(np.zeros((1, n_features))), dtype=float)
    except Exception as exc:  # noqa: BLE001 - arrays of the wrong shape fail deep inside numpy, sklearn or torch
        first = (str(exc).strip().splitlines() or [""])[0][:120]
        raise DataError(f"{directory}: the saved model cannot score ({type(exc).__name__}: {first}); "
                        "expected the model files a `minectl risk` run writes") from None
    if proba.shape != (1, n_levels) or not np.isfinite(proba).all() or abs(proba.sum() - 1) > 1e-6:
        raise DataError(f"{directory}: the saved model scores a row as {proba.ravel().tolist()[:5]}; expected "
                        f"{n_levels} finite probabilities summing to 1 (damaged or edited model files)")
