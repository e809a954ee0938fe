"""Maximum-likelihood distribution fitting with K-S and A-D goodness of fit (seed 003, 2.4.1-2.4.2).

Positive-support families (lognormal, gamma, Weibull, exponential) are the usual
two-parameter forms with location fixed at 0; beta is fitted on a fixed support (the unit
interval when the data lie in it, else the data range widened by one range/n at each end);
normal, uniform and triangular fit all parameters. Goodness-of-fit p-values treat the
fitted parameters as known, so they are too lenient (the usual caveat of K-S/A-D after
estimation); compare families by BIC and read the tests as a screen.

Right-censored values (suspensions: a lifetime known only to exceed the value) are fitted by
maximising sum ln f(failures) + sum ln S(suspensions) (scipy's CensoredData) for the families
whose support the data's ends do not set (CENSORED_FAMILIES); K-S and A-D are complete-sample
tests, so they are not computed (NaN) on censored data.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from minectl.data.values import constant_up_to_rounding
from minectl.errors import ConfigError, DataError
from minectl.uncertainty.bootstrap import check_series

FAMILIES = ("normal", "lognormal", "gamma", "weibull", "beta", "uniform", "triangular", "exponential")
POSITIVE = ("lognormal", "gamma", "weibull", "exponential")
# beta's support is widened from the data's ends, uniform's and triangular's are fitted to them:
# a suspension's lifetime lies beyond its value, so neither holds for censored data
CENSORED_FAMILIES = ("normal",) + POSITIVE
SCIPY_NAMES = {
    "normal": "norm",
    "lognormal": "lognorm",
    "gamma": "gamma",
    "weibull": "weibull_min",
    "beta": "beta",
    "uniform": "uniform",
    "triangular": "triang",
    "exponential": "expon",
}


@dataclass(frozen=True)
class FitResult:
    family: str
    params: tuple  # scipy's (shapes..., loc, scale)
    n_free: int
    log_likelihood: float
    aic: float
    bic: float
    ks_stat: float
    ks_pvalue: float
    ad_stat: float
    ad_pvalue: float

    def frozen(self):
        """The fitted scipy.stats frozen distribution."""
        return getattr(stats, SCIPY_NAMES[self.family])(*self.params)


def anderson_darling(sorted_x: np.ndarray, cdf) -> float:
    """A^2 = -n - (1/n) sum (2i-1) [ln F(x_i) + ln(1 - F(x_{n+1-i}))] for a given CDF."""
    n = sorted_x.size
    log_f = np.log(np.clip(cdf(sorted_x), 1e-300, None))
    log_sf = np.log(np.clip(1.0 - cdf(sorted_x), 1e-300, None))
    i = np.arange(1, n + 1)
    return float(-n - np.sum((2 * i - 1) * (log_f + log_sf[::-1])) / n)


def anderson_darling_pvalue(a2: float) -> float:
    """Asymptotic p-value of A^2 for a fully specified CDF (Marsaglia and Marsaglia 2004, ADinf); NaN for NaN."""
    if math.isnan(a2):
        return math.nan
    if a2 <= 0:
        return 1.0
    if a2 < 2:
        poly = 2.00012 + (0.247105 - (0.0649821 - (0.0347962 - (0.011672 - 0.00168691 * a2) * a2) * a2) * a2) * a2
        cdf = math.exp(-1.2337141 / a2) / math.sqrt(a2) * poly
    else:
        inner = 1.0776 - (2.30695 - (0.43424 - (0.082433 - (0.008056 - 0.0003146 * a2) * a2) * a2) * a2) * a2
        cdf = math.exp(-math.exp(inner))
    return float(min(1.0, max(0.0, 1.0 - cdf)))


def check_spread(x: np.ndarray, name: str) -> None:
    """A DataError for a series constant up to rounding (data.values.constant_up_to_rounding): no
    spread to fit a distribution to, and the fits fail or rank noise."""
    if constant_up_to_rounding(x):
        rounding = " up to rounding" if np.ptp(x) else ""
        raise DataError(f"{name}: a constant series (all values {x[0]:g}{rounding}) has no distribution to fit")


def _precise_fmin(func, x0, args=(), disp=0):
    """scipy's default optimizer (Nelder-Mead) with tolerances that give the censored MLE to about
    1e-7 (its default 1e-4 moves the exponential's scale off total time / failures at the 5th digit)."""
    return optimize.fmin(func, x0, args=args, disp=disp, xtol=1e-10, ftol=1e-12, maxiter=20_000, maxfun=40_000)


def _fit_params(family: str, x: np.ndarray, censored: np.ndarray | None = None) -> tuple[tuple, int]:
    dist = getattr(stats, SCIPY_NAMES[family])
    if censored is not None:  # CENSORED_FAMILIES
        data = stats.CensoredData(uncensored=x[~censored], right=x[censored])
        params = dist.fit(data, optimizer=_precise_fmin, **({"floc": 0} if family in POSITIVE else {}))
        if family in ("gamma", "weibull"):
            # both hold the exponential (shape 1), whose MLE is total time / failures: a fit below its
            # likelihood is a search that went astray from scipy's start (gamma of one failure among
            # later suspensions: shape 3.5e4, ln L -23,689 against the exponential's -6.01); restart there
            failures = int((~censored).sum())
            exponential = -failures * (math.log(x.sum() / failures) + 1)
            if _censored_loglik(dist(*params), x, censored) < exponential:
                params = dist.fit(data, 1.0, optimizer=_precise_fmin, floc=0, scale=x.sum() / failures)
        return tuple(float(p) for p in params), len(params) - (family in POSITIVE)
    if family in POSITIVE:
        params = dist.fit(x, floc=0)
        return tuple(float(p) for p in params), len(params) - 1
    if family == "beta":
        if x.min() > 0 and x.max() < 1:
            loc, scale = 0.0, 1.0
        else:
            pad = (x.max() - x.min()) / x.size
            loc, scale = x.min() - pad, x.max() - x.min() + 2 * pad
        params = dist.fit(x, floc=loc, fscale=scale)
        return tuple(float(p) for p in params), 2
    params = _triangular_mle(x) if family == "triangular" else dist.fit(x)
    return tuple(float(p) for p in params), len(params)


def _triangular_mle(x: np.ndarray) -> tuple[float, float, float]:
    """scipy's (c, loc, scale) of the triangular distribution that maximises the likelihood. scipy's generic
    fit searches all three from one start and stops at a local maximum (30 values: mode at 0.95 of the range,
    ln L -47.31, for mode 0.25 and -41.14). Here: for given ends a < min and b > max the likelihood is largest
    with the mode at a data value (Oliver 1972), found for every one at once (profile_ln_l); the ends are
    searched from three starts (one above 10,000 values), and the boundary fits with the mode at an end (a = min or b = max) apart."""
    x = np.sort(x)
    n, span = x.size, float(np.ptp(x))
    mode_at = np.arange(n)

    def profile_ln_l(a: float, b: float) -> tuple[float, int]:
        """max over the modes at a data value of ln L - n ln 2, and that mode's index."""
        with np.errstate(divide="ignore", invalid="ignore"):
            left, right = np.log(x - a), np.log(b - x)  # -inf at an end on a value: only a mode there keeps ln L finite
            below = np.concatenate(([0.0], np.cumsum(left[:-1])))  # sum of ln(x_i - a), i < k
            above = np.concatenate((np.cumsum(right[::-1][:-1])[::-1], [0.0]))  # sum of ln(b - x_i), i > k
            terms = below - mode_at * left + above - (n - 1 - mode_at) * right
        terms[0], terms[-1] = above[0] - (n - 1) * right[0], below[-1] - (n - 1) * left[-1]  # no 0 x ln 0 at the ends
        k = int(np.nanargmax(terms))
        return float(terms[k] - n * math.log(b - a)), k

    def minus(a: float, b: float) -> float:
        value = profile_ln_l(a, b)[0]
        return -value if np.isfinite(value) else math.inf

    def beyond(t) -> tuple[float, float]:  # the ends at e^t0 and e^t1 ranges below the minimum and above the maximum
        return x[0] - span * math.exp(t[0]), x[-1] + span * math.exp(t[1])

    def low_at_min(u: float) -> tuple[float, float]:  # the mode on the minimum, a = min: c = 0
        return x[0], x[-1] + span * math.exp(u)

    def high_at_max(u: float) -> tuple[float, float]:  # the mode on the maximum, b = max: c = 1
        return x[0] - span * math.exp(u), x[-1]

    candidates = []
    # a few values can hold several maxima, a large sample (10,000 values and more) one, near its ends
    for start in (-math.log(n), -1.0, 1.0)[: 1 if n > 10_000 else 3]:
        t = optimize.minimize(lambda t: minus(*beyond(t)), [start, start], method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000}).x
        candidates.append(beyond(t))
    for ends in (low_at_min, high_at_max):
        u = optimize.minimize_scalar(lambda u, ends=ends: minus(*ends(u)), bounds=(-30.0, 10.0), method="bounded",
                                     options={"xatol": 1e-10}).x
        candidates.append(ends(u))
    a, b = min(candidates, key=lambda ends: minus(*ends))
    mode = x[profile_ln_l(a, b)[1]]
    return (float((mode - a) / (b - a)), float(a), float(b - a))


