"""Bad-input corpus, round 15: `minectl risk` on a table of several series (risk.input.series).

Before: one mine shorter than the window + a lead time (a mine opened late, 9 days of rows among 200) refused the
whole run with `risk.window/risk.lead_times: window 7 + lead 3 leave no sample in 9 periods (rows of a series)`,
naming neither the mine nor that the other mines were long enough; shorter than the window it read
`risk.window: 7 must be between 1 and the number of periods (5 rows)` of a 224-row file. Now such a series is left out
of the leads it is too short for, said in a warning line naming it and counted in `data.short_series.<lead>`;
where no series is long enough the refusal names the longest (it was 'risk.window: 7 must be between 1 and the number
of periods (5 rows)', of the first series).
Engines written one after another without risk.input.series (C-MAPSS: `unit`, and its `cycle` restarting at 1) were
read as one series, exit 0: windows ran from one engine into the next, the engine number an indicator; now refused
naming both columns. The persistence baseline of a mine's first day (window 1, lead 0) was the previous mine's last
level, a later day of another mine; now the majority level (no earlier level of that mine is known).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import QUICK_RISK, assert_refused, invoke

from minectl.errors import DataError

KEYS = [*QUICK_RISK, "report=false", "risk.input.kind=table", "risk.labels.column=class", "risk.labels.levels=2",
        "risk.leakage.enabled=false", "risk.time.column=date", "risk.input.series=mine", "risk.window=7",
        "risk.lead_times=[0,3]"]


def _mine(name: str, first_day: int, days: int, rng: np.random.Generator) -> pl.DataFrame:
    level = (rng.random(days) < 0.35).astype(int)
    level[:2] = [0, 1]  # both levels in every mine
    start = pl.date(2024, 1, 1) + pl.duration(days=first_day)
    dates = pl.date_range(start, start + pl.duration(days=days - 1), "1d", eager=True)
    return pl.DataFrame({"mine": [name] * days, "date": dates, "x": np.round(level * 1.5 + rng.normal(size=days), 3),
                         "class": level})


def _mines(tmp_path: Path) -> Path:
    """Mine A: days 0..199; C: days 185..199 (only in the test period); from day 190 B (9 rows: too short for window 7
    + lead 3), D (5 rows: shorter than the window) and E (10 rows: exactly window + lead 3)."""
    rng = np.random.default_rng(0)
    path = tmp_path / "mines.csv"
    pl.concat([_mine("A", 0, 200, rng), _mine("B", 190, 9, rng), _mine("C", 185, 15, rng), _mine("D", 190, 5, rng),
               _mine("E", 190, 10, rng)]).write_csv(path)
    return path


def test_a_mine_shorter_than_window_plus_lead_is_left_out_of_that_lead_only(tmp_path):
    result = invoke("risk", *KEYS, f"risk.input.path={_mines(tmp_path)}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    counts = pl.read_parquet(tmp_path / "run" / "tables" / "predictions.parquet").group_by("lead", "mine").len()
    # lead 0: sample times are days 6..199 (194 of them), the test part the last round(0.2 * 194) = 39: days 161..199:
    # A 39, B (days 190..198: windows ending 196..198) 3, C (185..199: ending 191..199) 9, E (190..199: 196..199) 4.
    # lead 3: times 6..196 (191), test the last 38: days 159..196: A 38, C 191..196: 6, E 196: 1, B's 9 rows < 7 + 3: none
    assert {(lead, mine): n for lead, mine, n in counts.iter_rows()} == {
        (0, "A"): 39, (0, "B"): 3, (0, "C"): 9, (0, "E"): 4, (3, "A"): 38, (3, "C"): 6, (3, "E"): 1}
    assert metrics["data.short_series.lead_0"] == 1 and metrics["data.short_series.lead_3"] == 2
    assert "warning: mine=B holds 9 rows, fewer than the window (7) + lead time: no sample of it at lead_3 " in said
    assert "warning: mine=D holds 5 rows, fewer than the window (7) + lead time: no sample of it at lead_0, lead_3" in said
    assert "mine=E" not in said


def test_no_series_long_enough_is_still_refused_in_one_line(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "short.csv"
    pl.concat([_mine("A", 0, 5, rng), _mine("B", 0, 6, rng)]).write_csv(path)
    assert_refused(["risk", *KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk.window/risk.lead_times: window 7 + lead 0 leave no sample in any mine: the longest, B, holds 6 rows; "
                   "expected window + lead at most 6", inputs=[path], run_dir=tmp_path / "run")


# ------------------------------------------------------------ engines one after another, read as one series

ENGINE_KEYS = [*QUICK_RISK, "report=false", "risk.input.kind=table", "risk.labels.column=class", "risk.labels.levels=2",
               "risk.leakage.enabled=false", "risk.window=5"]
CYCLES = [60, 45, 80, 52, 70]  # C-MAPSS: each engine's cycles 1..n, engines one after another, no time column


def _engines(tmp_path: Path) -> Path:
    rng = np.random.default_rng(2)
    units = np.repeat(np.arange(1, 6), CYCLES)
    frame = pl.DataFrame({"unit": units, "cycle": np.concatenate([np.arange(1, n + 1) for n in CYCLES]),
                          "s2": np.round(rng.normal(640, 0.5, len(units)), 2), "class": (rng.random(len(units)) < 0.4).astype(int)})
    path = tmp_path / "engines.csv"
    frame.write_csv(path)
    return path


def test_engines_one_after_another_without_series_are_refused_naming_both_columns(tmp_path):
    path = _engines(tmp_path)
    assert_refused(["risk", *ENGINE_KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "column 'cycle' counts 1, 2, ... again from 1 at each new 'unit' (5 unit values: series one after another?); "
                   "expected risk.input.series=unit risk.time.column=cycle", inputs=[path], run_dir=tmp_path / "run")


def test_engines_declared_as_series_window_within_each_engine(tmp_path):
    # window 5: each engine gives n - 4 samples (287, not the 303 of 307 rows read as one series); cycles 5..80 are 76
    # times: test the last round(0.2 * 76) = 15 (66..80: engines of 80 and 70 cycles, 15 + 5), validation the 11
    # before (55..65: 6 + 11 + 11), training cycles 5..54 (50 + 41 + 50 + 48 + 50)
    result = invoke("risk", *ENGINE_KEYS, f"risk.input.path={_engines(tmp_path)}", "risk.input.series=unit",
                    "risk.time.column=cycle", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (metrics["samples.train"], metrics["samples.val"], metrics["samples.test"]) == (239, 28, 20)
    assert metrics["data.indicators"] == 1  # s2: neither the engine number nor its cycle


def test_a_counter_alone_is_a_measurement_and_both_columns_excluded_still_run(tmp_path):
    from minectl.risk.inputs import _refuse_stacked_series

    # an hour of the day 0..23 again and again, no column changing with it; a day number changing at each restart
    # that no feature reads (excluded) is the user's word that the rows are one series
    hours = pl.DataFrame({"hour": np.arange(307) % 24, "x": np.arange(307) % 7, "day": np.arange(307) // 24})
    _refuse_stacked_series(hours.drop("day"), ["hour", "x"], "f")
    _refuse_stacked_series(hours, ["x"], "f")
    with pytest.raises(DataError, match="'hour' counts 0, 1, ... again from 0 at each new 'day' \\(13 day values"):
        _refuse_stacked_series(hours, ["hour", "x"], "f")
    result = invoke("risk", *ENGINE_KEYS, f"risk.input.path={_engines(tmp_path)}", "risk.features.exclude=[unit,cycle]",
                    f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------ persistence of a mine's first day (window 1, lead 0)

def test_persistence_of_a_mine_s_first_day_is_not_another_mine_s_last_level():
    from sklearn.linear_model import LogisticRegression

    from minectl.risk.workflow import Layout, run_lead

    rng = np.random.default_rng(5)
    a = (rng.random(100) < 0.3).astype(int)
    a[-1] = 1  # mine A's last day (day 99) is high; most days are low
    c = np.array([0, 1, 1, 0, 0, 1, 0, 0, 1, 0])  # mine C: days 90..99 only, all in the test part
    days = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 4, 9), "1d", eager=True)
    frame = pl.DataFrame({"mine": ["A"] * 100 + ["C"] * 10, "date": pl.concat([days, days.tail(10)]),
                          "x": np.concatenate([a, c]) + rng.normal(0, 1, 110), "risk": np.concatenate([a, c])})
    layout = Layout(["x"], [], 1, 2, "risk", "mine", "date")
    predictions = run_lead(frame, layout, 0, LogisticRegression, 0.15, 0.2, [0.5]).predictions
    mine_c = predictions.filter(pl.col("mine") == "C")
    # day 90 of C has no earlier day of C: the majority level (0), not A's day-99 level 1 (a later day of another mine);
    # each later day of C: C's level the day before
    assert mine_c["persistence"].to_list() == [0, *c[:-1]] and mine_c["majority"][0] == 0
    mine_a = predictions.filter(pl.col("mine") == "A")
    assert mine_a["persistence"].to_list() == a[79:99].tolist()  # test days 80..99: A's level the day before
