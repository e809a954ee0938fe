"""The benchmark scripts refuse a misspelt argument before generating anything (a format name not
known ran the generator with no size and failed deep inside it, after minutes of other formats)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "real_scale.py"


@pytest.mark.parametrize("args, expect", [
    (["--formats", "kge,mclauglin"], "--formats: unknown 'mclauglin'; expected names from kge, wn18rr, minelib, mclaughlin"),
    (["--scales", "1,0"], "--scales 1,0: expected positive whole multiples, such as 1,2,4"),
    (["--scales", "1.5"], "--scales 1.5: expected positive whole multiples"),
])
def test_real_scale_refuses_unknown_formats_and_scales(args, expect, tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), *args, "--keep", str(tmp_path / "kept")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and expect in done.stderr, done.stderr
    assert not (tmp_path / "kept").exists()
