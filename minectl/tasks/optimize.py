"""`minectl optimize`: design optimisation from a few expensive simulations (seed 002, 4.1-4.7).

simulator (closed form or a table of runs) -> DoE -> surrogate per response (k-fold CV) ->
NSGA-II on the surrogate -> quality against NSGA-II on the simulator -> decision by price ->
single-objective BO baseline, field validation, sensitivity, robustness. The stages are in
minectl/optimize/; this module reads the config, reads the input files and wires the stages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from omegaconf import MISSING, OmegaConf

from minectl.config import TaskConfig, unread_settings
from minectl.constraints import at_least, between, estimator_params, finite, finite_nonneg, one_of
from minectl.errors import ConfigError, DataError
from minectl.optimize.pim import RESPONSES, VARIABLES, PimParams

if TYPE_CHECKING:
    from minectl.results import Run

# the most points a stage builds at once: the DoE's runs, the one-at-a-time curve's and the Sobol base sample's
# (1e10 ended in a MemoryError traceback after the solves, or the kernel's OOM killer for a full factorial)
MAX_POINTS = 1_000_000
MAX_POPULATION = 10_000  # NSGA-II ranks its 2 x pop_size solutions pairwise every generation


# NSGA-II's first generation is its initial sample: at n_gen=1 no design is crossed or mutated, and at crossover_prob=0 none
# is crossed (n_gen=1 crossover_prob=0.5 gave the defaults' front, exit 0, not a word); a table of runs has no simulator to
# run NSGA-II on (compare_direct=true gave no pareto.hv_ratio, unsaid). Said with the figures, not refused: a convergence
# sweep n_gen=1,10,100 with crossover_prob=0.5 gives it to the jobs that read it
READ_ONLY_WITH = {
    "optimizer.compare_direct": ("simulator=pim (a simulator to run NSGA-II on)", lambda cfg: cfg.simulator.kind == "pim"),
    "optimizer.crossover_prob": ("optimizer.n_gen >= 2", lambda cfg: cfg.optimizer.n_gen > 1),
    "optimizer.mutation_eta": ("optimizer.n_gen >= 2", lambda cfg: cfg.optimizer.n_gen > 1),
    "optimizer.crossover_eta": ("optimizer.n_gen >= 2 and optimizer.crossover_prob > 0",
                                lambda cfg: cfg.optimizer.n_gen > 1 and cfg.optimizer.crossover_prob != 0),
}


@dataclass
class SimulatorConfig:
    kind: str = "pim"  # pim | table
    pim: PimParams = field(default_factory=PimParams)  # defaults and ranges: minectl/optimize/pim.py
    path: Optional[str] = None  # kind=table: a .csv/.parquet/.arff of runs exported from e.g. FLAC3D
    columns: Dict[str, str] = field(default_factory=dict)  # kind=table: file column -> variable/response name
    responses: List[str] = field(default_factory=list)  # kind=table: response columns
    # kind=table: runs missing a variable or a response are refused by default; true drops
    # them, counted in metrics (doe.dropped) and the summary.
    drop_incomplete: bool = False


@dataclass
class DoeConfig:
    kind: str = "full_factorial"  # full_factorial | lhs | sobol
    n: int = at_least(2, default=88)  # lhs / sobol size
    levels: Dict[str, int] = at_least(2, default_factory=dict)  # full_factorial: levels per variable


@dataclass
class SurrogateConfig:
    name: str = MISSING  # the surrogate's label in tables (lightgbm | rf | extra_trees)
    _target_: str = MISSING  # one regressor per response: its class (conf/surrogate/)
    params: Dict[str, Any] = estimator_params(("random_state",))  # constructor arguments that differ from its defaults
    cv_folds: int = at_least(2, default=5)


@dataclass
class OptimizerConfig:
    pop_size: int = at_least(4, default=100)
    n_gen: int = at_least(1, default=200)
    # the operators: None keeps minectl.optimize.moo.run_nsga2's defaults (SBX 0.9 / eta 15, PM eta 20, LHS)
    crossover_prob: Optional[float] = between(0, 1, default=None)
    crossover_eta: Optional[float] = finite_nonneg(default=None)
    mutation_eta: Optional[float] = finite_nonneg(default=None)
    sampling: Optional[str] = None  # initial population: lhs | random
    compare_direct: bool = True  # also run NSGA-II on the simulator: pareto.hv_ratio


@dataclass
class Bounds:
    low: float = finite(default=MISSING)
    high: float = finite(default=MISSING)


@dataclass
class ObjectiveConfig:
    response: str = MISSING
    sense: str = "min"  # min | max


@dataclass
class ConstraintConfig:
    response: str = MISSING
    op: str = "<="  # <= | >=
    limit: float = finite(default=MISSING)


@dataclass
class DecisionConfig:
    price: Optional[float] = finite_nonneg(default=None)
    # Or the last value of a price series / forecast table file (tables/forecast.parquet of `minectl forecast`).
    price_path: Optional[str] = None
    price_column: str = "forecast"
    price_model: Optional[str] = None
    price_unit: Optional[str] = None  # the band's unit (e.g. CNY/t): a price path in another unit is refused
    low_price: float = finite_nonneg(default=300.0)
    high_price: float = finite_nonneg(default=450.0)
    weights_at_low: Dict[str, float] = finite_nonneg(default_factory=dict)
    weights_at_high: Dict[str, float] = finite_nonneg(default_factory=dict)
    # how weights score a front point; any other name (weighted, chebyshev) ran as weighted_sum, unsaid
    method: str = one_of("tchebycheff", "weighted_sum", default="tchebycheff")


@dataclass
class FieldCheck:
    design: Dict[str, float] = finite(default_factory=dict)
    measured: Dict[str, float] = finite(default_factory=dict)


@dataclass
class SensitivityConfig:
    oat_points: int = at_least(2, default=21)
    sobol_n: int = at_least(64, default=1024)  # Saltelli base samples: at 2-8 first-order indices of -5.6 and 4.3


@dataclass
class RobustnessConfig:
    train_share: float = between(0, 1, default=0.8, closed="neither")
    # fractions of each value, as the seed's 1-13 % noise and 10-50 % outliers: noise=5 meant as 5 % was an sd of
    # 500 %, responses of either sign fitted (R^2 -892), exit 0; above 1 an outlier shifted down turns a magnitude negative
    noise: float = between(0, 1, default=0.0)
    outlier_share: float = between(0, 1, default=0.0)
    outlier_magnitude: float = between(0, 1, default=0.0)


@dataclass
class BaselineConfig:
    trials: int = at_least(1, default=60)


@dataclass
class OptimizeParams:
    variables: Dict[str, Bounds] = field(default_factory=dict)
    objectives: List[ObjectiveConfig] = field(default_factory=list)
    constraints: List[ConstraintConfig] = field(default_factory=list)
    decision: DecisionConfig = field(default_factory=DecisionConfig)
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    field_validation: List[FieldCheck] = field(default_factory=list)
    sensitivity: SensitivityConfig = field(default_factory=SensitivityConfig)
    robustness: RobustnessConfig = field(default_factory=RobustnessConfig)


@dataclass
class Config(TaskConfig):
    simulator: SimulatorConfig = MISSING
    doe: DoeConfig = MISSING
    surrogate: SurrogateConfig = MISSING
    optimizer: OptimizerConfig = MISSING
    optimize: OptimizeParams = field(default_factory=OptimizeParams)


def _choices(values) -> str:
    return ", ".join(values)


def check(cfg: Any) -> tuple[list[str], list[str]]:
    """How the values relate, for every sweep value before any job (each number's range is
    declared in the schema and checked by minectl.constraints); returns (variables, responses)."""
    from minectl.data.sources import check_input
    from minectl.optimize.doe import KINDS, min_runs
    from minectl.optimize.moo import OPERATORS, SAMPLINGS, SENSES

    opt = cfg.optimize
    variables = list(opt.variables)
    if not variables:
        raise ConfigError("optimize.variables: expected at least one design variable with low/high bounds")
    for name, bounds in opt.variables.items():
        if not bounds.low < bounds.high:
            raise ConfigError(f"optimize.variables.{name}: low {bounds.low} must be below high {bounds.high}")
    sim = cfg.simulator
    _check_simulator_kind(sim)
    if sim.kind == "pim":
        if sorted(variables) != sorted(VARIABLES):
            raise ConfigError(f"optimize.variables: the pim simulator takes exactly {_choices(VARIABLES)}, got {_choices(variables)}")
        responses = list(RESPONSES)
    elif sim.kind == "table":
        if not sim.path or not sim.responses:
            raise ConfigError("simulator: kind=table needs simulator.path (a .csv/.parquet/.arff of runs) "
                              "and simulator.responses (column names)")
        check_input("simulator.path", sim.path)
        if cfg.doe.kind != "full_factorial" or cfg.doe.n != DoeConfig().n:  # the runs are the file's: doe=lhs doe.n=500 ran its 16
            raise ConfigError(f"doe.kind={cfg.doe.kind}, doe.n={cfg.doe.n}: a design for simulator=pim, and simulator=table's runs "
                              "are those of simulator.path; expected the default doe (the file is the design) with simulator=table")
        if dict(cfg.doe.levels) != _shipped_levels():  # doe.levels.pillar_height_m=5 with a table: its runs, unsaid
            raise ConfigError(f"doe.levels={dict(cfg.doe.levels)}: levels of the full factorial simulator=pim runs, and "
                              "simulator=table's runs are those of simulator.path; expected the default doe.levels (the file is the "
                              "design) with simulator=table")
        responses = list(sim.responses)
        named = variables + responses
        again = next((name for i, name in enumerate(named) if name in named[:i]), None)
        if again is not None:
            raise ConfigError(f"simulator.responses: '{again}' is named twice among optimize.variables and simulator.responses; "
                              "expected each column once")
    else:
        raise ConfigError(f"simulator.kind: '{sim.kind}' is unknown; expected one of: pim, table")
    if len(opt.objectives) < 2:
        raise ConfigError("optimize.objectives: expected at least two objectives for a Pareto front")
    for i, objective in enumerate(opt.objectives):
        if objective.response not in responses:
            raise ConfigError(f"optimize.objectives[{i}].response: unknown response '{objective.response}'; "
                              f"expected one of: {_choices(responses)}")
        first = next(k for k, o in enumerate(opt.objectives) if o.response == objective.response)
        if first < i:  # the weights are keyed by response: a second objective of it could never be weighed
            raise ConfigError(f"optimize.objectives[{i}].response: '{objective.response}' is already optimize.objectives[{first}]; "
                              "expected each response in one objective (min and max of one response trade nothing off)")
        if objective.sense not in SENSES:
            raise ConfigError(f"optimize.objectives[{i}].sense: '{objective.sense}'; expected min or max")
    for i, constraint in enumerate(opt.constraints):
        if constraint.response not in responses:
            raise ConfigError(f"optimize.constraints[{i}].response: unknown response '{constraint.response}'; "
                              f"expected one of: {_choices(responses)}")
        if constraint.op not in OPERATORS:
            raise ConfigError(f"optimize.constraints[{i}].op: '{constraint.op}'; expected <= or >=")
    if sim.kind == "pim":
        if cfg.doe.kind not in KINDS:
            raise ConfigError(f"doe.kind: '{cfg.doe.kind}' is unknown; expected one of: {_choices(KINDS)}")
        if cfg.doe.kind == "full_factorial":
            for name in variables:
                if name not in cfg.doe.levels:
                    raise ConfigError(f"doe.levels.{name}: missing; expected >= 2 levels for the full factorial")
            extra = next((name for name in cfg.doe.levels if name not in variables), None)
            if extra is not None:  # a spelling of a variable's name: its levels were read by nothing
                raise ConfigError(f"doe.levels.{extra}: not a variable; expected levels for optimize.variables: {_choices(variables)}")
            if cfg.doe.n != DoeConfig().n:  # doe.n=40 ran the 88 runs of the levels, exit 0
                raise ConfigError(f"doe.n={cfg.doe.n}: the size of an lhs or sobol design, and doe=full_factorial runs every "
                                  "combination of doe.levels; expected doe=lhs or doe=sobol with doe.n, or doe.levels")
        elif cfg.doe.levels and dict(cfg.doe.levels) != _shipped_levels():  # an lhs or sobol design ran its doe.n points, unsaid
            raise ConfigError(f"doe.levels={dict(cfg.doe.levels)}: levels of a full factorial, and doe={cfg.doe.kind} draws doe.n "
                              f"points; expected doe=full_factorial with doe.levels, or doe.n={cfg.doe.n} alone")
        runs = math.prod(cfg.doe.levels[name] for name in variables) if cfg.doe.kind == "full_factorial" else cfg.doe.n
        if runs < min_runs(len(variables), cfg.surrogate.cv_folds):
            raise ConfigError(f"doe: {runs} runs for {len(variables)} variables; expected at least "
                              f"{min_runs(len(variables), cfg.surrogate.cv_folds)} (surrogate.cv_folds={cfg.surrogate.cv_folds}: "
                              f"each fold tests >= 2 runs and trains on >= {len(variables) + 1})")
        pim = cfg.simulator.pim
        if not pim.orebody_height_m > opt.variables["pillar_height_m"].high:
            raise ConfigError("simulator.pim.orebody_height_m: must exceed the pillar height upper bound (extraction height > 0)")
        wall = opt.variables["sidewall_thickness_m"].high
        if wall + pim.stope_span_m > pim.panel_width_m:  # walls of 50-300 (cm for 0.5-3 m) ran: 8,240 t of ore, exit 0
            raise ConfigError(f"optimize.variables.sidewall_thickness_m: a wall of {wall:g} m (its high) and a stope of "
                              f"simulator.pim.stope_span_m={pim.stope_span_m:g} m are wider than the panel (simulator.pim.panel_width_m="
                              f"{pim.panel_width_m:g} m); expected walls in metres (0.5-3 in the seed) and a panel that holds a stope "
                              "and a wall")
        for name in VARIABLES:  # a negative crown pillar went into the simulator's formulas unchecked
            if opt.variables[name].low < 0:
                raise ConfigError(f"optimize.variables.{name}: low must be >= 0")
    _check_sizes(cfg)
    if cfg.optimizer.sampling is not None and cfg.optimizer.sampling not in SAMPLINGS:
        raise ConfigError(f"optimizer.sampling: '{cfg.optimizer.sampling}' is unknown; expected one of: {_choices(SAMPLINGS)}")
    _check_decision(opt.decision, [o.response for o in opt.objectives])
    for i, check in enumerate(opt.field_validation):
        if sorted(check.design) != sorted(variables):
            raise ConfigError(f"optimize.field_validation[{i}].design: expected a value for each of: {_choices(variables)}")
        for name, value in check.design.items():  # the surrogate knows the box only: outside, a tree model stays flat
            bounds = opt.variables[name]
            if not bounds.low <= value <= bounds.high:
                raise ConfigError(f"optimize.field_validation[{i}].design.{name}={value:g} lies outside optimize.variables.{name} "
                                  f"[{bounds.low:g}, {bounds.high:g}]; expected a design inside the bounds the surrogate learnt")
        unknown = [name for name in check.measured if name not in responses]
        if unknown or not check.measured:
            raise ConfigError(f"optimize.field_validation[{i}].measured: expected values for responses among: {_choices(responses)}")
        if any(value == 0 for value in check.measured.values()):
            raise ConfigError(f"optimize.field_validation[{i}].measured: a measured value of 0 has no relative deviation")
    return variables, responses


def _shipped_levels() -> dict:
    """doe.levels as doe=full_factorial (conf/doe/full_factorial.yaml) sets them: the seed's 8 x 11 runs."""
    from pathlib import Path

    import minectl.conf

    return dict(OmegaConf.load(Path(minectl.conf.__file__).parent / "doe" / "full_factorial.yaml").levels)


