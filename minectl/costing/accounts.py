"""From canonical tables to the daily full-cost accounts of a mine (seed 000, 3.1 + 3.2).

hourly meters --eq 3, limit--> daily sums ┐
booked daily records ─────────────────────┴─> consolidate -> 3-sigma + thresholds (events
kept) -> same-cycle mean imputation -> ledger q x p -> daily structure + intensities.
Plain arguments only (frames, a CostMapping, numbers): the cost task and the benchmark both
call ``cost_accounts``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from minectl.costing.ledger import build_ledger, enums
from minectl.costing.mapping import CostMapping, check_keys, finite_float
from minectl.costing.structure import KEYS, daily_structure, structure_columns
from minectl.data.contract import CURRENCY_COLUMNS, UNIT_COLUMNS, label_columns, named_columns
from minectl.errors import ConfigError, DataError
from minectl.features import (
    add_intensities,
    consolidate,
    drop_outliers,
    flag_outliers,
    impute_cycle_mean,
    imputed_flag,
    intensity_columns,
    interpolate_linear,
    metered_daily,
    resample_daily,
)
from minectl.features.series import rising_runs, series_order

SERIES = ["mine_id", "activity", "resource"]
RECORD_COLUMNS = ["date", *SERIES, "quantity"]
EQUIPMENT_COLUMNS = ["operating_h", "downtime_h", "failures", "maintenance"]
READ = ~pl.col(imputed_flag("quantity")) & pl.col("quantity").is_not_null()  # a daily record as read: not imputed, not removed
REMOVED = pl.col("outlier") & ~pl.col("event_kept")  # a daily record the cleaning removed (nulled) as an outlier


@dataclass(frozen=True)
class Preprocessing:
    """Cleaning parameters (seed 000, 3.1)."""

    interpolation_limit: int | None = 6  # longest run of missing hourly readings filled by eq 3
    impute_cycle: str = "1mo"  # same-cycle mean imputation of missing daily records
    outlier_window: int = 30  # days of history for the rolling 3-sigma rule
    outlier_sigma: float = 3.0
    sensor_window: int = 168  # hours of history for the rolling 3-sigma rule on sensor series
    event_downtime_h: float = 4.0  # a day with failures or this much downtime is an operational event
    event_maintenance: bool = False  # maintenance work days are events too
    event_days_after: int = 3  # an event also explains the next days' booked records (late repairs)
    bounds: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)  # resource -> daily (lower, upper)

    def check(self) -> None:
        """Nonsense values fail with the offending field named."""
        if self.interpolation_limit is not None and self.interpolation_limit < 0:
            raise ConfigError(f"{self.interpolation_limit}; expected hours >= 0 or null (no limit)", param="interpolation_limit")
        if self.outlier_window < 2:
            raise ConfigError(f"{self.outlier_window}; expected at least 2 days", param="outlier_window")
        if self.sensor_window < 2:
            raise ConfigError(f"{self.sensor_window}; expected at least 2 hours", param="sensor_window")
        if self.event_days_after < 0:
            raise ConfigError(f"{self.event_days_after}; expected days >= 0", param="event_days_after")
        if not self.outlier_sigma > 0:
            raise ConfigError(f"{self.outlier_sigma}; expected a multiple of sigma > 0, e.g. 3", param="outlier_sigma")
        if not self.event_downtime_h >= 0:
            raise ConfigError(f"{self.event_downtime_h}; expected hours >= 0", param="event_downtime_h")
        try:  # in days or longer: a cycle of hours (1h) or of rows (1i) held one daily record each, nothing to impute
            pl.select(pl.lit(0).cast(pl.Date).dt.truncate(self.impute_cycle)).item()  # from (each missing day left uncosted)
            whole_days = re.fullmatch(r"(\d+(d|w|mo|q|y))+", str(self.impute_cycle))
        except (pl.exceptions.PolarsError, ValueError):
            whole_days = None
        if not whole_days:
            raise ConfigError(f"{self.impute_cycle!r}; expected a period of a day or longer, like 1mo, 1w, 7d", param="impute_cycle")
        for resource, (lower, upper) in self.bounds.items():
            if lower is not None and upper is not None and lower > upper:
                raise ConfigError(f"lower {lower} > upper {upper}; expected lower <= upper", param=f"bounds.{resource}")


def bounds_from_config(spec: Mapping[str, Any]) -> dict[str, tuple[float | None, float | None]]:
    """``{resource: {lower?, upper?}}`` -> ``{resource: (lower, upper)}``, numbers checked."""
    bounds = {}
    for resource, limits in spec.items():
        key = f"costs.thresholds.{resource}"
        check_keys(limits, ("lower", "upper"), key)
        pair = []
        for side in ("lower", "upper"):
            value = limits.get(side)
            bound = None if value is None else finite_float(value)
            if value is not None and bound is None:
                # a NaN bound compares false with every reading: the threshold would be off, silently
                raise ConfigError(f"{key}.{side}: {value!r}; expected a finite number in the resource's unit (null: no bound)")
            pair.append(bound)
        bounds[resource] = (pair[0], pair[1])
    return bounds


@dataclass
class CostAccounts:
    ledger: pl.DataFrame  # day x mine x stage x activity x resource: quantity, price, cost
    daily: pl.DataFrame  # per day and mine: structure, Q_t, U_t, shares, intensities
    counts: dict[str, int]  # imputation and outlier counts, reported as metrics


def cost_accounts(
    mapping: CostMapping,
    *,
    production: pl.LazyFrame | pl.DataFrame,
    consumption_hourly: pl.LazyFrame | None = None,
    consumption_daily: pl.LazyFrame | pl.DataFrame | None = None,
    prices: pl.LazyFrame | pl.DataFrame | None = None,
    equipment: pl.LazyFrame | pl.DataFrame | None = None,
    sensors: pl.LazyFrame | pl.DataFrame | None = None,
    prep: Preprocessing = Preprocessing(),
    output: str = "ore_t",
    intensities: Mapping[str, tuple[str, str]] | None = None,
    change: Sequence[str] = (),
    rolling: Sequence[str] = (),
    rolling_window: int = 7,
) -> CostAccounts:
    """The daily full-cost accounts; ``output`` is the production column used as Q_t."""
    prep.check()
    for resource in prep.bounds:
        if resource not in mapping.resources:
            raise ConfigError("not declared in costs.resources", param=f"bounds.{resource}")
    _check_units(mapping, {"consumption_hourly": consumption_hourly, "consumption_daily": consumption_daily, "prices": prices})
    _check_price_mines(prices, production)
    with ThreadPoolExecutor(1) as pool:
        # the sensors' daily means need the equipment events only: made in a thread while this one
        # scans the meters (polars and numpy release the GIL); at 164 mines 0.89 of the wall time
        sensor_days = None if sensors is None else pool.submit(_sensor_daily, sensors, _events(equipment, prep, 0), prep)
        ledger, daily, counts = _consumption_accounts(mapping, production, consumption_hourly, consumption_daily, prices,
                                                      equipment, prep, output)
        if sensor_days is not None:
            sensor_daily, counts_sensors = sensor_days.result()
            counts |= counts_sensors
            daily = daily.join(sensor_daily, on=KEYS, how="left", maintain_order="left")
    if equipment is not None and (unknown := _unknown_event_days(equipment, prep)):
        counts["equipment_days_unknown"] = unknown  # in the metrics only where there are some: a warning's count
    daily = add_intensities(daily, intensities or {}, change=change, rolling=rolling, window=rolling_window)
    # in memory: for a table of days x mines the streaming engine's join in order costs twice as much
    daily = daily.collect(engine="in-memory")  # sorted by date and mine, as daily_structure gives it
    counts |= _uncosted_production(production, daily)
    overflow = daily.filter(~pl.col("cost").is_finite())  # finite quantities and prices whose products or sums are not
    if overflow.height:
        first = overflow.row(0, named=True)
        raise DataError(
            f"consumption x prices: the daily cost is {first['cost']} on {overflow.height} mine-days (first date={first['date']}, "
            f"mine_id={first['mine_id']}); expected quantities and prices whose costs and their sums are finite"
        )
    return CostAccounts(ledger, daily, counts)


def _uncosted_production(production: pl.LazyFrame | pl.DataFrame, daily: pl.DataFrame) -> dict[str, int]:
    """Production mine-days that no consumption record has, and the mines all of whose days are
    such: in no total, share or unit cost. Counted (a warning's counts, where there are some), not
    refused: a production ledger may run ahead of the consumption data."""
    uncosted = production.lazy().select(KEYS).join(daily.lazy().select(KEYS), on=KEYS, how="anti").collect()
    if not uncosted.height:
        return {}
    mines = uncosted["mine_id"].unique()
    uncosted_whole = mines.filter(~mines.is_in(daily["mine_id"].implode()))
    return {"production_days_uncosted": uncosted.height, "production_mines_uncosted": uncosted_whole.len()}


def _check_units(mapping: CostMapping, tables: Mapping[str, pl.LazyFrame | pl.DataFrame | None]) -> None:
    """The units and currencies that the tables state in extra columns (contract.UNIT_COLUMNS,
    CURRENCY_COLUMNS) are the mapping's: a table with such a column costs one pass over its
    resource and those columns' distinct values; one without costs nothing (its schema only)."""
    for table, frame in tables.items():
        if frame is None:
            continue
        schema = frame.lazy().collect_schema()
        # a consumption table's currency column states its money resources' (an amount of EUR costed as USD before)
        columns = dict.fromkeys(label_columns(schema, UNIT_COLUMNS), False) | dict.fromkeys(label_columns(schema, CURRENCY_COLUMNS), True)
        if not columns:
            continue
        stated = frame.lazy().select("resource", *(pl.col(c).cast(pl.String) for c in columns)).unique().collect(engine="streaming")
        for column, currency in columns.items():
            mapping.check_units(stated.select("resource", column).iter_rows(), table, column, currency=currency)


def _check_price_mines(prices: pl.LazyFrame | pl.DataFrame | None, production: pl.LazyFrame | pl.DataFrame) -> None:
    """One price list serves every mine (a price per resource from its valid_from): a prices table
    whose mine column names mines is refused unless it names the only mine costed. Before, it was an
    extra column: each mine's diesel was costed at the latest price of any mine."""
    if prices is None:
        return
    column = next(iter(named_columns(prices.lazy().collect_schema(), ("mine_id", "mine"))), None)
    if column is None:
        return
    named = prices.lazy().select(pl.col(column).cast(pl.String).drop_nulls().unique().sort()).collect().to_series()
    mines = production.lazy().select(pl.col("mine_id").unique().sort()).collect().to_series()
    if named.is_empty() or named.to_list() == mines.to_list() == named[:1].to_list():
        return
    shown = ", ".join(map(repr, named[:5])) + (", ..." if named.len() > 5 else "")
    raise DataError(f"data.tables.prices: column {column!r} gives prices per mine ({shown}); expected one price list for all "
                    f"{mines.len()} mine(s) of production (each resource's price applies to every mine from its valid_from: declare "
                    "a resource per mine, e.g. diesel_M1, where mines pay different prices)")


def _consumption_accounts(
    mapping: CostMapping,
    production: pl.LazyFrame | pl.DataFrame,
    consumption_hourly: pl.LazyFrame | None,
    consumption_daily: pl.LazyFrame | pl.DataFrame | None,
    prices: pl.LazyFrame | pl.DataFrame | None,
    equipment: pl.LazyFrame | pl.DataFrame | None,
    prep: Preprocessing,
    output: str,
) -> tuple[pl.DataFrame, pl.LazyFrame, dict[str, int]]:
    """The ledger, the daily structure (with the equipment's columns) and the counts of cleaning
    the consumption records."""
    combined, counts = _daily_records(mapping, consumption_hourly, consumption_daily, prep.interpolation_limit)
    if equipment is not None:  # record order kept: the ledger keeps it
        events = _events(equipment, prep, prep.event_days_after)
        combined = combined.join(events, on=KEYS, how="left", maintain_order="left")
    # the quantities as given, which the cleaning nulls where it removes an outlier: _refuse_unit_steps reads them
    combined = combined.with_columns(_given=pl.col("quantity").cast(pl.Float32))
    cleaned = flag_outliers(
        combined,
        "quantity",
        by=["_series"],
        window=prep.outlier_window,
        n_sigma=prep.outlier_sigma,
        lower=_bound(prep.bounds, 0, mapping),
        upper=_bound(prep.bounds, 1, mapping),
        event=None if equipment is None else pl.col("_event"),
        intermittent=True,  # the business bounds (costs.thresholds) still apply to its use days
        jump_limit=_jump_limit(mapping),
    )
    imputed = impute_cycle_mean(drop_outliers(cleaned, "quantity"), "quantity", by=["_series"], cycle=prep.impute_cycle).collect()
    del combined, cleaned  # peak memory: the daily records live on in `imputed` only
    _refuse_bounds_removing_most(imputed, prep.bounds)
    read = _read_records(imputed)
    _refuse_registers(imputed, *read)
    _refuse_unit_steps(imputed, mapping)
    imputed = imputed.drop("_given")
    _refuse_period_totals(imputed, *read, metered=consumption_hourly)
    counts |= {
        "outliers_removed": int((imputed["outlier"] & ~imputed["event_kept"]).sum()),
        "outliers_kept_event": int(imputed["event_kept"].sum()),
        "daily_imputed": int(imputed[imputed_flag("quantity")].sum()),
        "daily_unfilled": int(imputed["quantity"].null_count()),
    }
    counts |= _series_days_short(imputed)
    if counts["daily_unfilled"] == imputed.height:  # nothing to cost: no ledger, no days
        raise DataError(
            f"consumption: none of the {imputed.height} daily records has a quantity (missing, or removed as "
            f"outliers, with nothing in their {prep.impute_cycle} cycle to impute from); expected readings on at least one day"
        )
    ledger = build_ledger(imputed.select(RECORD_COLUMNS), mapping, prices)
    del imputed  # peak memory: the flagged daily records are not needed past this point

    daily = daily_structure(
        ledger,
        production,
        categories=mapping.categories,
        stages=mapping.stages,
        resources=list(mapping.resources),
        output=output,
    )
    if equipment is not None:
        daily = daily.join(equipment.lazy().select(*KEYS, *EQUIPMENT_COLUMNS), on=KEYS, how="left", maintain_order="left")
    return ledger, daily, counts


def _series_days_short(records: pl.DataFrame) -> dict[str, int]:
    """Days of a mine's costed range that one of its series has no row for: it starts after or ends
    before the mine's other series (a meter added or removed, an export of one resource cut short).
    Those days are costed without it, and no gap is imputed (there is no row): a diesel export ending
    11 days early costed those days at 425 CNY for 7,925, flagged only as unexplained anomalies.
    Counted (a warning's counts, where there are some), not refused: a meter may start or stop."""
    spans = records.group_by("_series").agg(pl.col("mine_id").first(), first=pl.col("date").min(), last=pl.col("date").max())
    short = spans.with_columns(start=pl.col("first").min().over("mine_id"), end=pl.col("last").max().over("mine_id")).select(
        days=((pl.col("first") - pl.col("start")) + (pl.col("end") - pl.col("last"))).dt.total_days(),
    ).filter(pl.col("days") > 0)
    return {"series_days_short": int(short["days"].sum()), "series_short": short.height} if short.height else {}


def _refuse_bounds_removing_most(records: pl.DataFrame, bounds: Mapping[str, tuple[float | None, float | None]]) -> None:
    """Refuse a series of which the business bounds (costs.thresholds) removed more than half the
    records as read: bounds catch rare bad readings, so that many says the bound is not this
    series' scale or unit (a processing plant's 600 MWh a day beside the default mapping's upper
    500,000 kWh: each day removed, nothing left to impute from, and the run succeeded with its
    electricity costed 0). Records an event keeps are not removed."""
    if not records["outlier_threshold"].any():
        return
    removed = pl.col("outlier_threshold") & ~pl.col("event_kept")
    read = removed | READ  # a removed one was read, then nulled
    most = (records.group_by("_series")
            .agg(pl.col("mine_id", "activity", "resource").first(), removed=removed.sum(), read=read.sum(),
                 first=pl.col("date").filter(removed).min())
            .filter(pl.col("removed") * 2 > pl.col("read")).sort("_series"))
    if most.height:
        row = most.row(0, named=True)
        lower, upper = bounds[row["resource"]]
        limits = ", ".join(f"{side} {value:,.1f}" for side, value in (("lower", lower), ("upper", upper)) if value is not None)
        raise DataError(
            f"consumption: mine '{row['mine_id']}', activity '{row['activity']}', resource '{row['resource']}': costs.thresholds."
            f"{row['resource']} ({limits}) removes {row['removed']} of its {row['read']} records (first on {row['first']}; "
            f"{most.height} such series): another scale or unit than the bound's? the rest would be imputed from what is left, "
            "or left uncosted; expected bounds that only a series' rare bad readings break (set the bound for this mine's "
            "scale, or convert the quantities to the resource's unit)")


def sensor_columns(columns: Sequence[str]) -> list[str]:
    """The reading columns of a sensors table (all but its keys)."""
    return [c for c in columns if c not in ("timestamp", "mine_id")]


def daily_columns(
    mapping: CostMapping,
    production: Sequence[str],
    *,
    equipment: bool = False,
    sensors: Sequence[str] = (),
    intensities: Mapping[str, tuple[str, str]] | None = None,
    change: Sequence[str] = (),
    rolling: Sequence[str] = (),
) -> set[str]:
    """The columns ``cost_accounts`` gives its daily table for these inputs (``production``:
    the production table's columns; ``sensors``: the sensor table's reading columns), known
    before any work, so that a config naming a daily column is checked first. A column of the
    data's tables named as one the daily table has from elsewhere is refused: the join would keep
    both, one renamed ``<name>_right`` (a production ``failures`` column would stand in for the
    equipment's, a sensor ``date`` column fail the join)."""
    parts = {  # the tables' own columns first: a clash is the later part's column (a production 'failures')
        "the cost structure": structure_columns(mapping.categories, mapping.stages, list(mapping.resources)),
        "equipment": EQUIPMENT_COLUMNS if equipment else (),
        "production": production,
        "sensors": sensors,
    }
    owner = dict.fromkeys(KEYS, "the keys")  # every part joins on them
    for part, names in parts.items():
        for name in names:
            if owner.setdefault(name, part) != part and not (part == "production" and name in KEYS):
                raise DataError(f"data.tables.{part}: column {name!r} clashes with the {name!r} of {owner[name]} in the daily "
                                "cost table; expected another name (rename it with the source's column map)")
    return {*owner, *intensity_columns(intensities or {}, change, rolling)}


def _read_records(records: pl.DataFrame, kept: pl.Expr = READ, value: str = "quantity") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(series id, day, ``value``) of the daily records ``kept`` (default: as read, not imputed, not removed as
    outliers), sorted by series and day: the records come grouped by series in date order (else sorted here)."""
    read = records.select("_series", "date", value, kept.alias("_kept"))
    series, dates, quantity, kept = (read.to_series(i).to_physical().to_numpy() for i in range(4))
    series, dates, quantity = series[kept], dates[kept], quantity[kept]
    same = series[1:] == series[:-1]
    if not np.all((dates[1:] > dates[:-1]) | ~same):
        order = np.lexsort((dates, series))
        series, dates, quantity = series[order], dates[order], quantity[order]
    return series, dates, quantity


REGISTER_DAYS = 28  # days of a series that rise every one: a meter's readings (a register), not its use
WEEK = 7  # days between a week-to-date total's resets


def _refuse_registers(records: pl.DataFrame, series: np.ndarray, dates: np.ndarray, quantity: np.ndarray) -> None:
    """A series whose daily quantities (as read: not imputed, not removed as outliers) rise on
    every day of at least REGISTER_DAYS: the readings of a cumulative meter exported as if they
    were the quantity used, which summed would cost its running total each hour or day. Real use
    falls some day (a weekend, a breakdown, a shift pattern). A register that resets (a
    month-to-date total, a counter rolling over) falls there only: a series whose runs of rising
    days between two falls all last REGISTER_DAYS or more is one too, where a run does (the first
    and last runs, cut by the series' ends, may be shorter). So is a week-to-date total: REGISTER_DAYS days
    or more that falls every week, on one day of the week, each time back to or below where its run of rising
    days started after growing to twice that or more (a reset, not a ramp-up's dip or a weekly pattern of
    use). In numpy over the records as read (_read_records: ``series``, ``dates``, ``quantity``)."""
    if not series.size:
        return
    same = series[1:] == series[:-1]
    days = np.bincount(series)
    falls = same & (quantity[1:] <= quantity[:-1])  # the day after row i does not rise
    starts = np.concatenate([[True], ~same | falls])  # each run's first row
    run_first = np.maximum.accumulate(np.where(starts, np.arange(series.size), 0))
    fell = np.flatnonzero(falls) + 1  # rows after a fall
    first = quantity[run_first[fell - 1]]  # where the run before each fall started
    whole = np.concatenate([[False], falls])[run_first[fell - 1]]  # that run started at a reset, not at the series' start
    # a running total grows from its first day's use to several times it, then goes back: a dip, or a weekly pattern of use, does not
    not_reset = np.bincount(series[fell[(quantity[fell] > first) | (whole & (quantity[fell - 1] < 2 * first))]], minlength=days.size)
    resets = np.bincount(series[fell], minlength=days.size)
    weekdays = np.bincount(np.unique(series[fell] * WEEK + dates[fell] % WEEK) // WEEK, minlength=days.size)  # distinct, per series
    weekly = (rising_runs(series, ~falls, WEEK, days.size) & (days >= REGISTER_DAYS) & (not_reset == 0) & (weekdays == 1)
              & (resets >= days // WEEK - 1))  # every week
    register = np.flatnonzero(rising_runs(series, ~falls, REGISTER_DAYS, days.size) | weekly)
    if register.size:
        rows = np.flatnonzero(series == register[0])
        back = rows[1:][falls[rows[:-1]]]
        names = records.filter(pl.col("_series") == register[0]).row(0, named=True)
        resets = (f" but {back.size}, where it falls back as a register resets (first {quantity[back[0] - 1]:,.1f} to "
                  f"{quantity[back[0]]:,.1f} on {pl.Series([dates[back[0]]]).cast(pl.Date)[0]})" if back.size else "")
        raise DataError(f"consumption: mine '{names['mine_id']}', activity '{names['activity']}', resource '{names['resource']}' "
                        f"rises on every one of its {days[register[0]]} days{resets} ({quantity[rows[0]]:,.1f} to "
                        f"{quantity[rows[-1]]:,.1f} a day; {register.size} such series): a meter's running total (register readings), "
                        "not the quantity used? expected the quantity used in each hour or day (the differences of the readings)")


def _as_dates(days: np.ndarray) -> pl.Series:
    """Day numbers of _read_records (days since 1970-01-01) as dates, for the error lines."""
    return pl.Series(days).cast(pl.Int32).cast(pl.Date)


UNIT_STEPS = (1e3, 1e6)  # kWh beside Wh or MWh, kg beside g or t, L beside m3: one quantity in two units
UNIT_STEP_SLACK = math.log(2)  # the two levels' medians are a unit step apart within a factor of 2 (daily use varies)
UNIT_STEP_GAP = math.log(100)  # and every day after the step lies this far beyond every day before it (PRICE_JUMP)
UNIT_STEP_DAYS = 3  # days in use at least on each side of the step


def _refuse_unit_steps(records: pl.DataFrame, mapping: CostMapping) -> None:
    """Refuse a series whose days in use (quantity > 0 as given: before the cleaning removed any
    outlier) step once to a level a unit step (UNIT_STEPS) above or below the one before and stay there,
    every day of either side at least UNIT_STEP_GAP beyond every day of the other, UNIT_STEP_DAYS of
    them at least on each side: an export that changed unit without a unit column (a meter's Wh from some
    day on, among kWh), costed 1000x from that day, silently (the 3-sigma rule removed its first three days
    only). The check of the prices (ledger._refuse_price_jumps) for the quantities; a ramp-up, a tenfold
    step, or one a few days long pass. In numpy: each side's extreme by a running max (min) of the log
    quantities, offset by series."""
    series, dates, quantity = _read_records(records, (pl.col("_given") > 0).fill_null(False), "_given")
    if series.size < 2 * UNIT_STEP_DAYS:
        return
    starts = np.flatnonzero(np.concatenate([[True], series[1:] != series[:-1]]))
    sizes = np.diff(np.append(starts, series.size))
    # only a series whose days span UNIT_STEP_GAP can step by it: mostly none, and nothing more is done
    spread = np.maximum.reduceat(quantity, starts) >= math.exp(UNIT_STEP_GAP) * np.minimum.reduceat(quantity, starts)
    wide = spread & (sizes >= 2 * UNIT_STEP_DAYS)
    if not wide.any():
        return
    rows = np.repeat(wide, sizes)
    ids, days, levels = series[rows], dates[rows], np.log(quantity[rows].astype(np.float64))
    starts = np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]]))
    sizes = np.diff(np.append(starts, ids.size))
    offset = np.repeat(np.arange(starts.size) * 4000.0, sizes)  # log quantities lie within +-710: series never mix
    for sign in (1.0, -1.0):  # a step up, then down
        x = sign * levels + offset
        before = np.maximum.accumulate(x)[:-1]  # the highest day of the series up to row i
        after = np.minimum.accumulate(x[::-1])[::-1][1:]  # the lowest after it
        for i in np.flatnonzero((ids[1:] == ids[:-1]) & (after - before >= UNIT_STEP_GAP)):
            series_of = np.searchsorted(starts, i, side="right") - 1
            start, end = starts[series_of], starts[series_of] + sizes[series_of]
            if min(i + 1 - start, end - i - 1) < UNIT_STEP_DAYS:
                continue
            low, high = np.median(levels[start:i + 1]), np.median(levels[i + 1:end])
            factor = min(UNIT_STEPS, key=lambda f: abs(abs(high - low) - math.log(f)))
            if abs(abs(high - low) - math.log(factor)) > UNIT_STEP_SLACK:
                continue
            names = records.filter(pl.col("_series") == ids[i]).row(0, named=True)
            when = _as_dates(days[[i, i + 1]])
            raise DataError(
                f"consumption: mine '{names['mine_id']}', activity '{names['activity']}', resource '{names['resource']}' goes from "
                f"{math.exp(low):,.6g} a day (median, to {when[0]}) to {math.exp(high):,.6g} (from {when[1]}), "
                f"{math.exp(abs(high - low)):,.0f}x, and stays there, no day between the two levels: a quantity in another unit "
                f"(Wh or MWh beside kWh, g or t beside kg, m3 beside L; x{factor:,.0f})? expected every quantity in "
                f"costs.resources.{names['resource']}.unit {mapping.resources[str(names['resource'])].unit!r} "
                "(convert them upstream)")


PERIOD_RECORDS = 3  # records of a series, none the day after another: totals of a longer period
LONE_EMPTY_DAYS = 7  # empty days of a series with one record, on a month's first or last day: a month's total


def _refuse_period_totals(records: pl.DataFrame, series: np.ndarray, dates: np.ndarray, quantity: np.ndarray, *,
                          metered: pl.LazyFrame | None = None) -> None:
    """Refuse a series of PERIOD_RECORDS records as given or more (read, _read_records, or removed as
    outliers), none the day after another, all at a regular step (each a multiple of the shortest: weekly
    totals) or on one day of the month (the 1st, the last: monthly totals), the days between empty: the
    totals of a longer period on the daily grid, whose empty days the same-cycle mean filled with the
    totals, each counted again for every day filled (30x for monthly totals). Fewer records say so too
    where they fall as monthly totals do, the way a daily calendar joined to a ledger's bookings gives a
    fixed monthly cost: two on one day of the month (a cost of 300,000 a month on the 1st of two
    months was costed 45 x 300,000 over 45 days), or one on a month's first or last day with at least
    LONE_EMPTY_DAYS empty days, unless the hourly table ``metered`` feeds the series (a meter read on
    one or two days is their use, not a month's: its outage is imputed). A series with records on some
    days at no such step (a failing export's, sparse bookings) is imputed as before; so is one whose
    gaps are its outliers removed (every other day removed: the days between were not empty)."""
    rows_of = np.bincount(records["_series"].to_numpy())  # the series' days, empty ones included
    given_series, given_dates = _with_removed(records, series, dates)
    records_of = np.bincount(given_series, minlength=rows_of.size)
    same = given_series[1:] == given_series[:-1]
    next_day = np.bincount(given_series[1:][same & (given_dates[1:] - given_dates[:-1] == 1)], minlength=rows_of.size)
    few = (records_of == 2) | ((records_of == 1) & (rows_of - 1 >= LONE_EMPTY_DAYS))
    found = []  # (series id, its days, how they fall)
    for sid in np.flatnonzero(((records_of >= PERIOD_RECORDS) | few) & (next_day == 0)):  # few: each looked at on its own
        days = _as_dates(given_dates[given_series == sid])
        steps = np.diff(days.to_physical().to_numpy())
        month_ends = days.dt.month_end().eq(days).all()
        if days.len() == 1:
            if not (month_ends or days.dt.day()[0] == 1):
                continue
            every = f"the {'last' if month_ends else 'first'} day of a month; the other {rows_of[sid] - 1} days empty"
        else:
            monthly = days.dt.day().n_unique() == 1 or month_ends
            if not monthly and (days.len() < PERIOD_RECORDS or (steps % steps.min()).any()):
                continue
            every = "monthly" if monthly else f"every {steps.min()}{'' if (steps == steps.min()).all() else f' to {steps.max()}'} days"
        found.append((sid, days, every))
    few_metered = _metered(metered, records, [sid for sid, days, _ in found if days.len() < PERIOD_RECORDS])
    for sid, days, every in found:
        if sid in few_metered:
            continue
        names = records.filter(pl.col("_series") == sid).row(0, named=True)
        read = np.flatnonzero(series == sid)
        first = f"{quantity[read[0]]:,.1f} on {_as_dates(dates[read[:1]])[0]}" if read.size else "none read"
        what = (f"{days.len()} records, none the day after another ({every}, first {first}), the days between empty: the totals"
                if days.len() > 1 else f"1 record ({first}, {every}): the total")
        raise DataError(
            f"consumption: mine '{names['mine_id']}', activity '{names['activity']}', resource '{names['resource']}' has {what} "
            "of a longer period? the empty days would be imputed with them, each total counted again for every day filled; "
            "expected a record every day (0 for a day without use; a period's total split over its days)")


def _with_removed(records: pl.DataFrame, series: np.ndarray, dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(series id, day) of the records as given: those read (``series``, ``dates``: _read_records) and, merged
    into their order, those the cleaning removed as outliers (nulled: given, not empty days)."""
    removed = records.filter(REMOVED).select("_series", pl.col("date").to_physical()).sort("_series", "date")
    if not removed.height:
        return series, dates

    def key(ids: np.ndarray, days: np.ndarray) -> np.ndarray:  # (series, day) as one sortable integer
        return (ids.astype(np.int64) << 32) + days.astype(np.int64)
    extra_series, extra_dates = removed["_series"].to_numpy(), removed["date"].to_numpy()
    at = np.searchsorted(key(series, dates), key(extra_series, extra_dates))
    return np.insert(series, at, extra_series), np.insert(dates, at, extra_dates)


def _metered(hourly: pl.LazyFrame | None, records: pl.DataFrame, ids: Sequence[int]) -> set[int]:
    """The series of ``ids`` that the hourly table has rows of (their mine, activity and resource): one
    semi-join of them all with the hourly keys (a scan of the hourly table per series before)."""
    if hourly is None or not ids:
        return set()
    keys = (records.filter(pl.col("_series").is_in([int(i) for i in ids])).group_by("_series")
            .agg(pl.col(c).first().cast(pl.String) for c in SERIES))
    hourly_keys = hourly.lazy().select(pl.col(c).cast(pl.String) for c in SERIES)
    return set(keys.lazy().join(hourly_keys, on=SERIES, how="semi").collect()["_series"].to_list())


def _daily_records(
    mapping: CostMapping,
    hourly: pl.LazyFrame | None,
    booked: pl.LazyFrame | pl.DataFrame | None,
    limit: int | None,
) -> tuple[pl.LazyFrame, dict[str, int]]:
    """Daily (date, series, quantity) records of both consumption tables, checked against
    the mapping, with Enum-typed names, grouped by series with an integer id ``_series``;
    counts of the hourly gap filling."""
    types = enums(mapping)
    names = [pl.col("activity").cast(types["activity"]), pl.col("resource").cast(types["resource"])]
    pairs = []

    def checked(keys: pl.DataFrame | pl.LazyFrame, table: str) -> pl.DataFrame | pl.LazyFrame:
        """``keys`` with Enum-typed names once the mapping knows every (activity, resource)."""
        pairs.append(set(keys.lazy().select("activity", "resource").unique().collect().iter_rows()))
        mapping.check_records(pairs[-1], table)
        return keys.with_columns(names)

    counts, records, sources = {}, [], []  # sources: the records with their meter or table, read only to refuse one given twice
    has_meters = hourly is not None and "meter_id" in hourly.collect_schema()
    if hourly is not None:
        by = SERIES + (["meter_id"] if has_meters else [])
        # checked and typed once per series, before the keys are spread over the days
        metered, filled = metered_daily(hourly, by=by, limit=limit, prepare_keys=lambda keys: checked(keys, "consumption_hourly"))
        counts = {"hourly_missing": filled.missing, "hourly_interpolated": filled.interpolated, "hourly_unfilled": filled.unfilled}
        records.append(metered.select(RECORD_COLUMNS))
        source = pl.format("consumption_hourly meter '{}'", "meter_id") if has_meters else pl.lit("consumption_hourly")
        sources.append(metered.lazy().select(*RECORD_COLUMNS, _source=source))
    if booked is not None:
        # the names typed as they are read (a pass for the pairs first): their text is never held
        frame = checked(booked.lazy().select(RECORD_COLUMNS), "consumption_daily")
        records.append(frame.with_columns(pl.col("quantity").cast(pl.Float64)).collect())
        sources.append(records[-1].lazy().with_columns(_source=pl.lit("consumption_daily")))
    if not records:
        raise ConfigError("data: no consumption table; expected consumption_hourly and/or consumption_daily")
    combined = pl.concat([frame.lazy() for frame in records])  # lazy: no eager copy
    # Consolidation sums records of the same day and series: needed when several meters or
    # both tables feed one series (each table alone has one row per day and series).
    if has_meters or (len(pairs) > 1 and set.intersection(*pairs)):
        _refuse_given_twice(pl.concat(sources))
        combined = consolidate(combined, "quantity", by=SERIES)  # sorted by series and date
    elif len(records) > 1 or hourly is None:
        combined = _sorted_records(combined)  # booked records come in any order
    # Records now come grouped by series (metered ones as metered_daily returns them): an
    # integer id per run of one series makes the per-series windows cheaper than 3 keys.
    return combined.with_columns(_series=pl.struct(SERIES).rle_id()), counts


GIVEN_TWICE_DAYS = 3  # days on which two sources of one series agree: the same quantity given twice
GIVEN_TWICE_RTOL = 1e-3  # agreement within rounding (a daily total exported to whole units)


def _refuse_given_twice(records: pl.LazyFrame) -> None:
    """Refuse a series fed by two sources (two meters, or the hourly and the daily table) whose
    quantities agree on every day both give one, at least GIVEN_TWICE_DAYS of them and not all one
    value: the same meter twice (a daily summary beside its hourly readings, a check meter beside
    the main one), whose consolidated sum costs it twice. Two sources that differ (a booked top-up
    beside a meter) or agree on a constant (two flat-rate loads) are summed as before. One self-join
    of the days of the series that have several sources; not run where none has."""
    given = records.filter(pl.col("quantity") > 0)
    both = given.join(given, on=["date", *SERIES], suffix="_other").filter(pl.col("_source") < pl.col("_source_other"))
    twice = _agreeing(both, "quantity_other", [*SERIES, "_source", "_source_other"])
    if twice.height:
        row = twice.row(0, named=True)
        raise DataError(
            f"consumption: mine '{row['mine_id']}', activity '{row['activity']}', resource '{row['resource']}' is given alike by "
            f"{row['_source']} and {row['_source_other']} on each of the {row['days']} days both give it (first "
            f"{row['quantity']:,.1f} on {row['first']}; {twice.height} such pair(s) of sources): the same meter twice (hourly "
            "readings and their daily totals, or a check meter beside the main one)? their sum would cost it twice; expected each "
            "quantity in one table and meter only (a booked record beside a meter is added to it)")
    _refuse_main_beside_sub_meters(given)


def _agreeing(days: pl.LazyFrame, other: str, by: list[str]) -> pl.DataFrame:
    """The groups ``by`` of ``days`` whose quantity agrees with the column ``other`` within rounding on every day, at
    least GIVEN_TWICE_DAYS of them and not all one value (two flat-rate loads agree on a constant), in key order: their
    day count, first day and first quantity."""
    agree = (pl.col("quantity") - pl.col(other)).abs() <= GIVEN_TWICE_RTOL * pl.col("quantity").abs()
    return (days.group_by(*by)
            .agg(pl.len().alias("days"), agree.all().alias("agree"), pl.col("quantity").n_unique().alias("values"),
                 pl.col("date").min().alias("first"), pl.col("quantity").sort_by("date").first().alias("quantity"))
            .filter(pl.col("agree") & (pl.col("days") >= GIVEN_TWICE_DAYS) & (pl.col("values") > 1))
            .sort(*by).collect())


def _refuse_main_beside_sub_meters(given: pl.LazyFrame) -> None:
    """Refuse a series one source of which is the sum of its others (two at least) on every day they give it, at
    least GIVEN_TWICE_DAYS of them and not all one value: a main meter beside its sub-meters (a feeder's meter and
    those of the mill and the crusher it feeds), whose consolidated sum costs the consumption twice."""
    keys = ["date", *SERIES]
    sums = given.filter(pl.len().over(keys) >= 3).with_columns(_others=pl.col("quantity").sum().over(keys) - pl.col("quantity"))
    main = _agreeing(sums, "_others", [*SERIES, "_source"])
    if main.height:
        row = main.row(0, named=True)
        raise DataError(
            f"consumption: mine '{row['mine_id']}', activity '{row['activity']}', resource '{row['resource']}' is given by "
            f"{row['_source']} as the sum of its other sources on each of the {row['days']} days they give it (first "
            f"{row['quantity']:,.1f} on {row['first']}): a main meter (or a daily total) beside its sub-meters? their sum would "
            "cost it twice; expected the main meter or its sub-meters, not both")


def _sorted_records(records: pl.LazyFrame) -> pl.LazyFrame:
    """Daily records sorted by mine, activity, resource and date, where a (series, date) has one
    record: by one integer key packing the mine's rank, the names' Enum codes and the day (a
    third of the time of a sort by the mine's name; the same rows in the same order)."""
    schema = records.collect_schema()
    names = ("activity", "resource")
    mines = records.select(pl.col("mine_id").unique()).collect().to_series() if schema["mine_id"] == pl.String else None
    if (mines is None or mines.len() >= 1 << 15 or mines.null_count()  # the key's 15 bits
            or not all(isinstance(schema[c], pl.Enum) and len(schema[c].categories) <= 1 << 8 for c in names)):
        return records.sort(*SERIES, "date")
    rank = pl.col("mine_id").cast(pl.Enum(mines.sort())).to_physical().cast(pl.Int64)  # Enum codes in name order
    codes = [pl.col(c).to_physical().cast(pl.Int64) for c in names]  # an Enum sorts by its codes
    day = pl.col("date").to_physical().cast(pl.Int64) + (1 << 31)
    return records.sort(rank * (1 << 48) + codes[0] * (1 << 40) + codes[1] * (1 << 32) + day)


def _events(equipment: pl.LazyFrame | pl.DataFrame | None, prep: Preprocessing, days_after: int) -> pl.LazyFrame:
    """(date, mine_id, _event): failures, downtime of at least ``event_downtime_h`` (and
    maintenance work when ``event_maintenance``) on the day or the ``days_after`` before."""
    if equipment is None:
        return pl.LazyFrame(schema={"date": pl.Date, "mine_id": pl.String, "_event": pl.Boolean})
    recent = _event(prep).fill_null(False).cast(pl.Int8).rolling_max(days_after + 1, min_samples=1)
    return equipment.lazy().sort("mine_id", "date").select(*KEYS, (recent.over("mine_id") > 0).alias("_event"))


def _event(prep: Preprocessing) -> pl.Expr:
    """A mine-day's operational event; null where a field is missing and no known one shows an event."""
    event = (pl.col("failures") > 0) | (pl.col("downtime_h") >= prep.event_downtime_h)
    return event | pl.col("maintenance") if prep.event_maintenance else event


def _unknown_event_days(equipment: pl.LazyFrame | pl.DataFrame, prep: Preprocessing) -> int:
    """Equipment mine-days whose event is unknown (``_event`` is null): taken as no event, so their
    outliers are removed rather than kept; counted so that a run says so."""
    return int(equipment.lazy().select(_event(prep).is_null().sum()).collect().item())


# a day this many times the largest of its outlier window and the next day: a unit slip (Wh among kWh, within
# UNIT_STEP_SLACK), which no failure explains in a quantity; in money a repair's bill can be (spare parts after an overhaul)
JUMP_LIMIT = UNIT_STEPS[0] / math.exp(UNIT_STEP_SLACK)


def _jump_limit(mapping: CostMapping) -> pl.Expr:
    """The records' jump limit (flag_outliers): JUMP_LIMIT, none for money; looked up by the resource's Enum code."""
    by_code = pl.Series([None if mapping.is_money(r) else JUMP_LIMIT for r in mapping.resources], dtype=pl.Float64)
    return pl.lit(by_code).gather(pl.col("resource").to_physical())


def _bound(bounds: Mapping[str, tuple[float | None, float | None]], side: int, mapping: CostMapping) -> pl.Expr | None:
    """The records' lower (``side`` 0) or upper (1) bound: looked up by the resource's Enum code."""
    values = {r: b[side] for r, b in bounds.items() if b[side] is not None}
    if not values:
        return None
    by_code = pl.Series([values.get(r) for r in mapping.resources], dtype=pl.Float64)
    return pl.lit(by_code).gather(pl.col("resource").to_physical())


def _sensor_daily(
    sensors: pl.LazyFrame | pl.DataFrame, events: pl.LazyFrame, prep: Preprocessing
) -> tuple[pl.LazyFrame, dict[str, int]]:
    """Daily means of the hourly sensor columns: per column, rolling 3-sigma outliers not
    explained by an event that same day are removed, then gaps are filled by eq 3. Every step
    works per mine: the hourly rows are taken a chunk of whole mines at a time (flat memory at
    any company size), or all at once where a mine's rows are spread over the file."""
    columns = sensor_columns(sensors.lazy().collect_schema().names())
    events = events.collect()  # days x mines: small
    counts = {"sensor_outliers_removed": 0, "sensor_outliers_kept_event": 0, "sensor_interpolated": 0}
    try:
        daily = [_sensor_chunk(chunk, columns, events, prep, counts) for chunk in _mine_chunks(sensors.lazy(), _CHUNK_ROWS)]
    except _MinesSpread:
        counts = dict.fromkeys(counts, 0)
        daily = [_sensor_chunk(sensors.lazy().collect(), columns, events, prep, counts)]
    return pl.concat(daily).sort("date", "mine_id").lazy(), counts


def _sensor_chunk(
    hourly: pl.DataFrame, columns: list[str], events: pl.DataFrame, prep: Preprocessing, counts: dict[str, int]
) -> pl.DataFrame:
    """``_sensor_daily`` of the hourly rows of some whole mines; adds to ``counts``."""
    frame = hourly.with_columns(date=pl.col("timestamp").dt.date()).join(events, on=KEYS, how="left", maintain_order="left")
    rows = series_order(frame, ["mine_id"], "timestamp")
    if rows.order is not None:  # sorted once: then each mine is one run of rows in time order
        frame = frame[rows.order]
    # each column's flags depend on that column and the events only: all columns in one parallel query
    flagged = pl.collect_all([
        drop_outliers(flag_outliers(
            frame.select("mine_id", "timestamp", column, "_event"), column, by=["mine_id"], time_col="timestamp",
            window=prep.sensor_window, n_sigma=prep.outlier_sigma, event=pl.col("_event"), runs=rows.starts,
        ), column).select(column, removed=pl.col("outlier") & ~pl.col("event_kept"), kept=pl.col("event_kept"))
        for column in columns
    ])
    counts["sensor_outliers_removed"] += sum(int(f["removed"].sum()) for f in flagged)
    counts["sensor_outliers_kept_event"] += sum(int(f["kept"].sum()) for f in flagged)
    frame = frame.with_columns(f[column] for column, f in zip(columns, flagged, strict=True))
    del flagged  # peak memory
    filled = interpolate_linear(frame, columns, by=["mine_id"], time_col="timestamp", limit=prep.interpolation_limit).collect()
    counts["sensor_interpolated"] += int(sum(filled[imputed_flag(c)].sum() for c in columns))
    return resample_daily(filled, by=["mine_id"], means=columns).collect()


class _MinesSpread(Exception):
    """A mine's rows do not come together in the file."""


# hourly rows per chunk of whole mines (about 30 mine-years of hourly sensors): with the meter scan done
# sooner, a chunk of 2^20 rows overlapped the daily records' cleaning, and 164 mines peaked at 0.99-1.10
# GB (0.92-0.95 GB at 2^19, 0.1 s slower)
_CHUNK_ROWS = 1 << 19


def _mine_chunks(frame: pl.LazyFrame, rows: int):
    """``frame`` in chunks of whole mines of about ``rows`` rows, in one streaming pass, where
    each mine's rows come together (a part per mine, or rows sorted by mine); raises
    ``_MinesSpread`` on a mine met again after others."""
    pending, size, done = [], 0, set()
    for batch in frame.collect_batches():
        if not done.isdisjoint(batch["mine_id"].unique().to_list()):
            raise _MinesSpread
        pending.append(batch)
        size += batch.height
        if size < rows:
            continue
        buffer = pl.concat(pending)
        last = buffer["mine_id"].eq_missing(buffer["mine_id"][-1])
        cut = int(last.arg_true()[0])  # the last mine may go on in the next batch
        if last[cut:].not_().any():
            raise _MinesSpread
        pending = [buffer]
        if cut:
            done.update(buffer["mine_id"][:cut].unique().to_list())
            yield buffer[:cut]
            pending, size = [buffer[cut:]], buffer.height - cut
    if pending:
        yield pl.concat(pending)
