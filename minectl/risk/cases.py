"""Case tables (rows without a time order): repeated stratified k-fold cross validation.

Each fold: the training part is split once more (stratified) into fit and validation rows; the
z-score, medians of empty values and a continuous label's quantile cuts are fitted on the fit
rows, the eq 11 thresholds chosen on the validation rows, and the held-out fold scored next to
two baselines that need no time order: the training part's majority level, and levels drawn at
random with the training part's shares (stratified). Metrics are the mean and sample sd over
all folds of all repeats. Persistence has no meaning here and is not reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from minectl.errors import ConfigError, DataError
from minectl.risk import evaluate as ev
from minectl.risk.samples import ZScore
from minectl.risk.thresholds import optimise_thresholds
from minectl.risk.workflow import Layout, build_dataset, fit_model, fit_on_training, predict_levels, predict_scores

BASELINES = ("majority", "stratified")


@dataclass
class CVResult:
    metrics: dict  # mean / sd of the model's and the baselines' test metrics over the folds
    predictions: pl.DataFrame  # out-of-fold predictions, every repeat
    folds: list[dict]  # each fold's metrics (model and baselines), flat


def flat(metrics: dict, prefix: str = "") -> dict[str, float]:
    """Nested metric dicts as 'recall.high' style keys."""
    out = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat(value, f"{name}."))
        else:
            out[name] = float(value)
    return out


def nested(values: dict[str, float]) -> dict:
    out: dict = {}
    for key, value in values.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def mean_sd(rows: list[dict[str, float]]) -> tuple[dict, dict]:
    """Mean and sample sd (ddof 1) of each key over the rows; NaN (e.g. AUC of a one-level fold) skipped."""
    keys = rows[0].keys()
    values = {k: np.array([r[k] for r in rows], dtype=float) for k in keys}
    mean = {k: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan") for k, v in values.items()}
    sd = {k: float(np.nanstd(v, ddof=1)) if np.isfinite(v).sum() > 1 else float("nan") for k, v in values.items()}
    return nested(mean), nested(sd)


def stratified_baseline(y_train: np.ndarray, n: int, n_levels: int, rng: np.random.Generator) -> np.ndarray:
    """Levels drawn independently with the training part's level shares."""
    shares = np.bincount(y_train, minlength=n_levels) / len(y_train)
    return rng.choice(n_levels, size=n, p=shares)


def case_strata(y: np.ndarray, layout: Layout) -> np.ndarray:
    """What a case table's rows are stratified by: the levels, or for a continuous label the equal-share bins of all
    rows (only the row assignment sees them; the level cuts are fitted on each part's own training rows)."""
    if layout.label_cut is None:
        return y.astype(np.int64)
    return np.searchsorted(np.quantile(y, np.linspace(0, 1, layout.n_levels + 1)[1:-1]), y, side="right")


def _check_strata(strata: np.ndarray, layout: Layout, folds: int) -> None:
    """Each stratum (a level, or a continuous label's equal-share bin) needs a row in every fold: refused naming the rarest."""
    counts = np.bincount(strata, minlength=layout.n_levels).tolist()
    rarest = counts.index(min(counts))
    if counts[rarest] >= folds:
        return
    name = ev.level_names(layout.n_levels)[rarest]
    what = (f"level {name!r}" if layout.label_cut is None else
            f"the equal-share bin {name!r} of the continuous label (the folds are stratified by these bins)")
    raise DataError(f"risk labels: {what} has {counts[rarest]} row{'s' * (counts[rarest] != 1)}; stratified {folds}-fold "
                    f"cross validation needs at least {folds} rows of each (risk.cv.folds)")


def _fold_metrics(y, pred, proba, n_levels):
    return flat(ev.classification_metrics(y, pred, proba, n_levels))


