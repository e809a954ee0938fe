"""A fitted risk model's folder: JSON metadata plus a safe format per kind (torch state_dict,
LightGBM text, JSON + npz for scikit-learn), each file written atomically (model.json last),
read back without unpickling anything."""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from pathlib import Path

import numpy as np

from minectl.atomic import atomic_path
from minectl.errors import DataError
from minectl.results import as_written, sha256_file


def write_json(path: Path, obj) -> None:
    """``obj`` as indented JSON at ``path``, atomically (model.json and friends)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=1))


def _save_torch(state_dict, path: Path) -> None:
    import torch

    # through a file object: torch names the archive's records after a file name (the temp's)
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, handle)


def _is_instance(model, module: str, name: str) -> bool:
    """isinstance(model, module.name) without importing the module (torch, 0.9 s) when no model of
    it was made in this process, so it cannot be one."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(model, getattr(loaded, name))


def save_model(model, directory: Path) -> None:
    """Write a fitted model into ``directory`` (created)."""
    from minectl.models.safe_io import save_estimator
    from minectl.models.svm import SVMClassifier

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    meta = {"n_features": int(model.n_features_in_), "classes": np.asarray(model.classes_).tolist()}
    if _is_instance(model, "minectl.models.sequence", "LSTMClassifier"):
        meta.update(kind="lstm", params=model.get_params(), n_dynamic=int(model.n_dynamic_))
        _save_torch(model.net_.state_dict(), directory / "lstm.pt")
    elif _is_instance(model, "minectl.models.hybrid", "LSTMRandomForestClassifier"):
        meta.update(kind="lstm_rf", params=model.get_params(), n_dynamic=int(model.encoder_.n_dynamic_))
        _save_torch(model.encoder_.net_.state_dict(), directory / "lstm.pt")
        save_estimator(model.forest_, directory / "forest")
        write_json(directory / "tree_weights.json", model.tree_weights_.tolist())
    elif isinstance(model, SVMClassifier):  # its fitted state is the calibrated SVC
        meta.update(kind="svm", params=model.get_params())
        save_estimator(model.calibrated_, directory / "estimator")
    else:
        meta.update(save_estimator_files(model, directory))
    write_model_json(directory, meta)


def write_model_json(directory: Path, meta: dict) -> None:
    """model.json last, with the sha256 of every file saved beside it (:func:`check_saved_files`)."""
    meta["files_sha256"] = {path.name: sha256_file(path) for path in sorted(Path(directory).iterdir()) if path.is_file()}
    write_json(Path(directory) / "model.json", meta)


def check_saved_files(directory: Path) -> None:
    """Each file of ``directory`` that model.json lists is the one the run saved: a forest or LSTM
    weights of the same shape from another run load, pass every other check and score otherwise,
    silently. Models saved before the sha256s were recorded have none, and are taken as they are."""
    from minectl.runfolder import bad, is_str_map, read_json

    meta_path = Path(directory) / "model.json"
    saved = read_json(meta_path, "the JSON object a saved model holds").get("files_sha256")
    if saved is None:
        return
    if not is_str_map(saved) or any(Path(name).name != name or name in (".", "..") for name in saved):
        raise bad(meta_path, "'files_sha256' is not an object of file name -> sha256", "the model.json of a run's model")
    for name, digest in sorted(saved.items()):
        path = Path(directory) / name
        if not path.is_file():
            raise bad(path, "missing", "the model file the run saved")
        if digest not in (sha256_file(path), hashlib.sha256(as_written(path)).hexdigest()):  # CRLF: a git checkout of a JSON file
            raise bad(path, "not the file the run saved (its sha256 differs from model.json's)", "the run's own model")


