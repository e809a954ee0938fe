"""Link prediction on a graph: the mining graph's triples split at random, or a benchmark folder;
the count baselines and each configured embedding model, evaluated filtered and raw; the share of
test triples whose reverse is in training."""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import polars as pl

from minectl.errors import ConfigError, DataError
from minectl.factors.kge.data import TripleSplits, index_splits


def split_mining_graph(edges: pl.DataFrame, *, valid_fraction: float, test_fraction: float, seed: int) -> TripleSplits:
    """Unique (head, relation, tail) triples split at random; a triple goes to valid/test only when
    its head, relation and tail stay in the training part (an unseen entity or relation has no trained
    embedding: the default graph's one Establish triple was a test triple, scored by a random vector).
    A self-loop counts once for its entity: an entity whose only triple was a text self-loop left training."""
    triples = sorted(set(zip(edges["head"], edges["relation"], edges["tail"], strict=True)))
    order = np.random.default_rng(seed).permutation(len(triples))
    n_held = {"valid": int(round(valid_fraction * len(triples))), "test": int(round(test_fraction * len(triples)))}
    # the training triples naming each entity (as ("e", name)) and each relation (as ("r", name))
    degree = collections.Counter(name for h, r, t in triples for name in {("e", h), ("e", t), ("r", r)})
    held: dict[str, list] = {"valid": [], "test": []}
    train = []
    for i in order:
        h, r, t = triples[i]
        names = {("e", h), ("e", t), ("r", r)}
        part = next((p for p in ("test", "valid") if len(held[p]) < n_held[p]), None)
        if part and all(degree[name] > 1 for name in names):
            held[part].append(triples[i])
            degree.subtract(names)
        else:
            train.append(triples[i])
    if not held["test"] or not held["valid"]:
        raise DataError(f"{len(triples)} triples leave no validation or test triple (a held-out triple's entities and relation "
                        "must keep a training triple); expected a larger graph or larger factors.kge.valid_fraction / test_fraction")
    return index_splits(train, held["valid"], held["test"])


def check_estimators(estimators: Mapping[str, Mapping[str, Any]], models: list[str], key: str) -> dict[str, dict[str, Any]]:
    """Each selected model's parameters, checked before any data is read (KGEModel's constraints)."""
    from sklearn.utils._param_validation import InvalidParameterError

    from minectl.estimators import boolean_as_number
    from minectl.factors.kge.estimator import KGEModel
    from minectl.factors.kge.scoring import SCORERS

    checked = {}
    for name in models:
        if name not in estimators:
            raise ConfigError(f"unknown model {name!r}; expected one of {', '.join(estimators)} (add it to {key}.estimators)",
                              param=f"{key}.models")
        params = {"model": name, **dict(estimators[name] or {})}
        if name in SCORERS and params["model"] != name:  # `complex: {model: transe}` trained TransE, reported as complex
            raise ConfigError(f"model={params['model']} in the entry of {name}; expected {name} (or an entry of another name, "
                              f"`{params['model']}_2: {{model: {params['model']}, ...}}`)", param=f"{key}.estimators.{name}")
        unknown = sorted(set(params) - set(KGEModel().get_params()))
        if unknown:
            raise ConfigError(f"unknown parameter(s) {', '.join(unknown)}; expected some of {', '.join(sorted(KGEModel().get_params()))}",
                              param=f"{key}.estimators.{name}")
        # sklearn's Integral and Real hold bool: `dim: true` (YAML's `yes` too) trained a 1-wide embedding, `epochs: true` one epoch
        if (flag := boolean_as_number(KGEModel, params)) is not None:
            raise ConfigError(f"{flag[0]}={str(params[flag[0]]).lower()}; expected a number", param=f"{key}.estimators.{name}")
        try:
            KGEModel(**params)._validate_params()
        except InvalidParameterError as exc:
            raise ConfigError(str(exc).replace("The '", "'"), param=f"{key}.estimators.{name}") from None
        checked[name] = params
    return checked


