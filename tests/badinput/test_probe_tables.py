"""Bad-input corpus: other people's table files for `minectl risk`, `forecast`, `uncertainty` and
`capacity`. Before: a file with CR line ends ended in a traceback (_csv.Error), UTF-16 and
Windows-1252 files read with garbled column names ('��m\\x00', 'pr��o'), a parquet column of
categories holding numbers or a list ended in a traceback, one of dates in categories let a
newest-first series through, a risk feature of enums, lists, durations or dates was silently no
feature, a trailing separator made an empty column that risk refused, month names, zoned
timestamps and 2021/12 were no dates, so a newest-first rolling price path was read backwards,
`date, x1` named a column ' x1', a stray quote gave polars' "CSV malformed" line, values near
1e150 ended in a traceback (the block length's fourth powers) and a zero estimate ended the run.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from csv_series import MONTHS, PRICES, metrics, uncertainty, write
from harness import assert_refused

from minectl.forecast.series import read_monthly_series

SERIES = "m,v\n" + "".join(f"{m:%Y-%m},{p}\n" for m, p in zip(MONTHS, PRICES, strict=True))

ENCODED = {  # name: (bytes of a series file, what the one line must say)
    "utf-16 with a byte-order mark": (SERIES.encode("utf-16"), "UTF-16 text (Excel's 'Unicode Text' export?)"),
    "utf-16 without one": (SERIES.encode("utf-16-le"), "UTF-16 text"),
    "latin-1 header": (SERIES.replace("m,v", "mês,v", 1).encode("latin-1"),
                       "not UTF-8 text (line 1 has byte 0xEA, 'ê' in Windows-1252)"),
    "windows-1252 value": (("m,v,site\n" + "".join(f"{m:%Y-%m},{p},{'Sé' if i == 3 else 'S'}\n" for i, (m, p) in
                                                  enumerate(zip(MONTHS, PRICES, strict=True)))).encode("cp1252"),
                           "not UTF-8 text (line 5 has byte 0xE9, 'é' in Windows-1252)"),
    "cr line ends": (SERIES.replace("\n", "\r").encode(), "lines end in a carriage return (CR) alone; expected LF or CR LF"),
}


@pytest.mark.slow
@pytest.mark.parametrize("data, expect", ENCODED.values(), ids=ENCODED.keys())
def test_a_series_in_another_encoding_or_with_cr_line_ends_is_refused_in_one_line(data, expect, tmp_path):
    path = tmp_path / "series.csv"
    path.write_bytes(data)
    line = assert_refused([*uncertainty(path), f"hydra.run.dir={tmp_path / 'run'}"], [str(path), expect], inputs=[path],
                          run_dir=tmp_path / "run")
    assert "UTF-8" in line or "CR LF" in line


@pytest.mark.slow
def test_a_series_with_a_utf8_byte_order_mark_and_crlf_reads_as_the_plain_one(tmp_path):
    plain = metrics(uncertainty(write(tmp_path / "plain.csv", SERIES)), tmp_path / "a")
    marked = tmp_path / "marked.csv"
    marked.write_bytes(("\ufeff" + SERIES.replace("\n", "\r\n")).encode())
    assert metrics(uncertainty(marked), tmp_path / "b") == plain


def _log(n: int = 80) -> pl.DataFrame:
    """An hourly plant log: x tells the class, y is noise."""
    rng = np.random.default_rng(0)
    label = (rng.random(n) < 0.4).astype(int)
    return pl.DataFrame({"ts": [dt.datetime(2024, 1, 1) + dt.timedelta(hours=i) for i in range(n)],
                         "x": np.round(label * 2.0 + rng.normal(size=n), 6), "y": np.round(rng.normal(size=n), 6), "class": label})


def _risk(path: Path, run: Path, *extra: object) -> list[object]:
    return ["risk", f"risk.input.path={path}", "risk.input.kind=table", "risk.time.column=ts", "risk.window=2",
            "risk.lead_times=[0]", "risk.labels.column=class", "risk.labels.levels=2", "model=lr",
            "risk.robustness.enabled=false", "risk.importance.enabled=false", "report=false", *extra, f"hydra.run.dir={run}"]


EXTRA = {  # a parquet column no model reads: (its values, what the line says)
    "enum": (pl.Series(["a", "b"] * 40, dtype=pl.Enum(["a", "b"])), "holds text (e.g. 'a')"),
    "list": (pl.Series([[1.0, 2.0]] * 80), "holds List(Float64) values"),
    "struct": (pl.Series([{"p": 1.0}] * 80), "holds Struct({'p': Float64}) values"),
    "bytes": (pl.Series([b"\x00"] * 80), "holds Binary values"),
    "duration": (pl.Series([dt.timedelta(hours=i % 3) for i in range(80)]), "holds Duration(time_unit='us') values"),
    "time of day": (pl.Series([dt.time(i % 24) for i in range(80)]), "holds Time values"),
    "date": (pl.Series([dt.date(2024, 1, 1)] * 80), "holds Date values, which are no feature; expected numbers, or the column in "
             "risk.features.exclude (not a feature), or risk.time.column=extra"),
    "null type": (pl.Series([None] * 80), "has no value in any row"),
}


@pytest.mark.slow
@pytest.mark.parametrize("values, expect", EXTRA.values(), ids=EXTRA.keys())
def test_a_risk_column_of_a_type_no_model_reads_is_refused_not_skipped(values, expect, tmp_path):
    """Each was silently no feature (only text and categories were refused)."""
    path = tmp_path / "log.parquet"
    _log().with_columns(values.alias("extra")).write_parquet(path)
    assert_refused(_risk(path, tmp_path / "run"), [str(path), f"column 'extra' {expect}"], inputs=[path], run_dir=tmp_path / "run")


def _risk_metrics(path: Path, run: Path, *extra: object) -> dict:
    from typer.testing import CliRunner

    from minectl.cli import app

    result = CliRunner().invoke(app, [str(a) for a in _risk(path, run, *extra)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {k: v for k, v in json.loads((run / "metrics.json").read_text()).items() if not k.startswith("time.seconds")}


@pytest.mark.slow
def test_risk_reads_trailing_separators_and_enum_categories_as_the_plain_table(tmp_path):
    """A separator after the last column (a spreadsheet's export) made an unnamed empty column,
    refused as a feature with no value; an enum category was silently no feature."""
    log = _log().with_columns(crew=pl.Series(["day", "night"] * 40))
    plain, trailing = tmp_path / "plain.csv", tmp_path / "trailing.csv"
    log.write_csv(plain)
    trailing.write_text("".join(line + ",,\n" for line in plain.read_text().splitlines()))
    expected = _risk_metrics(plain, tmp_path / "a", "risk.input.categorical=[crew]")
    assert expected["data.indicators"] == 4  # x, y, crew=day, crew=night
    assert _risk_metrics(trailing, tmp_path / "b", "risk.input.categorical=[crew]") == expected
    enum = tmp_path / "enum.parquet"
    log.with_columns(pl.col("crew").cast(pl.Enum(["day", "night"]))).write_parquet(enum)
    assert _risk_metrics(enum, tmp_path / "c", "risk.input.categorical=[crew]") == expected


def test_unnamed_trailing_columns_holding_values_are_refused(tmp_path):
    path = write(tmp_path / "series.csv", "m,v,,\n" + "".join(f"{m:%Y-%m},{p},1,\n" for m, p in zip(MONTHS, PRICES, strict=True)))
    assert_refused([*uncertainty(path), f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "the header ends in 2 empty column names, and a column of them holds values"], inputs=[path])


@pytest.mark.slow
def test_parquet_categories_read_as_the_text_they_stand_for(tmp_path):
    """pandas' category columns: prices in categories ended in a traceback ('cannot cast
    categorical types'), and newest-first months in categories passed the order check (their
    codes follow first appearance) and gave another interval."""
    frame = pl.DataFrame({"m": [f"{m:%Y-%m}" for m in MONTHS], "v": PRICES})
    plain = tmp_path / "plain.parquet"
    frame.write_parquet(plain)
    expected = metrics(uncertainty(plain), tmp_path / "a")
    as_categories = tmp_path / "categories.parquet"
    frame.with_columns(pl.col("v").cast(pl.String).cast(pl.Categorical), pl.col("m").cast(pl.Categorical)).write_parquet(as_categories)
    assert metrics(uncertainty(as_categories), tmp_path / "b") == expected
    newest_first = tmp_path / "newest_first.parquet"
    frame.reverse().with_columns(pl.col("m").cast(pl.Categorical)).write_parquet(newest_first)
    assert_refused([*uncertainty(newest_first), f"hydra.run.dir={tmp_path / 'c'}"],
                   [str(newest_first), "column 'm' at row 2 (2020-11-01 00:00:00) is not after the row before (2020-12-01 00:00:00)"])
    lists = tmp_path / "lists.parquet"
    frame.with_columns(pl.concat_list("v").alias("v")).write_parquet(lists)
    assert_refused([*uncertainty(lists), f"hydra.run.dir={tmp_path / 'd'}"], [str(lists), "column 'v' holds List(Float64) values; expected numbers"])


MONTH_FORMS = {"month names": "{:%b-%Y}", "zulu": "{:%Y-%m-%d}T00:00:00Z", "offset": "{:%Y-%m-%d}T00:00:00+02:00",
               "year/month": "{:%Y/%m}", "year/month/day": "{:%Y/%m/%d}"}


@pytest.mark.slow
@pytest.mark.parametrize("form", MONTH_FORMS.values(), ids=MONTH_FORMS.keys())
def test_a_newest_first_rolling_price_path_is_refused_whatever_its_date_form(form, tmp_path):
    """Such dates were no dates: the order check skipped the column and the path's last rows, its
    oldest months, were taken as the latest."""
    path = write(tmp_path / "prices.csv", "date,price\n" + "".join(f"{form.format(m)},{p}\n" for m, p in zip(MONTHS[::-1], PRICES, strict=True)))
    assert_refused(["capacity", f"rolling.path={path}", "rolling.column=price", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "column 'date' at row 2 (2020-11-01 00:00:00) is not after the row before (2020-12-01 00:00:00)",
                    "oldest first"], inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize("form", ["{:%Y-%m-%d}T00:00:00+08:00", "{:%Y-%m-%d}T00:00:00Z", "{:%Y-%m-%d} 00:00:00-0500",
                                  "{:%Y/%m}"])
def test_forecast_reads_zoned_and_slashed_month_text_in_its_own_months(form, tmp_path):
    """Text timestamps with a zone were refused (only parquet's zoned column was read); at local
    midnight +08:00 each is the evening before in UTC, so UTC would shift every month back."""
    path = write(tmp_path / "prices.csv", "month,usd_t\n" + "".join(f"{form.format(m)},{p}\n" for m, p in zip(MONTHS, PRICES, strict=True)))
    series = read_monthly_series(path, "month", "usd_t")
    assert series["date"].to_list() == MONTHS
    assert series["value"].to_list() == PRICES


def test_a_risk_table_of_one_time_is_refused_naming_the_rows_not_the_config(tmp_path):
    """It read "risk.time.frequency: 1step has no length in time": a config error that was none."""
    path = tmp_path / "log.parquet"
    _log(1).write_parquet(path)
    assert_refused(_risk(path, tmp_path / "run"), [str(path), "time column 'ts' holds 1 time; expected at least 2 to tell one period"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_spreadsheet_day_numbers_as_months_are_named_as_such(tmp_path):
    serials = [(m - dt.date(1899, 12, 30)).days for m in MONTHS]  # 2020-01-01 is 43831
    path = write(tmp_path / "prices.csv", "month,usd_t\n" + "".join(f"{d},{p}\n" for d, p in zip(serials, PRICES, strict=True)))
    assert_refused(["forecast", f"series={path}", "source.date_column=month", "source.value_column=usd_t", f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), "got type Int64 (e.g. 43831) (spreadsheet day numbers? format the column as dates before saving)"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_the_block_length_of_values_near_1e150_is_that_of_the_same_values_scaled_down():
    """The fourth powers of such values overflowed (inf / inf): `cannot convert float NaN to integer`."""
    from minectl.uncertainty.dependence import autocorrelations, politis_white_block

    walk = np.cumsum(np.random.default_rng(3).normal(size=200)) + 50.0
    assert politis_white_block(walk * 1e150) == pytest.approx(politis_white_block(walk), rel=1e-12)
    assert autocorrelations(walk * 1e150, 3) == pytest.approx(autocorrelations(walk, 3), rel=1e-12)
    assert 2 < politis_white_block(walk) < 3 * np.sqrt(200)


def test_a_zero_estimate_leaves_out_its_relative_range_not_the_run(tmp_path):
    """A series ending where it starts has a mean difference of exactly 0: the run ended in
    "estimate: relative uncertainty range needs a non-zero estimate", naming no series."""
    values = [100] + [100 + (i * 37) % 11 for i in range(1, 23)] + [100]
    path = write(tmp_path / "series.csv", "m,v\n" + "".join(f"{2020 + i // 12}-{i % 12 + 1:02d},{v}\n" for i, v in enumerate(values)))
    args = [arg for arg in uncertainty(path) if not arg.startswith("dataset.transforms=")]
    found = metrics([*args, "dataset.transforms=[level,diff]"], tmp_path / "run")
    assert found["uncertainty.diff.estimate"] == 0
    assert "uncertainty.diff.range_low_pct" not in found
    level = found["uncertainty.level.estimate"]
    assert level == pytest.approx(np.mean(values))
    assert found["uncertainty.level.range_low_pct"] == pytest.approx(100 * (found["uncertainty.level.ci_low"] - level) / level)


@pytest.mark.slow
def test_a_hand_written_header_with_spaces_after_the_commas_reads_as_the_plain_one(tmp_path):
    """`m, v` named its columns 'm' and ' v': "column 'v' not found; columns are m,  v"."""
    plain = metrics(uncertainty(write(tmp_path / "plain.csv", SERIES)), tmp_path / "a")
    assert metrics(uncertainty(write(tmp_path / "spaced.csv", SERIES.replace(",", ", "))), tmp_path / "b") == plain
    path = write(tmp_path / "twice.csv", SERIES.replace("m,v", "m,v, v ", 1).replace("\n2", ",1\n2"))
    assert_refused([*uncertainty(path), f"hydra.run.dir={tmp_path / 'c'}"],
                   [str(path), "column 'v' appears 2 times in the header (spaces around names aside)"], inputs=[path])


@pytest.mark.parametrize("note", ['pipe 5" wide', '"5 inch'], ids=["quote inside a value", "quote never closed"])
def test_a_stray_quote_in_a_value_is_named_as_such(note, tmp_path):
    """polars' own line ("CSV malformed: expected 0 rows, actual 11 rows, in chunk ...") said nothing of quotes."""
    rows = [f"{m:%Y-%m},{p},{note if i == 3 else 'x'}\n" for i, (m, p) in enumerate(zip(MONTHS, PRICES, strict=True))]
    path = write(tmp_path / "series.csv", "m,v,note\n" + "".join(rows))
    assert_refused([*uncertainty(path), f"hydra.run.dir={tmp_path / 'run'}"],
                   [str(path), 'expected quotes only around whole values, a quote inside one doubled ("5"" pipe")'], inputs=[path])
