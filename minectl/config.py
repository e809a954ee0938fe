"""Config schemas registered in Hydra's ConfigStore.

Every primary config names `<task>_schema` first in its defaults list, so Hydra merges the
YAML onto the task's dataclass: unknown keys and wrong types fail at composition, naming
the key. Only omegaconf/hydra are imported here (the CLI's --help must stay fast).
What a config may name in `_target_` is checked in `minectl.trust`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from omegaconf import MISSING

from minectl.constraints import at_least, between


@dataclass
class TaskConfig:
    task_name: str = MISSING
    seed: int = between(0, 2**32 - 1, default=0)  # numpy's global seed takes 32 bits
    # Name of a metric the task function returns (for sweepers that minimise it, e.g. Optuna).
    objective: Optional[str] = None


@dataclass
class FilterConfig:
    column: str = MISSING
    op: str = "=="  # one of ==, !=, <, <=, >, >=, in
    value: Any = None


@dataclass
class TableSource:
    kind: str = "parquet"  # parquet | csv | duckdb
    path: Optional[str] = None
    query: Optional[str] = None  # duckdb: SQL or a table name
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
    # Per-table sources; they take precedence over `dir`.
    tables: Dict[str, TableSource] = field(default_factory=dict)


def register_schemas() -> None:
    """Register every task's `Config` as `<task>_schema` in Hydra's ConfigStore."""
    from hydra.core.config_store import ConfigStore

    from minectl.tasks import TASKS

    store = ConfigStore.instance()
    for name, (module, _help) in TASKS.items():
        store.store(name=f"{name}_schema", node=importlib.import_module(module).Config)
