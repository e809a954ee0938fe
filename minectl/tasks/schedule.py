"""`minectl schedule`: ultimate pit, CPIT/PCPSP production schedules (MineLib or the synthetic block
model), the ML-fed schedule against the static one on the ground truth, and stope-extension
economics (seed 004)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Dict, List, Optional

from omegaconf import OmegaConf

from minectl.capacity.limits import MAX_DENSITY_T_M3
from minectl.config import EstimatorConfig, TaskConfig
from minectl.constraints import at_least, between, finite, finite_nonneg, greater_than, one_of
from minectl.errors import ConfigError, DataError, config_keys

if TYPE_CHECKING:
    from minectl.results import Run

PROBLEMS = ("upit", "cpit", "pcpsp")
PER_OUNCE = re.compile(r"/\s*(troy\s*)?(oz|ozt|toz|ounces?)\s*$", re.IGNORECASE)  # USD/oz, $/troy oz: economics.price_per_oz's unit
# ... in US dollars, as the costs and every line written: USD, US$ or $, not C$, A$ or HK$ (before the slash)
US_DOLLAR = re.compile(r"(?<![a-z])(usd|us\s?\$|\$)", re.IGNORECASE)
MAX_SYNTHETIC_BLOCKS = 1_000_000  # the largest the docs measure (UPIT in seconds, about 1 GB)
# CPIT/PCPSP instances of at most this many blocks x periods x destinations are solved as a whole MIP after the windows
WHOLE_MIP_VARIABLES = 200
# loop.price_path is relative to economics.price_per_oz: above this it is percent ([100, 60, 140] was read as 100 times
# the gold price, a re-plan NPV of 2.6 billion for 22 million), not a price path a plan could meet
MAX_RELATIVE_PRICE = 10.0
TIME_LIMITED = ("[yellow]{what}: stopped by its time limit, so its figures depend on this machine's speed and load "
                "(minectl verify may differ); for a reproducible run raise the time limit or lower schedule.window_sweeps "
                "(or schedule.mip=false)[/yellow]")


@dataclass
class MinelibConfig:
    path: Optional[str] = None  # a folder of MineLib files <name>.prec, .<problem>; null: the synthetic block model
    name: str = "newman1"
    blocks_file: bool = True  # read <name>.blocks for coordinates (cross-section plot)
    # problem -> a published value, reported next to ours; MineLib's own instances have theirs built in
    # (schedule.minelib.PUBLISHED_BEST: newman1, zuck_small, kd, marvin), which this overrides
    best_known: Dict[str, float] = finite(default_factory=dict)
    # problem -> a solution file of it (MineLib's form: UPIT `block` lines, CPIT `block period`, PCPSP `block destination
    # period share`), verified against the instance: its NPV and whether it is feasible, reported next to minectl's
    solutions: Dict[str, str] = field(default_factory=dict)


@dataclass
class SyntheticConfig:
    nx: int = at_least(2, default=16)
    ny: int = at_least(2, default=16)
    nz: int = at_least(2, default=6)
    correlation: float = greater_than(0, default=3.0)  # of the grade field, in blocks
    mean_grade: float = greater_than(0, default=0.5)  # g/t
    grade_sigma: float = between(0, 3, default=0.9)  # log-scale
    block_tonnes: float = greater_than(0, default=2750.0)
    slope_radius: float = between(1, 5, default=1.0)  # 1: the 1-5 precedence pattern
    write_minelib: bool = False  # also write the model as MineLib files into the run folder (minelib/)


@dataclass
class EconomicsConfig:
    price_per_oz: float = greater_than(0, default=2000.0)
    recovery: float = between(0, 1, default=0.9, closed="right")
    mining_cost_t: float = finite_nonneg(default=3.0)
    processing_cost_t: float = finite_nonneg(default=20.0)
    burst_cost: float = finite_nonneg(default=50000.0)  # per expected rockburst


@dataclass
class PriceConfig:
    forecast_table: Optional[str] = None  # a `minectl forecast` run's tables/forecast.parquet; null: economics.price_per_oz
    model: Optional[str] = None  # its forecaster (null: the first in the table)
    month: int = at_least(1, default=1)  # which forecast month
    statistic: str = one_of("forecast", "lower", "upper", default="forecast")  # the price the schedule uses
    interval_level: float = between(0, 1, default=0.9, closed="neither")  # the forecast run's forecast.interval_level
    sigma: float = finite_nonneg(default=0.15)  # log-scale price spread when no forecast table gives one


@dataclass
class ScheduleParams:
    problems: List[str] = one_of(*PROBLEMS, default_factory=lambda: ["upit", "cpit"])
    periods: int = at_least(1, default=8)  # synthetic model only (a MineLib file states its own)
    discount_rate: float = between(0, 1, default=0.08, closed="left")  # per period, as MineLib's DISCOUNT_RATE; synthetic model only
    mining_share: float = between(0, 1, default=0.06, closed="right")  # synthetic: tonnes per period / model tonnes
    processing_share: float = between(0, 1, default=0.5, closed="right")  # processing / mining capacity
    time_limit_s: float = greater_than(0, default=120.0)  # per CPIT/PCPSP solve, all of it: a safety net (sets time_limited)
    mip: bool = True  # false: LP bound and the TopoSort heuristic only
    window_sweeps: int = at_least(0, default=1)  # fix-and-optimise sweeps at most (fewer once a sweep finds nothing)
    window_gap: float = between(0, 1, default=1e-3, closed="right")  # relative gap each window's sub-MIP is solved to
    # after the windows, the whole MIP (its dual bound); bound it by mip_max_nodes to stay reproducible. null: only on an
    # instance of at most WHOLE_MIP_VARIABLES blocks x periods x destinations (solved in a moment)
    whole_mip: Optional[bool] = None
    mip_max_nodes: Optional[int] = at_least(1, default=None)  # a work limit per MIP (windows and whole)
    # the bound and TopoSort's guide (lagrangian: CPIT only; auto: the LP up to 20,000 columns)
    relaxation: str = one_of("auto", "lp", "lagrangian", default="auto")
    lagrangian_iterations: int = at_least(1, default=150)  # subgradient steps of the Lagrangian bound
    reduce: bool = True  # ultimate-pit and earliest-period reductions (applied only where exact)
    # the largest model (estimated bytes) one part of a CPIT/PCPSP solve may build: the Lagrangian bound's
    # max-flow, the LP or the MIP; a part above it is skipped with a line saying so (memory_limited: 1)
    memory_limit_gb: float = greater_than(0, default=8.0)


@dataclass
class LoopConfig:
    enabled: bool = True  # static vs ML-fed schedules on the synthetic model's ground truth
    holes: int = at_least(1, default=40)  # vertical drill holes (every block of a column assayed)
    history: int = at_least(10, default=300)  # historic stopes with measured dilution and burst outcome
    risk_threshold: float = between(0, 1, default=0.5)  # predicted burst probability above which a block is deferred
    defer_periods: int = at_least(0, default=2)
    time_limit_s: float = greater_than(0, default=120.0)  # per plan: a safety net, as schedule.time_limit_s
    # the rolling re-plan: prices per period relative to economics.price_per_oz (e.g. [1, 1.1, 0.95]);
    # empty: from price.forecast_table's forecasts when given, else no re-plan
    price_path: List[float] = greater_than(0, default_factory=list)
    replan_time_limit_s: float = greater_than(0, default=60.0)  # per re-plan: a safety net
    # heat-constrained plans: each plan's cooling demand per period (from its own rock temperatures)
    # within the installed capacity, `ventilation_capacity` x the true demand of a period's processing
    # capacity of tonnes at the model's mean demand per tonne (1: average ground at the mill's rate)
    ventilation: bool = True
    ventilation_capacity: float = between(0, 2, default=0.9, closed="right")
    # the surrogates (conf/schedule.yaml): any regressor / classifier with predict_proba by `_target_`
    grade_model: EstimatorConfig = field(default_factory=EstimatorConfig)
    dilution_model: EstimatorConfig = field(default_factory=EstimatorConfig)
    burst_model: EstimatorConfig = field(default_factory=EstimatorConfig)
    heat_model: EstimatorConfig = field(default_factory=EstimatorConfig)  # rock temperature on x, y, depth (ventilation only)
    # a schedule run folder: predict with the surrogates it saved (models/<role>/) instead of
    # fitting the ones above; null: fit them here (every run saves what it used in its models/)
    surrogates_from: Optional[str] = None


@dataclass
class StopeConfig:
    enabled: bool = False
    length_m: float = greater_than(0, default=1.0)
    height_m: float = greater_than(0, default=20.0)
    width_m: float = greater_than(0, default=3.0)
    specific_gravity: float = between(0, MAX_DENSITY_T_M3, default=2.75, closed="right")  # t/m3 (2750: kg/m3)
    grade_g_t: float = finite_nonneg(default=4.0)
    recovery: float = between(0, 1, default=0.9, closed="right")
    mining_cost_t: float = finite_nonneg(default=60.0)  # illustrative: the seed gives no costs
    processing_cost_t: float = finite_nonneg(default=30.0)
    development_cost_m: float = finite_nonneg(default=8000.0)


@dataclass
class Config(TaskConfig):
    minelib: MinelibConfig = field(default_factory=MinelibConfig)
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    economics: EconomicsConfig = field(default_factory=EconomicsConfig)
    price: PriceConfig = field(default_factory=PriceConfig)
    schedule: ScheduleParams = field(default_factory=ScheduleParams)
    loop: LoopConfig = field(default_factory=LoopConfig)
    stope: StopeConfig = field(default_factory=StopeConfig)


def check(cfg: Config) -> None:
    """How the values relate, for every sweep value before any job (each value's own range and
    choices are declared in the schema and checked by minectl.constraints)."""
    if cfg.price.model is not None and not cfg.price.forecast_table:  # else the name is read by nothing, silently
        raise ConfigError(f"price.model={cfg.price.model}: a forecaster of price.forecast_table, which is not set; "
                          "expected price.forecast_table=FILE with it, or price.model=null")
    if cfg.schedule.relaxation == "lagrangian" and "pcpsp" in cfg.schedule.problems:
        raise ConfigError("schedule.relaxation=lagrangian needs one destination per block; expected lp or auto with pcpsp")
    path = cfg.loop.price_path
    if max(path, default=0) > MAX_RELATIVE_PRICE:
        raise ConfigError(f"loop.price_path: {max(path):g} is {max(path):g} times economics.price_per_oz; expected prices relative to "
                          f"it, at most {MAX_RELATIVE_PRICE:g} ([1, 0.6, 1.4] for 100 %, 60 %, 140 %)")
    if path and not cfg.loop.enabled:  # the rolling re-plan is the loop's: the path was read by nothing, with exit 0
        raise ConfigError(f"loop.price_path: {len(path)} prices for the rolling re-plan, a part of the loop, which is off "
                          "(loop.enabled=false); expected loop.enabled=true with it, or no price path")
    # the loop and its re-plan run on the synthetic model only, and the price prices its blocks or the stope: with MineLib
    # files (their block values are the files') and the stope off, a path or a forecast table was read by nothing, exit 0
    if path and cfg.minelib.path:
        raise ConfigError(f"loop.price_path: {len(path)} prices for the rolling re-plan, which runs on the synthetic model only "
                          "(MineLib files have their own block values); expected no price path with minelib.path")
    if cfg.price.forecast_table and cfg.minelib.path and not cfg.stope.enabled:
        raise ConfigError("price.forecast_table: a price for the synthetic model's blocks or the stope (stope.enabled=false), "
                          "and a MineLib instance's block values are its files'; expected no forecast table with minelib.path, "
                          "or stope.enabled=true")
    if path and cfg.loop.enabled and not cfg.minelib.path and len(path) != cfg.schedule.periods:  # it sets the re-plan's horizon
        raise ConfigError(f"loop.price_path: {len(path)} prices; expected one per period (schedule.periods={cfg.schedule.periods})")
    problems = list(cfg.schedule.problems)
    again = next((kind for i, kind in enumerate(problems) if kind in problems[:i]), None)
    if again:  # solved and reported twice
        raise ConfigError(f"schedule.problems={problems}: {again} twice; expected each problem once")
    if not problems and not cfg.stope.enabled and (cfg.minelib.path or not cfg.loop.enabled):  # exit 0 having done nothing
        loop = "skipped for MineLib files" if cfg.minelib.path else "off"
        raise ConfigError(f"schedule.problems=[] and nothing else to run (loop {loop}, stope off); expected some of {', '.join(PROBLEMS)}")
    n_blocks = cfg.synthetic.nx * cfg.synthetic.ny * cfg.synthetic.nz
    if not cfg.minelib.path and n_blocks > MAX_SYNTHETIC_BLOCKS:
        raise ConfigError(f"synthetic.nx x ny x nz = {n_blocks:,} blocks; expected at most {MAX_SYNTHETIC_BLOCKS:,} "
                          "(larger models: write MineLib files, see benchmarks/schedule_upit.py)")
    _check_best_known(cfg)
    if cfg.minelib.path:
        _check_file_values(cfg)
        _check_synthetic_settings(cfg)
    _check_parts_off(cfg)
    _check_inputs(cfg)
    if cfg.loop.enabled and not cfg.minelib.path:
        _check_loop_sizes(cfg)
    # blocks weigh synthetic.block_tonnes each (more once diluted): a period's capacity below one block mines or
    # processes nothing in any plan, and was reported as an NPV of 0 with a 100 % gap to the LP's fractional blocks
    for key, share in (("mining_share", cfg.schedule.mining_share), ("processing_share", cfg.schedule.processing_share)):
        blocks = n_blocks * cfg.schedule.mining_share * (share if key == "processing_share" else 1.0)
        if not cfg.minelib.path and blocks < 1:
            raise ConfigError(f"schedule.{key}={share}: a period's {key.split('_')[0]} capacity holds {blocks:.2f} of the synthetic "
                              f"model's {n_blocks:,} blocks; expected room for one block at least (raise schedule.{key} or the model)")


def _check_loop_sizes(cfg: Config) -> None:
    """The loop's drill holes, stope history and deferral are cut to the synthetic model (one hole per column of blocks,
    one stope per block, a deferral to the horizon's end): a larger value given ran as the model's size, reported under
    the value asked (loop.holes=1000 and 100 on 10 x 10 columns one run), exit 0, not a word. A default cut to a small
    model (40 holes on 4 x 4 columns) is no one's ask: it runs as before."""
    s, loop = cfg.synthetic, cfg.loop
    for key, value, most, what in (
        ("holes", loop.holes, s.nx * s.ny, f"synthetic.nx x ny = {s.nx * s.ny:,} columns of blocks (one hole each)"),
        ("history", loop.history, s.nx * s.ny * s.nz, f"the synthetic model's {s.nx * s.ny * s.nz:,} blocks (one stope each)"),
        ("defer_periods", loop.defer_periods, cfg.schedule.periods,
         f"schedule.periods={cfg.schedule.periods} (deferred that long: never mined in the horizon)"),
    ):
        if value > most and _given_setting(cfg, (f"loop.{key}",))[0] is not None:
            raise ConfigError(f"loop.{key}={value}: more than {what}; expected at most {most:,} (a larger value runs as {most:,})")


