"""Inputs that are there but are no regular file: a named pipe (`mkfifo`, a shell's `<(...)`) and
the devices /dev/zero and /dev/null. Before, a pipe or /dev/zero as a data path hung the command
(its input is hashed and then parsed: read to its end twice, and /dev/zero has none); /dev/null
was "file not found"; a KGE split that is a pipe was "missing" in a folder said to hold it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from harness import assert_refused


def _pipe(path: Path) -> Path:
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command, key", [
    (["capacity"], "cobweb.path"),
    (["forecast"], "series"),
    (["uncertainty"], "dataset.path"),
    (["risk", "data=duckdb"], "data.path"),
])
def test_a_named_pipe_as_a_data_file_is_refused(command, key, tmp_path, deadline):
    pipe = _pipe(tmp_path / "data.csv")
    assert_refused([*command, f"{key}={pipe}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{pipe}: a named pipe; expected a regular file (save the data to a file first)", run_dir=tmp_path / "run")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_as_a_data_file_is_refused(device, tmp_path, deadline):
    assert_refused(["capacity", f"cobweb.path={device}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{device}: a character device; expected a regular file", run_dir=tmp_path / "run")


def test_a_knowledge_graph_split_that_is_a_pipe_is_named_as_one(tmp_path, deadline):
    folder = tmp_path / "graph"
    folder.mkdir()
    for name in ("train", "valid", "test"):
        _pipe(folder / f"{name}.txt")
    assert_refused(["factors", f"factors.kge.graph={folder}", "factors.sources.data=null", "factors.kge.models=[]",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{folder / 'train.txt'}: a named pipe; the folder holds test.txt, train.txt, valid.txt", run_dir=tmp_path / "run")
