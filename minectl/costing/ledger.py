"""The daily full-cost ledger: q_j,t x p_j,t per record (seed 000 eq 6).

One row per day x mine x stage x activity x resource with quantity, the unit price valid
that day (a price applies from its ``valid_from`` until the next one) and cost.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from minectl.costing.mapping import CostMapping
from minectl.data.contract import named_columns
from minectl.errors import DataError

# Constant prices apply from the beginning of time.
_ALWAYS = date(1, 1, 1)
PRICE_SCHEMA = {"resource": pl.String, "valid_from": pl.Date, "price": pl.Float64}
_VALID_TO = ("valid_to", "valid_until")  # a price list's last day of each price, as exports name it (any case)


def price_schedule(mapping: CostMapping, prices: pl.LazyFrame | pl.DataFrame | None = None) -> pl.LazyFrame:
    """All unit prices as (resource, valid_from, price): constants from the mapping, dated
    points from ``costs.prices``, then the data's price table, which wins on the same date."""
    constant = [(r.name, _ALWAYS, r.price) for r in mapping.resources.values() if r.price is not None]
    dated = [(p.resource, p.valid_from, p.price) for p in mapping.prices]
    frames = [pl.LazyFrame(constant + dated, schema=PRICE_SCHEMA, orient="row").with_columns(_rank=pl.lit(0))]
    if prices is not None:
        table = prices.lazy().select(*(pl.col(c).cast(t) for c, t in PRICE_SCHEMA.items()))
        frames.append(table.with_columns(_rank=pl.lit(1)))
        frames += _price_ends(prices, table)
    return (
        pl.concat(frames)
        .sort("resource", "valid_from", "_rank")
        .unique(["resource", "valid_from"], keep="last", maintain_order=True)
        .drop("_rank")
    )


def _price_ends(prices: pl.LazyFrame | pl.DataFrame, table: pl.LazyFrame) -> list[pl.LazyFrame]:
    """A price list's ends: from the day after a row's ``valid_to`` (inclusive, or exclusive: the next row's
    valid_from) that no row starts, the price of the row in force then with the latest valid_from, as on
    any day, or a null price where none is, so that a day between two contracts has no price (refused)
    instead of the expired one (costed before: an extra column, ignored). A price set for a few days
    inside a longer one's validity ends back into the longer one (its end was a null price: "no price"
    on a day the longer one covers)."""
    schema = prices.lazy().collect_schema()
    column = next(iter(named_columns(schema, _VALID_TO)), None)
    if column is None:
        return []
    dtype = schema[column]
    if not (dtype == pl.Date or isinstance(dtype, pl.Datetime)):
        raise DataError(f"data.tables.prices: column {column!r} holds {dtype}, not dates; expected the last day each price applies")
    rows = prices.lazy().select(*(pl.col(c).cast(t) for c, t in PRICE_SCHEMA.items()), valid_to=pl.col(column).cast(pl.Date))
    inverted = rows.filter(pl.col("valid_to") < pl.col("valid_from")).head(1).collect()
    if inverted.height:  # its end starts no price (no row covers that day yet): the row was costed from valid_from on, for ever
        row = inverted.row(0, named=True)
        raise DataError(f"data.tables.prices: the price {row['price']} of {row['resource']!r} from {row['valid_from']} has {column} "
                        f"{row['valid_to']}, before it starts; expected a {column} on or after the valid_from (a slip in the date?)")
    # the days after the rows' ends that no row starts (an exclusive end is another price's first day: that row starts it)
    after = (rows.select("resource", valid_from=pl.col("valid_to") + pl.duration(days=1)).drop_nulls().unique()
             .join(table.select("resource", "valid_from"), on=["resource", "valid_from"], how="anti"))
    day = pl.col("valid_from")
    in_force = (after.join(rows.rename({"valid_from": "_since"}), on="resource")
                .filter(pl.col("_since") <= day, pl.col("valid_to").is_null() | (pl.col("valid_to") >= day))
                .group_by("resource", "valid_from").agg(pl.col("price").sort_by("_since").last()))
    return [after.join(in_force, on=["resource", "valid_from"], how="left").with_columns(_rank=pl.lit(-1))]


def daily_prices(schedule: pl.LazyFrame, resources: pl.Enum, first: date, last: date) -> pl.Series:
    """The price valid on every day from ``first`` to ``last`` for every resource of the Enum,
    resource-major (index: resource code x days + day offset); null before a resource's first price."""
    points = (
        schedule.select("resource", "valid_from", "price").drop_nulls(["resource", "valid_from"]).sort("resource", "valid_from").collect()
    )
    n_days = (last - first).days + 1
    day = (points["valid_from"] - first).dt.total_days().to_numpy().clip(0)  # earlier prices apply from day 0
    position = points["resource"].to_physical().to_numpy().astype(np.int64) * n_days + day
    # per grid position, the latest point that starts there (points after ``last`` start nowhere)
    starts = (day < n_days) & np.append(position[1:] != position[:-1], True)
    grid = np.full(len(resources.categories) * n_days, -1)
    grid[position[starts]] = np.flatnonzero(starts)
    since = np.maximum.accumulate(grid.reshape(-1, n_days), axis=1).ravel()  # the point in force, per resource row
    unpriced = pl.Series([None], dtype=pl.Float64)  # the price before a resource's first point
    return points["price"].cast(pl.Float64).append(unpriced).gather(np.where(since < 0, points.height, since))


