"""The ML-fed schedule (seed 004's architecture): surrogates update the schedule's inputs, the
schedule is re-optimised, and both schedules are judged on the synthetic ground truth.

Static inputs (the conventional model): grades by inverse distance from drill-hole assays, one
planned dilution (the historic mean) and one rockburst rate (the historic rate) for every block.
ML inputs: a log-scale regression of grade on the survey proxy, depth, rock quality and the
inverse-distance estimate (from the other holes while fitting); a gradient-boosting dilution
model and a logistic rockburst classifier fitted on historic stopes; blocks whose predicted
burst probability exceeds a threshold are deferred. With ventilation on (seed 004 after Buaba
2023: heat-constrained schedules), downhole temperature readings give a static rock temperature
(their mean) and an ML one (a regression on position and depth); each plan's cooling capacity per
period (the installed plant, the same for all) meets its blocks' cooling demand from its own
temperatures. Each plan decides periods and destinations on its own inputs; the truth then says
what they are worth and how far their true cooling demand exceeds the capacity.

The fitted surrogates are saved in the run folder (models/<role>/, safe formats only) and can
be loaded from there by a later run, which then predicts with them instead of fitting.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from minectl.errors import DataError
from minectl.schedule.blockmodel import GRAMS_PER_TROY_OUNCE, BlockModel, Economics, block_values, instance_of
from minectl.schedule.cpit import ScheduleResult, solve_schedule
from minectl.schedule.minelib import Precedence
from minectl.schedule.verify import TOLERANCE

ASSAY_ERROR = 0.15  # log-scale sd of a drill-hole assay
DILUTION_ERROR = 0.01  # sd of a measured historic dilution
TEMPERATURE_ERROR = 0.5  # sd of a downhole virgin-rock temperature reading, C
# what each surrogate sees, in order (BlockModel.features()[:, 3:] is depth, rock quality, proxy)
FEATURES = {"grade": ("depth", "rock_quality", "proxy", "log_inverse_distance"),
            "dilution": ("depth", "rock_quality"), "burst": ("depth", "rock_quality"), "heat": ("x", "y", "depth")}
HEAT_COLUMNS = [0, 1, 3]  # FEATURES["heat"] in BlockModel.features()
# the inputs whose range grows with the model's size (BlockModel.features() column, the synthetic setting that sets it): a
# surrogate loaded into a larger model predicts beyond the blocks it was fitted on (a tree stays flat past its last one)
EXTENT = {"x": (0, "synthetic.nx"), "y": (1, "synthetic.ny"), "depth": (3, "synthetic.nz")}
MODELS_DIR = "models"  # a run folder's saved surrogates: models/<role>/, role one of FEATURES


@dataclass
class Estimates:
    grade: np.ndarray
    dilution: np.ndarray
    burst: np.ndarray
    temperature: Optional[np.ndarray] = None  # virgin rock, C (ventilation on)


@dataclass
class Plan:
    name: str
    estimates: Estimates
    result: ScheduleResult
    process: np.ndarray  # bool per block: the plan's destination
    true_npv: float
    planned_npv: float
    cooling_capacity: Optional[float] = None  # MWh per period (ventilation on)


def inverse_distance(points: np.ndarray, values: np.ndarray, targets: np.ndarray, neighbours: int = 16, power: float = 2.0) -> np.ndarray:
    """Inverse-distance weighting of the `neighbours` nearest samples (a sample's own value at its point)."""
    from scipy.spatial import cKDTree

    k = min(neighbours, len(points))
    dist, idx = cKDTree(points).query(targets, k=k)
    dist, idx = dist.reshape(len(targets), k), idx.reshape(len(targets), k)
    weights = 1.0 / np.maximum(dist, 1e-12) ** power
    exact = dist[:, 0] < 1e-9
    weights[exact] = 0.0
    weights[exact, 0] = 1.0
    return (weights * values[idx]).sum(axis=1) / weights.sum(axis=1)


@dataclass
class Surrogates:
    """The loop's estimators (inputs in FEATURES): ``grade`` (a regressor of log grade on depth,
    rock quality, the survey proxy and the log inverse-distance estimate), ``dilution`` (a
    regressor on depth and rock quality), ``burst`` (a classifier with ``predict_proba``, on the
    same), ``heat`` (a regressor of rock temperature on x, y and depth; None: no ventilation
    constraint). Unfitted, or fitted ones ``loaded_from`` a run folder (see load_surrogates)."""

    grade: Any
    dilution: Any
    burst: Any
    heat: Any = None
    loaded_from: Optional[Path] = None
    extents: dict = field(default_factory=dict)  # role -> the extent (see extent) its loaded model was fitted on


def estimate(model: BlockModel, holes: int, history: int, seed: int,
             surrogates: Surrogates) -> tuple[Estimates, Estimates, dict]:
    """(static, ML) estimates of grade, dilution, burst probability and (with a heat surrogate) rock
    temperature, and their errors on the truth."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # small fits: OpenMP threads only contend (and one thread is reproducible)
        return _estimate(model, holes, history, seed, surrogates)


def _estimate(model: BlockModel, holes: int, history: int, seed: int,
              surrogates: Surrogates) -> tuple[Estimates, Estimates, dict]:
    rng = np.random.default_rng(seed)
    n, features = model.n_blocks, model.features()
    columns = np.unique(model.xyz[:, :2], axis=0)
    drilled = columns[rng.choice(len(columns), size=min(holes, len(columns)), replace=False)]
    hole = (model.xyz[:, None, :2] == drilled[None]).all(axis=2)  # block x hole
    sampled = np.flatnonzero(hole.any(axis=1))
    hole_of = hole[sampled].argmax(axis=1)
    assays = model.grade[sampled] * np.exp(ASSAY_ERROR * rng.standard_normal(len(sampled)))
    points, xyz = model.xyz[sampled].astype(float), model.xyz.astype(float)
    idw = inverse_distance(points, assays, xyz)
    # the ML model sees the inverse-distance estimate too; for its training rows, the one from the
    # other holes (a hole's own assays would hand it the answer)
    held_out = np.empty(len(sampled))
    for h in range(len(drilled)):
        own = hole_of == h
        held_out[own] = inverse_distance(points[~own], assays[~own], points[own]) if np.any(~own) else assays.mean()
    # a log-scale regression on depth, rock quality, the survey proxy and the inverse-distance
    # estimate (by default linear: gradient boosting on the same inputs, or with the coordinates,
    # did worse than inverse distance alone with ~300 assays; docs/schedule.md)
    survey = features[:, 3:]
    grade_model = surrogates.grade.fit(np.column_stack([survey[sampled], np.log(held_out)]), np.log(assays))
    ml_grade = np.exp(grade_model.predict(np.column_stack([survey, np.log(idw)])))
    ml_grade[sampled] = assays  # where assayed, both plans use the assay
    ml_grade *= assays.mean() / np.exp(grade_model.predict(np.column_stack([survey[sampled], np.log(held_out)]))).mean()
    stopes = rng.choice(n, size=min(history, n), replace=False)
    seen_dilution = np.clip(model.dilution[stopes] + DILUTION_ERROR * rng.standard_normal(len(stopes)), 0, None)
    bursts = rng.random(len(stopes)) < model.burst_probability[stopes]
    geo = features[:, 3:5]  # depth, rock quality
    ml_dilution = np.clip(surrogates.dilution.fit(geo[stopes], seen_dilution).predict(geo), 0, None)
    # a history of one outcome fits no classifier (its rate stands in); a loaded one needs no fit
    fits = surrogates.loaded_from is not None or (bursts.any() and not bursts.all())
    ml_burst = surrogates.burst.fit(geo[stopes], bursts).predict_proba(geo)[:, 1] if fits else np.full(n, bursts.mean())
    static = Estimates(idw, np.full(n, seen_dilution.mean()), np.full(n, bursts.mean()))
    ml = Estimates(ml_grade, ml_dilution, ml_burst)

    def both(error: Callable[[Estimates], float]) -> dict[str, float]:
        return {"static": float(error(static)), "ml": float(error(ml))}

    errors = {
        "grade_rmse": both(lambda e: np.sqrt(np.mean((e.grade - model.grade) ** 2))),
        "dilution_mae": both(lambda e: np.mean(np.abs(e.dilution - model.dilution))),
        "burst_mae": both(lambda e: np.mean(np.abs(e.burst - model.burst_probability))),
        "drill_samples": int(len(sampled)),
    }
    if surrogates.heat is not None:  # drawn after everything above, which stays as it was without it
        # downhole temperature logs in the same holes; where logged, the ML plan uses the reading
        readings = model.temperature[sampled] + TEMPERATURE_ERROR * rng.standard_normal(len(sampled))
        place = features[:, HEAT_COLUMNS]
        static.temperature = np.full(n, readings.mean())
        ml.temperature = surrogates.heat.fit(place[sampled], readings).predict(place)
        ml.temperature[sampled] = readings
        errors["heat_mae"] = both(lambda e: np.mean(np.abs(e.temperature - model.temperature)))
    for role, values in (("grade", ml.grade), ("dilution", ml.dilution), ("burst", ml.burst), ("heat", ml.temperature)):
        if values is not None and not np.all(np.isfinite(values)):  # NaN weights: a tampered saved model, or an estimator's own
            key = "loop.surrogates_from" if surrogates.loaded_from else f"loop.{role}_model"
            raise DataError(f"the {role} surrogate predicts a non-finite value for {int(np.sum(~np.isfinite(values)))} "
                            "blocks; expected finite estimates", param=key)
    return static, ml, errors


def extent(model: BlockModel, role: str) -> dict[str, list[float]]:
    """[least, largest] of each of ``role``'s inputs in EXTENT over ``model``'s blocks."""
    features = model.features()
    return {name: [float(features[:, column].min()), float(features[:, column].max())]
            for name, (column, _) in EXTENT.items() if name in FEATURES[role]}


def check_extent(surrogates: Surrogates, model: BlockModel) -> None:
    """Loaded surrogates predict inside the extent they were fitted on: one fitted on a 10 x 10 x 5 model and loaded into a
    20 x 20 x 8 one extrapolated half the blocks' temperatures and depths, unsaid. (Saved before extents were: unchecked.)"""
    for role, fitted in surrogates.extents.items():
        for name, (low, high) in extent(model, role).items():
            least, largest = fitted[name]
            if low < least or high > largest:
                raise DataError(f"the {role} surrogate in {surrogates.loaded_from} was fitted on blocks with {name} {least:g} to "
                                f"{largest:g}, and this run's blocks reach {name} {low:g} to {high:g}; expected {EXTENT[name][1]} "
                                "no larger than the fitting run's, or loop.surrogates_from=null to fit the surrogates here",
                                param="loop.surrogates_from")


def save_surrogates(surrogates: Surrogates, run_dir: Path, model: Optional[BlockModel] = None) -> dict[str, str]:
    """Write the fitted surrogates into ``run_dir/models/<role>/`` (the whole folder atomically) in
    minectl.models.io's layout: estimator.json + .npz (minectl.models.safe_io) or LightGBM's text
    model, and model.json with the extent they were fitted on (``model``'s, or the loaded ones'; none
    without either). Returns the roles not saved and why: a burst classifier never fitted (a history
    of one outcome), a class with no safe format (not in safe_io's allow-list). A role not used (no
    heat surrogate: ventilation off) is neither saved nor reported."""
    from sklearn.frozen import FrozenEstimator

    from minectl.atomic import atomic_path

    not_saved = {}
    with atomic_path(run_dir / MODELS_DIR, folder=True) as staging:
        for role in FEATURES:
            estimator = getattr(surrogates, role)
            if estimator is None:
                continue
            estimator = estimator.estimator if isinstance(estimator, FrozenEstimator) else estimator
            if not hasattr(estimator, "n_features_in_"):
                not_saved[role] = "not fitted: the stope history had one outcome"
                continue
            fitted_on = surrogates.extents.get(role) if surrogates.loaded_from or model is None else extent(model, role)
            try:
                _save_surrogate(estimator, role, staging / role, fitted_on)
            except TypeError as exc:  # safe_io's encoder met a class it has no safe format for
                shutil.rmtree(staging / role)
                not_saved[role] = str(exc)
    return not_saved


def _save_surrogate(model, role: str, folder: Path, fitted_on: Optional[dict]) -> None:
    from minectl.models.io import save_estimator_files, write_model_json

    folder.mkdir()
    meta = {"role": role, "features": list(FEATURES[role]), "n_features": int(model.n_features_in_)}
    if fitted_on is not None:
        meta["extent"] = fitted_on
    if hasattr(model, "classes_"):
        meta["classes"] = np.asarray(model.classes_).tolist()
    meta.update(save_estimator_files(model, folder))
    write_model_json(folder, meta)


def load_surrogates(run_dir: Path, record: Callable[[Path], Path] = Path, roles: tuple[str, ...] = tuple(FEATURES)) -> Surrogates:
    """The surrogates a run saved (save_surrogates), `roles` of them (grade, dilution and burst
    always; heat for a ventilation-constrained plan), for predict only: each wrapped in
    FrozenEstimator, whose fit leaves it as it is. The folder is untrusted: nothing is unpickled,
    only allow-listed classes are rebuilt, and a missing file, a model of the wrong kind or
    number of inputs is one DataError naming the file and what was expected. ``record(folder)``
    is called on each role's folder before it is read (a run's input_file: provenance)."""
    from sklearn.frozen import FrozenEstimator

    from minectl.runfolder import check_finished_if_run

    check_finished_if_run(run_dir)  # not the models of a run stopped before its end
    loaded, extents = {}, {}
    for role in roles:
        model, fitted_on = _load_surrogate(role, Path(run_dir) / MODELS_DIR / role, record)
        loaded[role] = FrozenEstimator(model)
        if fitted_on is not None:
            extents[role] = fitted_on
    return Surrogates(**loaded, loaded_from=Path(run_dir), extents=extents)


def _load_surrogate(role: str, folder: Path, record: Callable[[Path], Path]):
    from sklearn.base import is_regressor

    from minectl.models.io import check_saved_files, load_estimator_files
    from minectl.runfolder import bad, check_fields, read_json

    inputs = len(FEATURES[role])
    expected = f"the {role} surrogate a `minectl schedule` run saves in {MODELS_DIR}/{role}/"
    if role == "heat":
        expected += " (with loop.ventilation=true)"
    if not folder.is_dir():
        raise bad(folder, "missing", expected)
    meta_path = record(folder) / "model.json"
    meta = read_json(meta_path, expected)
    check_fields(meta, meta_path, {"kind": (lambda kind: kind in ("sklearn", "lightgbm"), "sklearn or lightgbm"),
                                   "features": (lambda names: names == list(FEATURES[role]), f"{list(FEATURES[role])}")})
    names = [name for name in FEATURES[role] if name in EXTENT]
    if "extent" in meta:  # runs saved before extents were have none
        check_fields(meta, meta_path, {"extent": (lambda value: _is_extent(value, names), f"an object of {names} -> [least, largest]")})
    try:
        model = load_estimator_files(folder, meta)
    except DataError:
        raise
    except Exception as exc:  # untrusted files fail to decode in many ways; nothing is unpickled
        first = (str(exc).strip().splitlines() or [""])[0][:120]
        raise bad(folder, f"cannot rebuild the model ({type(exc).__name__}: {first})", expected) from None
    burst = role == "burst"
    what = "a classifier with predict_proba" if burst else "a regressor"
    if not (callable(getattr(model, "predict_proba", None)) if burst else is_regressor(model)):
        raise bad(folder, f"{type(model).__name__} is not {what}", f"{what} for the {role} surrogate")
    if getattr(model, "n_features_in_", None) != inputs:
        raise bad(folder, f"the model takes {getattr(model, 'n_features_in_', None)} inputs",
                  f"{inputs} for the {role} surrogate ({', '.join(FEATURES[role])})")
    try:  # a file tampered inside (array shapes, values) shows when the model predicts
        probe = model.predict_proba(np.zeros((1, inputs))) if burst else model.predict(np.zeros((1, inputs)))
        shape = np.shape(probe)
    except Exception as exc:
        raise bad(folder, f"the model cannot predict ({type(exc).__name__})", expected) from None
    if not np.all(np.isfinite(probe)):
        raise bad(folder, "the model predicts a non-finite value for a row of zeros", expected)
    if shape != ((1, 2) if burst else (1,)):
        raise bad(folder, f"the model predicts shape {shape} for one row", f"{(1, 2) if burst else (1,)}: {what} of one outcome")
    check_saved_files(folder)  # last, as for risk: the checks above name a damage more precisely than a sha256
    return model, meta.get("extent")


def _is_extent(value: Any, names: list[str]) -> bool:
    return isinstance(value, dict) and sorted(value) == sorted(names) and all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
                                                          for v in pair) and pair[0] <= pair[1] for pair in value.values())


