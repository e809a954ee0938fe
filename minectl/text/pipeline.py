"""Train, evaluate and compare taggers on a labelled corpus; relations and triples of the best.

Models (names used in metrics `ner.<model>.*`): `dictionary` (longest match), `crf` (feature CRF),
`crf_dict` (feature CRF + dictionary features), `bilstm` (BiLSTM with per-token softmax: the seed's
ablation without CRF), `bilstm_crf` (BiLSTM-CRF). The neural models use the character encoder,
the dictionary feature and skip-gram vectors unless their settings turn them off."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from minectl.errors import ConfigError, DataError
from minectl.text.bio import flatten
from minectl.text.corpus import Document, Span
from minectl.text.scoring import entity_scores

MODELS = ("dictionary", "crf", "crf_dict", "bilstm", "bilstm_crf")
NEURAL = ("bilstm", "bilstm_crf")


def authors_split(docs: list[Document]) -> tuple[list[Document], list[Document], list[Document]]:
    """MaintIE's split: file order, train = first int(0.8 n), dev = up to int(0.9 n), test = the rest."""
    n = len(docs)
    return docs[: int(0.8 * n)], docs[int(0.8 * n): int(0.9 * n)], docs[int(0.9 * n):]


def check_entities(where: str, train: list[Document], dev: list[Document], test: list[Document], models) -> None:
    """Refuse a split whose F1 would measure nothing: a training or test part without any entity (a
    tagger fitted on none, or scored on none, reported F1 0 as if measured), or a dev part without
    one where a neural tagger stops early on its F1 (0 at every epoch: the first epoch kept)."""
    parts = {"training": train, "dev": dev, "test": test}
    if not set(models) & set(NEURAL):
        del parts["dev"]
    empty = next((name for name, docs in parts.items() if not any(d.entities for d in docs)), None)
    if empty:
        names = list(parts)
        raise DataError(f"{where}: its {len(parts[empty])} {empty} sentences hold no entity; expected entities in the "
                        f"{', '.join(names[:-1])} and {names[-1]} sentences (entities bunched in part of the file? reorder its sentences)")


def repeated(held: list[Document], known: list[Document]) -> int:
    """How many of the ``held`` documents occur word for word among the ``known`` ones. Work orders
    repeat ("replace pump"): a repeated one is scored on what a tagger memorised."""
    seen = {tuple(d.tokens) for d in known}
    return sum(tuple(d.tokens) in seen for d in held)


