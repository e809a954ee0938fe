"""Numeric series and tables from a csv/parquet file: a column, optionally split by a group column."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import polars as pl

from minectl.data.names import check_names
from minectl.data.sources import read_file
from minectl.data.values import check_no_summary_row, complete_rows, numeric, serial_day_hint, series_gaps
from minectl.errors import ConfigError, DataError
from minectl.uncertainty.distributions import check_spread

TRANSFORMS = ("level", "log_return", "diff")


def transform_series(values: np.ndarray, transform: str, name: str) -> np.ndarray:
    """level (as is), log_return ln(x_t / x_t-1), or diff x_t - x_t-1."""
    if transform == "level":
        return values
    if transform == "log_return":
        if np.any(values <= 0):
            raise DataError(f"{name}: log returns need positive values, found {np.nanmin(values):g}; expected prices or quantities "
                            "> 0 (a series with losses or changes has none; its level and diff have)")
        return np.diff(np.log(values))
    if transform == "diff":
        return np.diff(values)
    raise ConfigError(f"expected names from {', '.join(TRANSFORMS)}, got '{transform}'", param="transform")


def drop_gaps(values: np.ndarray) -> tuple[np.ndarray, int]:
    """The values without the NaN that stand for dropped gaps (and returns across them), and their count."""
    kept = values[~np.isnan(values)]
    return kept, values.size - kept.size


def transform_groups(
    groups: dict[str, np.ndarray], transforms: list[str], path: Path, column: str, grouped: bool
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Every transform of every group, labelled ``transform`` (``group.transform`` when
    ``grouped``), without its gaps; and the gaps dropped from each. Three values at least, not all
    equal (check_spread)."""
    series, dropped = {}, {}
    for group, values in groups.items():
        for transform in transforms:
            label = f"{group}.{transform}" if grouped else transform
            series[label], dropped[label] = drop_gaps(transform_series(values, transform, f"{path}: {column} ({label})"))
            if series[label].size < 3:  # every series is also fitted: here, not after the series before it were printed
                raise DataError(f"{path}: column '{column}' ({label}) has {series[label].size} value(s); expected at least 2 to "
                                "resample and 3 to fit a distribution")
            check_spread(series[label], f"{path}: column '{column}' ({label})")  # every series, before the first one's output
    return series, dropped


def _with_columns(path: Path, columns: list[str], key: str) -> pl.DataFrame:
    frame = read_file(path, "dataset")
    _check_columns(frame, path, columns, key)
    check_no_summary_row(frame, columns, str(path))
    return frame