def _check_best_known(cfg: Config) -> None:
    """minelib.best_known and minelib.solutions go with MineLib files' results, by problem name: a key spelt otherwise
    (CPIT) or given for the synthetic model was read by nothing (newman1 was then judged by MineLib's value, unsaid), and a
    value of 0 ended the run in a ZeroDivisionError after the solves."""
    from minectl.data.sources import check_input

    uses = {"best_known": "compares with a MineLib instance's results", "solutions": "verifies solutions of a MineLib instance"}
    for name, what in uses.items():
        given = cfg.minelib[name]
        if given and not cfg.minelib.path:
            raise ConfigError(f"minelib.{name}: {dict(given)} {what}; expected minelib.path with it (the synthetic model has no "
                              "published values or solutions)")
        for key, value in given.items():
            if key not in PROBLEMS:
                raise ConfigError(f"minelib.{name}.{key}: unknown problem; expected one of {', '.join(PROBLEMS)} (lower case)")
            if name == "best_known" and value == 0:
                raise ConfigError(f"minelib.best_known.{key}=0: the relative difference to it is undefined; expected the "
                                  "published value (non-zero)")
            if key not in cfg.schedule.problems:  # compared with nothing, exit 0
                raise ConfigError(f"minelib.{name}.{key}: {key} is not solved (schedule.problems={list(cfg.schedule.problems)}); "
                                  f"expected {key} in schedule.problems with it, or no value for it")
            if name == "solutions":
                check_input(f"minelib.solutions.{key}", value)


