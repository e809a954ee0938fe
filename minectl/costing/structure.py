"""Daily cost structure per mine (seed 000 eqs 1, 2, 5, 7).

C_t = sum_k c_k,t over categories (eq 1/5), also split by stage; U_t = C_t / Q_t (eq 2),
null and flagged ``no_output`` when Q_t is 0 or missing; w_k,t = c_k,t / C_t (eq 7).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

KEYS = ["date", "mine_id"]


def daily_structure(
    ledger: pl.DataFrame | pl.LazyFrame,
    production: pl.DataFrame | pl.LazyFrame,
    *,
    categories: Sequence[str],
    stages: Sequence[str],
    resources: Sequence[str] = (),
    output: str = "ore_t",
) -> pl.LazyFrame:
    """Per day and mine: ``cost``, ``cost_<category>``, ``cost_stage_<stage>``,
    ``qty_<resource>`` / ``cost_res_<resource>`` for ``resources``, the production columns
    (``output`` is Q_t, ore processed by default), ``unit_cost``, ``no_output``, ``share_<category>`` and
    ``share_stage_<stage>``. Days are those with ledger entries."""
    cost = pl.col("cost")

    def part(column: str, value: str, x: pl.Expr = cost) -> pl.Expr:
        # masked sum (nulls skipped): no filtered copy per group and expression, about half
        # the time and memory of .filter(); equal to it up to float summation order
        return pl.when(pl.col(column) == value).then(x).sum()

    aggs = [
        cost.sum().alias("cost"),
        *(part("category", c).alias(f"cost_{c}") for c in categories),
        *(part("stage", s).alias(f"cost_stage_{s}") for s in stages),
        *(part("resource", r, pl.col("quantity")).alias(f"qty_{r}") for r in resources),
        *(part("resource", r).alias(f"cost_res_{r}") for r in resources),
    ]
    total = pl.col("cost")
    share = {f"share_{c}": f"cost_{c}" for c in categories} | {f"share_stage_{s}": f"cost_stage_{s}" for s in stages}
    has_output = pl.col(output) > 0
    return (
        ledger.lazy()
        .group_by(KEYS)
        .agg(aggs)
        .join(production.lazy(), on=KEYS, how="left")
        .with_columns(
            unit_cost=pl.when(has_output).then(total / pl.col(output)),
            no_output=~has_output.fill_null(False),
            **{name: pl.when(total > 0).then(pl.col(col) / total) for name, col in share.items()},
        )
        .sort(["mine_id", "date"])
    )
