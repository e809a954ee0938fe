"""The "resource consumption -> activity -> cost object" mapping (seed 000, section 3.2).

``CostMapping.from_dict`` takes the plain ``costs`` config node and checks it: every
resource has a known category and a price (constant here, or rows in a price table),
every activity has a known stage and uses declared resources, no price names an unknown
resource, and a money resource at price 1 is in the mapping's currency. ``check_units`` holds the
units and currencies that the data's tables state in a column to the mapping's. Errors are one
line naming the key and what was expected.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from minectl.data.names import CURRENCY_ALIASES, CURRENCY_CODES, alike_in, shown
from minectl.errors import ConfigError, DataError

CATEGORIES = ("material", "energy", "labour", "maintenance", "safety_env", "other")
STAGES = ("mining", "transport", "beneficiation", "maintenance", "management")
COST_OBJECTS = ("stage", "mine")  # the daily table's rows (mine) and cost columns (stage); both are always given


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

    def is_money(self, resource: str) -> bool:
        """Whether a resource's unit is a currency (the run's, an ISO one, a sign, a multiple: 万元, or cents): a cost booked as such."""
        key = _unit_key(self.resources[resource].unit)
        return (key == _unit_key(self.currency) or _currency_code(key, self.currency) is not None
                or _scaled_currency(key, self.currency) is not None)

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
        if "product" in unknown:  # listed by default before, and no figure was ever given per product
            raise ConfigError("costs.cost_objects: 'product' is not costed: the production table gives each mine-day's output, "
                              f"not a split by product, so no cost can be assigned to one; expected some of {list(COST_OBJECTS)}")
        if unknown:
            raise ConfigError(f"costs.cost_objects: {unknown[0]!r} is not one of {list(COST_OBJECTS)}")
        currency = str(costs.get("currency", "CNY"))
        if not currency.strip():  # every amount of the ledger and report is labelled with it
            raise ConfigError("costs.currency: empty; expected the currency of the prices, e.g. CNY or USD")
        for name, resource in resources.items():  # a money resource: 1 of its currency costs its price in the run's
            unit = resource.unit
            if resource.price != 1.0 or _unit_key(unit) == _unit_key(currency):
                continue
            if _currency_code(_unit_key(unit), currency) not in (None, _unit_key(currency)):  # EUR, or € under USD
                raise ConfigError(f"costs.resources.{name}: unit {unit!r} at price 1.0 under costs.currency {currency!r} "
                                  f"costs 1 {unit} as 1 {currency}; expected the price of 1 {unit} in {currency} "
                                  f"(the exchange rate), or costs.currency {unit!r}")
            if scaled := _scaled_currency(unit, currency):  # 万元 (10,000 CNY) at price 1 was costed as 1 CNY, cents as 1 USD
                scale, code = scaled
                number = f"{scale:.0f}" if scale >= 1 else f"{scale:g}"
                amount = f"{scale:,.0f} {code.upper()}" if scale >= 1 else f"{number} {code.upper()}"
                rate = "" if code == _unit_key(currency) else " times the exchange rate"
                raise ConfigError(f"costs.resources.{name}: unit {unit!r} is {amount}: at price 1.0 under costs.currency {currency!r} "
                                  f"it costs {amount} as 1 {currency}; expected the price of 1 {unit} in {currency} "
                                  f"({number}{rate}), or costs.currency {unit!r}")
        return cls(resources, activities, prices, cost_objects, currency)

    def check_price_table(self, table_resources: Iterable[str]) -> None:
        """Every resource priced exactly somewhere: no resource without a price, no price
        for an unknown resource (``table_resources``: resources of the data's prices table)."""
        in_table = set(table_resources)
        for name in sorted(in_table - set(self.resources)):
            raise ConfigError(f"prices table: price for unknown resource {name!r} (not in costs.resources){_alike(name, self.resources)}")
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
            for column, name, declared, key in (("activity", activity, self.activities, "costs.activities"),
                                                ("resource", resource, self.resources, "costs.resources")):
                if name not in declared:
                    raise DataError(f"{table}.{column}: {shown(str(name))} is not declared in {key}{_alike(name, declared)}")
            if resource not in self.activities[activity].resources:
                raise DataError(
                    f"{table}: activity {activity!r} consumes {resource!r}, which is not in "
                    f"costs.activities.{activity}.resources"
                )

    def check_units(self, stated: Iterable[tuple[str, str | None]], table: str, column: str, *, currency: bool = False) -> None:
        """The units (``currency``: the currencies) that ``column`` of the data's ``table`` states per
        resource are the mapping's (``stated``: its distinct (resource, text) pairs; a null or blank
        text states nothing, an unknown resource is check_records' and check_price_table's). Texts
        compare as ``_stated_key`` gives them (kWh = KWH = 'k Wh' = kW·h, MWh is not; $ = USD under USD), so a resource
        given in two units always has one the mapping lacks. A price unit is the currency per resource unit
        (CNY/kWh, 'CNY per kWh'); either half alone (CNY, kWh) states that half. A consumption table's
        currency is its money resources' quantities' (their unit); beside other resources it is not checked."""
        units: dict[str, dict[str, str]] = {}  # resource -> normalised unit -> as first written, in sorted order
        for resource, text in sorted((r, t) for r, t in stated if r in self.resources and t is not None and t.strip()):
            units.setdefault(resource, {}).setdefault(self._stated_key(text), text)
        for resource, found in sorted(units.items()):
            unit = self.resources[resource].unit
            if currency and table != "prices" and _unit_key(unit) not in CURRENCY_CODES:
                continue  # beside a quantity in L or kWh, a currency is an amount column's, not the quantity's
            if currency and table == "prices":
                expected, key, accepted = self.currency, "costs.currency", {self.currency}
                what, fix = "prices", "convert them upstream, or set costs.currency and the mapping's constant prices to the data's"
            elif table == "prices":
                expected, key = f"{self.currency}/{unit}", f"costs.currency / costs.resources.{resource}.unit"
                accepted = {expected, self.currency, unit}
                what, fix = "prices", "convert them upstream, or change the mapping's currency or unit to the data's"
            else:
                expected, key, accepted = unit, f"costs.resources.{resource}.unit", {unit}
                what, fix = "quantities", f"convert them upstream, or set costs.resources.{resource}.unit and its prices to the data's"
            if set(found) <= {self._stated_key(a) for a in accepted}:
                continue
            given = shown(next(iter(found.values()))) if len(found) == 1 else \
                f"{len(found)} units ({', '.join(shown(text) for text in found.values())})"
            raise DataError(f"data.tables.{table}: column {column!r} gives resource {resource!r} in {given}, {key} in {expected!r}; "
                            f"expected {what} in {expected!r} only ({fix})")

    def _stated_key(self, text: str) -> str:
        """A unit as check_units compares it: _unit_key's, with a sign of the run's currency as its code ($/MWh under
        USD, as US price lists write it, is USD/MWh; under CNY it is not CNY/MWh)."""
        run = _unit_key(self.currency)
        return "/".join(run if _currency_code(part, self.currency) == run else part for part in _unit_key(text).split("/"))

    def check_column_maps(self, tables: Mapping[str, Any], resources_of: Callable[[str], Iterable[str]]) -> None:
        """A source column that a table's column map (``tables``: the plain ``data.tables`` node) takes
        as a consumption quantity or a price, named with a unit (energy_MWh, qty_kg, price_usd_per_mwh),
        states that unit for every row: refused where the mapping's units of that kind for the table's
        resources (``resources_of(table)``, read only for such a column; and costs.currency for a price)
        are all others (MWh for electricity in kWh: costed 1000x low). A daily quantity named in kW is a
        power, not the day's energy; an hourly one is the hour's (kW = kWh over one hour). A word of no
        known unit, or of a kind none of the resources has, says nothing."""
        for table, target in (("consumption_hourly", "quantity"), ("consumption_daily", "quantity"), ("prices", "price")):
            columns = ((tables or {}).get(table) or {}).get("columns") or {}
            for header in (h for h, name in columns.items() if name == target):
                words = {word: unit for word in _words(header) if (unit := _unit_of(word.casefold(), table))}
                if not words:
                    continue
                declared = {f"costs.resources.{r}.unit {self.resources[r].unit!r}": _unit_of(_unit_key(self.resources[r].unit), table)
                            for r in sorted(set(resources_of(table)) & set(self.resources))}
                if table == "prices":
                    declared[f"costs.currency {self.currency!r}"] = _unit_of(_unit_key(self.currency), table)
                for word, unit in words.items():
                    alike = [key for key, theirs in declared.items() if theirs and theirs[0] == unit[0]]
                    if alike and (scale := _multiples(header).get(word)):  # price_per_1000_l: costed 1000x high
                        raise DataError(
                            f"data.tables.{table}.columns: source column {header!r} is taken as the {target}, and its name says "
                            f"{scale:.0f} {word!r}, which the column map reads as 1 {word!r} (every {target} {scale:.0f}x off); "
                            f"expected the {target} in {word!r}, not in {scale:.0f} {word!r} (convert it upstream)")
                    if alike and all(declared[key] != unit for key in alike):
                        power = " (a power: a day's energy is 24 hours of it)" if unit[1].startswith("power") else ""
                        raise DataError(
                            f"data.tables.{table}.columns: source column {header!r} is taken as the {target}, and its name says "
                            f"{word!r}{power}, but {', '.join(alike)}; expected a {target} in the mapping's unit (convert it "
                            "upstream, or declare the data's unit in the mapping)")


# a resource in a currency of data.names.CURRENCY_CODES (or a sign of one, _SIGNS) is money (a unit outside them is not
# taken for one); as _unit_key compares them, the currencies' other names and the units as Chinese tariffs and cost
# reports write them: 元/千瓦时 (a tariff's own form) and 元/度 are CNY/kWh
_UNIT_ALIASES = {**CURRENCY_ALIASES, "千瓦时": "kwh", "度": "kwh", "兆瓦时": "mwh", "吨": "t", "千克": "kg", "公斤": "kg",
                 "升": "l", "立方米": "m3",
                 # and spelled out in English (as _unit_key writes them: no spaces), tonnes (metric) only: a US "ton" is 0.907 t
                 **dict.fromkeys(("tonne", "tonnes", "metricton", "metrictons"), "t"), **dict.fromkeys(("kilogram", "kilograms"), "kg"),
                 **dict.fromkeys(("litre", "litres", "liter", "liters"), "l"),
                 **{f"{prefix}watt{dash}hour{s}": f"{prefix[0]}wh" for prefix in ("kilo", "mega") for dash in ("", "-") for s in ("", "s")},
                 # US units spelled out (a US ton, gallon, pound is no t, L, kg: they compare with their abbreviations only)
                 **dict.fromkeys(("gallon", "gallons", "gals", "usgal"), "gal"), **dict.fromkeys(("lbs", "pound", "pounds"), "lb"),
                 "tons": "ton"}


def _words(header: str) -> list[str]:
    """The words of a column name in its compatibility forms (m³ as m3): energy_MWh, qty [kg], price USD/MWh."""
    text = re.sub(r"(?<![0-9A-Za-z])(10+)(?=[A-Za-z])", r"\1 ", unicodedata.normalize("NFKC", header))  # 1000L: 1000 of L
    return [w for w in re.split(r"[^0-9A-Za-z]+", text) if w]


# units of one kind that differ by a factor: word (casefolded, as _unit_key gives it) -> (kind, the unit it names)
_MEASURES = {
    **{w: ("energy", w) for w in ("wh", "kwh", "mwh", "gwh", "mj", "gj", "tj", "therm", "mmbtu")}, "therms": ("energy", "therm"),
    # a meter's reactive and apparent energy (kvarh, kVAh) is no kWh billed as energy
    **{w: ("energy", w) for w in ("varh", "kvarh", "mvarh", "vah", "kvah", "mvah")},
    **{w: ("mass", w) for w in ("g", "kg", "t", "kt")}, "tonne": ("mass", "t"), "tonnes": ("mass", "t"),
    # US units, as US mines' exports name their columns (a short ton is 0.907 t, a US gallon 3.785 L)
    **{w: ("mass", "ton") for w in ("ton", "tons")}, **{w: ("mass", "lb") for w in ("lb", "lbs")}, "oz": ("mass", "oz"),
    **{w: ("volume", "gal") for w in ("gal", "gals", "gallon", "gallons")}, "bbl": ("volume", "bbl"),
    **{w: ("volume", "l") for w in ("l", "litre", "litres", "liter", "liters")}, "ml": ("volume", "ml"),
    "kl": ("volume", "m3"), "m3": ("volume", "m3"),
    **{w: ("money", w) for w in CURRENCY_CODES}, **{w: ("money", c) for w, c in CURRENCY_ALIASES.items()},
}


# words that make the unit after them a multiple (price_per_1000_l, qty_thousand_litres, price_per_k_l, per_1k_l; 000 as in $000)
_MULTIPLIER_WORDS = {"hundred": 100, "thousand": 1000, "million": 1e6, "000": 1000, "k": 1000, "1k": 1000}


def _multiples(header: str) -> dict[str, float]:
    """The words of a column name (as _words gives them) that a multiplier comes right before, with the
    multiplier: {'l': 1000.0} for price_per_1000_l or price_per_1000L; and the word before a multiplier of
    100 or more that ends the name, as accounts write thousands after the unit (opex_usd_000 for USD '000,
    cny_per_l_x1000): a number of 10 there may name a tank or line, not a multiple."""
    words = _words(header)
    multipliers = [int(word.lstrip("xX")) if re.fullmatch(r"[xX]?10+", word) else _MULTIPLIER_WORDS.get(word.casefold(), 0)
                   for word in words]  # x1000 as in price_per_l_x1000
    multiples = {word: float(multiplier) for multiplier, word in zip(multipliers, words[1:], strict=False) if multiplier}
    if len(words) > 1 and multipliers[-1] >= 100:
        multiples.setdefault(words[-2], float(multipliers[-1]))
    return multiples


def _unit_of(word: str, table: str) -> tuple[str, str] | None:
    """(kind, unit) that a word names, None for other words. A power (kW) is the energy of an hour
    in the hourly table; elsewhere an energy of no unit (each day's is 24 hours of it)."""
    if word in ("w", "kw", "mw", "gw"):
        return ("energy", f"{word}h") if table == "consumption_hourly" else ("energy", f"power {word}")
    return _MEASURES.get(word)


# multiples of a currency as reports write them (kUSD, USD'000, $000, $M, 万元 in Chinese cost reports: 10,000 CNY)
# and its hundredths as price lists do (cents, ¢, fen): word -> how many of the currency
_SCALES = {"k": 1e3, "thousand": 1e3, "'000": 1e3, "000": 1e3, "1000": 1e3, "千": 1e3, "万": 1e4, "m": 1e6, "mm": 1e6, "mn": 1e6,
           "million": 1e6, "百万": 1e6, "亿": 1e8, "bn": 1e9, "billion": 1e9, "cent": 0.01, "cents": 0.01, "¢": 0.01, "fen": 0.01}
_SUBUNIT_OF = {"fen": "cny"}  # the currency a hundredth written alone is of (cents, ¢: the run's)
# hundredths written with a country's letters, as US and Australian price lists do (USc, US cents, AUc/kWh)
_COUNTRY_CENTS = {f"{letters}{cents}": code for letters, code in (("us", "usd"), ("au", "aud"), ("ca", "cad"),
                                                                  ("nz", "nzd")) for cents in ("c", "¢", "cent", "cents")}
# currency signs and names -> the ISO codes written with them (a sign of several: the run's where it is one, else the first)
_SIGNS = {"$": ("usd", "aud", "cad", "nzd", "mxn", "clp"), "us$": ("usd",), "€": ("eur",), "euro": ("eur",), "£": ("gbp",),
          "¥": ("cny", "jpy")}


def _currency_code(key: str, currency: str) -> str | None:
    """The ISO code (casefolded) a unit key names by code, name or sign, else None; ``currency``: the run's."""
    key = CURRENCY_ALIASES.get(key, key)  # 元 left of 万元
    if key in CURRENCY_CODES:
        return key
    codes = _SIGNS.get(key, ())
    return _unit_key(currency) if _unit_key(currency) in codes else next(iter(codes), None)


def _scaled_currency(unit: str, currency: str) -> tuple[float, str] | None:
    """(multiple, currency code) of a unit that is a multiple or a hundredth of a currency (kUSD, USD'000, $M, 万元, cents),
    else None; ``currency``: the run's, whose cents a bare 'cents' are."""
    key = _unit_key(unit)
    if key in _COUNTRY_CENTS:
        return 0.01, _COUNTRY_CENTS[key]
    for word, scale in _SCALES.items():
        for base in (key.removeprefix(word), key.removesuffix(word)):
            if base == key:
                continue
            code = _SUBUNIT_OF.get(word, _unit_key(currency)) if not base and scale < 1 else _currency_code(base, currency)
            if code is not None:
                return scale, code
    return None


def _alike(name: object, declared: Iterable[str]) -> str:
    """A message's hint at the declared name that ``name`` differs from only in case, width, spaces or
    look-alike letters ('Electricity', 'crushing '), else nothing."""
    alike = alike_in(str(name), declared)
    return f" (it has {shown(alike)}: the names differ in case, width, spaces or look-alike letters)" if alike else ""


def _unit_key(text: str) -> str:
    """A unit or currency as compared: compatibility forms folded (m³ = m3, full-width ｋＷｈ), without
    case, spaces and middle dots (kW·h), 'per' as '/' (CNY per kWh = cny/kwh), the yuan's names as CNY and
    the Chinese names of units as theirs (元/千瓦时 = cny/kwh)."""
    text = re.sub(r"\s+per\s+", "/", unicodedata.normalize("NFKC", text).strip(), flags=re.IGNORECASE)
    key = "".join(text.split()).replace("\u00b7", "").replace("\u22c5", "").casefold()
    return "/".join(_UNIT_ALIASES.get(part, part) for part in key.split("/"))


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
    if not isinstance(unit, str):  # [kWh] was compared and labelled as the text "['kWh']"
        raise ConfigError(f"{key}.unit: {unit!r} is not text; expected the resource's unit, e.g. kWh")
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
    used = spec.get("resources") or ()
    if isinstance(used, str):  # its letters were taken for the resources: "'e' is not declared"
        raise ConfigError(f"{key}.resources: {used!r} is one name; expected a list of declared resources, e.g. [{used}]")
    used = tuple(used)
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
        seen: dict[date, int] = {}
        for i, point in enumerate(points):
            check_keys(point, ("valid_from", "price"), f"{key}[{i}]")
            valid_from = _first_day(point.get("valid_from"), f"{key}[{i}].valid_from")
            if (first := seen.setdefault(valid_from, i)) != i:  # one of them was costed, silently: the one listed last
                raise ConfigError(f"{key}[{i}].valid_from: {valid_from} is the valid_from of {key}[{first}] too; "
                                  "expected one price per day a price starts (a price list holds one row per change)")
            yield PricePoint(name, valid_from, _non_negative(point.get("price"), f"{key}[{i}].price"))


def _first_day(value: Any, key: str) -> date:
    """A price's first day: an ISO date, or a time at midnight as exports write days (the prices table
    takes those too); a time within a day is refused, the ledger has one price per day."""
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        given = "missing" if value is None else f"{value!r} is not a date"
        raise ConfigError(f"{key}: {given}; expected an ISO date like 2024-01-01") from None
    if when.time() != time(0):
        raise ConfigError(f"{key}: {value!r} starts within a day; expected the first day the price applies "
                          f"(the ledger has one price per day), e.g. {when.date()} or {when.date() + timedelta(days=1)}")
    return when.date()


def finite_float(value: Any) -> float | None:
    """``value`` as a float where it is a finite number, else None: YAML's true/false, text, NaN, inf and an
    integer beyond any float (1 and 400 zeros: float() raised OverflowError, a traceback) are none."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _non_negative(value: Any, key: str) -> float:
    try:
        if isinstance(value, bool):  # YAML's true / yes: float() would make it a price of 1
            raise TypeError
        number = float(value)
    except OverflowError:  # an integer beyond any float (YAML's 1 and 400 zeros)
        raise ConfigError(f"{key}: a number of {len(str(value))} digits is beyond any float; expected a finite price >= 0") from None
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: {value!r} is not a number; expected a price >= 0") from None
    if not math.isfinite(number):  # NaN or inf: so would every cost it prices be
        raise ConfigError(f"{key}: {number} is not finite; expected a finite price >= 0")
    if number < 0:
        raise ConfigError(f"{key}: {number} is negative; expected a price >= 0")
    return number
