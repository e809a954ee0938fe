"""Names in other people's data: ids, categories, groups and column names as real exports write
them (zero-width and non-breaking spaces, a BOM inside a value, tabs and line ends, escape codes,
full-width forms, Cyrillic letters drawn as Latin ones, empty or 10,000-character names).

Before: a Cyrillic 'М1' was refused as "mine_id 'М1', which table 'mines' lacks", a difference no
one can see; ids with a line end, an escape code or nothing at all were costed; 'W' and 'W\\xa0'
(or a machine 'A' and a Cyrillic 'А') were two categories (two series) without a word, and a
10,000-character machine name filled 125 console lines; a quoted
column name holding a line end was refused as "the header ends in 14 empty column names"; a name
holding '<!--<script>' reached report.html's figure script as is. Now such a name is refused in
one line that shows it with its code points (minectl.data.names), and report.html's script
data escapes '<', '>' and '&'.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import write_tiny_mine
from harness import assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.data.sources import read_file

TINY_TOTAL = 35 * 85.0  # the tiny mine's cost: 5+6+7+8+9 h of haulage labour at 85 CNY/h
ID_TABLES = ("production", "mines", "consumption_daily", "equipment")
SEISMIC = Path(__file__).parents[2] / "examples" / "data" / "seismic_bumps" / "seismic-bumps.arff"


def _edit(folder: Path, tables: tuple[str, ...], edit) -> None:
    for table in tables:
        path = folder / f"{table}.parquet"
        edit(pl.read_parquet(path)).write_parquet(path)


def _cost(mine: Path, run: Path) -> list[str]:
    return ["cost", "data=parquet_dir", f"data.dir={mine}", f"hydra.run.dir={run}"]


ORPHAN_IDS = {  # the consumption's mine_id -> what the one line must show
    "zero-width-space": ("M1\u200b", "mine_id 'M1\\u200b' holds an invisible character (U+200B ZERO WIDTH SPACE)"),
    "bom-inside": ("\ufeffM1", "holds an invisible character (U+FEFF ZERO WIDTH NO-BREAK SPACE)"),
    "right-to-left-override": ("\u202eM1", "(U+202E RIGHT-TO-LEFT OVERRIDE)"),
    "tab": ("M1\t", "mine_id 'M1\\t' holds a control character (U+0009)"),
    "line-end": ("M\n1", "mine_id 'M\\n1' holds a control character (U+000A)"),
    "escape-code": ("M\x1b[31m1", "holds a control character (U+001B)"),
    "empty": ("", "an empty mine_id (''); expected visible text in every mine_id"),
    "cyrillic-em": ("\u041c1", "mine_id 'М1' (with U+041C CYRILLIC CAPITAL LETTER EM), which table 'mines' lacks (it has "
                              "'M1': the ids differ in width or look-alike letters)"),
    "full-width": ("Ｍ１", "(with U+FF2D FULLWIDTH LATIN CAPITAL LETTER M, U+FF11 FULLWIDTH DIGIT ONE), which table 'mines' "
                          "lacks (it has 'M1'"),
    "non-breaking-space": ("M1\u00a0", "mine_id 'M1\\xa0', which table 'mines' lacks (it has 'M1': the ids differ in case or "
                                       "spaces)"),
    "10000-characters": ("M" * 10_000, "a 10000-character mine_id ('MMMMMMMMMM"),
}


@pytest.mark.slow
@pytest.mark.parametrize(("mine_id", "expect"), list(ORPHAN_IDS.values()), ids=list(ORPHAN_IDS))
def test_a_mine_id_as_exports_write_it_is_refused_showing_its_code_points(tmp_path, mine_id, expect):
    mine = write_tiny_mine(tmp_path / "mine")
    _edit(mine, ("consumption_daily",), lambda f: f.with_columns(mine_id=pl.lit(mine_id)))
    line = assert_refused(_cost(mine, tmp_path / "run"), ["data.tables.consumption_daily", expect], inputs=[mine],
                          run_dir=tmp_path / "run")
    assert len(line) < 400  # a 10,000-character id is cut: '...' (10000 characters)


def test_two_mines_that_print_alike_are_refused_not_costed_as_two(tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    _edit(mine, ("mines",), lambda f: pl.concat([f, f.with_columns(mine_id=pl.lit("\u041c1"))]))
    assert_refused(_cost(mine, tmp_path / "run"),
                   "table 'mines': mine_id 'M1' and 'М1' (with U+041C CYRILLIC CAPITAL LETTER EM) print alike but differ",
                   inputs=[mine], run_dir=tmp_path / "run")


def test_a_resource_with_a_cyrillic_letter_is_named_with_its_code_point(tmp_path):
    """'lаbour' (Cyrillic а) was "'lаbour' is not declared in costs.resources": no difference to see."""
    mine = write_tiny_mine(tmp_path / "mine")
    _edit(mine, ("consumption_daily",), lambda f: f.with_columns(resource=pl.lit("l\u0430bour")))
    assert_refused(_cost(mine, tmp_path / "run"), "consumption_daily.resource: 'lаbour' (with U+0430 CYRILLIC SMALL LETTER A) "
                   "is not declared in costs.resources", inputs=[mine], run_dir=tmp_path / "run")


def test_a_column_name_with_a_zero_width_space_is_refused_visibly(tmp_path):
    mine = write_tiny_mine(tmp_path / "mine")
    _edit(mine, ("production",), lambda f: f.rename({"ore_t": "ore_t\u200b"}))
    assert_refused(_cost(mine, tmp_path / "run"),
                   "table 'production': column name 'ore_t\\u200b' holds an invisible character (U+200B ZERO WIDTH SPACE)",
                   inputs=[mine], run_dir=tmp_path / "run")


def test_visible_names_of_any_script_are_costed_and_escaped_in_the_report(tmp_path):
    # Chinese letters, a date-like id and a name that would open an HTML comment in a script element
    for number, mine_id in enumerate(["矿山-01", "2024-01-01", "<!--<script>M1"]):
        mine = write_tiny_mine(tmp_path / f"mine{number}")
        _edit(mine, ID_TABLES, lambda f, mine_id=mine_id: f.with_columns(mine_id=pl.lit(mine_id)))
        run = tmp_path / f"run{number}"
        result = CliRunner().invoke(app, _cost(mine, run))
        assert result.exit_code == 0, result.output
        assert json.loads((run / "metrics.json").read_text())["cost.total"] == TINY_TOTAL
        assert pl.read_parquet(run / "tables" / "daily.parquet")["mine_id"].unique().to_list() == [mine_id]
    page = (run / "report.html").read_text()
    assert "<!--<script>M1" not in page  # was in the figure's JSON: the parser would skip the closing </script>
    assert "\\u003c!--\\u003cscript\\u003eM1" in page


def _seismic(tmp_path: Path, edit) -> Path:
    path = tmp_path / "bumps.csv"
    edit(read_file(SEISMIC, "risk input")).write_csv(path)
    return path


def _risk(path: Path, run: Path) -> list[str]:
    return ["risk", "+experiment=seismic_bumps", "model=rf", "debug=quick", f"risk.input.path={path}", f"hydra.run.dir={run}"]


def test_a_category_spelt_with_a_non_breaking_space_is_refused_not_a_new_category(tmp_path):
    every_7th = pl.int_range(pl.len()) % 7 == 0
    path = _seismic(tmp_path, lambda f: f.with_columns(shift=pl.when(every_7th).then(pl.lit("W\u00a0")).otherwise("shift")))
    assert_refused(_risk(path, tmp_path / "run"), [str(path), "categorical column 'shift': value 'W' and 'W\\xa0' print alike"],
                   inputs=[path], run_dir=tmp_path / "run")


def test_a_quoted_column_name_holding_a_line_end_is_named(tmp_path):
    path = _seismic(tmp_path, lambda f: f.rename({"gpuls": "g\npuls"}))
    assert '"g\npuls"' in path.read_text()
    # was: "the header ends in 14 empty column names, and a column of them holds values"
    assert_refused(_risk(path, tmp_path / "run"), [str(path), "column name 'g\\npuls' holds a control character (U+000A)"],
                   inputs=[path], run_dir=tmp_path / "run")


GROUPS = {  # machine A's name in four of its rows -> the one line (was: a fourth series, or 125 console lines of A)
    "cyrillic-a": ("\u0410", "machine 'A' and 'А' (with U+0410 CYRILLIC CAPITAL LETTER A) print alike but differ"),
    "10000-characters": ("A" * 10_000, "a 10000-character machine ('AAAAAAAAAA"),
}


@pytest.mark.parametrize(("machine", "expect"), list(GROUPS.values()), ids=list(GROUPS))
def test_a_group_name_as_exports_write_it_is_refused_not_a_series_of_its_own(tmp_path, machine, expect):
    # three LHDs' times between failures, Kumar (1989)'s layout (its first rows of machine A, then
    # made-up rows: the test needs the layout, not the data)
    tbf = [16, 23, 32, 24, 35, 19, 41, 28, 22, 30]
    frame = pl.DataFrame({"machine": [m for m in "ABC" for _ in tbf], "obs": list(range(1, 11)) * 3,
                          "tbf": tbf + [t + 3 for t in tbf] + [t * 2 for t in tbf]})
    path = tmp_path / "lhd.csv"
    frame.with_columns(machine=pl.when(pl.int_range(pl.len()).is_between(3, 6)).then(pl.lit(machine)).otherwise("machine")
                       ).write_csv(path)
    line = assert_refused(["uncertainty", "+experiment=equipment_failures", f"dataset.path={path}",
                           f"hydra.run.dir={tmp_path / 'run'}"], [str(path), expect], inputs=[path], run_dir=tmp_path / "run")
    assert len(line) < 400


def test_a_factor_name_with_a_cyrillic_letter_is_refused_not_a_node_of_its_own(tmp_path):
    # normalise_name keeps 'вench_height' apart from the declared bench_height, which it prints as
    path = tmp_path / "declared.csv"
    path.write_text("head,head_type,relation,tail,tail_type,weight,sign,unit,condition,cite\n"
                    "\u0412ench height,parameter,Positive,transport_cost,cost,,1,,,probe\n", encoding="utf-8")
    declared = f"factors.sources.declared=[conf/factors/knowledge/open_pit_coal.yaml,{path}]"
    assert_refused(["factors", declared, f"hydra.run.dir={tmp_path / 'run'}"],
                   ["declared.csv:2: entity name 'Вench height' (with U+0412 CYRILLIC CAPITAL LETTER VE) mixes Latin and "
                    "Cyrillic letters in 'Вench'"], inputs=[path], run_dir=tmp_path / "run")


def test_a_mining_method_spelt_two_ways_is_refused_not_two_features():
    from minectl.errors import DataError
    from minectl.risk.tables import static_features

    mines = pl.DataFrame({"mine_id": ["M1", "M2", "M3"], "mining_method": ["open_pit", "open_pit\u00a0", "sublevel_caving"]})
    with pytest.raises(DataError, match=r"table 'mines': mining_method 'open_pit' and 'open_pit\\xa0' print alike"):
        static_features(mines)  # was: features method_open_pit and method_open_pit\xa0, M1 and M2 of different methods
    assert static_features(mines[[0, 2]]).columns == ["mine_id", "method_open_pit", "method_sublevel_caving"]
