"""Round 22, docs: the lines the docs quote are the ones minectl prints now. docs/configuration.md's
example of `verify` on a run whose table was edited lacked the `changed` line round 22 added (the
table's sha256 against status.json's); this test failed before the example was corrected.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import invoke

ROOT = Path(__file__).resolve().parents[2]
VERIFY_LINES = ("changed ", "differs ", "not reproduced", "reproduced", "note ")


@pytest.fixture
def run(tmp_path: Path) -> Path:
    """A demo run on the tiny mine (5 days), as the doc's example has it."""
    folder = tmp_path / "run"
    data = ["data=parquet_dir", f"data.dir={write_tiny_mine(tmp_path / 'mine')}"]
    assert invoke("demo", *data, "report=false", f"hydra.run.dir={folder}").exit_code == 0
    return folder


def quoted_verify_example() -> list[str]:
    """The lines of docs/configuration.md's plain block that quotes `verify` (its first line says what changed)."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    block = re.search(r"```\n((?:changed|differs) .*?)```", text, re.S)
    assert block, "docs/configuration.md quotes no verify output"
    return block.group(1).splitlines()


def test_verify_of_an_edited_table_prints_the_lines_configuration_md_quotes(run):
    daily = run / "tables" / "daily.parquet"
    frame = pl.read_parquet(daily)  # the doc's example: row 3's cost doubled after the run
    frame.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(pl.col("cost") * 2).otherwise(pl.col("cost"))).write_parquet(daily)
    result = invoke("verify", run)
    said = [line for line in result.output.splitlines() if line.startswith(VERIFY_LINES)]
    assert result.exit_code == 1 and said == quoted_verify_example(), result.output


def test_an_edit_within_the_tolerance_is_a_note_above_reproduced(run):
    """The valid near miss the corrected sentence names: the replay matches within --rtol, exit 0, the edit said."""
    daily = run / "tables" / "daily.parquet"
    pl.read_parquet(daily).with_columns(pl.col("cost") * (1 + 1e-12)).write_parquet(daily)
    result = invoke("verify", run, "--rtol", "1e-8")
    said = [line for line in result.output.splitlines() if line.startswith(VERIFY_LINES)]
    assert result.exit_code == 0, result.output
    assert said[0].startswith("note tables/daily.parquet differs from the one the run wrote") and said[1].startswith("reproduced: ")
