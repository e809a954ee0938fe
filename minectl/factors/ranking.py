"""Factor ranking and explanation paths: influence flows along the graph's edges (Include
backwards: a part drives its whole), a path's strength is the product of its hops' strengths
times ``decay`` per extra hop, its sign the product of the hops' signs ("lumpiness up -> fill
rate down -> diesel up -> transport cost up"). A factor's graph score joins its paths' strengths
by noisy-or; the ranking mixes it with the embedding plausibility of (factor, relation, cost)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from minectl.errors import DataError
from minectl.factors.graph import sparql_rows
from minectl.factors.schema import Schema

TIE_DECIMALS = 12  # scores equal to this many decimals are tied (they lie in [0, 1])


@dataclass(frozen=True)
class Hop:
    source: str  # the influencing node
    target: str  # the influenced node
    relation: str
    reverse: bool  # the edge points target -> source (Include)
    strength: float
    sign: int | None
    origin: str  # the edge's source: declared | data | text
    provenance: str  # its citation


@dataclass(frozen=True)
class Path:
    hops: tuple[Hop, ...]
    strength: float
    sign: int | None

    def text(self) -> str:
        parts = [self.hops[0].source]
        for hop in self.hops:
            parts.append(f"-{hop.relation}{'^-1' if hop.reverse else ''}({_sign_mark(hop.sign)}{hop.origin})-> {hop.target}")
        net = {1: "up", -1: "down", None: "unknown direction"}[self.sign]
        return f"{' '.join(parts)}  [strength {self.strength:.3f}; {self.hops[0].source} up -> {self.hops[-1].target} {net}]"


def _sign_mark(sign: int | None) -> str:
    return {1: "+ ", -1: "- ", None: ""}[sign]


EDGE_QUERY = """
SELECT ?head ?relation ?tail ?weight ?sign ?source ?cite WHERE {
  ?edge p:head ?head ; p:relation ?relation ; p:tail ?tail ; p:source ?source .
  OPTIONAL { ?edge p:weight ?weight } OPTIONAL { ?edge p:sign ?sign } OPTIONAL { ?edge p:cite ?cite }
}"""


def influence_hops(store, schema: Schema) -> dict[str, list[Hop]]:
    """target -> the hops into it, read from the RDF store with SPARQL. A hop's strength is its
    relation type's weight, times |beta| (at most 1) for an edge estimated from data."""
    into: dict[str, list[Hop]] = defaultdict(list)
    for row in sparql_rows(store, EDGE_QUERY):
        kind = schema.relation_types[row["relation"]]
        # a text self-loop (`haul road affects the haul road`) influences no other node: no path passes it, and
        # `what affects haul road` listed haul_road as a direct influence on itself
        if kind.influence == "none" or row["head"] == row["tail"]:
            continue
        strength = kind.weight * (min(abs(row["weight"]), 1.0) if row["source"] == "data" and row["weight"] is not None else 1.0)
        sign = int(row["sign"]) if row["sign"] is not None else kind.sign
        reverse = kind.influence == "reverse"
        source, target = (row["tail"], row["head"]) if reverse else (row["head"], row["tail"])
        into[target].append(Hop(source, target, row["relation"], reverse, strength, sign, row["source"], row["cite"] or ""))
    for hops in into.values():
        hops.sort(key=lambda h: (h.source, h.relation, h.origin, h.provenance))
    return into


def paths_into(into: Mapping[str, list[Hop]], target: str, max_hops: int, decay: float) -> list[Path]:
    """Every simple path of at most ``max_hops`` hops ending at ``target`` (depth-first, backwards)."""
    found: list[Path] = []

    def walk(node: str, suffix: tuple[Hop, ...], seen: frozenset[str]) -> None:
        for hop in into.get(node, ()):
            if hop.source in seen:
                continue
            hops = (hop, *suffix)
            strength, sign = decay ** (len(hops) - 1), 1
            for h in hops:
                strength *= h.strength
                sign = None if sign is None or h.sign is None else sign * h.sign
            found.append(Path(hops, strength, sign))
            if len(hops) < max_hops:
                walk(hop.source, hops, seen | {hop.source})

    walk(target, (), frozenset({target}))
    return found


def rank_factors(into: Mapping[str, list[Hop]], node_types: Mapping[str, str], target: str, *, max_hops: int, decay: float,
                 plausibility: Mapping[str, float] | None = None, alpha: float = 0.0, explain: int = 2) -> pl.DataFrame:
    """Factors of ``target`` by score = (1 - alpha) graph score + alpha plausibility, with their best paths."""
    if target not in node_types:
        raise DataError(f"{target!r} is not a node of the graph; expected one of "
                        f"{', '.join(sorted(n for n, t in node_types.items() if t == 'Cost'))}", param="cost")
    by_factor: dict[str, list[Path]] = defaultdict(list)
    for path in paths_into(into, target, max_hops, decay):
        by_factor[path.hops[0].source].append(path)
    rows = []
    for factor, paths in by_factor.items():
        paths.sort(key=lambda p: (-p.strength, len(p.hops), p.text()))
        miss = 1.0
        for path in paths:
            miss *= 1.0 - path.strength
        graph_score = 1.0 - miss
        plaus = (plausibility or {}).get(factor)
        score = graph_score if plaus is None else (1 - alpha) * graph_score + alpha * plaus
        rows.append({"factor": factor, "type": node_types[factor], "score": score, "graph_score": graph_score,
                     "plausibility": plaus, "sign": paths[0].sign, "paths": len(paths), "hops": len(paths[0].hops),
                     "explanation": " | ".join(p.text() for p in paths[:explain])})
    schema = {"factor": pl.String, "type": pl.String, "score": pl.Float64, "graph_score": pl.Float64, "plausibility": pl.Float64,
              "sign": pl.Int8, "paths": pl.Int64, "hops": pl.Int64, "explanation": pl.String}
    frame = pl.DataFrame(rows, schema=schema).sort(["score", "factor"], descending=[True, False])
    # tied scores share their best rank (1, 2, 2, 4), as the entropy comparison ranks: with alpha 0, burden, borehole spacing
    # and specific charge (one path shape each) were ranked 13, 14, 15 by name and `top 14` left one of the three out unsaid.
    # Rounded first: a product of the same hop strengths in another order may differ in its last bit
    rank = pl.col("score").round(TIE_DECIMALS).rank("min", descending=True).cast(pl.Int64)
    return frame.with_columns(rank.alias("rank")).select("rank", *schema)


def top_factors(ranking: pl.DataFrame, k: int) -> pl.DataFrame:
    """The rows of rank k or better: a factor tied with the k-th is listed too, not cut by its name."""
    return ranking.filter(pl.col("rank") <= k)
