"""Production capacity: technical limits, cost-capacity curves, cobweb prices, PCA, risk-adjusted optimum."""

# The public surface: the modules the task imports by name (none is imported here, so a caller
# loads only the modules, and libraries, it uses).
__all__ = ["curves", "limits", "optimal", "pca"]
