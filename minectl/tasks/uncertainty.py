"""`minectl uncertainty`: bootstrap ranges, fitted distributions, propagation and risk of a series."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional

from omegaconf import MISSING

from minectl.config import TaskConfig, unread_settings
from minectl.constraints import Choices, at_least, between, check_value, finite_nonneg, unique_items
from minectl.errors import ConfigError, DataError, config_keys

if TYPE_CHECKING:
    from minectl.results import Run

# resamples and Monte Carlo draws: each is kept (8 bytes a statistic, more a draw of the items);
# beyond this the interval gains no digit worth the memory
MAX_DRAWS = 10_000_000
ALL_FAMILIES = ["normal", "lognormal", "gamma", "weibull", "beta", "uniform", "triangular", "exponential"]


@dataclass
class SeriesConfig:
    name: str = MISSING
    path: str = MISSING  # .csv, .tsv or .parquet; relative paths: the working dir, then the project root
    column: str = MISSING
    group_by: Optional[str] = None  # one series per value of this column (e.g. machine)
    transforms: List[str] = unique_items(default_factory=lambda: ["level"])  # level | log_return | diff
    cost_items: List[str] = unique_items(default_factory=list)  # cost-item columns whose total is propagated
    combine: str = "sum"  # how the items make the total: sum | product
    # what one row is (hour | shift | day | week | month | quarter | year), for the horizon of VaR / CVaR;
    # null: inferred from date_column when given, else "period"
    frequency: Optional[str] = None
    date_column: Optional[str] = None  # the rows' dates: the frequency is their most common step
    # right-censored rows (suspensions: still running, or taken out of service before failing):
    # true/1 censored, false/0 a failure; the estimate is then the MTBF, total time / failures
    censored_column: Optional[str] = None


@dataclass
class UncertaintyParams:
    statistic: str = "mean"  # mean | median | std | quantile
    # quantile level for statistic=quantile; not 0 or 1: a resample's minimum or maximum never passes the sample's,
    # and the interval ended at the estimate
    q: float = between(0, 1, default=0.5, closed="neither")
    method: str = "percentile"  # percentile | basic | bca
    confidence: float = between(0, 1, default=0.95, closed="neither")
    n_resamples: int = at_least(1, default=9999)  # at most MAX_DRAWS (check)
    block_length: Optional[int] = at_least(1, default=None)  # fixed moving blocks; null: chosen by the test below
    # Ljung-Box test before the bootstrap: autocorrelated at this level -> moving blocks of the
    # Politis-White length (unless block_length is fixed); null: no test, i.i.d. unless block_length
    autocorrelation_alpha: Optional[float] = between(0, 1, default=0.05, closed="neither")
    gof_alpha: float = between(0, 1, default=0.05, closed="neither")  # every family rejected at this level: "no family fits"
    families: List[str] = unique_items(default_factory=lambda: list(ALL_FAMILIES))
    risk_level: float = between(0, 1, default=0.95, closed="neither")  # VaR / CVaR level
    alpha: float = between(-1, 1, default=0.5)  # entropic risk aversion
    mc_samples: int = at_least(1, default=100_000)  # at most MAX_DRAWS (check)
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


HOURS_IN_A_YEAR = 366 * 24  # a leap year's: implied_cost.operating_hours counts hours a year

# the stages' parameters -> their config keys, named in the stages' errors
KEYS = {
    **{name: f"uncertainty.{name}" for name in ("statistic", "q", "method", "confidence", "n_resamples", "block_length", "families")},
    "level": "uncertainty.risk_level",
    "alpha": "uncertainty.alpha",
    "transform": "dataset.transforms",
    "combine": "dataset.combine",
    "operating_hours": "implied_cost.operating_hours",
}


def check(cfg: Config) -> None:
    """The choices, for every sweep value before any job (their options live in the stage modules)."""
    from minectl.data.sources import check_input
    from minectl.uncertainty.bootstrap import METHODS, STATISTICS
    from minectl.uncertainty.distributions import FAMILIES
    from minectl.uncertainty.propagation import COMBINE
    from minectl.uncertainty.series import PERIODS, TRANSFORMS

    params, dataset = cfg.uncertainty, cfg.dataset
    check_input("dataset.path", dataset.path)
    check_value("uncertainty.statistic", params.statistic, Choices(STATISTICS))
    check_value("uncertainty.method", params.method, Choices(METHODS))
    check_value("dataset.combine", dataset.combine, Choices(COMBINE))
    check_value("dataset.frequency", dataset.frequency, Choices(PERIODS))
    for i, transform in enumerate(dataset.transforms):
        check_value(f"dataset.transforms[{i}]", transform, Choices(TRANSFORMS))
    for i, family in enumerate(params.families):  # else refused at the first fit, after the bootstrap's resamples
        check_value(f"uncertainty.families[{i}]", family, Choices(FAMILIES))
    # written as the tail's share (alpha = 0.05 for a 95 % level): the interval held the middle 5 % of the resamples,
    # and the revenue "VaR" was its 95th percentile, above the expected revenue, exit 0
    for key, level, meaning in (("uncertainty.confidence", params.confidence, "the share of the resamples the interval holds"),
                                ("uncertainty.risk_level", params.risk_level, "the share of outcomes better than the VaR")):
        if level < 0.5:
            raise ConfigError(f"{key}={level!r} is below 0.5; expected {meaning} (e.g. {1 - level:g}), not the share left out")
    for key, names in (("dataset.transforms", dataset.transforms), ("uncertainty.families", params.families)):
        if not names:
            raise ConfigError(f"{key}: empty; expected at least one name")
    # each end of the interval is a quantile of the resamples: with fewer than one resample
    # beyond it, the "interval" is the extreme resamples whatever the confidence
    needed = math.ceil(2 / (1 - params.confidence) - 1e-9)
    if needed > MAX_DRAWS:  # no count of resamples serves it: "too few for a 1 interval; expected at least 1.8e16" said
        raise ConfigError(f"uncertainty.confidence={params.confidence!r} is too close to 1: its interval needs {needed} resamples (one "
                          f"beyond each end), more than the {MAX_DRAWS} kept; expected a confidence below {1 - 2 / MAX_DRAWS:.7f}")
    for key, count in (("n_resamples", params.n_resamples), ("mc_samples", params.mc_samples if dataset.cost_items else needed)):
        if count < needed:
            raise ConfigError(f"uncertainty.{key}={count} is too few for a {params.confidence!r} interval; "
                              f"expected at least {needed} (one draw beyond each end)")
        if count > MAX_DRAWS:
            raise ConfigError(f"uncertainty.{key}={count} is too many; expected at most {MAX_DRAWS} (every draw is kept in memory)")
    if cfg.implied_cost.cost_per_event > 0 and _cost_transform(dataset.transforms) is None:  # else no cost item, and nothing said
        raise ConfigError(f"implied_cost.cost_per_event: the cost item comes from the times between events; expected 'level' "
                          f"(a column of those times) or 'diff' (the operating hours at each event) in dataset.transforms, "
                          f"got {list(dataset.transforms)}")
    if cfg.implied_cost.cost_per_event > 0 and cfg.implied_cost.operating_hours <= 0:
        raise ConfigError(f"implied_cost.operating_hours={cfg.implied_cost.operating_hours:g}; expected the hours a year (> 0) "
                          "when implied_cost.cost_per_event is set")
    if cfg.implied_cost.operating_hours > HOURS_IN_A_YEAR:  # the cost is printed "a year": more hours are another period
        raise ConfigError(f"implied_cost.operating_hours={cfg.implied_cost.operating_hours:g} is more than a year has; expected "
                          f"the operating hours a year (at most {HOURS_IN_A_YEAR})")
    if cfg.implied_cost.cost_per_event > 0 and params.statistic != "mean":  # events a year = hours / the MEAN time between
        raise ConfigError(f"uncertainty.statistic={params.statistic}: the implied cost divides by the MTBF (the mean time "
                          "between events); expected mean with implied_cost.cost_per_event")
    if dataset.censored_column is not None:  # censored values are lifetimes: no returns, no other statistic
        if list(dataset.transforms) != ["level"]:
            raise ConfigError(f"dataset.censored_column: censored values are lifetimes; expected dataset.transforms=[level], "
                              f"got {list(dataset.transforms)}")
        if params.statistic != "mean":
            raise ConfigError(f"uncertainty.statistic={params.statistic}: with dataset.censored_column the estimate is the MTBF "
                              "(total time / failures); expected mean")
        if cfg.revenue.output > 0:
            raise ConfigError("revenue.output: revenue risk needs prices, not censored lifetimes; expected 0 with "
                              "dataset.censored_column")
    if len(dataset.cost_items) == 1:
        raise ConfigError(f"dataset.cost_items: one item ({dataset.cost_items[0]}); expected two or more to propagate to their total")


# a setting read only where another is set (what reads it, whether it is read): given on the command line without
# it, it changed nothing, exit 0; said, not refused: a sweep such as statistic=mean,quantile q=0.9 gives q to the
# jobs that read it
READ_ONLY_WITH = {
    "uncertainty.q": ("uncertainty.statistic=quantile", lambda cfg: cfg.uncertainty.statistic == "quantile"),
    "uncertainty.risk_level": ("revenue.output > 0", lambda cfg: cfg.revenue.output > 0),
    "uncertainty.alpha": ("revenue.output > 0", lambda cfg: cfg.revenue.output > 0),
    "dataset.frequency": ("revenue.output > 0", lambda cfg: cfg.revenue.output > 0),  # names the VaR's horizon, one row
    "uncertainty.mc_samples": ("dataset.cost_items", lambda cfg: bool(cfg.dataset.cost_items)),
    "uncertainty.copula": ("dataset.cost_items", lambda cfg: bool(cfg.dataset.cost_items)),
    "dataset.combine": ("dataset.cost_items", lambda cfg: bool(cfg.dataset.cost_items)),
    "implied_cost.operating_hours": ("implied_cost.cost_per_event > 0", lambda cfg: cfg.implied_cost.cost_per_event > 0),
}


@config_keys(KEYS)
def run(cfg: Config, out: Run) -> dict:
    import polars as pl
    from rich.markup import escape

    from minectl.uncertainty.analysis import (
        analyse_series,
        boot_row,
        fit_row,
        series_metrics,
    )
    from minectl.uncertainty.dependence import dependence_line
    from minectl.uncertainty.propagation import check_items, implied_cost, propagate_items
    from minectl.uncertainty.report import print_summary
    from minectl.uncertainty.risk import revenue_risk
    from minectl.uncertainty.series import (
        read_column_groups,
        read_series,
        transform_groups,
    )

    params, dataset = cfg.uncertainty, cfg.dataset
    path = out.input_file(dataset.path)
    groups, flags = read_series(path, dataset.column, dataset.group_by, params.drop_incomplete, "uncertainty.drop_incomplete",
                                dataset.date_column, dataset.censored_column,
                                # the cost reads the values as times between events (with diff: their differences)
                                "implied_cost.operating_hours" if cfg.implied_cost.cost_per_event > 0
                                and _cost_transform(dataset.transforms) == "level" else None,
                                returns="log_return" in dataset.transforms or cfg.revenue.output > 0)
    if dataset.cost_items:  # checked before any table is written
        item_groups, dropped_rows = read_column_groups(
            path, list(dataset.cost_items), "dataset.cost_items", params.drop_incomplete, "uncertainty.drop_incomplete",
            dataset.group_by,
        )
        for group, items in item_groups.items():
            check_items(items, list(dataset.cost_items), dataset.combine, _group_place(path, dataset.group_by, group))
    subseries, dropped = transform_groups(groups, list(dataset.transforms), path, dataset.column, dataset.group_by is not None)
    # with flags, transforms is [level] (check): one series per group, in the groups' order
    censored = dict(zip(subseries, flags.values(), strict=True)) if flags else {}
    returns, period = _checked_inputs(cfg, path, groups, subseries)
    if cfg.implied_cost.cost_per_event > 0 and dataset.censored_column is None:  # the levels are times between events
        for label in _running_totals(subseries):
            out.warn(f"{label}: never falls over its {subseries[label].size} values: operating hours at each failure? (their "
                     "differences are the times between failures: dataset.transforms=[diff], or a column of those times) or "
                     "times sorted by size?")

    metrics: dict = {}
    boot_rows, fit_rows = [], []
    with (out.progress(params.n_resamples * len(subseries), "bootstrap resamples") as advance,
          out.progress(len(params.families) * len(subseries), "distribution fits") as fit_advance):
        for label, values in subseries.items():
            shown_label = escape(label)  # a group's name in brackets ('[bold]', '[/b]') is no console markup
            skipped: dict[str, str] = {}
            # a series without a suspension is complete: its K-S and A-D tests hold
            suspensions = censored[label] if label in censored and censored[label].any() else None
            result, fits, dependence = analyse_series(
                values, statistic=params.statistic, q=params.q, method=params.method, confidence=params.confidence,
                n_resamples=params.n_resamples, block_length=params.block_length, families=params.families,
                random_state=out.seed, advance=advance, test_alpha=params.autocorrelation_alpha,
                name=f"{path}: column '{dataset.column}' ({label})", skipped=skipped, censored=suspensions,
                fit_advance=fit_advance,
            )
            metrics[label] = series_metrics(result, fits, params.gof_alpha, suspensions)
            if suspensions is not None:
                out.console.print(escape(f"{label}: {int(suspensions.sum())} of {values.size} rows censored (column "
                                         f"'{dataset.censored_column}'): MTBF = total time / failures = {values.sum():.6g} / "
                                         f"{int((~suspensions).sum())}; best fit {fits[0].family} by censored likelihood, its mean "
                                         f"{metrics[label]['best_fit']['mean']:.6g}; K-S and A-D not computed (complete-sample tests)"))
            if dependence is not None:
                metrics[label]["dependence"] = dependence.as_metrics()
                out.console.print(dependence_line(shown_label, dependence))
            for reason in dict.fromkeys(skipped.values()):  # said, not silent: one zero time between failures takes the exponential out
                families = ", ".join(family for family, why in skipped.items() if why == reason)
                out.console.print(f"{shown_label}: {families} not fitted: {escape(reason)}")
            if params.drop_incomplete:
                metrics[label]["dropped"] = dropped[label]
            block = dependence.block_length if dependence is not None else params.block_length
            boot_rows.append({"series": label, "n": values.size, **boot_row(result), "block_length": block or 1,
                              **({"suspensions": int(censored[label].sum())} if censored else {})})
            fit_rows += [{"series": label, "rank": i + 1, **fit_row(fit)} for i, fit in enumerate(fits)]
            if cfg.implied_cost.cost_per_event > 0 and label.endswith(_cost_transform(dataset.transforms)):
                cost = metrics[label]["implied_cost"] = implied_cost(
                    result.estimate, result.low, result.high, cfg.implied_cost.cost_per_event, cfg.implied_cost.operating_hours
                )
                # the experiment's point (a cost item's range) was in metrics.json only
                out.console.print(f"{shown_label}: implied cost {cost['cost']:.6g} a year ({cfg.implied_cost.cost_per_event:g} per event x "
                                  f"{cfg.implied_cost.operating_hours:g} h / MTBF {result.estimate:.6g} h), {params.confidence:g} range "
                                  f"[{cost['low']:.6g}, {cost['high']:.6g}]")
    out.table("bootstrap", pl.DataFrame(boot_rows))
    out.table("fits", pl.DataFrame(fit_rows))

    if returns is not None:
        (levels,) = groups.values()
        metrics["revenue"] = revenue_risk(levels[-1], returns, cfg.revenue.output, params.risk_level, params.alpha)
        row = {"output": cfg.revenue.output, "level": params.risk_level, "alpha": params.alpha, "horizon": f"next {period}",
               **metrics["revenue"]}
        out.console.print(f"revenue risk: next {period} (one row of the data ahead), VaR / CVaR at {params.risk_level:g}: "
                          f"{metrics['revenue']['var']:.6g} / {metrics['revenue']['cvar']:.6g}")
        out.table("revenue_risk", pl.DataFrame([row]))
    if dataset.cost_items:
        rows = []
        for group, items in item_groups.items():  # per group, as the series: a mine's total from its own items
            group_rows, group_metrics = propagate_items(
                items, list(dataset.cost_items), families=params.families, combine=dataset.combine, confidence=params.confidence,
                n_samples=params.mc_samples, copula=params.copula, random_state=out.seed,
                where=_group_place(path, dataset.group_by, group),
            )
            if dataset.group_by is None:
                rows, metrics["propagation"] = group_rows, group_metrics
            else:
                rows += [{dataset.group_by: group, **row} for row in group_rows]
                metrics.setdefault("propagation", {})[group] = group_metrics
        out.table("propagation", pl.DataFrame(rows))
        if params.drop_incomplete:
            metrics["propagation"]["dropped_rows"] = dropped_rows
            out.console.print(f"propagation: {dropped_rows} incomplete rows of the cost items dropped (uncertainty.drop_incomplete)")
    print_summary(out.console, boot_rows, fit_rows, {label for label, m in metrics.items() if m.get("no_family_fits")})
    if params.drop_incomplete:
        out.console.print(f"dropped (uncertainty.drop_incomplete): {escape(', '.join(f'{n} {label}' for label, n in dropped.items()))}")
    for line in unread_settings(READ_ONLY_WITH, cfg):  # with the figures: said at once, they came before a refusal's one line
        out.warn(line)
    return {"uncertainty": metrics}


def _group_place(path, group_by: str | None, group: str) -> str:
    """Where a group's cost items are, for its errors: the file, and the group with group_by."""
    return str(path) if group_by is None else f"{path} ({group_by} {group})"


