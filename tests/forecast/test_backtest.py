from datetime import date

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, mean_squared_error, r2_score

from minectl.forecast import ArimaForecaster, LSTMForecaster, NaiveForecaster
from minectl.forecast.backtest import (
    BacktestWindows,
    accuracy,
    add_months,
    backtest_accuracy,
    backtest_models,
    fit_models,
    future_forecast,
    rolling_origin_backtest,
)
from minectl.forecast.models import BaseForecaster
from minectl.workers import spawned_workers

MONTHS = [add_months(date(2000, 1, 1), k) for k in range(60)]


class HistorySpy(BaseForecaster):
    """Records the history length of every fit/update (clones share the class-level log) and
    predicts the index of the last month it has seen, so a forecast tells which data it used."""

    seen: list = []

    def _fit(self, y):
        HistorySpy.seen.append(("fit", y.size))

    def _update(self, y):
        HistorySpy.seen.append(("update", y.size))

    def _predict(self, h):
        return np.full(h, float(self.history_.size))


@pytest.mark.parametrize("refit_every", [1, 5])
def test_backtest_never_trains_on_the_period_it_predicts(refit_every):
    HistorySpy.seen = []
    y = np.arange(1.0, 61.0)  # y[t] = t + 1: a value names its own month
    table = rolling_origin_backtest(HistorySpy(), y, MONTHS, (40, 60), 6, "spy", refit_every)
    index = {month: i for i, month in enumerate(MONTHS)}
    origins = np.array([index[d] for d in table["origin"]])
    targets = np.array([index[d] for d in table["date"]])
    # the spy forecasts the number of months it was given: exactly origin + 1, never more
    assert np.array_equal(table["forecast"].to_numpy(), origins + 1.0)
    assert np.all(targets == origins + table["horizon"].to_numpy())
    assert np.all(targets > origins) and targets.min() == 40
    # every fit/update saw exactly y[:origin+1], origins 34..58 in order
    assert [size for _, size in HistorySpy.seen] == list(range(35, 60))
    fits = [size for kind, size in HistorySpy.seen if kind == "fit"]
    assert fits == list(range(35, 60, refit_every))


def test_every_horizon_scores_the_same_target_months():
    y = np.exp(np.linspace(0, 1, 60))
    table = rolling_origin_backtest(NaiveForecaster(), y, MONTHS, (48, 60), 3, "naive")
    for k in (1, 2, 3):
        rows = table.filter(pl.col("horizon") == k)
        assert rows["date"].to_list() == MONTHS[48:60]
        # random walk: the forecast of month t at horizon k is the price of month t - k
        assert np.array_equal(rows["forecast"].to_numpy(), y[48 - k : 60 - k])
        assert np.array_equal(rows["actual"].to_numpy(), y[48:60])


def test_bad_backtest_window_or_horizon():
    y = np.ones(10)
    with pytest.raises(ValueError, match="window"):
        rolling_origin_backtest(NaiveForecaster(), y, MONTHS[:10], (0, 10), 1, "naive")
    with pytest.raises(ValueError, match="window"):
        rolling_origin_backtest(NaiveForecaster(), y, MONTHS[:10], (5, 11), 1, "naive")
    with pytest.raises(ValueError, match="horizon"):
        rolling_origin_backtest(NaiveForecaster(), y, MONTHS[:10], (5, 10), 0, "naive")


def test_accuracy_by_hand_and_against_sklearn():
    actual, forecast = np.array([100.0, 200.0, 300.0]), np.array([110.0, 180.0, 300.0])
    scores = accuracy(actual, forecast)
    assert scores["mape"] == pytest.approx((10 / 100 + 20 / 200 + 0) / 3 * 100)
    assert scores["mae"] == pytest.approx(10.0)
    assert scores["rmse"] == pytest.approx(np.sqrt(500 / 3))
    assert scores["r2"] == pytest.approx(1 - 500 / 20000)
    rng = np.random.default_rng(0)
    actual, forecast = rng.uniform(50, 150, 40), rng.uniform(50, 150, 40)
    scores = accuracy(actual, forecast)
    assert scores["mape"] == pytest.approx(100 * mean_absolute_percentage_error(actual, forecast))
    assert scores["mae"] == pytest.approx(mean_absolute_error(actual, forecast))
    assert scores["rmse"] == pytest.approx(np.sqrt(mean_squared_error(actual, forecast)))
    assert scores["r2"] == pytest.approx(r2_score(actual, forecast))


def test_backtest_accuracy_groups_by_model_and_horizon():
    table = pl.DataFrame(
        {"model": ["a", "a", "b", "a"], "horizon": [1, 1, 1, 2], "actual": [100.0, 200, 100, 100],
         "forecast": [90.0, 220, 100, 50]}
    )
    scores = backtest_accuracy(table)
    assert scores.select("model", "horizon", "n").rows() == [("a", 1, 2), ("b", 1, 1), ("a", 2, 1)]
    assert scores["mape"].to_list() == pytest.approx([10.0, 0.0, 50.0])


