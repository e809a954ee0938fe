"""A saved LightGBM model read back from a run folder: its sha256 and a child process's full read
stand between an altered lightgbm.txt and LightGBM's C++ reader (which aborted, crashed, looped or
read outside the input row on such files)."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest

from minectl.errors import DataError
from minectl.models.boosting import LightGBMClassifier
from minectl.models.io import load_model, save_model

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 8))
Y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


@pytest.fixture(scope="module")
def fitted():
    return LightGBMClassifier(n_estimators=10, random_state=0).fit(X, Y)


def _saved(fitted, folder):
    save_model(fitted, folder)
    return folder / "lightgbm.txt", folder / "model.json"


def _crafted(folder, edit) -> None:
    """lightgbm.txt edited by ``edit`` (same length: its tree_sizes index stays right) and its sha256
    written into model.json too, as someone crafting a run folder would."""
    text = edit((folder / "lightgbm.txt").read_text())
    (folder / "lightgbm.txt").write_text(text)
    meta = json.loads((folder / "model.json").read_text())
    meta["lightgbm_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    (folder / "model.json").write_text(json.dumps(meta))


def _first_tree_entry(text: str, key: str, digit: str) -> str:
    """``text`` with the first number of the first tree's ``key=`` line written as ``digit``s, as
    many as it had characters (-1 -> 00: LightGBM reads 0)."""
    start = text.index("Tree=0")
    entry = re.compile(rf"^{key}=(\S+)", re.M).search(text, start)
    return text[:entry.start(1)] + digit * len(entry.group(1)) + text[entry.end(1):]


def test_a_saved_model_predicts_the_same_and_records_its_file(fitted, tmp_path):
    text, meta = _saved(fitted, tmp_path)
    assert json.loads(meta.read_text())["lightgbm_sha256"] == hashlib.sha256(text.read_bytes()).hexdigest()
    assert np.array_equal(load_model(tmp_path).predict_proba(X), fitted.predict_proba(X))


def test_a_model_saved_before_the_sha256_was_recorded_still_loads(fitted, tmp_path):
    _, meta = _saved(fitted, tmp_path)
    meta.write_text(json.dumps({k: v for k, v in json.loads(meta.read_text()).items() if k != "lightgbm_sha256"}))
    assert np.array_equal(load_model(tmp_path).predict_proba(X), fitted.predict_proba(X))


def test_a_model_file_changed_since_the_run_is_refused(fitted, tmp_path):
    text, _ = _saved(fitted, tmp_path)
    text.write_text(text.read_text().replace("Tree=3", "Tre3=3"))  # LightGBM's parser aborted the process on it
    with pytest.raises(DataError, match="lightgbm.txt: not the file the run saved"):
        load_model(tmp_path)


@pytest.mark.parametrize("edit, why", [
    (lambda text: _first_tree_entry(text, "left_child", "0"), "the root its own left child: LightGBM's prediction never returned"),
    (lambda text: _first_tree_entry(text, "split_feature", "9"), "a split on input 9 (or 99) of 8: predicted from memory past the row"),
    (lambda text: text.replace("Tree=3", "Tre3=3"), "not a tree where one is expected: the parser aborted the process"),
])
def test_a_crafted_model_is_refused_in_one_line_before_this_process_reads_it(fitted, tmp_path, edit, why):
    _saved(fitted, tmp_path)
    _crafted(tmp_path, edit)
    with pytest.raises(DataError, match=r"lightgbm.txt: LightGBM could not read the model \(.+\); expected the model a run saved"):
        load_model(tmp_path)
