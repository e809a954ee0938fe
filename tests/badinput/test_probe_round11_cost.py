"""Bad-input corpus, round 11 (cost): a cost engineer's mine tables for `minectl cost`, on the tiny
mine stretched to 45 days (5 h of hauling labour a day at 85 CNY/h: 19,125 CNY).

Costed before to a wrong figure without a word: a fixed monthly cost (management, 300,000 CNY a
month) in consumption_daily as a daily calendar joined to the ledger's bookings gives it, the
month's amount on the 1st (or the last day) and the other days empty, over fewer months than the
refusal of period totals needed (3 records): the same-cycle mean filled each empty day of the month
with the month's amount, 45 x 300,000 = 13,500,000 CNY for 600,000 (two bookings) and 31 x 300,000
for one (a partial month's extract). Near misses costed as before: the same cost on a day that is
no month's first or last, two bookings on other days of the month, a lone first-day record in an
extract of less than a week.

Also costed without a word: a processing plant's electricity above the default mapping's business
bound (costs.thresholds.electricity.upper 500,000 kWh a day), every record removed as an outlier with
nothing left to impute from: its 14.5 M CNY dropped, energy 0 % of the cost ("40 left missing" the
only sign). A bound that removes more than half of a series' records is refused; one that removes a
few bad readings imputes them from the month's others as before.

A diesel export cut 11 days short of the labour's (2024-01-20 of 31 days) costed those days without
diesel, 425 CNY for 7,925, with no word but two "unexplained" anomalies: now counted
(imputed.series_days_short, imputed.series_short) and said in a warning line.

An anomaly rule's indicator whose trailing mean is 0 had no change (null), so no rule with it fired:
outsourced haulage starting after two weeks without any (the haulage rule's very pattern), or the
efficiency rule's "maintenance cost flat" on a mine without maintenance cost. From a mean of 0, 0 is
no change and any other value an unbounded one.

An intermittent series (explosives on three monthly blast days, 0 on the others, no equipment event):
each blast after the first 30 days lay far outside the 3-sigma band of the zeros before it, was
removed and imputed with its month's mean, 0: 55,000 CNY of explosives for 165,000. Where half the
window is 0 the 3-sigma rule no longer removes; a spike in a series in use every day still is.

A price in another unit among a resource's prices (620 CNY/MWh after 0.62 CNY/kWh, labour 85,000 in
thousands after the mapping's 85) was costed 1000x from that day: consecutive prices 100x apart are
refused; a tenfold change is costed.

`minectl demo` on data or a mapping without a Table 2 feature's column (taconite: no kwh_per_t; no
equipment table: no downtime_h) ended in a ColumnNotFoundError traceback; the feature is left out.

The report: `cost.period=month` on daily data summarised 5 mine-days as "5 mine-months" and drew one
bar per day, all labelled with the month (the key names the rows' period, it sums nothing): refused
where the dates show another period; the unit cost of `cost.output=drilled_m` was labelled "CNY/t".
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from conftest import write_daily_labour, write_tiny_mine
from csv_series import metrics
from harness import assert_refused, invoke
from rich.console import Console

from minectl.costing.anomalies import rule_hits, rules_from_config
from minectl.costing.mapping import CostMapping
from minectl.costing.reference import compare_with_table2, realism_metrics
from minectl.costing.report import print_summary

DAYS = 45  # 2024-01-01 to 2024-02-14
LABOUR = 5.0 * 85.0  # the hauling labour's cost a day
FEE = 300_000.0  # management, a money resource at 1 CNY


def _mine(folder: Path, booked: list[str], days: int = DAYS) -> Path:
    """The tiny mine over ``days`` days with the management fee on the ``booked`` days, empty on the others."""
    write_tiny_mine(folder)
    write_daily_labour(folder, [5.0] * days)
    labour = pl.read_parquet(folder / "consumption_daily.parquet")
    on = {dt.date.fromisoformat(day) for day in booked}
    fee = labour.with_columns(activity=pl.lit("administration"), resource=pl.lit("management"),
                              quantity=pl.Series([FEE if day in on else None for day in labour["date"]]))
    pl.concat([labour, fee]).write_parquet(folder / "consumption_daily.parquet")
    return folder


def _cost(folder: Path) -> list[str]:
    return ["cost", "data=parquet_dir", f"data.dir={folder}"]


@pytest.mark.parametrize("booked, found", [
    (["2024-01-01", "2024-02-01"], "2 records, none the day after another (monthly, first 300,000.0 on 2024-01-01), the days "
                                   "between empty: the totals"),
    (["2024-01-31"], "1 record (300,000.0 on 2024-01-31, the last day of a month; the other 44 days empty): the total"),
    (["2024-01-01"], "1 record (300,000.0 on 2024-01-01, the first day of a month; the other 44 days empty): the total"),
])
@pytest.mark.slow
def test_a_monthly_cost_on_fewer_than_three_months_is_refused(tmp_path, booked, found):
    """Costed 45 x 300,000 (two bookings), 31 x 300,000 (one) before: each empty day took the month's amount."""
    folder, run = _mine(tmp_path / "mine", booked), tmp_path / "run"
    assert_refused([*_cost(folder), f"hydra.run.dir={run}"],
                   f"error: consumption: mine 'M1', activity 'administration', resource 'management' has {found} of a longer "
                   "period? the empty days would be imputed with them, each total counted again for every day filled; expected "
                   "a record every day (0 for a day without use; a period's total split over its days)", inputs=[folder], run_dir=run)


