import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.base import clone

from minectl.errors import ConfigError, DataError
from minectl.forecast import ArimaForecaster, LSTMForecaster, NaiveForecaster, SeasonalNaiveForecaster


def simulated_ar1_log_prices(phi=0.6, n=400, seed=0):
    """log price whose monthly change is AR(1) with coefficient phi (an ARIMA(1,1,0))."""
    rng = np.random.default_rng(seed)
    steps = np.zeros(n)
    for t in range(1, n):
        steps[t] = phi * steps[t - 1] + rng.normal(0, 0.05)
    return 100 * np.exp(np.cumsum(steps))


def test_naive_forecast_and_log_random_walk_interval():
    y = np.array([100.0, 110.0, 99.0, 120.0])
    model = NaiveForecaster().fit(y)
    assert model.predict(3).tolist() == [120.0] * 3
    lower, upper = model.predict_interval(3, 0.9)
    sigma = np.std(np.diff(np.log(y)), ddof=1)
    half = norm.ppf(0.95) * sigma * np.sqrt([1, 2, 3])
    assert lower == pytest.approx(120 * np.exp(-half))
    assert upper == pytest.approx(120 * np.exp(half))


def test_seasonal_naive_repeats_the_last_season():
    y = np.arange(1.0, 15.0)  # 14 months
    model = SeasonalNaiveForecaster(season_length=12).fit(y)
    assert model.predict(14).tolist() == list(np.arange(3.0, 15.0)) + [3.0, 4.0]
    assert model.predict_interval(2, 0.9) is None


def test_arima_110_recovers_phi_and_forecasts_by_the_recursion():
    y = simulated_ar1_log_prices()
    model = ArimaForecaster(order=(1, 1, 0)).fit(y)
    phi = model.results_.params[0]
    assert phi == pytest.approx(0.6, abs=0.1)
    z = np.log(y)
    step1 = phi * (z[-1] - z[-2])
    step2 = phi * step1
    assert model.predict(2) == pytest.approx(np.exp([z[-1] + step1, z[-1] + step1 + step2]))
    lower, upper = model.predict_interval(2, 0.9)
    assert np.all(lower < model.predict(2)) and np.all(model.predict(2) < upper)


def test_arima_010_is_the_random_walk():
    y = simulated_ar1_log_prices(n=60)
    assert ArimaForecaster(order=(0, 1, 0)).fit(y).predict(4) == pytest.approx(np.full(4, y[-1]))


def test_update_extends_the_history_without_relearning():
    y = simulated_ar1_log_prices(n=120)
    model = ArimaForecaster().fit(y[:100])
    phi = model.results_.params[0]
    model.update(y[:110])
    assert model.results_.params[0] == phi
    z = np.log(y[:110])
    assert model.predict(1) == pytest.approx(np.exp(z[-1] + phi * (z[-1] - z[-2])))
    naive = NaiveForecaster().fit(y[:100]).update(y)
    assert naive.predict(1)[0] == y[-1]
    with pytest.raises(ValueError, match="fitted history"):
        naive.update(y[1:])


@pytest.mark.parametrize("cls", [ArimaForecaster, LSTMForecaster, NaiveForecaster, SeasonalNaiveForecaster])
def test_every_forecaster_is_a_clonable_sklearn_estimator(cls):
    model = cls()
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(clone(model), "history_")
    fitted = NaiveForecaster().fit(np.arange(1.0, 30.0)) if cls is NaiveForecaster else model
    copy = fitted.unfitted()  # what a backtest refits: sklearn's clone, without importing scikit-learn
    assert type(copy) is cls and copy.get_params() == clone(fitted).get_params() and not hasattr(copy, "history_")


def test_a_forecast_worker_imports_neither_scikit_learn_nor_scipy_stats():
    # what the spawned worker imports before its first LSTM fit (1 s less than with them)
    code = ("import sys; import minectl.forecast, minectl.forecast.network;"
            "print([m for m in ('sklearn', 'scipy.stats', 'pandas', 'statsmodels') if m in sys.modules])")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


@pytest.mark.parametrize(
    "y, message",
    [
        (np.array([100.0, -1.0, 120.0] * 10), "prices > 0"),
        (np.array([100.0, np.nan, 120.0] * 10), "finite"),
        (np.ones((15, 2)), "1-D"),
        (np.ones(5), "needs at least 12 months"),
    ],
)
def test_bad_series_raises_data_error(y, message):
    with pytest.raises(DataError, match=message):
        SeasonalNaiveForecaster().fit(y)


@pytest.mark.parametrize(
    "model, key",
    [
        (SeasonalNaiveForecaster(season_length=0), "season_length"),
        (ArimaForecaster(order=(1, 1)), "order"),
        (ArimaForecaster(order=(1, -1, 0)), "order"),
        (ArimaForecaster(seasonal_order=(0, 0, 0)), "seasonal_order"),
        (ArimaForecaster(trend="x"), "trend"),
    ],
)
def test_bad_parameters_raise_config_error_naming_them(model, key):
    with pytest.raises(ConfigError, match=f"^{key}: expected"):
        model.fit(np.full(40, 100.0))


def test_bad_horizon_and_interval_level():
    model = NaiveForecaster().fit(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="horizon"):
        model.predict(0)
    with pytest.raises(ConfigError, match="interval_level"):
        model.predict_interval(2, 1.5)
