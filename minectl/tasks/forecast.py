"""`minectl forecast`: monthly price forecasts with a rolling-origin backtest next to the naive model."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from omegaconf import MISSING, OmegaConf

from minectl.config import TaskConfig
from minectl.constraints import at_least, between, estimator_params
from minectl.errors import ConfigError, DataError

# The vendored World Bank Pink Sheet coal prices (examples/data/pinksheet_coal): name -> column.
PINKSHEET_FILE = "examples/data/pinksheet_coal/coal_monthly_usd_mt.csv"  # vendored; see examples/data/NOTICE
PINKSHEET_SERIES = {"australia": "coal_australia_usd_mt", "south_africa": "coal_south_africa_usd_mt"}


@dataclass
class SourceConfig:
    """Columns of a user's series file (used when `series` is a path)."""

    date_column: str = "date"
    value_column: str = "value"


@dataclass
class ForecasterConfig:
    kind: str = MISSING  # naive | seasonal_naive | arima | lstm
    refit_every: int = at_least(1, default=1)  # backtest: re-learn parameters every n origins, else only extend the history
    params: Dict[str, Any] = estimator_params("kind", "minectl.forecast")  # the estimator's constructor arguments


@dataclass
class ForecastParams:
    horizon: int = at_least(1, default=12)  # months forecast beyond the last observation (tables/forecast.parquet)
    backtest_months: int = at_least(1, default=36)  # K: the last K months are forecast from rolling origins
    backtest_horizons: List[int] = at_least(1, default_factory=lambda: [1, 3, 6, 12])
    validation_months: int = at_least(1, default=24)  # the months before the backtest: the tuning objective
    validation_only: bool = False  # sweeps: score the validation period only
    tune: Optional[str] = "lstm"  # the selected model whose validation MAPE is `validation.mape`
    interval_level: float = between(0, 1, default=0.9, closed="neither")


@dataclass
class Config(TaskConfig):
    series: str = "australia"  # australia | south_africa (vendored Pink Sheet) or a .csv/.parquet path
    source: SourceConfig = field(default_factory=SourceConfig)
    forecaster: Dict[str, ForecasterConfig] = field(default_factory=dict)
    forecast: ForecastParams = field(default_factory=ForecastParams)


def run(cfg: Any, run: Any) -> dict:
    import polars as pl

    from minectl.forecast.backtest import backtest_accuracy, future_forecast, rolling_origin_backtest
    from minectl.forecast.series import read_monthly_series

    params = cfg.forecast
    _check_params(params)
    models = _build_models(cfg.forecaster, run.seed)
    if params.validation_only and params.tune not in models:
        raise ConfigError(
            f"forecast.tune: {params.tune!r} is not a selected model; a validation-only run tunes one of {', '.join(models)}"
        )
    path, date_column, value_column = _series_source(cfg)
    series = read_monthly_series(run.input_file(path), date_column, value_column)
    y, dates = series["value"].to_numpy(), series["date"].to_list()
    n = len(y)
    test_start = n - params.backtest_months
    validation_start = test_start - params.validation_months
    max_horizon = max(params.backtest_horizons)
    # the first fit of the validation period sees y[:validation_start], of the test period y[:test_start-H+1]
    shortest = validation_start if params.validation_only else min(validation_start, test_start - max_horizon + 1)
    needed = max(model.min_history() for model, _ in models.values())
    if shortest < needed:
        raise DataError(
            f"{path}: {n} months in column {value_column!r} leave {shortest} months for the first fit; "
            f"the selected models need {needed} (shorten forecast.validation_months or forecast.backtest_months)"
        )

    origins_per_model = params.validation_months + (0 if params.validation_only else params.backtest_months + max_horizon - 1)
    validation, backtests = [], []
    with run.progress(len(models) * origins_per_model, "forecast backtest") as advance:
        for name, (model, refit_every) in models.items():
            validation.append(
                rolling_origin_backtest(model, y, dates, (validation_start, test_start), 1, name, refit_every, advance)
            )
            if not params.validation_only:
                backtests.append(
                    rolling_origin_backtest(model, y, dates, (test_start, n), max_horizon, name, refit_every, advance)
                )
    interpolated = int(series["interpolated"].sum())  # empty months inside the series, filled in by design
    metrics: dict = {"series": {"months": n, "last": float(y[-1]), "interpolated": interpolated}}
    validation_mape = {row["model"]: row["mape"] for row in backtest_accuracy(pl.concat(validation)).iter_rows(named=True)}
    metrics["validation"] = {"mape_by_model": validation_mape}
    if params.tune in validation_mape:
        metrics["validation"]["mape"] = validation_mape[params.tune]
    if params.validation_only:
        return metrics

    backtest = pl.concat(backtests)
    scores = backtest_accuracy(backtest).filter(pl.col("horizon").is_in(list(params.backtest_horizons)))
    for row in scores.iter_rows(named=True):
        group = "backtest" if row["horizon"] == 1 else f"backtest_h{row['horizon']}"
        for measure in ("mape", "mae", "rmse", "r2"):
            metrics.setdefault(group, {}).setdefault(measure, {})[row["model"]] = row[measure]
    forecast = pl.concat(
        future_forecast(model, y, dates[-1], params.horizon, name, params.interval_level)
        for name, (model, _) in models.items()
    )
    run.table("backtest", backtest.select("origin", "horizon", "date", "model", "actual", "forecast"))
    run.table("forecast", forecast)
    run.plot("forecast", _plot(series, backtest, forecast, value_column))
    _print_summary(run.console, scores, forecast, params)
    run.console.print(f"series: {n} months, {interpolated} empty months interpolated")
    return metrics


