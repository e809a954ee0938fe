"""`minectl factors extract`: entities and relations from text (seed 001, sections 2.2 and 3.2).

Trains and scores the taggers (dictionary, feature CRF with and without dictionary features,
BiLSTM without and with CRF) on a labelled corpus (the authors' split, or k-fold CV), extracts
relations (a pair classifier where the corpus has relation labels) and writes the graph triples
of the best tagger's test predictions to tables/triples.parquet (the factors graph reads it).

`minectl factors extract predict RUN_DIR factors.extract.text=FILE [out=DIR]` tags new text
with the run's saved tagger and writes its triples (see `predict_cli`)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

from omegaconf import OmegaConf

from minectl.config import TaskConfig, unread_settings
from minectl.constraints import at_least, between, finite_nonneg, greater_than, unique_items
from minectl.errors import ConfigError, DataError, config_keys

if TYPE_CHECKING:
    from minectl.results import Run

RELATIONS_FILE = "model/relations.json"  # the tagger: model/tagger.json + its weights (minectl.text.pipeline.TAGGER_FILES)
# relations.json is 0.55 MB for the default run (MaintIE); 64 MB (115 times as much) refuses a file read whole before it is parsed
MAX_RELATIONS_BYTES = 64 << 20
PREDICT_TABLES = ("entities", "triples", "pending")  # what `predict` writes, a Parquet file each
PREDICT_CHUNK_LINES = 10_000  # lines tagged at a time by `predict` (memory grows with it, not with the file)
# `predict` reads plain text: a table or JSON was tagged line by line, its header, ids, commas, quotes and keys as words
NOT_PLAIN_TEXT = {".json": "a JSON file", ".jsonl": "a JSON Lines file", ".parquet": "a Parquet table", ".xlsx": "a spreadsheet",
                  ".xls": "a spreadsheet"}
DICTIONARY_MODELS = ("dictionary", "crf_dict", "bilstm", "bilstm_crf")  # the taggers reading the terms (crf: words and shapes)
NEURAL_MODELS = ("bilstm", "bilstm_crf")  # the taggers reading factors.extract.tagger (crf_dict: its SEGMENTING keys only)
TABLE_TEXT = {".csv": "a CSV table", ".tsv": "a tab-separated table"}  # read as tables: factors.extract.text_column, a row an entry


@dataclass
class TaggerConfig:  # the BiLSTM(-CRF) taggers (minectl/text/neural.py)
    char_encoder: str = "lstm"  # lstm | cnn
    word_dim: int = at_least(1, default=100)
    char_dim: int = at_least(1, default=30)
    char_hidden: int = at_least(2, default=50)
    dict_dim: int = at_least(0, default=20)  # 0: no dictionary feature
    hidden: int = at_least(1, default=100)
    dropout: float = between(0, 1, default=0.3, closed="left")
    word_dropout: float = between(0, 1, default=0.05, closed="left")
    learning_rate: float = greater_than(0, default=0.003)
    batch_size: int = at_least(1, default=16)
    max_epochs: int = at_least(1, default=40)
    patience: int = at_least(1, default=10)
    word_vectors: bool = True  # skip-gram vectors trained on all the corpus' text (no labels)
    vector_epochs: int = at_least(1, default=5)
    dict_folds: int = at_least(2, default=5)
    # dictionary matches first, the tagger fills the rest (the seed's top-weight user dictionary): the
    # training forms tagged at least this often; null: the tagger alone
    dictionary_first: Optional[float] = between(0, 1, default=0.9)
    # nested entities inside the tagger's spans: forms annotated inside longer entities at least
    # this often in training ("filters" in "air filters"); null: flat output only
    nested: Optional[float] = between(0, 1, default=None)


@dataclass
class FeatureCRFConfig:  # python-crfsuite's L-BFGS
    c1: float = finite_nonneg(default=0.05)
    c2: float = finite_nonneg(default=0.05)
    max_iterations: int = at_least(1, default=150)
    word_classes: bool = True  # each word's English classes (noun, verb, adjective) as features


@dataclass
class RelationsConfig:
    classifier: bool = True  # learn relations where the corpus has them (MaintIE)
    C: float = greater_than(0, default=1.0)


@dataclass
class ExtractParams:
    corpus: str = "examples/data/maintie/gold_release.json"  # labelled text: .json span JSON, .jsonl Doccano, CoNLL
    format: Optional[str] = None  # span_json | doccano | conll; null: from the suffix
    levels: int = at_least(1, default=5)  # hierarchical classes (MaintIE): 1 | 5 | 32 | 224
    cv_folds: int = at_least(0, default=0)  # 0: the authors' split only; k >= 2: also k-fold CV (mean, sd)
    models: List[str] = unique_items(default_factory=lambda: ["dictionary", "crf", "crf_dict", "bilstm", "bilstm_crf"])
    best: str = "crf_dict"  # the tagger saved, and whose entities give the triples (not dictionary)
    lexicon: bool = False  # add the seed's mining-cost terms (Table 4/5) to the dictionary
    dictionary: Optional[str] = None  # a user dictionary, TSV term<TAB>type
    min_precision: float = between(0, 1, default=0.5)  # a training form enters the dictionary if tagged this often
    max_sentences: Optional[int] = at_least(10, default=None)  # the first n sentences only (debug=quick)
    threads: int = at_least(1, default=1)  # torch threads
    text: Optional[str] = None  # `predict`: the plain text to tag, one entry a line
    tagger: TaggerConfig = field(default_factory=TaggerConfig)
    crf: FeatureCRFConfig = field(default_factory=FeatureCRFConfig)
    relations: RelationsConfig = field(default_factory=RelationsConfig)


@dataclass
class FactorsNode:
    extract: ExtractParams = field(default_factory=ExtractParams)


@dataclass
class Config(TaskConfig):
    factors: FactorsNode = field(default_factory=FactorsNode)


KEYS = {"models": "factors.extract.models", "cv_folds": "factors.extract.cv_folds"}
# the tagger's settings read by the crf_dict tagger too (minectl.text.pipeline.make_tagger), the rest by the BiLSTMs only
SEGMENTING = ("dictionary_first", "nested", "dict_folds")


def _with_models(models: tuple[str, ...]):
    """(what reads a setting, whether this run does): a setting read only by some of factors.extract.models."""
    return (f"factors.extract.models holding {' or '.join(models)}",
            lambda cfg: bool(set(cfg.factors.extract.models) & set(models)))


# settings of a tagger this run does not fit: `factors.extract.tagger.hidden=200` with models [crf, crf_dict] changed nothing
READ_ONLY_WITH = {
    **{f"factors.extract.tagger.{key}": _with_models(("crf_dict", "bilstm", "bilstm_crf") if key in SEGMENTING else NEURAL_MODELS)
       for key in TaggerConfig.__dataclass_fields__},
    **{f"factors.extract.crf.{key}": _with_models(("crf", "crf_dict")) for key in FeatureCRFConfig.__dataclass_fields__},
    "factors.extract.min_precision": _with_models(DICTIONARY_MODELS),
    "factors.extract.relations.C": ("factors.extract.relations.classifier=true", lambda cfg: cfg.factors.extract.relations.classifier),
}


def check(cfg: Config) -> None:
    """Choices and relations between keys, for every sweep value before any job (their options
    live in the stage modules)."""
    from minectl.data.sources import check_input
    from minectl.text.corpus import FORMATS, LEVELS
    from minectl.text.pipeline import MODELS

    p = cfg.factors.extract
    if p.levels not in LEVELS:
        raise ConfigError(f"factors.extract.levels={p.levels}; expected one of {', '.join(map(str, LEVELS))}")
    if p.format is not None and p.format not in FORMATS:
        raise ConfigError(f"factors.extract.format={p.format}; expected one of {', '.join(FORMATS)} or null")
    unknown = [m for m in p.models if m not in MODELS]
    if unknown or not p.models:
        raise ConfigError(f"factors.extract.models={list(p.models)}; expected some of {', '.join(MODELS)}")
    if p.best == "dictionary" or p.best not in p.models:
        raise ConfigError(f"factors.extract.best={p.best}; expected a tagger of factors.extract.models other than dictionary")
    if p.tagger.char_encoder not in ("lstm", "cnn"):
        raise ConfigError(f"factors.extract.tagger.char_encoder={p.tagger.char_encoder}; expected lstm or cnn")
    if p.cv_folds == 1:
        raise ConfigError("factors.extract.cv_folds=1; expected 0 (no CV) or at least 2 folds")
    if (p.dictionary or p.lexicon) and not set(p.models) & set(DICTIONARY_MODELS):  # read, checked, then used by no model
        given = f"factors.extract.dictionary={p.dictionary}" if p.dictionary else "factors.extract.lexicon=true"
        raise ConfigError(f"{given} with factors.extract.models={list(p.models)}: crf tags by words and shapes, no dictionary; "
                          f"expected one of the models that read it among them ({', '.join(DICTIONARY_MODELS)})")
    if p.text is not None:  # read by `predict` alone: a training run trained and scored on the corpus, the text untagged, exit 0
        raise ConfigError(f"factors.extract.text={p.text} in a training run, which tags no text; expected it with `minectl factors "
                          f"extract predict RUN_DIR factors.extract.text={p.text} out=DIR` (RUN_DIR: a finished training run)")
    check_input("factors.extract.corpus", p.corpus)
    if p.dictionary:
        check_input("factors.extract.dictionary", p.dictionary)


def _terms(p: ExtractParams, types: set[str], hierarchical: bool, out: Run) -> dict:
    """The seed's terms (lexicon) of the corpus' ``types`` and the user dictionary (found and recorded as every input is),
    their types cut to the level as the corpus' were (``hierarchical``: corpus.is_hierarchical)."""
    from minectl.text.corpus import at_level
    from minectl.text.dictionary import read_terms
    from minectl.text.lexicon import ENTITY_TYPES, mining_terms

    user = read_terms(out.input_file(p.dictionary), p.levels, types, hierarchical) if p.dictionary else {}
    if not p.lexicon:
        return user
    # a seed's term typed as no gold entity is (MaintIE's `truck` is a PhysicalObject, not a Facility; at levels=1 every
    # type is Entity) was matched first and output as such, counted wrong with exit 0
    lexicon = {term: at_level(kind, p.levels) for term, kind in mining_terms().items() if at_level(kind, p.levels) in types}
    if not lexicon:
        raise ConfigError(f"factors.extract.lexicon=true: the corpus has none of the seed's types ({', '.join(ENTITY_TYPES)}) at "
                          f"{p.levels} classes, its types are {', '.join(sorted(types)[:8])}{', ...' if len(types) > 8 else ''}; "
                          "expected a corpus tagged with the seed's types (or factors.extract.lexicon=false)")
    return {**lexicon, **user}


