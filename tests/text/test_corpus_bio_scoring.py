"""Importers (span JSON, Doccano JSONL, CoNLL), the nested-span policy, BIO round trips and
entity scores equal to seqeval's."""

from __future__ import annotations

import json
import random

import pytest
from seqeval.metrics import classification_report

from minectl.errors import DataError
from minectl.text.bio import bio_to_spans, flatten, spans_to_bio
from minectl.text.corpus import Span, at_level, read_corpus, relabel
from minectl.text.scoring import entity_scores

MAINTIE = {
    "text": "<id> air conditioner thermostat not working",
    "tokens": ["<id>", "air", "conditioner", "thermostat", "not", "working"],
    "entities": [{"start": 1, "end": 3, "type": "PhysicalObject/EmittingObject/ElectricCoolingObject"},
                 {"start": 1, "end": 4, "type": "PhysicalObject/SensingObject/TemperatureSensingObject"},
                 {"start": 4, "end": 6, "type": "State/UndesirableState/FailedState"}],
    "relations": [{"head": 2, "tail": 1, "type": "hasParticipant/hasPatient"}],
}


def test_span_json_reads_tokens_spans_relations_and_levels(tmp_path):
    path = tmp_path / "gold.json"
    path.write_text(json.dumps([MAINTIE]))
    [doc] = read_corpus(path)
    assert doc.tokens[1:3] == ["air", "conditioner"]
    assert doc.entities[2] == Span(4, 6, "State/UndesirableState/FailedState")
    [five] = relabel([doc], 5)
    assert [e.type for e in five.entities] == ["PhysicalObject", "PhysicalObject", "State"]
    assert five.relations == [(2, 1, "hasPatient")]
    assert at_level("State/UndesirableState/FailedState", 32) == "State/UndesirableState"
    assert at_level("State/UndesirableState/FailedState", 1) == "Entity"


def test_doccano_jsonl_maps_character_offsets_to_tokens(tmp_path):
    text = "Diesel consumption is 0.8 L/t at the working face"
    lines = [
        {"text": text, "label": [[0, 18, "Fuel"], [37, 49, "Place"]]},
        {"text": "Excavator loads truck", "entities": [{"id": 7, "start_offset": 0, "end_offset": 9, "label": "Facility"},
                                                   {"id": 8, "start_offset": 16, "end_offset": 21, "label": "Facility"}],
         "relations": [{"from_id": 7, "to_id": 8, "type": "Equip"}]},
    ]
    path = tmp_path / "doccano.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    first, second = read_corpus(path)
    assert first.tokens == ["Diesel", "consumption", "is", "0.8", "L/t", "at", "the", "working", "face"]
    assert first.entities == [Span(0, 2, "Fuel"), Span(7, 9, "Place")]
    assert second.entities == [Span(0, 1, "Facility"), Span(2, 3, "Facility")] and second.relations == [(0, 1, "Equip")]


def test_doccano_spans_lose_edge_spaces_and_cut_the_tokens_they_start_or_end_inside(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "replace pump\'s  seal", "label": [[8, 12, "Obj"], [14, 20, "Obj"]]}\n'  # "pump", " seal"
                    '{"text": "ab cd", "label": [[1, 5, "X"]]}\n')
    first, second = read_corpus(path)
    assert first.tokens == ["replace", "pump", "'s", "seal"] and first.entities == [Span(1, 2, "Obj"), Span(3, 4, "Obj")]
    assert second.tokens == ["a", "b", "cd"] and second.entities == [Span(1, 3, "X")]


def test_conll_reads_sentences_and_lenient_tags(tmp_path):
    path = tmp_path / "x.conll"
    path.write_text("-DOCSTART- -X- O\n\nBench NN B-Par\nheight NN I-Par\nrises VBZ O\n\nDiesel NN I-Fue\ncost NN B-Cost\n")
    first, second = read_corpus(path)
    assert first.entities == [Span(0, 2, "Par")]
    assert second.entities == [Span(0, 1, "Fue"), Span(1, 2, "Cost")]  # I- after nothing starts an entity


def test_chinese_text_is_tokenised_per_character_as_the_seed_tags_it(tmp_path):
    path = tmp_path / "zh.jsonl"  # "the hydraulic pump failed, replace the seal" with two Facility labels
    path.write_text('{"text": "液压泵故障，更换密封件 pump", "label": [[0, 3, "Facility"], [8, 11, "Facility"]]}\n', encoding="utf-8")
    [doc] = read_corpus(path)
    assert doc.tokens == ["液", "压", "泵", "故", "障", "，", "更", "换", "密", "封", "件", "pump"]
    assert doc.entities == [Span(0, 3, "Facility"), Span(8, 11, "Facility")]
    assert doc.text == "液压泵故障，更换密封件 pump"  # written back without spaces between the characters


def test_conll_skips_multiconer_comment_lines_but_reads_a_hash_token(tmp_path):
    path = tmp_path / "x.conll"
    path.write_text("# id 1f2e domain=en\nthe _ _ O\npump _ _ B-Obj\n\n# id 9a0c domain=en\n# _ _ O\nseal _ _ B-Obj\n")
    first, second = read_corpus(path)
    assert first.tokens == ["the", "pump"] and second.tokens == ["#", "seal"] and second.entities == [Span(1, 2, "Obj")]


