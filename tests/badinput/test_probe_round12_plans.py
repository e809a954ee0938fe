"""Round 12 probes of `minectl schedule` and `minectl optimize`: settings read by nothing (the synthetic model's
with a MineLib instance, a full factorial's levels with a table of runs or an lhs design, doe.n with a full
factorial, an outlier share of no run), MineLib files as MineLib serves them, gzipped, and its solution files
verified against the instance (minelib.solutions). Each refusal has a near miss that still runs and gives its
figure (MineLib's published newman1 UPIT value and solution, 3-block instances solved by hand).
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from harness import assert_refused, invoke

ROOT = Path(__file__).resolve().parents[2]
NEWMAN1 = ROOT / "examples" / "data" / "minelib_newman1"
UPIT_VALUE = 26086899.02597  # MineLib's published 26,086,899 (newman1), as test_fuzz_plans


def _upit_args(folder: Path, run_dir: Path, *extra: str) -> list[str]:
    return ["schedule", f"minelib.path={folder}", "schedule.problems=[upit]", "loop.enabled=false", "minelib.blocks_file=false",
            "report=false", f"hydra.run.dir={run_dir}", *extra]


def _gzipped_newman1(folder: Path) -> Path:
    """newman1's .prec and .upit as MineLib's site serves them: gzipped, and only so."""
    folder.mkdir()
    for name in ("newman1.prec", "newman1.upit"):
        (folder / f"{name}.gz").write_bytes(gzip.compress((NEWMAN1 / name).read_bytes()))
    return folder


# 3 blocks, block 2 under 0 and 1; one resource, 1 a block, 2 a period; 2 periods at 10 %
CPIT = "\n".join(["NAME: t", "TYPE: CPIT", "NBLOCKS: 3", "NPERIODS: 2", "NRESOURCE_SIDE_CONSTRAINTS: 1", "DISCOUNT_RATE: 0.1",
                  "RESOURCE_CONSTRAINT_LIMITS:", "0 0 L 2", "0 1 L 2", "OBJECTIVE_FUNCTION:", "0 -1", "1 2", "2 3",
                  "RESOURCE_CONSTRAINT_COEFFICIENTS:", "0 0 1", "1 0 1", "2 0 1", "EOF", ""])


@pytest.fixture(scope="module")
def gzipped_quick_run(tmp_path_factory):
    """One UPIT run on the gzipped newman1 with debug=quick (which sets a smaller synthetic model and fewer periods:
    not the user's, so not refused with minelib.path)."""
    root = tmp_path_factory.mktemp("gz")
    folder = _gzipped_newman1(root / "minelib")
    result = invoke(*_upit_args(folder, root / "run", "debug=quick", f"+minelib.solutions.upit={NEWMAN1 / 'newman1_upit.sol'}"))
    return result, root / "run"


# -- the synthetic model's settings with minelib.path ------------------------------------------------

@pytest.mark.parametrize("override", ["schedule.periods=3", "schedule.processing_share=0.4", "synthetic.write_minelib=true",
                                      "synthetic={nx:4}"])
def test_a_synthetic_model_setting_with_a_minelib_instance_is_refused(override, tmp_path):
    # each ran newman1's own 6 periods and limits, exit 0, the setting read by nothing
    key = override.split("=")[0]
    assert_refused(_upit_args(NEWMAN1, tmp_path / "run", override),
                   f"error: {override}: a setting of the synthetic block model, and minelib.path's instance has its own blocks, "
                   f"periods and resource limits, which the run uses; expected no {key} with minelib.path", run_dir=tmp_path / "run")


def test_debug_quick_with_a_minelib_instance_still_runs_from_gzipped_files(gzipped_quick_run):
    result, run = gzipped_quick_run
    assert result.exit_code == 0, result.output
    assert json.loads((run / "metrics.json").read_text())["schedule.upit.value"] == pytest.approx(UPIT_VALUE, abs=1e-6)
    assert "MineLib best known 26,086,899 (+0.00%)" in result.output  # the gzipped copy is the published instance


def test_a_published_solution_file_is_verified_against_the_instance(gzipped_quick_run):
    # MineLib's newman1_upit.sol: its 1,059 blocks make the published optimum, and the pit is closed
    result, run = gzipped_quick_run
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["schedule.upit.solution.value"] == pytest.approx(UPIT_VALUE, abs=1e-6)
    assert (metrics["schedule.upit.solution.blocks"], metrics["schedule.upit.solution.feasible"]) == (1059, 1)


def test_an_infeasible_solution_file_is_said_so_with_its_npv(tmp_path):
    # block 2 (under 0 and 1) mined without block 0: by hand 2 + 3 = 5, infeasible; the pit itself is 1 and 2 (value 5 - 1 = 4)
    folder = tmp_path / "minelib"
    folder.mkdir()
    (folder / "t.prec").write_text("0 0\n1 0\n2 2 0 1\n")
    (folder / "t.upit").write_text("NAME: t\nTYPE: UPIT\nNBLOCKS: 3\nOBJECTIVE_FUNCTION:\n0 -1\n1 2\n2 3\n")
    (folder / "t.sol").write_text("1\n2\n")
    result = invoke("schedule", f"minelib.path={folder}", "minelib.name=t", "minelib.blocks_file=false", "schedule.problems=[upit]",
                    "loop.enabled=false", "report=false", f"+minelib.solutions.upit={folder / 't.sol'}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    assert "infeasible: block 2 (period 0) mined before its predecessor 0 (not mined)" in " ".join(result.output.split())
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (metrics["schedule.upit.solution.value"], metrics["schedule.upit.solution.feasible"]) == (5, 0)
    assert metrics["schedule.upit.value"] == pytest.approx(4, abs=1e-9)


def test_an_empty_solution_file_is_refused_not_verified_as_mining_nothing(tmp_path):
    from minectl.errors import DataError
    from minectl.schedule import minelib

    (tmp_path / "t.cpit").write_text(CPIT)
    (tmp_path / "empty.sol").write_text("% solver stopped\n")  # was: NPV 0, 0 blocks, feasible
    with pytest.raises(DataError, match=r"empty\.sol: no solution lines; expected a line per mined block \(2 or 4 fields for a CPIT"):
        minelib.read_solution(tmp_path / "empty.sol", minelib.read_instance(tmp_path / "t.cpit"))


@pytest.mark.parametrize("extra, expect", [
    ([], "minelib.solutions: {'upit': 'x.sol'} verifies solutions of a MineLib instance; expected minelib.path with it"),
    ([f"minelib.path={NEWMAN1}"], "minelib.solutions.upit: upit is not solved (schedule.problems=['cpit']); expected upit in "
                                  "schedule.problems with it, or no value for it")])
def test_a_solution_file_no_solve_reads_is_refused(extra, expect, tmp_path):
    assert_refused(["schedule", "schedule.problems=[cpit]", "loop.enabled=false", "+minelib.solutions.upit=x.sol", *extra, f"hydra.run.dir={tmp_path / 'run'}"],
                   f"error: {expect}", run_dir=tmp_path / "run")


# -- gzipped MineLib files ------------------------------------------------------------------------------

def test_a_file_named_gz_that_is_not_gzip_is_refused_in_one_line(tmp_path):
    folder = _gzipped_newman1(tmp_path / "minelib")
    shutil.copyfile(NEWMAN1 / "newman1.upit", folder / "newman1.upit.gz")  # renamed, not compressed
    assert_refused(_upit_args(folder, tmp_path / "r1"), f"{folder / 'newman1.upit.gz'}: not readable as gzip (",
                   inputs=[folder], run_dir=tmp_path / "r1")
    from minectl.errors import DataError
    from minectl.schedule import minelib

    cut = gzip.compress((NEWMAN1 / "newman1.prec").read_bytes())
    (tmp_path / "cut.prec.gz").write_bytes(cut[: len(cut) // 2])  # a download cut short
    with pytest.raises(DataError, match=r"cut\.prec\.gz: not readable as gzip \(Compressed file ended"):
        minelib.read_prec(tmp_path / "cut.prec.gz")


def test_a_gzipped_file_is_checked_as_the_plain_one_naming_its_line(tmp_path):
    from minectl.errors import DataError
    from minectl.schedule import minelib

    prec = tmp_path / "t.prec.gz"
    prec.write_bytes(gzip.compress(b"0 0\r\n1 0\r\n2 2 0 7\r\n"))  # Windows line ends; a dangling predecessor on line 3
    with pytest.raises(DataError, match=r"t\.prec\.gz:3: block 2 has dangling predecessor 7; expected ids in 0\.\.2"):
        minelib.read_prec(prec)
    saved = tmp_path / "saved.prec"  # gzip data under the plain name, as a browser may save the download: read too
    saved.write_bytes(gzip.compress(b"0 0\n1 0\n2 2 0 1\n"))
    assert minelib.read_prec(saved).preds.tolist() == [0, 1]
    upit = tmp_path / "t.upit.gz"
    upit.write_bytes(gzip.compress("NAME: t\nTYPE: UPIT\nNBLOCKS: 2\nOBJECTIVE_FUNCTION:\n0 1\n1 é\n".encode()))
    with pytest.raises(DataError, match=r"t\.upit\.gz: not ascii text \(byte 56 decompressed\); expected a MineLib text file"):
        minelib.read_instance(upit)


def test_a_gzipped_cpit_gives_the_plain_files_schedule(tmp_path):
    # CPIT by hand: block 1 in period 0 (2), blocks 0 and 2 in period 1 ((-1 + 3) / 1.1): 3.818181...; 0 and 1 first,
    # then 2, gives 3.7272... (a block may be mined in its predecessors' period)
    from minectl.schedule import minelib
    from minectl.schedule.cpit import solve_schedule

    (tmp_path / "t.cpit.gz").write_bytes(gzip.compress(CPIT.replace("\n", "\r\n").encode()))
    (tmp_path / "t.prec.gz").write_bytes(gzip.compress(b"0 0\n1 0\n2 2 0 1\n"))
    instance = minelib.read_instance(tmp_path / "t.cpit.gz", 3, "cpit")
    result = solve_schedule(instance, minelib.read_prec(tmp_path / "t.prec.gz", 3), time_limit=30)
    assert result.value == pytest.approx(2 + 2 / 1.1, abs=1e-6)
    assert result.solution.period.tolist() == [1, 0, 1]


# -- optimize: a design's settings read by nothing ------------------------------------------------------

def _check(*overrides: str):
    """tasks.optimize.check of the composed config (as the pre-check composes it)."""
    from hydra import compose, initialize_config_module

    from minectl.cli import schemas
    from minectl.config import register_schemas
    from minectl.tasks.optimize import check

    register_schemas(schemas())
    with initialize_config_module("minectl.conf", version_base=None):
        return check(compose("optimize", overrides=list(overrides)))


def _seed_runs(path: Path) -> Path:
    """The seed's design, 8 heights x 4 thicknesses, as a table of runs (responses linear in both)."""
    rows = [(h, w, 30 - h + w / 2, 1000 + 10 * h - 3 * w) for h in range(18, 26) for w in (0.5, 4 / 3, 13 / 6, 3.0)]
    path.write_text("pillar_height_m,sidewall_thickness_m,subsidence_cm,ore_t\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


DESIGNS = {  # each ran, exit 0, the setting read by nothing
    "levels with a table of runs": (["simulator=table", "simulator.path=RUNS", "doe.levels.pillar_height_m=5"],
                                    "doe.levels={'pillar_height_m': 5, 'sidewall_thickness_m': 11}: levels of the full factorial "
                                    "simulator=pim runs, and simulator=table's runs are those of simulator.path; expected the default "
                                    "doe.levels (the file is the design) with simulator=table"),
    "doe.n with a full factorial": (["doe.n=40"], "doe.n=40: the size of an lhs or sobol design, and doe=full_factorial runs every "
                                    "combination of doe.levels; expected doe=lhs or doe=sobol with doe.n, or doe.levels"),
    "levels with an lhs design": (["doe=lhs", "doe.n=40", "+doe.levels.pillar_height_m=3"],
                                  "doe.levels={'pillar_height_m': 3}: levels of a full factorial, and doe=lhs draws doe.n points; "
                                  "expected doe=full_factorial with doe.levels, or doe.n=40 alone"),
    "levels of no variable": (["+doe.levels.pillar_heigth_m=3"], "doe.levels.pillar_heigth_m: not a variable; expected levels for "
                              "optimize.variables: pillar_height_m, sidewall_thickness_m"),
    # 0.005 x 70 training runs rounds to 0 outliers: the clean fit was reported as the perturbed one
    "an outlier share of no run": (["optimize.robustness.outlier_share=0.005", "optimize.robustness.outlier_magnitude=0.5"],
                                   "optimize.robustness.outlier_share=0.005 of 70 training runs rounds to no outlier; expected more "
                                   "than 0.00714 (one run), or 0"),
}


@pytest.mark.parametrize("case", DESIGNS)
def test_a_design_setting_the_design_does_not_use_is_refused(case, tmp_path):
    overrides, expect = DESIGNS[case]
    runs = _seed_runs(tmp_path / "runs.csv")
    overrides = [o.replace("RUNS", str(runs)) for o in overrides]
    assert_refused(["optimize", "debug=quick", *overrides, f"hydra.run.dir={tmp_path / 'run'}"], f"error: {expect}",
                   inputs=[runs], run_dir=tmp_path / "run")


@pytest.mark.parametrize("overrides", [["doe=lhs", "doe.n=40"], ["doe.kind=lhs", "doe.n=12"],
                                       ["doe.levels.pillar_height_m=5"], ["simulator=table", "simulator.path=RUNS"]])
def test_the_near_designs_pass_the_check(overrides, tmp_path):
    # doe.kind=lhs keeps the full factorial group's levels, which are not the user's
    runs = _seed_runs(tmp_path / "runs.csv")
    assert _check(*(o.replace("RUNS", str(runs)) for o in overrides)) == (
        ["pillar_height_m", "sidewall_thickness_m"], ["subsidence_cm", "ore_t"])
