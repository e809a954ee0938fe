"""Bad-input corpus, round 11 for graph and text: the formats other people bring.

Found: (1) spaCy's `Doc.to_json` records ({text, ents, sents, tokens}) as .jsonl were sent to span JSON ("a 'tokens' list,
as span JSON has ... read it with factors.extract.format=span_json"), and as .json (or read so) back to Doccano ("a 'text'
with character offsets is Doccano's: format doccano"): each reader named the other; now both name spaCy's export and how to
write it as Doccano JSONL. spaCy v2's training JSON ({id, paragraphs}) is named too. Hugging Face datasets' NER rows
({tokens, ner_tags}, a tag id a token: CoNLL-2003, WNUT-17 as `to_json` writes them) went the same way: .jsonl was sent to
span JSON, which then asked for 'entities'; both now name the tag column and say to write CoNLL lines. (2) A token `<PAD>`
(any case) in a labelled corpus was the neural taggers' padding id: masked out, so each tag after it fell one token early (`replace <PAD>
pump`: `<PAD>` tagged as the Item, `pump` never) in training and prediction, exit 0; it is an unknown word now. (3) The
graph's node names dropped combining marks (Python's \\W holds them): the Devanagari and Thai vowel signs, so पंप (pump)
and पिप, or ปั๊ม and ปิม, were one node, their edges merged in silence; the marks stay now (Latin names as before). (4)
`predict` refused work orders ending in an equipment code (`clean screen deck S-101`, `inspect motor M-4`) or in `U-bolt`,
`E-stop` as "a CoNLL file": a tag names its type by a word, and a CoNLL file tags some token O.

Read right or refused cleanly already (probed): link-prediction MRR, hits@k and mean rank, filtered and raw, equal a hand
count on a 4-entity graph (ties at the mean rank); WordNet ids with leading zeros stay strings; a self-loop, trailing
spaces and tabs, CR LF with a byte-order mark read as triples; a 4th column (confidence), space- or comma-separated
triples refused naming file and line; a triple in train and test, a relation or entity only in test refused (or left out
and counted, factors.kge.unseen=drop, the metrics then a hand count too); a CoNLL-2003 file (-DOCSTART-, POS and chunk
columns, German words, bracket tokens) trains, scores and predicts; IOB1 (`I-PER I-PER B-PER`) and BIOES read as by hand;
a text triple whose name is punctuation only is refused naming its row."""

from __future__ import annotations

import json

import polars as pl
import pytest
from harness import assert_corpus_refused, assert_refused, invoke

from minectl.errors import DataError
from minectl.factors.declared import Knowledge, normalise_name
from minectl.factors.kge.data import load_splits
from minectl.text.corpus import Span, read_corpus

SPACY_TEXT = "replace pump seal on conveyor"


def _spacy_record(i: int) -> dict:
    """One work order as spaCy's Doc.to_json writes it: character offsets in ents and tokens."""
    words = [("replace", 0), ("pump", 8), ("seal", 13), ("on", 18), ("conveyor", 21)]
    return {"text": SPACY_TEXT, "ents": [{"start": 8, "end": 17, "label": "Item"}], "sents": [{"start": 0, "end": len(SPACY_TEXT)}],
            "tokens": [{"id": j, "start": s, "end": s + len(w)} for j, (w, s) in enumerate(words)]}


SPACY_HINT = "(spaCy's Doc.to_json {text, ents, tokens}: write each as Doccano JSONL {text, label: [[start, end, label], ...]}"


@pytest.mark.parametrize("name, write", [
    ("orders.jsonl", lambda records: "\n".join(map(json.dumps, records)) + "\n"),  # the Doccano reader
    ("orders.json", json.dumps),  # the span JSON reader
])
def test_spacy_doc_json_is_named_by_either_reader(name, write, tmp_path):
    assert_corpus_refused(tmp_path, name, write([_spacy_record(i) for i in range(12)]), SPACY_HINT)


def test_spacy_v2_training_json_is_named(tmp_path):
    v2 = [{"id": 0, "paragraphs": [{"raw": "replace pump", "sentences": [{"tokens": [
        {"id": 0, "orth": "replace", "ner": "O"}, {"id": 1, "orth": "pump", "ner": "U-Item"}]}]}]}]
    assert_corpus_refused(tmp_path, "train.json", json.dumps(v2), "(spaCy v2's training JSON {id, paragraphs}: write each token's")


HF_ROWS = [{"id": str(i), "tokens": ["EU", "rejects", "German", "call"], "pos_tags": [22, 42, 16, 21], "ner_tags": [3, 0, 7, 0]}
           for i in range(12)]
HF_HINT = "(and a tag a token in 'ner_tags', as Hugging Face datasets' NER rows have: write 'token TAG' lines, CoNLL"


