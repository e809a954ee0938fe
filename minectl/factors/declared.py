"""Declared knowledge: YAML or CSV triples with entity types and citations, and the one name
normalisation every source goes through (case, spaces, a unit in brackets, synonyms)."""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from minectl.data.names import mixed_script_word, shown
from minectl.errors import DataError

# spellings of the same unit -> the one minectl writes
UNITS = {"metre": "m", "meter": "m", "meters": "m", "metres": "m", "kilometre": "km", "kilometer": "km",
         "%": "percent", "per cent": "percent", "l/t": "L/t", "litre/t": "L/t", "kg/m3": "kg/m3", "kg/m^3": "kg/m3"}
_UNIT = re.compile(r"^(?P<name>.*?)\s*[\(\[](?P<unit>[^\)\]]+)[\)\]]\s*$")
# what a bracket at a name's end holds to be its unit (`Diesel (L)`, `power [kWh]`, `cost (CNY/t)`, `运输成本(元/吨)`): these
# words and symbols, joined by '/', '·', '*', 'per' or spaces, each with an optional power (m3, m^3, m²). Anything else
# is part of the name: `pump (left)` and `pump (right)` were both the node `pump`, their edges merged in silence
UNIT_SYMBOLS = {  # as written: single letters are case-sensitive, `pump (A)` and `pump (B)` are two pumps
    "m", "t", "L", "l", "h", "s", "d", "g", "W", "V", "J", "%", "$", "¥", "€", "£", "°C", "℃", "°F", "‰"}
UNIT_WORDS = {  # in lower case; not `in` or `min`, which qualify (`valve (in)`, `speed (min)`)
    "mm", "cm", "km", "mi", "miles", "ft", "yd", "ha", "mt", "kt", "gt", "kg", "lb", "lbs", "oz", "ton", "tons", "tonne",
    "tonnes", "ml", "kl", "gal", "bbl", "hr", "hrs", "hour", "hours", "mins", "minute", "minutes", "sec", "day", "days",
    "wk", "week", "weeks", "month", "months", "yr", "yrs", "year", "years", "annum", "kw", "mw", "gw", "wh", "kwh", "mwh", "gwh",
    "kj", "mj", "gj", "kv", "kva", "hp", "pa", "kpa", "mpa", "gpa", "bar", "psi", "rpm", "hz", "ppm", "bcm", "lcm", "tkm", "kn",
    "nm", "percent", "per cent", "fraction", "ratio", "usd", "cny", "rmb", "yuan", "aud", "eur", "gbp", "cad", "zar", "inr", "idr",
    "clp", "pen", "brl", "mnt", "kzt", "rub", "jpy", "dollar", "dollars", "metre", "metres", "meter", "meters", "kilometre",
    "kilometres", "kilometer", "kilometers", "litre", "litres", "liter", "liters", "kilogram", "kilograms", "second", "seconds",
    "元", "万元", "吨", "万吨", "米", "千米", "公里", "升", "千克", "公斤", "小时", "天", "年", "度", "千瓦时", "立方米", "台", "次"}
_UNIT_JOINS = re.compile(r"\s*(?:/|·|\*|\bper\b)\s*|\s+")
_UNIT_POWER = re.compile(r"(?:\^?-?[0-9]|[²³])$")
EDGE_FIELDS = ("head", "relation", "tail", "weight", "sign", "unit", "condition", "cite")
NUMBER_FIELDS = ("weight", "sign", "confidence", "effect_low", "effect_high")
SIGN_MARKS = {"+": 1, "-": -1, "\u2212": -1}
_DECIMAL_COMMA = re.compile(r"\s*[+-]?[0-9]+,[0-9]+\s*")


def normalise_unit(unit: str | None) -> str | None:
    if unit is None or (isinstance(unit, float) and math.isnan(unit)) or not str(unit).strip():
        return None
    unit = str(unit).strip()
    return UNITS.get(unit.lower(), unit)


def is_unit(text: str) -> bool:
    """Whether a bracket's text is a unit (UNIT_SYMBOLS, UNIT_WORDS): `kWh`, `CNY/t`, `m3/h`, `per cent`; not `left`, `No. 2`."""
    if text.strip().lower() in UNIT_WORDS:  # `per cent`
        return True
    parts = [_UNIT_POWER.sub("", part) for part in _UNIT_JOINS.split(text.strip()) if part]
    return bool(parts) and all(part in UNIT_SYMBOLS or part.lower() in UNIT_WORDS for part in parts)


