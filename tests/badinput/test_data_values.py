"""Bad-input corpus, data values (issue 13, section 3): wrong data is refused, not averaged.

Non-finite values, sums that overflow, keys that do not join and out-of-range attributes in
the mine tables; inf / NaN / text / gaps in the single-file inputs (series, sample tables,
simulator runs); and the drop-by-config paths, which count what they dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.optimize.simulator import ProbabilityIntegralSimulator

INF, NAN = float("inf"), float("nan")


def _set(table: str, column: str, row: int, value) -> Callable[[Path], None]:
    """Edit: one cell of a tiny-mine table."""

    def edit(folder: Path) -> None:
        path = folder / f"{table}.parquet"
        frame = pl.read_parquet(path)
        values = frame[column].to_list()
        values[row] = value
        frame.with_columns(pl.Series(column, values, dtype=frame.schema[column])).write_parquet(path)

    return edit


def _fill(table: str, column: str, value) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / f"{table}.parquet"
        pl.read_parquet(path).with_columns(pl.lit(value, dtype=pl.Float64).alias(column)).write_parquet(path)

    return edit


def _append(table: str, **changes) -> Callable[[Path], None]:
    """Edit: the table's rows once more, with ``changes`` (e.g. another mine_id)."""

    def edit(folder: Path) -> None:
        path = folder / f"{table}.parquet"
        frame = pl.read_parquet(path)
        other = frame.with_columns(*(pl.lit(v, dtype=frame.schema[c]).alias(c) for c, v in changes.items()))
        pl.concat([frame, other]).write_parquet(path)

    return edit


def _hourly(folder: Path, quantity: list[float] | None = None, mine: str = "M1") -> None:
    """A metered table: 48 hours of hauling electricity (kWh)."""
    stamps = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 23), "1h", eager=True)
    values = quantity or [50.0] * stamps.len()
    pl.DataFrame({"timestamp": stamps, "mine_id": mine, "activity": "hauling", "resource": "electricity", "quantity": values}).write_parquet(
        folder / "consumption_hourly.parquet"
    )


def _hourly_with(row: int, value: float, mine: str = "M1") -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        values = [50.0] * 48
        values[row] = value
        _hourly(folder, values, mine)

    return edit


def _sensor_nan(folder: Path) -> None:
    """A sensors table (48 hours of fan airflow) with a NaN reading in hour 6."""
    stamps = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 23), "1h", eager=True)
    airflow = [120.0] * 48
    airflow[5] = NAN
    pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "airflow_m3s": airflow}).write_parquet(folder / "sensors.parquet")


def _orphan_hourly(folder: Path) -> None:
    _hourly(folder)
    path = folder / "consumption_hourly.parquet"
    frame = pl.read_parquet(path)
    pl.concat([frame, frame.with_columns(mine_id=pl.lit("M7"))]).write_parquet(path)


def _as_csv(folder: Path, table: str) -> list[str]:
    """``table`` of the tiny mine moved to a csv source (data.tables, from a config dir); the overrides."""
    source, csv, conf = folder / f"{table}.parquet", folder.parent / f"{table}.csv", folder.parent / "conf" / "data"
    pl.read_parquet(source).write_csv(csv)
    source.unlink()
    conf.mkdir(parents=True)
    (conf / "csv_mine.yaml").write_text(f"defaults:\n  - parquet_dir\n  - _self_\ntables:\n  {table}: {{kind: csv, path: '{csv}'}}\n")
    return ["-cd", str(conf.parent), "data=csv_mine"]


