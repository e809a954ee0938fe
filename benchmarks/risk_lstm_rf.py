"""Benchmark: train + evaluate the LSTM+RF hybrid on ~3,000 daily samples x ~48 indicators.

Target (issue #4): <= 20 s on 2 CPU cores. Prints the LSTM, RF and total time, and the plain
random forest (`model=rf`) on the same samples as the in-run reference.

    python benchmarks/risk_lstm_rf.py [--mines 4] [--years 2.07]
"""

from __future__ import annotations

import argparse
import time
from importlib import resources

import yaml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mines", type=int, default=4)
    parser.add_argument("--years", type=float, default=2.07)
    parser.add_argument("--window", type=int, default=14)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch
    from omegaconf import OmegaConf

    from minectl.estimators import build
    from minectl.risk.workflow import run_lead
    from minectl.tasks.risk import Config, _daily_frame

    torch.set_num_threads(args.threads)
    cfg = OmegaConf.merge(OmegaConf.structured(Config), {
        "task_name": "risk",
        "data": {"name": "synthetic", "synthetic": {"mines": args.mines, "years": args.years, "seed": 0}},
        "costs": yaml.safe_load(resources.files("minectl.conf").joinpath("costs/default.yaml").read_text()),
        "model": {"name": "lstm_rf", "_target_": "minectl.models.hybrid.LSTMRandomForestClassifier"},
        "risk": {"window": args.window,
                 "features": {"exclude": ["no_output", "cost_res_*", "cost_stage_*", "*_rm"]}},
    })
    started = time.perf_counter()
    frame, layout = _daily_frame(cfg)
    prepared = time.perf_counter() - started
    print(f"data: {frame.height} days x {len(layout.dynamic)} indicators + {len(layout.static)} static "
          f"({args.mines} mines), prepared in {prepared:.1f} s (not in the target)")

    def evaluate(name: str):
        model = yaml.safe_load(resources.files("minectl.conf").joinpath(f"model/{name}.yaml").read_text())
        t0 = time.perf_counter()
        result = run_lead(frame, layout, 0, lambda: build(model["_target_"], model.get("params", {}), "model",
                          window=layout.window, n_static=len(layout.static), random_state=0), 0.15, 0.2, None)
        return result, time.perf_counter() - t0

    hybrid, total = evaluate("lstm_rf")
    reference, rf_total = evaluate("rf")
    n = hybrid.metrics["samples"]
    fit = hybrid.model.fit_seconds_
    print(f"samples: train {n['train']}, val {n['val']}, test {n['test']}; LSTM epochs {hybrid.model.encoder_.n_epochs_}")
    print(f"lstm_rf  LSTM {fit['lstm']:.2f} s | RF {fit['forest']:.2f} s | total train+evaluate {total:.2f} s "
          f"(target <= 20 s: {'met' if total <= 20 else 'NOT met'})")
    print(f"rf (reference, flattened window) total {rf_total:.2f} s; lstm_rf / rf = {total / rf_total:.2f}")
    for name, r in (("lstm_rf", hybrid), ("rf", reference)):
        m = r.metrics
        print(f"{name:8s} test accuracy {m['accuracy']:.3f}  macro F1 {m['f1_macro']:.3f}  AUC {m['auc']:.3f}  "
              f"recall high {m['recall']['high']:.3f}")
    print(f"persistence baseline macro F1 {hybrid.metrics['baseline']['persistence']['f1_macro']:.3f}, "
          f"majority accuracy {hybrid.metrics['baseline']['majority']['accuracy']:.3f}")


if __name__ == "__main__":
    main()
