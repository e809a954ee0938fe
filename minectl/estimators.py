"""Estimators named in config: a node's `_target_` names the class (checked by the allow-list of
minectl.trust before anything is imported) and its `params` map holds only the constructor
arguments that differ from the class's defaults, so the class signature is the one home of every
default and a Python caller gets the same model as the CLI.

The task fills what it owns (the seed, a window length) through ``build(..., **set_by_task)``;
the config may not set those.
"""

from __future__ import annotations

import inspect
from typing import Any, Iterable

from minectl.errors import ConfigError


def estimator_class(target: Any, where: str) -> type:
    """The class `target` names: an allowed package's class with scikit-learn's parameter API."""
    from minectl.trust import TASK_PACKAGES, check_target

    cls = check_target(target, f"{where}._target_", TASK_PACKAGES)
    if not callable(getattr(cls, "get_params", None)):
        raise ConfigError(f"{where}._target_: {target!r} is not an estimator; expected a class with "
                          "scikit-learn's get_params/fit API")
    return cls


def param_names(cls: type, set_by_task: Iterable[str] = ()) -> list[str]:
    """The constructor arguments a config may set: the signature's, less those the task sets."""
    signature = inspect.signature(cls.__init__).parameters
    named = {n for n, p in signature.items() if n != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return sorted(named - set(set_by_task))


def check_param_names(cls: type, params: Iterable[str], where: str, set_by_task: Iterable[str] = ()) -> None:
    """Every key of `params` is a constructor argument of `cls` the config may set."""
    from minectl.constraints import unknown_key

    set_by_task = tuple(set_by_task)
    accepted = param_names(cls, set_by_task)
    for key in params:
        if key in set_by_task and key in param_names(cls):  # the class takes it: "unknown parameter" misled
            raise ConfigError(f"{where}.params.{key}: a parameter of {cls.__name__} that the task sets itself (from seed or its "
                              f"own settings); expected one of: {', '.join(accepted)}")
        if key not in accepted:
            raise ConfigError(unknown_key(f"{where}.params.{key}", accepted, f"parameter of {cls.__name__}"))


def boolean_as_number(cls: type, params: dict) -> tuple[str, str] | None:
    """The first of ``params`` given true/false for a parameter that only takes numbers (``cls``'s
    _parameter_constraints), and what it takes; None where there is none. Python counts True as 1 and
    scikit-learn's checks take it as one, so n_estimators=true fitted a forest of one tree, C=true ran C=1
    and a KGE's dim=true trained a 1-wide embedding, unsaid (LightGBM's C++ refused it mid-fit, in a traceback)."""
    from numbers import Number

    from sklearn.utils._param_validation import Interval, make_constraint

    declared = getattr(cls, "_parameter_constraints", {})  # minectl's LightGBM wrappers declare theirs too
    for name, value in params.items():
        options = [make_constraint(c) for c in declared.get(name, [])] if isinstance(value, bool) else []
        # an interval or a number type (int, Integral, Real) takes True as 1; "boolean", bool or a callable takes it as meant
        numeric = [isinstance(o, Interval) or (isinstance(getattr(o, "type", None), type) and issubclass(o.type, Number)
                                               and o.type is not bool) for o in options]
        if any(numeric) and not any(o.is_satisfied_by(value) for o, number in zip(options, numeric, strict=True) if not number):
            return name, " or ".join(str(o) for o in options)
    return None


def refuse_booleans_as_numbers(cls: type, params: dict, where: str) -> None:
    """A config's true/false for a numeric parameter of ``cls`` (boolean_as_number) refused, naming it under ``where``."""
    found = boolean_as_number(cls, params)
    if found is not None:
        name, expected = found
        raise ConfigError(f"{where}.params.{name}={str(params[name]).lower()} is invalid for {cls.__name__}: a boolean, which "
                          f"would count as {int(params[name])}; expected {expected}")


def build(target: Any, params: dict, where: str, set_by_task: Iterable[str] = (), **owned: Any):
    """An unfitted estimator: the class `target` names with the config's `params`, plus the values
    the task owns (`owned`), each passed only where the constructor takes it."""
    cls = estimator_class(target, where)
    check_param_names(cls, params, where, set_by_task)
    refuse_booleans_as_numbers(cls, params, where)
    accepted = set(param_names(cls))
    return cls(**params, **{k: v for k, v in owned.items() if k in accepted})