def normalise_name(text: str, synonyms: Mapping[str, str] = {}) -> tuple[str, str | None]:  # noqa: B006 (read only)
    """("Transport distance (km)", ...) -> ("transport_distance", "km"): lower case, words joined by
    "_", a trailing bracketed unit (is_unit) split off, then a synonym replaced by its canonical name;
    another bracket is part of the name: "Pump (left)" -> "pump_left"."""
    text = unicodedata.normalize("NFKC", str(text)).strip()  # one spelling of composed letters, full-width digits, ligatures
    unit = None
    match = _UNIT.match(text)
    if match and is_unit(match["unit"]):
        text, unit = match["name"], normalise_unit(match["unit"])
    # letters of any script (运输成本, förderkosten) with their combining marks: \W holds the vowel signs of Devanagari
    # and Thai, so पंप (pump) and पिप were both `प_प`, one node
    words = "".join(c if c.isalnum() or unicodedata.category(c)[0] == "M" else " " for c in text.lower()).split()
    key = "_".join(words)
    return synonyms.get(key, key), unit


def synonym_table(raw: Mapping[str, str] | None) -> dict[str, str]:
    """alias -> canonical, both normalised (so "Full bucket rate" and "full_bucket_rate" are one alias)."""
    return {normalise_name(alias)[0]: normalise_name(name)[0] for alias, name in (raw or {}).items()}


def add_synonyms(synonyms: dict[str, str], raw: Any, where: str) -> None:
    """A file's synonyms into ``synonyms`` (alias -> canonical, of every file so far). A name is replaced once: a canonical
    name that is itself an alias (`a: b` and `b: c`, or `a: b` and `b: a`) made `a` and `c` two nodes of one entity, or
    swapped two; an alias given another canonical name than before kept the last file's, unsaid."""
    if not isinstance(raw, Mapping) or not all(isinstance(name, (str, int, float)) for name in raw.values()):
        raise DataError(f"{shown(str(raw))}; expected a mapping of alias: canonical name", param=where)
    table = synonym_table(raw)
    for alias, name in table.items():
        if synonyms.setdefault(alias, name) != name:
            raise DataError(f"synonym {alias!r} -> {name!r}, {synonyms[alias]!r} before; expected one canonical name an alias",
                            param=where)
    chained = next(((alias, name) for alias, name in synonyms.items() if name in synonyms and synonyms[name] != name), None)
    if chained:
        alias, name = chained
        raise DataError(f"synonym {alias!r} -> {name!r}, itself an alias of {synonyms[name]!r}; expected a canonical name that "
                        "is no alias", param=where)


@dataclass
class Knowledge:
    """Nodes (name -> type) and edges (dicts of EDGE_FIELDS + source) from one or more files."""

    nodes: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # name -> the first spelling met
    edges: list[dict[str, Any]] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    # a declared edge -> where it was first, and its place in ``edges``: two files of one name (a copy of the shipped file
    # beside it) give two edges one `where`
    declared_at: dict[tuple[str, str, str], tuple[str, int]] = field(default_factory=dict)

    def add_node(self, raw_name: str, type_: str, where: str) -> str:
        name, _unit = self.normalised(raw_name, where)
        if not name:
            raise DataError("an empty entity name; expected a name of letters or digits", param=where)
        self.nodes.setdefault(name, type_)
        self.labels.setdefault(name, str(raw_name).strip())
        return name

    def normalised(self, raw_name: Any, where: str) -> tuple[str, str | None]:
        """normalise_name, refusing a word that mixes Latin and Cyrillic letters: 'Вench height'
        would be a node of its own that prints as bench_height."""
        word = mixed_script_word(str(raw_name))
        if word:
            raise DataError(f"entity name {shown(str(raw_name))} mixes Latin and Cyrillic letters in {word!r}; expected "
                            "one script per word (a look-alike letter typed in another layout?)", param=where)
        return normalise_name(raw_name, self.synonyms)

    def add_edge(self, raw: Mapping[str, Any], source: str, where: str) -> None:
        missing = [key for key in ("head", "relation", "tail") if not raw.get(key)]
        if missing:
            raise DataError(f"missing {', '.join(missing)}; expected head, relation and tail", param=where)
        for key in ("head", "relation", "tail"):  # YAML's `head: [pump, fan]` was the node pump_fan, `relation: [Positive]` "['Positive']"
            if isinstance(raw[key], bool) or not isinstance(raw[key], (str, int, float)):
                raise DataError(f"{key} {shown(str(raw[key]))} ({type(raw[key]).__name__}); expected one name (a triple per "
                                "head, relation and tail)", param=where)
        unknown = sorted(set(raw) - set(EDGE_FIELDS) - {"head_type", "tail_type", "source", "sentence", "confidence",
                                                        "effect_low", "effect_high"})
        if unknown:
            raise DataError(f"unknown field(s) {', '.join(unknown)}; expected {', '.join(EDGE_FIELDS)}", param=where)
        head, head_unit = self.normalised(raw["head"], where)
        tail, tail_unit = self.normalised(raw["tail"], where)
        # a sign as a table marks it, `+` or `-` (or a typeset minus), is the +1 or -1 the paths print as `+` and `-`
        sign = SIGN_MARKS.get(str(raw.get("sign")).strip()) or _optional_number(raw.get("sign"), where, "sign")
        if sign not in (None, 1, -1):
            raise DataError(f"sign {raw.get('sign')!r}; expected 1, -1 or empty", param=where)
        confidence = _optional_number(raw.get("confidence"), where, "confidence")
        if confidence is not None and not 0 <= confidence <= 1:  # a tagger's probability: 7 or -1 was kept and exported
            raise DataError(f"confidence {raw.get('confidence')!r}; expected a probability in [0, 1] or empty", param=where)
        effect_low, effect_high = (_optional_number(raw.get(key), where, key) for key in ("effect_low", "effect_high"))
        if None not in (effect_low, effect_high) and effect_low > effect_high:  # exported as given: an interval upside down
            raise DataError(f"effect_low {effect_low:g} above effect_high {effect_high:g}; expected effect_low <= effect_high",
                            param=where)
        self.edges.append({
            "head": head, "relation": str(raw["relation"]).strip(), "tail": tail,
            "weight": _optional_number(raw.get("weight"), where, "weight"),
            "sign": None if sign is None else int(sign),
            "unit": normalise_unit(raw.get("unit")) or head_unit or tail_unit,
            "condition": _optional_text(raw.get("condition")), "source": source,
            "cite": _optional_text(raw.get("cite") or raw.get("sentence")) or where,
            "effect_low": effect_low, "effect_high": effect_high,
            "confidence": confidence,
        })


