"""Monthly price forecasting: forecasters with one fit/update/predict interface and a rolling-origin backtest."""

from minectl.forecast.lstm import LSTMForecaster
from minectl.forecast.models import ArimaForecaster, NaiveForecaster, SeasonalNaiveForecaster

FORECASTERS = {
    "naive": NaiveForecaster,
    "seasonal_naive": SeasonalNaiveForecaster,
    "arima": ArimaForecaster,
    "lstm": LSTMForecaster,
}

__all__ = ["FORECASTERS", "ArimaForecaster", "LSTMForecaster", "NaiveForecaster", "SeasonalNaiveForecaster"]
