"""A synthetic block model with a known ground truth (the embedded default, like the synthetic mine).

Grades come from a spatially correlated lognormal field (white noise smoothed by a Gaussian
filter), rock quality from a second field; the ground truth per block holds the grade, the
dilution (worse rock dilutes more), the rockburst probability (deeper, poorer rock bursts more)
and a secondary `proxy` field correlated with grade that is known everywhere (a geophysical or
geochemical survey: what an ML grade model may use that inverse distance cannot), and the virgin
rock temperature (surface temperature + geothermal gradient x depth + a correlated anomaly) from
which a block's cooling demand follows (`Heat`). Values follow
from tonnes, grade, dilution, recovery, price and costs; the model also becomes MineLib files, so
scale benchmarks need no downloads. z grows upwards; a block's predecessors are the blocks of the
level above within `slope_radius` blocks (1: the classic 1-5 pattern).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from minectl.schedule.minelib import Instance, Precedence

GRAMS_PER_TROY_OUNCE = 31.1034768


@dataclass
class Economics:
    price_per_oz: float = 2000.0
    recovery: float = 0.9
    mining_cost_t: float = 3.0  # per tonne moved (ore and dilution)
    processing_cost_t: float = 25.0  # per tonne processed
    burst_cost: float = 200000.0  # expected cost of one rockburst event in a block


@dataclass
class Heat:
    """Virgin rock temperature and the cooling (ventilation) demand of mining a block. The top level
    lies `top_depth_m` below surface, each level `level_height_m` deeper; the demand, in MWh of
    refrigeration per block, is tonnes x (`base_kwh_t` (equipment, diesel) + `kwh_t_per_c` per
    degree of rock above `threshold_c`) / 1000. Illustrative figures for a deep hard-rock mine (a
    25 C/km gradient; seed 004 cites Buaba 2023 for heat from the gradient, auto-compression and
    equipment), not a site's."""

    surface_c: float = 20.0
    gradient_c_per_m: float = 0.025
    top_depth_m: float = 1000.0
    level_height_m: float = 30.0
    anomaly_c: float = 1.5  # sd of the spatially correlated anomaly (water, conductivity contrasts)
    base_kwh_t: float = 2.0
    kwh_t_per_c: float = 1.0
    threshold_c: float = 40.0

    def temperature(self, depth_levels: np.ndarray, anomaly: np.ndarray) -> np.ndarray:
        """Virgin rock temperature (C) `depth_levels` levels below the top, plus `anomaly` (C)."""
        return self.surface_c + self.gradient_c_per_m * (self.top_depth_m + self.level_height_m * depth_levels) + anomaly

    def cooling_mwh(self, tonnes: np.ndarray, temperature: np.ndarray) -> np.ndarray:
        """Cooling demand (MWh) of mining blocks of `tonnes` at rock `temperature` (C)."""
        return tonnes * (self.base_kwh_t + self.kwh_t_per_c * np.maximum(0.0, temperature - self.threshold_c)) / 1000.0


@dataclass
class BlockModel:
    xyz: np.ndarray  # n x 3 block indices (z up)
    tonnes: np.ndarray
    grade: np.ndarray  # true in-situ grade, g/t
    rock_quality: np.ndarray  # 0 (poor) .. 1 (good)
    proxy: np.ndarray  # survey value correlated with grade, known for every block
    dilution: np.ndarray  # true dilution: extra waste tonnes per ore tonne
    burst_probability: np.ndarray  # true probability of a rockburst while mining the block
    prec: Precedence
    temperature: np.ndarray  # true virgin rock temperature, C
    heat: Heat  # how temperature and cooling demand follow from depth

    @property
    def cooling_mwh(self) -> np.ndarray:
        """True cooling demand of mining each block, MWh."""
        return self.heat.cooling_mwh(self.tonnes, self.temperature)

    @property
    def n_blocks(self) -> int:
        return len(self.tonnes)

    def features(self) -> np.ndarray:
        """What a model may see for every block: coordinates, depth below the top, rock quality, proxy."""
        depth = self.xyz[:, 2].max() - self.xyz[:, 2]
        return np.column_stack([self.xyz, depth, self.rock_quality, self.proxy]).astype(float)


def _field(shape: tuple[int, int, int], correlation: float, rng: np.random.Generator) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    smooth = gaussian_filter(rng.standard_normal(shape), sigma=correlation, mode="reflect")
    return (smooth - smooth.mean()) / (smooth.std() or 1.0)


