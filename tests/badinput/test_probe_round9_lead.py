"""Probe round 9, the lead's part: overrides of the wrong type, and an empty currency.

OmegaConf's words for a mistyped override (`Error merging override seed=x Value 'x' of type 'str'
could not be converted to Integer`) named the override but not what the key takes; they now say both.
`costs.currency=` (empty) was refused for the money resources' exchange rate, in words that named an
empty currency as if it were one.
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("override, expect", [
    ("seed=abc", "seed=abc: not an integer; expected an integer, e.g. seed=3"),
    ("seed=1.5", "seed=1.5: not an integer; expected an integer, e.g. seed=3"),
    ("cost.outlier_sigma=[1]", "cost.outlier_sigma=[1]: not a number; expected a number, e.g. cost.outlier_sigma=0.5"),
    ("cost.event_maintenance=maybe", "cost.event_maintenance=maybe: not a flag; expected true or false"),
    ("cost.rolling_mean=abc", "cost.rolling_mean=abc: not a list; expected a list in brackets, e.g. cost.rolling_mean=[a,b]"),
    ("costs.currency=[1]", "costs.currency=[1]: not text; expected text, e.g. costs.currency=abc"),
    ("seed=null", "seed=null: the key cannot be null; expected a value of its type"),
    ("costs.currency=", "costs.currency: empty; expected the currency of the prices, e.g. CNY or USD"),
    ("costs.currency=' '", "costs.currency: empty; expected the currency of the prices, e.g. CNY or USD"),
])
def test_a_mistyped_or_empty_value_names_what_the_key_takes(tmp_path, override, expect):
    from harness import invoke

    result = invoke("cost", override, f"hydra.run.dir={tmp_path / 'run'}")
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {expect}"
    assert not (tmp_path / "run").exists()


def test_a_mistyped_value_in_a_sweep_is_named_before_any_job(tmp_path):
    from harness import invoke

    result = invoke("cost", "-m", "seed=1,2,x", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.exit_code == 2 and result.output.strip() == "error: seed=x: not an integer; expected an integer, e.g. seed=3"
    assert not (tmp_path / "sweep").exists()
