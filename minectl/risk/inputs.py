"""The daily frame of the risk task: the mine's cost accounts or a table file (in the order of its
declared time column, else of its rows), its indicators chosen and their missing values filled
by policy, the Layout that makes it model input, and labels."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from minectl.data.names import check_names
from minectl.data.sources import ServerRows
from minectl.errors import ConfigError, DataError, config_keys
from minectl.risk.labels import LabelRule, LevelCut, check_reached, column_labels, continuous_target, rule_labels
from minectl.risk.missing import MissingReport, apply_missing, policies_for
from minectl.risk.tables import check_exclude, empty_column, numeric_columns, one_hot, refuse_non_numbers, static_features
from minectl.risk.timeaxis import Frequency, TimeReport, order_by_time, yyyymmdd_days
from minectl.risk.workflow import Layout

LABEL = "risk_level"  # the label column added to the daily frame


@dataclass
class Source:
    """One input, read: rows per day (or step), its static columns and its time axis."""

    frame: pl.DataFrame
    static: list[str]
    series: str | None  # one series per value; None: the frame is one series
    time: str
    inputs: list[Path | ServerRows]  # files and server rows read, for provenance
    frequency: Frequency = Frequency(1, "d")  # one period of the time axis
    time_report: TimeReport | None = None  # a declared time column's order, gaps and steps
    table: bool = False  # a table file (its columns are checked as features), not the cost engine's accounts


def mine_source(data: dict, costs: dict) -> Source:
    """The cost engine's daily accounts of a mine dataset (``data``: load_mine's arguments,
    ``costs``: a cost mapping), joined with its labels table and static mine features."""
    from minectl.costing import CostMapping
    from minectl.costing.accounts import cost_accounts
    from minectl.data import load_mine

    mine = load_mine(**data)
    if mine.equipment is None:
        raise DataError("data has no 'equipment' table; the risk task needs it (docs/data-contract.md)")
    accounts = cost_accounts(
        CostMapping.from_dict(costs),
        production=mine.production, consumption_hourly=mine.consumption_hourly,
        consumption_daily=mine.consumption_daily, prices=mine.prices, equipment=mine.equipment,
        sensors=mine.sensors,
        intensities={name: tuple(pair) for name, pair in (costs.get("intensities") or {}).items()},
        change=["cost", "unit_cost", "kwh_per_t"], rolling=["cost", "unit_cost", "kwh_per_t"],
    )
    frame = accounts.daily
    if mine.labels is not None:
        frame = frame.join(mine.labels.collect(), on=["date", "mine_id"], how="left")
    statics = static_features(mine.mines.collect())
    static = [c for c in statics.columns if c != "mine_id"]
    return Source(frame.join(statics, on="mine_id", how="left"), static, "mine_id", "date", list(mine.inputs))


def table_source(path: str, categorical: list[str], static: list[str], time: str | None = None,
                 frequency: Frequency | None = None, shift_hours: float = 8.0, repeated: str = "refuse",
                 series: str | None = None, predicting: bool = False, labels: tuple[str, ...] = ()) -> Source:
    """A table file (.arff, .csv, .parquet): sorted by its ``time`` column (a timestamp, date or
    shift number; rows sharing a time refused, or merged: ``repeated``), else in row order with a `step` index as its time
    axis; ``frequency`` names one period (None: inferred from ``time``, else one row);
    ``categorical`` columns are one-hot encoded. ``series``: the column naming each series of
    the file (a machine, an engine, a well), each then ordered, windowed and filled on its own.
    ``predicting``: new rows for a saved run (`risk predict`), whose refusals name what predict takes. ``labels``: the
    columns of level codes, which rows sharing a time must agree on (order_by_time)."""
    from minectl.data.sources import is_csv, read_file, resolve_input

    path = resolve_input(path)
    frame = read_file(path, "risk input")
    if is_csv(path) and frame.width > 1 and pl.Series(frame.columns).cast(pl.Float64, strict=False).is_not_null().all():
        # a UCI .data file saved as csv: its first row was the header ('column 'class' not found (has 1.5, 2.25, 0)')
        raise DataError(f"{path}: the first line holds numbers ({', '.join(frame.columns[:4])}{', ...' if frame.width > 4 else ''}), "
                        "not column names: a file without a header line? expected the column names in its first line")
    if "" in frame.columns:  # read_file keeps one unnamed column of values; here it would be an indicator no key can name
        raise DataError(f"{path}: column {frame.columns.index('') + 1} has no name in the header but holds values; expected a name "
                        "for every column (each column is an indicator, or excluded by name in risk.features.exclude)")
    if series is not None:
        _check_series(frame, series, categorical, str(path))
    with config_keys({"columns": "categorical"}):
        frame, encoded = one_hot(frame, categorical, str(path))
    # a categorical static column (a machine's make): its one-hot columns are the static features (it was 'not found')
    static = [name for column in static
              for name in ([c for c in encoded if c.startswith(f"{column}=")] if column in categorical else [column])]
    for column in static:
        if column not in frame.columns:
            raise DataError(f"column {column!r} not found in {path}", param="static")
    if time is None:
        if "step" in frame.columns:  # replaced below by the row order: its values were lost as a feature, unsaid
            # predict takes no risk.time key: the run it scores for ordered its rows by the file
            fix = ("the column under another name (the run read its rows in file order, which the scores number as 'step')"
                   if predicting else "risk.time.column=step where it orders the rows, else the column under another name")
            raise DataError(f"{path}: column 'step' is the name of the row order added without risk.time.column; expected {fix}")
        step = pl.int_range(pl.len(), dtype=pl.Int64)
        frame = frame.with_columns((step.over(series) if series else step).alias("step"))
        return Source(frame, list(static), series, "step", [path], frequency or Frequency(1, "row", shift_hours), table=True)
    if series is None:
        frame, frequency, report = order_by_time(frame, time, frequency, shift_hours, str(path), repeated, predicting, labels)
        return Source(frame, list(static), None, time, [path], frequency, report, table=True)
    parts, reports = [], []
    for (name,), part in frame.group_by(series, maintain_order=True):  # the first series' frequency is every one's
        part, frequency, report = order_by_time(part, time, frequency, shift_hours, f"{path}: {series}={name}", repeated,
                                              predicting, labels)
        parts.append(part)
        reports.append(report)
    report = TimeReport(*(sum(getattr(r, f) for r in reports) for f in ("reordered", "gaps", "irregular")),
                        max(r.largest_step for r in reports), sum(r.merged for r in reports))
    return Source(pl.concat(parts), list(static), series, time, [path], frequency, report, table=True)


def _check_series(frame: pl.DataFrame, series: str, categorical: list[str], where: str) -> None:
    """The series column of a table: there, a value in every row, ids that would not print alike."""
    with config_keys({"series": "risk.input.series"}):
        if series not in frame.columns:
            raise ConfigError(f"column {series!r} not found in {where} (has {', '.join(frame.columns)})", param="series")
        if series in categorical:
            raise ConfigError(f"{series!r} is also in risk.input.categorical; expected the series column in one of them",
                              param="series")
    values = frame[series]
    if values.null_count():
        raise DataError(f"{where}: series column {series!r} has {values.null_count()} empty values; expected a series id in "
                        "every row")
    if values.dtype == pl.String:
        check_names(values.unique(), f"{series} value", where)


def daily_frame(
    source: Source, window: int, n_levels: int, dynamic: list[str], exclude: list[str], reserved: list[str],
) -> tuple[pl.DataFrame, Layout]:
    """(frame, Layout): the ``dynamic`` indicators (empty: every numeric column matching no
    ``exclude`` pattern and not ``reserved``) and static columns, carried forward along time."""
    frame, layout, _ = prepared_frame(source, window, n_levels, dynamic, exclude, reserved)
    return frame, layout


def prepared_frame(
    source: Source, window: int, n_levels: int, dynamic: list[str], exclude: list[str], reserved: list[str],
    missing: str = "ffill", missing_columns: dict[str, str] | None = None, limit: int | None = None, cases: bool = False,
) -> tuple[pl.DataFrame, Layout, MissingReport]:
    """daily_frame with an explicit missing-value policy (``missing`` for every column, or its
    entry in ``missing_columns``; ffill/interpolate within ``limit`` periods; see
    minectl.risk.missing) and the count of values it filled per column. ``cases``: a case table
    (risk.split=cv), which takes no time column, so its refusals offer none."""
    frame, static, series, time = source.frame, source.static, source.series, source.time
    where = str(source.inputs[0]) if source.table else "risk input (the daily accounts)"
    _refuse_named_keys(dynamic, static, reserved, time, series)
    if dynamic:
        absent = [c for c in dynamic if c not in frame.columns]
        if absent:
            raise ConfigError(f"column {absent[0]!r} is not in the daily table", param="dynamic")
        if source.table:  # a named column of words read below as 'no value in any row' (one of '1.5', 'ok': a cast error)
            named = [c for c in dynamic + static if frame[c].cast(pl.Float64, strict=False).null_count() > frame[c].null_count()]
            refuse_non_numbers(frame.select(named), [], set(), where, cases)
    else:
        taken = {*reserved, LABEL, time, *static} | ({series} if series else set())
        if source.table:  # a mine's daily accounts are numbers, and text there is no indicator
            check_exclude(frame.columns, exclude)
            refuse_non_numbers(frame, exclude, taken, where, cases)
        dynamic = [c for c in numeric_columns(frame, exclude) if c not in taken]
        if source.table:
            _refuse_ids(frame, dynamic, where, cases, series)
    if source.table and series is None and source.time_report is None and not cases:  # rows in file order, one series
        _refuse_stacked_series(frame.drop(time, *reserved, strict=False), dynamic + static, where)
    if not dynamic:
        raise ConfigError("no dynamic indicator left; expected numeric columns in the daily table", param=("dynamic", "exclude"))
    for column in dynamic + static:  # every row (or all but one's) would be dropped as missing, and the error would be about labels
        values = frame.height - frame[column].cast(pl.Float64, strict=False).fill_nan(None).null_count()
        if values < min(2, frame.height):
            raise empty_column(where, column, frame.height if values else 0)
    with config_keys({"missing": "risk.missing"}):
        unknown = sorted(set(missing_columns or {}) - set(dynamic + static))
        if unknown:
            raise ConfigError(f"columns.{unknown[0]}: not a feature; expected one of {', '.join(dynamic + static)}", param="missing")
        policies = policies_for(dynamic + static, missing, dict(missing_columns or {}))
    frame, report, medians = apply_missing(frame, policies, limit, series)
    if frame.height == 0:
        raise DataError(f"{where}: every row still has an empty feature value after risk.missing "
                        f"({report.dropped_rows} rows dropped); expected rows with values (another policy, or risk.features.exclude)")
    return frame, Layout(dynamic, static, window, n_levels, LABEL, series, time, tuple(medians)), report


def _refuse_named_keys(dynamic: list[str], static: list[str], reserved: list[str], time: str, series: str | None) -> None:
    """A feature named in risk.features.dynamic or risk.input.static that is the label's column (or one it is made
    of), the time column or the series column: the model would read the label at t, or the row order. Left out
    when the features are chosen for the user; named ones were taken as they were."""
    roles = {time: "the time column (risk.time.column)", **({series: "the series column (risk.input.series)"} if series else {}),
             **{column: "what the label is made of (risk.labels.column/sources)" for column in reserved}}
    for param, columns in (("dynamic", dynamic), ("static", static)):
        taken = next((c for c in columns if c in roles), None)
        if taken is not None:
            raise ConfigError(f"{taken!r} is {roles[taken]}; expected feature columns other than the label's, the time and "
                              "the series columns", param=param)


def _refuse_ids(frame: pl.DataFrame, columns: list[str], where: str, cases: bool, series: str | None = None) -> None:
    """A column that numbers the rows (integers in one step from any start: an id, a record number,
    an index pandas wrote, an hour counter, hourly epoch seconds; or days written as numbers, 20240131,
    in order) is no measurement, and as an indicator it would hand the models the time order. Numbers
    given in another order (sample ids of shuffled rows) are ids all the same: each integer of a range
    exactly once, in a table long enough that measured integers (counts, levels) repeat. So are integer
    columns named as ids (machine_id: codes, not amounts). In a file of several ``series`` (engines), steps and order
    are each series' own: a cycle counter 1, 2, 3 restarting at each engine numbers its rows all the same."""
    expected = "expected measurements as indicators: the column in risk.features.exclude"
    for column in columns:
        as_time = "" if cases else f", or risk.time.column={column}"  # risk.split=cv refuses a time column
        values = _whole_numbers(frame[column])
        if values is None:
            continue
        if frame.height >= 3 and not values.null_count():
            diffs = (values.diff() if series is None else pl.DataFrame({"v": values, "s": frame[series]})
                     .select(pl.col("v").diff().over("s")).to_series()).drop_nulls()
            steps = diffs.unique()
            if steps.len() == 1 and steps[0] != 0:  # 1, 2, 3 or 1000, 1010, 1020 or hourly epoch seconds: the row order
                step = ("" if series is None else f" of each {series}") + ("" if steps[0] == 1 else f" in steps of {steps[0]}")
                what = "an id or index?" if steps[0] == 1 else "a time as a number, an id or index?"
                raise DataError(f"{where}: column {column!r} numbers the rows{step} ({values[0]}..{values[-1]}: {what}); "
                                f"{expected}{as_time}")
            in_order = values.n_unique() > 1 and (diffs >= 0).all()
            if in_order and yyyymmdd_days(values) is not None:  # 20240131, 20240201: days in order
                raise DataError(f"{where}: column {column!r} holds days written as numbers, in order ({values[0]}..{values[-1]}: a "
                                f"date?); {expected}{as_time}")
            low, high = values.min(), values.max()
            if in_order and _DATE_NAME.search(column) and _EXCEL_DAYS[0] <= low and high <= _EXCEL_DAYS[1]:  # 45000: 13 Mar 2023
                raise DataError(f"{where}: column {column!r} is named as a date and holds whole numbers in order ({values[0]}.."
                                f"{values[-1]}: Excel's serial dates?); {expected}{as_time}")
            if frame.height >= _SHUFFLED_IDS_MIN_ROWS and high - low + 1 == frame.height and values.n_unique() == frame.height:
                raise DataError(f"{where}: column {column!r} holds each integer of {low}..{high} once, out of order (ids of "
                                f"shuffled rows?); {expected}")
        given = values.drop_nulls()
        if _INDEX_NAME.fullmatch(column) and given.len() >= _SHUFFLED_IDS_MIN_ROWS and given.n_unique() == given.len():
            # pandas' index of a filtered or sorted frame: row numbers with gaps or out of order, which the checks above miss
            raise DataError(f"{where}: column {column!r} holds a different integer in each row ({given[0]}, {given[1]}, ...: the "
                            f"index pandas writes?); {expected}")
        if _ID_NAME.search(column):  # machine 3 is not thrice machine 1
            raise DataError(f"{where}: column {column!r} holds integer codes named as an id; {expected}, or in "
                            "risk.input.categorical (one indicator per code)")


