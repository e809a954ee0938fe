"""Triples as integer ids: reading tab-separated splits, one vocabulary over all of them, the
Bernoulli head-replacement probabilities (seed 001 eq 15)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from minectl.data.sources import special_kind
from minectl.errors import DataError

# a first line naming the columns is a header, not a triple (head/relation/tail, subject/predicate/object, KGTK's
# node1/label/node2 (Wikidata's and CSKG's edge files without their id column), ...)
HEADER = ({"head", "h", "subject", "s", "source", "from", "node1"},
          {"relation", "r", "predicate", "p", "rel", "edge", "type", "metaedge", "label"},
          {"tail", "t", "object", "o", "target", "to", "node2"})
# a C0 control character (not a tab or line end) in a name: NUL between the letters of a UTF-16 file read as UTF-8 (no
# byte-order mark to tell), ESC or BEL from a terminal; NEL and U+2028 stay part of a name
CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
JOINERS = ("\u200c", "\u200d")  # zero-width (non-)joiners: part of words in some scripts and of emoji, not invisible slips
OPENKE = ("train2id.txt", "valid2id.txt", "test2id.txt", "entity2id.txt", "relation2id.txt")  # read where train.txt is not


@dataclass(frozen=True)
class TripleSplits:
    """Train/valid/test triples as (n, 3) int64 arrays (head, relation, tail) over shared vocabularies."""

    entities: tuple[str, ...]
    relations: tuple[str, ...]
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    unseen_dropped: dict[str, int] = field(default_factory=dict)  # split -> triples left out (load_splits: unseen_policy="drop")

    @property
    def known(self) -> np.ndarray:
        """Every true triple of the three splits: what filtered ranking removes from the candidates."""
        return np.concatenate([self.train, self.valid, self.test])


def read_triples(path: str | Path) -> list[tuple[str, str, str]]:
    """head<TAB>relation<TAB>tail per line (lines end at LF, CR LF or CR; blank lines and tabs at a
    line's end are skipped; a first line naming the columns is a header); any other line (a fourth
    column, an empty name), or a triple listed twice, is refused naming file and line."""
    return list(_numbered_triples(Path(path)).values())


def _numbered_triples(path: Path) -> dict[int, tuple[str, str, str]]:
    """The triples of a file by line number."""
    from minectl.text.corpus import names_columns, text_lines, utf8_text

    rows: dict[int, tuple[str, str, str]] = {}
    text = utf8_text(path, "a tab-separated UTF-8 triples file (head, relation, tail)")  # also: missing, not a file
    lines = [(number, line) for number, line in enumerate(text_lines(text), 1) if line.strip()]
    for number, line in lines:
        control = CONTROL.search(line)
        if control:
            raise DataError(f"{path}:{number}: control character {control.group()!r} in a name; expected UTF-8 text with printable "
                            "names (a UTF-16 file? save it as UTF-8)")
        # a tab at the end (a spreadsheet's export) opens no fourth column; a byte-order mark starts a concatenated file;
        # NFC: `café` typed as e + U+0301 (macOS file names, some exports) is the `café` of the other files, not a second entity
        line = line.lstrip("\ufeff")
        invisible = None if line.isascii() else next((c for c in line if unicodedata.category(c) == "Cf" and c not in JOINERS), None)
        if invisible:  # `usa\u200b` (a zero-width space copied from a web page) was a second entity printing as `usa`
            raise DataError(f"{path}:{number}: invisible character U+{ord(invisible):04X} {unicodedata.name(invisible, '')} in a name "
                            f"({line[:80]!r}); expected visible names (delete it)")
        parts = unicodedata.normalize("NFC", line.rstrip(" \t")).split("\t")
        if names_columns(parts, HEADER):
            if number == lines[0][0]:
                continue
            # files joined with their headers (`cat part1.tsv part2.tsv`): `head -relation-> tail` was a triple, its two
            # entities candidates of every query, in silence
            raise DataError(f"{path}:{number}: {line[:80]!r} names the columns again (files joined with their headers?); "
                            "expected a header on the first line only")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            found = f"{len(parts)} tab-separated field{'s' * (len(parts) > 1)}{' (one empty)' * (len(parts) == 3)}"
            raise DataError(f"{path}:{number}: {found}; expected head<TAB>relation<TAB>tail, got {line[:80]!r}")
        rows[number] = (parts[0].strip(), parts[1].strip(), parts[2].strip())
    if not rows:
        raise DataError(f"{path}: no triples; expected at least one head<TAB>relation<TAB>tail line")
    return _refuse_repeats(path, rows)


def _refuse_repeats(path: Path, rows: dict[int, tuple[str, str, str]]) -> dict[int, tuple[str, str, str]]:
    """``rows`` (a file's triples by line), refused at a triple's second line."""
    first: dict[tuple[str, str, str], int] = {}
    for number, triple in rows.items():
        if first.setdefault(triple, number) != number:
            raise DataError(f"{path}:{number}: the triple of line {first[triple]} again; expected each triple once")
    return rows


def index_splits(train, valid, test) -> TripleSplits:
    """Integer ids for string triples of three splits (entities and relations sorted by name)."""
    entities = tuple(sorted({x for rows in (train, valid, test) for h, _, t in rows for x in (h, t)}))
    relations = tuple(sorted({r for rows in (train, valid, test) for _, r, _ in rows}))
    e_id = {name: i for i, name in enumerate(entities)}
    r_id = {name: i for i, name in enumerate(relations)}

    def ids(rows) -> np.ndarray:
        return np.array([(e_id[h], r_id[r], e_id[t]) for h, r, t in rows], dtype=np.int64).reshape(-1, 3)

    return TripleSplits(entities, relations, ids(train), ids(valid), ids(test))


def load_splits(folder: str | Path, unseen_policy: str = "refuse") -> TripleSplits:
    """A benchmark folder with train.txt, valid.txt and test.txt (Nations, UMLS, Kinships layout;
    .tsv where a split has no .txt; OpenKE's id files where neither is: _openke_splits). Refused,
    naming file and line: a valid or test triple whose entity or relation training never saw (no
    embedding can be learned for it; ``unseen_policy="drop"``: left out and counted, as PyKEEN
    does), one already in an earlier split (a leak), or a first line that looks like a header
    (_refuse_unnamed_header)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: {'not a folder' if folder.exists() else 'missing'}; expected a benchmark folder with train.txt, "
                        "valid.txt and test.txt (head<TAB>relation<TAB>tail)")
    files = {name: next((path for path in (folder / f"{name}.txt", folder / f"{name}.tsv") if path.is_file()), folder / f"{name}.txt")
             for name in ("train", "valid", "test")}
    missing = next((path for path in files.values() if not path.is_file()), None)
    openke = [name for name in OPENKE if not (folder / name).is_file()]
    if missing and openke:  # name what the folder holds: dev.tsv, train.csv are not guessed at
        held = sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))
        hint = (f" (OpenKE's train2id.txt: read with {', '.join(OPENKE[1:])} beside it; {', '.join(openke)} missing)"
                if "train2id.txt" in held else "")
        what = special_kind(missing) or "missing"  # a pipe is there, but no file to read twice
        raise DataError(f"{missing}: {what}; the folder holds {', '.join(held[:8]) or 'no file'}{' ...' * (len(held) > 8)}{hint}; "
                        "expected train.txt, valid.txt and test.txt (or .tsv), head<TAB>relation<TAB>tail")
    if missing:
        splits, files = _openke_splits(folder)
    else:
        splits = {name: _numbered_triples(path) for name, path in files.items()}
        _refuse_unnamed_header(splits, files)  # OpenKE's files open with a count line, not a header
    _refuse_lookalikes(splits, files)
    _refuse_entities_as_relations(splits, files)
    train = splits["train"].values()
    entities, relations = {x for h, _, t in train for x in (h, t)}, {r for _, r, _ in train}
    earlier = {triple: files["train"].name for triple in train}

    def unseen(head: str, relation: str, tail: str) -> list[str]:
        return [f"entity {x!r}" for x in (head, tail) if x not in entities] + [f"relation {relation!r}"] * (relation not in relations)

    dropped = {}
    for name in ("valid", "test"):
        for number, (head, relation, tail) in splits[name].items():
            where = f"{files[name]}:{number}"
            if unseen(head, relation, tail) and unseen_policy == "refuse":
                # WN18RR as published has such lines: say how many, not just the first
                count = sum(bool(unseen(*triple)) for triple in splits[name].values())
                raise DataError(f"{where}: {unseen(head, relation, tail)[0]} does not occur in {files['train'].name}; expected {name} "
                                f"entities and relations seen in training ({count} of its {len(splits[name])} triples name one "
                                "training lacks: drop those lines, or factors.kge.unseen=drop leaves them out and counts them, as "
                                "PyKEEN does)")
            if (head, relation, tail) in earlier:
                raise DataError(f"{where}: the triple is also in {earlier[head, relation, tail]}; expected disjoint splits")
        earlier.update({triple: files[name].name for triple in splits[name].values()})
        kept = {number: triple for number, triple in splits[name].items() if not unseen(*triple)}
        if not kept:
            raise DataError(f"{files[name]}: every one of its {len(splits[name])} triples names an entity or relation "
                            f"{files['train'].name} lacks; expected {name} triples to evaluate on")
        dropped[name], splits[name] = len(splits[name]) - len(kept), kept
    indexed = index_splits(*(list(splits[name].values()) for name in ("train", "valid", "test")))
    return replace(indexed, unseen_dropped=dropped)


