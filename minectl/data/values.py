"""The values of single-file inputs (series, sample tables, simulator runs; docs/data-contract.md).

Numbers must be numbers and finite; a missing value (an empty cell) is refused unless the
task's drop key says to drop the incomplete rows, which the task then counts and reports.
Rows count from 1 after the header, in the file's order.
"""

from __future__ import annotations

import math
import sys
import unicodedata

import numpy as np
import polars as pl

from minectl.data.contract import check_finite
from minectl.errors import DataError

SQUARE_LIMIT = math.sqrt(sys.float_info.max)  # about 1.34e154: a larger value's square is inf


def constant_up_to_rounding(x: np.ndarray, axis: int | None = None) -> np.ndarray | bool:
    """Whether the values (per ``axis``) spread no more than the n x eps relative error that n
    values' arithmetic leaves: a fixed price as cost / quantity varies by 2e-16, the log returns of
    a price doubling each month by 1e-16; a fit or a z-score of that spread ranks noise."""
    x = np.asarray(x, dtype=float)
    n = x.size if axis is None else x.shape[axis]
    return np.ptp(x, axis=axis) <= n * np.finfo(float).eps * np.abs(x).max(axis=axis)


def numeric(frame: pl.DataFrame, column: str, where: str) -> pl.Series:
    """``frame[column]`` as Float64; text, inf, NaN, sums that overflow and values whose squares
    overflow refused (nulls stay: missing values)."""
    raw = frame[column]
    if raw.dtype == pl.Boolean:  # a flag column named in place of a measurement read as 0/1 and gave a figure
        raise DataError(f"{where}: column '{column}' holds true/false values; expected numbers (a yes/no factor as 1/0)")
    if not (raw.dtype.is_numeric() or raw.dtype in (pl.String, pl.Null)):  # lists, dates: no cast to read
        raise DataError(f"{where}: column '{column}' holds {raw.dtype} values; expected numbers")
    values = raw.cast(pl.Float64, strict=False)
    text = values.is_null() & raw.is_not_null()
    if text.any():
        _refuse_export_forms(raw, text.arg_true(), column, where)
        first = int(text.arg_true()[0])
        raise DataError(
            f"{where}: column '{column}' has {int(text.sum())} values that are not numbers (first at row {first + 1}: "
            f"{raw[first]!r}); expected numbers"
        )
    check_finite(values.to_frame().lazy(), column, int((~values.is_finite()).sum()), values.sum(), where)  # nulls: not counted
    huge = values.abs() > SQUARE_LIMIT
    if huge.any():
        first = int(huge.arg_true()[0])
        raise DataError(
            f"{where}: column '{column}' has {int(huge.sum())} values too large to analyse (first at row {first + 1}: {values[first]:g}); "
            f"expected |values| below {SQUARE_LIMIT:.3g} (variances and least squares square them)"
        )
    return values


# dashes a text copied from a report or a web page writes for a minus sign: U+2212 MINUS SIGN, en dash, figure dash
DASHES = "\u2212\u2013\u2012"
# a negative as accounting formats write it: in parentheses ((1,200), Excel's) or with a trailing minus (1200-, SAP's)
ACCOUNTING_NEGATIVE = r"^\(\s*\d[\d.,]*\s*\)$|^\d[\d.,]*-$"


def _refuse_export_forms(raw: pl.Series, unread: pl.Series, column: str, where: str) -> None:
    """What spreadsheets and exports write in a number column instead of numbers, refused saying
    what to convert it to: a units row under the header, percentages, a minus sign other than "-", accounting
    negatives, thousands commas."""
    from minectl.data.sources import GROUPED_THOUSANDS

    text = raw.cast(pl.String).str.strip_chars()
    shown, first = text.gather(unread), f"first at row {unread[0] + 1}: {raw[unread[0]]!r}"
    if unread.len() == 1 and unread[0] == 0 and text.len() > 2:
        raise DataError(f"{where}: column '{column}' row 1 is {raw[0]!r} and every other row a number: a units row under the "
                        "header? expected numbers in every row (delete that row)")
    if shown.str.strip_suffix("%").cast(pl.Float64, strict=False).is_not_null().all():
        raise DataError(f"{where}: column '{column}' has {unread.len()} percentages ({first}); expected numbers without '%' "
                        "(85.2 for percent, or 0.852 as a fraction)")
    dashed = shown.str.contains(rf"^[{DASHES}]\d")
    if dashed.any():  # '−12.5' prints as a number in the line that refuses it
        row = int(unread.filter(dashed)[0])
        dash = text[row][0]
        raise DataError(f"{where}: column '{column}' has {int(dashed.sum())} numbers whose minus sign is U+{ord(dash):04X} "
                        f"{unicodedata.name(dash)} (first at row {row + 1}: {raw[row]!r}); expected the minus sign '-' (U+002D, "
                        "as a keyboard types it)")
    if shown.str.contains(ACCOUNTING_NEGATIVE).all():  # said only "not numbers", as if the figure were a note
        raise DataError(f"{where}: column '{column}' has {unread.len()} negatives written as accounts write them ({first}); "
                        "expected a leading minus sign (-1200 for (1,200) or 1200-)")
    if shown.str.contains(GROUPED_THOUSANDS).all():  # 1,320 is 1320 or 1.32: read_file reads it only beside a 1,320.5 or 1,000,000
        raise DataError(f"{where}: column '{column}' has {unread.len()} numbers written with commas ({first}); expected plain "
                        "numbers: no thousands separators (1000000) and a decimal point (1320.5)")


