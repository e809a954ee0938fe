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
    return validate_table("consumption_hourly", pl.scan_parquet(tmp_path / "*.parquet"), str(tmp_path))[1]


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
