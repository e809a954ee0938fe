"""Seed 000 Table 3 layout: every model x seeds, mean +- sd, next to the naive baselines.

Runs one multirun through the CLI, then reads the sweep's summary.parquet (one row per job:
override columns + metric columns, as `minectl summarize` writes it) and prints a Markdown table.

    python benchmarks/risk_table3.py                      # synthetic mine, seeds 0-4
    python benchmarks/risk_table3.py --case seismic       # real seismic-bumps (binary)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

MODELS = "lr,svm,lightgbm,lstm,rf,lstm_rf"
# Table 3 is one lead time (today's state); 4 mines give ~3,000 samples like the seed's 3,120.
CASES = {
    "synthetic": (
        ["data.synthetic.mines=4", "risk.lead_times=[0]", "risk.primary_lead=0",
         "risk.robustness.enabled=false", "risk.importance.enabled=false", "risk.save_model=false"],
        [("test.accuracy", "Accuracy/%", 100), ("test.precision_macro", "Precision", 1),
         ("test.recall_macro", "Recall/%", 100), ("test.f1_macro", "F1-score", 1), ("test.auc", "AUC", 1),
         ("test.recall.high", "Recall high/%", 100)],
    ),
    "seismic": (
        ["+experiment=seismic_bumps", "risk.robustness.enabled=false", "risk.importance.enabled=false",
         "risk.save_model=false"],
        [("test.auc", "AUC", 1), ("test.recall.high", "Recall (bump)", 1), ("test.f1.high", "F1 (bump)", 1),
         ("test.f1_macro", "macro F1", 1), ("test.accuracy", "Accuracy/%", 100)],
    ),
}


def table(summary_path: Path, columns) -> str:
    import polars as pl

    summary = pl.read_parquet(summary_path)
    failed = summary.filter(pl.col("status") != "ok")
    ok = summary.filter(pl.col("status") == "ok")
    lines = ["| Model | jobs | " + " | ".join(c[1] for c in columns) + " |",
             "| --- | ---: | " + " | ".join("---:" for _ in columns) + " |"]
    rows = [*MODELS.split(","), "baseline: persistence", "baseline: majority"]
    for name in rows:
        if name.startswith("baseline"):
            part, prefix = ok.filter(pl.col("model") == "lstm_rf"), f"baseline.{name.split(': ')[1]}."
        else:
            part, prefix = ok.filter(pl.col("model") == name), "test."
        cells = []
        for key, _, scale in columns:
            column = prefix + key.removeprefix("test.")
            values = part[column] * scale if column in part.columns else None
            digits = 1 if scale == 100 else 3
            cells.append("-" if values is None or values.len() == 0
                         else f"{values.mean():.{digits}f} ± {values.std() or 0:.{digits}f}")
        lines.append(f"| {name} | {part.height} | " + " | ".join(cells) + " |")
    if failed.height:
        lines.append(f"\nfailed jobs: {failed.select('job', 'model', 'error').rows()}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES), default="synthetic")
    parser.add_argument("--sweep-dir", default=None, help="default: multirun/risk_table3_<case>")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--only-table", action="store_true", help="re-read an existing sweep")
    args = parser.parse_args()
    overrides, columns = CASES[args.case]
    sweep_dir = args.sweep_dir or f"multirun/risk_table3_{args.case}"
    if not args.only_table:
        command = [sys.executable, "-m", "minectl.cli", "risk", "-m", f"model={MODELS}", f"seed={args.seeds}",
                   *overrides, f"hydra.sweep.dir={sweep_dir}"]
        print(" ".join(command[2:]))
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    print(table(Path(sweep_dir) / "summary.parquet", columns))


if __name__ == "__main__":
    main()
