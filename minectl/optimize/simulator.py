"""Closed-form stand-in for the seed's FLAC3D runs: a crown (barrier) pillar under a road.

Geometry (a vertical section across the road, which runs along strike above the panel):

    surface / road ------------------------------------------ depth 0
        overburden                                             depth_m
    ========= barrier (crown) pillar, height h_p ==========
    | stope | wall | stope | wall | stope |   panel width L, extraction height m = orebody_height_m - h_p
    ==================================================

* Extraction height ``m = orebody_height_m - pillar_height_m``: the crown pillar is left at the
  top of the ore body, so a higher pillar leaves less ore and moves the extraction deeper.
* Sidewalls of thickness ``w`` stand between stopes of span ``stope_span_m``: the plan extraction
  ratio is ``e = span / (span + w)``. Standing walls carry load, so the subsiding extraction height
  is ``m * e`` (the usual partial-extraction reduction of the probability-integral method).
* Surface subsidence by the probability-integral method (Knothe / Chinese PIM, flat ore body,
  inflection offset 0) over a panel of finite width L, at the road's horizontal offset x from the
  panel centre::

      H     = depth_m + h_p + m / 2                 mean depth of the extracted slice
      r     = H / tan_beta                          major influence radius (angle of draw beta)
      W_max = q * m * e                             subsidence factor q
      W(x)  = W_max / 2 * [erf(sqrt(pi) (x + L/2) / r) - erf(sqrt(pi) (x - L/2) / r)]

* Ore recovered ``ore_t = density * L * strike_length * m * e``.

The subsidence factor is the ratio of surface subsidence to the subsiding extraction height.
Caving under soft overburden gives 0.5-0.9; open stopes held by a crown pillar and walls in hard
quartzite keep most of the void open, so the default is small (0.006) and puts the road settlement
near 10 cm, the magnitude of the seed's FLAC3D check (9.89 cm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import erf

from minectl.optimize.pim import RESPONSES, VARIABLES, PimParams


@dataclass
class ProbabilityIntegralSimulator(PimParams):
    """Subsidence at the road (cm) and ore recovered (t) for crown-pillar height and sidewall
    thickness; the parameters, their defaults and ranges are ``PimParams``."""

    variables = VARIABLES
    responses = RESPONSES

    def evaluate(self, designs: np.ndarray) -> np.ndarray:
        """designs: (n, 2) [pillar_height_m, sidewall_thickness_m] -> (n, 2) [subsidence_cm, ore_t]."""
        designs = np.atleast_2d(np.asarray(designs, dtype=float))
        pillar, wall = designs[:, 0], designs[:, 1]
        height = self.orebody_height_m - pillar
        if np.any(height <= 0) or np.any(wall < 0):
            raise ValueError("pillar height must be below orebody_height_m and sidewall thickness >= 0")
        extraction_ratio = self.stope_span_m / (self.stope_span_m + wall)
        subsiding_height = height * extraction_ratio
        mean_depth = self.depth_m + pillar + height / 2
        radius = mean_depth / self.tan_beta
        half_width = self.panel_width_m / 2
        x = self.road_offset_m
        shape = 0.5 * (erf(np.sqrt(np.pi) * (x + half_width) / radius)
                       - erf(np.sqrt(np.pi) * (x - half_width) / radius))
        subsidence_cm = 100.0 * self.subsidence_factor * subsiding_height * shape
        ore_t = self.density_t_m3 * self.panel_width_m * self.strike_length_m * subsiding_height
        return np.column_stack([subsidence_cm, ore_t])

    def evaluate_columns(self, designs: np.ndarray, variables) -> np.ndarray:
        """``evaluate`` of designs whose columns are the names ``variables``: VARIABLES in any order."""
        order = [list(variables).index(name) for name in VARIABLES]
        return self.evaluate(np.asarray(designs)[:, order])
