"""NSGA-II problem wiring, ZDT1 against its true front, hypervolume by hand."""

import numpy as np
import pytest

from minectl.optimize import moo


def zdt1(X):
    f1 = X[:, 0]
    g = 1 + 9 * X[:, 1:].mean(axis=1)
    return np.column_stack([f1, g * (1 - np.sqrt(f1 / g))])


def test_hypervolume_of_hand_computed_fronts():
    ideal, nadir = np.zeros(2), np.ones(2)
    # reference point (1.1, 1.1): two corner points dominate 0.11 + 0.11 - 0.01
    assert moo.hypervolume(np.array([[0.0, 1.0], [1.0, 0.0]]), ideal, nadir) == pytest.approx(0.21)
    assert moo.hypervolume(np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]), ideal, nadir) == pytest.approx(0.46)
    assert moo.hypervolume(np.empty((0, 2)), ideal, nadir) == 0.0
    reference = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    assert moo.hypervolume_ratio(reference[:2], reference) == pytest.approx(0.21 / 0.46)


def test_nsga2_on_zdt1_reaches_99_percent_of_the_true_front_hypervolume():
    problem = moo.DesignProblem(zdt1, np.tile([0.0, 1.0], (30, 1)), ["f1", "f2"], [moo.Objective("f1"), moo.Objective("f2")])
    front = moo.run_nsga2(problem, pop_size=100, n_gen=250, seed=1)
    f1 = np.linspace(0, 1, 2001)
    true_front = np.column_stack([f1, 1 - np.sqrt(f1)])
    ratio = moo.hypervolume(front.F, np.zeros(2), np.ones(2)) / moo.hypervolume(true_front, np.zeros(2), np.ones(2))
    assert ratio >= 0.99
    assert problem.calls == 250  # one batch call per generation, the initial population included
    assert front.designs_evaluated == problem.designs_evaluated <= 250 * 100
    assert front.best_per_generation.shape == (250, 2)


def test_objectives_and_constraints_are_declared_by_response_name():
    Y = np.array([[10.0, 100.0, 3.0], [12.0, 80.0, 5.0]])
    responses = ["subsidence", "ore", "cost"]
    F = moo.to_minimisation(Y, responses, [moo.Objective("ore", "max"), moo.Objective("subsidence")])
    assert F.tolist() == [[-100.0, 10.0], [-80.0, 12.0]]
    G = moo.constraint_values(Y, responses, [moo.Constraint("subsidence", "<=", 11.0), moo.Constraint("cost", ">=", 4.0)])
    assert G.tolist() == [[-1.0, 1.0], [1.0, -1.0]]


def test_constrained_front_respects_the_limit_and_is_sorted():
    # responses: a = x0, b = 1 - x0 + x1 (x1 only hurts); constraint a <= 0.6
    def evaluate(X):
        return np.column_stack([X[:, 0], 1 - X[:, 0] + X[:, 1]])

    problem = moo.DesignProblem(evaluate, [[0.0, 1.0], [0.0, 1.0]], ["a", "b"], [moo.Objective("a"), moo.Objective("b")],
                                [moo.Constraint("a", "<=", 0.6)])
    front = moo.run_nsga2(problem, pop_size=40, n_gen=60, seed=0)
    assert front.Y[:, 0].max() <= 0.6
    assert np.all(np.diff(front.F[:, 0]) >= 0)
    assert np.allclose(front.X[:, 1], 0.0, atol=0.02)
    assert np.allclose(front.Y, evaluate(front.X))


def test_nothing_feasible_gives_an_empty_front():
    problem = moo.DesignProblem(lambda X: X.copy(), [[0.0, 1.0], [0.0, 1.0]], ["a", "b"],
                                [moo.Objective("a"), moo.Objective("b")], [moo.Constraint("a", ">=", 2.0)])
    front = moo.run_nsga2(problem, pop_size=10, n_gen=3, seed=0)
    assert front.X.shape == (0, 2) and front.F.shape == (0, 2)
