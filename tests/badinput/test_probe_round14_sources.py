"""Round 14 probe of the data sources: values after polars' first 100 rows, compressed and binary files, and
commas inside values.

Before: a `Total` row, a line of spaces or a time among days after a csv's first 100 rows failed the read with
polars' own lines ("could not parse `Total` as dtype `date` ... You might want to try: - increasing
`infer_schema_length`"); an xz, bzip2 or zstd file named .csv was "UTF-16 text (Excel's 'Unicode Text' export?)"; a
decimal comma in a comma-separated file (12,5 unquoted) was said to make the header "a title above the column names".
"""

from __future__ import annotations

import bz2
import datetime as dt
import lzma
from pathlib import Path

import polars as pl
import pytest

from minectl.data.contract import validate
from minectl.data.sources import read_file, read_table
from minectl.errors import DataError

HEADER = "date,mine_id,ore_t,drilled_m,haul_km\n"
DAYS = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(120)]


def _validated(path: Path) -> pl.DataFrame:
    return validate("production", read_table("csv", str(path)), str(path)).collect()


def _production(path: Path, last: str) -> Path:
    """120 days of 100 + i tonnes, then the line ``last`` (row 121)."""
    path.write_text(HEADER + "".join(f"{day},M1,{100 + i},10,2\n" for i, day in enumerate(DAYS)) + last + "\n")
    return path


# -- a value after the first 100 rows in another form than theirs ---------------------------------

@pytest.mark.parametrize("last, odd", [
    ("Total,,12000,1200,240", "'Total'"),  # a spreadsheet's sum row
    ("    ", "'    '"),  # a line of spaces: one value of spaces to the csv reader, not a blank line
    ("2024-06-01 00:00:00,M1,1,10,2", "'2024-06-01 00:00:00'"),  # a time among days: the time reader reads days too
], ids=["a total row", "a line of spaces", "a time among days"])
def test_a_value_after_100_rows_unlike_them_is_named_with_its_row(last, odd, tmp_path):
    path = _production(tmp_path / "production.csv", last)
    with pytest.raises(DataError) as refused:
        _validated(path)
    assert str(refused.value) == (
        f"{path}: column 'date' of table 'production' holds text (String), not dates; expected Date values (store them as a date "
        "type, e.g. CAST(date AS DATE) in a query; a kind: csv source parses date text such as 2024-01-31, 31.01.2024 or "
        f"1/31/2024: this one has {odd} at row 121, in another form than '2024-01-01' at row 1 (a zone or offset among naive "
        "times, an hour 24:00 of a stamp at the hour's end, or two forms of date in one column))")


def test_rows_after_100_in_the_first_rows_form_still_read(tmp_path):
    # near misses: a 121st day, and hourly stamps whose 'T' turns to a space after 120 rows (both forms ISO 8601)
    read = _validated(_production(tmp_path / "production.csv", "2024-04-30,M1,7.5,10,2"))
    assert read.height == 121 and read["ore_t"].sum() == sum(100 + i for i in range(120)) + 7.5
    assert read["date"][-1] == dt.date(2024, 4, 30)
    hours = [dt.datetime(2024, 1, 1) + dt.timedelta(hours=h) for h in range(130)]
    path = tmp_path / "hourly.csv"
    path.write_text("timestamp,mine_id,activity,resource,quantity\n" + "".join(
        f"{hour.isoformat(sep='T' if h < 120 else ' ')},M1,hauling,electricity,{h}\n" for h, hour in enumerate(hours)))
    read = validate("consumption_hourly", read_table("csv", str(path)), str(path)).collect()
    assert read["timestamp"].to_list() == hours and read["quantity"].sum() == sum(range(130))


# -- compressed and binary files named .csv -------------------------------------------------------

TEXT = (HEADER + "2024-01-01,M1,100,10,2\n").encode()


@pytest.mark.parametrize("data, what", [
    (lzma.compress(TEXT), "an xz-compressed file (decompress it), not text"),
    (bz2.compress(TEXT), "a bzip2-compressed file (decompress it), not text"),
    # zstd's frame magic and header as `zstd` writes them (no zstd module here): only its first bytes are read
    (bytes.fromhex("28b52ffd2400b10000") + TEXT, "a zstd-compressed file (decompress it), not text"),
    ("sqlite", "binary data (a zero byte at byte 15), not text"),  # a SQLite database: 'SQLite format 3', a zero byte
    # near misses: UTF-16 still said as such, with or without its byte-order mark, also for letters beyond ASCII
    ("日期,矿山,产量\n二〇二四,矿一,一百\n".encode("utf-16-le"), "UTF-16 text (Excel's 'Unicode Text' export?)"),
    (TEXT.decode().encode("utf-16-be"), "UTF-16 text (Excel's 'Unicode Text' export?)"),
    (TEXT.decode().encode("utf-16"), "UTF-16 text (Excel's 'Unicode Text' export?)"),
], ids=["xz", "bzip2", "zstd", "binary", "utf-16 le cjk", "utf-16 be", "utf-16 bom"])
def test_a_compressed_or_binary_csv_is_named_as_what_it_is(data, what, tmp_path):
    path = tmp_path / "production.csv"
    if data == "sqlite":
        import sqlite3

        with sqlite3.connect(path) as database:
            database.execute("CREATE TABLE production (date TEXT, mine_id TEXT, ore_t REAL)")
        database.close()
    else:
        path.write_bytes(data)
    for read in (_validated, read_file):
        with pytest.raises(DataError) as refused:
            read(path)
        assert str(refused.value) == f"{path}: {what}; expected UTF-8 text (a spreadsheet's 'CSV UTF-8' export)"


# -- a comma inside a value of a comma-separated file ---------------------------------------------

