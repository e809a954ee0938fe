from datetime import date, datetime, timedelta

import polars as pl
import pytest

from minectl.costing import CostMapping
from minectl.costing.accounts import Preprocessing, bounds_from_config, cost_accounts
from minectl.errors import ConfigError, DataError


def test_bounds_from_config():
    assert bounds_from_config({"diesel": {"upper": 10}, "labour": {"lower": 1, "upper": 2.5}}) == {
        "diesel": (None, 10.0),
        "labour": (1.0, 2.5),
    }
    with pytest.raises(ConfigError, match=r"costs.thresholds.diesel.upper: 'lots'"):
        bounds_from_config({"diesel": {"upper": "lots"}})
    with pytest.raises(ConfigError, match=r"costs.thresholds.diesel: unknown key 'max'"):
        bounds_from_config({"diesel": {"max": 3}})


@pytest.mark.parametrize(
    "prep, message",
    [
        (Preprocessing(interpolation_limit=-1), "^interpolation_limit: "),
        (Preprocessing(outlier_window=1), "^outlier_window: "),
        (Preprocessing(sensor_window=0), "^sensor_window: "),
        (Preprocessing(outlier_sigma=0), "^outlier_sigma: "),
        (Preprocessing(event_downtime_h=-1), "^event_downtime_h: "),
        (Preprocessing(event_days_after=-1), "^event_days_after: "),
        (Preprocessing(impute_cycle="sometimes"), "^impute_cycle: "),
        (Preprocessing(bounds={"diesel": (5.0, 1.0)}), "^bounds.diesel: lower 5.0 > upper 1.0"),
    ],
)
def test_preprocessing_nonsense_is_a_config_error(prep, message):
    with pytest.raises(ConfigError, match=message):
        prep.check()


def test_accounts_from_hourly_and_booked_records_by_hand(costs):
    """Hourly meters with a 2-hour gap (filled by eq 3), a booked record missing (cycle mean),
    a noise spike removed and an event spike kept; cost by hand."""
    mapping = CostMapping.from_dict(costs)
    days = [date(2024, 1, 1) + timedelta(days=i) for i in range(8)]
    hours = [datetime(2024, 1, 1) + timedelta(hours=h) for h in range(24 * 8)]
    kwh = [10.0] * len(hours)
    kwh[30], kwh[31] = None, None  # Jan 2, 06:00-07:00: filled with 10 each (flat neighbours)
    hourly = pl.DataFrame({"timestamp": hours, "mine_id": "m", "activity": "drilling", "resource": "electricity", "quantity": kwh})
    labour = [8.0, 8.0, None, 8.0, 8.0, 8.0, 80.0, 80.0]  # day 7 noise, day 8 explained by a failure
    booked = pl.DataFrame({"date": days, "mine_id": "m", "activity": "drilling", "resource": "labour", "quantity": labour})
    equipment = pl.DataFrame(
        {"date": days, "mine_id": "m", "operating_h": 20.0, "downtime_h": 0.0,
         "failures": [0] * 7 + [1], "maintenance": False}
    )
    production = pl.DataFrame({"date": days, "mine_id": "m", "ore_t": [100.0] * 7 + [0.0], "drilled_m": 5.0, "haul_km": 1.0})
    prep = Preprocessing(outlier_window=3, bounds={"labour": (0.0, 50.0)}, event_days_after=0)
    accounts = cost_accounts(
        mapping, production=production, consumption_hourly=hourly.lazy(), consumption_daily=booked,
        equipment=equipment, prep=prep, intensities={"kwh_per_t": ("qty_electricity", "ore_t")},
    )
    assert accounts.counts == {
        "hourly_missing": 2, "hourly_interpolated": 2, "hourly_unfilled": 0,
        "outliers_removed": 1, "outliers_kept_event": 1, "daily_imputed": 2, "daily_unfilled": 0,
    }
    daily = accounts.daily
    # electricity: 240 kWh/day; Jan 1-2 at 0.6 CNY/kWh, from Jan 3 at 0.9
    assert daily["qty_electricity"].to_list() == [240.0] * 8
    assert daily["cost_res_electricity"].to_list() == pytest.approx([144.0, 144.0] + [216.0] * 6)
    # labour: Jan 3 and Jan 7 take the January mean of the valid days (8, 8, 8, 8, 8, 80) = 20
    assert daily["qty_labour"].to_list() == pytest.approx([8.0, 8.0, 20.0, 8.0, 8.0, 8.0, 20.0, 80.0])
    assert daily["cost"][0] == pytest.approx(144.0 + 640.0)
    assert daily["unit_cost"][0] == pytest.approx(7.84)
    assert daily["kwh_per_t"][0] == pytest.approx(2.4)
    assert daily["unit_cost"][7] is None and daily["no_output"][7]
    assert accounts.ledger.height == 16


def test_metered_and_booked_records_of_one_series_are_summed(costs):
    mapping = CostMapping.from_dict(costs)
    hours = [datetime(2024, 1, 1) + timedelta(hours=h) for h in range(24)]
    hourly = pl.DataFrame({"timestamp": hours, "mine_id": "m", "activity": "drilling", "resource": "electricity", "quantity": 1.0})
    booked = pl.DataFrame(
        {"date": [date(2024, 1, 1)], "mine_id": "m", "activity": "drilling", "resource": "electricity", "quantity": [6.0]}
    )
    production = pl.DataFrame({"date": [date(2024, 1, 1)], "mine_id": "m", "ore_t": [10.0], "drilled_m": 1.0, "haul_km": 1.0})
    accounts = cost_accounts(mapping, production=production, consumption_hourly=hourly.lazy(), consumption_daily=booked)
    assert accounts.ledger["quantity"].to_list() == [30.0]  # 24 metered + 6 booked kWh
    assert accounts.daily["cost"].to_list() == [pytest.approx(18.0)]  # x 0.6 CNY/kWh


def test_no_quantity_left_to_cost_is_a_data_error(costs):
    """Every reading missing and nothing in the cycle to impute from: one line, not an empty ledger."""
    mapping = CostMapping.from_dict(costs)
    hours = [datetime(2024, 1, 1) + timedelta(hours=h) for h in range(48)]
    hourly = pl.DataFrame(
        {"timestamp": hours, "mine_id": "m", "activity": "drilling", "resource": "electricity", "quantity": None},
        schema_overrides={"quantity": pl.Float64},
    )
    production = pl.DataFrame({"date": [date(2024, 1, 1)], "mine_id": "m", "ore_t": [10.0], "drilled_m": 1.0, "haul_km": 1.0})
    with pytest.raises(DataError, match=r"consumption: none of the 2 daily records has a quantity"):
        cost_accounts(mapping, production=production, consumption_hourly=hourly.lazy())
