"""Every shipped config composes against its schema."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

import minectl.conf
from minectl.config import register_schemas
from minectl.tasks import TASKS

CONF = Path(minectl.conf.__file__).parent
GROUPS = sorted(d.name for d in CONF.iterdir() if d.is_dir() and d.name not in {"hydra", "experiment", "__pycache__"})
EXPERIMENTS = sorted(p.stem for p in (CONF / "experiment").glob("*.yaml"))


def _compose(task: str, overrides: list[str] = ()):
    register_schemas()
    with initialize_config_module("minectl.conf", version_base=None):
        return compose(task, overrides=list(overrides))


def _group_cases():
    for task in TASKS:
        default = _compose(task)
        for group in GROUPS:
            if group in default:
                for option in sorted((CONF / group).glob("*.yaml")):
                    yield task, f"{group}={option.stem}"


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_task_config_composes_with_its_schema(task):
    cfg = _compose(task)
    assert cfg.task_name == task
    assert OmegaConf.get_type(cfg) is importlib.import_module(TASKS[task][0]).Config


@pytest.mark.parametrize("task, override", list(_group_cases()))
def test_every_group_option_composes(task, override):
    _compose(task, [override])


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes_for_its_task(experiment):
    composed = []
    for task in TASKS:
        try:
            composed.append(_compose(task, [f"+experiment={experiment}"]).task_name)
        except Exception:  # an experiment belongs to one task; the others reject its keys
            continue
    assert composed, f"experiment {experiment} composes with no task"


def test_unknown_key_or_wrong_type_in_a_group_file_fails_naming_it(cli, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "typo.yaml").write_text("name: typo\ndirr: /somewhere\n")
    (tmp_path / "data" / "badtype.yaml").write_text("name: badtype\nsynthetic:\n  mines: many\n")
    result = cli("demo", "-cd", tmp_path, "data=typo")
    assert result.exit_code == 2 and "data.dirr: unknown key (did you mean 'dir'?)" in result.output
    result = cli("demo", "-cd", tmp_path, "data=badtype")
    assert result.exit_code == 2 and "Value 'many' of type 'str' could not be converted to Integer" in result.output
