"""Linear-chain CRF layer (the seed's eqs 8-10) in torch, with masks for padded batches.

score(X, y) = start[y_1] + sum_t P[t, y_t] + sum_t A[y_{t-1}, y_t] + end[y_n]   (P: emissions)
log p(y | X) = score(X, y) - log sum_y' exp score(X, y')   (forward algorithm, eq 9)
y* = argmax_y' score(X, y')                                  (Viterbi, eq 10)
A sequence's mask is True on its tokens, from the first position on, False on padding."""

from __future__ import annotations

import torch
from torch import nn


class CRF(nn.Module):
    def __init__(self, num_tags: int):
        super().__init__()
        self.start = nn.Parameter(torch.zeros(num_tags))
        self.end = nn.Parameter(torch.zeros(num_tags))
        self.transitions = nn.Parameter(torch.zeros(num_tags, num_tags))  # [from, to]

    def score(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """score(X, y) of each sequence: emissions (B, L, T), tags (B, L), mask (B, L) -> (B,)."""
        mask = mask.to(emissions.dtype)
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # (B, L)
        moved = self.transitions[tags[:, :-1], tags[:, 1:]]  # (B, L-1)
        last = tags.gather(1, (mask.sum(1).long() - 1).unsqueeze(1)).squeeze(1)
        return self.start[tags[:, 0]] + (emitted * mask).sum(1) + (moved * mask[:, 1:]).sum(1) + self.end[last]

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """log sum over all tag sequences of exp score, by the forward algorithm: (B,)."""
        alpha = self.start + emissions[:, 0]  # (B, T): log-sum of paths ending in each tag
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + self.transitions + emissions[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)  # padding carries alpha unchanged
        return torch.logsumexp(alpha + self.end, dim=1)

    def log_likelihood(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """log p(y | X) of each sequence (B,); training minimises its negative mean."""
        return self.score(emissions, tags, mask) - self.log_partition(emissions, mask)

    @torch.no_grad()
    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """The best tag sequence of each sequence (Viterbi), unpadded."""
        best = self.start + emissions[:, 0]
        back = []
        for t in range(1, emissions.shape[1]):
            scores = best.unsqueeze(2) + self.transitions  # (B, from, to)
            top, arg = scores.max(dim=1)
            best = torch.where(mask[:, t].unsqueeze(1), top + emissions[:, t], best)
            back.append(arg)
        best = best + self.end
        lengths = mask.sum(1).tolist()
        paths = []
        for b, length in enumerate(lengths):
            tag = int(best[b].argmax())
            path = [tag]
            for t in range(length - 1, 0, -1):  # back[t-1] maps the tag at t to its best predecessor
                tag = int(back[t - 1][b, tag])
                path.append(tag)
            paths.append(path[::-1])
        return paths
