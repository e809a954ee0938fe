"""Every example command of README.md runs as written (from a fresh working folder, in README
order, so a command may use what an earlier one wrote), and every `$ command` / `error: ...`
pair of its text blocks prints that error. Commands that train or sweep are slow-marked; those
reading ../shared/data skip with the reason when it is absent."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SHARED_DATA = ROOT.parent / "shared" / "data"
# Commands that only print (no run): the default test run keeps them; the rest are slow.
FAST = ("minectl --help", "minectl --version", "minectl demo --cfg job")
# Set-up lines install packages (CI runs them itself, verbatim, in .ci/run).
SETUP = ("pip install",)
# Hours of training on two cores: run by hand, not by the tests.
BY_HAND = {"minectl risk -m model=lr,svm,lightgbm,lstm,rf,lstm_rf seed=0,1,2,3,4 hydra/launcher=joblib hydra.sweep.dir=multirun/table3":
           "30 full risk trainings (hours on 2 cores)",
           "minectl summarize multirun/table3 --by model --metric test.accuracy --metric test.f1_macro --metric test.auc":
           "reads the 30-job sweep above"}


def bash_commands(text: str, fence: str = "bash") -> dict[str, str]:
    """The commands of the ```<fence> blocks (a regex; "[a-z]*": every block), continuation lines
    joined -> their comment."""
    commands = {}
    for block in re.findall(rf"```{fence}\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            command, _, comment = line.partition(" #")
            if command.strip() and not command.strip().startswith("#"):
                commands[" ".join(command.split())] = comment
    return commands


def error_examples(text: str) -> list[tuple[str, str]]:
    """(command, error line) pairs of the ```text blocks: `$ minectl ...` then `error: ...`."""
    pairs = []
    for block in re.findall(r"```text\n(.*?)```", text, re.S):
        lines = block.splitlines()
        pairs += [(line[2:], lines[i + 1]) for i, line in enumerate(lines[:-1]) if line.startswith("$ minectl")]
    return pairs


COMMENTS = bash_commands(README)
COMMANDS = [c for c in COMMENTS if not c.startswith(SETUP)]


def test_the_readme_lists_commands_to_run():
    assert len(COMMANDS) > 20 and "minectl demo" in COMMANDS and FAST[0] in COMMANDS


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("readme")  # a fresh folder: what a command writes stays here


def _marks(command: str) -> list:
    marks = [] if command in FAST else [pytest.mark.slow]
    if command in BY_HAND:
        marks.append(pytest.mark.skip(reason=BY_HAND[command]))
    if "../shared/data" in COMMENTS[command] and not SHARED_DATA.is_dir():
        marks.append(pytest.mark.skip(reason=f"{SHARED_DATA} is absent (the project workspace's shared data)"))
    return marks


def in_process(command: str, cwd: Path):
    """``minectl ...`` through its Typer app in this process (no interpreter start-up): code, output."""
    from typer.testing import CliRunner

    from minectl.cli import app

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        result = CliRunner().invoke(app, shlex.split(command)[1:])
    return result.exit_code, result.output


@pytest.mark.parametrize("command", [pytest.param(c, marks=_marks(c), id=c[:60]) for c in COMMANDS])
def test_a_readme_command_runs_as_written(command, workdir):
    if command in FAST:
        code, output = in_process(command, workdir)
        assert code == 0, output
        return
    done = subprocess.run(shlex.split(command), cwd=workdir, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.mark.parametrize("command, error", error_examples(README))
def test_a_readme_error_example_prints_that_error(command, error, tmp_path):
    code, output = in_process(command, tmp_path)
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, output
    pattern = re.escape(error).replace(re.escape("..."), ".*")  # "..." in the README: the rest of a long line
    assert re.fullmatch(pattern, lines[0]), f"quoted: {error}\nprinted: {lines[0]}"
    assert not any(tmp_path.iterdir())  # refused before any work: no run folder