def _censored_loglik(frozen, x: np.ndarray, censored: np.ndarray) -> float:
    """sum ln f(failures) + sum ln S(suspensions)."""
    return float(np.sum(frozen.logpdf(x[~censored])) + np.sum(frozen.logsf(x[censored])))


def fit_distribution(values, family: str, name: str = "series", censored: np.ndarray | None = None) -> FitResult:
    """MLE fit of one family with log-likelihood, AIC, BIC, K-S and A-D statistics.
    ``censored``: True where a value is right-censored; the likelihood is then the censored one
    and K-S and A-D are NaN (not computed)."""
    if family not in FAMILIES:
        raise ConfigError(f"expected names from {', '.join(FAMILIES)}, got '{family}'", param="families")
    x = check_series(values, name, min_size=3)
    check_spread(x, name)
    censored = _censored_flags(x, censored, name)
    if family in POSITIVE and _positive_minimum(x, censored) <= 0:
        raise DataError(f"{name}: {family} needs positive values, found minimum {_positive_minimum(x, censored):g}")
    if censored is not None:
        if family not in CENSORED_FAMILIES:
            raise ConfigError(f"censored values: expected names from {', '.join(CENSORED_FAMILIES)}, got '{family}'",
                              param="families")
        if family != "exponential" and (why := _spike(x, censored)):
            raise DataError(f"{name}: {family}: {why}")
    params, k = _fit_params(family, x, censored)
    frozen = getattr(stats, SCIPY_NAMES[family])(*params)
    n = x.size
    if censored is not None:
        loglik = _censored_loglik(frozen, x, censored)
        return FitResult(family, params, k, loglik, 2 * k - 2 * loglik, k * math.log(n) - 2 * loglik,
                         math.nan, math.nan, math.nan, math.nan)
    loglik = float(np.sum(frozen.logpdf(x)))
    ks = stats.kstest(x, frozen.cdf)
    low, high = frozen.support()
    # a support that ends at a data value (uniform's fit: [min, max]) puts ln F = ln 0 into A^2: no
    # statistic (it was "A-D p 0.000" for every uniform fit, and "no family fits" for a uniform sample)
    ad = anderson_darling(np.sort(x), frozen.cdf) if low < x.min() and high > x.max() else math.nan
    return FitResult(
        family=family,
        params=params,
        n_free=k,
        log_likelihood=loglik,
        aic=2 * k - 2 * loglik,
        bic=k * math.log(n) - 2 * loglik,
        ks_stat=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
        ad_stat=ad,
        ad_pvalue=anderson_darling_pvalue(ad),
    )


