"""The non-parametric baselines next to every model: no training, only counts in the training
triples. ``"relation"`` scores an answer e to (h, r, ?) by P(e | r, tail side), the smoothed
frequency of e as a tail of r (the same for the head side); ``"relation+anchor"`` multiplies it
by P(e | h), e's frequency among h's answers over all relations, a marginal-distribution
baseline in the manner of PyKEEN's non-parametric benchmark. ``InverseRuleBaseline`` is Dettmers
et al. (2018)'s inverse model: it answers from a test triple's reverse in training, the leakage
that inflates every model's scores on FB15k and WN18 (Toutanova & Chen 2015); ``inverse_share``
measures that leakage directly."""

from __future__ import annotations

import numpy as np
import torch

from minectl.factors.kge.evaluation import KEY_SHIFT, SIDE_COLUMNS, ragged_positions


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
            self.log_by_relation_[side] = torch.as_tensor(np.log(by_relation / by_relation.sum(1, keepdims=True)))
            if self.condition == "relation+anchor":
                self.log_by_anchor_[side] = AnchorLogRows(triples[:, anchor_col], triples[:, answer_col], n_entities, self.smoothing)
        return self

    def score_all(self, anchor: torch.Tensor, relation: torch.Tensor, side: str) -> torch.Tensor:
        scores = self.log_by_relation_[side][relation.cpu()]
        return scores + self.log_by_anchor_[side].rows(anchor.cpu().numpy()) if self.condition == "relation+anchor" else scores


class AnchorLogRows:
    """log P(e | anchor) of the smoothed (anchor, answer) counts: the rows of the dense (E, E) table
    ``log(counts / row sums)``, bit for bit, kept as each row's counted cells plus the one value of
    its other cells. The dense table is E^2 float64 per side: 3.4 GB for FB15k-237's 14,505
    entities, 40 GB for 50,000."""

    def __init__(self, anchors: np.ndarray, answers: np.ndarray, n_entities: int, smoothing: float, chunk_rows: int = 1024):
        self.n_entities = n_entities
        self.other = np.empty(n_entities)  # per anchor: the log-probability of an answer it was never seen with
        starts, columns, values = [0], [], []
        for first in range(0, n_entities, chunk_rows):  # the dense rows of a chunk of anchors at a time
            last = min(first + chunk_rows, n_entities)
            mine = (anchors >= first) & (anchors < last)
            table = np.full((last - first, n_entities), smoothing)
            np.add.at(table, (anchors[mine] - first, answers[mine]), 1.0)
            totals = table.sum(1)
            rows, cols = np.nonzero(table != smoothing)
            # the log of the kept cells only, each the same float64 as in log(table / totals): the whole
            # table's logs were most of the fit (E^2 per side: 25.7 s -> 10.8 s at 40,943 entities)
            self.other[first:last] = np.log(smoothing / totals)  # any uncounted cell of a row (unused if none is)
            columns.append(cols)
            values.append(np.log(table[rows, cols] / totals[rows]))
            starts.extend(starts[-1] + np.cumsum(np.bincount(rows, minlength=last - first)))
        self.starts, self.columns, self.values = np.array(starts), np.concatenate(columns), np.concatenate(values)

    def rows(self, anchors: np.ndarray) -> torch.Tensor:
        """The (B, E) float64 rows of ``anchors``."""
        out = np.repeat(self.other[anchors][:, None], self.n_entities, axis=1)
        row, cell = ragged_positions(self.starts[anchors], self.starts[anchors + 1] - self.starts[anchors])
        out[row, self.columns[cell]] = self.values[cell]
        return torch.from_numpy(out)


