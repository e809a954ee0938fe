"""Bad-input corpus: failure logs, series and cost tables in the layouts their publishers and
tools write them (Weibull++/ReliaSoft's State F/S column, a units row under the header,
percentages, dates of failures, thousands commas), given to `minectl uncertainty` and
`minectl capacity`. Each is read as meant (checked by hand) or refused in one line saying what
to convert it to; before, the State column's F and S were refused as "not true/false or 1/0"
and the others as "not numbers", naming nothing that would fix them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app

# A Weibull++ "times-to-failure with suspensions" sheet: 8 LHD engines, hours; S rows still running
HOURS = [105, 400, 52, 213, 87, 400, 160, 34]
STATES = ["F", "S", "F", "F", "F", "S", "F", "F"]


def _uncertainty(path: Path, run: Path, column: str, *extra: str) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", f"dataset.column={column}", "dataset.group_by=null", "dataset.date_column=null",
            "dataset.transforms=[level]", "uncertainty.n_resamples=200", "report=false", f"hydra.run.dir={run}", *extra]


@pytest.mark.parametrize("state", [STATES, ["Failure" if s == "F" else "Suspended" for s in STATES],
                                   [s.lower() for s in STATES]], ids=["F/S", "words", "lower case"])
def test_a_weibull_state_column_reads_as_failures_and_suspensions(tmp_path, state):
    """MTBF = operating time / failures, by hand: 1451 h / 6 failures (the two S rows add hours, no failure)."""
    path = tmp_path / "engines.csv"
    path.write_text("Number in State,State F or S,State End Time\n" + "".join(f"1,{s},{h}\n" for s, h in zip(state, HOURS, strict=True)))
    run = tmp_path / "run"
    result = CliRunner().invoke(app, _uncertainty(path, run, "State End Time", "dataset.censored_column=State F or S",
                                                  "uncertainty.autocorrelation_alpha=null"), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["uncertainty.level.failures"], metrics["uncertainty.level.suspensions"]) == (6, 2)
    assert metrics["uncertainty.level.estimate"] == pytest.approx(1451 / 6, rel=1e-12)


def test_weibull_grouped_data_is_refused_as_one_row_is_several_units(tmp_path):
    """`3,S,400`: three engines still running at 400 h, read before as one (MTBF 1451 / 6, not 2251 / 6)."""
    path = tmp_path / "engines.csv"
    path.write_text("Number in State,State F or S,State End Time\n" + "".join(
        f"{3 if h == 400 else 1},{s},{h}\n" for s, h in zip(STATES, HOURS, strict=True)))
    assert_refused(_uncertainty(path, tmp_path / "run", "State End Time", "dataset.censored_column=State F or S"),
                   [str(path), "column 'Number in State' is 3 at row 2: that many units in one row (Weibull++'s grouped data); "
                    "expected one row per unit (repeat the row, with Number in State 1)"], inputs=[path], run_dir=tmp_path / "run")


def test_a_c_flag_is_refused_as_it_means_censored_or_complete(tmp_path):
    path = tmp_path / "engines.csv"
    path.write_text("hours,state\n" + "".join(f"{h},{'C' if s == 'S' else 'F'}\n" for s, h in zip(STATES, HOURS, strict=True)))
    assert_refused(_uncertainty(path, tmp_path / "run", "hours", "dataset.censored_column=state"),
                   [str(path), "column 'state' has 2 values that are not true/false or 1/0 (first at row 2: 'C')",
                    "expected true (censored, a suspension) or false (a failure) in every row, or 1/0, or S/F as Weibull++ writes them"],
                   inputs=[path], run_dir=tmp_path / "run")


TBF = [16, 23, 32, 24, 95, 40, 12, 60]
NOT_NUMBERS = {
    # a units row, as reports and spreadsheets write it under the header
    "units row": ("hours\nh\n" + "".join(f"{h}\n" for h in TBF),
                  "column 'hours' row 1 is 'h' and every other row a number: a units row under the header? expected numbers in every "
                  "row (delete that row)"),
    "percentages": ("hours\n" + "".join(f"{h}%\n" for h in TBF),
                    "column 'hours' has 8 percentages (first at row 1: '16%'); expected numbers without '%' (85.2 for percent, or 0.852 "
                    "as a fraction)"),
    # a CMMS export: the dates of the failures, not the times between them
    "failure dates": ("hours\n" + "".join(f"{dt.date(2024, 1, 1) + dt.timedelta(days=int(d))}\n" for d in np.cumsum(TBF)),
                      "column 'hours' holds dates (first at row 1: '2024-01-17'); expected numbers: for dates of failures, the times "
                      "between them (hours), or the operating hours at each failure with dataset.transforms=[diff]"),
    # "1,216" is 1216 or 1.216: the reader takes neither
    "thousands commas": ("hours\n" + "".join(f'"1,{h:03d}"\n' for h in TBF),
                         "column 'hours' has 8 numbers written with commas (first at row 1: '1,016'); expected plain numbers: no "
                         "thousands separators (1000000) and a decimal point (1320.5)"),
}


@pytest.mark.parametrize("text, expect", NOT_NUMBERS.values(), ids=NOT_NUMBERS.keys())
def test_failure_logs_in_export_layouts_are_refused_saying_what_to_convert(tmp_path, text, expect):
    path = tmp_path / "log.csv"
    path.write_text(text)
    assert_refused(_uncertainty(path, tmp_path / "run", "hours"), [str(path), expect], inputs=[path], run_dir=tmp_path / "run")


def test_a_parquet_column_of_failure_dates_is_refused_as_dates(tmp_path):
    path = tmp_path / "log.parquet"
    pl.DataFrame({"hours": [dt.date(2024, 1, d) for d in (3, 10, 24, 28)]}).write_parquet(path)
    assert_refused(_uncertainty(path, tmp_path / "run", "hours"), [str(path), "column 'hours' holds dates (Date); expected numbers"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_cost_table_with_a_units_row_is_refused_by_capacity(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text("output,total_cost\nt/a,USD/a\n" + "".join(f"{q}000000,{c}000000\n" for q, c in [(1, 52), (2, 95), (3, 131), (4, 170)]))
    assert_refused(["capacity", f"cost_data.path={path}", "report=false", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "column 'output' row 1 is 't/a' and every other row a number: a units row under the header?"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_log_returns_of_a_series_with_losses_are_refused_saying_which_transforms_apply(tmp_path):
    """Daily mine results with losses, weekends missing: levels and differences exist, log returns do not."""
    path = tmp_path / "results.csv"
    path.write_text("day,result\n2024-01-05,220\n2024-01-08,-120\n2024-01-09,340\n2024-01-10,-50\n2024-01-11,180\n")
    assert_refused(_uncertainty(path, tmp_path / "run", "result", "dataset.transforms=[level,log_return]"),
                   [str(path), "result (log_return): log returns need positive values, found -120; expected prices or quantities > 0",
                    "(a series with losses or changes has none; its level and diff have)"], inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.slow
@pytest.mark.parametrize("label", ["Total", "Mittelwert:", " average "])
def test_a_total_or_mean_row_under_a_failure_log_is_refused(tmp_path, label):
    """Spreadsheets close a log with a total or a mean row; read as one more failure it made the
    MTBF of these 8 gaps 66.0 h (their mean is 297 / 8 = 37.125) with exit 0."""
    gaps = [16, 23, 32, 24, 90, 40, 12, 60]
    path = tmp_path / "log.csv"
    path.write_text("machine,hours\n" + "".join(f"A,{h}\n" for h in gaps) + f"{label},{sum(gaps)}\n")
    assert_refused(_uncertainty(path, tmp_path / "run", "hours"),
                   [str(path), f"row 9 is labelled {label!r} (column 'machine'): a total or mean of the rows, read as one more value; "
                    "expected one row per period or event (delete that row)"], inputs=[path], run_dir=tmp_path / "run")
    path.write_text("machine,hours\n" + "".join(f"A,{h}\n" for h in gaps))  # without it: the hand figure
    run = tmp_path / "plain"
    result = CliRunner().invoke(app, _uncertainty(path, run, "hours"), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["uncertainty.level.estimate"] == pytest.approx(297 / 8, rel=1e-12)


def test_a_cost_table_with_an_average_row_is_refused_by_capacity(tmp_path):
    path = tmp_path / "costs.csv"
    rows = [("Northshore", 4.54, 325.7), ("United", 4.6, 317.4), ("Hibbing", 6.3, 437.7), ("Minorca", 2.79, 224.1), ("Average", 4.56, 326.2)]
    path.write_text("mine,output,total_cost\n" + "".join(f"{m},{q},{c}\n" for m, q, c in rows))
    assert_refused(["capacity", f"cost_data.path={path}", "report=false", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "row 5 is labelled 'Average' (column 'mine')"], inputs=[path], run_dir=tmp_path / "run")


# -- schedule: MineLib files as zuck_small/marvin shapes write them (several destinations and resources) --

PREC = "0 0\n1 0\n2 2 0 1\n3 1 2\n"
PCPSP = ("NAME: t\nTYPE: PCPSP\nNBLOCKS: 4\nNPERIODS: 2\nNDESTINATIONS: 2\nNRESOURCE_SIDE_CONSTRAINTS: 2\nNGENERAL_SIDE_CONSTRAINTS: 0\n"
         "DISCOUNT_RATE: 0.1\nRESOURCE_CONSTRAINT_LIMITS:\n0 0 L 2\n0 1 L 2\n1 0 I 0 1\n1 1 G 0\n"
         "OBJECTIVE_FUNCTION:\n0 -1 -1\n1 -1 -1\n2 -2 5\n3 -2 4\n"
         "RESOURCE_CONSTRAINT_COEFFICIENTS:\n0 0 0 1\n0 1 0 1\n1 0 0 1\n1 1 0 1\n2 0 0 1\n2 1 0 1\n3 0 0 1\n3 1 0 1\n2 1 1 1\n3 1 1 1\nEOF\n")


@pytest.mark.parametrize("files, expect", [
    ({"pcpsp": PCPSP.replace("3 1 0 1\n2 1 1 1", "3 2 0 1\n2 1 1 1")},
     "t.pcpsp:27: destination or resource index out of range; expected destinations 0..1 and resources 0..1 (the header's "
     "NDESTINATIONS and NRESOURCE_SIDE_CONSTRAINTS)"),
    # a negative predecessor count was named a block id, and nothing said what a line holds
    ({"prec": PREC.replace("2 2 0 1", "2 -1 0 1")}, "t.prec:3: '-1' is not an integer block id; expected `block count pred1 .. predcount`"),
], ids=["destination 2 of 2", "negative count"])
def test_minelib_indices_out_of_range_say_the_range(tmp_path, files, expect):
    folder = tmp_path / "t"
    folder.mkdir()
    for suffix, text in {"prec": PREC, "pcpsp": PCPSP, **files}.items():
        (folder / f"t.{suffix}").write_text(text)
    args = ["schedule", f"minelib.path={folder}", "minelib.name=t", "minelib.blocks_file=false", "schedule.problems=[pcpsp]",
            "loop.enabled=false", "report=false", f"hydra.run.dir={tmp_path / 'run'}"]
    assert_refused(args, expect, inputs=[folder], run_dir=tmp_path / "run")


def _doe(tmp_path: Path, rows: list[str]) -> Path:
    """A simulator's run table as a spreadsheet exports it: a run label column, then the design and its responses."""
    path = tmp_path / "flac3d_runs.csv"
    path.write_text("run,pillar_height_m,sidewall_thickness_m,subsidence_cm,ore_t\n" + "".join(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("last, expect", [
    # a 'Mean' row under the runs was one run more, fitted as a design the simulator never ran
    ("Mean,19.5,1.25,11.6,5260\n", "row 21 is labelled 'Mean' (column 'run'): a total or mean of the rows, read as one more value"),
    ("21,19.5,1.25,#DIV/0!,5260\n", "column 'subsidence_cm' has 1 values that are not numbers (first at row 21: '#DIV/0!')"),
])
def test_a_doe_table_with_a_summary_row_or_a_spreadsheet_error_is_refused(tmp_path, last, expect):
    rng = np.random.default_rng(0)
    rows = [f"{i + 1},{h:.2f},{w:.2f},{10 + h / 4 - w:.3f},{5000 + 20 * h:.1f}\n"
            for i, (h, w) in enumerate(zip(rng.uniform(18, 22, 20), rng.uniform(1.0, 1.5, 20), strict=True))]
    path = _doe(tmp_path, rows + [last])
    assert_refused(["optimize", "debug=quick", "simulator=table", f"simulator.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), expect], inputs=[path], run_dir=tmp_path / "run")


def test_operating_hours_at_each_failure_read_as_times_between_are_said(tmp_path):
    """The LHD log's `t` (hours at failure) instead of its `tbf`: the MTBF was their mean, 1,177 h
    for 49.8 h on machine A, with an autocorrelation line as the only hint."""
    gaps = [105.0, 400.0, 52.0, 213.0, 87.0, 160.0, 34.0, 91.0, 66.0, 120.0]
    cost = ["implied_cost.cost_per_event=20000", "implied_cost.operating_hours=6000", "uncertainty.method=percentile"]
    said = {}
    for name, values in (("tbf", gaps), ("hours", list(np.cumsum(gaps)))):
        path = tmp_path / f"{name}.csv"
        pl.DataFrame({name: values}).write_csv(path)
        result = CliRunner().invoke(app, _uncertainty(path, tmp_path / name, name, *cost))
        assert result.exit_code == 0, result.output
        said[name] = " ".join(result.output.split())
    assert "level: never falls over its 10 values: operating hours at each failure?" in said["hours"]
    assert "never falls" not in said["tbf"]
