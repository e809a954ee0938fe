"""Bad-input corpus, a mutation probe of the data folder `minectl cost` reads (data=parquet_dir):
its parts, table names and key columns.

Each was read before to a wrong figure or ended in a traceback: a part stamped in UTC among naive
local parts read as local time, a table named in capitals (`EQUIPMENT.PARQUET`, `Prices/`) left out
unsaid, a truncated part beside good ones a polars traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused


def _daily_in_two_parts(folder: Path) -> Path:
    """The tiny mine's consumption_daily as a folder: days 1-2 in part-0, 3-5 in part-1."""
    daily = pl.read_parquet(folder / "consumption_daily.parquet")
    (folder / "consumption_daily.parquet").unlink()
    (folder / "consumption_daily").mkdir()
    daily.head(2).write_parquet(folder / "consumption_daily" / "part-0.parquet")
    daily.tail(3).write_parquet(folder / "consumption_daily" / "part-1.parquet")
    return folder / "consumption_daily"


def _refused(tmp_path: Path, folder: Path, expect: str | list[str]) -> None:
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"], expect, inputs=[folder], run_dir=run)


def test_a_truncated_part_beside_good_ones_is_named(tmp_path):
    # was: a traceback (polars' "File out of specification") from the check that names odd parts
    parts = _daily_in_two_parts(write_tiny_mine(tmp_path / "mine"))
    (parts / "part-1.parquet").write_bytes((parts / "part-1.parquet").read_bytes()[:200])
    _refused(tmp_path, tmp_path / "mine", [
        f"data.tables.consumption_daily: {parts}: part part-1.parquet is unreadable as parquet (parquet: File out of "
        "specification: The file must end with PAR1 or PARE); expected parquet data in every part"])


def test_a_part_whose_times_carry_a_zone_among_naive_parts_is_refused(tmp_path):
    # was: read as the first part's naive times, its zone dropped unsaid (costed; a UTC part of a mine at UTC+8 is 8 h off)
    parts = _daily_in_two_parts(write_tiny_mine(tmp_path / "mine"))
    for name, zone in (("part-0.parquet", None), ("part-1.parquet", "UTC")):
        stamps = pl.read_parquet(parts / name).with_columns(pl.col("date").cast(pl.Datetime("us")).dt.replace_time_zone(zone))
        stamps.write_parquet(parts / name)
    _refused(tmp_path, tmp_path / "mine", "part part-1.parquet has column 'date' as Datetime(time_unit='us', time_zone='UTC'), "
             "part part-0.parquet as Datetime(time_unit='us', time_zone=None); expected the same columns and types in every part")


@pytest.mark.parametrize("table, name", [("equipment", "EQUIPMENT.PARQUET"), ("prices", "Prices")])
def test_a_table_named_in_another_case_is_refused(tmp_path, table, name):
    # was: left out unsaid (the tiny mine costed without its equipment, or its prices)
    folder = write_tiny_mine(tmp_path / "mine")
    if name == "Prices":  # a folder of parts
        (folder / name).mkdir()
        (folder / "prices.parquet").rename(folder / name / "part-0.parquet")
    else:
        (folder / f"{table}.parquet").rename(folder / name)
    _refused(tmp_path, folder, f"{folder / name}: not a table of a data folder (names are lower case: {name.lower()}); "
             "expected <table>.parquet or a <table>/ folder of parquet parts")


def test_a_naive_datetime_part_pair_is_read_as_days(tmp_path):
    # the check above passes parts alike: both parts' midnight times are the tiny mine's days (85 CNY/h x 35 h)
    import json

    from typer.testing import CliRunner

    from minectl.cli import app

    parts = _daily_in_two_parts(write_tiny_mine(tmp_path / "mine"))
    for name in ("part-0.parquet", "part-1.parquet"):
        pl.read_parquet(parts / name).with_columns(pl.col("date").cast(pl.Datetime("us"))).write_parquet(parts / name)
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={tmp_path / 'mine'}", f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["cost.total"] == 85.0 * 35
    assert dt.date(2024, 1, 5) == pl.read_parquet(tmp_path / "run" / "tables" / "daily.parquet")["date"].max()


def test_rows_out_of_time_order_name_the_first_step_back_of_the_first_series(tmp_path):
    # was: no time named, and the series named changed from run to run (a group-by's order) where several were out of order
    folder = write_tiny_mine(tmp_path / "mine")
    daily = pl.read_parquet(folder / "consumption_daily.parquet")
    pl.concat([daily.with_columns(activity=pl.lit(activity)).reverse() for activity in ("loading", "hauling", "drilling")]).write_parquet(
        folder / "consumption_daily.parquet")
    _refused(tmp_path, folder, "table 'consumption_daily' has non-increasing date values for mine_id=M1, activity=drilling, "
             "resource=labour (2024-01-05 then 2024-01-04); expected rows in time order (sorted by mine_id, activity, resource, "
             "date, e.g. ORDER BY in a query)")


