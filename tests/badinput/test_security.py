"""A config, a `-cd` folder or a run folder can never run code (docs/security.md).

Every attack names something that would create a marker folder (os.makedirs, or a class that
runs a command) if it ran: each case is refused in one line and the marker does not exist.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import write_tiny_duckdb, write_tiny_mine
from harness import assert_refused

from minectl.errors import ConfigError
from minectl.trust import TASK_PACKAGES, check_target, check_task_targets

# Callables that would leave the marker behind: (target, keyword arguments).
MAKES_MARKER = [
    ("os.makedirs", "name"),
    ("minectl.atomic.os.makedirs", "name"),  # an allowed prefix, re-exported from os
    ("sklearn.utils.os.makedirs", "name"),
    ("hydra.utils.os.makedirs", "name"),
    ("minectl.results.Path.mkdir", "self"),
    ("pathlib.Path", "args"),
]


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    yield tmp_path / "PWNED"
    assert not (tmp_path / "PWNED").exists(), "the config ran code"


@pytest.mark.parametrize("target, kwarg", MAKES_MARKER)
def test_a_callback_target_is_checked_on_the_object_it_resolves_to(target, kwarg, marker, tmp_path):
    assert_refused(["demo", f"+hydra.callbacks.evil._target_={target}", f"+hydra.callbacks.evil.{kwarg}={marker}",
                    f"hydra.run.dir={tmp_path / 'run'}"], "hydra.callbacks.evil._target_", run_dir=tmp_path / "run")


@pytest.mark.parametrize(
    "target, why",
    [
        ("minectl.atomic.os.makedirs", "is a function, not a class"),
        ("minectl.results.Path", "resolves to pathlib.Path, outside the allowed packages"),
        ("minectl.results.Run", "is not a Callback"),
        ("hydra.utils.instantiate", "is a function, not a class"),
        ("subprocess.Popen", "is not allowed"),
        ("builtins.eval", "is not allowed"),
        ("minectlx.evil.Thing", "is not allowed"),
        ("minectl.no_such_module.Thing", "cannot be imported"),
        ("${oc.env:HOME}", "is not a dotted class name"),
        ("'os.system rm'", "is not a dotted class name"),
    ],
)
def test_each_way_a_target_is_refused_is_named(target, why, tmp_path):
    assert_refused(["demo", f"+hydra.callbacks.evil._target_={target}", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["hydra.callbacks.evil._target_", why])


def test_a_launcher_that_would_run_a_command_is_refused(marker, tmp_path):
    assert_refused(["demo", "hydra.launcher._target_=minectl.results.subprocess.Popen",
                    f"+hydra.launcher.args=[mkdir,{marker}]", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["hydra.launcher._target_", "is not allowed"])


def test_a_sweeper_target_is_refused_before_any_job(marker, tmp_path):
    assert_refused(["demo", "-m", "seed=0,1", "hydra.sweeper._target_=minectl.atomic.os.makedirs",
                    f"+hydra.sweeper.name={marker}", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
                   "hydra.sweeper._target_", run_dir=tmp_path / "sweep")
    assert not (tmp_path / "sweep").exists()


def test_a_callback_inside_a_sweep_value_is_refused(marker, tmp_path):
    assert_refused(["demo", "-m", "+hydra.callbacks.evil._target_=minectl.results.SweepSummary,os.makedirs",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"], "'os.makedirs' is not allowed")


def test_an_optuna_custom_search_space_function_is_refused(tmp_path):
    assert_refused(["forecast", "-m", "+experiment=bo_lstm", "hydra.sweeper.custom_search_space=os.makedirs",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"], "hydra.sweeper.custom_search_space")


def test_an_optuna_sampler_must_be_a_sampler(tmp_path):
    assert_refused(["forecast", "-m", "+experiment=bo_lstm", "hydra.sweeper.sampler._target_=optuna.samplers.os.makedirs",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"], "hydra.sweeper.sampler._target_")


@pytest.mark.parametrize("name", ["LD_PRELOAD", "PYTHONPATH", "PATH", "GIT_CONFIG_GLOBAL"])
def test_a_job_may_not_set_a_variable_a_loader_reads(name, tmp_path):
    assert_refused(["demo", f"+hydra.job.env_set.{name}=/tmp/x", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"hydra.job.env_set.{name}: a job may not set this variable")


@pytest.mark.parametrize("entry", ["pkg://this", "pkg://antigravity", "pkg://minectlx.conf", "structured://x"])
def test_a_search_path_that_would_import_a_package_is_refused(entry, tmp_path):
    # `this` prints the Zen of Python on import: the one-line check also proves it was not imported
    assert_refused(["demo", f"hydra.searchpath=[{entry}]", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"hydra.searchpath: '{entry}' would import that package")


def test_a_search_path_in_a_config_dir_is_refused_before_composing(tmp_path):
    (tmp_path / "cd" / "experiment").mkdir(parents=True)
    (tmp_path / "cd" / "demo.yaml").write_text("hydra:\n  searchpath: [pkg://this]\n")
    assert_refused(["demo", "-cd", tmp_path / "cd", f"hydra.run.dir={tmp_path / 'run'}"],
                   "hydra.searchpath: 'pkg://this' would import that package", inputs=[tmp_path / "cd"])
    assert_refused(["demo", "-cd", tmp_path / "cd", "--info", "searchpath"], "pkg://this")


def _logging_dir(tmp_path: Path, group: str, body: dict) -> Path:
    folder = tmp_path / "cd" / "hydra" / group
    folder.mkdir(parents=True)
    (folder / "evil.yaml").write_text(yaml.safe_dump({"version": 1, "root": {"level": "INFO"}, **body}))
    return tmp_path / "cd"


@pytest.mark.parametrize("group", ["job_logging", "hydra_logging"])
@pytest.mark.parametrize(
    "body, expect",
    [
        ({"filters": {"x": {"()": "os.makedirs", "name": "{marker}"}}}, "filters.x.(): a logging factory would be called"),
        ({"formatters": {"x": {"()": "minectl.atomic.os.makedirs"}}}, "formatters.x.(): a logging factory"),
        ({"handlers": {"x": {"class": "minectl.results.subprocess.Popen", "args": ["mkdir", "{marker}"]}}},
         "handlers.x.class: 'minectl.results.subprocess.Popen' is not allowed"),
        ({"handlers": {"x": {"class": "logging.os.makedirs", "name": "{marker}"}}}, "is a function, not a class"),
        ({"handlers": {"x": {"class": "logging.StreamHandler", "stream": "ext://os.system"}}},
         "'ext://os.system' would import an object"),
    ],
)
def test_a_logging_config_cannot_call_a_factory(group, body, expect, marker, tmp_path):
    body = yaml.safe_load(yaml.safe_dump(body).replace("'{marker}'", str(marker)).replace("{marker}", str(marker)))
    config_dir = _logging_dir(tmp_path, group, body)
    assert_refused(["demo", "-cd", config_dir, f"hydra/{group}=evil", f"hydra.run.dir={tmp_path / 'run'}"],
                   [f"hydra.{group}.", expect], inputs=[config_dir], run_dir=tmp_path / "run")


def test_a_launcher_from_a_config_dir_is_checked(marker, tmp_path):
    folder = tmp_path / "cd" / "hydra" / "launcher"
    folder.mkdir(parents=True)
    (folder / "evil.yaml").write_text(f"_target_: minectl.atomic.os.makedirs\nname: {marker}\n")
    assert_refused(["demo", "-m", "seed=0", "-cd", tmp_path / "cd", "hydra/launcher=evil",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"], "hydra.launcher._target_", inputs=[tmp_path / "cd"])


def test_an_experiment_from_a_config_dir_cannot_add_a_callback(marker, tmp_path):
    folder = tmp_path / "cd" / "experiment"
    folder.mkdir(parents=True)
    (folder / "evil.yaml").write_text(
        "# @package _global_\nhydra:\n  callbacks:\n    evil:\n"
        f"      _target_: minectl.atomic.os.makedirs\n      name: {marker}\n"
    )
    assert_refused(["demo", "-cd", tmp_path / "cd", "+experiment=evil", f"hydra.run.dir={tmp_path / 'run'}"],
                   "hydra.callbacks.evil._target_", inputs=[tmp_path / "cd"])


def test_a_target_in_an_estimator_map_is_refused(marker, tmp_path):
    line = assert_refused(["risk", "model=lr", "+model.params._target_=minectl.atomic.os.makedirs",
                           f"+model.params.name={marker}", f"hydra.run.dir={tmp_path / 'run'}"], "model.params")
    assert "_target_" in line


# --- run folders from someone else: verify replays only what a run folder may hold ---------

@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from minectl.cli import app

    root = tmp_path_factory.mktemp("demo_run")
    mine = write_tiny_mine(root / "mine")
    result = CliRunner().invoke(app, ["demo", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={root / 'run'}"])
    assert result.exit_code == 0, result.output
    return root / "run"


@pytest.mark.parametrize(
    "override",
    [
        "+hydra.callbacks.evil._target_=minectl.atomic.os.makedirs",
        "hydra.launcher._target_=os.makedirs",
        "hydra/job_logging=disabled",
        "++hydra.job.env_set.LD_PRELOAD=/tmp/x.so",
        "hydra.searchpath=[pkg://this]",
        "~hydra.callbacks",
    ],
)
def test_verify_refuses_a_run_folder_whose_overrides_reach_hydra(override, demo_run, tmp_path):
    run = tmp_path / "received"
    shutil.copytree(demo_run, run)
    overrides = run / ".hydra" / "overrides.yaml"
    overrides.write_text(yaml.safe_dump([*yaml.safe_load(overrides.read_text()), override]))
    assert_refused(["verify", run], [str(overrides), repr(override), "expected task overrides only"], inputs=[run])


def test_verify_checks_the_config_dir_a_run_folder_names(demo_run, tmp_path):
    run = tmp_path / "received"
    shutil.copytree(demo_run, run)
    evil = tmp_path / "evil_conf"
    evil.mkdir()
    (evil / "demo.yaml").write_text("hydra:\n  searchpath: [pkg://this]\n")
    hydra_file = run / ".hydra" / "hydra.yaml"
    saved = yaml.safe_load(hydra_file.read_text())
    saved["hydra"]["runtime"]["config_sources"].append({"path": f"file://{evil}", "schema": "file", "provider": "command-line"})
    hydra_file.write_text(yaml.safe_dump(saved))
    assert_refused(["verify", run], "'pkg://this' would import that package", inputs=[run, evil])


# --- a DuckDB query from a config is one SELECT ------------------------------------------------

@pytest.fixture
def mine_db(tmp_path: Path) -> Path:
    return write_tiny_duckdb(tmp_path)


@pytest.mark.parametrize(
    "query, kind",
    [
        ("COPY production TO '{marker}'", "COPY"),
        ("SELECT * FROM production; COPY production TO '{marker}'", "SELECT, COPY"),
        ("INSTALL shellfs", "LOAD"),
        ("ATTACH '{marker}' AS evil", "ATTACH"),
        ("PRAGMA version", "PRAGMA"),
    ],
)
def test_a_duckdb_query_is_one_select(query, kind, mine_db, marker, tmp_path):
    query = query.replace("{marker}", str(marker))
    assert_refused(["demo", "data=duckdb", f"data.path={mine_db}", f"data.tables.production.query=\"{query}\"",
                    f"hydra.run.dir={tmp_path / 'run'}"], ["is not one SELECT statement", kind],
                   inputs=[mine_db], run_dir=tmp_path / "run")


# --- the check itself, without the CLI ------------------------------------------------------------

def test_check_target_accepts_classes_of_the_allowed_packages():
    from sklearn.linear_model import LogisticRegression

    assert check_target("sklearn.linear_model.LogisticRegression", "model", TASK_PACKAGES) is LogisticRegression
    check_task_targets({"steps": [{"_target_": "minectl.results.Run"}]})


@pytest.mark.parametrize(
    "node, where",
    [
        ({"model": {"inner": {"_target_": "os.system"}}}, "model.inner._target_"),
        ({"steps": [{"_target_": "minectl.results.Run"}, {"_target_": "builtins.eval"}]}, r"steps\[1\]._target_"),
        ({"a": {"_target_": "minectl.results.subprocess.Popen"}}, "a._target_"),
        ({"a": {"_target_": "sklearn.linear_model._logistic.np.load"}}, "a._target_"),
    ],
)
def test_check_task_targets_names_the_key(node, where):
    with pytest.raises(ConfigError, match=where):
        check_task_targets(node)


# --- config folders that are not what they claim -----------------------------------------------

@pytest.mark.parametrize(
    "content, expect",
    [
        ("# @package _global_\nseed: [1\n", "cannot be read as YAML (while parsing a flow sequence"),
        (b"\xff\xfe\x00binary", "cannot be read as YAML ('utf-8' codec can't decode"),
        ("- a\n- b\n", "experiment/bad"),
        ("# @package _global_\nseed: 1\nhydra:\n  searchpath: pkg://os\n", "'pkg://os' would import that package"),
    ],
)
def test_a_broken_file_in_a_config_dir_is_named(content, expect, tmp_path):
    folder = tmp_path / "cd" / "experiment"
    folder.mkdir(parents=True)
    bad = folder / "bad.yaml"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert_refused(["demo", "-cd", tmp_path / "cd", "+experiment=bad", f"hydra.run.dir={tmp_path / 'run'}"],
                   expect, inputs=[tmp_path / "cd"], run_dir=tmp_path / "run")


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_config_dir_that_is_not_a_folder_is_named(kind, tmp_path):
    config_dir = tmp_path / "conf"
    if kind == "file":
        config_dir.write_text("seed: 1\n")
    assert_refused(["demo", "-cd", config_dir, f"hydra.run.dir={tmp_path / 'run'}"],
                   f"--config-dir {config_dir}: not a folder")


@pytest.mark.parametrize(
    "args, expect",
    [
        (["+hydra.callbacks.evil._target_=minectl.atomic.os.makedirs", "+hydra.callbacks.evil.name={marker}"], "is a function"),
        (["hydra.searchpath=[pkg://this]"], "would import that package"),
        (["-cd", "{missing}"], "not a folder"),
    ],
)
def test_a_refusal_is_one_line_in_a_real_process(args, expect, marker, tmp_path):
    args = [a.replace("{marker}", str(marker)).replace("{missing}", str(tmp_path / "nope")) for a in args]
    assert_refused(["demo", *args, f"hydra.run.dir={tmp_path / 'run'}"], expect, in_process=False)


def test_verify_refuses_a_saved_config_that_names_a_function(demo_run, tmp_path):
    run = tmp_path / "received"
    shutil.copytree(demo_run, run)
    config = run / ".hydra" / "config.yaml"
    saved = yaml.safe_load(config.read_text())
    saved["cost"]["evil"] = {"_target_": "minectl.atomic.os.makedirs", "name": str(tmp_path / "PWNED")}
    config.write_text(yaml.safe_dump(saved))
    assert_refused(["verify", run], [str(config), "cost.evil._target_", "is a function, not a class"], inputs=[run])
    assert not (tmp_path / "PWNED").exists()
