"""report.html of runs and sweeps: what the page holds, that it changes no metric, that a job
failing after its work is a failed job (status.json last), and the page in a real browser."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from browser import chromium, open_page
from typer.testing import CliRunner

from minectl.cli import app
from minectl.report.formats import number, unit_of
from minectl.report.page import REPORT_FILE, _plotly_js

SPEC = re.compile(r'<script type="application/json" id="(fig-\d+)-spec">(.*?)</script>', re.S)
needs_chromium = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (.ci/run installs it)")


def minectl(*args: object, code: int = 0):
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("report") / "demo"
    minectl("demo", "debug=quick", f"hydra.run.dir={run_dir}")
    return run_dir


def figures(html: str) -> dict[str, dict]:
    return {fig_id: json.loads(text.replace("<\\/", "</")) for fig_id, text in SPEC.findall(html)}


def test_units_and_numbers_read_as_a_person_reads_them():
    assert [unit_of(name, "CNY") for name in ("cost_energy", "unit_cost", "ore_t", "capacity.optimal_mt_a", "airflow_m3s",
                                              "kwh_per_t", "downtime_h", "crusher_load_pct", "mine_id", "share_labour")] == \
        ["CNY", "CNY/t", "t", "Mt/a", "m³/s", "kWh/t", "h", "%", "", "share"]
    assert [number(v) for v in (212963967.4, 12345.6, 1234.56, 78.5123, 0.0001234, 0.0, None, True, 12345, float("nan"))] == \
        ["212,963,967", "12,346", "1,234.6", "78.51", "0.0001234", "0", "–", "yes", "12,345", "NaN"]
    assert number(1848972000.4) == "1,848,972,000" and number(2.5e16) == "2.5e+16"


def test_a_table_with_start_and_end_is_drawn_as_a_gantt_chart():
    from datetime import datetime

    from minectl.report.figures import task_figures

    shifts = pl.DataFrame({"crew": ["A", "B"], "start": [datetime(2024, 1, 1, 6), datetime(2024, 1, 1, 14)],
                           "end": [datetime(2024, 1, 1, 14), datetime(2024, 1, 1, 22)]})
    periods = pl.DataFrame({"start": [0, 3], "end": [2, 7], "block": ["b1", "b2"]})
    gantt_time, gantt_numbers = task_figures("any_task", {"shifts": shifts, "periods": periods}, "CNY")
    assert gantt_time.spec["data"][0]["x"] == [8 * 3600_000] * 2 and gantt_time.spec["data"][0]["y"] == ["A", "B"]
    assert gantt_time.spec["data"][0]["base"] == ["2024-01-01T06:00:00", "2024-01-01T14:00:00"]
    assert gantt_numbers.spec["data"][0]["x"] == [2, 4] and gantt_numbers.spec["data"][0]["base"] == [0, 3]
    assert [f.id for f in (gantt_time, gantt_numbers)] == ["fig-0", "fig-1"]


def test_unit_cost_traces_hold_each_mines_days_in_date_order_and_gaps_as_null():
    from datetime import date

    from minectl.report.figures import task_figures

    daily = pl.DataFrame({"date": [date(2024, 1, 2), date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)],
                          "mine_id": ["B", "B", "A", "A", "A"],
                          "unit_cost": [float("inf"), 2.5, float("nan"), None, 7.0]}).with_columns(cost=pl.lit(1.0))
    anomalies = pl.DataFrame({"date": [date(2024, 1, 3)], "mine_id": ["A"]})
    (unit,) = [f for f in task_figures("cost", {"daily": daily, "anomalies": anomalies}, "CNY") if f.title == "Unit cost"]
    b, a, marks = unit.spec["data"]  # B first: its row of the first day comes first
    assert (b["name"], b["x"], b["y"]) == ("B", ["2024-01-01", "2024-01-02"], [2.5, None])
    assert (a["name"], a["x"], a["y"]) == ("A", ["2024-01-01", "2024-01-02", "2024-01-03"], [None, None, 7.0])
    assert (marks["x"], marks["y"], marks["text"]) == (["2024-01-03"], [7.0], ["A"])


def test_a_runs_page_holds_its_figures_tables_config_and_provenance(demo_run):
    html = (demo_run / REPORT_FILE).read_text()
    metrics = json.loads((demo_run / "metrics.json").read_text())
    cards = re.findall(r'<div class="value">([^<]+)', html)
    assert cards[0].strip() == number(metrics["cost.total"]) and cards[3].strip() == str(int(metrics["cost.days"]))
    # plotly.js embedded once, gzipped, byte for byte the installed package's
    packed = re.findall(r'<script type="application/octet-stream" id="plotly-gzip-base64">([^<]+)</script>', html)
    assert len(packed) == 1 and gzip.decompress(base64.b64decode(packed[0])) == _plotly_js()
    assert len(html) < 2.5e6
    assert "cdn" not in re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S).lower()  # nothing fetched from outside
    assert "<th class=\"num\">cost [CNY]</th>" in html and "First 50 of 182 rows" in html
    assert "task_name: demo" in html and 'id="status">ok<' in html
    assert json.loads((demo_run / "provenance.json").read_text())["git_revision"] or "not a git checkout" in html
    specs = figures(html)
    assert len(specs) == 2  # cost by category and unit cost: hover values instead of the two PNGs
    for spec in specs.values():
        layout = spec["layout"]
        assert layout["xaxis"]["title"]["text"] and "[" in layout["yaxis"]["title"]["text"]  # labelled, with units
        assert any(v is not None for trace in spec["data"] for v in trace["y"])
    daily = pl.read_parquet(demo_run / "tables" / "daily.parquet")
    stacked = sum(trace["y"][0] for trace in specs["fig-0"]["data"])  # the categories add up to the day's cost
    assert stacked == pytest.approx(daily.sort("date")["cost"][0], rel=1e-12)


def test_a_table_no_figure_draws_is_read_for_its_first_rows_and_counted_whole(demo_run, tmp_path, monkeypatch):
    """The page shows 50 rows of each table: a cost run's ledger (3 M rows at 164 mines, 0.3 s and 100 MB) is read
    for its first rows only, its row count from the file; the tables the figures draw are read whole."""
    import pyarrow.parquet as pq

    from minectl.report.page import run_context

    run_dir = shutil.copytree(demo_run, tmp_path / "run")
    read, real_read = {}, pl.read_parquet

    def read_parquet(path, **kw):
        read[Path(path).stem] = kw.get("n_rows")
        return real_read(path, **kw)

    monkeypatch.setattr(pl, "read_parquet", read_parquet)
    context = run_context(run_dir)
    assert read == {"anomalies": None, "daily": None, "ledger": 500, "realism": 500}
    ledger = next(t for t in context["tables"] if t.name == "ledger")
    assert (len(ledger.rows), ledger.total) == (50, pq.ParquetFile(run_dir / "tables" / "ledger.parquet").metadata.num_rows)
    assert ledger.total > 500


def test_annual_data_is_drawn_as_bars_not_a_blank_area(tmp_path):
    """The taconite mines have one period each: an area of one point is blank (as plots/daily_cost_by_category.png is)."""
    run_dir = tmp_path / "taconite"
    minectl("cost", "+experiment=taconite", f"hydra.run.dir={run_dir}")
    html = (run_dir / REPORT_FILE).read_text()
    by_category, unit = figures(html).values()
    assert {trace["type"] for trace in by_category["data"]} == {"bar"} and by_category["layout"]["barmode"] == "stack"
    daily = pl.read_parquet(run_dir / "tables" / "daily.parquet")
    assert sum(trace["y"][0] for trace in by_category["data"]) == pytest.approx(daily["cost"].sum(), rel=1e-12)
    assert unit["data"][0]["x"] == daily["mine_id"].to_list() and unit["data"][0]["y"] == daily["unit_cost"].to_list()
    assert 'alt="daily_cost_by_category"' not in html and 'alt="unit_cost"' not in html  # the bars replace the PNGs


def test_the_report_changes_no_metric_and_is_rebuilt_the_same(demo_run, tmp_path):
    plain = tmp_path / "plain"
    minectl("demo", "debug=quick", "report=false", f"hydra.run.dir={plain}")
    assert not (plain / REPORT_FILE).exists()
    assert (plain / "metrics.json").read_text() == (demo_run / "metrics.json").read_text()
    copy = tmp_path / "copy" / demo_run.name
    shutil.copytree(demo_run, copy)
    (copy / REPORT_FILE).unlink()
    minectl("report", copy)
    assert (copy / REPORT_FILE).read_text() == (demo_run / REPORT_FILE).read_text().replace(str(demo_run), str(copy))


def test_a_run_stopped_before_its_end_is_shown_incomplete(demo_run, tmp_path):
    """SIGKILL leaves no status.json: the page said "unknown" where it knows the run did not finish."""
    copy = Path(shutil.copytree(demo_run, tmp_path / "killed"))
    (copy / "status.json").unlink()
    minectl("report", copy)
    html = (copy / REPORT_FILE).read_text()
    assert '<span class="status incomplete" id="status">incomplete</span>' in html
    assert "no status.json: the run did not finish (stopped, killed, or still running)" in html


def test_text_from_the_folder_is_escaped(demo_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(demo_run, copy)
    pl.DataFrame({"note": ["<script>alert(1)</script>"]}).write_parquet(copy / "tables" / "notes.parquet")
    minectl("report", copy)
    html = (copy / REPORT_FILE).read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


@pytest.mark.parametrize("damage, expect", [
    (lambda d: (d / "metrics.json").write_text('{"cost.total": "lots"}'), "metrics.json: metric 'cost.total' is str 'lots'"),
    (lambda d: shutil.rmtree(d / ".hydra"), "no .hydra/config.yaml; expected a minectl run folder (or a sweep folder)"),
    (lambda d: (d / "tables" / "daily.parquet").write_bytes(b"PAR1 not really"), "daily.parquet: unreadable as parquet"),
])
def test_a_damaged_folder_is_one_line(demo_run, tmp_path, damage, expect):
    copy = tmp_path / "copy"
    shutil.copytree(demo_run, copy)
    damage(copy)
    result = minectl("report", copy, code=2)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expect in lines[0], result.output


def test_a_job_failing_after_its_work_is_a_failed_job(tmp_path):
    """`objective=` naming a missing metric: the job is failed (no results kept), the sweep goes on,
    and status.json is the last file an ok job writes."""
    sweep = tmp_path / "sweep"
    minectl("capacity", "-m", "debug=quick", "objective=capacity.optimal_mt_a,capacity.optimal_mt", f"hydra.sweep.dir={sweep}", code=1)
    summary = pl.read_parquet(sweep / "summary.parquet")
    assert summary["status"].to_list() == ["ok", "failed"]
    assert summary["error"][1].startswith("objective=capacity.optimal_mt is not a metric of this run; expected one of: "
                                          "capacity.optimal_mt_a")
    assert not (sweep / "1" / "metrics.json").exists() and not (sweep / "1" / REPORT_FILE).exists()
    ok_job = sweep / "0"
    status_time = (ok_job / "status.json").stat().st_mtime_ns
    assert all(p.stat().st_mtime_ns <= status_time for p in ok_job.rglob("*") if p.is_file() and p.suffix != ".log")
    page = (sweep / REPORT_FILE).read_text()
    failed = page.split('<section id="failed">')[1].split("</section>")[0]
    assert ">1</td>" in failed and "capacity.optimal_mt is not a metric" in failed
    minectl("report", sweep, "--metric", "capacity.optimal_mt_a", code=0)  # the metric compared
    page = (sweep / REPORT_FILE).read_text()
    assert figures(page)["fig-0"]["data"][0]["y"] == [json.loads((ok_job / "metrics.json").read_text())["capacity.optimal_mt_a"]]
    single = tmp_path / "single"
    result = minectl("capacity", "debug=quick", "objective=capacity.optimal_mt", f"hydra.run.dir={single}", code=2)
    assert "error: objective=capacity.optimal_mt is not a metric of this run" in result.output
    assert json.loads((single / "status.json").read_text())["status"] == "failed" and not (single / "metrics.json").exists()


@needs_chromium
def test_the_page_renders_in_chromium_without_a_javascript_error(demo_run, tmp_path):
    page = open_page(demo_run / REPORT_FILE, tmp_path / "demo.png")
    assert page.console == []
    assert 'data-rendered="yes"' in page.dom  # the page's own script ran to its end
    rendered = re.findall(r'<div class="plot plotly-figure[^"]*" id="(fig-\d+)"[^>]*>.*?class="main-svg"', page.dom, re.S)
    assert rendered == ["fig-0", "fig-1"]  # plotly drew into every figure
    for section in ("headline", "plots", "tables", "metrics", "config", "provenance"):
        assert f'<section id="{section}">' in page.dom
    assert page.screenshot.stat().st_size > 50_000


# task -> its command (every task of minectl.tasks.TASKS: a new task fails the test until listed)
TASKS = {"demo": ["demo"], "cost": ["cost"], "capacity": ["capacity"], "uncertainty": ["uncertainty"], "forecast": ["forecast"],
         "optimize": ["optimize"], "risk": ["risk"], "schedule": ["schedule"], "factors": ["factors"],
         "extract": ["factors", "extract"]}


def test_every_task_has_a_browser_check():
    from minectl.tasks import TASKS as ALL

    assert set(TASKS) == set(ALL)


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("task", TASKS)
def test_every_tasks_report_renders_in_chromium(task, tmp_path):
    """MINECTL_SCREENSHOTS=docs/screenshots keeps the screenshots (docs/report.md shows them)."""
    run_dir = tmp_path / task
    minectl(*TASKS[task], "debug=quick", f"hydra.run.dir={run_dir}")
    keep = os.environ.get("MINECTL_SCREENSHOTS")
    shot = Path(keep) / f"{task}.png" if keep else tmp_path / f"{task}.png"
    page = open_page(run_dir / REPORT_FILE, shot, height=1600)
    assert page.console == [] and 'data-rendered="yes"' in page.dom
    drawn = len(re.findall(r'class="main-svg"', page.dom))
    assert drawn >= len(figures((run_dir / REPORT_FILE).read_text()))
    assert '<section id="headline">' in page.dom and "No metrics" not in page.dom


@pytest.mark.slow
@needs_chromium
def test_a_sweeps_page_renders_in_chromium_and_sorts(tmp_path):
    sweep = tmp_path / "sweep"
    minectl("capacity", "-m", "debug=quick", "seed=1,2", "key_factors=2,3", f"hydra.sweep.dir={sweep}")
    page = open_page(sweep / REPORT_FILE, tmp_path / "sweep.png", height=1400)
    assert page.console == [] and 'data-rendered="yes"' in page.dom
    assert re.search(r'id="fig-0"[^>]*>.*?class="main-svg"', page.dom, re.S)  # the comparison plot was drawn
    assert "by key_factors" in page.dom and "None: every job finished ok." in page.dom
