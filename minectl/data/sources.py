"""Readers: one declared source (parquet, csv, DuckDB, PostgreSQL) -> a renamed, filtered polars LazyFrame.

A new kind of source is one more entry in READERS.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable, Collection, NamedTuple, TypeVar

import polars as pl

import minectl.conf
from minectl.data.contract import DATE, STR, TABLES, float32_by_text, refuse_unclosed_quote
from minectl.data.names import alike_in, check_names, shown
from minectl.errors import DataError

# The checkout's root: relative example paths (examples/data/...) also resolve from here, so
# shipped experiments run from any working directory. Then the folder holding the shipped conf/
# (the checkout again, or site-packages/minectl/ in an installed wheel), so that a default under
# conf/ (the factors' declared knowledge) resolves in either.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
_ROOTS = (PROJECT_ROOT, Path(minectl.conf.__file__).resolve().parents[1])


FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def user_dir() -> Path:
    """The folder a relative input names a file of: the working dir (Path()), but in a job that runs in its run folder
    (hydra.job.chdir=true) the one minectl was run from (hydra.runtime.cwd), where the pre-check found it."""
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    hydra = HydraConfig.get() if HydraConfig.initialized() else None  # also set by a run before, in this process
    in_run_folder = hydra is not None and hydra.job.chdir and OmegaConf.select(hydra, "runtime.output_dir") == str(Path.cwd())
    return Path(hydra.runtime.cwd) if in_run_folder else Path()


def resolve_input(path: str | Path) -> Path:
    """A relative input path as found: in the folder minectl was run from first (user_dir), else under the
    project root, else beside the shipped configs."""
    given = Path(path).expanduser()
    here = user_dir()
    found = given if given.is_absolute() else next((root / given for root in (here, *_ROOTS) if (root / given).exists()), here / given)
    kind = special_kind(found)
    if kind:  # read to its end twice (hashed, then parsed): a pipe gives its data once, /dev/zero never ends
        raise DataError(f"{found}: {kind}; expected a regular file (save the data to a file first)")
    return found


def found_input(path: str | Path, expected: str = "a file or folder", folder: bool | None = None) -> Path:
    """An input as found (resolve_input: a pipe or a device is refused), refused unless it is there (a dangling
    link is not) and, where ``folder`` says, a folder (True) or a file (False); ``expected`` says what the key
    names. The one rule of "the input is there": the pre-checks (check_input), Run.input_file, the table,
    series and MineLib readers."""
    found = resolve_input(path)
    if not found.exists():
        raise DataError(f"{found}: not found; expected {expected}{checkout_hint(path)}")
    if folder is not None and found.is_dir() != folder:
        raise DataError(f"{found}: a {'folder' if found.is_dir() else 'file'}; expected {expected}")
    return found


def check_input(key: str, path: str, folder: bool | None = False) -> None:
    """The input that config ``key`` names is there and is a file (``folder``: a folder; None: either), for
    every sweep value before any job (else a job fails on it after the others ran): resolved as the job's
    Run.input_file resolves it (the working dir, then the checkout) and refused in its words; nothing is read."""
    kind = "file or folder" if folder is None else "folder" if folder else "file"
    try:
        found_input(path, f"a {kind}", folder)
    except DataError as exc:
        raise DataError(exc.message, param=key) from None


def special_kind(path: Path) -> str | None:
    """What ``path`` is when it is there but neither a file nor a folder (a pipe, a device)."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:  # not there (or a link to nowhere): the caller says it is missing
        return None
    kinds = {stat.S_ISFIFO: "a named pipe", stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device",
             stat.S_ISSOCK: "a socket"}
    return next((name for test, name in kinds.items() if test(mode)), None)


def checkout_hint(path: str | Path) -> str:
    """Why a relative examples/ path (the defaults of forecast, uncertainty, extract) is not found
    where no examples/ folder is: the example data ships with the source checkout, not the wheel."""
    given = Path(path)
    if given.is_absolute() or given.parts[:1] != ("examples",) or any((root / "examples").is_dir() for root in (user_dir(), *_ROOTS)):
        return ""
    return (" (examples/ comes with minectl's source checkout, not with an installed package: run from a clone of the "
            "repository, or name a file of your own)")

_OPS: dict[str, Callable[[pl.Expr, Any], pl.Expr]] = {
    "==": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
    "in": lambda c, v: c.is_in(list(v)),
}


def read_text(path: str | Path, encoding: str, expected: str) -> str:
    """A text file's contents with its line ends as \\n, less a UTF-8 byte-order mark (Windows tools
    write one, also before ASCII text; it is not text); a missing file, or bytes outside
    ``encoding``, fail in one line naming what was ``expected``."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: {'not a file' if path.exists() else 'missing'}; expected {expected}")
    data = path.read_bytes()
    mark = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[mark:].decode(encoding).replace("\r\n", "\n").replace("\r", "\n")  # as read_text's universal line ends
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not {encoding} text (byte {mark + exc.start}); expected {expected}") from None


def existing_input(path: str | None, kind: str) -> Path:
    """The file (a folder of parts: kind parquet) of a source of ``kind``, refused unless there; nothing is read."""
    if not path:
        raise DataError(f"a {kind} source needs a path; expected path=FILE")
    parts = " (or a folder of its parts)" if kind == "parquet" else ""
    resolved = found_input(path, f"an existing {kind} file{parts}")
    if resolved.is_dir() and kind == "parquet":
        return resolved
    if resolved.is_dir():
        raise DataError(f"{resolved}: a folder; expected one {kind} file (a folder of parts is read for kind: parquet only)")
    if resolved.stat().st_size == 0:
        raise DataError(f"{resolved}: file is empty; expected {kind} data")
    return resolved


def parquet_parts(folder: Path) -> list[Path]:
    """The part files of a table given as a folder, in name order (numbers as numbers: _in_number_order):
    its .parquet files and those of its hive partition sub-folders (year=2023/, as Spark, DuckDB and
    pyarrow write partitioned data), less hidden names (starting with '.' or '_': checksums, macOS' ._
    copies, Spark's _SUCCESS and _temporary/, skipped as Spark, Hive and pyarrow skip them). Refused in
    one line: another sub-folder holding parquet (a copy, or another table?), a link back up, no part, a
    part of 0 bytes, and a Delta Lake or Hudi table's folder (_TABLE_FORMAT_LOGS)."""
    def under(here: Path, above: tuple[Path, ...]) -> list[Path]:
        parts = []
        for entry in sorted(here.iterdir(), key=_in_number_order):
            if entry.name.startswith((".", "_")):
                continue
            if entry.is_dir() and entry.resolve() in above:  # a link back up: its parts again, folder in folder, without end
                raise DataError(f"{entry}: a link to {entry.resolve()}, a folder above it, in a table's folder; expected partition "
                                "folders that hold parts, not links back up (delete the link)")
            if entry.is_dir() and "=" in entry.name:
                parts += under(entry, (*above, entry.resolve()))
            elif entry.is_dir() and any(entry.rglob("*.parquet")):
                raise DataError(f"{entry}: a sub-folder of parquet files in a table's folder, not a hive partition (name=value); "
                                "expected the table's parts in the folder itself or in partition folders such as year=2023/")
            elif entry.suffix.lower() == ".parquet" and entry.is_file():
                parts.append(entry)
            elif not entry.is_dir():  # a part by another name (Hive's 000000_0), form (.csv) or a dangling link: left out unsaid
                what = "a link to a missing file" if not entry.exists() else "a file that is no .parquet part"
                raise DataError(f"{entry}: {what} in a table's folder; expected only the table's parquet parts there "
                                "(name other files starting with '.' or '_')")
        return parts

    log = next((folder / name for name in _TABLE_FORMAT_LOGS if (folder / name).is_dir()), None)
    if log is not None:  # its folders keep the parts of past versions until a vacuum: rows deleted or updated would be read again
        raise DataError(f"{folder}: a {_TABLE_FORMAT_LOGS[log.name]} table (its {log.name}/ log says which parts hold the current "
                        "rows, which minectl does not read); expected plain parquet parts: write the table's current version "
                        "out as parquet first")
    parts = under(folder, (folder.resolve(),))
    if not parts:
        raise DataError(f"{folder}: folder holds no .parquet files; expected parquet part files")
    empty = [part for part in parts if part.stat().st_size == 0]
    if empty:  # polars skips a 0-byte part: rows of an interrupted export would be missing unsaid
        raise DataError(f"{empty[0]}: part file is empty (0 bytes); expected parquet data (an interrupted export?)")
    return parts


# the logs of table formats whose folders hold parquet parts of every version, current or not (Delta Lake, Apache Hudi)
_TABLE_FORMAT_LOGS = {"_delta_log": "Delta Lake", ".hoodie": "Apache Hudi"}


def _in_number_order(path: Path) -> list[str | int]:
    """A sort key of ``path``'s name with its numbers compared as numbers: pyarrow and DuckDB number parts without
    padding (part-2 before part-10), and Spark names partitions so (month=2 before month=10); in plain name order a
    year of monthly folders read October before February, refused as rows out of time order."""
    # text and digits alternate (the digits at odd places), so that two keys compare text with text, numbers with numbers
    return [int(text) if place % 2 else text for place, text in enumerate(re.split(r"(\d+)", path.name))]


# Parts written by other tools or versions store the same values in other widths: read in the scan
# itself as the wider type (no pass of their own), which the contract then casts and checks as one file's.
_WIDENING = pl.ScanCastOptions(integer_cast=["upcast", "allow-float"], float_cast="upcast", datetime_cast="upcast",
                               categorical_to_string="allow")
_TIME_UNITS = ("ns", "us", "ms")  # finest first


def _wider(a: pl.DataType, b: pl.DataType) -> pl.DataType | None:
    """The type that holds a column stored as ``a`` in one part and ``b`` in another (_WIDENING reads
    both as it): None where the two hold different kinds of value (text and numbers, zoned and naive times)."""
    text = (pl.String, pl.Categorical, pl.Enum)
    if a == b or b == pl.Null:  # a part without any value in the column (pandas writes all-None as Null)
        return a
    if a == pl.Null:
        return b
    if a.is_integer() and b.is_integer():
        return pl.Int64
    if (a.is_integer() or a.is_float()) and (b.is_integer() or b.is_float()):  # a pandas int column with a gap is float64
        return pl.Float64
    if isinstance(a, text) and isinstance(b, text):
        return pl.String
    if isinstance(a, pl.Datetime) and isinstance(b, pl.Datetime) and a.time_zone == b.time_zone:
        return pl.Datetime(min(a.time_unit, b.time_unit, key=_TIME_UNITS.index), a.time_zone)
    if a.is_decimal() and b.is_decimal() and a.scale == b.scale:  # more digits, same places: exact
        return pl.Decimal(max(a.precision or 38, b.precision or 38), a.scale)
    # None too where the values would fit but polars' scan casts no part: Date beside Datetime days, and
    # decimals beside floats (lossy in general: 0.1 has no float; and a decimal's 2^53 + 1 would round)
    return None


def _parts_schema(folder: Path, parts: list[Path]) -> tuple[pl.Schema | None, dict[Path, list[str]]]:
    """The table's schema where its parts' types differ in width only (None where all parts are alike),
    from their footers (no rows read); refused in one line naming two parts where they differ in columns
    or in the kind of value of a column, or where a part is no parquet. And the columns of each part that the
    scan reads in the part's own type (_scan_parts converts them): integers read as the others' floats whose
    footers lack the statistics that show them exact as floats, Enum text read as the others' String, and float32
    read by its text as the others' Float64 (5.1, not the widened 5.0999999)."""
    schemas = []
    for part in parts:
        try:
            schemas.append(_parquet_schema(part))
        except (pl.exceptions.PolarsError, OSError) as exc:  # a truncated part, or another file named .parquet
            raise DataError(f"{folder}: part {part.relative_to(folder)} is unreadable as parquet ({str(exc).splitlines()[0]}); "
                            "expected parquet data in every part") from None
    if all(dict(schema) == dict(schemas[0]) for schema in schemas[1:]):
        return None, {}
    # pandas' index, written by some parts only (_PANDAS_INDEX), is no column of the table: the scan leaves it out
    schemas = [pl.Schema({c: t for c, t in schema.items() if not re.match(_PANDAS_INDEX, c)}) for schema in schemas]
    table, origin = dict(schemas[0]), dict.fromkeys(schemas[0], parts[0])  # each column's type so far, and a part that has it
    for part, schema in zip(parts[1:], schemas[1:], strict=True):
        for column in sorted(set(table) | set(schema), key=lambda c: (c not in table, c)):
            found, common = schema.get(column, "absent"), table.get(column, "absent")
            wider = None if "absent" in (found, common) else _wider(common, found)
            if found == "absent" and (alike := alike_in(column, schema)) is not None:  # 'Quantity', 'quantity ': another writer's name
                raise DataError(f"{folder}: part {part.relative_to(folder)} has column {shown(alike)} where part "
                                f"{origin[column].relative_to(folder)} has {column!r}; expected the same column names in every part")
            if "absent" in (found, common):  # was said as "has column 'haul_km' as absent"
                lacking, holding = (part, origin[column]) if found == "absent" else (origin.get(column, parts[0]), part)
                raise DataError(f"{folder}: part {lacking.relative_to(folder)} lacks column {column!r}, which part "
                                f"{holding.relative_to(folder)} has; expected the same columns in every part")
            if wider is None:
                raise DataError(f"{folder}: part {part.relative_to(folder)} has column {column!r} as {found}, part "
                                f"{origin.get(column, parts[0]).relative_to(folder)} as {common}; expected the same columns and types "
                                "in every part (parts may differ in width only: integers and floats, time units, decimal digits, "
                                "categorical and plain text)")
            if common == pl.Null:
                origin[column] = part
            table[column] = wider
    own_types: dict[Path, list[str]] = {}
    for part, schema in zip(parts, schemas, strict=True):
        for column, dtype in schema.items():
            if isinstance(dtype, pl.Enum) and table[column] == pl.String:  # polars' scan casts no Enum part to another type
                own_types.setdefault(part, []).append(column)
            elif dtype == pl.Float32 and table[column] == pl.Float64:  # by its text, as the contract widens a float32 table
                own_types.setdefault(part, []).append(column)
            elif dtype.is_integer() and table[column] == pl.Float64:  # an integer part read as the others' floats
                if (largest := _largest_integer(part, column, dtype)) is None:
                    own_types.setdefault(part, []).append(column)
                elif largest > 2**53:
                    raise _rounded(folder, part, column, dtype, largest)
    return pl.Schema(table), own_types


def _rounded(folder: Path, part: Path, column: str, dtype: pl.DataType, largest: int) -> DataError:
    return DataError(f"{folder}: part {part.relative_to(folder)} has column {column!r} as {dtype} with values up to {largest:,}, "
                     f"which the other parts' floats round; expected values of at most {2**53:,} (a unit or id slip?)")


def _largest_integer(part: Path, column: str, dtype: pl.DataType) -> int | None:
    """The largest magnitude of an integer column of a parquet part, from its footer's statistics (no rows
    read); None where a row group holding values has none (pyarrow's write_statistics=False)."""
    import pyarrow.parquet as pq

    if dtype.is_integer() and dtype not in (pl.Int64, pl.UInt64):  # 32 bits or fewer: every value is exact as a float
        return 0
    meta = pq.ParquetFile(part).metadata
    index = meta.schema.to_arrow_schema().get_field_index(column)
    largest = 0
    for stats in (meta.row_group(i).column(index).statistics for i in range(meta.num_row_groups)):
        if stats is not None and stats.has_min_max:
            largest = max(largest, abs(stats.min), abs(stats.max))
        elif stats is None or not stats.has_null_count or stats.null_count < stats.num_values:  # values, bounds unknown
            return None
    return largest


# the text and date key columns of the contract's tables (mine_id, activity, resource; date, valid_from) and their
# types: the ones a partition folder may hold alone (Spark's partitionBy("mine_id") or partitionBy("date") writes
# mine_id=3/ or date=2024-01-31/ folders and drops the column from the parts)
_PATH_KEYS = dict(sorted({column: spec.columns[column] for spec in TABLES.values() for column in spec.key
                          if spec.columns[column] in (STR, DATE)}.items()))


def _path_keys(folder: Path, part: Path) -> dict[str, str | None]:
    """The name=value partition folders above ``part``, as text (Spark's %XX escapes undone, its
    __HIVE_DEFAULT_PARTITION__ as missing)."""
    from urllib.parse import unquote

    pairs = (name.split("=", 1) for name in part.relative_to(folder).parts[:-1])
    return {unquote(key): None if value == "__HIVE_DEFAULT_PARTITION__" else unquote(value) for key, value in pairs}


def _scan_parts(folder: Path, parts: list[Path]) -> pl.LazyFrame:
    """The parts as one table, read in one scan as the wider types (_parts_schema). Scanned part by part
    (still one pass, nothing read for checks alone) where a part's integers have no footer bounds, checked
    as the pass reads them, where a part's text is Enum, cast to String as read, or where a key column lives
    in the partition folders' names only."""
    schema, own_types = _parts_schema(folder, parts)
    keys = {part: _path_keys(folder, part) for part in parts}
    named = {key for found in keys.values() for key in found}
    in_path = [key for key in _PATH_KEYS if key in named and key not in (schema or _parquet_schema(parts[0]))]
    for key in in_path:  # else its rows would have no key, refused as "no column" (the folders unsaid)
        if (outside := next((part for part in parts if key not in keys[part]), None)) is not None:
            raise DataError(f"{folder}: part {outside.relative_to(folder)} is outside the {key}=... folders that give the other parts "
                            f"their {key!r}; expected every part in a {key}=value folder (or the column {key!r} in every part)")
    _refuse_other_keys(folder, parts, keys, [key for key in _PATH_KEYS if key in named and key not in in_path])
    values = {part: {key: _path_value(folder, part, key, keys[part][key]) for key in in_path} for part in parts}
    if not own_types and not in_path:
        return pl.scan_parquet(parts, hive_partitioning=False, glob=False, schema=schema, extra_columns="ignore",
                               cast_options=None if schema is None else _WIDENING)

    def scan(part: Path) -> pl.LazyFrame:
        own = _parquet_schema(part)
        as_own = own_types.get(part, [])
        frame = pl.scan_parquet(part, hive_partitioning=False, glob=False, extra_columns="ignore",
                                schema=pl.Schema({**(schema or own), **{c: own[c] for c in as_own}}), cast_options=_WIDENING)

        def exact(values: pl.Series) -> pl.Series:
            if (largest := values.abs().max() or 0) > 2**53:
                raise _rounded(folder, part, values.name, own[values.name], largest)
            return values.cast(pl.Float64)

        return frame.with_columns(*(pl.col(c).cast(pl.String) if isinstance(own[c], pl.Enum)
                                    else float32_by_text(c) if own[c] == pl.Float32
                                    else pl.col(c).map_batches(exact, return_dtype=pl.Float64) for c in as_own),
                                  *(pl.lit(values[part][key], _PATH_KEYS[key]).alias(key) for key in in_path))

    return pl.concat([scan(part) for part in parts])


# a partition folder's day: as Spark writes a date (2024-01-31), or as pandas writes its datetime64 day, at midnight
# (2024-01-31 00:00:00.000, where to_parquet(partition_cols=['date']) was refused as naming no date)
_PATH_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:\.0+)?)?")


