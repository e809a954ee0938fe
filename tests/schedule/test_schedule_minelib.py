"""MineLib readers and writers: the vendored newman1 files, round trips and one-line refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from minectl.errors import DataError
from minectl.schedule import minelib
from minectl.schedule.blockmodel import generate, instance_of

NEWMAN1 = Path(__file__).resolve().parents[2] / "examples/data/minelib_newman1"


@pytest.fixture(scope="module")
def newman1():
    prec = minelib.read_prec(NEWMAN1 / "newman1.prec")
    return prec, {kind: minelib.read_instance(NEWMAN1 / f"newman1.{kind}", prec.n_blocks) for kind in ("upit", "cpit", "pcpsp")}


def test_newman1_files_read_as_the_readme_states(newman1):
    prec, inst = newman1
    assert prec.n_blocks == 1060 and len(prec.preds) == 3922
    assert list(prec.preds[prec.start[9]: prec.start[10]]) == [3, 7, 10, 14, 20]  # line `9 5 3 7 10 14 20`
    cpit, pcpsp = inst["cpit"], inst["pcpsp"]
    assert (cpit.n_periods, cpit.n_resources, cpit.discount_rate) == (6, 2, 0.08)
    assert np.all(cpit.upper == [[2e6] * 6, [1.1e6] * 6]) and np.all(np.isneginf(cpit.lower))
    assert inst["upit"].objective[1, 0] == 24829.116 and cpit.objective[13, 0] == 100319.013
    assert pcpsp.n_destinations == 2 and list(pcpsp.objective[0]) == [-2236.7886, -36475.56586]
    assert cpit.coef[1, 987, 0] == 5184 and cpit.coef[0, 0, 0] == 2192.93  # `987 1 5184`, block 0's tonnes
    assert pcpsp.coef[1, 1058, 1] == 3323.7 and pcpsp.coef[1, 1058, 0] == 0
    ids, xyz, extra = minelib.read_blocks(NEWMAN1 / "newman1.blocks")
    assert len(ids) == 1060 and list(xyz[1]) == [1, 1, 15] and extra[1][0] == "FROR"


def test_round_trip_of_a_generated_instance(tmp_path):
    model = generate(5, 4, 3, seed=1, slope_radius=1.5)
    values = np.column_stack([-np.arange(60.0), np.linspace(-50, 80, 60).round(3)])
    for kind in ("CPIT", "PCPSP"):
        inst = instance_of("g", values, model.tonnes * 1.1, 3, 2e4, 1e4, 0.1, kind)
        back = minelib.read_instance(minelib.write_instance(tmp_path / f"g.{kind.lower()}", inst))
        for name in ("objective", "coef", "lower", "upper"):
            assert np.array_equal(getattr(back, name), getattr(inst, name)), (kind, name)
        assert (back.kind, back.n_periods, back.discount_rate) == (kind, 3, 0.1)
        period = np.where(np.arange(60) % 3 == 0, -1, np.arange(60) % 3)
        sol = minelib.Solution.from_periods(period, inst.n_destinations)
        read = minelib.read_solution(minelib.write_solution(tmp_path / f"g_{kind}.sol", kind, sol), inst)
        assert np.array_equal(read.period, period) and np.array_equal(read.share, sol.share)
    prec = minelib.read_prec(minelib.write_prec(tmp_path / "g.prec", model.prec))
    assert np.array_equal(prec.start, model.prec.start) and np.array_equal(prec.preds, model.prec.preds)


UPIT_HEAD = "NAME: t\nTYPE: UPIT\nNBLOCKS: 3\nOBJECTIVE_FUNCTION:\n"
CPIT_HEAD = "NAME: t\nTYPE: CPIT\nNBLOCKS: 2\nNPERIODS: 1\nNRESOURCE_SIDE_CONSTRAINTS: 1\nDISCOUNT_RATE: 0.1\n"


@pytest.mark.parametrize("suffix, text, expect", [
    ("prec", "0 0\n1 1 0\n", "2 lines; expected one per block (3)"),
    ("prec", "0 0\n1 1 7\n2 0\n", "block 1 has dangling predecessor 7"),
    ("prec", "0 0\n1 2 0\n2 0\n", "f.prec:2: expected `block count pred1 .. predcount`"),
    ("prec", "0 0\n1 1 x\n2 0\n", "'x' is not an integer block id"),
    ("prec", "0 0\n1 1 -1\n2 0\n", "f.prec:2: '-1' is not an integer block id"),
    ("prec", "0 0\n1 1 1234567890123456\n2 0\n", "a number of 16 digits; expected block ids and counts"),
    ("prec", "0 0\r\n1\t1   1\r\n2 0\n", "block 1 is its own predecessor"),  # CR LF, tabs and runs of spaces split tokens
    ("prec", "0 0\n5 0\n2 0\n", "f.prec:2: unknown block id 5"),
    ("prec", "0 0\n0 0\n2 0\n", "block 0 listed twice"),
    ("upit", UPIT_HEAD + "0 1.5\n1 abc\n2 3\n", "f.upit:6: '1 abc' is not numeric"),
    ("upit", UPIT_HEAD + "0 1.5\n1 2\n", "2 objective lines; expected one per block (3)"),
    ("upit", UPIT_HEAD + "0 1.5\n1 2\n9 3\n", "unknown block id 9"),
    ("upit", "NAME: t\nTYPE: XPIT\nNBLOCKS: 3\n", "TYPE 'XPIT'; expected one of UPIT, CPIT, PCPSP"),
    ("upit", "NAME: t\nTYPE: UPIT\nNBLOCKS: three\n", "NBLOCKS 'three'; expected an integer >= 1"),
    ("cpit", CPIT_HEAD + "RESOURCE_CONSTRAINT_LIMITS:\n0 0 Q 5\n", "f.cpit:8: '0 0 Q 5'; expected `resource period L|G value`"),
    ("cpit", CPIT_HEAD + "RESOURCE_CONSTRAINT_LIMITS:\n0 0 L 5\nOBJECTIVE_FUNCTION:\n0 1\n1 2\n"
                         "RESOURCE_CONSTRAINT_COEFFICIENTS:\n0 3 1\nEOF\n", "destination or resource index out of range"),
    ("cpit", CPIT_HEAD + "RESOURCE_CONSTRAINT_LIMITS:\n0 0 L 5\nOBJECTIVE_FUNCTION:\n0 1\n1 2\n", "expected `RESOURCE_CONSTRAINT_COEFFICIENTS:`"),
])
def test_malformed_files_are_refused_in_one_line(tmp_path, suffix, text, expect):
    path = tmp_path / f"f.{suffix}"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        (minelib.read_prec(path, 3) if suffix == "prec" else minelib.read_instance(path))
    assert expect in str(err.value) and "\n" not in str(err.value)


def test_solution_files_refuse_two_periods_and_unknown_blocks(tmp_path, newman1):
    _, inst = newman1
    (tmp_path / "a.sol").write_text("3 0 1 1.0\n3 0 2 1.0\n")
    with pytest.raises(DataError, match="block 3 in periods 1 and 2"):
        minelib.read_solution(tmp_path / "a.sol", inst["cpit"])
    (tmp_path / "b.sol").write_text("1060 0\n")
    with pytest.raises(DataError, match="unknown block id 1060"):
        minelib.read_solution(tmp_path / "b.sol", inst["cpit"])
    (tmp_path / "c.sol").write_text("3 0 9 1.0\n")
    with pytest.raises(DataError, match="period or share out of range"):
        minelib.read_solution(tmp_path / "c.sol", inst["pcpsp"])
    with pytest.raises(DataError, match="newman1.LPcpit:30: block 28 in periods 0 and 1"):  # MineLib's LP file is fractional
        minelib.read_solution(NEWMAN1 / "newman1.LPcpit", inst["cpit"])
