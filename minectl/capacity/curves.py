"""Cost-capacity curves (seed 003, eqs 7-8, 17-19) and the cobweb price model (section 2.2.2).

Forms: linear a + bQ, quadratic, cubic (ordinary least squares), power a Q^b, exponential
a e^(bQ) (least squares on ln C, as curve-estimation tools do) and logarithmic a + b ln Q.
R^2 is computed on the original cost scale for every form so forms compare fairly; the F
test ("Sig") uses that R^2 with the form's k slope terms: F = (R^2/k) / ((1-R^2)/(n-k-1)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator, RegressorMixin

from minectl.errors import ConfigError, DataError

FORMS = ("linear", "quadratic", "cubic", "power", "logarithmic", "exponential")
POLY_DEGREE = {"linear": 1, "quadratic": 2, "cubic": 3}
SLOPE_TERMS = {"linear": 1, "quadratic": 2, "cubic": 3, "power": 1, "logarithmic": 1, "exponential": 1}


def _xy(q, y, name="cost"):
    q = np.asarray(q, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if q.size != y.size:
        raise DataError(f"expected as many values as outputs ({q.size}), got {y.size}", param=name)
    if not (np.all(np.isfinite(q)) and np.all(np.isfinite(y))):
        raise DataError("expected finite numbers, found NaN or inf", param=name)
    for label, values in (("output", q), (name, y)):  # a negative tonnage, cost or price is a wrong value, not a fit's data
        if np.any(values < 0):
            negative = values[values < 0]
            raise DataError(f"{negative.size} negative values (first {negative[0]:g}); expected values >= 0", param=label)
    return q, y


class CostCurve(RegressorMixin, BaseEstimator):
    """Total cost as a function of output Q, in one of FORMS; X is a single column of Q."""

    def __init__(self, form: str = "quadratic"):
        self.form = form

    def _regressor(self, q: np.ndarray) -> np.ndarray:
        """What the form is a polynomial in: ln Q for the power and logarithmic forms, else Q."""
        return np.log(q) if self.form in ("power", "logarithmic") else q

    def fit(self, X, y):
        if self.form not in FORMS:
            raise ConfigError(f"expected one of {', '.join(FORMS)}, got '{self.form}'", param="form")
        q, cost = _xy(X, y)
        k = SLOPE_TERMS[self.form]
        if q.size < k + 2:
            raise DataError(f"cost: the {self.form} form needs at least {k + 2} points, got {q.size}")
        if np.unique(q).size < POLY_DEGREE.get(self.form, 1) + 1:  # fewer: least squares returns one of many curves
            raise DataError(f"output: the {self.form} form needs at least {POLY_DEGREE.get(self.form, 1) + 1} different outputs, "
                            f"got {np.unique(q).size}")
        if self.form in ("power", "logarithmic") and q.min() <= 0:
            raise DataError(f"output: the {self.form} form needs positive outputs")
        if self.form in ("power", "exponential") and cost.min() <= 0:
            raise DataError(f"cost: the {self.form} form needs positive costs")
        if np.ptp(cost) == 0:  # R^2 = 1 - SSE/SST has no meaning with SST = 0: every form would "fit perfectly"
            raise DataError(f"cost: all {cost.size} costs equal {cost[0]:g}; a cost-capacity curve needs costs that vary")
        target = np.log(cost) if self.form in ("power", "exponential") else cost
        degree = POLY_DEGREE.get(self.form, 1)
        # fitted on the regressor mapped to [-1, 1]: in tonnes (Q ~ 1e6, Q^3 ~ 1e18), or beside the
        # column of ones at Q ~ 1e100 (exponential: R^2 -9e73), the raw basis is too ill-conditioned
        # for least squares, which then returns a wrong curve
        self.polynomial_ = np.polynomial.Polynomial.fit(self._regressor(q), target, degree)
        coef = self.polynomial_.convert().coef  # the same curve in powers of the regressor, for describe()
        self.coef_ = np.pad(coef, (0, degree + 1 - coef.size))
        residual = cost - self.predict(q)
        total = np.sum((cost - cost.mean()) ** 2)
        self.r2_ = float(1 - np.sum(residual**2) / total)
        dof = q.size - k - 1
        self.adj_r2_ = float(1 - (1 - self.r2_) * (q.size - 1) / dof)
        if self.r2_ >= 1.0:
            self.f_stat_, self.p_value_ = float("inf"), 0.0
        else:
            self.f_stat_ = float((self.r2_ / k) / (max(1 - self.r2_, 0.0) / dof))
            self.p_value_ = float(stats.f.sf(self.f_stat_, k, dof)) if self.f_stat_ > 0 else 1.0
        return self

    def predict(self, X):
        q = np.asarray(X, dtype=float).ravel()
        linear = self.polynomial_(self._regressor(q))
        return np.exp(linear) if self.form in ("power", "exponential") else linear

    def describe(self) -> str:
        c = self.coef_
        if self.form in POLY_DEGREE:
            return " + ".join(f"{v:.6g}*Q^{i}" for i, v in enumerate(c))
        if self.form == "power":
            return f"{np.exp(c[0]):.6g}*Q^{c[1]:.6g}"
        if self.form == "exponential":
            return f"{np.exp(c[0]):.6g}*exp({c[1]:.6g}*Q)"
        return f"{c[0]:.6g} + {c[1]:.6g}*ln(Q)"


def fit_cost_curves(output, cost, forms=FORMS, significance: float = 0.05, skipped: dict | None = None) -> list[CostCurve]:
    """Fit every applicable form; best first: significant (p < significance) before not, then adjusted R^2.
    ``skipped``: a dict to receive form -> why it does not apply (too few points, values <= 0)."""
    q, y = _xy(output, cost)
    idle = (y == 0) & (q > 0)
    if np.any(idle):  # a cost of 0 beside an output is a blank cell exported as 0: the best form became the logarithmic one
        raise DataError(f"{int(idle.sum())} total costs of 0 at an output above 0 (the first at value {int(np.argmax(idle)) + 1} of "
                        f"{y.size}); expected each period's total cost, > 0 (a missing one: leave the cell empty, with "
                        "drop_incomplete=true)", param="cost")
    fitted, reasons = [], []
    for form in forms:
        try:
            fitted.append(CostCurve(form).fit(q, y))
        except DataError as exc:  # form not applicable here (too few points or outputs, non-positive values)
            reasons.append(str(exc))
            if skipped is not None:
                skipped[form] = str(exc)
    if not fitted:
        raise DataError(f"no cost-capacity form could be fitted ({reasons[0] if reasons else 'no form named'})", param="cost")
    return sorted(fitted, key=lambda c: (c.p_value_ >= significance, -c.adj_r2_))


def curve_rows(curves: list[CostCurve]) -> list[dict]:
    """One row per fitted curve: its form, equation and fit statistics."""
    return [{"form": c.form, "equation": c.describe(), "r2": c.r2_, "adj_r2": c.adj_r2_, "f": c.f_stat_, "sig": c.p_value_} for c in curves]


@dataclass(frozen=True)
class Cobweb:
    """Q_t = a1 + b1 P_{t-1} (supply) and P_t = a2 + b2 Q_t (demand), least squares."""

    a1: float
    b1: float
    a2: float
    b2: float
    r2_supply: float
    r2_demand: float

    @property
    def stable(self) -> bool:
        """Prices converge when |b1 b2| < 1."""
        return abs(self.b1 * self.b2) < 1

    def as_dict(self) -> dict:
        """The coefficients, fit statistics and stability."""
        return {"a1": self.a1, "b1": self.b1, "a2": self.a2, "b2": self.b2,
                "r2_supply": self.r2_supply, "r2_demand": self.r2_demand, "stable": self.stable}

    @property
    def equilibrium_price(self) -> float:
        return (self.a2 + self.b2 * self.a1) / (1 - self.b1 * self.b2)


def _line(x, y):
    slope, intercept, r, *_ = stats.linregress(x, y)
    return float(intercept), float(slope), float(r**2)


def fit_cobweb(quantity, price) -> Cobweb:
    """Least-squares cobweb model from aligned output and price series (at least 4 periods)."""
    q, p = _xy(quantity, price, "price")
    if np.any(p == 0):  # a market price of 0 is a blank cell exported as 0: it was fitted, a1 1373 -> 89 on 12 months
        raise DataError(f"{int(np.sum(p == 0))} prices of 0 (the first at value {int(np.argmax(p == 0)) + 1} of {p.size}); expected "
                        "each period's market price, > 0 (a missing one: leave the cell empty, with drop_incomplete=true)",
                        param="price")
    if q.size < 4:
        raise DataError(f"the cobweb model needs at least 4 periods, got {q.size}", param="price")
    # the supply line's price and output (a line through one x is not defined; through one y its R^2 is 0/0, NaN in the
    # metrics: a mine at the same output from the second period on); they vary, so the demand line's do too
    for label, values, periods in (("price", p[:-1], "before the last"), ("output", q[1:], "after the first")):
        if np.ptp(values) == 0:
            raise DataError(f"all {values.size} values equal {values[0]:g}; the cobweb model needs {label}s that vary in the periods "
                            f"{periods} (supply: each period's output from the price of the period before)", param=label)
    a1, b1, r2s = _line(p[:-1], q[1:])
    a2, b2, r2d = _line(q, p)
    return Cobweb(a1, b1, a2, b2, r2s, r2d)