def _path_value(folder: Path, part: Path, key: str, value: str | None) -> str | date | None:
    """A partition folder's value of key column ``key`` as the column's type: text, or a date (_PATH_DAY), refused
    in one line naming the folder where it is none."""
    if _PATH_KEYS[key] != DATE or value is None:
        return value
    day = _PATH_DAY.fullmatch(value)
    try:
        if day:
            return datetime.strptime(day[1], "%Y-%m-%d").date()
    except ValueError:  # no such day: 2024-02-30
        pass
    raise DataError(f"{folder}: part {part.relative_to(folder)} is in the folder {key}={value}, which names no date; "
                    f"expected {key}=YYYY-MM-DD (as Spark's partitionBy writes a date)")


def _refuse_other_keys(folder: Path, parts: list[Path], keys: dict[Path, dict[str, str | None]], both: list[str]) -> None:
    """Refuse a part whose text key column (``both``: in the parts and in their folders' names) holds another
    value than its folder names (mine_id=M2/ holding M1's rows: a part filed in another mine's folder); the
    column was read and the folder's name left unsaid. One read of that column of each such part."""
    for part in parts:
        for key in (key for key in both if key in keys[part]):
            column = pl.scan_parquet(part, hive_partitioning=False, glob=False).select(key)
            if not isinstance(column.collect_schema()[key], (pl.String, pl.Categorical, pl.Enum)):
                continue  # numbers: their text is another question (1 or 1.0), which the contract's ids answer
            other = column.filter(pl.col(key).cast(pl.String).ne_missing(keys[part][key])).head(1).collect()
            if other.height:
                raise DataError(f"{folder}: part {part.relative_to(folder)} in the folder {key}={keys[part][key]} has {key} "
                                f"{other[key][0]!r}; expected the {key} its folder names (a part filed in another's folder?)")


def _parquet_schema(part: Path) -> pl.Schema:
    """A parquet file's schema, from its footer (no rows read)."""
    return pl.scan_parquet(part, hive_partitioning=False, glob=False).collect_schema()


# pandas' name for an unnamed index that to_parquet writes as a column (a frame filtered, sorted or concatenated
# has one; a plain 0..n-1 index is written as metadata only): row labels, no data. Read, a sensors table took
# it for a sensor reading the row numbers, and a risk table for a feature.
_PANDAS_INDEX = r"^__index_level_\d+__$"


def _without_pandas_index(frame: FrameT) -> FrameT:
    """``frame`` less the columns that are pandas' unnamed index (_PANDAS_INDEX)."""
    return frame.select(pl.exclude(_PANDAS_INDEX))  # lazy: a file that is no parquet is named where read_table reads it


def _read_parquet(path: str | None, query: str | None) -> pl.LazyFrame:
    resolved = existing_input(path, "parquet")
    # the parts' own columns are the table's: a partition folder's name=value is no column (the contract
    # reads an extra sensors column as a reading, and the time columns hold the year), but for a key
    # column that no part holds (_PATH_KEYS)
    if not resolved.is_dir():
        with resolved.open("rb") as file:  # polars said "File out of specification: The file must end with PAR1" of any other
            start = file.read(16)
        if not start.startswith((b"PAR1", b"PARE")):  # a parquet file's magic, plain or with an encrypted footer
            raise DataError(f"{resolved}: unreadable as parquet: {_found_instead(resolved, start, 'no parquet header (PAR1)')}; "
                            "expected a parquet file")
        return _trimmed_names(_without_pandas_index(pl.scan_parquet(resolved, hive_partitioning=False, glob=False)), resolved)
    return _trimmed_names(_without_pandas_index(_scan_parts(resolved, parquet_parts(resolved))), resolved)


def _trimmed_names(frame: pl.LazyFrame, where: Path) -> pl.LazyFrame:
    """``frame`` (the parquet file or folder ``where``) with its column names without spaces around them, as a
    csv source's (_stripped): pandas keeps a csv header's `date, mine_id` as ' mine_id' in the parquet it writes,
    which was refused as having no column 'mine_id' where the csv itself was read. Two names alike so refused."""
    try:
        names = frame.collect_schema().names()  # the footer only
    except (pl.exceptions.PolarsError, OSError):
        return frame  # no parquet: read_table names the fault
    trimmed = [name.strip() or name for name in names]
    twice = next((name for name in trimmed if trimmed.count(name) > 1), None)
    if twice is not None:
        given = [shown(name) for name, alike in zip(names, trimmed, strict=True) if alike == twice]
        raise DataError(f"{where}: columns {given[0]} and {given[1]} are both {twice!r} once the spaces around them are "
                        "dropped; expected unique column names")
    return frame if trimmed == names else frame.rename(dict(zip(names, trimmed, strict=True)))


def _read_csv(path: str | None, query: str | None) -> pl.LazyFrame:
    return scan_dated_csv(existing_input(path, "csv"))


