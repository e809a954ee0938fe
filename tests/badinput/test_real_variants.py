"""Real-world variants of the public inputs minectl is run on: monthly commodity prices as the World
Bank Pink Sheet, FRED and spreadsheets write them (`minectl forecast`), and case tables as UCI's
seismic-bumps ARFF/CSV and pandas or R write them (`minectl risk`). Each variant is read as meant
(values checked by hand) or refused in one line naming file, column or row and what was expected.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.data.sources import MISSING_MARKERS, PROJECT_ROOT, read_file
from minectl.forecast.series import read_monthly_series
from minectl.risk.labels import column_labels

# Pink Sheet coal prices (USD/t), one a month from 2025-03 to 2026-05
PRICES = [103.3, 107.6, 104.5, 106.0, 110.4, 114.3, 109.9, 112.8, 117.0, 128.2, 138.6, 130.9, 131.6, 136.9, 135.1]
MONTHS = [dt.date(2025 + (i + 2) // 12, (i + 2) % 12 + 1, 1) for i in range(len(PRICES))]


def _csv(tmp_path: Path, text: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rows(date_format, values=PRICES) -> str:
    """One `date,value` line a month; ``date_format`` turns a month's first day into its text."""
    return "".join(f"{date_format(month)},{value}\n" for month, value in zip(MONTHS, values, strict=True))


def _invoke(*args: object) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


# --- price series -------------------------------------------------------------------------------

@pytest.mark.parametrize("marker", [m for m in MISSING_MARKERS if m])
def test_missing_month_markers_read_as_empty_months(tmp_path, marker):
    """The World Bank's `…`, FRED's `.`, `..`, `n.a.`, `NA`, `#N/A`, `?`: a leading one is a month
    not yet quoted (dropped), an interior one an empty month (interpolated and counted)."""
    values = [marker if i in (0, 5) else p for i, p in enumerate(PRICES)]
    series = read_monthly_series(_csv(tmp_path, "month,usd_t\n" + _rows(lambda d: f"{d:%Y-%m}", values)), "month", "usd_t")
    assert series["date"].to_list() == MONTHS[1:]
    assert series["value"].to_list() == PRICES[1:5] + [(PRICES[4] + PRICES[6]) / 2] + PRICES[6:]
    assert series["interpolated"].arg_true().to_list() == [4]


def test_pink_sheet_export_picks_one_column_of_many(tmp_path):
    """The Pink Sheet's `Monthly Prices` sheet saved as csv: an unnamed date column of `2025M03`,
    many commodity columns whose names hold commas, `…` where a price is missing."""
    south_africa = [p - 30 for p in PRICES]
    south_africa_cells = ["…" if i == 2 else f"{p:.2f}" for i, p in enumerate(south_africa)]
    lines = [f'{d:%Y}M{d:%m},…,{sa},"1,{i:03d}.50"' for i, (d, sa) in enumerate(zip(MONTHS, south_africa_cells, strict=True))]
    path = _csv(tmp_path, ',"Coal, Australian","Coal, South African","Gold"\n' + "\n".join(lines) + "\n")
    run = tmp_path / "run"
    _invoke("forecast", f"series={path}", "source.date_column=''", "source.value_column='Coal, South African'",
            "forecaster=[naive]", "forecast.backtest_months=6", "forecast.validation_months=3", "forecast.backtest_horizons=[1]",
            "forecast.horizon=2", f"hydra.run.dir={run}", "report=false")
    metrics = json.loads((run / "metrics.json").read_text())
    y = np.array(south_africa)
    y[2] = (y[1] + y[3]) / 2
    assert metrics["series.months"] == 15 and metrics["series.interpolated"] == 1
    assert metrics["series.last"] == pytest.approx(105.1)
    assert metrics["backtest.mape.naive"] == pytest.approx(100 * np.mean(np.abs(y[-6:] - y[-7:-1]) / y[-6:]))
    gold = read_file(path)["Gold"]  # thousands separators with a decimal point: numbers
    assert gold.dtype == pl.Float64 and gold[:3].to_list() == [1000.5, 1001.5, 1002.5]


def test_fred_csv_with_dots_for_missing(tmp_path):
    values = ["." if i == 7 else p for i, p in enumerate(PRICES)]
    series = read_monthly_series(_csv(tmp_path, "DATE,VALUE\n" + _rows(lambda d: f"{d}", values)), "DATE", "VALUE")
    assert series["value"][7] == pytest.approx((PRICES[6] + PRICES[8]) / 2)
    assert series["value"].to_list()[:7] == PRICES[:7] and series["interpolated"].sum() == 1