def _check_params(params: Any) -> None:
    # each number's own range is declared in ForecastParams; this checks how they relate
    horizons = list(params.backtest_horizons)
    if not horizons or 1 not in horizons or max(horizons) > params.backtest_months:
        raise ConfigError(
            f"forecast.backtest_horizons: expected horizons in 1..forecast.backtest_months including 1, got {horizons}"
        )


def _build_models(forecasters: Any, seed: int) -> dict[str, tuple[Any, int]]:
    """name -> (unfitted forecaster, refit_every); every parameter was checked before any work
    (names, values and refit_every by minectl.constraints.check_config)."""
    from minectl.forecast import FORECASTERS

    if not forecasters:
        raise ConfigError("forecaster: no model selected; expected e.g. forecaster=[naive,arima]")
    models = {}
    for name, spec in forecasters.items():
        key = f"forecaster.{name}"
        if spec.kind not in FORECASTERS:
            raise ConfigError(f"{key}.kind: unknown model {spec.kind!r}; expected one of {', '.join(FORECASTERS)}")
        params = OmegaConf.to_container(spec.params, resolve=True)
        cls = FORECASTERS[spec.kind]
        if "random_state" in cls().get_params():
            params["random_state"] = seed  # one seed drives every model
        models[name] = (cls(**params), spec.refit_every)
    if "naive" not in {spec.kind for spec in forecasters.values()}:
        raise ConfigError("forecaster: the naive model must be selected (every figure is shown next to it)")
    return models


def _series_source(cfg: Any) -> tuple[Path, str, str]:
    """(file, date column, value column): a vendored Pink Sheet series or a user's file.

    A relative path is looked up in the working dir, then under the project root.
    """
    from minectl.data.sources import PROJECT_ROOT, resolve_input

    if cfg.series in PINKSHEET_SERIES:
        return resolve_input(PINKSHEET_FILE), "month", PINKSHEET_SERIES[cfg.series]
    path = Path(cfg.series)
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise ConfigError(
            f"series: {cfg.series!r} is neither a vendored series ({', '.join(PINKSHEET_SERIES)}) "
            "nor a .csv/.parquet path"
        )
    path = resolve_input(path)
    if not path.is_file():
        raise DataError(f"{cfg.series}: series file not found (looked in the working dir and {PROJECT_ROOT})")
    return path, cfg.source.date_column, cfg.source.value_column


def _plot(series: Any, backtest: Any, forecast: Any, label: str) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import polars as pl

    figure, (past, future) = plt.subplots(1, 2, figsize=(13, 4.5))
    one_step = backtest.filter(pl.col("horizon") == 1)
    window = series.filter(pl.col("date") >= one_step["date"].min())
    past.plot(window["date"], window["value"], color="black", lw=2, label="actual")
    for name, group in one_step.group_by("model", maintain_order=True):
        past.plot(group["date"], group["forecast"], lw=1, label=name[0])
    past.set_title("backtest: 1-month-ahead forecasts")
    recent = series.tail(120)
    future.plot(recent["date"], recent["value"], color="black", lw=1.5, label="actual")
    for name, group in forecast.group_by("model", maintain_order=True):
        (line,) = future.plot(group["date"], group["forecast"], lw=1.5, label=name[0])
        if group["lower"].null_count() == 0:
            future.fill_between(group["date"], group["lower"], group["upper"], color=line.get_color(), alpha=0.15)
    future.set_title("forecast (shaded: predictive interval)")
    for axis in (past, future):
        axis.set_ylabel(label)
        axis.legend(fontsize=8)
        axis.tick_params(axis="x", labelrotation=30)
    figure.tight_layout()
    return figure


def _print_summary(console: Any, scores: Any, forecast: Any, params: Any) -> None:
    from rich.table import Table

    final = {name[0]: group["forecast"][-1] for name, group in forecast.group_by("model")}
    table = Table(title=f"rolling-origin backtest, last {params.backtest_months} months")
    for column in ("model", "horizon", "MAPE %", "MAE", "RMSE", "R^2", f"forecast +{params.horizon} mo"):
        table.add_column(column, justify="right")
    for row in scores.iter_rows(named=True):
        table.add_row(
            row["model"], str(row["horizon"]), f"{row['mape']:.2f}", f"{row['mae']:.2f}",
            f"{row['rmse']:.2f}", f"{row['r2']:.3f}", f"{final[row['model']]:.2f}",
        )
    console.print(table)
