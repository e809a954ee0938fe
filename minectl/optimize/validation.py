"""Field validation (seed 002, Table 12): responses measured at built designs against the surrogate."""

from __future__ import annotations

import numpy as np
import polars as pl

from minectl.optimize.decision import field_deviation


def field_report(predict, checks, variables, responses) -> tuple[pl.DataFrame, dict]:
    """``checks``: (design {variable: value}, measured {response: value}) per built design.
    A row per measured response with the surrogate's prediction and the relative deviation;
    metrics: mean_abs_rel_deviation per response."""
    rows = []
    for i, (design, measured) in enumerate(checks):
        predicted = predict(np.array([[design[v] for v in variables]]))[0]
        for name, value in measured.items():
            j = list(responses).index(name)
            rows.append({"check": i, "response": name, "measured": float(value), "predicted": predicted[j],
                         "rel_deviation": float(field_deviation(predicted[j], value))})
    table = pl.DataFrame(rows)
    mean_abs = table.group_by("response").agg(pl.col("rel_deviation").abs().mean())
    return table, {"mean_abs_rel_deviation": dict(mean_abs.iter_rows())}
