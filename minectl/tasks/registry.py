"""The task table: each entry gives a CLI command `minectl <name>` running the Hydra primary
config `conf/<name>.yaml` through the module's `run(cfg, out)`; the module's `Config`
dataclass is its schema."""

import importlib

# name -> (module, one-line help shown by `minectl --help`)
TASKS: dict[str, tuple[str, str]] = {
    "demo": ("minectl.tasks.cost", "Run the full-cost pipeline on the embedded synthetic mine and show its figures."),
    "optimize": ("minectl.tasks.optimize",
                 "Find Pareto-optimal design parameters from simulator runs via a surrogate and NSGA-II; pick one by price."),
    "forecast": ("minectl.tasks.forecast", "Forecast monthly prices (naive, seasonal naive, ARIMA, LSTM) with a rolling-origin backtest."),
    "cost": ("minectl.tasks.cost", "Daily full-cost ledger, cost structure and attributed cost anomalies (seed 000)."),
    "capacity": ("minectl.tasks.capacity",
                 "Capacity limits, cost curves, PCA of cost items and the risk-adjusted optimal capacity (seed 003)."),
    "uncertainty": ("minectl.tasks.uncertainty",
                    "Bootstrap uncertainty ranges, fitted distributions, propagation and VaR/CVaR/entropic risk of a series."),
    "factors": ("minectl.tasks.factors", "Cost-factor knowledge graph: declared, data and text edges, link prediction, "
                                         "ranked and explained factors of a cost item (seed 001)."),
    "extract": ("minectl.tasks.extract", "Entities and relations from text (dictionary, CRF, BiLSTM-CRF taggers) into graph triples "
                                         "(seed 001); also `factors extract ...`, `factors extract predict RUN_DIR`."),
    "risk": ("minectl.tasks.risk", "Classify daily cost risk low/medium/high per lead time (LSTM+RF and baselines); "
                                   "`risk predict RUN_DIR` scores new data."),
    "schedule": ("minectl.tasks.schedule", "Ultimate pit and CPIT/PCPSP schedules (MineLib or synthetic), ML-fed vs static "
                                           "schedule on the ground truth, stope-extension economics (seed 004)."),
}


def schemas() -> dict[str, type]:
    """Task name -> its `Config`, for `minectl.config.register_schemas` (imports every task module)."""
    return {name: importlib.import_module(module).Config for name, (module, _help) in TASKS.items()}
