"""Bad-input corpus, round 21 (cost): change rates and rule changes from a negative baseline.

A day-over-day change ``<col>_chg`` and a rule's change against its trailing mean were ``x / base - 1``: from a
negative base (a sensor in degrees C below 0, a change rate column itself) the sign flipped. An ambient temperature
rising from -5 to -1 read as a change of -80 % and fired a `down` rule; a fall to -10 read +138 % and fired an `up`
rule. The change is taken on the base's size now; from a positive base it is the same bits as before.

A day whose output (cost.output) is missing in the production table (an empty cell) was flagged `no_output` and counted
in `cost.no_output_days` and the summary's "days without output" with the stoppages (Q_t = 0): two unrecorded days and
one stoppage read "3 day(s) without output". Its `no_output` is null now (unknown), and the missing days are counted
apart (`cost.output_missing_days`, present only when there are some; the summary says "2 with the output missing").

An anomaly item, rule indicator, intensity part, change rate or rolling mean named as a column of the daily table that
is no number (the keys `mine_id` and `date`, the flags `no_output` and the equipment's `maintenance`, a production text
column) passed the check of the names: `mine_id` or `date` ended in a polars traceback, a rule on `maintenance` too
(`sign` of a bool), and the flags were scored, divided and averaged as 0/1 without a word. Each is refused in one line
now; the equipment's `failures` (a count) is a number and runs as before.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from conftest import write_daily_labour, write_tiny_mine
from harness import assert_refused, invoke

from minectl.costing.anomalies import Condition, Rule, rule_hits
from minectl.features.intensities import add_intensities

# ------------------------------------------------------------------------- changes from a negative base

DAYS = 20


def _mine_with_temperature(folder: Path, daily_temperature: list[float]) -> Path:
    """The tiny mine over len(daily_temperature) days with an hourly sensor of that temperature each day."""
    mine = write_tiny_mine(folder)
    write_daily_labour(mine, [5.0 + i % 3 for i in range(len(daily_temperature))])
    hours = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, len(daily_temperature), 23), "1h", eager=True)
    pl.DataFrame({"timestamp": hours, "mine_id": "M1", "ambient_temp_c": [daily_temperature[i // 24] for i in range(len(hours))]}
                 ).write_parquet(mine / "sensors.parquet")
    return mine


@pytest.mark.parametrize("base, today, expected", [
    (-5.0, -1.0, 0.8),     # a rise from below 0: up (it read -0.8)
    (-5.0, -10.0, -1.0),   # a fall: down (it read +1.0)
    (-2.0, 2.0, 2.0),      # crossing 0 upwards
    (4.0, 5.0, 0.25),      # a positive base, as before
    (4.0, 2.0, -0.5),
])
def test_day_over_day_change_has_the_sign_of_the_move(base, today, expected):
    frame = pl.DataFrame({"date": [dt.date(2024, 1, 1), dt.date(2024, 1, 2)], "mine_id": "M1", "t": [base, today]})
    changes = add_intensities(frame, {}, change=["t"]).collect()["t_chg"].to_list()
    assert changes == [None, expected]


def test_change_from_a_zero_base_stays_null():
    frame = pl.DataFrame({"date": [dt.date(2024, 1, 1), dt.date(2024, 1, 2)], "mine_id": "M1", "t": [0.0, 3.0]})
    assert add_intensities(frame, {}, change=["t"]).collect()["t_chg"].to_list() == [None, None]


def test_rule_change_from_a_negative_mean_has_the_sign_of_the_move():
    temperature = [-5.0] * 5 + [-1.0, -10.0]
    daily = pl.DataFrame({"date": pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 1, 7), eager=True), "mine_id": "M1",
                          "t": temperature})
    rules = [Rule("warm", (Condition("t", "up", 0.5),)), Rule("cold", (Condition("t", "down", 0.5),))]
    hits = rule_hits(daily, rules, window=3)
    assert hits.select("date", "item", "size").rows() == [(dt.date(2024, 1, 6), "warm", pytest.approx(0.8)),
                                                            (dt.date(2024, 1, 7), "cold", pytest.approx(1 - 30 / 11))]  # mean of -5, -5, -1


def test_cost_run_attributes_a_rise_below_zero_to_the_up_rule(tmp_path):
    mine = _mine_with_temperature(tmp_path / "mine", [-5.0] * 10 + [-1.0, -10.0] + [-5.0] * 8)
    run = tmp_path / "run"
    result = invoke("cost", "data=parquet_dir", f"data.dir={mine}", "cost.anomaly_window=5", "cost.anomaly_items=[cost]",
                    "cost.change_rate=[cost,ambient_temp_c]",
                    "+costs.anomaly_rules.warm={ambient_temp_c:{direction:up,threshold:0.5}}",
                    "+costs.anomaly_rules.cold={ambient_temp_c:{direction:down,threshold:0.5}}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    rules = pl.read_parquet(run / "tables" / "anomalies.parquet").filter(pl.col("method") == "rule")
    assert rules.select("date", "item", "indicators").rows() == [
        (dt.date(2024, 1, 11), "warm", "ambient_temp_c up 80.0%"),
        (dt.date(2024, 1, 12), "cold", "ambient_temp_c down -138.1%"),
    ]
    daily = pl.read_parquet(run / "tables" / "daily.parquet")
    assert daily["ambient_temp_c_chg"][10:13].to_list() == [0.8, -9.0, 0.5]


# ------------------------------------------------------------------------- an output missing is no stoppage


def _mine_with_pellets(folder: Path, pellets: list[float | None]) -> Path:
    mine = write_tiny_mine(folder)
    write_daily_labour(mine, [5.0 + i % 3 for i in range(len(pellets))])
    production = pl.read_parquet(mine / "production.parquet")
    production.with_columns(pellet_t=pl.Series(pellets, dtype=pl.Float64)).write_parquet(mine / "production.parquet")
    return mine


def test_a_missing_output_is_counted_apart_from_a_stoppage(tmp_path):
    pellets = [100.0 + i for i in range(10)]
    pellets[3], pellets[6], pellets[7] = 0.0, None, None
    mine, run = _mine_with_pellets(tmp_path / "mine", pellets), tmp_path / "run"
    result = invoke("cost", "data=parquet_dir", f"data.dir={mine}", "cost.output=pellet_t", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert "1 day(s) without output, 2 with the output missing (no unit cost)" in " ".join(result.output.split())
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["cost.no_output_days"] == 1 and metrics["cost.output_missing_days"] == 2
    daily = pl.read_parquet(run / "tables" / "daily.parquet")
    assert daily["no_output"][3:8].to_list() == [True, False, False, None, None]
    assert daily["unit_cost"][3:8].is_null().to_list() == [True, False, False, True, True]


def test_an_output_on_every_day_has_no_missing_count(tmp_path):
    mine, run = _mine_with_pellets(tmp_path / "mine", [0.0] + [100.0] * 9), tmp_path / "run"
    result = invoke("cost", "data=parquet_dir", f"data.dir={mine}", "cost.output=pellet_t", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert "1 day(s) without output (no unit cost)" in " ".join(result.output.split())
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["cost.no_output_days"] == 1 and "cost.output_missing_days" not in metrics


# ------------------------------------------------------------------------- columns that are no numbers


@pytest.fixture(scope="module")
def mine_with_text(tmp_path_factory) -> Path:
    mine = write_tiny_mine(tmp_path_factory.mktemp("text") / "mine")
    production = pl.read_parquet(mine / "production.parquet")
    production.with_columns(shift_lead=pl.lit("Ana")).write_parquet(mine / "production.parquet")
    return mine


NOT_A_NUMBER = "is a column of the daily table that is no number (a key, text or a yes/no flag)"


@pytest.mark.parametrize("override, says", [
    ("cost.anomaly_items=[mine_id]", f"cost.anomaly_items: 'mine_id' {NOT_A_NUMBER}"),  # was a polars traceback
    ("cost.anomaly_items=[date]", f"cost.anomaly_items: 'date' {NOT_A_NUMBER}"),  # a traceback
    ("cost.anomaly_items=[no_output]", f"cost.anomaly_items: 'no_output' {NOT_A_NUMBER}"),  # scored as 0/1
    ("cost.anomaly_items=[cost,maintenance]", f"cost.anomaly_items: 'maintenance' {NOT_A_NUMBER}"),
    ("+costs.anomaly_rules.planned={maintenance:{direction:up,threshold:0.5}}",  # `sign` of a bool: a traceback
     "costs.anomaly_rules.planned.maintenance: a column of the daily table that is no number"),
    ("+costs.intensities.ore_per_lead=[ore_t,shift_lead]", f"costs.intensities.ore_per_lead: 'shift_lead' {NOT_A_NUMBER}"),
    ("+costs.intensities.planned_per_t=[maintenance,ore_t]", f"costs.intensities.planned_per_t: 'maintenance' {NOT_A_NUMBER}"),
    ("cost.change_rate=[cost,maintenance]", f"cost.change_rate: 'maintenance' {NOT_A_NUMBER}"),
    ("cost.rolling_mean=[date]", f"cost.rolling_mean: 'date' {NOT_A_NUMBER}"),  # a mean of dates, without a word
])
def test_a_column_that_is_no_number_is_refused(mine_with_text, tmp_path, override, says):
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={mine_with_text}", override, f"hydra.run.dir={run}"], says,
                   inputs=[mine_with_text], run_dir=run)


@pytest.mark.parametrize("override", [
    "cost.anomaly_items=[cost,failures]",  # a count is a number
    "+costs.intensities.failures_per_t=[failures,ore_t]",
    "cost.change_rate=[cost,downtime_h]",
])
def test_number_columns_of_the_equipment_still_run(mine_with_text, tmp_path, override):
    run = tmp_path / "run"
    result = invoke("cost", "data=parquet_dir", f"data.dir={mine_with_text}", override, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
