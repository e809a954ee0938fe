"""Labelled text in the formats annotation tools write, read into one shape: a `Document` of
tokens, entity spans (token offsets, end exclusive) and relations between entity indices.

Formats: span JSON (MaintIE: a list of {tokens, entities, relations}), Doccano JSONL (one
object a line: text + character-offset labels, the seed's annotation tool) and CoNLL/BIO (one
token a line, its tag last, a blank line between sentences). A malformed file is refused in one
line naming the file, the line or item, and what was expected."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from minectl.data.sources import read_text
from minectl.errors import DataError

FORMATS = ("span_json", "doccano", "conll")
LEVELS = (1, 5, 32, 224)  # MaintIE's hierarchy: one class, top level, second level, leaves
MAX_TOKENS = 512  # a sentence's tokens: relation candidates grow with its square (a longer text: split it into sentences)
TOKEN = re.compile(r"\w+(?:[.,/'-]\w+)*|[^\w\s]")  # words, decimals (0.8), units (L/t); other marks alone


@dataclass(frozen=True)
class Span:
    start: int
    end: int  # exclusive
    type: str


@dataclass
class Document:
    tokens: list[str]
    entities: list[Span] = field(default_factory=list)
    relations: list[tuple[int, int, str]] = field(default_factory=list)  # (head entity, tail entity, type)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Tokens of raw text with their character offsets (start, end)."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def at_level(type_name: str, levels: int) -> str:
    """A hierarchical class `Top/Mid/Leaf` at a granularity: 1 -> `Entity`, 5 -> `Top`, 32 ->
    `Top/Mid`, 224 -> the full path (a class with fewer parts stays as it is)."""
    if levels == 1:
        return "Entity"
    depth = {5: 1, 32: 2}.get(levels)
    return "/".join(type_name.split("/")[:depth]) if depth else type_name


def relation_name(type_name: str) -> str:
    """MaintIE's relation `hasParticipant/hasPatient` counts as its leaf `hasPatient` (its six classes)."""
    return type_name.rsplit("/", 1)[-1]


def relabel(docs: list[Document], levels: int) -> list[Document]:
    """The documents with entity classes at ``levels`` and relation classes at their leaf."""
    return [
        Document(d.tokens, [Span(e.start, e.end, at_level(e.type, levels)) for e in d.entities],
                 [(h, t, relation_name(r)) for h, t, r in d.relations])
        for d in docs
    ]


def read_corpus(path: str | Path, fmt: str | None = None) -> list[Document]:
    """Documents of a labelled file; ``fmt`` one of FORMATS, or None: from the suffix
    (.json span JSON, .jsonl Doccano, .conll/.bio/.txt/.tsv CoNLL)."""
    path = Path(path)
    if fmt is None:
        fmt = {".json": "span_json", ".jsonl": "doccano"}.get(path.suffix, "conll")
    if fmt not in FORMATS:
        raise DataError(f"{path}: format {fmt!r}; expected one of {', '.join(FORMATS)}")
    text = read_text(path, "utf-8", f"a labelled text file ({fmt})")
    docs = {"span_json": _span_json, "doccano": _doccano, "conll": _conll}[fmt](text, path)
    if not docs:
        raise DataError(f"{path}: no sentences; expected at least one labelled sentence ({fmt})")
    if not any(d.entities for d in docs):
        raise DataError(f"{path}: {len(docs)} sentences and no entity; expected labelled entities ({fmt})")
    return docs


def _check_document(path: Path, where: str, doc: Document) -> Document:
    """What every format must hold: a sentence of at most MAX_TOKENS tokens, each entity once,
    relations between two different entities."""
    if len(doc.tokens) > MAX_TOKENS:
        raise DataError(f"{path}: {where}: {len(doc.tokens)} tokens; expected at most {MAX_TOKENS} a sentence (split longer text)")
    seen: dict[Span, int] = {}
    for j, span in enumerate(doc.entities):
        if not span.type.strip() or span.type != span.type.strip():
            raise DataError(f"{path}: {where}: entity {j}: type {span.type!r}; expected a type name without surrounding spaces")
        if span in seen:
            raise DataError(f"{path}: {where}: entity {j} repeats entity {seen[span]} (tokens [{span.start}, {span.end}) "
                            f"{span.type}); expected each entity once")
        seen[span] = j
    for j, (head, tail, _) in enumerate(doc.relations):
        if head == tail:
            raise DataError(f"{path}: {where}: relation {j} joins entity {head} to itself; expected two different entities")
    return doc


