"""Monthly price forecasters with one interface: fit(y) -> self, update(y) -> self, predict(h).

`fit` learns parameters from the history `y` (1-D, oldest first). `update` hands the model a longer
history that extends the one it was fitted on, without re-learning parameters (a rolling backtest
uses it between refits). `predict(h)` returns the next `h` values; `predict_interval(h, level, filled)`
returns (lower, upper) arrays, or None for a model without a predictive distribution (``filled``: the
history's interpolated months).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from minectl.errors import ConfigError, DataError


class BaseForecaster:
    """Shared input checks and the history bookkeeping of every forecaster."""

    # scikit-learn's parameter API (get_params, clone) without importing scikit-learn, which with
    # scipy.stats and pandas costs 1 s in every process that fits or unpickles a forecaster
    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments as set (no forecaster holds another estimator)."""
        return {name: getattr(self, name) for name in inspect.signature(type(self)).parameters}

    def unfitted(self):
        """A new forecaster with the same parameters, not fitted (as sklearn.base.clone)."""
        return type(self)(**self.get_params())

    def check_params(self) -> None:
        """Raise ConfigError naming the first parameter with a wrong value (no-op by default)."""

    def unused_params(self) -> list[str]:
        """A line `name=value is not used ... (why)` for each parameter that the others leave unread (said, not
        refused: a sweep may pair it with values that read it)."""
        return []

    def fit_notes(self) -> list[str]:
        """A line for each doubt about the fitted parameters (said with the forecast; none by default)."""
        return []

    def converged(self) -> bool:
        """Whether the fit's parameter search ended at its optimum (counted over a backtest's fits; yes by default)."""
        return True

    def min_history(self) -> int:
        return 1

    def fit(self, y):
        self.check_params()
        self.history_ = self._check_history(y)
        self._fit(self.history_)
        return self

    def update(self, y):
        self._check_fitted("history_")
        y = self._check_history(y)
        known = self.history_.size
        if y.size < known or not np.array_equal(y[:known], self.history_):
            raise ValueError("update(y) needs the fitted history followed by new observations")
        self.history_ = y
        self._update(y)
        return self

    def predict(self, h: int) -> np.ndarray:
        self._check_fitted("history_")
        if int(h) < 1:
            raise ValueError(f"h: expected a horizon >= 1, got {h}")
        return np.asarray(self._predict(int(h)), dtype=float)

    def predict_interval(self, h: int, level: float, filled=None):
        """``filled``: a mask of the history's months that were empty and filled in (interpolated), or None."""
        return None

    def _check_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise ValueError(f"{type(self).__name__} is not fitted yet; call fit first")

    def _check_history(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if y.ndim != 1:
            raise DataError(f"series: expected a 1-D array of monthly values, got shape {y.shape}")
        if not np.all(np.isfinite(y)) or np.any(y <= 0):
            raise DataError("series: expected finite prices > 0 (models work on log prices)")
        if y.size < self.min_history():
            raise DataError(
                f"series: {type(self).__name__} needs at least {self.min_history()} months, got {y.size}"
            )
        return y

    def _fit(self, y: np.ndarray) -> None:
        """Learn parameters from y (nothing to learn by default)."""

    def _update(self, y: np.ndarray) -> None:
        """Take in the longer history y (the stored history_ is all most models need)."""


def _log_random_walk_interval(last: float, log_steps: np.ndarray, h: int, level: float):
    """Interval of a random walk in log price: sigma of the one-month log change, widening as sqrt(k)."""
    _check_level(level)
    from scipy.stats import norm

    sigma = np.std(log_steps, ddof=1) if log_steps.size > 1 else 0.0
    half_width = norm.ppf(0.5 + level / 2) * sigma * np.sqrt(np.arange(1, h + 1))
    return last * np.exp(-half_width), last * np.exp(half_width)


def is_integer(value) -> bool:
    """An integer, not a boolean: Python counts true as 1 (season_length=true was a season of one month)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_real(value) -> bool:
    """A number, not a boolean or text: a comparison with None or '1e-3' (a quoted value) raised a TypeError traceback."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _check_level(level: float) -> None:
    # the largest float below 1 is in (0, 1), but 0.5 + level / 2 rounds to 1: its normal quantile is
    # inf, and the intervals were NaN (0 x inf) or [0, inf] after a numpy warning
    if not 0 < level < 1 or 0.5 + level / 2 >= 1:
        raise ConfigError(f"interval_level: expected a value in (0, 1), at most 1 - 2.2e-16 (a finite normal quantile), got {level!r}")


class NaiveForecaster(BaseForecaster):
    """Random walk: every future month equals the last observed price."""

    def _predict(self, h):
        return np.full(h, self.history_[-1])

    def predict_interval(self, h, level, filled=None):
        self._check_fitted("history_")
        log_price = np.log(self.history_)
        quoted = np.arange(log_price.size) if filled is None else np.flatnonzero(~np.asarray(filled, dtype=bool))
        # a filled month's steps split the change across its gap into smaller ones (sigma 11 % too small at 40 % of
        # months empty, 90 % intervals holding 83 %): the change between quotes m months apart, over sqrt(m), is one
        # month's step of the random walk (the same bits with no gap)
        steps = np.diff(log_price[quoted]) / np.sqrt(np.diff(quoted))
        return _log_random_walk_interval(self.history_[-1], steps, h, level)


class SeasonalNaiveForecaster(BaseForecaster):
    """Each future month equals the price in the same month one season earlier."""

    def __init__(self, season_length: int = 12):
        self.season_length = season_length

    def check_params(self):
        if not is_integer(self.season_length) or self.season_length < 1:
            raise ConfigError(f"season_length: expected an integer >= 1, got {self.season_length!r}")

    def min_history(self):
        return self.season_length

    def _predict(self, h):
        last_season = self.history_[-self.season_length :]
        return last_season[np.arange(h) % self.season_length]


class ArimaForecaster(BaseForecaster):
    """ARIMA(p, d, q)(P, D, Q, s) of the log price (statsmodels state-space ARIMA, MLE)."""

    def __init__(self, order=(1, 1, 0), seasonal_order=(0, 0, 0, 0), trend: str = "n"):
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend

    def check_params(self):
        for name, value, count, terms in (("order", self.order, 3, "three integers >= 0 (p, d, q)"),
                                          ("seasonal_order", self.seasonal_order, 4, "four integers >= 0 (P, D, Q, s)")):
            # a list, not a number, null or text: order=5 was a TypeError traceback, '1,1,0' read letter by letter
            if not isinstance(value, (list, tuple)) or len(value) != count or any(not is_integer(v) or v < 0 for v in value):
                raise ConfigError(f"{name}: expected {terms}, got {list(value) if isinstance(value, tuple) else value!r}")
        order, seasonal = tuple(self.order), tuple(self.seasonal_order)
        if self.trend not in ("n", "c", "t", "ct"):
            raise ConfigError(f"trend: expected one of n, c, t, ct; got {self.trend!r}")
        self._check_seasonal(order, seasonal)
        # without differencing or a constant the log price reverts to 0: ARIMA(0,0,0) forecast a price of 1.0
        if order[1] + seasonal[1] == 0 and "c" not in self.trend:
            raise ConfigError(f"trend={self.trend!r}: order {list(order)} and seasonal_order {list(seasonal)} difference the log price "
                              "0 times, so without a constant it reverts to 0 (a price of 1); expected trend c or ct, or d >= 1")
        # statsmodels refuses a trend term the differencing removes (a ValueError traceback at the first fit)
        lowest, differences = (0 if "c" in self.trend else 1), order[1] + seasonal[1]
        if self.trend != "n" and lowest < differences:
            allowed = "n" if differences > 1 else "n or t (a linear trend: a drift of the differenced log price)"
            raise ConfigError(f"trend={self.trend!r}: a trend term of order {lowest} is removed by the {differences} "
                              f"difference(s) of order {list(order)} and seasonal_order {list(seasonal)}; expected trend {allowed}")

    @staticmethod
    def _check_seasonal(order: tuple, seasonal: tuple) -> None:
        """What statsmodels refuses at the first fit, in a traceback: a seasonal term without a period of 2 or
        more, and a lag in both the non-seasonal and the seasonal part (p >= s with P, q >= s with Q)."""
        (p, _, q), (*terms, s) = order, seasonal
        if any(terms) and s < 2 or s == 1:
            raise ConfigError(f"seasonal_order: {list(seasonal)} has a season s={s}; expected s >= 2 (12 months: a year) "
                              "with P, D or Q, or [0, 0, 0, 0] for none")
        for part, lags, seasonal_lags in (("autoregressive", p, terms[0]), ("moving-average", q, terms[2])):
            if seasonal_lags and lags >= s:
                raise ConfigError(f"order {list(order)} and seasonal_order {list(seasonal)}: the {part} lag {s} is in both parts; "
                                  f"expected {'p' if part[0] == 'a' else 'q'} < {s} (the season)")

    def min_history(self):
        p, d, q = self.order
        seasonal_p, seasonal_d, seasonal_q, s = self.seasonal_order
        return d + seasonal_d * s + max(p, q) + max(seasonal_p, seasonal_q) * s + 12

    def _fit(self, y):
        from statsmodels.tsa.arima.model import ARIMA

        model = ARIMA(
            np.log(y), order=tuple(self.order), seasonal_order=tuple(self.seasonal_order), trend=self.trend
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; the backtest measures the fit honestly
            # no parameter covariance: nothing reads it, and its numerical Hessian is 8 % of a fit;
            # parameters, forecasts and intervals are the same bits
            self.results_ = model.fit(cov_type="none")

    def converged(self):
        # the convergence warning is silenced above: a maximum-likelihood search that stopped short gave
        # forecasts from its last parameters, printed as the ARIMA's without a word
        self._check_fitted("results_")
        return bool(self.results_.mle_retvals.get("converged", True))

    def fit_notes(self):
        if self.converged():
            return []
        return [f"order={list(self.order)}: the maximum-likelihood fit did not converge (statsmodels); the forecast "
                "uses the parameters where it stopped (expected a smaller order, or another trend)"]

    def _update(self, y):
        # same parameters, state filtered over the longer history
        self.results_ = self.results_.apply(np.log(y), refit=False)

    def _predict(self, h):
        return np.exp(self.results_.forecast(h))

    def predict_interval(self, h, level, filled=None):
        self._check_fitted("results_")  # statsmodels' own interval: the filled months were fitted as quotes
        _check_level(level)
        bounds = self.results_.get_forecast(h).conf_int(alpha=1 - level)
        return np.exp(bounds[:, 0]), np.exp(bounds[:, 1])
