"""The figures a risk run reports: per lead time, for the primary lead, and the terminal table."""

from __future__ import annotations

import numpy as np
import polars as pl

from minectl.risk.evaluate import level_names
from minectl.risk.workflow import LeadResult


def lead_summary(metrics: dict) -> dict:
    """One lead time's headline test metrics next to its baselines' macro F1."""
    keys = ("accuracy", "precision_macro", "recall_macro", "f1_macro", "auc")
    return {
        **{k: metrics[k] for k in keys}, "recall_high": metrics["recall"]["high"],
        "persistence_f1_macro": metrics["baseline"]["persistence"]["f1_macro"],
        "majority_f1_macro": metrics["baseline"]["majority"]["f1_macro"],
    }


def primary_summary(result: LeadResult, n_levels: int) -> dict:
    """Every test metric, the baselines, sample counts, thresholds and class shares of one lead."""
    m = result.metrics
    return {
        "test": {k: v for k, v in m.items() if k not in ("baseline", "samples")},
        "baseline": m["baseline"],
        "samples": m["samples"],
        "thresholds": {f"theta{i + 1}": float(t) for i, t in enumerate(result.thetas)},
        "class_share": {name: float(np.mean(result.dataset.samples.y == k))
                        for k, name in enumerate(level_names(n_levels))},
    }


def confusion_frame(confusion: np.ndarray, n_levels: int) -> pl.DataFrame:
    """The confusion matrix as a table: one row per true level, one pred_<level> column each."""
    names = level_names(n_levels)
    return pl.DataFrame({"true": names, **{f"pred_{n}": confusion[:, k] for k, n in enumerate(names)}})


def summary_table(model: str, metrics: dict, leads: list[int]):
    """A rich Table of every lead time's test metrics (``metrics``: the run's, with lead_<h>)."""
    from rich.table import Table

    table = Table(title=f"cost-risk early warning: {model} (test part)")
    for col in ("lead (days)", "accuracy", "macro F1", "AUC", "recall high", "persistence F1", "majority F1"):
        table.add_column(col, justify="right")
    for lead in leads:
        m = metrics[f"lead_{lead}"]
        table.add_row(str(lead), *(f"{m[k]:.3f}" for k in ("accuracy", "f1_macro", "auc", "recall_high",
                                                            "persistence_f1_macro", "majority_f1_macro")))
    return table
