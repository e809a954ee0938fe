"""The canonical tables of docs/data-contract.md and their validation.

Validation casts each column to its canonical type and checks keys, ordering, gaps, signs,
ranges and finite values (no inf / NaN, no sum that overflows): a series table in one
streaming pass over its batches (a folder of part files: part by part, memory flat), small
tables with a few aggregate queries; an exact per-series pass names the first fault of a key
error. It also counts each table's rows per mine for the joins between tables
(minectl.data.load_mine).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from minectl.data.names import alike_in, check_names, shown
from minectl.data.views import arrow_table, buffer, key_period, string_views
from minectl.errors import DataError


@dataclass(frozen=True)
class TableSpec:
    columns: dict[str, pl.DataType]  # required columns and their canonical types
    key: tuple[str, ...]
    time: str | None = None  # time column of the key, if the table is a series
    step: str | None = None  # "1d" or "1h": rows must be gapless at this step per series
    nonnegative: tuple[str, ...] = ()
    ranges: dict[str, tuple[float, float, str]] = field(default_factory=dict)  # column -> (low, high, what it is)
    required: tuple[str, ...] = ()  # value columns without nulls (key columns never have any)
    # Key columns a source may add, e.g. several meters of one activity and resource.
    optional_key: dict[str, pl.DataType] = field(default_factory=dict)


_DAY, _HOUR = "1d", "1h"
DATE, STAMP, STR, F64, I64, BOOL = pl.Date, pl.Datetime("us"), pl.String, pl.Float64, pl.Int64, pl.Boolean
_CONSUMPTION = {"mine_id": STR, "activity": STR, "resource": STR, "quantity": F64}
_MEASURES = ("ore_t", "quantity")  # what a production or consumption table is of: a column of them without any value is refused

TABLES: dict[str, TableSpec] = {
    "production": TableSpec(
        {"date": DATE, "mine_id": STR, "ore_t": F64, "drilled_m": F64, "haul_km": F64},
        key=("mine_id", "date"), time="date", step=_DAY, nonnegative=("ore_t", "drilled_m", "haul_km"),
    ),
    "consumption_hourly": TableSpec(
        {"timestamp": STAMP, **_CONSUMPTION},
        key=("mine_id", "activity", "resource", "timestamp"), time="timestamp", step=_HOUR,
        nonnegative=("quantity",), optional_key={"meter_id": STR},
    ),
    "consumption_daily": TableSpec(
        {"date": DATE, **_CONSUMPTION},
        key=("mine_id", "activity", "resource", "date"), time="date", step=_DAY, nonnegative=("quantity",),
    ),
    "prices": TableSpec(
        {"resource": STR, "valid_from": DATE, "price": F64},
        key=("resource", "valid_from"), nonnegative=("price",), required=("price",),
    ),
    "equipment": TableSpec(
        {"date": DATE, "mine_id": STR, "operating_h": F64, "downtime_h": F64, "failures": I64, "maintenance": BOOL},
        key=("mine_id", "date"), time="date", step=_DAY, nonnegative=("operating_h", "downtime_h", "failures"),
    ),
    "sensors": TableSpec({"timestamp": STAMP, "mine_id": STR}, key=("mine_id", "timestamp"), time="timestamp", step=_HOUR),
    "mines": TableSpec(
        {"mine_id": STR, "mining_method": STR, "equipment_grade": I64, "haul_distance_km": F64,
         "rock_hardness_f": F64, "outsourcing_share": F64},
        key=("mine_id",), nonnegative=("haul_distance_km", "rock_hardness_f"),
        ranges={"outsourcing_share": (0, 1, "a share"), "equipment_grade": (1, 3, "a grade")},
    ),
    "labels": TableSpec({"date": DATE, "mine_id": STR, "risk": I64}, key=("mine_id", "date"), time="date", step=_DAY),
}
REQUIRED_TABLES = ("production", "mines")

# Extra text columns that state a table's unit (a consumption table's quantity unit, kWh; the
# prices table's price unit, CNY/kWh) or currency, named in any case: the contract keeps them,
# and the cost task checks them per resource against the cost mapping (CostMapping.check_units).
UNIT_COLUMNS = ("unit", "units", "uom", "unit_of_measure")
CURRENCY_COLUMNS = ("currency",)


def named_columns(schema: pl.Schema, names: tuple[str, ...]) -> list[str]:
    """The columns of ``schema`` named as one of ``names`` (any case, spaces around: `Valid_To`, ` mine_id`)."""
    return [c for c in schema.names() if c.strip().casefold() in names]


def label_columns(schema: pl.Schema, names: tuple[str, ...]) -> list[str]:
    """The text columns of ``schema`` named as one of ``names`` (named_columns): a number column
    called ``units`` counts items, it states no unit."""
    text = (pl.String, pl.Categorical, pl.Enum)
    return [c for c in named_columns(schema, names) if isinstance(schema[c], text)]


# the zones named first where a local time is skipped or repeated as clocks change for daylight saving
_CLOCK_ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
                "Australia/Sydney", "America/Santiago", "Pacific/Auckland")
ONE_CLOCK = "expected times on one clock the year round (UTC, or the mine's standard time)"


def _clock_change(wall: dt.datetime) -> str | None:
    """Whether the naive local time ``wall`` is in an hour that clocks skip going forward for daylight saving,
    or repeat going back, in some zone: '2021-03-28 02:00 is the hour that clocks skip ... in zones such as
    Europe/Berlin'; None where no zone changes its clocks over it. Error path only (it looks through the zones)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    others = sorted(n for n in available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/")))
    for name in (*_CLOCK_ZONES, *others):
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):  # no time zone data on this machine
            return None
        earlier, later = wall.replace(tzinfo=zone), wall.replace(tzinfo=zone, fold=1)
        if earlier.utcoffset() != later.utcoffset():  # skipped (no such wall time) or repeated (two)
            skipped = earlier.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None) != wall
            change = "skip as they go forward" if skipped else "repeat as they go back"
            return f"{wall:%Y-%m-%d %H:%M} is the hour that clocks {change} for daylight saving in zones such as {name}"
    return None


