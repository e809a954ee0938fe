"""`minectl uncertainty`: bootstrap ranges, fitted distributions, propagation and risk of a series."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

from omegaconf import MISSING

from minectl.config import TaskConfig
from minectl.constraints import at_least, between, finite_nonneg
from minectl.errors import ConfigError, DataError

ALL_FAMILIES = ["normal", "lognormal", "gamma", "weibull", "beta", "uniform", "triangular", "exponential"]


@dataclass
class SeriesConfig:
    name: str = MISSING
    path: str = MISSING  # .csv or .parquet; relative paths: the working dir, then the project root
    column: str = MISSING
    group_by: Optional[str] = None  # one series per value of this column (e.g. machine)
    transforms: List[str] = field(default_factory=lambda: ["level"])  # level | log_return | diff
    cost_items: List[str] = field(default_factory=list)  # cost-item columns whose total is propagated
    combine: str = "sum"  # how the items make the total: sum | product


@dataclass
class UncertaintyParams:
    statistic: str = "mean"  # mean | median | std | quantile
    q: float = between(0, 1, default=0.5)  # quantile level for statistic=quantile
    method: str = "percentile"  # percentile | basic | bca
    confidence: float = between(0, 1, default=0.95, closed="neither")
    n_resamples: int = at_least(1, default=9999)
    block_length: Optional[int] = at_least(1, default=None)  # moving-block bootstrap for autocorrelated series
    families: List[str] = field(default_factory=lambda: list(ALL_FAMILIES))
    risk_level: float = between(0, 1, default=0.95, closed="neither")  # VaR / CVaR level
    alpha: float = between(-1, 1, default=0.5)  # entropic risk aversion
    mc_samples: int = at_least(1, default=100_000)
    copula: bool = True  # Gaussian copula from the items' observed (normal-score) correlation
    # Empty values inside a series (and the returns across them), incomplete cost-item rows:
    # refused by default; true drops them, counted in metrics (<series>.dropped) and the summary.
    drop_incomplete: bool = False


@dataclass
class RevenueParams:
    output: float = finite_nonneg(default=0.0)  # > 0: next-period revenue = output x last level x exp(log return)


@dataclass
class ImpliedCostParams:
    cost_per_event: float = finite_nonneg(default=0.0)  # > 0: cost item = cost_per_event x operating_hours / mean time between events
    operating_hours: float = finite_nonneg(default=0.0)


@dataclass
class Config(TaskConfig):
    dataset: SeriesConfig = MISSING
    uncertainty: UncertaintyParams = field(default_factory=UncertaintyParams)
    revenue: RevenueParams = field(default_factory=RevenueParams)
    implied_cost: ImpliedCostParams = field(default_factory=ImpliedCostParams)


def run(cfg: Any, run: Any) -> dict:
    import polars as pl

    from minectl.uncertainty.series import read_series, transform_series

    params = cfg.uncertainty
    path = run.input_file(cfg.dataset.path)
    groups = read_series(path, cfg.dataset.column, cfg.dataset.group_by, params.drop_incomplete)
    items = _cost_items(path, cfg) if cfg.dataset.cost_items else None  # checked before any table is written
    subseries, dropped = {}, {}
    for group, values in groups.items():
        for transform in cfg.dataset.transforms:
            label = transform if cfg.dataset.group_by is None else f"{group}.{transform}"
            subseries[label], dropped[label] = _complete(transform_series(values, transform, f"{path}: {cfg.dataset.column} ({label})"))
            if subseries[label].size < 2:  # nothing to resample or fit
                raise DataError(f"{path}: column '{cfg.dataset.column}' ({label}) has {subseries[label].size} value(s); expected at least 2")

    metrics: dict = {}
    boot_rows, fit_rows = [], []
    with run.progress(params.n_resamples * len(subseries), "bootstrap resamples") as advance:
        for label, values in subseries.items():
            result, fits = _analyse(values, params, run.seed, advance)
            metrics[label] = _series_metrics(result, fits)
            if params.drop_incomplete:
                metrics[label]["dropped"] = dropped[label]
            boot_rows.append({"series": label, "n": values.size, **_boot_row(result)})
            fit_rows += [{"series": label, "rank": i + 1, **_fit_row(fit)} for i, fit in enumerate(fits)]
            if cfg.implied_cost.cost_per_event > 0 and label.endswith("level"):
                metrics[label]["implied_cost"] = _implied_cost(result, cfg.implied_cost)
    run.table("bootstrap", pl.DataFrame(boot_rows))
    run.table("fits", pl.DataFrame(fit_rows))

    if cfg.revenue.output > 0:
        metrics["revenue"] = _revenue_risk(groups, cfg, run)
    if items is not None:
        metrics["propagation"] = _propagation(path, items, cfg, run)
    _print_summary(run.console, boot_rows, fit_rows)
    if params.drop_incomplete:
        run.console.print(f"dropped (uncertainty.drop_incomplete): {', '.join(f'{n} {label}' for label, n in dropped.items())}")
    return {"uncertainty": metrics}


def _complete(values):
    """The values without the NaN that stand for dropped gaps (and returns across them), and their count."""
    import numpy as np

    kept = values[~np.isnan(values)]
    return kept, values.size - kept.size


def _analyse(values, params, seed: int, advance):
    from minectl.uncertainty.bootstrap import bootstrap_ci
    from minectl.uncertainty.distributions import fit_all

    seen = [0]

    def progress(done: int, _total: int) -> None:
        advance(done - seen[0])
        seen[0] = done

    result = bootstrap_ci(
        values,
        params.statistic,
        q=params.q,
        method=params.method,
        confidence=params.confidence,
        n_resamples=params.n_resamples,
        block_length=params.block_length,
        random_state=seed,
        progress=progress,
    )
    return result, fit_all(values, tuple(params.families))


def _series_metrics(result, fits) -> dict:
    best = fits[0]
    numbers = {key: value for key, value in _boot_row(result).items() if key != "method"}
    return {**numbers, "best_fit": {"bic": best.bic, "ks_pvalue": best.ks_pvalue, "ad_pvalue": best.ad_pvalue}}


def _boot_row(result) -> dict:
    return {
        "method": result.method,
        "estimate": result.estimate,
        "ci_low": result.low,
        "ci_high": result.high,
        "range_low_pct": result.range_low_pct,
        "range_high_pct": result.range_high_pct,
        "standard_error": result.standard_error,
    }


def _fit_row(fit) -> dict:
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


def _implied_cost(result, cost_cfg) -> dict:
    """cost = c x H / MTBF; decreasing in MTBF, so the CI ends swap."""
    if cost_cfg.operating_hours <= 0:
        raise ConfigError("implied_cost.operating_hours: expected positive hours when cost_per_event is set")
    if result.low <= 0:
        raise ConfigError("implied_cost: needs a positive interval of the mean time between events")
    scale = cost_cfg.cost_per_event * cost_cfg.operating_hours
    cost, low, high = scale / result.estimate, scale / result.high, scale / result.low
    return {"cost": cost, "low": low, "high": high, "range_low_pct": 100 * (low / cost - 1), "range_high_pct": 100 * (high / cost - 1)}


def _revenue_risk(groups, cfg, run) -> dict:
    """Historical simulation: every observed log return applied to the last level."""
    import numpy as np
    import polars as pl

    from minectl.uncertainty.risk import conditional_value_at_risk, entropic_risk, value_at_risk
    from minectl.uncertainty.series import transform_series

    if len(groups) != 1:
        raise ConfigError("revenue.output: revenue risk needs one series (no dataset.group_by)")
    (levels,) = groups.values()
    returns, _ = _complete(transform_series(levels, "log_return", cfg.dataset.column))
    revenue = cfg.revenue.output * levels[-1] * np.exp(returns)
    level, alpha = cfg.uncertainty.risk_level, cfg.uncertainty.alpha
    out = {
        "last_level": float(levels[-1]),
        "expected": float(revenue.mean()),
        "var": -value_at_risk(-revenue, level),
        "cvar": -conditional_value_at_risk(-revenue, level),
        "entropic": -entropic_risk(-revenue, alpha, scale=float(revenue.std())),
    }
    run.table("revenue_risk", pl.DataFrame([{"output": cfg.revenue.output, "level": level, "alpha": alpha, **out}]))
    return out


def _cost_items(path, cfg):
    """The cost items' complete rows (an array) and the incomplete rows dropped."""
    from minectl.data.sources import read_file
    from minectl.data.values import complete_rows

    frame = read_file(path, "dataset")
    missing = [c for c in cfg.dataset.cost_items if c not in frame.columns]
    if missing:
        raise ConfigError(f"dataset.cost_items: column '{missing[0]}' not in {path}")
    table, dropped = complete_rows(frame, list(cfg.dataset.cost_items), str(path), cfg.uncertainty.drop_incomplete, "uncertainty.drop_incomplete")
    return table.to_numpy(), dropped


