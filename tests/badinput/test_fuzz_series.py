"""Bad-input corpus, mutations of the vendored Pink Sheet coal prices as `minectl uncertainty`
reads them: a row without a date, rows of skipped months and a price near zero were analysed
silently (or ended in "losses: expected finite numbers" after the output had begun); each is now
refused in one line, and the legal forms next to them read as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused

from minectl.data.sources import PROJECT_ROOT
from minectl.uncertainty.series import read_series

PINKSHEET = PROJECT_ROOT / "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"


def _mutated(tmp_path: Path, change) -> Path:
    """The vendored file with ``change`` applied to its lines (the header first)."""
    path = tmp_path / "coal.csv"
    path.write_text("\n".join(change(PINKSHEET.read_text().splitlines())) + "\n")
    return path


def _refused(tmp_path: Path, change, expect: str) -> None:
    path = _mutated(tmp_path, change)
    run_dir = tmp_path / "run"
    assert_refused(["uncertainty", "+experiment=pinksheet_coal", "debug=quick", f"dataset.path={path}", f"hydra.run.dir={run_dir}"],
                   expect, inputs=[path], run_dir=run_dir)


def _line(lines: list[str], month: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(month + ","))


def test_a_value_without_a_date_is_refused(tmp_path):
    def undated(lines):  # 1998-03,26.74,... -> ,26.74,...: the order check skipped the row, its value was used
        i = _line(lines, "1998-03")
        return lines[:i] + ["," + lines[i].split(",", 1)[1]] + lines[i + 1:]

    _refused(tmp_path, undated, "coal.csv: column 'month' is empty in row 459, which holds a value; expected a date in every row")


def test_skipped_months_are_refused(tmp_path):
    def skipped(lines):  # 1993-03 .. 2009-09 left out: the log return across 16 years was taken as one month's
        return lines[:_line(lines, "1993-03")] + lines[_line(lines, "2009-10"):]

    _refused(tmp_path, skipped, "column 'month' jumps from 1993-02 to 2009-10 at row 399; expected one row per month")


def test_a_price_near_zero_is_refused_before_any_output(tmp_path):
    def near_zero(lines):  # exp(+694) x 1 Mt overflowed the revenue, after the series' output had begun
        i = _line(lines, "1998-03")
        month, _, rest = lines[i].split(",", 2)
        return lines[:i] + [f"{month},{rest},1e-300"] + lines[i + 1:]

    def reordered(lines):  # the australian column last, as near_zero writes it
        return [",".join([p[0], p[2], p[1]]) for p in (line.split(",") for line in lines)]

    _refused(tmp_path, lambda lines: near_zero(reordered(lines)),
             "column 'coal_australia_usd_mt' rises 694.2 in log in one row (e.g. from a value near 0 such as 1e-300)")


@pytest.mark.parametrize("dates, expected", [
    # quarters: a step of three months is no skip
    (["2024-01", "2024-04", "2024-07", "2024-10", "2025-01"], [5.0, 6.0, 7.0, 8.0, 9.0]),
    # an undated row without a value (a spreadsheet's empty last row), and weekdays: a skipped day is no gap
    (["2024-03-01", "2024-03-04", "2024-03-05", "2024-03-06", ""], [5.0, 6.0, 7.0, 8.0]),
])
def test_legal_dated_series_read_as_before(tmp_path, dates, expected):
    path = tmp_path / "s.csv"
    values = ["5", "6", "7", "8", "9"]
    path.write_text("date,v\n" + "".join(f"{d},{v if d else ''}\n" for d, v in zip(dates, values, strict=True)))
    series, _ = read_series(path, "v", date_column="date")
    np.testing.assert_array_equal(series["all"], expected)


SEISMIC = PROJECT_ROOT / "examples/data/seismic_bumps/seismic-bumps.arff"


def test_risk_refuses_an_unnamed_column_of_values(tmp_path):
    """The UCI seismic-bumps shifts as csv with one more column, its name left empty: it was taken
    as a 25th indicator (data.indicators 25), which no risk.features.exclude entry could name."""
    lines = SEISMIC.read_text().splitlines()
    names = [line.split()[1] for line in lines if line.lower().startswith("@attribute")]
    rows = [line for line in lines[lines.index("@data") + 1:] if line.strip()]
    path = tmp_path / "bumps.csv"
    path.write_text("\n".join([",".join(names) + ","] + [row + ",1" for row in rows]) + "\n")
    run_dir = tmp_path / "run"
    assert_refused(["risk", "+experiment=seismic_bumps", "model=lr", "debug=quick", f"risk.input.path={path}", f"hydra.run.dir={run_dir}"],
                   "bumps.csv: column 20 has no name in the header but holds values; expected a name for every column",
                   inputs=[path], run_dir=run_dir)


def test_spreadsheet_day_numbers_as_dates_are_named(tmp_path):
    """The month column saved as a spreadsheet's day numbers (1960-01 is 21916): refused saying only
    that the column shows no period per row, while forecast's and risk's refusals name day numbers."""
    def serial(lines):
        days = {f"{y}-{m:02d}": (np.datetime64(f"{y}-{m:02d}-01") - np.datetime64("1899-12-30")).astype(int)
                for y in range(1960, 2030) for m in range(1, 13)}
        return lines[:1] + [f"{days[line[:7]]}{line[7:]}" for line in lines[1:]]

    _refused(tmp_path, serial, "column 'month' does not show one hour, shift, day, week, month, quarter or year per row "
                               "(spreadsheet day numbers? format the column as dates before saving); set dataset.frequency")


def test_risk_names_spreadsheet_day_numbers_in_its_time_column():
    """8-hour shifts saved as day numbers (36526.0, 36526.333...): the refusal named only the type."""
    from minectl.errors import DataError
    from minectl.risk.timeaxis import parse_time

    with pytest.raises(DataError, match=r"^log.csv: time column 'timestamp' has type Float64 \(spreadsheet day numbers\? format the "
                                        r"column as dates before saving\); expected dates, timestamps or integers$"):
        parse_time(pl.Series("timestamp", [36526.0, 36526 + 1 / 3, 36526 + 2 / 3]), "log.csv")


@pytest.mark.parametrize("task", ["uncertainty", "forecast"])
def test_a_row_short_of_values_is_refused(tmp_path, task):
    """polars read the missing value as null: a forecast interpolated the month, and a value left out
    in the middle of a row would shift the rest one column to the left."""
    path = _mutated(tmp_path, lambda lines: [line.rsplit(",", 1)[0] if line.startswith("1998-03,") else line for line in lines])
    run_dir = tmp_path / "run"
    source = ["source.date_column=month", "source.value_column=coal_australia_usd_mt"]
    dataset = ["+experiment=pinksheet_coal", f"dataset.path={path}"] if task == "uncertainty" else [f"series={path}", *source]
    assert_refused([task, *dataset, "debug=quick", f"hydra.run.dir={run_dir}"],
                   "coal.csv: line 460 has 2 values for 3 columns; expected a value or an empty field (a separator) for every column",
                   inputs=[path], run_dir=run_dir)


def test_an_empty_file_says_what_was_expected(tmp_path):
    # was: "unreadable series file (NoDataError: empty CSV)": the file named, not what it should hold
    path = tmp_path / "coal.csv"
    path.write_bytes(b"")
    run_dir = tmp_path / "run"
    assert_refused(["forecast", f"series={path}", "debug=quick", f"hydra.run.dir={run_dir}"],
                   f"{path}: the series file is empty (0 bytes); expected a table: a line of column names, then rows",
                   inputs=[path], run_dir=run_dir)
