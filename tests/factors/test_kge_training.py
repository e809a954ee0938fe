"""KGEModel fits: it learns (beats the count baseline on real Nations), early stopping keeps the
best validation MRR, reciprocal relations answer head queries through r^-1, the same seed gives
the same model (Adam or Adagrad), bad parameters and arrays are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from minectl.factors.kge.baseline import FrequencyBaseline
from minectl.factors.kge.data import load_splits
from minectl.factors.kge.estimator import KGEModel
from minectl.factors.kge.evaluation import evaluate

NATIONS = Path(__file__).resolve().parents[2] / "examples/data/kge/nations"


@pytest.fixture(autouse=True)
def one_thread():
    """The same seed gives the same fit on one thread (the task runs torch on one); several CPU
    threads may sum an embedding's gradient in another order, which changes the last bits."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def nations():
    return load_splits(NATIONS)


def _fit(splits, **params):
    return KGEModel(**params, random_state=0, device="cpu").fit(
        splits.train, n_entities=len(splits.entities), n_relations=len(splits.relations), X_valid=splits.valid)


def test_complex_beats_the_count_baselines_on_nations(nations):
    model = _fit(nations, model="complex", loss="bce", dim=50, regularization=0.01, epochs=30, batch_size=128, eval_every=10)
    ours = evaluate(model.score_all, nations.test, nations.known)
    for condition in ("relation", "relation+anchor"):
        base = FrequencyBaseline(condition).fit(nations.train, len(nations.entities), len(nations.relations))
        assert ours["filtered"]["mrr"] > evaluate(base.score_all, nations.test, nations.known)["filtered"]["mrr"]
    assert ours["raw"]["mrr"] < ours["filtered"]["mrr"]
    validation = [h["valid_mrr"] for h in model.history_ if "valid_mrr" in h]
    assert model.best_valid_mrr_ == max(validation) and len(validation) == 3
    # the weights kept are the best checkpoint's (epoch 20), not the last one's (epoch 30)
    restored = evaluate(model.score_all, nations.valid, np.concatenate([nations.train, nations.valid]))["filtered"]["mrr"]
    assert restored == model.best_valid_mrr_ != validation[-1]


@pytest.mark.parametrize("params", [dict(model="transh", loss="margin", negatives=2, epochs=30),
                                    dict(model="rotate", loss="self_adversarial", negatives=4, margin=3.0, epochs=8)])
def test_negative_sampling_training_learns_and_replays(nations, params):
    first = _fit(nations, dim=16, batch_size=256, eval_every=100, **params)
    second = _fit(nations, dim=16, batch_size=256, eval_every=100, **params)
    assert np.array_equal(first.score_triples(nations.test), second.score_triples(nations.test))
    mrr = evaluate(first.score_all, nations.test, nations.known)["filtered"]["mrr"]
    generator = torch.Generator().manual_seed(0)
    random = evaluate(lambda a, r, side: torch.rand(len(a), len(nations.entities), generator=generator),
                      nations.test, nations.known)["filtered"]["mrr"]  # 0.39: filtering leaves few candidates
    assert mrr > random + 0.04
    assert first.history_[-1]["loss"] < first.history_[0]["loss"]


def test_reciprocal_training_answers_head_queries_through_the_inverse_relation():
    # one relation r over 3 entities: the scorer holds r and r^-1, and (0, r, 1) also trains (1, r^-1, 0)
    X = np.array([[0, 0, 1]])
    model = KGEModel(model="distmult", loss="ce", dim=2, epochs=1, random_state=0, device="cpu").fit(X, n_entities=3, n_relations=1)
    rows, answers = model._queries(X)
    assert rows.tolist() == [[0, 0, 1], [1, 1, 0]] and answers.tolist() == [1, 0]
    with torch.no_grad():
        model.scorer_.entities.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        model.scorer_.relations.weight.copy_(torch.tensor([[2.0, 3.0], [5.0, 7.0]]))  # r, r^-1
    anchor, relation = torch.tensor([2]), torch.tensor([0])
    # (?, r, e2) is asked as (e2, r^-1, ?): (e2 * r^-1) . e = (5, 7) . e; (e2, r, ?) uses r: (2, 3) . e
    assert model.score_all(anchor, relation, "head").tolist() == [[5.0, 7.0, 12.0]]
    assert model.score_all(anchor, relation, "tail").tolist() == [[2.0, 3.0, 5.0]]


