"""Bad-input corpus, round 4: the public data re-exported as other tools write it, met where a user
meets it. A `kind: csv` mine table as R's write.csv (row names under an empty name, `NA`), pandas'
to_csv (an unnamed row index), a fixed-width export (padded numbers), Excel (`#N/A`, thousands
commas), a quote-everything writer (`""` for an empty cell) or a `;` export with `NA` was refused
("has values that are not Float64 (found String)", "an empty column name") where the single-file
inputs read the same file: now each costs as the plain taconite tables do, and so does one with an empty
spacer column (an unnamed column between two blocks of a sheet, which the risk task called one that "holds values"). A title line above the
header said only polars' "found more fields than defined in 'Schema'". Span JSON written one object
a line (JSON Lines) was "line 2: invalid JSON (Extra data)"; offsets given as text ('1') were shown
as [1, 3) beside "expected integers"."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from csv_series import metrics, write
from harness import assert_refused

from minectl.data.sources import read_file, scan_dated_csv
from minectl.errors import DataError
from minectl.features.series import calendar_dates, parse_dates
from minectl.text.corpus import read_corpus

TACONITE = Path(__file__).resolve().parents[2] / "examples" / "data" / "taconite"


def _rows(name: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader((TACONITE / name).open()))
    return header, rows


def _lines(rows: list[list[str]], separator: str = ",") -> str:
    return "".join(separator.join(row) + "\n" for row in rows)


def _cost(table: str, path: Path, run: Path) -> dict:
    return metrics(["cost", "+experiment=taconite", "report=false", f"data.tables.{table}.path={path}"], run)


def _r_write_csv(header, rows):  # quoted text, a row-name column under "", NA for an empty cell
    return _lines([['""', *(f'"{name}"' for name in header)]]
                  + [[f'"{i}"', f'"{row[0]}"', f'"{row[1]}"', *(value or "NA" for value in row[2:])] for i, row in enumerate(rows, 1)])


# production.csv as each tool writes it: drilled_m and haul_km are empty throughout, ore_t and pellet_t numbers
PRODUCTION = {
    "R write.csv": _r_write_csv,
    "pandas to_csv with its index": lambda header, rows: _lines([["", *header]] + [[str(i), *row] for i, row in enumerate(rows)]),
    "padded numbers": lambda header, rows: _lines([header] + [[*row[:2], *(f"{value:<20}" for value in row[2:])] for row in rows]),
    "markers #N/A . ?": lambda header, rows: _lines([header] + [[*row[:3], "#N/A", ".?"[i % 2], row[5]] for i, row in enumerate(rows)]),
    "an empty spacer column": lambda header, rows: _lines([[*header[:2], "", *header[2:]]] + [[*row[:2], "", *row[2:]] for row in rows]),
    "quote everything": lambda header, rows: _lines([header] + [[f'"{value}"' for value in row] for row in rows]),
    "semicolons and NA": lambda header, rows: _lines([header] + [[*row[:2], *(value.replace(".", ",") or "NA" for value in row[2:])]
                                                                  for row in rows], ";"),
}


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> dict:
    return _cost("production", TACONITE / "production.csv", tmp_path_factory.mktemp("plain") / "run")


@pytest.mark.slow
@pytest.mark.parametrize("tool", PRODUCTION)
def test_a_production_table_as_tools_export_it_costs_as_the_plain_one(tool, plain, tmp_path):
    text = PRODUCTION[tool](*_rows("production.csv"))
    assert text != (TACONITE / "production.csv").read_text()
    assert _cost("production", write(tmp_path / "production.csv", text), tmp_path / "run") == plain
    assert plain["cost.total"] == 1848972000.0


def test_quantities_with_thousands_commas_cost_as_the_plain_ones(plain, tmp_path):
    """Excel's number format (`"28,602,000.00"`): read as the single-file inputs read it."""
    header, rows = _rows("consumption_daily.csv")
    text = _lines([header] + [[*row[:4], f'"{float(row[4]):,.2f}"'] for row in rows])
    assert '"28,602,000.00"' in text
    assert _cost("consumption_daily", write(tmp_path / "consumption.csv", text), tmp_path / "run") == plain


def test_a_mines_table_of_na_cells_costs_as_its_empty_cells(plain, tmp_path):
    """R writes an all-missing column as NA in every row; the plain file leaves those cells empty."""
    header, rows = _rows("mines.csv")
    text = _lines([header] + [[*row[:2], "NA", "NA", "NA", "NA"] for row in rows])
    assert _cost("mines", write(tmp_path / "mines.csv", text), tmp_path / "run") == plain


def test_a_title_line_above_the_header_is_named_as_such(tmp_path):
    path = write(tmp_path / "production.csv", "Taconite production 2021\n" + (TACONITE / "production.csv").read_text())
    assert_refused(["cost", "+experiment=taconite", f"data.tables.production.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   [f"{path}: unreadable as csv (found more fields than defined in 'Schema'); expected the column names in the "
                    "first line and as many values in every row"], inputs=[path], run_dir=tmp_path / "run")


def test_a_table_file_reads_an_empty_spacer_column_as_none(tmp_path):
    """An unnamed empty column between two blocks of a sheet: the risk task said it "has no name in the header but
    holds values" (it held none)."""
    header, rows = _rows("production.csv")
    spaced = write(tmp_path / "spaced.csv", _lines([[*header[:2], "", *header[2:]]] + [[*row[:2], "", *row[2:]] for row in rows]))
    assert read_file(spaced).equals(read_file(TACONITE / "production.csv"))


