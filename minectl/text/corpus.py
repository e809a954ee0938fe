"""Labelled text in the formats annotation tools write, read into one shape: a `Document` of
tokens, entity spans (token offsets, end exclusive) and relations between entity indices.

Formats: span JSON (MaintIE: a list of {tokens, entities, relations}), Doccano JSONL (one
object a line: text + character-offset labels, the seed's annotation tool) and CoNLL/BIO (one
token a line, its tag last, a blank line between sentences). A malformed file is refused in one
line naming the file, the line or item, and what was expected."""

from __future__ import annotations

import bisect
import codecs
import collections
import functools
import itertools
import json
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from minectl.data.names import check_names
from minectl.data.sources import binary_kind, read_text
from minectl.errors import DataError

FORMATS = ("span_json", "doccano", "conll")
LEVELS = (1, 5, 32, 224)  # MaintIE's hierarchy: one class, top level, second level, leaves
MAX_TOKENS = 512  # a sentence's tokens: relation candidates grow with its square (a longer text: split it into sentences)
# Chinese and Japanese characters one a token (their text has no spaces: the seed's corpus is Chinese, tagged per
# character); words (with their combining marks), decimals (0.8), units (L/t); other marks alone. Control characters
# (NUL, ESC, DEL, ...) and invisible format characters (a byte-order mark inside a file that concatenated others,
# zero-width spaces, a soft hyphen, bidi marks) separate, as white space does
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana, CJK ideographs (extension A, unified, compatibility)
UNSPACED = re.compile(f"[{CJK}\u3000-\u303f\uff00-\uffef]")  # written without spaces: CJK characters, their punctuation
# IOB1/IOB2, BIOES/BILOU and BMES (M- for I-: Chinese corpora such as Resume NER); a type of words (`B-Physical Object`, as
# Doccano and span JSON name a type) in a tab-separated file: it was refused as "no tag"
CONLL_TAG = re.compile(r"O|[BIESULM]-\S+(?: \S+)*")
SUBWORD_ID = re.compile(r"\d+[-.]\d+")  # CoNLL-U's multiword token range (`2-3 don't`) and empty node (`5.1`): no tokens
BRAT_LINE = re.compile(r"(?:[TRENAM#]\d+|\*)\t\S+ ")  # a BRAT standoff (.ann) line: T1<TAB>Type 0 5<TAB>text, R1<TAB>..., #1<TAB>note
ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # one character to Python, two UTF-16 units to Doccano (JavaScript)
LINE_END = re.compile(r"\r\n|\r|\n")  # not str.splitlines': it also ends lines at \f, \x1c-\x1e, \x85, U+2028 and U+2029
# Prodigy's {text, tokens, spans: [{start, end, label}], answer} records: their rejected examples are no gold, so not read as such
PRODIGY = (" (Prodigy's {text, spans, answer} export: keep its accepted examples and write each as Doccano JSONL "
           "{text, label: [[start, end, label], ...]} from its spans)")
# spaCy's Doc.to_json (JSON Lines of {text, ents, sents, tokens}): each format's reader sent it to the other's
SPACY = (" (spaCy's Doc.to_json {text, ents, tokens}: write each as Doccano JSONL {text, label: [[start, end, label], ...]} from "
         "its ents, their character offsets as they are)")
TYPE_NAME = "a type name without surrounding spaces (a path Top/Mid/Leaf: no empty part, no spaces around a '/')"


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
        return join_tokens(self.tokens)


def join_tokens(tokens: list[str]) -> str:
    """Tokens as text: a space between two, none between two Chinese or Japanese ones ("电机", not "电 机")."""
    return "".join(token if i and UNSPACED.fullmatch(token) and UNSPACED.fullmatch(tokens[i - 1]) else f"{' ' if i else ''}{token}"
                   for i, token in enumerate(tokens))


def text_lines(text: str) -> list[str]:
    """The lines of a file's text, ended by LF, CR LF or CR as editors and JSON Lines count them: a
    form feed (pdftotext's page break) or a raw U+2028 in a JSON string is no line end."""
    return LINE_END.split(text)


def read_utf8(path: Path, expected: str) -> str:
    """A text file's contents (minectl.data.sources.read_text); a UTF-16 file without a byte-order
    mark is refused: valid UTF-8 to the decoder, NUL between its letters, so `predict` tagged its
    text as single letters (`r e p l a c e`) and a corpus failed on a line it could not show."""
    text = utf8_text(path, expected)
    head = text[:200]
    if head and 3 * head.count("\x00") >= len(head):  # UTF-16 puts a NUL beside every ASCII letter; no text holds a third NULs
        raise DataError(f"{path}: NUL characters between the letters (a UTF-16 file without a byte-order mark?); expected "
                        f"{expected} in UTF-8 (save it as UTF-8)")
    return text


