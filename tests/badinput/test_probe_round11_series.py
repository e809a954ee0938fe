"""Bad-input corpus, round 11 (series): price series and failure logs in the layouts users bring,
given to `minectl forecast`, `minectl uncertainty` and `minectl capacity`.

Silent before (exit 0): a yearbook's annual series whose integer `year` column is named in
dataset.date_column was read as numbers, so a year left out (1989, then 1991) went unseen and its
log return over two years was fitted as one year's; left unnamed, the same column was read as years
and the gap refused. Refused before, valid: revenue risk of that series ("does not show one ...
year per row; set dataset.frequency"), and the gap's error named the years as months (1989-01).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_refused, quick_uncertainty, run_metrics

YEARS = list(range(1980, 2020))
ANNUAL = [round(50 + 1.5 * i + (5 if (1980 + i) % 3 == 0 else 0), 3) for i in range(len(YEARS))]


# --- an integer year column named as the rows' dates -----------------------------------------------

def test_a_year_left_out_is_refused_where_the_year_column_is_named(tmp_path: Path) -> None:
    """Named, 1989 then 1991 passed (exit 0) and the return across them was one year's."""
    path = tmp_path / "annual.csv"
    pl.DataFrame({"year": YEARS, "value": ANNUAL}).filter(pl.col("year") != 1990).write_csv(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run", "dataset.date_column=year"),
                   [str(path), "column 'year' jumps from 1989 to 1991 at row 11; expected one row per year"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_named_year_column_gives_the_revenue_risk_of_the_next_year_by_hand(tmp_path: Path) -> None:
    """Refused before ("set dataset.frequency"); the figures are those of the column left unnamed."""
    path = tmp_path / "annual.csv"
    pl.DataFrame({"year": YEARS, "value": ANNUAL}).write_csv(path)
    revenue = ["revenue.output=10", "uncertainty.risk_level=0.9"]
    named = run_metrics(quick_uncertainty(path, tmp_path / "named", "dataset.date_column=year", *revenue), tmp_path / "named")
    unnamed = run_metrics(quick_uncertainty(path, tmp_path / "unnamed", "dataset.date_column=null", *revenue), tmp_path / "unnamed")
    assert named == unnamed
    levels = np.array(ANNUAL)
    sales = 10 * levels[-1] * np.exp(np.diff(np.log(levels)))
    assert named["uncertainty.revenue.var"] == pytest.approx(-np.quantile(-sales, 0.9, method="inverted_cdf"), rel=1e-12)
    table = pl.read_parquet(tmp_path / "named" / "tables" / "revenue_risk.parquet")
    assert table["horizon"].to_list() == ["next year"]


def test_years_repeated_by_the_groups_of_a_long_file_are_each_groups_dates(tmp_path: Path) -> None:
    """Each commodity's years are its own: both series run; a year left out of one is refused."""
    path = tmp_path / "long.csv"
    frame = pl.DataFrame({"commodity": ["coal"] * 40 + ["iron"] * 40, "year": YEARS * 2,
                          "value": ANNUAL + [v * 1.3 for v in ANNUAL]})
    frame.write_csv(path)
    grouped = ["dataset.group_by=commodity", "dataset.date_column=year"]
    metrics = run_metrics(quick_uncertainty(path, tmp_path / "run", *grouped), tmp_path / "run")
    assert metrics["uncertainty.coal.level.estimate"] == pytest.approx(np.mean(ANNUAL), rel=1e-12)
    assert metrics["uncertainty.iron.log_return.estimate"] == pytest.approx(np.mean(np.diff(np.log(ANNUAL))), rel=1e-9)
    gap = tmp_path / "gap.csv"
    frame.filter(~((pl.col("commodity") == "iron") & (pl.col("year") == 2000))).write_csv(gap)
    assert_refused(quick_uncertainty(gap, tmp_path / "gap", *grouped),
                   [f"{gap} (commodity=iron): column 'year' jumps from 1999 to 2001"], inputs=[gap], run_dir=tmp_path / "gap")


# --- entropic risk at a small risk aversion --------------------------------------------------------

@pytest.mark.parametrize("alpha", [1e-300, 1e-16, -1e-16, 1e-12])
def test_entropic_risk_at_a_tiny_alpha_is_the_mean_plus_alpha_times_half_the_variance(alpha: float) -> None:
    """ln mean e^(alpha x / s) lost its digits in ln n: alpha 1e-16 gave 1041 for a mean of 999.5, 1e-300 gave 0."""
    from minectl.uncertainty.risk import entropic_risk

    losses = np.random.default_rng(0).normal(1000, 10, 1000)
    scale = float(losses.std())
    # second order in alpha: the cumulant expansion's next term, alpha^2 k3 / (6 s^2), is below 1e-20 here
    expected = losses.mean() + alpha * losses.var() / (2 * scale)
    assert entropic_risk(losses, alpha, scale) == pytest.approx(expected, rel=1e-14)


def test_entropic_risk_at_ordinary_alphas_is_unchanged() -> None:
    """The near miss: alpha 1 and -1 as summed by hand in logs; an outlier past exp's range (e^1e6) by logsumexp."""
    from minectl.uncertainty.risk import entropic_risk

    losses = np.array([1.0, 2.0, 3.0, 4.0])
    for alpha in (1.0, -1.0, 0.5):
        by_hand = np.log(np.mean(np.exp(alpha * losses / 2.0))) * 2.0 / alpha
        assert entropic_risk(losses, alpha, 2.0) == pytest.approx(by_hand, rel=1e-14)
    outlier = np.r_[np.zeros(99), 1e6]
    assert entropic_risk(outlier, 1.0, 1.0) == pytest.approx(1e6 - np.log(100), rel=1e-14)


def _capacity(run: Path, *extra: str) -> dict:
    return run_metrics(["capacity", "report=false", f"hydra.run.dir={run}", *extra], run)


def _errors_mean(low: float, high: float, confidence: float = 0.95) -> float:
    """The mean of capacity's deterministic lognormal errors (the (i - 0.5)/n quantiles, n = 10001): e at alpha 0."""
    from scipy import stats

    z = stats.norm.ppf(0.5 + confidence / 2)
    mu, sigma = (np.log1p(low) + np.log1p(high)) / 2, (np.log1p(high) - np.log1p(low)) / (2 * z)
    return float(np.mean(np.expm1(mu + sigma * stats.norm.ppf((np.arange(10001) + 0.5) / 10001))))


def test_a_price_up_exactly_the_dead_band_keeps_the_risk_neutral_error(tmp_path: Path) -> None:
    """100 -> 105 is 0.050000000000000044 in floats, just past the 5 % dead band: alpha -7e-16, and e_P was 0.0
    for the errors' mean -0.00432 (the unconstrained optimum 41.73 Mt/a for 41.69)."""
    path = tmp_path / "prices.csv"
    path.write_text("date,price\n2024-01,100\n2024-02,105\n2024-03,104\n")
    run = tmp_path / "run"
    _capacity(run, f"rolling.path={path}")
    rows = pl.read_parquet(run / "tables" / "rolling.parquet")
    assert abs(rows["alpha_price"][0]) < 1e-15 and rows["alpha_price"][1] == 0.0  # 104 / 105 - 1: inside the band
    assert rows["e_price"].to_list() == pytest.approx([_errors_mean(-0.1079, 0.1079)] * 2, rel=1e-9)


@pytest.mark.parametrize(("alpha", "e_price"), [(1e-16, None), (0.0, None), (1.0, -0.030425573649749840)],
                         ids=["tiny", "zero", "one"])
def test_capacity_price_error_by_hand(tmp_path: Path, alpha: float, e_price: float | None) -> None:
    """alpha_price=1e-16 gave e_P +0.978 and e_Z -1.85 (exit 0); at 0 it is the errors' mean, at 1 their
    entropic equivalent summed in logs (scipy's logsumexp, scale = their standard deviation)."""
    metrics = _capacity(tmp_path / "run", f"revenue.alpha_price={alpha}", f"revenue.alpha_cost={alpha}")
    if e_price is None:
        e_price = _errors_mean(-0.1079, 0.1079)
        assert metrics["capacity.e_cost"] == pytest.approx(_errors_mean(-0.1305, 0.2768), rel=1e-9)
    assert metrics["capacity.e_price"] == pytest.approx(e_price, rel=1e-9)


# --- a confidence too close to 1 -------------------------------------------------------------------

def test_a_capacity_confidence_whose_quantile_is_infinite_is_named(tmp_path: Path) -> None:
    """Was 'errors: expected a non-constant sample of relative errors', naming no key, from each job."""
    assert_refused(["capacity", "report=false", "revenue.confidence=0.9999999999999999", f"hydra.run.dir={tmp_path / 'run'}"],
                   "error: revenue.confidence: 0.9999999999999999 is too close to 1: its normal quantile is infinite",
                   run_dir=tmp_path / "run")


def test_the_largest_capacity_confidence_below_1_runs_with_the_errors_by_hand(tmp_path: Path) -> None:
    confidence = 0.9999999999999998
    metrics = _capacity(tmp_path / "run", f"revenue.confidence={confidence}", "revenue.alpha_price=0", "revenue.alpha_cost=0")
    assert metrics["capacity.e_price"] == pytest.approx(_errors_mean(-0.1079, 0.1079, confidence), rel=1e-9)


@pytest.mark.parametrize(("confidence", "said"), [
    ("0.9999999999999999", "uncertainty.confidence=0.9999999999999999 is too close to 1: its interval needs 18014398509481984 "
                           "resamples (one beyond each end), more than the 10000000 kept; expected a confidence below 0.9999998"),
    ("0.9999998", "uncertainty.n_resamples=9999 is too few for a 0.9999998 interval; expected at least 10000000"),
], ids=["past_the_draws_kept", "within_them"])
def test_an_uncertainty_confidence_near_1_says_what_to_change(tmp_path: Path, confidence: str, said: str) -> None:
    """Was 'n_resamples=9999 is too few for a 1 interval; expected at least 18014398509481984', a count no run may have."""
    assert_refused(["uncertainty", "report=false", f"uncertainty.confidence={confidence}", f"hydra.run.dir={tmp_path / 'run'}"],
                   said, run_dir=tmp_path / "run")


# --- fiscal years (2018-19) -------------------------------------------------------------------------

FISCAL = [f"{y}-{(y + 1) % 100:02d}" for y in range(2005, 2020)]
OUTPUT = [500 + 10 * i + (7 if (2005 + i) % 2 else -5) for i in range(15)]
PRICE = [80.0 + 3 * i * (1 if (2005 + i) % 3 else 0.5) for i in range(15)]


def test_fiscal_years_read_as_the_first_day_of_their_start_year() -> None:
    from minectl.features.series import calendar_dates

    for text in (["2018-19", "2019-20"], ["2018/19", "2019/20"], ["2018–19", " 2019 – 20 "], ["1999-00", "2000-01"]):
        start = int(text[0][:4])
        assert calendar_dates(pl.Series("fy", text), "t").dt.date().to_list() == [dt.date(start, 1, 1), dt.date(start + 1, 1, 1)]


@pytest.mark.parametrize("months", [["2000-01", "2000-02"], ["2011-12"], ["2010-11", "2012-01"]], ids=["two", "one", "not_fiscal"])
def test_months_that_could_be_one_fiscal_year_stay_months(months: list[str]) -> None:
    """2000-01 alone is January 2000 and the fiscal year 2000-01 both: a column is fiscal years only if every value is one."""
    from minectl.features.series import calendar_dates

    expected = [dt.date(int(m[:4]), int(m[5:]), 1) for m in months]
    assert calendar_dates(pl.Series("m", months), "t").dt.date().to_list() == expected


def _cobweb(path: Path, run: Path) -> list[str]:
    return ["capacity", "report=false", f"cobweb.path={path}", f"hydra.run.dir={run}"]


def test_a_newest_first_fiscal_year_cobweb_table_is_refused(tmp_path: Path) -> None:
    """2019-20 first: read in file order, b1 2.97 for 3.09 and supply R^2 0.68 for 0.80, exit 0."""
    path = tmp_path / "cobweb.csv"
    pl.DataFrame({"year": FISCAL, "output": OUTPUT, "price": PRICE}).reverse().write_csv(path)
    assert_refused(_cobweb(path, tmp_path / "run"), [str(path), "column 'year' at row 2", "is not after the row before",
                                                    "oldest first: the cobweb pairs each row's output with the price of the row before"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_an_oldest_first_fiscal_year_cobweb_is_the_least_squares_lines_by_hand(tmp_path: Path) -> None:
    from scipy import stats

    path = tmp_path / "cobweb.csv"
    pl.DataFrame({"year": FISCAL, "output": OUTPUT, "price": PRICE}).write_csv(path)
    metrics = run_metrics(_cobweb(path, tmp_path / "run"), tmp_path / "run")
    supply, demand = stats.linregress(PRICE[:-1], OUTPUT[1:]), stats.linregress(OUTPUT, PRICE)
    assert metrics["capacity.cobweb.b1"] == pytest.approx(supply.slope, rel=1e-12)
    assert metrics["capacity.cobweb.r2_supply"] == pytest.approx(supply.rvalue**2, rel=1e-12)
    assert metrics["capacity.cobweb.b2"] == pytest.approx(demand.slope, rel=1e-12)
    gap = tmp_path / "gap.csv"  # 2010-11 left out: 2009-10's price paired with 2011-12's output
    pl.DataFrame({"year": FISCAL, "output": OUTPUT, "price": PRICE}).filter(pl.col("year") != "2010-11").write_csv(gap)
    assert_refused(_cobweb(gap, tmp_path / "gap"), [str(gap), "column 'year' goes from", "leaving out a year"], inputs=[gap])


def test_fiscal_year_prices_newest_first_are_refused_and_oldest_first_give_next_years_risk(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    frame = pl.DataFrame({"year": FISCAL, "value": PRICE})
    frame.reverse().write_csv(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run", "dataset.date_column=null"),
                   [str(path), "is not after the row before", "the newest first: reverse the rows"], inputs=[path])
    frame.write_csv(path)
    metrics = run_metrics(quick_uncertainty(path, tmp_path / "ok", "dataset.date_column=year", "revenue.output=10",
                                    "uncertainty.risk_level=0.9"), tmp_path / "ok")
    assert metrics["uncertainty.log_return.estimate"] == pytest.approx(np.mean(np.diff(np.log(PRICE))), rel=1e-9)
    assert pl.read_parquet(tmp_path / "ok" / "tables" / "revenue_risk.parquet")["horizon"].to_list() == ["next year"]


def test_a_quarter_left_out_is_named_as_quarters(tmp_path: Path) -> None:
    """Named as months before (2001-07 to 2002-01) in a file that writes 2001Q3."""
    path = tmp_path / "quarterly.csv"
    quarters = [f"{2000 + i // 4}Q{i % 4 + 1}" for i in range(40) if i != 7]
    pl.DataFrame({"date": quarters, "value": [50.0 + i for i in range(39)]}).write_csv(path)
    assert_refused(quick_uncertainty(path, tmp_path / "run", "dataset.date_column=date"),
                   [str(path), "column 'date' jumps from 2001Q3 to 2002Q1 at row 8; expected one row per quarter"],
                   inputs=[path], run_dir=tmp_path / "run")
