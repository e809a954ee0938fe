"""Every common real-world variant of the labelled-text and triples formats minectl claims reads
to the spans (or triples) written out by hand here: CoNLL in each tag scheme (IOB1, IOB2, BIOES,
BILOU), each layout (CoNLL-2003's four columns, tabs, aligned spaces) and each line end, with a
byte-order mark and CoNLL-U comments; Doccano's older and newer exports; MaintIE's own shape;
PyKEEN-style triples written by spreadsheets and editors. The refusals are in
tests/badinput/test_corpus_variants.py."""

from __future__ import annotations

import json

import pytest

from minectl.factors.kge.data import load_splits, read_triples
from minectl.text.bio import flatten
from minectl.text.corpus import Span, read_corpus

# two sentences, tagged by hand in each scheme: "pump seal" and "hose" are adjacent entities of one type (IOB1 marks the
# second with B-, IOB2 and BIOES/BILOU open it with B-/S-/U-), "Pit 3" a two-token one, "air filter kit" a three-token one
TOKENS = [["pump", "seal", "hose", "failed", "at", "Pit", "3"], ["replace", "air", "filter", "kit"]]
SCHEMES = {
    "IOB1": [["I-Obj", "I-Obj", "B-Obj", "I-State", "O", "I-Place", "I-Place"], ["O", "I-Obj", "I-Obj", "I-Obj"]],
    "IOB2": [["B-Obj", "I-Obj", "B-Obj", "B-State", "O", "B-Place", "I-Place"], ["O", "B-Obj", "I-Obj", "I-Obj"]],
    "BIOES": [["B-Obj", "E-Obj", "S-Obj", "S-State", "O", "B-Place", "E-Place"], ["O", "B-Obj", "I-Obj", "E-Obj"]],
    "BILOU": [["B-Obj", "L-Obj", "U-Obj", "U-State", "O", "B-Place", "L-Place"], ["O", "B-Obj", "I-Obj", "L-Obj"]],
}
SPANS = [[Span(0, 2, "Obj"), Span(2, 3, "Obj"), Span(3, 4, "State"), Span(5, 7, "Place")], [Span(1, 4, "Obj")]]
LAYOUTS = {  # name: (lines before each sentence, one token's line)
    "CoNLL-2003": (lambda i: ["-DOCSTART- -X- -X- O", ""] * (i == 0), lambda token, tag: f"{token} NN I-NP {tag}"),
    "tabs, CoNLL-U comments": (lambda i: [f"# sent_id = {i + 1}", f"# text = {' '.join(TOKENS[i])} O"],
                               lambda token, tag: f"{token}\t{tag}\t"),
    "aligned spaces": (lambda i: [], lambda token, tag: f"{token:<10}{tag}   "),
}


def _conll(scheme: str, layout: str, newline: str) -> str:
    before, line = LAYOUTS[layout]
    sentences = [[*before(i), *(line(token, tag) for token, tag in zip(TOKENS[i], SCHEMES[scheme][i], strict=True))] for i in (0, 1)]
    return newline.join(newline.join(sentence) + newline for sentence in sentences)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("layout, newline, bom", [("CoNLL-2003", "\n", False), ("tabs, CoNLL-U comments", "\r\n", True),
                                                  ("aligned spaces", "\r", False)])
def test_every_tag_scheme_and_layout_reads_to_the_hand_tagged_spans(scheme, layout, newline, bom, tmp_path):
    path = tmp_path / "corpus.conll"
    path.write_bytes(b"\xef\xbb\xbf" * bom + _conll(scheme, layout, newline).encode())
    docs = read_corpus(path)
    assert [d.tokens for d in docs] == TOKENS
    assert [d.entities for d in docs] == SPANS


def test_a_conll_u_comment_ending_in_a_tag_is_a_comment_and_a_hash_token_a_token(tmp_path):
    """`# text = ... O` was read as the token "#" tagged O (the comment rule asked only for a tag last)."""
    path = tmp_path / "x.conll"
    path.write_text("# sent_id = 7\n# text = blood type O\n#\tNN\tO\nblood\tNN\tB-X\n")  # comments: no tab in a tab-separated file
    [doc] = read_corpus(path)
    assert doc.tokens == ["#", "blood"] and doc.entities == [Span(1, 2, "X")]
    path.write_text("#sent_id=7\n# text = blood type O\n# NN O\nblood NN B-X\n")  # space-separated: one word, or "# " then text
    [doc] = read_corpus(path)
    assert doc.tokens == ["#", "blood"] and doc.entities == [Span(1, 2, "X")]


def test_a_byte_order_mark_inside_a_concatenated_conll_file_is_not_text(tmp_path):
    part = "\ufeff-DOCSTART- -X- -X- O\n\nEU NNP I-NP B-ORG\n\n"
    path = tmp_path / "all.conll"
    path.write_bytes((part + part.replace("EU", "UN")).encode())  # `cat a.conll b.conll` of two files with a mark each
    assert [(d.tokens, d.entities) for d in read_corpus(path)] == [(["EU"], [Span(0, 1, "ORG")]), (["UN"], [Span(0, 1, "ORG")])]


# -- Doccano --------------------------------------------------------------------------------------

def _jsonl(*items: dict) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


