"""Units and number formats of the report's tables and headline figures."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

# Exact column names whose unit is known; "{cur}" is the run's currency (costs.currency), "{out}" the
# production column a unit cost is per (cost.output).
UNITS: dict[str, str] = {
    "cost": "{cur}", "unit_cost": "{cur}/{out}", "unit_cost_rm": "{cur}/{out}", "cost_rm": "{cur}", "price": "{cur}/unit",
    "quantity": "unit", "kwh_per_t": "kWh/t", "kwh_per_t_rm": "kWh/t", "maintenance_cost_per_t": "{cur}/t",
    "failures": "count", "f1_drop": "F1", "t_a": "t/a",
    "cost_chg": "share", "unit_cost_chg": "share", "kwh_per_t_chg": "share",
    "range_low_pct": "%", "range_high_pct": "%", "subsidence_cm_pred": "cm", "subsidence_cm_sim": "cm",
    "ore_t_pred": "t", "ore_t_sim": "t",
}
# Name endings, longest first: the unit a column name states itself.
SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_mt_a", "Mt/a"), ("_t_a", "t/a"), ("_m3s", "m³/s"), ("_m3h", "m³/h"), ("_pct", "%"), ("_km", "km"),
    ("_cm", "cm"), ("_kwh", "kWh"), ("_t", "t"), ("_m", "m"), ("_h", "h"), ("_d", "d"),
)
# Name beginnings: costs of a category, stage or resource are money; shares are fractions.
PREFIXES: tuple[tuple[str, str], ...] = (("cost_", "{cur}"), ("share_", "share"), ("share.", "share"))


def unit_of(name: str, currency: str = "CNY", output: str = "t") -> str:
    """The unit of a column or metric name ('' when the name does not say); a unit cost is per ``output``."""
    leaf = name.rsplit(".", 1)[-1]
    unit = UNITS.get(leaf)
    if unit is None:
        unit = next((u for suffix, u in SUFFIXES if leaf.endswith(suffix)), None)
    if unit is None:
        unit = next((u for prefix, u in PREFIXES if leaf.startswith(prefix) or name.startswith(prefix)), "")
    return unit.replace("{cur}", currency).replace("{out}", output)


def header(name: str, currency: str = "CNY", output: str = "t") -> str:
    unit = unit_of(name, currency, output)
    return f"{name} [{unit}]" if unit else name


def number(value: Any) -> str:
    """A value as a person reads it: thousands separated, 4 significant digits below 1000."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if 1000 <= abs(value) < 1e15:  # costs of a mine run to billions: digits, not 1.8e+09
            return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.1f}"
        return f"{value:.4g}"  # also below 1e-4 (3e-05, not 0.0) and from 1e15 on
    return str(value)


def sort_key(value: Any) -> str:
    """What a sortable table column sorts by: numbers as numbers, anything else as text. The page's
    parseFloat reads the key: +-inf as "Infinity" (Python's "inf" is text to it, so -inf sorted among
    the numbers by its letters), NaN as "" like a missing value (first, never among the numbers)."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value)) if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    # a date as its number: parseFloat("2023-02-01") is 2023, so a date column sorted by the year alone
    if isinstance(value, datetime):
        return repr((value - datetime(1970, 1, 1, tzinfo=value.tzinfo)).total_seconds())
    if isinstance(value, date):
        return repr(float(value.toordinal()))
    if isinstance(value, timedelta):
        return repr(value.total_seconds())
    return "" if value is None else str(value)