def utf8_text(path: Path, expected: str) -> str:
    """read_text in UTF-8, a UTF-16 file with its byte-order mark (Notepad's "Unicode", Excel's
    "Unicode Text") named as such: it was "not utf-8 text (byte 0)"; so is a compressed file or an
    archive (`corpus.jsonl.gz`, a workbook as the dictionary): it was "not utf-8 text (byte 1)"."""
    try:
        return read_text(path, "utf-8", expected)
    except DataError as error:
        data = Path(path).read_bytes() if Path(path).is_file() else b""  # not missing
        if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise DataError(f"{path}: UTF-16 text (its byte-order mark says so); expected {expected}: save it as UTF-8") from None
        if binary := binary_kind(data[:16]):
            raise DataError(f"{path}: {binary}, not text; expected {expected}") from None
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:  # Latin-1 or Windows-1252 text: "byte 39104" of a 40 kB file named no line
            line, byte = data.count(b"\n", 0, exc.start) + 1, data[exc.start:exc.start + 1]
            raise DataError(f"{str(error).partition(';')[0]} on line {line}: 0x{byte.hex().upper()}, {byte.decode('cp1252', 'replace')!r} "
                            f"in Windows-1252; expected {expected} (save it as UTF-8)") from None
        raise


def visible_text(text: str) -> str:
    """A given token or term as the tokenizer reads raw text: without invisible format characters
    (a zero-width space, joiner or byte-order mark, a soft hyphen, bidi marks: tokenize drops them
    too), NFC (`café` typed as e + U+0301 is the `café` of the other sentences)."""
    return unicodedata.normalize("NFC", "".join(c for c in text if unicodedata.category(c) != "Cf"))


def names_columns(fields: list[str], names: tuple[set[str], ...]) -> bool:
    """Whether a tab-separated file's first line ``fields`` names its columns (a header, not data):
    one field a column, each one of that column's usual ``names`` (any case)."""
    return len(fields) == len(names) and all(field.strip().lower() in usual for field, usual in zip(fields, names, strict=True))


@functools.cache
def _token_pattern() -> re.Pattern:
    """The tokenizer's pattern, built at first use. Python's \\w leaves out combining marks, which
    belong to the letter before them: an accent typed as e + U+0301 (NFD text), Devanagari and Thai
    vowel signs, a kana's voicing mark."""
    marks = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")]
    starts = [c for i, c in enumerate(marks) if not i or marks[i - 1] != c - 1]
    ends = [c for i, c in enumerate(marks) if i + 1 == len(marks) or marks[i + 1] != c + 1]
    mark = "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in zip(starts, ends, strict=True))
    word = rf"(?:(?![{CJK}])[\w{mark}])+"
    # a comma joins digits only (1,500 and 0,8 are one number): `pump,seal` and `seal,100` are two words and a comma
    return re.compile(rf"[{CJK}][{mark}]*|{word}(?:(?:[./'-]|(?<=\d),(?=\d)){word})*"
                      r"|[^\w\s\x00-\x1f\x7f-\x9f\xad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Tokens of raw text: (word, start, end), the word in NFC (an accent typed as e + U+0301 is
    the é of other files), start and end its character offsets in ``text``."""
    as_written = unicodedata.is_normalized("NFC", text)
    return [(m.group() if as_written else unicodedata.normalize("NFC", m.group()), m.start(), m.end())
            for m in _token_pattern().finditer(text)]


def at_level(type_name: str, levels: int, hierarchical: bool = True) -> str:
    """A hierarchical class `Top/Mid/Leaf` at a granularity: 1 -> `Entity`, 5 -> `Top`, 32 ->
    `Top/Mid`, 224 -> the full path (a class with fewer parts stays as it is). The class of a flat
    corpus (not ``hierarchical``) is a name, its '/' no path: `N/A` stays whole."""
    if levels == 1:
        return "Entity"
    depth = {5: 1, 32: 2}.get(levels) if hierarchical else None
    return "/".join(type_name.split("/")[:depth]) if depth else type_name


def is_hierarchical(types: Iterable[str]) -> bool:
    """Whether the entity types are paths of one hierarchy: two of them under one top (MaintIE's
    `PhysicalObject` and `PhysicalObject/SensingObject/...`). Types whose '/' starts no shared path
    (`N/A`, `On/Off` beside `Item`) are a flat corpus' names: levels=5 cut them to `N` and `On`."""
    tops = collections.Counter(kind.split("/", 1)[0] for kind in set(types))
    return any(n > 1 for n in tops.values())


def relation_name(type_name: str) -> str:
    """MaintIE's relation `hasParticipant/hasPatient` counts as its leaf `hasPatient` (its six classes)."""
    return type_name.rsplit("/", 1)[-1]


def relabel(docs: list[Document], levels: int) -> list[Document]:
    """The documents with entity classes at ``levels`` and relation classes at their leaf. Two
    entities of one span whose types meet at ``levels`` (`LOC` and `GPE` at 1 class) are one: each
    was counted in `entities.test` and the second as a nested span dropped; their relations follow,
    and a relation between the two (`Capital` isA `City` of one span, at 5 classes) is left out: it
    joined the entity to itself, which no pair classifier can find, and counted as a missed relation."""
    cut = []
    hierarchical = is_hierarchical(e.type for d in docs for e in d.entities)
    for d in docs:
        index: dict[Span, int] = {}  # each entity at ``levels``, once -> its position
        ids = [index.setdefault(Span(e.start, e.end, at_level(e.type, levels, hierarchical)), len(index)) for e in d.entities]
        relations = dict.fromkeys((ids[h], ids[t], relation_name(r)) for h, t, r in d.relations if ids[h] != ids[t])
        cut.append(Document(d.tokens, list(index), list(relations)))
    return cut


