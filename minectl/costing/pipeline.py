"""The full-cost pipeline of `minectl cost` and `minectl demo`: checks, accounts, anomalies, metrics.

Every parameter is checked before any data is read. Keyword names are the `cost.<name>`
config keys; the plain `costs` and `data` nodes are read as the mapping and by ``load_mine``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from minectl.costing.accounts import (
    EQUIPMENT_COLUMNS,
    CostAccounts,
    Preprocessing,
    bounds_from_config,
    cost_accounts,
    daily_columns,
    sensor_columns,
)
from minectl.costing.anomalies import (
    Rule,
    check_detector,
    check_indicators,
    find_anomalies,
    no_number_column,
    rules_from_config,
)
from minectl.costing.mapping import CostMapping
from minectl.costing.structure import KEYS
from minectl.data.contract import TABLES
from minectl.data.sources import ServerRows
from minectl.errors import ConfigError, DataError, config_keys
from minectl.features import intensity_columns


@dataclass
class FullCost:
    mapping: CostMapping
    accounts: CostAccounts
    anomalies: pl.DataFrame
    inputs: list[Path | ServerRows]  # files and server rows read, for provenance


def check_costs(costs: Mapping[str, Any]) -> tuple[CostMapping, tuple[Rule, ...], dict[str, tuple[str, str]], dict]:
    """The parts of the cost mapping ``costs`` that need no data, checked: the mapping, anomaly rules,
    intensities and thresholds (full_cost's first step, and the task's pre-check of every sweep value)."""
    mapping, bounds = CostMapping.from_dict(costs), bounds_from_config(costs.get("thresholds") or {})
    for resource in bounds:  # else found in each job of a sweep, after the others had run
        if resource not in mapping.resources:
            raise ConfigError(f"costs.thresholds.{resource}: not declared in costs.resources; expected one of {list(mapping.resources)}")
    return mapping, rules_from_config(costs.get("anomaly_rules") or {}), _intensities(costs.get("intensities") or {}), bounds


def check_daily_names(mapping: CostMapping, rules: Sequence[Rule], intensities: dict[str, tuple[str, str]], *,
                      items: Sequence[str], change: Sequence[str], rolling: Sequence[str], production: Sequence[str],
                      equipment: bool, sensors: Sequence[str], not_numbers: set[str]) -> None:
    """The intensities, change rates, rolling means, rule indicators and anomaly items name number columns of the daily
    table that these tables give (``production`` and ``sensors``: their columns; ``not_numbers``: the columns known
    to hold no number): full_cost's check before the work, and the task's for every sweep value before any job."""
    base = daily_columns(mapping, production, equipment=equipment, sensors=sensor_columns(sensors))
    _check_derived(intensities, list(change), list(rolling), base, not_numbers)
    columns = base | set(intensity_columns(intensities, change, rolling))
    check_indicators(rules, items, sorted(columns), "costs.anomaly_rules", not_numbers)


# the parameters of the stages called below -> full_cost's (bounds: from costs.thresholds)
@config_keys({"window": "anomaly_window", "z": "z_threshold", "items": "anomaly_items", "bounds": "costs.thresholds"})
def full_cost(
    data: Mapping[str, Any],
    costs: Mapping[str, Any],
    *,
    output: str,
    interpolation_limit: int | None,
    impute_cycle: str,
    outlier_window: int,
    outlier_sigma: float,
    sensor_window: int,
    event_downtime_h: float,
    event_maintenance: bool,
    event_days_after: int,
    anomaly_window: int,
    z_threshold: float,
    anomaly_items: Sequence[str],
    change_rate: Sequence[str],
    rolling_mean: Sequence[str],
    rolling_window: int,
) -> FullCost:
    """The daily accounts of the mine ``data`` describes under the cost mapping ``costs``, and their anomalies."""
    from minectl.data import load_mine

    mapping, rules, intensities, bounds = check_costs(costs)
    check_detector(anomaly_window, z_threshold)
    prep = Preprocessing(
        interpolation_limit=interpolation_limit,
        impute_cycle=impute_cycle,
        outlier_window=outlier_window,
        outlier_sigma=outlier_sigma,
        sensor_window=sensor_window,
        event_downtime_h=event_downtime_h,
        event_maintenance=event_maintenance,
        event_days_after=event_days_after,
        bounds=bounds,
    )
    prep.check()

    mine = load_mine(**data)
    # a source column mapped onto a quantity or price whose name says another unit (energy_MWh onto kWh)
    mapping.check_column_maps(data.get("tables") or {}, lambda table: mine.tables[table].select("resource").unique().collect()["resource"])
    production_schema = mine.production.collect_schema()
    production_columns = production_schema.names()
    outputs = [c for c, t in production_schema.items() if t.is_numeric() and c not in KEYS]  # Q_t divides the cost
    if output not in outputs:
        what = "is not a column" if output not in production_columns else "is no number column"
        raise ConfigError(f"{output!r} {what} of the production table; expected one of {outputs}", param="output")
    if output not in TABLES["production"].nonnegative:  # a column the contract does not know: its signs unchecked
        negative = mine.production.filter(pl.col(output) < 0).head(1).collect()
        if negative.height:
            raise DataError(f"production: column {output!r} (cost.output) has a negative value ({negative[output][0]}) at "
                            f"date={negative['date'][0]}, mine_id={negative['mine_id'][0]}; expected an output >= 0")
    change, rolling = list(change_rate), list(rolling_mean)
    # the keys, text and yes/no flags: a ratio, change, mean or z-score of them was a traceback (mine_id, date) or a
    # figure of nothing (the equipment's `maintenance` flag as 0/1)
    equipment_schema = {} if mine.equipment is None else mine.equipment.collect_schema()
    not_numbers = {"no_output", *(c for c, t in production_schema.items() if not t.is_numeric()),
                   *(c for c in EQUIPMENT_COLUMNS if c in equipment_schema and not equipment_schema[c].is_numeric())}
    check_daily_names(mapping, rules, intensities, items=anomaly_items, change=change, rolling=rolling,  # before the work
                      production=production_columns, equipment=mine.equipment is not None,
                      sensors=() if mine.sensors is None else mine.sensors.collect_schema().names(), not_numbers=not_numbers)
    prices = mine.prices
    price_resources = [] if prices is None else prices.select("resource").unique().collect()["resource"].to_list()
    mapping.check_price_table(price_resources)

    accounts = cost_accounts(
        mapping,
        production=mine.production,
        consumption_hourly=mine.consumption_hourly,
        consumption_daily=mine.consumption_daily,
        prices=prices,
        equipment=mine.equipment,
        sensors=mine.sensors,
        prep=prep,
        output=output,
        intensities=intensities,
        change=change,
        rolling=rolling,
        rolling_window=rolling_window,
    )
    if accounts.daily.height and not accounts.daily["cost"].sum() > 0:  # no structure: every share is 0 / 0
        raise DataError(f"the full cost is 0 on all {accounts.daily.height} mine-days (every consumption quantity, or its "
                        "price, is 0): no cost structure to report; expected consumption that costs something")
    anomalies = find_anomalies(accounts.daily, list(anomaly_items), rules, window=anomaly_window, z=z_threshold)
    return FullCost(mapping, accounts, anomalies, list(mine.inputs))


def _intensities(spec: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, str]]:
    for name, pair in spec.items():
        if len(pair) != 2:
            raise ConfigError(f"costs.intensities.{name}: expected [numerator, denominator] columns")
    return {name: (pair[0], pair[1]) for name, pair in spec.items()}


def _check_derived(intensities: dict[str, tuple[str, str]], change: list[str], rolling: list[str], base: set[str],
                   not_numbers: set[str]) -> None:
    """Intensities divide number columns of the daily table; change rates and rolling means read those or the intensities."""
    for name, pair in intensities.items():
        for column in pair:
            if column not in base or column in not_numbers:
                raise ConfigError(f"costs.intensities.{name}: {column!r} is {no_number_column(column, not_numbers)}; "
                                  f"expected one of {sorted(base - not_numbers)}")
    taken = base | set(intensity_columns({}, change, rolling))  # the columns an intensity's name must not be
    for name, (_, denominator) in intensities.items():  # added by with_columns, it replaced the column: `cost` made cost.total C/Q
        if name in taken:
            raise ConfigError(f"costs.intensities.{name}: the daily table has a column {name!r} already, which the intensity "
                              f"would replace; expected a name of its own, e.g. {name}_per_{denominator}")
    known = (base | set(intensities)) - not_numbers
    for param, names in (("change_rate", change), ("rolling_mean", rolling)):  # full_cost's names
        for column in names:
            if column not in known:
                what = no_number_column(column, not_numbers) if column in not_numbers else "not a column of the daily table or an intensity"
                raise ConfigError(f"{column!r} is {what}; expected one of {sorted(known)}", param=param)


def cost_metrics(daily: pl.DataFrame, anomalies: pl.DataFrame, counts: Mapping[str, int], mapping: CostMapping) -> dict:
    """Totals, shares, anomaly, imputation and outlier counts of a full-cost run."""
    daily = daily.rechunk()  # sums over one chunk: the same bits however an engine chunked the table
    unit = daily["unit_cost"].drop_nulls()
    imputed = sum(counts.get(k, 0) for k in ("hourly_interpolated", "daily_imputed", "sensor_interpolated"))
    return {
        "cost": {
            "total": daily["cost"].sum(),
            "unit_mean": unit.mean(),
            "unit_sd": unit.std(),
            "days": daily.height,
            "no_output_days": int(daily["no_output"].sum()),
            **({"output_missing_days": missing} if (missing := daily["no_output"].null_count()) else {}),
            "share": {c: daily[f"share_{c}"].mean() for c in mapping.categories},
            "share_stage": {s: daily[f"share_stage_{s}"].mean() for s in mapping.stages},
        },
        "anomalies": {
            "count": anomalies.height,
            "days": anomalies.select("date", "mine_id").n_unique() if anomalies.height else 0,
            "attributed": int((anomalies["attribution"] != "unexplained").sum()),
        },
        "imputed": {"count": imputed, **{k: v for k, v in counts.items() if "outliers" not in k}},
        "outliers": {
            "removed": counts["outliers_removed"] + counts.get("sensor_outliers_removed", 0),
            "kept_event": counts["outliers_kept_event"] + counts.get("sensor_outliers_kept_event", 0),
            "sensor_removed": counts.get("sensor_outliers_removed", 0),
            "sensor_kept_event": counts.get("sensor_outliers_kept_event", 0),
        },
    }