def scan_dated_csv(path: Path) -> pl.LazyFrame:
    """A csv file (its separator: csv_separator) with its date columns read as dates (D/M/YYYY
    text as features.series.parse_dates reads it: _day_month_dates) and its numbers as read_file
    reads them: in a ';' or tab file as _decimal_points reads them, in a comma file with quoted
    decimal commas (decimal_comma_columns) or digits grouped by spaces or apostrophes (_grouped_numbers);
    codes such as 01 and 1e3 as text (code_columns), and number columns with missing markers (NA) read
    by _marked_numbers wherever the first marker is."""
    separator = csv_separator(path)
    _refuse_title_line(path, separator)
    text = pl.scan_csv(path, separator=separator, infer_schema=False, glob=False)
    try:  # the passes over the whole file before the contract's: a fault found here is said here
        numbers = {} if separator == "," else _decimal_points(text, path)
        dates = _day_month_dates(text, path)
        as_text = dict.fromkeys([*numbers, *dates], pl.String)
        inferred = pl.scan_csv(path, separator=separator, try_parse_dates=True, schema_overrides=as_text, glob=False).collect_schema()
        _refuse_short_years(text, [name for name, dtype in inferred.items() if dtype.is_temporal()], path)
        codes, with_markers, fractions, undated = code_columns(
            text, [name for name, dtype in inferred.items() if dtype.is_numeric()],
            [name for name, dtype in inferred.items() if dtype.is_integer()],
            {name: dtype for name, dtype in inferred.items() if dtype.is_temporal()})
    except pl.exceptions.PolarsError as exc:
        refuse_unclosed_quote(exc, str(path))
        first = str(exc).splitlines()[0]
        fault = not_utf8(path, path.read_bytes()) if "utf-8" in first else None  # the header was UTF-8; a value is not
        hint = _long_rows_hint(first, path, separator)
        raise fault or DataError(f"{path}: unreadable as csv ({first}){hint}") from None
    # times with a zone (2024-01-01T00:00:00+08:00, ...Z): polars converts them to UTC, which moved a +08:00 day's
    # midnight to 16:00 the day before (refused as no day, or an hourly day cut); read at their wall time, as the
    # single-file inputs read them (features.series.calendar_dates) and the contract reads a zoned parquet column
    zoned = [name for name, dtype in inferred.items() if getattr(dtype, "time_zone", None) and name not in undated]
    frame = pl.scan_csv(path, separator=separator, try_parse_dates=True, glob=False,
                        schema_overrides=as_text | dict.fromkeys(fractions, pl.Float64)
                        | dict.fromkeys([*codes, *with_markers, *undated, *zoned], pl.String))  # as text: read by _marked_numbers, or named
    frame = frame.with_columns(number if dtype is None else number.cast(dtype) for number, dtype in numbers.values())
    frame = frame.with_columns(*dates.values(), *(_wall_times(name) for name in zoned))
    try:
        strings = [name for name, dtype in frame.collect_schema().items() if dtype == pl.String and name not in codes]
        texts = strings if separator == "," else []
        grouped = _grouped_numbers(text, texts, path)  # passes over text columns only, codes aside
        texts = [name for name in texts if name not in grouped]
        commas = decimal_comma_columns(text.select(texts), texts) if texts else []
        frame = frame.with_columns(number for number, _ in grouped.values())
        frame = frame.with_columns(_with_decimal_points(pl.col(name)).cast(pl.Float64) for name in commas)
        marked = _marked_numbers(frame, [name for name in strings if name not in grouped and name not in commas])
        unnamed = _spare_unnamed(text)
    except (pl.exceptions.PolarsError, OSError):
        return _as_table(frame, path, separator)  # read_table names the fault
    return _as_table(frame.with_columns(marked).drop(unnamed), path, separator)


def _wall_times(name: str) -> pl.Expr:
    """The csv text column ``name`` of ISO times with a zone (Z, UTC, +08:00) as their wall time."""
    from minectl.features.series import ZONED_TIME  # here: minectl.features imports minectl.data

    return pl.col(name).str.strip_chars().str.replace(ZONED_TIME, "${1}").str.to_datetime(time_unit="us")


def _as_table(frame: pl.LazyFrame, path: Path, separator: str) -> pl.LazyFrame:
    """``frame`` (the csv ``path``) with its column names without spaces around them, as read_file
    reads them (a source's `date, mine_id, ore_t`, a hand-written header, was refused as having no
    column 'mine_id'), and without rows of no value: a blank line (an editor's, often at the end) is
    a row of nulls to polars, refused as "rows without a mine_id" in a source, and two as "mine_id
    None, date None in two rows" in a daily table."""
    names = frame.collect_schema().names()
    named = _stripped(names, path, separator)
    return frame.rename(dict(zip(names, named, strict=True))).filter(~pl.all_horizontal(pl.all().is_null()))


def _stripped(names: list[str], path: Path, separator: str) -> list[str]:
    """The column ``names`` of the csv ``path`` as its header means them (_meant) and without spaces
    around them; two alike so refused."""
    stripped = [name.strip() or name for name in _meant(names, path, separator)]
    repeated = sorted({name for name in stripped if stripped.count(name) > 1})
    if repeated:
        raise DataError(f"{path}: column {repeated[0]!r} appears {stripped.count(repeated[0])} times in the header (spaces around "
                        "names aside); expected unique column names")
    return stripped


def _meant(names: list[str], path: Path, separator: str) -> list[str]:
    """The column ``names`` polars gives the csv ``path`` with a quote doubled inside a quoted name as one,
    as its header means them: polars keeps both (`"5"" pipe"` is the name 5" pipe, which a column map
    named and found no column)."""
    if not any('""' in name for name in names):
        return names
    header = next(csv.reader([_header(path)], delimiter=separator), [])
    meant = header[:len(names)] + names[len(header):]  # the header's trailing separators aside (_named)
    return [given if name == given.replace('"', '""') else name for name, given in zip(names, meant, strict=True)]


def _refuse_title_line(path: Path, separator: str) -> None:
    """Refuse a first line of one name and empty ones (`Production report,,,,`: a spreadsheet's title
    row, exported with the sheet's width) above a line of several names, none a number (a row of values
    under a header `price,` is no title): read as the header, its empty names were refused as 'an empty
    column name' or 'a column of them holds values', naming no title."""
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as file:  # bytes that are no UTF-8 are said elsewhere
            rows = (row for row in csv.reader(file, delimiter=separator) if _named(row))  # blank lines and rows of separators
            header, first = next(rows, []), next(rows, [])
    except csv.Error:  # a quote never closed: a field to the file's end, said by the reader
        return
    if len(_named(header)) == 1 < min(len(header), len(_named(first))) and not any(map(_is_number, first)):
        raise DataError(f"{path}: the first line, {separator.join(header)[:60]!r}, names one column and the next line "
                        f"{len(_named(first))}: a title above the column names? expected the column names in the first line "
                        "(delete that line and any other above them)")


# A date of three numbers of one or two digits (01/02/24, 1.2.24, 24-01-13), a time may follow: polars
# infers it as a date whose last number is the year, four digits or not: 01/02/24 became 1 Feb of the
# year 24, and 24-01-13 24 Jan of the year 13, joined and costed as such without a word.
SHORT_YEAR = r"^\s*\d{1,2}[./-]\d{1,2}[./-]\d{1,2}(?:[\sT]|$)"


def _refuse_short_years(text: pl.LazyFrame, names: list[str], path: Path) -> None:
    """Refuse the date columns polars inferred (``names`` of the csv read as ``text``) whose dates
    have a year of two digits (SHORT_YEAR). polars reads a column in the one form it infers, so
    its first 1,000 rows show it."""
    if not names:
        return
    head = text.select(names).head(1000).collect()
    for name in names:
        refuse_short_years(head[name], str(path), " (to polars' date reader a year of the first century, 24 and not 2024)")


def refuse_short_years(dates: pl.Series, where: str, why: str = "") -> None:
    """Refuse text ``dates`` whose year has two digits (SHORT_YEAR): a %Y format reads 24 as the year
    24. ``why``: what the reader at hand would have made of it, for the message."""
    values = dates.drop_nulls()
    short = values.filter(values.str.contains(SHORT_YEAR))
    if short.len():
        raise DataError(f"{where}: column {dates.name!r} has {short[0]!r}, a date whose year has two digits{why}; expected the "
                        "year in four digits (e.g. 2024-01-31, 31.01.2024 or 1/31/2024)")


def _marked_numbers(frame: pl.LazyFrame, columns: list[str]) -> list[pl.Expr]:
    """The text ``columns`` of ``frame`` that are numbers as read_file reads them (_numbers): padded
    (`12.5  `, fixed-width exports), with missing markers (R's `NA`, Excel's `#N/A`, `""`: MISSING_MARKERS),
    or with thousands commas beside a surely grouped value (1,234.5, 1,000,000 or 950.5); each as an
    expression giving Int64 where every value is whole, else Float64; a column of markers alone as
    empty text, as its empty cells read. One pass over the columns whose first 1,000 rows hold
    nothing else. The contract refused them as "not Float64 (found String)", where read_file reads them."""
    def shows(rows: pl.LazyFrame, names: list[str]) -> dict[str, dict[str, bool]]:
        def number(name: str, dtype: pl.DataType) -> pl.Expr:
            return _value(name).str.replace_all(",", "", literal=True).cast(dtype, strict=False).is_not_null()

        return rows.select(pl.struct(
            numbers=(~_present(name) | number(name, pl.Float64) & (_value(name).cast(pl.Float64, strict=False).is_not_null()
                                                                   | _value(name).str.contains(GROUPED_THOUSANDS))).all(),
            surely=_value(name).str.contains(_SURELY_GROUPED).any(),
            commas=(_present(name) & _value(name).str.contains(",", literal=True)).any(),
            whole=(~_present(name) | number(name, pl.Int64)).all(),
            given=_present(name).any(),
        ).alias(name) for name in names).collect(engine="streaming").row(0, named=True) if names else {}

    candidates = [name for name, s in shows(frame.head(1000), columns).items() if s["numbers"]]
    read = []
    for name, s in shows(frame, candidates).items():
        if not s["numbers"] or s["commas"] and not s["surely"]:
            continue  # text, or 1,320 alone (1320 or 1.32?): for the contract to refuse
        number = _value(name).str.replace_all(",", "", literal=True).cast(pl.Int64 if s["whole"] else pl.Float64)
        read.append(pl.when(_present(name)).then(number if s["given"] else pl.col(name)).alias(name))
    return read


def _spare_unnamed(frame: pl.LazyFrame) -> list[str]:
    """The unnamed columns ('', polars' '_duplicated_0' after it, or pandas' 'Unnamed: 3', which read_csv names one and
    to_csv writes back) to drop, in a csv source's text or read_file's typed frame alike: one holding no value (a
    spreadsheet's empty spacer column), or, first of several, a '' numbering the rows 0.. or 1.. (pandas' to_csv and
    R's write.csv write one unless told not to)."""
    names = frame.collect_schema().names()
    unnamed = [name for name in names if name == "" or _PANDAS_UNNAMED.fullmatch(name) or _POLARS_UNNAMED.fullmatch(name)]
    if not unnamed:
        return []

    def value(name: str) -> pl.Expr:  # integers once read_file has typed the column
        return pl.col(name).cast(pl.String).str.strip_chars()

    row = pl.int_range(pl.len())
    numbered = [((pl.len() > 0) & (value("") == (row + start).cast(pl.String)).all()) for start in (0, 1)] \
        if names[0] == "" and len(names) > 1 else []
    found = frame.select(pl.any_horizontal(*numbered).alias("numbered") if numbered else pl.lit(False).alias("numbered"),
                         *((value(name).is_null() | value(name).is_in(MISSING_MARKERS)).all().alias(f"empty {name}")
                           for name in unnamed)).collect().row(0, named=True)
    return [name for name in unnamed if found[f"empty {name}"] or (name == "" and found["numbered"])]


_PANDAS_UNNAMED = re.compile(r"Unnamed: \d+")
# polars' name for the second and later empty names of a header (`a,b,,`: Excel's trailing separators): ''
# then '_duplicated_0', which a sensors table read as a sensor of no reading
_POLARS_UNNAMED = re.compile(r"_duplicated_\d+")


