"""Every `minectl` command of the fenced blocks of docs/*.md composes (`--cfg job`, default run) and
runs (slow) as written, from one fresh working folder in doc order, so a command may use a run an
earlier one wrote; and every error line the docs quote is the one printed. README.md's commands are
tests/test_readme_examples.py's; this file uses its helpers."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path

import pytest

import tests.test_readme_examples as readme
from tests.test_readme_examples import ROOT, SHARED_DATA, bash_commands, error_examples, in_process

DOCS = {doc.name: doc.read_text() for doc in sorted((ROOT / "docs").glob("*.md"))}


def _is_minectl(command: str) -> bool:
    return command.split()[0] == "minectl" or command.startswith("/usr/bin/time")


# command -> its doc, in doc order (a yaml block's `# ... minectl ...` comment is no command)
COMMANDS = {c: name for name, text in DOCS.items() for c in bash_commands(text, "[a-z]*") if _is_minectl(c)}

# Not run by the tests, with why (their config still composes below).
BY_HAND = {
    "minectl data synth --to postgres postgresql://mine@db.example:5432/mine --mines 3": "needs the PostgreSQL server it names",
    "minectl cost data=postgres data.dsn=postgresql://mine@db.example:5432/mine": "needs the PostgreSQL server it names",
    "minectl cost data=postgres data.dsn=postgresql://mine@db:5432/mine 'data.tables.production.query=\"SELECT day AS date, "
    "site AS mine_id, tonnes AS ore_t, drilled_m, haul_km FROM ops.output ORDER BY site, day\"'": "needs the PostgreSQL server it names",
    "minectl capacity -m seed=1,2,3 hydra/launcher=ray_cluster": "needs a running ray cluster (`ray start --head`)",
    "minectl capacity -m seed=1,2,3 hydra/launcher=ray_cluster hydra.launcher.ray.init.address=HEAD_IP:6379": "needs a ray cluster at HEAD_IP",
    "minectl factors extract factors.extract.corpus=my.jsonl factors.extract.lexicon=true": "my.jsonl: the reader's own Doccano export",
    "minectl forecast series=prices.parquet source.date_column=month source.value_column=usd_t": "prices.parquet: the reader's own file",
    "minectl optimize simulator=table simulator.path=flac3d_runs.csv '+simulator.columns.Uz=subsidence_cm'": "flac3d_runs.csv: the reader's runs",
    "minectl risk -m model=lr,svm,lightgbm,lstm,rf,lstm_rf seed=0,1,2,3,4 && minectl summarize DIR --by model":
        "30 full risk trainings (hours on 2 cores)",
    "/usr/bin/time -v minectl risk hydra.run.dir=/tmp/r2": "a benchmark: writes /tmp/r2 beside a stage_times.py run",
    "minectl data synth --mines 164 --out /tmp/d164": "a benchmark's 164-mine data set in /tmp (minutes)",
    "/usr/bin/time minectl risk -m model=lr,svm,lightgbm,lstm,rf,lstm_rf seed=0,1,2,3,4 hydra/launcher=joblib hydra.sweep.dir=/tmp/t3":
        "a benchmark: 30 full risk trainings (hours)",
}
# performance.md's scale benchmarks read generated files (T.parquet, V.csv, ...) of benchmarks/: by hand.
BY_HAND |= {c: "a benchmark on benchmarks/'s generated files" for c, name in COMMANDS.items()
            if name == "performance.md" and c not in BY_HAND}
# Written with placeholders: run with a run folder an earlier command wrote ({cost}: the newest finished
# run of `minectl cost` in the working folder) or a file made here.
RUN_AS = {
    "minectl cost data=parquet_dir data.dir=MINE/": "minectl data synth --out MINE && minectl cost data=parquet_dir data.dir=MINE/",
    "minectl factors extract predict RUN_DIR factors.extract.text=notes.txt [out=DIR]":
        "echo 'replaced hydraulic pump on loader' > notes.txt && minectl factors extract predict {extract} factors.extract.text=notes.txt",
    "minectl factors factors.sources.data=outputs/cost/2026-01-01/10-00-00": "minectl factors factors.sources.data={cost}",
    # MaintIE's triples, with the schema extended by its types (they are not the seed's)
    "minectl factors factors.sources.text=outputs/extract/...": "minectl factors extract +experiment=maintie hydra.run.dir=runs/maintie && "
        "minectl factors +experiment=maintie_graph factors.sources.text=runs/maintie",
    "minectl optimize optimize.decision.price_path=outputs/forecast/DATE/TIME/tables/forecast.parquet optimize.decision.price_model=arima "
    "optimize.decision.low_price=80 optimize.decision.high_price=160":
        "minectl optimize optimize.decision.price_path={forecast}/tables/forecast.parquet optimize.decision.price_model=arima "
        "optimize.decision.low_price=80 optimize.decision.high_price=160",
    "minectl schedule minelib.path=DIR minelib.name=kd schedule.problems=[upit] loop.enabled=false":  # the MineLib instance shipped
        "minectl schedule minelib.path=examples/data/minelib_newman1 minelib.name=newman1 schedule.problems=[upit] loop.enabled=false",
    "minectl risk predict outputs/risk/DATE/TIME data.synthetic.seed=7 out=scores.parquet":
        "minectl risk predict {risk} data.synthetic.seed=7 out=scores.parquet",
    "minectl uncertainty dataset=cost_daily dataset.path=outputs/cost/DATE/TIME/tables/daily.parquet dataset.column=unit_cost":
        "minectl uncertainty dataset=cost_daily dataset.path={cost}/tables/daily.parquet dataset.column=unit_cost",
    "minectl uncertainty dataset.path=daily.parquet dataset.column=unit_cost dataset.cost_items=[cost_energy,cost_labour,cost_material]":
        "cp {cost}/tables/daily.parquet daily.parquet && minectl uncertainty dataset.path=daily.parquet dataset.column=unit_cost "
        "dataset.cost_items=[cost_energy,cost_labour,cost_material]",
}
# No command to run or compose: a pattern, or values left for the reader to fill in.
TEMPLATES = {
    "minectl <task> k=v ... cli.py: one Typer command per TASKS entry -> run_hydra(task, overrides, ...)": "the CLI's pattern (engine.md's map)",
    "minectl forecast forecaster=[naive,lstm] forecaster.lstm.params.seq_len=... forecaster.lstm.params.hidden_size=...":
        "values left to fill in (the BO-LSTM sweep's best)",
}
NEEDS_SHARED = ("+experiment=equipment_failures",)  # conf/dataset/equipment_failures.yaml reads ../shared/data
RAY = importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None
# Error lines the docs quote in running text (`error: ...`, no `$ command` before it) -> the command that prints it.
QUOTED = {
    "error: optimizer.crossover_prob=1.5 is out of range": "minectl optimize optimizer.crossover_prob=1.5",
    "error: optimizer.crossover_probb: unknown key": "minectl optimize optimizer.crossover_probb=0.5",
    "error: surrogate.params.n_estimatorz: unknown parameter": "minectl optimize surrogate.params.n_estimatorz=10",
    "error: risk.window=0 is out of range": "minectl risk risk.window=0",
}
# Patterns, and engine.md's example task (`minectl tonnage`, not shipped): no command prints them.
QUOTED_NOT_RUN = {"error: <message>", "error:", "error: tonnage.top=0 is out of range; expected an integer >= 1",
                  "error: objective=... is not a metric of this run; expected one of: <closest names>"}


def _inline_errors() -> list[str]:
    """Each `error: ...` quoted in running text, its lines joined."""
    return [" ".join(m.split()) for text in DOCS.values() for m in re.findall(r"`(error:[^`]*)`", text)]


def quoted_errors() -> list[tuple[str, str]]:
    """(command, error line) for each quoted error of QUOTED."""
    return [(QUOTED[prefix], line) for line in _inline_errors() for prefix in QUOTED if line.startswith(prefix)]


def test_the_docs_list_commands_and_quoted_errors():
    assert len(COMMANDS) > 70 and "minectl cost" in COMMANDS and "minectl verify runs/plan_q2" in COMMANDS
    assert set(BY_HAND) | set(RUN_AS) | set(TEMPLATES) <= set(COMMANDS)  # a doc edit leaves no stale entry
    assert len(quoted_errors()) == len(QUOTED)  # each known quote found once
    unknown = [line for line in _inline_errors() if line not in QUOTED_NOT_RUN and not line.startswith(tuple(QUOTED))]
    assert not unknown  # a new quote gets its command in QUOTED


def _one_job(part: str) -> str:
    """A `-m` sweep's first job (--cfg shows one job): drop -m, keep each key's first value."""
    if " -m " not in part:
        return part
    return " ".join(re.sub(r"^([\w./@+~-]+=)([^,\[\]'\"]+),.*$", r"\1\2", word) for word in part.split() if word != "-m")


def _composable(part: str) -> bool:
    words = part.split()
    return words[0] == "minectl" and words[1] not in ("summarize", "report", "verify", "data") and "predict" not in words[:4]


# as written, placeholders too (a path is read when the job runs); -cd DIR is a config folder benchmarks/ writes
COMPOSE = [(c, p) for c in COMMANDS if c not in TEMPLATES and " -cd DIR " not in c for p in c.split(" && ") if _composable(p)]


def _absent_marks(command: str) -> list:
    """Skips for a command whose extra or data is not here (its input is looked for before any job, also by --cfg)."""
    marks = []
    if "hydra/launcher=ray" in command and not RAY:
        marks.append(pytest.mark.skip(reason="the ray extra is not installed (pip install -e '.[ray]')"))
    if any(s in command for s in NEEDS_SHARED) and not SHARED_DATA.is_dir():
        marks.append(pytest.mark.skip(reason=f"{SHARED_DATA} is absent (the project workspace's shared data)"))
    return marks


# the keys naming an input (a file or folder) that a task's pre-check looks for, with the placeholder a doc writes
INPUT_KEY = re.compile(r"(?:^|\s)\+?(data\.dir|series|dataset\.path|risk\.input\.path|simulator\.path|optimize\.decision\.price_path|"
                       r"cost_data\.path|cobweb\.path|rolling\.path|minelib\.path|loop\.surrogates_from|factors\.extract\.corpus|"
                       r"factors\.sources\.(?:data|text))=([^\s,]+)")


@pytest.mark.slow
@pytest.mark.parametrize("command, part", [pytest.param(c, p, marks=_absent_marks(c), id=p[:60]) for c, p in COMPOSE])
def test_a_docs_command_composes(command, part, tmp_path):
    for key, path in INPUT_KEY.findall(_one_job(part)):  # the pre-check refuses an input that is not there
        placeholder = tmp_path / path
        if placeholder.suffix:  # T.parquet, my.jsonl: a file
            placeholder.parent.mkdir(parents=True, exist_ok=True)
            placeholder.touch()
        elif key != "series":  # MINE/, DIR, runs/survey_q1: a folder (a series without a suffix is a named one)
            placeholder.mkdir(parents=True, exist_ok=True)
    code, output = in_process(_one_job(part) + " --cfg job", tmp_path)
    assert code == 0 and output.startswith("task_name:"), f"{COMMANDS[command]}: {part}\n{output[-2000:]}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("docs")  # a fresh folder: what a command writes stays here


def _newest_run(workdir: Path, task: str) -> str:
    """The newest run folder of a task that finished (status.json says ok), one of its defaults
    (`minectl cost`, no overrides) first: what a doc's `outputs/cost/DATE/TIME` stands for."""
    runs = [run for run in workdir.glob(f"outputs/{task}/*/*") if json.loads((run / "status.json").read_text())["status"] == "ok"]
    assert runs, f"no finished `minectl {task}` run in {workdir}"
    return str(max(runs, key=lambda run: ((run / ".hydra" / "overrides.yaml").read_text().strip() == "[]", str(run))))


def _run_marks(command: str) -> list:
    marks = [pytest.mark.slow, *_absent_marks(command)]
    if command in BY_HAND or command in TEMPLATES:
        marks.append(pytest.mark.skip(reason=BY_HAND.get(command) or TEMPLATES[command]))
    return marks


@pytest.mark.parametrize("command", [pytest.param(c, marks=_run_marks(c), id=f"{COMMANDS[c]}:{c[:60]}") for c in COMMANDS])
def test_a_docs_command_runs_as_written(command, workdir):
    command_line = RUN_AS.get(command, command)
    for task in re.findall(r"\{(\w+)\}", command_line):
        command_line = command_line.replace(f"{{{task}}}", _newest_run(workdir, task))
    done = subprocess.run(["bash", "-c", command_line], cwd=workdir, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, f"{COMMANDS[command]}: {command_line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.mark.parametrize("command, error", quoted_errors() + [p for text in DOCS.values() for p in error_examples(text)])
def test_a_docs_error_example_prints_that_error(command, error, tmp_path):
    readme.test_a_readme_error_example_prints_that_error(command, error, tmp_path)  # one line, exit 2, no run folder
