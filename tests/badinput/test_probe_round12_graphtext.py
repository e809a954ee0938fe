"""Bad-input corpus, round 12 for graph and text: names, type paths, triples as CSV, Neo4j's escapes.

Found: (1) any bracket at a name's end was read as its unit: `pump (left)` and `pump (right)` were both the node `pump`,
their edges merged in silence (the unit `left`); a bracket is a unit now only when made of unit words and symbols
(`L`, `kWh`, `CNY/t`, `元/吨`), else part of the name (`pump_left`). (2) factors.extract.levels=5 cut every type at its
'/', a flat corpus' `N/A` and `On/Off` to the classes `N` and `On` (scored and written so, exit 0); only a corpus
whose types share a top (MaintIE) is a hierarchy now, and its user dictionary's types follow it. (3) triples given as .csv to
factors.sources.text were "not a parquet table": read now; a table of texts (no triple columns) names the formats read
and how texts become triples, and `predict` reads a .csv/.tsv table's free-text column (factors.extract.text_column=NAME;
it refused any table). (4) load.cypher wrote a cited sentence's line ends and tabs raw (a statement over several
lines, not a JSON/Cypher string escape); they are escaped now; the CSVs were right (RFC 4180 quoting) and the docs'
import command gains --multiline-fields=true; an entity type holding ';' (two labels in Neo4j's :LABEL column) is refused.
(5) factors.schema.relation_types.X.weight=abc or null, or a misspelt key (`wieght`), ended the run in a traceback;
weight/sign `true` read as 1. (6) An empty span JSON item ({text: '', tokens: []}) was sent to Doccano's format.

Read right or refused cleanly already (probed): KGE splits (Nations) with a relation or an entity only in test (refused,
or dropped and counted with unseen=drop), a triple in two splits or twice in one; MaintIE items with crossing spans
(the later dropped as nested, counted), whitespace-only or empty tokens, emoji tokens, 1,000-token items; Doccano with
an emoji before a label (ambiguous offsets, refused naming it); Include cycles and self-loops; NaN weights.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import polars as pl
import pytest
from harness import assert_refused, invoke

from minectl.errors import DataError
from minectl.factors.declared import Knowledge, load_declared, normalise_name
from minectl.factors.exports import write_neo4j
from minectl.factors.graph import build_graph, read_text_triples, text_literals
from minectl.factors.schema import Schema
from minectl.tasks.factors import ENTITY_TYPES, RELATION_TYPES
from minectl.text.corpus import Document, Span, read_corpus, relabel
from minectl.text.dictionary import read_terms

ROOT = Path(__file__).resolve().parents[2]
DECLARED = ROOT / "conf/factors/knowledge/open_pit_coal.yaml"
SCHEMA = Schema.from_config(ENTITY_TYPES, RELATION_TYPES)
TRIPLE_HEADER = "head,head_type,relation,tail,tail_type,weight,sign,unit,condition,cite\n"


# (1) a bracketed qualifier is part of the name; a bracketed unit is split off


def test_bracketed_qualifiers_keep_two_nodes_apart(tmp_path):
    path = tmp_path / "pumps.csv"
    path.write_text(TRIPLE_HEADER + "Pump (left),Facility,Affect,transport_cost,Cost,,,,,t\n"
                    "Pump (right),Facility,Affect,transport_cost,Cost,,,,,t\n", encoding="utf-8")
    knowledge = load_declared([path])  # before: one node `pump`, its second edge refused as the first one again
    assert knowledge.nodes == {"pump_left": "Facility", "transport_cost": "Cost", "pump_right": "Facility"}
    assert [e["unit"] for e in knowledge.edges] == [None, None]


@pytest.mark.parametrize("raw, name", [
    ("pump (left)", "pump_left"), ("Pump (A)", "pump_a"), ("pump (B)", "pump_b"), ("valve (in)", "valve_in"),
    ("speed (min)", "speed_min"), ("truck (No. 2)", "truck_no_2"), ("shovel (1250LCK)", "shovel_1250lck"),
])
def test_qualifiers_stay_in_the_name(raw, name):
    assert normalise_name(raw) == (name, None)


@pytest.mark.parametrize("raw, name, unit", [
    ("diesel (L)", "diesel", "L"), ("power (kWh)", "power", "kWh"), ("cost (CNY/t)", "cost", "CNY/t"),
    ("运输成本(元/吨)", "运输成本", "元/吨"), ("flow [m3/h]", "flow", "m3/h"), ("Step height [metre]", "step_height", "m"),
    ("share (%)", "share", "percent"), ("price (USD per t)", "price", "USD per t"), ("temperature (°C)", "temperature", "°C"),
    ("output (Mt/yr)", "output", "Mt/yr"), ("Transport distance (km)", "transport_distance", "km"),
])
def test_bracketed_units_are_still_split_off(raw, name, unit):
    """The near miss: units as the seed and the shipped files write them keep their unit and join their node."""
    assert normalise_name(raw) == (name, unit)


# (2) type levels cut a hierarchy's paths, not a flat corpus' names


def test_flat_types_holding_a_slash_stay_whole_at_every_level():
    flat = [Document(["pump", "n/a", "on"], [Span(0, 1, "Item"), Span(1, 2, "N/A"), Span(2, 3, "On/Off")])]
    for levels in (5, 32, 224):  # before: N and On at 5 and 32 classes
        assert [e.type for e in relabel(flat, levels)[0].entities] == ["Item", "N/A", "On/Off"]
    assert {e.type for e in relabel(flat, 1)[0].entities} == {"Entity"}


def test_maintie_types_are_still_cut_at_their_levels():
    """The near miss: MaintIE's hierarchy (PhysicalObject beside PhysicalObject/...) has 5 top classes, 28 second-level
    classes as its gold file uses them, and its 155 types whole."""
    docs = read_corpus(ROOT / "examples/data/maintie/gold_release.json")
    given = {e.type for d in docs for e in d.entities}
    tops = {t.split("/")[0] for t in given}
    assert tops == {"PhysicalObject", "Activity", "State", "Process", "Property"}
    assert {e.type for d in relabel(docs, 5) for e in d.entities} == tops
    assert {e.type for d in relabel(docs, 32) for e in d.entities} == {"/".join(t.split("/")[:2]) for t in given}
    assert {e.type for d in relabel(docs, 224) for e in d.entities} == given


def test_a_flat_dictionary_type_with_a_slash_is_read_whole(tmp_path):
    terms = tmp_path / "terms.tsv"
    terms.write_text("n/a\tN/A\nswitch\tOn/Off\n", encoding="utf-8")
    # before: cut to N and On (then refused as no type of the flat corpus, whose types stay whole now)
    assert read_terms(terms, 5, {"Item", "N/A", "On/Off"}, hierarchical=False) == {("n/a",): "N/A", ("switch",): "On/Off"}
    assert read_terms(terms, 5, {"N", "On"}) == {("n/a",): "N", ("switch",): "On"}  # a hierarchy's paths: cut as before


# (3) triples as CSV are read; a CSV of texts is named


def _knowledge() -> Knowledge:
    return load_declared([DECLARED])


def test_text_triples_as_csv_read_as_the_parquet_table(tmp_path):
    row = {"head": "Blast lumpiness", "head_type": "Index", "relation": "Positive", "tail": "Crusher wear", "tail_type": "Cost",
           "weight": 0.4, "sign": 1, "unit": None, "condition": None, "source": "text",
           "sentence": "Coarser blasts raise\ncrusher wear, \"a lot\".", "confidence": 0.8}
    frame = pl.DataFrame([row, {**row, "relation": "Value", "tail": "0.8", "tail_type": "Quantity", "sign": None}])
    frame.write_parquet(tmp_path / "triples.parquet")
    frame.write_csv(tmp_path / "triples.csv")
    from_parquet = read_text_triples(tmp_path / "triples.parquet", _knowledge(), SCHEMA)
    from_csv = read_text_triples(tmp_path / "triples.csv", _knowledge(), SCHEMA)  # before: "not a parquet table"
    assert from_csv == from_parquet
    assert from_csv.edges[0]["head"] == "lumpiness" and from_csv.edges[0]["weight"] == 0.4  # `blast lumpiness`: a synonym
    assert from_csv.edges[0]["cite"] == row["sentence"]
    assert text_literals(tmp_path / "triples.csv", SCHEMA) == 1


def test_a_csv_of_texts_as_text_triples_names_what_is_read(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("id,text\n1,replace pump seal\n2,inspect motor\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"orders.csv: columns id, text, no head, head_type, relation, tail, tail_type; expected "
                                        r"triples: a text-extraction run folder, .* or such a table as .csv/.tsv .*\(texts: tag "
                                        r"them first, `minectl factors extract predict"):
        read_text_triples(orders, _knowledge(), SCHEMA)


# (4) Neo4j's files: every field and literal read back by independent parsers

AWKWARD = "line one \"quoted\"\nline two \\n; C:\\path\r\nthree\tend"


@pytest.fixture(scope="module")
def neo4j(tmp_path_factory):
    folder = tmp_path_factory.mktemp("neo4j")
    knowledge = Knowledge()
    knowledge.add_node("Pump \"A\" \\ left", "Facility", "t")
    knowledge.add_node("transport_cost", "Cost", "t")
    knowledge.add_edge({"head": "Pump \"A\" \\ left", "relation": "Affect", "tail": "transport_cost", "cite": AWKWARD,
                        "condition": "a;b"}, "declared", "t")
    graph = build_graph(SCHEMA, knowledge)
    write_neo4j(graph, folder)
    return folder


def test_neo4j_csvs_read_back_with_neo4js_dialect(neo4j):
    """neo4j-admin's CSV: ',' between fields, '"' quotes doubled inside, no backslash escape, quoted line ends."""
    def rows(name):
        with (neo4j / name).open(newline="", encoding="utf-8") as handle:
            return list(csv.reader(handle, delimiter=",", quotechar='"', doublequote=True, escapechar=None, strict=True))
    nodes = {r[0]: r for r in rows("nodes.csv")[1:]}
    assert nodes["pump_a_left"][2] == "Pump \"A\" \\ left"
    (edge,) = rows("relationships.csv")[1:]
    assert edge[:3] == ["pump_a_left", "transport_cost", "Affect"] and edge[6] == "a;b" and edge[8] == AWKWARD


