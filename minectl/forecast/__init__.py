"""Monthly price forecasting: forecasters with one fit/update/predict interface and a rolling-origin backtest.

A config names a forecaster by `_target_` (conf/forecaster/), built by minectl.estimators."""

from minectl.forecast.lstm import LSTMForecaster
from minectl.forecast.models import ArimaForecaster, NaiveForecaster, SeasonalNaiveForecaster

__all__ = ["ArimaForecaster", "LSTMForecaster", "NaiveForecaster", "SeasonalNaiveForecaster"]
