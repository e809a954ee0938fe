"""Monthly price forecasting: forecasters with one fit/update/predict interface and a rolling-origin backtest.

The config checker reads ``param_names`` / ``unfitted`` of this module path (``registry.py``)."""

from minectl.forecast.lstm import LSTMForecaster
from minectl.forecast.models import ArimaForecaster, NaiveForecaster, SeasonalNaiveForecaster
from minectl.forecast.registry import FORECASTERS, param_names, unfitted

__all__ = ["FORECASTERS", "param_names", "unfitted", "ArimaForecaster", "LSTMForecaster", "NaiveForecaster", "SeasonalNaiveForecaster"]
