"""Variants of the labelled-text and triples formats that minectl cannot read, met where a user
meets them (`minectl factors extract`, `minectl factors factors.kge.graph=DIR`): each is refused in
one line naming the file, the line or item, what was found and what was expected. Several were
read wrong in silence before: a CoNLL token `New York` cut to `New` in a space-separated file, an
empty token column that moved the POS tag into the token, a Doccano line without labels (or with
Doccano's label-id export, `annotations`) read as a sentence without entities, Doccano's UTF-16
offsets after an emoji read one character late, a misspelt span JSON `entities` key. The variants
that read are in tests/text/test_formats.py."""

from __future__ import annotations

import json

import pytest
from harness import assert_corpus_refused, assert_graph_refused

CORPORA = {  # name: (file name, content, texts the error line holds)
    "CoNLL token holding a space (space-separated)": ("a.conll", "New York NNP B-LOC\nis VBZ O\nbig JJ O\n",
                                                      "a.conll: line 1: 'New York NNP B-LOC': 4 columns; expected 3 as on most lines"),
    "CoNLL empty token column": ("a.conll", "pump\tNN\tB-X\n\tNN\tO\nseal\tNN\tO\n", "a.conll: line 2: 'NN\\tO': 2 columns; expected 3"),
    "CoNLL bare types (IO tags)": ("a.conll", "EU ORG\nrejects O\n",
                                   ["a.conll: line 1: 'EU ORG': last column 'ORG' is no tag", "IO tagging, is not read"]),
    "CoNLL tag without its token": ("a.conll", "pump B-X\nO\n", "a.conll: line 2: 'O': one column; expected 'token ... TAG'"),
    "CoNLL POS tags only": ("a.conll", "EU NNP\nrejects VBZ\n", "a.conll: line 1: 'EU NNP': last column 'NNP' is no tag; expected"),
    "CoNLL IOE2 (E- closes, no B-)": ("a.conll", "pump I-X\nseal E-X\n",
                                      "a.conll: line 1: tag I-X after the sentence start and before E-X; expected a BIOES/BILOU sequence"),
    "Doccano label-id export": ("a.jsonl", json.dumps({"id": 15, "text": "EU rejects", "annotations": [
        {"label": 7, "start_offset": 0, "end_offset": 2, "user": 1}], "meta": {}}) + "\n",
                                "a.jsonl: line 1: no 'label', 'labels' or 'entities' among the keys 'id', 'text', 'annotations', 'meta'"),
    "Doccano line without labels": ("a.jsonl", '{"text": "pump failed", "label": [[0, 4, "Obj"]]}\n{"text": "seal failed"}\n',
                                    "a.jsonl: line 2: no 'label', 'labels' or 'entities' among the keys 'text'"),
    "Doccano offsets after an emoji": ("a.jsonl", json.dumps({"text": "\U0001F600 pump failed", "label": [[3, 7, "Obj"]]}) + "\n",
                                       ["a.jsonl: line 1: label 0 [3, 7) ends after '\U0001F600' (character 0, beyond U+FFFF",
                                        "expected no such character before a label's end"]),
    "Doccano text classification": ("a.jsonl", '{"text": "EU rejects", "label": ["positive"]}\n',
                                    "a.jsonl: line 1: label 0: expected [start, end, label] character offsets and a label"),
    "span JSON key misspelt": ("a.json", json.dumps([{"tokens": ["pump"], "entites": [{"start": 0, "end": 1, "type": "X"}]}]),
                               "a.json: item 0: no 'entities' among the keys 'tokens', 'entites'; expected {tokens, entities, relations}"),
    "a Doccano array named .json": ("a.json", json.dumps([{"text": "pump failed", "label": [[0, 4, "Obj"]]}]),
                                    "a.json: item 0: no 'tokens' list of strings (a 'text' with character offsets is Doccano's: format doccano)"),
}


@pytest.mark.parametrize("case", CORPORA)
def test_labelled_text_minectl_cannot_read_is_refused_in_one_line(case, tmp_path):
    assert_corpus_refused(tmp_path, *CORPORA[case])


TRAIN = "usa\tembassy\tuk\nuk\tembassy\tusa\nusa\taid\tuk\nuk\taid\tusa\n"
TRIPLES = {  # name: (a line added to train.txt, the error)
    "a fourth column (a temporal graph's time)": ("usa\ttreaties\tuk\t2014-01-01\n",
                                                  "train.txt:5: 4 tab-separated fields; expected head<TAB>relation<TAB>tail, got"),
    "spaces for tabs": ("usa treaties uk\n", "train.txt:5: 1 tab-separated field; expected head<TAB>relation<TAB>tail, got 'usa treaties uk'"),
    "an empty relation": ("usa\t\tuk\n", "train.txt:5: 3 tab-separated fields (one empty); expected head<TAB>relation<TAB>tail"),
    "a triple twice": ("usa\taid\tuk\n", "train.txt:5: the triple of line 3 again; expected each triple once"),
}


@pytest.mark.parametrize("case", TRIPLES)
def test_triples_minectl_cannot_read_are_refused_in_one_line(case, tmp_path):
    line, expect = TRIPLES[case]
    folder = tmp_path / "kg"
    folder.mkdir()
    for name, text in (("train", TRAIN + line), ("valid", "usa\tembassy\tusa\n"), ("test", "uk\taid\tuk\n")):
        (folder / f"{name}.txt").write_text(text)
    run_dir = tmp_path / "run"
    assert_graph_refused(folder, run_dir, expect)