def test_prices_with_thousands_separators_and_padding(tmp_path):
    """`"1,320.50"` (an export of a number format) is 1320.5 once some value has both a comma and a
    point; ` 98.7` (a space after the comma) is 98.7."""
    scaled = [p * 12 for p in PRICES]
    cells = [f'"{p:,.2f}"' if i % 2 else f" {p:.2f}" for i, p in enumerate(scaled)]
    series = read_monthly_series(_csv(tmp_path, "month,usd_t\n" + _rows(lambda d: f"{d:%Y-%m}", cells)), "month", "usd_t")
    assert series["value"].to_list() == [round(p, 2) for p in scaled]


def test_thousands_commas_beside_a_million_are_read(tmp_path):
    """`"1,000,000"` has two commas, which no decimal comma can be: its column is read in thousands
    (`"950,000"` beside it is 950000); it was refused as numbers written with commas."""
    cells = ['"1,000,000"', '"950,000"', '"1,020,500"', '"1,100,000"', "980000", '"-1,050,000"'] * 3
    path = _csv(tmp_path, "month,usd_t\n" + "".join(f"2024-{m + 1:02d},{cells[m]}\n" for m in range(12)))
    assert read_file(path)["usd_t"].to_list() == [1_000_000, 950_000, 1_020_500, 1_100_000, 980_000, -1_050_000] * 2


def test_quoted_decimal_commas_in_a_comma_file_are_read(tmp_path):
    """As Kaggle's flotation plant data writes them ("55,2", "3019,53", "557,434"): a comma no
    thousands separator can be (not followed by three digits) shows the column's decimal comma;
    "1.234,5" there is 1234.5. "1,320" alone stays refused (1320 or 1.32?)."""
    series = read_monthly_series(_csv(tmp_path, "month,usd_t\n" + _rows(lambda d: f"{d:%Y-%m}", [f'"{p}"'.replace(".", ",") for p in PRICES])),
                                 "month", "usd_t")
    assert series["value"].to_list() == PRICES
    text = ('date,"% Iron Feed","Ore Pulp Flow","Starch Flow"\n2017-03-10 01:00:00,"55,2","395,713","3019,53"\n'
            '2017-03-10 01:00:20,"55,2","397,383","1.234,5"\n2017-03-10 01:00:40,NA,"399,668","3024,41"\n')
    frame = read_file(_csv(tmp_path, text, "flotation.csv"))
    assert frame.select(pl.exclude("date")).to_dict(as_series=False) == {
        "% Iron Feed": [55.2, 55.2, None], "Ore Pulp Flow": [395.713, 397.383, 399.668], "Starch Flow": [3019.53, 1234.5, 3024.41]}


@pytest.mark.parametrize("date_format", [
    lambda d: f"{d:%b-%Y}",                                      # Jan-2025: a spreadsheet's mmm-yyyy
    lambda d: f"{d:%B-%Y}",                                      # January-2025
    lambda d: f"{d.year}M{d.month}",                             # 2025M3: no leading zero
    lambda d: f"{(d + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)}",  # month ends
    lambda d: f"{d}T00:00:00",                                   # ISO timestamps (pandas, FRED exports)
    lambda d: f"{d:%d/%m/%Y}".replace("01/", "15/", 1),          # D/M/YYYY read day first: a day above 12 says so
], ids=["mon-yyyy", "month-yyyy", "2025M3", "month-end", "iso-timestamp", "dd/mm/yyyy"])
def test_month_texts_read_as_their_months(tmp_path, date_format):
    series = read_monthly_series(_csv(tmp_path, "month,usd_t\n" + _rows(date_format)), "month", "usd_t")
    assert series["date"].to_list() == MONTHS and series["value"].to_list() == PRICES


@pytest.mark.parametrize("text", [
    "\n\nmonth,usd_t\n" + _rows(lambda d: f"{d:%Y-%m}"),           # blank lines before the header
    "month,usd_t\n" + _rows(lambda d: f"{d:%Y-%m}") + "\n\n\n",     # ... after the last row
    "month,usd_t\n" + _rows(lambda d: f"{d:%Y-%m}") + ",\n,\n",     # a spreadsheet's empty rows
], ids=["leading-blank-lines", "trailing-blank-lines", "trailing-empty-rows"])
def test_blank_lines_around_the_rows_are_no_months(tmp_path, text):
    series = read_monthly_series(_csv(tmp_path, text), "month", "usd_t")
    assert series["date"].to_list() == MONTHS and series["value"].to_list() == PRICES


