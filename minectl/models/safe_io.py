"""Safe save/load of fitted scikit-learn estimators as JSON + npz (no pickle).

An estimator is written as its ``__getstate__`` tree: plain values go to JSON, numeric arrays
to one ``.npz`` (loaded with ``allow_pickle=False``). On load only the classes in
``ALLOWED_CLASSES`` can be rebuilt, so a tampered file cannot name arbitrary code.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np

from minectl.atomic import atomic_path
from minectl.errors import DataError

ALLOWED_CLASSES = frozenset(
    {
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.svm._classes.SVC",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.ensemble._forest.RandomForestClassifier",
        "sklearn.tree._classes.DecisionTreeClassifier",
        "sklearn.tree._tree.Tree",
    }
)


def _qualname(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _resolve(name: str, source: Path):
    if name not in ALLOWED_CLASSES:
        raise DataError(f"{source}: class {name!r} is not in minectl's allow-list of loadable models")
    module, _, cls = name.rpartition(".")
    return getattr(importlib.import_module(module), cls)


class _Encoder:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def encode(self, value):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, np.generic):
            return value
        if isinstance(value, np.generic):
            return {"__scalar__": value.dtype.str, "value": value.item()}
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                return {"__objarray__": [self.encode(v) for v in value.tolist()]}
            key = f"a{len(self.arrays)}"
            self.arrays[key] = value
            return {"__array__": key}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v) for v in value]}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            return {"__dict__": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        name = _qualname(value)
        if name == "sklearn.tree._tree.Tree":
            _, args, state = value.__reduce__()
            return {"__object__": name, "args": self.encode(args), "state": self.encode(state)}
        if name in ALLOWED_CLASSES:
            return {"__object__": name, "state": self.encode(value.__getstate__())}
        raise TypeError(f"cannot save an object of type {name} safely")


def _decode(value, arrays, source: Path):
    if isinstance(value, list):
        return [_decode(v, arrays, source) for v in value]
    if not isinstance(value, dict):
        return value
    if "__scalar__" in value:
        return np.dtype(value["__scalar__"]).type(value["value"])
    if "__array__" in value:
        return arrays[value["__array__"]]
    if "__objarray__" in value:
        items = [_decode(v, arrays, source) for v in value["__objarray__"]]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out
    if "__tuple__" in value:
        return tuple(_decode(v, arrays, source) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k, arrays, source): _decode(v, arrays, source) for k, v in value["__dict__"]}
    cls = _resolve(value["__object__"], source)
    state = _decode(value["state"], arrays, source)
    if "args" in value:
        obj = cls(*_decode(value["args"], arrays, source))
    else:
        obj = cls.__new__(cls)
    if hasattr(obj, "__setstate__"):
        obj.__setstate__(state)
    else:  # plain classes (e.g. sklearn's calibration helpers) keep their state in __dict__
        obj.__dict__.update(state)
    return obj


def save_estimator(estimator, stem: Path) -> None:
    """Write ``<stem>.json`` and ``<stem>.npz`` describing a fitted allow-listed estimator."""
    encoder = _Encoder()
    tree = encoder.encode(estimator)
    stem = Path(stem)
    with atomic_path(stem.with_suffix(".json")) as tmp:
        tmp.write_text(json.dumps(tree))
    with atomic_path(stem.with_suffix(".npz")) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **encoder.arrays)


def load_estimator(stem: Path):
    """Rebuild an estimator written by :func:`save_estimator`; refuses non-allow-listed classes."""
    stem = Path(stem)
    tree = json.loads(stem.with_suffix(".json").read_text())
    with np.load(stem.with_suffix(".npz"), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    return _decode(tree, arrays, stem.with_suffix(".json"))
