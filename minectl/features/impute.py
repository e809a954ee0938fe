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
    # Fills run over the whole sorted frame (cheaper than one window per series); a neighbour
    # counts only when it carries the row's series id.
    series = pl.struct(by).rle_id() if by else pl.lit(0)
    lf = lf.with_columns(_t=t, _row=pl.int_range(pl.len()), _series=series)
    fills = []
    for column in columns:
        valid = pl.col(column).is_not_null()

        def last(name: str, forward: bool) -> pl.Expr:
            kept = pl.when(valid).then(pl.col(name))
            return kept.forward_fill() if forward else kept.backward_fill()

        t1, t2 = last("_t", True), last("_t", False)
        x1, x2 = last(column, True), last(column, False)
        run = last("_row", False) - last("_row", True) - 1
        same = (last("_series", True) == pl.col("_series")) & (last("_series", False) == pl.col("_series"))
        fillable = ~valid & same.fill_null(False)
        if limit is not None:
            fillable = fillable & (run <= limit)
        x_hat = x1 + (pl.col("_t") - t1) / (t2 - t1) * (x2 - x1)
        fills += [
            pl.when(fillable).then(x_hat).otherwise(pl.col(column)).alias(column),
            fillable.alias(imputed_flag(column)),
        ]
    return lf.with_columns(fills).drop("_t", "_row", "_series")


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
    # ordered by date: the same sum (to the last bit) whatever the frame's row order
    cycle_mean = pl.col(value).mean().over([*by, pl.col(date_col).dt.truncate(cycle)], order_by=date_col)
    missing = pl.col(value).is_null()
    return frame.lazy().with_columns(
        pl.col(value).fill_null(cycle_mean),
        (missing & cycle_mean.is_not_null()).alias(imputed_flag(value)),
    )