def test_future_forecast_table_and_months():
    assert add_months(date(2025, 11, 1), 2) == date(2026, 1, 1)
    assert add_months(date(2026, 5, 1), 12) == date(2027, 5, 1)
    y = np.array([100.0, 110.0, 99.0, 120.0])
    table = future_forecast(NaiveForecaster().fit(y), date(2026, 5, 1), 3, "naive", 0.9)
    assert table.columns == ["date", "model", "forecast", "lower", "upper"]
    assert table["date"].to_list() == [date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)]
    assert table["forecast"].to_list() == [120.0] * 3
    assert np.all(table["lower"].to_numpy() < 120.0) and np.all(table["upper"].to_numpy() > 120.0)


def test_fit_points_are_the_backtests_refits_and_the_whole_series():
    HistorySpy.seen = []
    windows = BacktestWindows.of(60, backtest_months=12, validation_months=6, max_horizon=3, validation_only=False)
    y = np.arange(1.0, 61.0)
    # validation: origins 41..46, horizon 1; test: origins 45..58, horizon 3; refit every 5
    assert windows.fit_points(5) == [42, 47, 46, 51, 56, 60]
    for window, horizon in windows.backtests():
        rolling_origin_backtest(HistorySpy(), y, MONTHS, window, horizon, "spy", 5)
    assert [size for kind, size in HistorySpy.seen if kind == "fit"] == [42, 47, 46, 51, 56]
    assert BacktestWindows.of(60, 12, 6, 3, validation_only=True).fit_points(1) == list(range(42, 48))


def test_fits_in_worker_processes_give_the_same_bits():
    """The LSTM's fits shared with a spawned worker: the same fitted models, so the same backtest
    tables, as all of them here; and the same as the backtest fitting its own clones."""
    rng = np.random.default_rng(3)
    y = 80 * np.exp(np.cumsum(rng.normal(0, 0.04, 90)))
    months = [add_months(date(2000, 1, 1), k) for k in range(90)]
    windows = BacktestWindows.of(90, backtest_months=12, validation_months=6, max_horizon=3, validation_only=False)
    models = {"naive": (NaiveForecaster(), 1), "arima": (ArimaForecaster(), 1),
              "lstm": (LSTMForecaster(seq_len=6, hidden_size=8, max_epochs=3, random_state=5), 6)}
    # `meanwhile` runs once, before this process's first fit (with a worker: once it has its first)
    events = []
    serial = fit_models(models, y, windows, on_fit=lambda: events.append("fit"), meanwhile=lambda: events.append("meanwhile"))
    with spawned_workers(1, ("minectl.forecast",)) as workers:
        submit = workers.executor.submit
        workers.executor.submit = lambda *args: (events.append("sent"), submit(*args))[1]
        pooled = fit_models(models, y, windows, workers, in_workers=["lstm"], on_fit=lambda: events.append("fit"),
                            meanwhile=lambda: events.append("meanwhile"))
    fits = len(serial)
    assert events[: fits + 3] == ["meanwhile", *["fit"] * fits, "sent", "meanwhile"]
    assert events.count("meanwhile") == 2 and events.count("fit") == 2 * fits
    assert serial.keys() == pooled.keys() and len(serial) == sum(len(windows.fit_points(r)) for _, r in models.values())
    for point, fitted in serial.items():
        assert np.array_equal(fitted.predict(3), pooled[point].predict(3)), point
    tables = [backtest_models(models, y, months, windows, fits) for fits in (serial, pooled)]
    for a, b in zip(*tables, strict=True):
        assert a.equals(b)
    own_clones = rolling_origin_backtest(models["lstm"][0], y, months, (78, 90), 3, "lstm", 6)
    assert own_clones.equals(tables[1][1].filter(pl.col("model") == "lstm"))


def test_backtests_leave_the_fits_they_are_handed_unchanged():
    """Fits are shared by the validation and test backtests: an update between refits goes to a copy."""
    y = 50 + np.arange(40, dtype=float)
    months = [add_months(date(2000, 1, 1), k) for k in range(40)]
    windows = BacktestWindows.of(40, backtest_months=8, validation_months=6, max_horizon=2, validation_only=False)
    models = {"naive": (NaiveForecaster(), 4)}  # refit every 4 origins: updated in between
    fits = fit_models(models, y, windows)
    before = {point: fitted.history_.size for point, fitted in fits.items()}
    validation, test = backtest_models(models, y, months, windows, fits)
    assert {point: fitted.history_.size for point, fitted in fits.items()} == before == {point: point[1] for point in fits}
    # the naive forecast is the last month seen: every origin's own, so updates happened (on copies)
    assert validation["forecast"].to_list() == [float(y[t - 1]) for t in range(26, 32)]