def _first(frame: pl.DataFrame, columns: tuple[str, ...]) -> str:
    row = frame.row(0, named=True)
    return ", ".join(f"{c}={row[c]}" for c in columns)


def validate(name: str, frame: pl.LazyFrame, source: str) -> pl.LazyFrame:
    """Cast `frame` to table `name` of the contract; raise DataError naming what is wrong."""
    return validate_table(name, frame, source)[0]


def validate_table(name: str, frame: pl.LazyFrame, source: str) -> tuple[pl.LazyFrame, pl.DataFrame | None]:
    """`validate`, and the table's rows and days per mine_id (``_per_mine``: None without a
    mine_id key), from the key pass, for the joins between tables (no second read)."""
    spec = TABLES[name]
    schema = frame.collect_schema()
    extra_key = {c: t for c, t in spec.optional_key.items() if c in schema}
    if extra_key:
        spec = replace(spec, columns={**spec.columns, **extra_key}, key=(*spec.key[:-1], *extra_key, spec.key[-1]))
    check_names(schema, "column name", f"{source}: table '{name}'")
    for column, dtype in schema.items():  # a parquet decimal256, even a column no stage reads: polars panics on its values
        if dtype.is_decimal() and (dtype.precision or 0) > 38:
            raise DataError(f"{source}: column '{column}' of table '{name}' holds {dtype} values, beyond the 38 digits polars "
                            "reads; expected DOUBLE or DECIMAL of at most 38 digits (or the table without the column)")
    for column, dtype in spec.columns.items():
        if column not in schema:
            alike = alike_in(column, schema)
            hint = f" (it has {shown(alike)})" if alike is not None else ""
            raise DataError(f"{source}: table '{name}' has no column '{column}'{hint}; expected {dtype} "
                            f"(columns: {', '.join(schema)})")
        twin = alike_in(column, schema)
        if twin is not None:  # ore_t and Ore_t: the one named exactly was read, the other left out unsaid
            raise DataError(f"{source}: table '{name}' has columns '{column}' and {shown(twin)}, alike but for case or spacing: "
                            f"which is the {column}? expected one such column (drop or rename the other)")
    targets = dict(spec.columns)
    if name == "sensors":  # every extra sensor column is a float reading
        targets |= {c: F64 for c in schema if c not in spec.columns}
    zoned = [c for c, dtype in targets.items() if dtype.is_temporal() and getattr(schema[c], "time_zone", None)]
    for column in zoned:
        _refuse_clock_change(frame, name, column, schema[column], targets[column], source)
    if zoned:  # their wall time in their zone (a cast to naive times would give UTC, moving the local day or hour)
        frame = frame.with_columns(pl.col(zoned).dt.replace_time_zone(None))
        schema = frame.collect_schema()
    casts = []
    for column, dtype in targets.items():
        if schema[column] == dtype:
            continue
        _check_cast(frame, name, column, schema[column], dtype, source)
        casts.append(_cast(column, schema[column], dtype))
    if casts:
        uncast, frame = frame, frame.with_columns(casts)
        for expr in casts:
            column = expr.meta.output_name()
            # integers and decimals as floats: a cast that cannot fail; the pass checks that it rounds nothing instead
            if (schema[column] in (pl.Int64, pl.UInt64) or schema[column].is_decimal()) and targets[column] == F64:
                _check_exact_as_float(uncast, name, column, source)
                continue
            try:
                frame.select(column).collect()
            except pl.exceptions.PolarsError as exc:
                refuse_unclosed_quote(exc, f"{source}: table '{name}'")
                expected = spec.columns.get(column, F64)
                # a historian's long table (timestamp, tag, value): its tag column is text where a sensor's readings are due
                long = (": a sensors table has a column of readings per sensor (a historian's long table of name and value "
                        "columns: pivot it to a column per name)") if column not in spec.columns else ""
                raise DataError(
                    f"{source}: column '{column}' of table '{name}' has values that are not {expected} (found {schema[column]}"
                    f"{_first_unread(uncast, column, expected)}); expected {_EXPECTED_FORMS.get(expected, f'{expected} values')}{long}"
                ) from None
    numbers = [c for c, t in frame.collect_schema().items() if t == F64]  # quantities, prices, outputs, readings
    checks = [pl.len().alias("rows")]
    checks += [(pl.col(c) < 0).sum().alias(f"neg:{c}") for c in spec.nonnegative]
    checks += [(~pl.col(c).is_between(low, high)).sum().alias(f"range:{c}") for c, (low, high, _) in spec.ranges.items()]
    checks += [(~pl.col(c).is_finite()).sum().alias(f"inf:{c}") for c in numbers]  # nulls (missing) are not counted
    checks += [pl.col(c).sum().alias(f"sum:{c}") for c in numbers]  # finite values whose sum overflows
    # key columns: in the key pass; a table's measure without any value (an export's empty column, a csv's text of
    # no value cast to numbers, a database's NULLs): every day "without output" or each hour interpolated, unsaid.
    # Not the other columns: a mine that records no drilling leaves drilled_m empty (the taconite example's)
    measured = [c for c in _MEASURES if c in spec.columns]
    if name == "sensors":  # a sensor column of no value (an export of a tag offline all along): daily means of nothing
        measured += [c for c in numbers if c not in spec.columns]
    checks += [pl.col(c).null_count().alias(f"null:{c}") for c in dict.fromkeys([*spec.required, *measured])]
    if spec.time is None or spec.step is None:  # small tables (mines, prices)
        stats, keys = frame.select(checks).collect(), None
    else:  # series tables: the value and key checks share one streaming pass
        stats, keys = _one_pass(frame, checks, spec)
    rows = stats["rows"][0]
    if rows == 0:
        raise DataError(f"{source}: table '{name}' is empty; expected at least one row")
    for column in spec.required:
        _no_nulls(name, source, column, stats[f"null:{column}"][0], rows)
    for column in measured:
        if stats[f"null:{column}"][0] == rows:
            raise DataError(f"{source}: column '{column}' of table '{name}' has no value in any of its {rows} rows; expected "
                            f"{spec.columns.get(column, F64)} values")
    for column in numbers:
        check_finite(frame, column, stats[f"inf:{column}"][0], stats[f"sum:{column}"][0], source, f" of table '{name}'")
    for column in spec.nonnegative:
        if stats[f"neg:{column}"][0]:
            bad = frame.filter(pl.col(column) < 0).head(1).collect()
            raise DataError(
                f"{source}: table '{name}' has a negative {column} ({bad[column][0]}) at {_first(bad, spec.key)}; expected >= 0"
            )
    for column, (low, high, what) in spec.ranges.items():
        if stats[f"range:{column}"][0]:
            bad = frame.filter(~pl.col(column).is_between(low, high)).head(1).collect()
            raise DataError(
                f"{source}: table '{name}' has {stats[f'range:{column}'][0]} {column} values outside [{low}, {high}] (first "
                f"{bad[column][0]} at {_first(bad, spec.key)}); expected {what} in [{low}, {high}]"
            )
    if keys is None or (series := _keys_in_order(keys, spec)) is None:
        series = _check_keys(name, spec, frame, source)  # small tables, and the exact messages of a key error
    for column in (c for c in spec.key if spec.columns[c] == STR):  # ids, per distinct value (one row per series)
        check_names(series[column], column, f"{source}: table '{name}'")
    return frame, _per_mine(series, spec)