def read_corpus(path: str | Path, fmt: str | None = None) -> list[Document]:
    """Documents of a labelled file; ``fmt`` one of FORMATS, or None: from the suffix
    (.json span JSON, .jsonl Doccano, .conll/.bio/.txt/.tsv CoNLL)."""
    path = Path(path)
    if fmt is None and path.suffix.lower() == ".csv":  # work orders' table: its header was refused as "one column" of CoNLL
        raise DataError(f"{path}: a CSV table; expected a labelled corpus: span JSON (.json), Doccano JSONL (.jsonl) or CoNLL "
                        "(one token and its tag a line; a CoNLL file named .csv: factors.extract.format=conll)")
    if fmt is None:
        fmt = {".json": "span_json", ".jsonl": "doccano"}.get(path.suffix, "conll")
    if fmt not in FORMATS:
        raise DataError(f"{path}: format {fmt!r}; expected one of {', '.join(FORMATS)}")
    text = read_utf8(path, f"a labelled text file ({fmt})")
    docs = {"span_json": _span_json, "doccano": _doccano, "conll": _conll}[fmt](text, path)
    if not docs:
        raise DataError(f"{path}: no sentences; expected at least one labelled sentence ({fmt})")
    if not any(d.entities for d in docs):
        raise DataError(f"{path}: {len(docs)} sentences and no entity; expected labelled entities ({fmt})")
    entity_types, relation_types = [e.type for d in docs for e in d.entities], [kind for d in docs for _, _, kind in d.relations]
    for what, types in (("entity", entity_types), ("relation", relation_types)):
        # a label is a name, not text: 'Activity' and 'Activity\u200b' or a Cyrillic 'Аctivity' print alike, and each
        # would be a class of its own, scored on its own
        check_names(types, f"{what} type", str(path))
        _check_spellings(path, what, types)
    _check_leaves(path, relation_types)
    return docs


def _check_leaves(path: Path, types: list[str]) -> None:
    """A relation counts at its leaf (relation_name): two types with one leaf (NYT's Freebase paths
    `location/country/capital` and `location/us_state/capital`) were one class, `capital`, in silence."""
    leaves: dict[str, str] = {}
    for name in dict.fromkeys(types):
        first = leaves.setdefault(relation_name(name).casefold(), name)
        if first != name:
            raise DataError(f"{path}: relation types {first!r} and {name!r} both count as {relation_name(name)!r} (a relation "
                            "counts at its last '/'-separated part, as MaintIE's hasParticipant/hasPatient counts as hasPatient); "
                            "expected relation types whose last parts differ (write the path with another separator: "
                            f"{name.replace('/', '.')!r})")


_WORD_BREAKS = str.maketrans("", "", " _-")


def _check_spellings(path: Path, what: str, types: list[str]) -> None:
    """One spelling per type: `Equipment` and `equipment` (B-LOC and B-loc), `PhysicalObject` and
    `Physical Object` or `physical_object` were two classes, each scored on its own and each missing
    the other's entities."""
    spelt: dict[str, str] = {}
    for name in dict.fromkeys(types):  # in file order: the first spelling is named first
        first = spelt.setdefault(name.casefold().translate(_WORD_BREAKS), name)
        if first != name:
            raise DataError(f"{path}: {what} types {first!r} and {name!r} differ only in case, spaces, '_' or '-'; "
                            "expected one spelling of each type")


def _check_document(path: Path, where: str, doc: Document) -> Document:
    """What every format must hold: a sentence of at most MAX_TOKENS tokens, each entity once,
    relations between two different entities."""
    _check_length(path, where, len(doc.tokens))
    seen: dict[Span, int] = {}
    for j, span in enumerate(doc.entities):
        if not _type_name(span.type):
            raise DataError(f"{path}: {where}: entity {j}: type {span.type!r}; expected {TYPE_NAME}")
        if span in seen:
            raise DataError(f"{path}: {where}: entity {j} repeats entity {seen[span]} (tokens [{span.start}, {span.end}) "
                            f"{span.type}); expected each entity once")
        seen[span] = j
    listed: dict[tuple[int, int, str], int] = {}
    for j, (head, tail, kind) in enumerate(doc.relations):
        if head == tail:
            raise DataError(f"{path}: {where}: relation {j} joins entity {head} to itself; expected two different entities")
        if not _type_name(kind):
            raise DataError(f"{path}: {where}: relation {j}: type {kind!r}; expected {TYPE_NAME}")
        if (head, tail, kind) in listed:  # it would count twice in training and in the scores
            raise DataError(f"{path}: {where}: relation {j} repeats relation {listed[head, tail, kind]} (entity {head} -{kind}-> "
                            f"entity {tail}); expected each relation once")
        listed[head, tail, kind] = j
    return doc


def _type_name(kind: str) -> bool:
    """Whether each '/'-separated part of a type is a name: `factors.extract.levels` cuts a type at its
    '/'s and a relation counts at its leaf, so `/Item` was the class '' at 5 classes, `Item / Pump` the
    class 'Item ' (printing as 'Item', a class of its own) and `hasPart/` the relation ''."""
    return all(part and part == part.strip() for part in kind.split("/"))


def _check_length(path: Path, where: str, n_tokens: int) -> None:
    if n_tokens > MAX_TOKENS:
        raise DataError(f"{path}: {where}: {n_tokens} tokens; expected at most {MAX_TOKENS} a sentence (split longer text)")


def _items(value, path: Path, where: str, what: str, labels: bool = False) -> list:
    """A list item; null is none for relations, but never for labels: an export's null marks a
    sentence not yet labelled, which read as one without entities would teach 'no entity here'."""
    if value is None and labels:
        raise DataError(f"{path}: {where}: {what} is null; expected a list ([] for a sentence without entities)")
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(f"{path}: {where}: {what} {str(value)[:40]!r} ({type(value).__name__}); expected a list")
    return value


