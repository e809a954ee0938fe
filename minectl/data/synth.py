"""The embedded synthetic smart mine: a seeded, causal, multi-source dataset for N mines.

It follows docs/data-contract.md and the default cost mapping (conf/costs/default.yaml) and is
calibrated to seed 000 Table 2 (see docs/synthetic-mine.md and benchmarks/realism.py).

Causal chain per mine and day (not independent noise):

* equipment wear accumulates with operating load and rock hardness; planned maintenance
  (every 14 days) and repairs reset it; wear raises the failure hazard (Poisson failures);
* degradation episodes (a component slowly failing over 6-14 days) raise kWh/t, minor
  stoppages and the failure hazard until a major breakdown ends them;
* failures cause downtime; downtime cuts ore output the same day (so fixed electricity
  loads raise kWh/t) and shifts haulage to contractors; spare parts and lubricants for the
  repairs are booked one to three days later;
* stope changes move haul distance and rock hardness; the pit deepens, so haul distance
  drifts up and with it diesel and outsourced haulage (the transport share);
* rock hardness drives drilled metres per tonne, explosives per drilled metre and grinding kWh;
* prices of electricity (monthly tariff with occasional steps), diesel (adjusted every
  14 days) and explosives (quarterly contracts) drift as random walks;
* hourly meters miss a few readings (nulls); sensors have isolated one-hour glitch spikes on
  days without failures (noise to remove) and multi-hour true event spikes on failure days
  (signal to keep).

`labels.risk` is the ground truth of `synth_figures.risk_labels`, computed from the daily
cost figures of the generated tables, so a model sees the same data the label came from.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from minectl.data.synth_figures import daily_figures, risk_labels
from minectl.errors import ConfigError

TABLES = (
    "production",
    "consumption_hourly",
    "consumption_daily",
    "prices",
    "equipment",
    "sensors",
    "mines",
    "labels",
)
HOURLY_TABLES = ("consumption_hourly", "sensors")  # written as folders of per-mine part files
MANIFEST = "synth.json"

METERED_ACTIVITIES = ("drilling", "loading", "backfill", "ventilation", "drainage", "hauling", "processing")
FIXED_LOAD_ACTIVITIES = ("ventilation", "drainage")  # run around the clock, whatever the output
BOOKED_RECORDS = (  # daily requisitions and ledger entries: (activity, resource)
    ("drilling", "drill_steel"),
    ("drilling", "labour"),
    ("blasting", "explosives"),
    ("blasting", "labour"),
    ("loading", "diesel"),
    ("loading", "labour"),
    ("backfill", "backfill_cement"),
    ("backfill", "labour"),
    ("hauling", "diesel"),
    ("hauling", "outsourced_haulage"),
    ("hauling", "labour"),
    ("processing", "labour"),
    ("maintenance", "spare_parts"),
    ("maintenance", "lubricants"),
    ("maintenance", "labour"),
    ("safety_environment", "safety_env"),
    ("administration", "management"),
    ("administration", "labour"),
)
SENSORS = ("airflow_m3s", "crusher_load_pct", "pump_flow_m3h", "fleet_availability_pct")

PLANNED_MAINTENANCE_EVERY = 14  # days
GLITCH_RATE = 0.001  # isolated sensor glitches per sensor-hour on days without failures
EVENT_SPIKE_CHANCE = 0.5  # chance that a failure day shows a crusher overload event


@dataclass(frozen=True)
class MineProfile:
    """Static description of one mine; capacity_t and fleet_size stay internal."""

    mine_id: str
    mining_method: str
    equipment_grade: int
    haul_distance_km: float
    rock_hardness_f: float
    outsourcing_share: float
    capacity_t: float
    fleet_size: int


# Mine 1 is the calibration reference (seed 000 Table 2); further mines vary around it.
REFERENCE_MINE = MineProfile("M01", "sublevel_caving", 2, 5.0, 12.0, 0.35, 17_500.0, 26)
MINING_METHODS = ("sublevel_caving", "open_pit", "room_and_pillar")
HAZARD_BY_GRADE = {1: 1.35, 2: 1.0, 3: 0.75}  # newer fleets fail less


def _child_rng(seed: int, *key: int) -> np.random.Generator:
    """Independent stream per (seed, key): mine i's data never depends on how many mines."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _mine_profile(seed: int, index: int) -> MineProfile:
    if index == 0:
        return REFERENCE_MINE
    rng = _child_rng(seed, 2, index)
    method = MINING_METHODS[int(rng.integers(len(MINING_METHODS)))]
    haul = rng.uniform(6.0, 9.0) if method == "open_pit" else rng.uniform(3.0, 6.5)
    return MineProfile(
        mine_id=f"M{index + 1:02d}" if index < 99 else f"M{index + 1}",
        mining_method=method,
        equipment_grade=int(rng.integers(1, 4)),
        haul_distance_km=round(float(haul), 2),
        rock_hardness_f=round(float(rng.uniform(8.0, 16.0)), 1),
        outsourcing_share=round(float(rng.uniform(0.1, 0.6)), 2),
        capacity_t=float(rng.uniform(9_000.0, 30_000.0)),
        fleet_size=int(rng.integers(16, 40)),
    )


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) series with marginal standard deviation sd."""
    shocks = rng.normal(0.0, sd * np.sqrt(1.0 - phi**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    for day in range(1, n):
        out[day] = phi * out[day - 1] + shocks[day]
    return out


def _segments(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """Segment index per day for segments of random length in [low, high] days (stopes)."""
    lengths = rng.integers(low, high + 1, size=n // low + 1)
    return np.repeat(np.arange(len(lengths)), lengths)[:n]


def _episodes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Degradation ramp (0..1) per day and the day each episode ends in a major breakdown."""
    ramp = np.zeros(n)
    breakdown = np.zeros(n, dtype=bool)
    day = int(rng.integers(10, 50))
    while day < n:
        length = int(rng.integers(6, 15))
        end = min(day + length, n)
        ramp[day:end] = np.linspace(1.0 / length, 1.0, length)[: end - day]
        if day + length <= n:
            breakdown[end - 1] = True
        day = end + int(rng.exponential(40.0)) + 10
    return ramp, breakdown


