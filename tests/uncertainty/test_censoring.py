"""Right-censored lifetimes (suspensions): censored maximum likelihood, the MTBF bootstrap and
`dataset.censored_column` in `minectl uncertainty`, checked against closed forms, a brute-force
profile likelihood, scipy's paired bootstrap and a published figure."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import optimize, stats
from typer.testing import CliRunner

from minectl.cli import app
from minectl.errors import DataError
from minectl.uncertainty.bootstrap import bootstrap_ci
from minectl.uncertainty.distributions import fit_all, fit_distribution
from tests.badinput.harness import assert_refused

# Freireich et al. (1963) / Gehan (1965): weeks of remission of the 21 leukaemia patients on 6-MP,
# True where censored (still in remission). 9 relapses in 359 weeks: the exponential MLE of the
# relapse rate is 9 / 359 = 0.0251 a week (Lawless; Klein and Moeschberger; Collett).
GEHAN_WEEKS = np.array([6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35], dtype=float)
GEHAN_CENSORED = np.array([0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1], dtype=bool)


def _censored_sample(seed: int = 4, n: int = 200):
    """Weibull(1.6, 100) lifetimes, independently right-censored by uniform(20, 250) inspection times."""
    rng = np.random.default_rng(seed)
    life, stop = 100.0 * rng.weibull(1.6, n), rng.uniform(20, 250, n)
    return np.minimum(life, stop), life > stop


def _weibull_profile_maximum(t, censored):
    """Brute force: the scale maximising the likelihood at a given shape k is (sum t^k / failures)^(1/k);
    maximise the resulting profile log-likelihood over k with a bounded 1-D search."""
    failures = (~censored).sum()

    def loglik(k):
        scale = (np.sum(t**k) / failures) ** (1 / k)
        z = t / scale
        return np.sum(np.log(k / scale) + (k - 1) * np.log(z[~censored])) - np.sum(z**k)

    best = optimize.minimize_scalar(lambda k: -loglik(k), bounds=(0.05, 20), method="bounded", options={"xatol": 1e-12})
    return best.x, (np.sum(t**best.x) / failures) ** (1 / best.x), loglik(best.x)


def test_exponential_censored_mle_is_failures_over_total_time_published_gehan():
    fit = fit_distribution(GEHAN_WEEKS, "exponential", censored=GEHAN_CENSORED)
    assert GEHAN_WEEKS.sum() == 359 and (~GEHAN_CENSORED).sum() == 9
    assert 1 / fit.params[1] == pytest.approx(9 / 359, rel=1e-7)
    assert round(1 / fit.params[1], 4) == 0.0251  # the published rate
    rate = 9 / 359
    loglik = 9 * math.log(rate) - rate * 359  # r ln(lambda) - lambda T
    assert fit.log_likelihood == pytest.approx(loglik, rel=1e-10)
    assert fit.aic == pytest.approx(2 - 2 * loglik, rel=1e-10)
    assert fit.bic == pytest.approx(math.log(21) - 2 * loglik, rel=1e-10)
    assert math.isnan(fit.ks_pvalue) and math.isnan(fit.ad_pvalue)  # complete-sample tests: not computed


@pytest.mark.parametrize("t, censored", [(GEHAN_WEEKS, GEHAN_CENSORED), _censored_sample()], ids=["gehan", "simulated"])
def test_weibull_censored_mle_equals_profile_likelihood_maximum(t, censored):
    shape, scale, loglik = _weibull_profile_maximum(t, censored)
    fit = fit_distribution(t, "weibull", censored=censored)
    assert fit.params[0] == pytest.approx(shape, rel=1e-5)
    assert fit.params[2] == pytest.approx(scale, rel=1e-5)
    assert fit.log_likelihood == pytest.approx(loglik, rel=1e-9)
    assert fit.n_free == 2


def test_lognormal_and_gamma_censored_mle_equal_an_independent_optimizer():
    t, censored = _censored_sample()
    logs = np.log(t)

    def lognormal(theta):  # censored normal likelihood of ln t; the Jacobian 1/t does not move the maximum
        mu, sigma = theta[0], math.exp(theta[1])
        return -(stats.norm.logpdf(logs[~censored], mu, sigma).sum() + stats.norm.logsf(logs[censored], mu, sigma).sum())

    def gamma(theta):
        shape, scale = np.exp(theta)
        return -(stats.gamma.logpdf(t[~censored], shape, scale=scale).sum()
                 + stats.gamma.logsf(t[censored], shape, scale=scale).sum())

    ref = optimize.minimize(lognormal, [logs.mean(), math.log(logs.std())], method="BFGS", options={"gtol": 1e-9}).x
    fit = fit_distribution(t, "lognormal", censored=censored)
    assert (fit.params[0], math.log(fit.params[2])) == pytest.approx((math.exp(ref[1]), ref[0]), rel=1e-5)
    ref = np.exp(optimize.minimize(gamma, [0.0, math.log(t.mean())], method="BFGS", options={"gtol": 1e-9}).x)
    fit = fit_distribution(t, "gamma", censored=censored)
    assert (fit.params[0], fit.params[2]) == pytest.approx(tuple(ref), rel=1e-5)


def test_censoring_moves_the_fit_the_way_a_suspension_should():
    """Counting suspensions as failures shortens the lifetimes: the censored fit's mean is longer."""
    t, censored = _censored_sample()
    as_failures = fit_distribution(t, "weibull").frozen().mean()
    honoured = fit_distribution(t, "weibull", censored=censored).frozen().mean()
    truth = 100 * math.gamma(1 + 1 / 1.6)  # 89.7
    assert as_failures < 0.9 * truth  # 77.4: 14 % short
    assert honoured == pytest.approx(truth, rel=0.1)  # 95.3, 30 % of the 200 censored


