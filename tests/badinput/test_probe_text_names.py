"""Names and headers in other people's text files: a triples header with names minectl does not
know, labels and tokens holding invisible or look-alike characters, series columns that print like
the one asked for, control characters in MineLib files.

Before: `e1<TAB>rel<TAB>e2` atop train.txt was a triple (two entities and a relation more, trained
and ranked); entity types 'Item' and 'Item\\u200b' (or a Cyrillic 'Іtem', a full-width 'Ｉtem',
'Café' in NFC and NFD) were two classes, each scored on its own, and a type holding only a bidi
mark more was a class nobody could tell from 'Item'; a span JSON or CoNLL token 'pump\\u200b' was
another word than 'pump' (dictionary, vectors, tagger); a dictionary type with a Cyrillic letter was
"not a type of the corpus" with nothing to see; a series column 'vаlue' (Cyrillic а) was "column
'value' not found; columns are ['date', 'vаlue']", and beside a 'Value' the column 'value' was
taken without a word; an escape code in a MineLib NAME passed, and a file separator inside a value
line split it in two (the error named the next line). Now each is refused in one line that shows
the name with its code points, or (a format character inside a token) read as the visible word.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from harness import assert_refused
from test_text_and_schedule_inputs import UPIT, _minelib

from minectl.factors.kge.data import load_splits
from minectl.text.corpus import read_corpus
from minectl.text.dictionary import read_terms

KGE = Path(__file__).parents[2] / "examples" / "data" / "kge"  # the benchmarks as shipped with minectl
TRAIN = "a\tr\tb\nb\tr\tc\nc\ts\ta\na\ts\tc\nb\ts\tb\n"


def _splits(folder: Path, train: str = TRAIN, valid: str = "a\tr\tc\n", test: str = "c\tr\tb\n") -> Path:
    folder.mkdir()
    for name, text in (("train", train), ("valid", valid), ("test", test)):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def _factors(folder: Path, run_dir: Path) -> list[str]:
    return ["factors", f"factors.kge.graph={folder}", "factors.sources.data=null", f"hydra.run.dir={run_dir}"]


# -- factors: a header line whose column names minectl does not know ---------------------------------------------

HEADERS = ["e1\trel\te2", "Head Entity\tRelation Type\tTail Entity", "h_id\tr_id\tt_id", "subject_id\tpredicate\tobject_id"]


@pytest.mark.slow
@pytest.mark.parametrize("header", HEADERS)
def test_a_header_of_unknown_column_names_is_refused_not_read_as_a_triple(header, tmp_path):
    folder = _splits(tmp_path / "kg", f"{header}\n{TRAIN}")
    assert_refused(_factors(folder, tmp_path / "run"),
                   [f"train.txt:1: {header!r} looks like a header: its head, relation and tail occur on no other line of the splits",
                    "expected the columns named head<TAB>relation<TAB>tail, or no header line"], inputs=[folder], run_dir=tmp_path / "run")


def test_a_header_atop_every_split_is_named_in_the_first_split(tmp_path):
    """The same header in the three files: its names occur on the other files' first lines only."""
    header = "e1\trel\te2\n"
    folder = _splits(tmp_path / "kg", header + TRAIN, header + "a\tr\tc\n", header + "c\tr\tb\n")
    assert_refused(_factors(folder, tmp_path / "run"), "train.txt:1: 'e1\\trel\\te2' looks like a header", inputs=[folder],
                   run_dir=tmp_path / "run")


def test_a_header_atop_the_test_split_is_named_as_a_header_not_as_unseen_entities(tmp_path):
    """Was: "test.txt:1: entity 'Head Entity' does not occur in train.txt"."""
    folder = _splits(tmp_path / "kg", test="Head Entity\tRelation Type\tTail Entity\nc\tr\tb\n")
    assert_refused(_factors(folder, tmp_path / "run"), "test.txt:1: 'Head Entity\\tRelation Type\\tTail Entity' looks like a header",
                   inputs=[folder], run_dir=tmp_path / "run")


def test_a_first_triple_sharing_one_name_with_the_rest_is_a_triple(tmp_path):
    """Only a line none of whose three names occurs elsewhere is taken for a header: a new relation
    between known entities, or a known relation of a new entity, stays a triple."""
    folder = _splits(tmp_path / "kg", "a\tnew\tb\n" + TRAIN)
    assert load_splits(folder).relations == ("new", "r", "s")
    folder = _splits(tmp_path / "kg2", "x\tr\ty\n" + TRAIN)
    assert load_splits(folder).entities == ("a", "b", "c", "x", "y")


