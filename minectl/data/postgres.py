"""PostgreSQL as a data source (psycopg 3): a table or one SELECT per canonical table, read in
batches through a server-side cursor; and the writer of `minectl data synth --to postgres DSN`.

The connection string comes from the config (`data.dsn`); its password from the environment:
libpq's own PGPASSWORD (or ~/.pgpass), or `${oc.env:NAME}` inside the DSN, which minectl
redacts wherever it writes or prints (minectl.redaction). Every message here is redacted too.
Reads run in a read-only transaction: a query from a config is data, never a change, and
reads no server file even where the role connected is a superuser (_as_reader).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import polars as pl

from minectl.data.sources import TABLE_NAME
from minectl.errors import DataError
from minectl.redaction import redact

BATCH_ROWS = 50_000  # rows per fetch: memory stays flat on large tables
CONNECT_TIMEOUT_S = 10

# PostgreSQL type OID -> polars type of the column read (others: inferred from the values); real as Float32, which
# the contract widens by its text as it does a parquet or DuckDB file's
_TYPES: dict[int, pl.DataType] = {
    16: pl.Boolean(), 20: pl.Int64(), 21: pl.Int64(), 23: pl.Int64(), 700: pl.Float32(), 701: pl.Float64(),
    1700: pl.Float64(), 25: pl.String(), 1042: pl.String(), 1043: pl.String(), 1082: pl.Date(),
    1114: pl.Datetime("us"), 1184: pl.Datetime("us", "UTC"), 1186: pl.Duration("us"),
}
NUMERIC = 1700  # read exact (Decimal), kept as Float64
BPCHAR = 1042  # char(n): PostgreSQL pads it with spaces and ignores them (in =, joins, casts to text)
# polars type -> PostgreSQL column type, for the writer
_COLUMNS: dict[type, str] = {
    pl.Boolean: "boolean", pl.Int64: "bigint", pl.Int32: "integer", pl.Float64: "double precision", pl.String: "text",
    pl.Date: "date", pl.Datetime: "timestamp", pl.Categorical: "text", pl.Enum: "text",
}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _connect(dsn: str | None, what: str):
    import psycopg
    from psycopg.types.numeric import FloatLoader

    if not dsn:
        raise DataError(f"{what} needs a connection string; expected data.dsn=postgresql://USER@HOST:PORT/DB "
                        "(the password from PGPASSWORD or ${oc.env:NAME})")
    try:
        # UTF-8 whatever the database's encoding: enum labels arrive as their bytes, read as UTF-8 (_schema)
        connection = psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT_S, application_name="minectl", client_encoding="UTF8")
    except psycopg.ProgrammingError as exc:  # the string itself does not parse
        raise DataError(f"postgres DSN {redact(dsn)!r} is not a connection string ({redact(_first_line(exc))}); "
                        "expected postgresql://USER@HOST:PORT/DB or 'host=... dbname=...'") from None
    except psycopg.Error as exc:  # refused, unknown host, authentication, no such database
        raise DataError(f"postgres {redact(dsn)}: cannot connect ({redact(_first_line(exc))}); "
                        "expected a reachable PostgreSQL server and valid credentials") from None
    connection.adapters.register_loader("numeric", FloatLoader)  # numeric columns read as float, like the files' Float64
    return connection


def _select(connection: Any, query: str, where: str):
    """A table name (optionally schema.table) or one SELECT, as the SQL to run. The name is split
    into its parts by PostgreSQL itself (parse_ident): an unquoted part folded to lower case, a part
    in double quotes as written ("Production", "a""b", "a.b"), as any SQL names it. Refused: a
    password catalog (_SECRETS), and a SELECT that calls a function of _REFUSED_CALLS."""
    from psycopg import sql

    text = query.strip()
    secret = _SECRETS.search(text.replace('"', ""))
    if secret:
        raise DataError(f"{where} reads {secret.group(1)}, a catalog of the server's passwords, which a query from a config may not; "
                        "expected a SELECT over the database's tables and views")
    if TABLE_NAME.fullmatch(text):
        parts = connection.execute("SELECT parse_ident(%s)", [text]).fetchone()[0]
        return sql.SQL("SELECT * FROM {}").format(sql.Identifier(*parts))
    called = _REFUSED_CALLS.search(text.replace('"', ""))  # "set_config" is set_config
    if called or _ESCAPED_NAME.search(text):
        what = f"calls {called.group(1)}()" if called else 'names something in Unicode escapes (U&"...")'
        raise DataError(f"{where} {what}, which a query from a config may not (it could change the role or run other SQL); "
                        "expected a SELECT over the database's tables and views")
    return sql.SQL(text.rstrip(";"))  # type: ignore[arg-type]  # a query from the config: data, run read-only


# A config is untrusted: its query runs in a read-only transaction, one statement (no COPY ... PROGRAM), and, where
# the role connected is a superuser, as pg_read_all_data (_as_reader), which may read every table but no server file
# (pg_read_file, pg_ls_dir, lo_export), no password hash (pg_authid) and call no server function: a superuser's alone.
# These functions would undo that: set_config('role', ...) takes the superuser's role back (the session's user may),
# and those that run SQL given as text (query_to_xml, ts_stat, ts_rewrite, dblink's) would run a call to it built
# from chr() out of sight; U&"..." spells any name in escapes.
_REFUSED_CALLS = re.compile(r"\b(set_config|query_to_xml\w*|cursor_to_xml\w*|ts_stat|ts_rewrite|dblink\w*)\b", re.IGNORECASE)
_ESCAPED_NAME = re.compile(r'u&"', re.IGNORECASE)
# the catalogs of passwords (role hashes, foreign servers' user mappings), which pg_read_all_data reads too
_SECRETS = re.compile(r"\b(pg_authid|pg_shadow|pg_user_mappings?)\b", re.IGNORECASE)


def _as_reader(connection: Any, where: str) -> None:
    """Run the transaction's reads as pg_read_all_data where the role connected is a superuser (PostgreSQL
    14 and later; before, refused), with row security off: a table's row-level security policies, which a
    superuser passes, then fail the read naming the table rather than leave rows out unsaid."""
    superuser, reader = connection.execute(
        "SELECT rolsuper, to_regrole('pg_read_all_data') IS NOT NULL FROM pg_roles WHERE rolname = current_user").fetchone()
    if superuser and not reader:
        raise DataError(f"{where}: the role connected is a superuser, whose query may read the server's files, and this server "
                        "(before PostgreSQL 14) has no pg_read_all_data role to read as; expected a role without superuser")
    if superuser:
        connection.execute("SET LOCAL ROLE pg_read_all_data")
        connection.execute("SET LOCAL row_security = off")


def read_postgres(dsn: str | None, query: str | None, reads: Collection[str] | None = None) -> pl.LazyFrame:
    """One table or query as a LazyFrame, fetched in batches of BATCH_ROWS rows.

    Rows come in the server's order (synchronised scans off, so a table's scan starts at its
    first row); a query says its own order with ORDER BY (a table has none: the caller orders
    it by its key, sources.read_table). ``reads``: the columns the task reads (None: all); a
    column of a type minectl does not read is refused there, and left out elsewhere.
    """
    import psycopg
    from psycopg.types.string import ByteaBinaryLoader

    where = f"postgres {redact(dsn or '')}".strip()
    if not query:
        raise DataError(f"{where}: a postgres source needs a query; expected a table name or a SELECT")
    frames, schema = [], {}
    with _connect(dsn, "a postgres source") as connection:
        connection.read_only = True
        try:
            connection.execute("SET LOCAL synchronize_seqscans = off")
            # the session zone comes from the client's PGTZ or PGOPTIONS too: a query's ts::date of a zoned time
            # would give other days on another machine. UTC on every one (the mine's zone: ts AT TIME ZONE '...').
            connection.execute("SET LOCAL TimeZone = 'UTC'")
            _as_reader(connection, where)
            with connection.cursor(name="minectl_read", binary=True) as cursor:  # server-side: rows come in batches
                cursor.itersize = BATCH_ROWS
                cursor.execute(select := _select(connection, query, f"{where}: query '{redact(query)}'"))
                schema = _schema(connection, cursor, f"{where}: query '{redact(query)}'", reads)
                if len(schema) < len(cursor.description):  # columns left out: their values sent as bytes, never parsed
                    for column in (c for c in cursor.description if c.name not in schema):
                        cursor.adapters.register_loader(column.type_code, ByteaBinaryLoader)
                    cursor.execute(select)  # declared again, with those loaders (psycopg's are chosen at the declaration)
                names = [column.name for column in cursor.description]
                padded = [column.name for column in cursor.description if column.type_code == BPCHAR]
                numeric = [column.name for column in cursor.description if column.type_code == NUMERIC]
                while rows := cursor.fetchmany(BATCH_ROWS):
                    frames.append(_frame(rows, names, schema, numeric, f"{where}: query '{redact(query)}'"))
                if not frames:
                    frames.append(pl.DataFrame(schema=schema))
        except psycopg.Error as exc:
            failed = f"{where}: query '{redact(query)}' failed: {redact(_first_line(exc))}"
            if isinstance(exc, psycopg.errors.InsufficientPrivilege):  # as _as_reader's role: pg_read_file, row security
                failed += ("; expected a SELECT of tables and views the role may read (a query from a config runs without a "
                           "superuser's powers: no server files, no server functions)")
            raise DataError(failed + _outside_the_calendar(exc, schema)) from None
    # enums and the like arrive as their text's bytes; char(n) without the padding PostgreSQL ignores
    return pl.concat(frames, how="vertical").lazy().with_columns(pl.col(pl.Binary).cast(pl.String),
                                                                 pl.col(padded).str.strip_chars_end(" "))


def _outside_the_calendar(exc: Exception, schema: dict[str, pl.DataType]) -> str:
    """psycopg refuses a date or time that Python cannot hold (PostgreSQL's 'infinity', a year
    beyond 9999 or before 1) without naming its column: the date and time columns it can be in."""
    if "(after year 10K)" not in str(exc) and "(before year 1)" not in str(exc):
        return ""
    columns = " or ".join(f"'{name}'" for name, dtype in schema.items() if dtype.is_temporal())
    first = next((name for name, dtype in schema.items() if dtype.is_temporal()), "date")
    return (f" in column {columns} ('infinity', '-infinity' or a year outside 1-9999); expected dates and times in "
            f"years 1 to 9999 (leave the others out in the query, e.g. WHERE isfinite({first}))")


def _schema(connection: Any, cursor: Any, where: str, reads: Collection[str] | None) -> dict[str, pl.DataType]:
    """Each column's polars type from its PostgreSQL type, fixed before the first batch (a type
    inferred per batch differs between batches: a column NULL in the first). Enums and other
    text types (citext, name) read as text; a type without a faithful reading here (money, json,
    arrays, uuid, bytea, time...) is refused where it is in ``reads``, naming it: read, it came back
    as bytes or objects that the contract refused as 'found Binary', or that broke the batches'
    concatenation. Outside ``reads`` it is left out of the schema, its values never parsed (a time
    24:00 has no Python value): a column no task reads refuses no table, as a file's does not."""
    from psycopg.pq import Format

    names = [column.name for column in cursor.description]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:  # polars keeps one of them, or fails naming neither
        raise DataError(f"{where} returns {names.count(twice)} columns named '{twice}'; expected one column per name "
                        "(name each selected column or expression with AS, or leave the repeats out)")
    others = [column.type_code for column in cursor.description if column.type_code not in _TYPES]
    found = {oid: (name, text) for oid, name, text in connection.execute(
        "SELECT oid::int, format_type(oid, NULL), typtype = 'e' OR typcategory = 'S' FROM pg_type WHERE oid = ANY(%s)",
        [others]).fetchall()} if others else {}
    schema = {}
    for column in cursor.description:
        if column.type_code in _TYPES:
            schema[column.name] = _TYPES[column.type_code]
            continue
        type_name, text = found.get(column.type_code, (f"oid {column.type_code}", False))
        if not text and reads is not None and column.name not in reads:
            continue
        if not text:
            raise DataError(f"{where}: column '{column.name}' is of PostgreSQL type {type_name}, which minectl does not read; "
                            "expected numbers, text, dates or times (CAST it in the query, e.g. "
                            f"CAST({column.name} AS numeric) or AS text, or leave it out)")
        # psycopg reads some (name) as text; the others come as their binary form, which for these types is the text
        loaded = cursor.adapters.get_loader(column.type_code, Format.BINARY) is not None
        schema[column.name] = pl.String() if loaded else pl.Binary()
    return schema


