"""Probe round 8, the lead's part: one rule where two were.

A column of whole years named as years ordered the rows of uncertainty's and capacity's series, not
optimize's prices (its own rule, a twin of the series' rule less the years): a newest-first annual
price table gave its oldest price as the decision price, exit 0. And a price column named `date` was
read by a third, narrower rule: months as 01/2020 or Jan 2024 (EIA's) were refused as "not a date".
"""

from __future__ import annotations

import json

import polars as pl
import pytest


@pytest.mark.parametrize("header, dates", [
    ("month", ["2024-03", "2024-02", "2024-01"]),
    ("year", ["2024", "2023", "2022"]),
    ("Fiscal Year", ["2024", "2023", "2022"]),
    ("date", ["Mar 2024", "Feb 2024", "Jan 2024"]),
    ("date", ["03/2024", "02/2024", "01/2024"]),
])
def test_a_newest_first_price_table_gives_its_latest_price(tmp_path, header, dates):
    from harness import invoke

    prices = tmp_path / "coal.csv"
    prices.write_text(f"{header},coal_usd_t\n" + "".join(f"{d},{p}\n" for d, p in zip(dates, ("130.5", "120.25", "110"), strict=True)))
    run = tmp_path / "run"
    result = invoke("optimize", "debug=quick", f"optimize.decision.price_path={prices}", "optimize.decision.price_column=coal_usd_t",
                    "optimize.decision.low_price=50", "optimize.decision.high_price=150", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["decision.price"] == 130.5


def test_what_reads_as_a_date_column():
    from minectl.features.series import dates_of

    assert dates_of(pl.Series("year", [2023, None, 2021]), "f").to_list()[0].year == 2023
    assert dates_of(pl.Series("tonnes", [2023, 2022]), "f") is None  # integers of another name are measurements
    assert dates_of(pl.Series("year", [2023, 2023]), "f") is None  # years that repeat: a date split into columns
    assert dates_of(pl.Series("month", ["1960M01", "Jan-1960"]), "f").null_count() == 0
    assert dates_of(pl.Series("month", ["1960M01", "total"]), "f") is None  # one value no date: no date column
    assert dates_of(pl.Series("month", [None, None], dtype=pl.String), "f") is None
    assert dates_of(pl.Series("price", [1.5, 2.0]), "f") is None