def cooling_capacity(model: BlockModel, share: float, processing_t: float) -> float:
    """The installed cooling per period, MWh: `share` x the true demand of a period's processing
    tonnes at the model's mean demand per tonne."""
    return share * processing_t * float(model.cooling_mwh.sum() / model.tonnes.sum())


def compare(model: BlockModel, econ: Economics, periods: int, discount_rate: float, mining_share: float, processing_share: float,
            holes: int, history: int, risk_threshold: float, defer_periods: int, solver: dict,
            seed: int, surrogates: Surrogates, cooling_share: Optional[float] = None,
            advance: Callable[[int], None] = lambda n: None) -> tuple[list[Plan], dict]:
    """Static, ML-fed and oracle (the truth itself) plans, each valued on the truth; `solver`:
    solve_schedule's settings (time_limit, mip, window_sweeps, ...). With `cooling_share` (and a
    heat surrogate), a third resource: the installed cooling capacity per period, the same for
    every plan (`cooling_share` x the true demand of a period's processing capacity of tonnes at
    the model's mean demand per tonne), against each plan's own estimate of its blocks' demand.
    ``advance(1)`` is told of each plan solved (three)."""
    if (cooling_share is None) != (surrogates.heat is None):
        raise ValueError("a cooling capacity needs a heat surrogate and a heat surrogate a cooling capacity")
    static, ml, errors = estimate(model, holes, history, seed, surrogates)
    truth = Estimates(model.grade, model.dilution, model.burst_probability, model.temperature)
    true_values = block_values(model.tonnes, truth.grade, truth.dilution, truth.burst, econ)
    mining_t = mining_share * float(model.tonnes.sum())
    # the plant is what it is; the plans differ in what they think each block will need of it
    capacity = None if cooling_share is None else cooling_capacity(model, cooling_share, processing_share * mining_t)
    plans = []
    for name, est in (("static", static), ("ml", ml), ("oracle", truth)):
        values = block_values(model.tonnes, est.grade, est.dilution, est.burst, econ)
        moved = model.tonnes * (1 + est.dilution)
        cooling = None if capacity is None else (model.heat.cooling_mwh(model.tonnes, est.temperature), capacity)
        instance = instance_of(name, values, moved, periods, mining_t, processing_share * mining_t, discount_rate, cooling=cooling)
        defer = np.where(est.burst > risk_threshold, min(defer_periods, periods), 0) if name == "ml" else None
        result = solve_schedule(instance, model.prec, seed=seed, not_before=defer, **solver)
        advance(1)
        process = values[:, 1] > values[:, 0]
        plans.append(Plan(name, est, result, process, _npv(result.solution.period, true_values, process, discount_rate), result.value,
                          capacity))
    return plans, errors