def _openke_splits(folder: Path) -> tuple[dict[str, dict[int, tuple[str, str, str]]], dict[str, Path]]:
    """OpenKE's benchmark files (its FB15K237, WN18RR): entity2id.txt and relation2id.txt (a count line,
    then `name<TAB>id`), train2id.txt, valid2id.txt, test2id.txt (a count line, then `head tail relation`
    ids, its order), as name triples by line. An id beyond its file's count is refused naming the line:
    ids written head relation tail put a tail's id where the relation's belongs and the relation's where
    the tail's does, which one of the two counts does not hold unless entities and relations number alike."""
    entities, relations = _openke_names(folder / "entity2id.txt"), _openke_names(folder / "relation2id.txt")
    splits, files = {}, {name: folder / f"{name}2id.txt" for name in ("train", "valid", "test")}
    for name, path in files.items():
        rows: dict[int, tuple[str, str, str]] = {}
        for number, line in _counted_lines(path, "head tail relation ids"):
            fields = line.split()
            if len(fields) != 3 or not all(map(_is_id, fields)):
                raise DataError(f"{path}:{number}: {line[:80]!r}; expected three ids, head tail relation (OpenKE's order)")
            for value, what, names, of in zip(fields, ("head", "tail", "relation"), (entities, entities, relations),
                                              ("entity2id.txt",) * 2 + ("relation2id.txt",), strict=True):
                if int(value) >= len(names):
                    raise DataError(f"{path}:{number}: {what} id {value} is beyond the {len(names)} ids of {of}; expected "
                                    "OpenKE's order, head tail relation (ids written head relation tail?)")
            head, tail, relation = (int(f) for f in fields)
            rows[number] = (entities[head], relations[relation], entities[tail])
        if not rows:
            raise DataError(f"{path}: no triples; expected a count line, then head tail relation ids")
        splits[name] = _refuse_repeats(path, rows)
    return splits, files


