"""Round 13 probe of the data sources: file names, part folders and writers' habits.

Before: a path with [, * or ? in it was a glob to polars (`p[12].parquet` read the files p1 and p2, and
`Mine [A]/production.csv` was "expanded paths were empty"); a year of monthly partition folders
(month=1 ... month=12, as Spark names them) read October before February and was refused as out of
time order; a link back up in a table's folder recursed 40 folders deep; pandas' unnamed index
(`__index_level_0__`) was a sensor reading the row numbers; a header's `"5"" pipe"` was the name
`5"" pipe`; times with a zone were refused, and ids 1, 2, ... then A7 in a csv were "not String (found Int64)".
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke

from minectl.data.contract import validate
from minectl.data.mine import load_mine
from minectl.data.sources import parquet_parts, read_file, read_table, scan_dated_csv
from minectl.errors import DataError


def _hourly(start: dt.datetime, end: dt.datetime, zone: str | None = None) -> pl.DataFrame:
    """One meter's hourly readings from ``start`` to ``end`` (inclusive), 1.0 each; in ``zone`` where given."""
    stamps = pl.datetime_range(start, end, "1h", eager=True, time_zone=zone)
    return pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity", "quantity": 1.0})


# -- [, * and ? in a path are letters --------------------------------------------------------------

def test_a_path_with_glob_letters_reads_the_file_it_names(tmp_path):
    folder = tmp_path / "Mine [A]"  # a folder so named reads (was: "expanded paths were empty")
    folder.mkdir()
    for name, ore in (("p1.parquet", 1.0), ("p2.parquet", 2.0), ("p[12].parquet", 99.0)):
        pl.DataFrame({"date": [dt.date(2024, 1, 1)], "mine_id": "M1", "ore_t": ore}).write_parquet(folder / name)
    # p[12].parquet was read as p1.parquet and p2.parquet, its own row left out: ore 1 + 2, not 99
    assert read_table("parquet", str(folder / "p[12].parquet")).collect()["ore_t"].to_list() == [99.0]
    assert read_file(folder / "p[12].parquet")["ore_t"].to_list() == [99.0]
    csv = folder / "production*.csv"
    csv.write_text("date,mine_id,ore_t\n2024-01-01,M1,7.5\n")
    assert scan_dated_csv(csv).collect()["ore_t"].to_list() == [7.5]
    assert read_file(csv)["ore_t"].to_list() == [7.5]
    parts = folder / "production?"
    parts.mkdir()
    pl.DataFrame({"x": [3]}).write_parquet(parts / "part-0.parquet")
    assert read_table("parquet", str(parts)).collect()["x"].to_list() == [3]


# -- part folders as Spark, pyarrow and DuckDB write them -----------------------------------------

def test_monthly_partition_folders_read_in_month_order(tmp_path):
    table = tmp_path / "consumption_hourly"
    for month in range(1, 13):  # Spark's month=1 ... month=12, unpadded: in name order month=10 came before month=2
        start = dt.datetime(2023, month, 1)
        end = dt.datetime(2023 + month // 12, month % 12 + 1, 1) - dt.timedelta(hours=1)
        (table / "year=2023" / f"month={month}").mkdir(parents=True)
        _hourly(start, end).write_parquet(table / "year=2023" / f"month={month}" / "part-0.parquet")
    hourly = validate("consumption_hourly", read_table("parquet", str(table)), str(table)).collect()
    assert hourly["timestamp"].to_list() == _hourly(dt.datetime(2023, 1, 1), dt.datetime(2023, 12, 31, 23))["timestamp"].to_list()
    assert hourly.height == 8760


def test_unpadded_part_numbers_read_in_number_order(tmp_path):
    table = tmp_path / "production"
    table.mkdir()
    days = pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 1, 12), eager=True)
    frame = pl.DataFrame({"date": days, "mine_id": "M1", "ore_t": [float(d.day) for d in days], "drilled_m": 1.0, "haul_km": 1.0})
    for i in range(12):  # pyarrow's write_dataset and DuckDB's PARTITION_BY: part-0 ... part-11, data_0 ... data_11
        frame.slice(i, 1).write_parquet(table / f"part-{i}.parquet")
    assert [p.name for p in parquet_parts(table)][:4] == ["part-0.parquet", "part-1.parquet", "part-2.parquet", "part-3.parquet"]
    read = validate("production", read_table("parquet", str(table)), str(table)).collect()
    assert read["ore_t"].to_list() == [float(d) for d in range(1, 13)]
    # near miss: zero-padded names (Spark's part-00000) in the order they always had
    padded = tmp_path / "padded"
    padded.mkdir()
    for i in (0, 9, 10, 100):
        frame.head(1).write_parquet(padded / f"part-{i:05d}-c000.snappy.parquet")
    assert [p.name[:10] for p in parquet_parts(padded)] == ["part-00000", "part-00009", "part-00010", "part-00100"]