@config_keys(KEYS)
def run(cfg: Config, out: Run) -> dict:
    import polars as pl
    import torch

    from minectl.text import pipeline
    from minectl.text.corpus import is_hierarchical, read_corpus, relabel

    p = cfg.factors.extract
    torch.set_num_threads(p.threads)
    path = out.input_file(p.corpus)
    given = read_corpus(path, p.format)
    docs = relabel(given, p.levels)
    # relations of two types of one span, or repeating one, once their types meet at the level (none in MaintIE)
    merged = sum(len(d.relations) for d in given) - sum(len(d.relations) for d in docs)
    hierarchical = is_hierarchical(e.type for d in given for e in d.entities)
    terms = _terms(p, {e.type for d in docs for e in d.entities}, hierarchical, out)
    docs = docs[: p.max_sentences]
    if len(docs) < 10:
        raise DataError(f"{path}: {len(docs)} sentences; expected at least 10 to split into train, dev and test")
    neural = OmegaConf.to_container(p.tagger, resolve=True)
    crf = OmegaConf.to_container(p.crf, resolve=True)
    unlabelled = [d.tokens for d in docs]  # all the corpus' text, without labels, for the word vectors

    train, dev, test = pipeline.authors_split(docs)
    pipeline.check_entities(f"{path}: the file-order split", train, dev, test, p.models)
    for fold, parts in enumerate(pipeline.kfold_splits(docs, p.cv_folds, out.seed) if p.cv_folds else [], 1):
        pipeline.check_entities(f"{path}: CV fold {fold} of {p.cv_folds}", *parts, p.models)
    with out.progress_per_model("fitting {}") as progress:  # advanced per epoch or CRF iteration
        scores, predictions, fitted = pipeline.compare_taggers(train, dev, test, unlabelled, p.models, terms, out.seed, neural, crf,
                                                               p.min_precision, progress)
    ceiling, dropped = pipeline.flat_ceiling(test)
    metrics: dict = {"ner": {name: pipeline.ner_metrics(s) for name, s in scores.items()},
                     "flat_ceiling": {"f1_micro": 100 * ceiling["micro"]["f1"]},
                     "nested_dropped": {"train": sum(pipeline.flatten(d.entities)[1] for d in train), "test": dropped},
                     "sentences": {"train": len(train), "dev": len(dev), "test": len(test),
                                   "test_seen": pipeline.repeated(test, train + dev)},
                     "entities": {"test": sum(len(d.entities) for d in test)}}
    if merged:  # said, not dropped in silence (MaintIE has none: its metrics keep their keys)
        metrics["relations_merged"] = merged
    rows = [r for name, s in scores.items() for r in pipeline.score_rows(name, s)]
    out.table("ner_scores", pl.DataFrame(rows))

    best = fitted[p.best]
    with out.artefact(f"model/{pipeline.weights_file(best)}") as weights, out.artefact("model/tagger.json") as meta:
        best.save(weights, meta)
    if p.relations.classifier and any(d.relations for d in train):
        from minectl.text.relations import PairClassifier, relation_scores, shared_pairs

        classifier = PairClassifier(C=p.relations.C, random_state=out.seed).fit(train)
        on_gold = classifier.predict(test)
        predicted = pipeline.with_entities(test, predictions[p.best])
        end_to_end = classifier.predict(predicted)
        strip = lambda found: [[(h, t, r) for h, t, r, _ in f] for f in found]  # noqa: E731
        gold_scores = relation_scores(test, pipeline.with_entities(test, [d.entities for d in test], strip(on_gold)))
        e2e_scores = relation_scores(test, pipeline.with_entities(predicted, predictions[p.best], strip(end_to_end)))
        metrics["re"] = {"f1_strict": 100 * e2e_scores["micro"]["f1"], "f1_strict_gold_entities": 100 * gold_scores["micro"]["f1"],
                         **{kind: {"f1": 100 * s["f1"]} for kind, s in e2e_scores.items() if kind not in ("micro", "macro")}}
        shared = {"train": shared_pairs(train), "test": shared_pairs(test)}
        if any(shared.values()):  # said, not dropped in silence (MaintIE has none: its metrics keep their keys)
            metrics["re"]["shared_pair"] = shared
        rows = pipeline.score_rows("end_to_end", e2e_scores) + pipeline.score_rows("gold_entities", gold_scores)
        out.table("re_scores", pl.DataFrame(rows))
        with out.artefact(RELATIONS_FILE) as target:
            target.write_text(json.dumps(classifier.to_json()))
        triples = pipeline.pair_triples(predicted, end_to_end)
    else:  # no relation labels: the seed's rules on the test sentences, with the best tagger's entities
        from minectl.text.relations import tagged_rule_triples

        triples, pending = [], []
        for doc, (found, left) in zip(test, tagged_rule_triples([doc.text for doc in test], best), strict=True):
            triples += found
            pending += [{"sentence": doc.text, "clause": clause} for clause in left]
        out.table("pending", pl.DataFrame(pending, schema={"sentence": pl.String, "clause": pl.String}))
        metrics["pending_clauses"] = len(pending)
    out.table("triples", pipeline.triples_frame(triples))
    if p.cv_folds:
        metrics["ner_cv"], metrics["sentences"]["cv_test_seen"] = _cross_validate(docs, p, terms, neural, crf, unlabelled, out)
    # the classes of the sentences read, not the levels' name: a flat corpus' types (not cut at levels=5), MaintIE's 28 at levels=32
    classes = len({e.type for d in docs for e in d.entities})
    scope = f"factors.extract.levels={p.levels}" if hierarchical or p.levels == 1 else "flat types, not cut by factors.extract.levels"
    _print(out, metrics, p, f"{classes} class{'es' * (classes != 1)}; {scope}")
    for line in unread_settings(READ_ONLY_WITH, cfg):
        out.warn(line)
    return metrics


