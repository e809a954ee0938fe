"""Bad-input corpus, round 8: saved models read back from a run folder someone sent. A risk run's
lstm.pt of 2 MB (one deflated tensor of zeros) unpacked to 2 GB before it was refused (2.5 GB, 17 s),
though its file was capped; `hidden_size: 12000` written into model.json built a 5 GB net before the
weights were found not to fit it (`num_layers: 100000` ran past 100 s). A saved tagger's weights had no
cap: a 1 GB tagger.crfsuite was read whole (1.4 GB, 9 s) before its sha256 refused it, a 2 MB tagger.pt
unpacked to 2 GB (2.4 GB, 15 s). Each is now one line naming the file and the limit, refused before the
memory is taken. A model trained with device=cuda was refused on a machine without CUDA, though its
weights are CPU tensors: it now scores there. word_dim 1,000,000 in tagger.json built a 7 GB net before
its weights were found not to fit it; `report` wrote a config.yaml linked from outside the run folder (a
token file) into report.html, and the tables of a tables/ folder linked from elsewhere."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from harness import QUICK_RISK, assert_refused, invoke

MB = 1 << 20


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """A quick risk run of model=lstm, and quick extract runs saving the feature CRF and the BiLSTM-CRF."""
    root = tmp_path_factory.mktemp("made")
    runs = {"lstm": ["risk", *QUICK_RISK, "model=lstm"], "crf": ["factors", "extract", "debug=quick"],
            "neural": ["factors", "extract", "debug=quick", "factors.extract.models=[bilstm_crf]", "factors.extract.best=bilstm_crf"]}
    for name, args in runs.items():
        result = invoke(*args, f"hydra.run.dir={root / name}")
        assert result.exit_code == 0, result.output
    return {name: root / name for name in runs}


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / run.name))


def _deflated_zeros(path: Path, size: int) -> None:
    """``path`` a torch state_dict of one tensor of ``size`` bytes of zeros, re-zipped with deflate:
    torch reads the archive, a thousand times smaller than its tensor."""
    import torch

    saved = io.BytesIO()
    torch.save({"w": torch.zeros(size // 4)}, saved)
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    assert path.stat().st_size < 2 * MB


def _predict_risk_refused(run: Path, tmp_path: Path, expect: str) -> None:
    assert_refused(["risk", "predict", run, f"out={tmp_path / 'scores.parquet'}"], expect, inputs=[run])
    assert not (tmp_path / "scores.parquet").exists()


def _predict_text_refused(run: Path, tmp_path: Path, expect: str) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("replace the hydraulic pump on truck 12\n")
    assert_refused(["factors", "extract", "predict", run, f"factors.extract.text={notes}", f"out={tmp_path / 'out'}"], expect,
                   inputs=[notes, run])
    assert not (tmp_path / "out").exists()


def test_an_lstm_pt_whose_tensors_unpack_past_the_cap_is_refused(made, tmp_path):
    run = _copy(made["lstm"], tmp_path)
    _deflated_zeros(run / "model" / "lstm.pt", 300 * MB)
    _predict_risk_refused(run, tmp_path, f"{run / 'model' / 'lstm.pt'}: 300 MB unpacked, larger than the 256 MB a saved model's "
                                         "weights may take (the default risk model's are 0.04 MB); expected the file a run saved")


def test_a_hidden_size_inflated_in_model_json_is_refused_before_the_net_is_built(made, tmp_path, monkeypatch):
    from minectl.models import sequence

    run = _copy(made["lstm"], tmp_path)
    _edit_meta(run, lambda m: m["params"].update(hidden_size=12000))
    built, real = [], sequence._LSTMNet.__init__  # the devices of the nets built: the meta device's only

    def recording(net, *args):
        real(net, *args)
        built.append(net.embed.weight.device.type)

    monkeypatch.setattr(sequence._LSTMNet, "__init__", recording)
    _predict_risk_refused(run, tmp_path, f"{run / 'model' / 'lstm.pt'}: does not fit the net model.json describes (size mismatch "
                                         "for embed.weight: copying a param with shape torch.Size([8, 48]) from checkpoint, the shape "
                                         "in current model is torch.Size([12000, 48]).); expected the weights the run saved with its model.json")
    assert built == ["meta"]


def _edit_meta(run: Path, change) -> None:
    path = run / "model" / "model.json"
    meta = json.loads(path.read_text())
    change(meta)
    path.write_text(json.dumps(meta))


@pytest.mark.parametrize("change, expect", [
    # nn.LSTM makes each layer in Python: 100,000 ran past 100 s
    (lambda m: m["params"].update(num_layers=100_000), "holds 1 LSTM layer, model.json's num_layers is 100000"),
    (lambda m: m["params"].update(num_layers="1"), "holds 1 LSTM layer, model.json's num_layers is '1'"),
    (lambda m: m.update(n_dynamic=10**9), "does not fit the net model.json describes (size mismatch for embed.weight: copying a "
                                          "param with shape torch.Size([8, 48]) from checkpoint, the shape in current model is "
                                          "torch.Size([8, 1000000000]).)"),  # a 32 GB net
])
def test_sizes_in_model_json_that_the_weights_do_not_have_are_refused(change, expect, made, tmp_path, deadline):
    run = _copy(made["lstm"], tmp_path)
    _edit_meta(run, change)
    _predict_risk_refused(run, tmp_path, f"{run / 'model' / 'lstm.pt'}: {expect}; expected the weights the run saved with its model.json")


def test_weights_that_are_no_dict_of_tensors_are_refused(made, tmp_path):
    import torch

    run = _copy(made["lstm"], tmp_path)
    torch.save([torch.zeros(3)], run / "model" / "lstm.pt")
    _predict_risk_refused(run, tmp_path, f"{run / 'model' / 'lstm.pt'}: holds a list; expected the weights the run saved with "
                                         "its model.json (a dict of tensors)")


def test_a_saved_lstm_still_scores(made, tmp_path):
    result = invoke("risk", "predict", made["lstm"], f"out={tmp_path / 'scores.parquet'}")
    assert result.exit_code == 0, result.output
    assert "358 rows scored" in result.output


def test_a_tagger_crfsuite_over_the_cap_is_refused_before_it_is_read(made, tmp_path):
    run = _copy(made["crf"], tmp_path)
    with (run / "model" / "tagger.crfsuite").open("r+b") as handle:  # sparse: 300 MB on no disk
        handle.truncate(300 * MB)
    _predict_text_refused(run, tmp_path, f"{run / 'model' / 'tagger.crfsuite'}: 300 MB, larger than the 256 MB a run's tagger weights "
                                         "may take (the default run's tagger.crfsuite is 0.3 MB, best=bilstm_crf's tagger.pt 1.3 MB); "
                                         "expected the tagger files a `minectl factors extract` run writes")


def test_a_tagger_pt_whose_tensors_unpack_past_the_cap_is_refused(made, tmp_path):
    run = _copy(made["neural"], tmp_path)
    _deflated_zeros(run / "model" / "tagger.pt", 300 * MB)
    _predict_text_refused(run, tmp_path, f"{run / 'model' / 'tagger.pt'}: 300 MB unpacked, larger than the 256 MB a run's tagger "
                                         "weights may take (the default run's tagger.crfsuite is 0.3 MB, best=bilstm_crf's tagger.pt "
                                         "1.3 MB); expected the tagger files a `minectl factors extract` run writes")


@pytest.mark.parametrize("kind, found", [("crf", "2 entities, 1 triples"), ("neural", "3 entities, 3 triples")])
def test_a_saved_tagger_still_tags(kind, found, made, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("replace the hydraulic pump on truck 12\n")
    result = invoke("factors", "extract", "predict", made[kind], f"factors.extract.text={notes}", f"out={tmp_path / 'out'}")
    assert result.exit_code == 0, result.output
    assert f"1 lines: {found}, 0 pending clauses" in result.output


def test_a_model_trained_on_a_gpu_scores_on_a_machine_without_one(made, tmp_path):
    """model.params.device=cuda saved in model.json: refused on a CPU machine ("cuda requested but no
    CUDA device is available") though its weights are CPU tensors."""
    import polars as pl
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the saved device is usable as it is")
    run = _copy(made["lstm"], tmp_path)
    _edit_meta(run, lambda m: m["params"].update(device="cuda"))
    for folder, out in ((run, tmp_path / "gpu.parquet"), (made["lstm"], tmp_path / "cpu.parquet")):
        result = invoke("risk", "predict", folder, f"out={out}")
        assert result.exit_code == 0, result.output
    assert pl.read_parquet(tmp_path / "gpu.parquet").equals(pl.read_parquet(tmp_path / "cpu.parquet"))


def test_a_word_dim_inflated_in_tagger_json_is_refused_before_the_net_is_built(made, tmp_path, monkeypatch):
    """word_dim 1,000,000 in tagger.json built a 7 GB net (31 s) before the weights were found not to fit it."""
    from minectl.text import neural

    run = _copy(made["neural"], tmp_path)
    path = run / "model" / "tagger.json"
    meta = json.loads(path.read_text())
    meta["params"]["word_dim"] += 1  # small here: the test tells where the net is built, not how large
    path.write_text(json.dumps(meta))
    built, real = [], neural.Network.__init__

    def recording(net, *args):
        real(net, *args)
        built.append(net.word.weight.device.type)

    monkeypatch.setattr(neural.Network, "__init__", recording)
    _predict_text_refused(run, tmp_path, f"{run / 'model'}: saved tagger unreadable (RuntimeError: Error(s) in loading state_dict for "
                                         "Network:); expected the tagger files a `minectl factors extract` run writes")
    assert built == ["meta"]


def _config_linked_outside(run: Path, elsewhere: Path) -> Path:
    secret = elsewhere / "hosts.yml"
    secret.write_text("github.com:\n  oauth_token: gho_not_a_real_token\n")
    (run / ".hydra" / "config.yaml").unlink()
    (run / ".hydra" / "config.yaml").symlink_to(secret)
    return secret


def _tables_linked_outside(run: Path, elsewhere: Path) -> Path:
    tables = Path(shutil.move(run / "tables", elsewhere / "tables"))
    (run / "tables").symlink_to(tables)
    return tables / "ner_scores.parquet"


@pytest.mark.parametrize("damage, name", [(_config_linked_outside, ".hydra/config.yaml"), (_tables_linked_outside, "tables/ner_scores.parquet")])
def test_report_refuses_a_file_linked_from_outside_the_run_folder(damage, name, made, tmp_path):
    """Before: `minectl report` wrote the linked YAML (any mapping: a token file) into report.html, exit 0."""
    run, elsewhere = _copy(made["crf"], tmp_path), tmp_path / "elsewhere"
    elsewhere.mkdir()
    (run / "report.html").unlink()
    target = damage(run, elsewhere)
    assert_refused(["report", run], f"{run / name}: a link to {target}, outside the run folder; expected a", inputs=[elsewhere])
    assert not (run / "report.html").exists()
