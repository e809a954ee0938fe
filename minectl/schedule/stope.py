"""Stope-extension economics (seed 004, 'Ore grade variability'): the tonnes, ounces and in-situ value
one more metre of a sublevel open stope adds, and the probability that it pays at an uncertain price.

Seed 004's case: 1 m x 20 m high x 3 m wide at SG 2.75 -> 165 t; at 4 g/t -> 21.2 troy oz
(31.1034768 g each); at US$2,000/oz -> about US$42,400 in situ per metre (the seed rounds to
21 oz and US$42,000). Net of recovery, mining, processing and drive development per metre it
pays when price > breakeven = costs / recovered ounces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from minectl.schedule.blockmodel import GRAMS_PER_TROY_OUNCE


@dataclass
class Extension:
    tonnes: float
    ounces: float  # in situ
    in_situ_value: float  # ounces x price: before recovery and costs
    net_value: float  # at the price: recovered ounces x price - costs
    breakeven_price: float  # per ounce, where the net value is zero


def extension(length_m: float, height_m: float, width_m: float, specific_gravity: float, grade_g_t: float, price_per_oz: float,
              recovery: float, mining_cost_t: float, processing_cost_t: float, development_cost_m: float) -> Extension:
    tonnes = length_m * height_m * width_m * specific_gravity
    ounces = tonnes * grade_g_t / GRAMS_PER_TROY_OUNCE
    costs = tonnes * (mining_cost_t + processing_cost_t) + development_cost_m * length_m
    recovered = ounces * recovery
    breakeven = costs / recovered if recovered > 0 else math.inf
    return Extension(tonnes, ounces, ounces * price_per_oz, recovered * price_per_oz - costs, breakeven)


def lognormal_from_interval(median: float, lower: float, upper: float, level: float) -> float:
    """The log-scale sigma of a lognormal whose central `level` interval is [lower, upper] (a
    forecast's interval); the median is the point forecast."""
    from scipy.stats import norm

    if not 0 < lower <= median <= upper:
        raise ValueError(f"interval [{lower}, {upper}] around {median}: expected 0 < lower <= forecast <= upper")
    return math.log(upper / lower) / (2 * norm.ppf((1 + level) / 2))


def probability_pays(breakeven: float, median: float, sigma: float) -> float:
    """P(price > breakeven) for a lognormal price (sigma 0: the price is the median)."""
    if sigma == 0 or breakeven <= 0:  # a breakeven of 0 (no costs: every price pays) had no log: a traceback
        return float(median > breakeven)
    z = (math.log(breakeven) - math.log(median)) / sigma
    return 0.5 * math.erfc(z / math.sqrt(2))


def probability_pays_samples(breakeven: float, prices: np.ndarray) -> float:
    """The share of price samples (e.g. a bootstrap or a forecast's sample paths) above breakeven."""
    return float(np.mean(np.asarray(prices, dtype=float) > breakeven))
