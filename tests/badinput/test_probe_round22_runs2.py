"""Round 22, runs (2): same command, same seed, identical figures across environments; here the one
setting found unread: a thread count in `hydra.job.env_set`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Logs the POLARS_MAX_THREADS that polars sees as it loads: it sizes its thread pool then, once.
HOOK = '''import os, sys
class _Hook:
    def find_spec(self, name, path=None, target=None):
        if name == "polars":
            with open(os.environ["POLARS_SEEN_LOG"], "a") as log:
                log.write(f"{os.environ.get('POLARS_MAX_THREADS')}\\n")
            sys.meta_path.remove(self)
        return None
sys.meta_path.insert(0, _Hook())
'''


@pytest.mark.parametrize("env_set, seen", [
    (["+hydra.job.env_set.POLARS_MAX_THREADS=1"], "1"),  # was the shell's 3: Hydra set it after polars had loaded
    ([], "3"),  # near miss: no env_set, the shell's value as before
])
def test_env_set_thread_count_reaches_polars_of_a_run(tmp_path: Path, env_set: list[str], seen: str):
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK)
    log = tmp_path / "polars.log"
    env = os.environ | {"PYTHONPATH": str(tmp_path / "hook"), "POLARS_SEEN_LOG": str(log), "POLARS_MAX_THREADS": "3"}
    done = subprocess.run([sys.executable, "-m", "minectl.cli", "capacity", *env_set, f"hydra.run.dir={tmp_path / 'run'}"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    assert log.read_text().split() == [seen]
    assert (tmp_path / "run" / "metrics.json").is_file()
