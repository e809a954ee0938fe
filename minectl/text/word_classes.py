"""English word classes of a word (noun, verb, adjective, their combinations, `other`, `oov`) from
the US National Library of Medicine's SPECIALIST Lexicon as the lemminflect package ships it
(resources/lemma_lu.csv.gz: 69,362 word forms; lemminflect is MIT-licensed, the lexicon is free to
use). A feature for taggers trained on little text: 81 of the 234 word types of MaintIE's test
split never occur in its training text, and the class tells a work order's opening verb ("reset",
"weld") from the equipment after it. Only the CSV file is read: lemminflect itself is not
imported (its own models load from pickles)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
from pathlib import Path

CLASSES = frozenset({"adj", "noun", "verb"})  # the lexicon's adv and aux forms count as `other`
UNKNOWN = "oov"


def _lexicon_file() -> Path:
    spec = importlib.util.find_spec("lemminflect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the word-class lexicon comes with the lemminflect package: pip install lemminflect")
    return Path(spec.submodule_search_locations[0]) / "resources" / "lemma_lu.csv.gz"


@functools.cache
def lexicon() -> tuple[dict[str, str], str]:
    """Each lower-cased word form's classes (``noun+verb``; ``other`` for a word of none of them)
    and the lexicon file's sha256 (a saved tagger is read back only with the same file)."""
    data = _lexicon_file().read_bytes()
    forms: dict[str, set[str]] = {}
    for line in gzip.decompress(data).decode().splitlines():
        word, word_class, _ = line.split(",", 2)  # word form, class, its lemmas
        forms.setdefault(word.lower(), set()).add(word_class)
    return {word: "+".join(sorted(found & CLASSES)) or "other" for word, found in forms.items()}, hashlib.sha256(data).hexdigest()


def word_classes(words: list[str]) -> list[str]:
    """The class of each lower-cased word; ``oov`` where the lexicon does not know it."""
    classes = lexicon()[0]
    return [classes.get(word, UNKNOWN) for word in words]
