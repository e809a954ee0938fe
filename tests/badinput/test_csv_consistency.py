"""A csv file reads alike wherever minectl reads one (a cost `kind: csv` source, the single-file
inputs, forecast series, declared triples): month-first dates (3/13/2024, with or without a
time), the names .tsv and tab-separated .txt, and digits grouped by spaces or apostrophes
(1 234,5 | 1'234.5), each giving the metrics of the plain comma file, or refused in one line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from csv_series import MONTHS, PRICES, assert_series_refused, metrics, uncertainty, write
from harness import assert_refused

from minectl.data.sources import read_file, scan_dated_csv
from minectl.features.series import parse_dates

REPO = Path(__file__).resolve().parents[2]




def _cost_with_production(tmp_path: Path, folder: Path, production: Path) -> list[object]:
    conf = tmp_path / f"conf_{production.name}" / "data"
    conf.mkdir(parents=True)
    (conf / "csv_mine.yaml").write_text(f"defaults:\n  - parquet_dir\n  - _self_\ntables:\n  production: {{kind: csv, path: '{production}'}}\n")
    return ["cost", "-cd", conf.parent, "data=csv_mine", f"data.dir={folder}"]


def _mine_from_the_10th(tmp_path: Path) -> Path:
    """The tiny mine moved to 10-14 January 2024: days above 12 show which number is the month."""
    folder = write_tiny_mine(tmp_path / "mine")
    for table in ("production", "consumption_daily", "equipment"):
        frame = pl.read_parquet(folder / f"{table}.parquet")
        frame.with_columns(pl.col("date") + pl.duration(days=9)).write_parquet(folder / f"{table}.parquet")
    return folder


# -- 1. month-first dates: the cost source reads them as parse_dates does ----------------------

@pytest.mark.slow
def test_cost_from_a_month_first_production_table_equals_the_iso_one(tmp_path):
    """1/13/2024 was text to polars, and the contract refused the column; also as .tsv, read by its header."""
    folder = _mine_from_the_10th(tmp_path)
    production = pl.read_parquet(folder / "production.parquet")
    production.write_csv(folder / "iso.csv")
    us = production.with_columns(pl.col("date").dt.strftime("%-m/%-d/%Y"))
    us.write_csv(folder / "us.csv")
    us.write_csv(folder / "us.tsv", separator="\t")
    assert (folder / "us.tsv").read_text().splitlines()[4] == "1/13/2024\tM1\t120.0\t10.0\t2.0"
    runs = {name: metrics(_cost_with_production(tmp_path, folder, folder / name), tmp_path / f"run_{name}")
            for name in ("iso.csv", "us.csv", "us.tsv")}
    assert runs["us.csv"] == runs["iso.csv"] == runs["us.tsv"] and runs["iso.csv"]


def test_an_impossible_month_first_date_of_a_cost_source_is_refused(tmp_path):
    folder = _mine_from_the_10th(tmp_path)
    text = pl.read_parquet(folder / "production.parquet").with_columns(pl.col("date").dt.strftime("%-m/%-d/%Y")).write_csv()
    production = write(folder / "production.csv", text.replace("1/11/2024", "2/30/2024"))
    run = tmp_path / "run"
    assert_refused([*_cost_with_production(tmp_path, folder, production), f"hydra.run.dir={run}"],
                   ["data.tables.production", "production.csv: column 'date' has '2/30/2024', which is no date; expected M/D/YYYY"],
                   inputs=[folder], run_dir=run)


DAY_ABOVE_12_LATE = "d,v\n" + "".join(f"3/{1 + i % 12}/2024,{i}\n" for i in range(150)) + "3/13/2024,150\n"


@pytest.mark.parametrize("text, first, last", [
    # polars guessed day first from its first 100 rows, and failed at the 151st
    (DAY_ABOVE_12_LATE, dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 13)),
    ("d,v\n3/13/2024 14:00,1\n12/1/2024 06:30:15,2\n", dt.datetime(2024, 3, 13, 14), dt.datetime(2024, 12, 1, 6, 30, 15)),
    ("d,v\n13-3-2024 14:00,1\n1-12-2024 06:30,2\n", dt.datetime(2024, 3, 13, 14), dt.datetime(2024, 12, 1, 6, 30)),
], ids=["a day above 12 after row 100", "month first with times", "day first with dashes and times"])
def test_the_cost_source_and_parse_dates_read_day_month_text_alike(text, first, last, tmp_path):
    path = write(tmp_path / "dates.csv", text)
    frame = scan_dated_csv(path)
    assert isinstance(frame, pl.LazyFrame)
    read = frame.collect()["d"]
    assert read.cast(pl.Datetime("us"))[[0, -1]].to_list() == [first, last]
    assert read.cast(pl.Datetime("us")).equals(parse_dates(pl.read_csv(path, infer_schema=False)["d"], str(path)))
    assert read.dtype == (pl.Date if ":" not in text else pl.Datetime("us"))  # as polars reads dates


DAYS = [dt.datetime(2020, 1, 1, 16, 30) + dt.timedelta(days=i) for i in range(400)]


@pytest.mark.slow
def test_a_forecast_of_month_first_timestamps_in_a_tsv_equals_the_iso_csv(tmp_path):
    """parse_dates read no D/M/YYYY text with a time (3/13/2024 16:30 was no date); and .tsv was no series file."""
    rows = [(d, 100 + i % 7 + i / 50) for i, d in enumerate(DAYS)]
    iso = write(tmp_path / "iso.csv", "date,value\n" + "".join(f"{d:%Y-%m-%d %H:%M},{v}\n" for d, v in rows))
    us = write(tmp_path / "us.tsv", "date\tvalue\n" + "".join(f"{d.month}/{d.day}/{d.year} {d:%H:%M}\t{v}\n" for d, v in rows))
    assert us.read_text().splitlines()[13] == "1/13/2020 16:30\t105.24"
    runs = [metrics(["forecast", f"series={path}", "source.resample=mean", "forecaster=[naive]", "debug=quick"], tmp_path / path.stem)
            for path in (iso, us)]
    assert runs[0] == runs[1] and runs[0]


# -- 2. .tsv and tab-separated .txt, wherever .csv is read ---------------------------------------

COMMA_SERIES = "m,v\n" + "".join(f"{m:%Y-%m-%d},{p}\n" for m, p in zip(MONTHS, PRICES, strict=True))



@pytest.fixture(scope="module")
def comma_metrics(tmp_path_factory):
    folder = tmp_path_factory.mktemp("comma")
    return metrics(uncertainty(write(folder / "series.csv", COMMA_SERIES)), folder / "run")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["series.tsv", "series.TSV", "series.txt"])
def test_a_tab_separated_series_by_any_of_its_names_equals_the_csv(name, comma_metrics, tmp_path):
    path = write(tmp_path / name, COMMA_SERIES.replace(",", "\t"))
    assert metrics(uncertainty(path), tmp_path / "run") == comma_metrics and len(comma_metrics) > 5


@pytest.mark.parametrize("text", [COMMA_SERIES, "1 1 0.1257 -0.1321 500.2  \n1 2 0.9035 0.094 499.28  \n"])  # C-MAPSS: spaces, no names
def test_a_txt_without_tabs_is_refused_saying_what_a_txt_must_be(tmp_path, text):
    path = write(tmp_path / "notes.txt", text)
    run = tmp_path / "run"
    assert_refused([*uncertainty(path), f"hydra.run.dir={run}"],
                   [f"{path}: a .txt dataset file without a tab in its first line ({text.splitlines()[0]!r}); expected tab-separated "
                    "columns under a line of their names (other text, comma- or space-separated: save it as .csv with such a line)"],
                   inputs=[path], run_dir=run)


def test_a_forecast_series_of_another_type_is_refused_naming_tsv(tmp_path):
    path = write(tmp_path / "series.dat", COMMA_SERIES.replace(",", "\t"))
    run = tmp_path / "run"
    assert_refused(["forecast", f"series={path}", "forecaster=[naive]", f"hydra.run.dir={run}"],
                   "nor a .csv/.parquet path; .tsv and tab-separated .txt files are read as csv too", inputs=[path], run_dir=run)


DECLARED = REPO / "conf/factors/knowledge/open_pit_coal.yaml"


@pytest.mark.slow
@pytest.mark.parametrize("name, separator", [("extra.csv", ","), ("extra.tsv", "\t"), ("extra.txt", "\t")])
def test_declared_triples_are_read_from_a_tsv_as_from_a_csv(name, separator, tmp_path):
    """The row is read (its relation refused): a .tsv was refused as no declared file, and a tab
    file's header was one name."""
    path = write(tmp_path / name, separator.join(("head", "relation", "tail")) + "\n" + separator.join(("lumpiness", "Drives", "transport_cost")) + "\n")
    run = tmp_path / "run"
    assert_refused(["factors", "debug=quick", f"factors.sources.declared=[{DECLARED},{path}]", f"hydra.run.dir={run}"],
                   [f"{name}:2", "unknown relation type 'Drives'"], inputs=[path], run_dir=run)


