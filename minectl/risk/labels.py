"""Three-level cost-risk labels from declarative rules (seed 000 section 3.1) or a label column."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from minectl.errors import DataError


@dataclass(frozen=True)
class LabelRule:
    """One indicator's deviation from its trailing baseline, in baseline standard deviations.

    level 1 when the deviation reaches ``medium``, 2 when it reaches ``high``; ``direction``
    "up" flags rises (unit cost, kWh/t, downtime, maintenance), "down" flags falls.
    """

    column: str
    medium: float = 1.0
    high: float = 2.0
    direction: str = "up"


def rule_levels(values: np.ndarray, rule: LabelRule, baseline_days: int) -> np.ndarray:
    """Per-day level 0/1/2 of one rule; the baseline uses the ``baseline_days`` days before t only."""
    series = pl.Series(values, dtype=pl.Float64)
    past = series.shift(1)
    mean = past.rolling_mean(baseline_days, min_samples=2).to_numpy()
    std = past.rolling_std(baseline_days, min_samples=2).to_numpy()
    sign = 1.0 if rule.direction == "up" else -1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        deviation = sign * (np.asarray(values, dtype=float) - mean) / np.where(std > 0, std, np.nan)
    deviation = np.nan_to_num(deviation, nan=0.0)
    return (deviation >= rule.medium).astype(np.int64) + (deviation >= rule.high).astype(np.int64)


def rule_labels(
    frame: pl.DataFrame, rules: list[LabelRule], baseline_days: int, medium_score: int, high_score: int
) -> np.ndarray:
    """Risk per day: the rule levels are summed; >= high_score is high (2), >= medium_score medium (1)."""
    for rule in rules:
        if rule.column not in frame.columns:
            raise DataError(
                f"risk label rule: column {rule.column!r} not in the daily table (has {', '.join(frame.columns)})"
            )
    score = sum(rule_levels(frame[rule.column].to_numpy(), rule, baseline_days) for rule in rules)
    return np.where(score >= high_score, 2, np.where(score >= medium_score, 1, 0)).astype(np.int64)


def column_labels(frame: pl.DataFrame, column: str, n_levels: int) -> np.ndarray:
    """Labels read from a column, checked to be integers in 0..n_levels-1 without gaps."""
    if column not in frame.columns:
        raise DataError(f"risk labels: column {column!r} not found (has {', '.join(frame.columns)})")
    values = frame[column]
    if values.null_count():
        raise DataError(f"risk labels: column {column!r} has {values.null_count()} missing values")
    labels = values.cast(pl.Int64, strict=False)
    if labels.null_count() or not labels.is_between(0, n_levels - 1).all():
        raise DataError(f"risk labels: column {column!r} must hold integers 0..{n_levels - 1}")
    return labels.to_numpy()
