"""Bad-input corpus, round 13 (cost): a unit slip on a repair day or in a series' first days, a main meter beside its
sub-meters, a price inside another's validity, the anomaly baselines across a day the daily table skips, units
written in Chinese and a sweep of the cleaning; mostly on the library functions (one mine, electricity at 0.6
CNY/kWh, spare parts booked in CNY at price 1, constant prices).

An outlier on an event day (a failure, or within 3 days after one) is kept as a real signal. Electricity read in
Wh for one day among kWh (1,000x) on such a day was kept and costed 1,000x (a mine with a failure every day: 636 k
CNY for 41 k), and so was one in a series' first 30 days, before the 3-sigma rule has a full window: a day at least
500x (a unit step, within the factor 2 of the unit-step check) the largest of its outlier window and the next day
is an outlier, on an event day too, removed and imputed; a bill in money (spare parts after an overhaul), a 300x day
and a level that stays (a plant put in service after standby) are kept as before.

A main meter beside its sub-meters (or a daily total beside the hourly sub-meters) was summed with them: the
consumption costed twice without a word. A source that is the sum of the others (two at least) on every day they
give the series is refused, as two sources alike are (the same meter twice).

A price list with a price for a few days inside a longer one's validity (0.6 CNY/kWh from 1 to 12 January, 0.9
from 3 to 5 January) was refused as "no price for 'electricity' on 2024-01-06", a day the first row covers: the
end of the short one is now the longer one's price again (the row in force with the latest valid_from, as on any
day); a day no row covers is refused as before.

The anomaly baselines took the previous ``window`` rows of a mine: after a day the daily table skips (no consumption
record at all that day), they reached further back than the ``window`` days the docs name. A day is scored against
the previous ``window`` days only where the mine has every one of them, as at a series' start; a day-over-day
change (`cost_chg`) after a skipped day is none (it compared with two days before).

A price list whose unit column writes a Chinese tariff's own unit, 元/千瓦时 (or 元/度, 度 being a kWh as bills
name it), was refused as another unit than CNY/kWh, though 元 was read as CNY already: the Chinese names of
kWh, MWh, t, kg, L and m3 compare as those units; 元/兆瓦时 (per MWh) is still refused.

A sweep over `cost.impute_cycle` with a value of no period ran the jobs before it in full and failed its own job
only (exit 1, a summary of the others): it is refused before any job, as the other cleaning parameters are. A cycle
shorter than a day (1h, or 1i: one row) was taken, each daily record its own cycle: nothing was imputed and every
missing day left uncosted; refused (1d, no imputation by choice, is taken as before).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from harness import assert_refused

from minectl.costing.accounts import Preprocessing, cost_accounts
from minectl.costing.anomalies import Condition, Rule, rule_hits, zscore_hits
from minectl.costing.ledger import build_ledger
from minectl.costing.mapping import CostMapping
from minectl.errors import ConfigError, DataError
from minectl.features import add_intensities

POWER = 0.6  # CNY/kWh
MAPPING = CostMapping.from_dict({
    "currency": "CNY",
    "resources": {"electricity": {"unit": "kWh", "category": "energy", "price": POWER},
                  "spare_parts": {"unit": "CNY", "category": "maintenance", "price": 1.0}},
    "activities": {"processing": {"stage": "beneficiation", "resources": ["electricity", "spare_parts"]}},
    "cost_objects": ["stage", "mine"],
})
START = dt.date(2024, 1, 1)


def _day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


def _wiggle(level: float, days: int) -> list[float]:
    return [level * (1 + 0.2 * ((i % 5) - 2) / 2) for i in range(days)]  # +-20 %


def _accounts(series: dict[str, list[float]], *, failures: bool = True, bounds=None, hourly: pl.DataFrame | None = None,
              days: int | None = None):
    """cost_accounts of one mine's daily records (resource -> a quantity a day from 2024-01-01) and/or its hourly
    meters; ore 100 t a day, a failure every day (each day an event) unless ``failures`` is false."""
    days = days or max(len(q) for q in series.values())
    dates = [_day(i) for i in range(days)]
    production = pl.DataFrame({"date": dates, "mine_id": "M1", "ore_t": 100.0})
    equipment = pl.DataFrame({"date": dates, "mine_id": "M1", "operating_h": 20.0, "downtime_h": 1.0,
                              "failures": int(failures), "maintenance": False})
    booked = pl.DataFrame([{"date": _day(i), "mine_id": "M1", "activity": "processing", "resource": resource, "quantity": q}
                           for resource, quantities in series.items() for i, q in enumerate(quantities)],
                          schema={"date": pl.Date, "mine_id": pl.String, "activity": pl.String, "resource": pl.String,
                                  "quantity": pl.Float64})
    return cost_accounts(MAPPING, production=production, consumption_daily=booked if series else None,
                         consumption_hourly=None if hourly is None else hourly.lazy(), equipment=equipment,
                         prep=Preprocessing(bounds=bounds or {}))


# ------------------------------------------------------------------------------ a unit slip on an event day

def test_a_day_in_wh_on_an_event_day_is_removed_and_imputed():
    """1,000 kWh a day (+-20 %) for 60 days, 2024-02-15 at 1,000x (Wh), a failure every day: before, kept as the
    event's signal and costed 600,600 CNY for 600; now removed and imputed with February's mean of its 28 days read."""
    quantities = _wiggle(1000.0, 60)
    quantities[45] *= 1000
    read = [q for i, q in enumerate(quantities) if i != 45]
    february = [q for i, q in enumerate(quantities) if 31 <= i < 60 and i != 45]
    accounts = _accounts({"electricity": quantities})
    assert (accounts.counts["outliers_removed"], accounts.counts["outliers_kept_event"], accounts.counts["daily_imputed"]) == (1, 0, 1)
    assert accounts.daily["cost"].sum() == pytest.approx((sum(read) + sum(february) / 28) * POWER, rel=1e-12)


def test_a_day_in_wh_above_a_bound_early_in_a_series_is_removed_on_an_event_day():
    """Day 6 of 10 at 1,000x, above the bound of 500,000 kWh, before the 3-sigma rule has a full window: the event
    kept it (costed 1,000x); removed against the largest of the five days before it, imputed with January's mean."""
    quantities = _wiggle(1000.0, 10)
    quantities[5] *= 1000
    read = [q for i, q in enumerate(quantities) if i != 5]
    accounts = _accounts({"electricity": quantities}, bounds={"electricity": (0.0, 500_000.0)})
    assert accounts.counts["outliers_removed"] == 1
    assert accounts.daily["cost"].sum() == pytest.approx(sum(read) * 10 / 9 * POWER, rel=1e-12)


