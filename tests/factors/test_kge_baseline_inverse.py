"""The inverse-rule baseline (Dettmers et al. 2018) and the test-set leakage share: a family graph by
hand, a brute-force implementation on random graphs, and the frequency baseline's ranking where no
inverse exists."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

from minectl.factors.kge.baseline import FrequencyBaseline, InverseRuleBaseline, inverse_share
from minectl.factors.kge.data import index_splits
from minectl.factors.kge.evaluation import SIDES, evaluate, rank_triples
from minectl.factors.link_prediction import inverse_leakage

A, B, C, D = 0, 1, 2, 3
PARENT, CHILD = 0, 1
# parent_of: A->B, A->C, B->D; child_of: B->A, C->A (both reverse a parent_of triple), D->C (does not)
FAMILY = np.array([[A, PARENT, B], [B, CHILD, A], [A, PARENT, C], [C, CHILD, A], [B, PARENT, D], [D, CHILD, C]])


def test_weights_and_ranks_by_hand():
    base = InverseRuleBaseline().fit(FAMILY, 4, 2)
    # parent_of: 2 of its 3 triples have a child_of reverse (B->D has no D->B); child_of: 2 of 3 (no C->D)
    assert base.weights_ == pytest.approx(np.array([[0, 2 / 3], [2 / 3, 0]]))
    # (?, child_of, A): B and C score w(child_of, parent_of) = 2/3 from A->B, A->C; D and A score 0 and
    # fall back to child_of's head counts (B, C, D 1, A 0): places A 0, D 1 (the order of counts, 0 to
    # 3), B = C 4 (those with evidence, from 4 entities up)
    # places count within a row (below 2 x 4 entities, exact as float32), so a batch repeats them
    assert base.score_all(torch.tensor([A, A]), torch.tensor([CHILD, CHILD]), "head").tolist() == [[0, 4, 4, 1]] * 2
    test = np.array([[C, PARENT, D], [D, PARENT, A]])
    ranks = rank_triples(base.score_all, test, np.concatenate([FAMILY, test]))
    # (C, parent_of, ?): D 2/3 from D->C child_of, the rest 0 -> 1. (?, parent_of, D): C 2/3 from D->C -> 1
    # (D, parent_of, ?): no evidence; parent_of's tail counts B 1, C 1, D 1, A 0 -> A under three: 4
    # (?, parent_of, A): no evidence (A->B, A->C are parent_of, w(parent_of, parent_of) = 0); head counts
    # A 2, B 1, C 0, D 0 -> D under A and B, tied with C: 3.5
    assert ranks[("tail", "filtered")].tolist() == [1, 4] and ranks[("head", "filtered")].tolist() == [1, 3.5]
    mrr = evaluate(base.score_all, test, np.concatenate([FAMILY, test]))["filtered"]["mrr"]
    assert mrr == pytest.approx((1 + 1 / 4 + 1 + 1 / 3.5) / 4)
    # the frequency baseline ties D with B and C on (C, parent_of, ?) (rank 2) and C with D under A (2.5)
    frequency = rank_triples(FrequencyBaseline().fit(FAMILY, 4, 2).score_all, test, np.concatenate([FAMILY, test]))
    assert frequency[("tail", "filtered")].tolist() == [2, 4] and frequency[("head", "filtered")].tolist() == [2.5, 3.5]


def test_a_symmetric_relation_and_a_self_loop():
    # married: A-B both ways (w(married, married) counts them), C-C a self-loop: its own reverse, no evidence
    married = np.array([[A, 0, B], [B, 0, A], [C, 0, C], [D, 0, A]])
    base = InverseRuleBaseline().fit(married, 4, 1)
    assert base.weights_ == pytest.approx(np.array([[2 / 4]]))
    # (A, married, ?): B (from B->A) and D (from D->A) both score 1/2; married's tail counts (A 2, B 1,
    # C 1, D 0; count places D 0, B = C 1, A 2) put B over D, and A over C among the rest: C 1, A 2, D 4, B 5
    assert base.score_all(torch.tensor([A]), torch.tensor([0]), "tail")[0].tolist() == [2, 5, 1, 4]


def _brute_force_ranks(train: np.ndarray, test: np.ndarray, known: np.ndarray, n_entities: int) -> dict:
    """Exact weights with fractions, the tie-break by answer counts (the smoothed frequency's order)."""
    train_set, known_set = {tuple(t) for t in train.tolist()}, {tuple(t) for t in known.tolist()}
    relations = sorted({r for _, r, _ in train_set} | {r for _, r, _ in test.tolist()})
    weight = {}
    for r in relations:
        own = [(h, t) for h, q, t in train_set if q == r]
        for r2 in relations:
            hits = sum((t, r2, h) in train_set and (h, t, r2) != (t, h, r) for h, t in own)
            weight[r, r2] = Fraction(hits, len(own)) if own else Fraction(0)
    ranks = {side: [] for side in SIDES}
    for h, r, t in test.tolist():
        for side, anchor, answer in (("tail", h, t), ("head", t, h)):
            def key(e, anchor=anchor, side=side, r=r):
                rule = sum(weight[r, r2] for r2 in relations
                           if ((e, r2, anchor) if side == "tail" else (anchor, r2, e)) in train_set)
                count = sum(1 for x, q, y in train_set if q == r and (y if side == "tail" else x) == e)
                return rule, count
            candidates = [e for e in range(n_entities) if e == answer
                          or ((anchor, r, e) if side == "tail" else (e, r, anchor)) not in known_set]
            mine = key(answer)
            higher = sum(key(e) > mine for e in candidates)
            ranks[side].append(1 + higher + (sum(key(e) == mine for e in candidates) - 1) / 2)
    return ranks


@pytest.mark.parametrize("seed", range(4))
def test_matches_a_brute_force_rule_on_random_graphs(seed):
    rng = np.random.default_rng(seed)
    n_entities, n_relations = 9, 3
    triples = np.unique(np.column_stack([rng.integers(0, n_entities, 60), rng.integers(0, n_relations, 60),
                                         rng.integers(0, n_entities, 60)]), axis=0)
    train = np.concatenate([triples[:-8], triples[:10, [2, 1, 0]] % [n_entities, n_relations, n_entities]])  # + reverses
    train = np.unique(train, axis=0)
    test = np.array([t for t in triples[-8:].tolist() if tuple(t) not in {tuple(x) for x in train.tolist()}])
    known = np.concatenate([train, test])
    ranks = rank_triples(InverseRuleBaseline().fit(train, n_entities, n_relations).score_all, test, known)
    expected = _brute_force_ranks(train, test, known, n_entities)
    for side in SIDES:
        assert ranks[(side, "filtered")].tolist() == expected[side]


def test_equals_the_frequency_ranking_when_no_inverse_exists():
    rng = np.random.default_rng(0)
    # every triple goes from entities 0-9 to 10-19: no reverse anywhere
    triples = np.unique(np.column_stack([rng.integers(0, 10, 200), rng.integers(0, 4, 200), rng.integers(10, 20, 200)]), axis=0)
    train, test = triples[:-30], triples[-30:]
    inverse = InverseRuleBaseline().fit(train, 20, 4)
    assert not inverse.weights_.any()
    ours = rank_triples(inverse.score_all, test, triples)
    frequency = rank_triples(FrequencyBaseline().fit(train, 20, 4).score_all, test, triples)
    for key in ours:
        np.testing.assert_array_equal(ours[key], frequency[key])
    assert ours[("tail", "raw")].std() > 0  # the ranks do differ from query to query


def test_inverse_share_and_its_summary_line():
    # (C, parent_of, D) has D->C child_of; (D, parent_of, A) has no A->D; (B, parent_of, A) has A->B parent_of
    assert inverse_share(FAMILY, np.array([[C, PARENT, D], [D, PARENT, A], [B, PARENT, A]])) == pytest.approx(2 / 3)
    assert inverse_share(FAMILY, np.array([[D, PARENT, A]])) == 0
    names = ["A", "B", "C", "D"]
    rows = [(names[h], ["child_of", "parent_of"][1 - r], names[t]) for h, r, t in FAMILY.tolist()]
    high = index_splits(rows, [("A", "parent_of", "D")], [("C", "parent_of", "D"), ("B", "parent_of", "A"), ("D", "parent_of", "A")])
    share, line = inverse_leakage(high)
    assert share == pytest.approx(2 / 3) and line.startswith("  test triples whose reverse (t, r', h) is in training: 0.667;")
    assert "known inverses" in line
    low = index_splits(rows, [("A", "parent_of", "D")], [("D", "parent_of", "A"), ("C", "parent_of", "D")])
    assert inverse_leakage(low) == (0.5, "  test triples whose reverse (t, r', h) is in training: 0.500")
