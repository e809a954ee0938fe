"""`minectl risk`: low/medium/high cost-risk per day and lead time (seed 000, 3.3-3.4 and 4.1),
evaluated on a chronological test part next to majority and persistence baselines.

`minectl risk predict RUN_DIR [key=value ...]` scores data with a saved run (see `predict`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from omegaconf import MISSING, OmegaConf

from minectl.config import DataConfig, TaskConfig
from minectl.constraints import at_least, between, estimator_params, finite_nonneg
from minectl.errors import ConfigError, DataError
from minectl.tasks.cost import CostsConfig

LABEL = "risk_level"  # the label column the task adds to the daily frame
SPEC_FILE = "risk_model.json"  # everything `predict` needs besides the model folder
MODEL_DIR = "model"


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


# ---------------------------------------------------------------------------- inputs


def _check(params: Any) -> None:
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


def _mine_frame(cfg: Any, run: Any = None):
    """The cost engine's daily accounts (+ labels table, + static mine features) of the data."""
    from minectl.costing import CostMapping
    from minectl.costing.accounts import cost_accounts
    from minectl.data import load_mine
    from minectl.risk.tables import static_features

    costs = OmegaConf.to_container(cfg.costs, resolve=True)
    mine = load_mine(**OmegaConf.to_container(cfg.data, resolve=True))
    if run is not None:
        for path in mine.inputs:
            run.input_file(path)
    if mine.equipment is None:
        raise DataError("data has no 'equipment' table; the risk task needs it (docs/data-contract.md)")
    accounts = cost_accounts(
        CostMapping.from_dict(costs),
        production=mine.production, consumption_hourly=mine.consumption_hourly,
        consumption_daily=mine.consumption_daily, prices=mine.prices, equipment=mine.equipment,
        sensors=mine.sensors,
        intensities={name: tuple(pair) for name, pair in (costs.get("intensities") or {}).items()},
        change=["cost", "unit_cost", "kwh_per_t"], rolling=["cost", "unit_cost", "kwh_per_t"],
    )
    frame = accounts.daily
    if mine.labels is not None:
        frame = frame.join(mine.labels.collect(), on=["date", "mine_id"], how="left")
    statics = static_features(mine.mines.collect())
    return frame.join(statics, on="mine_id", how="left"), [c for c in statics.columns if c != "mine_id"], "mine_id", "date"


def _table_frame(params: Any, run: Any = None):
    """A table file in row order: a `step` index is its time axis."""
    import polars as pl

    from minectl.data.sources import read_file, resolve_input
    from minectl.risk.tables import one_hot

    if not params.input.path:
        raise ConfigError("risk.input.path: not set; expected a .arff, .csv or .parquet file for risk.input.kind=table")
    path = resolve_input(params.input.path)
    table = read_file(path, "risk input")
    if run is not None:
        run.input_file(path)
    frame, _ = one_hot(table, list(params.input.categorical))
    for column in params.input.static:
        if column not in frame.columns:
            raise DataError(f"risk.input.static: column {column!r} not found in {path}")
    return frame.with_row_index("step").with_columns(pl.col("step").cast(pl.Int64)), list(params.input.static), None, "step"


def _daily_frame(cfg: Any, run: Any = None, with_labels: bool = True):
    """(frame, Layout): indicators filled causally, with the label column when asked."""
    import polars as pl

    from minectl.risk.labels import LabelRule, column_labels, rule_labels
    from minectl.risk.tables import causal_fill, numeric_columns
    from minectl.risk.workflow import Layout

    params = cfg.risk
    frame, static, series, time = _mine_frame(cfg, run) if params.input.kind == "mine" else _table_frame(params, run)
    reserved = {params.labels.column, LABEL, time, *static} | ({series} if series else set())
    if params.features.dynamic:
        dynamic = list(params.features.dynamic)
        missing = [c for c in dynamic if c not in frame.columns]
        if missing:
            raise ConfigError(f"risk.features.dynamic: column {missing[0]!r} is not in the daily table")
    else:
        dynamic = [c for c in numeric_columns(frame, list(params.features.exclude)) if c not in reserved]
    if not dynamic:
        raise ConfigError("risk.features: no dynamic indicator left; expected numeric columns in the daily table")
    frame = causal_fill(frame, dynamic + static, series)
    layout = Layout(dynamic, static, params.window, params.labels.levels, LABEL, series, time)
    if not with_labels:
        return frame, layout
    if params.labels.source == "column":
        frame = frame.with_columns(pl.Series(LABEL, column_labels(frame, params.labels.column, params.labels.levels)))
    else:
        rules = [LabelRule(r.column, r.medium, r.high, r.direction) for r in params.labels.rules]
        parts = frame.partition_by(series, maintain_order=True) if series else [frame]
        labelled = []
        for part in parts:
            part = part.sort(time)
            levels = rule_labels(part, rules, params.labels.baseline_days, params.labels.medium_score,
                                 params.labels.high_score)
            labelled.append(part.with_columns(pl.Series(LABEL, levels)))
        frame = pl.concat(labelled)
    return frame, layout


