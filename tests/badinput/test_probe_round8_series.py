"""Bad-input corpus, round 8: price series laid out as public sources export them, given to
`minectl uncertainty` with dataset.path and dataset.column but no dataset.date_column (the
default dataset's `month` is not in the file). The file's own date column was then never
looked at: an investing.com export (newest first) gave log returns of the wrong sign (mean
-0.002585 for +0.002586), a FRED series with five months left out a return over six months
as one month's, and an Excel sheet's undated mean row one more month. Now the column that
dates_of reads as dates orders the rows as a named one does (repeats allowed: events), and a
row with a value but no date is refused in capacity's rolling.path too."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from csv_series import metrics, write
from harness import assert_refused

PRICES = [100.0 + 3 * i + (7 if i % 3 == 0 else 0) for i in range(40)]
MONTHS = [f"{2020 + i // 12}-{i % 12 + 1:02d}-01" for i in range(40)]
NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _investing(rows: list[tuple[str, float]]) -> str:
    """investing.com: 'Dec 01, 2024', '1,234.50', newest first."""
    lines = [f'"{NAMES[int(m[5:7]) - 1]} 01, {m[:4]}","{p * 10:,.2f}","0.50%"\n' for m, p in reversed(rows)]
    return '"Date","Price","Change %"\n' + "".join(lines)


def _args(path: Path, column: str) -> list[object]:
    return ["uncertainty", "debug=quick", f"dataset.path={path}", f"dataset.column={column}", "dataset.transforms=[level,log_return]"]


@pytest.mark.parametrize(
    ("name", "text", "column", "expect"),
    [
        ("investing.csv", _investing(list(zip(MONTHS, PRICES, strict=True))), "Price",
         "column 'Date' at row 2 (2023-03-01 00:00:00) is not after the row before (2023-04-01 00:00:00); expected rows in time "
         "order, one per date (the newest first: reverse the rows)"),
        ("fred_gap.csv", "DATE,VALUE\n" + "".join(f"{m},{p}\n" for i, (m, p) in enumerate(zip(MONTHS, PRICES, strict=True))
                                                if not 20 <= i < 25), "VALUE",
         "column 'DATE' jumps from 2021-08 to 2022-02 at row 21; expected one row per month"),
        ("sheet_mean.csv", "date,value\n" + "".join(f"{m},{p}\n" for m, p in zip(MONTHS, PRICES, strict=True))
         + f",{sum(PRICES) / len(PRICES):.2f}\n", "value",
         "column 'date' is empty in row 41, which holds a value; expected a date in every row with a value"),
    ],
    ids=["investing_newest_first", "fred_months_left_out", "sheet_undated_mean"],
)
def test_a_series_date_column_not_named_still_orders_its_rows(tmp_path: Path, name: str, text: str, column: str, expect: str) -> None:
    path = write(tmp_path / name, text)
    assert_refused([*_args(path, column), f"hydra.run.dir={tmp_path / 'run'}"], expect, inputs=[path], run_dir=tmp_path / "run")


def test_a_series_whose_date_column_is_not_named_reads_as_before_in_order(tmp_path: Path) -> None:
    """The investing.com export in time order, and a failure log with two events on one date."""
    rows = list(zip(MONTHS, PRICES, strict=True))
    text = _investing(rows).splitlines(keepends=True)
    path = write(tmp_path / "oldest_first.csv", text[0] + "".join(reversed(text[1:])))
    found = metrics(_args(path, "Price"), tmp_path / "run")
    assert found["uncertainty.level.estimate"] == pytest.approx(10 * sum(PRICES) / len(PRICES))
    returns = [b / a for a, b in zip(PRICES[:-1], PRICES[1:], strict=True)]
    assert found["uncertainty.log_return.estimate"] == pytest.approx(sum(map(math.log, returns)) / len(returns))  # > 0: oldest first
    log = write(tmp_path / "failures.csv", "date,tbf\n" + "".join(f"2024-01-{1 + i // 2:02d},{10 + i % 7}\n" for i in range(20)))
    found = metrics(["uncertainty", "debug=quick", f"dataset.path={log}", "dataset.column=tbf", "dataset.transforms=[level]"],
                    tmp_path / "run2")
    assert found["uncertainty.level.estimate"] == pytest.approx(sum(10 + i % 7 for i in range(20)) / 20)


def test_a_capacity_price_path_with_an_undated_mean_row_is_refused(tmp_path: Path) -> None:
    """An Excel sheet's mean under the dates (no label, no date) was read as the latest month of
    rolling.path (the path's last price 160.95 for 224.0): the row without a date skipped the order check."""
    text = "date,price\n" + "".join(f"{m},{p}\n" for m, p in zip(MONTHS, PRICES, strict=True)) + f",{sum(PRICES) / len(PRICES):.2f}\n"
    path = write(tmp_path / "rolling.csv", text)
    assert_refused(["capacity", "debug=quick", f"rolling.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "column 'date' is empty in row 41, which holds a value; expected a date in every row with a value",
                   inputs=[path], run_dir=tmp_path / "run")


def test_eurostats_colon_is_an_empty_month(tmp_path: Path) -> None:
    """Eurostat writes ':' for a value not available: refused as "not numbers" (exit 2), where FRED's '.' was
    an empty month. Now the same figures as the month left empty, interpolated and counted."""
    figures = []
    for name, missing in (("colon.csv", ":"), ("empty.csv", "")):
        text = "TIME_PERIOD,OBS_VALUE\n" + "".join(f"{m[:7]},{missing if i == 20 else p}\n" for i, (m, p) in enumerate(zip(MONTHS, PRICES, strict=True)))
        path = write(tmp_path / name, text)
        figures.append(metrics(["forecast", "debug=quick", "forecaster=[naive]", f"series={path}", "source.date_column=TIME_PERIOD",
                                "source.value_column=OBS_VALUE"], tmp_path / name.replace(".csv", "")))
    assert figures[0]["series.interpolated"] == 1
    assert {k: v for k, v in figures[0].items() if "time" not in k} == {k: v for k, v in figures[1].items() if "time" not in k}
