"""The graph's schema (seed 001 Table 3 and its 11 entity types), declared in config so a user can
extend it, and the checks every source's nodes and edges pass: known types, no dangling edge, no
cycle of Include, not empty."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from minectl.errors import DataError

NODE_COLUMNS = ("name", "type", "label", "sources")
EDGE_COLUMNS = ("head", "relation", "tail", "weight", "sign", "unit", "condition", "source", "cite",
                "effect_low", "effect_high", "confidence")
IRI_EXCLUDED = '<>"{}|^`\\'  # characters an IRI cannot hold (RFC 3987), besides spaces and control characters
INFLUENCE = ("forward", "reverse", "none")  # how a relation carries cost influence: h->t, t->h, not at all


@dataclass(frozen=True)
class RelationType:
    influence: str = "forward"
    weight: float = 0.5  # the strength of one hop when the edge has no weight of its own
    sign: int | None = None  # +1 / -1: the direction of change it passes on; None: unknown


@dataclass(frozen=True)
class Schema:
    entity_types: tuple[str, ...]
    relation_types: Mapping[str, RelationType]

    @classmethod
    def from_config(cls, entity_types: Iterable[str], relation_types: Mapping[str, Mapping]) -> Schema:
        entities = tuple(entity_types)
        if not entities or not relation_types:
            raise DataError("expected at least one entity type and one relation type", param="schema")
        for what, names in (("entity_types", entities), ("relation_types", relation_types)):
            for name in names:
                _check_type_name(str(name), f"schema.{what}")
        label = next((name for name in entities if ";" in str(name)), None)
        if label is not None:  # the Neo4j export's :LABEL column, read with --array-delimiter=";", made it two labels
            raise DataError(f"type {label!r} holds ';'; expected an entity type without ';' (Neo4j's import reads it as "
                            "two labels)", param="schema.entity_types")
        relations = {}
        for name, spec in relation_types.items():
            spec = dict(spec or {})
            unknown = sorted(set(spec) - set(RelationType.__dataclass_fields__))
            if unknown:  # `wieght: 0.5` ended the run in RelationType's TypeError traceback
                raise DataError(f"unknown key(s) {', '.join(unknown)}; expected influence, weight, sign",
                                param=f"schema.relation_types.{name}")
            if spec.get("influence", "forward") not in INFLUENCE:
                raise DataError(f"influence {spec.get('influence')!r}; expected one of {', '.join(INFLUENCE)}",
                                param=f"schema.relation_types.{name}")
            if isinstance(spec.get("sign"), bool) or spec.get("sign") not in (None, 1, -1):  # true == 1
                raise DataError(f"sign {spec.get('sign')!r}; expected 1, -1 or null", param=f"schema.relation_types.{name}")
            weight = spec.get("weight", 0.5)
            # `weight: abc` or null: float()'s traceback; true: read as 1
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
                raise DataError(f"weight {weight!r}; expected a number in [0, 1]", param=f"schema.relation_types.{name}")
            relations[name] = RelationType(**spec)
        return cls(entities, relations)

    def check_entity_type(self, type_: str, where: str) -> None:
        if type_ not in self.entity_types:
            raise DataError(f"{_unknown('entity type', type_, self.entity_types)}; expected one of {', '.join(self.entity_types)} "
                            "(or add it to factors.schema.entity_types)", param=where)

    def check_relation(self, relation: str, where: str) -> None:
        if relation not in self.relation_types:
            raise DataError(f"{_unknown('relation type', relation, self.relation_types)}; expected one of {', '.join(self.relation_types)} "
                            "(or add it to factors.schema.relation_types)", param=where)


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    """An unknown type named, with the known one it differs from in case or spaces only (`affect`); an empty one (a text
    table's empty cell: it was "unknown relation type 'None'") said so."""
    from minectl.data.names import alike_in

    alike = alike_in(name, known)
    return (f"unknown {what} {name!r}{f' (the schema spells it {alike!r})' if alike else ''}" if name else
            f"no {what} (an empty cell)")


def _check_type_name(name: str, where: str) -> None:
    """A type names an IRI (`<.../type/NAME>`, `<.../relation/NAME>`): a space in `Cost Item` ended the
    run in pyoxigraph's "Invalid IRI code point ' '" traceback, after the graph was built."""
    bad = next((c for c in name if c.isspace() or not c.isprintable() or c in IRI_EXCLUDED), None) if name else ""
    if bad is not None:
        found = f"holds {bad!r}" if bad else "is empty"
        raise DataError(f"type {name!r} {found}; expected a name without spaces, control characters or {IRI_EXCLUDED} "
                        "(it becomes an IRI: Cost_Item, not Cost Item)", param=where)


def check_graph(nodes: Mapping[str, str], edges: Iterable[Mapping], schema: Schema) -> None:
    """Every node of a known type; every edge of a known relation between known nodes; Include acyclic; not empty."""
    if not nodes:
        raise DataError("the graph is empty; expected at least one node from factors.sources")
    edges = list(edges)
    for name, type_ in nodes.items():
        schema.check_entity_type(type_, f"node {name!r}")
    for edge in edges:
        where = f"{edge['source']} edge {edge['head']} -{edge['relation']}-> {edge['tail']} ({edge.get('cite') or 'no citation'})"
        schema.check_relation(edge["relation"], where)
        if edge["source"] == "declared" and edge["head"] == edge["tail"]:  # text may name one entity twice in a sentence
            raise DataError(f"a self-loop on {edge['head']!r}; expected an edge between two different entities", param=where)
        own = schema.relation_types[edge["relation"]].sign
        # the ranking takes the edge's sign: `a -Positive-> b` signed -1 was "a up -> b down"; text rows too (a hand-edited
        # table or another tool's: the rules and the data write the relation's own sign)
        if None not in (edge.get("sign"), own) and edge["sign"] != own:
            raise DataError(f"sign {edge['sign']:+d} against {edge['relation']}'s own {own:+d}; expected {own:+d} or no sign", param=where)
        # a weight is a strength with a unit (0.18 fraction, |beta|), its direction the sign's: `a -Positive-> b` weighed -0.5
        # was ranked as a rise and exported as a fall. A relation carrying no influence states values (Value: -5 °C)
        weight = edge.get("weight")
        if weight is not None and weight < 0 and schema.relation_types[edge["relation"]].influence != "none":
            raise DataError(f"weight {weight:g}; expected a magnitude >= 0 (a fall is told by the relation or the sign: Negative, "
                            "or sign -1)", param=where)
        for end in ("head", "tail"):
            if edge[end] not in nodes:
                raise DataError(f"dangling edge: its {end} {edge[end]!r} is not a declared entity", param=where)
    # a text self-loop (allowed above: `haul truck includes the dump truck`, one node by a synonym) is no hierarchy: it
    # refused the whole graph as "a cycle of Include"; the ranking's paths never pass through it
    cycle = find_cycle([(e["head"], e["tail"]) for e in edges if e["relation"] == "Include" and e["head"] != e["tail"]])
    if cycle:
        raise DataError(f"a cycle of Include: {' -Include-> '.join(cycle)}; expected a hierarchy (no entity includes itself)")


def find_cycle(arcs: Iterable[tuple[str, str]]) -> list[str] | None:
    """One directed cycle as [a, b, ..., a], or None (iterative depth-first search)."""
    graph: dict[str, list[str]] = {}
    for head, tail in arcs:
        graph.setdefault(head, []).append(tail)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(graph):
        if state.get(root):
            continue
        path, stack = [root], [iter(sorted(graph.get(root, ())))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None