def _check_file_values(cfg: Config) -> None:
    """A MineLib instance's block values and discount rate are its files': the synthetic model's economics and rate,
    set otherwise than their defaults, were read by nothing (newman1 at economics.price_per_oz=2500 or
    schedule.discount_rate=0.1 gave the files' NPV, with exit 0). The price still prices the stope when it is on."""
    economics = EconomicsConfig()
    settings = {f"economics.{key}": (cfg.economics[key], getattr(economics, key)) for key in cfg.economics
                if key != "price_per_oz" or not cfg.stope.enabled}
    settings["schedule.discount_rate"] = (cfg.schedule.discount_rate, ScheduleParams().discount_rate)
    for key, (value, default) in settings.items():
        if value != default:
            raise ConfigError(f"{key}={value:g}: a MineLib instance's block values and DISCOUNT_RATE are its files', which the run "
                              f"uses; expected {default:g} (the default) with minelib.path, or the values written in the files")


# the synthetic model's settings: a MineLib instance states its own blocks, periods and limits
SYNTHETIC_ONLY = ("synthetic", "schedule.periods", "schedule.mining_share", "schedule.processing_share")
# settings of a part of the run, read only when its switch is set: the switch, the value that sets it, what it runs,
# its settings (the loop's estimators are config groups; loop.price_path and price.model have their own checks)
PARTS = (("loop.enabled", "true", "the loop (static vs ML-fed plans)",
          [f"loop.{name}" for name in ("holes", "history", "risk_threshold", "defer_periods", "time_limit_s", "replan_time_limit_s",
                                       "ventilation", "ventilation_capacity", "surrogates_from")]),
         ("loop.ventilation", "true", "the loop's heat-constrained plans", ["loop.ventilation_capacity"]),
         ("stope.enabled", "true", "the stope-extension example",
          [f"stope.{field.name}" for field in fields(StopeConfig) if field.name != "enabled"] + ["price.sigma"]),
         ("price.forecast_table", "FILE", "a forecast table's price", ["price.month", "price.statistic", "price.interval_level"]))


def _check_synthetic_settings(cfg: Config) -> None:
    """The synthetic model's size, periods and capacities given with minelib.path were read by nothing (newman1 with
    schedule.periods=3 solved its files' 6 periods, exit 0)."""
    key, setting = _given_setting(cfg, SYNTHETIC_ONLY)
    if key is not None:
        raise ConfigError(f"{setting}: a setting of the synthetic block model, and minelib.path's instance has its own blocks, "
                          f"periods and resource limits, which the run uses; expected no {key} with minelib.path")


def _check_parts_off(cfg: Config) -> None:
    """A setting of the loop, its ventilation, the stope or a forecast table's price while that part is off was read by
    nothing (stope.grade_g_t=8 with the stope off, price.month=3 without a forecast table: the same run, exit 0)."""
    for switch, value, what, keys in PARTS:
        if OmegaConf.select(cfg, switch):
            continue
        key, setting = _given_setting(cfg, keys)
        if key is not None:
            off = "false" if value == "true" else "null"
            raise ConfigError(f"{setting}: a setting of {what}, which is off ({switch}={off}); expected {switch}={value} with it, "
                              f"or no {key}")


def _given_setting(cfg: Config, owned) -> tuple[str | None, str]:
    """The first setting under the ``owned`` keys the user gave, as (key, `key=value`), else (None, ""): named in the
    run's overrides (Hydra's record of the command line, as typed: `synthetic={nx:4}`), or set otherwise than the
    schema's defaults with the chosen debug config's over them (debug=quick sets a smaller model, which is not the
    user's), as an experiment file or a -cd folder's config sets it (those were not in the command line's record)."""
    from minectl.config import overrides_given

    def owns(key: str) -> bool:
        return any(key == own or key.startswith(f"{own}.") for own in owned)

    typed = next(((key, setting) for key, setting in (overrides_given() or {}).items() if owns(key)), None)
    if typed is not None:
        return typed
    reference = _unset_reference()
    for own in owned:
        node = OmegaConf.select(cfg, own)
        for key in [f"{own}.{name}" for name in node] if OmegaConf.is_config(node) else [own]:
            if OmegaConf.select(cfg, key) != OmegaConf.select(reference, key):
                return key, f"{key}={OmegaConf.select(cfg, key)}"
    return None, ""


