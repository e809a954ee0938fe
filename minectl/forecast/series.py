"""Read a monthly price series (one date and one value column of a table file) into a clean frame."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from minectl.data.sources import PROJECT_ROOT, read_file, resolve_input
from minectl.data.values import numeric
from minectl.errors import ConfigError, DataError

# The vendored World Bank Pink Sheet coal prices (examples/data/pinksheet_coal): name -> column.
PINKSHEET_FILE = "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"  # vendored; see examples/data/NOTICE
PINKSHEET_SERIES = {"australia": "coal_australia_usd_mt", "south_africa": "coal_south_africa_usd_mt"}


def series_source(series: str, date_column: str, value_column: str) -> tuple[Path, str, str]:
    """(file, date column, value column) of ``series``: a vendored Pink Sheet series by name, or a
    .csv/.parquet path with the given columns (relative: the working dir, then the project root)."""
    if series in PINKSHEET_SERIES:
        return resolve_input(PINKSHEET_FILE), "month", PINKSHEET_SERIES[series]
    path = Path(series)
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise ConfigError(
            f"series: {series!r} is neither a vendored series ({', '.join(PINKSHEET_SERIES)}) "
            "nor a .csv/.parquet path"
        )
    path = resolve_input(path)
    if not path.is_file():
        raise DataError(f"{series}: series file not found (looked in the working dir and {PROJECT_ROOT})")
    return path, date_column, value_column


def read_monthly_series(path: str | Path, date_column: str, value_column: str) -> pl.DataFrame:
    """Return columns `date` (pl.Date, first day of each month), `value` (Float64) and
    `interpolated` (Boolean: an empty month filled in, counted in the forecast's metrics).

    Dates may be `YYYY-MM`, `YYYY-MM-DD` strings or Date/Datetime values. Leading and trailing
    empty months are dropped (a series starts when it is first quoted); interior empty months are
    filled by linear interpolation (data contract: a gap is a null row, continuous series are
    interpolated); an absent month, a duplicate month, a price <= 0 (the models work on logs),
    text, inf or NaN is a DataError naming the file and month or row.
    """
    path = Path(path)
    frame = read_file(path, "series")
    for column in (date_column, value_column):
        if column not in frame.columns:
            raise DataError(f"{path}: column {column!r} not found; columns are {frame.columns}")

    dates = _parse_months(frame.get_column(date_column), path, date_column)
    values = numeric(frame, value_column, str(path))  # text would become an empty month, NaN pass the > 0 check
    series = pl.DataFrame({"date": dates, "value": values}).sort("date")

    quoted = series.get_column("value").is_not_null()
    if not quoted.any():
        raise DataError(f"{path}: column {value_column!r} has no values")
    first, last = quoted.arg_true()[0], quoted.arg_true()[-1]
    series = series.slice(first, last - first + 1)

    _check_consecutive_months(series.get_column("date"), path, date_column)
    series = series.with_columns(pl.col("value").interpolate(), interpolated=pl.col("value").is_null())
    non_positive = series.filter(pl.col("value") <= 0)
    if non_positive.height:
        raise DataError(
            f"{path}: column {value_column!r} must be > 0 (prices are modelled in logs); "
            f"got {non_positive['value'][0]} at {non_positive['date'][0]:%Y-%m}"
        )
    return series


def _parse_months(column: pl.Series, path: Path, name: str) -> pl.Series:
    if column.dtype == pl.String:
        parsed = column.str.to_date("%Y-%m-%d", strict=False)
        parsed = parsed.fill_null(column.str.to_date("%Y-%m", strict=False))
        bad = column.filter(parsed.is_null() & column.is_not_null())
        if bad.len() or column.null_count():
            shown = bad[0] if bad.len() else None
            raise DataError(f"{path}: column {name!r} must hold dates YYYY-MM or YYYY-MM-DD; got {shown!r}")
    elif column.dtype in (pl.Date,) or isinstance(column.dtype, pl.Datetime):
        parsed = column.cast(pl.Date)
        if parsed.null_count():
            raise DataError(f"{path}: column {name!r} has empty dates")
    else:
        raise DataError(f"{path}: column {name!r} must hold dates; got type {column.dtype}")
    return parsed.dt.truncate("1mo").alias("date")


def _check_consecutive_months(dates: pl.Series, path: Path, name: str) -> None:
    month_index = dates.dt.year().cast(pl.Int64) * 12 + dates.dt.month().cast(pl.Int64)
    steps = month_index.diff().drop_nulls()
    if (steps == 0).any():
        duplicate = dates[int((steps == 0).arg_true()[0]) + 1]
        raise DataError(f"{path}: column {name!r} repeats month {duplicate:%Y-%m}; expected one row per month")
    if (steps != 1).any():
        after = dates[int((steps != 1).arg_true()[0])]
        raise DataError(
            f"{path}: column {name!r} skips the month after {after:%Y-%m}; "
            "expected consecutive months (write a missing month as an empty value)"
        )
