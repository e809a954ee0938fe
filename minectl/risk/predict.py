"""Scoring new days with a saved risk model: one row per day with a full window."""

from __future__ import annotations

import numpy as np
import polars as pl

from minectl.errors import DataError
from minectl.risk.evaluate import level_names
from minectl.risk.samples import ZScore
from minectl.risk.workflow import Layout, predict_levels, window_rows


def score_days(frame: pl.DataFrame, series: str | None, time: str, model, spec: dict) -> pl.DataFrame:
    """The series/time keys of every day of ``frame`` with a full window, p_<level>, score,
    level and risk name, by ``model`` and its ``spec`` (artefacts.read_spec)."""
    missing = [c for c in spec["dynamic"] + spec["static"] if c not in frame.columns]
    if missing:
        raise DataError(f"risk predict: column {missing[0]!r} of the saved model is not in the new data")
    layout = Layout(spec["dynamic"], spec["static"], spec["window"], spec["n_levels"], series=series, time=time)
    X, keys = window_rows(frame, layout)
    scaler = ZScore()
    scaler.mean_, scaler.sd_ = np.asarray(spec["mean"]), np.asarray(spec["sd"])
    proba, score, levels = predict_levels(model, scaler.transform(X), spec["thresholds"], layout.n_levels)
    names = level_names(layout.n_levels)
    return keys.with_columns(
        *(pl.Series(f"p_{name}", proba[:, k]) for k, name in enumerate(names)),
        pl.Series("score", score), pl.Series("level", levels),
        pl.Series("risk", np.asarray(names)[levels]),
    )