def _unset_reference():
    """The settings as no user set them: the schema's defaults, and over them the packaged debug config the run chose
    (debug=quick: conf/debug/schedule/quick.yaml); outside a Hydra run, the defaults."""
    from importlib.resources import files

    from hydra.core.hydra_config import HydraConfig

    reference = OmegaConf.structured(Config)
    choice = HydraConfig.get().runtime.choices.get("debug/schedule") if HydraConfig.initialized() else None
    if not choice:
        return reference
    packaged = files("minectl.conf").joinpath("debug", "schedule", f"{choice}.yaml")
    return OmegaConf.merge(reference, OmegaConf.load(str(packaged))) if packaged.is_file() else reference


def _check_inputs(cfg: Config) -> None:
    """The files and folders the run will read are there and of their kind (their contents are the job's)."""
    from minectl.data.sources import check_input

    if cfg.minelib.path:  # its files are read in the job, in the order their errors are best said (the .prec first)
        check_input("minelib.path", cfg.minelib.path, folder=True)
    if cfg.price.forecast_table:
        check_input("price.forecast_table", cfg.price.forecast_table)
    if cfg.loop.surrogates_from and cfg.loop.enabled and not cfg.minelib.path:  # read only then (run: _surrogates)
        check_input("loop.surrogates_from", cfg.loop.surrogates_from, folder=True)


def run(cfg: Config, out: Run) -> dict:
    import time

    start = time.perf_counter()
    problems = list(cfg.schedule.problems)
    if cfg.loop.enabled and cfg.loop.ventilation and not cfg.minelib.path:
        _check_cooling_fits(cfg)
    surrogates = _surrogates(cfg, out) if cfg.loop.enabled and not cfg.minelib.path else None
    price, median, sigma = _price(cfg, out)
    metrics: dict = {"price": price}
    rows: list[dict] = []
    feasible = True
    if problems:
        solved = _minelib(cfg, out, problems) if cfg.minelib.path else _synthetic(cfg, out, problems, price)
        metrics.update(solved[0])
        rows, feasible = solved[1], solved[2]
    if cfg.loop.enabled and cfg.minelib.path:
        out.console.print("loop: skipped (it needs the synthetic model's ground truth; loop.enabled=false hides this)")
    elif cfg.loop.enabled:
        metrics["loop"] = _loop(cfg, out, price, surrogates)
        feasible &= bool(metrics["loop"]["feasible"])
        path = list(cfg.loop.price_path) or _forecast_path(cfg, out)
        if path:
            metrics["replan"] = _replan(cfg, out, price, path)
    if cfg.stope.enabled:
        metrics["stope"] = _stope(cfg, out, price, median, sigma)
    if rows:
        import polars as pl

        out.table("schedule", pl.DataFrame(rows))
    metrics["seconds"] = time.perf_counter() - start
    metrics["feasible"] = feasible
    return {"schedule": metrics}


def _check_cooling_fits(cfg: Config) -> None:
    """The loop's cooling capacity holds a block: below the least any block can need (its tonnes' equipment demand, at rock
    no warmer than the threshold, whatever a plan estimates its temperature to be) no plan mines anything, and
    loop.ventilation_capacity=0.001 compared three empty plans, NPV 0 vs 0, exit 0."""
    import numpy as np

    from minectl.schedule.loop import cooling_capacity

    model, _ = _model(cfg)
    s, share = cfg.schedule, cfg.loop.ventilation_capacity
    capacity = cooling_capacity(model, share, s.processing_share * s.mining_share * float(model.tonnes.sum()))
    least = float(model.heat.cooling_mwh(model.tonnes, np.full(len(model.tonnes), model.heat.threshold_c)).min())
    if capacity < least:
        raise ConfigError(f"loop.ventilation_capacity={share:g}: {capacity:.3g} MWh of cooling a period, below the {least:.3g} MWh "
                          f"any block needs: no plan could mine a block; expected at least {share * least / capacity:.2g} (0.9: 90 % "
                          "of the demand of a period's processing tonnes)")


def _price(cfg: Config, out: Run) -> tuple[float, float, float]:
    """(price per ounce, the median of its distribution, log-scale sigma): the fixed price, or a forecast run's month, whose
    median is its forecast whichever price.statistic prices the plans."""
    p = cfg.price
    if not p.forecast_table:
        return float(cfg.economics.price_per_oz), float(cfg.economics.price_per_oz), float(p.sigma)
    import polars as pl

    from minectl.schedule.stope import lognormal_from_interval

    path = out.input_file(p.forecast_table)
    try:
        table = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds on a non-parquet file
        raise DataError(f"price.forecast_table: {path}: not a parquet table ({type(exc).__name__})") from None
    missing = {"model", "forecast", "lower", "upper"} - set(table.columns)
    if missing:
        raise DataError(f"price.forecast_table: {path}: columns {sorted(missing)} missing; "
                        "expected a forecast run's tables/forecast.parquet")
    model = p.model or table["model"][0]
    rows = _forecast_rows(table, model)
    units = rows["unit"].drop_nulls().unique().sort().to_list() if "unit" in rows.columns else []
    # a coal forecast in USD/t was taken as dollars per ounce of gold; a gold forecast in CNY/oz (7 x the dollars) as dollars
    if any(not (PER_OUNCE.search(unit) and US_DOLLAR.search(unit.rpartition("/")[0])) for unit in units):
        raise DataError(f"price.forecast_table: {path}: {model}'s prices in {', '.join(units)}; expected a price per troy ounce "
                        "(USD/oz, as economics.price_per_oz)")
    if rows.height == 0:  # a name spelt otherwise (case, a look-alike letter): the models the table has
        from minectl.data.names import shown

        models = ", ".join(shown(m) for m in table["model"].unique(maintain_order=True).to_list())
        raise DataError(f"price.model={shown(model)}: no rows of that model in {path}; expected one of its models: {models}")
    if rows.height < p.month:
        raise DataError(f"price.model={model!r}, price.month={p.month}: the table has {rows.height} months of that model")
    row = rows.row(p.month - 1, named=True)
    if cfg.loop.enabled and not cfg.minelib.path and not cfg.loop.price_path:  # the rolling re-plan's path: checked before any work
        ahead = rows["forecast"][p.month - 1:][: cfg.schedule.periods]
        if ahead.len() < cfg.schedule.periods or not (ahead.fill_null(0) > 0).all():
            raise DataError(f"price.forecast_table: {path}: {ahead.len()} months of {model} from price.month={p.month}, "
                            f"{int((ahead.fill_null(0) > 0).sum())} with a forecast > 0; expected one per period "
                            f"(schedule.periods={cfg.schedule.periods}) for the rolling re-plan, or loop.price_path")
    for column in dict.fromkeys((p.statistic, "forecast")):  # the forecast is the price's median (its interval's, the stope's)
        if row[column] is None or not row[column] > 0:
            raise DataError(f"price.forecast_table: {column} of {model} month {p.month} is {row[column]}; expected a price > 0")
    sigma = p.sigma
    level = row.get("interval_level")  # written by forecast runs since round 19: a 0.8 interval read as 0.9 gave sigma 22 % low
    if level is not None and row["lower"] is not None and not math.isclose(level, p.interval_level):
        raise DataError(f"price.interval_level={p.interval_level:g}: {model}'s interval in {path} is a {level:g} interval (column "
                        f"interval_level, the forecast run's forecast.interval_level); expected price.interval_level={level:g}")
    if row["lower"] is not None and row["upper"] is not None:
        with config_keys({"interval": "price.forecast_table"}):
            try:
                sigma = lognormal_from_interval(row["forecast"], row["lower"], row["upper"], p.interval_level)
            except ValueError as exc:
                raise DataError(str(exc), param="interval") from None
    return float(row[p.statistic]), float(row["forecast"]), float(sigma)