def _propagation(path, cost_items, cfg, run) -> dict:
    import numpy as np
    import polars as pl

    from minectl.uncertainty.distributions import fit_all
    from minectl.uncertainty.propagation import analytic_range, monte_carlo_total, normal_scores_correlation

    items = list(cfg.dataset.cost_items)
    data, dropped = cost_items
    level = cfg.uncertainty.confidence
    tails = ((1 - level) / 2, (1 + level) / 2)
    rows, marginals = [], []
    for j, item in enumerate(items):
        best = fit_all(data[:, j], tuple(cfg.uncertainty.families), name=f"{path}: {item}")[0].frozen()
        mean = best.mean()
        low, high = (100 * (best.ppf(t) / mean - 1) for t in tails)
        rows.append({"item": item, "family": best.dist.name, "mean": mean, "range_low_pct": low, "range_high_pct": high})
        marginals.append(best)
    shares = [r["mean"] for r in rows]
    a_low, a_high = analytic_range([r["range_low_pct"] for r in rows], [r["range_high_pct"] for r in rows], cfg.dataset.combine, shares)
    corr = normal_scores_correlation(data) if cfg.uncertainty.copula else None
    total = monte_carlo_total(marginals, cfg.dataset.combine, cfg.uncertainty.mc_samples, corr, run.seed)
    t_mean = float(total.mean())
    m_low, m_high = (100 * (np.quantile(total, t) / t_mean - 1) for t in tails)
    rows.append({"item": "total (analytic)", "family": "", "mean": float("nan"), "range_low_pct": a_low, "range_high_pct": a_high})
    rows.append({"item": "total (monte carlo)", "family": "", "mean": t_mean, "range_low_pct": m_low, "range_high_pct": m_high})
    run.table("propagation", pl.DataFrame(rows))
    out = {
        "analytic": {"range_low_pct": a_low, "range_high_pct": a_high},
        "monte_carlo": {"mean": t_mean, "range_low_pct": m_low, "range_high_pct": m_high},
    }
    if cfg.uncertainty.drop_incomplete:
        out["dropped_rows"] = dropped
        run.console.print(f"propagation: {dropped} incomplete rows of the cost items dropped (uncertainty.drop_incomplete)")
    return out


def _print_summary(console, boot_rows, fit_rows) -> None:
    from rich.table import Table

    best = {r["series"]: r for r in fit_rows if r["rank"] == 1}
    table = Table(title="uncertainty ranges (bootstrap) and best-fitting distribution (BIC)")
    for column in ("series", "estimate", "CI", "range %", "best fit", "K-S p", "A-D p"):
        table.add_column(column)
    for r in boot_rows:
        fit = best[r["series"]]
        table.add_row(
            r["series"],
            f"{r['estimate']:.6g}",
            f"[{r['ci_low']:.6g}, {r['ci_high']:.6g}]",
            f"{r['range_low_pct']:+.2f} / {r['range_high_pct']:+.2f}",
            fit["family"],
            f"{fit['ks_pvalue']:.3f}",
            f"{fit['ad_pvalue']:.3f}",
        )
    console.print(table)
