"""Bad-input corpus, round 6: configs, secrets and `-cd` folders, past test_security.py,
test_run_folders.py (secrets) and test_foreign_folders_and_configs.py.

A libpq password in quotes (`password='a b'`, as libpq takes a password with spaces) was written
in clear into the error line, status.json, .hydra/config.yaml, overrides.yaml and hydra.yaml; so was
the value of `${oc.env:'NAME'}` (the name quoted, which OmegaConf resolves as the unquoted one: tested
in test_run_folders.py with the unquoted name), and
the end of a URL's password holding an @ (`u:pa@ss@host` kept `ss`). A `-cd` file holding one
value (`42`) ended in OmegaConf's AssertionError as a traceback; `NO`, `on`, `yes` in a `-cd` file are
booleans to YAML 1.1, and a text key took them as 'False'/'True' (costs.currency 'False'). A list
that names an item twice (cost.anomaly_items=[cost,cost]) ran, scoring it twice: 23 anomalies
instead of 20 on debug=quick; costs.cost_objects=[] ran as the default [stage, mine]. A logging
config without `root` ended in Hydra's KeyError traceback; one that logging.config.dictConfig
refuses (an unknown level, no `version`, a log file in a missing folder, an unknown handler
argument) in Hydra's traceback too: those need the change to minectl/cli.py's run_hydra (Hydra's
errors raised and said in one line) that the round's report gives.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import write_tiny_mine
from harness import assert_refused, every_file_text, invoke

from minectl.errors import ConfigError
from minectl.redaction import redact
from minectl.trust import check_hydra_node

DEAD_SERVER = "host=127.0.0.1 port=1 user=u dbname=x"  # nothing listens on port 1: refused at once


# ---------------------------------------------------------------------------------------- secrets

@pytest.mark.parametrize(
    "text, expect",
    [
        ("host=x password='Qp7 Secret' dbname=y", "host=x password='***' dbname=y"),  # libpq quotes a password with spaces
        (r"password='a\'Qp7Secret' x", "password='***' x"),  # libpq's escaped quote inside
        ("dsn: host=x password=''Qp7Secret'' dbname=y", "dsn: host=x password=''***'' dbname=y"),  # YAML doubles a quote
        (r"data.dsn='host=x password=\'Qp7Secret\''", r"data.dsn='host=x password=\'***\''"),  # an override escapes it
        ('password="Qp7 Secret"', 'password="***"'),
        ("postgresql://u:pa@Qp7Secret@h:5432/db", "postgresql://u:***@h:5432/db"),  # an unescaped @ in the password
        ("postgresql://u:Qp7Secret@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("password=Qp7Secret;", "password=***;"),
    ],
)
def test_every_form_of_a_password_is_redacted(text, expect):
    assert redact(text) == expect


def test_a_quoted_libpq_password_is_written_nowhere(tmp_path):
    run = tmp_path / "run"
    assert_refused(["cost", "data=postgres", f"data.dsn=\"{DEAD_SERVER} password='Qp7 Secret'\"", f"hydra.run.dir={run}"],
                   [f"{DEAD_SERVER} password='***': cannot connect", "expected a reachable PostgreSQL server"],
                   secrets=["Qp7"], run_dir=run)
    assert "Qp7" not in every_file_text(run) and "password='***'" in (run / ".hydra" / "config.yaml").read_text()


def test_an_override_that_cannot_be_parsed_does_not_echo_its_password(tmp_path):
    assert_refused(["cost", "data=postgres", f"data.dsn={DEAD_SERVER} password='Qp7Secret'", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["cannot parse override", "password='***'"], secrets=["Qp7Secret"])
    assert not (tmp_path / "run").exists()


# -------------------------------------------------------------------------------- -cd folders

def _config_dir(tmp_path: Path, relative: str, content: str) -> Path:
    file = tmp_path / "cd" / relative
    file.parent.mkdir(parents=True)
    file.write_text(content)
    return tmp_path / "cd"


@pytest.mark.parametrize("value", ["42", "1.5", "true", "hello"])
def test_a_config_file_of_one_value_is_named(value, tmp_path):
    config_dir = _config_dir(tmp_path, "experiment/x.yaml", f"# @package _global_\n{value}\n")
    assert_refused(["cost", "-cd", config_dir, "+experiment=x", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"experiment/x.yaml: holds one value ({value}), not keys; expected a config file of key: value lines",
                   inputs=[config_dir], run_dir=tmp_path / "run")


@pytest.mark.parametrize(
    "relative, content, expect",
    [
        ("costs/mine.yaml", "currency: NO\nresources: {}\n",
         "costs/mine.yaml: NO (line 1) is read by YAML 1.1 as false; expected 'NO' quoted for a text, or false written out for a flag"),
        ("experiment/x.yaml", "# @package _global_\ncost:\n  output: on\n",
         "experiment/x.yaml: on (line 3) is read by YAML 1.1 as true; expected 'on' quoted for a text"),
        ("experiment/x.yaml", "# @package _global_\nreport: Yes\n", "Yes (line 2) is read by YAML 1.1 as true"),
    ],
)
def test_a_yaml11_boolean_in_a_config_dir_is_refused(relative, content, expect, tmp_path):
    config_dir = _config_dir(tmp_path, relative, content)
    choice = "costs=mine" if relative.startswith("costs") else "+experiment=x"
    assert_refused(["cost", "-cd", config_dir, choice, f"hydra.run.dir={tmp_path / 'run'}"], expect, inputs=[config_dir],
                   run_dir=tmp_path / "run")


def test_quoted_and_spelled_out_values_are_read_as_they_look(tmp_path):
    config_dir = _config_dir(tmp_path, "experiment/x.yaml", "# @package _global_\nreport: false\ncost:\n  output: 'on'\n")
    result = invoke("cost", "-cd", config_dir, "+experiment=x", "--cfg", "job")
    assert result.exit_code == 0, result.output
    assert "report: false" in result.output and "output: 'on'" in result.output


def test_a_logging_config_without_root_is_one_line(tmp_path):
    config_dir = _config_dir(tmp_path, "hydra/job_logging/x.yaml", "version: 1\nhandlers: {}\n")
    assert_refused(["cost", "-cd", config_dir, "hydra/job_logging=x", f"hydra.run.dir={tmp_path / 'run'}"],
                   "hydra.job_logging: no 'root' key; expected root: {level: INFO, handlers: [...]}, or root: null for no logging",
                   inputs=[config_dir], run_dir=tmp_path / "run")


@pytest.mark.slow
@pytest.mark.parametrize(
    "content, expect",
    [
        ("version: 1\nroot: {level: NOPE}\n", "Unknown level: 'NOPE'"),
        ("root: {level: INFO}\n", "dictionary doesn't specify a version"),
        ("version: 1\nhandlers:\n  h: {class: logging.FileHandler, filename: '${hydra.runtime.output_dir}/${hydra.job.name}.log',"
         " nope: 1}\nroot: {handlers: [h]}\n", "Unable to configure handler 'h'"),
        ("version: 1\nhandlers:\n  h: {class: logging.StreamHandler, nope: 1}\nroot: {handlers: [h]}\n",
         "unexpected keyword argument 'nope'"),
    ],
)
def test_a_logging_config_dictconfig_refuses_is_one_line(content, expect, tmp_path):
    """Needs the run_hydra change of this round's report (minectl/cli.py)."""
    config_dir = _config_dir(tmp_path, "hydra/job_logging/x.yaml", content)
    mine = write_tiny_mine(tmp_path / "mine")
    assert_refused(["cost", "-cd", config_dir, "hydra/job_logging=x", "data=parquet_dir", f"data.dir={mine}",
                    f"hydra.run.dir={tmp_path / 'run'}"], ["Hydra could not run the job", expect],
                   inputs=[config_dir, mine], run_dir=tmp_path / "run")