@pytest.mark.parametrize("resource, factor", [("electricity", 300.0), ("spare_parts", 1000.0)])
def test_a_300x_day_or_a_bill_in_money_on_an_event_day_is_kept_as_before(resource, factor):
    """The near misses: a 300x day is no unit step, and spare parts in CNY (an overhaul's bill 1,000x the usual day)
    have no unit to slip: kept as the event's signal and costed as given."""
    quantities = _wiggle(1000.0, 60)
    quantities[45] *= factor
    accounts = _accounts({resource: quantities})
    assert (accounts.counts["outliers_removed"], accounts.counts["outliers_kept_event"]) == (0, 1)
    price = POWER if resource == "electricity" else 1.0
    assert accounts.daily["cost"].sum() == pytest.approx(sum(quantities) * price, rel=1e-12)


def test_a_day_in_wh_in_a_series_first_days_is_removed_and_imputed():
    """Day 2 of 40 at 1,000x, no event, no bound: the 3-sigma rule has no window yet (costed 1,000x before); removed
    against the first day and the third, imputed with January's mean of its 30 other days."""
    quantities = _wiggle(1000.0, 40)
    quantities[1] *= 1000
    january = [q for i, q in enumerate(quantities) if i < 31 and i != 1]
    accounts = _accounts({"electricity": quantities}, failures=False)
    assert accounts.counts["outliers_removed"] == 1
    assert accounts.daily["cost"].sum() == pytest.approx((sum(quantities) - quantities[1] + sum(january) / 30) * POWER, rel=1e-12)


def test_a_plant_put_in_service_after_standby_is_costed_as_given():
    """The near miss: 10 days at 0.5 kWh (standby), then 1,000 kWh a day: the first day in service is 2,000x the
    days before, and the level stays: no jump."""
    quantities = [0.5] * 10 + _wiggle(1000.0, 30)
    accounts = _accounts({"electricity": quantities}, failures=False)
    assert accounts.counts["outliers_removed"] == 0
    assert accounts.daily["cost"].sum() == pytest.approx(sum(quantities) * POWER, rel=1e-12)


def test_a_day_in_wh_without_an_event_is_removed_as_before():
    quantities = _wiggle(1000.0, 60)
    quantities[45] *= 1000
    accounts = _accounts({"electricity": quantities}, failures=False)
    assert (accounts.counts["outliers_removed"], accounts.counts["outliers_kept_event"]) == (1, 0)


# ------------------------------------------------------------------------- a main meter beside its sub-meters

DAYS = 5