def _check_span(path: Path, where: str, start, end, n: int) -> None:
    if not (type(start) is int and type(end) is int and 0 <= start < end <= n):  # not bool (an int to isinstance)
        # repr: a text '1' printed as 1 beside "expected integers"; start == end: a one-token entity with its end
        # inclusive (DyGIE++, brat-derived exports), where MaintIE's and SpERT's end is exclusive
        inclusive = " (an empty span: the end inclusive? it counts the first token after the entity)" * (start == end)
        raise DataError(f"{path}: {where}: span [{start!r}, {end!r}){inclusive}; expected integers 0 <= start < end <= {n}")


class _KeyTwice(Exception):
    """A JSON object holding one key twice: (the key, the object with the last value of each key)."""


def _unique_keys(pairs: list[tuple]) -> dict:
    """An object's keys, each once: json keeps a repeated key's last value, so `"entities": [...]`
    followed by `"entities": []` (a hand-merged file) read as a sentence without entities."""
    found = dict(pairs)
    if len(found) < len(pairs):
        seen = set()
        raise _KeyTwice(next(key for key, _ in pairs if key in seen or seen.add(key)), found)
    return found


def _parse_json(text: str, path: Path, where: str | None, expected: str):
    """The JSON value of a file (``where`` None: the parser names the line) or of one of its lines."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: {where or f'line {exc.lineno}'}: invalid JSON ({exc.msg}); expected {expected}") from None
    except RecursionError:  # json's parser recurses once per bracket
        raise DataError(f"{path}: {f'{where}: ' if where else ''}JSON nested too deep; expected {expected}") from None
    except _KeyTwice as exc:
        key, found = exc.args
        holder = next((f" (in the object with {k} {str(found[k])[:60]!r})" for k in ("text", "tokens") if k in found and k != key), "")
        raise DataError(f"{path}: {f'{where}: ' if where else ''}key {key!r} twice in one object{holder}; expected each key once "
                        "(JSON keeps the last value only)") from None


def _span_items(text: str, path: Path) -> list[tuple[str, object]]:
    """(where, item) of a span JSON file: a list, or JSON Lines (every non-blank line an object, as
    pandas' `to_json(orient="records", lines=True)` writes it), which read as "line 2: invalid JSON
    (Extra data)"."""
    lines = [line for line in text_lines(text) if line.strip()]
    if len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines):
        return list(_json_lines(text, path, "one {tokens, entities, relations} object a line"))
    items = _parse_json(text, path, None, "a list of {tokens, entities, relations}")
    if not isinstance(items, list):
        raise DataError(f"{path}: a JSON {type(items).__name__}; expected a list of {{tokens, entities, relations}}")
    return [(f"item {i}", item) for i, item in enumerate(items)]


def _span_json(text: str, path: Path) -> list[Document]:
    docs = []
    for where, item in _span_items(text, path):
        tokens = item.get("tokens") if isinstance(item, dict) else None
        if not (isinstance(tokens, list) and tokens and all(isinstance(t, str) for t in tokens)):
            found = "an empty 'tokens' list" if tokens == [] else "no 'tokens' list of strings"
            # an empty sentence ({text: '', tokens: []}) was sent to Doccano for its 'text'
            hint = _other_json(item) if tokens != [] or str(item.get("text") or "").strip() else ""
            raise DataError(f"{path}: {where}: {found}{hint}; expected {{tokens, entities, relations}}")
        if "entities" not in item:  # a misspelt key would read as a sentence without entities
            raise DataError(f"{path}: {where}: no 'entities' among the keys {', '.join(map(repr, item))}{_token_tags(item)}; "
                            "expected {tokens, entities, relations} ('entities': [] for a sentence without entities)")
        misspelt = next((key for key in item if key != "relations" and str(key).lower().rstrip("s") == "relation"), None)
        if "relations" not in item and misspelt is not None:  # 'relations' may be left out: a near miss read as none
            raise DataError(f"{path}: {where}: key {misspelt!r}; expected 'relations' (a list of {{head, tail, type}}, or no key "
                            "for a sentence without relations)")
        given, tokens = tokens, [visible_text(t) for t in tokens]
        blank = next((k for k, t in enumerate(tokens) if not t or t.split() != [t]), None)
        if blank is not None:
            raise DataError(f"{path}: {where}: token {blank} {given[blank]!r}; expected a visible word without spaces")
        entities = []
        for j, ent in enumerate(_items(item["entities"], path, where, "'entities'", labels=True)):
            if not (isinstance(ent, dict) and isinstance(ent.get("type"), str)):
                raise DataError(f"{path}: {where}: entity {j} {str(ent)[:80]}: expected {{start, end, type}}")  # a 'label' key?
            _check_span(path, f"{where}: entity {j}", ent.get("start"), ent.get("end"), len(tokens))
            entities.append(Span(ent["start"], ent["end"], ent["type"]))
        relations = []
        for j, rel in enumerate(_items(item.get("relations"), path, where, "'relations'")):
            ok = isinstance(rel, dict) and isinstance(rel.get("type"), str)
            ends = (rel.get("head"), rel.get("tail")) if ok else (None, None)
            if not (ok and all(type(e) is int and 0 <= e < len(entities) for e in ends)):  # not bool
                raise DataError(f"{path}: {where}: relation {j}: expected {{head, tail, type}} "
                                f"with head and tail entity indices below {len(entities)}")
            relations.append((rel["head"], rel["tail"], rel["type"]))
        docs.append(_check_document(path, where, Document(tokens, entities, relations)))
    return docs


