"""Public labelled-text and knowledge-graph layouts, written as their publishers and tools write
them, met where a user meets them. Each reads as meant (tokens, spans and counts checked by hand)
or is refused in one line naming the file, the line or item and the format. Read wrong in silence
before: a first column numbering the tokens (CoNLL-U Plus with NER last, `1<TAB>EU<TAB>B-ORG`)
was read as the tokens `1`, `2`, `3`, and GermEval 2014's nested tag column was read for its
outer one. Refused before, read now: BMES tags (Resume NER), Label Studio JSON-MIN, CoNLL-U
multiword ranges beside a NER column. Refused before without naming the format: BRAT standoff,
plain CoNLL-U, Label Studio's JSON export, spaCy training pairs, OpenKE's train2id.txt."""

from __future__ import annotations

import json

import pytest
from harness import assert_corpus_refused, assert_graph_refused, assert_refused

from minectl.factors.kge.data import load_splits
from minectl.text.corpus import read_corpus

UD_PLUS = """# global.columns = ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC NER
# sent_id = 1
# text = EU don't reject German calls.
1\tEU\tEU\tPROPN\tNNP\t_\t3\tnsubj\t_\t_\tB-ORG
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_\tO
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_\tO
4\treject\treject\tVERB\tVB\t_\t0\troot\t_\t_\tO
5\tGerman\tGerman\tADJ\tJJ\t_\t6\tamod\t_\t_\tB-MISC
5.1\tcalls\tcall\tNOUN\tNNS\t_\t_\t_\t4:obj\t_\t_
6\tcalls\tcall\tNOUN\tNNS\t_\t4\tobj\t_\tSpaceAfter=No\tO
7\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_\tO

# sent_id = 2
1\tPeter\tPeter\tPROPN\tNNP\t_\t0\troot\t_\t_\tB-PER
2\tBlackburn\tBlackburn\tPROPN\tNNP\t_\t1\tflat\t_\t_\tI-PER
"""


def _read(tmp_path, name: str, content: str, fmt: str | None = None):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return [(d.tokens, [(e.start, e.end, e.type) for e in d.entities]) for d in read_corpus(path, fmt)]


@pytest.mark.parametrize("content", [
    "1\tEU\tB-ORG\n2\trejects\tO\n3\tGerman\tB-MISC\n\n1\tPeter\tB-PER\n2\tBlackburn\tI-PER\n",  # a numbered export
    "1 EU NNP B-ORG\n2 rejects VBZ O\n3 German JJ B-MISC\n\n1 Peter NNP B-PER\n2 Blackburn NNP I-PER\n",
    "0\tEU\tB-ORG\n1\trejects\tO\n2\tGerman\tB-MISC\n\n0\tPeter\tB-PER\n1\tBlackburn\tI-PER\n",  # counted from 0
])
def test_a_first_column_numbering_the_tokens_is_no_token(content, tmp_path):
    assert _read(tmp_path, "c.tsv", content) == [(["EU", "rejects", "German"], [(0, 1, "ORG"), (2, 3, "MISC")]),
                                                 (["Peter", "Blackburn"], [(0, 2, "PER")])]


def test_conllu_plus_with_ner_last_reads_its_words_not_its_ranges_or_empty_nodes(tmp_path):
    # the range 2-3 (don't) and the empty node 5.1 are no words; the words are the FORM column
    assert _read(tmp_path, "c.conllu", UD_PLUS) == [
        (["EU", "do", "n't", "reject", "German", "calls", "."], [(0, 1, "ORG"), (4, 5, "MISC")]),
        (["Peter", "Blackburn"], [(0, 2, "PER")])]


def test_a_numbered_file_whose_word_is_a_number_stays_a_token_file(tmp_path):
    # the first column does not count 1, 2, 3 on every line: it is the token
    assert _read(tmp_path, "c.conll", "1 CD O\npump NN B-X\n\n2 CD O\nseal NN B-X\n") == [
        (["1", "pump"], [(1, 2, "X")]), (["2", "seal"], [(1, 2, "X")])]


