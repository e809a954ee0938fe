"""Knowledge-graph embedding: TransE/H/R/D, DistMult, RotatE, ComplEx as scikit-learn-style torch
estimators, Bernoulli negative sampling, filtered/raw link-prediction evaluation and the
relation-conditioned frequency baseline."""

# The modules callers import by name (none is imported here: torch loads only when used).
__all__ = ["baseline", "data", "estimator", "evaluation", "scoring"]