@pytest.mark.parametrize("single, last", [("S", "E"), ("U", "L")])
def test_conll_reads_bioes_and_bilou_as_the_same_spans(tmp_path, single, last):
    iob2 = "pump B-Obj\nseal I-Obj\nfailed B-State\nagain O\n\nreplace B-Act\nhose B-Obj\nclamp I-Obj\nkit I-Obj\n"
    scheme = f"pump B-Obj\nseal {last}-Obj\nfailed {single}-State\nagain O\n\nreplace {single}-Act\nhose B-Obj\nclamp I-Obj\nkit {last}-Obj\n"
    (tmp_path / "iob2.conll").write_text(iob2)
    (tmp_path / "scheme.conll").write_text(scheme)
    expected = [[Span(0, 2, "Obj"), Span(2, 3, "State")], [Span(0, 1, "Act"), Span(1, 4, "Obj")]]
    assert [d.entities for d in read_corpus(tmp_path / "scheme.conll")] == [d.entities for d in read_corpus(tmp_path / "iob2.conll")] == expected


@pytest.mark.parametrize("content, line", [
    ("a S-X\n\nb B-X\nc O\n", 3),         # B- never closed (IOB2 in a file that also uses S-)
    ("a B-X\nb E-Y\n", 2),                  # closed as another type
    ("a S-X\nb I-X\n", 2),                  # continued after a single
    ("a O\nb E-X\n", 2),                    # closed with none open
    ("a S-X\n\nb B-X\nc I-X\n", 4),       # left open at the sentence's end
])
def test_conll_refuses_a_broken_bioes_sequence_naming_its_line(tmp_path, content, line):
    path = tmp_path / "a.conll"
    path.write_text(content)
    with pytest.raises(DataError, match=f"a.conll: line {line}: tag .* expected a BIOES/BILOU sequence"):
        read_corpus(path)


@pytest.mark.parametrize("name, content, expect", [
    ("a.json", '{"tokens": ["a"]}', "a.json: a JSON dict; expected a list of {tokens, entities, relations}"),
    ("a.json", '[{"tokens": ["a"]', "a.json: line 1: invalid JSON"),
    ("a.json", '[{"tokens": ["a", "b"], "entities": [{"start": 1, "end": 3, "type": "X"}]}]',
     "a.json: item 0: entity 0: span [1, 3); expected integers 0 <= start < end <= 2"),
    ("a.json", '[{"tokens": ["a"], "entities": [], "relations": [{"head": 0, "tail": 1, "type": "r"}]}]',
     "a.json: item 0: relation 0: expected {head, tail, type} with head and tail entity indices below 0"),
    ("a.jsonl", '{"text": "ab cd", "label": [[1, 9, "X"]]}', "a.jsonl: line 1: label 0 [1, 9): expected 0 <= start < end <= 5"),
    ("a.jsonl", '{"text": "ab cd", "label": [[2, 3, "X"]]}', "a.jsonl: line 1: label 0 [2, 3) covers only white space"),
    ("a.jsonl", '{"text": "ab", "label": []}\n{"label": []}', "a.jsonl: line 2: no 'text' string"),
    ("a.conll", "Bench B-Par\nheight X-Par\n", "a.conll: line 2: 'height X-Par': last column 'X-Par' is no tag; expected 'token ... TAG'"),
    ("a.conll", "\n\n", "a.conll: no sentences"),
])
def test_malformed_files_are_refused_in_one_line(tmp_path, name, content, expect):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataError) as info:
        read_corpus(path)
    message = str(info.value)
    assert expect in message and "\n" not in message


def test_nested_policy_keeps_the_longest_and_counts_the_dropped():
    spans = [Span(1, 3, "A"), Span(1, 4, "B"), Span(4, 6, "C"), Span(5, 7, "D")]
    kept, dropped = flatten(spans)
    assert kept == [Span(1, 4, "B"), Span(4, 6, "C")] and dropped == 2  # equal length: the earliest wins


def test_bio_round_trips_random_flat_spans():
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(1, 12)
        spans, i = [], 0
        while i < n:
            length = rng.randint(1, 3)
            if rng.random() < 0.5 and i + length <= n:
                spans.append(Span(i, i + length, rng.choice("XY")))
            i += length
        assert bio_to_spans(spans_to_bio(n, spans)) == spans


def _seqeval(true_tags, pred_tags):
    return classification_report(true_tags, pred_tags, output_dict=True, zero_division=0)


@pytest.mark.parametrize("true_tags, pred_tags", [
    ([["B-A", "I-A", "O", "B-B"], ["B-B", "O"]], [["B-A", "I-A", "O", "B-A"], ["B-B", "O"]]),
    ([["B-A", "I-A", "I-A", "O", "B-C", "I-C"]], [["B-A", "I-A", "O", "O", "I-C", "I-C"]]),
    ([["O", "B-A", "B-A", "O"], ["B-B", "I-B", "O", "O"]], [["I-A", "I-A", "B-A", "O"], ["B-B", "I-A", "B-C", "O"]]),
])
def test_scores_equal_seqeval(true_tags, pred_tags):
    ours = entity_scores([bio_to_spans(t) for t in true_tags], [bio_to_spans(p) for p in pred_tags])
    theirs = _seqeval(true_tags, pred_tags)
    for kind in ours:
        key = {"micro": "micro avg", "macro": "macro avg"}.get(kind, kind)
        for metric in ("precision", "recall", "f1"):
            assert ours[kind][metric] == pytest.approx(theirs[key][metric if metric != "f1" else "f1-score"]), (kind, metric)


def test_scores_by_hand_with_nested_gold():
    gold = [[Span(0, 2, "A"), Span(1, 2, "B"), Span(3, 4, "A")]]
    pred = [[Span(0, 2, "A"), Span(3, 4, "B")]]
    s = entity_scores(gold, pred)
    assert s["micro"]["precision"] == 0.5 and s["micro"]["recall"] == pytest.approx(1 / 3) and s["micro"]["f1"] == pytest.approx(0.4)
    assert s["A"]["f1"] == pytest.approx(2 / 3) and s["B"]["f1"] == 0.0 and s["macro"]["f1"] == pytest.approx(1 / 3)