def _check_columns(frame: pl.DataFrame, path: Path, columns: list[str], key: str) -> None:
    """Refuse ``columns`` (the config ``key``) that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{key}: column '{missing[0]}' not in {path}; its columns are {', '.join(map(repr, frame.columns))}")


def numbers(frame: pl.DataFrame, column: str, where: str) -> pl.Series:
    """``frame[column]`` as numbers (values.numeric, which names what exports write instead: a
    units row, percentages, thousands commas); dates are refused saying what a failure log's
    dates become (their differences are the times between failures)."""
    raw = frame[column]
    if raw.dtype.is_temporal():
        raise DataError(f"{where}: column '{column}' holds dates ({raw.dtype}); {_FOR_DATES}")
    if raw.dtype == pl.String:
        text = raw.str.strip_chars()
        unread = text.filter(text.cast(pl.Float64, strict=False).is_null() & raw.is_not_null())
        if unread.len() and unread.len() == raw.drop_nulls().len() and _parsed_dates(unread, Path(where)).is_not_null().all():
            raise DataError(f"{where}: column '{column}' holds dates (first at row 1: {raw.drop_nulls()[0]!r}); {_FOR_DATES}")
    return numeric(frame, column, where)


_FOR_DATES = ("expected numbers: for dates of failures, the times between them (hours), or the operating hours at each failure "
              "with dataset.transforms=[diff]")


def read_columns(path: Path, columns: list[str], key: str, drop: bool, drop_key: str,
                 ordered: Optional[str] = None) -> tuple[np.ndarray, int]:
    """The numeric ``columns`` (the config ``key``) of a csv/parquet file, rows with a value in
    each: (rows x columns array, incomplete rows dropped); those are refused unless ``drop``.
    ``ordered`` (why the rows are consecutive periods, for the errors): a date column must
    increase row by row, and only rows before the first complete row or after the last are dropped."""
    frame = _with_columns(path, columns, key)
    if ordered:
        _check_date_columns(frame, path, None, ordered)
    for column in columns:  # what an export wrote instead of numbers, said before complete_rows' plain "not numbers"
        numbers(frame, column, str(path))
    table, dropped = complete_rows(frame, columns, str(path), drop, drop_key)
    if ordered and dropped:  # a row dropped between two others would make its neighbours look consecutive
        complete = frame.select(pl.all_horizontal(pl.col(columns).is_not_null())).to_series()
        first, last = int(complete.arg_true()[0]), int(complete.arg_true()[-1])
        inner = (~complete).slice(first, last - first + 1)
        if inner.any():
            raise DataError(f"{path}: row {first + int(inner.arg_true()[0]) + 1} lacks a value between complete rows; expected a "
                            f"value in every row between the first and the last ({drop_key}=true drops only rows before or after them; "
                            f"{ordered})")
    return table.to_numpy(), dropped


def read_path(path: Path, column: str, key: str) -> np.ndarray:
    """A path of consecutive months (the config ``key``): ``column`` from its first value to
    its last; a gap is never bridged. A date column, where the file has one, must show one
    month per row, oldest first."""
    frame = _with_columns(path, [column], key)
    _check_date_columns(frame, path, "month", "oldest first: the path's last rows are its latest months")
    values = numbers(frame, column, str(path))
    return series_gaps(values, str(path), False, None)[0].to_numpy()


def read_series(
    path: Path, column: str, group_by: Optional[str] = None, drop_incomplete: bool = False, drop_key: str = "drop_incomplete",
    date_column: Optional[str] = None, censored_column: Optional[str] = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """{group: values} of a numeric column ('all' when not grouped), in file order, from each
    series' first value to its last. An empty value between them is refused (the error names
    ``drop_key``, the caller's name for ``drop_incomplete``), or kept as NaN when
    ``drop_incomplete`` (the caller drops it, and the returns across it, and counts them).
    Where the file has ``date_column``, each series' dates must increase row by row (_check_order).
    Second, with ``censored_column``, {group: True where the row is right-censored (a suspension)}
    for the group's rows that hold a value: one flag per value left once the NaN are dropped, in
    order ({} without the column). Every row's flag must be true/false, 1/0 or S/F (_censoring_flags);
    a group must keep at least 3 failures to fit a distribution."""
    frame = read_file(path, "dataset")
    for needed in [column] + ([group_by] if group_by else []):
        if needed not in frame.columns:
            raise DataError(f"{path}: column '{needed}' not found; columns are {', '.join(frame.columns)}")
    check_no_summary_row(frame, [column], str(path))
    _check_one_unit_per_row(frame, path)
    values = numbers(frame, column, str(path))
    groups = frame[group_by].cast(pl.Utf8) if group_by else pl.Series(["all"] * frame.height)
    if groups.null_count():  # a row of no group: which series it belongs to is unknown
        first = int(groups.is_null().arg_true()[0])
        raise DataError(f"{path}: column '{group_by}' has {groups.null_count()} empty values (first at row {first + 1}); "
                        "expected a group in every row")
    if group_by:  # 'P1' and 'P1 ' would be two series, a name with a line end a broken table
        check_names(groups.unique().to_list(), group_by, f"{path}: column '{group_by}'")
    flags = _censoring_flags(frame, censored_column, path) if censored_column else None
    from minectl.features.series import first_dates

    rows = pl.Series(range(frame.height))
    # a date column the file lacks matters only where its period is needed (row_period); without it, the
    # file's own date column (dates_of) still orders the rows: a newest-first export gave returns of the
    # wrong sign, a left-out month a return over two, a dateless 'Average' row one more value
    found = None if date_column in frame.columns else first_dates(frame, (column, group_by, censored_column), str(path))
    date_column, dates = (date_column, _dates(frame, date_column, path)) if found is None else found
    out, censored = {}, {}
    for group in groups.unique(maintain_order=True).to_list():
        in_group = groups == group
        where = f"{path}" + (f" ({group_by}={group})" if group_by else "")
        if dates is not None:
            _check_dated(values.filter(in_group), dates.filter(in_group), rows.filter(in_group), where)
            _check_order(frame[date_column].filter(in_group), dates.filter(in_group), rows.filter(in_group), where,
                         grouped=group_by is not None, repeats=found is not None)
        series, _ = series_gaps(values.filter(in_group), where, drop_incomplete, drop_key, rows.filter(in_group))
        out[str(group)] = series.to_numpy()
        if flags is not None:
            kept = flags.filter(in_group & values.is_not_null()).to_numpy()  # the values' rows, gaps left out
            if (~kept).sum() < 3:
                raise DataError(f"{where}: column '{censored_column}' leaves {int((~kept).sum())} failures (uncensored rows) "
                                f"of {kept.size}; expected at least 3 to fit a distribution")
            censored[str(group)] = kept
    return out, censored


def _check_dated(values: pl.Series, dates: pl.Series, rows: pl.Series, where: str) -> None:
    """Refuse a value without a date (its place in time is unknown: _check_order skips it) and, in
    a series of months, quarters or years, a step over more than one: the rows of the periods
    between are missing, and a return or difference across them was taken as one period's (a
    skipped day may be a weekend or holiday, so finer periods are left as they are)."""
    _check_undated(values.is_not_null(), dates, rows, where)
    period = _period_of(dates)
    i = _first_left_out(dates, period)
    if i is not None:
        known = dates.is_not_null()
        raise DataError(f"{where}: column '{dates.name}' jumps from {dates.filter(known)[i - 1]:%Y-%m} to {dates.filter(known)[i]:%Y-%m} "
                        f"at row {int(rows.filter(known)[i]) + 1}; expected one row per {period} (write a missing one "
                        "as a row with an empty value)")


def _check_undated(held: pl.Series, dates: pl.Series, rows: pl.Series, where: str) -> None:
    """Refuse a row that ``held`` marks as holding a value without a date: a spreadsheet's mean row under the dates."""
    undated = held & dates.is_null()
    if undated.any():
        raise DataError(f"{where}: column '{dates.name}' is empty in row {int(rows.filter(undated)[0]) + 1}, which holds a value; "
                        "expected a date in every row with a value")


