"""RBF support vector machine with calibrated probabilities."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import SVC
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from minectl.errors import DataError

SVC_PARAMS = ("C", "kernel", "degree", "gamma", "coef0", "shrinking", "tol", "cache_size", "class_weight", "max_iter",
              "random_state")
SPARSE = ("csr", "csc")


class SVMClassifier(ClassifierMixin, BaseEstimator):
    """scikit-learn's SVC with Platt-scaled probabilities fitted on held-out folds (SVC's own
    ``probability=True`` is deprecated); class-weighted by default since high-risk days are rare."""

    _parameter_constraints = {**{k: SVC._parameter_constraints[k] for k in SVC_PARAMS},
                              "calibration_cv": [Interval(Integral, 2, None, closed="left")]}

    def __init__(self, C=1.0, kernel="rbf", degree=3, gamma="scale", coef0=0.0, shrinking=True, tol=1e-3,
                 cache_size=200, class_weight="balanced", max_iter=-1, random_state=None, calibration_cv=3):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state
        self.calibration_cv = calibration_cv

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # as SVC's
        return tags

    def fit(self, X, y):
        from sklearn.calibration import CalibratedClassifierCV

        X, y = validate_data(self, X, y, accept_sparse=SPARSE)
        check_classification_targets(y)
        counts = np.unique(y, return_counts=True)[1]
        rarest = int(counts.min())
        if counts.size > 1 and rarest < self.calibration_cv:  # scikit-learn's own ValueError was a traceback
            fewer_folds = f", or model.params.calibration_cv={rarest}" if rarest >= 2 else ""
            raise DataError(f"svm: the rarest risk level has {rarest} training samples; its probabilities are calibrated on "
                            f"calibration_cv={self.calibration_cv} folds, each holding one of every level (expected at least "
                            f"{self.calibration_cv}: more rows{fewer_folds})")
        svc = SVC(**{k: getattr(self, k) for k in SVC_PARAMS})
        self.calibrated_ = CalibratedClassifierCV(svc, ensemble=False, cv=self.calibration_cv).fit(X, y)
        self.classes_ = self.calibrated_.classes_
        self.n_iter_ = self.calibrated_.calibrated_classifiers_[0].estimator.n_iter_  # SVC's, per class pair
        return self

    def predict_proba(self, X):
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.predict_proba(validate_data(self, X, reset=False, accept_sparse=SPARSE))

    def predict(self, X):
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.predict(validate_data(self, X, reset=False, accept_sparse=SPARSE))