def fit_all(values, families=FAMILIES, name: str = "series", skipped: dict | None = None,
            censored: np.ndarray | None = None, advance: Callable[[int], None] | None = None) -> list[FitResult]:
    """Fit every family whose support covers the data; best (lowest finite BIC) first.
    ``skipped``: a dict to receive family -> why it was not fitted (support, no MLE);
    ``censored``: True where a value is right-censored (fit_distribution); ``advance(1)`` is told
    of each family done, fitted or not (a progress bar's)."""
    x = check_series(values, name, min_size=3)
    check_spread(x, name)
    censored = _censored_flags(x, censored, name)
    fits, why = [], {}
    for family in families:
        fit = _fit_or_why(x, family, name, censored)
        if isinstance(fit, str):
            why[family] = fit
        else:
            fits.append(fit)
        if advance is not None:
            advance(1)
    if skipped is not None:
        skipped.update(why)
    if not fits:
        raise DataError(f"{name}: none of the families {', '.join(families)} could be fitted")
    return sorted(fits, key=lambda f: f.bic)


def _positive_minimum(x: np.ndarray, censored: np.ndarray | None) -> float:
    """The smallest value that a positive family must see above 0: of every value, or with
    censoring of the failures. A suspension at 0 h (a unit removed as it was installed) adds
    ln S(0) = 0 to the likelihood of any of them, and took all four out of the ranking."""
    return float(x.min() if censored is None else x[~np.asarray(censored, dtype=bool)].min())


