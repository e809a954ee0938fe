"""Rows in series order: grouped by the series keys, each series in time order.

Per-series sums (the same-cycle means of the imputation) run over flat arrays in that
order, which costs a fraction of a windowed group-by. The frames minectl builds come in
series order already; any other frame is sorted once and its results put back in its own
row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from minectl.errors import DataError


@dataclass(frozen=True)
class SeriesOrder:
    """Where a frame's rows go in series order."""

    order: np.ndarray | None  # the frame's row at each position in series order; None: its own order
    starts: np.ndarray  # first position of each series

    def arrange(self, values: np.ndarray) -> np.ndarray:
        """A column of the frame, in series order."""
        return values if self.order is None else values[self.order]

    def restore(self, values: np.ndarray) -> np.ndarray:
        """A column in series order, back in the frame's row order."""
        if self.order is None:
            return values
        restored = np.empty_like(values)
        restored[self.order] = values
        return restored


def series_order(frame: pl.DataFrame, by: Sequence[str], time_col: str) -> SeriesOrder:
    """The order of ``frame``'s rows grouped by ``by`` (all one series when empty), by
    ``time_col`` within a series (ties keep their order)."""
    keys = frame.select(by)
    starts = _run_starts(keys, frame.height)
    times = frame[time_col].to_physical().to_numpy()
    forward = times[1:] >= times[:-1]  # a null (NaN) time fails
    forward[starts[1:] - 1] = True  # from one series to the next
    in_time_order = bool(forward.all())
    if in_time_order and (not by or keys[starts].n_unique() == starts.size):  # each series in one run
        return SeriesOrder(None, starts)
    order = frame.select(pl.arg_sort_by([*by, time_col], maintain_order=True)).to_series().to_numpy()
    return SeriesOrder(order, _run_starts(keys[order] if by else keys, frame.height))


def _run_starts(keys: pl.DataFrame, n: int) -> np.ndarray:
    """First row of each run of equal ``keys`` rows (no key columns: one run)."""
    if not keys.width:
        return np.zeros(min(n, 1), dtype=np.int64)
    if keys.width == 1 and keys.dtypes[0].is_integer():  # e.g. a series id: compared as it is
        runs = keys.to_series().to_numpy()
    else:
        runs = keys.select(pl.struct(keys.columns).rle_id()).to_series().to_numpy()
    return np.flatnonzero(np.concatenate([[True], runs[1:] != runs[:-1]])[:n])


def rising_runs(series: np.ndarray, rises: np.ndarray, min_run: int, n_series: int) -> np.ndarray:
    """Per series id (0 to ``n_series`` - 1; ``series``: rows grouped by series, in time order): whether its runs of
    rows that rise from the row before (``rises``: per row but the first, whether it does; read within a series
    only) last ``min_run`` rows or more, one at least and every one the series' ends do not cut: the readings of
    a register, which fall back only where it resets (a counter rolling over, a meter replaced). A series' first
    and last runs may be shorter: the data starts and ends within them."""
    if not series.size:
        return np.zeros(n_series, dtype=bool)
    same = series[1:] == series[:-1]
    run = np.cumsum(np.concatenate([[False], ~same | ~rises]))  # a run starts at each series' start and each fall
    length = np.bincount(run)
    run_series = series[np.flatnonzero(np.concatenate([[True], run[1:] != run[:-1]]))]
    cut = np.zeros(length.size, dtype=bool)
    cut[run[np.flatnonzero(np.concatenate([[True], ~same]))]] = True
    cut[run[np.flatnonzero(np.append(~same, True))]] = True
    short = np.bincount(run_series, weights=~cut & (length < min_run), minlength=n_series)
    group = np.flatnonzero(np.concatenate([[True], run_series[1:] != run_series[:-1]]))  # each series' first run
    longest = np.zeros(n_series, dtype=np.int64)
    longest[run_series[group]] = np.maximum.reduceat(length, group)
    return (longest >= min_run) & (short == 0)


