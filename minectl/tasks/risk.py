"""`minectl risk`: low/medium/high cost-risk per day and lead time (seed 000, 3.3-3.4 and 4.1),
evaluated on a chronological test part next to majority and persistence baselines.

`minectl risk predict RUN_DIR [key=value ...]` scores data with a saved run (see `predict`).
"""

from __future__ import annotations

import errno
import json
import math
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from omegaconf import MISSING, OmegaConf
from rich.markup import escape

from minectl.config import CostsConfig, DataConfig, TaskConfig
from minectl.constraints import at_least, between, estimator_params, finite, finite_nonneg, greater_than, one_of
from minectl.errors import ConfigError, DataError, config_keys

if TYPE_CHECKING:
    import polars as pl

    from minectl.results import Run
    from minectl.risk.workflow import Layout


# constructor arguments the risk task sets itself: the window, the static features, the seed; and
# validation_fraction, which nothing reads: the task hands every fit its validation part (risk.val_fraction)
MODEL_SET_BY_TASK = ("window", "n_static", "random_state", "validation_fraction")
# the samples' feature matrix (rows x (window x indicators + static), float64) is held about six
# times at the peak (100,000 rows x 14 x 50 indicators: 0.56 GB, 3.2 GB peak): 300 million values
# are 2.4 GB, about 15 GB at the peak (docs/performance.md, "Other commands at size")
MAX_FEATURE_VALUES = 300_000_000


@dataclass
class ModelConfig:
    name: str = MISSING  # the model's label in tables and summaries (lr | svm | rf | lightgbm | lstm | lstm_rf)
    _target_: str = MISSING  # the estimator's class (conf/model/)
    params: Dict[str, Any] = estimator_params(MODEL_SET_BY_TASK)  # constructor arguments that differ from its defaults


@dataclass
class LabelRuleConfig:
    column: str = MISSING  # indicator of the daily table
    medium: float = finite_nonneg(default=1.0)  # deviation from the trailing baseline, in baseline sds, for 1 point
    high: float = finite_nonneg(default=2.0)  # ... for 2 points
    direction: str = "up"  # up | down


@dataclass
class LabelsConfig:
    # column: the data's labels (labels.risk / a column); rules: built below; thresholds / quantiles:
    # a continuous column cut at `cuts`, or at quantiles of the training part only (`quantiles`, default equal shares)
    source: str = "column"
    column: str = "risk"
    levels: int = between(2, 5, default=3)  # 3: low/medium/high (rules: 3 only); 2: binary (low/high)
    cuts: List[float] = finite(default_factory=list)  # thresholds: levels - 1 increasing values of `column`
    quantiles: List[float] = between(0, 1, default_factory=list, closed="neither")  # levels - 1 probabilities (empty: equal shares)
    sources: List[str] = field(default_factory=list)  # further columns the label was derived from: never features
    names: List[str] = field(default_factory=list)  # column: text labels from low to high (e.g. [no, yes]); empty: integers
    # the last of names, confirming an order that reads the other way ([yes, no] of a column like `safe`): see _names_reversed
    high: Optional[str] = None
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
    path: Optional[str] = None  # table: .arff, .csv, .tsv or .parquet
    categorical: List[str] = field(default_factory=list)  # table: columns one-hot encoded
    static: List[str] = field(default_factory=list)  # table: columns used as static features
    # table: the column naming each series of the file (a machine, an engine, a well): each ordered, windowed and
    # filled on its own; the split is by time across them
    series: Optional[str] = None


@dataclass
class TimeConfig:
    column: Optional[str] = None  # table: a timestamp, date or shift-number column (sorted by it); null: rows in file order
    frequency: Optional[str] = None  # one period, e.g. 1d, 8h, 1shift, 1row; null: 1d (mine), inferred (column), 1row
    shift_hours: float = greater_than(0, default=8.0)  # the length of a shift, for amounts like 3shift on a clock
    # rows sharing a time (a historian's 20-second rows under one hourly stamp): refuse, or mean
    # (float columns averaged; every other column must hold one value per time)
    repeated: str = one_of("refuse", "mean", default="refuse")


@dataclass
class MissingConfig:
    default: Optional[str] = None  # ffill | interpolate | median | drop; null: ffill (time series), median (split=cv)
    columns: Dict[str, str] = field(default_factory=dict)  # a column's own policy
    limit: Optional[int] = at_least(1, default=None)  # ffill / interpolate: at most this many periods; null: no limit


@dataclass
class CVConfig:
    folds: int = at_least(2, default=5)
    repeats: int = at_least(1, default=3)


@dataclass
class LeakageConfig:
    enabled: bool = True
    limit: float = between(0, 1, default=0.98)  # warn when one feature alone reaches this validation balanced accuracy


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
    # window and lead times: integers are periods of risk.time.frequency; or amounts like 6h, 2d, 3shift
    window: Any = at_least(1, default=14)  # w: periods in the dynamic window
    lead_times: List[Any] = at_least(0, default_factory=lambda: [0, 1, 3, 7, 14])
    primary_lead: Any = at_least(0, default=0)  # the lead of test.*, thresholds, robustness, importance and the saved model
    split: str = "chronological"  # chronological: train | validation | test in time; cv: a case table (repeated stratified k-fold)
    val_fraction: float = between(0, 1, default=0.15, closed="neither")
    test_fraction: float = between(0, 1, default=0.2, closed="neither")
    torch_threads: int = at_least(1, default=1)  # small LSTMs run fastest single-threaded on CPU
    save_model: bool = True
    input: InputConfig = field(default_factory=InputConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    missing: MissingConfig = field(default_factory=MissingConfig)
    cv: CVConfig = field(default_factory=CVConfig)
    leakage: LeakageConfig = field(default_factory=LeakageConfig)
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
    "cuts": "risk.labels.cuts",
    "quantiles": "risk.labels.quantiles",
}
LABEL_SOURCES = ("column", "rules", "thresholds", "quantiles")


