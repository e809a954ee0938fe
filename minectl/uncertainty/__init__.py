"""Uncertainty of prices and costs: bootstrap, distribution fitting, propagation, risk measures."""

# The public surface: the modules the task and minectl.capacity import by name (none is imported
# here, so a caller loads only the modules, and libraries, it uses).
__all__ = ["analysis", "propagation", "report", "risk", "series"]
