"""Risk classifiers with scikit-learn's API, saved and loaded in safe formats.

Every model takes the same 2-D feature layout (see :mod:`minectl.models.sequence`): the
flattened dynamic window followed by the static features. A config names one by `_target_`
(conf/model/), built by :mod:`minectl.estimators`.
"""

from minectl.models.io import load_model, save_model

__all__ = ["load_model", "save_model"]