@pytest.mark.parametrize("name, content", [
    ("conll2003.jsonl", "\n".join(map(json.dumps, HF_ROWS)) + "\n"),
    ("conll2003.json", json.dumps(HF_ROWS)),
], ids=["jsonl", "json"])
def test_hugging_face_ner_rows_are_named_by_either_reader(name, content, tmp_path):
    assert_corpus_refused(tmp_path, name, content, HF_HINT)


def test_span_json_lines_named_jsonl_still_point_to_span_json(tmp_path):
    """The near miss: a MaintIE item a line (its entities there, a per-token list beside them) is span JSON, named so."""
    item = {"tokens": ["replace", "pump"], "entities": [{"start": 1, "end": 2, "type": "Item"}], "tags": ["O", "B-Item"]}
    assert_corpus_refused(tmp_path, "maintie.jsonl", "\n".join([json.dumps(item)] * 12) + "\n",
                          "line 1: a 'tokens' list, as span JSON has (entity offsets count tokens); expected a Doccano object "
                          "{text, label} (offsets count characters): read it with factors.extract.format=span_json")


def test_spacy_records_written_as_the_hint_says_read_as_their_ents(tmp_path):
    """The near miss: the same records as Doccano JSONL, their ents as labels, read with the entity where spaCy put it."""
    path = tmp_path / "orders.jsonl"
    records = [_spacy_record(i) for i in range(12)]
    path.write_text("\n".join(json.dumps({"text": r["text"], "label": [[e["start"], e["end"], e["label"]] for e in r["ents"]]})
                              for r in records) + "\n")
    docs = read_corpus(path)
    assert len(docs) == 12
    assert docs[0].tokens == SPACY_TEXT.split() and docs[0].entities == [Span(1, 3, "Item")]


# -- (2) a token `<PAD>` in a labelled corpus ---------------------------------------------------------------------------

def test_a_pad_token_keeps_the_tags_after_it_on_their_words():
    """`<PAD>` (a padded export's filler, any case) was the padding id: masked out, each tag after it fell one token early
    and the last word had none. Read as an unknown word, the tagger tags `pump` in `replace <PAD> pump` as in `replace qqq
    pump`."""
    from minectl.text.corpus import Document
    from minectl.text.neural import NeuralTagger

    docs = [Document([verb, part], [Span(0, 1, "Activity"), Span(1, 2, "Item")])
            for verb in ("replace", "check", "inspect", "clean", "repair") for part in ("pump", "motor", "seal", "belt", "valve")]
    tagger = NeuralTagger(use_crf=False, word_dim=8, char_dim=4, char_hidden=4, dict_dim=0, hidden=8, max_epochs=8,
                          word_vectors=False, dictionary_first=None, dropout=0.0, word_dropout=0.0, learning_rate=0.02,
                          batch_size=8).fit(docs, docs[:5])
    padded, unknown = tagger.predict([Document(["replace", "<PAD>", "pump"]), Document(["replace", "qqq", "pump"])])
    assert Span(2, 3, "Item") in padded and Span(2, 3, "Item") in unknown


# -- link-prediction metrics against a hand count -----------------------------------------------------------------------

def test_baseline_link_prediction_metrics_equal_a_hand_count(tmp_path):
    """The relation-frequency baseline (smoothing 0.1) on a 4-entity graph, each rank counted by hand.
    Tail counts of r: b 2.1, c 1.1, a d 0.1; head counts of r: a 2.1, d 1.1; of s: tails a 2.1, heads b c 1.1.
    Test (d r c): (d r ?) ranks c 2nd raw, 1st with b (d r b) filtered; (? r c) ranks d 2nd raw, 1st with a filtered.
    Test (b s d): (b s ?) ties d with b, c below a: 1 + 1 + 2/2 = 3 raw, 1 + 2/2 = 2 with a filtered; (? s d) ties b with
    c: 1.5 raw, 1 with c (c s d, the valid triple) filtered. A header line, trailing spaces, CR LF and leading-zero ids
    read as written."""
    from minectl.factors.kge.data import load_splits
    from minectl.factors.link_prediction import run_link_prediction

    folder = tmp_path / "kg"
    folder.mkdir()
    (folder / "train.txt").write_text("head\trelation\ttail\r\n0a\tr\t0b \r\n0a\tr\t0c\r\n0d\tr\t0b\r\n0b\ts\t0a\r\n0c\ts\t0a\r\n")
    (folder / "valid.txt").write_text("0c\ts\t0d\n")
    (folder / "test.txt").write_text("0d\tr\t0c\t\n0b\ts\t0d\n")
    splits = load_splits(folder)
    assert splits.entities == ("0a", "0b", "0c", "0d")
    table, _ = run_link_prediction(splits, {}, seed=0, max_epochs=None, device="cpu")
    row = {r["ranking"]: r for r in table.filter(table["model"] == "baseline").iter_rows(named=True)}
    filtered, raw = [1, 1, 2, 1], [2, 2, 3, 1.5]
    for kind, ranks in (("filtered", filtered), ("raw", raw)):
        assert row[kind]["mrr"] == pytest.approx(sum(1 / r for r in ranks) / 4)
        assert row[kind]["mean_rank"] == pytest.approx(sum(ranks) / 4)
        assert row[kind]["hits@1"] == sum(r <= 1 for r in ranks) / 4 and row[kind]["hits@3"] == sum(r <= 3 for r in ranks) / 4
        assert row[kind]["hits@5"] != row[kind]["hits@5"]  # NaN: 5 >= 4 entities, every rank is within it


