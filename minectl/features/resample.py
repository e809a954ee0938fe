"""Hourly -> daily resampling (data contract: sums for quantities, means for sensor readings).

``metered_daily`` is the scalable path for metered consumption (tens of millions of hourly
rows): one streaming pass over the scanned source gives the daily observed sums, a second
one the (few) missing readings with the rows next to them in file order, which hold their
valid neighbours when a series' rows are contiguous in the file (other neighbours are looked
up by a join); eq 3 is applied to that sparse subset. The result equals interpolating every
hour and then summing, without holding the hourly table in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from minectl.features.impute import imputed_flag, interpolate_linear


@dataclass(frozen=True)
class FillCounts:
    """How many hourly readings were missing, filled by interpolation, or left missing."""

    missing: int
    interpolated: int

    @property
    def unfilled(self) -> int:
        return self.missing - self.interpolated


def resample_daily(
    frame: pl.LazyFrame | pl.DataFrame,
    *,
    by: Sequence[str],
    time_col: str = "timestamp",
    sums: Sequence[str] = (),
    means: Sequence[str] = (),
) -> pl.LazyFrame:
    """Aggregate an hourly frame to days: ``sums`` are summed, ``means`` averaged.

    A day on which a column has no valid value gets null (not 0): missing stays visible.
    """
    def daily(column: str, how: str) -> pl.Expr:
        agg = pl.col(column).sum() if how == "sum" else pl.col(column).mean()
        return pl.when(pl.col(column).is_not_null().any()).then(agg).alias(column)

    aggs = [daily(c, "sum") for c in sums] + [daily(c, "mean") for c in means]
    day = pl.col(time_col).dt.date().alias("date")
    return frame.lazy().group_by(day, *by).agg(aggs).sort(["date", *by])


def metered_daily(
    hourly: pl.LazyFrame,
    *,
    by: Sequence[str],
    value: str = "quantity",
    time_col: str = "timestamp",
    limit: int | None = None,
    step: timedelta = timedelta(hours=1),
) -> tuple[pl.DataFrame, FillCounts]:
    """Daily sums of an hourly metered series after eq 3 gap filling (at most ``limit`` rows).

    ``hourly`` must hold one row per ``step`` and series (a missing reading is a null, not an
    absent row: data contract). A day with a reading that stays missing gets a null sum
    (the daily mean imputation downstream fills and counts it). Returns (frame with
    ``date``, ``by``, ``value`` in no particular row order, counts).
    """
    keys = list(by)
    t, day = pl.col(time_col), pl.col(time_col).dt.date().alias("date")
    observed = hourly.group_by(day, *keys).agg(
        pl.col(value).sum().alias("_observed"),
        pl.col(value).null_count().alias("_missing"),
        t.min().alias("_first"),
        t.max().alias("_last"),
    ).collect(engine="streaming")
    n_missing = int(observed["_missing"].sum())
    if n_missing == 0:
        return observed.select("date", *keys, pl.col("_observed").alias(value)), FillCounts(0, 0)

    # Missing readings and the rows next to them in file order (a second streaming pass, far
    # cheaper than a join over the file). Where a series' rows are contiguous in the file, as
    # meters are exported, these include the eq 3 neighbours of every missing reading.
    missing = pl.col(value).is_null()
    near = (
        hourly.filter(missing | missing.shift(1, fill_value=False) | missing.shift(-1, fill_value=False))
        .select(*keys, time_col, pl.col(value).cast(pl.Float64))
        .collect(engine="streaming")
    )
    # Work on an integer series id: cheaper to sort and group by than the string keys.
    ids = near.select(keys).unique().with_row_index("_id")
    sparse = near.join(ids, on=keys).select("_id", time_col, value).sort("_id", time_col)
    del near  # peak memory
    series = pl.col("_id")
    # Neighbours of missing readings that `near` lacks: series boundaries, or series
    # interleaved in the file. Those that exist (within the series' gapless rows of that day)
    # are looked up by a join over the file.
    lacks_before = ~((series.shift(1) == series) & (t.shift(1) == t - step)).fill_null(False)
    lacks_after = ~((series.shift(-1) == series) & (t.shift(-1) == t + step)).fill_null(False)
    wanted = (
        pl.concat(
            [
                sparse.filter(missing & lacks_before).select("_id", t - step),
                sparse.filter(missing & lacks_after).select("_id", t + step),
            ]
        )
        .unique()
        .join(ids, on="_id")
        .with_columns(day)
        .join(observed, on=["date", *keys])
        .filter(t.is_between(pl.col("_first"), pl.col("_last")))
        .select(*keys, time_col)
    )
    if wanted.height:
        looked_up = (
            hourly.select(*keys, time_col, pl.col(value).cast(pl.Float64))
            .join(wanted.lazy(), on=[*keys, time_col], how="inner")  # lower peak memory than "semi"
            .join(ids.lazy(), on=keys)
            .collect(engine="streaming")
        )
        sparse = pl.concat([sparse, looked_up.select(sparse.columns)])
    filled = (
        interpolate_linear(sparse, [value], by=["_id"], time_col=time_col, limit=limit)
        .filter(pl.col(imputed_flag(value)))
        .group_by(day, "_id")
        .agg(pl.col(value).sum().alias("_filled"), pl.len().alias("_n_filled"))
        .join(ids.lazy(), on="_id")
        .collect()
    )
    complete = pl.col("_missing") == pl.col("_n_filled").fill_null(0)
    daily = (
        observed.lazy()
        .join(filled.lazy(), on=["date", *keys], how="left")
        .select(
            "date",
            *keys,
            pl.when(complete).then(pl.col("_observed") + pl.col("_filled").fill_null(0.0)).alias(value),
        )
        .collect()
    )
    counts = FillCounts(missing=n_missing, interpolated=int(filled["_n_filled"].sum()))
    return daily, counts