def _simulate_days(profile: MineProfile, dates: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Daily physical quantities of one mine (numpy arrays of length n)."""
    n = len(dates)
    years = np.arange(n) / 365.25
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype(int)
    rain = 0.5 * (1.0 + np.cos(2.0 * np.pi * (day_of_year - 200) / 365.25))  # wet season peaks in July
    sunday = ((dates.astype("datetime64[D]").astype(int) + 4) % 7) == 6

    stope = _segments(rng, n, 12, 30)
    n_stopes = stope[-1] + 1
    hardness = profile.rock_hardness_f * np.exp(rng.normal(0.0, 0.1, n_stopes)[stope] + _ar1(rng, n, 0.6, 0.05))
    haul_km = (
        profile.haul_distance_km
        * (1.0 + 0.45 * years)  # the pit deepens
        * np.exp(rng.normal(0.0, 0.11, n_stopes)[stope] + rng.normal(0.0, 0.03, n))
    )
    planned = (np.arange(n) + int(rng.integers(PLANNED_MAINTENANCE_EVERY))) % PLANNED_MAINTENANCE_EVERY == 0
    ramp, breakdown = _episodes(rng, n)

    base_hazard = HAZARD_BY_GRADE[profile.equipment_grade]
    wear = np.empty(n)
    failures = np.empty(n, dtype=np.int64)
    state = 0.3
    for day in range(n):
        if planned[day]:
            state *= 0.2
        wear[day] = state
        hazard = base_hazard * (0.5 + 1.6 * state**2) + 1.0 * ramp[day]
        failures[day] = rng.poisson(hazard) + breakdown[day]
        state = max(0.0, state - 0.08 * failures[day])  # repairs renew worn parts
        state += 0.055 * hardness[day] / profile.rock_hardness_f + rng.normal(0.0, 0.01)

    downtime_h = (
        rng.gamma(10.0, 0.15, n)  # minor stoppages
        + 0.8 * ramp
        + np.where(failures > 0, rng.gamma(6.0 * np.maximum(failures, 1), 0.18), 0.0)
        + np.where(breakdown, rng.gamma(10.0, 0.35, n), 0.0)
    ).clip(0.0, 20.0)

    ore_t = (
        profile.capacity_t
        * np.exp(_ar1(rng, n, 0.5, 0.17))
        * np.where(sunday, 0.93, 1.0)
        * np.where(planned, 0.8, 1.0)
        * (1.0 - 0.05 * downtime_h).clip(0.05, None)
    )
    operating_h = profile.fleet_size * 20.0 * np.where(planned, 0.7, 1.0) - downtime_h
    drilled_m = ore_t / 8.0 * (hardness / profile.rock_hardness_f) ** 0.3
    outsourcing = (profile.outsourcing_share + 0.03 * (downtime_h - 2.4)).clip(0.0, 0.95)
    tkm = ore_t * haul_km
    cement_t = ore_t * 0.0105 * np.exp(rng.normal(0.0, 0.1, n))  # fill batches vary

    # repairs are paid one to three days after the failure (weights 1/4, 1/2, 1/4)
    repair_spend = rng.gamma(4.0 * np.maximum(failures, 1), 7_000.0) * (failures > 0) + breakdown * 110_000.0
    lagged_repairs = np.convolve(repair_spend, [0.0, 0.25, 0.5, 0.25])[:n]

    relative_hardness = hardness / profile.rock_hardness_f
    liner_age = ((np.arange(n) + int(rng.integers(90))) % 90) / 90.0  # mill liners renewed every 90 days
    summer = 0.5 * (1.0 + np.cos(2.0 * np.pi * (day_of_year - 205) / 365.25))  # air cooling load
    scale = profile.capacity_t / REFERENCE_MINE.capacity_t  # crews and overheads scale with the mine
    kwh = {
        "processing": ore_t * 8.6 * relative_hardness**1.4 * (1.0 + 0.5 * wear + 0.4 * ramp + 0.18 * liner_age)
        + 2_000.0 * failures,
        "hauling": ore_t * 2.4 * np.sqrt(haul_km / profile.haul_distance_km),
        "loading": ore_t * 0.6,
        "drilling": drilled_m * 1.5,
        "backfill": cement_t * 60.0,
        "ventilation": 38_000.0 * scale * (1.0 + 0.4 * summer) * np.exp(rng.normal(0, 0.03, n)),
        "drainage": 10_000.0 * scale * (1.0 + 1.2 * rain)
        * np.exp(rng.normal(0, 0.05, n)),
    }
    # crews: 2/3 fixed, 1/3 follow the day's output (overtime, contractor shifts)
    workload = (2.0 + ore_t / ore_t.mean()) / 3.0
    crews = lambda hours: hours * scale * workload * np.exp(rng.normal(0.0, 0.03, n))  # noqa: E731
    booked = {
        ("drilling", "drill_steel"): drilled_m * 0.045 * hardness,
        ("drilling", "labour"): crews(560.0),
        ("blasting", "explosives"): np.round(drilled_m * 0.46 * hardness * np.exp(rng.normal(0, 0.05, n)) / 25) * 25,
        ("blasting", "labour"): crews(280.0),
        ("loading", "diesel"): ore_t * 0.24,
        ("loading", "labour"): crews(480.0),
        ("backfill", "backfill_cement"): np.round(cement_t * 2.0) / 2.0,
        ("backfill", "labour"): crews(330.0),
        ("hauling", "diesel"): (1.0 - outsourcing) * tkm * 0.175,
        ("hauling", "outsourced_haulage"): outsourcing * tkm,
        ("hauling", "labour"): crews(250.0) + (1.0 - outsourcing) * tkm * 0.015,
        ("processing", "labour"): crews(820.0),
        ("maintenance", "spare_parts"): np.round(
            scale * 52_000.0 * (1.0 + 0.5 * wear) * np.exp(rng.normal(0, 0.08, n))
            + planned * 80_000.0 * scale
            + lagged_repairs
        ),
        ("maintenance", "lubricants"): 1.7 * operating_h + 60.0 * failures + planned * 400.0,
        ("maintenance", "labour"): crews(520.0) + 40.0 * failures + planned * 200.0,
        ("safety_environment", "safety_env"): np.round(
            scale * 54_000.0 * (1.0 + 0.1 * rain) * np.exp(rng.normal(0, 0.22, n)) + 4_000.0 * failures, -2
        ),
        ("administration", "management"): np.round(scale * 95_000.0 * np.exp(rng.normal(0, 0.04, n)), -2),
        ("administration", "labour"): crews(560.0),
    }
    return {
        "ore_t": ore_t,
        "drilled_m": drilled_m,
        "haul_km": haul_km,
        "operating_h": operating_h,
        "downtime_h": downtime_h,
        "failures": failures,
        "maintenance": planned | (failures > 0),
        "wear": wear,
        "kwh": kwh,
        "booked": booked,
    }


def _hourly_weights(days: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per day, hour and metered activity: share of the day's kWh (rows sum to 1), and the
    downtime mask (day, hour) marking the hours the fleet stood."""
    n = len(days["ore_t"])
    hours = np.arange(24)
    start = rng.integers(0, 24, n)
    length = np.clip(np.ceil(days["downtime_h"]), 1, 24)
    down = ((hours[None, :] - start[:, None]) % 24) < length[:, None]
    shift_change = np.isin(hours, (7, 15, 23))
    weights = np.empty((n, 24, len(METERED_ACTIVITIES)))
    for a, activity in enumerate(METERED_ACTIVITIES):
        if activity in FIXED_LOAD_ACTIVITIES:
            profile = np.ones((n, 24))
        else:
            # the plant is buffered by ore bins: a fleet stoppage slows processing less
            depth = 0.8 if activity == "processing" else 0.5
            profile = np.where(shift_change, 0.6, 1.0)[None, :] * np.where(down, depth, 1.0)
        weights[:, :, a] = profile * np.exp(rng.normal(0.0, 0.05, (n, 24)))
    return weights / weights.sum(axis=1, keepdims=True), down


def _hour_stamps(dates: np.ndarray) -> np.ndarray:
    stamps = dates.astype("datetime64[h]")[:, None] + np.arange(24).astype("timedelta64[h]")
    return stamps.ravel().astype("datetime64[us]")


def _with_nulls(values: np.ndarray, rng: np.random.Generator, rate: float) -> pl.Series:
    return pl.Series(values=values, dtype=pl.Float64).scatter(np.flatnonzero(rng.random(values.size) < rate), None)


def _consumption_hourly(
    mine_id: str, dates: np.ndarray, days: dict, weights: np.ndarray, meters: int, missing: float, rng
) -> pl.DataFrame:
    n = len(dates)
    daily_kwh = np.stack([days["kwh"][a] for a in METERED_ACTIVITIES], axis=1)  # (n, A)
    hourly = weights * daily_kwh[:, None, :]  # (n, 24, A)
    shares = rng.dirichlet(np.full(meters, 5.0), size=len(METERED_ACTIVITIES))  # (A, M), fixed per mine
    readings = hourly[:, :, :, None] * shares[None, None, :, :]  # (n, 24, A, M)
    n_a = len(METERED_ACTIVITIES)
    columns = {
        "timestamp": pl.Series(np.repeat(_hour_stamps(dates), n_a * meters)).cast(pl.Datetime("us")),
        "mine_id": pl.Series([mine_id]).extend_constant(mine_id, n * 24 * n_a * meters - 1),
        "activity": pl.Series(METERED_ACTIVITIES).gather(np.tile(np.repeat(np.arange(n_a), meters), n * 24)),
        "resource": pl.Series(["electricity"]).extend_constant("electricity", n * 24 * n_a * meters - 1),
        "quantity": _with_nulls(readings.ravel(), rng, missing),
    }
    if meters > 1:
        meter_ids = [f"{mine_id}-{a}-{m + 1:02d}" for a in METERED_ACTIVITIES for m in range(meters)]
        columns["meter_id"] = pl.Series(meter_ids).gather(np.tile(np.arange(n_a * meters), n * 24))
    return pl.DataFrame(columns)


def _sensors(
    mine_id: str, dates: np.ndarray, days: dict, weights: np.ndarray, down: np.ndarray, missing: float, rng
) -> pl.DataFrame:
    n = len(dates)
    relative = weights * 24.0  # hourly load relative to the day's mean, per activity
    processing = relative[:, :, METERED_ACTIVITIES.index("processing")]
    drainage = days["kwh"]["drainage"] / days["kwh"]["drainage"].mean()
    clean = {
        "airflow_m3s": 310.0 * relative[:, :, METERED_ACTIVITIES.index("ventilation")],
        "crusher_load_pct": (78.0 * processing * (1.0 + 0.1 * days["wear"][:, None])).clip(0.0, 100.0),
        "pump_flow_m3h": 400.0 * drainage[:, None] * np.exp(rng.normal(0.0, 0.03, (n, 24))),
        "fleet_availability_pct": 100.0 * (1.0 - np.where(down, 0.3, 0.0)) - rng.gamma(2.0, 1.0, (n, 24)),
    }
    failure_day = days["failures"] > 0
    columns = {"timestamp": pl.Series(_hour_stamps(dates)).cast(pl.Datetime("us")), "mine_id": [mine_id] * (n * 24)}
    for name, series in clean.items():
        sd = series.std()
        values = series.copy()
        # true events: a 3-5 hour overload of the crusher on some failure days
        if name == "crusher_load_pct":
            for day in np.flatnonzero(failure_day & (rng.random(n) < EVENT_SPIKE_CHANCE)):
                first, length = int(rng.integers(0, 20)), int(rng.integers(3, 6))
                values[day, first : first + length] += rng.uniform(4.0, 6.0) * sd
        # glitches: single hours far off the series on days without failures
        glitch = (rng.random((n, 24)) < GLITCH_RATE) & ~failure_day[:, None]
        values[glitch] += rng.choice([-1.0, 1.0], glitch.sum()) * rng.uniform(6.0, 10.0, glitch.sum()) * sd
        columns[name] = _with_nulls(values.ravel(), rng, missing)
    return pl.DataFrame(columns)


def _prices(seed: int, dates: np.ndarray) -> pl.DataFrame:
    """Market prices shared by all mines: monthly electricity tariff with occasional steps,
    diesel adjusted every 14 days, explosives by quarterly contract (random walks)."""
    rng = _child_rng(seed, 0)
    first, n = dates[0], len(dates)
    months = np.unique(dates.astype("datetime64[M]")).astype("datetime64[D]")
    months[0] = first
    steps = np.where(rng.random(len(months)) < 0.12, rng.uniform(0.03, 0.08, len(months)), 0.0)
    electricity = 0.62 * np.exp(np.cumsum(rng.normal(0.0, 0.008, len(months)) + steps))
    diesel_days = first + np.arange(0, n, 14).astype("timedelta64[D]")
    diesel = 7.6 * np.exp(np.cumsum(rng.normal(0.002, 0.015, len(diesel_days))))
    quarters = np.unique(dates.astype("datetime64[M]")[dates.astype("datetime64[M]").astype(int) % 3 == 0])
    quarter_days = np.unique(np.concatenate([[first], quarters.astype("datetime64[D]")]))
    quarter_days = quarter_days[quarter_days >= first]
    explosives = 11.0 * np.exp(np.cumsum(rng.normal(0.01, 0.03, len(quarter_days))))
    frames = [
        pl.DataFrame({"resource": resource, "valid_from": days, "price": np.round(price, 4)})
        for resource, days, price in (
            ("electricity", months, electricity),
            ("diesel", diesel_days, diesel),
            ("explosives", quarter_days, explosives),
        )
    ]
    return pl.concat(frames).with_columns(pl.col("valid_from").cast(pl.Date))


def _mine_tables(
    seed: int, index: int, dates: np.ndarray, prices: pl.DataFrame, meters: int, missing: float
) -> dict[str, pl.DataFrame]:
    profile = _mine_profile(seed, index)
    rng = _child_rng(seed, 1, index)
    days = _simulate_days(profile, dates, rng)
    weights, down = _hourly_weights(days, rng)
    n = len(dates)
    day_col = pl.Series("date", dates).cast(pl.Date)
    mine_col = pl.Series("mine_id", [profile.mine_id] * n)
    tables = {
        "production": pl.DataFrame(
            [day_col, mine_col]
            + [pl.Series(c, np.round(days[c], 2), dtype=pl.Float64) for c in ("ore_t", "drilled_m", "haul_km")]
        ),
        "equipment": pl.DataFrame(
            [
                day_col,
                mine_col,
                pl.Series("operating_h", np.round(days["operating_h"], 2), dtype=pl.Float64),
                pl.Series("downtime_h", np.round(days["downtime_h"], 2), dtype=pl.Float64),
                pl.Series("failures", days["failures"], dtype=pl.Int64),
                pl.Series("maintenance", days["maintenance"], dtype=pl.Boolean),
            ]
        ),
        "consumption_daily": pl.DataFrame(
            {
                "date": np.repeat(dates, len(BOOKED_RECORDS)),
                "mine_id": profile.mine_id,
                "activity": np.tile([a for a, _ in BOOKED_RECORDS], n),
                "resource": np.tile([r for _, r in BOOKED_RECORDS], n),
                "quantity": np.round(np.stack([days["booked"][k] for k in BOOKED_RECORDS], axis=1).ravel(), 2),
            }
        ).with_columns(pl.col("date").cast(pl.Date), pl.col("quantity").cast(pl.Float64)),
        "consumption_hourly": _consumption_hourly(profile.mine_id, dates, days, weights, meters, missing, rng),
        "sensors": _sensors(profile.mine_id, dates, days, weights, down, missing, rng),
        "mines": pl.DataFrame(
            [{k: v for k, v in asdict(profile).items() if k not in ("capacity_t", "fleet_size")}],
            schema={
                "mine_id": pl.String,
                "mining_method": pl.String,
                "equipment_grade": pl.Int64,
                "haul_distance_km": pl.Float64,
                "rock_hardness_f": pl.Float64,
                "outsourcing_share": pl.Float64,
            },
        ),
    }
    tables["labels"] = risk_labels(daily_figures({**tables, "prices": prices}))
    return tables


def _days(start: str, years: float) -> np.ndarray:
    try:
        first = date.fromisoformat(str(start))
    except ValueError:
        raise ConfigError(f"data.synthetic.start={start!r}: not a date; expected an ISO date like 2023-01-01") from None
    whole = int(years)
    try:
        try:
            end = first.replace(year=first.year + whole)
        except ValueError:  # 29 February
            end = first.replace(year=first.year + whole, day=28)
        end += timedelta(days=round((years - whole) * 365))
    except (ValueError, OverflowError):  # past 9999-12-31, Python's last date: was a traceback
        raise ConfigError(f"start {first} and years {years:g}: run past {date.max}, the last date there is; "
                          "expected an earlier start or fewer years") from None
    return np.arange(np.datetime64(first), np.datetime64(end), dtype="datetime64[D]")


def _check(mines: int, years: float, seed: int, meters_per_activity: int, missing_rate: float) -> None:
    checks = (
        ("mines", mines, isinstance(mines, int) and mines >= 1, "an integer >= 1"),
        ("years", years, isinstance(years, (int, float)) and 0.1 <= years <= 50, "a number of years in [0.1, 50]"),
        ("seed", seed, isinstance(seed, int) and seed >= 0, "an integer >= 0"),
        ("meters_per_activity", meters_per_activity, isinstance(meters_per_activity, int) and meters_per_activity >= 1,
         "an integer >= 1"),
        ("missing_rate", missing_rate, isinstance(missing_rate, (int, float)) and 0.0 <= missing_rate <= 0.5,
         "a fraction in [0, 0.5]"),
    )
    for key, value, ok, expected in checks:
        if isinstance(value, bool) or not ok:
            raise ConfigError(f"{key}: expected {expected}, got {value!r}")


# The most hourly meter rows held in memory at once (one mine's as a data set is written, every mine's for
# data=synthetic and --to postgres) and written in all: 5 and 50 times the 164-mine data set of docs/performance.md
# (20,140,512). A slip (--mines 100000, --meters-per-activity 10000) ran for hours or exhausted the memory.
MAX_ROWS_IN_MEMORY = 100_000_000
MAX_ROWS_WRITTEN = 1_000_000_000


def _check_size(mines: int, days: int, meters_per_activity: int, one_mine_at_a_time: bool) -> None:
    per_mine = days * 24 * len(METERED_ACTIVITIES) * meters_per_activity
    limits = [(per_mine, MAX_ROWS_IN_MEMORY, "held in memory for one mine")] if one_mine_at_a_time else []
    limits.append((mines * per_mine, MAX_ROWS_WRITTEN if one_mine_at_a_time else MAX_ROWS_IN_MEMORY,
                   "written in all" if one_mine_at_a_time else "held in memory"))
    for rows, limit, how in limits:
        if rows > limit:
            raise ConfigError(f"mines {mines}, {days:,} days and meters_per_activity {meters_per_activity}: {rows:,} hourly meter "
                              f"rows {how}, over the {limit:,} allowed; expected fewer mines, years or meters (the 164 mines "
                              "of 2 years of docs/performance.md have 20,140,512)")


def _generate_mines(mines, years, start, seed, meters_per_activity, missing_rate, one_mine_at_a_time=False):
    """Prices, then the tables of each mine in turn (one mine in memory at a time where ``one_mine_at_a_time``;
    else the caller keeps them all: _check_size's limits); the settings checked at the call, before any is made."""
    _check(mines, years, seed, meters_per_activity, missing_rate)
    dates = _days(start, years)
    _check_size(mines, len(dates), meters_per_activity, one_mine_at_a_time)
    return _each_mine(mines, seed, dates, meters_per_activity, missing_rate)


def _each_mine(mines, seed, dates, meters_per_activity, missing_rate):
    prices = _prices(seed, dates)
    yield "prices", prices
    for index in range(mines):
        yield index, _mine_tables(seed, index, dates, prices, meters_per_activity, float(missing_rate))


def generate(
    mines: int = 1,
    years: float = 2.0,
    start: str = "2023-01-01",
    seed: int = 0,
    meters_per_activity: int = 1,
    missing_rate: float = 0.01,
) -> dict[str, pl.DataFrame]:
    """The synthetic dataset in memory: one polars DataFrame per name in TABLES.

    `consumption_hourly` holds the hourly electricity meters (key timestamp, mine_id,
    activity, resource; plus `meter_id` when meters_per_activity > 1), `consumption_daily`
    the booked daily records; both follow the `consumption` contract. Same arguments ->
    identical frames. Mine i's data depends only on (seed, i, start, years).
    """
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in TABLES}
    for key, value in _generate_mines(mines, years, start, seed, meters_per_activity, missing_rate):
        if key == "prices":
            parts["prices"].append(value)
        else:
            for name, frame in value.items():
                parts[name].append(frame)
    return {name: pl.concat(frames) for name, frames in parts.items()}


