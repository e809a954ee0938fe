"""Bad-input corpus, degenerate but well-formed data for `minectl uncertainty` and `capacity`:
series constant up to rounding, a constant group after a varying one, a spread of 1e-7 of the
level, outputs of 1e100 t. Each is refused in one line or measured right (numpy / scipy).

Each case was, before: a traceback (gamma's root finder on a near-constant series), a "best
fit" ranked on rounding noise, a refusal after another series' output (two lines), numpy
RuntimeWarnings spewed over the summary, an exponential cost curve with R^2 = -9e73.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused
from scipy import stats
from typer.testing import CliRunner

from minectl.cli import app
from minectl.uncertainty.distributions import FAMILIES, fit_all


def _uncertainty(path: Path, run: Path, *extra: str) -> list[str]:
    return ["uncertainty", f"dataset.path={path}", "dataset.column=price", "dataset.name=test", "uncertainty.n_resamples=99",
            *extra, f"hydra.run.dir={run}", "report=false"]


SERIES = {
    # a price doubling each month: its log returns are ln 2 give or take 1e-16; they were fitted
    # (gamma: a traceback from scipy's root finder; with it skipped, beta "best" at K-S p 0.000)
    "doubling-price": ("price\n1\n2\n4\n8\n16\n", [],
                       "column 'price' (log_return): a constant series (all values 0.693147 up to rounding) has no distribution to fit"),
    # the constant machine B was refused after machine A's lines were printed
    "constant-second-group": ("machine,price\nA,1\nA,2\nA,4\nB,5\nB,5\nB,5\n", ["dataset.group_by=machine", "dataset.transforms=[level]"],
                              "column 'price' (B.level): a constant series (all values 5) has no distribution to fit"),
    # two values of machine B: resampled, then refused by the fits after machine A's lines
    "two-values-in-second-group": ("machine,price\nA,1\nA,2\nA,4\nA,3\nB,5\nB,6\n", ["dataset.group_by=machine", "dataset.transforms=[level]"],
                                   "column 'price' (B.level) has 2 value(s); expected at least 2 to resample and 3 to fit a distribution"),
    # (a constant cost item, refused here before, is a fixed cost since round 16: test_probe_round16_lead.py)
}


@pytest.mark.slow
@pytest.mark.parametrize("text, extra, expect", SERIES.values(), ids=SERIES.keys())
def test_series_without_spread_are_refused_before_any_output(tmp_path, text, extra, expect):
    path = tmp_path / "series.csv"
    path.write_text(text)
    assert_refused(_uncertainty(path, tmp_path / "run", "uncertainty.families=[normal,gamma,beta]", *extra), [str(path), expect],
                   inputs=[path], run_dir=tmp_path / "run", in_process=False)


NEAR_CONSTANT = 1 + 1e-7 * np.array([0, 1, 2, 3, 1.5, 0.5, 2.5])


def test_a_family_whose_solver_finds_no_root_is_skipped_without_warnings():
    """A spread of 1e-7 of the level: gamma's shape (~1e14) leaves scipy's root finder no bracket
    (ValueError, a traceback); the other families fit as scipy fits them, and nothing is warned."""
    skipped: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fits = {fit.family: fit for fit in fit_all(NEAR_CONSTANT, FAMILIES, "cost", skipped)}
        tiny = fit_all(NEAR_CONSTANT * 1e-300, ("normal", "uniform"), "cost", {})  # squares underflow: no RuntimeWarning either
    assert skipped == {"gamma": "the maximum-likelihood fit did not converge"}
    loc, scale = stats.norm.fit(NEAR_CONSTANT)
    assert fits["normal"].params == pytest.approx((loc, scale), rel=1e-12)
    assert fits["normal"].log_likelihood == pytest.approx(np.sum(stats.norm.logpdf(NEAR_CONSTANT, loc, scale)), rel=1e-12)
    assert [fit.family for fit in tiny] == ["uniform"]  # normal's scale underflows to 0: its likelihood is not finite


def test_uncertainty_of_a_near_constant_series_runs_without_a_traceback(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("price\n" + "".join(f"{float(v)!r}\n" for v in NEAR_CONSTANT))
    run = tmp_path / "run"
    result = CliRunner().invoke(app, _uncertainty(path, run, "dataset.transforms=[level]", "uncertainty.families=[normal,gamma]"))
    assert result.exit_code == 0, result.output
    assert "level: gamma not fitted: the maximum-likelihood fit did not converge" in " ".join(result.output.split())
    boot = pl.read_parquet(run / "tables" / "bootstrap.parquet")
    assert boot["estimate"][0] == pytest.approx(NEAR_CONSTANT.mean(), rel=1e-15)


def test_exponential_cost_curve_of_huge_outputs_is_the_scaled_curve(tmp_path):
    """Outputs of 1e100 t: least squares on [1, Q] gave the exponential form R^2 = -9.3e73 (written
    as measured); fitted on Q mapped to [-1, 1] it is the curve of Q / 1e100, scaled."""
    q, cost = np.array([1.0, 2, 3, 4, 5]), np.array([5.0, 7, 8, 10, 11])
    path = tmp_path / "costs.csv"
    path.write_text("output,total_cost\n" + "".join(f"{float(a) * 1e100!r},{float(c) * 1e100!r}\n" for a, c in zip(q, cost, strict=True)))
    run = tmp_path / "run"
    result = CliRunner().invoke(app, ["capacity", f"cost_data.path={path}", f"hydra.run.dir={run}", "report=false"])
    assert result.exit_code == 0, result.output
    curves = {row["form"]: row for row in pl.read_parquet(run / "tables" / "cost_curves.parquet").to_dicts()}
    slope, intercept = np.polyfit(q, np.log(cost), 1)  # ln C = a + b Q on the small scale
    r2 = 1 - np.sum((cost - np.exp(intercept + slope * q)) ** 2) / np.sum((cost - cost.mean()) ** 2)
    assert curves["exponential"]["r2"] == pytest.approx(r2, rel=1e-9)
    assert r2 == pytest.approx(0.9582184, abs=1e-7)
    assert curves["exponential"]["equation"] == f"{np.exp(intercept) * 1e100:.6g}*exp({slope / 1e100:.6g}*Q)"


def test_an_error_range_too_narrow_for_a_spread_is_refused_naming_its_key(tmp_path):
    """[-1e-300, 1e-300]: the errors' standard deviation (the entropic scale) underflows to 0;
    the refusal named 'scale', a parameter no config has."""
    assert_refused(["capacity", "revenue.price_range=[-1e-300,1e-300]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "revenue.price_range: [-1e-300, 1e-300] is too narrow: the errors' standard deviation is 0 in floating point",
                   run_dir=tmp_path / "run")


def test_a_mine_whose_consumption_costs_nothing_is_refused(tmp_path):
    """Every quantity 0: each day's cost shares are 0 / 0 (null), and the summary was a TypeError traceback."""
    mine = write_tiny_mine(tmp_path / "mine")
    path = mine / "consumption_daily.parquet"
    pl.read_parquet(path).with_columns(quantity=pl.lit(0.0)).write_parquet(path)
    assert_refused(["cost", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "the full cost is 0 on all 5 mine-days (every consumption quantity, or its price, is 0)",
                   inputs=[mine], run_dir=tmp_path / "run")


def _risk_table(path: Path, labels: list[int], seed: int, shift: float = 0.0) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=len(labels)) + shift * np.array(labels)
    pl.DataFrame({"x": x.round(3), "y": rng.normal(size=len(labels)).round(3), "c": [6.0 if i % 7 == 0 else 5.0 for i in range(len(labels))],
                  "class": labels}).write_csv(path)


