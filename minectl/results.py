"""Run directories: atomic writers, metrics, provenance, sweep summaries and verification."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Callable, Iterable, Iterator

import minectl
from minectl.atomic import atomic_path
from minectl.errors import DataError
from minectl.redaction import printable, redact, redact_strings

METRICS_FILE = "metrics.json"
STATUS_FILE = "status.json"
PROVENANCE_FILE = "provenance.json"
SUMMARY_FILE = "summary.parquet"
LAST_SWEEP: list[Path] = []  # sweep dirs summarised in this process (the CLI reports the last)
KEY_PACKAGES = (
    "numpy", "scipy", "polars", "pyarrow", "duckdb", "scikit-learn", "lightgbm", "torch",
    "pymoo", "statsmodels", "hydra-core", "omegaconf", "python-crfsuite", "lemminflect",
)


def write_json(target: Path, data: Any) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(redact_strings(data), indent=2, sort_keys=True) + "\n")


def flatten_metrics(metrics: dict, prefix: str = "") -> dict[str, float]:
    """Nested dict -> flat dotted keys with plain numbers. None, NaN and +-inf (undefined, such as a
    ratio over a zero baseline) are left out: metrics.json stays strict JSON, which jq and every
    JSON reader parse, and a summary never averages an Infinity."""
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_metrics(value, f"{name}."))
            continue
        if value is None:
            continue
        if hasattr(value, "item"):  # numpy / torch scalars
            value = value.item()
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, (int, float)):
            raise TypeError(f"metric '{name}' is {type(value).__name__}, expected a number")
        if isinstance(value, float) and not math.isfinite(value):
            continue
        flat[name] = value
    return flat


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def _background() -> ThreadPoolExecutor:
    """The threads that hash a run's input files and write its tables (hashlib and polars release
    the GIL): they overlap the task's plots and report instead of preceding them."""
    return ThreadPoolExecutor(2, thread_name_prefix="minectl-io")


def _write_parquet(target: Path, frame: Any) -> str:
    """Write the table; returns its sha256 (status.json keeps it), hashed here beside the plots, not after them."""
    with atomic_path(target) as tmp:
        frame.write_parquet(tmp)
        return sha256_file(tmp)


def changed_since_saved(data: bytes, saved_sha256: str | None) -> bool:
    """Whether ``data`` is not the file a run saved with the sha256 ``saved_sha256`` (None: saved
    before runs recorded one, so taken as it is)."""
    return saved_sha256 is not None and hashlib.sha256(data).hexdigest() != saved_sha256


