"""Round 11 probe of the data sources: a csv file as real exports write it, read by a `kind: csv`
source (scan_dated_csv) and by the single-file inputs (read_file)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused, invoke

from minectl.data.sources import read_file, read_table, scan_dated_csv
from minectl.data.values import numeric
from minectl.errors import DataError

# the tiny mine's production (tests/conftest.py), as a csv; its cost is 2975 CNY (85 CNY/h x 35 h of hauling labour)
HEADER = "date,mine_id,ore_t,drilled_m,haul_km"
ROWS = "".join(f"2024-01-0{i + 1},M1,{t},10.0,2.0\n" for i, t in enumerate([100.0, 110, 0, 120, 130]))
TINY_COST = 2975.0


def _cost_with_production_csv(tmp_path: Path, text: str) -> tuple[list[str], Path, Path]:
    """The `minectl cost` arguments of the tiny mine with its production read from a csv of ``text``,
    the run folder and the csv."""
    folder = write_tiny_mine(tmp_path / "mine")
    (folder / "production.parquet").unlink()
    path = tmp_path / "production.csv"
    path.write_text(text)
    (tmp_path / "conf" / "data").mkdir(parents=True)
    (tmp_path / "conf" / "data" / "csv_mine.yaml").write_text(
        f"defaults:\n  - parquet_dir\n  - _self_\ntables:\n  production: {{kind: csv, path: '{path}'}}\n")
    run = tmp_path / "run"
    return ["cost", "-cd", tmp_path / "conf", "data=csv_mine", f"data.dir={folder}", f"hydra.run.dir={run}"], run, path


def _total(args: list[str], run: Path) -> float:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())["cost.total"]


# -- names with spaces around them ----------------------------------------------------------------

@pytest.mark.parametrize("header", [HEADER, "date, mine_id, ore_t , drilled_m,\u00a0haul_km", "date ;mine_id ;ore_t;drilled_m;haul_km"])
def test_a_csv_source_reads_names_with_spaces_around_them_as_read_file_does(header, tmp_path):
    # refused as "table 'production' has no column 'mine_id' (it has ' mine_id')", where read_file read the same file
    text = header + "\n" + (ROWS.replace(",", ";").replace(".", ",") if ";" in header else ROWS)
    args, run, _ = _cost_with_production_csv(tmp_path, text)
    assert _total(args, run) == TINY_COST


def test_names_alike_once_trimmed_are_refused_in_a_csv_source(tmp_path):
    args, run, path = _cost_with_production_csv(tmp_path, HEADER.replace("drilled_m", "ore_t ") + "\n" + ROWS)
    assert_refused(args, [str(path), "column 'ore_t' appears 2 times in the header (spaces around names aside); expected unique column names"],
                   inputs=[path], run_dir=run)


# -- a title line above the header, exported with the sheet's width -------------------------------

def test_a_title_line_with_trailing_separators_is_refused_naming_it(tmp_path):
    # said "table 'production': an empty column name ('')", naming no title
    args, run, path = _cost_with_production_csv(tmp_path, "Production report,,,,\n" + HEADER + "\n" + ROWS)
    assert_refused(args, [str(path), "the first line, 'Production report,,,,', names one column and the next line 5: a title above the "
                          "column names? expected the column names in the first line"], inputs=[path], run_dir=run)


@pytest.mark.parametrize("text", ["Pink Sheet coal prices;;\n;;\nmonth;price;x\n2024-01;1;2\n2024-02;3;4\n",
                                  "Pink Sheet coal prices,,\nmonth,price,x\n2024-01,1,2\n2024-02,3,4\n"], ids=["semicolons and a blank row", "commas"])
def test_read_file_refuses_a_title_line_with_trailing_separators(text, tmp_path):
    # said "the header ends in 2 empty column names, and a column of them holds values"
    path = tmp_path / "series.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=r"the first line, 'Pink Sheet coal prices[,;]{2}', names one column and the next line 3: a title"):
        read_file(path)
    with pytest.raises(DataError, match="a title above the column names"):
        scan_dated_csv(path)


def test_a_one_column_table_with_spacer_columns_still_reads(tmp_path):
    # near miss: one name, empty ones after it, and rows whose values stop at the named column
    path = tmp_path / "prices.csv"
    path.write_text("price,,\n350.5,,\n351,,\n")
    assert read_file(path).to_dict(as_series=False) == {"price": [350.5, 351.0]}
    assert scan_dated_csv(path).collect()["price"].to_list() == [350.5, 351.0]


def test_a_quote_never_closed_in_the_header_is_no_crash_of_the_title_check(tmp_path):
    # the title check reads the first rows with Python's csv module, whose field limit (128 KiB) a quote never closed
    # passes (a traceback); read_file's line named the limit alone, not the quote, and a source read an empty table
    path = tmp_path / "series.csv"
    path.write_text('date,"v\n' + "2024-01-01,1\n" * 20_000)
    for read in (read_file, scan_dated_csv):
        with pytest.raises(DataError, match=r"series.csv: line 1, the header, has a quote that is never closed \('\"v'\)"):
            read(path)


def test_one_name_above_a_row_of_values_is_no_title(tmp_path):
    # near miss: a header `price,` over values, a note in the unnamed column, reads as before
    path = tmp_path / "prices.csv"
    path.write_text("price,\n350,note\n351,\n")
    assert read_file(path)["price"].to_list() == [350, 351]


def test_a_csv_source_with_trailing_separators_costs_as_before(tmp_path):
    args, run, _ = _cost_with_production_csv(tmp_path, (HEADER + "\n" + ROWS).replace("\n", ",,\n"))
    assert _total(args, run) == TINY_COST


# -- whole numbers for polars' first 100 rows, then a decimal ---------------------------------------

DAYS = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(150)]


def _production(tmp_path: Path, ore: list[str]) -> Path:
    path = tmp_path / "production.csv"
    path.write_text(HEADER + "\n" + "".join(f"{d},{i % 7},{t},10,2.0\n" for i, (d, t) in enumerate(zip(DAYS, ore, strict=True))))
    return path


@pytest.mark.parametrize("late", ["100.5", "1.005e2", "NA"])
def test_a_csv_source_reads_a_decimal_after_100_rows_of_whole_numbers(late, tmp_path):
    # refused as "unreadable as csv (could not parse `100.5` as dtype `i64` at column 'ore_t')": polars infers from 100 rows
    ore = [str(100 + i) for i in range(150)]
    ore[140] = late
    frame = scan_dated_csv(_production(tmp_path, ore)).collect()
    assert frame.schema["ore_t"] == (pl.Int64 if late == "NA" else pl.Float64)  # a missing value among whole numbers
    expected = [100.0 + i for i in range(150)]
    expected[140] = None if late == "NA" else 100.5
    assert frame["ore_t"].to_list() == expected
    assert frame["ore_t"].sum() == sum(100 + i for i in range(150)) - 240 + (0 if late == "NA" else 100.5)
    # the other integer columns stay integers: a number id reads as '3', not '3.0'
    assert frame.schema["mine_id"] == pl.Int64 and frame.schema["drilled_m"] == pl.Int64


def test_whole_numbers_throughout_stay_integers(tmp_path):
    frame = scan_dated_csv(_production(tmp_path, [str(100 + i) for i in range(150)])).collect()
    assert frame.schema["ore_t"] == pl.Int64 and frame["ore_t"].sum() == 150 * 100 + 149 * 150 // 2


# -- accounting negatives --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["(1,200)", "( 1200 )", "1200-", "1.200,5-"])
def test_accounting_negatives_are_refused_saying_how_to_write_them(value):
    # said only "has 1 values that are not numbers (first at row 2: '(1,200)'); expected numbers"
    frame = pl.DataFrame({"v": ["350", value, "360", "370"]})
    with pytest.raises(DataError, match=rf"column 'v' has 1 negatives written as accounts write them \(first at row 2: '{re.escape(value)}'\); "
                                        r"expected a leading minus sign"):
        numeric(frame, "v", "series.csv")


def test_a_note_in_parentheses_is_still_text_that_is_no_number():
    with pytest.raises(DataError, match=r"column 'v' has 1 values that are not numbers \(first at row 2: '\(est\)'\); expected numbers"):
        numeric(pl.DataFrame({"v": ["350", "(est)", "360"]}), "v", "series.csv")


# -- a logger's file padded with zeros; a quoted separator hint --------------------------------------

@pytest.mark.parametrize("end", ["\x00" * 512, "\x00" * 512 + "\r\n"], ids=["zeros", "zeros and a line end"])
def test_a_file_ending_in_nul_bytes_is_refused_naming_them(end, tmp_path):
    # read_file said "line 4 has 1 values for 2 columns", a source "'date' holds text ... this one has '\x00\x00...'"
    path = tmp_path / "meter.csv"
    path.write_text("date,v\n2024-01-01,1\n2024-01-02,2\n" + end)
    for read in (read_file, scan_dated_csv):
        with pytest.raises(DataError, match=r"meter.csv: the file ends in NUL bytes \(0x00, from byte 33\): a file cut short by a crash"):
            read(path)


def test_an_arff_file_ending_in_nul_bytes_is_refused_naming_them(tmp_path):
    # liac-arff said "Bad @DATA instance format in line 7: " and the 64 zeros
    path = tmp_path / "runs.arff"
    path.write_bytes(b"@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1,2\n3,4\n" + b"\x00" * 64)
    with pytest.raises(DataError, match=r"runs.arff: the file ends in NUL bytes \(0x00, from byte 68\)"):
        read_file(path)


def test_a_file_ending_in_zeros_and_blank_lines_still_reads(tmp_path):
    # near miss: a last value 0 (the character, not the byte) and an editor's blank lines
    path = tmp_path / "meter.csv"
    path.write_text("date,v\n2024-01-01,1\n2024-01-02,2\n2024-01-03,0\r\n\r\n\n")
    assert read_table("csv", str(path)).collect()["v"].to_list() == [1, 2, 0]
    assert read_file(path)["v"].to_list() == [1, 2, 0]


@pytest.mark.parametrize("hint", ['"sep=,"', '"sep=;"'])
def test_a_quoted_separator_hint_is_refused_as_one(hint, tmp_path):
    # said "the first line, 'sep=,', looks like a title above the column names"
    path = tmp_path / "prices.csv"
    path.write_text(f"{hint}\nmonth,price\n2024-01,350\n")
    with pytest.raises(DataError, match=r"the first line '\"sep=[,;]\"' is a spreadsheet's separator hint, not the header"):
        read_file(path)


def test_blank_lines_at_the_end_of_a_daily_table_are_no_rows(tmp_path):
    # factors.sources.data reads a daily csv with scan_dated_csv: two blank lines were two rows of nulls,
    # refused as "mine_id None, date None in two rows; expected one row per day and mine (a table appended twice?)"
    text = "date,mine_id,cost\n2024-01-01,M1,10.5\n2024-01-02,M1,11\n"
    plain, blank = tmp_path / "daily.csv", tmp_path / "daily_blank.csv"
    plain.write_text(text)
    blank.write_text(text + "\n\n,,\n")
    assert scan_dated_csv(blank).collect().to_dict(as_series=False) == scan_dated_csv(plain).collect().to_dict(as_series=False) == {
        "date": [dt.date(2024, 1, 1), dt.date(2024, 1, 2)], "mine_id": ["M1", "M1"], "cost": [10.5, 11.0]}


# -- a regional spreadsheet's scientific format; minus signs that are no '-' ------------------------

SCIENTIFIC = "date;v\n01.01.2024;1,5E+03\n02.01.2024;2,25E-02\n03.01.2024;12,5\n04.01.2024;1E+03\n"


def test_a_semicolon_file_reads_decimal_commas_in_scientific_format(tmp_path):
    # Excel's 0,00E+00 format in a European locale: left as text, refused as "values that are not numbers"
    path = tmp_path / "assays.csv"
    path.write_text(SCIENTIFIC)
    expected = [1500.0, 0.0225, 12.5, 1000.0]
    assert read_file(path)["v"].to_list() == expected
    assert scan_dated_csv(path).collect()["v"].to_list() == expected


def test_scientific_format_beside_decimal_points_is_still_refused_as_two_separators(tmp_path):
    # near miss: '1.5E+03' beside '2,25E-02' shows both separators in one column
    path = tmp_path / "assays.csv"
    path.write_text(SCIENTIFIC.replace("1,5E+03", "1.5E+03"))
    with pytest.raises(DataError, match=r"column 'v' has both '2,25E-02' and '1.5E\+03'; expected one decimal separator in a column"):
        read_file(path)


@pytest.mark.parametrize(("dash", "name"), [("\u2212", "U+2212 MINUS SIGN"), ("\u2013", "U+2013 EN DASH")])
def test_a_minus_sign_that_is_no_hyphen_is_refused_naming_it(dash, name):
    # said "has 1 values that are not numbers (first at row 3: '−12.5'); expected numbers": it prints as a number
    frame = pl.DataFrame({"v": ["350", "(est)", f"{dash}12.5", "360"]})
    with pytest.raises(DataError, match=rf"column 'v' has 1 numbers whose minus sign is {re.escape(name)} \(first at row 3: '{dash}12.5'\); "
                                        r"expected the minus sign '-' \(U\+002D"):
        numeric(frame, "v", "series.csv")


# -- a csv that is no text: compressed, a workbook, a parquet file ----------------------------------

def _zipped(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:  # an .xlsx workbook is a zip archive of xml files
        archive.writestr("[Content_Types].xml", "<Types/>")


def _binary_cases() -> dict:
    import gzip

    return {
        "gzip": (lambda path: path.write_bytes(gzip.compress(b"date,v\n2024-01-01,1\n")), "a gzip-compressed file (decompress it)"),
        "xlsx renamed": (_zipped, "a zip archive (an .xlsx workbook, or files zipped"),
        "parquet": (lambda path: pl.DataFrame({"date": [dt.date(2024, 1, 1)], "v": [1.0]}).write_parquet(path),
                    "a parquet file (kind: parquet reads it)"),
    }


@pytest.mark.parametrize("case", list(_binary_cases()))
def test_a_binary_file_given_as_a_csv_is_named_for_what_it_is(case, tmp_path):
    # a zip or parquet file was "UTF-16 text (Excel's 'Unicode Text' export?)", its zero bytes read as UTF-16's
    write, expect = _binary_cases()[case]
    path = tmp_path / "production.csv"
    write(path)
    for read in (read_file, scan_dated_csv):
        with pytest.raises(DataError, match=rf"production.csv: {re.escape(expect)}.*, not text; expected UTF-8 text"):
            read(path)


def test_a_header_starting_as_a_parquet_file_does_is_read(tmp_path):
    # near miss: parameter columns PAR1, PAR2 begin with a parquet file's magic
    path = tmp_path / "params.csv"
    path.write_text("PAR1,PAR2\n1.5,2\n")
    assert read_file(path).to_dict(as_series=False) == {"PAR1": [1.5], "PAR2": [2]}


@pytest.mark.parametrize(("write", "expect"), [
    (lambda path: path.write_text("date,v\n2024-01-01,1\n"), "text (a csv? kind: csv reads it); expected a DuckDB database file"),
    (lambda path: pl.DataFrame({"v": [1.0]}).write_parquet(path), "a parquet file (kind: parquet reads it); expected a DuckDB database file"),
    (lambda path: path.write_bytes(b"\x01\x02\xff\xfe" * 8), "no DuckDB header in its first bytes; expected a DuckDB database file"),
], ids=["csv", "parquet", "other bytes"])
def test_a_duckdb_source_that_is_no_duckdb_file_is_named_for_what_it_is(write, expect, tmp_path):
    # each was "query 'production' failed: IO Error: The file ... exists, but it is not a valid DuckDB database file!"
    # (a csv given by a relative path: "Catalog Error: Cannot launch in-memory database in read-only mode!")
    path = tmp_path / "mine.duckdb"
    write(path)
    with pytest.raises(DataError, match=rf"mine.duckdb: {re.escape(expect)}$"):
        read_table("duckdb", str(path), "production")


def test_a_duckdb_file_still_reads(tmp_path):
    import duckdb

    path = tmp_path / "mine.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE production AS SELECT DATE '2024-01-01' AS date, 'M1' AS mine_id, 100.5 AS ore_t")
    assert read_table("duckdb", str(path), "production").collect().to_dict(as_series=False) == {
        "date": [dt.date(2024, 1, 1)], "mine_id": ["M1"], "ore_t": [100.5]}


# -- two exports joined -------------------------------------------------------------------------------

def test_a_row_repeating_the_column_names_is_refused_naming_it(tmp_path):
    # said "column 'v' has 1 values that are not numbers (first at row 4: 'v'); expected numbers"
    path = tmp_path / "series.csv"
    path.write_text("m,v\n2020-01,100\n2020-02,104\n2020-03,108\nm,v\n2020-04,109\n")
    with pytest.raises(DataError, match=r"series.csv: row 4 repeats the column names \(m, v\): two files joined\? expected the names once"):
        read_file(path)


def test_two_utf8_exports_joined_are_refused_at_the_second_header(tmp_path):
    # each saved as Excel's 'CSV UTF-8' begins with a byte-order mark, and the second one's is inside row 3
    path = tmp_path / "series.csv"
    path.write_bytes("\ufeffm,v\n2020-01,100\n2020-02,104\n".encode() * 2)
    with pytest.raises(DataError, match=r"series.csv: row 3 repeats the column names \(m, v\)"):
        read_file(path)


def test_numbers_as_column_names_over_the_same_numbers_are_a_row(tmp_path):
    # near miss: a matrix whose columns are named 1, 2, 3, and a row holding 1, 2, 3
    path = tmp_path / "matrix.csv"
    path.write_text("1,2,3\n1,2,3\n4,5,6\n")
    assert read_file(path).to_dict(as_series=False) == {"1": [1, 4], "2": [2, 5], "3": [3, 6]}


# -- the contract's lines (applied from the helper's proposals) -------------------------------------

def test_a_number_the_contract_cannot_read_says_what_was_expected(tmp_path):
    # "has values that are not Float64 (found String; 1 such value, first at row 2: '(110)')" said nothing expected
    args, run, path = _cost_with_production_csv(tmp_path, HEADER + "\n" + ROWS.replace(",110,", ",(110),"))
    assert_refused(args, ["column 'ore_t' of table 'production' has values that are not Float64",
                          "'(110)'); expected plain numbers (-1200, 1234.5)"], inputs=[path], run_dir=run)


def _float_ids(tmp_path: Path, mine_id: float) -> list[str]:
    """The tiny mine with its mine_id a float column in every table, as a csv read it from Excel's General format."""
    folder = write_tiny_mine(tmp_path / "mine")
    for path in folder.glob("*.parquet"):
        table = pl.read_parquet(path)
        if "mine_id" in table.columns:
            table.with_columns(mine_id=pl.lit(mine_id, pl.Float64)).write_parquet(path)
    return ["cost", "data=parquet_dir", f"data.dir={folder}", f"hydra.run.dir={tmp_path / 'run'}"]


def test_ids_a_spreadsheet_wrote_in_scientific_format_are_refused(tmp_path):
    # Excel writes the id 123456789012 as 1.23457E+11: read as mine '123457000000', exit 0, its other digits gone
    assert_refused(_float_ids(tmp_path, 1.23457e11), "column 'mine_id' of table 'production' holds ids as numbers as large as "
                   "1.23457e+11", run_dir=tmp_path / "run")


def test_small_whole_number_float_ids_still_cost_as_text_ids(tmp_path):
    args = _float_ids(tmp_path, 1000.0)  # a pandas export of ids with a gap: 1000.0 is mine '1000'
    assert _total(args, tmp_path / "run") == TINY_COST
