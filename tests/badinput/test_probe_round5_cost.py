"""Bad-input corpus, round 5 (cost): a mine cost engineer's own tables for `minectl cost`, shaped as a
site's exports are: amounts beside a currency column, a price list per mine.

Each was costed before to a wrong figure without a word: a consumption table's `currency` column was
not read, so contractor amounts in EUR were costed as USD (4.96 M of a 5.27 M USD year of a 3-mine
probe); a prices table with a `mine_id` column was read as one price list, each mine's diesel
costed at the latest price of any mine (mine A at mine B's 1.30 from the day B's price started); a
price list's `valid_to` column was ignored, so a month between two contracts (diesel's ended 30 June,
the next began 1 August) was costed at the expired price. A valid_to now ends its price (inclusive,
or exclusive where the next price starts that day): a day after it without a price is refused. A
money resource in a multiple of a currency at price 1 (`unit: 万元`, as Chinese cost reports give money,
or kUSD, USD'000) was costed 1 CNY for 10,000: refused now, like another currency at price 1. The
currency column is now checked as a money resource's unit (beside a quantity in L or kWh it is an
amount column's and states nothing); a price list per mine is refused unless it names the only mine.

Said wrong: an activity or resource spelt 'Labour' or 'hauling ' beside the mapping's 'labour' and
'hauling' was "not declared" with no word of the name it differs from (the line now names it, as it
does for mine ids); monthly records were "gaps", as if days were missing; a runs file without a
variable's column named only the file's columns.

`minectl optimize simulator=table`: a FLAC3D export's Uz (negative downward) taken as subsidence_cm
was minimised, so the recommended design was the largest settlement; a response named as the
embedded simulator's (a magnitude) that is <= 0 in every run is refused now."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from conftest import write_tiny_mine
from csv_series import metrics
from harness import assert_refused

from minectl.costing.mapping import CostMapping

DEFAULT_COSTS = Path(__file__).parents[2] / "conf" / "costs" / "default.yaml"


def _spare_parts(folder: Path, **extra) -> None:
    """The tiny mine's hauling labour and 100 CNY of spare parts a day (a money resource of the default
    mapping: unit CNY, price 1), with ``extra`` columns (a value or one per row)."""
    path = folder / "consumption_daily.parquet"
    labour = pl.read_parquet(path)
    parts = labour.with_columns(activity=pl.lit("maintenance"), resource=pl.lit("spare_parts"), quantity=pl.lit(100.0))
    both = pl.concat([labour, parts])
    both.with_columns(pl.Series(k, v if isinstance(v, list) else [v] * both.height) for k, v in extra.items()).write_parquet(path)


def _cost(folder: Path, run: Path | None = None) -> list[str]:
    """`minectl cost` of the data folder ``folder`` (into ``run``, where given)."""
    return ["cost", "data=parquet_dir", f"data.dir={folder}", *([f"hydra.run.dir={run}"] if run else [])]


def test_a_consumption_currency_other_than_the_money_resources_is_refused(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    _spare_parts(folder, currency=["CNY"] * 5 + ["USD"] * 5)  # labour rows 'CNY' (no money: not checked), parts in USD
    assert_refused(_cost(folder, tmp_path / "run"),
                   "data.tables.consumption_daily: column 'currency' gives resource 'spare_parts' in 'USD', "
                   "costs.resources.spare_parts.unit in 'CNY'; expected quantities in 'CNY' only (convert them upstream, or set "
                   "costs.resources.spare_parts.unit and its prices to the data's)", inputs=[folder], run_dir=tmp_path / "run")


def test_a_consumption_currency_of_the_money_resources_costs_as_without_it(tmp_path):
    """Spare parts in 'RMB' (CNY) and a USD amount's currency beside the labour hours: the same metrics as
    the table without the column, 35 h x 85 CNY/h + 5 x 100 CNY = 3475 CNY."""
    plain, stated = write_tiny_mine(tmp_path / "plain"), write_tiny_mine(tmp_path / "stated")
    _spare_parts(plain)
    _spare_parts(stated, Currency=["USD"] * 5 + ["RMB"] * 4 + [None])
    expected = metrics(_cost(plain), tmp_path / "run_plain")
    assert expected["cost.total"] == pytest.approx(35 * 85 + 5 * 100, rel=1e-12)
    assert metrics(_cost(stated), tmp_path / "run_stated") == expected


def _prices(folder: Path, **extra) -> None:
    path = folder / "prices.parquet"
    frame = pl.read_parquet(path)
    frame.with_columns(pl.Series(k, v if isinstance(v, list) else [v] * frame.height) for k, v in extra.items()).write_parquet(path)


@pytest.mark.parametrize(("column", "mines", "shown"), [("mine_id", ["M1", "M2", "M1"], "'M1', 'M2'"), ("Mine", "M2", "'M2'")])
def test_prices_per_mine_are_refused(tmp_path, column, mines, shown):
    """Prices of two mines, or of another mine than the one costed: one price list serves every mine."""
    folder = write_tiny_mine(tmp_path / "mine")
    _prices(folder, **{column: mines})
    assert_refused(_cost(folder, tmp_path / "run"),
                   f"data.tables.prices: column '{column}' gives prices per mine ({shown}); expected one price list for all 1 "
                   "mine(s) of production (each resource's price applies to every mine from its valid_from: declare a resource "
                   "per mine, e.g. diesel_M1, where mines pay different prices)", inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.slow
def test_prices_of_the_only_mine_or_of_none_cost_as_without_the_column(tmp_path):
    plain, named, empty = (write_tiny_mine(tmp_path / name) for name in ("plain", "named", "empty"))
    _prices(named, mine_id="M1")
    _prices(empty, mine_id=pl.Series([None] * 3, dtype=pl.String).to_list())
    expected = metrics(_cost(plain), tmp_path / "run_plain")
    for folder in (named, empty):
        assert metrics(_cost(folder), tmp_path / f"run_{folder.name}") == expected


def test_prices_per_mine_on_two_mines_are_refused(tmp_path):
    """The case found: a second mine, and a diesel price from each mine on other days."""
    folder = write_tiny_mine(tmp_path / "mine")
    for table in ("production", "consumption_daily", "equipment", "mines"):
        frame = pl.read_parquet(folder / f"{table}.parquet")
        key = ["mine_id", "date"] if "date" in frame.columns else ["mine_id"]
        pl.concat([frame, frame.with_columns(mine_id=pl.lit("M2"))]).sort(key).write_parquet(folder / f"{table}.parquet")
    pl.DataFrame({"resource": ["electricity", "diesel", "explosives", "diesel"], "valid_from": [dt.date(2024, 1, 1)] * 3 + [dt.date(2024, 1, 3)],
                  "price": [0.6, 7.5, 11.0, 9.0], "mine_id": ["M1", "M1", "M1", "M2"]}).write_parquet(folder / "prices.parquet")
    assert_refused(_cost(folder, tmp_path / "run"), "data.tables.prices: column 'mine_id' gives prices per mine ('M1', 'M2'); "
                   "expected one price list for all 2 mine(s) of production", inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize(("column", "value", "expect"), [
    ("resource", "Labour", "consumption_daily.resource: 'Labour' is not declared in costs.resources (it has 'labour': the names "
                           "differ in case, width, spaces or look-alike letters)"),
    ("activity", "hauling ", "consumption_daily.activity: 'hauling ' is not declared in costs.activities (it has 'hauling': "),
    ("activity", "drilling_x", "consumption_daily.activity: 'drilling_x' is not declared in costs.activities"),
])
def test_an_undeclared_name_names_the_declared_one_it_differs_from(tmp_path, column, value, expect):
    """A site's export spelling 'Labour' or 'hauling ' beside the mapping's 'labour' and 'hauling' (no hint
    for a name like none declared)."""
    folder = write_tiny_mine(tmp_path / "mine")
    path = folder / "consumption_daily.parquet"
    pl.read_parquet(path).with_columns(pl.lit(value).alias(column)).write_parquet(path)
    assert_refused(_cost(folder, tmp_path / "run"), expect, inputs=[folder], run_dir=tmp_path / "run")


def _hourly_electricity(folder: Path) -> None:
    """48 hours of the tiny mine's hauling electricity, 2 kWh an hour (priced by the prices table: 0.6 CNY/kWh)."""
    stamps = pl.datetime_range(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2, 23), "1h", eager=True)
    pl.DataFrame({"timestamp": stamps, "mine_id": "M1", "activity": "hauling", "resource": "electricity", "quantity": 2.0}
                 ).write_parquet(folder / "consumption_hourly.parquet")


