"""Summary rows without a label: a spreadsheet's total or mean under the data, read as one more
period or run (values.check_no_total_row). Labelled ones ('Total', 'Mean') are check_no_summary_row's."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, invoke

from minectl.data.values import check_no_total_row
from minectl.errors import DataError
from minectl.optimize.simulator import ProbabilityIntegralSimulator

KUMAR = Path(os.environ.get("MINECTL_SHARED_DATA", Path(__file__).parents[3] / "shared" / "data")) / "equipment_failures" / \
    "kumar1989_LHD_failures.csv"
needs_kumar = pytest.mark.skipif(not KUMAR.exists(), reason="the shared data's Kumar failure log is not here")


def _refused(values: dict, expect: str) -> None:
    with pytest.raises(DataError) as error:
        check_no_total_row(pl.DataFrame(values), "t.csv")
    assert expect in str(error.value)


@needs_kumar
def test_a_machines_subtotal_under_its_failures_is_refused(tmp_path):
    """Machine C's 50 times between failures (sum 2264 h) and a row 'C,,2264' under them: read, the
    MTBF of C was 88.8 h, not 45.3 (2264 / 50)."""
    path = tmp_path / "failures.csv"
    frame = pl.read_csv(KUMAR)
    assert frame.filter(pl.col("machine") == "C")["tbf"].sum() == 2264
    path.write_text(KUMAR.read_text() + "C,,2264,,\n")
    run_dir = tmp_path / "run"
    assert_refused(["uncertainty", "+experiment=equipment_failures", f"dataset.path={path}", f"hydra.run.dir={run_dir}"],
                   f"{path} (machine=C): row 139 is a summary row without a label ('tbf' 2264 is the sum of the 50 rows above it), "
                   "read as one more value; expected one row per period or run (delete that row)", inputs=[path], run_dir=run_dir)


def test_a_total_then_a_mean_under_a_cost_table_are_refused_at_the_total(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text("output,total_cost\n10,120.5\n12,131.25\n15,150\n18,171.75\n20,190.5\n75,764\n15,152.8\n")
    run_dir = tmp_path / "run"
    assert_refused(["capacity", f"cost_data.path={path}", f"hydra.run.dir={run_dir}"],
                   f"{path}: row 6 is a summary row without a label ('output' 75 is the sum, 'total_cost' 764 is the sum of the 5 rows "
                   "above it)", inputs=[path], run_dir=run_dir)


def test_a_mean_run_under_simulator_runs_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(18, 25, 12), rng.uniform(0.5, 3.0, 12)])
    Y = ProbabilityIntegralSimulator().evaluate(X)
    runs = np.round(np.column_stack([X, Y]), 3)
    mean = np.round(runs.mean(axis=0), 2)  # as a spreadsheet shows it: 2 decimals
    path = tmp_path / "runs.csv"
    pl.DataFrame(np.vstack([runs, mean]), schema=["pillar_height_m", "sidewall_thickness_m", "subsidence_cm", "ore_t"]).write_csv(path)
    run_dir = tmp_path / "run"
    line = assert_refused(["optimize", "debug=quick", "simulator=table", f"simulator.path={path}", f"hydra.run.dir={run_dir}"],
                          f"{path}: row 13 is a summary row without a label ('pillar_height_m' {mean[0]:g} is the mean", inputs=[path],
                          run_dir=run_dir)
    assert f"'ore_t' {mean[3]:g} is the mean of the 12 rows above it)" in line


def test_hand_made_summaries():
    _refused({"t": [3.0, 5.0, 4.0, 4.0, 2.0, 3.0, 21.0]},
             "t.csv: row 7 is a summary row without a label ('t' 21 is the sum of the 6 rows above it), read as one more value; "
             "expected one row per period or run (delete that row)")
    # a mean 35.8667 shown with 2 decimals, beside a sum; an empty row after them is no row
    _refused({"a": [30.0, 41.5, 36.1, 35.87, None], "b": [1.0, 2.0, 3.0, 6.0, None]},
             "t.csv: row 4 is a summary row without a label ('a' 35.87 is the mean, 'b' 6 is the sum of the 3 rows above it), read as "
             "one more value; expected one row per period or run (delete that row)")
    # negative values (costs booked as credits) add up the same way
    _refused({"t": [-3.0, -5.0, -4.0, -4.0, -2.0, -3.0, -21.0]}, "'t' -21 is the sum of the 6 rows above it")


@pytest.mark.parametrize("values", [
    {"failures": [1.0, 0.0, 2.0, 1.0, 4.0]},  # a count that happens to be the sum of 4 counts: not 4 times the largest
    {"failures": [1.0, 1.0, 2.0, 4.0, 8.0, 16.0]},  # doubling: 16 = 1+1+2+4+8 but only twice the largest
    {"price": [80.0, 82.5, 79.0, 81.0, 80.62]},  # one column near its mean: a month like the others
    {"a": [10.0, 12.0, 14.0, 11.0, 12.0], "b": [3.0, 5.0, 4.0, 6.0, 4.0]},  # integers at the means of integers (12.25, 4.5)
    {"ret": [0.02, -0.01, 0.03, 0.01, 0.05]},  # returns of both signs: 0.05 = their sum, no total
    {"t": [3.0, 5.0, 4.0, 6.0, 2.0, 20.0]},  # the sum of 5 rows, but not 4 times the largest: a busy month
    {"a": [1.0, 2.0, 6.0], "b": [1.0, 2.0, 3.0]},  # two rows above: too few to tell
], ids=["counts", "doubling", "lone-mean", "integer-means", "signed", "sum-near", "short"])
def test_ordinary_last_rows_are_read(values):
    check_no_total_row(pl.DataFrame(values), "t.csv")


@needs_kumar
def test_the_kumar_log_reads_as_before(tmp_path):
    """The real failure log has no summary row: read, with A's MTBF 2190 / 44 = 49.77 h."""
    result = invoke("uncertainty", "+experiment=equipment_failures", f"hydra.run.dir={tmp_path / 'run'}", "report=false")
    assert result.exit_code == 0, result.output
    assert "49.7727" in result.output
