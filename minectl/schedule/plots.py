"""Figures of a schedule run: tonnes, metal and cash flow per period, and a pit cross-section
coloured by period."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure  # a bare Figure: no pyplot state, no GUI backend


def periods_plot(rows: list[dict], quantities: list[tuple[str, str]]):
    """One panel per (column, label) in `quantities`, a line per plan (the rows' `plan`) over `period`."""
    fig = Figure(figsize=(4.2 * len(quantities), 3.4))
    axes = np.atleast_1d(fig.subplots(1, len(quantities)))
    plans = list(dict.fromkeys(row["plan"] for row in rows))
    for ax, (column, label) in zip(axes, quantities, strict=True):
        for plan in plans:
            mine = [row for row in rows if row["plan"] == plan]
            ax.plot([row["period"] for row in mine], [row[column] for row in mine], marker="o", label=plan)
        ax.set_xlabel("period")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    return fig


def cross_section_plot(xyz: np.ndarray, period: np.ndarray, n_periods: int, title: str):
    """The vertical section through the middle of the model along x (the y with most mined
    blocks): each block coloured by its period, unmined blocks grey."""
    ys, counts = np.unique(xyz[period >= 0, 1], return_counts=True)
    y = ys[counts.argmax()] if len(ys) else np.median(xyz[:, 1])
    on = np.isclose(xyz[:, 1], y)
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    ax.scatter(xyz[on & (period < 0), 0], xyz[on & (period < 0), 2], c="0.85", marker="s", s=18, label="not mined")
    mined = on & (period >= 0)
    points = ax.scatter(xyz[mined, 0], xyz[mined, 2], c=period[mined], cmap="viridis", vmin=0, vmax=max(n_periods - 1, 1), marker="s", s=18)
    fig.colorbar(points, ax=ax, label="period")
    ax.set_xlabel("x")
    ax.set_ylabel("z (up)")
    ax.set_title(f"{title}: section y = {y:g}", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    return fig
