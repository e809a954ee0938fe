"""Bad-input corpus, round 9 (schedule and capacity): MineLib instances written as other tools write
them, block files exported from mine-planning packages, and the rolling optimum's dead band.

Each case once was refused although valid, refused in words that did not say why, or refused inside a
sweep's job after the other jobs had run. The schedules are checked against a brute force over every
period assignment, with scipy's LP for the split of each block among destinations (PCPSP).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from harness import assert_refused, invoke
from scipy.optimize import linprog

from minectl.schedule import minelib

ROOT = Path(__file__).resolve().parents[2]
NEWMAN1 = ROOT / "examples" / "data" / "minelib_newman1"
PRICES = ROOT / "examples" / "data" / "pinksheet_coal" / "coal_monthly_usd_mt.csv"

# -- a 6-block PCPSP as zuck_small or marvin are: two destinations (waste 0, mill 1), several resources -----

PREDS = [[], [], [], [], [0, 1], [2, 3]]  # 4 under 0 and 1, 5 under 2 and 3
VALUES = [[-2, -5], [-1, 3], [-3, -6], [1, 4], [-4, 12], [-2, 7]]  # per destination
TONNES = [1, 1, 1, 1, 2, 2]
RATE = 0.1
MINED = [(b, d, 0, t) for b, t in enumerate(TONNES) for d in range(2)]  # resource 0: tonnes moved, either destination
MILLED = [(b, 1, 1, t) for b, t in enumerate(TONNES)]  # resource 1: tonnes milled
BLEND = [(b, 1, 2, g) for b, g in enumerate([-1, 2, -3, 1, 3, -0.5])]  # resource 2: milled tonnes x (grade - target)
LIMITS = [(0, t, "L", 3) for t in range(3)] + [(1, t, "L", 2) for t in range(3)]


def _pcpsp(limits, coefficients, nl: str = "\n", sep: str = " ", spec_order: bool = False) -> str:
    resources = 1 + max(limit[0] for limit in limits)
    head = ["% by hand, as MineLib's zuck_small", "NAME: zuck_tiny", "TYPE: PCPSP", "NBLOCKS: 6", "NPERIODS: 3", "NDESTINATIONS: 2",
            f"NRESOURCE_SIDE_CONSTRAINTS: {resources}", "NGENERAL_SIDE_CONSTRAINTS: 0", f"DISCOUNT_RATE: {RATE}"]
    limit_lines = ["RESOURCE_CONSTRAINT_LIMITS:", *(sep.join(map(str, limit)) for limit in limits)]
    objective = ["OBJECTIVE_FUNCTION:", *(sep.join(map(str, [b, *v])) for b, v in enumerate(VALUES))]
    uses = ["RESOURCE_CONSTRAINT_COEFFICIENTS:", *(sep.join(map(str, c)) for c in coefficients)]
    body = objective + uses + limit_lines if spec_order else limit_lines + objective + uses
    return nl.join(head + body + ["EOF"]) + nl


def _folder(path: Path, pcpsp: str | bytes) -> Path:
    path.mkdir()
    (path / "t.prec").write_text("".join(f"{b} {len(p)} {' '.join(map(str, p))}".rstrip() + "\n" for b, p in enumerate(PREDS)))
    (path / "t.pcpsp").write_bytes(pcpsp.encode() if isinstance(pcpsp, str) else pcpsp)
    return path


def _brute_force(limits, coefficients) -> float:
    """The best NPV over every period (or none) of each block, each mined block split among the
    destinations by scipy's LP within the limits; -inf when nothing is feasible."""
    resources, periods = 1 + max(limit[0] for limit in limits), 3
    use = np.zeros((resources, 6, 2))
    for b, d, r, value in coefficients:
        use[r, b, d] = value
    low, high = np.full((resources, periods), -np.inf), np.full((resources, periods), np.inf)
    for r, t, kind, *bound in limits:
        low[r, t], high[r, t] = {"L": (-np.inf, bound[0]), "G": (bound[0], np.inf), "I": tuple(bound)}[kind]
    best = -np.inf
    for when in itertools.product(range(-1, periods), repeat=6):
        if any(when[b] >= 0 and any(not 0 <= when[p] <= when[b] for p in PREDS[b]) for b in range(6)):
            continue
        mined = [b for b in range(6) if when[b] >= 0]
        if not mined:
            best = max(best, 0.0) if np.all(low <= 0) and np.all(high >= 0) else best
            continue
        rows, bounds = [], []  # the split y[b, d] of each mined block, in order
        for r, t in itertools.product(range(resources), range(periods)):
            row = [use[r, b, d] if when[b] == t else 0.0 for b in mined for d in range(2)]
            rows += [row, [-v for v in row]]
            bounds += [high[r, t], -low[r, t]]
        finite = np.isfinite(bounds)
        split = linprog([-VALUES[b][d] / (1 + RATE) ** when[b] for b in mined for d in range(2)],
                        A_ub=np.array(rows)[finite], b_ub=np.array(bounds)[finite],
                        A_eq=np.kron(np.eye(len(mined)), np.ones(2)), b_eq=np.ones(len(mined)), bounds=(0, 1), method="highs")
        if split.status == 0:
            best = max(best, -split.fun)
    return best


