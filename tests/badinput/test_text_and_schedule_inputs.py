"""Bad-input corpus: the user files of `minectl schedule` (MineLib), `minectl factors extract`
(labelled corpora, `predict` text and run folders) and `minectl factors` (KGE splits, declared
CSV, text triples). Each case is a real damaged file that once passed silently, crashed with a
traceback or printed more than one line; now it ends in one line naming file and what was expected.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import assert_graph_refused, assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.schedule import minelib
from minectl.text.corpus import read_corpus

ROOT = Path(__file__).resolve().parents[2]
NATIONS = ROOT / "examples" / "data" / "kge" / "nations"
MAINTIE = ROOT / "examples" / "data" / "maintie" / "gold_release.json"

# -- schedule: a 4-block MineLib instance, each case damaging one file ---------------------------

PREC = "0 0\n1 0\n2 2 0 1\n3 1 2\n"
BLOCKS = "0 0 0 1 a\n1 1 0 1 b\n2 0 0 0 c\n3 1 0 0 d\n"
UPIT = "NAME: t\nTYPE: UPIT\nNBLOCKS: 4\nOBJECTIVE_FUNCTION:\n0 -1\n1 -1\n2 5\n3 -2\n"
CPIT = ("NAME: t\nTYPE: CPIT\nNBLOCKS: 4\nNPERIODS: 2\nNRESOURCE_SIDE_CONSTRAINTS: 1\nDISCOUNT_RATE: 0.1\n"
        "RESOURCE_CONSTRAINT_LIMITS:\n0 0 L 2\n0 1 L 2\nOBJECTIVE_FUNCTION:\n0 -1\n1 -1\n2 5\n3 4\n"
        "RESOURCE_CONSTRAINT_COEFFICIENTS:\n0 0 1\n1 0 1\n2 0 1\n3 0 1\nEOF\n")


def _minelib(folder: Path, **files: str | bytes) -> Path:
    folder.mkdir()
    for suffix, text in {"prec": PREC, "blocks": BLOCKS, "upit": UPIT, "cpit": CPIT, **files}.items():
        (folder / f"t.{suffix}").write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


SCHEDULE_CASES = {
    "precedence cycle": ({"prec": "0 1 3\n1 0\n2 2 0 1\n3 1 2\n"}, "t.prec: the precedence has a cycle"),
    "a byte beyond ASCII in .prec": ({"prec": PREC.encode() + b"3 1 \xc2\xb2\n"}, "t.prec: not ascii text (byte 26)"),
    "empty .prec": ({"prec": ""}, "t.prec: no blocks"),
    "NaN coordinate": ({"blocks": BLOCKS.replace("2 0 0 0", "2 nan 0 0")}, "t.blocks:3: '2 nan 0 0' is not finite"),
    "two blocks in one place": ({"blocks": BLOCKS.replace("3 1 0 0", "3 0 0 1")}, "t.blocks:4: block 3 is at 0 0 1, as block 0 is"),
    "coefficient twice": ({"cpit": CPIT.replace("3 0 1\n", "3 0 1\n3 0 1\n")}, "t.cpit:20: coefficient of block 3 resource 0 listed twice"),
    "interval limit low > high": ({"cpit": CPIT.replace("0 1 L 2", "0 1 I 5 1")}, "t.cpit:9: limit '0 1 I 5 1': low above high"),
    "limit no schedule meets": ({"cpit": CPIT.replace("0 1 L 2", "0 1 L -5")}, ["t.cpit: resource 0 period 1", "no schedule can meet"]),
    # the .upit was solved and printed before the .cpit was read: now every file is checked first
    "NBLOCKS mismatch after a good .upit": ({"cpit": CPIT.replace("NBLOCKS: 4", "NBLOCKS: 5")}, "t.cpit: NBLOCKS 5; expected 4"),
    "TYPE of another problem": ({"cpit": CPIT.replace("TYPE: CPIT", "TYPE: UPIT")}, "t.cpit: TYPE UPIT; expected CPIT"),
    "values too large for max-flow": ({"upit": UPIT.replace("2 5", "2 1e300")}, "t.upit: the positive block values sum to 1e+300"),
    "header claiming 10^8 resources": ({"cpit": CPIT.replace("CONSTRAINTS: 1", "CONSTRAINTS: 100000000")},
                                       "t.cpit: 100000000 resources x 2 periods need as many limit lines"),
    # no resource limit lines to count: the periods alone would size the model
    "no resources and 10^12 periods": ({"cpit": CPIT.replace("NPERIODS: 2", "NPERIODS: 1000000000000").replace(
        "CONSTRAINTS: 1", "CONSTRAINTS: 0").replace("RESOURCE_CONSTRAINT_LIMITS:\n0 0 L 2\n0 1 L 2\n", "").replace(
        "RESOURCE_CONSTRAINT_COEFFICIENTS:\n0 0 1\n1 0 1\n2 0 1\n3 0 1\n", "")},
        "t.cpit: NBLOCKS x NPERIODS x NDESTINATIONS = 4,000,000,000,000 schedule variables; expected at most 50,000,000"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", SCHEDULE_CASES)
def test_bad_minelib_files_are_refused_in_one_line(case, tmp_path):
    files, expect = SCHEDULE_CASES[case]
    folder = _minelib(tmp_path / "ml", **files)
    run_dir = tmp_path / "run"
    assert_refused(["schedule", f"minelib.path={folder}", "minelib.name=t", "schedule.problems=[upit,cpit]", "loop.enabled=false",
                    f"hydra.run.dir={run_dir}"], expect, inputs=[folder], run_dir=run_dir)


def test_comment_lines_in_prec_are_read_as_in_the_other_minelib_files(tmp_path):
    plain = _minelib(tmp_path / "plain") / "t.prec"
    commented = _minelib(tmp_path / "commented", prec="% made by hand\n" + PREC.replace("2 2 0 1\n", "2 2 0 1\n  % block 3 next\n"))
    a, b = minelib.read_prec(plain), minelib.read_prec(commented / "t.prec")
    assert a.start.tolist() == b.start.tolist() == [0, 0, 0, 2, 3] and a.preds.tolist() == b.preds.tolist() == [0, 1, 2]


def test_minelib_files_as_windows_tools_save_them_read_as_the_plain_ones(tmp_path):
    """A UTF-8 byte-order mark before each file and `TYPE : CPIT` or `NBLOCKS : 4` (a space before
    the colon) were refused ("not ascii text (byte 0)", "TYPE None", "expected `NBLOCKS:`"); the
    instance is the same."""
    bom = b"\xef\xbb\xbf"
    files = {"prec": PREC, "blocks": BLOCKS, "upit": UPIT.replace("NBLOCKS: 4", "NBLOCKS : 4"), "cpit": CPIT.replace("TYPE: CPIT", "TYPE : CPIT")}
    plain, marked = _minelib(tmp_path / "plain"), _minelib(tmp_path / "marked", **{k: bom + v.encode() for k, v in files.items()})
    for name in ("t.upit", "t.cpit"):
        a, b = minelib.read_instance(plain / name), minelib.read_instance(marked / name)
        assert (a.kind, a.n_blocks, a.objective.tolist()) == (b.kind, b.n_blocks, b.objective.tolist())
    assert b.kind == "CPIT" and b.upper.tolist() == a.upper.tolist() == [[2.0, 2.0]]
    assert minelib.read_prec(marked / "t.prec").preds.tolist() == minelib.read_prec(plain / "t.prec").preds.tolist() == [0, 1, 2]
    assert minelib.read_blocks(marked / "t.blocks")[1].tolist() == minelib.read_blocks(plain / "t.blocks")[1].tolist()


def test_a_synthetic_model_too_large_to_build_is_refused(tmp_path):
    run_dir = tmp_path / "run"
    assert_refused(["schedule", "synthetic.nx=2000", "synthetic.ny=2000", "loop.enabled=false", f"hydra.run.dir={run_dir}"],
                   "synthetic.nx x ny x nz = 24,000,000 blocks; expected at most 1,000,000", run_dir=run_dir)


# -- factors extract: labelled corpora ------------------------------------------------------------

def _items(n: int = 12) -> list[dict]:
    return [{k: item[k] for k in ("tokens", "entities", "relations")} for item in json.loads(MAINTIE.read_text())[:n]]


def _edit(change):
    def made(items):
        change(items)
        return items
    return made


def _doccano(items: list[dict]) -> list[dict]:
    lines = []
    for i, item in enumerate(items):
        offsets, at = [], 0
        for token in item["tokens"]:
            offsets.append((at, at + len(token)))
            at += len(token) + 1
        entities = [{"id": 100 * i + j, "start_offset": offsets[e["start"]][0], "end_offset": offsets[e["end"] - 1][1], "label": "X"}
                    for j, e in enumerate(item["entities"])]
        lines.append({"text": " ".join(item["tokens"]), "entities": entities, "relations": []})
    return lines


CORPUS_CASES = {  # name: (suffix, items -> items or lines, expected)
    "entity start false (a bool)": (".json", _edit(lambda d: d[3]["entities"][0].update(start=False)), "item 3: entity 0: span [False, 3)"),
    "empty entity type": (".json", _edit(lambda d: d[3]["entities"][0].update(type="")), "item 3: entity 0: type ''"),
    "entity listed twice": (".json", _edit(lambda d: d[3]["entities"].append(dict(d[3]["entities"][0]))), "item 3: entity 2 repeats entity 0"),
    "relation to itself": (".json", _edit(lambda d: d[0]["relations"].append({"head": 1, "tail": 1, "type": "hasPart"})),
                           "item 0: relation 2 joins entity 1 to itself"),
    "entities not a list": (".json", _edit(lambda d: d[2].update(entities=5)), "item 2: 'entities' '5' (int); expected a list"),
    "token with a space": (".json", _edit(lambda d: d[3]["tokens"].__setitem__(0, "a b")), "item 3: token 0 'a b'"),
    "no entity at all": (".json", _edit(lambda d: [x.update(entities=[], relations=[]) for x in d]), "12 sentences and no entity"),
    "a 600-token sentence": (".json", _edit(lambda d: d.append({"tokens": ["x"] * 600, "entities": [], "relations": []})),
                             "item 12: 600 tokens; expected at most 512"),
    "Doccano entity id twice": (".jsonl", lambda d: _edit(lambda lines: lines[0]["entities"][1].update(id=0))(_doccano(d)),
                                "line 1: label 1: id 0 repeats label 0's"),
    "Doccano label not a list": (".jsonl", lambda d: _edit(lambda lines: lines[0].update(entities=3))(_doccano(d)),
                                 "line 1: 'entities' '3' (int); expected a list"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", CORPUS_CASES)
def test_bad_labelled_corpora_are_refused_in_one_line(case, tmp_path):
    suffix, make, expect = CORPUS_CASES[case]
    rows = make(_items())
    path = tmp_path / f"corpus{suffix}"
    path.write_text(json.dumps(rows) if suffix == ".json" else "".join(json.dumps(r) + "\n" for r in rows))
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.corpus={path}", f"hydra.run.dir={run_dir}"], [path.name, expect],
                   inputs=[path], run_dir=run_dir)


def test_a_byte_order_mark_is_not_read_as_part_of_the_first_token(tmp_path):
    conll = "<id>\tO\nair\tB-PhysicalObject\nfilter\tI-PhysicalObject\n\npump\tB-PhysicalObject\n"
    (tmp_path / "plain.conll").write_text(conll)
    (tmp_path / "bom.conll").write_bytes(b"\xef\xbb\xbf" + conll.encode())
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(_items(2)).encode())
    assert read_corpus(tmp_path / "bom.conll")[0].tokens == read_corpus(tmp_path / "plain.conll")[0].tokens == ["<id>", "air", "filter"]
    assert [d.tokens for d in read_corpus(tmp_path / "bom.json")] == [d["tokens"] for d in _items(2)]


# -- factors extract predict: the text and the saved run ------------------------------------------

@pytest.fixture(scope="module")
def extract_run(tmp_path_factory):
    """A quick extraction run with the feature CRF and the relation classifier (a few seconds)."""
    run_dir = tmp_path_factory.mktemp("extract") / "run"
    result = CliRunner().invoke(app, ["factors", "extract", "debug=quick", "factors.extract.models=[dictionary,crf_dict]",
                                      f"hydra.run.dir={run_dir}"])
    assert result.exit_code == 0, result.output
    assert (run_dir / "model" / "tagger.crfsuite").is_file() and (run_dir / "model" / "relations.json").is_file()
    return run_dir


def _crafted_crfsuite(run: Path, data: bytes) -> None:
    """The model file replaced by ``data``, its sha256 in tagger.json too: made to pass that check."""
    (run / "model" / "tagger.crfsuite").write_bytes(data)
    meta = json.loads((run / "model" / "tagger.json").read_text())
    meta["model_sha256"] = hashlib.sha256(data).hexdigest()
    (run / "model" / "tagger.json").write_text(json.dumps(meta))


def _changed_crfsuite(run: Path) -> None:  # one byte of the model changed, tagger.json as the run wrote it
    path = run / "model" / "tagger.crfsuite"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(data)


def _garbage_crfsuite(run: Path) -> None:
    _crafted_crfsuite(run, b"\x7fELF" + bytes(200))


def _truncated_crfsuite(run: Path) -> None:  # crfsuite's C reader trusted its header: a segmentation fault
    data = (run / "model" / "tagger.crfsuite").read_bytes()
    _crafted_crfsuite(run, data[: len(data) // 2])


def _altered_crfsuite(run: Path) -> None:  # a sound header, every hash table of its two string databases pointing far outside the file
    data = bytearray((run / "model" / "tagger.crfsuite").read_bytes())
    databases = [i for i in range(len(data)) if data[i:i + 4] == b"CQDB"]  # labels and attributes (crfsuite's cqdb.c)
    assert len(databases) == 2
    for start in databases:
        for table in range(256):  # after the chunk's 24-byte header: 256 (offset, count) pairs
            struct.pack_into("<I", data, start + 24 + 8 * table, 0x7FFFFFF0)
    _crafted_crfsuite(run, bytes(data))


def _nested_json(name: str):
    def damage(run: Path) -> None:  # json's parser recurses: a RecursionError
        (run / "model" / name).write_text("[" * 100_000 + "]" * 100_000)
    return damage


def _nan_coefficient(run: Path) -> None:
    path = run / "model" / "relations.json"
    saved = json.loads(path.read_text())
    saved["coef"][0][0] = float("nan")
    path.write_text(json.dumps(saved))  # json writes NaN, and reads it back as a float


PREDICT_CASES = {  # name: (text, damage to the run copy, expected)
    "empty text file": ("", None, "notes.txt: no text"),
    "a 600-token line": (" ".join(["pump"] * 600) + "\n", None, "notes.txt: line 1: 600 tokens; expected at most 512"),
    "a crfsuite file changed after the run": ("replace the pump\n", _changed_crfsuite,
                                              ["saved tagger unreadable", "tagger.crfsuite is not the file the run saved"]),
    "a crfsuite file that is not one": ("replace the pump\n", _garbage_crfsuite, ["saved tagger unreadable", "not a crfsuite CRF model"]),
    "a truncated crfsuite file": ("replace the pump\n", _truncated_crfsuite, ["saved tagger unreadable", "truncated or altered"]),
    # tagging with it crashed the process (a segmentation fault, no message): it is now read whole in a child process first
    "a crfsuite file altered inside": ("replace the pump\n", _altered_crfsuite,
                                       ["saved tagger unreadable", "could not read every part of the model (its reader crashed (signal"]),
    "tagger.json nested 100,000 deep": ("replace the pump\n", _nested_json("tagger.json"), ["saved tagger unreadable (RecursionError"]),
    "relations.json nested 100,000 deep": ("replace the pump\n", _nested_json("relations.json"), ["relations.json: unreadable"]),
    "NaN in the relation classifier": ("replace the pump\n", _nan_coefficient, "relations.json: unreadable (a coefficient or intercept is not finite)"),
}


@pytest.mark.parametrize("case", PREDICT_CASES)
def test_bad_predict_text_and_damaged_runs_are_refused(case, extract_run, tmp_path):
    text, damage, expect = PREDICT_CASES[case]
    run = Path(shutil.copytree(extract_run, tmp_path / "run"))
    if damage:
        damage(run)
    notes = tmp_path / "notes.txt"
    notes.write_text(text)
    out = tmp_path / "out"
    assert_refused(["factors", "extract", "predict", run, f"factors.extract.text={notes}", f"out={out}"], expect, inputs=[notes, run])
    assert not out.exists()


# -- factors: KGE splits, declared CSV and text triples -------------------------------------------

def _splits(folder: Path, extra: dict[str, str | bytes] | None = None) -> Path:
    """Nations' first 60 training triples and 5 valid / 5 test triples over their entities, plus ``extra`` lines."""
    folder.mkdir()
    train = NATIONS.joinpath("train.txt").read_text().splitlines()[:60]
    seen = {x for line in train for i, x in enumerate(line.split("\t"))}
    for name, lines in (("train", train), *((n, [line for line in NATIONS.joinpath(f"{n}.txt").read_text().splitlines()
                                                   if set(line.split("\t")) <= seen][:5]) for n in ("valid", "test"))):
        more = (extra or {}).get(name, b"")
        (folder / f"{name}.txt").write_bytes(("\n".join(lines) + "\n").encode() + (more if isinstance(more, bytes) else more.encode()))
    return folder


