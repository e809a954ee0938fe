"""A small deterministic query language over the graph (the seed's "question answering",
without a language model). Forms (case-insensitive; names as typed, synonyms allowed):

  top <k> factors of <cost>           the ranking, with each factor's best explanation path
  how does <a> affect <b>             every influence path a -> b, its strength and net sign
  paths from <a> to <b>               the same
  what affects <x>                    the direct influences on x
  what does <x> include               x's Include children (SPARQL)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from minectl.errors import ConfigError
from minectl.factors.declared import normalise_name
from minectl.factors.graph import sparql_rows
from minectl.factors.ranking import Hop, Path, paths_into

FORMS = ("top <k> factors of <cost>", "how does <a> affect <b>", "paths from <a> to <b>", "what affects <x>",
         "what does <x> include")


@dataclass
class QueryContext:
    store: object
    into: Mapping[str, list[Hop]]
    nodes: Mapping[str, str]  # name -> type
    synonyms: Mapping[str, str]
    max_hops: int
    decay: float
    rank: Callable[[str, int], list[str]]  # (cost, k) -> answer lines


_FORMS = (
    ("rank", r"top (\d+) (?:cost )?factors? (?:of|for) (.+)"),  # `top 1 factor of`
    ("paths", r"how does (.+?) affect (.+)"),
    ("paths", r"paths? (?:from|between) (.+?) (?:to|and) (.+)"),
    ("direct", r"what affects (.+)"),
    ("includes", r"what does (.+?) include"),
)


def parse(question: str, nodes: Mapping[str, str], synonyms: Mapping[str, str]) -> tuple[str, tuple]:
    """(form, arguments) of a question, its entity names checked against the graph's nodes."""
    text = " ".join(question.strip().rstrip("?").split())
    for form, pattern in _FORMS:
        match = re.fullmatch(pattern, text, flags=re.IGNORECASE)
        if match:
            if form == "rank":
                return form, (_node(match[2], nodes, synonyms), _top(match[1], question, len(nodes)))
            names = tuple(_node(x, nodes, synonyms) for x in match.groups())
            if form == "paths" and names[0] == names[1]:  # a path never returns to its start: "no influence path", as if none drove it
                raise ConfigError(f"{question!r} asks for paths from {names[0]} to itself; expected two different entities", param="ask")
            return form, names
    raise ConfigError(f"cannot read {question!r}; expected one of: {'; '.join(FORMS)}", param="ask")


def answer(question: str, ctx: QueryContext) -> list[str]:
    form, args = parse(question, ctx.nodes, ctx.synonyms)
    if form == "rank":
        return ctx.rank(*args)
    if form == "paths":
        return _paths(*args, ctx)
    return (_direct if form == "direct" else _includes)(args[0], ctx)


def _top(digits: str, question: str, n_nodes: int) -> int:
    """k of `top <k> factors`: at least 1 (`top 0` answered with an empty list), at most the graph's nodes
    (a larger k lists them all; `top 99999999999999999999` was an OverflowError traceback after the whole run)."""
    k = int(digits)
    if k < 1:
        raise ConfigError(f"{question!r} asks for {k} factors; expected top <k> with k at least 1", param="ask")
    return min(k, n_nodes)


def _node(raw: str, nodes: Mapping[str, str], synonyms: Mapping[str, str]) -> str:
    name = normalise_name(raw, synonyms)[0]
    if name not in nodes:
        close = [n for n in nodes if name and (name in n or n in name)]
        hint = f" (did you mean {', '.join(sorted(close)[:3])}?)" if close else ""
        raise ConfigError(f"{raw!r} is not an entity of the graph{hint}", param="ask")
    return name


def _paths(source: str, target: str, ctx: QueryContext) -> list[str]:
    paths: list[Path] = [p for p in paths_into(ctx.into, target, ctx.max_hops, ctx.decay) if p.hops[0].source == source]
    if not paths:
        return [f"no influence path from {source} to {target} within {ctx.max_hops} hops"]
    paths.sort(key=lambda p: (-p.strength, len(p.hops), p.text()))
    return [f"{len(paths)} path(s) from {source} to {target}:"] + [f"  {p.text()}" for p in paths]


def _direct(node: str, ctx: QueryContext) -> list[str]:
    hops = ctx.into.get(node, [])  # read from the store by influence_hops' SPARQL query
    return [f"{len(hops)} direct influence(s) on {node}:"] + [
        f"  {h.source} -{h.relation}{'^-1' if h.reverse else ''}-> {node} ({h.origin}, strength {h.strength:.3f})" for h in hops]


def _includes(node: str, ctx: QueryContext) -> list[str]:
    rows = sparql_rows(ctx.store, f"SELECT DISTINCT ?part WHERE {{ e:{node} r:Include ?part FILTER(?part != e:{node}) }} ORDER BY ?part")
    return [f"{node} includes {len(rows)} item(s): {', '.join(r['part'] for r in rows) or '-'}"]