def _git_revision() -> str | None:
    source = Path(minectl.__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=source, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _package_versions() -> dict[str, str]:
    versions = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def cpu_kernels() -> dict[str, str]:
    """The code paths of this CPU that a figure's last bits depend on (docs/engine.md, "Same figures
    on another machine"): numpy's SIMD dispatch level (its exp and log differ between AVX-512 and
    AVX2), the BLAS library's kernels, torch's where the task imported it."""
    import numpy  # noqa: F401 - its C core, below, by the name of numpy 2 or 1
    import threadpoolctl

    umath = sys.modules.get("numpy._core._multiarray_umath") or sys.modules.get("numpy.core._multiarray_umath")
    found = getattr(umath, "__cpu_features__", {})
    levels = [*getattr(umath, "__cpu_baseline__", []), *getattr(umath, "__cpu_dispatch__", [])]
    kernels = {"machine": platform.machine(), "numpy": next((level for level in reversed(levels) if found.get(level)), "unknown")}
    blas = sorted({f"{lib['internal_api']} {lib.get('architecture')}" for lib in threadpoolctl.threadpool_info()
                   if lib.get("user_api") == "blas"})  # numpy's and scipy's libraries: one kernel set each
    if blas:
        kernels["blas"] = ", ".join(blas)
    if "torch" in sys.modules:
        kernels["torch"] = sys.modules["torch"].backends.cpu.get_cpu_capability()
    return kernels


def cpu_changed(provenance: dict, replayed: dict) -> list[str]:
    """The CPU kernels of the run (``provenance``) that differ from the replay's: a cause of
    last-bit differences that no input file or package version shows."""
    then, now = provenance.get("cpu", {}), replayed.get("cpu", {})
    return [f"cpu {name}: {then[name]} then, {now[name]} now (other last bits: verify --rtol 1e-8 tolerates them)"
            for name in sorted(then) if name in now and then[name] != now[name]]


def parquet_rows(path: Path) -> int:
    """The rows of a run's parquet table, from its footer (no row read)."""
    import polars as pl

    return pl.scan_parquet(path, glob=False).select(pl.len()).collect().item()  # glob=False: a folder named run[1] is no pattern


def environment_changed(provenance: dict) -> list[str]:
    """The environment variables the run's config read (provenance's "environment") set then and unset now, or the reverse."""
    now = {name: name in os.environ for name in provenance.get("environment", {})}
    return [f"environment variable {name} (${{oc.env:{name}}} in the config): {'set' if then else 'unset'} then, "
            f"{'set' if now[name] else 'unset'} now" for name, then in sorted(provenance.get("environment", {}).items())
            if then != now[name]]


@dataclass
class Run:
    """What a task gets to write its results: one Hydra output dir."""

    dir: Path
    seed: int
    inputs: dict[str, str | Future] = field(default_factory=dict)  # path -> sha256 (of a file: made in a thread)
    writes: dict[str, Future] = field(default_factory=dict)  # table file name -> its writing (and sha256), in a thread
    tables_sha256: dict[str, str] = field(default_factory=dict)  # table file name -> sha256, once `finish` has them
    console: Any = None
    # what the folder held before the task (Hydra's .hydra/ and log): `discard` keeps it
    existing: frozenset = field(init=False, repr=False, default=frozenset())

    def __post_init__(self) -> None:
        self.dir = Path(self.dir)
        self.existing = frozenset(self.dir.iterdir()) if self.dir.is_dir() else frozenset()
        if self.console is None:
            from rich.console import Console

            self.console = Console(stderr=False)

    def discard(self) -> None:
        """Remove what the task wrote, so that a failed run leaves no partial results."""
        wait(self.writes.values())  # a table still being written would appear after its folder was removed
        for path in set(self.dir.iterdir()) - self.existing if self.dir.is_dir() else ():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()

    def table(self, name: str, frame: Any) -> None:
        """Write ``frame`` (not changed afterwards) as tables/<name>.parquet, in a thread: `finish`
        waits for it and raises its error (0.7 s of zstd for the tables of 164 mines, beside the plots)."""
        self.writes[f"{name}.parquet"] = _background().submit(_write_parquet, self.dir / "tables" / f"{name}.parquet", frame)

    def warn(self, line: str) -> None:
        """A warning line, its text as given: a value in brackets (`item_columns=[a,b]`, a column `price [usd/t]`) is no
        console markup, which dropped it from the line."""
        from rich.markup import escape

        self.console.print(f"[yellow]warning: {escape(line)}[/yellow]")

    def plot(self, name: str, figure: Any) -> Path:
        import matplotlib.pyplot as plt

        target = self.dir / "plots" / f"{name}.png"
        with atomic_path(target) as tmp:
            figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
        plt.close(figure)
        return target

    @contextlib.contextmanager
    def artefact(self, name: str) -> Iterator[Path]:
        """A temp path in the run dir that becomes `<name>` (relative to the run dir) only when
        the block exits cleanly: files a task writes besides its tables and plots."""
        with atomic_path(self.dir / name) as tmp:
            yield tmp

    def input_file(self, path: str | Path) -> Path:
        """Record an input's sha256 (every file of a folder); returns the path as found, resolved
        like the readers resolve it (working dir first, else the checkout)."""
        from minectl.data.sources import found_input

        path = found_input(path)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:  # hashed while the task writes its tables and plots (0.3 s for the 284 MB of 164 mines)
            self.inputs[str(file.resolve())] = _background().submit(sha256_file, file)
        return path

    def record_inputs(self, inputs: Iterable[Path | tuple[str, str]]) -> None:
        """Record what a dataset read: files (`input_file`) and rows from a server, as (source,
        sha256) pairs (minectl.data.sources.ServerRows)."""
        for item in inputs:
            if isinstance(item, tuple):
                self.inputs[item[0]] = item[1]
            else:
                self.input_file(item)

    @contextlib.contextmanager
    def progress(self, total: int, description: str) -> Iterator[Callable[[int], None]]:
        """Yield `advance(n)`; draws a rich bar on a terminal, stays quiet otherwise."""
        from rich.progress import Progress

        with Progress(console=self.console, transient=True, disable=not self.console.is_terminal) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)

    @contextlib.contextmanager
    def progress_per_model(self, description: str) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
        """Yield `progress(name, total)`: it opens a bar for one model (``description`` with the
        model's name in its ``{}``) and returns the bar's `advance(n)`; all close on leaving."""
        with contextlib.ExitStack() as bars:
            yield lambda name, total: bars.enter_context(self.progress(total, description.format(name)))

    def finish(self, metrics: dict, config: dict, environment: dict[str, bool] | None = None) -> dict[str, float]:
        """metrics.json and provenance.json; ``environment``: the variables the config reads (${oc.env:NAME}), whether
        each was set (redaction.environment_read): a cause of other figures that no input file shows."""
        self.tables_sha256 = {name: written.result() for name, written in self.writes.items()}
        inputs = {path: digest if isinstance(digest, str) else digest.result() for path, digest in self.inputs.items()}
        flat = flatten_metrics(metrics)
        write_json(self.dir / METRICS_FILE, flat)
        write_json(
            self.dir / PROVENANCE_FILE,
            {
                "minectl": minectl.__version__,
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "packages": _package_versions(),
                "cpu": cpu_kernels(),
                "seed": self.seed,
                "task": config.get("task_name"),
                "inputs": inputs,
                "synthetic": (config.get("data") or {}).get("synthetic"),
                "git_revision": _git_revision(),
            } | ({"environment": environment} if environment else {}),
        )
        return flat


CONFIG_FILE = Path(".hydra") / "config.yaml"


