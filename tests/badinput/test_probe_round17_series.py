"""Round-17 probe of `minectl uncertainty` and `minectl forecast`: credits in a product, items of zeros,
BCa levels past the resamples, forecaster parameters of the wrong type.

- A credit (a by-product sold: negative mean) times tonnes under dataset.combine=product: the analytic
  range paired the credit's low end (its largest size) with the tonnes' low end: -90 % / +92 % where the
  Monte Carlo gave -116 % / +66 %, exit 0. A product's size pairs sizes now.
- An item of zeros under combine=product: the Monte Carlo range NaN after a numpy warning, the analytic
  one the other item's, exit 0. Refused now, before any output.
- BCa on a skewed sample (nine 1 h and one 100 h): its acceleration moved the 0.975 level to 0.9984, past the
  last of 199 resamples, and the interval ended at the largest resample (40.6; 50.5 with 9,999), exit 0.
- forecaster.arima.params.order=5 or seasonal_order=null, lstm dropout=null or learning_rate='1e-3' (quoted):
  a TypeError traceback. One line now, for every sweep value before any job.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from harness import assert_refused, run_metrics
from scipy import stats

from minectl.errors import ConfigError, DataError
from minectl.forecast.lstm import LSTMForecaster
from minectl.forecast.models import ArimaForecaster
from minectl.uncertainty.bootstrap import bootstrap_ci
from minectl.uncertainty.propagation import analytic_range

SKEWED = np.array([1.0] * 9 + [100.0])  # nine short times between failures and one long


def _items_file(tmp_path: Path, **columns: np.ndarray) -> Path:
    import polars as pl

    path = tmp_path / "items.csv"
    n = len(next(iter(columns.values())))
    pl.DataFrame({"x": np.linspace(9, 11, n), **columns}).write_csv(path)
    return path


def _propagated(metrics: dict, part: str) -> dict:
    """The flat metrics.json keys uncertainty.propagation.<part>.<name> by name."""
    prefix = f"uncertainty.propagation.{part}."
    return {key.removeprefix(prefix): value for key, value in metrics.items() if key.startswith(prefix)}


def _args(path: Path, run: Path, *extra: str) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", "dataset.column=x", "dataset.group_by=null", "dataset.transforms=[level]",
            "uncertainty.n_resamples=199", "uncertainty.autocorrelation_alpha=null", "report=false", f"hydra.run.dir={run}", *extra]


@pytest.mark.parametrize(("means", "low", "high"), [
    # tonnes (-46.65 / +71.53) x a credit (-76.42 / +58.54): the negative total's low end is the largest size,
    # the tonnes' high end with the credit's low end
    ([146.5, -21.9], -math.hypot(71.53, 76.42), math.hypot(46.65, 58.54)),
    # two credits: a positive total, largest at both credits' low ends
    ([-146.5, -21.9], -math.hypot(71.53, 58.54), math.hypot(46.65, 76.42)),
    ([146.5, 21.9], -math.hypot(46.65, 76.42), math.hypot(71.53, 58.54)),  # near miss: no credit, low with low
])
def test_a_products_range_pairs_the_items_sizes_by_hand(means: list[float], low: float, high: float) -> None:
    got = analytic_range([-46.65, -76.42], [71.53, 58.54], "product", weights=means)
    assert got == pytest.approx((low, high))
    # a sum pairs low with low whatever the signs (a credit's low end lowers the total)
    assert analytic_range([-46.65, -76.42], [71.53, 58.54], "sum", weights=means)[0] == pytest.approx(
        -100 * math.hypot(means[0] * 0.4665, means[1] * 0.7642) / abs(sum(means)))


def test_a_credit_times_tonnes_leans_as_its_monte_carlo_does(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    tonnes, credit = rng.gamma(4, 25, 200) + 50, -rng.lognormal(np.log(20), 0.35, 200)
    path, run = _items_file(tmp_path, tonnes=tonnes, credit=credit), tmp_path / "run"
    got = run_metrics(_args(path, run, "dataset.cost_items=[tonnes,credit]", "dataset.combine=product",
                            "uncertainty.families=[lognormal,gamma,normal]", "uncertainty.mc_samples=10000"), run)
    analytic, carlo = (_propagated(got, part) for part in ("analytic", "monte_carlo"))
    assert carlo["mean"] < 0
    # the total's longer tail is below (larger losses of the credit): both say so, within 15 points
    assert -analytic["range_low_pct"] > analytic["range_high_pct"]
    assert -carlo["range_low_pct"] > carlo["range_high_pct"]
    assert analytic["range_low_pct"] == pytest.approx(carlo["range_low_pct"], abs=15)
    assert analytic["range_high_pct"] == pytest.approx(carlo["range_high_pct"], abs=15)


def test_a_product_with_an_item_of_zeros_is_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    path = _items_file(tmp_path, tonnes=rng.normal(100, 10, 60), royalty=np.zeros(60))
    assert_refused(_args(path, tmp_path / "run", "dataset.cost_items=[tonnes,royalty]", "dataset.combine=product"),
                   ["cost item 'royalty' is 0 in every row", "product is 0", "expected items with values other than 0"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_an_item_of_zeros_in_a_sum_adds_nothing(tmp_path: Path) -> None:
    """Near miss: a sum takes it, a fixed item of 0: the total is the tonnes'."""
    rng = np.random.default_rng(2)
    tonnes = rng.normal(100, 10, 60)
    path, run = _items_file(tmp_path, tonnes=tonnes, royalty=np.zeros(60)), tmp_path / "run"
    got = run_metrics(_args(path, run, "dataset.cost_items=[tonnes,royalty]", "uncertainty.families=[normal]"), run)
    carlo = _propagated(got, "monte_carlo")
    assert carlo["mean"] == pytest.approx(tonnes.mean(), rel=0.01)
    assert carlo["range_high_pct"] == pytest.approx(100 * 1.96 * tonnes.std(ddof=0) / tonnes.mean(), rel=0.05)