def _other_json(item) -> str:
    """What a span JSON item without tokens is, where it is another tool's export."""
    if isinstance(item, dict) and {"data", "annotations"} <= item.keys():
        return " (Label Studio's JSON export: export JSON-MIN and read it with format doccano, or export CONLL2003)"
    if isinstance(item, dict) and "spans" in item:
        return PRODIGY
    if isinstance(item, dict) and "ents" in item:
        return SPACY
    if isinstance(item, dict) and "paragraphs" in item:
        return (" (spaCy v2's training JSON {id, paragraphs}: write each token's orth and ner tag (BILUO) as a CoNLL line "
                "`orth TAG`, a blank line between sentences)")
    if isinstance(item, dict) and {"sentences", "ner"} <= item.keys():  # SciERC, ACE05 as DyGIE++ ships them
        return (" (DyGIE++'s {doc_key, sentences, ner, relations}: its offsets count the document's tokens, its ends inclusive; "
                "write each sentence as {tokens, entities: [{start, end (exclusive), type}], relations: [{head, tail, type}]})")
    if isinstance(item, dict) and "text" in item:
        return " (a 'text' with character offsets is Doccano's: format doccano)"
    if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], dict):
        return " (spaCy's [text, {entities}] training pair: write it as Doccano JSONL {text, label: [[start, end, type]]})"
    return ""


def _token_tags(item: dict) -> str:
    """What a {tokens, ner_tags} row is (Hugging Face datasets' NER sets: CoNLL-2003, WNUT-17, MultiCoNER), a tag a
    token, often as a label id: span JSON and Doccano sent it to each other, neither naming the tags."""
    tokens = item.get("tokens")
    same = [key for key, value in item.items() if key != "tokens" and isinstance(value, list) and len(value) == len(tokens)]
    key = next((k for k in same if "ner" in str(k).lower()), next((k for k in same if str(k).lower() in ("tags", "labels")), None))
    return (f" (and a tag a token in {key!r}, as Hugging Face datasets' NER rows have: write 'token TAG' lines, CoNLL, with "
            "the tags' names (B-PER), not their ids)") if key else ""


def _label_entry(entry) -> tuple:
    """(start, end, type, None) of a `label` entry: Doccano's [start, end, type] or Label Studio
    JSON-MIN's {start, end, text, labels: [type]}; (None,) * 4 for anything else."""
    if isinstance(entry, list) and len(entry) == 3:
        return (*entry, None)
    if isinstance(entry, dict) and isinstance(entry.get("labels"), list) and len(entry["labels"]) == 1:
        return entry.get("start"), entry.get("end"), entry["labels"][0], None
    return (None,) * 4


