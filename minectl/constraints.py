"""Declared ranges of config values, and the check of a composed config against its schemas.

Every numeric key of a schema states its range once, next to its default (in the spirit of
scikit-learn's ``_parameter_constraints``)::

    crossover_prob: float = between(0, 1, default=0.9)
    n_gen: int = at_least(1, default=200)

``check_config`` walks a composed config (OmegaConf keeps each node's dataclass) and fails
with one line on an unknown key (added with ``+`` or from a config file), a number out of its
range (NaN and inf included) or not among its choices (``one_of``), an item listed twice
(``unique_items``), or an estimator parameter the estimator does not take.
Only omegaconf and the standard library are imported here (the CLI's --help stays fast).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import typing
from typing import Any, Iterable, Optional

from minectl.errors import ConfigError

_NO_DEFAULT: Any = dataclasses.MISSING
# which ends of an interval belong to it
CLOSED = ("both", "left", "right", "neither")
INT64 = 2**63
NOW = re.compile(r"(?<!\\)\$\{now:")  # Hydra's resolver of the current time (not an escaped \${now:)


@dataclasses.dataclass(frozen=True)
class Range:
    """A finite number in [low, high] (None: unbounded), the ends included as ``closed`` says."""

    low: Optional[float] = None
    high: Optional[float] = None
    closed: str = "both"

    def __post_init__(self) -> None:
        if self.closed not in CLOSED:
            raise ValueError(f"closed={self.closed!r}; expected one of {CLOSED}")

    def __contains__(self, value: float) -> bool:
        if isinstance(value, float) and not math.isfinite(value):  # an int is finite (and may exceed a float)
            return False
        low_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        high_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return low_ok and high_ok

    def __str__(self) -> str:
        if self.low is not None and self.high is not None:
            left = "[" if self.closed in ("both", "left") else "("
            right = "]" if self.closed in ("both", "right") else ")"
            return f"in {left}{_text(self.low)}, {_text(self.high)}{right}"
        if self.low is not None:
            return f"{'>=' if self.closed in ('both', 'left') else '>'} {_text(self.low)}"
        if self.high is not None:
            return f"{'<=' if self.closed in ('both', 'right') else '<'} {_text(self.high)}"
        return ""


@dataclasses.dataclass(frozen=True)
class Choices:
    """One of a fixed set of values (names, or numbers such as MaintIE's label levels)."""

    options: tuple

    def __contains__(self, value: Any) -> bool:
        return value in self.options

    def __str__(self) -> str:
        return "one of " + ", ".join(map(str, self.options))


def _text(bound: float) -> str:
    """A bound as written: whole numbers in full (a seed's 4294967295), others short (0.5, 1e-06)."""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def _field(rng: Range | Choices, default: Any, default_factory: Any) -> Any:
    """A dataclass field carrying its range; lists and maps of numbers take it per element."""
    if default_factory is not _NO_DEFAULT:
        return dataclasses.field(default_factory=default_factory, metadata={"range": rng})
    return dataclasses.field(default=default, metadata={"range": rng})


def between(low: float, high: float, *, default: Any = _NO_DEFAULT, default_factory: Any = _NO_DEFAULT,
            closed: str = "both") -> Any:
    """A number between low and high; ``closed``: both | left | right | neither end included."""
    return _field(Range(low, high, closed), default, default_factory)


def at_least(low: float, *, default: Any = _NO_DEFAULT, default_factory: Any = _NO_DEFAULT) -> Any:
    """A number >= low (counts, windows: at_least(1))."""
    return _field(Range(low, None), default, default_factory)


def greater_than(low: float, *, default: Any = _NO_DEFAULT, default_factory: Any = _NO_DEFAULT) -> Any:
    """A number > low (divisors, scales)."""
    return _field(Range(low, None, "neither"), default, default_factory)


def finite_nonneg(*, default: Any = _NO_DEFAULT, default_factory: Any = _NO_DEFAULT) -> Any:
    """A finite number >= 0 (prices, quantities, costs)."""
    return at_least(0, default=default, default_factory=default_factory)


def one_of(*options: Any, default: Any = _NO_DEFAULT, default_factory: Any = _NO_DEFAULT) -> Any:
    """A value from ``options`` (a list: each element); null passes where the type is Optional.
    Checked with the ranges, before any job of a sweep runs."""
    return _field(Choices(options), default, default_factory)


def finite(*, default: Any = _NO_DEFAULT, default_factory: Any = _NO_DEFAULT) -> Any:
    """Any finite number (coefficients, offsets, bounds): NaN and inf are refused."""
    return _field(Range(), default, default_factory)


def unique_items(*, min_items: int = 0, default_factory: Any) -> Any:
    """A list whose items are each listed once (a repeat is not ignored: an anomaly item given
    twice was scored twice), and at least ``min_items`` of them (where an empty list would run
    as the default)."""
    return dataclasses.field(default_factory=default_factory, metadata={"unique_items": min_items})


def estimator_params(set_by_task: tuple[str, ...] = ()) -> Any:
    """An open map of the constructor arguments of the estimator its sibling `_target_` names,
    checked against that class (minectl.estimators) when the config is checked; ``set_by_task``:
    the arguments the task fills itself (the seed, a window), which a config may not set."""
    return dataclasses.field(default_factory=dict, metadata={"params_of": tuple(set_by_task)})


def in_estimator_params(root: Any, key: str) -> bool:
    """Whether dotted ``key`` names an entry of an ``estimator_params`` map of schema ``root``
    (``model.params.max_depth``): an estimator's parameter, which a config file lists only when
    it differs from the estimator's default, so the key may be absent from the composed config."""
    owner, _, _ = key.rpartition(".")
    holder, _, name = owner.rpartition(".")
    schema = schema_at(root, holder) if owner else None
    return schema is not None and any(f.name == name and "params_of" in f.metadata for f in dataclasses.fields(schema))


def schema_at(root: Any, path: str) -> Any:
    """The dataclass of the node at a dotted path of schema ``root`` (None where the path leaves
    the schema or reaches an open map): to name the keys a config file should have used."""
    node = root
    for part in path.split(".") if path else []:
        if typing.get_origin(node) in (dict, list):  # the part is a key or an index of the container
            node = typing.get_args(node)[-1]
        elif dataclasses.is_dataclass(node) and part in typing.get_type_hints(node):
            node = typing.get_type_hints(node)[part]
        else:
            return None
        node = without_optional(node)
    return node if dataclasses.is_dataclass(node) else None


def without_optional(schema: Any) -> Any:
    """X for a schema type Optional[X] (a node that may be null), else ``schema`` itself."""
    args = [arg for arg in typing.get_args(schema) if arg is not type(None)]
    return args[0] if typing.get_origin(schema) is typing.Union and len(args) == 1 else schema


def unknown_key(where: str, known: Iterable[str], what: str = "key") -> str:
    """One line for a key nothing reads: the closest known key when there is one, and the keys."""
    known = sorted(known)
    name = where.rsplit(".", 1)[-1]
    # a near spelling, else a key the name begins (value -> value_column)
    close = difflib.get_close_matches(name, known, n=1) or [k for k in known if k.startswith(name)][:1]
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"{where}: unknown {what}{hint}; expected one of: {', '.join(known) or '(none)'}"


def check_value(where: str, value: Any, rng: Range | Choices) -> None:
    """Fail with one line when a number is outside its declared range, or a value not one of its choices."""
    if isinstance(rng, Choices):
        if value is not None and value not in rng:
            raise ConfigError(f"{where}={value!r}; expected {rng}" if isinstance(value, str) else f"{where}={value}; expected {rng}")
        return
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return  # null (Optional), or a type OmegaConf has already checked against the schema
    if value not in rng:
        bounds = str(rng)
        if isinstance(value, int):
            expected = f"an integer {bounds}"
        else:  # an interval is finite by its ends; a one-sided or open range says so (inf, nan)
            expected = f"a number {bounds}" if bounds.startswith("in ") else f"a finite number {bounds}"
        # a level or share written as a percent (confidence=95): the one line says what was meant
        percent = f" (a percent? {value / 100:g})" if rng.high == 1 and 2 <= value <= 100 and value / 100 in rng else ""
        raise ConfigError(f"{where}={value} is out of range; expected {expected.rstrip()}{percent}")
    if isinstance(value, int) and not -INT64 <= value < INT64:  # numpy and polars hold 64 bits: an OverflowError mid-run
        bounds = f" {rng}," if str(rng) else ""
        raise ConfigError(f"{where}={value} is out of range; expected an integer{bounds} within 64 bits (-2**63 to 2**63-1)")


def check_config(cfg: Any, path: str = "", used: bool = True) -> None:
    """Check a composed config (a DictConfig) against the dataclass schema of each node.

    Inside a node with ``enabled: false`` (``used`` false) keys, ranges and the form of a
    ``_target_`` are checked, but no estimator class is imported: the run does not build it,
    and importing scikit-learn alone costs most of a second."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    if isinstance(cfg, ListConfig):
        for i in range(len(cfg)):
            _check_child(cfg, i, f"{path}[{i}]", used)
        return
    if not isinstance(cfg, DictConfig) or cfg._is_none() or cfg._is_missing():
        return
    used = used and _value(cfg, "enabled") is not False
    schema = OmegaConf.get_type(cfg)
    if dataclasses.is_dataclass(schema):
        fields = {f.name: f for f in dataclasses.fields(schema)}
        for key in cfg.keys():
            if key not in fields:  # added with `+`, which opens a schema node (Hydra's force_add)
                raise ConfigError(unknown_key(_join(path, key), fields))
        deleted = sorted(fields.keys() - set(cfg.keys()))  # with `~` (the task's root node lets Hydra delete)
        if deleted:
            where = _join(path, deleted[0])
            raise ConfigError(f"~{where}: a key of the schema cannot be deleted, the task reads it; expected a value ({where}=...)")
        for name, spec in fields.items():
            if "range" in spec.metadata:
                _check_numbers(cfg, name, _join(path, name), spec.metadata["range"])
            if "params_of" in spec.metadata:
                _check_params(cfg, name, _join(path, name), spec.metadata["params_of"], used)
            if "unique_items" in spec.metadata:
                _check_items(_value(cfg, name), _join(path, name), spec.metadata["unique_items"])
    for key in cfg.keys():
        _check_child(cfg, key, _join(path, key), used)


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _value(node: Any, key: Any) -> Any:
    """The resolved value, or None where it is missing or interpolates what only a job knows."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        return None if OmegaConf.is_missing(node, key) else node[key]
    except OmegaConfBaseException:  # e.g. ${hydra:...} before the job: checked again in the job
        return None


def _check_child(node: Any, key: Any, where: str, used: bool) -> None:
    from omegaconf import Container

    child = node._get_node(key)
    if isinstance(child, Container):
        check_config(child, where, used)
    elif NOW.search(str(child._value())):  # saved as written in .hydra/config.yaml: a replay reads another time
        raise ConfigError(f"{where}={child._value()}: takes the time of the run, another value at each run, so its figures "
                          "cannot be reproduced (minectl verify replays the config as written); expected the value written "
                          "out (a shell's $(date ...) in an override is saved with the run)")


def _check_numbers(node: Any, key: str, where: str, rng: Range | Choices) -> None:
    from omegaconf import DictConfig, ListConfig

    value = _value(node, key)
    if isinstance(value, ListConfig):
        for i, item in enumerate(value):
            check_value(f"{where}[{i}]", item, rng)
    elif isinstance(value, DictConfig):
        for name, item in value.items():
            check_value(f"{where}.{name}", item, rng)
    else:
        check_value(where, value, rng)


def _check_items(items: Any, where: str, min_items: int) -> None:
    if items is None:
        return  # null where the type is Optional
    if len(items) < min_items:
        raise ConfigError(f"{where}: {len(items)} item{'s' * (len(items) != 1)}; expected at least {min_items}")
    seen = set()
    for item in items:
        if item in seen:
            raise ConfigError(f"{where}: {item!r} is listed twice; expected each item once")
        seen.add(item)


def _check_params(node: Any, key: str, where: str, set_by_task: tuple[str, ...], used: bool) -> None:
    from omegaconf import OmegaConf

    from minectl.estimators import check_param_names, estimator_class
    from minectl.trust import TASK_PACKAGES, check_target_name

    params, target = _value(node, key), _value(node, "_target_")
    if target is None:
        return  # a missing `_target_` is reported as a missing key
    owner = where.rpartition(".")[0]
    if not used:
        check_target_name(target, f"{owner}._target_", TASK_PACKAGES)
        return
    cls = estimator_class(target, owner)
    if not params:
        return
    check_param_names(cls, params.keys(), owner, set_by_task)
    check_estimator(cls(**OmegaConf.to_container(params, resolve=True)), where)


def check_estimator(estimator: Any, where: str) -> None:
    """The values an unfitted estimator was given, before any fit: minectl's forecasters check
    their own (``check_params``); scikit-learn-style estimators are checked against their
    ``_parameter_constraints`` (LightGBM's sklearn API declares none: minectl's table stands in),
    and so is an estimator they hold (the SVC inside its calibration)."""
    if hasattr(estimator, "check_params"):
        try:
            estimator.check_params()
        except ConfigError as exc:  # "name: expected ..., got ..."
            raise ConfigError(f"{where}.{exc}") from None
        return
    from sklearn.base import BaseEstimator
    from sklearn.utils._param_validation import InvalidParameterError, validate_parameter_constraints

    from minectl.models.boosting import constraints_of

    held = [v for v in estimator.get_params(deep=False).values() if isinstance(v, BaseEstimator)]
    for part in [estimator, *held]:
        try:
            validate_parameter_constraints(constraints_of(part), part.get_params(deep=False), type(part).__name__)
        except InvalidParameterError as exc:  # "The 'C' parameter of X must be ... Got -1 instead."
            found = re.match(r"The '(\w+)' parameter of (\w+) must be (.+)\. Got (.+) instead\.$", str(exc), re.S)
            if not found:
                raise ConfigError(f"{where}: {exc}") from None
            name, owner, expected, got = found.groups()
            raise ConfigError(f"{where}.{name}={got} is invalid for {owner}; expected {expected}") from None