def kfold_splits(docs: list[Document], k: int, seed: int) -> list[tuple[list[Document], list[Document], list[Document]]]:
    """k folds of shuffled documents: each fold is the test set once; of the rest, one ninth is
    the dev set that stops the neural taggers early."""
    import numpy as np

    if not 2 <= k <= len(docs):
        raise ConfigError(f"{k} folds for {len(docs)} documents; expected 2 <= folds <= documents", param="cv_folds")
    order = np.random.default_rng(seed).permutation(len(docs))
    folds = np.array_split(order, k)
    splits = []
    for i, test in enumerate(folds):
        rest = np.concatenate([f for j, f in enumerate(folds) if j != i])
        n_dev = max(1, len(rest) // 9)
        splits.append(([docs[j] for j in rest[n_dev:]], [docs[j] for j in rest[:n_dev]], [docs[j] for j in test]))
    return splits


def block_splits(docs: list[Document], k: int) -> list[tuple[list[Document], list[Document]]]:
    """k contiguous blocks in file order, each held out once: (the other blocks, the block).
    Settings are chosen by this CV on the training part, not on the test split; contiguous
    like the authors' file-order split, so a held-out block also has words never seen in the rest."""
    if not 2 <= k <= len(docs):
        raise ValueError(f"{k} blocks for {len(docs)} documents; expected 2 <= blocks <= documents")
    bounds = [i * len(docs) // k for i in range(k + 1)]
    return [(docs[:lo] + docs[hi:], docs[lo:hi]) for lo, hi in zip(bounds, bounds[1:], strict=False)]


TAGGER_FILES = {"neural": "tagger.pt", "crf": "tagger.crfsuite"}  # weights file per saved kind, next to tagger.json
# tagger.json is 49 KB for the default run (MaintIE); 64 MB (1,300 times as much: a vocabulary of millions of words)
# refuses a file read whole before it is parsed
MAX_TAGGER_BYTES = 64 << 20
# The weights: the default run's tagger.crfsuite is 0.3 MB, best=bilstm_crf's tagger.pt 1.3 MB (913 words of 100
# numbers: 0.4 KB a word). 256 MB (200 times as much, some 650,000 words) refuses a file read whole (a 1 GB
# tagger.crfsuite took 1.4 GB and 9 s before it was refused), and a tagger.pt whose tensors unpack past it.
MAX_WEIGHTS_BYTES = 256 << 20


def weights_file(model) -> str:
    from minectl.text.neural import NeuralTagger

    return TAGGER_FILES["neural" if isinstance(model, NeuralTagger) else "crf"]


def load_tagger(folder: Path):
    """The tagger a run saved in ``folder`` (tagger.json names its kind); untrusted input: JSON,
    crfsuite's model format and tensors only."""
    import json

    from minectl.runfolder import check_unpacked_size, read_text
    from minectl.text.feature_crf import FeatureCRF
    from minectl.text.neural import NeuralTagger, unreadable

    meta, expected = folder / "tagger.json", "the tagger files a `minectl factors extract` run writes"
    text = read_text(meta, expected, MAX_TAGGER_BYTES, "a run's tagger.json may take (the default run's is 49 KB)")
    try:
        info = json.loads(text)
        kind = info.get("kind")
    except (ValueError, AttributeError, RecursionError) as exc:  # RecursionError: JSON nested thousands deep
        raise unreadable(meta, exc) from None
    if kind not in TAGGER_FILES:
        raise unreadable(meta, ValueError(f"kind {kind!r}, expected one of {', '.join(TAGGER_FILES)}"))
    weights = check_unpacked_size(folder / TAGGER_FILES[kind], expected, MAX_WEIGHTS_BYTES, "a run's tagger weights may take (the "
                                  "default run's tagger.crfsuite is 0.3 MB, best=bilstm_crf's tagger.pt 1.3 MB)")
    return (NeuralTagger if kind == "neural" else FeatureCRF).load(weights, meta, info)


def make_tagger(name: str, terms: dict, seed: int, neural: dict, crf: dict, min_precision: float):
    from minectl.text.dictionary import DictionaryMatcher
    from minectl.text.feature_crf import FeatureCRF
    from minectl.text.neural import NeuralTagger

    if name == "dictionary":
        return DictionaryMatcher(terms=terms, min_precision=min_precision)
    if name == "crf":
        return FeatureCRF(**crf, dictionary=False, terms=terms, min_precision=min_precision)
    if name == "crf_dict":  # the dictionary as features and, as for the neural taggers, segmenting first
        segmenting = {k: neural[k] for k in ("dictionary_first", "nested", "dict_folds")}  # tagger.dict_folds was not read
        return FeatureCRF(**crf, dictionary=True, terms=terms, min_precision=min_precision, **segmenting)
    if name in NEURAL:
        return NeuralTagger(**neural, use_crf=name == "bilstm_crf", terms=terms, min_precision=min_precision, random_state=seed)
    raise ConfigError(f"model {name!r}; expected some of {', '.join(MODELS)}", param="models")


def fit_tagger(model, train: list[Document], dev: list[Document], unlabelled: list[list[str]], progress=None):
    """Fit any tagger: the neural ones also take the dev set (early stopping) and the unlabelled text."""
    from minectl.text.neural import NeuralTagger

    if isinstance(model, NeuralTagger):
        return model.fit(train, dev, unlabelled, progress)
    return model.fit(train) if progress is None else model.fit(train, progress)  # the dictionary has no steps to tell


def score_rows(model: str, scores: dict) -> list[dict]:
    return [{"model": model, "type": kind, **{k: float(v) for k, v in s.items()}} for kind, s in scores.items()]


def ner_metrics(scores: dict) -> dict:
    """Metrics `f1_micro`, `f1_macro`, precision/recall micro and `<type>.f1` of one model's scores."""
    metrics = {"f1_micro": 100 * scores["micro"]["f1"], "f1_macro": 100 * scores["macro"]["f1"],
               "precision_micro": 100 * scores["micro"]["precision"], "recall_micro": 100 * scores["micro"]["recall"]}
    for kind, s in scores.items():
        if kind not in ("micro", "macro"):
            metrics[kind] = {"f1": 100 * s["f1"]}
    return metrics


def compare_taggers(train, dev, test, unlabelled, models, terms, seed, neural, crf, min_precision,
                    progress: Callable[[str, int], Callable[[int], None]] | None = None):
    """Fit each model on train (dev for early stopping), score it on test against all gold
    entities. Returns ({model: scores}, {model: predicted spans}, {model: fitted tagger})."""
    scores, predictions, fitted = {}, {}, {}
    for name in models:
        model = make_tagger(name, terms, seed, neural, crf, min_precision)
        # epochs, or the feature CRF's L-BFGS iterations (minutes on 20,000 sentences); the dictionary: none
        steps = neural["max_epochs"] if name in NEURAL else getattr(model, "max_iterations", 0)
        advance = progress(name, steps) if progress and steps else None
        fitted[name] = fit_tagger(model, train, dev, unlabelled, advance)
        predictions[name] = fitted[name].predict(test)
        scores[name] = entity_scores([d.entities for d in test], predictions[name])
    return scores, predictions, fitted


def flat_ceiling(test: list[Document]) -> tuple[dict, int]:
    """Scores of the gold spans the nested-span policy keeps, against all gold spans (the best a
    flat tagger can do), and the number of spans dropped."""
    kept = [flatten(d.entities) for d in test]
    return entity_scores([d.entities for d in test], [k for k, _ in kept]), sum(n for _, n in kept)


def mean_sd(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return mean, sd


def with_entities(docs: list[Document], spans: list[list[Span]], relations=None) -> list[Document]:
    relations = relations or [[] for _ in docs]
    return [Document(d.tokens, list(s), list(r)) for d, s, r in zip(docs, spans, relations, strict=True)]


TRIPLE_SCHEMA = {"head": "String", "head_type": "String", "relation": "String", "tail": "String", "tail_type": "String",
                 "weight": "Float64", "sign": "Int8", "unit": "String", "condition": "String", "source": "String",
                 "sentence": "String", "confidence": "Float64"}


def pair_triples(docs: list[Document], found: list[list[tuple[int, int, str, float]]]) -> list:
    """Triples of classified entity pairs: entity text and type, the relation, its probability."""
    from minectl.text.corpus import join_tokens
    from minectl.text.relations import Triple

    triples = []
    for doc, pairs in zip(docs, found, strict=True):
        for h, t, relation, probability in pairs:
            head, tail = doc.entities[h], doc.entities[t]
            triples.append(Triple(join_tokens(doc.tokens[head.start:head.end]), head.type, relation,
                                  join_tokens(doc.tokens[tail.start:tail.end]), tail.type, doc.text, probability))
    return triples


def triples_frame(triples: list):
    """The graph's triples table (issue #16's contract): source always "text"."""
    import polars as pl

    schema = {name: getattr(pl, kind) for name, kind in TRIPLE_SCHEMA.items()}
    rows = [{"head": t.head, "head_type": t.head_type, "relation": t.relation, "tail": t.tail, "tail_type": t.tail_type,
             "weight": t.weight, "sign": t.sign, "unit": t.unit, "condition": t.condition, "source": "text",
             "sentence": t.sentence, "confidence": t.confidence} for t in triples]
    return pl.DataFrame(rows, schema=schema)