def _frame(rows: list[tuple], names: list[str], schema: dict[str, pl.DataType], numeric: list[str], where: str) -> pl.DataFrame:
    """A batch (of the columns ``names``) as a frame of the ``schema``'s; its ``numeric`` columns' values beyond 2^53 refused:
    as floats, they would be rounded (a bigint of them is refused so; a numeric's type says nothing of its values before they
    are read, so it is read as Float64)."""
    columns = {name: values for name, values in zip(names, zip(*rows, strict=True), strict=True) if name in schema}
    frame = pl.DataFrame([pl.Series(name, values, dtype=schema[name], strict=True) for name, values in columns.items()])
    for name in numeric:
        if (frame[name].abs() >= 2**53).any():  # the float may be rounded to 2^53: the exact values say
            beyond = [value for value in columns[name] if value is not None and value.is_finite() and abs(value) > 2**53]
            if beyond:
                shown = str(beyond[0]) if len(str(beyond[0])) <= 24 else f"{float(beyond[0]):.6e}"  # 1e300 has 301 digits
                raise DataError(f"{where}: column '{name}' has values beyond 2^53 (first {shown}), which a float rounds; expected "
                                f"numbers of at most {2**53:,} (a unit or id slip? an id: CAST({name} AS text) in the query)")
    return frame


