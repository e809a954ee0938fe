"""minectl.atomic: the one writer of run files replaces its target only on success."""

import os
import stat

import pytest

from minectl.atomic import atomic_path


def usual_mode(folder=False):
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if folder else 0o666) & ~umask


def test_file_replaced_on_success_with_the_usual_mode(tmp_path):
    target = tmp_path / "sub" / "a.json"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and not target.exists()
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == usual_mode()
    assert os.listdir(target.parent) == ["a.json"]


def test_failed_block_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["a.json"]


def test_folder_replaces_an_old_folder_only_on_success(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target, folder=True) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError
    assert os.listdir(target) == ["old.txt"] and os.listdir(tmp_path) == ["model"]
    with atomic_path(target, folder=True) as tmp:
        assert tmp.is_dir() and not any(tmp.iterdir())
        (tmp / "new.txt").write_text("new")
    assert os.listdir(target) == ["new.txt"] and os.listdir(tmp_path) == ["model"]
    assert stat.S_IMODE(target.stat().st_mode) == usual_mode(folder=True)