# Codes that read as numbers: an integer with leading zeros (01, 007; not 0 alone, nor 0.5), and
# digits, an e, digits (1e3; software writes an exponent with a point or a sign: 1e-05, 1E+03).
# Read as numbers, mine '01' became 1 and '1e3' 1000.0, which the contract turned into the text '1'
# or '1000.0': an orphan beside a parquet table's '01', or an id changed unsaid. In a source every
# column is checked, not only keys (a column map names them later), as the contract casts such
# text back where it needs a number ('0100' t -> 100.0). The single-file inputs keep reading them
# as numbers: their tasks need numbers (a shift 0001, an hour 07) and take no id to join on.
_CODE = r"^(?:0\d+|\d+[eE]\d+)$"


def code_columns(text: pl.LazyFrame, columns: list[str], integers: Collection[str] = (),
                 dates: dict[str, pl.DataType] | None = None) -> tuple[list[str], list[str], list[str], list[str]]:
    """Those of ``columns`` (of ``text``: a csv read as text; polars infers them as numbers) where
    some value is a code that reads as a number (_CODE: 01, 1e3), those where some other value is
    no number (a missing marker such as NA or #N/A, A7, #DIV/0!), those of ``integers`` (polars
    infers them as whole numbers) where some value has a point or an exponent (12.5, 1.5e3), and
    those of ``dates`` (polars infers them as these date or time types) where some value is none
    in the form of the first (a `Total` row, a line of spaces, a time among days), found in
    one streaming pass (codes told from other text in a second, over the columns with either only).
    A value so after polars' first 100 rows failed the read with polars' own lines ("could not parse
    `Total` as dtype `date`"): read as text, the contract names it and its row.
    polars infers a column's type from its first 100 rows: a marker after them failed the read
    ("could not parse `NA` as dtype `f64`"), where one before them was read as a missing value
    (_marked_numbers), and so did a decimal after whole tonnes ("could not parse `100.5` as dtype
    `i64`"); ids 1, 2, ... then A7 were "not String (found Int64)"."""
    dates = dates or {}
    if not columns and not dates:
        return [], [], [], []
    firsts = text.head(1000).select(pl.col(name).drop_nulls().first() for name in dates).collect().row(0, named=True) if dates else {}
    # a code, a letter or a mark that no number written in digits has (A7, #DIV/0!, 1_000, NA), or no digit (FRED's '.')
    found = text.select(*(pl.struct(text=_value(name).str.contains(rf"{_CODE}|[^0-9.eE+\-]|^[^0-9]*$").any(),
                                    fraction=pl.col(name).str.contains_any([".", "e", "E"]).any() if name in integers else False
                                    ).alias(name) for name in columns),
                        *(_unlike(pl.col(name), firsts[name], dtype).alias(name) for name, dtype in dates.items())
                        ).collect(engine="streaming").row(0, named=True)
    undated = [name for name in dates if found[name]]
    found = {name: found[name] for name in columns}
    texts = [name for name, s in found.items() if s["text"]]
    codes = text.select(_value(name).str.contains(_CODE).any() for name in texts).collect(engine="streaming").row(0, named=True) \
        if texts else {}
    # all read as text, the codes aside read by _marked_numbers where they are numbers (a marker such as n.a. has a point too)
    return ([name for name in texts if codes[name]], [name for name in texts if not codes[name]],
            [name for name, s in found.items() if s["fraction"]], undated)


def _unlike(dates: pl.Expr, first: str, dtype: pl.DataType) -> pl.Expr:
    """Whether some of the text ``dates`` does not read as ``dtype`` in the form of the column's ``first`` value,
    as the csv reader reads them (strptime infers the form from the first value as it does). Only the values
    whose digits and marks differ from the first's (a `Total`, spaces, a time among days) are parsed: parsing
    them all cost as much as the rest of the pass."""
    shape = "^" + re.sub(r"\d+", r"\\d+", re.sub(r"([^\w\s])", r"\\\1", first)) + "$"  # 2024-01-31 as ^\d+\-\d+\-\d+$
    odd = dates.filter(dates.is_not_null() & ~dates.str.contains(shape))
    return pl.lit(first).append(odd).str.strptime(dtype, strict=False).is_null().any()


def _day_month_dates(text: pl.LazyFrame, path: Path) -> dict[str, pl.Expr]:
    """The columns of ``text`` (a csv read as text) of D/M/YYYY dates (a time may follow), each as
    an expression reading them as features.series.parse_dates does: day first, or month first where
    only that reads (3/13/2024); a Date column, or Datetime where a value has a time, as polars
    reads dates. Refused in one line: a column whose dates read both ways (day_month_order), and
    a value that is no date (2/30/2024). polars alone reads them day first, from its first 100
    rows: a US export stayed text, or failed where its first day above 12 came later. Only the
    columns whose first 1,000 rows hold such dates are read in full for it."""
    from minectl.features.series import DAY_MONTH, day_month_formats, day_month_order, text_dates

    head = text.head(1000).collect()
    shaped = [name for name in head.columns if head[name].drop_nulls().str.contains(DAY_MONTH).all() and head[name].is_not_null().any()]
    given = text.select(shaped).collect() if shaped else pl.DataFrame()
    dates = {}
    for name in shaped:
        order = day_month_order(given[name], str(path))
        if order is None:
            continue  # not all such dates: text, for the contract to refuse
        # only the formats whose marks the column shows: each one tried costs a pass
        shown = {mark for mark in "/-:" if given[name].str.contains(mark, literal=True).any()}
        shown |= {"%p"} if given[name].str.contains(r"(?i)\d\s*[AP]M\s*$").any() else set()  # 2:00:00 PM
        formats = tuple(f for f in day_month_formats(order) if all(mark in shown for mark in ("/", "-", ":", "%p") if mark in f))
        unread = pl.select(text_dates(pl.lit(given[name]), formats)).to_series().is_null() & given[name].is_not_null()
        if unread.any():
            first = "D/M/YYYY" if order == "day" else "M/D/YYYY (a second number above 12 shows it)"
            raise DataError(f"{path}: column {name!r} has {given[name].filter(unread)[0]!r}, which is no date; expected {first} dates")
        dated = text_dates(pl.col(name), formats)
        dates[name] = (dated if any("%M" in f for f in formats) else dated.cast(pl.Date)).alias(name)
    return dates


SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs"}


# A csv file's names: .tsv as tab-separated text is often named (the separator is the header's all the
# same), and .txt where the header has tabs: Excel's "Text (Tab delimited)" export is named so, while
# another .txt is more often notes than a table.
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
TABLE_FILES = ".csv, .tsv, .parquet or .arff (or tab-separated .txt)"  # read_file's, for messages


def is_csv(path: Path) -> bool:
    """Whether ``path`` is read as a csv file (its separator: csv_separator): .csv or .tsv, or .txt
    with tabs in its header line."""
    suffix = path.suffix.lower()
    return suffix in (".csv", ".tsv") or (suffix == ".txt" and path.is_file() and "\t" in _header(path))


def _header(path: Path) -> str:
    """The first line of a text file that is not blank, without a byte-order mark or line end;
    refused unless UTF-8 (not_utf8)."""
    try:
        with open(path, "rb") as handle:
            line, number = handle.readline(65_536), 1
            while line and not line.strip():  # blank lines before the header: polars skips them too
                line, number = handle.readline(65_536), number + 1
            first = line
            while line.count(b'"') % 2 and len(line) < 65_536 and (more := handle.readline(65_536)):  # a quoted name holding a line end
                line += more
            # a quote not closed in the header's 64 KiB: closed or not by the file's end (its quotes counted, not kept)
            unclosed = line.count(b'"') % 2 and not sum(chunk.count(b'"') for chunk in iter(lambda: handle.read(1 << 20), b"")) % 2
    except OSError as exc:
        raise DataError(f"{path}: unreadable ({exc.strerror or exc}); expected a readable csv file") from None
    fault = not_utf8(path, line, whole=False)  # polars would read such a header with '�' for letters, unsaid
    if fault:
        raise fault
    if unclosed:  # polars read the rows as part of one name, and no row: "table is empty"
        opened = first[first.rfind(b'"'):].decode("utf-8", "replace").rstrip("\r\n")
        raise DataError(f"{path}: line {number}, the header, has a quote that is never closed ({opened[:40]!r}): the rest of the "
                        "file reads as one name; expected quotes in pairs around a name (a quote inside one doubled)")
    return line.decode("utf-8", "ignore").removeprefix("\ufeff").rstrip("\r\n")  # ignore: a letter cut at 64 KiB


UTF8_EXPECTED = "expected UTF-8 text (a spreadsheet's 'CSV UTF-8' export)"
# what a file named or declared a csv may be instead, by its first bytes: an export compressed, a workbook renamed
# (a parquet file's magic with its first page header's first byte: a csv's header may begin 'PAR1,PAR2')
BINARY_FILES = {b"\x1f\x8b": "a gzip-compressed file (decompress it)", b"PK\x03\x04": "a zip archive (an .xlsx workbook, or files "
                "zipped: save the sheet as CSV, or unzip it)", b"PAR1\x15": "a parquet file (kind: parquet reads it)",
                b"\xd0\xcf\x11\xe0": "an .xls workbook or another Office file (save the sheet as CSV)",
                b"\x28\xb5\x2f\xfd": "a zstd-compressed file (decompress it)", b"\xfd7zXZ\x00": "an xz-compressed file (decompress it)",
                b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive (extract it)",
                **dict.fromkeys((b"BZh%d1AY&SY" % level for level in range(1, 10)), "a bzip2-compressed file (decompress it)")}


def binary_kind(start: bytes) -> str | None:
    """What a file is by its first bytes ``start``, where they are one of BINARY_FILES' magic numbers, else None."""
    return next((what for magic, what in BINARY_FILES.items() if start.startswith(magic)), None)


def not_utf8(path: Path, data: bytes, whole: bool = True, expected: str = UTF8_EXPECTED) -> DataError | None:
    """The one-line error for a text file whose bytes ``data`` (its start only, unless ``whole``)
    are no UTF-8 text, naming what they look like: UTF-16 (Excel's 'Unicode Text': a byte-order
    mark, or a zero byte beside each ASCII letter) or an 8-bit code page (Windows-1252, Latin-1:
    é as one byte); None for UTF-8. ``expected``: the message's end (a csv's, by default)."""
    binary = binary_kind(data)
    if binary:  # their zero bytes read as UTF-16 text
        return DataError(f"{path}: {binary}, not text; {expected}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _reads_as_utf16(data):
        return DataError(f"{path}: UTF-16 text (Excel's 'Unicode Text' export?); {expected}")
    if b"\x00" in data:  # zero bytes here and there: binary data (another compressor's, a database's), no text at all
        return DataError(f"{path}: binary data (a zero byte at byte {data.index(0)}), not text; {expected}")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=whole)
    except UnicodeDecodeError as exc:
        byte, line = data[exc.start:exc.start + 1], data.count(b"\n", 0, exc.start) + 1
        return DataError(f"{path}: not UTF-8 text (line {line} has byte 0x{byte.hex().upper()}, "
                         f"{byte.decode('cp1252', 'replace')!r} in Windows-1252); {expected}")
    return None


