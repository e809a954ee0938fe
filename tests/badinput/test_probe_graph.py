"""Bad-input corpus, probed categories of other people's files for `minectl factors` (KGE splits),
`minectl factors extract` (labelled corpora) and `minectl schedule` (MineLib) that still passed
silently or printed a warning beside the error: a triples file in UTF-16 without its byte-order
mark, one entity spelt in two Unicode forms, a split of the corpus without any entity, one type
spelt in two cases, block ids beyond int64, schedule settings that solve nothing or twice.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from harness import assert_graph_refused, assert_refused
from typer.testing import CliRunner

from minectl.cli import app
from minectl.factors.kge.data import load_splits
from minectl.text.corpus import read_corpus

TRAIN = "a\tr\tb\nb\tr\tc\nc\ts\ta\na\ts\tc\nb\ts\tb\n"


def _splits(folder: Path, train: str | bytes = TRAIN, valid: str = "a\tr\tc\n", test: str = "c\tr\tb\n") -> Path:
    folder.mkdir()
    for name, text in (("train", train), ("valid", valid), ("test", test)):
        (folder / f"{name}.txt").write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


# -- factors: KGE splits -----------------------------------------------------------------------------

KGE_CASES = {
    # valid UTF-8 to the decoder: NUL between the letters, 'a\0' and '\0a\0' two entities, the run went on
    "UTF-16 LE without a byte-order mark": (TRAIN.encode("utf-16-le"), "train.txt:1: control character '\\x00' in a name"),
    # UTF-16 BE read as 'a' '\0' ...: before, 'entity 'a' does not occur in train.txt', naming the wrong file and cause
    "UTF-16 BE without a byte-order mark": (TRAIN.encode("utf-16-be"), "train.txt:1: control character '\\x00' in a name"),
    "a NUL inside one name": (TRAIN + "a\x00\tr\tc\n", "train.txt:6: control character '\\x00' in a name"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", KGE_CASES)
def test_kge_names_holding_control_characters_are_refused(case, tmp_path):
    train, expect = KGE_CASES[case]
    folder = _splits(tmp_path / "kg", train)
    run_dir = tmp_path / "run"
    assert_graph_refused(folder, run_dir, [expect, "expected UTF-8 text with printable names"])


def test_one_name_in_two_unicode_forms_is_one_entity(tmp_path):
    """`café` composed (U+00E9) in train.txt and decomposed (e + U+0301) in test.txt: two entities
    before, so the test triple's head had no trained embedding; now both read as the NFC form."""
    folder = _splits(tmp_path / "kg", TRAIN + "caf\u00e9\tr\ta\n", test="cafe\u0301\tr\tb\n")
    splits = load_splits(folder)
    assert splits.entities == ("a", "b", "c", "caf\u00e9")
    assert splits.test.tolist() == [[3, 0, 1]]


# -- factors extract: labelled corpora ------------------------------------------------------------

def _conll(path: Path, tags: list[list[str]]) -> Path:
    """One sentence of tokens w0 w1 ... a list of tags."""
    path.write_text("\n\n".join("\n".join(f"w{i}\t{tag}" for i, tag in enumerate(sentence)) for sentence in tags) + "\n")
    return path


ENTITY, NONE = ["O", "B-Item", "I-Item"], ["O", "O", "O"]
SPLIT_CASES = {  # 10 sentences: training 0-7, dev 8, test 9 (the file-order split); F1 0 was reported for each
    "no entity in the test sentence": ([ENTITY] * 9 + [NONE], [], "its 1 test sentences hold no entity"),
    "no entity in the training sentences": ([NONE] * 8 + [ENTITY] * 2, [], "its 8 training sentences hold no entity"),
    # a neural tagger stops early on the dev F1: 0 at every epoch, the first epoch's weights kept
    "no entity in the dev sentence, a neural tagger": ([ENTITY] * 8 + [NONE, ENTITY], ["factors.extract.models=[crf,bilstm]"],
                                                        "its 1 dev sentences hold no entity"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", SPLIT_CASES)
def test_a_split_without_entities_is_refused_not_scored_zero(case, tmp_path):
    tags, extra, expect = SPLIT_CASES[case]
    corpus = _conll(tmp_path / "c.conll", tags)
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.corpus={corpus}", "factors.extract.best=crf",
                    "factors.extract.models=[dictionary,crf]", *extra, "debug=quick", f"hydra.run.dir={run_dir}"],
                   [f"c.conll: the file-order split: {expect}", "reorder its sentences"], inputs=[corpus], run_dir=run_dir)


