"""Readers: one declared source (parquet, csv, DuckDB, PostgreSQL) -> a renamed, filtered polars LazyFrame.

A new kind of source is one more entry in READERS.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path
from typing import Any, Callable, NamedTuple

import polars as pl

from minectl.errors import DataError

# The checkout's root: relative example paths (examples/data/...) also resolve from here, so
# shipped experiments run from any working directory.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def resolve_input(path: str | Path) -> Path:
    """A relative input path as found: in the working dir first, else under the project root."""
    given = Path(path).expanduser()
    if given.is_absolute() or given.exists() or not (PROJECT_ROOT / given).exists():
        return given
    return PROJECT_ROOT / given

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
    """A text file's contents, less a UTF-8 byte-order mark (Windows tools write one; it is not
    text); a missing file, or bytes outside ``encoding``, fail in one line naming what was
    ``expected``."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: {'not a file' if path.exists() else 'missing'}; expected {expected}")
    try:
        return path.read_text(encoding=encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not {encoding} text (byte {exc.start}); expected {expected}") from None


def _existing(path: str | None, kind: str) -> Path:
    if not path:
        raise DataError(f"a {kind} source needs a path; expected path=FILE")
    resolved = resolve_input(path)
    if resolved.is_dir() and kind == "parquet":
        parts = sorted(resolved.glob("*.parquet"))
        if not parts:
            raise DataError(f"{resolved}: folder holds no .parquet files; expected parquet part files")
        empty = [part for part in parts if part.stat().st_size == 0]
        if empty:  # polars skips a 0-byte part: rows of an interrupted export would be missing unsaid
            raise DataError(f"{empty[0]}: part file is empty (0 bytes); expected parquet data (an interrupted export?)")
        return resolved
    if not resolved.is_file():
        raise DataError(f"{resolved}: file not found; expected an existing {kind} file")
    if resolved.stat().st_size == 0:
        raise DataError(f"{resolved}: file is empty; expected {kind} data")
    return resolved


def _read_parquet(path: str | None, query: str | None) -> pl.LazyFrame:
    resolved = _existing(path, "parquet")
    return pl.scan_parquet(resolved / "*.parquet" if resolved.is_dir() else resolved)


def _read_csv(path: str | None, query: str | None) -> pl.LazyFrame:
    return scan_dated_csv(_comma_separated(_existing(path, "csv")))


def scan_dated_csv(path: Path) -> pl.LazyFrame:
    """A csv file with its date columns read as dates; a column of dates that read both day first
    and month first (polars reads them day first) is refused."""
    from minectl.features.series import day_month_order

    frame = pl.scan_csv(path, try_parse_dates=True)
    try:
        dated = [name for name, dtype in frame.collect_schema().items() if dtype.is_temporal()]
    except (pl.exceptions.PolarsError, OSError):
        return frame  # read_table names the fault
    if dated:  # their text, as the file gives it
        text = pl.scan_csv(path, infer_schema=False).select(dated).collect()
        for name in dated:
            day_month_order(text[name], str(path))  # polars read them day first: refused unless they are
    return frame


def _comma_separated(path: Path) -> Path:
    """``path``, unless its header line has no comma but a semicolon or a tab: a file exported with
    another separator (often with decimal commas, too) would read as one column named by the whole line."""
    try:
        with open(path, "rb") as handle:
            header = handle.readline(65_536)
    except OSError as exc:
        raise DataError(f"{path}: unreadable ({exc.strerror or exc}); expected a readable csv file") from None
    for separator, name in ((b";", "semicolons"), (b"\t", "tabs")):
        if b"," not in header and separator in header:
            raise DataError(f"{path}: the header is separated by {name}, not commas; expected a comma-separated file "
                            "with '.' as the decimal point")
    names = next(csv.reader([header.decode("utf-8", "replace").removeprefix("\ufeff").rstrip("\r\n")]), [])
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:  # polars would rename the second one 'x_duplicated_0' and read on
        raise DataError(f"{path}: column {repeated[0]!r} appears {names.count(repeated[0])} times in the header; "
                        "expected unique column names")
    return path


# No extension is installed or loaded behind the query's back, and the query cannot change that.
LOCKED_DUCKDB = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
                 "allow_community_extensions": False, "lock_configuration": True}


def _read_duckdb(path: str | None, query: str | None) -> pl.LazyFrame:
    import duckdb

    resolved = _existing(path, "duckdb")
    if not query:
        raise DataError(f"{resolved}: a duckdb source needs a query; expected a SQL query or a table name")
    sql = query if " " in query.strip() else f'SELECT * FROM "{query}"'
    try:
        statements = duckdb.extract_statements(sql)
        # A query from a config is data: one SELECT, never COPY ... TO, ATTACH, INSTALL or LOAD
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            kinds = ", ".join(s.type.name for s in statements) or "none"
            raise DataError(f"{resolved}: query '{query}' is not one SELECT statement ({kinds}); expected a SELECT or a table name")
        with duckdb.connect(str(resolved), read_only=True, config=LOCKED_DUCKDB) as con:
            return con.sql(sql).pl().lazy()
    except duckdb.Error as exc:
        raise DataError(f"{resolved}: query '{query}' failed: {str(exc).splitlines()[0]}") from None


def _read_postgres(dsn: str | None, query: str | None) -> pl.LazyFrame:
    from minectl.data.postgres import read_postgres  # psycopg only for this kind

    return read_postgres(dsn, query)


