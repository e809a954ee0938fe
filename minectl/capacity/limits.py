"""Technical limits of production capacity (seed 003, section 2.2.1, eqs 3-6).

Units: tonnes and cubic metres per year unless a name says otherwise.
"""

from __future__ import annotations

from minectl.errors import ConfigError

# the upper end of a density's declared range, in t/m3: the densest element (osmium) is 22.6, so above it the
# number is a density in kg/m3 (1400 for coal: the intensity limit was 30,464 Mt/a, 1000 times the face's, exit 0)
MAX_DENSITY_T_M3 = 23.0


def _positive(name: str, value: float) -> float:
    if not value > 0:
        raise ConfigError(f"expected a positive number, got {value}", param=name)
    return float(value)


def _fraction(name: str, value: float) -> float:
    if not 0 <= value < 1:
        raise ConfigError(f"expected a fraction in [0, 1), got {value}", param=name)
    return float(value)


def reserves_limit(reserves_t: float, service_life_a: float, reserve_coefficient: float = 1.1) -> float:
    """Eq 3: A = Q / (T * K), recoverable reserves over service life and reserve coefficient K >= 1 (a
    margin kept in reserve: below 1 the mine would win more than its reserves in its service life)."""
    if not reserve_coefficient >= 1:
        raise ConfigError(f"expected a reserve coefficient >= 1 (1.1 keeps 10 % in reserve), got {reserve_coefficient}",
                          param="reserve_coefficient")
    return _positive("reserves_t", reserves_t) / (_positive("service_life_a", service_life_a) * reserve_coefficient)


def intensity_limit(
    working_line_m: float,
    advance_m_a: float,
    seam_thickness_m: float,
    density_t_m3: float,
    loss: float = 0.0,
    dilution: float = 0.0,
) -> float:
    """Eq 4: A = L v h gamma (1 - loss) / (1 - dilution): coal won per year by the advancing face."""
    return (
        _positive("working_line_m", working_line_m)
        * _positive("advance_m_a", advance_m_a)
        * _positive("seam_thickness_m", seam_thickness_m)
        * _positive("density_t_m3", density_t_m3)
        * (1 - _fraction("loss", loss))
        / (1 - _fraction("dilution", dilution))
    )


def links_limit(link_capacities_m3_a, stripping_ratio_m3_t: float) -> float:
    """Eq 5 as the seed's case applies it: min link capacity / (stripping ratio + 1).

    Each link moves waste and coal: n m3 of waste per tonne plus the tonne itself, counted
    as one unit (the seed's 91.5 Mm3 / 4.11 = 22.26 Mt/a).
    """
    capacities = [float(c) for c in link_capacities_m3_a]
    if not capacities:
        raise ConfigError("expected at least one production-link capacity", param="link_capacities_m3_a")
    for i, c in enumerate(capacities):
        _positive(f"link_capacities_m3_a[{i}]", c)
    if not stripping_ratio_m3_t >= 0:
        raise ConfigError(f"expected a non-negative ratio, got {stripping_ratio_m3_t}", param="stripping_ratio_m3_t")
    return min(capacities) / (stripping_ratio_m3_t + 1.0)


def min_profitable_scale(
    fixed_cost_a: float, variable_unit_cost: float, price: float, k1: float = 0.9, k2: float = 0.95
) -> float:
    """Eq 6: A_min = K1 Cd / (P - K2 C0): output at which revenue covers the scaled costs."""
    _positive("fixed_cost_a", fixed_cost_a)
    _positive("k1", k1)
    _positive("k2", k2)
    _positive("price", price)
    if not variable_unit_cost >= 0:
        raise ConfigError(f"expected a non-negative cost, got {variable_unit_cost}", param="variable_unit_cost")
    margin = price - k2 * variable_unit_cost
    if margin <= 0:
        raise ConfigError(
            f"{price} does not exceed K2 x variable unit cost ({k2 * variable_unit_cost:g}); no scale is profitable", param="price"
        )
    return k1 * fixed_cost_a / margin


def technical_limits(
    *,
    reserves_t: float,
    service_life_a: float,
    reserve_coefficient: float,
    working_line_m: float,
    advance_m_a: float,
    seam_thickness_m: float,
    density_t_m3: float,
    loss: float,
    dilution: float,
    link_capacities_m3_a,
    stripping_ratio_m3_t: float,
    fixed_cost_a: float,
    variable_unit_cost: float,
    price: float,
    k1: float,
    k2: float,
) -> tuple[dict[str, float], float, float]:
    """The technical limits (t/a, eqs 3-5, keyed as in the metrics), the minimum profitable
    scale (eq 6) and the weakest limit: (limits, lower, upper); lower above upper is refused."""
    limits = {
        "reserves_mt_a": reserves_limit(reserves_t, service_life_a, reserve_coefficient),
        "intensity_mt_a": intensity_limit(working_line_m, advance_m_a, seam_thickness_m, density_t_m3, loss, dilution),
        "links_mt_a": links_limit(link_capacities_m3_a, stripping_ratio_m3_t),
    }
    lower = min_profitable_scale(fixed_cost_a, variable_unit_cost, price, k1, k2)
    upper = min(limits.values())
    if lower > upper:
        raise ConfigError(f"limits: the minimum profitable scale {lower:g} t/a exceeds the technical upper limit {upper:g} t/a")
    return limits, lower, upper
