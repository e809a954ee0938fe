"""The command line: Typer commands that hand their parsed arguments to Hydra's `hydra.main`.

Only this module touches Hydra's command line. Each task command rebuilds Hydra's argument
list from what Typer parsed, sets it as sys.argv for the duration of the call, and restores
it after. Imports stay light here: `minectl --help` loads neither polars nor the ML stack.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, List, Optional, Tuple

import typer

from minectl.errors import MinectlError
from minectl.tasks import TASKS, schemas

app = typer.Typer(
    name="minectl",
    help="Mine cost, risk and decision figures from operating data, declared in Hydra configs.",
    no_args_is_help=True,
    add_completion=True,  # minectl --install-completion [bash|zsh|fish]: commands, options, config groups
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"minectl {version('minectl')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show minectl's version and exit."),
) -> None:
    """Mine cost, risk and decision figures from operating data, declared in Hydra configs."""


def _complete_override(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of a task's overrides: config groups (``data=``) and their options
    (``data=postgres``), read from the packaged config folders (nothing composed). Bash splits
    a word at ``=`` (``data``, ``=``, ``p``): then the reply completes the last piece only."""
    before = list(ctx.params.get("overrides") or [])
    words, cword = os.environ.get("COMP_WORDS", "").split(), int(os.environ.get("COMP_CWORD", "-1"))
    if not incomplete and before and 0 <= cword < len(words) and words[cword] == "=":  # bash, just after `group=`
        return [f"={option.partition('=')[2]}" for option in _overrides_like(f"{before[-1]}=")]
    if len(before) >= 2 and before[-1] == "=":  # bash, `group=` then part of an option
        return [option.partition("=")[2] for option in _overrides_like(f"{before[-2]}={incomplete}")]
    return _overrides_like(incomplete)


def _overrides_like(incomplete: str) -> list[str]:
    from importlib import resources

    conf = Path(resources.files("minectl.conf"))  # conf/ of the checkout, minectl/conf/ of a wheel
    group, eq, option = incomplete.partition("=")
    if eq:
        folder = conf / group.lstrip("+~")
        names = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
        return [f"{group}={name}" for name in names if name.startswith(option)]
    groups = sorted(str(p.relative_to(conf)) for p in conf.rglob("*") if p.is_dir() and any(p.glob("*.yaml")))
    return [f"{g}=" for g in groups if g.startswith(incomplete) and not g.startswith(("debug/", "experiment"))] + \
        (["+experiment="] if "+experiment".startswith(incomplete) else [])


data_app = typer.Typer(help="Data utilities.", no_args_is_help=True)
app.add_typer(data_app, name="data", help="Data utilities: write the synthetic mine to parquet.")


def _fail(message: str, code: int = 2) -> None:
    from minectl.redaction import printable, redact
    from minectl.workers import stop_ahead

    stop_ahead()  # workers started for a run that will not run: now, not after their imports
    typer.echo(f"error: {printable(redact(message))}", err=True)  # a path or value of someone else's folder: no escape sequences
    raise typer.Exit(code)


# click's UsageError, or that of the copy of click newer typers carry (typer._click): BadParameter's base either way
USAGE_ERROR = next(base for base in typer.BadParameter.__mro__ if base.__name__ == "UsageError")


class OneLineUsage(typer.core.TyperCommand):
    """A command whose mistyped command line (an extra argument such as `verify RUN seed=5`, an unknown
    option, a missing folder) is refused in one line, as every other refusal, not with click's usage block."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)  # the parser takes them from the list
        for arg in given:
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:  # bytes of another encoding, kept by Python as surrogates: polars and YAML
                # can neither read nor write such a path (a TypeError traceback, after the run folder was made)
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                _fail(f"{ctx.command_path}: '{shown}' holds bytes that are not UTF-8 (a name written in another encoding); "
                      "expected UTF-8 text (rename the file or folder, or name it by a link with a UTF-8 name)")
        try:
            return super().parse_args(ctx, args)
        except USAGE_ERROR as exc:
            problem = exc.format_message().rstrip(".")
            problem = problem[:1].lower() + problem[1:]
            takes_overrides = any(p.name == "overrides" for p in self.params)  # a task command
            if not takes_overrides and any("=" in arg and not arg.startswith("-") for arg in given[1:]):  # as a task's override
                problem += f" ({self.name} takes no overrides)"
            _fail(f"{ctx.command_path}: {problem}; expected {self.synopsis(ctx.command_path)}")

    def synopsis(self, command: str) -> str:
        """`minectl NAME ARG [--option NAME] ...`: what this command takes, on one line (a task's overrides: [OVERRIDES]...)."""
        words = [command] + [p.name.upper() if p.required else f"[{p.name.upper()}]" + "..." * (p.nargs == -1)
                             for p in self.params if isinstance(p, typer.core.TyperArgument) and p.name]
        for option in (p for p in self.params if isinstance(p, typer.core.TyperOption) and not p.hidden):
            words.append(f"[{option.opts[0]}]" if option.is_flag else f"[{option.opts[0]} {option.name.upper()}]")
        return " ".join(words)


def _shown(text: object) -> str:
    """``text`` from a folder someone else made (a file or metric name, an input's path), for rich
    markup: its [...] shown as written, not taken for a style (`[/]` ended in a MarkupError
    traceback), and no control characters (redaction.printable)."""
    from rich.markup import escape

    from minectl.redaction import printable

    return escape(printable(str(text)))


def _one_line(exc: BaseException) -> str:
    """Hydra/OmegaConf errors span several lines; keep the parts that say what and where."""
    schema_key = _schema_key(exc)
    if schema_key:
        return schema_key
    text = "\n".join(str(e).strip() for e in (exc, exc.__cause__) if e is not None and str(e).strip())
    deleted = re.search(r"override ~([\w.]+)\S*\s+\w+ \(DictConfig\) does not support deletion", text)
    if deleted:  # a schema node's key (the root's is refused by check_config, in the same words)
        return (f"~{deleted.group(1)}: a key of the schema cannot be deleted, the task reads it; "
                f"expected a value ({deleted.group(1)}=...)")
    absent = re.search(r"Could not delete from config\. '([^']+)' does not exist", text)
    if absent:  # Hydra says so of a null key too
        return f"~{absent.group(1)}: no such key, or it is null already; expected a key that holds a value"
    present = re.search(r"An item is already at '([^']+)'\.\s+Either remove \+ prefix: '([^']+)'", text)
    if present:  # Hydra's "Either ... Or ..." advice: say which to write
        return (f"+{present.group(2)}: {present.group(1)} is a key of the config already; expected {present.group(2)} "
                "(+ adds a key the config lacks)")
    text = re.sub(r"\w+ raised while composing config:", "", text.split("Config search path:")[0])
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    key = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("full_key:")), None)
    lines = [line for line in lines if not line.startswith(("full_key:", "reference_type=", "object_type="))]
    hint = ""
    if any(line.startswith("To append to your config") for line in lines):  # an open map, e.g. costs.resources
        lines = [line for line in lines if not line.startswith("To append to your config")]
        hint = (f"; expected an existing key (a map takes a new entry with +{key or 'key'}=...)"
                if not (key or "").startswith("data.tables.") else "; expected an existing table of the data config "
                "(a new table goes in a data config file: -cd DIR data=NAME)")
    options = next((i for i, line in enumerate(lines) if line.startswith("Available options")), None)
    if options is not None:
        hint = "; expected one of: " + ", ".join(lines[options + 1:])
        lines = lines[:options]
    message = " ".join(lines) or type(exc).__name__
    mistyped = _mistyped_override(message)
    if mistyped:
        return mistyped
    unset = re.search(r"Environment variable '([^']+)' not found", message)
    if unset:  # OmegaConf's wording names a KeyError, not what to do
        return (f"{key or 'a value'}: environment variable {unset.group(1)} is not set; expected it set "
                f"(export {unset.group(1)}=...), or a default: ${{oc.env:{unset.group(1)},DEFAULT}}")
    entry = re.search(r"override (\+?[\w.]+)=.* Invalid type assigned: \w+ is not a subclass of (\w+)", message)
    if entry:  # a map of structured entries (data.tables: TableSource): OmegaConf takes a whole entry only from a file
        example = ("a data config with tables: {NAME: {kind: csv, path: FILE}} in DIR/data/, chosen with -cd DIR data=NAME"
                   if entry.group(1).lstrip("+").startswith("data.") else
                   "DIR/experiment/NAME.yaml starting `# @package _global_` and holding the entry, chosen with -cd DIR +experiment=NAME")
        return (f"{entry.group(1)}: a {entry.group(2)} entry cannot be written on the command line; expected it in a "
                f"config file (e.g. {example}), or overrides of an entry the config has")
    if key and key not in message:
        message += f" (key: {key})"
    if message.startswith("Recursive interpolation detected"):  # `seed=${seed}`, or two keys naming each other
        hint += "; expected each ${...} to name a key whose value does not lead back to this one"
    if message.startswith("Interpolation key '"):  # `${nope}`, or a key that `~KEY` deleted and another value names
        hint += "; expected each ${...} to name a key of the config (a key that a value names cannot be deleted with ~)"
    if "'hydra/launcher/ray'" in message:  # the plugin is an extra, kept out of the dev install
        message = message.rstrip(".")
        hint += '; hydra/launcher=ray and ray_cluster need the ray extra: pip install -e ".[ray]"'
    return message + hint


# OmegaConf's words for an override of the wrong type: what the value is not, what the key takes
_WRONG_TYPE = (
    (r"Value '.*' of type '\w+' could not be converted to Integer", "not an integer", "an integer, e.g. {key}={whole}"),
    (r"Value '.*' of type '\w+' could not be converted to Float", "not a number", "a number, e.g. {key}=0.5"),
    (r"Value '.*' is not a valid bool", "not a flag", "true or false"),
    (r"Invalid value assigned: \w+ is not a ListConfig", "not a list", "a list in brackets, e.g. {key}=[a,b]"),
    (r"Cannot convert '\w+' to string", "not text", "text, e.g. {key}=abc"),
    (r"field '[\w.]+' is not Optional", "the key cannot be null", "a value of its type"),
)


def _mistyped_override(message: str) -> Optional[str]:
    """`seed=abc` in one line naming the override and what its key takes; None for other errors."""
    given = re.match(r"Error merging override (\S+?)=(\S*) (.*)", message)
    if not given:
        return None
    key, value, why = given.groups()
    unset = re.match(r"Missing mandatory value: ([\w.]+)", why)
    if unset:  # `~data data.dir=x`: OmegaConf names the node, not the override that emptied it
        return (f"{key}={value}: '{unset.group(1)}' has no value here (~{unset.group(1)}?), so no key of it can be set; "
                f"expected {unset.group(1)}=... (an option of its group, or a value) for it")
    if why.startswith("Cannot merge DictConfig with ListConfig"):  # OmegaConf's words either way round: the value says which
        return (f"{key}={value}: a list; expected a mapping, {key}={{name: value}} or {key.lstrip('+')}.NAME=VALUE"
                if value.startswith("[") else f"{key}={value}: a mapping; expected a list in brackets, e.g. {key}=[a,b]")
    for pattern, wrong, takes in _WRONG_TYPE:
        if re.match(pattern, why):
            whole = re.fullmatch(r"([+-]?\d+)\.0*", value)  # 224.0: the example is 224, not a 3 the key may refuse
            return f"{key}={value}: {wrong}; expected {takes.format(key=key.lstrip('+'), whole=int(whole.group(1)) if whole else 3)}"
    return None