# text time formats tried in turn: ISO timestamps, dates, and months (the first day: YYYY-MM, and
# the World Bank Pink Sheet's 1960M01); year first with slashes too (2024/03/31, 2024/03: East
# Asian exports), which read one way only
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                    "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
MONTH_FORMATS = ("%Y-%m", "%YM%m", "%Y/%m")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", *MONTH_FORMATS, "%d.%m.%Y")  # dotted dates: day first by convention


def day_month_formats(order: str) -> tuple[str, ...]:
    """The formats of D/M/YYYY text (``order`` "day") or M/D/YYYY text ("month"), '/' or '-'
    between the numbers, with a time of minutes or seconds or none (as DAY_MONTH finds them), on a 24-hour
    or a 12-hour clock (2:00:00 PM, as US historians, SQL Server and Excel in US locales write it)."""
    first, second = ("%d", "%m") if order == "day" else ("%m", "%d")
    times = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
    return tuple(f"{first}{sep}{second}{sep}%Y{time}" for sep in "/-" for time in times)


def text_dates(text: pl.Expr, formats: tuple[str, ...]) -> pl.Expr:
    """Text as Datetime: the first of ``formats`` that reads each value (null where none does)."""
    return pl.coalesce((text.str.to_datetime(f, strict=False) if "%M" in f else text.str.to_date(f, strict=False))
                       .cast(pl.Datetime("us")) for f in formats)


def parse_dates(column: pl.Series, where: str) -> pl.Series:
    """Text as Datetime (the first format that reads each value; null where none does); Date and
    Datetime columns as they are, cast to Datetime. D.M.YYYY text is read day first (as polars' csv
    reader does); D/M/YYYY text (a time may follow) is read day first, or month first
    where only that reads (a US export: 3/13/2024); text that reads both ways, to different dates,
    is refused (``where`` names the input). The csv source reads its dates so (data.sources.scan_dated_csv)."""
    if column.dtype == pl.Date or isinstance(column.dtype, pl.Datetime):
        return column.cast(pl.Datetime("us"))
    from minectl.data.sources import refuse_short_years

    if column.dtype == pl.String:  # 01.02.24 was 1 Feb 0024, 1/2/24 24 Feb 0001
        refuse_short_years(column, where)
    formats = (*DATETIME_FORMATS, *DATE_FORMATS, *day_month_formats(day_month_order(column, where) or "day"))
    return pl.select(text_dates(pl.lit(column), formats)).to_series().alias(column.name)


# a quarter of a year: Q1 2024 or Q1-2024, 2024Q1, 2024-Q1 or 2024 Q1 (quarter and year the regex groups)
QUARTER_FIRST, YEAR_FIRST_QUARTER = r"^[Qq]([1-4])[ -]?(\d{4})$", r"^(\d{4})[ -]?[Qq]([1-4])$"


# an ISO week (2024-W05, 2024W05: ECB, Eurostat, Python's %G-W%V; year and week the regex groups), read as its Monday
# as a month is read as its first day; 2024-W05-3 names the day
ISO_WEEK = r"^(\d{4})-?W(\d{2})$"


# a fiscal year as Australian and Indian yearbooks write it: 2018-19, 2018/19, 2018–19 (start year, end year's last two digits)
FISCAL_YEAR = r"^(\d{4})\s*[-/–]\s*(\d{2})$"


def fiscal_years(text: pl.Series) -> pl.Series | None:
    """A text column of two or more fiscal years (FISCAL_YEAR, each ending the year after it starts) as 1 January
    of each start year, else None. Read as months, 2018-19 was none and 2010-11 November 2010: a newest-first
    yearbook went unchecked, and a cobweb paired each output with the next year's price. Column by column, as
    2000-01 alone is January 2000 too (a file of months has other months)."""
    known = text.drop_nulls().str.strip_chars()
    parts = known.str.extract_groups(FISCAL_YEAR).struct.unnest()
    start, end = parts["1"].cast(pl.Int32), parts["2"].cast(pl.Int32)
    if known.len() < 2 or start.null_count() or not ((start + 1) % 100 == end).all():
        return None
    starts = text.str.strip_chars().str.extract(FISCAL_YEAR, 1).cast(pl.Int32)
    return text.to_frame().select(pl.date(starts, 1, 1).cast(pl.Datetime("us")).alias(text.name)).to_series()