def test_a_declared_file_of_another_type_is_refused_naming_the_types(tmp_path):
    path = write(tmp_path / "extra.json", "{}")
    run = tmp_path / "run"
    assert_refused(["factors", "debug=quick", f"factors.sources.declared=[{DECLARED},{path}]", f"hydra.run.dir={run}"],
                   f"{path}: expected a .yaml, .yml, .csv or .tsv file (or tab-separated .txt) of declared triples", inputs=[path], run_dir=run)


# -- 3. digits grouped by spaces and apostrophes ------------------------------------------------

def _grouped(price: float, mark: str, decimal: str) -> str:
    return f"{price:_.2f}".replace("_", mark).replace(".", decimal)


@pytest.mark.parametrize("separator, mark, decimal, quote", [
    (";", " ", ",", ""),  # French, as typed
    (";", "\u00a0", ",", ""),  # no-break space: Excel, LibreOffice in French locales
    ("\t", "\u202f", ",", ""),  # narrow no-break space: newer French and Nordic locales
    (";", "'", ".", ""),  # Swiss
    (";", "\u2019", ",", ""),  # Swiss, typographic apostrophe
    (",", " ", ",", '"'),  # quoted in a comma file
    (",", "'", ".", ""),
])
@pytest.mark.slow
def test_uncertainty_of_a_series_with_grouped_digits_equals_the_plain_one(separator, mark, decimal, quote, comma_metrics, tmp_path):
    rows = "".join(f"{m:%Y-%m-%d}{separator}{quote}{_grouped(p, mark, decimal)}{quote}\n" for m, p in zip(MONTHS, PRICES, strict=True))
    assert rows.splitlines()[1].endswith(f"{quote}1{mark}138{decimal}75{quote}")
    path = write(tmp_path / "series.csv", f"m{separator}v\n" + rows)
    assert metrics(uncertainty(path), tmp_path / "run") == comma_metrics


