"""`minectl demo`: the synthetic mine end to end (engine smoke test for now)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING, OmegaConf

from minectl.config import DataConfig, TaskConfig


@dataclass
class Config(TaskConfig):
    data: DataConfig = MISSING


def run(cfg: Any, run: Any) -> dict:
    import polars as pl

    from minectl.data import load_mine

    mine = load_mine(**OmegaConf.to_container(cfg.data, resolve=True))
    for path in mine.inputs:
        run.input_file(path)
    production = mine.production.collect()
    run.table("production", production)
    return {"data": {"days": production.height, "ore_t_mean": production["ore_t"].mean()}}