def _schedule(folder: Path, run_dir: Path) -> dict:
    result = invoke("schedule", f"minelib.path={folder}", "minelib.name=t", "minelib.blocks_file=false", "schedule.problems=[pcpsp]",
                    "loop.enabled=false", "report=false", "schedule.whole_mip=true", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    return json.loads((run_dir / "metrics.json").read_text())


def _schedule_args(folder: Path, run_dir: Path) -> list[str]:
    return ["schedule", f"minelib.path={folder}", "minelib.name=t", "minelib.blocks_file=false", "schedule.problems=[pcpsp]",
            "loop.enabled=false", f"hydra.run.dir={run_dir}"]


# ------------------------------------------------------------------------ MineLib files as shipped

def test_a_pcpsp_in_the_format_texts_section_order_is_the_brute_force_schedule(tmp_path):
    """MineLib's format text lists OBJECTIVE_FUNCTION and RESOURCE_CONSTRAINT_COEFFICIENTS before
    RESOURCE_CONSTRAINT_LIMITS (other readers take sections by name); such a file was refused:
    "found 'OBJECTIVE_FUNCTION:'; expected `RESOURCE_CONSTRAINT_LIMITS:`". Windows line ends, tabs
    and trailing blank lines with it."""
    coefficients = MINED + MILLED
    published = minelib.read_instance(_folder(tmp_path / "published", _pcpsp(LIMITS, coefficients)) / "t.pcpsp")
    folder = _folder(tmp_path / "spec", _pcpsp(LIMITS, coefficients, nl="\r\n", sep="\t", spec_order=True) + "\r\n\r\n")
    read = minelib.read_instance(folder / "t.pcpsp")
    assert minelib.content_sha256(read, minelib.read_prec(folder / "t.prec")) == minelib.content_sha256(
        published, minelib.read_prec(folder / "t.prec"))
    assert read.upper.tolist() == [[3, 3, 3], [2, 2, 2]] and read.coef[1, :, 0].tolist() == [0] * 6
    metrics = _schedule(folder, tmp_path / "run")
    # period 0: blocks 1 and 3 milled (3 + 4); 1: 4 milled with 0 as waste (12 - 2); 2: 5 milled with 2 as waste (7 - 3)
    assert metrics["schedule.pcpsp.value"] == pytest.approx(7 + 10 / 1.1 + 4 / 1.1**2, rel=1e-12)
    assert metrics["schedule.pcpsp.value"] == pytest.approx(_brute_force(LIMITS, coefficients), rel=1e-9)


def test_newman1_with_its_sections_in_the_format_texts_order_is_the_published_instance(tmp_path):
    text = (NEWMAN1 / "newman1.cpit").read_text()
    head, rest = text.split("RESOURCE_CONSTRAINT_LIMITS:\n")
    limits, rest = rest.split("OBJECTIVE_FUNCTION:\n")
    objective, uses = rest.split("RESOURCE_CONSTRAINT_COEFFICIENTS:\n")
    moved = tmp_path / "newman1.cpit"
    moved.write_text(head + "OBJECTIVE_FUNCTION:\n" + objective + "RESOURCE_CONSTRAINT_COEFFICIENTS:\n" + uses.replace("EOF\n", "")
                     + "RESOURCE_CONSTRAINT_LIMITS:\n" + limits + "EOF\n")
    prec = minelib.read_prec(NEWMAN1 / "newman1.prec")
    instance = minelib.read_instance(moved, prec.n_blocks, "cpit")
    assert minelib.published_best("newman1", "cpit", instance, prec) == (23_483_671, None)  # the published content, compared


def test_empty_general_constraint_sections_are_read_and_a_general_constraint_is_refused(tmp_path):
    """NGENERAL_SIDE_CONSTRAINTS: 0 with its sections written empty was "1 fields; expected 4"."""
    text = _pcpsp(LIMITS, MINED + MILLED)
    empty = _folder(tmp_path / "empty", text.replace("EOF", "GENERAL_CONSTRAINT_LIMITS:\nGENERAL_CONSTRAINT_COEFFICIENTS:\nEOF"))
    read = minelib.read_instance(empty / "t.pcpsp")
    assert read.objective.tolist() == VALUES and read.upper.tolist() == [[3, 3, 3], [2, 2, 2]]
    held = _folder(tmp_path / "held", text.replace("EOF", "GENERAL_CONSTRAINT_COEFFICIENTS:\n0 1 0 0 1.5\nEOF"))
    assert_refused(_schedule_args(held, tmp_path / "run"),
                   f"{held / 't.pcpsp'}:44: a line of GENERAL_CONSTRAINT_COEFFICIENTS; expected none (general side constraints are "
                   "not supported)", inputs=[held], run_dir=tmp_path / "run")


@pytest.mark.parametrize("case", ["three resources: a mill limit of 0 in period 1 and a grade blend of at least the target",
                                  "a lower limit on the tonnes moved, an interval on the blend"])
def test_several_resources_and_limit_kinds_give_the_brute_force_schedule(case, tmp_path):
    """Kept as found (no change needed): a second and third resource, G and I limits, a limit of 0 and
    negative uses (a blend) each bind as written."""
    limits = {
        "three resources: a mill limit of 0 in period 1 and a grade blend of at least the target":
            [(0, t, "L", 3) for t in range(3)] + [(1, 0, "L", 2), (1, 1, "L", 0), (1, 2, "L", 2)] + [(2, t, "G", 0) for t in range(3)],
        "a lower limit on the tonnes moved, an interval on the blend":
            [(0, t, "G", 2) for t in range(3)] + [(1, t, "L", 2) for t in range(3)] + [(2, t, "I", -1, 1) for t in range(3)],
    }[case]
    folder = _folder(tmp_path / "ml", _pcpsp(limits, MINED + MILLED + BLEND))
    best = _brute_force(limits, MINED + MILLED + BLEND)
    assert np.isfinite(best)
    assert _schedule(folder, tmp_path / "run")["schedule.pcpsp.value"] == pytest.approx(best, rel=1e-9)


def test_periods_png_shows_every_resource_of_the_file(tmp_path, monkeypatch):
    """Its panels were fixed at resources 0 and 1: a third (the blend) was in periods.parquet but not drawn."""
    from minectl.schedule import plots

    drawn = []
    monkeypatch.setattr(plots, "periods_plot", lambda rows, quantities: drawn.append(quantities) or plots.Figure())
    limits = LIMITS + [(2, t, "G", 0) for t in range(3)]
    _schedule(_folder(tmp_path / "ml", _pcpsp(limits, MINED + MILLED + BLEND)), tmp_path / "run")
    assert [column for column, _ in drawn[0]] == ["value", "resource_0", "resource_1", "resource_2"]


def test_a_price_path_in_percent_is_refused(tmp_path):
    """`loop.price_path=[100,60,140,140]` (meant as percent) ran at 100 to 140 times the gold price with exit 0: a
    rolling re-plan NPV of 2,640,965,500 where the quick model's plans are worth about 22 million."""
    run_dir = tmp_path / "run"
    assert_refused(["schedule", "debug=quick", "loop.price_path=[100,60,140,140]", f"hydra.run.dir={run_dir}"],
                   "error: loop.price_path: 140 is 140 times economics.price_per_oz; expected prices relative to it, at most 10 "
                   "([1, 0.6, 1.4] for 100 %, 60 %, 140 %)", run_dir=run_dir)


# ------------------------------------------------------------------------ block files from other tools

PREC4 = "0 0\n1 0\n2 2 0 1\n3 1 2\n"
UPIT4 = "NAME: t\nTYPE: UPIT\nNBLOCKS: 4\nOBJECTIVE_FUNCTION:\n0 -1\n1 -1\n2 5\n3 -2\n"

BLOCK_FILES = {
    # a header line of column names, as a copy of kd.blocks in a public repository has: was "'id x y z' is not numeric;
    # expected `id x y z` numbers"
    "header line": ("id x y z tonn blockvalue\n0 0 0 1 16380 -12285\n1 1 0 1 16380 -12285\n2 0 0 0 16260 19579\n3 1 0 0 12000 -9000\n",
                    "t.blocks:1: 'id x y z tonn blockvalue' is a header line; expected `id x y z ...` numbers from the first line "
                    "(MineLib's .blocks has no header: remove it or start it with %)"),
    # a CSV export: was "1 fields; expected at least `id x y z`"
    "comma separated": ("0,0,0,1,16380\n1,1,0,1,16380\n2,0,0,0,16260\n3,1,0,0,12000\n",
                        "t.blocks:1: fields separated by ','; expected at least `id x y z`, separated by spaces or tabs"),
}


@pytest.mark.parametrize("case", BLOCK_FILES)
def test_a_block_file_exported_with_a_header_or_commas_is_refused_saying_so(case, tmp_path):
    text, expect = BLOCK_FILES[case]
    folder = tmp_path / "ml"
    folder.mkdir()
    for suffix, content in (("prec", PREC4), ("upit", UPIT4), ("blocks", text)):
        (folder / f"t.{suffix}").write_text(content)
    run_dir = tmp_path / "run"
    assert_refused(["schedule", f"minelib.path={folder}", "minelib.name=t", "schedule.problems=[upit]", "loop.enabled=false",
                    f"hydra.run.dir={run_dir}"], f"{folder / expect}", inputs=[folder], run_dir=run_dir)


# ------------------------------------------------------------------------ capacity

def test_a_dead_band_in_percent_is_refused_before_any_job(tmp_path):
    """`revenue.dead_band=5` (meant as 5 %): job 0 (0.05) ran, then job 1 failed with "expected 0 <= U0 <
    min(-UL, UU), got 5.0"; now refused before any job, in the keys' names."""
    sweep = tmp_path / "sweep"
    assert_refused(["capacity", "-m", f"rolling.path={PRICES}", "rolling.column=coal_australia_usd_mt", "revenue.dead_band=0.05,5",
                    f"hydra.sweep.dir={sweep}"],
                   "error: revenue.dead_band=5: not below the nearest limit of revenue.price_range and cost_range (0.1079); "
                   "expected a fraction 0 <= dead_band < 0.1079 (0.05 for 5 %)")
    assert not sweep.exists()


# was exit 0: the 1st-to-15th move of a semi-monthly price file read as a month's
@pytest.mark.parametrize("dates", [["2024-01-01", "2024-01-15", "2024-02-01", "2024-02-15", "2024-03-01", "2024-03-15"],
                                   [f"2024-{m:02d}-01" for m in range(1, 7)] + ["2024-06-20"] + [f"2024-{m:02d}-01" for m in range(7, 13)]],
                         ids=["semi-monthly", "a mid-month row among months"])
def test_a_rolling_path_with_two_rows_in_a_month_is_refused(dates, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("date,price\n" + "".join(f"{d},{100 + i}\n" for i, d in enumerate(dates)))
    second = dates[1] if dates[1].startswith("2024-01") else "2024-06-20"
    first = "2024-01-01" if second == dates[1] else "2024-06-01"
    assert_refused(["capacity", f"rolling.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: column 'date' has {first} 00:00:00 and {second} 00:00:00 in one month; expected one row per month",
                   inputs=[path], run_dir=tmp_path / "run")