def _check_sizes(cfg: Any) -> None:
    """The points a stage builds at once within MAX_POINTS, NSGA-II's population within MAX_POPULATION: above them the run
    ended in a MemoryError traceback after the solves (sobol_n=1e12), or in the kernel's OOM killer (1e5 x 1e5 levels)."""
    doe, sensitivity = cfg.doe, cfg.optimize.sensitivity
    sizes = {"optimize.sensitivity.oat_points": (sensitivity.oat_points, MAX_POINTS, "points of each one-at-a-time curve, built at once"),
             "optimize.sensitivity.sobol_n": (sensitivity.sobol_n, MAX_POINTS, "Sobol base samples, built at once"),
             "optimizer.pop_size": (cfg.optimizer.pop_size, MAX_POPULATION, "designs a generation, which NSGA-II ranks pairwise")}
    if cfg.simulator.kind == "pim":  # simulator=table's runs are its file's
        runs = math.prod(doe.levels.values()) if doe.kind == "full_factorial" else doe.n
        sizes["doe.levels" if doe.kind == "full_factorial" else "doe.n"] = (runs, MAX_POINTS, "runs, built and simulated at once")
    for key, (size, most, what) in sizes.items():
        if size > most:
            raise ConfigError(f"{key}: {size:,} {what}; expected at most {most:,}")