# ---------------------------------------------------------------------------------- list values

@pytest.mark.parametrize(
    "override, expect",
    [
        ("cost.anomaly_items=[cost,unit_cost,cost]", "cost.anomaly_items: 'cost' is listed twice; expected each item once"),
        ("cost.change_rate=[cost,cost]", "cost.change_rate: 'cost' is listed twice; expected each item once"),
        ("cost.rolling_mean=[unit_cost,unit_cost]", "cost.rolling_mean: 'unit_cost' is listed twice"),
        ("costs.cost_objects=[stage,stage]", "costs.cost_objects: 'stage' is listed twice"),
        ("costs.cost_objects=[]", "costs.cost_objects: 0 items; expected at least 1"),  # ran as the default [stage, mine]
    ],
)
def test_a_list_that_repeats_an_item_is_refused(override, expect, tmp_path):
    assert_refused(["cost", override, f"hydra.run.dir={tmp_path / 'run'}"], expect, run_dir=tmp_path / "run")


@pytest.mark.parametrize("override", ["cost.anomaly_items=[]", "cost.change_rate=[]", "costs.cost_objects=[mine]"])
def test_lists_of_distinct_items_pass(override):
    result = invoke("cost", override, "--cfg", "job")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind, made", [("a named pipe", os.mkfifo), ("a character device", lambda path: path.symlink_to("/dev/null"))])
