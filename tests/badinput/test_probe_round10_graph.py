"""Probe round 10, the cost-factor graph's link prediction (graph): knowledge-graph files as people have them.

(1) OpenKE's benchmark folders (train2id.txt, valid2id.txt, test2id.txt: a count line, then `head tail
relation` ids; entity2id.txt and relation2id.txt: a count line, then `name<TAB>id`), as OpenKE ships
FB15K237 and WN18RR, were refused ("train.txt: missing"). Now read through the names of the id files,
so Nations so written gives Nations' splits; refused naming the line: ids in head relation tail order
(an id beyond entity2id.txt's or relation2id.txt's count), a count line that does not count the lines
below it (a file cut short), a name or an id listed twice, a line that is not three ids.
(2) KGTK's header `node1<TAB>label<TAB>node2` (Wikidata's and CSKG's edge files without their id column)
was refused as a header of unknown names; now skipped as `head<TAB>relation<TAB>tail` is.
(3) Two text rows of one edge signed apart (`haul distance -Affect-> transport cost`, +1 in one sentence,
-1 in another): the graph keeps the first row, so the run ranked by its sign and said "1 repeating an
edge", kg.sign_conflicts 0. The conflict is now counted and printed as one between sources is.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_graph_refused, invoke

from minectl.factors.kge.data import load_splits

KGE = Path(__file__).parents[2] / "examples" / "data" / "kge"


def write_openke(folder: Path, name: str, order: str = "htr", sep: str = " ", end: str = "\n") -> Path:
    """Benchmark ``name`` in OpenKE's layout; ids numbered in an order of their own (not by name), the
    triples' ids in ``order`` (OpenKE's: htr)."""
    folder.mkdir()
    rows = {split: [line.split("\t") for line in (KGE / name / f"{split}.txt").read_text().splitlines() if line.strip()]
            for split in ("train", "valid", "test")}
    entities = sorted({x for triples in rows.values() for h, _, t in triples for x in (h, t)}, key=lambda x: x[::-1])
    relations = sorted({r for triples in rows.values() for _, r, _ in triples}, reverse=True)
    entity_id, relation_id = {n: i for i, n in enumerate(entities)}, {n: i for i, n in enumerate(relations)}
    for what, names in (("entity", entities), ("relation", relations)):
        (folder / f"{what}2id.txt").write_text(end.join([str(len(names)), *(f"{n}\t{i}" for i, n in enumerate(names))]) + end,
                                               newline="")
    for split, triples in rows.items():
        lines = [sep.join(str({"h": entity_id[h], "r": relation_id[r], "t": entity_id[t]}[c]) for c in order) for h, r, t in triples]
        (folder / f"{split}2id.txt").write_text(end.join([str(len(lines)), *lines]) + end, newline="")
    return folder


def same_splits(a, b) -> bool:
    return a.entities == b.entities and a.relations == b.relations and all(
        np.array_equal(getattr(a, s), getattr(b, s)) for s in ("train", "valid", "test"))


@pytest.mark.parametrize("sep, end", [(" ", "\n"), ("\t", "\r\n")])
def test_an_openke_folder_reads_as_the_benchmark_it_numbers(sep, end, tmp_path):
    assert same_splits(load_splits(write_openke(tmp_path / "nations", "nations", sep=sep, end=end)), load_splits(KGE / "nations"))


def test_minectl_factors_runs_on_an_openke_folder(tmp_path):
    folder = write_openke(tmp_path / "nations", "nations")
    result = invoke("factors", f"factors.kge.graph={folder}", "factors.sources.data=null", "factors.kge.models=[]",
                    "factors.entropy.matrix=null", "report=false", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert [metrics[f"kge.graph.{k}"] for k in ("entities", "relations", "train", "valid", "test")] == [14, 55, 1592, 199, 201]


@pytest.mark.parametrize("name, expect", [
    # Nations: 14 entities, 55 relations: a relation id where the tail's belongs is beyond the entities
    ("nations", "train2id.txt:2: tail id 30 is beyond the 14 ids of entity2id.txt; expected OpenKE's order, head tail relation "
                "(ids written head relation tail?)"),
    # UMLS: 135 entities, 46 relations: a tail id where the relation's belongs is beyond the relations
    ("umls", "train2id.txt:3: relation id 76 is beyond the 46 ids of relation2id.txt; expected OpenKE's order"),
])
def test_openke_ids_written_head_relation_tail_are_refused(name, expect, tmp_path):
    assert_graph_refused(write_openke(tmp_path / name, name, order="hrt"), tmp_path / "run", expect)


@pytest.mark.parametrize("file, edit, expect", [
    ("test2id.txt", lambda text: text.rsplit("\n", 2)[0] + "\n",  # its last line lost, the count kept
     "test2id.txt: first line '201' above 200 lines; expected the count of the lines below it (OpenKE's layout), then head tail "
     "relation ids"),
    ("train2id.txt", lambda text: text.replace("\n", "\n0 1\n", 1).replace("1592", "1593", 1),
     "train2id.txt:2: '0 1'; expected three ids, head tail relation (OpenKE's order)"),
    ("entity2id.txt", lambda text: text.replace("\t1\n", "\t0\n", 1), "entity2id.txt:3: id 0 of line 2 again; expected each name"),
    ("relation2id.txt", lambda text: text.replace("55\n", "56\nembassy\t55\n", 1),
     "relation2id.txt:43: name 'embassy' of line 2 again"),
    ("entity2id.txt", lambda text: text.replace("\t13\n", "\t14\n"), "entity2id.txt:15:"),  # id 14 of 14
    ("valid2id.txt", lambda text: text + "0 0 0\n" * 2, "valid2id.txt: first line '199' above 201 lines"),
])
def test_openke_files_that_contradict_themselves_are_refused(file, edit, expect, tmp_path):
    folder = write_openke(tmp_path / "kg", "nations")
    (folder / file).write_text(edit((folder / file).read_text()))
    assert_graph_refused(folder, tmp_path / "run", [f"kg/{expect}"])


def test_a_repeated_openke_triple_is_refused_as_a_repeated_line(tmp_path):
    folder = write_openke(tmp_path / "kg", "nations")
    text = (folder / "valid2id.txt").read_text().splitlines()
    (folder / "valid2id.txt").write_text("\n".join(["200", *text[1:], text[5]]) + "\n")
    assert_graph_refused(folder, tmp_path / "run", "kg/valid2id.txt:201: the triple of line 6 again; expected each triple once")


def test_an_openke_folder_without_its_names_stays_refused_naming_them(tmp_path):
    folder = write_openke(tmp_path / "kg", "nations")
    (folder / "relation2id.txt").unlink()
    assert_graph_refused(folder, tmp_path / "run", "(OpenKE's train2id.txt: read with valid2id.txt, test2id.txt, entity2id.txt, "
                                                   "relation2id.txt beside it; relation2id.txt missing)")


def test_a_kgtk_header_is_a_header(tmp_path):
    folder = tmp_path / "kg"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        (folder / f"{split}.txt").write_text("node1\tlabel\tnode2\n" + (KGE / "nations" / f"{split}.txt").read_text())
    assert same_splits(load_splits(folder), load_splits(KGE / "nations"))


@pytest.mark.parametrize("signs, conflicts", [([1, -1], 1), ([-1, -1], 0)])
def test_text_rows_of_one_edge_signed_apart_are_a_sign_conflict(signs, conflicts, tmp_path):
    table = tmp_path / "triples.parquet"
    pl.DataFrame([{"head": "crusher wear", "head_type": "Parameters", "relation": "Affect", "tail": "transport cost", "tail_type": "Cost",
                   "sign": sign, "source": "text", "sentence": f"sentence {i}", "confidence": 1.0} for i, sign in enumerate(signs)],
                 schema_overrides={"sign": pl.Int8}).write_parquet(table)
    run_dir = tmp_path / "run"
    result = invoke("factors", "debug=quick", "factors.sources.data=null", "factors.kge.models=[]", f"factors.sources.text={table}",
                    "factors.entropy.matrix=null", "report=false", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    assert json.loads((run_dir / "metrics.json").read_text())["kg.sign_conflicts"] == conflicts
    assert ("sign conflict: crusher_wear -> transport_cost is + in one edge and - in another (text)" in result.output) == bool(conflicts)