@pytest.mark.parametrize(("name", "counts"), [("nations", (14, 55, 1592, 199, 201)), ("umls", (135, 46, 5216, 652, 661)),
                                              ("kinships", (104, 25, 8544, 1068, 1074))])
def test_the_real_benchmarks_read_as_before(name, counts):
    """Their first lines' names occur on 20 to 1,021 other lines: none is taken for a header
    (entities, relations and triples as PyKEEN counts them)."""
    splits = load_splits(KGE / name)
    assert (len(splits.entities), len(splits.relations), len(splits.train), len(splits.valid), len(splits.test)) == counts


# -- factors extract: labels and tokens -----------------------------------------------------------------------------

def _span_json(path: Path, types: list[str], tokens: list[str] | None = None, relation: str | None = None) -> Path:
    items = [{"tokens": tokens or ["pump", "seal", "failed"],
              "entities": [{"start": 0, "end": 1, "type": kind}, {"start": 1, "end": 2, "type": "Item"}],
              "relations": [{"head": 0, "tail": 1, "type": relation}] if relation else []} for kind in types]
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def _extract(corpus: Path, run_dir: Path, *extra: str) -> list[str]:
    return ["factors", "extract", f"factors.extract.corpus={corpus}", *extra, f"hydra.run.dir={run_dir}"]