def cross_validate(
    frame: pl.DataFrame, layout: Layout, make_model: Callable[[], object], folds: int, repeats: int,
    val_fraction: float, thresholds: list[float] | None, threshold_objective: str, seed: int,
) -> CVResult:
    """Repeated stratified k-fold over the rows of ``frame`` (window 1, lead 0)."""
    from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

    if layout.window != 1:
        raise ConfigError(f"{layout.window}: a case table has no time order; expected 1 with risk.split=cv", param="window")
    data = build_dataset(frame, layout, 0)
    y_all = data.samples.y
    strata = case_strata(y_all, layout)
    _check_strata(strata, layout, folds)
    rng = np.random.default_rng(seed)
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    model_rows, baseline_rows, predictions = [], {name: [] for name in BASELINES}, []
    for k, (train, test) in enumerate(splitter.split(np.zeros(len(strata)), strata)):
        in_fold, n_val = np.bincount(strata[train], minlength=strata.max() + 1), math.ceil(val_fraction * len(train))
        fewest = 0  # rows of the rarest level on the poorer side of the fold's validation split
        if in_fold.min() >= 2 and min(n_val, len(train) - n_val) >= in_fold.size:  # else sklearn's stratified split raises
            # a fold's own seed, within sklearn's [0, 2**32 - 1]: seed 4294967295 (the largest) was a traceback at its second fold
            fit, val = train_test_split(train, test_size=val_fraction, stratify=strata[train], random_state=(seed + k) % 2**32)
            fewest = min(np.bincount(strata[part], minlength=in_fold.size).min() for part in (fit, val))
        if not fewest:  # sklearn's split of few rows can leave a side without a level: thresholds chosen on one level
            raise DataError(f"risk labels: fold {k + 1} trains on {len(train)} rows, {in_fold.min()} of its rarest level, and would "
                            f"validate on {n_val}; its stratified validation split needs 2 rows of each level and a row per level "
                            "on each side (more risk.cv.folds: larger training folds; another risk.val_fraction; or more rows)")
        fold = fit_on_training(data, layout, np.sort(fit))
        s = fold.samples
        if len(np.unique(s.y[fit])) < 2:
            raise DataError(f"risk labels: fold {k + 1} trains on a single level; expected at least two")
        scaler = ZScore().fit(s.X[fit])
        X = scaler.transform(s.X)
        model = fit_model(make_model(), X[fit], s.y[fit], X[val], s.y[val])
        _, val_score = predict_scores(model, X[val], layout.n_levels)
        thetas = (optimise_thresholds(val_score, s.y[val], layout.n_levels, threshold_objective)
                  if thresholds is None else np.asarray(thresholds, dtype=float))
        proba, score, levels = predict_levels(model, X[test], thetas, layout.n_levels)
        y = s.y[test]
        model_rows.append(_fold_metrics(y, levels, proba, layout.n_levels))
        baselines = {"majority": ev.majority_baseline(s.y[train], len(test)),
                     "stratified": stratified_baseline(s.y[train], len(test), layout.n_levels, rng)}
        for name, pred in baselines.items():
            baseline_rows[name].append(_fold_metrics(y, pred, ev.one_hot(pred, layout.n_levels), layout.n_levels))
        predictions.append(pl.DataFrame({
            layout.time: fold.dates[test], "repeat": np.full(len(test), k // folds), "fold": np.full(len(test), k % folds),
            "y_true": y, "level": levels, "score": score, **baselines,
        }))
    mean, sd = mean_sd(model_rows)
    baseline = {name: mean_sd(rows) for name, rows in baseline_rows.items()}
    metrics = {
        "test": mean, "test_sd": sd,
        "baseline": {name: pair[0] for name, pair in baseline.items()},
        "baseline_sd": {name: pair[1] for name, pair in baseline.items()},
        "cv": {"folds": folds, "repeats": repeats, "rows": len(y_all)},
    }
    # a case recorded twice can be in a training and a test fold at once: counted (when there are some) and said
    cases = frame.select(*layout.dynamic, *layout.static, layout.label)
    if repeated := cases.height - cases.unique().height:
        metrics["cv"]["duplicate_rows"] = repeated
    folds_flat = [{"fold": i, **{f"model.{k}": v for k, v in m.items()},
                   **{f"{name}.{k}": v for name in BASELINES for k, v in baseline_rows[name][i].items()}}
                  for i, m in enumerate(model_rows)]
    return CVResult(metrics, pl.concat(predictions), folds_flat)