# true/false as text, in any case; t/f as PostgreSQL's COPY, psql and pg_dump write a boolean
_FLAGS = {"true": True, "false": False, "t": True, "f": False, "1": True, "0": False}


def float32_by_text(column: str) -> pl.Expr:
    """A float32 column (REAL) as Float64 by its shortest decimal (5.1), as every csv export of it writes it, not its
    widened binary (5.0999999: the same table cost otherwise by source); for a table's column and a folder's part alike."""
    return pl.col(column).cast(STR).cast(F64)


def _cast(column: str, found: pl.DataType, dtype: pl.DataType, strict: bool = True) -> pl.Expr:
    """``column`` stored as ``found`` read as ``dtype`` (not ``strict``: a value it cannot read as null): whole-number
    float ids (a pandas export of ids with gaps) as the integer's text, 1000 not 1000.0; 32-bit floats by their text (the
    widened binary differed from a csv of the same table in the 8th digit); and true/false stored as text
    (a database's text column, pandas' strings 'True'), which polars casts to no Boolean."""
    if dtype == BOOL and found == STR:
        flags = pl.col(column).str.strip_chars().str.to_lowercase()
        return flags.replace_strict(_FLAGS, return_dtype=BOOL, **({} if strict else {"default": None}))
    if dtype == F64 and found == pl.Float32:
        return float32_by_text(column)
    via = I64 if dtype == STR and (found.is_float() or found.is_decimal()) else dtype
    return pl.col(column).cast(via, strict=strict).cast(dtype)


# how a value of each type is written in a csv, for the line that names one written otherwise (Y/N in
# `maintenance`, (1,200) or 1200- in a quantity)
_EXPECTED_FORMS = {pl.Boolean: "true/false or 1/0 (not Y/N or yes/no)", pl.Float64: "plain numbers (-1200, 1234.5)"}


