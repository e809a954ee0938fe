"""Bad-input corpus, round 14 (cost): cumulative meter counters that reset, the trailing mean after a
skipped day, and cost mappings from someone else (units spelled out, a unit or a resource list of the
wrong type, a price beyond any float).

A meter's running total (register readings) given as the hourly use was refused only where it never fell
back from one day to the next: one rollover of the counter, or the meter replaced by one starting at
another reading, and 20 days of hourly electricity (about 100 kWh an hour, 28,800 kWh: 17,280 CNY at 0.6)
were costed as the running totals, 3,596,696 CNY, without a word. A series that falls back only as a
register resets, every run between two resets of PATTERN_DAYS days or more (the first and last runs may be
cut by the extract), is refused as one that never falls; use that climbs a few days and falls back is
costed as before (`features.series.rising_runs`, shared with the daily records' check).

`<col>_rm` took the last `cost.rolling_window` rows of a mine: after a day the daily table skips it reached
back further than the `window` days it names. It is the mean over the trailing `window` calendar days now
(the same bits on a daily table without gaps).

A cost mapping's unit written as a list (`unit: [t]`) was costed and compared as the text "['t']"; an
activity's resources written as one name (`resources: labour`) were read letter by letter ("'l' is not
declared"); a price of 1 and 400 zeros ended in a traceback (OverflowError). A unit column stating a
mapping unit spelled out (`CNY/tonne`, `litres`) was refused as another unit; a US ton (0.907 t) still is. A
source column named in GJ, MJ, TJ, therms or MMBtu (`energy_GJ` as the quantity of electricity in kWh) was costed
as the mapping's unit: no unit the column-map check knew; it is refused as `energy_MWh` is. A threshold of
a bound or an anomaly rule of 1 and 400 zeros ended in a traceback; a rule threshold of inf was taken (an `up` that
never fires, a `flat` that always holds): both are named in one line. A price row whose valid_to is before its
valid_from (a slip: 2024-01-03 for 2024-02-03) was costed from its valid_from on, for ever, on days no row covers
too; refused. A week-to-date total in consumption_daily (rising 7 days, back to 8 h each Monday) was costed
(95,200 CNY for 23,800): runs under the 28 days of the register check; a series of 28 days or more whose every
week goes back, on one day of the week, to where its run started after growing to twice that is refused too (a
sawtooth of 20-day runs and a weekly pattern of use are still costed, as rounds 9 and 11 test).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from conftest import write_daily_labour, write_tiny_mine
from harness import assert_refused

from minectl.costing.mapping import CostMapping
from minectl.errors import ConfigError, DataError
from minectl.features import add_intensities, metered_daily
from minectl.features.resample import PATTERN_DAYS
from minectl.features.series import rising_runs

START = dt.datetime(2024, 1, 1)
KEYS = ["mine_id", "activity", "resource"]


def _use(days: int, seed: int = 0) -> np.ndarray:
    """Hourly use of about 100 kWh an hour, falling back every night as real use does."""
    rng = np.random.default_rng(seed)
    return rng.uniform(50, 150, days * 24)


def _hourly(kwh: np.ndarray) -> pl.LazyFrame:
    return pl.LazyFrame({"timestamp": [START + dt.timedelta(hours=h) for h in range(kwh.size)], "mine_id": "M1",
                         "activity": "processing", "resource": "electricity", "quantity": kwh})


def _register(use: np.ndarray, resets: list[int], start_at: float = 0.0) -> np.ndarray:
    """The running total of ``use`` from ``start_at``, set back to the hour's use at each of ``resets`` (hours)."""
    reading = np.empty_like(use)
    for part, (lo, hi) in enumerate(zip([0, *resets], [*resets, use.size], strict=True)):
        reading[lo:hi] = np.cumsum(use[lo:hi]) + (start_at if part == 0 else 0.0)
    return reading


