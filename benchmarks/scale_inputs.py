"""The generated inputs of docs/performance.md's "Other commands at size": each command's data at
the size of a real site's, written into one folder (about 120 MB, in 5 seconds).

    python benchmarks/scale_inputs.py /tmp/scale
    minectl uncertainty dataset.path=/tmp/scale/unc_1000000.csv dataset.column=value dataset.date_column=null 'dataset.transforms=[level]'

Shapes: risk tables of hourly stationary AR(1) indicators and a target made of five of them;
lifetimes-like gamma(3, 2) values; 30 years of daily and monthly prices (random walks of the log);
capacity cost tables of 6 items; a design-of-experiments table of 10 and of 20 variables; an
FB15k-237-sized graph (14,505 entities, 237 relations, 272,115 / 17,535 / 20,466 triples) whose 30
"attribute" relations point at 60 popular tails, as Freebase's gender or country, so a head-side
query has thousands of true answers; CoNLL corpora of 2,000 and 20,000 sentences (5-20 tokens,
20 % of them in entities of 5 types)."""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

import numpy as np
import polars as pl
from scipy.signal import lfilter


def risk_table(path: Path, rows: int, indicators: int) -> None:
    rng = np.random.default_rng(0)
    x = lfilter([1.0], [1.0, -0.9], rng.normal(size=(rows, indicators)), axis=0)
    start = dt.datetime(2020, 1, 1)
    columns = {"timestamp": pl.datetime_range(start, start + dt.timedelta(hours=rows - 1), "1h", eager=True)}
    columns |= {f"x{i}": x[:, i] for i in range(indicators)}
    columns["y"] = x[:, :5].sum(axis=1) + 2 * rng.normal(size=rows)
    pl.DataFrame(columns).write_parquet(path)


def design_table(path: Path, variables: int, runs: int, rng: np.random.Generator) -> None:
    x = rng.uniform(0, 1, (runs, variables))
    subsidence = 10 + 5 * x[:, 0] - 3 * x[:, 1] + x[:, 2:].sum(axis=1) + rng.normal(0, 0.2, runs)
    ore = 70000 + 10000 * x[:, 1] - 5000 * x[:, 0] + 1000 * x[:, 3:].sum(axis=1)
    pl.DataFrame({**{f"v{i}": x[:, i] for i in range(variables)}, "subsidence_cm": subsidence, "ore_t": ore}).write_csv(path)


def graph(folder: Path) -> None:
    entities, relations = 14505, 237
    rng = np.random.default_rng(3)
    k = 545_000
    head = rng.integers(0, entities, k)
    relation = (rng.zipf(1.4, k) - 1) % relations
    popular = rng.integers(0, entities, 60)
    tail = np.where(relation < 30, popular[(relation * 2 + rng.integers(0, 2, k)) % 60],
                    (head * 7 + relation * 13 + rng.integers(0, 60, k)) % entities)
    triples = np.unique(np.column_stack([head, relation, tail]), axis=0)
    rng.shuffle(triples)
    folder.mkdir(exist_ok=True)
    a, b = 272_115, 272_115 + 17_535
    for name, part in (("train", triples[:a]), ("valid", triples[a:b]), ("test", triples[b:b + 20_466])):
        (folder / f"{name}.txt").write_text("".join(f"e{h}\tr{r}\te{t}\n" for h, r, t in part))


def corpus(path: Path, sentences: int) -> None:
    words = [f"w{i}" for i in range(5000)]
    types = ["Item", "Activity", "State", "Agent", "Property"]
    draw = random.Random(0)
    lines = []
    for _ in range(sentences):
        length, i = draw.randint(5, 20), 0
        while i < length:
            if draw.random() < 0.2:
                kind, span = draw.choice(types), draw.randint(1, 3)
                lines += [f"{kind.lower()}{draw.randint(0, 200)} {'B' if j == 0 else 'I'}-{kind}" for j in range(span)]
                i += span
            else:
                lines.append(f"{draw.choice(words)} O")
                i += 1
        lines.append("")
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for rows, indicators in ((10_000, 30), (100_000, 30), (100_000, 50)):
        risk_table(out / f"risk_{rows}x{indicators}.parquet", rows, indicators)
    values = np.random.default_rng(1)
    for n in (10_000, 100_000, 1_000_000):
        pl.DataFrame({"value": values.gamma(3.0, 2.0, n)}).write_csv(out / f"unc_{n}.csv")
    rng = np.random.default_rng(2)
    days = pl.date_range(dt.date(1994, 1, 1), dt.date(2023, 12, 31), "1d", eager=True)
    pl.DataFrame({"date": days, "value": 60 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))}).write_csv(out / "fc_daily_30y.csv")
    months = pl.date_range(dt.date(1994, 1, 1), dt.date(2023, 12, 1), "1mo", eager=True)
    monthly = 60 * np.exp(np.cumsum(rng.normal(0, 0.05, len(months))))
    pl.DataFrame({"date": months, "value": monthly}).write_csv(out / "fc_monthly_30y.csv")
    n = 100_000
    output = rng.uniform(100, 5000, n)
    items = {f"item{i}": rng.gamma(2, 10, n) * output / 1000 + rng.normal(0, 1, n) ** 2 for i in range(6)}
    total = 386300 - 2428 * output / 100 + 3.919 * (output / 100) ** 2 + sum(items.values())
    costs = pl.DataFrame({"output": output, "total_cost": total, **items})
    costs.write_csv(out / "cap_cost_100k.csv")
    costs.head(10_000).write_csv(out / "cap_cost_10k.csv")
    price = np.abs(350 + np.cumsum(rng.normal(0, 1, n)) * 0.1)
    pl.DataFrame({"output": output, "price": price}).write_csv(out / "cap_cobweb_100k.csv")
    pl.DataFrame({"month": months, "price": monthly}).write_csv(out / "cap_rolling_360.csv")
    design_table(out / "opt_10var_2000.csv", 10, 2000, rng)
    design_table(out / "opt_20var_20000.csv", 20, 20_000, rng)
    graph(out / "kge_fb")
    corpus(out / "ner_2k.conll", 2000)
    corpus(out / "ner_20k.conll", 20_000)
    print(f"written: {', '.join(sorted(p.name for p in out.iterdir()))}")


if __name__ == "__main__":
    main()
