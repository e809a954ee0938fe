"""`minectl cost`: the daily full-cost ledger, cost structure and attributed anomalies (seed 000, 3.1-3.2).

`minectl demo` runs this task on the embedded synthetic mine (conf/demo.yaml) and adds the
realism of its figures against seed 000 Table 2.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from omegaconf import OmegaConf

from minectl.config import CostConfig as Config
from minectl.config import full_cost_params
from minectl.constraints import Choices, check_value
from minectl.errors import ConfigError, config_keys

if TYPE_CHECKING:
    from collections.abc import Sequence

    from minectl.costing.anomalies import Rule
    from minectl.costing.mapping import CostMapping
    from minectl.results import Run


def check(cfg: Config) -> None:
    """The report's period is one it can draw (null: from the dates), the cleaning's parameters (an
    `impute_cycle` of no period failed its job only, after the others had run), the cost mapping's parts
    that need no data, and the data folder is one, for every sweep value before any job; the
    period's options live with the plots."""
    from minectl.costing.accounts import Preprocessing
    from minectl.costing.pipeline import check_costs
    from minectl.costing.report import PERIODS
    from minectl.data.mine import check_data_dir, file_columns
    from minectl.data.names import alike_in

    check_value("cost.period", cfg.cost.period, Choices(PERIODS))
    cleaning = {f.name for f in fields(Preprocessing)} - {"bounds"}  # cost.<name> keys; bounds: costs.thresholds
    params = full_cost_params(cfg.cost)
    with config_keys({name: f"cost.{name}" for name in cleaning}):
        Preprocessing(**{name: params[name] for name in cleaning}).check()
    mapping, rules, intensities, _ = check_costs(OmegaConf.to_container(cfg.costs, resolve=True))
    check_data_dir(cfg.data)
    # else each job of a sweep over cost.output reads its data first; a name alike one of the file's (case, spaces, an
    # invisible character) is left to the data contract, which says how they differ
    production = file_columns(cfg.data, "production")
    if production is not None and cfg.cost.output not in production and not alike_in(cfg.cost.output, production):
        raise ConfigError(f"{cfg.cost.output!r} is not a column of the production table; expected one of "
                          f"{[c for c in production if c not in ('date', 'mine_id')]}", param="cost.output")
    _check_daily_names(cfg, mapping, rules, intensities, production)


def _check_daily_names(cfg: Config, mapping: CostMapping, rules: Sequence[Rule], intensities: dict[str, tuple[str, str]],
                       production: list[str] | None) -> None:
    """The daily columns that the intensities, change rates, rolling means, rule indicators and anomaly items name,
    where the data's files tell them (the production and sensors tables' columns, whether there is an equipment
    table): else a sweep's bad value failed its job only, after the others had run. The synthetic mine, a server's
    table, a database's tables (data.path: its extra tables join in the job) and a production file the contract will
    refuse (a required column missing or named otherwise) are checked in the job, as is a text column's name."""
    from minectl.costing.pipeline import check_daily_names
    from minectl.costing.structure import KEYS
    from minectl.data.contract import TABLES
    from minectl.data.mine import file_columns, table_sources

    if production is None or cfg.data.path or not set(TABLES["production"].columns) <= set(production):
        return
    given = table_sources(cfg.data.dir, OmegaConf.to_container(cfg.data.tables, resolve=True) if cfg.data.tables else {})
    sensors = file_columns(cfg.data, "sensors") if "sensors" in given else []
    if sensors is None:  # a server's, or one the job refuses
        return
    with config_keys({name: f"cost.{name}" for name in ("change_rate", "rolling_mean")} | {"items": "cost.anomaly_items"}):
        check_daily_names(mapping, rules, intensities, items=cfg.cost.anomaly_items, change=cfg.cost.change_rate,
                          rolling=cfg.cost.rolling_mean, production=production, equipment="equipment" in given,
                          sensors=sensors, not_numbers={"no_output", *KEYS})


def run(cfg: Config, out: Run) -> dict:
    from minectl.costing import report
    from minectl.costing.pipeline import cost_metrics, full_cost
    from minectl.costing.reference import compare_with_table2, realism_metrics
    from minectl.workers import import_ahead

    # 0.35 s of imports for the plots, while the data is read; not pyplot itself: `matplotlib.use`
    # would find a half-imported pyplot in sys.modules and call into it
    import_ahead("matplotlib.figure", "matplotlib.backends.backend_agg")
    params, top, period = full_cost_params(cfg.cost), cfg.cost.top_anomalies, cfg.cost.period
    with config_keys({name: f"cost.{name}" for name in params}):  # full_cost's keywords are the cost node's keys
        result = full_cost(OmegaConf.to_container(cfg.data, resolve=True), OmegaConf.to_container(cfg.costs, resolve=True), **params)
    out.record_inputs(result.inputs)
    accounts, anomalies, mapping = result.accounts, result.anomalies, result.mapping

    out.table("ledger", accounts.ledger)
    out.table("daily", accounts.daily)
    out.table("anomalies", anomalies)
    out.plot("daily_cost_by_category", report.plot_daily_cost(accounts.daily, mapping.categories, mapping.currency, period))
    out.plot("unit_cost", report.plot_unit_cost(accounts.daily, anomalies, mapping.currency, cfg.cost.output, period))
    report.print_summary(out.console, accounts.daily, anomalies, mapping, top, period, cfg.cost.output)
    report.print_unchecked(out.console, accounts.daily, cfg.cost.anomaly_window)
    if lone := report.lone_date_mines(accounts.daily):
        out.warn(lone)
    report.print_imputed(out.console, accounts.counts)
    metrics = cost_metrics(accounts.daily, anomalies, accounts.counts, mapping)
    if cfg.task_name == "demo":  # the synthetic mine's figures next to the ones it is calibrated to
        daily = accounts.daily.rechunk()  # one chunk, as the table written reads back
        realism = compare_with_table2(daily, mapping.currency, cfg.cost.output, report.data_period(daily["date"], period))
        out.table("realism", realism)
        report.print_realism(out.console, realism)
        metrics["realism"] = realism_metrics(realism)
    return metrics