def _schema_key(exc: BaseException, root: Any = None) -> Optional[str]:
    """A key that a schema node lacks, said with the closest keys of that schema (never `+key`:
    that would add a key nothing reads); None for any other error. ``root``: the task's schema,
    for errors that name the key only in their text (a key of a config file)."""
    from dataclasses import fields, is_dataclass

    from omegaconf.errors import ConfigAttributeError, ConfigKeyError

    from minectl.constraints import schema_at, unknown_key

    cause = exc.__cause__ if exc.__cause__ is not None else exc
    # a missing key (the error itself, or its text when Hydra merged a config file), not a wrong value
    if not isinstance(cause, (ConfigAttributeError, ConfigKeyError)) and "ConfigKeyError raised" not in str(exc):
        return None
    found = re.search(r"full_key: (\S+)", str(exc))
    full_key = str(getattr(cause, "full_key", None) or (found and found.group(1)) or "")
    path = re.sub(r"\[(\d+)\]", r".\1", full_key).split(".")
    schema = getattr(cause, "object_type", None)
    if not is_dataclass(schema):
        schema = schema_at(root, ".".join(path[:-1])) if root is not None and full_key else None
    names = [f.name for f in fields(schema)] if is_dataclass(schema) else []
    if not names or path[-1] in names:
        return None
    source = re.match(r"In '([^']+)':", str(exc))  # the config file that holds the key
    return (f"{source.group(1)}: " if source else "") + unknown_key(full_key, names)


MAX_OVERRIDE_CHARS = 10_000  # longer is a pasted file, not a value: it belongs in a config file


def _variants(overrides: list[str], group_options: Any) -> tuple[list[tuple[Optional[int], list[str]]], list[Any]]:
    """Override lists to compose for a pre-check, each with the position of the sweep value it
    checks (None: the first value of every sweep); and the overrides parsed. ``group_options``:
    a config group's option names (the values of a ``glob(...)``).

    Sum, not product, of the sweep sizes: every value is checked without composing the whole
    Cartesian grid. Of a range, its lowest and highest value (ranges break a bound at an end;
    composing thousands of values would take minutes). Interval sweeps (Optuna) are left to the
    sweeper. A key that a sweep sets twice is refused: Hydra's grid keeps the last and drops the
    other's values.
    """
    from itertools import islice

    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Glob, RangeSweep
    from hydra.errors import HydraException

    from minectl.results import MAX_SWEEP_JOBS

    parser = OverridesParser.create()
    fixed, sweeps, parsed, by_key = [], [], [], {}
    for text in overrides:
        if len(text) > MAX_OVERRIDE_CHARS:
            raise MinectlError(f"override '{text[:30]}...' is {len(text):,} characters long; expected at most "
                               f"{MAX_OVERRIDE_CHARS:,} (a long value goes in a config file: -cd DIR)")
        try:
            override = parser.parse_override(text)
        except HydraException as exc:
            key, _, value = text.partition("=")
            # Hydra's grammar reads a value of letters beyond ASCII (a folder /data/矿山), of signs like # or of an = (a
            # DSN's ?sslmode=require) only quoted
            mark = next((q for q in "'\"" if q not in value), None)
            well_formed = re.fullmatch(r"[+~]*[\w/@-]+(\.[\w/@-]+)*", key)
            quote = (f" (such a value is quoted: {key}={mark}{value}{mark})" if well_formed and mark and (
                "token recognition error" in str(exc) or "input '='" in str(exc)) else "")
            if not well_formed and ".." in f".{key}.":  # `cost.=x`: quoting its value would not help
                quote = " (a key is names joined by single dots, e.g. cost.output)"
            if value.startswith("~"):  # quoted, it named a folder `~` in the working folder
                quote = f" (~ is the home folder to a shell only: write the path in full, {key}={Path(value).expanduser()})"
            indexed = re.fullmatch(r"([+~]*[\w.]+)\[(\d+)\]", key)
            if indexed:  # Python's item syntax: quoting the value would not help
                quote = f" (a list's item is set with its index as a key: {indexed[1]}.{indexed[2]}={value})"
            raise MinectlError(f"cannot parse override '{text}' ({str(exc).splitlines()[0]}); expected key=value, "
                               f"group=option, +key=value or ~key{quote}") from None
        key = override.get_key_element().lstrip("+~")
        if not key:  # Hydra took `=x` for a config group named '' and advised `+=x`
            raise MinectlError(f"cannot parse override '{text}' (no key before =); expected key=value, group=option, "
                               "+key=value or ~key")
        parsed.append(override)
        other = by_key.setdefault(key, override)
        if other is not override and (override.is_sweep_override() or other.is_sweep_override()):
            raise MinectlError(f"{other.input_line} and {text} both set {key}; expected one override per swept key "
                               "(the sweep would run only the last one's values)")
        if not override.is_sweep_override():
            fixed.append(text)
        elif override.is_discrete_sweep():
            value = override.value()
            if isinstance(value, Glob):
                values = value.filter(group_options(override.key_or_group))
            elif isinstance(value, RangeSweep):
                if value.step == 0:  # else Python's "range() arg 3 must not be zero"
                    raise MinectlError(f"{text}: a range's step is 0; expected a step other than 0 (range(start, stop, step))")
                numbers = list(islice(override.sweep_iterator(), MAX_SWEEP_JOBS + 1))
                values = sorted({str(v) for v in (min(numbers), max(numbers))}, key=float) if numbers else []
            else:
                values = list(override.sweep_string_iterator())
            if not values:
                raise MinectlError(f"{text}: the sweep gives no value; expected at least one (a range's start below its "
                                   "stop, a glob matching an option of the group)")
            sweeps.append([f"{override.get_key_element()}={v}" for v in values])
    base = fixed + [values[0] for values in sweeps]
    variants: list[tuple[Optional[int], list[str]]] = [(None, base)]
    for i, values in enumerate(sweeps):
        for value in values[1:]:
            variant = list(base)
            variant[len(fixed) + i] = value
            variants.append((len(fixed) + i, variant))
    return variants, parsed


# Hydra's settings only a sweep reads (-m): its launcher, its sweeper and its folder.
SWEEP_SETTINGS = ("hydra/launcher", "hydra/sweeper", "hydra.launcher.", "hydra.sweeper.", "hydra.sweep.")


