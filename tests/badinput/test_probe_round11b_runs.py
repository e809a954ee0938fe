"""Bad-input corpus, round 11b: what a run writes and report.html shows, past test_probe_round10_runs.py.

A cost anomaly's change is +inf where an indicator rises from a trailing mean of 0 (outsourced
haulage starting after days without any): metrics.json stays strict JSON and the page shows ∞,
but the page's sort read Python's "inf" as text, so -inf sorted among the numbers by its letters;
its parseFloat also read a date key "2023-02-01" as 2023, so a daily table sorted by date kept
each year's days unsorted. A sweep whose jobs write different metrics (risk.lead_times=[0],[0,1],
[0,1,2]) showed on its page a group's mean ± sd over only the jobs holding the metric without
saying so ("0.369 ± 0" beside "jobs ok 3"; summarize says "(2 of 3 jobs)"). A run page called a
run whose metrics.json was edited since "ok" (summarize calls such a job "edited"), and a
provenance.json whose inputs or packages were a list ended `report` in a jinja2 traceback.
`report` of a folder holding two sweeps now names them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from harness import QUICK_RISK, invoke, status_on_page

from minectl.report.formats import sort_key

HAUL_FROM = 12  # days without outsourced haulage before it starts (cost.anomaly_window is at most 7 here)


@pytest.fixture(scope="module")
def haulage_starts(tmp_path_factory) -> Path:
    """A cost run on the tiny mine stretched to 20 days, whose outsourced haulage is 0 for 12 days
    and then 50 tkm a day, with a rule led by that indicator: the rule's change is +inf on day 13."""
    from conftest import write_daily_labour, write_tiny_mine

    root = tmp_path_factory.mktemp("haulage")
    mine = write_tiny_mine(root / "mine")
    write_daily_labour(mine, [8.0] * 20)
    labour = pl.read_parquet(mine / "consumption_daily.parquet")
    haulage = labour.with_columns(resource=pl.lit("outsourced_haulage"),
                                  quantity=pl.when(pl.int_range(pl.len()) < HAUL_FROM).then(0.0).otherwise(50.0))
    pl.concat([labour, haulage]).write_parquet(mine / "consumption_daily.parquet")
    run = root / "run"
    result = invoke("cost", "data=parquet_dir", f"data.dir={mine}", "cost.anomaly_window=7", f"hydra.run.dir={run}",
                    "+costs.anomaly_rules.haulage_starts={cost_res_outsourced_haulage:{direction:up,threshold:0.2}}")
    assert result.exit_code == 0, result.output
    return run