def _optional_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip():
        return None
    return str(value).strip()


def _optional_number(value: Any, where: str, what: str) -> float | None:
    if isinstance(value, float) and math.isnan(value):  # NaN is not "empty": a table's missing value is null
        raise DataError(f"{what} NaN; expected a finite number or empty", param=where)
    if _optional_text(value) is None:
        return None
    if isinstance(value, bool):  # YAML's true/yes: float() read it as 1
        raise DataError(f"{what} {value!r}; expected a number", param=where)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{what} {value!r}; expected a number", param=where) from None
    if not math.isfinite(number):
        raise DataError(f"{what} {value!r}; expected a finite number", param=where)
    return number


def load_declared(paths: list[Path], knowledge: Knowledge | None = None) -> Knowledge:
    """Read each declared file (.yaml/.yml: synonyms, entities, triples; .csv: triples with
    head_type and tail_type columns; also .tsv, or .txt with tabs in its header: data.sources.is_csv)
    into one Knowledge, every edge citing its file."""
    from minectl.data.sources import is_csv

    knowledge = knowledge or Knowledge()
    twice = next((path for number, path in enumerate(paths) if path.resolve() in {p.resolve() for p in paths[:number]}), None)
    if twice is not None:  # its edges were read twice as one (each at one `where`), not refused as declared twice
        raise DataError(f"{twice}: listed twice in factors.sources.declared; expected each file once")
    for path in paths:
        if path.suffix.lower() not in (".yaml", ".yml") and not is_csv(path):
            raise DataError(f"{path}: expected a .yaml, .yml, .csv or .tsv file (or tab-separated .txt) of declared triples")
    # every file's synonyms before any name: a later file's `fill rate: bucket_fill_rate` left an earlier file's `fill rate`
    # a node of its own
    specs = {path: _read_yaml(path) for path in paths if path.suffix.lower() in (".yaml", ".yml")}
    for path, spec in specs.items():
        add_synonyms(knowledge.synonyms, spec.get("synonyms") or {}, f"{path.name} synonyms")
    for path in paths:
        if path in specs:
            _load_yaml(path, specs[path], knowledge)
        else:
            _load_csv(path, knowledge)
    return knowledge


def _read_yaml(path: Path) -> dict:
    try:
        spec = yaml.load(_read(path), Loader=_UniqueKeyLoader)  # a SafeLoader: no object tags
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(spec, dict) or set(spec) - {"source", "synonyms", "entities", "triples"}:
        raise DataError(f"{path}: expected a mapping with keys source, synonyms, entities, triples")
    return spec


