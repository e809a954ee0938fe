"""Numeric series and tables from a csv/parquet file: a column, optionally split by a group column."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Optional

import numpy as np
import polars as pl

from minectl.data.names import check_names
from minectl.data.sources import read_file
from minectl.data.values import check_no_summary_row, column_telling_apart, complete_rows, numeric, serial_day_hint, series_gaps
from minectl.errors import ConfigError, DataError
from minectl.features.series import refuse_unit_change, row_units
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


def _fixed_step(values: np.ndarray, changes: np.ndarray, transform: str) -> bool:
    """Whether the changes spread no more than the rounding of what they were computed from: a log
    return carries eps x |ln x| of error, a diff eps x |x|, far above eps x the change itself that
    check_spread allows (a price up 1 % a month: log returns spread 9e-16, 10x that bound, and were
    fitted: best fit uniform of width 9e-16, "no family fits")."""
    source = np.log(values) if transform == "log_return" else values
    return bool(np.ptp(changes) <= changes.size * np.finfo(float).eps * np.nanmax(np.abs(source)))


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
                                f"resample and 3 to fit a distribution{_whole_group_hint(grouped, group)}")
            check_spread(series[label], f"{path}: column '{column}' ({label})")  # every series, before the first one's output
            if transform != "level" and _fixed_step(values, series[label], transform):
                raise DataError(f"{path}: column '{column}' ({label}): every {transform} is {series[label][0]:g} up to rounding (a "
                                f"{'rate' if transform == 'log_return' else 'step'} fixed as by an escalation clause): no distribution "
                                f"to fit; expected dataset.transforms without '{transform}'")
    return series, dropped


def _whole_group_hint(grouped: bool, group: str) -> str:
    """What to do with a group too small to fit: refused, not left out, as the other groups' figures would read as
    the whole file's, one group short (and no setting picks groups)."""
    return f" (dataset.group_by analyses every group: leave the rows of {group!r} out of the file)" if grouped else ""


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
    increase row by row, only rows before the first complete row or after the last are dropped, and a
    column that steps by a unit's factor and stays is refused (refuse_unit_change)."""
    return _read_columns(_with_columns(path, columns, key), path, columns, drop, drop_key, ordered)


def read_column_groups(path: Path, columns: list[str], key: str, drop: bool, drop_key: str,
                       group_by: Optional[str]) -> tuple[dict[str, np.ndarray], int]:
    """read_columns split by the value of ``group_by`` ({'all': rows} without it), groups in file order: the cost
    items of two mines in one file are two sets of items (pooled, a cost run's daily table of 2 mines gave one
    range of a day's total, the mines' mix, beside one interval per mine)."""
    frame = _with_columns(path, columns, key)
    table, dropped = _read_columns(frame, path, columns, drop, drop_key)
    if group_by is None:
        return {"all": table}, dropped
    labels = frame[group_by].cast(pl.Utf8).filter(_complete(frame, columns))
    return {label: table[(labels == label).to_numpy()] for label in labels.unique(maintain_order=True)}, dropped


def _read_columns(frame: pl.DataFrame, path: Path, columns: list[str], drop: bool, drop_key: str,
                  ordered: Optional[str] = None) -> tuple[np.ndarray, int]:
    if ordered:
        _check_date_columns(frame, path, None, ordered)
    for column in columns:  # what an export wrote instead of numbers, said before complete_rows' plain "not numbers"
        numbers(frame, column, str(path))
    table, dropped = complete_rows(frame, columns, str(path), drop, drop_key)
    if not ordered:
        return table.to_numpy(), dropped
    complete = _complete(frame, columns)
    first, last = int(complete.arg_true()[0]), int(complete.arg_true()[-1])
    if dropped:  # a row dropped between two others would make its neighbours look consecutive
        inner = (~complete).slice(first, last - first + 1)
        if inner.any():
            raise DataError(f"{path}: row {first + int(inner.arg_true()[0]) + 1} lacks a value between complete rows; expected a "
                            f"value in every row between the first and the last ({drop_key}=true drops only rows before or after them; "
                            f"{ordered})")
    for column in columns:  # a series over time each: a price in USD/t, then USc/lb, was one period's fall of 95 %
        refuse_unit_change(table[column].to_numpy(), f"{path}: column '{column}'", _rows_from(first, table.height))
    return table.to_numpy(), dropped