def test_load_cypher_escapes_line_ends_tabs_quotes_and_backslashes(neo4j):
    lines = (neo4j / "load.cypher").read_text(encoding="utf-8").split("\n")
    statements = [line for line in lines if line and not line.startswith("//")]
    assert all(s.endswith(";") for s in statements)  # before: the MERGE of the edge ran over three lines
    merge = next(s for s in statements if "MERGE (a)-[:Affect" in s)
    # Cypher's string escapes (\" \\ \n \r \t) are JSON's: json.loads reads each literal, refusing a raw control character
    literals = [json.loads(m) for m in re.findall(r'"(?:[^"\\]|\\.)*"', merge)]
    assert AWKWARD in literals and "a;b" in literals and "pump_a_left" in literals
    label = next(s for s in statements if s.startswith("MERGE (n:Facility"))
    assert [json.loads(m) for m in re.findall(r'"(?:[^"\\]|\\.)*"', label)] == ["pump_a_left", "Pump \"A\" \\ left"]


def test_an_entity_type_holding_a_semicolon_is_refused():
    with pytest.raises(DataError, match=r"schema.entity_types: type 'Cost;Item' holds ';'; expected an entity type without ';'"):
        Schema.from_config([*ENTITY_TYPES, "Cost;Item"], RELATION_TYPES)
    # the near miss: a MaintIE-style path is one label (in backticks in load.cypher)
    assert "Activity/MaintenanceActivity" in Schema.from_config([*ENTITY_TYPES, "Activity/MaintenanceActivity"],
                                                                RELATION_TYPES).entity_types