@pytest.mark.parametrize("days, resets, start_at, says", [
    (20, [240], 0.0, "falls back from one day to the next only as a register resets (1x, first "),  # a rollover on day 11
    # meter replaced on day 9: the old one at 250,000 + 8 days' use (19,941.3 kWh), the new one from its first hour's 102.3
    (16, [8 * 24], 250_000.0, "only as a register resets (1x, first 269,941.3 to 102.3 on 2024-01-09)"),
    (24, [3 * 24, 14 * 24], 7_000.0, "only as a register resets (2x,"),  # first and last runs cut short by the extract
])
def test_an_hourly_register_that_resets_is_refused(days, resets, start_at, says):
    with pytest.raises(DataError) as refused:
        metered_daily(_hourly(_register(_use(days), resets, start_at)), by=KEYS)
    line = str(refused.value)
    assert "\n" not in line
    assert "a meter's running total (register readings), not the use of each hour?" in line
    assert says in line, line


def test_a_register_that_rolls_over_is_refused_by_the_cost_command(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    write_daily_labour(folder, [6.0] * 20)
    _hourly(_register(_use(20), [240])).collect().write_parquet(folder / "consumption_hourly.parquet")
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["consumption_hourly: mine_id=M1, activity=processing, resource=electricity rises on 20 of its 20 days and falls "
                    "back from one day to the next only as a register resets (1x, first 24,758.5 to 68.3 on 2024-01-11)",
                    "expected the quantity used in each hour"], inputs=[folder], run_dir=tmp_path / "run")


def test_a_register_that_never_resets_is_refused_as_before():
    with pytest.raises(DataError, match=r"rises on 10 of its 10 days and never falls back from one day to the next"):
        metered_daily(_hourly(_register(_use(10), [])), by=KEYS)


def test_use_that_climbs_for_a_few_days_between_falls_is_costed():
    """Nine days of ramp-up (each day's hours above the day before's), a stop, three days climbing, a stop, nine
    days climbing: a run of 3 days between two falls is no register's. Costed as the sum of its hours."""
    level = np.concatenate([np.arange(9) * 100.0, np.arange(3) * 100.0, np.arange(9) * 100.0]) + 50.0
    kwh = (level[:, None] + np.linspace(0.0, 20.0, 24)[None, :]).ravel()  # within each day: +0 to +20 kWh
    daily, counts = metered_daily(_hourly(kwh), by=KEYS)
    expected = [24 * lv + 240.0 for lv in level]  # 24 hours at the level plus 0 + 20/23 + ... + 20 = 240
    assert daily["quantity"].to_list() == pytest.approx(expected, rel=1e-12)
    assert counts.missing == 0


def test_use_that_falls_back_each_night_is_costed_as_given():
    kwh = _use(20)
    daily, _ = metered_daily(_hourly(kwh), by=KEYS)
    assert daily["quantity"].to_list() == pytest.approx(kwh.reshape(20, 24).sum(axis=1).tolist(), rel=1e-12)


@pytest.mark.parametrize("quantity, registers", [
    ([1, 2, 3, 4, 5, 1, 2, 3, 4, 5], [True]),  # min_run 5: one reset between two full runs
    ([1, 2, 3, 1, 2, 3, 4, 5, 6, 7, 1, 2], [True]),  # cut runs at both ends, the one between them long enough
    ([1, 2, 3, 4, 5, 1, 2, 3, 1, 2, 3, 4, 5], [False]),  # a run of 3 between two falls
    ([1, 2, 3, 4], [False]),  # no run of 5
])
def test_rising_runs_by_hand(quantity, registers):
    q = np.array(quantity, dtype=float)
    assert rising_runs(np.zeros(q.size, dtype=np.int64), q[1:] > q[:-1], 5, 1).tolist() == registers
    assert PATTERN_DAYS == 7  # the hourly check's minimum run


def _daily(dates: list[int], values: list[float], mine: str = "M1") -> pl.DataFrame:
    return pl.DataFrame({"date": [dt.date(2024, 1, d) for d in dates], "mine_id": mine, "cost": values})