def _load_yaml(path: Path, spec: dict, knowledge: Knowledge) -> None:
    entities = spec.get("entities") or {}
    if not isinstance(entities, dict):  # a list of names: 'list' object has no attribute 'items'
        raise DataError(f"{path}: entities {shown(str(entities))}; expected a mapping of name: type (or {{type: ..., cite: ...}})")
    for name, entity in entities.items():
        entity = entity if isinstance(entity, dict) else {"type": entity}
        if not isinstance(entity.get("type"), str) or not entity["type"].strip():  # `pump:` (null) was of type 'None'
            raise DataError(f"{path}: entity {name!r} has no type; expected {{type: <entity type>, cite: ...}}")
        _declare_node(knowledge, name, str(entity["type"]), f"{path.name} entity {name!r}")
    for number, triple in enumerate(spec.get("triples") or [], 1):
        if not isinstance(triple, dict):
            raise DataError(f"{path}: triple {number}: expected a mapping with head, relation, tail")
        _declare_edge(knowledge, triple, f"{path.name} triple {number}")


def _declare_node(knowledge: Knowledge, raw_name: str, type_: str, where: str) -> None:
    """A declared entity; one given another type than before is refused (the first type would win silently)."""
    name = knowledge.add_node(raw_name, type_, where)
    if knowledge.nodes[name] != type_:
        raise DataError(f"entity {name!r} of type {type_!r}, declared {knowledge.nodes[name]!r} before; expected one type an entity",
                        param=where)


def _declare_edge(knowledge: Knowledge, raw: Mapping[str, Any], where: str) -> None:
    """A declared edge; the same head, relation and tail again is refused (the graph keeps one edge of them: which weight?)."""
    knowledge.add_edge(raw, "declared", where)
    edge = knowledge.edges[-1]
    first, number = knowledge.declared_at.setdefault((edge["head"], edge["relation"], edge["tail"]), (where, len(knowledge.edges)))
    if number != len(knowledge.edges):
        elsewhere = " in another file of that name" if first == where else ""
        raise DataError(f"the edge {edge['head']} -{edge['relation']}-> {edge['tail']} of {first}{elsewhere} again; expected each declared "
                        "edge once", param=where)


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last silently)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    keys: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        with contextlib.suppress(TypeError):  # an unhashable key: construct_mapping refuses it
            if key in keys:
                raise yaml.constructor.ConstructorError(f"key {key!r} given twice in one mapping (line {key_node.start_mark.line + 1}); "
                                                        "expected each key once")
            keys.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _read(path: Path) -> str:
    """A declared file's text; one line naming the file when it is missing or not UTF-8."""
    from minectl.data.sources import read_text

    return read_text(path, "utf-8", "a UTF-8 file of declared triples")


def _load_csv(path: Path, knowledge: Knowledge) -> None:
    """Rows under a header; a quoted field may hold line ends (csv reads the text whole, not split into
    lines first), a row of empty fields (a spreadsheet's empty row) is skipped as a blank line is. The
    separator is the header's (csv_separator)."""
    from minectl.data.sources import csv_separator

    text = _read(path)
    separator = csv_separator(path, check_names=False)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=separator)
    missing = [c for c in ("head", "relation", "tail") if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"{path}: header {reader.fieldnames}; expected columns {', '.join(EDGE_FIELDS)}, head_type, tail_type")
    twice = sorted({name for name in reader.fieldnames if reader.fieldnames.count(name) > 1})
    if twice:  # DictReader would keep the last column of a name
        raise DataError(f"{path}: header names {', '.join(twice)} twice; expected each column once")
    rows = [(reader.line_num, row) for row in reader if any(value not in (None, "") for value in row.values())]
    if not rows:
        raise DataError(f"{path}: no triples; expected a row per triple under the header")
    for number, row in rows:
        where = f"{path.name}:{number}"
        if None in row:  # csv's key for the fields beyond the header
            raise DataError(f"{len(row) - 1 + len(row[None])} fields; expected the header's {len(row) - 1}", param=where)
        for end in ("head", "tail"):
            if row.get(f"{end}_type"):
                _declare_node(knowledge, row[end], row[f"{end}_type"], where)
        if separator == ";":  # a European spreadsheet's export writes 0,18: refused as "not a number", as read_file reads it
            row = {k: v.replace(",", ".") if k in NUMBER_FIELDS and _DECIMAL_COMMA.fullmatch(v or "") else v for k, v in row.items()}
        _declare_edge(knowledge, {k: v for k, v in row.items() if k not in ("head_type", "tail_type")}, where)
