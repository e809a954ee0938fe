"""Round 19 probe of the data sources.

Before: a parquet folder partitioned by date as pandas writes it (`to_parquet(partition_cols=['date'])` of a datetime64
day: date=2024-01-01 00:00:00.000/ folders, the parts without the column) was refused as "names no date"; a csv source's
times with an offset (2024-01-01T00:00:00+08:00) were converted to UTC: a +08:00 day was refused as "times other than
midnight (first 2023-12-31 16:00:00)", a time the file does not hold, and an hourly meter of whole local days as starting
"at 2023-12-31 16:00:00, within a day" (and one cut at UTC midnights was costed on UTC days, 8 hours off the production's);
a DuckDB table in another schema was refused without DuckDB's own hint (`Did you mean "ops.production"?`); a filter's date
on a column of zoned times (pandas' tz-aware days, Asia/Shanghai) was compared in UTC, where the contract reads the column
at its wall time: `date >= 2024-01-02` left out 2 January (its midnight is 16:00 UTC the day before) and `== 2024-01-02`
selected no row; a folder of parts whose text column is Enum in some parts and String, Categorical or another Enum
in others (a polars writer's Enum beside another's plain text) was refused as "parts of other types"; a
data.synthetic.start that is no date was said as "start: expected an ISO date ...", naming no config key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from harness import assert_refused

from minectl.data.contract import validate
from minectl.data.sources import read_table
from minectl.errors import DataError

HOURLY = "timestamp,mine_id,activity,resource,quantity\n"

DAYS = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(3)]


def _day(i: int) -> pl.DataFrame:
    return pl.DataFrame({"mine_id": ["M1"], "ore_t": [100.0 + i], "drilled_m": [10.0], "haul_km": [2.0]})


def _production(folder: Path) -> pl.DataFrame:
    return validate("production", read_table("parquet", str(folder)), str(folder)).collect()


# -- date partition folders as pandas writes them ------------------------------------------------

@pytest.mark.parametrize("at", [" 00:00:00.000", " 00:00:00", "T00:00:00", ""])
def test_a_date_folder_at_midnight_reads_as_its_day(tmp_path, at):
    for i, day in enumerate(DAYS):
        (tmp_path / f"date={day}{at}").mkdir()
        _day(i).write_parquet(tmp_path / f"date={day}{at}" / "part-0.parquet")
    read = _production(tmp_path)
    assert read["date"].to_list() == DAYS and read["ore_t"].sum() == 303.0


def test_pandas_date_partitions_read_as_the_plain_table(tmp_path):
    frame = pl.DataFrame({"date": DAYS, "mine_id": "M1", "ore_t": [100.0, 101, 102], "drilled_m": 10.0, "haul_km": 2.0})
    frame.to_pandas().to_parquet(tmp_path / "production", partition_cols=["date"])  # date=2024-01-01%2000%3A00%3A00.000/
    assert _production(tmp_path / "production").select(frame.columns).equals(frame)


@pytest.mark.parametrize("at", [" 06:00:00", " 00:00:01", "+00:00"])
def test_a_date_folder_with_a_time_of_day_is_refused(tmp_path, at):
    name = f"{DAYS[1]}{at}"
    for folder, i in ((f"date={DAYS[0]}", 0), (f"date={name}", 1)):
        (tmp_path / folder).mkdir()
        _day(i).write_parquet(tmp_path / folder / "p.parquet")
    with pytest.raises(DataError, match="which names no date; expected date=YYYY-MM-DD"):
        _production(tmp_path)


# -- csv times with an offset, at their wall time -------------------------------------------------

def _csv(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("zone", ["+08:00", "-0500", "Z", "+00:00"])
def test_csv_days_with_an_offset_are_their_local_days(tmp_path, zone):
    rows = "".join(f"{day}T00:00:00{zone},M1,{100.0 + i},10,2\n" for i, day in enumerate(DAYS))
    path = _csv(tmp_path / "production.csv", "date,mine_id,ore_t,drilled_m,haul_km\n" + rows)
    read = validate("production", read_table("csv", path), path).collect()
    assert read["date"].to_list() == DAYS and read["ore_t"].to_list() == [100.0, 101.0, 102.0]


def _hours(zone: str, first_hour: int = 0) -> list[str]:
    start = dt.datetime(2024, 1, 1, first_hour)
    return [f"{start + dt.timedelta(hours=h):%Y-%m-%dT%H:%M:%S}{zone},M1,hauling,electricity,{h % 5}\n" for h in range(48)]


def _hourly(path: str) -> pl.DataFrame:
    return validate("consumption_hourly", read_table("csv", path), path).collect()


def test_an_hourly_csv_with_an_offset_reads_as_its_wall_times(tmp_path):
    naive = _hourly(_csv(tmp_path / "naive.csv", HOURLY + "".join(_hours(""))))
    zoned = _hourly(_csv(tmp_path / "zoned.csv", HOURLY + "".join(_hours("+08:00"))))  # whole local days: was "within a day"
    assert zoned.equals(naive) and zoned["timestamp"][0] == dt.datetime(2024, 1, 1)
    utc = _hourly(_csv(tmp_path / "utc.csv", HOURLY + "".join(_hours("Z"))))  # near miss: UTC stamps, as before
    assert utc.equals(naive)


def test_an_hourly_csv_cut_at_utc_midnights_keeps_its_local_hours(tmp_path):
    # 08:00+08:00 is 00:00 UTC: read in UTC, its days began at the mine's 08:00, and every day's use moved 8 hours
    read = _hourly(_csv(tmp_path / "zoned.csv", HOURLY + "".join(_hours("+08:00", first_hour=8))))
    assert read["timestamp"][0] == dt.datetime(2024, 1, 1, 8)


def test_an_hourly_csv_with_daylight_saving_offsets_is_refused_naming_the_hour(tmp_path):
    from zoneinfo import ZoneInfo

    first = dt.datetime(2021, 10, 30, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(dt.timezone.utc)
    stamps = [(first + dt.timedelta(hours=h)).astimezone(ZoneInfo("Europe/Berlin")).isoformat() for h in range(72)]
    path = _csv(tmp_path / "dst.csv", HOURLY + "".join(f"{stamp},M1,hauling,electricity,1\n" for stamp in stamps))
    with pytest.raises(DataError, match="2021-10-31 02:00 is the hour that clocks repeat as they go back"):
        _hourly(path)


# -- DuckDB's hints --------------------------------------------------------------------------------

def test_a_duckdb_table_in_another_schema_is_refused_with_duckdbs_hint(tmp_path):
    import duckdb

    db = tmp_path / "mine.duckdb"
    with duckdb.connect(str(db)) as con:
        con.sql("CREATE SCHEMA ops; CREATE TABLE ops.production (mine_id VARCHAR, ore_t DOUBLE)")
    with pytest.raises(DataError) as refused:
        read_table("duckdb", str(db), "production")
    assert str(refused.value) == (f"{db}: query 'production' failed: Catalog Error: Table with name production does not exist! "
                                  '(Did you mean "ops.production"?)')
    with pytest.raises(DataError, match=r'not found in FROM clause! \(Candidate bindings: "ore_t"'):
        read_table("duckdb", str(db), "SELECT ore FROM ops.production")
    assert read_table("duckdb", str(db), "ops.production").collect_schema().names() == ["mine_id", "ore_t"]  # near miss


# -- a filter's date on zoned times ----------------------------------------------------------------

def _zoned_production(tmp_path: Path, zone: str) -> str:
    days = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 3), "1d", eager=True).dt.replace_time_zone(zone)
    path = tmp_path / "production.parquet"
    pl.DataFrame({"date": days, "mine_id": "M1", "ore_t": [100.0, 101, 102], "drilled_m": 10.0, "haul_km": 2.0}).write_parquet(path)
    return str(path)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/Santiago", "UTC"])
@pytest.mark.parametrize("op, value, days", [(">=", "2024-01-02", DAYS[1:]), ("==", "2024-01-02", DAYS[1:2]),
                                             ("<", "2024-01-02", DAYS[:1]), ("in", ["2024-01-01", "2024-01-03"], DAYS[::2])])
def test_a_date_filter_on_zoned_times_selects_their_local_days(tmp_path, zone, op, value, days):
    path = _zoned_production(tmp_path, zone)
    read = read_table("parquet", path, filters=[{"column": "date", "op": op, "value": value}])
    assert read.collect()["date"].dt.date().to_list() == days  # the local day of each time in its zone


# -- Enum parts beside text parts ------------------------------------------------------------------

def _consumption_parts(folder: Path, *types: pl.DataType) -> Path:
    days = pl.date_range(DAYS[0], DAYS[0] + dt.timedelta(days=len(types) * 2 - 1), eager=True)
    rows = pl.DataFrame({"date": days, "mine_id": "M1", "activity": "hauling", "resource": "labour", "quantity": 5.0})
    folder.mkdir()
    for i, dtype in enumerate(types):
        rows.slice(2 * i, 2).with_columns(pl.col("resource").cast(dtype)).write_parquet(folder / f"part-{i}.parquet")
    return folder


@pytest.mark.parametrize("types", [
    (pl.Enum(["labour"]), pl.String), (pl.String, pl.Enum(["labour", "diesel"])), (pl.Enum(["labour", "diesel"]), pl.Enum(["labour"])),
    (pl.Categorical(), pl.Enum(["labour"]), pl.String), (pl.Enum(["labour"]), pl.Enum(["labour"])),
], ids=["enum, string", "string, enum", "two enums", "categorical, enum, string", "alike enums"])
def test_enum_parts_beside_text_parts_read_as_text(tmp_path, types):
    folder = _consumption_parts(tmp_path / "consumption_daily", *types)
    read = validate("consumption_daily", read_table("parquet", str(folder)), str(folder)).collect()
    assert read["resource"].to_list() == ["labour"] * 2 * len(types) and read["quantity"].sum() == 10.0 * len(types)


def test_an_enum_part_beside_a_number_part_is_still_refused(tmp_path):
    folder = _consumption_parts(tmp_path / "consumption_daily", pl.Enum(["labour"]), pl.String)
    pl.read_parquet(folder / "part-1.parquet").with_columns(pl.lit(1).alias("resource")).write_parquet(folder / "part-1.parquet")
    with pytest.raises(DataError, match="part part-1.parquet has column 'resource' as Int32, part part-0.parquet as Enum"):
        read_table("parquet", str(folder)).collect()


# -- the synthetic mine's start ---------------------------------------------------------------------

@pytest.mark.parametrize("start", ["2023-13-01", "2023-1-5", "Jan 2023"])
def test_a_synthetic_start_that_is_no_date_is_refused_naming_the_key(tmp_path, start):
    run = tmp_path / "run"
    assert_refused(["cost", "data=synthetic", "data.synthetic.years=0.1", f"data.synthetic.start={start}", f"hydra.run.dir={run}"],
                   f"data.synthetic.start='{start}': not a date; expected an ISO date like 2023-01-01", run_dir=run)