def _cost_transform(transforms) -> str | None:
    """The series whose mean is the time between events, which the implied cost divides by: the level (a column
    of those times) or, without it, the diff (a column of operating hours at each event: the Coetzee truck log)."""
    return next((name for name in ("level", "diff") if name in transforms), None)


def _running_totals(subseries: dict) -> list[str]:
    """The level series of at least 8 values that never fall and rise at every step but one in ten:
    a running total (a failure log's operating hours at each failure, read as times between
    failures, make the MTBF their mean: 1,177 h for 49.8 h on the LHD log) or lifetimes sorted by
    size (Weibull++ sorts them). Said, not refused: the two cannot be told apart."""
    import numpy as np

    return [label for label, values in subseries.items() if label.endswith("level") and values.size >= 8
            and (np.diff(values) >= 0).all() and (np.diff(values) > 0).mean() >= 0.9]


def _named_as_meter(column: str) -> bool:
    """A column named as an hour meter's readings (a Caterpillar SMU, `hour meter`, `cumulative hours`):
    read as times between failures, the LHD log's hours at each failure made an MTBF of 1,177 h for 49.8."""
    import re

    words = re.findall(r"[a-z]+", column.lower())
    return any(word in ("meter", "hourmeter", "smu", "odometer", "cum") or word.startswith("cumul") for word in words)


