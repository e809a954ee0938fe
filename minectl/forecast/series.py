"""Read a monthly price series (one date and one value column of a table file) into a clean frame;
daily or weekly rows are resampled to months (the mean or the last value of each month) when asked."""

from __future__ import annotations

import math
import re
from pathlib import Path

import polars as pl

from minectl.data.names import CURRENCY_ALIASES, CURRENCY_CODES, alike_in, shown
from minectl.data.sources import CSV_SUFFIXES, PROJECT_ROOT, found_input, read_file, resolve_input
from minectl.data.values import column_telling_apart, numeric, serial_day_hint
from minectl.errors import ConfigError, DataError
from minectl.features.series import ISO_WEEK, QUARTER_FIRST, YEAR_FIRST_QUARTER, refuse_unit_change, row_units

# The vendored World Bank Pink Sheet coal prices (examples/data/pinksheet_coal): name -> column.
PINKSHEET_FILE = "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"  # vendored; see examples/data/NOTICE
PINKSHEET_SERIES = {"australia": "coal_australia_usd_mt", "south_africa": "coal_south_africa_usd_mt"}
PINKSHEET_UNIT = "USD/t"
RESAMPLE = ("mean", "last")  # a month's value from its daily / weekly rows


def series_source(series: str, date_column: str, value_column: str) -> tuple[Path, str, str]:
    """(file, date column, value column) of ``series``: a vendored Pink Sheet series by name, or a
    .csv/.tsv/.parquet path (or tab-separated .txt: read_file) with the given columns (relative: the
    working dir, then the project root)."""
    if series in PINKSHEET_SERIES:
        return resolve_input(PINKSHEET_FILE), "month", PINKSHEET_SERIES[series]
    path = Path(series)
    if path.suffix.lower() not in (*CSV_SUFFIXES, ".parquet"):
        spreadsheet = " (a workbook: save its sheet as csv)" if path.suffix.lower() in (".xlsx", ".xls") else ""
        raise ConfigError(
            f"series: {series!r} is neither a vendored series ({', '.join(PINKSHEET_SERIES)}) "
            f"nor a .csv/.parquet path{spreadsheet}; .tsv and tab-separated .txt files are read as csv too"
        )
    path = found_input(path, f"a series file (looked for in the working dir, then in {PROJECT_ROOT})", folder=False)
    return path, date_column, value_column


def series_unit(series: str, unit: str | None) -> str | None:
    """The unit of ``series``: the configured one, else the Pink Sheet's for a vendored series."""
    return unit if unit is not None else (PINKSHEET_UNIT if series in PINKSHEET_SERIES else None)


def check_unit_currency(value_column: str, unit: str | None) -> None:
    """Refuse a source.unit naming another currency than the value column's name does (a word of it):
    coal_australia_usd_mt under source.unit=AUD/t had its US dollars labelled Australian in the table and plot."""
    def currencies(text: str) -> set[str]:
        return {CURRENCY_ALIASES.get(word, word) for word in _words(text)} & CURRENCY_CODES

    named, given = currencies(value_column), currencies(unit or "")
    if named and given and not named & given:
        currency = "/".join(sorted(named)).upper()
        raise ConfigError(f"source.unit={unit!r}: column {value_column!r} is named as {currency} prices; expected a unit in {currency} "
                          "(a series in another currency: convert it first)")


# a price's quantity as names write it: `mt` (metric ton), `dmt` (dry metric ton, iron ore), `st` (short ton); a bare
# `ton` is left out, a short ton in the US and a tonne elsewhere
MASS_WORDS = {"t": "tonne", "mt": "tonne", "dmt": "tonne", "tonne": "tonne", "tonnes": "tonne", "st": "short ton",
              "lt": "long ton", "lb": "pound", "lbs": "pound", "kg": "kilogram", "oz": "troy ounce", "toz": "troy ounce"}
MASS_PHRASES = ((r"metric[\s_-]*tons?", " t "), (r"short[\s_-]*tons?", " st "), (r"long[\s_-]*tons?", " lt "))


