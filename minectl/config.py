"""Config schemas registered in Hydra's ConfigStore, and guarded instantiation.

Every primary config names `<task>_schema` first in its defaults list, so Hydra merges the
YAML onto the task's dataclass: unknown keys and wrong types fail at composition, naming
the key. Only omegaconf/hydra are imported here (the CLI's --help must stay fast).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from omegaconf import MISSING

from minectl.errors import ConfigError

# Modules a config may name in `_target_`; anything else could call an arbitrary function.
TARGET_ALLOWLIST = ("minectl.", "sklearn.", "lightgbm.", "pymoo.", "torch.optim.")
# Hydra's own nodes (callbacks, launchers, sweepers) may also name Hydra, its plugins and the
# Optuna sampler that hydra-optuna-sweeper instantiates.
HYDRA_TARGET_ALLOWLIST = TARGET_ALLOWLIST + ("hydra.", "hydra_plugins.", "optuna.samplers.")


@dataclass
class TaskConfig:
    task_name: str = MISSING
    seed: int = 0
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
    mines: int = 1
    years: float = 2.0
    start: str = "2023-01-01"
    seed: int = 0
    meters_per_activity: int = 1
    missing_rate: float = 0.01


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


def check_targets(node: Any, path: str = "", allow: tuple[str, ...] = TARGET_ALLOWLIST) -> None:
    """Fail on any `_target_` outside the allow-list, anywhere in a (plain) config tree."""
    if isinstance(node, dict):
        target = node.get("_target_")
        if target is not None and not str(target).startswith(allow):
            where = f"{path}._target_" if path else "_target_"
            raise ConfigError(
                f"{where}: '{target}' is not allowed; expected a class from {', '.join(a.rstrip('.') for a in allow)}"
            )
        for key, value in node.items():
            check_targets(value, f"{path}.{key}" if path else str(key), allow)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_targets(value, f"{path}[{i}]", allow)


def instantiate(node: Any, **kwargs: Any) -> Any:
    """hydra.utils.instantiate limited to the allow-list of modules."""
    from hydra.utils import instantiate as hydra_instantiate
    from omegaconf import DictConfig, OmegaConf

    plain = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node
    check_targets(plain)
    return hydra_instantiate(node, **kwargs)
