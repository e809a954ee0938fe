"""Filtered and raw ranks against a brute-force ranking; metrics and the baseline by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from minectl.factors.kge.baseline import FrequencyBaseline
from minectl.factors.kge.evaluation import rank_metrics, rank_triples, tie_rank


def _brute_force(scores: np.ndarray, triples, known, side: str, filtered: bool) -> list[float]:
    """scores[(anchor, relation)] -> a vector over entities; the rank of each triple's answer, ties split."""
    known_set = {tuple(t) for t in known}
    ranks = []
    for h, r, t in triples:
        anchor, answer = (h, t) if side == "tail" else (t, h)
        vector = scores[(side, anchor, r)]
        higher = equal = 0
        for e, s in enumerate(vector):
            if e == answer:
                continue
            candidate = (h, r, e) if side == "tail" else (e, r, t)
            if filtered and candidate in known_set:
                continue
            higher += s > vector[answer]
            equal += s == vector[answer]
        ranks.append(1 + higher + equal / 2)
    return ranks


def test_filtered_and_raw_ranks_match_brute_force():
    rng = np.random.default_rng(3)
    n_e, n_r = 9, 3
    known = np.unique(rng.integers(0, [n_e, n_r, n_e], size=(40, 3)), axis=0)
    test = known[rng.choice(len(known), 12, replace=False)]
    table = {(side, a, r): np.round(rng.normal(size=n_e), 1) for side in ("tail", "head") for a in range(n_e) for r in range(n_r)}

    def score_all(anchor, relation, side):
        return torch.tensor(np.stack([table[(side, int(a), int(r))] for a, r in zip(anchor, relation, strict=True)]))

    ranks = rank_triples(score_all, test, known, batch_size=5)
    for side in ("tail", "head"):
        for kind in ("raw", "filtered"):
            expected = _brute_force(table, test.tolist(), known.tolist(), side, kind == "filtered")
            assert ranks[(side, kind)].tolist() == pytest.approx(expected)
    assert (ranks[("tail", "filtered")] <= ranks[("tail", "raw")]).all()


def test_rank_metrics_by_hand():
    metrics = rank_metrics(np.array([1, 2, 4, 10, 11]))
    assert metrics["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 4 + 1 / 10 + 1 / 11) / 5)
    assert (metrics["hits@1"], metrics["hits@3"], metrics["hits@5"], metrics["hits@10"]) == (0.2, 0.4, 0.6, 0.8)
    assert metrics["mean_rank"] == pytest.approx(5.6)


def test_frequency_baseline_counts_by_hand():
    # relation 0 tails: 2 twice, 3 once; head 0's tails: 2, 3; head 1's: 2
    triples = np.array([[0, 0, 2], [1, 0, 2], [0, 0, 3]])
    by_relation = np.array([0.5, 0.5, 2.5, 1.5]) / 5
    by_anchor = np.array([0.5, 0.5, 1.5, 1.5]) / 4
    for condition, expected in (("relation", np.log(by_relation)), ("relation+anchor", np.log(by_relation) + np.log(by_anchor))):
        base = FrequencyBaseline(condition, smoothing=0.5).fit(triples, 4, 1)
        scores = base.score_all(torch.tensor([0]), torch.tensor([0]), "tail")[0].numpy()
        assert scores == pytest.approx(expected) and np.argmax(scores) == 2


def test_hits_at_k_reaching_the_entities_is_no_figure(tmp_path, cli):
    """On 6 entities every filtered rank is <= 6: hits@10 would be 1.0 for any model, so it is left
    out (NaN in the table, no key in metrics.json, 'n/a' in the summary); hits@1, @3 and @5 stay."""
    import json

    import polars as pl

    folder = tmp_path / "kg"
    folder.mkdir()
    pairs = ["ab", "bc", "cd", "de", "ef", "fa"]
    train = [f"{h}\tnext\t{t}\n" for h, t in pairs] + [f"{t}\tprev\t{h}\n" for h, t in pairs[:-1] if h != "b"]
    (folder / "train.txt").write_text("".join(train))
    (folder / "valid.txt").write_text("a\tprev\tf\n")
    (folder / "test.txt").write_text("c\tprev\tb\n")
    run_dir = tmp_path / "run"
    result = cli("factors", f"factors.kge.graph={folder}", "factors.sources.data=null", "debug=quick", "factors.kge.models=[transe]",
                 f"hydra.run.dir={run_dir}", "report=false")
    assert result.exit_code == 0, result.output
    table = pl.read_parquet(run_dir / "tables/link_prediction.parquet")
    assert table["hits@10"].is_nan().all() and table.select(pl.col("hits@1", "hits@3", "hits@5").is_not_nan().all()).row(0) == (True,) * 3
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert "kge.transe.hits@5" in metrics and "kge.transe.hits@10" not in metrics and "kge.baseline.raw.hits@10" not in metrics
    assert "hits@10 n/a" in result.output


def test_a_nan_true_score_ranks_last_not_at_one_half():
    # a diverged model scores NaN, which compares false with everything: 1 + 0 + (0 - 1) / 2 = 0.5,
    # an MRR of 2 that early stopping kept as the best state
    scores = torch.tensor([[float("nan")] * 4, [0.1, 0.9, 0.5, 0.5]])
    assert tie_rank(scores, torch.tensor([float("nan"), 0.5])).tolist() == [4.0, 2.5]