def _reads_as_utf16(data: bytes) -> bool:
    """Whether ``data``, with zero bytes and no byte-order mark, reads as UTF-16 text (little or big endian: Excel's
    'Unicode Text', a zero byte beside each ASCII letter) without control characters but tab and line ends; a
    compressor's or a database's bytes do not (lone surrogates, control characters)."""
    for encoding in ("utf-16-le", "utf-16-be") if b"\x00" in data else ():
        try:
            text = data[:len(data) // 2 * 2].decode(encoding)  # a first line read up to its 0A byte may end half a letter
        except UnicodeDecodeError:
            continue
        if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
            return True
    return False


def csv_separator(path: Path, check_names: bool = True) -> str:
    """The separator of a csv file, as its header line shows: ',' (also for a header of one name), or
    ';' or a tab where the header has only those (a regional spreadsheet's export, tab-separated
    text). A header with two of them, a column name twice (unless not ``check_names``: the caller
    says so its own way), or Excel's `sep=;` line first, is refused."""
    header = _header(path)
    _refuse_zero_padding(path)
    if re.fullmatch(r'"?sep=.?"?', header, re.IGNORECASE):  # read on, the header would be a row of values
        raise DataError(f"{path}: the first line {header!r} is a spreadsheet's separator hint, not the header; "
                        "expected the column names in the first line (delete that line)")
    unquoted = re.sub(r'"[^"]*"', "", header)  # a quoted name may hold any of them: "Coal, South African"
    if "\r" in unquoted:  # lines ended by CR alone (classic Mac OS): the whole file reads as one line
        raise DataError(f"{path}: lines end in a carriage return (CR) alone; expected LF or CR LF line ends (resave the file)")
    found = [separator for separator in SEPARATORS if separator in unquoted]
    if len(found) > 1:
        raise DataError(f"{path}: the header mixes {' and '.join(SEPARATORS[s] for s in found)} ({header[:80]!r}); "
                        "expected one separator between the column names: commas, semicolons or tabs")
    separator = found[0] if found else ","
    names = _named(next(csv.reader([header], delimiter=separator), []))
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated and check_names:  # polars would rename the second one 'x_duplicated_0' and read on
        raise DataError(f"{path}: column {repeated[0]!r} appears {names.count(repeated[0])} times in the header; "
                        "expected unique column names")
    return separator


def _refuse_zero_padding(path: Path, tail: int = 65_536) -> None:
    """Refuse a text file whose end is NUL bytes: a logger's file cut short by a power loss or a full
    disk is padded with zeros to its allocated size. Read on, they were a row of one garbled value,
    refused as a date in another form or as a short row. Its last ``tail`` bytes only are read."""
    with open(path, "rb") as handle:
        offset = handle.seek(max(handle.seek(0, 2) - tail, 0))
        end = handle.read()
    if end.rstrip(b"\r\n").endswith(b"\x00"):
        start = offset + len(end.rstrip(b"\r\n").rstrip(b"\x00"))
        raise DataError(f"{path}: the file ends in NUL bytes (0x00, from byte {start}): a file cut short by a crash or a full disk, "
                        "padded with zeros? expected text to its end (delete them, and check the last rows)")


def _named(names: list[str]) -> list[str]:
    """A header's names less the empty ones at its end: the separators a spreadsheet writes after
    the last column (``a,b,,``), whose columns read_file drops when they hold no value."""
    while names and not names[-1].strip():
        names = names[:-1]
    return names


# A ';' or tab file is mostly a regional export, where the comma is the decimal separator and the
# point groups thousands: 1.234,5. A number so written (12 | 12,5 | 1.234 | 1.234.567 | 1.234,5), or
# in a spreadsheet's scientific format (1,5E+03 | 2,25E-02 | 1E+03: an E and a signed exponent)
_REGIONAL = r"^[+-]?(?:(?:\d+|[1-9]\d{0,2}(?:\.\d{3})+)(?:,\d+)?|\d+(?:,\d+)?E[+-]\d+)$"


def _parts(value: pl.Expr) -> tuple[pl.Expr, ...]:
    """Of each value of a text column: whether it is a number written so, whether it has a comma,
    how many points, whether it reads as a number, and whether it groups digits by a space or an
    apostrophe (for _shown)."""
    return (value.str.contains(_REGIONAL), value.str.contains(",", literal=True), value.str.count_matches(".", literal=True),
            value.cast(pl.Float64, strict=False).is_not_null(), value.str.contains_any(list(_MARKS)))  # cheaper than _MARKED


def _shown(regional: pl.Expr, comma: pl.Expr, points: pl.Expr, number: pl.Expr, marked: pl.Expr) -> dict[str, pl.Expr]:
    """What each value shows of the separators of its column (see _decimal_points), from its _parts."""
    return {"digit groups": marked,  # 1 234,5 | 1'234.5, or a space in text: for _grouped_numbers to tell
            "a decimal comma": regional & comma,
            "thousands points": regional & (points > 1),  # 1.234.567
            "one point group": regional & ~comma & (points == 1),  # 1.234: a thousand and more, or one and a bit
            "a decimal point": ~regional & ~comma & (points == 1) & number,  # 12.5
            "other commas": ~regional & comma & (points > 0),  # 1,234.5 (a comma file's rule holds) or no number
            "text": ~regional & ~number}


def _decimal_points(text: pl.LazyFrame, path: Path) -> dict[str, tuple[pl.Expr, pl.DataType | None]]:
    """The columns of a ';' or tab file (``text``: all read as text) whose values show decimal
    commas (12,5) or thousands points (1.234,5 or 1.234.567), each as an expression giving its
    values with a decimal point and no thousands separator, and the column's type once every value
    is a number (Float64 or Int64; None: text is left for the task to refuse), found in one pass
    over the file. Refused, as their values would be a guess: a column of both (1.234,5 and 12.5),
    and one whose every point is followed by three digits (1.234) unless another column shows
    decimal points and none decimal commas. Columns of digits grouped by spaces or apostrophes (1 234,5)
    as _grouped_numbers reads them; other columns (12.5, 1,234.5, text) read as in a comma file."""
    columns = text.collect_schema().names()
    parts = text.select(part.alias(f"{i} {j}") for i, name in enumerate(columns) for j, part in enumerate(_parts(_value(name))))
    flags = {i: _shown(*(pl.col(f"{i} {j}") for j in range(5))) for i in range(len(columns))}
    # each column's flags as the bits of one number, OR-ed over the rows: a flag set where any value shows it
    bits = parts.select(pl.sum_horizontal(flag.cast(pl.UInt8) * (1 << bit) for bit, flag in enumerate(flags[i].values()))
                        .bitwise_or().alias(name) for i, name in enumerate(columns)).collect(engine="streaming").row(0, named=True)
    shows = {name: {flag for bit, flag in enumerate(flags[i]) if (bits[name] or 0) >> bit & 1} for i, name in enumerate(columns)}

    def first(name: str, *showing: str) -> str:  # a value of column ``name`` showing one of the flags, for a message
        shown = _shown(*_parts(_value(name)))
        return text.select(_value(name).filter(pl.any_horizontal(shown[flag] for flag in showing)).first()).collect().item()

    grouped = _grouped_numbers(text, [name for name in columns if "digit groups" in shows[name]], path)
    columns = [name for name in columns if name not in grouped]
    thousands = [name for name in columns
                 if shows[name] & {"a decimal comma", "thousands points"} and "other commas" not in shows[name]]
    points_shown = not thousands and any("a decimal point" in shown for shown in shows.values())
    numbers = {}
    for name in columns:
        if name in thousands:
            if "a decimal point" in shows[name]:
                raise DataError(f"{path}: column {name!r} has both {first(name, 'a decimal comma', 'thousands points')!r} and "
                                f"{first(name, 'a decimal point')!r}; expected one decimal separator in a column")
            as_points = _point_decimals(_value(name))
            dtype = None if "text" in shows[name] else pl.Float64 if "a decimal comma" in shows[name] else pl.Int64
            numbers[name] = (pl.when(_value(name).str.contains(_REGIONAL)).then(as_points).otherwise(pl.col(name)).alias(name), dtype)
        elif "one point group" in shows[name] and "a decimal point" not in shows[name] and not points_shown:
            example = first(name, "one point group")
            whole = example.replace(".", "")
            raise DataError(f"{path}: column {name!r} has numbers such as {example!r}, which read as {whole} (a thousands point) "
                            f"or as {example} (a decimal point); expected {whole} or {example},0 for the first, or the file "
                            "comma-separated with '.' decimals for the second")
    return {**numbers, **grouped}


# No extension is installed or loaded behind the query's back, no file but the database is read (a
# config is untrusted: read_csv('/etc/passwd'), glob('/home/*') are SELECTs, and a file so read would
# be in no provenance), and the query cannot change that (the configuration is locked once the
# session's TimeZone is set).
LOCKED_DUCKDB = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                 "allow_community_extensions": False, "enable_external_access": False}


# A database's table (or view) given by name, not a query: no white space in it but inside double
# quotes (plant."Con Sumption", as an export names its tables; a lone quote is a letter: my"prod).
# Its rows have no order of their own (PostgreSQL moves an updated row to the table's end, DuckDB a
# re-inserted one): read_table orders them by the table's key; a query keeps the order it states.
TABLE_NAME = re.compile(r'(?:[^ \t\n"]|"(?:[^"]|"")*"|")+')
DATABASE_KINDS = ("duckdb", "postgres")


def _found_instead(path: Path, start: bytes, unknown: str) -> str:
    """What a file given as another kind is, by its first bytes ``start``: a compressed file, a workbook or a parquet
    file (BINARY_FILES), a DuckDB database, text (a csv?), or else ``unknown``."""
    binary = binary_kind(start)
    if binary is None and start[8:12] == b"DUCK":
        binary = "a DuckDB database file (kind: duckdb reads it)"
    return binary or ("text (a csv? kind: csv reads it)" if not_utf8(path, start, whole=False) is None else unknown)


def _read_duckdb(path: str | None, query: str | None) -> pl.LazyFrame:
    import duckdb

    resolved = existing_input(path, "duckdb")
    with resolved.open("rb") as file:  # DuckDB reads it through an extension, never loaded here: "Extension ... not found"
        start = file.read(16)
    if start == b"SQLite format 3\x00":
        raise DataError(f"{resolved}: a SQLite database; expected a DuckDB database file (copy the tables into one, e.g. "
                        "with DuckDB's ATTACH '...' (TYPE sqlite))")
    if start and start[8:12] != b"DUCK":  # a DuckDB file's magic; DuckDB said "not a valid DuckDB database file" of any other
        raise DataError(f"{resolved}: {_found_instead(resolved, start, 'no DuckDB header in its first bytes')}; "
                        "expected a DuckDB database file")
    if not query or not query.strip():
        raise DataError(f"{resolved}: a duckdb source needs a query; expected a SQL query or a table name")
    text = query.strip()
    is_name = TABLE_NAME.fullmatch(text) is not None  # a table or view: schema.table, "Quoted", as DuckDB parses names (any case)
    try:
        statements = [] if is_name else duckdb.extract_statements(text)
        # A query from a config is data: one SELECT, never COPY ... TO, ATTACH, INSTALL or LOAD
        if not is_name and (len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT):
            kinds = ", ".join(s.type.name for s in statements) or "none"
            raise DataError(f"{resolved}: query '{query}' is not one SELECT statement ({kinds}); expected a SELECT or a table name")
        with duckdb.connect(str(resolved), read_only=True, config=LOCKED_DUCKDB) as con:
            # DuckDB's session zone is the machine's (TZ): a query's CAST(ts AS DATE) of a zoned time would
            # give other days on another machine. UTC on every one (the mine's zone: ts AT TIME ZONE '...').
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET lock_configuration = true")
            relation = con.table(text) if is_name else con.sql(text)
            return _duckdb_rows(relation, f"{resolved}: query '{query}'").lazy()
    except duckdb.Error as exc:
        outside = ("; expected a query over the database's own tables (a file is a source of its own: kind: parquet or csv)"
                   if isinstance(exc, duckdb.PermissionException) else "")
        # DuckDB's hint on a line of its own: a table in another schema ('Did you mean "ops.production"?'), a column's name
        first, *rest = str(exc).splitlines()
        hint = next((f" ({line.strip()})" for line in rest if line.startswith(("Did you mean", "Candidate bindings"))), "")
        raise DataError(f"{resolved}: query '{query}' failed: {first}{hint}{outside}") from None


def duckdb_tables(path: str) -> dict[str, str]:
    """The tables and views of the DuckDB file ``path``: each name in lower case (DuckDB compares names without case) ->
    the table as a query names it (schema-qualified, quoted; one of the main schema before one of another); none where it
    is no DuckDB file one can open (its sources' reads say why)."""
    import duckdb

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    try:
        resolved = existing_input(path, "duckdb")
        with resolved.open("rb") as file:
            if file.read(16)[8:12] != b"DUCK":
                return {}
        with duckdb.connect(str(resolved), read_only=True, config=LOCKED_DUCKDB) as con:
            found = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                                "ORDER BY table_schema <> 'main', table_schema, table_name").fetchall()
    except (DataError, OSError, duckdb.Error):
        return {}
    tables: dict[str, str] = {}
    for schema, name in found:
        tables.setdefault(name.lower(), f"{quoted(schema)}.{quoted(name)}")
    return tables


