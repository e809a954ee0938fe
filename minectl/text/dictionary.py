"""A domain dictionary (the seed's Table 5, a jieba-style user dictionary): term -> entity type,
matched longest-first. It is a baseline tagger (`DictionaryMatcher`) and a feature of the
other taggers (`match_tags`: each token's B-/I-<type> of the dictionary match it falls in).

A dictionary is the union of a file of terms (TSV `term<TAB>type`, `#` comments) and the entity
surface forms of training data, each with its most frequent type. A form annotated as an entity
in fewer than ``min_precision`` of its occurrences in the training text is left out (in
MaintIE, "replace" is an Activity in most texts but plain words like "a" never are)."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from minectl.errors import DataError
from minectl.text.corpus import Document, Span

Term = tuple[str, ...]


def read_terms(path: str | Path) -> dict[Term, str]:
    """Terms of a TSV file `term<TAB>type` (lower-cased, tokenised like the text)."""
    from minectl.text.corpus import tokenize

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: {'not a file' if path.exists() else 'missing'}; expected a dictionary TSV (term<TAB>type)")
    terms = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
            raise DataError(f"{path}: line {lineno}: {line!r}; expected 'term<TAB>type'")
        terms[tuple(t.lower() for t, _, _ in tokenize(parts[0]))] = parts[1].strip()
    return terms


def training_terms(docs: list[Document], min_precision: float = 0.5) -> dict[Term, str]:
    """Entity surface forms of ``docs`` (lower-cased) with their most frequent type."""
    types: dict[Term, Counter] = defaultdict(Counter)
    for doc in docs:
        for ent in doc.entities:
            types[tuple(t.lower() for t in doc.tokens[ent.start:ent.end])][ent.type] += 1
    longest = max((len(t) for t in types), default=0)
    seen: Counter = Counter()  # how often each form occurs at all
    for doc in docs:
        words = [t.lower() for t in doc.tokens]
        for n in range(1, longest + 1):
            for i in range(len(words) - n + 1):
                form = tuple(words[i:i + n])
                if form in types:
                    seen[form] += 1
    return {form: counts.most_common(1)[0][0] for form, counts in types.items()
            if sum(counts.values()) >= min_precision * seen[form]}


def longest_matches(tokens: list[str], terms: dict[Term, str]) -> list[Span]:
    """Non-overlapping dictionary matches, left to right, the longest at each position."""
    words = [t.lower() for t in tokens]
    longest = max((len(t) for t in terms), default=0)
    spans, i = [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            kind = terms.get(tuple(words[i:i + n]))
            if kind is not None:
                spans.append(Span(i, i + n, kind))
                i += n
                break
        else:
            i += 1
    return spans


def dictionary_first(docs: list[Document], spans: list[list[Span]], terms: dict[Term, str]) -> list[list[Span]]:
    """The dictionary's matches first, then the tagger's spans that overlap none of them: the
    seed gives its user dictionary the highest weight so that domain terms are segmented first."""
    merged = []
    for doc, found in zip(docs, spans, strict=True):
        matches = longest_matches(doc.tokens, terms)
        taken = {i for s in matches for i in range(s.start, s.end)}
        merged.append(sorted(matches + [s for s in found if not taken & set(range(s.start, s.end))], key=lambda s: s.start))
    return merged


def match_tags(docs: list[Document], terms: dict[Term, str]) -> list[list[str]]:
    """Per token the BIO tag of the dictionary match it falls in (the taggers' dictionary feature)."""
    from minectl.text.bio import spans_to_bio

    return [spans_to_bio(len(d.tokens), longest_matches(d.tokens, terms)) for d in docs]


def held_out_match_tags(docs: list[Document], terms: dict[Term, str], folds: int, min_precision: float) -> list[list[str]]:
    """Dictionary tags of training documents from a dictionary built on the other folds (plus
    ``terms``): on its own training text the dictionary is never wrong, on new text it is, and a
    tagger must learn how far to trust it."""
    tags: list[list[str]] = [[] for _ in docs]
    for fold in range(folds):
        inside = [d for i, d in enumerate(docs) if i % folds == fold]
        others = [d for i, d in enumerate(docs) if i % folds != fold]
        fold_terms = {**terms, **training_terms(others, min_precision)}
        for i, doc_tags in zip(range(fold, len(docs), folds), match_tags(inside, fold_terms), strict=True):
            tags[i] = doc_tags
    return tags


class DictionaryMatcher:
    """Baseline tagger: longest dictionary match. ``terms``: a user dictionary (term tuple ->
    type) used besides the forms of the training documents."""

    def __init__(self, terms: dict | None = None, min_precision: float = 0.5):
        self.terms = terms
        self.min_precision = min_precision

    def fit(self, docs: list[Document]) -> DictionaryMatcher:
        self.terms_ = {**(self.terms or {}), **training_terms(docs, self.min_precision)}
        return self

    def predict(self, docs: list[Document]) -> list[list[Span]]:
        return [longest_matches(d.tokens, self.terms_) for d in docs]