def save_estimator_files(model, directory: Path) -> dict:
    """A fitted scikit-learn-style estimator's files in ``directory``: LightGBM's text model, else
    safe_io's JSON + npz (TypeError for a class it has no safe format for); returns the entries
    model.json needs to read them back (:func:`load_estimator_files`)."""
    from minectl.models.safe_io import save_estimator

    if _is_instance(model, "minectl.models.boosting", "LightGBMClassifier"):
        text = model.booster_.model_to_string().encode()
        with atomic_path(Path(directory) / "lightgbm.txt") as tmp:
            tmp.write_bytes(text)
        return {"kind": "lightgbm", "params": model.get_params(), "classes": np.asarray(model.classes_).tolist(),
                "lightgbm_sha256": hashlib.sha256(text).hexdigest()}
    save_estimator(model, Path(directory) / "estimator")
    return {"kind": "sklearn"}


def load_estimator_files(directory: Path, meta: dict):
    """The estimator :func:`save_estimator_files` wrote, ``meta`` its model.json entries (kind
    sklearn or lightgbm)."""
    from minectl.models.safe_io import load_estimator

    if meta["kind"] == "sklearn":
        return load_estimator(Path(directory) / "estimator")
    import lightgbm as lgb

    from minectl.models.boosting import LightGBMClassifier

    model = LightGBMClassifier(**meta["params"])
    model.booster_ = lgb.Booster(model_str=_checked_lightgbm_text(Path(directory) / "lightgbm.txt", meta.get("lightgbm_sha256")))
    model.classes_ = np.asarray(meta["classes"])
    model.n_features_in_ = model.booster_.num_feature()
    return model


# model=lightgbm's lightgbm.txt is 0.7 MB (600 trees); 128 MB (170 times as much) refuses a file that is read
# whole twice (here and in the child) before LightGBM parses it.
MAX_LIGHTGBM_BYTES = 128 << 20

# LightGBM's reader (C++) trusts the file: a changed byte made it abort, crash or never return
# (39 of 80 fuzzed models). Read in a child first: every tree written out node by node (a cycle or a
# child outside the tree fails there), every split's feature inside the model's inputs.
_READ_EVERY_TREE = """
import sys, lightgbm
booster = lightgbm.Booster(model_file=sys.argv[1])
inputs = booster.num_feature()
def walk(node):
    if "split_feature" in node:
        if not 0 <= node["split_feature"] < inputs:
            sys.exit(f"a split on feature {node['split_feature']} of a model of {inputs} inputs")
        walk(node["left_child"])
        walk(node["right_child"])
for tree in booster.dump_model()["tree_info"]:
    walk(tree["tree_structure"])
"""


def _checked_lightgbm_text(path: Path, saved_sha256: str | None) -> str:
    """The text of a saved LightGBM model that a child process read whole (module note above);
    ``saved_sha256``: what model.json recorded (None: saved before it was)."""
    from minectl.isolated import read_in_child
    from minectl.results import changed_since_saved
    from minectl.runfolder import check_size

    expected = "the model a run saved"
    # as saved, with LF line ends: a git checkout with core.autocrlf makes them CRLF, the model unchanged
    data = as_written(check_size(path, expected, MAX_LIGHTGBM_BYTES, "a saved LightGBM model may take (model=lightgbm's is 0.7 MB)"))
    if changed_since_saved(data, saved_sha256):
        raise DataError(f"{path}: not the file the run saved (its sha256 differs from model.json's); expected the run's own model")
    try:
        read_in_child(_READ_EVERY_TREE, data, timeout=60)
    except ValueError as exc:
        raise DataError(f"{path}: LightGBM could not read the model ({exc}); expected {expected}") from None
    return data.decode()


def load_model(directory: Path):
    """Rebuild a model written by :func:`save_model` without unpickling anything."""
    from minectl.models.safe_io import load_estimator
    from minectl.models.svm import SVMClassifier
    from minectl.runfolder import read_json

    directory = Path(directory)
    meta_path = directory / "model.json"
    if not meta_path.is_file():
        raise DataError(f"{meta_path}: no saved model here (expected model.json from a risk run)")
    meta = read_json(meta_path, "the model.json of a risk run's model")  # capped: read whole
    kind = meta.get("kind")
    if kind == "sklearn":
        return load_estimator_files(directory, meta)
    if kind == "lightgbm":
        model = load_estimator_files(directory, meta)
    elif kind == "svm":
        model = SVMClassifier(**meta["params"])
        model.calibrated_ = load_estimator(directory / "estimator")
    elif kind in ("lstm", "lstm_rf"):
        model = _load_lstm(directory, meta)
    else:
        raise DataError(f"{meta_path}: unknown model kind {kind!r}")
    model.classes_ = np.asarray(meta["classes"])
    model.n_features_in_ = meta["n_features"]
    return model


