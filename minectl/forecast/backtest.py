"""Rolling-origin backtest, accuracy metrics and the out-of-sample forecast table."""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from minectl.workers import Workers

BACKTEST_SCHEMA = {
    "origin": pl.Date,
    "horizon": pl.Int64,
    "date": pl.Date,
    "model": pl.String,
    "actual": pl.Float64,
    "forecast": pl.Float64,
}


def backtest_origins(window: tuple[int, int], horizon: int, refit_every: int) -> list[tuple[int, bool]]:
    """(origin, refit) of every origin of a rolling backtest of ``window``: origins run from
    window[0]-horizon to window[1]-2 so that every horizon is scored on the same target months,
    and the model is re-learnt at the first and every ``refit_every``-th."""
    start, end = window
    return [(origin, step % refit_every == 0) for step, origin in enumerate(range(max(start - horizon, 0), end - 1))]


def rolling_origin_backtest(
    model,
    y: np.ndarray,
    dates: list[date],
    window: tuple[int, int],
    horizon: int,
    model_name: str,
    refit_every: int = 1,
    on_origin: Callable[[], None] | None = None,
    fitted: Callable[[int], object] | None = None,
) -> pl.DataFrame:
    """Forecast every month of y[window[0]:window[1]] at horizons 1..horizon, never seeing the future.

    An origin is the index `t` of the last month a forecast may use: the model is fitted (a fresh
    clone) on y[:t+1] every `refit_every` origins and otherwise `update`d with y[:t+1], then
    predicts months t+1..t+horizon. ``fitted(months)``, when given, hands over a model already
    fitted on y[:months] (see :func:`fit_models`) instead; it is not changed (an update goes to a
    copy of it). Returns one row per (origin, horizon) with origin/target dates, actual and forecast.
    """
    start, end = window
    if not 1 <= start < end <= len(y):
        raise ValueError(f"window: expected 1 <= start < end <= {len(y)}, got {window}")
    if horizon < 1 or refit_every < 1:
        raise ValueError("horizon and refit_every must be >= 1")
    fitted = fitted or (lambda months: _fit_clone(model, y[:months]))
    rows = {name: [] for name in BACKTEST_SCHEMA}
    current, handed_over = None, False
    for origin, refit in backtest_origins(window, horizon, refit_every):
        if refit:
            current, handed_over = fitted(origin + 1), True
        else:
            if handed_over:  # the fit may serve other backtests too: this one updates its own copy
                current, handed_over = copy.deepcopy(current), False
            current.update(y[: origin + 1])
        steps = min(horizon, end - 1 - origin)
        forecast = current.predict(steps)
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

    def backtests(self) -> list[tuple[tuple[int, int], int]]:
        """(window, horizon) of each backtest: the validation period one month ahead, the test
        period up to ``max_horizon`` months ahead (none when validation only)."""
        validation = ((self.validation_start, self.test_start), 1)
        return [validation] if self.validation_only else [validation, ((self.test_start, self.n), self.max_horizon)]

    def fit_points(self, refit_every: int) -> list[int]:
        """Months of history of every fit a model with ``refit_every`` makes: its backtests' refits,
        then the whole series for the future forecast (not when validation only); each once."""
        points = [origin + 1 for window, horizon in self.backtests()
                  for origin, refit in backtest_origins(window, horizon, refit_every) if refit]
        if not self.validation_only:
            points.append(self.n)
        return list(dict.fromkeys(points))


Fits = dict[tuple[str, int], object]  # (model name, months of history) -> the model fitted on them


