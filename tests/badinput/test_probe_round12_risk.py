"""Bad-input corpus, round 12: `minectl risk` and `minectl risk predict` on tables other people bring.

Before: the refusal of repeated times counted every repeated row as sharing the first time ("120 rows
share a time" for 2 machines x 60 hours); risk.labels.names=[yes,no] (the order a sort or a value count
gives) made 'no' the high-risk level, and every figure of 'high' was measured on the safe rows, unsaid;
`risk predict` of new rows holding a 'step' column hinted risk.time.column, a key predict does not take;
a typed zoned time column (pandas' tz-aware stamps in a parquet) was refused while the same stamps as
zoned text were read; true/false given for a number of a model (model.params.n_estimators=true) fitted a
forest of one tree (LightGBM: a traceback mid-fit).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from harness import QUICK_RISK, assert_refused, invoke
from omegaconf import OmegaConf

from minectl.errors import ConfigError, DataError
from minectl.estimators import build
from minectl.risk.labels import column_labels
from minectl.risk.timeaxis import order_by_time, parse_time
from minectl.tasks import risk as risk_task
from minectl.tasks.risk import Config, check

KEYS = [*QUICK_RISK, "report=false", "risk.input.kind=table", "risk.labels.column=class", "risk.labels.levels=2", "risk.window=3",
        "risk.primary_lead=0", "risk.leakage.enabled=false"]


def _shifts(n: int = 120) -> pl.DataFrame:
    """A persistent hazard (20 % of rows, class 1), x leaning to it, y noise."""
    rng = np.random.default_rng(0)
    z = np.zeros(n)
    for t in range(1, n):
        z[t] = 0.8 * z[t - 1] + rng.normal()
    return pl.DataFrame({"x": np.round(z + rng.normal(size=n), 4), "y": np.round(rng.normal(size=n), 4),
                         "class": (z > np.quantile(z, 0.8)).astype(int)})


SHIFTS = _shifts()


def _run(path: Path, run: Path, *extra: str) -> dict:
    result = invoke("risk", *KEYS, f"risk.input.path={path}", *extra, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> tuple[Path, dict]:
    """The shifts as csv (labels 0/1), and the folder of their run."""
    root = tmp_path_factory.mktemp("plain")
    SHIFTS.write_csv(root / "shifts.csv")
    return root, _run(root / "shifts.csv", root / "run")


# ------------------------------------------------------------ repeated times counted as they are

def test_repeated_times_are_counted_truly():
    frame = pl.DataFrame({"t": [0, 0, 1, 1, 2, 2, 3, 4], "x": [float(v) for v in range(8)]})
    # before: "repeats 0 (6 rows share a time)": 2 rows share 0; 6 rows sit at 3 repeated times
    with pytest.raises(DataError, match=r"time column 't' repeats 0 \(2 rows share a time; 6 rows at 3 times in all\); expected"):
        order_by_time(frame, "t", None, 8.0, "f.csv")
    with pytest.raises(DataError, match=r"repeats 1 \(3 rows share a time\); expected"):  # one time: nothing more to say
        order_by_time(pl.DataFrame({"t": [0, 1, 1, 1, 2], "x": [1.0] * 5}), "t", None, 8.0, "f.csv")
    merged, _, report = order_by_time(frame, "t", None, 8.0, "f.csv", repeated="mean")
    assert merged["x"].to_list() == [0.5, 2.5, 4.5, 6.0, 7.0] and report.merged == 3


# ------------------------------------------------------------ label names that read from high to low

def _checked(path: Path, names: list[str], high: str | None = None) -> None:
    """minectl.tasks.risk.check of a table run on ``path`` with label ``names`` (and ``high``)."""
    cfg = OmegaConf.structured(Config)
    cfg.risk.input.kind, cfg.risk.input.path = "table", str(path)
    cfg.risk.labels.column, cfg.risk.labels.levels, cfg.risk.labels.names, cfg.risk.labels.high = "class", 2, names, high
    check(cfg)


def test_label_names_from_high_to_low_are_refused_in_one_line(tmp_path):
    # before: exit 0, 'yes' read as level 0 (low): every figure of 'high' measured on the 'no' rows
    path = tmp_path / "shifts.csv"
    SHIFTS.write_csv(path)
    assert_refused(["risk", *KEYS, f"risk.input.path={path}", "risk.labels.names=[yes,no]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk.labels.names: ['yes', 'no'] lists 'yes' below 'no' in risk; expected the names from low to high risk "
                   "('no' before 'yes'), or risk.labels.high=no where 'no' is the high-risk label", inputs=[path],
                   run_dir=tmp_path / "run")


@pytest.mark.parametrize(("names", "high", "expect"), [
    (["True", "False"], None, "lists 'True' below 'False' in risk"),  # what the command line's [true,false] arrives as
    (["hazardous", "safe"], None, "lists 'hazardous' below 'safe' in risk"),
    (["1", "0"], None, "lists '1' below '0' in risk; expected the names from low to high risk ('0' before '1'), or "
                       "risk.labels.high=0"),
    (["no", "yes"], "no", "risk.labels.high: 'no' is not the last of risk.labels.names ['no', 'yes']; expected the high-risk "
                          "label, listed last"),
    ([], "1", "risk.labels.high: '1' is set without risk.labels.names; expected the high-risk label"),
], ids=["true-false", "hazardous-safe", "1-0", "high-not-last", "high-without-names"])
def test_label_names_that_read_from_high_to_low_are_refused(names, high, expect, plain):
    with pytest.raises(ConfigError, match=re.escape(expect)):
        _checked(plain[0] / "shifts.csv", names, high)


def test_a_safe_column_confirmed_by_its_high_label_reads_its_levels(plain):
    """A column `safe` (yes: low risk) with names=[yes,no] and high=no passes the check, and reads 'no' as the high level."""
    _checked(plain[0] / "shifts.csv", ["yes", "no"], "no")
    safe = SHIFTS.with_columns(pl.col("class").replace_strict({0: "yes", 1: "no"}, return_dtype=pl.String))
    assert column_labels(safe, "class", 2, ["yes", "no"]).tolist() == SHIFTS["class"].to_list()


@pytest.mark.parametrize("names", [["no", "yes"], ["false", "true"], ["0", "1"], ["1", "2"], ["2", "10"], ["safe", "hazardous"],
                                   ["Light_Load", "Maximum_Load"], ["calm", "watch", "danger"], ["low", "medium", "high"]])
def test_label_names_from_low_to_high_pass(names):
    assert risk_task._names_reversed(names) is None


# ------------------------------------------------------------ predict of rows holding a 'step' column

def test_predict_of_rows_with_a_step_column_hints_what_predict_takes(plain, tmp_path):
    root, _ = plain
    path = tmp_path / "new.csv"
    SHIFTS.with_columns(step=pl.int_range(pl.len())).write_csv(path)
    # before: "expected risk.time.column=step where it orders the rows": predict takes risk.input.* and out= only
    line = assert_refused(["risk", "predict", root / "run", f"risk.input.path={path}", f"out={tmp_path / 'p.parquet'}"],
                          "column 'step' is the name of the row order added without risk.time.column; expected the column "
                          "under another name (the run read its rows in file order, which the scores number as 'step')",
                          inputs=[path, root / "run"])
    assert "risk.time.column=step" not in line
    renamed = tmp_path / "renamed.csv"  # as the hint says: the scores of the rows without the column
    SHIFTS.with_columns(shift_no=pl.int_range(pl.len())).write_csv(renamed)
    for source, out in ((renamed, "renamed.parquet"), (root / "shifts.csv", "plain.parquet")):
        result = invoke("risk", "predict", root / "run", f"risk.input.path={source}", f"out={tmp_path / out}")
        assert result.exit_code == 0, result.output
    assert pl.read_parquet(tmp_path / "renamed.parquet").equals(pl.read_parquet(tmp_path / "plain.parquet"))


# ------------------------------------------------------------ a typed zoned time column

def test_a_zoned_time_column_is_read_at_its_wall_time():
    # before: "time column 'ts' holds times with a zone (Europe/Warsaw); expected naive local time", while the same
    # stamps as zoned text ('2024-03-01T00:00:00+01:00') were read at their wall time
    days = pl.datetime_range(dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 5), "1d", eager=True).alias("ts")
    assert parse_time(days.dt.replace_time_zone("Europe/Warsaw"), "f").to_list() == days.to_list()
    as_text = pl.Series("ts", [f"{d:%Y-%m-%dT%H:%M:%S}+01:00" for d in days.to_list()])
    assert parse_time(as_text, "f").to_list() == days.to_list()
    # hourly rows across Warsaw's fall-back (2024-10-27, 02:00 twice): UTC moments, 7 steps of one hour, no repeat
    utc = pl.datetime_range(dt.datetime(2024, 10, 26, 22), dt.datetime(2024, 10, 27, 4), "1h", eager=True, time_zone="UTC")
    frame = pl.DataFrame({"ts": utc.dt.convert_time_zone("Europe/Warsaw"), "x": [float(v) for v in range(7)]})
    ordered, frequency, report = order_by_time(frame, "ts", None, 8.0, "f")
    assert ordered["ts"].to_list() == [dt.datetime(2024, 10, 26, 22) + dt.timedelta(hours=h) for h in range(7)]
    assert (frequency.text, report.gaps, report.irregular, report.reordered) == ("1h", 0, 0, 0)


# ------------------------------------------------------------ true/false for a model's number

@pytest.mark.parametrize(("target", "params", "expect"), [
    ("sklearn.ensemble.RandomForestClassifier", {"n_estimators": True},
     "model.params.n_estimators=true is invalid for RandomForestClassifier: a boolean, which would count as 1; expected an int "
     "in the range [1, inf)"),
    ("sklearn.linear_model.LogisticRegression", {"C": True}, "model.params.C=true is invalid for LogisticRegression"),
    ("sklearn.ensemble.RandomForestClassifier", {"max_depth": True}, "expected an int in the range [1, inf) or None"),
    ("minectl.models.boosting.LightGBMClassifier", {"n_estimators": True}, "invalid for LightGBMClassifier: a boolean"),
], ids=["rf-trees", "lr-C", "rf-depth", "lightgbm-trees"])
def test_a_boolean_for_a_model_number_is_refused(target, params, expect):
    # before: built (a forest of one tree, C=1, one epoch); LightGBM: "Parameter num_iterations should be of type int" mid-fit
    with pytest.raises(ConfigError, match=re.escape(expect)):
        build(target, params, "model")


def test_booleans_a_model_takes_and_numbers_still_build():
    forest = build("sklearn.ensemble.RandomForestClassifier", {"bootstrap": False, "n_estimators": 7, "max_depth": None}, "model")
    assert (forest.bootstrap, forest.n_estimators, forest.max_depth) == (False, 7, None)
    assert build("sklearn.linear_model.LogisticRegression", {"fit_intercept": False, "C": 0.5}, "model").C == 0.5
