"""Risk classifiers with scikit-learn's API, built by name, saved and loaded in safe formats.

Every model takes the same 2-D feature layout (see :mod:`minectl.models.sequence`): the
flattened dynamic window followed by the static features. The config checker reads
``param_names`` / ``unfitted`` of this module path.
"""

from minectl.models.io import load_model, save_model
from minectl.models.registry import MODEL_NAMES, build_model, param_names, unfitted

__all__ = ["MODEL_NAMES", "build_model", "load_model", "param_names", "save_model", "unfitted"]
