"""`minectl factors`: the cost-factor knowledge graph (seed 001): declared knowledge, the mine's
own data and extracted text merged with provenance; Parquet, RDF (SPARQL), Turtle and Neo4j
files; link prediction with knowledge embeddings next to a baseline; ranked, explained factors
of a cost item; the entropy weight method against the graph's ranking; a small query language."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from omegaconf import OmegaConf

from minectl.config import CostConfig
from minectl.constraints import at_least, between, finite_nonneg, one_of, unique_items
from minectl.errors import ConfigError, DataError, config_keys

if TYPE_CHECKING:
    from minectl.results import Run

ENTITY_TYPES = ["Person", "Method", "Facility", "Geologic", "Parameters", "Place", "Production", "Fuel", "Cost", "Materials", "Index"]
# seed 001 Table 3; influence: how the relation carries a change (forward h -> t, reverse t -> h
# (a part drives its whole), none); weight: one hop's strength; sign: the direction it passes on
RELATION_TYPES = {
    "Establish": {"influence": "forward", "weight": 0.4}, "Devise": {"influence": "none"},
    "Equip": {"influence": "none"}, "Distance": {"influence": "none"},
    "Use": {"influence": "forward", "weight": 0.4, "sign": 1}, "Measure": {"influence": "none"},
    "Include": {"influence": "reverse", "weight": 0.6, "sign": 1}, "Affect": {"influence": "forward", "weight": 0.6},
    "Value": {"influence": "none"}, "Implement": {"influence": "forward", "weight": 0.3},
    "Positive": {"influence": "forward", "weight": 0.9, "sign": 1}, "Negative": {"influence": "forward", "weight": 0.9, "sign": -1},
}


@dataclass
class SchemaConfig:
    entity_types: List[str] = field(default_factory=lambda: list(ENTITY_TYPES))
    relation_types: Dict[str, Any] = field(default_factory=lambda: {k: dict(v) for k, v in RELATION_TYPES.items()})


@dataclass
class SourcesConfig:
    declared: List[str] = field(default_factory=lambda: ["conf/factors/knowledge/open_pit_coal.yaml"])
    # "mine": the cost pipeline on this config's data and costs; a path: a `minectl cost` run folder
    # or a daily table (.parquet/.csv); null: no data-derived edges
    data: Optional[str] = "mine"
    text: Optional[str] = None  # a text-extraction run folder or its tables/triples.parquet (issue #17), or such a .csv


@dataclass
class DerivedConfig:
    drivers: Dict[str, str] = field(default_factory=lambda: {  # data column (or "a/b") -> graph entity
        "haul_km": "haul_distance", "downtime_h": "equipment_downtime", "failures": "equipment_failures",
        "fleet_availability_pct": "fleet_availability", "kwh_per_t": "electricity_intensity", "fuel_per_t": "diesel_consumption",
        "explosives_per_m": "explosive_consumption", "ore_t": "coal_output", "cost_res_diesel/qty_diesel": "diesel_price"})
    costs: Dict[str, str] = field(default_factory=lambda: {
        "cost_stage_transport": "transport_cost", "cost_energy": "fuel_and_power_cost",
        "cost_maintenance": "maintenance_and_repair_cost", "cost_material": "raw_material_cost"})
    train_fraction: float = between(0, 1, default=0.7, closed="neither")  # first share of the dates; the rest is never used
    n_resamples: int = at_least(10, default=200)
    block_length: int = at_least(1, default=7)  # days per moving block (daily costs are autocorrelated)
    min_effect: float = finite_nonneg(default=0.1)  # |standardised beta| below this: dropped
    confidence: float = between(0, 1, default=0.95, closed="neither")


@dataclass
class KGEConfig:
    graph: str = "mining"  # or a folder with train.txt, valid.txt, test.txt (examples/data/kge/<name>)
    models: List[str] = unique_items(default_factory=lambda: ["transe", "transh", "transr", "transd", "distmult", "rotate", "complex"])
    estimators: Dict[str, Any] = field(default_factory=dict)  # name -> KGEModel parameters (model: the name unless set)
    max_epochs: Optional[int] = at_least(1, default=None)  # a cap on every model's epochs (debug=quick)
    # valid/test triples naming an entity or relation training lacks (WN18RR as published): refused, or left out of the
    # evaluation and counted (kge.graph.<split>_unseen_dropped), as PyKEEN does
    unseen: str = one_of("refuse", "drop", default="refuse")
    valid_fraction: float = between(0, 0.5, default=0.1, closed="neither")  # mining graph only
    test_fraction: float = between(0, 0.5, default=0.15, closed="neither")
    device: str = one_of("cpu", "cuda", "auto", default="cpu")


@dataclass
class RankingConfig:
    max_hops: int = between(1, 6, default=4)
    decay: float = between(0, 1, default=0.8, closed="right")  # per hop beyond the first
    alpha: float = between(0, 1, default=0.2)  # weight of the embedding plausibility in the score
    explain: int = at_least(1, default=2)  # paths printed per factor
    embedding_model: Optional[str] = None  # null: the model of best validation MRR
    relations: List[str] = field(default_factory=lambda: ["Positive", "Negative", "Affect"])  # scored (factor, r, cost)


@dataclass
class QueryConfig:
    cost: str = "transport_cost"
    top: int = at_least(1, default=5)
    ask: List[str] = field(default_factory=list)  # questions in the query language (docs/factors.md)


@dataclass
class EntropyConfig:
    matrix: Optional[str] = "conf/factors/seed001/table11.csv"  # rows: experts; columns: factor codes
    factors: Optional[str] = "conf/factors/seed001/table12.csv"  # code -> factor (+ the seed's weights)
    target: str = "production_cost"  # the graph ranks the factors as drivers of this item


SEED_COLUMNS = ("code", "factor", "entropy_weight", "node_value")  # factors.entropy.factors: what _entropy reads
# a decision matrix's column labelling its rows (normalised: `Expert`, `Respondent ID`, `expert no.`), not an indicator: a survey
# tool's numbered `respondent_id` column was weighed as a ninth factor (0.108, F1's weight 0.132 -> 0.118); so were a
# spreadsheet's row numbers headed `No.`, `S/N`, `Sl. No.`, `row`, `#` (no letter: normalised to ''), pandas' `index`
# (reset_index) or `Unnamed: 0` (its index written, read and written again)
ROW_LABEL = re.compile(r"(?:expert|respondent|rater|alternative|id)(?:_(?:id|no|number))?|index|row|no|number|s_?n|s[lr]_no|"
                       r"unnamed_\d+|")
# a row label naming a spreadsheet's summary of the rows above it (normalised), not an expert's answers: a `Total` row was
# weighed as a 16th expert (F3 0.187 -> 0.127); not `Max` or `SD`, a name or initials as well
SUMMARY_ROWS = {"mean", "average", "avg", "median", "total", "sum", "std", "std_dev", "standard_deviation", "variance", "weight",
                "weights", "entropy"}


@dataclass
class FactorsParams:
    schema: SchemaConfig = field(default_factory=SchemaConfig)
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    derived: DerivedConfig = field(default_factory=DerivedConfig)
    kge: KGEConfig = field(default_factory=KGEConfig)
    ranking: RankingConfig = field(default_factory=RankingConfig)
    query: QueryConfig = field(default_factory=QueryConfig)
    entropy: EntropyConfig = field(default_factory=EntropyConfig)


@dataclass
class Config(CostConfig):  # data, costs, cost: the mine whose cost pipeline gives the data-derived edges
    factors: FactorsParams = field(default_factory=FactorsParams)


def check(cfg: Config) -> None:
    """How the values relate, and the input files named, for every sweep value before any job."""
    from minectl.data.sources import check_input
    from minectl.factors.link_prediction import check_estimators

    params = cfg.factors
    for i, declared in enumerate(params.sources.declared):
        check_input(f"factors.sources.declared[{i}]", declared)
    for key, path, folder in (("factors.sources.data", None if params.sources.data == "mine" else params.sources.data, None),
                              ("factors.sources.text", params.sources.text, None),  # a run folder or its table
                              ("factors.kge.graph", None if params.kge.graph == "mining" else params.kge.graph, True),
                              ("factors.entropy.matrix", params.entropy.matrix, False),
                              ("factors.entropy.factors", params.entropy.matrix and params.entropy.factors, False)):
        if path:
            check_input(key, path, folder)
    # the estimators' parameters (learning_rate=nan): the open map is checked by KGEModel, not the schema
    check_estimators(OmegaConf.to_container(params.kge.estimators, resolve=True), list(params.kge.models), "factors.kge")
    if params.kge.models and params.kge.device == "cuda":
        import torch

        if not torch.cuda.is_available():  # torch's "Torch not compiled with CUDA enabled" traceback at the first model
            raise ConfigError("cuda, but torch finds no CUDA device here; expected cpu (or auto: a GPU where there is one)",
                              param="factors.kge.device")
    if params.ranking.embedding_model and params.ranking.embedding_model not in params.kge.models:
        raise ConfigError(f"factors.ranking.embedding_model={params.ranking.embedding_model!r} is not trained; "
                          f"expected one of factors.kge.models ({', '.join(params.kge.models)}) or null")
    # the plausibility comes from embeddings of the mining graph, weighed by alpha: a model named for a benchmark run (whose
    # embeddings know no mining factor) or with alpha 0 was read by nothing, exit 0
    if params.ranking.embedding_model and (params.kge.graph != "mining" or params.ranking.alpha == 0):
        unread = (f"factors.kge.graph={params.kge.graph} (embeddings of its entities, not of the mining graph's factors)"
                  if params.kge.graph != "mining" else "factors.ranking.alpha=0 (no weight on the plausibility)")
        raise ConfigError(f"factors.ranking.embedding_model={params.ranking.embedding_model} with {unread}: no ranking reads it; "
                          "expected null, or factors.kge.graph=mining and factors.ranking.alpha > 0")
    # a benchmark folder brings its published splits: a fraction of the mining graph's own random split read nothing
    defaults = KGEConfig()
    moved = [k for k in ("valid_fraction", "test_fraction") if params.kge.graph != "mining" and params.kge[k] != getattr(defaults, k)]
    if moved:
        raise ConfigError(f"factors.kge.{moved[0]}={params.kge[moved[0]]} with factors.kge.graph={params.kge.graph}: a benchmark's "
                          "splits are its train/valid/test files; expected the fractions of the mining graph's split only with "
                          "factors.kge.graph=mining")
    if params.kge.graph == "mining" and params.kge.unseen != defaults.unseen:  # its split holds out no unseen name: nothing to drop
        raise ConfigError(f"factors.kge.unseen={params.kge.unseen} with factors.kge.graph=mining, whose split keeps each held-out "
                          "triple's entities and relation in training; expected it with a benchmark folder's splits only")
    # the plausibility is the best over these relations' scores, a relation the graph lacks skipped: `[Positiv]` (or none)
    # scored every factor 0 there, the ranking's scores scaled by 1 - alpha with exit 0
    unknown = [r for r in params.ranking.relations if r not in params.schema.relation_types]
    if unknown or (not params.ranking.relations and params.ranking.alpha > 0):
        found = f"{', '.join(unknown)} not in factors.schema.relation_types" if unknown else "no relation"
        raise ConfigError(f"factors.ranking.relations={list(params.ranking.relations)}: {found}; expected some of "
                          f"{', '.join(params.schema.relation_types)} (or factors.ranking.alpha=0: no plausibility)")
    derived_drivers_and_costs(params.derived)


def derived_drivers_and_costs(derived, nodes: dict[str, str] | None = None,
                              synonyms: dict[str, str] = {}) -> dict[str, dict[str, str]]:  # noqa: B006 (read only)
    """{"drivers": ..., "costs": ...} of derived_entities; refused: a column or an entity both a driver and a cost. A cost
    column among the drivers was an IndexError traceback after the cost pipeline had run; a cost's entity as a driver's
    (another column) made the data edge a self-loop of that entity."""
    entities = {key: derived_entities(derived[key], key, nodes, synonyms) for key in ("drivers", "costs")}
    column = next((c for c in entities["drivers"] if c in entities["costs"]), None)
    entity = next((e for e in entities["drivers"].values() if e in entities["costs"].values()), None)
    if column is not None or entity is not None:
        found = f"column {column!r}" if column is not None else f"entity {entity!r}"
        raise ConfigError(f"{found} is both a driver and a cost (factors.derived.costs); expected each column and entity in one "
                          "of them, not both", param="factors.derived.drivers")
    return entities


def derived_entities(columns: dict[str, str], key: str, nodes: dict[str, str] | None = None,
                     synonyms: dict[str, str] = {}) -> dict[str, str]:  # noqa: B006 (read only)
    """``factors.derived.<key>`` (data column -> entity) with each entity named as the graph names it (normalised, a
    synonym replaced: `Transport distance` was a data edge's head of its own, refused as dangling after the data work).
    Refused: two columns of one entity (the graph keeps the first data edge of a head, relation and tail, so one column's
    effect was dropped unsaid, or both stood with opposite signs) and, given the graph's ``nodes``, an entity naming none."""
    from minectl.factors.declared import normalise_name

    named: dict[str, str] = {}
    for column, entity in columns.items():
        node = normalise_name(entity, synonyms)[0]
        first = next((other for other, taken in named.items() if taken == node), None)
        if first is not None:
            raise ConfigError(f"columns {first!r} and {column!r} both name entity {node!r}; expected one column an entity",
                              param=f"factors.derived.{key}")
        if nodes is not None and node not in nodes:
            raise ConfigError(f"column {column!r} names {entity!r}, no node of the graph; expected a declared entity (a name or "
                              "synonym of the declared files)", param=f"factors.derived.{key}")
        named[column] = node
    return named


def run(cfg: Config, out: Run) -> dict:

    import polars as pl

    from minectl.atomic import atomic_path
    from minectl.factors import exports
    from minectl.factors.declared import load_declared
    from minectl.factors.graph import build_graph, edge_rows, read_text_triples, sign_conflicts, text_literals
    from minectl.factors.kge.data import load_splits
    from minectl.factors.link_prediction import check_estimators
    from minectl.factors.ranking import influence_hops
    from minectl.factors.schema import Schema

    params = cfg.factors
    estimators = check_estimators(OmegaConf.to_container(params.kge.estimators, resolve=True), list(params.kge.models), "factors.kge")
    benchmark = None if params.kge.graph == "mining" else load_splits(out.input_file(params.kge.graph), params.kge.unseen)  # checked first
    if benchmark is not None and any(benchmark.unseen_dropped.values()):
        out.console.print("left out of the evaluation (factors.kge.unseen=drop), naming an entity or relation training lacks: "
                          + ", ".join(f"{n} of the {name} triples" for name, n in benchmark.unseen_dropped.items()), soft_wrap=True)
    entropy = _entropy_inputs(cfg, out)  # so is the entropy method's matrix
    with config_keys({"schema": "factors.schema"}):
        schema = Schema.from_config(params.schema.entity_types, OmegaConf.to_container(params.schema.relation_types, resolve=True))
    knowledge = load_declared([out.input_file(p) for p in params.sources.declared])
    extra_nodes: dict[str, str] = {}
    extra_edges: list[dict] = []
    metrics: dict[str, Any] = {}
    text_counts: dict[str, int] = {}
    if params.sources.text:
        text_path = out.input_file(params.sources.text)
        extra_nodes, extra_edges, retyped = read_text_triples(text_path, knowledge, schema)
        text_counts = {"text_rows": len(extra_edges), "text_repeats": len(extra_edges) - len({(e["head"], e["relation"], e["tail"])
                                                                                                for e in extra_edges}),
                       "text_retyped": len(retyped), "text_values": text_literals(text_path, schema)}
    graph = build_graph(schema, knowledge, extra_nodes, extra_edges)  # declared and text checked before the data work
    nodes = dict(zip(graph.nodes["name"], graph.nodes["type"], strict=True))
    _check_names(params, nodes, knowledge.synonyms, entropy)
    # the entities of the data's columns as the graph names them, checked before the data work
    entities = derived_drivers_and_costs(params.derived, nodes, knowledge.synonyms) if params.sources.data else {}
    if text_counts:  # said once the text passed the graph's checks: a refusal is one line
        out.console.print(f"text triples: {text_counts['text_rows']} rows, {text_counts['text_repeats']} repeating an edge (its "
                          f"first row kept); {len(retyped)} names typed otherwise than the graph keeps them (declared, else the "
                          f"first row's){': ' + ', '.join(retyped[:5]) if retyped else ''}{', ...' if len(retyped) > 5 else ''}; "
                          f"{text_counts['text_values']} rows stating a value (Value -> a number or model number: no node) left out",
                          soft_wrap=True)
    if params.sources.data:
        derived = _derived_edges(cfg, entities, out)
        graph = build_graph(schema, knowledge, extra_nodes, extra_edges + derived.edges)
        out.table("effects", derived.estimates)
        metrics["derived"] = {"estimates": derived.estimates.height, "kept": len(derived.edges), "dropped": derived.dropped,
                              "train_rows": derived.train_rows, "incomplete_rows": derived.incomplete_rows}
        out.console.print(f"data-derived edges: {len(derived.edges)} kept, {derived.dropped} dropped (|beta| < "
                          f"{params.derived.min_effect:g} or a {params.derived.confidence:.0%} interval holding 0); "
                          f"{derived.train_rows} training rows, {derived.incomplete_rows} left out (a value missing or not finite)",
                          soft_wrap=True)
    out.table("nodes", graph.nodes)
    out.table("edges", graph.edges)
    store = graph.store()
    with out.artefact("graph/graph.ttl") as tmp:
        exports.write_turtle(store, tmp)
    with atomic_path(out.dir / "graph" / "neo4j", folder=True) as tmp:
        exports.write_neo4j(graph, tmp)
    counts = graph.edges.group_by("source").len()
    metrics["kg"] = {"nodes": graph.nodes.height, "edges": graph.edges.height,
                     **{f"edges.{row['source']}": row["len"] for row in counts.iter_rows(named=True)}, **text_counts}
    # every text row, not only the first of a repeated edge, which the graph keeps: `a -Affect-> b` signed +1 in one
    # sentence and -1 in another was ranked by the first sign, with no word
    conflicts = sign_conflicts(pl.concat([graph.edges, edge_rows(extra_edges)]))
    metrics["kg"]["sign_conflicts"] = conflicts.height
    by_source = ", ".join(f"{source} {n}" for source, n in counts.sort("source").iter_rows())
    out.console.print(f"graph: {graph.nodes.height} nodes, {graph.edges.height} edges ({by_source})", soft_wrap=True)
    for head, tail, sources in conflicts.iter_rows():
        out.console.print(f"  sign conflict: {head} -> {tail} is + in one edge and - in another ({', '.join(sources)})", soft_wrap=True)

    splits, fitted = _link_prediction(cfg, graph, estimators, metrics, out, benchmark)
    into = influence_hops(store, schema)
    metrics.update(_ranking(cfg, graph, into, store, knowledge, splits, fitted, entropy, out))
    return metrics


def _check_names(params: FactorsParams, nodes: dict[str, str], synonyms: dict[str, str], entropy: _EntropyInputs | None) -> None:
    """The queried cost, the entropy target, the entropy method's factors and every question name nodes of the graph."""
    from minectl.factors.declared import normalise_name
    from minectl.factors.query import parse

    costs = ", ".join(sorted(n for n, t in nodes.items() if t == "Cost"))
    for key, name in (("factors.query.cost", params.query.cost), ("factors.entropy.target", params.entropy.target)):
        if normalise_name(name, synonyms)[0] not in nodes:
            raise ConfigError(f"{name!r} is not a node of the graph; expected one of {costs}", param=key)
    # a factors table names the graph's factors: one the graph lacks (a typo) scored 0 as if it drove nothing, as the seed's
    # own `hole diameter` did before the synonyms were read (without a table, _entropy says which columns name no node)
    absent = _not_in_graph(entropy.names, nodes, synonyms) if entropy and params.entropy.factors else []
    if absent:
        raise DataError(f"{params.entropy.factors}: factor(s) {_listed(absent)} name no node of the graph; expected factors of the "
                        "graph (a name or synonym of the declared files)")
    # two columns of one factor (`Hole diameter` and `borehole diameter`, a synonym): the comparison with the graph's ranking
    # counted that factor twice, at one graph score
    named: dict[str, str] = {}
    for code, name in zip(entropy.codes, entropy.names, strict=True) if entropy else ():
        first = named.setdefault(normalise_name(name, synonyms)[0], code)
        if first != code:
            raise DataError(f"{params.entropy.factors or params.entropy.matrix}: columns {first!r} and {code!r} both name factor "
                            f"{normalise_name(name, synonyms)[0]!r}; expected one column of the decision matrix a factor")
    with config_keys({"ask": "factors.query.ask"}):
        for question in params.query.ask:
            parse(question, nodes, synonyms)


def _not_in_graph(names: list[str], nodes: dict[str, str], synonyms: dict[str, str]) -> list[str]:
    from minectl.factors.declared import normalise_name

    return [name for name in names if normalise_name(name, synonyms)[0] not in nodes]


def _listed(names: list[str]) -> str:
    return ", ".join(map(repr, names[:5])) + " ..." * (len(names) > 5)


def _derived_edges(cfg: Config, entities: dict[str, dict[str, str]], out: Run):
    """The data-derived edges; ``entities``: factors.derived's drivers and costs, column -> node (derived_entities)."""
    from pathlib import Path

    import polars as pl

    from minectl.data.sources import scan_dated_csv
    from minectl.data.values import repeated_key
    from minectl.factors.derived import derive_edges

    source = cfg.factors.sources.data
    if source == "mine":
        from minectl.config import full_cost_params
        from minectl.costing.pipeline import full_cost

        cost_params = full_cost_params(cfg.cost)
        with config_keys({name: f"cost.{name}" for name in cost_params}):
            result = full_cost(OmegaConf.to_container(cfg.data, resolve=True), OmegaConf.to_container(cfg.costs, resolve=True),
                               **cost_params)
        out.record_inputs(result.inputs)
        daily = result.accounts.daily
    else:
        path = out.input_file(source)
        if path.is_dir():
            from minectl.runfolder import check_finished_if_run

            check_finished_if_run(path)  # not the table of a run that failed or was stopped before its end
            path = path / "tables" / "daily.parquet"
        if not Path(path).is_file():
            raise DataError(f"{path}: not found; expected a `minectl cost` run folder or a daily table", param="factors.sources.data")
        try:
            daily = pl.read_parquet(path) if path.suffix == ".parquet" else scan_dated_csv(path).collect()
        except DataError:  # dates that read two ways: its own message
            raise
        except Exception as exc:  # noqa: BLE001 - polars raises several kinds on a file it cannot read
            raise DataError(f"{path}: not a readable {'parquet' if path.suffix == '.parquet' else 'CSV'} table "
                            f"({type(exc).__name__}); expected a `minectl cost` run's daily table", param="factors.sources.data") from None
        keys = [key for key in ("mine_id", "date") if key in daily.columns]
        row = repeated_key(daily, keys) if "date" in keys else None
        if row:  # counted as two days: tighter intervals, more edges kept
            raise DataError(f"{path}: {', '.join(f'{k} {v}' for k, v in row.items())} in two rows; expected one row per day"
                            f"{' and mine' if 'mine_id' in keys else ''} (a table appended twice?)", param="factors.sources.data")
    derived = {**OmegaConf.to_container(cfg.factors.derived, resolve=True), **entities}
    with config_keys({name: f"factors.derived.{name}" for name in derived}):
        return derive_edges(daily, seed=cfg.seed, **derived)


def _link_prediction(cfg: Config, graph, estimators: dict, metrics: dict, out: Run, benchmark):
    """``benchmark``: the splits of factors.kge.graph, None for the mining graph's own split."""
    import torch

    from minectl.factors.link_prediction import inverse_leakage, run_link_prediction, split_mining_graph

    kge = cfg.factors.kge
    if kge.graph == "mining":
        with config_keys({"valid_fraction": "factors.kge.valid_fraction", "test_fraction": "factors.kge.test_fraction"}):
            splits = split_mining_graph(graph.edges, valid_fraction=kge.valid_fraction, test_fraction=kge.test_fraction, seed=cfg.seed)
    else:
        splits = benchmark
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same figures on every machine, and the timing the docs quote
    try:
        with out.progress_per_model("{}: epochs") as progress:
            table, fitted = run_link_prediction(splits, estimators, seed=cfg.seed, max_epochs=kge.max_epochs, device=kge.device,
                                                progress=progress)
    finally:
        torch.set_num_threads(threads)
    out.table("link_prediction", table)
    # the verdict compares with the strongest of the count baselines
    baselines = table.filter(table["model"].str.starts_with("baseline") & (table["ranking"] == "filtered"))
    base = baselines["mrr"].max()
    kge_metrics: dict[str, Any] = {"graph": {"entities": len(splits.entities), "relations": len(splits.relations),
                                             "train": len(splits.train), "valid": len(splits.valid), "test": len(splits.test),
                                             **{f"{name}_unseen_dropped": n for name, n in splits.unseen_dropped.items() if n}}}
    kge_metrics["test_inverse_share"], leakage = inverse_leakage(splits)
    lines = []
    for row in table.iter_rows(named=True):
        keys = {k: row[k] for k in ("mrr", "hits@1", "hits@3", "hits@5", "hits@10", "mean_rank")}
        if row["ranking"] == "filtered":
            kge_metrics.setdefault(row["model"], {}).update(keys)
            verdict = "" if row["model"].startswith("baseline") else (
                "  beats every baseline" if row["mrr"] > base else "  does NOT beat the best baseline")
            lines.append(f"  {row['model']:<16} MRR {row['mrr']:.3f}  hits@1 {_share(row['hits@1'])}  hits@10 {_share(row['hits@10'])}  "
                         f"{row['seconds']:.1f} s{verdict}")
        else:
            kge_metrics.setdefault(row["model"], {})["raw"] = keys
    metrics["kge"] = kge_metrics
    out.console.print(f"link prediction on {kge.graph} ({len(splits.entities)} entities, {len(splits.test)} test triples, "
                      "filtered):", markup=False, soft_wrap=True)  # a folder `kg[v2]` printed as `kg`
    # the leakage under the baselines' lines, which come first
    out.console.print("\n".join([*lines[:baselines.height], leakage, *lines[baselines.height:]]), soft_wrap=True)
    return splits, fitted


def _share(hits: float) -> str:
    """A hits@k figure for the summary; 'n/a' where k reaches the entities (every model scores 1)."""
    return "n/a" if hits != hits else f"{hits:.3f}"


def _ranking(cfg: Config, graph, into, store, knowledge, splits, fitted, entropy: _EntropyInputs | None, out: Run) -> dict:
    import polars as pl

    from minectl.factors.declared import normalise_name
    from minectl.factors.link_prediction import plausibility
    from minectl.factors.plots import plot_local_network
    from minectl.factors.query import QueryContext, answer
    from minectl.factors.ranking import rank_factors, top_factors

    rk, query = cfg.factors.ranking, cfg.factors.query
    nodes = dict(zip(graph.nodes["name"], graph.nodes["type"], strict=True))
    model = None
    if fitted and cfg.factors.kge.graph == "mining":
        model = fitted[rk.embedding_model or max(fitted, key=lambda m: (fitted[m].best_valid_mrr_, m))]
    # the title says what the score holds: on a benchmark run, with no model, or at alpha 0 it claimed the plausibility too
    basis = "graph paths and embedding plausibility" if model is not None and rk.alpha > 0 else (
        "graph paths only: " + ("factors.ranking.alpha=0" if model is not None else "no embedding of the mining graph"))

    def ranked(target: str) -> pl.DataFrame:
        plaus = plausibility(model, splits, target, tuple(rk.relations)) if model is not None else None
        with config_keys({"cost": "factors.query.cost"}):
            return rank_factors(into, nodes, target, max_hops=rk.max_hops, decay=rk.decay, plausibility=plaus,
                                alpha=rk.alpha, explain=rk.explain)

    cost = normalise_name(query.cost, knowledge.synonyms)[0]
    ranking = ranked(cost)
    out.table("ranking", ranking)
    lines = _ranking_lines(ranking, cost, query.top, basis)
    out.console.print("\n".join(lines), markup=False, soft_wrap=True)
    if ranking.height:
        out.plot("factor_network", plot_local_network(into, top_factors(ranking, query.top), cost, max_hops=rk.max_hops,
                                                      decay=rk.decay))
    metrics: dict[str, Any] = {"ranking": {"factors": ranking.height,
                                           "top_score": float(ranking["score"][0]) if ranking.height else 0.0}}
    ctx = QueryContext(store, into, nodes, knowledge.synonyms, rk.max_hops, rk.decay,
                       lambda target, k: _ranking_lines(ranked(target), target, k, basis))
    answers = []
    for question in query.ask:
        with config_keys({"ask": "factors.query.ask"}):
            reply = answer(question, ctx)
        answers.append({"question": question, "answer": "\n".join(reply)})
        out.console.print(f"? {question}\n" + "\n".join(reply), markup=False, soft_wrap=True)
    if answers:
        out.table("answers", pl.DataFrame(answers))
    if entropy is not None:
        metrics["ranking"].update(_entropy(cfg, entropy, ranked, nodes, knowledge.synonyms, out))
    return metrics


def _ranking_lines(ranking, cost: str, top: int, basis: str = "graph paths and embedding plausibility") -> list[str]:
    """The top factors of ``cost``, titled by what their score is made of (``basis``)."""
    from minectl.factors.ranking import top_factors

    listed = top_factors(ranking, top)
    ties = f", {listed.height} listed: tied at rank {listed['rank'][-1]}" if listed.height > top else ""
    lines = [f"top {min(top, ranking.height)} factors of {cost} (score = {basis}{ties}):"]
    for row in listed.iter_rows(named=True):
        lines.append(f"  {row['rank']}. {row['factor']} ({row['type']}) score {row['score']:.3f}, {row['paths']} path(s)")
        lines += [f"       {part}" for part in row["explanation"].split(" | ")]
    return lines


@dataclass
class _EntropyInputs:
    codes: list[str]  # the decision matrix's factor columns
    names: list[str]  # their factors as written (the codes, without a seed table), nodes by the declared synonyms
    weights: Any
    entropies: Any
    seed: Any  # the seed table's rows in the codes' order, or None


def _entropy_inputs(cfg: Config, out: Run) -> _EntropyInputs | None:
    """The entropy weight method's matrix and the seed's table, read and checked before any work."""
    import polars as pl

    from minectl.data.sources import read_file
    from minectl.data.values import repeated_key
    from minectl.factors.declared import normalise_name
    from minectl.factors.entropy import entropy_weights

    ent = cfg.factors.entropy
    if not ent.matrix:
        return None
    # read_file: a header naming a column twice, a semicolon-separated file, a BOM read as every other table is
    matrix = read_file(out.input_file(ent.matrix), "decision matrix")
    codes = [c for c in matrix.columns if not ROW_LABEL.fullmatch(normalise_name(c)[0])]
    _refuse_text_columns(matrix, codes, ent.matrix, "an 'expert' column and one column of numbers per indicator")
    _refuse_empty_cells(matrix, codes, ent.matrix)
    labels = [c for c in matrix.columns if c not in codes]
    summary = next(((c, v) for c in labels for v in matrix[c].drop_nulls() if normalise_name(str(v))[0] in SUMMARY_ROWS), None)
    if summary is not None:  # a spreadsheet's `Mean` row under the experts' was weighed as one more expert
        raise DataError(f"{ent.matrix}: the row of {summary[0]} {summary[1]!r} is a summary of the experts' rows, not one's answers; "
                        "expected the experts' answers only (leave the summary rows out)")
    if labels and (twice := repeated_key(matrix, matrix.columns)) is not None:
        # an expert's row pasted twice weighed their answers twice (the seed's expert 1: F1 0.132 -> 0.121, F7 0.103 -> 0.135);
        # without a row label two rows alike may be two experts who agree
        raise DataError(f"{ent.matrix}: the row of {', '.join(f'{k} {twice[k]}' for k in labels)} is there twice, every answer alike; "
                        "expected one row per expert")
    try:
        weights, entropies = entropy_weights(matrix.select(codes).to_numpy(), codes)
    except DataError as exc:
        raise DataError(f"{ent.matrix}: {exc}") from None
    if not ent.factors:
        return _EntropyInputs(codes, codes, weights, entropies, None)
    seed = read_file(out.input_file(ent.factors), "factors table")
    absent = [c for c in SEED_COLUMNS if c not in seed.columns]
    if absent:  # the seed's weights and node values are compared after the embeddings have trained: say it now
        raise DataError(f"{ent.factors}: no column {', '.join(map(repr, absent))}; expected the columns {', '.join(SEED_COLUMNS)}")
    seed = seed.with_columns(pl.col("code").cast(pl.String))
    _refuse_text_columns(seed, SEED_COLUMNS[2:], ent.factors, "numbers in " + " and ".join(SEED_COLUMNS[2:]))
    if (twice := repeated_key(seed, ["code"])) is not None:
        raise DataError(f"{ent.factors}: code {twice['code']!r} on two rows; expected one row per column of {ent.matrix}")
    missing = [c for c in codes if c not in seed["code"]]
    if missing:
        raise ConfigError(f"factors.entropy.factors: no factor for column(s) {', '.join(missing)} of {ent.matrix}")
    extra = [c for c in seed["code"] if c not in codes]
    if extra:  # a factor the matrix lacks was left out of both comparisons unsaid (a column dropped from the matrix?)
        raise DataError(f"{ent.factors}: code(s) {', '.join(map(repr, extra))} name no column of {ent.matrix}; expected a row for "
                        f"each of its columns {', '.join(codes)}, no other")
    # the seed's rows by code, in the matrix's column order (by position, a reordered table paired other factors)
    seed = pl.DataFrame({"code": codes}).join(seed, on="code", how="left", maintain_order="left")
    empty = seed.filter(pl.any_horizontal(pl.col(SEED_COLUMNS[1:]).is_null() | (pl.col("factor").cast(pl.String).str.strip_chars() == "")))
    if empty.height:  # an empty factor name was ranked as a factor of its own, an empty weight as NaN
        raise DataError(f"{ent.factors}: code {empty['code'][0]!r} has an empty cell in {', '.join(SEED_COLUMNS[1:])}; expected a factor "
                        "name and both numbers for every column of the matrix")
    return _EntropyInputs(codes, [str(factor) for factor in seed["factor"]], weights, entropies, seed)


def _refuse_empty_cells(matrix, codes: list[str], path: str) -> None:
    """A decision matrix's empty (an unanswered question) or non-finite cell, refused naming its column and row: "a
    decision matrix of shape (15, 8); expected finite numbers" said neither."""
    import numpy as np

    values = matrix.select(codes).to_numpy().astype(float)  # empty cells: NaN
    rows, columns = np.nonzero(~np.isfinite(values))
    if rows.size:
        row, column = int(rows[0]), int(columns[0])
        cell = "is empty" if matrix[codes[column]][row] is None else f"holds {values[row, column]}"
        raise DataError(f"{path}: column {codes[column]!r} {cell} in row {row + 1} under the header; expected a finite number in "
                        "every cell of the decision matrix (an unanswered question: fill it in or leave the row out)")


def _refuse_text_columns(frame, columns: list[str], path: str, expected: str) -> None:
    """A column of ``frame`` among ``columns`` that is not numbers (a `name` column beside the
    indicators: it was a traceback) refused naming it and its first value."""
    text = next((c for c in columns if not frame[c].dtype.is_numeric()), None)
    if text is not None:
        raise DataError(f"{path}: column {text!r} holds {frame[text].drop_nulls().head(1).to_list() or 'no value'} "
                        f"({frame[text].dtype}); expected {expected}")


def _entropy(cfg: Config, inputs: _EntropyInputs, ranked, nodes: dict[str, str], synonyms: dict[str, str], out: Run) -> dict:
    import polars as pl

    from minectl.factors.declared import normalise_name
    from minectl.factors.entropy import compare_rankings

    ent, weights, seed = cfg.factors.entropy, inputs.weights, inputs.seed
    names = [normalise_name(name, synonyms)[0] for name in inputs.names]  # nodes, but a table-less matrix's codes (F1..F8)
    graph_rank = ranked(normalise_name(ent.target, synonyms)[0])
    graph_score = dict(zip(graph_rank["factor"], graph_rank["graph_score"], strict=True))
    table, rho = compare_rankings(names, weights, [graph_score.get(n, 0.0) for n in names], ("entropy_weight", "graph_score"))
    table = table.with_columns(pl.Series("code", inputs.codes), pl.Series("entropy", inputs.entropies))
    metrics = {"spearman": rho}
    if seed is not None:
        table = table.with_columns(seed["entropy_weight"].alias("seed_entropy_weight"), seed["node_value"].alias("seed_node_value"))
        _, rho_seed = compare_rankings(names, weights, seed["entropy_weight"].to_list(), ("ours", "seed"))
        _, rho_graph_seed = compare_rankings(names, [graph_score.get(n, 0.0) for n in names],
                                             seed["node_value"].to_list(), ("ours", "seed"))
        metrics.update({"spearman_entropy_vs_seed": rho_seed, "spearman_graph_vs_seed_nodes": rho_graph_seed})
    out.table("entropy", table)
    out.console.print(f"entropy weight method on {ent.matrix}: Spearman rho vs the graph's ranking (drivers of "
                      f"{ent.target}) {rho:+.3f}" + (f"; vs the seed's Table 12 weights {metrics['spearman_entropy_vs_seed']:+.3f}"
                                                     if seed is not None else ""), markup=False)  # a file `t11[v2].csv`, a column `[m]`
    absent = _not_in_graph(inputs.names, nodes, synonyms)
    if absent:  # their score 0 reads as "drives nothing"; all of them: rho nan
        out.console.print(f"  {len(absent)} of the {len(names)} columns name no node of the graph ({_listed(absent)}): scored 0 "
                          "(factors.entropy.factors maps the columns' codes to factors)", markup=False, soft_wrap=True)
    return metrics