def check(cfg: Config) -> None:
    """Choices and relations between keys, for every sweep value before any job (each number's
    own range is declared in the schema and checked by minectl.constraints)."""
    params = cfg.risk
    labels = params.labels
    if labels.source not in LABEL_SOURCES:
        raise ConfigError(f"risk.labels.source: {labels.source!r}; expected one of {', '.join(LABEL_SOURCES)}")
    if labels.source == "rules" and labels.levels != 3:  # rules give low/medium/high (2 levels: an IndexError at the fit)
        raise ConfigError(f"risk.labels.levels: {labels.levels} with risk.labels.source=rules; expected 3 (the rules' low, "
                          "medium and high; other level counts: source column, thresholds or quantiles)")
    if labels.names and (labels.source != "column" or len(labels.names) != labels.levels or len(set(labels.names)) != labels.levels):
        raise ConfigError(f"risk.labels.names: {list(labels.names)}; expected {labels.levels} distinct labels from low to high "
                          "(risk.labels.levels) with risk.labels.source=column")
    ranks = [LEVEL_WORD_RANKS.get(name.strip().lower().replace(" ", "_").replace("-", "_")) for name in labels.names]
    if None not in ranks and any(a > b for a, b in zip(ranks, ranks[1:], strict=False)):
        # [high, low] (the order a sort or a value count gives), [H, M, L]: every figure of 'high' would be measured on 'low'
        ordered = [name for _, name in sorted(zip(ranks, labels.names, strict=True))]
        raise ConfigError(f"risk.labels.names: {list(labels.names)} are the risk levels out of order; expected them from "
                          f"low to high: {ordered}")
    if labels.high is not None and labels.high not in list(labels.names)[-1:]:
        given = f"is not the last of risk.labels.names {list(labels.names)}" if labels.names else "is set without risk.labels.names"
        raise ConfigError(f"risk.labels.high: {labels.high!r} {given}; expected the high-risk label, listed last in "
                          "risk.labels.names (from low to high risk)")
    reversed_pair = _names_reversed(list(labels.names)) if labels.high is None else None
    if reversed_pair:
        above, below = reversed_pair
        raise ConfigError(f"risk.labels.names: {list(labels.names)} lists {above!r} below {below!r} in risk; expected the names "
                          f"from low to high risk ({below!r} before {above!r}), or risk.labels.high={labels.names[-1]} where "
                          f"{labels.names[-1]!r} is the high-risk label")
    chance = 1 / labels.levels  # a constant guess's balanced accuracy: at or below it, every feature would be named
    if params.leakage.limit <= chance:
        raise ConfigError(f"risk.leakage.limit: {params.leakage.limit:g}; expected a balanced accuracy above chance "
                          f"({chance:.3g} for {labels.levels} levels, risk.labels.levels) up to 1")
    if labels.source == "thresholds" and not labels.cuts:
        raise ConfigError("risk.labels.cuts: empty; expected risk.labels.levels - 1 increasing values for source=thresholds")
    if params.split not in ("chronological", "cv"):
        raise ConfigError(f"risk.split: {params.split!r}; expected chronological or cv")
    if params.split == "cv" and (list(params.lead_times) != [0] or params.window != 1 or params.input.kind != "table"):
        raise ConfigError("risk.split: cv takes a case table (risk.input.kind=table) without time: expected "
                          f"risk.window=1 and risk.lead_times=[0], got window {params.window} and lead times {list(params.lead_times)}")
    taken = [("risk.time.column", params.time.column), ("risk.labels.column", labels.column),
             *(("risk.labels.sources", source) for source in labels.sources)]
    also = next((key for key, column in taken if column is not None and column == params.input.series), None)
    if also:
        raise ConfigError(f"risk.input.series: {params.input.series!r} is also {also}; expected a column naming the series "
                          "(a machine, an engine), of its own")
    if params.split == "cv" and params.input.series is not None:  # rows of one series are no independent cases
        raise ConfigError("risk.input.series: a case table (risk.split=cv) has no series; expected null, or "
                          "risk.split=chronological for a file of several series in time")
    if params.split == "cv" and params.time.column is not None:  # folds of a time series would train on its future
        raise ConfigError(f"risk.time.column: {params.time.column!r} orders the rows in time, and risk.split=cv shuffles "
                          "them into folds; expected null for a case table, or risk.split=chronological")
    if params.labels.source == "rules" and not params.labels.rules:
        raise ConfigError("risk.labels.rules: empty; expected at least one rule when risk.labels.source=rules")
    if not OmegaConf.is_missing(cfg, "model"):  # a Python caller's check of the risk keys alone
        _check_class_weight(cfg.model.params.get("class_weight"), labels.levels)
    if params.thresholds.mode not in ("optimise", "fixed"):
        raise ConfigError(f"risk.thresholds.mode: {params.thresholds.mode!r}; expected optimise or fixed")
    from minectl.risk.thresholds import OBJECTIVES, check_thresholds  # numpy only

    if params.thresholds.objective not in OBJECTIVES:
        raise ConfigError(f"risk.thresholds.objective: {params.thresholds.objective!r}; expected one of {', '.join(OBJECTIVES)}")
    if params.thresholds.mode == "fixed":  # before the data are read
        with config_keys(KEYS):
            check_thresholds(list(params.thresholds["values"]), labels.levels)
    if params.input.kind not in ("mine", "table"):
        raise ConfigError(f"risk.input.kind: {params.input.kind!r}; expected mine or table")
    table_keys = {"path": params.input.path, "categorical": list(params.input.categorical), "static": list(params.input.static)}
    given = next((key for key, value in table_keys.items() if value), None)
    if params.input.kind == "mine" and given:  # a table's path without kind=table: the mine's accounts were scored, exit 0
        raise ConfigError(f"risk.input.{given}={table_keys[given]}: read only with risk.input.kind=table, and this run scores the "
                          "mine's daily accounts (risk.input.kind=mine); expected risk.input.kind=table to read a table file")
    from minectl.risk.missing import check_policies
    from minectl.risk.timeaxis import parse_amount

    with config_keys({"missing": "risk.missing"}):  # else refused once the data are read (a sweep's earlier jobs would have run)
        check_policies(params.missing.default, dict(params.missing.columns))
    if params.split == "cv":  # a case table has no time: ffill took the previous case's value, interpolate read test folds
        policies = {"default": params.missing.default, **{f"columns.{c}": v for c, v in params.missing.columns.items()}}
        along_time = next((key for key, policy in policies.items() if policy in ("ffill", "interpolate")), None)
        if along_time:
            raise ConfigError(f"risk.missing.{along_time}={policies[along_time]} fills along time, and a case table "
                              "(risk.split=cv) holds independent rows in no time order (the value would be a neighbouring "
                              "case's); expected median or drop")
    if params.time.frequency is not None:
        parse_amount(params.time.frequency, "risk.time.frequency")
    categorical = list(params.input.categorical)
    for column in categorical:  # one-hot encoding replaces the column: a second entry, or the label, would be 'not found'
        if categorical.count(column) > 1 or column in (labels.column, *labels.sources):
            why = "is listed twice" if categorical.count(column) > 1 else "is what the label is made of (risk.labels.column/sources)"
            raise ConfigError(f"risk.input.categorical: {column!r} {why}; expected each feature column once")
    if not params.lead_times:
        raise ConfigError("risk.lead_times: empty; expected lead times >= 0")
    from minectl.risk.timeaxis import lead_index, lead_key

    named = [*((f"risk.lead_times[{i}]", lead) for i, lead in enumerate(params.lead_times)),
             ("risk.primary_lead", params.primary_lead)]
    for where, lead in named:  # [true] was said as "risk.primary_lead: 0 is not one of risk.lead_times [True]"
        if isinstance(lead, bool):
            raise ConfigError(f"{where}={str(lead).lower()}: a boolean; expected an integer number of periods or an amount like "
                              "6h, 1d, 3shift")
    keys = [lead_key(lead) for lead in params.lead_times]
    if len(set(keys)) < len(keys):  # the same models fitted again, under one metrics key
        again = next(lead for lead, key in zip(params.lead_times, keys, strict=True) if keys.count(key) > 1)
        raise ConfigError(f"risk.lead_times: {again} is given twice in {list(params.lead_times)}; expected each lead time once")
    if lead_index(list(params.lead_times), params.primary_lead, params.time.shift_hours) is None:
        raise ConfigError(f"risk.primary_lead: {params.primary_lead} is not one of risk.lead_times {list(params.lead_times)}")
    for rule in params.labels.rules:
        if rule.direction not in ("up", "down") or not rule.medium < rule.high:
            raise ConfigError(f"risk.labels.rules ({rule.column}): expected direction up/down and medium < high")
    if labels.source == "rules" and labels.levels == 3 and labels.medium_score >= labels.high_score:
        # a day reaching medium_score is high already (rule_levels): no day would be medium, unsaid
        raise ConfigError(f"risk.labels.medium_score={labels.medium_score} is not below risk.labels.high_score={labels.high_score}: "
                          "no day would be medium; expected medium_score < high_score")
    # the input last: keys that do not fit together are said whether or not the file is there
    if params.input.kind == "mine":  # its data folder, as cost's pre-check (a table input reads no data.dir)
        from minectl.data.mine import check_data_dir

        check_data_dir(cfg.data)
    else:
        from minectl.data.sources import check_input

        check_input("risk.input.path", _table_path(params.input))


