"""Config schemas registered in Hydra's ConfigStore, and the groups several tasks share (data, costs).

Every primary config names `<task>_schema` first in its defaults list, so Hydra merges the
YAML onto the task's dataclass: unknown keys and wrong types fail at composition, naming
the key. Only omegaconf/hydra are imported here (the CLI's --help must stay fast).
What a config may name in `_target_` is checked in `minectl.trust`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from omegaconf import MISSING, OmegaConf

from minectl.constraints import at_least, between, estimator_params, finite_nonneg, greater_than, unique_items


@dataclass
class TaskConfig:
    task_name: str = MISSING
    seed: int = between(0, 2**32 - 1, default=0)  # numpy's global seed takes 32 bits
    # Name of a metric the task function returns (for sweepers that minimise it, e.g. Optuna).
    objective: Optional[str] = None
    # Write report.html (figures, tables, plots, config, provenance) at the end of the run.
    report: bool = True


@dataclass
class FilterConfig:
    column: str = MISSING
    op: str = "=="  # one of ==, !=, <, <=, >, >=, in
    value: Any = None


@dataclass
class TableSource:
    kind: str = "parquet"  # parquet | csv | duckdb | postgres
    path: Optional[str] = None
    query: Optional[str] = None  # duckdb, postgres: SQL or a table name
    dsn: Optional[str] = None  # postgres: connection string (its password from PGPASSWORD or ${oc.env:NAME})
    columns: Dict[str, str] = field(default_factory=dict)  # source name -> canonical name
    filters: List[FilterConfig] = field(default_factory=list)


@dataclass
class SynthConfig:
    mines: int = at_least(1, default=1)
    years: float = between(0.1, 50, default=2.0)
    start: str = "2023-01-01"
    seed: int = at_least(0, default=0)
    meters_per_activity: int = at_least(1, default=1)
    missing_rate: float = between(0, 0.5, default=0.01)


@dataclass
class DataConfig:
    name: str = MISSING
    # Generate the embedded synthetic mine in memory when set.
    synthetic: Optional[SynthConfig] = None
    # A folder with one <table>.parquet (or <table>/ of parts) per canonical table.
    dir: Optional[str] = None
    # A database file that table sources may share (interpolate it as ${data.path}).
    path: Optional[str] = None
    # A database server's connection string that table sources may share (${data.dsn}).
    dsn: Optional[str] = None
    # Per-table sources; they take precedence over `dir`.
    tables: Dict[str, TableSource] = field(default_factory=dict)


@dataclass
class CostsConfig:
    """A cost mapping (conf/costs/): resources -> activities -> cost objects.

    The entries of the named maps are plain (so that an override can add one, e.g.
    +costs.resources.water={unit:m3,category:material,price:4}); their keys and values are
    checked before any data is read (minectl.costing.mapping / anomalies / accounts).
    """

    currency: str = "CNY"
    resources: Dict[str, Any] = field(default_factory=dict)  # name -> {unit, category, price?}
    activities: Dict[str, Any] = field(default_factory=dict)  # name -> {stage, resources}
    prices: Dict[str, Any] = field(default_factory=dict)  # resource -> [{valid_from, price}]
    cost_objects: List[str] = unique_items(min_items=1, default_factory=lambda: ["stage", "mine"])  # [] ran as the default
    intensities: Dict[str, List[str]] = field(default_factory=dict)  # name -> [numerator, denominator]
    thresholds: Dict[str, Any] = field(default_factory=dict)  # resource -> {lower?, upper?} per daily record
    # rule -> indicator -> {direction, threshold}; null: no rules (a map override merges, ~ is refused)
    anomaly_rules: Optional[Dict[str, Any]] = field(default_factory=dict)


@dataclass
class CostParams:
    output: str = "ore_t"  # production column used as Q_t (eq 2)
    interpolation_limit: Optional[int] = at_least(0, default=6)  # hours; longer meter gaps stay missing (null: no limit)
    impute_cycle: str = "1mo"  # missing daily records take the mean of the same series in this cycle
    outlier_window: int = at_least(2, default=30)  # days of history of the rolling 3-sigma rule
    outlier_sigma: float = greater_than(0, default=3.0)
    sensor_window: int = at_least(2, default=168)  # hours of history of the rolling 3-sigma rule on sensor series
    event_downtime_h: float = finite_nonneg(default=4.0)  # days with failures or this much downtime keep their outliers
    event_maintenance: bool = False  # maintenance work days are events too (52 % of synthetic days)
    event_days_after: int = at_least(0, default=3)  # an event also explains the next days' readings (late bookings)
    anomaly_window: int = at_least(2, default=14)  # trailing days of the anomaly baselines
    z_threshold: float = greater_than(0, default=3.0)
    anomaly_items: List[str] = unique_items(  # daily columns scored against their trailing baseline
        default_factory=lambda: ["cost", "unit_cost", "kwh_per_t", "maintenance_cost_per_t", "share_stage_transport"])
    # columns that get a day-over-day <col>_chg / a trailing mean <col>_rm
    change_rate: List[str] = unique_items(default_factory=lambda: ["cost", "unit_cost", "kwh_per_t"])
    rolling_mean: List[str] = unique_items(default_factory=lambda: ["cost", "unit_cost", "kwh_per_t"])
    rolling_window: int = at_least(1, default=7)
    top_anomalies: int = at_least(0, default=10)  # rows of the terminal summary
    # the data's period in plots and the summary (day | week | month | quarter | year); None: from
    # the step between its dates (one date alone, as annual figures of one year, cannot tell)
    period: Optional[str] = None


@dataclass
class EstimatorConfig:
    """An estimator by its class (`_target_`, minectl.trust's allow-list) and the constructor
    arguments that differ from its defaults; the task sets `random_state` from its seed."""

    _target_: str = MISSING
    params: Dict[str, Any] = estimator_params(("random_state",))


# the cost node's keys that shape the report; the others are full_cost's keywords
COST_REPORT_KEYS = ("top_anomalies", "period")


def full_cost_params(cost: Any) -> dict[str, Any]:
    """The keywords of minectl.costing.pipeline.full_cost from a `cost` node (CostParams)."""
    params = OmegaConf.to_container(cost, resolve=True)
    return {k: v for k, v in params.items() if k not in COST_REPORT_KEYS}


@dataclass
class CostConfig(TaskConfig):
    """The config of `minectl cost` and `minectl demo` (the same pipeline)."""

    data: DataConfig = MISSING
    costs: CostsConfig = MISSING
    cost: CostParams = field(default_factory=CostParams)


def misfit(schema: Any, value: Any, path: str) -> Optional[str]:
    """The first mistake of ``value`` (a config file's node, as plain data) against ``schema`` (a type of the
    task's schema) at ``path``: a key its dataclass lacks, or a list where a mapping goes or the reverse; None
    when it fits. Hydra names neither well: a list item's key loses its path (`full_key: values`), and
    "Cannot merge DictConfig with ListConfig" names no key at all."""
    import dataclasses
    import typing

    from minectl.constraints import unknown_key, without_optional

    schema = without_optional(schema)
    origin = typing.get_origin(schema)
    if isinstance(value, dict) and origin is list:
        item = typing.get_args(schema)[0]
        keys = f" of mappings with keys {', '.join(f.name for f in dataclasses.fields(item))}" if dataclasses.is_dataclass(item) else ""
        return f"{path}: a mapping; expected a list [...]{keys} (a - line for each item)"
    if isinstance(value, list) and (origin is dict or dataclasses.is_dataclass(schema)):
        return f"{path}: a list; expected a mapping {{key: value, ...}}"
    inner = f"{path}." if path else ""
    if isinstance(value, dict) and dataclasses.is_dataclass(schema):
        hints = typing.get_type_hints(schema)
        found = (unknown_key(f"{inner}{key}", hints) if key not in hints else misfit(hints[key], item, f"{inner}{key}")
                 for key, item in value.items())
    elif isinstance(value, dict) and origin is dict:
        found = (misfit(typing.get_args(schema)[1], item, f"{inner}{key}") for key, item in value.items())
    elif isinstance(value, list) and origin is list:
        found = (misfit(typing.get_args(schema)[0], item, f"{path}[{i}]") for i, item in enumerate(value))
    else:
        return None
    return next((line for line in found if line), None)


def overrides_given() -> dict[str, str] | None:
    """The run's command-line overrides by key (`+q=0.9` -> {"q": "+q=0.9"}), from Hydra's record of the
    command line; None outside a Hydra run. A value set by a debug or experiment config is not in it."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return None
    return {override.split("=", 1)[0].lstrip("+~"): override for override in HydraConfig.get().overrides.task}


def unread_settings(read_only_with: Mapping[str, tuple[str, Callable[[Any], bool]]], node: Any) -> list[str]:
    """A line for each setting of the command line that this run does not read (``read_only_with``: key -> what
    reads it, and whether ``node``, the task's config, does). Said, not refused: a sweep gives such a setting to
    the jobs that read it; said with the run's figures, so that a later refusal stays one line."""
    given = overrides_given() or {}
    return [f"{given[key]} is read only with {needs}: not used by this run"
            for key, (needs, read) in read_only_with.items() if key in given and not read(node)]


def register_schemas(schemas: Mapping[str, type]) -> None:
    """Register each task's `Config` (``schemas``: task name -> Config, from
    `minectl.tasks.schemas()`) as `<task>_schema` in Hydra's ConfigStore."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    for name, schema in schemas.items():
        store.store(name=f"{name}_schema", node=schema)


def forget_schemas(schemas: Mapping[str, type]) -> None:
    """Take the `<task>_schema` entries out of Hydra's ConfigStore again: Hydra's help page composes no task config, and
    each of its ~240 group look-ups deep-copies the store, ten times larger with them (6 s of CPU for `minectl cost -h`)."""
    from hydra.core.config_store import ConfigStore

    for name in schemas:
        ConfigStore.instance().repo.pop(f"{name}_schema.yaml", None)
