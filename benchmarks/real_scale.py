"""How each real-data reader's command grows with the size of its input: lookalike files in the
formats of examples/data, at the sizes real public data sets have, timed as whole processes.

Each format's generator writes a file (or folder) in the same format as its examples/data copy,
--scales times a base size, and the command a user runs on it is timed once per size, one at a
time, with its peak RSS (the kernel's ru_maxrss of that child):

  kge      link-prediction splits (train/valid/test.txt, tab-separated) like Nations/UMLS;
           `minectl factors` with one small distmult (d 16, 1-vs-all), 1 epoch and a validation:
           the fit, the filtered ranking of every test triple against all entities, the baselines.
           --real: FB15k-237's sizes (14,541 entities, 237 relations, 272,115 / 17,535 / 20,466)
  wn18rr   the same command on a WN18RR-shaped graph (40,943 entities, 11 relations, 86,835 /
           3,034 / 3,134 triples at --real): many entities, few relations
  minelib  a MineLib instance (.blocks .prec .upit .cpit), each block under the 3 x 3 blocks of the
           bench above (4-9 arcs); `minectl schedule minelib.path=...` UPIT and CPIT (10 s safety net).
           --real: 54,000 blocks, 20 periods, 443,000 arcs (marvin: 53,271 blocks, 650,631 arcs, 20)
  mclaughlin  the same, each block also under the 5 x 5 of the second bench above (about 27 arcs a
           block); --real: 112,500 blocks, 20 periods, about 3.0M arcs (mclaughlin_limit: 112,687, 3,035,483)
  maintie  MaintIE's span_json (the 1,076 gold work orders, copied with varied tokens);
           `minectl extract` with the dictionary and the feature CRF (20 L-BFGS iterations)
  arff     seismic-bumps arff rows copied with jitter; `minectl risk +experiment=seismic_bumps model=lr`
  prices   a daily price series (csv: date, value); `minectl forecast` (naive, seasonal naive, ARIMA,
           months from the days' means) and `minectl uncertainty` (999 resamples) of its values
  failures times between failures (Kumar's machine, tbf csv); `minectl uncertainty` (percentile, 999)

Growth: the slope of log(CPU seconds) on log(size) over the sizes (1: linear, 2: quadratic), CPU
seconds per 1,000 units, and peak RSS per 1,000 units. A command that fails is listed with its last
line. The figures of each run are not compared (see command_times.py for that).

The defaults (base sizes, --scales 1,2,4) take about 6 minutes on 2 shared cores; --real --scales 1
about 15 minutes for all formats but mclaughlin, whose CPIT peaks near 7 GB when its time limit leaves
the Lagrangian steps time to run (240 s; 0.55 GB at 10 to 120 s: docs/schedule.md).

Usage: python benchmarks/real_scale.py [--formats kge,minelib,...] [--scales 1,2,4] [--real] [--keep DIR]
       python benchmarks/real_scale.py --real --scales 1 --formats kge,wn18rr,minelib
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from cost_company import timed  # benchmarks/ is the script's folder: first on sys.path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"

# base sizes at --scales 1: (small, --real). kge: entities, relations, train, valid, test.
BASE = {
    "kge": ((1_800, 237, 34_000, 2_200, 2_600), (14_541, 237, 272_115, 17_535, 20_466)),
    "wn18rr": ((5_100, 11, 10_800, 380, 390), (40_943, 11, 86_835, 3_034, 3_134)),
    "minelib": ((40, 40, 8, 10), (60, 60, 15, 20)),  # nx, ny, nz, periods (60 x 60 x 15 = 54,000 blocks ~ marvin)
    "mclaughlin": ((30, 30, 10, 10, 2), (75, 75, 20, 20, 2)),  # ..., reach: 112,500 blocks, ~3.0M arcs at --real
    "maintie": (1, 10),  # copies of the 1,076 work orders
    "arff": (4, 100),  # copies of the 2,584 shifts
    "prices": (7.5, 30),  # years of daily prices
    "failures": (100, 10_000),  # copies of the Kumar machine's times between failures
}


def kge_graph(folder: Path, entities: int, relations: int, train: int, valid: int, test: int, seed: int = 0) -> int:
    """Splits of unique triples over Zipf-popular entities (a few hubs, a long tail, as Freebase and
    WordNet have), every entity and relation in training first so no split names an unseen one."""
    rng = np.random.default_rng(seed)
    total = train + valid + test
    popularity = 1.0 / np.arange(1, entities + 1) ** 0.8
    popularity /= popularity.sum()
    heads = np.arange(entities)
    seen = np.stack([heads, rng.integers(0, relations, entities), (heads + rng.integers(1, entities, entities)) % entities], 1)
    seen[:relations, 1] = np.arange(min(relations, entities))
    draws = np.stack([rng.choice(entities, 2 * total, p=popularity), rng.integers(0, relations, 2 * total),
                      rng.choice(entities, 2 * total, p=popularity)], 1)
    triples = np.concatenate([seen, draws])
    triples = triples[triples[:, 0] != triples[:, 2]]
    _, first = np.unique(triples[:, 0] * (relations * entities) + triples[:, 1] * entities + triples[:, 2], return_index=True)
    triples = triples[np.sort(first)][:total]  # the seen block first, then the draws in order
    rest = rng.permutation(np.arange(len(seen), total)) if len(triples) == total else None
    if rest is None:
        raise SystemExit(f"kge: only {len(triples):,} unique triples for {total:,}; more entities or relations")
    parts = {"train": np.concatenate([np.arange(len(seen)), rest[: train - len(seen)]]),
             "valid": rest[train - len(seen): train - len(seen) + valid], "test": rest[train - len(seen) + valid:]}
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in parts.items():
        lines = [f"e{h}\tr{r}\te{t}" for h, r, t in triples[rows]]
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n")
    return total


def minelib(folder: Path, nx: int, ny: int, nz: int, periods: int, reach: int = 1, seed: int = 0) -> tuple[int, int]:
    """A MineLib instance `bench` (.blocks .prec .upit .cpit): a smooth grade field, waste above
    and ore below; a block waits for the 3 x 3 blocks of the bench above (fewer at the edges) and,
    with ``reach`` 2, also the 5 x 5 of the bench above those (a 45-degree cone two benches deep, as
    MineLib's larger instances list: mclaughlin has 27 arcs a block); one processing resource limited
    to a period's share of the ore."""
    rng = np.random.default_rng(seed)
    x, y, z = (a.ravel() for a in np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij"))
    ids = np.arange(x.size).reshape(nx, ny, nz)
    depth = (nz - 1 - z) / max(nz - 1, 1)  # z = nz - 1 is the surface
    grade = np.clip(0.4 * depth + 0.8 * np.exp(-((x - nx / 2) ** 2 + (y - ny / 2) ** 2) / (0.1 * nx * ny))
                    + rng.normal(0, 0.15, x.size), 0, None)
    tonnes = np.full(x.size, 5_000.0)
    ore = grade > 0.5
    value = np.round(np.where(ore, tonnes * (grade * 30 - 12), -tonnes * 1.5), 2)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "bench.blocks", "w") as f:
        f.writelines(f"{i} {a} {b} {c} {t:.0f} {g:.4f}\n" for i, a, b, c, t, g in zip(ids.ravel(), x, y, z, tonnes, grade, strict=True))
    arcs = 0
    with open(folder / "bench.prec", "w") as f:
        for i, a, b, c in zip(ids.ravel(), x, y, z, strict=True):
            cone = (ids[max(a - k, 0): a + k + 1, max(b - k, 0): b + k + 1, c + k].ravel() for k in range(1, reach + 1) if c + k < nz)
            above = [p for bench in cone for p in bench]
            arcs += len(above)
            f.write(f"{i} {len(above)} {' '.join(map(str, above))}\n")
    objective = "".join(f"{i} {v}\n" for i, v in enumerate(value))
    (folder / "bench.upit").write_text(f"NAME: bench\nTYPE: UPIT\nNBLOCKS: {x.size}\nOBJECTIVE_FUNCTION:\n{objective}")
    limit = tonnes[ore].sum() / periods * 1.2
    limits = "".join(f"0 {t} L {limit:.0f}\n" for t in range(periods))
    coefficients = "".join(f"{i} 0 {t:.0f}\n" for i, t in enumerate(tonnes * ore) if t)
    (folder / "bench.cpit").write_text(
        f"NAME: bench\nTYPE: CPIT\nNBLOCKS: {x.size}\nNPERIODS: {periods}\nNRESOURCE_SIDE_CONSTRAINTS: 1\nDISCOUNT_RATE: 0.08\n"
        f"RESOURCE_CONSTRAINT_LIMITS:\n{limits}OBJECTIVE_FUNCTION:\n{objective}RESOURCE_CONSTRAINT_COEFFICIENTS:\n{coefficients}EOF\n")
    return x.size, arcs


def maintie(path: Path, copies: int, seed: int = 0) -> int:
    """MaintIE's gold work orders ``copies`` times; each copy after the first replaces a fifth of the
    tokens by a variant (a digit, a letter case, a suffix), so the vocabulary grows as real text's does."""
    rng = np.random.default_rng(seed)
    gold = json.loads((DATA / "maintie" / "gold_release.json").read_text())
    out = []
    for copy in range(copies):
        for doc in gold:
            tokens = list(doc["tokens"])
            if copy:
                for i in np.flatnonzero(rng.random(len(tokens)) < 0.2):
                    tokens[i] = (tokens[i] + str(copy % 7), tokens[i].upper(), tokens[i] + "s")[rng.integers(3)]
            out.append({**doc, "text": " ".join(tokens), "tokens": tokens})
    path.write_text(json.dumps(out))
    return len(out)


def arff(path: Path, copies: int, seed: int = 0) -> int:
    """seismic-bumps' header and its 2,584 rows ``copies`` times in order, energies jittered by +-10 %."""
    rng = np.random.default_rng(seed)
    text = (DATA / "seismic_bumps" / "seismic-bumps.arff").read_text()
    head, _, body = text.partition("@data")
    rows = [line.split(",") for line in body.split("\n") if line.strip() and not line.startswith("%")]
    lines = []
    for copy in range(copies):
        for row in rows:
            row = list(row)
            if copy:
                for i in (3, 4, 16, 17):  # genergy, gpuls, energy, maxenergy: non-negative reals
                    row[i] = str(round(float(row[i]) * rng.uniform(0.9, 1.1)))
            lines.append(",".join(row))
    path.write_text(head + "@data\n" + "\n".join(lines) + "\n")
    return len(lines)


def prices(path: Path, years: float, seed: int = 0) -> int:
    """A daily price (USD/t), a random walk of the log, from 1990 on: weekdays only, as quotes are."""
    rng = np.random.default_rng(seed)
    days = np.arange(np.datetime64("1990-01-01"), np.datetime64("1990-01-01") + int(years * 365.25))
    days = days[np.is_busday(days)]
    value = 60 * np.exp(np.cumsum(rng.normal(0, 0.012, days.size)))
    path.write_text("date,value\n" + "".join(f"{d},{v:.2f}\n" for d, v in zip(days, value, strict=True)))
    return days.size


def failures(path: Path, copies: int, seed: int = 0) -> int:
    """Times between failures (h) of one machine, Weibull-like, as Kumar's LHD log: 1 column."""
    rng = np.random.default_rng(seed)
    tbf = np.round(120 * rng.weibull(1.2, 60 * copies), 1) + 0.1
    path.write_text("tbf\n" + "".join(f"{t}\n" for t in tbf))
    return tbf.size


def kge_command(folder: Path, run: Path) -> list[str]:
    distmult = "factors.kge.estimators.distmult"
    return ["factors", "+experiment=nations", f"factors.kge.graph={folder}", "factors.kge.models=[distmult]",
            f"{distmult}.dim=16", f"{distmult}.epochs=1", f"{distmult}.eval_every=1", f"{distmult}.batch_size=1024"]


def commands(fmt: str, work: Path, size) -> tuple[int, str, list[tuple[str, list[str]]]]:
    """Generate ``fmt``'s input at ``size``: (units, what a unit is, [(label, minectl arguments)])."""
    if fmt in ("kge", "wn18rr"):
        folder = work / "graph"
        units = kge_graph(folder, *size)
        return units, "triples", [("factors distmult", kge_command(folder, work))]
    if fmt in ("minelib", "mclaughlin"):
        blocks, arcs = minelib(work / "mine", *size)
        args = ["schedule", f"minelib.path={work / 'mine'}", "minelib.name=bench", "schedule.problems=[upit,cpit]",
                "loop.enabled=false", "schedule.time_limit_s=10", "report=false"]
        return blocks, f"blocks ({arcs / blocks:.1f} arcs each)", [("schedule upit+cpit", args)]
    if fmt == "maintie":
        units = maintie(work / "corpus.json", size)
        args = ["extract", "+experiment=maintie", f"factors.extract.corpus={work / 'corpus.json'}",
                "factors.extract.models=[dictionary,crf]", "factors.extract.best=crf", "factors.extract.crf.max_iterations=20"]
        return units, "work orders", [("extract dict+crf", args)]
    if fmt == "arff":
        units = arff(work / "bumps.arff", size)
        args = ["risk", "+experiment=seismic_bumps", "model=lr", f"risk.input.path={work / 'bumps.arff'}"]
        return units, "shifts", [("risk lr", args)]
    if fmt == "prices":
        units = prices(work / "daily.csv", size)
        forecast = ["forecast", f"series={work / 'daily.csv'}", "source.resample=mean", "forecaster=[naive,seasonal_naive,arima]"]
        uncertainty = ["uncertainty", f"dataset.path={work / 'daily.csv'}", "dataset.column=value", "dataset.date_column=date",
                       "dataset.transforms=[level,log_return]", "uncertainty.n_resamples=999"]
        return units, "days", [("forecast", forecast), ("uncertainty", uncertainty)]
    if fmt == "failures":
        units = failures(work / "tbf.csv", size)
        args = ["uncertainty", "dataset=equipment_failures", f"dataset.path={work / 'tbf.csv'}", "dataset.group_by=null",
                "uncertainty.n_resamples=999"]
        return units, "failures", [("uncertainty", args)]
    raise SystemExit(f"unknown format {fmt!r}; expected one of {', '.join(BASE)}")


def scaled(fmt: str, base, scale: int):
    """The base size times ``scale``: the counts grow, the relations and periods stay (kge), the
    plan area grows (minelib: nx and ny by sqrt(scale), so the blocks grow by ``scale``)."""
    if fmt in ("kge", "wn18rr"):
        e, r, *splits = base
        return (e * scale, r, *(n * scale for n in splits))
    if fmt in ("minelib", "mclaughlin"):
        nx, ny, *rest = base
        side = math.sqrt(scale)
        return round(nx * side), round(ny * side), *rest
    return base * scale


def measure(args: list[str], run: Path) -> dict:
    command = [sys.executable, "-m", "minectl.cli", *args, f"hydra.run.dir={run}"]
    try:
        return timed(command) | {"ok": True}
    except SystemExit as failed:  # timed's message: the command and the tail of its output
        return {"ok": False, "last": str(failed).strip().splitlines()[-1]}


def slope(xs: list[float], ys: list[float]) -> float:
    """The exponent b of y ~ x^b (least squares on logs)."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0]) if len(xs) > 1 and min(ys) > 0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default=",".join(BASE), help=f"comma-separated, of: {', '.join(BASE)}")
    parser.add_argument("--scales", default="1,2,4", help="comma-separated multiples of the base size")
    parser.add_argument("--real", action="store_true", help="base sizes of the real data sets (see the docstring): minutes to hours")
    parser.add_argument("--keep", type=Path, help="keep the generated inputs and run folders here")
    args = parser.parse_args()
    formats = args.formats.split(",")
    unknown = [fmt for fmt in formats if fmt not in BASE]
    if unknown:
        parser.error(f"--formats: unknown '{unknown[0]}'; expected names from {', '.join(BASE)}")
    if not all(s.isdigit() and int(s) > 0 for s in args.scales.split(",")):
        parser.error(f"--scales {args.scales}: expected positive whole multiples, such as 1,2,4")
    scales = [int(s) for s in args.scales.split(",")]
    root = args.keep or Path(tempfile.mkdtemp(prefix="real_scale_"))
    rows = []
    try:
        for fmt in formats:
            base = BASE[fmt][1 if args.real else 0]
            for scale in scales:
                work = root / f"{fmt}{scale}"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir(parents=True)
                start = time.perf_counter()
                units, unit, runs = commands(fmt, work, scaled(fmt, base, scale))
                print(f"{fmt} x{scale}: {units:,} {unit} ({time.perf_counter() - start:.1f} s to generate)", flush=True)
                for i, (label, command) in enumerate(runs):
                    result = measure(command, work / f"run{i}")
                    rows.append((fmt, label, scale, units, unit, result))
                    print(f"  {label}: " + (f"{result['seconds']:.1f} s, cpu {result['cpu']:.1f} s, {result['peak_mb']:.0f} MB"
                                            if result["ok"] else f"FAILED: {result['last']}"), flush=True)
                if args.keep is None:
                    shutil.rmtree(work, ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    report(rows)


def report(rows: list[tuple]) -> None:
    print(f"\n{'format':<11}{'command':<20}{'scale':>5}{'units':>11}  {'wall s':>7}{'cpu s':>7}{'peak MB':>8}"
          f"{'cpu ms/1k units':>16}")
    for fmt, label, scale, units, _, r in rows:
        figures = (f"{r['seconds']:>7.1f}{r['cpu']:>7.1f}{r['peak_mb']:>8.0f}{1e6 * r['cpu'] / units:>16.1f}" if r["ok"]
                   else f"  failed: {r['last'][:80]}")
        print(f"{fmt:<11}{label:<20}{scale:>5}{units:>11,}  {figures}")
    print("\ngrowth: exponent b of cpu ~ size^b (least squares on logs: 1 linear, 2 quadratic; below 1 while the fixed seconds "
          "of start-up weigh), the line's slope and intercept; peak RSS: MB per 1,000 units (slope of a line) and largest / smallest")
    for key in dict.fromkeys((fmt, label) for fmt, label, *_ in rows):
        ok = [(units, r) for fmt, label, _, units, _, r in rows if (fmt, label) == key and r["ok"]]
        if len(ok) > 1:
            units = [u for u, _ in ok]
            peaks, cpu = [r["peak_mb"] for _, r in ok], [r["cpu"] for _, r in ok]
            per_unit = np.polyfit(np.array(units) / 1e3, peaks, 1)[0]
            seconds, fixed = np.polyfit(np.array(units) / 1e3, cpu, 1)
            print(f"  {key[0]:<11}{key[1]:<20} cpu b = {slope(units, cpu):.2f} ({seconds:.3f} s per 1k units {fixed:+.1f} s)   "
                  f"peak {per_unit:.2f} MB per 1k units, {min(peaks):.0f}-{max(peaks):.0f} MB ({peaks[-1] / peaks[0]:.2f}x "
                  f"over {units[-1] / units[0]:.1f}x the size)")


if __name__ == "__main__":
    main()