TABLE_CASES = {
    # non-finite values: file, column, count and first row (counting from 1)
    "production-ore_t-inf": (_set("production", "ore_t", 1, INF), ["production.parquet: column 'ore_t'", "1 non-finite values (first at row 2)", "expected finite numbers"]),
    "production-ore_t-nan": (_set("production", "ore_t", 3, NAN), ["column 'ore_t' of table 'production' has 1 non-finite values (first at row 4)"]),
    "production-drilled_m-all-nan": (_fill("production", "drilled_m", NAN), ["column 'drilled_m'", "has 5 non-finite values (first at row 1)"]),
    "production-haul_km-inf": (_set("production", "haul_km", 4, INF), ["column 'haul_km'", "first at row 5"]),
    "production-ore_t-sum-overflows": (_fill("production", "ore_t", 1e308), ["column 'ore_t' of table 'production' sums to inf", "overflows at row 2", "expected numbers whose sum is finite"]),
    "production-haul_km-negative": (_set("production", "haul_km", 2, -1.0), ["negative haul_km (-1.0) at mine_id=M1, date=2024-01-03; expected >= 0"]),
    "consumption_daily-quantity-inf": (_set("consumption_daily", "quantity", 2, INF), ["consumption_daily.parquet: column 'quantity'", "first at row 3"]),
    "consumption_daily-quantity-nan": (_set("consumption_daily", "quantity", 0, NAN), ["column 'quantity' of table 'consumption_daily' has 1 non-finite values (first at row 1)"]),
    "consumption_daily-quantity-minus-inf": (_set("consumption_daily", "quantity", 4, -INF), ["column 'quantity'", "first at row 5"]),
    "consumption_daily-sum-overflows": (_fill("consumption_daily", "quantity", 1e308), ["column 'quantity' of table 'consumption_daily' sums to inf"]),
    # finite quantities whose cost overflows: 1e307 h of labour at 85 CNY/h
    "consumption_daily-cost-overflows": (_fill("consumption_daily", "quantity", 1e307), ["the daily cost is inf on 5 mine-days (first date=2024-01-01, mine_id=M1)"]),
    "consumption_daily-unknown-resource": (_append("consumption_daily", resource="gold"), ["consumption_daily.resource: 'gold' is not declared in costs.resources"]),
    "consumption_hourly-quantity-inf": (_hourly_with(30, INF), ["consumption_hourly.parquet: column 'quantity'", "1 non-finite values (first at row 31)"]),
    "consumption_hourly-quantity-nan": (_hourly_with(0, NAN), ["column 'quantity' of table 'consumption_hourly'", "first at row 1"]),
    "consumption_hourly-orphan-mine": (_orphan_hourly, ["48 rows for mine_id 'M7', which table 'mines' lacks"]),
    "sensors-reading-nan": (_sensor_nan, ["sensors.parquet: column 'airflow_m3s' of table 'sensors' has 1 non-finite values (first at row 6)"]),
    "equipment-operating_h-inf": (_set("equipment", "operating_h", 1, INF), ["equipment.parquet: column 'operating_h'", "first at row 2"]),
    "equipment-downtime_h-nan": (_set("equipment", "downtime_h", 2, NAN), ["column 'downtime_h' of table 'equipment' has 1 non-finite values (first at row 3)"]),
    "equipment-downtime_h-negative": (_set("equipment", "downtime_h", 0, -2.0), ["negative downtime_h (-2.0)", "expected >= 0"]),
    "equipment-operating_h-negative": (_set("equipment", "operating_h", 3, -1.0), ["negative operating_h (-1.0)"]),
    "equipment-orphan-mine": (_append("equipment", mine_id="M3"), ["5 rows for mine_id 'M3', which table 'mines' lacks; expected every mine_id of 'equipment' in 'mines'"]),
    "prices-price-inf": (_set("prices", "price", 1, INF), ["prices.parquet: column 'price' of table 'prices' has 1 non-finite values (first at row 2)"]),
    "prices-price-nan": (_set("prices", "price", 0, NAN), ["column 'price'", "first at row 1"]),
    "prices-price-negative": (_set("prices", "price", 2, -11.0), ["negative price (-11.0) at resource=explosives"]),
    "prices-unknown-resource": (_set("prices", "resource", 0, "unobtainium"), ["price for unknown resource 'unobtainium' (not in costs.resources)"]),
    "mines-outsourcing_share-above-1": (_set("mines", "outsourcing_share", 0, 1.5), ["1 outsourcing_share values outside [0, 1] (first 1.5 at mine_id=M1); expected a share in [0, 1]"]),
    "mines-outsourcing_share-negative": (_set("mines", "outsourcing_share", 0, -0.1), ["outsourcing_share values outside [0, 1] (first -0.1"]),
    "mines-outsourcing_share-nan": (_set("mines", "outsourcing_share", 0, NAN), ["column 'outsourcing_share' of table 'mines' has 1 non-finite values"]),
    "mines-haul_distance_km-negative": (_set("mines", "haul_distance_km", 0, -2.0), ["negative haul_distance_km (-2.0) at mine_id=M1; expected >= 0"]),
    "mines-rock_hardness_f-negative": (_set("mines", "rock_hardness_f", 0, -8.0), ["negative rock_hardness_f (-8.0)"]),
    "mines-rock_hardness_f-inf": (_set("mines", "rock_hardness_f", 0, INF), ["column 'rock_hardness_f'", "first at row 1"]),
    "production-orphan-mine": (_append("production", mine_id="M5"), ["data.tables.production:", "5 rows for mine_id 'M5', which table 'mines' lacks"]),
    "consumption-mine-without-production": (
        lambda f: (_append("consumption_daily", mine_id="M2")(f), _append("mines", mine_id="M2")(f)),
        ["5 rows for mine_id 'M2', which table 'production' lacks; expected every mine_id of 'consumption_daily' in 'production'"],
    ),
}