def test_a_link_back_up_in_a_table_folder_is_one_short_line(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    table = folder / "production"
    table.mkdir()
    os.replace(folder / "production.parquet", table / "part-0.parquet")
    os.symlink(table, table / "day=1")  # was: refused 40 folders deep, as "a link to a missing file"
    run = tmp_path / "run"
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={run}"],
                   [f"data.tables.production: {table / 'day=1'}: a link to {table.resolve()}, a folder above it, in a table's folder; "
                    "expected partition folders that hold parts, not links back up (delete the link)"], inputs=[folder], run_dir=run)


# -- pandas' unnamed index is no column ------------------------------------------------------------

def test_pandas_index_is_no_sensor_reading_nor_risk_feature(tmp_path):
    frame = _hourly(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 23)).drop("activity", "resource").rename({"quantity": "vibration"})
    # two days' exports concatenated (index 0..23 twice): pandas writes such an index as the column __index_level_0__
    written = pd.concat([frame.head(24).to_pandas(), frame.tail(24).to_pandas()])
    written.to_parquet(tmp_path / "sensors.parquet")
    assert "__index_level_0__" in pl.read_parquet_schema(tmp_path / "sensors.parquet")
    sensors = validate("sensors", read_table("parquet", str(tmp_path / "sensors.parquet")), "sensors.parquet").collect()
    assert sensors.columns == ["timestamp", "mine_id", "vibration"]  # was also a sensor '__index_level_0__' of 100, 101, ...
    assert read_file(tmp_path / "sensors.parquet").columns == ["timestamp", "mine_id", "vibration"]
    # parts of which one has the index and one not (was: refused as parts of different columns)
    (tmp_path / "parts").mkdir()
    written.head(24).to_parquet(tmp_path / "parts" / "part-0.parquet")
    frame.tail(24).write_parquet(tmp_path / "parts" / "part-1.parquet")
    parts = validate("sensors", read_table("parquet", str(tmp_path / "parts")), "parts").collect()
    assert parts.equals(frame)
    # near miss: a column the user named (pandas' reset_index gives 'index') is data, and stays
    frame.with_columns(index=pl.int_range(48)).write_parquet(tmp_path / "named.parquet")
    assert read_file(tmp_path / "named.parquet")["index"].to_list() == list(range(48))


# -- a quote doubled inside a quoted name ----------------------------------------------------------

@pytest.mark.parametrize("separator", [",", ";"])
def test_a_doubled_quote_in_a_quoted_name_is_one_quote(separator, tmp_path):
    path = tmp_path / "pipes.csv"
    path.write_text(separator.join(["date", '"5"" pipe"', '"say ""hi"", ok"', "plain"]) + "\n"
                    + separator.join(["2024-01-01", "1", '"a ""b"""', "x"]) + "\n")
    expect = ["date", '5" pipe', 'say "hi", ok', "plain"]  # as Python's csv module and Excel read the header
    assert scan_dated_csv(path).collect().columns == expect  # was 5"" pipe, say ""hi"", ok
    assert read_file(path).columns == expect
    assert read_file(path)['say "hi", ok'].to_list() == ['a "b"']
    mapped = read_table("csv", str(path), columns={'5" pipe': "diameter"}).collect()
    assert mapped["diameter"].to_list() == [1]


