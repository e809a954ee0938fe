"""MaintIE entity extraction on the authors' split: every tagger x seeds, mean +- sd of the micro
F1 (exact span and type against all gold entities), the seconds each run took, next to the
flat-tagger ceiling and the published SpERT (BERT) figures, at 5 and 32 classes.

    python benchmarks/ner_maintie.py                      # seeds 0-2, levels 5 and 32, 1 thread
    python benchmarks/ner_maintie.py --levels 5 --seeds 0 --models bilstm_crf --threads 2

Timings depend on the machine's load: they are wall-clock seconds of this process."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from minectl.text import pipeline
from minectl.text.corpus import read_corpus, relabel
from minectl.text.scoring import entity_scores

CORPUS = Path(__file__).parents[1] / "examples" / "data" / "maintie" / "gold_release.json"
SPERT = {1: 89.88, 5: 87.39, 32: 71.58, 224: 64.43}  # RESULTS.md, entity micro F1 on the same split
NEURAL = {"char_encoder": "lstm", "word_dim": 100, "char_dim": 30, "char_hidden": 50, "dict_dim": 20, "hidden": 100, "dropout": 0.3,
          "word_dropout": 0.05, "learning_rate": 0.003, "batch_size": 16, "max_epochs": 40, "patience": 10, "word_vectors": True,
          "vector_epochs": 5, "dict_folds": 5, "dictionary_first": 0.9, "nested": None}  # minectl/conf/extract.yaml's defaults
CRF = {"c1": 0.05, "c2": 0.05, "max_iterations": 150}


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[5, 32])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(pipeline.MODELS))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    docs = read_corpus(CORPUS)
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