def _npv(period: np.ndarray, values: np.ndarray, process: np.ndarray, rate: float) -> float:
    mined = period >= 0
    chosen = np.where(process, values[:, 1], values[:, 0])
    return float(np.sum(chosen[mined] / (1 + rate) ** period[mined]))


def period_rows(model: BlockModel, plan: Plan, econ: Economics, periods: int, rate: float) -> list[dict]:
    """Per period of a plan: true tonnes moved and processed, recovered ounces and cash flow, and
    the cash flow the plan expected; with ventilation, the true and planned cooling demand (MWh)
    next to the plan's capacity."""
    true_values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, econ)
    planned = block_values(model.tonnes, plan.estimates.grade, plan.estimates.dilution, plan.estimates.burst, econ)
    moved = model.tonnes * (1 + model.dilution)
    rows = []
    for t in range(periods):
        now = plan.result.solution.period == t
        ore = now & plan.process
        rows.append({
            "plan": plan.name, "period": t,
            "moved_t": float(moved[now].sum()), "processed_t": float(moved[ore].sum()),
            "metal_oz": float((model.tonnes[ore] * model.grade[ore]).sum() * econ.recovery / GRAMS_PER_TROY_OUNCE),
            "cash_true": float(np.where(plan.process, true_values[:, 1], true_values[:, 0])[now].sum()),
            "cash_planned": float(np.where(plan.process, planned[:, 1], planned[:, 0])[now].sum()),
            "discount": (1 + rate) ** -t,
        })
        if plan.cooling_capacity is not None:
            planned_cooling = model.heat.cooling_mwh(model.tonnes[now], plan.estimates.temperature[now])
            true_cooling = float(model.cooling_mwh[now].sum())
            rows[-1].update(cooling_true_mwh=true_cooling, cooling_planned_mwh=float(planned_cooling.sum()),
                            cooling_capacity_mwh=plan.cooling_capacity, cooling_load=true_cooling / plan.cooling_capacity)
    return rows


