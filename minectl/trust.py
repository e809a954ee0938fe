"""What a config may name: the checks that keep a config, an override or a run folder from
running code.

Configs, `-cd` folders and saved run folders can come from someone else, so they are data: they
may choose classes of the allowed packages, never call a function. Hydra turns several config
nodes into calls, and each is checked here before anything is composed or run:

- `_target_` (anywhere): resolved to the object, which must be a class defined in an allowed
  package (its `__module__`, not the string's prefix: `minectl.results.os.makedirs` resolves to
  `os.makedirs`). Hydra's own nodes have roles: a callback must subclass Hydra's `Callback`, a
  launcher `Launcher`, a sweeper `Sweeper`, the Optuna sampler `BaseSampler`.
- `hydra.job_logging` / `hydra.hydra_logging` go to `logging.config.dictConfig`, whose `()` keys
  call any factory and whose `class` keys and `ext://` values import anything.
- `hydra.searchpath`: a `pkg://` entry imports that package while Hydra composes.
- `hydra.job.env_set` sets the job's environment (`LD_PRELOAD` would reach every subprocess).
- `hydra.sweeper.custom_search_space` names a function the Optuna sweeper calls.

Only omegaconf and the standard library are imported at module level (the CLI stays fast).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any, Iterable, Optional

from minectl.errors import ConfigError

# Packages whose classes a task config may name in `_target_`.
TASK_PACKAGES = ("minectl", "sklearn", "lightgbm", "pymoo", "torch.optim")
# Hydra's nodes that it instantiates: (base class, packages the class may come from).
HYDRA_ROLES = {
    "callback": ("hydra.experimental.callback.Callback", ("minectl", "hydra", "hydra_plugins")),
    "launcher": ("hydra.plugins.launcher.Launcher", ("hydra", "hydra_plugins")),
    "sweeper": ("hydra.plugins.sweeper.Sweeper", ("hydra", "hydra_plugins")),
    "sampler": ("optuna.samplers.BaseSampler", ("optuna.samplers",)),
}
# Where a `pkg://` search path may point.
SEARCHPATH_PACKAGES = ("minectl", "hydra_plugins")
# Logging classes a logging config may name, and the only `ext://` objects it may reach.
LOGGING_MODULES = ("logging", "logging.handlers")
LOGGING_EXT = ("ext://sys.stdout", "ext://sys.stderr")
# logging's handlers that write on this machine: to stdout/stderr (LOGGING_EXT) or a file, which must be in
# the run folder (a FileHandler's file with its own format could write a line into ~/.bashrc); the others
# send the records elsewhere (a socket, syslog, mail, HTTP, a queue)
LOCAL_HANDLERS = ("logging.StreamHandler", "logging.FileHandler", "logging.NullHandler", "logging.handlers.RotatingFileHandler",
                  "logging.handlers.TimedRotatingFileHandler", "logging.handlers.WatchedFileHandler", "logging.handlers.MemoryHandler")
RUN_FOLDER_FILE = re.compile(r"\$\{hydra[.:]runtime\.output_dir\}/(?:[\w.-]|\$\{hydra\.job\.name\})+")  # as Hydra's default
# Environment variables a job may set: thread counts and device choice, nothing a loader reads.
ENV_NAME = re.compile(r"(OMP|MKL|OPENBLAS|NUMEXPR|VECLIB|POLARS|RAYON)_[A-Z0-9_]+|CUDA_VISIBLE_DEVICES")
# Of those, the ones their libraries read as a count of threads, 1 or more: another value is ignored with at
# most a warning (OMP_NUM_THREADS=abc, POLARS_MAX_THREADS=0 run on every core). Not RAYON_NUM_THREADS: its 0 means every core.
THREAD_COUNTS = frozenset({"OMP_NUM_THREADS", "OMP_THREAD_LIMIT", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                           "NUMEXPR_MAX_THREADS", "VECLIB_MAXIMUM_THREADS", "POLARS_MAX_THREADS"})
MAX_FILE_NAME = 255  # bytes of a file's name: the limit of ext4, XFS, APFS and NTFS
DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
# Plain numbers that YAML 1.1 reads otherwise than they look: a leading 0 is octal, a colon base 60.
YAML11_NUMBER = re.compile(r"[-+]?(0[0-7_]*[1-7][0-7_]*|.*:.*)")


def _within(name: str, packages: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _refusal(target: Any, where: str, packages: tuple[str, ...], base: Optional[str] = None):
    expected = f"a class from {', '.join(packages)}" + (f" subclassing {base}" if base else "")
    return lambda why: ConfigError(f"{where}: {target!r} {why}; expected {expected}")


def check_target_name(target: Any, where: str, packages: tuple[str, ...]) -> None:
    """`target` is a dotted name inside `packages`: the check that needs no import."""
    refuse = _refusal(target, where, packages)
    if not isinstance(target, str) or not DOTTED.fullmatch(target):
        raise refuse("is not a dotted class name")
    if not _within(target, packages):  # before any import: importing a module runs its code
        raise refuse("is not allowed")


def check_target(target: Any, where: str, packages: tuple[str, ...], base: Optional[str] = None) -> type:
    """The class `target` names, if it is one of `packages` (and a subclass of `base`)."""
    check_target_name(target, where, packages)
    refuse = _refusal(target, where, packages, base)
    from hydra._internal.utils import _locate

    try:
        found = _locate(target)
    except Exception:  # an import error of an allowed package: name it, never a traceback
        raise refuse("cannot be imported") from None
    if not isinstance(found, type):
        raise refuse(f"is a {type(found).__name__}, not a class")
    if not _within(found.__module__, packages):
        raise refuse(f"resolves to {found.__module__}.{found.__qualname__}, outside the allowed packages")
    if base is not None:
        module, _, name = base.rpartition(".")
        if not issubclass(found, getattr(importlib.import_module(module), name)):
            raise refuse(f"is not a {name}")
    return found


def check_task_targets(node: Any, path: str = "") -> None:
    """Every `_target_` of a task config (plain containers) names an allowed class; inside a
    node with `enabled: false` (not used by the run) only by name, as importing a class's
    package can cost a second (scikit-learn)."""
    for where, value, used in _targets(node, path):
        if used:
            check_target(value, where, TASK_PACKAGES)
        else:
            check_target_name(value, where, TASK_PACKAGES)


def _targets(node: Any, path: str, used: bool = True) -> Iterable[tuple[str, Any, bool]]:
    if isinstance(node, dict):
        used = used and node.get("enabled") is not False
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if key == "_target_":
                yield where, value, used
            else:
                yield from _targets(value, where, used)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _targets(value, f"{path}[{i}]", used)


def check_hydra_config(hydra: Any) -> None:
    """Hydra's node as composed (a DictConfig), checked with each interpolation resolved where it can be
    now: Hydra acts on the resolved value (`callbacks: ${oc.create:...}` built a callback that ran
    os.makedirs; `stream: ${hydra.job.name}` may hold an ext:// import). One only the job can resolve
    (`${hydra:runtime.output_dir}`) is checked as written."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        OmegaConf.select(hydra, "job.name")
    except OmegaConfBaseException as exc:  # as written it reads as a name outside the run folder: say why it does not resolve
        written = hydra.job._get_node("name")._value()
        raise ConfigError(f"hydra.job.name={written}: cannot be resolved ({str(exc).splitlines()[0]}); expected a name the config "
                          "or the environment gives (the default: the task's name)") from None
    check_hydra_node(_resolved_where_possible(hydra))


def _resolved_where_possible(node: Any) -> Any:
    from omegaconf import DictConfig, ListConfig
    from omegaconf.errors import OmegaConfBaseException

    keys = list(node.keys()) if isinstance(node, DictConfig) else range(len(node))
    values = []
    for key in keys:
        try:
            value = node[key]
        except OmegaConfBaseException:  # missing, or what only the job knows: as written
            value = node._get_node(key)._value()
        values.append(_resolved_where_possible(value) if isinstance(value, (DictConfig, ListConfig)) else value)
    return dict(zip(keys, values, strict=True)) if isinstance(node, DictConfig) else values


def check_hydra_node(hydra: dict) -> None:
    """Hydra's own node (plain containers, unresolved): every part Hydra turns into a call."""
    roles = {f"hydra.callbacks.{name}._target_": "callback" for name in hydra.get("callbacks") or {}}
    roles.update({"hydra.launcher._target_": "launcher", "hydra.sweeper._target_": "sweeper",
                  "hydra.sweeper.sampler._target_": "sampler"})
    for where, value, _ in _targets(hydra, "hydra"):  # Hydra calls every one
        if where not in roles:
            raise ConfigError(f"{where}: Hydra would instantiate {value!r} here; expected no _target_ outside "
                              "hydra.callbacks, hydra.launcher, hydra.sweeper and hydra.sweeper.sampler")
        base, packages = HYDRA_ROLES[roles[where]]
        check_target(value, where, packages, base)
    ray = (hydra.get("launcher") or {}).get("ray") or {}
    for part in ("init", "remote"):  # ray.init(runtime_env=...), ray.remote(runtime_env=...) for every job
        if (ray.get(part) or {}).get("runtime_env"):
            raise ConfigError(f"hydra.launcher.ray.{part}.runtime_env: Ray would install packages (pip, conda), set variables "
                              "(env_vars: LD_PRELOAD) or run a setup hook or another Python (py_executable) for every job; "
                              "expected it unset (prepare the cluster's environment beforehand)")
    if (hydra.get("sweeper") or {}).get("custom_search_space"):
        raise ConfigError("hydra.sweeper.custom_search_space: names a function the sweeper would call; "
                          "expected it unset (declare the search space in hydra.sweeper.params)")
    for name in ("job_logging", "hydra_logging"):
        if isinstance(hydra.get(name), dict) and "root" not in hydra[name]:  # Hydra reads it: a KeyError, as a traceback
            raise ConfigError(f"hydra.{name}: no 'root' key; expected root: {{level: INFO, handlers: [...]}}, or root: null "
                              "for no logging")
        _check_logging(hydra.get(name), f"hydra.{name}")
        _check_log_handlers(hydra.get(name), f"hydra.{name}")
    job_name = str((hydra.get("job") or {}).get("name"))
    if job_name in (".", "..") or not re.fullmatch(r"[\w.-]+", job_name):  # Hydra's log file is <name>.log in the run folder
        raise ConfigError(f"hydra.job.name={job_name}: would put the job's log file elsewhere than its run folder; expected a name "
                          "of letters, digits, '_', '-' and '.' (the default: the task's name)")
    if len(f"{job_name}.log".encode()) > MAX_FILE_NAME:  # else Hydra's logging fails in the job, after the folder is made
        # not quoted, not even its start: a value from the environment is a secret, redacted only where whole
        raise ConfigError(f"hydra.job.name: {len(job_name.encode())} bytes long, too long for the name of its log file (NAME.log "
                          f"at most {MAX_FILE_NAME} bytes); expected a name of at most {MAX_FILE_NAME - len('.log')} bytes")
    for name, value in ((hydra.get("job") or {}).get("env_set") or {}).items():
        if not ENV_NAME.fullmatch(str(name)):
            raise ConfigError(f"hydra.job.env_set.{name}: a job may not set this variable; expected thread "
                              "counts (OMP_*, MKL_*, OPENBLAS_*, NUMEXPR_*, VECLIB_*, POLARS_*, RAYON_*) or CUDA_VISIBLE_DEVICES")
        if name in THREAD_COUNTS and not re.fullmatch(r"[1-9][0-9]*", str(value)):
            raise ConfigError(f"hydra.job.env_set.{name}={value}: not a count of threads; expected a whole number >= 1")
    check_searchpath(hydra.get("searchpath") or [], "hydra.searchpath")


def _check_logging(node: Any, path: str) -> None:
    """A logging dictConfig may name logging's own classes and stdout/stderr, nothing else."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if key == "()":
                raise ConfigError(f"{where}: a logging factory would be called; expected 'class' naming a logging class")
            if key == "class":
                check_target(value, where, LOGGING_MODULES)
            else:
                _check_logging(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_logging(value, f"{path}[{i}]")
    elif isinstance(node, str) and node.startswith("ext://") and node not in LOGGING_EXT:
        raise ConfigError(f"{path}: {node!r} would import an object; expected one of {', '.join(LOGGING_EXT)}")


def _check_log_handlers(node: Any, path: str) -> None:
    """A logging dictConfig's handlers write on this machine, their files in the run folder."""
    handlers = node.get("handlers") if isinstance(node, dict) else None
    for name, handler in handlers.items() if isinstance(handlers, dict) else ():
        where = f"{path}.handlers.{name}"
        kind = handler.get("class") if isinstance(handler, dict) else None
        if kind not in LOCAL_HANDLERS:
            raise ConfigError(f"{where}.class: {kind!r} would send the log records elsewhere than this machine's screen or files; "
                              f"expected one of {', '.join(LOCAL_HANDLERS)}")
        filename = handler.get("filename")
        if filename is not None and (not RUN_FOLDER_FILE.fullmatch(str(filename)) or "/../" in f"{filename}/"):
            raise ConfigError(f"{where}.filename: {filename!r} would be written outside the run folder; expected "
                              "${hydra.runtime.output_dir}/<file name>, as Hydra's default: ${hydra.runtime.output_dir}/"
                              "${hydra.job.name}.log")


def check_searchpath(entries: Any, where: str) -> None:
    """Search path entries: folders, or `pkg://` of minectl and Hydra plugins only (Hydra
    imports the package while composing)."""
    for entry in entries if isinstance(entries, (list, tuple)) else [entries]:
        text = str(entry)
        if "://" in text and not text.startswith("file://"):
            scheme, _, package = text.partition("://")
            if scheme != "pkg" or not _within(package.replace("/", "."), SEARCHPATH_PACKAGES):
                raise ConfigError(f"{where}: {text!r} would import that package; expected a folder "
                                  f"(file://...) or pkg:// of {', '.join(SEARCHPATH_PACKAGES)}")


def check_override_strings(overrides: Iterable[str]) -> None:
    """What Hydra acts on while composing, before the composed config can be checked."""
    for override in overrides:
        key, _, value = override.partition("=")
        if key.lstrip("+~") == "hydra.searchpath":
            check_searchpath([v.strip(" '\"") for v in value.strip("[]").split(",") if v.strip()], key.lstrip("+~"))


def check_before_compose(overrides: Iterable[str], config_dir: Optional[Path], task: Optional[str] = None) -> None:
    """What Hydra acts on while it composes, before there is a composed config to check: a
    `pkg://` search path (an override, or a `-cd` folder's YAML read as data) is imported.
    ``task``: the command's task, whose primary config a `-cd` folder cannot replace."""
    check_override_strings(overrides)
    if config_dir is not None:
        _check_config_dir(config_dir, task)


def _check_config_dir(config_dir: Path, task: Optional[str] = None) -> None:
    import yaml
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from minectl.runfolder import check_yaml_size, not_a_file

    if not Path(config_dir).is_dir():
        raise ConfigError(f"--config-dir {config_dir}: not a folder; expected a folder of config files")
    from importlib.resources import files

    packaged = files("minectl.conf")
    self_first = []  # files whose entries after `_self_` may override their values: composed once all are checked
    for file in sorted(Path(config_dir).rglob("*.y*ml")):
        if not file.is_file():  # a named pipe blocked the read forever, a link to /dev/zero filled memory
            raise ConfigError(f"{file}: {not_a_file(file)}; expected a config file")
        try:
            text = file.read_text(encoding="utf-8")
            root = check_yaml_size(text, file)
            _check_yaml11_numbers(root, file)
            if isinstance(root, yaml.ScalarNode) and not root.tag.endswith(":null"):  # OmegaConf asserts: a traceback
                raise ConfigError(f"{file}: holds one value ({root.value}), not keys; expected a config file of key: value lines")
            loaded = OmegaConf.to_container(OmegaConf.create(text), resolve=False)
        except (OmegaConfBaseException, yaml.YAMLError, ValueError, OSError) as exc:
            reason = " ".join(str(exc).split())  # PyYAML's message spans lines
            raise ConfigError(f"{file}: cannot be read as YAML ({reason}); expected a config file") from None
        if text.startswith("\ufeff") and text[1:].lstrip().startswith("# @package"):  # Hydra reads the header only at the start
            raise ConfigError(f"{file}: starts with a byte-order mark, which hides its '# @package' line from Hydra (its keys "
                              "would land under its group's name); expected the file saved as UTF-8 without a BOM")
        package = _package_header(file, text)
        if isinstance(loaded, dict):
            hydra = loaded.get("hydra") if isinstance(loaded.get("hydra"), dict) else {}
            found = ((f"{file}: hydra.searchpath", hydra.get("searchpath")), (f"{file}: searchpath", loaded.get("searchpath")))
            for where, entries in found:
                if entries:
                    check_searchpath(entries, where)
        relative = file.relative_to(config_dir)
        shadowed = packaged.joinpath(*relative.parts)
        if shadowed.is_file() and shadowed.read_bytes() != file.read_bytes():  # after what would import: that first
            raise ConfigError(_ignored(file, relative))
        if isinstance(loaded, dict):
            _check_group_lists(file, loaded.get("defaults"), packaged)
            if _merged_after_self(loaded.get("defaults")):
                self_first.append((file, relative, loaded, package))
    for found in self_first:
        _check_self_first(config_dir, *found)
    if task and (Path(config_dir) / f"{task}.yaml").exists():  # Hydra reads the packaged one first: this one never
        raise ConfigError(f"{Path(config_dir) / f'{task}.yaml'}: `minectl {task}` always composes its packaged {task}.yaml, "
                          "this file would be ignored; expected config groups (data/, costs/, ...) or an experiment "
                          "(experiment/NAME.yaml, chosen with +experiment=NAME)")


def _package_header(file: Path, text: str) -> Optional[str]:
    """The file's `# @package` as Hydra reads it: only among its first lines, above any other comment or key."""
    from hydra.plugins.config_source import ConfigSource

    try:
        package = ConfigSource._get_header_dict(text)["package"]
    except ValueError as exc:  # Hydra says it without the file's name
        raise ConfigError(f"{file}: {exc}; expected a header line '# @package NAME' (e.g. # @package _global_)") from None
    hidden = re.search(r"^[ \t]*#[ \t]*@package\b", text, re.M)
    if package is None and hidden:  # its keys would land under the group's name: an experiment's refused as unknown keys
        line = text.count("\n", 0, hidden.start()) + 1
        raise ConfigError(f"{file}: its '# @package' line (line {line}) comes after other lines, and Hydra reads it only "
                          "above the file's other comments and keys; expected it on the first line")
    return package


def _check_group_lists(file: Path, defaults: Any, packaged: Any) -> None:
    """`override /data: [parquet_dir, synthetic]` in a file: Hydra merges the options into one config, the last one's
    keys winning, with exit 0, as for `data=[...]` on the command line (refused there). A group takes a list where a
    packaged task config lists its options (forecaster: [naive, ...])."""
    import yaml

    entries = [entry for entry in defaults if isinstance(entry, dict)] if isinstance(defaults, list) else []
    for key, value in (item for entry in entries for item in entry.items()):
        if not isinstance(value, list):
            continue
        group = str(key).split()[-1].strip("/").partition("@")[0]  # `override /data@x` -> data
        one = any(isinstance(entry, dict) and isinstance(entry.get(group), str)
                  for task in packaged.iterdir() if task.name.endswith(".yaml")
                  for entry in (yaml.safe_load(task.read_text()) or {}).get("defaults", []))
        if one:
            raise ConfigError(f"{file}: defaults '{key}: [{', '.join(map(str, value))}]': "
                              + one_option(group, value, f"{key}: {value[-1]}"))


def one_option(group: str, options: list, example: str) -> str:
    """Why a list of ``options`` is refused for a ``group`` that takes one (on the command line or in a
    file's defaults), with ``example``, the one option written as the user wrote the list."""
    return (f"{group} takes one option (a list merges them into one config, the last one's keys winning); expected "
            f"one, e.g. {example}, or a sweep over each: -m {group}={','.join(map(str, options))}")


def _merged_after_self(defaults: Any) -> bool:
    """A defaults list with an entry after `_self_` that is always merged there: not an `override` of the
    primary's list, nor an `optional` or interpolated choice (debug/forecast/lstm: ${debug} overrides on purpose)."""
    if not isinstance(defaults, list) or "_self_" not in defaults:
        return False
    later = defaults[defaults.index("_self_") + 1:]
    return any(isinstance(entry, str) and "${" not in entry or isinstance(entry, dict) and any(
        not str(key).startswith(("override ", "optional ")) and "${" not in f"{key}{value}" for key, value in entry.items())
        for entry in later)


def _check_self_first(config_dir: Path, file: Path, relative: Path, loaded: dict, header: Optional[str]) -> None:
    """`defaults: [_self_, default]`: the file's own values are merged first and the entries after `_self_` over
    them, so a key both set keeps the entry's value and the file's is ignored, with exit 0
    (costs/mine.yaml's cost_objects: [stage] ran as default's [stage, mine, product]). The file is composed
    alone (an experiment that overrides the task's list cannot be, and is left to its task's composition)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    if header not in (None, "_group_", "_global_"):
        return  # a package of its own: where its keys land is not followed here
    package = [] if header == "_global_" else list(relative.parent.parts)
    try:
        with initialize_config_dir(str(Path(config_dir).resolve()), version_base=None):
            composed = compose(relative.with_suffix("").as_posix(), overrides=["hydra.searchpath=[pkg://minectl.conf]"])
    except Exception:  # noqa: BLE001 - composed with its task later, where an error is said in one line
        return
    composed = OmegaConf.to_container(composed, resolve=False)
    for key, own in _leaves({k: v for k, v in loaded.items() if k != "defaults"}):
        value = composed
        for part in package + key:
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None and value != own:
            later = loaded["defaults"][loaded["defaults"].index("_self_") + 1:]
            raise ConfigError(f"{file}: {'.'.join(map(str, key))}: {own!r} is replaced by {value!r} from {later} (listed after "
                              "_self_ in its defaults list, merged over this file's own values), so the value written here "
                              "would be ignored; expected _self_ last in the defaults list, or the key removed")


def _leaves(node: dict, path: tuple = ()) -> Iterable[tuple[list, Any]]:
    """The values a mapping sets, by their path: a nested map's keys (an empty map sets nothing), a list whole."""
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*path, key))
        else:
            yield [*path, key], value


