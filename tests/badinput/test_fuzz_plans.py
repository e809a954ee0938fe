"""Bad-input corpus: mutated copies of MineLib's newman1 (examples/data/minelib_newman1) given to
`minectl schedule`. Each case once said the wrong thing (a line count for a bad value, no line, the
wrong line after a blank line), refused a legal file, or gave a schedule of a file whose coefficient
section was cut short, with exit 0.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from harness import assert_refused, invoke

ROOT = Path(__file__).resolve().parents[2]
NEWMAN1 = ROOT / "examples" / "data" / "minelib_newman1"
UPIT_VALUE = 26086899.02597  # MineLib's published 26,086,899 (1,059 blocks)


def _newman1(tmp_path: Path, suffix: str, edit) -> Path:
    """A copy of newman1 whose .``suffix`` file is ``edit``(its text)."""
    folder = tmp_path / "newman1"
    shutil.copytree(NEWMAN1, folder)
    path = folder / f"newman1.{suffix}"
    path.write_text(edit(path.read_text()))
    return folder


def _args(folder: Path, run_dir: Path, problems: str = "upit") -> list[str]:
    return ["schedule", f"minelib.path={folder}", "minelib.name=newman1", f"schedule.problems=[{problems}]", "schedule.mip=false",
            "loop.enabled=false", f"hydra.run.dir={run_dir}"]


def _cut_resource(text: str, resource: str) -> str:
    """newman1.cpit without the coefficient lines of ``resource``."""
    head, coefficients = text.split("RESOURCE_CONSTRAINT_COEFFICIENTS:\n")
    kept = [line for line in coefficients.splitlines(keepends=True) if line.split()[1:2] != [resource]]
    return head + "RESOURCE_CONSTRAINT_COEFFICIENTS:\n" + "".join(kept)


CASES = {
    # a line not starting with a digit ended the block lines: "5 objective lines; expected one per block (1060)"
    "negative block id": ("upit", lambda t: t.replace("\n5 ", "\n-5 ", 1), "newman1.upit:10: unknown block id -5; expected ids in 0..1059"),
    "value on a line of its own": ("upit", lambda t: t.replace("\n5 -1035.9528\n", "\n5\n-1035.9528\n", 1),
                                   "newman1.upit:10: 1 fields; expected 2 (`block value`)"),
    # no line was named
    "fractional block id": ("upit", lambda t: t.replace("\n5 ", "\n5.5 ", 1), "newman1.upit:10: non-integer block id 5.5; expected ids in 0..1059"),
    "NaN value": ("upit", lambda t: t.replace("\n5 -1035.9528\n", "\n5 nan\n", 1),
                  "newman1.upit:10: '5 nan': objective value is not finite; expected finite numbers"),
    "dangling predecessor": ("prec", lambda t: t.replace("1 2 2 9\n", "1 2 2 5000\n", 1),
                             "newman1.prec:2: block 1 has dangling predecessor 5000; expected ids in 0..1059"),
    "self arc": ("prec", lambda t: t.replace("1 2 2 9\n", "1 3 2 9 1\n", 1),
                 "newman1.prec:2: block 1 is its own predecessor; expected predecessors of other blocks"),
    # the header said only what it expected
    # (a space before the colon, `NBLOCKS : 1060`, is read: test_minelib_files_as_windows_tools_save_them_read_as_the_plain_ones)
    "header key misspelt": ("upit", lambda t: t.replace("NBLOCKS: 1060", "NBLOCK: 1060"), "newman1.upit:3: found 'NBLOCK: 1060'; expected `NBLOCKS:`"),
    "header key missing": ("cpit", lambda t: t.replace("DISCOUNT_RATE: 0.08\n", ""),
                           "newman1.cpit:6: found 'RESOURCE_CONSTRAINT_LIMITS:'; expected `DISCOUNT_RATE:`"),
    # blank lines: rows were numbered from the first one on, so the error named line 10, not 19
    "NaN value under blank lines": ("upit", lambda t: t.replace("\n", "\n\n").replace("\n5 -1035.9528\n", "\n5 nan\n", 1),
                                    "newman1.upit:19: '5 nan': objective value is not finite"),
    "repeated block under blank lines": ("prec", lambda t: t.replace("\n", "\n\n").replace("\n4 1 5\n", "\n3 1 5\n", 1),
                                         "newman1.prec:9: block 3 listed twice; expected each block once"),
    "fractional coefficient index under blank lines": (
        "cpit", lambda t: t.replace("RESOURCE_CONSTRAINT_COEFFICIENTS:\n", "RESOURCE_CONSTRAINT_COEFFICIENTS:\n\n\n\n").replace(
            "\n2 0 ", "\n2.5 0 ", 1), "newman1.cpit:1087: '2.5 0 5184'; expected integer indices and a finite value"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_damaged_newman1_line_is_named_with_what_was_expected(case, tmp_path):
    suffix, edit, expect = CASES[case]
    folder = _newman1(tmp_path, suffix, edit)
    run_dir = tmp_path / "run"
    assert_refused(_args(folder, run_dir, "cpit" if suffix == "cpit" else "upit"), expect, inputs=[folder], run_dir=run_dir)


@pytest.mark.parametrize("resource", ["0", "1"])
def test_limits_on_a_resource_no_block_uses_are_refused(resource, tmp_path):
    """Resource 1's coefficient lines cut: CPIT 23,693,819 with exit 0 instead of 23,586,210 (mip=false);
    every line cut: 26,086,899, the ultimate pit in period 0."""
    folder = _newman1(tmp_path, "cpit", lambda t: _cut_resource(t, resource))
    run_dir = tmp_path / "run"
    assert_refused(_args(folder, run_dir, "cpit"), f"newman1.cpit: resource {resource} has limits but every block's coefficient for it is 0; "
                   "expected `block resource value` lines for each of the 2 resources of NRESOURCE_SIDE_CONSTRAINTS",
                   inputs=[folder], run_dir=run_dir)


def test_a_block_id_with_a_plus_sign_gives_the_published_pit(tmp_path):
    """`+5` was read as the end of the objective lines and refused ("5 objective lines")."""
    folder = _newman1(tmp_path, "upit", lambda t: t.replace("\n5 ", "\n+5 ", 1))
    result = invoke(*_args(folder, tmp_path / "run"))
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (metrics["schedule.upit.value"], metrics["schedule.upit.blocks"]) == (UPIT_VALUE, 1059)
