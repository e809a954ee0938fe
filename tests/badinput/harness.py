"""The bad-input corpus' one assertion: a refused input ends clean.

Clean means: a non-zero exit (2 unless told), exactly one non-blank output line, starting with
`error: ` and naming what is wrong, no traceback, the inputs byte-identical, no partial
results in the run folder and no secret in the output.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Sequence

from typer.testing import CliRunner

from minectl.cli import app

RESULT_NAMES = ("metrics.json", "provenance.json", "tables", "plots", "summary.parquet", "report.html")


def invoke(*args):
    """`minectl *args` in this process; an exception fails the test with its traceback."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def tiny_sweep(root: Path, task: str) -> tuple[list[str], Path]:
    """A two-job sweep (seed=0,1) of ``task`` on its own copy of the tiny mine under ``root``: the
    data overrides and the sweep folder."""
    from conftest import write_tiny_mine

    data = ["data=parquet_dir", f"data.dir={write_tiny_mine(root / 'mine')}"]
    result = invoke(task, "-m", *data, "seed=0,1", f"hydra.sweep.dir={root / 'sweep'}")
    assert result.exit_code == 0, result.output
    return data, root / "sweep"


QUICK_RISK = ["debug=quick", "risk.lead_times=[0]", "risk.robustness.enabled=false", "risk.importance.enabled=false", "model=lr"]


def quick_uncertainty(path: Path, run: Path, *extra: str, column: str = "value") -> list[str]:
    """`minectl uncertainty` arguments for one ``column`` of the file ``path``, run into ``run``: levels and log
    returns, the normal family, 99 resamples, no report (quick); ``extra`` overrides after them."""
    return ["uncertainty", f"dataset.path={path}", f"dataset.column={column}", "dataset.group_by=null",
            "dataset.transforms=[level,log_return]", "uncertainty.n_resamples=99", "uncertainty.families=[normal]",
            "uncertainty.autocorrelation_alpha=null", "report=false", f"hydra.run.dir={run}", *extra]


def run_metrics(args: Sequence[str], run: Path) -> dict:
    """metrics.json of `minectl *args`, whose run folder is ``run``; the run must succeed."""
    import json

    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())


def demo_and_risk_runs(root: Path) -> dict[str, Path]:
    """A finished demo run on the tiny mine and a quick risk run under ``root``, by name, for tests
    that damage copies of them."""
    from conftest import write_tiny_mine

    runs = {"demo": root / "demo", "risk": root / "risk"}
    for args in (["demo", "data=parquet_dir", f"data.dir={write_tiny_mine(root / 'mine')}"], ["risk", *QUICK_RISK]):
        result = invoke(*args, f"hydra.run.dir={runs[args[0]]}")
        assert result.exit_code == 0, result.output
    return runs


def demo_risk_and_sweep(root: Path) -> dict[str, Path]:
    """demo_and_risk_runs, and a finished two-job demo sweep (seed=0,1) on the same tiny mine, as "sweep"."""
    runs = demo_and_risk_runs(root) | {"sweep": root / "sweep"}
    result = invoke("demo", "-m", "data=parquet_dir", f"data.dir={root / 'mine'}", "seed=0,1", f"hydra.sweep.dir={runs['sweep']}")
    assert result.exit_code == 0, result.output
    return runs


def copy_without(run: Path, folder: Path, name: str) -> Path:
    """A copy of ``run`` in ``folder`` less its file ``name`` (report.html, status.json...)."""
    import shutil

    copy = Path(shutil.copytree(run, folder / run.name))
    (copy / name).unlink()
    return copy


def status_on_page(run: Path) -> tuple[str, str]:
    """(status, error) that `minectl report RUN` shows on the run's page, the error's HTML entities read."""
    import html
    import re

    result = invoke("report", run)
    assert result.exit_code == 0, result.output
    page = (run / "report.html").read_text()
    status = re.search(r'<span class="status [^"]*" id="status">([^<]*)</span>', page).group(1)
    error = re.search(r'<p class="error" id="error">([^<]*)</p>', page)
    return status, html.unescape(error.group(1)) if error else ""


def snapshot(paths: Iterable[Path]) -> dict[str, str]:
    """sha256 of every file under the given files and folders."""
    found: dict[str, str] = {}
    for path in map(Path, paths):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            found[str(file)] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def every_file_text(folder: Path) -> str:
    """All files below ``folder`` as text: where a secret must not be written."""
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def partial_results(folder: Path | None) -> list[str]:
    """Result files a failed run must not leave (its .hydra/ and status.json may stay)."""
    if folder is None or not Path(folder).exists():
        return []
    return sorted(str(p) for name in RESULT_NAMES for p in Path(folder).rglob(name)) + sorted(
        str(p) for p in Path(folder).rglob("*.tmp")
    )


def assert_refused(
    args: Sequence[object],
    expect: str | Sequence[str],
    *,
    inputs: Iterable[Path] = (),
    run_dir: Path | None = None,
    secrets: Sequence[str] = (),
    exit_code: int = 2,
    in_process: bool = True,
) -> str:
    """Run `minectl *args`; assert it was refused cleanly; return the error line.

    ``expect``: text (or texts) the one line must contain; ``inputs``: files and folders that
    must stay byte-identical; ``run_dir``: where no partial result may appear;
    ``in_process=False`` runs the installed command as a user does (warnings and all).
    """
    inputs = list(inputs)
    before = snapshot(inputs)
    if in_process:
        result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)
        output, code = result.output, result.exit_code
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"uncaught {type(result.exception).__name__}: {result.exception}\n{output}"
        )
    else:
        done = subprocess.run([sys.executable, "-m", "minectl.cli", *map(str, args)], capture_output=True,
                              text=True, timeout=300)
        output, code = done.stdout + done.stderr, done.returncode
    assert code == exit_code, f"exit {code}, expected {exit_code}\n{output}"
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{output}"
    line = lines[0]
    assert line.startswith("error: "), line
    assert "Traceback" not in output
    for text in [expect] if isinstance(expect, str) else expect:
        assert text in line, f"{text!r} not in: {line}"
    for secret in secrets:
        assert secret not in output, f"secret in output: {line}"
    assert snapshot(inputs) == before, "an input was modified"
    assert not partial_results(run_dir), f"partial results left: {partial_results(run_dir)}"
    return line


def assert_corpus_refused(tmp_path: Path, name: str, content: str, expect: str) -> None:
    """`minectl factors extract` of a corpus file ``name`` holding ``content``: refused in one line
    holding ``expect``, the file unchanged, no run folder left."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.corpus={path}", f"hydra.run.dir={run_dir}"], expect,
                   inputs=[path], run_dir=run_dir)


def assert_graph_refused(folder: Path, run_dir: Path, expect: str | Sequence[str]) -> None:
    """`minectl factors` of the KGE splits in ``folder`` (no cost data): refused in one line holding
    ``expect``, the splits unchanged, nothing left in ``run_dir``."""
    assert_refused(["factors", f"factors.kge.graph={folder}", "factors.sources.data=null", f"hydra.run.dir={run_dir}"], expect,
                   inputs=[folder], run_dir=run_dir)
