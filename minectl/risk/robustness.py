"""Perturbations of seed 000 section 4.1 (6): masked sensor observations, Gaussian noise, and
fewer low-risk training samples; and the metric change of a fitted lead time under each."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from minectl.errors import ConfigError, DataError
from minectl.risk import evaluate as ev
from minectl.risk.workflow import Layout, LeadResult, build_dataset, fit_model, predict_levels


def mask_and_interpolate(values: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Hide ``fraction`` of the observations at random, then refill each column by linear
    interpolation between the nearest kept days (eq 3), as preprocessing would."""
    values = np.asarray(values, dtype=float).copy()
    hidden = rng.random(values.shape) < fraction
    days = np.arange(len(values))
    for col in range(values.shape[1]):
        keep = ~hidden[:, col]
        if keep.sum() >= 2:
            values[~keep, col] = np.interp(days[~keep], days[keep], values[keep, col])
    return values


def add_gaussian_noise(values: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    """values + N(0, sd^2) (applied in z-score units, so sd is a share of each indicator's sd)."""
    return values + rng.normal(0.0, sd, size=np.shape(values))


def drop_share_of_level(y: np.ndarray, level: int, share: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices that keep every sample except a random ``share`` of those at ``level``, and
    one of them at least (share 0.99 of 20 rounded to all 20: a refit on one level, a traceback)."""
    at_level = np.flatnonzero(y == level)
    dropped = rng.choice(at_level, size=min(int(round(share * len(at_level))), max(len(at_level) - 1, 0)), replace=False)
    return np.setdiff1d(np.arange(len(y)), dropped)


def robustness_metrics(
    frame: pl.DataFrame, layout: Layout, result: LeadResult, make_model: Callable[[], object], lead: int,
    mask_fraction: float, noise_sd: float, low_drop_share: float, seed: int,
) -> dict:
    """Test metrics of the ``lead`` result, and their change, under masked observations
    (``mask_fraction``), Gaussian noise (``noise_sd``) and a refit on fewer low-risk training
    samples (``low_drop_share``)."""
    rng = np.random.default_rng(seed)
    train, val, test = result.split
    thetas, n = result.thetas, layout.n_levels
    base = result.metrics
    y_test = result.dataset.samples.y[test]

    def score(model, X):
        proba, _, levels = predict_levels(model, X, thetas, n)
        return ev.classification_metrics(y_test, levels, proba, n)

    parts = frame.partition_by(layout.series, maintain_order=True) if layout.series else [frame]
    masked = pl.concat([
        p.with_columns(pl.DataFrame(mask_and_interpolate(p.select(layout.dynamic).to_numpy(), mask_fraction, rng),
                                    schema=layout.dynamic, orient="row"))
        for p in parts
    ])
    X_masked = result.scaler.transform(build_dataset(masked, layout, lead).samples.X[test])  # the test rows only are scored
    X = result.scaler.transform(result.dataset.samples.X)
    n_dyn = X.shape[1] - len(layout.static)
    X_noisy = X[test].copy()
    X_noisy[:, :n_dyn] = add_gaussian_noise(X_noisy[:, :n_dyn], noise_sd, rng)
    y = result.dataset.samples.y
    keep = train[drop_share_of_level(y[train], 0, low_drop_share, rng)]
    try:
        refit = fit_model(make_model(), X[keep], y[keep], X[val], y[val])
    except DataError as exc:  # the model's line blamed the data ('2 training samples of the rarest level: more rows')
        raise ConfigError(f"risk.robustness.low_drop_share={low_drop_share:g} leaves {int((y[keep] == 0).sum())} of the "
                          f"{int((y[train] == 0).sum())} low-risk training samples for the robustness refit, which fails on "
                          f"them ({exc.message}); expected a smaller share") from None
    out = {}
    for name, m in (("mask", score(result.model, X_masked)), ("noise", score(result.model, X_noisy)),
                    ("fewer_low", score(refit, X[test]))):
        out[name] = {
            "f1_macro": m["f1_macro"], "accuracy": m["accuracy"], "recall_high": ev.top_recall(m),
            "delta_f1_macro": m["f1_macro"] - base["f1_macro"], "delta_accuracy": m["accuracy"] - base["accuracy"],
            "delta_recall_high": ev.top_recall(m) - ev.top_recall(base),
        }
    return out
