"""`minectl demo`: the synthetic smart mine end to end - full-cost accounting and realism."""

from __future__ import annotations

from typing import Any

from minectl.tasks import cost

Config = cost.Config  # the demo is the cost task's config, run on the synthetic mine


def run(cfg: Any, run: Any) -> dict:
    import polars as pl
    from rich.table import Table

    from minectl.costing.reference import compare_with_table2

    metrics = cost.run(cfg, run)
    realism = compare_with_table2(pl.read_parquet(run.dir / "tables" / "daily.parquet"))
    run.table("realism", realism)
    table = Table(title="Realism vs seed 000 Table 2 (bands: mean 10 %, sd 25 %)")
    for column in ("feature", "mean", "T2", "err", "sd", "T2 ", "err ", "ok"):
        table.add_column(column, justify="left" if column == "feature" else "right", no_wrap=True)
    for row in realism.iter_rows(named=True):
        table.add_row(
            row["label"], f"{row['mean']:.1f}", f"{row['table_mean']:.1f}", f"{row['mean_err']:+.1%}",
            f"{row['sd']:.2f}", f"{row['table_sd']:.1f}", f"{row['sd_err']:+.1%}",
            "[green]in[/]" if row["within_bands"] else "[red]out[/]",
        )
    run.console.print(table)
    metrics["realism"] = {
        row["feature"]: {"mean_err": row["mean_err"], "sd_err": row["sd_err"]} for row in realism.iter_rows(named=True)
    }
    metrics["realism"]["within_bands"] = int(realism["within_bands"].sum())
    return metrics
