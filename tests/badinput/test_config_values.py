"""Every config value is checked before any work: declared ranges, unknown keys, estimator params.

The ranges are declared once next to each default (minectl/constraints.py); each case below is
refused in one line naming the key, the value and what was expected, in a single run and as
the second value of a `-m` sweep (no job runs), and leaves no result behind.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing

import pytest
from harness import assert_refused

from minectl import cli
from minectl.constraints import Range, at_least, between, check_value, finite, finite_nonneg, greater_than, schema_at, unknown_key
from minectl.errors import ConfigError
from minectl.tasks import TASKS, schemas

# ----------------------------------------------------------------------- the helpers, by hand


@pytest.mark.parametrize(
    "rng, inside, outside",
    [
        (Range(0, 1), [0, 0.5, 1, -0.0], [-1e-9, 1.000001, math.nan, math.inf]),
        (Range(0, 1, "neither"), [1e-12, 0.5, 0.999999], [0, 1, -0.1]),
        (Range(0, 1, "left"), [0, 0.999], [1, 1.5]),
        (Range(0, 1, "right"), [1, 1e-9], [0, -1]),
        (Range(1, None), [1, 2, 10**12], [0, 0.999, math.inf]),
        (Range(0, None, "neither"), [1e-300, 5.0], [0, -1, math.nan]),
        (Range(), [-1e300, 0, 1e300], [math.nan, math.inf, -math.inf]),
    ],
)
def test_a_range_holds_its_ends_as_declared(rng, inside, outside):
    assert [value in rng for value in inside] == [True] * len(inside)
    assert [value in rng for value in outside] == [False] * len(outside)


@pytest.mark.parametrize(
    "rng, text",
    [(Range(0, 1), "in [0, 1]"), (Range(0, 1, "neither"), "in (0, 1)"), (Range(0, 0.5, "left"), "in [0, 0.5)"),
     (Range(-1, 1, "right"), "in (-1, 1]"), (Range(1, None), ">= 1"), (Range(0, None, "neither"), "> 0"),
     (Range(None, 3), "<= 3"), (Range(), ""), (Range(0, 2**32 - 1), "in [0, 4294967295]"), (Range(1e-6, None, "neither"), "> 1e-06")],
)
def test_a_range_says_itself(rng, text):
    assert str(rng) == text


def test_a_range_refuses_an_unknown_closedness():
    with pytest.raises(ValueError, match="closed='open'"):
        Range(0, 1, "open")


def test_the_field_helpers_keep_the_default_next_to_the_range():
    @dataclasses.dataclass
    class Params:
        share: float = between(0, 1, default=0.2, closed="neither")
        count: int = at_least(1, default=30)
        scale: float = greater_than(0, default=2.0)
        price: float = finite_nonneg(default=3.5)
        coefs: typing.List[float] = finite(default_factory=lambda: [1.0, -2.0])

    fields = {f.name: f for f in dataclasses.fields(Params)}
    assert Params() == Params(0.2, 30, 2.0, 3.5, [1.0, -2.0])
    assert [fields[name].metadata["range"] for name in fields] == [
        Range(0, 1, "neither"), Range(1, None), Range(0, None, "neither"), Range(0, None), Range()]


@pytest.mark.parametrize(
    "value, rng, message",
    [
        (1.5, Range(0, 1), "optimizer.crossover_prob=1.5 is out of range; expected a number in [0, 1]"),
        (0, Range(1, None), "risk.importance.n_repeats=0 is out of range; expected an integer >= 1"),
        (-10.0, Range(0, None), "optimize.decision.price=-10.0 is out of range; expected a finite number >= 0"),
        (math.inf, Range(0, None), "optimize.decision.price=inf is out of range; expected a finite number >= 0"),
        (math.nan, Range(), "optimize.decision.price=nan is out of range; expected a finite number"),
    ],
)
def test_a_value_out_of_range_names_key_value_and_range(value, rng, message):
    key = message.split("=", 1)[0]
    with pytest.raises(ConfigError) as caught:
        check_value(key, value, rng)
    assert str(caught.value) == message


def test_values_in_range_and_nulls_pass():
    for value in (0, 1, 0.5, None, True, "text"):
        check_value("k", value, Range(0, 1))


def test_an_unknown_key_gets_the_closest_known_one():
    assert unknown_key("optimizer.crossover_probb", ["n_gen", "crossover_prob", "pop_size"]) == (
        "optimizer.crossover_probb: unknown key (did you mean 'crossover_prob'?); expected one of: crossover_prob, n_gen, pop_size")
    assert unknown_key("model.params.zzz", ["C", "tol"], "parameter of 'svm'") == (
        "model.params.zzz: unknown parameter of 'svm'; expected one of: C, tol")


def test_schema_at_follows_maps_lists_and_optionals():
    optimize, forecast, demo = (schemas()[name] for name in ("optimize", "forecast", "demo"))
    assert schema_at(optimize, "optimize.variables.any_name").__name__ == "Bounds"
    assert schema_at(optimize, "optimize.objectives.0").__name__ == "ObjectiveConfig"
    assert schema_at(forecast, "forecaster.arima").__name__ == "ForecasterConfig"
    assert schema_at(demo, "data.synthetic").__name__ == "SynthConfig"
    assert schema_at(forecast, "forecaster.arima.params") is None  # an open map
    assert schema_at(optimize, "no.such.node") is None


# ----------------------------------------------------------------------- every key states its range


def _numeric(tp: typing.Any) -> bool:
    """int/float, also inside Optional, List and Dict (bool is a choice, not a number)."""
    if tp in (int, float):
        return True
    return any(_numeric(arg) for arg in typing.get_args(tp) if arg is not str)


def _walk(schema: type, seen: set) -> typing.Iterator[tuple[type, dataclasses.Field, typing.Any]]:
    if schema in seen:
        return
    seen.add(schema)
    hints = typing.get_type_hints(schema)
    for spec in dataclasses.fields(schema):
        yield schema, spec, hints[spec.name]
        for inner in [hints[spec.name], *typing.get_args(hints[spec.name])]:
            for tp in [inner, *typing.get_args(inner)]:
                if dataclasses.is_dataclass(tp):
                    yield from _walk(tp, seen)


_SEEN: set = set()  # demo shares the cost schema; each node schema is walked once
ALL_FIELDS = [(f"{schema.__module__.rsplit('.', 1)[-1]}.{schema.__name__}.{spec.name}", spec, tp)
              for config in schemas().values() for schema, spec, tp in _walk(config, _SEEN)]
NUMERIC = [(name, spec) for name, spec, tp in ALL_FIELDS if _numeric(tp)]


def test_the_schemas_have_numeric_keys_to_check():
    assert len(NUMERIC) > 100  # the walk reaches every task's nested schemas


@pytest.mark.parametrize("name, spec", NUMERIC, ids=[name for name, _ in NUMERIC])
def test_every_numeric_key_declares_a_range_its_default_lies_in(name, spec):
    assert "range" in spec.metadata, f"{name}: declare its range (minectl.constraints)"
    rng = spec.metadata["range"]
    default = spec.default_factory() if spec.default_factory is not dataclasses.MISSING else spec.default
    if isinstance(default, (int, float)):
        default = [default]
    elif isinstance(default, dict):
        default = list(default.values())
    elif not isinstance(default, list):  # MISSING or None: set by the config
        default = []
    assert all(value in rng for value in default), f"{name}: default {default} outside {rng}"


# ----------------------------------------------------------------------- refused on the command line

CASES = [
    # demo / cost: counts, windows, thresholds, the synthetic mine, unknown keys at each depth
    ("demo", ["cost.rolling_window=0"], "cost.rolling_window=0 is out of range; expected an integer >= 1"),
    ("demo", ["cost.z_threshold=nan"], "cost.z_threshold=nan is out of range; expected a finite number > 0"),
    ("demo", ["data.synthetic.missing_rate=0.9"], "data.synthetic.missing_rate=0.9 is out of range; expected a number in [0, 0.5]"),
    ("demo", ["seed=-1"], "seed=-1 is out of range; expected an integer in [0, 4294967295]"),
    ("demo", ["seed=4294967296"], "seed=4294967296 is out of range; expected an integer in [0, 4294967295]"),
    ("demo", ["cost.outlier_windw=5"], "cost.outlier_windw: unknown key (did you mean 'outlier_window'?); expected one of: "),
    ("demo", ["+cost.outlier_windw=5"], "cost.outlier_windw: unknown key (did you mean 'outlier_window'?)"),
    ("demo", ["+data.synthetic.mine=3"], "data.synthetic.mine: unknown key (did you mean 'mines'?)"),
    ("demo", ["+colour=red"], "colour: unknown key; expected one of: cost, costs, data, objective, report, seed, task_name"),
    ("cost", ["cost.top_anomalies=-1"], "cost.top_anomalies=-1 is out of range; expected an integer >= 0"),
    ("cost", ["cost.event_downtime_h=-inf"], "cost.event_downtime_h=-inf is out of range; expected a finite number >= 0"),
    # risk: the mask fraction, importance repeats and test fraction; lists; estimator params
    ("risk", ["risk.robustness.mask_fraction=1.5"], "risk.robustness.mask_fraction=1.5 is out of range; expected a number in [0, 1)"),
    ("risk", ["risk.importance.n_repeats=0"], "risk.importance.n_repeats=0 is out of range; expected an integer >= 1"),
    ("risk", ["risk.test_fraction=-0.1"], "risk.test_fraction=-0.1 is out of range; expected a number in (0, 1)"),
    ("risk", ["risk.val_fraction=1"], "risk.val_fraction=1.0 is out of range; expected a number in (0, 1)"),
    ("risk", ["risk.lead_times=[0,-1]"], "risk.lead_times[1]=-1 is out of range; expected an integer >= 0"),
    ("risk", ["risk.thresholds.values=[0.3,1.2]"], "risk.thresholds.values[1]=1.2 is out of range; expected a number in [0, 1]"),
    ("risk", ["risk.labels.levels=6"], "risk.labels.levels=6 is out of range; expected an integer in [2, 5]"),
    ("risk", ["risk.robustness.mask_fractin=0.2"], "risk.robustness.mask_fractin: unknown key (did you mean 'mask_fraction'?)"),
    ("risk", ["model.params.n_estimatorss=3"], "model.params.n_estimatorss: unknown parameter of LSTMRandomForestClassifier (did you mean 'n_estimators'?)"),
    ("risk", ["model=rf", "+model.params.max_dept=3"], "model.params.max_dept: unknown parameter of RandomForestClassifier (did you mean 'max_depth'?)"),
    ("risk", ["model=lstm", "+model.params.random_state=1"], "model.params.random_state: a parameter of LSTMClassifier that the task sets itself (from seed or its own settings)"),
    # uncertainty: confidence levels, counts, risk aversion, optional ints, costs
    ("uncertainty", ["uncertainty.confidence=1"], "uncertainty.confidence=1.0 is out of range; expected a number in (0, 1)"),
    ("uncertainty", ["uncertainty.risk_level=nan"], "uncertainty.risk_level=nan is out of range; expected a number in (0, 1)"),
    ("uncertainty", ["uncertainty.n_resamples=0"], "uncertainty.n_resamples=0 is out of range; expected an integer >= 1"),
    ("uncertainty", ["uncertainty.alpha=-1.5"], "uncertainty.alpha=-1.5 is out of range; expected a number in [-1, 1]"),
    ("uncertainty", ["uncertainty.block_length=0"], "uncertainty.block_length=0 is out of range; expected an integer >= 1"),
    ("uncertainty", ["implied_cost.operating_hours=-5"], "implied_cost.operating_hours=-5.0 is out of range; expected a finite number >= 0"),
    ("uncertainty", ["+uncertainty.confidense=0.9"], "uncertainty.confidense: unknown key (did you mean 'confidence'?)"),
    # capacity: fractions, confidence, list elements (inf, nan), costs, windows
    ("capacity", ["limits.loss=1"], "limits.loss=1.0 is out of range; expected a number in [0, 1)"),
    ("capacity", ["revenue.confidence=0"], "revenue.confidence=0.0 is out of range; expected a number in (0, 1)"),
    ("capacity", ["limits.link_capacities_m3_a=[1e6,inf]"], "limits.link_capacities_m3_a[1]=inf is out of range; expected a finite number > 0"),
    ("capacity", ["revenue.price_coefs=[300,nan]"], "revenue.price_coefs[1]=nan is out of range; expected a finite number"),
    ("capacity", ["limits.variable_unit_cost=-1"], "limits.variable_unit_cost=-1.0 is out of range; expected a finite number >= 0"),
    ("capacity", ["rolling.last=1"], "rolling.last=1 is out of range; expected an integer >= 2"),
    ("capacity", ["+revenue.dead_bend=0.1"], "revenue.dead_bend: unknown key (did you mean 'dead_band'?)"),
    # optimize: the crossover probability and negative decision price; maps; surrogate params
    ("optimize", ["optimizer.crossover_prob=1.5"], "optimizer.crossover_prob=1.5 is out of range; expected a number in [0, 1]"),
    ("optimize", ["optimize.decision.price=-10"], "optimize.decision.price=-10.0 is out of range; expected a finite number >= 0"),
    ("optimize", ["optimizer.pop_size=2"], "optimizer.pop_size=2 is out of range; expected an integer >= 4"),
    ("optimize", ["optimize.robustness.outlier_share=-0.1"], "optimize.robustness.outlier_share=-0.1 is out of range; expected a number in [0, 1]"),
    ("optimize", ["optimize.decision.weights_at_low.ore_t=nan"], "optimize.decision.weights_at_low.ore_t=nan is out of range; expected a finite number >= 0"),
    ("optimize", ["optimize.variables.pillar_height_m.low=-inf"], "optimize.variables.pillar_height_m.low=-inf is out of range; expected a finite number"),
    ("optimize", ["doe.levels.pillar_height_m=1"], "doe.levels.pillar_height_m=1 is out of range; expected an integer >= 2"),
    ("optimize", ["simulator.pim.subsidence_factor=0"], "simulator.pim.subsidence_factor=0.0 is out of range; expected a finite number > 0"),
    ("optimize", ["optimizer.crossover_probb=0.5"], "optimizer.crossover_probb: unknown key (did you mean 'crossover_prob'?)"),
    ("optimize", ["+optimizer.crossover_probb=0.5"], "optimizer.crossover_probb: unknown key (did you mean 'crossover_prob'?)"),
    ("optimize", ["+simulator.pim.depth=3"], "simulator.pim.depth: unknown key (did you mean 'depth_m'?)"),
    ("optimize", ["++optimizer.foo=1"], "optimizer.foo: unknown key; expected one of: compare_direct, crossover_eta, "),
    ("optimize", ["+optimize.objectives.0.weight=1"], "optimize.objectives[0].weight: unknown key; expected one of: response, sense"),
    ("optimize", ["+optimize.variables.pillar_height_m.mid=3"], "optimize.variables.pillar_height_m.mid: unknown key; expected one of: high, low"),
    ("optimize", ["+optimize.constraints.0.limitt=1"], "optimize.constraints[0].limitt: unknown key (did you mean 'limit'?)"),
    ("optimize", ["+optimize.decision.foo.bar=1"], "optimize.decision.foo: unknown key; expected one of: high_price, low_price, "),
    ("optimize", ["surrogate.params.n_estimatorz=5"], "surrogate.params.n_estimatorz: unknown parameter of LightGBMRegressor (did you mean 'n_estimators'?)"),
    ("optimize", ["+surrogate.params.learning_rte=0.1"], "surrogate.params.learning_rte: unknown parameter of LightGBMRegressor (did you mean 'learning_rate'?)"),
    ("optimize", ["surrogate=rf", "+surrogate.params.max_featurs=2"], "surrogate.params.max_featurs: unknown parameter of RandomForestRegressor (did you mean 'max_features'?)"),
    ("optimize", ["+surrogate.params.random_state=3"], "surrogate.params.random_state: a parameter of LightGBMRegressor that the task sets itself (from seed or its own settings)"),
    # forecast: levels, list elements, forecaster params with and without +
    ("forecast", ["forecast.interval_level=1"], "forecast.interval_level=1.0 is out of range; expected a number in (0, 1)"),
    ("forecast", ["forecast.backtest_horizons=[1,0]"], "forecast.backtest_horizons[1]=0 is out of range; expected an integer >= 1"),
    ("forecast", ["forecaster.naive.refit_every=0"], "forecaster.naive.refit_every=0 is out of range; expected an integer >= 1"),
    ("forecast", ["forecaster.arima.params.ordr=[1,1,0]"], "forecaster.arima.params.ordr: unknown parameter of ArimaForecaster (did you mean 'order'?)"),
    ("forecast", ["+forecaster.lstm.params.hiden_size=8"], "forecaster.lstm.params.hiden_size: unknown parameter of LSTMForecaster (did you mean 'hidden_size'?)"),
    ("forecast", ["+forecaster.seasonal_naive.params.season=3"], "forecaster.seasonal_naive.params.season: unknown parameter of SeasonalNaiveForecaster (did you mean 'season_length'?)"),
    ("forecast", ["+forecast.horizn=3"], "forecast.horizn: unknown key (did you mean 'horizon'?)"),
    # estimator parameter values: each estimator's own declared constraints (scikit-learn's
    # _parameter_constraints; minectl's table for LightGBM; the forecasters' check_params)
    ("risk", ["model=lr", "model.params.C=-1"], "model.params.C=-1 is invalid for LogisticRegression; expected a float in the range (0.0, inf]"),
    ("risk", ["model=svm", "model.params.C=0"], "model.params.C=0 is invalid for SVMClassifier; expected a float in the range (0.0, inf]"),
    ("risk", ["model=svm", "model.params.calibration_cv=1"], "model.params.calibration_cv=1 is invalid for SVMClassifier; expected an int in the range [2, inf)"),
    ("risk", ["model=rf", "model.params.n_estimators=0"], "model.params.n_estimators=0 is invalid for RandomForestClassifier; expected an int in the range [1, inf)"),
    ("risk", ["model=rf", "model.params.max_depth=abc"], "model.params.max_depth='abc' is invalid for RandomForestClassifier"),
    ("risk", ["model=lightgbm", "model.params.learning_rate=-0.1"], "model.params.learning_rate=-0.1 is invalid for LightGBMClassifier; expected a float in the range (0.0, inf)"),
    ("risk", ["model=lightgbm", "model.params.subsample=1.5"], "model.params.subsample=1.5 is invalid for LightGBMClassifier; expected a float in the range (0.0, 1.0]"),
    ("risk", ["model=lightgbm", "model.params.num_leaves=1"], "model.params.num_leaves=1 is invalid for LightGBMClassifier; expected an int in the range [2, 131072]"),
    ("risk", ["model=lstm", "model.params.dropout=1.5"], "model.params.dropout=1.5 is invalid for LSTMClassifier; expected a float in the range [0.0, 1.0)"),
    ("risk", ["model=lstm", "model.params.device=tpu"], "model.params.device='tpu' is invalid for LSTMClassifier; expected a str among {"),
    ("risk", ["model.params.n_estimators=0"], "model.params.n_estimators=0 is invalid for LSTMRandomForestClassifier; expected an int in the range [1, inf)"),
    ("optimize", ["surrogate.params.learning_rate=0"], "surrogate.params.learning_rate=0 is invalid for LightGBMRegressor; expected a float in the range (0.0, inf)"),
    ("optimize", ["surrogate=rf", "+surrogate.params.max_features=7.5"], "surrogate.params.max_features=7.5 is invalid for RandomForestRegressor"),
    ("optimize", ["surrogate=extra_trees", "surrogate.params.n_estimators=-2"], "surrogate.params.n_estimators=-2 is invalid for ExtraTreesRegressor"),
    ("forecast", ["forecaster=[naive,lstm]", "forecaster.lstm.params.dropout=2"], "forecaster.lstm.params.dropout: expected a value in [0, 1), got 2"),
    ("forecast", ["forecaster=[naive,seasonal_naive]", "forecaster.seasonal_naive.params.season_length=0"], "forecaster.seasonal_naive.params.season_length: expected an integer >= 1, got 0"),
    ("forecast", ["forecaster=[naive,arima]", "forecaster.arima.params.trend=x"], "forecaster.arima.params.trend: expected one of n, c, t, ct; got 'x'"),
    # names from a fixed set (constraints.one_of): a value, a list's element
    ("schedule", ["price.statistic=median"], "price.statistic='median'; expected one of forecast, lower, upper"),
    ("schedule", ["schedule.problems=[cpit,ucpit]"], "schedule.problems[1]='ucpit'; expected one of upit, cpit, pcpsp"),
    ("factors", ["factors.kge.device=gpu"], "factors.kge.device='gpu'; expected one of cpu, cuda, auto"),
    # a table source is a structured entry: OmegaConf takes a new one only from a config file
    ("cost", ["data=duckdb", "data.path=x.duckdb", "+data.tables.labels={kind:csv,path:l.csv}"],
     "+data.tables.labels: a TableSource entry cannot be written on the command line; expected it in a config file"),
    ("cost", ["data=duckdb", "data.path=x.duckdb", "data.tables.labels.kind=csv"],
     "Key 'labels' is not in struct; expected an existing table of the data config (a new table goes in a data config file: -cd DIR data=NAME)"),
]


def _id(case) -> str:
    task, overrides, _ = case
    return f"{task}:{' '.join(overrides)}"


@pytest.mark.parametrize("task, overrides, expect", CASES, ids=[_id(c) for c in CASES])
def test_a_bad_value_or_key_is_refused_before_any_work(task, overrides, expect, tmp_path):
    run_dir = tmp_path / "run"
    assert_refused([task, *overrides, f"hydra.run.dir={run_dir}"], expect, run_dir=run_dir)
    assert not run_dir.exists()  # refused before Hydra made the run folder


SWEEPS = [
    ("optimize", "optimizer.crossover_prob=0.5,1.5", [], "optimizer.crossover_prob=1.5 is out of range"),
    ("risk", "risk.test_fraction=0.2,-0.1", [], "risk.test_fraction=-0.1 is out of range"),
    ("risk", "model=rf,lr", ["+model.params.min_samples_split=4"], "model.params.min_samples_split: unknown parameter of LogisticRegression"),
    ("demo", "cost.rolling_window=7,0", [], "cost.rolling_window=0 is out of range"),
    ("forecast", "forecaster.naive.refit_every=1,0", [], "forecaster.naive.refit_every=0 is out of range"),
    ("uncertainty", "uncertainty.confidence=0.9,nan", [], "uncertainty.confidence=nan is out of range"),
    ("capacity", "limits.loss=0.03,1.5", [], "limits.loss=1.5 is out of range"),
    ("schedule", "schedule.relaxation=lp,dual", [], "schedule.relaxation='dual'; expected one of auto, lp, lagrangian"),
    # choices and relations a task checks itself (its `check`), before any job too
    ("demo", "cost.period=day,fortnight", [], "cost.period='fortnight'; expected one of day, week, month, quarter, year"),
    ("uncertainty", "uncertainty.method=basic,bootstrap", [], "uncertainty.method='bootstrap'; expected one of percentile, basic, bca"),
    ("optimize", "doe.kind=lhs,grid", [], "doe.kind: 'grid' is unknown; expected one of: full_factorial, lhs, sobol"),
    ("optimize", "optimizer.sampling=lhs,halton", [], "optimizer.sampling: 'halton' is unknown; expected one of: lhs, random"),
    ("risk", "risk.split=chronological,random", [], "risk.split: 'random'; expected chronological or cv"),
    ("forecast", "forecast.backtest_horizons=[1,3],[3,6]", [], "forecast.backtest_horizons: expected horizons in 1..forecast.backtest_months"),
    ("capacity", "revenue.price_range=[-0.1,0.1],[0.1]", [], "revenue.price_range: expected [lower, upper] fractions, got [0.1]"),
    ("extract", "factors.extract.levels=5,7", ["debug=quick"], "factors.extract.levels=7; expected one of 1, 5, 32, 224"),
    ("factors", "factors.ranking.embedding_model=null,rotate", ["debug=quick", "factors.kge.models=[transe]"],
     "factors.ranking.embedding_model='rotate' is not trained"),
    ("schedule", "schedule.relaxation=lp,lagrangian", ["schedule.problems=[pcpsp]"],
     "schedule.relaxation=lagrangian needs one destination per block"),
]


@pytest.mark.parametrize("task, sweep, fixed, expect", SWEEPS, ids=[f"{t}:{s}" for t, s, _, _ in SWEEPS])
def test_a_bad_second_sweep_value_stops_the_sweep_before_any_job(task, sweep, fixed, expect, tmp_path):
    sweep_dir = tmp_path / "sweep"
    assert_refused([task, "-m", sweep, *fixed, f"hydra.sweep.dir={sweep_dir}"], expect, run_dir=sweep_dir)
    assert not sweep_dir.exists()  # no job ran


def test_a_typo_in_a_config_file_gets_the_schema_keys(tmp_path):
    config_dir = tmp_path / "conf"
    (config_dir / "optimizer").mkdir(parents=True)
    (config_dir / "optimizer" / "mine.yaml").write_text("pop_size: 10\ncrossover_probb: 0.5\n")
    assert_refused(["optimize", "-cd", config_dir, "optimizer=mine", f"hydra.run.dir={tmp_path / 'run'}"],
                   "optimizer/mine: optimizer.crossover_probb: unknown key (did you mean 'crossover_prob'?)",
                   inputs=[config_dir], run_dir=tmp_path / "run")


def test_an_open_map_key_is_not_refused_for_being_new(tmp_path):
    # a new resource is an entry of an open map (checked by the cost mapping), not a schema key
    assert_refused(["demo", "+costs.resources.water={unit:m3,category:material}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "costs.resources.water.price: missing", run_dir=tmp_path / "run")


def test_the_job_checks_a_config_that_skipped_the_pre_check(tmp_path, monkeypatch):
    # e.g. a sweeper's sampled value: the engine checks the config before the task starts
    monkeypatch.setattr(cli, "precheck", lambda *args, **kwargs: None)
    run_dir = tmp_path / "run"
    assert_refused(["optimize", "optimizer.crossover_prob=1.5", f"hydra.run.dir={run_dir}"],
                   "optimizer.crossover_prob=1.5 is out of range; expected a number in [0, 1]", run_dir=run_dir)
    status = json.loads((run_dir / "status.json").read_text())
    assert status == {"status": "failed", "error": "optimizer.crossover_prob=1.5 is out of range; expected a number in [0, 1]"}


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_shipped_default_config_passes_the_check(task):
    from hydra import compose, initialize_config_module

    from minectl.config import register_schemas
    from minectl.constraints import check_config

    register_schemas(schemas())
    with initialize_config_module("minectl.conf", version_base=None):
        check_config(compose(task))


def test_the_cost_daily_dataset_asks_for_its_run_folder(tmp_path):
    """Its path was outputs/cost/latest/..., a folder no run writes: "input not found"."""
    assert_refused(["uncertainty", "dataset=cost_daily", f"hydra.run.dir={tmp_path / 'run'}"],
                   "missing value for 'dataset.path': set it with dataset.path=...", run_dir=tmp_path / "run")