def _check_simulator_kind(sim: Any) -> None:
    """The settings of the other simulator kind are read by nothing: simulator.path=runs.csv without simulator=table
    ran the closed form, exit 0, the file unread; simulator.pim.depth_m=80 with simulator=table changed no run."""
    if sim.kind == "pim":
        given = {key: sim[key] for key in ("path", "columns", "responses", "drop_incomplete") if sim[key]}
        if given:
            key, value = next(iter(given.items()))
            value = str(value).lower() if isinstance(value, bool) else value
            raise ConfigError(f"simulator.{key}={value}: a setting of simulator=table (a file of your runs), and simulator.kind is "
                              "pim (the closed form computes the runs); expected simulator=table with it")
    elif sim.kind == "table":
        defaults = PimParams()
        changed = next((key for key in sim.pim if sim.pim[key] != getattr(defaults, key)), None)
        if changed is not None:
            raise ConfigError(f"simulator.pim.{changed}={sim.pim[changed]:g}: a parameter of the closed-form simulator, and "
                              "simulator=table's runs are those of simulator.path; expected simulator.pim at its defaults with "
                              "simulator=table")


def _check_learnt(fitted: Any, Y: Any, responses: list[str], name: str) -> None:
    """A surrogate that answers one value for every run of a response that varies learnt nothing (a
    LightGBM leaf needs min_child_samples runs: under twice that, no split): its front, decision and
    Sobol indices would be those of a constant."""
    import numpy as np

    for response, fitted_span, span in zip(responses, np.ptp(fitted, axis=0), np.ptp(Y, axis=0), strict=True):
        if fitted_span == 0 and span > 0:
            raise ConfigError(f"the {name} surrogate fitted to {len(Y)} runs predicts one value of '{response}' for every run, "
                              f"which ranges over {span:g}; expected a surrogate that learns it: more runs (doe.n), a smaller "
                              "surrogate.params.min_child_samples (LightGBM splits only past twice it), or surrogate=rf",
                              param="surrogate")


