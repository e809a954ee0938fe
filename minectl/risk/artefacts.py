"""What a risk run saves to score new data later: the model folder (safe formats) and the spec
beside it (layout, z-score, thresholds); read back as untrusted input."""

from __future__ import annotations

from pathlib import Path

from minectl.atomic import atomic_path
from minectl.errors import DataError
from minectl.risk.workflow import Layout, LeadResult

SPEC_FILE = "risk_model.json"  # everything scoring needs besides the model folder
MODEL_DIR = "model"


def model_spec(result: LeadResult, layout: Layout) -> dict:
    """The JSON-ready spec of a fitted lead time: columns, window, levels, z-score, thresholds."""
    return {
        "dynamic": layout.dynamic, "static": layout.static, "window": layout.window,
        "n_levels": layout.n_levels, "series": layout.series, "time": layout.time,
        "mean": result.scaler.mean_.tolist(), "sd": result.scaler.sd_.tolist(),
        "thresholds": [float(t) for t in result.thetas],
    }


def save_model_dir(model, target: Path) -> None:
    """``model`` written into the folder ``target`` atomically: staged beside it, then renamed."""
    from minectl.models import save_model

    with atomic_path(target, folder=True) as staging:
        save_model(model, staging)


def read_spec(path: Path) -> dict:
    """The spec at ``path``, type-checked: the folder may come from someone else."""
    from minectl.runfolder import check_fields, is_number, read_json

    def str_list(v):
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    def numbers(n):
        return lambda v: isinstance(v, list) and len(v) == n and all(is_number(x) for x in v)

    spec = read_json(path, "the JSON object `minectl risk` saves beside its model")
    check_fields(spec, path, {
        "dynamic": (str_list, "a list of column names"), "static": (str_list, "a list of column names"),
        "window": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, "an integer >= 1"),
        "n_levels": (lambda v: v in (2, 3, 4, 5) and not isinstance(v, bool), "2 to 5"),
        "series": (lambda v: v is None or isinstance(v, str), "null or a column name"),
        "time": (lambda v: v is None or isinstance(v, str), "null or a column name"),
    })
    n_features = spec["window"] * len(spec["dynamic"]) + len(spec["static"])
    check_fields(spec, path, {
        "mean": (numbers(n_features), f"{n_features} numbers (window x dynamic + static)"),
        "sd": (numbers(n_features), f"{n_features} numbers (window x dynamic + static)"),
        "thresholds": (numbers(spec["n_levels"] - 1), f"{spec['n_levels'] - 1} numbers (n_levels - 1)"),
    })
    return spec


def load_saved_model(directory: Path, n_features: int):
    """The model folder rebuilt from safe formats; a damaged or tampered folder is one DataError."""
    from minectl.models import load_model

    try:
        model = load_model(directory)
    except DataError:
        raise
    except Exception as exc:  # untrusted files fail to decode in many ways; nothing is unpickled
        first = (str(exc).strip().splitlines() or [""])[0].split(". ")[0][:120]  # not numpy's "load it unsafely" hint
        raise DataError(f"{directory}: cannot rebuild the saved model ({type(exc).__name__}: {first}); "
                        "expected the model files a `minectl risk` run writes") from None
    if getattr(model, "n_features_in_", None) != n_features:
        raise DataError(f"{directory}: the model takes {getattr(model, 'n_features_in_', None)} features, "
                        f"{SPEC_FILE} describes {n_features}; expected the model of this run")
    return model
