"""The interactive plots of each task's report, as plotly.js figure specs (plain dicts: no
plotly import, so a run's report costs milliseconds). Built from the run's tables; a figure
without data is left out rather than drawn blank.

``FIGURES``: task -> builders ``(tables, currency, output) -> [Figure]``. A task not listed gets the
generic ones (a Gantt chart of any table with start/end columns). Each figure names the PNG
plots of the run it replaces (the same content, now with hover values).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

import polars as pl

from minectl.report.formats import header, unit_of

HEIGHT = 380  # px: readable at A4 width (the page is at most 1000 px wide)
GANTT_ROWS = 500  # rows of a start/end table a generic Gantt chart draws


@dataclass
class Figure:
    title: str
    spec: dict  # {"data": [...], "layout": {...}} for Plotly.newPlot
    replaces: tuple[str, ...] = ()  # plots/<name>.png this figure supersedes
    note: str = ""
    id: str = field(default="", init=False)


def values(series: pl.Series) -> list:
    """A column as JSON-ready values: dates as ISO text, NaN and inf as null (a gap)."""
    if series.dtype.is_float():  # whole columns at once: a report draws 120,000 points a year at 164 mines
        return series.to_frame("v").select(pl.when(pl.col("v").is_finite()).then(pl.col("v"))).to_series().to_list()
    if series.dtype == pl.Date:
        return series.cast(pl.String).to_list()  # ISO 8601, as date.isoformat
    out = []
    for value in series.to_list():
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        out.append(value)
    return out


def plot_layout(title: str, x_title: str, y_title: str, **extra: Any) -> dict:
    return {
        "title": {"text": title, "font": {"size": 15}},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True},
        "height": HEIGHT, "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "legend": {"orientation": "h", "y": -0.2, "yanchor": "top"}, "hovermode": "closest", **extra,
    }


def has_data(spec: dict) -> bool:
    """At least one trace draws at least one finite value."""
    for trace in spec["data"]:
        for axis in ("y", "x"):
            if any(v is not None for v in trace.get(axis, [])):
                return True
    return False


# ---------------------------------------------------------------------------- cost / demo

CATEGORIES = ("material", "energy", "labour", "maintenance", "safety_env", "other")


def cost_by_category(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    daily = tables.get("daily")
    if daily is None or "date" not in daily.columns:
        return []
    columns = [f"cost_{c}" for c in CATEGORIES if f"cost_{c}" in daily.columns]
    by_day = daily.group_by("date").agg(pl.col(c).sum() for c in columns).sort("date")
    few = by_day.height < 30  # annual data (one period per mine): bars, an area of one point is blank
    traces = [{"type": "bar", "name": c.removeprefix("cost_"), "x": values(by_day["date"]), "y": values(by_day[c])}
              if few else
              {"type": "scatter", "mode": "lines", "stackgroup": "cost", "name": c.removeprefix("cost_"),
               "x": values(by_day["date"]), "y": values(by_day[c]), "line": {"width": 0.5}}
              for c in columns]
    period = "period" if few else "day"
    layout = plot_layout(f"Cost per {period} by category, all mines (seed 000 eq 1)", "date",
                     f"cost per {period} [{currency}]", barmode="stack", hovermode="x unified",
                     **({"xaxis": {"title": {"text": "period starting"}, "type": "category"}} if few else {}))
    return [Figure("Cost by category", {"data": traces, "layout": layout}, ("daily_cost_by_category",))]


def unit_cost(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    daily = tables.get("daily")
    if daily is None or not {"date", "mine_id", "unit_cost"} <= set(daily.columns):
        return []
    if daily.group_by("mine_id").len()["len"].max() == 1:  # one period per mine (annual data): a bar per mine
        traces = [{"type": "bar", "name": "unit cost", "x": values(daily["mine_id"]), "y": values(daily["unit_cost"]),
                   "text": values(daily["date"])}]
        layout = plot_layout("Unit cost U_t = C_t / Q_t per mine, one period (seed 000 eq 2)", "mine",
                             f"unit cost [{unit_of('unit_cost', currency, output)}]")
        return [Figure("Unit cost", {"data": traces, "layout": layout}, ("unit_cost",))]
    anomalies = tables.get("anomalies")
    shown = daily.select("date", "mine_id", "unit_cost")
    by_date = shown.sort("date", maintain_order=True)
    days, costs = values(by_date["date"]), values(by_date["unit_cost"])  # converted once, then taken per mine
    traces = []
    for mine, rows in by_date.with_row_index("row").group_by("mine_id", maintain_order=True).agg("row").iter_rows():
        mode = "lines+markers" if len(rows) < 30 else "lines"
        traces.append({"type": "scatter", "mode": mode, "name": f"{mine}", "x": [days[i] for i in rows],
                       "y": [costs[i] for i in rows], "line": {"width": 1}})
    if anomalies is not None and anomalies.height and {"date", "mine_id"} <= set(anomalies.columns):
        flagged = shown.join(anomalies.select("date", "mine_id").unique(), on=["date", "mine_id"], how="semi")
        traces.append({"type": "scatter", "mode": "markers", "name": "anomaly day", "x": values(flagged["date"]),
                       "y": values(flagged["unit_cost"]), "marker": {"color": "red", "size": 7},
                       "text": values(flagged["mine_id"])})
    layout = plot_layout("Unit cost U_t = C_t / Q_t per mine (seed 000 eq 2)", "date",
                         f"unit cost [{unit_of('unit_cost', currency, output)}]")
    return [Figure("Unit cost", {"data": traces, "layout": layout}, ("unit_cost",))]


# ---------------------------------------------------------------------------- forecast


def forecast(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    ahead, backtest = tables.get("forecast"), tables.get("backtest")
    traces = []
    if backtest is not None and {"date", "actual"} <= set(backtest.columns):
        actual = backtest.select("date", "actual").unique("date").sort("date")
        traces.append({"type": "scatter", "mode": "lines+markers", "name": "actual (backtest)",
                       "x": values(actual["date"]), "y": values(actual["actual"]), "line": {"color": "black"}})
        for (model,), frame in backtest.filter(pl.col("horizon") == 1).sort("date").group_by("model", maintain_order=True):
            traces.append({"type": "scatter", "mode": "lines", "name": f"{model}, 1 step ahead", "x": values(frame["date"]),
                           "y": values(frame["forecast"]), "line": {"width": 1, "dash": "dot"}})
    if ahead is not None and {"date", "model", "forecast"} <= set(ahead.columns):
        for (model,), frame in ahead.sort("date").group_by("model", maintain_order=True):
            if {"lower", "upper"} <= set(frame.columns) and frame["lower"].is_not_null().any():
                band = {"x": values(frame["date"]) + values(frame["date"].reverse()),
                        "y": values(frame["upper"]) + values(frame["lower"].reverse())}
                traces.append({"type": "scatter", "mode": "lines", "fill": "toself", "name": f"{model} interval",
                               "line": {"width": 0}, "opacity": 0.25, "hoverinfo": "skip", **band})
            traces.append({"type": "scatter", "mode": "lines+markers", "name": f"{model} forecast",
                           "x": values(frame["date"]), "y": values(frame["forecast"])})
    layout = plot_layout("Backtest and forecast", "month", "price [series unit]", hovermode="x unified")
    return [Figure("Forecast", {"data": traces, "layout": layout}, ("forecast",))]


# ---------------------------------------------------------------------------- optimize


def pareto(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    front = tables.get("pareto")
    if front is None:
        return []
    predicted = [c for c in front.columns if c.endswith("_pred")]
    if len(predicted) < 2:
        return []
    x, y = predicted[:2]
    design = [c for c in front.columns if not c.endswith(("_pred", "_sim")) and c != "recommended"]
    text = [", ".join(f"{c}={v:.4g}" for c, v in zip(design, row, strict=True)) for row in front.select(design).iter_rows()]
    traces = [{"type": "scatter", "mode": "markers", "name": "Pareto front (surrogate)", "x": values(front[x]),
               "y": values(front[y]), "text": text, "marker": {"size": 8}}]
    if "recommended" in front.columns and front["recommended"].any():
        pick = front.filter(pl.col("recommended"))
        traces.append({"type": "scatter", "mode": "markers", "name": "recommended", "x": values(pick[x]), "y": values(pick[y]),
                       "marker": {"size": 14, "symbol": "star", "color": "red"}})
    layout = plot_layout("Pareto front of the surrogate (hover: design)", header(x, currency), header(y, currency))
    return [Figure("Pareto front", {"data": traces, "layout": layout}, ("pareto",))]


def convergence(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    table = tables.get("convergence")
    if table is None or "generation" not in table.columns or table.width < 2:  # nothing to draw per generation
        return []
    series = [c for c in table.columns if c != "generation"][:2]
    traces = [{"type": "scatter", "mode": "lines+markers", "name": c, "x": values(table["generation"]), "y": values(table[c]),
               **({"yaxis": "y2"} if i else {})} for i, c in enumerate(series)]
    extra = {"yaxis2": {"title": {"text": header(series[1], currency)}, "overlaying": "y", "side": "right", "automargin": True},
             "margin": {"l": 60, "r": 70, "t": 50, "b": 50}} if len(series) > 1 else {}
    layout = plot_layout("Best objective values per generation", "generation", header(series[0], currency), **extra)
    return [Figure("Convergence", {"data": traces, "layout": layout}, ("convergence",))]


# ---------------------------------------------------------------------------- risk, capacity


def risk_levels(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    table = tables.get("predictions")
    if table is None or not {"date", "lead", "y_true", "level"} <= set(table.columns):
        return []
    first = table.filter(pl.col("lead") == pl.col("lead").min()).sort("date")
    series = table.columns[0] if table.columns[0] != "date" else None  # several mines: the first one's days (one level a day)
    if series is not None:
        first = first.filter(pl.col(series) == pl.col(series).min())
    if not first.height:  # no rows (an empty table, leads or mines all null): nothing to draw, no lead to title it by
        return []
    which = f" of {series} {first[series][0]}" if series is not None else ""
    traces = [{"type": "scatter", "mode": "lines", "line": {"shape": "hv", "color": "black"}, "name": "true level",
               "x": values(first["date"]), "y": values(first["y_true"])},
              {"type": "scatter", "mode": "markers", "name": "predicted level", "x": values(first["date"]),
               "y": values(first["level"]), "marker": {"size": 6},
               **({"text": [f"p_high={p:.2f}" for p in first["p_high"]]} if "p_high" in first.columns else {})}]
    layout = plot_layout(f"Risk level, test days{which} (lead {first['lead'][0]} d)", "date", "risk level (0 low, 1 medium, 2 high)",
                     yaxis={"title": {"text": "risk level (0 low, 1 medium, 2 high)"}, "tickvals": [0, 1, 2]})
    return [Figure("Risk levels", {"data": traces, "layout": layout})]


def importance(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    table = tables.get("importance")
    if table is None or table.width < 2:
        return []
    name, score = table.columns[:2]
    top = table.sort(score, descending=True).head(15).reverse()
    traces = [{"type": "bar", "orientation": "h", "name": score, "x": values(top[score]), "y": values(top[name])}]
    layout = plot_layout("Permutation importance, top 15", header(score, currency), name, height=max(HEIGHT, 24 * top.height + 100))
    return [Figure("Importance", {"data": traces, "layout": layout}, ("importance",))]


def capacity_limits(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    table = tables.get("limits")
    if table is None or not {"limit", "t_a"} <= set(table.columns):
        return []
    traces = [{"type": "bar", "orientation": "h", "name": "limit", "x": values(table["t_a"]), "y": values(table["limit"])}]
    layout = plot_layout("Capacity limits (the smallest binds)", "capacity [t/a]", "limit")
    return [Figure("Capacity limits", {"data": traces, "layout": layout})]


def schedule_periods(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    table = tables.get("periods")
    if table is None or not {"plan", "period", "value"} <= set(table.columns):
        return []
    traces = [{"type": "bar", "name": str(plan), "x": values(frame["period"]), "y": values(frame["value"]),
               **({"text": [f"{b} blocks" for b in frame["blocks"]]} if "blocks" in frame.columns else {})}
              for (plan,), frame in table.sort("period").group_by("plan", maintain_order=True)]
    layout = plot_layout("Value mined per period, per plan", "period", "value per period [objective units]", barmode="group",
                     xaxis={"title": {"text": "period"}, "dtick": 1})
    return [Figure("Schedule by period", {"data": traces, "layout": layout})]


# ---------------------------------------------------------------------------- any task


def schedules(tables: dict[str, pl.DataFrame], currency: str, output: str) -> list[Figure]:
    """A Gantt chart of each table with start and end columns (a schedule)."""
    figures = []
    for name, table in tables.items():
        if not {"start", "end"} <= set(table.columns) or not table.height:
            continue
        label = next((c for c in table.columns if table[c].dtype == pl.String), None)
        rows = table.head(GANTT_ROWS)
        temporal = rows["start"].dtype.is_temporal()
        length = (rows["end"] - rows["start"]).dt.total_milliseconds() if temporal else rows["end"] - rows["start"]
        trace = {"type": "bar", "orientation": "h", "base": values(rows["start"]), "x": values(length),
                 "y": values(rows[label]) if label else list(range(rows.height)), "name": name,
                 "hovertext": [f"{s} → {e}" for s, e in zip(values(rows["start"]), values(rows["end"]), strict=True)]}
        x_title = "time" if temporal else header("start", currency)
        layout = plot_layout(f"Schedule: {name}", x_title, label or "row", **({"xaxis": {"type": "date", "title": {"text": "time"}}}
                                                                          if temporal else {}))
        figures.append(Figure(f"Schedule {name}", {"data": [trace], "layout": layout}))
    return figures


Builder = Callable[[dict[str, pl.DataFrame], str, str], list[Figure]]
FIGURES: dict[str, tuple[Builder, ...]] = {
    "cost": (cost_by_category, unit_cost),
    "demo": (cost_by_category, unit_cost),
    "forecast": (forecast,),
    "optimize": (pareto, convergence),
    "risk": (risk_levels, importance),
    "capacity": (capacity_limits,),
    "schedule": (schedule_periods,),
}
# task -> the tables its figures read, whole; the page reads only the first GANTT_ROWS rows of the others (a cost
# run's 3 M-row ledger, 0.3 s and 100 MB at 164 mines, shows 50). A builder is handed these tables alone, so one
# reading a table not listed draws nothing rather than a figure of the first rows.
DRAWN_WHOLE: dict[str, frozenset[str]] = {
    "cost": frozenset({"daily", "anomalies"}),
    "demo": frozenset({"daily", "anomalies"}),
    "forecast": frozenset({"forecast", "backtest"}),
    "optimize": frozenset({"pareto", "convergence"}),
    "risk": frozenset({"predictions", "importance"}),
    "capacity": frozenset({"limits"}),
    "schedule": frozenset({"periods"}),
}
GENERIC: tuple[Builder, ...] = (schedules,)  # each reads at most a table's first GANTT_ROWS rows


def task_figures(task: str, tables: dict[str, pl.DataFrame], currency: str, output: str = "t") -> list[Figure]:
    """The task's interactive figures that have data, numbered for the page. ``output``: the production
    column a unit cost is per (cost.output: drilled_m is metres, not tonnes)."""
    drawn = {name: table for name, table in tables.items() if name in DRAWN_WHOLE.get(task, ())}
    figures = [f for builders, given in ((FIGURES.get(task, ()), drawn), (GENERIC, tables))
               for build in builders for f in build(given, currency, output) if has_data(f.spec)]
    for i, figure in enumerate(figures):
        figure.id = f"fig-{i}"
    return figures