def _first_left_out(dates: pl.Series, period: Optional[str]) -> Optional[int]:
    """The position among the known ``dates`` of the first step over more than one ``period`` of
    months, quarters or years (the rows of the periods between are missing), else None; finer
    periods are left as they are (a skipped day may be a weekend or holiday)."""
    from minectl.features.series import month_index

    months = MONTHS_PER.get(period)
    if months is None:
        return None
    skips = (month_index(dates.drop_nulls()).diff() > months).fill_null(False)
    return int(skips.arg_true()[0]) if skips.any() else None


def _check_one_unit_per_row(frame: pl.DataFrame, path: Path) -> None:
    """Refuse Weibull++'s grouped data: its `Number in State` column says how many units a row
    stands for, and each row was read as one failure or suspension."""
    name = next((name for name in frame.columns if name.strip().lower() == "number in state"), None)
    if name is None:
        return
    units = numbers(frame, name, str(path))
    grouped = (units != 1).fill_null(False)
    if grouped.any():
        row = int(grouped.arg_true()[0])
        raise DataError(f"{path}: column '{name}' is {units[row]:g} at row {row + 1}: that many units in one row (Weibull++'s "
                        "grouped data); expected one row per unit (repeat the row, with Number in State 1)")


# the only spellings of a censoring flag: anything else (yes, T, 2, an empty cell) could mean either
# Weibull++/ReliaSoft's State column writes F (failure) and S (suspension); 'C' is left out: censored
# to some, complete (a failure) to others
CENSORED_SPELLINGS = {"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False,
                      "s": True, "suspension": True, "suspended": True, "f": False, "failure": False, "failed": False}


