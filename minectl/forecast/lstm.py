"""LSTM price forecaster, with the fit/update/predict interface of minectl.forecast.models; its
torch network and training are in minectl.forecast.network, imported by the first fit."""

from __future__ import annotations

import bisect
import math

import numpy as np

from minectl.errors import ConfigError
from minectl.forecast.models import BaseForecaster, is_integer, is_real

MIN_TRAINING_WINDOWS = 9  # what the default validation_fraction (0.15) leaves of the fewest windows, 11


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
            if not is_integer(value) or value < 1:
                raise ConfigError(f"{name}: expected an integer >= 1, got {value!r}")
        if not is_real(self.dropout) or not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout: expected a value in [0, 1), got {self.dropout!r}")
        # true counted as 1, inf trained to NaN weights
        if not is_real(self.learning_rate) or not 0 < self.learning_rate < np.inf:
            raise ConfigError(f"learning_rate: expected a finite value > 0, got {self.learning_rate!r}")
        if not isinstance(self.differenced, bool):  # any text, 'false' among them, read as true
            raise ConfigError(f"differenced: expected true or false, got {self.differenced!r}")
        if not is_real(self.validation_fraction) or not 0 < self.validation_fraction < 1:
            raise ConfigError(f"validation_fraction: expected a value in (0, 1), got {self.validation_fraction!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device: expected auto, cpu or cuda; got {self.device!r}")

    def unused_params(self):
        # torch's dropout acts between stacked layers only: one layer trains without it (network.LSTMNetwork)
        return [f"dropout={self.dropout:g} is not used with num_layers=1 (dropout acts between stacked LSTM layers)"] \
            if self.num_layers == 1 and self.dropout > 0 else []

    def min_history(self):
        """seq_len months and a window a month after them: at least 11 windows, the last
        validation_fraction of them (one at least) for early stopping and 9 or more to train on.
        validation_fraction=0.999 of 100 windows left none (a ZeroDivisionError traceback), 0.99
        left one, and the forecast came from a network trained on one window, without a word."""
        # the windows left to train on never fall as windows are added (the validation ones grow by at most
        # one a window), and reach the minimum by (MIN_TRAINING_WINDOWS + 0.5) / (1 - validation_fraction)
        counts = range(11, max(11, math.ceil((MIN_TRAINING_WINDOWS + 0.5) / (1 - self.validation_fraction))) + 1)
        first = bisect.bisect_left(counts, True, key=lambda n: n - self._validation_windows(n) >= MIN_TRAINING_WINDOWS)
        return self.seq_len + counts[first]

    def _validation_windows(self, windows: int) -> int:
        return max(1, int(round(self.validation_fraction * windows)))

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
        from minectl.forecast.network import train

        z = np.log(y)
        self._scale(z)
        windows = np.lib.stride_tricks.sliding_window_view(z[:-1], self.seq_len)
        following = z[self.seq_len :]
        base = windows[:, -1] if self.differenced else self.center_
        targets = (following - base) / self.scale_
        n_val = self._validation_windows(len(windows))
        fitted, self.device_ = train(
            self._inputs(windows), targets, n_val, hidden_size=self.hidden_size, num_layers=self.num_layers,
            dropout=self.dropout, learning_rate=self.learning_rate, batch_size=self.batch_size, max_epochs=self.max_epochs,
            patience=self.patience, random_state=self.random_state, device=self.device, cpu_threads=self.cpu_threads,
        )
        self.network_ = fitted.network
        self.train_loss_, self.validation_loss_ = fitted.train_loss, fitted.validation_loss
        self.best_epoch_ = int(np.argmin(self.validation_loss_)) + 1

    def _predict(self, h):
        from minectl.forecast.network import stepper

        z = list(np.log(self.history_[-self.seq_len :]))
        with stepper(self.network_, self.device_, self.cpu_threads) as next_step:
            for _ in range(h):
                window = np.asarray(z[-self.seq_len :])[None, :]
                step = next_step(self._inputs(window)[0]) * self.scale_
                z.append(window[0, -1] + step if self.differenced else self.center_ + step)
        return np.exp(np.asarray(z[self.seq_len :]))
