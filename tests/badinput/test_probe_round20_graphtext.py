"""Bad-input corpus, round 20: `minectl factors` and `minectl factors extract` (graph and text).

Before: `factors.derived.drivers` (and `costs`) named their entities as typed: a driver mapped to `Transport distance (km)`
or to the declared synonym `transport distance` made the data edge's head `Transport distance`, refused as "dangling edge"
once the whole cost pipeline and bootstrap had run; one naming no node at all (a typo) was refused the same late way, or,
when its effects were all dropped, not at all; and two columns naming one entity through a synonym passed the check. Now
the entities are normalised as every source's names are (synonyms replaced), checked against the graph's nodes before the
data work. `factors extract` read `factors.extract.tagger.*`, `crf.*`, `min_precision` and `relations.C` only for some
taggers: given for a run without them (`tagger.hidden=200` with models [crf, crf_dict]) they changed nothing, unsaid; now
a warning names each. crf_dict never read `tagger.dict_folds` (its held-out dictionary used 5 folds whatever was set).
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from harness import assert_refused, invoke

QUICK_FACTORS = ["factors", "debug=quick", "factors.kge.models=[]", "factors.entropy.matrix=null"]
QUICK_EXTRACT = ["factors", "extract", "debug=quick"]


def _run(args, run_dir):
    result = invoke(*args, f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    return result.output, json.loads((run_dir / "metrics.json").read_text())


@pytest.mark.parametrize("entity", ["Transport distance (km)", "transport distance", "Haul Distance"])
def test_a_driver_named_by_a_synonym_or_with_its_unit_is_the_node(tmp_path, entity):
    _, metrics = _run([*QUICK_FACTORS, f"factors.derived.drivers.haul_km='{entity}'"], tmp_path / "run")
    assert metrics["derived.estimates"] == 36
    edges = pl.read_parquet(tmp_path / "run" / "tables" / "edges.parquet").filter(pl.col("source") == "data")
    assert "haul_distance" in edges["head"].to_list()
    effects = pl.read_parquet(tmp_path / "run" / "tables" / "effects.parquet")
    assert set(effects.filter(pl.col("column") == "haul_km")["driver"]) == {"haul_distance"}


def test_the_default_drivers_keep_their_figures(tmp_path):
    _, given = _run([*QUICK_FACTORS, "factors.derived.drivers.haul_km=haul_distance"], tmp_path / "given")
    _, default = _run(QUICK_FACTORS, tmp_path / "default")
    assert given == default


def test_a_driver_naming_no_node_is_refused_before_the_data_work(tmp_path):
    assert_refused([*QUICK_FACTORS, "factors.derived.drivers.haul_km='haul distnce'", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["factors.derived.drivers", "column 'haul_km' names 'haul distnce', no node of the graph"], run_dir=tmp_path / "run")


def test_a_cost_naming_no_node_is_refused(tmp_path):
    assert_refused([*QUICK_FACTORS, "factors.derived.costs.cost_energy='energy cost'", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["factors.derived.costs", "'cost_energy' names 'energy cost'"], run_dir=tmp_path / "run")


def test_two_drivers_naming_one_entity_through_a_synonym_are_refused(tmp_path):
    assert_refused([*QUICK_FACTORS, "factors.derived.drivers.fuel_per_t='transport distance'", f"hydra.run.dir={tmp_path / 'run'}"],
                   "columns 'haul_km' and 'fuel_per_t' both name entity 'haul_distance'", run_dir=tmp_path / "run")


def test_drivers_are_not_read_without_data(tmp_path):
    # no data edges: a driver naming no node of this graph reads nothing, and is not refused
    _run([*QUICK_FACTORS, "factors.sources.data=null", "factors.derived.drivers.haul_km='haul distnce'"], tmp_path / "run")


@pytest.mark.parametrize(("setting", "models", "reader"), [
    ("factors.extract.tagger.hidden=200", "crf", "bilstm or bilstm_crf"),
    ("factors.extract.tagger.dict_folds=3", "crf", "crf_dict or bilstm or bilstm_crf"),
    ("factors.extract.crf.c1=0.1", "bilstm", "crf or crf_dict"),
    ("factors.extract.min_precision=0.7", "crf", "dictionary or crf_dict or bilstm or bilstm_crf"),
])
def test_a_setting_of_a_tagger_not_fitted_is_said(tmp_path, setting, models, reader):
    output, _ = _run([*QUICK_EXTRACT, f"factors.extract.models=[{models}]", f"factors.extract.best={models}", setting],
                     tmp_path / "run")
    assert f"warning: {setting} is read only with factors.extract.models holding {reader}: not used by this run" in " ".join(output.split())


def test_relations_c_without_the_classifier_is_said(tmp_path):
    output, _ = _run([*QUICK_EXTRACT, "factors.extract.models=[crf]", "factors.extract.best=crf",
                      "factors.extract.relations.classifier=false", "factors.extract.relations.C=2"], tmp_path / "run")
    assert "factors.extract.relations.C=2 is read only with factors.extract.relations.classifier=true" in " ".join(output.split())


@pytest.mark.parametrize("setting", ["factors.extract.tagger.dictionary_first=0.7", "factors.extract.crf.c1=0.1",
                                     "factors.extract.min_precision=0.7"])
def test_a_setting_of_a_fitted_tagger_is_not_said(tmp_path, setting):
    output, _ = _run([*QUICK_EXTRACT, "factors.extract.models=[crf_dict]", setting], tmp_path / "run")
    assert "warning" not in output


def test_crf_dict_reads_the_dictionary_folds(tmp_path):
    args = [*QUICK_EXTRACT, "factors.extract.models=[crf_dict]"]
    _, five = _run([*args, "factors.extract.tagger.dict_folds=5"], tmp_path / "five")
    _, default = _run(args, tmp_path / "default")
    _, two = _run([*args, "factors.extract.tagger.dict_folds=2"], tmp_path / "two")
    assert five == default  # 5, the default of both
    assert two["ner.crf_dict.f1_micro"] != five["ner.crf_dict.f1_micro"]


def _daily(n_days: int = 120, mines: tuple[str, ...] = ("M01",)) -> pl.DataFrame:
    """A daily table of autocorrelated drivers and a cost they drive, the same values for each of ``mines``."""
    import datetime

    import numpy as np

    rng = np.random.default_rng(20)
    a = np.cumsum(rng.normal(size=n_days)) * 0.3 + rng.normal(size=n_days)
    b = np.cumsum(rng.normal(size=n_days)) * 0.3 + rng.normal(size=n_days)
    cost = 2 * a - b + np.cumsum(rng.normal(size=n_days))
    dates = [datetime.date(2024, 1, 1) + datetime.timedelta(days=i) for i in range(n_days)]
    return pl.concat([pl.DataFrame({"date": dates, "mine_id": mine, "a": a, "b": b, "cost": cost}) for mine in mines])


def test_the_bootstrap_blocks_of_a_table_of_several_mines_are_days():
    # two mines alike a day: a resample of whole days is the one mine's resample with each row twice (the same betas);
    # blocks of 7 rows were 3.5 days of two mines
    from minectl.factors.derived import derive_edges

    settings = {"drivers": {"a": "a", "b": "b"}, "costs": {"cost": "cost"}, "train_fraction": 0.7, "n_resamples": 60,
                "block_length": 7, "min_effect": 0.1, "confidence": 0.95, "seed": 0}
    one = derive_edges(_daily(), **settings).estimates
    two = derive_edges(_daily(mines=("M01", "M02")), **settings).estimates
    assert two["beta"].to_list() == pytest.approx(one["beta"].to_list(), rel=1e-9)
    assert two["low"].to_list() == pytest.approx(one["low"].to_list(), rel=1e-9)
    assert two["high"].to_list() == pytest.approx(one["high"].to_list(), rel=1e-9)
    # and the order of the rows within a day is the mines', whatever the table's
    shuffled = derive_edges(_daily(mines=("M01", "M02")).sort("mine_id", descending=True), **settings).estimates
    assert shuffled.equals(two)


SEED_TABLES = "conf/factors/seed001"


def _entropy_args(tmp_path, matrix_header: dict[str, str] = {}, factors: dict[str, str] = {}):  # noqa: B006 (read only)
    """`minectl factors` on copies of the seed's tables, ``matrix_header``'s columns and ``factors``' codes renamed."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / SEED_TABLES
    matrix = pl.read_csv(root / "table11.csv").rename(matrix_header)
    table = pl.read_csv(root / "table12.csv").with_columns(pl.col("factor").replace(factors) if factors else pl.col("factor"))
    matrix.write_csv(tmp_path / "t11.csv")
    table.write_csv(tmp_path / "t12.csv")
    base = ["factors", "debug=quick", "factors.kge.models=[]", "factors.sources.data=null", f"factors.entropy.matrix={tmp_path / 't11.csv'}"]
    return base, tmp_path / "t12.csv"