# an ISO timestamp with its zone: Z, UTC or an offset (+08:00, -0500: sign, hours, minutes)
ZONED_TIME = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|([+-])(\d{2}):?(\d{2}))$"


def calendar_dates(column: pl.Series, where: str) -> pl.Series:
    """parse_dates, and besides it what exports write for months and zoned times: month names
    (Jan-1960, January-1960: a spreadsheet's mmm-yyyy), 1960M1, 03/1960, 1960-3, quarters (2024Q1, 2024-Q1, Q1 2024: the
    first month of each), days with a month name (Dec 01, 2024; 01-Dec-2024), ISO weeks (2024-W05: its Monday;
    2024-W05-3: its Wednesday), and ISO timestamps with a zone
    (2024-03-01T00:00:00Z, ...+08:00) at their wall time: in their own zone's calendar, as a
    zoned Datetime column is read (its month starts at local midnight, the evening before in
    UTC). Left unread, such a column was no date column, and a newest-first file went unnoticed."""
    if column.dtype != pl.String:
        return parse_dates(column, where)
    if (fiscal := fiscal_years(column)) is not None:
        return fiscal
    text = (column.str.strip_chars().str.replace(r"^(\d{4})M(\d)$", "${1}M0${2}").str.replace(ZONED_TIME, "${1}")
            .str.replace(r"^(\d{1,2})[/.-](\d{4})$", "${2}-${1}").str.replace(r"^(\d{4})[/.-](\d)$", "${1}-0${2}"))  # 3/1998, 1998-3
    # quarters (the World Bank's 2024Q1, Eurostat's 2024-Q1, a sheet's Q1 2024) as their first month
    text = text.str.replace(QUARTER_FIRST, "${2}Q${1}").str.replace(YEAR_FIRST_QUARTER, "${1}Q${2}")
    for quarter, month in (("1", "01"), ("2", "04"), ("3", "07"), ("4", "10")):
        text = text.str.replace(rf"^(\d{{4}})Q{quarter}$", f"${{1}}-{month}")
    # %B reads Jan and January; Jan 1960, Jan. 1960 (a spreadsheet's mmm yyyy) as Jan-1960
    named = text.str.replace(r"^([A-Za-z]{3,9})\.? +(\d{4})$", "${1}-${2}").str.to_date("%B-%Y", strict=False).cast(pl.Datetime("us"))
    # days with a month name: Dec 01, 2024 (investing.com, Nasdaq), 01-Dec-2024 and 1 Dec 2024 (Excel's dd-mmm-yyyy, the LME)
    named_day = (text.str.replace(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{4})$", "${2} ${1}, ${3}")
                 .str.to_date("%B %d, %Y", strict=False).cast(pl.Datetime("us")))
    # unread, a newest-first file of ISO weeks passed uncertainty's order check: its returns had the wrong sign
    week = text.str.replace(ISO_WEEK, "${1}-W${2}-1").str.to_date("%G-W%V-%u", strict=False).cast(pl.Datetime("us"))
    return pl.select(pl.coalesce(parse_dates(text, where), named, named_day, week)).to_series().alias(column.name)


# names of a column of years (a yearbook's annual table); an integer column of another name is a measurement
YEAR_NAMES = {"year", "years", "yr", "fy", "fiscal year", "fiscal_year",
              "jahr", "année", "annee", "año", "anno", "год", "年", "年份", "年度"}


def year_dates(column: pl.Series, named: bool = False) -> pl.Series:
    """A column named as years (YEAR_NAMES) of whole years 1000-2999, each once, as 1 January of
    each (a yearbook lists the newest first as often as not); any other column as it is. Years
    that repeat are one part of a date split into columns (year, month), left as they are, unless
    the column is ``named`` in the config as the rows' dates (the groups of a long file repeat them;
    a repeat within one is refused by its order check)."""
    known = column.drop_nulls()
    if column.name.strip().lower() not in YEAR_NAMES or known.is_empty() or (known.n_unique() < known.len() and not named) \
            or not known.is_between(1000, 2999).all():
        return column
    return column.to_frame().select(pl.date(pl.col(column.name), 1, 1).alias(column.name)).to_series()