def _duckdb_rows(relation: Any, where: str) -> pl.DataFrame:
    """A DuckDB relation's rows, its INTERVAL columns as Duration (a month as 30 days, DuckDB's
    epoch): polars reads no interval, and would refuse the whole table for a column it does not
    use; one it uses, the contract refuses as a time span, naming it. A column of another type
    polars cannot read (a UNION) is named, where polars' own line names none."""
    names = [name.lower() for name in relation.columns]  # DuckDB's names ignore case
    twice = next((name for name in relation.columns if names.count(name.lower()) > 1), None)
    if twice is not None:  # polars would rename the later ones (ore_t_1), and the first would be read, whichever it is
        given = [name for name in relation.columns if name.lower() == twice.lower()]
        spelt = f" ({', '.join(given)}: DuckDB's names ignore case)" if len(set(given)) > 1 else ""
        raise DataError(f"{where} returns {len(given)} columns named '{twice}'{spelt}; "
                        "expected one column per name (name each selected column or expression with AS, or leave the repeats out)")
    intervals = [name for name, dtype in zip(relation.columns, relation.types, strict=True) if dtype.id == "interval"]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in relation.columns}
    if intervals:
        relation = relation.select(", ".join(f"epoch_us({q}) AS {q}" if name in intervals else q for name, q in quoted.items()))
    try:
        return relation.pl().with_columns(pl.col(intervals).cast(pl.Duration("us")))
    except pl.exceptions.PolarsError:
        for name, dtype in zip(relation.columns, relation.types, strict=True):
            try:
                relation.select(quoted[name]).limit(1).pl()
            except pl.exceptions.PolarsError:
                raise DataError(f"{where}: column '{name}' is of DuckDB type {dtype}, which polars cannot read; expected "
                                f"numbers, text, dates or times (CAST it in the query, e.g. CAST({quoted[name]} AS VARCHAR), "
                                "or leave it out)") from None
        raise


def _read_postgres(dsn: str | None, query: str | None, reads: Collection[str] | None = None) -> pl.LazyFrame:
    from minectl.data.postgres import read_postgres  # psycopg only for this kind

    return read_postgres(dsn, query, reads)


# (path, query) -> frame; a server's reader gets the source's dsn in place of a path (SERVER_KINDS)
READERS: dict[str, Callable[[str | None, str | None], pl.LazyFrame]] = {
    "parquet": _read_parquet,
    "csv": _read_csv,
    "duckdb": _read_duckdb,
    "postgres": _read_postgres,
}
SERVER_KINDS = ("postgres",)
# the keys of a source (TableSource) that each kind reads; columns and filters apply to every kind
SOURCE_KEYS = {"parquet": ("path",), "csv": ("path",), "duckdb": ("path", "query"), "postgres": ("dsn", "query")}


class ServerRows(NamedTuple):
    """A provenance record of rows read from a server, where a file would have its sha256."""

    source: str  # kind, connection string (no password) and query
    sha256: str  # of the rows as read


def server_rows(kind: str, dsn: str | None, query: str | None, frame: pl.LazyFrame) -> ServerRows:
    """The digest of a server source's rows (in memory already: a server is read in batches), the
    same however the server batched them, so that `minectl verify` can tell when they changed."""
    from minectl.redaction import redact

    digest = hashlib.sha256()
    for part in frame.collect().iter_slices(1 << 16):
        digest.update(part.rechunk().write_ipc(None).getvalue())
    return ServerRows(f"{kind} {redact(dsn or '')} {query}", digest.hexdigest())


def read_table(
    kind: str,
    path: str | None = None,
    query: str | None = None,
    columns: dict[str, str] | None = None,
    filters: list[dict] | None = None,
    dsn: str | None = None,
    order: tuple[str, ...] = (),
    reads: Collection[str] | None = None,
) -> pl.LazyFrame:
    """Read one source; rename source columns to canonical names; apply declared filters.
    ``dsn``: the connection string of a server kind (postgres). ``order``: the canonical columns that
    order a database table given by name (TABLE_NAME). ``reads``: the canonical columns the task reads
    (None: all), of which a server's reader refuses a type it cannot read, leaving the others out."""
    if kind not in READERS:
        raise DataError(f"unknown source kind '{kind}'; expected one of: {', '.join(READERS)}")
    unread = next((key for key, value in (("path", path), ("query", query), ("dsn", dsn))
                   if value is not None and key not in SOURCE_KEYS[kind]), None)
    if unread:  # a csv's query (WHERE mine_id = 'M2') was dropped unsaid, and every row read
        readers = [other for other, keys in SOURCE_KEYS.items() if unread in keys]
        raise DataError(f"a {kind} source has a {unread}, which a {kind} source does not read; expected {unread} on a "
                        f"{' or '.join(readers)} source only: leave it out or null (a {kind} source reads "
                        f"{' and '.join(SOURCE_KEYS[kind])}; filters select its rows)")
    columns = columns or {}
    if kind in SERVER_KINDS:
        source = {target: name for name, target in columns.items()}
        read = None if reads is None else {source.get(c, c) for c in (*reads, *(item.get("column") for item in filters or []))}
        frame = READERS[kind](dsn, query, read)
    else:
        frame = READERS[kind](path, query)
    where = f"{kind} {query}" if kind in SERVER_KINDS else path or kind
    try:
        schema = frame.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DataError(f"{where}: unreadable as {kind}: {str(exc).splitlines()[0]}") from None
    for source_name in columns:
        if source_name not in schema:
            alike = alike_in(source_name, schema)  # PostgreSQL folds an unquoted name (AS Tonnes) to lower case
            hint = f" (it has {shown(alike)}: name the column as the source spells it)" if alike is not None else ""
            raise DataError(f"{where}: column map names '{source_name}', which the source lacks{hint} (columns: {', '.join(schema)})")
    renamed = [columns.get(c, c) for c in schema]
    twice = next((name for name in renamed if renamed.count(name) > 1), None)
    if twice:  # polars would refuse the renamed table as 'column is duplicate', naming neither source column
        given = [c for c in schema if columns.get(c, c) == twice]
        raise DataError(f"{where}: columns '{given[0]}' and '{given[1]}' would both be named '{twice}' after the column map "
                        f"({', '.join(f'{c}: {columns[c]}' for c in given if c in columns)}); expected one source column per name")
    frame = frame.rename(columns)
    types = dict(zip(renamed, schema.values(), strict=True))
    for item in filters or []:
        column, op, value = item["column"], item.get("op", "=="), item.get("value")
        if column not in renamed:
            mapped = f"; expected its name after the column map, '{columns[column]}'" if column in columns else ""
            raise DataError(f"{where}: filter on unknown column '{column}' (columns: {', '.join(renamed)}){mapped}")
        if op not in _OPS:
            raise DataError(f"{where}: filter op '{op}' is unknown; expected one of: {', '.join(_OPS)}")
        if op == "in" and (isinstance(value, str) or not isinstance(value, Collection) or not value):  # list('M1') is ['M', '1']; [] no row
            raise DataError(f"{where}: filter on '{column}' with op 'in' has value {value!r}; expected a list of values, e.g. [M1, M2]")
        values = _filter_values(list(value) if op == "in" else [value], types[column], column, f"{where}: filter on '{column}'")
        frame = frame.filter(_OPS[op](pl.col(column), values if op == "in" else values[0]))
    if order and kind in DATABASE_KINDS and TABLE_NAME.fullmatch((query or "").strip()):
        frame = frame.sort([c for c in order if c in renamed], maintain_order=True)  # the same rows, the same order, on any server
    return frame



def _filter_values(values: list[Any], dtype: pl.DataType, column: str, where: str) -> list[Any]:
    """A filter's ``values`` (text from a config or the command line) as values of ``column``'s ``dtype``:
    dates as parse_dates reads them, numbers from their text, whole numbers as ids' text (a YAML ``1``
    is the id '1'). polars compares no text with a date or a number (its line blamed the source as
    unreadable), and cast a number to a date (5 as 1970-01-06) or 1.5 to an integer's 1: a value of
    another type would select no row, or the wrong ones, and is refused naming it."""
    from minectl.features.series import parse_dates

    text = all(isinstance(v, str) for v in values)
    given = pl.Series(column, values, dtype=pl.String if text else None, strict=False)
    typed = pl.Series(column, [None] * len(values))  # refused unless one of the readings below takes every value
    try:
        if given.dtype == dtype:
            typed = given
        elif dtype.is_temporal() and text:
            dates = parse_dates(given, where)
            if isinstance(dtype, pl.Datetime) and dtype.time_zone:  # a wall time in the column's zone, as the contract
                # reads the column (a cast read it in UTC: 2024-01-02 was 08:00 of a Shanghai day, and '>=' left that day out)
                typed = dates.cast(pl.Datetime(dtype.time_unit)).dt.replace_time_zone(dtype.time_zone)
            elif dtype != pl.Date or (dates.dt.time() == time(0)).all():  # a time of day where the column holds days: no row's
                typed = dates.cast(dtype)
        elif isinstance(dtype, (pl.String, pl.Categorical, pl.Enum)) and (text or given.dtype.is_integer()):
            typed = given.cast(pl.String)  # compared with a category's text as with a String column's
        elif dtype.is_numeric() and (text or given.dtype.is_numeric()):
            typed = given.cast(pl.Float64, strict=False)
            typed = typed if text or (typed.cast(given.dtype, strict=False) == given).all() else typed.clear(len(values))
    except pl.exceptions.PolarsError:  # no value of dtype at all (a list where a number is compared)
        pass
    shown_value = values[0] if len(values) == 1 else values
    if given.null_count() or (typed.dtype.is_float() and typed.is_nan().any()):
        # no value (value: null, or the key left out) or NaN: polars selects no row (==, <) or every row (!=, < NaN) unsaid
        raise DataError(f"{where} has value {shown_value!r}: a null or NaN, which selects no row, or every row; expected a value "
                        "of the column's type to compare with (rows without a value are refused by the data contract unfiltered)")
    if typed.null_count() > given.null_count():
        raise DataError(f"{where} has value {shown_value!r}, which is no {dtype} value of that column; expected a value of its type "
                        "(dates as 2024-01-31, numbers, ids as text)")
    return typed.to_list()

