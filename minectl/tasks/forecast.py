"""`minectl forecast`: monthly price forecasts with a rolling-origin backtest next to the naive model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from omegaconf import MISSING, OmegaConf

from minectl.config import TaskConfig, unread_settings
from minectl.constraints import at_least, between, estimator_params
from minectl.errors import ConfigError, DataError, config_keys

if TYPE_CHECKING:
    from minectl.results import Run


@dataclass
class SourceConfig:
    """Columns of a user's series file (used when `series` is a path)."""

    date_column: str = "date"
    value_column: str = "value"
    unit: Optional[str] = None  # the values' unit (e.g. USD/t), carried into the forecast table and plot
    resample: Optional[str] = None  # daily / weekly rows -> months: mean | last (of each month's rows); null: monthly rows


@dataclass
class ForecasterConfig:
    _target_: str = MISSING  # the forecaster's class (conf/forecaster/); its key under forecaster names it
    refit_every: int = at_least(1, default=1)  # backtest: re-learn parameters every n origins, else only extend the history
    # its fits shared with forecast.n_jobs - 1 spawned workers: worth it at about a second a fit (the LSTM)
    fit_in_workers: bool = False
    params: Dict[str, Any] = estimator_params(("random_state",))  # constructor arguments that differ from its defaults


@dataclass
class ForecastParams:
    horizon: int = at_least(1, default=12)  # months forecast beyond the last observation (tables/forecast.parquet)
    backtest_months: int = at_least(1, default=36)  # K: the last K months are forecast from rolling origins
    backtest_horizons: List[int] = at_least(1, default_factory=lambda: [1, 3, 6, 12])
    validation_months: int = at_least(1, default=24)  # the months before the backtest: the tuning objective
    validation_only: bool = False  # sweeps: score the validation period only
    tune: Optional[str] = "lstm"  # the selected model whose validation MAPE is `validation.mape`
    interval_level: float = between(0, 1, default=0.9, closed="neither")
    # processes for the fits of forecaster.<name>.fit_in_workers models (this one and n_jobs - 1
    # spawned workers, at most one per core); same figures with any n_jobs
    n_jobs: int = at_least(1, default=2)


@dataclass
class Config(TaskConfig):
    series: str = "australia"  # australia | south_africa (vendored Pink Sheet) or a .csv/.tsv/.parquet path
    source: SourceConfig = field(default_factory=SourceConfig)
    forecaster: Dict[str, ForecasterConfig] = field(default_factory=dict)
    forecast: ForecastParams = field(default_factory=ForecastParams)


# what a worker imports as it starts: the forecasters and the LSTM's torch side
WORKER_MODULES = ("minectl.forecast", "minectl.forecast.network")


def workers_ahead(cfg: Config) -> tuple[int, tuple[str, ...]]:
    """The workers this run will fit in and what they import (torch: about 1.2 s): the CLI starts them
    before it checks the config, so that their imports overlap this process's own."""
    from minectl.workers import worker_count

    return (worker_count(cfg.forecast.n_jobs) if _in_workers(cfg) else 0), WORKER_MODULES


def default_workers() -> tuple[int, tuple[str, ...]]:
    """`workers_ahead` of the default run (the LSTM in the workers, the schema's n_jobs), known
    before Hydra is imported: the CLI spawns them then, about 0.8 s before the config is composed.
    A config asking for other workers has them stopped by `workers_ahead`'s start."""
    from minectl.workers import worker_count

    return worker_count(ForecastParams().n_jobs), WORKER_MODULES


def _in_workers(cfg: Config) -> list[str]:
    """The forecasters whose fits go to the workers (forecaster.<name>.fit_in_workers)."""
    return [name for name, spec in cfg.forecaster.items() if spec.fit_in_workers]


def _series_is_a_file(cfg: Config) -> bool:
    from minectl.forecast.series import PINKSHEET_SERIES

    return cfg.series not in PINKSHEET_SERIES


