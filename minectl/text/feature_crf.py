"""Feature-based linear-chain CRF baseline (python-crfsuite, L-BFGS with L1 + L2): word shape,
prefixes and suffixes, neighbouring words and, optionally, the dictionary tag and the English word
class (minectl.text.word_classes) of each token and its neighbours."""

from __future__ import annotations

import hashlib
import json
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

from minectl.isolated import read_in_child
from minectl.text.bio import bio_to_spans, check_bio_tags, flatten, spans_to_bio
from minectl.text.corpus import Document, Span
from minectl.text.dictionary import (
    dictionaries_from_json,
    dictionaries_to_json,
    held_out_match_tags,
    match_tags,
    segment,
    segmenting_terms,
    training_terms,
)
from minectl.text.word_classes import lexicon, word_classes

# crfsuite's model header (header_t in its crf1d_model.c): magic, file size, model type, version,
# 3 counts and 5 offsets into the file.
CRFSUITE_HEADER = struct.Struct("<4sI4sI3I5I")
# Every part of a model, as crfsuite's dump reads it (labels, attributes, transitions, state
# features), then as tagging reads it: every attribute looked up by name, its features through its
# references, the transitions by Viterbi over two items.
_READ_EVERY_PART = """
import sys, pycrfsuite
tagger = pycrfsuite.Tagger()
tagger.open(sys.argv[1])
every = list(tagger.info().attributes)
tagger.tag([every, every])
"""


def check_crfsuite_model(data: bytes) -> None:
    """Raise ValueError unless ``data`` is a crfsuite CRF model that crfsuite reads whole.

    crfsuite's C reader trusts the offsets in the file: a truncated or altered model crashes the
    process (a segmentation fault). The header's are checked here; altered bytes inside the parts
    only reading them shows (in a fuzz of a trained model, 1-16 random bytes changed, 27 of 60
    files crashed a process that tagged two words). A saved run folder may come from anyone, so
    the model is read whole in a child process first, where a crash costs only the child: dumped,
    and every attribute tagged (docs/security.md).
    """
    if len(data) < CRFSUITE_HEADER.size:
        raise ValueError(f"{len(data)} bytes, shorter than crfsuite's {CRFSUITE_HEADER.size}-byte header")
    header = CRFSUITE_HEADER.unpack_from(data)
    magic, size, kind = header[:3]
    offsets = header[-5:]
    if magic != b"lCRF" or kind != b"FOMC":
        raise ValueError("not a crfsuite CRF model (its first bytes)")
    if size != len(data) or not all(CRFSUITE_HEADER.size <= offset < size for offset in offsets):
        raise ValueError(f"its header says {size} bytes with parts at {list(offsets)}, the file has {len(data)}: truncated or altered")
    try:
        read_in_child(_READ_EVERY_PART, data)
    except ValueError as exc:
        raise ValueError(f"crfsuite could not read every part of the model ({exc}): damaged or altered") from None