@pytest.mark.parametrize("booked, days, filled", [
    (["2024-01-05"], DAYS, 31),                # no month's first or last day: January's empty days take it, February none
    (["2024-01-05", "2024-01-20"], DAYS, 31),  # two on other days of one month: imputed as before
    (["2024-01-05", "2024-02-09"], DAYS, 31 + 14),  # on other days of two months
    (["2024-01-01"], 5, 5),                    # a first-day record in an extract of 5 days (4 empty): as before
])
@pytest.mark.slow
def test_sparse_records_not_at_a_month_boundary_are_imputed_as_before(tmp_path, booked, days, filled):
    """The same-cycle mean (seed 000, 3.1) fills each empty day of a month with a record: ``filled`` days at 300,000."""
    folder = _mine(tmp_path / "mine", booked, days)
    found = metrics(_cost(folder), tmp_path / "run")
    assert found["cost.total"] == pytest.approx(filled * FEE + days * LABOUR, rel=1e-12)


def test_a_monthly_cost_written_as_a_record_every_day_is_costed_once(tmp_path):
    """The fix the message asks for: the month's amount on the 1st and 0 on the other days, 2 x 300,000."""
    folder = _mine(tmp_path / "mine", ["2024-01-01", "2024-02-01"])
    table = pl.read_parquet(folder / "consumption_daily.parquet").with_columns(pl.col("quantity").fill_null(0.0))
    table.write_parquet(folder / "consumption_daily.parquet")
    assert metrics(_cost(folder), tmp_path / "run")["cost.total"] == pytest.approx(2 * FEE + DAYS * LABOUR, rel=1e-12)


def _plant(folder: Path, kwh: list[float], failures: int = 0) -> Path:
    """The tiny mine over len(kwh) days with processing electricity ``kwh`` (0.6 CNY/kWh), no equipment
    event (``failures`` 0: an outlier is removed, not kept)."""
    write_tiny_mine(folder)
    write_daily_labour(folder, [5.0] * len(kwh))
    equipment = pl.read_parquet(folder / "equipment.parquet").with_columns(failures=pl.lit(failures, pl.Int64), downtime_h=0.0)
    equipment.write_parquet(folder / "equipment.parquet")
    labour = pl.read_parquet(folder / "consumption_daily.parquet")
    plant = labour.with_columns(activity=pl.lit("processing"), resource=pl.lit("electricity"), quantity=pl.Series(kwh))
    pl.concat([labour, plant]).write_parquet(folder / "consumption_daily.parquet")
    return folder


PLANT = [400_000.0 + (d % 7) * 1000 for d in range(40)]  # 2024-01-01 to 2024-02-09, below the bound, not rising every day


@pytest.mark.slow
@pytest.mark.parametrize("above, removed", [(range(40), 40), (range(20), 20), (range(21), 21)])
def test_a_bound_that_removes_most_of_a_series_is_refused(tmp_path, above, removed):
    """Every day (or 21 of 40) at 600,000 kWh and more, above costs.thresholds.electricity.upper: all removed with nothing
    to impute from, the run costed 17,000 CNY of labour and no electricity."""
    kwh = [q + 200_000 if d in above else q for d, q in enumerate(PLANT)]
    folder, run = _plant(tmp_path / "mine", kwh), tmp_path / "run"
    if removed * 2 <= 40:  # half: the rest impute them, as before
        assert metrics(_cost(folder), run)["outliers.removed"] == removed
        return
    assert_refused([*_cost(folder), f"hydra.run.dir={run}"],
                   "error: consumption: mine 'M1', activity 'processing', resource 'electricity': costs.thresholds.electricity "
                   f"(lower 0.0, upper 500,000.0) removes {removed} of its 40 records (first on 2024-01-01; 1 such series): "
                   "another scale or unit than the bound's? the rest would be imputed from what is left, or left uncosted; "
                   "expected bounds that only a series' rare bad readings break (set the bound for this mine's scale, or "
                   "convert the quantities to the resource's unit)", inputs=[folder], run_dir=run)