def _cross_validate(docs, p: ExtractParams, terms, neural, crf, unlabelled, out: Run) -> tuple[dict, int]:
    """k-fold CV of every model: mean and sd of the micro and macro F1 (the seed's Table 9); and how
    many held-out sentences repeat one of their fold's training or dev sentences word for word."""
    import polars as pl

    from minectl.text import pipeline

    found: dict[str, list] = {name: [] for name in p.models}
    test_seen = 0
    with out.progress(p.cv_folds, "cross-validation folds") as advance:
        for train, dev, test in pipeline.kfold_splits(docs, p.cv_folds, out.seed):
            test_seen += pipeline.repeated(test, train + dev)
            scores, _, _ = pipeline.compare_taggers(train, dev, test, unlabelled, p.models, terms, out.seed, neural, crf, p.min_precision)
            for name, s in scores.items():
                found[name].append(s)
            advance(1)
    rows, metrics = [], {}
    for name, folds in found.items():
        metrics[name] = {}
        for avg in ("micro", "macro"):
            mean, sd = pipeline.mean_sd([100 * s[avg]["f1"] for s in folds])
            metrics[name][f"f1_{avg}_mean"], metrics[name][f"f1_{avg}_sd"] = mean, sd
        for kind in sorted({k for s in folds for k in s} - {"micro", "macro"}):
            present = [100 * s[kind]["f1"] for s in folds if kind in s]  # folds where the type is in gold or prediction
            mean, sd = pipeline.mean_sd(present)
            rows.append({"model": name, "type": kind, "f1_mean": mean, "f1_sd": sd, "folds": len(present)})
    out.table("ner_cv", pl.DataFrame(rows))
    return metrics, test_seen


