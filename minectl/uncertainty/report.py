"""Terminal summary (rich) of `minectl uncertainty`."""

from __future__ import annotations

import math

from rich.markup import escape
from rich.table import Table


def print_summary(console, boot_rows: list[dict], fit_rows: list[dict], no_fit: set[str] = frozenset()) -> None:
    """Each series' bootstrap range next to its best-fitting distribution (rank 1 by BIC), or
    "no family fits" for the series in ``no_fit`` (every family rejected); a test not computed
    (censored values) shows n/a."""
    best = {r["series"]: r for r in fit_rows if r["rank"] == 1}
    table = Table(title="uncertainty ranges (bootstrap) and best-fitting distribution (BIC)")
    for column in ("series", "estimate", "CI", "range %", "best fit", "K-S p", "A-D p"):
        table.add_column(column)
    for r in boot_rows:
        fit = best[r["series"]]
        table.add_row(
            escape(r["series"]),  # a group's name in brackets is no markup
            f"{r['estimate']:.6g}",
            f"[{r['ci_low']:.6g}, {r['ci_high']:.6g}]",
            f"{r['range_low_pct']:+.2f} / {r['range_high_pct']:+.2f}" if "range_low_pct" in r else "n/a (estimate 0)",
            "no family fits" if r["series"] in no_fit else fit["family"],
            *("n/a" if math.isnan(fit[p]) else f"{fit[p]:.3f}" for p in ("ks_pvalue", "ad_pvalue")),
        )
    console.print(table)
