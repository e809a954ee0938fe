"""Rolling-origin backtest, accuracy metrics and the out-of-sample forecast table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from sklearn.base import clone

BACKTEST_SCHEMA = {
    "origin": pl.Date,
    "horizon": pl.Int64,
    "date": pl.Date,
    "model": pl.String,
    "actual": pl.Float64,
    "forecast": pl.Float64,
}


def rolling_origin_backtest(
    model,
    y: np.ndarray,
    dates: list[date],
    window: tuple[int, int],
    horizon: int,
    model_name: str,
    refit_every: int = 1,
    on_origin: Callable[[], None] | None = None,
) -> pl.DataFrame:
    """Forecast every month of y[window[0]:window[1]] at horizons 1..horizon, never seeing the future.

    An origin is the index `t` of the last month a forecast may use: the model is fitted (a fresh
    clone) on y[:t+1] every `refit_every` origins and otherwise `update`d with y[:t+1], then
    predicts months t+1..t+horizon. Origins run from window[0]-horizon to window[1]-2 so that
    every horizon is scored on the same target months. Returns one row per (origin, horizon)
    with origin/target dates, actual and forecast.
    """
    start, end = window
    if not 1 <= start < end <= len(y):
        raise ValueError(f"window: expected 1 <= start < end <= {len(y)}, got {window}")
    if horizon < 1 or refit_every < 1:
        raise ValueError("horizon and refit_every must be >= 1")
    rows = {name: [] for name in BACKTEST_SCHEMA}
    fitted = None
    first_origin = max(start - horizon, 0)
    for step, origin in enumerate(range(first_origin, end - 1)):
        history = y[: origin + 1]
        if fitted is None or step % refit_every == 0:
            fitted = clone(model).fit(history)
        else:
            fitted.update(history)
        steps = min(horizon, end - 1 - origin)
        forecast = fitted.predict(steps)
        for k in range(1, steps + 1):
            target = origin + k
            if target < start:
                continue
            rows["origin"].append(dates[origin])
            rows["horizon"].append(k)
            rows["date"].append(dates[target])
            rows["model"].append(model_name)
            rows["actual"].append(float(y[target]))
            rows["forecast"].append(float(forecast[k - 1]))
        if on_origin is not None:
            on_origin()
    return pl.DataFrame(rows, schema=BACKTEST_SCHEMA)


@dataclass(frozen=True)
class BacktestWindows:
    """The months of a series of ``n``: validation [validation_start, test_start), test [test_start, n),
    the test forecast up to ``max_horizon`` months ahead (``validation_only``: no test period)."""

    n: int
    validation_start: int
    test_start: int
    max_horizon: int
    validation_only: bool

    @classmethod
    def of(cls, n: int, backtest_months: int, validation_months: int, max_horizon: int, validation_only: bool) -> BacktestWindows:
        test_start = n - backtest_months
        return cls(n, test_start - validation_months, test_start, max_horizon, validation_only)

    @property
    def first_fit(self) -> int:
        """Months the first fit sees: y[:validation_start] in the validation period, y[:test_start-H+1] in the test period."""
        if self.validation_only:
            return self.validation_start
        return min(self.validation_start, self.test_start - self.max_horizon + 1)

    @property
    def origins(self) -> int:
        """Forecast origins of one model."""
        validation = self.test_start - self.validation_start
        return validation + (0 if self.validation_only else self.n - self.test_start + self.max_horizon - 1)


def backtest_models(
    models: Mapping[str, tuple[object, int]], y: np.ndarray, dates: list[date], windows: BacktestWindows,
    on_origin: Callable[[], None] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Rolling-origin backtests of every ``name -> (model, refit_every)``: one step ahead over the
    validation period, and up to ``max_horizon`` steps over the test period (None when validation only)."""
    validation, backtests = [], []
    for name, (model, refit_every) in models.items():
        validation.append(
            rolling_origin_backtest(model, y, dates, (windows.validation_start, windows.test_start), 1, name, refit_every, on_origin)
        )
        if not windows.validation_only:
            backtests.append(
                rolling_origin_backtest(model, y, dates, (windows.test_start, windows.n), windows.max_horizon, name, refit_every, on_origin)
            )
    return pl.concat(validation), pl.concat(backtests) if backtests else None


def accuracy(actual: np.ndarray, forecast: np.ndarray) -> dict[str, float]:
    """MAPE (percent), MAE, RMSE and R^2 (1 - SSE/SST around the mean of the actuals)."""
    actual, forecast = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    error = forecast - actual
    total = np.sum((actual - actual.mean()) ** 2)
    return {
        "mape": float(np.mean(np.abs(error) / np.abs(actual)) * 100),
        "mae": float(np.mean(np.abs(error))),
        "rmse": float(np.sqrt(np.mean(error**2))),
        "r2": float(1 - np.sum(error**2) / total) if total > 0 else float("nan"),
    }


def backtest_accuracy(table: pl.DataFrame) -> pl.DataFrame:
    """One row per (model, horizon) with n, mape, mae, rmse, r2 of a backtest table."""
    records = []
    for (model, horizon), group in table.group_by(["model", "horizon"], maintain_order=True):
        scores = accuracy(group["actual"].to_numpy(), group["forecast"].to_numpy())
        records.append({"model": model, "horizon": horizon, "n": group.height, **scores})
    return pl.DataFrame(records).sort(["horizon", "model"])


def horizon_metrics(scores: pl.DataFrame) -> dict:
    """``backtest`` (1 month ahead) and ``backtest_h<k>`` groups: each measure by model."""
    metrics: dict = {}
    for row in scores.iter_rows(named=True):
        group = "backtest" if row["horizon"] == 1 else f"backtest_h{row['horizon']}"
        for measure in ("mape", "mae", "rmse", "r2"):
            metrics.setdefault(group, {}).setdefault(measure, {})[row["model"]] = row[measure]
    return metrics


def future_forecast(
    model, y: np.ndarray, last_date: date, horizon: int, model_name: str, interval_level: float
) -> pl.DataFrame:
    """Fit on the whole series and forecast the next `horizon` months.

    Columns: date (first of month), model, forecast, lower, upper (null when the model has no
    predictive interval).
    """
    fitted = clone(model).fit(y)
    forecast = fitted.predict(horizon)
    interval = fitted.predict_interval(horizon, interval_level)
    lower, upper = interval if interval is not None else ([None] * horizon, [None] * horizon)
    dates = [add_months(last_date, k) for k in range(1, horizon + 1)]
    return pl.DataFrame(
        {
            "date": dates,
            "model": [model_name] * horizon,
            "forecast": forecast,
            "lower": lower,
            "upper": upper,
        },
        schema={"date": pl.Date, "model": pl.String, "forecast": pl.Float64, "lower": pl.Float64, "upper": pl.Float64},
    )


def add_months(month: date, k: int) -> date:
    """The first day of the month k months after `month`."""
    index = month.year * 12 + month.month - 1 + k
    return date(index // 12, index % 12 + 1, 1)
