"""Bad-input corpus, round 10b for text: maintenance-log text as people type it, and offsets as other tools count them.

Found: (1) a comma between two words with no space (`replace pump,seal`, `seal,100`) kept them one token:
`predict` tagged `pump,seal` as one word (one entity for two, or a word no training sentence holds), and a
Doccano label on `seal` cut the token into `pump,` and `seal`, the comma glued to `pump` in training, exit 0;
a comma now joins digits only (1,500 and 0,8 stay one number). (2) Doccano labels written as UTF-8 byte offsets
(a Go or Rust tool, `text.encode().find()`) fell a byte late after each `é`: `pump` in `café pump` read as `ump`,
the word cut and learnt in silence; now refused where the byte reading fits every label of the line. (3) `predict` of
a table saved as tab-separated .txt (Excel's "Text (Tab delimited)") tagged its header and ids as words and read a
cost after a part as its value (`pump seal -Value-> 1500`, `Cost hasPatient Description`), exit 0; now refused.
(4) Doccano ends counted inclusively (each label a letter short: `pum`, `sea`) cut nearly every word, learnt in
silence; refused where most labels cut a word and each would cover whole words ending one later.

Read right or refused cleanly already (probed): `c/o`, `u/s`, `o/h`, `re-seal`, `15mm` and `repl` one token each
(MaintIE keeps hyphenated words, `re-gas`, whole); UTF-16 offsets after an emoji refused; `predict` of
cp1252 text refused, numbers-only lines tagged with no entity, empty lines skipped with the file's line numbers kept;
entity F1 equals a hand count (exact span and type, micro and macro over types in gold or prediction); IOB1's
`I-` after `O` opens an entity; duplicated test sentences counted (`sentences.test_seen`)."""

from __future__ import annotations

import json

import polars as pl
from harness import assert_corpus_refused, assert_refused, invoke

from minectl.text.corpus import Span, read_corpus, tokenize
from minectl.text.scoring import entity_scores


def _words(text: str) -> list[str]:
    return [word for word, _, _ in tokenize(text)]


# -- (1) a comma between two words --------------------------------------------------------------------------------------

def test_a_comma_between_words_separates_them_and_joins_digits():
    assert _words("replace pump,seal") == ["replace", "pump", ",", "seal"]
    assert _words("pump,seal,valve") == ["pump", ",", "seal", ",", "valve"]
    assert _words("seal,100") == ["seal", ",", "100"]
    # near misses: numbers with a thousands or decimal comma, and maintenance abbreviations, stay whole
    assert _words("1,500 m 0,8 L/t 1,500,000.5 t") == ["1,500", "m", "0,8", "L/t", "1,500,000.5", "t"]
    assert _words("c/o pump u/s, re-seal o/h 15mm repl") == ["c/o", "pump", "u/s", ",", "re-seal", "o/h", "15mm", "repl"]


def test_a_doccano_label_after_a_comma_leaves_no_comma_on_the_word_before(tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps({"text": text, "label": labels}) for text, labels in [
        ("replace pump,seal", [[13, 17, "Item"]]), ("check pump seal", [[6, 10, "Item"]])]), encoding="utf-8")
    docs = read_corpus(path)
    assert docs[0].tokens == ["replace", "pump", ",", "seal"] and docs[0].entities == [Span(3, 4, "Item")]


def test_predict_tags_comma_joined_words_as_words(crf_extract_run, tmp_path):
    orders = tmp_path / "orders.txt"
    orders.write_text("replace pump,seal\ncheck pump seal\n")
    result = invoke("factors", "extract", "predict", crf_extract_run, f"factors.extract.text={orders}", f"out={tmp_path / 'out'}")
    assert result.exit_code == 0, result.output
    entities = pl.read_parquet(tmp_path / "out" / "entities.parquet")
    found = {line: entities.filter(pl.col("line") == line)["text"].to_list() for line in (1, 2)}
    assert "pump" in found[1] and "pump" in found[2], found  # line 1's pump found as line 2's is


# -- (2) UTF-8 byte offsets --------------------------------------------------------------------------------------------

def _orders(label: list, text: str = "café pump leaking") -> str:
    lines = [{"text": text, "label": [label]}] + [{"text": "replace pump seal", "label": [[8, 12, "Item"]]}]
    return "\n".join(map(json.dumps, lines)) + "\n"


def test_doccano_byte_offsets_after_an_accent_are_refused(tmp_path):
    assert_corpus_refused(tmp_path, "orders.jsonl", _orders([6, 10, "Item"]),
                          "line 1: label 0 [6, 10) cuts a word ('ump '), and read as UTF-8 bytes every label of the line falls on whole words")