# a label cell of a row that sums or averages the rows above it, as spreadsheets write them
SUMMARY_LABELS = ("total", "totals", "grand total", "subtotal", "sum", "mean", "average", "avg", "ave", "summe", "gesamt", "mittelwert",
                  "moyenne", "promedio", "totale", "média", "итого", "среднее", "合计", "总计", "小计", "平均", "平均值")
# a label alone, abbreviated ('Ave.', 'Total:', '合计：'), or with a year or the words of a summary ('Total 2024',
# 'Mean value', 'Average of all runs'); not with other words: 'Total Station 2' is a surveying instrument
_SUMMARY_LABEL = rf"^(?:{'|'.join(SUMMARY_LABELS)})[.:：]?(?:\s+(?:\d{{4}}|(?:value|values|of|for|all)\b.*))?$"


def serial_day_hint(column: pl.Series) -> str:
    """What numbers in a date column most often are: a spreadsheet's day numbers (45000 is 2023-03-15),
    saved from cells formatted as numbers; those of 1950 to 2099 (years and YYYYMM lie outside)."""
    if column.dtype.is_numeric() and column.min() is not None and 18_264 <= column.min() <= column.max() <= 73_050:
        return " (spreadsheet day numbers? format the column as dates before saving)"
    return ""


def check_no_summary_row(frame: pl.DataFrame, columns: list[str], where: str) -> None:
    """Refuse a row with a value in ``columns`` labelled a total or a mean in a text column: read
    as one more period, failure or run, it joined the data unsaid (a failure log's `Total,297` row
    made the MTBF 66.0 h, not 297 / 8 = 37.1)."""
    labels = [name for name, dtype in frame.schema.items() if dtype == pl.String and name not in columns]
    if not labels:
        return
    cells = {name: pl.col(name).str.strip_chars().str.to_lowercase().str.contains(_SUMMARY_LABEL) for name in labels}
    marked = frame.select(pl.any_horizontal(*cells.values()) & pl.any_horizontal(pl.col(columns).is_not_null())).to_series()
    if marked.any():
        row = int(marked.arg_true()[0])
        name = next(name for name in labels if frame.select(cells[name]).to_series()[row])
        raise DataError(f"{where}: row {row + 1} is labelled {frame[name][row]!r} (column '{name}'): a total or mean of the rows, read "
                        "as one more value; expected one row per period or event (delete that row)")


def _rounding(value: float) -> float:
    """Half the last decimal place ``value`` shows (0.005 for 37.13, 0.5 for 2264): how far a
    spreadsheet's rounded sum or mean may lie from the exact one."""
    for decimals in range(10):
        scaled = value * 10**decimals
        if abs(scaled - round(scaled)) <= 1e-9 * max(abs(scaled), 1.0):
            return 0.5 * 10.0**-decimals
    return 1e-9 * abs(value)


def _summary_kind(value: float, above: np.ndarray) -> str | None:
    """'sum' or 'mean' where ``value`` is the sum or the mean of ``above`` (a column's values above
    it) as written, else None. A sum adds values of one sign; a mean is only told apart by the
    decimals it shows (an integer near the mean of integers is an ordinary value)."""
    if above.size < 3:
        return None
    total, mean, shown = above.sum(), above.mean(), _rounding(value)
    if total != 0 and ((above >= 0).all() or (above <= 0).all()) and abs(value - total) <= max(shown, 1e-9 * abs(total)):
        return "sum"
    exact_mean = abs(mean - round(mean)) <= 1e-9 * max(abs(mean), 1.0)
    if np.ptp(above) > 0 and (shown < 0.5 or exact_mean) and abs(value - mean) <= max(shown, 1e-9 * abs(mean)):
        return "mean"
    return None


def _summary_cells(last: np.ndarray, above: np.ndarray) -> list[tuple[int, str]] | None:
    """(column, 'sum' or 'mean') of each filled cell of ``last`` when all are sums or means of the
    rows ``above`` (rows x columns, NaN for empty cells), else None. A lone filled cell is a total
    only when it adds at least 5 rows and stands 4 times above the largest (a count series' 1, 0,
    2, 1 then 4 is data); a lone mean is a value near the mean."""
    filled = np.flatnonzero(~np.isnan(last))
    lone, cells = filled.size == 1, []
    for j in filled:
        column = above[:, j][~np.isnan(above[:, j])]
        kind = _summary_kind(last[j], column)
        far_above = column.size >= (5 if lone else 3) and abs(last[j]) >= (4 if lone else 2) * np.abs(column).max()
        if kind is None or (kind == "sum" and not far_above):
            return None
        cells.append((int(j), kind))
    return cells if cells and (not lone or cells[0][1] == "sum") else None


