"""`minectl cost`: the daily full-cost ledger, cost structure and attributed anomalies (seed 000, 3.1-3.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from omegaconf import MISSING, OmegaConf

from minectl.config import DataConfig, TaskConfig
from minectl.constraints import at_least, finite_nonneg, greater_than
from minectl.errors import ConfigError


@dataclass
class CostsConfig:
    """A cost mapping (conf/costs/): resources -> activities -> cost objects.

    The entries of the named maps are plain (so that an override can add one, e.g.
    +costs.resources.water={unit:m3,category:material,price:4}); their keys and values are
    checked before any data is read (minectl.costing.mapping / anomalies / accounts).
    """

    currency: str = "CNY"
    resources: Dict[str, Any] = field(default_factory=dict)  # name -> {unit, category, price?}
    activities: Dict[str, Any] = field(default_factory=dict)  # name -> {stage, resources}
    prices: Dict[str, Any] = field(default_factory=dict)  # resource -> [{valid_from, price}]
    cost_objects: List[str] = field(default_factory=lambda: ["stage", "mine"])
    intensities: Dict[str, List[str]] = field(default_factory=dict)  # name -> [numerator, denominator]
    thresholds: Dict[str, Any] = field(default_factory=dict)  # resource -> {lower?, upper?} per daily record
    # rule -> indicator -> {direction, threshold}; null: no rules (a map override merges, ~ is refused)
    anomaly_rules: Optional[Dict[str, Any]] = field(default_factory=dict)


@dataclass
class CostParams:
    output: str = "ore_t"  # production column used as Q_t (eq 2)
    interpolation_limit: Optional[int] = at_least(0, default=6)  # hours; longer meter gaps stay missing (null: no limit)
    impute_cycle: str = "1mo"  # missing daily records take the mean of the same series in this cycle
    outlier_window: int = at_least(2, default=30)  # days of history of the rolling 3-sigma rule
    outlier_sigma: float = greater_than(0, default=3.0)
    sensor_window: int = at_least(2, default=168)  # hours of history of the rolling 3-sigma rule on sensor series
    event_downtime_h: float = finite_nonneg(default=4.0)  # days with failures or this much downtime keep their outliers
    event_maintenance: bool = False  # maintenance work days are events too
    event_days_after: int = at_least(0, default=3)  # an event also explains the next days' readings (late bookings)
    anomaly_window: int = at_least(2, default=14)  # trailing days of the anomaly baselines
    z_threshold: float = greater_than(0, default=3.0)
    anomaly_items: List[str] = field(default_factory=lambda: ["cost", "unit_cost"])
    change_rate: List[str] = field(default_factory=list)  # columns that get a day-over-day <col>_chg
    rolling_mean: List[str] = field(default_factory=list)  # columns that get a trailing mean <col>_rm
    rolling_window: int = at_least(1, default=7)
    top_anomalies: int = at_least(0, default=10)  # rows of the terminal summary


@dataclass
class Config(TaskConfig):
    data: DataConfig = MISSING
    costs: CostsConfig = MISSING
    cost: CostParams = field(default_factory=CostParams)


def run(cfg: Any, run: Any) -> dict:
    from minectl.costing import CostMapping, find_anomalies, rules_from_config
    from minectl.costing.accounts import Preprocessing, bounds_from_config, cost_accounts, daily_columns, sensor_columns
    from minectl.costing.anomalies import check_detector, check_indicators
    from minectl.data import load_mine
    from minectl.features import intensity_columns

    params = cfg.cost
    costs = OmegaConf.to_container(cfg.costs, resolve=True)
    mapping = CostMapping.from_dict(costs)
    rules = rules_from_config(costs.get("anomaly_rules") or {})
    intensities = _intensities(costs.get("intensities") or {})
    check_detector(params.anomaly_window, params.z_threshold)

    prep = Preprocessing(
        interpolation_limit=params.interpolation_limit,
        impute_cycle=params.impute_cycle,
        outlier_window=params.outlier_window,
        outlier_sigma=params.outlier_sigma,
        sensor_window=params.sensor_window,
        event_downtime_h=params.event_downtime_h,
        event_maintenance=params.event_maintenance,
        event_days_after=params.event_days_after,
        bounds=bounds_from_config(costs.get("thresholds") or {}),
    )
    prep.check()

    mine = load_mine(**OmegaConf.to_container(cfg.data, resolve=True))
    for path in mine.inputs:
        run.input_file(path)
    production_columns = mine.production.collect_schema().names()
    if params.output not in production_columns:
        raise ConfigError(f"cost.output: {params.output!r} is not a column of the production table")
    sensors = () if mine.sensors is None else sensor_columns(mine.sensors.collect_schema().names())
    change, rolling = list(params.change_rate), list(params.rolling_mean)
    base = daily_columns(mapping, production_columns, equipment=mine.equipment is not None, sensors=sensors)
    _check_derived(intensities, change, rolling, base)  # before the work
    columns = base | set(intensity_columns(intensities, change, rolling))
    check_indicators(rules, params.anomaly_items, sorted(columns), "costs.anomaly_rules")
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
        output=params.output,
        intensities=intensities,
        change=change,
        rolling=rolling,
        rolling_window=params.rolling_window,
    )
    daily = accounts.daily
    anomalies = find_anomalies(daily, list(params.anomaly_items), rules, window=params.anomaly_window, z=params.z_threshold)

    run.table("ledger", accounts.ledger)
    run.table("daily", daily)
    run.table("anomalies", anomalies)
    from minectl.costing.report import plot_daily_cost, plot_unit_cost, print_imputed, print_summary

    run.plot("daily_cost_by_category", plot_daily_cost(daily, mapping.categories, mapping.currency))
    run.plot("unit_cost", plot_unit_cost(daily, anomalies, mapping.currency, params.output))
    print_summary(run.console, daily, anomalies, mapping, params.top_anomalies)
    print_imputed(run.console, accounts.counts)
    return _metrics(daily, anomalies, accounts.counts, mapping)


def _intensities(spec: dict) -> dict[str, tuple[str, str]]:
    for name, pair in spec.items():
        if len(pair) != 2:
            raise ConfigError(f"costs.intensities.{name}: expected [numerator, denominator] columns")
    return {name: (pair[0], pair[1]) for name, pair in spec.items()}


def _check_derived(intensities: dict[str, tuple[str, str]], change: list[str], rolling: list[str], base: set[str]) -> None:
    """Intensities divide columns of the daily table; change rates and rolling means read those or the intensities."""
    for name, pair in intensities.items():
        for column in pair:
            if column not in base:
                raise ConfigError(
                    f"costs.intensities.{name}: {column!r} is not a column of the daily table; expected one of {sorted(base)}"
                )
    known = base | set(intensities)
    for key, names in (("cost.change_rate", change), ("cost.rolling_mean", rolling)):
        for column in names:
            if column not in known:
                raise ConfigError(f"{key}: {column!r} is not a column of the daily table or an intensity; expected one of {sorted(known)}")


def _metrics(daily: Any, anomalies: Any, counts: dict[str, int], mapping: Any) -> dict:
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