def _print(out: Run, metrics: dict, p: ExtractParams, classes: str) -> None:
    from rich.table import Table

    table = Table(title=f"entity F1 on the test split ({classes}), % ; flat ceiling {metrics['flat_ceiling']['f1_micro']:.2f}")
    for column in ("model", "micro F1", "macro F1", "P", "R"):
        table.add_column(column)
    for name, m in metrics["ner"].items():
        table.add_row(name, f"{m['f1_micro']:.2f}", f"{m['f1_macro']:.2f}", f"{m['precision_micro']:.2f}", f"{m['recall_micro']:.2f}")
    out.console.print(table)
    sentences = metrics["sentences"]
    if sentences["test_seen"]:
        out.console.print(f"[yellow]{sentences['test_seen']} of {sentences['test']} test sentences also occur word for word in "
                          "the training or dev sentences: the scores overstate what the taggers do on new text[/]")
    if sentences.get("cv_test_seen"):
        out.console.print(f"[yellow]cross-validation: {sentences['cv_test_seen']} of {sum(sentences[k] for k in ('train', 'dev', 'test'))} "
                          "held-out sentences also occur word for word in their fold's training or dev sentences[/]")
    if "re" in metrics:
        out.console.print(f"relations, strict micro F1: {metrics['re']['f1_strict']:.2f} with {p.best}'s entities, "
                          f"{metrics['re']['f1_strict_gold_entities']:.2f} with gold entities")
    if "relations_merged" in metrics:
        out.console.print(f"[yellow]{metrics['relations_merged']} relations join two types of one span, or repeat another, once "
                          f"their types meet at factors.extract.levels={p.levels}: left out (one entity there)[/]")
    if "shared_pair" in metrics.get("re", {}):
        shared = metrics["re"]["shared_pair"]
        out.console.print(f"[yellow]{shared['train']} training and {shared['test']} test relations join an entity pair another "
                          "relation joins too: the pair classifier gives a pair one relation (it learns the last listed), so those "
                          "training relations are left out and such test relations count as missed[/]")