# names of risk levels, and their abbreviations, by rank: names all of them out of this order are refused
LEVEL_WORD_RANKS = {"very_low": 0, "vl": 0, "low": 1, "lo": 1, "l": 1, "medium": 2, "med": 2, "m": 2, "moderate": 2,
                    "mid": 2, "high": 3, "hi": 3, "h": 3, "very_high": 4, "vh": 4}

# label words that say a hazard is absent or present: a binary class read in the order a sort or a
# value count gives ([yes, no], [true, false], [hazardous, safe]) made 'no' the high-risk level, and
# every figure of 'high' was measured on the safe rows, unsaid
ABSENT_WORDS = frozenset({"no", "n", "false", "f", "negative", "neg", "safe", "normal", "ok", "none", "absent", "off",
                          "nonhazardous", "non-hazardous", "non_hazardous"})
PRESENT_WORDS = frozenset({"yes", "y", "true", "t", "positive", "pos", "hazardous", "hazard", "unsafe", "abnormal", "danger",
                           "dangerous", "fault", "failure", "fail", "alarm", "present", "on"})


def _names_reversed(names: list[str]) -> tuple[str, str] | None:
    """(a name, a name listed after it) where ``names`` read from high to low risk: numbers that fall ([1, 0]:
    without names, 0 is the low level), or a word of a present hazard before one of none ([yes, no]); else None."""
    try:
        numbers = [float(name) for name in names]
    except ValueError:
        numbers = None
    if numbers is not None:
        return (names[0], names[1]) if len(names) > 1 and all(a > b for a, b in zip(numbers, numbers[1:], strict=False)) else None
    words = [name.strip().lower() for name in names]
    for i, word in enumerate(words):
        if word in PRESENT_WORDS:
            after = next((names[j] for j in range(i + 1, len(words)) if words[j] in ABSENT_WORDS), None)
            if after is not None:
                return names[i], after
    return None


def _table_path(given: InputConfig) -> str:
    """The file of a table input, refused when not set."""
    if not given.path:
        raise ConfigError("risk.input.path: not set; expected a .arff, .csv, .tsv or .parquet file for risk.input.kind=table")
    return given.path


@dataclass
class Prepared:
    """The configured input ready for the stages, and what preparing it found."""

    frame: pl.DataFrame
    layout: Layout
    frequency: Any  # minectl.risk.timeaxis.Frequency
    info: dict  # metrics: the time axis and the missing values filled
    missing: Any  # minectl.risk.missing.MissingReport: also the columns that left the dropped rows empty


