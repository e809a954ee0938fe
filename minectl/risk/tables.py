"""Frame helpers of the risk inputs: one-hot columns of a table file, the static mine
features and the choice of numeric indicators (missing values: minectl.risk.missing)."""

from __future__ import annotations

import fnmatch

import polars as pl

from minectl.data.names import alike_in, check_names, shown
from minectl.errors import ConfigError, DataError

STATIC_NUMERIC = ("equipment_grade", "haul_distance_km", "rock_hardness_f", "outsourcing_share")
METHOD_PREFIX = "method_"  # the one-hot columns of a mine's mining_method
_ID_MIN_ROWS = 20  # 5 rows of 5 kinds are categories; 20 rows of 20 values are an id


def one_hot(frame: pl.DataFrame, columns: list[str], where: str = "") -> tuple[pl.DataFrame, list[str]]:
    """Replace categorical columns by 0/1 Float64 columns '<col>=<value>' (sorted values);
    ``where``: the file, for errors."""
    created = []
    for column in columns:
        if column not in frame.columns:
            raise DataError(f"column {column!r} not found (has {', '.join(frame.columns)})", param="columns")
        values = sorted(frame[column].cast(pl.String).unique().drop_nulls().to_list())
        check_names(values, "value", f"{where}: categorical column {column!r}")  # 'W' and 'W ' would be two categories
        given = frame.height - frame[column].null_count()
        if given >= _ID_MIN_ROWS and len(values) == given:  # as many one-hot features as rows, each naming one row
            raise DataError(f"{where}: categorical column {column!r} holds a different value in each of its {given} rows (e.g. "
                            f"{values[0]!r}: an id, not a category?); expected values that rows share, or the column out of "
                            "risk.input.categorical and in risk.features.exclude (not a feature)")
        for value in values:
            name = f"{column}={value}"
            frame = frame.with_columns((frame[column].cast(pl.String) == value).cast(pl.Float64).alias(name))
            created.append(name)
        frame = frame.drop(column)
    return frame, created


def static_features(mines: pl.DataFrame) -> pl.DataFrame:
    """mine_id and numeric static features: design figures plus one-hot mining method."""
    present = [c for c in STATIC_NUMERIC if c in mines.columns]
    out = mines.select("mine_id", *[pl.col(c).cast(pl.Float64) for c in present])
    if "mining_method" in mines.columns:
        check_names(mines["mining_method"], "mining_method", "table 'mines'")  # 'open_pit ' would be a method of its own
        unset = mines.filter(pl.col("mining_method").is_null())["mine_id"]
        if unset.len():  # a NULL (a database's, a parquet's) failed to sort beside the methods: TypeError
            raise DataError(f"table 'mines': mine_id {shown(unset[0])} has no mining_method (a NULL or empty cell); expected a "
                            "method for every mine")
        for method in sorted(mines["mining_method"].unique().to_list()):
            out = out.with_columns((mines["mining_method"] == method).cast(pl.Float64).alias(f"{METHOD_PREFIX}{method}"))
    return out


def excluded(column: str, patterns: list[str]) -> bool:
    """Whether ``column`` matches one of the glob ``patterns`` or is one of them as written: 'Air
    temperature [K]' names itself, though as a glob its '[K]' is a set of one letter."""
    return any(column == p or fnmatch.fnmatchcase(column, p) for p in patterns)


def check_exclude(columns: list[str], exclude: list[str]) -> None:
    """An exclude entry matching no column, where a column is spelt like it but for case, width,
    spaces or look-alike letters ('twf' beside 'TWF'): that column would stay a feature."""
    for pattern in exclude:
        alike = None if any(excluded(c, [pattern]) for c in columns) else alike_in(pattern, columns)
        if alike is not None:
            raise ConfigError(f"{shown(pattern)} matches no column; the table has {shown(alike)} (the names differ in case, "
                              "width, spaces or look-alike letters); expected column names or glob patterns", param="exclude")


def numeric_columns(frame: pl.DataFrame, exclude: list[str]) -> list[str]:
    """Numeric columns that no entry of ``exclude`` names (excluded)."""
    return [c for c, dtype in frame.schema.items() if (dtype.is_numeric() or dtype == pl.Boolean) and not excluded(c, exclude)]


def refuse_non_numbers(frame: pl.DataFrame, exclude: list[str], taken: set[str], where: str, cases: bool) -> None:
    """A column that is no key, label or category, matching no ``exclude`` pattern, and holds no
    numbers or booleans, is refused: it would silently not be a feature. Text is usually numbers
    that did not read as numbers (``NA``, ``1,234.5``, decimal commas); a parquet file may also
    hold enums, dates, durations, lists, structs or bytes, which no model reads as they are. ``cases``: a
    case table (risk.split=cv), which takes no time column."""
    for column, dtype in frame.schema.items():
        if dtype.is_numeric() or dtype == pl.Boolean or column in taken or excluded(column, exclude):
            continue
        values = frame[column].cast(pl.String) if dtype in (pl.String, pl.Categorical, pl.Enum, pl.Null) else None
        as_time = "" if cases else f", or risk.time.column={column} (rows are in file order without it)"  # cv takes no time column
        if values is None:
            hint = as_time if dtype in (pl.Date, pl.Datetime) else ""
            raise DataError(f"{where}: column {column!r} holds {dtype} values, which are no feature; expected numbers, or the "
                            f"column in risk.features.exclude (not a feature){hint}")
        if values.null_count() == values.len():  # a CSV column without any value reads as text
            raise empty_column(where, column)
        text = values.filter(values.cast(pl.Float64, strict=False).is_null() & values.is_not_null())
        if text.len() and _written_dates(values.drop_nulls()):  # a csv's timestamps are text: one-hot encoding them was offered
            raise DataError(f"{where}: column {column!r} holds dates or times as text (e.g. {text[0]!r}), which are no feature; "
                            f"expected the column in risk.features.exclude (not a feature){as_time}")
        # every value a number: a parquet column typed as text (a csv reads such a column as numbers), or an
        # ARFF nominal {1,2,3}; 'holds text (e.g. '1')' read as a contradiction
        what = f"text (e.g. {text[0]!r})" if text.len() else f"numbers stored as text (e.g. {values.drop_nulls()[0]!r}, type {dtype})"
        raise DataError(f"{where}: column {column!r} holds {what}; expected numbers (an empty cell: missing; a number type "
                        "in a parquet file), or the column in risk.input.categorical (one-hot) or risk.features.exclude (not a feature)")


def _written_dates(values: pl.Series) -> bool:
    """Whether every one of the text ``values`` is a date or a timestamp as a time column reads them."""
    from minectl.features.series import dates_of

    try:
        return dates_of(values, "") is not None
    except DataError:  # 01/03/2021: dates read day or month first alike, said so once they are the time column
        return True


def empty_column(where: str, column: str, rows: int = 0) -> DataError:
    """A feature column without a value; ``rows``: the rows of a column with one value among them."""
    found = f"a value in only 1 of {rows} rows (filled, one value is a constant)" if rows else "no value in any row"
    return DataError(f"{where}: column {column!r} has {found}; expected numbers, or the column in "
                     "risk.features.exclude (not a feature)")