def test_a_numbered_column_that_does_not_number_the_rows_stays_refused(tmp_path):
    """Only a row index is dropped: an unnamed column of other numbers may be data, and stays refused."""
    header, rows = _rows("production.csv")
    path = write(tmp_path / "production.csv", _lines([["", *header]] + [[str(7 * i), *row] for i, row in enumerate(rows)]))
    assert_refused(["cost", "+experiment=taconite", f"data.tables.production.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "table 'production': an empty column name (''); expected visible text in every column name", inputs=[path])


# -- labelled text ---------------------------------------------------------------------------------

SENTENCES = [{"tokens": ["pump", "seal", "leaking"], "entities": [{"start": 0, "end": 2, "type": "Item"}, {"start": 2, "end": 3,
              "type": "State"}], "relations": [{"head": 1, "tail": 0, "type": "hasPatient"}]},
             {"tokens": ["replace", "belt"], "entities": [{"start": 1, "end": 2, "type": "Item"}], "id": 7}]


def _shape(docs) -> list:
    return [(doc.tokens, doc.entities, doc.relations) for doc in docs]


def test_span_json_lines_read_as_the_list(tmp_path):
    """pandas' `to_json(orient="records", lines=True)`: one object a line, CR LF and a blank line at the end too."""
    listed = read_corpus(write(tmp_path / "list.json", json.dumps(SENTENCES)), "span_json")
    lines = write(tmp_path / "lines.jsonl", "\r\n".join(map(json.dumps, SENTENCES)) + "\r\n\r\n")
    assert _shape(read_corpus(lines, "span_json")) == _shape(listed)
    assert [len(doc.entities) for doc in listed] == [2, 1] and listed[0].relations == [(1, 0, "hasPatient")]


def test_span_json_lines_name_the_line_at_fault(tmp_path):
    bad = [SENTENCES[0], {**SENTENCES[1], "entities": [{"start": 1, "end": 3, "type": "Item"}]}]
    path = write(tmp_path / "lines.json", "\n".join(map(json.dumps, bad)) + "\n")
    with pytest.raises(DataError, match=r"lines\.json: line 2: entity 0: span \[1, 3\); expected integers 0 <= start < end <= 2$"):
        read_corpus(path, "span_json")


def test_offsets_given_as_text_are_shown_as_text(tmp_path):
    path = write(tmp_path / "text.json", json.dumps([{**SENTENCES[1], "entities": [{"start": "1", "end": "2", "type": "Item"}]}]))
    with pytest.raises(DataError, match=r"item 0: entity 0: span \['1', '2'\); expected integers 0 <= start < end <= 2$"):
        read_corpus(path, "span_json")


# -- text a mine table cannot take, named; 12-hour clocks and spaced month names, read ------------------

@pytest.mark.parametrize(("table", "edit", "expect"), [
    ("production", lambda header, rows: _lines([header, ["", "", "t", "m", "km", "t"]] + rows),
     "column 'ore_t' of table 'production' has values that are not Float64 (found String; 1 such value, first at row 1: 't')"),
    ("consumption_daily", lambda header, rows: _lines([header] + [[*row[:4], f'"${float(row[4]):,.2f}"'] for row in rows]),
     "column 'quantity' of table 'consumption_daily' has values that are not Float64 (found String; 25 such values, first at "
     "row 1: '$28,602,000.00')"),
    ("consumption_daily", lambda header, rows: _lines([header] + [[*row[:4], row[4] + "-" * (i == 3)] for i, row in enumerate(rows)]),
     "column 'quantity' of table 'consumption_daily' has values that are not Float64 (found String; 1 such value, first at "
     "row 4: '217791000.0-')"),
    ("production", lambda header, rows: _lines([header] + [[f"{dt.date.fromisoformat(row[0]):%d-%b-%Y}".upper(), *row[1:]]
                                                           for row in rows]),
     "holds text (String), not dates; expected Date values (store them as a date type, e.g. CAST(date AS DATE) in a query; a kind: "
     "csv source parses date text such as 2024-01-31, 31.01.2024 or 1/31/2024: this one has '01-JAN-2021' at row 1)"),
])
def test_text_a_mine_table_cannot_use_is_shown(table, edit, expect, tmp_path):
    """A units row, `$1,200`, SAP's trailing minus, Oracle's 01-JAN-2021: "has values that are not Float64 (found String)"
    named no value and no row."""
    path = write(tmp_path / f"{table}.csv", edit(*_rows(f"{table}.csv")))
    assert_refused(["cost", "+experiment=taconite", f"data.tables.{table}.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   expect, inputs=[path], run_dir=tmp_path / "run")


def test_us_twelve_hour_times_read_as_their_hours(tmp_path):
    """'1/10/2024 2:00:00 PM' (SQL Server, historians, Excel in US locales) was "no date" in a source and no time in a series."""
    hours = [dt.datetime(2024, 1, 10) + dt.timedelta(hours=h) for h in range(0, 144, 7)]
    for clock in ("%I:%M:%S %p", "%I:%M %p"):
        path = write(tmp_path / "hours.csv", "timestamp,v\n" + "".join(f"{t.month}/{t.day}/{t.year} {t.strftime(clock).lstrip('0')},{i}\n"
                                                                      for i, t in enumerate(hours)))
        assert "1/10/2024 2:00" in path.read_text() and "1/10/2024 12:00" in path.read_text()
        assert scan_dated_csv(path).collect()["timestamp"].to_list() == hours
        assert parse_dates(read_file(path)["timestamp"], str(path)).to_list() == hours


def test_month_names_with_a_space_read_as_with_a_dash():
    """Excel's `mmm yyyy` ('Jan 1960', 'January 1960') was refused where 'Jan-1960' was read."""
    months = calendar_dates(pl.Series("m", ["Jan 1960", "Jan. 1960", "January 1960", "Jan-1960", "Feb 1960"]), "x")
    assert months.to_list() == [dt.datetime(1960, 1, 1)] * 4 + [dt.datetime(1960, 2, 1)]