# one `factors extract` run for the task's wiring: a flat corpus with slashed types, its dictionary, then `predict` of tables


@pytest.fixture(scope="module")
def flat_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("flat")
    sentence = "replace\tO\npump\tB-Item\nstatus\tO\nn/a\tB-N/A\nswitch\tB-On/Off\n\n"
    (root / "flat.conll").write_text(sentence * 12, encoding="utf-8")
    (root / "terms.tsv").write_text("n/a\tN/A\nswitch\tOn/Off\n", encoding="utf-8")
    result = invoke("factors", "extract", "debug=quick", f"factors.extract.corpus={root / 'flat.conll'}",
                    "factors.extract.models=[dictionary,crf]", "factors.extract.best=crf",
                    f"factors.extract.dictionary={root / 'terms.tsv'}", f"hydra.run.dir={root / 'run'}")
    assert result.exit_code == 0, result.output
    return root / "run"


def test_a_flat_corpus_and_its_dictionary_keep_slashed_types_through_extract(flat_run):
    """The task's wiring: the corpus' classes and its user dictionary's types at the default levels=5."""
    scores = pl.read_parquet(flat_run / "tables" / "ner_scores.parquet")
    assert set(scores.filter(pl.col("model") == "crf")["type"]) == {"Item", "N/A", "On/Off", "micro", "macro"}  # before: N, On


ORDERS = 'id,description,cost\n7,replace pump,100\n8,,0\n9,"status n/a\nswitch",50\n'


