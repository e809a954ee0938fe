"""The daily records' order: sorted by one packed integer key, the rows and order of a sort by
mine name, activity, resource and date."""

from datetime import date, timedelta

import numpy as np
import polars as pl

from minectl.costing import accounts


def _records(mines: list[str], activity: pl.Enum, resource: pl.Enum, days: int, seed: int) -> pl.DataFrame:
    rows = [(date(2023, 12, 30) + timedelta(days=d), m, a, r)
            for m in mines for a in activity.categories for r in resource.categories for d in range(days)]
    frame = pl.DataFrame(rows, schema=["date", "mine_id", "activity", "resource"], orient="row")
    frame = frame.with_columns(pl.col("activity").cast(activity), pl.col("resource").cast(resource),
                               quantity=pl.Series(np.random.default_rng(seed).normal(size=len(rows))))
    return frame.sample(fraction=1.0, shuffle=True, seed=seed)


def test_packed_key_sorts_as_the_names_and_dates():
    # mine names whose byte order differs from their order of appearance and from their length;
    # Enum names declared out of alphabetical order (an Enum sorts by declaration)
    activity, resource = pl.Enum(["loading", "drilling", "blasting"]), pl.Enum(["diesel", "electricity"])
    records = _records(["m10", "m2", "Z", "mine-é", "a"], activity, resource, days=5, seed=3).lazy()
    expected = records.sort(*accounts.SERIES, "date").collect()
    assert accounts._sorted_records(records).collect().equals(expected)
    assert expected["mine_id"].unique(maintain_order=True).to_list() == ["Z", "a", "m10", "m2", "mine-é"]
    assert expected["activity"][:2].cast(pl.String).to_list() == ["loading", "loading"]


def test_names_beyond_the_key_fall_back_to_a_plain_sort():
    many = pl.Enum([f"a{i}" for i in range(300)])  # more activities than the key's 8 bits
    records = _records(["m1", "m0"], pl.Enum(many.categories[:3]), pl.Enum(["diesel"]), days=3, seed=1)
    records = records.with_columns(pl.col("activity").cast(pl.String).cast(many)).lazy()
    assert accounts._sorted_records(records).collect().equals(records.sort(*accounts.SERIES, "date").collect())