def _items(value, path: Path, where: str, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(f"{path}: {where}: {what} {str(value)[:40]!r} ({type(value).__name__}); expected a list")
    return value


def _check_span(path: Path, where: str, start, end, n: int) -> None:
    if not (type(start) is int and type(end) is int and 0 <= start < end <= n):  # not bool (an int to isinstance)
        raise DataError(f"{path}: {where}: span [{start}, {end}); expected integers 0 <= start < end <= {n}")


def _span_json(text: str, path: Path) -> list[Document]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: line {exc.lineno}: invalid JSON ({exc.msg}); "
                        "expected a list of {tokens, entities, relations}") from None
    if not isinstance(items, list):
        raise DataError(f"{path}: a JSON {type(items).__name__}; expected a list of {{tokens, entities, relations}}")
    docs = []
    for i, item in enumerate(items):
        where = f"item {i}"
        tokens = item.get("tokens") if isinstance(item, dict) else None
        if not (isinstance(tokens, list) and tokens and all(isinstance(t, str) for t in tokens)):
            raise DataError(f"{path}: {where}: no 'tokens' list of strings; expected {{tokens, entities, relations}}")
        blank = next((k for k, t in enumerate(tokens) if not t or t.split() != [t]), None)
        if blank is not None:
            raise DataError(f"{path}: {where}: token {blank} {tokens[blank]!r}; expected a word without spaces")
        entities = []
        for j, ent in enumerate(_items(item.get("entities"), path, where, "'entities'")):
            if not (isinstance(ent, dict) and isinstance(ent.get("type"), str)):
                raise DataError(f"{path}: {where}: entity {j}: expected {{start, end, type}}")
            _check_span(path, f"{where}: entity {j}", ent.get("start"), ent.get("end"), len(tokens))
            entities.append(Span(ent["start"], ent["end"], ent["type"]))
        relations = []
        for j, rel in enumerate(_items(item.get("relations"), path, where, "'relations'")):
            ok = isinstance(rel, dict) and isinstance(rel.get("type"), str)
            ends = (rel.get("head"), rel.get("tail")) if ok else (None, None)
            if not (ok and all(isinstance(e, int) and 0 <= e < len(entities) for e in ends)):
                raise DataError(f"{path}: {where}: relation {j}: expected {{head, tail, type}} "
                                f"with head and tail entity indices below {len(entities)}")
            relations.append((rel["head"], rel["tail"], rel["type"]))
        docs.append(_check_document(path, where, Document(tokens, entities, relations)))
    return docs


def _doccano(text: str, path: Path) -> list[Document]:
    """Doccano JSONL: `{"text", "label": [[start, end, type], ...]}` (sequence labelling export) or
    `{"text", "entities": [{id, start_offset, end_offset, label}], "relations": [{from_id, to_id, type}]}`
    (relation export). Character spans become the tokens they cover: white space at a span's
    edges is left out (an annotator's slip), and a token that a span starts or ends inside is cut
    there ("pump" labelled in "pump's": the annotator's boundary is the text's)."""
    docs = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"line {lineno}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: {where}: invalid JSON ({exc.msg}); expected one Doccano object a line") from None
        if not (isinstance(item, dict) and isinstance(item.get("text"), str)):
            raise DataError(f"{path}: {where}: no 'text' string; expected a Doccano object {{text, label}} or {{text, entities}}")
        if not tokenize(item["text"]):
            raise DataError(f"{path}: {where}: empty text; expected a sentence")
        if "entities" in item:
            raw = [(e.get("start_offset"), e.get("end_offset"), e.get("label"), e.get("id")) if isinstance(e, dict) else (None,) * 4
                   for e in _items(item["entities"], path, where, "'entities'")]
        else:
            raw = [tuple(e[:3]) + (None,) if isinstance(e, list) and len(e) == 3 else (None,) * 4
                   for e in _items(item.get("label"), path, where, "'label'")]
        spans = [_character_span(item["text"], entry, path, f"{where}: label {j}") for j, entry in enumerate(raw)]
        tokens = _cut_at(tokenize(item["text"]), {offset for span in spans for offset in span})
        starts = {s: i for i, (_, s, _) in enumerate(tokens)}
        ends = {e: i + 1 for i, (_, _, e) in enumerate(tokens)}
        entities, ids = [], {}
        for j, ((start, end), (_, _, label, ent_id)) in enumerate(zip(spans, raw, strict=True)):
            if start not in starts or end not in ends:  # a mark the tokenizer skips
                raise DataError(f"{path}: {where}: label {j} [{start}, {end}) does not fall on token boundaries; expected whole words")
            if ent_id is not None and ent_id in ids:
                raise DataError(f"{path}: {where}: label {j}: id {ent_id!r} repeats label {ids[ent_id]}'s; expected unique entity ids")
            ids[ent_id] = len(entities)
            entities.append(Span(starts[start], ends[end], label))
        relations = []
        for j, rel in enumerate(_items(item.get("relations"), path, where, "'relations'")):
            ok = isinstance(rel, dict) and rel.get("from_id") in ids and rel.get("to_id") in ids and isinstance(rel.get("type"), str)
            if not ok:
                raise DataError(f"{path}: {where}: relation {j}: expected {{from_id, to_id, type}} naming entity ids of the line")
            relations.append((ids[rel["from_id"]], ids[rel["to_id"]], rel["type"]))
        docs.append(_check_document(path, where, Document([t for t, _, _ in tokens], entities, relations)))
    return docs