# ---------------------------------------------------------------------------- run


def run(cfg: Any, run: Any) -> dict:
    import numpy as np
    import torch

    from minectl.models import build_model
    from minectl.risk.workflow import run_lead

    params = cfg.risk
    _check(params)
    model_params = OmegaConf.to_container(cfg.model.params, resolve=True)
    # an unknown model or parameter fails before any data work
    build_model(cfg.model.name, model_params, window=params.window, n_static=0, random_state=run.seed)
    torch.set_num_threads(max(1, params.torch_threads))
    frame, layout = _daily_frame(cfg, run)

    def make_model():
        return build_model(cfg.model.name, model_params, window=layout.window,
                           n_static=len(layout.static), random_state=run.seed)

    fixed = list(params.thresholds["values"]) if params.thresholds.mode == "fixed" else None
    metrics: dict[str, Any] = {"data": {"days": frame.height, "indicators": len(layout.dynamic),
                                        "static": len(layout.static)}}
    predictions, primary = [], None
    with run.progress(len(params.lead_times), f"risk {cfg.model.name}: lead times") as advance:
        for lead in params.lead_times:
            result = run_lead(frame, layout, lead, make_model, params.val_fraction, params.test_fraction,
                              fixed, params.thresholds.objective)
            predictions.append(result.predictions)
            metrics[f"lead_{lead}"] = _lead_summary(result.metrics)
            if lead == params.primary_lead:
                primary = result
            advance(1)
    m = primary.metrics
    metrics["test"] = {k: v for k, v in m.items() if k not in ("baseline", "samples")}
    metrics["baseline"] = m["baseline"]
    metrics["samples"] = m["samples"]
    metrics["thresholds"] = {f"theta{i + 1}": float(t) for i, t in enumerate(primary.thetas)}
    metrics["class_share"] = {
        name: float(np.mean(primary.dataset.samples.y == k))
        for k, name in enumerate(_level_names(layout.n_levels))
    }

    import polars as pl

    run.table("predictions", pl.concat(predictions))
    run.table("confusion", _confusion_frame(primary.confusion, layout.n_levels))
    if params.robustness.enabled:
        metrics["robust"] = _robustness(frame, layout, primary, make_model, params, run.seed)
    if params.importance.enabled:
        importance = _importance(primary, layout, params.importance, run.seed)
        run.table("importance", importance)
        run.plot("importance", _importance_plot(importance.head(15)))
        metrics["importance"] = {row["feature"]: row["f1_drop"] for row in importance.head(params.importance.top).iter_rows(named=True)}
    if params.save_model:
        _save_run_model(run.dir, primary, layout)
    _print_summary(run.console, cfg.model.name, metrics, params.lead_times)
    return metrics


def _level_names(n_levels: int) -> list[str]:
    from minectl.risk.evaluate import level_names

    return level_names(n_levels)


def _lead_summary(m: dict) -> dict:
    keys = ("accuracy", "precision_macro", "recall_macro", "f1_macro", "auc")
    return {
        **{k: m[k] for k in keys}, "recall_high": m["recall"]["high"],
        "persistence_f1_macro": m["baseline"]["persistence"]["f1_macro"],
        "majority_f1_macro": m["baseline"]["majority"]["f1_macro"],
    }


def _confusion_frame(confusion, n_levels: int):
    import polars as pl

    names = _level_names(n_levels)
    return pl.DataFrame({"true": names, **{f"pred_{n}": confusion[:, k] for k, n in enumerate(names)}})