def _censored_flags(x: np.ndarray, censored, name: str) -> np.ndarray | None:
    """``censored`` as one bool per value with at least one failure among them, or a DataError."""
    if censored is None:
        return None
    censored = np.asarray(censored, dtype=bool).ravel()
    if censored.shape != x.shape:
        raise DataError(f"{name}: expected {x.size} censored flags, one per value, got {censored.size}")
    if censored.all():
        raise DataError(f"{name}: all {x.size} values are censored; expected at least one failure to fit a distribution")
    return censored


def _spike(x: np.ndarray, censored: np.ndarray) -> str | None:
    """Why a family with a spread (all but the exponential) has no censored MLE, or None: with every
    failure at one value t and no suspension beyond t, a spike at t has f(t) -> inf while each
    S(suspension) stays above 0, so ln L grows without bound (it reported a Weibull of shape inf,
    BIC -8441 and a fitted mean of t ranked first, against an MTBF twice t)."""
    failures = x[~censored]
    if constant_up_to_rounding(failures) and x[censored].max(initial=-np.inf) <= failures.max():
        return (f"no maximum-likelihood fit: every failure is at {failures[0]:g} and no suspension lies beyond it, "
                "so the likelihood grows without bound as the spread shrinks")
    return None


def _fit_or_why(x: np.ndarray, family: str, name: str, censored: np.ndarray | None) -> FitResult | str:
    """One family's fit, or why it was not fitted (fit_all)."""
    if censored is not None and family not in CENSORED_FAMILIES:
        return "support bounded at the data's ends, while a suspension's lifetime may lie beyond them"
    if censored is not None and family != "exponential" and (why := _spike(x, censored)):
        return why
    if family in POSITIVE and _positive_minimum(x, censored) <= 0:
        return f"values > 0 needed, the minimum is {_positive_minimum(x, censored):g}"
    try:
        # scipy's solvers warn on their way to a failure (a zero variance, a log of 0) that the
        # checks below name in one line; a series nearly constant (spread 1e-7 of its level) gives
        # gamma's root finder no bracket (ValueError): a family without an MLE here, not a crash
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            fit = fit_distribution(x, family, name, censored)
    except (stats.FitError, ValueError):
        return "the maximum-likelihood fit did not converge"
    return fit if np.isfinite(fit.bic) else "the likelihood is zero at some value"