def _character_span(text: str, entry: tuple, path: Path, where: str) -> tuple[int, int]:
    """A Doccano label's [start, end) checked against its text, white space at its edges left out."""
    start, end, label, _ = entry
    if not (type(start) is int and type(end) is int and isinstance(label, str)):
        raise DataError(f"{path}: {where}: expected [start, end, label] character offsets and a label")
    if not 0 <= start < end <= len(text):
        raise DataError(f"{path}: {where} [{start}, {end}): expected 0 <= start < end <= {len(text)} (the text's length)")
    if not text[start:end].strip():
        raise DataError(f"{path}: {where} [{start}, {end}) covers only white space; expected a word")
    return end - len(text[start:end].lstrip()), start + len(text[start:end].rstrip())


def _cut_at(tokens: list[tuple[str, int, int]], offsets: set[int]) -> list[tuple[str, int, int]]:
    """Tokens cut at the character offsets that fall inside them."""
    cut = []
    for token, start, end in tokens:
        bounds = [start, *sorted(o for o in offsets if start < o < end), end]
        cut += [(token[a - start:b - start], a, b) for a, b in itertools.pairwise(bounds)]
    return cut


def _conll(text: str, path: Path) -> list[Document]:
    """Sentences of one token a line, its tag last: BIO (IOB2, or IOB1 where `I-` starts an
    entity), or BIOES / BILOU (`S-`/`U-` single, `E-`/`L-` last): a file with any of those
    letters is read as that scheme throughout, each sentence checked against it."""
    from minectl.text.bio import bio_to_spans, bioes_to_bio

    sentences, tokens, tags, lines = [], [], [], []
    for lineno, line in enumerate([*text.splitlines(), ""], 1):
        if not line.strip() or line.startswith("-DOCSTART-"):
            if tokens:
                sentences.append((tokens, tags, lines))
                tokens, tags, lines = [], [], []
            continue
        parts = line.split()
        tag = parts[-1]
        if len(parts) < 2 or not (tag == "O" or re.fullmatch(r"[BIESUL]-\S+", tag)):
            raise DataError(f"{path}: line {lineno}: {line.strip()!r}; expected 'token ... TAG' with TAG O, B-<type> or I-<type> "
                            "(BIOES: also S-, E-; BILOU: U-, L-)")
        tokens.append(parts[0])
        tags.append(tag)
        lines.append(lineno)
    bioes = any(tag[0] in "ESUL" for _, sentence_tags, _ in sentences for tag in sentence_tags)
    docs = []
    for tokens, tags, lines in sentences:
        if bioes:
            try:
                tags = bioes_to_bio(tags)
            except ValueError as exc:  # the index of the tag that breaks the scheme
                i = exc.args[0]
                raise DataError(f"{path}: line {lines[i]}: tag {tags[i]} after {tags[i - 1] if i else 'the sentence start'} and before "
                                f"{tags[i + 1] if i + 1 < len(tags) else 'its end'}; expected a BIOES/BILOU sequence (the file "
                                "uses S-/E- or U-/L- tags): B- opens, I- continues, E-/L- closes, S-/U- stands alone") from None
        docs.append(_check_document(path, f"the sentence from line {lines[0]}", Document(tokens, bio_to_spans(tags))))
    return docs
