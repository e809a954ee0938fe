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


HEADER = ({"term", "word", "phrase", "entity", "text", "token"}, {"type", "label", "tag", "class", "category", "entity_type"})


def read_terms(path: str | Path, levels: int | None = None, types: set[str] | None = None,
               hierarchical: bool = True) -> dict[Term, str]:
    """Terms of a TSV file `term<TAB>type` (lower-cased, tokenised like the text); a first line
    naming the columns (`term<TAB>type`) is a header, a line starting with `#` a comment. With
    ``levels`` each type is cut to that many classes (corpus.at_level, a flat corpus' types not
    ``hierarchical``: kept whole); with ``types`` (the
    corpus' types) a type outside them is refused: it would never match a gold entity."""
    from minectl.data.names import lookalike, shown
    from minectl.text.corpus import at_level, names_columns, read_utf8, text_lines, tokenize, visible_text

    path = Path(path)
    terms, first = {}, {}
    header = True  # until the first term line
    for lineno, line in enumerate(text_lines(read_utf8(path, "a dictionary TSV (term<TAB>type)")), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.rstrip(" \t").split("\t")
        if header and names_columns(parts, HEADER):
            header = False
            continue
        header = False
        if len(parts) != 2:
            raise DataError(f"{path}: line {lineno}: {len(parts)} columns ({line[:80]!r}); expected 'term<TAB>type'")
        words = tokenize(visible_text(parts[0]))  # 'pu\u200bmp' is the corpus' token 'pump', not 'pu' and 'mp'
        if not words or not parts[1].strip():
            raise DataError(f"{path}: line {lineno}: {line!r}; expected 'term<TAB>type'")
        term, type_ = tuple(t.lower() for t, _, _ in words), parts[1].strip()
        type_ = at_level(type_, levels, hierarchical) if levels else type_
        if types is not None and type_ not in types:
            known = sorted(types)
            alike = next((f" (the corpus has {shown(t)}: they print alike but differ)" for t in known
                          if lookalike(t) == lookalike(type_)), "")
            raise DataError(f"{path}: line {lineno}: type {shown(type_)} is not a type of the corpus"
                            f"{f' at {levels} classes' if levels else ''}{alike}; expected one of {', '.join(known[:12])}"
                            f"{', ...' if len(known) > 12 else ''}")
        if terms.get(term, type_) != type_:
            raise DataError(f"{path}: line {lineno}: {parts[0].strip()!r} is {type_}, and {terms[term]} on line {first[term]}; "
                            "expected one type a term")
        terms[term] = type_
        first.setdefault(term, lineno)
    if not terms:
        raise DataError(f"{path}: no terms; expected lines 'term<TAB>type'")
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


def _crosses(match: Span, span: Span) -> bool:
    """The spans overlap and ``span`` is not longer than ``match`` around it (same extent: the dictionary's)."""
    holds = span.start <= match.start and match.end <= span.end and (span.start, span.end) != (match.start, match.end)
    return match.start < span.end and span.start < match.end and not holds


def dictionary_first(docs: list[Document], spans: list[list[Span]], terms: dict[Term, str]) -> list[list[Span]]:
    """The dictionary's matches first (the seed gives its user dictionary the highest weight so
    that domain terms are segmented first), then the tagger's spans that cross none of them: those
    apart from every match, and those that hold matches whole ("air filters" around "filters")."""
    merged = []
    for doc, found in zip(docs, spans, strict=True):
        matches = longest_matches(doc.tokens, terms)
        kept = [s for s in found if not any(_crosses(m, s) for m in matches)]
        merged.append(sorted({*matches, *kept}, key=lambda s: (s.start, -s.end)))
    return merged


def _inner_spans(span: Span):
    return ((a, b) for a in range(span.start, span.end) for b in range(a + 1, span.end + 1) if (a, b) != (span.start, span.end))


def nested_terms(docs: list[Document], min_rate: float) -> dict[Term, str]:
    """Forms that, found inside a longer entity of the training text, are annotated as an entity
    of their own at least ``min_rate`` of the time ("filters" in "air filters"), with their type."""
    inside: Counter = Counter()
    types: dict[Term, Counter] = defaultdict(Counter)
    for doc in docs:
        kinds = {(e.start, e.end): e.type for e in doc.entities}
        for ent in doc.entities:
            for a, b in _inner_spans(ent):
                form = tuple(t.lower() for t in doc.tokens[a:b])
                inside[form] += 1
                if (a, b) in kinds:
                    types[form][kinds[a, b]] += 1
    return {form: c.most_common(1)[0][0] for form, c in types.items() if sum(c.values()) >= min_rate * inside[form]}


def add_nested(docs: list[Document], spans: list[list[Span]], terms: dict[Term, str]) -> list[list[Span]]:
    """A flat tagger's spans plus the nested entities ``terms`` (nested_terms) find inside them:
    BIO tags cannot hold "filters" inside "air filters", the annotation does."""
    out = []
    for doc, found in zip(docs, spans, strict=True):
        inner = [Span(a, b, terms[form]) for s in found for a, b in _inner_spans(s)
                 if (form := tuple(t.lower() for t in doc.tokens[a:b])) in terms]
        out.append(sorted({*found, *inner}, key=lambda s: (s.start, -s.end)))
    return out


DICTIONARIES = ("terms_", "first_terms_", "nested_terms_")  # a fitted tagger's dictionaries, saved as JSON


def dictionaries_to_json(tagger) -> dict:
    """A fitted tagger's dictionaries as JSON lists [[tokens], type] (tuple keys are not JSON)."""
    return {name: [[list(k), v] for k, v in getattr(tagger, name).items()] for name in DICTIONARIES}


def dictionaries_from_json(tagger, info: dict) -> None:
    for name in DICTIONARIES:
        setattr(tagger, name, {tuple(k): str(v) for k, v in info[name]})


def segmenting_terms(docs: list[Document], terms: dict | None, first: float | None, nested: float | None) -> tuple[dict, dict]:
    """The dictionary that segments first (forms tagged at least ``first`` of the time, plus
    ``terms``) and the nested forms (`nested_terms`); empty where the setting is None."""
    first_terms = {**(terms or {}), **training_terms(docs, first)} if first is not None else {}
    return first_terms, nested_terms(docs, nested) if nested is not None else {}


def segment(docs: list[Document], spans: list[list[Span]], first_terms: dict, nested: dict) -> list[list[Span]]:
    """A tagger's spans after `dictionary_first` and `add_nested` (each skipped when its terms are empty)."""
    if first_terms:
        spans = dictionary_first(docs, spans, first_terms)
    return add_nested(docs, spans, nested) if nested else spans


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