def _check_cast(frame: pl.LazyFrame, name: str, column: str, found: pl.DataType, dtype: pl.DataType, source: str) -> None:
    """Refuse the casts that polars makes without a word but that change the values: numbers as
    dates (an Excel serial day 45322 would be read as days since 1970), fractions as counts or ids
    (1.5 failures -> 1), true/false or dates as numbers (1/0, days since 1970), numbers other than 0
    and 1 as true/false, and a column without any value (type Null: every cast of it passes, as nulls).
    Zoned times come here as their wall time (validate_table; _refuse_clock_change)."""
    if found == pl.Null:
        raise DataError(f"{source}: column '{column}' of table '{name}' has no value in any row (type Null); expected {dtype} values")
    if found.is_nested():  # a list, array or struct: polars casts some to a number or sums them, naming no column
        raise DataError(f"{source}: column '{column}' of table '{name}' holds nested values ({found}); expected {dtype} values")
    if found == pl.Boolean and dtype != pl.Boolean:
        raise DataError(f"{source}: column '{column}' of table '{name}' holds true/false values (Boolean); expected {dtype} values")
    if dtype.is_numeric() and found.is_temporal():  # a date would pass as its days since 1970
        raise DataError(f"{source}: column '{column}' of table '{name}' holds dates or times ({found}), not numbers; "
                        f"expected {dtype} values")
    if dtype == pl.Boolean and found.is_numeric():
        flags = (pl.col(column) == 0) | (pl.col(column) == 1) | pl.col(column).is_null()
        others = frame.select((~flags).sum()).collect().item()
        if others:
            bad = frame.filter(~flags).select(column).head(1).collect().item()
            raise DataError(f"{source}: column '{column}' of table '{name}' has {others} values other than 0 and 1 (first {bad}); "
                            "expected true/false (or 1/0)")
    if dtype.is_temporal() and found == pl.String:  # polars casts no text to dates: say what to do, and what the text is
        given = pl.col(column).is_not_null()
        first = frame.select(pl.col(column).filter(given).first()).collect().item()
        if first is None:  # a csv of a header alone, or an empty column: text to polars, no value to name
            rows = frame.select(pl.len()).collect().item()
            raise DataError(f"{source}: table '{name}' is empty; expected at least one row" if not rows else
                            f"{source}: column '{column}' of table '{name}' has no value in any of its {rows} rows; "
                            f"expected {dtype} values")
        raise DataError(f"{source}: column '{column}' of table '{name}' holds text (String), not dates; expected {dtype} values "
                        f"(store them as a date type, e.g. CAST({column} AS {'DATE' if dtype == DATE else 'TIMESTAMP'}) in a "
                        f"query; a kind: csv source parses date text such as 2024-01-31, 31.01.2024 or 1/31/2024: this one has "
                        f"{_other_form(frame, column, first) or f'{first!r} at row {_first_row(frame, given)}'})")
    if dtype == STAMP and found == DATE:  # every day at midnight: refused as 23 missing hours a day
        raise DataError(f"{source}: column '{column}' of table '{name}' holds days (Date), not hours; expected hourly times "
                        "(Datetime) in an hourly table (booked daily records go in consumption_daily)")
    if dtype.is_temporal() and found.is_numeric():
        raise DataError(f"{source}: column '{column}' of table '{name}' holds numbers ({found}), not dates; "
                        f"expected {dtype} values (e.g. 2024-01-31; Excel serial days and epoch counts are ambiguous)")
    if dtype == DATE and isinstance(found, pl.Datetime):  # the cast drops a time of day: 16:00 UTC of a Shanghai day is the day before
        timed = pl.col(column) != pl.col(column).dt.truncate("1d")
        count = frame.select(timed.sum()).collect().item()
        if count:
            bad = frame.filter(timed).select(column).head(1).collect().item()
            raise DataError(f"{source}: column '{column}' of table '{name}' has {count} times other than midnight (first {bad}); expected "
                            "days (Date, or times at 00:00: a time converted from another zone falls on another day)")
    if (dtype.is_integer() or dtype == STR) and (found.is_float() or found.is_decimal()):  # counts, ids stored as floats or DECIMAL
        fractional = frame.select((pl.col(column) != pl.col(column).round()).sum()).collect().item()
        if fractional:
            bad = frame.filter(pl.col(column) != pl.col(column).round()).select(column).head(1).collect().item()
            expected = "whole-number or text ids" if dtype == STR else f"{dtype} counts"
            raise DataError(f"{source}: column '{column}' of table '{name}' has {fractional} values that are not whole numbers "
                            f"(first {bad}); expected {expected}")
        # Excel's General format writes an id of 12 digits and more as 1.23457E+11: its other digits are gone
        if dtype == STR and found.is_float():
            big = frame.select(pl.col(column).abs().max()).collect().item()
            if big is not None and big >= 1e11:
                raise DataError(f"{source}: column '{column}' of table '{name}' holds ids as numbers as large as {big:.6g} (a "
                                "spreadsheet's scientific format, 1.23457E+11, keeps 6 of an id's digits); expected the ids as "
                                "text (format the column as text before saving)")