def fit_models(models: Mapping[str, tuple[object, int]], y: np.ndarray, windows: BacktestWindows,
               workers: Workers | None = None, in_workers: Collection[str] = (),
               on_fit: Callable[[], None] | None = None, meanwhile: Callable[[], None] | None = None) -> Fits:
    """A fitted clone of every ``name -> (model, refit_every)`` for each of its fit points.

    The fits of the models named in ``in_workers`` (a second each: the LSTM) are shared with
    the ``workers`` (`minectl.workers.spawned_workers`): this process makes the other fits while
    the workers take the first ones, then fits from the back of the queue while each worker
    takes the next from the front as it finishes one, so neither waits for the other. Every fit
    depends on its history and its model's ``random_state`` alone, so where it ran changes no
    bit (tests/forecast/test_backtest.py). ``meanwhile``: this process's own work for later (e.g. an
    import), done once the workers have their first fits rather than while they wait for them.
    """
    points = [(name, months) for name, (_, refit_every) in models.items() for months in windows.fit_points(refit_every)]
    fit_here = lambda point: _fit_clone(models[point[0]][0], y[: point[1]])  # noqa: E731
    done = on_fit or (lambda: None)
    shared = [p for p in points if p[0] in in_workers]
    if workers is None or not shared:
        if meanwhile is not None:
            meanwhile()
        return {point: _counted(fit_here(point), done) for point in points}
    fits: Fits = {}
    queue, sent, lock = deque(shared), {}, threading.Lock()

    def send_next(_finished=None) -> None:  # one fit at a time per worker: the rest stays here to take
        with lock:
            if queue:
                point = queue.popleft()
                sent[point] = workers.executor.submit(_fit_clone, models[point[0]][0], y[: point[1]])
                sent[point].add_done_callback(send_next)

    try:
        for _ in range(min(workers.count, len(shared))):
            send_next()
        if meanwhile is not None:
            meanwhile()
        for point in points:
            if point not in shared:
                fits[point] = _counted(fit_here(point), done)
        while True:
            with lock:
                point = queue.pop() if queue else None
            if point is None:
                break
            fits[point] = _counted(fit_here(point), done)
        for point, future in sent.items():
            fits[point] = _counted(future.result(), done)
    finally:
        with lock:
            queue.clear()  # after an error: nothing more is sent
    return fits


def _fit_clone(model, history: np.ndarray):
    return model.unfitted().fit(history)


def _counted(fitted, done: Callable[[], None]):
    done()
    return fitted


def backtest_models(
    models: Mapping[str, tuple[object, int]], y: np.ndarray, dates: list[date], windows: BacktestWindows, fits: Fits
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Rolling-origin backtests of every ``name -> (model, refit_every)`` with the models of
    :func:`fit_models`: one step ahead over the validation period, and up to ``max_horizon``
    steps over the test period (None when validation only)."""
    tables: list[list[pl.DataFrame]] = [[] for _ in windows.backtests()]
    for name, (model, refit_every) in models.items():
        fitted = lambda months, name=name: fits[name, months]  # noqa: E731  # shared: a backtest updates a copy
        for table, (window, horizon) in zip(tables, windows.backtests(), strict=True):
            table.append(rolling_origin_backtest(model, y, dates, window, horizon, name, refit_every, fitted=fitted))
    validation, *test = (pl.concat(table) for table in tables)
    return validation, test[0] if test else None


def accuracy(actual: np.ndarray, forecast: np.ndarray) -> dict[str, float]:
    """MAPE (percent), MAE, RMSE and R^2 (1 - SSE/SST around the mean of the actuals)."""
    actual, forecast = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    # in units of a power of two near the largest price, so that squares neither underflow (prices
    # near 1e-300 had RMSE 0 below an MAE of 1e-305, and R^2 NaN) nor overflow; a power of two
    # scales exactly, so prices of ordinary size keep the same bits
    exponent = int(np.frexp(np.max(np.abs(actual)))[1])
    error = np.ldexp(forecast - actual, -exponent)
    total = np.sum(np.ldexp(actual - actual.mean(), -exponent) ** 2)
    return {
        "mape": float(np.mean(np.abs(forecast - actual) / np.abs(actual)) * 100),
        "mae": float(np.ldexp(np.mean(np.abs(error)), exponent)),
        "rmse": float(np.ldexp(np.sqrt(np.mean(error**2)), exponent)),
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


def future_forecast(fitted, last_date: date, horizon: int, model_name: str, interval_level: float,
                    filled: np.ndarray | None = None) -> pl.DataFrame:
    """Forecast the next `horizon` months with a model fitted on the whole series (``filled``: its months that
    were empty and interpolated, for the interval).

    Columns: date (first of month), model, forecast, lower, upper (null when the model has no
    predictive interval).
    """
    forecast = fitted.predict(horizon)
    interval = fitted.predict_interval(horizon, interval_level, filled)
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
