"""KGEModel fits: it learns (beats the count baseline on real Nations), early stopping keeps the
best validation MRR, the same seed gives the same model, bad parameters and arrays are refused."""

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


def test_bad_parameters_and_arrays_are_refused(nations):
    with pytest.raises(InvalidParameterError, match="'dim' parameter of KGEModel must be an int in the range"):
        _fit(nations, dim=0)
    with pytest.raises(InvalidParameterError, match="'model' parameter of KGEModel must be a str among"):
        _fit(nations, model="transx")
    with pytest.raises(ValueError, match="expected an \\(n, 3\\) integer array"):
        KGEModel().fit(np.zeros((3, 2), dtype=int), n_entities=3, n_relations=1)
    with pytest.raises(ValueError, match="ids out of range"):
        KGEModel().fit(np.array([[0, 0, 5]]), n_entities=3, n_relations=1)