# -- times with a zone -----------------------------------------------------------------------------

def test_zoned_days_and_hours_are_read_at_their_wall_time(tmp_path):
    plain = write_tiny_mine(tmp_path / "plain")
    zoned = write_tiny_mine(tmp_path / "zoned")
    production = pl.read_parquet(zoned / "production.parquet")
    # local midnight at UTC+2 (pandas' tz_localize, a DuckDB TIMESTAMPTZ): read as UTC it was the day before
    production.with_columns(pl.col("date").cast(pl.Datetime("us")).dt.replace_time_zone("Etc/GMT-2")).write_parquet(
        zoned / "production.parquet")
    read = {name: load_mine(dir=str(folder)).tables["production"].collect() for name, folder in (("plain", plain), ("zoned", zoned))}
    assert read["zoned"].equals(read["plain"])
    # hours in UTC, as pandas' to_datetime(utc=True) gives them: the UTC clock, as naive UTC times read
    utc = _hourly(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 23), "UTC")
    assert validate("consumption_hourly", utc.lazy(), "h").collect().equals(utc.with_columns(pl.col("timestamp").dt.replace_time_zone(None)))
    # a zone with daylight saving, over summer days only: one offset, its wall time
    summer = _hourly(dt.datetime(2024, 7, 1), dt.datetime(2024, 7, 2, 23), "Europe/Berlin")
    assert validate("consumption_hourly", summer.lazy(), "h").collect()["timestamp"][[0, -1]].to_list() == [
        dt.datetime(2024, 7, 1), dt.datetime(2024, 7, 2, 23)]


def test_zoned_hours_across_a_clock_change_are_refused_naming_it():
    utc = _hourly(dt.datetime(2021, 10, 30, 22), dt.datetime(2021, 11, 1, 22), "UTC")
    berlin = utc.with_columns(pl.col("timestamp").dt.convert_time_zone("Europe/Berlin"))
    with pytest.raises(DataError) as refused:  # at its wall time 02:00 came twice, refused as a duplicate hour
        validate("consumption_hourly", berlin.lazy(), "hourly.parquet")
    assert str(refused.value) == (
        "hourly.parquet: column 'timestamp' of table 'consumption_hourly' holds times in Europe/Berlin, whose offset from UTC changes "
        "within the table (daylight saving: UTC+02:00 at first, UTC+01:00 at 2021-10-31 02:00); expected times on one clock the year "
        "round (UTC, or the mine's standard time): convert them to UTC or to the zone's standard time before the read")
    # a local midnight converted to UTC is 22:00 of the day before: still refused, not moved a day
    days = pl.DataFrame({"date": pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 3), "1d", eager=True, time_zone="Etc/GMT-2")
                         .dt.convert_time_zone("UTC"), "mine_id": "M1", "ore_t": 1.0, "drilled_m": 1.0, "haul_km": 1.0})
    with pytest.raises(DataError, match="has 3 times other than midnight \\(first 2023-12-31 22:00:00\\)"):
        validate("production", days.lazy(), "p").collect()


# -- a csv column that polars infers from its first 100 rows ---------------------------------------

def _production_csv(path: Path, ids: list[str], ore: list[str]) -> Path:
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(len(ore))]
    path.write_text("date,mine_id,ore_t,drilled_m,haul_km\n" + "".join(
        f"{d},{m},{t},10,2\n" for d, m, t in zip(days, ids, ore, strict=True)))
    return path