def test_a_day_after_a_prices_valid_to_is_refused(tmp_path):
    """A price list with the last day of each price: electricity's ended on 2024-01-01, and the meters
    of 2024-01-02 were costed at it."""
    folder = write_tiny_mine(tmp_path / "mine")
    _hourly_electricity(folder)
    _prices(folder, Valid_To=[dt.date(2024, 1, 1), None, dt.date(2024, 12, 31)])
    assert_refused(_cost(folder, tmp_path / "run"), "prices: no price for 'electricity' on 2024-01-02; expected a price row with "
                   "valid_from on or before that day (and its valid_to, where given, not before it)", inputs=[folder],
                   run_dir=tmp_path / "run")


@pytest.mark.parametrize("ends", [[dt.date(2024, 1, 2), None, None],  # inclusive: the last day of use
                                  [dt.date(2024, 1, 3), dt.date(2024, 1, 3), dt.date(2024, 1, 3)]])  # exclusive: the day after
@pytest.mark.slow
def test_a_price_in_force_by_its_valid_to_costs_as_without_it(tmp_path, ends):
    """48 kWh a day at 0.6 CNY/kWh, 35 h at 85 CNY/h: 3032.6 CNY with or without the column."""
    plain, ended = write_tiny_mine(tmp_path / "plain"), write_tiny_mine(tmp_path / "ended")
    _hourly_electricity(plain)
    _hourly_electricity(ended)
    _prices(ended, valid_to=ends)
    expected = metrics(_cost(plain), tmp_path / "run_plain")
    assert expected["cost.total"] == pytest.approx(35 * 85 + 96 * 0.6, rel=1e-12)
    assert metrics(_cost(ended), tmp_path / "run_ended") == expected


