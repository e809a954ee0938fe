"""Bad-input corpus, round 12 (cost): the full-cost path's settings and a cost engineer's tables, on the
library functions (one mine, hauling labour at 85 CNY/h and electricity at 0.6 CNY/kWh, constant prices).

`costs.cost_objects: [stage, mine, product]` (the packaged mappings' default) was accepted and no figure was
ever given per product (the production table has no split by product): `product` is refused, and the
packaged mappings list [stage, mine].

A z-score against a constant trailing baseline (sd 0) was null, so no jump from a flat cost was ever
flagged (7 days at 100, then 1,000): it is an unbounded one (z = +-inf, "from a constant" in the summary),
as a rule's rise from a mean of 0 is.

A series whose threshold outliers fell on every other day (5 h of labour, 50 h on the days between, the
bound 10 h) was refused as "totals of a longer period ... the days between empty": those days were given,
and removed by the cleaning; they are imputed (the month's mean of the read days) as before.

Electricity exported in Wh from some day on among kWh, no unit column (1,000 kWh a day, then 1,000,000),
was costed 1000x from that day without a word (the 3-sigma rule removed its first three days only):
refused where a series' days in use step once by about 1000x (or 1e6x) and stay there.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest
from harness import assert_refused
from omegaconf import OmegaConf
from rich.console import Console

from minectl.costing import report
from minectl.costing.accounts import Preprocessing, cost_accounts
from minectl.costing.anomalies import zscore_hits
from minectl.costing.mapping import CostMapping
from minectl.errors import ConfigError, DataError

LABOUR, POWER = 85.0, 0.6  # CNY/h, CNY/kWh
COSTS = {
    "currency": "CNY",
    "resources": {"labour": {"unit": "h", "category": "labour", "price": LABOUR},
                  "electricity": {"unit": "kWh", "category": "energy", "price": POWER}},
    "activities": {"hauling": {"stage": "transport", "resources": ["labour", "electricity"]}},
    "cost_objects": ["stage", "mine"],
}
MAPPING = CostMapping.from_dict(COSTS)
START = dt.date(2024, 1, 1)
CONF = Path(__file__).resolve().parents[2] / "conf"


def _day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


def _accounts(series: dict[str, list[float | None]], *, bounds=None, hourly: pl.DataFrame | None = None):
    """cost_accounts of one mine's daily records (resource -> a quantity a day from 2024-01-01), ore 100 t a day."""
    days = max(len(q) for q in series.values())
    production = pl.DataFrame({"date": [_day(i) for i in range(days)], "mine_id": "M1", "ore_t": 100.0})
    daily = pl.DataFrame([{"date": _day(i), "mine_id": "M1", "activity": "hauling", "resource": resource, "quantity": q}
                          for resource, quantities in series.items() for i, q in enumerate(quantities)],
                         schema={"date": pl.Date, "mine_id": pl.String, "activity": pl.String, "resource": pl.String,
                                 "quantity": pl.Float64})
    return cost_accounts(MAPPING, production=production, consumption_daily=daily,
                         consumption_hourly=None if hourly is None else hourly.lazy(),
                         prep=Preprocessing(bounds=bounds or {}))


# ------------------------------------------------------------------------------------------ cost objects


def test_product_as_a_cost_object_is_refused_not_ignored():
    with pytest.raises(ConfigError, match=r"^costs.cost_objects: 'product' is not costed: the production table gives each "
                                          r"mine-day's output, not a split by product.*expected some of \['stage', 'mine'\]"):
        CostMapping.from_dict(COSTS | {"cost_objects": ["stage", "mine", "product"]})


@pytest.mark.parametrize("name", ["default", "taconite"])
def test_the_packaged_mappings_list_only_what_is_costed(name):
    costs = OmegaConf.to_container(OmegaConf.load(CONF / "costs" / f"{name}.yaml"))
    assert CostMapping.from_dict(costs).cost_objects == ("stage", "mine")


# ------------------------------------------------------------------------------ z-score, constant baseline


def _flat_then(values: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"date": [_day(i) for i in range(len(values))], "mine_id": "M1", "cost": values})


@pytest.mark.parametrize("jump, score", [(1000.0, math.inf), (10.0, -math.inf)])
def test_a_jump_from_a_constant_baseline_is_flagged(jump, score):
    """7 days at 100, then ``jump``, then 100 twice (window 5): before, sd 0 gave no z and nothing was flagged."""
    hits = zscore_hits(_flat_then([100.0] * 7 + [jump, 100.0, 100.0]), ["cost"], window=5, z=3.0)
    assert hits.select("date", "score", "size").rows() == [(_day(7), score, jump - 100.0)]
    console = Console(record=True, width=200)
    daily = _accounts({"labour": [5.0] * 3}).daily  # any daily table: the summary's anomalies are the hits
    report.print_summary(console, daily, hits.with_columns(attribution=pl.lit("unexplained")), MAPPING, 5, "day", None)
    assert f"{jump - 100:+,.6g} from a constant" in console.export_text()


def test_a_constant_baseline_that_stays_or_a_moving_one_is_scored_as_before():
    """The near misses: 100 throughout is no anomaly; 100 +- 1 then 104 is z = 4 / sd, a finite score."""
    assert zscore_hits(_flat_then([100.0] * 10), ["cost"], window=5, z=3.0).is_empty()
    hits = zscore_hits(_flat_then([99.0, 101.0] * 3 + [104.0]), ["cost"], window=6, z=3.0)
    assert hits["score"].to_list() == pytest.approx([4.0 / math.sqrt(1.2)])


