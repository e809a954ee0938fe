"""minectl: mine cost, risk and decision figures from operating data."""

__version__ = "0.1.0"