def _refuse_stacked_series(frame: pl.DataFrame, features: list[str], where: str) -> None:
    """Several series one after another in a file read as one (C-MAPSS: engine `unit` 1, 1, ..., 2, 2, ..., its `cycle`
    1..n restarting at 1 for each): a whole-number counter going up by 1 and dropping back to its first value, where
    another whole-number column changes and nowhere else. Read as one series, the windows run across two engines and
    the engine number is an indicator, with exit 0. One counter alone (an hour of the day, 0..23 again) is no proof;
    neither column among the ``features`` (both excluded) is the user's word that the rows are one series."""
    columns = {c: v for c in frame.columns if (v := _whole_numbers(frame[c])) is not None and not v.null_count()}
    for counter, values in columns.items():
        steps = values.diff().drop_nulls()
        resets = (steps != 1).arg_true()
        if resets.len() == 0 or values.max() - values[0] < 2 or (values.gather(resets + 1) != values[0]).any():
            continue
        for column, other in columns.items():
            changes = (other.diff().drop_nulls() != 0).arg_true()
            if (column != counter and {column, counter} & set(features) and changes.len() == resets.len()
                    and (changes == resets).all()):
                raise DataError(f"{where}: column {counter!r} counts {values[0]}, {values[1]}, ... again from {values[0]} at each "
                                f"new {column!r} ({resets.len() + 1} {column} values: series one after another?); expected "
                                f"risk.input.series={column} risk.time.column={counter}, or both in risk.features.exclude if "
                                "the rows are one series (else its windows run from one series into the next)")