def test_a_table_that_is_a_dangling_link_is_refused(tmp_path):
    # was: left out unsaid (a link to a moved equipment file: the tiny mine costed without its equipment)
    folder = write_tiny_mine(tmp_path / "mine")
    (folder / "equipment.parquet").unlink()
    (folder / "equipment.parquet").symlink_to(tmp_path / "moved" / "equipment.parquet")
    _refused(tmp_path, folder, f"data.tables.equipment: {folder / 'equipment.parquet'}: not found; expected an existing parquet file (or a folder of its parts)")


def test_a_categorical_part_among_text_parts_is_read(tmp_path):
    # was: "column 'mine_id' ... has values that are not String (found Categorical)": the first part's type was the
    # table's, and the other part's text failed its cast; the parts differ in encoding only (tiny mine: 85 CNY/h x 35 h)
    import json

    from typer.testing import CliRunner

    from minectl.cli import app

    parts = _daily_in_two_parts(write_tiny_mine(tmp_path / "mine"))
    coded = pl.read_parquet(parts / "part-0.parquet").with_columns(pl.col("mine_id").cast(pl.Categorical))
    coded.write_parquet(parts / "part-0.parquet")
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={tmp_path / 'mine'}", f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["cost.total"] == 85.0 * 35


@pytest.mark.parametrize("name, what", [("000001_0", "a file that is no .parquet part"), ("part-1.csv", "a file that is no .parquet part"),
                                        ("part-1.parq", "a file that is no .parquet part"), ("dangling", "a link to a missing file")])
def test_a_file_in_a_parts_folder_that_is_no_parquet_part_is_refused(tmp_path, name, what):
    # was: left out unsaid, the table costed without that part's rows (Hive's 000000_0 parts, a .csv copy, a moved file)
    parts = _daily_in_two_parts(write_tiny_mine(tmp_path / "mine"))
    if name == "dangling":
        (parts / "part-1.parquet").rename(tmp_path / "moved.parquet")
        (parts / "part-1.parquet").symlink_to(tmp_path / "gone.parquet")
        name = "part-1.parquet"
    else:
        (parts / "part-1.parquet").rename(parts / name)
    _refused(tmp_path, tmp_path / "mine", f"{parts / name}: {what} in a table's folder; expected only the table's parquet parts there "
             "(name other files starting with '.' or '_')")


def test_a_part_named_in_capitals_is_read(tmp_path):
    import json

    from typer.testing import CliRunner

    from minectl.cli import app

    parts = _daily_in_two_parts(write_tiny_mine(tmp_path / "mine"))
    (parts / "part-1.parquet").rename(parts / "part-1.PARQUET")
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={tmp_path / 'mine'}", f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["cost.total"] == 85.0 * 35  # all 5 days, as in one file


TACONITE = Path(__file__).resolve().parents[2] / "examples/data/taconite/consumption_daily.csv"


def test_blank_lines_at_the_end_of_a_csv_table_are_no_rows(tmp_path):
    # was: "table 'consumption_daily' has 2 of 27 rows without a mine_id": polars reads a blank line as a row of nulls
    import json

    from typer.testing import CliRunner

    from minectl.cli import app

    padded = tmp_path / "consumption_daily.csv"
    padded.write_text(TACONITE.read_text() + "\n\n")
    totals = []
    for path, run in ((TACONITE, tmp_path / "as_shipped"), (padded, tmp_path / "padded")):
        result = CliRunner().invoke(app, ["cost", "+experiment=taconite", f"data.tables.consumption_daily.path={path}", f"hydra.run.dir={run}"])
        assert result.exit_code == 0, result.output
        totals.append(json.loads((run / "metrics.json").read_text())["cost.total"])
    assert totals[0] == totals[1] > 0


def test_a_folder_given_as_a_csv_table_is_named_a_folder(tmp_path):
    # was: "file not found" of a folder that is there
    (tmp_path / "daily").mkdir()
    run = tmp_path / "run"
    assert_refused(["cost", "+experiment=taconite", f"data.tables.consumption_daily.path={tmp_path / 'daily'}", f"hydra.run.dir={run}"],
                   f"{tmp_path / 'daily'}: a folder; expected one csv file (a folder of parts is read for kind: parquet only)", run_dir=run)


def test_production_days_without_consumption_are_counted_and_said(tmp_path):
    # was: left out of every figure without a word (a mine with production and no consumption, a day after the last record)
    import json

    from typer.testing import CliRunner

    from minectl.cli import app

    folder = write_tiny_mine(tmp_path / "mine")
    pl.read_parquet(folder / "consumption_daily.parquet").head(4).write_parquet(folder / "consumption_daily.parquet")
    for table in ("production", "equipment", "mines"):  # M2: production and equipment, no consumption
        frame = pl.read_parquet(folder / f"{table}.parquet")
        pl.concat([frame, frame.with_columns(mine_id=pl.lit("M2"))]).write_parquet(folder / f"{table}.parquet")
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.exit_code == 0, result.output
    assert "production: 6 mine-days without any consumption record (1 mine without any at all): not costed" in " ".join(result.output.split())
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (metrics["imputed.production_days_uncosted"], metrics["imputed.production_mines_uncosted"]) == (6, 1)
    assert metrics["cost.total"] == 85.0 * (5 + 6 + 7 + 8)  # M1's 4 costed days