def _solve(instance, prec, kind: str, cfg: Config, out: Run) -> tuple[dict, dict, object]:
    from minectl.schedule.cpit import solve_schedule

    s = cfg.schedule
    # a tiny instance gets the whole MIP after the windows, in a moment: a 7-block, 3-period CPIT's windows stopped at
    # NPV 81.8 against the optimal 106.56 (the gap said; schedule.whole_mip=true found it at once)
    tiny = instance.n_blocks * instance.n_periods * instance.n_destinations <= WHOLE_MIP_VARIABLES
    solver = {**_solver(s, s.time_limit_s), "whole_mip": tiny if s.whole_mip is None else s.whole_mip}
    with out.progress_per_model(f"{kind}: {{}}") as bar_of:
        result = solve_schedule(instance, prec, reduce=s.reduce, seed=out.seed, progress=bar_of, **solver)
    metric = {"value": result.value, "bound": result.bound, "lp_bound": result.lp_bound, "gap": result.gap,
              "heuristic": result.heuristic_value, "seconds": result.seconds, "blocks": int((result.solution.period >= 0).sum()),
              "candidates": result.candidates, "feasible": result.feasible, "time_limited": int(result.time_limited),
              "sweeps": result.sweeps, "memory_limited": int(bool(result.skipped))}
    row = {"problem": kind, "value": result.value, "lp_bound": result.lp_bound, "bound": result.bound, "gap": result.gap,
           "heuristic_value": result.heuristic_value, "seconds": result.seconds, "feasible": result.feasible,
           "mip_status": result.mip_status, "blocks": metric["blocks"], "variables": result.variables,
           "relaxation": result.relaxation, "sweeps": result.sweeps}
    if not result.feasible:
        out.console.print(f"[red]{kind}: the verifier refused the schedule: {'; '.join(result.problems)}[/red]")
    heuristic = "none feasible" if math.isnan(result.heuristic_value) else f"{result.heuristic_value:,.0f}"
    out.console.print(f"{kind}: NPV {result.value:,.0f} (heuristic {heuristic}), bound {result.bound:,.0f}, "
                      f"gap {100 * result.gap:.2f}%, {result.seconds:.1f} s, MIP {result.mip_status}")
    if result.time_limited:
        out.console.print(TIME_LIMITED.format(what=kind))
    for line in result.skipped:
        out.console.print(f"[yellow]{kind}: {line}[/yellow]")
    return metric, row, result


def _solver(s: ScheduleParams, time_limit: float) -> dict:
    """solve_schedule's work limits from the config, and its time limit (a safety net)."""
    return {"time_limit": time_limit, "mip": s.mip, "window_sweeps": s.window_sweeps, "window_gap": s.window_gap,
            "whole_mip": bool(s.whole_mip), "mip_max_nodes": s.mip_max_nodes, "relaxation": s.relaxation,
            "lagrangian_iterations": s.lagrangian_iterations, "memory_limit_gb": s.memory_limit_gb}


def _upit(values, prec, out: Run) -> tuple[dict, dict, object]:
    from minectl.schedule.upit import max_closure
    from minectl.schedule.verify import verify_pit

    pit = max_closure(values, prec)
    check = verify_pit(values, prec, pit.in_pit)
    out.console.print(f"upit: {int(pit.in_pit.sum()):,} of {len(values):,} blocks, value {pit.value:,.2f} "
                      f"(max-flow {1000 * pit.seconds:.1f} ms, values x 10^{pit.decimals}{'' if pit.exact else ', rounded'})")
    metric = {"value": pit.value, "blocks": int(pit.in_pit.sum()), "solve_ms": 1000 * pit.seconds, "decimals": pit.decimals,
              "exact": pit.exact, "feasible": check.feasible}
    row = {"problem": "upit", "value": pit.value, "seconds": pit.seconds, "feasible": check.feasible, "blocks": metric["blocks"]}
    return metric, row, pit


def _problems(cfg: Config, out: Run, problems: list[str], prec, instance_for, blocks: dict, xyz, title: str,
              labels: list[tuple[str, str]] | None, source: dict[str, str]) -> tuple[dict, list[dict], bool]:
    """Solve each problem on `instance_for(kind)`, verified; next to its best known value where
    MineLib published one or the config gives one. Writes blocks, periods and the sections.
    Every instance is read and checked before the first solve; ``source`` names the precedence
    and the UPIT values in errors. ``labels``: the resources' plot labels; None: `resource r use` for
    each resource of the instances."""
    import polars as pl

    from minectl.schedule.cpit import topological_order
    from minectl.schedule.minelib import published_best

    instances = {kind: instance_for(kind) for kind in problems}
    if labels is None:  # a MineLib file's resources, as many as it has (a third was left out of periods.png)
        labels = [(f"resource_{r}", f"resource {r} use") for r in range(max(i.n_resources for i in instances.values()))]
    if set(problems) - {"upit"}:  # a schedule needs an order; a pit does not mind a cycle
        try:
            topological_order(prec)
        except ValueError as exc:
            raise DataError(f"{source['prec']}: {exc}") from None
    metrics, rows, feasible, period_rows = {}, [], True, []
    for kind in problems:
        instance = instances[kind]
        if kind == "upit":
            try:
                metric, row, pit = _upit(instance.objective[:, 0], prec, out)
            except ValueError as exc:  # block values too large for an exact max-flow
                raise DataError(f"{source['upit']}: {exc}; expected smaller block values") from None
            blocks["in_pit"] = pit.in_pit
        else:
            try:
                metric, row, result = _solve(instance, prec, kind, cfg, out)
            except ValueError as exc:  # limits no schedule meets
                raise DataError(f"{source.get(kind, kind)}: {exc}") from None
            blocks[f"period_{kind}"] = result.solution.period
            period_rows += _instance_periods(instance, result.solution, kind)
            if xyz is not None:
                from minectl.schedule.plots import cross_section_plot  # matplotlib: only when there is a schedule to draw

                out.plot(f"section_{kind}", cross_section_plot(xyz, result.solution.period, instance.n_periods, f"{title} {kind}"))
        if kind in cfg.minelib.solutions:
            metric["solution"] = _verify_solution(cfg.minelib.solutions[kind], instance, prec, kind, out)
        known = cfg.minelib.best_known.get(kind) if cfg.minelib.path else None
        if cfg.minelib.path and known is None:
            known, other = published_best(cfg.minelib.name, kind, instance, prec)
            if other:
                out.console.print(f"{kind}: MineLib's published value not compared: this {cfg.minelib.name} has {other} "
                                  f"(+minelib.best_known.{kind}=... compares with a value of your own)")
        if known is not None:
            metric["best_known"] = row["best_known"] = float(known)
            # above 0: better than it, for a negative published value too (-90 against -100 read as -10 %)
            metric["vs_best_known"] = (metric["value"] / float(known) - 1.0) * math.copysign(1.0, known)
            out.console.print(f"{kind}: MineLib best known {known:,.0f} ({100 * metric['vs_best_known']:+.2f}%)")
        feasible &= bool(metric["feasible"])
        metrics[kind] = metric
        rows.append(row)
    out.table("blocks", pl.DataFrame(blocks))
    if period_rows:
        _write_periods(out, period_rows, [("value", "discounted value")] + labels)
    return metrics, rows, feasible


