import numpy as np
import pytest
import torch

from minectl.errors import ConfigError, DataError
from minectl.forecast import LSTMForecaster

TINY = dict(seq_len=6, hidden_size=8, batch_size=16, max_epochs=30, patience=5, learning_rate=0.01)


def noisy_growth(n=120, seed=0):
    """A price rising 1 % a month with 0.5 % noise."""
    rng = np.random.default_rng(seed)
    return 100 * np.exp(0.01 * np.arange(n) + rng.normal(0, 0.005, n))


def test_same_seed_same_forecast_other_seed_differs():
    y, quick = noisy_growth(60), {**TINY, "max_epochs": 5}
    first = LSTMForecaster(**quick, random_state=3).fit(y).predict(3)
    again = LSTMForecaster(**quick, random_state=3).fit(y).predict(3)
    other = LSTMForecaster(**quick, random_state=4).fit(y).predict(3)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_differenced_lstm_learns_the_monthly_growth():
    y = noisy_growth()
    model = LSTMForecaster(**TINY, random_state=0).fit(y)
    growth = model.predict(3) / np.concatenate([[y[-1]], model.predict(2)])
    # the naive model says 0 % a month; the truth is 1 % (noise sd 0.5 %)
    assert growth == pytest.approx(np.full(3, 1.01), abs=0.004)


def test_level_lstm_of_the_seed_learns_a_seasonal_cycle():
    rng = np.random.default_rng(0)
    months = np.arange(132)
    y = 100 * np.exp(0.2 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 0.01, 132))
    forecast = LSTMForecaster(**TINY, differenced=False, random_state=0).fit(y[:120]).predict(12)
    mape = np.mean(np.abs(forecast / y[120:] - 1)) * 100
    naive_mape = np.mean(np.abs(y[119] / y[120:] - 1)) * 100  # 12.9 %
    assert mape < 2.5 < naive_mape


def test_early_stopping_keeps_the_best_validation_epoch():
    model = LSTMForecaster(**{**TINY, "max_epochs": 300, "patience": 3}, random_state=0).fit(noisy_growth())
    epochs = len(model.validation_loss_)
    assert epochs < 300
    assert model.best_epoch_ == int(np.argmin(model.validation_loss_)) + 1 == epochs - 3
    assert len(model.train_loss_) == epochs


def test_update_uses_the_longer_history_without_training():
    y, quick = noisy_growth(70), {**TINY, "max_epochs": 3}
    model = LSTMForecaster(**quick, random_state=0).fit(y[:60])
    weights = [p.clone() for p in model.network_.parameters()]
    model.update(y)
    assert all(torch.equal(a, b) for a, b in zip(weights, model.network_.parameters(), strict=True))
    # a model fitted on y[:60] sees the last 6 months of y when forecasting
    fresh = LSTMForecaster(**quick, random_state=0).fit(y[:60])
    fresh.history_ = y
    assert np.array_equal(model.predict(2), fresh.predict(2))


def test_device_auto_picks_cuda_only_when_present_and_threads_are_restored():
    before = torch.get_num_threads()
    model = LSTMForecaster(**{**TINY, "max_epochs": 1}, device="auto", cpu_threads=before + 1).fit(noisy_growth(40))
    assert model.device_.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert torch.get_num_threads() == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_cuda_requested_without_cuda_fails_clearly():
    with pytest.raises(ConfigError, match="^device: cuda requested"):
        LSTMForecaster(**TINY, device="cuda").fit(noisy_growth(40))


@pytest.mark.parametrize(
    "params, key",
    [
        ({"seq_len": 0}, "seq_len"),
        ({"hidden_size": 2.5}, "hidden_size"),
        ({"dropout": 1.0}, "dropout"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"device": "tpu"}, "device"),
        ({"cpu_threads": 0}, "cpu_threads"),
    ],
)
def test_bad_parameters_raise_config_error_naming_them(params, key):
    with pytest.raises(ConfigError, match=f"^{key}: expected"):
        LSTMForecaster(**{**TINY, **params}).fit(noisy_growth(40))


def test_too_short_history_names_the_minimum():
    with pytest.raises(DataError, match="needs at least 17 months"):
        LSTMForecaster(**TINY).fit(noisy_growth(16))
