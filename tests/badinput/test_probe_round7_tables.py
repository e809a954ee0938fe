"""Bad-input corpus, round 7: case tables and time columns of `minectl risk`, other people's parquet
types for `minectl cost`. Before: row numbers or machine codes stored as floats (1.0, 2.0: a csv's
or a pandas export's ids) were an indicator where the same integers were refused, a case table's
repeated rows (a case in a training and a test fold at once) were not said, days written as
integers (20240131) were shift numbers whose month ends read as gaps of 70 or more periods (and lead
times in days were refused), and a parquet decimal wider than 38 digits (decimal256) ended `minectl cost`
in a Rust panic of 279 lines, even as a column no stage reads.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from case_tables import case_keys, case_rows
from harness import assert_refused, invoke

CASE_KEYS = case_keys("class", folds=3)


def _cases(n: int = 60) -> pl.DataFrame:
    return case_rows(n, every=3, label="class", digits=6)


def _metrics(args: list[object], run: Path) -> tuple[dict, str]:
    result = invoke(*args, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text()), result.output


FLOAT_IDS = {  # a column of whole-number floats: (its values, what the line says)
    "row numbers": (pl.int_range(60).cast(pl.Float64) + 1.0, "column 'row' numbers the rows (1..60: an id or index?)"),
    "shuffled row numbers": (pl.Series(np.random.default_rng(1).permutation(60).astype(float)),
                             "column 'row' holds each integer of 0..59 once, out of order"),
}


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
@pytest.mark.parametrize("values, expect", FLOAT_IDS.values(), ids=FLOAT_IDS.keys())
def test_row_numbers_stored_as_floats_are_refused_as_the_integer_ones_are(values, expect, suffix, tmp_path):
    path = tmp_path / f"cases.{suffix}"
    frame = _cases().with_columns(row=values)
    frame.write_csv(path) if suffix == "csv" else frame.write_parquet(path)
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"], [str(path), expect],
                   inputs=[path], run_dir=tmp_path / "run")


def test_machine_codes_stored_as_floats_with_an_empty_cell_are_refused_as_ids(tmp_path):
    """A pandas export of an integer id column with one empty cell writes 3.0, 1.0, ... ."""
    path = tmp_path / "cases.csv"
    codes = [None if i == 7 else float(i % 4) for i in range(60)]
    _cases().with_columns(machineID=pl.Series(codes, dtype=pl.Float64)).write_csv(path)
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "column 'machineID' holds integer codes named as an id", inputs=[path], run_dir=tmp_path / "run")


def test_whole_number_float_measurements_stay_indicators(tmp_path):
    """Counts stored as floats (seismic-bumps' nbumps) neither number the rows nor are named as ids."""
    path = tmp_path / "cases.csv"
    _cases().with_columns(bumps=pl.Series([float(i % 5) for i in range(60)])).write_csv(path)
    metrics, _ = _metrics(["risk", *CASE_KEYS, f"risk.input.path={path}"], tmp_path / "run")
    assert metrics["cv.rows"] == 60


def test_repeated_cases_are_counted_and_said_with_the_figures_of_the_run_unchanged(tmp_path):
    plain, repeated = tmp_path / "plain.csv", tmp_path / "repeated.csv"
    _cases().write_csv(plain)
    pl.concat([_cases(), _cases().slice(10, 4)]).write_csv(repeated)
    once, said = _metrics(["risk", *CASE_KEYS, f"risk.input.path={plain}"], tmp_path / "a")
    twice, told = _metrics(["risk", *CASE_KEYS, f"risk.input.path={repeated}"], tmp_path / "b")
    assert "cv.duplicate_rows" not in once and "repeat an earlier row" not in said
    assert twice["cv.duplicate_rows"] == 4 and twice["cv.rows"] == 64
    assert "4 rows repeat an earlier row's features and label" in " ".join(told.split())


def test_a_row_repeating_features_under_another_label_is_no_repeated_case(tmp_path):
    path = tmp_path / "cases.csv"
    frame = _cases()
    pl.concat([frame, frame.slice(0, 1).with_columns((1 - pl.col("class")).alias("class"))]).write_csv(path)
    metrics, _ = _metrics(["risk", *CASE_KEYS, f"risk.input.path={path}"], tmp_path / "run")
    assert "cv.duplicate_rows" not in metrics


def _daily(n: int = 120) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    label = (rng.random(n) < 0.4).astype(int)
    return pl.DataFrame({"t": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)],
                         "x": np.round(label + rng.normal(0, 0.8, n), 6), "class": label})