PRICE_JUMP = 100.0  # consecutive prices of a resource this many times apart: another unit, not a price change


def _refuse_price_jumps(schedule: pl.DataFrame) -> None:
    """Refuse consecutive prices of a resource (valid_from order, 0 and ends left out) PRICE_JUMP
    times apart or more: a price per MWh among prices per kWh, or in 万元 among yuan (electricity at
    0.62 CNY/kWh to January and 620 from February was costed 1000x from February on)."""
    points = schedule.filter(pl.col("price") > 0).sort("resource", "valid_from")
    step = (pl.col("price") / pl.col("price").shift(1)).over("resource")
    jumps = points.with_columns(before=pl.col("price").shift(1).over("resource"), since=pl.col("valid_from").shift(1).over("resource"),
                                step=step).filter((pl.col("step") >= PRICE_JUMP) | (pl.col("step") <= 1 / PRICE_JUMP))
    if jumps.height:
        row = jumps.row(0, named=True)
        since = "its constant in costs.resources" if row["since"] == _ALWAYS else f"from {row['since']}"
        raise DataError(
            f"prices: {row['resource']!r} goes from {row['before']:,.6g} ({since}) to {row['price']:,.6g} (from "
            f"{row['valid_from']}), {max(row['step'], 1 / row['step']):,.0f}x: a price in another unit (per MWh beside per kWh, per t "
            "beside per kg, in thousands)? expected each resource's prices in one unit and currency (convert them upstream)")


def enums(mapping: CostMapping) -> dict[str, pl.Enum]:
    """Enum types of the mapping's names: compact, fast to sort and join, ordered as declared."""
    return {
        "activity": pl.Enum(list(mapping.activities)),
        "stage": pl.Enum(list(mapping.stages)),
        "resource": pl.Enum(list(mapping.resources)),
        "category": pl.Enum(list(mapping.categories)),
    }


def build_ledger(
    consumption: pl.LazyFrame | pl.DataFrame,
    mapping: CostMapping,
    prices: pl.LazyFrame | pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Daily consumption records (date, mine_id, activity, resource, quantity) -> ledger.

    ``stage``, ``activity``, ``resource`` and ``category`` are Enums of the mapping's names
    (declared order). Records with a null quantity (missing and not imputable) are left out. A record dated
    before the first price of its resource is a data error (no price to apply).
    """
    types = enums(mapping)
    records = (
        consumption.lazy()
        .filter(pl.col("quantity").is_not_null())
        .with_columns(pl.col("activity").cast(types["activity"]), pl.col("resource").cast(types["resource"]))
        .collect()
    )
    # Lookups by Enum code instead of joins: the records keep their order and are not copied.
    activity = pl.col("activity").to_physical().cast(pl.Int64)
    resource = pl.col("resource").to_physical().cast(pl.Int64)
    first, last = records["date"].min() or _ALWAYS, records["date"].max() or _ALWAYS  # no records: one day
    schedule = price_schedule(mapping, prices).cast({"resource": types["resource"]}).collect()
    _refuse_price_jumps(schedule)
    prices_by_day = daily_prices(schedule.lazy(), types["resource"], first, last)
    uses = pl.Series([r in a.resources for a in mapping.activities.values() for r in mapping.resources])
    ledger = records.lazy().filter(pl.lit(uses).gather(activity * len(mapping.resources) + resource)).select(
        "date",
        "mine_id",
        pl.lit(pl.Series([a.stage for a in mapping.activities.values()], dtype=types["stage"])).gather(activity).alias("stage"),
        "activity",
        "resource",
        pl.lit(pl.Series([r.category for r in mapping.resources.values()], dtype=types["category"])).gather(resource).alias("category"),
        "quantity",
        pl.lit(prices_by_day).gather(resource * ((last - first).days + 1) + (pl.col("date") - first).dt.total_days()).alias("price"),
    ).with_columns(cost=pl.col("quantity") * pl.col("price")).collect()
    unpriced = ledger.filter(pl.col("price").is_null())
    if unpriced.height:
        first = unpriced.row(0, named=True)
        raise DataError(
            f"prices: no price for {first['resource']!r} on {first['date']}; expected a price row "
            f"with valid_from on or before that day (and its valid_to, where given, not before it)"
        )
    return ledger
