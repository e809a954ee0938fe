"""Knowledge-graph embedding benchmark (issue #16): minectl's models on Nations, UMLS and Kinships
next to the count baselines (the strongest of the three), and minectl's TransH next to PyKEEN's TransH with the same
dimension, epochs, negatives, loss, optimiser and seed, in the same run.

Goals (mean of 3 seeds, torch.set_num_threads(1)): best model filtered MRR >= 0.80 on Nations,
>= 0.95 on UMLS, far above the baseline on Kinships, each fit <= 10 s; TransH on Nations (d=50,
300 epochs): MRR >= PyKEEN's and >= 10x faster end to end.
Run: python benchmarks/kge.py [--seeds 0 1 2] [--graphs nations umls kinships] [--no-pykeen]
PyKEEN is a benchmark-only extra: pip install -e ".[bench]" (it keeps the installed torch).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import torch
import yaml

from minectl.factors.kge.baseline import FrequencyBaseline, InverseRuleBaseline
from minectl.factors.kge.data import load_splits
from minectl.factors.kge.estimator import KGEModel
from minectl.factors.kge.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples/data/kge"
BEST_MODEL = "complex"  # the best model per graph, with the experiment's settings (conf/experiment/<graph>.yaml)
GOAL = {"nations": 0.80, "umls": 0.95}
TRANSH = dict(dim=50, epochs=300, negatives=1, margin=1.0, p_norm=2, learning_rate=0.01, batch_size=128)


def experiment_params(graph: str) -> dict:
    conf = yaml.safe_load((ROOT / f"conf/experiment/{graph}.yaml").read_text(encoding="utf-8"))
    return {"model": BEST_MODEL, **conf["factors"]["kge"]["estimators"][BEST_MODEL]}


def fit_minectl(splits, params: dict, seed: int) -> tuple[float, float, float, float]:
    """Test filtered MRR, the validation MRR early stopping chose by, wall and CPU seconds of fit + test evaluation."""
    wall, cpu = time.perf_counter(), time.process_time()
    model = KGEModel(**params, random_state=seed, device="cpu").fit(
        splits.train, n_entities=len(splits.entities), n_relations=len(splits.relations), X_valid=splits.valid)
    mrr = evaluate(model.score_all, splits.test, splits.known)["filtered"]["mrr"]
    return mrr, model.best_valid_mrr_ or float("nan"), time.perf_counter() - wall, time.process_time() - cpu


def fit_pykeen_transh(folder: Path, seed: int) -> tuple[float, float]:
    from pykeen.pipeline import pipeline
    from pykeen.triples import TriplesFactory

    start = time.perf_counter()
    train = TriplesFactory.from_path(folder / "train.txt")
    valid, test = (TriplesFactory.from_path(folder / f"{part}.txt", entity_to_id=train.entity_to_id,
                                            relation_to_id=train.relation_to_id) for part in ("valid", "test"))
    result = pipeline(training=train, validation=valid, testing=test, model="TransH", random_seed=seed, device="cpu",
                      model_kwargs=dict(embedding_dim=TRANSH["dim"], scoring_fct_norm=TRANSH["p_norm"]),
                      loss="marginranking", loss_kwargs=dict(margin=TRANSH["margin"]),
                      negative_sampler="bernoulli", negative_sampler_kwargs=dict(num_negs_per_pos=TRANSH["negatives"]),
                      optimizer="Adam", optimizer_kwargs=dict(lr=TRANSH["learning_rate"]),
                      training_kwargs=dict(num_epochs=TRANSH["epochs"], batch_size=TRANSH["batch_size"], use_tqdm=False),
                      evaluation_kwargs=dict(use_tqdm=False))
    return float(result.metric_results.get_metric("both.realistic.inverse_harmonic_mean_rank")), time.perf_counter() - start


def summary(values: list[float]) -> str:
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values) if len(values) > 1 else 0.0:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--graphs", nargs="+", default=["nations", "umls", "kinships"])
    parser.add_argument("--no-pykeen", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    # torch imports torch._dynamo (1-3 s) when a process builds its first optimiser: start-up, not fitting
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    print(f"load average at start {os.getloadavg()[0]:.1f} (2 cores shared: wall seconds grow with it, CPU seconds much less)")
    for graph in args.graphs:
        splits = load_splits(DATA / graph)
        params = experiment_params(graph)
        baselines = (FrequencyBaseline("relation"), FrequencyBaseline("relation+anchor"), InverseRuleBaseline())
        base = max(evaluate(baseline.fit(splits.train, len(splits.entities), len(splits.relations)).score_all,
                            splits.test, splits.known)["filtered"]["mrr"] for baseline in baselines)
        mrrs, valid, seconds, cpu = zip(*(fit_minectl(splits, params, seed) for seed in args.seeds), strict=True)
        goal = GOAL.get(graph)
        verdict = (f"goal >= {goal}: {'met' if statistics.mean(mrrs) >= goal else 'NOT met'}" if goal
                   else f"{statistics.mean(mrrs) / base:.1f}x the baseline")
        settings = f"d={params['dim']}, {params['loss']}, {params.get('optimizer', 'adam')}"
        print(f"{graph:<9} best baseline MRR {base:.3f} | {BEST_MODEL} ({settings}) "
              f"test MRR {summary(mrrs)} (seeds {' '.join(f'{m:.3f}' for m in mrrs)}), validation MRR {summary(valid)} | "
              f"{summary(seconds)} s per fit (max {max(seconds):.1f} s; goal <= 10 s), CPU {summary(cpu)} s | {verdict}")
    if "nations" in args.graphs:
        splits = load_splits(DATA / "nations")
        ours = [fit_minectl(splits, dict(model="transh", loss="margin", eval_every=TRANSH["epochs"], **TRANSH), seed)
                for seed in args.seeds]
        line = f"TransH nations d={TRANSH['dim']}, {TRANSH['epochs']} epochs: minectl MRR {summary([o[0] for o in ours])} " \
               f"in {summary([o[2] for o in ours])} s"
        if not args.no_pykeen:
            theirs = [fit_pykeen_transh(DATA / "nations", seed) for seed in args.seeds]
            ratio = statistics.mean(t[1] for t in theirs) / statistics.mean(o[2] for o in ours)
            at_least = statistics.mean(o[0] for o in ours) >= statistics.mean(t[0] for t in theirs)
            line += f"; PyKEEN MRR {summary([t[0] for t in theirs])} in {summary([t[1] for t in theirs])} s; " \
                    f"minectl {ratio:.1f}x faster (goal >= 10x), MRR {'>=' if at_least else '<'} PyKEEN's"
        print(line)


if __name__ == "__main__":
    main()