def precheck(task: str, overrides: list[str], config_dir: Optional[Path], output_key: Optional[str] = None,
             start_workers: bool = False, multirun: bool = False, source: Optional[str] = None,
             package: Optional[tuple[str, str]] = None, overwrite: bool = False) -> Optional[tuple[Path, bool]]:
    """Compose the config for every override value before any work: one line per mistake.
    ``output_key``: the config key of the folder the run will write (checked when given).
    ``package``: --cfg's KIND and --package's KEY, the node it prints (checked when given).
    ``source``: where the overrides come from when not the command line (a replayed run's file), said first.
    ``overwrite``: --overwrite, which must remove no input of the run with the run it replaces.
    ``start_workers``: start the worker processes the task asks for (its `workers_ahead`) before
    the checks import the estimator classes, so that the workers' imports overlap them.
    Returns that folder and whether its name is a time-stamped default (None: not known here)."""
    from importlib import import_module

    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from hydra.errors import HydraException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException, UnsupportedInterpolationType

    from minectl import trust, workers
    from minectl.config import register_schemas
    from minectl.constraints import check_config
    from minectl.redaction import config_secrets, hydra_secrets, remember
    from minectl.results import MAX_SWEEP_JOBS, grid_size

    register_schemas(schemas())
    module = import_module(TASKS[task][0])
    workers_ahead = getattr(module, "workers_ahead", None) if start_workers else None
    task_check = getattr(module, "check", None)  # how the task's values relate: choices, pairs of keys
    extra = [f"hydra.searchpath=[file://{config_dir.resolve()}]"] if config_dir else []
    output = None
    try:
        trust.check_before_compose(overrides, config_dir, task)
        with initialize_config_module("minectl.conf", version_base=None):
            loader = GlobalHydra.instance().config_loader()
            variants, parsed = _variants(overrides, lambda group: loader.get_group_options(
                group, config_name=task, overrides=extra))
            _check_group_values(parsed, lambda group: loader.get_group_options(group, config_name=task, overrides=extra),
                                lambda: compose(task, overrides=extra, return_hydra_config=True).hydra.runtime.choices)
            jobs = grid_size(parsed)
            interval = next((o for o in parsed if o.is_sweep_override() and not o.is_discrete_sweep()), None)
            swept = sorted({position for position, _ in variants if position is not None})
            made: dict[tuple[int, str], str] = {}  # (position of a sweep's override, config) -> its value
            folders: dict[Path, list[str]] = {}  # a job's folder in the sweep's -> the overrides of its job
            for position, variant in variants:
                _check_flags(module.Config, variant)
                try:
                    cfg = compose(task, overrides=variant + extra, return_hydra_config=True)
                except AssertionError:  # OmegaConf's own check when an override sets a key under a null node
                    raise MinectlError(_under_null(task, variant, extra)) from None
                except AttributeError as exc:  # OmegaConf merging a mapping into a null node: key={a: 1}
                    if "full_key:" not in str(exc):
                        raise
                    raise MinectlError(_under_null(task, variant, extra)) from None
                except (HydraException, TypeError, ValueError) as exc:  # e.g. a key a map lacks: a typo of an estimator parameter?
                    item = _list_item(task, variant, extra)  # Hydra's TypeError traceback of `~key.0`, its int() of `key.x`
                    if item is None and not isinstance(exc, HydraException):
                        raise
                    raise MinectlError(item or _new_key(task, variant, extra, exc, config_dir)) from None
                HydraConfig.instance().set_config(cfg)  # `${hydra:runtime.cwd}` in a value resolves as in the job
                remember(hydra_secrets(cfg.hydra))  # before its checks: their error lines may quote a value
                trust.check_hydra_config(cfg.hydra)  # resolved: `callbacks: ${oc.create:...}` builds what Hydra calls
                if "polars" not in sys.modules:  # the first variant's, before the checks below load polars and numpy
                    # Hydra sets env_set as the job starts: polars and numpy have read their thread counts
                    # (POLARS_MAX_THREADS, OMP_NUM_THREADS...) by then, once, as they loaded, and a run in this process
                    # ignored them; a launcher's own processes (joblib) still get each job's values from Hydra
                    os.environ.update({str(name): str(value) for name, value in (cfg.hydra.job.get("env_set") or {}).items()})
                _check_hydra_additions(cfg, parsed)
                if package:
                    _check_package(cfg, *package)
                if output_key:
                    _check_run_layout(cfg.hydra, multirun)
                basic = str(cfg.hydra.sweeper.get("_target_")).endswith(".BasicSweeper")
                if multirun and str(cfg.hydra.launcher.get("_target_")).endswith(".JoblibLauncher"):
                    _check_joblib_launcher(cfg.hydra.launcher)
                if multirun and basic and interval is not None:  # Hydra's grid would end in a traceback
                    raise MinectlError(f"{interval.input_line}: an interval is searched, not swept; expected values "
                                       "(a,b / range(...)), or a search: hydra/sweeper=optuna")
                if multirun and str(cfg.hydra.sweeper.get("_target_")).endswith(".OptunaSweeper"):
                    _check_optuna_sweeper(cfg.hydra.sweeper)
                if multirun and not basic and cfg.get("objective") is None:  # each job would return None to the search
                    searcher = str(cfg.hydra.sweeper.get("_target_")).rpartition(".")[2]
                    raise MinectlError(f"{searcher} searches for the best value of a metric: no objective is set; expected "
                                       "objective=METRIC, a key of the task's metrics.json for each job to return")
                if multirun and jobs > MAX_SWEEP_JOBS and basic:
                    raise MinectlError(f"the sweep's overrides make more than {MAX_SWEEP_JOBS:,} jobs; expected at most "
                                       f"{MAX_SWEEP_JOBS:,} (fewer values, or a search: hydra/sweeper=optuna)")
                if multirun and position is None:
                    _check_job_subdir(cfg, parsed, jobs, basic)
                if multirun:  # each value: `${data.dir}` is another folder for each
                    folder = _job_folder(cfg)
                    other = folders.setdefault(folder, variant) if folder is not None else variant
                    if other != variant:  # data.dir=mine,./mine: the second job writes over the first
                        a, b = next((a, b) for a, b in zip(other, variant, strict=True) if a != b)
                        raise MinectlError(f"{a} and {b} put their jobs into one folder of the sweep, {folder}; expected "
                                           "a hydra.sweep.subdir of its own for each job (the default ${hydra.job.num})")
                if output_key:
                    checked = _check_output_dir(cfg, output_key, overwrite)  # every variant's folder can be made
                    if multirun:
                        _check_sweep_dir(cfg, checked, output)
                    output = output or checked
                del cfg.hydra
                remember(config_secrets(cfg))  # redacted from any error line and log record from here on
                missing = sorted(OmegaConf.missing_keys(cfg))
                if missing:
                    raise MinectlError(f"missing value for '{missing[0]}': set it with {missing[0]}=...")
                if cfg.task_name != task:  # the engine runs the task the config names
                    raise MinectlError(f"task_name={cfg.task_name}: `minectl {task}` runs task '{task}'; "
                                       f"expected task_name={task} (each task has its own command)")
                if cfg.objective is not None and not str(cfg.objective).strip():  # else refused only once each job has run
                    raise MinectlError(f"objective={cfg.objective!r}: empty; expected a metric name of the run (e.g. "
                                       "objective=cost.total), or objective=null for none")
                if workers_ahead:  # a single run: one variant
                    workers.start_ahead(*workers_ahead(cfg))
                check_config(cfg)  # unknown keys (also with +), ranges, estimator parameters
                trust.check_task_targets(OmegaConf.to_container(cfg, resolve=True))
                if task_check:
                    task_check(cfg)
                config = OmegaConf.to_yaml(cfg) if swept else ""
                for at in [position] if position is not None else swept:
                    if (at, config) in made:  # seed=0,0 or seed=1,01: one job twice, counted twice in the means
                        raise MinectlError(f"{made[at, config]} and {variant[at]} make the same config; expected "
                                           "distinct values of a sweep (each job once)")
                    made[at, config] = variant[at]
        sweep = next((o for o in parsed if o.is_sweep_override()), None)
        if sweep is not None and not multirun:  # after the values' checks: a wrong value is the first thing to fix
            raise MinectlError(f"{sweep.input_line}: a sweep over several values needs -m (--multirun); expected one "
                               "value (a list is written [a,b], a text with commas quoted 'a,b')")
        if output_key and not multirun:  # a single run has no launcher, sweeper or sweep folder: nothing would read it
            sweep_setting = next((o for o in parsed if o.get_key_element().lstrip("+~").startswith(SWEEP_SETTINGS)), None)
            if sweep_setting is not None:
                raise MinectlError(f"{sweep_setting.input_line}: a sweep's setting, read only with -m (--multirun); expected -m, "
                                   "or none of it for a single run")
    except (MinectlError, HydraException, OmegaConfBaseException, ValueError) as exc:
        message = str(exc) if isinstance(exc, MinectlError) else _one_line(exc)
        if isinstance(exc, UnsupportedInterpolationType):  # OmegaConf names the resolver, not what would do
            message += ("; expected a plain value or a resolver OmegaConf or Hydra registers (oc.env, oc.select, oc.decode, "
                        "now, hydra), a literal ${ written \\${")
        _fail(f"{source}: {message}" if source else message)
    return output


def _check_group_values(parsed: list[Any], group_options: Any, default_choices: Any) -> None:
    """`model=null`, and a list for a group that takes one option (`data=[parquet_dir,synthetic]`): Hydra says
    only "must be a string or a list" of the first, and merges the list's options into one config, the last
    one's keys winning, with exit 0. ``default_choices``: the task's defaults, composed only for a list."""
    from minectl.trust import one_option

    for override in parsed:
        if override.is_delete() or override.is_sweep_override():
            continue
        value = override.value()
        if not (value is None or isinstance(value, list)):
            continue
        group = override.key_or_group
        options = group_options(group)
        if not options:  # a key, not a group: its value is checked by its type
            continue
        if value is None:
            raise MinectlError(f"{override.input_line}: {group} is a config group; expected one of its options: "
                               + ", ".join(options))
        if isinstance(default_choices().get(group), str):  # forecaster=[naive,arima] is a group of lists
            raise MinectlError(f"{override.input_line}: {one_option(group, value, f'{group}={value[-1]}')}")


def _check_package(cfg: Any, shown: str, package: str) -> None:
    """--package names a node of the config that --cfg prints (Hydra said "package 'x' not found in config", exit 1)."""
    from omegaconf import OmegaConf

    if package == "_global_":  # Hydra's name for the whole config
        return
    printed = shown == "all" or (shown == "hydra") == (package.split(".")[0] == "hydra")
    parent, _, leaf = package.rpartition(".")
    holder = OmegaConf.select(cfg, parent, default=None, throw_on_resolution_failure=False) if parent else cfg
    view = cfg if shown == "all" else OmegaConf.masked_copy(cfg, [key for key in cfg if (key == "hydra") == (shown == "hydra")])
    if (printed and OmegaConf.is_config(holder) and leaf in holder and OmegaConf.is_interpolation(holder, leaf)
            and OmegaConf.select(view, package, default=None, throw_on_resolution_failure=False) is None):
        # Hydra prints a single value resolved, in what --cfg prints and before a job's number: a traceback or "not found"
        raw = holder._get_node(leaf)._value()
        raise MinectlError(f"--package {package}: a single value, {raw}, which Hydra resolves to print it, and cannot in "
                           f"--cfg {shown} before a job runs; expected the node that holds it, --package {parent or '_global_'}, "
                           "which prints it as written")
    if not printed or OmegaConf.select(cfg, package, default=None, throw_on_resolution_failure=False) is None:
        keys = ["hydra.run", "hydra.sweep", "hydra.job", "..."] if shown == "hydra" else [k for k in cfg if k != "hydra"]
        raise MinectlError(f"--package {package}: not a key of the config --cfg {shown} prints, or null there; expected "
                           f"a key of it, at its top: {', '.join(keys)}")


def _check_hydra_additions(cfg: Any, parsed: list[Any]) -> None:
    """`+hydra.KEY=...` adds a key only to a map of Hydra's node (`hydra.job.env_set`, `hydra.callbacks`): `+hydra.job.chdr=true`
    added a key that nothing reads, and the run went on without chdir (without the `+`, Hydra refuses it)."""
    import dataclasses

    from omegaconf import OmegaConf

    from minectl.constraints import unknown_key

    for override in parsed:
        key = override.get_key_element().lstrip("+")
        if not override.get_key_element().startswith("+") or not key.startswith("hydra."):
            continue
        parent, _, name = key.rpartition(".")
        schema = OmegaConf.get_type(OmegaConf.select(cfg, parent, default=None))
        if dataclasses.is_dataclass(schema) and name not in {f.name for f in dataclasses.fields(schema)}:
            raise MinectlError(unknown_key(key, [f.name for f in dataclasses.fields(schema)]))


def _check_flags(root: Any, variant: list[str]) -> None:
    """A true/false key set to a number: OmegaConf takes any number but 0 as true (report=2, report=0.5)."""
    import typing

    from hydra.core.override_parser.overrides_parser import OverridesParser

    from minectl.constraints import schema_at

    for override in OverridesParser.create().parse_overrides(variant):
        value = override.value()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value not in (0, 1):
            owner, _, name = override.get_key_element().lstrip("+~").rpartition(".")
            schema = schema_at(root, owner)
            if schema is not None and typing.get_type_hints(schema).get(name) in (bool, Optional[bool]):
                raise MinectlError(f"{override.input_line}: {owner + '.' if owner else ''}{name} is a flag; expected true or false "
                                   "(a number but 0 would be read as true)")


def _check_run_layout(hydra: Any, multirun: bool) -> None:
    """Hydra settings that would leave a run minectl cannot read back, or write where it claimed nothing."""
    from hydra.types import RunMode

    if hydra.output_subdir != ".hydra":  # else an ok job reads as "stopped as it started", and verify finds no config
        subdir = "null" if hydra.output_subdir is None else hydra.output_subdir
        raise MinectlError(f"hydra.output_subdir={subdir}: minectl reads a run's saved config from .hydra/ "
                           "(verify, summarize, risk predict, report); expected .hydra, the default")
    if hydra.mode == RunMode.MULTIRUN and not multirun:  # Hydra would sweep into a folder the CLI never claimed
        raise MinectlError("hydra.mode=MULTIRUN: a sweep is started with -m (--multirun), which claims its folder before "
                           "any job; expected -m instead")


JOBLIB_MMAP_MODES = (None, "r+", "r", "w+", "c")  # numpy.memmap's modes


