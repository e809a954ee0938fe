"""Every shipped config composes against its schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

import minectl.conf
from minectl.config import register_schemas
from minectl.constraints import check_config
from minectl.tasks import TASKS, schemas

CONF = Path(minectl.conf.__file__).parent
GROUPS = sorted(d.name for d in CONF.iterdir() if d.is_dir() and d.name not in {"hydra", "experiment", "__pycache__"})
EXPERIMENTS = sorted(p.stem for p in (CONF / "experiment").glob("*.yaml"))


def _compose(task: str, overrides: list[str] = ()):
    register_schemas(schemas())
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
    assert OmegaConf.get_type(cfg) is schemas()[task]


@pytest.mark.parametrize("task, override", list(_group_cases()))
def test_every_group_option_composes(task, override):
    _compose(task, [override])


def experiment_command(name: str) -> list[str]:
    """The command an experiment's comment documents, `minectl <task> [-m] +experiment=<name> ...`, as argv."""
    text = (CONF / "experiment" / f"{name}.yaml").read_text()
    commands = set(re.findall(rf"minectl ([^`\n]*\+experiment={name}\b[^`\n]*)", text))
    assert len(commands) == 1, f"experiment {name}: its comment must show one `minectl <task> +experiment={name}`; found {commands}"
    argv = commands.pop().split()
    assert argv[0] in TASKS, f"experiment {name}: unknown task {argv[0]!r}"
    return argv


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes_for_its_task(experiment):
    task, *overrides = experiment_command(experiment)
    cfg = _compose(task, [o for o in overrides if o != "-m"])
    assert cfg.task_name == task
    check_config(cfg)  # every value in range, no unknown key


def test_unknown_key_or_wrong_type_in_a_group_file_fails_naming_it(cli, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "typo.yaml").write_text("name: typo\ndirr: /somewhere\n")
    (tmp_path / "data" / "badtype.yaml").write_text("name: badtype\nsynthetic:\n  mines: many\n")
    result = cli("demo", "-cd", tmp_path, "data=typo")
    assert result.exit_code == 2 and "data.dirr: unknown key (did you mean 'dir'?)" in result.output
    result = cli("demo", "-cd", tmp_path, "data=badtype")
    assert result.exit_code == 2 and "Value 'many' of type 'str' could not be converted to Integer" in result.output


def test_the_configuration_reference_has_a_row_per_task_naming_real_keys():
    """docs/configuration.md's task table: one row per command, its top-level keys the schema's."""
    import dataclasses
    import re
    from pathlib import Path

    from minectl.tasks.registry import schemas

    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)`[^|]*\|[^|]*\| (.*) \|$",
                                                       (Path(__file__).parents[1] / "docs/configuration.md").read_text(), re.M)}
    for task, config in schemas().items():
        assert task in rows, f"docs/configuration.md: no row for {task}"
        named = set(re.findall(r"`(\w+)`", rows[task].split("(")[0] if task == "extract" else rows[task]))
        fields = {f.name for f in dataclasses.fields(config)}
        assert named <= fields, f"{task}: the row names keys its schema lacks: {sorted(named - fields)}"