def test_bca_levels_past_the_resamples_are_refused() -> None:
    with pytest.raises(DataError, match="levels 0.08018 and 0.9984, beyond the 199 resamples.*at least 621 resamples"):
        bootstrap_ci(SKEWED, "mean", method="bca", n_resamples=199)


def test_bca_with_resamples_beyond_its_levels_is_scipys() -> None:
    """Near miss: 9,999 resamples reach the level 0.9984; the interval is scipy's BCa of the same draws."""
    ours = bootstrap_ci(SKEWED, "mean", method="bca", n_resamples=9999, random_state=0)
    theirs = stats.bootstrap((SKEWED,), np.mean, method="BCa", n_resamples=9999, rng=np.random.default_rng(0)).confidence_interval
    assert (ours.low, ours.high) == pytest.approx((theirs.low, theirs.high))


def test_a_bca_run_on_a_skewed_sample_with_few_resamples_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tbf.csv"
    path.write_text("x\n" + "".join(f"{v:g}\n" for v in SKEWED))
    assert_refused(_args(path, tmp_path / "run", "uncertainty.method=bca"),
                   ["uncertainty.n_resamples:", "the BCa interval of the mean", "at least 621 resamples, or percentile or basic"],
                   inputs=[path], run_dir=tmp_path / "run")


@pytest.mark.parametrize(("model", "params", "said"), [
    (ArimaForecaster, {"order": 5}, "order: expected three integers >= 0 (p, d, q), got 5"),
    (ArimaForecaster, {"order": "1,1,0"}, "order: expected three integers >= 0 (p, d, q), got '1,1,0'"),
    (ArimaForecaster, {"seasonal_order": None}, "seasonal_order: expected four integers >= 0 (P, D, Q, s), got None"),
    (LSTMForecaster, {"dropout": None}, "dropout: expected a value in [0, 1), got None"),
    (LSTMForecaster, {"learning_rate": "1e-3"}, "learning_rate: expected a finite value > 0, got '1e-3'"),
    (LSTMForecaster, {"validation_fraction": "0.15"}, "validation_fraction: expected a value in (0, 1), got '0.15'"),
])
def test_a_forecasters_parameter_of_another_type_is_refused(model, params: dict, said: str) -> None:
    with pytest.raises(ConfigError) as error:
        model(**params).check_params()
    assert str(error.value) == said


@pytest.mark.parametrize(("model", "params"), [
    (ArimaForecaster, {"order": [2, 1, 1], "seasonal_order": [1, 0, 0, 12]}),
    (LSTMForecaster, {"dropout": 0, "learning_rate": 1, "validation_fraction": np.float64(0.2)}),
])
def test_a_forecasters_parameters_of_their_types_are_taken(model, params: dict) -> None:
    model(**params).check_params()


def test_a_sweep_over_arima_orders_with_a_number_runs_no_job(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    assert_refused(["forecast", "-m", "forecaster=[naive,arima]", "debug=quick", "report=false",
                    "+forecaster.arima.params.order=[1,1,0],5", f"hydra.sweep.dir={sweep}"],
                   "forecaster.arima.params.order: expected three integers >= 0 (p, d, q), got 5")
    assert not sweep.exists()


def test_group_and_column_names_in_brackets_are_printed_as_written(tmp_path: Path) -> None:
    """A group named '[/b]' was a rich MarkupError traceback, 'pit [north]' printed as 'pit ' (its bracket eaten as
    markup), and so the censored column 'suspended [y/n]' in its line."""
    from harness import invoke

    rng = np.random.default_rng(4)
    path = tmp_path / "tbf.csv"
    path.write_text("machine,x,suspended [y/n]\n" + "".join(
        f"{machine},{t:.1f},{int(i % 7 == 3)}\n" for machine in ("[/b]", "pit [north]") for i, t in enumerate(rng.exponential(50, 30))))
    result = invoke(*_args(path, tmp_path / "run", "dataset.group_by=machine", "dataset.censored_column='suspended [y/n]'",
                           "uncertainty.families=[exponential,weibull]"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for group in ("[/b]", "pit [north]"):
        assert any(line.startswith(f"{group}.level: 4 of 30 rows censored (column 'suspended [y/n]')") for line in lines), result.output
    assert "│ [/b].level " in result.output