def _daily_frame(cfg: Config, out: Optional[Run] = None, with_labels: bool = True, spec: Optional[dict] = None) -> Prepared:
    """The configured input: indicators with their missing values filled by policy, the window in
    periods, labelled when asked; its input files are registered with ``out`` when given.
    ``spec``: a saved model's (predict), whose feature columns are the only ones read, checked and filled."""
    from minectl.risk import inputs
    from minectl.risk.labels import LabelRule, LevelCut, check_cuts
    from minectl.risk.timeaxis import Frequency

    p = cfg.risk
    t = p.time
    frequency = Frequency.parse(t.frequency, t.shift_hours) if t.frequency else None
    if p.input.kind == "mine":
        if t.column is not None:
            raise ConfigError("risk.time.column: the mine's daily accounts are ordered by date; expected null with risk.input.kind=mine")
        if p.input.series is not None:
            raise ConfigError("risk.input.series: the mine's daily accounts are one series a mine; expected null with "
                              "risk.input.kind=mine")
        source = inputs.mine_source(OmegaConf.to_container(cfg.data, resolve=True),
                                    OmegaConf.to_container(cfg.costs, resolve=True))
    else:
        levels = (p.labels.column,) if p.labels.source == "column" else ()  # level codes: merged rows must agree on them
        source = inputs.table_source(_table_path(p.input), list(p.input.categorical), list(p.input.static), t.column, frequency,
                                     t.shift_hours, t.repeated, p.input.series, predicting=spec is not None, labels=levels)
    frequency = frequency or source.frequency
    if out is not None:
        out.record_inputs(source.inputs)
    dynamic = list(p.features.dynamic or [])
    if spec is not None:  # the new rows' other columns (a note, an id, gaps) refused the rows, or dropped some
        from minectl.risk.predict import model_columns

        categorical = list(p.input.categorical) if p.input.kind == "table" else []
        source = replace(source, frame=model_columns(source.frame, spec, source.series, categorical, source.time))
        dynamic = list(spec["dynamic"])
    window = frequency.periods(p.window, "risk.window")
    if window < 1:
        raise ConfigError(f"risk.window: {p.window!r} is {window} periods of {frequency.text}; expected at least 1")
    reserved = [p.labels.column, *p.labels.sources]  # what the label is made of never becomes a feature
    default = p.missing.default or ("median" if p.split == "cv" else "ffill")
    frame, layout, missing = inputs.prepared_frame(
        source, window, p.labels.levels, dynamic, list(p.features.exclude), reserved,
        default, dict(p.missing.columns), p.missing.limit, cases=p.split == "cv")
    info: dict = {"period_" + frequency.unit: frequency.count}
    if source.time_report is not None:
        info["time"] = source.time_report.as_metrics()
    info["missing"] = {"filled": {c: n for c, n in missing.filled.items() if n}, "filled_total": sum(missing.filled.values()),
                       "dropped_rows": missing.dropped_rows}
    if with_labels:
        if p.labels.source == "column":
            frame = inputs.with_column_labels(frame, layout, p.labels.column, list(p.labels.names))
        elif p.labels.source == "rules":
            rules = [LabelRule(r.column, r.medium, r.high, r.direction) for r in p.labels.rules]
            frame = inputs.with_rule_labels(frame, layout, rules, p.labels.baseline_days, p.labels.medium_score,
                                            p.labels.high_score)
        else:
            cuts = list(p.labels.cuts) if p.labels.source == "thresholds" else []
            check_cuts(cuts, list(p.labels.quantiles), p.labels.levels)
            cut = LevelCut(p.labels.levels, cuts, list(p.labels.quantiles) if p.labels.source == "quantiles" else [])
            frame, layout = inputs.with_continuous_labels(frame, layout, p.labels.column, cut)
    return Prepared(frame, layout, frequency, info, missing)


def _report_input(prep: Prepared, out: Run) -> None:
    """Say what the time axis and the missing-value policy did (column names escaped: `flow [m3/h]` is no markup)."""
    time, missing, name = prep.info.get("time"), prep.info["missing"], prep.frequency.name
    if time:
        if time["reordered_rows"]:
            out.console.print(f"time: {time['reordered_rows']} rows were out of time order; sorted by {escape(repr(prep.layout.time))}")
        if time["gaps"] or time["irregular_steps"]:
            out.console.print(f"[yellow]time: {time['gaps']} gaps (largest step {time['largest_step_periods']:g} {name}) and "
                              f"{time['irregular_steps']} steps shorter than one period; windows and lead times count rows[/yellow]")
    if missing["filled_total"] or missing["dropped_rows"]:
        filled = ", ".join(f"{c} {n}" for c, n in missing["filled"].items()) or "none"
        out.console.print(escape(f"missing values filled: {filled}; rows dropped: {missing['dropped_rows']}{_left_empty(prep)} "
                                 "(risk.missing)"))


def _left_empty(prep: Prepared) -> str:
    """' (empty in temp 3, vib 1)': the columns that left the dropped rows empty; '' where none was dropped."""
    dropped_by = prep.missing.dropped_by
    return f" (empty in {', '.join(f'{c} {n}' for c, n in dropped_by.items())})" if dropped_by else ""


def _leakage(prep: Prepared, p: RiskParams, seed: int, leads: list[int]) -> tuple[dict, dict, list[str]]:
    """Features that alone predict the label (nearly) perfectly on validation at lead 0; those that, not so at lead 0,
    do so at one of the later ``leads`` (periods; a column of later values: the label or its source shifted back, which
    at lead 0 only tells as much as persistence); and the warning lines to say once the run has its figures (said at
    once, they came before the one line of a refusal by a later check)."""
    from minectl.risk.leakage import leaking

    scores = _single_feature_scores(prep, p, seed, 0)
    if not isinstance(scores, dict):
        return {}, {}, [] if scores is None else [f"[yellow]{scores}[/yellow]"]
    flagged = leaking(scores, p.leakage.limit)
    said = [f"[yellow]leakage? feature {escape(repr(name))} alone predicts the label with balanced accuracy {score:.3f} on validation "
            "at lead 0; if it is derived from the label, add it to risk.labels.sources[/yellow]" for name, score in flagged.items()]
    ahead = {}
    for lead in sorted({lead for lead in leads if lead > 0}):  # a case table (split=cv) has lead 0 only
        later = _single_feature_scores(prep, p, seed, lead)
        found = {k: v for k, v in leaking(later, p.leakage.limit).items() if k not in flagged} if isinstance(later, dict) else {}
        if found:
            ahead[lead] = found
        said += [f"[yellow]leakage? feature {escape(repr(name))} alone predicts the label {lead} period{'' if lead == 1 else 's'} ahead "
                 f"with balanced accuracy {score:.3f} on validation, though not at lead 0: does it hold later values (the label "
                 "or its source shifted back)? expected it in risk.features.exclude[/yellow]" for name, score in found.items()]
    return flagged, ahead, said