def write_status(run_dir: Path, ok: bool, error: str | None = None, tables_sha256: dict[str, str] | None = None) -> None:
    """status.json, written last; ``tables_sha256``: the digests of the tables as the run wrote them (any other table
    found in tables/ is hashed here)."""
    status = {"status": "ok" if ok else "failed", "error": error}
    metrics, config = Path(run_dir) / METRICS_FILE, Path(run_dir) / CONFIG_FILE
    if ok and metrics.exists():  # so that `summarize` tells a metrics.json edited since from the run's own
        status["metrics_sha256"] = hashlib.sha256(metrics.read_bytes()).hexdigest()
        if config.exists():  # and a status.json and metrics.json copied in from another job of the sweep
            status["config_sha256"] = hashlib.sha256(config.read_bytes()).hexdigest()
        known = tables_sha256 or {}  # so that `report` tells a table removed, edited or added since from the run's own
        status["tables_sha256"] = {path.name: known.get(path.name) or sha256_file(path) for path in run_tables(run_dir)}
    write_json(Path(run_dir) / STATUS_FILE, status)


def run_tables(run_dir: Path) -> list[Path]:
    """The tables of the run of ``run_dir`` (tables/*.parquet), which `report` draws."""
    return sorted((Path(run_dir) / "tables").glob("*.parquet"))


def job_dirs(sweep_dir: Path) -> list[Path]:
    """Job dirs of a sweep: the ones Hydra created (they hold .hydra/overrides.yaml), also below
    a subdir (a `hydra.sweep.subdir` such as ${hydra.job.override_dirname} holds a path's `/`)."""
    found = []
    for folder, subdirs, files in os.walk(sweep_dir):  # links not followed: the folder may come from someone else
        if folder == str(sweep_dir):
            continue
        if "multirun.yaml" in files:  # another sweep (sweep_dir holds several): none of its jobs are this one's
            subdirs.clear()
        elif Path(folder, ".hydra", "overrides.yaml").is_file():
            found.append(Path(folder))
            subdirs.clear()  # a job holds no jobs: its tables and plots are not walked
    return sorted(found, key=lambda p: _job_order(job_name(sweep_dir, p)))


def job_name(sweep_dir: Path, job: Path) -> str:
    """A job's name in a sweep's summary: its folder relative to the sweep's (the job number)."""
    return job.relative_to(sweep_dir).as_posix()


def _job_order(name: str) -> tuple:
    return not name.isdigit(), int(name) if name.isdigit() else 0, name


def read_status(path: Path) -> dict:
    from minectl.runfolder import bad, check_fields, read_json

    status = read_json(path, "the JSON object a minectl job writes (status, error)")
    check_fields(status, path, {
        "status": (lambda v: v in ("ok", "failed"), "ok or failed"),
        "error": (lambda v: v is None or isinstance(v, str), "null or a message"),
    })
    def is_sha256(digest: Any) -> bool:
        return isinstance(digest, str) and re.fullmatch("[0-9a-f]{64}", digest) is not None

    for key in ("metrics_sha256", "config_sha256"):  # absent from failed runs and from runs of earlier versions
        digest = status.get(key)
        if digest is not None and not is_sha256(digest):
            raise bad(path, f"{key!r} is {digest!r}", f"{key!r} as 64 hex digits")
    tables = status.get("tables_sha256")
    if tables is not None and not (isinstance(tables, dict) and all(
            isinstance(name, str) and name.endswith(".parquet") and "/" not in name and is_sha256(digest)
            for name, digest in tables.items())):
        raise bad(path, f"'tables_sha256' is {str(tables)[:60]!r}", "'tables_sha256' as table names (x.parquet) and their 64 hex digits")
    return status


def as_written(path: Path) -> bytes:
    """The bytes of ``path``, a file a run wrote, with the line ends minectl writes (LF) where it is
    text: a checkout with git's core.autocrlf (Windows) makes them CRLF, the content unchanged. A
    binary file's (a model's .npz) bytes as they are."""
    data = Path(path).read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return data.replace(b"\r\n", b"\n")


def metrics_edited(run_dir: Path, status: dict) -> bool:
    """Whether ``run_dir``'s metrics.json differs from the file the job wrote (the sha256 an ok
    job keeps in its ``status``; a run of an earlier version has none, and is taken as it is)."""
    return changed_since_saved(as_written(Path(run_dir) / METRICS_FILE), status.get("metrics_sha256"))


def tables_edited(run_dir: Path, status: dict) -> str | None:
    """How ``run_dir``'s tables differ from the ones the job wrote (the sha256 of each that an ok
    job keeps in its ``status``; None: the same, or a run of an earlier version, which has none)."""
    saved = status.get("tables_sha256")
    if saved is None:
        return None
    found = {path.name: path for path in run_tables(run_dir)}
    for name in sorted(saved.keys() | found.keys()):
        if name not in found:
            return f"tables/{name} is missing"
        if name not in saved:
            return f"tables/{name} was not written by the run"
        if not found[name].is_file() or sha256_file(found[name]) != saved[name]:  # a pipe: never read, never the run's
            return f"tables/{name} differs from the one the run wrote"
    return None


def status_of_another_config(run_dir: Path, status: dict) -> bool:
    """Whether ``run_dir``'s status.json was written for another config than its .hydra/config.yaml:
    with metrics.json, copied in from another job (a run of an earlier version has no sha256)."""
    config = Path(run_dir) / CONFIG_FILE
    return config.is_file() and changed_since_saved(as_written(config), status.get("config_sha256"))


MAX_SWEEP_JOBS = 10_000  # a basic-sweeper grid larger than this is a typo (range(0,1000000)), not a plan


