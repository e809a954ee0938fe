"""Plot (matplotlib Agg) and terminal summary (rich) of `minectl forecast`."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from rich.table import Table  # noqa: E402


def plot_forecast(series: pl.DataFrame, backtest: pl.DataFrame, forecast: pl.DataFrame, label: str):
    """The 1-month-ahead backtest next to the actuals, and each model's forecast with its interval."""
    figure, (past, future) = plt.subplots(1, 2, figsize=(13, 4.5))
    one_step = backtest.filter(pl.col("horizon") == 1)
    window = series.filter(pl.col("date") >= one_step["date"].min())
    past.plot(window["date"], window["value"], color="black", lw=2, label="actual")
    for name, group in one_step.group_by("model", maintain_order=True):
        past.plot(group["date"], group["forecast"], lw=1, label=name[0])
    past.set_title("backtest: 1-month-ahead forecasts")
    recent = series.tail(120)
    future.plot(recent["date"], recent["value"], color="black", lw=1.5, label="actual")
    for name, group in forecast.group_by("model", maintain_order=True):
        (line,) = future.plot(group["date"], group["forecast"], lw=1.5, label=name[0])
        if group["lower"].null_count() == 0:
            future.fill_between(group["date"], group["lower"], group["upper"], color=line.get_color(), alpha=0.15)
    future.set_title("forecast (shaded: predictive interval)")
    for axis in (past, future):
        axis.set_ylabel(label)
        axis.legend(fontsize=8)
        axis.tick_params(axis="x", labelrotation=30)
    figure.tight_layout()
    return figure


def print_summary(console, scores: pl.DataFrame, forecast: pl.DataFrame, backtest_months: int, horizon: int) -> None:
    """Accuracy by model and horizon, with each model's last forecast month."""
    final = {name[0]: group["forecast"][-1] for name, group in forecast.group_by("model")}
    table = Table(title=f"rolling-origin backtest, last {backtest_months} months")
    for column in ("model", "horizon", "MAPE %", "MAE", "RMSE", "R^2", f"forecast +{horizon} mo"):
        table.add_column(column, justify="right")
    for row in scores.iter_rows(named=True):
        r2 = "n/a" if math.isnan(row["r2"]) else f"{row['r2']:.3f}"  # constant actual prices: no R^2 (nor in metrics)
        table.add_row(
            row["model"], str(row["horizon"]), f"{row['mape']:.2f}", f"{row['mae']:.2f}",
            f"{row['rmse']:.2f}", r2, f"{final[row['model']]:.2f}",
        )
    console.print(table)
