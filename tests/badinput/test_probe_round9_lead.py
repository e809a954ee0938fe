"""Probe round 9, the lead's part: overrides of the wrong type, and an empty currency.

OmegaConf's words for a mistyped override (`Error merging override seed=x Value 'x' of type 'str'
could not be converted to Integer`) named the override but not what the key takes; they now say both.
`costs.currency=` (empty) was refused for the money resources' exchange rate, in words that named an
empty currency as if it were one.
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("override, expect", [
    ("seed=abc", "seed=abc: not an integer; expected an integer, e.g. seed=3"),
    ("seed=1.5", "seed=1.5: not an integer; expected an integer, e.g. seed=3"),
    ("cost.outlier_sigma=[1]", "cost.outlier_sigma=[1]: not a number; expected a number, e.g. cost.outlier_sigma=0.5"),
    ("cost.event_maintenance=maybe", "cost.event_maintenance=maybe: not a flag; expected true or false"),
    ("cost.rolling_mean=abc", "cost.rolling_mean=abc: not a list; expected a list in brackets, e.g. cost.rolling_mean=[a,b]"),
    ("costs.currency=[1]", "costs.currency=[1]: not text; expected text, e.g. costs.currency=abc"),
    ("seed=null", "seed=null: the key cannot be null; expected a value of its type"),
    ("costs.currency=", "costs.currency: empty; expected the currency of the prices, e.g. CNY or USD"),
    ("costs.currency=' '", "costs.currency: empty; expected the currency of the prices, e.g. CNY or USD"),
])
def test_a_mistyped_or_empty_value_names_what_the_key_takes(tmp_path, override, expect):
    from harness import assert_refused

    assert assert_refused(["cost", override, f"hydra.run.dir={tmp_path / 'run'}"], expect, run_dir=tmp_path / "run") == f"error: {expect}"


def test_a_mistyped_value_in_a_sweep_is_named_before_any_job(tmp_path):
    from harness import invoke

    result = invoke("cost", "-m", "seed=1,2,x", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.exit_code == 2 and result.output.strip() == "error: seed=x: not an integer; expected an integer, e.g. seed=3"
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize("written", ["01.02.24", "1/2/24", "24-01-13", "1/2/24 06:00"])
def test_a_date_with_a_two_digit_year_is_refused_in_a_series_file(tmp_path, written):
    """The single-file inputs read `01.02.24` as 1 February of the year 24, `1/2/24` as 24 February of
    the year 1: an uncertainty series so dated was ordered and checked in the first century."""
    import polars as pl
    from harness import assert_refused

    from minectl.errors import DataError
    from minectl.features.series import parse_dates

    with pytest.raises(DataError, match=f"column 'when' has '{written}', a date whose year has two digits; expected"):
        parse_dates(pl.Series("when", ["2024-01-01", written]), "f.csv")
    series = tmp_path / "prices.csv"
    series.write_text("month,price\n" + "".join(f"{written if i == 2 else f'2024-{i + 1:02d}-01'},{100 + i}\n" for i in range(6)))
    assert_refused(["uncertainty", f"dataset.path={series}", "dataset.column=price", "dataset.date_column=month",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   f"column 'month' has '{written}', a date whose year has two digits", inputs=[series], run_dir=tmp_path / "run")


def test_four_digit_years_read_as_before():
    import polars as pl

    from minectl.features.series import parse_dates

    for written in ("31.01.2024", "1/31/2024", "2024-01-31"):
        assert parse_dates(pl.Series("when", [written]), "f").dt.strftime("%Y-%m-%d").to_list() == ["2024-01-31"]
