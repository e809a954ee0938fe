"""Round 9, the mine's own tables as plant systems export them (`minectl cost` on csv and parquet
tables): meters of a longer period written on the hourly grid, registers that reset, two-digit
years, a zoned time among naive ones, ids that differ in leading zeros."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from conftest import write_daily_labour, write_tiny_mine
from harness import assert_refused, invoke

from minectl.data.sources import scan_dated_csv
from minectl.errors import DataError

START = dt.datetime(2024, 1, 1)
LABOUR_CNY_H = 85.0  # conf/costs/default.yaml
TINY_LABOUR_H = 5.0 + 6 + 7 + 8 + 9  # the tiny mine's booked hauling labour


def _meters(folder: Path, quantity: list[float | None]) -> None:
    """Five days of one hourly electricity meter (hauling) in the tiny mine."""
    stamps = [START + dt.timedelta(hours=i) for i in range(5 * 24)]
    pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity",
                  "quantity": pl.Series(quantity, dtype=pl.Float64)}).write_parquet(folder / "consumption_hourly.parquet")


def _cost(folder: Path, run: Path, *overrides: str) -> list[str]:
    return ["cost", "data=parquet_dir", f"data.dir={folder}", "report=false", f"hydra.run.dir={run}", *overrides]


def _cost_with_csv(folder: Path, csv: dict[str, Path], run: Path) -> list[str]:
    """`minectl cost` of the mine in ``folder`` with the tables of ``csv`` from those csv files (a data
    config beside the run: a source entry cannot be written on the command line)."""
    conf = run.parent / "conf" / "data"
    conf.mkdir(parents=True, exist_ok=True)
    tables = "".join(f"  {table}: {{kind: csv, path: '{path}'}}\n" for table, path in csv.items())
    (conf / "mixed.yaml").write_text(f"name: mixed\ndir: '{folder}'\ntables:\n{tables}")
    return ["cost", "-cd", str(conf.parent), "data=mixed", f"hydra.run.dir={run}"]


def _metrics(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text())


# A meter of a longer period on the hourly grid: each reading the total of its period, the hours
# between empty. Eq 3 filled the empty hours from the readings around them, each total counted again
# for every hour filled: 4x a 4-hourly meter's energy with the default settings (9,600 kWh a day for
# 2,400), 24x a daily meter's with cost.interpolation_limit=null (57,600; with the default limit the
# days were left missing and electricity costed 0).
COARSE = {
    "4-hourly totals": ([400.0 if i % 4 == 3 else None for i in range(120)], [], "has 30 readings, none one hour from another "
                        "(every 4 hours, the hours between empty; 1 such series)"),
    "daily totals, no limit": ([2400.0 if i % 24 == 0 else None for i in range(120)], ["cost.interpolation_limit=null"],
                               "has 5 readings, none one hour from another (every 24 hours"),
    "daily totals": ([2400.0 if i % 24 == 23 else None for i in range(120)], [], "has 5 readings, none one hour from another"),
    "daily totals, one day without": ([2400.0 if i % 24 == 0 and i != 48 else None for i in range(120)], [],
                                      "has 4 readings, none one hour from another (every 24 to 48 hours"),
    "use written in its hours only": ([50.0 if i % 6 == 0 else None for i in range(120)], [], "(every 6 hours"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", COARSE)
def test_a_meter_of_a_longer_period_on_the_hourly_grid_is_refused(case, tmp_path):
    quantity, overrides, expect = COARSE[case]
    folder = write_tiny_mine(tmp_path / "mine")
    _meters(folder, quantity)
    assert_refused(_cost(folder, tmp_path / "run", *overrides),
                   ["consumption_hourly: mine_id=M1, activity=hauling, resource=electricity", expect,
                    "expected a reading in every hour"], inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize("missing", [
    {i for i in range(120) if i % 5 == 2},  # every fifth hour: each gap one hour between two readings
    {i for i in range(120) if i % 4 in (1, 2)},  # two hours of every four: readings two by two
    {0, 60, 119},  # a day's first hour, one inside, the last
    {i for i in range(120) if i % 24 not in (1, 3, 6, 10, 15, 21)},  # a failing meter: readings alone, at no regular step
])
@pytest.mark.slow
def test_an_hourly_meter_with_missing_readings_is_costed(missing, tmp_path):
    """The valid neighbours: a reading missing now and then, even every other hour in pairs, is a gap
    that eq 3 fills: 100 kWh an hour at 0.6 CNY/kWh is 2,400 kWh and 1,440 CNY a day (a first or last
    day with hours no gap filling reaches takes the month's mean, 2,400)."""
    folder = write_tiny_mine(tmp_path / "mine")
    _meters(folder, [None if i in missing else 100.0 for i in range(120)])
    result = invoke(*_cost(folder, tmp_path / "run"))
    assert result.exit_code == 0, result.output
    daily = pl.read_parquet(tmp_path / "run" / "tables" / "daily.parquet")
    assert daily["qty_electricity"].to_list() == pytest.approx([2400.0] * 5)
    assert _metrics(tmp_path / "run")["cost.total"] == pytest.approx(5 * 1440.0 + LABOUR_CNY_H * TINY_LABOUR_H)


# A register that resets: a month-to-date total (8 h a day, from 0 on the 1st), or a counter that
# rolls over. It falls only where it resets, so the check of a series that rises every day let it
# through: 60 days cost as 7,448 h of labour (633,080 CNY) for 480 h (40,800 CNY).
MONTH_TO_DATE = [8.0 * (day + 1) for day in range(31)] + [8.0 * (day + 1) for day in range(29)]
ROLLOVER = [(9_700.0 + 8 * day) % 10_000 for day in range(70)]  # a 4-digit counter: 9,996 then 4


@pytest.mark.parametrize("hours, expect", [
    (MONTH_TO_DATE, "rises on every one of its 60 days but 1, where it falls back as a register resets (first 248.0 to 8.0 "
                    "on 2024-02-01) (8.0 to 232.0 a day; 1 such series)"),
    (ROLLOVER, "rises on every one of its 70 days but 1, where it falls back as a register resets (first 9,996.0 to 4.0 on "
               "2024-02-08)"),
    (MONTH_TO_DATE[10:] + MONTH_TO_DATE[:12], "rises on every one of its 62 days but 2,"),  # cut runs at both ends
])
@pytest.mark.slow
def test_a_register_that_resets_is_refused(hours, expect, tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    write_daily_labour(folder, hours)
    assert_refused(_cost(folder, tmp_path / "run"),
                   ["consumption: mine 'M1', activity 'hauling', resource 'labour' ", expect,
                    "a meter's running total (register readings), not the quantity used?"],
                   inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize("hours", [
    [8.0 + day % 3 for day in range(10)] + [5.0 + day for day in range(30)] + [8.0 + day % 3 for day in range(10)],  # a ramp inside
    [5.0 + day for day in range(30)] + [6.0, 9.0, 7.0, 8.0, 5.0, 9.0],  # a ramp, then use that falls and rises
    [5.0 + day % 20 for day in range(60)],  # runs of 20 rising days: shorter than a register's between its falls
])
@pytest.mark.slow
def test_use_with_a_long_rise_among_falls_is_costed(hours, tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    write_daily_labour(folder, hours)
    result = invoke(*_cost(folder, tmp_path / "run"))
    assert result.exit_code == 0, result.output
    assert _metrics(tmp_path / "run")["cost.total"] == pytest.approx(LABOUR_CNY_H * sum(hours))


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, column, value", [
    ("date,x\n01.02.24,1\n02.02.24,2\n", "date", "01.02.24"),  # was 1 Feb of the year 24
    ("date,x\n1/2/24,1\n", "date", "1/2/24"),  # was 1 Feb of the year 24
    ("date,x\n24-01-13,1\n", "date", "24-01-13"),  # was 24 Jan of the year 13
    ("date;x\n01.02.24;1,5\n", "date", "01.02.24"),
    ("ts,x\n01/01/24 00:00,1\n", "ts", "01/01/24 00:00"),  # was polars' "could not parse" with its Python hints
])
def test_a_date_with_a_two_digit_year_is_refused(text, column, value, tmp_path):
    path = _write(tmp_path / "t.csv", text)
    with pytest.raises(DataError) as refused:
        scan_dated_csv(path)
    assert str(refused.value) == (f"{path}: column {column!r} has {value!r}, a date "
                                  "whose year has two digits (to polars' date reader a year of the first century, 24 and not "
                                  "2024); expected the year in four digits (e.g. 2024-01-31, 31.01.2024 or 1/31/2024)")


def test_four_digit_years_read_as_before(tmp_path):
    path = _write(tmp_path / "t.csv", "date,ts,x\n01.02.2024,2024-01-13 10:00,1\n1/2/2024,2024-1-2T00:00,2\n")
    frame = scan_dated_csv(path).collect()
    assert frame["date"].to_list() == [dt.date(2024, 2, 1), dt.date(2024, 2, 1)]
    assert frame["ts"].to_list() == [dt.datetime(2024, 1, 13, 10), dt.datetime(2024, 1, 2)]


def test_tables_with_two_digit_years_are_refused(tmp_path):
    """The tiny mine's dated tables as a German Excel writes them with a short year (01.01.24):
    before, its days were those of the year 24, costed without a word (2,975 CNY on 0024-01-01 to 0024-01-05)."""
    folder = write_tiny_mine(tmp_path / "mine")
    csv = {}
    for table in ("production", "consumption_daily", "equipment"):
        csv[table] = tmp_path / f"{table}.csv"
        pl.read_parquet(folder / f"{table}.parquet").with_columns(pl.col("date").dt.strftime("%d.%m.%y")).write_csv(
            csv[table], separator=";")
        (folder / f"{table}.parquet").unlink()
    assert_refused(_cost_with_csv(folder, csv, tmp_path / "run"),
                   [f"data.tables.production: {csv['production']}: column 'date' has '01.01.24', a date whose year has two "
                    "digits"], inputs=[folder, *csv.values()], run_dir=tmp_path / "run")


def _hourly_csv(path: Path, stamps: list[str]) -> Path:
    pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity",
                  "quantity": 100.0}).write_csv(path)
    return path


