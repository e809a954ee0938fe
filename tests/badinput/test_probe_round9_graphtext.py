"""Probe round 9, the cost-factor graph and extraction (graphtext): formats other tools ship.

(1) KGE splits with their columns in OpenKE's order (head tail relation, as its train2id.txt;
Nations so written) were read as head relation tail, exit 0: 69 "entities", 14 "relations" (every
one a country), baselines and models trained and scored on them. Now refused naming the line.
(2) The seed's rules on cost text read numbers as `\\d+(\\.\\d+)?` and split clauses at every comma:
"exceeds 1,500 m" gave the condition "haul distance > 1" (and "500 m" pending), "is 1,250 L" the
value 1.0, "is 0,8 L/t" the value 0.0, "10-15 mm" 10.0, "10 to 15 L/t" 10.0 with unit "to", "1½ inch"
1.0; a unit lost its SI signs (`kg/m³` -> `kg/m`, `°C` none); a condition's edge carried the
condition's unit ("weight 0.18, unit m"); and "does not increase when the bench height exceeds 10 m"
was `bench height -Positive-> transportation cost`. Now a thousands comma is read, an amount that is not one
(decimal comma, range, fraction) leaves its clause pending, units keep their signs (NFKC, as the
declared knowledge writes `kg/m3`), the condition's edge is a fraction and a negated change is pending.
(3) DyGIE++'s JSON (SciERC, ACE05), an entity keyed `label` and a span with its end inclusive were
refused without saying so.
(4) `minectl factors factors.sources.text=RUN` refused the triples `minectl factors extract` writes for
any cost sentence with a number ("unknown entity type 'Quantity'"): such Value rows are left out and counted;
and `predict`'s out folder was "tables/triples.parquet: not found".
(5) `top 0 factors of ...` answered with an empty list; `top 99999999999999999999 factors` was an
OverflowError traceback after the whole run.
(6) A text row signed against its relation (`-Negative->` with sign +1) was ranked by its sign, exit 0
(only declared edges were checked); a refusal after text triples (a query name, the graph's checks)
came below the text summary line: two lines.
(7) `factors extract predict` on a labelled CoNLL file tagged each `token<TAB>tag` line as an entry.
(8) A relation between two types of one span that meet at `factors.extract.levels` joined the entity to
itself: a gold relation nothing can predict, scored as missed. Left out and counted.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch
from conftest import write_doccano_corpus
from harness import assert_corpus_refused, assert_graph_refused, assert_refused, invoke

from minectl.factors.kge.data import load_splits
from minectl.factors.kge.evaluation import evaluate
from minectl.text.corpus import Document, Span, relabel
from minectl.text.relations import rule_triples

KGE = Path(__file__).parents[2] / "examples" / "data" / "kge"


# -- (1) KGE columns in OpenKE's order ------------------------------------------------------------------------------

def test_nations_with_its_columns_in_openke_order_is_refused(tmp_path):
    folder = tmp_path / "nations_htr"
    folder.mkdir()
    for name in ("train", "valid", "test"):
        rows = [line.split("\t") for line in (KGE / "nations" / f"{name}.txt").read_text().splitlines() if line.strip()]
        (folder / f"{name}.txt").write_text("".join(f"{h}\t{t}\t{r}\n" for h, r, t in rows))
    first_tail = (KGE / "nations" / "train.txt").read_text().split("\n", 1)[0].split("\t")[2]
    assert_graph_refused(folder, tmp_path / "run", [f"nations_htr/train.txt:1: relation {first_tail!r} is also an entity, as 14 of "
                                                    "the 14 relations are (columns in OpenKE's order, head tail relation?)",
                                                    "expected head<TAB>relation<TAB>tail"])


@pytest.mark.parametrize("name", ["nations", "umls", "kinships"])
def test_the_real_benchmarks_name_no_relation_as_an_entity(name):
    splits = load_splits(KGE / name)
    assert not set(splits.entities) & set(splits.relations)


def test_a_relation_named_like_one_entity_stays_a_relation(tmp_path):
    # 1 of the 2 relations ('parent') is also an entity: not more than half, so read as written
    rows = {"train": ["a\tparent\tb", "b\tparent\tc", "a\tsibling\tparent", "c\tsibling\ta"], "valid": ["b\tsibling\ta"],
            "test": ["c\tparent\ta"]}
    for name, lines in rows.items():
        (tmp_path / f"{name}.txt").write_text("\n".join(lines) + "\n")
    splits = load_splits(tmp_path)
    assert splits.relations == ("parent", "sibling") and splits.entities == ("a", "b", "c", "parent")


def test_filtered_ranks_match_a_brute_force_count_with_ties():
    """Guard: MRR and hits@k of a tiny graph against counting each candidate by hand, ties as PyKEEN's
    realistic rank (the mean of the optimistic and pessimistic rank), filtered and raw."""
    rng = np.random.default_rng(0)
    n_entities, n_relations = 6, 2
    scores = torch.as_tensor(rng.integers(0, 3, size=(n_entities, n_relations, n_entities)).astype(float))  # many ties
    every = np.array([(h, r, t) for h in range(n_entities) for r in range(n_relations) for t in range(n_entities)])
    known = every[rng.choice(len(every), 20, replace=False)]
    test = known[:6]

    def score_all(anchor, relation, side):
        return scores[anchor, relation, :] if side == "tail" else scores[:, relation, anchor].T

    truth = set(map(tuple, known.tolist()))
    expect = {"raw": [], "filtered": []}
    for h, r, t in test.tolist():
        for side in ("tail", "head"):
            others = [(h, r, e) if side == "tail" else (e, r, t) for e in range(n_entities)]
            others.remove((h, r, t))
            for kind in expect:
                kept = [scores[c].item() for c in others if kind == "raw" or c not in truth]
                higher, equal = sum(s > scores[h, r, t].item() for s in kept), sum(s == scores[h, r, t].item() for s in kept)
                expect[kind].append(((1 + higher) + (1 + higher + equal)) / 2)
    got = evaluate(score_all, test, known)
    for kind, ranks in expect.items():
        ranks = np.array(ranks)
        assert got[kind]["mrr"] == pytest.approx(np.mean(1 / ranks))
        assert got[kind]["mean_rank"] == pytest.approx(np.mean(ranks))
        assert got[kind]["hits@3"] == pytest.approx(np.mean(ranks <= 3))
    assert expect["raw"] != expect["filtered"]  # the filter did remove candidates


# -- (2) numbers and units in cost text ------------------------------------------------------------------------------

TERMS = {("transportation", "cost"): "Cost", ("haul", "distance"): "Parameters", ("bench", "height"): "Parameters",
         ("diesel", "consumption"): "Index", ("specific", "charge"): "Parameters", ("temperature",): "Parameters",
         ("hole", "diameter"): "Parameters"}


def _terms(doc):
    words = [t.lower() for t in doc.tokens]
    return sorted((Span(i, i + len(term), kind) for term, kind in TERMS.items() for i in range(len(words) - len(term) + 1)
                   if tuple(words[i:i + len(term)]) == term), key=lambda s: s.start)


@pytest.mark.parametrize("text, triple", [
    ("The transportation cost increases by 18% when the haul distance exceeds 1,500 m",
     ("haul distance", "Positive", "transportation cost", 0.18, "fraction", "haul distance > 1,500 m")),
    ("The transportation cost increases by 18 % when the bench height exceeds 10 m",
     ("bench height", "Positive", "transportation cost", 0.18, "fraction", "bench height > 10 m")),
    ("The diesel consumption is 1,250 L per day", ("diesel consumption", "Value", "1,250", 1250.0, "L", None)),
    ("The specific charge is 0.35 kg/m³", ("specific charge", "Value", "0.35", 0.35, "kg/m3", None)),
    ("The temperature is 30 °C", ("temperature", "Value", "30", 30.0, "°C", None)),
    ("The hole diameter is 250 mm", ("hole diameter", "Value", "250", 250.0, "mm", None)),
])
def test_cost_text_numbers_and_units_read_as_written(text, triple):
    [found], pending = rule_triples(text, _terms)
    assert (found.head, found.relation, found.tail, found.weight, found.unit, found.condition) == triple
    assert pending == []


@pytest.mark.parametrize("text", ["The diesel consumption is 0,8 L/t", "The hole diameter is 10-15 mm",
                                  "The diesel consumption is 10 to 15 L/t", "The hole diameter is 1½ inch",
                                  "The diesel consumption is 1.2e3 L per day",
                                  "The transportation cost increases by 1,5% when the bench height exceeds 10 m",
                                  # a negated change: it was bench height -Positive-> transportation cost, ranked as a driver
                                  "The transportation cost does not increase when the bench height exceeds 10 m",
                                  "The transportation cost doesn't increase when the bench height exceeds 10 m",
                                  "The transportation cost never rises if the haul distance is below 2 km"])
def test_an_amount_that_is_not_one_number_is_left_pending(text):
    assert rule_triples(text, _terms) == ([], [text])


def test_a_doccano_corpus_with_thousands_gets_whole_conditions(tmp_path):
    corpus = write_doccano_corpus(tmp_path / "mining.jsonl", "haul distance", "1,500 m")
    run_dir = tmp_path / "run"
    result = invoke("factors", "extract", f"factors.extract.corpus={corpus}", "factors.extract.models=[dictionary,crf_dict]",
                    "factors.extract.lexicon=true", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    positive = pl.read_parquet(run_dir / "tables" / "triples.parquet").filter(pl.col("relation") == "Positive")
    # the 2 test sentences (file order: the last 10 %); before: condition "haul distance > 1", unit None, "000 m" pending
    assert positive.select("weight", "unit", "condition").rows() == [(0.15, "fraction", "haul distance > 1,500 m"),
                                                                      (0.16, "fraction", "haul distance > 1,500 m")]
    assert pl.read_parquet(run_dir / "tables" / "pending.parquet").height == 0


# -- (3) other tools' span JSON ---------------------------------------------------------------------------------------

DYGIE = {"doc_key": "a", "sentences": [["replace", "air", "filter"]], "ner": [[[0, 0, "Activity"], [1, 2, "PhysicalObject"]]],
         "relations": [[[0, 0, 1, 2, "hasPatient"]]]}


@pytest.mark.parametrize("name, content, expect", [
    ("scierc.json", json.dumps(DYGIE) + "\n" + json.dumps(DYGIE), "line 1: no 'tokens' list of strings (DyGIE++'s {doc_key, "
     "sentences, ner, relations}: its offsets count the document's tokens, its ends inclusive"),
    ("scierc.jsonl", json.dumps(DYGIE), "line 1: no 'text' string (DyGIE++'s"),
    ("label.json", json.dumps([{"tokens": ["replace", "pump"], "entities": [{"start": 0, "end": 1, "label": "Activity"}]}]),
     "item 0: entity 0 {'start': 0, 'end': 1, 'label': 'Activity'}: expected {start, end, type}"),
    ("inclusive.json", json.dumps([{"tokens": ["replace", "pump"], "entities": [{"start": 0, "end": 0, "type": "Activity"}]}]),
     "item 0: entity 0: span [0, 0) (an empty span: the end inclusive? it counts the first token after the entity); expected "
     "integers 0 <= start < end <= 2"),
])
@pytest.mark.slow
def test_other_span_json_is_named(name, content, expect, tmp_path):
    assert_corpus_refused(tmp_path, name, content, expect)


# -- (4) the rules' values in the graph ---------------------------------------------------------------------------------

def _text_triples(path: Path) -> Path:
    """A triples table as `factors extract` (and `predict`) write it for cost text: two values, one influence."""
    rows = [{"head": "diesel consumption", "head_type": "Index", "relation": "Value", "tail": "0.8", "tail_type": "Quantity",
             "weight": 0.8, "unit": "L/t", "sentence": "the diesel consumption is 0.8 L/t"},
            {"head": "equipment model", "head_type": "Facility", "relation": "Value", "tail": "1250LCK", "tail_type": "Identifier",
             "weight": None, "unit": None, "sentence": "the equipment model is 1250LCK"},
            {"head": "haul distance", "head_type": "Parameters", "relation": "Positive", "tail": "crusher wear", "tail_type": "Cost",
             "weight": 0.18, "unit": "fraction", "sentence": "s"}]
    pl.DataFrame([{**row, "sign": None, "condition": None, "source": "text", "confidence": 1.0} for row in rows],
                 schema_overrides={"weight": pl.Float64, "sign": pl.Int8, "unit": pl.String, "condition": pl.String}).write_parquet(path)
    return path


def test_text_values_are_left_out_of_the_graph_and_counted(tmp_path):
    """`minectl factors extract` writes `diesel consumption -Value-> 0.8` (tail type Quantity) for "the
    diesel consumption is 0.8 L/t"; the graph refused the whole table ("unknown entity type 'Quantity'")."""
    table = _text_triples(tmp_path / "triples.parquet")
    run_dir = tmp_path / "run"
    result = invoke("factors", "debug=quick", "factors.sources.data=null", "factors.kge.models=[]", f"factors.sources.text={table}",
                    "report=false", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    assert "2 rows stating a value (Value -> a number or model number: no node) left out" in result.output
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert (metrics["kg.text_rows"], metrics["kg.text_values"], metrics["kg.edges.text"]) == (1, 2, 1)
    nodes = pl.read_parquet(run_dir / "tables" / "nodes.parquet")
    assert nodes.filter(pl.col("name").is_in(["0.8", "1250lck"])).height == 0


def test_a_predict_out_folder_is_a_text_source(tmp_path):
    """`factors extract predict ... out=DIR` writes DIR/triples.parquet: the folder was refused as
    "DIR/tables/triples.parquet: not found"."""
    folder = tmp_path / "predicted"
    folder.mkdir()
    _text_triples(folder / "triples.parquet")
    run_dir = tmp_path / "run"
    result = invoke("factors", "debug=quick", "factors.sources.data=null", "factors.kge.models=[]", f"factors.sources.text={folder}",
                    "report=false", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    assert json.loads((run_dir / "metrics.json").read_text())["kg.edges.text"] == 1


def test_numbered_ids_in_their_own_ranges_stay_triples(tmp_path):
    # LibKGE's .del layout: entities and relations each numbered from 0, so '0' and '1' are both
    rows = {"train": ["0\t0\t1", "1\t1\t2", "2\t0\t0", "0\t1\t2"], "valid": ["1\t0\t2"], "test": ["2\t1\t1"]}
    for name, lines in rows.items():
        (tmp_path / f"{name}.txt").write_text("\n".join(lines) + "\n")
    splits = load_splits(tmp_path)
    assert (splits.entities, splits.relations, len(splits.train)) == (("0", "1", "2"), ("0", "1"), 4)


# -- (5) the query language's k ------------------------------------------------------------------------------------------

def test_top_zero_factors_is_refused_before_the_work(tmp_path):
    assert_refused(["factors", "debug=quick", "factors.sources.data=null", "factors.kge.models=[]",
                    "factors.query.ask=[top 0 factors of transport cost]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "factors.query.ask: 'top 0 factors of transport cost' asks for 0 factors; expected top <k> with k at least 1",
                   run_dir=tmp_path / "run")


def test_top_k_beyond_the_graph_lists_every_factor(tmp_path):
    """`top 99999999999999999999 factors` was an OverflowError traceback after the whole run."""
    run_dir = tmp_path / "run"
    result = invoke("factors", "debug=quick", "factors.sources.data=null", "factors.kge.models=[]", "report=false",
                    "factors.query.ask=[top 99999999999999999999 factors of transport cost, top 1000 factors of transport cost]",
                    f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    answers = pl.read_parquet(run_dir / "tables" / "answers.parquet")
    assert answers.height == 2 and answers["answer"][0] == answers["answer"][1]


@pytest.mark.slow
def test_a_text_row_signed_against_its_relation_is_refused(tmp_path):
    """Declared edges were checked; a text row `haul distance -Negative-> crusher wear` signed +1 was
    ranked "haul distance up -> crusher wear up" under a Negative relation."""
    table = tmp_path / "triples.parquet"
    pl.DataFrame([{"head": "haul distance", "head_type": "Parameters", "relation": "Negative", "tail": "crusher wear",
                   "tail_type": "Cost", "sign": 1, "source": "text", "sentence": "s", "confidence": 1.0}],
                 schema_overrides={"sign": pl.Int8}).write_parquet(table)
    assert_refused(["factors", "debug=quick", "factors.sources.data=null", "factors.kge.models=[]", f"factors.sources.text={table}",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   "text edge haul_distance -Negative-> crusher_wear (s): sign +1 against Negative's own -1; expected -1 or no sign",
                   inputs=[table], run_dir=tmp_path / "run")


def test_a_query_refused_after_text_triples_is_one_line(tmp_path):
    """The text summary was printed before the graph's checks and the query names: two lines."""
    table = _text_triples(tmp_path / "triples.parquet")
    assert_refused(["factors", "debug=quick", "factors.sources.data=null", "factors.kge.models=[]", f"factors.sources.text={table}",
                    "factors.query.cost=profit", f"hydra.run.dir={tmp_path / 'run'}"],
                   "factors.query.cost: 'profit' is not a node of the graph", inputs=[table], run_dir=tmp_path / "run")


# -- (7) predict on a labelled file ----------------------------------------------------------------------------------

def test_predict_refuses_a_conll_file_for_plain_text(crf_extract_run, tmp_path):
    """Each `token<TAB>tag` line was an entry, its tag tagged as a word, exit 0."""
    labelled = tmp_path / "test.txt"
    labelled.write_text("replace\tB-Activity\npump\tB-PhysicalObject\nseal\tI-PhysicalObject\n\ncheck\tB-Activity\nfan\tO\n")
    assert_refused(["factors", "extract", "predict", crf_extract_run, f"factors.extract.text={labelled}", f"out={tmp_path / 'out'}"],
                   f"{labelled}: 5 of its 5 lines end in a tag (line 1: 'replace\\tB-Activity'): a CoNLL file; expected plain text",
                   inputs=[labelled, crf_extract_run])
    assert not (tmp_path / "out").exists()


def test_predict_reads_work_orders_ending_in_a_tag_like_word(crf_extract_run, tmp_path):
    orders = tmp_path / "orders.txt"
    orders.write_text("replace I-beam\nreplace pump seal\ncheck fan belt\n")
    result = invoke("factors", "extract", "predict", crf_extract_run, f"factors.extract.text={orders}", f"out={tmp_path / 'out'}")
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(tmp_path / "out" / "entities.parquet")["line"].max() <= 3


# -- (8) a relation between two types of one span -----------------------------------------------------------------------

def test_a_relation_between_two_types_that_meet_at_the_level_is_left_out_and_counted(tmp_path):
    """At 5 classes `LOC/Capital` isA `LOC/City` of one span joined the one entity `LOC` to itself: a gold
    relation no pair classifier can find (it pairs two different entities), counted as missed."""
    doc = Document(["Paris", "hosts", "UNESCO"], [Span(0, 1, "LOC/City"), Span(0, 1, "LOC/Capital"), Span(2, 3, "ORG")],
                   [(1, 0, "isA"), (2, 0, "in")])
    assert relabel([doc], 5)[0].relations == [(1, 0, "in")]
    assert relabel([doc], 224)[0].relations == doc.relations
    corpus = tmp_path / "cities.json"
    corpus.write_text(json.dumps([{"tokens": doc.tokens, "entities": [{"start": s.start, "end": s.end, "type": s.type}
                                                                      for s in doc.entities],
                                   "relations": [{"head": h, "tail": t, "type": r} for h, t, r in doc.relations]}] * 20))
    run_dir = tmp_path / "run"
    result = invoke("factors", "extract", f"factors.extract.corpus={corpus}", "factors.extract.models=[crf]", "factors.extract.best=crf",
                    "factors.extract.crf.max_iterations=5", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    assert "20 relations join two types of one span, or repeat another, once their types meet at factors.extract.levels=5" \
        in " ".join(result.output.split())
    assert json.loads((run_dir / "metrics.json").read_text())["relations_merged"] == 20
