"""Daily cost figures of a mine dataset and the synthetic mine's ground-truth risk label.

A small, self-contained reference implementation of seed 000 eqs 1-7 (c = sum q * p, the
price valid from its date) over the canonical tables. The synthetic mine uses it to derive
its `labels` table from the data it generated, and the realism benchmark and tests use it
to compare the synthetic mine with seed 000 Table 2.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import polars as pl
import yaml

FIGURE_COLUMNS = [
    "total_cost",
    "unit_cost",
    "kwh_per_t",
    "downtime_h",
    "maintenance_cost",
    "material_cost",
    "safety_env_cost",
    "transport_share",
]

# Ground-truth risk rule (documented in docs/synthetic-mine.md): each indicator compares a
# day with the trailing BASELINE_DAYS days before it, so a slow cost trend is not a risk.
BASELINE_DAYS = 30
UNIT_COST_DEVIATION = (0.08, 0.16)  # relative excess over the trailing median, one point each
KWH_ANOMALY_Z = 1.5  # z-score of kWh/t against the trailing mean and sd
DOWNTIME_GROWTH_H = 1.0  # 3-day mean downtime above the trailing mean, hours
MAINTENANCE_SURGE = 0.5  # relative excess of maintenance cost over the trailing median
MEDIUM_SCORE, HIGH_SCORE = 1, 3


@lru_cache(maxsize=1)
def default_cost_mapping() -> dict:
    """The cost mapping shipped as conf/costs/default.yaml, as a plain dict."""
    text = resources.files("minectl.conf").joinpath("costs/default.yaml").read_text()
    return yaml.safe_load(text)


def _interpolated_daily(hourly: pl.DataFrame) -> pl.DataFrame:
    """Hourly meter readings -> daily sums; gaps filled by linear interpolation (seed 000 eq 3)."""
    series = [c for c in ("mine_id", "activity", "resource", "meter_id") if c in hourly.columns]
    filled = pl.col("quantity").interpolate().forward_fill().backward_fill().over(series)
    return (
        hourly.sort("timestamp", maintain_order=True)  # time order within each series is all we need
        .with_columns(filled.alias("quantity"), pl.col("timestamp").dt.date().alias("date"))
        .group_by(["mine_id", "date", "activity", "resource"], maintain_order=True)  # rows in a fixed order:
        .agg(pl.col("quantity").sum())  # the day sums downstream add them in that order, the same bits every run
    )


def priced_records(tables: dict[str, pl.DataFrame], mapping: dict | None = None) -> pl.DataFrame:
    """Daily consumption records with price, cost, category and stage attached."""
    mapping = mapping or default_cost_mapping()
    columns = ["mine_id", "date", "activity", "resource", "quantity"]
    records = pl.concat(
        [
            _interpolated_daily(tables["consumption_hourly"]).select(columns),
            tables["consumption_daily"].select(columns),
        ]
    ).sort("date", maintain_order=True)
    fixed = pl.DataFrame(
        {
            "resource": list(mapping["resources"]),
            "fixed_price": [float(r["price"]) if "price" in r else None for r in mapping["resources"].values()],
            "category": [r["category"] for r in mapping["resources"].values()],
        }
    )
    stages = pl.DataFrame(
        {"activity": list(mapping["activities"]), "stage": [a["stage"] for a in mapping["activities"].values()]}
    )
    varying = tables["prices"].sort("valid_from").rename({"valid_from": "date", "price": "varying_price"})
    return (
        records.join_asof(varying, on="date", by="resource", strategy="backward", check_sortedness=False)
        .join(fixed, on="resource", how="left")
        .join(stages, on="activity", how="left")
        .with_columns(pl.coalesce("fixed_price", "varying_price").alias("price"))
        .with_columns((pl.col("quantity") * pl.col("price")).alias("cost"))
        .drop("fixed_price", "varying_price")
    )


def daily_figures(tables: dict[str, pl.DataFrame], mapping: dict | None = None) -> pl.DataFrame:
    """Seed 000 Table 2 figures per mine and day, in CNY, kWh, hours and percent.

    Columns: mine_id, date and FIGURE_COLUMNS. unit_cost and kwh_per_t are null on a day
    without ore.
    """
    records = priced_records(tables, mapping)
    cost_of = lambda mask: (pl.col("cost") * mask).sum()  # noqa: E731 - one-line column helper
    per_day = records.group_by(["mine_id", "date"]).agg(
        pl.col("cost").sum().alias("total_cost"),
        cost_of(pl.col("category") == "maintenance").alias("maintenance_cost"),
        cost_of(pl.col("category") == "material").alias("material_cost"),
        cost_of(pl.col("category") == "safety_env").alias("safety_env_cost"),
        cost_of(pl.col("stage") == "transport").alias("transport_cost"),
        (pl.col("quantity") * (pl.col("resource") == "electricity")).sum().alias("kwh"),
    )
    ore = pl.when(pl.col("ore_t") > 0).then(pl.col("ore_t"))
    return (
        per_day.join(tables["production"].select("mine_id", "date", "ore_t"), on=["mine_id", "date"])
        .join(tables["equipment"].select("mine_id", "date", "downtime_h"), on=["mine_id", "date"])
        .with_columns(
            (pl.col("total_cost") / ore).alias("unit_cost"),
            (pl.col("kwh") / ore).alias("kwh_per_t"),
            (100.0 * pl.col("transport_cost") / pl.col("total_cost")).alias("transport_share"),
        )
        .select("mine_id", "date", *FIGURE_COLUMNS)
        .sort("mine_id", "date")
    )


def _trailing(values: np.ndarray, stat) -> np.ndarray:
    """stat over the BASELINE_DAYS days before each day (expanding at the start, NaN on day 0)."""
    out = np.full(len(values), np.nan)
    for day in range(1, len(values)):
        window = values[max(0, day - BASELINE_DAYS) : day]
        window = window[np.isfinite(window)]
        if len(window) >= 2:
            out[day] = stat(window)
    return out


def risk_scores(
    unit_cost: np.ndarray, kwh_per_t: np.ndarray, downtime_h: np.ndarray, maintenance_cost: np.ndarray
) -> np.ndarray:
    """Number of raised warning points per day (0-5) for one mine's chronological series.

    One point each for: unit cost above its trailing median by UNIT_COST_DEVIATION[0] and
    again by [1]; kWh/t above its trailing mean by KWH_ANOMALY_Z trailing sds; 3-day mean
    downtime above the trailing mean by DOWNTIME_GROWTH_H; maintenance cost above its
    trailing median by MAINTENANCE_SURGE. Days without a baseline score 0.
    """
    unit_cost, kwh_per_t, downtime_h, maintenance_cost = (
        np.asarray(a, dtype=float) for a in (unit_cost, kwh_per_t, downtime_h, maintenance_cost)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        deviation = unit_cost / _trailing(unit_cost, np.median) - 1.0
        kwh_z = (kwh_per_t - _trailing(kwh_per_t, np.mean)) / _trailing(kwh_per_t, np.std)
        recent_downtime = np.convolve(downtime_h, np.ones(3) / 3.0)[: len(downtime_h)]
        recent_downtime[:2] = downtime_h[:2]
        downtime_growth = recent_downtime - _trailing(downtime_h, np.mean)
        surge = maintenance_cost / _trailing(maintenance_cost, np.median) - 1.0
        points = (
            (deviation > UNIT_COST_DEVIATION[0]).astype(int)
            + (deviation > UNIT_COST_DEVIATION[1])
            + (kwh_z > KWH_ANOMALY_Z)
            + (downtime_growth > DOWNTIME_GROWTH_H)
            + (surge > MAINTENANCE_SURGE)
        )
    return points


def risk_labels(figures: pl.DataFrame) -> pl.DataFrame:
    """Ground-truth cost-risk state per mine and day: 0 low, 1 medium, 2 high.

    risk = 2 when risk_scores >= HIGH_SCORE, 1 when >= MEDIUM_SCORE, else 0; computed per
    mine over the chronological daily figures of `daily_figures`.
    """
    parts = []
    for (mine_id,), mine in figures.sort("mine_id", "date").group_by("mine_id", maintain_order=True):
        score = risk_scores(
            mine["unit_cost"].fill_null(np.nan).to_numpy(),
            mine["kwh_per_t"].fill_null(np.nan).to_numpy(),
            mine["downtime_h"].to_numpy(),
            mine["maintenance_cost"].to_numpy(),
        )
        risk = np.where(score >= HIGH_SCORE, 2, np.where(score >= MEDIUM_SCORE, 1, 0))
        parts.append(pl.DataFrame({"date": mine["date"], "mine_id": mine_id, "risk": risk.astype(np.int64)}))
    return pl.concat(parts)