def dates_of(column: pl.Series, where: str) -> pl.Series | None:
    """``column`` as dates where every value it holds reads as one (typed dates and times, the text of
    calendar_dates, whole years in a column named as years: year_dates), else None. What a "date column"
    is in a file of rows over time: the series that uncertainty and capacity check, optimize's prices."""
    if column.dtype.is_integer():
        dates = year_dates(column)
    elif column.dtype == pl.String:
        dates = calendar_dates(column, where)
    else:
        dates = column
    held = column.len() > column.null_count()
    return dates if held and dates.dtype.is_temporal() and dates.null_count() == column.null_count() else None


def first_dates(frame: pl.DataFrame, skip: Sequence[str | None], where: str) -> tuple[str | None, pl.Series | None]:
    """(name, dates) of the first column of ``frame`` not in ``skip`` that holds dates (dates_of), else (None, None):
    the date column of a file whose date column is not named (optimize's prices, uncertainty's series)."""
    return next(((name, dates) for name in frame.columns if name not in skip and (dates := dates_of(frame[name], where)) is not None),
                (None, None))


# names of a column giving each row's unit (a long export's `value, unit`), compared stripped and in lower case
UNIT_NAMES = {"unit", "units", "uom", "unit of measure", "time unit", "einheit", "unité", "unidad"}


def row_units(frame: pl.DataFrame, where: str, by: str | None = None) -> list[str]:
    """The units a text column named as units (UNIT_NAMES; a number column so named counts units
    made or sold) gives the rows, each once ([] without such a column). A series (the rows of one
    ``by`` value; all rows without ``by``) whose rows name two units is refused: hours beside days,
    or a price quoted in USD/t and later in USc/lb, were averaged and fitted as one quantity."""
    name = next((column for column in frame.columns
                 if column.strip().lower() in UNIT_NAMES and frame[column].dtype == pl.String), None)
    if name is None:
        return []
    units = frame[name].str.strip_chars()
    rows = pl.DataFrame({"series": frame[by] if by else pl.repeat(0, frame.height, eager=True), "unit": units,
                         "row": pl.int_range(1, frame.height + 1, eager=True)}).drop_nulls("unit")
    for (series,), group in rows.group_by("series", maintain_order=True):
        firsts = group.unique("unit", keep="first", maintain_order=True)
        if firsts.height > 1:
            named = " and ".join(f"{unit!r} at row {row}" for unit, row in firsts.head(2).select("unit", "row").iter_rows())
            of = f" ({by}={series})" if by else ""
            raise DataError(f"{where}: column '{name}' gives the rows of one series{of} {firsts.height} units ({named}); "
                            "expected one unit a series (convert the values to one unit)")
    return rows["unit"].unique(maintain_order=True).to_list()


def month_index(dates: pl.Series) -> pl.Series:
    """Months since year 0 of each date (Int64): consecutive months differ by 1, across years too."""
    return dates.dt.year().cast(pl.Int64) * 12 + dates.dt.month().cast(pl.Int64)


def instants(column: pl.Series, wall: pl.Series) -> pl.Series:
    """The moment each value of ``column`` names, for order and repeat checks, given its wall time
    ``wall`` (calendar_dates): zoned text less its offset, a zoned Datetime column in UTC. At a
    daylight-saving fall-back an hour of wall time comes twice (02:30+02:00, then 02:30+01:00):
    two moments an hour apart, not a repeated time. A text column not zoned in every value (or in
    none) keeps its wall time: its unzoned values name no moment."""
    if isinstance(column.dtype, pl.Datetime) and column.dtype.time_zone is not None:
        return column.dt.convert_time_zone("UTC").dt.replace_time_zone(None).cast(pl.Datetime("us"))
    text = column.str.strip_chars() if column.dtype == pl.String else None
    if text is None or not text.str.contains(ZONED_TIME).fill_null(True).all():
        return wall
    zone = text.str.extract_groups(ZONED_TIME).struct.unnest()  # "2": sign, "3": hours, "4": minutes; null for Z, UTC
    minutes = (pl.col("3").cast(pl.Int64) * 60 + pl.col("4").cast(pl.Int64)).fill_null(0)
    ahead_of_utc = zone.select(pl.duration(minutes=pl.when(pl.col("2") == "-").then(-minutes).otherwise(minutes))).to_series()
    return wall - ahead_of_utc