def _check_trade_off(X: Any, Y: Any, variables: list[str], responses: list[str], objectives: list, constraints: list) -> None:
    """Objectives that trade off: a run within the constraints best in every one means they do not, and the front is that
    one design. ore_t with the default sense (min) beside subsidence_cm min gave a one-point front, a pareto.hv_ratio of
    2.90 (its box of zero width scaled in cm and t) and a price that decided nothing, exit 0. (A best run outside the
    constraints is no such sign: the feasible runs may trade off.)"""
    import numpy as np

    from minectl.optimize.moo import constraint_values, to_minimisation

    F = to_minimisation(Y, responses, objectives)
    feasible = np.all(constraint_values(Y, responses, constraints) <= 0, axis=1)
    best_in_all = np.flatnonzero(np.all(F == F.min(axis=0), axis=1) & feasible)
    if len(best_in_all):
        design = ", ".join(f"{name}={value:g}" for name, value in zip(variables, X[best_in_all[0]], strict=True))
        senses = ", ".join(f"{o.response} {o.sense}" for o in objectives)
        raise ConfigError(f"optimize.objectives ({senses}): of the {len(X)} runs, the one at {design} is the best in every one, so "
                          "they trade nothing off and the Pareto front is that design; expected objectives that conflict (a sense "
                          "to flip? it defaults to min)")