def test_the_trailing_mean_after_a_skipped_day_covers_window_days():
    """Days 1, 2, 3, 5, 6 (4 skipped), window 3: day 5's mean is over days 3-5 (3 and 5), day 6's over 4-6 (5 and 6);
    the rows' mean took days 2, 3, 5 (3.33) and 3, 5, 6 (4.33)."""
    frame = pl.concat([_daily([1, 2, 3, 5, 6], [1.0, 2.0, 3.0, 4.0, 5.0]),
                       _daily([1, 2, 3, 5, 6], [10.0, 20.0, 30.0, 40.0, 50.0], "M2")]).sample(fraction=1.0, shuffle=True, seed=3)
    out = add_intensities(frame, {}, rolling=["cost"], window=3).collect().sort("mine_id", "date")
    assert out["cost_rm"].to_list() == [1.0, 1.5, 2.0, 3.5, 4.5, 10.0, 15.0, 20.0, 35.0, 45.0]


def test_the_trailing_mean_of_every_day_is_the_rows_mean_bit_for_bit():
    values = (np.random.default_rng(1).random(400) * 1e5).tolist()
    frame = pl.DataFrame({"date": pl.date_range(dt.date(2024, 1, 1), dt.date(2025, 2, 3), eager=True), "mine_id": "M1",
                          "cost": values})
    out = add_intensities(frame, {}, rolling=["cost"], window=7).collect()
    assert out["cost_rm"].to_list() == frame["cost"].rolling_mean(7, min_samples=1).to_list()


def _mapping(**changes) -> dict:
    costs = {"currency": "CNY",
             "resources": {"cement": {"unit": "t", "category": "material"},
                           "diesel": {"unit": "L", "category": "energy"},
                           "labour": {"unit": "h", "category": "labour", "price": 85.0}},
             "activities": {"backfill": {"stage": "mining", "resources": ["cement", "diesel", "labour"]}}}
    for path, value in changes.items():
        node = costs
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return costs


@pytest.mark.parametrize("change, expect", [
    ({"resources__labour__unit": ["h"]}, "costs.resources.labour.unit: ['h'] is not text; expected the resource's unit, e.g. kWh"),
    ({"activities__backfill__resources": "labour"},
     "costs.activities.backfill.resources: 'labour' is one name; expected a list of declared resources, e.g. [labour]"),
    ({"resources__labour__price": 10**400},
     "costs.resources.labour.price: a number of 401 digits is beyond any float; expected a finite price >= 0"),
])
def test_a_mapping_value_of_the_wrong_type_is_named(change, expect):
    with pytest.raises(ConfigError) as refused:
        CostMapping.from_dict(_mapping(**change))
    assert str(refused.value) == expect


def test_a_price_of_a_large_integer_is_taken():
    assert CostMapping.from_dict(_mapping(resources__labour__price=10**300)).resources["labour"].price == 1e300


@pytest.mark.parametrize("resource, table, unit", [
    ("cement", "prices", "CNY/tonne"), ("cement", "prices", "CNY per metric ton"), ("cement", "consumption_daily", "tonnes"),
    ("diesel", "prices", "CNY/litre"), ("diesel", "consumption_daily", "Liters"), ("diesel", "prices", "元/升"),
])
def test_a_unit_spelled_out_is_the_mappings(resource, table, unit):
    CostMapping.from_dict(_mapping()).check_units([(resource, unit)], table, "unit")


@pytest.mark.parametrize("resource, table, unit", [
    ("cement", "prices", "CNY/ton"), ("cement", "consumption_daily", "short tons"), ("cement", "prices", "CNY/kt"),
    ("diesel", "prices", "CNY/gallon"), ("diesel", "consumption_daily", "m3"),
])
def test_another_unit_is_still_refused(resource, table, unit):
    with pytest.raises(DataError, match=f"gives resource '{resource}' in '{unit}'"):
        CostMapping.from_dict(_mapping()).check_units([(resource, unit)], table, "unit")


HEAT = CostMapping.from_dict({"currency": "USD", "resources": {"power": {"unit": "kWh", "category": "energy"},
                                                               "gas": {"unit": "GJ", "category": "energy"}},
                              "activities": {"processing": {"stage": "beneficiation", "resources": ["power", "gas"]}}})


