"""csv files separated by semicolons or tabs, as regional spreadsheets (Excel's csv in most of
Europe, South Africa, South America: `date;kWh` / `01.03.2024;1.234,5`) and tab-separated text
export them: read with their decimal commas and thousands points, as the comma file they stand for;
a column whose numbers read two ways (1.234: a thousand or one and a bit) is refused in one line.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import write_tiny_mine
from csv_series import MONTHS, PRICES, assert_series_refused, metrics, uncertainty, write
from harness import assert_refused

from minectl.data.sources import read_file, scan_dated_csv
from minectl.features.series import parse_dates

# -- the numbers read ----------------------------------------------------------------------------

REGIONAL = "date;kWh;count;share;site\n01.03.2024;1.234,5;1.234.567;0,25;A\n2.3.2024;12,5;7;-1,5;B\n03.03.2024;-1.000.000,75;12;NA;C\n"
# the same table, comma-separated with decimal points
COMMA = "date,kWh,count,share,site\n01.03.2024,1234.5,1234567,0.25,A\n2.3.2024,12.5,7,-1.5,B\n03.03.2024,-1000000.75,12,NA,C\n"


@pytest.mark.parametrize("separator", [";", "\t"])
def test_decimal_commas_and_thousands_points_are_read_as_numbers(separator, tmp_path):
    frame = read_file(write(tmp_path / "regional.csv", REGIONAL.replace(";", separator)))
    assert frame["kWh"].dtype == pl.Float64 and frame["kWh"].to_list() == [1234.5, 12.5, -1000000.75]
    assert frame["count"].dtype == pl.Int64 and frame["count"].to_list() == [1234567, 7, 12]  # 1.234.567: only thousands
    assert frame["share"].to_list() == [0.25, -1.5, None]  # NA: missing, as in a comma file
    assert frame["site"].to_list() == ["A", "B", "C"]
    assert frame.equals(read_file(write(tmp_path / "comma.csv", COMMA)))


def test_the_cost_source_reads_a_semicolon_file_as_the_comma_file_lazily(tmp_path):
    regional = scan_dated_csv(write(tmp_path / "regional.csv", REGIONAL))
    assert isinstance(regional, pl.LazyFrame)
    frame = regional.collect()
    assert frame["date"].to_list() == [dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2024, 3, 3)]  # dotted: day first
    assert frame["kWh"].to_list() == [1234.5, 12.5, -1000000.75] and frame["count"].to_list() == [1234567, 7, 12]
    assert frame.drop("share").equals(scan_dated_csv(write(tmp_path / "comma.csv", COMMA)).collect().drop("share"))
    assert frame["share"].to_list() == [0.25, -1.5, None]  # a marker: missing, as 'NA' in a comma source and in read_file


def test_point_decimals_in_a_semicolon_file_are_decimals(tmp_path):
    """No decimal comma anywhere: 12.5 is twelve and a half; and where another column shows point
    decimals, so is 1.234 (the point is the file's decimal separator)."""
    frame = read_file(write(tmp_path / "points.csv", "a;b;c\n12.5;1.234;0.125\n3;2.5;1\n"))
    assert frame["a"].to_list() == [12.5, 3.0] and frame["b"].to_list() == [1.234, 2.5] and frame["c"].to_list() == [0.125, 1.0]
    frame = read_file(write(tmp_path / "shown.csv", "a;b\n12.5;1.234\n3.25;2.345\n"))
    assert frame["b"].to_list() == [1.234, 2.345]


def test_a_comma_file_reads_as_before(tmp_path):
    """A quoted name may hold a semicolon; thousands commas with a point stay the comma file's rule."""
    frame = read_file(write(tmp_path / "c.csv", 'date,"price;usd"\n2024-01,"1,234.5"\n2024-02,"1,000.0"\n'))
    assert frame.columns == ["date", "price;usd"] and frame["price;usd"].to_list() == [1234.5, 1000.0]
    assert read_file(write(tmp_path / "one.csv", "value\n1.234\n"))["value"].to_list() == [1.234]


def test_dotted_dates_are_read_day_first():
    dates = parse_dates(pl.Series("d", ["01.03.2024", "1.3.2024", "31.12.2023", "2024-03-01"]), "x")
    assert dates.to_list() == [dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 1), dt.datetime(2023, 12, 31), dt.datetime(2024, 3, 1)]


# -- the same metrics as the comma file ----------------------------------------------------------





def test_uncertainty_of_a_semicolon_series_equals_the_comma_ones(tmp_path):
    regional = "".join(f"{m:%d.%m.%Y};{f'{p:_.2f}'.replace('.', ',').replace('_', '.')}\n" for m, p in zip(MONTHS, PRICES, strict=True))
    assert regional.splitlines()[0] == "01.01.2020;1.100,50"
    semicolons = metrics(uncertainty(write(tmp_path / "regional.csv", "m;v\n" + regional)), tmp_path / "a")
    comma = "".join(f"{m:%Y-%m-%d},{p}\n" for m, p in zip(MONTHS, PRICES, strict=True))
    commas = metrics(uncertainty(write(tmp_path / "comma.csv", "m,v\n" + comma)), tmp_path / "b")
    assert semicolons == commas and len(commas) > 5


