"""One lead time end to end: samples -> chronological split -> z-score on train -> fit ->
eq 11 thresholds on validation -> test metrics next to the majority and persistence baselines.

Pure: takes a frame, column names, numbers and a model factory; the task layer does the I/O.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from minectl.errors import ConfigError, DataError
from minectl.risk import evaluate as ev
from minectl.risk.samples import Samples, ZScore, supervised_samples, window_features
from minectl.risk.split import split_by_time
from minectl.risk.thresholds import apply_thresholds, check_thresholds, optimise_thresholds, risk_score


@dataclass(frozen=True)
class Layout:
    """How the daily frame becomes model input."""

    dynamic: list[str]
    static: list[str]
    window: int
    n_levels: int
    label: str = "risk"  # column of levels 0..n_levels-1 (not needed to predict)
    series: str | None = "mine_id"  # one series per value; None: the frame is one series
    time: str = "date"
    median_fill: tuple[str, ...] = ()  # columns left empty where missing, filled with the training median after the split
    label_cut: object = None  # a LevelCut: the label column is continuous, cut into levels on the training part


@dataclass
class Dataset:
    samples: Samples
    dates: np.ndarray  # date of t (end of window) per sample
    labels: np.ndarray  # every day's label, in frame order (for persistence)
    series: np.ndarray | None = None  # the series (mine) of each sample; None: the frame is one series without a column
    starts: np.ndarray | None = None  # the index in ``labels`` of each sample's series' first day (persistence stays in it)
    targets: np.ndarray | None = None  # the time of each sample's target (t + lead): the split's gap reaches past it


@dataclass
class LeadResult:
    metrics: dict
    model: object
    scaler: ZScore
    thetas: np.ndarray
    predictions: pl.DataFrame
    confusion: np.ndarray
    dataset: Dataset
    split: tuple[np.ndarray, np.ndarray, np.ndarray]


def _series(frame: pl.DataFrame, layout: Layout) -> list[pl.DataFrame]:
    missing = [c for c in [*layout.dynamic, *layout.static] if c not in frame.columns]
    if missing:
        raise DataError(f"risk input: column {missing[0]!r} not found (has {', '.join(frame.columns)})")
    if layout.series is None or layout.series not in frame.columns:
        return [frame.sort(layout.time)]
    ordered = frame.sort(layout.series, layout.time)
    return [part for _, part in ordered.group_by(layout.series, maintain_order=True)]


def _arrays(part: pl.DataFrame, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    dynamic = part.select(pl.col(layout.dynamic).cast(pl.Float64)).to_numpy()
    static = (
        part.select(pl.col(layout.static).cast(pl.Float64)).to_numpy()
        if layout.static else np.zeros((part.height, 0))
    )
    allowed = np.isin([*layout.dynamic, *layout.static], layout.median_fill)  # NaN stays until the split
    values = np.hstack([dynamic, static])
    # beyond float32's range a value is inf to the trees (sklearn) and the LSTM (torch)
    bad = ~(np.isfinite(values) | (np.isnan(values) & allowed)) | (np.abs(values) > np.finfo(np.float32).max)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise DataError(f"risk input: column {[*layout.dynamic, *layout.static][column]!r} has {int(bad[:, column].sum())} "
                        f"missing, infinite or too large values after preprocessing (first {values[row, column]:g} at "
                        f"{layout.time}={part[layout.time][int(row)]}); expected finite numbers within +-3.4e38 (float32)")
    return dynamic, static


def too_short(frame: pl.DataFrame, layout: Layout, lead: int) -> dict:
    """The series (name: rows) too short for one window + ``lead``: they give no sample at this lead (a mine opened
    late, an engine run briefly), and are left out of it, not refused for all. None long enough is refused here, naming
    the longest (one series: by supervised_samples)."""
    if layout.series is None or layout.series not in frame.columns:
        return {}
    rows = dict(frame.group_by(layout.series, maintain_order=True).len().iter_rows())
    short = {name: n for name, n in rows.items() if n < layout.window + lead}
    if len(short) < len(rows):
        return short
    if len(rows) == 1:  # supervised_samples refuses it, as a file without a series column
        return {}
    longest = max(rows, key=rows.get)
    raise ConfigError(f"window {layout.window} + lead {lead} leave no sample in any {layout.series}: the longest, "
                      f"{longest}, holds {rows[longest]} rows; expected window + lead at most {rows[longest]}",
                      param=("window", "lead"))


def build_dataset(frame: pl.DataFrame, layout: Layout, lead: int) -> Dataset:
    """Samples of every series (but those too_short for the lead), ordered by the date of t (series order breaks ties)."""
    short = too_short(frame, layout, lead)
    if short:
        frame = frame.filter(~pl.col(layout.series).is_in(list(short)))
    parts, offset, all_dates, all_targets, all_labels, all_series, all_starts = [], 0, [], [], [], [], []
    for part in _series(frame, layout):
        dynamic, static = _arrays(part, layout)
        labels = part[layout.label].to_numpy().astype(np.float64 if layout.label_cut is not None else np.int64)
        all_labels.append(labels)
        samples = supervised_samples(dynamic, static, labels, layout.window, lead)
        times = part[layout.time].to_numpy()
        dates = times[samples.end_index]
        all_targets.append(times[samples.target_index])
        parts.append(Samples(samples.X, samples.y, samples.end_index + offset, samples.target_index + offset))
        all_dates.append(dates)
        all_starts.append(np.full(len(dates), offset))
        if layout.series in part.columns:
            all_series.append(part[layout.series].to_numpy()[samples.end_index])
        offset += part.height
    dates = np.concatenate(all_dates)
    series = np.concatenate(all_series) if all_series else None
    order = np.argsort(dates, kind="stable")
    if len(parts) == 1 and (order[1:] > order[:-1]).all():  # one series in time order: its arrays as they are
        return Dataset(parts[0], dates, all_labels[0], series, all_starts[0], all_targets[0])
    stacked = Samples(*(np.concatenate([getattr(p, f) for p in parts])[order] for f in ("X", "y", "end_index", "target_index")))
    return Dataset(stacked, dates[order], np.concatenate(all_labels), None if series is None else series[order],
                   np.concatenate(all_starts)[order], np.concatenate(all_targets)[order])


def scaler_for(frame: pl.DataFrame, layout: Layout, train_until, static_rows: np.ndarray) -> ZScore:
    """z-score of the dynamic indicators on days up to the last training day, and of the static
    features on the training samples; returned as one scaler over the X columns."""
    rows = frame.filter(pl.col(layout.time) <= train_until)
    day_scaler = ZScore().fit(rows.select(pl.col(layout.dynamic).cast(pl.Float64)).to_numpy())
    static_scaler = ZScore().fit(static_rows)
    combined = ZScore()
    combined.mean_ = np.concatenate([np.tile(day_scaler.mean_, layout.window), static_scaler.mean_])
    combined.sd_ = np.concatenate([np.tile(day_scaler.sd_, layout.window), static_scaler.sd_])
    return combined


def fill_medians(X: np.ndarray, train: np.ndarray, features: list[str] = ()) -> np.ndarray:
    """Empty feature values (risk.missing policy median) filled with their column's median over
    the training rows only. ``features``: the feature each column of X is of, named where one has no training value."""
    empty = np.isnan(X)
    if not empty.any():
        return X
    columns = np.flatnonzero(empty.any(axis=0))
    medians = np.array([np.median(X[train, j][~np.isnan(X[train, j])]) if (~np.isnan(X[train, j])).any() else np.nan
                        for j in columns])
    if np.isnan(medians).any():  # said as 'a feature ... has no value in the training part', naming neither
        j = columns[np.isnan(medians)][0]
        name = f"column {features[j]!r}" if features else "a feature"
        raise DataError(f"risk input: {name} (risk.missing: median) has no value among the {len(train)} training rows to take "
                        f"its median from ({int((~empty[:, j]).sum())} values in all); expected values in every training part "
                        "(another risk.missing policy for it, or risk.features.exclude)")
    X = X.copy()
    for j, median in zip(columns, medians, strict=True):
        X[empty[:, j], j] = median
    return X


def fit_on_training(data: Dataset, layout: Layout, train: np.ndarray) -> Dataset:
    """What is learnt from the training samples only: a continuous label's level cuts (fitted on
    their targets) and the medians of features with missing values."""
    s, labels = data.samples, data.labels
    y = s.y
    if layout.label_cut is not None:
        cut = layout.label_cut.fit(s.y[train])
        y, labels = cut.transform(s.y), cut.transform(labels)
    features = layout.dynamic * layout.window + layout.static  # X's columns: the window time-major, then the static ones
    return replace(data, samples=Samples(fill_medians(s.X, train, features), y, s.end_index, s.target_index), labels=labels)


def fit_model(model, X_train, y_train, X_val, y_val):
    """Fit; sequence models also get the validation part (early stopping, tree weights)."""
    if "validation_data" in inspect.signature(model.fit).parameters:
        return model.fit(X_train, y_train, validation_data=(X_val, y_val))
    try:
        return model.fit(X_train, y_train)
    except ValueError as exc:
        _refuse_settings(model, exc, np.unique(y_train))
        raise


def _refuse_settings(model, exc: ValueError, levels: np.ndarray) -> None:
    """``exc`` of a fit as one ConfigError naming model.params where a clone of ``model`` fails on a few clean,
    separable rows too: settings the estimator refuses only together, when it fits (LogisticRegression's penalty=l1
    beside its default solver lbfgs, a forest's oob_score=true with bootstrap=false) were a traceback after the data
    work. Where the few rows fit, the data caused it: left as it was."""
    from sklearn.base import clone

    if len(levels) < 2:  # one level fails any classifier's fit: no sign of its settings
        return
    y = np.tile(levels, 4)  # 4 rows a level: SVMClassifier's calibration takes 3 folds
    X = np.column_stack([y, np.arange(len(y)) % 3]).astype(float)
    try:
        clone(model).fit(X, y)
    except ValueError:
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise ConfigError(f"model.params: {type(model).__name__} cannot fit with these settings together ({first}); "
                          "expected settings it takes together (see its documentation)") from None


def iterations_used_up(model) -> bool:
    """Whether ``model``'s fit used every one of its max_iter iterations (LogisticRegression, an MLP): the solver
    stopped before it converged. scikit-learn's ConvergenceWarning says so, but the CLI hides other packages' warnings."""
    limit, used = getattr(model, "max_iter", None), getattr(model, "n_iter_", None)
    return isinstance(limit, int) and limit > 0 and used is not None and bool(np.max(used) >= limit)


def predict_scores(model, X, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities over all levels, risk score p_t)."""
    proba = ev.full_proba(model.predict_proba(X), model.classes_, n_levels)
    return proba, risk_score(proba, np.arange(n_levels), n_levels)


def predict_levels(model, X, thetas, n_levels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probabilities over all levels, risk score p_t, level by eq 11)."""
    proba, score = predict_scores(model, X, n_levels)
    return proba, score, apply_thresholds(score, thetas)


def run_lead(
    frame: pl.DataFrame, layout: Layout, lead: int, make_model: Callable[[], object],
    val_fraction: float, test_fraction: float, thresholds: list[float] | None,
    threshold_objective: str = "f1_macro",
) -> LeadResult:
    """Train on the chronological head, choose thresholds on validation, score the test tail.

    ``thresholds`` None: optimised on validation for ``threshold_objective``; else fixed.
    """
    if thresholds is not None:
        check_thresholds(thresholds, layout.n_levels)
    data = build_dataset(frame, layout, lead)
    train, val, test = split_by_time(data.dates, val_fraction, test_fraction, gap=lead, targets=data.targets)
    data = fit_on_training(data, layout, train)
    s = data.samples
    if len(np.unique(s.y[train])) < 2:
        names, labels = ev.level_names(layout.n_levels), data.labels.astype(np.int64)
        steps = np.diff(labels)
        # a file sorted by its label (every 0 before every 1) splits into parts of one level each
        why = (f"every {names[labels[0]]!r} row comes before every {names[labels[-1]]!r} one (a file sorted by its label, or "
               "a single run to failure?): expected rows in time order (risk.time.column) with every level in the training part"
               if labels[0] != labels[-1] and ((steps >= 0).all() or (steps <= 0).all()) else
               "expected at least two levels to learn from (a shorter risk.window or lead time, or more data)")
        raise DataError(f"risk labels: the training part (lead {lead}, {len(train)} samples) holds the single level "
                        f"{names[int(s.y[train][0])]!r}; {why}")
    for part, rows in (("validation", val), ("test", test)):  # thresholds, AUC and macro scores need two levels
        if len(np.unique(s.y[rows])) < 2:
            raise DataError(f"risk labels: the {part} part (lead {lead}, {len(rows)} samples) holds the single level "
                            f"{ev.level_names(layout.n_levels)[int(s.y[rows][0])]!r}; expected at least two levels to choose "
                            "thresholds and measure on (a larger risk.val_fraction/risk.test_fraction, or more data)")
    absent = sorted(set(range(layout.n_levels)) - set(np.unique(s.y[train]).tolist()))
    if absent:  # the model could never predict it, and its recall would read 0 as if measured
        level = absent[0]
        raise DataError(f"risk labels: level {ev.level_names(layout.n_levels)[level]!r} ({level}) has no training sample at lead "
                        f"{lead}, only {int((s.y == level).sum())} in validation and test; expected every level among the "
                        "training samples (fewer risk.labels.levels, a smaller risk.val_fraction/risk.test_fraction, more data)")
    rows = {part: slice(index[0], index[-1] + 1) for part, index in (("train", train), ("val", val), ("test", test))}
    scaler = scaler_for(frame, layout, data.dates[train[-1]], s.X[rows["train"], s.X.shape[1] - len(layout.static):])
    X = scaler.transform(s.X)  # the parts as views of it (split_by_time's parts are ranges): no copies
    model = fit_model(make_model(), X[rows["train"]], s.y[train], X[rows["val"]], s.y[val])
    _, val_score = predict_scores(model, X[rows["val"]], layout.n_levels)
    thetas = (
        optimise_thresholds(val_score, s.y[val], layout.n_levels, threshold_objective)
        if thresholds is None else np.asarray(thresholds, dtype=float)
    )
    proba, score, levels = predict_levels(model, X[rows["test"]], thetas, layout.n_levels)
    y_test = s.y[test]
    metrics = ev.classification_metrics(y_test, levels, proba, layout.n_levels)
    majority = ev.majority_baseline(s.y[train], len(test))
    persistence = ev.persistence_baseline(data.labels, s.target_index[test], lead, data.starts[test], majority)
    metrics["baseline"] = {
        name: ev.classification_metrics(y_test, pred, ev.one_hot(pred, layout.n_levels), layout.n_levels)
        for name, pred in (("majority", majority), ("persistence", persistence))
    }
    metrics["samples"] = {"train": len(train), "val": len(val), "test": len(test)}
    names = ev.level_names(layout.n_levels)
    predictions = pl.DataFrame({
        **({layout.series: data.series[test]} if data.series is not None else {}),  # a day's rows of several mines told apart
        layout.time: data.dates[test], "lead": np.full(len(test), lead), "y_true": y_test, "level": levels,
        "score": score, **{f"p_{n}": proba[:, k] for k, n in enumerate(names)},
        "persistence": persistence, "majority": majority,
    })
    return LeadResult(
        metrics, model, scaler, thetas, predictions, ev.confusion(y_test, levels, layout.n_levels), data,
        (train, val, test),
    )


def window_rows(frame: pl.DataFrame, layout: Layout) -> tuple[np.ndarray, pl.DataFrame]:
    """Feature rows (unscaled) for every day with a full window, and their keys (for predict)."""
    rows, keys = [], []
    for part in _series(frame, layout):
        dynamic, static = _arrays(part, layout)
        if part.height < layout.window:  # the run's window, not a setting of predict (it took risk.window's name)
            of = f" of {layout.series}={part[layout.series][0]}" if layout.series else ""
            raise DataError(f"risk predict: the new data{of} hold {part.height} row{'s' * (part.height != 1)}, fewer than the "
                            f"saved model's window of {layout.window} periods; expected at least {layout.window} rows")
        X, end_index = window_features(dynamic, static, layout.window)
        rows.append(X)
        keys.append(part[end_index.tolist()].select([c for c in (layout.series, layout.time) if c in part.columns]))
    return np.vstack(rows), pl.concat(keys)