_ARFF_NAME = r"""\s*@attribute\s+('[^']*'|"[^"]*"|\S+)"""
_ARFF_DATE = re.compile(rf"""(?im)^({_ARFF_NAME})\s+date\b[ \t]*(.*?)\s*$""")  # @attribute name date [format]
_ARFF_RELATIONAL = re.compile(rf"(?im)^{_ARFF_NAME}\s+relational\b")
# a comment after a row's values (Weka's reader ends a line at an unquoted %; liac-arff refused the row)
_ARFF_TRAILING_COMMENT = re.compile(r"""(?m)^((?:[^%'"\n]|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")*?)[ \t]*%.*$""")
# Weka's instance weight after a row's values: 1,2,yes,{0.5} or, sparse, {0 1,2 yes},{0.5}; a row without one weighs 1
_ARFF_WEIGHT = re.compile(r"(?m)^([^\n]*?[^\s,])[ \t]*,[ \t]*\{[ \t]*([^{}\s]+)[ \t]*\}[ \t]*$")
# a row's values: quoted (with backslash escapes, as liac-arff reads them) or a run of letters other than separators
_ARFF_VALUE = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[^\s,'"]+""")
# a dense row (not sparse: {0 1, 2 yes}; not a comment) without any comma outside quotes
_ARFF_SPACED_ROW = re.compile(r"""(?m)^[ \t]*[^\s{%,][^\n]*$""")
# Java's SimpleDateFormat letters as strptime's; a pattern with others (MMM, a, z...) is left as text
_JAVA_DATE = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S", "SSS": "%3f"}
_WEKA_DATE = "yyyy-MM-dd'T'HH:mm:ss"  # Weka's pattern where an attribute declares none


def _strptime_format(pattern: str) -> str | None:
    """A Java date pattern (yyyy-MM-dd HH:mm:ss, 'T' quoted literals) as a strptime format, or None."""
    out, rest = "", pattern
    while rest:
        literal = re.match(r"'([^']*)'", rest)
        letters = re.match(r"([A-Za-z])\1*", rest)
        if literal:
            out, rest = out + literal.group(1).replace("%", "%%"), rest[literal.end():]
        elif letters:
            if letters.group() not in _JAVA_DATE:
                return None
            out, rest = out + _JAVA_DATE[letters.group()], rest[letters.end():]
        else:
            out, rest = out + rest[0].replace("%", "%%"), rest[1:]
    return out


def _arff_table(text: str, path: Path) -> pl.DataFrame:
    """An ARFF file's rows (liac-arff, which has no DATE type: a date attribute is read as text, then
    parsed with the pattern it declares; a pattern strptime cannot say leaves it text, which a time
    column parses when ISO-like). '?' is a missing value; a sparse row's omitted values are 0 or a
    nominal's first value (Weka's rule)."""
    import arff

    relational = _ARFF_RELATIONAL.search(text)
    if relational:  # liac-arff said 'Bad @ATTRIBUTE type'
        name = relational.group(1).strip("'\"")
        raise DataError(f"{path}: attribute {name!r} is relational (multi-instance bags); expected numeric, nominal, string or "
                        "date attributes, one row per case")
    dates = {match.group(2).strip("'\""): match.group(3).strip("'\"") or _WEKA_DATE for match in _ARFF_DATE.finditer(text)}
    header, at, rows = (re.split(r"(?im)^(\s*@data\b.*)$", text, maxsplit=1) + ["", ""])[:3]  # comments stripped in the rows only
    rows = _arff_unweighted(_arff_commas(_ARFF_TRAILING_COMMENT.sub(r"\1", rows)), path, header.count("\n") + 1)
    data = arff.loads(_ARFF_DATE.sub(r"\1 string", header) + at + rows)
    names = [name for name, _ in data["attributes"]]
    frame = pl.DataFrame(data["data"], schema=names, orient="row", infer_schema_length=None)
    for name, pattern in dates.items():
        form = _strptime_format(pattern)
        if form is None or name not in frame.columns or frame[name].dtype != pl.String:
            continue
        timed = any(mark in form for mark in ("%H", "%M", "%S"))
        read = frame[name].str.strptime(pl.Datetime if timed else pl.Date, form, strict=False)
        wrong = frame[name].filter(read.is_null() & frame[name].is_not_null())
        if wrong.len():
            raise DataError(f"{path}: date attribute {name!r} has {wrong[0]!r}, which does not match its declared pattern "
                            f"{pattern!r}; expected every value written so")
        frame = frame.with_columns(read.alias(name))
    return frame


def _arff_commas(rows: str) -> str:
    """An ARFF file's ``rows`` with the values of a row separated by tabs or spaces (as some exporters write them)
    separated by commas: Weka's reader reads a comma as white space, and liac-arff, which reads commas only, said
    'Invalid layout'. A row with a comma outside quotes (or a lone quote: O'Brien), a sparse row and a comment
    are left as they are."""
    def commas(row: re.Match[str]) -> str:
        spaced = not _ARFF_VALUE.sub("", row.group()).strip()  # nothing but values and white space
        return ",".join(_ARFF_VALUE.findall(row.group())) if spaced else row.group()

    return _ARFF_SPACED_ROW.sub(commas, rows)


def _arff_unweighted(rows: str, path: Path, data_line: int) -> str:
    """An ARFF file's ``rows`` (after its @data line, line ``data_line``) less Weka's instance weights where every
    row weighs the same (each case then counts alike, as minectl counts them); rows of unequal weights are refused:
    liac-arff's 'Invalid layout' said nothing of weights, and dropping them would change every figure unsaid."""
    found = [(m, float(m.group(2))) for m in _ARFF_WEIGHT.finditer(rows) if _is_number(m.group(2))]
    if not found:
        return rows
    cases = sum(1 for line in rows.splitlines() if line.strip() and not line.lstrip().startswith("%"))
    weights = {w for _, w in found} | ({1.0} if len(found) < cases else set())  # a row without a weight weighs 1
    if len(weights) > 1:
        match, weight = next((m, w) for m, w in found if w != 1.0)
        line = data_line + rows.count("\n", 0, match.start())
        raise DataError(f"{path}: line {line} gives its row the instance weight {{{match.group(2)}}} and other rows weigh "
                        f"{min(weights - {weight}):g}; expected rows of one weight: minectl counts every case alike (repeat a "
                        "row for a whole weight, or leave the weights out)")
    return _ARFF_WEIGHT.sub(lambda m: m.group(1) if _is_number(m.group(2)) else m.group(0), rows)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_file(path: str | Path, what: str = "input") -> pl.DataFrame:
    """A whole table file in row order: .csv, .tsv or tab-separated .txt (is_csv; types inferred from
    every row; see _spreadsheet_cleaned), .parquet or .arff (UTF-8).

    For the single-table inputs of some tasks (a price series, a sample table); `what` names
    the input in errors.
    """
    path = found_input(path, f"the {what} as a {TABLE_FILES} file", folder=False)
    if not path.stat().st_size:  # polars' "empty CSV" / parquet's footer error said nothing of what was expected
        raise DataError(f"{path}: the {what} file is empty (0 bytes); expected a table: a line of column names, then rows")
    suffix = path.suffix.lower()
    if suffix == ".txt" and not is_csv(path):  # e.g. NASA C-MAPSS: numbers between spaces, no header
        raise DataError(f"{path}: a .txt {what} file without a tab in its first line ({_header(path)[:60]!r}); expected "
                        "tab-separated columns under a line of their names (other text, comma- or space-separated: save it as .csv "
                        "with such a line)")
    if suffix not in (".parquet", ".arff") and not is_csv(path):
        raise DataError(f"{path}: unsupported {what} file type {suffix!r}; expected {TABLE_FILES}")
    separator = csv_separator(path) if suffix in CSV_SUFFIXES else ","
    if suffix in CSV_SUFFIXES:
        _refuse_title_line(path, separator)
    try:
        if suffix in CSV_SUFFIXES:
            source = path if separator == "," else _as_comma_separated(path, separator)
            frame = pl.read_csv(source, infer_schema_length=None, glob=False)  # long leading gaps hide the real types
            frame = _spreadsheet_cleaned(_without_trailing_separators(frame, path, separator), path, separator)
            _refuse_repeated_header(frame, path)
            _refuse_short_rows(path, separator)  # after the header's own checks: a name twice is the first thing to say
        elif suffix == ".parquet":
            frame = _without_pandas_index(pl.read_parquet(path, glob=False, hive_partitioning=False))
            # categories (pandas' category, a dictionary column) as the text they stand for, as a csv gives
            # them: their codes follow first appearance, and would pass a newest-first date column as in order
            categories = _pandas_categories(path)
            frame = frame.with_columns(pl.col(n).cast(pl.String) for n, t in frame.schema.items()
                                       if t in (pl.Categorical, pl.Enum) or n in categories)
        else:
            _refuse_zero_padding(path)  # as a csv's (csv_separator): liac-arff named the line of zeros "Bad @DATA instance format"
            fault = not_utf8(path, path.read_bytes(), expected="expected UTF-8 text (save the .arff file as UTF-8)")
            if fault:  # a Latin-1 or Windows-1252 .arff: named as a csv's is, by its line and byte
                raise fault
            frame = _arff_table(read_text(path, "utf-8", f"a UTF-8 .arff {what} file"), path)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - polars, liac-arff and the OS each raise their own types
        first = str(exc).splitlines()[0] if str(exc) else ""
        if "utf-8" in first:  # the header was UTF-8; a value is not
            raise not_utf8(path, path.read_bytes()) or DataError(f"{path}: unreadable {what} file ({first}); {UTF8_EXPECTED}") from None
        hint = _long_rows_hint(first, path, separator)
        if "CSV malformed" in first or 'could not parse `"' in first or "field larger than field limit" in first:
            # a quote inside a value (a 5" pipe) or never closed (to Python's csv module, a field to the file's end)
            hint = '; expected quotes only around whole values, a quote inside one doubled ("5"" pipe")'
        raise DataError(f"{path}: unreadable {what} file ({type(exc).__name__}: {first}){hint}") from None
    if frame.height == 0:
        raise DataError(f"{path}: the {what} file has no rows")
    check_names([name for name in frame.columns if name], "column name", str(path))  # an empty one: a row index, or refused
    return frame


def _refuse_repeated_header(frame: pl.DataFrame, path: Path) -> None:
    """Refuse a row of ``frame`` (read from the csv ``path``) that repeats its column names: two exports
    joined (`cat a.csv b.csv`, a sheet pasted under another), where the line named the first column that
    needs numbers ("has 1 values that are not numbers (first at row 13: 'v')")."""
    named = [name for name in frame.columns if name]
    words = [name for name in named if not _is_number(name)]  # columns 1, 2, 3 (a matrix) over a row 1, 2, 3 repeat nothing
    if not words:
        return
    # the second file's byte-order mark, where both were saved as Excel's 'CSV UTF-8', is before its first name
    header = frame.select(pl.all_horizontal(pl.col(name).cast(pl.String).str.strip_chars().str.strip_chars_start("\ufeff") == name
                                            for name in words)).to_series()
    if header.any():
        raise DataError(f"{path}: row {int(header.arg_true()[0]) + 1} repeats the column names ({', '.join(named)[:60]}): two files "
                        "joined? expected the names once, in the first line (delete that row, or the rows of one file)")


def _pandas_categories(path: Path) -> set[str]:
    """The columns a parquet file's pandas metadata declares categories. pyarrow writes a category of numbers
    (machine type 1, 2, 3) as plain numbers, which read as amounts (type 3 thrice type 1) where pandas said codes."""
    import json

    try:
        with path.open("rb") as file:  # a file, not a path: polars reads [, * and ? in a path as a glob
            columns = json.loads(pl.read_parquet_metadata(file).get("pandas", "{}")).get("columns") or []
        return {c["field_name"] for c in columns if c.get("pandas_type") == "categorical"}
    except (ValueError, TypeError, KeyError, AttributeError):  # metadata another writer shaped otherwise: no declaration
        return set()


def _refuse_short_rows(path: Path, separator: str) -> None:
    """A row with fewer values than the header has names: polars fills the missing ones with nulls,
    and a value left out in the middle shifts the rest one column to the left."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        rows = csv.reader(file, delimiter=separator)
        width = len(_named(next(rows, [])))
        for row in rows:
            if row and len(row) < width:
                raise DataError(f"{path}: line {rows.line_num} has {len(row)} values for {width} columns; expected a value or an "
                                f"empty field (a separator) for every column{_title_above(path, separator)}")


def _long_rows_hint(error: str, path: Path, separator: str) -> str:
    """What to say of polars' ``error`` where it is 'more fields' (a row longer than the header:
    often a title or notes line above it, read as the header), else ''."""
    if "more fields" not in error:
        return ""
    hint = _title_above(path, separator) or _unquoted_separator(path, separator)
    return f"; expected the column names in the first line and as many values in every row{hint}"


def _unquoted_separator(path: Path, separator: str) -> str:
    """A hint naming the first row of more values than the csv ``path``'s header has names: a value
    that holds the separator unquoted (a decimal comma, 12,5, in a comma-separated file; a name such
    as Smith, J.), where polars' line names neither the row nor the cause; '' where none is longer."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as file:  # a hint: bytes that are no UTF-8 are said elsewhere
        rows = csv.reader(file, delimiter=separator)
        width = len(_named(next(rows, [])))
        row = next((row for row in rows if len(_named(row)) > width), None)
        if row is None:
            return ""
        comma = " (a decimal comma: 12,5)" if separator == "," else ""
        return (f" (line {rows.line_num} has {len(_named(row))} values for {width} columns: a value with a {SEPARATORS[separator][:-1]} "
                f"in it, unquoted{comma}? quote such values, or separate the columns by another separator)")


