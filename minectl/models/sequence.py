"""LSTM classifier over sliding windows (seed 000 eqs 8, 9, 12), scikit-learn shaped.

Feature layout shared by every minectl risk model: a row of ``X`` is the dynamic window,
flattened time-major (``window`` steps x ``n_dynamic`` indicators), followed by ``n_static``
static features taken at the window's end.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from torch import nn

from minectl.models.training import fit_early_stopping, resolve_device


def split_features(X, window: int, n_static: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, window*f + s) -> dynamic (n, window, f) and static (n, s) float32 arrays."""
    X = np.asarray(X, dtype=np.float32)
    n_dynamic_cols = X.shape[1] - n_static
    if window < 1 or n_dynamic_cols <= 0 or n_dynamic_cols % window:
        raise ValueError(
            f"X has {X.shape[1]} columns: expected window ({window}) x n_dynamic + n_static ({n_static})"
        )
    dynamic = X[:, :n_dynamic_cols].reshape(len(X), window, n_dynamic_cols // window)
    return dynamic, X[:, n_dynamic_cols:]


def balanced_class_weights(y_idx: np.ndarray, n_classes: int) -> np.ndarray:
    """alpha_k = n / (K * n_k) (eq 12's category weights); absent classes get weight 0."""
    counts = np.bincount(y_idx, minlength=n_classes).astype(float)
    with np.errstate(divide="ignore"):
        weights = np.where(counts > 0, len(y_idx) / (n_classes * counts), 0.0)
    return weights


def class_weight_vector(class_weight, classes: np.ndarray, y_idx: np.ndarray) -> np.ndarray:
    """alpha per class from 'balanced', a {class: weight} dict, or None (all 1)."""
    if class_weight == "balanced":
        return balanced_class_weights(y_idx, len(classes))
    if isinstance(class_weight, dict):
        return np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
    return np.ones(len(classes))


def validated_fit_data(estimator, X, y, validation_data, validation_fraction):
    """sklearn input checks, then (X_fit, y_fit, X_val, y_val): the given validation part or
    the chronological tail of X."""
    X, y = validate_data(estimator, X, y, dtype=np.float64)
    check_classification_targets(y)
    if validation_data is None:
        fit_part, val_part = chronological_holdout(len(X), validation_fraction)
        return X[fit_part], y[fit_part], X[val_part], y[val_part]
    X_val = check_array(validation_data[0], dtype=np.float64)
    if X_val.shape[1] != X.shape[1]:
        raise ValueError(f"validation_data has {X_val.shape[1]} features, X has {X.shape[1]}")
    return X, y, X_val, np.asarray(validation_data[1])


def chronological_holdout(n: int, fraction: float) -> tuple[slice, slice]:
    """First (1 - fraction) rows for fitting, the last fraction for validation (never shuffled)."""
    n_val = max(1, int(round(n * fraction)))
    if n - n_val < 2:
        raise ValueError(f"{n} samples are too few for a validation_fraction of {fraction}")
    return slice(0, n - n_val), slice(n - n_val, n)


class _LSTMNet(nn.Module):
    def __init__(self, n_dynamic, n_static, hidden_size, num_layers, dropout, n_classes):
        super().__init__()
        self.embed = nn.Linear(n_dynamic, hidden_size)  # z_t = W x_t + b (eq 8)
        self.lstm = nn.LSTM(
            hidden_size, hidden_size, num_layers, batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size + n_static, n_classes)

    def encode(self, seq):
        _, (h, _) = self.lstm(self.embed(seq))
        return h[-1]  # h_t at the window's end (eq 9)

    def forward(self, seq, static):
        return self.head(self.dropout(torch.cat([self.encode(seq), static], dim=1)))


# The LSTM's parameters; the hybrid adds its forest's.
LSTM_CONSTRAINTS = {
    "window": [Interval(Integral, 1, None, closed="left")],
    "n_static": [Interval(Integral, 0, None, closed="left")],
    "hidden_size": [Interval(Integral, 1, None, closed="left")],
    "num_layers": [Interval(Integral, 1, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "patience": [Interval(Integral, 0, None, closed="left")],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "class_weight": [StrOptions({"balanced"}), dict, None],
    "device": [StrOptions({"auto", "cpu", "cuda"})],
    "random_state": [Interval(Integral, 0, None, closed="left")],
}


class LSTMClassifier(ClassifierMixin, BaseEstimator):
    """LSTM over the window, static features joined at the head; class-weighted loss,
    dropout and early stopping on a chronological validation tail (or ``validation_data``)."""

    _parameter_constraints = LSTM_CONSTRAINTS

    def __init__(
        self, window=7, n_static=0, hidden_size=32, num_layers=1, dropout=0.2, max_epochs=40,
        batch_size=64, learning_rate=3e-3, patience=6, validation_fraction=0.15,
        class_weight="balanced", device="auto", random_state=0,
    ):
        self.window = window
        self.n_static = n_static
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.device = device
        self.random_state = random_state

    def _tensors(self, X):
        dynamic, static = split_features(X, self.window, self.n_static)
        return torch.from_numpy(dynamic).to(self.device_), torch.from_numpy(static).to(self.device_)

    def _new_net(self) -> _LSTMNet:
        return _LSTMNet(
            self.n_dynamic_, self.n_static, self.hidden_size, self.num_layers, self.dropout, len(self.classes_)
        ).to(self.device_)

    def fit(self, X, y, validation_data=None):
        self._validate_params()
        X, y, X_val, y_val = validated_fit_data(self, X, y, validation_data, self.validation_fraction)
        self.classes_ = np.unique(y)
        self.device_ = resolve_device(self.device)
        seq, stat = self._tensors(X)
        self.n_dynamic_ = seq.shape[2]
        y_idx = np.searchsorted(self.classes_, y)
        weights = class_weight_vector(self.class_weight, self.classes_, y_idx)
        loss_fn = nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32, device=self.device_))
        # validation labels unseen in training cannot be scored: they are left out of the stopping loss
        val_known = np.isin(np.asarray(y_val), self.classes_)
        val_target = torch.from_numpy(np.searchsorted(self.classes_, np.asarray(y_val))[val_known])
        fitted = fit_early_stopping(
            self._new_net, loss_fn,
            train=((seq, stat), torch.from_numpy(y_idx).to(self.device_)),
            validation=(self._tensors(X_val), val_target.to(self.device_)),
            learning_rate=self.learning_rate, batch_size=self.batch_size, max_epochs=self.max_epochs,
            patience=self.patience, random_state=self.random_state, device=self.device_,
            min_delta=1e-6, validation_rows=torch.from_numpy(val_known).to(self.device_),
        )
        self.net_, self.history_ = fitted.network, fitted.validation_loss
        self.n_epochs_ = len(self.history_)
        return self

    def _batched(self, X, fn):
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        seq, stat = self._tensors(X)
        with torch.no_grad():
            return torch.cat(
                [fn(seq[i:i + 4096], stat[i:i + 4096]) for i in range(0, len(seq), 4096)]
            ).cpu().numpy().astype(np.float64)

    def encode(self, X) -> np.ndarray:
        """h_t of every row (n, hidden_size)."""
        return self._batched(X, lambda seq, _stat: self.net_.encode(seq))

    def predict_proba(self, X):
        return self._batched(X, lambda seq, stat: torch.softmax(self.net_(seq, stat), dim=1))

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def rebuild_net(self, state_dict, classes, n_features, n_dynamic):
        """Restore a fitted model from a saved state_dict (used by minectl.models.save/load)."""
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = n_features
        self.n_dynamic_ = n_dynamic
        self.device_ = resolve_device(self.device)
        self.net_ = self._new_net()
        self.net_.load_state_dict(state_dict)
        self.net_.eval()
        return self
