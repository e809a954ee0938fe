"""Risk classifiers with scikit-learn's API, built by name, saved and loaded in safe formats.

Every model takes the same 2-D feature layout (see :mod:`minectl.models.sequence`): the
flattened dynamic window followed by the static features.
"""

from __future__ import annotations

import inspect
import json
import os
import warnings
from pathlib import Path

import numpy as np

from minectl.errors import ConfigError, DataError

MODEL_NAMES = ("lr", "svm", "rf", "lightgbm", "lstm", "lstm_rf")


def _factories():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    from minectl.models.boosting import LightGBMClassifier
    from minectl.models.hybrid import LSTMRandomForestClassifier
    from minectl.models.sequence import LSTMClassifier

    def svm(calibration_cv=3, **svc_params):
        # Platt-scaled probabilities fitted on held-out folds (SVC(probability=True) is deprecated)
        return CalibratedClassifierCV(SVC(**svc_params), ensemble=False, cv=calibration_cv)

    return {
        "lr": (LogisticRegression, {"class_weight": "balanced", "max_iter": 2000}, False),
        "svm": (svm, {"class_weight": "balanced"}, False),
        "rf": (RandomForestClassifier, {"class_weight": "balanced", "min_samples_leaf": 5}, False),
        "lightgbm": (LightGBMClassifier, {}, False),
        "lstm": (LSTMClassifier, {}, True),
        "lstm_rf": (LSTMRandomForestClassifier, {}, True),
    }, SVC


# constructor arguments the risk config sets itself (its window, the static features, the seed)
SET_BY_TASK = ("window", "n_static", "random_state")


def param_names(name: str) -> list[str] | None:
    """The constructor arguments ``model.params`` may set for model ``name`` (None: unknown model)."""
    factories, svc_class = _factories()
    if name not in factories:
        return None
    accepted = set(inspect.signature(svc_class if name == "svm" else factories[name][0]).parameters)
    if name == "svm":
        accepted.add("calibration_cv")
    return sorted(accepted - set(SET_BY_TASK))


def unfitted(name: str, params: dict):
    """The model ``name`` with its defaults and the config's ``params``, for checking their values."""
    factory, defaults, _ = _factories()[0][name]
    return factory(**{**defaults, **params})


def build_model(name: str, params: dict, *, window: int, n_static: int, random_state: int):
    """An unfitted estimator for ``model=<name>`` with the config's ``params``.

    Unknown names or parameters raise ConfigError naming the key.
    """
    from minectl.constraints import unknown_key

    factories, _ = _factories()
    accepted = param_names(name)
    if accepted is None:
        raise ConfigError(f"model.name: unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}")
    factory, defaults, is_sequence = factories[name]
    for key in params:
        if key not in accepted:
            raise ConfigError(unknown_key(f"model.params.{key}", accepted, f"parameter of {name!r}"))
    kwargs = {**defaults, **params, "random_state": random_state}
    if is_sequence:
        kwargs.update(window=window, n_static=n_static)
    return factory(**kwargs)


def _write_json(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1))
    os.replace(tmp, path)


def _save_torch(state_dict, path: Path) -> None:
    import torch

    tmp = path.with_name(path.name + ".tmp")
    torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, tmp)
    os.replace(tmp, path)


def save_model(model, directory: Path) -> None:
    """Write a fitted model into ``directory`` (created): JSON metadata plus a safe format
    per kind (torch state_dict, LightGBM text, JSON + npz for scikit-learn)."""
    from minectl.models.boosting import LightGBMClassifier
    from minectl.models.hybrid import LSTMRandomForestClassifier
    from minectl.models.safe_io import save_estimator
    from minectl.models.sequence import LSTMClassifier

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    meta = {"n_features": int(model.n_features_in_), "classes": np.asarray(model.classes_).tolist()}
    if isinstance(model, LSTMClassifier):
        meta.update(kind="lstm", params=model.get_params(), n_dynamic=int(model.n_dynamic_))
        _save_torch(model.net_.state_dict(), directory / "lstm.pt")
    elif isinstance(model, LSTMRandomForestClassifier):
        meta.update(kind="lstm_rf", params=model.get_params(), n_dynamic=int(model.encoder_.n_dynamic_))
        _save_torch(model.encoder_.net_.state_dict(), directory / "lstm.pt")
        save_estimator(model.forest_, directory / "forest")
        _write_json(directory / "tree_weights.json", model.tree_weights_.tolist())
    elif isinstance(model, LightGBMClassifier):
        meta.update(kind="lightgbm", params=model.get_params())
        tmp = directory / "lightgbm.txt.tmp"
        model.booster_.save_model(str(tmp))
        os.replace(tmp, directory / "lightgbm.txt")
    else:
        meta.update(kind="sklearn")
        save_estimator(model, directory / "estimator")
    _write_json(directory / "model.json", meta)


def load_model(directory: Path):
    """Rebuild a model written by :func:`save_model` without unpickling anything."""
    import torch

    from minectl.models.boosting import LightGBMClassifier
    from minectl.models.hybrid import LSTMRandomForestClassifier
    from minectl.models.safe_io import load_estimator
    from minectl.models.sequence import LSTMClassifier

    directory = Path(directory)
    meta_path = directory / "model.json"
    if not meta_path.is_file():
        raise DataError(f"{meta_path}: no saved model here (expected model.json from a risk run)")
    meta = json.loads(meta_path.read_text())
    kind = meta.get("kind")
    if kind == "sklearn":
        return load_estimator(directory / "estimator")
    if kind == "lightgbm":
        import lightgbm as lgb

        model = LightGBMClassifier(**meta["params"])
        model.booster_ = lgb.Booster(model_file=str(directory / "lightgbm.txt"))
    elif kind in ("lstm", "lstm_rf"):
        with warnings.catch_warnings():  # torch's note on a foreign pickle's protocol: the refusal says enough
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            state = torch.load(directory / "lstm.pt", map_location="cpu", weights_only=True)
        if kind == "lstm":
            model = LSTMClassifier(**meta["params"]).rebuild_net(
                state, meta["classes"], meta["n_features"], meta["n_dynamic"]
            )
        else:
            model = LSTMRandomForestClassifier(**meta["params"])
            p = model.get_params()
            model.encoder_ = LSTMClassifier(
                window=p["window"], n_static=0, hidden_size=p["hidden_size"], num_layers=p["num_layers"],
                dropout=p["dropout"], device=p["device"],
            ).rebuild_net(state, meta["classes"], meta["n_features"] - p["n_static"], meta["n_dynamic"])
            model.forest_ = load_estimator(directory / "forest")
            model.tree_weights_ = np.asarray(json.loads((directory / "tree_weights.json").read_text()))
    else:
        raise DataError(f"{meta_path}: unknown model kind {kind!r}")
    model.classes_ = np.asarray(meta["classes"])
    model.n_features_in_ = meta["n_features"]
    return model
