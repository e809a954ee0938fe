"""Bad-input corpus, round 13 for graph and text: weights, confidences, estimator flags, ranking relations, class counts.

Found: (1) a negative weight on an edge that carries influence (`a -Positive-> b`, weight -0.5, declared or text) was
kept: the ranking reads the relation's strength and sign (a rise), the exports the weight (a fall); refused now (a
weight is a magnitude, its direction the relation's or the sign's); a Value edge keeps -5 (°C). (2) A text triple's
confidence 7 or -1 was kept and exported; it is a probability in [0, 1]. (3) factors.kge.estimators.<m>.dim=true (YAML's
`yes` too) passed sklearn's Integral check and trained a 1-wide embedding; any numeric estimator parameter given
true/false is refused, also for one value of a sweep, before any job. (4) factors.ranking.relations=[Positiv] (or [])
skipped the unknown relation: every plausibility 0, the transport-cost scores scaled by 1 - alpha (0.987 -> 0.790), exit
0; factors.kge.test_fraction=0.3 with a benchmark folder read nothing (its published splits are used), now refused.
(5) `factors extract` titled a flat corpus' table "(5 classes)" and MaintIE's at levels=32 "(32 classes)": it has 28.
(6) An edited copy of the shipped open_pit_coal.yaml given beside it: each triple was "declared twice" at one `where`
(file name and number), so not refused, and the copy's edits were dropped for the first file's; the same file listed
twice likewise. (7) A saved run folder from someone else: relations.json mapping a feature to a column beyond the
coefficients ended `predict` in an IndexError traceback, a negative or shared column read another feature's weight
with exit 0; a tag that is not IOB2 (a crfsuite label `Z-Item`) was read as O, a number in tagger.json's tags an
AttributeError traceback.

Read right or refused cleanly already (probed): span JSON with nested/crossing spans (kept, flattened and counted),
spans out of range or reversed, float/bool/string/NaN offsets, relations to missing entities, empty texts and tokens, CJK,
combining marks, emoji tokens; CoNLL I- after O (IOB1), BIOES/BILOU mixed with BIO (refused naming the tag), lower-case or
`B_X` tags; text triples with self-loops, repeats, names differing in case/space (one node), unknown or mis-cased
relations (refused); KGE splits with self-loops, unseen test entities (refused, or dropped with unseen=drop); a saved
tagger folder whose tagger.pt is a pickle (refused before torch reads it; weights_only anyway). Not fixed: a 65 MB
tagger.json (the cap is 64 MiB) takes 13 s to parse on this shared machine, 16 s to load.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import assert_refused, invoke

from minectl.errors import ConfigError, DataError
from minectl.factors.declared import load_declared
from minectl.factors.graph import build_graph, read_text_triples
from minectl.factors.link_prediction import check_estimators
from minectl.factors.ranking import influence_hops, rank_factors
from minectl.factors.schema import Schema
from minectl.tasks.factors import ENTITY_TYPES, RELATION_TYPES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Schema.from_config(ENTITY_TYPES, RELATION_TYPES)
DECLARED = "head,head_type,relation,tail,tail_type,weight,sign,unit,condition,cite\n"
TEXT = "head,head_type,relation,tail,tail_type,weight,sign,unit,condition,source,sentence,confidence\n"


def _graph(tmp_path: Path, declared: str, text: str | None = None):
    path = tmp_path / "k.csv"
    path.write_text(DECLARED + declared, encoding="utf-8")
    knowledge = load_declared([path])
    if text is None:
        return build_graph(SCHEMA, knowledge)
    (tmp_path / "t.csv").write_text(TEXT + text, encoding="utf-8")
    found = read_text_triples(tmp_path / "t.csv", knowledge, SCHEMA)
    return build_graph(SCHEMA, knowledge, found.nodes, found.edges)


# (1) a weight is a magnitude; its direction is the relation's or the sign's


@pytest.mark.parametrize("row", [
    "a,Parameters,Positive,c,Cost,-0.5,,,,t\n",  # ranked as a rise, exported as a fall
    "a,Parameters,Negative,c,Cost,-0.5,,,,t\n",  # a fall twice over
    "a,Parameters,Affect,c,Cost,-0.3,-1,,,t\n",
    "a,Parameters,Include,c,Cost,-0.2,,,,t\n",
])
def test_a_negative_weight_on_an_influence_edge_is_refused(tmp_path, row):
    with pytest.raises(DataError, match=r"weight -0\.[235]; expected a magnitude >= 0"):
        _graph(tmp_path, row)


def test_a_negative_weight_in_text_triples_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"text edge b -Positive-> c .*weight -0\.3; expected a magnitude"):
        _graph(tmp_path, "a,Parameters,Positive,c,Cost,,,,,t\n", "b,Parameters,Positive,c,Cost,-0.3,,,,text,s,0.9\n")


def test_values_and_positive_weights_still_read(tmp_path):
    """The near misses: a Value of -5 (a temperature: no influence), the seed's 0.18 and a Negative edge's 0.1."""
    graph = _graph(tmp_path, "t,Parameters,Value,c,Cost,-5,,°C,,t\nb,Parameters,Positive,c,Cost,0.18,,fraction,b > 10 m,t\n"
                   "d,Parameters,Negative,c,Cost,0.1,-1,,,t\n")
    assert graph.edges.select("head", "weight", "sign").rows() == [("t", -5.0, None), ("b", 0.18, None), ("d", 0.1, -1)]
    into = influence_hops(graph.store(), SCHEMA)
    ranked = rank_factors(into, dict(zip(graph.nodes["name"], graph.nodes["type"], strict=True)), "c", max_hops=4, decay=0.8)
    assert ranked.select("factor", "score", "sign").rows() == [("b", 0.9, 1), ("d", 0.9, -1)]  # the relation's 0.9 each


def test_the_cli_refuses_a_negative_declared_weight_in_one_line(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text(DECLARED + "bench_height,Parameters,Positive,transport_cost,Cost,-0.18,,fraction,,t\n", encoding="utf-8")
    assert_refused(["factors", f"factors.sources.declared=[{path}]", "factors.sources.data=null", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["declared edge bench_height -Positive-> transport_cost", "weight -0.18; expected a magnitude >= 0"],
                   inputs=[path], run_dir=tmp_path / "run")


# (2) a confidence is a probability


@pytest.mark.parametrize("confidence", ["7", "-1", "1.5"])
def test_a_confidence_outside_0_1_is_refused(tmp_path, confidence):
    with pytest.raises(DataError, match=rf"confidence {confidence}; expected a probability in \[0, 1\]"):
        _graph(tmp_path, "a,Parameters,Positive,c,Cost,,,,,t\n", f"b,Parameters,Positive,c,Cost,,,,,text,s,{confidence}\n")


def test_confidences_at_the_ends_and_empty_still_read(tmp_path):
    graph = _graph(tmp_path, "a,Parameters,Positive,c,Cost,,,,,t\n", "b,Parameters,Positive,c,Cost,,,,,text,s,0\n"
                   "d,Parameters,Positive,c,Cost,,,,,text,s,1\ne,Parameters,Positive,c,Cost,,,,,text,s,\n")
    assert graph.edges["confidence"].to_list() == [None, 0.0, 1.0, None]


# (3) an estimator's number given true/false


@pytest.mark.parametrize("key, value", [("dim", True), ("epochs", True), ("learning_rate", True), ("negatives", False)])
def test_an_estimator_number_given_a_boolean_is_refused(key, value):
    with pytest.raises(ConfigError, match=rf"{key}={str(value).lower()}; expected a number"):
        check_estimators({"transe": {key: value}}, ["transe"], "factors.kge")


def test_estimator_booleans_and_numbers_still_read():
    assert check_estimators({"complex": {"reciprocal": False, "dim": 8, "learning_rate": 1}}, ["complex"], "factors.kge") == {
        "complex": {"model": "complex", "reciprocal": False, "dim": 8, "learning_rate": 1}}


def test_a_dim_sweep_with_a_boolean_is_refused_before_any_job(tmp_path):
    assert_refused(["factors", "-m", "+experiment=nations", "factors.kge.models=[transe]", "factors.kge.estimators.transe.dim=8,true",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   "factors.kge.estimators.transe: dim=true; expected a number", run_dir=tmp_path / "sweep")
    assert not (tmp_path / "sweep").exists()


# (4) the relations the embedding plausibility is read from


@pytest.mark.parametrize("relations, expect", [
    ("[Positiv]", "factors.ranking.relations=['Positiv']: Positiv not in factors.schema.relation_types"),
    ("[Positive,affect]", "affect not in factors.schema.relation_types"),
    ("[]", "factors.ranking.relations=[]: no relation"),
])
def test_ranking_relations_the_schema_lacks_are_refused(tmp_path, relations, expect):
    assert_refused(["factors", f"factors.ranking.relations={relations}", f"hydra.run.dir={tmp_path / 'run'}"], expect,
                   run_dir=tmp_path / "run")


def _factors_config(overrides: list[str]):
    from hydra import compose, initialize_config_module

    from minectl.config import register_schemas
    from minectl.tasks import schemas

    register_schemas(schemas())
    with initialize_config_module("minectl.conf", version_base=None):
        return compose("factors", overrides=overrides)


@pytest.mark.parametrize("overrides", [["factors.ranking.relations=[Positive]"], ["factors.ranking.relations=[]", "factors.ranking.alpha=0"],
                                       ["+experiment=maintie_graph"], ["+experiment=nations"], ["factors.kge.test_fraction=0.3"]])
def test_ranking_relations_and_split_fractions_that_are_read_still_pass(monkeypatch, overrides):
    from minectl.tasks.factors import check

    monkeypatch.chdir(ROOT)
    check(_factors_config(overrides))  # no error


@pytest.mark.parametrize("key", ["valid_fraction", "test_fraction"])
def test_a_split_fraction_with_a_benchmark_folder_is_refused(tmp_path, key):
    """Nations' published splits were used and the fraction read nothing, with exit 0."""
    assert_refused(["factors", "+experiment=nations", "factors.kge.models=[transe]", "factors.kge.max_epochs=1", f"factors.kge.{key}=0.3",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   f"factors.kge.{key}=0.3 with factors.kge.graph=examples/data/kge/nations: a benchmark's splits are its "
                   "train/valid/test files", run_dir=tmp_path / "run")


# (5) the class count in the extract table's title (the flat case: crf_run below)


def test_the_extract_title_counts_a_hierarchys_classes_at_its_level(tmp_path):
    sentence = "replace\tO\npump\tB-Part/Pump\nvalve\tB-Part/Valve\nswitch\tB-Act\n\n"
    (tmp_path / "c.conll").write_text(sentence * 12, encoding="utf-8")
    result = invoke("factors", "extract", "debug=quick", f"factors.extract.corpus={tmp_path / 'c.conll'}", "factors.extract.models=[crf]",
                    "factors.extract.best=crf", "factors.extract.levels=5", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    assert "(2 classes; factors.extract.levels=5), %" in " ".join(result.output.split())  # Part and Act


# (5b) the seed's lexicon on a corpus of other types


def test_the_lexicon_on_a_corpus_without_the_seeds_types_is_refused(tmp_path):
    """MaintIE with lexicon=true: `truck` matched first as a Facility, a type no gold entity has (crf_dict 83.89 -> 83.26 at crf.max_iterations=30)."""
    (tmp_path / "c.conll").write_text("replace\tO\ntruck\tB-PhysicalObject\n\n" * 12, encoding="utf-8")
    assert_refused(["factors", "extract", "debug=quick", f"factors.extract.corpus={tmp_path / 'c.conll'}", "factors.extract.lexicon=true",
                    "factors.extract.models=[crf_dict]", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["factors.extract.lexicon=true: the corpus has none of the seed's types", "its types are PhysicalObject"],
                   inputs=[tmp_path / "c.conll"], run_dir=tmp_path / "run")


def test_the_lexicon_keeps_the_corpus_types_and_cuts_them_to_the_level():
    from types import SimpleNamespace

    from minectl.tasks.extract import _terms

    at = lambda levels: SimpleNamespace(dictionary=None, lexicon=True, levels=levels)  # noqa: E731
    terms = _terms(at(5), {"Facility", "Fuel"}, False, None)
    assert (terms[("truck",)], terms[("diesel",)], ("labor", "cost") in terms) == ("Facility", "Fuel", False)
    assert set(terms.values()) == {"Facility", "Fuel"} and len(terms) == 13  # Table 4's 11 machines, diesel, diesel consumption
    assert set(_terms(at(1), {"Entity"}, False, None).values()) == {"Entity"}  # was the seed's 11 types, never a gold one


# (6) declared files: one listed twice, or two of one name


def test_a_declared_file_listed_twice_is_refused(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text(DECLARED + "a,Parameters,Positive,c,Cost,0.2,,,,t\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"k\.csv: listed twice in factors\.sources\.declared; expected each file once"):
        load_declared([path, tmp_path / "." / "k.csv"])


def test_an_edited_copy_of_the_shipped_file_beside_it_is_refused(tmp_path):
    """Each triple of the copy is the shipped one's again, at the same `where`: it was read with exit 0, the copy's
    weight 0.25 for bench height dropped for the shipped 0.18 (the graph keeps an edge's first row)."""
    shipped = ROOT / "conf/factors/knowledge/open_pit_coal.yaml"
    (tmp_path / shipped.name).write_text(shipped.read_text(encoding="utf-8").replace("weight: 0.18", "weight: 0.25"), encoding="utf-8")
    with pytest.raises(DataError, match=r"open_pit_coal\.yaml triple 1: the edge lumpiness -Negative-> bucket_fill_rate of "
                                        r"open_pit_coal\.yaml triple 1 in another file of that name again"):
        load_declared([shipped, tmp_path / shipped.name])


def test_the_shipped_file_and_a_file_adding_edges_still_read(tmp_path):
    path = tmp_path / "extra.csv"
    path.write_text(DECLARED + "bench_height,Parameters,Affect,blasting_cost,Cost,0.1,,,,t\n", encoding="utf-8")
    knowledge = load_declared([ROOT / "conf/factors/knowledge/open_pit_coal.yaml", path])
    assert (len(knowledge.nodes), len(knowledge.edges)) == (68, 82)  # the seed's 68 entities and 81 triples, and one more


# (7) a saved run folder from someone else: the relation classifier's feature columns, the taggers' tags


@pytest.fixture(scope="module")
def crf_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("crf")
    (root / "c.conll").write_text("replace\tO\npump\tB-Item\nseal\tB-Item\n\n" * 12, encoding="utf-8")
    result = invoke("factors", "extract", "debug=quick", f"factors.extract.corpus={root / 'c.conll'}", "factors.extract.models=[crf]",
                    "factors.extract.best=crf", f"hydra.run.dir={root / 'run'}")
    assert result.exit_code == 0, result.output
    (root / "output.txt").write_text(" ".join(result.output.split()), encoding="utf-8")
    (root / "orders.txt").write_text("replace pump seal\n", encoding="utf-8")
    return root


def test_the_extract_title_counts_a_flat_corpus_classes(crf_run):
    """One type, no '/': it was "(5 classes)", the default factors.extract.levels."""
    assert "(1 class; flat types, not cut by factors.extract.levels), %" in (crf_run / "output.txt").read_text(encoding="utf-8")


def _copy_of(crf_run: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(crf_run / "run", tmp_path / "run"))


RELATIONS = {"features": {"w=pump": 0, "w=seal": 1}, "classes": ["none", "hasPart"], "coef": [[0.0, 0.0], [1.0, -1.0]],
             "intercept": [0.0, 0.0]}


@pytest.mark.parametrize("columns", [[0, 5], [0, -1], [0, 0], [0, 1.5], [0, True]])
def test_relation_feature_columns_that_are_not_0_to_n_are_refused(crf_run, tmp_path, columns):
    """[0, 5] was an IndexError traceback in `predict`; [0, -1] and [0, 0] read one feature's weight for another, 1.5 as 1."""
    import json

    run = _copy_of(crf_run, tmp_path)
    (run / "model" / "relations.json").write_text(json.dumps({**RELATIONS, "features": dict(zip(RELATIONS["features"], columns, strict=True))}))
    assert_refused(["factors", "extract", "predict", run, f"factors.extract.text={crf_run / 'orders.txt'}", f"out={tmp_path / 'out'}"],
                   "relations.json: unreadable (feature columns that are not the integers 0 to 1, one a feature)", inputs=[run])
    assert not (tmp_path / "out").exists()


def test_a_relation_classifier_with_its_columns_still_reads():
    from minectl.text.relations import PairClassifier

    model = PairClassifier.from_json(RELATIONS)
    assert (model.features_, model.coef_.tolist()) == ({"w=pump": 0, "w=seal": 1}, [[0.0, 0.0], [1.0, -1.0]])


def test_a_crfsuite_model_of_other_tags_is_refused(crf_run, tmp_path):
    """A `Z-Item` label was read as O: `predict` found no entity, with exit 0."""
    import hashlib
    import json

    import pycrfsuite

    run = _copy_of(crf_run, tmp_path)
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.append([["w=pump"], ["w=seal"]], ["Z-Item", "O"])
    trainer.train(str(run / "model" / "tagger.crfsuite"))
    meta = run / "model" / "tagger.json"
    info = json.loads(meta.read_text())
    meta.write_text(json.dumps({**info, "model_sha256": hashlib.sha256((run / "model" / "tagger.crfsuite").read_bytes()).hexdigest()}))
    assert_refused(["factors", "extract", "predict", run, f"factors.extract.text={crf_run / 'orders.txt'}", f"out={tmp_path / 'out'}"],
                   "saved tagger unreadable (ValueError: tag 'Z-Item'; expected O, B-<type> or I-<type>)", inputs=[run])


def test_the_saved_crf_tagger_still_predicts(crf_run, tmp_path):
    import polars as pl

    result = invoke("factors", "extract", "predict", crf_run / "run", f"factors.extract.text={crf_run / 'orders.txt'}", f"out={tmp_path}")
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(tmp_path / "entities.parquet").select("text", "type").rows() == [("pump", "Item"), ("seal", "Item")]


@pytest.mark.parametrize("tags", [["O", 5], ["O", "Z-Item"], ["O", None]])
def test_a_neural_taggers_tags_that_are_not_iob2_are_refused(tmp_path, tags):
    """A number ended `predict` in an AttributeError traceback; `Z-Item` was read as O. Refused before the weights are read."""
    from minectl.text.neural import NeuralTagger

    info = {"params": {}, "words": ["<pad>", "<unk>"], "chars": ["<pad>", "<unk>"], "tags": tags, "dict_tags": ["O"]}
    with pytest.raises(DataError, match=re.escape(f"tag {tags[1]!r}; expected O, B-<type> or I-<type>")):
        NeuralTagger.load(tmp_path / "tagger.pt", tmp_path / "tagger.json", info)
