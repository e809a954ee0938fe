"""The distribution fits' progress: one step a family tried (fitted or not), the same fits with or
without a bar, and `minectl uncertainty`'s "distribution fits" bar full at series x families."""

from __future__ import annotations

import contextlib

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from minectl.cli import app
from minectl.results import Run
from minectl.uncertainty.distributions import FAMILIES, fit_all


@pytest.mark.parametrize("shift", [0.0, -5.0])  # shifted below 0: the four positive families are not fitted
def test_fit_all_advances_once_a_family_and_fits_the_same(shift):
    x = np.random.default_rng(4).gamma(3, 2, 400) + shift
    steps, skipped = [], {}
    with_bar = fit_all(x, FAMILIES, skipped=skipped, advance=steps.append)
    assert steps == [1] * len(FAMILIES)
    assert len(skipped) == (4 if shift else 0)
    assert with_bar == fit_all(x, FAMILIES)  # frozen dataclasses: every parameter and statistic equal


def test_censored_fits_count_the_families_they_leave_out():
    rng = np.random.default_rng(6)
    x, censored = rng.weibull(1.5, 60) * 100, rng.random(60) < 0.3
    steps = []
    fits = fit_all(x, FAMILIES, censored=censored, advance=steps.append)
    assert sum(steps) == len(FAMILIES) and len(fits) == 5  # normal + the four positive families
    assert fits == fit_all(x, FAMILIES, censored=censored)


def test_uncertainty_fills_the_fits_bar_and_writes_the_same_tables(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    pl.DataFrame({"machine": ["a"] * 80 + ["b"] * 80, "hours": rng.gamma(2, 50, 160)}).write_csv(tmp_path / "t.csv")
    args = ["uncertainty", f"dataset.path={tmp_path / 't.csv'}", "dataset.column=hours", "dataset.group_by=machine",
            "dataset.name=t", "dataset.transforms=[level]", "uncertainty.n_resamples=199", "uncertainty.families=[normal,gamma,beta]"]
    quiet = tmp_path / "quiet"
    assert CliRunner().invoke(app, [*args, f"hydra.run.dir={quiet}"], catch_exceptions=False).exit_code == 0

    bars: dict[str, list] = {}

    @contextlib.contextmanager
    def progress(self, total, description):
        bars[description] = [total, 0]
        yield lambda n=1: bars[description].__setitem__(1, bars[description][1] + n)

    monkeypatch.setattr(Run, "progress", progress)
    counted = tmp_path / "counted"
    assert CliRunner().invoke(app, [*args, f"hydra.run.dir={counted}"], catch_exceptions=False).exit_code == 0
    assert bars == {"bootstrap resamples": [2 * 199, 2 * 199], "distribution fits": [2 * 3, 2 * 3]}
    for table in ("bootstrap", "fits"):
        assert pl.read_parquet(counted / "tables" / f"{table}.parquet").equals(pl.read_parquet(quiet / "tables" / f"{table}.parquet"))