def test_cost_from_a_semicolon_production_table_equals_the_comma_one(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    production = pl.read_parquet(folder / "production.parquet").with_columns(ore_t=pl.Series([1100.5, 1110.25, 0.0, 1120.0, 1130.75]))
    production.write_csv(folder / "comma.csv")
    (folder / "regional.csv").write_text("date;mine_id;ore_t;drilled_m;haul_km\n" + "".join(
        f"{d:%d.%m.%Y};{m};{f'{o:_.2f}'.replace('.', ',').replace('_', '.')};{str(dr).replace('.', ',')};{str(h).replace('.', ',')}\n"
        for d, m, o, dr, h in production.iter_rows()))
    assert (folder / "regional.csv").read_text().splitlines()[1] == "01.01.2024;M1;1.100,50;10,0;2,0"
    # quoted decimal commas in a comma file, as Kaggle's flotation plant data writes them ("1.100,5", "2,0")
    (folder / "quoted.csv").write_text("date,mine_id,ore_t,drilled_m,haul_km\n" + "".join(
        f'{d},{m},"{f"{o:_}".replace(".", ",").replace("_", ".")}","{str(dr).replace(".", ",")}0","{str(h).replace(".", ",")}"\n'
        for d, m, o, dr, h in production.iter_rows()))
    assert (folder / "quoted.csv").read_text().splitlines()[1] == '2024-01-01,M1,"1.100,5","10,00","2,0"'
    runs = {}
    for name in ("comma", "regional", "quoted"):
        conf = tmp_path / f"conf_{name}" / "data"
        conf.mkdir(parents=True)
        (conf / "csv_mine.yaml").write_text(f"defaults:\n  - parquet_dir\n  - _self_\ntables:\n  production: {{kind: csv, path: '{folder / f'{name}.csv'}'}}\n")
        runs[name] = metrics(["cost", "-cd", conf.parent, "data=csv_mine", f"data.dir={folder}"], tmp_path / f"run_{name}")
    assert runs["regional"] == runs["comma"] == runs["quoted"] and runs["comma"]


# -- refused in one line -------------------------------------------------------------------------

SERIES_CASES = {
    # 1.103 is 1103 in a regional export and 1.103 in a point-decimal one: either read would be a guess
    "thousands or decimal point": ("m;v\n" + "".join(f"{m:%Y-%m};{1100 + 3 * i:_}\n".replace("_", ".") for i, m in enumerate(MONTHS)),
                                   "column 'v' has numbers such as '1.100', which read as 1100 (a thousands point) or as 1.100 "
                                   "(a decimal point); expected 1100 or 1.100,0 for the first"),
    "two decimal separators": ("m;v\n" + "".join(f"{m:%Y-%m};{'12.5' if i == 4 else '1.100,5'}\n" for i, m in enumerate(MONTHS)),
                               "column 'v' has both '1.100,5' and '12.5'; expected one decimal separator in a column"),
    "mixed header": ("m;v,w\n" + "".join(f"{m:%Y-%m};1\n" for m in MONTHS),
                     "the header mixes commas and semicolons ('m;v,w'); expected one separator between the column names"),
    # Excel's separator hint: read on, the header became a row of values under columns 'sep=' and ''
    "a sep= line first": ("sep=;\nm;v\n" + "".join(f"{m:%Y-%m};1\n" for m in MONTHS),
                          "the first line 'sep=;' is a spreadsheet's separator hint, not the header"),
    "a name twice in a tab header": ("m\tv\tv\n" + "".join(f"{m:%Y-%m}\t1\t2\n" for m in MONTHS),
                                   "column 'v' appears 2 times in the header"),
}


@pytest.mark.parametrize("case", SERIES_CASES)
def test_series_files_read_two_ways_are_refused(case, tmp_path):
    assert_series_refused(tmp_path, *SERIES_CASES[case])


def test_an_ambiguous_column_of_a_mine_table_is_refused(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    write(folder / "production.csv", "date;mine_id;ore_t;drilled_m;haul_km\n"
           + "".join(f"0{d}.01.2024;M1;1.{d}00;10;2\n" for d in range(1, 6)))
    (tmp_path / "conf" / "data").mkdir(parents=True)
    (tmp_path / "conf" / "data" / "csv_mine.yaml").write_text(
        f"defaults:\n  - parquet_dir\n  - _self_\ntables:\n  production: {{kind: csv, path: '{folder / 'production.csv'}'}}\n")
    run = tmp_path / "run"
    assert_refused(["cost", "-cd", tmp_path / "conf", "data=csv_mine", f"data.dir={folder}", f"hydra.run.dir={run}"],
                   ["data.tables.production", "production.csv: column 'ore_t' has numbers such as '1.100'"], inputs=[folder], run_dir=run)
