"""Decision engine: a price maps to objective weights by a declarative rule; the weights pick a
Pareto point. High price -> weight on output, low price -> weight on stability (seed 002, 4.7)."""

from __future__ import annotations

import numpy as np
import polars as pl

SCALARISATIONS = ("tchebycheff", "weighted_sum")


def price_weights(price: float, low_price: float, high_price: float, weights_at_low, weights_at_high) -> np.ndarray:
    """Weights interpolated linearly between the two price anchors (clipped outside), summing to 1.
    Each anchor is normalised first: interpolated raw, an anchor in percent (80/20) outweighed one
    in fractions (0.2/0.8) and held the weights near itself across the whole price band."""
    low, high = (np.asarray(w, float) / np.sum(w) for w in (weights_at_low, weights_at_high))
    share = float(np.clip((price - low_price) / (high_price - low_price), 0.0, 1.0))
    weights = (1 - share) * low + share * high
    return weights / weights.sum()


def normalised(F: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Minimisation-form objectives scaled to [0, 1] by the front's range: 0 = the front's best."""
    span = np.where(upper > lower, upper - lower, 1.0)
    return (np.asarray(F, float) - lower) / span


def scalarise(F_normalised: np.ndarray, weights, method: str) -> np.ndarray:
    """Score per row, lower is better. ``weighted_sum``: sum of w * f; it only ever picks the
    ends of a straight front. ``tchebycheff``: max of w * f, the weighted distance to the ideal
    point; it moves along any front shape as the weights change."""
    weighted = np.asarray(F_normalised, float) * np.asarray(weights, float)
    return weighted.max(axis=1) if method == "tchebycheff" else weighted.sum(axis=1)


def select_point(F: np.ndarray, weights, method: str = "tchebycheff") -> int:
    """Index of the front point with the best scalarised, front-normalised objectives."""
    return int(np.argmin(scalarise(normalised(F, F.min(axis=0), F.max(axis=0)), weights, method)))


def last_price(frame: pl.DataFrame, column: str, model: str | None = None) -> tuple[float, int]:
    """The latest value of ``column`` (rows ordered by ``date`` when present) and the count of
    rows after it without one (a month not published yet: the caller says so); a forecast table
    (``date``, ``model``, ``forecast``) is first filtered to ``model``. Raises KeyError naming a
    missing column, ValueError when the model is ambiguous or absent or no value is left."""
    for name in [column] + (["model"] if model is not None else []):
        if name not in frame.columns:
            raise KeyError(name)
    if model is not None:
        frame = frame.filter(pl.col("model") == model)
    elif "model" in frame.columns and frame["model"].n_unique() > 1:
        raise ValueError(f"several models {sorted(frame['model'].unique().to_list())}: name one")
    if "date" in frame.columns:
        frame = frame.sort("date")
    known = frame[column].is_not_null().arg_true()
    if known.is_empty():
        raise ValueError(f"no value in column {column!r}" + (f" for model {model!r}" if model else ""))
    return float(frame[column][known[-1]]), frame.height - 1 - int(known[-1])


def field_deviation(predicted: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """Relative deviation (predicted - measured) / measured of each response (seed 002 Table 12)."""
    measured = np.asarray(measured, float)
    return (np.asarray(predicted, float) - measured) / measured


def near_band(values, low_price: float, high_price: float) -> np.ndarray:
    """Which prices come near the decision band at all: within [low / 2, 2 x high] (further off, the price of another
    commodity or in another unit)."""
    values = np.asarray(values, dtype=float)
    return (values >= low_price / 2) & (values <= 2 * high_price)


def check_price_path(values, unit: str | None, low_price: float, high_price: float, band_unit: str | None,
                     where: str) -> None:
    """A price path must speak the decision band's language: the same unit when both are named,
    and values that come near the band at all (some value within [low / 2, 2 x high]), else a
    ValueError naming both (e.g. coal in USD/t against an ore band of 300-450 CNY/t)."""
    from minectl.costing.mapping import _unit_key  # the cost mapping's comparison: `CNY / t` = `cny/t` = `CNY per t`

    values = np.asarray(values, dtype=float)
    band = f"the decision's price band {low_price:g}-{high_price:g}" + (f" {band_unit}" if band_unit else "")
    if unit and band_unit and _unit_key(unit) != _unit_key(band_unit):  # compared as text, `CNY / t` was refused beside CNY/t
        raise ValueError(f"{where}: prices in {unit}, {band}; expected prices in {band_unit}")
    if not np.any(near_band(values, low_price, high_price)):
        raise ValueError(f"{where}: prices {values.min():.4g}-{values.max():.4g}" + (f" {unit}" if unit else "")
                         + f" are nowhere near {band} (not even within {low_price / 2:g}-{2 * high_price:g}); "
                         "expected a price series of the band's commodity and unit")


def check_price_frame(frame: pl.DataFrame, column: str, model: str | None, low_price: float, high_price: float,
                      band_unit: str | None, where: str) -> None:
    """check_price_path on a price series or forecast table as last_price reads it: ``column``
    (of ``model``'s rows when named) and the table's `unit` column when it has one."""
    if model is not None and "model" in frame.columns:
        frame = frame.filter(pl.col("model") == model)
    units = frame["unit"].drop_nulls().unique().to_list() if "unit" in frame.columns else []
    if len(units) > 1:
        raise ValueError(f"{where}: several units {sorted(units)} in one price path; expected one")
    check_price_path(frame[column].drop_nulls().to_numpy(), units[0] if units else None, low_price, high_price, band_unit, where)