@pytest.mark.parametrize("table, header, resource, says", [
    ("consumption_daily", "energy_GJ", "power", "its name says 'GJ', but costs.resources.power.unit 'kWh'"),  # 1 GJ = 277.8 kWh
    ("consumption_daily", "gas_therms", "gas", "its name says 'therms', but costs.resources.gas.unit 'GJ'"),  # 1 therm = 0.1055 GJ
    ("consumption_daily", "gas_kWh", "gas", "its name says 'kWh', but costs.resources.gas.unit 'GJ'"),
    ("prices", "price_usd_per_mmbtu", "gas", "its name says 'mmbtu', but costs.resources.gas.unit 'GJ'"),
])
def test_a_column_named_in_another_heat_unit_is_refused(table, header, resource, says):
    """Before, GJ, MJ, therm and MMBtu were no known unit: such a column was costed as the mapping's unit."""
    target = "price" if table == "prices" else "quantity"
    with pytest.raises(DataError, match=says):
        HEAT.check_column_maps({table: {"columns": {header: target}}}, lambda _: [resource])


@pytest.mark.parametrize("table, header", [("consumption_daily", "heat_GJ"), ("prices", "price_usd_per_gj")])
def test_a_column_named_in_the_mappings_heat_unit_reads(table, header):
    HEAT.check_column_maps({table: {"columns": {header: "price" if table == "prices" else "quantity"}}}, lambda _: ["gas"])


@pytest.mark.parametrize("spec, expect", [
    ({"electricity": {"upper": 10**400}}, "costs.thresholds.electricity.upper: 1000"),  # OverflowError: a traceback before
    ({"electricity": {"upper": float("inf")}}, "costs.thresholds.electricity.upper: inf; expected a finite number"),
])
def test_a_threshold_beyond_any_float_is_named(spec, expect):
    from minectl.costing.accounts import bounds_from_config

    with pytest.raises(ConfigError, match=expect):
        bounds_from_config(spec)
    assert bounds_from_config({"electricity": {"lower": 0, "upper": 10**20}}) == {"electricity": (0.0, 1e20)}


@pytest.mark.parametrize("threshold", [float("inf"), 10**400])
@pytest.mark.parametrize("direction", ["up", "flat"])
def test_a_rule_threshold_that_is_not_finite_is_refused(direction, threshold):
    """inf was taken: an `up` rule that could never fire, a `flat` condition that always held; 1 and 400 zeros
    ended in a traceback."""
    from minectl.costing.anomalies import rules_from_config

    with pytest.raises(ConfigError, match=r"costs.anomaly_rules.r.kwh_per_t.threshold: .*; expected a finite relative change > 0"):
        rules_from_config({"r": {"kwh_per_t": {"direction": direction, "threshold": threshold}}})
    assert rules_from_config({"r": {"kwh_per_t": {"direction": direction, "threshold": 0.5}}})[0].conditions[0].threshold == 0.5


def _ledger_prices(rows: list[tuple[int, int | None, float]], days: int = 10) -> list[float]:
    """The ledger's electricity price per day (1,000 kWh a day from 2024-01-01) under the price rows (first day,
    last day or None, CNY/kWh), days counted from 1."""
    from minectl.costing.ledger import build_ledger

    def day(i: int) -> dt.date:
        return dt.date(2024, 1, i)

    mapping = CostMapping.from_dict({"currency": "CNY", "resources": {"electricity": {"unit": "kWh", "category": "energy"}},
                                     "activities": {"processing": {"stage": "beneficiation", "resources": ["electricity"]}}})
    records = pl.DataFrame({"date": [day(i + 1) for i in range(days)], "mine_id": "M1", "activity": "processing",
                            "resource": "electricity", "quantity": 1000.0})
    prices = pl.DataFrame({"resource": "electricity", "valid_from": [day(a) for a, _, _ in rows],
                           "valid_to": [None if b is None else day(b) for _, b, _ in rows], "price": [p for _, _, p in rows]},
                          schema={"resource": pl.String, "valid_from": pl.Date, "valid_to": pl.Date, "price": pl.Float64})
    return build_ledger(records, mapping, prices)["price"].to_list()