def _complete(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """The rows with a value in each of ``columns``: those complete_rows keeps (text was refused before)."""
    return frame.select(pl.all_horizontal(pl.col(columns).is_not_null())).to_series()


def _rows_from(first: int, count: int) -> list[str]:
    """How ``count`` consecutive rows from the 0-based row ``first`` are named in errors."""
    return [f"row {row + 1}" for row in range(first, first + count)]


def read_path(path: Path, column: str, key: str) -> np.ndarray:
    """A path of consecutive months (the config ``key``): ``column`` from its first value to
    its last; a gap is never bridged. A date column, where the file has one, must show one
    month per row, oldest first; a step by a unit's factor that stays is refused (refuse_unit_change)."""
    frame = _with_columns(path, [column], key)
    _check_date_columns(frame, path, "month", "oldest first: the path's last rows are its latest months")
    values = numbers(frame, column, str(path))
    months = series_gaps(values, str(path), False, None)[0]
    first = int(values.is_not_null().arg_true()[0])  # a price in USD/t, then USc/lb, was a month's move of -95 %
    refuse_unit_change(months.to_numpy(), f"{path}: column '{column}'", _rows_from(first, months.len()))
    return months.to_numpy()


def read_series(
    path: Path, column: str, group_by: Optional[str] = None, drop_incomplete: bool = False, drop_key: str = "drop_incomplete",
    date_column: Optional[str] = None, censored_column: Optional[str] = None, hours_key: Optional[str] = None,
    returns: bool = False,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """{group: values} of a numeric column ('all' when not grouped), in file order, from each
    series' first value to its last. An empty value between them is refused (the error names
    ``drop_key``, the caller's name for ``drop_incomplete``), or kept as NaN when
    ``drop_incomplete`` (the caller drops it, and the returns across it, and counts them).
    Where the file has ``date_column``, each series' dates must increase row by row (_check_order).
    Second, with ``censored_column``, {group: True where the row is right-censored (a suspension)}
    for the group's rows that hold a value: one flag per value left once the NaN are dropped, in
    order ({} without the column). Every row's flag must be true/false, 1/0 or S/F (_censoring_flags);
    a group must keep at least 3 failures to fit a distribution. A column named as units (unit: h)
    must give each series one unit (features.series.row_units), and with ``hours_key`` (the config key
    that counts hours) an hour: _check_hours. A step by a unit's factor that stays, which no unit column
    says, is refused (features.series.refuse_unit_change); so is, with ``hours_key`` or ``censored_column``,
    the running total of another column (_refuse_running_total). ``returns``: log returns are taken (prices,
    not events), so a date column found, not named, may not repeat a time either."""
    frame = read_file(path, "dataset")
    for needed in [column] + ([group_by] if group_by else []):
        if needed not in frame.columns:
            raise DataError(f"{path}: column '{needed}' not found; columns are {', '.join(frame.columns)}")
    check_no_summary_row(frame, [column], str(path))
    units = row_units(frame, str(path), group_by)
    if hours_key:
        _check_hours(column, units, path, hours_key)
    _check_one_unit_per_row(frame, path)
    values = numbers(frame, column, str(path))
    groups = frame[group_by].cast(pl.Utf8) if group_by else pl.Series(["all"] * frame.height)
    if groups.null_count():  # a row of no group: which series it belongs to is unknown
        first = int(groups.is_null().arg_true()[0])
        raise DataError(f"{path}: column '{group_by}' has {groups.null_count()} empty values (first at row {first + 1}); "
                        "expected a group in every row")
    if group_by:  # 'P1' and 'P1 ' would be two series, a name with a line end a broken table
        check_names(groups.unique().to_list(), group_by, f"{path}: column '{group_by}'")
    if hours_key or censored_column:  # the levels are times between events (lifetimes)
        _refuse_running_total(frame, values, groups, path, hours_key or "dataset.censored_column")
    if censored_column:
        flags = _censoring_flags(frame, censored_column, path)
    else:
        flags = None
        check_undeclared_censoring(frame, (column, group_by, date_column), path)
    rows = pl.Series(range(frame.height))
    # without the date column named, the file's own (found_dates) still orders the rows: a newest-first export
    # gave returns of the wrong sign, a left-out month a return over two, a dateless 'Average' row one more value
    found = None if date_column in frame.columns else found_dates(frame, (column, group_by, censored_column), path)
    date_column, dates = (date_column, _dates(frame, date_column, path)) if found is None else found
    # events (failures) may share a time in a found column; prices may not: a log return between two rows of
    # one day spans no time, and one day exported twice with two prices was one more value, exit 0
    events = found is not None and not returns
    if events and group_by is None and dates is not None:
        _refuse_several_series(frame, dates, column, path)
    out, censored = {}, {}
    for group in groups.unique(maintain_order=True).to_list():
        in_group = groups == group
        where = f"{path}" + (f" ({group_by}={group})" if group_by else "")
        if dates is not None:
            _check_dated(values.filter(in_group), dates.filter(in_group), rows.filter(in_group), where, found is not None)
            _check_order(frame[date_column].filter(in_group), dates.filter(in_group), rows.filter(in_group), where,
                         grouped=group_by is not None, repeats=events, named=found is None)
            _check_no_long_gap(values.filter(in_group), dates.filter(in_group), rows.filter(in_group), where, drop_key)
            if events:  # otherwise no time repeats at all (_check_order)
                _check_repeated_rows(values.filter(in_group), frame[date_column].filter(in_group), dates.filter(in_group),
                                     rows.filter(in_group), where)
        series, _ = series_gaps(values.filter(in_group), where, drop_incomplete, drop_key, rows.filter(in_group))
        first = int(values.filter(in_group).is_not_null().arg_true()[0])  # the series' first row in the group
        refuse_unit_change(series.to_numpy(), f"{where}: column '{column}'",
                           [f"row {row + 1}" for row in rows.filter(in_group).slice(first, series.len())])
        out[str(group)] = series.to_numpy()
        if flags is not None:
            kept = flags.filter(in_group & values.is_not_null()).to_numpy()  # the values' rows, gaps left out
            if (~kept).sum() < 3:
                raise DataError(f"{where}: column '{censored_column}' leaves {int((~kept).sum())} failures (uncensored rows) of "
                                f"{kept.size}; expected at least 3 to fit a distribution{_whole_group_hint(group_by is not None, group)}")
            censored[str(group)] = kept
    return out, censored


def _refuse_several_series(frame: pl.DataFrame, dates: pl.Series, column: str, path: Path) -> None:
    """A date column found, not named, may repeat a date (events on one day), but not in rows that another column
    tells apart, each of its values on many rows (a series' name): a cost run's daily table of two mines was read as
    one series (its mean the mines' mix, its blocks pairs of two mines' days), exit 0."""
    repeated = dates.is_duplicated() & dates.is_not_null()
    if not repeated.any():
        return
    rows = frame.filter(dates == dates.filter(repeated)[0])
    ids = column_telling_apart(rows, (dates.name, column))
    if ids is not None and 2 * frame[ids].n_unique() <= frame.height:  # not a record number: one value a row
        shown = ", ".join(repr(str(value)) for value in rows[ids].head(3).to_list())
        raise DataError(f"{path}: column '{dates.name}' repeats {dates.filter(repeated)[0]} in rows that '{ids}' tells apart "
                        f"({shown}): several series in one file; expected dataset.group_by={ids} (one series each), or the "
                        f"rows of one {ids}")


def _refuse_running_total(frame: pl.DataFrame, values: pl.Series, groups: pl.Series, path: Path, key: str) -> None:
    """Refuse ``values`` that are, row by row in every group, the running total of another number column of
    the file: the operating hours at each failure beside the times between failures (the Kumar LHD log's
    t and tbf). Read as times between failures, their mean was the MTBF (1,177 h for 49.8 on machine A)
    and the implied cost 24 times too small, exit 0; a name need not say so (hour meters: _named_as_meter)."""
    if values.null_count() or values.len() < 3:
        return
    for name in frame.columns:
        other = frame[name]
        if name == values.name or not other.dtype.is_numeric() or other.null_count() or not other.cast(pl.Float64).abs().sum():
            continue
        totals = pl.DataFrame({"time": other.cast(pl.Float64), "group": groups}).select(pl.col("time").cum_sum().over("group"))
        if np.allclose(values.to_numpy(), totals.to_series().to_numpy(), rtol=1e-9, atol=0):
            raise DataError(f"{path}: column '{values.name}' is the running total of column '{name}' (row by row in each series): "
                            f"the operating hours at each failure, whose mean is no time between failures, but {key} reads its values "
                            f"as the times between failures; expected dataset.column='{name}'")


def _check_dated(values: pl.Series, dates: pl.Series, rows: pl.Series, where: str, found: bool) -> None:
    """Refuse a value without a date (its place in time is unknown: _check_order skips it) and, in
    a series of months, quarters or years, a step over more than one: the rows of the periods
    between are missing, and a return or difference across them was taken as one period's (a
    skipped day may be a weekend or holiday, so finer periods are left as they are); and two rows in
    one such period on two days (a mid-month quote: a half month's return read as a month's), or on
    one in a date column ``found``, not named, which may repeat a day (events; a named one's repeat is
    _check_order's): a month written twice was one more price and a zero return, without a word."""
    from minectl.features.series import month_index

    _check_undated(values.is_not_null(), dates, rows, where)
    period = _period_of(dates)
    known = dates.is_not_null()
    moved = dates.filter(known).to_physical().diff() != 0
    repeats = ((month_index(dates.filter(known)).diff() == 0) & (moved | found)).fill_null(False) if period in MONTHS_PER else None
    if repeats is not None and repeats.any():
        i = int(repeats.arg_true()[0])
        raise DataError(f"{where}: column '{dates.name}' repeats {dates.filter(known)[i]:%Y-%m} at row {int(rows.filter(known)[i]) + 1}; "
                        f"expected one row per {period} (keep one of the two rows)")
    i = _first_left_out(dates, period)
    if i is not None:
        raise DataError(f"{where}: column '{dates.name}' jumps from {_named(dates.filter(known)[i - 1], period)} to "
                        f"{_named(dates.filter(known)[i], period)} "
                        f"at row {int(rows.filter(known)[i]) + 1}; expected one row per {period} (write a missing one "
                        "as a row with an empty value)")


# finer rows than a month skip weekends (3 days) and holidays (Easter 5, Golden Week 9, the Lunar New
# Year 11 days on Shanghai's exchange), never more than two weeks; a week's rows skip a holiday week or two
LONGEST_CLOSURE_DAYS, LONGEST_CLOSURE_STEPS = 14, 3


def _check_no_long_gap(values: pl.Series, dates: pl.Series, rows: pl.Series, where: str, drop_key: str) -> None:
    """Refuse, in a series of hours, shifts, days or weeks (months and coarser: _check_dated), a step between two rows
    with values longer than both LONGEST_CLOSURE_DAYS and LONGEST_CLOSURE_STEPS usual steps (the commonest, when at
    least half of the steps are it: a failure log's dates step as its failures come): months of daily prices
    absent, whose return across the gap was fitted, bootstrapped and simulated as one day's. So is a run of steps
    of a coarser period (_refuse_coarser_run)."""
    held = values.is_not_null() & dates.is_not_null()
    period = _period_of(dates.filter(held))
    usual = _usual_step(dates.filter(held), period)
    if usual is None:
        return
    both = held.to_numpy()
    # steps between consecutive rows that both hold a value: an empty row inside a gap already stops the return across it
    adjacent = pl.Series(np.r_[False, both[1:] & both[:-1]])
    gaps = _steps_in_days(dates).fill_null(0)
    longest = max(LONGEST_CLOSURE_DAYS, LONGEST_CLOSURE_STEPS * usual)
    _refuse_coarser_run(gaps.filter(adjacent), dates.filter(adjacent), rows.filter(adjacent), usual, period, where)
    over = adjacent & (gaps > longest)
    if over.any():
        i = int(over.arg_true()[0])
        raise DataError(f"{where}: column '{dates.name}' jumps from {_moment(dates[i - 1])} to {_moment(dates[i])} "
                        f"({_days(gaps[i])}) at row {int(rows[i]) + 1}, where its usual step is {_days(usual)}; expected no gap "
                        f"over {_days(longest)} (a weekend or holiday): a return, difference or bootstrap block across it would "
                        f"read it as one {period} (a row with an empty value inside the gap, with "
                        f"{drop_key}=true, drops the return across it; or keep the rows on one side of the gap)")


def _check_repeated_rows(values: pl.Series, column: pl.Series, dates: pl.Series, rows: pl.Series, where: str) -> None:
    """Refuse, in a series of hours, shifts, days or weeks (_usual_step) whose date column was found, not named (where
    events may share a date), a row repeating the row before, time and value: a day exported twice was one more
    price and a zero return. Times compared as moments (features.series.instants: a fall-back's hour comes twice)."""
    from minectl.features.series import instants

    period = _period_of(dates)
    if _usual_step(dates.drop_nulls(), period) is None:
        return
    twice = ((instants(column, dates).diff().dt.total_milliseconds() == 0) & (values.diff() == 0)).fill_null(False)
    if twice.any():
        i = int(twice.arg_true()[0])
        raise DataError(f"{where}: row {int(rows[i]) + 1} repeats row {int(rows[i - 1]) + 1} (column '{dates.name}' "
                        f"{_moment(dates[i])}, value {values[i]:g}) in rows of one {period} each; expected each {period} once "
                        "(delete one of the two rows)")


# a run of this many steps, each at least this many days and usual steps, is rows of a coarser period: a week's
# quotes before the daily ones; a holiday, a weekend or a night is one step
COARSER_RUN, COARSER_DAYS, COARSER_STEPS = 4, 5, 5


def _refuse_coarser_run(steps: pl.Series, dates: pl.Series, rows: pl.Series, usual: float, period: str, where: str) -> None:
    """Refuse COARSER_RUN steps in a row that are each COARSER_STEPS usual steps and COARSER_DAYS days or more: weekly
    quotes, then daily ones, had their one-week returns read as one day's among the others."""
    coarse = ((steps >= COARSER_DAYS) & (steps >= COARSER_STEPS * usual)).cast(pl.Int32)
    runs = coarse.rolling_sum(COARSER_RUN).fill_null(0)
    if (runs >= COARSER_RUN).any():
        last = int((runs >= COARSER_RUN).arg_true()[0])
        first = last - COARSER_RUN + 1
        raise DataError(f"{where}: column '{dates.name}' steps {_days(float(steps.slice(first, COARSER_RUN).min()))} or more "
                        f"{COARSER_RUN} times in a row up to {_moment(dates[last])} at row {int(rows[last]) + 1}, where its usual "
                        f"step is {_days(usual)}: rows of a coarser period (weekly quotes before daily ones?), whose returns "
                        f"would be read as one {period}'s; expected one row per {period} throughout (keep "
                        "the rows of one period)")


def _steps_in_days(dates: pl.Series) -> pl.Series:
    """The step from each of ``dates`` to the next, in days (null first)."""
    return dates.cast(pl.Datetime("ms")).diff().dt.total_milliseconds() / 86_400_000


def _usual_step(dates: pl.Series, period: Optional[str]) -> Optional[float]:
    """The most common step between ``dates`` (days), where they are rows of hours, shifts, days or weeks (their
    ``period``: _period_of) and at least half of their steps are it; else None (months and coarser; a failure
    log's dates, stepping as its failures come)."""
    if period in (None, *MONTHS_PER):
        return None
    steps = _steps_in_days(dates).drop_nulls()
    usual = float(steps.mode().min())
    return usual if (steps == usual).mean() >= 0.5 else None


def _moment(when) -> str:
    """A date as people write it: 2020-03-31, not midnight of it; a time of day where it has one."""
    return f"{when:%Y-%m-%d}" if isinstance(when, dt.date) and not (isinstance(when, dt.datetime) and when.time() != dt.time()) \
        else str(when)


def _days(days: float) -> str:
    """A step of ``days`` as people say it: 91 days, 1 day, 8 hours."""
    amount, unit = (days, "day") if days >= 1 else (days * 24, "hour")
    return f"{amount:g} {unit}{'' if amount == 1 else 's'}"


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


def _named(date, period: str) -> str:
    """A month, quarter or year as people write it (2017-06, 2017Q2, 2017), not as midnight of its first day."""
    return f"{date:%Y}" if period == "year" else f"{date.year}Q{(date.month + 2) // 3}" if period == "quarter" else f"{date:%Y-%m}"


# time units other than the hour: as a unit column writes them, and the words of a column's name that can only be one
OTHER_TIME_UNITS = {"s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "d", "day", "days", "w", "wk",
                    "week", "weeks", "mo", "month", "months", "y", "yr", "yrs", "year", "years"}
TIME_WORDS = ("seconds", "minutes", "day", "days", "week", "weeks", "months", "years")


def _check_hours(column: str, units: list[str], path: Path, key: str) -> None:
    """Refuse times that their unit column or ``column``'s name gives in another unit than the hour
    where ``key`` counts hours: the implied cost is cost_per_event x operating_hours / MTBF, and an
    MTBF in days made it 24 times too large (57.9 M for 2.41 M on the LHD log in days)."""
    unit = next((unit for unit in units if unit.lower() in OTHER_TIME_UNITS), None)
    word = next((word for word in re.findall(r"[a-z]+", column.lower()) if word in TIME_WORDS), None)
    if unit is not None or word is not None:
        said = f"its unit column gives {unit!r}" if unit is not None else f"its name says {word!r}"
        raise DataError(f"{path}: column '{column}' holds times in another unit than hours ({said}), but {key} counts hours "
                        f"(cost = cost per event x hours / MTBF); expected times between failures in hours")


def _check_one_per_period(dates: pl.Series, period: str, name: str, path: Path) -> None:
    """Refuse two rows in one ``period`` of months, quarters or years (a date step shorter than the period)."""
    from minectl.features.series import month_index

    months = MONTHS_PER.get(period)
    known = dates.drop_nulls()
    again = (month_index(known).diff() < months).fill_null(False) if months else None
    if again is not None and again.any():
        i = int(again.arg_true()[0])
        raise DataError(f"{path}: column {name!r} has {known[i - 1]} and {known[i]} in one {period}; expected one row per {period}")


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
STATE_SPELLINGS = {"s": True, "suspension": True, "suspended": True, "f": False, "failure": False, "failed": False}
CENSORED_SPELLINGS = {"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False, **STATE_SPELLINGS}
# words in a column's name that say what its true / 1 marks: a suspension, or the event (a failure: R's
# Surv status, lifelines' event_observed, a `failed` column), the opposite of dataset.censored_column's 1
SUSPENSION_WORDS, EVENT_WORDS = ("censor", "suspen"), ("event", "fail", "status", "observed", "death", "dead", "died")


def _flag_values(column: pl.Series) -> tuple[pl.Series, bool]:
    """``column`` as censoring flags (True: a suspension; null where a value is none of
    CENSORED_SPELLINGS), and whether every value is a word or letter of a State column (S/F)."""
    text = column.cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    flags = text.replace_strict(CENSORED_SPELLINGS, default=None, return_dtype=pl.Boolean)
    return flags, bool(text.is_in(list(STATE_SPELLINGS)).all())


def _names(name: str, words: tuple[str, ...]) -> bool:
    return any(word in name.lower() for word in words)


def check_undeclared_censoring(frame: pl.DataFrame, skip: tuple[Optional[str], ...], path: Path) -> None:
    """Refuse a column that marks suspensions while dataset.censored_column is not set: every row
    is then read as a failure, and the MTBF and the fits are biased low without a word (a Weibull++
    State column with 8 S in machine A's 44 rows: MTBF 49.8 h for 2,190 / 36 = 60.8). Marks are a
    column of S/F (every row) with an S, or true / 1 in a column named as censored or suspended (a
    0/1 `status` or `event` column of a price or cost file may mean anything: left alone)."""
    for name in frame.columns:
        if name in skip or frame[name].n_unique() > len(CENSORED_SPELLINGS):  # more values than flag spellings: no flags
            continue
        flags, state = _flag_values(frame[name])
        if (state or _names(name, SUSPENSION_WORDS)) and not flags.null_count() and flags.any():
            first = int(flags.arg_true()[0])
            raise DataError(f"{path}: column '{name}' marks {int(flags.sum())} of {frame.height} rows as suspensions (first at "
                            f"row {first + 1}: {frame[name][first]!r}), but without dataset.censored_column every row is read as a "
                            f"failure; expected dataset.censored_column='{name}' (or a file without that column)")


def _censoring_flags(frame: pl.DataFrame, censored_column: str, path: Path) -> pl.Series:
    """``censored_column`` as booleans (True: right-censored), every row true/false, 1/0 or S/F.
    1/0 or true/false under a name for the event (`event`, `status`, `failed`) is refused: there 1
    is a failure (R's Surv, lifelines), and every failure was read as a suspension."""
    _check_columns(frame, path, [censored_column], "dataset.censored_column")
    flags, state = _flag_values(frame[censored_column])
    if not state and _names(censored_column, EVENT_WORDS) and not _names(censored_column, SUSPENSION_WORDS):
        raise DataError(f"{path}: column '{censored_column}' holds true/false or 1/0 under a name for the event, where 1 means a "
                        "failure (R's Surv status, lifelines' event_observed), but dataset.censored_column reads 1 as a suspension; "
                        "expected a column of S/F, or 1 for the suspensions under a name that says so (e.g. suspended)")
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


def row_period(path: Path, frequency: Optional[str], date_column: Optional[str], column: Optional[str] = None) -> str:
    """What one row of the series is: ``frequency`` as configured, else the most common step of the rows' dates,
    else "period" (the data does not say). The dates are ``date_column``'s, else (not named, or not in the file)
    those of the file's own date column other than ``column`` (found_dates), which read_series orders the rows
    by. Both given, they must agree: daily prices under dataset.frequency=month had their one-day VaR called the
    next month's."""
    if frequency is not None and frequency not in PERIODS:
        raise ConfigError(f"dataset.frequency: {frequency!r}; expected one of {', '.join(PERIODS)}")
    frame = read_file(path, "dataset")
    named = date_column
    date_column, dates = (date_column, _dates(frame, date_column, path)) if date_column in frame.columns else \
        found_dates(frame, (column,), path)
    if dates is None:
        if named is not None and frequency is None:  # a misspelt name, and nothing else to go by
            raise ConfigError(f"dataset.date_column: column {named!r} not in {path}, nor any other date column; expected "
                              "the name of the file's date column, or dataset.frequency")
        return frequency or "period"
    period = _period_of(dates)
    if frequency is not None:
        if period not in (None, frequency):
            raise ConfigError(f"dataset.frequency={frequency}: column {date_column!r} of {path} has one {period} per row, and the "
                              f"VaR / CVaR horizon is one row; expected dataset.frequency={period} (or null: the dates' own)")
        return frequency
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


# words of a column's name that only a date column's are (a `time` may count operating hours)
DATE_WORDS = ("date", "datetime", "timestamp", "day")


def found_dates(frame: pl.DataFrame, skip: tuple[Optional[str], ...], path: Path) -> tuple[Optional[str], Optional[pl.Series]]:
    """(name, dates) of the file's own date column, the first not in ``skip`` (features.series.first_dates),
    else (None, None). A column named as dates (DATE_WORDS) that holds a spreadsheet's day numbers is refused:
    read as no date column, a newest-first file's rows went unchecked, its log returns of the wrong sign."""
    from minectl.features.series import first_dates

    name, dates = first_dates(frame, skip, str(path))
    if name is None:
        serial = next((other for other in frame.columns if other not in skip and serial_day_hint(frame[other])
                       and any(word in DATE_WORDS for word in re.findall(r"[a-z]+", other.lower()))), None)
        if serial is not None:
            raise DataError(f"{path}: column {serial!r} holds numbers such as {frame[serial].drop_nulls()[0]!r}"
                            f"{serial_day_hint(frame[serial])}; expected dates (YYYY-MM-DD): the rows' order and period "
                            "are checked by them")
    return name, dates


def _dates(frame: pl.DataFrame, date_column: str, path: Path) -> pl.Series:
    """``date_column`` of ``frame``, text parsed as dates; text that reads as no date is refused
    (unparsed, a newest-first file's order could not be checked)."""
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
    shows); a column of whole years named as years (year_dates: 1 January of each); other columns as they are."""
    from minectl.features.series import calendar_dates, year_dates

    if column.dtype.is_integer():  # as numbers, a year left out went unseen and the period of a row unknown
        return year_dates(column, named=True)
    if column.dtype != pl.String:
        return column
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
            if period is not None:  # semi-monthly prices (the 1st and 15th: a step of no period) passed as months
                _check_one_per_period(dates, period, name, path)
            i = _first_left_out(dates, found)  # a month (a cobweb's year) left out: P_(t-2) was paired with Q_t
            if i is not None:
                known = dates.drop_nulls()
                raise DataError(f"{path}: column {name!r} goes from {known[i - 1]} to {known[i]}, leaving out a {found}; expected "
                                f"one row per {found}, none left out")


def _check_order(column: pl.Series, dates: pl.Series, rows: pl.Series, where: str,
                 hint: Optional[str] = None, grouped: bool = False, repeats: bool = False, named: bool = True) -> None:
    """Refuse a date not after the one before it: returns, differences and bootstrap blocks
    follow the file's order, so a reversed, shuffled or repeated row would change them silently.
    ``column``'s values are compared as moments (zoned times in UTC: a daylight-saving fall-back
    repeats an hour of wall time in order), named by ``dates``, their wall times (_parsed_dates).
    ``grouped``: the rows are one group's of dataset.group_by (not to be offered again); ``repeats``: a date
    may repeat (a column found, not named in dataset.date_column: events, several on one date, are read in file order);
    ``named``: the column is dataset.date_column (for the errors)."""
    from minectl.features.series import instants

    known = dates.is_not_null()
    dates, moments, rows = dates.filter(known), instants(column, dates).filter(known), rows.filter(known)
    steps = moments.to_physical().diff()
    not_after = ((steps < 0) if repeats else (steps <= 0)).fill_null(False)
    if not_after.any():
        i = int(not_after.arg_true()[0])
        if hint is None and steps[i] == 0:  # a repeat is no disorder: a duplicated row, or events (failures) sharing a date
            other = "" if grouped else ", or dataset.group_by for several series in one file"
            why = f"events such as failures, several on one date, are read in file order without dataset.date_column{other}" \
                if named else "keep one of the two rows"
            raise DataError(f"{where}: column '{dates.name}' at row {int(rows[i]) + 1} ({dates[i]}) is the same time as the row before "
                            f"({dates[i - 1]}); expected one row per time, as a return or difference between two would span no time "
                            f"({why})")
        if hint is None:  # the caller's own reason for the order comes first
            newest_first = moments.len() > 2 and (steps < 0).sum() == moments.len() - 1
            hint = "the newest first: reverse the rows" if newest_first else \
                "sort the rows of each series by date" if grouped else "several series in one file: dataset.group_by"
        raise DataError(f"{where}: column '{dates.name}' at row {int(rows[i]) + 1} ({dates[i]}) is not after the row before "
                        f"({dates[i - 1]}); expected rows in time order, one per date ({hint})")