def test_a_bound_that_removes_a_few_bad_readings_imputes_them_as_before(tmp_path):
    """3 readings of 900,000 kWh (2024-01-10, 01-20, 02-05) removed, each taking its month's mean of the others."""
    bad = {9, 19, 35}
    kwh = [900_000.0 if d in bad else q for d, q in enumerate(PLANT)]
    january = [q for d, q in enumerate(PLANT[:31]) if d not in bad]
    february = [q for d, q in enumerate(PLANT[31:], start=31) if d not in bad]
    expected = sum(january) / len(january) * 31 + sum(february) / len(february) * 9
    found = metrics(_cost(_plant(tmp_path / "mine", kwh)), tmp_path / "run")
    assert (found["outliers.removed"], found["imputed.daily_imputed"]) == (3, 3)
    assert found["cost.total"] == pytest.approx(expected * 0.6 + 40 * LABOUR, rel=1e-12)


def test_records_above_a_bound_on_event_days_are_kept_and_costed(tmp_path):
    """A failure every day: each reading above the bound is explained by an event, kept and costed (not refused)."""
    kwh = [q + 200_000 for q in PLANT]
    found = metrics(_cost(_plant(tmp_path / "mine", kwh, failures=1)), tmp_path / "run")
    assert (found["outliers.removed"], found["outliers.kept_event"]) == (0, 40)
    assert found["cost.total"] == pytest.approx(sum(kwh) * 0.6 + 40 * LABOUR, rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("period", ["month", "year", "week"])
def test_a_period_the_dates_contradict_is_refused(tmp_path, period):
    """Was '5 mine-months' (years, weeks) for the tiny mine's 5 days, its bars all labelled 2024-01."""
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    assert_refused([*_cost(folder), f"cost.period={period}", f"hydra.run.dir={run}"],
                   f"error: cost.period: '{period}', but the data's dates are a day apart (period 'day'); expected "
                   "cost.period=day or null (it names the period of the data's rows in the summary and plots, it does not "
                   "sum them)", inputs=[folder], run_dir=run)


@pytest.mark.slow
@pytest.mark.parametrize("period", ["day", None])
def test_the_period_of_the_dates_or_none_reports_mine_days(tmp_path, period):
    """The near miss: 5 mine-days, 2,975 CNY, as without the key."""
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    result = invoke(*_cost(folder), *([f"cost.period={period}"] if period else []), f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert "Cost structure, 5 mine-days, total 2,975 CNY" in result.output


def test_one_date_takes_the_declared_period():
    """Annual figures of one date (taconite): the dates cannot tell the period, cost.period=year names it."""
    daily = pl.DataFrame({"date": [dt.date(2021, 1, 1)] * 2, "mine_id": ["A", "B"], "cost": [10.0, 30.0], "cost_other": [10.0, 30.0],
                          "share_other": [1.0, 1.0], "cost_stage_mining": [10.0, 30.0], "share_stage_mining": [1.0, 1.0],
                          "unit_cost": [1.0, 2.0], "no_output": [False, False]})
    mapping = CostMapping.from_dict({"currency": "USD", "resources": {"opex": {"unit": "USD", "category": "other", "price": 1.0}},
                                     "activities": {"mining": {"stage": "mining", "resources": ["opex"]}}})
    console = Console(record=True, width=200)
    print_summary(console, daily, pl.DataFrame(), mapping, top=0, period="year", output="pellet_t")
    text = console.export_text()
    assert "2 mine-years, total 40 USD" in text and "unit cost: mean 1.50, sd 0.71 USD per pellet_t" in text


def test_the_summary_gives_the_unit_cost_per_the_output_column():
    """cost.output=drilled_m: 59.50 CNY per metre was printed as 'CNY/t'."""
    days = [dt.date(2024, 1, d) for d in (1, 2)]
    daily = pl.DataFrame({"date": days, "mine_id": ["M1", "M1"], "cost": [425.0, 510.0], "cost_labour": [425.0, 510.0],
                          "share_labour": [1.0, 1.0], "cost_stage_transport": [425.0, 510.0], "share_stage_transport": [1.0, 1.0],
                          "unit_cost": [42.5, 51.0], "no_output": [False, False]})
    mapping = CostMapping.from_dict({"resources": {"labour": {"unit": "h", "category": "labour", "price": 85.0}},
                                     "activities": {"hauling": {"stage": "transport", "resources": ["labour"]}}})
    console = Console(record=True, width=200)
    print_summary(console, daily, pl.DataFrame(), mapping, top=0, output="drilled_m")
    assert "unit cost: mean 46.75, sd 6.01 CNY per drilled_m;" in console.export_text()


def test_one_mine_day_has_no_unit_cost_sd(tmp_path):
    """A mine of one day: its one unit cost has no sd (was 'sd 0.00'), counted as '1 mine-day' (was '1 mine-periods')."""
    folder, run = write_tiny_mine(tmp_path / "mine", days=1), tmp_path / "run"
    result = invoke(*_cost(folder), "cost.period=day", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert "Cost structure, 1 mine-day, total 425 CNY" in result.output
    assert "unit cost: mean 4.25, sd - (one value) CNY per ore_t; 0 day(s) without output" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("last, short", [(20, 11), (31, 0)])
def test_a_series_that_ends_before_its_mines_others_is_counted_and_said(tmp_path, last, short):
    """31 days of 5 h labour (425 CNY a day) and 1,000 L diesel a day at 7.5 CNY/L to 2024-01-``last``."""
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    write_daily_labour(folder, [5.0] * 31)
    labour = pl.read_parquet(folder / "consumption_daily.parquet")
    diesel = labour.filter(pl.col("date") <= dt.date(2024, 1, last)).with_columns(resource=pl.lit("diesel"), quantity=1000.0)
    pl.concat([labour, diesel]).write_parquet(folder / "consumption_daily.parquet")
    result = invoke(*_cost(folder), f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    found = json.loads((run / "metrics.json").read_text())
    assert found["cost.total"] == pytest.approx(31 * 425.0 + last * 7500.0, rel=1e-12)
    said = ("consumption: 1 series starts after or ends before their mine's other records: 11 series-days without a record, "
            "costed without that resource (not imputed)")
    if short:
        assert (found["imputed.series_days_short"], found["imputed.series_short"]) == (short, 1)
        assert said in " ".join(result.output.split())
    else:
        assert "imputed.series_days_short" not in found and "series start after" not in result.output


def test_a_meter_read_on_its_first_day_only_is_imputed_as_before(tmp_path):
    """Hourly electricity of the hauling, 2 kWh an hour on 2024-01-01, then an outage to the end (empty hours,
    longer than cost.interpolation_limit): a meter's day of use, not a month's total. January's other 30
    days take its 48 kWh (the same-cycle mean), February's stay missing: 31 x 48 kWh x 0.6 CNY/kWh."""
    folder = _mine(tmp_path / "mine", [])
    labour = pl.read_parquet(folder / "consumption_daily.parquet").filter(pl.col("resource") == "labour")
    labour.write_parquet(folder / "consumption_daily.parquet")
    stamps = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 14, 23), "1h", eager=True)
    pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity",
                  "quantity": [2.0 if stamp.day == 1 and stamp.month == 1 else None for stamp in stamps]}
                 ).write_parquet(folder / "consumption_hourly.parquet")
    found = metrics(_cost(folder), tmp_path / "run")
    assert found["cost.total"] == pytest.approx(31 * 48 * 0.6 + DAYS * LABOUR, rel=1e-12)


