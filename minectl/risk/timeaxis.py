"""The time axis of a risk input: a declared time column (timestamp, date or shift number) read,
sorted and checked, its frequency, and lead times / windows given in time units ("6h", "1d",
"3shift") turned into periods of that frequency."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from minectl.data.values import column_telling_apart, serial_day_hint
from minectl.errors import ConfigError, DataError

# units with a fixed length in seconds; "shift" takes its length from the config (shift_hours);
# calendar months and years count months; "step" and "row" are one period of a time axis
# without a clock (a shift number, file order)
SECONDS = {"min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
MONTHS = {"mo": 1, "y": 12}
MONTH_SECONDS = 365.2425 / 12 * 86400  # a calendar month on average
PLURAL = {"min": "minutes", "h": "hours", "d": "days", "w": "weeks", "shift": "shifts", "mo": "months", "y": "years",
          "step": "steps", "row": "rows"}
_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Frequency:
    """One period of the time axis: ``count`` x ``unit`` (e.g. 8 x h, 1 x shift, 1 x row)."""

    count: float
    unit: str
    shift_hours: float = 8.0

    @classmethod
    def parse(cls, text: str, shift_hours: float = 8.0, key: str = "risk.time.frequency") -> "Frequency":
        count, unit = parse_amount(text, key)
        if count <= 0:
            raise ConfigError(f"{key}: {text!r}; expected a positive amount, e.g. 1d, 8h, 1shift")
        return cls(count, unit, shift_hours)

    def unit_seconds(self, unit: str) -> float | None:
        if unit == "shift":
            return self.shift_hours * 3600.0
        return SECONDS.get(unit)

    @property
    def seconds(self) -> float | None:
        """Length of one period in seconds; None for a clock-less axis (step, row)."""
        unit = self.unit_seconds(self.unit)
        return None if unit is None else self.count * unit

    @property
    def name(self) -> str:
        """What one period is called in tables and plots: 'days', 'shifts', 'periods of 8h'."""
        if self.count == 1:
            return PLURAL[self.unit]
        return f"periods of {self.count:g}{self.unit}"

    @property
    def text(self) -> str:
        return f"{self.count:g}{self.unit}"

    def periods(self, value, key: str) -> int:
        """``value`` as a whole number of periods: an integer is periods already; '6h' is converted."""
        if isinstance(value, bool):
            raise ConfigError(f"{key}: {value!r}; expected an integer number of periods or an amount like 6h, 1d, 3shift")
        if isinstance(value, int):
            return value
        count, unit = parse_amount(str(value), key)
        if unit == self.unit:
            periods = count / self.count
        elif unit in MONTHS and self.unit in MONTHS:
            periods = count * MONTHS[unit] / (self.count * MONTHS[self.unit])
        else:
            mine, theirs = self.seconds, self.unit_seconds(unit)
            if mine is None or theirs is None:
                # an integer time column (epoch seconds: '86400step') counts steps; said as no more than its unit
                counted = (" (an integer time column counts steps, not time: epoch seconds? write it as dates or timestamps "
                           "to give amounts like 1d)" if self.unit == "step" and theirs is not None else "")
                raise ConfigError(f"{key}: {value!r} cannot be converted to periods of {self.text}{counted}; "
                                  f"expected an integer or an amount in {self.unit}")
            periods = count * theirs / mine
        if abs(periods - round(periods)) > 1e-9:
            raise ConfigError(f"{key}: {value!r} is {periods:g} periods of {self.text}; expected a whole number of periods")
        return int(round(periods))


def parse_amount(text: str, key: str) -> tuple[float, str]:
    """'6h' -> (6.0, 'h'); the units are min, h, d, w, shift, step, row."""
    match = _AMOUNT.match(str(text).lower())
    if not match or match.group(2) not in PLURAL:
        raise ConfigError(f"{key}: {text!r}; expected an amount with a unit among {', '.join(PLURAL)} (e.g. 6h, 1d, 3shift)")
    return float(match.group(1)), match.group(2)


def is_period(value) -> bool:
    """Whether ``value`` is a positive amount like '1h', '8h', '1shift' (a saved run's frequency)."""
    match = _AMOUNT.match(value.lower()) if isinstance(value, str) else None
    return bool(match) and match.group(2) in PLURAL and float(match.group(1)) > 0


def lead_key(value) -> str:
    """The metric key of a lead time as configured: lead_3 (periods), lead_6h (an amount)."""
    return f"lead_{str(value).replace(' ', '')}"


def lead_index(leads: list, lead, shift_hours: float) -> int | None:
    """The place in ``leads`` of the lead time ``lead``: written alike, or an amount of the same length (24h as 1d,
    1D as 1d, 2shift as 16h of 8-hour shifts; months by their own count); None where none is."""
    def length(value) -> tuple[float, str] | None:
        if isinstance(value, int) or not is_period(str(value)):
            return None
        count, unit = parse_amount(str(value), "risk.lead_times")
        if unit in MONTHS:
            return count * MONTHS[unit], "mo"
        seconds = Frequency(1, unit, shift_hours).unit_seconds(unit)
        return (count * seconds, "s") if seconds is not None else (count, unit)

    wanted = length(lead)
    return next((i for i, given in enumerate(leads) if str(given).replace(" ", "") == str(lead).replace(" ", "")
                 or (wanted is not None and length(given) == wanted)), None)


@dataclass(frozen=True)
class TimeReport:
    """What the time axis held: rows put back in order, gaps (larger steps than one period) and
    irregular steps (smaller ones), the largest step in periods."""

    reordered: int
    gaps: int
    irregular: int
    largest_step: float
    merged: int = 0  # rows folded into the row of the same time before them (risk.time.repeated=mean)

    def as_metrics(self) -> dict:
        return {"reordered_rows": self.reordered, "gaps": self.gaps, "irregular_steps": self.irregular,
                "largest_step_periods": self.largest_step, "merged_rows": self.merged}


def parse_time(column: pl.Series, where: str) -> pl.Series:
    """A timestamp, date or integer (shift number) column; text is parsed as a date or timestamp."""
    if column.null_count():
        raise DataError(f"{where}: time column {column.name!r} has {column.null_count()} empty values; expected a time in every row")
    if column.dtype == pl.String:  # zoned ISO text at its wall time, months as exports write them: as forecast reads them
        from minectl.features.series import calendar_dates

        parsed = calendar_dates(column, where)
        if parsed.null_count():
            bad = column.filter(parsed.is_null())[0]
            raise DataError(f"{where}: time column {column.name!r} holds {bad!r}; expected dates (YYYY-MM-DD, YYYY-MM), "
                            "timestamps (YYYY-MM-DD HH:MM[:SS]) or integers")
        return _on_one_clock(column, parsed)
    if isinstance(column.dtype, pl.Datetime) and column.dtype.time_zone is not None:
        # as zoned text is read (was refused: a parquet of pandas' tz-aware stamps); naive, as comparisons with naive times need
        return _on_one_clock(column, column.dt.replace_time_zone(None))
    if column.dtype.is_float() and bool((column == column.round(0)).all()):
        column = column.cast(pl.Int64)
    if column.dtype.is_integer() and (days := yyyymmdd_days(column)) is not None:
        return days
    if column.dtype == pl.Date or isinstance(column.dtype, pl.Datetime) or column.dtype.is_integer():
        return column
    raise DataError(f"{where}: time column {column.name!r} has type {column.dtype}{serial_day_hint(column)}; expected dates, timestamps "
                    "or integers")


def yyyymmdd_days(column: pl.Series) -> pl.Series | None:
    """Days written as integers (20240131, as SQL exports and spreadsheets give them) as dates; None where
    some value is no such day. Read as shift numbers, each month's end was a gap of 70 or more periods
    and lead times in days were refused."""
    if not column.len() or column.min() < 1900_01_01 or column.max() > 2100_12_31:
        return None
    days = column.cast(pl.String).str.to_date("%Y%m%d", strict=False)
    return None if days.null_count() else days.alias(column.name)


def _on_one_clock(column: pl.Series, wall: pl.Series) -> pl.Series:
    """Zoned text whose offset changes (daylight saving) between rows less than a day apart: its
    moments in UTC. In wall time a fall-back's hour comes twice (refused as a repeat, and 15-minute
    rows of the two hours interleaved) and a spring-forward's missing hour reads as a gap. Dates and
    longer steps keep their wall time: a day in UTC would start the evening before."""
    from minectl.features.series import instants

    moments = instants(column, wall)
    if (wall - moments).n_unique() < 2:  # one offset (or not zoned in every value): the wall time is the time
        return wall
    steps = moments.sort().diff().drop_nulls().dt.total_seconds()
    return moments if steps.len() and steps.mode().min() < 86400 else wall


def infer_frequency(time: pl.Series, shift_hours: float) -> Frequency:
    """The most common step of a sorted time column, in the largest unit that divides it."""
    if time.len() < 2:
        return Frequency(1, "step", shift_hours)
    if time.dtype.is_integer():
        # the most common step, the smallest of equals; by counting each step value, not every integer up to the largest
        # (np.bincount): epoch nanoseconds a day apart asked for a 629 TiB array
        values, counts = np.unique(time.diff().drop_nulls().to_numpy(), return_counts=True)
        return Frequency(float(values[counts.argmax()]) or 1.0, "step", shift_hours)
    seconds = time.cast(pl.Datetime("ms")).diff().drop_nulls().dt.total_milliseconds().to_numpy() / 1000.0
    values, counts = np.unique(seconds, return_counts=True)
    step = float(values[counts.argmax()])
    # quarters (89-92 days), half years, years (365-366) on one day of the month are whole calendar months (13 weeks are not)
    whole = round(step / MONTH_SECONDS)
    calendar = whole > 1 and abs(step - whole * MONTH_SECONDS) <= 2.5 * 86400 and time.dt.day().n_unique() == 1
    if 28 * 86400 <= step <= 31 * 86400 or calendar:
        months = np.unique(np.diff(_month_index(time)), return_counts=True)
        return Frequency(float(months[0][months[1].argmax()]), "mo", shift_hours)
    for unit in ("w", "d", "h", "min"):
        if step >= SECONDS[unit] and step % SECONDS[unit] == 0:
            return Frequency(step / SECONDS[unit], unit, shift_hours)
    raise DataError(f"time column {time.name!r}: the most common step is {step:g} s; expected whole minutes (set risk.time.frequency)")


def order_by_time(frame: pl.DataFrame, column: str, frequency: Frequency | None, shift_hours: float,
                  where: str, repeated: str = "refuse", predicting: bool = False,
                  labels: tuple[str, ...] = ()) -> tuple[pl.DataFrame, Frequency, TimeReport]:
    """The frame sorted by its parsed time ``column`` (stable), its frequency (``frequency`` or the
    inferred one) and the report; rows sharing a time are refused, or with ``repeated="mean"``
    merged into one (`mean_per_time`, ``labels`` its columns of level codes). ``predicting``: new rows for a saved
    run, whose refusal offers no risk.time key (predict keeps the run's)."""
    if column not in frame.columns:
        raise DataError(f"{where}: time column {column!r} not found (has {', '.join(frame.columns)})")
    frame = frame.with_columns(parse_time(frame[column], where))
    position = pl.int_range(pl.len(), dtype=pl.Int64)
    ordered = frame.with_columns(position.alias("__row")).sort(column, maintain_order=True)
    reordered = int((ordered["__row"] != pl.Series(range(frame.height))).sum())
    ordered = ordered.drop("__row")
    shared = ordered[column].is_duplicated()
    merged = 0
    if shared.any() and repeated == "mean":
        ordered, merged = mean_per_time(ordered, column, where, labels)
    elif shared.any():
        first = ordered[column].filter(shared)[0]
        rows = ordered.filter(pl.col(column) == first)
        ids = column_telling_apart(rows, (column,))  # a machine or unit of several series in one file
        several = f", or risk.input.series={ids} if each {ids} is a series of its own" if ids else ""
        times = ordered[column].filter(shared).n_unique()  # all the repeated rows were said to share the first time
        in_all = f"; {int(shared.sum())} rows at {times} times in all" if times > 1 else ""
        merge = (": the saved model reads one row per time" if predicting else ", or risk.time.repeated=mean")
        raise DataError(f"{where}: time column {column!r} repeats {first} ({rows.height} rows share a time{in_all}); "
                        f"expected one row per time (aggregate or drop duplicates first{merge}{several})")
    if frequency is None and ordered.height < 2 and not ordered[column].dtype.is_integer():  # else: "1step has no length"
        raise DataError(f"{where}: time column {column!r} holds {ordered.height} time; expected at least 2 to tell one period "
                        "(or risk.time.frequency)")
    frequency = frequency or infer_frequency(ordered[column], shift_hours)
    time = ordered[column]
    if time.dtype.is_integer():  # a shift number: one number is one period (k numbers for a 'k step' frequency)
        steps = time.diff().drop_nulls().to_numpy() / (frequency.count if frequency.seconds is None else 1.0)
    elif frequency.unit in MONTHS:
        steps = np.diff(_month_index(time)) / (frequency.count * MONTHS[frequency.unit])
    else:
        if frequency.seconds is None:
            raise ConfigError(f"risk.time.frequency: {frequency.text} has no length in time; the time column {column!r} "
                              "holds dates or timestamps (expected e.g. 1d, 8h, 1shift)")
        steps = time.cast(pl.Datetime("ms")).diff().drop_nulls().dt.total_milliseconds().to_numpy() / 1000.0 / frequency.seconds
    report = TimeReport(reordered, int(np.sum(steps > 1 + 1e-9)), int(np.sum(steps < 1 - 1e-9)),
                        float(steps.max()) if steps.size else 0.0, merged)
    return ordered, frequency, report


def mean_per_time(frame: pl.DataFrame, column: str, where: str, labels: tuple[str, ...] = ()) -> tuple[pl.DataFrame, int]:
    """One row per time of a frame sorted by ``column``: its float columns' means (of the values
    given), every other column's one value (labels, categories, counts, flags: a mean of those
    would make up values, so two different ones at a time are refused); and the rows folded.
    ``labels``: columns of level codes, never averaged even as floats (a csv's 0.0 and 2.0 at one time made a level 1)."""
    floats = [c for c, dtype in frame.schema.items() if dtype.is_float() and c != column and c not in labels]
    others = [c for c in frame.columns if c not in floats and c != column]
    by_time = frame.group_by(column, maintain_order=True)
    if others:
        values = by_time.agg(pl.col(others).drop_nulls().n_unique())
        for name in others:
            differ = values.filter(pl.col(name) > 1)
            if differ.height:
                at = differ[column][0]
                found = frame.filter(pl.col(column) == at)[name].drop_nulls().unique(maintain_order=True)
                raise DataError(f"{where}: column {name!r} holds {found[0]!r} and {found[1]!r} at {at} ({differ.height} times "
                                "with different values); expected one value per time in a column that is not a float "
                                "measurement to merge rows sharing a time (risk.time.repeated=mean)")
    merged = by_time.agg(pl.col(floats).mean(), pl.col(others).drop_nulls().first()).select(frame.columns)
    return merged, frame.height - merged.height


def _month_index(time: pl.Series) -> np.ndarray:
    from minectl.features.series import month_index

    return month_index(time).to_numpy()
