"""Numeric series from a csv/parquet file: a column, optionally split by a group column."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import polars as pl

from minectl.data.sources import read_file
from minectl.errors import ConfigError, DataError

TRANSFORMS = ("level", "log_return", "diff")


def transform_series(values: np.ndarray, transform: str, name: str) -> np.ndarray:
    """level (as is), log_return ln(x_t / x_t-1), or diff x_t - x_t-1."""
    if transform == "level":
        return values
    if transform == "log_return":
        if np.any(values <= 0):
            raise DataError(f"{name}: log returns need positive values, found {values.min():g}")
        return np.diff(np.log(values))
    if transform == "diff":
        return np.diff(values)
    raise ConfigError(f"dataset.transforms: expected names from {', '.join(TRANSFORMS)}, got '{transform}'")


def read_series(path: Path, column: str, group_by: Optional[str] = None) -> dict[str, np.ndarray]:
    """{group: values} of a numeric column, nulls dropped ('all' when not grouped), in file order."""
    frame = read_file(path, "dataset")
    for needed in [column] + ([group_by] if group_by else []):
        if needed not in frame.columns:
            raise DataError(f"{path}: column '{needed}' not found; columns are {', '.join(frame.columns)}")
    try:
        values = frame[column].cast(pl.Float64, strict=True)
    except pl.exceptions.InvalidOperationError as exc:
        raise DataError(f"{path}: column '{column}' is not numeric") from exc
    frame = frame.with_columns(values.alias(column))
    groups = frame[group_by].cast(pl.Utf8) if group_by else pl.Series(["all"] * frame.height)
    out = {}
    for group in groups.unique(maintain_order=True).to_list():
        series = frame.filter(groups == group)[column].drop_nulls().drop_nans().to_numpy()
        if series.size == 0:
            raise DataError(f"{path}: column '{column}' has no values" + (f" for {group_by}={group}" if group_by else ""))
        out[str(group)] = series
    return out