def check_unit_mass(value_column: str, unit: str | None) -> None:
    """Refuse a source.unit per another quantity than the value column's name says: coal_australia_usd_mt under
    source.unit=USD/st had its prices per tonne labelled per short ton (0.907 t) in the table and plot."""
    def masses(text: str) -> set[str]:
        text = text.lower()
        for phrase, word in MASS_PHRASES:
            text = re.sub(phrase, word, text)
        return {MASS_WORDS[word] for word in _words(text) if word in MASS_WORDS}

    named, given = masses(value_column), masses(unit or "")
    if named and given and not named & given:
        mass = "/".join(sorted(named))
        raise ConfigError(f"source.unit={unit!r}: column {value_column!r} is named as prices per {mass}; expected a unit per "
                          f"{mass} (a series per another quantity: convert it first)")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def read_monthly_series(path: str | Path, date_column: str, value_column: str, resample: str | None = None,
                        unit: str | None = None) -> pl.DataFrame:
    """Return columns `date` (pl.Date, first day of each month), `value` (Float64) and
    `interpolated` (Boolean: an empty month filled in, counted in the forecast's metrics), and
    `unit` (String) where the unit is known: ``unit`` (source.unit), else the one the file's unit
    column names (features.series.row_units); the two differing is a ConfigError (_file_unit).

    Dates may be text (see _parse_months: `YYYY-MM`, `YYYY-MM-DD`, ISO timestamps, the Pink
    Sheet's `1960M01`, `Jan-1960`) or Date/Datetime values (zoned: their local months); values are
    as data.sources.read_file reads them (`…`, `.`, `NA` and such: empty). Leading and trailing
    empty months are dropped (a series starts when it is first quoted); interior empty months are filled by linear
    interpolation (data contract: a gap is a null row, continuous series are interpolated); an
    absent month, quarterly or yearly rows, a duplicate month, a price <= 0 (the models work on logs),
    text, inf or NaN, a unit column naming two units, or a step by a unit's factor that stays
    (features.series.refuse_unit_change) is a DataError naming the file and month or row.

    ``resample`` (mean | last): rows at any finer step (days, weeks; a repeated time is refused,
    zoned times compared as moments: features.series.instants) become one value per month, the
    mean of its quoted rows or the latest one; a month without a quote is an empty month. Column
    `rows` then counts the quotes behind each month.
    """
    path = Path(path)
    frame = read_file(path, "series")
    for column in (date_column, value_column):
        _check_column(frame.columns, column, path)
    _refuse_several_series(frame, date_column, value_column, path)
    unit = _file_unit(row_units(frame, str(path)), unit, path)  # a unit column naming two units: refused by row_units

    values = numeric(frame, value_column, str(path))  # text would become an empty month, NaN pass the > 0 check
    if resample is None:
        dates = _parse_months(frame.get_column(date_column), path, date_column)
        series = pl.DataFrame({"date": dates, "value": values}).sort("date")
    else:
        series = _resampled(frame.get_column(date_column), values, resample, path, date_column)

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
    prices = series["value"].set(series["interpolated"], None).to_numpy()  # a month filled in would halve a change of unit
    refuse_unit_change(prices, f"{path}: column {value_column!r}", series["date"].dt.strftime("%Y-%m").to_list())
    return series if unit is None else series.with_columns(unit=pl.lit(unit))


def _file_unit(units: list[str], unit: str | None, path: Path) -> str | None:
    """The series' unit: ``unit`` (source.unit) or the one of the file's unit column (``units``: none or one). Left
    out, a file's AUD/t went unwritten in the forecast table, which optimize then took for a price in the band's
    unit; given otherwise, source.unit=USD/t labelled it USD/t."""
    if not units:
        return unit
    if unit is not None and _spelt(unit) != _spelt(units[0]):
        raise ConfigError(f"source.unit={unit!r}: the unit column of {path} gives {units[0]!r}; expected that unit (or "
                          "source.unit=null to carry it into the forecast table)")
    return unit if unit is not None else units[0]


def _spelt(unit: str) -> str:
    """A unit as compared: case and spaces aside (USD / t is USD/t)."""
    return re.sub(r"\s+", "", unit).casefold()


def _check_column(columns: list[str], column: str, path: Path) -> None:
    """``column`` among the file's ``columns``, and no other that prints like it: a Cyrillic 'vаlue'
    reads as 'value' in the list of columns, and beside a 'Value' the one taken is a guess (two
    spelt alike but for case: read_file refuses the other look-alikes)."""
    alike = alike_in(column, columns)
    if column not in columns:
        hint = f" (it has {shown(alike)}: the names differ in case, width, spaces or look-alike letters)" if alike is not None else ""
        raise DataError(f"{path}: column {shown(column)} not found{hint}; columns are {columns}")
    if alike is not None:
        raise DataError(f"{path}: columns {column!r} and {alike!r} differ only in case; expected one column of that name "
                        "(rename the other)")