def _verify_solution(path: str, instance, prec, kind: str, out: Run) -> dict:
    """A solution file of ``kind`` (minelib.solutions) checked by the verifier every solve goes through: its NPV, and
    whether it meets the precedences, one period per block and the resource limits (the first breach said)."""
    from minectl.schedule.minelib import read_solution
    from minectl.schedule.verify import verify

    verdict = verify(instance, prec, read_solution(out.input_file(path), instance))
    breach = "feasible" if verdict.feasible else f"[red]infeasible: {verdict.problems[0]}[/red]"
    out.console.print(f"{kind}: solution {path}: NPV {verdict.npv:,.2f}, {verdict.blocks:,} blocks, {breach}")
    return {"value": verdict.npv, "blocks": verdict.blocks, "feasible": verdict.feasible}


def _minelib(cfg: Config, out: Run, problems: list[str]) -> tuple[dict, list[dict], bool]:
    import numpy as np

    from minectl.schedule import minelib

    folder = out.input_file(cfg.minelib.path)
    stem = folder / cfg.minelib.name
    prec = minelib.read_prec(_minelib_file(out, folder, cfg.minelib.name, "prec"))  # cycles: checked with the problems
    blocks = {"block": np.arange(prec.n_blocks)}
    xyz = None
    if cfg.minelib.blocks_file:
        _, xyz, _ = minelib.read_blocks(_minelib_file(out, folder, cfg.minelib.name, "blocks"), prec.n_blocks)
        blocks.update(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2])

    def instance_for(kind: str):
        return minelib.read_instance(_minelib_file(out, folder, cfg.minelib.name, kind), prec.n_blocks, kind)

    return _problems(cfg, out, problems, prec, instance_for, blocks, xyz, cfg.minelib.name, None,
                     {kind: f"{stem}.{kind}" for kind in ("prec", *PROBLEMS)})


def _minelib_file(out: Run, folder, name: str, suffix: str):
    """minelib.path's file ``name.suffix``, or ``name.suffix.gz`` (MineLib's downloads are gzipped), recorded as an
    input; when neither is there, what the folder has instead: minelib.name defaults to newman1, so a folder of kd
    files, or of Newman1.*, was "newman1.prec: not found" with no word on why."""
    path = folder / f"{name}.{suffix}"
    gzipped = path.with_name(f"{path.name}.gz")  # as MineLib's site serves them: read so
    for found in (path, gzipped):
        if found.exists() or found.is_symlink():  # a dangling link: refused by input_file in its words
            return out.input_file(found)
    what = {"prec": "the precedence file", "blocks": "the block coordinates (minelib.blocks_file=false: none)"}.get(
        suffix, f"the {suffix} instance (schedule.problems names it)")
    have = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == f".{suffix}" or p.name.lower().endswith(f".{suffix}.gz"))
    hint = f"; the folder has {', '.join(have[:5])}: set minelib.name to its name (file names are case-sensitive)" if have else ""
    raise DataError(f"{path}: not found; expected {what} of minelib.name={name} in minelib.path{hint}")


def _instance_periods(instance, solution, kind: str) -> list[dict]:
    from minectl.schedule.verify import verify

    check = verify(instance, _no_precedence(instance.n_blocks), solution)
    rows = []
    discount = instance.discounts()
    for t in range(instance.n_periods):
        now = solution.period == t
        row = {"plan": kind, "period": t, "blocks": int(now.sum()),
               "value": float((instance.objective[now] * solution.share[now]).sum() * discount[t])}
        row.update({f"resource_{r}": float(check.use[r, t]) for r in range(instance.n_resources)})
        rows.append(row)
    return rows


def _no_precedence(n: int):
    import numpy as np

    from minectl.schedule.minelib import Precedence

    return Precedence(np.zeros(n + 1, np.int64), np.zeros(0, np.int64))


def _write_periods(out: Run, rows: list[dict], quantities: list[tuple[str, str]]) -> None:
    import polars as pl

    from minectl.schedule.plots import periods_plot

    out.table("periods", pl.DataFrame(rows))
    present = [q for q in quantities if all(q[0] in row for row in rows)]
    out.plot("periods", periods_plot(rows, present))


def _model(cfg: Config):
    from minectl.schedule.blockmodel import Economics, generate

    with config_keys({name: f"synthetic.{name}" for name in OmegaConf.to_container(cfg.synthetic)}):
        params = OmegaConf.to_container(cfg.synthetic, resolve=True)
        params.pop("write_minelib")
        model = generate(seed=cfg.seed, **params)
    return model, Economics(**OmegaConf.to_container(cfg.economics, resolve=True))


def _synthetic(cfg: Config, out: Run, problems: list[str], price: float) -> tuple[dict, list[dict], bool]:
    import dataclasses

    import numpy as np

    from minectl.schedule.blockmodel import block_values, instance_of
    from minectl.schedule.minelib import Instance

    model, econ = _model(cfg)
    econ = dataclasses.replace(econ, price_per_oz=price)
    s = cfg.schedule
    values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, econ)
    moved = model.tonnes * (1 + model.dilution)
    mining_t = s.mining_share * float(model.tonnes.sum())
    instances = {kind: instance_of(f"synthetic_{kind}", values, moved, s.periods, mining_t, s.processing_share * mining_t,
                                   s.discount_rate, kind.upper()) for kind in ("cpit", "pcpsp")}
    instances["upit"] = Instance("synthetic", "UPIT", values.max(axis=1)[:, None])
    if cfg.synthetic.write_minelib:
        _write_minelib(out, model, instances)
    blocks = {"block": np.arange(model.n_blocks), "x": model.xyz[:, 0], "y": model.xyz[:, 1], "z": model.xyz[:, 2]}
    labels = [("resource_0", "tonnes moved"), ("resource_1", "tonnes processed")]
    return _problems(cfg, out, problems, model.prec, instances.get, blocks, model.xyz, "synthetic", labels,
                     {"prec": "the synthetic model", "upit": "the synthetic model (economics.*, synthetic.block_tonnes)"})


