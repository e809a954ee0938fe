"""One dataset: its declared sources read, checked against the contract and joined (``load_mine`` -> ``MineData``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from minectl.data.contract import REQUIRED_TABLES, TABLES, validate_table
from minectl.data.names import alike_in, shown
from minectl.data.sources import (
    READERS,
    SERVER_KINDS,
    ServerRows,
    duckdb_tables,
    existing_input,
    parquet_parts,
    read_table,
    resolve_input,
    server_rows,
    user_dir,
)
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


def data_folder(folder: str) -> Path:
    """``data.dir`` as the folder it names, refused unless it is one."""
    root = user_dir() / Path(folder).expanduser()  # a relative folder: in the one minectl was run from, as resolve_input
    if not root.is_dir():
        raise DataError(f"{root}: data folder not found; expected a folder of <table>.parquet files (minectl data synth --out)")
    return root


def check_data_dir(data: Any) -> None:
    """The data folder of a `data` config node is one, and each file a table names (data.tables.<table>.path,
    data.path) is there, in the readers' words: the tasks' pre-checks call this for every sweep value before
    any job (else each job that reads a missing file fails after the others ran). With the synthetic mine,
    load_mine refuses a data.dir instead."""
    if data.synthetic is not None:
        return
    if data.dir:
        data_folder(data.dir)
    for name, spec in _given_sources(data).items():
        if spec.get("kind") in READERS and spec.get("kind") not in SERVER_KINDS:  # a file; a server is not reached here
            try:
                existing_input(spec.get("path"), spec.get("kind"))
            except DataError as exc:  # as load_mine says it
                raise DataError(f"data.tables.{name}: {exc}") from None


def file_columns(data: Any, name: str) -> list[str] | None:
    """The columns of table ``name`` as load_mine reads them (renamed), from a file's footer or header alone: for the
    tasks' pre-checks of values naming a column, before any job. None for the synthetic mine, a server, or a source
    load_mine will refuse (it says why, in its words)."""
    if data.synthetic is not None:
        return None
    try:
        spec = _given_sources(data).get(name)
        if spec is None or spec.get("kind") in SERVER_KINDS:
            return None
        return read_table(**spec).collect_schema().names()
    except (DataError, pl.exceptions.PolarsError, TypeError):  # TypeError: a key read_table does not take
        return None


def _given_sources(data: Any) -> dict[str, dict[str, Any]]:
    """table_sources of a `data` config node, resolved."""
    from omegaconf import OmegaConf

    return table_sources(data.dir, OmegaConf.to_container(data.tables, resolve=True) if data.tables else {})


def table_sources(folder: str | None, tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The source of each table: data.dir's ``folder`` and data.tables' entries, each of which names a source of its own
    (a path, query or dsn: it replaces the folder's table) or else maps or filters the folder's table (columns or
    filters alone, where it was refused as a parquet source without a path)."""
    own = [name for name, spec in tables.items() if any(spec.get(key) for key in ("path", "query", "dsn"))]
    sources = _dir_sources(folder, own) if folder else {}
    for name, spec in tables.items():
        sources[name] = spec if name in own else {**sources.get(name, {}), **{k: v for k, v in spec.items() if v is not None}}
    return sources


