"""Edges from the mine's own data (seed 001 Table 2's "correlation degree / sensitivity /
historical data", made from data): for each cost item, the standardised partial regression
coefficient of every driver, fitted on the training period only, with a moving-block bootstrap
interval (minectl.uncertainty.bootstrap). Weak edges (|beta| below a threshold, or an interval
that holds 0) are dropped and counted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from minectl.data.values import constant_up_to_rounding
from minectl.errors import DataError


@dataclass
class DerivedEdges:
    edges: list[dict]  # kept, in EDGE_COLUMNS form (source "data")
    estimates: pl.DataFrame  # every (driver, cost) estimate, kept or not, and why
    dropped: int
    train_rows: int
    incomplete_rows: int = 0  # training rows left out: a driver or cost missing or not finite (a ratio over 0)


def driver_values(frame: pl.DataFrame, spec: str) -> pl.Expr:
    """A column, or a ratio "a/b" of two (e.g. cost_res_diesel/qty_diesel: the diesel price paid)."""
    parts = spec.split("/")
    for part in parts:
        if part not in frame.columns:
            raise DataError(f"no column {part!r} in the mine data (a column factors.derived.drivers or costs names); "
                            f"expected one of {', '.join(frame.columns)}", param=spec)
        if not (frame.schema[part].is_numeric() or frame.schema[part] == pl.Boolean):  # text: an edited table, a CSV's units
            raise DataError(f"column {part!r} of the mine data holds {frame.schema[part]} values; expected numbers (a column "
                            "factors.derived.drivers or costs names)", param=spec)
    return (pl.col(parts[0]) / pl.col(parts[1])) if len(parts) == 2 else pl.col(parts[0])


def derive_edges(daily: pl.DataFrame, drivers: Mapping[str, str], costs: Mapping[str, str], *, train_fraction: float,
                 n_resamples: int, block_length: int, min_effect: float, confidence: float, seed: int) -> DerivedEdges:
    """``drivers``/``costs``: data column (or "a/b") -> graph entity. Rows are ordered by date;
    the first ``train_fraction`` of the dates is the training period."""
    from minectl.uncertainty.bootstrap import resample_indices

    if not drivers or not costs:
        raise DataError("expected at least one driver and one cost column", param="drivers/costs")
    # a table of several mines has a row per mine a day: ordered by mine within a day, the same order every run
    frame = daily.sort([c for c in ("date", "mine_id") if c in daily.columns]) if "date" in daily.columns else daily
    columns = {spec: driver_values(frame, spec) for spec in [*drivers, *costs]}
    values = frame.select([expr.cast(pl.Float64).alias(spec) for spec, expr in columns.items()] +
                          ([pl.col("date")] if "date" in frame.columns else []))
    dates = values["date"].unique().sort() if "date" in values.columns else None
    n_train = int(len(dates if dates is not None else values) * train_fraction)
    # no training date is no training row: dates[-1], the last date, made every row one (182 of 182 days at 0.004)
    train = values.filter(pl.col("date") <= dates[n_train - 1]) if dates is not None and n_train else values.head(n_train)
    matrix = train.select(list(columns)).to_numpy()
    complete = np.isfinite(matrix).all(axis=1)
    if complete.sum() < 10:
        _refuse_few_complete(matrix, list(columns), len(drivers))
    matrix = matrix[complete]
    spread = matrix.std(axis=0)
    names = list(columns)
    # constant up to rounding is constant: a fixed diesel price as cost / quantity was refused as "a
    # linear function of" another driver (z-scores of its 1e-16 noise); a cost of 70 +- 1e-14 got betas
    usable = [name for name, constant in zip(names, constant_up_to_rounding(matrix, axis=0), strict=True) if not constant]
    driver_cols = [i for i, name in enumerate(names[: len(drivers)]) if name in usable]
    _check_independent([names[i] for i in driver_cols], matrix[:, driver_cols])
    z = (matrix - matrix.mean(0)) / np.where(spread > 0, spread, 1.0)
    rng = np.random.default_rng(seed)
    # blocks of days, not of rows: with a row per mine a day, a block of 7 rows was 3.5 days of two mines, shorter than
    # the autocorrelation block_length is to keep
    days = np.unique(train["date"].to_numpy()[complete], return_inverse=True)[1] if dates is not None else np.arange(len(z))
    n_days = int(days.max()) + 1
    resamples = np.concatenate(list(resample_indices(n_days, n_resamples, rng, n_resamples, min(block_length, n_days))))
    if n_days < len(z):  # each drawn day's rows (rows are in date order)
        rows_of_day = np.split(np.arange(len(z)), np.flatnonzero(np.diff(days)) + 1)
        resamples = [np.concatenate([rows_of_day[day] for day in drawn]) for drawn in resamples]
    rows, edges = [], []
    alpha = (1 - confidence) / 2
    for offset, cost_spec in enumerate(costs):
        target = len(drivers) + offset
        if cost_spec not in usable or not driver_cols:  # nothing to explain, or nothing to explain it with
            rows.append(_row("*", "*", cost_spec, costs[cost_spec], None, None, None, "constant column"))
            continue
        beta = _betas(z[:, driver_cols], z[:, target])
        boot = np.array([_betas(z[idx][:, driver_cols], z[idx, target]) for idx in resamples])
        low, high = np.quantile(boot, alpha, axis=0), np.quantile(boot, 1 - alpha, axis=0)
        for j, col in enumerate(driver_cols):
            weak = abs(beta[j]) < min_effect
            spans_zero = low[j] <= 0 <= high[j]
            reason = "kept" if not (weak or spans_zero) else ("|beta| < min_effect" if weak else "interval holds 0")
            rows.append(_row(names[col], drivers[names[col]], cost_spec, costs[cost_spec], beta[j], low[j], high[j], reason))
            if reason == "kept":
                edges.append({
                    "head": drivers[names[col]], "relation": "Positive" if beta[j] > 0 else "Negative", "tail": costs[cost_spec],
                    "weight": float(min(abs(beta[j]), 1.0)), "sign": 1 if beta[j] > 0 else -1, "unit": "standardised beta",
                    "condition": None, "source": "data", "effect_low": float(low[j]), "effect_high": float(high[j]),
                    "confidence": confidence,
                    "cite": f"data: {names[col]} -> {cost_spec}, beta {beta[j]:+.3f} [{low[j]:+.3f}, {high[j]:+.3f}], "
                            f"{len(z)} training rows, {n_resamples} block-bootstrap resamples (block {block_length})",
                })
    for spec in names[: len(drivers)]:
        if spec not in usable:
            rows.append(_row(spec, drivers[spec], "*", "*", None, None, None, "constant column"))
    estimates = pl.DataFrame(rows, schema={"column": pl.String, "driver": pl.String, "cost_column": pl.String, "cost": pl.String,
                                           "beta": pl.Float64, "low": pl.Float64, "high": pl.Float64, "status": pl.String},
                             orient="row")
    return DerivedEdges(edges, estimates, int((estimates["status"] != "kept").sum()), len(z), int((~complete).sum()))


def _refuse_few_complete(matrix: np.ndarray, names: list[str], n_drivers: int) -> None:
    """Fewer than 10 training rows with every column finite, refused naming the column missing most: one empty or not
    finite on every day (a fleet without diesel: `cost_res_diesel/qty_diesel` is 0/0) was "lower the share of bad rows
    or raise train_fraction", which named no column and no setting that helped."""
    complete, bad = int(np.isfinite(matrix).all(axis=1).sum()), (~np.isfinite(matrix)).sum(axis=0)
    worst = int(bad.argmax())
    if not bad[worst]:  # every row complete: too few training days
        raise DataError(f"{complete} complete training rows; expected at least 10 (raise train_fraction)", param="train_fraction")
    key = "drivers" if worst < n_drivers else "costs"
    raise DataError(f"{complete} complete training rows; expected at least 10 (column {names[worst]!r} is empty or not finite in "
                    f"{bad[worst]} of the {len(matrix)} training rows: leave it out of factors.derived.{key}, or raise "
                    "train_fraction)", param=key)


def _row(column, driver, cost_column, cost, beta, low, high, status) -> tuple:
    return (column, driver, cost_column, cost, None if beta is None else float(beta),
            None if low is None else float(low), None if high is None else float(high), status)


def _check_independent(names: list[str], x: np.ndarray) -> None:
    """No driver a linear function of the others in the training rows (haul_km and haul_m, a column
    given twice): least squares split their one effect between them, and both could be kept or dropped."""
    def dependent(columns: list[int]) -> bool:
        design = np.column_stack([np.ones(len(x)), x[:, columns]])
        return np.linalg.matrix_rank(design) < design.shape[1]

    for j, name in enumerate(names):
        if dependent(list(range(j + 1))):
            pair = [i for i in range(j) if dependent([i, j])][:1]  # the usual case: one column in two units
            raise DataError(f"driver {name!r} is a linear function of {', '.join(repr(names[i]) for i in pair or range(j))} in the "
                            "training rows; expected drivers that vary independently (drop one)", param="drivers")


def _betas(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of standardised y on standardised x (with an intercept for resamples)."""
    design = np.column_stack([np.ones(len(x)), x])
    return np.linalg.lstsq(design, y, rcond=None)[0][1:]
