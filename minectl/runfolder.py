"""Run and sweep folders: claimed exclusively before a run, read back as untrusted input.

A run folder someone sends you (`verify`, `risk predict`, `summarize`) may be damaged or
tampered with. Every file of it is read here with its type checked; any problem is one
DataError naming the file and what was expected. Only JSON and YAML are parsed (YAML with a
safe loader): nothing is ever unpickled.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from minectl.errors import ConfigError, DataError

# ---------------------------------------------------------------------------- reading


def bad(path: Path, problem: str, expected: str) -> DataError:
    return DataError(f"{path}: {problem}; expected {expected}")


def _short(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '...' if len(text) > 40 else text}"


# A run writes kilobytes of JSON and YAML; a bigger file was made by someone else (and would cost
# seconds and gigabytes to parse).
MAX_TEXT_BYTES = 20 << 20
# Nodes a YAML document may hold once its aliases are expanded: `&a [*b, *b, ...]` chains grow
# exponentially (a "billion laughs" file of 1 kB expands to gigabytes).
MAX_YAML_NODES = 1_000_000


def check_size(path: Path, expected: str, max_bytes: int = MAX_TEXT_BYTES, what_is_written: str = "a run writes") -> Path:
    """``path``, refused unless it is a file of at most ``max_bytes``, before a reader takes it whole
    (``what_is_written`` says what size the file's writer makes)."""
    path = Path(path)
    if not path.is_file():
        raise bad(path, "missing" if not path.exists() else "not a file", expected)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise bad(path, f"cannot be read ({exc.strerror or exc})", expected) from None
    if size > max_bytes:
        raise bad(path, f"{size / 2**20:.0f} MB, larger than the {max_bytes >> 20} MB {what_is_written}", expected)
    return path


def check_unpacked_size(path: Path, expected: str, max_bytes: int, what_is_written: str) -> Path:
    """:func:`check_size`, and for a zip archive (an .npz, torch's .pt) the size of its members
    unpacked too: a deflated array of zeros unpacks to 1,000 times its size (a 2 MB lstm.pt to 2 GB)."""
    path = check_size(path, expected, max_bytes, what_is_written)
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:  # not a zip (a pickle, torch's legacy format, random bytes): its loader names it
        return path
    if unpacked > max_bytes:
        raise bad(path, f"{unpacked / 2**20:.0f} MB unpacked, larger than the {max_bytes >> 20} MB {what_is_written}", expected)
    return path


def read_text(path: Path, expected: str, max_bytes: int = MAX_TEXT_BYTES, what_is_written: str = "a run writes") -> str:
    """The UTF-8 text of ``path``, refused unless it is a file of at most ``max_bytes`` (:func:`check_size`)."""
    path = check_size(path, expected, max_bytes, what_is_written)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:  # binary: a pickle, a parquet file, random bytes
        raise bad(path, "binary data, not text", expected) from None
    except OSError as exc:
        raise bad(path, f"cannot be read ({exc.strerror or exc})", expected) from None


def check_plain_files(folder: Path, expected: str) -> None:
    """Every entry of ``folder`` (a saved model's) is a file, before a loader reads one: a pipe where
    a file was blocks the reader forever, a link to /dev/zero fills memory. A missing folder is left
    to the loader to name."""
    for path in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else ():
        if not path.is_file():
            raise bad(path, not_a_file(path), expected)


def not_a_file(path: Path) -> str:
    """What ``path`` is where a file was expected: a pipe, a device, missing (a link to nowhere) or not a file (a folder)."""
    from minectl.data.sources import special_kind

    return special_kind(path) or ("missing" if not path.exists() else "not a file")


def own_file(path: Path, folder: Path, expected: str, what: str = "run folder") -> None:
    """Refuse ``path`` inside ``folder`` where it, or a folder above it (tables/, .hydra/), is a link
    that leads outside ``folder`` or in a loop: the folder may come from someone else, and a reader
    would follow the link (to /etc/passwd, to another run's results). A link to nowhere is left to
    the reader to name missing. A name of bytes that are not UTF-8 (kept by Python as surrogates) is refused too:
    a run writes none, and polars reads no such path (a TypeError traceback)."""
    shown = os.fsencode(path).decode("utf-8", "backslashreplace")
    if shown != str(path):
        raise bad(Path(shown), "a name that is not UTF-8 (a run writes none)", expected)
    try:
        target = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise bad(path, "a link in a loop", expected) from None
        return
    if not target.is_relative_to(Path(folder).resolve()):
        raise bad(path, f"a link to {target}, outside the {what}", expected)


def check_links(folder: Path, expected: str) -> None:
    """:func:`own_file` for every link below ``folder`` (a run's few dozen files), links not followed."""
    for parent, dirs, files in os.walk(folder):
        for path in map(Path(parent).joinpath, [*dirs, *files]):
            if path.is_symlink():
                own_file(path, folder, expected)


def read_json(path: Path, expected: str) -> dict:
    """The JSON object of ``path``."""
    text = read_text(path, expected)

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict:  # json keeps a key's last value, other readers its first
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise bad(path, f"the key '{key}' is given twice", expected)
            seen.add(key)
        return dict(pairs)

    try:
        data = json.loads(text, object_pairs_hook=unique_keys)
    except ValueError as exc:  # also a truncated file
        raise bad(path, f"not valid JSON ({exc})", expected) from None
    except RecursionError:  # [[[[...]]]] thousands deep
        raise bad(path, "nested too deeply", expected) from None
    if not isinstance(data, dict):
        raise bad(path, f"the top level is {_short(data)}", expected)
    return data


def read_yaml(path: Path, expected: str, kind: str = "mapping"):
    """The YAML document of ``path`` as an OmegaConf node; ``kind``: mapping or list."""
    import yaml
    from omegaconf import DictConfig, ListConfig, OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    text = read_text(path, expected)
    try:
        check_yaml_size(text, path)
        node = OmegaConf.create(text)  # OmegaConf's loader is yaml's SafeLoader: no objects built
    except (yaml.YAMLError, OmegaConfBaseException) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise bad(path, f"not valid YAML ({first})", expected) from None
    if not isinstance(node, DictConfig if kind == "mapping" else ListConfig) or (kind == "mapping" and not text.strip()):
        raise bad(path, f"not a YAML {kind}", expected)
    return node


def check_yaml_size(text: str, path: Path) -> Any:
    """Refuse a YAML document whose aliases expand past MAX_YAML_NODES, or nested too deeply,
    before any loader expands it (a DataError naming ``path``). Returns its node graph (None: empty,
    or not YAML, which the loader names)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # a node graph: an alias is the node it names, not a copy
    except RecursionError:
        raise DataError(f"{path}: nested too deeply; expected a config file") from None
    except yaml.YAMLError:
        return None  # the loader names the syntax error
    sizes: dict[int, int] = {}
    started: set[int] = set()
    aliased = False  # a node met twice: the file holds an alias
    stack = [(root, False)] if root is not None else []
    while stack:  # depth first, each node once: the expanded size in time linear in the file
        node, children_done = stack.pop()
        if id(node) in sizes:
            aliased = True
            continue
        children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else \
            node.value if isinstance(node, yaml.SequenceNode) else []
        if children_done:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[id(node)] > MAX_YAML_NODES and aliased:
                raise DataError(f"{path}: its aliases (*name) expand to more than {MAX_YAML_NODES:,} values; "
                                "expected a config file without self-multiplying anchors")
            if sizes[id(node)] > MAX_YAML_NODES:
                raise DataError(f"{path}: holds more than {MAX_YAML_NODES:,} values; expected a config file (a run's "
                                "hold thousands; a table of data belongs in a data file)")
        elif id(node) in started:  # met again inside itself: `&a [*a]`
            raise DataError(f"{path}: an anchor holds an alias of itself; expected a config file without recursive anchors")
        else:
            started.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children)
    return root


def yaml_mapping(path: Path, text: str, expected: str) -> dict:
    """The YAML mapping ``text`` of ``path`` read with a safe loader (libyaml's when built: 10x faster
    than OmegaConf's; an alias is the node it names, never a copy, so anchors multiply nothing), a key
    given twice refused as OmegaConf (verify) refuses it: a plain loader keeps the last one."""
    import yaml

    class UniqueKeys(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key in (key for key, _ in node.value if isinstance(key, yaml.ScalarNode)):
                if key.value in seen:
                    raise DataError(f"{path}: line {key.start_mark.line + 1}: the key '{key.value}' is given twice; expected {expected}")
                seen.add(key.value)
            return super().construct_mapping(node, deep)

    try:
        data = yaml.load(text, Loader=UniqueKeys)
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({str(exc).splitlines()[0]}); expected {expected}") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: not a YAML mapping; expected {expected}")
    return data


def read_yaml_list(path: Path) -> list[str]:
    """Hydra's overrides.yaml: a YAML list of override strings."""
    from omegaconf import OmegaConf

    expected = "a YAML list of override strings (key=value)"
    items = OmegaConf.to_container(read_yaml(path, expected, "list"))
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise bad(path, f"item {i} is {_short(item)}", expected)
    return items


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not (isinstance(value, float) and math.isnan(value))


def read_metrics(path: Path) -> dict[str, float]:
    """metrics.json: a flat JSON object of metric name -> finite number (a job leaves an undefined
    metric out, so NaN or Infinity was written by hand)."""
    expected = "a JSON object of metric name -> number"
    metrics = read_json(path, expected)
    for key, value in metrics.items():
        if not is_number(value):
            raise bad(path, f"metric '{key}' is {_short(value)}", expected)
        if isinstance(value, float) and math.isinf(value):
            raise bad(path, f"metric '{key}' is {value}", "finite numbers (minectl leaves an undefined metric out)")
        if isinstance(value, int) and abs(value) > sys.float_info.max:  # 1e400 written as digits: no float holds it
            raise bad(path, f"metric '{key}' is an integer of {len(str(abs(value)))} digits", "numbers a float holds")
    return metrics


def check_fields(data: dict, path: Path, fields: dict[str, tuple[Callable[[Any], bool], str]]) -> None:
    """Each key of ``fields`` is in ``data`` and passes its check (check, what it should be)."""
    for key, (ok, expected) in fields.items():
        if key not in data:
            raise bad(path, f"no '{key}'", f"'{key}' as {expected}")
        if not ok(data[key]):
            raise bad(path, f"'{key}' is {_short(data[key])}", f"'{key}' as {expected}")


def is_str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def read_provenance(path: Path) -> dict:
    """provenance.json: at least the input files (path -> sha256) and package versions."""
    data = read_json(path, "the JSON object a minectl run writes (inputs, packages)")
    check_fields(data, path, {
        "inputs": (lambda v: is_str_map(v) and all(len(s) == 64 for s in v.values()), "an object of path -> sha256"),
        "packages": (is_str_map, "an object of package -> version"),
    })
    if "environment" in data:  # only a run whose config reads ${oc.env:NAME} has it
        check_fields(data, path, {"environment": (lambda v: isinstance(v, dict) and all(
            isinstance(k, str) and isinstance(b, bool) for k, b in v.items()), "an object of variable name -> whether set")})
    if "cpu" in data:  # runs of minectl before it was recorded have none
        check_fields(data, path, {"cpu": (is_str_map, "an object of code path -> kernel")})
    return data


@dataclass
class RunFolder:
    """The saved `.hydra/` of a run: what `verify` and `risk predict` read before anything else."""

    dir: Path
    task: str
    config: Any  # DictConfig of .hydra/config.yaml, unresolved
    overrides: list[str]  # .hydra/overrides.yaml
    hydra: Any  # DictConfig of .hydra/hydra.yaml
    config_dir: Path | None  # the `-cd` folder the run was started with, if any
    cwd: Path | None = None  # the working directory the run was started in, where it exists on this machine


def read_run(run_dir: Path, tasks: tuple[str, ...]) -> RunFolder:
    """Read and type-check a run folder's `.hydra/` files; the run's task must be one of ``tasks``."""
    from omegaconf import DictConfig, OmegaConf

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise DataError(f"{run_dir}: {'not a folder' if run_dir.exists() else 'missing'}; expected a minectl run folder")
    saved = run_dir / ".hydra"
    if (run_dir / "multirun.yaml").is_file() and not saved.exists():
        from minectl.results import job_dirs

        jobs = job_dirs(run_dir)
        raise DataError(f"{run_dir}: a sweep folder (multirun.yaml), not a run's; expected the folder of one of its "
                        "jobs" + (f", e.g. {jobs[0]}" if jobs else ""))
    check_not_inside_a_run(run_dir)
    check_links(run_dir, "a file the run wrote, inside its folder")  # before any of its files is read
    config_file = saved / "config.yaml"
    config = read_yaml(config_file, "the YAML mapping of the run's config (with task_name)")
    task = OmegaConf.to_container(config).get("task_name")  # unresolved: reading runs nothing
    if not isinstance(task, str) or task not in tasks:
        names = "a " + " or ".join(f"`minectl {t}`" for t in tasks) if len(tasks) < 3 else "a minectl task"
        raise bad(config_file, f"task_name is {task!r}", f"the folder of {names} run")
    hydra_file = saved / "hydra.yaml"
    hydra = read_yaml(hydra_file, "the YAML mapping Hydra writes (a 'hydra' node)")
    if not isinstance(hydra.get("hydra"), DictConfig):
        raise bad(hydra_file, "no 'hydra' mapping", "the YAML mapping Hydra writes (a 'hydra' node)")
    runtime = OmegaConf.to_container(hydra)["hydra"].get("runtime")
    sources = runtime.get("config_sources") if isinstance(runtime, dict) else None
    well_formed = lambda s: isinstance(s, dict) and all(isinstance(s.get(k), str) for k in ("path", "provider"))  # noqa: E731
    if not isinstance(sources, list) or not all(well_formed(s) for s in sources):
        raise bad(hydra_file, "hydra.runtime.config_sources is not a list of {path, provider}", "Hydra's config sources")
    config_dirs = [s["path"] for s in sources if s["provider"] == "command-line"]
    config_dir = Path(config_dirs[0].removeprefix("file://")) if config_dirs else None
    started_in = runtime.get("cwd") if isinstance(runtime, dict) else None  # relative input paths were read from there
    cwd = Path(started_in) if isinstance(started_in, str) and Path(started_in).is_absolute() and Path(started_in).is_dir() else None
    if cwd is not None and cwd.resolve().is_relative_to(run_dir.resolve()):  # the folder's own files: never the working dir
        cwd = None
    if cwd is None and isinstance(started_in, str):
        config_dir = _moved_with_project(config_dir, Path(started_in))
    return RunFolder(run_dir, task, config, read_yaml_list(saved / "overrides.yaml"), hydra, config_dir, cwd)


def _moved_with_project(config_dir: Path | None, started_in: Path) -> Path | None:
    """The run's `-cd` folder, which Hydra saved as an absolute path: where it is gone and lay in
    the folder the run was started in (also gone: the project checked out or copied elsewhere, as on
    a CI machine), the same folder below the current one, which a replay then reads relative paths
    from, as the data's. Otherwise ``config_dir`` as saved."""
    if config_dir is None or config_dir.exists() or not config_dir.is_relative_to(started_in):
        return config_dir
    moved = Path.cwd() / config_dir.relative_to(started_in)
    return moved if moved.is_dir() else config_dir


def check_not_inside_a_run(folder: Path) -> None:
    """Refuse a folder without `.hydra/` that lies inside a run's folder (its `model/`, `tables/` or
    `.hydra/`, given for the run's), naming the run's folder."""
    if not (Path(folder) / ".hydra").exists() and (run := _enclosing_run(folder, sweeps=False)) is not None:
        raise DataError(f"{folder}: a folder inside the run folder {run}; expected the run folder itself")


def check_finished(run_dir: Path) -> dict:
    """The status of the run of ``run_dir``, refused unless it says ok. status.json is the last file
    a run writes: a run stopped from outside (SIGKILL, the out-of-memory killer) or still running has
    none, and may already hold the metrics.json, provenance.json or model of a run that never ended."""
    from minectl.results import STATUS_FILE, read_status

    path, expected = Path(run_dir) / STATUS_FILE, "the folder of a run that finished (its status.json says ok)"
    if not path.exists():
        raise bad(path, "missing: the run did not finish (stopped, killed, or still running)", expected)
    status = read_status(path)
    if status["status"] != "ok":
        raise bad(path, f"the run failed ({status['error']})", expected)
    return status


def check_finished_if_run(folder: Path) -> None:
    """``check_finished`` where ``folder`` is a run's (it holds `.hydra/`); a plain folder of
    files (models, triples written by hand) passes."""
    if (Path(folder) / ".hydra").is_dir():
        check_finished(folder)


# ---------------------------------------------------------------------------- claiming


def holds_run(folder: Path) -> bool:
    """A run or sweep has written results into ``folder``, or is running there (`.hydra/`
    without a status yet). The folder of a failed run holds no results: it may be reused."""
    from minectl.results import METRICS_FILE, STATUS_FILE

    folder = Path(folder)
    if any((folder / name).exists() for name in (METRICS_FILE, "multirun.yaml")) or any(folder.glob("*/.hydra")):
        return True
    if not (folder / ".hydra").exists():
        return False
    try:
        return json.loads((folder / STATUS_FILE).read_text())["status"] != "failed"
    except (OSError, ValueError, TypeError, KeyError):  # no status yet (running, or killed), or unreadable
        return True


def _enclosing_run(path: Path, sweeps: bool) -> Path | None:
    """The run folder (one with `.hydra/`) that ``path`` lies inside, or with ``sweeps`` the sweep
    folder (multirun.yaml), whose jobs are its subfolders (None: neither). A sweep inside a sweep's
    folder is not one of its jobs (`summarize` does not walk it)."""
    return next((parent for parent in Path(path).resolve().parents
                 if (parent / ".hydra").is_dir() or sweeps and (parent / "multirun.yaml").is_file()), None)


def lock_run(folder: Path) -> int | None:
    """Lock the run of ``folder`` (its .hydra/) for as long as the returned descriptor is open: its job holds it while it
    runs. None where no lock is taken (no fcntl, a file system without locks)."""
    try:
        import fcntl

        descriptor = os.open(Path(folder) / ".hydra", os.O_RDONLY)
    except (ImportError, OSError):
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def still_running(folder: Path) -> bool:
    """Whether a job holds the lock (:func:`lock_run`) of the run in ``folder``, or of one of its jobs (a sweep's)."""
    try:
        import fcntl
    except ImportError:
        return False
    for saved in [Path(folder) / ".hydra", *Path(folder).glob("*/.hydra")]:
        try:
            descriptor = os.open(saved, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:  # a file system without locks: nothing to tell
            continue
        finally:
            os.close(descriptor)
    return False


def claim_output_dir(path: Path, key: str, timestamped: bool, overwrite: bool) -> Path:
    """Make the folder a run (or sweep) writes into, before Hydra writes anything.

    ``timestamped`` (a default `${now:...}` name): made with an exclusive mkdir; when taken, the
    next free `<name>-1`, `<name>-2`... is used, so runs started in the same second never share
    a folder. A folder the user named that already holds a run is refused, unless
    ``overwrite``: then the old run's folder is removed first. A folder holding other files
    (`/`, a project folder) is refused, ``overwrite`` or not. A named folder, or the .hydra/ of an empty one, made by
    another run between these checks and the claim (two runs started at once) is refused. Returns the folder made.
    """
    from minectl.results import STATUS_FILE

    path = Path(path)
    if enclosing := _enclosing_run(path, sweeps=key != "hydra.sweep.dir"):
        sweep = (enclosing / "multirun.yaml").is_file()
        raise ConfigError(f"{key}={path}: inside the {'sweep' if sweep else 'run'} folder {enclosing} "
                          f"({'it would be read as one of its jobs' if sweep else 'a run stays as it was written'}); "
                          "expected a folder outside it")
    if path.is_symlink() and not path.exists():  # mkdir said "File exists" of a folder that does not
        raise ConfigError(f"{key}={path}: a link to {os.readlink(path)}, which does not exist; expected a folder, or a link to one")
    # before the checks: a folder, or the .hydra/ of a run folder, made since is another run's, started at the same time
    existed, reused = path.exists(), (path / ".hydra").exists()  # reused: a failed run's folder
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if timestamped:
            for n in range(1000):
                candidate = path.with_name(f"{path.name}-{n}") if n else path
                try:
                    candidate.mkdir()
                    return candidate
                except FileExistsError:
                    continue
        own = (path / ".hydra").is_dir() or (path / "multirun.yaml").is_file()  # a run's or a sweep's own folder
        if holds_run(path) and own:
            if not overwrite:
                unfinished = (path / ".hydra").exists() and not (path / STATUS_FILE).exists()  # no status: killed, or running
                raise ConfigError(f"{key}={path}: already holds a run{' that has not finished (still running, or killed)' * unfinished}; "
                                  "expected a new folder, or --overwrite to replace that run")
            if still_running(path):  # removed, the job would go on writing its results among the new run's
                raise ConfigError(f"{key}={path}: holds a run that is still running; expected it to end first (or stop it), "
                                  "or a new folder")
            if Path.cwd().resolve().is_relative_to(path.resolve()):
                raise ConfigError(f"{key}={path}: --overwrite would remove the working folder; expected a run folder outside it")
            shutil.rmtree(path)
        elif path.is_dir() and not (path / ".hydra").exists() and any(path.iterdir()):  # never write among others' files
            inside = next((job.parent.name for job in sorted(path.glob("*/.hydra"))), None)  # --overwrite removed the folder above it
            raise ConfigError(f"{key}={path}: holds files that are not a minectl run"
                              f"{f' (with the run folder {inside} among them)' if inside else ''}; expected a new or empty folder")
        try:
            path.mkdir(exist_ok=existed)
            if key == "hydra.run.dir" and not reused:  # a run's claim on a folder that was there: the .hydra/ Hydra writes into
                (path / ".hydra").mkdir()
        except FileExistsError:
            raise ConfigError(f"{key}={path}: taken by another run started at the same time; expected a folder of its own for "
                              "each run") from None
    except OSError as exc:
        raise ConfigError(f"{key}={path}: cannot make that folder ({exc.strerror or exc}); expected a writable place") from None
    return path