def _run_ranges(Y: Any, responses: list[str], constraints: list) -> list[tuple[Any, float, float]]:
    """(constraint, least, largest value of its response over the runs) of each constraint."""
    return [(c, float(Y[:, responses.index(c.response)].min()), float(Y[:, responses.index(c.response)].max())) for c in constraints]


def _check_decision(decision: Any, objective_responses: list[str]) -> None:
    from minectl.data.sources import check_input
    from minectl.optimize.decision import near_band

    if not decision.low_price < decision.high_price:
        raise ConfigError(f"optimize.decision: low_price {decision.low_price} must be below high_price {decision.high_price}")
    for key in ("weights_at_low", "weights_at_high"):
        weights = decision[key]
        if sorted(weights) != sorted(objective_responses):
            extra = [name for name in weights if name not in objective_responses]  # a map merges into the default's keys
            hint = f" (it also has {_choices(extra)}: drop them with ~optimize.decision.{key}.<name>)" if extra else ""
            raise ConfigError(f"optimize.decision.{key}: expected a weight for each objective: {_choices(objective_responses)}{hint}")
        if sum(weights.values()) <= 0:  # each weight is >= 0 (declared)
            raise ConfigError(f"optimize.decision.{key}: expected non-negative weights with a positive sum")
    if decision.price is None and decision.price_path is None:
        raise ConfigError("optimize.decision: set price=<number> or price_path (a price series or forecast table file)")
    if decision.price_path is None and not near_band(decision.price, decision.low_price, decision.high_price):
        # as a price path is checked: 2,700 CNY/t against the band's 300-450 USD/t decided "output first", unsaid
        unit = f" {decision.price_unit}" if decision.price_unit else ""
        raise ConfigError(f"optimize.decision.price={decision.price:g} is nowhere near the decision's price band "
                          f"{decision.low_price:g}-{decision.high_price:g}{unit} (not even within {decision.low_price / 2:g}-"
                          f"{2 * decision.high_price:g}); expected a price in the band's unit, or low_price and high_price in the price's")
    if decision.price_path is not None:
        check_input("optimize.decision.price_path", decision.price_path)
    elif decision.price_model is not None or decision.price_column != DecisionConfig().price_column:
        # they pick the price path's column and model: without a path, read by nothing (the fixed price decided, exit 0)
        key = "price_model" if decision.price_model is not None else "price_column"
        raise ConfigError(f"optimize.decision.{key}={decision[key]}: a column or model of optimize.decision.price_path, which is not "
                          f"set (the fixed price {decision.price:g} decides); expected price_path=FILE with it")


