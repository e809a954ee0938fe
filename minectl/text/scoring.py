"""Entity-level precision, recall and F1 (exact span and type), per type, micro and macro, as
seqeval's classification_report computes them (macro: the plain mean over every type seen in
gold or prediction; 0/0 counts as 0). Written here so that nested gold spans, which BIO tags
cannot hold, are scored too; tests check it equals seqeval on flat examples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": n_gold}


def prf_by_type(gold: Iterable[tuple[Hashable, str]], pred: Iterable[tuple[Hashable, str]]) -> dict[str, dict[str, float]]:
    """Scores of items given as (key, type): an item is right when the same key and type is in
    gold. Returns {type: {precision, recall, f1, support}, "micro": ..., "macro": ...}."""
    gold, pred = set(gold), set(pred)
    right = gold & pred
    count = lambda items: Counter(kind for _, kind in items)  # noqa: E731
    n_gold, n_pred, n_right = count(gold), count(pred), count(right)
    report = {kind: _prf(n_right[kind], n_pred[kind], n_gold[kind]) for kind in sorted(set(n_gold) | set(n_pred))}
    per_type = list(report.values())
    report["micro"] = _prf(len(right), len(pred), len(gold))
    report["macro"] = {
        key: sum(r[key] for r in per_type) / len(per_type) if per_type else 0.0 for key in ("precision", "recall", "f1")
    } | {"support": len(gold)}
    return report


def entity_scores(gold: list[list], pred: list[list]) -> dict[str, dict[str, float]]:
    """Entity scores of documents' spans (`Span` or (start, end, type)); gold may nest."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents and {len(pred)} predicted; expected the same documents")

    def items(docs):
        as_tuples = ((i, tuple(s) if isinstance(s, tuple) else (s.start, s.end, s.type)) for i, spans in enumerate(docs) for s in spans)
        return [((i, start, end), kind) for i, (start, end, kind) in as_tuples]

    return prf_by_type(items(gold), items(pred))
