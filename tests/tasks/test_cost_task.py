"""`minectl cost` through the CLI: outputs, metrics against the tables, one-line config errors."""

import json
from pathlib import Path

import polars as pl
import pytest

SMALL = "debug=quick"  # conf/debug/cost: half a year of the synthetic mine


def _run(cli, tmp_path, *overrides, name="run"):
    run_dir = tmp_path / name
    result = cli("cost", SMALL, *overrides, f"hydra.run.dir={run_dir}")
    return result, run_dir


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    from typer.testing import CliRunner

    from minectl.cli import app

    run_dir = tmp_path_factory.mktemp("cost") / "run"
    result = CliRunner().invoke(app, ["cost", SMALL, f"hydra.run.dir={run_dir}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result, run_dir


def test_cost_run_writes_tables_plots_and_metrics_that_agree(synthetic_run):
    result, run_dir = synthetic_run
    metrics = json.loads((run_dir / "metrics.json").read_text())
    ledger = pl.read_parquet(run_dir / "tables" / "ledger.parquet")
    daily = pl.read_parquet(run_dir / "tables" / "daily.parquet")
    anomalies = pl.read_parquet(run_dir / "tables" / "anomalies.parquet")
    for plot in ("daily_cost_by_category", "unit_cost"):
        assert (run_dir / "plots" / f"{plot}.png").stat().st_size > 10_000
    assert ledger.columns[:5] == ["date", "mine_id", "stage", "activity", "resource"]
    assert ledger.select((pl.col("cost") - pl.col("quantity") * pl.col("price")).abs().max()).item() < 1e-9
    assert metrics["cost.total"] == pytest.approx(ledger["cost"].sum())
    assert metrics["cost.total"] == pytest.approx(daily["cost"].sum())
    assert metrics["cost.unit_mean"] == pytest.approx((daily["cost"] / daily["ore_t"]).mean())
    shares = [k for k in metrics if k.startswith("cost.share.")]
    assert sorted(shares) == sorted(f"cost.share.{c}" for c in ("material", "energy", "labour", "maintenance", "safety_env", "other"))
    assert sum(metrics[k] for k in shares) == pytest.approx(1.0)
    assert sum(v for k, v in metrics.items() if k.startswith("cost.share_stage.")) == pytest.approx(1.0)
    assert metrics["anomalies.count"] == anomalies.height > 0
    assert metrics["imputed.count"] > 0 and metrics["imputed.hourly_missing"] > 0
    assert {"outliers.removed", "outliers.kept_event"} <= set(metrics)
    # realism check against seed 000 Table 2 (unit cost 83.7 +- 11.5 CNY/t, transport share 21.8 %)
    assert 60 < metrics["cost.unit_mean"] < 110
    assert 0.149 < metrics["cost.share_stage.transport"] < 0.317
    assert {"kwh_per_t", "explosives_per_m", "maintenance_cost_per_t", "fuel_per_t", "downtime_h", "cost_chg", "unit_cost_rm"} <= set(daily.columns)
    assert "Cost structure" in result.output and "Top anomalies" in result.output


def test_daily_columns_are_known_before_the_work(synthetic_run):
    """The config check that runs before the work sees the daily table's real columns."""
    from omegaconf import OmegaConf

    from minectl.costing import CostMapping
    from minectl.costing.accounts import daily_columns, sensor_columns
    from minectl.data import load_mine

    _, run_dir = synthetic_run
    cfg = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
    mine = load_mine(**OmegaConf.to_container(cfg.data, resolve=True))
    costs = OmegaConf.to_container(cfg.costs, resolve=True)
    expected = daily_columns(
        CostMapping.from_dict(costs), mine.production.collect_schema().names(), equipment=True,
        sensors=sensor_columns(mine.sensors.collect_schema().names()), intensities=costs["intensities"],
        change=list(cfg.cost.change_rate), rolling=list(cfg.cost.rolling_mean),
    )
    assert expected == set(pl.read_parquet_schema(run_dir / "tables" / "daily.parquet"))


def test_same_seed_gives_identical_metrics(cli, synthetic_run, tmp_path):
    _, first = synthetic_run
    result, second = _run(cli, tmp_path)
    assert result.exit_code == 0
    assert (first / "metrics.json").read_text() == (second / "metrics.json").read_text()


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["costs.activities.drilling.stage=null"], "costs.activities.drilling.stage: missing"),
        (["cost.period=fortnight"], "cost.period='fortnight'; expected one of day, week, month, quarter, year"),
        (["costs.activities.drilling.resources=[electricity,water]"], "costs.activities.drilling.resources: 'water' is not declared"),
        (["+costs.resources.water={unit:m3,category:material}"], "costs.resources.water.price: missing"),
        (["+costs.prices.water=[{valid_from:'2023-01-01',price:1.0}]"], "costs.prices.water: price for unknown resource"),
        (["~costs.activities.drainage"], "consumption_hourly.activity: 'drainage' is not declared in costs.activities"),
        (
            ["~costs.resources.lubricants", "costs.activities.maintenance.resources=[spare_parts,labour]"],
            "consumption_daily.resource: 'lubricants' is not declared in costs.resources",
        ),
        (["costs.resources.drill_steel.price=-2"], "costs.resources.drill_steel.price: -2.0 is negative"),
        (["cost.z_threshold=0"], "cost.z_threshold=0.0 is out of range; expected a finite number > 0"),
        (["cost.outlier_sigma=-1"], "cost.outlier_sigma=-1.0 is out of range"),
        (["cost.interpolation_limit=-2"], "cost.interpolation_limit=-2 is out of range; expected an integer >= 0"),
        (["cost.anomaly_window=1"], "cost.anomaly_window=1 is out of range; expected an integer >= 2"),
        (["cost.impute_cycle=fortnightish"], "cost.impute_cycle: 'fortnightish'"),
        (["cost.output=pellets"], "cost.output: 'pellets' is not a column of the production table"),
        (["cost.anomaly_items=[cost,vibes]"], "cost.anomaly_items: 'vibes' is not a column of the daily table"),
        (["costs.thresholds.diesel.lower=9", "costs.thresholds.diesel.upper=1"], "costs.thresholds.diesel: lower 9.0 > upper 1.0"),
        (["+costs.thresholds.water={upper:1}"], "costs.thresholds.water: not declared in costs.resources"),
        (["costs.anomaly_rules.energy_overrun.kwh_per_t.direction=sideways"], "costs.anomaly_rules.energy_overrun.kwh_per_t.direction"),
        (["costs.anomaly_rules.energy_overrun.kwh_per_t.threshold=-0.2"], "costs.anomaly_rules.energy_overrun.kwh_per_t.threshold"),
        (["+costs.anomaly_rules.r={mood:{direction:up,threshold:0.1}}"], "costs.anomaly_rules.r.mood: not a column of the daily table"),
        (["costs.intensities.kwh_per_t=[qty_electricity]"], "costs.intensities.kwh_per_t: expected [numerator, denominator]"),
        (["costs.intensities.kwh_per_t=[qty_electricity,pellets]"], "costs.intensities.kwh_per_t: 'pellets' is not a column of the daily table"),
        (["cost.change_rate=[nope]"], "cost.change_rate: 'nope' is not a column of the daily table or an intensity"),
        (["cost.rolling_mean=[cost,nope]"], "cost.rolling_mean: 'nope' is not a column of the daily table or an intensity"),
    ],
)
def test_bad_cost_config_fails_in_one_line(cli, tmp_path, overrides, message):
    result, run_dir = _run(cli, tmp_path, *overrides)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert not (run_dir / "metrics.json").exists()


