"""Hourly -> daily resampling (data contract: sums for quantities, means for sensor readings).

``metered_daily`` is the scalable path for metered consumption (tens of millions of hourly
rows). One streaming pass over the source keeps, per batch, the daily sums of the valid
readings, the missing-reading counts and the (few) missing readings with the rows next to
them in file order: where a series' rows are contiguous in the file, as meters export them,
those rows hold the eq 3 neighbours of every missing reading (other neighbours are looked
up by a join). Run and day boundaries are found on the batch's arrays, so the string keys are
compared row to row, never hashed. Eq 3 is then applied to the sparse subset. The result
equals interpolating every hour and then summing, without holding the hourly table in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import polars as pl
import pyarrow as pa

from minectl.data.views import arrow_table, buffer, key_period, string_views
from minectl.errors import DataError
from minectl.features.impute import fill_linear
from minectl.features.series import rising_runs

_UNITS_PER_DAY = {"ns": 86_400_000_000_000, "us": 86_400_000_000, "ms": 86_400_000}
_INLINE = 12  # Arrow string views hold strings of up to 12 bytes whole (else a prefix and a buffer offset)
_DAY_OFFSET = 2**31  # days since 1970 + offset >= 0: packs (series id, day) into one int64 key


@dataclass(frozen=True)
class FillCounts:
    """How many hourly readings were missing, filled by interpolation, or left missing."""

    missing: int
    interpolated: int

    @property
    def unfilled(self) -> int:
        return self.missing - self.interpolated


def resample_daily(
    frame: pl.LazyFrame | pl.DataFrame,
    *,
    by: Sequence[str],
    time_col: str = "timestamp",
    sums: Sequence[str] = (),
    means: Sequence[str] = (),
) -> pl.LazyFrame:
    """Aggregate an hourly frame to days: ``sums`` are summed, ``means`` averaged.

    A day on which a column has no valid value gets null (not 0): missing stays visible.
    """
    def daily(column: str, how: str) -> pl.Expr:
        agg = pl.col(column).sum() if how == "sum" else pl.col(column).mean()
        return pl.when(pl.col(column).is_not_null().any()).then(agg).alias(column)

    aggs = [daily(c, "sum") for c in sums] + [daily(c, "mean") for c in means]
    day = pl.col(time_col).dt.date().alias("date")
    # in memory: the streaming engine's group sums vary in the last bit between runs
    return frame.lazy().group_by(day, *by).agg(aggs).sort(["date", *by]).collect(engine="in-memory").lazy()


def metered_daily(
    hourly: pl.LazyFrame,
    *,
    by: Sequence[str],
    value: str = "quantity",
    time_col: str = "timestamp",
    limit: int | None = None,
    step: timedelta = timedelta(hours=1),
    batch_rows: int | None = None,
    prepare_keys: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, FillCounts]:
    """Daily sums of an hourly metered series after eq 3 gap filling (at most ``limit`` rows).

    ``hourly`` must hold one row per ``step`` and series (a missing reading is a null or NaN,
    not an absent row: data contract). A day with a reading that stays missing gets a null
    sum (the daily mean imputation downstream fills and counts it). Returns (frame with
    ``date``, ``by``, ``value``: rows grouped by series in order of appearance, dates
    ascending; counts). ``batch_rows``: rows per streamed batch (None: the source's own,
    e.g. a parquet row group). ``prepare_keys``: applied to the distinct series (one row each,
    the ``by`` columns) before their keys are spread over the days, e.g. to check names and
    cast them to Enums once per series instead of once per row. Sums run in file order: the
    same file gives the same bits. Series that are no hourly use are refused: totals of a longer
    period in some hours (_refuse_coarse), a day's total in each of its hours or a register's
    readings (_refuse_day_patterns).
    """
    keys = list(by)
    if not keys:
        raise ValueError("by: expected at least one series key column")
    scan = _scan_meters(hourly, keys, value, time_col, batch_rows)
    total, n_filled = scan.observed.copy(), np.zeros(scan.day_key.size, dtype=np.int64)
    n_missing = int(scan.missing.sum())
    if n_missing:
        series, times, readings = _with_neighbours(hourly, scan, keys, value, time_col, step)
        _refuse_coarse(scan, series, times, readings, _step_units(step, scan.time_type))
        readings, filled = fill_linear(series, times, readings, limit)
        row = np.searchsorted(scan.day_key, _day_key(series[filled], _days(times[filled], scan.time_type)))
        total += np.bincount(row, readings[filled], minlength=total.size)  # summed in row order: the same bits every run
        n_filled = np.bincount(row, minlength=total.size)
    _refuse_day_patterns(scan)
    series = scan.series.select(keys)
    daily = (series if prepare_keys is None else prepare_keys(series))[scan.day_key >> 32].select(
        pl.Series("date", (scan.day_key & 0xFFFFFFFF) - _DAY_OFFSET).cast(pl.Int32).cast(pl.Date),
        *keys,
        pl.Series(value, np.where(scan.missing == n_filled, total, np.nan)).fill_nan(None),
    )
    return daily, FillCounts(missing=n_missing, interpolated=int(n_filled.sum()))


def _day_key(series: np.ndarray, day: np.ndarray) -> np.ndarray:
    """(series id, days since 1970) packed into one sortable int64."""
    return (series.astype(np.int64) << 32) | (day.astype(np.int64) + _DAY_OFFSET)


@dataclass(frozen=True)
class _MeterScan:
    """What one pass over the hourly rows keeps (ids number the series 0.. in order of appearance;
    times are the time column's physical integers)."""

    time_type: pl.Datetime
    series: pl.DataFrame  # the key columns and the series id ``_id`` (UInt32), one row per id
    day_key: np.ndarray  # sorted (series id, day) keys of the days with readings, see ``_day_key``
    observed: np.ndarray  # per day key: sum of the valid readings
    missing: np.ndarray  # per day key: count of the missing readings
    low: np.ndarray  # per day key: least valid reading (inf: none)
    high: np.ndarray  # per day key: greatest valid reading (-inf: none)
    first: np.ndarray  # per series id: first time
    last: np.ndarray  # per series id: last time
    near_series: np.ndarray  # missing readings and the rows next to them in file order: series id,
    near_time: np.ndarray  # time,
    near_value: np.ndarray  # and reading (NaN: missing)


def _days(times: np.ndarray, time_type: pl.Datetime) -> np.ndarray:
    """Days since 1970 of physical times (local dates for a zoned type)."""
    if time_type.time_zone is None:
        return times // _UNITS_PER_DAY[time_type.time_unit]
    return pl.Series(times).cast(time_type).dt.date().to_physical().to_numpy().astype(np.int64)


def _scan_meters(hourly: pl.LazyFrame, keys: list[str], value: str, time_col: str, batch_rows: int | None) -> _MeterScan:
    """One streaming pass. Each batch is read through its Arrow buffers (zero-copy): a key
    changes where its 16-byte string view changes (equal views are equal strings; equal
    strings with different views only split a run, which maps to the same series id)."""
    schema = hourly.collect_schema()
    time_type = schema[time_col]
    ids: dict[tuple, int] = {}
    day_keys, sums, missing_counts, lows, highs, run_keys, firsts, lasts = [], [], [], [], [], [], [], []
    near = _Neighbours()
    types = {k: pl.String for k in keys} | {time_col: time_type, value: pl.Float64}
    # the source's column order: a reordering select costs the streaming reader ~100 MB more
    query = hourly.select(pl.col(c) if schema[c] == types[c] else pl.col(c).cast(types[c]) for c in schema if c in types)
    for batch in query.collect_batches(chunk_size=batch_rows):
        n = batch.height
        if n == 0:
            continue
        table = arrow_table(batch)
        columns = [string_views(table.column(k).chunk(0)) for k in keys]
        differs = np.zeros((n - 1, 2), dtype=bool)  # per row and view word: differs from the row before in a key
        for k, column in zip(keys, columns, strict=True):
            if column.null_count:
                raise DataError(f"consumption_hourly: {column.null_count} rows without a {k}; expected a value in every row")
            views = buffer(column, np.uint64, width=2)
            np.logical_or(differs, views[1:] != views[:-1], out=differs)
        changed = np.ones(n, dtype=bool)
        changed[1:] = differs.view(np.uint16)[:, 0] != 0  # either word differs
        starts = np.flatnonzero(changed)
        run_ids, period = _series_ids(columns, starts, ids)
        row_ids = run_ids if run_ids.size == n else np.repeat(run_ids, np.diff(np.append(starts, n)))

        times = buffer(table.column(time_col).chunk(0), np.int64)
        readings = table.column(value).chunk(0)
        values = buffer(readings, np.float64)
        is_missing = _invalid(readings) | np.isnan(values)  # NaN reads as missing too
        missing = np.flatnonzero(is_missing)
        observed = values.copy()
        observed[missing] = 0.0
        low, high = observed, observed
        if missing.size:  # a missing reading is no day's least or greatest
            low, high = values.copy(), values.copy()
            low[missing], high[missing] = np.inf, -np.inf
        cycled = None if period is None else _cycle_reduce(run_ids[:period], times, time_type, observed, is_missing, low, high)
        if cycled is not None:
            key, (total, count, least, most, first, last), by_series = cycled
        else:
            day = _days(times, time_type)
            edge = changed.copy()
            edge[1:] |= day[1:] != day[:-1]
            segments = np.flatnonzero(edge)  # first row of each run of (series, day)
            by_series = np.arange(n) if (row_ids[1:] >= row_ids[:-1]).all() else _stable_order(row_ids)
            key, (total, count, least, most, first, last) = _reduce_by_key(
                _day_key(row_ids[segments], day[segments]),
                (np.add, np.add, np.minimum, np.maximum, np.minimum, np.maximum),
                np.add.reduceat(observed, segments),
                np.bincount(np.searchsorted(segments, missing, side="right") - 1, minlength=segments.size),
                np.minimum.reduceat(low, segments),
                np.maximum.reduceat(high, segments),
                np.minimum.reduceat(times, segments),
                np.maximum.reduceat(times, segments),
                order=by_series if segments.size == n else None,  # rows in time order in each series: sorted by key too
            )
        run_id, (first, last) = _reduce_by_key(key >> 32, (np.minimum, np.maximum), first, last)  # keys sorted: no sort
        run_keys.append(run_id), firsts.append(first), lasts.append(last)
        if day_keys and day_keys[-1][-1] == key[0]:  # a day split between batches: kept as one entry
            sums[-1][-1] += total[0]
            missing_counts[-1][-1] += count[0]
            lows[-1][-1], highs[-1][-1] = min(lows[-1][-1], least[0]), max(highs[-1][-1], most[0])
            key, total, count, least, most = key[1:], total[1:], count[1:], least[1:], most[1:]
        if key.size:
            day_keys.append(key), sums.append(total), missing_counts.append(count), lows.append(least), highs.append(most)
        near.add(row_ids, by_series, times, values, is_missing)
    if not ids:
        raise DataError("consumption_hourly: no rows; expected hourly readings")
    key, (total, count, low, high) = _reduce_by_key(np.concatenate(day_keys), (np.add, np.add, np.minimum, np.maximum),
                                                    *map(np.concatenate, (sums, missing_counts, lows, highs)))
    run_id, (first, last) = _reduce_by_key(
        np.concatenate(run_keys), (np.minimum, np.maximum), np.concatenate(firsts), np.concatenate(lasts)
    )
    return _MeterScan(
        time_type=time_type,
        series=pl.DataFrame(list(ids), schema={k: pl.String for k in keys}, orient="row").select(
            *(pl.col(k).cast(schema[k]) for k in keys), _id=pl.int_range(len(ids), dtype=pl.UInt32)
        ),
        day_key=key,
        observed=total,
        missing=count,
        low=low,
        high=high,
        first=first,
        last=last,
        near_series=np.concatenate(near.series),
        near_time=np.concatenate(near.times),
        near_value=np.concatenate(near.values),
    )


class _Neighbours:
    """The missing readings and the rows next to them in their own series (the eq 3 neighbours,
    wherever the file puts them), batch by batch; each series' last row so far is carried
    over to the next batch."""

    def __init__(self) -> None:
        self.series: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        self.times: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        self.values: list[np.ndarray] = [np.zeros(0)]
        self.tail: dict[int, tuple[int, float, bool, bool]] = {}  # series id -> its last row: time, value, missing?, kept?

    def add(self, series: np.ndarray, order: np.ndarray, times: np.ndarray, values: np.ndarray, is_missing: np.ndarray) -> None:
        """One batch: the series id, time, reading and missing flag of each row, and the rows
        in a stable order by series."""
        n = series.size
        ordered = series[order]
        first = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))  # each series' first position
        last = np.append(first[1:], n) - 1
        keep = is_missing.copy()
        missing = np.flatnonzero(is_missing)
        if missing.size:
            position = np.empty(n, dtype=np.int64)
            position[order] = np.arange(n)
            for step in (-1, 1):  # the rows before and after each missing one in its series
                other = position[missing] + step
                inside = (other >= 0) & (other < n)
                other = other[inside]
                keep[order[other[ordered[other] == series[missing[inside]]]]] = True
        carried = []
        for sid, head, tail_row in zip(ordered[first].tolist(), order[first].tolist(), order[last].tolist(), strict=True):
            before = self.tail.get(sid)
            if before is not None:
                if before[2]:  # the series' row before this batch is missing: this one follows it
                    keep[head] = True
                if is_missing[head] and not before[3]:  # and the other way round
                    carried.append((sid, *before[:2]))
            value = np.nan if is_missing[tail_row] else float(values[tail_row])
            self.tail[sid] = (int(times[tail_row]), value, bool(is_missing[tail_row]), bool(keep[tail_row]))
        rows = np.flatnonzero(keep)
        if carried:
            sid, time, value = zip(*carried, strict=True)
            self.series.append(np.array(sid, dtype=np.int64)), self.times.append(np.array(time, dtype=np.int64))
            self.values.append(np.array(value, dtype=np.float64))
        self.series.append(series[rows]), self.times.append(times[rows])
        self.values.append(np.where(is_missing[rows], np.nan, values[rows]))


