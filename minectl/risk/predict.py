"""Scoring new days with a saved risk model: one row per day with a full window."""

from __future__ import annotations

import numpy as np
import polars as pl

from minectl.errors import DataError
from minectl.risk.evaluate import level_names
from minectl.risk.samples import ZScore
from minectl.risk.tables import METHOD_PREFIX
from minectl.risk.workflow import Layout, predict_levels, window_rows


def model_columns(frame: pl.DataFrame, spec: dict, series: str | None, categorical: list[str] = (),
                  time: str | None = None) -> pl.DataFrame:
    """``frame`` holding every feature column of the saved model (``spec``: artefacts.read_spec), a
    one-hot level the rows lack as zeros (_known_levels); a column the model needs that the rows
    lack is refused. ``categorical``: the one-hot columns of a table input (minectl.risk.tables.one_hot);
    ``series``, ``time``: the key columns, never features (a table without a time column: the 'step' minectl adds)."""
    one_hot = {column: f"{column}=" for column in categorical}
    if series is not None:  # a mine's daily accounts: the static one-hot mining method
        one_hot["mining_method"] = METHOD_PREFIX
    frame = _known_levels(frame, spec["dynamic"] + spec["static"], one_hot)
    missing = [c for c in spec["dynamic"] + spec["static"] if c not in frame.columns]
    if missing:
        columns = [c for c in frame.columns if c not in (series, time)]  # the keys: 'step' listed as if the file held it
        has = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
        lacked = (f"column {missing[0]!r} of the saved model is" if len(missing) == 1 else
                  f"columns {', '.join(map(repr, missing[:5]))}{', ...' if len(missing) > 5 else ''} of the saved model "
                  f"({len(missing)}) are")
        raise DataError(f"risk predict: {lacked} not in the new data (has {has}); expected every feature column the model "
                        "was trained on")
    return frame


def score_days(frame: pl.DataFrame, series: str | None, time: str, model, spec: dict, categorical: list[str] = ()) -> pl.DataFrame:
    """The series/time keys of every day of ``frame`` with a full window, p_<level>, score,
    level and risk name, by ``model`` and its ``spec`` (artefacts.read_spec); ``categorical``:
    as for model_columns."""
    frame = model_columns(frame, spec, series, categorical)
    layout = Layout(spec["dynamic"], spec["static"], spec["window"], spec["n_levels"], series=series, time=time)
    X, keys = window_rows(frame, layout)
    scaler = ZScore()
    scaler.mean_, scaler.sd_ = np.asarray(spec["mean"]), np.asarray(spec["sd"])
    proba, score, levels = predict_levels(model, scaler.transform(X), spec["thresholds"], layout.n_levels)
    if not np.isfinite(proba).all():  # NaN would fall into the top level by eq 11
        raise DataError(f"risk predict: the saved model gives non-finite probabilities for {int((~np.isfinite(proba)).any(axis=1).sum())} "
                        "rows; expected finite probabilities (damaged or edited model files)")
    names = level_names(layout.n_levels)
    return keys.with_columns(
        *(pl.Series(f"p_{name}", proba[:, k]) for k, name in enumerate(names)),
        pl.Series("score", score), pl.Series("level", levels),
        pl.Series("risk", np.asarray(names)[levels]),
    )


# A feature's new values are refused as in other units when the median size |x| of their nonzero values lies this many
# times beyond the training sizes: 0 of 1,972 chunks (3 to 1,000 shifts) of seismic-bumps' validation and test shifts were
# refused against its training shifts, while 'energy' in kJ (x1/1000) was refused in 43 of 43 chunks of 100 shifts (x1000:
# 18 of 43; a feature spanning 4 orders of magnitude hides some).
UNITS_FACTOR = 10
UNITS_MIN_VALUES = 3  # one or two nonzero values: one large bump is no unit


def refuse_other_units(frame: pl.DataFrame, ranges: dict) -> None:
    """Refuses a feature of ``frame`` whose nonzero values are typically (median size) more than UNITS_FACTOR times
    outside ``ranges`` (artefacts.value_ranges: its training sizes): other units score silently otherwise."""
    for column, size_range in ranges.items():
        values = frame[column].cast(pl.Float64).to_numpy()
        sizes = np.abs(values[np.isfinite(values) & (values != 0)])
        if size_range is None or sizes.size < UNITS_MIN_VALUES:
            continue
        (smallest, largest), typical = size_range, float(np.median(sizes))
        if smallest / UNITS_FACTOR <= typical <= largest * UNITS_FACTOR:
            continue
        off = f"{typical / largest:.3g}x the largest" if typical > largest else f"1/{smallest / typical:.3g} of the smallest"
        raise DataError(f"risk predict: column {column!r} of the new data: the median size of its nonzero values, {typical:.4g}, "
                        f"is {off} in training (nonzero sizes {smallest:.4g} to {largest:.4g}); values in other units (kJ for J, "
                        "t for kg), or data far unlike the training data? expected the units the model was trained on, or "
                        "check_units=false to score them anyway")


def _known_levels(frame: pl.DataFrame, features: list[str], one_hot: dict[str, str]) -> pl.DataFrame:
    """The model's one-hot columns '<prefix><value>' of each column in ``one_hot`` (column ->
    prefix) on new rows: a level the rows lack (a few days seldom hold every level) is a column
    of zeros; a level the model never saw is refused (its rows would read as none of the levels)."""
    for column, prefix in one_hot.items():
        known = {c for c in features if c.startswith(prefix)}
        present = {c for c in frame.columns if c.startswith(prefix)}
        unseen = sorted(present - known)
        if known and unseen:
            raise DataError(f"risk predict: column {column!r} holds {unseen[0].removeprefix(prefix)!r}, a value the saved model "
                            f"never saw; expected one of {', '.join(sorted(c.removeprefix(prefix) for c in known))}")
        frame = frame.with_columns(pl.lit(0.0).alias(c) for c in sorted(known - present))
    return frame
