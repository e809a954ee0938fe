"""Bad-input corpus, round 12: run folders and report.html, past test_probe_round11b_runs.py.

report.html labelled the unit cost "CNY/t of output" (axis), "CNY/t" (headline card, table header)
whatever cost.output was: a `cost.output=drilled_m` run's 59.5 CNY per metre drilled read as per
tonne (the PNG plot and the terminal said "per drilled_m"). `objective=METRIC` naming no metric of
the run failed only after the run had printed its tables as if they were results (34 lines, then
the error). `verify RUN seed=5` (and any mistyped command line of verify, summarize, report, data
synth) printed click's usage block. `summarize` of a folder of sweeps said only "holds no jobs".
The page's sort read every key with JS Number(), so a text cell "0x10" sorted as 16, "1e3" as 1000.
Past those: plotly.js drew a mine id '<a href=...>' of someone else's data as a live link; a run page
listed every metric (600,000 of a 13 MB metrics.json: a 60 MB page in 45 s); `report RUN --by seed` took
--by and --metric and used neither; a path of letters beyond ASCII (data.dir=/data/矿山) was refused
without saying that Hydra reads it quoted; an unknown --metric of a sweep listed every metric.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import assert_refused, invoke

DRILLED_PER_DAY = 10.0  # the tiny mine's drilled_m each day (tests/conftest.py write_tiny_mine)
LABOUR_TOTAL = 2975.0  # CNY over its 5 days (85 CNY/h of haulage labour)


@pytest.fixture(scope="module")
def drilled(tmp_path_factory) -> Path:
    """A demo run on the tiny mine whose unit cost is per metre drilled (cost.output=drilled_m), with an
    objective the run writes; its report.html is drawn. Its folders' names hold a space and letters beyond
    ASCII, which Hydra's grammar reads quoted."""
    from conftest import write_tiny_mine

    root = tmp_path_factory.mktemp("r12runs")
    run = root / "drilled ü"
    result = invoke("demo", "data=parquet_dir", f"data.dir='{write_tiny_mine(root / 'mine 矿山')}'", "cost.output=drilled_m",
                    "objective=cost.unit_mean", f"hydra.run.dir='{run}'")
    assert result.exit_code == 0, result.output
    assert "Cost structure, 5 mine-days" in result.output  # the run's tables, shown once its objective was found
    return run


def test_report_labels_the_unit_cost_per_cost_output_not_per_tonne(drilled):
    html = (drilled / "report.html").read_text(encoding="utf-8")
    unit_mean = LABOUR_TOTAL / 5 / DRILLED_PER_DAY  # 59.5 CNY per metre drilled
    assert json.loads((drilled / "metrics.json").read_text())["cost.unit_mean"] == pytest.approx(unit_mean)
    assert re.search(r'<div class="value">59\.5 <small>CNY/drilled_m</small></div>\s*<div class="label">Mean unit cost', html)
    assert "unit cost [CNY/drilled_m]" in html and "unit_cost [CNY/drilled_m]" in html  # the figure's axis, the table
    assert "/t of output" not in html and "unit_cost [CNY/t]" not in html


def test_a_figure_without_a_cost_output_keeps_tonnes():
    from datetime import date

    import polars as pl

    from minectl.report.figures import task_figures

    daily = pl.DataFrame({"date": [date(2024, 1, 1), date(2024, 1, 2)], "mine_id": ["A", "A"], "unit_cost": [2.0, 3.0]})
    (unit,) = [f for f in task_figures("cost", {"daily": daily}, "USD") if f.title == "Unit cost"]
    assert unit.spec["layout"]["yaxis"]["title"]["text"] == "unit cost [USD/t]"
    (unit,) = [f for f in task_figures("cost", {"daily": daily}, "USD", "pellet_t") if f.title == "Unit cost"]
    assert unit.spec["layout"]["yaxis"]["title"]["text"] == "unit cost [USD/pellet_t]"


def test_an_objective_the_run_does_not_write_is_one_line_without_the_runs_tables(drilled, tmp_path):
    data = f"data.dir='{drilled.parent / 'mine 矿山'}'"
    run = tmp_path / "run"
    assert_refused(["demo", "data=parquet_dir", data, "objective=cost.totl", "report=false", f"hydra.run.dir={run}"],
                   ["objective=cost.totl is not a metric of this run", "expected one of: cost.total"], run_dir=run)