def test_a_valid_to_of_text_is_refused(tmp_path):
    folder = write_tiny_mine(tmp_path / "mine")
    _prices(folder, valid_until="end of contract")
    assert_refused(_cost(folder, tmp_path / "run"), "data.tables.prices: column 'valid_until' holds String, not dates; expected the "
                   "last day each price applies", inputs=[folder], run_dir=tmp_path / "run")


@pytest.mark.parametrize(("override", "expect"), [
    (["costs.resources.spare_parts.unit='万元'"],
     "costs.resources.spare_parts: unit '万元' is 10,000 CNY: at price 1.0 under costs.currency 'CNY' it costs 10,000 CNY as 1 CNY; "
     "expected the price of 1 万元 in CNY (10000), or costs.currency '万元'"),
    (["costs=taconite", "costs.resources.mining_opex.unit=\"USD'000\""],
     "costs.resources.mining_opex: unit \"USD'000\" is 1,000 USD: at price 1.0 under costs.currency 'USD' it costs 1,000 USD as 1 USD"),
    (["costs.resources.spare_parts.unit=kUSD"], "costs.resources.spare_parts: unit 'kUSD' is 1,000 USD: at price 1.0 under "
     "costs.currency 'CNY' it costs 1,000 USD as 1 CNY; expected the price of 1 kUSD in CNY (1000 times the exchange rate)"),
])
def test_a_multiple_of_a_currency_at_price_1_is_refused(tmp_path, override, expect):
    """Chinese cost reports give money in 万元 (10,000 yuan), others in thousands: a money resource in
    such a unit at price 1 was costed 1 for 10,000 (or 1,000), refused now before any data is read."""
    assert_refused(["cost", *override, f"hydra.run.dir={tmp_path / 'run'}"], expect, run_dir=tmp_path / "run")


def test_a_multiple_of_a_currency_at_its_price_is_costed():
    """At its price in the run's currency (or that times the exchange rate); units that only start
    like a multiple (kg, kWh) and currencies that end like one (SEK, NOK) are no multiples."""
    costs = yaml.safe_load(DEFAULT_COSTS.read_text())
    for unit, price in (("万元", 10000.0), ("千元", 1000.0), ("kUSD", 7100.0), ("kg", 1.0), ("kWh", 1.0), ("SEK", 0.65), ("NOK", 0.66)):
        costs["resources"]["spare_parts"] |= {"unit": unit, "price": price}
        assert CostMapping.from_dict(costs).resources["spare_parts"].unit == unit


def _flac3d_runs(path: Path, subsidence_sign: float) -> Path:
    """30 Latin-hypercube runs of the embedded simulator as a FLAC3D export: a run id, notes, the
    pillar height under another name and the settlement as the vertical displacement Uz."""
    from minectl.optimize.doe import latin_hypercube
    from minectl.optimize.simulator import ProbabilityIntegralSimulator

    X = latin_hypercube([[18, 25], [0.5, 3]], 30, 3)
    Y = ProbabilityIntegralSimulator().evaluate(X)
    pl.DataFrame({"run": [f"R{i:03d}" for i in range(30)], "hp": X[:, 0], "sidewall_thickness_m": X[:, 1],
                  "Uz": subsidence_sign * Y[:, 0], "ore_t": Y[:, 1], "notes": "converged"}).write_csv(path)
    return path