CSV_CASES = {
    "csv-production-ore_t-inf": ("production", _set("production", "ore_t", 1, INF), ["production.csv: column 'ore_t'", "first at row 2"]),
    "csv-consumption-quantity-nan": ("consumption_daily", _set("consumption_daily", "quantity", 3, NAN), ["consumption_daily.csv: column 'quantity'", "first at row 4"]),
    "csv-mines-share-out-of-range": ("mines", _set("mines", "outsourcing_share", 0, 2.0), ["mines.csv: table 'mines' has 1 outsourcing_share values outside [0, 1]"]),
}


def _cost_args(folder: Path, tmp_path: Path, extra: list[str] = ()) -> list[str]:
    return ["cost", *(extra or ["data=parquet_dir"]), f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"]


@pytest.mark.parametrize("edit, expect", TABLE_CASES.values(), ids=TABLE_CASES.keys())
def test_mine_table_values_are_refused(tmp_path, edit, expect):
    folder = write_tiny_mine(tmp_path / "mine")
    edit(folder)
    assert_refused(_cost_args(folder, tmp_path), expect, inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize("table, edit, expect", CSV_CASES.values(), ids=CSV_CASES.keys())
def test_csv_table_values_are_refused(tmp_path, table, edit, expect):
    folder = write_tiny_mine(tmp_path / "mine")
    edit(folder)
    extra = _as_csv(folder, table)
    assert_refused(_cost_args(folder, tmp_path, extra), expect, inputs=[folder, tmp_path / f"{table}.csv"], run_dir=tmp_path / "run")


def test_orphan_mine_is_refused_naming_it(tmp_path):
    """Today's silent case: consumption of a mine that neither production nor mines has moved
    the material share from 0.19 to 0.59; now it is refused, naming the mine and its rows."""
    folder = write_tiny_mine(tmp_path / "mine")
    daily = pl.read_parquet(folder / "consumption_daily.parquet")
    orphan = daily.head(3).with_columns(mine_id=pl.lit("M9"), resource=pl.lit("explosives"), activity=pl.lit("blasting"))
    pl.concat([daily, orphan]).write_parquet(folder / "consumption_daily.parquet")
    line = assert_refused(_cost_args(folder, tmp_path), "3 rows for mine_id 'M9'", inputs=[folder], run_dir=tmp_path / "run")
    assert "consumption_daily" in line and "lacks" in line


@pytest.mark.parametrize("override", ["costs.resources.labour.price=inf", "costs.resources.labour.price=nan",
                                      "+costs.prices.diesel=[{valid_from: '2024-01-01', price: inf}]"])
def test_non_finite_mapping_prices_are_refused(tmp_path, override):
    folder = write_tiny_mine(tmp_path / "mine")
    assert_refused(_cost_args(folder, tmp_path, ["data=parquet_dir", override]), ["is not finite; expected a finite price >= 0"],
                   inputs=[folder], run_dir=tmp_path / "run")


def test_cost_summary_and_metrics_count_imputed_records(tmp_path):
    """A missing booked record is imputed by design: counted in metrics and said in the summary."""
    folder = write_tiny_mine(tmp_path / "mine")
    _set("consumption_daily", "quantity", 2, None)(folder)
    result = CliRunner().invoke(app, _cost_args(folder, tmp_path), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["imputed.daily_imputed"] == 1
    assert "1 daily records imputed" in result.output


# --- single-file inputs: the uncertainty series ---

def _uncertainty(path: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", "dataset.column=x", "dataset.name=test", "dataset.transforms=[level]",
            "uncertainty.n_resamples=99", "uncertainty.families=[normal]", *extra, f"hydra.run.dir={tmp_path / 'run'}"]


SERIES_CASES = {
    "inf": ("x\n1\n2\ninf\n4\n", ["column 'x' has 1 non-finite values (first at row 3); expected finite numbers"]),
    "minus-inf": ("x\n1\n-inf\n3\n-inf\n", ["column 'x' has 2 non-finite values (first at row 2)"]),
    "nan": ("x\n1\n2\n3\nNaN\n5\n", ["column 'x' has 1 non-finite values (first at row 4)"]),
    "sum-overflows": ("x\n1e308\n1e308\n1\n", ["column 'x' sums to inf (the running sum overflows at row 2); expected numbers whose sum is finite"]),
    "text": ("x\n1\n2\nabc\n4\n", ["column 'x' has 1 values that are not numbers (first at row 3: 'abc'); expected numbers"]),
    "gap": ("x\n1\n2\n\n4\n5\n", ["column 'x' has 1 empty values inside the series (first at row 3)", "uncertainty.drop_incomplete=true"]),
    "no-values": ("x,y\n,1\n,2\n", ["column 'x' has no values; expected numbers"]),
    "header-only": ("x\n", ["the dataset file has no rows"]),
    "empty-file": ("", ["the dataset file is empty (0 bytes); expected a table"]),
    "single-row": ("x\n5\n", ["1 value", "expected at least 2"]),
}


@pytest.mark.parametrize("text, expect", SERIES_CASES.values(), ids=SERIES_CASES.keys())
def test_uncertainty_series_values_are_refused(tmp_path, text, expect):
    path = tmp_path / "series.csv"
    path.write_text(text)
    assert_refused(_uncertainty(path, tmp_path), [str(path), *expect], inputs=[path], run_dir=tmp_path / "run")


def test_uncertainty_group_gap_names_group_and_file_row(tmp_path):
    path = tmp_path / "tbf.csv"
    path.write_text("machine,x\nA,1\nB,5\nA,2\nB,\nA,3\nB,7\n")
    assert_refused(_uncertainty(path, tmp_path, "dataset.group_by=machine"),
                   f"{path} (machine=B): column 'x' has 1 empty values inside the series (first at row 4)", inputs=[path], run_dir=tmp_path / "run")


def test_uncertainty_parquet_nan_is_refused(tmp_path):
    path = tmp_path / "series.parquet"
    pl.DataFrame({"x": [1.0, 2.0, NAN, 4.0]}).write_parquet(path)
    assert_refused(_uncertainty(path, tmp_path), "column 'x' has 1 non-finite values (first at row 3)", inputs=[path], run_dir=tmp_path / "run")


def test_uncertainty_incomplete_cost_items_are_refused(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("x,a,b\n1,1,2\n2,2,\n3,3,4\n4,4,5\n")
    assert_refused(_uncertainty(path, tmp_path, "dataset.cost_items=[a,b]"),
                   "1 rows lack a value (first: column 'b' at row 2)", inputs=[path], run_dir=tmp_path / "run")


def test_uncertainty_drop_incomplete_counts_dropped_values(tmp_path):
    """12 prices, one empty month inside: 1 level dropped; 11 returns, the 2 across the gap dropped."""
    path = tmp_path / "prices.csv"
    prices = ["", "10", "11", "12", "11", "", "13", "14", "12", "13", "15", "16", "14", ""]  # leading/trailing: not gaps
    path.write_text("x\n" + "\n".join(prices) + "\n")
    args = _uncertainty(path, tmp_path, "uncertainty.drop_incomplete=true")
    args[4] = "dataset.transforms=[level,log_return]"
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["uncertainty.level.dropped"] == 1 and metrics["uncertainty.log_return.dropped"] == 2
    boot = pl.read_parquet(tmp_path / "run" / "tables" / "bootstrap.parquet")
    assert boot["n"].to_list() == [11, 9]
    assert math.isclose(metrics["uncertainty.level.estimate"], np.mean([10, 11, 12, 11, 13, 14, 12, 13, 15, 16, 14]))
    assert "1 level, 2 log_return" in result.output


# --- single-file inputs: forecast series, capacity tables, simulator runs ---

FORECAST_CASES = {
    "inf": ("m,v\n2020-01,1\n2020-02,inf\n2020-03,2\n", "column 'v' has 1 non-finite values (first at row 2)"),
    "nan": ("m,v\n2020-01,1\n2020-02,2\n2020-03,NaN\n", "column 'v' has 1 non-finite values (first at row 3)"),
    "text": ("m,v\n2020-01,1\n2020-02,about 3\n2020-03,2\n", "column 'v' has 1 values that are not numbers (first at row 2: 'about 3')"),
}


@pytest.mark.parametrize("text, expect", FORECAST_CASES.values(), ids=FORECAST_CASES.keys())
def test_forecast_series_values_are_refused(tmp_path, text, expect):
    path = tmp_path / "prices.csv"
    path.write_text(text)
    args = ["forecast", f"series={path}", "source.date_column=m", "source.value_column=v", "forecaster=[naive]",
            f"hydra.run.dir={tmp_path / 'run'}"]
    assert_refused(args, [str(path), expect], inputs=[path], run_dir=tmp_path / "run")


CAPACITY_CASES = {
    "cost_data-inf": ("cost_data", "output,total_cost\n1,2\n2,inf\n3,5\n", "column 'total_cost' has 1 non-finite values (first at row 2)"),
    "cost_data-incomplete": ("cost_data", "output,total_cost\n1,2\n2,\n3,5\n", "1 rows lack a value (first: column 'total_cost' at row 2); expected a value in every row, or drop_incomplete=true"),
    "cobweb-text": ("cobweb", "output,price\n1,2\nx,3\n3,5\n", "column 'output' has 1 values that are not numbers (first at row 2: 'x')"),
    "rolling-gap": ("rolling", "price\n\n100\n101\n\n103\n", "column 'price' has 1 empty values inside the series (first at row 4); expected a value in every row between the first and the last"),
}


@pytest.mark.parametrize("key, text, expect", CAPACITY_CASES.values(), ids=CAPACITY_CASES.keys())
def test_capacity_inputs_are_refused(tmp_path, key, text, expect):
    path = tmp_path / "table.csv"
    path.write_text(text)
    assert_refused(["capacity", f"{key}.path={path}", f"hydra.run.dir={tmp_path / 'run'}"], [str(path), expect], inputs=[path], run_dir=tmp_path / "run")


def test_capacity_drop_incomplete_counts_dropped_rows(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text("output,total_cost\n10,120\n20,\n30,260\n,300\n40,330\n50,420\n60,490\n")
    result = CliRunner().invoke(app, ["capacity", f"cost_data.path={path}", "drop_incomplete=true", f"hydra.run.dir={tmp_path / 'run'}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["capacity.dropped.cost_data"] == 2
    assert "2 rows of cost_data" in result.output


SIM_QUICK = ("debug=quick",)


def _runs(path: Path, n: int = 12, **cells) -> Path:
    """``n`` runs of the closed-form simulator over the default bounds; ``cells``: column -> {row: value}."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(18, 25, n), rng.uniform(0.5, 3.0, n)])
    Y = ProbabilityIntegralSimulator().evaluate(X)
    frame = pl.DataFrame({"pillar_height_m": X[:, 0], "sidewall_thickness_m": X[:, 1], "subsidence_cm": Y[:, 0], "ore_t": Y[:, 1]})
    for column, values in cells.items():
        cells_of = frame[column].to_list()
        for row, value in values.items():
            cells_of[row] = value
        frame = frame.with_columns(pl.Series(column, cells_of, dtype=pl.Float64))
    frame.write_csv(path)
    return path


SIMULATOR_CASES = {
    "response-nan": ({"subsidence_cm": {3: NAN}}, "column 'subsidence_cm' has 1 non-finite values (first at row 4)"),
    "response-inf": ({"ore_t": {0: INF, 5: INF}}, "column 'ore_t' has 2 non-finite values (first at row 1)"),
    "variable-minus-inf": ({"pillar_height_m": {7: -INF}}, "column 'pillar_height_m' has 1 non-finite values (first at row 8)"),
    "run-without-response": ({"ore_t": {2: None}, "subsidence_cm": {9: None}}, "2 rows lack a value (first: column 'ore_t' at row 3); expected a value in every row, or simulator.drop_incomplete=true"),
}


@pytest.mark.parametrize("cells, expect", SIMULATOR_CASES.values(), ids=SIMULATOR_CASES.keys())
def test_simulator_table_values_are_refused(tmp_path, cells, expect):
    path = _runs(tmp_path / "runs.csv", **cells)
    args = ["optimize", *SIM_QUICK, "simulator=table", f"simulator.path={path}", f"hydra.run.dir={tmp_path / 'run'}"]
    assert_refused(args, [str(path), expect], inputs=[path], run_dir=tmp_path / "run")


PRICE_PATH_CASES = {
    "last-price-inf": ("date,forecast\n2024-01-01,100\n2024-02-01,inf\n", "column 'forecast' has 1 non-finite values (first at row 2)"),
    "price-text": ("date,forecast\n2024-01-01,100\n2024-02-01,tbd\n", "column 'forecast' has 1 values that are not numbers (first at row 2: 'tbd')"),
    # coal in USD/t (a forecast run's table) against the default ore band of 300-450
    "other-commodity": ("date,forecast,unit\n2024-01-01,120,USD/t\n2024-02-01,131,USD/t\n",
                        "prices 120-131 USD/t are nowhere near the decision's price band 300-450 (not even within 150-900)"),
    "two-units": ("date,forecast,unit\n2024-01-01,320,USD/t\n2024-02-01,331,CNY/t\n",
                  "several units ['CNY/t', 'USD/t'] in one price path; expected one"),
}


@pytest.mark.parametrize("text, expect", PRICE_PATH_CASES.values(), ids=PRICE_PATH_CASES.keys())
def test_decision_price_path_values_are_refused(tmp_path, text, expect):
    path = tmp_path / "prices.csv"
    path.write_text(text)
    args = ["optimize", *SIM_QUICK, "doe.kind=lhs", "doe.n=12", f"optimize.decision.price_path={path}", f"hydra.run.dir={tmp_path / 'run'}"]
    assert_refused(args, [str(path), expect], inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.slow
def test_a_price_path_whose_latest_month_has_no_price_says_which_price_is_used(tmp_path):
    # was: the month before's price, used without a word (n.a.: a month not published yet)
    path = tmp_path / "prices.csv"
    path.write_text("date,forecast\n2024-10-01,396\n2024-11-01,404\n2024-12-01,n.a.\n")
    args = ["optimize", *SIM_QUICK, "surrogate=rf", f"optimize.decision.price_path={path}", f"hydra.run.dir={tmp_path / 'run'}"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "no price in the last row of column 'forecast'; the price before it (404) is used" in " ".join(result.output.split())
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["decision.price"] == 404.0


def test_simulator_drop_incomplete_counts_dropped_runs(tmp_path):
    path = _runs(tmp_path / "runs.csv", n=14, ore_t={2: None}, subsidence_cm={9: None, 11: None})
    # a random forest: LightGBM learns nothing from 11 runs (no split under 2 x min_child_samples), refused
    args = ["optimize", *SIM_QUICK, "simulator=table", f"simulator.path={path}", "simulator.drop_incomplete=true",
            "surrogate=rf", f"hydra.run.dir={tmp_path / 'run'}"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["doe.dropped"] == 3 and metrics["doe.runs"] == 11
    assert "3 incomplete runs dropped" in result.output


def test_integer_quantities_beyond_2_to_the_53_are_refused_not_rounded(tmp_path):
    """A float holds every integer up to 2^53 only: 2^53 + 1 t became 2^53 t without a word (a PostgreSQL bigint, an Int64 column)."""
    folder = write_tiny_mine(tmp_path / "mine")
    path = folder / "production.parquet"
    frame = pl.read_parquet(path)
    ore = [2**53 + 1] + [round(v) for v in frame["ore_t"].to_list()[1:]]
    frame.with_columns(pl.Series("ore_t", ore, dtype=pl.Int64)).write_parquet(path)
    assert_refused(_cost_args(folder, tmp_path), "column 'ore_t' of table 'production' has 1 values beyond 2^53 (first "
                   "9007199254740993), which a float rounds; expected Float64 values of at most 9,007,199,254,740,992",
                   inputs=[folder], run_dir=tmp_path / "run")
    frame.with_columns(pl.Series("ore_t", [2**53] + ore[1:], dtype=pl.Int64)).write_parquet(path)  # exact as a float: costed
    assert CliRunner().invoke(app, _cost_args(folder, tmp_path / "exact")).exit_code == 0
