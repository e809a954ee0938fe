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

import numpy as np
import polars as pl

from minectl.features.series import series_order


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
    ``<column>_imputed`` per column. Rows come back sorted by ``by`` and ``time_col``;
    filled columns are Float64 (NaN counts as missing).
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0 or None, got {limit}")
    ordered = _sorted(frame.lazy().collect(), by, time_col)
    series = ordered.select(pl.struct(by).rle_id()).to_series().to_numpy() if by else np.zeros(ordered.height, np.uint32)
    t = ordered[time_col].to_physical().to_numpy()
    fills = {}
    for column in columns:
        x, filled = fill_linear(series, t, ordered[column].cast(pl.Float64).fill_null(np.nan).to_numpy(), limit)
        fills[column] = pl.Series(x).fill_nan(None)
        fills[imputed_flag(column)] = pl.Series(filled)
    return ordered.with_columns(**fills).lazy()


def _sorted(frame: pl.DataFrame, by: Sequence[str], time_col: str) -> pl.DataFrame:
    """``frame`` sorted by ``by`` and ``time_col``; as it is when it comes so (hourly sensors
    of whole mines, one part per mine in key order): checking costs a tenth of sorting."""
    rows = series_order(frame, by, time_col)
    if rows.order is None and (not by or frame.select(by)[rows.starts].pipe(lambda keys: keys.equals(keys.sort(by)))):
        return frame
    return frame.sort([*by, time_col])


def fill_linear(series: np.ndarray, t: np.ndarray, x: np.ndarray, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Eq 3 on arrays sorted by (series, t): NaN entries of ``x`` between two valid values of
    the same series, in runs of at most ``limit`` rows, get the straight line between them.
    Returns (filled x, mask of the filled entries)."""
    n = x.size
    missing = np.flatnonzero(np.isnan(x))
    # per maximal run of missing rows: the valid rows just before and after it
    run = np.flatnonzero(np.diff(missing, prepend=-2) != 1)
    length = np.diff(np.append(run, missing.size))
    t1 = np.repeat(missing[run] - 1, length)
    t2 = np.repeat(missing[run + length - 1] + 1, length)
    ok = (t1 >= 0) & (t2 < n)
    missing, t1, t2 = missing[ok], t1[ok], t2[ok]
    ok = (series[t1] == series[missing]) & (series[t2] == series[missing])
    if limit is not None:
        ok &= t2 - t1 - 1 <= limit
    missing, t1, t2 = missing[ok], t1[ok], t2[ok]
    at, before, after = (t[i].astype(np.float64) for i in (missing, t1, t2))
    filled_x, filled = x.copy(), np.zeros(n, dtype=bool)
    filled_x[missing] = x[t1] + (at - before) / (after - before) * (x[t2] - x[t1])
    filled[missing] = True
    return filled_x, filled


def consolidate(
    frame: pl.LazyFrame | pl.DataFrame, value: str, *, by: Sequence[str], date_col: str = "date"
) -> pl.LazyFrame:
    """Same-period consolidation: records with the same ``date_col`` and ``by`` are summed; a period
    with a record missing stays missing (not 0, nor the sum of the others), for the imputation to fill
    from whole periods: a meter's day left missing beside another meter's was costed as the other's
    alone (half the day's electricity, silently)."""
    any_missing = pl.col(value).null_count() > 0
    return (
        frame.lazy()
        .group_by([date_col, *by])
        .agg(pl.when(any_missing).then(None).otherwise(pl.col(value).sum()).alias(value))
        .sort([*by, date_col])
        .collect(engine="in-memory")  # the streaming engine's group sums vary in the last bit between runs
        .lazy()
    )


def impute_cycle_mean(
    frame: pl.LazyFrame | pl.DataFrame, value: str, *, by: Sequence[str], date_col: str = "date", cycle: str = "1mo"
) -> pl.LazyFrame:
    """Mean imputation by business rule: a missing period takes the mean of its series in the
    same ``cycle`` (polars duration string, e.g. ``1mo``, ``1w``); adds ``<value>_imputed``.
    A cycle without any valid record stays missing (NaN counts as missing). Rows keep their order."""
    data = frame.lazy().collect()
    rows = series_order(data, by, date_col)
    n = data.height
    x = rows.arrange(data[value].cast(pl.Float64).fill_null(np.nan).to_numpy())  # 5x faster than to_numpy's own null fill
    cycles = rows.arrange(_cycle_starts(data[date_col], cycle))
    # each (series, cycle) is one run of rows: summed in date order, the same bits every run
    first = np.zeros(n, dtype=bool)
    first[rows.starts] = True
    first[1:] |= cycles[1:] != cycles[:-1]
    runs = np.flatnonzero(first)
    valid = ~np.isnan(x)
    counts = np.add.reduceat(valid.astype(np.int64), runs)
    sums = np.add.reduceat(np.where(valid, x, 0.0), runs)
    means = np.divide(sums, counts, out=np.full(runs.size, np.nan), where=counts > 0)
    cycle_mean = np.repeat(means, np.diff(np.append(runs, n)))
    imputed = ~valid & ~np.isnan(cycle_mean)
    return data.lazy().with_columns(
        pl.Series(value, rows.restore(np.where(valid, x, cycle_mean))).fill_nan(None),
        pl.Series(imputed_flag(value), rows.restore(imputed)),
    )


def _cycle_starts(dates: pl.Series, cycle: str) -> np.ndarray:
    """The start of each date's cycle, as physical integers. Dates are truncated once per
    calendar day of their range (truncating every row costs ~30 ns a row)."""
    if dates.dtype != pl.Date or dates.null_count() or dates.is_empty():
        return dates.dt.truncate(cycle).to_physical().to_numpy()
    days = dates.to_physical().to_numpy()
    first = int(days.min())
    calendar = pl.int_range(first, int(days.max()) + 1, dtype=pl.Int32, eager=True).cast(pl.Date)
    return calendar.dt.truncate(cycle).to_physical().to_numpy()[days - first]
