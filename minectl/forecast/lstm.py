"""LSTM price forecaster (torch), with the fit/update/predict interface of minectl.forecast.models."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch

from minectl.errors import ConfigError
from minectl.forecast.models import BaseForecaster
from minectl.models.sequence import resolve_device
from minectl.models.training import fit_early_stopping


class LSTMForecaster(BaseForecaster):
    """Two-layer LSTM on log prices, trained with Adam on MSE and early stopping on a validation tail.

    With `differenced=True` (default) a window of `seq_len` log prices is taken relative to its
    last value and the network predicts the next month's log change: the model is then
    independent of the price level and can follow prices outside the training range (the
    2021-22 coal spike). `differenced=False` is the seed's set-up: standardised log levels in,
    the next standardised log level out. Forecasts beyond one month are recursive.
    """

    def __init__(
        self,
        seq_len: int = 18,
        hidden_size: int = 64,
        num_layers: int = 2,
        dropout: float = 0.2,
        learning_rate: float = 1e-3,
        batch_size: int = 32,
        max_epochs: int = 100,
        patience: int = 10,
        validation_fraction: float = 0.15,
        differenced: bool = True,
        device: str = "auto",
        cpu_threads: int = 1,
        random_state: int = 0,
    ):
        self.seq_len = seq_len
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.differenced = differenced
        self.device = device
        self.cpu_threads = cpu_threads
        self.random_state = random_state

    def check_params(self):
        for name in ("seq_len", "hidden_size", "num_layers", "batch_size", "max_epochs", "patience", "cpu_threads"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name}: expected an integer >= 1, got {value!r}")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout: expected a value in [0, 1), got {self.dropout}")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate: expected a value > 0, got {self.learning_rate}")
        if not 0 < self.validation_fraction < 1:
            raise ConfigError(f"validation_fraction: expected a value in (0, 1), got {self.validation_fraction}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device: expected auto, cpu or cuda; got {self.device!r}")

    def min_history(self):
        # at least 10 training windows and one validation window
        return self.seq_len + 11

    def _scale(self, z: np.ndarray) -> None:
        if self.differenced:
            self.center_, self.scale_ = 0.0, float(np.std(np.diff(z)) or 1.0)
        else:
            self.center_, self.scale_ = float(np.mean(z)), float(np.std(z) or 1.0)

    def _inputs(self, windows: np.ndarray) -> np.ndarray:
        """Scaled network inputs for log-price windows of shape (n, seq_len)."""
        if self.differenced:
            return (windows - windows[:, -1:]) / self.scale_
        return (windows - self.center_) / self.scale_

    def _fit(self, y):
        device = resolve_device(self.device)
        with _threads(self.cpu_threads if device.type == "cpu" else None):
            self._train(y, device)

    def _train(self, y, device):
        z = np.log(y)
        self._scale(z)
        windows = np.lib.stride_tricks.sliding_window_view(z[:-1], self.seq_len)
        following = z[self.seq_len :]
        base = windows[:, -1] if self.differenced else self.center_
        targets = (following - base) / self.scale_
        inputs = self._inputs(windows)
        n_val = max(1, int(round(self.validation_fraction * len(inputs))))
        x_all = torch.as_tensor(inputs[:, :, None], dtype=torch.float32, device=device)
        y_all = torch.as_tensor(targets, dtype=torch.float32, device=device)
        fitted = fit_early_stopping(
            lambda: _LSTMNetwork(self.hidden_size, self.num_layers, self.dropout), torch.nn.MSELoss(),
            train=((x_all[:-n_val],), y_all[:-n_val]), validation=((x_all[-n_val:],), y_all[-n_val:]),
            learning_rate=self.learning_rate, batch_size=self.batch_size, max_epochs=self.max_epochs,
            patience=self.patience, random_state=self.random_state, device=device,
        )
        self.network_, self.device_ = fitted.network, device
        self.train_loss_, self.validation_loss_ = fitted.train_loss, fitted.validation_loss
        self.best_epoch_ = int(np.argmin(self.validation_loss_)) + 1

    def _predict(self, h):
        z = list(np.log(self.history_[-self.seq_len :]))
        with torch.no_grad(), _threads(self.cpu_threads if self.device_.type == "cpu" else None):
            for _ in range(h):
                window = np.asarray(z[-self.seq_len :])[None, :]
                x = torch.as_tensor(self._inputs(window)[:, :, None], dtype=torch.float32, device=self.device_)
                step = float(self.network_(x).item()) * self.scale_
                z.append(window[0, -1] + step if self.differenced else self.center_ + step)
        return np.exp(np.asarray(z[self.seq_len :]))


@contextmanager
def _threads(n):
    """torch's intra-op CPU threads set to n (None: unchanged) inside the block.

    A one-feature LSTM over a few hundred windows is fastest on one thread: on a shared 2-core
    machine two threads made a fit 4x slower, more under load (benchmarks/forecast.py).
    """
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _LSTMNetwork(torch.nn.Module):
    """Stacked LSTM; the last hidden state goes through a linear layer to one output."""

    def __init__(self, hidden_size, num_layers, dropout):
        super().__init__()
        self.lstm = torch.nn.LSTM(
            1, hidden_size, num_layers=num_layers, batch_first=True, dropout=dropout if num_layers > 1 else 0.0
        )
        self.head = torch.nn.Linear(hidden_size, 1)

    def forward(self, x):
        output, _ = self.lstm(x)
        return self.head(output[:, -1, :]).squeeze(-1)