def _refuse_clock_change(frame: pl.LazyFrame, name: str, column: str, found: pl.Datetime, dtype: pl.DataType, source: str) -> None:
    """Refuse hourly times with a zone (``found``) whose UTC offset changes within the table (daylight saving): at
    their wall time an hour repeats in autumn and one is missing in spring, and in UTC the days start at another
    hour than the other tables' local days. Times in a zone of one offset over the table (UTC, Asia/Shanghai,
    +08:00) are read at their wall time; so are days (Date) in any zone: a local midnight is its day."""
    if dtype != STAMP:
        return
    offset = pl.col(column).dt.replace_time_zone(None) - pl.col(column).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    changed = frame.filter(offset != offset.drop_nulls().first()).select(pl.col(column), offset.alias("offset")).head(1).collect()
    if changed.height:
        usual = frame.select(offset.drop_nulls().first()).collect().item()
        raise DataError(f"{source}: column '{column}' of table '{name}' holds times in {found.time_zone}, whose offset from UTC changes "
                        f"within the table (daylight saving: {_utc_offset(usual)} at first, {_utc_offset(changed['offset'][0])} at "
                        f"{changed[column][0]:%Y-%m-%d %H:%M}); {ONE_CLOCK}: convert them to UTC or to the zone's standard time "
                        "before the read")