def _single_feature_scores(prep: Prepared, p: RiskParams, seed: int, lead: int) -> dict[str, float] | str | None:
    """Each feature's single_feature_scores at ``lead`` (periods); why the check cannot tell (too_few_to_tell), or
    None where the lead's own check refuses its labels."""
    import numpy as np

    from minectl.risk.leakage import case_holdout, single_feature_scores, too_few_to_tell
    from minectl.risk.split import split_by_time
    from minectl.risk.workflow import build_dataset, fit_on_training

    data = build_dataset(prep.frame, prep.layout, lead)
    if p.split == "cv":
        from minectl.risk.cases import case_strata

        train, val = case_holdout(case_strata(data.samples.y, prep.layout), p.val_fraction, seed)
    else:
        train, val, _ = split_by_time(data.dates, p.val_fraction, p.test_fraction)
    data = fit_on_training(data, prep.layout, train)
    # any feature 'predicts' one level: the lead's own check refuses it (a case table's folds need not: too_few_to_tell says it)
    if p.split != "cv" and len(np.unique(data.samples.y[val])) < 2:
        return None
    if p.split != "cv" and len(np.unique(data.samples.y[train])) < prep.layout.n_levels:  # refused by the lead's check too
        return None
    # too few rows of a level: a column of noise would be named by chance
    return too_few_to_tell(data.samples.y[val], prep.layout.n_levels) or single_feature_scores(data, prep.layout, train, val)


def _when(key: str, value) -> Callable[[RiskParams], bool]:
    """Whether risk.<key> (a dotted path) is ``value``."""
    return lambda p: OmegaConf.select(p, key) == value


# a setting read only where another is set: given on the command line without it, it changed nothing, exit 0
# (risk.thresholds.values without risk/thresholds=fixed: the thresholds were optimised, unsaid); said, not refused:
# a sweep such as risk/thresholds=optimise,fixed risk.thresholds.values=[0.4] gives it to the jobs that read it
READ_ONLY_WITH: dict[str, tuple[str, Callable[[RiskParams], bool]]] = {
    "risk.thresholds.values": ("risk.thresholds.mode=fixed (risk/thresholds=fixed)", _when("thresholds.mode", "fixed")),
    "risk.thresholds.objective": ("risk.thresholds.mode=optimise", _when("thresholds.mode", "optimise")),
    "risk.labels.cuts": ("risk.labels.source=thresholds", _when("labels.source", "thresholds")),
    "risk.labels.quantiles": ("risk.labels.source=quantiles", _when("labels.source", "quantiles")),
    **{f"risk.labels.{key}": ("risk.labels.source=rules (risk/labels=rules)", _when("labels.source", "rules"))
       for key in ("baseline_days", "medium_score", "high_score")},
    **{f"risk.cv.{key}": ("risk.split=cv", _when("split", "cv")) for key in ("folds", "repeats")},
    "risk.leakage.limit": ("risk.leakage.enabled=true", _when("leakage.enabled", True)),
    **{f"risk.robustness.{key}": ("risk.robustness.enabled=true", _when("robustness.enabled", True))
       for key in ("mask_fraction", "noise_sd", "low_drop_share")},
    **{f"risk.importance.{key}": ("risk.importance.enabled=true", _when("importance.enabled", True)) for key in ("n_repeats", "top")},
}


def unused_settings(cfg: Config) -> list[str]:
    """A line for each setting of the command line (READ_ONLY_WITH, and the mine's data of a table run) that this run
    does not read."""
    from minectl.config import overrides_given, unread_settings

    given, lines = overrides_given() or {}, unread_settings(READ_ONLY_WITH, cfg.risk)
    if cfg.risk.input.kind == "table":
        lines += [f"{item} is read only with risk.input.kind=mine (the mine's accounts): not used by this run, which reads "
                  "risk.input.path" for key, item in given.items() if key.split(".")[0].split("/")[0] in ("data", "costs")]
    return lines