def _meters(**hourly: list[float]) -> pl.DataFrame:
    """Hourly electricity of the processing plant, a meter per keyword (its readings, repeated over DAYS days)."""
    stamps = [dt.datetime(2024, 1, 1) + dt.timedelta(hours=h) for h in range(24 * DAYS)]
    return pl.DataFrame([{"timestamp": t, "mine_id": "M1", "activity": "processing", "resource": "electricity",
                          "meter_id": meter, "quantity": readings[h % len(readings)]}
                         for meter, readings in hourly.items() for h, t in enumerate(stamps)])


MILL = [50.0 + h % 7 for h in range(24 * DAYS)]  # kWh an hour, varying
CRUSHER = [20.0 + h % 5 for h in range(24 * DAYS)]


def test_a_main_meter_beside_its_sub_meters_is_refused():
    """The feeder's meter (mill + crusher) beside the mill's and the crusher's: their sum costed it twice."""
    feeder = [m + c for m, c in zip(MILL, CRUSHER, strict=True)]
    with pytest.raises(DataError, match=r"resource 'electricity' is given by consumption_hourly meter 'feeder' as the sum of "
                                        r"its other sources on each of the 5 days .*a main meter \(or a daily total\) beside"):
        _accounts({}, hourly=_meters(feeder=feeder, mill=MILL, crusher=CRUSHER), days=DAYS)


def test_a_daily_total_beside_its_hourly_sub_meters_is_refused():
    daily = [sum(MILL[24 * d:24 * d + 24]) + sum(CRUSHER[24 * d:24 * d + 24]) for d in range(DAYS)]
    with pytest.raises(DataError, match="is given by consumption_daily as the sum of its other sources"):
        _accounts({"electricity": daily}, hourly=_meters(mill=MILL, crusher=CRUSHER))


def test_three_meters_none_the_sum_of_the_others_are_summed():
    """The near miss: a third meter that is not the sum of the two (the feeder 2 % above: its losses are not the
    mill's and the crusher's) is costed with them, as before; so are three flat-rate loads, 100 + 100 = 200 kWh."""
    feeder = [1.02 * (m + c) for m, c in zip(MILL, CRUSHER, strict=True)]
    accounts = _accounts({}, hourly=_meters(feeder=feeder, mill=MILL, crusher=CRUSHER), days=DAYS)
    assert accounts.daily["cost"].sum() == pytest.approx((sum(feeder) + sum(MILL) + sum(CRUSHER)) * POWER, rel=1e-12)
    flat = _accounts({}, hourly=_meters(a=[100.0], b=[100.0], c=[200.0]), days=DAYS)
    assert flat.daily["cost"].sum() == pytest.approx(400.0 * 24 * DAYS * POWER, rel=1e-12)


# ------------------------------------------------------------------ anomaly baselines across a skipped day

COSTS = [10.0, 11.0, 12.0, 100.0, 101.0, 102.0, 200.0]  # z of day 3 over days 0-2: (100 - 11) / 1 = 89; of day 6: 99


def _daily(offsets: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"date": [_day(i) for i in offsets], "mine_id": "M1", "cost": COSTS})


@pytest.mark.parametrize("offsets, flagged", [
    ([0, 1, 2, 3, 4, 5, 6], {3: 89.0, 6: 99.0}),  # gapless: as before
    ([0, 1, 2, 4, 5, 6, 7], {7: 99.0}),  # 2024-01-04 skipped: the next 3 days have no full window of 3 days before them
])
def test_the_z_baseline_is_the_previous_window_days(offsets, flagged):
    hits = zscore_hits(_daily(offsets), ["cost"], window=3, z=3.0)
    assert {(d - START).days: round(z, 9) for d, z in hits.select("date", "score").iter_rows()} == flagged


@pytest.mark.parametrize("offsets, fired", [([0, 1, 2, 3, 4, 5, 6], [3, 4, 6]), ([0, 1, 2, 4, 5, 6, 7], [7])])
def test_the_rule_baseline_is_the_previous_window_days(offsets, fired):
    """cost up 50 % over its trailing mean of 3: 100 over 11 (+809 %), 101 over 41 (+146 %), not 102 over 71 (+44 %),
    200 over 101 (+98 %); after the skipped day, the last only."""
    rule = Rule("cost_up", (Condition("cost", "up", 0.5),))
    hits = rule_hits(_daily(offsets), [rule], window=3)
    assert [(d - START).days for d in hits["date"]] == fired


# ------------------------------------------------------------------------------------ sweeps of the cleaning

def test_a_sweep_with_an_impute_cycle_of_no_period_is_refused_before_any_job(tmp_path):
    sweep = tmp_path / "sweep"
    assert_refused(["cost", "-m", "debug=quick", "cost.impute_cycle=1mo,fortnight", f"hydra.sweep.dir={sweep}"],
                   "cost.impute_cycle: 'fortnight'; expected a period of a day or longer, like 1mo, 1w, 7d", run_dir=sweep)
    assert not sweep.exists()


