"""What changed for the commands at size (docs/performance.md, "Other commands at size"): the same
values from cheaper work, and the refusal of a size that cannot finish."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from minectl.factors.kge.evaluation import answers, rank_triples
from minectl.risk.importance import grouped_permutation_importance
from minectl.uncertainty import bootstrap
from minectl.uncertainty.bootstrap import bootstrap_ci
from tests.badinput.harness import assert_refused


def test_permutation_importance_equals_a_fresh_permuted_copy_per_repeat():
    """One working copy, a group's columns gathered and put back: the same drops, bit for bit, as
    a fresh copy of X per repeat with every column permuted and the group's taken (the previous
    code); the score reads every column, so a column left permuted would change the next group."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 7))
    weights = rng.normal(size=7)
    groups = {"a": np.array([0, 3, 6]), "b": np.array([1, 4]), "c": np.array([2]), "d": np.array([5])}

    def score(Z):
        return float(np.tanh(Z @ weights).sum())

    draws = np.random.default_rng(5)
    reference = score(X)
    expected = {}
    for name, columns in groups.items():
        drops = []
        for _ in range(3):
            shuffled = X.copy()
            shuffled[:, columns] = X[draws.permutation(len(X))][:, columns]
            drops.append(reference - score(shuffled))
        expected[name] = float(np.mean(drops))
    assert grouped_permutation_importance(score, X, groups, 3, 5) == expected
    assert all(value != 0.0 for value in expected.values())


def test_filtered_answers_are_every_other_true_answer_with_thousands_per_query():
    """Known triples as flat sorted arrays: per (anchor, relation) the distinct answers; the filter
    leaves out all of them but the query's own, also where a query has thousands (a relation like
    gender) and a triple is listed in two splits."""
    rng = np.random.default_rng(2)
    n_e, n_r = 3000, 4
    popular = np.column_stack([rng.choice(n_e, 2500, replace=False), np.zeros(2500, int), np.full(2500, 7)])  # (?, 0, 7)
    spread = np.column_stack([rng.integers(0, n_e, 400), rng.integers(1, n_r, 400), rng.integers(0, n_e, 400)])
    known = np.concatenate([popular, spread, spread[:50]])  # 50 triples twice
    keys, starts, values = answers(known, "head")
    by_hand: dict[tuple[int, int], set[int]] = {}
    for h, r, t in known.tolist():
        by_hand.setdefault((t, r), set()).add(h)
    assert len(keys) == len(by_hand) and len(values) == sum(map(len, by_hand.values())) and len(by_hand[(7, 0)]) == 2500
    for i, key in enumerate(keys.tolist()):
        assert values[starts[i]:starts[i + 1]].tolist() == sorted(by_hand[(key >> 32, key & 0xFFFFFFFF)])

    test = np.concatenate([popular[:3], spread[:5]])
    scores = torch.tensor(rng.normal(size=(n_e,)).round(1), dtype=torch.float32)  # ties included

    def score_all(anchor, relation, side):
        return scores.repeat(len(anchor), 1)

    ranks = rank_triples(score_all, test, known, batch_size=4)
    true_set = {tuple(t) for t in known.tolist()}
    for side, column in (("tail", 2), ("head", 0)):
        for kind in ("raw", "filtered"):
            expected = []
            for triple in test.tolist():
                own = triple[column]
                others = [e for e in range(n_e) if e != own and not (
                    kind == "filtered" and tuple(triple[:column] + [e] + triple[column + 1:]) in true_set)]
                s = scores.numpy()
                expected.append(1 + np.sum(s[others] > s[own]) + np.sum(s[others] == s[own]) / 2)
            assert ranks[(side, kind)].tolist() == expected