def ventilation_figures(rows: list[dict]) -> dict:
    """From period_rows with ventilation: the capacity per period (MWh) and per plan the periods
    whose true cooling demand exceeds it (beyond the verifier's round-off), the excess summed over
    periods (MWh) and the peak load (true demand / capacity)."""
    figures: dict = {"capacity_mwh": rows[0]["cooling_capacity_mwh"], "over_capacity_periods": {}, "excess_mwh": {}, "peak_load": {}}
    for name in dict.fromkeys(r["plan"] for r in rows):
        mine = [r for r in rows if r["plan"] == name]
        capacity = mine[0]["cooling_capacity_mwh"]
        excess = [max(0.0, r["cooling_true_mwh"] - capacity) for r in mine]
        figures["over_capacity_periods"][name] = sum(e > TOLERANCE * max(1.0, capacity) for e in excess)
        figures["excess_mwh"][name] = float(sum(excess))
        figures["peak_load"][name] = max(r["cooling_load"] for r in mine)
    return figures


def rolling_replan(model: BlockModel, econ: Economics, relative_prices: list[float], discount_rate: float, mining_t: float,
                   processing_t: float, solver: dict, seed: int, cooling_share: Optional[float] = None,
                   advance: Callable[[int], None] = lambda n: None) -> tuple[list[dict], list]:
    """The seed's opportunity windows (Figs. 5-7): each period, re-optimise the blocks not yet mined
    at that period's price (the base price times `relative_prices[t]`) over the periods left, and
    mine the plan's first period; next to the plan fixed at the first period's price. Both are
    valued at the prices that came, on the truth; with `cooling_share` both keep to the cooling
    capacity (`cooling_capacity`) on the true demand. One row per period and plan, and each plan's
    solve_schedule result (whether a limit cut it short). ``advance(1)`` is told of each plan
    solved: at most one per period and the fixed plan."""
    import dataclasses

    periods = len(relative_prices)
    moved = model.tonnes * (1 + model.dilution)
    capacity = None if cooling_share is None else cooling_capacity(model, cooling_share, processing_t)

    def values_at(t: int) -> np.ndarray:
        return block_values(model.tonnes, model.grade, model.dilution, model.burst_probability,
                            dataclasses.replace(econ, price_per_oz=econ.price_per_oz * relative_prices[t]))

    results = []

    def solve(keep: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        """(period, process) per kept block of a plan at period t's price over the periods left."""
        index = np.full(model.n_blocks, -1, np.int64)
        index[keep] = np.arange(len(keep))
        blocks, preds = model.prec.arcs()
        inside = (index[blocks] >= 0) & (index[preds] >= 0)  # predecessors already mined drop out
        prec = Precedence.from_arcs(len(keep), index[blocks[inside]], index[preds[inside]])
        values = values_at(t)[keep]
        cooling = None if capacity is None else (model.cooling_mwh[keep], capacity)
        instance = instance_of("rolling", values, moved[keep], periods - t, mining_t, processing_t, discount_rate, cooling=cooling)
        results.append(solve_schedule(instance, prec, seed=seed, **solver))
        advance(1)
        return results[-1].solution.period, values[:, 1] > values[:, 0]

    everything = np.arange(model.n_blocks)
    fixed_period, fixed_process = solve(everything, 0)
    rolling_period, rolling_process = np.full(model.n_blocks, -1, np.int64), np.zeros(model.n_blocks, bool)
    for t in range(periods):
        left = np.flatnonzero(rolling_period < 0)
        if len(left) == 0:
            break
        period, process = solve(left, t)
        now = left[period == 0]
        rolling_period[now], rolling_process[now] = t, process[period == 0]
    rows = []
    for name, period, process in (("fixed", fixed_period, fixed_process), ("rolling", rolling_period, rolling_process)):
        for t in range(periods):
            now = period == t
            cash = np.where(process, values_at(t)[:, 1], values_at(t)[:, 0])[now].sum()
            rows.append({"plan": name, "period": t, "price": econ.price_per_oz * relative_prices[t], "blocks": int(now.sum()),
                         "processed": int((now & process).sum()), "cash": float(cash),
                         "discounted": float(cash / (1 + discount_rate) ** t),
                         **({} if capacity is None else {"cooling_true_mwh": float(model.cooling_mwh[now].sum()),
                                                         "cooling_capacity_mwh": capacity})})
    return rows, results
