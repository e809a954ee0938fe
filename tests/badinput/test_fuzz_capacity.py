"""Bad-input corpus, a mutation probe of `minectl capacity`'s three tables (cost_data, cobweb,
rolling) and the revenue keys they meet: a column named twice was polars' DuplicateError traceback,
a cost range of 1e300 was refused as "too narrow", a price curve negative everywhere or a cost
curve below 0 gave an optimum unsaid, and a cost item constant but for rounding noise took a
full PCA weight. Legal exports (a semicolon file with decimal commas and grouped thousands) give
the figures numpy and scikit-learn give for the same numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from typer.testing import CliRunner

from minectl.cli import app

# twelve months: output (10^4 t), total cost (10^4 yuan) near the seed's curve 3.919Q^2 - 2428Q + 386300, three cost items
OUTPUT = [150.0, 165, 172, 180, 190, 198, 205, 212, 220, 231, 240, 252]
COST = [111910.2, 90330.2, 84958.2, 75781.4, 66093.8, 59024.0, 51640.0, 47514.0, 41127.4, 37212.2, 29495.0, 23034.1]
MINING = [39027.9, 31281.5, 29207.8, 26328.1, 23373.8, 20539.1, 18552.9, 16530.0, 14406.7, 13797.2, 10595.8, 7809.3]
ADMIN = [7151.6, 8306.4, 7712.1, 7499.4, 8082.9, 8210.2, 7866.6, 7677.1, 8007.8, 7984.2, 8421.7, 8224.2]
LABOUR = [14344.5, 15624.5, 15494.4, 15781.9, 16577.9, 17010.9, 17147.0, 17598.8, 17726.1, 18497.7, 18589.6, 19054.2]


def _table(path: Path, **columns: list[float]) -> Path:
    pl.DataFrame(columns).write_csv(path)
    return path


def _costs(path: Path) -> Path:
    return _table(path, output=OUTPUT, total_cost=COST, mining=MINING, admin=ADMIN, labour=LABOUR)


@pytest.mark.parametrize("override, expect", [
    ("cost_data.item_columns=[mining,mining,admin]", "cost_data.item_columns: column 'mining' named twice"),
    ("cost_data.total_column=output", "cost_data.output_column and cost_data.total_column: column 'output' named twice"),
    ("cobweb.price_column=output", "cobweb.output_column and cobweb.price_column: column 'output' named twice"),
], ids=["item twice", "output as total", "cobweb output as price"])
def test_a_column_named_twice_is_refused(tmp_path, override, expect):
    """Each was polars' DuplicateError traceback (exit 1) from reading one column twice."""
    path = _costs(tmp_path / "table.csv")
    key = "cobweb" if override.startswith("cobweb") else "cost_data"
    assert_refused(["capacity", f"{key}.path={path}", override, f"hydra.run.dir={tmp_path / 'run'}"],
                   [expect, "expected a different column for each"], inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize("key", ["cost_data.output_column", "cost_data.item_columns"])
def test_a_true_false_column_is_refused_as_a_measurement(tmp_path, key):
    """A flag column named as the output or a cost item was read as 0/1 and fitted."""
    path = _table(tmp_path / "table.csv", output=OUTPUT, total_cost=COST, mining=MINING, admin=ADMIN, labour=LABOUR,
                  peak=[m % 2 == 0 for m in range(12)])
    override = f"{key}=peak" if key.endswith("output_column") else f"{key}=[mining,admin,peak]"
    assert_refused(["capacity", f"cost_data.path={path}", override, f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: column 'peak' holds true/false values; expected numbers (a yes/no factor as 1/0)",
                   inputs=[path], run_dir=tmp_path / "run")


def test_an_error_range_too_wide_is_refused_as_too_wide(tmp_path):
    """An upper of 1e300: the lognormal errors overflow (numpy's RuntimeWarning, a second line) and
    their nan deviation was refused as 'too narrow'."""
    assert_refused(["capacity", "revenue.cost_range=[-0.1,1e300]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "revenue.cost_range: [-0.1, 1e+300] is too wide: the errors overflow in floating point",
                   run_dir=tmp_path / "run")


@pytest.mark.parametrize("override, expect", [
    ("revenue.price_coefs=[-300]", "revenue.price_coefs: P(Q) <= 0 on the whole technical range Q in [47.619, 185.523] (P(47.619) = -300)"),
    ("revenue.cost_coefs=[0,0,0,-1]", "revenue.cost_coefs: C(Q) is negative inside the technical range Q in [47.619, 185.523] "
                                      "(C(185.523) = -6.38549e+06); expected total costs >= 0 there"),
], ids=["negative price", "negative cost"])
def test_revenue_curves_without_revenue_or_with_negative_costs_are_refused(tmp_path, override, expect):
    """Both ran: a price of -300 yuan/t everywhere still gave a 'risk-adjusted optimum', a cost curve
    falling below 0 put it where the cost is most negative."""
    assert_refused(["capacity", override, f"hydra.run.dir={tmp_path / 'run'}"], expect, run_dir=tmp_path / "run")


def test_a_price_curve_without_revenue_stops_a_sweep_before_any_job(tmp_path):
    """Checked with the limits before the sweep: the job of revenue.price_coefs=[300] no longer runs first."""
    sweep = tmp_path / "sweep"
    assert_refused(["capacity", "-m", "revenue.price_coefs=[300],[-300]", f"hydra.sweep.dir={sweep}"],
                   "revenue.price_coefs: P(Q) <= 0 on the whole technical range", run_dir=sweep)


def test_a_falling_price_curve_crossing_zero_inside_the_limits_still_runs(tmp_path):
    """A demand line 300 - 2Q is negative above Q = 150 of the range [47.6, 185.5]: legal. Risk neutral,
    R = 2728 Q - 5.919 Q^2 - 386300 peaks at Q = 2728 / 11.838 = 230.4 (27.65 Mt/a), past the link limit."""
    result = CliRunner().invoke(app, ["capacity", "revenue.price_coefs=[300,-2]", f"hydra.run.dir={tmp_path / 'run'}", "report=false"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["capacity.risk_neutral_unconstrained_mt_a"] == pytest.approx(2728 / 11.838 * 12e4 / 1e6, rel=1e-6)
    assert metrics["capacity.optimal_mt_a"] == pytest.approx(metrics["capacity.upper_mt_a"]) and metrics["capacity.upper_binding"] == 1


def test_a_cost_item_constant_up_to_rounding_is_refused(tmp_path):
    """admin = 8000 + i x 1e-12: the spread of float rounding, standardised by the PCA into an item
    as weighty as the others (it was read and weighted, unsaid)."""
    path = _table(tmp_path / "costs.csv", output=OUTPUT, total_cost=COST, mining=MINING,
                  admin=[8000.0 + i * 1e-12 for i in range(12)], labour=LABOUR)
    assert_refused(["capacity", f"cost_data.path={path}", "cost_data.item_columns=[mining,admin,labour]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "cost_data.item_columns: 'admin' is 8000 in every row; the PCA needs cost items that vary",
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_european_export_gives_numpys_and_sklearns_figures(tmp_path):
    """Semicolons, decimal commas and grouped thousands (111.910,2), rows shuffled: the curves' R^2
    are numpy's least squares, the PCA's contributions scikit-learn's on the standardised items."""
    order = np.random.default_rng(1).permutation(12)
    euro = lambda v: f"{v:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")  # noqa: E731
    path = tmp_path / "costs.csv"
    path.write_text("period;output;total_cost;mining;admin;labour\n" + "".join(
        f"2024-{i + 1:02d};{OUTPUT[i]:g};{euro(COST[i])};{euro(MINING[i])};{euro(ADMIN[i])};{euro(LABOUR[i])}\n" for i in order))
    run = tmp_path / "run"
    result = CliRunner().invoke(app, ["capacity", f"cost_data.path={path}", "cost_data.item_columns=[mining,admin,labour]",
                                      f"hydra.run.dir={run}", "report=false"])
    assert result.exit_code == 0, result.output
    q, c = np.array(OUTPUT), np.array(COST)
    r2 = {row["form"]: row["r2"] for row in pl.read_parquet(run / "tables" / "cost_curves.parquet").to_dicts()}
    for form, degree in (("linear", 1), ("quadratic", 2), ("cubic", 3)):
        fitted = np.polynomial.Polynomial.fit(q, c, degree)(q)
        assert r2[form] == pytest.approx(1 - np.sum((c - fitted) ** 2) / np.sum((c - c.mean()) ** 2), rel=1e-9)
    items = StandardScaler().fit_transform(np.column_stack([MINING, ADMIN, LABOUR]))
    contribution = pl.read_parquet(run / "tables" / "pca_components.parquet")["contribution"].to_numpy()
    np.testing.assert_allclose(contribution, PCA().fit(items).explained_variance_ratio_, rtol=1e-9)


# -- reading the tables in order (minectl/uncertainty/series.py, minectl/data/values.py)

COBWEB_OUTPUT = [311.08, 313.28, 310.15, 316.62, 308.33, 317.79, 314.5, 311.77, 317.23, 310.43, 317.41, 315.53]
COBWEB_PRICE = [320.21, 320.32, 318.12, 318.51, 321.01, 312.16, 313.38, 316.26, 314.43, 315.46, 316.59, 319.43]
YEARS = [f"{2012 + i}-01-01" for i in range(12)]


def test_a_newest_first_cobweb_is_refused(tmp_path):
    """The supply line regresses each row's output on the price of the row before: read newest
    first it was Q_t on P_(t+1): b1 0.2106 instead of 0.0113, unsaid (rolling.path refused it already)."""
    path = tmp_path / "cobweb.csv"
    pl.DataFrame({"year": YEARS, "output": COBWEB_OUTPUT, "price": COBWEB_PRICE}).reverse().write_csv(path)
    assert_refused(["capacity", f"cobweb.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "column 'year' at row 2 (2022-01-01 00:00:00) is not after the row before (2023-01-01 00:00:00)",
                    "the cobweb pairs each row's output with the price of the row before"], inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["year", "Year", "年份"])
def test_a_newest_first_cobweb_of_integer_years_is_refused(tmp_path, name):
    """A yearbook's table lists 2023, 2022, ... as integers: no date to check, so it was read
    newest first (b1 0.2106 where oldest first gives 0.0113)."""
    path = tmp_path / "cobweb.csv"
    pl.DataFrame({name: range(2012, 2024), "output": COBWEB_OUTPUT, "price": COBWEB_PRICE}).reverse().write_csv(path)
    assert_refused(["capacity", f"cobweb.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), f"column '{name}' at row 2 (2022-01-01) is not after the row before (2023-01-01)"],
                   inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize("table", [
    {"year": [2012, 2012, 2013, 2013], "month": [1, 2, 1, 2]},  # a date in two columns: the years repeat
    {"lot": [2021, 2019, 2020, 2018]},  # integers of another name are ids or measurements
], ids=["year and month", "a column of other integers"])
def test_integer_columns_that_are_not_years_stay_as_they_are(tmp_path, table):
    path = tmp_path / "cobweb.csv"
    pl.DataFrame(table | {"output": COBWEB_OUTPUT[:4], "price": COBWEB_PRICE[:4]}).write_csv(path)
    result = CliRunner().invoke(app, ["capacity", f"cobweb.path={path}", f"hydra.run.dir={tmp_path / 'ok'}", "report=false"])
    assert result.exit_code == 0, result.output
    b1, _ = np.polyfit(COBWEB_PRICE[:3], COBWEB_OUTPUT[1:4], 1)
    assert pl.read_parquet(tmp_path / "ok" / "tables" / "cobweb.parquet")["b1"][0] == pytest.approx(b1, rel=1e-9)


def test_a_cobweb_row_inside_the_series_is_not_dropped(tmp_path):
    """drop_incomplete=true dropped row 7 and paired P_6 with Q_8 as one period's lag."""
    path = tmp_path / "cobweb.csv"
    pl.DataFrame({"year": YEARS, "output": COBWEB_OUTPUT, "price": COBWEB_PRICE[:6] + [None] + COBWEB_PRICE[7:]}).write_csv(path)
    assert_refused(["capacity", f"cobweb.path={path}", "drop_incomplete=true", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "row 7 lacks a value between complete rows"], inputs=[path], run_dir=tmp_path / "run")
    trailing = tmp_path / "trailing.csv"  # prices not yet published for the last two years: dropped, as before
    pl.DataFrame({"year": YEARS, "output": COBWEB_OUTPUT, "price": COBWEB_PRICE[:10] + [None, None]}).write_csv(trailing)
    result = CliRunner().invoke(app, ["capacity", f"cobweb.path={trailing}", "drop_incomplete=true", f"hydra.run.dir={tmp_path / 'ok'}",
                                      "report=false"])
    assert result.exit_code == 0, result.output
    got = pl.read_parquet(tmp_path / "ok" / "tables" / "cobweb.parquet").row(0, named=True)
    b1, a1 = np.polyfit(COBWEB_PRICE[:9], COBWEB_OUTPUT[1:10], 1)
    assert (got["a1"], got["b1"]) == (pytest.approx(a1, rel=1e-9), pytest.approx(b1, rel=1e-9))


def test_a_rolling_path_leaving_out_a_month_is_refused(tmp_path):
    """2024-05 then 2024-07: the two months' move was mapped to alpha as one month's."""
    path = tmp_path / "prices.csv"
    months = [f"2024-{m:02d}" for m in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12)]
    pl.DataFrame({"month": months, "price": [float(100 + i) for i in range(11)]}).write_csv(path)
    assert_refused(["capacity", f"rolling.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "column 'month' goes from 2024-05-01 00:00:00 to 2024-07-01 00:00:00, leaving out a month"],
                   inputs=[path], run_dir=tmp_path / "run")



@pytest.mark.slow
@pytest.mark.parametrize("label", ["合计", "平均", "Totals", "Итого", "Ave.", "Mean value", "Total 2024", "合计：", "Average of all months"])
def test_a_summary_row_labelled_in_chinese_or_plural_is_refused(tmp_path, label):
    """Seed 003's tables are Chinese: a 合计 (total) row under the months was fitted as a 13th period
    (Q = 2415, C = 718120.5), unsaid; 'Totals' and Russian 'Итого' the same."""
    path = tmp_path / "costs.csv"
    pl.DataFrame({"period": [f"2024-{m:02d}" for m in range(1, 13)] + [label], "output": OUTPUT + [sum(OUTPUT)],
                  "total_cost": COST + [sum(COST)]}).write_csv(path)
    assert_refused(["capacity", f"cost_data.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), f"row 13 is labelled '{label}' (column 'period'): a total or mean of the rows"], inputs=[path],
                   run_dir=tmp_path / "run")


def test_labels_that_begin_like_a_summary_are_names(tmp_path):
    """A surveying instrument (a total station) or a creek named Mean is no total or mean."""
    path = tmp_path / "costs.csv"
    notes = ["Total Station 2 hired", "Mean Creek pit", "Summit ramp"] + [""] * 9
    pl.DataFrame({"note": notes, "output": OUTPUT, "total_cost": COST}).write_csv(path)
    result = CliRunner().invoke(app, ["capacity", f"cost_data.path={path}", f"hydra.run.dir={tmp_path / 'run'}", "report=false"])
    assert result.exit_code == 0, result.output


def test_a_missing_column_is_refused_listing_the_columns(tmp_path):
    """A pipe-separated export reads as one column; the refusal named only the column it lacked."""
    path = tmp_path / "costs.csv"
    path.write_text("period|output|total_cost\n2024-01|150|111910.2\n2024-02|165|90330.2\n2024-03|172|84958.2\n")
    assert_refused(["capacity", f"cost_data.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"cost_data: column 'output' not in {path}; its columns are 'period|output|total_cost'", inputs=[path],
                   run_dir=tmp_path / "run")