# D/M/YYYY or M/D/YYYY, with '/' or '-' (dotted dates are day first by convention); a time may follow
DAY_MONTH = r"^\s*(\d{1,2})[/-](\d{1,2})[/-]\d{4}(?:\D|$)"


def day_month_order(text: pl.Series, where: str) -> str | None:
    """"day" or "month": which comes first in a column of D/M/YYYY-like text, as its values show
    (a first number above 12 is a day, a second one a day too); None when not every value is such
    a date. A column whose every value reads both ways, to another date for some, is refused:
    read day first (as polars' date inference reads them), a US export whose days all stay <= 12
    (3/1/2024: 1 March) would turn its months into days without a word."""
    given = text.drop_nulls() if text.dtype == pl.String else pl.Series([], dtype=pl.String)
    parts = given.str.extract_groups(DAY_MONTH)
    first, second = (parts.struct.field(name).cast(pl.Int32) for name in ("1", "2"))
    if not given.len() or first.null_count():
        return None  # not all such dates (refused elsewhere as text)
    if (first > 12).any():
        return "day"
    if (second > 12).any():
        return "month"
    differs = first != second
    if differs.any():
        raise DataError(f"{where}: column {text.name!r} has dates such as {given.filter(differs)[0]!r} that read both "
                        "day first and month first; expected YYYY-MM-DD dates (or a day above 12 somewhere)")
    return "day"


# the ratio between two units of one price or quantity, and what the two are: a series that changes its
# unit midway without a unit column (row_units) steps by one of them once and stays at the new level
UNIT_FACTORS = {22.0462: "USD/t and US cents/lb", 2204.62: "per tonne and per pound", 31.1035: "per troy ounce and per gram",
                32.1507: "per kilogram and per troy ounce", 100.0: "x100: dollars and cents, or a rebased index",
                1000.0: "x1000: per kilogram and per tonne, or thousands"}
UNIT_STEP_SLACK = float(np.log(1.25))  # the step is the factor and one ordinary move of up to 25 %
ORDINARY_STEP = float(np.log(2))  # every other step: less than a doubling or a halving (coal's largest month: 0.46)


def refuse_unit_change(values: np.ndarray, where: str, names: Sequence[str]) -> None:
    """Refuse ``values`` (NaN: a gap, skipped; ``names``: how each position is named, a month or a row)
    that step once by one of UNIT_FACTORS (give or take UNIT_STEP_SLACK) and stay there, three values
    at least on each side, every other step less than ORDINARY_STEP: USD/t, then USc/lb without a
    unit column, was one month's 'fall' of 95 % that the forecast, its returns and fits took as a price.
    Any other series passes: real prices that move twice as far in a step make the rule say nothing."""
    known = np.flatnonzero(~np.isnan(values))
    levels = values[known]
    if levels.size < 6 or (levels <= 0).any():
        return
    steps = np.diff(np.log(levels))
    large = np.flatnonzero(np.abs(steps) > ORDINARY_STEP)
    if large.size != 1 or not 2 <= large[0] <= steps.size - 3:
        return
    step = steps[large[0]]
    factor = min(UNIT_FACTORS, key=lambda f: abs(abs(step) - np.log(f)))
    if abs(abs(step) - np.log(factor)) > UNIT_STEP_SLACK:
        return
    before, after = known[large[0]], known[large[0] + 1]
    raise DataError(f"{where}: the values go from {values[before]:g} ({names[before]}) to {values[after]:g} ({names[after]}), "
                    f"{np.exp(abs(step)):.4g} times {'less' if step < 0 else 'more'}, and stay there, while no other step doubles or "
                    f"halves them: a change of unit without a unit column ({UNIT_FACTORS[factor]}: {factor:g}); expected one unit "
                    "throughout (convert the values to one unit)")