_PART = re.compile(r"part-[0-9]{5}\.parquet")


def _not_written_here(out: Path) -> list[Path]:
    """The entries of an earlier dataset's folder ``out`` that write_dataset does not write (a user's notes, a table
    of their own), in name order: replacing the folder would delete them."""
    ours = {MANIFEST, *HOURLY_TABLES, *(f"{name}.parquet" for name in TABLES if name not in HOURLY_TABLES)}
    found = [entry for entry in sorted(out.iterdir()) if entry.name not in ours]
    for name in HOURLY_TABLES:
        if (out / name).is_dir():
            found += [entry for entry in sorted((out / name).iterdir()) if not _PART.fullmatch(entry.name)]
    return found


def _staging(out: Path, kind: str) -> Path:
    """A hidden sibling of ``out`` for this process (made exclusively)."""
    path = out.parent / f".{out.name}.{kind}-{os.getpid()}"
    path.mkdir()
    return path


def _remove_leftovers(out: Path) -> None:
    """Remove the staging siblings of ``out`` whose process is gone (it was killed), or that
    carry this process's id (a killed run's, whose id the system has given to this one)."""
    for path in out.parent.glob(f".{glob.escape(out.name)}.*-*"):
        kind, _, pid = path.name[len(out.name) + 2:].partition("-")
        if kind in ("tmp", "old") and pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def write_dataset(
    out_dir: str | os.PathLike,
    mines: int = 1,
    years: float = 2.0,
    start: str = "2023-01-01",
    seed: int = 0,
    meters_per_activity: int = 1,
    missing_rate: float = 0.01,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Path]:
    """Write the dataset of `generate` as parquet under out_dir, one mine in memory at a time.

    Hourly tables (consumption_hourly, sensors) become folders of per-mine part files
    (`<table>/part-00000.parquet`, read them with a `*.parquet` glob); the others single
    files `<table>.parquet`. Everything is written into a hidden sibling folder named with
    this process's id (`.<name>.tmp-<pid>`) that is renamed to out_dir at the end; such
    folders a killed run left behind (their process is gone) are removed first. An existing
    out_dir is replaced only if it holds an earlier synthetic dataset (its synth.json) and nothing
    else (_not_written_here); otherwise it must be absent or empty.
    progress, if given, is called with 1 after each mine. Returns table name -> path.
    """
    out = Path(out_dir)
    if Path.cwd().is_relative_to(out.resolve()):  # `--out .`: the folder cannot be replaced (EBUSY), its ..old-<pid> was left
        raise ConfigError(f"out_dir: {out} is or holds the current folder, which cannot be replaced; expected a folder below it "
                          f"(e.g. {out / 'synthetic'})")
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise ConfigError(f"out_dir: expected an empty folder or an earlier synthetic dataset, got {out}")
    foreign = _not_written_here(out) if out.is_dir() else []
    if foreign:  # the folder is replaced whole: a file put beside an earlier dataset was deleted without a word
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise ConfigError(f"out_dir: {out} holds {str(foreign[0].relative_to(out))!r}{more} beside an earlier synthetic dataset, "
                          "which replacing the folder would delete; expected a folder of that dataset alone (move the other "
                          "files out, or write to another folder)")
    each_mine = _generate_mines(mines, years, start, seed, meters_per_activity, missing_rate, one_mine_at_a_time=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    tmp = _staging(out, "tmp")
    try:
        small: dict[str, list[pl.DataFrame]] = {n: [] for n in TABLES if n not in HOURLY_TABLES}
        for name in HOURLY_TABLES:
            (tmp / name).mkdir()
        for key, value in each_mine:
            if key == "prices":
                small["prices"].append(value)
                continue
            for name, frame in value.items():
                if name in HOURLY_TABLES:
                    frame.write_parquet(tmp / name / f"part-{key:05d}.parquet")
                else:
                    small[name].append(frame)
            if progress is not None:
                progress(1)
        for name, frames in small.items():
            pl.concat(frames).write_parquet(tmp / f"{name}.parquet")
        manifest = dict(mines=mines, years=years, start=start, seed=seed,
                        meters_per_activity=meters_per_activity, missing_rate=missing_rate)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        if out.exists():
            old = _staging(out, "old")
            os.replace(out, old / out.name)
            os.replace(tmp, out)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {name: out / (name if name in HOURLY_TABLES else f"{name}.parquet") for name in TABLES}


def read_dataset(root: str | os.PathLike) -> dict[str, pl.DataFrame]:
    """Read a folder written by write_dataset back into frames (tests and benchmarks)."""
    root = Path(root)
    return {
        name: pl.read_parquet(root / name / "*.parquet" if name in HOURLY_TABLES else root / f"{name}.parquet")
        for name in TABLES
    }