def write_postgres(dsn: str, tables: dict[str, pl.DataFrame], db_schema: str = "public") -> dict[str, str]:
    """Write each frame as table ``db_schema.<name>`` (replacing one of that name), rows in
    their order, all in one transaction: the database holds all the tables or none of them.
    Returns table name -> where it went."""
    import psycopg
    from psycopg import sql

    written = {}
    with _connect(dsn, "data synth --to postgres") as connection:
        try:
            with connection.transaction():
                for name, frame in tables.items():
                    target = sql.Identifier(db_schema, name)
                    columns = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_column_type(t, name, c)))
                                                 for c, t in frame.schema.items())
                    connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
                    connection.execute(sql.SQL("CREATE TABLE {} ({})").format(target, columns))
                    names = sql.SQL(", ").join(map(sql.Identifier, frame.columns))
                    with connection.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, names)) as copy:
                        for row in _text_rows(frame):
                            copy.write_row(row)
                    written[name] = f"{redact(dsn)} table {db_schema}.{name} ({frame.height} rows)"
        except psycopg.Error as exc:
            raise DataError(f"postgres {redact(dsn)}: writing the tables failed ({redact(_first_line(exc))}); "
                            "expected a database where this user may create tables") from None
    return written


def _column_type(dtype: pl.DataType, table: str, column: str) -> str:
    found = _COLUMNS.get(type(dtype)) if not isinstance(dtype, type) else _COLUMNS.get(dtype)
    if found is None:
        raise DataError(f"table '{table}' column '{column}' is {dtype}; expected a type PostgreSQL can hold "
                        f"({', '.join(t.__name__ for t in _COLUMNS)})")
    return found


def _text_rows(frame: pl.DataFrame) -> Any:
    """Rows for COPY: enums and categoricals as text (floats go as Python floats: exact)."""
    casts = [pl.col(c).cast(pl.String) for c, t in frame.schema.items() if isinstance(t, (pl.Categorical, pl.Enum))]
    return (frame.with_columns(casts) if casts else frame).iter_rows()