# ---------------------------------------------------------------------------- predict


def predict_cli(run, overrides: list[str]) -> None:
    """`minectl factors extract predict RUN_DIR factors.extract.text=FILE [factors.extract.text_column=NAME] [out=DIR]`:
    tag each line of FILE (of a .csv/.tsv table: each row's cell in the column NAME, which a one-column table may leave
    out; the tables' `line` is then the row under the header) with the run's tagger; write entities, triples (the pair classifier where the
    run has one, and the seed's rules) and the clauses no rule matched (pending) as Parquet
    tables into DIR (the CLI's default: a new folder outputs/extract_predict/DATE/TIME, never
    inside RUN_DIR). ``run``: the RunFolder read by read_run."""
    import pyarrow.parquet as pq
    from rich.console import Console

    from minectl.atomic import atomic_path
    from minectl.data.sources import resolve_input
    from minectl.runfolder import check_plain_files, read_text
    from minectl.text.corpus import MAX_TOKENS
    from minectl.text.pipeline import load_tagger
    from minectl.text.relations import PairClassifier

    text, folder, column = None, None, None
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or key not in ("factors.extract.text", "factors.extract.text_column", "out"):
            raise ConfigError(f"factors extract predict: override {item!r}; expected factors.extract.text=FILE, "
                              "factors.extract.text_column=NAME or out=DIR")
        if key == "factors.extract.text":
            text = resolve_input(value)
        elif key == "out":
            folder = Path(value)
        else:
            column = value
    if text is None:
        raise ConfigError("factors extract predict: no text; expected factors.extract.text=FILE (plain text, one entry a line)")
    if folder is None:
        raise ConfigError("factors extract predict: no out=DIR; expected the folder the tables go to")
    tabular = text.suffix.lower() in TABLE_TEXT  # a row an entry, else a line
    if tabular:
        column, numbered = _table_entries(text, column)
    elif column is not None:  # said, not ignored
        raise ConfigError(f"factors extract predict: factors.extract.text_column={column} for {text.name}; expected it with a "
                          f"{'/'.join(TABLE_TEXT)} table only (plain text is an entry a line)")
    else:
        numbered = _text_entries(text)
    long = next(((number, len(words)) for number, _, words in numbered if len(words) > MAX_TOKENS), None)
    if long is not None:
        entry = "row" if tabular else "line"
        raise DataError(f"{text}: {entry} {long[0]}: {long[1]} tokens; expected at most {MAX_TOKENS} an entry (split longer text "
                        f"into {entry}s)")
    check_plain_files(run.dir / "model", "the tagger files a `minectl factors extract` run writes")
    if not (run.dir / "model" / "tagger.json").is_file():
        raise DataError(f"{run.dir}: no model/tagger.json; expected a `minectl factors extract` run folder with its saved tagger")
    tagger = load_tagger(run.dir / "model")
    classifier = None
    if (run.dir / RELATIONS_FILE).is_file():
        try:
            classifier = PairClassifier.from_json(json.loads(read_text(
                run.dir / RELATIONS_FILE, "the relation classifier a run writes", MAX_RELATIONS_BYTES,
                "a run's relation classifier may take (the default run's is 0.55 MB)")))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise DataError(f"{run.dir / RELATIONS_FILE}: unreadable ({exc}); expected the relation classifier a run writes") from None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"factors extract predict: out={folder}: cannot write there ({exc.strerror or exc}); "
                          "expected a writable folder") from None
    # chunks of lines, each table appended as it goes: memory stays flat however long the file
    rows, first_triples = dict.fromkeys(PREDICT_TABLES, 0), None
    with contextlib.ExitStack() as stack:
        paths = {name: stack.enter_context(atomic_path(folder / f"{name}.parquet")) for name in PREDICT_TABLES}
        writers = {}
        for start in range(0, len(numbered), PREDICT_CHUNK_LINES):
            frames = _predicted_tables(numbered[start:start + PREDICT_CHUNK_LINES], tagger, classifier)
            first_triples = frames["triples"].head(10) if first_triples is None else first_triples
            for name, frame in frames.items():
                table = frame.to_arrow()
                if name not in writers:
                    writers[name] = stack.enter_context(pq.ParquetWriter(paths[name], table.schema))
                writers[name].write_table(table)
                rows[name] += frame.height
    console = Console()
    console.print(first_triples)
    entries = f"rows of column {column!r}" if tabular else "lines"
    console.print(f"{len(numbered)} {entries}: {rows['entities']} entities, {rows['triples']} triples, "
                  f"{rows['pending']} pending clauses -> {folder}", markup=False)  # a folder `out[v2]` printed as `out`