def test_a_value_hydra_reads_only_quoted_is_refused_with_the_quoted_override(drilled):
    mine = drilled.parent / "mine 矿山"  # the fixture's run read it quoted
    assert_refused(["demo", "data=parquet_dir", f"data.dir={mine}"],
                   [f"cannot parse override 'data.dir={mine}' (token recognition error at: '矿')",
                    f"(such a value is quoted: data.dir='{mine}')"], inputs=[mine])
    assert_refused(["demo", "data.dir=[1"], "cannot parse override 'data.dir=[1' (no viable alternative at input '[1'); "
                   "expected key=value, group=option, +key=value or ~key")  # no quote would read it


@pytest.mark.parametrize(("args", "expect"), [
    (["seed=5"], ["minectl verify: got unexpected extra argument(s) (seed=5) (verify takes no overrides)",
                  "expected minectl verify RUN_DIR [--rtol RTOL] [--atol ATOL] [--out OUT]"]),
    (["--tolerance", "1e-9"], ["no such option: --tolerance", "expected minectl verify RUN_DIR"]),
    (["--rtol", "tiny"], ["invalid value for '--rtol'", "expected minectl verify RUN_DIR"]),
])
def test_a_mistyped_verify_command_line_is_one_line(drilled, args, expect):
    assert_refused(["verify", drilled, *args], expect, inputs=[drilled])


def test_summarize_and_report_without_their_folder_are_one_line():
    assert_refused(["summarize"], ["minectl summarize: missing argument", "expected minectl summarize SWEEP_DIR [--by BY]"])
    assert_refused(["report", "--metric"], ["minectl report: option '--metric' requires an argument",
                                            "expected minectl report FOLDER"])


def test_summarize_of_a_folder_of_sweeps_names_them(tmp_path):
    multirun = tmp_path / "multirun"
    for time in ("12-00-00", "13-00-00"):
        (multirun / "2024-01-01" / time).mkdir(parents=True)
        (multirun / "2024-01-01" / time / "multirun.yaml").write_text("hydra: {}\n")
    assert_refused(["summarize", multirun / "2024-01-01"],
                   "holds no jobs (it holds the sweep folders 12-00-00, 13-00-00: give one of them)", inputs=[multirun])
    assert_refused(["summarize", multirun],  # multirun/ of dates: the sweeps a level below
                   "(it holds the sweep folders 2024-01-01/12-00-00, 2024-01-01/13-00-00: give one of them)", inputs=[multirun])
    assert_refused(["report", multirun], "(it holds the sweep folders 2024-01-01/12-00-00, 2024-01-01/13-00-00", inputs=[multirun])


