"""Bad-input corpus, round 6 for text: labelled-text layouts of public data sets not met before.

Found: (1) relation types written as Freebase paths (NYT10's `location/country/capital` and
`location/us_state/capital`) both count at their leaf, `capital`: two relations were one class,
trained and scored as one (`re_scores` listed `capital` alone, micro F1 100.00), exit 0; now refused
naming both. (2) Universal NER's `.iob2` (`1<TAB>Bush<TAB>B-PER<TAB>-<TAB>-`: id, token, tag, two
columns of `-`) was refused as "columns 3 and 5 both hold entity tags (GermEval 2014's ...)", though
column 5 holds none; now its tag column is read. (3) Span JSON Lines named `.jsonl` (MaintIE or SpERT
objects a line) went to the Doccano reader: "no 'text' string" or "label 0: expected [start, end,
label] character offsets (Label Studio JSON-MIN ...)"; now the line names span JSON and format=span_json.
(4) A span typed twice (`LOC` and `GPE`) is one entity at `levels=1` (or two leaves of one class at 5),
but stayed two: `entities.test` counted 4 for 2 test entities and `nested_dropped` counted the second
reading as a nested span dropped (test 2, train 16, none nested); now the cut merges them, relations follow.
(5) BioBERT's NER sets (NCBI-disease, BC5CDR: `token<TAB>B`, untyped B/I/O tags) were refused as "last column 'B' is
no tag ... a bare type, IO tagging, is not read"; the line now says they are untyped and what to write.
(6) Two relations of one entity pair (NYT's overlapping triples: France `contains` and `capital` Paris):
the pair classifier learns one relation a pair, the last listed, so 32 training relations were left out
of training in silence; now counted (`re.shared_pair.train`, `.test`) and said.
(7) A UTF-16 file with its byte-order mark (Notepad's "Unicode") as a corpus, `predict`'s text or KGE
splits was "not utf-8 text (byte 0)"; now named as UTF-16.

Read right or refused cleanly already (probed): a spaCy DocBin (`.spacy`, binary), CoNLL-2003 with
`-DOCSTART-` between empty documents, IOB1, a broken BIOES sentence, a token of an ideographic space,
a 100,000-character token, span JSON relations pointing past the entities or below 0, float offsets;
KGE splits in latin-1, an empty valid split, a PyKEEN header atop each split, 4 columns
(ICEWS' time), a pandas index column, a comment line, duplicates across or within splits."""

from __future__ import annotations

import json

import pytest
from harness import assert_corpus_refused, assert_graph_refused, assert_refused, invoke

from minectl.text.corpus import Document, Span, read_corpus, relabel


