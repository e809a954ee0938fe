"""The data contract's one-pass checks over a folder of part files (issue #20): every series'
rows are checked across the parts, in the parts' order, as the exact per-series pass does."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from minectl.data.contract import validate_table
from minectl.errors import DataError

START = datetime(2024, 1, 1)


def _hours(mine: str, first: int, n: int, activities=("drilling", "hauling")) -> pl.DataFrame:
    """Timestamp-major hourly meter rows of one mine: hours first..first+n-1."""
    return pl.DataFrame(
        [(START + timedelta(hours=h), mine, a, "electricity", float(h)) for h in range(first, first + n) for a in activities],
        schema={"timestamp": pl.Datetime("us"), "mine_id": pl.String, "activity": pl.String, "resource": pl.String,
                "quantity": pl.Float64}, orient="row",
    )


def _validate(tmp_path, parts: list[pl.DataFrame]) -> dict[str, int]:
    for i, part in enumerate(parts):
        part.write_parquet(tmp_path / f"part-{i:05d}.parquet")
    mines = validate_table("consumption_hourly", pl.scan_parquet(tmp_path / "*.parquet"), str(tmp_path))[1]
    return dict(zip(mines["mine_id"].to_list(), mines["n"].to_list(), strict=True))


def test_a_part_per_mine_and_series_continued_in_the_next_part_pass(tmp_path):
    rows = _validate(tmp_path, [_hours("M1", 0, 30), _hours("M1", 30, 20), _hours("M2", 5, 10)])
    assert rows == {"M1": 2 * 50, "M2": 2 * 10}  # rows per mine, for the joins between tables


@pytest.mark.parametrize(("parts", "message"), [  # either series may be named first
    ([_hours("M1", 0, 30), _hours("M1", 29, 5)], "duplicate rows for mine_id=M1, activity=(drilling|hauling), "
                                                 "resource=electricity, timestamp=2024-01-02 05:00:00"),
    ([_hours("M1", 10, 30), _hours("M1", 0, 10)], "non-increasing timestamp values for mine_id=M1"),
    ([_hours("M1", 0, 30), _hours("M1", 31, 5)], "gaps in timestamp for mine_id=M1, activity=(drilling|hauling), resource=electricity: "
                                                 "35 rows between 2024-01-01 00:00:00 and 2024-01-02 11:00:00, expected 36"),
])
def test_series_that_overlap_go_back_or_skip_across_parts_are_refused(tmp_path, parts, message):
    with pytest.raises(DataError, match=message):
        _validate(tmp_path, parts)


def test_a_repeat_inside_a_part_and_a_null_key_are_refused_with_the_exact_message(tmp_path):
    part = _hours("M1", 0, 10)
    with pytest.raises(DataError, match="duplicate rows for mine_id=M1, activity=hauling, resource=electricity, timestamp=2024-01-01 03"):
        _validate(tmp_path, [pl.concat([part[:7], part[7:8], part[7:]])])
    nulls = part.with_columns(activity=pl.when(pl.int_range(pl.len()) == 4).then(None).otherwise(pl.col("activity")))
    with pytest.raises(DataError, match="1 of 20 rows without a activity"):
        _validate(tmp_path, [nulls])


def test_value_checks_add_up_over_the_parts(tmp_path):
    big = _hours("M1", 0, 2).with_columns(quantity=pl.lit(1e308))  # each part's sum is finite, the table's is not
    with pytest.raises(DataError, match="column 'quantity' of table 'consumption_hourly' sums to inf"):
        _validate(tmp_path, [big, _hours("M1", 2, 2).with_columns(quantity=pl.lit(1e308))])
    negative = _hours("M1", 2, 3).with_columns(quantity=pl.lit(-1.0))
    with pytest.raises(DataError, match=r"has a negative quantity \(-1.0\)"):
        _validate(tmp_path, [_hours("M1", 0, 2), negative])


def _group_by_stats(batch: pl.DataFrame, series: list[str], time: str) -> pl.DataFrame:
    """The per-series stats as `_one_pass` takes them with a group-by: the independent reference."""
    t = pl.col(time)
    return batch.group_by(series).agg(pl.len().alias("n"), t.first().alias("first"), t.last().alias("last"),
                                      (t.diff() <= pl.duration(microseconds=0)).sum().alias("not_after"),
                                      t.null_count().alias("no_time"))


LONG = "a meter name longer than twelve bytes"  # stored apart from its Arrow view
CYCLES = {
    # rows -> whether the cycle path takes them (else None: the group-by does)
    "7 meters hour by hour, a partial last hour": (_hours("M1", 0, 40, [f"m{i}" for i in range(7)])[:-3], True),
    "one series": (_hours("M1", 0, 12, ["drilling"]), True),
    "dates of a daily table": (_hours("M1", 0, 10).select(  # hour h -> day h
        (pl.lit(START.date()) + pl.duration(days=pl.col("quantity").cast(pl.Int64))).alias("date"), pl.exclude("timestamp")), True),
    "a series twice in a cycle": (_hours("M1", 0, 9, ["a", "b", "a", "c"]), None),
    "a step back": (pl.concat([_hours("M1", 5, 1), _hours("M1", 4, 3)]), None),
    "series one after another": (pl.concat([_hours("M1", 0, 20, ["a"]), _hours("M1", 0, 20, ["b"])]), None),
    "a null key": (_hours("M1", 0, 9).with_columns(pl.when(pl.int_range(pl.len()) == 5).then(None).otherwise(pl.col("activity"))
                                                   .alias("activity")), None),
    "long names": (_hours("M1", 0, 9, [LONG, LONG + "!"]), "either"),
}


@pytest.mark.parametrize("case", CYCLES)
def test_the_cycle_path_gives_the_group_by_stats_or_leaves_the_batch_to_it(case):
    from minectl.data.contract import _cycle_stats

    rows, taken = CYCLES[case]
    series, time = ["mine_id", "activity", "resource"], rows.columns[0]
    fast = _cycle_stats(rows, series, time)
    if taken is None or (taken == "either" and fast is None):
        assert fast is None
        return
    assert fast is not None
    assert fast.schema == _group_by_stats(rows, series, time).schema
    assert fast.sort(series).equals(_group_by_stats(rows, series, time).sort(series))
