"""Bad-input corpus: real-world-shaped tables of `minectl cost` (the mine tables), `risk` (a table
file, and `risk predict` on new rows), `uncertainty`, `capacity`, `forecast` (resampled series) and
`optimize` (a price path). Each case once crashed with a traceback, passed a wrong value silently
or failed with a misleading line; now it ends in one line naming the file or key and what was
expected (and the valid neighbour of a case still runs).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


# -- cost: the mine tables ----------------------------------------------------------------------

def _excel_serial_dates(folder: Path) -> None:  # days since 1899-12-30, as spreadsheets store dates
    frame = pl.read_parquet(folder / "production.parquet")
    frame.with_columns(pl.col("date").cast(pl.Int64) + 25_569).write_parquet(folder / "production.parquet")


def _fractional_failures(folder: Path) -> None:
    frame = pl.read_parquet(folder / "equipment.parquet")
    frame.with_columns(pl.col("failures").cast(pl.Float64) + 0.5).write_parquet(folder / "equipment.parquet")


def _latin1_csv(folder: Path) -> None:  # read from a csv source by the data config below
    frame = pl.read_parquet(folder / "production.parquet")
    (folder / "production.csv").write_bytes(frame.with_columns(mine_id=pl.lit("Mé")).write_csv().encode("latin-1"))


def _us_dates_csv(folder: Path) -> None:  # 01/02/2024 is 2 January here; polars alone read 1 February
    frame = pl.read_parquet(folder / "production.parquet")
    (folder / "production.csv").write_text(frame.with_columns(pl.col("date").dt.strftime("%m/%d/%Y")).write_csv())


def _parts_of_two_schemas(folder: Path) -> None:  # a folder of part files, one written with ore_t as text
    frame = pl.read_parquet(folder / "production.parquet")
    (folder / "production.parquet").unlink()
    (folder / "production").mkdir()
    frame.head(2).write_parquet(folder / "production" / "part-0.parquet")
    frame.tail(3).with_columns(pl.col("ore_t").cast(pl.String)).write_parquet(folder / "production" / "part-1.parquet")


MINE_CASES = {
    # the Excel serials were read as days since 1970 (2094-01-01): no production on any costed day
    "excel serial dates": (_excel_serial_dates, False, "column 'date' of table 'production' holds numbers (Int64), not dates"),
    "fractional failure counts": (_fractional_failures, False, "column 'failures' of table 'equipment' has 5 values that are not whole numbers"),
    "latin-1 csv": (_latin1_csv, True, "production.csv: not UTF-8 text (line 2 has byte 0xE9, 'é' in Windows-1252); expected UTF-8 text"),
    "month-first dates csv": (_us_dates_csv, True, "production.csv: column 'date' has dates such as '01/02/2024' that read both day first and month first"),
    # polars' SchemaError when the second part was read
    "part files of two schemas": (_parts_of_two_schemas, False, "production: part part-1.parquet has column 'ore_t' as String, "
                                 "part part-0.parquet as Float64; expected the same columns and types in every part"),
}


@pytest.mark.parametrize("case", MINE_CASES)
def test_mine_tables_read_wrongly_are_refused(case, tmp_path):
    edit, as_csv, expect = MINE_CASES[case]
    folder = write_tiny_mine(tmp_path / "mine")
    edit(folder)
    source = ["data=parquet_dir"]
    if as_csv:  # production from the csv, the other tables from the folder
        (tmp_path / "conf" / "data").mkdir(parents=True)
        (tmp_path / "conf" / "data" / "csv_mine.yaml").write_text(
            f"defaults:\n  - parquet_dir\n  - _self_\ntables:\n  production: {{kind: csv, path: '{folder / 'production.csv'}'}}\n")
        source = ["-cd", tmp_path / "conf", "data=csv_mine"]
    run = tmp_path / "run"
    table = "equipment" if "failure" in case else "production"
    assert_refused(["cost", *source, f"data.dir={folder}", f"hydra.run.dir={run}"], [f"data.tables.{table}", expect], inputs=[folder], run_dir=run)


# -- risk: a table file and new rows for a saved model -------------------------------------------

def _cases(n: int = 60) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    label = (rng.random(n) < 0.4).astype(int)
    return pl.DataFrame({"site": np.where(np.arange(n) < n - 10, ["a", "b"] * (n // 2), "a"),  # the last 10 rows: site a only
                         "x": label * 2.0 + rng.normal(size=n), "y": rng.normal(size=n), "class": label})


def _risk(path: Path, run: Path, *extra: str) -> list[str]:
    return ["risk", f"risk.input.path={path}", "risk.input.kind=table", "risk.input.categorical=[site]", "risk.window=2",
            "risk.lead_times=[0]", "risk.labels.column=class", "risk.labels.levels=2", "model=lr", "risk.robustness.enabled=false",
            "risk.importance.enabled=false", "risk.leakage.enabled=false", *extra, f"hydra.run.dir={run}"]


def _text_in_y(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(y=pl.when(pl.int_range(frame.height) == 7).then(pl.lit("12 t")).otherwise(pl.col("y").cast(pl.String)))


def _huge_x(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(x=pl.when(pl.int_range(frame.height) == 9).then(1e300).otherwise(pl.col("x")))


def _half_label(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.when(pl.int_range(frame.height) == 4).then(0.5).otherwise(pl.col("class")).alias("class"))


RISK_CASES = {
    # a column of numbers with one '12 t' read as text, and was silently no feature ('NA' is a missing value)
    "text in a number column": (_text_in_y, "cases.csv: column 'y' holds text (e.g. '12 t'); expected numbers"),
    # scikit-learn's trees work in float32: a traceback
    "value beyond float32": (_huge_x, "risk input: column 'x' has 1 missing, infinite or too large values"),
    "fractional label": (_half_label, "risk labels: column 'class' must hold integers 0..1"),  # 0.5 was cast to level 0
}


@pytest.mark.parametrize("case", RISK_CASES)
def test_risk_table_values_are_refused(case, tmp_path):
    edit, expect = RISK_CASES[case]
    path = tmp_path / "cases.csv"
    edit(_cases()).write_csv(path)
    assert_refused(_risk(path, tmp_path / "run"), expect, inputs=[path], run_dir=tmp_path / "run")


def test_risk_predict_scores_rows_without_every_level_and_refuses_an_unseen_one(tmp_path):
    frame = _cases()
    frame.write_csv(tmp_path / "train.csv")
    _run(_risk(tmp_path / "train.csv", tmp_path / "run"))
    # the last 10 rows hold site a only: the model's 'site=b' column was missing, and the rows refused
    frame.tail(10).write_csv(tmp_path / "new.csv")
    _run(["risk", "predict", tmp_path / "run", f"risk.input.path={tmp_path / 'new.csv'}", f"out={tmp_path / 'tail.parquet'}"])
    _run(["risk", "predict", tmp_path / "run", f"out={tmp_path / 'all.parquet'}"])
    tail, every = pl.read_parquet(tmp_path / "tail.parquet"), pl.read_parquet(tmp_path / "all.parquet")
    assert tail.height == 9 and np.allclose(tail["p_high"].to_numpy(), every["p_high"].to_numpy()[-9:], atol=1e-12)
    # a site the model never saw would have scored as neither a nor b
    frame.tail(10).with_columns(site=pl.lit("c")).write_csv(tmp_path / "unseen.csv")
    assert_refused(["risk", "predict", tmp_path / "run", f"risk.input.path={tmp_path / 'unseen.csv'}", f"out={tmp_path / 'u.parquet'}"],
                   "risk predict: column 'site' holds 'c', a value the saved model never saw; expected one of a, b")


# -- single-file inputs --------------------------------------------------------------------------

def _uncertainty(path: Path, run: Path, *extra: str) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", "dataset.column=v", "dataset.date_column=m", "dataset.transforms=[level,log_return]",
            "uncertainty.n_resamples=99", "uncertainty.families=[normal]", *extra, f"hydra.run.dir={run}"]


MONTHS = [f"2020-{m:02d}" for m in range(1, 13)]
PRICES = [100 + 3 * i + (i % 3) for i in range(12)]
UNCERTAINTY_CASES = {
    # read in file order, a reversed file flipped every log return's sign
    "dates reversed": ("m,v\n" + "".join(f"{m},{v}\n" for m, v in reversed(list(zip(MONTHS, PRICES, strict=True)))),
                       "column 'm' at row 2 (2020-11-01 00:00:00) is not after the row before (2020-12-01 00:00:00)"),
    "date repeated": ("m,v\n" + "".join(f"{m},{v}\n" for m, v in zip(MONTHS[:6] + MONTHS[5:11], PRICES, strict=True)),
                      "column 'm' at row 7 (2020-06-01 00:00:00) is the same time as the row before"),
    # its square overflows: an ACF of nan and 'p < 1e-4: no autocorrelation', with RuntimeWarnings
    "1e308": ("m,v\n" + "".join(f"{m},{1e308 if i == 3 else v}\n" for i, (m, v) in enumerate(zip(MONTHS, PRICES, strict=True))),
              "column 'v' has 1 values too large to analyse (first at row 4: 1e+308); expected |values| below 1.34e+154"),
}


@pytest.mark.parametrize("case", UNCERTAINTY_CASES)
def test_uncertainty_series_files_are_refused(case, tmp_path):
    path = tmp_path / "series.csv"
    path.write_text(UNCERTAINTY_CASES[case][0])
    assert_refused(_uncertainty(path, tmp_path / "run"), [str(path), UNCERTAINTY_CASES[case][1]], inputs=[path], run_dir=tmp_path / "run")


COST_ROWS = "".join(f"{q},{1000 + 20 * q + 0.1 * q * q}\n" for q in range(10, 100, 10))
CAPACITY_CASES = {
    # dropped the power and logarithmic forms without a word, and fitted the rest to it
    "negative output": ("cost_data", "output,total_cost\n" + COST_ROWS.replace("30,", "-30,", 1),
                        "cost_data.output_column: 1 negative values (first -30); expected values >= 0"),
    # one output: least squares returned one of infinitely many curves, r2 0
    "one output": ("cost_data", "output,total_cost\n" + "".join(f"50,{1000 + i}\n" for i in range(8)),
                   "cost_data.total_column: no cost-capacity form could be fitted (output: the linear form needs at least 2 different outputs, got 1)"),
    "negative cobweb price": ("cobweb", "output,price\n" + "".join(f"{q},{-5 if q == 40 else 300 - q}\n" for q in range(10, 100, 10)),
                              "cobweb.price_column: 1 negative values (first -5)"),
    # said 'expected at least 2 positive, finite prices' of 12 prices
    "negative rolling price": ("rolling", "price\n" + "".join(f"{-95 if i == 4 else 100 + i}\n" for i in range(12)),
                               "rolling.path: 1 prices not positive and finite (first -95); expected positive, finite prices"),
}


@pytest.mark.parametrize("case", CAPACITY_CASES)
def test_capacity_inputs_with_wrong_values_are_refused(case, tmp_path):
    key, text, expect = CAPACITY_CASES[case]
    path = tmp_path / "table.csv"
    path.write_text(text)
    assert_refused(["capacity", f"{key}.path={path}", f"hydra.run.dir={tmp_path / 'run'}"], expect, inputs=[path], run_dir=tmp_path / "run")


DAYS = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(400)]
FORECAST_CASES = {
    # one negative quote among a month's 31 vanished into the month's mean
    "negative daily quote": ("".join(f"{d},{-3 if i == 40 else 100 + i % 5}\n" for i, d in enumerate(DAYS)),
                             "column 'value' must be > 0 (prices are modelled in logs); got -3.0 at row 41"),
    # Excel serial days were read as microseconds since 1970 (all in one month: a series too short)
    "excel serial days": ("".join(f"{(d - dt.date(1899, 12, 30)).days},{100 + i % 5}\n" for i, d in enumerate(DAYS)),
                          "column 'date' must hold dates or timestamps; got type Int64"),
}


@pytest.mark.parametrize("case", FORECAST_CASES)
def test_resampled_forecast_series_are_refused(case, tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text("date,value\n" + FORECAST_CASES[case][0])
    args = ["forecast", f"series={path}", "source.resample=mean", "forecaster=[naive]", "debug=quick", f"hydra.run.dir={tmp_path / 'run'}"]
    assert_refused(args, [str(path), FORECAST_CASES[case][1]], inputs=[path], run_dir=tmp_path / "run")


PRICE_CASES = {
    # taken as the decision price
    "negative last price": ("date,price\n" + "".join(f"{m},{-5 if i == 11 else 350 + i}\n" for i, m in enumerate(MONTHS)),
                            "the last price in column 'price' is -5; expected a price >= 0"),
    # unordered, the file's last row would be the price
    "text that is no date": ("date,price\n" + "".join(f"2020-{i + 1:02d},{350 + i}\n" for i in range(12)) + "latest,999\n",
                             "column 'date' holds text that is not a date; expected YYYY-MM-DD, YYYY-MM, MM/YYYY"),
}


@pytest.mark.parametrize("case", PRICE_CASES)
def test_decision_price_paths_are_refused(case, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(PRICE_CASES[case][0])
    args = ["optimize", "debug=quick", "optimize.decision.price=null", f"optimize.decision.price_path={path}",
            "optimize.decision.price_column=price", f"hydra.run.dir={tmp_path / 'run'}"]
    assert_refused(args, [str(path), PRICE_CASES[case][1]], inputs=[path], run_dir=tmp_path / "run")