def _censoring_flags(frame: pl.DataFrame, censored_column: str, path: Path) -> pl.Series:
    """``censored_column`` as booleans (True: right-censored), every row true/false, 1/0 or S/F."""
    _check_columns(frame, path, [censored_column], "dataset.censored_column")
    flags = frame[censored_column].cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    flags = flags.replace_strict(CENSORED_SPELLINGS, default=None, return_dtype=pl.Boolean)
    unread = flags.is_null()
    if unread.any():
        first = int(unread.arg_true()[0])
        raw = frame[censored_column][first]
        raise DataError(f"{path}: column '{censored_column}' has {int(unread.sum())} values that are not true/false or 1/0 "
                        f"(first at row {first + 1}: {'empty' if raw is None else repr(raw)}); expected true (censored, a "
                        "suspension) or false (a failure) in every row, or 1/0, or S/F as Weibull++ writes them")
    return flags


PERIODS = ("hour", "shift", "day", "week", "month", "quarter", "year")
MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}  # the calendar periods whose every one must have its row
# the most common step between dates, in days -> the period it is (calendar months and years vary)
_STEP_DAYS = ((1 / 24, "hour"), (1 / 3, "shift"), (1, "day"), (7, "week"), (28, "month"), (29, "month"), (30, "month"),
              (31, "month"), (90, "quarter"), (91, "quarter"), (92, "quarter"), (365, "year"), (366, "year"))


def row_period(path: Path, frequency: Optional[str], date_column: Optional[str]) -> str:
    """What one row of the series is: ``frequency`` as configured, else the most common step of
    ``date_column``'s dates, else "period" (the data does not say)."""
    if frequency is not None:
        if frequency not in PERIODS:
            raise ConfigError(f"dataset.frequency: {frequency!r}; expected one of {', '.join(PERIODS)}")
        return frequency
    if date_column is None:
        return "period"
    dates = _dates(read_file(path, "dataset"), date_column, path)
    period = _period_of(dates)
    if period is not None:
        return period
    raise DataError(f"{path}: column {date_column!r} does not show one hour, shift, day, week, month, quarter or year "
                    f"per row{serial_day_hint(dates)}; set dataset.frequency")


def _period_of(dates: pl.Series) -> Optional[str]:
    """The period (PERIODS) of the most common step between ``dates``; None when they are no
    dates or that step is none of them."""
    if dates.dtype == pl.Date or isinstance(dates.dtype, pl.Datetime):
        steps = dates.drop_nulls().sort().cast(pl.Datetime("ms")).diff().drop_nulls().dt.total_milliseconds() / 86_400_000
        values, counts = np.unique(np.round(steps.to_numpy(), 4), return_counts=True)
        step = values[counts.argmax()] if len(values) else None
        for days, name in _STEP_DAYS:
            if step is not None and abs(step - days) < 1e-3:
                return name
    return None


def _dates(frame: pl.DataFrame, date_column: str, path: Path) -> pl.Series:
    """``date_column`` of ``frame``, text parsed as dates; text that reads as no date is refused
    (unparsed, a newest-first file's order could not be checked)."""
    if date_column not in frame.columns:
        raise ConfigError(f"dataset.date_column: column {date_column!r} not in {path}")
    dates = _parsed_dates(frame[date_column], path)
    unread = dates.is_null() & frame[date_column].is_not_null()
    if unread.any():
        first = int(unread.arg_true()[0])
        raise DataError(f"{path}: column {date_column!r} has {int(unread.sum())} values that are not dates (first at row {first + 1}: "
                        f"{frame[date_column][first]!r}); expected {DATE_TEXT}")
    return dates