def _invalid(array: pa.Array) -> np.ndarray:
    """Boolean mask of the null rows of an Arrow array."""
    if array.null_count == 0:
        return np.zeros(len(array), dtype=bool)
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + len(array)] == 0


def _series_ids(columns: list[pa.Array], starts: np.ndarray, ids: dict[tuple, int]) -> tuple[np.ndarray, int | None]:
    """Series id of the key tuple at each run start (new keys get the next ids), and the period of
    a batch whose rows cycle through the same series (None for other batches)."""
    if starts.size <= 256:  # series-contiguous files: a few runs per batch
        runs = zip(*([column[int(i)].as_py() for i in starts] for column in columns), strict=True)
        return np.array([ids.setdefault(run, len(ids)) for run in runs], dtype=np.int64), None
    views = [buffer(column, np.uint64, width=2) for column in columns]
    if starts.size == len(columns[0]) and (period := key_period(views)):  # timestamp-major exports: one row per series in turn
        first = [ids.setdefault(tuple(column[i].as_py() for column in columns), len(ids)) for i in range(period)]
        return np.tile(np.array(first, dtype=np.int64), -(-starts.size // period))[: starts.size], period
    views = np.concatenate(views, axis=1)
    views = views if starts.size == len(columns[0]) else views[starts]
    if ((views[:, ::2] & 0xFFFFFFFF) <= _INLINE).all():  # interleaved rows of short names: their views are the names
        digest = views[:, 0].copy()
        for word in range(1, views.shape[1]):
            digest = digest * np.uint64(0x9E3779B97F4A7C15) + views[:, word]
        appearing = pl.Series(digest).unique(maintain_order=True).to_numpy()  # few: hashed, not sorted
        by_value = np.argsort(appearing)
        which = by_value[np.searchsorted(appearing[by_value], digest)]  # each row's digest, by order of appearance
        first = np.empty(appearing.size, dtype=np.int64)
        first[which[::-1]] = np.arange(which.size)[::-1]  # the first row of each digest (the last write wins)
        if (views[first][which] == views).all():  # no two names share a digest
            named = [ids.setdefault(tuple(column[int(starts[i])].as_py() for column in columns), len(ids)) for i in first]
            return np.array(named, dtype=np.int64)[which], None
    runs = pl.DataFrame([pl.Series(str(i), column).gather(starts) for i, column in enumerate(columns)])  # long names
    for row in runs.unique(maintain_order=True).iter_rows():
        ids.setdefault(row, len(ids))
    table = pl.DataFrame(list(ids), schema=runs.schema, orient="row").with_row_index("_id")
    return runs.join(table, on=runs.columns, how="left", maintain_order="left")["_id"].to_numpy().astype(np.int64), None


def _cycle_reduce(
    place_ids: np.ndarray, times: np.ndarray, time_type: pl.Datetime, observed: np.ndarray, is_missing: np.ndarray,
    low: np.ndarray, high: np.ndarray,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray] | None:
    """``_reduce_by_key``'s per-(series, day) sums, missing counts, least and greatest readings, first
    and last times of a batch whose rows cycle through the series ``place_ids``, one row each per
    cycle, all at the cycle's time (a timestamp-major export), and the rows' stable order by series; None for any other
    batch. Reduced on the batch as a (cycle, series) matrix, without sorting its rows: numpy's
    pairwise sum of a column's strided rows gives the bits of the same rows made contiguous."""
    period = place_ids.size
    cycles = times.size // period
    if cycles * period != times.size or np.unique(place_ids).size < period:  # a part cycle, or a series twice in one
        return None
    at = times.reshape(cycles, period)
    cycle_time = at[:, 0]
    day = _days(cycle_time, time_type)
    if not (at == cycle_time[:, None]).all() or (day[1:] < day[:-1]).any():
        return None
    segments = np.flatnonzero(np.concatenate([[True], day[1:] != day[:-1]]))  # each day's first cycle
    by_id = np.argsort(place_ids)

    def per_series_day(x: np.ndarray, ufunc: np.ufunc = np.add, **dtype: type) -> np.ndarray:
        return ufunc.reduceat(x.reshape(cycles, period), segments, axis=0, **dtype)[:, by_id].T.ravel()

    key = _day_key(np.repeat(place_ids[by_id], segments.size), np.tile(day[segments], period))
    reduced = [per_series_day(observed), per_series_day(is_missing, dtype=np.int64),
               per_series_day(low, np.minimum), per_series_day(high, np.maximum),
               np.tile(np.minimum.reduceat(cycle_time, segments), period), np.tile(np.maximum.reduceat(cycle_time, segments), period)]
    return key, reduced, np.arange(times.size).reshape(cycles, period)[:, by_id].T.ravel()


def _reduce_by_key(key: np.ndarray, ufuncs, *values: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sorted unique keys and each value reduced per key (``ufuncs``: one, or one per value),
    in the input's order within a key (stable sort), so the result is the same every run.
    ``order``: a stable order of the rows by a prefix of the key, used when it sorts the keys."""
    ufuncs = ufuncs if isinstance(ufuncs, tuple) else (ufuncs,) * len(values)
    if (key[1:] > key[:-1]).all():  # series-contiguous files: every key once, in order already
        return key, list(values)
    if not (key[1:] >= key[:-1]).all():
        if order is None or not ((ordered := key[order])[1:] >= ordered[:-1]).all():
            order = _stable_order(key)
        key, values = key[order], [v[order] for v in values]
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    return key[first], [ufunc.reduceat(v, first) for ufunc, v in zip(ufuncs, values, strict=True)]


def _stable_order(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` of non-negative (series, day) keys (or plain series ids):
    through dense 16-bit codes when a batch's few series and days allow them (a radix sort, 10x faster)."""
    series, day = key >> 32, key & 0xFFFFFFFF
    days = int(day.max() - day.min()) + 1
    if (int(series.max() - series.min()) + 1) * days <= 1 << 16:
        return np.argsort(((series - series.min()) * days + day - day.min()).astype(np.uint16), kind="stable")
    return np.argsort(key, kind="stable")


def _with_neighbours(
    hourly: pl.LazyFrame, scan: _MeterScan, keys: list[str], value: str, time_col: str, step: timedelta
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(series id, time, reading) of the scan's rows near missing readings, sorted by series
    and time, plus the eq 3 neighbours they lack (series split across batches in an order
    other than series-contiguous), looked up by a join over the source."""
    series, times, readings = _sorted_rows(scan.near_series, scan.near_time, scan.near_value)
    step_units = _step_units(step, scan.time_type)
    adjacent = (series[1:] == series[:-1]) & (np.diff(times) == step_units)  # row i + 1 follows row i
    has_before, has_after = np.concatenate([[False], adjacent]), np.concatenate([adjacent, [False]])
    missing = np.isnan(readings)
    wanted_series = np.concatenate([series[missing & ~has_before], series[missing & ~has_after]])
    wanted_time = np.concatenate([times[missing & ~has_before] - step_units, times[missing & ~has_after] + step_units])
    exists = (scan.first[wanted_series] <= wanted_time) & (wanted_time <= scan.last[wanted_series])  # gapless series
    if not exists.any():
        return series, times, readings
    wanted = (
        pl.DataFrame({"_id": wanted_series[exists].astype(np.uint32), time_col: pl.Series(wanted_time[exists]).cast(scan.time_type)})
        .unique()
        .join(scan.series, on="_id")
    )
    looked_up = (
        hourly.select(*keys, time_col, pl.col(value).cast(pl.Float64))
        .join(wanted.lazy(), on=[*keys, time_col], how="inner")  # lower peak memory than "semi"
        .collect(engine="streaming")
    )
    return _sorted_rows(
        np.concatenate([series, looked_up["_id"].to_numpy()]),
        np.concatenate([times, looked_up[time_col].to_physical().to_numpy()]),
        np.concatenate([readings, looked_up[value].fill_null(np.nan).to_numpy()]),
    )


def _step_units(step: timedelta, time_type: pl.Datetime) -> int:
    """``step`` in the time column's physical units."""
    return int(pl.Series([step]).cast(pl.Duration(time_type.time_unit)).to_physical()[0])


def _refuse_coarse(scan: _MeterScan, series: np.ndarray, times: np.ndarray, readings: np.ndarray, step_units: int) -> None:
    """Refuse a series of three readings or more none of which is one step from another, at a
    regular spacing (each a multiple of the shortest): a meter of a longer period written on the
    hourly grid (a 4-hourly or daily total, the hours between empty), or use written in the hours
    that have some only (empty for 0). Eq 3 would fill the empty hours with the readings around
    them: each total counted again for every hour filled (4x a 4-hourly meter's energy), without a
    word. A failing meter's few readings at random hours are costed as before. ``series``,
    ``times``, ``readings``: _with_neighbours' rows, sorted, which hold every missing reading and
    its neighbours: a neighbour not among them is a reading."""
    given = ~np.isnan(readings)
    after = np.concatenate([[False], (series[1:] == series[:-1]) & (np.diff(times) == step_units)])  # row i follows row i - 1
    before = np.append(after[1:], False)
    # the next or previous hour holds a reading: a row of these that is one, or a row of the series not among them
    reading_before = np.where(after, np.roll(given, 1), times - step_units >= scan.first[series])
    reading_after = np.where(before, np.roll(given, -1), times + step_units <= scan.last[series])
    alone = np.bincount(series[given & ~reading_before & ~reading_after], minlength=scan.first.size)
    rows = (scan.last - scan.first) // step_units + 1  # gapless series (data contract)
    read = rows - np.bincount(scan.day_key >> 32, weights=scan.missing, minlength=rows.size).astype(np.int64)
    candidates = (read >= 3) & (alone == read)  # every reading of these is among the rows
    if not candidates.any():
        return
    kept = given & candidates[series]
    ids, at = series[kept], times[kept] // step_units
    same = ids[1:] == ids[:-1]
    spacing, of = (at[1:] - at[:-1])[same], ids[1:][same]
    shortest = np.full(rows.size, np.iinfo(np.int64).max)
    np.minimum.at(shortest, of, spacing)
    irregular = np.bincount(of, weights=spacing % shortest[of] != 0, minlength=rows.size)
    coarse = np.flatnonzero(candidates & (irregular == 0))
    if not coarse.size:
        return
    sid = coarse[0]
    spacings = np.unique(spacing[of == sid])
    every = f"{spacings[0]}" if spacings.size == 1 else f"{spacings[0]} to {spacings[-1]}"
    names = ", ".join(f"{k}={v}" for k, v in scan.series.row(int(sid), named=True).items() if k != "_id")
    raise DataError(
        f"consumption_hourly: {names} has {read[sid]} readings, none one hour from another (every {every} hours, "
        f"the hours between empty; {coarse.size} such series): the totals of a longer period on the hourly grid, or use written "
        "only in the hours that have some? expected a reading in every hour (an empty one is a missing reading, filled from "
        "the hours around it: each total would be counted again for every hour filled; 0 for an hour without use; totals of "
        "a day go in consumption_daily)"
    )


PATTERN_DAYS = 7  # days of readings of a series: enough to tell its days' pattern from a meter's hourly use


def _refuse_day_patterns(scan: _MeterScan) -> None:
    """Refuse a series of PATTERN_DAYS days with readings or more whose days' least and greatest
    readings (the scan's: no pass of its own) show no hourly use:
    - a daily total written in each of its hours (an export joining a daily value onto the hourly
      grid, its sum 24 times the day's use): every day of use without a missing reading has one
      reading in all its hours, another from one such day to the next more often than not. A constant
      load or a flat-rate meter (one reading every hour of every day in use, or changed now and then)
      is costed;
    - a register (a meter's running total exported as its use, each hour costing the total): every
      day's readings start at or above where the day before's ended, and rise on most days (an idle
      day's stay); or it falls back only as a register resets (a counter rolling over, a meter
      replaced), every run between two resets PATTERN_DAYS days or more (rising_runs). Real use
      falls back (overnight, at a shift change); a constant load, or one raised now and then, does
      not rise within its days."""
    read = scan.low <= scan.high  # days with a reading
    key, low, high, whole = scan.day_key[read], scan.low[read], scan.high[read], scan.missing[read] == 0
    whole &= high > 0  # a day without use has one reading in all its hours, whatever the meter
    series = key >> 32

    def per_series(of: np.ndarray) -> np.ndarray:
        return np.bincount(of, minlength=scan.first.size)

    days, rising = per_series(series), per_series(series[high > low])
    climbing = low[1:] >= high[:-1]  # a day's readings start at or above where the day before's ended
    register = np.flatnonzero(rising_runs(series, climbing, PATTERN_DAYS, days.size) & (2 * rising > days))
    wkey, wlow, wseries = key[whole], low[whole], series[whole]  # the days of use without a missing reading
    whole_days, varied = per_series(wseries), per_series(series[whole & (high > low)])
    changes = per_series(wseries[1:][(wseries[1:] == wseries[:-1]) & (wlow[1:] != wlow[:-1])])
    spread = np.flatnonzero((whole_days >= PATTERN_DAYS) & (varied == 0) & (2 * changes > whole_days - 1))

    def named(sid: int) -> str:
        return ", ".join(f"{k}={v}" for k, v in scan.series.row(sid, named=True).items() if k != "_id")

    def day(k: int) -> object:
        return pl.Series([(k & 0xFFFFFFFF) - _DAY_OFFSET]).cast(pl.Int32).cast(pl.Date)[0]

    if spread.size:
        sid = int(spread[0])
        shown = ", ".join(f"{wlow[i]:,.1f} on {day(wkey[i])}" for i in np.flatnonzero(wseries == sid)[:2])
        raise DataError(
            f"consumption_hourly: {named(sid)} has one reading in all the hours of each of its {whole_days[sid]} whole days of use, "
            f"another from one day to the next on {changes[sid]} of them ({shown}, ...; {spread.size} such series): a daily "
            "total written in each of its hours? its sum would cost 24 times the day's use; expected the use of each hour "
            "(totals of a day go in consumption_daily)")
    if register.size:
        sid = int(register[0])
        rows = np.flatnonzero(series == sid)
        back = rows[1:][~climbing[rows[:-1]]]
        falls = (f"falls back from one day to the next only as a register resets ({back.size}x, first {high[back[0] - 1]:,.1f} "
                 f"to {low[back[0]]:,.1f} on {day(key[back[0]])})" if back.size else "never falls back from one day to the next")
        raise DataError(
            f"consumption_hourly: {named(sid)} rises on {rising[sid]} of its {days[sid]} days and {falls} "
            f"({low[rows[0]]:,.1f} on {day(key[rows[0]])} to {high[rows[-1]]:,.1f} on {day(key[rows[-1]])}; "
            f"{register.size} such series): a meter's running total (register readings), not the use of each hour? "
            "expected the quantity used in each hour (the differences of the readings)")


def _sorted_rows(series: np.ndarray, times: np.ndarray, readings: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows sorted by (series, time); a series-contiguous file gives them sorted already."""
    in_order = (series[1:] > series[:-1]) | ((series[1:] == series[:-1]) & (times[1:] > times[:-1]))
    if in_order.all():
        return series, times, readings
    order = np.lexsort((times, series))
    return series[order], times[order], readings[order]
