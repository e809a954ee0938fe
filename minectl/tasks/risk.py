"""`minectl risk`: low/medium/high cost-risk per day and lead time (seed 000, 3.3-3.4 and 4.1),
evaluated on a chronological test part next to majority and persistence baselines.

`minectl risk predict RUN_DIR [key=value ...]` scores data with a saved run (see `predict`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from omegaconf import MISSING, OmegaConf

from minectl.config import CostsConfig, DataConfig, TaskConfig
from minectl.constraints import at_least, between, estimator_params, finite_nonneg
from minectl.errors import ConfigError, config_keys

if TYPE_CHECKING:
    import polars as pl

    from minectl.results import Run
    from minectl.risk.workflow import Layout


@dataclass
class ModelConfig:
    name: str = MISSING  # lr | svm | rf | lightgbm | lstm | lstm_rf
    params: Dict[str, Any] = estimator_params("name", "minectl.models")  # the estimator's constructor arguments


@dataclass
class LabelRuleConfig:
    column: str = MISSING  # indicator of the daily table
    medium: float = finite_nonneg(default=1.0)  # deviation from the trailing baseline, in baseline sds, for 1 point
    high: float = finite_nonneg(default=2.0)  # ... for 2 points
    direction: str = "up"  # up | down


@dataclass
class LabelsConfig:
    source: str = "column"  # column: the data's labels (labels.risk / a column); rules: built below
    column: str = "risk"
    levels: int = between(2, 3, default=3)  # 3: low/medium/high; 2: binary (low/high)
    baseline_days: int = at_least(2, default=30)
    medium_score: int = at_least(1, default=1)  # summed rule points for medium
    high_score: int = at_least(1, default=3)  # ... and for high
    rules: List[LabelRuleConfig] = field(default_factory=list)


@dataclass
class ThresholdsConfig:
    mode: str = "optimise"  # optimise (on validation) | fixed
    values: List[float] = between(0, 1, default_factory=lambda: [0.33, 0.67])  # theta1 < theta2 (fixed mode)
    objective: str = "f1_macro"  # f1_macro | balanced_accuracy | recall_high


@dataclass
class InputConfig:
    kind: str = "mine"  # mine: data + costs through the cost engine; table: one file in time order
    path: Optional[str] = None  # table: .arff, .csv or .parquet
    categorical: List[str] = field(default_factory=list)  # table: columns one-hot encoded
    static: List[str] = field(default_factory=list)  # table: columns used as static features


@dataclass
class FeaturesConfig:
    dynamic: Optional[List[str]] = None  # null: every numeric column not excluded
    exclude: List[str] = field(default_factory=list)  # glob patterns


@dataclass
class RobustnessConfig:
    enabled: bool = True
    mask_fraction: float = between(0, 1, default=0.1, closed="left")  # share of indicator observations hidden, then interpolated
    noise_sd: float = finite_nonneg(default=0.1)  # Gaussian noise in z-score units
    low_drop_share: float = between(0, 1, default=0.5, closed="left")  # share of low-risk training samples removed before refitting


@dataclass
class ImportanceConfig:
    enabled: bool = True
    n_repeats: int = at_least(1, default=3)
    top: int = at_least(1, default=5)


@dataclass
class RiskParams:
    window: int = at_least(1, default=14)  # w: days in the dynamic window
    lead_times: List[int] = at_least(0, default_factory=lambda: [0, 1, 3, 7, 14])
    primary_lead: int = at_least(0, default=0)  # the lead of test.*, thresholds, robustness, importance and the saved model
    val_fraction: float = between(0, 1, default=0.15, closed="neither")
    test_fraction: float = between(0, 1, default=0.2, closed="neither")
    torch_threads: int = at_least(1, default=1)  # small LSTMs run fastest single-threaded on CPU
    save_model: bool = True
    input: InputConfig = field(default_factory=InputConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    labels: LabelsConfig = field(default_factory=LabelsConfig)
    thresholds: ThresholdsConfig = field(default_factory=ThresholdsConfig)
    robustness: RobustnessConfig = field(default_factory=RobustnessConfig)
    importance: ImportanceConfig = field(default_factory=ImportanceConfig)


@dataclass
class Config(TaskConfig):
    data: DataConfig = MISSING
    costs: CostsConfig = MISSING
    model: ModelConfig = MISSING
    risk: RiskParams = field(default_factory=RiskParams)


# ---------------------------------------------------------------------------- wiring

# the stages' parameters -> their config keys, named in the stages' errors
KEYS = {
    "window": "risk.window",
    "lead": "risk.lead_times",
    "val_fraction": "risk.val_fraction",
    "test_fraction": "risk.test_fraction",
    "thetas": "risk.thresholds.values",
    "objective": "risk.thresholds.objective",
    "static": "risk.input.static",
    "categorical": "risk.input.categorical",
    "dynamic": "risk.features.dynamic",
    "exclude": "risk.features.exclude",
    "device": "model.params.device",
}


def _check(params: RiskParams) -> None:
    # each number's own range is declared in the schema (minectl.constraints); these are choices and relations
    if params.labels.source not in ("column", "rules"):
        raise ConfigError(f"risk.labels.source: {params.labels.source!r}; expected column or rules")
    if params.labels.source == "rules" and not params.labels.rules:
        raise ConfigError("risk.labels.rules: empty; expected at least one rule when risk.labels.source=rules")
    if params.thresholds.mode not in ("optimise", "fixed"):
        raise ConfigError(f"risk.thresholds.mode: {params.thresholds.mode!r}; expected optimise or fixed")
    if params.input.kind not in ("mine", "table"):
        raise ConfigError(f"risk.input.kind: {params.input.kind!r}; expected mine or table")
    if not params.lead_times:
        raise ConfigError("risk.lead_times: empty; expected lead times >= 0")
    if params.primary_lead not in params.lead_times:
        raise ConfigError(f"risk.primary_lead: {params.primary_lead} is not one of risk.lead_times {list(params.lead_times)}")
    for rule in params.labels.rules:
        if rule.direction not in ("up", "down") or not rule.medium < rule.high:
            raise ConfigError(f"risk.labels.rules ({rule.column}): expected direction up/down and medium < high")


def _daily_frame(cfg: Config, out: Optional[Run] = None, with_labels: bool = True) -> tuple[pl.DataFrame, Layout]:
    """(frame, Layout) of the configured input, indicators filled causally, labelled when asked;
    its input files are registered with ``out`` when given."""
    from minectl.risk import inputs
    from minectl.risk.labels import LabelRule

    p = cfg.risk
    if p.input.kind == "mine":
        source = inputs.mine_source(OmegaConf.to_container(cfg.data, resolve=True),
                                    OmegaConf.to_container(cfg.costs, resolve=True))
    elif not p.input.path:
        raise ConfigError("risk.input.path: not set; expected a .arff, .csv or .parquet file for risk.input.kind=table")
    else:
        source = inputs.table_source(p.input.path, list(p.input.categorical), list(p.input.static))
    if out is not None:
        for path in source.inputs:
            out.input_file(path)
    frame, layout = inputs.daily_frame(source, p.window, p.labels.levels, list(p.features.dynamic or []),
                                       list(p.features.exclude), reserved=[p.labels.column])
    if not with_labels:
        return frame, layout
    if p.labels.source == "column":
        return inputs.with_column_labels(frame, layout, p.labels.column), layout
    rules = [LabelRule(r.column, r.medium, r.high, r.direction) for r in p.labels.rules]
    return inputs.with_rule_labels(frame, layout, rules, p.labels.baseline_days, p.labels.medium_score,
                                   p.labels.high_score), layout


@config_keys(KEYS)
def run(cfg: Config, out: Run) -> dict:
    import polars as pl
    import torch

    from minectl.models import build_model
    from minectl.risk import artefacts, summary
    from minectl.risk.importance import importance_plot, indicator_importance
    from minectl.risk.robustness import robustness_metrics
    from minectl.risk.workflow import run_lead

    p = cfg.risk
    _check(p)
    model_params = OmegaConf.to_container(cfg.model.params, resolve=True)
    # an unknown model or parameter fails before any data work
    build_model(cfg.model.name, model_params, window=p.window, n_static=0, random_state=out.seed)
    torch.set_num_threads(max(1, p.torch_threads))
    frame, layout = _daily_frame(cfg, out)

    def make_model():
        return build_model(cfg.model.name, model_params, window=layout.window,
                           n_static=len(layout.static), random_state=out.seed)

    fixed = list(p.thresholds["values"]) if p.thresholds.mode == "fixed" else None
    leads, results = list(p.lead_times), []
    with out.progress(len(leads), f"risk {cfg.model.name}: lead times") as advance:
        for lead in leads:
            results.append(run_lead(frame, layout, lead, make_model, p.val_fraction, p.test_fraction,
                                    fixed, p.thresholds.objective))
            advance(1)
    primary = results[leads.index(p.primary_lead)]
    metrics: dict[str, Any] = {
        "data": {"days": frame.height, "indicators": len(layout.dynamic), "static": len(layout.static)},
        **{f"lead_{lead}": summary.lead_summary(r.metrics) for lead, r in zip(leads, results, strict=True)},
        **summary.primary_summary(primary, layout.n_levels),
    }
    out.table("predictions", pl.concat([r.predictions for r in results]))
    out.table("confusion", summary.confusion_frame(primary.confusion, layout.n_levels))
    if p.robustness.enabled:
        r = p.robustness
        metrics["robust"] = robustness_metrics(frame, layout, primary, make_model, p.primary_lead,
                                               r.mask_fraction, r.noise_sd, r.low_drop_share, out.seed)
    if p.importance.enabled:
        importance = indicator_importance(primary, layout, p.importance.n_repeats, out.seed)
        out.table("importance", importance)
        out.plot("importance", importance_plot(importance.head(15)))
        metrics["importance"] = {row["feature"]: row["f1_drop"]
                                 for row in importance.head(p.importance.top).iter_rows(named=True)}
    if p.save_model:
        artefacts.save_model_dir(primary.model, out.dir / artefacts.MODEL_DIR)
        with out.artefact(artefacts.SPEC_FILE) as tmp:
            tmp.write_text(json.dumps(artefacts.model_spec(primary, layout), indent=1))
    out.console.print(summary.summary_table(cfg.model.name, metrics, leads))
    return metrics


# ---------------------------------------------------------------------------- predict


@config_keys(KEYS)
def predict(run_dir, data_cfg: Optional[dict] = None) -> pl.DataFrame:
    """Score data with a saved risk run: one row per day with a full window.

    ``run_dir``: the run's folder, or its RunFolder already read (minectl.runfolder.read_run).

    ``data_cfg`` (plain dict) replaces the run's ``data`` node (mine inputs) or is merged into
    its ``risk.input`` node (table inputs, e.g. ``{"path": "new.arff"}``); None scores the run's
    own data. Returns the series/time keys, p_<level>, score and level columns.
    """
    from omegaconf.errors import OmegaConfBaseException

    from minectl.risk import artefacts
    from minectl.risk.predict import score_days
    from minectl.runfolder import RunFolder, bad, read_run

    folder = run_dir if isinstance(run_dir, RunFolder) else read_run(run_dir, ("risk",))
    run_dir = folder.dir
    try:
        cfg = OmegaConf.merge(OmegaConf.structured(Config), folder.config)
    except OmegaConfBaseException as exc:  # a tampered value the schema refuses
        raise bad(run_dir / ".hydra" / "config.yaml", str(exc).strip().splitlines()[0], "the config of a `minectl risk` run") from None
    spec = artefacts.read_spec(run_dir / artefacts.SPEC_FILE)
    # a damaged folder fails before the work
    model = artefacts.load_saved_model(run_dir / artefacts.MODEL_DIR, len(spec["mean"]))
    if data_cfg:
        if cfg.risk.input.kind == "mine":
            cfg.data = OmegaConf.merge(OmegaConf.structured(DataConfig), data_cfg)
        else:
            cfg.risk.input = OmegaConf.merge(cfg.risk.input, data_cfg)
    frame, layout = _daily_frame(cfg, with_labels=False)
    return score_days(frame, layout.series, layout.time, model, spec)


def predict_cli(run, overrides: list[str]) -> None:
    """`minectl risk predict RUN_DIR [data.x=... | risk.input.path=... | out=FILE]`: writes the
    scores to FILE (default RUN_DIR/predictions.parquet) and prints the latest days.
    ``run``: the RunFolder read by minectl.runfolder.read_run."""
    from rich.console import Console

    from minectl.atomic import atomic_path

    out = run.dir / "predictions.parquet"
    dotlist = []
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not (key == "out" or key.startswith(("data.", "risk.input."))):
            raise ConfigError(f"risk predict: override {item!r}; expected data.<key>=..., risk.input.<key>=... or out=FILE")
        if key == "out":
            out = Path(value)
        else:
            dotlist.append(item.removeprefix("data.").removeprefix("risk.input."))
    try:  # before the work: a place the scores cannot go
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"risk predict: out={out}: cannot write there ({exc.strerror or exc}); expected a writable file path") from None
    data_cfg = None
    if dotlist:
        is_table = OmegaConf.select(run.config, "risk.input.kind", default="mine") == "table"
        base = OmegaConf.select(run.config, "risk.input" if is_table else "data", default={}) or {}
        data_cfg = OmegaConf.to_container(OmegaConf.merge(base, OmegaConf.from_dotlist(dotlist)), resolve=True)
    scores = predict(run, data_cfg)
    with atomic_path(out) as tmp:
        scores.write_parquet(tmp)
    console = Console()
    console.print(scores.tail(10))
    console.print(f"{scores.height} rows scored -> {out}")
