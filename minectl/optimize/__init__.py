"""Design optimisation (seed 002): simulator, DoE, surrogates, NSGA-II, price-driven decision,
BO baseline, sensitivity and robustness. Modules are imported directly (pymoo and LightGBM load
only when used)."""

# The public surface: the modules the task imports by name.
__all__ = ["baseline", "decision", "doe", "front", "moo", "pim", "plots", "robustness", "sensitivity", "simulator", "surrogate",
           "validation"]
