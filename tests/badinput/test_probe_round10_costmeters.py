"""Bad-input corpus, round 10 (costmeters): meters for `minectl cost` as exports give them, on the tiny
mine stretched to 14 days (8 h of hauling labour a day at 85 CNY/h: 9,520 CNY) with hourly drilling
electricity at 0.6 CNY/kWh.

Each was costed before to a wrong figure without a word:
- a daily total joined onto the hourly grid (each hour holding its day's 2,400-2,881 kWh): 541,845 CNY
  for 31,700 (24x the electricity);
- a meter's running total (register readings) over a 14-day extract: 5,260,343 CNY for 43,187; the
  daily records' check needs 28 days;
- the same meter twice, as hourly readings and as the daily totals of consumption_daily (or rounded
  to whole kWh), or under two meter ids: 76,854 CNY for 43,187 (the electricity twice);
- totals of a longer period in consumption_daily (weekly, or monthly on the 1st or the month's last
  day), the days between empty: imputed with the same-cycle mean, the totals themselves, 1,856,400 CNY
  for 61,200 (30x);
- a source column whose name says another unit than the mapping's, taken as the quantity or price by
  a column map (`energy_MWh`, `price_per_MWh` for electricity in kWh, `price_usd` under CNY, a daily
  `avg_kW`): costed as the mapping's unit (1000x, 24x, the exchange rate off).
Next to each, a near miss that is costed as before: a constant load, a flat rate changed weekly or on
every other day, a ramp-up that falls back each night, a booked top-up beside the meter, two flat-rate
meters alike, daily records missing at no period, headers in the mapping's unit. The column-map check is tested on the mapping
(CostMapping.check_column_maps).
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import polars as pl
import pytest
from conftest import write_daily_labour, write_tiny_mine
from csv_series import metrics
from harness import assert_refused
from omegaconf import OmegaConf

from minectl.costing.mapping import CostMapping
from minectl.errors import DataError

DAYS = 14
LABOUR = DAYS * 8 * 85.0  # the hauling labour's cost
START = dt.datetime(2024, 1, 1)
SHAPED = [100.0 + (h % 24) * 3 + (h // 24) * 5 for h in range(24 * DAYS)]  # a meter's hourly use: 56,112 kWh in all


def _mine(folder: Path, kwh: list[float | None], meters: tuple[str, ...] = (), activities: tuple[str, ...] = ("drilling",)) -> Path:
    """The tiny mine over DAYS days with hourly electricity ``kwh`` for each activity (several: written
    hour by hour, every series' reading of an hour together) and meter (none: no meter_id column)."""
    folder = write_tiny_mine(folder)
    write_daily_labour(folder, [8.0] * DAYS)
    frames = [pl.DataFrame({"timestamp": [START + dt.timedelta(hours=h) for h in range(len(kwh))], "mine_id": "M1",
                            "activity": activity, "resource": "electricity", "quantity": kwh}, schema_overrides={"quantity": pl.Float64})
              for activity in activities]
    hourly = pl.concat(frames).sort("timestamp", maintain_order=True)
    if meters:
        hourly = pl.concat([hourly.with_columns(meter_id=pl.lit(m)) for m in meters]).sort("meter_id", maintain_order=True)
    hourly.write_parquet(folder / "consumption_hourly.parquet")
    return folder


def _cost(folder: Path) -> list[str]:
    return ["cost", "data=parquet_dir", f"data.dir={folder}"]


def _daily_totals(kwh: list[float]) -> list[float]:
    return [sum(kwh[24 * d: 24 * d + 24]) for d in range(DAYS)]


TOTALS = [2400.0 + 37 * d for d in range(DAYS)]  # a day's electricity: 36,967 kWh in all
SPREAD = [TOTALS[h // 24] for h in range(24 * DAYS)]
SPREAD_GAP = [None if h == 50 else kwh for h, kwh in enumerate(SPREAD)]  # a missing hour (filled by eq 3) on day 3


@pytest.mark.parametrize("kwh, activities", [(SPREAD, ("drilling",)), (SPREAD_GAP, ("drilling",)),
                                             (SPREAD, ("drilling", "loading"))])  # written hour by hour: another reading path
@pytest.mark.slow
def test_a_daily_total_in_each_of_its_hours_is_refused(tmp_path, kwh, activities):
    """Was costed 541,845 CNY: 24 x 36,967 kWh x 0.6 + 9,520, for 31,700."""
    folder, run = _mine(tmp_path / "mine", kwh, activities=activities), tmp_path / "run"
    whole = DAYS - (kwh is SPREAD_GAP)
    assert_refused([*_cost(folder), f"hydra.run.dir={run}"],
                   [f"error: consumption_hourly: mine_id=M1, activity=drilling, resource=electricity has one reading in all the hours "
                    f"of each of its {whole} whole days of use, another from one day to the next on {whole - 1} of them (2,400.0 on 2024-01-01",
                    f"; {len(activities)} such series): a daily total written in each of its hours? its sum would cost 24 times the "
                    "day's use; expected the use of each hour (totals of a day go in consumption_daily)"],
                   inputs=[folder], run_dir=run)


@pytest.mark.parametrize("kwh", [[100.0] * (24 * DAYS),                       # a constant load
                                 [100.0 if h < 24 * 7 else 120.0 for h in range(24 * DAYS)],  # a flat rate changed after a week
                                 [50.0 if h // 24 % 2 else 0.0 for h in range(24 * DAYS)],    # a flat rate on every other day
                                 [TOTALS[h // 24] / 24 * (1.1 if h % 24 >= 8 else 0.9) for h in range(24 * DAYS)]])  # day shift
@pytest.mark.slow
def test_constant_loads_flat_rates_and_a_meter_of_two_shifts_are_costed(tmp_path, kwh):
    found = metrics(_cost(_mine(tmp_path / "mine", kwh)), tmp_path / "run")
    assert found["cost.total"] == pytest.approx(sum(kwh) * 0.6 + LABOUR, rel=1e-12)


REGISTER = list(itertools.accumulate(SHAPED))
IDLE = list(itertools.accumulate(0.0 if 24 * 5 <= h < 24 * 6 else kwh for h, kwh in enumerate(SHAPED)))  # no use on day 6


@pytest.mark.parametrize("kwh, rising", [(REGISTER, DAYS), (IDLE, DAYS - 1)])
def test_a_register_of_hourly_readings_is_refused(tmp_path, kwh, rising):
    """Was costed 5,260,343 CNY (the running total each hour) for 43,187; a 14-day extract is below the
    daily records' 28 days."""
    folder, run = _mine(tmp_path / "mine", kwh), tmp_path / "run"
    assert_refused([*_cost(folder), f"hydra.run.dir={run}"],
                   f"error: consumption_hourly: mine_id=M1, activity=drilling, resource=electricity rises on {rising} of its {DAYS} "
                   f"days and never falls back from one day to the next (100.0 on 2024-01-01 to {kwh[-1]:,.1f} on 2024-01-14; 1 such "
                   "series): a meter's running total (register readings), not the use of each hour? expected the quantity used in "
                   "each hour (the differences of the readings)", inputs=[folder], run_dir=run)


def test_a_ramp_up_that_falls_back_each_night_is_costed(tmp_path):
    """20 % more every day, rising through each day shift and falling back at night: use, not a register."""
    kwh = [100.0 * 1.2 ** (h // 24) * (1 + (h % 24) / 24) for h in range(24 * DAYS)]
    found = metrics(_cost(_mine(tmp_path / "mine", kwh)), tmp_path / "run")
    assert found["cost.total"] == pytest.approx(sum(kwh) * 0.6 + LABOUR, rel=1e-12)


def _with_daily_electricity(folder: Path, quantities: list[float]) -> Path:
    """consumption_daily with drilling electricity ``quantities`` beside the hauling labour."""
    labour = pl.read_parquet(folder / "consumption_daily.parquet")
    electricity = labour.with_columns(activity=pl.lit("drilling"), resource=pl.lit("electricity"), quantity=pl.Series(quantities))
    pl.concat([labour, electricity]).write_parquet(folder / "consumption_daily.parquet")
    return folder


@pytest.mark.parametrize("daily, given", [
    (_daily_totals(SHAPED), "consumption_daily and consumption_hourly"),                          # the meter's daily totals
    ([round(q) + 0.4 for q in _daily_totals(SHAPED)], "consumption_daily and consumption_hourly"),  # within rounding
    (None, "consumption_hourly meter 'EM-01' and consumption_hourly meter 'EM-01-check'"),        # a check meter beside the main one
])
@pytest.mark.slow
def test_the_same_meter_given_twice_is_refused(tmp_path, daily, given):
    """Was costed 76,854 CNY: the electricity twice (2 x 56,112 kWh x 0.6 + 9,520), for 43,187."""
    folder = _mine(tmp_path / "mine", SHAPED, meters=() if daily else ("EM-01", "EM-01-check"))
    if daily:
        _with_daily_electricity(folder, daily)
    run = tmp_path / "run"
    assert_refused([*_cost(folder), f"hydra.run.dir={run}"],
                   f"error: consumption: mine 'M1', activity 'drilling', resource 'electricity' is given alike by {given} on each of "
                   f"the {DAYS} days both give it (first {daily[0] if daily else 3228:,.1f} on 2024-01-01; 1 such pair(s) of sources): "
                   "the same meter twice (hourly readings and their daily totals, or a check meter beside the main one)? their sum "
                   "would cost it twice; expected each quantity in one table and meter only", inputs=[folder], run_dir=run)


@pytest.mark.parametrize("kwh, meters, daily", [
    (SHAPED, (), [q / 4 for q in _daily_totals(SHAPED)]),   # a booked top-up beside the meter: summed, as documented
    ([10.0] * (24 * DAYS), ("A", "B"), None),               # two flat-rate loads alike
])
@pytest.mark.slow
def test_two_sources_that_differ_or_agree_on_a_constant_are_summed(tmp_path, kwh, meters, daily):
    folder = _mine(tmp_path / "mine", kwh, meters=meters)
    if daily:
        _with_daily_electricity(folder, daily)
    found = metrics(_cost(folder), tmp_path / "run")
    assert found["cost.total"] == pytest.approx((sum(kwh) * max(len(meters), 1) + sum(daily or [])) * 0.6 + LABOUR, rel=1e-12)


@pytest.fixture(scope="module")
def mapping() -> CostMapping:
    return CostMapping.from_dict(OmegaConf.to_container(OmegaConf.load(Path(__file__).parents[2] / "conf/costs/default.yaml")))


RESOURCES = {"consumption_hourly": ["electricity"], "consumption_daily": ["labour", "explosives", "electricity"],
             "prices": ["electricity", "diesel", "explosives"]}


@pytest.mark.parametrize("table, header, says, declared", [
    ("consumption_hourly", "energy_MWh", "'MWh'", "costs.resources.electricity.unit 'kWh'"),    # costed 1000x low
    ("consumption_hourly", "demand [MW]", "'MW'", "costs.resources.electricity.unit 'kWh'"),    # an hour of MW: MWh
    ("consumption_daily", "avg_kW", "'kW' (a power: a day's energy is 24 hours of it)", "costs.resources.electricity.unit 'kWh'"),
    ("consumption_daily", "qty_t", "'t'", "costs.resources.explosives.unit 'kg'"),             # 1000x low
    ("prices", "price_per_MWh", "'MWh'", "costs.resources.electricity.unit 'kWh'"),            # 1000x high
    ("prices", "price_USD", "'USD'", "costs.currency 'CNY'"),                                  # the exchange rate off
])
def test_a_column_map_from_a_name_of_another_unit_is_refused(mapping, table, header, says, declared):
    target = "price" if table == "prices" else "quantity"
    with pytest.raises(DataError) as refused:
        mapping.check_column_maps({table: {"kind": "parquet", "columns": {header: target}}}, RESOURCES.get)
    assert str(refused.value) == (f"data.tables.{table}.columns: source column {header!r} is taken as the {target}, and its name says "
                                  f"{says}, but {declared}; expected a {target} in the mapping's unit (convert it upstream, or "
                                  "declare the data's unit in the mapping)")


@pytest.mark.parametrize("table, header, target", [
    ("consumption_hourly", "energy_kWh", "quantity"), ("consumption_hourly", "KWH", "quantity"),
    ("consumption_hourly", "power_kW", "quantity"),      # an hour's mean kW is its kWh
    ("consumption_daily", "qty", "quantity"), ("consumption_daily", "qty_kg", "quantity"),  # kg: explosives'
    ("consumption_hourly", "energy_MWh", "meter_id"),    # not the quantity: its name states nothing of it
    ("consumption_daily", "fuel_L", "quantity"),         # a kind (volume) none of the table's resources has
    ("prices", "price_CNY_per_kWh", "price"), ("prices", "RMB/kWh", "price"), ("prices", "price_per_L", "price"),
])
def test_a_column_map_from_a_name_of_the_mapping_unit_reads(mapping, table, header, target):
    mapping.check_column_maps({table: {"kind": "parquet", "columns": {header: target}}}, RESOURCES.get)


QUARTER = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in range(91)]  # 2024-01-01 to 2024-03-31


@pytest.mark.parametrize("hours, every, first", [
    ([56.0 if d % 7 == 0 else None for d in range(91)], "every 7 days", "56.0 on 2024-01-01"),             # weekly totals
    ([240.0 if day.day == 1 else None for day in QUARTER], "monthly", "240.0 on 2024-01-01"),            # on the 1st
    ([240.0 if (day + dt.timedelta(days=1)).day == 1 else None for day in QUARTER], "monthly", "240.0 on 2024-01-31"),  # month ends
])
@pytest.mark.slow
def test_totals_of_a_longer_period_in_consumption_daily_are_refused(tmp_path, hours, every, first):
    """The empty days between were imputed with the same-cycle mean, the totals themselves: monthly
    totals of 240 h were costed 1,856,400 CNY for 61,200 (30x), weekly ones 6.7x."""
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    write_daily_labour(folder, hours)
    assert_refused([*_cost(folder), f"hydra.run.dir={run}"],
                   f"error: consumption: mine 'M1', activity 'hauling', resource 'labour' has {sum(h is not None for h in hours)} "
                   f"records, none the day after another ({every}, first {first}), the days between empty: the totals of a longer "
                   "period? the empty days would be imputed with them, each total counted again for every day filled; expected a "
                   "record every day (0 for a day without use; a period's total split over its days)", inputs=[folder], run_dir=run)


@pytest.mark.parametrize("hours", [[8.0 if d in (3, 10, 40, 52, 80) else None for d in range(91)],  # a few days at no step
                                   [8.0 if d % 3 else None for d in range(91)]])                   # every third day empty
@pytest.mark.slow
def test_records_missing_at_no_period_are_imputed_as_before(tmp_path, hours):
    """Each month's empty days take its records' mean, 8 h: 91 days x 8 h x 85 CNY."""
    folder = write_tiny_mine(tmp_path / "mine")
    write_daily_labour(folder, hours)
    assert metrics(_cost(folder), tmp_path / "run")["cost.total"] == pytest.approx(91 * 8 * 85.0, rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("column, refused", [("price_per_MWh", True), ("price_per_kWh", False)])
def test_the_cost_task_checks_a_mapped_column_name(tmp_path, column, refused):
    """The tiny mine in DuckDB, its prices' column named per MWh (or kWh) and mapped onto price."""
    from conftest import write_tiny_duckdb

    db, run = write_tiny_duckdb(tmp_path, {"prices": f"resource, valid_from, price AS {column}"}), tmp_path / "run"
    args = ["cost", "data=duckdb", f"data.path={db}", f"+data.tables.prices.columns.{column}=price"]
    if refused:
        assert_refused([*args, f"hydra.run.dir={run}"], f"error: data.tables.prices.columns: source column {column!r} is taken "
                       "as the price, and its name says 'MWh', but costs.resources.electricity.unit 'kWh'", inputs=[db], run_dir=run)
    else:
        assert metrics(args, run)["cost.total"] == pytest.approx(35 * 85.0, rel=1e-12)