RULES = rules_from_config({  # the default mapping's two rules (conf/costs/default.yaml)
    "haulage_organisation": {"share_stage_transport": {"direction": "up", "threshold": 0.15},
                             "cost_res_outsourced_haulage": {"direction": "up", "threshold": 0.20}},
    "equipment_efficiency_decline": {"kwh_per_t": {"direction": "up", "threshold": 0.10},
                                     "downtime_h": {"direction": "up", "threshold": 0.50},
                                     "maintenance_cost_per_t": {"direction": "flat", "threshold": 0.10}}})


def _indicators(outsourced: float, maintenance: float) -> pl.DataFrame:
    """20 days of one mine (1 % wiggle): transport share 0.2, x1.5 on day 15; outsourced haulage ``outsourced``
    CNY a day up to day 14 and 5,000 from day 15; kWh/t 19 x1.3 and downtime 2 h x2 on day 17; maintenance
    cost ``maintenance`` CNY/t every day."""
    rows = []
    for i in range(20):
        wiggle = 1 + 0.01 * ((i % 3) - 1)
        rows.append({"date": dt.date(2024, 1, 1) + dt.timedelta(days=i), "mine_id": "a",
                     "share_stage_transport": 0.2 * wiggle * (1.5 if i == 15 else 1.0),
                     "cost_res_outsourced_haulage": 5000.0 if i >= 15 else outsourced,
                     "kwh_per_t": 19.0 * wiggle * (1.3 if i == 17 else 1.0), "downtime_h": 2.0 * wiggle * (2.0 if i == 17 else 1.0),
                     "maintenance_cost_per_t": maintenance})
    return pl.DataFrame(rows)


