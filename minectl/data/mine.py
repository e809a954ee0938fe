"""One dataset: its declared sources read, checked against the contract and joined (``load_mine`` -> ``MineData``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from minectl.data.contract import REQUIRED_TABLES, TABLES, validate_table
from minectl.data.sources import SERVER_KINDS, ServerRows, read_table, resolve_input, server_rows
from minectl.errors import ConfigError, DataError


@dataclass
class MineData:
    """The canonical tables of one dataset; absent optional tables are None."""

    tables: dict[str, pl.LazyFrame]
    inputs: list[Path | ServerRows] = field(default_factory=list)  # files and server rows read, for provenance

    def __getattr__(self, name: str) -> pl.LazyFrame | None:
        if name in TABLES:
            return self.tables.get(name)
        raise AttributeError(name)


def _dir_sources(folder: str) -> dict[str, dict[str, Any]]:
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: data folder not found; expected a folder of <table>.parquet files (minectl data synth --out)")
    sources = {}
    for name in TABLES:
        for candidate in (root / f"{name}.parquet", root / name):
            if candidate.exists():
                sources[name] = {"kind": "parquet", "path": str(candidate)}
                break
    return sources


def load_mine(
    synthetic: dict[str, Any] | None = None,
    dir: str | None = None,
    tables: dict[str, dict[str, Any]] | None = None,
    path: str | None = None,
    **_ignored: Any,
) -> MineData:
    """Load and validate a mine dataset from the plain `data` config node (``path``: the
    database file that the duckdb source's tables read)."""
    given = [key for key, value in (("data.dir", dir), ("data.path", path), ("data.tables", tables)) if value]
    if synthetic is not None and given:  # the synthetic mine would be used, the files ignored
        raise ConfigError(
            f"{given[0]} is set but the data source is the synthetic mine; expected data=parquet_dir (for data.dir), "
            "data=duckdb (for data.path), or data.synthetic=null with data.tables"
        )
    if synthetic is not None:
        from minectl.data.synth import generate

        frames = {name: frame.lazy() for name, frame in generate(**synthetic).items() if name in TABLES}
        return MineData(frames)
    if not dir and not tables:
        raise DataError("data.dir is not set; expected data.dir=FOLDER of canonical parquet tables, or data.tables.<table> sources")
    sources = _dir_sources(dir) if dir else {}
    sources.update(tables or {})
    unknown = sorted(set(sources) - set(TABLES))
    if unknown:
        raise DataError(f"unknown table '{unknown[0]}' in data.tables; expected one of: {', '.join(TABLES)}")
    for name in REQUIRED_TABLES:
        if name not in sources:
            raise DataError(f"data has no '{name}' table; expected a source for it (data.tables.{name} or {name}.parquet in data.dir)")
    if not {"consumption_hourly", "consumption_daily"} & set(sources):
        raise DataError("data has no consumption table; expected consumption_hourly and/or consumption_daily")
    frames, inputs, mines = {}, [], {}
    for name, spec in sources.items():
        spec = dict(spec)
        try:
            frame = read_table(**spec)
            if spec.get("kind") in SERVER_KINDS:
                inputs.append(server_rows(spec["kind"], spec.get("dsn"), spec.get("query"), frame))
            frames[name], mines[name] = validate_table(name, frame, spec.get("path") or name)
        except DataError as exc:
            raise DataError(f"data.tables.{name}: {exc}") from None
        except pl.exceptions.PolarsError as exc:  # a lazy source fails where its rows are read (e.g. a CSV not in UTF-8)
            reason = "; ".join(filter(None, [str(exc).splitlines()[0].split(", hint:")[0], _odd_part(spec.get("path"))]))
            raise DataError(f"data.tables.{name}: {spec.get('path') or name}: unreadable as {spec.get('kind', 'parquet')} "
                            f"({reason})") from None
        if spec.get("path"):
            inputs.append(resolve_input(spec["path"]))
    _check_joins(mines, {name: spec.get("path") or name for name, spec in sources.items()})
    return MineData(frames, inputs)


def _odd_part(path: str | None) -> str | None:
    """In a folder of parquet parts, the first part whose columns or types differ from the first
    part's, said (only on failure: the schemas are footers, no rows are read); polars' own line
    names neither part, and its hint is Python API."""
    folder = resolve_input(path) if path else None
    if folder is None or not folder.is_dir():
        return None
    parts = sorted(folder.glob("*.parquet"))
    first = pl.read_parquet_schema(parts[0])
    for part in parts[1:]:
        schema = pl.read_parquet_schema(part)
        for column in sorted(set(first) | set(schema), key=lambda c: (c not in first, c)):
            if first.get(column) != schema.get(column):
                return (f"part {part.name} has column {column!r} as {schema.get(column, 'absent')}, part {parts[0].name} as "
                        f"{first.get(column, 'absent')}; expected the same columns and types in every part")
    return None


# Tables whose mines must also have production: a cost or an event without output would
# shift the shares and unit costs of the mines that have it.
_NEED_PRODUCTION = ("consumption_hourly", "consumption_daily", "equipment")


def _check_joins(mines: dict[str, dict[str, int]], where: dict[str, str]) -> None:
    """Every mine_id of a table is in the mines table (and in production, for consumption and
    equipment); ``mines``: rows per mine_id of each table, from validation."""
    for name, rows in mines.items():
        for master in ("mines", "production") if name in _NEED_PRODUCTION else ("mines",):
            orphans = sorted(set(rows) - set(mines[master]))
            if orphans:
                more = f" and {len(orphans) - 1} more mine ids" if len(orphans) > 1 else ""
                raise DataError(
                    f"data.tables.{name}: {where[name]}: {rows[orphans[0]]} rows for mine_id {orphans[0]!r}{more}, which "
                    f"table '{master}' lacks; expected every mine_id of '{name}' in '{master}'"
                )
