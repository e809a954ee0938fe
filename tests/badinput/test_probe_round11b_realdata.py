"""Round 11b, real data: the implied maintenance cost of a failure log that gives the operating hours
at each failure (Coetzee 1996's truck log, the Kumar LHD log's column `t`): its differences are the
times between failures. `dataset.transforms=[diff]` with `implied_cost` was refused ("the cost item
comes from the level series"), and the terminal told the user to switch the cost off; the cost of
such a log could not be had at all. The cost is now said in the terminal too (it was in metrics.json only)."""

import json
from pathlib import Path

import numpy as np
import pytest
from harness import assert_refused, invoke, run_metrics

COST = ["implied_cost.cost_per_event=20000", "implied_cost.operating_hours=6000"]
# the first 12 failures of Kumar et al. (1989)'s LHD A: times between failures, and hours at each failure
TBF = [16, 23, 32, 24, 3, 40, 61, 8, 12, 90, 59, 17]
HOURS = np.cumsum(TBF).tolist()


def _args(path, run, column, transforms, *extra):
    return ["uncertainty", f"dataset.path={path}", f"dataset.column={column}", f"dataset.transforms={transforms}",
            "uncertainty.n_resamples=99", "uncertainty.families=[exponential]", "uncertainty.method=percentile",
            "uncertainty.autocorrelation_alpha=null", "report=false", f"hydra.run.dir={run}", *COST, *extra]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("logs")
    (folder / "hours.csv").write_text("failure_time_h\n" + "".join(f"{h}\n" for h in HOURS))
    (folder / "both.csv").write_text("machine,tbf,t\n" + "".join(f"{m},{b},{t}\n" for m in "AB" for b, t in zip(TBF, HOURS, strict=True)))
    return folder


def test_implied_cost_of_the_gaps_of_a_failure_time_log(logs, tmp_path):
    """Coetzee's shape (one column of hours at each failure): the cost of its 11 gaps, c H / mean gap."""
    result = invoke(*_args(logs / "hours.csv", tmp_path / "run", "failure_time_h", "[diff]", "dataset.group_by=null"))
    assert result.exit_code == 0, result.output
    assert "diff: implied cost 3.57724e+06 a year" in result.output  # said, not only in metrics.json
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    mean_gap = (HOURS[-1] - HOURS[0]) / (len(HOURS) - 1)  # 369 / 11 = 33.55 h
    assert metrics["uncertainty.diff.estimate"] == pytest.approx(mean_gap)
    assert metrics["uncertainty.diff.implied_cost.cost"] == pytest.approx(20000 * 6000 / mean_gap)  # 3.577 M
    assert metrics["uncertainty.diff.implied_cost.low"] == pytest.approx(20000 * 6000 / metrics["uncertainty.diff.ci_high"])


def test_implied_cost_of_the_gaps_of_a_running_total_beside_the_times(logs, tmp_path):
    """The Kumar log's `t` is the running total of `tbf`: read as times between failures it stays refused,
    but its differences are those times (less the first), per machine."""
    metrics = run_metrics(_args(logs / "both.csv", tmp_path / "run", "t", "[diff]", "dataset.group_by=machine"), tmp_path / "run")
    for machine in "AB":
        assert metrics[f"uncertainty.{machine}.diff.implied_cost.cost"] == pytest.approx(20000 * 6000 / np.mean(TBF[1:]))


def test_running_total_read_as_times_between_failures_still_refused(logs, tmp_path):
    """Near miss of the above: the same column as levels makes an MTBF of the hours at each failure."""
    assert_refused(_args(logs / "both.csv", tmp_path / "run", "t", "[level,diff]", "dataset.group_by=machine"),
                   "column 't' is the running total of column 'tbf'", inputs=[logs / "both.csv"], run_dir=tmp_path / "run")


def test_implied_cost_of_times_between_failures_unchanged(logs, tmp_path):
    """The level series still carries the cost when it is there (the experiment's LHD log), now said in the terminal."""
    result = invoke(*_args(logs / "both.csv", tmp_path / "run", "tbf", "[level]", "dataset.group_by=machine"))
    assert result.exit_code == 0, result.output
    assert "A.level: implied cost 3.74026e+06 a year" in result.output  # 20000 x 6000 / (385 / 12)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["uncertainty.A.level.implied_cost.cost"] == pytest.approx(20000 * 6000 / np.mean(TBF))


@pytest.mark.parametrize("transforms, expect", [
    ("[log_return]", "implied_cost.cost_per_event: the cost item comes from the times between events; expected 'level'"),
    # failure times out of order (95 h, then 47 h): a gap of -48 h, no time between failures
    ("[diff]", "has a negative time between events (-48); expected times >= 0 for implied_cost"),
])
def test_implied_cost_without_times_between_events_refused(logs, tmp_path, transforms, expect):
    path = tmp_path / "unsorted.csv"
    path.write_text("failure_time_h\n" + "".join(f"{h}\n" for h in [*HOURS[:4], HOURS[2] - 24, *HOURS[4:]]))
    assert_refused(_args(path, tmp_path / "run", "failure_time_h", transforms, "dataset.group_by=null"), expect,
                   inputs=[path], run_dir=tmp_path / "run")


# ARIMA trend terms on the Pink Sheet: `+forecaster.arima.params.trend=c` with the default order (1, 1, 0)
# ended in statsmodels' ValueError traceback at the first fit (a constant is removed by the difference)
@pytest.mark.parametrize("extra, expect", [
    (["+forecaster.arima.params.trend=c"],
     "forecaster.arima.params.trend='c': a trend term of order 0 is removed by the 1 difference(s) of order [1, 1, 0]"),
    (["+forecaster.arima.params.trend=t", "+forecaster.arima.params.order=[0,2,1]"],
     "trend='t': a trend term of order 1 is removed by the 2 difference(s) of order [0, 2, 1] and seasonal_order [0, 0, 0, 0]; expected trend n"),
    (["+forecaster.arima.params.trend=ct", "+forecaster.arima.params.order=[1,0,0]",
      "+forecaster.arima.params.seasonal_order=[0,1,0,12]"], "trend='ct': a trend term of order 0 is removed by the 1 difference(s)"),
])
def test_arima_trend_removed_by_differencing_refused(tmp_path, extra, expect):
    assert_refused(["forecast", "forecaster=[naive,arima]", "series=south_africa", *extra, f"hydra.run.dir={tmp_path / 'run'}"],
                   expect, run_dir=tmp_path / "run")


@pytest.mark.parametrize("order, trend, expected", [
    ((1, 0, 0), "c", 91.0684685861102),   # statsmodels ARIMA(1,0,0) with a constant on ln(price), 12 months ahead
    ((1, 1, 0), "t", 98.40602133571934),  # a drift of the differenced log price: still allowed
])
def test_arima_trends_that_survive_differencing_still_fit(order, trend, expected):
    """Near miss: the same trends where no difference removes them give statsmodels' own forecast."""
    import pandas as pd

    from minectl.forecast.models import ArimaForecaster

    path = Path(__file__).resolve().parents[2] / "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"
    prices = pd.read_csv(path)["coal_south_africa_usd_mt"].dropna().to_numpy()
    model = ArimaForecaster(order=order, trend=trend)
    model.check_params()
    assert model.fit(prices).predict(12)[-1] == pytest.approx(expected, rel=1e-6)