def _resampled(dates: pl.Series, values: pl.Series, how: str, path: Path, name: str) -> pl.DataFrame:
    """One row per calendar month from the first to the last: the mean or last of its quoted values."""
    from minectl.features.series import instants, month_index

    if how not in RESAMPLE:
        raise ConfigError(f"source.resample: {how!r}; expected one of {', '.join(RESAMPLE)} (or null for monthly rows)")
    if not (dates.dtype == pl.String or dates.dtype.is_temporal()):  # numbers would be read as microseconds since 1970
        raise DataError(f"{path}: column {name!r} must hold dates or timestamps; got type {dates.dtype}{serial_day_hint(dates)}")
    _refuse_empty_dates(dates, path, name)
    text = dates.dtype == pl.String
    when = _calendar_months(dates, path, weeks=True) if text else _wall_time(dates).cast(pl.Datetime("us"), strict=False)
    if when.is_null().any():
        bad = dates.filter(when.is_null())[0]
        raise DataError(f"{path}: column {name!r} must hold dates or timestamps; got {bad!r}{_coarser_or_week(bad, resampled=True)}")
    if (values <= 0).any():  # a month's mean would hide it
        first = int((values <= 0).arg_true()[0])
        raise DataError(f"{path}: column {values.name!r} must be > 0 (prices are modelled in logs); got {values[first]} at row {first + 1}")
    # order and repeats by the moment (a fall-back's hour comes twice in wall time), months by wall time
    rows = pl.DataFrame({"given": dates, "when": when, "moment": instants(dates, when), "value": values})
    rows = rows.sort("moment", maintain_order=True)  # a repeat named by its first row
    if rows["moment"].is_duplicated().any():
        raise DataError(f"{path}: column {name!r} repeats {rows['given'].filter(rows['moment'].is_duplicated())[0]}; "
                        "expected one row per time")
    quoted = rows.drop_nulls("value").with_columns(date=pl.col("when").dt.truncate("1mo").cast(pl.Date))
    steps = month_index(quoted["date"].unique(maintain_order=True)).diff().drop_nulls()
    if steps.len() and (step := int(steps.mode().min())) > 1:  # the months between would be made up by interpolation
        raise DataError(f"{path}: column {name!r} has one row every {step} months; expected rows a month apart or closer "
                        "(source.resample makes months of daily or weekly rows; the forecast, its horizons and backtest count months)")
    months = quoted.group_by("date", maintain_order=True).agg(pl.col("value"), rows=pl.len())
    # a month's mean as an exactly rounded sum (math.fsum) over its count: polars' grouped mean changed its last bits with
    # the threads it ran on (one process, one core or sixteen), and so the forecast's metrics
    value = [math.fsum(quotes) / len(quotes) if how == "mean" else quotes[-1] for quotes in months["value"].to_list()]
    months = months.with_columns(value=pl.Series(value, dtype=pl.Float64))
    first, last = rows["when"].min().date().replace(day=1), rows["when"].max().date().replace(day=1)
    every = pl.DataFrame({"date": pl.date_range(first, last, "1mo", eager=True)})
    return every.join(months, on="date", how="left").with_columns(pl.col("rows").fill_null(0))


def _wall_time(column: pl.Series) -> pl.Series:
    """Zoned timestamps as their local wall time: cast as they are, they would be UTC, and a month
    starting at local midnight east of Greenwich would be read as the month before."""
    if isinstance(column.dtype, pl.Datetime) and column.dtype.time_zone is not None:
        return column.dt.replace_time_zone(None)
    return column


def _parse_months(column: pl.Series, path: Path, name: str) -> pl.Series:
    """Each row's month: from dates and timestamps (features.series.calendar_dates: ISO, zoned
    ISO in their own zone's months, the Pink Sheet's 1960M01 and 1960M1, unambiguous D/M/YYYY,
    month names: Jan-1960, January-1960). A two-digit year (Jan-60) is refused: its century
    would be a guess."""
    _refuse_empty_dates(column, path, name)
    if column.dtype == pl.String:
        parsed = _calendar_months(column, path).cast(pl.Date)
        bad = column.filter(parsed.is_null())
        if bad.len():
            raise DataError(f"{path}: column {name!r} must hold dates YYYY-MM, YYYY-MM-DD or YYYYMmm (1960M01); "
                            f"got {bad[0]!r}{_coarser_or_week(bad[0])}")
    elif column.dtype in (pl.Date,) or isinstance(column.dtype, pl.Datetime):
        parsed = _wall_time(column).cast(pl.Date)
    else:
        years = column.dtype.is_integer() and bool(column.drop_nulls().is_between(1000, 2999).all())
        raise DataError(f"{path}: column {name!r} must hold dates; got type {column.dtype} (e.g. {column[0]!r}){serial_day_hint(column)}; "
                        "expected dates YYYY-MM, YYYY-MM-DD or YYYYMmm (1960M01)"
                        + (", one row per month (years: yearly prices cannot be forecast by month)" if years else ""))
    return parsed.dt.truncate("1mo").alias("date")


