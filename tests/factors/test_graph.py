"""The graph: declared knowledge and normalisation, merging sources, the schema's checks, the RDF
store against the Parquet frames, and the export formats."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pyoxigraph as ox
import pytest

from minectl.errors import DataError
from minectl.factors.declared import Knowledge, load_declared, normalise_name, synonym_table
from minectl.factors.exports import EDGE_HEADER, NODE_HEADER, cypher_script, write_neo4j, write_turtle
from minectl.factors.graph import build_graph, read_text_triples, sign_conflicts, sparql_rows
from minectl.factors.schema import Schema, find_cycle
from minectl.tasks.factors import ENTITY_TYPES, RELATION_TYPES

DECLARED = Path(__file__).resolve().parents[2] / "conf/factors/knowledge/open_pit_coal.yaml"


@pytest.fixture(scope="module")
def schema() -> Schema:
    return Schema.from_config(ENTITY_TYPES, RELATION_TYPES)


@pytest.fixture(scope="module")
def graph(schema):
    return build_graph(schema, load_declared([DECLARED]))


def test_names_are_normalised_with_units_and_synonyms():
    synonyms = synonym_table({"Full bucket rate": "bucket_fill_rate", "step height": "Bench height"})
    assert normalise_name("Transport distance (km)") == ("transport_distance", "km")
    assert normalise_name("Full  Bucket-Rate", synonyms) == ("bucket_fill_rate", None)
    assert normalise_name("Step height [metre]", synonyms) == ("bench_height", "m")


def test_the_shipped_graph_has_the_seeds_types_and_chains(graph):
    nodes = dict(zip(graph.nodes["name"], graph.nodes["type"], strict=True))
    assert set(nodes.values()) == set(ENTITY_TYPES)  # all 11 entity types of seed 001 are used
    edges = set(zip(graph.edges["head"], graph.edges["relation"], graph.edges["tail"], strict=True))
    chain = [("lumpiness", "Negative", "bucket_fill_rate"), ("bucket_fill_rate", "Negative", "diesel_consumption"),
             ("diesel_consumption", "Positive", "transport_cost"), ("haul_distance", "Positive", "diesel_consumption")]
    assert set(chain) <= edges
    bench = graph.edges.filter((pl.col("head") == "bench_height") & (pl.col("tail") == "transport_cost")).row(0, named=True)
    assert (bench["weight"], bench["unit"], bench["condition"], bench["source"]) == (0.18, "fraction", "bench_height > 10 m", "declared")
    assert graph.edges["cite"].null_count() == 0 and graph.edges["cite"].str.contains("seed 001|minectl").all()


def test_sparql_over_the_store_matches_the_parquet_frames(graph, tmp_path):
    graph.edges.write_parquet(tmp_path / "edges.parquet")
    edges = pl.read_parquet(tmp_path / "edges.parquet")
    store = graph.store()
    rows = sparql_rows(store, "SELECT ?h ?t WHERE { ?h r:Positive ?t } ORDER BY ?h ?t")
    expected = edges.filter(pl.col("relation") == "Positive").select("head", "tail").unique().sort("head", "tail")
    assert [(r["h"], r["t"]) for r in rows] == list(expected.iter_rows())
    count = sparql_rows(store, "SELECT (COUNT(?e) AS ?n) WHERE { ?e p:source \"declared\" }")[0]["n"]
    assert count == edges.filter(pl.col("source") == "declared").height
    typed = sparql_rows(store, "SELECT ?n WHERE { ?n a t:Cost } ORDER BY ?n")
    assert [r["n"] for r in typed] == sorted(graph.nodes.filter(pl.col("type") == "Cost")["name"])


def test_turtle_parses_back_to_the_same_triples(graph, tmp_path):
    store = graph.store()
    write_turtle(store, tmp_path / "graph.ttl")
    parsed = list(ox.parse(path=str(tmp_path / "graph.ttl"), format=ox.RdfFormat.TURTLE))
    assert len(parsed) == len(store) and {str(q.triple) for q in store} == {str(t) for t in parsed}


def test_neo4j_bulk_import_files(graph, tmp_path):
    write_neo4j(graph, tmp_path)
    with (tmp_path / "nodes.csv").open() as handle:
        nodes = list(csv.reader(handle))
    with (tmp_path / "relationships.csv").open() as handle:
        rels = list(csv.reader(handle))
    # neo4j-admin import: an :ID column, :LABEL, typed properties name:type; relationships :START_ID, :END_ID, :TYPE
    assert nodes[0] == NODE_HEADER and nodes[0][0].endswith(":ID") and ":LABEL" in nodes[0]
    assert rels[0][:3] == [":START_ID", ":END_ID", ":TYPE"] and rels[0] == EDGE_HEADER
    assert len(nodes) - 1 == graph.nodes.height and len(rels) - 1 == graph.edges.height
    ids = {row[0] for row in nodes[1:]}
    assert all(row[0] in ids and row[1] in ids for row in rels[1:])
    script = (tmp_path / "load.cypher").read_text()
    assert script == cypher_script(graph)
    assert script.count("MERGE (a)-[:") == graph.edges.height
    assert 'MATCH (a:Index {name: "lumpiness"}), (b:Index {name: "bucket_fill_rate"}) MERGE (a)-[:Negative {' in script


@pytest.mark.parametrize("edit, message", [
    (lambda k: k.nodes.update(x="Machine"), "node 'x': unknown entity type 'Machine'; expected one of Person"),
    (lambda k: k.edges.append(_edge("lumpiness", "Causes", "transport_cost")), "unknown relation type 'Causes'"),
    (lambda k: k.edges.append(_edge("lumpiness", "Affect", "nowhere")), "dangling edge: its tail 'nowhere' is not a declared entity"),
    (lambda k: k.edges.append(_edge("transport_cost", "Include", "production_cost")),
     "a cycle of Include: production_cost -Include-> transport_cost -Include-> production_cost"),
])
def test_bad_graphs_are_refused_in_one_line(schema, edit, message):
    knowledge = load_declared([DECLARED])
    edit(knowledge)
    with pytest.raises(DataError) as error:
        build_graph(schema, knowledge)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_an_empty_graph_is_refused(schema):
    with pytest.raises(DataError, match="the graph is empty"):
        build_graph(schema, Knowledge())


def test_find_cycle():
    assert find_cycle([("a", "b"), ("b", "c"), ("a", "c")]) is None
    assert find_cycle([("a", "b"), ("b", "c"), ("c", "a")]) == ["a", "b", "c", "a"]


def _edge(head, relation, tail, source="declared"):
    return {"head": head, "relation": relation, "tail": tail, "source": source, "cite": "test"}


def _text_frame(**changes) -> pl.DataFrame:
    row = {"head": "Blast lumpiness", "head_type": "Index", "relation": "Positive", "tail": "Crusher wear", "tail_type": "Cost",
           "weight": None, "sign": 1, "unit": None, "condition": None, "source": "text",
           "sentence": "Coarser blasts raise crusher wear.", "confidence": 0.8}
    row.update(changes)
    return pl.DataFrame([row], schema_overrides={"weight": pl.Float64, "sign": pl.Int8, "unit": pl.String, "condition": pl.String})


def test_text_triples_merge_with_provenance(schema, tmp_path):
    (tmp_path / "tables").mkdir()
    _text_frame().write_parquet(tmp_path / "tables" / "triples.parquet")
    knowledge = load_declared([DECLARED])
    nodes, edges, retyped = read_text_triples(tmp_path, knowledge, schema)
    assert retyped == []
    graph = build_graph(schema, knowledge, nodes, edges)
    text = graph.edges.filter(pl.col("source") == "text").row(0, named=True)
    assert (text["head"], text["tail"], text["cite"], text["confidence"]) == ("lumpiness", "crusher_wear", "Coarser blasts raise crusher wear.", 0.8)
    assert graph.nodes.filter(pl.col("name") == "lumpiness")["sources"][0].to_list() == ["declared", "text"]


def test_text_triples_count_names_typed_otherwise_than_the_graph_keeps(schema, tmp_path):
    # "lumpiness" is declared an Index; the text types it Cost once, and "haul road" two ways
    pl.concat([_text_frame(), _text_frame(head_type="Cost"), _text_frame(head="haul road", head_type="Facility"),
               _text_frame(head="haul road", head_type="Place")]).write_parquet(tmp_path / "triples.parquet")
    knowledge = load_declared([DECLARED])
    nodes, edges, retyped = read_text_triples(tmp_path / "triples.parquet", knowledge, schema)
    assert retyped == ["haul_road", "lumpiness"] and nodes["haul_road"] == "Facility" and len(edges) == 4
    graph = build_graph(schema, knowledge, nodes, edges)
    assert graph.nodes.filter(pl.col("name") == "lumpiness")["type"][0] == "Index"  # the declared type is kept
    assert graph.edges.filter(pl.col("source") == "text").height == 2  # the repeated lumpiness edge kept once


def test_text_triples_of_an_unknown_type_are_refused(schema, tmp_path):
    _text_frame(tail_type="Machine").write_parquet(tmp_path / "triples.parquet")
    with pytest.raises(DataError, match="triples.parquet row 1: unknown entity type 'Machine'"):
        read_text_triples(tmp_path / "triples.parquet", load_declared([DECLARED]), schema)


def test_sign_conflicts_between_sources(schema):
    knowledge = load_declared([DECLARED])
    data = [{**_edge("haul_distance", "Negative", "transport_cost", "data"), "sign": -1},
            {**_edge("diesel_consumption", "Positive", "transport_cost", "data"), "sign": 1}]
    conflicts = sign_conflicts(build_graph(schema, knowledge, extra_edges=data).edges)
    assert conflicts.rows() == [("haul_distance", "transport_cost", ["data", "declared"])]
