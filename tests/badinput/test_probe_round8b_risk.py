"""Bad-input corpus, round 8b: `minectl risk` label and config leftovers.
Before: text labels padded by an export (' yes') were refused with risk.labels.names=[no,yes] while a
padded number (' 1') read as 1; a csv's 0.0/1.0 labels were refused with risk.labels.names=[0,1]
("holds '0.0'") though they read as levels without names; 'Yes' beside 'yes' was refused without
saying that names match letter case; risk.leakage.limit=0 was taken and named every feature as a leak;
a text id in risk.input.categorical became one one-hot feature a row, without a word; and under
risk.split=cv, which refuses a time column, the refusal of a row-number column offered one.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from case_tables import case_keys, case_rows
from harness import assert_refused, invoke

CASE_KEYS = ["debug=quick", *case_keys("hazard", folds=2)]


def _cases(n: int = 40) -> pl.DataFrame:
    return case_rows(n, every=4, label="hazard", digits=4)


def _csv(frame: pl.DataFrame, path: Path, hazard: list[str] | None = None) -> Path:
    """``frame`` as a csv; ``hazard``: the label cells as written (padding kept: polars would quote nothing)."""
    if hazard is None:
        frame.write_csv(path)
        return path
    rows = [",".join(map(str, row)) for row in frame.drop("hazard").rows()]
    lines = [f"{r},{h}\n" for r, h in zip(rows, hazard, strict=True)]
    path.write_text(",".join([*frame.drop("hazard").columns, "hazard"]) + "\n" + "".join(lines))
    return path


def _said_once(args: list[object], run: Path) -> str:
    """The one line of a refusal, whole: assert_refused tells only what it contains."""
    result = invoke("risk", *CASE_KEYS, *args, f"hydra.run.dir={run}")
    assert result.exit_code == 2
    return " ".join(result.output.split())


def _test_metrics(args: list[object], run: Path) -> dict:
    result = invoke("risk", *CASE_KEYS, *args, f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    return json.loads((run / "metrics.json").read_text())


# ------------------------------------------------------ labels as written by other tools

def test_text_labels_padded_by_an_export_read_as_the_names(tmp_path):
    # before: "column 'hazard' holds ' no', which is not in risk.labels.names ['no', 'yes']"
    frame = _cases()
    words = ["yes" if v else "no" for v in frame["hazard"]]
    padded = _csv(frame, tmp_path / "padded.csv", [f" {w}" for w in words])
    plain = _csv(frame, tmp_path / "plain.csv", words)
    names = "risk.labels.names=[no,yes]"
    expected = _test_metrics([f"risk.input.path={plain}", names], tmp_path / "plain")
    assert _test_metrics([f"risk.input.path={padded}", names], tmp_path / "padded") == expected
    assert expected == _test_metrics([f"risk.input.path={_csv(frame, tmp_path / 'levels.csv')}"], tmp_path / "levels")
    assert (expected["cv.rows"], expected["test.recall_macro"], expected["test.auc"]) == (40, 0.7, 0.8466666666666667)


def test_a_label_in_another_letter_case_is_refused_saying_names_match_case(tmp_path):
    frame = _cases()
    words = ["yes" if v else "no" for v in frame["hazard"]]
    words[8] = "Yes"
    path = _csv(frame, tmp_path / "cases.csv", words)
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", "risk.labels.names=[no,yes]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk labels: column 'hazard' holds 'Yes', which is not in risk.labels.names ['no', 'yes'] (names match letter case: "
                   "it is not 'yes'); expected one of them in every row", inputs=[path], run_dir=tmp_path / "run")


def test_whole_number_float_labels_read_as_integer_names(tmp_path):
    # before: "column 'hazard' holds '0.0', which is not in risk.labels.names ['0', '1']"
    frame = _cases()
    path = _csv(frame.with_columns(pl.col("hazard").cast(pl.Float64)), tmp_path / "floats.csv")
    assert "0.0" in path.read_text()
    expected = _test_metrics([f"risk.input.path={path}"], tmp_path / "levels")
    assert _test_metrics([f"risk.input.path={path}", "risk.labels.names=[0,1]"], tmp_path / "names") == expected


def test_fractional_float_labels_are_still_refused_with_names(tmp_path):
    path = _csv(_cases().with_columns(pl.col("hazard").cast(pl.Float64) / 2), tmp_path / "halves.csv")
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", "risk.labels.names=[0,1]", f"hydra.run.dir={tmp_path / 'run'}"],
                   "risk labels: column 'hazard' holds '0.5', which is not in risk.labels.names ['0', '1']; expected one of them in "
                   "every row", inputs=[path], run_dir=tmp_path / "run")


# ------------------------------------------------------ the leakage limit above chance

def test_a_leakage_limit_at_or_below_chance_is_refused(tmp_path):
    # before: limit 0 ran and named x and y as leaks
    path = _csv(_cases(), tmp_path / "cases.csv")
    for limit, chance, levels in (("0", "0.5", 2), ("0.5", "0.5", 2), ("0.3", "0.333", 3)):
        assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", f"risk.leakage.limit={limit}", f"risk.labels.levels={levels}",
                        f"hydra.run.dir={tmp_path / 'run'}"],
                       f"risk.leakage.limit: {limit}; expected a balanced accuracy above chance ({chance} for {levels} levels, "
                       "risk.labels.levels) up to 1", inputs=[path], run_dir=tmp_path / "run")


# ------------------------------------------------------ an id is no category

def test_a_categorical_column_of_one_value_a_row_is_refused(tmp_path):
    # before: 40 one-hot features 'sample=s000' ..., each naming one row
    path = _csv(_cases().with_columns(sample=pl.format("s{}", pl.int_range(pl.len()) + 100)).select("x", "y", "sample", "hazard"),
                tmp_path / "cases.csv")
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", "risk.input.categorical=[sample]", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: categorical column 'sample' holds a different value in each of its 40 rows (e.g. 's100': an id, not a "
                   "category?); expected values that rows share, or the column out of risk.input.categorical and in "
                   "risk.features.exclude (not a feature)", inputs=[path], run_dir=tmp_path / "run")


def test_a_categorical_column_of_few_rows_each_its_own_value_is_taken(tmp_path):
    frame = _cases(19).with_columns(kind=pl.format("k{}", pl.int_range(pl.len())))
    path = _csv(frame.select("x", "y", "kind", "hazard"), tmp_path / "cases.csv")
    metrics = _test_metrics([f"risk.input.path={path}", "risk.input.categorical=[kind]", "risk.val_fraction=0.4"], tmp_path / "run")
    assert metrics["data.indicators"] == 2 + 19


# ------------------------------------------------------ a case table's refusals offer no time column

def test_a_row_number_column_of_a_case_table_is_refused_without_offering_a_time_column(tmp_path):
    path = _csv(_cases().with_row_index("row"), tmp_path / "cases.csv")
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: column 'row' numbers the rows (0..39: an id or index?); expected measurements as indicators: the column "
                   "in risk.features.exclude", inputs=[path], run_dir=tmp_path / "run")
    # before: "..., or risk.time.column=row", which risk.split=cv refuses
    assert _said_once([f"risk.input.path={path}"], tmp_path / "again").endswith("the column in risk.features.exclude")


def test_a_date_column_of_a_case_table_is_refused_without_offering_a_time_column(tmp_path):
    import datetime as dt

    frame = _cases().with_columns(day=pl.date_range(dt.date(2024, 1, 1), dt.date(2024, 2, 9), eager=True))
    path = tmp_path / "cases.parquet"
    frame.write_parquet(path)
    assert_refused(["risk", *CASE_KEYS, f"risk.input.path={path}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: column 'day' holds Date values, which are no feature; expected numbers, or the column in "
                   "risk.features.exclude (not a feature)", inputs=[path], run_dir=tmp_path / "run")
    # before: "..., or risk.time.column=day (rows are in file order without it)"
    assert _said_once([f"risk.input.path={path}"], tmp_path / "again").endswith("risk.features.exclude (not a feature)")
