"""Cost-risk labels: from declarative rules (seed 000 section 3.1), a label column, or a continuous
column cut into 2..5 levels at fixed thresholds or training-part quantiles (LevelCut)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from minectl.errors import ConfigError, DataError


@dataclass(frozen=True)
class LabelRule:
    """One indicator's deviation from its trailing baseline, in baseline standard deviations.

    level 1 when the deviation reaches ``medium``, 2 when it reaches ``high``; ``direction``
    "up" flags rises (unit cost, kWh/t, downtime, maintenance), "down" flags falls.
    """

    column: str
    medium: float = 1.0
    high: float = 2.0
    direction: str = "up"


def rule_levels(values: np.ndarray, rule: LabelRule, baseline_days: int) -> np.ndarray:
    """Per-day level 0/1/2 of one rule; the baseline uses the ``baseline_days`` days before t only, those with a value:
    an empty one (left for the median policy) was NaN in every baseline it fell in, scoring the next baseline_days days 0.
    A day without a value scores 0."""
    series = pl.Series(values, dtype=pl.Float64).fill_nan(None)
    past = series.shift(1)
    mean = past.rolling_mean(baseline_days, min_samples=2).to_numpy()
    std = past.rolling_std(baseline_days, min_samples=2).to_numpy()
    sign = 1.0 if rule.direction == "up" else -1.0
    move = sign * (np.asarray(values, dtype=float) - mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        deviation = move / np.where(std > 0, std, np.nan)
    # a flat baseline (sd 0: downtime 0 h for a month): a move in the rule's direction is beyond any multiple of its sd,
    # the clearest deviation there is (it scored 0, as no move does)
    deviation = np.where((std == 0) & (move > 0), np.inf, deviation)
    deviation = np.nan_to_num(deviation, nan=0.0)
    return (deviation >= rule.medium).astype(np.int64) + (deviation >= rule.high).astype(np.int64)


def rule_labels(
    frame: pl.DataFrame, rules: list[LabelRule], baseline_days: int, medium_score: int, high_score: int
) -> np.ndarray:
    """Risk per day: the rule levels are summed; >= high_score is high (2), >= medium_score medium (1)."""
    for rule in rules:
        if rule.column not in frame.columns:
            raise DataError(
                f"risk label rule: column {rule.column!r} not in the daily table (has {', '.join(frame.columns)})"
            )
    score = sum(rule_levels(frame[rule.column].to_numpy(), rule, baseline_days) for rule in rules)
    return np.where(score >= high_score, 2, np.where(score >= medium_score, 1, 0)).astype(np.int64)


def _check_label_column(frame: pl.DataFrame, column: str) -> None:
    if column not in frame.columns:  # 'risk', the default, said nothing of the key a table's label is named in
        raise DataError(f"risk labels: column {column!r} not found (has {', '.join(frame.columns)}); expected the label "
                        "column's name in risk.labels.column")


def column_labels(frame: pl.DataFrame, column: str, n_levels: int, names: list[str] = ()) -> np.ndarray:
    """Labels read from a column: integers 0..n_levels-1, or with ``names`` (text labels from low
    to high, e.g. ['no', 'yes']) their positions; every level must occur."""
    _check_label_column(frame, column)
    values = frame[column]
    if values.dtype.is_float():  # pandas' empty label in a parquet or csv is NaN: one missing, not a text label
        values = values.fill_nan(None)
    if values.null_count():
        first = int(values.is_null().arg_true()[0])
        raise DataError(f"risk labels: column {column!r} has {values.null_count()} missing values (first in row {first + 1} of the "
                        "rows in time order); expected a label in every row")
    found = sorted(map(str, values.cast(pl.String).unique().to_list()))
    shown = ", ".join(repr(v) for v in found[:6]) + (", ..." if len(found) > 6 else "")
    if names and values.dtype == pl.Boolean:  # read as false/true; the config's [false, true] arrives as ['False', 'True']
        names = [name.lower() for name in names]
    if names:
        text = _label_text(values)
        unknown = sorted(set(text.unique().to_list()) - set(names))
        if unknown:
            near = {name.lower(): name for name in names}.get(unknown[0].lower())  # 'Yes' and 'yes' may be two labels: not guessed
            case = f" (names match letter case: it is not {near!r})" if near else ""
            raise DataError(f"risk labels: column {column!r} holds {unknown[0]!r}, which is not in risk.labels.names "
                            f"{list(names)}{case}; expected one of them in every row")
        labels = text.replace_strict(list(names), list(range(n_levels)), return_dtype=pl.Int64)
    else:
        labels = values.cast(pl.Int64, strict=False)
        fractional = values.dtype.is_float() and (values != labels).any()  # 0.5 would be cast to level 0
        if fractional or labels.null_count() or not labels.is_between(0, n_levels - 1).all():
            hint = "; or text labels listed from low to high risk in risk.labels.names=[...]" if labels.null_count() else ""
            if not fractional and not labels.null_count() and len(found) == n_levels:  # classes coded 1/2 (UCI's habit)
                codes = ",".join(map(str, sorted(labels.unique().to_list())))  # in numeric order: 2 before 10
                hint = f"; or these {n_levels} labels listed from low to high risk in risk.labels.names=[{codes}]"
            elif not fractional and not labels.null_count() and labels.min() == 0 and labels.max() < 5:  # 0..3 of 3 levels
                hint = f"; or risk.labels.levels={labels.max() + 1} for levels 0..{labels.max()}"
            raise DataError(f"risk labels: column {column!r} must hold integers 0..{n_levels - 1} (found {shown}){hint}")
    absent = sorted(set(range(n_levels)) - set(labels.unique().to_list()))
    if absent:
        level = names[absent[0]] if names else absent[0]
        held = n_levels - len(absent)  # levels is 2..5: one level held is no setting of it, but too little data
        fix = f"risk.labels.levels={held}?" if held >= 2 else "at least two levels: more rows?"
        raise DataError(f"risk labels: column {column!r} never holds level {level!r} of {n_levels} (found {shown}); "
                        f"expected every level in the data ({fix})")
    return labels.to_numpy()


def _label_text(values: pl.Series) -> pl.Series:
    """Label values as risk.labels.names spells them: whole-number floats as integers (a csv's 1.0 is the
    name 1, as it is the level 1 without names), text without the spaces an export pads a cell with
    (' yes' is yes, as ' 1' reads 1)."""
    text = values.cast(pl.String)
    if values.dtype.is_float():  # per value: of 0.0 and 0.5, 0.5 is the one no name spells
        whole = values.is_finite() & (values == values.round(0)) & (values.abs() <= 2**53)
        text = pl.select(pl.when(whole).then(values.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(text)).to_series()
    return text.str.strip_chars()


class LevelCut:
    """A continuous column cut into ``n_levels`` ordered levels (level k: at or above the k-th
    cut): at fixed ``cuts``, or at the ``quantiles`` of the values it is fitted on (the training
    part only; equal shares when ``quantiles`` is empty)."""

    def __init__(self, n_levels: int, cuts=(), quantiles=()):
        self.n_levels = n_levels
        self.cuts = list(cuts)
        self.quantiles = list(quantiles)

    @property
    def fitted_on_data(self) -> bool:
        return not self.cuts

    def fit(self, values: np.ndarray) -> "LevelCut":
        if self.cuts:
            self.cuts_ = np.asarray(self.cuts, dtype=float)
            return self
        probabilities = self.quantiles or [k / self.n_levels for k in range(1, self.n_levels)]
        self.cuts_ = np.quantile(np.asarray(values, dtype=float), probabilities)
        # equal cuts, or a first cut at the minimum (a column mostly one value): a level without a
        # training value, which was refused later as "a single level", naming no cut
        counts = np.bincount(self.transform(values), minlength=self.n_levels)
        if not counts.all():
            raise DataError(f"risk labels: the training quantiles {list(probabilities)} cut at {self.cuts_.tolist()}, which leaves "
                            f"level {int(np.argmin(counts))} without a training value (many equal values); expected cuts that "
                            "split them (fewer levels or fixed cuts)")
        return self

    def transform(self, values: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.cuts_, np.asarray(values, dtype=float), side="right").astype(np.int64)


def check_cuts(cuts: list[float], quantiles: list[float], n_levels: int) -> None:
    """Fixed cuts or quantile levels: n_levels - 1 strictly increasing numbers (quantiles in (0, 1))."""
    for name, values in (("cuts", cuts), ("quantiles", quantiles)):
        if values and (len(values) != n_levels - 1 or np.any(np.diff(values) <= 0)):
            raise ConfigError(f"{values}: expected {n_levels - 1} strictly increasing values for {n_levels} levels", param=name)
    if quantiles and not all(0 < q < 1 for q in quantiles):
        raise ConfigError(f"{quantiles}: expected levels inside (0, 1)", param="quantiles")


def check_reached(values: np.ndarray, cuts: list[float], column: str) -> None:
    """Fixed ``cuts`` of a column's ``values`` that leave a level without a row of the whole column (a cut above its
    largest value, cuts in another unit): refused naming them and the values' span, which the training part's
    check later said only as 'holds a single level'."""
    counts = np.bincount(np.searchsorted(cuts, values, side="right"), minlength=len(cuts) + 1)
    if not counts.all():
        given = ", ".join(f"{c:g}" for c in cuts)
        raise ConfigError(f"[{given}] leave level {int(np.argmin(counts))} of {len(cuts) + 1} without a row: column {column!r} "
                          f"spans {values.min():g}..{values.max():g}; expected cuts that give every level rows", param="cuts")


def continuous_target(frame: pl.DataFrame, column: str) -> np.ndarray:
    """The numeric column a label is cut from, complete and finite."""
    _check_label_column(frame, column)
    values = frame[column].cast(pl.Float64, strict=False)
    bad = values.is_null() | values.is_nan()
    if bad.any():
        raise DataError(f"risk labels: column {column!r} has {int(bad.sum())} missing or non-numeric values; "
                        "expected a number in every row")
    return values.to_numpy()
