from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest

from minectl.costing import CostMapping, build_ledger, daily_structure, price_schedule
from minectl.costing.ledger import daily_prices
from minectl.errors import DataError

D1, D2, D3 = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)


def _consumption():
    rows = [
        (D1, "m1", "drilling", "electricity", 1000.0),
        (D1, "m1", "drilling", "labour", 10.0),
        (D1, "m1", "hauling", "diesel", 50.0),
        (D1, "m1", "hauling", "haulage", 2000.0),
        (D2, "m1", "drilling", "electricity", 1000.0),
        (D2, "m1", "hauling", "diesel", None),  # missing, not imputable: left out
        (D3, "m1", "drilling", "electricity", 1000.0),
        (D3, "m1", "drilling", "labour", 5.0),
        (D3, "m2", "drilling", "electricity", 200.0),
    ]
    return pl.DataFrame(rows, schema=["date", "mine_id", "activity", "resource", "quantity"], orient="row")


def test_ledger_equals_hand_computation_with_time_varying_prices(costs):
    ledger = build_ledger(_consumption(), CostMapping.from_dict(costs))
    got = {(r["date"], r["mine_id"], r["resource"]): (r["price"], r["cost"]) for r in ledger.iter_rows(named=True)}
    assert got[(D1, "m1", "electricity")] == (0.6, pytest.approx(600.0))
    assert got[(D2, "m1", "electricity")] == (0.6, pytest.approx(600.0))  # 0.9 only from Jan 3
    assert got[(D3, "m1", "electricity")] == (0.9, pytest.approx(900.0))
    assert got[(D3, "m2", "electricity")] == (0.9, pytest.approx(180.0))
    assert got[(D1, "m1", "labour")] == (80.0, 800.0)
    assert got[(D1, "m1", "haulage")] == (0.5, 1000.0)
    assert ledger.height == 8
    assert ledger.filter(pl.col("activity") == "hauling")["stage"].unique().to_list() == ["transport"]
    # total by hand: 600+800+400+1000 (Jan 1) + 600 (Jan 2) + 900+400 (Jan 3, m1) + 180 (m2)
    assert ledger["cost"].sum() == pytest.approx(4880.0)


def test_data_price_table_overrides_config_price_on_the_same_date(costs):
    table = pl.DataFrame({"resource": ["electricity", "diesel"], "valid_from": [D1, D2], "price": [0.5, 9.0]})
    schedule = price_schedule(CostMapping.from_dict(costs), table).collect()
    electricity = schedule.filter(pl.col("resource") == "electricity")
    assert electricity["price"].to_list() == [0.5, 0.9]
    ledger = build_ledger(_consumption(), CostMapping.from_dict(costs), table)
    assert ledger.filter(pl.col("resource") == "diesel")["price"].to_list() == [8.0]  # Jan 1: constant


def test_record_before_first_price_is_a_data_error(costs):
    costs["prices"]["electricity"] = [{"valid_from": "2024-01-02", "price": 0.6}]
    with pytest.raises(DataError, match=r"no price for 'electricity' on 2024-01-01"):
        build_ledger(_consumption(), CostMapping.from_dict(costs))


