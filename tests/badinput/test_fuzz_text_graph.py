"""Bad-input corpus, a mutation probe of `minectl factors extract`'s labelled text and `minectl factors`'
KGE splits (one change at a time to a slice of MaintIE and to Nations): the inputs that still passed
in silence: a name in a split printing like another (a zero-width space, a non-breaking space, a
full-width or Cyrillic letter), a hierarchical type with an empty part or spaces around a '/', a JSON
key given twice; and the ranks of a tiny graph against a count by hand.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from harness import assert_corpus_refused, assert_graph_refused, assert_refused, invoke

from minectl.factors.kge.data import load_splits

# -- factors: KGE splits ----------------------------------------------------------------------------

TRAIN = "a b\tr\tc\nc\tr\ta b\nc\ts\td\nd\ts\ta b\na b\ts\tc\n"


def _splits(folder: Path, extra: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in (("train", TRAIN), ("valid", "a b\tr\td\n"), ("test", "d\tr\tc\n")):
        (folder / f"{name}.txt").write_text(text + extra.get(name, ""), encoding="utf-8")
    return folder


LOOKALIKE_CASES = {  # each was read as a second entity (relation) printing as the first, with only that line's triple
    "a zero-width space": ({"train": "a b\u200b\tr\td\n"}, "train.txt:6: invisible character U+200B ZERO WIDTH SPACE in a name"),
    "a soft hyphen": ({"train": "c\ts\td\u00ad\n"}, "train.txt:6: invisible character U+00AD SOFT HYPHEN in a name"),
    "a non-breaking space": ({"train": "a\u00a0b\tr\td\n"}, "train.txt:6: entity 'a\\xa0b' prints like 'a b' (train.txt:1) but differs"),
    "two spaces": ({"train": "a  b\tr\td\n"}, "train.txt:6: entity 'a  b' prints like 'a b' (train.txt:1) but differs"),
    "a full-width letter": ({"train": "\uff43\tr\td\n"}, "train.txt:6: entity 'ｃ' (with U+FF43 FULLWIDTH LATIN SMALL LETTER C) prints like "
                                                         "'c' (train.txt:1) but differs"),
    # in valid.txt: was refused as unseen, not as what it is
    "a Cyrillic letter in valid": ({"valid": "\u0441\tr\ta b\n"}, "valid.txt:2: entity 'с' (with U+0441 CYRILLIC SMALL LETTER ES) prints like "
                                                                  "'c' (train.txt:1) but differs"),
    "a relation in full width": ({"train": "d\t\uff52\tc\n"}, "train.txt:6: relation 'ｒ' (with U+FF52 FULLWIDTH LATIN SMALL LETTER R) "
                                                              "prints like 'r' (train.txt:1) but differs"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", LOOKALIKE_CASES)
def test_kge_names_that_print_alike_are_refused(case, tmp_path):
    extra, expect = LOOKALIKE_CASES[case]
    folder = _splits(tmp_path / "kg", extra)
    run_dir = tmp_path / "run"
    assert_graph_refused(folder, run_dir, [expect, "expected"])


def test_kge_names_in_two_cases_and_with_a_joiner_stay_two_names(tmp_path):
    """Case is part of a name (Freebase, YAGO), and a zero-width joiner part of a word or an emoji."""
    folder = _splits(tmp_path / "kg", {"train": "C\tr\td\nd\ts\tc\u200dx\n"})
    assert load_splits(folder).entities == ("C", "a b", "c", "c\u200dx", "d")


def _brute_force(train, known, test, entities, anchored: bool) -> list[float]:
    """Each test triple's filtered rank on both sides under the frequency baseline (smoothing 0.1),
    counted from the definitions: P(e | r, side), times P(e | anchor) when ``anchored``; ties
    count half."""
    ranks = []
    for side in ("tail", "head"):
        for h, r, t in test:
            anchor, truth = (h, t) if side == "tail" else (t, h)

            def log_p(e, pool):
                return math.log((pool.count(e) + 0.1) / (len(pool) + 0.1 * len(entities)))

            by_relation = [x[2] if side == "tail" else x[0] for x in train if x[1] == r]
            by_anchor = [x[2] for x in train if x[0] == anchor] if side == "tail" else [x[0] for x in train if x[2] == anchor]
            score = {e: log_p(e, by_relation) + (log_p(e, by_anchor) if anchored else 0.0) for e in entities}
            others = [e for e in entities if e != truth and ((anchor, r, e) if side == "tail" else (e, r, anchor)) not in known]
            ranks.append(1 + sum(score[e] > score[truth] + 1e-9 for e in others) + sum(abs(score[e] - score[truth]) <= 1e-9 for e in others) / 2)
    return ranks


def test_baseline_ranks_of_a_tiny_graph_match_a_count_by_hand(tmp_path):
    splits = {"train": [("a", "r", "b"), ("a", "r", "c"), ("b", "r", "c"), ("c", "s", "a"), ("d", "s", "b"), ("b", "s", "d"),
                        ("c", "r", "d"), ("d", "r", "a")],
              "valid": [("d", "r", "c")], "test": [("d", "r", "b"), ("c", "s", "b"), ("a", "s", "c")]}
    folder = tmp_path / "kg"
    folder.mkdir()
    for name, rows in splits.items():
        (folder / f"{name}.txt").write_text("".join("\t".join(row) + "\n" for row in rows))
    run_dir = tmp_path / "run"
    result = invoke("factors", f"factors.kge.graph={folder}", "factors.sources.data=null", "factors.kge.models=[]", "report=false",
                    f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((run_dir / "metrics.json").read_text())
    known = {triple for rows in splits.values() for triple in rows}
    for name, anchored in (("baseline", False), ("baseline_anchor", True)):
        ranks = _brute_force(splits["train"], known, splits["test"], "abcd", anchored)
        assert metrics[f"kge.{name}.mrr"] == pytest.approx(sum(1 / r for r in ranks) / 6, abs=1e-12)
        assert metrics[f"kge.{name}.mean_rank"] == pytest.approx(sum(ranks) / 6, abs=1e-12)
        assert [metrics[f"kge.{name}.hits@{k}"] for k in (1, 3)] == pytest.approx([sum(r <= k for r in ranks) / 6 for k in (1, 3)])


# -- factors extract: labelled text ---------------------------------------------------------------

def _item(entity: str = "Activity", relation: str = "hasPart") -> dict:
    return {"tokens": ["replace", "pump", "seal"], "entities": [{"start": 0, "end": 1, "type": entity}, {"start": 1, "end": 3, "type": "Item"}],
            "relations": [{"head": 1, "tail": 0, "type": relation}]}


TYPE_CASES = {  # cut by factors.extract.levels (5: the first part) or to a relation's leaf, each was a class of its own
    "a leading '/' (the class '' at 5 classes)": ("c.json", json.dumps([_item(entity="/Activity/Repair")]),
                                                  "c.json: item 0: entity 0: type '/Activity/Repair'; expected a type name"),
    "spaces around a '/' (the class 'Activity ')": ("c.json", json.dumps([_item(entity="Activity / Repair")]),
                                                    "c.json: item 0: entity 0: type 'Activity / Repair'; expected a type name"),
    "a relation ending in '/' (the relation '')": ("c.json", json.dumps([_item(relation="hasParticipant/")]),
                                                   "c.json: item 0: relation 0: type 'hasParticipant/'; expected a type name"),
    "'//' in a CoNLL tag (the class 'Item/' at 32)": ("c.conll", "replace\tB-Activity\npump\tB-Item//Pump\n",
                                                      "c.conll: the sentence from line 1: entity 1: type 'Item//Pump'; expected a type"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", TYPE_CASES)
def test_a_type_with_an_empty_or_spaced_part_is_refused(case, tmp_path):
    name, content, expect = TYPE_CASES[case]
    assert_corpus_refused(tmp_path, name, content, expect)


KEY_TWICE_CASES = {  # json keeps the last: a sentence without entities, its labels dropped in silence
    "span JSON 'entities' twice": ("c.json", json.dumps([_item()]).replace('"entities": ', '"entities": [], "entities": '),
                                   "c.json: key 'entities' twice in one object (in the object with tokens \"['replace', 'pump', 'seal']\")"),
    "Doccano 'label' twice": ("c.jsonl", '{"text": "replace pump", "label": [[8, 12, "Item"]], "label": []}\n',
                              "c.jsonl: line 1: key 'label' twice in one object (in the object with text 'replace pump')"),
}


@pytest.mark.parametrize("case", KEY_TWICE_CASES)
def test_a_json_key_given_twice_is_refused(case, tmp_path):
    name, content, expect = KEY_TWICE_CASES[case]
    assert_corpus_refused(tmp_path, name, content, [expect, "expected each key once"])


@pytest.mark.parametrize("key", ["relation", "Relations", "RELATION"])
def test_a_misspelt_relations_key_is_refused(key, tmp_path):
    """'relations' may be left out (a sentence without relations), so `relation` read as no
    relations: 1 labelled relation dropped without a word."""
    item = _item()
    item[key] = item.pop("relations")
    assert_corpus_refused(tmp_path, "c.json", json.dumps([item]), f"c.json: item 0: key '{key}'; expected 'relations'")


LABELLED = '{"text": "replace pump", "label": [[8, 12, "Item"]]}\n'
NULL_LABEL_CASES = {  # each read as a sentence without entities: an unlabelled sentence taught 'no entity here'
    "span JSON": ("c.json", json.dumps([_item(), _item() | {"entities": None, "relations": None}]), "c.json: item 1: 'entities' is null"),
    "Doccano 'label'": ("c.jsonl", LABELLED + '{"text": "replace pump", "label": null}\n', "c.jsonl: line 2: 'label' is null"),
    "Doccano 'entities'": ("c.jsonl", LABELLED + '{"text": "replace pump", "entities": null, "relations": []}\n',
                           "c.jsonl: line 2: 'entities' is null"),
}


@pytest.mark.parametrize("case", NULL_LABEL_CASES)
def test_null_labels_are_refused(case, tmp_path):
    name, content, expect = NULL_LABEL_CASES[case]
    assert_corpus_refused(tmp_path, name, content, [expect, "expected a list ([] for a sentence without entities)"])


def test_null_relations_are_none(tmp_path):
    from minectl.text.corpus import read_corpus

    path = tmp_path / "c.json"
    path.write_text(json.dumps([_item() | {"relations": None}]))
    assert [d.relations for d in read_corpus(path)] == [[]]


# -- text files in UTF-16 without a byte-order mark -------------------------------------------------

NOTES = "replace the air conditioner thermostat\nhydraulic pump leaking\n"


@pytest.fixture(scope="module")
def crf_run(tmp_path_factory) -> Path:
    """A quick extraction run with the feature CRF only (a few seconds)."""
    run_dir = tmp_path_factory.mktemp("extract") / "run"
    result = invoke("factors", "extract", "debug=quick", "factors.extract.models=[dictionary,crf]", "factors.extract.best=crf",
                    "report=false", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    return run_dir


UTF16_CASES = {  # valid UTF-8 to the decoder (NUL beside each letter)
    "a CoNLL corpus": ("corpus", "c.conll", "replace\tB-Activity\npump\tB-Item\n", "a labelled text file (conll) in UTF-8"),
    "a Doccano corpus": ("corpus", "c.jsonl", '{"text": "replace pump", "label": [[8, 12, "Item"]]}\n', "a labelled text file (doccano)"),
    "a user dictionary": ("dictionary", "terms.tsv", "air filter\tPhysicalObject\n", "a dictionary TSV (term<TAB>type) in UTF-8"),
    # before: exit 0, 26 entities of one letter each ('e', 'l', 'c', ...) from the text read as 'r e p l a c e ...'
    "predict's text": ("predict", "notes.txt", NOTES, "a plain text file (one entry a line) in UTF-8"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", UTF16_CASES)
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_file_without_a_byte_order_mark_is_refused_naming_it(case, encoding, tmp_path, request):
    use, name, content, expect = UTF16_CASES[case]
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    run_dir = tmp_path / "run"
    if use == "predict":
        args = ["factors", "extract", "predict", request.getfixturevalue("crf_run"), f"factors.extract.text={path}", f"out={run_dir}"]
    else:  # the corpus, or a user dictionary beside MaintIE
        args = ["factors", "extract", f"factors.extract.{use}={path}", f"hydra.run.dir={run_dir}"]
    assert_refused(args, [f"{path}: NUL characters between the letters (a UTF-16 file without a byte-order mark?); expected", expect],
                   inputs=[path], run_dir=run_dir)
