"""`minectl optimize`: design optimisation from a few expensive simulations (seed 002, 4.1-4.7).

simulator (closed form or a table of runs) -> DoE -> surrogate per response (k-fold CV) ->
NSGA-II on the surrogate -> quality against NSGA-II on the simulator -> decision by price ->
single-objective BO baseline, field validation, sensitivity, robustness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from omegaconf import MISSING, OmegaConf

from minectl.config import TaskConfig
from minectl.constraints import at_least, between, estimator_params, finite, finite_nonneg, greater_than
from minectl.errors import ConfigError, DataError



@dataclass
class PimParams:
    """Probability-integral simulator parameters (see minectl/optimize/simulator.py)."""

    depth_m: float = greater_than(0, default=60.0)
    orebody_height_m: float = greater_than(0, default=50.0)
    panel_width_m: float = greater_than(0, default=40.0)
    strike_length_m: float = greater_than(0, default=25.0)
    stope_span_m: float = greater_than(0, default=10.0)
    tan_beta: float = greater_than(0, default=2.0)
    subsidence_factor: float = greater_than(0, default=0.006)
    density_t_m3: float = greater_than(0, default=2.65)
    road_offset_m: float = finite(default=0.0)


@dataclass
class SimulatorConfig:
    kind: str = "pim"  # pim | table
    pim: PimParams = field(default_factory=PimParams)
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
    kind: str = "lightgbm"  # lightgbm | rf | extra_trees
    params: Dict[str, Any] = estimator_params("kind", "minectl.optimize.surrogate")
    cv_folds: int = at_least(2, default=5)


@dataclass
class OptimizerConfig:
    pop_size: int = at_least(4, default=100)
    n_gen: int = at_least(1, default=200)
    crossover_prob: float = between(0, 1, default=0.9)
    crossover_eta: float = finite_nonneg(default=15.0)
    mutation_eta: float = finite_nonneg(default=20.0)
    sampling: str = "lhs"  # initial population: lhs | random
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
    low_price: float = finite_nonneg(default=300.0)
    high_price: float = finite_nonneg(default=450.0)
    weights_at_low: Dict[str, float] = finite_nonneg(default_factory=dict)
    weights_at_high: Dict[str, float] = finite_nonneg(default_factory=dict)
    method: str = "tchebycheff"  # tchebycheff | weighted_sum: how weights score a front point


@dataclass
class FieldCheck:
    design: Dict[str, float] = finite(default_factory=dict)
    measured: Dict[str, float] = finite(default_factory=dict)


@dataclass
class SensitivityConfig:
    oat_points: int = at_least(2, default=21)
    sobol_n: int = at_least(2, default=1024)


@dataclass
class RobustnessConfig:
    train_share: float = between(0, 1, default=0.8, closed="neither")
    noise: float = finite_nonneg(default=0.0)
    outlier_share: float = between(0, 1, default=0.0)
    outlier_magnitude: float = finite_nonneg(default=0.0)


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


def check_config(cfg: Any) -> tuple[list[str], list[str]]:
    """How the values relate, checked before work starts (each number's range is declared in the
    schema and checked by minectl.constraints); returns (variables, responses)."""
    from minectl.optimize.moo import OPERATORS, SAMPLINGS, SENSES
    from minectl.optimize.simulator import RESPONSES, VARIABLES
    from minectl.optimize.surrogate import REGRESSORS

    opt = cfg.optimize
    variables = list(opt.variables)
    if not variables:
        raise ConfigError("optimize.variables: expected at least one design variable with low/high bounds")
    for name, bounds in opt.variables.items():
        if not bounds.low < bounds.high:
            raise ConfigError(f"optimize.variables.{name}: low {bounds.low} must be below high {bounds.high}")
    sim = cfg.simulator
    if sim.kind == "pim":
        if sorted(variables) != sorted(VARIABLES):
            raise ConfigError(f"optimize.variables: the pim simulator takes exactly {_choices(VARIABLES)}, got {_choices(variables)}")
        responses = list(RESPONSES)
    elif sim.kind == "table":
        if not sim.path or not sim.responses:
            raise ConfigError("simulator: kind=table needs simulator.path (a .csv/.parquet/.arff of runs) and simulator.responses (column names)")
        responses = list(sim.responses)
    else:
        raise ConfigError(f"simulator.kind: '{sim.kind}' is unknown; expected one of: pim, table")
    if len(opt.objectives) < 2:
        raise ConfigError("optimize.objectives: expected at least two objectives for a Pareto front")
    for i, objective in enumerate(opt.objectives):
        if objective.response not in responses:
            raise ConfigError(f"optimize.objectives[{i}].response: unknown response '{objective.response}'; expected one of: {_choices(responses)}")
        if objective.sense not in SENSES:
            raise ConfigError(f"optimize.objectives[{i}].sense: '{objective.sense}'; expected min or max")
    for i, constraint in enumerate(opt.constraints):
        if constraint.response not in responses:
            raise ConfigError(f"optimize.constraints[{i}].response: unknown response '{constraint.response}'; expected one of: {_choices(responses)}")
        if constraint.op not in OPERATORS:
            raise ConfigError(f"optimize.constraints[{i}].op: '{constraint.op}'; expected <= or >=")
    if sim.kind == "pim":
        if cfg.doe.kind not in ("full_factorial", "lhs", "sobol"):
            raise ConfigError(f"doe.kind: '{cfg.doe.kind}' is unknown; expected one of: full_factorial, lhs, sobol")
        if cfg.doe.kind == "full_factorial":
            for name in variables:
                if name not in cfg.doe.levels:
                    raise ConfigError(f"doe.levels.{name}: missing; expected >= 2 levels for the full factorial")
        elif cfg.doe.n < cfg.surrogate.cv_folds:
            raise ConfigError(f"doe.n: {cfg.doe.n} runs are fewer than surrogate.cv_folds={cfg.surrogate.cv_folds}")
        if not cfg.simulator.pim.orebody_height_m > opt.variables["pillar_height_m"].high:
            raise ConfigError("simulator.pim.orebody_height_m: must exceed the pillar height upper bound (extraction height > 0)")
        if opt.variables["sidewall_thickness_m"].low < 0:
            raise ConfigError("optimize.variables.sidewall_thickness_m: low must be >= 0")
    if cfg.surrogate.kind not in REGRESSORS:
        raise ConfigError(f"surrogate.kind: '{cfg.surrogate.kind}' is unknown; expected one of: {_choices(REGRESSORS)}")
    if cfg.optimizer.sampling not in SAMPLINGS:
        raise ConfigError(f"optimizer.sampling: '{cfg.optimizer.sampling}' is unknown; expected one of: {_choices(SAMPLINGS)}")
    _check_decision(opt.decision, [o.response for o in opt.objectives])
    for i, check in enumerate(opt.field_validation):
        if sorted(check.design) != sorted(variables):
            raise ConfigError(f"optimize.field_validation[{i}].design: expected a value for each of: {_choices(variables)}")
        unknown = [name for name in check.measured if name not in responses]
        if unknown or not check.measured:
            raise ConfigError(f"optimize.field_validation[{i}].measured: expected values for responses among: {_choices(responses)}")
        if any(value == 0 for value in check.measured.values()):
            raise ConfigError(f"optimize.field_validation[{i}].measured: a measured value of 0 has no relative deviation")
    return variables, responses


def _check_decision(decision: Any, objective_responses: list[str]) -> None:
    if not decision.low_price < decision.high_price:
        raise ConfigError(f"optimize.decision: low_price {decision.low_price} must be below high_price {decision.high_price}")
    for key in ("weights_at_low", "weights_at_high"):
        weights = decision[key]
        if sorted(weights) != sorted(objective_responses):
            raise ConfigError(f"optimize.decision.{key}: expected a weight for each objective: {_choices(objective_responses)}")
        if sum(weights.values()) <= 0:  # each weight is >= 0 (declared)
            raise ConfigError(f"optimize.decision.{key}: expected non-negative weights with a positive sum")
    if decision.price is None and decision.price_path is None:
        raise ConfigError("optimize.decision: set price=<number> or price_path (a price series or forecast table file)")


def _price(decision: Any, run: Any) -> float:
    """The decision price: the last value in price_path when given, else the configured number."""
    if decision.price_path is None:
        return float(decision.price)
    from minectl.data.sources import read_file
    from minectl.data.values import numeric
    from minectl.optimize.decision import last_price

    where = decision.price_path
    frame = read_file(where, "optimize.decision.price_path")
    run.input_file(where)
    if decision.price_column in frame.columns:  # text, inf or NaN in the prices: refused, not taken as the price
        frame = frame.with_columns(numeric(frame, decision.price_column, str(where)))
    try:
        return last_price(frame, decision.price_column, decision.price_model)
    except KeyError as exc:
        raise DataError(f"{where}: no column '{exc.args[0]}' (columns: {', '.join(frame.columns)})") from None
    except ValueError as exc:
        raise DataError(f"{where}: {exc}; set optimize.decision.price_model") from None


def _simulation_data(cfg: Any, variables: list[str], responses: list[str], run: Any):
    """(simulator batch function or None for a table, bounds, DoE designs X, responses Y, table
    runs dropped as incomplete)."""
    import numpy as np

    from minectl.optimize import doe
    from minectl.optimize.simulator import VARIABLES, ProbabilityIntegralSimulator

    bounds = np.array([[cfg.optimize.variables[v].low, cfg.optimize.variables[v].high] for v in variables])
    if cfg.simulator.kind == "table":
        from minectl.data.sources import read_file
        from minectl.data.values import complete_rows

        where = cfg.simulator.path
        frame = read_file(where, "simulator.path")
        run.input_file(where)
        columns = dict(cfg.simulator.columns)
        for source_name in columns:
            if source_name not in frame.columns:
                raise DataError(f"{where}: simulator.columns names '{source_name}', which the file lacks (columns: {', '.join(frame.columns)})")
        frame = frame.rename(columns)
        missing = [column for column in variables + responses if column not in frame.columns]
        if missing:
            raise DataError(f"{where}: no column '{missing[0]}' (columns: {', '.join(frame.columns)})")
        for column in variables + responses:
            if not frame.schema[column].is_numeric():
                raise DataError(f"{where}: column '{column}' is {frame.schema[column]}; expected numbers")
        table, dropped = complete_rows(frame, variables + responses, where, cfg.simulator.drop_incomplete, "simulator.drop_incomplete")
        if table.height < cfg.surrogate.cv_folds:
            raise DataError(f"{where}: {table.height} complete runs, fewer than surrogate.cv_folds={cfg.surrogate.cv_folds}")
        return None, bounds, table.select(variables).to_numpy(), table.select(responses).to_numpy(), dropped
    # The simulator's columns are in VARIABLES order; the config may list variables in any order.
    simulator = ProbabilityIntegralSimulator(**OmegaConf.to_container(cfg.simulator.pim, resolve=True))
    order = [variables.index(name) for name in VARIABLES]

    def evaluate(X):
        return simulator.evaluate(np.asarray(X)[:, order])

    kind = cfg.doe.kind
    if kind == "full_factorial":
        X = doe.full_factorial(bounds, [int(cfg.doe.levels[v]) for v in variables])
    elif kind == "lhs":
        X = doe.latin_hypercube(bounds, cfg.doe.n, cfg.seed)
    else:
        X = doe.sobol(bounds, cfg.doe.n, cfg.seed)
    return evaluate, bounds, X, evaluate(X), 0


def run(cfg: Any, run: Any) -> dict:
    import numpy as np
    import polars as pl
    from sklearn.linear_model import LinearRegression

    from minectl.optimize import moo, plots
    from minectl.optimize.baseline import bayesian_scalarised, weighted_score
    from minectl.optimize.decision import field_deviation, normalised, price_weights, scalarise, select_point
    from minectl.optimize.robustness import robustness_metrics
    from minectl.optimize.sensitivity import one_at_a_time, sobol_indices
    from minectl.optimize.surrogate import METRICS, MultiResponseSurrogate, cross_validate, make_regressor

    variables, responses = check_config(cfg)
    opt, seed = cfg.optimize, int(cfg.seed)
    objectives = [moo.Objective(o.response, o.sense) for o in opt.objectives]
    constraints = [moo.Constraint(c.response, c.op, float(c.limit)) for c in opt.constraints]
    simulate, bounds, X, Y, dropped = _simulation_data(cfg, variables, responses, run)
    price = _price(opt.decision, run)
    run.table("doe", pl.DataFrame(np.column_stack([X, Y]), schema=variables + responses, orient="row"))
    metrics: dict[str, Any] = {"doe": {"runs": len(X)}}
    if cfg.simulator.drop_incomplete:
        metrics["doe"]["dropped"] = dropped
        run.console.print(f"simulator table: {dropped} incomplete runs dropped (simulator.drop_incomplete), {len(X)} used")

    # Surrogate: k-fold CV, then one fit on every run.
    params = OmegaConf.to_container(cfg.surrogate.params, resolve=True)
    estimator = make_regressor(cfg.surrogate.kind, seed, params)
    cv_rows = cross_validate(estimator, X, Y, responses, cfg.surrogate.cv_folds, seed)
    # The naive baseline next to the model: a linear regression per response on the same folds.
    linear_rows = cross_validate(LinearRegression(), X, Y, responses, cfg.surrogate.cv_folds, seed)
    run.table("cv", pl.DataFrame([{"model": cfg.surrogate.kind, **r} for r in cv_rows]
                                 + [{"model": "linear", **r} for r in linear_rows]))
    metrics["surrogate"] = {f"cv_{m}": {r["response"]: r[m] for r in cv_rows if r["fold"] == -1} for m in METRICS}
    metrics["surrogate"].update({f"linear_cv_{m}": {r["response"]: r[m] for r in linear_rows if r["fold"] == -1}
                                 for m in ("r2", "mape")})
    surrogate = MultiResponseSurrogate(estimator).fit(X, Y)

    # NSGA-II on the surrogate (one batch call per generation), and on the simulator for the truth.
    nsga = dict(pop_size=cfg.optimizer.pop_size, n_gen=cfg.optimizer.n_gen, seed=seed,
                crossover_prob=cfg.optimizer.crossover_prob, crossover_eta=cfg.optimizer.crossover_eta,
                mutation_eta=cfg.optimizer.mutation_eta, sampling=cfg.optimizer.sampling)

    def optimise(evaluate, label):
        with run.progress(cfg.optimizer.n_gen, f"NSGA-II on the {label}") as advance:
            problem = moo.DesignProblem(evaluate, bounds, responses, objectives, constraints)
            return moo.run_nsga2(problem, on_generation=lambda _gen: advance(1), **nsga)

    front = optimise(surrogate.predict, "surrogate")
    if len(front.X) == 0:
        raise ConfigError("optimize.constraints: no design in the variable bounds satisfies them on the surrogate")
    pareto = {name: front.X[:, i] for i, name in enumerate(variables)}
    pareto.update({f"{name}_pred": front.Y[:, j] for j, name in enumerate(responses)})
    metrics["pareto"] = {"size": len(front.X)}
    metrics["calls"] = {"simulator_surrogate_path": len(X), "surrogate_batches": front.calls}
    direct = None
    if simulate is not None:
        Y_true = simulate(front.X)
        pareto.update({f"{name}_sim": Y_true[:, j] for j, name in enumerate(responses)})
        metrics["calls"]["simulator_surrogate_path"] = len(X) + len(front.X)
        if cfg.optimizer.compare_direct:
            direct = optimise(simulate, "simulator")
            feasible = (moo.constraint_values(Y_true, responses, constraints) <= 0).all(axis=1)
            F_true = moo.to_minimisation(Y_true[feasible], responses, objectives)
            metrics["pareto"]["hv_ratio"] = moo.hypervolume_ratio(F_true, direct.F)
            metrics["pareto"]["feasible_share_sim"] = float(feasible.mean())
            metrics["calls"]["simulator_direct"] = direct.designs_evaluated

    # Decision: the price sets the weights, the weights pick the front point.
    objective_names = [o.response for o in objectives]
    weights = price_weights(price, opt.decision.low_price, opt.decision.high_price,
                            [opt.decision.weights_at_low[n] for n in objective_names],
                            [opt.decision.weights_at_high[n] for n in objective_names])
    method = opt.decision.method
    chosen = select_point(front.F, weights, method)
    pareto["recommended"] = np.arange(len(front.X)) == chosen
    run.table("pareto", pl.DataFrame(pareto))
    decision = {"price": price, "weight": dict(zip(objective_names, weights))}
    decision.update({name: front.X[chosen, i] for i, name in enumerate(variables)})
    decision.update({name: front.Y[chosen, j] for j, name in enumerate(responses)})
    if simulate is not None:
        decision["simulated"] = dict(zip(responses, Y_true[chosen]))
    lower, upper = front.F.min(axis=0), front.F.max(axis=0)
    decision["score"] = float(scalarise(normalised(front.F[chosen:chosen + 1], lower, upper), weights, method)[0])
    metrics["decision"] = decision

    # Single-objective baseline: the same score, by Bayesian optimisation on the surrogate.
    base = bayesian_scalarised(surrogate.predict, bounds, responses, objectives, constraints, weights,
                               lower, upper, method, opt.baseline.trials, seed, names=variables)
    base_pred = surrogate.predict(base.x[None, :])[0]
    baseline = {"score": base.score, "trials": base.trials}
    baseline.update(dict(zip(variables, base.x)))
    baseline.update(dict(zip(responses, base_pred)))
    if simulate is not None:
        base_true = simulate(base.x[None, :])
        baseline["simulated"] = dict(zip(responses, base_true[0]))
        baseline["score_sim"] = float(weighted_score(base_true, responses, objectives, constraints, weights, lower, upper, method)[0])
        decision["score_sim"] = float(weighted_score(Y_true[chosen:chosen + 1], responses, objectives, constraints, weights, lower, upper, method)[0])
    metrics["baseline"] = baseline

    # Field validation: measured responses of built designs against the surrogate's prediction.
    if opt.field_validation:
        rows = []
        for i, check in enumerate(opt.field_validation):
            predicted = surrogate.predict(np.array([[check.design[v] for v in variables]]))[0]
            for name, measured in check.measured.items():
                j = responses.index(name)
                rows.append({"check": i, "response": name, "measured": float(measured), "predicted": predicted[j],
                             "rel_deviation": float(field_deviation(predicted[j], measured))})
        field_table = pl.DataFrame(rows)
        run.table("field", field_table)
        metrics["field"] = {"mean_abs_rel_deviation": {
            r["response"]: r["rel_deviation"] for r in field_table.group_by("response").agg(
                pl.col("rel_deviation").abs().mean()).iter_rows(named=True)}}

    # Sensitivity of the surrogate: one-at-a-time curves around the box centre, Sobol indices.
    sens_rows = []
    for i, grid, values in one_at_a_time(surrogate.predict, bounds, bounds.mean(axis=1), opt.sensitivity.oat_points):
        for j, name in enumerate(responses):
            sens_rows += [{"analysis": "oat", "response": name, "variable": variables[i], "x": float(x), "value": float(v)}
                          for x, v in zip(grid, values[:, j])]
    first, total = sobol_indices(surrogate.predict, bounds, opt.sensitivity.sobol_n, seed)
    sobol_metrics: dict[str, Any] = {"sobol_first": {}, "sobol_total": {}}
    for label, indices in (("sobol_first", first), ("sobol_total", total)):
        for j, name in enumerate(responses):
            sobol_metrics[label][name] = dict(zip(variables, indices[j]))
            sens_rows += [{"analysis": label, "response": name, "variable": v, "x": None, "value": float(s)}
                          for v, s in zip(variables, indices[j])]
    run.table("sensitivity", pl.DataFrame(sens_rows, schema={"analysis": pl.Utf8, "response": pl.Utf8, "variable": pl.Utf8,
                                                            "x": pl.Float64, "value": pl.Float64}))
    metrics["sensitivity"] = sobol_metrics

    # Robustness: one setting per job; a Hydra multirun over optimize.robustness.* makes the table.
    rob = opt.robustness
    rob_rows = robustness_metrics(estimator, X, Y, rob.train_share, rob.noise, rob.outlier_share, rob.outlier_magnitude, seed)
    for row in rob_rows:
        row.update(response=responses[row["response"]], train_share=rob.train_share, noise=rob.noise,
                   outlier_share=rob.outlier_share, outlier_magnitude=rob.outlier_magnitude)
    run.table("robustness", pl.DataFrame(rob_rows))
    metrics["robustness"] = {m: {r["response"]: r[m] for r in rob_rows} for m in METRICS}

    convergence = {"generation": np.arange(1, len(front.best_per_generation) + 1)}
    convergence.update({f"surrogate_{n}": front.best_per_generation[:, k] for k, n in enumerate(objective_names)})
    if direct is not None:
        convergence.update({f"simulator_{n}": direct.best_per_generation[:, k] for k, n in enumerate(objective_names)})
    run.table("convergence", pl.DataFrame(convergence))
    run.plot("pareto", plots.pareto_plot(front, direct, Y, responses, objectives, constraints, chosen,
                                         Y_true if simulate is not None else None))
    run.plot("convergence", plots.convergence_plot(front, direct, objectives, base.best_per_trial))
    _summary(run, metrics, variables, responses, front, direct)
    return metrics


def _summary(run: Any, metrics: dict, variables: list[str], responses: list[str], front: Any, direct: Any) -> None:
    from rich.table import Table

    table = Table(title="minectl optimize", show_header=True)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name in responses:
        table.add_row(f"surrogate CV R2 {name}", f"{metrics['surrogate']['cv_r2'][name]:.4f}")
    table.add_row("Pareto points", str(metrics["pareto"]["size"]))
    if "hv_ratio" in metrics["pareto"]:
        table.add_row("hypervolume ratio (surrogate front on simulator / simulator front)", f"{metrics['pareto']['hv_ratio']:.4f}")
        table.add_row("simulator calls: surrogate path / direct", f"{metrics['calls']['simulator_surrogate_path']} / {metrics['calls']['simulator_direct']}")
        table.add_row("NSGA-II seconds: surrogate / direct", f"{front.seconds:.2f} / {direct.seconds:.2f}")
    decision = metrics["decision"]
    table.add_row("price", f"{decision['price']:.2f}")
    table.add_row("recommended design", ", ".join(f"{v}={decision[v]:.3f}" for v in variables))
    table.add_row("predicted responses", ", ".join(f"{r}={decision[r]:.4g}" for r in responses))
    run.console.print(table)
