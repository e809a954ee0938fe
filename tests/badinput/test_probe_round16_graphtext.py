"""Bad-input corpus, round 16 for graph and text: the entropy weight method's decision matrix as spreadsheets and
survey tools write it, settings no run reads, CoNLL types of words, compressed inputs.

Found: (1) a column numbering the rows under a heading other than round 14's `expert`/`respondent_id` was weighed as an
indicator, exit 0: a spreadsheet's `#`, `No.`, `S/N`, `Sl. No.`, `row`, pandas' `index` (reset_index) and `Unnamed: 0`
(its index written, read back and written again) took weight 0.108 of the seed's Table 11, F1's weight 0.132 -> 0.118;
they label the rows now. (2) An expert's row pasted twice (label and every answer alike) weighed their answers twice
(F1 0.132 -> 0.121, F7 0.103 -> 0.135), exit 0: refused naming the expert; rows alike under two labels, or with no
label column, are two experts who agree and stay. A spreadsheet's summary row under the experts' (`Total`, `Mean`,
`Weight`) was weighed as one more expert (a Total row: F3 0.187 -> 0.127): refused naming it (`Max`, `SD` stay
names). (3) An unanswered question (an empty cell, `NA`) or `inf` was refused as "a decision matrix of shape (15, 8);
expected finite numbers": now named by its column and row.
(4) Settings nothing read, exit 0: `minectl factors extract factors.extract.text=notes.txt` (predict's key, `predict
RUN_DIR` left out) trained and scored on the corpus for minutes, the notes never tagged; factors.ranking.embedding_model=X
on a benchmark run (`+experiment=nations`: no plausibility there) or with factors.ranking.alpha=0; factors.kge.unseen=drop
on the mining graph (its own split holds out no unseen name); factors.extract.dictionary=FILE or lexicon=true with
factors.extract.models=[crf] (the feature CRF reads no dictionary). Each is refused before any work. (5) The ranking's title
said "score = graph paths and embedding plausibility" where the score held none (a benchmark run,
factors.kge.models=[], alpha 0): it says "graph paths only" and why. (6) A tab-separated CoNLL file whose type is
words (`B-Physical Object`, a type Doccano and span JSON read) was refused as "no tag"; read now. Space-separated, the
type splits into a column too many: the refusal says so. (7) A gzip-, bzip2- or zip-compressed corpus, KGE split,
dictionary or `predict` text was "not utf-8 text (byte 1)": named as such now.

Read right or refused cleanly already (probed): a trailing comma on every line (Excel), rows of empty cells at the end,
CR LF, tab-separated, quoted numbers, spaces after the commas, R's `write.csv` (an unnamed row-name column), negative
scores; a text `Expert name` column (refused naming it); text triples (factors.sources.text) with a null or blank head,
NaN/inf weight, sign 0 or 2, a confidence `high` (each refused naming the row), a string weight '0.5' (read);
CoNLL: Label Studio's CONLL2003 export (`token -X- _ TAG`), `B-`, `-`, `o` or `0` as a tag (refused naming the line), IO
and BIOES sentences; Doccano: an empty or blank text (refused naming the line), CR LF inside a text, Label Studio
JSON-MIN (`labels: [type]`), a span labelled twice (refused).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from harness import assert_refused
from omegaconf import OmegaConf

from minectl.errors import ConfigError, DataError
from minectl.factors.declared import Knowledge, load_declared
from minectl.factors.graph import build_graph
from minectl.factors.ranking import influence_hops
from minectl.factors.schema import Schema
from minectl.tasks import extract, factors
from minectl.tasks.factors import ENTITY_TYPES, RELATION_TYPES, _entropy_inputs, _ranking
from minectl.text.corpus import Span, read_corpus

ROOT = Path(__file__).resolve().parents[2]
TABLE11 = ROOT / "conf/factors/seed001/table11.csv"
LINES = TABLE11.read_text(encoding="utf-8").splitlines()  # expert,F1..F8 and 15 experts' scores
HEADER, ROWS = LINES[0], LINES[1:]
# docs/factors.md: minectl's entropy weights of the seed's Table 11, F1..F8
DOC_WEIGHTS = [0.132, 0.053, 0.187, 0.103, 0.085, 0.190, 0.103, 0.147]


def _weights_by_hand(rows: list[list[float]]) -> list[float]:
    """Seed 001 eqs 18-19 written out: min-max scale each column, p = x / column sum, e = -sum p ln p / ln n (0 ln 0 = 0),
    w = (1 - e) / (m - sum e)."""
    x = np.array(rows, dtype=float)
    scaled = (x - x.min(0)) / (x.max(0) - x.min(0))
    p = scaled / scaled.sum(0)
    e = np.array([-sum(v * np.log(v) for v in column if v > 0) for column in p.T]) / np.log(len(x))
    return list((1 - e) / (x.shape[1] - e.sum()))


def _scores(rows: list[str]) -> list[list[float]]:
    return [[float(v) for v in row.split(",")[1:]] for row in rows]


def _read(tmp_path: Path, lines: list[str]):
    path = tmp_path / "matrix.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = SimpleNamespace(factors=SimpleNamespace(entropy=SimpleNamespace(matrix=str(path), factors=None, target="production_cost")))
    return _entropy_inputs(cfg, SimpleNamespace(input_file=Path))


def test_the_seed_matrix_gives_the_documented_weights(tmp_path):
    inputs = _read(tmp_path, LINES)
    assert inputs.weights.tolist() == pytest.approx(DOC_WEIGHTS, abs=5e-4)
    assert inputs.weights.tolist() == pytest.approx(_weights_by_hand(_scores(ROWS)), rel=1e-12)


# (1) a column numbering the rows


@pytest.mark.parametrize("heading", ["#", "No.", "S/N", "Sl. No.", "Sr No", "row", "index", "№"])
def test_a_row_number_column_is_no_indicator(tmp_path, heading):
    """The numbering replaces the expert column, numbered 1..15 (0..14 for `index`, as pandas numbers)."""
    first = 0 if heading == "index" else 1
    inputs = _read(tmp_path, [heading + HEADER[len("expert"):], *(f"{i + first},{row.split(',', 1)[1]}" for i, row in enumerate(ROWS))])
    assert inputs.codes == [f"F{i}" for i in range(1, 9)]
    assert inputs.weights.tolist() == pytest.approx(DOC_WEIGHTS, abs=5e-4)  # before: 9 weights, the numbering's 0.108


def test_pandas_written_index_beside_the_expert_column_is_no_indicator(tmp_path):
    """pd.read_csv then to_csv: the index comes back as `Unnamed: 0`, 0..14, before `expert`."""
    inputs = _read(tmp_path, ["Unnamed: 0," + HEADER, *(f"{i},{row}" for i, row in enumerate(ROWS))])
    assert inputs.codes == [f"F{i}" for i in range(1, 9)]
    assert inputs.weights.tolist() == pytest.approx(DOC_WEIGHTS, abs=5e-4)


@pytest.mark.parametrize("heading", ["Number of faces", "no_of_rows", "indexed_reserves"])
def test_an_indicator_whose_name_starts_like_a_numbering_is_weighed(tmp_path, heading):
    """The near miss: a name that only begins as a row heading is a column of scores like F1..F8."""
    extra = [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 2, 4, 1, 3, 2]
    inputs = _read(tmp_path, [f"{HEADER},{heading}", *(f"{row},{v}" for row, v in zip(ROWS, extra, strict=True))])
    assert inputs.codes[-1] == heading
    rows = [[*scores, v] for scores, v in zip(_scores(ROWS), extra, strict=True)]
    assert inputs.weights.tolist() == pytest.approx(_weights_by_hand(rows), rel=1e-12)


# (2) an expert's row twice


def test_an_experts_row_pasted_twice_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"matrix.csv: the row of expert 1 is there twice, every answer alike; expected one row per expert$"):
        _read(tmp_path, [*LINES, ROWS[0]])  # before: F1 0.132 -> 0.121, F7 0.103 -> 0.135, exit 0


def test_two_experts_who_agree_are_both_weighed(tmp_path):
    """The near misses: one expert's answers under a new label (16), and two rows alike in a matrix without labels."""
    agreeing = [*ROWS, "16," + ROWS[0].split(",", 1)[1]]
    expected = _weights_by_hand(_scores(agreeing))
    assert expected[0] == pytest.approx(0.121, abs=5e-4)  # not the seed's weights: the answers count twice, as given
    assert _read(tmp_path, [HEADER, *agreeing]).weights.tolist() == pytest.approx(expected, rel=1e-12)
    unlabelled = [line.split(",", 1)[1] for line in [HEADER, *ROWS, ROWS[0]]]
    assert _read(tmp_path, unlabelled).weights.tolist() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("label", ["Mean", "Average", "Total", "Sum", "Std. dev.", "Weight"])
