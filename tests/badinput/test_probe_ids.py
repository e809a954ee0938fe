"""Ids written with leading zeros in a cost source's csv files (mine '01', equipment '007'), or as
1e3, stay text.

polars read them as numbers: mine '01' became 1, which the contract turned into the text '1'. A
csv table beside parquet ones was refused as an orphan, and with csv everywhere the run reported
mine '1'. Integers with leading zeros are now codes there (data.sources.code_columns); '0' and
'0.5' stay numbers, and a number needed from such a column is still got (the contract casts the
text). The single-file inputs read them as numbers, as their tasks need (a shift 0001).
Ids stored as floats (1000.0) are the integer's text, '1000'; a fractional one is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
from conftest import write_tiny_mine
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.data.sources import read_file, scan_dated_csv
from minectl.results import is_timing

TABLES = ("production", "mines", "consumption_daily", "equipment", "prices")
# the tiny mine's cost: haulage labour only, 5+6+7+8+9 h at 85 CNY/h (conf/costs/default.yaml)
TINY_TOTAL = 35 * 85.0


def _mine_01(folder: Path) -> Path:
    """The tiny mine as parquet tables with mine_id '01'."""
    write_tiny_mine(folder)
    for table in TABLES:
        frame = pl.read_parquet(folder / f"{table}.parquet")
        if "mine_id" in frame.columns:
            frame.with_columns(mine_id=pl.lit("01")).write_parquet(folder / f"{table}.parquet")
    return folder


def _metrics(run: Path) -> dict:
    return {k: v for k, v in json.loads((run / "metrics.json").read_text()).items() if not is_timing(k)}


def _cost(tmp_path: Path, name: str, data: str) -> tuple[dict, pl.DataFrame]:
    """metrics.json and tables/daily.parquet of `minectl cost` with the data config ``data``."""
    (tmp_path / "conf" / "data").mkdir(parents=True, exist_ok=True)
    (tmp_path / "conf" / "data" / f"{name}.yaml").write_text(data)
    run = tmp_path / f"run_{name}"
    result = CliRunner().invoke(app, ["cost", "-cd", str(tmp_path / "conf"), f"data={name}", f"hydra.run.dir={run}"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text()), pl.read_parquet(run / "tables" / "daily.parquet")


def test_an_all_csv_mine_keeps_its_zero_padded_mine_id(tmp_path):
    mine = _mine_01(tmp_path / "mine")
    for table in TABLES:
        pl.read_parquet(mine / f"{table}.parquet").write_csv(tmp_path / f"{table}.csv")
    assert (tmp_path / "production.csv").read_text().splitlines()[1] == "2024-01-01,01,100.0,10.0,2.0"
    sources = "".join(f"  {table}: {{kind: csv, path: '{tmp_path / table}.csv'}}\n" for table in TABLES)
    metrics, daily = _cost(tmp_path, "all_csv", f"name: all_csv\ntables:\n{sources}")
    assert daily["mine_id"].unique().to_list() == ["01"]  # was ['1']
    assert metrics["cost.total"] == TINY_TOTAL


def test_a_csv_table_joins_parquet_tables_by_a_zero_padded_mine_id(tmp_path):
    mine = _mine_01(tmp_path / "mine")
    production = pl.read_parquet(mine / "production.parquet").with_columns(pl.col("ore_t").cast(pl.Int64).cast(pl.String))
    # mine '01', and one tonnage written with a leading zero: a number where the contract needs one
    production.with_columns(ore_t=pl.when(pl.int_range(5) == 0).then(pl.lit("0100")).otherwise("ore_t")).write_csv(
        tmp_path / "production.csv")
    assert (tmp_path / "production.csv").read_text().splitlines()[1] == "2024-01-01,01,0100,10.0,2.0"
    parquet, _ = _cost(tmp_path, "parquet", f"name: parquet\ndir: '{mine}'\n")
    mixed, daily = _cost(tmp_path, "mixed", f"name: mixed\ndir: '{mine}'\ntables:\n"
                                            f"  production: {{kind: csv, path: '{tmp_path / 'production.csv'}'}}\n")
    # was refused: "5 rows for mine_id '01', which table 'production' lacks"
    assert daily["mine_id"].unique().to_list() == ["01"]
    assert mixed["cost.total"] == parquet["cost.total"] == TINY_TOTAL
    assert mixed["cost.unit_mean"] == parquet["cost.unit_mean"]  # ore_t '0100' read as 100


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_scan_dated_csv_reads_zero_padded_integers_as_text_and_other_numbers_as_numbers(tmp_path):
    path = _write(tmp_path / "equipment.csv", "date;unit;hours;share;count;lot\n1.3.2024;007;0;0,5;3;1e3\n2.3.2024;010;12;1,25;0;2E5\n")
    frame = scan_dated_csv(path).collect()
    assert frame["unit"].to_list() == ["007", "010"]  # was [7, 10]
    assert frame["lot"].to_list() == ["1e3", "2E5"]  # was [1000.0, 200000.0]
    assert frame["hours"].to_list() == [0, 12]
    assert frame["share"].to_list() == [0.5, 1.25]
    assert frame["count"].to_list() == [3, 0]


def test_a_table_files_zero_padded_shift_numbers_are_numbers(tmp_path):
    """The single-file inputs keep reading 0001 as 1: their tasks need numbers (a shift number as
    the time, an hour as an indicator) and join on no id; only the cost sources keep codes as text."""
    assert read_file(_write(tmp_path / "cases.csv", "shift,x\n0001,07\n0002,12\n"))["shift"].to_list() == [1, 2]
    rng = np.random.default_rng(0)
    label = (rng.random(60) < 0.4).astype(int)
    frame = pl.DataFrame({"shift": np.arange(1, 61), "x": label * 2.0 + rng.normal(size=60), "class": label})
    padded = frame.with_columns(pl.col("shift").cast(pl.String).str.zfill(4))
    runs = {}
    for name, table in {"plain": frame, "padded": padded}.items():
        table.write_csv(tmp_path / f"{name}.csv")
        runs[name] = tmp_path / name
        result = CliRunner().invoke(app, [
            "risk", f"risk.input.path={tmp_path / f'{name}.csv'}", "risk.input.kind=table", "risk.time.column=shift",
            "risk.window=2", "risk.lead_times=[0]", "risk.labels.column=class", "risk.labels.levels=2", "model=lr",
            "risk.robustness.enabled=false", "risk.importance.enabled=false", "risk.leakage.enabled=false",
            f"hydra.run.dir={runs[name]}"])
        assert result.exit_code == 0, result.output
    assert _metrics(runs["padded"]) == _metrics(runs["plain"])


def _mine_id_as(folder: Path, tables: tuple[str, ...], dtype: pl.DataType, mine: float = 1000) -> None:
    """The tiny mine's id as the number ``mine`` of type ``dtype`` in ``tables``, as text '1000' elsewhere."""
    for table in TABLES:
        frame = pl.read_parquet(folder / f"{table}.parquet")
        if "mine_id" in frame.columns:
            id_ = pl.lit(mine, dtype=dtype) if table in tables else pl.lit("1000")
            frame.with_columns(mine_id=id_).write_parquet(folder / f"{table}.parquet")


def test_whole_number_float_ids_are_the_integers_text(tmp_path):
    """A pandas export stores ids with gaps as floats: mine 1000 in production, 1000.0 in equipment.
    The contract cast the float to the text '1000.0', which then joined nothing ('1000' was refused
    as an orphan) or, with floats everywhere, was reported as mine '1000.0'."""
    mine = write_tiny_mine(tmp_path / "mine")
    _mine_id_as(mine, ("production",), pl.Int64)
    _mine_id_as(mine, ("equipment", "consumption_daily"), pl.Float64)
    metrics, daily = _cost(tmp_path, "floats", f"name: floats\ndir: '{mine}'\n")
    assert daily["mine_id"].unique().to_list() == ["1000"]
    assert metrics["cost.total"] == TINY_TOTAL


def test_a_fractional_float_id_is_refused(tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    _mine_id_as(mine, ("equipment",), pl.Float64, mine=1000.5)
    assert_refused(["cost", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={tmp_path / 'run'}"],
                   "column 'mine_id' of table 'equipment' has 5 values that are not whole numbers (first 1000.5); "
                   "expected whole-number or text ids", inputs=[mine], run_dir=tmp_path / "run")