def _title_above(path: Path, separator: str) -> str:
    """A hint for a file whose first row under its first line holds another number of values: that
    line is most likely a title above the column names (an EIA export's `Weekly Coal Production,
    Short Tons`), read as the header; '' otherwise. minectl has no key to skip lines."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as file:  # a hint: bytes that are no UTF-8 are said elsewhere
        rows = (row for row in csv.reader(file, delimiter=separator) if row)  # blank lines: polars skips them too
        header, first = next(rows, []), next(rows, None)
    if first is None or len(first) == len(_named(header)) or len(first) > len(_named(header)) and any(map(_is_number, first)):
        return ""  # the same width, or values below names: the first line is the header (_unquoted_separator)
    return (f" (the first line, {separator.join(header)[:60]!r}, looks like a title above the column names: delete it and any "
            "other line above them, the file's first line must be its column names)")


def _without_trailing_separators(frame: pl.DataFrame, path: Path, separator: str) -> pl.DataFrame:
    """``frame`` (read from ``path``) less the unnamed columns after its last named one (_named)
    that hold no value; one that holds a value is refused when there are two or more (polars
    names them '' and '_duplicated_0')."""
    header = next(csv.reader([_header(path)], delimiter=separator), [])
    unnamed = frame.columns[len(_named(header)):]
    empty = [name for name in unnamed if frame[name].null_count() == frame.height]
    if len(unnamed) > 1 and len(empty) < len(unnamed):
        raise DataError(f"{path}: the header ends in {len(unnamed)} empty column names, and a column of them holds values; "
                        "expected a name for every column that holds values")
    return frame.drop(empty)


def _as_comma_separated(path: Path, separator: str) -> bytes:
    """A ';' or tab file as the comma-separated file it stands for (numbers with decimal points,
    without thousands points: _decimal_points), for read_file to read as it reads one."""
    text = pl.read_csv(path, separator=separator, infer_schema=False, glob=False)
    text = text.rename(dict(zip(text.columns, _meant(text.columns, path, separator), strict=True)))  # else written doubled twice
    return text.with_columns(number for number, _ in _decimal_points(text.lazy(), path).values()).write_csv().encode()


# A missing number as statistics offices and tools write it, besides an empty cell: the World Bank's
# "…", FRED's ".", "..", Eurostat's ":", "n.a.", R's and pandas' "NA", Excel's "#N/A", the UCI repository's "?",
# Yahoo Finance's "null" (a day without quotes) and a SQL export's "NULL"; the ABS's "na" (not available) and
# "np" (not published), "N.A." and the Federal Reserve's "ND" (no data: H.10, H.15 downloads).
# Not "-": a spreadsheet's accounting format writes zero so.
MISSING_MARKERS = ("", "…", "...", "..", ".", ":", "n.a.", "N.A.", "N/A", "n/a", "NA", "na", "np", "ND", "#N/A", "?", "null",
                   "NULL")
# Indian digit groups (en-IN: 1,00,000 a lakh, 1,23,45,678 crores), of two digits above the thousands: no decimal
# comma (two commas) and no other grouping
_LAKH_GROUPED = r"\d{1,2}(?:,\d{2})+,\d{3}"
# 1,234 or 1,234.5: thousands separated by commas (or lakhs: 1,00,000.5)
GROUPED_THOUSANDS = rf"^[+-]?(?:\d{{1,3}}(?:,\d{{3}})+|{_LAKH_GROUPED})(?:\.\d+)?$"
# A value beside which a column's commas are surely no decimal commas: 1,234.5 or 1,234,567 (a number
# holds one decimal comma), or a decimal point no thousands point can be (950.5, 0.25, 1.2345: the column
# writes its decimals with points), or lakh groups (1,00,000). 1.234 is no such sign: a European 1234.
_SURELY_GROUPED = (r"^[+-]?\d{1,3}(?:(?:,\d{3})+\.\d+|(?:,\d{3}){2,})$|^[+-]?\d*\.(?:\d{1,2}|\d{4,})$"
                   rf"|^[+-]?{_LAKH_GROUPED}(?:\.\d+)?$")


def _spreadsheet_cleaned(frame: pl.DataFrame, path: Path, separator: str) -> pl.DataFrame:
    """A csv (``path``) as a spreadsheet, a statistics office or pandas writes it, read as meant:
    column names without spaces around them; trailing rows without any value dropped; in text
    columns, MISSING_MARKERS as missing values, and a column of numbers with padding or thousands
    separators (_grouped_numbers too) as numbers; an unnamed first column that numbers the rows
    (pandas' and R's row index: 0.. or 1..) dropped, and an unnamed one without any value (a spacer)."""
    # `date, x1`: a hand-written header's spaces are no part of a name
    frame = frame.rename(dict(zip(frame.columns, _stripped(frame.columns, path, separator), strict=True)))
    has_value = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    frame = frame.head(int(has_value.arg_true()[-1]) + 1 if has_value.any() else 0)
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    grouped = _grouped_numbers(frame.lazy(), texts, path)
    frame = frame.with_columns(number for number, _ in grouped.values())
    texts = [name for name in texts if name not in grouped]
    commas = set(decimal_comma_columns(frame.lazy(), texts))
    frame = frame.with_columns(_numbers(frame[name], name in commas) for name in texts)
    return frame.drop(_spare_unnamed(frame.lazy()))


def _value(name: str) -> pl.Expr:
    """A text column's values without padding."""
    return pl.col(name).str.strip_chars()


def _present(name: str) -> pl.Expr:
    """Whether a text column's value is given: neither missing nor a missing marker."""
    return _value(name).is_not_null() & ~_value(name).is_in(MISSING_MARKERS)


# a comma no thousands separator can be: not followed by a group of three digits (55,2 | 16,98 | 10,0664)
_DECIMAL_COMMA = r",(?:\d{1,2}|\d{4,})$"


def decimal_comma_columns(text: pl.LazyFrame, columns: list[str]) -> list[str]:
    """The text ``columns`` of a comma file to read with decimal commas, as quoted there ("55,2",
    "1.234,5"): those whose every value (missing markers aside) is a number so written
    (_REGIONAL) with a comma in some, once some value of the file shows a comma no thousands
    separator can be (_DECIMAL_COMMA): then "557,434" is 557.434; without one, "1,320" stays
    text (1320 or 1.32?). One pass over the columns whose first 1,000 rows hold such numbers only."""
    def what_shows(rows: pl.LazyFrame, names: list[str]) -> dict[str, dict[str, bool]]:
        return rows.select(pl.struct(
            regional=(~_present(name) | _value(name).str.contains(_REGIONAL)).all(),
            decimal=(_present(name) & _value(name).str.contains(_DECIMAL_COMMA)).any(),
            comma=(_present(name) & _value(name).str.contains(",", literal=True)).any(),
        ).alias(name) for name in names).collect(engine="streaming").row(0, named=True) if names else {}

    # names, codes, text: their first rows show it, and the whole file is read for numbers only
    candidates = [name for name, s in what_shows(text.head(1000), columns).items() if s["regional"]]
    shown = what_shows(text, candidates)
    if not any(s["regional"] and s["decimal"] for s in shown.values()):
        return []
    return [name for name, s in shown.items() if s["regional"] and s["comma"]]


# Digits grouped in thousands by a space (also the no-break spaces Excel and LibreOffice write in
# French and Nordic locales) or an apostrophe (Swiss): 1 234,5 | 1'234.5 | 1’234,5 | 1 234 567.
# Such a mark is no decimal separator: a value so grouped shows its own.
_SPACES = " \u00a0\u202f"
_MARKS = _SPACES + "'\u2019"
_MARKED = rf"\d[{_MARKS}]\d"  # a value grouped so, in threes or not (12 34)
_DIGIT_GROUPS = r"^[+-]?[1-9]\d{0,2}(?:" + "|".join(rf"(?:[{mark}]\d{{3}})+" for mark in _MARKS) + r")(?:[.,]\d+)?$"
_UNGROUPED = r"^[+-]?\d+(?:[.,]\d+)?$"  # 12 | 12,5 | 12.5: beside grouped values, the comma is a decimal one
_DIGITS_AND_MARKS = rf"^[+-]?\d[\d.,{_MARKS}]*$"


def _grouped_numbers(text: pl.LazyFrame, columns: list[str], path: Path) -> dict[str, tuple[pl.Expr, pl.DataType]]:
    """The text ``columns`` whose numbers group digits by a space or an apostrophe (_MARKS), each as
    an expression giving them as numbers (missing markers: missing) and its type (Int64 where no
    value has decimals). Refused in one line naming the value, as a guess: beside numbers grouped
    so, a value whose groups after the first are not three digits (1 23,5), and a column of
    decimal commas and points (1 234,5 and 12.5). Left as text, for the task to use as text or
    refuse: a column none of whose values is grouped in threes (codes: 114 55, 12 34), and one
    whose space-grouped values are all one group of a whole number with no decimals anywhere (123
    456: a number, two, or a postal code?). One pass over the columns whose first 1,000 rows hold
    numbers only (digits, marks, points, commas)."""
    def numbers_only(rows: pl.LazyFrame, names: list[str], shows: str) -> list[str]:  # and some value showing ``shows``
        found = rows.select(((~_present(name) | _value(name).str.contains(_DIGITS_AND_MARKS)).all()
                             & _value(name).str.contains(shows).any()).alias(name) for name in names)
        return [name for name, yes in found.collect(engine="streaming").row(0, named=True).items() if yes] if names else []

    grouped = {}
    for name in numbers_only(text, numbers_only(text.head(1000), columns, r"\d"), _MARKED):
        given = text.select(_value(name).filter(_present(name))).collect().to_series()
        in_threes = given.str.contains(_DIGIT_GROUPS) & given.str.contains(_MARKED)
        if not in_threes.any():
            continue  # codes, not numbers
        wrong = given.filter(~given.str.contains(_DIGIT_GROUPS) & ~given.str.contains(_UNGROUPED))
        if wrong.len():
            raise DataError(f"{path}: column {name!r} has {wrong[0]!r} among numbers grouped by thousands such as "
                            f"{given.filter(in_threes)[0]!r}; expected three digits in every group after the first "
                            "(1 234 567,5 or 1'234.5)")
        comma, point = given.filter(given.str.contains(",", literal=True)), given.filter(given.str.contains(".", literal=True))
        if comma.len() and point.len():
            raise DataError(f"{path}: column {name!r} has both {comma[0]!r} and {point[0]!r}; expected one decimal separator in a column")
        if given.str.contains(rf"\d[{_SPACES}]\d").any() and not (
                comma.len() or point.len() or given.str.contains(rf"[{_MARKS}]\d{{3}}[{_MARKS}]").any()):
            continue  # 123 456 alone: a number, two, or a postal code; text, for the task to say
        number = _value(name).str.replace_all(f"[{_MARKS}]", "").str.replace(",", ".", literal=True)
        dtype = pl.Float64 if comma.len() or point.len() else pl.Int64
        grouped[name] = (pl.when(_present(name)).then(number).cast(dtype).alias(name), dtype)
    return grouped


def _point_decimals(text: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """Numbers written with decimal commas and thousands points (1.234,5) as written with a decimal
    point (1234.5)."""
    return text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)


def _with_decimal_points(text: pl.Expr) -> pl.Expr:
    """_point_decimals of the values, missing markers as missing."""
    text = text.str.strip_chars()
    return pl.when(~text.is_in(MISSING_MARKERS)).then(_point_decimals(text))


def _numbers(column: pl.Series, decimal_commas: bool = False) -> pl.Series:
    """A text ``column`` without its missing markers; as Int64 or Float64 when what is left is
    numbers (one at least), else as text for the task to refuse or encode. Commas: thousands
    separators where a value shows one beside a decimal point (1,234.5); decimal commas where
    ``decimal_commas`` (decimal_comma_columns); 1,320 alone stays refused (1320 or 1.32?); beside
    1,234.5, 1,000,000 or 950.5 (_SURELY_GROUPED) it is 1320."""
    text = column.str.strip_chars()
    column = column.scatter(text.is_in(MISSING_MARKERS).arg_true(), None)
    if text.str.contains(_SURELY_GROUPED).any():
        text = text.zip_with(~text.str.contains(GROUPED_THOUSANDS), text.str.replace_all(",", ""))
    elif decimal_commas:  # markers stay text here, as above: the check below reads ``column``
        text = _point_decimals(text)
    numbers = text.cast(pl.Float64, strict=False)
    if column.null_count() == column.len() or (numbers.is_null() & column.is_not_null()).any():
        return column
    whole = text.cast(pl.Int64, strict=False)
    return whole if whole.null_count() == numbers.null_count() else numbers