class InverseRuleBaseline:
    """w(r, r'): the share of r's training triples (h, r, t) whose reverse (t, r', h) is in training
    too (r' = r: a symmetric relation). An answer e to (h, r, ?) scores the sum over r' of
    w(r, r') [(e, r', h) in training], the head side mirrored; ties go to the "relation" baseline,
    so a query with no inverse evidence ranks as that baseline does. ``score_all`` gives each
    entity's place in that order (equal places for equal pairs): the evaluation compares float32
    scores, in which a sum of weights plus a small tie-breaker would not stay exact."""

    def fit(self, triples: np.ndarray, n_entities: int, n_relations: int) -> InverseRuleBaseline:
        distinct = np.unique(np.asarray(triples, dtype=np.int64).reshape(-1, 3), axis=0)
        triple, reverse = reverse_matches(distinct, distinct)
        evidence = triple != reverse  # a self-loop (h, r, h) is its own reverse: no sign of an inverse relation
        # counts[r, r'] / (r's triples) = w(r, r'); a query's row r has one divisor, so integer sums of
        # counts rank answers as the sums of w do, and exactly
        self.counts_ = np.zeros((n_relations, n_relations), dtype=np.int64)
        np.add.at(self.counts_, (distinct[triple[evidence], 1], distinct[reverse[evidence], 1]), 1)
        self.weights_ = self.counts_ / np.maximum(np.bincount(distinct[:, 1], minlength=n_relations), 1)[:, None]
        frequency = FrequencyBaseline("relation").fit(triples, n_entities, n_relations)
        self.frequency_places_, self.evidence_ = {}, {}
        for side, (anchor_col, answer_col) in SIDE_COLUMNS.items():
            # the "relation" baseline's order as the evaluation sees it (float32)
            self.frequency_places_[side] = dense_places(frequency.log_by_relation_[side].float().numpy())
            # evidence for anchor a on this side: the triples with a in the answer column, each naming
            # a candidate (its anchor column) and a relation r'; grouped by a (starts: where each a begins)
            by_anchor = distinct[np.argsort(distinct[:, answer_col], kind="stable")]
            starts = np.concatenate([[0], np.cumsum(np.bincount(by_anchor[:, answer_col], minlength=n_entities))])
            self.evidence_[side] = (starts, by_anchor[:, anchor_col], by_anchor[:, 1])
        return self

    def score_all(self, anchor: torch.Tensor, relation: torch.Tensor, side: str) -> torch.Tensor:
        anchors, relations = anchor.cpu().numpy(), relation.cpu().numpy()
        starts, candidates, evidence_relations = self.evidence_[side]
        row, cell = ragged_positions(starts[anchors], starts[anchors + 1] - starts[anchors])
        support = np.zeros((len(anchors), self.frequency_places_[side].shape[1]), dtype=np.int64)
        np.add.at(support, (row, candidates[cell]), self.counts_[relations[row], evidence_relations[cell]])
        places = self.frequency_places_[side][relations]  # below n_entities
        # the answers with evidence go above the rest, in order of (support, tie-break), row by row: each
        # row's places stay below 2 n_entities, exact in float32, and only these cells need sorting
        rows, cols = np.nonzero(support)
        n_entities, support_bound = support.shape[1], support.max(initial=0) + 1  # one int64 key (row, support, place)
        _, order = np.unique((rows * support_bound + support[rows, cols]) * n_entities + places[rows, cols], return_inverse=True)
        row_first = np.full(len(anchors), len(order))
        np.minimum.at(row_first, rows, order)
        places[rows, cols] = n_entities + order - row_first[rows]
        return torch.from_numpy(places.astype(np.float64))


def dense_places(values: np.ndarray) -> np.ndarray:
    """Each row's values replaced by their dense ascending places 0, 1, ... (equal values, one place)."""
    order = np.argsort(values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    new = np.zeros(ordered.shape, dtype=np.int64)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    places = np.empty_like(new)
    np.put_along_axis(places, order, np.cumsum(new, axis=1), axis=1)
    return places


def reverse_matches(triples: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) where ``pool[j]`` is a reverse (t, r', h) of ``triples[i]`` = (h, r, t)."""
    pair = pool[:, 0] * KEY_SHIFT + pool[:, 2]
    order = np.argsort(pair, kind="stable")
    pair, wanted = pair[order], triples[:, 2] * KEY_SHIFT + triples[:, 0]
    begin = np.searchsorted(pair, wanted, side="left")
    i, position = ragged_positions(begin, np.searchsorted(pair, wanted, side="right") - begin)
    return i, order[position]


def inverse_share(train: np.ndarray, test: np.ndarray) -> float:
    """The share of ``test`` triples (h, r, t) with some (t, r', h) in ``train``: Dettmers et al.'s
    test-set leakage, which makes FB15k and WN18 easy."""
    test = np.asarray(test, dtype=np.int64).reshape(-1, 3)
    return len(np.unique(reverse_matches(test, np.asarray(train, dtype=np.int64).reshape(-1, 3))[0])) / len(test)