def _series(path: Path, *extra: object) -> list[object]:
    return ["risk", f"risk.input.path={path}", "risk.input.kind=table", "risk.time.column=t", "risk.window=3",
            "risk.lead_times=[0,1d]", "risk.primary_lead=0", "risk.labels.column=class", "risk.labels.levels=2", "model=lr",
            "risk.robustness.enabled=false", "risk.importance.enabled=false", "report=false", *extra]


@pytest.mark.parametrize("dtype", [pl.Int64, pl.Int32, pl.Float64])
def test_days_written_as_yyyymmdd_numbers_read_as_the_dates(dtype, tmp_path):
    dates, numbers = tmp_path / "dates.parquet", tmp_path / "numbers.parquet"
    _daily().write_parquet(dates)
    _daily().with_columns(pl.col("t").dt.strftime("%Y%m%d").cast(dtype)).write_parquet(numbers)
    expected, _ = _metrics(_series(dates), tmp_path / "a")
    found, _ = _metrics(_series(numbers), tmp_path / "b")
    assert found["time.gaps"] == 0 and found["data.period_d"] == 1  # was: 3 gaps (largest 70 steps) and lead 1d refused
    assert found == expected


def test_numbers_that_are_not_all_days_stay_shift_numbers(tmp_path):
    path = tmp_path / "shifts.csv"
    _daily().with_columns(t=pl.int_range(120) + 20240130).write_csv(path)  # 20240132 is no day
    metrics, _ = _metrics(_series(path, "risk.lead_times=[0,1]"), tmp_path / "run")
    assert metrics["data.period_step"] == 1 and metrics["time.gaps"] == 0


def _wide_decimal(values: pa.ChunkedArray) -> pa.Array:
    return pa.array([decimal.Decimal(str(v)) for v in values.to_pylist()], pa.decimal256(40, 4))


@pytest.mark.parametrize("column", ["ore_t", "note"])
def test_a_parquet_decimal_wider_than_38_digits_is_refused_in_one_line(column, tmp_path):
    """ore_t: a column the contract casts; note: one no stage reads (both a panic before)."""
    from conftest import write_tiny_mine

    folder = write_tiny_mine(tmp_path / "mine")
    table = pq.read_table(folder / "production.parquet")
    wide = _wide_decimal(table["ore_t"])
    table = table.append_column(column, wide) if column == "note" else table.set_column(2, pa.field("ore_t", wide.type), wide)
    pq.write_table(table, folder / "production.parquet")
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [f"column '{column}' of table 'production' holds Decimal(precision=40, scale=4) values, beyond the 38 digits "
                    "polars reads; expected DOUBLE or DECIMAL of at most 38 digits"], inputs=[folder], run_dir=tmp_path / "run")


def test_cv_folds_of_rows_ordered_in_time_are_refused(tmp_path):
    """split=cv shuffles rows into folds: with a time column, a model would train on the rows after its test rows
    (before: exit 0 with the cross-validated figures)."""
    path = tmp_path / "cases.csv"
    _cases().with_columns(t=pl.int_range(60)).write_csv(path)
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", "risk.time.column=t", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk.time.column: 't' orders the rows in time, and risk.split=cv shuffles them into folds; expected null "
                   "for a case table, or risk.split=chronological", inputs=[path], run_dir=tmp_path / "run")
