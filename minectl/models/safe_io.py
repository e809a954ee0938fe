"""Safe save/load of fitted scikit-learn estimators as JSON + npz (no pickle).

An estimator is written as its ``__getstate__`` tree: plain values go to JSON, numeric arrays
(structured ones too) to one ``.npz`` (loaded with ``allow_pickle=False``), a numpy random
Generator as its bit generator's state. On load only the classes in ``ALLOWED_CLASSES`` can be
rebuilt, so a tampered file cannot name arbitrary code.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np

from minectl.atomic import atomic_path
from minectl.errors import DataError

HGB_REGRESSOR = "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor"
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
        "sklearn.linear_model._base.LinearRegression",
        "sklearn.ensemble._forest.RandomForestRegressor",
        "sklearn.tree._classes.DecisionTreeRegressor",
        HGB_REGRESSOR,
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    }
)
# A saved estimator's .json holds its structure, its arrays are in the .npz: 0.25 MB for the default
# risk model (lstm_rf's forest, rf: 300 trees, about 850 bytes each). 64 MB (250 times as much: some
# 75,000 trees) refuses a file that would fill memory before it is refused (read whole, as text and objects).
MAX_JSON_BYTES = 64 << 20
# Its .npz: 1.5 MB for the default risk model (2.3 MB for model=svm's support vectors). 256 MB (170 times
# as much) for the file, and for its arrays unpacked: a deflated array of zeros unpacks to 1,000 times its
# size. The same for an LSTM's weights (lstm.pt: 0.04 MB).
MAX_ARRAY_BYTES = 256 << 20
NOT_SAVED = {HGB_REGRESSOR: ("_loss",)}  # state an estimator rebuilds on load (see _loaded_hgb)
BIT_GENERATORS = {"PCG64": np.random.PCG64}  # what np.random.default_rng makes


def _qualname(obj) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _resolve(name: str, source: Path):
    if name not in ALLOWED_CLASSES:
        raise DataError(f"{source}: class {name!r} is not in minectl's allow-list of loadable models")
    module, _, cls = name.rpartition(".")
    return getattr(importlib.import_module(module), cls)


def _zero_padded(array: np.ndarray) -> np.ndarray:
    """``array`` with the padding bytes of a structured dtype zeroed (a tree's nodes: 7 bytes after
    each uint8 field hold whatever memory held), so the same model saves the same bytes and its
    files' sha256 (model.json) is the same each time it is saved."""
    if array.dtype.names is None or array.dtype.itemsize == sum(array.dtype.fields[name][0].itemsize for name in array.dtype.names):
        return array
    clean = np.zeros(array.shape, array.dtype)
    for name in array.dtype.names:
        clean[name] = array[name]
    return clean


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
            self.arrays[key] = _zero_padded(value)
            return {"__array__": key}
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v) for v in value]}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            return {"__dict__": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, np.random.Generator):
            return {"__generator__": self.encode(value.bit_generator.state)}
        name = _qualname(value)
        if name == "sklearn.tree._tree.Tree":
            _, args, state = value.__reduce__()
            return {"__object__": name, "args": self.encode(args), "state": self.encode(state)}
        if name in ALLOWED_CLASSES:
            state = {k: v for k, v in value.__getstate__().items() if k not in NOT_SAVED.get(name, ())}
            return {"__object__": name, "state": self.encode(state)}
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
    if "__generator__" in value:
        return _generator(_decode(value["__generator__"], arrays, source), source)
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
    if value["__object__"] == HGB_REGRESSOR:
        _loaded_hgb(obj, source)
    if value["__object__"] == "sklearn.tree._tree.Tree" and not _tree_walkable(obj):
        raise DataError(f"{source}: a decision tree whose nodes point outside the tree or the {obj.n_features} features; "
                        "expected the trees as saved")
    return obj


def _loaded_hgb(model, source: Path) -> None:
    """Check a gradient-boosting model's trees (compiled code walks them unchecked) and rebuild its
    loss object (a compiled member) from its own `loss` parameter, as fit does."""
    trees = [predictor for iteration in model._predictors for predictor in iteration]
    if not all(_walkable(tree, model.n_features_in_) for tree in trees):
        raise DataError(f"{source}: a gradient-boosting tree whose nodes point outside the tree or the "
                        f"{model.n_features_in_} features; expected the trees as saved")
    model._loss = model._get_loss(sample_weight=None)


def _walkable(tree, n_features: int) -> bool:
    """A gradient-boosting tree's splits pass :func:`_splits_inside`, and each categorical split's
    bitset lies inside the tree's."""
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE

    nodes = tree.nodes
    if nodes.dtype != PREDICTOR_RECORD_DTYPE or len(nodes) == 0:
        return False
    split = np.flatnonzero(nodes["is_leaf"] == 0)
    inner = {name: nodes[name][split].astype(np.int64) for name in ("left", "right", "feature_idx", "is_categorical", "bitset_idx")}
    return (_splits_inside(split, inner["left"], inner["right"], inner["feature_idx"], len(nodes), n_features)
            and bool(np.all((inner["is_categorical"] == 0) | (inner["bitset_idx"] < len(tree.raw_left_cat_bitsets)))))


def _tree_walkable(tree) -> bool:
    """A decision tree's splits pass :func:`_splits_inside`; its leaves have no children (-1)."""
    left, right = tree.children_left, tree.children_right
    split = np.flatnonzero(left != -1)
    return (len(left) > 0 and bool(np.all(right[left == -1] == -1))
            and _splits_inside(split, left[split], right[split], tree.feature[split], len(left), tree.n_features))


def _splits_inside(split: np.ndarray, left: np.ndarray, right: np.ndarray, feature: np.ndarray, n_nodes: int, n_features: int) -> bool:
    """Each split node's children come after it (no cycle) and inside the tree's ``n_nodes``, its
    feature inside the input's ``n_features``: what compiled prediction code walks unchecked."""
    children, parents = np.concatenate([left, right]), np.tile(split, 2)
    return bool(np.all((children > parents) & (children < n_nodes)) and np.all((feature >= 0) & (feature < n_features)))


def _generator(state: dict, source: Path) -> np.random.Generator:
    if state.get("bit_generator") not in BIT_GENERATORS:
        raise DataError(f"{source}: random generator {state.get('bit_generator')!r}; expected one of {sorted(BIT_GENERATORS)}")
    generator = np.random.Generator(BIT_GENERATORS[state["bit_generator"]]())
    generator.bit_generator.state = state
    return generator


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
    from minectl.runfolder import read_text

    stem = Path(stem)
    source = stem.with_suffix(".json")
    tree = json.loads(read_text(source, "the file a run saved", MAX_JSON_BYTES,
                                "a saved model's structure may take (the default risk model's is 0.25 MB)"))
    return _decode(tree, _read_arrays(stem.with_suffix(".npz")), source)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a saved .npz (never unpickled), refused before any is read where the file or its
    arrays unpacked take more than MAX_ARRAY_BYTES."""
    from minectl.runfolder import check_unpacked_size

    written = "a saved model's arrays may take (the default risk model's are 1.5 MB)"
    with np.load(check_unpacked_size(path, "the file a run saved", MAX_ARRAY_BYTES, written), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}