def test_doccano_character_offsets_after_an_accent_read_as_before(tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text(_orders([5, 9, "Item"]), encoding="utf-8")
    assert read_corpus(path)[0].entities == [Span(1, 2, "Item")]
    # a label cutting a word that bytes do not explain either (`pump` in `pumps`) keeps its boundary, as before
    path.write_text(_orders([5, 9, "Item"], "café pumps leaking"), encoding="utf-8")
    assert read_corpus(path)[0].tokens == ["café", "pump", "s", "leaking"]


# -- guard: entity F1 against a hand count -----------------------------------------------------------------------------

def test_entity_scores_equal_a_hand_count():
    """Gold A[0,2) B[3,4); predicted A[0,2) B[3,5) A[6,7): one right of three predicted and two gold: P 1/3, R 1/2,
    F1 0.4; per type A: P 1/2 R 1 F1 2/3, B: 0, so macro F1 1/3 (seqeval's classification_report on the same tags)."""
    scores = entity_scores([[Span(0, 2, "A"), Span(3, 4, "B")]], [[Span(0, 2, "A"), Span(3, 5, "B"), Span(6, 7, "A")]])
    assert abs(scores["micro"]["precision"] - 1 / 3) < 1e-12 and scores["micro"]["recall"] == 0.5
    assert abs(scores["micro"]["f1"] - 0.4) < 1e-12 and abs(scores["A"]["f1"] - 2 / 3) < 1e-12 and scores["B"]["f1"] == 0
    assert abs(scores["macro"]["f1"] - 1 / 3) < 1e-12


# -- (3) a tab-separated table saved as .txt given to predict ----------------------------------------------------------

def test_predict_refuses_a_tab_separated_table_saved_as_text(crf_extract_run, tmp_path):
    """Excel's "Text (Tab delimited)" work orders: `Cost hasPatient Description` and `pump seal -Value-> 1500`, exit 0."""
    orders = tmp_path / "orders.txt"
    orders.write_text("WO\tDescription\tCost\n10001\treplace pump seal\t1500\n10002\tcheck engine oil\t200\n")
    assert_refused(["factors", "extract", "predict", crf_extract_run, f"factors.extract.text={orders}", f"out={tmp_path / 'out'}"],
                   ["orders.txt: 3 of its 3 lines hold tabs (line 1: 'WO\\tDescription\\tCost'): a tab-separated table",
                    "write its free-text column to a .txt file"], inputs=[orders], run_dir=tmp_path / "out")


def test_predict_reads_text_with_a_tab_here_and_there(crf_extract_run, tmp_path):
    orders = tmp_path / "orders.txt"
    orders.write_text("replace pump seal\tleaking\ncheck engine oil\ncheck fan belt\n")
    result = invoke("factors", "extract", "predict", crf_extract_run, f"factors.extract.text={orders}", f"out={tmp_path / 'out'}")
    assert result.exit_code == 0, result.output


# -- (4) most labels cutting a word --------------------------------------------------------------------------------------

def _labelled(spans: list[tuple[str, list]]) -> str:
    return "".join(json.dumps({"text": text, "label": labels}) + "\n" for text, labels in spans)


def test_doccano_labels_that_nearly_all_cut_a_word_are_refused(tmp_path):
    """Ends counted inclusively (one short): `pum`, `sea`, `engin` learnt as entities and `p`, `l`, `e` as words, exit 0."""
    content = _labelled([("replace pump seal", [[8, 11, "Item"], [13, 16, "Item"]]), ("check engine oil", [[6, 11, "Item"]])])
    assert_corpus_refused(tmp_path, "orders.jsonl", content,
                          "3 of its 3 labels end a letter inside a word (line 1: label 0 'pum' in 'pump'), each one short of whole "
                          "words; expected the end exclusive")


def test_doccano_labels_with_a_slip_or_a_unit_read_as_before(tmp_path):
    """One label of three cutting a word (`pump` in `pumps`) keeps the annotator's boundary; `15` and `mm` in `15mm` are
    a number and its unit; Thai, one token a run of letters, is cut at its labels; labels on letter pairs, none a letter
    short of whole words, are cut where they fall (tests/badinput/test_text_and_graph_exports.py)."""
    path = tmp_path / "orders.jsonl"
    path.write_text(_labelled([("replace pumps seal", [[8, 12, "Item"], [14, 18, "Item"]]), ("check engine oil", [[6, 12, "Item"]]),
                               ("cut 15mm", [[4, 6, "Size"], [6, 8, "Unit"]]), ("ปั๊มน้ำรั่ว", [[0, 7, "Item"]])]), encoding="utf-8")
    docs = read_corpus(path)
    assert docs[0].tokens == ["replace", "pump", "s", "seal"] and docs[2].tokens == ["cut", "15", "mm"]
    assert docs[3].tokens == ["ปั๊มน้ำ", "รั่ว"] and docs[3].entities == [Span(0, 1, "Item")]