def _whole_numbers(values: pl.Series) -> pl.Series | None:
    """An integer column as it is, a float one holding whole numbers only as integers (ids as a pandas
    export with an empty cell writes them, or a csv's 1.0, 2.0: before, such row numbers were an indicator), else None."""
    if values.dtype.is_integer():
        return values
    given = values.drop_nulls()
    if values.dtype.is_float() and given.len() and bool((given.is_finite() & (given == given.round(0)) & (given.abs() <= 2**53)).all()):
        return values.cast(pl.Int64)
    return None


# the names pandas gives its index when it writes one: to_csv ('Unnamed: 0' read back), reset_index ('index', 'level_0')
_INDEX_NAME = re.compile(r"Unnamed: \d+|index|level_0")
# id, ID, machine_id, machine id, machine-id, machineId, MachineID (not grid, valid, paid)
_ID_NAME = re.compile(r"(?:^|[_\s-])(?:id|ID|Id)$|[a-z](?:Id|ID)$")
# a spreadsheet's date cell saved as a number (Excel and LibreOffice count days from 1900): 1970..2099
_EXCEL_DAYS = (25_569, 73_050)
_DATE_NAME = re.compile(r"(?i)(?:^|[_\s-])(?:date|day|datum|fecha)(?:$|[_\s-])")
_SHUFFLED_IDS_MIN_ROWS = 20  # 3 distinct counts in 3 rows are common; 20 distinct of a 20-wide range are an id


