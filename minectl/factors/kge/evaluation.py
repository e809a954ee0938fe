"""Link-prediction ranks and metrics (seed 001 eqs 16-17): every test triple is ranked against all
entities on the tail side (h, r, ?) and the head side (?, r, t); "filtered" leaves out the other
known true triples, "raw" keeps them. Ties take the mean of the optimistic and pessimistic rank."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

HITS_AT = (1, 3, 5, 10)
SIDES = ("tail", "head")

# side -> (anchor column, answer column): the tail side scores (h, r, ?), the head side (?, r, t)
SIDE_COLUMNS = {"tail": (0, 2), "head": (2, 0)}

ScoreAll = Callable[[torch.Tensor, torch.Tensor, str], torch.Tensor]  # (anchor, relation, side) -> (B, E)


# a query (anchor, relation) as one int64: ids are below 2**31 (numpy int64 arrays of a vocabulary)
KEY_SHIFT = 2**32

# every true answer of each query on one side: (sorted distinct query keys, where each key's answers
# start (one more at the end), the answers, sorted per key)
Answers = tuple[np.ndarray, np.ndarray, np.ndarray]


def answers(known: np.ndarray, side: str) -> Answers:
    """Every true answer on ``side`` of each (anchor, relation) among ``known`` triples, as flat
    arrays: a dict of Python lists cost seconds per evaluation on 300k known triples, and the
    filter one Python tuple per true answer (thousands per query of a relation such as gender)."""
    anchor_col, answer_col = SIDE_COLUMNS[side]
    known = np.asarray(known, dtype=np.int64).reshape(-1, 3)
    pairs = np.unique(np.column_stack([known[:, anchor_col] * KEY_SHIFT + known[:, 1], known[:, answer_col]]), axis=0)
    keys, starts = np.unique(pairs[:, 0], return_index=True)
    return keys, np.append(starts, len(pairs)), pairs[:, 1]


def tie_rank(scores: torch.Tensor, true_scores: torch.Tensor) -> torch.Tensor:
    """1 + (#higher) + (#equal others) / 2 per row: the realistic rank under ties; a NaN true score (a
    diverged model) ranks last: NaN compares false with everything, so its rank was 0.5 (an MRR of 2)."""
    higher = (scores > true_scores[:, None]).sum(1)
    equal = (scores == true_scores[:, None]).sum(1) - 1
    return torch.where(torch.isnan(true_scores), float(scores.shape[1]), 1.0 + higher + equal / 2.0)


@torch.no_grad()
def rank_triples(score_all: ScoreAll, triples: np.ndarray, known: np.ndarray, batch_size: int = 512,
                 device: str | torch.device = "cpu") -> dict[tuple[str, str], np.ndarray]:
    """Ranks of ``triples`` keyed (side, "raw" | "filtered"); ``known``: the true triples to filter."""
    ranks: dict[tuple[str, str], list[np.ndarray]] = {(s, k): [] for s in SIDES for k in ("raw", "filtered")}
    for side in SIDES:
        anchor_col, answer_col = SIDE_COLUMNS[side]
        truth = answers(known, side)
        for start in range(0, len(triples), batch_size):
            batch = torch.as_tensor(triples[start:start + batch_size], device=device)
            anchor, relation, answer = batch[:, anchor_col], batch[:, 1], batch[:, answer_col]
            scores = score_all(anchor, relation, side).float()
            true_scores = scores.gather(1, answer[:, None])[:, 0]
            ranks[(side, "raw")].append(tie_rank(scores, true_scores).cpu().numpy())
            rows, cols = _other_answers(truth, batch[:, [anchor_col, 1, answer_col]].cpu().numpy())
            scores[torch.as_tensor(rows, device=device), torch.as_tensor(cols, device=device)] = -torch.inf
            ranks[(side, "filtered")].append(tie_rank(scores, true_scores).cpu().numpy())
    return {key: np.concatenate(parts) if parts else np.empty(0) for key, parts in ranks.items()}


def _other_answers(truth: Answers, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, entity) positions of the true answers of each query (anchor, relation, own answer)
    other than its own."""
    keys, starts, values = truth
    query = rows[:, 0] * KEY_SHIFT + rows[:, 1]
    at = np.searchsorted(keys, query)
    found = at < len(keys)
    found[found] = keys[at[found]] == query[found]
    begin, count = np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
    begin[found] = starts[at[found]]
    count[found] = starts[at[found] + 1] - begin[found]
    row, cell = ragged_positions(begin, count)
    entity = values[cell]
    keep = entity != rows[row, 2]
    return row[keep], entity[keep]


def ragged_positions(begin: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs of ``count[i]`` consecutive positions from ``begin[i]``: each position's run i and
    the position (begin[i], begin[i] + 1, ... ), all runs one after another."""
    run = np.repeat(np.arange(len(count)), count)
    return run, np.repeat(begin, count) + np.arange(len(run)) - np.repeat(np.cumsum(count) - count, count)


def rank_metrics(ranks: np.ndarray) -> dict[str, float]:
    """MRR (eq 16), hits@k (eq 17) and the mean rank of a set of ranks."""
    ranks = np.asarray(ranks, dtype=float)
    metrics = {"mrr": float(np.mean(1.0 / ranks)), "mean_rank": float(np.mean(ranks))}
    metrics.update({f"hits@{k}": float(np.mean(ranks <= k)) for k in HITS_AT})
    return metrics


def evaluate(score_all: ScoreAll, triples: np.ndarray, known: np.ndarray, batch_size: int = 512,
             device: str | torch.device = "cpu") -> dict[str, dict[str, float]]:
    """{"filtered": metrics, "raw": metrics} over both sides together."""
    ranks = rank_triples(score_all, triples, known, batch_size, device)
    return {kind: rank_metrics(np.concatenate([ranks[(side, kind)] for side in SIDES])) for kind in ("filtered", "raw")}