def test_a_share_constant_but_for_its_last_bit_is_not_flagged():
    """5/7 of a mine's cost each day, computed from quantities that differ by day: 0.7142857142857143 or ...42, then
    ...45 (a change of 3e-16): the trailing sd of 6e-17 made that z = 6, flagged. Rounding is no move."""
    shares = [5 / 7] * 3 + [(5.0 * 3) / (7.0 * 3), (5 * 1.1) / (7 * 1.1)] * 4 + [0.7142857142857145]
    assert zscore_hits(_flat_then(shares), ["cost"], window=5, z=3.0).is_empty()


# ------------------------------------------------------------------------------------- period totals


def test_outliers_removed_every_other_day_are_no_period_totals():
    """20 days of 5 h labour with 50 h on every other day, costs.thresholds.labour.upper 10: the 50s are removed
    (10 of 20, not more than half) and imputed with January's mean of the read days, 5 h: 20 x 5 x 85 CNY.
    Before: refused as 10 records every 2 days, "the days between empty"."""
    accounts = _accounts({"labour": [5.0, 50.0] * 10}, bounds={"labour": (None, 10.0)})
    assert accounts.daily["cost"].sum() == pytest.approx(20 * 5 * LABOUR, rel=1e-12)
    assert (accounts.counts["outliers_removed"], accounts.counts["daily_imputed"]) == (10, 10)


def test_period_totals_with_empty_days_between_are_still_refused():
    """The neighbour: 5 h on every other day and nothing on the days between (weekly-like totals)."""
    with pytest.raises(DataError, match=r"resource 'labour' has 10 records, none the day after another \(every 2 days, "
                                        r"first 5.0 on 2024-01-01\), the days between empty"):
        _accounts({"labour": [5.0, None] * 10})


def _hourly(days: list[int]) -> pl.DataFrame:
    """Hourly electricity of the hauling, 2 kWh an hour on each of ``days`` (offsets from 2024-01-01), of 45 days."""
    stamps = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 14, 23), "1h", eager=True)
    return pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity",
                         "quantity": [2.0 if (stamp.date() - START).days in days else None for stamp in stamps]})


def test_a_metered_series_on_two_month_firsts_is_imputed_and_a_booked_one_refused():
    """Electricity metered on 2024-01-01 and 02-01 only (48 kWh each, then outages): its use, imputed (January's 31 days
    and February's 14 at 48 kWh), one semi-join of the candidates with the hourly keys. Booked labour on those two
    days only (a monthly cost on the 1st) is still refused."""
    labour = {"labour": [5.0] * 45}
    accounts = _accounts(labour, hourly=_hourly([0, 31]))
    assert accounts.daily["cost"].sum() == pytest.approx(45 * 48 * POWER + 45 * 5 * LABOUR, rel=1e-12)
    monthly = {"labour": [300.0 if i in (0, 31) else None for i in range(45)]}
    with pytest.raises(DataError, match=r"resource 'labour' has 2 records, none the day after another \(monthly"):
        _accounts(monthly, hourly=_hourly([0, 31]))


# --------------------------------------------------------------------------------- a quantity's unit step


def _wiggle(level: float, days: int) -> list[float]:
    return [level * (1 + 0.2 * ((i % 5) - 2) / 2) for i in range(days)]  # +-20 %


@pytest.mark.parametrize("factor", [1000.0, 1e-3, 1e6])
def test_a_quantity_that_changes_unit_midway_is_refused(factor):
    """1,000 kWh a day (+-20 %) for 40 days, then 40 days ``factor`` times that (Wh from day 41): before, costed
    1000x from there with the first three days removed as outliers (24.6 M CNY for 48,000)."""
    with pytest.raises(DataError, match=rf"resource 'electricity' goes from .* \(median, to 2024-02-09\) to .* \(from "
                                        rf"2024-02-10\), {max(factor, 1 / factor):,.0f}x, and stays there.*costs.resources."
                                        "electricity.unit 'kWh'"):
        _accounts({"electricity": _wiggle(1000.0, 40) + _wiggle(1000.0 * factor, 40)})


def test_a_tenfold_step_is_costed():
    """The near miss: a second plant from day 41, 10x the use (+-20 %): not refused; the 3-sigma rule removes its first
    5 days as before (imputed with February's mean of the days read)."""
    assert _accounts({"electricity": _wiggle(1000.0, 40) + _wiggle(10_000.0, 40)}).counts["outliers_removed"] == 5


def test_two_days_at_1000x_are_removed_and_imputed_as_before():
    """Two days in Wh (2024-02-10 and 11), then kWh again: too short for a unit step; the 3-sigma rule removes both and
    imputes them with February's mean of the 27 days read."""
    quantities = _wiggle(1000.0, 40) + _wiggle(1e6, 2) + _wiggle(1000.0, 38)
    read = [q for i, q in enumerate(quantities) if i not in (40, 41)]
    february = [q for i, q in enumerate(quantities) if 31 <= i < 60 and i not in (40, 41)]
    accounts = _accounts({"electricity": quantities})
    assert accounts.daily["cost"].sum() == pytest.approx((sum(read) + 2 * sum(february) / 27) * POWER, rel=1e-12)


def test_a_ramp_up_of_1000x_is_costed():
    """A plant commissioned over 40 days, 10 to 10,000 kWh a day (each day 19 % above the day before): no day's step is
    a unit's: not refused (the 3-sigma rule removes the ramp's later days as before, the days between the levels are
    given, not empty)."""
    quantities = [10.0] * 20 + [10.0 * 1.19 ** i for i in range(40)] + [10_000.0] * 20
    assert _accounts({"electricity": quantities}).counts["outliers_removed"] == 31


def test_product_on_the_command_line_is_one_error_line():
    assert_refused(["cost", "costs.cost_objects=[stage,mine,product]", "--cfg", "job"],
                   ["costs.cost_objects: 'product' is not costed", "expected some of ['stage', 'mine']"])