def grid_size(overrides: list) -> int:
    """Jobs of Hydra's basic-sweeper grid over parsed ``overrides``, counted without expanding
    the grid and capped at MAX_SWEEP_JOBS + 1 (a glob counts 1: it picks among a group's options)."""
    from itertools import islice

    from hydra.core.override_parser.types import Glob, IntervalSweep

    size = 1
    for override in overrides:
        if override.is_sweep_override() and not isinstance(override.value(), (Glob, IntervalSweep)):
            size = min(size * sum(1 for _ in islice(override.sweep_string_iterator(), MAX_SWEEP_JOBS + 1)), MAX_SWEEP_JOBS + 1)
    return size


MULTIRUN_EXPECTED = "the YAML mapping Hydra writes at the start of a sweep"
JOB_EXPECTED = "the YAML mapping Hydra writes for a job"


def _hydra_node(path: Path, expected: str) -> dict:
    """The `hydra` mapping of a file Hydra wrote: a sweep's multirun.yaml, a job's .hydra/hydra.yaml
    (read for each job of a sweep: libyaml's 1 ms, not OmegaConf's 28)."""
    from minectl.runfolder import bad, read_text, yaml_mapping

    hydra = yaml_mapping(path, read_text(path, expected), expected).get("hydra")
    if not isinstance(hydra, dict):
        raise bad(path, "no 'hydra' mapping", expected)
    return hydra


def _mapping(node: dict, key: str) -> dict:
    return node[key] if isinstance(node.get(key), dict) else {}