DATE_TEXT = ("YYYY-MM-DD, YYYY-MM, MM/YYYY, YYYYMmm (the Pink Sheet's 1960M01), Jan-1960, YYYYQq (1960Q1), DD/MM/YYYY or "
             "YYYY-MM-DD HH:MM[:SS][Z|+HH:MM]")


def _parsed_dates(column: pl.Series, path: Path) -> pl.Series:
    """Text as dates (null where it reads as none; calendar_dates' formats, the Pink Sheet's months
    `1960M01`, Jan-1960 and zoned ISO timestamps among them, D/M/YYYY or M/D/YYYY as the column
    shows); other columns as they are."""
    if column.dtype != pl.String:
        return column
    from minectl.features.series import calendar_dates

    return calendar_dates(column, str(path))


def _check_date_columns(frame: pl.DataFrame, path: Path, period: Optional[str], hint: str) -> None:
    """Every column that holds dates (typed, or text of which every value reads as a date) must
    increase row by row (a newest-first export read in file order would reverse the series)
    with one ``period`` per row (daily prices would pass for months; None: any period), and
    for months no month left out."""
    from minectl.features.series import dates_of

    rows = pl.Series(range(frame.height))
    for name in frame.columns:
        dates = dates_of(frame[name], str(path))
        if dates is not None:
            # a row without a date was left out of the order's check: its value read as the latest month
            _check_undated(frame.select(pl.any_horizontal(pl.all().exclude(name).is_not_null())).to_series(), dates, rows, str(path))
            _check_order(frame[name], dates, rows, str(path), hint)
            found = _period_of(dates)
            if period is not None and found not in (None, period):
                raise DataError(f"{path}: column {name!r} has one {found} per row; expected one row per {period}")
            i = _first_left_out(dates, found)  # a month (a cobweb's year) left out: P_(t-2) was paired with Q_t
            if i is not None:
                known = dates.drop_nulls()
                raise DataError(f"{path}: column {name!r} goes from {known[i - 1]} to {known[i]}, leaving out a {found}; expected "
                                f"one row per {found}, none left out")


def _check_order(column: pl.Series, dates: pl.Series, rows: pl.Series, where: str,
                 hint: Optional[str] = None, grouped: bool = False, repeats: bool = False) -> None:
    """Refuse a date not after the one before it: returns, differences and bootstrap blocks
    follow the file's order, so a reversed, shuffled or repeated row would change them silently.
    ``column``'s values are compared as moments (zoned times in UTC: a daylight-saving fall-back
    repeats an hour of wall time in order), named by ``dates``, their wall times (_parsed_dates).
    ``grouped``: the rows are one group's of dataset.group_by (not to be offered again); ``repeats``: a date
    may repeat (a column found, not named in dataset.date_column: events, several on one date, are read in file order)."""
    from minectl.features.series import instants

    known = dates.is_not_null()
    dates, moments, rows = dates.filter(known), instants(column, dates).filter(known), rows.filter(known)
    steps = moments.to_physical().diff()
    not_after = ((steps < 0) if repeats else (steps <= 0)).fill_null(False)
    if not_after.any():
        i = int(not_after.arg_true()[0])
        if hint is None and steps[i] == 0:  # a repeat is no disorder: a duplicated row, or events (failures) sharing a date
            other = "" if grouped else ", or dataset.group_by for several series in one file"
            raise DataError(f"{where}: column '{dates.name}' at row {int(rows[i]) + 1} ({dates[i]}) is the same time as the row before "
                            f"({dates[i - 1]}); expected one row per time, as a return or difference between two would span no time "
                            f"(events such as failures, several on one date, are read in file order without dataset.date_column{other})")
        if hint is None:  # the caller's own reason for the order comes first
            newest_first = moments.len() > 2 and (steps < 0).sum() == moments.len() - 1
            hint = "the newest first: reverse the rows" if newest_first else \
                "sort the rows of each series by date" if grouped else "several series in one file: dataset.group_by"
        raise DataError(f"{where}: column '{dates.name}' at row {int(rows[i]) + 1} ({dates[i]}) is not after the row before "
                        f"({dates[i - 1]}); expected rows in time order, one per date ({hint})")
