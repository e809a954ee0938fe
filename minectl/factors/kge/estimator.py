"""`KGEModel`: a knowledge-graph embedding as a scikit-learn-style estimator in torch.

Two ways to train, one estimator: ``loss="margin"`` or ``"self_adversarial"`` draw
``negatives`` corruptions per true triple (Bernoulli head/tail choice, seed 001 eq 15, or
uniform); ``loss="bce"`` and ``"ce"`` score every entity at once (1-vs-all): "bce" per
(anchor, relation) query against multi-hot targets, "ce" per training triple with a softmax
over entities (Lacroix et al. 2018). With ``reciprocal`` (1-vs-all only) a head query (?, r, t)
becomes the tail query (t, r^-1, ?), r^-1 a relation of its own. ``optimizer``: Adam, or
Adagrad as Lacroix et al. use for 1-vs-all ComplEx with N3. Early stopping keeps the weights of
the best filtered validation MRR (filtered with the training and validation triples only: the
test triples never take part in fitting or model selection).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from minectl.factors.kge.data import bernoulli_head_probability
from minectl.factors.kge.evaluation import evaluate
from minectl.factors.kge.scoring import SCORERS

# Adagrad is Lacroix et al.'s (2018) optimiser for 1-vs-all ComplEx with N3
OPTIMIZERS = {"adam": torch.optim.Adam, "adagrad": torch.optim.Adagrad}


class KGEModel(BaseEstimator):
    _parameter_constraints = {
        "model": [StrOptions(set(SCORERS))],
        "dim": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions({"margin", "self_adversarial", "bce", "ce"})],
        "negatives": [Interval(Integral, 1, None, closed="left")],
        "sampler": [StrOptions({"bernoulli", "uniform"})],
        "margin": [Interval(Real, 0, None, closed="left")],
        "adversarial_temperature": [Interval(Real, 0, None, closed="left")],
        "p_norm": [Interval(Integral, 1, 2, closed="both")],
        "reciprocal": ["boolean"],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "regularization": [Interval(Real, 0, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "eval_every": [Interval(Integral, 1, None, closed="left")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "device": [StrOptions({"auto", "cpu", "cuda"})],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __init__(self, model: str = "transe", dim: int = 50, loss: str = "margin", negatives: int = 1,
                 sampler: str = "bernoulli", margin: float = 1.0, adversarial_temperature: float = 1.0,
                 p_norm: int = 1, reciprocal: bool = True, label_smoothing: float = 0.0, regularization: float = 0.0,
                 epochs: int = 100, batch_size: int = 256, learning_rate: float = 0.01, optimizer: str = "adam",
                 eval_every: int = 10, patience: int = 5, device: str = "auto", random_state: int | None = None) -> None:
        self.model = model
        self.dim = dim
        self.loss = loss
        self.negatives = negatives
        self.sampler = sampler
        self.margin = margin
        self.adversarial_temperature = adversarial_temperature
        self.p_norm = p_norm
        self.reciprocal = reciprocal
        self.label_smoothing = label_smoothing
        self.regularization = regularization
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.eval_every = eval_every
        self.patience = patience
        self.device = device
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    def fit(self, X: np.ndarray, y=None, *, n_entities: int, n_relations: int,
            X_valid: np.ndarray | None = None, progress: Callable[[int], None] | None = None) -> KGEModel:
        """Learn embeddings of the (n, 3) int triples ``X``; ``X_valid``: early stopping on its filtered MRR;
        ``progress(1)`` after each epoch (minutes each on a graph of FB15k-237's size)."""
        self._validate_params()
        X = _triples(X, n_entities, n_relations, "X")
        self.n_entities_, self.n_relations_ = n_entities, n_relations
        self.device_ = torch.device("cuda" if self.device == "cuda" or (self.device == "auto" and torch.cuda.is_available()) else "cpu")
        seed = 0 if self.random_state is None else self.random_state
        torch.manual_seed(seed)
        one_vs_all = self.loss in ("bce", "ce")
        self.inverse_ = one_vs_all and self.reciprocal
        self.scorer_ = SCORERS[self.model](n_entities, n_relations * (2 if self.inverse_ else 1), self.dim, self.p_norm).to(self.device_)
        optimiser = OPTIMIZERS[self.optimizer](self.scorer_.parameters(), lr=self.learning_rate)
        generator = torch.Generator().manual_seed(seed)
        step = self._one_vs_all_epoch if one_vs_all else self._negative_epoch
        queries = self._queries(X) if one_vs_all else None
        head_prob = torch.as_tensor(bernoulli_head_probability(X, n_relations) if self.sampler == "bernoulli"
                                    else np.full(n_relations, 0.5), device=self.device_)
        X_t = torch.as_tensor(X, device=self.device_)
        known = X if X_valid is None else np.concatenate([X, _triples(X_valid, n_entities, n_relations, "X_valid")])
        best, best_state, waited, self.history_ = -1.0, None, 0, []
        for epoch in range(1, self.epochs + 1):
            self.scorer_.train()
            loss = step(X_t, queries, head_prob, optimiser, generator)
            self.history_.append({"epoch": epoch, "loss": loss})
            if progress:
                progress(1)
            if X_valid is None or (epoch % self.eval_every and epoch != self.epochs):
                continue
            mrr = self._evaluate(X_valid, known)["filtered"]["mrr"]
            self.history_[-1]["valid_mrr"] = mrr
            if mrr > best:
                best, best_state, waited = mrr, copy.deepcopy(self.scorer_.state_dict()), 0
            else:
                waited += 1
                if waited >= self.patience:
                    break
        if best_state is not None:
            self.scorer_.load_state_dict(best_state)
        self.best_valid_mrr_ = best if X_valid is not None else None
        self.epochs_run_ = len(self.history_)
        self.scorer_.eval()
        return self

    def _queries(self, X: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Tail queries: "ce" one row (anchor, relation, answer) per triple; "bce" one row per
        unique (anchor, relation) and its answers (`_multi_hot` makes a batch's targets)."""
        rows = X
        if self.inverse_:
            rows = np.concatenate([X, np.stack([X[:, 2], X[:, 1] + self.n_relations_, X[:, 0]], axis=1)])
        if self.loss == "ce":
            return torch.as_tensor(rows, device=self.device_), torch.as_tensor(rows[:, 2], device=self.device_)
        keys, query_of = np.unique(rows[:, :2], axis=0, return_inverse=True)
        # each query's answers, in query order: the multi-hot rows are made per batch (a dense
        # (queries, E) table would take 14 GB at FB15k-237's size)
        query_of = query_of.ravel()
        answers = rows[np.argsort(query_of, kind="stable"), 2]
        starts = np.concatenate([[0], np.cumsum(np.bincount(query_of, minlength=len(keys)))])
        return torch.as_tensor(keys, device=self.device_), (answers, starts)

    def _multi_hot(self, answers: tuple[np.ndarray, np.ndarray], batch: torch.Tensor) -> torch.Tensor:
        """The (B, E) "bce" targets of the batch's queries: 1 at each answer, label-smoothed."""
        answer, starts = answers
        batch = batch.cpu().numpy()
        counts = starts[batch + 1] - starts[batch]
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)  # 0.. in each query's answers
        targets = np.zeros((len(batch), self.n_entities_), dtype=np.float32)
        targets[np.repeat(np.arange(len(batch)), counts), answer[np.repeat(starts[batch], counts) + within]] = 1.0
        if self.label_smoothing:
            targets = targets * (1 - self.label_smoothing) + self.label_smoothing / self.n_entities_
        return torch.as_tensor(targets, device=self.device_)

    def _one_vs_all_epoch(self, X, queries, head_prob, optimiser, generator) -> float:
        keys, targets = queries
        total = 0.0
        order = torch.randperm(len(keys), generator=generator).to(self.device_)
        for start in range(0, len(keys), self.batch_size):
            batch = order[start:start + self.batch_size]
            scores = self.scorer_(keys[batch, 0], keys[batch, 1], None)
            if self.loss == "ce":
                loss = F.cross_entropy(scores, targets[batch], label_smoothing=self.label_smoothing)
            else:
                loss = F.binary_cross_entropy_with_logits(scores, self._multi_hot(targets, batch))
            loss = loss + self._penalty(keys[batch, 0], keys[batch, 1], keys[batch, 2] if keys.shape[1] == 3 else None)
            total += self._step(loss, optimiser) * len(batch)
        return total / len(keys)

    def _negative_epoch(self, X, queries, head_prob, optimiser, generator) -> float:
        total, k = 0.0, self.negatives
        order = torch.randperm(len(X), generator=generator).to(self.device_)
        # the epoch's corruptions drawn at once: a uniform for the Bernoulli choice and an entity each
        uniform = torch.rand(len(X) * k, generator=generator).to(self.device_)
        random_entity = torch.randint(self.n_entities_, (len(X) * k,), generator=generator).to(self.device_)
        for start in range(0, len(X), self.batch_size):
            pos = X[order[start:start + self.batch_size]]
            neg = pos.repeat_interleave(k, dim=0)
            draws = slice(start * k, start * k + len(neg))
            corrupt_head = uniform[draws] < head_prob[neg[:, 1]]
            neg[:, 0] = torch.where(corrupt_head, random_entity[draws], neg[:, 0])
            neg[:, 2] = torch.where(corrupt_head, neg[:, 2], random_entity[draws])
            both = torch.cat([pos, neg])  # one forward pass for positives and negatives
            scores = self.scorer_(both[:, 0], both[:, 1], both[:, 2])[:, 0]
            s_pos, s_neg = scores[: len(pos)], scores[len(pos):].view(len(pos), k)
            if self.loss == "margin":
                loss = F.relu(self.margin - s_pos[:, None] + s_neg).mean()
            else:  # self-adversarial (Sun et al. 2019): harder negatives weigh more, weights not trained
                weights = torch.softmax(self.adversarial_temperature * s_neg, dim=1).detach()
                loss = (-F.logsigmoid(self.margin + s_pos) - (weights * F.logsigmoid(-(self.margin + s_neg))).sum(1)).mean()
            loss = loss + self._penalty(pos[:, 0], pos[:, 1], pos[:, 2])
            total += self._step(loss, optimiser) * len(pos)
        return total / len(X)

    def _penalty(self, *indices: torch.Tensor) -> torch.Tensor | float:
        """N3 regularisation (Lacroix et al. 2018): sum |x|^3 over the embedding rows of the batch's
        (head, relation, tail), divided by the batch size. Summed per table row first, then gathered:
        on graphs of a few hundred entities that is a third cheaper per 1-vs-all step than gathering
        three batches of rows (which each step scores against every entity anyway)."""
        if not self.regularization:
            return 0.0
        entity = self.scorer_.entities.weight.abs().pow(3).sum(1)
        per_row = (entity, self.scorer_.relations.weight.abs().pow(3).sum(1), entity)
        used = [n3[index].sum() for n3, index in zip(per_row, indices, strict=True) if index is not None]
        return self.regularization * sum(used) / len(indices[0])

    @staticmethod
    def _step(loss: torch.Tensor, optimiser: torch.optim.Optimizer) -> float:
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        return float(loss.detach())

    # ------------------------------------------------------------------ scoring
    @torch.no_grad()
    def score_all(self, anchor: torch.Tensor, relation: torch.Tensor, side: str) -> torch.Tensor:
        """(B, E) scores of every entity as the tail of (anchor, relation, ?) or the head of (?, relation, anchor)."""
        check_is_fitted(self, "scorer_")
        anchor, relation = anchor.to(self.device_), relation.to(self.device_)
        if side == "tail":
            return self.scorer_(anchor, relation, None)
        if self.inverse_:
            return self.scorer_(anchor, relation + self.n_relations_, None)
        return self.scorer_(None, relation, anchor)

    @torch.no_grad()
    def score_triples(self, X: np.ndarray) -> np.ndarray:
        """Plausibility of each (h, r, t) row (the tail-side score; higher is more plausible)."""
        check_is_fitted(self, "scorer_")
        X = torch.as_tensor(_triples(X, self.n_entities_, self.n_relations_, "X"), device=self.device_)
        return self.scorer_(X[:, 0], X[:, 1], X[:, 2])[:, 0].cpu().numpy()

    def _evaluate(self, X: np.ndarray, known: np.ndarray) -> dict:
        self.scorer_.eval()
        return evaluate(self.score_all, X, known, device=self.device_)


def _triples(X, n_entities: int, n_relations: int, name: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 3 or not np.issubdtype(X.dtype, np.integer):
        raise ValueError(f"{name}: expected an (n, 3) integer array of (head, relation, tail) ids, got shape {X.shape} {X.dtype}")
    if len(X) == 0:
        raise ValueError(f"{name}: no triples")
    if X[:, [0, 2]].min() < 0 or X[:, [0, 2]].max() >= n_entities or X[:, 1].min() < 0 or X[:, 1].max() >= n_relations:
        raise ValueError(f"{name}: ids out of range; expected entities in [0, {n_entities}) and relations in [0, {n_relations})")
    return X.astype(np.int64)
