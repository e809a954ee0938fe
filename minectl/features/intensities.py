"""Derived features (seed 000, section 3.1): intensities, day-over-day change rates, rolling means."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl


def ratio(numerator: str, denominator: str) -> pl.Expr:
    """numerator / denominator, null where the denominator is 0 or missing (no division error)."""
    den = pl.col(denominator)
    return pl.when(den != 0).then(pl.col(numerator) / den)


def relative_change(value: pl.Expr, base: pl.Expr) -> pl.Expr:
    """``value / base - 1`` taken on ``|base|``, so that a rise is positive from a negative base too (a
    temperature from -5 to -1 is up 80 %; it read -80 %, a fall); null where ``base`` is 0 or missing.
    A further ``.when`` chains onto it."""
    return pl.when(base > 0).then(value / base - 1).when(base < 0).then(1 - value / base)


def add_intensities(
    frame: pl.LazyFrame | pl.DataFrame,
    ratios: Mapping[str, tuple[str, str]],
    *,
    by: Sequence[str] = ("mine_id",),
    time_col: str = "date",
    change: Sequence[str] = (),
    rolling: Sequence[str] = (),
    window: int = 7,
) -> pl.LazyFrame:
    """Add ``name = num / den`` per ``ratios`` item, then ``<col>_chg`` (day-over-day relative
    change on the day before's size, null after a 0 or a day missing) for ``change`` and ``<col>_rm`` (mean over the trailing
    ``window`` calendar days, today included: a day the frame skips is none of them) for ``rolling``,
    in time order per series. Rows keep their order (without ``by``: sorted by ``time_col``).
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    over = list(by)

    def per_series(expr: pl.Expr) -> pl.Expr:  # in time order, whatever the row order
        return expr.over(over, order_by=time_col) if over else expr

    lf = frame.lazy() if over else frame.lazy().sort(time_col)
    lf = lf.with_columns(ratio(num, den).alias(name) for name, (num, den) in ratios.items())
    # the day before's value, none after a day the frame skips (it compared with two days before)
    day_before = pl.col(time_col) - pl.col(time_col).shift(1) == pl.duration(days=1)
    previous = {c: per_series(pl.when(day_before).then(pl.col(c).shift(1))) for c in change}
    return lf.with_columns(
        *(relative_change(pl.col(c), prev).alias(_change_column(c)) for c, prev in previous.items()),
        # by the dates, not the rows: after a skipped day, `window` rows reached back `window` + 1 days
        *(per_series(pl.col(c).rolling_mean_by(time_col, f"{window}d", min_samples=1)).alias(_rolling_column(c)) for c in rolling),
    )


def intensity_columns(ratios: Mapping[str, tuple[str, str]], change: Sequence[str] = (), rolling: Sequence[str] = ()) -> list[str]:
    """The columns ``add_intensities`` adds."""
    return [*ratios, *map(_change_column, change), *map(_rolling_column, rolling)]


def _change_column(column: str) -> str:
    return f"{column}_chg"


def _rolling_column(column: str) -> str:
    return f"{column}_rm"
