"""Test metrics (seed 000 eqs 13-15 plus macro precision, per-class recall and one-vs-rest AUC)
and the naive baselines reported next to every model."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support, roc_auc_score

LEVEL_NAMES = {2: ["low", "high"], 3: ["low", "medium", "high"], 4: ["low", "medium", "high", "very_high"],
               5: ["very_low", "low", "medium", "high", "very_high"]}


def level_names(n_levels: int) -> list[str]:
    return LEVEL_NAMES[n_levels]


def auc_ovr(y: np.ndarray, proba: np.ndarray, n_levels: int) -> float:
    """Macro one-vs-rest AUC over the levels present in y (binary: AUC of P(high)); NaN if one level."""
    present = np.unique(y)
    if len(present) < 2:
        return float("nan")
    if n_levels == 2:
        return float(roc_auc_score(y, proba[:, 1]))
    return float(np.mean([roc_auc_score(y == k, proba[:, k]) for k in present]))


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    """Macro F1 over the levels in ``y`` or ``pred`` (sklearn's average='macro')."""
    return float(f1_score(y, pred, average="macro", zero_division=0))


def classification_metrics(y: np.ndarray, pred: np.ndarray, proba: np.ndarray, n_levels: int) -> dict:
    """accuracy, macro precision/recall/F1, recall and F1 per level, AUC; proba has one column per level.

    Macro averages as sklearn's: precision and F1 over the levels in ``y`` or ``pred``, recall over
    those in ``y`` (balanced accuracy). A level ``y`` lacks (a test part without a 'high' day) has no
    recall: NaN, where zero_division's 0 read 'recall high 0.000' as if measured and pulled every
    macro average down by a level of zeros; its F1 is 0 where it was predicted (each time wrongly)."""
    levels = list(range(n_levels))
    precision, recall, f1, support = precision_recall_fscore_support(y, pred, labels=levels, zero_division=0)
    absent = support == 0
    recall = np.where(absent, np.nan, recall)
    f1 = np.where(absent & ~np.isin(levels, pred), np.nan, f1)
    return {
        "accuracy": float(accuracy_score(y, pred)),
        "precision_macro": float(precision[np.isin(levels, np.union1d(y, pred))].mean()),
        "recall_macro": float(np.nanmean(recall)),
        "f1_macro": macro_f1(y, pred),
        "auc": auc_ovr(y, proba, n_levels),
        "recall": {name: float(r) for name, r in zip(level_names(n_levels), recall, strict=True)},
        "f1": {name: float(v) for name, v in zip(level_names(n_levels), f1, strict=True)},
    }


def top_recall(metrics: dict) -> float:
    """The recall of the top level (``high``; ``very_high`` of 4 and 5 levels) in classification_metrics' ``metrics``:
    what every ``recall_high`` figure reports."""
    return list(metrics["recall"].values())[-1]


def confusion(y: np.ndarray, pred: np.ndarray, n_levels: int) -> np.ndarray:
    return confusion_matrix(y, pred, labels=list(range(n_levels)))


def full_proba(proba: np.ndarray, classes, n_levels: int) -> np.ndarray:
    """Model probabilities spread over all levels (a level absent from training gets 0)."""
    out = np.zeros((len(proba), n_levels))
    out[:, np.asarray(classes, dtype=int)] = proba
    return out


def one_hot(levels: np.ndarray, n_levels: int) -> np.ndarray:
    return np.eye(n_levels)[np.asarray(levels, dtype=int)]


def majority_baseline(y_train: np.ndarray, n_test: int) -> np.ndarray:
    """The training part's most frequent level, for every test sample."""
    return np.full(n_test, np.bincount(y_train).argmax())


def persistence_baseline(labels: np.ndarray, target_index: np.ndarray, lead: int, starts: np.ndarray | int = 0,
                         unknown: np.ndarray | int = 0) -> np.ndarray:
    """The last level known before the target: label[t] for lead >= 1, label[t - 1] for lead 0; where t is the first
    day of its series (``starts``, the index of each sample's series' first label; window 1, lead 0) none is known and
    ``unknown`` is taken (run_lead: the majority level). Before, the day before was another mine's last, or the target."""
    source = target_index - max(lead, 1)
    return np.where(source >= starts, labels[np.clip(source, 0, None)], unknown)