def test_bmes_tags_read_as_bioes(tmp_path):
    content = "高 B-NAME\n勇 E-NAME\n男 O\n\n中 B-ORG\n国 M-ORG\n银 M-ORG\n行 E-ORG\n的 O\n李 S-NAME\n"
    assert _read(tmp_path, "c.char", content) == [(["高", "勇", "男"], [(0, 2, "NAME")]),
                                                  (["中", "国", "银", "行", "的", "李"], [(0, 4, "ORG"), (5, 6, "NAME")])]


def test_label_studio_json_min_reads_as_doccano(tmp_path):
    items = [{"id": 1, "text": "EU rejects German call", "annotator": 1, "label": [
        {"start": 0, "end": 2, "text": "EU", "labels": ["ORG"]}, {"start": 11, "end": 17, "text": "German", "labels": ["MISC"]}]}]
    assert _read(tmp_path, "ls.json", json.dumps(items), "doccano") == [
        (["EU", "rejects", "German", "call"], [(0, 1, "ORG"), (2, 3, "MISC")])]


LABEL_STUDIO = [{"id": 1, "data": {"text": "EU rejects"}, "predictions": [], "annotations": [{"result": [
    {"id": "a", "from_name": "label", "to_name": "text", "type": "labels", "value": {"start": 0, "end": 2, "labels": ["ORG"]}}]}]}]
