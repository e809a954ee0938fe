"""`minectl capacity`: technical limits, cost-capacity curve, PCA, cobweb and the risk-adjusted optimum."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional

from omegaconf import OmegaConf

from minectl.capacity.limits import MAX_DENSITY_T_M3
from minectl.config import TaskConfig, unread_settings
from minectl.constraints import at_least, between, finite, finite_nonneg, greater_than
from minectl.errors import ConfigError, DataError, config_keys

if TYPE_CHECKING:
    from minectl.results import Run


@dataclass
class LimitsConfig:
    reserves_t: float = greater_than(0, default=740e6)
    service_life_a: float = greater_than(0, default=15.0)
    # K of eq 3, a margin kept in reserve (>= 1): 0.5 planned 2 x the reserves over the service life, unsaid
    reserve_coefficient: float = at_least(1, default=1.1)
    working_line_m: float = greater_than(0, default=1700.0)
    advance_m_a: float = greater_than(0, default=400.0)
    seam_thickness_m: float = greater_than(0, default=32.0)
    density_t_m3: float = between(0, MAX_DENSITY_T_M3, default=1.4, closed="right")  # t/m3 (1400: kg/m3)
    loss: float = between(0, 1, default=0.03, closed="left")
    dilution: float = between(0, 1, default=0.03, closed="left")
    link_capacities_m3_a: List[float] = greater_than(0, default_factory=lambda: [110e6, 91.5e6, 99.5e6])
    stripping_ratio_m3_t: float = finite_nonneg(default=3.11)
    fixed_cost_a: float = greater_than(0, default=1.0e9)  # Cd, currency per year
    variable_unit_cost: float = finite_nonneg(default=150.0)  # C0, currency per t
    price: float = greater_than(0, default=300.0)  # P, currency per t
    k1: float = greater_than(0, default=0.9)
    k2: float = greater_than(0, default=0.95)


@dataclass
class RevenueConfig:
    output_unit_t: float = greater_than(0, default=1.0e4)  # Q is counted in these tonnes ...
    periods_per_year: int = at_least(1, default=12)  # ... per period (month)
    price_coefs: List[float] = finite(default_factory=lambda: [300.0])  # P(Q) = sum c_i Q^i, currency per t
    cost_coefs: List[float] = finite(default_factory=lambda: [386300.0, -2428.0, 3.919])  # C(Q) per period, currency x output_unit_t
    price_range: List[float] = finite(default_factory=lambda: [-0.1079, 0.1079])  # UL, UU as fractions
    cost_range: List[float] = finite(default_factory=lambda: [-0.1305, 0.2768])
    confidence: float = between(0, 1, default=0.95, closed="neither")  # the ranges' coverage (lognormal errors)
    alpha_price: float = between(-1, 1, default=0.5)  # entropic risk aversion
    alpha_cost: float = between(-1, 1, default=0.2)
    dead_band: float = finite_nonneg(default=0.05)  # U0 of eqs 27-28


@dataclass
class TableInput:
    path: Optional[str] = None  # .csv, .tsv or .parquet; nothing is fitted when null
    output_column: str = "output"
    total_column: str = "total_cost"
    item_columns: List[str] = field(default_factory=list)  # cost items for the PCA
    price_column: str = "price"


@dataclass
class RollingConfig:
    path: Optional[str] = None  # a monthly price series whose relative moves drive the rolling optimum
    column: str = "price"
    last: int = at_least(2, default=12)  # months used (the most recent)


@dataclass
class Config(TaskConfig):
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    revenue: RevenueConfig = field(default_factory=RevenueConfig)
    cost_data: TableInput = field(default_factory=TableInput)
    cobweb: TableInput = field(default_factory=TableInput)
    rolling: RollingConfig = field(default_factory=RollingConfig)
    key_factors: int = at_least(1, default=3)
    # Rows of cost_data / cobweb missing a value: refused by default; true drops them, counted
    # in metrics (dropped.<input>) and the summary. (Gaps in rolling.path are always refused.)
    drop_incomplete: bool = False


def _with_path(table: str):
    return f"{table}.path", lambda cfg: bool(cfg[table].path)


# settings read only with an input file (rolling.last=24 or revenue.dead_band=0.02 without rolling.path gave the same run,
# exit 0, not a word): said with the figures, not refused, as a sweep may give the file to some of its jobs only
READ_ONLY_WITH = {
    **dict.fromkeys(("rolling.column", "rolling.last", "revenue.dead_band"), _with_path("rolling")),
    **dict.fromkeys(("cost_data.output_column", "cost_data.total_column", "cost_data.item_columns"), _with_path("cost_data")),
    **dict.fromkeys(("cobweb.output_column", "cobweb.price_column"), _with_path("cobweb")),
    "key_factors": ("cost_data.path and cost_data.item_columns (the PCA)",
                    lambda cfg: bool(cfg.cost_data.path and cfg.cost_data.item_columns)),
}


def run(cfg: Config, out: Run) -> dict:
    import numpy as np
    import polars as pl

    from minectl.capacity.optimal import (
        lognormal_errors,
        optimal_capacity,
        risk_adjusted_error,
    )

    rev = cfg.revenue
    limits_t_a, min_profitable, upper_t_a, per_q = _limits(cfg)
    to_mt_a = per_q / 1e6
    price, cost = _curves(cfg)
    price_range, cost_range = tuple(rev.price_range), tuple(rev.cost_range)
    with config_keys({"error_range": "revenue.price_range", "confidence": "revenue.confidence"}):
        price_errors = lognormal_errors(*price_range, rev.confidence)
    with config_keys({"error_range": "revenue.cost_range", "confidence": "revenue.confidence"}):
        cost_errors = lognormal_errors(*cost_range, rev.confidence)
    e_price = risk_adjusted_error(price_errors, rev.alpha_price, "gain")
    e_cost = risk_adjusted_error(cost_errors, rev.alpha_cost, "loss")
    lower, upper = min_profitable / per_q, upper_t_a / per_q
    decision = optimal_capacity(price, cost, lower, upper, e_price, e_cost)
    neutral = optimal_capacity(price, cost, lower, upper)

    metrics: dict = {
        "limit": {**{k: v / 1e6 for k, v in limits_t_a.items()}, "min_profitable_t_a": min_profitable},
        "lower_mt_a": min_profitable / 1e6,
        "upper_mt_a": upper_t_a / 1e6,
        "optimal_mt_a": decision.optimal * to_mt_a,
        "unconstrained_mt_a": decision.unconstrained * to_mt_a,
        "risk_neutral_unconstrained_mt_a": neutral.unconstrained * to_mt_a,
        "e_price": e_price,
        "e_cost": e_cost,
        "marginal_revenue": decision.marginal_revenue,
        "upper_binding": decision.binding == "upper",
    }
    inputs, dropped = _read_inputs(cfg, out)  # every input file, checked before any table is written
    out.table(
        "limits",
        pl.DataFrame({"limit": list(limits_t_a) + ["min_profitable"], "t_a": list(limits_t_a.values()) + [min_profitable]}),
    )
    if cfg.cost_data.path:
        with config_keys({"output": "cost_data.output_column", "cost": "cost_data.total_column"}):
            metrics.update(_cost_analysis(inputs, list(cfg.cost_data.item_columns), cfg.key_factors, out))
    if cfg.cobweb.path:
        from minectl.capacity.curves import fit_cobweb

        with config_keys({"output": "cobweb.output_column", "price": "cobweb.price_column"}):
            metrics["cobweb"] = fit_cobweb(inputs["cobweb"][:, 0], inputs["cobweb"][:, 1]).as_dict()
        out.table("cobweb", pl.DataFrame([metrics["cobweb"]]))
    if cfg.rolling.path:
        from minectl.capacity.optimal import rolling_capacity

        if len(inputs["rolling"]) < cfg.rolling.last:  # said, as metrics rolling.months only counted it
            out.console.print(f"rolling: {len(inputs['rolling'])} months in rolling.path, fewer than rolling.last={cfg.rolling.last}: "
                              "all of them used")
        with config_keys({"prices": "rolling.path", "dead_band": "revenue.dead_band"}):
            rows = rolling_capacity(
                inputs["rolling"][-cfg.rolling.last :], price, cost, lower, upper,
                price_errors, cost_errors, price_range, cost_range, rev.dead_band
            )
        frame = pl.DataFrame(rows).with_columns(
            (pl.col("optimal") * to_mt_a).alias("optimal_mt_a"), (pl.col("unconstrained") * to_mt_a).alias("unconstrained_mt_a")
        )
        out.table("rolling", frame)
        metrics["rolling"] = {
            "months": len(rows),
            "optimal_mt_a_last": float(frame["optimal_mt_a"][-1]),
            "unconstrained_mt_a_min": float(frame["unconstrained_mt_a"].min()),
            "unconstrained_mt_a_max": float(frame["unconstrained_mt_a"].max()),
        }
    if cfg.drop_incomplete:
        metrics["dropped"] = dropped
        out.console.print(f"dropped (drop_incomplete): {', '.join(f'{n} rows of {key}' for key, n in dropped.items()) or 'nothing read'}")
    out.console.print(
        f"technical limits (Mt/a): reserves {metrics['limit']['reserves_mt_a']:.2f}, intensity "
        f"{metrics['limit']['intensity_mt_a']:.2f}, links {metrics['limit']['links_mt_a']:.2f}; "
        f"minimum profitable {min_profitable:,.0f} t/a\n"
        f"risk-adjusted optimum {_mt(metrics['optimal_mt_a'])} Mt/a ({decision.binding}); unconstrained "
        + (f"{_mt(metrics['unconstrained_mt_a'])} Mt/a" if np.isfinite(decision.unconstrained)
           else f"none (revenue still rises at 4 x the upper limit, {4 * metrics['upper_mt_a']:.2f} Mt/a)")
        + f" with e_P {e_price:+.4f}, e_Z {e_cost:+.4f}"
    )
    for line in unread_settings(READ_ONLY_WITH, cfg):
        out.warn(line)
    return {"capacity": metrics}


def _mt(value: float) -> str:
    """Mt/a to 2 decimals, and below 0.01 to 2 significant digits: an optimum of 4,200 t/a read as "0.00", as if producing
    nothing were best."""
    return f"{value:.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.2g}"


def check(cfg: Config) -> None:
    """The revenue's lists have the lengths they need, the tables' columns are named once each, the
    revenue curves hold on the technical limits, and the input files are there, for every sweep value
    before any job."""
    from minectl.capacity.optimal import check_curves, lognormal_errors
    from minectl.data.sources import check_input

    for key in ("price_coefs", "cost_coefs"):
        if not cfg.revenue[key]:
            raise ConfigError(f"revenue.{key}: empty; expected polynomial coefficients c0, c1, ... (at least c0)")
    for key in ("price_range", "cost_range"):
        if len(cfg.revenue[key]) != 2:
            raise ConfigError(f"revenue.{key}: expected [lower, upper] fractions, got {list(cfg.revenue[key])}")
        # -1 < lower < 0 < upper, a confidence of finite quantile: else refused in each job
        with config_keys({"error_range": f"revenue.{key}", "confidence": "revenue.confidence"}):
            lognormal_errors(*cfg.revenue[key], cfg.revenue.confidence)
    band = min(-cfg.revenue.price_range[0], cfg.revenue.price_range[1], -cfg.revenue.cost_range[0], cfg.revenue.cost_range[1])
    if cfg.rolling.path and not cfg.revenue.dead_band < band:  # eqs 27-28 need it inside both ranges: else refused in each job
        raise ConfigError(f"revenue.dead_band={cfg.revenue.dead_band:g}: not below the nearest limit of revenue.price_range and "
                          f"cost_range ({band:g}); expected a fraction 0 <= dead_band < {band:g} (0.05 for 5 %)")
    if not cfg.limits.link_capacities_m3_a:  # else refused in the job: a sweep's earlier jobs would have run
        raise ConfigError("limits.link_capacities_m3_a: empty; expected at least one production-link capacity")
    if len(cfg.cost_data.item_columns) == 1:  # refused by the PCA, after the cost curves' output
        raise ConfigError(f"cost_data.item_columns: one item ({cfg.cost_data.item_columns[0]}); expected two or more for the PCA "
                          "(or none)")
    for keys, columns in (  # the columns each table read takes together (_read_inputs): one named twice was polars' DuplicateError
        (("cost_data.output_column", "cost_data.total_column"), [cfg.cost_data.output_column, cfg.cost_data.total_column]),
        (("cost_data.item_columns",), list(cfg.cost_data.item_columns)),
        (("cobweb.output_column", "cobweb.price_column"), [cfg.cobweb.output_column, cfg.cobweb.price_column]),
    ):
        twice = next((name for name in columns if columns.count(name) > 1), None)
        if twice is not None:
            raise ConfigError(f"{' and '.join(keys)}: column '{twice}' named twice; expected a different column for each")
    import numpy as np

    from minectl.capacity.optimal import GRID_POINTS

    _, min_profitable, upper_t_a, per_q = _limits(cfg)  # the limits' own errors, too, before any job of a sweep
    price, cost = _curves(cfg)
    with config_keys({"price_coefs": "revenue.price_coefs", "cost_coefs": "revenue.cost_coefs"}):
        check_curves(price, cost, min_profitable / per_q, upper_t_a / per_q)
    q = np.linspace(min_profitable / per_q, upper_t_a / per_q, GRID_POINTS)  # the technical range, as the optimum samples it
    _check_one_price(cfg, price(q))
    _check_revenue_near_cost(cfg, q, price, cost)
    for key, path in (("cost_data.path", cfg.cost_data.path), ("cobweb.path", cfg.cobweb.path), ("rolling.path", cfg.rolling.path)):
        if path:
            check_input(key, path)


def _check_one_price(cfg: Config, prices) -> None:
    """limits.price (eq 6's P) and the price curve revenue.price_coefs price the same tonne: refused when limits.price is
    nowhere near P(Q) on the technical range (outside [half its lowest positive value, twice its highest]). Yuan/t in
    limits.price beside USD/t in price_coefs=[45] set the minimum profitable scale at 300 and chose the optimum at 45, unsaid.
    ``prices``: P(Q) on the technical range."""
    import numpy as np

    prices = prices[prices > 0]  # check_curves has made sure there is one
    low, high = float(prices.min()), float(prices.max())
    if not low / 2 <= cfg.limits.price <= 2 * high:
        shown = f"{low:g}" if np.isclose(low, high) else f"{low:g} to {high:g}"
        raise ConfigError(f"limits.price={cfg.limits.price:g} is nowhere near the price curve revenue.price_coefs, P(Q) = {shown} "
                          f"on the technical range (not even within {low / 2:g}-{2 * high:g}); expected both in the same currency "
                          "per tonne")


# revenue P(Q) x Q and cost C(Q) further apart than this at every Q of the technical range: a unit slip, not a mine
# (output_unit_t=1 for the seed's 10^4 t lost 8.9e11 a period at the best Q, exit 0; the default is 1.27x apart at best)
REVENUE_COST_APART = 100.0


def _check_revenue_near_cost(cfg: Config, q, price, cost) -> None:
    """Refused when the revenue and the cost of every output ``q`` of the technical range are more than REVENUE_COST_APART
    times apart: revenue.output_unit_t, periods_per_year or the curves' currency units do not match."""
    import numpy as np

    revenue, costs = price(q) * q, cost(q)
    both = (revenue > 0) & (costs > 0)  # outputs of no revenue (a demand line past 0) compare nothing
    apart = np.maximum(revenue, costs)[both] / np.minimum(revenue, costs)[both]
    if apart.size and apart.min() > REVENUE_COST_APART:
        at = q[both][apart.argmin()]
        raise ConfigError(f"revenue P(Q) x Q and cost C(Q) are {apart.min():.3g} times apart at best on the technical range "
                          f"(Q = {at:.4g}: revenue {price(at) * at:.4g}, cost {cost(at):.4g}, Q in revenue.output_unit_t="
                          f"{cfg.revenue.output_unit_t:g} t, {cfg.revenue.periods_per_year:g} periods a year); expected "
                          f"Q, P and C in the units of revenue.cost_coefs (within {REVENUE_COST_APART:g}x of each other somewhere)")


def _limits(cfg: Config) -> tuple[dict[str, float], float, float, float]:
    """The technical limits (t/a), the minimum profitable scale and the upper limit (t/a), and the t/a of one unit of Q."""
    from minectl.capacity.limits import technical_limits

    limit_params = OmegaConf.to_container(cfg.limits, resolve=True)
    with config_keys({name: f"limits.{name}" for name in limit_params}):  # its keywords are the limits node's keys
        limits_t_a, min_profitable, upper_t_a = technical_limits(**limit_params)
    return limits_t_a, min_profitable, upper_t_a, cfg.revenue.output_unit_t * cfg.revenue.periods_per_year


def _curves(cfg: Config) -> tuple:
    """The price curve P(Q) and the total cost curve C(Q) of the revenue keys."""
    import numpy as np

    return np.polynomial.Polynomial(list(cfg.revenue.price_coefs)), np.polynomial.Polynomial(list(cfg.revenue.cost_coefs))


def _read_inputs(cfg: Config, out: Run) -> tuple[dict, dict[str, int]]:
    """The arrays of the configured inputs, by config key, and the incomplete rows dropped from each."""
    import numpy as np

    from minectl.data.values import constant_up_to_rounding
    from minectl.uncertainty.series import read_columns, read_path

    arrays, dropped = {}, {}
    lagged = "oldest first: the cobweb pairs each row's output with the price of the row before"
    for key, table, columns, ordered in (
        ("cost_data", cfg.cost_data, [cfg.cost_data.output_column, cfg.cost_data.total_column], None),
        ("cost_data.item_columns", cfg.cost_data, list(cfg.cost_data.item_columns), None),
        ("cobweb", cfg.cobweb, [cfg.cobweb.output_column, cfg.cobweb.price_column], lagged),
    ):
        if table.path and columns:
            arrays[key], dropped[key] = read_columns(out.input_file(table.path), columns, key, cfg.drop_incomplete, "drop_incomplete",
                                                     ordered)
    items = arrays.get("cost_data.item_columns", np.empty((0, 0)))  # none without a cost_data file
    for name, column in zip(cfg.cost_data.item_columns, items.T, strict=False):
        # named here, before any output: the PCA sees only positions; a spread of rounding noise
        # (8000 + 1e-12 steps) would be standardised into a full-weight item
        if column.size > 1 and constant_up_to_rounding(column):
            raise DataError(f"cost_data.item_columns: '{name}' is {column[0]:g} in every row; the PCA needs cost items that vary "
                            "(leave constant items out)")
    if cfg.rolling.path:
        arrays["rolling"] = read_path(out.input_file(cfg.rolling.path), cfg.rolling.column, "rolling")
    return arrays, dropped


def _cost_analysis(inputs: dict, items: list[str], key_factors: int, out: Run) -> dict:
    """The cost-capacity curves of cost_data, and the PCA of its cost items when named."""
    import polars as pl

    from minectl.capacity.curves import curve_rows, fit_cost_curves
    from minectl.capacity.pca import CostFactorPCA

    skipped: dict[str, str] = {}
    curves = fit_cost_curves(inputs["cost_data"][:, 0], inputs["cost_data"][:, 1], skipped=skipped)
    out.table("cost_curves", pl.DataFrame(curve_rows(curves)))
    for form, reason in skipped.items():  # said, not silent: a mine with zero output takes the power form out
        out.console.print(f"cost curve: {form} not fitted ({reason})")
    metrics = {"cost_curve": {"r2": curves[0].r2_, "sig": curves[0].p_value_}}
    if items:
        table = inputs["cost_data.item_columns"]
        pca = CostFactorPCA().fit(table)
        out.table("pca_components", pl.DataFrame(pca.contribution_table()))
        out.table("pca_weights", pl.DataFrame({"item": items, "weight": pca.weights_}).sort("weight", descending=True))
        out.console.print(f"key cost factors: {', '.join(pca.key_factors(items, key_factors))}")
        metrics["pca"] = {"n_components": pca.n_components_, "cumulative": float(pca.cumulative_[pca.n_components_ - 1])}
    return metrics
