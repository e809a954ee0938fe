"""Daily cost structure per mine (seed 000 eqs 1, 2, 5, 7).

C_t = sum_k c_k,t over categories (eq 1/5), also split by stage; U_t = C_t / Q_t (eq 2),
null and flagged ``no_output`` when Q_t is 0 (``no_output`` null when Q_t is missing: unknown, no stoppage); w_k,t = c_k,t / C_t (eq 7).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import polars as pl

KEYS = ["date", "mine_id"]
_EPOCH = date(1970, 1, 1)
# The sums per day and mine: (ledger column split by its values, weight column, output prefix)
_SPLITS = (
    ("category", "cost", "cost_"), ("stage", "cost", "cost_stage_"),
    ("resource", "quantity", "qty_"), ("resource", "cost", "cost_res_"),
)
_SHARE_PREFIX = {"cost_": "share_", "cost_stage_": "share_stage_"}  # splits whose parts are also shares of C_t


def structure_columns(categories: Sequence[str], stages: Sequence[str], resources: Sequence[str] = ()) -> list[str]:
    """The columns ``daily_structure`` adds to the production table's."""
    names = _split_values(categories, stages, resources)
    parts = [f"{prefix}{name}" for column, _, prefix in _SPLITS for name in names[column]]
    return ["cost", *parts, "unit_cost", "no_output", *_shares(names)]


def daily_structure(
    ledger: pl.DataFrame | pl.LazyFrame,
    production: pl.DataFrame | pl.LazyFrame,
    *,
    categories: Sequence[str],
    stages: Sequence[str],
    resources: Sequence[str] = (),
    output: str = "ore_t",
) -> pl.LazyFrame:
    """Per day and mine: ``cost``, ``cost_<category>``, ``cost_stage_<stage>``,
    ``qty_<resource>`` / ``cost_res_<resource>`` for ``resources``, the production columns
    (``output`` is Q_t, ore processed by default), ``unit_cost``, ``no_output``, ``share_<category>`` and
    ``share_stage_<stage>``. Days are those with ledger entries, rows sorted by date and mine.

    The sums accumulate the ledger's rows in their order (numpy ``bincount`` over a dense
    (day, mine) index), so the same ledger gives the same bits.
    """
    ledger = ledger.lazy().collect()
    mines, mine_code = _codes(ledger["mine_id"])
    first = ledger["date"].min() or _EPOCH  # an empty ledger has no days: an empty table
    n_days = (ledger["date"].max() - first).days + 1 if ledger.height else 0
    day = ledger["date"].to_physical().to_numpy() - (first - _EPOCH).days
    cell = day * mines.len() + mine_code  # date-major: the table comes out in the order of its keys
    n_cells = mines.len() * n_days
    values = _split_values(categories, stages, resources)
    # A row's kind: its (category, stage, resource) positions among the names (len(names): not
    # named). Cost and quantity are summed once per cell and kind present, in the ledger's row
    # order; a split's column adds up the kinds of its name.
    kind = np.zeros(ledger.height, dtype=np.int32)  # at most a few thousand kinds
    for column, names in values.items():
        kind *= len(names) + 1  # in place: no new 8-byte arrays of the ledger's length
        kind += _positions(ledger[column], names)
    present = np.flatnonzero(np.bincount(kind))
    dense = np.zeros(present[-1] + 1 if present.size else 0, dtype=np.int64)
    dense[present] = np.arange(present.size)
    index = cell * present.size + dense[kind]
    booked = np.flatnonzero(np.bincount(cell, minlength=n_cells))  # cells with ledger entries, by day then mine
    per_kind = {
        weight: np.bincount(index, ledger[weight].fill_null(0.0).to_numpy(), minlength=n_cells * present.size)
        .astype(np.float64, copy=False)  # bincount of nothing is integer
        .reshape(n_cells, present.size)[booked]
        for weight in ("cost", "quantity")
    }
    position_of_kind, rest = {}, present
    for column, names in reversed(values.items()):
        position_of_kind[column], rest = rest % (len(names) + 1), rest // (len(names) + 1)
    columns = {"cost": per_kind["cost"].sum(axis=1)}
    for column, weight, prefix in _SPLITS:
        for i, name in enumerate(values[column]):
            columns[f"{prefix}{name}"] = per_kind[weight][:, position_of_kind[column] == i].sum(axis=1)
    sums = pl.DataFrame(
        {
            "date": pl.Series(booked // max(mines.len(), 1) + (first - _EPOCH).days, dtype=pl.Int32).cast(pl.Date),
            "mine_id": mines.gather(booked % max(mines.len(), 1)),
            **columns,
        }
    )
    total = pl.col("cost")
    share = _shares(values)
    has_output = pl.col(output) > 0
    return (
        sums.lazy()
        .join(production.lazy(), on=KEYS, how="left", maintain_order="left")
        .with_columns(
            unit_cost=pl.when(has_output).then(total / pl.col(output)),
            no_output=~has_output,  # null where Q_t is missing: a day without a figure is not a day without output
            **{name: pl.when(total > 0).then(pl.col(col) / total) for name, col in share.items()},
        )
    )


def _split_values(categories: Sequence[str], stages: Sequence[str], resources: Sequence[str]) -> dict[str, Sequence[str]]:
    return {"category": categories, "stage": stages, "resource": resources}


def _shares(names: dict[str, Sequence[str]]) -> dict[str, str]:
    """Share column -> the cost column it divides by C_t."""
    return {
        f"{_SHARE_PREFIX[prefix]}{name}": f"{prefix}{name}"
        for column, _, prefix in _SPLITS
        if prefix in _SHARE_PREFIX
        for name in names[column]
    }


def _codes(values: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """The sorted distinct values and each row's index into them. Rows come in runs of one
    mine (grouped by series): the strings are compared per run, not hashed per row."""
    runs = values.rle()
    distinct = runs.struct.field("value").unique().sort()
    code = distinct.search_sorted(runs.struct.field("value")).to_numpy()
    return distinct, np.repeat(code.astype(np.int64), runs.struct.field("len").to_numpy())


def _positions(values: pl.Series, names: Sequence[str]) -> np.ndarray:
    """Position of each value in ``names`` (``len(names)`` where absent); by code for an Enum."""
    if isinstance(values.dtype, pl.Enum):
        position = {name: i for i, name in enumerate(names)}
        by_code = np.array([position.get(c, len(names)) for c in values.dtype.categories], dtype=np.int32)
        return by_code.take(values.to_physical().to_numpy())
    return values.replace_strict(list(names), range(len(names)), default=len(names), return_dtype=pl.Int32).to_numpy()
