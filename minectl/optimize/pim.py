"""The probability-integral simulator's names and parameters, with their defaults and ranges.

Only the standard library, minectl.constraints and the density bound of minectl.capacity.limits load here: the task's config schema takes
``PimParams`` as its ``simulator.pim`` node without loading numpy and scipy (the simulator
itself, ``minectl.optimize.simulator``, subclasses it). Not frozen: Hydra makes a frozen
dataclass a read-only node, which overrides could not change.
"""

from __future__ import annotations

from dataclasses import dataclass

from minectl.capacity.limits import MAX_DENSITY_T_M3
from minectl.constraints import between, finite, greater_than

VARIABLES = ("pillar_height_m", "sidewall_thickness_m")
RESPONSES = ("subsidence_cm", "ore_t")


@dataclass
class PimParams:
    """Geometry and rock of the crown-pillar section (see minectl/optimize/simulator.py)."""

    depth_m: float = greater_than(0, default=60.0)  # surface to the top of the crown pillar
    orebody_height_m: float = greater_than(0, default=50.0)  # extraction height = orebody_height_m - pillar_height_m
    panel_width_m: float = greater_than(0, default=40.0)  # mined panel across the road
    strike_length_m: float = greater_than(0, default=25.0)  # mined panel along the road
    stope_span_m: float = greater_than(0, default=10.0)  # stope width between sidewalls: extraction ratio span / (span + wall)
    tan_beta: float = greater_than(0, default=2.0)  # tangent of the major influence angle: r = H / tan_beta
    subsidence_factor: float = greater_than(0, default=0.006)  # q: surface subsidence / subsiding extraction height
    density_t_m3: float = between(0, MAX_DENSITY_T_M3, default=2.65, closed="right")  # quartzite, t/m3 (2650: kg/m3)
    road_offset_m: float = finite(default=0.0)  # road's horizontal offset from the panel centre