@config_keys(KEYS)
def run(cfg: Config, out: Run) -> dict:
    import polars as pl

    from minectl.estimators import build
    from minectl.risk import artefacts, summary
    from minectl.risk.timeaxis import lead_index, lead_key
    from minectl.risk.workflow import iterations_used_up

    p = cfg.risk
    model_params = OmegaConf.to_container(cfg.model.params, resolve=True)
    # an unknown model or parameter fails before any data work
    build(cfg.model._target_, model_params, "model", MODEL_SET_BY_TASK,
          window=p.window if isinstance(p.window, int) else 1, n_static=0, random_state=out.seed)
    if "torch" in sys.modules:  # a torch model (its module imports torch); lr, svm, rf, lightgbm: no torch import (0.9 s)
        import torch

        torch.set_num_threads(max(1, p.torch_threads))
    prep = _daily_frame(cfg, out)
    frame, layout = prep.frame, prep.layout
    _check_size(frame.height, layout)

    def make_model():
        return build(cfg.model._target_, model_params, "model", MODEL_SET_BY_TASK, window=layout.window,
                     n_static=len(layout.static), random_state=out.seed)

    fixed = list(p.thresholds["values"]) if p.thresholds.mode == "fixed" else None
    data_metrics = {"days": frame.height, "indicators": len(layout.dynamic), "static": len(layout.static),
                    **{k: v for k, v in prep.info.items() if k not in ("time", "missing")}}
    metrics: dict[str, Any] = {"data": data_metrics, "missing": prep.info["missing"]}
    if "time" in prep.info:
        metrics["time"] = prep.info["time"]
    keys = [lead_key(lead) for lead in p.lead_times]
    leads = [prep.frequency.periods(lead, "risk.lead_times") for lead in p.lead_times]
    if len(set(leads)) < len(leads):  # e.g. 1d and 1 of daily rows: the same fits under two keys
        again = [lead for lead, periods in zip(p.lead_times, leads, strict=True) if leads.count(periods) > 1]
        raise ConfigError(f"risk.lead_times: {again[0]} and {again[1]} are the same lead time at this data's frequency "
                          f"({prep.frequency.text}); expected each lead time once")
    short, short_said = _short_series(prep, leads, keys)
    if short:
        data_metrics["short_series"] = short
    leakage_said = []
    if p.leakage.enabled:
        flagged, ahead, leakage_said = _leakage(prep, p, out.seed, leads)
        if flagged:
            metrics["leakage"] = flagged
        if ahead:  # by lead as configured: lead_1
            metrics["leakage_ahead"] = {keys[leads.index(lead)]: found for lead, found in ahead.items()}
    # said with the figures, as the leakage lines: said at once, they came before the one line of a later refusal
    # escaped: a value or a column in brackets (`price [usd/t]`) is no console markup
    said = [*(f"[yellow]warning: {escape(line)}[/yellow]" for line in [*unused_settings(cfg), *short_said, *_changing_static(prep, p)]),
            *leakage_said]
    if p.split == "cv":
        return _run_cv(cfg, out, prep, make_model, fixed, metrics, said)

    primary = leads[lead_index(list(p.lead_times), p.primary_lead, p.time.shift_hours)]  # 24h is 1d's fits
    results = []
    with out.progress(len(leads), f"risk {cfg.model.name}: lead times") as advance:
        for lead in leads:
            result = run_lead_of(frame, layout, lead, make_model, p, fixed)
            # robustness, importance and the saved model read the primary lead's samples only; the
            # others' feature matrices (samples x window x indicators each) are let go
            results.append(result if lead == primary else replace(result, dataset=None))
            advance(1)
    primary_result = results[leads.index(primary)]
    unconverged = [key for key, r in zip(keys, results, strict=True) if iterations_used_up(r.model)]
    if unconverged:  # its scores are an unfinished fit's, said nowhere
        said.append(f"[yellow]warning: model {cfg.model.name} used all of its max_iter={results[0].model.max_iter} "
                    "iterations without converging "
                    f"at {', '.join(unconverged)}: the scores are an unfinished fit's; expected a larger "
                    "model.params.max_iter[/yellow]")
    metrics.update({key: summary.lead_summary(r.metrics) for key, r in zip(keys, results, strict=True)})
    metrics.update(summary.primary_summary(primary_result, layout.n_levels))
    out.table("predictions", pl.concat([r.predictions for r in results]))
    out.table("confusion", summary.confusion_frame(primary_result.confusion, layout.n_levels))
    if p.robustness.enabled and layout.median_fill:
        out.console.print("robustness: skipped (its masked data would need the median policy's training medians)")
    elif p.robustness.enabled:
        from minectl.risk.robustness import robustness_metrics

        r = p.robustness
        metrics["robust"] = robustness_metrics(frame, layout, primary_result, make_model, primary,
                                               r.mask_fraction, r.noise_sd, r.low_drop_share, out.seed)
    if p.importance.enabled:
        from minectl.risk.importance import importance_plot, indicator_importance

        importance = indicator_importance(primary_result, layout, p.importance.n_repeats, out.seed)
        out.table("importance", importance)
        out.plot("importance", importance_plot(importance.head(15)))
        metrics["importance"] = {row["feature"]: row["f1_drop"]
                                 for row in importance.head(p.importance.top).iter_rows(named=True)}
    if p.save_model:
        artefacts.save_model_dir(primary_result.model, out.dir / artefacts.MODEL_DIR)
        with out.artefact(artefacts.SPEC_FILE) as tmp:
            tmp.write_text(json.dumps(artefacts.model_spec(primary_result, layout, prep.frequency.text), indent=1))
    out.console.print(summary.summary_table(cfg.model.name, metrics, keys, prep.frequency.name))
    _report_input(prep, out)
    thin = summary.few_test_rows([r.confusion for r in results], keys, layout.n_levels)
    for line in [*said, *summary.verdicts(metrics, keys, p.leakage.limit if p.leakage.enabled else None), *thin]:
        out.console.print(line)
    return metrics


def _short_series(prep: Prepared, leads: list[int], keys: list[str]) -> tuple[dict[str, int], list[str]]:
    """How many series each lead time leaves out (by lead key, where any), and a line for each such series: too short
    for one window + the lead, it gives no sample there (workflow.too_short), which was said nowhere."""
    from minectl.risk.workflow import too_short

    layout, left_out = prep.layout, {}
    for key, lead in zip(keys, leads, strict=True):
        for name, rows in too_short(prep.frame, layout, lead).items():
            left_out.setdefault((name, rows), []).append(key)
    counts = {key: sum(key in lead_keys for lead_keys in left_out.values()) for key in keys}
    lines = [f"{layout.series}={name} holds {rows} rows, fewer than the window ({layout.window}) + lead time: no sample of it "
             f"at {', '.join(lead_keys)} (left out there)" for (name, rows), lead_keys in left_out.items()]
    return {key: n for key, n in counts.items() if n}, lines


def _changing_static(prep: Prepared, p: RiskParams) -> list[str]:
    """A line for each risk.input.static column of a time series whose value changes within a series (or the file): a
    static feature is read at t only, its window never, which was said nowhere. A case table's rows are cases: none."""
    import polars as pl

    layout = prep.layout
    if p.split == "cv" or not layout.static:
        return []
    counts = (prep.frame.group_by(layout.series) if layout.series else prep.frame.group_by(pl.lit(0))).agg(
        pl.col(layout.static).n_unique()).select(layout.static).max().row(0, named=True)
    where = f"a {layout.series}" if layout.series else "the file"
    return [f"risk.input.static: column {column!r} takes {n} values within {where}; a static feature is read at t only, not "
            "over the window: expected one value per series, or the column among the dynamic indicators"
            for column, n in counts.items() if n > 1]


def _check_size(rows: int, layout: Layout) -> None:
    """Refuses, before the windows are built, a feature matrix the machine cannot hold."""
    values = rows * (layout.window * len(layout.dynamic) + len(layout.static))
    if values > MAX_FEATURE_VALUES:
        raise ConfigError(f"risk.window: {rows:,} rows x {layout.window} periods x {len(layout.dynamic)} indicators "
                          f"(+ {len(layout.static)} static) = {values:,} feature values ({values * 8 / 1e9:.1f} GB, held about six "
                          f"times); expected at most {MAX_FEATURE_VALUES:,}: a shorter risk.window, fewer indicators "
                          "(risk.features.exclude) or fewer rows")


