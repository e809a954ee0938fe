"""Round 18, runs: hydra/sweeper=optuna's settings checked before the sweep's folder is made. Before, a direction
typo, n_trials=0 or n_jobs=0 ran into Optuna's own error after the sweep had started ("the sweeper stopped: ...
No trials are completed yet; expected jobs that finish", exit 1), and two directions made every trial fail in
Optuna (each job returns the one value of objective=) while the sweep ended exit 0 with no best value found.
And a search's params given as a mapping (hydra.sweeper.params={x: ...}), which OmegaConf cannot merge into the
null node: a traceback before, one line now."""

from __future__ import annotations

import pytest
import yaml
from conftest import write_tiny_mine
from harness import assert_refused, invoke

DAYS = 5  # the tiny mine's days: cost.days of each demo job


@pytest.fixture(scope="module")
def search(tmp_path_factory) -> list[str]:
    """A demo search on the tiny mine that returns cost.days to Optuna."""
    mine = write_tiny_mine(tmp_path_factory.mktemp("mine") / "mine")
    return ["demo", "-m", "data=parquet_dir", f"data.dir={mine}", "hydra/sweeper=optuna", "objective=cost.days"]


@pytest.mark.parametrize("setting, expect", [
    ("hydra.sweeper.direction=minimse", "hydra.sweeper.direction=minimse: expected minimize or maximize"),
    ("hydra.sweeper.direction=MAXIMIZE", "hydra.sweeper.direction=MAXIMIZE: expected minimize or maximize"),  # Optuna's too
    # before: exit 0, every trial "Failed experiment", optimization_results.yaml `solutions: []`
    ("hydra.sweeper.direction=[minimize,maximize]", "hydra.sweeper.direction=[minimize,maximize]: expected minimize or "
     "maximize, one direction for the one metric each job returns (objective=)"),
    ("hydra.sweeper.n_trials=0", "hydra.sweeper.n_trials=0: expected a count of trials >= 1"),
    ("hydra.sweeper.n_jobs=0", "hydra.sweeper.n_jobs=0: expected a count of trials run at once >= 1"),  # before: ZeroDivisionError
    ("hydra.sweeper.max_failure_rate=1.5", "hydra.sweeper.max_failure_rate=1.5: expected a share of failed trials from 0 to 1"),
])
def test_an_optuna_setting_that_would_stop_or_empty_the_search_is_refused_before_its_folder(search, tmp_path, setting, expect):
    sweep = tmp_path / "sweep"
    assert assert_refused([*search, setting, f"hydra.sweep.dir={sweep}"], expect, run_dir=sweep).startswith(f"error: {expect}")
    assert not sweep.exists()


def test_one_direction_as_a_list_of_one_still_searches(search, tmp_path):
    sweep = tmp_path / "sweep"
    result = invoke(*search, "hydra.sweeper.direction=[maximize]", "hydra.sweeper.n_trials=1",
                    "hydra.sweeper.max_failure_rate=1", f"hydra.sweep.dir={sweep}")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((sweep / "optimization_results.yaml").read_text())["best_value"] == DAYS
    assert sorted(p.name for p in sweep.iterdir() if p.is_dir()) == ["0"]


@pytest.mark.parametrize("override, expect", [
    # before: AttributeError: 'NoneType' object has no attribute 'get' (a traceback)
    ('hydra.sweeper.params={seed:"range(0,3)"}', "'hydra.sweeper.params' is null in this config and takes no mapping from "
     "an override; expected the mapping in a config file (--config-dir), or a search's values as overrides of their own"),
    # before: "one of [...all the overrides...] sets a key under a null node"
    ('++hydra.sweeper.params.seed="range(0,3)"', "'hydra.sweeper.params' is null in this config; expected a key that exists"),
])
def test_a_searchs_params_as_a_mapping_override_is_one_line(search, tmp_path, override, expect):
    sweep = tmp_path / "sweep"
    line = assert_refused([*search, override, f"hydra.sweep.dir={sweep}"], expect, run_dir=sweep)
    assert line.startswith(f"error: {override}: {expect}")
    assert not sweep.exists()