def _price(decision: Any, out: Run) -> float:
    """The decision price: the last value in price_path when given, else the configured number."""
    if decision.price_path is None:
        return float(decision.price)
    import polars as pl

    from minectl.data.sources import read_file
    from minectl.data.values import numeric, repeated_key
    from minectl.features.series import dates_of, first_dates
    from minectl.optimize.decision import check_price_frame, last_price
    from minectl.uncertainty.series import DATE_TEXT

    where = decision.price_path
    frame = read_file(where, "optimize.decision.price_path")
    out.input_file(where)
    columns = ", ".join(frame.columns)  # as the file has them: a `date` is added below when the dates are named otherwise
    if decision.price_column in frame.columns:  # text, inf or NaN in the prices: refused, not taken as the price
        frame = frame.with_columns(numeric(frame, decision.price_column, str(where)))
    dated = first_dates(frame, (decision.price_column,), str(where))[1] if "date" not in frame.columns else None
    if dated is not None:  # dated by another name (the Pink Sheet copy's `month`): a newest-first file gave its oldest price
        frame = frame.with_columns(date=dated)
    if "date" in frame.columns and frame["date"].dtype == pl.String:  # sorted as text, 01/2024 would precede 02/2023
        dates = dates_of(frame["date"], str(where))
        if dates is None or dates.is_null().any():
            raise DataError(f"{where}: column 'date' holds text that is not a date; expected {DATE_TEXT}")
        frame = frame.with_columns(date=dates)
    keys = [key for key in ("model", "date") if key in frame.columns]
    row = repeated_key(frame, keys) if "date" in keys else None
    if row:  # the file's last row of the latest date was the price, the other unsaid
        row["date"] = str(row["date"]).removesuffix(" 00:00:00")  # parsed text dates are midnight datetimes
        raise DataError(f"{where}: {', '.join(f'{k} {row[k]}' for k in keys)} in two rows; expected one price a date"
                        f"{' and model' if 'model' in keys else ''} (a series appended twice?)")
    try:
        price, unpriced = last_price(frame, decision.price_column, decision.price_model)
    except KeyError as exc:
        expected = ("the prices, named by optimize.decision.price_column" if exc.args[0] == decision.price_column
                    else "a 'model' column to filter by optimize.decision.price_model")
        raise DataError(f"{where}: no column '{exc.args[0]}' (columns: {columns}); expected {expected}") from None
    except ValueError as exc:
        raise DataError(f"{where}: {exc}; set optimize.decision.price_model") from None
    if price < 0:  # as optimize.decision.price
        raise DataError(f"{where}: the last price in column '{decision.price_column}' is {price:g}; expected a price >= 0")
    if price == 0:  # a month without a price exported as 0: 390, 395, 0 decided at price 0 (stability first), unsaid
        raise DataError(f"{where}: the last price in column '{decision.price_column}' is 0; expected the latest price (a month "
                        "without one: leave its cell empty, and the price before it is used)")
    if unpriced:  # the latest rows hold no price (n.a., empty): the one before them drives the decision
        rows = f"last {unpriced} rows" if unpriced > 1 else "last row"
        out.console.print(f"[yellow]optimize.decision.price_path: no price in the {rows} of column '{decision.price_column}'; "
                          f"the price before {'them' if unpriced > 1 else 'it'} ({price:g}) is used[/]")
    try:  # a forecast of another commodity or unit would drive the band without a word
        check_price_frame(frame, decision.price_column, decision.price_model, decision.low_price, decision.high_price,
                          decision.price_unit, str(where))
    except ValueError as exc:
        raise DataError(str(exc)) from None
    return price


