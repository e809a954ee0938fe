"""NSGA-II on the surrogate vs on an analytic problem of the same size, and the front's quality.

The seed's case: 2 design variables (crown-pillar height 18-25 m, sidewall thickness 0.5-3 m),
2 objectives (min subsidence, max ore), 1 constraint (subsidence <= 12 cm); population 100 x 200
generations. The analytic problem is the closed-form probability-integral simulator itself.
Targets (issue #6): time per generation with the surrogate <= 1.6x the analytic problem's, measured
in the same run; pareto.hv_ratio (surrogate front re-evaluated on the simulator / the simulator's
own NSGA-II front) >= 0.98 with the 88-run full-factorial DoE. Also shown: what one surrogate call
per individual would cost, the reason the problem evaluates the whole population in one batch.
Run: python benchmarks/nsga2_surrogate.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from minectl.optimize import doe, moo
from minectl.optimize.simulator import RESPONSES, ProbabilityIntegralSimulator
from minectl.optimize.surrogate import LightGBMRegressor, MultiResponseSurrogate

BOUNDS = np.array([[18.0, 25.0], [0.5, 3.0]])
OBJECTIVES = [moo.Objective("subsidence_cm", "min"), moo.Objective("ore_t", "max")]
CONSTRAINTS = [moo.Constraint("subsidence_cm", "<=", 12.0)]
POP, GENERATIONS, SEED = 100, 200, 0


def nsga2(evaluate):
    problem = moo.DesignProblem(evaluate, BOUNDS, list(RESPONSES), OBJECTIVES, CONSTRAINTS)
    return moo.run_nsga2(problem, pop_size=POP, n_gen=GENERATIONS, seed=SEED)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats

    simulator = ProbabilityIntegralSimulator()
    X = doe.full_factorial(BOUNDS, [8, 11])
    surrogate = MultiResponseSurrogate(LightGBMRegressor(random_state=SEED)).fit(X, simulator.evaluate(X))

    seconds = {"analytic": [], "surrogate": []}
    fronts = {}
    for _ in range(repeats):  # interleaved, so machine load hits both alike
        for name, evaluate in (("analytic", simulator.evaluate), ("surrogate", surrogate.predict)):
            fronts[name] = nsga2(evaluate)
            seconds[name].append(fronts[name].seconds / GENERATIONS)
    per_gen = {name: statistics.median(values) for name, values in seconds.items()}
    ratio = per_gen["surrogate"] / per_gen["analytic"]

    population = doe.latin_hypercube(BOUNDS, POP, SEED)
    start = time.perf_counter()
    surrogate.predict(population)
    batch = time.perf_counter() - start
    start = time.perf_counter()
    for row in population:
        surrogate.predict(row[None, :])
    per_individual = time.perf_counter() - start

    front, direct = fronts["surrogate"], fronts["analytic"]
    Y_true = simulator.evaluate(front.X)
    feasible = (moo.constraint_values(Y_true, list(RESPONSES), CONSTRAINTS) <= 0).all(axis=1)
    hv_ratio = moo.hypervolume_ratio(moo.to_minimisation(Y_true[feasible], list(RESPONSES), OBJECTIVES), direct.F)

    print(f"NSGA-II {POP} x {GENERATIONS}, 2 variables, 2 objectives, 1 constraint; median of {repeats} runs")
    print(f"  analytic problem (closed-form simulator): {1e3 * per_gen['analytic']:.2f} ms/generation")
    print(f"  LightGBM surrogate, one batch call/gen:   {1e3 * per_gen['surrogate']:.2f} ms/generation")
    print(f"  ratio surrogate / analytic: {ratio:.2f}x (target <= 1.6x) -> {'PASS' if ratio <= 1.6 else 'FAIL'}")
    print(f"  one population: batch predict {1e3 * batch:.2f} ms, one call per individual {1e3 * per_individual:.1f} ms "
          f"({per_individual / batch:.0f}x)")
    print(f"88-run DoE: pareto.hv_ratio = {hv_ratio:.4f} (target >= 0.98) -> {'PASS' if hv_ratio >= 0.98 else 'FAIL'}")
    print(f"  front sizes: surrogate {len(front.X)} (feasible on the simulator {feasible.sum()}), simulator {len(direct.X)}")
    print(f"  simulator calls: surrogate path {len(X) + len(front.X)} (88 DoE + front re-evaluation), "
          f"direct NSGA-II {direct.designs_evaluated}")


if __name__ == "__main__":
    main()
