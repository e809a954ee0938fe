"""Numeric series from a csv/parquet file: a column, optionally split by a group column."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import polars as pl

from minectl.data.sources import read_file
from minectl.data.values import numeric, series_gaps
from minectl.errors import ConfigError, DataError

TRANSFORMS = ("level", "log_return", "diff")


def transform_series(values: np.ndarray, transform: str, name: str) -> np.ndarray:
    """level (as is), log_return ln(x_t / x_t-1), or diff x_t - x_t-1."""
    if transform == "level":
        return values
    if transform == "log_return":
        if np.any(values <= 0):
            raise DataError(f"{name}: log returns need positive values, found {np.nanmin(values):g}")
        return np.diff(np.log(values))
    if transform == "diff":
        return np.diff(values)
    raise ConfigError(f"dataset.transforms: expected names from {', '.join(TRANSFORMS)}, got '{transform}'")


def read_series(path: Path, column: str, group_by: Optional[str] = None, drop_incomplete: bool = False) -> dict[str, np.ndarray]:
    """{group: values} of a numeric column ('all' when not grouped), in file order, from each
    series' first value to its last. An empty value between them is refused, or kept as NaN
    when ``drop_incomplete`` (the caller drops it, and the returns across it, and counts them)."""
    frame = read_file(path, "dataset")
    for needed in [column] + ([group_by] if group_by else []):
        if needed not in frame.columns:
            raise DataError(f"{path}: column '{needed}' not found; columns are {', '.join(frame.columns)}")
    values = numeric(frame, column, str(path))
    groups = frame[group_by].cast(pl.Utf8) if group_by else pl.Series(["all"] * frame.height)
    rows = pl.Series(range(frame.height))
    out = {}
    for group in groups.unique(maintain_order=True).to_list():
        in_group = groups == group
        where = f"{path}" + (f" ({group_by}={group})" if group_by else "")
        series, _ = series_gaps(values.filter(in_group), where, drop_incomplete, "uncertainty.drop_incomplete", rows.filter(in_group))
        out[str(group)] = series.to_numpy()
    return out