def test_an_unquoted_decimal_comma_names_its_line_not_a_title(tmp_path):
    path = tmp_path / "production.csv"  # was: "the first line, 'date,mine_id,...', looks like a title above the column names"
    path.write_text(HEADER + "2024-01-01,M1,100,10,2\n2024-01-02,M1,12,5,10,2\n")
    hint = ("expected the column names in the first line and as many values in every row (line 3 has 6 values for 5 columns: a "
            "value with a comma in it, unquoted (a decimal comma: 12,5)? quote such values, or separate the columns by another "
            "separator)")
    with pytest.raises(DataError) as refused:
        _validated(path)
    assert str(refused.value) == f"{path}: unreadable as csv (found more fields than defined in 'Schema'); {hint}"
    prices = tmp_path / "prices.csv"
    prices.write_text("month,price\n2024-01,12,5\n2024-02,13,5\n")
    with pytest.raises(DataError) as refused:
        read_file(prices)
    assert str(refused.value).endswith(hint.replace("line 3 has 6 values for 5", "line 2 has 3 values for 2"))
    # near misses: the value quoted reads as the decimal it is; a title above the header is still said to be one
    path.write_text(HEADER + '2024-01-01,M1,100,10,2\n2024-01-02,M1,"12,5",10,2\n')
    assert _validated(path)["ore_t"].to_list() == [100.0, 12.5]
    prices.write_text("Coal prices\nmonth,price\n2024-01,12.5\n")
    with pytest.raises(DataError, match="the first line, 'Coal prices', looks like a title above the column names"):
        read_file(prices)


# -- ARFF rows separated by tabs or spaces (Weka reads a comma as white space) -----------------------

SEISMIC = Path(__file__).resolve().parents[3] / "shared" / "data" / "seismic_bumps" / "seismic-bumps.arff"


@pytest.mark.parametrize("separator", ["\t", " ", ",\t"], ids=["tabs", "spaces", "comma and tab"])
def test_arff_rows_separated_by_white_space_read_as_weka_reads_them(separator, tmp_path):
    if not SEISMIC.is_file():
        pytest.skip(f"the real seismic-bumps data set is not at {SEISMIC} (see ../shared/data/README.md)")
    header, rows = SEISMIC.read_text().split("@data", 1)
    path = tmp_path / "seismic.arff"  # was: "BadLayout: Invalid layout of the ARFF file, at line 154"
    path.write_text(header + "@data" + rows.replace(",", separator))
    read = read_file(path)
    # the data set's 2,584 shifts and 170 bumps (README), its first row as the file writes it
    assert read.equals(read_file(SEISMIC)) and read.shape == (2584, 19) and (read["class"] == "1").sum() == 170
    assert read.row(0) == ("a", "a", "N", 15180.0, 48.0, -72.0, -72.0, "a", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "0")


def test_quoted_arff_values_keep_their_spaces_and_commas(tmp_path):
    path = tmp_path / "crews.arff"
    path.write_text("@relation crews\n@attribute name string\n@attribute hours numeric\n@attribute night {yes,no}\n@data\n"
                    "'O Brien'\t7.5\tyes\n\"Smith, J.\"  8  no\n{0 Lee, 1 6}\n% a comment line\n'Ng',9.25,no\n")
    read = read_file(path)
    assert read.rows() == [("O Brien", 7.5, "yes"), ("Smith, J.", 8.0, "no"), ("Lee", 6.0, "yes"), ("Ng", 9.25, "no")]


# -- a source key that its kind does not read -----------------------------------------------------

def test_a_query_or_dsn_on_a_source_that_reads_none_is_refused(tmp_path):
    from conftest import write_tiny_mine
    from harness import assert_refused

    from minectl.data.mine import load_mine

    mine = write_tiny_mine(tmp_path / "mine")
    production = tmp_path / "production.csv"
    pl.read_parquet(mine / "production.parquet").write_csv(production)
    (mine / "production.parquet").unlink()
    config = tmp_path / "conf" / "data"
    config.mkdir(parents=True)
    # was exit 0: the query read as nothing, every row of the csv costed (M1's 460 t, where the query selects none)
    (config / "mine.yaml").write_text(f"name: mine\ndir: {mine}\ntables:\n  production: {{kind: csv, path: {production}, "
                                      "query: \"SELECT * FROM production WHERE mine_id = 'M2'\"}\n")
    run = tmp_path / "run"
    assert_refused(["cost", "-cd", tmp_path / "conf", "data=mine", "report=false", f"hydra.run.dir={run}"],
                   "error: data.tables.production: a csv source has a query, which a csv source does not read; expected query "
                   "on a duckdb or postgres source only: leave it out or null (a csv source reads path; filters select its rows)",
                   inputs=[mine, production], run_dir=run)
    with pytest.raises(DataError, match="^data.tables.production: a parquet source has a dsn, which a parquet source does not read; expected dsn on a "
                                        "postgres source only: leave it out or null"):
        load_mine(dir=str(mine), tables={"production": {"kind": "parquet", "path": str(mine / "equipment.parquet"),
                                                        "dsn": "postgresql://u@db/mine"}})
    # near misses: the csv alone, its rows selected by a filter, and a duckdb file with its query, read
    tables = {"production": {"kind": "csv", "path": str(production), "filters": [{"column": "mine_id", "op": "==", "value": "M1"}]}}
    assert load_mine(dir=str(mine), tables=tables).tables["production"].collect()["ore_t"].sum() == 460.0
    import duckdb

    with duckdb.connect(str(tmp_path / "mine.duckdb")) as con:
        con.execute(f"CREATE TABLE production AS SELECT * FROM read_csv('{production}')")
    assert read_table("duckdb", str(tmp_path / "mine.duckdb"), "production").collect()["ore_t"].sum() == 460.0
