"""Data-derived edges (training period only, block-bootstrap intervals, the threshold), path
ranking with sign propagation, the query language and the entropy weight method."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy.stats import entropy as shannon_entropy
from scipy.stats import spearmanr
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from minectl.errors import ConfigError, DataError
from minectl.factors.derived import derive_edges
from minectl.factors.entropy import compare_rankings, entropy_weights
from minectl.factors.graph import FactorGraph
from minectl.factors.query import QueryContext, answer
from minectl.factors.ranking import influence_hops, rank_factors
from minectl.factors.schema import Schema
from minectl.tasks.factors import ENTITY_TYPES, RELATION_TYPES


def _daily(n: int = 300, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = 2.0 * x[:, 0] - 1.0 * x[:, 1] + 0.3 * rng.normal(size=n)  # x[:, 2] does not matter
    dates = pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 1, 1) + dt.timedelta(days=n - 1), eager=True)
    return pl.DataFrame({"date": dates, "haul_km": x[:, 0], "fleet_pct": x[:, 1], "noise": x[:, 2], "cost_t": y})


DRIVERS = {"haul_km": "haul_distance", "fleet_pct": "fleet_availability", "noise": "rock_hardness"}
SETTINGS = {"train_fraction": 0.7, "n_resamples": 200, "block_length": 5, "min_effect": 0.1, "confidence": 0.95, "seed": 0}


def test_effects_are_standardised_partial_regressions_on_the_training_period():
    daily = _daily()
    result = derive_edges(daily, DRIVERS, {"cost_t": "transport_cost"}, **SETTINGS)
    train = daily.head(210)  # 70 % of 300 dates
    x = StandardScaler().fit_transform(train.select("haul_km", "fleet_pct", "noise").to_numpy())
    y = StandardScaler().fit_transform(train.select("cost_t").to_numpy()).ravel()
    expected = LinearRegression().fit(x, y).coef_
    assert result.estimates["beta"].to_numpy() == pytest.approx(expected, abs=1e-9)
    kept = {(e["head"], e["relation"], e["tail"]) for e in result.edges}
    assert kept == {("haul_distance", "Positive", "transport_cost"), ("fleet_availability", "Negative", "transport_cost")}
    assert result.dropped == 1 and result.train_rows == 210 and result.incomplete_rows == 0
    low, high = result.estimates["low"].to_numpy(), result.estimates["high"].to_numpy()
    assert (low[:2] < expected[:2]).all() and (expected[:2] < high[:2]).all()


def test_the_test_period_never_reaches_the_estimate():
    daily = _daily()
    changed = daily.with_columns(pl.when(pl.int_range(pl.len()) >= 210).then(pl.col("cost_t") * 100 - 50).otherwise(pl.col("cost_t")))
    first = derive_edges(daily, DRIVERS, {"cost_t": "transport_cost"}, **SETTINGS).estimates
    second = derive_edges(changed, DRIVERS, {"cost_t": "transport_cost"}, **SETTINGS).estimates
    assert first.equals(second)


def test_a_threshold_above_every_effect_drops_all_edges():
    result = derive_edges(_daily(), DRIVERS, {"cost_t": "transport_cost"}, **{**SETTINGS, "min_effect": 5.0})
    assert result.edges == [] and result.dropped == 3


def test_an_unknown_column_is_refused():
    with pytest.raises(DataError, match="haul_m: no column 'haul_m' in the mine data"):
        derive_edges(_daily(), {"haul_m": "haul_distance"}, {"cost_t": "transport_cost"}, **SETTINGS)


def _small_graph():
    """a -Positive-> b -Negative-> c; d -Affect-> c; c Include-d by total (total Include c)."""
    schema = Schema.from_config(ENTITY_TYPES, RELATION_TYPES)
    nodes = pl.DataFrame({"name": ["a", "b", "c", "d", "total"], "type": ["Parameters", "Index", "Cost", "Method", "Cost"],
                          "label": ["a", "b", "c", "d", "total"], "sources": [["declared"]] * 5})
    rows = [("a", "Positive", "b", None, "declared"), ("b", "Negative", "c", 0.5, "data"), ("d", "Affect", "c", None, "declared"),
            ("a", "Affect", "c", None, "declared"), ("total", "Include", "c", None, "declared")]
    edges = pl.DataFrame([{"head": h, "relation": r, "tail": t, "weight": w, "sign": None, "unit": None, "condition": None,
                           "source": s, "cite": "test", "effect_low": None, "effect_high": None, "confidence": None}
                          for h, r, t, w, s in rows],
                         schema={"head": pl.String, "relation": pl.String, "tail": pl.String, "weight": pl.Float64, "sign": pl.Int8,
                                 "unit": pl.String, "condition": pl.String, "source": pl.String, "cite": pl.String,
                                 "effect_low": pl.Float64, "effect_high": pl.Float64, "confidence": pl.Float64})
    graph = FactorGraph(nodes, edges, schema)
    return graph, graph.store()


def test_path_scores_and_signs_by_hand():
    graph, store = _small_graph()
    into = influence_hops(store, graph.schema)
    nodes = dict(zip(graph.nodes["name"], graph.nodes["type"], strict=True))
    ranking = rank_factors(into, nodes, "total", max_hops=3, decay=0.8)
    rows = {r["factor"]: r for r in ranking.iter_rows(named=True)}
    # c -> total by Include (reverse, weight 0.6, sign +1)
    assert rows["c"]["score"] == pytest.approx(0.6) and rows["c"]["sign"] == 1
    # b -> c (Negative 0.9 x |0.5| data weight) -> total (0.6), one hop of decay: 0.45 * 0.6 * 0.8, sign -1
    assert rows["b"]["score"] == pytest.approx(0.216) and rows["b"]["sign"] == -1
    # a: via b (0.9 * 0.45 * 0.6 * 0.8^2 = 0.15552, sign -) and direct Affect (0.6 * 0.6 * 0.8 = 0.288, sign unknown)
    assert rows["a"]["score"] == pytest.approx(1 - (1 - 0.15552) * (1 - 0.288))
    assert rows["a"]["paths"] == 2 and rows["a"]["sign"] is None  # its strongest path (Affect) carries no sign
    assert list(ranking["factor"]) == ["c", "a", "d", "b"] and list(ranking["rank"]) == [1, 2, 3, 4]
    with_plausibility = rank_factors(into, nodes, "total", max_hops=3, decay=0.8, plausibility={"b": 1.0}, alpha=0.5)
    assert with_plausibility.filter(pl.col("factor") == "b")["score"][0] == pytest.approx(0.5 * 0.216 + 0.5)
    assert rank_factors(into, nodes, "total", max_hops=1, decay=0.8)["factor"].to_list() == ["c"]


def test_the_query_language():
    graph, store = _small_graph()
    into = influence_hops(store, graph.schema)
    nodes = dict(zip(graph.nodes["name"], graph.nodes["type"], strict=True))
    ctx = QueryContext(store, into, nodes, {"alpha": "a"}, 3, 0.8, lambda cost, k: [f"ranked {cost} {k}"])
    assert answer("Top 5 factors of total?", ctx) == ["ranked total 5"]
    lines = answer("how does alpha affect total", ctx)
    assert lines[0] == "2 path(s) from a to total:" and "a up -> total down" in lines[2]
    assert answer("what does total include", ctx) == ["total includes 1 item(s): c"]
    assert answer("what affects c", ctx)[:2] == ["3 direct influence(s) on c:", "  a -Affect-> c (declared, strength 0.600)"]
    with pytest.raises(ConfigError, match="cannot read 'why is cost high'; expected one of: top <k> factors of <cost>"):
        answer("why is cost high", ctx)
    with pytest.raises(ConfigError, match="'zeta' is not an entity of the graph"):
        answer("what affects zeta", ctx)


def test_entropy_weights_match_an_independent_computation():
    rng = np.random.default_rng(0)
    matrix = rng.integers(1, 6, size=(15, 8)).astype(float)
    weights, entropies = entropy_weights(matrix)
    scaled = (matrix - matrix.min(0)) / (matrix.max(0) - matrix.min(0))
    independent = np.array([shannon_entropy(scaled[:, j]) for j in range(8)]) / np.log(15)  # scipy normalises p itself
    assert entropies == pytest.approx(independent)
    assert weights == pytest.approx((1 - independent) / (1 - independent).sum())
    assert weights.sum() == pytest.approx(1.0)


def test_rank_comparison_and_spearman():
    table, rho = compare_rankings(["x", "y", "z", "w"], [0.4, 0.3, 0.2, 0.1], [0.1, 0.5, 0.3, 0.2], ("a", "b"))
    assert table["a_rank"].to_list() == [1, 2, 3, 4] and table["b_rank"].to_list() == [4, 1, 2, 3]
    assert table["rank_difference"].to_list() == [-3, 1, 1, 1]
    assert rho == pytest.approx(spearmanr([0.4, 0.3, 0.2, 0.1], [0.1, 0.5, 0.3, 0.2]).statistic)


def test_training_rows_with_a_missing_or_infinite_value_are_left_out_and_counted():
    daily = _daily()
    haul = daily["haul_km"].to_list()
    haul[3], haul[5], haul[250] = None, float("inf"), float("nan")  # row 250 is after the training period
    result = derive_edges(daily.with_columns(pl.Series("haul_km", haul)), DRIVERS, {"cost_t": "transport_cost"}, **SETTINGS)
    assert (result.train_rows, result.incomplete_rows) == (208, 2)
