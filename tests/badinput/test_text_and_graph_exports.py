"""Labelled text, `predict` text, user dictionaries and triples files shaped as real tools and
users write them: a shape a user expects to work reads as its plain twin does (a JSON array for
JSONL, a line separator inside a Doccano text, a header line), and a damaged one is refused in one
line naming the file, the line or item and what was expected. Each case once passed silently
(a relation counted twice, a token cut at a space, a header read as a term), crashed, or was
refused though it was good."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.errors import DataError
from minectl.factors.kge.data import read_triples
from minectl.text.corpus import read_corpus, tokenize
from minectl.text.dictionary import read_terms

TEXT = "replace air filter"
TWO_ENTITIES = [{"id": 7, "start_offset": 0, "end_offset": 7, "label": "Activity"},
                {"id": 8, "start_offset": 8, "end_offset": 18, "label": "PhysicalObject"}]
SPAN_ITEM = {"tokens": ["replace", "air", "filter"],
             "entities": [{"start": 1, "end": 3, "type": "PhysicalObject"}, {"start": 0, "end": 1, "type": "Activity"}],
             "relations": [{"head": 1, "tail": 0, "type": "hasPatient"}]}


def _write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def _jsonl(*items: dict) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


def _read(path: Path) -> list[tuple]:
    return [(d.tokens, [(e.start, e.end, e.type) for e in d.entities], d.relations) for d in read_corpus(path)]


# -- Doccano JSONL --------------------------------------------------------------------------------

@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_doccano_text_holding_a_unicode_line_separator_is_one_line(separator, tmp_path):
    # json.dumps(ensure_ascii=False), as exports write, leaves these raw: they are white space in a text, not line ends
    path = _write(tmp_path / "export.jsonl", _jsonl({"text": f"replace{separator}air filter", "label": [[8, 18, "PhysicalObject"]]},
                                                     {"text": "check pump", "label": [[6, 10, "PhysicalObject"]]}))
    assert _read(path) == [(["replace", "air", "filter"], [(1, 3, "PhysicalObject")], []), (["check", "pump"], [(1, 2, "PhysicalObject")], [])]


@pytest.mark.parametrize("indent", [None, 2])
def test_a_doccano_export_written_as_one_json_array_reads_as_its_jsonl(indent, tmp_path):
    items = [{"id": 1, "text": TEXT, "label": [[8, 18, "PhysicalObject"]], "Comments": []},
             {"id": 2, "text": TEXT, "entities": TWO_ENTITIES, "relations": [{"id": 1, "from_id": 7, "to_id": 8, "type": "hasPatient"}]}]
    jsonl = _read(_write(tmp_path / "lines.jsonl", _jsonl(*items)))
    assert _read(_write(tmp_path / "array.jsonl", json.dumps(items, indent=indent))) == jsonl
    assert jsonl[1] == (["replace", "air", "filter"], [(0, 1, "Activity"), (1, 3, "PhysicalObject")], [(0, 1, "hasPatient")])


def _relations(*relations: dict, entities: list[dict] = TWO_ENTITIES, **more) -> str:
    return _jsonl({"text": TEXT, "entities": entities, "relations": list(relations), **more})


BAD_LABELS = {  # name: (file name, content, expected)
    "a relation listed twice (Doccano)": ("a.jsonl", _relations(*[{"from_id": 7, "to_id": 8, "type": "hasPatient"}] * 2),
                                          "line 1: relation 1 repeats relation 0 (entity 0 -hasPatient-> entity 1)"),
    "a relation listed twice (span JSON)": ("a.json", json.dumps([{**SPAN_ITEM, "relations": SPAN_ITEM["relations"] * 2}]),
                                            "item 0: relation 1 repeats relation 0"),
    "an empty relation type": ("a.jsonl", _relations({"from_id": 7, "to_id": 8, "type": " "}),
                               "line 1: relation 0: type ' '; expected a type name"),
    "a relation head true (span JSON)": ("a.json", json.dumps([{**SPAN_ITEM, "relations": [{"head": True, "tail": 0, "type": "r"}]}]),
                                         "item 0: relation 0: expected {head, tail, type}"),
    "a relation from_id true (Doccano)": ("a.jsonl", _relations({"from_id": True, "to_id": 8, "type": "r"},
                                                                entities=[{**TWO_ENTITIES[0], "id": 1}, TWO_ENTITIES[1]]),
                                          "line 1: relation 0: expected {from_id, to_id, type} naming entity ids"),
    "entities without ids, relation ids null": ("a.jsonl", _relations({"from_id": None, "to_id": None, "type": "r"},
                                                                      entities=[{k: v for k, v in e.items() if k != "id"} for e in TWO_ENTITIES]),
                                                "line 1: relation 0: expected {from_id, to_id, type} naming entity ids"),
    "both label and entities": ("a.jsonl", _relations(label=[[0, 7, "Activity"]]),
                                "line 1: both 'label' (1) and 'entities' (2); expected one of them"),
}


@pytest.mark.parametrize("case", BAD_LABELS)
def test_relations_and_labels_that_would_count_wrong_are_refused(case, tmp_path):
    name, content, expect = BAD_LABELS[case]
    path = _write(tmp_path / name, content)
    with pytest.raises(DataError) as caught:
        read_corpus(path)
    assert str(caught.value).startswith(f"{path}: ") and expect in str(caught.value), caught.value


@pytest.mark.parametrize("name", ["gold.json", "export.jsonl"])
def test_json_nested_100000_deep_is_refused_in_one_line(name, tmp_path):
    path = _write(tmp_path / name, "[" * 100_000 + "]" * 100_000 + "\n")
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.corpus={path}", f"hydra.run.dir={run_dir}"],
                   [name, "nested too deep"], inputs=[path], run_dir=run_dir)


def test_a_doccano_line_too_long_is_refused_before_its_labels_cut_its_tokens(tmp_path, monkeypatch):
    # cutting 100,000 tokens at 100,000 label offsets took minutes (every offset tried against every token)
    import minectl.text.corpus as corpus

    def no_cut(*_):
        raise AssertionError("tokens cut before the length was checked")

    monkeypatch.setattr(corpus, "_cut_at", no_cut)
    path = _write(tmp_path / "long.jsonl", _jsonl({"text": "pump " * 100_000, "label": [[5 * i, 5 * i + 4, "X"] for i in range(100_000)]}))
    with pytest.raises(DataError, match="line 1: 100000 tokens; expected at most 512"):
        read_corpus(path)


def test_many_labels_cut_tokens_where_they_fall(tmp_path):
    text = "pumps filters hoses"  # a label on every letter pair of the first two words, one over the third word
    labels = [[i, i + 2, "X"] for i in range(0, 12, 2)] + [[14, 19, "Y"]]
    [(tokens, entities, _)] = _read(_write(tmp_path / "cuts.jsonl", _jsonl({"text": text, "label": labels})))
    assert tokens == ["pu", "mp", "s", "fi", "lt", "er", "s", "hoses"]
    assert entities == [(0, 1, "X"), (1, 2, "X"), (2, 3, "X"), (3, 4, "X"), (4, 5, "X"), (5, 6, "X"), (7, 8, "Y")]  # "s " loses its space


# -- CoNLL ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "expect"), [
    ("New York\tB-location\npump\tO\n", "line 1: token 'New York' holds white space"),  # tab-separated: the space was cut off
    ("air\xa0filter B-x\npump O\n", "line 1: token 'air\\xa0filter' holds white space"),  # a no-break space inside a token
    ("air\tB-x\n\u2028\tO\npump\tO\n", "line 2: token '\\u2028' holds white space"),  # ended the line: the tag read as a token
])
def test_a_conll_token_holding_white_space_is_refused_not_cut(content, expect, tmp_path):
    path = _write(tmp_path / "wnut.conll", content)
    with pytest.raises(DataError, match=expect.replace("\\", "\\\\")):
        read_corpus(path)


def test_conll_columns_aligned_with_several_spaces_or_tabs_read_as_single_ones(tmp_path):
    aligned = _write(tmp_path / "aligned.conll", "-DOCSTART-   -X-  -X-  O\n\nEU       NNP  B-NP  B-ORG\nrejects  VBZ  B-VP  O\n")
    tabs = _write(tmp_path / "tabs.conll", "EU\tNNP\t\tB-ORG \nrejects\tVBZ\tB-VP\tO\t\n")
    assert _read(aligned) == _read(tabs) == [(["EU", "rejects"], [(0, 1, "ORG")], [])]


def test_a_broken_bioes_sentence_names_the_line_whose_tag_made_the_file_bioes(tmp_path):
    path = _write(tmp_path / "typo.conll", "air\tB-x\nfilter\tI-x\n\npump\tE-x\n")  # IOB2 with one E- typo at line 4
    with pytest.raises(DataError, match=r"line 2: tag I-x .*\(E-x on line 4 makes the file BIOES/BILOU\)"):
        read_corpus(path)


# -- predict text ---------------------------------------------------------------------------------

def test_control_and_invisible_format_characters_are_not_tokens():
    assert [t for t, _, _ in tokenize("replace\x00 the\x07 pump\x1b \x7fnow\x9b")] == ["replace", "the", "pump", "now"]
    assert [t for t, _, _ in tokenize("\ufeffreplace the\u200bpump\u2060now")] == ["replace", "the", "pump", "now"]


@pytest.fixture(scope="module")
def crf_run(tmp_path_factory):
    """A quick extraction run with the feature CRF only (a few seconds)."""
    run_dir = tmp_path_factory.mktemp("extract") / "run"
    result = CliRunner().invoke(app, ["factors", "extract", "debug=quick", "factors.extract.models=[crf]", "factors.extract.best=crf",
                                      "factors.extract.crf.word_classes=false", f"hydra.run.dir={run_dir}"])
    assert result.exit_code == 0, result.output
    return run_dir


def test_predict_numbers_lines_as_editors_do_whatever_the_line_ends_and_separators(crf_run, tmp_path):
    # pdftotext ends a page with a form feed; U+2028 and NEL are white space inside a line; \r\n and a lone \r end one
    lines = ["replace the pump\fpage two", "", "air filter\u2028blocked\x85again", "check the motor", "repair hose"]
    notes = _write(tmp_path / "notes.txt", "\r\n".join(lines[:3]) + "\n" + lines[3] + "\r" + lines[4])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["factors", "extract", "predict", str(crf_run), f"factors.extract.text={notes}", f"out={out}"])
    assert result.exit_code == 0, result.output
    assert "4 lines:" in result.output
    pending = pl.read_parquet(out / "pending.parquet")
    entries = dict(pl.read_parquet(out / "entities.parquet").select("line", "sentence").unique().iter_rows())
    want = {n: " ".join(t for t, _, _ in tokenize(line)) for n, line in enumerate(lines, 1) if line}
    assert entries and all(want[n] == sentence for n, sentence in entries.items()), entries
    assert set(pending["line"]) <= set(want)


# -- user dictionary ------------------------------------------------------------------------------

def test_a_dictionary_header_line_and_indented_comments_are_not_terms(tmp_path):
    path = _write(tmp_path / "terms.tsv", "Term\tType\r\n  # pumps\r\nair filter\tPhysicalObject\r\n\t# tabbed comment\r\n")
    assert read_terms(path) == {("air", "filter"): "PhysicalObject"}


@pytest.mark.parametrize(("content", "expect"), [
    ("air filter\t5\tPhysicalObject\n", "line 1: 3 columns .*; expected 'term<TAB>type'"),  # jieba's word, frequency, tag
    ("# only a comment\n\n", "no terms; expected lines 'term<TAB>type'"),
    ("air filter\tPhysicalObject # a note\n", "line 1: type 'PhysicalObject # a note' is not a type of the corpus"),
])
def test_dictionary_lines_read_wrong_before_are_refused(content, expect, tmp_path):
    path = _write(tmp_path / "terms.tsv", content)
    with pytest.raises(DataError, match=expect):
        read_terms(path, types={"PhysicalObject", "Activity"})


def test_dictionary_types_are_cut_to_the_corpus_level(tmp_path):
    path = _write(tmp_path / "terms.tsv", "air filter\tPhysicalObject/SubstanceObject\n")
    run_dir = tmp_path / "run"  # MaintIE at 32 classes has PhysicalObject/Substance: this type would never match a gold entity
    assert_refused(["factors", "extract", "debug=quick", f"factors.extract.dictionary={path}", "factors.extract.levels=32",
                    f"hydra.run.dir={run_dir}"], ["terms.tsv: line 1: type 'PhysicalObject/SubstanceObject' is not a type of the corpus "
                                                  "at 32 classes", "expected one of Activity, Activity/MaintenanceActivity, "],
                   inputs=[path], run_dir=run_dir)
    assert read_terms(path, levels=5, types={"PhysicalObject"}) == {("air", "filter"): "PhysicalObject"}


# -- triples --------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["head\trelation\ttail", "Subject\tPredicate\tObject", "h\tr\tt"])
def test_a_triples_header_line_is_not_a_triple(header, tmp_path):
    assert read_triples(_write(tmp_path / "train.txt", f"{header}\r\nusa\tembassy\tuk\r\n")) == [("usa", "embassy", "uk")]


def test_a_line_separator_inside_a_triples_name_does_not_end_its_line(tmp_path):
    path = _write(tmp_path / "train.txt", "caf\x85e\tnear\tbar\u2028x\nusa\tembassy\tuk\n")
    assert read_triples(path) == [("caf\x85e", "near", "bar\u2028x"), ("usa", "embassy", "uk")]


# -- declared triples (CSV, YAML) -----------------------------------------------------------------

HEADER = "head,head_type,relation,tail,tail_type,weight,sign,unit,condition,cite\r\n"
ROW = "bench height,Parameters,Positive,transport cost,Cost,0.5,1,,,a\r\n"
DECLARED_CASES = {  # name: (file name, content, expected)
    "an edge twice, another weight": ("extra.csv", HEADER + ROW + ROW.replace("0.5", "0.9"),
                                      "extra.csv:3: the edge bench_height -Positive-> transport_cost of extra.csv:2 again"),
    "an entity given two types": ("extra.csv", HEADER + ROW + "bench height,Cost,Positive,diesel,Index,,,,,b\r\n",
                                  "extra.csv:3: entity 'bench_height' of type 'Cost', declared 'Parameters' before"),
    "a column named twice": ("extra.csv", "head,relation,tail,head\r\nx,Positive,y,z\r\n", "extra.csv: header names head twice"),
    "a line number after a blank line": ("extra.csv", HEADER + ROW + "\r\n,,,,,,,,,\r\nx,Parameters,Positive,y,Cost,nan,,,,\r\n",
                                         "extra.csv:5: weight 'nan'; expected a finite number"),  # the blank line and the empty row count
    "a YAML key given twice": ("extra.yaml", "entities:\n  bench height: {type: Parameters}\n  bench height: {type: Cost}\n",
                               "extra.yaml: not valid YAML (key 'bench height' given twice in one mapping (line 3)"),
    "a YAML object tag (the loader stays safe)": ("extra.yaml", "entities: !!python/object/apply:os.system ['true']\n",
                                                  "extra.yaml: not valid YAML (could not determine a constructor"),
}


@pytest.mark.parametrize("case", DECLARED_CASES)
def test_declared_knowledge_a_reader_would_merge_or_misplace_is_refused(case, tmp_path):
    from minectl.factors.declared import load_declared

    name, content, expect = DECLARED_CASES[case]
    with pytest.raises(DataError, match=re.escape(expect)):
        load_declared([_write(tmp_path / name, content)])


def test_a_quoted_csv_field_keeps_its_line_break(tmp_path):
    from minectl.factors.declared import load_declared

    path = _write(tmp_path / "extra.csv", HEADER + ROW.replace(",,,a", ',,"bench above 10 m\r\nor wet",a'))
    assert [e["condition"] for e in load_declared([path]).edges] == ["bench above 10 m\nor wet"]


def test_a_benchmark_folder_of_tsv_splits_reads_as_its_txt_twin(tmp_path):
    from minectl.factors.kge.data import load_splits

    lines = {"train": "usa\tembassy\tuk\nuk\tembassy\tusa\nusa\ttreaties\tuk\n", "valid": "uk\ttreaties\tusa\n", "test": "usa\taid\tuk\n"}
    lines["train"] += "uk\taid\tusa\n"
    for suffix in ("txt", "tsv"):
        (tmp_path / suffix).mkdir()
        for name, text in lines.items():
            _write(tmp_path / suffix / f"{name}.{suffix}", text)
    txt, tsv = load_splits(tmp_path / "txt"), load_splits(tmp_path / "tsv")
    assert (tsv.entities, tsv.relations, tsv.train.tolist(), tsv.test.tolist()) == (txt.entities, txt.relations, txt.train.tolist(), txt.test.tolist())
    assert (txt.entities, txt.relations, txt.test.tolist()) == (("uk", "usa"), ("aid", "embassy", "treaties"), [[1, 0, 0]])
    with pytest.raises(DataError, match="train.txt: not a folder; expected a benchmark folder with train.txt, valid.txt and test.txt"):
        load_splits(tmp_path / "txt" / "train.txt")
