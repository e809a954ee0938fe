"""minectl.isolated.read_in_child: a compiled reader's crash, failure or hang becomes a ValueError."""

from __future__ import annotations

import pytest

from minectl.isolated import read_in_child


def test_a_reader_that_reads_the_file_passes():
    read_in_child("import sys; assert open(sys.argv[1], 'rb').read() == b'model bytes'", b"model bytes")


def test_the_child_imports_nothing_from_this_processs_folder(tmp_path, monkeypatch):
    (tmp_path / "lightgbm.py").write_text("raise SystemExit('a lightgbm.py of the current folder was imported')")
    monkeypatch.chdir(tmp_path)
    read_in_child("import lightgbm", b"")


@pytest.mark.parametrize("code, expected", [
    ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "its reader crashed (signal 11)"),
    ("import os; os.abort()", "its reader crashed (signal 6)"),
    ("raise ValueError('bad tree 3')", "ValueError: bad tree 3"),
    ("import sys; sys.exit(3)", "its reader failed"),
    ("import time; time.sleep(30)", "its reader did not return within 1 s"),
])
def test_a_crash_a_failure_or_a_hang_is_one_error(code, expected):
    with pytest.raises(ValueError) as refused:
        read_in_child(code, b"model bytes", timeout=1)
    assert str(refused.value) == expected
