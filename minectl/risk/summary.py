"""The figures a risk run reports: per lead time, for the primary lead, and the terminal table."""

from __future__ import annotations

import numpy as np
import polars as pl

from minectl.risk.evaluate import level_names, top_recall
from minectl.risk.workflow import LeadResult


def lead_summary(metrics: dict) -> dict:
    """One lead time's headline test metrics next to its baselines' macro F1."""
    keys = ("accuracy", "precision_macro", "recall_macro", "f1_macro", "auc")
    return {
        **{k: metrics[k] for k in keys}, "recall_high": top_recall(metrics),
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


def summary_table(model: str, metrics: dict, keys: list[str], unit: str = "days"):
    """A rich Table of every lead time's test metrics (``metrics``: the run's, with the lead
    ``keys`` lead_<h>); ``unit``: what one period of an integer lead is (days, shifts, ...)."""
    from rich.table import Table

    table = Table(title=f"cost-risk early warning: {model} (test part)")
    for col in (f"lead ({unit})", "accuracy", "macro F1", "AUC", "recall high", "persistence F1", "majority F1"):
        table.add_column(col, justify="right")
    for key in keys:
        m = metrics[key]
        table.add_row(key.removeprefix("lead_"), *(f"{m[k]:.3f}" for k in ("accuracy", "f1_macro", "auc", "recall_high",
                                                                           "persistence_f1_macro", "majority_f1_macro")))
    return table


def verdicts(metrics: dict, keys: list[str], leakage_limit: float | None) -> list[str]:
    """One line per lead time whose model does not beat persistence (or majority) on macro F1, or
    scores as if it saw the label (too_good)."""
    lines = []
    for key in keys:
        m = metrics[key]
        for name in ("persistence", "majority"):
            if m["f1_macro"] <= m[f"{name}_f1_macro"]:
                lines.append(f"[yellow]{key.removeprefix('lead_')}: the model does not beat {name} "
                             f"(macro F1 {m['f1_macro']:.3f} vs {m[f'{name}_f1_macro']:.3f})[/yellow]")
        lines += too_good(f"{key.removeprefix('lead_')}: ", m["recall_macro"], "the test part", leakage_limit)
    return lines


def few_test_rows(confusions: list[np.ndarray], keys: list[str], n_levels: int) -> list[str]:
    """One line per lead time whose test part holds a level in fewer than MIN_LEVEL_ROWS rows (but some): its recall
    and F1, and the AUC, rest on those few rows (one bump in a test window: recall 0 or 1), which the table does not show;
    one per lead time whose test part lacks a level: the table's 'nan' (recall high) and a macro recall and AUC over
    fewer levels were unsaid."""
    from minectl.risk.leakage import MIN_LEVEL_ROWS

    lines = []
    for key, confusion in zip(keys, confusions, strict=True):
        rows = confusion.sum(axis=1)
        counted = list(zip(level_names(n_levels), rows, strict=True))
        thin = [f"{int(n)} row{'' if n == 1 else 's'} of {name!r}" for name, n in counted if 0 < n < MIN_LEVEL_ROWS]
        if thin:
            lines.append(f"[yellow]{key.removeprefix('lead_')}: the test part holds only {' and '.join(thin)} among its "
                         f"{int(rows.sum())}: the recall and F1 of that level, and the AUC, rest on so few rows (a larger "
                         "risk.test_fraction, or more data)[/yellow]")
        absent = [repr(name) for name, n in counted if n == 0]
        if absent:
            lines.append(f"[yellow]{key.removeprefix('lead_')}: the test part holds no row of {' or '.join(absent)} among its "
                         f"{int(rows.sum())}: no recall of it is measured ('nan', not in metrics.json), and the macro recall "
                         "and the AUC are over the other levels (a larger risk.test_fraction, or more data)[/yellow]")
    return lines


def too_good(where: str, balanced_accuracy: float, part: str, limit: float | None) -> list[str]:
    """A warning where a model's balanced accuracy reaches the leakage limit: the leakage check
    scores one feature at a time, and columns derived from the label together (failure-mode flags
    beside the failure they make up) pass it."""
    if limit is None or balanced_accuracy < limit:
        return []
    return [f"[yellow]{where}balanced accuracy {balanced_accuracy:.3f} on {part} (>= risk.leakage.limit {limit:g}): is the "
            "label in the features, several of them together? Leave columns derived from it out (risk.features.exclude)"
            "[/yellow]"]


CV_COLUMNS = (("accuracy", "accuracy"), ("macro F1", "f1_macro"), ("AUC", "auc"), ("recall macro", "recall_macro"))


def cv_table(model: str, metrics: dict):
    """Mean +- sd over the folds of the model and the baselines (rows)."""
    from rich.table import Table

    cv = metrics["cv"]
    table = Table(title=f"cost-risk cases: {model}, {cv['repeats']} x stratified {cv['folds']}-fold CV (mean ± sd)")
    table.add_column("")
    for title, _ in CV_COLUMNS:
        table.add_column(title, justify="right")
    rows = [(model, metrics["test"], metrics["test_sd"])]
    rows += [(name, metrics["baseline"][name], metrics["baseline_sd"][name]) for name in metrics["baseline"]]
    for name, mean, sd in rows:
        table.add_row(name, *(f"{mean[k]:.3f} ± {sd[k]:.3f}" for _, k in CV_COLUMNS))
    return table


def cv_verdicts(metrics: dict, leakage_limit: float | None) -> list[str]:
    mean, repeated = metrics["test"]["f1_macro"], metrics["cv"].get("duplicate_rows", 0)
    copies = [f"[yellow]{repeated} rows repeat an earlier row's features and label: a case recorded twice can be in a training "
              "and a test fold at once, which flatters the folds' scores (drop the copies if they are one case)[/yellow]"]
    return [f"[yellow]the model does not beat the {name} baseline (macro F1 {mean:.3f} vs {b['f1_macro']:.3f})[/yellow]"
            for name, b in metrics["baseline"].items() if mean <= b["f1_macro"]] + \
        too_good("", metrics["test"]["recall_macro"], "the folds' test parts (mean)", leakage_limit) + (copies if repeated else [])