def _write_minelib(out: Run, model, instances: dict) -> None:
    from minectl.atomic import atomic_path
    from minectl.schedule import minelib

    with atomic_path(out.dir / "minelib", folder=True) as folder:
        minelib.write_prec(folder / "synthetic.prec", model.prec)
        minelib.write_blocks(folder / "synthetic.blocks", model.xyz, {"tonnes": model.tonnes, "grade": model.grade})
        for kind, instance in instances.items():
            minelib.write_instance(folder / f"synthetic.{kind}", instance)


def _surrogates(cfg: Config, out: Run):
    """The loop's estimators: those a run saved, from loop.surrogates_from (its files become inputs
    of this run; fitted on a model as large as this one at least), else built from their config nodes
    (checked against their classes before any work)."""
    from minectl.estimators import build
    from minectl.schedule.loop import Surrogates, check_extent, load_surrogates

    loop, seed = cfg.loop, cfg.seed

    roles = ("grade", "dilution", "burst", "heat") if loop.ventilation else ("grade", "dilution", "burst")
    if loop.surrogates_from:
        from minectl.data.sources import resolve_input
        from minectl.runfolder import check_plain_files
        from minectl.schedule.loop import MODELS_DIR

        folder = resolve_input(loop.surrogates_from)
        for role in roles:
            check_plain_files(folder / MODELS_DIR / role, f"the {role} surrogate a `minectl schedule` run saves in {MODELS_DIR}/{role}/")
        loaded = load_surrogates(folder, record=out.input_file, roles=roles)
        check_extent(loaded, _model(cfg)[0])
        out.console.print(f"loop: surrogates loaded from {loaded.loaded_from}, not fitted: " + ", ".join(
            f"{role} {type(getattr(loaded, role).estimator).__name__}" for role in roles))
        return loaded
    built = {name: build(loop[f"{name}_model"]._target_, OmegaConf.to_container(loop[f"{name}_model"].params, resolve=True),
                         f"loop.{name}_model", ("random_state",), random_state=seed) for name in roles}
    if not callable(getattr(built["burst"], "predict_proba", None)):
        raise ConfigError(f"loop.burst_model._target_: {loop.burst_model._target_} has no predict_proba; "
                          "expected a classifier of burst probability")
    if "heat" in built:
        from sklearn.base import is_regressor

        if not is_regressor(built["heat"]):
            raise ConfigError(f"loop.heat_model._target_: {loop.heat_model._target_} is not a regressor; "
                              "expected a regressor of rock temperature")
    return Surrogates(**built)


def _loop(cfg: Config, out: Run, price: float, surrogates) -> dict:
    import dataclasses

    import numpy as np
    import polars as pl

    from minectl.schedule.loop import compare, period_rows, save_surrogates, ventilation_figures
    from minectl.schedule.plots import cross_section_plot

    model, econ = _model(cfg)
    econ = dataclasses.replace(econ, price_per_oz=price)
    s, lp = cfg.schedule, cfg.loop
    with out.progress(3, "loop: plans (static, ML-fed, oracle)") as advance:
        plans, errors = compare(model, econ, s.periods, s.discount_rate, s.mining_share, s.processing_share, lp.holes, lp.history,
                                lp.risk_threshold, lp.defer_periods, _solver(s, lp.time_limit_s), cfg.seed, surrogates,
                                lp.ventilation_capacity if lp.ventilation else None, advance)
    not_saved = save_surrogates(surrogates, out.dir, model)  # fitted by compare (or loaded): a later run may load them
    if not_saved:
        out.console.print("loop: not saved in models/: " + "; ".join(f"{role} ({why})" for role, why in not_saved.items()))
    by_name = {plan.name: plan for plan in plans}
    rows = [r for plan in plans for r in period_rows(model, plan, econ, s.periods, s.discount_rate)]
    out.table("loop_periods", pl.DataFrame(rows))
    out.plot("loop_periods", _loop_plot(rows, lp.ventilation))
    static, ml = by_name["static"].result.solution.period, by_name["ml"].result.solution.period
    comparison = pl.DataFrame([{
        "plan": plan.name, "npv_true": plan.true_npv, "npv_planned": plan.planned_npv, "plan_error": plan.planned_npv - plan.true_npv,
        "blocks_mined": int((plan.result.solution.period >= 0).sum()),
        "processed": int((plan.process & (plan.result.solution.period >= 0)).sum()),
        "seconds": plan.result.seconds, "feasible_as_planned": plan.result.feasible,
        "grade_rmse": errors["grade_rmse"].get(plan.name, 0.0), "dilution_mae": errors["dilution_mae"].get(plan.name, 0.0),
        "burst_mae": errors["burst_mae"].get(plan.name, 0.0),
        **({"heat_mae": errors["heat_mae"].get(plan.name, 0.0)} if lp.ventilation else {})} for plan in plans])
    out.table("comparison", comparison)
    blocks = {"block": np.arange(model.n_blocks), "grade_true": model.grade, "dilution_true": model.dilution,
              "burst_true": model.burst_probability}
    if lp.ventilation:
        blocks.update(temperature_true=model.temperature, cooling_true_mwh=model.cooling_mwh)
    for plan in plans:
        blocks[f"period_{plan.name}"] = plan.result.solution.period
        if plan.name != "oracle":
            blocks.update({f"grade_{plan.name}": plan.estimates.grade, f"dilution_{plan.name}": plan.estimates.dilution,
                           f"burst_{plan.name}": plan.estimates.burst})
            if lp.ventilation:
                blocks[f"temperature_{plan.name}"] = plan.estimates.temperature
    out.table("loop_blocks", pl.DataFrame(blocks))
    out.plot("section_loop_ml", cross_section_plot(model.xyz, ml, s.periods, "ML-fed plan"))
    gain = by_name["ml"].true_npv - by_name["static"].true_npv
    if any(plan.result.time_limited for plan in plans):
        out.console.print(TIME_LIMITED.format(what="loop (a plan)"))
    for plan in plans:
        for line in plan.result.skipped:
            out.console.print(f"[yellow]loop ({plan.name} plan): {line}[/yellow]")
    out.console.print(f"ML-fed vs static on the ground truth: NPV {by_name['ml'].true_npv:,.0f} vs {by_name['static'].true_npv:,.0f} "
                      f"({gain:+,.0f}); oracle {by_name['oracle'].true_npv:,.0f}; {int((static != ml).sum())} blocks change period")
    ventilation = {}
    if lp.ventilation:
        ventilation = {"ventilation": ventilation_figures(rows)}
        over, excess = ventilation["ventilation"]["over_capacity_periods"], ventilation["ventilation"]["excess_mwh"]
        out.console.print("true cooling demand above each plan's capacity: " + ", ".join(
            f"{name} {over[name]} of {s.periods} periods ({excess[name]:,.0f} MWh)" for name in over)
            + f"; rock temperature MAE static {errors['heat_mae']['static']:.2f} C, ML {errors['heat_mae']['ml']:.2f} C")
    return {
        "npv_true": {plan.name: plan.true_npv for plan in plans},
        "npv_planned": {plan.name: plan.planned_npv for plan in plans},
        "ml_gain": gain,
        "changed_period": int((static != ml).sum()),
        "feasible": all(plan.result.feasible for plan in plans),  # each plan on its own inputs
        "time_limited": int(any(plan.result.time_limited for plan in plans)),
        "memory_limited": int(any(plan.result.skipped for plan in plans)),
        **{k: v for k, v in errors.items()},
        **ventilation,
    }