def test_bca_is_refused_above_its_limit_before_the_work(tmp_path, monkeypatch):
    """BCa's jackknife is quadratic (hours at a million values): refused above MAX_BCA_VALUES in one
    line naming the key, before any series is analysed; at the limit it runs, and censored
    lifetimes (a closed-form jackknife) are not limited."""
    monkeypatch.setattr(bootstrap, "MAX_BCA_VALUES", 40)
    x = np.random.default_rng(0).gamma(3.0, 2.0, 41)
    with pytest.raises(bootstrap.ConfigError, match="'bca' on 41 values: its jackknife is n x \\(n - 1\\) values; "
                                                    "expected at most 40 values, or percentile or basic"):
        bootstrap_ci(x, method="bca", n_resamples=99)
    ours = bootstrap_ci(x[:40], method="bca", n_resamples=999, random_state=0)
    scipy_ci = stats.bootstrap((x[:40],), np.mean, method="BCa", n_resamples=999, rng=np.random.default_rng(0))
    assert (ours.low, ours.high) == pytest.approx(tuple(scipy_ci.confidence_interval), rel=1e-12)
    censored = bootstrap_ci(x, method="bca", n_resamples=99, failures=np.ones(41))
    assert censored.estimate == pytest.approx(x.mean())

    path = tmp_path / "values.csv"
    path.write_text("price\n" + "".join(f"{v}\n" for v in x))
    run = tmp_path / "run"
    assert_refused(["uncertainty", f"dataset.path={path}", "dataset.column=price", "dataset.name=test", "dataset.date_column=null",
                    "dataset.transforms=[level]", "uncertainty.method=bca", "uncertainty.n_resamples=99", f"hydra.run.dir={run}"],
                   ["uncertainty.method:", "'bca' on 41 values", "expected at most 40 values, or percentile or basic"],
                   inputs=[path], run_dir=run)


def test_kge_fit_tells_progress_of_every_epoch_run():
    """An epoch of FB15k-237's size takes minutes: each one advances the progress bar, early
    stopping included (the bar counts the epochs run)."""
    from minectl.factors.kge.estimator import KGEModel

    rng = np.random.default_rng(0)
    triples = np.unique(rng.integers(0, [30, 3, 30], size=(200, 3)), axis=0)
    for epochs, patience in ((4, 5), (40, 1)):
        told = []
        model = KGEModel(model="distmult", dim=8, epochs=epochs, eval_every=1, patience=patience, random_state=0).fit(
            triples[:150], n_entities=30, n_relations=3, X_valid=triples[150:], progress=told.append)
        assert told == [1] * model.epochs_run_ and model.epochs_run_ <= epochs
    assert model.epochs_run_ < 40  # stopped early


def test_feature_crf_tells_progress_of_every_iteration_and_learns_the_same_model():
    """The CRF's L-BFGS iterations (minutes on 20,000 sentences) each advance the progress bar;
    the model's bytes are those trained without it."""
    from minectl.text.corpus import Document, Span
    from minectl.text.feature_crf import FeatureCRF

    words = ["pump", "seal", "leaking", "replace", "engine", "oil", "check", "belt"]
    rng = np.random.default_rng(0)
    docs = []
    for _ in range(30):
        tokens = [words[i] for i in rng.integers(0, len(words), 6)]
        docs.append(Document(tokens=tokens, entities=[Span(i, i + 1, "Item") for i, t in enumerate(tokens) if t in ("pump", "seal")]))
    told = []
    with_progress = FeatureCRF(max_iterations=12, dictionary=False, word_classes=False).fit(docs, told.append)
    plain = FeatureCRF(max_iterations=12, dictionary=False, word_classes=False).fit(docs)
    assert with_progress.model_bytes_ == plain.model_bytes_
    assert 1 <= len(told) <= 12 and set(told) == {1}


def test_risk_refuses_a_feature_matrix_it_cannot_hold_before_the_windows(tmp_path, monkeypatch):
    """rows x (window x indicators + static) float64 values, held about six times at the peak:
    above MAX_FEATURE_VALUES (a million rows of 50 indicators over 14 periods: 5.6 GB a copy) the
    run is refused in one line, counting them, before any window is built."""
    import datetime as dt

    import polars as pl

    from minectl.tasks import risk

    n = 300
    rng = np.random.default_rng(0)
    path = tmp_path / "log.csv"
    pl.DataFrame({"ts": [dt.datetime(2024, 3, 1) + dt.timedelta(hours=i) for i in range(n)],
                  "load": rng.normal(size=n), "temp": rng.normal(size=n), "power": rng.normal(size=n)}).write_csv(path)
    monkeypatch.setattr(risk, "MAX_FEATURE_VALUES", 300 * 6 * 2 - 1)  # 300 rows x 6 periods x 2 indicators, less one
    run = tmp_path / "run"
    assert_refused(["risk", "model=lr", f"risk.input.path={path}", "risk.input.kind=table", "risk.time.column=ts", "risk.window=6h",
                    "risk.labels.source=quantiles", "risk.labels.column=power", f"hydra.run.dir={run}"],
                   ["risk.window: 300 rows x 6 periods x 2 indicators (+ 0 static) = 3,600 feature values",
                    "expected at most 3,599: a shorter risk.window, fewer indicators (risk.features.exclude) or fewer rows"],
                   inputs=[path], run_dir=run)