def test_a_settlement_exported_negative_downward_is_refused(tmp_path):
    """FLAC3D's Uz (negative downward) taken as subsidence_cm: minimised, the front was one point, the
    thinnest pillar and walls, the largest settlement (-0.128 'cm'), recommended."""
    runs = _flac3d_runs(tmp_path / "runs.csv", -1.0)
    assert_refused(["optimize", "simulator=table", f"simulator.path={runs}", "+simulator.columns.hp=pillar_height_m",
                    "+simulator.columns.Uz=subsidence_cm", "debug=quick", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{runs}: response 'subsidence_cm' is negative or 0 in every run (", inputs=[runs], run_dir=tmp_path / "run")


def test_a_settlement_with_some_heave_is_read():
    """Some runs below 0 (heave at the road) among settlements: a magnitude with its sign, kept."""
    from minectl.optimize.doe import check_runs

    X = np.column_stack([np.linspace(18, 25, 12), np.linspace(0.5, 3, 12)[::-1]])
    Y = np.column_stack([np.linspace(-1, 10, 12), np.linspace(5e4, 8e4, 12)])
    check_runs(X, Y, np.arange(1, 13), np.array([[18, 25], [0.5, 3]]), ["pillar_height_m", "sidewall_thickness_m"],
               ["subsidence_cm", "ore_t"])


def test_a_runs_file_without_a_variables_column_names_what_is_expected(tmp_path):
    """The pillar height under the file's own name and no simulator.columns: "no column 'pillar_height_m'" named only the file's columns."""
    runs = _flac3d_runs(tmp_path / "runs.csv", 1.0)
    assert_refused(["optimize", "simulator=table", f"simulator.path={runs}", "+simulator.columns.Uz=subsidence_cm", "debug=quick",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{runs}: no column 'pillar_height_m' (columns: run, hp, sidewall_thickness_m, subsidence_cm, ore_t, notes); "
                   "expected a column for each of optimize.variables (pillar_height_m, sidewall_thickness_m) and simulator.responses "
                   "(subsidence_cm, ore_t), renamed by simulator.columns", inputs=[runs], run_dir=tmp_path / "run")


def test_monthly_records_are_named_as_such_not_as_gaps(tmp_path):
    """A site's monthly consumption and production records (one row on the 1st of each month) were
    "gaps in date ... expected 122 rows at a step of 1d", as if days were missing."""
    mine = write_tiny_mine(tmp_path / "mine")
    for table in ("production", "consumption_daily", "equipment"):
        frame = pl.read_parquet(mine / f"{table}.parquet")
        frame.with_columns(date=pl.Series([dt.date(2024, month, 1) for month in range(1, 6)])).write_parquet(mine / f"{table}.parquet")
    assert_refused(_cost(mine, tmp_path / "run"), [
        "table 'production' has no two rows one day apart for mine_id=M1: 5 rows between 2024-01-01 and 2024-05-01, every 29 to 31 "
        "days", "records of a longer period, or of the days with a value only; expected one row per day"],
        inputs=[mine], run_dir=tmp_path / "run")


def test_weights_merged_with_the_defaults_name_the_keys_to_drop():
    """A config dir's objectives Uz_max, recovery_pct: its weights merged into the default map's
    subsidence_cm and ore_t, and the line asked for the two weights it already had."""
    from omegaconf import OmegaConf

    from minectl.errors import ConfigError
    from minectl.tasks.optimize import _check_decision

    weights = {"subsidence_cm": 0.5, "ore_t": 0.5, "Uz_max": 0.5, "recovery_pct": 0.5}
    decision = OmegaConf.create({"low_price": 300, "high_price": 450, "weights_at_low": weights, "weights_at_high": weights,
                                 "price": 400, "price_path": None})
    with pytest.raises(ConfigError, match=r"expected a weight for each objective: Uz_max, recovery_pct \(it also has "
                                          r"subsidence_cm, ore_t: drop them with ~optimize.decision.weights_at_low.<name>\)"):
        _check_decision(decision, ["Uz_max", "recovery_pct"])