def test_daily_prices_with_missing_days_resample_to_monthly_means(tmp_path):
    rng = np.random.default_rng(3)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(91)]  # January to March 2024
    quotes = np.round(100 + rng.normal(size=len(days)).cumsum(), 2)
    missing = {5, 40, 41}
    lines = "".join(f"{day},{'.' if i in missing else q}\n" for i, (day, q) in enumerate(zip(days, quotes, strict=True)))
    series = read_monthly_series(_csv(tmp_path, "date,price\n" + lines), "date", "price", "mean")
    by_month = [[q for i, (day, q) in enumerate(zip(days, quotes, strict=True)) if day.month == m and i not in missing] for m in (1, 2, 3)]
    assert series["value"].to_list() == pytest.approx([np.mean(q) for q in by_month], rel=1e-12)
    assert series["rows"].to_list() == [30, 27, 31]


def _monthly(date_format=lambda d: f"{d:%Y-%m}", values=PRICES, header="month,usd_t\n") -> str:
    return header + _rows(date_format, values)


FORECAST_REFUSALS = {
    # Jan-60 would be a guess at the century (2060?)
    "two-digit year": (_monthly(lambda d: f"{d:%b-%y}"), "column 'month' must hold dates YYYY-MM, YYYY-MM-DD or YYYYMmm (1960M01); got 'Mar-25'"),
    "units row": ("month,usd_t\n,($/mt)\n" + _rows(lambda d: f"{d:%Y-%m}"),
                  "column 'usd_t' row 1 is '($/mt)' and every other row a number: a units row under the header? expected numbers "
                  "in every row (delete that row)"),
    "quarters": (_monthly(lambda d: f"{d.year}Q{(d.month + 2) // 3}"), "must hold dates YYYY-MM, YYYY-MM-DD or YYYYMmm (1960M01); got '2025Q1'"),
    "years as numbers": ("year,usd_t\n" + "".join(f"{2011 + i},{p}\n" for i, p in enumerate(PRICES)),
                         "column 'year' must hold dates; got type Int64 (e.g. 2011); expected dates YYYY-MM"),
    "yearly dates": ("month,usd_t\n" + "".join(f"{2011 + i}-01-01,{p}\n" for i, p in enumerate(PRICES)),
                     "column 'month' has one row every 12 months; expected monthly rows"),
    "absent months": ("month,usd_t\n" + "".join(line for i, line in enumerate(_rows(lambda d: f"{d:%Y-%m}").splitlines(True)) if i not in (5, 6)),
                      "column 'month' skips the month after 2025-07; expected consecutive months (write a missing month as an empty value)"),
    "negative price": (_monthly(values=[-37.63 if i == 3 else p for i, p in enumerate(PRICES)]),
                       "column 'usd_t' must be > 0 (prices are modelled in logs); got -37.63 at 2025-06"),
    # 1,320 alone may be a decimal comma (1.320)
    "comma without a point": (_monthly(values=[f'"{p * 12:,.0f}"' for p in PRICES]),
                              "column 'usd_t' has 15 numbers written with commas (first at row 1: '1,240'); expected plain numbers: "
                              "no thousands separators (1000000) and a decimal point (1320.5)"),
    # polars' own words alone did not say what to do
    "a title line above the header": ("Pink Sheet coal prices\n" + _monthly(), "found more fields than defined in 'Schema'); expected the "
                                      "column names in the first line and as many values in every row"),
    "accounting dash": (_monthly(values=["-" if i == 3 else p for i, p in enumerate(PRICES)]), "(first at row 4: '-')"),
    "empty line inside": ("month,usd_t\n" + "".join(_rows(lambda d: f"{d:%Y-%m}").splitlines(True)[:4]) + "\n"
                          + "".join(_rows(lambda d: f"{d:%Y-%m}").splitlines(True)[4:]),
                          "column 'month' has no date in row 5; expected a date in every row"),
    "ambiguous day and month": (_monthly(lambda d: f"{d:%d/%m/%Y}"), "column 'month' has dates such as '01/03/2025' that read both day first and month first"),
    # a long file of two series: its repeated months offered resampling, whose mean blends them
    "two series in one file": ("month,usd_t,origin\n" + "".join(f"{d:%Y-%m},{p},{o}\n" for d, p in zip(MONTHS, PRICES, strict=True)
                                                                for o in ("AU", "ZA")),
                               "column 'month' repeats 2025-03 in rows that 'origin' tells apart ('AU', 'ZA'): several series in one "
                               "file; expected one series a file (keep the rows of one origin)"),
}


