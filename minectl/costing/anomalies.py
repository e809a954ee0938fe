"""Anomalies and their likely source (seed 000, section 3.2, decision feedback).

Two detectors over the daily table, both against a trailing baseline of the previous
``window`` days of the same mine (today left out):

- z-score: ``z = (x - mean) / sd`` for each monitored item; ``|z| >= z`` flags the day;
- declarative rules: each condition compares an indicator's relative change
  ``x / mean - 1`` (on ``|mean|``) with a threshold (``up``: >= t, ``down``: <= -t, ``flat``: |change| < t);
  a rule fires when all its conditions hold, e.g. kWh/t and downtime up while maintenance
  cost is flat -> "equipment efficiency decline".

A flagged item is attributed to the rules that fired for the same mine and day.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from minectl.costing.mapping import check_keys, finite_float
from minectl.errors import ConfigError
from minectl.features.intensities import relative_change

DIRECTIONS = ("up", "down", "flat")
UNEXPLAINED = "unexplained"
BY = ["mine_id"]  # baselines are per mine
CONSTANT_RTOL = 1e-9  # a baseline sd or a move this small relative to the mean is rounding: a constant, no move
SCHEMA = {
    "date": pl.Date,
    "mine_id": pl.String,
    "item": pl.String,
    "method": pl.String,
    "score": pl.Float64,
    "size": pl.Float64,
    "attribution": pl.String,
    "indicators": pl.String,
}


@dataclass(frozen=True)
class Condition:
    indicator: str
    direction: str
    threshold: float


@dataclass(frozen=True)
class Rule:
    name: str
    conditions: tuple[Condition, ...]


def rules_from_config(specs: Mapping[str, Any], key: str = "costs.anomaly_rules") -> tuple[Rule, ...]:
    """Rules from ``{name: {indicator: {direction: up|down|flat, threshold: t}}}``."""
    rules = []
    for name, conditions in specs.items():
        if not isinstance(conditions, Mapping) or not conditions:
            raise ConfigError(f"{key}.{name}: expected a mapping of indicator -> {{direction, threshold}}")
        parsed = []
        for indicator, spec in conditions.items():
            where = f"{key}.{name}.{indicator}"
            direction = check_keys(spec, ("direction", "threshold"), where).get("direction")
            if direction not in DIRECTIONS:
                raise ConfigError(f"{where}.direction: {direction!r} is not one of {list(DIRECTIONS)}")
            threshold = finite_float(spec.get("threshold"))
            if threshold is None or not threshold > 0:  # inf: an `up` that never fires, a `flat` that always holds
                raise ConfigError(f"{where}.threshold: {spec.get('threshold')!r}; expected a finite relative change > 0, e.g. 0.15")
            if direction == "down" and threshold > 1:  # a percent (15 for 15 %): a fall below -100 % never comes
                raise ConfigError(f"{where}.threshold: {threshold:g} for direction 'down' is a fall of more than 100 %, which no "
                                  f"cost or quantity >= 0 makes (the rule never fires); expected a fraction <= 1, e.g. 0.15 for 15 %")
            if direction == "flat" and threshold > 1:  # a percent (10 for 10 %): holds for every fall and most rises
                raise ConfigError(f"{where}.threshold: {threshold:g} for direction 'flat' counts any value from 0 to "
                                  f"{threshold + 1:g} times the trailing mean as flat; expected a fraction <= 1, e.g. 0.10 for 10 %")
            parsed.append(Condition(str(indicator), direction, threshold))
        rules.append(Rule(str(name), tuple(parsed)))
    return tuple(rules)


def no_number_column(column: str, not_numbers: Collection[str]) -> str:
    """What ``column`` is, in an error line: a column of the daily table that is no number (``not_numbers``), or none."""
    if column in not_numbers:
        return "a column of the daily table that is no number (a key, text or a yes/no flag)"
    return "not a column of the daily table"


def check_indicators(rules: Iterable[Rule], items: Iterable[str], columns: Sequence[str], key: str,
                     not_numbers: Collection[str] = ()) -> None:
    """Every rule indicator and monitored item must be a number column of the daily table (``columns``, less
    ``not_numbers``: the keys, text and flags, whose change or z-score was a traceback or a figure of nothing)."""
    known = set(columns) - set(not_numbers)
    rules = list(rules)
    for rule in rules:
        for c in rule.conditions:
            if c.indicator in not_numbers:
                raise ConfigError(f"{key}.{rule.name}.{c.indicator}: {no_number_column(c.indicator, not_numbers)}; expected "
                                  f"one of {sorted(known)}")
    unknown = [f"{key}.{rule.name}.{c.indicator}" for rule in rules for c in rule.conditions if c.indicator not in known]
    if unknown:  # all at once: without the equipment table, several rules read its columns
        raise ConfigError(
            f"{', '.join(unknown)}: not {'a column' if len(unknown) == 1 else 'columns'} of the daily table (a rule is "
            f"removed with ~{key}.<name>, all of them with {key}=null); expected one of {sorted(known)}"
        )
    for item in items:
        if item not in known:
            raise ConfigError(f"{item!r} is {no_number_column(item, not_numbers)}; expected one of {sorted(known)}", param="items")


def check_detector(window: int, z: float) -> None:
    if window < 2:
        raise ConfigError(f"{window}; expected at least 2 days", param="window")
    if not z > 0:
        raise ConfigError(f"{z}; expected a z-score threshold > 0, e.g. 3", param="z")


def _baseline(column: str, window: int) -> tuple[pl.Expr, pl.Expr]:
    """The mean and sd of the previous ``window`` days of the mine (rows in mine and date order); null
    where it lacks a row of one of those days: the rows before a day the daily table skips (no consumption
    record at all) reached further back in time than the window (14 rows, 15 days)."""
    previous = pl.col(column).shift(1)
    days = pl.col("date") - pl.col("date").shift(window) == pl.duration(days=window)
    mean = pl.when(days).then(previous.rolling_mean(window, min_samples=window)).over(BY)
    sd = pl.when(days).then(previous.rolling_std(window, min_samples=window)).over(BY)
    return mean, sd


def _change(column: str, window: int) -> pl.Expr:
    """``x / mean - 1`` on ``|mean|`` (a rise from a negative mean is up, as ``relative_change``); from a
    mean of 0, no change where x is 0 too and an unbounded one (inf, its sign) where it is not: outsourced
    haulage starting after 14 days without any is the rise the haulage rule looks for, and a maintenance
    cost of 0 that stays 0 has not moved (both were null: no rule fired). Null without a full window."""
    mean, _ = _baseline(column, window)
    x = pl.col(column)
    return relative_change(x, mean).when(mean == 0).then(pl.when(x == 0).then(0.0).otherwise(x.sign() * float("inf")))


def _holds(change: pl.Expr, c: Condition) -> pl.Expr:
    if c.direction == "up":
        return change >= c.threshold
    if c.direction == "down":
        return change <= -c.threshold
    return change.abs() < c.threshold


def rule_hits(daily: pl.DataFrame, rules: Sequence[Rule], *, window: int) -> pl.DataFrame:
    """One row per (day, mine, rule that fired); ``size`` is the lead (first) indicator's
    relative change and ``indicators`` lists every condition's indicator and change."""
    frames = []
    for rule in rules:
        changes = {f"_chg{i}": _change(c.indicator, window) for i, c in enumerate(rule.conditions)}
        fired = pl.all_horizontal(
            _holds(pl.col(name), c).fill_null(False) for name, c in zip(changes, rule.conditions, strict=True)
        )
        described = pl.concat_str(
            [
                pl.format("{} {} {}", pl.lit(c.indicator), pl.lit(c.direction),  # from a mean of 0: "from 0", not "inf%"
                          pl.when(pl.col(name).is_infinite()).then(pl.lit("from 0"))
                          .otherwise(pl.format("{}%", (pl.col(name) * 100).round(1))))
                for name, c in zip(changes, rule.conditions, strict=True)
            ],
            separator="; ",
        )
        frames.append(
            daily.lazy()
            .sort([*BY, "date"])
            .with_columns(**changes)
            .filter(fired)
            .select(
                "date",
                *BY,
                item=pl.lit(rule.name),
                method=pl.lit("rule"),
                score=pl.lit(None, dtype=pl.Float64),
                size=pl.col("_chg0"),
                attribution=pl.lit(rule.name),
                indicators=described,
            )
        )
    return _collect(frames)