def _table_runs(sim: Any, variables: list[str], responses: list[str], bounds: Any, cv_folds: int, out: Run):
    """(designs X, responses Y, runs dropped as incomplete) of the simulator.path table."""
    import polars as pl

    from minectl.data.sources import read_file
    from minectl.data.values import check_no_summary_row, complete_rows
    from minectl.optimize.doe import check_runs, min_runs

    where = sim.path
    frame = read_file(where, "simulator.path")
    out.input_file(where)
    for source_name in sim.columns:
        if source_name not in frame.columns:
            raise DataError(f"{where}: simulator.columns names '{source_name}', which the file lacks (columns: {', '.join(frame.columns)})")
    targets = list(sim.columns.values()) + [c for c in frame.columns if c not in sim.columns]
    again = next((name for i, name in enumerate(targets) if name in targets[:i]), None)
    if again is not None:
        raise DataError(f"{where}: simulator.columns renames a column to '{again}', which another column already is; "
                        "expected one column per name")
    frame = frame.rename(dict(sim.columns))
    missing = [column for column in variables + responses if column not in frame.columns]
    if missing:
        raise DataError(f"{where}: no column '{missing[0]}' (columns: {', '.join(frame.columns)}); expected a column for each of "
                        f"optimize.variables ({', '.join(variables)}) and simulator.responses ({', '.join(responses)}), renamed by "
                        "simulator.columns where the file names them otherwise")
    check_no_summary_row(frame, variables + responses, where)  # a 'Mean' row was one run more
    table, dropped = complete_rows(frame, variables + responses, where, sim.drop_incomplete, "simulator.drop_incomplete")
    needed = min_runs(len(variables), cv_folds)
    if table.height < needed:
        raise DataError(f"{where}: {table.height} complete runs for {len(variables)} variables; expected at least {needed} "
                        f"(surrogate.cv_folds={cv_folds}: each fold tests >= 2 runs and trains on >= {len(variables) + 1})")
    X, Y = table.select(variables).to_numpy(), table.select(responses).to_numpy()
    rows = frame.with_row_index("row", 1).filter(pl.all_horizontal(pl.col(variables + responses).is_not_null()))["row"].to_numpy()
    try:
        check_runs(X, Y, rows, bounds, variables, responses)
    except ValueError as exc:
        raise DataError(f"{where}: {exc}") from None
    return X, Y, dropped


def _simulation_data(cfg: Config, variables: list[str], responses: list[str], bounds: Any, out: Run):
    """(simulator batch function, or None for a table of runs; DoE designs X; responses Y; table
    runs dropped as incomplete)."""
    from functools import partial

    from minectl.optimize import doe
    from minectl.optimize.simulator import ProbabilityIntegralSimulator

    if cfg.simulator.kind == "table":
        return (None, *_table_runs(cfg.simulator, variables, responses, bounds, cfg.surrogate.cv_folds, out))
    simulator = ProbabilityIntegralSimulator(**OmegaConf.to_container(cfg.simulator.pim, resolve=True))
    simulate = partial(simulator.evaluate_columns, variables=variables)  # config order -> simulator order
    levels = [int(cfg.doe.levels[v]) for v in variables] if cfg.doe.kind == "full_factorial" else None
    X = doe.design(cfg.doe.kind, bounds, cfg.seed, levels, cfg.doe.n)
    return simulate, X, simulate(X), 0