def _check_joblib_launcher(launcher: Any) -> None:
    """hydra/launcher=joblib's settings, before the sweep's folder is made: joblib checks them only once
    the sweep has started (a 'sweeper stopped' after multirun.yaml is written), some never. The launcher
    sets backend=loky itself (Hydra's jobs do not run in threads), so no thread hint is read."""
    from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
    from joblib import Parallel
    from omegaconf import OmegaConf

    settings = {key: value for key, value in OmegaConf.to_container(launcher, resolve=True).items() if key != "_target_"}
    for key, allowed in {"backend": (None, "loky"), "prefer": (None, "processes"), "require": (None,)}.items():
        if settings.get(key) not in allowed:
            raise MinectlError(f"hydra.launcher.{key}={settings[key]}: the joblib launcher always runs its jobs in loky's worker "
                               f"processes, never in threads; expected {' or '.join('null' if a is None else a for a in allowed)}")
    if settings.get("n_jobs") == 0:
        raise MinectlError("hydra.launcher.n_jobs=0: no worker would run a job; expected a count of workers (>= 1), or -1 "
                           "for one per CPU core (-2 all but one)")
    timeout = settings.get("timeout")
    if timeout is not None and not timeout > 0:  # joblib's limit per job, in seconds: every job would time out
        raise MinectlError(f"hydra.launcher.timeout={timeout}: every job would time out; expected seconds > 0, or null for none")
    pre_dispatch = str(settings.get("pre_dispatch"))
    if pre_dispatch != "all" and not re.fullmatch(r"[\d\s.+*/()-]+", pre_dispatch.replace("n_jobs", "1")):
        raise MinectlError(f"hydra.launcher.pre_dispatch={pre_dispatch}: expected all, a count of jobs or arithmetic of "
                           "n_jobs (the default 2*n_jobs)")
    max_nbytes = settings.get("max_nbytes")
    if max_nbytes is not None and not re.fullmatch(r"\d+[KMG]?", str(max_nbytes)):
        raise MinectlError(f"hydra.launcher.max_nbytes={max_nbytes}: expected a size in bytes, K, M or G (1M), or null")
    if settings.get("mmap_mode") not in JOBLIB_MMAP_MODES:
        raise MinectlError(f"hydra.launcher.mmap_mode={settings['mmap_mode']}: expected one of r, r+, w+, c or null")
    process_joblib_cfg(settings)  # as the launcher reads them: numbers written as text
    try:
        Parallel(**settings | {"backend": "loky"})  # checks n_jobs, batch_size and verbose; starts no worker
    except (ValueError, TypeError) as exc:
        raise MinectlError(f"hydra.launcher: {_one_line(exc)}; expected settings of joblib.Parallel") from None


def _check_optuna_sweeper(sweeper: Any) -> None:
    """hydra/sweeper=optuna's settings, before the sweep's folder is made: Optuna checks some only once the
    sweep has started (a 'sweeper stopped' line), and a search of several directions fails every trial, since
    each job returns one value (objective=): the sweep then ended "ok" with no best value found."""
    from omegaconf import OmegaConf

    settings = OmegaConf.to_container(sweeper, resolve=True)
    direction = settings.get("direction")
    directions = [getattr(d, "name", d) for d in (direction if isinstance(direction, list) else [direction])]
    if len(directions) != 1 or directions[0] not in ("minimize", "maximize"):
        shown = f"[{','.join(map(str, directions))}]" if isinstance(direction, list) else directions[0]
        raise MinectlError(f"hydra.sweeper.direction={shown}: expected minimize or maximize, one direction for the one "
                           "metric each job returns (objective=)")
    for key, count in {"n_trials": "trials", "n_jobs": "trials run at once"}.items():
        if not settings.get(key, 1) >= 1:  # 0 runs no trial, then ends in "No trials are completed yet"
            raise MinectlError(f"hydra.sweeper.{key}={settings[key]}: expected a count of {count} >= 1")
    rate = settings.get("max_failure_rate", 0.0)
    if not 0 <= rate <= 1:
        raise MinectlError(f"hydra.sweeper.max_failure_rate={rate}: expected a share of failed trials from 0 to 1")
    if settings.get("storage") is not None:
        _check_study_storage(str(settings["storage"]))


def _check_study_storage(storage: str) -> None:
    """An Optuna study's database, read by SQLAlchemy once the sweep has started: a text that is no URL, or a SQLite
    file in a folder that does not exist, stopped it with SQLAlchemy's own words ('unable to open database file'),
    and the Optuna 2 of the sweeper (optuna<3) with SQLAlchemy 2 with an AssertionError for any database."""
    from importlib.metadata import version

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    expected = "expected a database URL (sqlite:///study.db, a file in an existing folder; postgresql://...) or null"
    try:
        url = make_url(storage)
    except ArgumentError:
        raise MinectlError(f"hydra.sweeper.storage={storage}: not a database URL; {expected}") from None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") and not Path(url.database).parent.is_dir():
        raise MinectlError(f"hydra.sweeper.storage={storage}: the folder {Path(url.database).parent} does not exist; {expected}")
    optuna, sqlalchemy = version("optuna"), version("sqlalchemy")
    if int(optuna.split(".")[0]) < 3 and int(sqlalchemy.split(".")[0]) >= 2:
        raise MinectlError(f"hydra.sweeper.storage={storage}: Optuna {optuna} (the sweeper's, < 3) keeps no study in a database "
                           f"with SQLAlchemy {sqlalchemy}; expected storage=null (the study kept in memory), or SQLAlchemy < 2 "
                           "(pip install 'minectl[optuna]' pins it)")


