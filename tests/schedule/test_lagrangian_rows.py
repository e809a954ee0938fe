"""The Lagrangian bound reads the resource rows and costs of the time-indexed CPIT model without
building its LP: the LP's ordering rows (arcs x periods) were 10 GB of a 15 GB peak at a
McLaughlin-sized instance (112,500 blocks, 3.4 M arcs, 20 periods; benchmarks/real_scale.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from minectl.schedule import cpit, minelib
from minectl.schedule.blockmodel import Economics, block_values, generate, instance_of

NEWMAN1 = Path(__file__).resolve().parents[2] / "examples/data/minelib_newman1"


def _generated() -> tuple[minelib.Instance, minelib.Precedence]:
    model = generate(8, 8, 4, seed=1)
    values = block_values(model.tonnes, model.grade, model.dilution, model.burst_probability, Economics())
    mining = 0.1 * model.tonnes.sum()
    return instance_of("g", values, model.tonnes, 4, mining, 0.5 * mining, 0.1), model.prec


def _newman1() -> tuple[minelib.Instance, minelib.Precedence]:
    prec = minelib.read_prec(NEWMAN1 / "newman1.prec")
    return minelib.read_instance(NEWMAN1 / "newman1.cpit", prec.n_blocks), prec


@pytest.mark.parametrize("case", [_newman1, _generated], ids=["newman1", "generated"])
@pytest.mark.parametrize("earliest", ["zero", "earliest periods"])
def test_the_capacity_rows_are_the_lps_last_rows_and_its_costs(case, earliest):
    inst, prec = case()
    first = (cpit.earliest_periods(inst, prec, cpit.topological_order(prec)) if earliest != "zero"
             else np.zeros(inst.n_blocks, np.int64))
    model = cpit._Model(inst, prec, np.minimum(first, inst.n_periods - 1))
    matrix, cost = model.capacity_rows()
    lp = model.lp(integer=False)
    whole = sparse.csc_matrix((lp.a_matrix_.value_, lp.a_matrix_.index_, lp.a_matrix_.start_), shape=(lp.num_row_, lp.num_col_))
    last = whole[lp.num_row_ - matrix.shape[0]:]
    assert (last != matrix).nnz == 0 and np.array_equal(cost, np.asarray(lp.col_cost_))
    assert np.array_equal(inst.upper.ravel(), np.asarray(lp.row_upper_)[lp.num_row_ - matrix.shape[0]:])


def test_the_lagrangian_bound_builds_no_lp(monkeypatch):
    inst, prec = _generated()
    monkeypatch.setattr(cpit._Model, "lp", lambda self, integer: pytest.fail("lagrangian_bound built the whole LP"))
    found = cpit.solve_schedule(inst, prec, relaxation="lagrangian", lagrangian_iterations=20, mip=False)
    assert np.isfinite(found.lp_bound) and found.lp_bound >= found.value