def run_lead_of(frame, layout, lead: int, make_model, p: RiskParams, fixed):
    from minectl.risk.workflow import run_lead

    return run_lead(frame, layout, lead, make_model, p.val_fraction, p.test_fraction, fixed, p.thresholds.objective)


def _run_cv(cfg: Config, out: Run, prep: Prepared, make_model, fixed, metrics: dict, said: list[str]) -> dict:
    """A case table: repeated stratified k-fold; no robustness, importance or saved model (no single fit)."""
    import polars as pl

    from minectl.risk import summary
    from minectl.risk.cases import cross_validate

    p = cfg.risk
    result = cross_validate(prep.frame, prep.layout, make_model, p.cv.folds, p.cv.repeats, p.val_fraction, fixed,
                            p.thresholds.objective, out.seed)
    metrics.update(result.metrics)
    out.table("predictions", result.predictions)
    out.table("folds", pl.DataFrame(result.folds))
    out.console.print(summary.cv_table(cfg.model.name, metrics))
    _report_input(prep, out)
    for line in [*said, *summary.cv_verdicts(metrics, p.leakage.limit if p.leakage.enabled else None)]:
        out.console.print(line)
    if p.robustness.enabled or p.importance.enabled or p.save_model:
        out.console.print("split=cv: robustness, importance and the saved model need one fitted split; not run")
    return metrics


# ---------------------------------------------------------------------------- predict


def predict(run_dir, data_cfg: Optional[dict] = None, check_units: bool = True) -> pl.DataFrame:
    """Score data with a saved risk run: one row per day with a full window.

    ``run_dir``: the run's folder, or its RunFolder already read (minectl.runfolder.read_run).

    ``data_cfg`` (plain dict) replaces the run's ``data`` node (mine inputs) or is merged into
    its ``risk.input`` node (table inputs, e.g. ``{"path": "new.arff"}``); None scores the run's
    own data. ``check_units``: refuse a feature whose values lie orders of magnitude outside its training values (a
    model saved with them: minectl.risk.predict.refuse_other_units). Returns the series/time keys, p_<level>, score and
    level columns.
    """
    return scores_and_notes(run_dir, data_cfg, check_units)[0]


@config_keys(KEYS)
def scores_and_notes(run_dir, data_cfg: Optional[dict] = None, check_units: bool = True) -> tuple[pl.DataFrame, list[str]]:
    """:func:`predict`'s scores, and the lines to say with them: what was not checked or may mislead."""
    from omegaconf.errors import OmegaConfBaseException

    from minectl.risk import artefacts
    from minectl.risk.predict import refuse_other_units, score_days
    from minectl.runfolder import RunFolder, bad, read_run

    folder = run_dir if isinstance(run_dir, RunFolder) else read_run(run_dir, ("risk",))
    run_dir = folder.dir
    try:
        cfg = OmegaConf.merge(OmegaConf.structured(Config), folder.config)
    except OmegaConfBaseException as exc:  # a tampered value the schema refuses
        raise bad(run_dir / ".hydra" / "config.yaml", str(exc).strip().splitlines()[0], "the config of a `minectl risk` run") from None
    if not (run_dir / artefacts.SPEC_FILE).exists() and (cfg.risk.split == "cv" or not cfg.risk.save_model):
        # said before as the spec file 'missing', as if the folder were damaged
        why = "risk.split=cv (no single fitted model)" if cfg.risk.split == "cv" else "risk.save_model=false"
        raise ConfigError(f"risk predict: {run_dir} was run with {why} and saved no model; expected a run folder of "
                          "`minectl risk` with risk.split=chronological and risk.save_model=true")
    spec = artefacts.read_spec(run_dir / artefacts.SPEC_FILE)
    # a damaged folder fails before the work
    model = artefacts.load_saved_model(run_dir / artefacts.MODEL_DIR, len(spec["mean"]), spec["n_levels"])
    node = "data" if cfg.risk.input.kind == "mine" else "risk.input"
    run_input = OmegaConf.to_container(OmegaConf.select(cfg, node), resolve=True)
    if data_cfg:
        from minectl.constraints import check_config

        files = [key for key in ("dir", "path", "tables") if data_cfg.get(key)] if node == "data" else []
        if files and data_cfg.get("synthetic") is not None:  # the loader's advice, data=parquet_dir, is no override of predict
            raise ConfigError(f"risk predict: data.{files[0]} is set but the data are still {run_dir}'s synthetic mine; expected "
                              "data.synthetic=null with it (risk predict takes data.<key>=..., not data=<source>)")

        if cfg.risk.input.kind == "mine":
            cfg.data = OmegaConf.merge(OmegaConf.structured(DataConfig), data_cfg)
        else:
            cfg.risk.input = OmegaConf.merge(cfg.risk.input, data_cfg)
        # the ranges a run checks before its work (data.synthetic.mines=0 was said as "mines: ...", deep in the loader)
        check_config(cfg.data, "data")
        check_config(cfg.risk.input, "risk.input")
    if "frequency" in spec:  # the windows count the run's periods, whatever the new rows' steps
        cfg.risk.time.frequency = spec["frequency"]
    prep = _daily_frame(cfg, with_labels=False, spec=spec)
    frame, layout = prep.frame, prep.layout
    notes = _check_steps(prep, run_dir)
    if OmegaConf.to_container(OmegaConf.select(cfg, node), resolve=True) == run_input:
        # the rows it was fitted on, scored as if new: a hit rate read off them is the training fit's
        notes.append(f"in-sample: {node} as in {run_dir}, so these are the run's own rows (unless its files changed since), the "
                     "ones its model was trained and tuned on among them; its out-of-sample scores are the test period's, in its "
                     "tables/predictions.parquet")
    filled = prep.info["missing"]["filled"]
    if filled:  # a run says what it filled in its own data; the new rows' gaps were filled unsaid
        notes.append(f"missing: {', '.join(f'{c} {n}' for c, n in filled.items())} empty values of the new data filled by the "
                     "run's risk.missing policy; the windows holding them score filled values, not measured ones")
    dropped = prep.info["missing"]["dropped_rows"]
    if dropped:  # a series' first rows before a column's first value: fewer scores than rows, unsaid
        notes.append(f"missing: {dropped} row{'s' * (dropped != 1)} of the new data dropped{_left_empty(prep)}: values the run's "
                     "risk.missing policy does not fill (before a column's first value, beyond risk.missing.limit); they get "
                     "no score")
    empty = [c for c in layout.median_fill if frame[c].null_count()]
    if empty:
        raise DataError(f"risk predict: column {empty[0]!r} has {frame[empty[0]].null_count()} empty values; the run fills "
                        "them with its training median (risk.missing: median), which a saved run does not keep; "
                        "expected data without gaps in that column, or a run with another policy for it")
    if check_units and "value_ranges" in spec:
        refuse_other_units(frame, spec["value_ranges"])
    elif check_units:
        notes.append(f"units: {artefacts.SPEC_FILE} of {run_dir} keeps no training value ranges (saved by an earlier minectl); "
                     "the new data's units were not checked against the training data's")
    categorical = list(cfg.risk.input.categorical) if cfg.risk.input.kind == "table" else []
    return score_days(frame, layout.series, layout.time, model, spec, categorical), notes


