"""Bad-input corpus, round 22: `minectl factors` and `minectl factors extract` (graph and text).

Before: a text triple `haul truck -Include-> haul truck` (two names one node by a synonym, or a tagger naming one entity
twice in a sentence), which the graph keeps for every other relation, refused the whole run as "a cycle of Include"
(exit 2). Now a text self-loop is no hierarchy cycle; a real cycle of two Include edges is still refused. A text
self-loop of another relation was kept but answered `what affects haul road` with haul_road itself (a direct influence of
strength 0.6), and `what does haul road include` with haul_road: now neither lists the node itself. A Latin-1 or
Windows-1252 corpus, `predict` text or KGE split was "not utf-8 text (byte 39104)", no line named; now the line and the
letter are, as a CSV's are. The seed's rules read a number in SI's groups of three digits (`the output is 1 500 t`,
a no-break or thin space between the groups) as its first group: Value 1 with no unit, `exceeds 1 000 m` the condition
`> 1`; now one amount (1500 t, `> 1 000 m`), and digits after a space that are no such group are left pending. A data-derived
driver or cost empty or not finite on every training day (a fleet without diesel: `cost_res_diesel/qty_diesel` is 0/0)
was refused as "0 complete training rows; ... lower the share of bad rows or raise train_fraction" under
factors.derived.train_fraction, naming neither the column nor a setting that helps; now both. A column given as both a
driver and a cost (`+factors.derived.drivers.cost_energy=diesel`) was an IndexError traceback after the cost pipeline had
run, and a driver naming a cost's entity made a data self-loop: both refused before any work now. A decision matrix or
KGE folder whose name holds square brackets (`survey[v2]/table11.csv`), a column `Crew morale [survey]` naming no node and a
`predict` out folder `tagged[v2]` were printed without the brackets' text (rich markup), or ended the run in a
MarkupError (`[/x]`): printed as given now. A text-triples table's empty relation or type cell was "unknown relation
type 'None'"; `Affect ` or `Facility ` (a spreadsheet's trailing space), which the declared files read as Affect, were
refused as unknown; `facility` was refused without a word of the schema's `Facility`: now "an empty cell", read, and named.
Also cross-checked here against independent computations: the filtered, tie-averaged ranks of link prediction by brute
force on a tiny graph and the relation baseline on Nations (as published: 14 entities, 1592/199/201 triples) by counting,
and the entity scores on MaintIE's test split against exact span matching of seqeval-style IOB2 chunks.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
import torch
from harness import assert_graph_refused, assert_refused, invoke

QUICK_FACTORS = ["factors", "debug=quick", "factors.kge.models=[]", "factors.entropy.matrix=null", "factors.sources.data=null"]
TEXT_HEADER = "head,head_type,relation,tail,tail_type,weight,sign,unit,condition,source,sentence,confidence"


def _text_triples(tmp_path, *rows: str):
    path = tmp_path / "triples.csv"
    path.write_text("\n".join([TEXT_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _text_edges(tmp_path, text) -> tuple[list[tuple[str, str, str]], dict]:
    """A quick factors run reading ``text``: its text edges (head, relation, tail) and its metrics."""
    run = tmp_path / "run"
    result = invoke(*QUICK_FACTORS, f"factors.sources.text={text}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    edges = pl.read_parquet(run / "tables" / "edges.parquet").filter(pl.col("source") == "text")
    return list(zip(edges["head"], edges["relation"], edges["tail"], strict=True)), json.loads((run / "metrics.json").read_text())


def test_a_text_include_self_loop_is_kept_not_refused_as_a_cycle(tmp_path):
    text = _text_triples(tmp_path, "haul road,Facility,Include,Haul  Road,Facility,,,,,text,the haul road includes the haul road,0.9",
                         "haul road,Facility,Affect,haul road,Facility,,,,,text,the haul road affects the haul road,0.8")
    edges, metrics = _text_edges(tmp_path, text)
    assert sorted(edges) == [("haul_road", "Affect", "haul_road"), ("haul_road", "Include", "haul_road")]
    assert metrics["kg.edges.text"] == 2


def test_a_text_self_loop_is_no_direct_influence_nor_its_own_part(tmp_path):
    text = _text_triples(tmp_path, "haul road,Facility,Include,haul road,Facility,,,,,text,s1,0.9",
                         "haul road,Facility,Affect,haul road,Facility,,,,,text,s2,0.9",
                         "haul road,Facility,Affect,transport cost,Cost,,,,,text,s3,0.9")
    run = tmp_path / "run"
    asks = ["what affects haul road", "what does haul road include", "what affects transport cost"]
    result = invoke(*QUICK_FACTORS, f"factors.sources.text={text}", f"factors.query.ask={json.dumps(asks)}", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    answers = dict(pl.read_parquet(run / "tables" / "answers.parquet").iter_rows())
    assert answers[asks[0]].startswith("0 direct influence(s) on haul_road")
    assert answers[asks[1]] == "haul_road includes 0 item(s): -"
    assert "haul_road -Affect-> transport_cost (text" in answers[asks[2]]  # a near miss: an edge to another node stays


def test_a_text_include_cycle_of_two_entities_is_still_refused(tmp_path):
    text = _text_triples(tmp_path, "haul road,Facility,Include,ramp,Facility,,,,,text,s1,0.9",
                         "ramp,Facility,Include,haul road,Facility,,,,,text,s2,0.9")
    run = tmp_path / "run"
    assert_refused([*QUICK_FACTORS, f"factors.sources.text={text}", f"hydra.run.dir={run}"], "a cycle of Include", run_dir=run)


def test_a_windows_1252_corpus_is_refused_naming_its_line_and_letter(tmp_path):
    corpus = tmp_path / "corpus.conll"
    corpus.write_bytes("replace O\npump\u2013seal B-PhysicalObject\n\ncaf\u00e9 O\n".encode("cp1252"))
    run = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.corpus={corpus}", f"hydra.run.dir={run}"],
                   ["corpus.conll: not utf-8 text (byte 14) on line 2: 0x96, '\u2013' in Windows-1252", "(save it as UTF-8)"],
                   inputs=[corpus], run_dir=run)


def test_a_latin_1_line_deep_in_kge_splits_is_named_by_its_line(tmp_path):
    folder = tmp_path / "nations"
    folder.mkdir()
    lines = [f"e{i}\tr{i % 3}\te{i + 1}" for i in range(60)]
    (folder / "train.txt").write_bytes(("\n".join([*lines, "caf\u00e9\tr0\te1"]) + "\n").encode("latin-1"))
    for split in ("valid", "test"):
        (folder / f"{split}.txt").write_text("e1\tr0\te3\n")
    assert_graph_refused(folder, tmp_path / "run", ["train.txt: not utf-8 text (byte", "on line 61: 0xE9, '\u00e9'"])


def test_a_utf8_corpus_with_a_byte_order_mark_and_crlf_still_reads(tmp_path):
    from minectl.text.corpus import read_corpus

    corpus = tmp_path / "corpus.conll"
    corpus.write_bytes("\ufeffreplace O\r\npump\u2013seal B-PhysicalObject\r\n\r\n\r\ncaf\u00e9 B-Place\r\n".encode())
    docs = read_corpus(corpus)
    assert [(d.tokens, [(e.start, e.end, e.type) for e in d.entities]) for d in docs] == [
        (["replace", "pump\u2013seal"], [(1, 2, "PhysicalObject")]), (["caf\u00e9"], [(0, 1, "Place")])]


def _output_and_distance(doc):
    """A stand-in tagger: `output` a Production, `cost` a Cost, `distance` a Parameters entity."""
    from minectl.text.corpus import Span

    kinds = {"output": "Production", "cost": "Cost", "distance": "Parameters"}
    return [Span(i, i + 1, kinds[word.lower()]) for i, word in enumerate(doc.tokens) if word.lower() in kinds]


@pytest.mark.parametrize(("sentence", "tail", "weight", "unit"), [
    ("the output is 1 500 t", "1 500", 1500.0, "t"),
    ("the output is 1\u00a0500 t", "1\u00a0500", 1500.0, "t"),  # a no-break space between the groups
    ("the output is 12\u202f500.5 t", "12\u202f500.5", 12500.5, "t"),  # a narrow one (French typesetting)
    ("the output is 1,500 t", "1,500", 1500.0, "t"),  # near misses, read as before
    ("the output is 1500 t", "1500", 1500.0, "t"),
    ("the output is 3 km and 2 trucks", "3", 3.0, "km"),
])
def test_a_value_in_groups_of_three_digits_is_one_amount(sentence, tail, weight, unit):
    from minectl.text.relations import rule_triples

    triples, pending = rule_triples(sentence, _output_and_distance)
    assert [(t.relation, t.tail, t.weight, t.unit) for t in triples] == [("Value", tail, weight, unit)] and not pending


def test_a_condition_in_groups_of_three_digits_is_one_threshold():
    from minectl.text.relations import rule_triples

    triples, _ = rule_triples("the cost increases by 18% when the distance exceeds 1 000 m", _output_and_distance)
    assert [(t.relation, t.weight, t.condition) for t in triples] == [("Positive", 0.18, "distance > 1 000 m")]


@pytest.mark.parametrize("sentence", ["the output is 1 50 t", "the output is 2 5000 t", "the output is 1234 567 t",
                                      "the output is 1 500,5 t", "the output is 1 500-2 000 t"])
def test_digits_after_a_space_that_are_no_group_of_three_are_left_pending(sentence):
    from minectl.text.relations import rule_triples

    assert rule_triples(sentence, _output_and_distance) == ([], [sentence])


@pytest.fixture(scope="module")
def cost_daily(tmp_path_factory):
    """The daily table of a quick `minectl cost` run."""
    run = tmp_path_factory.mktemp("cost") / "run"
    assert invoke("cost", "debug=quick", f"hydra.run.dir={run}").exit_code == 0
    return pl.read_parquet(run / "tables" / "daily.parquet")


def test_a_driver_not_finite_on_every_day_is_named(tmp_path, cost_daily):
    daily = tmp_path / "daily.parquet"
    cost_daily.with_columns(pl.lit(0.0).alias("qty_diesel"), pl.lit(0.0).alias("cost_res_diesel")).write_parquet(daily)  # no diesel
    run = tmp_path / "run"
    assert_refused(["factors", "debug=quick", "factors.kge.models=[]", "factors.entropy.matrix=null", f"factors.sources.data={daily}",
                    f"hydra.run.dir={run}"],
                   ["factors.derived.drivers", "0 complete training rows", "column 'cost_res_diesel/qty_diesel' is empty or not finite "
                    "in 127 of the 127 training rows"], inputs=[daily], run_dir=run)


def test_a_driver_not_finite_on_some_days_leaves_those_out(tmp_path, cost_daily):
    daily = tmp_path / "daily.parquet"
    diesel_free = pl.int_range(pl.len()) % 10 == 0
    cost_daily.with_columns(pl.when(diesel_free).then(0.0).otherwise(pl.col(c)).alias(c) for c in ("qty_diesel", "cost_res_diesel")
                            ).write_parquet(daily)
    run = tmp_path / "run"
    result = invoke("factors", "debug=quick", "factors.kge.models=[]", "factors.entropy.matrix=null", f"factors.sources.data={daily}",
                    f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["derived.incomplete_rows"] == 13


@pytest.mark.parametrize(("override", "expect"), [
    ("+factors.derived.drivers.cost_energy=diesel", "column 'cost_energy' is both a driver and a cost"),
    ("+factors.derived.drivers.kwh_total='Fuel and power cost'", "entity 'fuel_and_power_cost' is both a driver and a cost"),
])
def test_a_driver_that_is_also_a_cost_is_refused(tmp_path, override, expect):
    run = tmp_path / "run"
    assert_refused(["factors", "debug=quick", "factors.kge.models=[]", "factors.entropy.matrix=null", override, f"hydra.run.dir={run}"],
                   ["factors.derived.drivers", expect], run_dir=run)


def test_a_further_driver_of_its_own_entity_still_runs(tmp_path):
    run = tmp_path / "run"
    result = invoke("factors", "debug=quick", "factors.kge.models=[]", "factors.entropy.matrix=null",
                    "+factors.derived.drivers.drilled_m=diesel", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    effects = pl.read_parquet(run / "tables" / "effects.parquet")
    assert "diesel" in effects["driver"].to_list()


def _unwrapped(text: str) -> str:
    """``text`` without white space: rich wraps a long line, a path in the middle too."""
    return "".join(text.split())


@pytest.mark.parametrize(("row", "expect"), [
    ("haul road,Facility,,transport cost,Cost,,,,,text,s,0.9", "triples.csv row 2: no relation type (an empty cell); expected one of"),
    ("haul road,,Affect,transport cost,Cost,,,,,text,s,0.9", "triples.csv row 2: no entity type (an empty cell); expected one of"),
    ("haul road,facility,Affect,transport cost,Cost,,,,,text,s,0.9",
     "unknown entity type 'facility' (the schema spells it 'Facility')"),
])
def test_an_empty_or_mis_cased_type_cell_is_named(tmp_path, row, expect):
    text = _text_triples(tmp_path, "haul road,Facility,Affect,transport cost,Cost,,,,,text,s1,0.9", row)
    run = tmp_path / "run"
    assert_refused([*QUICK_FACTORS, f"factors.sources.text={text}", f"hydra.run.dir={run}"], expect, inputs=[text], run_dir=run)


def test_spaces_around_a_relation_or_type_cell_are_read_as_the_declared_files_are(tmp_path):
    text = _text_triples(tmp_path, "haul road,Facility ,Affect ,transport cost, Cost,,,,,text,s1,0.9",
                         "diesel consumption,Fuel,Value , 0.8,Quantity ,,,L/t,,text,s2,0.9")
    edges, metrics = _text_edges(tmp_path, text)
    assert edges == [("haul_road", "Affect", "transport_cost")]
    assert metrics["kg.text_values"] == 1  # the Value row: a number, no node


def test_names_in_square_brackets_print_as_given(tmp_path):
    folder = tmp_path / "survey[v2]"
    folder.mkdir()
    matrix = folder / "table11[2024].csv"
    table = pl.read_csv("conf/factors/seed001/table11.csv")
    table.rename({"F1": "Crew morale [survey]"}).write_csv(matrix)  # no node of the graph
    result = invoke("factors", "debug=quick", "factors.kge.models=[]", "factors.sources.data=null", f"factors.entropy.matrix='{matrix}'",
                    "factors.entropy.factors=null", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    output = _unwrapped(result.output)
    assert _unwrapped(f"entropy weight method on {matrix}:") in output  # it was `survey/table11.csv`: [v2], [2024] read as markup
    assert _unwrapped("'Crew morale [survey]'") in output


def test_a_predict_folder_in_square_brackets_prints_as_given(tmp_path):
    run = tmp_path / "run"
    assert invoke("factors", "extract", "debug=quick", "factors.extract.models=[crf]", "factors.extract.best=crf",
                  f"hydra.run.dir={run}").exit_code == 0
    text = tmp_path / "orders.txt"
    text.write_text("replace pump seal\n")
    out = tmp_path / "tagged[v2]"
    result = invoke("factors", "extract", "predict", run, f"factors.extract.text={text}", f"out={out}")
    assert result.exit_code == 0, result.output
    assert _unwrapped(f"-> {out}") in _unwrapped(result.output)


# ---------------------------------------------------------------------------- independent cross-checks


def _brute_force_rank(scores: np.ndarray, known: set, triple: tuple, side: str, filtered: bool) -> float:
    """1 + (#scoring higher) + (#other candidates scoring equal) / 2, over the candidates of one side."""
    h, r, t = triple
    candidates = [(h, r, e) if side == "tail" else (e, r, t) for e in range(scores.shape[0])]
    others = [c for c in candidates if c != triple and not (filtered and c in known)]
    true = scores[h, r, t]
    return 1 + sum(scores[c] > true for c in others) + sum(scores[c] == true for c in others) / 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_filtered_and_raw_ranks_equal_a_brute_force_count(seed):
    from minectl.factors.kge.evaluation import evaluate, rank_triples

    rng = np.random.default_rng(seed)
    n_entities, n_relations = 7, 3
    scores = rng.integers(0, 3, size=(n_entities, n_relations, n_entities)).astype(np.float32)  # many ties
    table = torch.as_tensor(scores)

    def score_all(anchor, relation, side):
        return table[anchor, relation, :] if side == "tail" else table[:, relation, anchor].T

    # a self-loop, a relation in both directions, two answers of one query
    known = np.array([(0, 0, 1), (1, 0, 0), (0, 0, 2), (3, 1, 3), (2, 2, 4), (5, 0, 1), (6, 1, 3), (4, 2, 2)])
    test = known[[0, 1, 3, 4, 7]]
    ranks = rank_triples(score_all, test, known, batch_size=2)
    truth = set(map(tuple, known.tolist()))
    for side in ("tail", "head"):
        for kind in ("raw", "filtered"):
            expected = [_brute_force_rank(scores, truth, tuple(t), side, kind == "filtered") for t in test.tolist()]
            assert ranks[(side, kind)].tolist() == expected
    filtered = np.array([_brute_force_rank(scores, truth, tuple(t), side, True) for side in ("tail", "head") for t in test.tolist()])
    metrics = evaluate(score_all, test, known)["filtered"]
    assert metrics["mrr"] == pytest.approx(np.mean(1 / filtered))
    assert metrics["hits@1"] == pytest.approx(np.mean(filtered <= 1))
    assert metrics["hits@3"] == pytest.approx(np.mean(filtered <= 3))


def _chunks(tags: list[str]) -> set[tuple[int, int, str]]:
    """IOB2 chunks as seqeval's default mode reads them, written out independently: an I-X not continuing an X starts one."""
    chunks, start, kind = set(), None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, label = (tag[0], tag[2:]) if tag != "O" else ("O", None)
        if kind is not None and not (prefix == "I" and label == kind):
            chunks.add((start, i, kind))
            kind = None
        if prefix in "BI" and kind is None:
            start, kind = i, label
    return chunks


def test_entity_scores_equal_exact_span_matching_on_maintie():
    from pathlib import Path

    from minectl.text.bio import bio_to_spans, flatten, spans_to_bio
    from minectl.text.corpus import read_corpus, relabel
    from minectl.text.scoring import entity_scores

    path = Path("/work/shared/data/maintie/gold_release.json")
    if not path.is_file():
        path = Path(__file__).resolve().parents[2] / "examples" / "data" / "maintie" / "gold_release.json"
    docs = relabel(read_corpus(path), 5)[-108:]
    rng = np.random.default_rng(0)
    gold_tags = [spans_to_bio(len(d.tokens), flatten(d.entities)[0]) for d in docs]
    # predictions: gold tags with some flipped to another prefix or type, or to O (broken BIO included)
    choices = ["O", "B-PhysicalObject", "I-PhysicalObject", "B-Activity", "I-State"]
    pred_tags = [[rng.choice(choices) if rng.random() < 0.15 else tag for tag in tags] for tags in gold_tags]
    ours = entity_scores([[(s.start, s.end, s.type) for s in bio_to_spans(t)] for t in gold_tags],
                         [bio_to_spans(t) for t in pred_tags])
    gold = {(n, *c) for n, tags in enumerate(gold_tags) for c in _chunks(tags)}
    pred = {(n, *c) for n, tags in enumerate(pred_tags) for c in _chunks(tags)}
    right = gold & pred
    p, r = len(right) / len(pred), len(right) / len(gold)
    assert ours["micro"]["precision"] == pytest.approx(p)
    assert ours["micro"]["recall"] == pytest.approx(r)
    assert ours["micro"]["f1"] == pytest.approx(2 * p * r / (p + r))
    per_type = []
    for kind in sorted({c[3] for c in gold | pred}):
        g, q, k = ({c for c in s if c[3] == kind} for s in (gold, pred, right))
        tp, tr = (len(k) / len(q) if q else 0.0), (len(k) / len(g) if g else 0.0)
        per_type.append(2 * tp * tr / (tp + tr) if tp + tr else 0.0)
        assert ours[kind]["f1"] == pytest.approx(per_type[-1])
    assert ours["macro"]["f1"] == pytest.approx(sum(per_type) / len(per_type))


def test_the_frequency_baseline_on_nations_equals_an_independent_count():
    """The relation baseline's filtered MRR and hits on Nations as published (14 entities, 1592/199/201 triples), each rank
    counted here from the training triples' (relation, answer) frequencies, ties at the mean rank."""
    from collections import Counter
    from pathlib import Path

    from minectl.factors.kge.baseline import FrequencyBaseline
    from minectl.factors.kge.data import load_splits
    from minectl.factors.kge.evaluation import evaluate

    folder = Path(__file__).resolve().parents[2] / "examples" / "data" / "kge" / "nations"
    splits = load_splits(folder)
    assert (len(splits.entities), len(splits.relations), len(splits.train), len(splits.valid), len(splits.test)) == (14, 55, 1592, 199, 201)
    ours = evaluate(FrequencyBaseline("relation").fit(splits.train, 14, 55).score_all, splits.test, splits.known)["filtered"]
    known = set(map(tuple, splits.known.tolist()))
    counts = {"tail": Counter((r, t) for _, r, t in splits.train.tolist()), "head": Counter((r, h) for h, r, _ in splits.train.tolist())}
    ranks = []
    for side in ("tail", "head"):
        for h, r, t in splits.test.tolist():
            answer = t if side == "tail" else h
            score = {e: counts[side][(r, e)] for e in range(14)}
            others = [e for e in range(14) if e != answer and ((h, r, e) if side == "tail" else (e, r, t)) not in known]
            ranks.append(1 + sum(score[e] > score[answer] for e in others) + sum(score[e] == score[answer] for e in others) / 2)
    ranks = np.array(ranks)
    assert ours["mrr"] == pytest.approx(np.mean(1 / ranks))
    assert ours["hits@1"] == pytest.approx(np.mean(ranks <= 1)) and ours["hits@10"] == pytest.approx(np.mean(ranks <= 10))
    assert ours["mean_rank"] == pytest.approx(ranks.mean())
