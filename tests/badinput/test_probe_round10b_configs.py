"""Probe round 10b, configs: what a user's `-cd` folder, experiment or `data synth` says that was ignored or ended
in a traceback.

`minectl demo -cd DIR` with DIR/cost.yaml (demo's defaults list names `cost`) composed the packaged cost.yaml:
the user's seed 77 ran as 0, exit 0 (only DIR/demo.yaml was refused). A group file extending a packaged one with
`defaults: [_self_, default]` had its own values merged first and default's over them: costs/mine.yaml's
`cost_objects: [stage]` ran as [stage, mine, product], exit 0. `override /data: [parquet_dir, synthetic]` in an
experiment merged both data configs, exit 0 (refused on the command line since round 10). A `# @package _global_` line under a first comment
is not read by Hydra (the keys land under the group's name); a header Hydra cannot parse was said without the
file's name. `seed=${now:%S}` (or a `${now:...}` anywhere in the task's config) ran with the time of the run and
was saved as written, so `minectl verify` replayed another value: 26 of 30 metrics differ, with no word of why.
`minectl data synth --start 9999-06-01` (and `data.synthetic.start=9999-12-01` in a run) ended in Python's
ValueError/OverflowError traceback (dates end with 9999); `data synth --out .` in an empty folder said "Device or
resource busy" and left an empty `..old-<pid>` folder in it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import assert_refused, invoke

CONF = Path(__file__).resolve().parents[2] / "conf"


def _config_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, content in files.items():
        file = tmp_path / "cd" / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(content)
    return tmp_path / "cd"


# ------------------------------------------------------------------ a -cd file that Hydra never reads


def test_a_primary_config_that_another_command_composes_is_refused(tmp_path):
    config_dir = _config_dir(tmp_path, {"cost.yaml": (CONF / "cost.yaml").read_text().replace("seed: 0", "seed: 77")})
    run = tmp_path / "run"
    assert_refused(["demo", "-cd", config_dir, f"hydra.run.dir={run}"],
                   f"{config_dir / 'cost.yaml'}: minectl's own cost.yaml is composed instead (packaged configs come first in "
                   "Hydra's search path), so this file would be ignored; expected config groups (data/, costs/, ...) or an "
                   "experiment (experiment/NAME.yaml, chosen with +experiment=NAME)", inputs=[config_dir], run_dir=run)


def test_a_copy_of_a_packaged_primary_config_still_passes(tmp_path):
    config_dir = _config_dir(tmp_path, {"cost.yaml": (CONF / "cost.yaml").read_text(),
                                        "experiment/x.yaml": "# @package _global_\nseed: 77\n"})
    result = invoke("demo", "-cd", config_dir, "+experiment=x", "--cfg", "job")
    assert result.exit_code == 0, result.output
    assert "seed: 77" in result.output


# ------------------------------------------------------------------ _self_ before an entry that overrides the file


def test_a_value_that_an_entry_after_self_replaces_is_refused(tmp_path):
    config_dir = _config_dir(tmp_path, {"costs/mine.yaml": "defaults:\n  - _self_\n  - default\ncost_objects: [stage]\n"})
    run = tmp_path / "run"
    assert_refused(["cost", "-cd", config_dir, "costs=mine", f"hydra.run.dir={run}"],
                   [f"{config_dir / 'costs' / 'mine.yaml'}: cost_objects: ['stage'] is replaced by ['stage', 'mine'] "
                    "from ['default'] (listed after _self_", "expected _self_ last in the defaults list"],
                   inputs=[config_dir], run_dir=run)


@pytest.mark.parametrize("content", [
    "defaults:\n  - default\n  - _self_\ncost_objects: [stage]\n",  # _self_ last: the file's value wins
    "defaults:\n  - _self_\n  - default\ncost_objects: [stage, mine]\n",  # the same value: nothing is lost
    "defaults:\n  - _self_\n  - default\nresources: {}\n",  # an empty map sets nothing
])
def test_self_last_or_nothing_replaced_still_passes(tmp_path, content):
    config_dir = _config_dir(tmp_path, {"costs/mine.yaml": content})
    result = invoke("cost", "-cd", config_dir, "costs=mine", "--cfg", "job")
    assert result.exit_code == 0, result.output
    objects = "cost_objects:\n  - stage\n  intensities" if "[stage]" in content else "cost_objects:\n  - stage\n  - mine"
    assert objects in result.output


def test_an_optional_interpolated_entry_after_self_still_passes(tmp_path):
    """forecaster/lstm.yaml's `_self_` first, then `optional /debug/forecast/lstm: ${debug}`: debug=quick overrides it
    on purpose, in a copy too."""
    config_dir = _config_dir(tmp_path, {"forecaster/my_lstm.yaml": (CONF / "forecaster" / "lstm.yaml").read_text()})
    result = invoke("forecast", "-cd", config_dir, "forecaster=[naive,my_lstm]", "debug=quick", "--cfg", "job")
    assert result.exit_code == 0, result.output
    assert "max_epochs: 2" in result.output


# ------------------------------------------------------------------ a list for a group that takes one option


def test_a_list_of_options_in_an_experiments_defaults_is_refused(tmp_path):
    config_dir = _config_dir(tmp_path, {"experiment/x.yaml": "# @package _global_\ndefaults:\n"
                                                              "  - override /data: [parquet_dir, synthetic]\n"})
    run = tmp_path / "run"
    assert_refused(["cost", "-cd", config_dir, "+experiment=x", f"hydra.run.dir={run}"],
                   f"{config_dir / 'experiment' / 'x.yaml'}: defaults 'override /data: [parquet_dir, synthetic]': data takes "
                   "one option (a list merges them into one config, the last one's keys winning); expected one, e.g. "
                   "override /data: synthetic, or a sweep over each: -m data=parquet_dir,synthetic",
                   inputs=[config_dir], run_dir=run)


def test_a_list_for_a_group_whose_options_combine_still_passes(tmp_path):
    config_dir = _config_dir(tmp_path, {"experiment/x.yaml": "# @package _global_\ndefaults:\n"
                                                              "  - override /forecaster: [naive, arima]\n"})
    result = invoke("forecast", "-cd", config_dir, "+experiment=x", "--cfg", "job")
    assert result.exit_code == 0, result.output
    assert "arima:" in result.output and "lstm:" not in result.output


# ------------------------------------------------------------------ the # @package header


@pytest.mark.parametrize("content, expect", [
    ("# the mine of 2024\n# @package _global_\nname: m\ndir: x\n",
     "its '# @package' line (line 2) comes after other lines, and Hydra reads it only above the file's other comments and "
     "keys; expected it on the first line"),
    ("# @package _global_ data\nname: m\n",
     "Too many components in '@package _global_ data'; expected a header line '# @package NAME' (e.g. # @package _global_)"),
])
def test_a_package_header_hydra_does_not_read_is_refused_naming_the_file(tmp_path, content, expect):
    config_dir = _config_dir(tmp_path, {"data/m.yaml": content})
    run = tmp_path / "run"
    assert_refused(["cost", "-cd", config_dir, "data=m", f"hydra.run.dir={run}"], f"{config_dir / 'data' / 'm.yaml'}: {expect}",
                   inputs=[config_dir], run_dir=run)


def test_a_header_above_other_comments_still_passes(tmp_path):
    config_dir = _config_dir(tmp_path, {"experiment/x.yaml": "\n# @package _global_\n# my experiment\n# @package is first\nseed: 5\n"})
    result = invoke("cost", "-cd", config_dir, "+experiment=x", "--cfg", "job")
    assert result.exit_code == 0, result.output
    assert "seed: 5" in result.output


# ------------------------------------------------------------------ ${now:...} in the task's config


def test_the_time_of_the_run_in_a_task_value_is_refused(tmp_path):
    run = tmp_path / "run"
    assert_refused(["cost", "debug=quick", "seed=${now:%S}", f"hydra.run.dir={run}"],
                   "seed=${now:%S}: takes the time of the run, another value at each run, so its figures cannot be "
                   "reproduced (minectl verify replays the config as written); expected the value written out", run_dir=run)
    assert not run.exists()


def test_the_time_of_the_run_in_an_experiment_file_is_refused(tmp_path):
    config_dir = _config_dir(tmp_path, {"experiment/x.yaml": "# @package _global_\ndata:\n  dir: /exports/${now:%Y%m%d}\n"})
    assert_refused(["cost", "-cd", config_dir, "+experiment=x", "data=parquet_dir", f"hydra.run.dir={tmp_path / 'run'}"],
                   "data.dir=/exports/${now:%Y%m%d}: takes the time of the run", inputs=[config_dir])


def test_the_time_in_the_run_folders_name_still_passes(tmp_path):
    result = invoke("cost", "debug=quick", f"hydra.run.dir={tmp_path}/" + "${now:%Y-%m-%d_%H-%M-%S}")
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*/metrics.json"))) == 1


def test_an_escaped_now_is_text_not_the_time():
    from omegaconf import OmegaConf

    from minectl.constraints import check_config

    check_config(OmegaConf.create({"note": "\\${now:%Y}"}))  # resolves to the text ${now:%Y}: passes


# ------------------------------------------------------------------ data synth


@pytest.mark.parametrize("start, years", [("9999-06-01", "2"), ("9999-12-01", "0.1"), ("9998-02-28", "1.9")])
def test_synth_past_the_last_date_is_one_line(tmp_path, start, years):
    out = tmp_path / "out"
    assert_refused(["data", "synth", "--out", out, "--start", start, "--years", years],
                   f"start {start} and years {years}: run past 9999-12-31, the last date there is; expected an earlier "
                   "start or fewer years", in_process=False)  # said by main(), as every error of data synth
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_run_on_a_synthetic_mine_past_the_last_date_is_one_line(tmp_path):
    run = tmp_path / "run"
    assert_refused(["cost", "debug=quick", "data.synthetic.start=9999-12-01", f"hydra.run.dir={run}"],
                   "start 9999-12-01 and years 0.5: run past 9999-12-31", run_dir=run, in_process=False)


def test_synth_up_to_the_last_date_still_writes(tmp_path):
    import polars as pl

    out = tmp_path / "out"
    result = invoke("data", "synth", "--out", out, "--start", "9999-11-01", "--years", "0.1")
    assert result.exit_code == 0, result.output
    dates = pl.read_parquet(out / "production.parquet")["date"]
    assert str(dates.min()) == "9999-11-01" and str(dates.max()) == "9999-12-06"


@pytest.mark.parametrize("out", [".", "../here"])
def test_synth_into_the_current_folder_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, out):
    """Its replace failed (EBUSY) after an empty `..old-<pid>` folder was made in it, left there."""
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert_refused(["data", "synth", "--out", out, "--years", "0.1"],
                   f"out_dir: {out} is or holds the current folder, which cannot be replaced; expected a folder below it",
                   in_process=False)
    assert not list((tmp_path / "here").iterdir()) and sorted(p.name for p in tmp_path.iterdir()) == ["here"]