def with_column_labels(frame: pl.DataFrame, layout: Layout, column: str, names: list[str] = ()) -> pl.DataFrame:
    """The label column read from the data's ``column`` (levels 0..n_levels-1, or text ``names`` from low to high)."""
    return frame.with_columns(pl.Series(layout.label, column_labels(frame, column, layout.n_levels, names)))


def with_continuous_labels(frame: pl.DataFrame, layout: Layout, column: str, cut: LevelCut) -> tuple[pl.DataFrame, Layout]:
    """The label column holds ``column``'s values; ``cut`` turns them into levels after the split."""
    values = continuous_target(frame, column)
    if cut.cuts:
        check_reached(values, cut.cuts, column)
    return frame.with_columns(pl.Series(layout.label, values)), replace(layout, label_cut=cut)


def with_rule_labels(
    frame: pl.DataFrame, layout: Layout, rules: list[LabelRule], baseline_days: int, medium_score: int,
    high_score: int,
) -> pl.DataFrame:
    """The label column from summed rule points, per series in time order (rows come back so)."""
    parts = frame.partition_by(layout.series, maintain_order=True) if layout.series else [frame]
    labelled = []
    for part in parts:
        part = part.sort(layout.time)
        levels = rule_labels(part, rules, baseline_days, medium_score, high_score)
        labelled.append(part.with_columns(pl.Series(layout.label, levels)))
    return pl.concat(labelled)