def run(cfg: Config, out: Run) -> dict:
    import numpy as np
    import polars as pl

    from minectl.estimators import build
    from minectl.optimize import front as pareto
    from minectl.optimize import moo, plots
    from minectl.optimize.baseline import baseline_report
    from minectl.optimize.robustness import robustness_report
    from minectl.optimize.sensitivity import sensitivity_report
    from minectl.optimize.surrogate import MultiResponseSurrogate, cv_report
    from minectl.optimize.validation import field_report

    variables, responses = check(cfg)
    opt, seed = cfg.optimize, int(cfg.seed)
    objectives = [moo.Objective(o.response, o.sense) for o in opt.objectives]
    constraints = [moo.Constraint(c.response, c.op, float(c.limit)) for c in opt.constraints]
    bounds = np.array([[opt.variables[v].low, opt.variables[v].high] for v in variables])
    simulate, X, Y, dropped = _simulation_data(cfg, variables, responses, bounds, out)
    n_train = int(round(opt.robustness.train_share * len(X)))  # as robustness_metrics splits
    if len(X) - n_train < 2 or n_train < len(variables) + 1:  # R^2 needs two held-out runs
        raise ConfigError(f"optimize.robustness.train_share={opt.robustness.train_share:g} leaves {n_train} training and "
                          f"{len(X) - n_train} held-out runs of {len(X)}; expected >= {len(variables) + 1} and >= 2")
    r = opt.robustness
    if r.outlier_share > 0 and round(r.outlier_share * n_train) == 0:  # no run perturbed: the clean fit, reported as the perturbed
        raise ConfigError(f"optimize.robustness.outlier_share={r.outlier_share:g} of {n_train} training runs rounds to no outlier; "
                          f"expected more than {0.5 / n_train:.3g} (one run), or 0")
    _check_trade_off(X, Y, variables, responses, objectives, constraints)
    price = _price(opt.decision, out)
    out.table("doe", pl.DataFrame(np.column_stack([X, Y]), schema=variables + responses, orient="row"))
    metrics: dict[str, Any] = {"doe": {"runs": len(X)}}
    if cfg.simulator.drop_incomplete:
        metrics["doe"]["dropped"] = dropped
        out.console.print(f"simulator table: {dropped} incomplete runs dropped (simulator.drop_incomplete), {len(X)} used")

    # Surrogate: k-fold CV beside a linear baseline, then one fit on every run.
    estimator = build(cfg.surrogate._target_, OmegaConf.to_container(cfg.surrogate.params, resolve=True), "surrogate",
                      ("random_state",), random_state=seed)
    cv, metrics["surrogate"] = cv_report(estimator, cfg.surrogate.name, X, Y, responses, cfg.surrogate.cv_folds, seed)
    out.table("cv", cv)
    surrogate = MultiResponseSurrogate(estimator).fit(X, Y)
    _check_learnt(surrogate.predict(X), Y, responses, cfg.surrogate.name)

    # NSGA-II on the surrogate, checked against the simulator; the price picks the front point.
    o = cfg.optimizer
    operators = {k: o[k] for k in ("crossover_prob", "crossover_eta", "mutation_eta", "sampling") if o[k] is not None}
    settings = dict(pop_size=o.pop_size, n_gen=o.n_gen, seed=seed, **operators)
    try:
        fronts = pareto.pareto_fronts(surrogate.predict, simulate, bounds, responses, objectives, constraints,
                                      settings, o.compare_direct, len(X), out.progress)
    except pareto.NoFeasibleDesign:
        ranges = "; ".join(f"{c.response} {c.op} {c.limit:g} (runs {low:.4g} to {high:.4g})"
                           for c, low, high in _run_ranges(Y, responses, constraints))
        raise ConfigError(f"optimize.constraints: no design in the variable bounds satisfies them on the surrogate: {ranges}; expected "
                          "limits some designs meet, in the responses' units") from None
    metrics.update(fronts.metrics)
    d = opt.decision
    pick = pareto.recommend(fronts, price, d.low_price, d.high_price, dict(d.weights_at_low), dict(d.weights_at_high),
                            d.method, variables, responses, objectives, constraints)
    out.table("pareto", pareto.pareto_table(fronts, pick.index, variables, responses))
    metrics["decision"] = pick.metrics

    # Single-objective baseline: the same score, by Bayesian optimisation on the surrogate.
    base, metrics["baseline"] = baseline_report(surrogate.predict, simulate, bounds, variables, responses, objectives,
                                                constraints, pick.weights, pick.lower, pick.upper, d.method,
                                                opt.baseline.trials, seed)
    if opt.field_validation:
        checks = [(dict(c.design), dict(c.measured)) for c in opt.field_validation]
        table, metrics["field"] = field_report(surrogate.predict, checks, variables, responses)
        out.table("field", table)
    table, metrics["sensitivity"] = sensitivity_report(surrogate.predict, bounds, variables, responses,
                                                       opt.sensitivity.oat_points, opt.sensitivity.sobol_n, seed)
    out.table("sensitivity", table)
    # Robustness: one setting per job; a Hydra multirun over optimize.robustness.* makes the table.
    table, metrics["robustness"] = robustness_report(estimator, X, Y, responses, r.train_share, r.noise,
                                                     r.outlier_share, r.outlier_magnitude, seed)
    out.table("robustness", table)

    out.table("convergence", pareto.convergence_table(fronts, objectives))
    out.plot("pareto", plots.pareto_plot(fronts.front, fronts.direct, Y, responses, objectives, constraints,
                                         pick.index, fronts.Y_sim))
    out.plot("convergence", plots.convergence_plot(fronts.front, fronts.direct, objectives, base.best_per_trial))
    out.console.print(plots.summary_table(metrics, variables, responses, fronts))
    # a limit every run meets (subsidence_cm <= 120, meant in mm) constrains nothing, and the front was the unconstrained one, unsaid
    for i, (c, low, high) in enumerate(_run_ranges(Y, responses, constraints)):
        if (high <= c.limit) if c.op == "<=" else (low >= c.limit):
            out.warn(f"optimize.constraints[{i}]: {c.response} {c.op} {c.limit:g} holds in every run ({low:.4g} to {high:.4g}), so it "
                     "constrains no design (a limit in another unit?)")
    for line in unread_settings(READ_ONLY_WITH, cfg):
        out.warn(line)
    return metrics
