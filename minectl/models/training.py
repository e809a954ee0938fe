"""The one torch training loop of minectl's sequence models (the risk LSTM, the price LSTM):
Adam (torch's update, see _Adam) over shuffled mini-batches, early stopping on a validation loss, the best epoch kept."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch

from minectl.errors import ConfigError

__all__ = ["Fitted", "fit_early_stopping", "resolve_device"]


class Fitted(NamedTuple):
    network: torch.nn.Module  # in eval mode, holding the weights of the best validation epoch
    train_loss: list[float]  # per epoch, the mean over training rows
    validation_loss: list[float]  # per epoch


def fit_early_stopping(
    make_network: Callable[[], torch.nn.Module],
    loss_fn: Callable,
    train: tuple[tuple[torch.Tensor, ...], torch.Tensor],
    validation: tuple[tuple[torch.Tensor, ...], torch.Tensor],
    *,
    learning_rate: float,
    batch_size: int,
    max_epochs: int,
    patience: int,
    random_state: int,
    device: torch.device,
    min_delta: float = 0.0,
    validation_rows: torch.Tensor | None = None,
) -> Fitted:
    """Train ``make_network()`` on ``train`` = (network inputs, target) and stop after ``patience``
    epochs without the validation loss falling by more than ``min_delta``.

    ``random_state`` seeds torch before the network is built (initial weights, dropout) and,
    in a generator of its own, the batch order: the same seed gives the same fit.
    ``validation_rows`` (a mask) selects the validation outputs that are scored, the validation
    target holding those rows only (e.g. labels the network cannot predict left out); an empty
    target scores 0.
    """
    torch.manual_seed(random_state)
    network = make_network().to(device)
    optimiser = _Adam(list(network.parameters()), learning_rate)
    shuffler = torch.Generator().manual_seed(random_state)
    (inputs, target), (val_inputs, val_target) = train, validation
    best_loss, best_state, stale = np.inf, None, 0
    train_loss, validation_loss = [], []
    for _ in range(max_epochs):
        network.train()
        order = torch.randperm(len(target), generator=shuffler).to(device)
        epoch_loss = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            optimiser.zero_grad()
            loss = loss_fn(network(*(x[batch] for x in inputs)), target[batch])
            loss.backward()
            optimiser.step()
            epoch_loss += loss.item() * len(batch)
        network.eval()
        with torch.no_grad():
            output = network(*val_inputs)
            if validation_rows is not None:
                output = output[validation_rows]
            val_loss = float(loss_fn(output, val_target)) if len(val_target) else 0.0
        train_loss.append(epoch_loss / len(target))
        validation_loss.append(val_loss)
        if val_loss < best_loss - min_delta:
            best_loss, best_state, stale = val_loss, copy.deepcopy(network.state_dict()), 0
        else:
            stale += 1
            if stale >= patience:
                break
    network.load_state_dict(best_state)
    network.eval()
    return Fitted(network, train_loss, validation_loss)


def resolve_device(device: str) -> torch.device:
    """'auto' -> CUDA when present, else CPU; 'cuda' needs a CUDA device; anything else is passed to torch."""
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("cuda requested but no CUDA device is available; use auto or cpu", param="device")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class _Adam:
    """torch.optim.Adam's CPU update (single-tensor path, default betas and eps) without torch.optim,
    whose first step imports torch._dynamo (0.9 s of every command that trains an LSTM).
    tests/models/test_training.py holds it to torch's steps bit for bit.

    Each step is torch's per-tensor update, applied to all parameters by one `torch._foreach_*`
    call per operation: on CPU those loop over the same per-tensor kernels (the same bits) in C++
    instead of 60 Python calls a step (0.36 -> 0.1 ms a step of the price LSTM)."""

    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, (self.beta1, self.beta2), self.eps = params, lr, betas, eps
        self.exp_avgs = [torch.zeros_like(p) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in params]
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        # every parameter of these networks gets a gradient each step (torch skips those without)
        beta1, beta2 = self.beta1, self.beta2
        grads = [p.grad for p in self.params]
        self.steps += 1
        torch._foreach_lerp_(self.exp_avgs, grads, 1 - beta1)
        torch._foreach_mul_(self.exp_avg_sqs, beta2)
        torch._foreach_addcmul_(self.exp_avg_sqs, grads, grads, value=1 - beta2)
        # torch's order of operations, for the same bits: lr / (1 - beta1^t), sqrt(v) / sqrt(1 - beta2^t) + eps
        denom = torch._foreach_sqrt(self.exp_avg_sqs)
        torch._foreach_div_(denom, (1 - beta2**self.steps) ** 0.5)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.exp_avgs, denom, value=-(self.lr / (1 - beta1**self.steps)))