def test_daily_prices_hand_grid():
    resources = pl.Enum(["a", "b", "c"])
    points = pl.DataFrame(
        {
            "resource": ["a", "a", "a", "a", "b"],
            "valid_from": [date(2023, 12, 1), date(2023, 12, 20), D2, date(2024, 2, 1), D3],
            "price": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    ).cast({"resource": resources})
    # a: the latest point before the range applies from its first day, 3.0 from Jan 2, the
    # February point lies past the range; b: nothing before Jan 3; c: no point at all
    assert daily_prices(points.lazy(), resources, D1, D3).to_list() == [2.0, 3.0, 3.0, None, None, 5.0, None, None, None]


def test_daily_prices_match_a_duckdb_asof_join():
    rng = np.random.default_rng(7)
    resources = pl.Enum([f"r{i}" for i in range(5)])
    base, first, last = date(2024, 1, 1), date(2024, 1, 10), date(2024, 3, 31)
    points = (
        pl.DataFrame(
            {
                "resource": rng.choice(resources.categories.to_list()[:4], 60),
                "valid_from": [base + timedelta(days=int(d)) for d in rng.integers(-20, 120, 60)],
                "price": rng.random(60).round(4),
            }
        )
        .unique(["resource", "valid_from"], keep="first", maintain_order=True)
        .cast({"resource": resources})
    )
    grid = pl.DataFrame({"resource": resources.categories}).join(  # noqa: F841  (read by DuckDB)
        pl.DataFrame({"date": pl.date_range(first, last, eager=True)}), how="cross"
    )
    schedule = points.cast({"resource": pl.String})  # noqa: F841  (read by DuckDB)
    expected = duckdb.sql(
        "select g.resource, g.date, s.price from grid g asof left join schedule s "
        "on g.resource = s.resource and g.date >= s.valid_from order by g.resource, g.date"
    ).pl()["price"]
    got = daily_prices(points.lazy(), resources, first, last)
    assert got.null_count() > 0 and got.to_list() == expected.to_list()


def _daily(costs):
    mapping = CostMapping.from_dict(costs)
    ledger = build_ledger(_consumption(), mapping)
    production = pl.DataFrame(
        {"date": [D1, D2, D3, D3], "mine_id": ["m1", "m1", "m1", "m2"], "ore_t": [100.0, 0.0, 50.0, 20.0]}
    )
    daily = daily_structure(
        ledger, production, categories=mapping.categories, stages=mapping.stages, resources=["electricity"]
    ).collect()
    return ledger, daily


def test_daily_structure_shares_sum_to_one_and_unit_cost_is_c_over_q(costs):
    ledger, daily = _daily(costs)
    share_cols = [c for c in daily.columns if c.startswith("share_") and not c.startswith("share_stage_")]
    stage_cols = [c for c in daily.columns if c.startswith("share_stage_")]
    for cols in (share_cols, stage_cols):
        assert daily.select(pl.sum_horizontal(cols)).to_series().to_list() == pytest.approx([1.0] * daily.height)
    d1 = daily.filter((pl.col("date") == D1) & (pl.col("mine_id") == "m1")).row(0, named=True)
    assert d1["cost"] == pytest.approx(2800.0)
    assert d1["cost_energy"] == pytest.approx(1000.0)  # 600 electricity + 400 diesel
    assert d1["share_other"] == pytest.approx(1000.0 / 2800.0)
    assert d1["cost_stage_transport"] == pytest.approx(1400.0)
    assert d1["unit_cost"] == pytest.approx(28.0)
    assert d1["qty_electricity"] == 1000.0 and d1["cost_res_electricity"] == pytest.approx(600.0)
    # Q_t = 0: no unit cost (null, flagged), no division error
    d2 = daily.filter(pl.col("date") == D2).row(0, named=True)
    assert d2["unit_cost"] is None and d2["no_output"] is True
    assert daily["no_output"].sum() == 1


def test_daily_totals_match_duckdb(costs):
    ledger, daily = _daily(costs)
    expected = duckdb.sql(
        "select date, mine_id, sum(cost) as cost, sum(cost) filter (where category = 'energy') as energy "
        "from ledger group by all order by date, mine_id"
    ).pl()
    assert daily["cost"].to_list() == pytest.approx(expected["cost"].to_list())
    assert daily["cost_energy"].to_list() == pytest.approx(expected["energy"].to_list())


def test_daily_structure_rows_come_by_date_then_mine_whatever_the_ledger_order(costs):
    mapping = CostMapping.from_dict(costs)
    rows = [(D2, "m1", 10.0), (D1, "m2", 20.0), (D2, "m2", 30.0), (D1, "m1", 40.0), (D2, "m1", 50.0)]
    consumption = pl.DataFrame(
        [(day, mine, "drilling", "electricity", q) for day, mine, q in rows],
        schema=["date", "mine_id", "activity", "resource", "quantity"],
        orient="row",
    )
    daily = daily_structure(
        build_ledger(consumption, mapping), pl.DataFrame(schema={"date": pl.Date, "mine_id": pl.String, "ore_t": pl.Float64}),
        categories=mapping.categories, stages=mapping.stages, resources=["electricity"],
    ).collect()
    assert daily.select("date", "mine_id").rows() == [(D1, "m1"), (D1, "m2"), (D2, "m1"), (D2, "m2")]
    assert daily["qty_electricity"].to_list() == [40.0, 20.0, 60.0, 30.0]  # m1 on D2: 10 + 50


def test_daily_structure_of_an_empty_ledger_is_an_empty_table_with_every_column(costs):
    mapping = CostMapping.from_dict(costs)
    empty = _consumption().clear()
    production = pl.DataFrame(schema={"date": pl.Date, "mine_id": pl.String, "ore_t": pl.Float64})
    full = daily_structure(
        build_ledger(_consumption(), mapping), production, categories=mapping.categories, stages=mapping.stages, resources=["electricity"]
    ).collect()
    daily = daily_structure(
        build_ledger(empty, mapping), production, categories=mapping.categories, stages=mapping.stages, resources=["electricity"]
    ).collect()
    assert daily.height == 0
    assert daily.schema == full.schema
