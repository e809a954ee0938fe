"""Round 18 probes of `minectl schedule`'s loop: drill holes, a stope history and a deferral beyond the synthetic model
(loop.holes above its columns, loop.history above its blocks, loop.defer_periods past the horizon) were cut to the
model's size and the run reported under the value asked, exit 0, not a word: loop.holes=100 and 1000 on 10 x 10 columns
were one run. Now refused before any job; the largest value that means something still runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from harness import assert_refused

QUICK = {"synthetic": {"nx": 10, "ny": 10, "nz": 5}, "schedule": {"periods": 4}}  # debug=quick's model: 100 columns, 500 blocks


def _estimates(holes: int, history: int):
    """The loop's (static, ML) estimates on a 4 x 3 x 2 model (12 columns, 24 blocks), fitted by linear models."""
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from minectl.schedule.blockmodel import generate
    from minectl.schedule.loop import Surrogates, estimate

    surrogates = Surrogates(LinearRegression(), LinearRegression(), LogisticRegression())
    static, ml, _ = estimate(generate(4, 3, 2, seed=0), holes=holes, history=history, seed=0, surrogates=surrogates)
    return np.concatenate([static.grade, ml.grade, ml.dilution, ml.burst])


def test_holes_and_history_beyond_the_model_change_no_estimate():
    """Why the refusals below hold: 12 holes on 12 columns drill every column, as 13 or 100 did; 24 stopes of 24 blocks
    are every block, as 25 or 500 were. Below the model's size each value is its own run."""
    assert np.array_equal(_estimates(12, 24), _estimates(13, 24))
    assert np.array_equal(_estimates(12, 24), _estimates(100, 500))
    assert not np.array_equal(_estimates(11, 24), _estimates(12, 24))
    assert not np.array_equal(_estimates(12, 23), _estimates(12, 24))


@pytest.mark.parametrize("override, line", [
    ("loop.holes=101", "error: loop.holes=101: more than synthetic.nx x ny = 100 columns of blocks (one hole each); expected at "
                       "most 100 (a larger value runs as 100)"),
    ("loop.history=1000", "error: loop.history=1000: more than the synthetic model's 500 blocks (one stope each); expected at "
                          "most 500 (a larger value runs as 500)"),
    ("loop.defer_periods=5", "error: loop.defer_periods=5: more than schedule.periods=4 (deferred that long: never mined in "
                             "the horizon); expected at most 4 (a larger value runs as 4)"),
])
def test_loop_settings_beyond_the_synthetic_model_are_refused(tmp_path, override, line):
    run = tmp_path / "run"
    assert_refused(["schedule", "debug=quick", override, f"hydra.run.dir={run}"], line, run_dir=run)


def test_a_sweep_value_beyond_the_model_is_refused_before_any_job(tmp_path):
    """loop.holes=50,100,200: 200 ran as 100, a third job of the second's figures."""
    assert_refused(["schedule", "-m", "debug=quick", "loop.holes=50,100,200", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   "error: loop.holes=200: more than synthetic.nx x ny = 100 columns", run_dir=tmp_path / "sweep")


@pytest.fixture(autouse=True)
def _outside_a_hydra_run(monkeypatch):
    """check() reads the command line of the Hydra run it is in: not the one an earlier test's invoke left behind."""
    from hydra.core.hydra_config import HydraConfig

    monkeypatch.setattr(HydraConfig.instance(), "cfg", None)


def _check(**loop):
    from omegaconf import OmegaConf

    from minectl.tasks.schedule import Config, check

    check(OmegaConf.merge(OmegaConf.structured(Config), QUICK, {"loop": loop}))


@pytest.mark.parametrize("loop", [dict(holes=100), dict(history=500), dict(defer_periods=4),
                                  dict(holes=100, history=500, defer_periods=4)])
def test_the_model_size_itself_passes(loop):
    """The near misses: every column drilled, every block a stope, risky blocks deferred past the horizon."""
    _check(**loop)


def test_the_sizes_are_checked_only_where_the_loop_runs():
    """The loop off: loop.holes=300 is refused as a setting of a part that is off, not by a size; with MineLib files the
    loop is skipped (its settings said by the run) and the synthetic model (16 x 16 = 256 columns) has no say."""
    from omegaconf import OmegaConf

    from minectl.errors import ConfigError
    from minectl.tasks.schedule import Config, check

    base = OmegaConf.merge(OmegaConf.structured(Config), {"loop": {"holes": 300}})
    with pytest.raises(ConfigError, match=r"a setting of the loop .* which is off \(loop.enabled=false\)") as off:
        check(OmegaConf.merge(base, {"loop": {"enabled": False}}))
    assert "columns" not in str(off.value)
    check(OmegaConf.merge(base, {"minelib": {"path": "examples/data/minelib_newman1"}}))
    with pytest.raises(ConfigError, match=r"^loop.holes=300: more than synthetic.nx x ny = 256 columns"):
        check(base)


@pytest.mark.parametrize("model", [dict(synthetic={"nx": 4, "ny": 4, "nz": 2}), dict(schedule={"periods": 1})])
def test_a_default_cut_to_a_small_model_still_runs(model):
    """The defaults (40 holes, 300 stopes, a 2-period deferral) on 4 x 4 x 2 blocks or one period: no one asked for
    more than the model holds; checked, as before, only for what else is wrong."""
    from omegaconf import OmegaConf

    from minectl.tasks.schedule import Config, _check_loop_sizes

    _check_loop_sizes(OmegaConf.merge(OmegaConf.structured(Config), model))


# -- capacity: a cobweb file whose output is one value from its second period on ------------------------------------


def test_a_flat_supply_response_is_refused(tmp_path):
    """Output 100, then 120 in every period (a mine at its nameplate): the supply line Q_t = a1 + b1 P_(t-1) explains four
    equal values, R^2 0/0: metrics cobweb.r2_supply NaN, exit 0. The whole output column varies, which was all checked."""
    path = tmp_path / "cobweb.csv"
    path.write_text("output,price\n100,300\n120,310\n120,305\n120,320\n120,330\n")
    run = tmp_path / "run"
    assert_refused(["capacity", f"cobweb.path={path}", f"hydra.run.dir={run}"],
                   "error: cobweb.output_column: all 4 values equal 120; the cobweb model needs outputs that vary in the periods "
                   "after the first (supply: each period's output from the price of the period before)", inputs=[path], run_dir=run)


def test_a_supply_response_of_one_step_is_fitted_by_hand():
    """The near miss: 121 once among the 120s. Supply by hand: prices before 300, 310, 305, 320 (mean 308.75), outputs after
    120, 120, 121, 120 (mean 120.25): Sxy = -3.75, Sxx = 218.75, Syy = 0.75, b1 = Sxy / Sxx, R^2 = Sxy^2 / (Sxx Syy)."""
    from minectl.capacity.curves import fit_cobweb

    fit = fit_cobweb([100, 120, 120, 121, 120], [300, 310, 305, 320, 330])
    b1 = -3.75 / 218.75
    assert fit.b1 == pytest.approx(b1) and fit.a1 == pytest.approx(120.25 - b1 * 308.75)
    assert fit.r2_supply == pytest.approx(3.75**2 / (218.75 * 0.75))
