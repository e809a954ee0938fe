"""Each model's score against hand-computed vectors; Bernoulli probabilities against a hand count."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from minectl.factors.kge.data import bernoulli_head_probability
from minectl.factors.kge.scoring import SCORERS, project_hyperplane


def _model(name: str, entities, relations, dim: int = 2, p_norm: int = 1):
    model = SCORERS[name](len(entities), len(relations), dim, p_norm)
    with torch.no_grad():
        model.entities.weight.copy_(torch.tensor(entities, dtype=torch.float32))
        model.relations.weight.copy_(torch.tensor(relations, dtype=torch.float32))
    return model


def _score(model, h=0, r=0, t=1) -> float:
    with torch.no_grad():
        return float(model(torch.tensor([h]), torch.tensor([r]), torch.tensor([t]))[0, 0])


def test_transe_is_minus_the_l1_distance_of_unit_vectors():
    # h = (3, 4)/5 = (0.6, 0.8), t = (1, 0); r = (0.5, -0.5): h + r - t = (0.1, 0.3) -> -0.4
    model = _model("transe", [[3, 4], [1, 0]], [[0.5, -0.5]])
    assert _score(model) == pytest.approx(-0.4, abs=1e-6)
    assert _score(_model("transe", [[3, 4], [1, 0]], [[0.5, -0.5]], p_norm=2)) == pytest.approx(-math.sqrt(0.1), abs=1e-6)


def test_transh_projects_onto_the_hyperplane_before_translating():
    # w = (0, 2) -> (0, 1); h = (0.6, 0.8) -> (0.6, 0); t = (1, 0) -> (1, 0); d_r = (0.4, 0.7): (0, 0.7) -> -0.7
    model = _model("transh", [[3, 4], [1, 0]], [[0.4, 0.7, 0.0, 2.0]])
    assert _score(model) == pytest.approx(-0.7, abs=1e-6)
    projected = project_hyperplane(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))
    assert projected.tolist() == [0.0, 2.0]


def test_transr_maps_entities_with_the_relation_matrix():
    # M = [[0, 1], [1, 0]] swaps: h (1, 0) -> (0, 1), t (0, 1) -> (1, 0); r = (1, -1): (0, 0) -> 0; r = (0, 0): -2
    model = _model("transr", [[1, 0], [0, 1]], [[1, -1, 0, 1, 1, 0], [0, 0, 0, 1, 1, 0]])
    assert _score(model, r=0) == pytest.approx(0.0, abs=1e-6)
    assert _score(model, r=1) == pytest.approx(-2.0, abs=1e-6)


def test_transd_uses_the_dynamic_projection():
    # e_perp = e + (e_p . e) r_p; h = (1, 0), h_p = (2, 0): 2 -> (1, 0) + 2 (0, 1) = (1, 2)
    # t = (0, 1), t_p = (0, 1): 1 -> (0, 1) + (0, 1) = (0, 2); r = (0, 0.5): (1, 0.5) -> -1.5
    model = _model("transd", [[1, 0, 2, 0], [0, 1, 0, 1]], [[0, 0.5, 0, 1]])
    assert _score(model) == pytest.approx(-1.5, abs=1e-6)


def test_distmult_and_complex_trilinear_products():
    assert _score(_model("distmult", [[1, 2], [3, -1]], [[2, 5]])) == pytest.approx(1 * 2 * 3 + 2 * 5 * -1)
    # dim 1: h = 1 + 2i, r = 3 - i, t = 0.5 + 4i: Re(h r conj(t)) = Re((5 + 5i)(0.5 - 4i)) = 2.5 + 20 = 22.5
    assert _score(_model("complex", [[1, 2], [0.5, 4]], [[3, -1]], dim=1)) == pytest.approx(22.5)


def test_rotate_rotates_by_the_relation_phase():
    # h = 1 + 0i rotated by pi/2 -> i; t = 0 + 1i: distance 0; t = 1 + 0i: |i - 1| = sqrt(2)
    model = _model("rotate", [[1, 0], [0, 1], [1, 0]], [[math.pi / 2]], dim=1)
    assert _score(model, t=1) == pytest.approx(0.0, abs=1e-3)
    assert _score(model, t=2) == pytest.approx(-math.sqrt(2), abs=1e-5)


@pytest.mark.parametrize("name", sorted(SCORERS))
def test_scores_of_all_entities_match_single_triples(name):
    torch.manual_seed(0)
    model = SCORERS[name](6, 3, 4)
    h, r, t = torch.tensor([0, 2, 5]), torch.tensor([1, 0, 2]), torch.tensor([3, 3, 1])
    single = model(h, r, t)[:, 0]
    tails = model(h, r, None)
    heads = model(None, r, t)
    assert torch.allclose(tails[torch.arange(3), t], single, atol=1e-5)
    assert torch.allclose(heads[torch.arange(3), h], single, atol=1e-5)


def test_bernoulli_probabilities_match_a_hand_count():
    # relation 0: head 0 -> tails 1, 2, 3 (tph 3, hpt 1): p = 3/4; relation 1: heads 1, 2, 3 -> tail 0 (tph 1, hpt 3): 1/4
    triples = np.array([[0, 0, 1], [0, 0, 2], [0, 0, 3], [1, 1, 0], [2, 1, 0], [3, 1, 0], [4, 2, 5], [5, 2, 4]])
    prob = bernoulli_head_probability(triples, 4)
    assert prob.tolist() == [0.75, 0.25, 0.5, 0.5]  # relation 2: one-to-one; relation 3: unseen