# the columns of a series file: a vendored series (series=australia) has its own, and source.value_column=
# coal_south_africa_usd_mt beside it forecast Australia's prices without a word
READ_ONLY_WITH = {key: ("series=<a .csv/.parquet path>", _series_is_a_file) for key in ("source.date_column", "source.value_column")}
# a validation-only run forecasts nothing past the series: the future forecast's settings reach no figure
READ_ONLY_WITH |= {key: ("forecast.validation_only=false", lambda cfg: not cfg.forecast.validation_only)
                   for key in ("forecast.horizon", "forecast.interval_level")}


@config_keys({"device": "forecaster.lstm.params.device"})  # the one forecaster with a device
def run(cfg: Config, out: Run) -> dict:
    from importlib import import_module

    import numpy as np
    import polars as pl

    from minectl.forecast.backtest import (
        BacktestWindows,
        backtest_accuracy,
        backtest_models,
        fit_models,
        future_forecast,
        horizon_metrics,
    )
    from minectl.forecast.series import read_monthly_series, series_source, series_unit
    from minectl.workers import spawned_workers

    params = cfg.forecast
    models = _build_models(cfg.forecaster, out.seed)
    path, date_column, value_column = series_source(cfg.series, cfg.source.date_column, cfg.source.value_column)
    series = read_monthly_series(out.input_file(path), date_column, value_column, cfg.source.resample,
                                 series_unit(cfg.series, cfg.source.unit))
    unit = series["unit"][0] if "unit" in series.columns else None
    y, dates = series["value"].to_numpy(), series["date"].to_list()
    n = len(y)
    months_left = (9999 - dates[-1].year) * 12 + 12 - dates[-1].month  # dates end with the year 9999
    if params.horizon > months_left:
        raise ConfigError(f"forecast.horizon={params.horizon} runs past the year 9999 from the last month {dates[-1]:%Y-%m}; "
                          f"expected at most {months_left}")
    windows = BacktestWindows.of(n, params.backtest_months, params.validation_months, max(params.backtest_horizons), params.validation_only)
    longest = max(models, key=lambda name: models[name][0].min_history())  # its params set the need (an LSTM's validation_fraction)
    needed = models[longest][0].min_history()
    if windows.first_fit < needed:
        backtested = n - windows.first_fit  # the validation and backtest periods, from the first origin
        raise DataError(
            f"{path}: {n} months in column {value_column!r}; expected at least {needed + backtested}: the selected models "
            f"need {needed} months for their first fit and the validation and backtest periods take {backtested} "
            f"(shorten forecast.validation_months or forecast.backtest_months, or see forecaster.{longest}.params, which set the {needed})"
        )
    quoted = ~series["interpolated"].to_numpy()
    # the scored periods, inside the series (checked above), and their scored horizons
    for ((start, end), _), horizons in zip(windows.backtests(), ([1], params.backtest_horizons), strict=False):  # no test: validation only
        if not quoted[start:end].any():
            raise DataError(f"{path}: every month from {dates[start]:%Y-%m} to {dates[end - 1]:%Y-%m} (a scored period: validation "
                            f"or backtest) is empty in column {value_column!r}; expected quotes to score the forecasts against "
                            "(forecast.validation_months and forecast.backtest_months set the periods)")
        targets = np.arange(start, end)
        for horizon in horizons:  # a forecast from an empty month is not scored (below): its interpolation saw the next quote
            if not (quoted[targets] & quoted[targets - horizon]).any():
                raise DataError(f"{path}: no quoted month from {dates[start]:%Y-%m} to {dates[end - 1]:%Y-%m} (a scored period) "
                                f"follows a quoted month by {horizon} in column {value_column!r}, so no {horizon}-month-ahead "
                                "forecast can be scored (one made at an empty month sees its interpolation towards the next "
                                "quote); expected more quoted months" + (" (or other forecast.backtest_horizons)" if horizon > 1 else ""))
    fit_count = sum(len(windows.fit_points(refit_every)) for _, refit_every in models.values())
    with spawned_workers(*workers_ahead(cfg)) as workers, out.progress(fit_count, "forecast fits") as advance:
        # made once the worker has its first fit: the plot's matplotlib import (0.6 s), and torch for the
        # LSTM fits this process takes from the back of the queue (imported during the first of them,
        # holding the GIL, it delayed the collection of the worker's first fit and the sending of its
        # next by 0.5-0.7 s)
        later = [*(WORKER_MODULES if _in_workers(cfg) else ()), "minectl.forecast.report"]
        fits = fit_models(models, y, windows, workers, _in_workers(cfg), advance,
                          meanwhile=lambda: [import_module(module) for module in later])
    from minectl.forecast.report import plot_forecast, print_summary

    # an empty month is filled in (by design) for the models to see, but is no price to score a forecast against (forecasts
    # of it were scored against the interpolation between its neighbours), nor an origin: its filled value is drawn towards
    # the next quote, which a forecast from it then "predicted" (ARIMA's 1-month MAPE 0.6 % on quarterly quotes, naive's 3.5 %)
    filled = series.filter("interpolated")["date"].implode()
    validation, backtest = (None if table is None else table.filter(~pl.col("date").is_in(filled) & ~pl.col("origin").is_in(filled))
                            for table in backtest_models(models, y, dates, windows, fits))
    interpolated = int(series["interpolated"].sum())  # empty months inside the series, filled in by design
    metrics: dict = {"series": {"months": n, "last": float(y[-1]), "interpolated": interpolated}}
    if "rows" in series.columns:  # resampled: the quotes behind the months (the last month may be partial)
        metrics["series"].update(resampled_rows=int(series["rows"].sum()), last_month_rows=int(series["rows"][-1]))
    validation_mape = {row["model"]: row["mape"] for row in backtest_accuracy(validation).iter_rows(named=True)}
    metrics["validation"] = {"mape_by_model": validation_mape}
    if params.tune in validation_mape:
        metrics["validation"]["mape"] = validation_mape[params.tune]
    if params.validation_only:
        _warn(out, cfg, models, fits, n)
        return metrics

    scores = backtest_accuracy(backtest).filter(pl.col("horizon").is_in(list(params.backtest_horizons)))
    metrics.update(horizon_metrics(scores))
    forecast = pl.concat(
        future_forecast(fits[name, n], dates[-1], params.horizon, name, params.interval_level, ~quoted) for name in models
    )
    # the level of lower and upper, where a model has them: a consumer (schedule's price.interval_level) read a 0.8 interval
    # as a 0.9 one, its price spread 22 % too small, without a word
    forecast = forecast.with_columns(interval_level=pl.when(pl.col("lower").is_not_null()).then(pl.lit(params.interval_level)))
    if unit is not None:
        forecast = forecast.with_columns(unit=pl.lit(unit))
    out.table("backtest", backtest.select("origin", "horizon", "date", "model", "actual", "forecast"))
    out.table("forecast", forecast)
    out.plot("forecast", plot_forecast(series, backtest, forecast, f"{value_column} ({unit})" if unit else value_column))
    print_summary(out.console, scores, forecast, params.backtest_months, params.horizon)
    unscored = sum(int(series["interpolated"][start:end].sum()) for (start, end), _ in windows.backtests())
    out.console.print(f"series: {n} months, {interpolated} empty months interpolated"
                      + (f" ({unscored} in the scored periods: not scored, nor forecasts made at them)" if unscored else ""))
    _warn(out, cfg, models, fits, n)
    return metrics