# -- (3) combining marks in node names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("first, second", [("पंप", "पिप"), ("ปั๊ม", "ปิม")])
def test_words_told_apart_by_vowel_signs_are_two_nodes(first, second):
    knowledge = Knowledge()
    names = [knowledge.add_node(name, "Materials", "test") for name in (first, second)]
    assert names == [first, second] and len(knowledge.nodes) == 2


@pytest.mark.parametrize("raw, name", [
    ("पंप मोटर (kW)", ("पंप_मोटर", "kW")),  # the marks kept, the words joined as Latin ones are
    ("Förder-Band  (km)", ("förder_band", "km")), ("Fo\u0308rderstrecke", ("förderstrecke", None)),  # NFKC composes first
    ("__Full  Bucket-Rate__", ("full_bucket_rate", None)), ("x²·y", ("x2_y", None)),
])
def test_names_without_marks_normalise_as_before(raw, name):
    assert normalise_name(raw) == name


# -- (4) predict: work orders ending in a code -------------------------------------------------------------------------

@pytest.mark.parametrize("orders", [
    "replace seal on conveyor B-12\ninspect pump motor M-4\nclean screen deck S-101\ncheck belt tension on B-7\n",
    "test E-stop\nreplace U-bolt\ncheck I-beam\n",
], ids=["equipment-codes", "hyphenated-parts"])
def test_predict_reads_work_orders_ending_in_codes(orders, crf_extract_run, tmp_path):
    text = tmp_path / "orders.txt"
    text.write_text(orders)
    result = invoke("factors", "extract", "predict", crf_extract_run, f"factors.extract.text={text}", f"out={tmp_path / 'out'}")
    assert result.exit_code == 0, result.output
    assert f"{orders.count(chr(10))} lines:" in result.output
    assert pl.read_parquet(tmp_path / "out" / "pending.parquet")["line"].max() <= orders.count("\n")


def test_predict_still_refuses_a_conll_file(crf_extract_run, tmp_path):
    """The near miss: `token<TAB>tag` lines, some tagged O, stay refused as CoNLL."""
    labelled = tmp_path / "test.txt"
    labelled.write_text("Pumpe\tB-Item\nwechseln\tB-Activity\n\nan\tO\nÖl\tS-Material\n")
    assert_refused(["factors", "extract", "predict", crf_extract_run, f"factors.extract.text={labelled}", f"out={tmp_path / 'out'}"],
                   f"{labelled}: 4 of its 4 lines end in a tag (line 1: 'Pumpe\\tB-Item'): a CoNLL file; expected plain text",
                   inputs=[labelled, crf_extract_run])


# files joined with their headers (`cat part1.tsv part2.tsv`): the second header was a triple, `head` and `tail` entities


def _kge_folder(tmp_path, train):
    folder = tmp_path / "kg"
    folder.mkdir()
    (folder / "train.txt").write_text(train)
    (folder / "valid.txt").write_text("c\ts\td\n")
    (folder / "test.txt").write_text("d\tr\tc\n")
    return folder


def test_a_header_repeated_inside_a_split_is_refused(tmp_path):
    train = "head\trelation\ttail\na\tr\tb\na\tr\tc\nhead\trelation\ttail\nd\tr\tb\nb\ts\ta\nc\ts\ta\nd\ts\td\n"
    with pytest.raises(DataError, match=r"train.txt:4: 'head\\trelation\\ttail' names the columns again"):
        load_splits(_kge_folder(tmp_path, train))


def test_one_header_on_the_first_line_still_reads(tmp_path):
    splits = load_splits(_kge_folder(tmp_path, "head\trelation\ttail\na\tr\tb\na\tr\tc\nd\tr\tb\nb\ts\ta\nc\ts\ta\nd\ts\td\n"))
    assert splits.entities == ("a", "b", "c", "d") and len(splits.train) == 6