@pytest.mark.parametrize("outsourced, maintenance", [(0.0, 0.0), (4000.0, 5.0)])
def test_rules_fire_from_a_trailing_mean_of_0_as_from_any_other(outsourced, maintenance):
    """Outsourcing from 0 (or from 4,000 CNY: +25 %) to 5,000 with the transport share +48 %: haulage rule on
    2024-01-16; kWh/t +31 % and downtime +100 % with maintenance cost flat at 0 (or 5): efficiency rule on
    2024-01-18. From 0, neither fired before."""
    hits = rule_hits(_indicators(outsourced, maintenance), RULES, window=7)
    assert hits.select("date", "item").rows() == [(dt.date(2024, 1, 16), "haulage_organisation"),
                                                 (dt.date(2024, 1, 18), "equipment_efficiency_decline")]
    assert hits["size"].to_list() == pytest.approx([0.4829, 0.313], abs=1e-3)  # the lead indicator's change
    if outsourced == 0:
        assert "cost_res_outsourced_haulage up from 0" in hits["indicators"][0]  # not "inf%"


def test_an_indicator_rising_from_0_without_its_partner_fires_nothing():
    """The near miss: outsourcing from 0 to 5,000 with the transport share flat, and maintenance cost up from 0
    beside the efficiency pattern (not flat): no rule."""
    daily = _indicators(0.0, 0.0).with_columns(
        share_stage_transport=pl.lit(0.2), maintenance_cost_per_t=pl.when(pl.int_range(pl.len()) == 17).then(3.0).otherwise(0.0))
    assert rule_hits(daily, RULES, window=7).height == 0


def test_the_realism_check_leaves_out_what_the_daily_table_lacks():
    """No kwh_per_t or downtime_h (taconite's mapping, data without the equipment table): a ColumnNotFoundError
    traceback of `minectl demo +experiment=taconite`; costs in USD are no Table 2 CNY figures."""
    daily = pl.DataFrame({"cost": [1.0e6, 1.4e6], "unit_cost": [80.0, 90.0], "share_stage_transport": [0.2, 0.3]})
    realism = compare_with_table2(daily)
    assert realism["feature"].to_list() == ["total_cost", "unit_cost", "transport_share"]
    assert realism.row(0, named=True)["mean"] == pytest.approx(120.0) and realism.row(0, named=True)["sd"] == pytest.approx(28.284, abs=1e-3)
    assert compare_with_table2(daily, "USD")["feature"].to_list() == ["transport_share"]
    assert realism_metrics(compare_with_table2(daily.select("cost"), "USD")) == {"within_bands": 0}