def test_text_after_100_rows_of_numbers_is_text(tmp_path):
    # ids 1 ... then A7: was "column 'mine_id' of table 'production' has values that are not String (found Int64)"
    ids = ["1"] * 150 + ["A7"] * 50
    path = _production_csv(tmp_path / "ids.csv", ids, [str(100 + i) for i in range(200)])
    read = validate("production", read_table("csv", str(path)), str(path)).collect()
    assert read["mine_id"].to_list() == ids and read["ore_t"].sum() == sum(100.0 + i for i in range(200))
    # Excel's error cell in row 151: was polars' "could not parse `#DIV/0!` as dtype `i64`" and its Python hints
    ore = [str(100 + i) for i in range(200)]
    ore[150] = "#DIV/0!"
    path = _production_csv(tmp_path / "div0.csv", ["M1"] * 200, ore)
    with pytest.raises(DataError) as refused:
        validate("production", read_table("csv", str(path)), str(path)).collect()
    assert str(refused.value) == (f"{path}: column 'ore_t' of table 'production' has values that are not Float64 (found String; 1 such "
                                  "value, first at row 151: '#DIV/0!'); expected plain numbers (-1200, 1234.5)")
    # near misses: FRED's '.' after 100 rows is a missing reading, a zero-padded id a code, plain numbers numbers
    ore[150] = "."
    ids = ["M1"] * 150 + ["007"] * 50
    read = validate("production", read_table("csv", str(_production_csv(tmp_path / "ok.csv", ids, ore))), "ok.csv").collect()
    assert read["ore_t"].null_count() == 1 and read["ore_t"].sum() == sum(100.0 + i for i in range(200)) - 250
    assert read["mine_id"].unique(maintain_order=True).to_list() == ["M1", "007"]
    assert scan_dated_csv(_production_csv(tmp_path / "plain.csv", ["M1"] * 200, ore[:150] + ["1"] * 50)).collect_schema()["ore_t"] == pl.Int64


def test_a_delta_lake_table_folder_is_refused_naming_its_log(tmp_path):
    """A Delta Lake folder keeps the parts of past versions until a vacuum: read as parts, a row deleted
    (or the old values of one updated) came back unsaid, and the current parts are listed in _delta_log/ only."""
    table = tmp_path / "production"
    (table / "_delta_log").mkdir(parents=True)
    days = pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 1, 3), eager=True)
    first = pl.DataFrame({"date": days, "mine_id": "M1", "ore_t": [100.0, 1e6, 120.0], "drilled_m": 1.0, "haul_km": 1.0})
    first.write_parquet(table / "part-00000-v0.snappy.parquet")  # version 0, its 1e6 t a typo ...
    first.with_columns(ore_t=pl.Series([100.0, 110.0, 120.0])).write_parquet(table / "part-00000-v1.snappy.parquet")  # ... fixed
    (table / "_delta_log" / "00000000000000000001.json").write_text('{"remove": {"path": "part-00000-v0.snappy.parquet"}}\n')
    with pytest.raises(DataError) as refused:
        read_table("parquet", str(table))
    assert str(refused.value) == (f"{table}: a Delta Lake table (its _delta_log/ log says which parts hold the current rows, which "
                                  "minectl does not read); expected plain parquet parts: write the table's current version out as "
                                  "parquet first")
    # near miss: Spark's plain output beside its _SUCCESS marker and _committed_ files reads
    (table / "_delta_log" / "00000000000000000001.json").unlink()
    (table / "_delta_log").rmdir()
    (table / "part-00000-v0.snappy.parquet").unlink()
    (table / "_SUCCESS").write_text("")
    (table / "_committed_123").write_text("{}")
    assert read_table("parquet", str(table)).collect()["ore_t"].to_list() == [100.0, 110.0, 120.0]


