"""One series' uncertainty (seed 003, 2.4): its bootstrap range and fitted distributions, as table rows and metrics."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from minectl.uncertainty.bootstrap import BootstrapResult, bootstrap_ci
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
) -> tuple[BootstrapResult, list[FitResult]]:
    """The bootstrap interval of ``statistic`` and every family's fit, best first;
    ``advance(n)`` is told of each n resamples drawn."""
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
    )
    return result, fit_all(values, tuple(families))


def boot_row(result: BootstrapResult) -> dict:
    return {
        "method": result.method,
        "estimate": result.estimate,
        "ci_low": result.low,
        "ci_high": result.high,
        "range_low_pct": result.range_low_pct,
        "range_high_pct": result.range_high_pct,
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


def series_metrics(result: BootstrapResult, fits: list[FitResult]) -> dict:
    """The interval's numbers and the best fit's goodness."""
    best = fits[0]
    numbers = {key: value for key, value in boot_row(result).items() if key != "method"}
    return {**numbers, "best_fit": {"bic": best.bic, "ks_pvalue": best.ks_pvalue, "ad_pvalue": best.ad_pvalue}}