@pytest.mark.slow
def test_cost_from_production_tables_with_grouped_digits_equals_the_plain_one(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    production = pl.read_parquet(folder / "production.parquet").with_columns(ore_t=pl.Series([1100.5, 1110.25, 0.0, 1120.0, 1234567.75]))
    production.write_csv(folder / "plain.csv")
    rows = list(production.iter_rows())
    (folder / "semicolons.csv").write_text("date;mine_id;ore_t;drilled_m;haul_km\n" + "".join(
        f"{d};{m};{_grouped(o, chr(0x202f), ',')};{dr};{h}\n" for d, m, o, dr, h in rows), encoding="utf-8")
    (folder / "quoted.csv").write_text("date,mine_id,ore_t,drilled_m,haul_km\n" + "".join(
        f'{d},{m},"{_grouped(o, chr(0xa0), ",")}",{dr},{h}\n' for d, m, o, dr, h in rows), encoding="utf-8")
    (folder / "swiss.csv").write_text("date,mine_id,ore_t,drilled_m,haul_km\n" + "".join(
        f"{d},{m},{_grouped(o, chr(39), '.')},{dr},{h}\n" for d, m, o, dr, h in rows), encoding="utf-8")
    assert (folder / "swiss.csv").read_text().splitlines()[5] == "2024-01-05,M1,1'234'567.75,10.0,2.0"
    runs = {name: metrics(_cost_with_production(tmp_path, folder, folder / f"{name}.csv"), tmp_path / f"run_{name}")
            for name in ("plain", "semicolons", "quoted", "swiss")}
    assert runs["semicolons"] == runs["plain"] == runs["quoted"] == runs["swiss"] and runs["plain"]


def _series(values: list[str], separator: str = ";") -> str:
    return f"m{separator}v\n" + "".join(f"{m:%Y-%m}{separator}{v}\n" for m, v in zip(MONTHS, values, strict=True))


GROUPED = [_grouped(p, " ", ",") for p in PRICES]
REFUSED = {
    # 1 10,5 was text, and text is refused: now said so, naming the value
    "a group of two digits": (_series(GROUPED[:3] + ["1 10,5"] + GROUPED[4:]),
                              "column 'v' has '1 10,5' among numbers grouped by thousands such as '1 100,50'; expected three digits "
                              "in every group after the first"),
    # one group, no decimals: 123456, 123 and 456, or a postal code? text, which the task refuses as a value column
    "a pair of numbers": (_series(["1 100"] * 6 + ["123 456"] * 6),
                          "column 'v' has 12 values that are not numbers (first at row 1: '1 100'); expected numbers"),
    "two decimal separators": (_series(GROUPED[:5] + ["1137.75"] + GROUPED[6:]),
                               "column 'v' has both '1 100,50' and '1137.75'; expected one decimal separator in a column"),
    "a quoted group of two in a comma file": (_series([f'"{v}"' for v in [*GROUPED[:3], "12 34,5", *GROUPED[4:]]], ","),
                                              "column 'v' has '12 34,5' among numbers grouped by thousands"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", REFUSED)
def test_grouped_digits_that_read_two_ways_are_refused(case, tmp_path):
    assert_series_refused(tmp_path, *REFUSED[case])


def test_a_text_column_with_spaced_digits_stays_text(tmp_path):
    """Names with numbers in them are no grouped numbers, nor are codes of spaced digits (postal codes,
    pairs): read as text, as before, for the task to use or refuse; the numbers beside them still read."""
    frame = scan_dated_csv(write(tmp_path / "t.csv", "site;v\nPit 12 34;1\nBench 1 234;2\n")).collect()
    assert frame["site"].to_list() == ["Pit 12 34", "Bench 1 234"] and frame["v"].to_list() == [1, 2]
    codes = "zip;pair;pin;v\n114 55;12 34;110 001;1 234,5\n752 37;56 78;400 001;2 345\n"
    for separator, name in ((";", "t.csv"), ("\t", "t.tsv")):
        frame = read_file(write(tmp_path / name, codes.replace(";", separator)))
        assert frame.to_dict(as_series=False) == {"zip": ["114 55", "752 37"], "pair": ["12 34", "56 78"],
                                                  "pin": ["110 001", "400 001"], "v": [1234.5, 2345.0]}
