"""A small case table for the risk probes (independent rows, risk.split=cv): the keys that read it
and rows whose x tells the label."""

from __future__ import annotations

import numpy as np
import polars as pl


def case_keys(label: str, folds: int) -> list[str]:
    """`minectl risk` keys of a two-level case table labelled by column ``label``, logistic regression, one repeat."""
    return ["risk.input.kind=table", "risk.split=cv", "risk.window=1", "risk.lead_times=[0]", "risk.primary_lead=0",
            f"risk.cv.folds={folds}", "risk.cv.repeats=1", "risk.labels.source=column", f"risk.labels.column={label}",
            "risk.labels.levels=2", "model=lr", "report=false"]


def case_rows(n: int, every: int, label: str, digits: int) -> pl.DataFrame:
    """Independent cases: one in ``every`` is of level 1; x leans to the level, y is noise (``digits`` decimals)."""
    rng = np.random.default_rng(0)
    level = (np.arange(n) % every == 0).astype(int)
    return pl.DataFrame({"x": np.round(level * 2.0 + rng.normal(size=n), digits), "y": np.round(rng.normal(size=n), digits),
                         label: level})