def _check_job_subdir(cfg: Any, parsed: list[Any], jobs: int, basic: bool) -> None:
    """Each job of a sweep gets a folder of its own: `hydra.sweep.subdir` names the job (its number,
    id or overrides) or every swept key; else a later job writes into an earlier one's folder and the
    earlier job is lost from the summary."""
    from omegaconf import OmegaConf

    subdir = str(OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir"))
    named = set(re.findall(r"\$\{([^}]+)\}", subdir))
    swept = {o.get_key_element().lstrip("+~") for o in parsed if o.is_sweep_override()}
    excluded = set(OmegaConf.select(cfg, "hydra.job.config.override_dirname.exclude_keys") or ())  # left out of the dirname
    in_dirname = swept - excluded if "hydra.job.override_dirname" in named else set()
    if (jobs > 1 or not basic) and not named & {"hydra.job.num", "hydra.job.id"} and not swept <= named | in_dirname:
        raise MinectlError(f"hydra.sweep.subdir={subdir}: the same folder for several jobs of this sweep; expected a "
                           "subdir unique to each job (the default ${hydra.job.num}, or naming every swept key)")


def _job_folder(cfg: Any) -> Optional[Path]:
    """The job's folder in the sweep's (`hydra.sweep.subdir`), refused where it is not inside it: an
    absolute subdir (`${data.dir}` of /data/mine) or one leaving it (`..`) would put the job's results
    among other files (the data's), or every job into the sweep folder itself. None where it names
    what only the job knows (its number, id or overrides): a folder of its own."""
    from omegaconf import OmegaConf, read_write
    from omegaconf.errors import OmegaConfBaseException

    from minectl.report.page import REPORT_FILE
    from minectl.results import SUMMARY_FILE

    text = str(OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir"))
    with read_write(cfg.hydra):  # what only the job knows, as a job has it
        cfg.hydra.job.num, cfg.hydra.job.id, cfg.hydra.job.override_dirname = 0, "job_id_for_0", "key=value"
    try:
        subdir = Path(str(OmegaConf.select(cfg, "hydra.sweep.subdir")))
    except OmegaConfBaseException:  # another value only the running job knows: its text, any ${...} a plain name
        subdir = Path(re.sub(r"\$\{[^}]*\}", "x", text))
    _check_names_fit("hydra.sweep.subdir", subdir)
    if subdir.is_absolute() or ".." in subdir.parts or not subdir.parts:
        raise MinectlError(f"hydra.sweep.subdir={text}: a job's folder would be {subdir}, not a folder inside the sweep's; "
                           "expected a relative subdir without .. (the default ${hydra.job.num})")
    if subdir.parts[0] in ("multirun.yaml", SUMMARY_FILE, REPORT_FILE):  # Hydra's multirun.yaml stopped the sweep (FileExistsError)
        raise MinectlError(f"hydra.sweep.subdir={text}: a job's folder would be {subdir}, a file the sweep writes beside its "
                           "jobs; expected another name (the default ${hydra.job.num})")
    return None if "hydra" in text else subdir


# what differs between the jobs of a sweep: its number, id and overrides
JOB_VALUE = re.compile(r"\$\{hydra[.:](job\.(num|id|override_dirname)|overrides\.)")


def _check_sweep_dir(cfg: Any, checked: Optional[tuple[Path, bool]], first: Optional[tuple[Path, bool]]) -> None:
    """One folder for the whole sweep: Hydra resolves `hydra.sweep.dir` again in each job, so a value of the job
    (`${hydra.job.override_dirname}`, a swept `${seed}`) scattered the jobs into folders of their own, apart from the
    folder claimed here and from multirun.yaml, and the summary listed every job as not started. ``checked``: this
    variant's folder, ``first``: the first variant's (compared where neither is time-stamped)."""
    from omegaconf import OmegaConf

    written = OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("dir")
    differs = checked and first and not (checked[1] or first[1]) and checked[0] != first[0]
    if JOB_VALUE.search(str(written)) or differs:
        shown = f" ({first[0]} for one job, {checked[0]} for another)" if differs else ""
        raise MinectlError(f"hydra.sweep.dir={written}: names a value that differs between the jobs{shown}, so each job would "
                           "write into a sweep folder of its own; expected one folder for the whole sweep (a job's own "
                           "folder is hydra.sweep.subdir)")


RUN_FILE_ROOM = 256  # bytes a run's folder leaves for a file of the run inside it (one name)
MAX_PATH_BYTES = 4095  # the longest path the OS opens: Linux's PATH_MAX, 4096 bytes with its NUL


def _check_names_fit(key: str, path: Path) -> None:
    """Each name of ``path`` one the OS can make: over 255 bytes, an OSError traceback (ENAMETOOLONG)."""
    from minectl.trust import MAX_FILE_NAME

    long_name = next((part for part in path.parts if len(os.fsencode(part)) > MAX_FILE_NAME), None)
    if long_name is not None:
        raise MinectlError(f"{key}: a folder name of {len(os.fsencode(long_name))} bytes ({long_name[:24]}...); expected names of "
                           f"at most {MAX_FILE_NAME} bytes (the limit of ext4, XFS, APFS and NTFS)")


def _check_path_fits(key: str, path: Path, room: int = 0) -> None:
    """A path the OS can open (or make), with ``room`` bytes left for a file inside it: a name over
    255 bytes or a path over PATH_MAX ended in an OSError traceback (ENAMETOOLONG), in the job for a
    run's folder."""
    _check_names_fit(key, path)
    if len(os.fsencode(path.absolute())) > MAX_PATH_BYTES - room:
        raise MinectlError(f"{key}: a path of {len(os.fsencode(path.absolute()))} bytes; expected at most {MAX_PATH_BYTES - room} "
                           f"(the system's limit{' less room for the files of the run inside it' if room else ''})")


def _check_path_arg(shown: str, path: Path, room: int = 0) -> None:
    """:func:`_check_path_fits` of a command's path argument, refused in one line."""
    try:
        _check_path_fits(shown, path, room)
    except MinectlError as exc:
        _fail(str(exc))


def _check_output_dir(cfg: Any, key: str, overwrite: bool = False) -> tuple[Path, bool]:
    """The run's output folder can be made: its nearest existing ancestor is a writable folder
    (Hydra makes it inside the job, where a failure is a traceback), and --overwrite (``overwrite``)
    removes no input of the run with the run it replaces. Returns the folder and whether its name is
    time-stamped (`${now:...}`)."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from minectl.runfolder import holds_run

    parent, _, leaf = key.rpartition(".")
    written = OmegaConf.to_container(OmegaConf.select(cfg, parent))[leaf]
    try:
        value = OmegaConf.select(cfg, key)
    except OmegaConfBaseException as exc:  # Hydra resolves it before the job too (a key the config lacks, an unset variable,
        # a job's number), and stopped there with its own error, after a sweep's folder was claimed
        raise MinectlError(f"{key}={written}: cannot be resolved ({str(exc).splitlines()[0]}); expected a folder whose ${{...}} "
                           "resolve before the run starts (keys of the config, set environment variables, ${now:...})") from None
    if not str(value or "").strip():  # Path("") is ".": the run's files would land among the working folder's
        raise MinectlError(f"{key} is empty; expected a folder (an unset shell variable? {key}=. writes into this folder)")
    if str(value) != str(value).strip():  # a quoted path's stray space: ' /tmp/x' ran into the folder `./ /tmp/x`
        where = "before" if str(value)[0].isspace() else "after"
        raise MinectlError(f"{key}='{value}': a space {where} the path; expected the folder's path without spaces around it")
    path = Path(value)
    if path.parts[0].startswith("~"):  # Hydra expands no ~: the run went into a folder named `~` in the working folder
        raise MinectlError(f"{key}={path}: ~ is the home folder to a shell only; expected the path in full, e.g. "
                           f"{key}={path.expanduser()}")
    _check_path_fits(key, path, RUN_FILE_ROOM)
    timestamped = "${now:" in str(written)
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise MinectlError(f"{key}={path}: cannot make that folder ({existing} is not a writable folder); expected a writable place")
    data_dir = OmegaConf.select(cfg, "data.dir", default=None, throw_on_resolution_failure=False)
    if data_dir and path.resolve().is_relative_to(Path(data_dir).resolve()):  # its value may be a secret: not said
        raise MinectlError(f"{key}={path}: inside data.dir, the run's input folder (a run folder named like a table, "
                           "production/, is read as that table by every later run); expected a folder outside it")
    replaced = overwrite and holds_run(path) and not Path.cwd().resolve().is_relative_to(path.resolve())  # else refused as such
    inside = next(iter(_inputs_inside(cfg, path)), None) if replaced else None
    if inside:  # the folder is removed before the run starts: the run would find its input gone
        raise MinectlError(f"{key}={path}: --overwrite would remove {inside} (an input of this run) with the run it replaces; "
                           "expected the input outside that folder")
    return path, timestamped


def _inputs_inside(cfg: Any, folder: Path) -> list[str]:
    """The keys of the task's config (``cfg``, Hydra's node aside) whose value names a file or folder inside ``folder``
    (a data folder, a table of an earlier run); none where the config does not resolve here (said by a later check)."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        task = OmegaConf.to_container(OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]), resolve=True)
    except OmegaConfBaseException:
        return []

    def values(node: Any, prefix: str) -> Iterator[tuple[str, str]]:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for name, value in items:
            yield from values(value, f"{prefix}{name}.") if isinstance(value, (dict, list)) else [(f"{prefix}{name}", value)]

    found = []
    for key, value in values(task, ""):
        try:
            if isinstance(value, str) and value and Path(value).exists() and Path(value).resolve().is_relative_to(folder.resolve()):
                found.append(key)
        except (OSError, ValueError):  # a text too long for a path, or with a NUL: not a path
            continue
    return found


def _new_key(task: str, variant: list[str], extra: list[str], exc: BaseException, config_dir: Optional[Path]) -> str:
    """An override setting a key that an open map lacks is checked as the `+key` it would need,
    so that a typo of an estimator parameter gets its did-you-mean; a -cd config file Hydra refused is read
    against the schema for the key it means; else the error in one line."""
    from importlib import import_module

    from hydra import compose
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from minectl.constraints import check_config

    root = import_module(TASKS[task][0]).Config
    schema_key = _file_misfit(exc, root, config_dir) or _schema_key(exc, root)
    if schema_key:
        return schema_key
    key = getattr(exc.__cause__, "full_key", None)
    appended = [f"+{o}" if o.split("=", 1)[0] == key else o for o in variant]
    if key and appended != variant:
        try:
            check_config(compose(task, overrides=appended + extra))
        except MinectlError as error:
            return str(error)
        except (HydraException, OmegaConfBaseException):
            pass
    return _one_line(exc)


def _file_misfit(exc: BaseException, root: Any, config_dir: Optional[Path]) -> Optional[str]:
    """The mistake of a -cd config file that Hydra refused ("In 'data/m': ..."), found by reading the file
    against the task's schema ``root``: Hydra names a list item's key without its path, and a list given for a
    mapping without any key. None when the file is not in ``config_dir`` or fits the schema."""
    from omegaconf import OmegaConf

    from minectl.config import misfit
    from minectl.constraints import schema_at

    source = re.match(r"In '([^']+)':", str(exc))
    file = config_dir / f"{source.group(1)}.yaml" if source and config_dir else None
    if file is None or not file.is_file():
        return None
    header = re.search(r"^#\s*@package\s+(\S+)", file.read_text(encoding="utf-8"), re.MULTILINE)
    package = header.group(1) if header else "_group_"  # where Hydra puts the file's keys: its group's node by default
    package = package.replace("_group_", source.group(1).rpartition("/")[0].replace("/", "."))
    package = package.removeprefix("_global_").lstrip(".")
    schema = schema_at(root, package)
    node = OmegaConf.to_container(OmegaConf.load(file))
    if schema is None or not isinstance(node, dict):
        return None
    node.pop("defaults", None)  # Hydra's, not a key of the schema
    found = misfit(schema, node, package)
    return f"{source.group(1)}: {found}" if found else None


def _params_set_or_added(task: str, overrides: list[str]) -> list[str]:
    """``model.params.max_depth=3`` as ``++model.params.max_depth=3``: an estimator's parameter
    is set whether or not its config file lists it (files list only what differs from the
    estimator's defaults); ``check_config`` still refuses a name the estimator does not take."""
    from importlib import import_module

    from minectl.constraints import in_estimator_params

    root = import_module(TASKS[task][0]).Config
    return [f"++{o}" if o[:1] not in "+~" and "=" in o and in_estimator_params(root, o.partition("=")[0]) else o
            for o in overrides]


def _list_item(task: str, variant: list[str], extra: list[str]) -> Optional[str]:
    """The override of ``variant`` that names an item of a list as none can be: deleted (`~key.0`), by a name, or past
    its end (an index sets an item, never adds one); None when no override does."""
    from hydra import compose
    from omegaconf import ListConfig, OmegaConf

    keys = {override: override.split("=", 1)[0].lstrip("+~") for override in variant}
    try:  # config groups and top-level keys decide which nodes are lists; dotted keys are set inside them
        base = compose(task, overrides=[o for o, key in keys.items() if "." not in key] + extra)
    except Exception:  # noqa: BLE001 - a group's own error: said by the caller
        return None
    for override, key in keys.items():
        parent, _, item = key.rpartition(".")
        node = OmegaConf.select(base, parent, default=None, throw_on_resolution_failure=False) if parent else None
        if not isinstance(node, ListConfig):
            continue
        whole = f"or the whole list ({parent}=[...])"
        if override.startswith("~"):
            return f"{override}: deletes an item of the list {parent}, which ~ cannot; expected the whole list without it ({parent}=[...])"
        if not item.isdigit():
            return f"{override}: {parent} is a list, whose items are named by their index ({parent}.0=...); expected an index, {whole}"
        if int(item) >= len(node):
            return (f"{override}: {parent} has {len(node)} item{'s' * (len(node) != 1)}, and an index sets an item, never adds one; "
                    f"expected an index below {len(node)}, {whole}")
    return None


def _under_null(task: str, variant: list[str], extra: list[str]) -> str:
    """The override of ``variant`` that sets a key under a null node, or merges a mapping into one, said in one line."""
    from hydra import compose
    from omegaconf import OmegaConf

    keys = {override: override.split("=", 1)[0].lstrip("+~") for override in variant}
    # config groups and top-level keys decide which nodes are null; dotted keys are set inside them
    base = compose(task, overrides=[o for o, key in keys.items() if "." not in key] + extra, return_hydra_config=True)
    for override, key in keys.items():
        parent = key.rsplit(".", 1)[0]
        if "." in key and OmegaConf.select(base, parent, default="") is None:
            return f"{override}: '{parent}' is null in this config; expected a key that exists (keys under a null node cannot be set)"
        if OmegaConf.select(base, key, default="") is None and override.partition("=")[2].lstrip().startswith("{"):
            return (f"{override}: '{key}' is null in this config and takes no mapping from an override; expected the mapping "
                    "in a config file (--config-dir), or a search's values as overrides of their own (x=interval(0,1))")
    return f"one of {variant} sets a key under a null node; expected keys that exist"


def run_hydra(
    task: str,
    overrides: list[str],
    multirun: bool = False,
    cfg: Optional[str] = None,
    resolve: bool = False,
    package: Optional[str] = None,
    config_dir: Optional[Path] = None,
    hydra_help: bool = False,
    info: Optional[str] = None,
    overwrite: bool = False,
    source: Optional[str] = None,
) -> None:
    """Run `task` through hydra.main with an argument list rebuilt from parsed options (``source``:
    precheck's)."""
    _check_print_options(multirun, cfg, resolve, package, info, overwrite)
    single_run = not (multirun or cfg or hydra_help or info)
    if single_run:
        _start_default_workers(task)
    import traceback

    import hydra

    from minectl.config import forget_schemas
    from minectl.runfolder import claim_output_dir
    from minectl.runner import execute_job

    overrides = _params_set_or_added(task, overrides)
    # Hydra's help page (the groups and their options) composes no task config: an override of a task key was refused
    # there as "not in struct"; it is checked here as for --cfg, and the page is the same with it or without
    argv = [] if hydra_help else list(overrides)
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    output = None
    if hydra_help and not overrides:  # the page alone: no config to check but a -cd folder's (precheck's imports cost seconds)
        from minectl import trust

        try:
            trust.check_before_compose([], config_dir, task)
        except MinectlError as exc:
            _fail(str(exc))
    else:
        output = precheck(task, overrides, config_dir, None if cfg or hydra_help or info else key, start_workers=single_run,
                          multirun=multirun, source=source, package=(cfg, package) if cfg and package else None,
                          overwrite=overwrite)
    if hydra_help:  # the page lists the groups and composes no task config (precheck registered the schemas to check one)
        forget_schemas(schemas())
    if output is not None:  # made here, exclusively: Hydra would write into any folder it finds
        path, timestamped = output
        try:
            folder = claim_output_dir(path, key, timestamped, overwrite)
        except MinectlError as exc:
            _fail(str(exc))
        if timestamped:  # the job uses the folder made here, not `now` resolved a second time
            argv = [o for o in argv if o.partition("=")[0] != key] + [f"{key}={_override_value(folder)}"]
    if multirun:
        argv.append("--multirun")
    if cfg:
        argv += ["--cfg", cfg]
    if resolve:
        argv.append("--resolve")
    if package:
        argv += ["--package", package]
    if config_dir:
        argv += ["--config-dir", str(config_dir)]
    if hydra_help:  # minectl's own help page: Hydra's would list flags of a command line minectl does not take
        argv += ["hydra/hydra_help=minectl", "--hydra-help"]
    if info:
        argv += ["--info", info]
    main = hydra.main(version_base=None, config_path="pkg://minectl.conf", config_name=task)(execute_job)
    saved = sys.argv
    sys.argv = [f"minectl {task}", *argv]
    from minectl import results
    from minectl.redaction import redact, redact_logs

    redact_logs()  # Hydra logs the sweep's overrides before any job starts
    results.LAST_SWEEP.clear()
    full_error = os.environ.get("HYDRA_FULL_ERROR")
    # Hydra's own errors (the sweeper's, a logging config that dictConfig refuses) are raised to here,
    # to be said in one line, not as Hydra's traceback
    os.environ["HYDRA_FULL_ERROR"] = "1"
    # --cfg prints a password typed on the command line as the saved .hydra copies have it
    # (--resolve: the values as resolved, secrets included, because the user asked)
    printed = io.StringIO() if cfg and not resolve else None
    try:
        with contextlib.redirect_stdout(printed) if printed else contextlib.nullcontext():
            main()
    except Exception as exc:  # noqa: BLE001 - a job's own errors never get here: the runner keeps them
        if not multirun:
            if any(frame.name == "execute_job" for frame in traceback.extract_tb(exc.__traceback__)):
                raise  # a job's unexpected error (a bug): its traceback
            if isinstance(exc, OSError):  # Hydra saving .hydra/ before the job: a full disk, a quota reached
                where = exc.filename or (folder if output is not None else "the run folder")
                _fail(f"{where}: cannot be written ({exc.strerror or exc}); expected a disk with room for the run")
            _fail(f"Hydra could not run the job: {_one_line(exc).rstrip('.')}; expected a config Hydra accepts "
                  "(a logging config that logging.config.dictConfig accepts)")
        _sweeper_failed(exc, folder if output is not None else None)
    except KeyboardInterrupt as exc:
        if multirun and output is not None:
            from minectl.runner import fail_unfinished_jobs

            fail_unfinished_jobs(folder, exc)
        raise
    finally:
        if output is not None and not multirun:  # the .hydra/ claimed with the folder, left empty when the job never
            with contextlib.suppress(OSError):  # started (stopped, or Hydra refused its settings): the folder stays reusable
                (folder / ".hydra").rmdir()
        if printed:
            sys.stdout.write(redact(printed.getvalue()))
        sys.argv = saved
        if full_error is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = full_error
    # the folder the callback summarised; else the one claimed here (`~hydra.callbacks.sweep_summary` removed the callback)
    swept = results.LAST_SWEEP[-1] if results.LAST_SWEEP else folder if multirun and output is not None else None
    if multirun and swept is not None and not (cfg or hydra_help or info):
        summary = _print_summary(swept, by=None)
        if summary is not None and summary.height and (summary["status"] != "ok").any():
            raise typer.Exit(1)


CFG_KINDS = ("job", "hydra", "all")
INFO_KINDS = ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")


def _check_print_options(multirun: bool, cfg: Optional[str], resolve: bool, package: Optional[str], info: Optional[str],
                         overwrite: bool) -> None:
    """--cfg, --info and the options that shape what --cfg prints, in one line each: Hydra's own refusals were its usage
    block or a traceback, --resolve alone made the run's folder before its refusal, and --package alone ran the task;
    --overwrite with --cfg or --info replaced nothing and said nothing."""
    if cfg is not None and cfg not in CFG_KINDS:
        _fail(f"--cfg {cfg}: unknown part of the config; expected one of: {', '.join(CFG_KINDS)}")
    if info is not None and info not in INFO_KINDS:
        _fail(f"--info {info}: unknown kind of information; expected one of: {', '.join(INFO_KINDS)}")
    if cfg and info:
        _fail("--cfg with --info: Hydra prints one of them; expected --cfg or --info")
    if multirun and (cfg or info):  # Hydra's own refusal is a traceback
        _fail(f"-m (--multirun) with {'--cfg' if cfg else '--info'}: Hydra does one at a time; expected "
              f"{'--cfg' if cfg else '--info'} without -m, with one value per key (one job's config)")
    if overwrite and (cfg or info):
        _fail(f"--overwrite with {'--cfg' if cfg else '--info'}: nothing is run, so no run folder is replaced; expected "
              "--overwrite on a run")
    given = "--resolve" if resolve else "--package" if package else None
    if given and not cfg:
        _fail(f"{given} without --cfg: it shapes what --cfg prints, and nothing else reads it; expected --cfg job (or hydra, all) "
              f"with {given}")


def _sweeper_failed(exc: Exception, sweep_dir: Optional[Path]) -> None:
    """A sweeper stopped with an error of its own, after its jobs: the jobs' table, then one line.
    A search (Optuna) whose every job failed has no best value and raises "No trials are completed yet"."""
    from minectl.results import job_dirs

    summary = _print_summary(sweep_dir, by=None) if sweep_dir is not None and sweep_dir.is_dir() and job_dirs(sweep_dir) else None
    every_job_failed = summary is not None and summary.height and (summary["status"] != "ok").all()
    reason = "every job failed, so the search has no best value (each job's error is in its status.json)" if every_job_failed \
        else f"{type(exc).__name__}: {_one_line(exc).rstrip('.')}"
    _fail(f"the sweeper stopped: {reason}; expected jobs that finish", code=1)


def _start_default_workers(task: str) -> None:
    """Spawn the workers a default run of ``task`` takes (its module's `default_workers`) before
    Hydra is imported, so that their start-up overlaps this process's; `precheck` keeps them or,
    when the composed config asks for others, stops them."""
    from importlib import import_module

    from minectl import workers

    default_workers = getattr(import_module(TASKS[task][0]), "default_workers", None)
    if default_workers:
        workers.start_ahead(*default_workers())


def _override_value(path: Path) -> str:
    """A path as the value of a Hydra override (quoted unless plainly safe)."""
    text = str(path)
    return text if re.fullmatch(r"[\w./:+@-]+", text) else "'" + text.replace("'", "\\'") + "'"


def _add_task_command(name: str, help_text: str) -> None:
    def command(
        ctx: typer.Context,
        overrides: Optional[List[str]] = typer.Argument(
            None, help="Hydra overrides: key=value, group=option, +key=value, ~key; a=1,2 sweeps with -m.",
            autocompletion=_complete_override,
        ),
        multirun: bool = typer.Option(False, "--multirun", "-m", help="Run a sweep over the overrides."),
        cfg: Optional[str] = typer.Option(None, "--cfg", "-c", help="Print config instead of running: job, hydra or all."),
        resolve: bool = typer.Option(False, "--resolve", help="Resolve interpolations in --cfg output."),
        package: Optional[str] = typer.Option(None, "--package", "-p", help="Config package to print with --cfg."),
        config_dir: Optional[Path] = typer.Option(None, "--config-dir", "-cd", help="Extra config dir searched first."),
        hydra_help: bool = typer.Option(False, "--hydra-help", "-h", help="Show Hydra's help (config groups, overrides)."),
        info: Optional[str] = typer.Option(
            None, "--info", "-i", help="Hydra info: all, config, defaults, defaults-tree, plugins, searchpath."
        ),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace the run in a named output folder that holds one."),
        show_help: bool = typer.Option(False, "--help", help="Show this message and exit."),
    ) -> None:
        items = list(overrides or [])
        if show_help:  # after the arguments: `risk predict --help` is predict's help, not the task's
            typer.echo(PREDICT_HELP if name == "risk" and items[:1] == ["predict"] else ctx.get_help())
            raise typer.Exit()
        task = name
        if name == "factors" and items[:1] == ["extract"]:  # `factors extract ...` is the extract task
            task, items = "extract", items[1:]
        if task == "risk" and items[:1] == ["predict"]:
            _predict("risk", items[1:], "minectl risk predict RUN_DIR [data=... overrides]")
            return
        if task == "extract" and items[:1] == ["predict"]:
            _predict("extract", items[1:], "minectl factors extract predict RUN_DIR factors.extract.text=FILE "
                     "[factors.extract.text_column=NAME] [out=DIR]")
            return
        run_hydra(task, items, multirun, cfg, resolve, package, config_dir, hydra_help, info, overwrite)

    command.__doc__ = help_text
    app.command(name, cls=OneLineUsage, help=help_text, short_help=help_text, context_settings={"help_option_names": []})(command)


PREDICT_HELP = """Usage: minectl risk predict RUN_DIR [data.KEY=VALUE ...] [risk.input.KEY=VALUE ...] [out=FILE]

  Score new data with the model saved by a `minectl risk` run in RUN_DIR: the daily risk level
  and class probabilities per day and lead time, as parquet; the last days are printed.

Arguments:
  RUN_DIR               The folder of a `minectl risk` run (read as untrusted input).
  data.KEY=VALUE        The data to score, as the run's data config with these keys changed
                        (e.g. data.dir=new_mine/); default: the run's own data.
  risk.input.KEY=VALUE  The same for a run that read a single table (risk.input.kind=table).
  out=FILE              Where the scores go; default: a new folder
                        outputs/risk_predict/DATE/TIME/predictions.parquet. Never inside RUN_DIR:
                        the training run stays as it was (minectl verify still replays it).
  check_units=false     Score features whose values lie orders of magnitude outside the training
                        values (refused by default: other units, kJ for J).
"""


def _predict(task: str, args: list[str], usage: str) -> None:
    """`minectl risk predict RUN_DIR ...`, `minectl factors extract predict RUN_DIR ...`: apply a
    saved run of ``task`` (its module's `predict_cli`) to new data."""
    label = usage.removeprefix("minectl ").split(" RUN_DIR")[0]
    if not args:
        _fail(f"{label} needs a RUN_DIR: {usage}")
    import importlib

    from omegaconf.errors import OmegaConfBaseException

    from minectl.runfolder import check_finished, read_run
    from minectl.trust import check_run_folder

    try:
        _check_path_fits("RUN_DIR", Path(args[0]))
        run = read_run(Path(args[0]), (task,))  # the folder may come from someone else: types checked
        check_run_folder(run)
        overrides, made = _predict_out(task, label, run.dir, args[1:])
        try:
            check_finished(run.dir)  # not a model saved by a run that was stopped before its end
            importlib.import_module(TASKS[task][0]).predict_cli(run, overrides)
        except BaseException:
            for folder in made:  # a refused predict leaves no folder behind: its time folder, nor a date folder it made
                if any(folder.iterdir()):
                    break
                folder.rmdir()
            raise
    except MinectlError as exc:
        _fail(str(exc), exc.exit_code)
    except OmegaConfBaseException as exc:  # an override value the saved config's schema refuses
        _fail(f"{label}: {_one_line(exc)}")


def _predict_out(task: str, label: str, run_dir: Path, args: list[str]) -> tuple[list[str], list[Path]]:
    """``args`` with an ``out=`` outside the training run's folder: the one given (refused when
    inside it), else a new folder outputs/<task>_predict/DATE/TIME (risk: its predictions.parquet);
    and the folders made for it, innermost first (none when ``out=`` was given)."""
    from datetime import datetime

    from minectl.errors import ConfigError
    from minectl.runfolder import claim_output_dir

    given = [a.partition("=")[2] for a in args if a.startswith("out=")]
    if given:
        if Path(given[-1]).resolve().is_relative_to(run_dir.resolve()):
            raise ConfigError(f"{label}: out={given[-1]} is inside the run folder {run_dir}; "
                              "expected a path outside it (the training run stays as it was)")
        if task == "extract" and Path(given[-1]).is_dir() and any(Path(given[-1]).iterdir()):  # its tables would replace files
            raise ConfigError(f"{label}: out={given[-1]} holds files; expected a new or empty folder")
        return args, []
    now = datetime.now()
    path = Path("outputs", f"{task}_predict", f"{now:%Y-%m-%d}", f"{now:%H-%M-%S}")
    absent = [parent for parent in path.parents if parent != Path(".") and not parent.exists()]
    folder = claim_output_dir(path, "out", True, False)
    return [*args, f"out={folder / 'predictions.parquet' if task == 'risk' else folder}"], [folder, *absent]


for _name, (_module, _help) in TASKS.items():
    _add_task_command(_name, _help)


def _mean_sd(row: dict, metric: str) -> str:
    """Mean ± sd of a group's ok jobs; when some lack the metric (jobs that write different
    metrics), the jobs it is over, and no sd of a single value."""
    mean, counted, jobs = row[f"{metric}__mean"], row[f"{metric}__n"], row["jobs ok"]
    if mean is None:
        return "-"
    if counted == jobs:  # one job has no sd: "± 0" would say its jobs agree
        return f"{mean:.4g} ± {row[f'{metric}__sd']:.2g}" if counted > 1 else f"{mean:.4g} (one job)"
    return f"{mean:.4g}" + (f" ± {row[f'{metric}__sd']:.2g}" if counted > 1 else "") + f" ({counted} of {jobs} jobs)"


def _print_summary(sweep_dir: Path, by: Optional[str], metrics: Optional[List[str]] = None):
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from minectl.results import SUMMARY_FILE, swept_keys, unknown_metric, write_summary

    summary = write_summary(sweep_dir)
    console = Console()
    if not summary.height:  # not a summary of nothing: a sweep without jobs ran or planned nothing that can be shown
        stale = " (its summary.parquet is of jobs no longer there: left as it is)" * (sweep_dir / SUMMARY_FILE).exists()
        _fail(f"'{sweep_dir}' holds no jobs{stale}; expected subdirs with .hydra/overrides.yaml")
    metric_cols = [c for c in summary.columns if summary[c].dtype.is_float()]
    metrics = list(dict.fromkeys(metrics or []))  # --metric X --metric X: one column (a group's mean is named once)
    if metrics:
        unknown = [m for m in metrics if m not in metric_cols]
        if unknown:
            _fail(unknown_metric(unknown[0], sweep_dir, metric_cols))
        metric_cols = metrics
    if by:
        swept_keys(summary, by)  # the same rule as report's --by
        import polars as pl

        grouped = summary.filter(pl.col("status") == "ok").group_by(by, maintain_order=True).agg(
            pl.len().alias("jobs ok"),
            *[pl.col(c).mean().alias(f"{c}__mean") for c in metric_cols],
            *[pl.col(c).std().alias(f"{c}__sd") for c in metric_cols],
            *[pl.col(c).count().alias(f"{c}__n") for c in metric_cols],
        )
        groups = [str(g) for g in grouped[by]]
        table = Table(title=f"{_shown(sweep_dir)} (mean ± sd over jobs, by {_shown(by)})")
        if len(metric_cols) <= 6:  # the seed's Table 3 layout: one row per group, metrics across
            names = _short_names(metric_cols)
            for col in [by, "jobs ok", *metric_cols]:
                table.add_column(_shown(names.get(col, col)), justify="left" if col == by else "right", overflow="fold")
            for row in grouped.iter_rows(named=True):
                table.add_row(Text(str(row[by])), str(row["jobs ok"]), *[_mean_sd(row, c) for c in metric_cols])
        else:  # many metrics: one row per metric, groups across
            for col in ["metric", *groups]:
                table.add_column(Text(col), justify="left" if col == "metric" else "right", overflow="fold")
            table.add_row("jobs ok", *[str(n) for n in grouped["jobs ok"]])
            for col in metric_cols:
                table.add_row(Text(col), *[_mean_sd(row, col) for row in grouped.iter_rows(named=True)])
    else:
        table = _jobs_table(summary, sweep_dir, metric_cols, chosen=bool(metrics), width=console.width)
    console.print(table)
    for row in summary.filter(summary["status"] != "ok").iter_rows(named=True):
        console.print(Text.assemble((f"job {row['job']} {row['status']}: ", "red"), str(row["error"])))
    return summary


def _short_names(names: List[str]) -> dict:
    """Each dotted name by its shortest ending that no other name shares
    (capacity.optimal_mt_a -> optimal_mt_a; backtest.mae.arima, backtest_h3.mae.arima keep more)."""
    short = {}
    for name in names:
        parts = name.split(".")
        for n in range(1, len(parts) + 1):
            tail = ".".join(parts[-n:])
            if sum(other == tail or other.endswith("." + tail) for other in names) == 1:
                break
        short[name] = tail
    return short


def _jobs_table(summary: Any, sweep_dir: Path, metric_cols: List[str], chosen: bool, width: int):
    """One row per job, readable at 80 columns: only the overrides that vary (the others in the
    caption), short metric names, values wrapped rather than cut; as many metrics as fit
    unless ``chosen`` (--metric)."""
    from rich.table import Table
    from rich.text import Text

    overrides = [c for c in summary.columns if not summary[c].dtype.is_float() and c not in ("job", "status", "error")]
    varying = [c for c in overrides if summary[c].n_unique() > 1]
    fixed = [f"{c}={summary[c][0]}" for c in overrides if c not in varying]
    room = max(1, (width - 16 - 10 * len(varying)) // 11)  # ~11 characters per metric column
    shown = metric_cols if chosen else metric_cols[:room]
    names = _short_names(varying + [c for c in summary.columns if summary[c].dtype.is_float()])  # unique among all metrics
    table = Table(title=Text(str(sweep_dir)), title_justify="left", caption_justify="left")
    table.add_column("job", justify="right")
    for col in varying:
        table.add_column(Text(names[col]), overflow="fold")
    table.add_column("status", overflow="fold")
    for col in shown:
        table.add_column(Text(names[col]), justify="right", overflow="fold")
    for row in summary.iter_rows(named=True):  # Text: a value such as [1,2] is not rich markup
        # an override None: a job whose overrides are known nowhere (its folder gone, and no multirun.yaml)
        table.add_row(Text(str(row["job"])), *[Text("-" if row[c] is None else str(row[c])) for c in varying], Text(str(row["status"])),
                      *["-" if row[c] is None else f"{row[c]:.4g}" for c in shown])
    notes = [f"same in every job: {' '.join(fixed)}"] if fixed else []
    hidden = sum(summary[c].dtype.is_float() for c in summary.columns) - len(shown)
    if hidden:
        notes.append(f"{hidden} more metrics: pick them with --metric NAME (all in summary.parquet)")
    table.caption = Text("\n".join(notes)) if notes else None
    return table


@app.command("summarize", cls=OneLineUsage, help="Rebuild summary.parquet of a sweep dir and print it (mean ± sd with --by). "
             "Exit 0: every job ok; 1: a job failed, did not finish or never started; 2: not a readable sweep dir.")
def summarize(
    sweep_dir: Path = typer.Argument(..., help="A multirun dir (also one that crashed)."),
    by: Optional[str] = typer.Option(None, "--by", help="Group jobs by this override and show mean ± sd."),
    metric: Optional[List[str]] = typer.Option(None, "--metric", help="Metrics to show (repeatable)."),
) -> None:
    _check_path_arg("SWEEP_DIR", sweep_dir)
    if not sweep_dir.is_dir():
        _fail(f"sweep dir '{sweep_dir}' does not exist; expected a multirun output dir")
    from minectl.report.page import holds_sweeps
    from minectl.results import job_dirs

    if not job_dirs(sweep_dir) and not (sweep_dir / "multirun.yaml").exists():
        _fail(f"'{sweep_dir}' holds no jobs{holds_sweeps(sweep_dir)}; expected subdirs with .hydra/overrides.yaml")
    try:  # the folder may come from someone else: every file is read with its type checked
        summary = _print_summary(sweep_dir, by, metric)
    except MinectlError as exc:
        _fail(str(exc))
    if summary.height and (summary["status"] != "ok").any():
        raise typer.Exit(1)


@app.command("report", cls=OneLineUsage, help="Write report.html of a run or sweep folder: one self-contained page (figures, tables, "
             "plots, config, provenance, status) that opens offline.")
def report(
    folder: Path = typer.Argument(..., help="A run folder, or a sweep (multirun) folder."),
    metric: Optional[List[str]] = typer.Option(None, "--metric", help="Sweep: metrics to show; the first is plotted (repeatable)."),
    by: Optional[str] = typer.Option(None, "--by", help="Sweep: group jobs by this override (default: each that varies)."),
) -> None:
    from minectl.report.page import is_sweep, write_run_report, write_sweep_report

    _check_path_arg("FOLDER", folder)
    if not folder.is_dir():
        _fail(f"{folder}: {'not a folder' if folder.exists() else 'missing'}; expected a minectl run or sweep folder")
    sweep = is_sweep(folder)
    if not sweep and (metric or by) and (folder / ".hydra" / "config.yaml").is_file():  # a run's page compares no jobs
        given = f"--by {by}" if by else f"--metric {metric[0]}"
        _fail(f"{given}: {folder} is a run folder, whose page compares no jobs; expected a sweep folder with --by and "
              "--metric, or a run folder without them")
    try:  # the folder may come from someone else: every file is read with its type checked
        path = write_sweep_report(folder, metric, by) if sweep else write_run_report(folder)
    except MinectlError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{folder}: cannot write report.html ({exc.strerror or exc}); expected a folder you can write")
    typer.echo(path)


@contextlib.contextmanager
def _working_dir(folder: Path) -> Iterator[None]:
    """``folder`` as the working directory inside the block. The import path's relative entries
    ('' under `python -c`) are left out meanwhile: the folder is named by a run folder that may
    come from someone else, and no module may be imported from it."""
    before, import_path = Path.cwd(), list(sys.path)
    sys.path[:] = [entry for entry in sys.path if entry and os.path.isabs(entry)]
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)
        sys.path[:] = import_path


@app.command("verify", cls=OneLineUsage,
             help="Replay a run from its saved overrides into a fresh dir and compare metrics and result files.")
def verify(
    run_dir: Path = typer.Argument(..., help="A run dir holding .hydra/ and metrics.json."),
    rtol: float = typer.Option(0.0, "--rtol", help="Relative tolerance; 0 means exact (the CPU default)."),
    atol: float = typer.Option(0.0, "--atol", help="Absolute tolerance, for values near zero (no relative one matches 0.0 "
                               "with 1e-17); 0 means none."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where to replay (default: a temp dir, removed after)."),
) -> None:
    import tempfile

    from rich.console import Console

    from minectl.results import (
        METRICS_FILE,
        PROVENANCE_FILE,
        STATUS_FILE,
        compare_metrics,
        compare_results,
        cpu_changed,
        environment_changed,
        inputs_changed,
        is_timing,
        metrics_edited,
        packages_changed,
        status_of_another_config,
        tables_edited,
    )
    from minectl.runfolder import check_finished, holds_run, read_metrics, read_provenance, read_run
    from minectl.trust import check_run_folder

    if not 0 <= rtol < 1:  # nan and inf too: math.isclose(rel_tol=inf) holds for any two metrics ("reproduced")
        _fail(f"--rtol {rtol}: expected a relative tolerance >= 0 and < 1 (e.g. 1e-8)")
    if not 0 <= atol < float("inf"):  # nan and inf: any two finite metrics would be "reproduced"
        _fail(f"--atol {atol}: expected an absolute tolerance >= 0 and finite (e.g. 1e-12)")
    _check_path_arg("RUN_DIR", run_dir)
    if out is not None:
        _check_path_arg("--out", out, RUN_FILE_ROOM)
    if out is not None and holds_run(out):
        _fail(f"--out {out}: already holds a run; expected a new folder for the replay")
    if out is not None and out.exists() and not out.is_dir():  # else said of hydra.run.dir, as "not a writable folder"
        _fail(f"--out {out}: a file; expected a new folder for the replay")
    if out is not None and out.resolve().is_relative_to(run_dir.resolve()):  # else said of hydra.run.dir, a key the user did not give
        _fail(f"--out {out}: inside the run folder {run_dir}; expected a folder outside it (the run stays as it was written)")
    if out is not None:  # said of --out: the replay's own line names hydra.run.dir, a key the user did not give
        # made and removed, with the folders above it that are not there: what the replay does first, tried before it
        made = [folder for folder in (out, *out.parents) if not folder.exists()]
        try:
            out.mkdir(parents=True, exist_ok=True)
            why = None if os.access(out.parent, os.W_OK) else "Permission denied"  # a read-only mount: root too
        except OSError as exc:
            why = exc.strerror or str(exc)
        finally:
            for folder in made:
                with contextlib.suppress(OSError):  # not made (the error above)
                    folder.rmdir()
        if why:
            _fail(f"--out {out}: cannot write there ({why}); expected a folder you can create and write")
    try:  # the folder may come from someone else: every file is read with its type checked
        run = read_run(run_dir, tuple(TASKS))
        status = check_finished(run_dir)  # metrics.json of a run stopped before its end would replay as "reproduced"
        expected = read_metrics(run_dir / METRICS_FILE)
        provenance = read_provenance(run_dir / PROVENANCE_FILE)
        check_run_folder(run)
    except MinectlError as exc:
        _fail(str(exc))
    with tempfile.TemporaryDirectory(prefix="minectl-verify-") as tmp:
        replay = (out or Path(tmp) / "replay").resolve()
        # from the run's working dir where it exists: relative input paths name the same files as in the run
        with _working_dir(run.cwd or Path.cwd()):
            run_hydra(run.task, run.overrides + [f"hydra.run.dir={replay}"], config_dir=run.config_dir,
                      source=f"replaying {run_dir / '.hydra' / 'overrides.yaml'}")
        actual = read_metrics(replay / METRICS_FILE)
        replayed = read_provenance(replay / PROVENANCE_FILE)  # a server's rows: as the replay read them
        files_differ, files = compare_results(run_dir, replay, rtol, atol)  # tables, models: what the metrics were made from
    mismatches = compare_metrics(expected, actual, rtol, atol)
    changed_inputs = inputs_changed(provenance, replayed)  # the same metrics from other inputs reproduce nothing
    console = Console(soft_wrap=True)  # whole paths, not wrapped at the terminal's width
    # said whether or not the figures differ: an edit within --rtol/--atol, or of a table's bytes alone, is no result of the run
    edited_metrics = (f"{METRICS_FILE}: not the file the run wrote (its sha256 differs from {STATUS_FILE}'s): edited since"
                      if metrics_edited(run_dir, status) else None)
    edited_tables = (f"{edited} ({STATUS_FILE} holds the sha256 of each table the run wrote): changed since the run"
                     if (edited := tables_edited(run_dir, status)) else None)
    if mismatches or changed_inputs or files_differ:
        changes = (changed_inputs + packages_changed(provenance) + cpu_changed(provenance, replayed)  # the causes a replay cannot undo
                   + environment_changed(provenance))
        if edited_metrics:
            changes.append(edited_metrics)
        elif status_of_another_config(run_dir, status) and any(name == ".hydra/config.yaml" for name, _ in files_differ):
            changes.append(".hydra/config.yaml: not the config the run composed (its sha256 differs from status.json's, and the "
                           "replay's differs too): edited since, or written by another minectl")
        elif status_of_another_config(run_dir, status):  # the replay composed the saved config: status and metrics are another's
            changes.append(f"{STATUS_FILE} and {METRICS_FILE}: written for another config than .hydra/config.yaml "
                           f"(its sha256 differs from {STATUS_FILE}'s): copied from another run")
        elif any(name == ".hydra/config.yaml" for name, _ in files_differ):  # the run's own config, composed otherwise now
            where = f"--config-dir {run.config_dir}, or minectl's own" if run.config_dir else "minectl's own: another version?"
            changes.append(".hydra/config.yaml: the replay composed another config from .hydra/overrides.yaml: it, or a config "
                           f"file ({where}), changed since the run")
        if edited_tables:  # else the table's lines read as a replay that differs
            changes.append(edited_tables)
        read = ", ".join(provenance.get("environment", {}))  # their values are not recorded: they may be secrets
        unchanged = "no input file, package version or CPU kernel changed since the run" + (
            f"; its config reads the environment ({read}, by ${{oc.env:...}}), whose values the run does not record: "
            "the same now?" if read else "")
        for line in changes or [unchanged]:
            console.print(f"[yellow]changed[/] {_shown(line)}" if changes else line)
        for key, a, b in mismatches:  # None: a metric of one side only (a run of another minectl, an edit)
            console.print(f"[red]differs[/] {_shown(key)}: saved {'absent' if a is None else a} replay {'absent' if b is None else b}")
        for name, how in files_differ:
            console.print(f"[red]differs[/] {_shown(name)}: {_shown(how)}")
        for key in sorted(k for k, v in expected.items() if k.endswith(".time_limited") and v == 1):
            console.print(f"[yellow]note[/] {_shown(key)}: the run was stopped by a time limit, so its figures depend on the "
                          "machine's speed and load")
        files_line = (f"{len(files_differ)} result file{'s' * (len(files_differ) > 1)} differ{'s' * (len(files_differ) == 1)} "
                      f"({', '.join(_shown(name) for name, _ in files_differ)})")
        if mismatches:
            console.print(f"[red]{len(mismatches)} of {len(set(expected) | set(actual))} metrics differ[/]"
                          + (f", and {files_line}" if files_differ else ""))
        else:
            console.print("[red]not reproduced[/]: identical metrics, but "
                          + (files_line if files_differ else "from inputs that changed since the run"))
        raise typer.Exit(1)
    for line in packages_changed(provenance) + cpu_changed(provenance, replayed) + [edited_metrics, edited_tables]:
        if line:  # said, though the figures held
            console.print(f"[yellow]note[/] {_shown(line)}")
    timing = sum(is_timing(key) for key in expected)
    within = " and ".join(f"{name}={value}" for name, value in (("rtol", rtol), ("atol", atol)) if value)
    console.print(f"[green]reproduced[/]: {len(expected) - timing} metrics identical" + (f" within {within}" if within else "")
                  + (f" ({timing} timing metrics not compared)" if timing else "")
                  + f", and {files} result files (" + ("tables within the tolerance, the config byte for byte, the others by presence)"
                                                        if within else
                                                        "tables by value, plots and report.html by presence, the others byte for byte)"))


@data_app.command("synth", cls=OneLineUsage, help="Write the synthetic smart mine as canonical parquet tables.")
def data_synth(
    out: Path = typer.Option(Path("data/synthetic"), "--out", "-o", help="Output folder (created; replaced atomically)."),
    mines: int = typer.Option(1, "--mines", min=1, help="Number of mines."),
    years: float = typer.Option(2.0, "--years", min=0.1, help="Years of daily + hourly data."),
    start: str = typer.Option("2023-01-01", "--start", help="First day (YYYY-MM-DD)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    meters_per_activity: int = typer.Option(1, "--meters-per-activity", min=1, help="Hourly energy meters per activity (scale knob)."),
    missing_rate: float = typer.Option(0.01, "--missing-rate", min=0.0, max=0.5, help="Share of missing hourly readings."),
    to: Optional[Tuple[str, str]] = typer.Option(
        None, "--to", metavar="postgres DSN",
        help="Write the tables into a database instead of --out: `--to postgres postgresql://USER@HOST:PORT/DB` "
             "(password from PGPASSWORD); existing tables of the same names are replaced, all in one transaction."),
) -> None:
    from datetime import date

    from rich.console import Console
    from rich.progress import Progress

    from minectl.data.synth import write_dataset

    try:
        date.fromisoformat(start)
    except ValueError:
        _fail(f"--start '{start}' is not a date; expected YYYY-MM-DD")
    console = Console()
    if to is not None:
        if to[0] != "postgres":
            _fail(f"--to {to[0]}: unknown database kind; expected --to postgres DSN")
        from minectl.data.postgres import write_postgres
        from minectl.data.synth import generate

        frames = generate(mines=mines, years=years, start=start, seed=seed, meters_per_activity=meters_per_activity,
                          missing_rate=missing_rate)
        try:
            written = write_postgres(to[1], frames)
        except MinectlError as exc:
            _fail(str(exc))
        for table, where in written.items():
            console.print(f"{table:>20}  {where}")
        return
    try:
        with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("generating mines", total=mines)
            paths = write_dataset(out, mines=mines, years=years, start=start, seed=seed,
                                  meters_per_activity=meters_per_activity, missing_rate=missing_rate,
                                  progress=lambda n: bar.advance(task, n))
    except OSError as exc:  # nothing is left behind: the dataset is written to a temporary sibling first
        _fail(f"--out {out}: cannot write there ({exc.strerror or exc}); expected a folder you can create and write")
    for table, path in paths.items():
        console.print(f"{table:>20}  {path}")


def main() -> None:
    for stream in (sys.stdout, sys.stderr):  # a terminal or log without '…' (latin-1, ascii): '?' there, not a failed run
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if not sys.warnoptions:  # libraries' deprecation chatter is not the user's; -W or PYTHONWARNINGS bring it back
        import warnings

        warnings.filterwarnings("ignore", module="^(?!minectl)")
    from minectl.runner import stop_signals_interrupt

    stopped_by = stop_signals_interrupt()  # SIGTERM, SIGHUP: the same cleanup as Ctrl-C
    try:
        app()
    except MinectlError as exc:  # a stage error outside a Hydra job (e.g. data synth)
        from minectl.redaction import printable, redact

        typer.echo(f"error: {printable(redact(str(exc)))}", err=True)
        sys.exit(exc.exit_code)
    finally:
        from minectl.workers import stop_ahead

        stop_ahead()  # workers started ahead and not taken (e.g. Ctrl-C before the run): now, not after their imports
        # The interpreter's last collections walk every object of torch, scikit-learn, statsmodels
        # (0.5 s at the end of a command): nothing needs collecting when the process ends.
        gc.freeze()
        if stopped_by:  # not Ctrl-C's 130: the shell's code for the signal that stopped it
            sys.exit(128 + stopped_by[0])


if __name__ == "__main__":
    main()