REPO = Path(__file__).resolve().parents[2]
TACONITE = REPO / "examples" / "data" / "taconite"


def test_rules_reading_columns_the_data_lacks_are_named_together(cli, tmp_path):
    # the taconite data has no equipment table: three default rules read its downtime_h
    result = cli("cost", "+experiment=taconite", "costs=default", f"hydra.run.dir={tmp_path / 'run'}")
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith(
        "error: costs.anomaly_rules.equipment_efficiency_decline.downtime_h, costs.anomaly_rules.concentrated_maintenance.downtime_h, "
        "costs.anomaly_rules.energy_overrun.downtime_h: not columns of the daily table (a rule is removed with "
        "~costs.anomaly_rules.<name>, all of them with costs.anomaly_rules=null); expected one of ['cost', "
    )


def test_all_anomaly_rules_are_dropped_with_null(cli, tmp_path):
    data = tmp_path / "mine"
    assert cli("data", "synth", "--out", data, "--years", "0.25").exit_code == 0
    (data / "equipment.parquet").unlink()  # the default rules read its downtime_h
    run = ["cost", "data=parquet_dir", f"data.dir={data}"]
    assert cli(*run, f"hydra.run.dir={tmp_path / 'rules'}").exit_code == 2
    result = cli(*run, "costs.anomaly_rules=null", f"hydra.run.dir={tmp_path / 'none'}")
    assert result.exit_code == 0, result.output
    anomalies = pl.read_parquet(tmp_path / "none" / "tables" / "anomalies.parquet")
    assert anomalies.height > 0 and set(anomalies["method"]) == {"zscore"}


