"""Score functions of the embedding models (higher = more plausible), written once for a single
triple and for all entities on one side: entity tensors come as (B, 1, w) or (1, E, w), relation
tensors as (B, 1, w), and every formula broadcasts to (B, 1) or (B, E)."""

from __future__ import annotations

import abc
import math

import torch
from torch import nn
from torch.nn import functional as F


class Scorer(nn.Module, metaclass=abc.ABCMeta):
    """Entity and relation tables plus a score; subclasses set the table widths and ``_score``."""

    normalise_entities = False  # translational models keep entity vectors on the unit sphere

    def __init__(self, n_entities: int, n_relations: int, dim: int, p_norm: int = 1) -> None:
        super().__init__()
        self.dim, self.p_norm = dim, p_norm
        self.entities = nn.Embedding(n_entities, self.entity_width(dim))
        self.relations = nn.Embedding(n_relations, self.relation_width(dim))
        nn.init.xavier_uniform_(self.entities.weight)
        nn.init.xavier_uniform_(self.relations.weight)

    @staticmethod
    def entity_width(dim: int) -> int:
        return dim

    @staticmethod
    def relation_width(dim: int) -> int:
        return dim

    def _entity(self, index: torch.Tensor | None) -> torch.Tensor:
        rows = self.entities.weight if index is None else self.entities(index)
        if self.normalise_entities:  # only the embedding part; TransD's projection vectors stay free
            unit = F.normalize(rows[:, : self.dim], dim=-1)
            rows = unit if rows.shape[1] == self.dim else torch.cat([unit, rows[:, self.dim :]], dim=-1)
        return rows.unsqueeze(0) if index is None else rows.unsqueeze(1)

    def forward(self, h: torch.Tensor | None, r: torch.Tensor, t: torch.Tensor | None) -> torch.Tensor:
        """Scores (B, 1) of the triples, or (B, E) of every entity where ``h`` or ``t`` is None."""
        relation = self.relations(r)
        if h is not None and t is not None:
            return self._score(self._entity(h), relation.unsqueeze(1), self._entity(t))
        everyone = self._entity(None)[0]
        if t is None:
            fast = self._tails(self._entity(h)[:, 0], relation, everyone)
        else:
            fast = self._heads(relation, self._entity(t)[:, 0], everyone)
        if fast is not None:
            return fast
        return self._score(self._entity(h), relation.unsqueeze(1), self._entity(t))

    # (B, E) scores by one matrix product or distance matrix, where the model allows; None: broadcast _score
    def _tails(self, h: torch.Tensor, r: torch.Tensor, everyone: torch.Tensor) -> torch.Tensor | None:
        return None

    def _heads(self, r: torch.Tensor, t: torch.Tensor, everyone: torch.Tensor) -> torch.Tensor | None:
        return None

    def _distance(self, x: torch.Tensor) -> torch.Tensor:
        return -torch.linalg.vector_norm(x, ord=self.p_norm, dim=-1)

    @abc.abstractmethod
    def _score(self, h: torch.Tensor, r: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The model's plausibility of (h, r, t): every model below defines its own."""


class TransE(Scorer):
    """-||h + r - t|| (Bordes et al. 2013)."""

    normalise_entities = True

    def _score(self, h, r, t):
        return self._distance(h + r - t)

    def _tails(self, h, r, everyone):
        return -torch.cdist(h + r, everyone, p=float(self.p_norm))

    def _heads(self, r, t, everyone):
        return -torch.cdist(t - r, everyone, p=float(self.p_norm))  # |h + r - t| = |h - (t - r)|


class TransH(Scorer):
    """Translation on a relation hyperplane with normal w_r: -||h_perp + d_r - t_perp|| (seed 001 eq 14)."""

    normalise_entities = True

    @staticmethod
    def relation_width(dim: int) -> int:
        return 2 * dim  # [d_r, w_r]

    def _score(self, h, r, t):
        d_r, w = r[..., : self.dim], F.normalize(r[..., self.dim :], dim=-1)
        return self._distance(project_hyperplane(h, w) + d_r - project_hyperplane(t, w))


def project_hyperplane(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """x - (w . x) w: x projected onto the hyperplane of unit normal w."""
    return x - (x * w).sum(-1, keepdim=True) * w


class TransR(Scorer):
    """-||h M_r + r - t M_r|| with a relation space of the same width (M_r starts as the identity)."""

    normalise_entities = True

    def __init__(self, n_entities: int, n_relations: int, dim: int, p_norm: int = 1) -> None:
        super().__init__(n_entities, n_relations, dim, p_norm)
        with torch.no_grad():
            self.relations.weight[:, dim:] = torch.eye(dim).flatten()

    @staticmethod
    def relation_width(dim: int) -> int:
        return dim + dim * dim  # [r, M_r row-major]

    def _score(self, h, r, t):
        matrix = r[..., self.dim :].reshape(r.shape[0], self.dim, self.dim)
        return self._distance(h @ matrix + r[..., : self.dim] - t @ matrix)


class TransD(Scorer):
    """Dynamic mapping: e_perp = e + (e_p . e) r_p (equal widths), -||h_perp + r - t_perp|| (Ji et al. 2015)."""

    normalise_entities = True

    @staticmethod
    def entity_width(dim: int) -> int:
        return 2 * dim  # [e, e_p]

    @staticmethod
    def relation_width(dim: int) -> int:
        return 2 * dim  # [r, r_p]

    def _score(self, h, r, t):
        r_vec, r_p = r[..., : self.dim], r[..., self.dim :]
        return self._distance(self._project(h, r_p) + r_vec - self._project(t, r_p))

    def _project(self, e: torch.Tensor, r_p: torch.Tensor) -> torch.Tensor:
        vec, e_p = e[..., : self.dim], e[..., self.dim :]
        return vec + (e_p * vec).sum(-1, keepdim=True) * r_p


class DistMult(Scorer):
    """<h, r, t> = sum_k h_k r_k t_k (Yang et al. 2015); symmetric in h and t."""

    def _score(self, h, r, t):
        return (h * r * t).sum(-1)

    def _tails(self, h, r, everyone):
        return (h * r) @ everyone.T

    def _heads(self, r, t, everyone):
        return (r * t) @ everyone.T


class ComplEx(Scorer):
    """Re(<h, r, conj(t)>) over complex vectors stored as [real, imaginary] (Trouillon et al. 2016)."""

    @staticmethod
    def entity_width(dim: int) -> int:
        return 2 * dim

    @staticmethod
    def relation_width(dim: int) -> int:
        return 2 * dim

    def _score(self, h, r, t):
        (hr, hi), (rr, ri), (tr, ti) = (x.split(self.dim, dim=-1) for x in (h, r, t))
        return (hr * rr * tr + hi * rr * ti + hr * ri * ti - hi * ri * tr).sum(-1)

    def _tails(self, h, r, everyone):  # the score is linear in t: [hr rr - hi ri, hr ri + hi rr] . [tr, ti]
        (hr, hi), (rr, ri) = h.split(self.dim, dim=-1), r.split(self.dim, dim=-1)
        return torch.cat([hr * rr - hi * ri, hr * ri + hi * rr], dim=-1) @ everyone.T

    def _heads(self, r, t, everyone):  # and linear in h: [rr tr + ri ti, rr ti - ri tr] . [hr, hi]
        (rr, ri), (tr, ti) = r.split(self.dim, dim=-1), t.split(self.dim, dim=-1)
        return torch.cat([rr * tr + ri * ti, rr * ti - ri * tr], dim=-1) @ everyone.T


class RotatE(Scorer):
    """-sum_k |h_k e^(i theta_k) - t_k|: a rotation in the complex plane (Sun et al. 2019)."""

    def __init__(self, n_entities: int, n_relations: int, dim: int, p_norm: int = 1) -> None:
        super().__init__(n_entities, n_relations, dim, p_norm)
        nn.init.uniform_(self.relations.weight, -math.pi, math.pi)  # phases

    @staticmethod
    def entity_width(dim: int) -> int:
        return 2 * dim

    def _score(self, h, r, t):
        (hr, hi), (tr, ti) = h.split(self.dim, dim=-1), t.split(self.dim, dim=-1)
        cos, sin = torch.cos(r), torch.sin(r)
        real, imag = hr * cos - hi * sin - tr, hr * sin + hi * cos - ti
        return -torch.sqrt(real**2 + imag**2 + 1e-12).sum(-1)


SCORERS: dict[str, type[Scorer]] = {
    "transe": TransE, "transh": TransH, "transr": TransR, "transd": TransD,
    "distmult": DistMult, "complex": ComplEx, "rotate": RotatE,
}