def test_reciprocal_relations_let_a_symmetric_score_learn_a_direction():
    # a chain 0 -> 1 -> 2 -> 3 of one relation: the head of 2 is 1, its tail 3. DistMult's score is
    # symmetric, so without r^-1 a head query scores exactly as the tail query and cannot tell 1 from 3
    chain = np.array([[0, 0, 1], [1, 0, 2], [2, 0, 3]])
    params = dict(model="distmult", loss="ce", dim=8, epochs=200, optimizer="adagrad", learning_rate=0.1, random_state=0, device="cpu")
    anchor, relation = torch.tensor([2]), torch.tensor([0])
    both = KGEModel(**params).fit(chain, n_entities=4, n_relations=1)
    assert int(both.score_all(anchor, relation, "head").argmax()) == 1
    assert int(both.score_all(anchor, relation, "tail").argmax()) == 3
    plain = KGEModel(**params, reciprocal=False).fit(chain, n_entities=4, n_relations=1)
    assert torch.equal(plain.score_all(anchor, relation, "head"), plain.score_all(anchor, relation, "tail"))


def test_n3_penalty_by_hand():
    model = KGEModel(model="distmult", loss="ce", dim=2, epochs=1, regularization=0.1, random_state=0, device="cpu")
    model.fit(np.array([[0, 0, 1]]), n_entities=2, n_relations=1)
    with torch.no_grad():
        model.scorer_.entities.weight.copy_(torch.tensor([[1.0, -2.0], [0.0, 1.0]]))
        model.scorer_.relations.weight[0] = torch.tensor([3.0, 0.0])
    # batch (0, r, 1), (0, r, 0): heads 2 x (1 + 8), relations 2 x 27, tails (0 + 1) + (1 + 8) = 82; / 2 rows x 0.1
    penalty = model._penalty(torch.tensor([0, 0]), torch.tensor([0, 0]), torch.tensor([1, 0]))
    assert penalty.item() == pytest.approx(4.1)
    assert model._penalty(torch.tensor([0, 0]), torch.tensor([0, 0]), None).item() == pytest.approx(0.1 * 72 / 2)


def test_adagrad_fits_replay_and_differ_from_adam(nations):
    params = dict(model="complex", loss="ce", dim=16, epochs=4, batch_size=512, learning_rate=0.1, eval_every=2)
    first, second = (_fit(nations, optimizer="adagrad", **params) for _ in range(2))
    assert np.array_equal(first.score_triples(nations.test), second.score_triples(nations.test))
    adam = _fit(nations, optimizer="adam", **params)
    assert not np.allclose(first.score_triples(nations.test), adam.score_triples(nations.test))
    with pytest.raises(InvalidParameterError, match="'optimizer' parameter of KGEModel must be a str among"):
        _fit(nations, optimizer="sgd")


def test_bad_parameters_and_arrays_are_refused(nations):
    with pytest.raises(InvalidParameterError, match="'dim' parameter of KGEModel must be an int in the range"):
        _fit(nations, dim=0)
    with pytest.raises(InvalidParameterError, match="'model' parameter of KGEModel must be a str among"):
        _fit(nations, model="transx")
    with pytest.raises(ValueError, match="expected an \\(n, 3\\) integer array"):
        KGEModel().fit(np.zeros((3, 2), dtype=int), n_entities=3, n_relations=1)
    with pytest.raises(ValueError, match="ids out of range"):
        KGEModel().fit(np.array([[0, 0, 5]]), n_entities=3, n_relations=1)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_bce_targets_per_batch_equal_the_dense_multi_hot_table(label_smoothing):
    # the multi-hot rows are made per batch from each query's answers; written out here as the
    # dense (queries, E) table they replace: the same float32 bits, row for row
    rng = np.random.default_rng(4)
    n_e, n_r = 9, 3
    X = np.stack([rng.integers(0, n_e, 60), rng.integers(0, n_r, 60), rng.integers(0, n_e, 60)], axis=1)
    X = np.concatenate([X, X[:5]])  # repeated triples: an answer once
    model = KGEModel(loss="bce", label_smoothing=label_smoothing, device="cpu")
    model.n_entities_, model.n_relations_, model.inverse_, model.device_ = n_e, n_r, True, torch.device("cpu")
    keys, answers = model._queries(X)
    rows = np.concatenate([X, np.stack([X[:, 2], X[:, 1] + n_r, X[:, 0]], axis=1)])
    dense = np.zeros((len(keys), n_e), dtype=np.float32)
    for head, relation, tail in rows:
        dense[np.flatnonzero((keys[:, 0] == head) & (keys[:, 1] == relation))[0], tail] = 1.0
    dense = dense * (1 - label_smoothing) + label_smoothing / n_e if label_smoothing else dense
    batch = torch.as_tensor(rng.permutation(len(keys))[:17])
    assert np.array_equal(model._multi_hot(answers, batch).numpy(), dense[batch.numpy()])
    assert int((dense == dense.max()).sum()) == len({tuple(r) for r in rows.tolist()})  # one 1 per distinct triple
