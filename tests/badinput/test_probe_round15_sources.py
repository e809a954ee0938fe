"""Round 15 probe of the data sources: the synthetic mine's size, date partition folders, spaces around parquet names.

Before: `minectl data synth --mines 100000` (12,280,800,000 hourly rows) and `--meters-per-activity 10000` (1.2 billion
rows of one mine in memory) ran on for minutes and would exhaust the memory or the disk, as would data=synthetic with
20,000 mines; a parquet folder partitioned by date as Spark's partitionBy("date") writes it (date=2024-01-01/ folders,
the parts without the column) was refused as "table 'production' has no column 'date'"; a parquet column named
'mine_id ' (written by pandas from a csv header `date, mine_id `) was refused as "no column 'mine_id'" where the csv
itself was read, its names trimmed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from harness import assert_refused

from minectl.data import synth
from minectl.data.contract import validate
from minectl.data.sources import read_table
from minectl.errors import ConfigError, DataError

# -- the synthetic mine's size -------------------------------------------------------------------

# 2023-01-01 + 2 years: 731 days; 7 metered activities, 24 hours: 122,808 hourly rows per mine and meter
ROWS_PER_MINE = 731 * 24 * 7


@pytest.mark.parametrize("args, said", [
    (["--mines", "100000"], f"{100000 * ROWS_PER_MINE:,} hourly meter rows written in all, over the 1,000,000,000 allowed"),
    (["--meters-per-activity", "10000"], f"{10000 * ROWS_PER_MINE:,} hourly meter rows held in memory for one mine, over "
                                          "the 100,000,000 allowed"),
], ids=["100000 mines", "10000 meters"])
def test_data_synth_refuses_a_size_it_cannot_hold_before_making_a_folder(tmp_path, args, said):
    assert said.startswith(("12,280,800,000", "1,228,080,000"))  # the hand figures: 731 * 168 * 100000, * 10000
    out = tmp_path / "new" / "mine"
    assert_refused(["data", "synth", "--out", out, *args], [said, "expected fewer mines, years or meters"], in_process=False)
    assert not (tmp_path / "new").exists()


def test_data_synthetic_refuses_more_mines_than_memory_holds(tmp_path):
    run = tmp_path / "run"
    assert_refused(["cost", "data.synthetic.mines=815", f"hydra.run.dir={run}"],
                   "mines 815, 731 days and meters_per_activity 1: 100,088,520 hourly meter rows held in memory", run_dir=run)


def test_sizes_at_the_limits_still_pass():
    synth._check_size(814, 731, 1, one_mine_at_a_time=False)  # 99,965,712 rows in memory
    synth._check_size(8 * 164, 731, 1, one_mine_at_a_time=True)  # the benchmark's --scales 8: 161,124,096 rows written
    synth._check_size(1, 731, 814, one_mine_at_a_time=True)  # 99,965,712 rows of one mine
    with pytest.raises(ConfigError, match="100,088,520 hourly meter rows held in memory for one mine"):
        synth._check_size(1, 731, 815, one_mine_at_a_time=True)
    hourly = synth.generate(mines=2, years=0.1, meters_per_activity=3)["consumption_hourly"]
    assert hourly.height == 2 * 36 * 24 * 7 * 3  # 0.1 year: 36 days


# -- partition folders of a date key -------------------------------------------------------------

DAYS = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(3)]


def _day(i: int, **columns) -> pl.DataFrame:
    return pl.DataFrame({"mine_id": ["M1"], "ore_t": [100.0 + i], "drilled_m": [10.0], "haul_km": [2.0], **columns})


def _production(folder: Path) -> pl.DataFrame:
    return validate("production", read_table("parquet", str(folder)), str(folder)).collect()


def test_a_folder_partitioned_by_date_reads_its_dates_from_the_folders(tmp_path):
    for i, day in enumerate(DAYS):  # Spark's partitionBy("date"): the column is in the folders' names only
        (tmp_path / f"date={day}").mkdir()
        _day(i).write_parquet(tmp_path / f"date={day}" / "part-00000.parquet")
    read = _production(tmp_path)
    assert read.sort("date")["date"].to_list() == DAYS and read["ore_t"].sum() == 303.0
    nested = tmp_path / "nested"  # and under mine folders, both keys from the names
    for i, day in enumerate(DAYS):
        (nested / "mine_id=M7" / f"date={day}").mkdir(parents=True)
        _day(i).drop("mine_id").write_parquet(nested / "mine_id=M7" / f"date={day}" / "p.parquet")
    read = _production(nested)
    assert read["mine_id"].to_list() == ["M7"] * 3 and read["date"].to_list() == DAYS


@pytest.mark.parametrize("name", ["2024-13-01", "20240101", "Jan 1"])
def test_a_date_folder_that_names_no_date_is_refused_naming_it(tmp_path, name):
    for folder, i in ((f"date={DAYS[0]}", 0), (f"date={name}", 1)):
        (tmp_path / folder).mkdir()
        _day(i).write_parquet(tmp_path / folder / "p.parquet")
    with pytest.raises(DataError) as refused:
        _production(tmp_path)
    assert str(refused.value) == (f"{tmp_path}: part date={name}/p.parquet is in the folder date={name}, which names no date; "
                                  "expected date=YYYY-MM-DD (as Spark's partitionBy writes a date)")


def test_year_and_month_folders_add_no_columns(tmp_path):
    # near miss: other partition names (year=2024/month=01) are no columns; the parts' own dates are read
    for i, day in enumerate(DAYS):
        folder = tmp_path / "year=2024" / f"month=0{i + 1}"
        folder.mkdir(parents=True)
        _day(i, date=[day]).write_parquet(folder / "p.parquet")
    read = _production(tmp_path)
    assert sorted(read.columns) == ["date", "drilled_m", "haul_km", "mine_id", "ore_t"] and read["date"].to_list() == DAYS


# -- spaces around a parquet file's column names -------------------------------------------------

def test_parquet_names_with_spaces_around_them_read_as_the_csv_twin(tmp_path):
    csv = tmp_path / "production.csv"
    csv.write_text("date, mine_id ,ore_t,drilled_m,haul_km\n" + "".join(f"{d},M1,{100 + i},10,2\n" for i, d in enumerate(DAYS)))
    from_csv = validate("production", read_table("csv", str(csv)), str(csv)).collect()
    raw = pl.read_csv(csv)  # pandas and polars keep ' mine_id ' in the parquet they write
    assert raw.columns[1] == " mine_id "
    single = tmp_path / "production.parquet"
    raw.with_columns(pl.col("date").str.to_date()).write_parquet(single)
    parts = tmp_path / "parts"
    parts.mkdir()
    for i in range(3):
        raw.slice(i, 1).with_columns(pl.col("date").str.to_date()).write_parquet(parts / f"part-{i}.parquet")
    for source in (single, parts):
        read = validate("production", read_table("parquet", str(source)), str(source)).collect()
        assert read.equals(from_csv) and read["ore_t"].sum() == 303.0


def test_two_parquet_names_alike_but_for_spaces_are_refused(tmp_path):
    path = tmp_path / "production.parquet"
    pl.DataFrame({"date": DAYS[:1], "mine_id": ["M1"], "mine_id ": ["M2"]}).write_parquet(path)
    with pytest.raises(DataError) as refused:
        read_table("parquet", str(path))
    assert str(refused.value) == (f"{path}: columns 'mine_id' and 'mine_id ' are both 'mine_id' once the spaces around them "
                                  "are dropped; expected unique column names")


def test_a_part_without_a_column_is_said_to_lack_it(tmp_path):
    rows = pl.DataFrame({"date": [dt.date(2024, 1, 1)], "mine_id": ["M1"], "ore_t": [1.0], "drilled_m": [1.0], "haul_km": [1.0]})
    rows.write_parquet(tmp_path / "p0.parquet")
    rows.drop("haul_km").write_parquet(tmp_path / "p1.parquet")
    with pytest.raises(DataError, match=r"part p1.parquet lacks column 'haul_km', which part p0.parquet has; "
                                        r"expected the same columns in every part$"):
        read_table("parquet", str(tmp_path))