def _utc_offset(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    return f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _other_form(frame: pl.LazyFrame, column: str, first: str) -> str | None:
    """Where a text column's ``first`` value reads as a date or time and another does not: that
    value, its row and the first's (error path only). A csv reader reads a column in one form, so
    one value in another (a time with an offset or a Z among naive ones, 24:00) leaves the whole column
    text, and the first value, a good one, named nothing. Read as times, then as days: a time
    reader reads a day too (2024-06-01 00:00:00 among days is found as a day's form only)."""
    odd, unread = None, pl.lit(False)
    for read in (pl.col(column).str.to_datetime(strict=False), pl.col(column).str.to_date(strict=False)):  # the first value's form
        try:
            if frame.select(read.first()).collect().item() is None:
                continue
            unread = pl.col(column).is_not_null() & read.is_null()
            odd = frame.select(pl.col(column).filter(unread).first()).collect().item()
        except pl.exceptions.PolarsError:  # no date form polars knows
            continue
        if odd is not None:
            break
    return None if odd is None else (f"{odd!r} at row {_first_row(frame, unread)}, in another form than {first!r} at row "
                                     f"{_first_row(frame, pl.col(column).is_not_null())} (a zone or offset among naive times, an "
                                     "hour 24:00 of a stamp at the hour's end, or two forms of date in one column)")


def refuse_unclosed_quote(exc: pl.exceptions.PolarsError, where: str) -> None:
    """Refuse, naming the value, a csv whose polars error ``exc`` is a quote never closed in a row: a field
    to the file's end, which was said as some column's values "not Float64 (found String)" or as
    "unreadable as csv (could not parse `"2)"."""
    field = re.search(r"Field `([^\n`]*)", str(exc)) if "is not properly escaped" in str(exc) else None
    if field:
        raise DataError(f"{where}: a value has a quote that is never closed ({field.group(1)[:40]!r}): the rest of the file reads "
                        "as that value; expected quotes in pairs around a value (a quote inside one doubled)")


def _check_exact_as_float(frame: pl.LazyFrame, name: str, column: str, source: str) -> None:
    """A float holds every integer up to 2^53 only: an integer column's values beyond it would be rounded by its cast."""
    beyond = pl.col(column).abs() > 2**53
    count = frame.select(beyond.sum()).collect().item()
    if count:
        bad = frame.filter(beyond).select(column).head(1).collect().item()
        raise DataError(f"{source}: column '{column}' of table '{name}' has {count} values beyond 2^53 (first {bad}), which a "
                        f"float rounds; expected {F64} values of at most {2**53:,} (a unit or id slip?)")


def _one_pass(frame: pl.LazyFrame, checks: list[pl.Expr], spec: TableSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The value checks' counts and sums, and per series and batch: rows, first and last time,
    times not after the series' row before, null times; in one streaming pass (batches as the
    source gives them, e.g. a part file's row groups: memory stays flat, no column read twice)."""
    series = [c for c in spec.key if c != spec.time]
    t = pl.col(spec.time)
    per_series = [pl.len().alias("n"), t.first().alias("first"), t.last().alias("last"),
                  (t.diff() <= pl.duration(microseconds=0)).sum().alias("not_after"), t.null_count().alias("no_time")]
    read = {*spec.key, *(name for check in checks for name in check.meta.root_names())}  # the columns the checks need
    values, keys = [], []
    for batch in frame.select(c for c in frame.collect_schema() if c in read).collect_batches():
        values.append(batch.select(checks))
        stats = _cycle_stats(batch, series, spec.time)
        if stats is None:
            stats = batch.group_by(series).agg(per_series)
        keys.append(stats.with_columns(batch=pl.lit(len(keys))))
    if not values:  # no rows: refused as an empty table
        return frame.select(checks).collect(), pl.DataFrame()
    values = pl.concat(values)
    # the batches' sums added up (0 for no value, as polars sums): inf where the table's sum overflows
    totals = {c: sum(values[c].fill_null(0.0).to_list(), 0.0) for c in values.columns if c.startswith("sum:")}
    return values.select(pl.col(c).sum() for c in values.columns if c not in totals).with_columns(**totals), pl.concat(keys)


def _cycle_stats(batch: pl.DataFrame, series: list[str], time: str) -> pl.DataFrame | None:
    """``_one_pass``'s per-series stats of a batch whose rows cycle through the same distinct series
    in the same order (a timestamp-major export: every meter's reading of an hour, hour after
    hour), found from the key columns' Arrow string views and taken per place in the cycle without
    a group-by; None for any other batch, or one with a null key or time or a time not after its
    series' row before (the group-by then counts what the exact pass names)."""
    table = arrow_table(batch.select(*series, time))
    columns = [table.column(name).chunk(0) for name in (*series, time)]
    if any(column.null_count for column in columns) or any(batch.schema[name] != pl.String for name in series):
        return None
    period = key_period([buffer(string_views(column), np.uint64, width=2) for column in columns[:-1]])
    # the cycle's keys as Python strings: a slice of the batch would keep all its rows alive
    cycle = batch.head(period).select(series).to_dict(as_series=False) if period else None
    if cycle is None or len(set(zip(*cycle.values(), strict=True))) < period:
        return None  # a series twice in a cycle: its rows are in two places of it
    times = batch[time].to_physical().to_numpy()
    if (times[period:] <= times[:-period]).any():
        return None  # a time not after its series' row before: the group-by counts them
    n, place = batch.height, np.arange(period)
    last = place + period * ((n - 1 - place) // period)
    dtype, zeros = batch.schema[time], np.zeros(period, dtype=np.uint32)
    return pl.DataFrame({**{name: pl.Series(values, dtype=pl.String) for name, values in cycle.items()},
                         "n": ((last - place) // period + 1).astype(np.uint32),
                         "first": pl.Series(times[:period].copy()).cast(dtype), "last": pl.Series(times[last]).cast(dtype),
                         "not_after": zeros, "no_time": zeros})


def _keys_in_order(stats: pl.DataFrame, spec: TableSpec) -> pl.DataFrame | None:
    """Rows, first and last time per series when every series of the per-batch ``stats`` is
    complete and strictly increasing in time across batches, gapless at the spec's step, without
    null keys; else None (the exact pass then names the first fault)."""
    series = [c for c in spec.key if c != spec.time]
    if any(stats[c].null_count() for c in series) or stats["no_time"].sum() or stats["not_after"].sum():
        return None
    step_us = 86_400_000_000 if spec.step == _DAY else 3_600_000_000
    merged = stats.sort("batch").group_by(series, maintain_order=True).agg(
        pl.col("n").sum(), pl.col("first").min(), pl.col("last").max(),
        (pl.col("first") <= pl.col("last").shift(1)).sum().alias("not_after"),  # a batch's first time vs the one before
    ).with_columns(
        ((pl.col("last").cast(STAMP) - pl.col("first").cast(STAMP)).dt.total_microseconds() // step_us + 1).alias("expected")
    )
    if merged["not_after"].sum() or (merged["expected"] != merged["n"]).any():
        return None
    return merged


def check_finite(frame: pl.LazyFrame, column: str, non_finite: int, total: float | None, source: str, table: str = "") -> None:
    """Refuse inf / NaN (``non_finite`` of them) and finite values whose sum overflows (``total``),
    counted by the caller in a pass it makes anyway; the first row is looked up on error only.
    Shared by the tables and the single-file inputs."""
    if non_finite:
        first = _first_row(frame, ~pl.col(column).is_finite())
        raise DataError(
            f"{source}: column '{column}'{table} has {non_finite} non-finite values (first at row {first}); expected finite numbers"
        )
    if not math.isfinite(total or 0.0):
        first = _first_row(frame, pl.col(column).cum_sum().is_infinite())
        raise DataError(
            f"{source}: column '{column}'{table} sums to {total} (the running sum overflows at row {first}); "
            "expected numbers whose sum is finite"
        )


def _first_unread(frame: pl.LazyFrame, column: str, dtype: pl.DataType) -> str:
    """'; N such values, first at row R: VALUE' for the values of ``column`` no cast to ``dtype`` reads,
    error path only: the value says what it is (a units row's 't', '$1,200', '(1,200)', SAP's '1200-',
    'NULL', a 'Y' for true); '' where the frame itself cannot be read (parts of two types say so themselves)."""
    given = pl.col(column).is_not_null()
    read = _cast(column, frame.collect_schema()[column], dtype, strict=False)
    for unread in (given & read.is_null(), given):  # given: where no value is read at all
        try:
            count = frame.select(unread.sum()).collect().item()
            value = frame.select(pl.col(column).filter(unread).first()).collect().item()
            return f"; {count} such value{'s' * (count > 1)}, first at row {_first_row(frame, unread)}: {value!r}" if count else ""
        except pl.exceptions.PolarsError:
            continue
    return ""


def _first_row(frame: pl.LazyFrame, condition: pl.Expr) -> int:
    """The 1-based row (in the source's order) of the first row meeting `condition`: error path only."""
    return frame.with_row_index("_row", offset=1).filter(condition).select("_row").head(1).collect().item()


def _per_mine(stats: pl.DataFrame, spec: TableSpec) -> pl.DataFrame | None:
    """Per mine_id of the per-series ``stats`` (None without a mine_id key): rows ``n``, and of a
    series table its ``first`` and ``last`` day; of an hourly one also the first series start
    after a day's first hour (``part_start``) and end before its last (``part_end``): part days."""
    if "mine_id" not in spec.key:
        return None
    first, last = pl.col("first"), pl.col("last")
    spans = [] if spec.time is None else [first.min().cast(DATE), last.max().cast(DATE)]
    if spec.step == _HOUR:
        spans += [first.filter(first.dt.hour() > 0).min().alias("part_start"),
                  last.filter(last.dt.hour() < 23).min().alias("part_end")]
    return stats.group_by("mine_id").agg(pl.col("n").sum(), *spans).sort("mine_id")


def _no_nulls(name: str, source: str, column: str, missing: int, rows: int) -> None:
    if missing:
        raise DataError(f"{source}: table '{name}' has {missing} of {rows} rows without a {column}; expected a value in every row")


def _why_twice(name: str, spec: TableSpec, frame: pl.LazyFrame, dupes: pl.DataFrame) -> str:
    """What a small table's rows of one key differ in, where that names the reason: a price per mine, per time of
    day or per tariff tier (the rows differ only in a column the table is not keyed by, which minectl does not read)."""
    rows = frame.filter(*[pl.col(c).eq_missing(dupes[c][0]) for c in spec.key]).collect()
    read = {*spec.key, *spec.columns, *named_columns(rows.schema, (*UNIT_COLUMNS, *CURRENCY_COLUMNS, "valid_to", "valid_until"))}
    differ = [c for c in rows.columns if c not in read and rows[c].n_unique() > 1]
    if "mine_id" in differ:
        return (f" (its column 'mine_id' is not read: a {name} row holds for every mine; cost the mines of other "
                "prices from data folders of their own)")
    if name == "prices" and differ:  # time-of-use or tiered tariffs: a price per hour band or per block of use
        return (f" (the rows differ in {', '.join(map(repr, differ))}, which is not read: a price holds for a resource's "
                "whole day, so time-of-use or tiered tariffs are not costed; give a day's price, e.g. the mean weighted by "
                "use, or a resource per band, e.g. electricity_peak)")
    return ""


def _check_keys(name: str, spec: TableSpec, frame: pl.LazyFrame, source: str) -> pl.DataFrame:
    """Duplicates, ordering and gaps, from one streaming aggregate per series (where each series
    is one run of rows; interleaved series take a slower exact pass); returns the rows per key
    (and a series' first and last time). For the small tables, and to name the first fault of a
    series table that ``_keys_in_order`` refused."""
    if spec.time is None or spec.step is None:  # small tables (mines, prices): every key's count
        counts = frame.group_by(list(spec.key)).agg(pl.len().alias("n")).collect()
        for column in spec.key:  # a null key is a group of its own
            _no_nulls(name, source, column, counts.filter(pl.col(column).is_null())["n"].sum(), counts["n"].sum())
        dupes = counts.filter(pl.col("n") > 1).head(1)
        if dupes.height:
            raise DataError(f"{source}: table '{name}' has duplicate rows for key {_first(dupes, spec.key)}; "
                            f"expected one row per {', '.join(spec.key)}{_why_twice(name, spec, frame, dupes)}")
        return counts
    series = tuple(c for c in spec.key if c != spec.time)
    t = pl.col(spec.time)
    step_us = 86_400_000_000 if spec.step == _DAY else 3_600_000_000
    # Each row against the row before it in the file: where every series is one run of rows
    # (as tables are exported), this finds repeats and steps back with plain streaming sums.
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(c).shift(1)) for c in series]).fill_null(False)
    stats = (
        frame.with_columns(_run=~same, _repeat=same & (t == t.shift(1)), _back=same & (t < t.shift(1)))
        .group_by(list(series))
        .agg(
            pl.len().alias("n"), pl.col("_run").sum().alias("runs"), pl.col("_repeat").sum().alias("repeats"),
            pl.col("_back").sum().alias("backwards"), t.min().alias("first"), t.max().alias("last"),
            t.null_count().alias("no_time"),
        )
        .collect(engine="streaming")
    )
    for column in series:  # the key columns are read here anyway: their nulls form groups of their own
        _no_nulls(name, source, column, stats.filter(pl.col(column).is_null())["n"].sum(), stats["n"].sum())
    _no_nulls(name, source, spec.time, stats["no_time"].sum(), stats["n"].sum())
    # Series interleaved in the file, or rows out of order (tell duplicates from steps back):
    # each series' own sequence (slower, more memory).
    if (stats["runs"] > 1).any() or (stats["backwards"] > 0).any():
        stats = (
            frame.group_by(list(series))
            .agg(
                pl.len().alias("n"), (pl.len() - t.n_unique()).alias("repeats"),
                (t.diff() <= pl.duration(microseconds=0)).sum().alias("backwards"), t.min().alias("first"), t.max().alias("last"),
            )
            .collect()
        )
    stats = stats.with_columns(
        ((pl.col("last").cast(STAMP) - pl.col("first").cast(STAMP)).dt.total_microseconds() // step_us + 1).alias("expected")
    ).sort(series)  # the first fault named is the same in every run (a group-by's order is not)
    duplicated = stats.filter(pl.col("repeats") > 0)
    if duplicated.height:
        where = _first(duplicated, series)
        moment = frame.filter(*[pl.col(c) == duplicated[c][0] for c in series]).group_by(spec.time).agg(pl.len().alias("n"))
        moment = moment.filter(pl.col("n") > 1).sort(spec.time).head(1).collect()[spec.time][0]
        # on failure only: the rows of that key alike (a re-export appended) or not (two readings of one period)
        unit = "hour" if spec.step == _HOUR else "day"
        rows = frame.filter(*[pl.col(c) == duplicated[c][0] for c in series], pl.col(spec.time) == moment).collect()
        change = _clock_change(moment) if spec.step == _HOUR else None
        if change:  # the two readings of a fall-back hour, alike or not: local time with daylight saving
            raise DataError(f"{source}: table '{name}' has duplicate rows for {where}, {spec.time}={moment} ({rows.height} rows: "
                            f"{change}: local time with daylight saving?); {ONE_CLOCK}, one row per {', '.join(spec.key)}")
        clock = ", as the hour repeated when clocks go back in naive local time" if spec.step == _HOUR else ""
        # rows told apart by a text column (product, ore_type): a long table of a row per product, not two readings
        split = next((c for c, dtype in rows.schema.items() if dtype == pl.String and c not in spec.key and rows[c].n_unique() > 1), None)
        if split is not None:
            named = ", ".join(map(repr, rows[split].unique(maintain_order=True).head(3).to_list()))
            raise DataError(f"{source}: table '{name}' has {rows.height} rows for {where}, {spec.time}={moment}, one per {split!r} "
                            f"({named}); expected one row per {', '.join(spec.key)} (the {split}s summed upstream, or a column each)")
        why = "alike: a re-export appended" if rows.unique().height == 1 else f"with other values: two readings of one {unit}{clock}"
        raise DataError(f"{source}: table '{name}' has duplicate rows for {where}, {spec.time}={moment} ({rows.height} rows "
                        f"{why}?); expected one row per {', '.join(spec.key)}")
    unordered = stats.filter(pl.col("backwards") > 0)
    if unordered.height:
        row = unordered.row(0, named=True)
        # only on failure: the first step back of that series, to name it (a newest-first export, rows shuffled)
        times = frame.filter(*[pl.col(c).eq_missing(row[c]) for c in series]).select(t).collect()[spec.time]
        at = int((times.cast(STAMP).diff().dt.total_microseconds() < 0).arg_true()[0])
        raise DataError(f"{source}: table '{name}' has non-increasing {spec.time} values for {_first(unordered, series)} "
                        f"({times[at - 1]} then {times[at]}); expected rows in time order (sorted by {', '.join(spec.key)}, "
                        "e.g. ORDER BY in a query)")
    gapped = stats.filter(pl.col("expected") != pl.col("n"))
    if gapped.height:
        row = gapped.row(0, named=True)
        # only on failure: the first step of that series that is not one period, to name it
        times = frame.filter(*[pl.col(c).eq_missing(row[c]) for c in series]).select(t.cast(STAMP)).collect()[spec.time].sort()
        steps = times.diff().dt.total_microseconds()
        at = int((steps != step_us).arg_true()[0])
        if (steps.drop_nulls() > step_us).all():  # no two rows one period apart: monthly or annual records, or only days with use
            unit, lo, hi = ("day" if spec.step == _DAY else "hour"), steps.min() // step_us, steps.max() // step_us
            raise DataError(
                f"{source}: table '{name}' has no two rows one {unit} apart for {_first(gapped, series)}: {row['n']} rows between "
                f"{row['first']} and {row['last']}, every {lo}{'' if lo == hi else f' to {hi}'} {unit}s (first: {times[at - 1]} -> "
                f"{times[at]}): records of a longer period, or of the {unit}s with a value only; expected one row per {unit} "
                f"(a {unit} without use as 0, one without a record as an empty value; annual figures of one period as one date)"
            )
        past = times.dt.epoch("us") % step_us  # each time's place within its period: one for all, but for a few off it
        off = (past != past.mode()[0]).arg_true()
        if 0 < off.len() < times.len() / 2:  # 01:00:01 among whole hours (a logger's clock): said as "steps shorter"
            unit, usual = ("day" if spec.step == _DAY else "hour"), times.filter(past == past.mode()[0])[0]
            raise DataError(f"{source}: table '{name}' has {off.len()} {spec.time} values off the {unit}s of the others for "
                            f"{_first(gapped, series)} (first: {times[int(off[0])]}; the others fall as {usual} does); expected "
                            f"times a whole number of {unit}s apart (round a logger's times to the {unit})")
        kind = "gaps" if row["n"] < row["expected"] else "steps shorter than one period (aggregate to the table's period upstream)"
        one_hour = spec.step == _HOUR and steps[at] == 2 * step_us  # one hour missing: the spring-forward one?
        change = _clock_change(times[at - 1] + dt.timedelta(hours=1)) if one_hour else None
        raise DataError(
            f"{source}: table '{name}' has {kind} in {spec.time} for {_first(gapped, series)}: {row['n']} rows between "
            f"{row['first']} and {row['last']}, expected {row['expected']} at a step of {spec.step} "
            f"(first: {times[at - 1]} -> {times[at]})" + (f"; {change}: local time with daylight saving? {ONE_CLOCK}" if change else "")
        )
    return stats
