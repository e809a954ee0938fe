"""`debug=quick` (conf/debug/): every task, and every experiment with its own task, runs end to end in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from minectl.tasks import TASKS
from tests.conftest import read_metrics
from tests.test_config import EXPERIMENTS, experiment_command

REPO = Path(__file__).resolve().parents[1]
SHARED_FAILURES = REPO.parent / "shared/data/equipment_failures/kumar1989_LHD_failures.csv"
SWEEPER = {"bo_lstm": ["hydra.sweeper.n_trials=2"]}  # the sweeper's own settings are the experiment's, not debug's
# an experiment's own values outlast debug=quick: newman1 solves MineLib's CPIT and PCPSP in full (about 90 s, the
# default run's longest case); in the slow set (`python -m pytest -q -m slow`)
SOLVED_IN_FULL = {"newman1"}
MADE_BY = {"RUN_DIR": ["extract", "+experiment=maintie"]}  # a placeholder in an experiment's command -> the run that makes it


def _cases():
    for task in sorted(TASKS):
        yield pytest.param([task], id=task)
    for name in EXPERIMENTS:
        marks = [pytest.mark.skipif(not SHARED_FAILURES.exists(), reason="../shared/data is absent (GPL data, not vendored)")] \
            if name == "equipment_failures" else []
        if name in SOLVED_IN_FULL:
            marks.append(pytest.mark.slow)
        yield pytest.param(experiment_command(name) + SWEEPER.get(name, []), id=name, marks=marks)


@pytest.mark.parametrize("command", _cases())
def test_debug_quick_runs_end_to_end(cli, command, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # the experiments' data paths are relative to the repository root
    for placeholder, making in MADE_BY.items():
        if any(arg.endswith(f"={placeholder}") for arg in command):
            made = cli(*making, "debug=quick", f"hydra.run.dir={tmp_path / 'made'}")
            assert made.exit_code == 0, made.output
            command = [arg.replace(f"={placeholder}", f"={tmp_path / 'made'}") for arg in command]
    sweep, out = "-m" in command, tmp_path / "out"
    result = cli(*command, "debug=quick", f"hydra.{'sweep' if sweep else 'run'}.dir={out}")
    assert result.exit_code == 0, result.output
    runs = sorted(p for p in out.iterdir() if p.name.isdigit()) if sweep else [out]
    assert runs and all(read_metrics(run) for run in runs)
