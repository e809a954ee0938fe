"""Compiled readers of files from someone else, tried in a child process first.

crfsuite's and LightGBM's model readers (C, C++) trust the file: a damaged or altered one can
crash the process (a segmentation fault, an abort) or never return. A saved run folder may come
from anyone, so its model is first read in a child process, where a crash or a hang costs only
the child and becomes one error line. Standard library only.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["read_in_child"]


def read_in_child(code: str, data: bytes, timeout: float = 120) -> None:
    """Run the Python ``code`` in a child process with ``sys.argv[1]`` a temp file holding ``data``;
    raise ValueError, naming how it failed, unless it exits with 0 within ``timeout`` seconds. The
    child starts in the temp folder (the first entry of its path: nothing else there to import)
    and keeps this process's environment, so it imports the same packages (PYTHONPATH included)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model"
        path.write_bytes(data)
        try:
            result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise ValueError(f"its reader did not return within {timeout:g} s") from None
    if result.returncode < 0:
        raise ValueError(f"its reader crashed (signal {-result.returncode})")
    if result.returncode != 0:
        raise ValueError((result.stderr.decode(errors="replace").strip().splitlines() or ["its reader failed"])[-1])