def _warn(out: Run, cfg: Config, models: dict, fits: dict, n: int) -> None:
    """Said with the figures (said at once, they came before a refusal's one line): parameters that others leave unread,
    doubts about the fit on the whole series behind the forecast (none in a validation-only run), the backtest's fits
    that did not converge, settings not read."""
    lines = [f"forecaster.{name}.params.{line}" for name, (model, _) in models.items() for line in model.unused_params()]
    lines += [f"forecaster.{name}.params.{line}" for name in models if (name, n) in fits for line in fits[name, n].fit_notes()]
    for name in models:  # the backtest's scores rest on its own fits: a stopped search there was said of none
        backtest_fits = [fit for (fitted, months), fit in fits.items() if fitted == name and months != n]
        stopped = sum(not fit.converged() for fit in backtest_fits)
        if stopped:
            lines.append(f"forecaster.{name}: {stopped} of {len(backtest_fits)} backtest fits did not converge (the parameter "
                         "search stopped early); their forecasts, scored in the backtest, use the parameters where it stopped")
    for line in [*lines, *unread_settings(READ_ONLY_WITH, cfg)]:
        out.warn(line)


def check(cfg: Config) -> None:
    """How the values relate, for every sweep value before any job (each number's own range is
    declared in the schema and checked by minectl.constraints)."""
    from minectl.config import overrides_given
    from minectl.forecast.series import check_unit_currency, check_unit_mass, series_source

    params = cfg.forecast
    _, _, value_column = series_source(cfg.series, cfg.source.date_column, cfg.source.value_column)  # a named series, or a file
    check_unit_currency(value_column, cfg.source.unit)
    check_unit_mass(value_column, cfg.source.unit)
    horizons = list(params.backtest_horizons)
    if not horizons or 1 not in horizons or max(horizons) > params.backtest_months:
        raise ConfigError(
            f"forecast.backtest_horizons: expected horizons in 1..forecast.backtest_months including 1, got {horizons}"
        )
    if not cfg.forecaster:
        raise ConfigError("forecaster: no model selected; expected e.g. forecaster=[naive,arima]")
    _check_model_names(list(cfg.forecaster))
    # by the target's class name: the targets are allow-listed (minectl.trust), and importing them here costs
    if not any(str(spec._target_).rsplit(".", 1)[-1] == "NaiveForecaster" for spec in cfg.forecaster.values()):
        raise ConfigError("forecaster: the naive model must be selected (every figure is shown next to it)")
    # the default tune (lstm) may name a model left out (validation.mape is then absent, as documented); a model named
    # on the command line is meant: its validation.mape was dropped without a word (tune=null: none asked for); a
    # sweep's objective=validation.mape failed each job once it had run
    named = params.tune is not None and "forecast.tune" in (overrides_given() or {})
    if params.tune not in cfg.forecaster and (params.validation_only or named or cfg.objective == "validation.mape"):
        raise ConfigError(f"forecast.tune: {params.tune!r} is not a selected model; expected one of {', '.join(cfg.forecaster)} "
                          "(its validation MAPE is validation.mape)")
    # written as the share left outside (0.05 for a 95 % interval), the interval held the middle 5 %, exit 0
    if params.interval_level < 0.5:
        raise ConfigError(f"forecast.interval_level={params.interval_level!r} is below 0.5; expected the share of outcomes the "
                          f"interval holds (e.g. {1 - params.interval_level:g}), not the share left out")


def _check_model_names(names: list[str]) -> None:
    """Model names that print alike (case, width, look-alike letters: `Naive` and `naive`, one from
    a YAML file) are one model twice in the report's rows, not two models."""
    from minectl.data.names import shown, spelt_alike

    seen: dict[str, str] = {}
    for name in names:
        first = seen.setdefault(spelt_alike(name), name)
        if first != name:
            raise ConfigError(f"forecaster: models {shown(first)} and {shown(name)} print alike (case, width or look-alike "
                              "letters); expected one name a model")


def _build_models(forecasters: Any, seed: int) -> dict[str, tuple[Any, int]]:
    """name -> (unfitted forecaster, refit_every); every parameter was checked before any work
    (names, values and refit_every by minectl.constraints.check_config)."""
    from minectl.estimators import build

    models = {}
    for name, spec in forecasters.items():
        params = OmegaConf.to_container(spec.params, resolve=True)
        # one seed drives every model
        models[name] = (build(spec._target_, params, f"forecaster.{name}", ("random_state",), random_state=seed),
                        spec.refit_every)
    return models