def test_fit_all_censored_ranks_by_censored_bic_and_names_the_families_left_out():
    t, censored = _censored_sample()
    skipped = {}
    fits = fit_all(t, name="t", skipped=skipped, censored=censored)
    assert {f.family for f in fits} == {"normal", "lognormal", "gamma", "weibull", "exponential"}
    assert set(skipped) == {"beta", "uniform", "triangular"}
    assert [f.bic for f in fits] == sorted(f.bic for f in fits)
    for fit in fits:  # BIC from the censored log-likelihood: failures' densities, suspensions' survival
        frozen = fit.frozen()
        loglik = frozen.logpdf(t[~censored]).sum() + frozen.logsf(t[censored]).sum()
        assert fit.bic == pytest.approx(fit.n_free * math.log(t.size) - 2 * loglik, rel=1e-12)
    ranked = [f.family for f in fits]
    assert ranked[:2] in (["weibull", "gamma"], ["gamma", "weibull"])  # Weibull(1.6) lifetimes: a rising hazard
    assert ranked.index("exponential") > 1


@pytest.mark.parametrize("method", ["percentile", "basic", "bca"])
def test_mtbf_bootstrap_equals_scipy_paired_bootstrap(method):
    failures = (~GEHAN_CENSORED).astype(float)
    ours = bootstrap_ci(GEHAN_WEEKS, method=method, n_resamples=2000, random_state=3, failures=failures)
    ref = stats.bootstrap((GEHAN_WEEKS, failures), lambda t, d, axis=-1: t.sum(axis) / d.sum(axis), paired=True,
                          vectorized=True, method=method, n_resamples=2000, rng=np.random.default_rng(3))
    assert ours.estimate == 359 / 9
    assert (ours.low, ours.high) == pytest.approx(tuple(ref.confidence_interval), rel=1e-12)
    assert ours.standard_error == pytest.approx(ref.standard_error, rel=1e-12)


def test_mtbf_bootstrap_without_suspensions_is_the_mean_bootstrap():
    t, _ = _censored_sample()
    plain = bootstrap_ci(t, method="bca", n_resamples=999, random_state=1)
    paired = bootstrap_ci(t, method="bca", n_resamples=999, random_state=1, failures=np.ones(t.size))
    assert (paired.estimate, paired.low, paired.high) == pytest.approx((plain.estimate, plain.low, plain.high), rel=1e-13)


def test_resamples_without_a_failure_are_refused_not_turned_into_an_infinite_interval():
    t = np.arange(10.0, 30.0)
    failures = (np.arange(20) < 3).astype(float)  # 3 failures in 20: (17/20)^20 = 3.9 % of resamples hold none
    with pytest.raises(DataError, match="resamples hold none of the 3 failures among 20 values, so the MTBF has no upper bound"):
        bootstrap_ci(t, n_resamples=999, random_state=0, failures=failures)


# --- the task ---------------------------------------------------------------------------------

def _failure_log(folder: Path, flags=None) -> Path:
    """Two machines: A with suspensions (each machine's last interval still running, plus one
    component removed early), B complete."""
    t, censored = _censored_sample(seed=7, n=30)
    censored = np.r_[censored[:15], np.zeros(15, dtype=bool)]
    frame = pl.DataFrame({"machine": ["A"] * 15 + ["B"] * 15, "hours": np.round(t, 1),
                          "suspended": flags if flags is not None else censored.astype(int)})
    path = folder / "failures.csv"
    frame.write_csv(path)
    return path


