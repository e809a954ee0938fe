"""Issue 15, cost report by the data's own period: annual figures are counted in mine-years and
drawn as bars per period and mine, daily ones as before."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import polars as pl
import pytest
from rich.console import Console

from minectl.costing.report import period_of, plot_daily_cost, plot_unit_cost, print_summary


@pytest.mark.parametrize(("dates", "period"), [
    ([dt.date(2021, 1, 1)] * 3, "period"),
    ([dt.date(2019, 1, 1), dt.date(2020, 1, 1), dt.date(2021, 1, 1)], "year"),
    ([dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2021, 3, 1)], "month"),
    ([dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(5)], "day"),
])
def test_period_of(dates, period):
    assert period_of(pl.Series(dates)) == period


def annual(years=3, mines=("A", "B")):
    rows = []
    for y in range(years):
        for k, mine in enumerate(mines):
            cost = 100.0 + 10 * y + k
            rows.append({"date": dt.date(2019 + y, 1, 1), "mine_id": mine, "cost": cost, "cost_energy": cost * 0.4,
                         "cost_other": cost * 0.6, "share_energy": 0.4, "share_other": 0.6, "cost_stage_mining": cost,
                         "share_stage_mining": 1.0, "unit_cost": cost / 10, "no_output": False})
    return pl.DataFrame(rows)


def test_annual_accounts_are_reported_per_year():
    console = Console(record=True, width=200)
    mapping = SimpleNamespace(currency="USD", categories=["energy", "other"], stages=["mining"])
    print_summary(console, annual(), pl.DataFrame(), mapping, top=0)
    text = console.export_text()
    assert "6 mine-years" in text and "mean share per mine-year" in text and "0 year(s) without output" in text
    figure = plot_daily_cost(annual(), ["energy", "other"], "USD")
    bars = figure.axes[0].patches
    assert len(bars) == 12  # 3 years x 2 mines x 2 categories, stacked
    assert sorted({round(b.get_height(), 6) for b in bars if b.get_y() == 0})[:2] == [40.0, 40.4]  # energy of 2019 A, B
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()][:2] == ["2019 A", "2019 B"]
    assert figure.axes[0].get_ylabel() == "cost per year (USD)"
    unit = plot_unit_cost(annual(), pl.DataFrame({"date": [], "mine_id": []}), "USD", "t", period="year")
    assert len(unit.axes[0].patches) == 6


def test_daily_accounts_keep_the_daily_plot():
    days = pl.DataFrame({"date": [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(40)], "mine_id": ["A"] * 40,
                         "cost_energy": [1.0] * 40})
    figure = plot_daily_cost(days, ["energy"], "CNY")
    assert figure.axes[0].get_ylabel() == "daily cost (CNY)"
    assert len(figure.axes[0].patches) == 0 and len(figure.axes[0].collections) == 1  # a stack area, no bars


def test_many_mines_are_drawn_as_their_spread_not_a_line_each():
    """164 lines and a 165-entry legend made the unit-cost plot unreadable (and 3,400 px tall): above
    8 mines it shows the median and 10-90 % band by day and how many mines had an anomaly."""
    import numpy as np

    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    mines = [f"M{k:02d}" for k in range(10)]
    rng = np.random.default_rng(0)
    daily = pl.DataFrame({"date": [d for d in days for _ in mines], "mine_id": mines * len(days),
                          "unit_cost": rng.normal(80, 5, len(days) * len(mines))})
    anomalies = pl.DataFrame({"date": [days[3], days[3], days[3], days[7]], "mine_id": ["M00", "M01", "M01", "M05"]})
    ax, right = plot_unit_cost(daily, anomalies, "CNY", "t").axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["10-90 % of mines", "median of 10 mines",
                                                                   "mines with an anomaly (right axis)"]
    median = ax.lines[0].get_ydata()
    expected = [np.median(daily.filter(pl.col("date") == d)["unit_cost"].to_numpy()) for d in days]
    assert np.allclose(median, expected)
    counts = right.lines[0].get_ydata()  # M01 twice on day 3 (two items) is one mine
    assert counts[3] == 2 and counts[7] == 1 and counts.sum() == 3
    few = plot_unit_cost(daily.filter(pl.col("mine_id").is_in(mines[:3])), anomalies, "CNY", "t")
    assert [t.get_text() for t in few.axes[0].get_legend().get_texts()] == ["M00", "M01", "M02", "anomaly day"]
