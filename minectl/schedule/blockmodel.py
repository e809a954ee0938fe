"""A synthetic block model with a known ground truth (the embedded default, like the synthetic mine).

Grades come from a spatially correlated lognormal field (white noise smoothed by a Gaussian
filter), rock quality from a second field; the ground truth per block holds the grade, the
dilution (worse rock dilutes more), the rockburst probability (deeper, poorer rock bursts more)
and a secondary `proxy` field correlated with grade that is known everywhere (a geophysical or
geochemical survey: what an ML grade model may use that inverse distance cannot). Values follow
from tonnes, grade, dilution, recovery, price and costs; the model also becomes MineLib files, so
scale benchmarks need no downloads. z grows upwards; a block's predecessors are the blocks of the
level above within `slope_radius` blocks (1: the classic 1-5 pattern).
"""

from __future__ import annotations

from dataclasses import dataclass

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
class BlockModel:
    xyz: np.ndarray  # n x 3 block indices (z up)
    tonnes: np.ndarray
    grade: np.ndarray  # true in-situ grade, g/t
    rock_quality: np.ndarray  # 0 (poor) .. 1 (good)
    proxy: np.ndarray  # survey value correlated with grade, known for every block
    dilution: np.ndarray  # true dilution: extra waste tonnes per ore tonne
    burst_probability: np.ndarray  # true probability of a rockburst while mining the block
    prec: Precedence

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
             grade_sigma: float = 0.8, block_tonnes: float = 2750.0, slope_radius: float = 1.0) -> BlockModel:
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
    ii, jj, kk = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
    xyz = np.column_stack([ii.ravel(), jj.ravel(), kk.ravel()])
    return BlockModel(xyz, np.full(nx * ny * nz, float(block_tonnes)), grade.ravel(), quality.ravel(), proxy.ravel(),
                      dilution.ravel(), burst.ravel(), precedence_pattern(nx, ny, nz, slope_radius))


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
                discount_rate: float, kind: str = "CPIT") -> Instance:
    """A CPIT (each block to its better destination, as MineLib builds its CPIT files) or PCPSP
    instance: resource 0 the tonnes moved per period, resource 1 the tonnes processed."""
    if kind == "PCPSP":
        objective = values
        coef = np.zeros((2, len(values), 2))
        coef[0] = moved_t[:, None]
        coef[1, :, 1] = moved_t
    else:
        process = values[:, 1] > values[:, 0]
        objective = values.max(axis=1)[:, None]
        coef = np.stack([moved_t, np.where(process, moved_t, 0.0)])[:, :, None]
    upper = np.array([[mining_t] * periods, [processing_t] * periods], dtype=float)
    return Instance(name, kind, objective, periods, discount_rate, coef, np.full_like(upper, -np.inf), upper)
