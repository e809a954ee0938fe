"""Bad-input corpus, round 18 for graph and text: declared-knowledge YAML files as users write them.

Found: (1) synonyms were read file by file, each file's before its own names only: a later file's `fill rate:
bucket_fill_rate` left an earlier file's `fill rate` a node of its own (two nodes of one entity, the edges split between
them), exit 0. Every file's synonyms are read before any name now. (2) A synonym's canonical name that is itself an
alias (`a: b` beside `b: c`, a user's `bucket fill rate: loading_rate` beside the shipped `full bucket rate:
bucket_fill_rate`) made `a` and `c` two nodes; a cycle (`a: b`, `b: a`) swapped two entities; an alias given another
canonical name by a second file kept the last file's: each refused naming the alias. (3) `synonyms:` or `entities:` as a
list was an AttributeError traceback; a synonym of no name (`a:` empty) made the node `none`: refused in one line.
(4) YAML's `true`/`yes` as a weight, sign or confidence was read as 1 (a sign `yes` was +1): refused. (5) An effect
interval upside down (effect_low 0.5, effect_high 0.1) was exported as given: refused.
(6) factors.query.ask: `top 1 factor of transport cost` (the singular) was "cannot read"; `how does full bucket rate
affect bucket fill rate` (two names of one entity) was answered "no influence path ... within 4 hops", as if nothing
linked them: refused before any work, naming the entity.

Read right or refused already (probed): a self-loop, a sign against its relation's, a negative weight of an influence,
a cycle of Include, the same edge twice (round 13 and before), a triples mapping instead of a list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from minectl.errors import ConfigError, DataError
from minectl.factors.declared import load_declared
from minectl.factors.query import parse
from tests.badinput.harness import assert_refused

SHIPPED = Path(__file__).resolve().parents[2] / "conf" / "factors" / "knowledge" / "open_pit_coal.yaml"


def _yaml(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(paths: list[Path], expect: str) -> str:
    with pytest.raises(DataError) as info:
        load_declared(paths)
    assert expect in str(info.value), str(info.value)
    return str(info.value)


# (1) synonyms of every file before any name


def test_a_later_files_synonym_names_an_earlier_files_entity(tmp_path):
    first = _yaml(tmp_path, "site.yaml", "entities: {fill rate: Factor, haul cost: Cost}\n"
                  "triples: [{head: fill rate, relation: Negative, tail: haul cost}]\n")
    second = _yaml(tmp_path, "names.yaml", "synonyms: {fill rate: bucket_fill_rate}\nentities: {bucket fill rate: Factor}\n")
    knowledge = load_declared([first, second])
    assert knowledge.nodes == {"bucket_fill_rate": "Factor", "haul_cost": "Cost"}  # was fill_rate and bucket_fill_rate
    assert [(e["head"], e["relation"], e["tail"]) for e in knowledge.edges] == [("bucket_fill_rate", "Negative", "haul_cost")]


def test_the_shipped_file_with_a_copy_of_its_synonyms_still_reads(tmp_path):
    """The near misses: a shipped synonym repeated alike, and an alias that normalises to its own canonical name."""
    alone = load_declared([SHIPPED])
    copy = _yaml(tmp_path, "mine.yaml", "synonyms: {full bucket rate: bucket_fill_rate, Bucket fill rate: bucket_fill_rate}\n"
                 "triples: [{head: full bucket rate, relation: Negative, tail: transportation cost, cite: our survey}]\n")
    with_copy = load_declared([SHIPPED, copy])
    assert (len(alone.nodes), len(alone.edges)) == (68, 81)
    assert with_copy.nodes == alone.nodes and len(with_copy.edges) == 82
    assert with_copy.edges[-1]["head"] == "bucket_fill_rate" and with_copy.edges[-1]["tail"] == "transport_cost"


# (2) one canonical name an alias


@pytest.mark.parametrize("text, expect", [
    ("synonyms: {a: b, b: c}\n", "synonym 'a' -> 'b', itself an alias of 'c'"),
    ("synonyms: {a: b, b: a}\n", "synonym 'a' -> 'b', itself an alias of 'a'"),
])
def test_a_chain_or_cycle_of_synonyms_is_refused(tmp_path, text, expect):
    _refused([_yaml(tmp_path, "k.yaml", text)], expect)


def test_a_second_canonical_name_of_an_alias_is_refused(tmp_path):
    mine = _yaml(tmp_path, "mine.yaml", "synonyms: {full bucket rate: fill_factor}\n")
    _refused([SHIPPED, mine], "synonym 'full_bucket_rate' -> 'fill_factor', 'bucket_fill_rate' before")


def test_the_cli_refuses_renaming_a_shipped_canonical_name_in_one_line(tmp_path):
    mine = _yaml(tmp_path, "mine.yaml", "synonyms: {bucket fill rate: loading_rate}\n")
    run = tmp_path / "run"
    assert_refused(["factors", f"factors.sources.declared=[{SHIPPED},{mine}]", "factors.sources.data=null", f"hydra.run.dir={run}"],
                   ["mine.yaml synonyms", "'full_bucket_rate' -> 'bucket_fill_rate', itself an alias of 'loading_rate'"],
                   inputs=[mine], run_dir=run)


# (3) the file's shape


@pytest.mark.parametrize("text, expect", [
    ("entities: [a, b]\n", "entities \"['a', 'b']\"; expected a mapping of name: type"),
    ("synonyms: [a, b]\n", "expected a mapping of alias: canonical name"),
    ("synonyms: {a: }\n", "expected a mapping of alias: canonical name"),
])
def test_a_list_or_empty_name_where_a_mapping_goes_is_refused(tmp_path, text, expect):
    _refused([_yaml(tmp_path, "k.yaml", text)], expect)


# (4) booleans are no numbers; (5) an effect interval upside down

EDGE = "entities: {a: Factor, b: Cost}\ntriples: [{head: a, relation: %s, tail: b, %s}]\n"


@pytest.mark.parametrize("relation, fields, expect", [
    ("Positive", "weight: yes", "weight True; expected a number"),
    ("Affect", "sign: true", "sign True; expected a number"),
    ("Positive", "confidence: true", "confidence True; expected a number"),
    ("Positive", "effect_low: 0.5, effect_high: 0.1", "effect_low 0.5 above effect_high 0.1"),
])
def test_a_boolean_number_or_reversed_interval_is_refused(tmp_path, relation, fields, expect):
    _refused([_yaml(tmp_path, "k.yaml", EDGE % (relation, fields))], f"k.yaml triple 1: {expect}")


def test_numbers_and_a_point_interval_still_read(tmp_path):
    path = _yaml(tmp_path, "k.yaml", EDGE % ("Affect", "weight: 1, sign: -1, confidence: 1, effect_low: -0.2, effect_high: -0.2"))
    edge = load_declared([path]).edges[0]
    assert (edge["weight"], edge["sign"], edge["confidence"], edge["effect_low"], edge["effect_high"]) == (1.0, -1, 1.0, -0.2, -0.2)


# (6) questions


@pytest.mark.parametrize("question, parsed", [
    ("top 1 factor of transport cost", ("rank", ("transport_cost", 1))),
    ("Top 3 factors of transportation costs?", ("rank", ("transport_cost", 3))),
    ("how does lumpiness affect transport cost", ("paths", ("lumpiness", "transport_cost"))),
])
def test_questions_read_in_their_usual_phrasings(question, parsed):
    shipped = load_declared([SHIPPED])
    assert parse(question, shipped.nodes, shipped.synonyms) == parsed


@pytest.mark.parametrize("question", ["how does full bucket rate affect bucket fill rate", "paths from lumpiness to lumpiness"])
def test_paths_from_an_entity_to_itself_are_refused(question):
    shipped = load_declared([SHIPPED])
    with pytest.raises(ConfigError, match="to itself; expected two different entities"):
        parse(question, shipped.nodes, shipped.synonyms)