def _load_lstm(directory: Path, meta: dict):
    import torch

    from minectl.models.hybrid import LSTMRandomForestClassifier
    from minectl.models.safe_io import MAX_ARRAY_BYTES, load_estimator
    from minectl.models.sequence import LSTMClassifier
    from minectl.runfolder import check_unpacked_size, read_text

    weights = check_unpacked_size(directory / "lstm.pt", "the file a run saved", MAX_ARRAY_BYTES,
                                  "a saved model's weights may take (the default risk model's are 0.04 MB)")
    with warnings.catch_warnings():  # torch's note on a foreign pickle's protocol: the refusal says enough
        warnings.filterwarnings("ignore", message="Detected pickle protocol")
        state = torch.load(weights, map_location="cpu", weights_only=True)
    if meta["kind"] == "lstm":
        lstm = LSTMClassifier(**_runnable_here(meta["params"]))
        return _rebuilt(weights, lstm, state, meta["classes"], meta["n_features"], meta["n_dynamic"])
    model = LSTMRandomForestClassifier(**_runnable_here(meta["params"]))
    p = model.get_params()
    model.encoder_ = _rebuilt(weights, LSTMClassifier(
        window=p["window"], n_static=0, hidden_size=p["hidden_size"], num_layers=p["num_layers"],
        dropout=p["dropout"], device=p["device"],
    ), state, meta["classes"], meta["n_features"] - p["n_static"], meta["n_dynamic"])
    model.forest_ = load_estimator(directory / "forest")
    model.tree_weights_ = np.asarray(json.loads(read_text(directory / "tree_weights.json", "the tree weights a run saved")))
    return model


def _runnable_here(params: dict) -> dict:
    """The saved ``params``, a device=cuda of a run on a GPU replaced by the CPU on a machine without
    CUDA: the weights were saved as CPU tensors, and the model scores anywhere (it was refused)."""
    import torch

    if str(params.get("device")).startswith("cuda") and not torch.cuda.is_available():
        return {**params, "device": "cpu"}
    return params


def _rebuilt(weights: Path, lstm, state: dict, classes, n_features, n_dynamic):
    """``lstm`` rebuilt from ``state``, the tensors of ``weights``, its net built first on torch's meta
    device (no memory): sizes model.json inflates (hidden_size 12,000 made a 5 GB net) are refused by
    the shapes of the weights before a byte is allocated."""
    import torch

    from minectl.models.sequence import LSTMClassifier

    expected = "the weights the run saved with its model.json"
    if not isinstance(state, dict):
        raise DataError(f"{weights}: holds a {type(state).__name__}; expected {expected} (a dict of tensors)")
    # nn.LSTM makes a layer at a time, each in Python: num_layers 100,000 ran past 100 s, even on the meta device
    layers = sum(isinstance(name, str) and name.startswith("lstm.weight_ih_l") for name in state)
    if lstm.num_layers != layers:
        raise DataError(f"{weights}: holds {layers} LSTM layer{'s' * (layers != 1)}, model.json's num_layers is "
                        f"{lstm.num_layers!r}; expected {expected}")
    try:
        with torch.device("meta"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="for .*: copying from a non-meta parameter")  # the no-op meant here
            LSTMClassifier(**{**lstm.get_params(), "device": "meta"}).rebuild_net(state, classes, n_features, n_dynamic)
    except RuntimeError as exc:  # torch's first line says only "Error(s) in loading state_dict": the next names the tensor
        first = next((line.strip() for line in str(exc).splitlines()[1:] if line.strip()), str(exc))
        raise DataError(f"{weights}: does not fit the net model.json describes ({first[:300]}); expected {expected}") from None
    return lstm.rebuild_net(state, classes, n_features, n_dynamic)