def check_no_total_row(table: pl.DataFrame, where: str, rows: pl.Series | None = None) -> None:
    """Refuse a last row (or last two) that holds the sums or means of the rows above it in every
    cell it fills: a spreadsheet's summary row without a label (check_no_summary_row refuses the
    labelled ones), read as one more period or run. A machine's 50 times between failures and
    their total below them gave an MTBF of 88.8 h, not 45.3. ``table``: numeric columns, nulls for
    empty cells; ``rows``: each row's 0-based row in the file (default: its position)."""
    values = table.to_numpy().astype(float)
    filled = np.flatnonzero(~np.isnan(values).all(axis=1))
    for count in (1, 2):  # 'Total' then 'Mean', each of the rows above both
        if filled.size <= count:
            return
        above = values[filled[:-count]]
        found = [_summary_cells(values[row], above) for row in filled[-count:]]
        if all(found):
            first = filled[-count]
            row = int(first) if rows is None else int(rows[int(first)])
            cells = ", ".join(f"'{table.columns[j]}' {values[first][j]:g} is the {kind}" for j, kind in found[0])
            raise DataError(f"{where}: row {row + 1} is a summary row without a label ({cells} of the {above.shape[0]} rows above it), "
                            "read as one more value; expected one row per period or run (delete that row)")


def column_telling_apart(rows: pl.DataFrame, skip: tuple[str, ...]) -> str | None:
    """The first column but ``skip`` that is no float measurement and holds a distinct value in
    each of ``rows`` (the rows of one time): a machine, unit or origin of several series in one
    file, else None. Text first: an integer column is as often a count (failures) as a unit's number."""
    found = [c for c, dtype in rows.schema.items() if c not in skip and not dtype.is_float() and rows[c].n_unique() == rows.height]
    return next((c for c in found if rows.schema[c] in (pl.String, pl.Categorical, pl.Enum)), found[0] if found else None)


def complete_rows(frame: pl.DataFrame, columns: list[str], where: str, drop: bool, key: str) -> tuple[pl.DataFrame, int]:
    """The numeric ``columns`` of the rows that have a value in each; a row missing one is
    refused unless ``drop`` (the config ``key``); returns the rows and how many were dropped."""
    values = pl.DataFrame([numeric(frame, c, where) for c in columns])
    check_no_total_row(values, where)
    incomplete = values.select(pl.any_horizontal(pl.all().is_null())).to_series()
    count = int(incomplete.sum())
    if count and not drop:
        first = int(incomplete.arg_true()[0])
        column = next(c for c in columns if values[c][first] is None)
        raise DataError(
            f"{where}: {count} rows lack a value (first: column '{column}' at row {first + 1}); "
            f"expected a value in every row, or {key}=true to drop incomplete rows"
        )
    return values.filter(~incomplete), count


def series_gaps(values: pl.Series, where: str, drop: bool, key: str | None, rows: pl.Series | None = None) -> tuple[pl.Series, int]:
    """A series from its first to its last value (empty cells before and after: not yet or no
    longer quoted); an empty cell between them is a gap, refused unless ``drop``. Returns the
    series with gaps as NaN (so that a return across a gap is NaN too) and the gap count.
    ``key``: the config key that drops gaps (None: none does); ``rows``: each value's 0-based
    row in the file (default: its position)."""
    quoted = values.is_not_null().arg_true()
    if quoted.len() == 0:
        raise DataError(f"{where}: column '{values.name}' has no values; expected numbers")
    check_no_total_row(values.to_frame(), where, rows)
    series = values.slice(quoted[0], quoted[-1] - quoted[0] + 1)
    gaps = series.null_count()
    if gaps and not drop:
        first = int(quoted[0]) + int(series.is_null().arg_true()[0])
        first = first if rows is None else int(rows[first])
        raise DataError(
            f"{where}: column '{values.name}' has {gaps} empty values inside the series (first at row {first + 1}); "
            f"expected a value in every row between the first and the last" + (f", or {key}=true to drop them" if key else "")
        )
    return series.fill_null(float("nan")), gaps


def repeated_key(frame: pl.DataFrame, keys: list[str]) -> dict | None:
    """The ``keys`` of the first row (in file order) whose values another row repeats, by name (a
    day or a date given twice: a table appended twice); None when every row's are its own."""
    rows = frame.select(keys)
    repeated = rows.is_duplicated()
    return rows.row(int(repeated.arg_true()[0]), named=True) if repeated.any() else None
