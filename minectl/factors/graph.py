"""The cost-factor graph: declared, data-derived and text triples merged with provenance, as
Parquet-ready frames and an embedded RDF store (pyoxigraph, SPARQL 1.1) that the queries use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from minectl.data.sources import is_csv, read_file
from minectl.errors import DataError
from minectl.factors.declared import Knowledge
from minectl.factors.schema import EDGE_COLUMNS, Schema, check_graph

BASE = "https://minectl.dev/kg/"
ENTITY, RELATION, TYPE, PROP = f"{BASE}entity/", f"{BASE}relation/", f"{BASE}type/", f"{BASE}prop/"
PREFIXES = f"PREFIX e: <{ENTITY}>\nPREFIX r: <{RELATION}>\nPREFIX t: <{TYPE}>\nPREFIX p: <{PROP}>\n"
EDGE_SCHEMA = {"head": pl.String, "relation": pl.String, "tail": pl.String, "weight": pl.Float64, "sign": pl.Int8,
               "unit": pl.String, "condition": pl.String, "source": pl.String, "cite": pl.String,
               "effect_low": pl.Float64, "effect_high": pl.Float64, "confidence": pl.Float64}
TEXT_COLUMNS = ("head", "head_type", "relation", "tail", "tail_type", "weight", "sign", "unit", "condition",
                "source", "sentence", "confidence")
TEXT_TABLES = ("triples: a text-extraction run folder, a `factors extract predict` out folder, their triples.parquet or such "
               "a table as .csv/.tsv")
# the tail types minectl.text.relations gives a Value's number (0.8 L/t) and a model number (1250LCK): literals, no entities
LITERAL_TYPES = ("Quantity", "Identifier")


@dataclass
class FactorGraph:
    nodes: pl.DataFrame  # name, type, label, sources
    edges: pl.DataFrame  # EDGE_COLUMNS, one row per (head, relation, tail, source)
    schema: Schema

    def store(self):
        """The graph as an in-memory pyoxigraph Store: e:<node> a t:<Type>; e:<h> r:<Relation> e:<t>;
        and each edge reified as a node with p:head, p:relation, p:tail, p:weight, p:sign, p:source ..."""
        import pyoxigraph as ox

        rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
        quads = []
        for row in self.nodes.iter_rows(named=True):
            node = ox.NamedNode(ENTITY + row["name"])
            quads += [ox.Quad(node, rdf_type, ox.NamedNode(TYPE + row["type"])), ox.Quad(node, label, ox.Literal(row["label"]))]
        for number, row in enumerate(self.edges.iter_rows(named=True)):
            head, tail = ox.NamedNode(ENTITY + row["head"]), ox.NamedNode(ENTITY + row["tail"])
            quads.append(ox.Quad(head, ox.NamedNode(RELATION + row["relation"]), tail))
            edge = ox.NamedNode(f"{BASE}edge/{number}")
            quads += [ox.Quad(edge, ox.NamedNode(PROP + "head"), head), ox.Quad(edge, ox.NamedNode(PROP + "tail"), tail),
                      ox.Quad(edge, ox.NamedNode(PROP + "relation"), ox.NamedNode(RELATION + row["relation"]))]
            for key in ("weight", "sign", "unit", "condition", "source", "cite", "effect_low", "effect_high", "confidence"):
                if row[key] is not None:
                    quads.append(ox.Quad(edge, ox.NamedNode(PROP + key), ox.Literal(row[key])))
        store = ox.Store()
        store.bulk_extend(quads)
        return store


def edge_rows(edges: Iterable[Mapping]) -> pl.DataFrame:
    """Edges (dicts of EDGE_COLUMNS) as a frame, every row kept."""
    return pl.DataFrame([{key: edge.get(key) for key in EDGE_COLUMNS} for edge in edges], schema=EDGE_SCHEMA, orient="row")


def sign_conflicts(edges: pl.DataFrame) -> pl.DataFrame:
    """(head, tail) pairs whose signed edges (Positive/Negative or a sign) disagree, within a source or between sources."""
    signed = edges.with_columns(
        pl.coalesce(pl.col("sign").cast(pl.Int8), pl.col("relation").replace_strict({"Positive": 1, "Negative": -1}, default=None,
                                                                                  return_dtype=pl.Int8)).alias("direction")
    ).drop_nulls("direction")
    by_pair = signed.group_by("head", "tail").agg(pl.col("direction").n_unique().alias("n"), pl.col("source").unique().sort())
    return by_pair.filter(pl.col("n") > 1).drop("n").sort("head", "tail")


def sparql_rows(store, query: str) -> list[dict[str, Any]]:
    """SELECT results as dicts of Python values (IRIs shortened to their local name)."""
    results = store.query(PREFIXES + query)
    names = [v.value for v in results.variables]
    return [{name: _python(solution[name]) for name in names} for solution in results]


def _python(term) -> Any:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):  # minectl's IRIs less their namespace: a type may hold '/' (`drives/strongly` was `strongly`)
        return next((term.value[len(space):] for space in (ENTITY, RELATION, TYPE, PROP) if term.value.startswith(space)),
                    term.value.rsplit("/", 1)[-1])
    if isinstance(term, ox.Literal):
        kind = term.datatype.value.rsplit("#", 1)[-1]
        return float(term.value) if kind in ("double", "decimal", "float") else int(term.value) if kind == "integer" else term.value
    return term.value


def build_graph(schema: Schema, knowledge: Knowledge, extra_nodes: Mapping[str, str] = {},  # noqa: B006 (read only)
                extra_edges: Iterable[Mapping] = ()) -> FactorGraph:
    """Merge the sources: nodes keep their first type (declared first) and list every source that
    names them; duplicate (head, relation, tail) rows within one source keep the first."""
    types = dict(knowledge.nodes)
    node_sources: dict[str, set[str]] = {name: {"declared"} for name in types}
    for name, type_ in extra_nodes.items():
        types.setdefault(name, type_)
    edges = [*knowledge.edges, *extra_edges]
    for edge in edges:
        for end in ("head", "tail"):
            node_sources.setdefault(edge[end], set()).add(edge["source"])
    check_graph(types, edges, schema)
    edge_frame = edge_rows(edges).unique(["head", "relation", "tail", "source"], keep="first", maintain_order=True)
    nodes = pl.DataFrame({
        "name": list(types), "type": list(types.values()),
        "label": [knowledge.labels.get(name, name) for name in types],
        "sources": [sorted(node_sources.get(name, {"declared"})) for name in types],
    }, schema={"name": pl.String, "type": pl.String, "label": pl.String, "sources": pl.List(pl.String)})
    return FactorGraph(nodes, edge_frame, schema)


class TextTriples(NamedTuple):
    nodes: dict[str, str]  # name -> the first type the text gives it
    edges: list[dict]  # a row each, repeats included (build_graph keeps the first of an edge)
    retyped: list[str]  # names the text also types otherwise than the graph keeps them (declared, else first)


def read_text_triples(path: Path, knowledge: Knowledge, schema: Schema) -> TextTriples:
    """Triples extracted from text (issue #17's tables/triples.parquet, or its run folder): nodes
    with their types and edges with source "text", the sentence as citation. Text repeats a fact
    in many sentences and a tagger may type a name two ways: both are counted, not refused. A row
    stating a value (text_literals) is left out."""
    path, frame = text_table(path)
    nodes: dict[str, str] = {}
    retyped: set[str] = set()
    extractor = Knowledge(synonyms=knowledge.synonyms)
    for number, row in enumerate(map(_typed, frame.iter_rows(named=True)), 1):  # rows count from 1 after the header, as the data contract's
        where = f"{path.name} row {number}"
        if _literal(row, schema):
            continue
        schema.check_relation(row["relation"], where)
        for end in ("head", "tail"):
            type_ = row[f"{end}_type"]
            schema.check_entity_type(type_, where)
            name = extractor.add_node(row[end], type_, where)
            if type_ != knowledge.nodes.get(name, nodes.setdefault(name, type_)):
                retyped.add(name)
        extractor.add_edge({k: row.get(k) for k in ("head", "relation", "tail", "weight", "sign", "unit", "condition",
                                                     "sentence", "confidence")}, "text", where)
    knowledge.labels.update({k: v for k, v in extractor.labels.items() if k not in knowledge.labels})
    return TextTriples(nodes, extractor.edges, sorted(retyped))


def text_literals(path: Path, schema: Schema) -> int:
    """The rows of a text-triples table that state a value: `diesel consumption -Value-> 0.8` (unit L/t), as
    the seed's rules write a number (tail type Quantity) or a model number (Identifier), where the schema has
    no such type. The number is the edge's weight and unit, not an entity: as a node, every 0.8 of the text
    would be one; the seed's 11 types have none for it, so the whole table was refused ("unknown entity type
    'Quantity'"), `minectl factors extract`'s triples of any sentence with a number. They are left out of the
    graph and counted (a schema naming the type keeps them as nodes)."""
    return sum(_literal(_typed(row), schema) for row in text_table(path)[1].select("relation", "tail_type").iter_rows(named=True))


def _typed(row: Mapping) -> dict:
    """``row`` with its relation and types stripped, an empty cell as '': a spreadsheet's `Affect ` is the `Affect` of the
    declared files (which strip it), not an unknown relation, and an empty cell was "unknown relation type 'None'"."""
    return {**row, **{key: "" if row[key] is None else str(row[key]).strip() for key in ("relation", "head_type", "tail_type")
                      if key in row}}


def _literal(row: Mapping, schema: Schema) -> bool:
    return row["relation"] == "Value" and row["tail_type"] in LITERAL_TYPES and row["tail_type"] not in schema.entity_types


def text_table(path: Path) -> tuple[Path, pl.DataFrame]:
    """The table of a text-extraction run (its folder, or its tables/triples.parquet), or of `factors extract
    predict` (its out folder, or its triples.parquet), and its file."""
    if path.is_dir():
        from minectl.runfolder import check_finished_if_run

        check_finished_if_run(path)  # not the triples of a run stopped before its end
        # predict's out folder holds triples.parquet at its top: it was "tables/triples.parquet: not found"
        path = next((p for p in (path / "tables" / "triples.parquet", path / "triples.parquet") if p.is_file()),
                    path / "tables" / "triples.parquet")
    if not path.is_file():
        raise DataError(f"{path}: not found; expected a text-extraction run folder, a `factors extract predict` out folder "
                        "or their triples.parquet")
    if is_csv(path):  # triples written out or edited in a spreadsheet: "not a parquet table" before
        frame = read_file(path, "text triples")
    else:
        try:
            frame = pl.read_parquet(path, glob=False)  # [, * and ? in a folder's name are letters
        except Exception as exc:  # noqa: BLE001 - polars raises several kinds on a file that is not parquet
            raise DataError(f"{path}: not a parquet table ({type(exc).__name__}); expected {TEXT_TABLES}") from None
    missing = [c for c in ("head", "head_type", "relation", "tail", "tail_type") if c not in frame.columns]
    if missing:
        # a table of work orders' texts: they become triples by a tagger, which this key does not run
        raise DataError(f"{path}: columns {', '.join(frame.columns[:6])}{', ...' if frame.width > 6 else ''}, no "
                        f"{', '.join(missing)}; expected {TEXT_TABLES} with the columns {', '.join(TEXT_COLUMNS)} (texts: tag "
                        f"them first, `minectl factors extract predict RUN_DIR factors.extract.text={path.name} "
                        "factors.extract.text_column=NAME out=DIR`, and give its out folder)")
    return path, frame