def _robustness(frame, layout, primary, make_model, params, seed: int) -> dict:
    """Metric change under masked observations, noise, and fewer low-risk training samples."""
    import numpy as np
    import polars as pl

    from minectl.risk import evaluate as ev
    from minectl.risk.robustness import add_gaussian_noise, drop_share_of_level, mask_and_interpolate
    from minectl.risk.workflow import build_dataset, fit_model, predict_levels

    cfg = params.robustness
    rng = np.random.default_rng(seed)
    train, val, test = primary.split
    lead, thetas, n = params.primary_lead, primary.thetas, layout.n_levels
    base = primary.metrics
    y_test = primary.dataset.samples.y[test]

    def score(model, X):
        proba, _, levels = predict_levels(model, X, thetas, n)
        return ev.classification_metrics(y_test, levels, proba, n)

    parts = frame.partition_by(layout.series, maintain_order=True) if layout.series else [frame]
    masked = pl.concat([
        p.with_columns(pl.DataFrame(mask_and_interpolate(p.select(layout.dynamic).to_numpy(), cfg.mask_fraction, rng),
                                    schema=layout.dynamic, orient="row"))
        for p in parts
    ])
    X_masked = primary.scaler.transform(build_dataset(masked, layout, lead).samples.X)[test]
    X = primary.scaler.transform(primary.dataset.samples.X)
    n_dyn = X.shape[1] - len(layout.static)
    X_noisy = X[test].copy()
    X_noisy[:, :n_dyn] = add_gaussian_noise(X_noisy[:, :n_dyn], cfg.noise_sd, rng)
    y = primary.dataset.samples.y
    keep = train[drop_share_of_level(y[train], 0, cfg.low_drop_share, rng)]
    refit = fit_model(make_model(), X[keep], y[keep], X[val], y[val])
    out = {}
    for name, m in (("mask", score(primary.model, X_masked)), ("noise", score(primary.model, X_noisy)),
                    ("fewer_low", score(refit, X[test]))):
        out[name] = {
            "f1_macro": m["f1_macro"], "accuracy": m["accuracy"], "recall_high": m["recall"]["high"],
            "delta_f1_macro": m["f1_macro"] - base["f1_macro"], "delta_accuracy": m["accuracy"] - base["accuracy"],
            "delta_recall_high": m["recall"]["high"] - base["recall"]["high"],
        }
    return out


def _importance(primary, layout, params, seed: int):
    """Permutation importance on test per indicator (whole window) and static feature."""
    import numpy as np
    import polars as pl

    from minectl.risk import evaluate as ev
    from minectl.risk.importance import grouped_permutation_importance
    from minectl.risk.workflow import predict_levels

    _, _, test = primary.split
    X = primary.scaler.transform(primary.dataset.samples.X)[test]
    y = primary.dataset.samples.y[test]
    f = len(layout.dynamic)
    groups = {name: np.arange(i, f * layout.window, f) for i, name in enumerate(layout.dynamic)}
    groups |= {name: np.array([f * layout.window + j]) for j, name in enumerate(layout.static)}

    def f1(Z):
        _, _, levels = predict_levels(primary.model, Z, primary.thetas, layout.n_levels)
        return ev.classification_metrics(y, levels, np.eye(layout.n_levels)[levels], layout.n_levels)["f1_macro"]

    drops = grouped_permutation_importance(f1, X, groups, params.n_repeats, seed)
    return pl.DataFrame({"feature": list(drops), "f1_drop": list(drops.values())}).sort("f1_drop", descending=True)


def _importance_plot(importance):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 0.3 * importance.height + 1))
    ax.barh(importance["feature"].to_list()[::-1], importance["f1_drop"].to_list()[::-1])
    ax.set_xlabel("drop of test macro F1 when permuted")
    ax.set_title("Permutation importance (test part)")
    return fig


def _save_run_model(run_dir: Path, primary, layout) -> None:
    """model/ (safe formats) and risk_model.json (layout, z-score, thresholds), atomically."""
    from minectl.models import save_model

    staging = Path(tempfile.mkdtemp(prefix=".model.", dir=run_dir))
    try:
        save_model(primary.model, staging)
        target = Path(run_dir) / MODEL_DIR
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    spec = {
        "dynamic": layout.dynamic, "static": layout.static, "window": layout.window,
        "n_levels": layout.n_levels, "series": layout.series, "time": layout.time,
        "mean": primary.scaler.mean_.tolist(), "sd": primary.scaler.sd_.tolist(),
        "thresholds": [float(t) for t in primary.thetas],
    }
    tmp = Path(run_dir) / f".{SPEC_FILE}.tmp"
    tmp.write_text(json.dumps(spec, indent=1))
    os.replace(tmp, Path(run_dir) / SPEC_FILE)


def _print_summary(console, model: str, metrics: dict, leads) -> None:
    from rich.table import Table

    table = Table(title=f"cost-risk early warning: {model} (test part)")
    for col in ("lead (days)", "accuracy", "macro F1", "AUC", "recall high", "persistence F1", "majority F1"):
        table.add_column(col, justify="right")
    for lead in leads:
        m = metrics[f"lead_{lead}"]
        table.add_row(str(lead), *(f"{m[k]:.3f}" for k in ("accuracy", "f1_macro", "auc", "recall_high",
                                                            "persistence_f1_macro", "majority_f1_macro")))
    console.print(table)


# ---------------------------------------------------------------------------- predict


