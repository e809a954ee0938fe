"""Bad-input corpus, round 14 for graph and text: ranking ties, models listed twice, the entropy method's inputs, decimal
commas, quoted KGE names.

Found: (1) tied factor scores were ranked by name (with factors.ranking.alpha=0 on the shipped graph: burden, borehole
spacing and specific charge at 0.522 ranked 13, 14, 15), so `factors.query.top=14` left one of the three out unsaid; a
product of the same hop strengths in another order (0.8 x 0.9 x 0.6 against 0.8 x 0.6 x 0.9) differs in its last bit and
was no tie at all. Tied scores now share their best rank (1, 2, 2, 4), as the entropy comparison ranks, and the top k
lists every factor tied with the k-th. A relation type holding '/' (`drives/strongly`, allowed in the schema) came back
from the RDF store as its last segment: a KeyError traceback in the ranking. (2) A model listed twice in factors.kge.models (or factors.extract.models) was
fitted twice and reported once, the second entry dropped unsaid: refused naming it; so is the entry `complex: {model:
transe}` (TransE trained, reported as complex); factors.kge.device=cuda where torch finds no CUDA device ended in
torch's "Torch not compiled with CUDA enabled" traceback after the graph work: refused first. (3) The entropy weight
method: a decision matrix whose row labels are a numbered `respondent_id` column (a survey tool's) weighed it as a ninth
indicator (0.108; F1 0.132 -> 0.118), exit 0; the factors table's names were matched to the graph without the declared
synonyms (the seed's own `Hole diameter`, `Step height` scored 0, as drivers of nothing) and a name the graph lacks (a
typo) scored 0 too: row labels are read as such, names go through the synonyms, a table's name naming no node is refused
before any work; a matrix's codes without a table (F1..F8, every score 0, rho `nan`) still give their weights, and that
is now said. (4) A declared CSV from a European spreadsheet (semicolon-separated, `0,18`) was refused as "not a number";
read_file reads such a decision matrix: read as 0.18 where the separator is a semicolon; a sign written `+`, `-` or `−`
(as tables mark it, and as the paths print it) was refused as "not a number": read as +1 or -1. (5) A KGE split writing an
entity in a CSV writer's quotes (`"usa"`) beside `usa` elsewhere made two entities in silence; refused as a look-alike
(a file quoting every name stays as written).

Read right or refused cleanly already (probed): KGE splits separated by spaces, with 2 or 4 columns, a `#` comment line,
an empty split (refused naming file and line); relation names with spaces, CR LF and blank lines, case variants (two
entities, as Freebase keeps case), a triple in valid and test (refused), reverse triples across splits (counted as
inverse leakage); span JSON whose `text` disagrees with its tokens (MaintIE has 5: the tokens rule), relation indices
out of range, negative, boolean or a null type, empty or padded types; exports of labels holding quotes, commas, line
ends, U+2028, '<' and '&' (Turtle reads back the same graph, the Neo4j CSV and Cypher escape them). Not fixed: estimator
parameters the chosen loss ignores (`negatives` with loss=bce) are not refused, as Hydra merges an experiment's
estimator onto the shipped one: +experiment=nations' distmult (loss bce) carries the shipped negatives 8 and margin 0.0,
so a refusal would stop a shipped experiment.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from harness import assert_refused

from minectl.errors import ConfigError, DataError
from minectl.factors.declared import load_declared
from minectl.factors.graph import build_graph
from minectl.factors.kge.data import load_splits
from minectl.factors.link_prediction import check_estimators
from minectl.factors.ranking import influence_hops, rank_factors, top_factors
from minectl.factors.schema import Schema
from minectl.tasks.factors import ENTITY_TYPES, RELATION_TYPES, _check_names, _entropy, _entropy_inputs, _ranking_lines

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Schema.from_config(ENTITY_TYPES, RELATION_TYPES)
DECLARED = "head,head_type,relation,tail,tail_type,weight,sign,unit,condition,cite\n"
TABLE11 = ROOT / "conf/factors/seed001/table11.csv"
TABLE12 = ROOT / "conf/factors/seed001/table12.csv"
# docs/factors.md: minectl's entropy weights of the seed's Table 11, F1..F8
DOC_WEIGHTS = [0.132, 0.053, 0.187, 0.103, 0.085, 0.190, 0.103, 0.147]


def _ranking(tmp_path: Path) -> pl.DataFrame:
    """x -Positive-> m1 -Affect-> t and y -Affect-> m2 -Positive-> t: x and y each score 0.8 x 0.9 x 0.6 = 0.432, multiplied
    in two orders (0.43200000000000005 and 0.432); m2 scores 0.9, m1 0.6."""
    path = tmp_path / "k.csv"
    path.write_text(DECLARED + "x,Parameters,Positive,m1,Index,,,,,c\nm1,Index,Affect,t,Cost,,,,,c\n"
                    "y,Parameters,Affect,m2,Index,,,,,c\nm2,Index,Positive,t,Cost,,,,,c\n", encoding="utf-8")
    graph = build_graph(SCHEMA, load_declared([path]))
    nodes = dict(zip(graph.nodes["name"], graph.nodes["type"], strict=True))
    return rank_factors(influence_hops(graph.store(), SCHEMA), nodes, "t", max_hops=4, decay=0.8)


# (1) tied scores share a rank; the top k keeps a factor tied with the k-th


def test_tied_scores_share_their_best_rank(tmp_path):
    ranking = _ranking(tmp_path)
    assert ranking.select("rank", "factor").rows() == [(1, "m2"), (2, "m1"), (3, "x"), (3, "y")]
    assert ranking["score"].to_list() == pytest.approx([0.9, 0.6, 0.432, 0.432])


def test_the_top_k_lists_every_factor_tied_with_the_kth(tmp_path):
    ranking = _ranking(tmp_path)
    assert top_factors(ranking, 3)["factor"].to_list() == ["m2", "m1", "x", "y"]
    lines = _ranking_lines(ranking, "t", 3)
    assert lines[0] == "top 3 factors of t (score = graph paths and embedding plausibility, 4 listed: tied at rank 3):"
    assert [line.split(" (")[0].strip() for line in lines if not line.startswith("       ")][1:] == ["1. m2", "2. m1", "3. x", "3. y"]


def test_a_cut_between_distinct_scores_lists_k(tmp_path):
    ranking = _ranking(tmp_path)
    assert top_factors(ranking, 2)["factor"].to_list() == ["m2", "m1"]
    assert _ranking_lines(ranking, "t", 2)[0] == "top 2 factors of t (score = graph paths and embedding plausibility):"


def test_a_relation_type_holding_a_slash_is_ranked_by_its_whole_name(tmp_path):
    """`drives/strongly` came back from the store as `strongly`: a KeyError traceback in the ranking."""
    relations = {**RELATION_TYPES, "drives/strongly": {"influence": "forward", "weight": 0.7, "sign": 1}}
    schema = Schema.from_config([*ENTITY_TYPES, "Activity/Maintenance"], relations)
    path = tmp_path / "k.csv"
    path.write_text(DECLARED + "a,Parameters,drives/strongly,c,Cost,,,,,t\nb,Activity/Maintenance,Negative,c,Cost,,,,,t\n",
                    encoding="utf-8")
    graph = build_graph(schema, load_declared([path]))
    ranking = rank_factors(influence_hops(graph.store(), schema), dict(zip(graph.nodes["name"], graph.nodes["type"], strict=True)),
                           "c", max_hops=2, decay=0.8)
    assert ranking.select("factor", "type", "score", "sign").rows() == [("b", "Activity/Maintenance", 0.9, -1),
                                                                        ("a", "Parameters", 0.7, 1)]
    assert ranking["explanation"][1] == "a -drives/strongly(+ declared)-> c  [strength 0.700; a up -> c up]"


# (2) a model listed twice


def test_a_kge_model_listed_twice_is_refused(tmp_path):
    assert_refused(["factors", "factors.kge.models=[transe,complex,transe]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "factors.kge.models: 'transe' is listed twice; expected each item once", run_dir=tmp_path / "run")
    estimators = {"transe": {"dim": 8}, "complex": {"dim": 8}}
    assert list(check_estimators(estimators, ["transe", "complex"], "factors.kge")) == ["transe", "complex"]


def test_an_entry_named_after_one_model_training_another_is_refused():
    with pytest.raises(ConfigError, match=r"model=transe in the entry of complex; expected complex"):
        check_estimators({"complex": {"model": "transe", "dim": 8}}, ["complex"], "factors.kge")
    # the near misses: an entry of its own name (the config's comment: `model` is the name unless set), or its own model
    assert check_estimators({"big": {"model": "transe", "dim": 8}, "complex": {"model": "complex"}}, ["big", "complex"],
                            "factors.kge") == {"big": {"model": "transe", "dim": 8}, "complex": {"model": "complex"}}


def test_the_cli_refuses_an_extract_model_listed_twice(tmp_path):
    assert_refused(["factors", "extract", "factors.extract.models=[crf,dictionary,crf]", "factors.extract.best=crf", "debug=quick",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   "factors.extract.models: 'crf' is listed twice; expected each item once",
                   run_dir=tmp_path / "run")


def test_cuda_without_a_cuda_device_is_refused_before_any_work(tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # as on this machine; a GPU machine too
    assert_refused(["factors", "factors.kge.device=cuda", "factors.kge.models=[transe]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "error: factors.kge.device: cuda, but torch finds no CUDA device here; expected cpu", run_dir=tmp_path / "run")


# (3) the entropy weight method's row labels and factor names


def _inputs(matrix: Path, factors: Path | None):
    cfg = SimpleNamespace(factors=SimpleNamespace(entropy=SimpleNamespace(matrix=str(matrix), factors=factors and str(factors),
                                                                          target="production_cost")))
    return cfg, _entropy_inputs(cfg, SimpleNamespace(input_file=Path))


@pytest.mark.parametrize("label", ["respondent_id", "Respondent ID", "Expert No", "id", "expert"])
def test_a_row_label_column_is_no_indicator(tmp_path, label):
    lines = TABLE11.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "m.csv"
    path.write_text("\n".join([label + lines[0][len("expert"):], *lines[1:]]) + "\n", encoding="utf-8")
    _, inputs = _inputs(path, TABLE12)
    assert inputs.codes == [f"F{i}" for i in range(1, 9)]
    assert inputs.weights.tolist() == pytest.approx(DOC_WEIGHTS, abs=5e-4)


def test_an_indicator_named_otherwise_is_still_weighed(tmp_path):
    """The near miss: `expertise` is a column of numbers like any indicator."""
    lines = TABLE11.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "m.csv"
    path.write_text("\n".join([lines[0] + ",expertise", *(f"{line},{i % 3}" for i, line in enumerate(lines[1:]))]) + "\n",
                    encoding="utf-8")
    _, inputs = _inputs(path, None)
    assert inputs.codes[-1] == "expertise" and len(inputs.weights) == 9


NODES = {name: "Parameters" for name in ("hole_depth", "burden", "lumpiness", "specific_charge", "borehole_diameter",
                                         "blasting_vibration", "bulk_density", "bench_height")} | {"production_cost": "Cost",
                                                                                                   "transport_cost": "Cost"}
SYNONYMS = {"hole_diameter": "borehole_diameter", "step_height": "bench_height"}


def _params(matrix: Path, factors: Path | None):
    return SimpleNamespace(query=SimpleNamespace(cost="transport_cost", ask=[]),
                           entropy=SimpleNamespace(matrix=str(matrix), factors=factors and str(factors), target="production_cost"))


def _seed_table(tmp_path: Path, *renames: tuple[str, str]) -> Path:
    text = TABLE12.read_text(encoding="utf-8")
    for old, new in renames:
        text = text.replace(old, new)
    path = tmp_path / "t12.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_seeds_synonyms_name_their_factors(tmp_path):
    table = _seed_table(tmp_path, ("borehole_diameter", "Hole diameter"), ("bench_height", "Step height"))
    cfg, inputs = _inputs(TABLE11, table)
    _check_names(_params(TABLE11, table), NODES, SYNONYMS, inputs)
    scores = dict(zip(NODES, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], strict=False))  # before: F5 and F8 scored 0
    tables = {}
    out = SimpleNamespace(table=tables.__setitem__, console=SimpleNamespace(print=lambda *a, **k: None))
    ranked = lambda target: pl.DataFrame({"factor": list(scores), "graph_score": list(scores.values())})  # noqa: E731
    metrics = _entropy(cfg, inputs, ranked, NODES, SYNONYMS, out)
    assert tables["entropy"]["graph_score"].to_list() == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    assert tables["entropy"]["factor"].to_list()[4] == "borehole_diameter"
    # by hand: the weights' ranks (F7 0.1033 above F4 0.1030) 5 1 7 3 2 8 4 6 against 1..8, sum d^2 = 60, 1 - 6 * 60 / 504
    assert metrics["spearman"] == pytest.approx(1 - 360 / 504)


def test_a_factors_table_name_the_graph_lacks_is_refused(tmp_path):
    table = _seed_table(tmp_path, ("borehole_diameter", "borehole_diamter"))
    _, inputs = _inputs(TABLE11, table)
    with pytest.raises(DataError, match=r"t12\.csv: factor\(s\) 'borehole_diamter' name no node of the graph; expected factors"):
        _check_names(_params(TABLE11, table), NODES, SYNONYMS, inputs)


def test_matrix_codes_without_a_factors_table_are_named_as_scored_0(tmp_path):
    """The near miss: a matrix of codes alone still gives its weights (round 8); that no code is a factor is said."""
    cfg, inputs = _inputs(TABLE11, None)
    _check_names(_params(TABLE11, None), NODES, SYNONYMS, inputs)
    printed, tables = [], {}
    out = SimpleNamespace(table=tables.__setitem__, console=SimpleNamespace(print=lambda line, **k: printed.append(line)))
    _entropy(cfg, inputs, lambda target: pl.DataFrame({"factor": ["burden"], "graph_score": [0.5]}), NODES, SYNONYMS, out)
    assert tables["entropy"]["entropy_weight"].to_list() == pytest.approx(DOC_WEIGHTS, abs=5e-4)
    assert printed[-1] == ("  8 of the 8 columns name no node of the graph ('F1', 'F2', 'F3', 'F4', 'F5' ...): scored 0 "
                           "(factors.entropy.factors maps the columns' codes to factors)")


def test_the_cli_refuses_a_factors_table_name_the_graph_lacks(tmp_path):
    table = _seed_table(tmp_path, ("bulk_density", "bulk_densty"))
    assert_refused(["factors", "factors.sources.data=null", f"factors.entropy.factors={table}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{table}: factor(s) 'bulk_densty' name no node of the graph", inputs=[table], run_dir=tmp_path / "run")


# (4) decimal commas in a semicolon-separated declared file


def test_a_semicolon_file_reads_decimal_commas(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text(DECLARED.replace(",", ";") + "Bench height;Parameters;Positive;Transport cost;Cost;0,18;;fraction;;t\n"
                    "Haul distance;Parameters;Positive;Transport cost;Cost;1.5;1;km;;t\n", encoding="utf-8")
    edges = load_declared([path]).edges
    assert [(e["weight"], e["sign"], e["unit"]) for e in edges] == [(0.18, None, "fraction"), (1.5, 1, "km")]


def test_a_quoted_decimal_comma_in_a_comma_file_is_still_refused(tmp_path):
    path = tmp_path / "k.csv"  # 0,18 or 18: a comma-separated file's comma is no decimal mark
    path.write_text(DECLARED + 'Bench height,Parameters,Positive,Transport cost,Cost,"0,18",,fraction,,t\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"k\.csv:2: weight '0,18'; expected a number"):
        load_declared([path])


def test_a_sign_written_as_a_mark_reads_as_its_number(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text(DECLARED + "a,Parameters,Affect,c,Cost,,+,,,t\nb,Parameters,Affect,c,Cost,,\u2212,,,t\n"
                    "d,Parameters,Negative,c,Cost,, - ,,,t\ne,Parameters,Affect,c,Cost,,-1,,,t\nf,Parameters,Affect,c,Cost,,,,,t\n",
                    encoding="utf-8")
    assert [e["sign"] for e in load_declared([path]).edges] == [1, -1, -1, -1, None]
    path.write_text(DECLARED + "a,Parameters,Affect,c,Cost,,+-,,,t\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"k\.csv:2: sign '\+-'; expected a number"):
        load_declared([path])


# (5) a KGE name in a CSV writer's quotes beside the name bare


def _splits(folder: Path, train: str, valid: str, test: str) -> Path:
    folder.mkdir()
    for name, text in (("train", train), ("valid", valid), ("test", test)):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_a_name_in_quotes_beside_it_bare_is_refused(tmp_path):
    folder = _splits(tmp_path / "kg", '"a"\tr\tb\nb\tr\tc\nc\tr\ta\n', "a\tr\tc\n", "b\tr\ta\n")
    with pytest.raises(DataError, match=r"train\.txt:3: entity 'a' prints like '\"a\"' \(train\.txt:1\) but differs \(in quotes"):
        load_splits(folder)


def test_names_quoted_throughout_or_holding_quotes_still_read(tmp_path):
    folder = _splits(tmp_path / "kg", '"a"\tr\tb\nb\tr\tc\nc\tr\t"a"\nc\tr\ta "x"\n', '"a"\tr\tc\n', 'b\tr\t"a"\n')
    assert load_splits(folder).entities == ('"a"', 'a "x"', "b", "c")
    nations = load_splits(ROOT / "examples/data/kge/nations")
    assert (len(nations.entities), len(nations.relations)) == (14, 55)