CORPORA = {  # name: (file name, content, texts the error line holds)
    "GermEval 2014 (outer and nested tag columns)": (
        "g.tsv", "# n-tv.de vom 26.02.2005 [2005-02-26]\n1\tSchartau\tB-PER\tO\n2\tsagte\tO\tO\n\n1\tBerliner\tB-ORG\tB-LOC\n",
        ["g.tsv: line 2: '1\\tSchartau\\tB-PER\\tO': columns 3 and 4 both hold entity tags (GermEval 2014", "expected one tag column"]),
    "CoNLL-U without NER": ("u.conllu", "# sent_id = 1\n1\tEU\tEU\tPROPN\tNNP\t_\t0\troot\t_\tSpaceAfter=No\n",
                            ["u.conllu: line 2:", "last column 'SpaceAfter=No' is no tag (CoNLL-U holds no entity tags"]),
    "BRAT standoff": ("b.ann", "T1\tOrganization 0 2\tEU\nT2\tPerson 3 8;12 15\tPeter Bla\nR1\tRel Arg1:T1 Arg2:T2\n",
                      ["b.ann: line 1:", "a BRAT standoff (.ann) line, a format minectl does not read", "anntoconll"]),
    "BMES broken (M- after O)": ("c.char", "中 O\n国 M-ORG\n行 E-ORG\n",
                                 ["c.char: line 2: tag M-ORG after O and before E-ORG; expected a BIOES/BILOU sequence",
                                  "I- (BMES: M-) continues"]),
    "Label Studio JSON-MIN, two labels on a span": (
        "ls.jsonl", json.dumps({"text": "EU rejects", "label": [{"start": 0, "end": 2, "labels": ["ORG", "LOC"]}]}) + "\n",
        "ls.jsonl: line 1: label 0: expected [start, end, label] character offsets and a label (Label Studio JSON-MIN"),
    "Label Studio JSON export": ("ls.json", json.dumps(LABEL_STUDIO),
                                 "ls.json: item 0: no 'tokens' list of strings (Label Studio's JSON export: export JSON-MIN"),
    "spaCy training pairs": ("s.json", json.dumps([["EU rejects", {"entities": [[0, 2, "ORG"]]}]]),
                             "s.json: item 0: no 'tokens' list of strings (spaCy's [text, {entities}] training pair"),
    "span JSON with an empty sentence": ("e.json", json.dumps([{"tokens": [], "entities": []}]),
                                         "e.json: item 0: an empty 'tokens' list; expected {tokens, entities, relations}"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", CORPORA)
def test_public_text_layouts_minectl_does_not_read_are_named(case, tmp_path):
    assert_corpus_refused(tmp_path, *CORPORA[case])


def test_freebase_wordnet_and_yago_names_read_as_written(tmp_path):
    # FB15k-237's paths, WN18RR's synset ids (leading zeros kept), YAGO3-10's commas, parentheses and accents
    names = [("/m/027rn", "/location/country/form_of_government", "/m/06cx9"), ("00260881", "_hypernym", "00260622"),
             ("São_Paulo_(state)", "isLocatedIn", "Paris,_Texas")]
    train = [triple for h, r, t in names for triple in ((h, r, t), (t, r, h), (h, "r2", h + "x"), (t, "r2", h + "x"))]
    for split, rows in (("train", train), ("valid", [(names[0][0] + "x", "r2", names[0][0])]),
                        ("test", [(names[1][2], names[1][1], names[2][2])])):
        (tmp_path / f"{split}.txt").write_text("".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")
    splits = load_splits(tmp_path)
    assert len(splits.entities) == 9 and len(splits.relations) == 4  # 6 names + 3 "x" entities; 3 relations + r2
    assert {"00260881", "São_Paulo_(state)", "Paris,_Texas", "/m/027rn"} <= set(splits.entities)
    assert (len(splits.train), len(splits.valid), len(splits.test)) == (12, 1, 1)


def test_wn18rr_style_unseen_entities_are_counted_in_the_refusal(tmp_path):
    # WN18RR as published: valid and test name entities train lacks; the line names the first and counts them all
    folder = tmp_path / "kg"
    folder.mkdir()
    (folder / "train.txt").write_text("00260881\t_hypernym\t00260622\n00260622\t_hyponym\t00260881\n")
    (folder / "valid.txt").write_text("00260881\t_hyponym\t00260622\n00260881\t_hypernym\t09999999\n01332730\t_hyponym\t00260881\n")
    (folder / "test.txt").write_text("00260622\t_hypernym\t00260881\n")
    run_dir = tmp_path / "run"
    assert_graph_refused(folder, run_dir, ["valid.txt:2: entity '09999999' does not occur in train.txt",
                                           "(2 of its 3 triples name one training lacks: drop those lines, or factors.kge.unseen=drop "
                                           "leaves them out and counts them, as PyKEEN does)"])


def test_wn18rr_style_unseen_entities_are_left_out_and_counted_when_asked(tmp_path):
    """factors.kge.unseen=drop: WN18RR as published runs, as in PyKEEN, its left-out triples counted."""
    from minectl.factors.kge.data import load_splits

    folder = tmp_path / "kg"
    folder.mkdir()
    (folder / "train.txt").write_text("a\tr\tb\nb\tr\tc\nc\ts\ta\n")
    (folder / "valid.txt").write_text("a\ts\tb\na\tr\tz\n")
    (folder / "test.txt").write_text("b\ts\tc\ny\tr\ta\na\tq\tb\n")  # an unseen entity, then an unseen relation
    splits = load_splits(folder, "drop")
    assert splits.unseen_dropped == {"valid": 1, "test": 2} and (len(splits.valid), len(splits.test)) == (1, 1)
    assert splits.entities == ("a", "b", "c") and splits.relations == ("r", "s")  # y, z and q are nobody's
    (folder / "test.txt").write_text("y\tr\ta\n")
    assert_refused(["factors", f"factors.kge.graph={folder}", "factors.kge.unseen=drop", "factors.sources.data=null",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   "test.txt: every one of its 1 triples names an entity or relation train.txt lacks; expected test triples to "
                   "evaluate on", inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize("files, expect", [
    ({"train.tsv": "a\tr\tb\n", "dev.tsv": "b\tr\ta\n", "test.tsv": "a\tr\ta\n"},
     "valid.txt: missing; the folder holds dev.tsv, test.tsv, train.tsv; expected train.txt, valid.txt and test.txt (or .tsv)"),
    ({"train2id.txt": "1\n0 1 0\n", "valid2id.txt": "1\n1 0 0\n", "test2id.txt": "1\n0 0 0\n", "entity2id.txt": "2\na\t0\nb\t1\n"},
     ["train.txt: missing; the folder holds entity2id.txt, test2id.txt, train2id.txt, valid2id.txt (OpenKE's train2id.txt"]),
])
def test_a_folder_without_the_splits_names_what_it_holds(files, expect, tmp_path):
    folder = tmp_path / "kg"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    run_dir = tmp_path / "run"
    assert_graph_refused(folder, run_dir, expect)