def run_link_prediction(splits: TripleSplits, estimators: Mapping[str, dict[str, Any]], *, seed: int,
                        max_epochs: int | None, device: str,
                        progress: Callable[[str, int], Callable[[int], None]] | None = None) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Rows (model, ranking, metrics, seconds) of the baselines (first) and each model; the fitted models.
    ``progress(name, epochs)`` gives each model's ``advance(n)``, told of every epoch."""
    from minectl.factors.kge.baseline import FrequencyBaseline, InverseRuleBaseline
    from minectl.factors.kge.estimator import KGEModel
    from minectl.factors.kge.evaluation import HITS_AT, evaluate

    n_e, n_r = len(splits.entities), len(splits.relations)
    rows, fitted = [], {}
    results = {}
    for name, baseline in (("baseline", FrequencyBaseline("relation")), ("baseline_anchor", FrequencyBaseline("relation+anchor")),
                           ("baseline_inverse", InverseRuleBaseline())):
        start = time.perf_counter()
        baseline.fit(splits.train, n_e, n_r)
        results[name] = (evaluate(baseline.score_all, splits.test, splits.known), time.perf_counter() - start, 0, None)
    for name, params in estimators.items():
        params = {**params, "random_state": seed, "device": device}
        if max_epochs:
            params["epochs"] = min(params.get("epochs", KGEModel().epochs), max_epochs)
        start = time.perf_counter()
        try:
            advance = progress(name, params.get("epochs", KGEModel().epochs)) if progress else None
            model = KGEModel(**params).fit(splits.train, n_entities=n_e, n_relations=n_r, X_valid=splits.valid, progress=advance)
        except (MemoryError, RuntimeError) as exc:  # torch's allocators raise RuntimeError (OutOfMemoryError on a GPU)
            if not isinstance(exc, MemoryError) and "memory" not in str(exc):
                raise
            raise ConfigError(f"the embeddings of {n_e:,} entities and {n_r:,} relations at dim {params.get('dim', KGEModel().dim):,} "
                              f"do not fit in memory on {device}; expected a smaller dim", param=f"factors.kge.estimators.{name}") from None
        scores = evaluate(_finite(model.score_all, name, model.learning_rate), splits.test, splits.known, device=model.device_)
        results[name] = (scores, time.perf_counter() - start, model.epochs_run_, model.best_valid_mrr_)
        fitted[name] = model
    vacuous = {f"hits@{k}": float("nan") for k in HITS_AT if k >= n_e}  # every rank is <= the entities: 1.0 for any model
    for name, (scores, seconds, epochs, valid_mrr) in results.items():
        for kind, metrics in scores.items():
            rows.append({"model": name, "ranking": kind, **metrics, **vacuous, "valid_mrr": valid_mrr, "epochs": epochs,
                         "seconds": seconds})
    return pl.DataFrame(rows), fitted


def _finite(score_all: Callable, name: str, learning_rate: float) -> Callable:
    """``score_all`` refusing scores that are not finite: a model that diverged in training (a learning
    rate too large) scores NaN, which no comparison ranks, so each rank came out 0.5 and the MRR 2.0,
    printed as beating every baseline; a true answer's -inf ties with the filtered answers (set to -inf)."""
    import torch

    def checked(anchor, relation, side):
        scores = score_all(anchor, relation, side)
        if not torch.isfinite(scores).all():
            raise ConfigError(f"model {name!r} scores {'NaN' if torch.isnan(scores).any() else 'inf'} after training (it diverged: "
                              f"learning_rate {learning_rate:g} too large?); expected finite scores (a smaller learning_rate)",
                              param=f"factors.kge.estimators.{name}")
        return scores
    return checked


def inverse_leakage(splits: TripleSplits) -> tuple[float, str]:
    """The share of test triples (h, r, t) with some (t, r', h) in training, and its summary line."""
    from minectl.factors.kge.baseline import inverse_share

    share = inverse_share(splits.train, splits.test)
    line = f"  test triples whose reverse (t, r', h) is in training: {share:.3f}"
    if share > 0.5:  # Dettmers et al. 2018: a rule on known inverses then rivals trained models (FB15k, WN18)
        line += ("; above 0.5, as on FB15k and WN18: models' scores on this split reflect known inverses "
                 "(baseline_inverse: how far those alone go)")
    return share, line


def plausibility(model, splits: TripleSplits, target: str, relations: tuple[str, ...]) -> dict[str, float]:
    """entity -> the share of entities it outscores as the head of (?, r, target), best over ``relations``."""
    import torch

    if target not in splits.entities:
        return {}
    t = splits.entities.index(target)
    best = np.zeros(len(splits.entities))
    for relation in relations:
        if relation not in splits.relations:
            continue
        r = splits.relations.index(relation)
        scores = model.score_all(torch.tensor([t]), torch.tensor([r]), "head")[0].cpu().numpy()
        share = (scores[:, None] > scores[None, :]).sum(1) / max(len(scores) - 1, 1)
        best = np.maximum(best, share)
    return dict(zip(splits.entities, best.tolist(), strict=True))