@pytest.mark.parametrize("rows", [
    [(1, 31, 0.6), (5, 3, 0.9)],  # 2024-01-03 for 2024-02-03: 0.9 was costed from the 5th to the end, for ever
    [(1, 4, 0.6), (5, 3, 0.9)],  # and on days no row covers
])
def test_a_price_that_ends_before_it_starts_is_refused(rows):
    with pytest.raises(DataError) as refused:
        _ledger_prices(rows)
    assert str(refused.value) == ("data.tables.prices: the price 0.9 of 'electricity' from 2024-01-05 has valid_to 2024-01-03, before "
                                  "it starts; expected a valid_to on or after the valid_from (a slip in the date?)")


def test_a_price_of_one_day_costs_that_day_as_before():
    assert _ledger_prices([(1, None, 0.6), (5, 5, 0.9)]) == [0.6] * 4 + [0.9] + [0.6] * 5


WEEK_TO_DATE = [8.0 * (day % 7 + 1) for day in range(35)]  # 8 h of labour a day, booked as the week's total so far


def _labour_run(tmp_path, hours: list[float]) -> list[str]:
    folder = write_tiny_mine(tmp_path / "mine")
    write_daily_labour(folder, hours)
    return ["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"]


def test_a_week_to_date_total_is_refused(tmp_path):
    """Runs of 7 rising days, each fall back to 8 h: 35 days cost as 1,120 h (95,200 CNY) for 280 h (23,800)."""
    assert_refused(_labour_run(tmp_path, WEEK_TO_DATE),
                   ["rises on every one of its 35 days but 4, where it falls back as a register resets (first 56.0 to 8.0 on "
                    "2024-01-08) (8.0 to 56.0 a day; 1 such series)", "a meter's running total (register readings)"],
                   run_dir=tmp_path / "run")


@pytest.mark.parametrize("hours, refused", [
    (WEEK_TO_DATE[3:] + WEEK_TO_DATE[:2], True),  # runs cut at both ends by the extract
    (WEEK_TO_DATE[:21], False),  # three weeks: under the 28 days of the check
    ([8.0 * (day % 7 + 1) - (10.0 if day == 17 else 0.0) for day in range(35)], False),  # 24 h, 22 h: a dip, no reset
    ([float(day % 7 + 1) + (6.0 if day >= 14 else 0.0) for day in range(35)], False),  # a fall above its run's start
    ([8.0 * (day % 8 + 1) for day in range(40)], False),  # resets every 8 days: on other days of the week
    ([400.0 + (day % 7) * 10 for day in range(35)], False),  # use with a weekly pattern: +1.5 % in a week, not 2x
    ([5.0 + day if day != 20 else 4.0 for day in range(40)], False),  # a ramp-up with one day below its start
])
def test_the_week_to_date_check_by_hand(hours, refused):
    from minectl.costing.accounts import _refuse_registers

    records = pl.DataFrame({"_series": [0], "mine_id": ["M1"], "activity": ["hauling"], "resource": ["labour"]})
    series, days, quantity = np.zeros(len(hours), dtype=np.int64), np.arange(len(hours)) + 19_723, np.array(hours)
    if refused:
        with pytest.raises(DataError, match=r"rises on every one of its 34 days but 5, where it falls back as a register resets"):
            _refuse_registers(records, series, days, quantity)
    else:
        _refuse_registers(records, series, days, quantity)


def test_a_ramp_up_with_a_dip_every_week_is_costed(tmp_path):
    """Up an hour a day for 35 days with a dip of 3 h every 8th day: its falls do not go back to where the runs
    started (no reset), so it is use: 79,305 CNY = 85 x (sum of 10..44 - 3 x 4 dips)."""
    from harness import run_metrics

    hours = [10.0 + d - (3 if d % 8 == 7 else 0) for d in range(35)]
    metrics = run_metrics(_labour_run(tmp_path, hours), tmp_path / "run")
    assert metrics["cost.total"] == pytest.approx(85 * (sum(range(10, 45)) - 3 * 4))