def planned_jobs(hydra: dict, path: Path) -> dict[str, list[str]] | None:
    """Job name -> overrides of every job that the `hydra` mapping of a sweep's multirun.yaml
    (``path``) plans (None: not known, e.g. another sweeper than Hydra's basic grid, or a job
    subdir other than the job number)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Glob
    from hydra.errors import HydraException

    from minectl.runfolder import bad

    overrides = _mapping(hydra, "overrides").get("task")
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise bad(path, "hydra.overrides.task is not a list of override strings", MULTIRUN_EXPECTED)
    sweeper = _mapping(hydra, "sweeper")
    if not str(sweeper.get("_target_")).endswith(".BasicSweeper") or sweeper.get("params") \
            or _mapping(hydra, "sweep").get("subdir") != "${hydra.job.num}":
        return None
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
        if any(isinstance(o.value(), Glob) or getattr(o.value(), "shuffle", False) for o in parsed):
            return None  # a glob's values come from the config groups, a shuffle's order from a random draw: not known here
        if grid_size(parsed) > MAX_SWEEP_JOBS:
            raise bad(path, f"hydra.overrides.task plans more than {MAX_SWEEP_JOBS:,} jobs", MULTIRUN_EXPECTED)
        batches = BasicSweeper.split_arguments(parsed, None)
    except HydraException as exc:
        raise bad(path, f"hydra.overrides.task does not parse ({str(exc).splitlines()[0]})", MULTIRUN_EXPECTED) from None
    return {str(i): job for i, job in enumerate(job for batch in batches for job in batch)}


def _check_own_job(plan: dict, job: Path, overrides: list[str]) -> None:
    """The job's .hydra/hydra.yaml names the sweep folder that made it and the task's config, as
    ``plan`` (the `hydra` mapping of the sweep's multirun.yaml, else of its first job) does (a moved
    sweep keeps both), and, under the default subdir, its job number as its folder's name: a job
    folder copied in from another sweep (also one with the same overrides), or within this one, is refused.
    It holds the job's ``overrides`` (its overrides.yaml) too: without multirun.yaml nothing else tells
    an edited overrides.yaml, whose job summarize --by grouped as None."""
    config = job / ".hydra" / "hydra.yaml"
    if not config.is_file():  # nothing to tell by
        return
    sweep, task = _mapping(plan, "sweep"), _mapping(plan, "job").get("config_name")
    hydra = _hydra_node(config, JOB_EXPECTED)
    ran_with = _mapping(hydra, "overrides").get("task")
    if isinstance(ran_with, list) and ran_with != overrides:
        raise DataError(f"{job / '.hydra' / 'overrides.yaml'}: {overrides} are not the overrides the job ran with ({ran_with} "
                        "in its .hydra/hydra.yaml); expected the job's own overrides.yaml (edited since?)")
    made_by, job_node = _mapping(hydra, "sweep").get("dir"), _mapping(hydra, "job")
    number, config_name = job_node.get("num"), job_node.get("config_name")
    if hydra.get("mode") == "RUN":  # e.g. outputs/demo/<date>, the folder of a day's runs, given for a sweep's
        raise DataError(f"{job}: a single run's folder (its .hydra/hydra.yaml has hydra.mode=RUN), not a sweep's job; "
                        "expected a sweep folder (made with -m), or the run's folder given alone")
    wrong = (f"hydra.sweep.dir={made_by}, this sweep's is {sweep.get('dir')}" if made_by != sweep.get("dir") else
             f"hydra.job.config_name={config_name}, this sweep's is {task}" if config_name != task else
             f"hydra.job.num={number}" if sweep.get("subdir") == "${hydra.job.num}" and str(number) != job.name else None)
    if wrong:
        raise DataError(f"{job}: not a job of this sweep (its .hydra/hydra.yaml has {wrong}); expected only the sweep's "
                        "own job folders (move the others out)")


def _sweep_node(hydra: dict | None, jobs: list[Path]) -> dict | None:
    """The sweep's `hydra` mapping: its multirun.yaml's (``hydra``), else its first job's own
    .hydra/hydra.yaml, which the other jobs are held against (None: not known)."""
    if hydra is None:
        saved = next((job / ".hydra" / "hydra.yaml" for job in jobs if (job / ".hydra" / "hydra.yaml").is_file()), None)
        hydra = None if saved is None else _hydra_node(saved, JOB_EXPECTED)
    return hydra


def summarize_sweep(sweep_dir: Path):
    """One row per job: job, overrides as columns, status, error and every metric. A job of
    multirun.yaml's plan without a folder is a row with status "not started" ("missing" when a
    later job has one); an ok job without metrics.json is "incomplete"."""
    import polars as pl

    from minectl.runfolder import bad, own_file, read_metrics, read_yaml_list

    def with_overrides(row: dict, overrides: list[str]) -> dict:
        for override in overrides:
            key, _, value = override.partition("=")
            row[printable(key.lstrip("+~"))] = printable(redact(value))  # shown on a terminal: no escape sequences
        return row

    rows = []
    plan = Path(sweep_dir) / "multirun.yaml"  # read once: the plan of jobs, else the sweep each job must name
    jobs = job_dirs(sweep_dir)
    read = [plan, *(job / name for job in jobs for name in (".hydra", ".hydra/overrides.yaml", ".hydra/hydra.yaml", CONFIG,
                                                            STATUS_FILE, METRICS_FILE))]
    for path in filter(Path.is_symlink, read):  # a job's own folder is no link (job_dirs follows none): its files may be
        own_file(path, sweep_dir, "a file the sweep wrote, inside its folder", "sweep folder")
    hydra = _hydra_node(plan, MULTIRUN_EXPECTED) if plan.exists() else None
    planned = None if hydra is None else planned_jobs(hydra, plan)
    hydra = _sweep_node(hydra, jobs)
    planned = planned or {}
    for job in jobs:
        name = job_name(sweep_dir, job)
        if planned and name not in planned:  # e.g. a job folder copied in from another sweep
            raise DataError(f"{job}: not a job of this sweep (multirun.yaml plans jobs 0 to {len(planned) - 1}); "
                            "expected only the sweep's own job folders (move the others out)")
        overrides = read_yaml_list(job / ".hydra" / "overrides.yaml")
        if name in planned and overrides != planned[name]:  # a folder of another run, put in the sweep
            raise DataError(f"{job / '.hydra' / 'overrides.yaml'}: {overrides} are not job {name}'s overrides in "
                            f"multirun.yaml ({planned[name]}); expected the folder of this sweep's job")
        if hydra is not None:  # a job of another sweep: with the same overrides, or where no plan tells (glob, Optuna)
            _check_own_job(hydra, job, overrides)
        row = with_overrides({"job": printable(name)}, overrides)
        status_file = job / STATUS_FILE
        if status_file.exists():
            status = read_status(status_file)
        else:  # the job never finished: killed, or the sweep crashed under it
            status = {"status": "incomplete", "error": "no status.json: the job did not finish"}
        metrics_file = job / METRICS_FILE
        if metrics_file.exists():
            metrics = {printable(k): float(v) for k, v in read_metrics(metrics_file).items()}
            clash = next((name for name in metrics if name in {*row, "status", "error"}), None)
            if clash is not None:  # a job writes no such metric: it would replace the job's name, status or override value
                whose = "an override of the job" if clash in row and clash != "job" else "a column of the summary"
                raise bad(metrics_file, f"metric '{clash}' has the name of {whose}",
                          "metric names apart from the job's overrides and job, status, error")
            row.update(metrics)
            if metrics_edited(job, status):
                status = {"status": "edited", "error": "metrics.json differs from the one the job wrote (status.json's "
                          "sha256); `minectl verify` replays the job"}
            elif status_of_another_config(job, status):
                status = {"status": "edited", "error": "status.json and metrics.json were written for another config than "
                          "the job's .hydra/config.yaml (status.json's sha256): copied from another job? `minectl verify` replays the job"}
        elif status["status"] == "ok":  # an ok job wrote metrics.json before status.json: removed since
            status = {"status": "incomplete", "error": "status.json says ok but metrics.json is missing"}
        row["status"] = status["status"]
        row["error"] = None if status["error"] is None else printable(redact(status["error"]))
        rows.append(row)
    found = {row["job"] for row in rows}
    last_found = max(map(_job_order, found), default=None)
    if not planned and last_found is not None and not last_found[0] and _mapping(hydra or {}, "sweep").get("subdir") == "${hydra.job.num}":
        planned = {str(n): [] for n in range(last_found[1])}  # no plan (no multirun.yaml, a glob, a search): a gap is a job removed
    for name, overrides in planned.items():
        if name not in found:
            if (Path(sweep_dir) / name).is_symlink():  # not walked: a link may lead anywhere
                never = {"status": "missing", "error": "its folder is a link, not the job's own folder"}
            elif (Path(sweep_dir) / name).is_dir():  # Hydra writes .hydra/overrides.yaml as the job starts
                never = {"status": "incomplete", "error": "no .hydra/overrides.yaml: the job was stopped as it started"}
            elif last_found is not None and _job_order(name) < last_found:  # a later job ran: not "never started"
                never = {"status": "missing", "error": "no job folder, though a later job has one (removed?)"}
            else:
                never = {"status": "not started", "error": "the sweep ended before this job started"}
            rows.append(with_overrides({"job": name}, overrides) | never)
    rows.sort(key=lambda row: _job_order(row["job"]))
    if not rows:
        return pl.DataFrame()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return pl.DataFrame(
        [{column: row.get(column) for column in columns} for row in rows],
        schema_overrides={c: pl.Float64 for c in columns if any(isinstance(r.get(c), float) for r in rows)},
        infer_schema_length=None,
    )


def unknown_metric(name: str, sweep_dir: Path, metrics: list[str]) -> str:
    """The error line of a --metric that no job of the sweep writes: the names nearest it (a typo), else the first
    few, not all of them (a sweep's jobs may write thousands)."""
    import difflib

    near = difflib.get_close_matches(name, metrics, n=3, cutoff=0.6) or sorted(metrics)[:5]
    more = f" ({len(metrics)} metrics: all in {SUMMARY_FILE})" if len(metrics) > len(near) else ""
    return f"unknown metric '{name}' in {sweep_dir}; expected one of: {', '.join(near)}{more}"


def swept_keys(summary, by: str | None = None) -> list[str]:
    """The override columns of a sweep's summary (:func:`summarize_sweep`): all but the job's name,
    status, error and metrics (floats; an override's value is text). ``by`` (`--by` of summarize and
    report), when given, must be one of them: grouping by a metric would make a group of each value."""
    keys = [c for c in summary.columns if c not in ("job", "status", "error") and not summary[c].dtype.is_float()]
    if by is not None and by not in keys:
        raise DataError(f"--by '{by}' is not an override of this sweep; expected one of: {', '.join(keys)}")
    return keys


def write_summary(sweep_dir: Path):
    target = Path(sweep_dir) / SUMMARY_FILE
    if target.is_dir() and not target.is_symlink():  # the new file cannot replace a folder (a link is replaced)
        raise DataError(f"{target}: a folder; expected the sweep's summary file or nothing there (summarize rewrites it: move the "
                        "folder away)")
    summary = summarize_sweep(sweep_dir)
    if summary.height:
        try:
            with atomic_path(target) as tmp:
                summary.write_parquet(tmp)
        except OSError as exc:  # a sweep on a read-only mount, or someone else's; a full disk (atomic_path names polars' error)
            raise DataError(f"{target}: cannot be written ({exc.strerror or exc}); expected a sweep folder you can write, "
                            "with room on its disk (summarize rewrites its summary.parquet: make room, or copy the folder)") from None
    return summary


def is_timing(key: str) -> bool:
    """A wall-clock metric (`schedule.seconds`, `schedule.upit.solve_ms`): measured, not computed,
    so a replay cannot reproduce it."""
    last = key.rpartition(".")[2]
    return last == "seconds" or last.endswith(("_seconds", "_ms"))


def compare_metrics(expected: dict[str, float], actual: dict[str, float], rtol: float = 0.0,
                    atol: float = 0.0) -> list[tuple[str, Any, Any]]:
    """Keys whose values differ beyond rtol and atol (exact when both 0: math.isclose's rule, so a
    value near zero, where no relative tolerance holds rounding noise, needs atol), or that only one
    side has; timing metrics need only be on both sides."""
    mismatches = []
    for key in sorted(set(expected) | set(actual)):
        a, b = expected.get(key), actual.get(key)
        if a is None or b is None:
            mismatches.append((key, a, b))
        elif is_timing(key):
            continue
        elif a != b and not ((rtol > 0 or atol > 0) and math.isclose(a, b, rel_tol=rtol, abs_tol=atol)):  # exact: ints past 2**53 too
            mismatches.append((key, a, b))
    return mismatches


# What `verify` compares besides metrics.json: every file the run wrote but its records (.hydra/, the
# log, status.json; provenance.json's inputs are compared by sha256), and the config the run composed
# (.hydra/config.yaml, saved unresolved: the replay's is the same file). Views drawn from the tables
# are compared by presence only: the tables they draw are compared by value, a PNG's bytes follow
# matplotlib's version and fonts, and report.html holds the run's folder.
RECORDS = (".hydra", STATUS_FILE, METRICS_FILE, PROVENANCE_FILE)
CONFIG = ".hydra/config.yaml"
VIEWS = ("plots", "report.html")


def result_files(run_dir: Path) -> dict[str, Path]:
    """The files a run wrote besides its records, by their path relative to ``run_dir`` (links
    not followed: the folder may come from someone else)."""
    found = {}
    for folder, _, files in os.walk(run_dir):
        for path in map(Path(folder).joinpath, files):
            name = path.relative_to(run_dir)
            if name.as_posix() == CONFIG or name.parts[0] not in RECORDS and not (len(name.parts) == 1 and name.suffix == ".log"):
                found[name.as_posix()] = path
    return found


def _table_differs(saved: Path, replayed: Path, rtol: float, atol: float) -> str | None:
    """How the table ``saved`` differs from the replay's (None: the same values); timing columns
    (schedule's and factors' `seconds`) are compared by name only."""
    import polars as pl

    def shape(path: Path) -> tuple[pl.Schema, int]:  # from the file's footer: a few KB can hold 10^9 repeated rows
        return pl.read_parquet_schema(path), parquet_rows(path)

    try:
        (schema, height), (their_schema, their_height) = shape(saved), shape(replayed)
        if schema != their_schema:
            column = next((c for c in dict.fromkeys([*schema, *their_schema]) if schema.get(c) != their_schema.get(c)), None)
            return (f"column {column}: {schema.get(column) or 'absent'}, the replay's {their_schema.get(column) or 'absent'}"
                    if column else "its columns in another order than the replay's")
        if height != their_height:
            return f"{height} rows, the replay's {their_height}"
        ours = pl.read_parquet(saved)  # as many rows as the replay wrote: read whole
    except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - any damage: polars', pyarrow's or the OS's error
        return "not a readable parquet table"
    theirs = pl.read_parquet(replayed)
    for column in ours.columns:
        a, b = ours[column], theirs[column]
        differ = a.ne_missing(b)  # NaN equals NaN, null equals null
        if (rtol > 0 or atol > 0) and a.dtype.is_float():  # a tolerance between two numbers: inf - 1 <= rtol * inf, and null, are no match
            within = pl.select(pl.max_horizontal(rtol * pl.max_horizontal(a.abs(), b.abs()), pl.lit(atol))).to_series()
            close = a.is_finite() & b.is_finite() & ((a - b).abs() <= within)
            differ &= ~close.fill_null(False)
        if not is_timing(column) and differ.any():
            row = differ.arg_true()[0]
            return f"column {column}: {differ.sum()} of {ours.height} rows differ (row {row}: saved {a[row]}, replay {b[row]})"
    return None


def _file_differs(saved: Path, replayed: Path, rtol: float, atol: float) -> str | None:
    """How the run's file ``saved`` differs from the replay's (None: not at all, or within ``rtol`` or ``atol``)."""
    import filecmp

    if not saved.is_file():  # a pipe or device: reading it as a table never ends
        from minectl.runfolder import not_a_file

        return not_a_file(saved)
    try:
        if filecmp.cmp(saved, replayed, shallow=False):
            return None
    except OSError as exc:  # a link to nowhere, no permission
        return f"unreadable ({exc.strerror or exc})"
    if saved.suffix == ".parquet":
        return _table_differs(saved, replayed, rtol, atol)
    if rtol > 0 or atol > 0 or as_written(saved) == replayed.read_bytes():
        return None
    return _config_differs(saved, replayed) if saved.parts[-2:] == Path(CONFIG).parts else "not the replay's bytes"


def _config_differs(saved: Path, replayed: Path) -> str:
    """How the run's .hydra/config.yaml differs from the one the replay composed from the same
    overrides: the first key (dotted) whose value differs, or that one side lacks (a key a newer
    minectl's schema has; an edit)."""
    from minectl.runfolder import read_text, yaml_mapping

    def flat(node: Any, prefix: str = "") -> dict[str, Any]:
        if not isinstance(node, dict) or not node:
            return {prefix.rstrip("."): node}
        return {k: v for key, value in node.items() for k, v in flat(value, f"{prefix}{key}.").items()}

    expected = "the YAML mapping of a run's config"
    ours, theirs = (flat(yaml_mapping(path, read_text(path, expected), expected)) for path in (saved, replayed))

    def side(key: str, values: dict, whose: str) -> str:  # a value as YAML writes it: true, null
        return f"{json.dumps(values[key], default=str)} in the {whose}'s" if key in values else f"absent from the {whose}'s"

    absent = object()
    for key in dict.fromkeys([*ours, *theirs]):
        if ours.get(key, absent) != theirs.get(key, absent):
            return f"{key}: {side(key, ours, 'run')}, {side(key, theirs, 'replay')}"
    return "not the replay's bytes (the same keys and values: comments or order)"


def compare_results(run_dir: Path, replay_dir: Path, rtol: float = 0.0, atol: float = 0.0) -> tuple[list[tuple[str, str]], int]:
    """The result files of ``run_dir`` that the replay in ``replay_dir`` does not reproduce, as
    (file, how), and how many result files the replay wrote. Tables are compared by
    value (within ``rtol`` or ``atol``), views by presence, the config byte for byte, other files
    (models, graphs) byte for byte, by presence under a tolerance (a model's last bits follow the
    CPU as the metrics do)."""
    saved, replayed = result_files(run_dir), result_files(replay_dir)
    written = {Path(name).parts[0] for name in replayed}  # an extra file at the top (notes) is the user's own
    problems = []
    for name in sorted(set(saved) | set(replayed)):
        if name not in saved:
            problems.append((name, "missing from the run folder; the replay wrote it"))
        elif name not in replayed:
            if len(Path(name).parts) > 1 and Path(name).parts[0] in written:
                problems.append((name, "not written by the replay (added to the run folder since?)"))
        elif Path(name).parts[0] not in VIEWS and (why := _file_differs(saved[name], replayed[name], *(0.0, 0.0) if name == CONFIG
                                                                        else (rtol, atol))):
            problems.append((name, why))
    return problems, len(replayed)


def packages_changed(provenance: dict) -> list[str]:
    """The package versions of ``provenance`` that differ from the installed ones."""
    then = {"minectl": provenance.get("minectl"), "python": provenance.get("python"), **provenance["packages"]}
    now = {"minectl": minectl.__version__, "python": sys.version.split()[0], **_package_versions()}
    return [f"package {name}: {then[name]} then, {now.get(name, 'not installed')} now"
            for name in sorted(then) if then[name] is not None and then[name] != now.get(name)]


def _file_name(path: str) -> str | None:
    """The file name of a recorded input that is a file, by its absolute path: also one of a run made
    on Windows (C:\\data\\mine.parquet), read here as the same file moved. None: rows from a server."""
    return next((flavour(path).name for flavour in (PurePosixPath, PureWindowsPath) if flavour(path).is_absolute()), None)


def _moved_inputs(run_inputs: dict[str, str], replay_inputs: dict[str, str]) -> dict[str, str]:
    """Files the run read that the replay read at another path, one to one: the same file name
    and sha256 (the project checked out or copied elsewhere, as on a CI machine; the replay
    resolves relative paths from there). Run path -> replay path."""
    elsewhere: dict[tuple[str, str], list[str]] = {}
    for path, sha in sorted(replay_inputs.items()):
        if path not in run_inputs and Path(path).is_absolute():
            elsewhere.setdefault((Path(path).name, sha), []).append(path)
    return {path: elsewhere[_file_name(path), sha].pop(0) for path, sha in sorted(run_inputs.items())
            if path not in replay_inputs and elsewhere.get((_file_name(path), sha))}


def _moved_and_changed(run_inputs: dict[str, str], replay_inputs: dict[str, str], moved: dict[str, str]) -> dict[str, str]:
    """Files the run read, gone from their path now, that the replay read at another path with the
    same file name but another sha256 (the project moved, as in `_moved_inputs`, and the file
    changed): paired where the name is one file's on each side. Run path -> replay path."""
    def by_name(paths: Iterable[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for path in paths:
            found.setdefault(_file_name(path), []).append(path)
        return found

    gone = by_name(p for p in run_inputs if p not in replay_inputs and p not in moved and _file_name(p) is not None
                   and not Path(p).exists())
    new = by_name(p for p in replay_inputs if p not in run_inputs and p not in moved.values() and Path(p).is_absolute())
    return {paths[0]: new[name][0] for name, paths in gone.items() if len(paths) == 1 and len(new.get(name, ())) == 1}


def inputs_changed(provenance: dict, replayed: dict | None = None) -> list[str]:
    """Since the run of ``provenance``: its input files whose sha256 differs now (or that are
    gone), rows from a server that differ in the replay's provenance ``replayed`` (a server's
    rows are known only by reading them again), and inputs only the replay read. A file the
    replay read elsewhere with the same name and sha256 (`_moved_inputs`) is the same input; with
    another sha256, where the run's path is gone (`_moved_and_changed`), the input that changed."""
    replay_inputs = (replayed or {}).get("inputs", {})
    moved = _moved_inputs(provenance["inputs"], replay_inputs)
    changed_elsewhere = _moved_and_changed(provenance["inputs"], replay_inputs, moved)
    changes = []
    for path, saved in sorted(provenance["inputs"].items()):
        if path in moved:
            continue
        if path in changed_elsewhere:
            now_at = changed_elsewhere[path]
            changes.append(f"input {path}: sha256 {saved[:12]}... then, {replay_inputs[now_at][:12]}... now (read at {now_at})")
            continue
        if _file_name(path) is None:  # rows from a server (a file is recorded by its absolute path)
            now = replay_inputs.get(path)
            if now is not None and now != saved:
                changes.append(f"input {path}: rows' sha256 {saved[:12]}... then, {now[:12]}... now")
        elif not Path(path).is_file():
            changes.append(f"input {path}: missing now")
        else:
            try:
                now = sha256_file(Path(path))
            except OSError as exc:  # e.g. no permission now
                changes.append(f"input {path}: unreadable now ({exc.strerror or exc})")
                continue
            if now != saved:
                changes.append(f"input {path}: sha256 {saved[:12]}... then, {now[:12]}... now")
    changes += [f"input {path}: read by the replay, not by the run (new since)"  # e.g. a part added to a folder
                for path in sorted(set(replay_inputs) - set(provenance["inputs"]) - {*moved.values(), *changed_elsewhere.values()})]
    return changes


try:  # Hydra's callback base; the sweep summary is written when a multirun ends.
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover - hydra is a hard dependency
    Callback = object  # type: ignore[assignment,misc]


class SweepSummary(Callback):
    """Writes summary.parquet into the sweep dir at the end of every multirun."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        summary = write_summary(sweep_dir)
        if summary.height and config.get("report", True):
            from minectl.report.page import write_sweep_report

            try:
                write_sweep_report(sweep_dir)
            except Exception as exc:  # noqa: BLE001 - the jobs' results stand; `minectl report DIR` draws it again
                import logging

                logging.getLogger("minectl").warning("report.html not written: %s: %s", type(exc).__name__, exc)
        LAST_SWEEP.append(sweep_dir)