@pytest.mark.parametrize("zoned, expect", [
    ("Z", "'2024-01-03 00:00:00Z' at row 49, in another form than '2024-01-01 00:00:00' at row 1 (a zone or offset among "
          "naive times"),
    ("+02:00", "'2024-01-03 00:00:00+02:00' at row 49, in another form than '2024-01-01 00:00:00' at row 1"),
])
@pytest.mark.slow
def test_a_zoned_time_among_naive_ones_is_named(zoned, expect, tmp_path):
    """A historian export whose times gain a zone partway (a 'Z' or an offset): polars leaves the
    whole column text, and the line named its first value, a good one ('2024-01-01 00:00:00' at row 1)."""
    folder = write_tiny_mine(tmp_path / "mine")
    stamps = [(START + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M:%S") + (zoned if i >= 48 else "") for i in range(120)]
    path = _hourly_csv(tmp_path / "consumption_hourly.csv", stamps)
    run = tmp_path / "run"
    assert_refused(_cost_with_csv(folder, {"consumption_hourly": path}, run),
                   ["data.tables.consumption_hourly:", "column 'timestamp' of table 'consumption_hourly' holds text (String), "
                    "not dates", f"this one has {expect}"], inputs=[folder, path], run_dir=run)


def test_text_in_no_date_form_is_named_by_its_first_value(tmp_path):
    """Where polars knows no form of the column's values, the first value is named, as before."""
    folder = write_tiny_mine(tmp_path / "mine")
    path = _hourly_csv(tmp_path / "consumption_hourly.csv",
                       [(START + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M CET") for i in range(120)])
    assert_refused(_cost_with_csv(folder, {"consumption_hourly": path}, tmp_path / "run"),
                   "this one has '2024-01-01 00:00 CET' at row 1)", inputs=[folder, path], run_dir=tmp_path / "run")


def test_mine_ids_that_differ_in_leading_zeros_are_named(tmp_path):
    """'007' in the tables, 7 in a `mines` table that stored its ids as numbers: refused as a mine
    'mines' lacks, with no word of the 7 it has."""
    folder = write_tiny_mine(tmp_path / "mine")
    for table in ("production", "consumption_daily", "equipment"):
        pl.read_parquet(folder / f"{table}.parquet").with_columns(mine_id=pl.lit("007")).write_parquet(folder / f"{table}.parquet")
    pl.read_parquet(folder / "mines.parquet").with_columns(mine_id=pl.lit(7)).write_parquet(folder / "mines.parquet")
    assert_refused(_cost(folder, tmp_path / "run"),
                   "5 rows for mine_id '007', which table 'mines' lacks (it has '7': the ids differ in leading zeros, which a "
                   "number column drops; store ids as text); expected every mine_id of 'production' in 'mines'",
                   inputs=[folder], run_dir=tmp_path / "run")


def _booked_twice(folder: Path, quantity: float | None) -> None:
    """The tiny mine's booked labour of 1 January twice: again as it is (``None``) or with ``quantity``."""
    booked = pl.read_parquet(folder / "consumption_daily.parquet")
    again = booked.head(1) if quantity is None else booked.head(1).with_columns(quantity=pl.lit(quantity))
    pl.concat([booked.head(1), again, booked.tail(4)]).write_parquet(folder / "consumption_daily.parquet")


def _hour_twice(folder: Path) -> None:
    """Hour 02:00 of 3 January twice with two readings: a fall-back hour in naive local time."""
    at = 2 * 24 + 2
    _meters(folder, [100.0] * 120)
    hourly = pl.read_parquet(folder / "consumption_hourly.parquet")
    pl.concat([hourly.head(at + 1), hourly.slice(at, 1).with_columns(quantity=pl.lit(90.0)), hourly.slice(at + 1)]
              ).write_parquet(folder / "consumption_hourly.parquet")


@pytest.mark.parametrize("edit, expect", [
    (lambda f: _booked_twice(f, None), "table 'consumption_daily' has duplicate rows for mine_id=M1, activity=hauling, "
     "resource=labour, date=2024-01-01 (2 rows alike: a re-export appended?); expected one row per"),
    (lambda f: _booked_twice(f, 9.0), "date=2024-01-01 (2 rows with other values: two readings of one day?); expected"),
    (_hour_twice, "table 'consumption_hourly' has duplicate rows for mine_id=M1, activity=hauling, resource=electricity, "
     "timestamp=2024-01-03 02:00:00 (2 rows with other values: two readings of one hour, as the hour repeated when clocks "
     "go back in naive local time?); expected one row per mine_id, activity, resource, timestamp"),
], ids=["a re-export", "two bookings", "a fall-back hour"])
@pytest.mark.slow
def test_duplicate_rows_say_whether_they_are_alike(edit, expect, tmp_path):
    """Rows of one key were refused the same whether copies (a re-export appended to the file) or two
    readings (an hour repeated as clocks go back): which one it is, is said."""
    folder = write_tiny_mine(tmp_path / "mine")
    edit(folder)
    assert_refused(_cost(folder, tmp_path / "run"), expect, inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize("table, text, expect", [
    ("consumption_daily", "date,mine_id,activity,resource,quantity\n", "table 'consumption_daily' is empty; expected at least one row"),
    ("production", "\ufeffdate,mine_id,ore_t,drilled_m,haul_km\r\n", "table 'production' is empty; expected at least one row"),
    ("consumption_daily", "date,mine_id,activity,resource,quantity\n" + ",M1,hauling,labour,5\n" * 5,
     "column 'date' of table 'consumption_daily' has no value in any of its 5 rows; expected Date values"),
], ids=["a header alone", "a header alone, BOM and CRLF", "no date in any row"])
@pytest.mark.slow
def test_a_csv_table_without_dates_is_refused_in_one_line(table, text, expect, tmp_path):
    """An export that found no rows writes its header alone: its columns are text to polars, and the
    date column's first value, none, ended in a ValueError traceback."""
    folder = write_tiny_mine(tmp_path / "mine")
    (folder / f"{table}.parquet").unlink()
    path = tmp_path / f"{table}.csv"
    path.write_bytes(text.encode())
    assert_refused(_cost_with_csv(folder, {table: path}, tmp_path / "run"), [f"data.tables.{table}: {path}: ", expect],
                   inputs=[folder, path], run_dir=tmp_path / "run")


@pytest.mark.slow
@pytest.mark.parametrize("marker, separator", [("NA", ","), ("#N/A", ","), ("n/a", ";"), ("NA", "\t")])
def test_a_missing_marker_after_the_first_100_rows_is_a_missing_reading(marker, separator, tmp_path):
    """A historian's 'NA' in row 111 of its hourly export: polars had inferred the column as numbers from
    its first 100 rows and failed ("unreadable as csv (could not parse `NA` as dtype `f64`)"), where
    the same marker in row 5 read as a missing reading. Now both read so: the hour is interpolated
    from its neighbours (100 kWh), 2,400 kWh and 1,440 CNY a day."""
    folder = write_tiny_mine(tmp_path / "mine")
    stamps = [(START + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M") for i in range(120)]
    quantity = ["100,0" if separator == ";" else "100.0"] * 120
    quantity[110] = marker
    path = tmp_path / "consumption_hourly.csv"
    pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity",
                  "quantity": quantity}).write_csv(path, separator=separator)
    result = invoke(*_cost_with_csv(folder, {"consumption_hourly": path}, tmp_path / "run"))
    assert result.exit_code == 0, result.output
    daily = pl.read_parquet(tmp_path / "run" / "tables" / "daily.parquet")
    assert daily["qty_electricity"].to_list() == pytest.approx([2400.0] * 5)
    metrics = _metrics(tmp_path / "run")
    assert metrics["imputed.hourly_interpolated"] == 1
    assert metrics["cost.total"] == pytest.approx(5 * 1440.0 + LABOUR_CNY_H * TINY_LABOUR_H)


def test_a_time_in_another_form_after_the_first_100_rows_says_what_was_expected(tmp_path):
    """polars reads a csv column in the type its first 100 rows show; a later value in another form
    failed with polars' line alone, which said nothing of what was expected."""
    folder = write_tiny_mine(tmp_path / "mine")
    stamps = [(START + dt.timedelta(hours=i)).strftime("%Y-%m-%d %H:%M") + (" (est)" if i == 110 else "") for i in range(120)]
    path = _hourly_csv(tmp_path / "consumption_hourly.csv", stamps)
    assert_refused(_cost_with_csv(folder, {"consumption_hourly": path}, tmp_path / "run"),
                   [f"data.tables.consumption_hourly: {path}: column 'timestamp' of table 'consumption_hourly' holds text",
                    "this one has '2024-01-05 14:00 (est)' at row 111, in another form than '2024-01-01 00:00' at row 1"],
                   inputs=[folder, path], run_dir=tmp_path / "run")