def _dir_sources(folder: str, given: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """The tables of a data folder, less those ``given`` in data.tables (which replace them)."""
    root = data_folder(folder)
    sources = {}
    given = set(given)
    for name in (name for name in TABLES if name not in given):
        # a dangling link is a table too, refused as not found where it would be left out unsaid
        found = [candidate for candidate in (root / f"{name}.parquet", root / name) if candidate.exists() or candidate.is_symlink()]
        if len(found) > 1:  # one would be read, the other left unsaid
            raise DataError(f"{root}: holds both {name}.parquet and a {name}/ folder; expected one source for table '{name}'")
        if found:
            sources[name] = {"kind": "parquet", "path": str(found[0])}
    known = {f"{name}.parquet" for name in TABLES} | set(TABLES)
    for entry in sorted(root.iterdir()):  # a table under another name, form or case would be left out unsaid
        stem = entry.name.split(".")[0].lower()  # EQUIPMENT.PARQUET, Consumption_Hourly/: a table in another case
        table_like = entry.suffix.lower() == ".parquet" or stem in TABLES  # other folders: e.g. another dataset, kept aside
        if table_like and entry.name not in known and stem not in given and not entry.name.startswith((".", "_")):
            case = f" (names are lower case: {entry.name.lower()})" if entry.name.lower() in known else ""
            raise DataError(f"{entry}: not a table of a data folder{case}; expected <table>.parquet or a <table>/ folder of "
                            f"parquet parts, for a table of: {', '.join(TABLES)} (other files: data.tables.<table>, e.g. kind: csv)")
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
    sources = table_sources(dir, tables or {})
    unknown = sorted(set(sources) - set(TABLES))
    if unknown:
        raise DataError(f"unknown table '{unknown[0]}' in data.tables; expected one of: {', '.join(TABLES)}")
    for name in REQUIRED_TABLES:
        if name not in sources:
            raise DataError(f"data has no '{name}' table; expected a source for it (data.tables.{name} or {name}.parquet in data.dir)")
    if not {"consumption_hourly", "consumption_daily"} & set(sources):
        raise DataError("data has no consumption table; expected consumption_hourly and/or consumption_daily")
    if any(spec.get("kind") == "duckdb" and spec.get("path") == path for spec in sources.values()):
        sources |= _database_sources(path, sources)
    frames, inputs, mines, hourly_zone = {}, [], {}, None
    for name, spec in sources.items():
        spec = dict(spec)
        try:
            table = TABLES[name]  # sensors: every extra column is a reading (contract.validate_table)
            frame = read_table(**spec, order=(*table.key[:-1], *table.optional_key, table.key[-1]),
                               reads=None if name == "sensors" else (*table.columns, *table.optional_key))
            if spec.get("kind") in SERVER_KINDS:
                inputs.append(server_rows(spec["kind"], spec.get("dsn"), spec.get("query"), frame))
            if name == "consumption_hourly":  # the contract reads zoned times at their wall time, the zone then gone
                hourly_zone = getattr(frame.collect_schema().get("timestamp"), "time_zone", None)
            frames[name], mines[name] = validate_table(name, frame, spec.get("path") or name)
        except DataError as exc:
            raise DataError(f"data.tables.{name}: {exc}") from None
        except pl.exceptions.PolarsError as exc:  # a lazy source fails where its rows are read (e.g. a CSV not in UTF-8)
            first = re.split(r"[,.] hint:", str(exc).splitlines()[0], flags=re.IGNORECASE)[0]  # polars' hints are Python API
            # a csv value unlike the first 100 rows polars infers a column's type from: a note, a total, a time in another form
            hint = "; expected every value of a column in the form of its first rows" if first.startswith("could not parse") else ""
            raise DataError(f"data.tables.{name}: {spec.get('path') or name}: unreadable as {spec.get('kind', 'parquet')} "
                            f"({first}){hint}") from None
        if spec.get("path"):
            path = resolve_input(spec["path"])
            # a folder of parquet parts: the parts read, not its hidden and marker files (_SUCCESS, .crc)
            inputs += parquet_parts(path) if spec.get("kind") == "parquet" and path.is_dir() else [path]
    _check_joins(mines, {name: spec.get("path") or name for name, spec in sources.items()}, hourly_zone)
    return MineData(frames, inputs)


# The tables conf/data/duckdb.yaml does not list: read where data.path's database holds them. The listed ones a user
# may drop (~data.tables.prices: the mapping's constant prices) stay dropped.
_DATABASE_EXTRAS = ("consumption_hourly", "sensors", "labels")


def _database_sources(database: str, sources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The tables of _DATABASE_EXTRAS that data.path's DuckDB file holds and no source gives, read as a data folder's
    are (_dir_sources): a database of all eight tables (as data synth writes them) was costed without its hourly
    meters (36.6M CNY for the 43.1M of its parquet twin, 1 synthetic mine), unsaid."""
    found = duckdb_tables(database)
    return {name: {"kind": "duckdb", "path": database, "query": found[name]} for name in _DATABASE_EXTRAS
            if name not in sources and name in found}


# Tables whose mines and days must also be in others': a cost or an event without output would
# shift the shares and unit costs of the mines that have it (a day past the production table's
# last would be costed as a day without output), and a consumption record without the
# equipment's day would lose the event that explains it (its outlier removed, not kept).
_COVERED_BY = {
    "consumption_hourly": ("production", "equipment"),
    "consumption_daily": ("production", "equipment"),
    "equipment": ("production",),
}


def _check_joins(mines: dict[str, pl.DataFrame | None], where: dict[str, str], hourly_zone: str | None = None) -> None:
    """Every mine_id of a table is in the mines table, and for consumption and equipment also
    in production (and equipment, where given) on every day it has; the hourly meters' days are
    whole. ``mines``: each table's rows and days per mine_id (contract._per_mine); ``hourly_zone``: the zone the hourly
    times came in, if any."""
    covers = {name: [m for m in ("mines", *_COVERED_BY.get(name, ())) if mines.get(m) is not None] for name in mines}
    for name, table in mines.items():
        for master in covers[name] if table is not None else ():
            orphans = table.filter(~pl.col("mine_id").is_in(mines[master]["mine_id"].implode()))
            if orphans.height:
                more = f" and {orphans.height - 1} more mine ids" if orphans.height > 1 else ""
                raise DataError(
                    f"data.tables.{name}: {where[name]}: {orphans['n'][0]} rows for mine_id {shown(orphans['mine_id'][0])}{more}, "
                    f"which table '{master}' lacks{_alike(orphans['mine_id'][0], mines[master]['mine_id'])}; "
                    f"expected every mine_id of '{name}' in '{master}'"
                )
    _check_whole_days(mines.get("consumption_hourly"), where.get("consumption_hourly"), hourly_zone)  # an hour off shifts the last day too
    for name, table in mines.items():
        for master in covers[name][1:]:  # production (and equipment) are gapless: their first to last day is every day
            outside = table.join(mines[master], on="mine_id", suffix="_master").filter(
                (pl.col("first") < pl.col("first_master")) | (pl.col("last") > pl.col("last_master")))
            if outside.height:
                row = outside.row(0, named=True)
                raise DataError(
                    f"data.tables.{name}: {where[name]}: mine_id {shown(row['mine_id'])} has rows from {row['first']} to {row['last']}, "
                    f"table '{master}' from {row['first_master']} to {row['last_master']}; expected '{master}' rows on "
                    f"every day of '{name}'"
                )


def _alike(mine: str, known: pl.Series) -> str:
    """Where ``mine`` differs from a known mine id only in case, width, spaces or look-alike
    letters (names.lookalike), or in leading zeros, that id, said (per orphan id, on failure only)."""
    alike = alike_in(mine, known)
    if alike is None:  # '007' beside 7: one table stored its ids as numbers, which keep no leading zeros
        digits = re.compile(r"[0-9]+")
        alike = next((k for k in known if digits.fullmatch(mine) and digits.fullmatch(k) and k.lstrip("0") == mine.lstrip("0")), None)
        return "" if alike is None else (f" (it has {shown(alike)}: the ids differ in leading zeros, which a number column drops; "
                                         "store ids as text)")
    how = "case or spaces" if alike.strip().lower() == mine.strip().lower() else "width or look-alike letters"
    return f" (it has {shown(alike)}: the ids differ in {how})"


def _check_whole_days(hourly: pl.DataFrame | None, where: str | None, zone: str | None = None) -> None:
    """Hourly meters start at a day's first hour and end at its last: a part day's sum would be
    costed as the whole day's consumption (the hours before a first reading are no gap that eq 3 fills).
    ``zone``: the times' zone, said where they are cut (a TIMESTAMPTZ comes in UTC: a mine's local midnight is another hour)."""
    if hourly is None:
        return
    for column, what in (("part_start", "starts"), ("part_end", "ends")):
        cut = hourly.filter(pl.col(column).is_not_null())
        if cut.height:
            zoned = f" {zone}" if zone else ""
            if zone == "UTC":
                zoned += (" (a database's TIMESTAMPTZ comes in UTC: select ts AT TIME ZONE 'ZONE', the mine's, e.g. "
                          "'Asia/Shanghai', for its clock)")
            raise DataError(
                f"data.tables.consumption_hourly: {where}: a series of mine_id {shown(cut['mine_id'][0])} {what} at "
                f"{cut[column][0]}{zoned}, within a day; expected whole days (hours 00 to 23) at each series' start and end "
                "(cut the extract at midnight, or write the day's other hours as rows: an empty quantity where the reading "
                "is missing, 0 where the meter was not yet or no longer in use; stamps at the hour's end, 01:00 to 24:00, "
                "go back one hour)"
            )
