"""Monthly price forecasting: forecasters with one fit/update/predict interface and a rolling-origin backtest."""

from minectl.forecast.lstm import LSTMForecaster
from minectl.forecast.models import ArimaForecaster, NaiveForecaster, SeasonalNaiveForecaster

FORECASTERS = {
    "naive": NaiveForecaster,
    "seasonal_naive": SeasonalNaiveForecaster,
    "arima": ArimaForecaster,
    "lstm": LSTMForecaster,
}



def param_names(kind: str) -> list[str] | None:
    """The parameters ``forecaster.<name>.params`` may set for ``kind`` (None: unknown); the seed is the run's."""
    if kind not in FORECASTERS:
        return None
    return sorted(set(FORECASTERS[kind]().get_params()) - {"random_state"})


__all__ = ["FORECASTERS", "param_names", "ArimaForecaster", "LSTMForecaster", "NaiveForecaster", "SeasonalNaiveForecaster"]
