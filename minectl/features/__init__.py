"""Preprocessing shared by the cost and risk tasks (seed 000, section 3.1).

Pure functions over polars frames: hourly -> daily resampling, eq 3 interpolation with a
limit, same-cycle mean imputation of discrete records, rolling 3-sigma + business-threshold
outliers with event exemption, and derived intensities.
"""

from minectl.features.impute import consolidate, impute_cycle_mean, imputed_flag, interpolate_linear
from minectl.features.intensities import add_intensities, intensity_columns
from minectl.features.outliers import drop_outliers, flag_outliers
from minectl.features.resample import metered_daily, resample_daily

__all__ = [
    "add_intensities",
    "intensity_columns",
    "consolidate",
    "drop_outliers",
    "flag_outliers",
    "impute_cycle_mean",
    "imputed_flag",
    "interpolate_linear",
    "metered_daily",
    "resample_daily",
]
