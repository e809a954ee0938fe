"""Cost-risk early warning stages (seed 000 sections 3.3-3.4): labels, supervised window
samples, chronological splits, eq 11 thresholds, evaluation, robustness and importance."""
