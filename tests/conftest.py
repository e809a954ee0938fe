"""Shared fixtures: a tiny canonical mine on disk, the costing tests' mapping and a CLI runner."""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from minectl.cli import app


def write_tiny_mine(folder: Path, days: int = 5) -> Path:
    """Five days of one mine, haulage labour only (85 CNY/h in conf/costs/default.yaml)."""
    folder.mkdir(parents=True, exist_ok=True)
    dates = pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 1, days), eager=True)
    pl.DataFrame(
        {"date": dates, "mine_id": "M1", "ore_t": [100.0, 110, 0, 120, 130][:days],
         "drilled_m": 10.0, "haul_km": 2.0}
    ).write_parquet(folder / "production.parquet")
    pl.DataFrame(
        {"mine_id": ["M1"], "mining_method": ["open_pit"], "equipment_grade": [2],
         "haul_distance_km": [2.0], "rock_hardness_f": [8.0], "outsourcing_share": [0.2]}
    ).write_parquet(folder / "mines.parquet")
    pl.DataFrame(
        {"date": dates, "mine_id": "M1", "activity": "hauling", "resource": "labour",
         "quantity": [5.0, 6, 7, 8, 9][:days]}
    ).write_parquet(folder / "consumption_daily.parquet")
    pl.DataFrame(
        {"date": dates, "mine_id": "M1", "operating_h": 20.0, "downtime_h": [1.0, 0.0, 24.0, 2.0, 1.0][:days],
         "failures": [1, 0, 1, 1, 0][:days], "maintenance": [False, False, True, False, False][:days]}
    ).write_parquet(folder / "equipment.parquet")
    pl.DataFrame(  # the default mapping's resources without a constant price
        {"resource": ["electricity", "diesel", "explosives"], "valid_from": [dt.date(2024, 1, 1)] * 3,
         "price": [0.6, 7.5, 11.0]}
    ).write_parquet(folder / "prices.parquet")
    return folder


def write_daily_labour(folder: Path, hours: list[float]) -> None:
    """The tiny mine stretched to ``len(hours)`` days of hauling labour (production and equipment
    as on its first day: a failure every day, so no record is an outlier removed)."""
    dates = pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 1, 1) + dt.timedelta(days=len(hours) - 1), eager=True)
    for table in ("production", "equipment"):
        first = pl.read_parquet(folder / f"{table}.parquet").head(1).drop("date")
        pl.DataFrame({"date": dates}).join(first, how="cross").write_parquet(folder / f"{table}.parquet")
    pl.DataFrame({"date": dates, "mine_id": "M1", "activity": "hauling", "resource": "labour", "quantity": hours}
                 ).write_parquet(folder / "consumption_daily.parquet")


def write_doccano_corpus(path: Path, parameter: str, condition: str) -> Path:
    """A doccano JSONL corpus of 12 labelled cost sentences: a machine uses diesel, and the
    transportation cost increases by 5-16 % when ``parameter`` exceeds ``condition`` (a Parameters span)."""
    lines = []
    for i, machine in enumerate(["excavator", "truck", "loader", "dozer"] * 3):
        text = f"the {machine} uses diesel; the transportation cost increases by {5 + i}% when the {parameter} exceeds {condition}"
        spans = [(machine, "Facility"), ("diesel", "Fuel"), ("transportation cost", "Cost"), (parameter, "Parameters")]
        lines.append(json.dumps({"text": text, "label": [[text.index(t), text.index(t) + len(t), kind] for t, kind in spans]}))
    path.write_text("\n".join(lines))
    return path


def write_tiny_duckdb(tmp_path: Path, select: dict[str, str] | None = None) -> Path:
    """The tiny mine as a DuckDB file (its tables but the prices' as write_tiny_mine writes them);
    ``select``: table -> the SELECT list that makes it from the parquet table (default ``*``)."""
    import duckdb

    mine = write_tiny_mine(tmp_path / "mine")
    db = tmp_path / "mine.duckdb"
    with duckdb.connect(str(db)) as con:
        for table in ("production", "consumption_daily", "prices", "equipment", "mines"):
            frame = pl.read_parquet(mine / f"{table}.parquet")  # noqa: F841 (read by DuckDB)
            con.sql(f"CREATE TABLE {table} AS SELECT {(select or {}).get(table, '*')} FROM frame")
    return db


@pytest.fixture(autouse=True)
def _no_log_handler_left_on_a_closed_stream():
    """An in-process run sets up Hydra's job logging on CliRunner's streams, which close with the
    test: a library's later log line would write to a closed stream ("--- Logging error ---",
    into the next test's captured output). A real process has one run and its own streams."""
    yield
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in list(getattr(logger, "handlers", ())):
            if getattr(getattr(handler, "stream", None), "closed", False):
                logger.removeHandler(handler)


@pytest.fixture
def deadline():
    """Fail, not hang, where a command blocks reading a file (a named pipe): the alarm interrupts the blocked open."""
    def hung(signum, frame):
        raise TimeoutError("the command blocked reading a file")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def tiny_mine(tmp_path: Path) -> Path:
    return write_tiny_mine(tmp_path / "mine")


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def crf_extract_run(tmp_path_factory):
    """A quick `factors extract` run with the feature CRF as its best model, for `predict` probes."""
    run = tmp_path_factory.mktemp("extract") / "run"
    result = CliRunner().invoke(app, ["factors", "extract", "debug=quick", "factors.extract.models=[crf]", "factors.extract.best=crf",
                                      f"hydra.run.dir={run}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return run


def read_metrics(run_dir: Path) -> dict:
    return json.loads((Path(run_dir) / "metrics.json").read_text())


@pytest.fixture
def costs():
    """The costing tests' small mapping: two resources with constant prices, one priced by table."""
    return {
        "currency": "CNY",
        "resources": {
            "electricity": {"unit": "kWh", "category": "energy"},
            "labour": {"unit": "h", "category": "labour", "price": 80.0},
            "diesel": {"unit": "L", "category": "energy", "price": 8.0},
            "haulage": {"unit": "tkm", "category": "other", "price": 0.5},
        },
        "activities": {
            "drilling": {"stage": "mining", "resources": ["electricity", "labour"]},
            "hauling": {"stage": "transport", "resources": ["diesel", "haulage"]},
        },
        "prices": {"electricity": [{"valid_from": "2024-01-01", "price": 0.6}, {"valid_from": "2024-01-03", "price": 0.9}]},
        "cost_objects": ["stage", "mine"],
    }
