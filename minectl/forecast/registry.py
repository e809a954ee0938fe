"""The forecasters by name: the parameters a config may set and an unfitted forecaster built from
``forecaster.<name>.kind`` / ``params`` (the config checker reads these through ``minectl.forecast``)."""

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


def unfitted(kind: str, params: dict):
    """The forecaster ``kind`` with the config's ``params`` (its values are checked by ``check_params``)."""
    return FORECASTERS[kind](**params)
