"""Probe round 10, the lead's part: a config group given null, or a list where it takes one option.

`data=[parquet_dir,synthetic]` merged both data configs into one, the last one's keys winning, and
the run went on with the synthetic mine, exit 0: the user had meant a sweep (`-m data=a,b`) or one
of them. `model=null` was Hydra's "Config group override must be a string or a list. Got NoneType".
A group whose options are meant to be combined (`forecaster=[naive,arima]`) still takes a list.
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("task, override, expect", [
    ("cost", "data=[parquet_dir,synthetic]",
     "data=[parquet_dir,synthetic]: data takes one option (a list merges them into one config, the last one's keys "
     "winning); expected one, e.g. data=synthetic, or a sweep over each: -m data=parquet_dir,synthetic"),
    ("cost", "costs=[taconite,default]",
     "costs=[taconite,default]: costs takes one option (a list merges them into one config, the last one's keys "
     "winning); expected one, e.g. costs=default, or a sweep over each: -m costs=taconite,default"),
    ("risk", "model=null", "model=null: model is a config group; expected one of its options: lightgbm, lr, lstm, lstm_rf, rf, svm"),
    ("risk", "risk/labels=null",
     "risk/labels=null: risk/labels is a config group; expected one of its options: column, quantiles, rules, thresholds"),
])
def test_a_group_given_null_or_a_list_of_options_is_refused(tmp_path, task, override, expect):
    from harness import assert_refused

    run = tmp_path / "run"
    assert assert_refused([task, override, f"hydra.run.dir={run}"], expect, run_dir=run) == f"error: {expect}"


def test_a_list_stays_valid_for_a_group_whose_options_combine(tmp_path):
    import json

    from harness import invoke

    result = invoke("forecast", "forecaster=[naive,seasonal_naive]", "debug=quick", f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert {"backtest.mae.naive", "backtest.mae.seasonal_naive"} <= set(metrics)
    assert not any(key.endswith((".arima", ".lstm")) for key in metrics)


def test_a_sweep_over_a_groups_options_is_not_taken_for_null(tmp_path):
    from harness import QUICK_RISK, invoke

    quick = [o for o in QUICK_RISK if not o.startswith("model=")]
    result = invoke("risk", "-m", *quick, "model=glob(l*)", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir() if p.is_dir() and p.name.isdigit()) == ["0", "1", "2", "3"]