SHIM = """
const fs = require("fs");
const [page, columnsJson] = [fs.readFileSync(process.argv[1], "utf8"), process.argv[2]];
const script = page.match(/<script>\\n(\\/\\/ Sortable tables[\\s\\S]*?)<\\/script>/)[1];
const sorted = [];
const heads = JSON.parse(columnsJson).map((keys) => {
  const body = {rows: keys.map((key) => ({cells: [{dataset: {sort: key}}], key})),
                appendChild(row) { this.rows.splice(this.rows.indexOf(row), 1); this.rows.push(row); }};
  const th = {cellIndex: 0, attributes: {},
              getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; },
              setAttribute(name, value) { this.attributes[name] = value; }, removeAttribute(name) { delete this.attributes[name]; },
              addEventListener(kind, handler) { this.click = handler; }};
  const table = {tBodies: [body], querySelectorAll() { return [th]; }};
  th.closest = () => table;
  return {th, body};
});
global.document = {querySelectorAll: () => heads.map((head) => head.th),
                   getElementById() { throw new Error("the figures' part: not needed here"); }, body: {dataset: {}}};
try { eval(script); } catch (error) { /* past the sort: plotly's loader */ }
heads.forEach((head) => { head.th.click(); sorted.push(head.body.rows.map((row) => row.key)); });
console.log(JSON.stringify(sorted));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
def test_the_pages_sort_reads_text_as_text_and_numbers_as_numbers(drilled):
    from minectl.report.formats import sort_key

    columns = [["0xA", "0x10", "0x9"],  # ids: Number() read them as 10, 16 and 9
               ["1e3", "", "1500", "2e1", "20"],  # text after the numbers: "1e3" was 1000, "2e1" 20
               [sort_key(v) for v in (10.0, float("-inf"), 9.5, None, 2, 1e16)]]
    done = subprocess.run(["node", "-e", SHIM, str(drilled / "report.html"), json.dumps(columns)],
                          capture_output=True, text=True, timeout=60, check=True)
    ids, mixed, numbers = json.loads(done.stdout)
    assert ids == ["0x10", "0x9", "0xA"]  # by their letters
    assert mixed == ["", "20", "1500", "1e3", "2e1"]  # missing, whole numbers (a seed, a year), then text
    assert numbers == ["", "-Infinity", "2.0", "9.5", "10.0", "1e+16"]


def test_a_run_page_lists_at_most_5000_metrics_and_says_how_many_the_run_has(drilled, tmp_path):
    """600,000 metrics (13 MB of metrics.json, under its 20 MB limit) made a page of 60 MB in 45 s."""
    from minectl.report.page import write_run_report

    run = Path(shutil.copytree(drilled, tmp_path / "many"))
    metrics = json.loads((run / "metrics.json").read_text())
    (run / "metrics.json").write_text(json.dumps(metrics | {f"zz.{i:05d}": float(i) for i in range(6000)}))
    html = write_run_report(run).read_text(encoding="utf-8")
    section = html[html.index('<section id="metrics">'):html.index('<section id="config">')]
    total = len(metrics) + 6000
    assert f"<summary>{total:,} metrics (metrics.json); the first 5000 by name shown</summary>" in section
    assert section.count("<tr><td") == 5000 and "zz.04958" in section and "zz.04959" not in section  # 41 names sort first
    small = write_run_report(drilled).read_text(encoding="utf-8")  # a run's own: all of them, as before
    assert f"<summary>{len(metrics)} metrics (metrics.json)</summary>" in small


def test_a_mine_id_holding_html_is_text_on_the_page_not_a_link_plotly_draws(drilled, tmp_path):
    """plotly.js reads a trace's name, category or hover text as its own HTML: a mine id '<a href=...>' of
    someone else's data was a live link in the legend ('&mu;' showed as 'μ'); the table cell was escaped."""
    import polars as pl

    from minectl.report.page import write_run_report

    run = Path(shutil.copytree(drilled, tmp_path / "html"))
    mine = '<a href="https://x.example">M1</a> &mu;'
    daily = run / "tables" / "daily.parquet"
    pl.read_parquet(daily).with_columns(mine_id=pl.lit(mine)).write_parquet(daily)
    html = write_run_report(run).read_text(encoding="utf-8")
    specs = {name: json.loads(text) for name, text in
             re.findall(r'<script type="application/json" id="(fig-\d+)-spec">(.*?)</script>', html, re.S)}
    unit = next(spec for spec in specs.values() if spec["layout"]["title"]["text"].startswith("Unit cost"))
    assert unit["data"][0]["name"] == '&lt;a href="https://x.example">M1&lt;/a> &amp;mu;'  # plotly shows it as written
    assert '<a href="https' not in html and '&lt;a href=&quot;https://x.example&quot;&gt;M1&lt;/a&gt; &amp;mu;' in html
    plain = json.loads(re.search(r'id="fig-1-spec">(.*?)</script>', (drilled / "report.html").read_text()).group(1))
    assert plain["data"][0]["name"] == "M1" and plain["layout"]["xaxis"]["title"]["text"] == "date"


def test_report_of_a_run_folder_refuses_the_sweep_options_it_would_not_use(drilled):
    """--by and --metric group and compare a sweep's jobs: given with a run folder they were taken and not used."""
    page = (drilled / "report.html").read_bytes()
    for option in (["--by", "seed"], ["--metric", "cost.total"]):
        assert_refused(["report", drilled, *option], [f"{' '.join(option)}: {drilled} is a run folder, whose page compares "
                                                      "no jobs; expected a sweep folder with --by and --metric"])
    assert (drilled / "report.html").read_bytes() == page
    assert invoke("report", drilled).exit_code == 0 and (drilled / "report.html").read_bytes() == page  # rebuilt the same


def test_an_unknown_metric_of_a_sweep_names_the_nearest_not_every_metric():
    """summarize/report --metric cost.totl listed all the sweep's metrics in its error line (thousands for some tasks)."""
    from minectl.results import unknown_metric

    names = ["cost.total", "cost.unit_mean", *(f"lead_{i}.f1_macro" for i in range(600))]
    assert unknown_metric("cost.totl", Path("sweep"), names) == (
        "unknown metric 'cost.totl' in sweep; expected one of: cost.total (602 metrics: all in summary.parquet)")
    assert unknown_metric("zzz", Path("sweep"), names[:2]) == (
        "unknown metric 'zzz' in sweep; expected one of: cost.total, cost.unit_mean")  # all of them: no count
