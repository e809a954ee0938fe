"""The torch CRF against brute-force enumeration; the taggers on a tiny corpus; save/load."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from minectl.text.corpus import Document, Span
from minectl.text.crf import CRF
from minectl.text.dictionary import DictionaryMatcher, longest_matches
from minectl.text.feature_crf import FeatureCRF
from minectl.text.neural import NeuralTagger
from minectl.text.pipeline import load_tagger


def _random_crf(num_tags: int, seed: int) -> CRF:
    torch.manual_seed(seed)
    crf = CRF(num_tags).double().requires_grad_(False)
    for p in crf.parameters():
        p.normal_()
    return crf


def _path_score(crf: CRF, emissions: torch.Tensor, path: tuple[int, ...]) -> float:
    """score(X, y) written out as the sum in eq 8, for one unpadded sequence."""
    total = crf.start[path[0]] + crf.end[path[-1]] + sum(emissions[t, y] for t, y in enumerate(path))
    return float(total + sum(crf.transitions[a, b] for a, b in zip(path, path[1:], strict=False)))


@pytest.mark.parametrize("seed", range(3))
def test_log_likelihood_and_viterbi_equal_brute_force_with_padding(seed):
    num_tags, lengths = 3, [4, 2, 1]
    crf = _random_crf(num_tags, seed)
    emissions = torch.randn(len(lengths), max(lengths), num_tags, dtype=torch.double)
    mask = torch.tensor([[t < n for t in range(max(lengths))] for n in lengths])
    tags = torch.randint(0, num_tags, (len(lengths), max(lengths)))
    got = crf.log_likelihood(emissions, tags, mask)
    decoded = crf.decode(emissions, mask)
    for b, n in enumerate(lengths):
        paths = list(itertools.product(range(num_tags), repeat=n))
        scores = [_path_score(crf, emissions[b, :n], p) for p in paths]
        log_z = math.log(sum(math.exp(s) for s in scores))
        gold = tuple(tags[b, :n].tolist())
        assert float(got[b]) == pytest.approx(_path_score(crf, emissions[b, :n], gold) - log_z, abs=1e-9)
        assert tuple(decoded[b]) == paths[max(range(len(paths)), key=scores.__getitem__)]


def test_probabilities_of_all_paths_sum_to_one():
    crf = _random_crf(2, 5)
    emissions = torch.randn(1, 3, 2, dtype=torch.double)
    mask = torch.ones(1, 3, dtype=torch.bool)
    total = sum(math.exp(float(crf.log_likelihood(emissions, torch.tensor([p]), mask)[0]))
                for p in itertools.product(range(2), repeat=3))
    assert total == pytest.approx(1.0, abs=1e-12)


def _tiny_corpus() -> list[Document]:
    """Two patterns the taggers must learn: '<obj> <obj> broken' and 'replace <obj>'."""
    objects = ["pump", "engine", "filter", "hose", "belt", "valve"]
    docs = []
    for i, obj in enumerate(objects * 3):
        other = objects[(i + 1) % len(objects)]
        docs.append(Document([obj, other, "broken"], [Span(0, 2, "PhysicalObject"), Span(2, 3, "State")]))
        docs.append(Document(["replace", obj], [Span(0, 1, "Activity"), Span(1, 2, "PhysicalObject")]))
    return docs


def test_dictionary_matcher_takes_the_longest_match_and_user_terms():
    matcher = DictionaryMatcher(terms={("haul", "truck"): "Facility"}).fit(_tiny_corpus())
    assert matcher.predict([Document(["replace", "haul", "truck"])]) == [[Span(0, 1, "Activity"), Span(1, 3, "Facility")]]
    assert longest_matches(["a", "b", "c"], {("a",): "X", ("a", "b"): "Y", ("c",): "Z"}) == [Span(0, 2, "Y"), Span(2, 3, "Z")]


def test_feature_crf_learns_the_tiny_patterns_and_round_trips_through_its_files(tmp_path):
    docs = _tiny_corpus()
    crf = FeatureCRF(max_iterations=50, dict_folds=2, dictionary_first=0.9).fit(docs)
    new = [Document(["replace", "pump"]), Document(["gearbox", "hose", "broken"])]
    assert crf.predict(new[:1]) == [[Span(0, 1, "Activity"), Span(1, 2, "PhysicalObject")]]
    crf.save(tmp_path / "tagger.crfsuite", tmp_path / "tagger.json")
    assert load_tagger(tmp_path).predict(new) == crf.predict(new)


def test_neural_tagger_trains_saves_and_loads_the_same_predictions(tmp_path):
    torch.set_num_threads(1)
    docs = _tiny_corpus()
    tagger = NeuralTagger(max_epochs=2, word_dim=16, hidden=16, char_hidden=8, vector_epochs=1, dict_folds=2).fit(docs, docs[:6])
    assert len(tagger.dev_f1_) == 2
    tagger.save(tmp_path / "tagger.pt", tmp_path / "tagger.json")
    loaded = load_tagger(tmp_path)
    new = [Document(["replace", "hose"]), Document(["gearbox", "pump", "broken"])]
    assert loaded.predict(new) == tagger.predict(new)
    again = NeuralTagger(max_epochs=2, word_dim=16, hidden=16, char_hidden=8, vector_epochs=1, dict_folds=2).fit(docs, docs[:6])
    assert again.dev_f1_ == tagger.dev_f1_  # same seed, same training


@pytest.mark.parametrize("use_crf, encoder", [(False, "cnn"), (True, "lstm")])
def test_neural_tagger_variants_reach_the_tiny_patterns(use_crf, encoder):
    torch.set_num_threads(1)
    docs = _tiny_corpus()
    tagger = NeuralTagger(use_crf=use_crf, char_encoder=encoder, max_epochs=15, patience=15, word_dim=16, hidden=16,
                          char_hidden=8, vector_epochs=1, dict_folds=2, learning_rate=0.01).fit(docs, docs[:6])
    assert max(tagger.dev_f1_) >= 0.8


def test_nested_terms_and_add_nested_recover_inner_entities():
    from minectl.text.dictionary import add_nested, nested_terms

    train = [Document(["air", "filters"], [Span(0, 2, "Object"), Span(1, 2, "Object")]),
             Document(["fuel", "filters"], [Span(0, 2, "Object"), Span(1, 2, "Object")]),
             Document(["door", "frame"], [Span(0, 2, "Object")]),
             Document(["frame"], [Span(0, 1, "Object")])]
    terms = nested_terms(train, 0.7)
    assert terms == {("filters",): "Object"}  # "frame" inside "door frame" is never annotated
    new = [Document(["oil", "filters"]), Document(["window", "frame"])]
    flat = [[Span(0, 2, "Object")], [Span(0, 2, "Object")]]
    assert add_nested(new, flat, terms) == [[Span(0, 2, "Object"), Span(1, 2, "Object")], [Span(0, 2, "Object")]]


def test_dictionary_first_keeps_matches_and_tagger_spans_that_do_not_cross_them():
    from minectl.text.dictionary import dictionary_first

    doc = Document(["replace", "air", "filters", "door", "frame"])
    terms = {("filters",): "Object", ("door", "frame"): "Object", ("replace",): "Activity"}
    tagger = [[Span(0, 1, "State"), Span(1, 3, "Object"), Span(2, 4, "Object")]]
    # "replace": the dictionary's type wins; "air filters" holds "filters" whole: both kept;
    # "filters door" crosses the match "door frame": dropped
    assert dictionary_first([doc], tagger, terms) == [[Span(0, 1, "Activity"), Span(1, 3, "Object"), Span(2, 3, "Object"),
                                                      Span(3, 5, "Object")]]


def test_word_classes_agree_with_lemminflects_own_lookup():
    from lemminflect import getAllLemmas

    from minectl.text.word_classes import word_classes

    words = ["reset", "door", "pump", "filters", "quickly", "leaking", "broken", "u/s", "xj900"]
    # lemminflect's API, an independent reader of the same lexicon: universal POS tags per form
    expected = []
    for word in words:
        found = {pos.lower() for pos in getAllLemmas(word)} & {"adj", "noun", "verb"}
        expected.append("+".join(sorted(found)) or ("other" if getAllLemmas(word) else "oov"))
    assert word_classes(words) == expected
    assert expected[:5] == ["verb", "noun", "noun+verb", "noun+verb", "other"] and expected[-2:] == ["oov", "oov"]


def _verbs_and_nouns() -> list[Document]:
    """Work orders "VERB NOUN" and "NOUN VERB": only a word's class tells the object from the action."""
    pairs = [("replace", "door"), ("inspect", "member"), ("adjust", "filter"), ("replace", "tyre"), ("inspect", "gasket"),
             ("adjust", "bracket"), ("replace", "member"), ("inspect", "door")]
    docs = [Document([verb, noun], [Span(1, 2, "Object")]) for verb, noun in pairs]
    return docs + [Document([noun, verb], [Span(0, 1, "Object")]) for verb, noun in pairs]