def test_a_summary_row_under_the_experts_is_refused(tmp_path, label):
    totals = [sum(column) for column in zip(*_scores(ROWS), strict=True)]
    summary = f"{label}," + ",".join(f"{v:g}" for v in totals)
    assert _weights_by_hand([*_scores(ROWS), totals])[2] == pytest.approx(0.127, abs=5e-4)  # before: F3 0.187 -> 0.127, exit 0
    with pytest.raises(DataError, match=rf"the row of expert '{re.escape(label)}' is a summary of the experts' rows, not one's answers; expected "):
        _read(tmp_path, [*LINES, summary])


def test_experts_named_like_a_statistic_are_experts(tmp_path):
    """The near miss: a first name or initials (`Max`, `SD`) and names that only hold a summary word."""
    names = ["Max", "SD", "Sumner", "Dr Mean-Smith", "Total Mining Ltd", *(f"E{i}" for i in range(10))]
    inputs = _read(tmp_path, [HEADER, *(f"{name},{row.split(',', 1)[1]}" for name, row in zip(names, ROWS, strict=True))])
    assert inputs.weights.tolist() == pytest.approx(DOC_WEIGHTS, abs=5e-4)


# (3) an empty or non-finite cell


@pytest.mark.parametrize("cell, said", [("", "is empty"), ("NA", "is empty"), ("inf", "holds inf"), ("-inf", "holds -inf")])
def test_an_unanswered_or_infinite_cell_is_named(tmp_path, cell, said):
    lines = [*LINES]
    lines[3] = lines[3].rsplit(",", 1)[0] + "," + cell  # expert 3's F8
    with pytest.raises(DataError, match=rf"column 'F8' {said} in row 3 under the header; expected a finite number in every cell"):
        _read(tmp_path, lines)


