import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from minectl.cli import app

PINKSHEET = Path(__file__).resolve().parents[2] / "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def australia() -> np.ndarray:
    return pl.read_csv(PINKSHEET, infer_schema_length=None)["coal_australia_usd_mt"].drop_nulls().to_numpy()


def test_naive_and_arima_backtest_on_the_vendored_coal_series(tmp_path):
    run_dir = tmp_path / "run"
    result = invoke("forecast", "forecaster=[naive,arima]", "forecast.backtest_horizons=[1,3]",
                    "forecast.validation_months=12", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    m, y = metrics(run_dir), australia()
    assert m["series.months"] == y.size and m["series.last"] == y[-1]
    # random walk over the last 36 months, computed independently from the csv
    actual, previous, three_back = y[-36:], y[-37:-1], y[-39:-3]
    assert m["backtest.mape.naive"] == pytest.approx(100 * np.mean(np.abs(previous / actual - 1)))
    assert m["backtest.mae.naive"] == pytest.approx(np.mean(np.abs(previous - actual)))
    assert m["backtest.rmse.naive"] == pytest.approx(np.sqrt(np.mean((previous - actual) ** 2)))
    assert m["backtest_h3.mape.naive"] == pytest.approx(100 * np.mean(np.abs(three_back / actual - 1)))
    validation = y[-48:-36]
    assert m["validation.mape_by_model.naive"] == pytest.approx(100 * np.mean(np.abs(y[-49:-37] / validation - 1)))
    assert 0 < m["backtest.mape.arima"] < 2 * m["backtest.mape.naive"]
    assert "validation.mape" not in m  # the tuned model (lstm) was not selected

    backtest = pl.read_parquet(run_dir / "tables/backtest.parquet")
    assert backtest.columns == ["origin", "horizon", "date", "model", "actual", "forecast"]
    assert backtest.height == 2 * 3 * 36  # models x horizons 1..3 x target months
    assert (backtest["date"] > backtest["origin"]).all()
    forecast = pl.read_parquet(run_dir / "tables/forecast.parquet")
    assert forecast.columns == ["date", "model", "forecast", "lower", "upper", "interval_level", "unit"]
    assert forecast["interval_level"].unique().to_list() == [0.9]  # the level of lower and upper (both models have one)
    assert forecast["unit"].unique().to_list() == ["USD/t"]  # the Pink Sheet's unit, carried
    assert forecast.filter(pl.col("model") == "naive")["date"].to_list() == [
        date(2026 + (5 + k - 1) // 12, (5 + k - 1) % 12 + 1, 1) for k in range(1, 13)
    ]
    assert (forecast["lower"] < forecast["forecast"]).all() and (forecast["forecast"] < forecast["upper"]).all()
    assert (run_dir / "plots/forecast.png").stat().st_size > 10_000


def test_a_forecast_without_the_lstm_never_imports_torch(tmp_path):
    """torch is 0.9 s and 180 MB of a forecast (minectl.forecast.network, imported by the LSTM's
    first fit): the config checks of the other forecasters do not load it."""
    import subprocess
    import sys

    code = ("import sys, atexit; from minectl.cli import main;"
            f"sys.argv = ['minectl', 'forecast', 'forecaster=[naive,arima]', 'hydra.run.dir={tmp_path / 'run'}'];"
            "atexit.register(lambda: print('TORCH', 'torch' in sys.modules)); main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert "TORCH False" in done.stdout, done.stdout + done.stderr
    assert metrics(tmp_path / "run")["backtest.mape.arima"] > 0


def test_the_default_runs_worker_starts_before_hydra_and_stops_when_the_config_needs_none(tmp_path):
    """The worker is spawned before Hydra is imported (its torch import overlaps this process's
    start-up); the composed config (no LSTM) needs none, so it is stopped and the run goes on."""
    import os
    import subprocess
    import sys

    code = ("import sys, atexit; from minectl import workers; from minectl.cli import main; calls = [];"
            "start = workers.start_ahead;"
            "workers.start_ahead = lambda count, modules: calls.append((count, 'hydra' in sys.modules)) or start(count, modules);"
            f"sys.argv = ['minectl', 'forecast', 'forecaster=[naive]', 'hydra.run.dir={tmp_path / 'run'}'];"
            "atexit.register(lambda: print('CALLS', calls, 'LEFT', workers._ahead)); main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    guessed = min(2, os.cpu_count() or 1) - 1  # the schema's n_jobs=2: one worker where there are two cores
    assert f"CALLS [({guessed}, False), (0, True)] LEFT {{}}" in done.stdout, done.stdout + done.stderr
    assert metrics(tmp_path / "run")["series.months"] > 0


def test_lstm_run_reports_validation_mape_next_to_naive(tmp_path):
    run_dir = tmp_path / "run"
    # debug=quick: a 6-month backtest at horizons 1 and 3, 6 validation months, a tiny LSTM
    result = invoke("forecast", "forecaster=[naive,lstm]", "debug=quick", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    m = metrics(run_dir)
    assert m["validation.mape"] == m["validation.mape_by_model.lstm"] > 0
    assert {"backtest.mape.lstm", "backtest.mape.naive", "backtest_h3.r2.lstm", "backtest_h3.r2.naive"} <= set(m)
    forecast = pl.read_parquet(run_dir / "tables/forecast.parquet").filter(pl.col("model") == "lstm")
    assert forecast.height == 3 and forecast["lower"].null_count() == 3  # no interval for the LSTM


def test_south_africa_and_a_users_series_file(tmp_path, monkeypatch):
    run_dir = tmp_path / "za"
    assert invoke("forecast", "series=south_africa", "forecaster=[naive]", f"hydra.run.dir={run_dir}").exit_code == 0
    za = pl.read_csv(PINKSHEET, infer_schema_length=None)["coal_south_africa_usd_mt"].drop_nulls().to_numpy()
    assert metrics(run_dir)["series.last"] == za[-1]

    monkeypatch.chdir(tmp_path)  # a relative path not under the working dir is found under the project root
    run_dir = tmp_path / "relative"
    result = invoke("forecast", "series=examples/data/pinksheet_coal/coal_monthly_usd_mt.csv",
                    "source.date_column=month", "source.value_column=coal_south_africa_usd_mt",
                    "forecaster=[naive]", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    assert metrics(run_dir)["series.months"] == za.size

    months = pl.date_range(date(2015, 1, 1), date(2019, 12, 1), "1mo", eager=True)
    prices = 50 * np.exp(0.01 * np.arange(60))
    path = tmp_path / "ore.parquet"
    pl.DataFrame({"month": months, "usd_t": prices}).write_parquet(path)
    run_dir = tmp_path / "own"
    result = invoke("forecast", f"series={path}", "source.date_column=month", "source.value_column=usd_t",
                    "forecaster=[naive,seasonal_naive]", "forecast.backtest_months=12",
                    "forecast.backtest_horizons=[1]", "forecast.validation_months=12", f"hydra.run.dir={run_dir}")
    assert result.exit_code == 0, result.output
    m = metrics(run_dir)
    # steady 1 %/month growth: the random walk is 1 % low, the seasonal naive 12 months of growth low
    assert m["backtest.mape.naive"] == pytest.approx(100 * (1 - np.exp(-0.01)))
    assert m["backtest.mape.seasonal_naive"] == pytest.approx(100 * (1 - np.exp(-0.12)))


def test_validation_only_sweep_minimises_the_lstm_validation_mape(tmp_path):
    sweep_dir = tmp_path / "sweep"
    result = invoke("forecast", "-m", "+experiment=bo_lstm", "hydra.sweeper.n_trials=2",
                    "debug=quick", "forecast.validation_months=2", f"hydra.sweep.dir={sweep_dir}")
    assert result.exit_code == 0, result.output
    jobs = [metrics(sweep_dir / str(job)) for job in (0, 1)]
    best = yaml.safe_load((sweep_dir / "optimization_results.yaml").read_text())
    assert best["best_value"] == min(job["validation.mape"] for job in jobs)
    # a tuning trial never forecasts the test period
    assert not any(key.startswith("backtest") for key in jobs[0])
    assert not (sweep_dir / "0" / "tables" / "backtest.parquet").exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["forecaster=[arima]"], "forecaster: the naive model must be selected"),
        (["forecaster.naive._target_=prophet.Prophet"], "forecaster.naive._target_: 'prophet.Prophet' is not allowed"),
        (["+forecaster.arima.params.p=2"], "forecaster.arima.params.p: unknown parameter"),
        (["forecaster.arima.params.order=[1,1]"], "forecaster.arima.params.order: expected three integers"),
        (["forecaster.naive.refit_every=0"], "forecaster.naive.refit_every=0 is out of range; expected an integer >= 1"),
        (["forecast.horizon=0"], "forecast.horizon=0 is out of range; expected an integer >= 1"),
        (["forecast.backtest_horizons=[3,6]"], "forecast.backtest_horizons: expected horizons"),
        (["forecast.interval_level=1.5"], "forecast.interval_level=1.5 is out of range; expected a number in (0, 1)"),
        (["forecast.backtest_months=600", "forecast.validation_months=100"], "677 months in column 'coal_australia_usd_mt'; expected at least 714: the selected models need 14 months for their first fit and the validation and backtest periods take 700"),
        (["forecast.backtest_months=657", "forecast.validation_months=1"], "expected at least 682: the selected models need 14 months"),
        (["series=prices.xlsx"], "series: 'prices.xlsx' is neither a vendored series"),
        (["series=absent.csv"], "absent.csv: not found; expected a series file"),
        (["forecast.validation_only=true"], "forecast.tune: 'lstm' is not a selected model"),
    ],
)
def test_bad_config_fails_with_one_line(tmp_path, overrides, message):
    base = ["forecaster=[naive,arima]"] if not overrides[0].startswith("forecaster=") else []
    result = invoke("forecast", *base, *overrides, f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