def _doccano(text: str, path: Path) -> list[Document]:
    """Doccano JSONL: `{"text", "label": [[start, end, type], ...]}` (sequence labelling export;
    `labels` in older Doccano; Label Studio JSON-MIN's `"label": [{start, end, labels: [type]}]`
    too) or `{"text", "entities": [{id, start_offset, end_offset, label}], "relations": [{from_id,
    to_id, type}]}` (relation export); other keys (id, Comments, metadata)
    are Doccano's own and ignored, a line without any of those three is refused. Character spans
    become the tokens they cover: white space at a span's edges is left out (an annotator's slip),
    and a token that a span starts or ends inside is cut there ("pump" labelled in "pump's": the
    annotator's boundary is the text's). A file holding one JSON array of those objects (as some
    exports write) reads as its JSON Lines."""
    # cutting: (where, label, its text, the word, whether it covers whole words ending one later) of each label cutting a word
    docs, cutting, labels = [], [], 0
    for where, item in _doccano_objects(text, path):
        if isinstance(item, dict) and isinstance(item.get("tokens"), list) and not {"spans", "ents"} & item.keys():  # PRODIGY, SPACY
            if "entities" not in item and _token_tags(item):  # span JSON would refuse it in turn, for want of 'entities'
                raise DataError(f"{path}: {where}: a 'tokens' list{_token_tags(item)}; expected a Doccano object {{text, label}}")
            # span JSON Lines named .jsonl (pandas' to_json(lines=True), MaintIE a line): its token offsets read as characters
            raise DataError(f"{path}: {where}: a 'tokens' list, as span JSON has (entity offsets count tokens); expected a Doccano "
                            "object {text, label} (offsets count characters): read it with factors.extract.format=span_json")
        if not (isinstance(item, dict) and isinstance(item.get("text"), str)):
            raise DataError(f"{path}: {where}: no 'text' string{_other_json(item)}; expected a Doccano object {{text, label}} or "
                            "{text, entities}")
        words = tokenize(item["text"])
        if not words:
            raise DataError(f"{path}: {where}: empty text; expected a sentence")
        _check_length(path, where, len(words))  # before the cuts at labels (they only add tokens): a long line is refused at once
        lists = {key: _items(item[key], path, where, repr(key), labels=True) for key in ("label", "labels", "entities") if key in item}
        if not lists:  # a typo'd key, or an export of label ids ("annotations"), would read as a sentence without entities
            raise DataError(f"{path}: {where}: no 'label', 'labels' or 'entities' among the keys {', '.join(map(repr, item))}"
                            f"{PRODIGY if 'spans' in item else SPACY if 'ents' in item else ''}; "
                            "expected Doccano's {text, label: [[start, end, type]]} or {text, entities, relations} ([] for a sentence "
                            "without entities)")
        filled = [key for key, value in lists.items() if value] or list(lists)[:1]
        if len(filled) > 1:  # one of them would be ignored
            raise DataError(f"{path}: {where}: both {filled[0]!r} ({len(lists[filled[0]])}) and {filled[1]!r} "
                            f"({len(lists[filled[1]])}); expected one of them")
        if filled[0] == "entities":
            raw = [(e.get("start_offset"), e.get("end_offset"), e.get("label"), e.get("id")) if isinstance(e, dict) else (None,) * 4
                   for e in lists["entities"]]
        else:  # "label" (Doccano 1.x, Label Studio JSON-MIN) or "labels" (older Doccano)
            raw = [_label_entry(e) for e in lists[filled[0]]]
        astral = ASTRAL.search(item["text"])
        _check_not_bytes(item["text"], raw, path, where)
        spans = [_character_span(item["text"], entry, path, f"{where}: label {j}", astral) for j, entry in enumerate(raw)]
        labels += len(spans)
        cutting += [(where, j, item["text"][a:b], next(word for word, start, end in words if start < a < end or start < b < end),
                     not _in_word(item["text"], a) and b < len(item["text"]) and not _in_word(item["text"], b + 1))
                    for j, (a, b) in enumerate(spans) if _in_word(item["text"], a) or _in_word(item["text"], b)]
        tokens = _cut_at(item["text"], words, {offset for span in spans for offset in span})
        starts = {s: i for i, (_, s, _) in enumerate(tokens)}
        ends = {e: i + 1 for i, (_, _, e) in enumerate(tokens)}
        entities, ids = [], {}
        for j, ((start, end), (_, _, label, ent_id)) in enumerate(zip(spans, raw, strict=True)):
            if start not in starts or end not in ends:  # a mark the tokenizer skips
                raise DataError(f"{path}: {where}: label {j} [{start}, {end}) does not fall on token boundaries; expected whole words")
            key = _entity_id(ent_id)
            if key in ids:
                raise DataError(f"{path}: {where}: label {j}: id {ent_id!r} repeats label {ids[key]}'s; expected unique entity ids")
            if key is not None:
                ids[key] = len(entities)
            entities.append(Span(starts[start], ends[end], label))
        relations = []
        for j, rel in enumerate(_items(item.get("relations"), path, where, "'relations'")):
            ends = [_entity_id(rel.get(key)) for key in ("from_id", "to_id")] if isinstance(rel, dict) else [None]
            if not (all(end in ids for end in ends) and isinstance(rel.get("type"), str)):
                raise DataError(f"{path}: {where}: relation {j}: expected {{from_id, to_id, type}} naming entity ids of the line")
            relations.append((ids[ends[0]], ids[ends[1]], rel["type"]))
        docs.append(_check_document(path, where, Document([t for t, _, _ in tokens], entities, relations)))
    # an annotator's slip cuts a word now and then; most labels a letter short of their word's end is an end counted inclusively
    if 2 * len(cutting) > labels and all(one_short for *_, one_short in cutting):
        where, j, label, word, _ = cutting[0]
        raise DataError(f"{path}: {len(cutting)} of its {labels} labels end a letter inside a word ({where}: label {j} {label!r} in "
                        f"{word!r}), each one short of whole words; expected the end exclusive (the character after the label: "
                        "add 1 to every end)")
    return docs


def _in_word(text: str, offset: int) -> bool:
    """Whether ``offset`` falls between two ASCII letters or two digits (`pu|mp`; not `pump|'s` or `15|mm`, a
    number and its unit). ASCII only: Thai, written without spaces, is one token a run of letters, each label cut from it."""
    pair = text[max(offset - 1, 0):offset + 1]
    return len(pair) == 2 and pair.isascii() and (pair.isalpha() or pair.isdigit())


def _doccano_objects(text: str, path: Path):
    """(where, object) of each non-blank line, or of each item of a file that is one JSON array."""
    if text.lstrip().startswith("["):
        items = _parse_json(text, path, None, "a JSON array of Doccano objects, or one object a line (JSON Lines)")
        yield from ((f"item {i}", item) for i, item in enumerate(items))
        return
    yield from _json_lines(text, path, "one Doccano object a line")


def _json_lines(text: str, path: Path, expected: str):
    """(where, object) of each non-blank line of JSON Lines, parsed as it is reached."""
    for number, line in enumerate(text_lines(text), 1):
        if line.strip():
            yield f"line {number}", _parse_json(line, path, f"line {number}", expected)


def _entity_id(value) -> tuple[str, int | str] | None:
    """A Doccano entity id as a key (an int or a string; true is not the id 1), None for no usable id."""
    return (type(value).__name__, value) if type(value) in (int, str) else None


