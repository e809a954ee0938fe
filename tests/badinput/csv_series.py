"""What the csv reading tests share (test_separators.py, test_csv_consistency.py): a text file
written as given, a monthly price series, the `minectl uncertainty` run that reads it, and a
run's metrics."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app

MONTHS = [dt.date(2020, m, 1) for m in range(1, 13)]
PRICES = [1100.5 + 37.25 * i + (i % 3) for i in range(12)]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def metrics(args: list[object], run: Path) -> dict:
    """metrics.json of `minectl *args` run into ``run`` (asserted to succeed)."""
    result = CliRunner().invoke(app, [*map(str, args), f"hydra.run.dir={run}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())


def uncertainty(path: Path) -> list[object]:
    """`minectl uncertainty` of the series file ``path`` (columns m, v), small and fast."""
    return ["uncertainty", f"dataset.path={path}", "dataset.column=v", "dataset.date_column=m", "dataset.transforms=[level,log_return]",
            "uncertainty.n_resamples=99", "uncertainty.families=[normal]"]


def assert_series_refused(folder: Path, text: str, expect: str) -> None:
    """`minectl uncertainty` of the series file ``text`` is refused in one line naming the file and ``expect``."""
    path, run = write(folder / "series.csv", text), folder / "run"
    assert_refused([*uncertainty(path), f"hydra.run.dir={run}"], [str(path), expect], inputs=[path], run_dir=run)