def test_consumption_with_no_quantity_fails_in_one_line(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    blank = tmp_path / "consumption_daily.csv"
    pl.read_csv(TACONITE / "consumption_daily.csv").with_columns(quantity=pl.lit(None, pl.Float64)).write_csv(blank)
    before = blank.read_bytes()
    result = cli("cost", "+experiment=taconite", f"data.tables.consumption_daily.path={blank}", f"hydra.run.dir={tmp_path / 'run'}")
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    # the data contract names the empty column before any costing
    assert len(lines) == 1 and lines[0].startswith(f"error: data.tables.consumption_daily: {blank}: ") and lines[0].endswith(
        "column 'quantity' of table 'consumption_daily' has no value in any of its 25 rows; expected Float64 values"), lines
    assert not (tmp_path / "run" / "metrics.json").exists() and blank.read_bytes() == before  # input untouched


def test_taconite_tables_are_what_make_tables_derives():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_tables", TACONITE / "make_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, frame in module.canonical_tables().items():
        committed = pl.read_csv(TACONITE / f"{name}.csv", try_parse_dates=True, schema_overrides=frame.schema)
        assert committed.equals(frame), name


def test_taconite_example_reproduces_published_per_tonne_costs(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # the experiment's paths are relative to the repository root
    result = cli("cost", "+experiment=taconite", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    daily = pl.read_parquet(tmp_path / "run" / "tables" / "daily.parquet").sort("mine_id")
    ledger = pl.read_parquet(tmp_path / "run" / "tables" / "ledger.parquet")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    # NRRI variable opex, 2021 USD per wet long ton of pellet, summed over the 5 lines by hand
    per_long_ton = {"Hibbing": 69.48, "Minorca": 80.33, "Northshore": 71.745, "Tilden": 70.65, "United": 69.00}
    expected = [per_long_ton[m] / 1.0160469088 for m in daily["mine_id"]]  # USD per metric t
    assert daily["unit_cost"].to_list() == pytest.approx(expected, rel=1e-9)
    # Northshore: mining 16.875 of 71.745 USD/wlt; processing 40.135
    north = daily.filter(pl.col("mine_id") == "Northshore").row(0, named=True)
    assert north["share_stage_mining"] == pytest.approx(16.875 / 71.745)
    assert north["share_stage_beneficiation"] == pytest.approx(40.135 / 71.745)
    assert ledger.height == 25 and ledger["stage"].n_unique() == 4
    # 2021 total: sum over mines of USD/wlt x wlt pellets
    pellets = {"Northshore": 4.54e6, "United": 4.6e6, "Hibbing": 6.3e6, "Minorca": 2.79e6, "Tilden": 7.7e6}
    assert metrics["cost.total"] == pytest.approx(sum(per_long_ton[m] * pellets[m] for m in pellets))
    assert metrics["anomalies.count"] == 0 and metrics["imputed.count"] == 0


def test_metrics_do_not_depend_on_how_the_daily_table_is_chunked(synthetic_run):
    from omegaconf import OmegaConf

    from minectl.costing import CostMapping
    from minectl.costing.pipeline import cost_metrics

    _, run_dir = synthetic_run
    daily = pl.read_parquet(run_dir / "tables" / "daily.parquet")
    anomalies = pl.read_parquet(run_dir / "tables" / "anomalies.parquet")
    conf = Path(__file__).resolve().parents[2] / "conf" / "costs" / "default.yaml"
    mapping = CostMapping.from_dict(OmegaConf.to_container(OmegaConf.load(conf), resolve=True))
    counts = {"outliers_removed": 0, "outliers_kept_event": 0}
    chunked = pl.concat([daily.slice(start, 7) for start in range(0, daily.height, 7)], rechunk=False)
    assert chunked.n_chunks() > 1
    # a streaming engine's morsels and an in-memory frame: the same sums, to the last bit
    assert cost_metrics(chunked, anomalies, counts, mapping) == cost_metrics(daily.rechunk(), anomalies, counts, mapping)


def test_production_of_other_mines_than_the_consumption_is_refused(cli, tmp_path):
    """Consumption without production would cost days that have no output (issue 13, section 3)."""
    data = tmp_path / "mine"
    assert cli("data", "synth", "--out", data, "--years", "0.25").exit_code == 0
    production = pl.read_parquet(data / "production.parquet")
    production.with_columns(mine_id=pl.lit("ZZ")).write_parquet(data / "production.parquet")  # other mine ids
    pl.read_parquet(data / "mines.parquet").with_columns(mine_id=pl.lit("ZZ")).write_parquet(data / "mines.parquet")
    result = cli("cost", "data=parquet_dir", f"data.dir={data}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2
    assert "rows for mine_id 'M01', which table 'mines' lacks" in result.output
