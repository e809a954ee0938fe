"""Splits, k-fold CV folds, strict relation scores by hand, the pair classifier's JSON round
trip; the full MaintIE figures are slow tests (`-m slow`)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from minectl.errors import ConfigError
from minectl.text import pipeline
from minectl.text.corpus import Document, Span, read_corpus, relabel
from minectl.text.relations import PairClassifier, relation_scores

MAINTIE = Path(__file__).parents[2] / "examples" / "data" / "maintie" / "gold_release.json"


def _docs(n: int) -> list[Document]:
    return [Document([f"w{i}", "pump", "leaking"], [Span(1, 2, "Object"), Span(2, 3, "State")], [(1, 0, "hasPatient")]) for i in range(n)]


def test_authors_split_is_file_order_80_10_10():
    train, dev, test = pipeline.authors_split(_docs(1076))
    assert (len(train), len(dev), len(test)) == (860, 108, 108)
    assert [d.tokens[0] for d in train[:2]] == ["w0", "w1"] and test[-1].tokens[0] == "w1075"


def test_kfold_splits_partition_the_documents_and_refuse_bad_k():
    docs = _docs(23)
    splits = pipeline.kfold_splits(docs, 5, seed=0)
    tests = [d.tokens[0] for _, _, test in splits for d in test]
    assert sorted(tests) == sorted(d.tokens[0] for d in docs)  # every document tested exactly once
    for train, dev, test in splits:
        names = [d.tokens[0] for d in train + dev + test]
        assert len(names) == len(set(names)) == 23 and dev
    with pytest.raises(ConfigError, match="cv_folds: 1 folds for 23 documents"):
        pipeline.kfold_splits(docs, 1, seed=0)


def test_block_splits_hold_out_contiguous_blocks_in_file_order():
    splits = pipeline.block_splits(_docs(10), 3)  # bounds 0, 3, 6, 10
    held = [[int(d.tokens[0][1:]) for d in block] for _, block in splits]
    assert held == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    assert [int(d.tokens[0][1:]) for d in splits[1][0]] == [0, 1, 2, 6, 7, 8, 9]  # the rest, in file order
    with pytest.raises(ValueError, match="11 blocks for 10 documents"):
        pipeline.block_splits(_docs(10), 11)


def test_mean_sd_is_the_sample_sd():
    assert pipeline.mean_sd([70.0, 72.0, 77.0]) == pytest.approx((73.0, statistics.stdev([70.0, 72.0, 77.0])))


def test_strict_relation_scores_by_hand():
    gold = [Document(["a", "b", "c"], [Span(0, 1, "X"), Span(1, 2, "Y"), Span(2, 3, "Z")], [(0, 1, "r"), (2, 1, "s")])]
    # right spans and type but other entity types (strict ignores them); wrong direction; a spurious one
    pred = [Document(["a", "b", "c"], [Span(0, 1, "Q"), Span(1, 2, "Q"), Span(2, 3, "Q")], [(0, 1, "r"), (1, 2, "s"), (0, 2, "r")])]
    scores = relation_scores(gold, pred)
    assert scores["micro"]["precision"] == pytest.approx(1 / 3) and scores["micro"]["recall"] == 0.5
    assert scores["r"]["f1"] == pytest.approx(2 / 3) and scores["s"]["f1"] == 0.0


def test_pair_classifier_learns_and_round_trips_through_json():
    docs = _docs(20) + [Document(["pump", "ok"], [Span(0, 1, "Object"), Span(1, 2, "State")])] * 5
    model = PairClassifier().fit(docs)
    found = model.predict(_docs(1))[0]
    assert [(h, t, r) for h, t, r, _ in found] == [(1, 0, "hasPatient")] and 0.5 < found[0][3] <= 1
    again = PairClassifier.from_json(json.loads(json.dumps(model.to_json())))
    assert again.predict(_docs(1)) == model.predict(_docs(1))


@pytest.mark.slow
def test_maintie_baselines_and_ceiling_on_the_authors_split():
    """PROVENANCE.txt's figures: 347 test entities, the flat ceiling 97.03, dictionary ~71-72."""
    from minectl.text.dictionary import DictionaryMatcher
    from minectl.text.feature_crf import FeatureCRF
    from minectl.text.scoring import entity_scores

    train, _, test = pipeline.authors_split(relabel(read_corpus(MAINTIE), 5))
    assert sum(len(d.entities) for d in test) == 347
    ceiling, dropped = pipeline.flat_ceiling(test)
    assert round(100 * ceiling["micro"]["f1"], 2) == 97.03 and round(100 * ceiling["micro"]["recall"], 2) == 94.24
    gold = [d.entities for d in test]
    assert 70 < 100 * entity_scores(gold, DictionaryMatcher().fit(train).predict(test))["micro"]["f1"] < 75
    assert 100 * entity_scores(gold, FeatureCRF().fit(train).predict(test))["micro"]["f1"] > 78
    # `+experiment=maintie`'s crf_dict (settings block CV chose, word classes on): docs/extraction.md's 84.06
    chosen = FeatureCRF(c1=0.0, c2=0.05, dictionary_first=0.7)
    assert round(100 * entity_scores(gold, chosen.fit(train).predict(test))["micro"]["f1"], 2) == 84.06
    chosen.word_classes = False
    assert round(100 * entity_scores(gold, chosen.fit(train).predict(test))["micro"]["f1"], 2) < 83.5