def _character_span(text: str, entry: tuple, path: Path, where: str, astral: re.Match | None) -> tuple[int, int]:
    """A Doccano label's [start, end) checked against its text, white space at its edges left out;
    ``astral``: the text's first character beyond U+FFFF, if any."""
    start, end, label, _ = entry
    if not (type(start) is int and type(end) is int and isinstance(label, str)):
        raise DataError(f"{path}: {where}: expected [start, end, label] character offsets and a label (Label Studio JSON-MIN: "
                        "{start, end, labels: [one label]})")
    if astral and end > astral.start():  # Doccano's offsets count UTF-16 units, a script's code points: the words are unknown
        raise DataError(f"{path}: {where} [{start}, {end}) ends after {astral.group()!r} (character {astral.start()}, beyond U+FFFF: "
                        "two offsets to Doccano, one to Python); expected no such character before a label's end (remove it, "
                        "shifting the offsets)")
    if not 0 <= start < end <= len(text):
        raise DataError(f"{path}: {where} [{start}, {end}): expected 0 <= start < end <= {len(text)} (the text's length)")
    if not text[start:end].strip():
        raise DataError(f"{path}: {where} [{start}, {end}) covers only white space; expected a word")
    return end - len(text[start:end].lstrip()), start + len(text[start:end].rstrip())


def _check_not_bytes(text: str, raw: list[tuple], path: Path, where: str) -> None:
    """Refuse a line whose labels count UTF-8 bytes (a tool in Go or Rust, `text.encode().find()`):
    after an `é` each fell a byte late, `pump` read as `ump`, cut from its word in silence. Said only
    where that reading fits: as characters a label cuts a word between two letters, as bytes every
    label of the line falls on whole words."""
    data = text.encode()
    if len(data) == len(text) or not all(type(a) is int and type(b) is int for a, b, _, _ in raw):
        return

    def as_characters(offset: int) -> int | None:  # a byte offset as characters; None: not at a character's start
        try:
            return len(data[:offset].decode()) if 0 <= offset <= len(data) else None
        except UnicodeDecodeError:
            return None

    cut = next(((j, a, b) for j, (a, b, _, _) in enumerate(raw) if _in_word(text, a) or _in_word(text, b)), None)
    read = [as_characters(offset) for a, b, _, _ in raw for offset in (a, b)]
    if cut and None not in read and not any(_in_word(text, offset) for offset in read):
        j, a, b = cut
        raise DataError(f"{path}: {where}: label {j} [{a}, {b}) cuts a word ({text[a:b]!r}), and read as UTF-8 bytes every label of "
                        "the line falls on whole words; expected character offsets (the tool that wrote them counts bytes: "
                        "convert them with len(text.encode()[:offset].decode()))")


def _cut_at(text: str, tokens: list[tuple[str, int, int]], offsets: set[int]) -> list[tuple[str, int, int]]:
    """The tokens of ``text`` cut at the character offsets that fall inside them (found by
    bisection: a line may hold many labels)."""
    cuts = sorted(offsets)
    cut = []
    for token, start, end in tokens:
        inside = cuts[bisect.bisect_right(cuts, start):bisect.bisect_left(cuts, end)]
        cut += [(visible_text(text[a:b]), a, b) for a, b in itertools.pairwise([start, *inside, end])] if inside \
            else [(token, start, end)]
    return cut