@pytest.mark.parametrize("cycle", ["1h", "30m", "1i"])
def test_an_impute_cycle_shorter_than_a_day_is_refused(cycle):
    """A cycle of hours, or of one row (1i), held one daily record each: nothing to impute from, every missing day
    left uncosted (21 on the quick synthetic mine)."""
    with pytest.raises(ConfigError, match=rf"'{cycle}'; expected a period of a day or longer"):
        Preprocessing(impute_cycle=cycle).check()


@pytest.mark.parametrize("cycle", ["1d", "2w", "1mo", "1q", "1y"])
def test_an_impute_cycle_of_days_or_longer_is_taken(cycle):
    Preprocessing(impute_cycle=cycle).check()


@pytest.mark.parametrize("offsets, change", [([0, 1, 2], [None, 0.1, 0.1]), ([0, 1, 3], [None, 0.1, None])])
def test_a_day_over_day_change_is_none_after_a_skipped_day(offsets, change):
    frame = pl.DataFrame({"date": [_day(i) for i in offsets], "mine_id": "M1", "cost": [100.0, 110.0, 121.0]})
    found = add_intensities(frame, {}, change=["cost"]).collect()["cost_chg"].to_list()
    assert [None if c is None else round(c, 12) for c in found] == change


# ------------------------------------------------------------------------ a price inside another's validity

def _ledger_prices(rows: list[tuple[int, int | None, float]], days: int = 12) -> list[float]:
    """The ledger's electricity price per day (1,000 kWh a day from 2024-01-01) under the price rows (first day,
    last day or None, CNY/kWh), days counted from 1."""
    mapping = CostMapping.from_dict({"currency": "CNY", "resources": {"electricity": {"unit": "kWh", "category": "energy"}},
                                     "activities": {"processing": {"stage": "beneficiation", "resources": ["electricity"]}}})
    records = pl.DataFrame({"date": [_day(i) for i in range(days)], "mine_id": "M1", "activity": "processing",
                            "resource": "electricity", "quantity": 1000.0})
    prices = pl.DataFrame({"resource": "electricity", "valid_from": [_day(a - 1) for a, _, _ in rows],
                           "valid_to": [None if b is None else _day(b - 1) for _, b, _ in rows], "price": [p for _, _, p in rows]},
                          schema={"resource": pl.String, "valid_from": pl.Date, "valid_to": pl.Date, "price": pl.Float64})
    return build_ledger(records, mapping, prices)["price"].to_list()


def test_a_price_for_a_few_days_inside_a_longer_one_ends_back_into_it():
    assert _ledger_prices([(1, 12, 0.6), (3, 5, 0.9)]) == [0.6, 0.6, 0.9, 0.9, 0.9] + [0.6] * 7
    # a row's end inside the next, open one: the next one's price (refused as "no price" on the 6th before)
    assert _ledger_prices([(1, 5, 0.6), (3, None, 0.9)]) == [0.6, 0.6] + [0.9] * 10


@pytest.mark.parametrize("rows", [
    [(1, 3, 0.6), (3, None, 0.9)],  # an exclusive end: the next row's first day
    [(1, 2, 0.6), (3, None, 0.9)],  # an inclusive one
    [(1, 12, 0.6), (3, 12, 0.9)],  # both to the same day (every row to 9999-12-31, as some exports write it)
])
def test_consecutive_and_superseded_prices_cost_as_before(rows):
    assert _ledger_prices(rows) == [0.6, 0.6] + [0.9] * 10


def test_a_day_no_price_row_covers_is_still_refused():
    with pytest.raises(DataError, match="no price for 'electricity' on 2024-01-11"):
        _ledger_prices([(1, 10, 0.6), (3, 5, 0.9)])


# ------------------------------------------------------------------------------------ units written in Chinese

@pytest.mark.parametrize("table, unit", [("prices", "元/千瓦时"), ("prices", "元/度"), ("prices", "元 / 千瓦时"),
                                         ("consumption_daily", "千瓦时"), ("consumption_hourly", "度")])
def test_a_unit_written_in_chinese_is_the_mappings(table, unit):
    MAPPING.check_units([("electricity", unit)], table, "unit")


@pytest.mark.parametrize("table, unit", [("prices", "元/兆瓦时"), ("consumption_daily", "兆瓦时"), ("prices", "美元/千瓦时")])
def test_another_unit_written_in_chinese_is_still_refused(table, unit):
    with pytest.raises(DataError, match=f"gives resource 'electricity' in '{unit}'"):
        MAPPING.check_units([("electricity", unit)], table, "unit")