def _openke_names(path: Path) -> list[str]:
    """The names of an OpenKE entity2id.txt or relation2id.txt by id: each name once, each id below the count once."""
    lines = _counted_lines(path, "name<TAB>id lines")
    named: dict[int, tuple[str, int]] = {}  # id -> (name, line)
    ids: dict[str, int] = {}  # name -> line
    for number, line in lines:
        fields = line.rsplit(None, 1)
        if len(fields) != 2 or not _is_id(fields[1]) or int(fields[1]) >= len(lines):
            raise DataError(f"{path}:{number}: {line[:80]!r}; expected a name, then its id (below the count, {len(lines)})")
        name, id_ = unicodedata.normalize("NFC", fields[0].strip()), int(fields[1])
        if name in ids or id_ in named:
            what, first = (f"name {name!r}", ids[name]) if name in ids else (f"id {id_}", named[id_][1])
            raise DataError(f"{path}:{number}: {what} of line {first} again; expected each name and each id once")
        named[id_], ids[name] = (name, number), number
    return [named[i][0] for i in range(len(lines))]


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit()  # `²` is a digit to isdigit, not to int


def _counted_lines(path: Path, expected: str) -> list[tuple[int, str]]:
    """The lines below an OpenKE file's count line (blank ones skipped), by line number; refused unless that
    line counts them: a file cut short, or lines added without the count."""
    from minectl.text.corpus import text_lines, utf8_text

    text = utf8_text(path, f"an OpenKE file: a count line, then {expected}")
    lines = [(number, line.lstrip("\ufeff")) for number, line in enumerate(text_lines(text), 1) if line.strip()]
    count = lines[0][1].strip() if lines else ""
    below = max(len(lines) - 1, 0)
    if not _is_id(count) or int(count) != below:
        raise DataError(f"{path}: first line {count[:40]!r} above {below} line{'s' * (below != 1)}; expected the count of the "
                        f"lines below it (OpenKE's layout), then {expected}")
    return lines[1:]