def test_doccano_old_and_new_exports_read_to_the_hand_written_spans(tmp_path):
    text = "EU rejects German call"  # EU [0, 2), German [11, 17)
    old = {"id": 1, "text": text, "labels": [[0, 2, "ORG"], [11, 17, "MISC"]]}  # Doccano before 1.0 (and its import format)
    v1 = {"id": 1, "text": text, "label": [[11, 17, "MISC"], [0, 2, "ORG"]], "Comments": [], "meta": {"source": "x"}}
    relation = {"id": 1, "text": text, "Comments": [], "entities": [{"id": 31, "label": "ORG", "start_offset": 0, "end_offset": 2},
                                                                    {"id": 32, "label": "MISC", "start_offset": 11, "end_offset": 17}],
                "relations": [{"id": 5, "from_id": 31, "to_id": 32, "type": "rejects"}]}
    empty = {"id": 2, "text": "nothing to see", "label": [], "Comments": []}
    (tmp_path / "a.jsonl").write_text(_jsonl(old, v1, relation, empty), encoding="utf-8")
    docs = read_corpus(tmp_path / "a.jsonl")
    assert [d.tokens for d in docs] == [["EU", "rejects", "German", "call"]] * 3 + [["nothing", "to", "see"]]
    assert [d.entities for d in docs] == [[Span(0, 1, "ORG"), Span(2, 3, "MISC")], [Span(2, 3, "MISC"), Span(0, 1, "ORG")],
                                          [Span(0, 1, "ORG"), Span(2, 3, "MISC")], []]
    assert [d.relations for d in docs] == [[], [], [(0, 1, "rejects")], []]


def test_doccano_overlaps_are_kept_and_flattened_by_the_policy_and_a_cut_word_is_cut(tmp_path):
    # "air filter" [0, 10) and "filter housing" [4, 18) overlap; "hous" [11, 15) cuts "housing"
    (tmp_path / "a.jsonl").write_text(_jsonl({"text": "air filter housing", "label": [[0, 10, "A"], [4, 18, "B"]]},
                                             {"text": "air filter housing", "label": [[11, 15, "C"]]}))
    first, second = read_corpus(tmp_path / "a.jsonl")
    assert first.entities == [Span(0, 2, "A"), Span(1, 3, "B")]
    assert flatten(first.entities) == ([Span(0, 2, "A")], 1)  # equally long: the earlier one kept, the other counted
    assert second.tokens == ["air", "filter", "hous", "ing"] and second.entities == [Span(2, 3, "C")]


def test_doccano_reads_the_filled_one_of_label_and_an_empty_entities_list(tmp_path):
    (tmp_path / "a.jsonl").write_text(_jsonl({"text": "pump failed", "entities": [], "relations": [], "label": [[0, 4, "Obj"]]}))
    [doc] = read_corpus(tmp_path / "a.jsonl")  # the empty "entities" was taken and the label dropped
    assert doc.entities == [Span(0, 1, "Obj")]


def test_a_character_beyond_u_ffff_after_every_label_leaves_the_offsets_alone(tmp_path):
    (tmp_path / "a.jsonl").write_text(_jsonl({"text": "pump failed \U0001F600", "label": [[0, 4, "Obj"]]}), encoding="utf-8")
    [doc] = read_corpus(tmp_path / "a.jsonl")
    assert doc.tokens == ["pump", "failed", "\U0001F600"] and doc.entities == [Span(0, 1, "Obj")]


# -- span JSON (MaintIE) --------------------------------------------------------------------------

def test_span_json_reads_maintie_s_shape_its_tokens_not_its_text(tmp_path):
    """MaintIE's `text` is the raw order ("eng oil sample"), its tokens normalised: the tokens are the labels' frame."""
    item = {"text": "eng oil sample", "tokens": ["engine", "oil", "sample"],
            "entities": [{"start": 0, "end": 2, "type": "PhysicalObject/SubstanceObject"},
                         {"start": 2, "end": 3, "type": "Activity/MaintenanceActivity"}],
            "relations": [{"head": 1, "tail": 0, "type": "hasParticipant/hasPatient"}]}
    ner_only = {"tokens": ["pump"], "entities": [{"start": 0, "end": 1, "type": "X"}]}  # no relations: none
    (tmp_path / "gold.json").write_text(json.dumps([item, ner_only], indent=2))
    first, second = read_corpus(tmp_path / "gold.json")
    assert first.tokens == ["engine", "oil", "sample"]
    assert first.entities == [Span(0, 2, "PhysicalObject/SubstanceObject"), Span(2, 3, "Activity/MaintenanceActivity")]
    assert first.relations == [(1, 0, "hasParticipant/hasPatient")] and second.relations == []


# -- triples --------------------------------------------------------------------------------------

def test_triples_as_spreadsheets_and_editors_write_them_read_as_pykeen_s_plain_files(tmp_path):
    plain, messy = tmp_path / "plain", tmp_path / "messy"
    splits = {"train": [("usa", "embassy", "uk"), ("uk", "embassy", "usa"), ("united states", "aid", "uk"), ("uk", "aid", "usa")],
              "valid": [("usa", "aid", "uk")], "test": [("uk", "embassy", "united states")]}
    for folder in (plain, messy):
        folder.mkdir()
    for name, rows in splits.items():
        (plain / f"{name}.txt").write_text("".join("\t".join(row) + "\n" for row in rows))
        # a header, CR LF, a blank line, a tab at each line's end, and a byte-order mark
        (messy / f"{name}.txt").write_bytes(b"\xef\xbb\xbf" + ("head\trelation\ttail\t\r\n\r\n" + "".join(
            "\t".join(row) + "\t\r\n" for row in rows)).encode())
    assert read_triples(messy / "train.txt") == read_triples(plain / "train.txt") == splits["train"]
    a, b = load_splits(plain), load_splits(messy)
    assert (a.entities, a.relations) == (b.entities, b.relations) == (("uk", "united states", "usa"), ("aid", "embassy"))
    assert a.train.tolist() == b.train.tolist() == [[2, 1, 0], [0, 1, 2], [1, 0, 0], [0, 0, 2]]
    assert a.test.tolist() == b.test.tolist() == [[0, 1, 1]]
