"""Readers and the data contract: every bad input gets one line naming what is wrong."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import write_tiny_mine

from minectl.data import load_mine
from minectl.data.contract import validate
from minectl.data.sources import read_table
from minectl.errors import ConfigError, DataError


def _production(**overrides) -> pl.DataFrame:
    base = {
        "date": pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 1, 4), eager=True),
        "mine_id": "M1", "ore_t": [1.0, 2.0, 3.0, 4.0], "drilled_m": 1.0, "haul_km": 1.0,
    }
    base.update(overrides)
    return pl.DataFrame(base)


def test_load_mine_reads_a_canonical_folder(tiny_mine):
    mine = load_mine(dir=str(tiny_mine))
    assert mine.production.collect()["ore_t"].sum() == 460.0
    assert mine.consumption_daily.collect_schema()["quantity"] == pl.Float64
    assert mine.sensors is None
    assert sorted(p.name for p in mine.inputs) == ["consumption_daily.parquet", "equipment.parquet", "mines.parquet", "prices.parquet", "production.parquet"]


def test_csv_source_with_column_map_and_filters(tmp_path):
    csv = tmp_path / "prod.csv"
    csv.write_text("Day,Site,Ore,Drill,Haul\n2024-01-01,A,10,1,2\n2024-01-01,B,20,1,2\n2024-01-02,A,11,1,2\n")
    frame = read_table(
        "csv", str(csv),
        columns={"Day": "date", "Site": "mine_id", "Ore": "ore_t", "Drill": "drilled_m", "Haul": "haul_km"},
        filters=[{"column": "mine_id", "op": "==", "value": "A"}],
    )
    out = validate("production", frame, str(csv)).collect()
    assert out["ore_t"].to_list() == [10.0, 11.0] and out.schema["ore_t"] == pl.Float64


def test_duckdb_source_reads_a_table_and_a_query(tmp_path):
    db = tmp_path / "mine.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE prod AS SELECT DATE '2024-01-01' + i::INT AS d, 'M1' AS mine, 100.0 + i AS ore, "
                    "5.0 AS drilled_m, 2.0 AS haul_km FROM range(3) t(i)")
    columns = {"d": "date", "mine": "mine_id", "ore": "ore_t"}
    whole = validate("production", read_table("duckdb", str(db), "prod", columns), str(db)).collect()
    assert whole["ore_t"].to_list() == [100.0, 101.0, 102.0]
    some = read_table("duckdb", str(db), "SELECT * FROM prod WHERE ore > 100.5", columns).collect()
    assert some["ore_t"].to_list() == [101.0, 102.0]
    with pytest.raises(DataError, match="query 'SELECT nope FROM prod' failed"):
        read_table("duckdb", str(db), "SELECT nope FROM prod")


@pytest.mark.parametrize(
    "frame, message",
    [
        (_production().drop("ore_t"), "table 'production' has no column 'ore_t'; expected Float64"),
        (_production(ore_t=["1", "x", "3", "4"]), "column 'ore_t' of table 'production' has values that are not Float64"),
        (_production(ore_t=[1.0, -2.0, 3.0, 4.0]), "negative ore_t (-2.0) at mine_id=M1, date=2024-01-02; expected >= 0"),
        (_production(date=[dt.date(2024, 1, d) for d in (1, 2, 2, 3)]), "duplicate rows for mine_id=M1, date=2024-01-02"),
        (_production(date=[dt.date(2024, 1, d) for d in (1, 3, 2, 4)]), "non-increasing date values for mine_id=M1"),
        (_production(date=[dt.date(2024, 1, d) for d in (1, 2, 3, 5)]), "gaps in date for mine_id=M1: 4 rows between 2024-01-01 and 2024-01-05, expected 5"),
        (_production().head(0), "table 'production' is empty"),
        (_production(mine_id=["M1", None, "M1", "M1"]), "table 'production' has 1 of 4 rows without a mine_id; expected a value in every row"),
        (_production(date=[dt.date(2024, 1, 1), None, None, dt.date(2024, 1, 4)]), "has 2 of 4 rows without a date; expected a value"),
    ],
)
def test_contract_violations_name_table_column_and_expectation(frame, message):
    with pytest.raises(DataError, match=None) as info:
        validate("production", frame.lazy(), "prod.parquet")
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("layout", ["series after series", "hour by hour"])  # the fast and the exact check
@pytest.mark.parametrize(
    "hours, message",
    [
        ((0, 1, 2, 3), None),
        ((0, 1, 1, 2), "duplicate rows for mine_id=M2, activity=drilling, resource=electricity, timestamp=2024-01-01 01:00:00"),
        ((0, 2, 1, 3), "non-increasing timestamp values for mine_id=M2"),
        ((0, 1, 2, 4), "gaps in timestamp for mine_id=M2, activity=drilling, resource=electricity: 4 rows"),
    ],
)
def test_hourly_keys_checked_in_either_file_layout(layout, hours, message):
    good = [dt.datetime(2024, 1, 1, h) for h in range(4)]
    stamps = {"M1": good, "M2": [dt.datetime(2024, 1, 1, h) for h in hours]}
    frame = pl.DataFrame(
        [(t, mine, "drilling", "electricity", 1.0) for mine, times in stamps.items() for t in times],
        schema=["timestamp", "mine_id", "activity", "resource", "quantity"], orient="row",
    )
    if layout == "hour by hour":
        frame = frame.with_row_index().sort(pl.col("index") % 4, "index").drop("index")  # keeps each series' own order
    if message is None:
        assert validate("consumption_hourly", frame.lazy(), "meters").collect().height == 8
    else:
        with pytest.raises(DataError, match=re.escape(message)):
            validate("consumption_hourly", frame.lazy(), "meters")


@pytest.mark.parametrize(
    "column, message",
    [("valid_from", "table 'prices' has 1 of 2 rows without a valid_from"), ("price", "table 'prices' has 1 of 2 rows without a price")],
)
def test_price_rows_need_a_date_and_a_price(column, message):
    prices = pl.DataFrame(
        {"resource": ["diesel", "diesel"], "valid_from": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)], "price": [8.0, 8.5]}
    ).with_columns(pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col(column)).alias(column))
    with pytest.raises(DataError, match=message):
        validate("prices", prices.lazy(), "prices.parquet")


def test_hourly_gaps_are_measured_in_hours():
    stamps = [dt.datetime(2024, 1, 1, h) for h in (0, 1, 3)]
    frame = pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "drilling", "resource": "electricity", "quantity": 1.0})
    with pytest.raises(DataError, match="expected 4 at a step of 1h"):
        validate("consumption_hourly", frame.lazy(), "meters")


@pytest.mark.parametrize(
    "content, message",
    [(b"", "file is empty"), (b"not a parquet file at all", "unreadable as parquet")],
)
def test_empty_and_unreadable_files(tmp_path, content, message):
    bad = tmp_path / "production.parquet"
    bad.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_table("parquet", str(bad))


@pytest.mark.parametrize("given", ["dir", "path", "tables"])
def test_files_given_to_the_synthetic_source_are_a_config_error_not_ignored(tmp_path, given):
    value = {"dir": str(tmp_path), "path": str(tmp_path / "mine.duckdb"), "tables": {"production": {"kind": "parquet", "path": "p"}}}
    with pytest.raises(ConfigError, match=rf"^data.{given} is set but the data source is the synthetic mine; expected data=parquet_dir"):
        load_mine(synthetic={"years": 0.25}, **{given: value[given]})


def test_missing_tables_unknown_tables_and_bad_sources(tmp_path):
    folder = write_tiny_mine(tmp_path / "m")
    (folder / "mines.parquet").unlink()
    with pytest.raises(DataError, match="data has no 'mines' table"):
        load_mine(dir=str(folder))
    with pytest.raises(DataError, match="unknown table 'weather'"):
        load_mine(dir=str(write_tiny_mine(tmp_path / "n")), tables={"weather": {"kind": "csv", "path": "w.csv"}})
    with pytest.raises(DataError, match="unknown source kind 'excel'"):
        read_table("excel", "x.xlsx")
    with pytest.raises(DataError, match="not found"):
        read_table("csv", str(tmp_path / "absent.csv"))
    with pytest.raises(DataError, match="column map names 'Ore'"):
        read_table("parquet", str(tmp_path / "n" / "production.parquet"), columns={"Ore": "ore_t"})
    with pytest.raises(DataError, match="filter op '~' is unknown"):
        read_table("parquet", str(tmp_path / "n" / "production.parquet"), filters=[{"column": "ore_t", "op": "~", "value": 1}])


def test_meter_id_joins_the_hourly_key_when_present():
    stamps = [dt.datetime(2024, 1, 1, h) for h in (0, 1)] * 2
    frame = pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "drilling", "resource": "electricity",
                          "meter_id": ["a", "a", "b", "b"], "quantity": 1.0})
    assert validate("consumption_hourly", frame.lazy(), "meters").collect().height == 4
    with pytest.raises(DataError, match="duplicate rows for mine_id=M1, activity=drilling, resource=electricity, timestamp"):
        validate("consumption_hourly", frame.drop("meter_id").lazy(), "meters")


def test_read_file_reads_csv_parquet_arff_and_rejects_bad_files(tmp_path):
    from minectl.data.sources import read_file

    csv = tmp_path / "prices.csv"
    csv.write_text("month,price\n" + "1970-01,\n" * 200 + "1990-01,41.5\n")  # types only appear late
    assert read_file(csv)["price"].drop_nulls().to_list() == [41.5]
    arff_file = tmp_path / "bumps.arff"
    arff_file.write_text("@RELATION b\n@ATTRIBUTE energy NUMERIC\n@ATTRIBUTE class {0,1}\n@DATA\n10,0\n2500,1\n")
    frame = read_file(arff_file)
    assert frame.columns == ["energy", "class"] and frame["energy"].to_list() == [10.0, 2500.0]
    pl.DataFrame({"x": [1.0]}).write_parquet(tmp_path / "x.parquet")
    assert read_file(tmp_path / "x.parquet")["x"].to_list() == [1.0]
    (tmp_path / "empty.csv").write_text("month,price\n")
    for path, message in [
        (tmp_path / "absent.csv", "not found; expected the series as a"),
        (tmp_path / "x.xlsx", "unsupported series file type '.xlsx'"),
        (tmp_path / "empty.csv", "the series file has no rows"),
    ]:
        if path.suffix == ".xlsx":
            path.write_bytes(b"PK")
        with pytest.raises(DataError, match=message):
            read_file(path, "series")


def test_relative_inputs_resolve_from_the_project_root_when_absent_here(tmp_path, monkeypatch):
    from minectl.data.sources import PROJECT_ROOT, resolve_input

    monkeypatch.chdir(tmp_path)
    vendored = "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"
    assert resolve_input(vendored) == PROJECT_ROOT / vendored
    (tmp_path / "examples/data/pinksheet_coal").mkdir(parents=True)
    (tmp_path / vendored).write_text("month,price\n2024-01,1\n")
    assert resolve_input(vendored) == Path(vendored)  # the working dir wins
    assert resolve_input("nowhere.csv") == Path("nowhere.csv")
    frame = read_table("csv", "examples/data/taconite/production.csv")  # found under the project root
    assert frame.collect()["mine_id"].to_list()[:2] == ["Northshore", "United"]


def test_read_text_drops_a_utf8_byte_order_mark_and_refuses_other_bytes(tmp_path):
    from minectl.data.sources import read_text

    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfhead\trel\ttail\r\nh\tr\tt\r")
    assert read_text(tmp_path / "bom.txt", "utf-8", "triples") == read_text(tmp_path / "bom.txt", "ascii", "triples") == \
        "head\trel\ttail\nh\tr\tt\n"  # the mark before ASCII too, line ends as \n
    (tmp_path / "accent.txt").write_bytes(b"\xef\xbb\xbfcaf\xc3\xa9\n")
    with pytest.raises(DataError, match=r"accent.txt: not ascii text \(byte 6\); expected triples"):  # counted in the file
        read_text(tmp_path / "accent.txt", "ascii", "triples")
    (tmp_path / "latin.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin.txt: not utf-8 text \(byte 3\); expected triples"):
        read_text(tmp_path / "latin.txt", "utf-8", "triples")


def test_a_default_under_conf_resolves_to_the_shipped_config_from_any_working_dir(tmp_path, monkeypatch):
    from importlib import resources

    from minectl.data.sources import resolve_input
    from minectl.tasks.factors import SourcesConfig

    monkeypatch.chdir(tmp_path)
    [declared] = SourcesConfig().declared
    shipped = resources.files("minectl.conf").joinpath("factors/knowledge/open_pit_coal.yaml")
    assert resolve_input(declared).read_bytes() == shipped.read_bytes()
