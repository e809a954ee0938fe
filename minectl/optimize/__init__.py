"""Design optimisation (seed 002): simulator, DoE, surrogates, NSGA-II, price-driven decision,
BO baseline, sensitivity and robustness. Modules are imported directly (pymoo and LightGBM load
only when used)."""