def _forecast_path(cfg: Config, out: Run) -> list[float]:
    """The forecast run's prices from price.month on, one per period, relative to the first."""
    if not cfg.price.forecast_table:
        return []
    import polars as pl

    table = pl.read_parquet(out.input_file(cfg.price.forecast_table))  # checked by _price already
    model = cfg.price.model or table["model"][0]
    rows = _forecast_rows(table, model)[cfg.price.month - 1:][: cfg.schedule.periods]
    if rows.height < cfg.schedule.periods:
        return []
    # a schedule period has no length of its own: the forecast's months are taken as the periods, which the discount
    # rate per period then discounts (8 % a month, unless set for months), where a user may think of periods as years
    months = f" ({rows['date'][0]} to {rows['date'][-1]})" if "date" in rows.columns else ""
    rate = cfg.schedule.discount_rate
    first, last = cfg.price.month, cfg.price.month + rows.height - 1
    out.warn(f"rolling re-plan: periods 1-{rows.height} priced at {model}'s forecast months {first}-{last}{months}: a period is "
             f"taken as a month, discounted at schedule.discount_rate={rate:g} a period, i.e. a month ({(1 + rate) ** 12 - 1:.0%} "
             f"a year; {rate:g} a year is schedule.discount_rate={(1 + rate) ** (1 / 12) - 1:.4f})")
    prices = rows["forecast"].to_list()
    return [p / prices[0] for p in prices]


def _forecast_rows(table, model: str):
    """A model's rows of a forecast table, month 1 first: by date where the table has one (a table in
    another order, concatenated or edited, gave its first row as month 1), each date once (a month
    appended twice made price.month=3 the second month's price, unsaid)."""
    import polars as pl

    from minectl.data.values import repeated_key

    rows = table.filter(pl.col("model") == model)
    if "date" not in rows.columns:
        return rows
    repeated = repeated_key(rows, ["date"])
    if repeated:
        raise DataError(f"price.forecast_table: {model}'s date {repeated['date']} in two rows; expected one forecast a month "
                        "(a table appended twice?)")
    return rows.sort("date", maintain_order=True)


def _replan(cfg: Config, out: Run, price: float, path: list[float]) -> dict:
    import dataclasses

    import polars as pl

    from minectl.schedule.loop import rolling_replan
    from minectl.schedule.plots import periods_plot

    model, econ = _model(cfg)
    s = cfg.schedule
    mining_t = s.mining_share * float(model.tonnes.sum())
    with out.progress(1 + len(path), "rolling re-plan: plans") as advance:  # the fixed plan and one a period
        rows, plans = rolling_replan(model, dataclasses.replace(econ, price_per_oz=price), path, s.discount_rate, mining_t,
                              s.processing_share * mining_t, _solver(s, cfg.loop.replan_time_limit_s), cfg.seed,
                              cfg.loop.ventilation_capacity if cfg.loop.ventilation else None, advance)
    out.table("replan", pl.DataFrame(rows))
    out.plot("replan", periods_plot(rows, [("price", "price per oz"), ("blocks", "blocks mined"), ("cash", "cash flow (true)")]))
    npv = {plan: sum(r["discounted"] for r in rows if r["plan"] == plan) for plan in ("fixed", "rolling")}
    out.console.print(f"rolling re-plan at the prices that came: NPV {npv['rolling']:,.0f} vs {npv['fixed']:,.0f} for the plan "
                      f"fixed at the first price ({npv['rolling'] - npv['fixed']:+,.0f})")
    if any(plan.time_limited for plan in plans):  # each re-plan has its own clock, loop.replan_time_limit_s
        out.console.print(TIME_LIMITED.format(what="rolling re-plan (a plan)"))
    skipped = [plan.skipped[0] for plan in plans if plan.skipped]
    if skipped:  # one line for up to one plan a period
        out.console.print(f"[yellow]rolling re-plan: {len(skipped)} of {len(plans)} plans skipped a part; the first: {skipped[0]}[/yellow]")
    return {"npv": npv, "gain": npv["rolling"] - npv["fixed"], "periods": len(path),
            "time_limited": int(any(plan.time_limited for plan in plans)), "memory_limited": int(bool(skipped))}


def _loop_plot(rows: list[dict], ventilation: bool):
    from minectl.schedule.plots import periods_plot

    quantities = [("moved_t", "tonnes moved (true)"), ("metal_oz", "recovered oz (true)"), ("cash_true", "cash flow (true)")]
    cooling = [("cooling_load", "true cooling demand / capacity")]  # above 1: the ventilation is overloaded
    return periods_plot(rows, quantities + cooling if ventilation else quantities)


def _stope(cfg: Config, out: Run, price: float, median: float, sigma: float) -> dict:
    import polars as pl

    from minectl.schedule.stope import extension, probability_pays

    params = OmegaConf.to_container(cfg.stope, resolve=True)
    params.pop("enabled")
    ext = extension(price_per_oz=price, **params)
    # the chance under the price's distribution, median and all: with price.statistic=lower the lower bound of a 90 %
    # interval was taken as the median, P(pays) 0.902 where the forecast's lognormal gives 0.998
    probability = probability_pays(ext.breakeven_price, median, sigma)
    pays = math.isfinite(ext.breakeven_price)  # no recovered ounce (grade 0): no price pays, and no breakeven to write
    figures = {"tonnes": ext.tonnes, "ounces": ext.ounces, "in_situ_value": ext.in_situ_value, "net_value": ext.net_value,
               "breakeven_price": ext.breakeven_price if pays else None, "probability_pays": probability, "price_sigma": sigma}
    out.table("stope", pl.DataFrame([figures], schema_overrides={"breakeven_price": pl.Float64}))
    breakeven = f"US${ext.breakeven_price:,.0f}/oz" if pays else "none (no recovered ounces: never pays)"
    out.console.print(f"stope extension per {cfg.stope.length_m:g} m: {ext.tonnes:,.1f} t, {ext.ounces:.1f} oz, in situ "
                      f"US${ext.in_situ_value:,.0f} at US${price:,.0f}/oz; net US${ext.net_value:,.0f}, breakeven "
                      f"{breakeven}, P(pays) {probability:.3f}")
    return figures