def precedence_pattern(nx: int, ny: int, nz: int, slope_radius: float) -> Precedence:
    """Block (i, j, k) needs the blocks (i + di, j + dj, k + 1) with di^2 + dj^2 <= radius^2."""
    r = int(np.floor(slope_radius))
    offsets = [(di, dj) for di in range(-r, r + 1) for dj in range(-r, r + 1) if di * di + dj * dj <= slope_radius**2 + 1e-9]
    index = np.arange(nx * ny * nz).reshape(nx, ny, nz)
    blocks, preds = [], []
    for di, dj in offsets:
        src = index[max(0, -di): nx - max(0, di), max(0, -dj): ny - max(0, dj), : nz - 1]
        dst = index[max(0, di): nx - max(0, -di), max(0, dj): ny - max(0, -dj), 1:]
        blocks.append(src.ravel())
        preds.append(dst.ravel())
    return Precedence.from_arcs(nx * ny * nz, np.concatenate(blocks), np.concatenate(preds))


def generate(nx: int = 20, ny: int = 20, nz: int = 8, seed: int = 0, correlation: float = 3.0, mean_grade: float = 1.2,
             grade_sigma: float = 0.8, block_tonnes: float = 2750.0, slope_radius: float = 1.0, heat: Optional[Heat] = None) -> BlockModel:
    """A deterministic block model for `seed` (n = nx * ny * nz blocks, ids in x, y, z order)."""
    rng = np.random.default_rng(seed)
    shape = (nx, ny, nz)
    depth = (nz - 1 - np.arange(nz))[None, None, :] / max(nz - 1, 1) * np.ones(shape)  # 0 at the top, 1 at the bottom
    grade_field = _field(shape, correlation, rng) + 0.6 * depth  # richer at depth: the pit must go down for it
    grade = mean_grade * np.exp(grade_sigma * grade_field - grade_sigma**2 / 2)
    quality = 1.0 / (1.0 + np.exp(-1.5 * _field(shape, correlation * 1.5, rng)))
    proxy = 0.8 * grade_field + 0.6 * rng.standard_normal(shape)
    dilution = np.clip(0.02 + 0.18 * (1 - quality) + 0.02 * rng.standard_normal(shape), 0.0, None)
    burst = 1.0 / (1.0 + np.exp(-(4.0 * depth + 4.0 * (1 - quality) - 6.0)))
    heat = heat or Heat()  # drawn after the fields above, so they stay what they were before it existed
    levels_below_top = (nz - 1 - np.arange(nz))[None, None, :] * np.ones(shape)
    temperature = heat.temperature(levels_below_top, heat.anomaly_c * _field(shape, correlation, rng))
    ii, jj, kk = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
    xyz = np.column_stack([ii.ravel(), jj.ravel(), kk.ravel()])
    return BlockModel(xyz, np.full(nx * ny * nz, float(block_tonnes)), grade.ravel(), quality.ravel(), proxy.ravel(),
                      dilution.ravel(), burst.ravel(), precedence_pattern(nx, ny, nz, slope_radius), temperature.ravel(), heat)


def block_values(tonnes: np.ndarray, grade: np.ndarray, dilution: np.ndarray, burst_probability: np.ndarray,
                 econ: Economics) -> np.ndarray:
    """n x 2 values: column 0 the block sent to waste, column 1 processed. Dilution adds zero-grade
    tonnes to mine (and to process); a burst's expected cost is charged either way."""
    moved = tonnes * (1.0 + dilution)
    metal_oz = tonnes * grade * econ.recovery / GRAMS_PER_TROY_OUNCE
    waste = -econ.mining_cost_t * moved - econ.burst_cost * burst_probability
    values = np.column_stack([waste, waste + metal_oz * econ.price_per_oz - econ.processing_cost_t * moved])
    return np.round(values, 2)  # to the cent: the max-flow's integer scaling is then exact (10^2)


def instance_of(name: str, values: np.ndarray, moved_t: np.ndarray, periods: int, mining_t: float, processing_t: float,
                discount_rate: float, kind: str = "CPIT", cooling: Optional[tuple[np.ndarray, float]] = None) -> Instance:
    """A CPIT (each block to its better destination, as MineLib builds its CPIT files) or PCPSP
    instance: resource 0 the tonnes moved per period, resource 1 the tonnes processed; with
    `cooling` = (demand per block, capacity per period), resource 2 the cooling demand per period
    (a block's whatever its destination)."""
    if kind == "PCPSP":
        objective = values
        rows = [np.column_stack([moved_t, moved_t]), np.column_stack([np.zeros_like(moved_t), moved_t])]
    else:
        process = values[:, 1] > values[:, 0]
        objective = values.max(axis=1)[:, None]
        rows = [moved_t[:, None], np.where(process, moved_t, 0.0)[:, None]]
    limits = [mining_t, processing_t]
    if cooling is not None:
        rows.append(np.repeat(np.asarray(cooling[0], float)[:, None], objective.shape[1], axis=1))
        limits.append(cooling[1])
    upper = np.repeat(np.array(limits, dtype=float)[:, None], periods, axis=1)
    return Instance(name, kind, objective, periods, discount_rate, np.stack(rows).astype(float), np.full_like(upper, -np.inf), upper)
