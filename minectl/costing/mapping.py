"""The "resource consumption -> activity -> cost object" mapping (seed 000, section 3.2).

``CostMapping.from_dict`` takes the plain ``costs`` config node and checks it: every
resource has a known category and a price (constant here, or rows in a price table),
every activity has a known stage and uses declared resources, and no price names an
unknown resource. Errors are one line naming the key and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from minectl.data.names import shown
from minectl.errors import ConfigError, DataError

CATEGORIES = ("material", "energy", "labour", "maintenance", "safety_env", "other")
STAGES = ("mining", "transport", "beneficiation", "maintenance", "management")
COST_OBJECTS = ("stage", "mine", "product")


@dataclass(frozen=True)
class Resource:
    name: str
    unit: str
    category: str
    price: float | None  # None: the price comes from a price table


@dataclass(frozen=True)
class Activity:
    name: str
    stage: str
    resources: tuple[str, ...]


@dataclass(frozen=True)
class PricePoint:
    resource: str
    valid_from: date
    price: float


@dataclass(frozen=True)
class CostMapping:
    resources: dict[str, Resource]
    activities: dict[str, Activity]
    prices: tuple[PricePoint, ...] = ()
    cost_objects: tuple[str, ...] = ("stage", "mine")
    currency: str = "CNY"

    @property
    def categories(self) -> tuple[str, ...]:
        """Categories in use, in the canonical order of seed 000 eq 1."""
        used = {r.category for r in self.resources.values()}
        return tuple(c for c in CATEGORIES if c in used)

    @property
    def stages(self) -> tuple[str, ...]:
        used = {a.stage for a in self.activities.values()}
        return tuple(s for s in STAGES if s in used)

    @classmethod
    def from_dict(cls, costs: Mapping[str, Any]) -> CostMapping:
        """Build and check a mapping from the plain ``costs`` config node."""
        resources = {name: _resource(name, spec) for name, spec in _section(costs, "resources").items()}
        activities = {
            name: _activity(name, spec, resources) for name, spec in _section(costs, "activities").items()
        }
        prices = tuple(_price_points(costs.get("prices") or {}, resources))
        cost_objects = tuple(costs.get("cost_objects") or ("stage", "mine"))
        unknown = [o for o in cost_objects if o not in COST_OBJECTS]
        if unknown:
            raise ConfigError(f"costs.cost_objects: {unknown[0]!r} is not one of {list(COST_OBJECTS)}")
        return cls(resources, activities, prices, cost_objects, str(costs.get("currency", "CNY")))

    def check_price_table(self, table_resources: Iterable[str]) -> None:
        """Every resource priced exactly somewhere: no resource without a price, no price
        for an unknown resource (``table_resources``: resources of the data's prices table)."""
        in_table = set(table_resources)
        for name in sorted(in_table - set(self.resources)):
            raise ConfigError(f"prices table: price for unknown resource {name!r} (not in costs.resources)")
        priced = in_table | {p.resource for p in self.prices}
        for name, resource in self.resources.items():
            if resource.price is None and name not in priced:
                raise ConfigError(
                    f"costs.resources.{name}.price: missing; expected a constant price or rows for "
                    f"{name!r} in costs.prices or the data's prices table"
                )

    def check_records(self, pairs: Iterable[tuple[str, str]], table: str) -> None:
        """Every consumption record names a declared activity, a declared resource, and a
        resource its activity uses (``pairs``: distinct (activity, resource) of ``table``)."""
        for activity, resource in sorted(pairs, key=lambda p: (str(p[0]), str(p[1]))):
            if activity not in self.activities:
                raise DataError(f"{table}.activity: {shown(str(activity))} is not declared in costs.activities")
            if resource not in self.resources:
                raise DataError(f"{table}.resource: {shown(str(resource))} is not declared in costs.resources")
            if resource not in self.activities[activity].resources:
                raise DataError(
                    f"{table}: activity {activity!r} consumes {resource!r}, which is not in "
                    f"costs.activities.{activity}.resources"
                )


def check_keys(spec: Any, allowed: Iterable[str], key: str) -> Mapping[str, Any]:
    """``spec`` must be a mapping with no keys outside ``allowed``; returns it."""
    allowed = tuple(allowed)
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{key}: expected a mapping with keys {list(allowed)}, got {spec!r}")
    for name in spec:
        if name not in allowed:
            raise ConfigError(f"{key}: unknown key {name!r}; expected one of {list(allowed)}")
    return spec


def _section(costs: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    section = costs.get(key)
    if not isinstance(section, Mapping) or not section:
        raise ConfigError(f"costs.{key}: expected a non-empty mapping of names to specs")
    return section


def _resource(name: str, spec: Mapping[str, Any]) -> Resource:
    key = f"costs.resources.{name}"
    check_keys(spec, ("unit", "category", "price"), key)
    category = spec.get("category")
    if category not in CATEGORIES:
        raise ConfigError(f"{key}.category: {category!r} is not one of {list(CATEGORIES)}")
    unit = spec.get("unit")
    if not unit:
        raise ConfigError(f"{key}.unit: missing; expected the resource's unit, e.g. kWh")
    price = spec.get("price")
    if price is not None:
        price = _non_negative(price, f"{key}.price")
    return Resource(name, str(unit), category, price)


def _activity(name: str, spec: Mapping[str, Any], resources: Mapping[str, Resource]) -> Activity:
    key = f"costs.activities.{name}"
    check_keys(spec, ("stage", "resources"), key)
    stage = spec.get("stage")
    if stage is None:
        raise ConfigError(f"{key}.stage: missing; expected one of {list(STAGES)}")
    if stage not in STAGES:
        raise ConfigError(f"{key}.stage: {stage!r} is not one of {list(STAGES)}")
    used = tuple(spec.get("resources") or ())
    if not used:
        raise ConfigError(f"{key}.resources: expected at least one declared resource")
    for resource in used:
        if resource not in resources:
            raise ConfigError(f"{key}.resources: {shown(str(resource))} is not declared in costs.resources")
    return Activity(name, stage, used)


def _price_points(prices: Mapping[str, Any], resources: Mapping[str, Resource]) -> Iterable[PricePoint]:
    for name, points in prices.items():
        key = f"costs.prices.{name}"
        if name not in resources:
            raise ConfigError(f"{key}: price for unknown resource {name!r} (not in costs.resources)")
        if not isinstance(points, (list, tuple)):
            raise ConfigError(f"{key}: expected a list of {{valid_from, price}} points")
        for i, point in enumerate(points):
            check_keys(point, ("valid_from", "price"), f"{key}[{i}]")
            try:
                valid_from = date.fromisoformat(str(point["valid_from"]))
            except (KeyError, TypeError, ValueError):
                raise ConfigError(f"{key}[{i}].valid_from: expected an ISO date like 2024-01-01") from None
            yield PricePoint(name, valid_from, _non_negative(point.get("price"), f"{key}[{i}].price"))


def _non_negative(value: Any, key: str) -> float:
    try:
        if isinstance(value, bool):  # YAML's true / yes: float() would make it a price of 1
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: {value!r} is not a number; expected a price >= 0") from None
    if not math.isfinite(number):  # NaN or inf: so would every cost it prices be
        raise ConfigError(f"{key}: {number} is not finite; expected a finite price >= 0")
    if number < 0:
        raise ConfigError(f"{key}: {number} is negative; expected a price >= 0")
    return number
