"""Round 12 probe of the data sources: other people's files and servers.

Before: an hourly table in local time with daylight saving was refused for its spring-forward gap
(or its fall-back hour twice) without a word of the clock change; a csv whose header opens a quote
never closed read as an empty table ("table 'production' is empty"); an .arff file in Windows-1252
was "not utf-8 text (byte 64)", where a csv names the line and the letter; a superuser's SELECT
from a config read the server's files (pg_read_file, pg_ls_dir) and ran its functions.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from minectl.data.contract import validate
from minectl.data.sources import read_file, read_table, scan_dated_csv
from minectl.errors import DataError

sys.path.insert(0, str(Path(__file__).parents[1] / "data"))
import test_postgres  # noqa: E402  (its server fixture: skipped where initdb and pg_ctl are absent)

server = test_postgres.server  # a server of this module's own

ONE_CLOCK = "local time with daylight saving? expected times on one clock the year round (UTC, or the mine's standard time)"


def _hourly(stamps: list[str], quantities: list[float] | None = None) -> pl.LazyFrame:
    """An hourly consumption table of one meter at the wall-clock ``stamps``, as a kind: csv source reads it."""
    return pl.LazyFrame({"timestamp": pl.Series(stamps).str.to_datetime("%Y-%m-%d %H:%M"), "mine_id": "M1", "activity": "hauling",
                         "resource": "electricity", "quantity": quantities or [1.0] * len(stamps)})


def _wall_clock(zone: str, start_utc: dt.datetime, hours: int) -> list[str]:
    """A logger's wall clock in ``zone``: one reading an hour from ``start_utc``."""
    return [(start_utc + dt.timedelta(hours=h)).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") for h in range(hours)]


# -- daylight saving ------------------------------------------------------------------------------

@pytest.mark.parametrize("zone, start, missing", [
    ("Europe/Berlin", dt.datetime(2021, 3, 27, 23, tzinfo=dt.UTC), "2021-03-28 02:00 is the hour that clocks skip as they go "
     "forward for daylight saving in zones such as Europe/Berlin"),
    ("America/New_York", dt.datetime(2021, 3, 14, 5, tzinfo=dt.UTC), "2021-03-14 02:00 is the hour that clocks skip as they go "
     "forward for daylight saving in zones such as America/New_York"),
], ids=["Berlin", "New York"])
def test_the_spring_forward_gap_of_a_local_clock_names_the_clock_change(zone, start, missing):
    # was "has gaps in timestamp ... (first: 2021-03-28 01:00:00 -> 2021-03-28 03:00:00)" alone
    with pytest.raises(DataError) as refused:
        validate("consumption_hourly", _hourly(_wall_clock(zone, start, 48)), "hourly.csv")
    assert str(refused.value).endswith(f"{missing}: {ONE_CLOCK}")
    assert "has gaps in timestamp for mine_id=M1, activity=hauling, resource=electricity: 48 rows" in str(refused.value)


@pytest.mark.parametrize("quantities", [[1.0] * 48, [1.0 + h for h in range(48)]], ids=["readings alike", "readings differ"])
def test_the_fall_back_hour_twice_names_the_clock_change_whether_its_readings_are_alike_or_not(quantities):
    # was "(2 rows alike: a re-export appended?)" where a meter read the same in both hours
    stamps = _wall_clock("Europe/Berlin", dt.datetime(2021, 10, 30, 22, tzinfo=dt.UTC), 48)
    assert stamps.count("2021-10-31 02:00") == 2
    with pytest.raises(DataError, match="timestamp=2021-10-31 02:00:00 \\(2 rows: 2021-10-31 02:00 is the hour that clocks repeat as "
                                        "they go back for daylight saving in zones such as Europe/Berlin: local time with daylight "
                                        "saving\\?\\); expected times on one clock the year round"):
        validate("consumption_hourly", _hourly(stamps, quantities), "hourly.csv")


def test_a_gap_or_a_repeat_on_no_clock_change_says_nothing_of_one():
    # near misses: an hour missing or repeated on an ordinary night; and UTC across the change reads whole
    stamps = [f"2021-03-{d:02d} {h:02d}:00" for d in (20, 21) for h in range(24)]
    with pytest.raises(DataError) as gap:
        validate("consumption_hourly", _hourly(stamps[:26] + stamps[27:]), "hourly.csv")
    assert str(gap.value).endswith("(first: 2021-03-21 01:00:00 -> 2021-03-21 03:00:00)")
    with pytest.raises(DataError, match="two readings of one hour, as the hour repeated when clocks go back in naive local time"):
        validate("consumption_hourly", _hourly(stamps[:27] + stamps[26:], list(range(49))), "hourly.csv")
    utc = [(dt.datetime(2021, 3, 27) + dt.timedelta(hours=h)).strftime("%Y-%m-%d %H:%M") for h in range(48)]
    assert validate("consumption_hourly", _hourly(utc), "hourly.csv").collect()["quantity"].sum() == 48.0


# -- a header's quote never closed ----------------------------------------------------------------

@pytest.mark.parametrize("rows", [1, 20_000], ids=["small", "beyond the header's 64 KiB"])
def test_a_header_quote_never_closed_is_named_not_an_empty_table(rows, tmp_path):
    path = tmp_path / "production.csv"
    path.write_text('\ndate,"mine_id,ore_t,drilled_m,haul_km\n' + "2024-01-01,M1,100,10,2\n" * rows)
    expect = (f"{path}: line 2, the header, has a quote that is never closed ('\"mine_id,ore_t,drilled_m,haul_km'): the rest of the "
              "file reads as one name; expected quotes in pairs around a name (a quote inside one doubled)")
    for reader in (lambda: read_table("csv", str(path)).collect(), lambda: read_file(path)):
        with pytest.raises(DataError) as refused:
            reader()
        assert str(refused.value) == expect


def test_a_quoted_name_holding_separators_and_quotes_still_reads(tmp_path):
    # near miss: quotes in pairs around names and values, a doubled quote inside a value
    path = tmp_path / "production.csv"
    path.write_text('"date","mine, id",ore_t,note\n2024-01-01,M1,100,"a ""b"" c"\n2024-01-02,M1,110,\n')
    assert scan_dated_csv(path).collect().to_dict(as_series=False) == {
        "date": [dt.date(2024, 1, 1), dt.date(2024, 1, 2)], "mine, id": ["M1", "M1"], "ore_t": [100, 110], "note": ['a "b" c', None]}
    assert read_file(path)["ore_t"].to_list() == [100, 110]


# -- an .arff file in another code page ------------------------------------------------------------

ARFF = "@relation mine\n@attribute site string\n@attribute ore numeric\n@data\n'Sérvia',1.5\n'Ob',2\n"


def test_an_arff_file_in_windows_1252_names_its_line_and_letter(tmp_path):
    path = tmp_path / "sites.arff"
    path.write_bytes(ARFF.encode("cp1252"))
    with pytest.raises(DataError) as refused:
        read_file(path)
    assert str(refused.value) == (f"{path}: not UTF-8 text (line 5 has byte 0xE9, 'é' in Windows-1252); expected UTF-8 text "
                                  "(save the .arff file as UTF-8)")
    path.write_bytes(ARFF.encode())  # near miss: the same file in UTF-8 reads
    assert read_file(path).to_dict(as_series=False) == {"site": ["Sérvia", "Ob"], "ore": [1.5, 2.0]}


# -- a PostgreSQL superuser's query from a config --------------------------------------------------

def test_a_superusers_query_from_a_config_reads_no_server_file(server, tmp_path):
    """The test server's role is a superuser (initdb's): a config's query runs as pg_read_all_data."""
    marker = tmp_path / "written.txt"
    denied = "; expected a SELECT of tables and views the role may read (a query from a config runs without a superuser's powers"
    for query, expect in [
        ("SELECT pg_read_file('/etc/hostname') AS x", "failed: permission denied for function pg_read_file" + denied),
        ("SELECT count(*) AS x FROM pg_ls_dir('/')", "failed: permission denied for function pg_ls_dir" + denied),
        (f"SELECT lo_export(0, '{marker}') AS x", "failed: permission denied for function lo_export" + denied),
        # the role taken back, then a read out of sight: SQL given as text, or the function's name in escapes
        ("SELECT set_config('role', current_setting('is_superuser'), true) AS a, query_to_xml('SELECT 1', true, false, '') AS x",
         "calls set_config(), which a query from a config may not"),
        ("SELECT \"ts_stat\"('SELECT to_tsvector(pg_read_file(''/etc/hostname''))') AS x", "calls ts_stat(), which"),
        ('SELECT U&"\\0070g_read_file"(\'/etc/hostname\') AS x', 'names something in Unicode escapes (U&"...")'),
        ("pg_catalog.pg_authid", "reads pg_authid, a catalog of the server's passwords, which a query from a config may not"),
        ("SELECT rolname AS mine_id, rolpassword FROM pg_shadow", "reads pg_shadow, a catalog of the server's passwords"),
    ]:
        with pytest.raises(DataError) as refused:
            read_table("postgres", dsn=server, query=query).collect()
        assert expect in str(refused.value), str(refused.value)
        assert test_postgres.PASSWORD not in str(refused.value)
    assert not marker.exists()
    # near miss: a SELECT over the database's own tables and functions reads as before, as pg_read_all_data; a table name too
    frame = read_table("postgres", dsn=server, query="SELECT current_user AS who, upper('m1') AS mine_id, 2 * 21 AS n").collect()
    assert frame.to_dicts() == [{"who": "pg_read_all_data", "mine_id": "M1", "n": 42}]
    roles = read_table("postgres", dsn=server, query="pg_catalog.pg_roles", reads=["rolname", "rolsuper"])
    assert roles.filter(pl.col("rolname") == "minectl").collect()["rolsuper"].to_list() == [True]
    assert os.environ.get("PGPASSWORD") == test_postgres.PASSWORD


# -- a csv source's column of no value, and two columns alike but for case -------------------------

HEADER = "date,mine_id,ore_t,drilled_m,haul_km"
DAYS = [f"2024-01-0{d}" for d in range(1, 6)]


def _production_csv(tmp_path: Path, header: str, row) -> Path:
    path = tmp_path / "production.csv"
    path.write_text(header + "\n" + "".join(row(day, tonnes) + "\n" for day, tonnes in zip(DAYS, [100, 110, 0, 120, 130], strict=True)))
    return path


def _validated(path: Path) -> pl.DataFrame:
    return validate("production", read_table("csv", str(path)), str(path)).collect()


@pytest.mark.parametrize("header, row, expect", [
    # was costed: every day "without output" (cost.no_output_days 5), where parquet's Null column is refused
    (HEADER, lambda d, t: f"{d},M1,,10.0,2.0", "column 'ore_t' of table 'production' has no value in any of its 5 rows; "
     "expected Float64 values"),
    # was read from 'ore_t' alone, 'Ore_t' left out unsaid
    (HEADER + ",Ore_t", lambda d, t: f"{d},M1,{t},10.0,2.0,{t * 1000}", "table 'production' has columns 'ore_t' and 'Ore_t', "
     "alike but for case or spacing: which is the ore_t? expected one such column (drop or rename the other)"),
], ids=["an empty column", "a column twice but for case"])
def test_a_csv_column_of_no_value_or_twice_but_for_case_is_refused(header, row, expect, tmp_path):
    path = _production_csv(tmp_path, header, row)
    with pytest.raises(DataError) as refused:
        _validated(path)
    assert str(refused.value) == f"{path}: {expect}"


def test_an_empty_extra_column_or_a_day_without_output_still_reads(tmp_path):
    # near misses: a notes column of no value, drilled_m of none (a mine that records no drilling: the taconite
    # example's), and one day's ore_t missing among given ones
    path = _production_csv(tmp_path, HEADER + ",notes", lambda d, t: f"{d},M1,{'' if d == DAYS[2] else t},,2.0,")
    read = _validated(path)
    assert read["ore_t"].to_list() == [100.0, 110.0, None, 120.0, 130.0] and read["drilled_m"].null_count() == 5


# -- Indian digit groups (en-IN: lakhs and crores) -------------------------------------------------

def test_numbers_in_lakh_groups_read_as_the_numbers_they_are(tmp_path):
    # were refused: "column 'ore_t' of table 'production' has values that are not Float64 (... '1,00,100')"
    path = _production_csv(tmp_path, HEADER, lambda d, t: f'{d},M1,"1,00,{t:03d}",10.0,2.0')
    assert _validated(path)["ore_t"].to_list() == [100100.0, 100110.0, 100000.0, 100120.0, 100130.0]
    table = tmp_path / "prices.csv"
    table.write_text('month,price\n2024-01,"12,34,567.5"\n2024-02,"99,999"\n2024-03,950\n')
    assert read_file(table)["price"].to_list() == [1234567.5, 99999.0, 950.0]


def test_a_comma_that_may_be_a_decimal_one_stays_refused_beside_lakh_groups_alone(tmp_path):
    # near miss: 1,320 alone is 1320 or 1.32 (no value shows which); a lakh group is no decimal comma
    path = _production_csv(tmp_path, HEADER, lambda d, t: f'{d},M1,"1,{t:03d}",10.0,2.0')
    with pytest.raises(DataError, match="column 'ore_t' of table 'production' has values that are not Float64 .*'1,100'"):
        _validated(path)


# -- Excel's trailing separators in a sensors table ------------------------------------------------

@pytest.mark.parametrize("trailing", [",", ",,", ",,,"], ids=["one", "two", "three"])
def test_trailing_separators_of_a_sensors_csv_are_no_sensor(trailing, tmp_path):
    # two or more: the second empty name read as a sensor '_duplicated_0' without any reading (one was dropped)
    path = tmp_path / "sensors.csv"
    path.write_bytes(("\ufefftimestamp,mine_id,temp" + trailing + "\r\n" + "".join(
        f"2024-01-01 {h:02d}:00,M1,{20 + h}{trailing}\r\n" for h in range(3))).encode())
    frame = validate("sensors", read_table("csv", str(path)), str(path)).collect()
    assert frame.columns == ["timestamp", "mine_id", "temp"] and frame["temp"].to_list() == [20.0, 21.0, 22.0]


# -- a row's quote never closed --------------------------------------------------------------------

@pytest.mark.parametrize("bad, value", [('2024-01-02,"M1,110,10.0,2.0', '"M1,110,10.0,2.0'), ("2024-01-02,M1,110,10.0,\"2.0", '"2.0')],
                         ids=["a text column", "the last column"])
def test_a_rows_quote_never_closed_is_named(bad, value, tmp_path):
    # was "column 'ore_t' of table 'production' has values that are not Float64 (found String)", or
    # "unreadable as csv (could not parse `\"2.0)": the rest of the file was one value
    path = tmp_path / "production.csv"
    path.write_text(f"{HEADER}\n2024-01-01,M1,100,10.0,2.0\n{bad}\n2024-01-03,M1,0,10.0,2.0\n")
    with pytest.raises(DataError) as refused:
        _validated(path)
    assert f"a value has a quote that is never closed ({value!r}): the rest of the file reads as that value; expected quotes in " \
           "pairs around a value (a quote inside one doubled)" in str(refused.value)


def test_a_quoted_value_over_two_lines_still_reads(tmp_path):
    # near miss: a note quoted over two lines (a spreadsheet cell with a line break) is one value
    path = _production_csv(tmp_path, HEADER + ",note", lambda d, t: f'{d},M1,{t},10.0,2.0,"checked\nby night shift"')
    read = _validated(path)
    assert read["ore_t"].to_list() == [100.0, 110.0, 0.0, 120.0, 130.0] and read["note"][0] == "checked\nby night shift"


# -- a logger's times a second off the hour --------------------------------------------------------

def test_times_a_second_off_the_hour_are_named_as_such():
    # was "has steps shorter than one period (aggregate to the table's period upstream)": 10 of 48 hours read at :00:01
    stamps = [dt.datetime(2024, 1, 1) + dt.timedelta(hours=h, seconds=h % 5 == 0) for h in range(48)]
    hourly = pl.LazyFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity", "quantity": 1.0})
    with pytest.raises(DataError) as refused:
        validate("consumption_hourly", hourly, "hourly.csv")
    assert str(refused.value) == ("hourly.csv: table 'consumption_hourly' has 10 timestamp values off the hours of the others for "
                                  "mine_id=M1, activity=hauling, resource=electricity (first: 2024-01-01 00:00:01; the others fall "
                                  "as 2024-01-01 01:00:00 does); expected times a whole number of hours apart (round a logger's "
                                  "times to the hour)")


def test_quarter_hours_are_still_told_to_be_aggregated():
    # near miss: every time on a quarter hour: readings of a shorter period, as said before
    stamps = [dt.datetime(2024, 1, 1) + dt.timedelta(minutes=15 * q) for q in range(48)]
    quarters = pl.LazyFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity", "quantity": 1.0})
    with pytest.raises(DataError, match=r"has steps shorter than one period \(aggregate to the table's period upstream\)"):
        validate("consumption_hourly", quarters, "hourly.csv")