def _read(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return [(d.tokens, [(e.start, e.end, e.type) for e in d.entities]) for d in read_corpus(path)]


def _sentence(relations: list[str]) -> dict:
    return {"tokens": ["Paris", "France", "Austin", "Texas"],
            "entities": [{"start": k, "end": k + 1, "type": "LOC"} for k in range(4)],
            "relations": [{"head": 2 * j + 1, "tail": 2 * j, "type": kind} for j, kind in enumerate(relations)]}


@pytest.mark.parametrize(("relations", "expect"), [
    (["location/country/capital", "location/us_state/capital"],
     "relation types 'location/country/capital' and 'location/us_state/capital' both count as 'capital'"),
    (["a/Capital", "b/capital"], "relation types 'a/Capital' and 'b/capital' both count as 'capital'"),
])
def test_relation_types_sharing_a_leaf_are_refused_not_merged(relations, expect, tmp_path):
    assert_corpus_refused(tmp_path, "nyt.json", json.dumps([_sentence(relations)] * 20), expect)


def test_relation_types_with_distinct_leaves_stay_apart(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps([_sentence(["location/country/capital", "location/us_state/largest_city"])]))
    assert [r for _, _, r in read_corpus(path)[0].relations] == ["location/country/capital", "location/us_state/largest_city"]


UNER = """# sent_id = en_ewt-ud-train-0001
# text = Al-Zaman : American forces
1\tAl-Zaman\tB-ORG\t-\t-
2\t:\tO\t-\t-
3\tAmerican\tB-LOC\t-\t-
4\tforces\tO\t-\t-

# sent_id = en_ewt-ud-train-0002
1\tGeorge\tB-PER\t-\t-
2\tBush\tI-PER\t-\t-
"""


@pytest.mark.parametrize("content", [UNER, UNER.replace("\t-\t-", "\t-")])
def test_universal_ner_iob2_reads_its_tag_column(content, tmp_path):
    assert _read(tmp_path, "en_ewt-ud-train.iob2", content) == [
        (["Al-Zaman", ":", "American", "forces"], [(0, 1, "ORG"), (2, 3, "LOC")]), (["George", "Bush"], [(0, 2, "PER")])]


def test_a_numbered_file_with_a_tag_after_the_tag_column_is_still_refused(tmp_path):
    # column 4 holds a tag on one line: not Universal NER's '-' columns, so the last column is read, and it holds no tag elsewhere
    assert_corpus_refused(tmp_path, "c.iob2", UNER.replace("2\t:\tO\t-", "2\t:\tO\tB-X"), "line 3: '1\\tAl-Zaman\\tB-ORG\\t-\\t-': "
                          "last column '-' is no tag")


@pytest.mark.parametrize("item", [
    {"tokens": ["pump", "leaking"], "entities": [{"start": 0, "end": 1, "type": "Item"}], "relations": []},  # SpERT
    {"text": "pump leaking", "tokens": ["pump", "leaking"], "entities": [{"start": 0, "end": 1, "type": "Item"}]},  # MaintIE
])
def test_span_json_lines_named_jsonl_name_the_format(item, tmp_path):
    assert_corpus_refused(tmp_path, "gold.jsonl", "\n".join([json.dumps(item)] * 12),
                          "gold.jsonl: line 1: a 'tokens' list, as span JSON has (entity offsets count tokens); expected a Doccano "
                          "object {text, label} (offsets count characters): read it with factors.extract.format=span_json")


def test_two_types_of_one_span_that_meet_at_the_level_are_one_entity():
    doc = Document(["Paris", "hosts", "UNESCO"], [Span(0, 1, "LOC/City"), Span(0, 1, "GPE"), Span(2, 3, "ORG"), Span(0, 1, "LOC/Capital")],
                   [(0, 2, "r/hosts"), (1, 2, "hosts"), (3, 2, "hosts"), (2, 1, "in")])
    assert relabel([doc], 1)[0].entities == [Span(0, 1, "Entity"), Span(2, 3, "Entity")]
    assert relabel([doc], 1)[0].relations == [(0, 1, "hosts"), (1, 0, "in")]
    assert relabel([doc], 5)[0].entities == [Span(0, 1, "LOC"), Span(0, 1, "GPE"), Span(2, 3, "ORG")]
    assert relabel([doc], 5)[0].relations == [(0, 2, "hosts"), (1, 2, "hosts"), (2, 1, "in")]
    assert relabel([doc], 224)[0].entities == doc.entities  # nothing meets: as given


def test_a_span_typed_twice_counts_once_at_one_class(tmp_path):
    path = tmp_path / "multi.json"
    path.write_text(json.dumps([{"tokens": ["Paris", "is", "big"], "entities": [{"start": 0, "end": 1, "type": "LOC"},
                                                                               {"start": 0, "end": 1, "type": "GPE"}]}] * 20))
    result = invoke("factors", "extract", f"factors.extract.corpus={path}", "factors.extract.levels=1", "factors.extract.models=[crf]",
                    "factors.extract.best=crf", "factors.extract.crf.max_iterations=5", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (metrics["entities.test"], metrics["nested_dropped.test"], metrics["nested_dropped.train"]) == (2, 0, 0)


def test_untyped_bio_tags_name_biobert_and_what_to_write(tmp_path):
    assert_corpus_refused(tmp_path, "train.tsv", "Selegiline\tB\n-\tO\ninduced\tO\npostural\tB\nhypotension\tI\n",
                          "train.tsv: line 1: 'Selegiline\\tB': last column 'B' is no tag (untyped B/I/O tags, as BioBERT's NER sets "
                          "write them: name the class, B-Disease and I-Disease)")


def test_relations_sharing_an_entity_pair_are_counted_and_said(tmp_path):
    # NYT's overlapping triples: France -contains-> Paris and France -capital-> Paris; the classifier learns one a pair
    item = {"tokens": ["Paris", "is", "in", "France", "near", "Lyon"],
            "entities": [{"start": 0, "end": 1, "type": "LOC"}, {"start": 3, "end": 4, "type": "LOC"}, {"start": 5, "end": 6, "type": "LOC"}],
            "relations": [{"head": 1, "tail": 0, "type": "contains"}, {"head": 1, "tail": 0, "type": "capital"},
                          {"head": 1, "tail": 2, "type": "contains"}]}
    path = tmp_path / "epo.json"
    path.write_text(json.dumps([item] * 40))
    result = invoke("factors", "extract", f"factors.extract.corpus={path}", "factors.extract.models=[crf]", "factors.extract.best=crf",
                    "factors.extract.crf.max_iterations=20", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    assert "32 training and 4 test relations join an entity pair another relation joins too" in " ".join(result.output.split())
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (metrics["re.shared_pair.train"], metrics["re.shared_pair.test"]) == (32, 4)
    assert (metrics["re.contains.f1"], metrics["re.capital.f1"]) == (pytest.approx(200 / 3), 100.0)  # contains: recall 4 of 8


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])  # Notepad's "Unicode": a byte-order mark first
def test_a_utf16_file_with_its_byte_order_mark_is_named_as_utf16(encoding, tmp_path):
    path = tmp_path / "c.conll"
    path.write_bytes("\ufeffreplace\tB-Activity\npump\tB-Item\n".encode(encoding))
    assert_refused(["factors", "extract", f"factors.extract.corpus={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: UTF-16 text (its byte-order mark says so); expected a labelled text file (conll): save it as UTF-8",
                   inputs=[path], run_dir=tmp_path / "run")
    folder = tmp_path / "kg"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        (folder / f"{split}.txt").write_bytes("\ufeffa\tr\tb\n".encode(encoding))
    assert_graph_refused(folder, tmp_path / "run2", f"{folder / 'train.txt'}: UTF-16 text (its byte-order mark says so); expected a "
                         "tab-separated UTF-8 triples file (head, relation, tail): save it as UTF-8")