def _text_entries(text: Path) -> list[tuple[int, str, list[str]]]:
    """(the file's line number, its text, its words) of every line with text of a plain text file: the tables name
    entries by both."""
    from minectl.text.corpus import CONLL_TAG, read_utf8, text_lines, tokenize

    kind = NOT_PLAIN_TEXT.get(text.suffix.lower())
    if kind:  # `1,replace pump seal,100` was tagged as the words `1,replace`, `pump`, `seal,100`, with exit 0
        raise DataError(f"{text}: {kind}; expected plain text, one entry a line, or a {'/'.join(TABLE_TEXT)} table "
                        "(factors.extract.text_column=NAME: its free-text column)")
    numbered = [(number, line, [t for t, _, _ in tokenize(line)]) for number, line in
                enumerate(map(str.strip, text_lines(read_utf8(text, "a plain text file (one entry a line)"))), 1) if line]
    if not numbered:
        raise DataError(f"{text}: no text; expected plain text, one entry a line")
    # a labelled CoNLL file (the corpus' test part, say): each token tagged as an entry, its tag as a word, exit 0. Not work
    # orders ending in an equipment code (`clean screen deck S-101`, `inspect motor M-4`: no tag names a type by a number) or
    # in `U-bolt`, `E-stop`: a CoNLL file tags most tokens O
    ends = [(number, line, line.split()[-1]) for number, line, _ in numbered if len(line.split()) > 1]
    tagged = [(number, line) for number, line, end in ends if end == "O" or (CONLL_TAG.fullmatch(end) and end[2:3].isalpha())]
    if 2 * len(tagged) > len(numbered) and any(end == "O" for _, _, end in ends):
        raise DataError(f"{text}: {len(tagged)} of its {len(numbered)} lines end in a tag (line {tagged[0][0]}: {tagged[0][1]!r}): "
                        "a CoNLL file; expected plain text, one entry a line (the sentences without their tags)")
    # a table saved as text (Excel's "Text (Tab delimited)" .txt): its header, ids and costs were tagged as words of each
    # entry and a cost after a part read as its value (`pump seal<TAB>1500`: pump seal -Value-> 1500), exit 0
    tabbed = [(number, line) for number, line, _ in numbered if "\t" in line]
    if 2 * len(tabbed) > len(numbered):
        raise DataError(f"{text}: {len(tabbed)} of its {len(numbered)} lines hold tabs (line {tabbed[0][0]}: {tabbed[0][1]!r}): "
                        "a tab-separated table; expected plain text, one entry a line (write its free-text column to a .txt file, "
                        "one entry a line, or save the table as .tsv and name that column: factors.extract.text_column=NAME)")
    return numbered