def _coarser_or_week(value: object, resampled: bool = False) -> str:
    """What an unread date is when it names a quarter or an ISO week, for the error: either is a
    period, not a day or month (a quarter would be three months, a week is no month of its own);
    an ISO week left unread where weeks are ``resampled`` is one its year lacks (2019-W53)."""
    text = str(value).strip()
    if any(re.match(pattern, text) for pattern in (QUARTER_FIRST, YEAR_FIRST_QUARTER)):
        return " (a quarter: quarterly prices cannot be forecast by month; expected one row per month)"
    if re.match(ISO_WEEK, text):
        return (" (a week its year does not have: an ISO year has 52 or 53)" if resampled else
                " (an ISO week, which may span two months; expected one row per month, or source.resample=mean or last to "
                "make months of the weeks, each in the month of its Monday)")
    return ""


def _calendar_months(text: pl.Series, path: Path, weeks: bool = False) -> pl.Series:
    """features.series.calendar_dates of ``text``, null for a quarter (2024Q1): read as its first
    month, a series of quarters would pass for months of their own; and so for an ISO week (2024-W05)
    unless ``weeks`` (resampled to months: each in its Monday's month, as a file of Mondays' dates)."""
    from minectl.features.series import calendar_dates

    stripped = text.str.strip_chars()
    period = stripped.str.contains(QUARTER_FIRST) | stripped.str.contains(YEAR_FIRST_QUARTER)
    if not weeks:
        period = period | stripped.str.contains(ISO_WEEK)
    return calendar_dates(text, str(path)).set(period.fill_null(False), None)


def _refuse_several_series(frame: pl.DataFrame, date_column: str, value_column: str, path: Path) -> None:
    """A long file of several series (date, commodity, price): rows of one date that another
    column tells apart. Their repeated months were refused with resampling offered, whose mean
    would blend the series into one."""
    dates = frame.get_column(date_column)
    repeated = dates.is_duplicated()
    if not repeated.any():
        return
    rows = frame.filter(dates == dates.filter(repeated)[0])
    ids = column_telling_apart(rows, (date_column, value_column))
    if ids is not None:
        shown_ids = ", ".join(repr(v) for v in rows[ids].head(3).to_list())
        raise DataError(f"{path}: column {date_column!r} repeats {rows[date_column][0]} in rows that {ids!r} tells apart "
                        f"({shown_ids}): several series in one file; expected one series a file (keep the rows of one {ids})")


def _refuse_empty_dates(column: pl.Series, path: Path, name: str) -> None:
    if column.null_count():
        raise DataError(f"{path}: column {name!r} has no date in row {int(column.is_null().arg_true()[0]) + 1}; "
                        "expected a date in every row")


def _check_consecutive_months(dates: pl.Series, path: Path, name: str) -> None:
    from minectl.features.series import month_index

    steps = month_index(dates).diff().drop_nulls()
    if (steps == 0).any():
        duplicate = dates[int((steps == 0).arg_true()[0]) + 1]
        raise DataError(f"{path}: column {name!r} repeats month {duplicate:%Y-%m}; expected one row per month "
                        "(daily or weekly rows: set source.resample=mean or last)")
    if steps.len() > 1 and steps.n_unique() == 1 and steps[0] > 1:  # quarterly, yearly: not months with gaps
        raise DataError(f"{path}: column {name!r} has one row every {steps[0]} months; expected monthly rows "
                        "(the forecast, its horizons and backtest count months)")
    if (steps != 1).any():
        after = dates[int((steps != 1).arg_true()[0])]
        raise DataError(
            f"{path}: column {name!r} skips the month after {after:%Y-%m}; "
            "expected consecutive months (write a missing month as an empty value)"
        )