def _check_class_weight(weights, n_levels: int) -> None:
    """A class_weight map names each level 0..n_levels-1 with a finite weight > 0: another key (3 of two levels, or 'high')
    was ignored by the LSTMs and a traceback in scikit-learn's models; a weight <= 0 turned the LSTMs' loss (eq 12) around."""
    from minectl.risk.evaluate import level_names

    if not isinstance(weights, Mapping):  # 'balanced', null: the estimator's own check
        return
    for key, weight in weights.items():
        if isinstance(key, bool) or key not in range(n_levels):
            levels = ", ".join(f"{k} ({name})" for k, name in enumerate(level_names(n_levels)))
            raise ConfigError(f"model.params.class_weight: key {key!r} is not a level; expected the levels as keys: {levels}")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight < math.inf:
            raise ConfigError(f"model.params.class_weight.{key}={str(weight).lower()}; expected a finite weight > 0")


def _check_steps(prep: Prepared, run_dir: Path) -> list[str]:
    """New rows whose steps are mostly not the run's period (2h rows for a model of 1h windows)
    would fill each window with a span of time the model never saw: refused. A few such steps: the
    line that says so (the windows across them were scored, unsaid)."""
    time = prep.info.get("time")
    if time is None or not (time["gaps"] or time["irregular_steps"]):
        return []
    steps = prep.frame.height + prep.info["missing"]["dropped_rows"] - 1
    off = time["gaps"] + time["irregular_steps"]
    if steps > 0 and 2 * off > steps:
        raise DataError(f"risk predict: {off} of the {steps} steps of the new data's time column {prep.layout.time!r} are not "
                        f"one period of {prep.frequency.text} (largest {time['largest_step_periods']:g} periods); the model in "
                        f"{run_dir} counts windows in periods of {prep.frequency.text}: expected rows at that step")
    gaps, short = time["gaps"], time["irregular_steps"]
    return [f"time: the new data have {gaps} gap{'s' * (gaps != 1)} (largest step {time['largest_step_periods']:g} "
            f"{prep.frequency.name}) and {short} step{'s' * (short != 1)} shorter than one period; windows count rows, so a "
            "window across them spans another time than the model's"]


def predict_cli(run, overrides: list[str]) -> None:
    """`minectl risk predict RUN_DIR [data.x=... | risk.input.path=... | out=FILE]`: writes the
    scores to FILE (default outputs/risk_predict/DATE/TIME/predictions.parquet) and prints the latest days.
    ``run``: the RunFolder read by minectl.runfolder.read_run."""
    from rich.console import Console

    from minectl.atomic import atomic_path

    out = run.dir / "predictions.parquet"
    is_table = OmegaConf.select(run.config, "risk.input.kind", default="mine") == "table"
    # the node the run read its data from: a table run's data.path (or a mine run's risk.input.synthetic.seed) landed
    # in the other node under its own name; risk.input.kind=mine made a table's model score the mine's accounts
    node = "risk.input" if is_table else "data"
    dotlist, check_units = [], True
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not (key in ("out", "check_units") or key.startswith(f"{node}.")) or key == "risk.input.kind":
            read = "other than kind (the run read a table file)" if is_table else "(the run read the mine data)"
            raise ConfigError(f"risk predict: override {item!r}; expected {node}.<key>=... {read} or out=FILE (or check_units=false)")
        if key == "out":
            out = Path(value)
        elif key == "check_units":
            if value.lower() not in ("true", "false"):
                raise ConfigError(f"risk predict: check_units={value!r}; expected true or false")
            check_units = value.lower() == "true"
        else:
            dotlist.append(item.removeprefix(f"{node}."))
    if out.is_dir():  # the scores' file would replace it: os.replace refuses, after the work
        raise ConfigError(f"risk predict: out={out}: a folder; expected a file path (e.g. out={out / 'predictions.parquet'})")
    as_csv = out.suffix.lower() == ".csv"  # out=scores.csv held parquet bytes, unsaid
    if out.suffix.lower() not in ("", ".parquet", ".csv"):
        raise ConfigError(f"risk predict: out={out}: a {out.suffix} file; expected a .parquet or .csv file path (the scores are "
                          "written in the format its suffix names)")
    try:  # before the work: a place the scores cannot go
        out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(out.parent, os.W_OK):  # a read-only mount (refused to root too), another user's folder
            raise PermissionError(errno.EACCES, "no write permission, or a read-only file system")
    except OSError as exc:
        raise ConfigError(f"risk predict: out={out}: cannot write there ({exc.strerror or exc}); expected a writable file path") from None
    data_cfg = None
    if dotlist:
        base = OmegaConf.select(run.config, node, default={}) or {}
        data_cfg = OmegaConf.to_container(OmegaConf.merge(base, OmegaConf.from_dotlist(dotlist)), resolve=True)
    scores, notes = scores_and_notes(run, data_cfg, check_units)
    with atomic_path(out) as tmp:
        if as_csv:
            scores.write_csv(tmp)
        else:
            scores.write_parquet(tmp)
    console = Console()
    console.print(scores.tail(10))
    console.print(f"{scores.height} rows scored -> {out}")
    for line in notes:  # escaped: a column `flow [m3/h]` is no markup
        console.print(f"[yellow]{escape(line)}[/yellow]")