def _table_entries(path: Path, column: str | None) -> tuple[str, list[tuple[int, str, list[str]]]]:
    """The column read and (the row's number under the header, its text, its words) of every row with text in a table's
    free-text ``column`` (work orders as a spreadsheet keeps them; a cell's line ends are spaces); ``column`` may be left
    out of a one-column table."""
    import polars as pl

    from minectl.data.sources import read_file
    from minectl.text.corpus import tokenize

    table = read_file(path, "work orders table")
    if column is None and table.width != 1:
        raise DataError(f"{path}: {TABLE_TEXT[path.suffix.lower()]}; expected plain text, one entry a line, or the table's free-text "
                        f"column named: factors.extract.text_column=NAME (one of {', '.join(table.columns)})")
    column = table.columns[0] if column is None else column
    if column not in table.columns:
        raise ConfigError(f"factors extract predict: factors.extract.text_column={column}: no such column of {path.name}; expected "
                          f"one of {', '.join(table.columns)}")
    cells = table[column]
    if cells.dtype not in (pl.String, pl.Null):  # ids or costs tagged as words
        raise DataError(f"{path}: column {column!r} holds {cells.dtype} ({cells.drop_nulls().head(1).to_list()}); expected the "
                        "free text of each work order")
    numbered = [(row, entry, [t for t, _, _ in tokenize(entry)])
                for row, entry in enumerate((" ".join((cell or "").split()) for cell in cells), 1) if entry]
    if not numbered:
        raise DataError(f"{path}: no text in column {column!r}; expected the free text of each work order")
    return column, numbered