def test_two_codes_of_one_factor_are_refused(tmp_path):
    # `step height` is the declared synonym of bench_height, F8's factor: bench_height was ranked twice, at one graph score
    base, table = _entropy_args(tmp_path, factors={"hole_depth": "step height"})
    assert_refused([*base, f"factors.entropy.factors={table}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "columns 'F1' and 'F8' both name factor 'bench_height'", inputs=[table], run_dir=tmp_path / "run")


def test_two_matrix_columns_of_one_factor_are_refused(tmp_path):
    base, _ = _entropy_args(tmp_path, matrix_header={"F1": "bench height", "F2": "step height"})
    assert_refused([*base, "factors.entropy.factors=null", f"hydra.run.dir={tmp_path / 'run'}"],
                   "columns 'bench height' and 'step height' both name factor 'bench_height'", run_dir=tmp_path / "run")


def test_factors_named_by_a_synonym_once_run(tmp_path):
    base, table = _entropy_args(tmp_path, factors={"borehole_diameter": "Hole diameter", "bench_height": "step height"})
    _, renamed = _run([*base, f"factors.entropy.factors={table}"], tmp_path / "renamed")
    (tmp_path / "shipped").mkdir()
    base, table = _entropy_args(tmp_path / "shipped")
    _, shipped = _run([*base, f"factors.entropy.factors={table}"], tmp_path / "shipped" / "run")
    assert renamed["ranking.spearman"] == shipped["ranking.spearman"]


def test_a_train_fraction_of_no_whole_day_is_refused(tmp_path):
    # 0.004 of 182 days is no day: the last date was taken for the training period's end, and all 182 days were fitted
    assert_refused([*QUICK_FACTORS, "factors.derived.train_fraction=0.004", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["factors.derived.train_fraction", "0 complete training rows"], run_dir=tmp_path / "run")


def test_a_train_fraction_of_a_few_days_fits_those():
    from minectl.factors.derived import derive_edges

    found = derive_edges(_daily(), {"a": "a", "b": "b"}, {"cost": "cost"}, train_fraction=0.1, n_resamples=20, block_length=7,
                         min_effect=0.1, confidence=0.95, seed=0)
    assert found.train_rows == 12