LABELS = {  # the types of the corpus' first entities (the second is 'Item' throughout) -> the one line
    "a zero-width space": (["Item\u200b"], "entity type 'Item\\u200b' holds an invisible character (U+200B ZERO WIDTH SPACE); "
                                            "expected visible text in every entity type"),
    "a right-to-left mark only": (["\u200fItem"], "entity type '\\u200fItem' holds an invisible character (U+200F RIGHT-TO-LEFT MARK)"),
    "a byte-order mark inside": (["It\ufeffem"], "entity type 'It\\ufeffem' holds an invisible character (U+FEFF ZERO WIDTH NO-BREAK"),
    "a Cyrillic letter": (["\u0406tem"], "entity type 'Item' and 'Іtem' (with U+0406 CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I) "
                                          "print alike but differ"),
    "full-width": (["\uff29tem"], "entity type 'Item' and 'Ｉtem' (with U+FF29 FULLWIDTH LATIN CAPITAL LETTER I) print alike but differ"),
    "NFC and NFD": (["Caf\u00e9", "Cafe\u0301"], "entity type 'Cafe\u0301' (with U+0301 COMBINING ACUTE ACCENT) and 'Caf\u00e9' (with "
                                                "U+00E9 LATIN SMALL LETTER E WITH ACUTE) print alike but differ"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", LABELS)
def test_an_entity_type_holding_an_invisible_or_look_alike_character_is_refused(case, tmp_path):
    types, expect = LABELS[case]
    corpus = _span_json(tmp_path / "c.json", types)
    assert_refused(_extract(corpus, tmp_path / "run"), [f"{corpus}: {expect}", "expected"], inputs=[corpus], run_dir=tmp_path / "run")


def test_a_relation_type_holding_a_zero_width_space_is_refused(tmp_path):
    """'hasPart' and 'hasPart\u200b' were two relation classes, each learnt and scored on its own."""
    corpus = _span_json(tmp_path / "c.json", ["Item", "Item"], relation="hasPart\u200b")
    assert_refused(_extract(corpus, tmp_path / "run"), "relation type 'hasPart\\u200b' holds an invisible character (U+200B",
                   inputs=[corpus], run_dir=tmp_path / "run")


def test_a_conll_tag_holding_a_zero_width_space_is_refused(tmp_path):
    """B-Item then I-Item\\u200b: read on, a second entity of a type of its own."""
    corpus = tmp_path / "c.conll"
    corpus.write_text("pump\tB-Item\nseal\tI-Item\u200b\nfailed\tO\n", encoding="utf-8")
    assert_refused(_extract(corpus, tmp_path / "run"), "entity type 'Item\\u200b' holds an invisible character", inputs=[corpus],
                   run_dir=tmp_path / "run")


@pytest.mark.parametrize(("name", "content", "expect"), [
    ("c.json", None, "item 0: token 1 '\\u200b'; expected a visible word without spaces"),
    ("c.conll", "pump\tB-Item\n\u200b\tO\n", "line 2: token '\\u200b' is invisible (format characters only); expected a word"),
])
def test_a_token_of_format_characters_only_is_refused(name, content, expect, tmp_path):
    corpus = tmp_path / name
    if content is None:
        _span_json(corpus, ["Item"], tokens=["pump", "\u200b", "failed"])
    else:
        corpus.write_text(content, encoding="utf-8")
    assert_refused(_extract(corpus, tmp_path / "run"), f"{corpus}: {expect}", inputs=[corpus], run_dir=tmp_path / "run")


def test_a_format_character_inside_a_token_is_dropped_and_the_token_read_in_nfc(tmp_path):
    """Text, not a name: 'pump\\u200b', 'se\\xadal' (a soft hyphen) and 'caf' + e + U+0301 print as 'pump',
    'seal' and 'café', and are those words to the dictionary, the vectors and the tagger (as raw text's
    tokenizer drops format characters). A full-width 'Ｐump' stays itself: NFKC would also turn m² into m2."""
    corpus = _span_json(tmp_path / "c.json", ["Item"], tokens=["pump\u200b", "se\xadal", "cafe\u0301", "\uff30ump"])
    conll = tmp_path / "c.conll"
    conll.write_text("\ufeffpump\u2060\tB-Item\nse\u200dal\tO\n", encoding="utf-8")
    assert read_corpus(corpus)[0].tokens == ["pump", "seal", "caf\u00e9", "\uff30ump"]
    assert read_corpus(conll)[0].tokens == ["pump", "seal"]


NFD_FRENCH = "Cha\u0302ssis de\u0301forme\u0301 a\u0300 Que\u0301bec"


@pytest.mark.parametrize("text, words", [
    # NFD French: each accent was a token of its own ('Que', '\u0301', 'bec')
    (NFD_FRENCH, ["Ch\u00e2ssis", "d\u00e9form\u00e9", "\u00e0", "Qu\u00e9bec"]),
    # Devanagari vowel signs and anusvara (Mn, Mc) belong to their word: 'पंप' was 'प', 'ं', 'प'
    ("\u092a\u0902\u092a \u0916\u0930\u093e\u092c", ["\u092a\u0902\u092a", "\u0916\u0930\u093e\u092c"]),
    # a kana and its combining voicing mark are one character, not two tokens
    ("\u304b\u3099\u3059", ["\u304c", "\u3059"]),
])
def test_combining_marks_stay_in_their_word_which_is_read_in_nfc(text, words):
    from minectl.text.corpus import tokenize

    assert [word for word, _, _ in tokenize(text)] == words


def test_a_doccano_label_on_an_nfd_word_is_that_word_in_nfc(tmp_path):
    """The label's offsets count the text as written (e + U+0301 two characters); the token is the
    'déformé' that a span JSON corpus spells."""
    corpus = tmp_path / "d.jsonl"
    corpus.write_text(json.dumps({"text": NFD_FRENCH, "label": [[9, 19, "State"], [22, 29, "Location"]]}) + "\n",
                      encoding="utf-8")
    [doc] = read_corpus(corpus, "doccano")
    assert doc.tokens == ["Ch\u00e2ssis", "d\u00e9form\u00e9", "\u00e0", "Qu\u00e9bec"]
    assert [(doc.tokens[e.start:e.end], e.type) for e in doc.entities] == [(["d\u00e9form\u00e9"], "State"),
                                                                           (["Qu\u00e9bec"], "Location")]


def test_a_dictionary_term_holding_a_zero_width_space_matches_the_corpus_word(tmp_path):
    """Was ('pu', 'mp'): the tokenizer split the term where the corpus' word has none."""
    path = tmp_path / "terms.tsv"
    path.write_text("pu\u200bmp\tItem\nair\u00a0filter\tItem\n", encoding="utf-8")
    assert read_terms(path, types={"Item"}) == {("pump",): "Item", ("air", "filter"): "Item"}


def test_a_dictionary_type_with_a_cyrillic_letter_names_the_corpus_type_it_looks_like(tmp_path):
    path = tmp_path / "terms.tsv"
    path.write_text("pump\t\u0410ctivity\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", "debug=quick", f"factors.extract.dictionary={path}", f"hydra.run.dir={run_dir}"],
                   ["terms.tsv: line 1: type 'Аctivity' (with U+0410 CYRILLIC CAPITAL LETTER A) is not a type of the corpus at 5 classes "
                    "(the corpus has 'Activity': they print alike but differ); expected one of Activity, "], inputs=[path], run_dir=run_dir)


# -- forecast: the series columns --------------------------------------------------------------------------------------

def _series(path: Path, header: str) -> Path:
    columns = header.count(",")
    path.write_text(header + "\n" + "".join(f"{2015 + i // 12}-{i % 12 + 1:02d}" + f",{100 + i}" * columns + "\n" for i in range(60)),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("header", "extra", "expect"), [
    ("date,v\u0430lue", [], "column 'value' not found (it has 'vаlue' (with U+0430 CYRILLIC SMALL LETTER A): the names differ in case, "
                            "width, spaces or look-alike letters); columns are ['date', 'vаlue']"),
    ("date,value", ["source.value_column='value\u200b'"], "column 'value\\u200b' not found (it has 'value': the names differ"),
    ("date,value,Value", [], "columns 'value' and 'Value' differ only in case; expected one column of that name (rename the other)"),
    ("Date,date,value", [], "columns 'date' and 'Date' differ only in case"),
], ids=["Cyrillic letter", "zero-width space in the setting", "case twin", "case twin of the date column"])
@pytest.mark.slow
def test_a_series_column_that_prints_like_another_is_refused(header, extra, expect, tmp_path):
    path = _series(tmp_path / "s.csv", header)
    run_dir = tmp_path / "run"
    assert_refused(["forecast", f"series={path}", "debug=quick", "forecaster=[naive]", *extra, f"hydra.run.dir={run_dir}"],
                   f"{path}: {expect}", inputs=[path], run_dir=run_dir)


# -- schedule: control characters in MineLib files -----------------------------------------------------------------------

@pytest.mark.parametrize(("upit", "expect"), [
    (UPIT.replace("NAME: t", "NAME: t\x1b[31m"), "t.upit:1: control character '\\x1b'"),
    (UPIT.replace("2 5", "2 5\x1c0"), "t.upit:7: control character '\\x1c'"),  # was t.upit:8: '0' one field, a line too far
    (UPIT.replace("2 5", "2\x0c5"), "t.upit:7: control character '\\x0c'"),
], ids=["escape code in NAME", "file separator in a value", "form feed between fields"])
@pytest.mark.slow
def test_a_control_character_in_a_minelib_file_is_refused_naming_its_line(upit, expect, tmp_path):
    folder = _minelib(tmp_path / "ml", upit=upit)
    run_dir = tmp_path / "run"
    assert_refused(["schedule", f"minelib.path={folder}", "minelib.name=t", "schedule.problems=[upit]", "loop.enabled=false",
                    f"hydra.run.dir={run_dir}"], [expect, "expected a MineLib text file of printable ASCII, tabs and line ends"],
                   inputs=[folder], run_dir=run_dir)


# ---------------------------------------------------------------------------- model names of forecast and schedule


def test_two_forecasters_spelt_alike_but_for_case_are_refused_before_any_work(tmp_path):
    """`Naive` beside `naive` gave report rows of both, one model twice."""
    assert_refused(["forecast", "+forecaster@forecaster.Naive=naive", f"hydra.run.dir={tmp_path / 'run'}"],
                   "forecaster: models 'naive' and 'Naive' print alike (case, width or look-alike letters); expected one name a model",
                   run_dir=tmp_path / "run")


def test_a_schedule_price_model_the_forecast_table_lacks_names_the_models_it_has(tmp_path):
    table = tmp_path / "forecast.parquet"
    pl.DataFrame({"model": ["naive", "arima"], "forecast": [2100.0, 2200.0], "lower": [1800.0, 1700.0],
                  "upper": [2400.0, 2600.0]}).write_parquet(table)
    assert_refused(["schedule", "+experiment=stope_extension", f"price.forecast_table={table}", "price.model=Arima",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   f"price.model='Arima': no rows of that model in {table}; expected one of its models: 'naive', 'arima'",
                   inputs=[table], run_dir=tmp_path / "run")