def _run(path: Path, run_dir: Path, *extra: str):
    # i.i.d. BCa as in the LHD experiment (the order of these drawn lifetimes carries nothing to test)
    return CliRunner().invoke(app, [
        "uncertainty", "dataset=equipment_failures", f"dataset.path={path}", "dataset.column=hours", "uncertainty.method=bca",
        "uncertainty.autocorrelation_alpha=null",
        "uncertainty.n_resamples=999", "implied_cost.cost_per_event=20000", "implied_cost.operating_hours=6000",
        *extra, f"hydra.run.dir={run_dir}", "report=false"])


def test_cli_censored_column_gives_the_mtbf_its_interval_and_the_implied_cost(tmp_path):
    path = _failure_log(tmp_path)
    frame = pl.read_csv(path)
    result = _run(path, tmp_path / "run", "dataset.censored_column=suspended")
    assert result.exit_code == 0, result.output
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    a = frame.filter(pl.col("machine") == "A")
    failures, suspensions = int((a["suspended"] == 0).sum()), int(a["suspended"].sum())
    assert suspensions > 0
    mtbf = a["hours"].sum() / failures
    assert m["uncertainty.A.level.estimate"] == pytest.approx(mtbf, rel=1e-12)
    assert (m["uncertainty.A.level.failures"], m["uncertainty.A.level.suspensions"]) == (failures, suspensions)
    assert m["uncertainty.A.level.implied_cost.cost"] == pytest.approx(20000 * 6000 * failures / a["hours"].sum())
    assert m["uncertainty.A.level.implied_cost.high"] == pytest.approx(20000 * 6000 / m["uncertainty.A.level.ci_low"])
    ref = stats.bootstrap((a["hours"].to_numpy(), 1.0 - a["suspended"].to_numpy()), lambda t, d, axis=-1: t.sum(axis) / d.sum(axis),
                          paired=True, vectorized=True, method="bca", n_resamples=999, rng=np.random.default_rng(0))
    assert (m["uncertainty.A.level.ci_low"], m["uncertainty.A.level.ci_high"]) == pytest.approx(tuple(ref.confidence_interval))
    # no complete-sample test on censored data, and the terminal says so
    assert m["uncertainty.A.level.gof_tested"] == 0
    assert not any(k.startswith("uncertainty.A.level.") and ("pvalue" in k or "families_fitting" in k) for k in m)
    output = " ".join(result.output.split())
    assert f"A.level: {suspensions} of 15 rows censored (column 'suspended')" in output
    assert "K-S and A-D not computed (complete-sample tests)" in output
    fits = pl.read_parquet(tmp_path / "run" / "tables" / "fits.parquet").filter(pl.col("series") == "A.level")
    best = fit_distribution(a["hours"].to_numpy(), fits["family"][0], censored=a["suspended"].to_numpy().astype(bool))
    assert m["uncertainty.A.level.best_fit.bic"] == pytest.approx(best.bic, rel=1e-9)
    assert fits["bic"].to_list() == sorted(fits["bic"].to_list())
    # machine B has no suspension: its figures are those of a run without the column
    # a file with the flags but without dataset.censored_column is refused (its suspensions would count as
    # failures): the run without suspensions reads the log less its flag column
    plain_path = tmp_path / "plain.csv"
    frame.drop("suspended").write_csv(plain_path)
    plain = _run(plain_path, tmp_path / "plain")
    assert plain.exit_code == 0, plain.output
    p = json.loads((tmp_path / "plain" / "metrics.json").read_text())
    assert {k: v for k, v in m.items() if ".B." in k} == {k: v for k, v in p.items() if ".B." in k}
    assert m["uncertainty.B.level.estimate"] == pytest.approx(frame.filter(pl.col("machine") == "B")["hours"].mean())
    # same command, same seed: identical metrics
    again = _run(path, tmp_path / "again", "dataset.censored_column=suspended")
    assert again.exit_code == 0 and json.loads((tmp_path / "again" / "metrics.json").read_text()) == m


