"""One self-contained HTML page per run or sweep folder (report.html), rendered with Jinja2.

The page opens offline: styles, the sort script, the PNG plots (base64) and plotly.js (read
from the installed plotly package, embedded once, only when the page has an interactive plot)
are all inside it. The folder is read as untrusted input (minectl.runfolder): JSON and YAML
with their types checked, tables as parquet; nothing in it is executed, and every text is
HTML-escaped by the template.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gzip
import importlib.util
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from minectl.errors import DataError
from minectl.report.formats import header, number, sort_key, unit_of

REPORT_FILE = "report.html"
MAX_ROWS = 50  # rows of a run's table shown on the page (the parquet file holds them all)
MAX_GROUP_METRICS = 8
# metrics listed on a run's page: a run writes tens to thousands; 600,000 of a 13 MB metrics.json made a page of
# 60 MB in 45 s (the file holds them all)
MAX_METRICS_SHOWN = 5000
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})  # JSON inside <script>

# task -> (metric, label, unit); "{cur}": the run's currency, "{out}": its cost.output. Missing metrics are skipped.
HEADLINES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "cost": (("cost.total", "Total cost", "{cur}"), ("cost.unit_mean", "Mean unit cost", "{cur}/{out}"),
             ("cost.unit_sd", "Unit cost s.d.", "{cur}/{out}"), ("cost.days", "Days", "d"),
             ("anomalies.count", "Anomalies", "flags"), ("anomalies.attributed", "Anomalies attributed", "flags")),
    "capacity": (("capacity.optimal_mt_a", "Risk-adjusted optimal capacity", "Mt/a"),
                 ("capacity.unconstrained_mt_a", "Unconstrained optimum", "Mt/a"),
                 ("capacity.lower_mt_a", "Lower limit", "Mt/a"), ("capacity.upper_mt_a", "Upper limit", "Mt/a")),
    "uncertainty": (("uncertainty.level.estimate", "Mean level", ""), ("uncertainty.level.ci_low", "CI low", ""),
                    ("uncertainty.level.ci_high", "CI high", ""),
                    ("uncertainty.log_return.standard_error", "Log-return s.e.", "")),
    "forecast": (("validation.mape", "Validation MAPE (chosen model)", "%"), ("backtest.mape.naive", "Naive MAPE", "%"),
                 ("backtest.mape.arima", "ARIMA MAPE", "%"), ("backtest.mape.lstm", "LSTM MAPE", "%"),
                 ("series.months", "Months of data", "months")),
    "optimize": (("decision.pillar_height_m", "Chosen pillar height", "m"),
                 ("decision.sidewall_thickness_m", "Chosen sidewall thickness", "m"),
                 ("decision.simulated.subsidence_cm", "Subsidence (simulated)", "cm"),
                 ("decision.simulated.ore_t", "Ore (simulated)", "t"), ("pareto.size", "Pareto designs", "designs")),
    "risk": (("lead_0.f1_macro", "Macro F1, lead 0", ""), ("lead_0.persistence_f1_macro", "Persistence F1", ""),
             ("lead_0.majority_f1_macro", "Majority F1", ""), ("lead_0.accuracy", "Accuracy, lead 0", ""),
             ("data.days", "Days of data", "d")),
}
HEADLINES["demo"] = HEADLINES["cost"]
HEADLINES["schedule"] = (("schedule.cpit.value", "Schedule value (CPIT)", ""), ("schedule.cpit.gap", "Gap to the bound", ""),
                         ("schedule.upit.value", "Pit value (UPIT)", ""), ("schedule.loop.npv_true.ml", "NPV, ML-updated plan", ""),
                         ("schedule.loop.npv_true.static", "NPV, static plan", ""))
HEADLINES["factors"] = (("kg.nodes", "Graph nodes", "nodes"), ("kg.edges", "Graph edges", "edges"),
                        ("kge.complex.mrr", "ComplEx MRR", ""), ("kge.baseline.mrr", "Baseline MRR", ""))


@dataclass
class Table:
    name: str
    headers: list[str]
    numeric: list[bool]
    rows: list[list[tuple[str, str]]]  # (shown text, sort key) per cell
    total: int

    def body(self) -> Markup:
        """The <tr> rows, escaped here in one pass (a template loop per cell costs ~10x more)."""
        from html import escape

        cls = [' class="num"' if n else "" for n in self.numeric]
        return Markup("\n".join(
            "<tr>" + "".join(f'<td{c} data-sort="{escape(key)}">{escape(text)}</td>' for c, (text, key) in zip(cls, row, strict=True))
            + "</tr>" for row in self.rows))


def _plotly_js() -> bytes:
    """plotly.js as the installed plotly package ships it (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("plotly is not installed; expected the plotly package (pip install plotly)")
    return (Path(list(spec.submodule_search_locations)[0]) / "package_data" / "plotly.min.js").read_bytes()


@functools.lru_cache(maxsize=1)
def packed_plotly_js() -> str:
    """plotly.js gzipped and base64-encoded, which the page inflates with the browser's own
    DecompressionStream: 4.8 MB of script become 2.0 MB of page (a sweep keeps one per job)."""
    return base64.b64encode(gzip.compress(_plotly_js(), compresslevel=6, mtime=0)).decode("ascii")


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("minectl.report", "templates"), autoescape=select_autoescape(["j2", "html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = number
    # <, > and & as JSON escapes: a name holding "</script>" or "<!--<script>" (which makes the
    # parser skip the closing tag) cannot end or swallow the script element
    env.filters["json_script"] = lambda data: plotly_text(json.dumps(data, separators=(",", ":"))).translate(_SCRIPT_SAFE)
    return env


# What plotly.js reads as its own HTML in a text: its tags (<b>, <a href=...>, <br> ...; a tag's name ends at a
# space, a newline, which JSON writes \n, or >) and entities (&mu;). Other text, "<script>" too, it shows as written.
PLOTLY_MARKUP = re.compile(r"<(?=/?(?:a|b|br|em|i|s|span|sub|sup|u)[ >\\])|&(?=#\d+;|#x[\da-fA-F]+;|[a-z]+;)", re.I)


def plotly_text(spec_json: str) -> str:
    """A figure spec's JSON whose texts hold no markup of plotly.js: a trace's name, a category or a hover
    text is read as its own HTML, so a mine id '<a href=...>' in someone else's data put a link on the page.
    Its < and & become entities, which plotly shows as the characters."""
    return PLOTLY_MARKUP.sub(lambda found: "&lt;" if found.group() == "<" else "&amp;", spec_json)


def _table(name: str, frame: Any, currency: str, max_rows: int | None = MAX_ROWS, output: str = "t",
           height: int | None = None) -> Table:
    """``height``: the table's rows where ``frame`` holds its first rows only."""
    shown = frame if max_rows is None else frame.head(max_rows)
    numeric = [dtype.is_numeric() for dtype in frame.dtypes]
    rows = [[(number(v), sort_key(v)) for v in row] for row in shown.iter_rows()]
    return Table(name, [header(c, currency, output) for c in frame.columns], numeric, rows,
                 frame.height if height is None else height)


def _write(target: Path, html: str) -> Path:
    from minectl.atomic import atomic_path

    with atomic_path(target) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target


def _render(template: str, figures: list, **context: Any) -> str:
    return _environment().get_template(template).render(
        figures=figures, plotly_packed=packed_plotly_js() if figures else "", **context)


# ---------------------------------------------------------------------------- a run


def _read_optional(reader: Any, path: Path, default: Any) -> Any:
    return reader(path) if path.exists() else default


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 20 << 20  # a run's plot is about 100 kB


def _own_file(path: Path, run_dir: Path, expected: str) -> None:
    """``path`` is a file inside the run folder: not a link to a file elsewhere (the page would carry,
    say, /etc/passwd to whoever it is sent to), nor a pipe or device (reading one never ends) or a
    folder (polars reads a folder of parquet files as one table)."""
    from minectl.runfolder import bad, not_a_file, own_file

    own_file(path, run_dir, expected)  # also a link in a loop, which Path.resolve raised as a RuntimeError traceback
    if not path.is_file():
        raise bad(path, not_a_file(path), expected)


def _png(path: Path, run_dir: Path) -> bytes:
    """The bytes of a run's plot, embedded in the page: a PNG file inside the folder (_own_file), not a huge file."""
    from minectl.runfolder import bad

    expected = "a PNG image the run drew, inside its folder"
    _own_file(path, run_dir, expected)
    if path.stat().st_size > MAX_PNG_BYTES:
        raise bad(path, f"{path.stat().st_size / 2**20:.0f} MB, larger than the {MAX_PNG_BYTES >> 20} MB a plot takes", expected)
    data = path.read_bytes()
    if not data.startswith(PNG_MAGIC):
        raise bad(path, "not a PNG image", expected)
    return data


def run_context(run_dir: Path, status: dict | None = None) -> dict:
    """What the run page shows, read from the folder. ``status``: the job's status when the
    engine writes the report before status.json (which is written last)."""
    import polars as pl

    from minectl.results import (
        METRICS_FILE,
        PROVENANCE_FILE,
        STATUS_FILE,
        metrics_edited,
        parquet_rows,
        read_status,
        run_tables,
        status_of_another_config,
        tables_edited,
    )
    from minectl.runfolder import check_not_inside_a_run, read_metrics, read_provenance, read_text, read_yaml_list, yaml_mapping

    run_dir = Path(run_dir)
    config_file = run_dir / ".hydra" / "config.yaml"
    check_not_inside_a_run(run_dir)
    if not config_file.is_file():
        raise DataError(f"{run_dir}: no .hydra/config.yaml{holds_sweeps(run_dir)}; expected a minectl run folder (or a sweep folder)")
    overrides_file = run_dir / ".hydra" / "overrides.yaml"
    for path in (config_file, overrides_file, run_dir / METRICS_FILE, run_dir / PROVENANCE_FILE):  # the page carries them
        if path.exists() or path.is_symlink():
            _own_file(path, run_dir, "a file the run wrote, inside its folder")
    config_text = read_text(config_file, "the run's config")
    config = yaml_mapping(config_file, config_text, "the YAML mapping of the run's config")
    task = str(config.get("task_name", "?"))
    costs = config.get("costs")
    currency = str(costs.get("currency", "CNY")) if isinstance(costs, dict) else "currency units"
    cost = config.get("cost")  # a unit cost is per cost.output's column: drilled_m is metres, not tonnes
    output = str(cost["output"]) if isinstance(cost, dict) and cost.get("output") else "t"
    unfinished = {"status": "incomplete", "error": "no status.json: the run did not finish (stopped, killed, or still running)"}
    status = status or _read_optional(read_status, run_dir / STATUS_FILE, unfinished)
    metrics = _read_optional(read_metrics, run_dir / METRICS_FILE, {})
    provenance = _read_optional(read_provenance, run_dir / PROVENANCE_FILE, {})  # its inputs and packages typed: the page lists them
    for path in run_tables(run_dir):  # before any is hashed or read: a pipe never ends, a link leads elsewhere
        _own_file(path, run_dir, "a table the run wrote, inside its folder")
    if status["status"] == "ok" and not (run_dir / METRICS_FILE).exists():  # an ok run wrote it before its status: removed since
        status = {"status": "incomplete", "error": "status.json says ok but metrics.json is missing"}
    elif status["status"] == "ok" and metrics_edited(run_dir, status):  # as summarize says of a sweep's job: not shown as ok
        status = {"status": "edited", "error": "metrics.json differs from the one the run wrote (status.json's sha256); "
                  "`minectl verify` replays the run"}
    elif status["status"] == "ok" and status_of_another_config(run_dir, status):
        status = {"status": "edited", "error": "status.json and metrics.json were written for another config than the run's "
                  ".hydra/config.yaml (status.json's sha256): copied from another run? `minectl verify` replays the run"}
    elif status["status"] == "ok" and (change := tables_edited(run_dir, status)):  # the figures are drawn from them
        status = {"status": "edited", "error": f"{change} (status.json's sha256); `minectl verify` replays the run"}
    from minectl.report.figures import DRAWN_WHOLE, GANTT_ROWS, task_figures

    tables, heights = {}, {}
    for path in run_tables(run_dir):
        whole = path.stem in DRAWN_WHOLE.get(task, ())
        try:  # glob=False: a run folder named run[1] is no pattern
            tables[path.stem] = pl.read_parquet(path, glob=False, n_rows=None if whole else GANTT_ROWS)
            heights[path.stem] = tables[path.stem].height if whole else parquet_rows(path)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise DataError(f"{path}: unreadable as parquet ({str(exc).splitlines()[0]}); expected a table of the run") from None

    try:
        figures = task_figures(task, tables, currency, output)
    except pl.exceptions.PolarsError as exc:  # a column of another type than the run wrote (edited tables)
        raise DataError(f"{run_dir / 'tables'}: a table cannot be drawn ({type(exc).__name__}: {str(exc).splitlines()[0][:120]}); "
                        f"expected the tables of a `minectl {task}` run, with their column types") from None
    replaced = {name for figure in figures for name in figure.replaces}
    pngs = [(p.stem, base64.b64encode(_png(p, run_dir)).decode("ascii"))
            for p in sorted((run_dir / "plots").glob("*.png")) if p.stem not in replaced]
    headline = [(label, metrics[key], unit.replace("{cur}", currency).replace("{out}", output))
                for key, label, unit in HEADLINES.get(task, ()) if key in metrics]
    if not headline:  # a task without chosen figures: its first metrics
        headline = [(key, value, unit_of(key, currency, output)) for key, value in list(metrics.items())[:6]]
    return {
        "title": f"minectl {task}: {run_dir.name}", "task": task, "run_dir": str(run_dir), "status": status,
        "headline": headline, "figures": figures, "pngs": pngs,
        "tables": [_table(name, frame, currency, output=output, height=heights[name]) for name, frame in tables.items()],
        "metrics": sorted(metrics.items())[:MAX_METRICS_SHOWN], "metrics_total": len(metrics),
        "currency": currency, "has_currency": isinstance(costs, dict),
        "config_text": config_text,
        "overrides": read_yaml_list(overrides_file) if overrides_file.exists() else [],
        "provenance": provenance,
    }


def holds_sweeps(folder: Path) -> str:
    """The sweep folders inside ``folder`` (multirun/<date>/ of several sweeps, or multirun/ of several
    dates): the error names them, as the one to give is among them (run folders inside are named by
    is_sweep's job_dirs)."""
    try:
        inner = [p.parent for p in sorted(folder.glob("*/multirun.yaml")) or sorted(folder.glob("*/*/multirun.yaml"))]
    except OSError:  # not a folder, or one we may not list: the error says what it expected without the hint
        return ""
    if not inner:
        return ""
    names = [str(p.relative_to(folder)) for p in inner]
    return f" (it holds the sweep folder{'s' * (len(names) > 1)} {', '.join(names[:5])}{' ...' * (len(names) > 5)}: give one of them)"


def write_run_report(run_dir: Path, status: dict | None = None) -> Path:
    """Write ``run_dir``/report.html; returns its path."""
    # zlib lets go of the GIL: plotly.js is packed (0.13 s) on the other core while the tables are read
    packing = threading.Thread(target=_pack_quietly)
    packing.start()
    context = run_context(run_dir, status)
    packing.join()
    return _write(Path(run_dir) / REPORT_FILE, _render("run.html.j2", **context))


def _pack_quietly() -> None:
    with contextlib.suppress(Exception):  # a failure is raised again, in one line, by the page's own call
        packed_plotly_js()


# ---------------------------------------------------------------------------- a sweep


def _planned_objective(sweep_dir: Path) -> str | None:
    from omegaconf import OmegaConf

    from minectl.runfolder import read_yaml

    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return None
    objective = OmegaConf.to_container(read_yaml(path, "the YAML mapping Hydra writes at the start of a sweep")).get("objective")
    return objective if isinstance(objective, str) else None


def sweep_context(sweep_dir: Path, metrics: list[str] | None = None, by: str | None = None) -> dict:
    """The sweep page: every job (sortable), mean ± sd per group, failed jobs, one metric compared."""
    import polars as pl

    from minectl.report.figures import Figure, has_data, plot_layout, values
    from minectl.results import summarize_sweep, swept_keys, unknown_metric

    sweep_dir = Path(sweep_dir)
    metrics = list(dict.fromkeys(metrics or []))  # --metric X --metric X: one column each (a group's mean is named once)
    summary = summarize_sweep(sweep_dir)
    if not summary.height:
        raise DataError(f"{sweep_dir}: holds no jobs; expected a sweep folder (subfolders with .hydra/overrides.yaml)")
    metric_cols = [c for c in summary.columns if summary[c].dtype.is_float()]
    for name in metrics or []:
        if name not in metric_cols:
            raise DataError(unknown_metric(name, sweep_dir, metric_cols))
    chosen = list(metrics or metric_cols[:MAX_GROUP_METRICS])
    overrides = swept_keys(summary, by)  # summarize's rule for --by
    varying = [c for c in overrides if summary[c].n_unique() > 1]
    groups_by = [by] if by else [c for c in varying if c != "seed"] or []
    ok = summary.filter(pl.col("status") == "ok")
    groups = []
    for key in groups_by:
        grouped = ok.group_by(key, maintain_order=True).agg(
            pl.len().alias("jobs ok"), *[pl.col(c).mean().alias(f"{c}__mean") for c in chosen],
            *[pl.col(c).std().alias(f"{c}__sd") for c in chosen], *[pl.col(c).count().alias(f"{c}__n") for c in chosen])
        rows = [[(str(row[key]), str(row[key])), (str(row["jobs ok"]), sort_key(row["jobs ok"]))]
                + [(_mean_sd(row[f"{c}__mean"], row[f"{c}__sd"], row[f"{c}__n"], row["jobs ok"]), sort_key(row[f"{c}__mean"]))
                   for c in chosen]
                for row in grouped.iter_rows(named=True)]
        groups.append(Table(f"by {key}", [key, "jobs ok", *chosen], [False, True, *[True] * len(chosen)], rows, grouped.height))
    objective = _planned_objective(sweep_dir)
    compared = (metrics or [])[:1] or ([objective] if objective in metric_cols else metric_cols[:1])
    figures = []
    if compared:
        metric = compared[0]
        group = groups_by[0] if groups_by else "job"
        label = [str(v) for v in ok[group]]
        trace = {"type": "box", "boxpoints": "all", "jitter": 0.3, "pointpos": 0, "x": label, "y": values(ok[metric]),
                 "name": metric, "text": [f"job {j}" for j in ok["job"]]} if groups_by else \
                {"type": "bar", "x": label, "y": values(ok[metric]), "name": metric}
        spec = {"data": [trace], "layout": plot_layout(f"{metric} per {group} (jobs ok)", group, header(metric))}
        if has_data(spec):
            figures.append(Figure(f"Compare {metric}", spec))
            figures[0].id = "fig-0"
    failed = summary.filter(pl.col("status") != "ok").select("job", "status", "error")
    return {
        "title": f"minectl sweep: {sweep_dir.name}", "sweep_dir": str(sweep_dir), "jobs": summary.height,
        "jobs_ok": ok.height, "summary": _table("summary", summary.drop("error"), "currency units", max_rows=None),
        "groups": groups, "failed": failed.rows(), "figures": figures, "metrics_shown": chosen,
    }


def _mean_sd(mean: float | None, sd: float | None, counted: int, jobs: int) -> str:
    """Mean ± sd over the ``counted`` of a group's ``jobs`` ok jobs that hold the metric (jobs of a
    sweep may write different metrics, e.g. risk.lead_times=[0],[0,1]): fewer are named, as summarize does."""
    if mean is None:
        return "–"
    shown = f"{number(mean)} ± {number(sd)}" if sd is not None else f"{number(mean)} (one job)"
    return shown if counted == jobs else f"{shown.removesuffix(' (one job)')} ({counted} of {jobs} jobs)"


def write_sweep_report(sweep_dir: Path, metrics: list[str] | None = None, by: str | None = None) -> Path:
    """Write ``sweep_dir``/report.html; returns its path."""
    context = sweep_context(sweep_dir, metrics, by)
    return _write(Path(sweep_dir) / REPORT_FILE, _render("sweep.html.j2", **context))


def is_sweep(folder: Path) -> bool:
    from minectl.results import job_dirs

    return (Path(folder) / "multirun.yaml").exists() or bool(job_dirs(folder))
