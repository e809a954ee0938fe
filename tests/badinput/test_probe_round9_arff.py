"""Probe round 9: ARFF files as Weka ships them (minectl/data/sources.py). A date attribute declaring
its pattern (dd/MM/yyyy HH:mm) was refused as "read both day first and month first"; a comment after a
row's values was liac-arff's BadLayout; a relational attribute its BadAttributeType."""

from __future__ import annotations

import datetime as dt

import pytest
from harness import assert_refused

from minectl.data.sources import read_file

HEADER = "@relation plant\n@attribute when date {pattern}\n@attribute x numeric\n@attribute class {{no,yes}}\n@data\n"


@pytest.mark.parametrize(("pattern", "written"), [
    ("'dd/MM/yyyy HH:mm'", "01/03/2021 02:00"),  # was refused: 'read both day first and month first'
    ("'MM/dd/yyyy HH:mm'", "03/01/2021 02:00"),
    ("\"yyyy-MM-dd HH:mm:ss\"", "2021-03-01 02:00:00"),
    ("", "2021-03-01T02:00:00"),  # Weka's default pattern yyyy-MM-dd'T'HH:mm:ss
])
def test_an_arff_date_attribute_reads_with_the_pattern_it_declares(tmp_path, pattern, written):
    path = tmp_path / "log.arff"
    path.write_text(HEADER.format(pattern=pattern) + f"'{written}',1.5,no\n?,2.5,yes\n")
    assert read_file(path).rows() == [(dt.datetime(2021, 3, 1, 2, 0), 1.5, "no"), (None, 2.5, "yes")]


def test_an_arff_date_off_its_pattern_is_refused_naming_it(tmp_path):
    path = tmp_path / "log.arff"
    path.write_text(HEADER.format(pattern="'dd/MM/yyyy HH:mm'") + "'2021-03-01 02:00',1.5,no\n")
    assert_refused(["risk", "risk.input.kind=table", f"risk.input.path={path}", "risk.labels.column=class",
                    "risk.labels.levels=2", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: date attribute 'when' has '2021-03-01 02:00', which does not match its declared pattern "
                   "'dd/MM/yyyy HH:mm'; expected every value written so", inputs=[path], run_dir=tmp_path / "run")


def test_a_comment_after_an_arff_rows_values_is_a_comment(tmp_path):
    """Weka ends a line at an unquoted %; liac-arff refused the row ('Error parsing')."""
    path = tmp_path / "cases.arff"
    path.write_text("@relation c\n@attribute x numeric\n@attribute note string\n@data\n1,'50% load' % checked\n2,ok\n")
    assert read_file(path).rows() == [(1.0, "50% load"), (2.0, "ok")]


def test_a_relational_arff_attribute_is_refused_naming_it(tmp_path):
    path = tmp_path / "bags.arff"
    path.write_text("@relation m\n@attribute bag relational\n  @attribute f numeric\n@end bag\n@attribute class {0,1}\n@data\n"
                    "\"1.0\\n2.0\",0\n")
    assert_refused(["risk", "risk.input.kind=table", f"risk.input.path={path}", "risk.labels.column=class",
                    f"hydra.run.dir={tmp_path / 'run'}"],
                   f"{path}: attribute 'bag' is relational (multi-instance bags); expected numeric, nominal, string or date "
                   "attributes, one row per case", inputs=[path], run_dir=tmp_path / "run")
