"""MaintIE entity extraction on the authors' split: every tagger x seeds, mean +- sd of the micro
F1 (exact span and type against all gold entities), the seconds each run took, next to the
flat-tagger ceiling and the published SpERT (BERT) figures, at 5 and 32 classes.

    python benchmarks/ner_maintie.py                      # seeds 0-2, levels 5 and 32, 1 thread
    python benchmarks/ner_maintie.py --levels 5 --seeds 0 --models bilstm_crf --threads 2
    python benchmarks/ner_maintie.py --select            # crf_dict's settings chosen by block CV, not on test
    python benchmarks/ner_maintie.py --select --levels 32 --blocks 7 --word-classes off   # how steady that choice is
    python benchmarks/ner_maintie.py --select --levels 5 --blocks 7 9 10 --word-classes on   # chosen by three partitions at once
    python benchmarks/ner_maintie.py --train-dev         # crf_dict fitted on train + dev as well (not the authors' protocol)

`--select` scores every crf_dict setting of GRID by CV over 9 contiguous blocks (`--blocks`) of
the training and dev texts (file order, like the authors' split), and prints the test F1 of the
three best settings next to the defaults' only: the test split chooses nothing.

Timings depend on the machine's load: they are wall-clock seconds of this process."""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from minectl.text import pipeline
from minectl.text.corpus import read_corpus, relabel
from minectl.text.scoring import entity_scores

CORPUS = Path(__file__).parents[1] / "examples" / "data" / "maintie" / "gold_release.json"
SPERT = {1: 89.88, 5: 87.39, 32: 71.58, 224: 64.43}  # RESULTS.md, entity micro F1 on the same split
NEURAL = {"char_encoder": "lstm", "word_dim": 100, "char_dim": 30, "char_hidden": 50, "dict_dim": 20, "hidden": 100, "dropout": 0.3,
          "word_dropout": 0.05, "learning_rate": 0.003, "batch_size": 16, "max_epochs": 40, "patience": 10, "word_vectors": True,
          "vector_epochs": 5, "dict_folds": 5, "dictionary_first": 0.9, "nested": None}  # conf/extract.yaml's defaults
CRF = {"c1": 0.05, "c2": 0.05, "max_iterations": 150, "word_classes": True}
GRID = {"c1": (0.0, 0.05, 0.2), "c2": (0.01, 0.05, 0.2), "dictionary_first": (0.5, 0.7, 0.9), "word_classes": (True, False)}  # --select


def crf_dict_f1(settings: dict, train, test) -> float:
    """Micro F1 on ``test`` of crf_dict fitted on ``train`` with ``settings`` (c1, c2, word_classes, dictionary_first)."""
    crf = {**CRF, "c1": settings["c1"], "c2": settings["c2"], "word_classes": settings["word_classes"]}
    model = pipeline.make_tagger("crf_dict", {}, 0, {**NEURAL, "dictionary_first": settings["dictionary_first"]}, crf, 0.5).fit(train)
    return 100 * entity_scores([d.entities for d in test], model.predict(test))["micro"]["f1"]


def select(docs, levels: int, blocks: list[int], grid: dict) -> None:
    """crf_dict's settings of ``grid`` by block CV on train + dev (with several block counts: the
    mean of their CV means); the test F1 of the three best and of the defaults."""
    train, dev, test = pipeline.authors_split(relabel(docs, levels))
    partitions = [pipeline.block_splits(train + dev, count) for count in blocks]
    cv = {}
    for values in itertools.product(*grid.values()):
        settings = dict(zip(GRID, values, strict=True))
        means = [sum(crf_dict_f1(settings, fit_on, held) for fit_on, held in folds) / len(folds) for folds in partitions]
        cv[values] = sum(means) / len(means)
        each = f" ({', '.join(f'{m:.2f}' for m in means)})" if len(means) > 1 else ""
        print(f"| {levels} | {settings} | {cv[values]:.2f}{each} | |", flush=True)
    best = sorted(cv, key=cv.get, reverse=True)[:3]
    default = (CRF["c1"], CRF["c2"], NEURAL["dictionary_first"], CRF["word_classes"])
    for name, values in [*zip(("pick", "second", "third"), best, strict=False), ("defaults", default)]:  # a grid may hold fewer
        settings = dict(zip(GRID, values, strict=True))
        cv_f1 = f"{cv[values]:.2f}" if values in cv else "-"
        print(f"| {levels} | {name}: {settings} | {cv_f1} | {crf_dict_f1(settings, train, test):.2f} |", flush=True)


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[5, 32])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(pipeline.MODELS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--select", action="store_true", help="choose crf_dict's settings by block CV on train + dev")
    parser.add_argument("--blocks", type=int, nargs="+", default=[9],
                        help="--select: contiguous blocks of train + dev (several: the mean of each count's CV)")
    parser.add_argument("--word-classes", choices=("both", "on", "off"), default="both", help="--select: the grid's word classes")
    parser.add_argument("--train-dev", action="store_true", help="crf_dict fitted on train and on train + dev, same test")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    docs = read_corpus(CORPUS)
    if args.train_dev:
        print("| classes | crf_dict settings | test micro F1, fitted on train | on train + dev |")
        print("| --- | --- | --- | --- |")
        settings = {**CRF, "dictionary_first": NEURAL["dictionary_first"]}
        for levels in args.levels:
            train, dev, test = pipeline.authors_split(relabel(docs, levels))
            print(f"| {levels} | {settings} | {crf_dict_f1(settings, train, test):.2f} | {crf_dict_f1(settings, train + dev, test):.2f} |")
        return
    if args.select:
        grid = {**GRID, "word_classes": {"both": (True, False), "on": (True,), "off": (False,)}[args.word_classes]}
        counts = " / ".join(map(str, args.blocks))
        print(f"| classes | crf_dict settings | block CV micro F1 (train + dev, {counts} blocks) | test micro F1 |")
        print("| --- | --- | --- | --- |")
        for levels in args.levels:
            select(docs, levels, args.blocks, grid)
        return
    print("| classes | model | micro F1 mean +- sd | macro F1 mean | seconds per run | vs SpERT |")
    print("| --- | --- | --- | --- | --- | --- |")
    for levels in args.levels:
        train, dev, test = pipeline.authors_split(relabel(docs, levels))
        unlabelled = [d.tokens for d in docs]
        ceiling, _ = pipeline.flat_ceiling(test)
        for name in args.models:
            seeds = args.seeds if name in pipeline.NEURAL else args.seeds[:1]  # the others are deterministic
            micro, macro, seconds = [], [], []
            for seed in seeds:
                start = time.perf_counter()
                model = pipeline.fit_tagger(pipeline.make_tagger(name, {}, seed, NEURAL, CRF, 0.5), train, dev, unlabelled)
                scores = entity_scores([d.entities for d in test], model.predict(test))
                seconds.append(time.perf_counter() - start)
                micro.append(100 * scores["micro"]["f1"])
                macro.append(100 * scores["macro"]["f1"])
            mean, sd = pipeline.mean_sd(micro)
            print(f"| {levels} | {name} | {mean:.2f} +- {sd:.2f} (n={len(seeds)}) | {sum(macro) / len(macro):.2f} | "
                  f"{sum(seconds) / len(seconds):.1f} | {mean - SPERT[levels]:+.2f} |", flush=True)
        print(f"| {levels} | flat ceiling | {100 * ceiling['micro']['f1']:.2f} | | | |")
        print(f"| {levels} | SpERT (BERT, published) | {SPERT[levels]:.2f} | | | |")


if __name__ == "__main__":
    main()