def test_word_classes_let_the_feature_crf_tag_words_it_never_saw(tmp_path):
    new = [Document(["examine", "axle"]), Document(["hub", "straighten"])]  # unseen words, unseen affixes
    expected = [[Span(1, 2, "Object")], [Span(0, 1, "Object")]]
    with_classes = FeatureCRF(max_iterations=100, dictionary=False).fit(_verbs_and_nouns())
    assert with_classes.predict(new) == expected
    assert FeatureCRF(max_iterations=100, dictionary=False, word_classes=False).fit(_verbs_and_nouns()).predict(new) != expected
    with_classes.save(tmp_path / "tagger.crfsuite", tmp_path / "tagger.json")
    assert load_tagger(tmp_path).predict(new) == expected


def test_a_saved_feature_crf_is_read_only_with_its_lexicon(tmp_path):
    import json

    from minectl.errors import DataError

    FeatureCRF(max_iterations=20, dictionary=False).fit(_verbs_and_nouns()).save(tmp_path / "tagger.crfsuite", tmp_path / "tagger.json")
    meta = json.loads((tmp_path / "tagger.json").read_text())
    meta["lexicon_sha256"] = "0" * 64
    (tmp_path / "tagger.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match="word-class lexicon of sha256 0000"):
        load_tagger(tmp_path)
    del meta["params"]["word_classes"], meta["lexicon_sha256"]  # a tagger saved before word classes
    (tmp_path / "tagger.json").write_text(json.dumps(meta))
    assert load_tagger(tmp_path).word_classes is False


def test_a_saved_feature_crf_is_read_only_as_the_file_its_sha256_names(tmp_path):
    import hashlib
    import json

    from minectl.errors import DataError

    crf = FeatureCRF(max_iterations=20, dictionary=False, word_classes=False).fit(_verbs_and_nouns())
    crf.save(tmp_path / "tagger.crfsuite", tmp_path / "tagger.json")
    meta = json.loads((tmp_path / "tagger.json").read_text())
    assert meta["model_sha256"] == hashlib.sha256((tmp_path / "tagger.crfsuite").read_bytes()).hexdigest()
    assert load_tagger(tmp_path).model_bytes_ == crf.model_bytes_
    meta["model_sha256"] = "0" * 64  # another file's
    (tmp_path / "tagger.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match=r"tagger.crfsuite is not the file the run saved \(its sha256 differs from tagger.json's\)"):
        load_tagger(tmp_path)
    del meta["model_sha256"]  # a tagger saved before the sha256 was recorded: read as it is
    (tmp_path / "tagger.json").write_text(json.dumps(meta))
    assert load_tagger(tmp_path).model_bytes_ == crf.model_bytes_


@pytest.mark.parametrize("encoder", ["lstm", "cnn"])
def test_neural_tagger_scores_a_sentence_the_same_alone_or_batched_with_longer_ones(encoder):
    torch.set_num_threads(1)
    tagger = NeuralTagger(char_encoder=encoder, max_epochs=1, word_dim=8, hidden=8, char_hidden=8, vector_epochs=1,
                          dict_folds=2).fit(_tiny_corpus(), _tiny_corpus()[:6])
    docs = [Document(["pump"]), Document(["replace", "hydraulically", "actuated", "gearbox", "hose", "now"])]
    words, chars, dicts = tagger._encode(docs, [["O"] * len(d.tokens) for d in docs])
    tagger.network_.eval()
    W, C, D, _, _ = tagger._batch(words, chars, dicts)
    batched = tagger.network_(W, C, D)
    for b in range(len(docs)):  # padding (words, and characters of the longer words) changes nothing
        W1, C1, D1, _, _ = tagger._batch(words[b:b + 1], chars[b:b + 1], dicts[b:b + 1])
        n = len(docs[b].tokens)
        torch.testing.assert_close(tagger.network_(W1, C1, D1)[0, :n], batched[b, :n], rtol=1e-5, atol=1e-6)


def test_a_model_whose_dump_reads_but_whose_tagging_crashes_is_refused():
    """One byte of the attribute database changed (found by fuzzing): crfsuite's dump reads the
    file without fault, tagging a word with it crashes the process; the check tags in its child."""
    from minectl.isolated import read_in_child
    from minectl.text.feature_crf import CRFSUITE_HEADER, check_crfsuite_model, token_features

    docs = [Document(["replace", "pump", "seal"], [Span(1, 3, "PhysicalObject")]),
            Document(["check", "engine", "oil"], [Span(1, 2, "PhysicalObject"), Span(2, 3, "PhysicalObject")]),
            Document(["pump", "leaking"], [Span(0, 1, "PhysicalObject"), Span(1, 2, "State")])]
    good = FeatureCRF(c1=0.0, dictionary=False, word_classes=False, max_iterations=20).fit(docs).model_bytes_  # no L1: every feature kept
    at = CRFSUITE_HEADER.unpack_from(good)[-3] + 3478  # inside the attributes' string database (its offset in the header)
    assert good[at] == 0
    crafted = good[:at] + bytes([186]) + good[at + 1:]
    dump = "import sys, pycrfsuite; tagger = pycrfsuite.Tagger(); tagger.open(sys.argv[1]); tagger.info()"
    read_in_child(dump, crafted)  # the dump alone passes it
    tag_text = f"import sys, pycrfsuite; t = pycrfsuite.Tagger(); t.open(sys.argv[1]); t.tag({token_features(docs[1].tokens, None)!r})"
    with pytest.raises(ValueError, match="crashed"):  # tagging "check engine oil" with it
        read_in_child(tag_text, crafted)
    with pytest.raises(ValueError, match=r"could not read every part of the model \(its reader crashed"):
        check_crfsuite_model(crafted)
    check_crfsuite_model(good)
