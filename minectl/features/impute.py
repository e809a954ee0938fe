"""Gap filling (seed 000, section 3.1).

Continuous series (sensors, energy meters) get linear interpolation in time (eq 3) across
gaps of at most ``limit`` consecutive missing readings; longer gaps stay missing because a
straight line over a long outage is invention, not repair. Discrete records (requisitions,
ledger entries) are consolidated per period and missing periods get the mean of the same
series in the same cycle (business rule: a missed booking is an average booking).
Every filled value is flagged so that callers can count and report it.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def imputed_flag(column: str) -> str:
    """Name of the boolean column that marks values filled by imputation."""
    return f"{column}_imputed"


def interpolate_linear(
    frame: pl.LazyFrame | pl.DataFrame,
    columns: Sequence[str],
    *,
    by: Sequence[str],
    time_col: str,
    limit: int | None = None,
) -> pl.LazyFrame:
    """Fill nulls in ``columns`` by eq 3, per series ``by``, ordered by ``time_col``.

    x_hat_t = x_t1 + (t - t1) / (t2 - t1) * (x_t2 - x_t1), with t1 / t2 the nearest valid
    times before / after. A run of missing values is filled only when both neighbours
    exist and the run has at most ``limit`` rows (None: any length). Adds a boolean
    ``<column>_imputed`` per column. Rows come back sorted by ``by`` and ``time_col``.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0 or None, got {limit}")
    lf = frame.lazy().sort([*by, time_col])
    t = pl.col(time_col).cast(pl.Int64).cast(pl.Float64)
    row = pl.int_range(pl.len()).over(by) if by else pl.int_range(pl.len())
    lf = lf.with_columns(_t=t, _row=row)
    over = list(by)
    fills = []
    for column in columns:
        valid = pl.col(column).is_not_null()

        def last(expr: pl.Expr, forward: bool) -> pl.Expr:
            kept = pl.when(valid).then(expr)
            filled = kept.forward_fill() if forward else kept.backward_fill()
            return filled.over(over) if over else filled

        t1, t2 = last(pl.col("_t"), True), last(pl.col("_t"), False)
        x1, x2 = last(pl.col(column), True), last(pl.col(column), False)
        run = last(pl.col("_row"), False) - last(pl.col("_row"), True) - 1
        fillable = ~valid & t1.is_not_null() & t2.is_not_null()
        if limit is not None:
            fillable = fillable & (run <= limit)
        x_hat = x1 + (pl.col("_t") - t1) / (t2 - t1) * (x2 - x1)
        fills += [
            pl.when(fillable).then(x_hat).otherwise(pl.col(column)).alias(column),
            fillable.alias(imputed_flag(column)),
        ]
    return lf.with_columns(fills).drop("_t", "_row")


def consolidate(
    frame: pl.LazyFrame | pl.DataFrame, value: str, *, by: Sequence[str], date_col: str = "date"
) -> pl.LazyFrame:
    """Same-period consolidation: records with the same ``date_col`` and ``by`` are summed;
    a period whose records are all missing stays missing (not 0)."""
    all_missing = pl.col(value).null_count() == pl.len()
    return (
        frame.lazy()
        .group_by([date_col, *by])
        .agg(pl.when(all_missing).then(None).otherwise(pl.col(value).sum()).alias(value))
        .sort([*by, date_col])
    )


def impute_cycle_mean(
    frame: pl.LazyFrame | pl.DataFrame, value: str, *, by: Sequence[str], date_col: str = "date", cycle: str = "1mo"
) -> pl.LazyFrame:
    """Mean imputation by business rule: a missing period takes the mean of its series in the
    same ``cycle`` (polars duration string, e.g. ``1mo``, ``1w``); adds ``<value>_imputed``.
    A cycle without any valid record stays missing."""
    cycle_mean = pl.col(value).mean().over([*by, pl.col(date_col).dt.truncate(cycle)])
    missing = pl.col(value).is_null()
    return frame.lazy().with_columns(
        pl.col(value).fill_null(cycle_mean),
        (missing & cycle_mean.is_not_null()).alias(imputed_flag(value)),
    )