def test_cli_flags_pair_with_their_times_across_interleaved_machines_and_dropped_gaps(tmp_path):
    """Machines' rows interleaved, B's first row and a row inside each series without a time (their
    flags say suspended, and must not count): each machine's MTBF and interval are those of its
    rows that hold a time, (time, flag) paired in file order."""
    t, censored = _censored_sample(seed=7, n=30)
    hours = np.round(t, 1).tolist()
    for row in (1, 6, 13):  # B's first row (before its series), then a gap in A and one in B
        hours[row], censored[row] = None, True
    frame = pl.DataFrame({"machine": ["A", "B"] * 15, "hours": hours, "suspended": censored.astype(int)})
    path = tmp_path / "failures.csv"
    frame.write_csv(path)
    result = _run(path, tmp_path / "run", "dataset.censored_column=suspended", "uncertainty.drop_incomplete=true")
    assert result.exit_code == 0, result.output
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    for machine, kept in (("A", 14), ("B", 13)):  # B's empty first row is before its series: not a gap, not dropped
        rows = frame.filter((pl.col("machine") == machine) & pl.col("hours").is_not_null())
        time, failed = rows["hours"].to_numpy(), 1.0 - rows["suspended"].to_numpy()
        assert rows.height == kept and failed.sum() >= 3
        key = f"uncertainty.{machine}.level"
        assert (m[f"{key}.failures"], m[f"{key}.suspensions"], m[f"{key}.dropped"]) == (failed.sum(), kept - failed.sum(), 1)
        assert m[f"{key}.estimate"] == pytest.approx(time.sum() / failed.sum(), rel=1e-12)
        ref = stats.bootstrap((time, failed), lambda t, d, axis=-1: t.sum(axis) / d.sum(axis), paired=True, vectorized=True,
                              method="bca", n_resamples=999, rng=np.random.default_rng(0))
        assert (m[f"{key}.ci_low"], m[f"{key}.ci_high"]) == pytest.approx(tuple(ref.confidence_interval), rel=1e-12)


def test_cli_a_column_without_suspensions_changes_nothing(tmp_path):
    path = _failure_log(tmp_path, flags=["false"] * 30)
    assert _run(path, tmp_path / "flags", "dataset.censored_column=suspended").exit_code == 0
    assert _run(path, tmp_path / "plain").exit_code == 0
    assert (tmp_path / "flags" / "metrics.json").read_text() == (tmp_path / "plain" / "metrics.json").read_text()


FLAGS_OK = [0, 1, 0] * 10


@pytest.mark.parametrize("flags, extra, expect", [
    (FLAGS_OK, ["dataset.censored_column=suspend"], "dataset.censored_column: column 'suspend' not in"),
    (["yes"] + ["no"] * 29, [], "column 'suspended' has 30 values that are not true/false or 1/0 (first at row 1: 'yes')"),
    ([0] * 4 + [2] + [0] * 25, [], "column 'suspended' has 1 values that are not true/false or 1/0 (first at row 5: 2)"),
    ([0] * 6 + [None] + [0] * 23, [], "(first at row 7: empty); expected true (censored, a suspension) or false (a failure)"),
    ([0] * 15 + [1] * 15, [], "(machine=B): column 'suspended' leaves 0 failures (uncensored rows) of 15; expected at least 3"),
    ([1] * 13 + [0] * 17, [], "(machine=A): column 'suspended' leaves 2 failures (uncensored rows) of 15; expected at least 3"),
    (FLAGS_OK, ["dataset.transforms=[level,diff]"],
     "dataset.censored_column: censored values are lifetimes; expected dataset.transforms=[level]"),
    (FLAGS_OK, ["uncertainty.statistic=median"], "uncertainty.statistic=median: with dataset.censored_column the estimate is the MTBF"),
    (FLAGS_OK, ["dataset.group_by=null", "revenue.output=1"], "revenue.output: revenue risk needs prices, not censored lifetimes"),
], ids=["missing-column", "yes-no", "two", "empty", "all-censored", "two-failures", "diff", "median", "revenue"])
def test_cli_refuses_bad_censoring_in_one_line(tmp_path, flags, extra, expect):
    path = _failure_log(tmp_path, flags=flags)
    args = ["uncertainty", "dataset=equipment_failures", f"dataset.path={path}", "dataset.column=hours",
            "dataset.censored_column=suspended", "uncertainty.n_resamples=99", *extra, f"hydra.run.dir={tmp_path / 'run'}"]
    assert_refused(args, expect, inputs=[path], run_dir=tmp_path / "run")


def test_cli_refuses_a_negative_lifetime(tmp_path):
    path = tmp_path / "failures.csv"
    pl.DataFrame({"hours": [12.0, -3.0, 40.0, 55.0, 8.0], "suspended": [0, 0, 1, 0, 0]}).write_csv(path)
    assert_refused(["uncertainty", "dataset=equipment_failures", f"dataset.path={path}", "dataset.column=hours",
                    "dataset.group_by=null", "dataset.censored_column=suspended", "uncertainty.n_resamples=99",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   "column 'hours' (level) has a negative time between events (-3); expected times >= 0 for dataset.censored_column",
                   inputs=[path], run_dir=tmp_path / "run")