def test_a_long_sensors_table_is_told_to_pivot():
    stamps = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, 23), "1h", eager=True)
    long = pl.concat([pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "tag": tag, "value": 1.0}) for tag in ("vib", "temp")])
    with pytest.raises(DataError) as refused:  # the line said what the tag was, not what the table should be
        validate("sensors", long.sort("timestamp").lazy(), "sensors.parquet")
    assert str(refused.value) == (
        "sensors.parquet: column 'tag' of table 'sensors' has values that are not Float64 (found String; 48 such values, first at row "
        "1: 'vib'); expected plain numbers (-1200, 1234.5): a sensors table has a column of readings per sensor (a historian's long "
        "table of name and value columns: pivot it to a column per name)")
    # near miss: the same readings pivoted read, one column per sensor
    wide = long.pivot("tag", index=["timestamp", "mine_id"], values="value")
    assert validate("sensors", wide.lazy(), "sensors.parquet").collect().columns == ["timestamp", "mine_id", "vib", "temp"]
    # and a table's own column of text names no sensor
    with pytest.raises(DataError, match="first at row 1: 'x'\\); expected plain numbers \\(-1200, 1234.5\\)$"):
        validate("production", pl.LazyFrame({"date": [dt.date(2024, 1, 1)], "mine_id": "M1", "ore_t": "x", "drilled_m": 1.0,
                                              "haul_km": 1.0}), "p")


def test_a_part_in_another_mines_partition_folder_is_refused(tmp_path):
    table = tmp_path / "production"
    days = pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 1, 3), eager=True)
    for folder, mine in (("mine_id=M1", "M1"), ("mine_id=M%202", "M 2")):  # DuckDB's WRITE_PARTITION_COLUMNS keeps the column
        (table / folder).mkdir(parents=True)
        pl.DataFrame({"date": days, "mine_id": mine, "ore_t": 1.0, "drilled_m": 1.0, "haul_km": 1.0}).write_parquet(
            table / folder / "data_0.parquet")
    read = validate("production", read_table("parquet", str(table)), "production").collect()
    assert read["mine_id"].unique(maintain_order=True).to_list() == ["M1", "M 2"]
    # M1's rows copied into a third mine's folder: read as M1's, twice, the folder's M3 unsaid
    (table / "mine_id=M3").mkdir()
    (table / "mine_id=M3" / "data_0.parquet").write_bytes((table / "mine_id=M1" / "data_0.parquet").read_bytes())
    with pytest.raises(DataError) as refused:
        read_table("parquet", str(table))
    assert str(refused.value) == (f"{table}: part mine_id=M3/data_0.parquet in the folder mine_id=M3 has mine_id 'M1'; expected the "
                                  "mine_id its folder names (a part filed in another's folder?)")


def test_a_run_folder_with_brackets_gets_its_report(tmp_path):
    """A run folder named with [ ] (a sweep's job folder renamed, `run[1]`): the report reads the run's own tables.
    Before: "report.html not written: ... anomalies.parquet: unreadable as parquet (... expanded paths were empty)"."""
    run = tmp_path / "run[1]"
    result = invoke("demo", f"hydra.run.dir='{run}'")
    assert result.exit_code == 0 and "not written" not in result.output, result.output
    assert (run / "report.html").is_file(), result.output


def test_prices_per_mine_are_refused_naming_the_unread_mine_column(tmp_path):
    """A price table with a price per mine (a `mine_id` column, each resource's row once a mine) was refused as
    "duplicate rows for key resource=electricity, ..." naming no reason: the line now says the column is not read."""
    folder = write_tiny_mine(tmp_path / "mine")
    prices = pl.read_parquet(folder / "prices.parquet")
    pl.concat([prices.with_columns(mine_id=pl.lit(mine)) for mine in ("M1", "M2")]).write_parquet(folder / "prices.parquet")
    assert_refused(["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["table 'prices' has duplicate rows for key", "expected one row per resource, valid_from (its column 'mine_id' "
                    "is not read: a prices row holds for every mine"], inputs=[folder / "prices.parquet"])
    # near miss: the mine column once per resource (one mine's export) still reads; no duplicate, no line
    prices.with_columns(mine_id=pl.lit("M1")).write_parquet(folder / "prices.parquet")
    result = invoke("cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'ok'}", "report=false")
    assert result.exit_code == 0, result.output