def test_a_cv_fold_without_entities_is_refused_before_any_fit(tmp_path):
    # entities in the file-order split's every part; 10 shuffled folds of one sentence: some hold none
    corpus = _conll(tmp_path / "c.conll", [ENTITY, NONE] * 5 + [ENTITY] * 2)
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.corpus={corpus}", "factors.extract.best=crf",
                    "factors.extract.models=[dictionary,crf]", "factors.extract.cv_folds=12", "debug=quick",
                    f"hydra.run.dir={run_dir}"], ["c.conll: CV fold", "of 12: its 1 test sentences hold no entity"],
                   inputs=[corpus], run_dir=run_dir)


def test_a_dev_sentence_without_entities_is_fine_without_a_neural_tagger(tmp_path):
    corpus = _conll(tmp_path / "c.conll", [ENTITY] * 8 + [NONE, ENTITY])
    result = CliRunner().invoke(app, ["factors", "extract", f"factors.extract.corpus={corpus}", "factors.extract.best=crf",
                                      "factors.extract.models=[dictionary,crf]", "debug=quick", f"hydra.run.dir={tmp_path / 'run'}"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert [metrics[f"sentences.{part}"] for part in ("train", "dev", "test")] == [8, 1, 1]
    assert metrics["entities.test"] == 1
    assert metrics["ner.dictionary.f1_micro"] == 100.0  # "w1 w2", an Item in every training sentence, found in the test one


SPELLING_CASES = {  # each type was two classes, each scored alone and missing the other's entities
    "c.conll": ("replace\tO\npump\tB-Item\n\ncheck\tO\noil\tB-item\n", "entity types 'Item' and 'item' differ only in case"),
    "c.jsonl": ('{"text": "pump leak", "label": [[0, 4, "Item"]]}\n{"text": "pump leak", "label": [[0, 4, "ITEM"]]}\n',
                "entity types 'Item' and 'ITEM' differ only in case"),
    "c.json": (json.dumps([{"tokens": ["pump", "leak"], "entities": [{"start": 0, "end": 1, "type": "Item"},
                                                                     {"start": 1, "end": 2, "type": "State"}],
                            "relations": [{"head": 0, "tail": 1, "type": rel}]} for rel in ("hasState", "HasState")]),
               "relation types 'hasState' and 'HasState' differ only in case"),
}


@pytest.mark.parametrize("name", SPELLING_CASES)
def test_a_type_spelt_in_two_cases_is_refused(name, tmp_path):
    text, expect = SPELLING_CASES[name]
    corpus = tmp_path / name
    corpus.write_text(text)
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.corpus={corpus}", "debug=quick", f"hydra.run.dir={run_dir}"],
                   [f"{name}: {expect}", "expected one spelling of each type"], inputs=[corpus], run_dir=run_dir)


def test_maintie_types_have_one_spelling_each():
    docs = read_corpus(Path(__file__).resolve().parents[2] / "examples" / "data" / "maintie" / "gold_release.json")
    types = {e.type for d in docs for e in d.entities}
    assert len(types) == len({t.casefold() for t in types}) == 155


# -- schedule: MineLib block ids beyond int64 ------------------------------------------------------

PREC = "0 0\n1 0\n2 2 0 1\n3 1 2\n"
BLOCKS = "0 0 0 1\n1 1 0 1\n2 0 0 0\n3 1 0 0\n"
UPIT = "NAME: t\nTYPE: UPIT\nNBLOCKS: 4\nOBJECTIVE_FUNCTION:\n0 -1\n1 -1\n2 5\n3 -1\nEOF\n"
CPIT = ("NAME: t\nTYPE: CPIT\nNBLOCKS: 4\nNPERIODS: 2\nNRESOURCE_SIDE_CONSTRAINTS: 1\nDISCOUNT_RATE: 0.1\n"
        "RESOURCE_CONSTRAINT_LIMITS:\n0 0 L 2\n0 1 L 2\nOBJECTIVE_FUNCTION:\n0 -1\n1 -1\n2 5\n3 -1\n"
        "RESOURCE_CONSTRAINT_COEFFICIENTS:\n0 0 1\n1 0 1\n2 0 1\n3 0 1\nEOF\n")

HUGE_ID_CASES = {  # cast to int64 first: a RuntimeWarning line, and the id named as -9223372036854775808
    "objective": ({"upit": UPIT.replace("2 5", "99999999999999999999 5")}, "t.upit:7: unknown block id 1e+20; expected ids in 0..3"),
    "infinite objective id": ({"upit": UPIT.replace("2 5", "1e400 5")}, "t.upit:7: unknown block id inf"),
    "coefficient block": ({"cpit": CPIT.replace("3 0 1\n", "3 0 1\n1e30 0 1\n")},
                          "t.cpit:20: unknown block id 1e+30; expected coefficient block ids in 0..3"),
    "coefficient resource": ({"cpit": CPIT.replace("3 0 1\n", "3 1e30 1\n")}, "t.cpit:19: destination or resource index out of range"),
    ".blocks id": ({"blocks": BLOCKS.replace("3 1 0 0", "1e30 1 0 0")}, "t.blocks:4: unknown block id 1e+30; expected ids in 0..3"),
}


@pytest.mark.slow
@pytest.mark.filterwarnings("error::RuntimeWarning")  # numpy's "invalid value encountered in cast": a second output line
@pytest.mark.parametrize("case", HUGE_ID_CASES)
def test_block_ids_beyond_int64_are_named_in_one_line(case, tmp_path):
    files, expect = HUGE_ID_CASES[case]
    folder = tmp_path / "ml"
    folder.mkdir()
    for suffix, text in {"prec": PREC, "blocks": BLOCKS, "upit": UPIT, "cpit": CPIT, **files}.items():
        (folder / f"t.{suffix}").write_text(text)
    run_dir = tmp_path / "run"
    assert_refused(["schedule", f"minelib.path={folder}", "minelib.name=t", "schedule.problems=[upit,cpit]", "loop.enabled=false",
                    "minelib.blocks_file=true", f"hydra.run.dir={run_dir}"], expect, inputs=[folder], run_dir=run_dir)


SCHEDULE_CONFIG_CASES = {  # each ran to exit 0
    "a problem twice": (["schedule.problems=[upit,upit]"], "schedule.problems=['upit', 'upit']: upit twice; expected each problem once"),
    "no problem, the loop off": (["schedule.problems=[]"], "schedule.problems=[] and nothing else to run (loop off, stope off)"),
    # every plan empty: CPIT "NPV 0, bound 47,263, gap 100.00%" on 8 blocks
    "a mining capacity below one block": (["synthetic.nx=2", "synthetic.ny=2", "synthetic.nz=2"],
                                          "schedule.mining_share=0.06: a period's mining capacity holds 0.48 of the synthetic model's 8 blocks"),
    "a processing capacity below one block": (["synthetic.nx=4", "synthetic.ny=4", "synthetic.nz=2"],
                                              "schedule.processing_share=0.5: a period's processing capacity holds 0.96 of the synthetic "
                                              "model's 32 blocks"),
}


@pytest.mark.parametrize("case", SCHEDULE_CONFIG_CASES)
def test_schedule_settings_that_solve_nothing_or_twice_are_refused(case, tmp_path):
    extra, expect = SCHEDULE_CONFIG_CASES[case]
    run_dir = tmp_path / "run"
    assert_refused(["schedule", "loop.enabled=false", *extra, f"hydra.run.dir={run_dir}"], expect, run_dir=run_dir)


def test_no_problem_of_minelib_files_is_refused_naming_the_skipped_loop(tmp_path):
    folder = tmp_path / "ml"
    folder.mkdir()
    for suffix, text in {"prec": PREC, "upit": UPIT}.items():
        (folder / f"t.{suffix}").write_text(text)
    run_dir = tmp_path / "run"
    assert_refused(["schedule", f"minelib.path={folder}", "minelib.name=t", "schedule.problems=[]", f"hydra.run.dir={run_dir}"],
                   "schedule.problems=[] and nothing else to run (loop skipped for MineLib files, stope off)", run_dir=run_dir)


# -- factors: the mine's daily table ----------------------------------------------------------------

@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> pl.DataFrame:
    run_dir = tmp_path_factory.mktemp("cost") / "run"
    result = CliRunner().invoke(app, ["cost", "debug=quick", f"hydra.run.dir={run_dir}"])
    assert result.exit_code == 0, result.output
    return pl.read_parquet(run_dir / "tables" / "daily.parquet")


DAILY_CASES = {
    # least squares split one effect between the two (2 years of the synthetic mine: 18 edges kept instead of 15)
    "one driver in two units": (lambda d: d.with_columns(haul_m=pl.col("haul_km") * 1000), ["+factors.derived.drivers.haul_m=bench_height"],
                                "factors.derived.drivers: driver 'haul_m' is a linear function of 'haul_km' in the training rows"),
    # 1,022 training rows out of 511 days: narrower intervals (2 years: 16 edges kept instead of 15)
    "every day twice": (lambda d: pl.concat([d, d]), [], "in two rows; expected one row per day and mine (a table appended twice?)"),
    "two columns naming one entity": (lambda d: d, ["+factors.derived.drivers.drilled_m=Haul distance"],
                                      "factors.derived.drivers: columns 'haul_km' and 'drilled_m' both name entity 'haul_distance'"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", DAILY_CASES)
def test_daily_tables_whose_effects_cannot_be_told_apart_are_refused(case, daily, tmp_path):
    change, extra, expect = DAILY_CASES[case]
    table = tmp_path / "daily.parquet"
    change(daily).write_parquet(table)
    run_dir = tmp_path / "run"
    assert_refused(["factors", f"factors.sources.data={table}", "factors.kge.models=[transe]", *extra, "debug=quick",
                    f"hydra.run.dir={run_dir}"], expect, inputs=[table], run_dir=run_dir)


# -- optimize: the decision price path --------------------------------------------------------------

PRICE_CASES = {  # the file's last row of the latest date was the price: 300 here, the 400 of the row before unsaid
    "a price series": ("date,price\n2024-01-01,380\n2024-02-01,390\n2024-03-01,400\n2024-03-01,300\n", ["optimize.decision.price_column=price"],
                       "date 2024-03-01 in two rows; expected one price a date (a series appended twice?)"),
    "a forecast table": ("date,model,forecast\n2024-01-01,arima,380\n2024-02-01,arima,390\n2024-02-01,arima,420\n2024-01-01,naive,400\n",
                         ["optimize.decision.price_model=arima"], "model arima, date 2024-02-01 in two rows; expected one price a date and model"),
}


@pytest.mark.parametrize("case", PRICE_CASES)
def test_a_price_path_with_a_date_twice_is_refused(case, tmp_path):
    text, extra, expect = PRICE_CASES[case]
    path = tmp_path / "prices.csv"
    path.write_text(text)
    run_dir = tmp_path / "run"
    assert_refused(["optimize", "debug=quick", f"optimize.decision.price_path={path}", *extra, f"hydra.run.dir={run_dir}"], expect,
                   inputs=[path], run_dir=run_dir)


# -- schedule: the price forecast table -------------------------------------------------------------

def _forecast(path: Path, unit: str, dates: list[str], prices: list[float]) -> Path:
    pl.DataFrame({"date": pl.Series(dates).str.to_date(), "model": "naive", "forecast": prices, "lower": [p * 0.8 for p in prices],
                  "upper": [p * 1.25 for p in prices], "unit": unit}).write_parquet(path)
    return path


def test_a_forecast_in_another_unit_than_per_ounce_is_refused(tmp_path):
    # a Pink Sheet coal forecast (USD/t, about 137) was the gold price per ounce: the ultimate pit of debug=quick's
    # 500 blocks shrank from 175 blocks to 4
    table = _forecast(tmp_path / "forecast.parquet", "USD/t", ["2026-06-01", "2026-07-01"], [136.86, 136.86])
    run_dir = tmp_path / "run"
    assert_refused(["schedule", "+experiment=stope_extension", f"price.forecast_table={table}", f"hydra.run.dir={run_dir}"],
                   [f"price.forecast_table: {table}: naive's prices in USD/t; expected a price per troy ounce (USD/oz"],
                   inputs=[table], run_dir=run_dir)


def test_forecast_months_count_by_date_not_by_row(tmp_path):
    table = _forecast(tmp_path / "forecast.parquet", "USD/oz", ["2026-07-01", "2026-06-01"], [2200.0, 2100.0])
    run_dir = tmp_path / "run"
    result = CliRunner().invoke(app, ["schedule", "+experiment=stope_extension", f"price.forecast_table={table}", "price.month=1",
                                      f"hydra.run.dir={run_dir}"])
    assert result.exit_code == 0, result.output
    assert json.loads((run_dir / "metrics.json").read_text())["schedule.price"] == 2100.0  # June's, not the first row's 2200