def _shape(word: str) -> str:
    shape = "".join("X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c for c in word)
    return "".join(c for i, c in enumerate(shape) if i == 0 or c != shape[i - 1])  # runs squeezed: Xx, d.d


def token_features(tokens: list[str], dict_tags: list[str] | None, with_classes: bool = False) -> list[list[str]]:
    words = [t.lower() for t in tokens]
    classes = word_classes(words) if with_classes else None
    feats = []
    for i, word in enumerate(words):
        f = ["bias", f"w={word}", f"shape={_shape(tokens[i])}", f"p3={word[:3]}", f"s2={word[-2:]}", f"s3={word[-3:]}", f"s4={word[-4:]}"]
        for off in (-2, -1, 1, 2):
            j = i + off
            f.append(f"w{off:+d}={words[j] if 0 <= j < len(words) else '<pad>'}")
        for off in (-1, 1):
            j = i + off
            if 0 <= j < len(words):
                f += [f"s3{off:+d}={words[j][-3:]}", f"w{off:+d}|w={words[j]}|{word}"]
        if dict_tags is not None:
            f += [f"d={dict_tags[i]}"] + [f"d{off:+d}={dict_tags[i + off]}" for off in (-1, 1) if 0 <= i + off < len(words)]
        if classes is not None:
            f += [f"c={classes[i]}"] + [f"c{off:+d}={classes[i + off]}" for off in (-1, 1) if 0 <= i + off < len(words)]
        feats.append(f)
    return feats


class FeatureCRF:
    """Linear-chain CRF over hand features. ``dictionary``: use dictionary tags as features
    (held out by ``dict_folds`` folds on the training text); ``word_classes``: each word's English
    word classes as features; ``terms``: a user dictionary;
    ``dictionary_first``, ``nested``: as minectl.text.dictionary.segmenting_terms."""

    def __init__(self, c1: float = 0.05, c2: float = 0.05, max_iterations: int = 150, dictionary: bool = True,
                 terms: dict | None = None, dict_folds: int = 5, min_precision: float = 0.5, dictionary_first: float | None = None,
                 nested: float | None = None, word_classes: bool = True):
        self.c1 = c1
        self.c2 = c2
        self.max_iterations = max_iterations
        self.dictionary = dictionary
        self.terms = terms
        self.dict_folds = dict_folds
        self.min_precision = min_precision
        self.dictionary_first = dictionary_first
        self.nested = nested
        self.word_classes = word_classes

    def fit(self, docs: list[Document], progress: Callable[[int], None] | None = None) -> FeatureCRF:
        """``progress(1)`` after each L-BFGS iteration (about 0.7 s each on 20,000 sentences)."""
        import pycrfsuite

        class Trainer(pycrfsuite.Trainer):
            def message(self, message):  # crfsuite's log, parsed by pycrfsuite: one 'iteration' event each
                if self.logparser.feed(message) == "iteration" and progress:
                    progress(1)

        self.terms_ = {**(self.terms or {}), **training_terms(docs, self.min_precision)}
        self.first_terms_, self.nested_terms_ = segmenting_terms(docs, self.terms, self.dictionary_first, self.nested)
        dict_tags = [None] * len(docs)
        if self.dictionary:
            dict_tags = held_out_match_tags(docs, self.terms or {}, self.dict_folds, self.min_precision)
        trainer = Trainer(verbose=False)
        for doc, tags in zip(docs, dict_tags, strict=True):
            trainer.append(token_features(doc.tokens, tags, self.word_classes), spans_to_bio(len(doc.tokens), flatten(doc.entities)[0]))
        trainer.set_params({"c1": self.c1, "c2": self.c2, "max_iterations": self.max_iterations,
                            "feature.possible_transitions": True})
        with tempfile.TemporaryDirectory() as tmp:
            model = Path(tmp) / "crf.crfsuite"
            trainer.train(str(model))
            self.model_bytes_ = model.read_bytes()  # crfsuite's own binary format: data, no code
        return self

    def predict(self, docs: list[Document]) -> list[list[Span]]:
        dict_tags = match_tags(docs, self.terms_) if self.dictionary else [None] * len(docs)
        tagger = self._crfsuite_tagger()
        try:
            spans = [bio_to_spans(tagger.tag(token_features(d.tokens, tags, self.word_classes)))
                     for d, tags in zip(docs, dict_tags, strict=True)]
        finally:
            tagger.close()
        return segment(docs, spans, self.first_terms_, self.nested_terms_)

    def _crfsuite_tagger(self):
        """crfsuite's tagger of the fitted model (it reads the model from a file, then keeps it in memory)."""
        import pycrfsuite

        with tempfile.TemporaryDirectory() as tmp:
            model = Path(tmp) / "crf.crfsuite"
            model.write_bytes(self.model_bytes_)
            tagger = pycrfsuite.Tagger()
            tagger.open(str(model))
        return tagger

    _PARAMS = ("c1", "c2", "max_iterations", "dictionary", "dict_folds", "min_precision", "dictionary_first", "nested", "word_classes")

    def save(self, weights: Path, meta: Path) -> None:
        """crfsuite's model file (its own binary format: weights, no code) and the JSON of settings and dictionaries."""
        weights.write_bytes(self.model_bytes_)
        lexicon_sha256 = lexicon()[1] if self.word_classes else None
        meta.write_text(json.dumps({"kind": "crf", "params": {k: getattr(self, k) for k in self._PARAMS},
                                    "model_sha256": hashlib.sha256(self.model_bytes_).hexdigest(),
                                    "lexicon_sha256": lexicon_sha256, **dictionaries_to_json(self)}))

    @classmethod
    def load(cls, weights: Path, meta: Path, info: dict) -> FeatureCRF:
        from minectl.results import changed_since_saved
        from minectl.text.neural import unreadable

        try:
            tagger = cls(**{"word_classes": False, **info["params"]})  # saved before word classes: none
            if tagger.word_classes and info["lexicon_sha256"] != lexicon()[1]:
                raise ValueError(f"trained with the word-class lexicon of sha256 {info['lexicon_sha256']}, this "
                                 f"installation's lemminflect has {lexicon()[1]}: install the lemminflect version it was trained with")
            dictionaries_from_json(tagger, info)
            tagger.model_bytes_ = weights.read_bytes()
            if changed_since_saved(tagger.model_bytes_, info.get("model_sha256")):
                raise ValueError(f"{weights.name} is not the file the run saved (its sha256 differs from tagger.json's): changed since")
            check_crfsuite_model(tagger.model_bytes_)
            crfsuite = tagger._crfsuite_tagger()
            try:
                check_bio_tags(crfsuite.labels())
            finally:
                crfsuite.close()
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            raise unreadable(meta, exc) from None
        return tagger