def test_predict_reads_the_named_text_column_of_a_csv(flat_run, tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    result = invoke("factors", "extract", "predict", flat_run, f"factors.extract.text={orders}",
                    "factors.extract.text_column=description", f"out={tmp_path / 'out'}")
    assert result.exit_code == 0, result.output  # before: "a CSV table; expected plain text"
    assert "2 rows of column 'description':" in result.output
    entities = pl.read_parquet(tmp_path / "out" / "entities.parquet")
    # rows 1 and 3 under the header (row 2 is empty); the cell's line end is a space; the tagger's types as trained
    assert sorted(zip(entities["line"], entities["text"], entities["type"], strict=True)) == [
        (1, "pump", "Item"), (3, "n/a", "N/A"), (3, "switch", "On/Off")]
    assert set(entities["sentence"]) == {"replace pump", "status n/a switch"}


@pytest.mark.parametrize("name, content, extra, expect", [
    ("orders.csv", ORDERS, [], "orders.csv: a CSV table; expected plain text, one entry a line, or the table's free-text column "
                               "named: factors.extract.text_column=NAME (one of id, description, cost)"),
    ("orders.csv", ORDERS, ["factors.extract.text_column=cost"], "orders.csv: column 'cost' holds Int64 ([100]); "
                                                                 "expected the free text of each work order"),
    ("orders.csv", ORDERS, ["factors.extract.text_column=desc"], "factors.extract.text_column=desc: no such column of orders.csv; "
                                                                "expected one of id, description, cost"),
    ("orders.txt", "replace pump\n", ["factors.extract.text_column=description"],
     "factors.extract.text_column=description for orders.txt; expected it with a .csv/.tsv table only"),
], ids=["no-column-key", "numbers", "misspelt", "key-for-plain-text"])
def test_predict_of_a_table_names_what_is_wrong(flat_run, tmp_path, name, content, extra, expect):
    orders = tmp_path / name
    orders.write_text(content, encoding="utf-8")
    assert_refused(["factors", "extract", "predict", flat_run, f"factors.extract.text={orders}", *extra, f"out={tmp_path / 'out'}"],
                   expect, inputs=[orders], run_dir=tmp_path / "out")


# (5) a relation type's settings in factors.schema: tracebacks before


@pytest.mark.parametrize("key, value, expect", [
    ("weight", "abc", "weight 'abc'; expected a number in [0, 1]"),  # was float()'s ValueError traceback
    ("weight", None, "weight None; expected a number in [0, 1]"),  # TypeError traceback
    ("weight", True, "weight True; expected a number in [0, 1]"),  # read as 1
    ("sign", True, "sign True; expected 1, -1 or null"),  # read as +1
    ("wieght", 0.5, "unknown key(s) wieght; expected influence, weight, sign"),  # RelationType's TypeError traceback
])
def test_a_relation_types_wrong_setting_is_refused_in_one_line(key, value, expect):
    relations = {name: dict(spec) for name, spec in RELATION_TYPES.items()}
    relations["Affect"][key] = value
    with pytest.raises(DataError, match=re.escape(f"schema.relation_types.Affect: {expect}")):
        Schema.from_config(ENTITY_TYPES, relations)


@pytest.mark.parametrize("key, value", [("weight", 0), ("weight", 1), ("weight", 0.25), ("sign", -1), ("sign", None)])
def test_a_relation_types_valid_settings_still_read(key, value):
    relations = {name: dict(spec) for name, spec in RELATION_TYPES.items()}
    relations["Affect"][key] = value
    assert getattr(Schema.from_config(ENTITY_TYPES, relations).relation_types["Affect"], key) == value


# (6) an empty sentence in span JSON (a blank work order) was sent to Doccano's format for its empty 'text'


def test_an_empty_span_json_item_is_named_without_the_doccano_hint(tmp_path):
    items = [{"text": "replace pump", "tokens": ["replace", "pump"], "entities": [{"start": 1, "end": 2, "type": "Item"}]},
             {"text": "", "tokens": [], "entities": [], "relations": []}]
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    with pytest.raises(DataError) as refused:
        read_corpus(path)
    assert str(refused.value) == f"{path}: item 1: an empty 'tokens' list; expected {{tokens, entities, relations}}"
    # the near miss: a text without tokens is still pointed to Doccano
    path.write_text(json.dumps([{"text": "replace pump", "tokens": [], "entities": []}]), encoding="utf-8")
    with pytest.raises(DataError, match="a 'text' with character offsets is Doccano's: format doccano"):
        read_corpus(path)


def test_predict_usage_names_the_text_column_key():
    result = invoke("factors", "extract", "predict")
    assert result.exit_code != 0 and "[factors.extract.text_column=NAME]" in result.output