def _ignored(file: Path, relative: Path) -> str:
    """A -cd file that a packaged config of the same path hides: a group's option, or a primary config (the cost.yaml
    that `minectl demo` composes in its defaults list)."""
    if len(relative.parts) == 1:
        name, other = relative.name, ("config groups (data/, costs/, ...) or an experiment (experiment/NAME.yaml, chosen "
                                      "with +experiment=NAME)")
    else:
        group, option = relative.parent.as_posix(), relative.stem
        name = f"{group}={option}"
        other = f"another name ({group}/my_{option}.yaml, chosen with {'+' * (group == 'experiment')}{group}=my_{option})"
    return (f"{file}: minectl's own {name} is composed instead (packaged configs come first in Hydra's search path), so "
            f"this file would be ignored; expected {other}")


def _check_yaml11_numbers(root: Any, file: Path) -> None:
    """Plain values YAML 1.1 reads otherwise than they look: `017` is 15 (octal), `1:30` is 90
    (base 60), `NO`, `on`, `yes` are booleans. A config means 17, a time or a text, and would run
    with 15, 90 or 'False' (a text key takes a boolean as its name: costs.currency 'False'), silently."""
    import yaml

    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias: the node it names is walked once
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif node.style is None and node.tag.endswith((":int", ":float")) and YAML11_NUMBER.fullmatch(node.value):
            read = yaml.safe_load(node.value)
            raise ConfigError(f"{file}: {node.value} (line {node.start_mark.line + 1}) is read by YAML 1.1 as {read} "
                              f"({'octal' if ':' not in node.value else 'base 60'}); expected '{node.value}' quoted for a text, "
                              f"or {read} written out for that number")
        elif node.style is None and node.tag.endswith(":bool") and node.value.lower() not in ("true", "false"):
            read = str(yaml.safe_load(node.value)).lower()
            raise ConfigError(f"{file}: {node.value} (line {node.start_mark.line + 1}) is read by YAML 1.1 as {read}; "
                              f"expected '{node.value}' quoted for a text, or {read} written out for a flag")


def check_run_folder(run: Any) -> None:
    """A run folder (`minectl.runfolder.RunFolder`) from someone else, before anything is
    composed: its overrides are the task's own, and its config names only allowed classes."""
    from omegaconf import OmegaConf

    _check_saved_overrides(run.overrides, run.dir / ".hydra" / "overrides.yaml")
    try:
        check_task_targets(OmegaConf.to_container(run.config, resolve=False))
    except ConfigError as exc:
        raise ConfigError(f"{run.dir / '.hydra' / 'config.yaml'}: {exc}") from None


def _check_saved_overrides(overrides: list[str], source: Path) -> None:
    """overrides.yaml holds the task's overrides only (Hydra saves its own in hydra.yaml): one
    that reaches Hydra's node was written by someone else."""
    for override in overrides:
        if override.lstrip("+~").startswith(("hydra.", "hydra/")) or override.lstrip("+~") == "hydra":
            raise ConfigError(f"{source}: override {override!r} sets Hydra's own config; expected task overrides only "
                              "(this run folder was edited)")
