"""Missing values of the risk features, by an explicit policy per column, counted.

ffill: carry the last known value forward along time (never from the future), at most ``limit``
periods; interpolate: linear between the known values on both sides of a gap of at most ``limit``
periods (it reads the value after the gap: for history, not for live warnings); median: the
training part's median, filled after the split (Layout.median_fill); drop: the row goes. Values
that a policy leaves empty (a series' first rows, gaps beyond the limit) drop their rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from minectl.errors import ConfigError

POLICIES = ("ffill", "interpolate", "median", "drop")


@dataclass(frozen=True)
class MissingReport:
    filled: dict[str, int]  # values filled per column (median: the empty values, filled per split)
    dropped_rows: int
    dropped_by: dict[str, int] = field(default_factory=dict)  # per column: the dropped rows it left empty (not a metric)

    def as_metrics(self) -> dict:
        return {"filled": dict(self.filled), "dropped_rows": self.dropped_rows}


def check_policies(default: str | None, overrides: dict[str, str]) -> None:
    """Every policy named is one of POLICIES (before the data are read, for every sweep value);
    ``default`` None: chosen later from the data's shape."""
    for column, policy in {**overrides, **({"": default} if default is not None else {})}.items():
        if policy not in POLICIES:
            where = f"columns.{column}" if column else "default"
            raise ConfigError(f"{policy!r}; expected one of {', '.join(POLICIES)}", param=f"missing.{where}")


def policies_for(columns: list[str], default: str, overrides: dict[str, str]) -> dict[str, str]:
    """Each column's policy: its override, else ``default``; unknown names refused."""
    check_policies(default, overrides)
    return {column: overrides.get(column, default) for column in columns}


def _run_length(column: str) -> pl.Expr:
    """Per row: the length of the run of empty values it belongs to (0 where a value is known)."""
    empty = pl.col(column).is_null()
    run_id = (empty != empty.shift(1)).fill_null(True).cum_sum()
    return pl.when(empty).then(pl.len().over(run_id)).otherwise(0)


def apply_missing(frame: pl.DataFrame, policies: dict[str, str], limit: int | None,
                  series: str | None) -> tuple[pl.DataFrame, MissingReport, list[str]]:
    """(frame, report, median columns): every column cast to Float64 (NaN is empty), filled by
    its policy within each series; rows still empty in a non-median column are dropped."""
    columns = list(policies)
    frame = frame.with_columns(pl.col(columns).cast(pl.Float64).fill_nan(None))
    empty_before = frame.select(pl.col(columns).is_null())
    fills = []
    for column, policy in policies.items():
        if policy == "ffill":
            fills.append(pl.col(column).forward_fill(limit=limit))
        elif policy == "interpolate":
            expr = pl.col(column).interpolate()
            if limit is not None:
                expr = pl.when(_run_length(column) <= limit).then(expr).otherwise(pl.col(column))
            fills.append(expr.alias(column))
    if fills:
        frame = frame.with_columns([f.over(series) if series else f for f in fills])
    medians = [c for c, p in policies.items() if p == "median"]
    required = [c for c in columns if c not in medians]
    kept = frame.select(pl.all_horizontal(pl.col(required).is_not_null()) if required else pl.lit(True)).to_series()
    # a value counts as filled when its row stays: filled by its policy, or (median) left for the split to fill
    filled = {c: int((empty_before[c] & kept).sum()) for c in columns}
    dropped_by = {c: n for c in required if (n := int((frame[c].is_null() & ~kept).sum()))}
    return frame.filter(kept), MissingReport(filled, int((~kept).sum()), dropped_by), medians
