"""The local weighted factor network around a cost item (as seed 001 Fig. 15)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from minectl.factors.ranking import Hop, paths_into


def plot_local_network(into: Mapping[str, list[Hop]], ranking: pl.DataFrame, target: str, *, max_hops: int, decay: float):
    """The best path of each ranked factor into ``target``; edge width = hop strength, colour = sign."""
    import matplotlib.pyplot as plt
    import networkx as nx

    factors = set(ranking["factor"])
    best: dict[str, object] = {}
    for path in sorted(paths_into(into, target, max_hops, decay), key=lambda p: (-p.strength, p.text())):
        best.setdefault(path.hops[0].source, path)
    graph = nx.DiGraph()
    graph.add_node(target)
    for factor in sorted(factors & set(best)):  # set order follows PYTHONHASHSEED: the layout would differ run to run
        for hop in best[factor].hops:
            graph.add_edge(hop.source, hop.target, strength=hop.strength, sign=hop.sign, relation=hop.relation)
    figure, axis = plt.subplots(figsize=(10, 7))
    layout = nx.spring_layout(graph, seed=0, k=1.2)
    colours = {1: "tab:red", -1: "tab:blue", None: "tab:gray"}
    edges = list(graph.edges(data=True))
    nx.draw_networkx_edges(graph, layout, ax=axis, edgelist=[(a, b) for a, b, _ in edges], width=[1 + 4 * d["strength"] for *_, d in edges],
                           edge_color=[colours[d["sign"]] for *_, d in edges], arrows=True, arrowsize=14)
    nx.draw_networkx_edge_labels(graph, layout, ax=axis, font_size=7,
                                 edge_labels={(a, b): f"{d['relation']} {d['strength']:.2f}" for a, b, d in edges})
    score = dict(zip(ranking["factor"], ranking["score"], strict=True))
    nx.draw_networkx_nodes(graph, layout, ax=axis, node_color=["gold" if n == target else "lightsteelblue" for n in graph],
                           node_size=[1600 if n == target else 300 + 1500 * score.get(n, 0.0) for n in graph])
    nx.draw_networkx_labels(graph, layout, ax=axis, font_size=8)
    axis.set_title(f"Factors of {target}: best path of each ranked factor (red +, blue -, grey: unsigned)")
    axis.axis("off")
    return figure