@pytest.mark.slow
@pytest.mark.parametrize("text, expect", FORECAST_REFUSALS.values(), ids=FORECAST_REFUSALS.keys())
def test_price_series_that_cannot_be_read_as_months_are_refused(tmp_path, text, expect):
    path = _csv(tmp_path, text)
    date_column = "year" if text.startswith("year") else "month"
    assert_refused(["forecast", f"series={path}", f"source.date_column={date_column}", "source.value_column=usd_t",
                    "forecaster=[naive]", f"hydra.run.dir={tmp_path / 'run'}"], [str(path), expect],
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_workbook_is_refused_with_what_to_do(tmp_path):
    path = _csv(tmp_path, "PK", "CMO-Historical-Data-Monthly.xlsx")
    assert_refused(["forecast", f"series={path}", "forecaster=[naive]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "nor a .csv/.parquet path (a workbook: save its sheet as csv)", inputs=[path], run_dir=tmp_path / "run")


def test_ten_months_are_refused_naming_the_minimum(tmp_path):
    """Default windows: validation 24 + backtest 36 months before the last, and seasonal naive
    needs 12 months for its first fit: 72 months at least."""
    path = _csv(tmp_path, "month,usd_t\n" + "".join(f"{d:%Y-%m},{p}\n" for d, p in zip(MONTHS[:10], PRICES, strict=False)))
    assert_refused(["forecast", f"series={path}", "source.date_column=month", "source.value_column=usd_t",
                    "forecaster=[naive,seasonal_naive]", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "10 months in column 'usd_t'; expected at least 72: the selected models need 12 months for their "
                    "first fit and the validation and backtest periods take 60"], inputs=[path], run_dir=tmp_path / "run")


# --- case tables --------------------------------------------------------------------------------

ARFF_HEADER = """% seismic-bumps style
@relation bumps
@attribute seismic {a,b}
@attribute shift {W, N}
@attribute genergy real
@attribute class {0,1}
@data
"""
ARFF_ROWS = ["a,N,15180,0", "b,W,0,1", "a,W,8050,0", "b,N,0,0"]
EXPECTED = pl.DataFrame({"seismic": ["a", "b", "a", "b"], "shift": ["N", "W", "W", "N"], "genergy": [15180.0, 0.0, 8050.0, 0.0],
                         "class": ["0", "1", "0", "0"]})

ARFF_VARIANTS = {
    "keywords in capitals, comments in the data": (ARFF_HEADER.replace("@relation", "@RELATION").replace("@attribute", "@ATTRIBUTE")
                                                   .replace("real", "REAL").replace("@data", "@DATA")
                                                   + "% first shift\n" + "\n".join(ARFF_ROWS) + "\n% end\n"),
    "spaces after commas, CRLF, BOM": ("\ufeff" + (ARFF_HEADER + "\n".join(r.replace(",", ", ") for r in ARFF_ROWS) + "\n").replace("\n", "\r\n")),
    # an omitted value is 0, or a nominal's first declared value (a, W, 0: Weka's rule)
    "sparse rows": ARFF_HEADER + "{1 N, 2 15180}\n{0 b, 3 1}\n{2 8050}\n{0 b, 1 N}\n",
}


@pytest.mark.parametrize("text", ARFF_VARIANTS.values(), ids=ARFF_VARIANTS.keys())
def test_arff_variants_read_the_same_values(tmp_path, text):
    assert read_file(_csv(tmp_path, text, "bumps.arff")).equals(EXPECTED)


def test_arff_quoted_nominals_and_question_marks(tmp_path):
    text = ARFF_HEADER.replace("{W, N}", "{'working shift', 'night shift'}") + "a,'night shift',?,0\n?,'working shift',0,1\n"
    frame = read_file(_csv(tmp_path, text, "bumps.arff"))
    assert frame.rows() == [("a", "night shift", None, "0"), (None, "working shift", 0.0, "1")]


def test_seismic_bumps_keeps_its_duplicate_shifts():
    """Six shifts repeat an earlier one's values (the UCI csv drops them): they are distinct shifts."""
    frame = read_file(PROJECT_ROOT / "examples/data/seismic_bumps/seismic-bumps.arff")
    assert frame.height == 2584 and frame.height - frame.unique().height == 6
    assert (frame["class"] == "1").sum() == 170


def test_missing_values_written_as_markers_read_as_empty_cells(tmp_path):
    """`NA` (R, pandas) and `?` (UCI) in a number column and in a category column are what an
    empty cell is there: missing."""
    def table(marker: str) -> str:
        return f"seismic,genergy,class\na,15180,0\n{marker},8050,1\nb,{marker},0\nb,20,1\n"

    empty = read_file(_csv(tmp_path, table(""), "empty.csv"))
    assert empty["genergy"].to_list() == [15180, 8050, None, 20] and empty["seismic"].to_list() == ["a", None, "b", "b"]
    for marker in ("NA", "?", "n/a", " NA "):
        assert read_file(_csv(tmp_path, table(marker), "marked.csv")).equals(empty), marker


@pytest.mark.parametrize("index", [lambda i: str(i), lambda i: f'"{i + 1}"'], ids=["pandas-0..n-1", "R-1..n"])
def test_an_unnamed_row_index_column_is_dropped(tmp_path, index):
    rows = ["a,15180,0", "b,0,1", "a,8050,0"]
    path = _csv(tmp_path, ",seismic,genergy,class\n" + "".join(f"{index(i)},{r}\n" for i, r in enumerate(rows)), "cases.csv")
    assert read_file(path).equals(pl.DataFrame({"seismic": ["a", "b", "a"], "genergy": [15180, 0, 8050], "class": [0, 1, 0]}))


def test_boolean_and_text_labels_read_as_levels(tmp_path):
    frame = read_file(_csv(tmp_path, "x,bump,hazard\n1.5,TRUE,yes\n2.5,FALSE,no\n0.5,FALSE,no\n", "cases.csv"))
    assert column_labels(frame, "bump", 2).tolist() == [1, 0, 0]
    assert column_labels(frame, "hazard", 2, ["no", "yes"]).tolist() == [1, 0, 0]


def _cases(n: int = 60) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    label = (rng.random(n) < 0.4).astype(int)
    return pl.DataFrame({"site": ["a", "b"] * (n // 2), "x": label * 2.0 + rng.normal(size=n), "y": rng.normal(size=n), "class": label})


def _risk(path: Path, run: Path, *extra: str) -> list[str]:
    return ["risk", f"risk.input.path={path}", "risk.input.kind=table", "risk.input.categorical=[site]", "risk.window=2",
            "risk.lead_times=[0]", "risk.labels.column=class", "risk.labels.levels=2", "model=lr", "risk.robustness.enabled=false",
            "risk.importance.enabled=false", "risk.leakage.enabled=false", *extra, f"hydra.run.dir={run}"]


RISK_REFUSALS = {
    # an id counting the rows was an indicator: it hands a model the time order
    "id column": (lambda f: f.with_row_index("id").with_columns(pl.col("id").cast(pl.Int64)), "cases.csv",
                  "cases.csv: column 'id' numbers the rows (0..59: an id or index?); expected measurements as indicators: "
                  "the column in risk.features.exclude, or risk.time.column=id"),
    # sample numbers from 1001: consecutive from any start are the rows' order all the same
    "sample numbers": (lambda f: f.with_columns(sample=pl.int_range(1001, 1001 + f.height)), "cases.csv",
                       "cases.csv: column 'sample' numbers the rows (1001..1060: an id or index?)"),
    # the same sample numbers after the rows were shuffled: each of 1001..1060 once, out of order
    "shuffled sample numbers": (lambda f: f.with_columns(sample=pl.Series(np.random.default_rng(1).permutation(f.height) + 1001)),
                                "cases.csv", "cases.csv: column 'sample' holds each integer of 1001..1060 once, out of order "
                                "(ids of shuffled rows?); expected measurements as indicators: the column in risk.features.exclude"),
    # machine numbers are codes: as one indicator, machine 3 would weigh thrice machine 1
    "integer codes named as an id": (lambda f: f.with_columns(MachineID=pl.Series([1, 2, 3] * (f.height // 3))), "cases.csv",
                                     "cases.csv: column 'MachineID' holds integer codes named as an id; expected measurements as "
                                     "indicators: the column in risk.features.exclude, or in risk.input.categorical"),
    "text classes without names": (lambda f: f.with_columns(pl.when(pl.col("class") == 1).then(pl.lit("yes")).otherwise(pl.lit("no"))
                                                            .alias("class")), "cases.csv",
                                   "risk labels: column 'class' must hold integers 0..1 (found 'no', 'yes'); or text labels listed "
                                   "from low to high risk in risk.labels.names=[...]"),
    "a class with one member": (lambda f: f.with_columns(pl.Series("class", [1 if i == 3 else 0 for i in range(f.height)])), "cases.csv",
                                "holds the single level 'low'; expected at least two levels"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", RISK_REFUSALS)
def test_case_tables_the_risk_task_cannot_use_are_refused(case, tmp_path):
    edit, name, expect = RISK_REFUSALS[case]
    path = tmp_path / name
    edit(_cases()).write_csv(path)
    assert_refused(_risk(path, tmp_path / "run"), expect, inputs=[path], run_dir=tmp_path / "run")



def test_integer_codes_named_as_an_id_read_as_categories(tmp_path):
    path = tmp_path / "cases.csv"
    _cases().with_columns(machine_id=pl.Series([1, 2, 3] * 20)).write_csv(path)
    result = CliRunner().invoke(app, _risk(path, tmp_path / "run", "risk.input.categorical=[site,machine_id]"), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    indicators = json.loads((tmp_path / "run" / "metrics.json").read_text())["data.indicators"]
    assert indicators == 2 + 3 + 2  # x, y; machine_id=1/2/3; site=a/b

def test_arff_class_outside_its_declared_values_is_refused(tmp_path):
    path = _csv(tmp_path, ARFF_HEADER + "\n".join(ARFF_ROWS[:3]) + "\nb,N,0,2\n", "bumps.arff")
    assert_refused(_risk(path, tmp_path / "run", "risk.input.categorical=[seismic,shift]"),
                   [str(path), "unreadable risk input file (BadNominalValue: Data value 2 not found in nominal declaration, at line 11"],
                   inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.slow
def test_failure_flags_that_make_up_the_label_together_are_said(tmp_path):
    """AI4I 2020's shape: 'Machine failure' is the OR of failure-mode flags (TWF, HDF, ...) kept in
    the table. Each flag alone scores below the leakage limit, so the one-feature check named none
    and a perfect model passed without a word; the run now says it, and is still made."""
    rng = np.random.default_rng(0)
    flags = {name: (rng.random(300) < 0.12).astype(int) for name in ("TWF", "HDF", "PWF")}
    failure = np.maximum.reduce(list(flags.values()))
    path = tmp_path / "ai4i.csv"
    pl.DataFrame({"Type": rng.choice(["L", "M", "H"], 300), "Torque [Nm]": rng.normal(40, 10, 300), **flags,
                  "Machine failure": failure}).write_csv(path)
    args = ["risk", f"risk.input.path={path}", "risk.input.kind=table", "risk.input.categorical=[Type]", "risk.window=1",
            "risk.lead_times=[0]", "risk.split=cv", "risk.labels.column=Machine failure", "risk.labels.levels=2", "model=lr",
            f"hydra.run.dir={tmp_path / 'run'}"]
    output = " ".join(_invoke(*args).split())
    assert "leakage? feature" not in output  # no flag alone
    assert "balanced accuracy 0.996 on the folds' test parts (mean) (>= risk.leakage.limit 0.98): is the label in the features, " \
           "several of them together?" in output
    quiet = " ".join(_invoke(*args[:-1], "risk.features.exclude=[TWF,HDF,PWF]", f"hydra.run.dir={tmp_path / 'run2'}").split())
    assert "is the label in the features" not in quiet


def test_an_excluded_column_name_with_brackets_is_excluded(tmp_path):
    """'Air temperature [K]' (AI4I's spelling) as a glob is 'Air temperature K': it stayed a feature."""
    path = tmp_path / "cases.csv"
    _cases().with_columns(pl.col("y").alias("Air temperature [K]")).write_csv(path)
    _invoke(*_risk(path, tmp_path / "run", "risk.features.exclude=['Air temperature [K]']"))
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["data.indicators"] == 2 + 2  # x, y; site=a/b


def test_an_exclude_entry_spelt_like_a_column_but_for_case_is_refused(tmp_path):
    path = tmp_path / "cases.csv"
    _cases().with_columns(TWF=pl.col("class")).write_csv(path)
    assert_refused(_risk(path, tmp_path / "run", "risk.features.exclude=[twf]"),
                   "risk.features.exclude: 'twf' matches no column; the table has 'TWF' (the names differ in case, width, spaces or "
                   "look-alike letters); expected column names or glob patterns", inputs=[path], run_dir=tmp_path / "run")