def _conll(text: str, path: Path) -> list[Document]:
    """Sentences of one token a line, its tag last: BIO (IOB2, or IOB1 where `I-` starts an
    entity), or BIOES / BILOU (`S-`/`U-` single, `E-`/`L-` last): a file with any of those
    letters is read as that scheme throughout, each sentence checked against it. Columns are
    separated by tabs (WNUT) or by spaces (CoNLL-2003), as many on every token line as on most
    (a token holding white space is refused, not cut at it). A first column numbering each
    sentence's tokens 1, 2, ... or 0, 1, ... (CoNLL-U Plus with a NER column last) is no token:
    the token is the second, and CoNLL-U's multiword ranges and empty nodes are skipped; BMES'
    M- reads as I- (BIOES). `-DOCSTART-` lines and comments
    are skipped: a line starting with `#` that is not a token line of the file's shape (in a
    tab-separated file: holds no tab; else: one word, or `# ` then text, as CoNLL-U's
    `# text = ...` and MultiCoNER's `# id ... domain=en`)."""
    from minectl.text.bio import bio_to_spans, bioes_to_bio

    rows = []  # (line number, line, its columns) of each token or comment line; None: a sentence break
    for lineno, line in enumerate([*text_lines(text), ""], 1):
        line = line.lstrip("\ufeff").strip(" \t")  # a byte-order mark inside: files concatenated (`cat a.conll b.conll`)
        if not line.strip() or line.startswith("-DOCSTART-"):
            rows.append(None)
        else:
            rows.append((lineno, line, [part.strip(" ") for part in line.split("\t")] if "\t" in line else re.split(" +", line)))
    # the file's shape: the column count and separator of most lines not starting with "#"
    shapes = collections.Counter((len(parts), "\t" in line) for _, line, parts in filter(None, rows) if not line.startswith("#"))
    width, tabbed = max(shapes, key=shapes.get, default=(None, False))
    indexed = (width or 0) >= 3 and _numbers_tokens(rows)  # the token ids 1, 2, 3 were read as the tokens
    tag_at = _tag_column(path, rows, width) if indexed else -1
    sentences, tokens, tags, lines = [], [], [], []
    for row in rows:
        lineno, line, parts = row or (None, "", [""])
        if indexed and SUBWORD_ID.fullmatch(parts[0]):
            continue
        tagged = len(parts) > max(tag_at, 1) and CONLL_TAG.fullmatch(parts[tag_at])
        comment = line.startswith("#") and not (tagged and len(parts) == width) and (
            "\t" not in line if tabbed else line.startswith("# ") or len(parts) == 1)
        if row is None or comment:
            if tokens:
                sentences.append((tokens, tags, lines))
                tokens, tags, lines = [], [], []
            continue
        if not tagged:
            found = "one column" if len(parts) == 1 else f"last column {parts[-1]!r} is no tag"
            if BRAT_LINE.match(line):
                found = "a BRAT standoff (.ann) line, a format minectl does not read (convert it to CoNLL with brat's tools/anntoconll.py)"
            elif indexed and width >= 10:
                found += " (CoNLL-U holds no entity tags: add them as a last column, CoNLL-U Plus, or write 'token TAG' lines)"
            elif not tabbed and len(parts) > (width or 0) and CONLL_TAG.fullmatch(parts[-2]):  # `air B-Physical Object`: a column too many
                found += f" (a type of words, {' '.join(parts[-2:])!r}? separate the columns by tabs)"
            elif parts[-1] in ("B", "I"):  # BioBERT's NER sets (NCBI-disease, BC5CDR, BC2GM): one class, its name nowhere in the file
                found += " (untyped B/I/O tags, as BioBERT's NER sets write them: name the class, B-Disease and I-Disease)"
            raise DataError(f"{path}: line {lineno}: {line!r}: {found}; expected 'token ... TAG' with TAG O, "
                            "B-<type> or I-<type> (BIOES: also S-, E-; BILOU: U-, L-; BMES: M-, E-, S-; a bare type, IO tagging, "
                            "is not read)")
        if len(parts) != width:
            raise DataError(f"{path}: line {lineno}: {line!r}: {len(parts)} columns; expected {width} as on most lines "
                            f"({'tab' if tabbed else 'space'}-separated; a token holding a space?)")
        given = parts[1 if indexed else 0]  # a numbered file's token is its second column
        if given.split() != [given]:
            raise DataError(f"{path}: line {lineno}: token {given!r} holds white space; expected one token a line, "
                            "its columns separated by tabs or by spaces")
        token = visible_text(given)
        if not token:
            raise DataError(f"{path}: line {lineno}: token {given!r} is invisible (format characters only); expected a word")
        tokens.append(token)
        tags.append(parts[tag_at])
        lines.append(lineno)
    # the first S-/E-/U-/L- tag and its line: it makes the file BIOES/BILOU
    bioes = next((f"{tag} on line {n}" for _, ts, ns in sentences for tag, n in zip(ts, ns, strict=True) if tag[0] in "ESULM"), None)
    docs = []
    for tokens, tags, lines in sentences:
        if bioes:
            try:
                tags = bioes_to_bio([f"I-{tag[2:]}" if tag[0] == "M" else tag for tag in tags])  # BMES' M- continues
            except ValueError as exc:  # the index of the tag that breaks the scheme
                i = exc.args[0]
                raise DataError(f"{path}: line {lines[i]}: tag {tags[i]} after {tags[i - 1] if i else 'the sentence start'} and before "
                                f"{tags[i + 1] if i + 1 < len(tags) else 'its end'}; expected a BIOES/BILOU sequence ({bioes} makes the "
                                "file BIOES/BILOU): B- opens, I- (BMES: M-) continues, E-/L- closes, S-/U- stands alone") from None
        docs.append(_check_document(path, f"the sentence from line {lines[0]}", Document(tokens, bio_to_spans(tags))))
    return docs


def _numbers_tokens(rows: list) -> bool:
    """Whether the first column of every token line numbers its sentence's tokens 1, 2, 3, ...
    (CoNLL-U's ID; its multiword ranges and empty nodes aside) or 0, 1, 2: then it holds no token."""
    position, counted = None, False
    for row in rows:
        if row is None or row[1].startswith("#"):
            position = None
        elif not SUBWORD_ID.fullmatch(row[2][0]):
            if row[2][0] not in (("0", "1") if position is None else (str(position + 1),)):
                return False
            position, counted = int(row[2][0]), True
    return counted


def _tag_column(path: Path, rows: list, width: int) -> int:
    """The tag column of a numbered file: the last (-1), or the one column after the token that
    holds a tag on every token line where no column after it holds any (Universal NER's .iob2:
    `1<TAB>Bush<TAB>B-PER<TAB>-<TAB>-`; the last column '-' was refused as no tag, named as a
    second tag column). Refused: tags on every line both there and last (GermEval 2014: the outer
    entities, then the nested ones last), which the last column alone read as the outer ones."""
    words = [row for row in filter(None, rows) if not row[1].startswith("#") and not SUBWORD_ID.fullmatch(row[2][0])]
    tagged = [k for k in range(2, width) if all(len(parts) == width and CONLL_TAG.fullmatch(parts[k]) for _, _, parts in words)]
    if len(tagged) > 1 and tagged[-1] == width - 1:
        lineno, line, _ = words[0]
        raise DataError(f"{path}: line {lineno}: {line!r}: columns {tagged[0] + 1} and {width} both hold entity tags (GermEval 2014's "
                        f"outer and nested entities?); expected one tag column, the last (keep one: cut -f2,{tagged[0] + 1})")
    if not tagged or tagged[0] == width - 1:
        return -1
    return -1 if any(CONLL_TAG.fullmatch(part) for _, _, parts in words for part in parts[tagged[0] + 1:]) else tagged[0]