def _first_train_line() -> str:
    return NATIONS.joinpath("train.txt").read_text().splitlines()[0] + "\n"


KGE_CASES = {
    "test entity never trained": ({"test": "newland\tembassy\tusa\n"}, "test.txt:6: entity 'newland' does not occur in train.txt"),
    "test relation never trained": ({"test": "usa\tnewrel\tuk\n"}, "test.txt:6: relation 'newrel' does not occur in train.txt"),
    "test triple also in train": ({"test": _first_train_line()}, "test.txt:6: the triple is also in train.txt"),
    "training triple twice": ({"train": _first_train_line()}, "train.txt:61: the triple of line 1 again"),
    "latin-1 byte": ({"train": "caf\xe9\tembassy\tusa\n".encode("latin-1")}, "train.txt: not utf-8 text (byte 1486)"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", KGE_CASES)
def test_bad_kge_splits_are_refused_before_any_work(case, tmp_path):
    extra, expect = KGE_CASES[case]
    folder = _splits(tmp_path / "kg", extra)
    run_dir = tmp_path / "run"
    assert_graph_refused(folder, run_dir, expect)


HEADER = "head,head_type,relation,tail,tail_type,weight,sign,unit,condition,cite\n"
DECLARED_CASES = {
    "self-loop": (HEADER + "bench height,Parameters,Positive,bench height,Parameters,0.5,1,,,x\n", "a self-loop on 'bench_height'"),
    "a field beyond the header": (HEADER + "bench height,Parameters,Positive,transport cost,Cost,0.5,1,,,x,extra\n",
                                  "extra.csv:2: 11 fields; expected the header's 10"),
    "header only": (HEADER, "extra.csv: no triples"),
    "latin-1 byte": (HEADER.encode() + "caf\xe9,Parameters,Positive,transport cost,Cost,,,,,x\n".encode("latin-1"), "extra.csv: not utf-8 text"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", DECLARED_CASES)
def test_bad_declared_csv_is_refused(case, tmp_path):
    text, expect = DECLARED_CASES[case]
    path = tmp_path / "extra.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    run_dir = tmp_path / "run"
    declared = ROOT / "conf" / "factors" / "knowledge" / "open_pit_coal.yaml"
    assert_refused(["factors", f"factors.sources.declared=[{declared},{path}]", "factors.sources.data=null", f"hydra.run.dir={run_dir}"],
                   expect, inputs=[path], run_dir=run_dir)


def test_a_declared_csv_with_a_byte_order_mark_reads_as_without(tmp_path):
    from minectl.factors.declared import load_declared

    row = "bench height,Parameters,Positive,transport cost,Cost,0.5,1,,,x\n"
    (tmp_path / "plain.csv").write_text(HEADER + row)
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + (HEADER + row).encode())
    plain, bom = (load_declared([tmp_path / f"{name}.csv"]) for name in ("plain", "bom"))
    assert [(e["head"], e["relation"], e["tail"], e["weight"]) for e in bom.edges] == [("bench_height", "Positive", "transport_cost", 0.5)]
    assert bom.nodes == plain.nodes


TEXT_CASES = {
    "not parquet": (lambda path: path.write_bytes(b"PAR1" + bytes(100)), "triples.parquet: not a parquet table"),
    "NaN weight": (lambda path: pl.DataFrame({"head": ["bench height"], "head_type": ["Parameters"], "relation": ["Positive"],
                                              "tail": ["transport cost"], "tail_type": ["Cost"], "weight": [np.nan]}).write_parquet(path),
                   "triples.parquet row 1: weight NaN; expected a finite number or empty"),
}


def test_a_daily_table_that_is_not_parquet_is_refused(tmp_path):
    path = tmp_path / "daily.parquet"
    path.write_bytes(b"PAR1" + bytes(100))
    run_dir = tmp_path / "run"
    assert_refused(["factors", f"factors.sources.data={path}", f"hydra.run.dir={run_dir}"],
                   "factors.sources.data: " + str(path) + ": not a readable parquet table", inputs=[path], run_dir=run_dir)


@pytest.mark.slow
@pytest.mark.parametrize("case", TEXT_CASES)
def test_bad_text_triples_are_refused(case, tmp_path):
    write, expect = TEXT_CASES[case]
    path = tmp_path / "triples.parquet"
    write(path)
    run_dir = tmp_path / "run"
    assert_refused(["factors", f"factors.sources.text={path}", "factors.sources.data=null", f"hydra.run.dir={run_dir}"], expect,
                   inputs=[path], run_dir=run_dir)


DICTIONARY_CASES = {
    "a term with two types": ("air filter\tPhysicalObject\nAir filter\tState\n".encode(), "line 2: 'Air filter' is State, and PhysicalObject on line 1"),
    "latin-1 byte": ("caf\xe9\tPhysicalObject\n".encode("latin-1"), "terms.tsv: not utf-8 text (byte 3)"),
}


@pytest.mark.parametrize("case", DICTIONARY_CASES)
def test_bad_user_dictionaries_are_refused(case, tmp_path):
    content, expect = DICTIONARY_CASES[case]
    path = tmp_path / "terms.tsv"
    path.write_bytes(content)
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.dictionary={path}", f"hydra.run.dir={run_dir}"], expect,
                   inputs=[path], run_dir=run_dir)