# (path, query) -> frame; a server's reader gets the source's dsn in place of a path (SERVER_KINDS)
READERS: dict[str, Callable[[str | None, str | None], pl.LazyFrame]] = {
    "parquet": _read_parquet,
    "csv": _read_csv,
    "duckdb": _read_duckdb,
    "postgres": _read_postgres,
}
SERVER_KINDS = ("postgres",)


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
) -> pl.LazyFrame:
    """Read one source; rename source columns to canonical names; apply declared filters.
    ``dsn``: the connection string of a server kind (postgres)."""
    if kind not in READERS:
        raise DataError(f"unknown source kind '{kind}'; expected one of: {', '.join(READERS)}")
    frame = READERS[kind](dsn if kind in SERVER_KINDS else path, query)
    where = f"{kind} {query}" if kind in SERVER_KINDS else path or kind
    try:
        schema = frame.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DataError(f"{where}: unreadable as {kind}: {str(exc).splitlines()[0]}") from None
    columns = columns or {}
    for source_name in columns:
        if source_name not in schema:
            raise DataError(f"{where}: column map names '{source_name}', which the source lacks (columns: {', '.join(schema)})")
    frame = frame.rename(columns)
    renamed = [columns.get(c, c) for c in schema]
    for item in filters or []:
        column, op, value = item["column"], item.get("op", "=="), item.get("value")
        if column not in renamed:
            raise DataError(f"{where}: filter on unknown column '{column}' (columns: {', '.join(renamed)})")
        if op not in _OPS:
            raise DataError(f"{where}: filter op '{op}' is unknown; expected one of: {', '.join(_OPS)}")
        frame = frame.filter(_OPS[op](pl.col(column), value))
    return frame


_ARFF_DATE = re.compile(r"""(?im)^(\s*@attribute\s+(?:'[^']*'|"[^"]*"|\S+))\s+date\b.*$""")  # @attribute name date [format]


def read_file(path: str | Path, what: str = "input") -> pl.DataFrame:
    """A whole table file in row order: .csv (types inferred from every row; see _spreadsheet_cleaned),
    .parquet or .arff (UTF-8).

    For the single-table inputs of some tasks (a price series, a sample table); `what` names
    the input in errors.
    """
    path = resolve_input(path)
    if not path.is_file():
        raise DataError(f"{path}: {what} file not found; expected a .csv, .parquet or .arff file")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".arff"):
        raise DataError(f"{path}: unsupported {what} file type {suffix!r}; expected .csv, .parquet or .arff")
    if suffix == ".csv":
        _comma_separated(path)
    try:
        if suffix == ".csv":
            frame = _spreadsheet_cleaned(pl.read_csv(path, infer_schema_length=None))  # long leading gaps hide the real types
        elif suffix == ".parquet":
            frame = pl.read_parquet(path)
        else:
            import arff

            # liac-arff has no DATE type: its values are read as text, which a time column parses.
            # '?' is a missing value; a sparse row's omitted values are 0 or a nominal's first value (Weka's rule)
            text = read_text(path, "utf-8", f"a UTF-8 .arff {what} file")
            data = arff.loads(_ARFF_DATE.sub(r"\1 string", text))
            names = [name for name, _ in data["attributes"]]
            frame = pl.DataFrame(data["data"], schema=names, orient="row", infer_schema_length=None)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - polars, liac-arff and the OS each raise their own types
        raise DataError(f"{path}: unreadable {what} file ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None
    if frame.height == 0:
        raise DataError(f"{path}: the {what} file has no rows")
    return frame


# A missing number as statistics offices and tools write it, besides an empty cell: the World Bank's
# "…", FRED's ".", "..", "n.a.", R's and pandas' "NA", Excel's "#N/A", the UCI repository's "?".
# Not "-": a spreadsheet's accounting format writes zero so.
MISSING_MARKERS = ("", "…", "...", "..", ".", "n.a.", "N/A", "n/a", "NA", "#N/A", "?")
_GROUPED = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"  # 1,234 or 1,234.5: thousands separated by commas
_GROUPED_WITH_POINT = r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+$"  # 1,234.5: only so is the comma no decimal comma


def _spreadsheet_cleaned(frame: pl.DataFrame) -> pl.DataFrame:
    """A csv as a spreadsheet, a statistics office or pandas writes it, read as meant: trailing rows
    without any value dropped; in text columns, MISSING_MARKERS as missing values, and a column
    of numbers with padding or thousands separators as numbers; an unnamed first column that
    numbers the rows (pandas' and R's row index: 0.. or 1..) dropped."""
    has_value = frame.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    frame = frame.head(int(has_value.arg_true()[-1]) + 1 if has_value.any() else 0)
    frame = frame.with_columns(_numbers(frame[name]) for name, dtype in frame.schema.items() if dtype == pl.String)
    first = frame.columns[0] if frame.width > 1 else None
    if first == "" and frame[first].dtype.is_integer() and frame.height:
        start = frame[first][0]
        if start in (0, 1) and frame[first].to_list() == list(range(start, start + frame.height)):
            frame = frame.drop(first)
    return frame


def _numbers(column: pl.Series) -> pl.Series:
    """A text ``column`` without its missing markers; as Int64 or Float64 when what is left is
    numbers (one at least), else as text for the task to refuse or encode."""
    text = column.str.strip_chars()
    column = column.scatter(text.is_in(MISSING_MARKERS).arg_true(), None)
    if text.str.contains(_GROUPED_WITH_POINT).any():
        text = text.zip_with(~text.str.contains(_GROUPED), text.str.replace_all(",", ""))
    numbers = text.cast(pl.Float64, strict=False)
    if column.null_count() == column.len() or (numbers.is_null() & column.is_not_null()).any():
        return column
    whole = text.cast(pl.Int64, strict=False)
    return whole if whole.null_count() == numbers.null_count() else numbers