def _checked_inputs(cfg: Config, path, groups: dict, subseries: dict):
    """What the block length, the revenue risk and the implied cost need of the data, checked before any output;
    returns the revenue risk's log returns and the period of one row (None, None without it)."""
    import numpy as np

    from minectl.uncertainty.bootstrap import check_bca_size, longest_block
    from minectl.uncertainty.series import drop_gaps, row_period, transform_series

    dataset, returns, period = cfg.dataset, None, None
    block = cfg.uncertainty.block_length
    for label, values in subseries.items():  # bootstrap_ci's own limits, for every series before the first is analysed
        if block is not None and block > longest_block(values.size):
            raise ConfigError(f"uncertainty.block_length={block} is too long for {label} ({values.size} values); expected at most "
                              f"{longest_block(values.size)} (a third of the series)")
        if cfg.uncertainty.method == "bca" and dataset.censored_column is None:
            check_bca_size(values.size)
    if cfg.revenue.output > 0:
        if len(groups) != 1:
            raise ConfigError("revenue.output: revenue risk needs one series (no dataset.group_by)")
        (levels,) = groups.values()
        returns, _ = drop_gaps(transform_series(levels, "log_return", f"{path}: {dataset.column} (revenue risk)"))
        # historical simulation: with fewer returns, VaR and CVaR are the worst return whatever the level
        needed = math.ceil(1 / (1 - cfg.uncertainty.risk_level) - 1e-9)
        if returns.size < needed:
            raise DataError(f"{path}: column '{dataset.column}' gives {returns.size} one-row returns; revenue risk at "
                            f"uncertainty.risk_level={cfg.uncertainty.risk_level:g} needs at least {needed} (one beyond the VaR)")
        with np.errstate(over="ignore"):  # the highest revenue of the simulation; inf would end it in "losses: NaN or inf"
            peak = cfg.revenue.output * levels[-1] * np.exp(returns.max())
        if not np.isfinite(peak):
            raise DataError(f"{path}: column '{dataset.column}' rises {returns.max():.4g} in log in one row (e.g. from a value near "
                            f"0 such as {np.nanmin(levels):g}): revenue.output={cfg.revenue.output:g} times that rise overflows; "
                            "expected prices in one unit, without values near 0")
        period = row_period(path, dataset.frequency, dataset.date_column, dataset.column)
    if _named_as_meter(dataset.column):  # a running total by its name too: not a sorted sample of lifetimes
        for label in _running_totals(subseries):
            raise DataError(f"{path}: column '{dataset.column}' ({label}) never falls over its {subseries[label].size} values and is "
                            "named as a meter reading: the operating hours at each failure, whose mean is no time between "
                            "failures; expected the times between failures (their differences: dataset.transforms=[diff], or a "
                            "column of those times)")
    if cfg.implied_cost.cost_per_event > 0 or dataset.censored_column is not None:  # the levels are times between events
        for label, values in subseries.items():
            # a negative diff: event times out of order
            if label.endswith(_cost_transform(dataset.transforms)) and values.min() < 0:
                needed_by = "implied_cost" if cfg.implied_cost.cost_per_event > 0 else "dataset.censored_column"
                raise DataError(f"{path}: column '{dataset.column}' ({label}) has a negative time between events ({values.min():g}); "
                                f"expected times >= 0 for {needed_by}")
    return returns, period