def _refuse_unnamed_header(splits: dict[str, dict[int, tuple[str, str, str]]], files: dict[str, Path]) -> None:
    """A split's first line whose head, relation and tail occur on no other line of the splits (but
    the same line atop another split) is a header with names HEADER lacks (`e1 rel e2`, `Head Entity
    Relation Type Tail Entity`): read as a triple, it added two entities and a relation that nothing
    else touches. In Nations, UMLS and Kinships each name of a first line occurs on 20 other lines or more."""
    triples = [triple for rows in splits.values() for triple in rows.values()]
    entity_lines = Counter(x for head, _, tail in triples for x in {head, tail})  # the lines naming each entity
    relation_lines = Counter(relation for _, relation, _ in triples)
    for name, rows in splits.items():
        number, first = next(iter(rows.items()))
        atop = sum(next(iter(other.values())) == first for other in splits.values())  # the splits this line opens
        if entity_lines[first[0]] == entity_lines[first[2]] == relation_lines[first[1]] == atop:
            line = "\t".join(first)
            raise DataError(f"{files[name]}:{number}: {line!r} looks like a header: its head, relation and tail occur on "
                            "no other line of the splits; expected the columns named head<TAB>relation<TAB>tail, or no header line "
                            "(a triple of its own: put it below line 1)")


def _refuse_lookalikes(splits: dict[str, dict[int, tuple[str, str, str]]], files: dict[str, Path]) -> None:
    """Two entity (or relation) names that print alike but differ (`united states` with a non-breaking
    space beside `united states`, a full-width or Cyrillic letter, or `"usa"` in a spreadsheet's quotes beside
    `usa`) were two entities, one of them with only the few triples that spelt it so; case is left alone
    (Freebase's and YAGO's names keep it)."""
    from minectl.data.names import lookalike, shown

    for what, columns in (("entity", (0, 2)), ("relation", (1,))):
        seen: dict[str, tuple[str, str]] = {}  # lookalike form -> (name, where it first occurs)
        forms: dict[str, str] = {}  # name -> its lookalike form (once per name: FB15k-237 has 930,000 names in its lines)
        for name, rows in splits.items():
            for number, triple in rows.items():
                for value in (triple[c] for c in columns):
                    if value not in forms:
                        forms[value] = lookalike(_unquoted(value))
                    first, where = seen.setdefault(forms[value], (value, f"{files[name].name}:{number}"))
                    if first != value:
                        raise DataError(f"{files[name]}:{number}: {what} {shown(value)} prints like {shown(first)} ({where}) but "
                                        f"differs (in quotes, width, spaces or look-alike letters); expected one spelling of each {what}")


def _unquoted(name: str) -> str:
    """A name without the double quotes a CSV writer puts around a field (R's write.table quotes every string)."""
    return name[1:-1].replace('""', '"') if len(name) > 1 and name[0] == name[-1] == '"' else name


def _refuse_entities_as_relations(splits: dict[str, dict[int, tuple[str, str, str]]], files: dict[str, Path]) -> None:
    """Columns in OpenKE's order, head tail relation (its train2id.txt written out with names), read
    as head relation tail: Nations so read was 69 "entities" and 14 "relations", every relation a
    country, trained and scored with no word. A relation that is also an entity is rare in a real graph
    (none in Nations, UMLS, Kinships; Freebase's `/m/` ids and `/people/...` paths never meet); when
    more than half of the relations are entities, the middle column holds entities. Numbers are left
    out: ids number entities and relations each from 0 (LibKGE's .del files), so `0` is both."""
    triples = [triple for rows in splits.values() for triple in rows.values()]
    entities = {x for head, _, tail in triples for x in (head, tail)}
    relations = {relation for _, relation, _ in triples}
    shared = {name for name in relations & entities if not name.isdigit()}
    if 2 * len(shared) > len(relations):
        name, number, (_, first, _) = next((name, number, triple) for name, rows in splits.items()
                                           for number, triple in rows.items() if triple[1] in shared)
        raise DataError(f"{files[name]}:{number}: relation {first!r} is also an entity, as {len(shared)} of the {len(relations)} "
                        "relations are (columns in OpenKE's order, head tail relation?); expected head<TAB>relation<TAB>tail, "
                        "the relation in the middle")


def bernoulli_head_probability(triples: np.ndarray, n_relations: int) -> np.ndarray:
    """Per relation, the probability of corrupting the head: tph / (tph + hpt) (Wang et al. 2014;
    seed 001 eq 15), tph the mean number of tails per head, hpt of heads per tail."""
    prob = np.full(n_relations, 0.5)
    for r in np.unique(triples[:, 1]):
        rows = triples[triples[:, 1] == r]
        pairs = np.unique(rows[:, [0, 2]], axis=0)
        tph = len(pairs) / len(np.unique(pairs[:, 0]))
        hpt = len(pairs) / len(np.unique(pairs[:, 1]))
        prob[r] = tph / (tph + hpt)
    return prob
