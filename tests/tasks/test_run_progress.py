"""Run.progress_per_model: the bar per trained model that `factors extract` and `factors` (KGE) draw."""

import contextlib
import io

from rich.console import Console

from minectl.results import Run


def test_progress_per_model_opens_a_named_bar_a_model_and_closes_them_all_on_leaving(tmp_path, monkeypatch):
    out = Run(tmp_path, seed=0)
    events = []

    @contextlib.contextmanager
    def progress(total, description):
        events.append(("open", description, total))
        yield lambda n=1: events.append(("advance", description, n))
        events.append(("close", description))

    monkeypatch.setattr(out, "progress", progress)
    with out.progress_per_model("{}: epochs") as bar_of:
        bar_of("TransE", 3)(2)
        bar_of("DistMult", 5)()
        assert not any(event[0] == "close" for event in events), "bars stay open while the models fit"
    assert events == [("open", "TransE: epochs", 3), ("advance", "TransE: epochs", 2),
                      ("open", "DistMult: epochs", 5), ("advance", "DistMult: epochs", 1),
                      ("close", "DistMult: epochs"), ("close", "TransE: epochs")]


def test_progress_per_model_draws_on_a_terminal_and_stays_quiet_otherwise(tmp_path):
    for terminal in (True, False):
        screen = io.StringIO()
        out = Run(tmp_path, seed=0, console=Console(file=screen, force_terminal=terminal, width=80))
        with out.progress_per_model("fitting {}") as bar_of:
            bar_of("crf_dict", 4)(4)
        assert ("fitting crf_dict" in screen.getvalue()) is terminal
