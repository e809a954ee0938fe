"""Run.table writes in a thread: `finish` has every table written (or raises the write's error),
and `discard` leaves none behind, not even one still being written."""

import numpy as np
import polars as pl
import pytest

from minectl.results import Run


def frame(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    return pl.DataFrame({"day": np.arange(rows), "cost": rng.normal(size=rows), "mine": rng.choice(["M1", "M2"], rows)})


def test_finish_has_every_table_written(tmp_path):
    out = Run(tmp_path, seed=0)
    tables = {"ledger": frame(200_000), "daily": frame(10)}
    for name, table in tables.items():
        out.table(name, table)
    out.finish({"n": 1}, {"task_name": "cost"})
    for name, table in tables.items():
        assert pl.read_parquet(tmp_path / "tables" / f"{name}.parquet").equals(table)
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == ["daily.parquet", "ledger.parquet"]  # no temp left


def test_a_failed_write_fails_the_run_at_finish_and_discard_leaves_nothing(tmp_path):
    out = Run(tmp_path, seed=0)
    out.table("fine", frame(10))
    out.table("objects", pl.DataFrame({"x": [object()]}, schema={"x": pl.Object}))  # parquet has no such type
    with pytest.raises(Exception, match="(?i)object"):
        out.finish({"n": 1}, {"task_name": "cost"})
    assert not (tmp_path / "metrics.json").exists()
    out.discard()
    assert list(tmp_path.iterdir()) == []


def test_discard_waits_for_a_table_still_being_written(tmp_path):
    out = Run(tmp_path, seed=0)
    out.table("large", frame(3_000_000))  # a second or so of writing: discard comes before it ends
    out.discard()
    for write in out.writes.values():
        write.result()  # had discard not waited, the table would appear now
    assert list(tmp_path.iterdir()) == []
