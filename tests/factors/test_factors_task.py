"""`minectl factors` end to end (debug=quick) and its bad inputs, each refused in one line."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from tests.badinput.harness import assert_refused
from tests.conftest import read_metrics

REPO = Path(__file__).resolve().parents[2]
DECLARED = REPO / "conf/factors/knowledge/open_pit_coal.yaml"
QUICK = ["debug=quick", "factors.kge.models=[transh,complex]"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    from typer.testing import CliRunner

    from minectl.cli import app

    run_dir = tmp_path_factory.mktemp("factors") / "run"
    result = CliRunner().invoke(app, ["factors", *QUICK, f"hydra.run.dir={run_dir}",
                                      "factors.query.ask=[how does lumpiness affect transport cost]"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return run_dir, result.output


def test_the_quick_run_writes_the_graph_tables_and_metrics(quick_run):
    run_dir, output = quick_run
    metrics = read_metrics(run_dir)
    nodes, edges = pl.read_parquet(run_dir / "tables/nodes.parquet"), pl.read_parquet(run_dir / "tables/edges.parquet")
    assert metrics["kg.nodes"] == nodes.height and metrics["kg.edges"] == edges.height
    assert metrics["kg.edges.declared"] + metrics["kg.edges.data"] == edges.height
    assert metrics["kg.edges.data"] == metrics["derived.kept"] > 0 and metrics["derived.dropped"] >= 0
    for model in ("transh", "complex", "baseline"):
        for key in ("mrr", "hits@1", "hits@3", "hits@5", "hits@10", "raw.mrr", "raw.hits@10"):
            assert 0 <= metrics[f"kge.{model}.{key}"] <= 1
        assert metrics[f"kge.{model}.raw.mrr"] <= metrics[f"kge.{model}.mrr"]
    assert -1 <= metrics["ranking.spearman"] <= 1
    ranking = pl.read_parquet(run_dir / "tables/ranking.parquet")
    assert ranking["rank"].to_list() == list(range(1, ranking.height + 1)) and ranking["score"].is_sorted(descending=True)
    for name in ("link_prediction", "effects", "entropy", "answers"):
        assert (run_dir / "tables" / f"{name}.parquet").is_file()
    assert (run_dir / "plots/factor_network.png").stat().st_size > 10_000
    assert (run_dir / "graph/graph.ttl").read_text().count("@prefix") >= 4
    with (run_dir / "graph/neo4j/relationships.csv").open() as handle:
        assert sum(1 for _ in csv.reader(handle)) == edges.height + 1
    assert "top 5 factors of transport_cost" in output
    assert "lumpiness up -> transport_cost up" in output


def test_the_same_seed_gives_the_same_metrics(quick_run, cli, tmp_path):
    run_dir, _ = quick_run
    result = cli("verify", str(run_dir))
    assert result.exit_code == 0 and "reproduced" in result.output


def _declared_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "extra.yaml"
    path.write_text(extra)
    return path


@pytest.mark.parametrize("extra, message", [
    ("entities: {crusher: {type: Machine}}\n", "node 'crusher': unknown entity type 'Machine'; expected one of Person, Method"),
    ("triples:\n  - {head: lumpiness, relation: Drives, tail: transport_cost}\n", "unknown relation type 'Drives'"),
    ("triples:\n  - {head: lumpiness, relation: Affect, tail: crusher_wear}\n",
     "dangling edge: its tail 'crusher_wear' is not a declared entity"),
    ("triples:\n  - {head: transport_cost, relation: Include, tail: production_cost}\n",
     "a cycle of Include: production_cost -Include-> transport_cost -Include-> production_cost"),
])
def test_bad_declared_knowledge_is_refused(tmp_path, extra, message):
    extra_file = _declared_with(tmp_path, extra)
    run_dir = tmp_path / "run"
    assert_refused(["factors", *QUICK, f"factors.sources.declared=[{DECLARED},{extra_file}]", f"hydra.run.dir={run_dir}"],
                   message, inputs=[extra_file, DECLARED], run_dir=run_dir)


def test_an_empty_graph_is_refused(tmp_path):
    empty = _declared_with(tmp_path, "source: nothing\n")
    run_dir = tmp_path / "run"
    assert_refused(["factors", *QUICK, f"factors.sources.declared=[{empty}]", "factors.sources.data=null", f"hydra.run.dir={run_dir}"],
                   "the graph is empty", run_dir=run_dir)


def test_text_triples_of_an_unknown_type_are_refused(tmp_path):
    pl.DataFrame([{"head": "lumpiness", "head_type": "Index", "relation": "Positive", "tail": "wear", "tail_type": "Gadget",
                   "sentence": "s", "confidence": 0.9, "source": "text"}]).write_parquet(tmp_path / "triples.parquet")
    run_dir = tmp_path / "run"
    assert_refused(["factors", *QUICK, f"factors.sources.text={tmp_path / 'triples.parquet'}", f"hydra.run.dir={run_dir}"],
                   "unknown entity type 'Gadget'", run_dir=run_dir)


@pytest.mark.parametrize("override, message", [
    ("factors.kge.models=[transx]", "factors.kge.models: unknown model 'transx'"),
    ("++factors.kge.estimators.transh.dim=0", "factors.kge.estimators.transh: 'dim' parameter of KGEModel must be an int in the range [1, inf)"),
    ("++factors.kge.estimators.transh.depth=3", "factors.kge.estimators.transh: unknown parameter(s) depth"),
    ("factors.query.cost=profit", "factors.query.cost: 'profit' is not a node of the graph"),
    ("factors.query.ask=[why is it so]", "factors.query.ask: cannot read 'why is it so'"),
    ("factors.derived.train_fraction=1.5", "factors.derived.train_fraction=1.5 is out of range"),
])
def test_bad_settings_are_refused(tmp_path, override, message):
    run_dir = tmp_path / "run"
    assert_refused(["factors", *QUICK, override, f"hydra.run.dir={run_dir}"], message, run_dir=run_dir)


def test_the_text_triples_of_a_run_stopped_before_its_end_are_refused(tmp_path):
    """A folder as SIGKILL leaves an extraction run: its tables written, no status.json."""
    folder = tmp_path / "extract"
    (folder / ".hydra").mkdir(parents=True)
    (folder / "tables").mkdir()
    pl.DataFrame([{"head": "lumpiness", "head_type": "Index", "relation": "Positive", "tail": "transport_cost",
                   "tail_type": "Index", "sentence": "s", "confidence": 0.9, "source": "text"}]).write_parquet(
        folder / "tables" / "triples.parquet")
    run_dir = tmp_path / "run"
    assert_refused(["factors", *QUICK, f"factors.sources.text={folder}", f"hydra.run.dir={run_dir}"],
                   "extract/status.json: missing: the run did not finish (stopped, killed, or still running)", run_dir=run_dir)
