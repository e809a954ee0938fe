"""The graph as standard files: Turtle (from the RDF store) and Neo4j's bulk-import CSVs
(`neo4j-admin database import full`) with a Cypher script that loads the same graph into a
running server (the seed stored its graph in Neo4j)."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

from minectl.factors.graph import FactorGraph

NODE_HEADER = ["name:ID", "type", "label", "sources:string[]", ":LABEL"]
EDGE_HEADER = [":START_ID", ":END_ID", ":TYPE", "weight:double", "sign:int", "unit", "condition", "source", "cite",
               "effect_low:double", "effect_high:double", "confidence:double"]
_EDGE_KEYS = ("weight", "sign", "unit", "condition", "source", "cite", "effect_low", "effect_high", "confidence")


def write_turtle(store, path: Path) -> None:
    import pyoxigraph as ox

    with path.open("wb") as handle:
        ox.serialize(store, handle, ox.RdfFormat.TURTLE, prefixes={
            "e": "https://minectl.dev/kg/entity/", "r": "https://minectl.dev/kg/relation/",
            "t": "https://minectl.dev/kg/type/", "p": "https://minectl.dev/kg/prop/"})


def write_neo4j(graph: FactorGraph, folder: Path) -> None:
    """nodes.csv, relationships.csv (bulk-import headers) and load.cypher in ``folder``. A field holding a
    line end (a cited sentence over two lines) is quoted, as `neo4j-admin database import` reads it with
    --multiline-fields=true (docs/factors.md's command)."""
    with (folder / "nodes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(NODE_HEADER)
        for row in graph.nodes.iter_rows(named=True):
            writer.writerow([row["name"], row["type"], row["label"], ";".join(row["sources"]), row["type"]])
    with (folder / "relationships.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EDGE_HEADER)
        for row in graph.edges.iter_rows(named=True):
            writer.writerow([row["head"], row["tail"], row["relation"], *("" if row[k] is None else row[k] for k in _EDGE_KEYS)])
    (folder / "load.cypher").write_text(cypher_script(graph), encoding="utf-8")


# Cypher's string escapes: a sentence's line end or tab was written raw, a statement of load.cypher over several lines
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _literal(value) -> str:
    if isinstance(value, str):
        return '"' + "".join(_ESCAPES.get(c) or (f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cc" else c) for c in value) + '"'
    return repr(value)


def _cypher_name(name: str) -> str:
    """A label, relationship type or constraint name as Cypher reads it: in backticks unless a plain
    identifier (a schema type `Activity/MaintenanceActivity` made load.cypher a syntax error)."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else "`" + name.replace("`", "``") + "`"


def cypher_script(graph: FactorGraph) -> str:
    """One MERGE per node (label = entity type) and per edge (type = relation), properties inline."""
    lines = ["// minectl factors: load with `cypher-shell -f load.cypher` (or paste into the Neo4j browser)"]
    lines += [f"CREATE CONSTRAINT {_cypher_name(t.lower() + '_name')} IF NOT EXISTS FOR (n:{_cypher_name(t)}) REQUIRE n.name IS UNIQUE;"
              for t in sorted(set(graph.nodes["type"]))]
    for row in graph.nodes.iter_rows(named=True):
        lines.append(f"MERGE (n:{_cypher_name(row['type'])} {{name: {_literal(row['name'])}}}) SET n.label = {_literal(row['label'])};")
    types = {name: _cypher_name(type_) for name, type_ in zip(graph.nodes["name"], graph.nodes["type"], strict=True)}
    for row in graph.edges.iter_rows(named=True):
        props = ", ".join(f"{k}: {_literal(row[k])}" for k in _EDGE_KEYS if row[k] is not None)
        lines.append(f"MATCH (a:{types[row['head']]} {{name: {_literal(row['head'])}}}), (b:{types[row['tail']]} "
                     f"{{name: {_literal(row['tail'])}}}) MERGE (a)-[:{_cypher_name(row['relation'])} {{{props}}}]->(b);")
    return "\n".join(lines) + "\n"
