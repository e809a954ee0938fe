"""Spans <-> BIO tags, and the policy for nested or overlapping spans (a flat tagger's tags
can hold only non-overlapping entities).

Policy: keep the longest span; among equally long ones the earliest, then the first listed;
drop every span that overlaps one kept. The dropped spans are counted (`flatten` returns the
count) and are still scored as gold: a flat tagger misses them, which is why its ceiling on
MaintIE's test split is micro F1 97.03, not 100."""

from __future__ import annotations

import re
from collections.abc import Iterable

from minectl.text.corpus import Span

BIO_TAG = re.compile(r"O|[BI]-.+")  # IOB2, as spans_to_bio writes them


def flatten(spans: list[Span]) -> tuple[list[Span], int]:
    """The non-overlapping spans the policy keeps (in text order) and how many were dropped."""
    order = sorted(range(len(spans)), key=lambda i: (-(spans[i].end - spans[i].start), spans[i].start, i))
    taken: set[int] = set()
    kept = []
    for i in order:
        span = spans[i]
        cover = set(range(span.start, span.end))
        if not cover & taken:
            kept.append(span)
            taken |= cover
    return sorted(kept, key=lambda s: s.start), len(spans) - len(kept)


def spans_to_bio(n_tokens: int, spans: list[Span]) -> list[str]:
    """BIO tags (IOB2) of non-overlapping spans; overlapping ones are refused (flatten first)."""
    tags = ["O"] * n_tokens
    for span in spans:
        if any(tag != "O" for tag in tags[span.start:span.end]):
            raise ValueError(f"span {span} overlaps another; expected flat spans (see minectl.text.bio.flatten)")
        tags[span.start] = f"B-{span.type}"
        tags[span.start + 1:span.end] = [f"I-{span.type}"] * (span.end - span.start - 1)
    return tags


def bioes_to_bio(tags: list[str]) -> list[str]:
    """IOB2 tags of a BIOES (or BILOU: U = S, L = E) sequence; ValueError(index) at the first tag
    the scheme does not allow: an entity continued when none is open or as another type (that
    tag), or left open (the B-/I- tag before the tag that does not continue it)."""
    bio, open_type = [], None  # the type of the entity a B-/I- opened and no E-/L- closed yet
    for i, tag in enumerate([*tags, "O"]):
        letter, _, kind = tag.partition("-")
        continues = letter in "IEL"
        if continues and kind != open_type:
            raise ValueError(i)
        if not continues and open_type is not None:
            raise ValueError(i - 1)
        open_type = kind if letter in "BI" else None
        bio.append(f"B-{kind}" if letter in "SU" else f"I-{kind}" if letter in "EL" else tag)
    return bio[:-1]


def bio_to_spans(tags: list[str]) -> list[Span]:
    """Entity spans of a tag sequence, read as seqeval's default (lenient IOB2) mode does: an
    `I-X` after `O` or after another type starts an entity, as `B-X` does."""
    spans: list[Span] = []
    start, current = None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        continues = prefix == "I" and kind == current
        if current is not None and not continues:
            spans.append(Span(start, i, current))
            current = None
        if prefix in ("B", "I") and not continues:
            start, current = i, kind
    return spans


def check_bio_tags(tags: Iterable) -> None:
    """ValueError naming the first of a saved tagger's ``tags`` that is not an IOB2 tag (a run folder may come from
    anyone): bio_to_spans read `Z-X` as O in silence, and a number ended `predict` in a traceback."""
    bad = [tag for tag in tags if not isinstance(tag, str) or not BIO_TAG.fullmatch(tag)]
    if bad:
        raise ValueError(f"tag {bad[0]!r}; expected O, B-<type> or I-<type>")