def _risk(path: Path, run: Path, *extra: str) -> list[str]:
    return ["risk", f"risk.input.path={path}", "risk.input.kind=table", "risk.window=2", "risk.lead_times=[0]", "model=lr",
            "risk.robustness.enabled=false", "risk.importance.enabled=false", *extra, f"hydra.run.dir={run}", "report=false"]


def test_a_column_mostly_one_value_cut_at_its_quantile_is_refused_naming_the_cut(tmp_path):
    """The median of a column that is 5 on six days of seven is 5: every training value is at or
    above that cut, and the refusal said only "the training part holds a single level"."""
    path = tmp_path / "cases.csv"
    _risk_table(path, [i % 2 for i in range(60)], seed=4)
    assert_refused(_risk(path, tmp_path / "run", "risk.labels.source=quantiles", "risk.labels.column=c", "risk.labels.levels=2",
                         "risk.features.exclude=[class]", "risk.leakage.enabled=false"),
                   "risk labels: the training quantiles [0.5] cut at [5.0], which leaves level 0 without a training value",
                   inputs=[path], run_dir=tmp_path / "run")


def test_leakage_scores_of_a_validation_part_without_a_level_warn_nothing(tmp_path):
    """Validation rows of levels 0 and 1 only, a tree that predicts 2 as well: sklearn's balanced
    accuracy warned (UserWarning, once per feature) over the summary; the score is the same."""
    from sklearn.metrics import balanced_accuracy_score

    from minectl.risk.thresholds import balanced_accuracy

    y, pred = np.array([0, 1, 1, 0, 1, 0]), np.array([0, 2, 1, 1, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = balanced_accuracy_score(y, pred)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert balanced_accuracy(y, pred, 3) == pytest.approx(expected, abs=1e-15) == pytest.approx((2 / 3 + 2 / 3) / 2)
    path = tmp_path / "cases.csv"
    _risk_table(path, [0, 1, 2] * 13 + [0, 1] * 6 + [0, 1, 2] * 3, seed=3, shift=0.3)
    done = subprocess.run([sys.executable, "-m", "minectl.cli", *_risk(path, tmp_path / "run", "risk.labels.column=class",
                                                                       "risk.labels.levels=3", "risk.features.exclude=[c]")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr


def test_a_feature_with_one_value_among_empty_cells_is_refused_naming_it(tmp_path):
    """One value of 'y', in the last of 60 rows: forward filling dropped the 59 rows before it and
    the refusal blamed the label column ("never holds level 1"), which holds both levels."""
    path = tmp_path / "cases.csv"
    pl.DataFrame({"x": np.linspace(-1, 1, 60).round(3), "y": [None] * 59 + [1.0], "class": [i % 2 for i in range(60)]}).write_csv(path)
    assert_refused(_risk(path, tmp_path / "run", "risk.labels.column=class", "risk.labels.levels=2", "risk.leakage.enabled=false"),
                   [str(path), "column 'y' has a value in only 1 of 60 rows (filled, one value is a constant)",
                    "risk.features.exclude"], inputs=[path], run_dir=tmp_path / "run")


def test_dropping_nearly_all_low_risk_samples_keeps_one(tmp_path):
    """risk.robustness.low_drop_share=0.99 of the 20-odd low-risk training samples rounded to all of
    them: the "fewer low" refit saw one level (a LogisticRegression traceback). One is kept."""
    from minectl.risk.robustness import drop_share_of_level

    y = np.array([0] * 20 + [1] * 5)
    kept = drop_share_of_level(y, 0, 0.99, np.random.default_rng(0))
    assert (y[kept] == 0).sum() == 1 and (y[kept] == 1).sum() == 5
    assert (y[drop_share_of_level(y, 0, 0.5, np.random.default_rng(0))] == 0).sum() == 10  # round(10.0): as before
    path = tmp_path / "cases.csv"
    _risk_table(path, [int(v > 0) for v in np.random.default_rng(0).normal(size=60)], seed=0)
    run = tmp_path / "run"
    result = CliRunner().invoke(app, [*_risk(path, run, "risk.labels.column=class", "risk.labels.levels=2", "risk.leakage.enabled=false",
                                             "risk.features.exclude=[c]"), "risk.robustness.enabled=true",
                                      "risk.robustness.low_drop_share=0.99"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert 0 <= metrics["robust.fewer_low.f1_macro"] <= 1


def test_a_fit_whose_support_ends_at_the_data_has_no_anderson_darling_p():
    """Uniform's fit is [min, max]: ln F(min) = ln 0 made A^2 huge and its p 0.000 for every sample,
    so a uniform sample read "no family fits"; A-D is now not computed (NaN, "n/a"), K-S still is."""
    from minectl.uncertainty.analysis import series_metrics
    from minectl.uncertainty.bootstrap import bootstrap_ci

    x = np.array([3.0, 7, 1, 9, 5, 2, 8, 4, 6, 10])
    fits = {fit.family: fit for fit in fit_all(x, ("uniform", "normal"), "cost")}
    assert np.isnan(fits["uniform"].ad_stat) and np.isnan(fits["uniform"].ad_pvalue)
    assert fits["uniform"].ks_pvalue == pytest.approx(stats.kstest(x, stats.uniform(1, 9).cdf).pvalue, rel=1e-12)
    assert np.isfinite(fits["normal"].ad_pvalue)  # an unbounded support: computed as before
    metrics = series_metrics(bootstrap_ci(x, "mean", n_resamples=99), [fits["uniform"]], gof_alpha=0.05)
    assert metrics["families_fitting"] == 1 and "no_family_fits" not in metrics


def test_a_cv_fold_too_small_for_its_stratified_validation_split_is_refused(tmp_path):
    """3 rows of level 1 in 30, 2 folds: a training fold holds 1 of them, and sklearn's stratified
    validation split of it was a ValueError traceback."""
    path = tmp_path / "cases.csv"
    _risk_table(path, [0] * 27 + [1] * 3, seed=6, shift=1.0)
    assert_refused(_risk(path, tmp_path / "run", "risk.split=cv", "risk.window=1", "risk.cv.folds=2", "risk.cv.repeats=1",
                         "risk.labels.column=class", "risk.labels.levels=2", "risk.features.exclude=[c]", "risk.leakage.enabled=false"),
                   ["risk labels: fold 1 trains on 15 rows, 2 of its rarest level, and would validate on 3",
                    "more risk.cv.folds"], inputs=[path], run_dir=tmp_path / "run")


def test_a_single_cost_item_is_refused_before_any_job(tmp_path):
    """One item has no PCA: it was refused after the cost curves' lines, naming "cost items", no key."""
    path = tmp_path / "costs.csv"
    path.write_text("output,total_cost,mining\n1,10,4\n2,19,9\n3,31,14\n4,38,20\n5,52,26\n")
    assert_refused(["capacity", f"cost_data.path={path}", "cost_data.item_columns=[mining]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "cost_data.item_columns: one item (mining); expected two or more for the PCA (or none)",
                   inputs=[path], run_dir=tmp_path / "run")


def test_svm_with_fewer_rare_samples_than_calibration_folds_is_refused(tmp_path):
    """Platt calibration on 3 folds needs 3 samples of each level: with one high-risk training
    sample scikit-learn's ValueError was a traceback."""
    rng = np.random.default_rng(0)
    label = np.zeros(60, dtype=int)
    label[[10, 40, 55]] = 1
    path = tmp_path / "cases.csv"
    pl.DataFrame({"shift": np.arange(1, 61), "x": label * 2.0 + rng.normal(size=60), "class": label}).write_csv(path)
    run = tmp_path / "run"
    assert_refused(["risk", f"risk.input.path={path}", "risk.input.kind=table", "risk.time.column=shift", "risk.window=2",
                    "risk.lead_times=[0]", "risk.labels.column=class", "risk.labels.levels=2", "model=svm",
                    "risk.robustness.enabled=false", "risk.importance.enabled=false", "risk.leakage.enabled=false",
                    f"hydra.run.dir={run}"],
                   "svm: the rarest risk level has 1 training samples; its probabilities are calibrated on calibration_cv=3 "
                   "folds, each holding one of every level (expected at least 3: more rows)", inputs=[path], run_dir=run)


@pytest.mark.parametrize(("window", "said"), [(14, True), (5, True), (4, False)])
def test_mines_too_short_for_the_anomaly_window_are_said_unchecked(tmp_path, window, said):
    """The 5-day tiny mine reported 0 anomalies as if its days had been checked: a day's z-score and
    rules need the `window` days before it, so at 5 or 14 none is; at 4 its fifth is."""
    run = tmp_path / "run"
    result = CliRunner().invoke(app, ["cost", "data=parquet_dir", f"data.dir={write_tiny_mine(tmp_path / 'mine')}",
                                      f"cost.anomaly_window={window}", f"hydra.run.dir={run}"])
    assert result.exit_code == 0, result.output
    line = (f"anomalies: 1 of 1 mines have at most cost.anomaly_window={window} days: none of their days was checked "
            "(each needs that many days before it)")
    assert (line in " ".join(result.output.split())) is said


@pytest.mark.parametrize("scale", [1e-300, 1e-160, 1e150])
def test_bootstrap_of_tiny_and_huge_values_is_the_scaled_bootstrap(scale):
    """The std of values near 1e-300 was 0 with CI [0, 0] (its squares underflowed), 1.4e-4 off at
    1e-160; the series is now taken in units of a power of two: the same figures at any scale."""
    from minectl.uncertainty.bootstrap import bootstrap_ci

    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 8.0])
    unit = bootstrap_ci(x, "std", n_resamples=999)
    scaled = bootstrap_ci(x * scale, "std", n_resamples=999)
    assert unit.estimate == pytest.approx(np.std(x, ddof=1), rel=1e-15)
    for field in ("estimate", "low", "high", "standard_error"):
        assert getattr(scaled, field) / scale == pytest.approx(getattr(unit, field), rel=1e-12)