def _strict_json(path: Path) -> dict:
    def refuse(token: str):
        raise AssertionError(f"{path.name} holds {token}, not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_an_anomaly_rising_from_zero_is_inf_in_its_table_and_metrics_json_stays_strict(haulage_starts):
    anomalies = pl.read_parquet(haulage_starts / "tables" / "anomalies.parquet").filter(pl.col("item") == "haulage_starts")
    # day 13 (45 CNY over a 7-day mean of 0) is unbounded; k days later the mean is 45 k / 7: 7 / k - 1,
    # >= 0.2 up to k = 5
    days = anomalies.select("date", "size").rows()
    assert days[0] == (dt.date(2024, 1, HAUL_FROM + 1), float("inf"))
    assert days[1:] == [(dt.date(2024, 1, HAUL_FROM + 1 + k), pytest.approx(7 / k - 1, rel=1e-12)) for k in range(1, 6)]
    metrics = _strict_json(haulage_starts / "metrics.json")
    assert metrics["cost.days"] == 20
    assert metrics["cost.total"] == pytest.approx(20 * 8 * 85 + (20 - HAUL_FROM) * 50 * 0.9, rel=1e-12)


def test_the_page_shows_an_inf_change_as_infinity_sorting_as_a_number(haulage_starts, tmp_path):
    run = Path(shutil.copytree(haulage_starts, tmp_path / "run"))
    assert invoke("report", run).exit_code == 0
    page = (run / "report.html").read_text()
    assert '<td class="num" data-sort="Infinity">∞</td>' in page
    assert not re.search(r'data-sort="-?inf"', page)


@pytest.mark.parametrize(("value", "key"), [(float("inf"), "Infinity"), (float("-inf"), "-Infinity"), (float("nan"), ""),
                                            (None, ""), (-3.0, "-3.0"), (2, "2.0"), ("M1", "M1")])
def test_a_sort_key_is_what_the_pages_parsefloat_reads_as_that_number(value, key):
    assert sort_key(value) == key


def _sorted_by_the_page(cells: list) -> list:
    """``cells`` in the order the comparator of base.html.j2 (run by node) puts their sort keys."""
    template = (Path(__file__).parents[2] / "minectl" / "report" / "templates" / "base.html.j2").read_text()
    body = re.search(r"var x = a\.cells.*?\n(.*?)return ascending", template, re.S).group(1)
    keys = [sort_key(v) for v in cells]
    script = (f"var keys = {json.dumps(keys)};\nvar order = keys.map(function (_, i) {{ return i; }});\n"
              f"order.sort(function (i, j) {{ var x = keys[i], y = keys[j];\n{body}return order; }});\n"
              "console.log(JSON.stringify(order));")
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    return [cells[i] for i in json.loads(done.stdout)]


NODE = pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's comparator")


@NODE
def test_the_pages_own_sort_puts_minus_infinity_first_and_infinity_last():
    """A column holding ±inf, NaN and None: before, -inf sorted between -3 and 0.5 (by the letters of "-inf")."""
    cells = [0.5, float("inf"), -3.0, float("-inf"), 12.0, None]
    assert _sorted_by_the_page(cells) == [None, float("-inf"), -3.0, 0.5, 12.0, float("inf")]
    assert _sorted_by_the_page([2.0, float("nan"), 1.0]) == [pytest.approx(float("nan"), nan_ok=True), 1.0, 2.0]


@NODE
@pytest.mark.parametrize("cells", [
    [dt.date(2023, 3, 1), dt.date(2023, 1, 1), dt.date(2024, 1, 5), dt.date(2023, 2, 1), dt.date(2022, 12, 31)],
    [dt.datetime(2023, 1, 1, 5), dt.datetime(2023, 1, 1, 1), dt.datetime(2022, 12, 31, 23), dt.datetime(2023, 1, 2)],
    [dt.datetime(2023, 1, 1, 5, tzinfo=dt.timezone.utc), dt.datetime(2023, 1, 1, 1, tzinfo=dt.timezone.utc)],
    [dt.timedelta(hours=30), dt.timedelta(hours=2), dt.timedelta(days=-1)],
])
def test_the_pages_own_sort_orders_dates_by_day_not_by_year(cells):
    """Before: the key "2023-02-01" read by parseFloat as 2023, so a daily table sorted by date kept
    each year's days in the order of the column sorted before."""
    assert _sorted_by_the_page(cells) == sorted(cells)


@NODE
def test_the_pages_own_sort_still_orders_numbers_and_text():
    """The near miss: numbers as numbers (10 after 9), text as text."""
    assert _sorted_by_the_page([10.0, 9.0, -1.5, 100.0]) == [-1.5, 9.0, 10.0, 100.0]
    assert _sorted_by_the_page(["M2", "M10", "a", "M1"]) == ["a", "M1", "M10", "M2"]


@pytest.fixture(scope="module")
def leads_sweep(tmp_path_factory) -> Path:
    """Three quick risk jobs, seed=0, of 1, 2 and 3 lead times: lead_1.* in 2 jobs, lead_2.* in 1."""
    sweep = tmp_path_factory.mktemp("leads") / "sweep"
    quick = [a for a in QUICK_RISK if not a.startswith("risk.lead_times")]
    result = invoke("risk", "-m", *quick, "risk.lead_times=[0],[0,1],[0,1,2]", "seed=0", f"hydra.sweep.dir={sweep}")
    assert result.exit_code == 0, result.output
    return sweep


def _group_cells(page: str) -> list[str]:
    groups = page[page.index('id="groups"'):page.index('id="failed"')]
    return re.findall(r'<td class="num" data-sort="[^"]*">([^<]*)</td>', groups)


def test_a_sweeps_page_names_the_jobs_a_groups_mean_is_over(leads_sweep):
    summary = pl.read_parquet(leads_sweep / "summary.parquet")
    lead_1, lead_2, lead_0 = (summary[m].drop_nulls() for m in ("lead_1.f1_macro", "lead_2.f1_macro", "lead_0.f1_macro"))
    assert (lead_1.len(), lead_2.len(), lead_0.len()) == (2, 1, 3)
    result = invoke("report", leads_sweep, "--by", "seed", "--metric", "lead_1.f1_macro", "--metric", "lead_2.f1_macro",
                    "--metric", "lead_0.f1_macro")
    assert result.exit_code == 0, result.output
    from minectl.report.formats import number

    assert _group_cells((leads_sweep / "report.html").read_text()) == [
        "3", f"{number(lead_1.mean())} ± {number(lead_1.std())} (2 of 3 jobs)", f"{number(lead_2[0])} (1 of 3 jobs)",
        f"{number(lead_0.mean())} ± {number(lead_0.std())}"]


def test_a_group_whose_jobs_all_hold_the_metric_shows_a_plain_mean_and_sd(leads_sweep, tmp_path):
    """The near miss: the same sweep grouped by its lead times, each group one job holding lead_0.*."""
    sweep = Path(shutil.copytree(leads_sweep, tmp_path / "sweep"))
    assert invoke("report", sweep, "--by", "risk.lead_times", "--metric", "lead_0.f1_macro").exit_code == 0
    lead_0 = pl.read_parquet(sweep / "summary.parquet")["lead_0.f1_macro"]
    from minectl.report.formats import number

    assert _group_cells((sweep / "report.html").read_text()) == [cell for v in lead_0 for cell in ("1", f"{number(v)} (one job)")]


# ---------------------------------------------------------------------------- a folder of sweeps


def test_report_of_a_folder_of_two_sweeps_names_them(leads_sweep, tmp_path):
    """multirun/<date>/ holding two sweeps: the error named no folder to give instead."""
    from harness import assert_refused

    day = tmp_path / "2026-12-07"
    for name in ("12-00-00", "13-00-00"):
        shutil.copytree(leads_sweep, day / name)
    (day / "notes").mkdir()
    assert_refused(["report", day], f"{day}: no .hydra/config.yaml (it holds the sweep folders 12-00-00, 13-00-00: "
                   "give one of them); expected a minectl run folder (or a sweep folder)", inputs=[day])


def test_report_of_an_empty_folder_says_what_it_expected(tmp_path):
    from harness import assert_refused

    (tmp_path / "empty" / "notes").mkdir(parents=True)
    line = assert_refused(["report", tmp_path / "empty"], f"{tmp_path / 'empty'}: no .hydra/config.yaml; expected a minectl run "
                          "folder (or a sweep folder)")
    assert "holds" not in line


# ---------------------------------------------------------------------------- provenance.json of the page


@pytest.mark.parametrize(("edit", "expect"), [
    ({"packages": ["polars"]}, "'packages' is list ['polars']; expected 'packages' as an object of package -> version"),
    ({"inputs": ["mine/production.parquet"]}, "'inputs' is list ['mine/production.parquet']; expected 'inputs' as an object of path -> sha256"),
    ({"cpu": 3}, "'cpu' is int 3; expected 'cpu' as an object of code path -> kernel"),
])
def test_report_refuses_a_provenance_json_of_other_types_in_one_line(haulage_starts, tmp_path, edit, expect):
    """Before: jinja2 UndefinedError "'list object' has no attribute 'items'", a traceback."""
    from harness import assert_refused

    run = Path(shutil.copytree(haulage_starts, tmp_path / "run"))
    provenance = run / "provenance.json"
    provenance.write_text(json.dumps(json.loads(provenance.read_text()) | edit))
    assert_refused(["report", run], f"{provenance}: {expect}", inputs=[run])


def test_the_page_lists_the_runs_inputs_and_packages_as_written(haulage_starts, tmp_path):
    """The near miss: the run's own provenance.json, every input file and package version on the page."""
    run = Path(shutil.copytree(haulage_starts, tmp_path / "run"))
    assert invoke("report", run).exit_code == 0
    page, provenance = (run / "report.html").read_text(), json.loads((run / "provenance.json").read_text())
    assert len(provenance["inputs"]) == 5  # the tiny mine's five tables
    for path, digest in provenance["inputs"].items():
        assert f"<tr><td>{path}</td><td><code>{digest}</code></td></tr>" in page
    assert f"<tr><th>polars</th><td>{provenance['packages']['polars']}</td></tr>" in page


# ---------------------------------------------------------------------------- a run page's status



def test_a_run_page_does_not_call_a_run_with_edited_metrics_ok(haulage_starts, tmp_path):
    """Before: "ok", and the edited cost.total as the run's headline; summarize calls such a job "edited"."""
    run = Path(shutil.copytree(haulage_starts, tmp_path / "run"))
    metrics = json.loads((run / "metrics.json").read_text())
    (run / "metrics.json").write_text(json.dumps(metrics | {"cost.total": 1.0}, indent=2, sort_keys=True) + "\n")
    assert status_on_page(run) == ("edited", "metrics.json differs from the one the run wrote (status.json's sha256); "
                                    "`minectl verify` replays the run")


def test_a_run_page_does_not_call_ok_a_status_written_for_another_config(haulage_starts, tmp_path):
    run = Path(shutil.copytree(haulage_starts, tmp_path / "run"))
    config = run / ".hydra" / "config.yaml"
    config.write_text(config.read_text().replace("seed: 0\n", "seed: 1\n", 1))
    status, error = status_on_page(run)
    assert status == "edited" and error.startswith("status.json and metrics.json were written for another config")


def test_a_run_page_of_a_crlf_checkout_is_still_ok(haulage_starts, tmp_path):
    """The near miss: git's core.autocrlf made every text file CRLF; the content is the run's own."""
    run = Path(shutil.copytree(haulage_starts, tmp_path / "run"))
    for name in ("metrics.json", "status.json", ".hydra/config.yaml"):
        (run / name).write_bytes((run / name).read_bytes().replace(b"\n", b"\r\n"))
    assert status_on_page(run) == ("ok", "")


# ---------------------------------------------------------------------------- a failed run


@pytest.mark.slow
def test_an_objective_that_is_no_metric_names_no_file_the_failed_run_removed(tmp_path):
    """Before: "... (30 metrics in metrics.json)", a file the failed run had just removed. (The
    objective is checked after the run, whose metric names it needs: its tables are printed first.)"""
    from conftest import write_tiny_mine

    mine, run = write_tiny_mine(tmp_path / "mine"), tmp_path / "run"
    result = invoke("cost", "data=parquet_dir", f"data.dir={mine}", "objective=cost.totl", f"hydra.run.dir={run}")
    assert result.exit_code == 2
    ok = invoke("cost", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={tmp_path / 'ok'}")
    assert ok.exit_code == 0, ok.output
    metrics = len(json.loads((tmp_path / "ok" / "metrics.json").read_text()))  # the same run without objective=
    assert result.output.strip().splitlines()[-1] == (
        "error: objective=cost.totl is not a metric of this run; expected one of: cost.total "
        f"({metrics} metrics; a run without objective= lists them in its metrics.json)")
    assert sorted(p.name for p in run.iterdir()) == [".hydra", "cost.log", "status.json"]


@NODE
def test_the_pages_own_sort_orders_text_starting_with_digits_as_text():
    """Months and periods kept as text ("2023-03"): parseFloat read each as its year, leaving a year's unsorted."""
    assert _sorted_by_the_page(["2023-03", "2023-01", "2022-12", "2023-02"]) == ["2022-12", "2023-01", "2023-02", "2023-03"]
