"""The risk models by name: their constructor defaults, the parameters a config may set, and
an unfitted estimator built from ``model.name`` / ``model.params``."""

from __future__ import annotations

import inspect

from minectl.errors import ConfigError

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

    # scikit-learn's estimators with minectl's settings (its own estimators hold theirs in __init__):
    # class-weighted (failures are rare), L2-strong LR, depth- and leaf-limited forests, one thread
    return {
        "lr": (LogisticRegression, {"C": 0.1, "class_weight": "balanced", "max_iter": 2000}, False),
        "svm": (svm, {"class_weight": "balanced"}, False),
        "rf": (RandomForestClassifier,
               {"n_estimators": 300, "max_depth": 10, "min_samples_leaf": 5, "class_weight": "balanced", "n_jobs": 1},
               False),
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
