"""Supervised samples: the state at t + h from the window of the w days ending at t (no look-ahead)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minectl.errors import ConfigError


@dataclass(frozen=True)
class Samples:
    """X rows: flattened window (time-major) + static features at t; y: level at t + lead."""

    X: np.ndarray
    y: np.ndarray
    end_index: np.ndarray  # t, the last day the features may use
    target_index: np.ndarray  # t + lead


def window_features(dynamic: np.ndarray, static: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows for every t >= window - 1: (X, end_index). Row t reads days t-w+1..t only."""
    T = len(dynamic)
    if window < 1 or window > T:
        raise ConfigError(f"{window} must be between 1 and the number of periods ({T} rows)", param="window")
    n, width = T - window + 1, dynamic.shape[1]
    end_index = np.arange(window - 1, T)
    # written in place, block by block (day t-w+1+step in block step): no stacked copies of the
    # matrix, which is the largest array of a run (rows x window x indicators)
    X = np.empty((n, window * width + static.shape[1]), dtype=np.result_type(dynamic, static))
    for step in range(window):
        X[:, step * width : (step + 1) * width] = dynamic[step : step + n]
    X[:, window * width :] = static[end_index]
    return X, end_index


def supervised_samples(
    dynamic: np.ndarray, static: np.ndarray, labels: np.ndarray, window: int, lead: int
) -> Samples:
    """Pairs (window ending at t, label at t + lead) for every t with a full window and a label."""
    if lead < 0:
        raise ConfigError(f"{lead} must be >= 0", param="lead")
    X, end_index = window_features(dynamic, static, window)
    keep = end_index + lead < len(labels)
    if not keep.any():
        raise ConfigError(
            f"window {window} + lead {lead} leave no sample in {len(labels)} periods (rows of a series); expected "
            f"window + lead at most {len(labels)}", param=("window", "lead")
        )
    kept = int(keep.sum())  # a prefix: the last `lead` windows have no label yet
    X, end_index = X[:kept], end_index[:kept]
    return Samples(X=X, y=labels[end_index + lead], end_index=end_index, target_index=end_index + lead)


def feature_names(dynamic_names: list[str], static_names: list[str], window: int) -> list[str]:
    """Names of the X columns: '<indicator>@t-<k>' for the window, then the static names."""
    return [f"{name}@t-{window - 1 - step}" for step in range(window) for name in dynamic_names] + list(
        static_names
    )


class ZScore:
    """z-score (seed eq 4) with mean and sd fitted on the training days only; constant columns
    get sd 1 so they pass through centred."""

    def fit(self, values: np.ndarray) -> "ZScore":
        values = np.asarray(values, dtype=float)
        self.mean_ = np.nanmean(values, axis=0) if len(values) else np.zeros(values.shape[1])
        sd = np.nanstd(values, axis=0) if len(values) else np.ones(values.shape[1])
        self.sd_ = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
        self.mean_ = np.nan_to_num(self.mean_)
        return self

    def transform(self, values: np.ndarray) -> np.ndarray:
        scaled = np.asarray(values, dtype=float) - self.mean_
        scaled /= self.sd_  # in place: one new matrix, not two
        return scaled