def zscore_hits(
    daily: pl.DataFrame, items: Sequence[str], *, window: int, z: float
) -> pl.DataFrame:
    """One row per (day, mine, item) with ``|z| >= z``; ``size`` = x - baseline mean. From a constant
    baseline (sd 0, or within rounding: CONSTANT_RTOL of the mean) a move beyond rounding is an unbounded
    one (z = inf, its sign), as ``_change`` takes a rise from a mean of 0, and none is no move: a cost
    flat for the window, then 10x, had no z (null) and was never flagged, and a share constant but for
    its last bit (sd 6e-17) was flagged at z = 6 for a change of 3e-16."""
    frames = []
    for item in items:
        mean, sd = _baseline(item, window)
        size = pl.col(item) - mean
        rounding = CONSTANT_RTOL * mean.abs()
        score = pl.when(sd > rounding).then(size / sd).when(size.abs() > rounding).then(size.sign() * float("inf"))
        frames.append(
            daily.lazy()
            .sort([*BY, "date"])
            .with_columns(_z=score, _size=size)
            .filter(pl.col("_z").abs() >= z)
            .select(
                "date",
                *BY,
                item=pl.lit(item),
                method=pl.lit("zscore"),
                score=pl.col("_z"),
                size=pl.col("_size"),
                attribution=pl.lit(None, dtype=pl.String),
                indicators=pl.lit(None, dtype=pl.String),
            )
        )
    return _collect(frames)


def find_anomalies(
    daily: pl.DataFrame,
    items: Sequence[str],
    rules: Sequence[Rule],
    *,
    window: int,
    z: float,
) -> pl.DataFrame:
    """z-score hits attributed to the rules that fired the same day (else ``unexplained``),
    followed by the rule hits themselves; sorted by date, mine."""
    check_detector(window, z)
    fired = rule_hits(daily, rules, window=window)
    explained = fired.group_by(["date", *BY]).agg(
        pl.col("attribution").sort().str.join(", ").alias("_rules"),
        pl.col("indicators").sort_by("attribution").str.join(" | ").alias("_indicators"),
    )
    zs = (
        zscore_hits(daily, items, window=window, z=z)
        .join(explained, on=["date", *BY], how="left")
        .with_columns(
            attribution=pl.col("_rules").fill_null(UNEXPLAINED),
            indicators=pl.col("_indicators"),
        )
        .drop("_rules", "_indicators")
    )
    return pl.concat([zs, fired]).sort(["date", *BY, "method", "item"])


def _collect(frames: list[pl.LazyFrame]) -> pl.DataFrame:
    if not frames:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(pl.collect_all(frames)).cast(SCHEMA).sort(["date", "mine_id", "item"])