# (4) settings nothing reads


def test_predicts_text_in_a_training_run_is_refused(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("replace pump seal\n", encoding="utf-8")
    assert_refused(["factors", "extract", f"factors.extract.text={notes}", f"hydra.run.dir={tmp_path / 'run'}"],
                   f"error: factors.extract.text={notes} in a training run, which tags no text; expected it with `minectl factors "
                   f"extract predict RUN_DIR factors.extract.text={notes} out=DIR`", inputs=[notes], run_dir=tmp_path / "run")
    extract.check(OmegaConf.structured(extract.Config))  # the near miss: a training run without it


@pytest.mark.parametrize("given, said", [({"lexicon": True}, "factors.extract.lexicon=true"),
                                         ({"dictionary": "conf/factors/seed001/table12.csv"},
                                          "factors.extract.dictionary=conf/factors/seed001/table12.csv")])
def test_a_dictionary_no_model_reads_is_refused(given, said):
    """models=[crf]: the feature CRF without dictionary features; the terms were read, checked and used by nothing."""
    cfg = OmegaConf.structured(extract.Config)
    cfg.factors.extract.models, cfg.factors.extract.best = ["crf"], "crf"
    for key, value in given.items():
        cfg.factors.extract[key] = value
    with pytest.raises(ConfigError, match=re.escape(f"{said} with factors.extract.models=['crf']: crf tags by words and shapes, no "
                                                    "dictionary; expected one of the models that read it among them (dictionary, "
                                                    "crf_dict, bilstm, bilstm_crf)")):
        extract.check(cfg)
    for models in (["crf", "crf_dict"], ["dictionary", "crf"], ["crf", "bilstm"]):  # the near misses: a model reads it
        cfg.factors.extract.models = models
        extract.check(cfg)


def _without_estimator_checks(monkeypatch):
    """factors.check without KGEModel's parameter checks (which import torch and sklearn: seconds, tested elsewhere)."""
    import minectl.factors.link_prediction as link_prediction

    monkeypatch.setattr(link_prediction, "check_estimators", lambda estimators, models, key: estimators)


def _factors_config(**ranking):
    cfg = OmegaConf.structured(factors.Config)
    cfg.factors.kge.models, cfg.factors.kge.estimators = ["transe"], {"transe": {"dim": 8}}
    for key, value in ranking.items():
        OmegaConf.update(cfg, key, value)
    return cfg


@pytest.mark.parametrize("overrides, said", [
    ({"factors.ranking.embedding_model": "transe", "factors.kge.graph": "examples/data/kge/nations"},
     "factors.ranking.embedding_model=transe with factors.kge.graph=examples/data/kge/nations (embeddings of its entities"),
    ({"factors.ranking.embedding_model": "transe", "factors.ranking.alpha": 0.0},
     "factors.ranking.embedding_model=transe with factors.ranking.alpha=0 (no weight on the plausibility): no ranking reads it"),
    ({"factors.kge.unseen": "drop"}, "factors.kge.unseen=drop with factors.kge.graph=mining, whose split keeps each held-out"),
])
def test_a_setting_no_run_reads_is_refused(overrides, said, monkeypatch):
    _without_estimator_checks(monkeypatch)
    with pytest.raises(ConfigError, match=re.escape(said)):
        factors.check(_factors_config(**overrides))


@pytest.mark.parametrize("overrides", [{"factors.ranking.embedding_model": "transe"},  # the mining graph, alpha 0.2
                                       {"factors.kge.graph": "examples/data/kge/nations"},  # a benchmark, no model named
                                       {"factors.ranking.alpha": 0.0},  # paths only, no model named
                                       {"factors.kge.graph": "examples/data/kge/nations", "factors.kge.unseen": "drop"}])
def test_the_near_misses_pass_the_check(overrides, monkeypatch):
    _without_estimator_checks(monkeypatch)
    factors.check(_factors_config(**overrides))


# (5) the ranking's title

FITTED = SimpleNamespace(best_valid_mrr_=0.5)  # a fitted model as _ranking reads it; its plausibility is monkeypatched
DECLARED = "head,head_type,relation,tail,tail_type,weight,sign,unit,condition,cite\n"


class _Out:
    def __init__(self):
        self.printed = []

    def table(self, name, frame):
        pass

    def plot(self, name, figure):
        import matplotlib.pyplot as plt

        plt.close(figure)

    @property
    def console(self):
        return SimpleNamespace(print=lambda text, **_: self.printed.append(text))


@pytest.mark.parametrize("graph, fitted, alpha, title", [
    ("mining", {}, 0.2, "graph paths only: no embedding of the mining graph"),  # factors.kge.models=[]
    ("examples/data/kge/nations", {"transe": FITTED}, 0.2, "graph paths only: no embedding of the mining graph"),
    ("mining", {"transe": FITTED}, 0.0, "graph paths only: factors.ranking.alpha=0"),
    ("mining", {"transe": FITTED}, 0.2, "graph paths and embedding plausibility"),  # the default run's, as docs/factors.md shows
])
def test_the_ranking_title_says_what_the_score_holds(tmp_path, monkeypatch, graph, fitted, alpha, title):
    """x -Positive-> t (0.9) and y -Affect-> t (0.6); the plausibility (a stand-in for the model's) 0.5 each."""
    import minectl.factors.link_prediction as link_prediction

    monkeypatch.setattr(link_prediction, "plausibility", lambda model, splits, target, relations: {"x": 0.5, "y": 0.5})
    schema = Schema.from_config(ENTITY_TYPES, RELATION_TYPES)
    path = tmp_path / "k.csv"
    path.write_text(DECLARED + "x,Parameters,Positive,t,Cost,,,,,c\ny,Parameters,Affect,t,Cost,,,,,c\n", encoding="utf-8")
    built = build_graph(schema, load_declared([path]))
    store = built.store()
    cfg = _factors_config(**{"factors.kge.graph": graph, "factors.ranking.alpha": alpha, "factors.query.cost": "t"})
    out = _Out()
    _ranking(cfg, built, influence_hops(store, schema), store, Knowledge(), None, fitted, None, out)
    lines = out.printed[0].splitlines()
    assert lines[0] == f"top 2 factors of t (score = {title}):"
    scores = (0.9, 0.6) if title.startswith("graph paths only") else (0.8 * 0.9 + 0.2 * 0.5, 0.8 * 0.6 + 0.2 * 0.5)
    assert [line.split(" score ")[1].split(",")[0] for line in lines[1:] if not line.startswith("       ")] == [f"{v:.3f}" for v in scores]


# (6) a type of words in a CoNLL file


def test_a_type_of_words_in_a_tab_separated_conll_file_is_read(tmp_path):
    conll = tmp_path / "c.conll"
    conll.write_text("replace\tO\nair\tB-Physical Object\nfilter\tI-Physical Object\n\ncheck\tO\npump\tB-Item\n",
                     encoding="utf-8")
    docs = read_corpus(conll)
    assert [(doc.tokens, doc.entities) for doc in docs] == [(["replace", "air", "filter"], [Span(1, 3, "Physical Object")]),
                                                            (["check", "pump"], [Span(1, 2, "Item")])]
    doccano = tmp_path / "c.jsonl"  # the same sentences as Doccano writes them: the same documents
    doccano.write_text('{"text": "replace air filter", "label": [[8, 18, "Physical Object"]]}\n'
                       '{"text": "check pump", "label": [[6, 10, "Item"]]}\n', encoding="utf-8")
    assert [(doc.tokens, doc.entities) for doc in read_corpus(doccano)] == [(doc.tokens, doc.entities) for doc in docs]


def test_a_type_of_words_split_by_a_space_separated_file_is_named(tmp_path):
    path = tmp_path / "c.conll"
    path.write_text("replace O\nair B-Physical Object\nfilter I-Physical Object\n\ncheck O\n", encoding="utf-8")
    with pytest.raises(DataError, match=re.escape("c.conll: line 2: 'air B-Physical Object': last column 'Object' is no tag (a type of "
                                                  "words, 'B-Physical Object'? separate the columns by tabs); expected")):
        read_corpus(path)


def test_a_bare_type_of_words_is_still_refused(tmp_path):
    """The near miss: IO tagging (no B-/I-) is not read, with or without a space in the type."""
    path = tmp_path / "c.conll"
    path.write_text("air\tPhysical Object\nfilter\tO\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"last column 'Physical Object' is no tag; expected"):
        read_corpus(path)


# (7) a compressed corpus or split


@pytest.mark.parametrize("compress, said", [("gzip", "a gzip-compressed file (decompress it), not text"),
                                            ("bz2", "a bzip2-compressed file (decompress it), not text"),
                                            ("zip", "a zip archive (an .xlsx workbook, or files zipped: save the sheet as CSV, or unzip "
                                                    "it), not text")])
def test_a_compressed_corpus_is_named(tmp_path, compress, said):
    import bz2
    import gzip
    import io
    import zipfile

    text = "replace\tO\npump\tB-Item\n\n".encode()
    if compress == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("c.conll", text)
        data = buffer.getvalue()
    else:
        data = {"gzip": gzip.compress, "bz2": bz2.compress}[compress](text)
    path = tmp_path / f"c.conll.{compress}"
    path.write_bytes(data)
    with pytest.raises(DataError, match=re.escape(f"c.conll.{compress}: {said}; expected a labelled text file")):  # was "byte 1"
        read_corpus(path)
    plain = tmp_path / "plain.conll"  # the near miss: the same text uncompressed
    plain.write_bytes(text)
    assert [(doc.tokens, doc.entities) for doc in read_corpus(plain)] == [(["replace", "pump"], [Span(1, 2, "Item")])]


def test_a_gzipped_kge_split_is_named(tmp_path):
    import gzip

    from minectl.factors.kge.data import load_splits

    nations = ROOT / "examples/data/kge/nations"
    for name in ("valid.txt", "test.txt"):
        (tmp_path / name).write_bytes((nations / name).read_bytes())
    (tmp_path / "train.txt").write_bytes(gzip.compress((nations / "train.txt").read_bytes()))
    with pytest.raises(DataError, match=re.escape("train.txt: a gzip-compressed file (decompress it), not text; expected a "
                                                  "tab-separated UTF-8 triples file")):
        load_splits(tmp_path)
