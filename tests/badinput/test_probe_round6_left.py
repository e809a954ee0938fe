"""Bad-input corpus, round 6: items earlier rounds noticed and left. An EIA export's title line
with a comma above the header (`Weekly Coal Production, Short Tons`) was refused as "line 2 has 1
values for 2 columns", not saying the first line is a title to delete; a quoted `"1,216"` in a
column whose other numbers show decimal points (950.5) was refused as written with commas, though
only a thousands comma fits beside them; a saved risk model's estimator.json (and model.json) was read
whole however large (a 2 GB file filled memory before it was refused); an edited copy of MineLib's newman1 of the
same name and block count was compared with the published value (+37.95 % "above" the best known); two
failures of one machine on one date, with dataset.date_column and dataset.group_by set, were refused as out
of order, offering dataset.group_by again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from csv_series import write
from harness import QUICK_RISK, assert_refused, invoke

NEWMAN1 = Path(__file__).resolve().parents[2] / "examples" / "data" / "minelib_newman1"


def _uncertainty(path: Path, run: Path) -> list:
    return ["uncertainty", f"dataset.path={path}", "dataset.column=tons", "report=false", f"hydra.run.dir={run}"]


def test_a_title_line_with_a_comma_above_the_header_is_said_to_be_a_title(tmp_path):
    path = write(tmp_path / "eia.csv", "Weekly Coal Production, Short Tons\nhttps://www.eia.gov/coal/production/weekly/\n"
                                       "week,tons\n2024-01-06,100\n2024-01-13,110\n")
    assert_refused(_uncertainty(path, tmp_path / "run"),
                   f"{path}: line 2 has 1 values for 2 columns; expected a value or an empty field (a separator) for every column "
                   "(the first line, 'Weekly Coal Production, Short Tons', looks like a title above the column names: delete it and "
                   "any other line above them, the file's first line must be its column names)", inputs=[path], run_dir=tmp_path / "run")


def test_a_title_line_without_a_comma_is_said_to_be_a_title(tmp_path):
    path = write(tmp_path / "eia.csv", "Weekly Coal Production\nweek,tons\n2024-01-06,100\n2024-01-13,110\n")
    assert_refused(_uncertainty(path, tmp_path / "run"), ["found more fields", "(the first line, 'Weekly Coal Production', looks "
                                                          "like a title above the column names: delete it"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_short_row_further_down_is_not_called_a_title(tmp_path):
    path = write(tmp_path / "t.csv", "week,tons\n2024-01-06,100\n2024-01-13\n2024-01-20,120\n")
    line = assert_refused(_uncertainty(path, tmp_path / "run"), f"{path}: line 3 has 1 values for 2 columns", inputs=[path])
    assert "title" not in line


def test_a_thousands_comma_beside_decimal_points_is_read(tmp_path):
    path = write(tmp_path / "tons.csv", 'tons\n950.5\n"1,216"\n870.25\n990\n905\n')
    result = invoke(*_uncertainty(path, tmp_path / "run"))
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["uncertainty.level.estimate"] == pytest.approx((950.5 + 1216 + 870.25 + 990 + 905) / 5, rel=1e-12)  # the mean


def test_a_lone_thousands_comma_among_whole_numbers_stays_refused(tmp_path):
    """950 and 1,216 fit 1216 and a decimal 1.216 alike; a 1.234 is a European thousands point, no decimal point."""
    for name, text in (("whole.csv", 'tons\n950\n"1,216"\n870\n990\n'), ("european.csv", 'tons\n"1.234"\n"1,216"\n"12"\n"13"\n')):
        path = write(tmp_path / name, text)
        assert_refused(_uncertainty(path, tmp_path / f"run_{name}"), [str(path), "column 'tons' has 1 numbers written with commas "
                                                                      "(first at row 2: '1,216'); expected plain numbers"], inputs=[path])


@pytest.fixture(scope="module")
def quick_risk(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("made") / "risk"
    result = invoke("risk", *QUICK_RISK, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return run


@pytest.mark.parametrize("name, expect", [
    ("estimator.json", "2048 MB, larger than the 64 MB a saved model's structure may take (the default risk model's is 0.25 MB); "
                       "expected the file a run saved"),
    ("model.json", "2048 MB, larger than the 20 MB a run writes; expected the model.json of a risk run's model"),
])
def test_a_saved_model_file_over_the_cap_is_refused_before_it_is_read(quick_risk, tmp_path, name, expect):
    run = Path(shutil.copytree(quick_risk, tmp_path / "risk"))
    with (run / "model" / name).open("r+b") as handle:  # sparse: 2 GiB on no disk
        handle.truncate(2 << 30)
    assert_refused(["risk", "predict", run, f"out={tmp_path / 'scores.parquet'}"], f"{run / 'model' / name}: {expect}")
    assert not (tmp_path / "scores.parquet").exists()


def _schedule(folder: Path, run: Path) -> list:
    return ["schedule", f"minelib.path={folder}", "minelib.name=newman1", "minelib.blocks_file=false", "schedule.problems=[upit]",
            "loop.enabled=false", "report=false", f"hydra.run.dir={run}"]


def test_an_edited_newman1_of_the_same_size_is_not_compared_with_the_published_value(tmp_path):
    folder = tmp_path / "newman1"
    folder.mkdir()
    for suffix in ("prec", "upit"):
        shutil.copy(NEWMAN1 / f"newman1.{suffix}", folder)
    text = (folder / "newman1.upit").read_text()
    assert "\n1 24829.116\n" in text
    (folder / "newman1.upit").write_text(text.replace("\n1 24829.116\n", "\n1 9924829.116\n"))  # one block 9.9 M more
    result = invoke(*_schedule(folder, tmp_path / "edited"))
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "edited" / "metrics.json").read_text())
    assert round(metrics["schedule.upit.value"], 2) == 35_986_899.03
    assert "schedule.upit.best_known" not in metrics  # was 26,086,899 (+37.95 %)
    assert ("upit: MineLib's published value not compared: this newman1 has other block values, limits or precedences than "
            "MineLib's newman1.upit (an edited copy)") in " ".join(result.output.split())
    result = invoke(*_schedule(NEWMAN1, tmp_path / "published"))
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "published" / "metrics.json").read_text())
    assert metrics["schedule.upit.best_known"] == 26_086_899 and round(metrics["schedule.upit.value"], 2) == 26_086_899.03


HOURS = [22, 77, 13, 37, 20, 68, 62, 65, 41, 30, 55, 18]


def _failures(tmp_path: Path) -> Path:
    """Two machines' times between failures, machine A's 5th and 6th failure on one date."""
    days = {"A": [2, 3, 4, 5, 6, 6, 7, 8, 9, 10, 11, 12], "B": list(range(2, 14))}
    rows = "".join(f"{m},2024-01-{d:02d},{h + (m == 'B')}\n" for m in "AB" for d, h in zip(days[m], HOURS, strict=True))
    return write(tmp_path / "failures.csv", "machine,date,tbf\n" + rows)


def test_two_failures_of_one_machine_on_one_date_are_said_to_repeat_the_date(tmp_path):
    """Said before: 'is not after the row before (2024-01-06 ...); expected rows in time order, one per date (several
    series in one file: dataset.group_by)', dataset.group_by set. Without dataset.date_column the rows are read in order."""
    path, run = _failures(tmp_path), tmp_path / "run"
    args = ["uncertainty", "dataset=equipment_failures", f"dataset.path={path}", "report=false"]
    assert_refused([*args, "dataset.date_column=date", f"hydra.run.dir={run}"],
                   f"{path} (machine=A): column 'date' at row 6 (2024-01-06 00:00:00) is the same time as the row before (2024-01-06 "
                   "00:00:00); expected one row per time, as a return or difference between two would span no time (events such as "
                   "failures, several on one date, are read in file order without dataset.date_column)", inputs=[path], run_dir=run)
    result = invoke(*args, f"hydra.run.dir={tmp_path / 'read'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "read" / "metrics.json").read_text())
    assert metrics["uncertainty.A.level.estimate"] == pytest.approx(sum(HOURS) / 12, rel=1e-12)
