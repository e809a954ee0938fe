"""Terminal summary (rich) and plots (matplotlib Agg) of a cost run, by the data's own period:
days for daily accounts; months or years (e.g. annual taconite figures) drawn as bars per period
and mine instead of lines over a calendar axis."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import polars as pl
from rich.table import Table

from minectl.costing.mapping import CostMapping
from minectl.errors import ConfigError

# the most common step between the data's dates, in days -> its period; one date alone: "period"
PERIOD_DAYS = {1: "day", 7: "week", 28: "month", 29: "month", 30: "month", 31: "month", 90: "quarter", 91: "quarter",
               92: "quarter", 365: "year", 366: "year"}
PERIODS = ("day", "week", "month", "quarter", "year")
FEW_PERIODS = 30  # up to this many periods: bars per period (a line over a calendar axis says little)
MAX_MINE_LINES = 8  # more mines: their spread by date, not a line and a legend entry each (unreadable at 164)


def period_of(dates: pl.Series) -> str:
    """The data's own period: day, week, month, quarter or year by the most common step between
    its distinct dates; "period" when there is one date only or the step is none of those."""
    unique = dates.unique().sort()
    if unique.len() < 2:
        return "period"
    steps = unique.diff().drop_nulls().dt.total_days()
    return PERIOD_DAYS.get(int(steps.mode().min()), "period")


def data_period(dates: pl.Series, period: str | None) -> str:
    """The period of the rows (cost.period where given, else the data's own, period_of): refused where
    the dates show another one. cost.period names the rows, it sums nothing: daily data under 'month'
    was summarised as '5 mine-months' for 5 mine-days, and drawn as one bar per day all labelled with
    the month."""
    found = period_of(dates)
    if period is not None and found != "period" and period != found:
        raise ConfigError(f"cost.period: {period!r}, but the data's dates are a {found} apart (period {found!r}); expected "
                          f"cost.period={found} or null (it names the period of the data's rows in the summary and plots, "
                          "it does not sum them)")
    return period or found


def _period_labels(dates: pl.Series, period: str) -> list[str]:
    formats = {"year": "%Y", "month": "%Y-%m", "quarter": "%Y-%m"}
    return dates.dt.strftime(formats.get(period, "%Y-%m-%d")).to_list()


def _pyplot():
    """matplotlib's pyplot drawing to files only (Agg), imported when a plot is drawn: the
    task imports most of it ahead, in a thread, while the data is read (`workers.import_ahead`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _bars_by_period(daily: pl.DataFrame, columns: Sequence[str], labels: Sequence[str], ax) -> None:
    """Stacked bars of ``columns`` per period and mine (few periods, e.g. annual data)."""
    rows = daily.sort("date", "mine_id")
    names = [f"{p} {m}" if rows["date"].n_unique() > 1 else str(m)
             for p, m in zip(_period_labels(rows["date"], period_of(rows["date"])), rows["mine_id"], strict=True)]
    bottom = None
    for column, label in zip(columns, labels, strict=True):
        values = rows[column].fill_null(0).to_numpy()
        ax.bar(names, values, bottom=bottom, label=label)
        bottom = values if bottom is None else bottom + values
    ax.tick_params(axis="x", labelrotation=30)


def plot_daily_cost(daily: pl.DataFrame, categories: Sequence[str], currency: str, period: str | None = None):
    """Stacked cost by category per period (``period``, else the data's own: day, month, year),
    summed over mines; few periods: bars per period and mine."""
    period = data_period(daily["date"], period)
    if daily["date"].n_unique() <= FEW_PERIODS and period != "day":
        fig, ax = _pyplot().subplots(figsize=(10, 4))
        _bars_by_period(daily, [f"cost_{c}" for c in categories], categories, ax)
        ax.set_ylabel(f"cost per {period} ({currency})")
        ax.set_title(f"Cost by category per {period} and mine (seed 000 eq 1)")
        ax.legend(loc="upper left", fontsize="small", ncols=min(len(categories), 6))
        fig.tight_layout()
        return fig
    by_day = daily.group_by("date").agg(pl.col(f"cost_{c}").sum() for c in categories).sort("date")
    fig, ax = _pyplot().subplots(figsize=(10, 4))
    ax.stackplot(by_day["date"].to_list(), *(by_day[f"cost_{c}"].to_numpy() for c in categories), labels=categories)
    ax.set_ylabel(f"daily cost ({currency})")
    ax.set_title("Daily cost by category (seed 000 eq 1)")
    ax.legend(loc="upper left", fontsize="small", ncols=min(len(categories), 6))
    fig.autofmt_xdate()
    return fig


def plot_unit_cost(daily: pl.DataFrame, anomalies: pl.DataFrame, currency: str, output: str, period: str | None = None):
    """U_t per mine with the flagged anomaly days marked; few periods: bars per period and mine."""
    period = data_period(daily["date"], period)
    if daily["date"].n_unique() <= FEW_PERIODS and period != "day":
        fig, ax = _pyplot().subplots(figsize=(10, 4))
        _bars_by_period(daily, ["unit_cost"], ["unit cost"], ax)
        ax.set_ylabel(f"unit cost ({currency} per {output})")
        ax.set_title(f"Unit cost U_t = C_t / Q_t per {period} and mine (seed 000 eq 2)")
        fig.tight_layout()
        return fig
    fig, ax = _pyplot().subplots(figsize=(10, 4))
    # one join for all mines, dates as numpy (not Python objects): half the time at 164 mines, the same picture
    flagged = daily.join(anomalies.select("date", "mine_id").unique(), on=["date", "mine_id"], how="semi")
    mines = daily["mine_id"].n_unique()
    if mines > MAX_MINE_LINES:
        spread = (daily.group_by("date").agg(median=pl.col("unit_cost").median(), low=pl.col("unit_cost").quantile(0.1),
                                             high=pl.col("unit_cost").quantile(0.9)).sort("date"))
        dates = spread["date"].to_numpy()
        ax.fill_between(dates, spread["low"].to_numpy(), spread["high"].to_numpy(), color="tab:blue", alpha=0.25, lw=0,
                        label="10-90 % of mines")
        ax.plot(dates, spread["median"].to_numpy(), color="tab:blue", lw=1, label=f"median of {mines} mines")
        # thousands of flagged mine-days would cover the band: how many mines each day has, on a second axis
        counts = spread.select("date").join(flagged.group_by("date").len(), on="date", how="left").fill_null(0)
        right = ax.twinx()
        right.plot(dates, counts["len"].to_numpy(), color="red", lw=0.6, alpha=0.7)
        right.set_ylabel("mines with an anomaly", color="red")
        right.set_ylim(0, max(1, 3 * int(counts["len"].max())))  # kept in the lower third, under the band
        ax.plot([], [], color="red", lw=0.6, label="mines with an anomaly (right axis)")
    else:
        marks = {mine: frame for (mine,), frame in flagged.group_by("mine_id")}
        for (mine,), frame in daily.group_by("mine_id", maintain_order=True):
            marker = "o" if frame.height < 30 else None  # few periods (e.g. annual data): show the points
            ax.plot(frame["date"].to_numpy(), frame["unit_cost"].to_numpy(), lw=0.8, marker=marker, label=str(mine))
            marked = marks.get(mine, flagged.clear())
            ax.scatter(marked["date"].to_numpy(), marked["unit_cost"].to_numpy(), color="red", s=12, zorder=3)
        ax.scatter([], [], color="red", s=12, label="anomaly day")
    ax.set_ylabel(f"unit cost ({currency} per {output})")
    ax.set_title("Unit cost U_t = C_t / Q_t (seed 000 eq 2)")
    ax.legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    return fig


def print_summary(console, daily: pl.DataFrame, anomalies: pl.DataFrame, mapping: CostMapping, top: int,
                  period: str | None = None, output: str | None = None) -> None:
    """Cost structure (by category and by stage) and the largest anomalies, counted in mine-periods
    (``period``, else the data's own: mine-days for daily accounts); the unit cost per unit of the
    production column ``output`` (cost.output: drilled_m is metres, not tonnes)."""
    total = daily["cost"].sum()
    period = data_period(daily["date"], period)
    rows = f"{daily.height} mine-{period}{'s' * (daily.height != 1)}"
    structure = Table(title=f"Cost structure, {rows}, total {total:,.0f} {mapping.currency}")
    share_title = "mean daily share" if period == "day" else f"mean share per mine-{period}"
    for column in ("group", "item", f"cost ({mapping.currency})", "share of total", share_title):
        structure.add_column(column, justify="right" if column != "item" and column != "group" else "left")
    parts = [("category", c, f"cost_{c}", f"share_{c}") for c in mapping.categories]
    parts += [("stage", s, f"cost_stage_{s}", f"share_stage_{s}") for s in mapping.stages]
    for group, item, cost, share in parts:
        amount = daily[cost].sum()
        structure.add_row(group, item, f"{amount:,.0f}", f"{amount / total:.1%}" if total else "-", f"{daily[share].mean():.1%}")
    console.print(structure)
    unit = daily["unit_cost"].drop_nulls()
    if unit.len():
        per = f"{mapping.currency}/t" if output is None else f"{mapping.currency} per {output}"
        sd = f"{unit.std():,.2f}" if unit.len() > 1 else "- (one value)"  # one value has no sd; it was printed 0.00
        missing = daily["no_output"].null_count()  # Q_t missing: neither a day without output nor one with a unit cost
        console.print(f"unit cost: mean {unit.mean():,.2f}, sd {sd} {per}; {int(daily['no_output'].sum())} {period}(s) without "
                      f"output{f', {missing} with the output missing' if missing else ''} (no unit cost)")
    elif daily.height:  # e.g. production keyed by other mine ids than the consumption's
        console.print(f"[yellow]unit cost: none[/]: none of the {daily.height} mine-{period}s has output; "
                      "check that the production table covers these mines and dates")
    if anomalies.height and top:
        rank = pl.coalesce(pl.col("score").abs(), pl.col("size").abs())
        worst = anomalies.with_columns(rank=rank).sort("rank", descending=True).head(top)
        table = Table(title=f"Top anomalies ({anomalies.height} flagged)")
        for column in ("date", "mine", "item", "method", "z / change", "attribution"):
            table.add_column(column)
        for row in worst.iter_rows(named=True):
            score = (f"z={row['score']:.1f}" if row["score"] is not None and math.isfinite(row["score"])
                     else f"{row['size']:+,.6g} from a constant" if row["score"] is not None  # its sd is 0: no "z=inf"
                     else f"{row['size']:+.0%}" if math.isfinite(row["size"]) else "from 0")  # a rise from a mean of 0 is no "+inf%"
            table.add_row(str(row["date"]), row["mine_id"], row["item"], row["method"], score, row["attribution"] or "")
        console.print(table)


def print_unchecked(console, daily: pl.DataFrame, window: int) -> None:
    """The mines none of whose days the anomaly tests could check (each needs the ``window`` days
    before it): their count of 0 anomalies is no finding."""
    days = daily.group_by("mine_id").len()
    short = days.filter(pl.col("len") <= window).height
    if short:
        console.print(f"[yellow]anomalies: {short} of {days.height} mines have at most cost.anomaly_window={window} days: "
                      "none of their days was checked (each needs that many days before it)[/]")


def lone_date_mines(daily: pl.DataFrame) -> str | None:
    """A warning line where some mines have costs on one date only and the others on several (days, the data contract
    holds): a mine of annual or monthly figures (one date, as the contract takes a period's totals) beside daily mines
    was summed, shared and unit-costed as one day of theirs. A mine with one day of records looks the same, so it is
    said, not refused."""
    dates = daily.group_by("mine_id").agg(pl.col("date").n_unique().alias("dates"), pl.col("date").min().alias("date"))
    lone = dates.filter(pl.col("dates") == 1).sort("mine_id")
    if not lone.height or lone.height == dates.height:
        return None
    named = ", ".join(f"{mine!r} on {day}" for mine, day in lone.select("mine_id", "date").head(3).iter_rows())
    return (f"{lone.height} of {dates.height} mines have costs on one date only ({named}{', ...' * (lone.height > 3)}) beside "
            "mines of daily rows: each is costed as one day in the totals, shares and unit costs (a month's or year's "
            "figures counted as a day's); expected daily records for every mine, or mines of period totals in a run of their own")


def print_imputed(console, counts: Mapping[str, int]) -> None:
    """What the cleaning filled in by design (seed 000, 3.1), as counted in the metrics' imputed.*."""
    parts = [
        f"{counts['hourly_interpolated']:,} of {counts['hourly_missing']:,} missing hourly readings interpolated"
        if "hourly_missing" in counts else "",
        f"{counts['daily_imputed']:,} daily records imputed (same-cycle mean)",
        f"{counts['sensor_interpolated']:,} sensor readings interpolated" if "sensor_interpolated" in counts else "",
    ]
    unfilled = counts.get("hourly_unfilled", 0) + counts["daily_unfilled"]
    console.print(f"imputed: {'; '.join(p for p in parts if p)}" + (f"; {unfilled:,} left missing" if unfilled else ""))
    if uncosted := counts.get("production_days_uncosted"):
        mines = counts["production_mines_uncosted"]
        whole = f" ({mines:,} mine{'s' * (mines > 1)} without any at all)" if mines else ""
        console.print(f"[yellow]production: {uncosted:,} mine-day{'s' * (uncosted > 1)} without any consumption record{whole}: "
                      "not costed, in no total, share or unit cost[/]")
    if short := counts.get("series_days_short"):
        series = counts["series_short"]
        verb = "starts after or ends" if series == 1 else "start after or end"
        console.print(f"[yellow]consumption: {series:,} series {verb} before their mine's other records: {short:,} "
                      f"series-day{'s' * (short > 1)} without a record, costed without that resource (not imputed)[/]")
    if unknown := counts.get("equipment_days_unknown"):
        console.print(f"[yellow]equipment: {unknown:,} mine-day{'s' * (unknown > 1)} lack a failures, downtime_h (or "
                      "maintenance) value and show no event otherwise; taken as days without an event[/]")


def print_realism(console, realism: pl.DataFrame) -> None:
    """The comparison of `minectl.costing.reference.compare_with_table2`, one row per feature."""
    if not realism.height:  # e.g. annual USD figures without intensities: nothing the table gives
        console.print("realism: none of seed 000 Table 2's features is in this daily table (or in its currency): not compared")
        return
    table = Table(title="Realism vs seed 000 Table 2 (bands: mean 10 %, sd 25 %)")
    for column in ("feature", "mean", "T2", "err", "sd", "T2 ", "err ", "ok"):
        table.add_column(column, justify="left" if column == "feature" else "right", no_wrap=True)
    for row in realism.iter_rows(named=True):
        table.add_row(
            row["label"], f"{row['mean']:.1f}", f"{row['table_mean']:.1f}", f"{row['mean_err']:+.1%}",
            "-" if row["sd"] is None else f"{row['sd']:.2f}", f"{row['table_sd']:.1f}",  # one mine-day: no sd
            "-" if row["sd_err"] is None else f"{row['sd_err']:+.1%}",
            "[green]in[/]" if row["within_bands"] else "[red]out[/]",
        )
    console.print(table)
