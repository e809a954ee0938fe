"""Probe round 8, the cost-factor graph and extraction (helper H6).

(1) The entropy method's matrix and factors table were read by bare `pl.read_csv`: a text column
beside the indicators (`name,F1,F2`) and a semicolon-separated matrix ended in a ValueError
traceback, a header naming `F1` twice ran on as `F1` and `F1_duplicated_0` (exit 0), and a factors
table without `entropy_weight`/`node_value` was a ColumnNotFoundError after every embedding had
trained; an empty factor name ran as a factor of its own. They are read as every other table is
(minectl.data.sources.read_file) and checked before any work.
(2) `factors extract predict` read a CSV of work orders or a JSON Lines file as plain text, exit 0:
the header line was tagged, `1,replace pump seal,100` gave the words `1,replace` and `seal,100`, and
a quoted comma `,` was tagged PhysicalObject.
"""

from __future__ import annotations

import polars as pl
import pytest
from harness import assert_refused, invoke

QUICK = ["factors", "debug=quick", "factors.sources.data=null", "factors.kge.models=[]"]


def _matrix(tmp_path, text: str, name: str = "matrix.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, expect", [
    ("name,F1,F2\na,1,2\nb,3,4\nc,2,9\n", "column 'name' holds ['a'] (String); expected an 'expert' column and one column of numbers"),
    ("expert,F1,F1\n1,1,2\n2,3,4\n", "column 'F1' appears 2 times in the header; expected unique column names"),
])
def test_a_decision_matrix_not_of_numbers_is_refused(tmp_path, text, expect):
    matrix = _matrix(tmp_path, text)
    assert_refused([*QUICK, f"factors.entropy.matrix={matrix}", "factors.entropy.factors=null", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{matrix}: {expect}", inputs=[matrix], run_dir=tmp_path / "run")


def test_a_semicolon_separated_matrix_is_read(tmp_path):
    # two experts: each column min-max scales to [0, 1], so P = (0, 1), E = 0 and W = 1 / (2 - 0) = 0.5 for both
    matrix = _matrix(tmp_path, "expert;F1;F2\n1;1;2\n2;3;4\n")
    run = tmp_path / "run"
    result = invoke(*QUICK, f"factors.entropy.matrix={matrix}", "factors.entropy.factors=null", f"hydra.run.dir={run}")
    assert result.exit_code == 0, result.output
    table = pl.read_parquet(run / "tables" / "entropy.parquet")
    assert table["code"].to_list() == ["F1", "F2"]
    assert table["entropy_weight"].to_list() == pytest.approx([0.5, 0.5])


@pytest.mark.parametrize("text, expect", [
    ("code,factor\nF1,hole_depth\nF2,burden\n",
     "no column 'entropy_weight', 'node_value'; expected the columns code, factor, entropy_weight, node_value"),
    ("code,factor,entropy_weight,node_value\nF1,,0.1,0.2\nF2,burden,0.3,0.1\n",
     "code 'F1' has an empty cell in factor, entropy_weight, node_value; expected a factor name and both numbers"),
    ("code,factor,entropy_weight,node_value\nF1,hole_depth,x,0.2\nF2,burden,0.3,0.1\n",
     "column 'entropy_weight' holds ['x'] (String); expected numbers in entropy_weight and node_value"),
])
def test_a_factors_table_without_its_numbers_is_refused_before_the_work(tmp_path, text, expect):
    matrix = _matrix(tmp_path, "expert,F1,F2\n1,1,2\n2,3,4\n3,2,9\n")
    factors = _matrix(tmp_path, text, "factors.csv")
    # the default models: the table was read after they had trained
    assert_refused(["factors", "debug=quick", "factors.sources.data=null", f"factors.entropy.matrix={matrix}",
                    f"factors.entropy.factors={factors}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{factors}: {expect}", inputs=[matrix, factors], run_dir=tmp_path / "run")


@pytest.mark.parametrize("name, text, kind", [
    ("orders.csv", 'id,description,cost\n1,replace pump seal,100\n2,"fix leak, engine oil",50\n', "a CSV table"),
    ("orders.jsonl", '{"id": 1, "text": "replace pump seal"}\n', "a JSON Lines file"),
    ("orders.json", '[{"id": 1, "text": "replace pump seal"}]\n', "a JSON file"),
])
def test_predict_refuses_a_table_or_json_for_plain_text(crf_extract_run, tmp_path, name, text, kind):
    orders = tmp_path / name
    orders.write_text(text)
    assert_refused(["factors", "extract", "predict", crf_extract_run, f"factors.extract.text={orders}", f"out={tmp_path / 'out'}"],
                   f"{orders}: {kind}; expected plain text, one entry a line", inputs=[orders, crf_extract_run])
    assert not (tmp_path / "out").exists()


def test_a_csv_of_work_orders_as_the_corpus_is_named(tmp_path):
    # (3) it was refused as CoNLL: "line 1: 'id,description,cost': one column; expected 'token ... TAG'"
    orders = tmp_path / "orders.csv"
    orders.write_text('id,description,cost\n1,replace pump seal,100\n2,"fix leak, engine oil",50\n')
    assert_refused(["factors", "extract", "debug=quick", f"factors.extract.corpus={orders}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{orders}: a CSV table; expected a labelled corpus: span JSON (.json), Doccano JSONL (.jsonl) or CoNLL",
                   inputs=[orders], run_dir=tmp_path / "run")


def test_a_conll_file_named_csv_reads_with_its_format_given(tmp_path):
    from minectl.text.corpus import Span, read_corpus

    conll = tmp_path / "orders.csv"
    conll.write_text("replace\tB-Activity\npump\tB-PhysicalObject\nseal\tI-PhysicalObject\n")
    docs = read_corpus(conll, "conll")
    assert [(d.tokens, d.entities) for d in docs] == [(["replace", "pump", "seal"], [Span(0, 1, "Activity"), Span(1, 3, "PhysicalObject")])]


def test_a_factor_the_matrix_lacks_is_refused(tmp_path):
    # (4) F3 of the factors table was left out of spearman_entropy_vs_seed unsaid; a matrix column without a factor was refused already
    matrix = _matrix(tmp_path, "expert,F1,F2\n1,1,2\n2,3,4\n3,2,9\n")
    factors = _matrix(tmp_path, "code,factor,entropy_weight,node_value\nF1,hole_depth,0.1,0.2\nF2,burden,0.3,0.1\nF3,lumpiness,0.2,0.3\n",
                      "factors.csv")
    assert_refused([*QUICK, f"factors.entropy.matrix={matrix}", f"factors.entropy.factors={factors}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{factors}: code(s) 'F3' name no column of {matrix}; expected a row for each of its columns F1, F2, no other",
                   inputs=[matrix, factors], run_dir=tmp_path / "run")
