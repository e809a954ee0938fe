"""Round 19, the lead's own cases: defects left by earlier rounds."""

from __future__ import annotations

import pytest
from harness import assert_refused

from minectl.text.corpus import read_corpus

SPACED_TYPES = {  # MaintIE writes PhysicalObject; a second annotator's file `Physical Object`: two classes, each scored alone
    "spaces": ("PhysicalObject", "Physical Object"),
    "underscore": ("PhysicalObject", "physical_object"),
    "hyphen": ("UnDesirableEvent", "Undesirable-Event"),
}


@pytest.mark.parametrize("name", SPACED_TYPES)
def test_a_type_spelt_with_and_without_word_breaks_is_refused(name, tmp_path):
    first, second = SPACED_TYPES[name]
    corpus = tmp_path / "c.conll"
    corpus.write_text(f"replace\tO\npump\tB-{first}\n\ncheck\tO\npump\tB-{second}\n")
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.corpus={corpus}", "debug=quick", f"hydra.run.dir={run_dir}"],
                   [f"c.conll: entity types '{first}' and '{second}' differ only in case, spaces, '_' or '-'",
                    "expected one spelling of each type"], inputs=[corpus], run_dir=run_dir)


def test_types_that_differ_in_more_than_word_breaks_stay_two_classes(tmp_path):
    corpus = tmp_path / "c.conll"
    corpus.write_text("replace\tO\npump\tB-PhysicalObject\n\ncheck\tO\npump\tB-PhysicalObjects\n\nhot\tB-State\n")
    assert sorted({e.type for d in read_corpus(corpus) for e in d.entities}) == ["PhysicalObject", "PhysicalObjects", "State"]


DECLARED = """source: mine
entities:
  fuel: Cost
  pump: {pump}
  fan: Facility
triples:
  - {{head: {head}, relation: {relation}, tail: fuel}}
"""
DECLARED_CASES = {  # a list where one name goes: `[pump, fan]` was the node pump_fan, `[Positive]` the relation "['Positive']"
    "two heads": ({"pump": "Facility", "head": "[pump, fan]", "relation": "Positive"},
                  "a.yaml triple 1: head \"['pump', 'fan']\" (list); expected one name"),
    "one head in a list": ({"pump": "Facility", "head": "[pump]", "relation": "Positive"}, "a.yaml triple 1: head \"['pump']\" (list)"),
    "relation in a list": ({"pump": "Facility", "head": "pump", "relation": "[Positive]"},
                           "a.yaml triple 1: relation \"['Positive']\" (list); expected one name"),
    "relation a mapping": ({"pump": "Facility", "head": "pump", "relation": "{type: Positive}"}, "relation \"{'type': 'Positive'}\" (dict)"),
    "null entity type": ({"pump": "null", "head": "pump", "relation": "Positive"}, "a.yaml: entity 'pump' has no type"),
    "empty entity type": ({"pump": "''", "head": "pump", "relation": "Positive"}, "a.yaml: entity 'pump' has no type"),
}


@pytest.mark.parametrize("name", DECLARED_CASES)
def test_a_declared_name_that_is_no_name_is_refused(name, tmp_path):
    fields, expect = DECLARED_CASES[name]
    declared = tmp_path / "a.yaml"
    declared.write_text(DECLARED.format(**fields))
    run_dir = tmp_path / "run"
    assert_refused(["factors", "debug=quick", f"factors.sources.declared=[{declared}]", f"hydra.run.dir={run_dir}"], expect,
                   inputs=[declared], run_dir=run_dir)


def test_declared_names_as_yaml_scalars_still_load(tmp_path):
    from minectl.factors.declared import load_declared

    declared = tmp_path / "a.yaml"
    declared.write_text(DECLARED.format(pump="Facility", head="'Pump'", relation="Positive") + "  - {head: 2023, relation: Value, tail: fuel}\n")
    edges = load_declared([declared]).edges
    assert [(e["head"], e["relation"], e["tail"]) for e in edges] == [("pump", "Positive", "fuel"), ("2023", "Value", "fuel")]


def test_text_triple_rows_count_from_one(tmp_path):
    from minectl.errors import DataError
    from minectl.factors.declared import load_declared
    from minectl.factors.graph import read_text_triples
    from minectl.factors.schema import Schema

    triples = tmp_path / "triples.csv"
    triples.write_text("head,head_type,relation,tail,tail_type\nbench height,Parameters,Positive,transport cost,Cost\n"
                       "bench height,Parameters,Positive,diesel,Machine\n")
    schema = Schema.from_config(["Parameters", "Cost"], {"Positive": {}})
    with pytest.raises(DataError, match=r"triples.csv row 2: unknown entity type 'Machine'"):
        read_text_triples(triples, load_declared([]), schema)


OPTUNA = ["cost", "-m", "hydra/sweeper=optuna", "hydra.sweeper.n_trials=2", "objective=cost.total", "seed=range(0,3)", "debug=quick"]
STORAGE_CASES = {  # the sweep stopped with SQLAlchemy's words once started: "unable to open database file", "Could not parse"
    "folder missing": ("sqlite:///{tmp}/no/such/folder/study.db", "the folder {tmp}/no/such/folder does not exist"),
    "not a URL": ("study.db", "hydra.sweeper.storage=study.db: not a database URL"),
}


