"""Round-21 probe of `minectl uncertainty` and `minectl forecast`.

- forecaster.lstm.params.validation_fraction near 1: the early-stopping tail took every window but one (0.99 of 100
  windows: a network trained on one window, its forecasts printed as the LSTM's, exit 0) or all of them (0.999: a
  ZeroDivisionError traceback, exit 1). The LSTM's minimum history now counts the windows left to train on (9 at
  least, what the default 0.15 leaves of the fewest, 11), so such a run is refused before any fit, naming the
  forecaster whose parameters set the need; the default's minimum is unchanged.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from harness import assert_refused, invoke

from minectl.errors import DataError
from minectl.forecast.lstm import LSTMForecaster

TINY = dict(seq_len=6, hidden_size=4, batch_size=16, max_epochs=2, patience=1)


def _monthly(tmp_path: Path, months: int = 120) -> Path:
    import polars as pl

    path = tmp_path / "series.csv"
    prices = np.exp(4 + np.cumsum(np.random.default_rng(0).normal(0, 0.05, months)))
    pl.DataFrame({"date": [dt.date(2000 + i // 12, i % 12 + 1, 1) for i in range(months)], "value": prices}).write_csv(path)
    return path


@pytest.mark.parametrize("fraction", [0.99, 0.999])
def test_a_validation_fraction_that_leaves_no_training_windows_is_refused(fraction):
    history = np.exp(4 + np.cumsum(np.random.default_rng(0).normal(0, 0.05, 120)))  # 114 windows of 6
    with pytest.raises(DataError, match="needs at least"):
        LSTMForecaster(**TINY, validation_fraction=fraction).fit(history)


@pytest.mark.parametrize("fraction", [0.01, 0.15, 0.2, 0.5, 0.9, 0.99, 0.999, 1 - 1e-12])
def test_the_minimum_history_leaves_nine_windows_to_train_on(fraction):
    model = LSTMForecaster(seq_len=6, validation_fraction=fraction)
    windows = model.min_history() - 6
    assert windows >= 11 and windows - model._validation_windows(windows) >= 9
    fewer = windows - 1
    assert fewer < 11 or fewer - model._validation_windows(fewer) < 9  # the smallest such count


def test_the_default_minimum_history_is_unchanged():
    assert LSTMForecaster(seq_len=6).min_history() == 17 and LSTMForecaster().min_history() == 29


def test_a_near_miss_validation_fraction_still_trains():
    history = np.exp(4 + np.cumsum(np.random.default_rng(0).normal(0, 0.05, 120)))
    model = LSTMForecaster(**TINY, validation_fraction=0.9).fit(history)  # 103 of 114 for validation, 11 to train on
    assert np.all(np.isfinite(model.predict(3)))


def test_the_run_is_refused_naming_the_lstm(tmp_path):
    path = _monthly(tmp_path)
    run = tmp_path / "run"
    assert_refused(["forecast", "forecaster=[naive,lstm]", f"series={path}", "debug=quick",
                    "forecaster.lstm.params.validation_fraction=0.999", f"hydra.run.dir={run}"],
                   ["120 months in column 'value'", "or see forecaster.lstm.params, which set the"],
                   inputs=[path], run_dir=run)


def test_a_short_series_names_the_model_that_needs_it(tmp_path):
    path = _monthly(tmp_path, 30)
    run = tmp_path / "run"
    assert_refused(["forecast", "forecaster=[naive,seasonal_naive]", f"series={path}", "debug=quick",
                    "forecaster.seasonal_naive.params.season_length=24", f"hydra.run.dir={run}"],
                   "the selected models need 24 months for their first fit", inputs=[path], run_dir=run)
    ok = invoke("forecast", "forecaster=[naive,seasonal_naive]", f"series={path}", "debug=quick", f"hydra.run.dir={run}")
    assert ok.exit_code == 0, ok.output