def test_demo_on_a_mine_without_equipment_compares_what_it_has(tmp_path):
    """`minectl demo` on the tiny mine without its equipment table: exit 0 (a traceback on downtime_h before),
    the 7 features but failure downtime; its 2,975 CNY as `minectl cost` gives them."""
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    (folder / "equipment.parquet").unlink()
    result = invoke("demo", "data=parquet_dir", f"data.dir={folder}", "costs.anomaly_rules=null", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    found = json.loads((run / "metrics.json").read_text())
    assert found["cost.total"] == pytest.approx(2975.0, rel=1e-12)
    assert sorted(k.split(".")[1] for k in found if k.startswith("realism.") and k.endswith(".mean_err")) == sorted(
        ["total_cost", "unit_cost", "kwh_per_t", "maintenance_cost", "material_cost", "safety_env_cost", "transport_share"])


def _blasts(folder: Path, explosives: list[float]) -> Path:
    """The tiny mine over len(explosives) days (5 h of labour a day), blasting explosives ``explosives`` kg
    (11 CNY/kg), no equipment event (an outlier is removed, not kept)."""
    write_tiny_mine(folder)
    write_daily_labour(folder, [5.0] * len(explosives))
    equipment = pl.read_parquet(folder / "equipment.parquet").with_columns(failures=pl.lit(0, pl.Int64), downtime_h=0.0)
    equipment.write_parquet(folder / "equipment.parquet")
    labour = pl.read_parquet(folder / "consumption_daily.parquet")
    blasting = labour.with_columns(activity=pl.lit("blasting"), resource=pl.lit("explosives"), quantity=pl.Series(explosives))
    pl.concat([labour, blasting]).write_parquet(folder / "consumption_daily.parquet")
    return folder


def test_an_intermittent_series_keeps_its_use_days(tmp_path):
    """5,000 kg on 2024-01-01, 02-01 and 03-01, 0 on the other 72 days: 15,000 kg x 11 CNY (was 5,000 kg: the
    February and March blasts removed as outliers and imputed with 0)."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in range(75)]
    found = metrics(_cost(_blasts(tmp_path / "mine", [5000.0 if day.day == 1 else 0.0 for day in days])), tmp_path / "run")
    assert (found["outliers.removed"], found["imputed.daily_imputed"]) == (0, 0)
    assert found["cost.total"] == pytest.approx(15_000 * 11.0 + 75 * LABOUR, rel=1e-12)


def test_a_spike_in_a_series_used_every_day_is_still_removed(tmp_path):
    """The near miss: 100 kg a day (1 % wiggle, a 0 every 10th day) and 5,000 kg on day 40: removed as a 3-sigma
    outlier and imputed with February's mean of the others."""
    explosives = [0.0 if d % 10 == 5 else 100.0 * (1 + 0.01 * ((d % 3) - 1)) for d in range(60)]
    explosives[40] = 5000.0
    february = [q for d, q in enumerate(explosives[31:], start=31) if d != 40]
    expected = sum(explosives[:40]) + sum(explosives[41:]) + sum(february) / len(february)
    found = metrics(_cost(_blasts(tmp_path / "mine", explosives)), tmp_path / "run")
    assert (found["outliers.removed"], found["imputed.daily_imputed"]) == (1, 1)
    assert found["cost.total"] == pytest.approx(expected * 11.0 + 60 * LABOUR, rel=1e-12)


@pytest.mark.parametrize("table, before", [
    ({"resource": ["electricity"] * 2, "valid_from": ["2024-01-01", "2024-01-03"], "price": [0.62, 620.0]}, "0.62 (from 2024-01-01)"),
    ({"resource": ["labour"], "valid_from": ["2024-01-03"], "price": [85_000.0]}, "85 (its constant in costs.resources)"),
])
def test_a_price_in_another_unit_among_a_resources_prices_is_refused(tmp_path, table, before):
    """620 CNY/MWh after 0.62 CNY/kWh, labour 85,000 (a price in thousands) after the mapping's 85 CNY/h: costed 1000x
    from that day (the tiny mine's labour: 11 h x 85 + 24 h x 85,000 = 2,040,935 CNY for 2,975)."""
    folder, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    rows = pl.DataFrame(table).with_columns(pl.col("valid_from").str.to_date())
    prices = pl.read_parquet(folder / "prices.parquet").filter(~pl.col("resource").is_in(table["resource"]))
    pl.concat([prices, rows], how="vertical_relaxed").write_parquet(folder / "prices.parquet")
    after = table["price"][-1]
    assert_refused([*_cost(folder), f"hydra.run.dir={run}"],
                   f"error: prices: '{table['resource'][-1]}' goes from {before} to {after:,.6g} (from 2024-01-03), 1,000x: a price "
                   "in another unit (per MWh beside per kWh, per t beside per kg, in thousands)? expected each resource's prices "
                   "in one unit and currency (convert them upstream)", inputs=[folder], run_dir=run)


@pytest.mark.slow
def test_a_price_that_changes_tenfold_is_costed(tmp_path):
    """The near miss: labour 850 CNY/h from 2024-01-03 (10x, a real change can be): 11 h x 85 + 24 h x 850."""
    folder = write_tiny_mine(tmp_path / "mine")
    prices = pl.read_parquet(folder / "prices.parquet")
    pl.concat([prices, pl.DataFrame({"resource": ["labour"], "valid_from": [dt.date(2024, 1, 3)], "price": [850.0]})]
              ).write_parquet(folder / "prices.parquet")
    assert metrics(_cost(folder), tmp_path / "run")["cost.total"] == pytest.approx(11 * 85.0 + 24 * 850.0, rel=1e-12)
