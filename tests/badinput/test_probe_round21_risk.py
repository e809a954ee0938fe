"""Bad-input corpus, round 21: the honesty of `minectl risk`'s figures.

Before: with 4 or 5 levels, `robust.<mask|noise|fewer_low>.recall_high` and its delta were the recall of the level
named 'high' (the second from the top), while `lead_<h>.recall_high`, the table's 'recall high' and docs/risk.md say the
top level's (`very_high`): two figures of one name about two levels, unsaid. Now both are the top level's.
A rule label (risk/labels=rules) whose column had an empty value left for the median policy took NaN into every trailing
baseline the empty day fell in: the rule scored 0 on each of the next baseline_days days, which made them 'low', unsaid.
Now the baseline skips the empty day. `risk.robustness.low_drop_share=0.99` with model=svm refused the run, after all the
fits, as "svm: the rarest risk level has 2 training samples ... more rows", blaming data the main fit had plenty of; now
the line names the setting.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from harness import QUICK_RISK, assert_refused, invoke

from minectl.risk.labels import LabelRule, rule_levels

QUICK = [*QUICK_RISK, "report=false"]


def _metrics(args, run):
    result = invoke("risk", *args, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())


@pytest.mark.parametrize(("levels", "top"), [(4, "very_high"), (3, "high")])  # 3: the near miss, as before
def test_robustness_recall_high_is_the_top_levels(tmp_path, levels, top):
    m = _metrics([*QUICK, "risk.robustness.enabled=true", "risk/labels=quantiles", "risk.labels.column=unit_cost",
                  f"risk.labels.levels={levels}"], tmp_path / "run")
    assert m["lead_0.recall_high"] == m[f"test.recall.{top}"]
    for name in ("mask", "noise", "fewer_low"):
        assert m[f"robust.{name}.delta_recall_high"] == pytest.approx(m[f"robust.{name}.recall_high"] - m["lead_0.recall_high"])


def test_a_rule_baseline_skips_an_empty_day():
    values = np.r_[np.linspace(10, 10.5, 60), 14.0, np.linspace(10, 10.5, 20)]  # a jump on day 60
    gapped = values.copy()
    gapped[50] = np.nan  # a day left empty for the median policy, inside day 60's baseline
    rule = LabelRule("unit_cost")
    full, gap = rule_levels(values, rule, 30), rule_levels(gapped, rule, 30)
    assert full[60] == gap[60] == 2
    assert gap[50] == 0  # no value, no points


def _rule_table(path, gap: bool):
    rng = np.random.default_rng(21)
    x = rng.normal(size=400)
    cost = 10 + np.convolve(x, [1, 1, 1], "same") + rng.normal(0, 0.5, 400)
    if gap:
        cost[[50, 150, 250]] = np.nan
    pl.DataFrame({"step": np.arange(400), "x": np.round(x, 6), "unit_cost": np.round(cost, 6)}).write_csv(path)
    return path


def test_rule_labels_with_a_median_column_are_those_of_the_full_table(tmp_path):
    rules = [*QUICK, "risk.input.kind=table", "risk.time.column=step", "risk.window=3", "risk/labels=rules",
             "risk.labels.rules=[{column: unit_cost, medium: 1.0, high: 2.0}]", "risk.labels.high_score=2",
             "risk.features.exclude=[]"]
    full = _metrics([*rules, f"risk.input.path={_rule_table(tmp_path / 'full.csv', False)}"], tmp_path / "full")
    gapped = _metrics([*rules, f"risk.input.path={_rule_table(tmp_path / 'gap.csv', True)}",
                       "+risk.missing.columns.unit_cost=median"], tmp_path / "gap")
    shares = [{k: v for k, v in m.items() if k.startswith("class_share")} for m in (full, gapped)]
    assert shares[0] == shares[1]


SVM = [*QUICK, "model=svm", "risk.robustness.enabled=true"]


def test_a_robustness_refit_the_model_cannot_fit_names_low_drop_share(tmp_path):
    assert_refused(["risk", *SVM, "risk.robustness.low_drop_share=0.99", f"hydra.run.dir={tmp_path / 'run'}"],
                   ["risk.robustness.low_drop_share=0.99 leaves 2 of the", "robustness refit", "expected a smaller share"],
                   run_dir=tmp_path / "run")


def test_the_default_low_drop_share_refits_an_svm(tmp_path):  # the near miss
    m = _metrics([*SVM], tmp_path / "run")
    assert np.isfinite(m["robust.fewer_low.f1_macro"])
