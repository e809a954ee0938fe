"""The non-parametric baselines next to every model: no training, only counts in the training
triples. ``"relation"`` scores an answer e to (h, r, ?) by P(e | r, tail side), the smoothed
frequency of e as a tail of r (the same for the head side); ``"relation+anchor"`` multiplies it
by P(e | h), e's frequency among h's answers over all relations, a marginal-distribution
baseline in the manner of PyKEEN's non-parametric benchmark."""

from __future__ import annotations

import numpy as np
import torch

from minectl.factors.kge.evaluation import SIDE_COLUMNS


class FrequencyBaseline:
    """``fit`` counts; ``score_all(anchor, relation, side)`` gives (B, E) log-probabilities."""

    def __init__(self, condition: str = "relation", smoothing: float = 0.1) -> None:
        if condition not in ("relation", "relation+anchor"):
            raise ValueError(f"condition={condition!r}; expected 'relation' or 'relation+anchor'")
        self.condition = condition
        self.smoothing = smoothing

    def fit(self, triples: np.ndarray, n_entities: int, n_relations: int) -> FrequencyBaseline:
        self.log_by_relation_, self.log_by_anchor_ = {}, {}
        for side, (anchor_col, answer_col) in SIDE_COLUMNS.items():
            by_relation = np.full((n_relations, n_entities), self.smoothing)
            np.add.at(by_relation, (triples[:, 1], triples[:, answer_col]), 1.0)
            by_anchor = np.full((n_entities, n_entities), self.smoothing)
            np.add.at(by_anchor, (triples[:, anchor_col], triples[:, answer_col]), 1.0)
            self.log_by_relation_[side] = torch.as_tensor(np.log(by_relation / by_relation.sum(1, keepdims=True)))
            self.log_by_anchor_[side] = torch.as_tensor(np.log(by_anchor / by_anchor.sum(1, keepdims=True)))
        return self

    def score_all(self, anchor: torch.Tensor, relation: torch.Tensor, side: str) -> torch.Tensor:
        scores = self.log_by_relation_[side][relation.cpu()]
        return scores + self.log_by_anchor_[side][anchor.cpu()] if self.condition == "relation+anchor" else scores
