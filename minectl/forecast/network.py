"""The price LSTM's torch side: the network, its training and its one-step forecast.

Kept apart from `minectl.forecast.lstm` (the estimator: parameters, checks, scaling), which the
config checks import, so that a process imports torch (1 s) only when it first fits or unpickles
a fitted LSTM: in `minectl forecast` that is while the worker fits too, not before it gets a fit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch

from minectl.heap import keep_freed_memory
from minectl.models.training import Fitted, fit_early_stopping, resolve_device


class LSTMNetwork(torch.nn.Module):
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


def train(inputs: np.ndarray, targets: np.ndarray, n_val: int, *, hidden_size: int, num_layers: int, dropout: float,
          learning_rate: float, batch_size: int, max_epochs: int, patience: int, random_state: int, device: str,
          cpu_threads: int) -> tuple[Fitted, torch.device]:
    """The network fitted on windows ``inputs`` (n, seq_len) -> ``targets`` (n,), the last ``n_val``
    windows for early stopping, and the device it lives on."""
    device = resolve_device(device)
    keep_freed_memory()  # its steps free and take back the same blocks: 1.1 M page faults a forecast else
    with threads(cpu_threads if device.type == "cpu" else None):
        x_all = torch.as_tensor(inputs[:, :, None], dtype=torch.float32, device=device)
        y_all = torch.as_tensor(targets, dtype=torch.float32, device=device)
        fitted = fit_early_stopping(
            lambda: LSTMNetwork(hidden_size, num_layers, dropout), torch.nn.MSELoss(),
            train=((x_all[:-n_val],), y_all[:-n_val]), validation=((x_all[-n_val:],), y_all[-n_val:]),
            learning_rate=learning_rate, batch_size=batch_size, max_epochs=max_epochs,
            patience=patience, random_state=random_state, device=device,
        )
    return fitted, device


@contextmanager
def stepper(network: torch.nn.Module, device: torch.device, cpu_threads: int) -> Iterator[Callable[[np.ndarray], float]]:
    """Inside the block: the network's output for one scaled input window (seq_len,)."""
    with torch.no_grad(), threads(cpu_threads if device.type == "cpu" else None):
        yield lambda window: float(network(torch.as_tensor(window[None, :, None], dtype=torch.float32, device=device)).item())


@contextmanager
def threads(n):
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