def _read_spec(path: Path) -> dict:
    """risk_model.json, type-checked: the folder may come from someone else."""
    from minectl.runfolder import check_fields, is_number, read_json

    def str_list(v):
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    def numbers(n):
        return lambda v: isinstance(v, list) and len(v) == n and all(is_number(x) for x in v)

    spec = read_json(path, "the JSON object `minectl risk` saves beside its model")
    check_fields(spec, path, {
        "dynamic": (str_list, "a list of column names"), "static": (str_list, "a list of column names"),
        "window": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, "an integer >= 1"),
        "n_levels": (lambda v: v in (2, 3) and not isinstance(v, bool), "2 or 3"),
        "series": (lambda v: v is None or isinstance(v, str), "null or a column name"),
        "time": (lambda v: v is None or isinstance(v, str), "null or a column name"),
    })
    n_features = spec["window"] * len(spec["dynamic"]) + len(spec["static"])
    check_fields(spec, path, {
        "mean": (numbers(n_features), f"{n_features} numbers (window x dynamic + static)"),
        "sd": (numbers(n_features), f"{n_features} numbers (window x dynamic + static)"),
        "thresholds": (numbers(spec["n_levels"] - 1), f"{spec['n_levels'] - 1} numbers (n_levels - 1)"),
    })
    return spec


def _load_saved_model(directory: Path, n_features: int):
    """The run's model/, rebuilt from safe formats; a damaged or tampered folder is one DataError."""
    from minectl.models import load_model

    try:
        model = load_model(directory)
    except DataError:
        raise
    except Exception as exc:  # untrusted files fail to decode in many ways; nothing is unpickled
        first = (str(exc).strip().splitlines() or [""])[0].split(". ")[0][:120]  # not numpy's "load it unsafely" hint
        raise DataError(f"{directory}: cannot rebuild the saved model ({type(exc).__name__}: {first}); "
                        "expected the model files a `minectl risk` run writes") from None
    if getattr(model, "n_features_in_", None) != n_features:
        raise DataError(f"{directory}: the model takes {getattr(model, 'n_features_in_', None)} features, "
                        f"risk_model.json describes {n_features}; expected the model of this run")
    return model


def predict(run_dir, data_cfg: Optional[dict] = None):
    """Score data with a saved risk run: one row per day with a full window.

    ``run_dir``: the run's folder, or its RunFolder already read (minectl.runfolder.read_run).

    ``data_cfg`` (plain dict) replaces the run's ``data`` node (mine inputs) or is merged into
    its ``risk.input`` node (table inputs, e.g. ``{"path": "new.arff"}``); None scores the run's
    own data. Returns the series/time keys, p_<level>, score and level columns.
    """
    import numpy as np
    import polars as pl

    from omegaconf.errors import OmegaConfBaseException

    from minectl.risk.samples import ZScore
    from minectl.risk.workflow import Layout, predict_levels, window_rows
    from minectl.runfolder import RunFolder, bad, read_run

    folder = run_dir if isinstance(run_dir, RunFolder) else read_run(run_dir, ("risk",))
    run_dir = folder.dir
    try:
        cfg = OmegaConf.merge(OmegaConf.structured(Config), folder.config)
    except OmegaConfBaseException as exc:  # a tampered value the schema refuses
        raise bad(run_dir / ".hydra" / "config.yaml", str(exc).strip().splitlines()[0], "the config of a `minectl risk` run") from None
    spec = _read_spec(run_dir / SPEC_FILE)
    model = _load_saved_model(run_dir / MODEL_DIR, len(spec["mean"]))  # a damaged folder fails before the work
    if data_cfg:
        node = "data" if cfg.risk.input.kind == "mine" else "risk.input"
        if node == "data":
            cfg.data = OmegaConf.merge(OmegaConf.structured(DataConfig), data_cfg)
        else:
            cfg.risk.input = OmegaConf.merge(cfg.risk.input, data_cfg)
    frame, layout = _daily_frame(cfg, with_labels=False)
    missing = [c for c in spec["dynamic"] + spec["static"] if c not in frame.columns]
    if missing:
        raise DataError(f"risk predict: column {missing[0]!r} of the saved model is not in the new data")
    layout = Layout(spec["dynamic"], spec["static"], spec["window"], spec["n_levels"], LABEL,
                    layout.series, layout.time)
    X, keys = window_rows(frame, layout)
    scaler = ZScore()
    scaler.mean_, scaler.sd_ = np.asarray(spec["mean"]), np.asarray(spec["sd"])
    proba, score, levels = predict_levels(model, scaler.transform(X), spec["thresholds"], layout.n_levels)
    names = _level_names(layout.n_levels)
    return keys.with_columns(
        *(pl.Series(f"p_{name}", proba[:, k]) for k, name in enumerate(names)),
        pl.Series("score", score), pl.Series("level", levels),
        pl.Series("risk", np.asarray(names)[levels]),
    )


def predict_cli(run, overrides: list[str]) -> None:
    """`minectl risk predict RUN_DIR [data.x=... | risk.input.path=... | out=FILE]`: writes the
    scores to FILE (default RUN_DIR/predictions.parquet) and prints the latest days.
    ``run``: the RunFolder read by minectl.runfolder.read_run."""
    from rich.console import Console

    from minectl.results import atomic_path

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
