"""minectl.models.safe_io on the regressors (linear, tree, forest, histogram gradient boosting):
loaded models predict bit-identically, gradient boosting even trains on identically (its random
generator saved), and tampered files are refused by the allow-list and the tree checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor

from minectl.errors import DataError
from minectl.models.safe_io import load_estimator, save_estimator

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 3))
Y = X[:, 0] + np.sin(3 * X[:, 1]) + 0.1 * RNG.normal(size=300)
WITH_NAN = np.where(np.arange(300)[:, None] % 17 == 0, np.nan, X)  # gradient boosting routes missing values


def hgb():
    return HistGradientBoostingRegressor(max_iter=20, max_features=0.5, random_state=0)  # max_features: its generator in use


@pytest.mark.parametrize("make, data", [
    (LinearRegression, X),
    (lambda: DecisionTreeRegressor(random_state=0), X),
    (lambda: RandomForestRegressor(n_estimators=5, random_state=0), X),
    (hgb, WITH_NAN),
], ids=["linear", "tree", "forest", "hgb"])
def test_loaded_regressors_predict_bit_identically(make, data, tmp_path):
    model = make().fit(data, Y)
    save_estimator(model, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    assert type(loaded) is type(model) and loaded is not model
    assert np.array_equal(loaded.predict(data), model.predict(data))
    assert "pickle" not in (tmp_path / "m.json").read_text()


def test_gradient_boosting_state_round_trips(tmp_path):
    """Its trees' structured node arrays survive np.savez / np.load(allow_pickle=False) with their
    dtype; its feature-subsampling generator comes back in the same state, so warm-started training
    continues identically; its loss object (not saved) is rebuilt from its parameters."""
    model = hgb().fit(WITH_NAN, Y)
    save_estimator(model, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    nodes, back = model._predictors[0][0].nodes, loaded._predictors[0][0].nodes
    assert back.dtype == nodes.dtype and back.dtype.names and np.array_equal(back, nodes)
    assert type(loaded._loss) is type(model._loss)
    assert loaded._feature_subsample_rng.bit_generator.state == model._feature_subsample_rng.bit_generator.state
    for m in (model, loaded):
        m.set_params(warm_start=True, max_iter=30).fit(WITH_NAN, Y)
    assert np.array_equal(loaded.predict(WITH_NAN), model.predict(WITH_NAN))


def test_tampered_files_are_refused(tmp_path):
    save_estimator(LinearRegression().fit(X, Y), tmp_path / "linear")
    text = (tmp_path / "linear.json").read_text()
    (tmp_path / "linear.json").write_text(text.replace("sklearn.linear_model._base.LinearRegression", "os.system"))
    with pytest.raises(DataError, match=r"linear.json: class 'os.system' is not in minectl's allow-list of loadable models"):
        load_estimator(tmp_path / "linear")

    model = hgb().fit(X, Y)
    save_estimator(model, tmp_path / "hgb")
    tree = json.loads((tmp_path / "hgb.json").read_text())
    with np.load(tmp_path / "hgb.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    first_tree = next(k for k, v in arrays.items() if v.dtype.names and "left" in v.dtype.names)
    arrays[first_tree]["left"][0] = 0  # the root's left child is the root: a cycle compiled code would follow
    np.savez(tmp_path / "hgb.npz", **arrays)
    with pytest.raises(DataError, match="a gradient-boosting tree whose nodes point outside the tree or the 3 features"):
        load_estimator(tmp_path / "hgb")

    text = json.dumps(tree).replace('"PCG64"', '"MT19937"')
    save_estimator(model, tmp_path / "hgb")
    (tmp_path / "hgb.json").write_text(text)
    with pytest.raises(DataError, match=r"random generator 'MT19937'; expected one of \['PCG64'\]"):
        load_estimator(tmp_path / "hgb")


@pytest.mark.parametrize(("field", "value"), [("left_child", 0), ("right_child", 10_000), ("feature", 7)])
def test_a_decision_tree_pointing_outside_itself_is_refused(tmp_path, field, value):
    """A forest's trees are walked by compiled code too: a child that loops back or lies past the
    last node, or a split on a feature the input lacks, would read outside the arrays."""
    save_estimator(RandomForestRegressor(n_estimators=2, random_state=0).fit(X, Y), tmp_path / "forest")
    with np.load(tmp_path / "forest.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    nodes = next(k for k, v in arrays.items() if v.dtype.names and "left_child" in v.dtype.names)
    arrays[nodes][field][0] = value  # the root
    np.savez(tmp_path / "forest.npz", **arrays)
    with pytest.raises(DataError, match="forest.json: a decision tree whose nodes point outside the tree or the 3 features"):
        load_estimator(tmp_path / "forest")


def test_the_same_tree_saves_the_same_bytes_whatever_its_padding_holds(tmp_path):
    """A tree's node records have 7 padding bytes that hold whatever memory held (a model rebuilt
    from files and saved again had other bytes): saved zeroed, so model.json's sha256 of the file
    is the same each time the same model is saved."""
    model = DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, Y)
    save_estimator(model, tmp_path / "clean")
    state = model.tree_.__getstate__()
    nodes = state["nodes"]
    dirty = np.frombuffer(bytearray(b"\xff" * nodes.nbytes), dtype=nodes.dtype)  # not .copy(): it leaves padding as malloc had it
    for name in nodes.dtype.names:
        dirty[name] = nodes[name]
    model.tree_.__setstate__({**state, "nodes": dirty})
    assert model.tree_.__getstate__()["nodes"].tobytes()[57:64] == b"\xff" * 7  # the first node's padding
    save_estimator(model, tmp_path / "dirty")
    assert (tmp_path / "dirty.npz").read_bytes() == (tmp_path / "clean.npz").read_bytes()
    assert np.array_equal(load_estimator(tmp_path / "dirty").predict(X), model.predict(X))
