"""The cost-factor knowledge graph (seed 001): schema, declared knowledge, data-derived edges, the
graph store and exports, link prediction, ranking, queries, entropy weights; the embeddings are
the subpackage minectl.factors.kge."""

# The public surface: the modules the task imports by name (none is imported here, so a caller
# loads only the modules, and libraries, it uses).
__all__ = ["declared", "derived", "entropy", "exports", "graph", "link_prediction", "plots", "query", "ranking", "schema"]
