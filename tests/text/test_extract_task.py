"""`minectl factors extract` end to end (debug=quick: 60 MaintIE sentences, one epoch), its
triples contract, `predict` with the saved model, refused inputs; the seed's relation rules."""

from __future__ import annotations

import json

import polars as pl
import pyarrow.parquet as pq
import pytest
from conftest import write_doccano_corpus

from minectl.text.dictionary import longest_matches
from minectl.text.lexicon import mining_terms
from minectl.text.relations import rule_triples
from tests.badinput.harness import assert_refused

CONTRACT = {"head": pl.String, "head_type": pl.String, "relation": pl.String, "tail": pl.String, "tail_type": pl.String,
            "weight": pl.Float64, "sign": pl.Int8, "unit": pl.String, "condition": pl.String, "source": pl.String,
            "sentence": pl.String, "confidence": pl.Float64}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    from typer.testing import CliRunner

    from minectl.cli import app

    run_dir = tmp_path_factory.mktemp("extract") / "run"
    result = CliRunner().invoke(app, ["factors", "extract", "debug=quick", f"hydra.run.dir={run_dir}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return run_dir


def test_quick_run_writes_scores_metrics_model_and_contract_triples(quick_run):
    metrics = json.loads((quick_run / "metrics.json").read_text())
    for model in ("dictionary", "crf", "crf_dict", "bilstm", "bilstm_crf"):
        assert 0 <= metrics[f"ner.{model}.f1_micro"] <= 100 and f"ner.{model}.f1_macro" in metrics
    assert metrics["sentences.train"] == 48 and metrics["sentences.test"] == 6 and metrics["sentences.test_seen"] == 0
    assert "re.f1_strict" in metrics and metrics["re.f1_strict_gold_entities"] > 0
    triples = pl.read_parquet(quick_run / "tables" / "triples.parquet")
    assert triples.schema == pl.Schema(CONTRACT)
    assert triples.height > 0 and set(triples["source"]) == {"text"}
    assert set(triples["relation"]) <= {"hasPatient", "hasAgent", "hasPart", "isA", "contains", "hasProperty"}
    assert triples["confidence"].is_between(0, 1).all()
    for name in ("tagger.crfsuite", "tagger.json", "relations.json"):  # best: crf_dict
        assert (quick_run / "model" / name).is_file()


def test_predict_tags_new_text_with_the_saved_model(quick_run, tmp_path, cli):
    notes = tmp_path / "notes.txt"
    notes.write_text("replace hydraulic pump\n\nthe transportation cost increases by 18% when the bench height exceeds 10 m\n")
    result = cli("factors", "extract", "predict", quick_run, f"factors.extract.text={notes}", f"out={tmp_path / 'out'}")
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(tmp_path / "out" / "triples.parquet").schema == pl.Schema(CONTRACT)
    entities = pl.read_parquet(tmp_path / "out" / "entities.parquet")
    # entries are named by the file's line (the empty line 2 counts)
    sentences = {1: "replace hydraulic pump", 3: "the transportation cost increases by 18 % when the bench height exceeds 10 m"}
    assert entities.height > 0 and all(sentences[n] == s for n, s in entities.select("line", "sentence").iter_rows())
    pending = pl.read_parquet(tmp_path / "out" / "pending.parquet")
    assert set(pending["line"]) <= {1, 3} and pending.columns == ["line", "sentence", "clause"]


def test_predict_in_chunks_writes_the_tables_of_one_pass(quick_run, tmp_path, cli, monkeypatch):
    from minectl.tasks import extract

    notes = tmp_path / "notes.txt"
    notes.write_text("replace hydraulic pump\nengine oil leak, replace seal\n\nair filter blocked\npump seal leaking\nreset alarm\n")
    assert cli("factors", "extract", "predict", quick_run, f"factors.extract.text={notes}", f"out={tmp_path / 'whole'}").exit_code == 0
    monkeypatch.setattr(extract, "PREDICT_CHUNK_LINES", 2)  # three chunks of the five entries
    assert cli("factors", "extract", "predict", quick_run, f"factors.extract.text={notes}", f"out={tmp_path / 'chunks'}").exit_code == 0
    for name in extract.PREDICT_TABLES:
        whole, chunks = (pl.read_parquet(tmp_path / run / f"{name}.parquet") for run in ("whole", "chunks"))
        assert chunks.equals(whole) and whole.height > 0
    assert pq.ParquetFile(tmp_path / "chunks" / "pending.parquet").num_row_groups == 3


@pytest.mark.parametrize("args, expect", [
    (["factors", "extract", "factors.extract.levels=7"], "factors.extract.levels=7; expected one of 1, 5, 32, 224"),
    (["factors", "extract", "factors.extract.models=[dictionary,bert]"], "factors.extract.models=['dictionary', 'bert']; expected some of"),
    (["factors", "extract", "factors.extract.corpus=/nonexistent/x.json"], "/nonexistent/x.json: not found"),
    (["factors", "extract", "factors.extract.best=dictionary"], "factors.extract.best=dictionary; expected a tagger of"),
])
def test_bad_settings_are_refused_in_one_line(tmp_path, args, expect):
    assert_refused([*args, f"hydra.run.dir={tmp_path / 'run'}"], expect, run_dir=tmp_path / "run")


def test_a_malformed_corpus_is_refused_in_one_line(tmp_path):
    corpus = tmp_path / "bad.json"
    corpus.write_text('[{"tokens": ["a"], "entities": [{"start": 0, "end": 5, "type": "X"}]}]')
    assert_refused(["factors", "extract", f"factors.extract.corpus={corpus}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "bad.json: item 0: entity 0: span [0, 5); expected integers 0 <= start < end <= 1", inputs=[corpus], run_dir=tmp_path / "run")


def test_predict_refuses_missing_text_and_a_folder_without_a_model(quick_run, tmp_path):
    assert_refused(["factors", "extract", "predict", quick_run], "no text; expected factors.extract.text=FILE")
    assert_refused(["factors", "extract", "predict", quick_run, f"factors.extract.text={tmp_path / 'none.txt'}"], "none.txt: missing")
    notes = tmp_path / "n.txt"
    notes.write_text("pump\n")
    assert_refused(["factors", "extract", "predict", tmp_path, f"factors.extract.text={notes}"], ".hydra/config.yaml: missing")


def test_seed_rules_on_the_papers_sentence():
    text = ("In the equipment operation and maintenance costs, the equipment model is 1250LCK, the diesel consumption is "
            "0.8 L/ton of coal, and the transportation cost increases by 18% when the bench height exceeds 10 m; "
            "significant impact on economic benefits")
    triples, pending = rule_triples(text, lambda doc: longest_matches(doc.tokens, mining_terms()))
    found = {(t.head, t.relation, t.tail): t for t in triples}
    positive = found["bench height", "Positive", "transportation cost"]
    assert (positive.weight, positive.sign, positive.condition) == (0.18, 1, "bench height > 10 m")
    value = found["diesel consumption", "Value", "0.8"]
    assert (value.weight, value.unit) == (0.8, "L/ton of coal")
    assert found["equipment model", "Value", "1250LCK"].weight is None  # a model number, not an amount
    assert ("diesel consumption", "Affect", "equipment operation and maintenance costs") in found
    assert pending == ["significant impact on economic benefits"]
    [negative], _ = rule_triples("labor cost decreases by 5% when the bucket rate is above 0.9",
                                 lambda doc: longest_matches(doc.tokens, mining_terms()))
    assert (negative.head, negative.relation, negative.tail, negative.sign) == ("bucket rate", "Negative", "labor cost", -1)


def test_rules_over_many_lines_tag_each_distinct_clause_once():
    from minectl.text.dictionary import DictionaryMatcher
    from minectl.text.relations import tagged_rule_triples

    class CountingMatcher(DictionaryMatcher):
        calls: list[int] = []

        def predict(self, docs):
            self.calls.append(len(docs))
            return super().predict(docs)

    lines = ["labor cost decreases by 5% when the bucket rate is above 0.9; the diesel consumption is 0.8 L/ton",
             "the diesel consumption is 0.8 L/ton, and the labor cost rises", "labor cost decreases by 5% when the bucket rate is above 0.9"]
    matcher = CountingMatcher(terms=mining_terms()).fit([])
    batched = tagged_rule_triples(lines, matcher)
    # 5 clauses, 3 distinct, tagged in one call; the same triples as the rules tagging one clause at a time
    assert matcher.calls == [3]
    assert batched == [rule_triples(line, lambda doc: longest_matches(doc.tokens, mining_terms())) for line in lines]
    assert len(batched[0][0]) == 2 and batched[1][1] == ["the labor cost rises"]
    from minectl.text.relations import clause_documents

    assert [clause for clause, *_ in clause_documents("电机故障，更换电机; check belt")] == ["电机故障", "更换电机", "check belt"]


@pytest.mark.slow
def test_cross_validation_reports_mean_and_sd_per_model(cli, tmp_path):
    run_dir = tmp_path / "cv"
    result = cli("factors", "extract", "debug=quick", "factors.extract.cv_folds=3", "factors.extract.models=[dictionary,bilstm_crf]",
                 "factors.extract.best=bilstm_crf", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for model in ("dictionary", "bilstm_crf"):
        assert 0 <= metrics[f"ner_cv.{model}.f1_micro_mean"] <= 100 and metrics[f"ner_cv.{model}.f1_micro_sd"] >= 0
    table = pl.read_parquet(run_dir / "tables" / "ner_cv.parquet")
    assert set(table["model"]) == {"dictionary", "bilstm_crf"} and table["folds"].max() <= 3


def test_predict_refuses_a_damaged_saved_tagger(quick_run, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(quick_run, run)
    (run / "model" / "tagger.json").write_text('{"kind": "pickle"}')
    notes = tmp_path / "n.txt"
    notes.write_text("pump\n")
    assert_refused(["factors", "extract", "predict", run, f"factors.extract.text={notes}"],
                   "saved tagger unreadable (ValueError: kind 'pickle', expected one of neural, crf)", inputs=[run / "model"])


def test_a_doccano_corpus_without_relations_gets_the_seeds_rules(cli, tmp_path):
    corpus = write_doccano_corpus(tmp_path / "mining.jsonl", "bench height", "10 m")
    run_dir = tmp_path / "run"
    result = cli("factors", "extract", f"factors.extract.corpus={corpus}", "factors.extract.models=[dictionary,crf_dict]",
                 "factors.extract.lexicon=true", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    triples = pl.read_parquet(run_dir / "tables" / "triples.parquet")
    positive = triples.filter(pl.col("relation") == "Positive")
    assert positive.height == 2 and positive["sign"].to_list() == [1, 1]  # the 2 test sentences (file order: last 10 %)
    assert positive["weight"].to_list() == [0.15, 0.16] and positive["condition"].to_list() == ["bench height > 10 m"] * 2
    assert set(triples.filter(pl.col("relation") == "Use")["tail"]) == {"diesel"}
    assert pl.read_parquet(run_dir / "tables" / "pending.parquet").height == 0


def test_test_sentences_repeating_training_ones_are_counted_and_named(cli, tmp_path):
    words = ["pump", "valve", "motor", "fan", "belt", "hose", "seal", "filter", "gear"]
    sentences = [f"replace\tB-Activity\n{w}\tB-PhysicalObject\n" for w in words]
    sentences.append(sentences[2])  # the test split (file order: the last of 10) repeats the third training sentence
    corpus = tmp_path / "orders.conll"
    corpus.write_text("\n".join(sentences))
    run_dir = tmp_path / "run"
    result = cli("factors", "extract", f"factors.extract.corpus={corpus}", "factors.extract.models=[dictionary,crf]",
                 "factors.extract.best=crf", "factors.extract.cv_folds=10", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert (metrics["sentences.train"], metrics["sentences.dev"], metrics["sentences.test"], metrics["sentences.test_seen"]) == (8, 1, 1, 1)
    # leave one out: each of the two copies is held out once with the other among its fold's training or dev text
    assert metrics["sentences.cv_test_seen"] == 2
    output = " ".join(result.output.split())
    assert "1 of 1 test sentences also occur word for word in the training or dev sentences" in output
    assert "cross-validation: 2 of 10 held-out sentences also occur word for word" in output
