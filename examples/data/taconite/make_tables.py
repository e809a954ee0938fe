"""NRRI taconite mine costs (wide, per tonne, annual) -> minectl's canonical tables.

Reads nrri_taconite_cost_inputs.csv (vendored byte-for-byte, see PROVENANCE.txt) and writes
production.csv, consumption_daily.csv and mines.csv next to it. Standard-pellet rows only
(the DR-grade rows are projections). One period per mine, dated 2021-01-01: the figures are
annual (2021 $), so every "day" of the cost run is one mine-year.

Mapping: each variable-opex line is a money resource (USD, price 1) consumed by one activity,
quantity = USD per wet long ton of pellet x wet long tons of pellets per year. Q_t is pellets
in metric tonnes (1 long ton = 1.0160469088 t); ore_t is crude ore processed in tonnes.
Run: python examples/data/taconite/make_tables.py
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
LONG_TON_T = 1.0160469088
PERIOD = "2021-01-01"
# cost line -> (activity, resource) of conf/costs/taconite.yaml
LINES = {
    "Mining": ("mining", "mining_opex"),
    "Processing": ("processing", "processing_opex"),
    "Site administration": ("site_administration", "site_admin_opex"),
    "New equipment purchases": ("equipment_purchases", "equipment_purchases"),
    "General/other": ("general", "general_opex"),
}


def canonical_tables(cost_inputs: Path = HERE / "nrri_taconite_cost_inputs.csv") -> dict[str, pl.DataFrame]:
    wide = pl.read_csv(cost_inputs).filter(pl.col("Product") == "std_taconite_pellets")
    mines = [c for c in wide.columns if c not in ("Product", "Name", "Type", "Unit")]
    long = wide.unpivot(index=["Name", "Type", "Unit"], on=mines, variable_name="mine_id", value_name="value")

    def row(name: str) -> pl.DataFrame:
        return long.filter(pl.col("Name") == name).select("mine_id", pl.col("value").cast(pl.Float64).alias(name))

    pellets = row("Ore pellets produced")
    production = (
        row("Crude ore processed")
        .join(pellets, on="mine_id")
        .select(
            pl.lit(PERIOD).str.to_date().alias("date"),
            "mine_id",
            (pl.col("Crude ore processed") * LONG_TON_T).alias("ore_t"),
            pl.lit(None, dtype=pl.Float64).alias("drilled_m"),
            pl.lit(None, dtype=pl.Float64).alias("haul_km"),
            (pl.col("Ore pellets produced") * LONG_TON_T).alias("pellet_t"),
        )
    )
    consumption = (
        long.filter(pl.col("Type") == "variable opex")
        .join(pellets, on="mine_id")
        .select(
            pl.lit(PERIOD).str.to_date().alias("date"),
            "mine_id",
            pl.col("Name").replace_strict({k: a for k, (a, _) in LINES.items()}).alias("activity"),
            pl.col("Name").replace_strict({k: r for k, (_, r) in LINES.items()}).alias("resource"),
            (pl.col("value").cast(pl.Float64) * pl.col("Ore pellets produced")).alias("quantity"),
        )
        .sort("mine_id", "activity")
    )
    null = pl.lit(None)
    mine_table = pl.DataFrame({"mine_id": mines}).select(
        "mine_id",
        pl.lit("open_pit").alias("mining_method"),
        null.cast(pl.Int64).alias("equipment_grade"),
        null.cast(pl.Float64).alias("haul_distance_km"),
        null.cast(pl.Float64).alias("rock_hardness_f"),
        null.cast(pl.Float64).alias("outsourcing_share"),
    )
    return {"production": production, "consumption_daily": consumption, "mines": mine_table}


if __name__ == "__main__":
    for name, frame in canonical_tables().items():
        frame.write_csv(HERE / f"{name}.csv")
        print(f"{name}.csv: {frame.height} rows")