def test_a_config_dir_entry_that_is_not_a_file_is_named_before_reading(kind, made, tmp_path):
    """A pipe named experiment/x.yaml blocked the pre-check's read forever; a link to /dev/zero read until
    memory ran out (a MemoryError traceback): each is named before anything reads it."""
    (tmp_path / "cd" / "experiment").mkdir(parents=True)
    made(tmp_path / "cd" / "experiment" / "x.yaml")
    assert_refused(["cost", "-cd", tmp_path / "cd", "--cfg", "job"], f"experiment/x.yaml: {kind}; expected a config file",
                   in_process=False)


@pytest.mark.parametrize("inside", ["production", "."])
def test_a_run_folder_inside_the_data_folder_is_refused_before_it_is_made(inside, tmp_path):
    """A failed run left hydra.run.dir=MINE/production/ (its log and status.json) in the data folder, and every
    later run on MINE was refused: it held both production.parquet and a production/ folder. Needs the
    _check_output_dir change of this round's report (minectl/cli.py)."""
    mine = write_tiny_mine(tmp_path / "mine")
    assert_refused(["cost", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={mine / inside}"],
                   [f"hydra.run.dir={(mine / inside)}: inside data.dir, the run's input folder", "expected a folder outside it"],
                   inputs=[mine])
    assert sorted(p.name for p in mine.iterdir()) == sorted(p.name for p in mine.glob("*.parquet"))


@pytest.mark.parametrize("part, runtime_env", [("init", {"env_vars": {"LD_PRELOAD": "/tmp/x.so"}}), ("remote", {"pip": ["somepackage"]}),
                                               ("init", {"worker_process_setup_hook": "os.abort"})])
def test_a_ray_runtime_env_is_refused(part, runtime_env):
    """Ray's runtime_env installs packages, sets LD_PRELOAD (past hydra.job.env_set's allow-list) or calls a
    function in every worker; the ray extra is not installed here, so the check is called on Hydra's node
    (its launcher's _target_, checked first, left out)."""
    hydra = {"launcher": {"ray": {part: {"address": "auto", "runtime_env": runtime_env}}}}
    with pytest.raises(ConfigError, match=rf"^hydra\.launcher\.ray\.{part}\.runtime_env: Ray would install packages"):
        check_hydra_node(hydra)


# ------------------------------------------------------------- Hydra's node built by interpolation

OC_CREATE_CALLBACK = "'${oc.create:\"{evil: {_target_: os.makedirs, name: MARKER}}\"}'"


@pytest.mark.parametrize(
    "hydra, expect",
    [
        (f"callbacks: {OC_CREATE_CALLBACK}", "hydra.callbacks.evil._target_: 'os.makedirs' is not allowed"),
        ("job:\n    name: ext://this.s\n  job_logging:\n    handlers:\n      console:\n        stream: ${hydra.job.name}",
         "hydra.job_logging.handlers.console.stream: 'ext://this.s' would import an object"),
    ],
)
def test_what_hydra_calls_is_checked_as_resolved(hydra, expect, tmp_path):
    """An experiment file's `hydra.callbacks: '${oc.create:"{evil: {_target_: os.makedirs, ...}}"}'` passed the
    check (made on the text as written) and Hydra built the callback: os.makedirs ran. Needs the precheck change of
    this round's report (minectl/cli.py: trust.check_hydra_config(cfg.hydra))."""
    marker = tmp_path / "PWNED"
    config_dir = _config_dir(tmp_path, "experiment/x.yaml", "# @package _global_\nhydra:\n  " + hydra.replace("MARKER", str(marker)) + "\n")
    mine = write_tiny_mine(tmp_path / "mine")
    assert_refused(["cost", "-cd", config_dir, "+experiment=x", "data=parquet_dir", f"data.dir={mine}", "report=false",
                    f"hydra.run.dir={tmp_path / 'run'}"], expect, inputs=[config_dir, mine], run_dir=tmp_path / "run")
    assert not marker.exists(), "the config ran code"


def test_check_hydra_config_resolves_what_it_can():
    from omegaconf import OmegaConf

    from minectl.trust import check_hydra_config

    cfg = OmegaConf.create({"stash": {"evil": {"_target_": "os.makedirs"}}, "hydra": {"callbacks": "${stash}"}})
    with pytest.raises(ConfigError, match=r"^hydra\.callbacks\.evil\._target_: 'os\.makedirs' is not allowed"):
        check_hydra_config(cfg.hydra)
    legal = OmegaConf.create({"task_name": "cost", "hydra": {  # Hydra's default log file: only the job knows its folder
        "runtime": {"output_dir": "???"}, "job": {"name": "${task_name}"},
        "job_logging": {"version": 1, "root": {"level": "INFO", "handlers": ["file"]}, "handlers": {"file": {
            "class": "logging.FileHandler", "filename": "${hydra.runtime.output_dir}/${hydra.job.name}.log"}}}}})
    check_hydra_config(legal.hydra)


@pytest.mark.parametrize(
    "handler, expect",
    [
        ("{class: logging.FileHandler, formatter: f, filename: VICTIM}",
         "hydra.job_logging.handlers.h.filename: 'VICTIM' would be written outside the run folder; expected "
         "${hydra.runtime.output_dir}/<file name>"),
        ("{class: logging.FileHandler, formatter: f, filename: '${hydra.runtime.output_dir}/../../victim.sh'}",
         "would be written outside the run folder"),
        ("{class: logging.handlers.RotatingFileHandler, formatter: f, filename: '${hydra.runtime.output_dir}/${oc.env:HOME}/.bashrc'}",
         "would be written outside the run folder"),
        ("{class: logging.handlers.SocketHandler, host: 127.0.0.1, port: 9}",
         "hydra.job_logging.handlers.h.class: 'logging.handlers.SocketHandler' would send the log records elsewhere than this "
         "machine's screen or files; expected one of logging.StreamHandler, logging.FileHandler"),
        ("{class: logging.handlers.HTTPHandler, host: 'example.org', url: /log}", "would send the log records elsewhere"),
    ],
)
def test_a_log_handler_writes_only_into_the_run_folder(handler, expect, tmp_path):
    """A -cd logging config's FileHandler with its own format wrote a shell line ('touch ... # message') into any file
    the user may write (~/.bashrc runs it at the next login); a SocketHandler or HTTPHandler sent the records away."""
    victim = tmp_path / "victim.sh"
    config_dir = _config_dir(tmp_path, "hydra/job_logging/x.yaml",
                             "version: 1\nformatters:\n  f: {format: 'touch PWNED # %(message)s'}\n"
                             f"handlers:\n  h: {handler.replace('VICTIM', str(victim))}\nroot: {{level: INFO, handlers: [h]}}\n")
    assert_refused(["cost", "-cd", config_dir, "hydra/job_logging=x", "debug=quick", f"hydra.run.dir={tmp_path / 'run'}"],
                   expect.replace("VICTIM", str(victim)), inputs=[config_dir], run_dir=tmp_path / "run")
    assert not victim.exists()


def test_a_job_name_that_leaves_the_run_folder_is_refused(tmp_path):
    """hydra.job.name names the log file, <name>.log in the run folder: ../../evil wrote evil.log two folders up."""
    config_dir = _config_dir(tmp_path, "experiment/x.yaml", "# @package _global_\nhydra:\n  job:\n    name: ../../evil\n")
    assert_refused(["cost", "-cd", config_dir, "+experiment=x", "debug=quick", f"hydra.run.dir={tmp_path / 'a' / 'b' / 'run'}"],
                   "hydra.job.name=../../evil: would put the job's log file elsewhere than its run folder; expected a name of "
                   "letters, digits, '_', '-' and '.' (the default: the task's name)", inputs=[config_dir], run_dir=tmp_path / "a" / "b" / "run")
    assert not (tmp_path / "a" / "evil.log").exists()


@pytest.mark.slow
@pytest.mark.parametrize("logging", ["default", "none", "disabled", "stdout"])
def test_hydras_own_logging_configs_still_run(logging, tmp_path):
    result = invoke("cost", "debug=quick", f"hydra/job_logging={logging}", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "cost.log").exists() == (logging == "default")
