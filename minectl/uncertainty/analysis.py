"""One series' uncertainty (seed 003, 2.4): its bootstrap range and fitted distributions, as table rows and metrics."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from minectl.errors import ConfigError
from minectl.uncertainty.bootstrap import BootstrapResult, bootstrap_ci
from minectl.uncertainty.dependence import Dependence, choose_bootstrap
from minectl.uncertainty.distributions import FitResult, fit_all


def analyse_series(
    values: np.ndarray,
    *,
    statistic: str,
    q: float,
    method: str,
    confidence: float,
    n_resamples: int,
    block_length: int | None,
    families: Sequence[str],
    random_state: int,
    advance: Callable[[int], None],
    test_alpha: float | None = None,
    name: str = "series",
    skipped: dict | None = None,
    censored: np.ndarray | None = None,
    fit_advance: Callable[[int], None] | None = None,
) -> tuple[BootstrapResult, list[FitResult], Dependence | None]:
    """The bootstrap interval of ``statistic``, every family's fit (best first) and, when
    ``test_alpha`` is given, the autocorrelation test that chose the bootstrap: a fixed
    ``block_length``, else Politis-White blocks when the series is autocorrelated at that level,
    else i.i.d.; ``advance(n)`` is told of each n resamples drawn; ``name`` names the series in
    errors; ``skipped`` receives the families not fitted, and why (fit_all); ``censored``: True
    where a value is right-censored (a suspension): the statistic is then the MTBF (total time
    over failures) of resampled (value, censored) pairs, and the fits maximise the censored likelihood;
    ``fit_advance(1)`` is told of each family fitted (or skipped)."""
    dependence = None
    if test_alpha is not None:
        dependence = choose_bootstrap(values, block_length, test_alpha, automatic=True)
        block_length = dependence.block_length
        if method == "bca" and dependence.chosen == "automatic":  # bootstrap_ci's 'use ... with block_length' named no key set
            raise ConfigError(f"'bca' assumes independent observations, and {name} is autocorrelated (Ljung-Box p = "
                              f"{dependence.ljung_box_pvalue:.2g} < uncertainty.autocorrelation_alpha={test_alpha:g}: blocks of "
                              f"{block_length} chosen); expected uncertainty.method=percentile or basic", param="method")
    seen = [0]

    def progress(done: int, _total: int) -> None:
        advance(done - seen[0])
        seen[0] = done

    result = bootstrap_ci(
        values,
        statistic,
        q=q,
        method=method,
        confidence=confidence,
        n_resamples=n_resamples,
        block_length=block_length,
        random_state=random_state,
        progress=progress,
        name=name,
        failures=None if censored is None else ~censored,
    )
    return result, fit_all(values, tuple(families), name, skipped, censored, fit_advance), dependence


def boot_row(result: BootstrapResult) -> dict:
    """The interval's numbers; its range in % of the estimate only where that is not 0 (the mean
    difference of a series that ends where it starts is 0, and the whole run used to fail on it)."""
    relative = {} if result.estimate == 0 else {"range_low_pct": result.range_low_pct, "range_high_pct": result.range_high_pct}
    return {
        "method": result.method,
        "estimate": result.estimate,
        "ci_low": result.low,
        "ci_high": result.high,
        **relative,
        "standard_error": result.standard_error,
    }


def fit_row(fit: FitResult) -> dict:
    return {
        "family": fit.family,
        "params": ", ".join(f"{p:.6g}" for p in fit.params),
        "log_likelihood": fit.log_likelihood,
        "aic": fit.aic,
        "bic": fit.bic,
        "ks_stat": fit.ks_stat,
        "ks_pvalue": fit.ks_pvalue,
        "ad_stat": fit.ad_stat,
        "ad_pvalue": fit.ad_pvalue,
    }


def rejected(fit: FitResult, alpha: float) -> bool:
    """Goodness of fit rejected at ``alpha`` by K-S or A-D (a test without a p-value does not count)."""
    return any(np.isfinite(p) and p < alpha for p in (fit.ks_pvalue, fit.ad_pvalue))


def series_metrics(result: BootstrapResult, fits: list[FitResult], gof_alpha: float | None = None,
                   censored: np.ndarray | None = None) -> dict:
    """The interval's numbers and the best fit's goodness; with ``gof_alpha``, the count of
    families not rejected, and no best fit at all when every family is rejected ("no family fits").
    ``censored`` (True where right-censored): the counts of failures and suspensions, the best
    fit's BIC and mean, and no goodness of fit (K-S and A-D are complete-sample tests)."""
    best = fits[0]
    numbers = {key: value for key, value in boot_row(result).items() if key != "method"}
    if censored is not None:
        return {**numbers, "failures": int((~censored).sum()), "suspensions": int(censored.sum()), "gof_tested": False,
                "best_fit": {"bic": best.bic, "mean": float(best.frozen().mean())}}
    best_fit = {"bic": best.bic, "ks_pvalue": best.ks_pvalue, "ad_pvalue": best.ad_pvalue}
    if gof_alpha is None:
        return {**numbers, "best_fit": best_fit}
    fitting = sum(not rejected(fit, gof_alpha) for fit in fits)
    return {**numbers, "families_fitting": fitting, **({"best_fit": best_fit} if fitting else {"no_family_fits": True})}
