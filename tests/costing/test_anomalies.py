from datetime import date, timedelta

import polars as pl
import pytest

from minectl.costing import find_anomalies, rule_hits, rules_from_config, zscore_hits
from minectl.errors import ConfigError

RULES = {
    "equipment_efficiency_decline": {
        "kwh_per_t": {"direction": "up", "threshold": 0.15},
        "downtime_h": {"direction": "up", "threshold": 0.5},
        "maintenance_cost_per_t": {"direction": "flat", "threshold": 0.1},
    },
    "haulage_organisation": {
        "share_stage_transport": {"direction": "up", "threshold": 0.15},
        "cost_res_outsourced_haulage": {"direction": "up", "threshold": 0.15},
    },
}
N = 20


def _daily(**spikes):
    """Two mines, 20 flat days; ``spikes`` sets {column: factor} on day 15 of mine a."""
    base = {
        "kwh_per_t": 19.0,
        "downtime_h": 2.0,
        "maintenance_cost_per_t": 5.0,
        "share_stage_transport": 0.2,
        "cost_res_outsourced_haulage": 1000.0,
        "cost": 100.0,
    }
    rows = []
    for mine in ("a", "b"):
        for i in range(N):
            row = {"date": date(2024, 1, 1) + timedelta(days=i), "mine_id": mine}
            wiggle = 1 + 0.01 * ((i % 3) - 1)  # small noise so that sd > 0
            for column, value in base.items():
                factor = spikes.get(column, 1.0) if (mine == "a" and i == 15) else 1.0
                row[column] = value * wiggle * factor
            rows.append(row)
    return pl.DataFrame(rows)


RULESET = rules_from_config(RULES)


def test_efficiency_rule_fires_on_its_pattern_only():
    hits = rule_hits(_daily(kwh_per_t=1.3, downtime_h=2.0), RULESET, window=7)
    assert hits["item"].to_list() == ["equipment_efficiency_decline"]
    hit = hits.row(0, named=True)
    assert (hit["date"], hit["mine_id"]) == (date(2024, 1, 16), "a")
    assert hit["size"] == pytest.approx(0.3, abs=0.02)  # kWh/t up ~30 % vs the 7-day mean
    assert "kwh_per_t up" in hit["indicators"] and "downtime_h up" in hit["indicators"]


def test_efficiency_rule_is_silent_when_maintenance_cost_also_rises():
    hits = rule_hits(_daily(kwh_per_t=1.3, downtime_h=2.0, maintenance_cost_per_t=1.5), RULESET, window=7)
    assert hits.height == 0


def test_haulage_rule_fires_on_its_pattern_only():
    hits = rule_hits(_daily(share_stage_transport=1.4, cost_res_outsourced_haulage=1.5), RULESET, window=7)
    assert hits["item"].to_list() == ["haulage_organisation"]
    assert rule_hits(_daily(share_stage_transport=1.4), RULESET, window=7).height == 0
    assert rule_hits(_daily(), RULESET, window=7).height == 0


def test_zscore_matches_numpy_and_is_attributed_to_the_rule_of_the_day():
    daily = _daily(kwh_per_t=1.3, downtime_h=2.0, cost=1.5)
    zs = zscore_hits(daily, ["cost"], window=7, z=3.0)
    x = daily.filter(pl.col("mine_id") == "a")["cost"].to_numpy()
    prev = x[8:15]
    assert zs["score"].to_list() == [pytest.approx((x[15] - prev.mean()) / prev.std(ddof=1))]
    anomalies = find_anomalies(daily, ["cost"], RULESET, window=7, z=3.0)
    z_row = anomalies.filter(pl.col("method") == "zscore").row(0, named=True)
    assert z_row["attribution"] == "equipment_efficiency_decline"
    assert "downtime_h up" in z_row["indicators"]
    assert anomalies.height == 2  # the z-score hit and the rule hit


def test_unexplained_zscore_hit():
    anomalies = find_anomalies(_daily(cost=1.5), ["cost"], RULESET, window=7, z=3.0)
    assert anomalies["attribution"].to_list() == ["unexplained"]


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"r": {"kwh_per_t": {"direction": "sideways", "threshold": 0.1}}}, r"costs.anomaly_rules.r.kwh_per_t.direction"),
        ({"r": {"kwh_per_t": {"direction": "up", "threshold": -0.1}}}, r"costs.anomaly_rules.r.kwh_per_t.threshold"),
        ({"r": {"kwh_per_t": {"direction": "up", "threshold": "big"}}}, r"costs.anomaly_rules.r.kwh_per_t.threshold"),
        ({"r": {}}, r"costs.anomaly_rules.r: expected a mapping"),
        ({"r": {"kwh_per_t": {"direction": "up", "threshold": 0.1, "lag": 2}}}, r"costs.anomaly_rules.r.kwh_per_t: unknown key 'lag'"),
    ],
)
def test_rule_config_errors(spec, message):
    with pytest.raises(ConfigError, match=message):
        rules_from_config(spec)


@pytest.mark.parametrize("window, z, message", [(1, 3.0, "^window: 1;"), (7, 0.0, "^z: 0.0;"), (7, -2.0, "^z: -2.0;")])
def test_detector_parameter_errors(window, z, message):
    with pytest.raises(ConfigError, match=message):
        find_anomalies(_daily(), ["cost"], RULESET, window=window, z=z)
