"""Write coal_south_africa_weekly.csv from the vendored Pink Sheet monthly series: every Monday of
a month carries that month's South African coal price (USD/t). A stand-in for a weekly quote that
`minectl forecast source.resample=last` must turn back into the monthly series exactly.
Run from the repository root: python examples/data/coal_weekly/make_weekly.py"""

import datetime as dt
from pathlib import Path

import polars as pl

HERE = Path(__file__).parent
monthly = pl.read_csv(HERE.parent / "pinksheet_coal" / "coal_monthly_usd_mt.csv", infer_schema_length=0)
monthly = monthly.select("month", pl.col("coal_south_africa_usd_mt").cast(pl.Float64)).drop_nulls()
price = {row["month"]: row["coal_south_africa_usd_mt"] for row in monthly.iter_rows(named=True)}
first = dt.date.fromisoformat(monthly["month"][0] + "-01")
last = dt.date.fromisoformat(monthly["month"][-1] + "-01")
monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
rows = []
while monday < last.replace(year=last.year + (last.month == 12), month=last.month % 12 + 1):
    rows.append({"week": monday.isoformat(), "usd_per_t": price[monday.strftime("%Y-%m")]})
    monday += dt.timedelta(weeks=1)
pl.DataFrame(rows).write_csv(HERE / "coal_south_africa_weekly.csv")
