"""The synthetic block model: its precedence pattern, determinism and ground truth, and the ML
loop's estimates against their static baselines."""

from __future__ import annotations

import numpy as np
import pytest

from minectl.schedule.blockmodel import Economics, block_values, generate, precedence_pattern
from minectl.schedule.loop import Surrogates, estimate, inverse_distance


@pytest.mark.parametrize("radius", [1.0, 1.5, 2.0])
def test_precedence_pattern_equals_brute_force(radius):
    nx, ny, nz = 5, 4, 3
    prec = precedence_pattern(nx, ny, nz, radius)
    index = np.arange(nx * ny * nz).reshape(nx, ny, nz)
    expected = set()
    for i, j, k in np.ndindex(nx, ny, nz - 1):
        for a, b in np.ndindex(nx, ny):
            if (a - i) ** 2 + (b - j) ** 2 <= radius**2:
                expected.add((index[i, j, k], index[a, b, k + 1]))
    assert set(zip(*(x.tolist() for x in prec.arcs()), strict=True)) == expected


def test_generator_is_deterministic_and_its_truth_behaves():
    a, b = generate(8, 8, 6, seed=5), generate(8, 8, 6, seed=5)
    assert np.array_equal(a.grade, b.grade) and np.array_equal(a.prec.preds, b.prec.preds)
    assert not np.array_equal(a.grade, generate(8, 8, 6, seed=6).grade)
    depth = a.features()[:, 3]
    assert np.corrcoef(a.burst_probability, depth)[0, 1] > 0.3  # deeper bursts more
    assert np.corrcoef(a.dilution, a.rock_quality)[0, 1] < -0.5  # poor rock dilutes more
    assert np.corrcoef(a.proxy, np.log(a.grade))[0, 1] > 0.5


def test_block_values_by_hand():
    econ = Economics(price_per_oz=2000, recovery=0.9, mining_cost_t=3, processing_cost_t=20, burst_cost=50000)
    values = block_values(np.array([1000.0]), np.array([2.0]), np.array([0.1]), np.array([0.2]), econ)
    waste = -3 * 1100 - 0.2 * 50000
    assert values[0].tolist() == pytest.approx([waste, waste + 1000 * 2 * 0.9 / 31.1034768 * 2000 - 20 * 1100])


def test_inverse_distance_is_exact_at_samples_and_between_them():
    points = np.array([[0.0, 0, 0], [2.0, 0, 0]])
    values = np.array([1.0, 3.0])
    assert inverse_distance(points, values, np.array([[0.0, 0, 0], [1.0, 0, 0], [0.5, 0, 0]])).tolist() == pytest.approx(
        [1.0, 2.0, (1 / 0.25 + 3 / 2.25) / (1 / 0.25 + 1 / 2.25)])


def test_ml_estimates_beat_static_ones_where_the_truth_depends_on_features():
    model = generate(16, 16, 6, seed=1)
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression

    surrogates = Surrogates(LinearRegression(), HistGradientBoostingRegressor(max_iter=100, learning_rate=0.05, random_state=1,
                                                                             early_stopping=False), LogisticRegression())
    static, ml, errors = estimate(model, holes=30, history=300, seed=1, surrogates=surrogates)
    assert errors["dilution_mae"]["ml"] < 0.7 * errors["dilution_mae"]["static"]
    assert errors["burst_mae"]["ml"] < 0.7 * errors["burst_mae"]["static"]
    assert errors["drill_samples"] == 30 * 6 and np.all(static.dilution == static.dilution[0])
