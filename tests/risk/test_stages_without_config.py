"""The risk stages from Python, without a config: a table source, rule labels, one lead time,
the saved model and its spec, and scoring new days with them."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression

from minectl.errors import ConfigError
from minectl.risk import artefacts, inputs
from minectl.risk.labels import LabelRule
from minectl.risk.predict import score_days
from minectl.risk.workflow import run_lead


@pytest.fixture()
def source(tmp_path):
    rng = np.random.default_rng(3)
    n = 240
    path = tmp_path / "steps.csv"
    pl.DataFrame({
        "load": rng.normal(size=n).cumsum(), "wear": rng.normal(size=n),
        "shift": rng.choice(["day", "night"], size=n), "site": np.repeat([1.0, 2.0], n // 2),
    }).write_csv(path)
    return inputs.table_source(str(path), ["shift"], ["site"])


def test_table_source_and_daily_frame(source):
    assert (source.static, source.series, source.time) == (["site"], None, "step")
    assert source.frame["step"].to_list() == list(range(240))
    _, layout = inputs.daily_frame(source, 5, 3, [], ["wear"], reserved=[])
    assert layout.dynamic == ["load", "shift=day", "shift=night"]  # excluded, static and time left out
    assert (layout.window, layout.label) == (5, inputs.LABEL)
    with pytest.raises(ConfigError, match="^dynamic: column 'nope'"):
        inputs.daily_frame(source, 5, 3, ["nope"], [], reserved=[])


def test_saved_run_scores_its_test_days_again(source, tmp_path):
    frame, layout = inputs.daily_frame(source, 5, 3, ["load", "wear"], [], reserved=[])
    frame = inputs.with_rule_labels(frame, layout, [LabelRule("load", 0.5, 1.0)], 20, 1, 2)
    assert set(frame[inputs.LABEL].unique()) == {0, 1, 2}
    result = run_lead(frame, layout, 0, lambda: LogisticRegression(max_iter=500), 0.15, 0.2, None)
    artefacts.save_model_dir(result.model, tmp_path / artefacts.MODEL_DIR)
    spec = artefacts.model_spec(result, layout)
    model = artefacts.load_saved_model(tmp_path / artefacts.MODEL_DIR, len(spec["mean"]))
    scored = score_days(frame, None, "step", model, spec)
    assert scored.height == frame.height - layout.window + 1
    test = result.predictions.select("step", "level", "score").join(scored, on="step")  # the time column keeps its name
    assert test.height == result.metrics["samples"]["test"]
    np.testing.assert_array_equal(test["level"], test["level_right"])
    np.testing.assert_allclose(test["score"], test["score_right"])
