"""Cost-risk early warning stages (seed 000 sections 3.3-3.4): the daily frame (inputs),
labels, supervised window samples, chronological splits, eq 11 thresholds, one lead time end to
end (workflow), evaluation and run summary, robustness and importance, the saved model
(artefacts) and scoring new days with it (predict)."""

# The public surface: the modules the task imports by name (none is imported here, so a caller
# loads only the modules, and libraries, it uses).
__all__ = ["artefacts", "importance", "inputs", "labels", "predict", "robustness", "summary", "workflow"]