def _predicted_tables(numbered: list[tuple[int, str, list[str]]], tagger, classifier) -> dict:
    """The entities, triples and pending tables of (line number, text, its words) triples."""
    import polars as pl

    from minectl.text.corpus import Document, join_tokens
    from minectl.text.pipeline import pair_triples, triples_frame
    from minectl.text.relations import tagged_rule_triples

    with_tokens = [(number, Document(words)) for number, _, words in numbered if words]
    spans = tagger.predict([d for _, d in with_tokens]) if with_tokens else []
    tagged = [(number, Document(d.tokens, s)) for (number, d), s in zip(with_tokens, spans, strict=True)]
    triples = pair_triples([d for _, d in tagged], classifier.predict([d for _, d in tagged])) if classifier else []
    pending = []
    for (number, line, _), (found, left) in zip(numbered, tagged_rule_triples([line for _, line, _ in numbered], tagger), strict=True):
        triples += found
        pending += [{"line": number, "sentence": line, "clause": clause} for clause in left]
    entities = pl.DataFrame([{"line": number, "sentence": d.text, "start": s.start, "end": s.end,
                              "text": join_tokens(d.tokens[s.start:s.end]), "type": s.type} for number, d in tagged for s in d.entities],
                            schema={"line": pl.Int64, "sentence": pl.String, "start": pl.Int64, "end": pl.Int64, "text": pl.String,
                                    "type": pl.String})
    return {"entities": entities, "triples": triples_frame(triples),
            "pending": pl.DataFrame(pending, schema={"line": pl.Int64, "sentence": pl.String, "clause": pl.String})}