@pytest.mark.parametrize("name", STORAGE_CASES)
def test_an_optuna_storage_that_cannot_open_is_refused_before_the_sweep(name, tmp_path):
    storage, expect = (text.format(tmp=tmp_path) for text in STORAGE_CASES[name])
    sweep = tmp_path / "sweep"
    assert_refused([*OPTUNA, f"hydra.sweeper.storage={storage}", f"hydra.sweep.dir={sweep}"],
                   [expect, "expected a database URL (sqlite:///study.db"], run_dir=sweep)
    assert not sweep.exists()


def test_an_optuna_study_in_a_sqlite_file_runs_where_sqlalchemy_can_keep_it(tmp_path):
    """The sweeper's Optuna 2 with SQLAlchemy 2 failed every database with an AssertionError once the sweep started."""
    from importlib.metadata import version

    from harness import invoke

    args = [*OPTUNA, f"hydra.sweeper.storage=sqlite:///{tmp_path}/study.db", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    if int(version("optuna").split(".")[0]) < 3 and int(version("sqlalchemy").split(".")[0]) >= 2:
        assert_refused(args, [f"SQLAlchemy {version('sqlalchemy')}; expected storage=null", "SQLAlchemy < 2"], run_dir=tmp_path / "sweep")
        assert not (tmp_path / "study.db").exists()
    else:  # minectl[optuna] pins SQLAlchemy < 2
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert (tmp_path / "study.db").stat().st_size > 0


def _forecast_table(path, level):
    import polars as pl

    pl.DataFrame({"model": ["naive", "naive"], "forecast": [2100.0, 2200.0], "lower": [1800.0, 1700.0],
                  "upper": [2400.0, 2600.0], "interval_level": [level, level]}).write_parquet(path)
    return path


def test_a_forecast_interval_of_another_level_than_price_interval_level_is_refused(tmp_path):
    """schedule read a forecast run's 0.8 interval as a 0.9 one: the price's sigma 22 % low, exit 0."""
    table = _forecast_table(tmp_path / "forecast.parquet", 0.8)
    run = tmp_path / "run"
    assert_refused(["schedule", "+experiment=stope_extension", f"price.forecast_table={table}", "price.month=2", f"hydra.run.dir={run}"],
                   ["price.interval_level=0.9: naive's interval in", "is a 0.8 interval", "expected price.interval_level=0.8"],
                   inputs=[table], run_dir=run)


def test_a_forecast_interval_read_at_its_own_level_runs(tmp_path):
    import json
    import math

    from harness import invoke

    table, run = _forecast_table(tmp_path / "forecast.parquet", 0.8), tmp_path / "run"
    result = invoke("schedule", "+experiment=stope_extension", f"price.forecast_table={table}", "price.month=2",
                    "price.interval_level=0.8", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    sigma = json.loads((run / "metrics.json").read_text())["schedule.stope.price_sigma"]
    assert sigma == pytest.approx(math.log(2600 / 1700) / (2 * 1.2815516), rel=1e-6)  # z of a central 0.8 interval


def _ar1_series(path, n=120, phi=0.9):
    import numpy as np

    rng, value, rows = np.random.default_rng(0), 100.0, ["date,value"]
    for month in range(n):
        value = 100 + phi * (value - 100) + rng.normal(0, 5)
        rows.append(f"{2000 + month // 12}-{month % 12 + 1:02d}-01,{value:.3f}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_bca_on_a_series_the_autocorrelation_test_gave_blocks_names_the_test(tmp_path):
    """It said "use percentile or basic with block_length", a key the user had not set."""
    from harness import quick_uncertainty

    series, run = _ar1_series(tmp_path / "ar1.csv"), tmp_path / "run"
    args = quick_uncertainty(series, run, "uncertainty.method=bca", "uncertainty.autocorrelation_alpha=0.05",
                             "dataset.transforms=[level]")
    assert_refused(args, ["uncertainty.method", "'bca' assumes independent observations, and", "is autocorrelated (Ljung-Box p =",
                          "< uncertainty.autocorrelation_alpha=0.05: blocks of", "expected uncertainty.method=percentile or basic"],
                   inputs=[series], run_dir=run)


def test_bca_on_an_independent_series_runs(tmp_path):
    from harness import quick_uncertainty, run_metrics

    series, run = _ar1_series(tmp_path / "iid.csv", phi=0.0), tmp_path / "run"
    metrics = run_metrics(quick_uncertainty(series, run, "uncertainty.method=bca", "uncertainty.autocorrelation_alpha=0.05",
                                            "dataset.transforms=[level]"), run)
    assert metrics["uncertainty.level.ci_low"] < metrics["uncertainty.level.estimate"] < metrics["uncertainty.level.ci_high"]


@pytest.mark.parametrize(("task", "override", "expect"), [
    ("uncertainty", "uncertainty.confidence=95", "uncertainty.confidence=95.0 is out of range; expected a number in (0, 1) (a percent? 0.95)"),
    ("risk", "risk.test_fraction=20", "risk.test_fraction=20.0 is out of range; expected a number in (0, 1) (a percent? 0.2)"),
    ("forecast", "forecast.interval_level=1.5", "forecast.interval_level=1.5 is out of range; expected a number in (0, 1)"),
    ("forecast", "forecast.interval_level=100", "forecast.interval_level=100.0 is out of range; expected a number in (0, 1)"),
])
def test_a_level_written_as_a_percent_is_named_so(task, override, expect, tmp_path):
    """A generic 'out of range' line for confidence=95; 1.5 (no percent one means) and 100 (1 is out too) get no hint."""
    line = assert_refused([task, override, f"hydra.run.dir={tmp_path / 'run'}"], expect, run_dir=tmp_path / "run")
    assert line.endswith(expect)
