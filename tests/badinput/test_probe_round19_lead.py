"""Round 19, the lead's own cases: defects left by earlier rounds."""

from __future__ import annotations

import pytest
from harness import assert_refused

from minectl.text.corpus import read_corpus

SPACED_TYPES = {  # MaintIE writes PhysicalObject; a second annotator's file `Physical Object`: two classes, each scored alone
    "spaces": ("PhysicalObject", "Physical Object"),
    "underscore": ("PhysicalObject", "physical_object"),
    "hyphen": ("UnDesirableEvent", "Undesirable-Event"),
}


@pytest.mark.parametrize("name", SPACED_TYPES)
def test_a_type_spelt_with_and_without_word_breaks_is_refused(name, tmp_path):
    first, second = SPACED_TYPES[name]
    corpus = tmp_path / "c.conll"
    corpus.write_text(f"replace\tO\npump\tB-{first}\n\ncheck\tO\npump\tB-{second}\n")
    run_dir = tmp_path / "run"
    assert_refused(["factors", "extract", f"factors.extract.corpus={corpus}", "debug=quick", f"hydra.run.dir={run_dir}"],
                   [f"c.conll: entity types '{first}' and '{second}' differ only in case, spaces, '_' or '-'",
                    "expected one spelling of each type"], inputs=[corpus], run_dir=run_dir)


def test_types_that_differ_in_more_than_word_breaks_stay_two_classes(tmp_path):
    corpus = tmp_path / "c.conll"
    corpus.write_text("replace\tO\npump\tB-PhysicalObject\n\ncheck\tO\npump\tB-PhysicalObjects\n\nhot\tB-State\n")
    assert sorted({e.type for d in read_corpus(corpus) for e in d.entities}) == ["PhysicalObject", "PhysicalObjects", "State"]
