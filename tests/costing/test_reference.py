"""The Table 2 comparison: hand-computed statistics of a small daily table."""

from __future__ import annotations

import polars as pl
import pytest

from minectl.costing.reference import SEED000_TABLE2, compare_with_table2


def test_compare_with_table2_scales_and_measures_each_feature():
    columns = {spec[1]: [1.0, 3.0, None] for spec in SEED000_TABLE2.values()}  # nulls are skipped
    columns["cost"] = [1_200_000.0, 1_400_000.0, None]  # 120 and 140 (10k CNY)
    columns["share_stage_transport"] = [0.2, 0.2, None]
    table = compare_with_table2(pl.DataFrame(columns)).rows_by_key("feature", named=True, unique=True)
    total = table["total_cost"]
    assert total["mean"] == pytest.approx(130.0) and total["sd"] == pytest.approx(14.142135623730951)
    assert total["mean_err"] == pytest.approx(130.0 / 128.6 - 1.0)
    assert total["within_bands"] is True  # +1.1 % mean, -23.1 % sd
    assert table["transport_share"]["mean"] == pytest.approx(20.0)
    assert table["unit_cost"]["mean"] == pytest.approx(2.0) and table["unit_cost"]["within_bands"] is False
