"""Bad-input corpus, round 5: series and case tables shaped like public data sets (FRED, Yahoo
Finance, EIA, investing.com, World Bank quarterly, UCI steel energy, a yearbook's cobweb table,
a plant historian's local times), met where an analyst meets them with `minectl forecast`,
`uncertainty`, `capacity` and `risk`. Each is read as meant (figures checked by hand or against
the plain file) or refused in one line.

Wrong figures with exit 0 before: a cobweb table of years with one year left out paired the price
of the year before the gap with the output of the year after it; quarterly or yearly rows given to
`forecast` with `source.resample` became a monthly series two thirds (eleven twelfths)
interpolated, its backtest scored on the made-up months ("278 empty months interpolated"); an
investing.com export (`Dec 01, 2024`, newest first) as `capacity`'s rolling path was read
backwards, its oldest 12 months taken as the latest (its dates were no dates).
Refused before, read now: that export in `forecast` ("must hold dates YYYY-MM, ..."); quarters
(`1990Q1`, `1990-Q1`, `Q1 1990`) in `uncertainty` and `risk` ("not dates"); zoned local times
across a daylight-saving fall-back in `risk` ("repeats 2024-10-27 02:00:00", offering
risk.time.repeated=mean, which would average two hours), now read on UTC as the same rows written
in UTC. Said wrong before: quarterly dates in `risk` were periods of 92 days, the 90- and 91-day
quarters "irregular steps" and `1y` no whole number of periods; a newest-first series in
`uncertainty` was told of dataset.group_by; a label column holding one level was told
risk.labels.levels=1, out of range. Yahoo Finance's `null` (a day without quotes) was "not numbers"; now a missing value,
as pandas reads it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from csv_series import write
from harness import assert_refused, invoke

YEARS = list(range(1990, 2025))


def _cobweb_text(years: list[int]) -> str:
    rng = np.random.default_rng(3)
    rows = [(year, 50 + 0.1 * p + rng.normal(0, 2), 300 + 2 * p) for year, p in zip(years, rng.uniform(100, 200, len(years)), strict=True)]
    return "year,output,price\n" + "".join(f"{y},{q:.2f},{p:.2f}\n" for y, q, p in rows)


def _capacity(path: Path, run: Path) -> list:
    return ["capacity", "report=false", f"cobweb.path={path}", "cobweb.output_column=output", "cobweb.price_column=price",
            f"hydra.run.dir={run}"]


def test_a_cobweb_table_of_years_pairs_each_output_with_the_price_of_the_year_before(tmp_path):
    path = write(tmp_path / "cobweb.csv", _cobweb_text(YEARS))
    result = invoke(*_capacity(path, tmp_path / "run"))
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    b1, a1 = np.polyfit(data[:-1, 2], data[1:, 1], 1)
    assert np.isclose(metrics["capacity.cobweb.b1"], b1, rtol=1e-9) and np.isclose(metrics["capacity.cobweb.a1"], a1, rtol=1e-9)


def test_a_cobweb_table_with_a_year_left_out_is_refused(tmp_path):
    """2009 missing: the cobweb paired P_2008 with Q_2010 as if they were one year apart."""
    path, run = write(tmp_path / "cobweb.csv", _cobweb_text([y for y in YEARS if y != 2009])), tmp_path / "run"
    assert_refused(_capacity(path, run), [f"{path}: column 'year' goes from 2008-01-01 to 2010-01-01, leaving out a year; "
                                          "expected one row per year, none left out"], inputs=[path], run_dir=run)


def _forecast(path: Path, run: Path, resample: str) -> list:
    return ["forecast", "debug=quick", "forecaster=[naive]", "forecast.tune=naive", "report=false", f"series={path}",
            "source.date_column=date", "source.value_column=price", f"source.resample={resample}", f"hydra.run.dir={run}"]


def test_quarterly_or_yearly_rows_are_not_resampled_into_made_up_months(tmp_path):
    for months, resample in ((3, "mean"), (12, "last")):
        dates = [f"{1990 + i * months // 12}-{i * months % 12 + 1:02d}-01" for i in range(60)]
        path = write(tmp_path / f"every_{months}.csv", "date,price\n" + "".join(f"{d},{100 + i % 7}\n" for i, d in enumerate(dates)))
        run = tmp_path / f"run_{months}"
        assert_refused(_forecast(path, run, resample),
                       [f"{path}: column 'date' has one row every {months} months; expected rows a month apart or closer "
                        "(source.resample makes months of daily or weekly rows; the forecast, its horizons and backtest count months)"],
                       inputs=[path], run_dir=run)


def test_daily_quotes_newest_first_with_us_dates_resample_to_the_latest_quote(tmp_path):
    """EIA's daily spot price layout: MM/DD/YYYY, newest first; `last` is the month's latest day."""
    rows = [(f"{m:02d}/{d:02d}/{y}", 40 + m + d / 100) for y in (2020, 2019) for m in range(12, 0, -1) for d in range(28, 0, -1)]
    path = write(tmp_path / "eia.csv", "Day,price\n" + "".join(f"{day},{value:.2f}\n" for day, value in rows))
    args = [a.replace("source.date_column=date", "source.date_column=Day") for a in _forecast(path, tmp_path / "run", "last")]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    import polars as pl

    forecast = pl.read_parquet(tmp_path / "run" / "tables" / "forecast.parquet")
    assert forecast["forecast"][0] == 52.28  # December's last quote, 12/28/2020 (the file's first row)


def _berlin_rows(step_minutes: int, days: int) -> tuple[str, str]:
    """(zoned, UTC) csv texts of the same readings every ``step_minutes`` over ``days`` days around
    the Berlin fall-back of 2024-10-27, the zoned file as a plant historian writes local time."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    start, rng = dt.datetime(2024, 10, 27 - days // 2, tzinfo=dt.timezone.utc), np.random.default_rng(5)
    zoned, utc = ["timestamp,power,temp\n"], ["timestamp,power,temp\n"]
    for i in range(days * 24 * 60 // step_minutes):
        moment = start + dt.timedelta(minutes=i * step_minutes)
        values = f",{np.sin(i / 7) + rng.normal(0, 0.5):.3f},{rng.normal(20, 3):.2f}\n"
        zoned.append(moment.astimezone(ZoneInfo("Europe/Berlin")).isoformat() + values)
        utc.append(moment.strftime("%Y-%m-%d %H:%M:%S") + values)
    return "".join(zoned), "".join(utc)


def _risk_metrics(path: Path, run: Path) -> dict:
    result = invoke("risk", "report=false", "model=lr", "debug=quick", "risk.lead_times=[0,1]", "risk.primary_lead=0", "risk.window=3",
                    "risk.input.kind=table", f"risk.input.path={path}", "risk.time.column=timestamp", "risk.labels.source=quantiles",
                    "risk.labels.column=power", "risk.labels.levels=2", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return {k: v for k, v in json.loads((run / "metrics.json").read_text()).items() if not k.startswith("timing")}


def test_risk_reads_local_times_across_a_fall_back_as_the_same_rows_in_utc(tmp_path):
    """02:00+02:00 then 02:00+01:00: refused as a repeat, with risk.time.repeated=mean offered,
    which would average two hours; 15-minute rows of the two hours were interleaved."""
    for step, days in ((60, 12), (15, 4)):
        zoned, utc = _berlin_rows(step, days)
        assert "2024-10-27T02:00:00+02:00" in zoned and "2024-10-27T02:00:00+01:00" in zoned
        paths = [write(tmp_path / f"{name}_{step}.csv", text) for name, text in (("zoned", zoned), ("utc", utc))]
        assert _risk_metrics(paths[0], tmp_path / f"zoned_{step}") == _risk_metrics(paths[1], tmp_path / f"utc_{step}")


def _quarters(form) -> list[str]:
    return [form(1990 + i // 4, i % 4 + 1) for i in range(80)]


QUARTER_FORMS = {"World Bank 1990Q1": lambda y, q: f"{y}Q{q}", "Eurostat 1990-Q1": lambda y, q: f"{y}-Q{q}",
                 "a sheet's Q1 1990": lambda y, q: f"Q{q} {y}"}
ISO_QUARTERS = _quarters(lambda y, q: f"{y}-{3 * q - 2:02d}-01")


def test_uncertainty_reads_quarters_as_the_dates_of_their_first_months(tmp_path):
    """'1990Q1' was "not dates", though dataset.frequency knows quarters."""
    prices = [100 * np.exp(np.sin(i / 5) / 4) for i in range(80)]

    def run(name: str, dates: list[str]) -> dict:
        path = write(tmp_path / f"{name}.csv", "quarter,price\n" + "".join(f"{d},{p:.3f}\n" for d, p in zip(dates, prices, strict=True)))
        result = invoke("uncertainty", "debug=quick", "report=false", f"dataset.path={path}", "dataset.column=price",
                        "dataset.date_column=quarter", "revenue.output=1000", f"hydra.run.dir={tmp_path / name}")
        assert result.exit_code == 0, result.output
        import polars as pl

        assert pl.read_parquet(tmp_path / name / "tables" / "revenue_risk.parquet")["horizon"][0] == "next quarter"
        return {k: v for k, v in json.loads((tmp_path / name / "metrics.json").read_text()).items() if not k.startswith("timing")}

    iso = run("iso", ISO_QUARTERS)
    for i, form in enumerate(QUARTER_FORMS.values()):
        assert run(f"form{i}", _quarters(form)) == iso


def test_risk_counts_quarterly_rows_in_months(tmp_path):
    """Quarterly dates read as periods of 92 days: the 90- and 91-day quarters were 'irregular
    steps' (40 of 79) and a window of 1y or a lead of 3mo could not be converted to periods."""
    rng = np.random.default_rng(9)
    rows = [f",{np.sin(i / 3) + rng.normal(0, 0.5):.3f},{rng.normal(3, 1):.2f}\n" for i in range(80)]

    def run(name: str, dates: list[str]) -> dict:
        path = write(tmp_path / f"{name}.csv", "quarter,growth,rate\n" + "".join(map(str.__add__, dates, rows)))
        result = invoke("risk", "report=false", "model=lr", "debug=quick", "risk.lead_times=[0,3mo]", "risk.primary_lead=0",
                        "risk.window=1y", "risk.input.kind=table", f"risk.input.path={path}", "risk.time.column=quarter",
                        "risk.labels.source=quantiles", "risk.labels.column=growth", "risk.labels.levels=2",
                        f"hydra.run.dir={tmp_path / name}")
        assert result.exit_code == 0, result.output
        return {k: v for k, v in json.loads((tmp_path / name / "metrics.json").read_text()).items() if not k.startswith("timing")}

    iso = run("iso", ISO_QUARTERS)
    assert iso["data.period_mo"] == 3 and iso["time.irregular_steps"] == 0 and iso["time.gaps"] == 0
    assert run("world_bank", _quarters(QUARTER_FORMS["World Bank 1990Q1"])) == iso


MONTHS = [(2022 + i // 12, i % 12 + 1) for i in range(36)]
PRICES = [1000 + 90 * np.sin(i / 4) + 7 * i for i in range(36)]
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _investing_com(path: Path) -> Path:
    """A monthly history as investing.com exports it: newest first, `Dec 01, 2024` dates, every
    value quoted, thousands commas, volumes in K and changes in %."""
    rows = [f'"{MONTH_NAMES[m - 1]} 01, {y}","{p:,.2f}","{p * 0.99:,.2f}","{1.5 + i / 10:.2f}K","{i / 7 - 2:.2f}%"'
            for i, ((y, m), p) in enumerate(zip(MONTHS, PRICES, strict=True))]
    return write(path, '"Date","Price","Open","Vol.","Change %"\n' + "\n".join(reversed(rows)) + "\n")


def test_forecast_reads_an_investing_com_export_as_the_plain_series(tmp_path):
    """`Dec 01, 2024` was "must hold dates YYYY-MM, YYYY-MM-DD or YYYYMmm"."""
    plain = write(tmp_path / "plain.csv", "date,price\n" + "".join(f"{y}-{m:02d},{p:.2f}\n" for (y, m), p in zip(MONTHS, PRICES, strict=True)))
    export = _investing_com(tmp_path / "investing.csv")

    def run(path: Path, date: str, value: str) -> dict:
        result = invoke("forecast", "debug=quick", "forecaster=[naive]", "forecast.tune=naive", "report=false", f"series={path}",
                        f"source.date_column={date}", f"source.value_column={value}", f"hydra.run.dir={tmp_path / path.stem}")
        assert result.exit_code == 0, result.output
        return {k: v for k, v in json.loads((tmp_path / path.stem / "metrics.json").read_text()).items() if not k.startswith("timing")}

    assert run(export, "Date", "Price") == run(plain, "date", "price")


def test_an_investing_com_export_is_no_rolling_path_read_backwards(tmp_path):
    """Its dates read as no dates, so the rolling optimum took the OLDEST 12 months (the file's
    last rows) as the latest, exit 0; uncertainty's refusal of its order named dataset.group_by."""
    export, run = _investing_com(tmp_path / "investing.csv"), tmp_path / "run"
    expect = (f"{export}: column 'Date' at row 2 (2024-11-01 00:00:00) is not after the row before (2024-12-01 00:00:00); expected rows "
              "in time order, one per date")
    assert_refused(["capacity", "report=false", f"rolling.path={export}", "rolling.column=Price", f"hydra.run.dir={run}"],
                   [f"{expect} (oldest first: the path's last rows are its latest months)"], inputs=[export], run_dir=run)
    assert_refused(["uncertainty", "debug=quick", "report=false", f"dataset.path={export}", "dataset.column=Price",
                    "dataset.date_column=Date", f"hydra.run.dir={run}"], [f"{expect} (the newest first: reverse the rows)"],
                   inputs=[export], run_dir=run)


def test_a_label_column_of_one_level_is_not_told_to_set_one_level(tmp_path):
    """The first hours of the steel plant's log hold only `Light_Load`: the refusal proposed
    risk.labels.levels=1, which is out of range (2..5)."""
    rows = "".join(f"2018-01-01 {i // 4:02d}:{15 * (i % 4):02d},{(i * 7) % 5 + 0.5},Light_Load\n" for i in range(40))
    path, run = write(tmp_path / "steel.csv", "date,usage_kwh,load_type\n" + rows), tmp_path / "run"
    assert_refused(["risk", "debug=quick", "report=false", "model=lr", "risk.input.kind=table", f"risk.input.path={path}",
                    "risk.time.column=date", "risk.labels.source=column", "risk.labels.column=load_type", "risk.labels.levels=2",
                    "risk.labels.names=[Light_Load,Maximum_Load]", f"hydra.run.dir={run}"],
                   ["risk labels: column 'load_type' never holds level 'Maximum_Load' of 2 (found 'Light_Load'); expected every level "
                    "in the data (at least two levels: more rows?)"], inputs=[path], run_dir=run)


def test_yahoo_finances_null_row_is_a_day_without_quotes(tmp_path):
    """Yahoo Finance writes `null` across a row on a day without quotes: "4 values that are not numbers"."""
    from minectl.data.sources import read_file

    path = write(tmp_path / "yahoo.csv", "Date,Open,Close,Adj Close,Volume\n2024-12-02,40.1,40.3,40.3,1200\n"
                                         "2024-12-03,null,null,null,null\n2024-12-04,40.2,40.38,40.38,900\n")
    frame = read_file(path)
    assert frame["Adj Close"].to_list() == [40.3, None, 40.38] and frame["Volume"].to_list() == [1200, None, 900]
