"""Bootstrap confidence intervals with chunked resampling (seed 003, section 2.4.3).

Resample indices are drawn exactly as `scipy.stats.bootstrap` draws them
(`rng.integers(0, n, (n_resamples, n))` from one `numpy.random.Generator`), but chunk by
chunk, so memory stays bounded while the same seed gives the same resamples and therefore
the same interval as scipy. Indices can also be supplied directly (`indices=`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import numpy as np
from scipy.special import ndtr, ndtri

from minectl.errors import ConfigError, DataError

STATISTICS = ("mean", "median", "std", "quantile")
METHODS = ("percentile", "basic", "bca")
# Working memory of one chunk (indices + gathered values); keeps peak memory far below 20 MiB.
DEFAULT_CHUNK_BYTES = 2 * 1024 * 1024
# BCa's jackknife takes the statistic of n subsamples of n - 1 values: n^2 work (of the mean: 2 s
# at 30,000 values, about 20 s at 100,000, 40 minutes at 1,000,000); the censored MTBF's is closed-form
MAX_BCA_VALUES = 100_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BootstrapResult:
    estimate: float
    low: float
    high: float
    standard_error: float
    method: str
    confidence: float
    n_resamples: int
    distribution: np.ndarray

    @property
    def range_low_pct(self) -> float:
        """Lower end of the seed's relative uncertainty range, % of the estimate (negative)."""
        return relative_range(self.estimate, self.low, self.high)[0]

    @property
    def range_high_pct(self) -> float:
        return relative_range(self.estimate, self.low, self.high)[1]


def relative_range(estimate: float, low: float, high: float) -> tuple[float, float]:
    """Interval as % deviations from the estimate, e.g. (-10.79, +10.79) in seed 003."""
    if estimate == 0:
        raise DataError("estimate: relative uncertainty range needs a non-zero estimate")
    scale = 100.0 / abs(estimate)
    return (low - estimate) * scale, (high - estimate) * scale


def statistic_function(name: str, q: float = 0.5) -> Callable[[np.ndarray], np.ndarray]:
    """Vectorised statistic along the last axis, by name."""
    if name == "mean":
        return lambda a: a.mean(axis=-1)
    if name == "median":
        return lambda a: np.median(a, axis=-1)
    if name == "std":
        return lambda a: a.std(axis=-1, ddof=1)
    if name == "quantile":
        if not 0.0 < q < 1.0:  # 0 or 1: the bootstrap of a minimum or maximum ends at the estimate
            raise ConfigError(f"expected a quantile level in (0, 1), got {q}", param="q")
        return lambda a: np.quantile(a, q, axis=-1)
    raise ConfigError(f"expected one of {', '.join(STATISTICS)}, got '{name}'", param="statistic")


def mtbf(times: np.ndarray, failures: np.ndarray) -> np.ndarray:
    """Total time over the number of failures along the last axis: the mean time between failures
    of right-censored times (``failures`` 1 for a failure, 0 for a suspension), which is the
    exponential MLE, the failures-per-hour rate's inverse, and the mean when nothing is censored.
    Times without a failure give inf."""
    with np.errstate(divide="ignore"):
        return times.sum(axis=-1) / failures.sum(axis=-1)


def check_series(values, name: str = "series", min_size: int = 2) -> np.ndarray:
    """A finite 1-D float array with at least `min_size` values, or a DataError naming it."""
    x = np.asarray(values, dtype=float).ravel()
    if x.size < min_size:
        raise DataError(f"{name}: expected at least {min_size} values, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise DataError(f"{name}: expected finite numbers, found NaN or inf")
    return x


def check_bca_size(n: int) -> None:
    """BCa of ``n`` values without censoring: refused above MAX_BCA_VALUES (its jackknife is quadratic)."""
    if n > MAX_BCA_VALUES:
        raise ConfigError(f"'bca' on {n:,} values: its jackknife is n x (n - 1) values; expected at most {MAX_BCA_VALUES:,} "
                          "values, or percentile or basic", param="method")


def pcg64_integer_chunks(
    seed, n: int, n_resamples: int, chunk_rows: int, width: Optional[int] = None
) -> Iterator[np.ndarray]:
    """Yield (rows, width) chunks equal to `np.random.default_rng(seed).integers(0, n, (B, width))`.

    `width` defaults to n (a bootstrap index matrix). Each chunk is a view of a buffer that
    the next chunk overwrites: use it (or copy it) before advancing.

    numpy draws each bounded integer with Lemire's method on the 32-bit stream of PCG64 (low
    half of each 64-bit word first): m = u32 * n, rejected while (m mod 2^32) < 2^32 mod n,
    index = m >> 32. Doing the same on whole arrays of raw words is about twice as fast as
    the per-element loop; tests check it against `Generator.integers`.
    """
    width = n if width is None else width
    bitgen = np.random.PCG64(seed)
    threshold = (2**32) % n
    # buffer reused across chunks (no allocation and page faults per chunk): the 64-bit
    # product u32 * n, whose low half decides rejection and whose high half is the index
    product = np.empty(chunk_rows * width, dtype="<u8")
    carry = np.empty(0, dtype=np.uint32)
    for start in range(0, n_resamples, chunk_rows):
        need = min(chunk_rows, n_resamples - start) * width
        fresh = bitgen.random_raw(-(-(need - carry.size) // 2)).astype("<u8", copy=False).view("<u4")
        pool = fresh if carry.size == 0 else np.concatenate([carry, fresh])
        out = product[:need]
        np.multiply(pool[:need], np.uint64(n), out=out)
        if out.view("<u4")[0::2].min() >= threshold:
            carry = pool[need:]
        else:  # rare: some draw below the threshold is rejected and replaced by later draws
            while True:
                positions = np.flatnonzero(pool * np.uint32(n) >= threshold)
                if positions.size >= need:
                    break
                more = bitgen.random_raw((need - positions.size) // 2 + 1).astype("<u8", copy=False).view("<u4")
                pool = np.concatenate([pool, more])
            np.multiply(pool[positions[:need]], np.uint64(n), out=out)
            carry = pool[positions[need - 1] + 1 :]
        np.right_shift(out, np.uint64(32), out=out)
        yield out.view("<i8").reshape(-1, width)


def resample_indices(
    n: int,
    n_resamples: int,
    rng: np.random.Generator,
    chunk_rows: int,
    block_length: Optional[int] = None,
) -> Iterator[np.ndarray]:
    """Yield (rows, n) int32 index chunks; iid chunks concatenate to scipy's index matrix.

    With `block_length`, a moving-block bootstrap: each row joins ceil(n / l) blocks of l
    consecutive observations whose starts are uniform on [0, n - l], cut to length n.
    """
    if block_length is None:
        for start in range(0, n_resamples, chunk_rows):
            rows = min(chunk_rows, n_resamples - start)
            # int32 draws the same Lemire stream as scipy's int64 call, at half the memory.
            yield rng.integers(0, n, (rows, n), dtype=np.int32)
        return
    blocks = -(-n // block_length)
    offsets = np.arange(block_length, dtype=np.int32)
    for start in range(0, n_resamples, chunk_rows):
        rows = min(chunk_rows, n_resamples - start)
        starts = rng.integers(0, n - block_length + 1, (rows, blocks), dtype=np.int32)
        yield (starts[:, :, None] + offsets).reshape(rows, blocks * block_length)[:, :n]


def jackknife_values(x: np.ndarray, statistic: Callable, chunk_rows: int) -> np.ndarray:
    """Leave-one-out statistics, computed in chunks of rows of the (n, n-1) jackknife matrix."""
    n = x.size
    out = np.empty(n)
    cols = np.arange(n - 1)
    for start in range(0, n, chunk_rows):
        rows = np.arange(start, min(start + chunk_rows, n))
        # row i drops observation i: column j maps to j for j < i and to j + 1 otherwise
        idx = cols[None, :] + (cols[None, :] >= rows[:, None])
        out[rows] = statistic(x[idx])
    return out


def bca_levels(theta_hat: float, distribution: np.ndarray, jackknife: np.ndarray, alpha: float):
    """Adjusted quantile levels of the BCa interval (Efron and Tibshirani, eqs 14.10, 14.15)."""
    below = np.count_nonzero(distribution < theta_hat) + np.count_nonzero(distribution <= theta_hat)
    z0 = ndtri(below / (2 * distribution.size))
    n = jackknife.size
    u = (n - 1) * (jackknife.mean() - jackknife)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # equal jackknife values: NaN, refused by the caller
        accel = (np.sum(u**3) / n**3) / (6 * (np.sum(u**2) / n**2) ** 1.5)
        if not np.isfinite(accel) and np.any(u):  # u**3 overflowed (values ~1e150): the ratio is scale-free
            u = u / np.abs(u).max()
            accel = (np.sum(u**3) / n**3) / (6 * (np.sum(u**2) / n**2) ** 1.5)
    z_alpha = ndtri(alpha)
    levels = []
    for z in (z_alpha, -z_alpha):
        levels.append(ndtr(z0 + (z0 + z) / (1 - accel * (z0 + z))))
    return levels


def _check_bca_reach(levels, n_resamples: int, statistic: str, name: str) -> None:
    """Refuse BCa levels with fewer than one resample beyond an end (the rule for percentile levels): that end
    is then the extreme resample, moving with n_resamples whatever the confidence; a skewed sample's acceleration
    moved 0.975 to 0.9984, and nine 1 h and one 100 h gave a mean's interval ending at 40.6 with 199 resamples."""
    tail = min(levels[0], 1 - levels[1])
    if tail * n_resamples >= 1:
        return
    reach = f"at least {math.ceil(1 / tail)} resamples," if tail > 0 else "more resamples than any count,"
    raise DataError(f"{name}: the BCa interval of the {statistic} moves its ends to the levels {levels[0]:.4g} and {levels[1]:.4g}, "
                    f"beyond the {n_resamples} resamples (the end would be the extreme resample); expected {reach} or "
                    "percentile or basic", param="n_resamples")


def longest_block(n: int) -> int:
    """The longest moving block for a series of ``n`` values: a third of it, as Politis-White's
    cap. Longer blocks have too few distinct starts (at n, every resample is the series itself:
    an interval of zero width), and the middle values outweigh the ends."""
    return max(1, math.ceil(n / 3))


@dataclass(frozen=True)
class Statistic:
    """What bootstrap_ci estimates, chosen once (``chosen_statistic``): its value on the series,
    its values on resamples, its leave-one-out values (BCa) and a check of the resampled values."""

    estimate: float
    of_resamples: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (resampled values, their indices) -> one per row
    jackknife: Callable[[], np.ndarray]
    check: Callable[[np.ndarray], None] = lambda distribution: None


def chosen_statistic(
    x: np.ndarray, statistic: str, q: float, failures: Optional[np.ndarray], method: str, chunk_rows: int, name: str
) -> Statistic:
    """The named statistic of the values; with ``failures`` (1 a failure, 0 censored), the MTBF of
    (value, failure) pairs, resampled together."""
    stat = statistic_function(statistic, q)  # an unknown name or level is refused either way
    if failures is None:
        if method == "bca":
            check_bca_size(x.size)
        return Statistic(float(stat(x)), lambda values, idx: stat(values), lambda: jackknife_values(x, stat, chunk_rows))
    if statistic != "mean":
        raise ConfigError(f"with censored values the statistic is the MTBF (total time / failures); expected mean, "
                          f"got '{statistic}'", param="statistic")
    failures = np.asarray(failures, dtype=float)
    if failures.shape != x.shape or not np.isin(failures, (0, 1)).all():
        raise DataError(f"{name}: expected {x.size} failure flags (1 a failure, 0 censored), one per value")

    def bounded(distribution: np.ndarray) -> None:
        unbounded = np.count_nonzero(np.isinf(distribution))
        if unbounded:  # their MTBF is infinite: the interval's upper end and the standard error are unbounded
            raise DataError(f"{name}: {unbounded} of {distribution.size} resamples hold none of the {int(failures.sum())} "
                            f"failures among {x.size} values, so the MTBF has no upper bound; expected more failures")

    return Statistic(
        float(mtbf(x, failures)),
        lambda values, idx: mtbf(values, np.take(failures, idx, mode="clip")),
        lambda: (x.sum() - x) / (failures.sum() - failures),  # leave-one-out MTBF in closed form: (T - t_i) / (r - d_i)
        bounded,
    )


def bootstrap_ci(
    values,
    statistic: str = "mean",
    *,
    q: float = 0.5,
    method: str = "percentile",
    confidence: float = 0.95,
    n_resamples: int = 9999,
    block_length: Optional[int] = None,
    random_state: int | np.random.Generator | None = 0,
    indices: Optional[np.ndarray] = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    progress: Optional[Progress] = None,
    name: str = "series",
    failures: Optional[np.ndarray] = None,
) -> BootstrapResult:
    """Two-sided bootstrap confidence interval of a named statistic.

    `random_state` seeds `np.random.default_rng`; `scipy.stats.bootstrap(...,
    rng=np.random.default_rng(seed))` then draws the same resamples. `indices` (B, n)
    replaces the draw. `progress(done, total)` is called after each chunk; `name` names the
    series in errors. `failures` (1 a failure, 0 a right-censored value): the statistic is
    then the MTBF (`mtbf`, statistic "mean"), of (value, failure) pairs resampled together.
    """
    # in units of a power of two near the largest |value|: a std's squares of values near 1e-300
    # underflowed (std 0, CI [0, 0]); every statistic here scales with the values, and a power of
    # two scales exactly, so values of ordinary size give the same bits
    x = check_series(values)
    exponent = int(np.frexp(np.abs(x).max())[1])
    x = np.ldexp(x, -exponent)
    n = x.size
    if method not in METHODS:
        raise ConfigError(f"expected one of {', '.join(METHODS)}, got '{method}'", param="method")
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"expected a level in (0, 1), got {confidence}", param="confidence")
    if block_length is not None:
        if method == "bca":
            raise ConfigError("'bca' assumes independent observations; use percentile or basic with block_length", param="method")
        longest = longest_block(n)
        if not 1 <= block_length <= longest:
            raise ConfigError(f"expected 1..{longest} (a third of the {n} values), got {block_length}", param="block_length")
    if method == "bca" and np.ptp(x) == 0:
        raise DataError("series: a constant series has no BCa interval (its jackknife has zero spread)")
    # per cell: 32-bit draw, 64-bit product (the index), float64 value (20 bytes);
    # an even row count keeps whole 64-bit words per chunk
    chunk_rows = max(2, chunk_bytes // (20 * n) // 2 * 2)
    theta = chosen_statistic(x, statistic, q, failures, method, chunk_rows, name)
    if indices is not None:
        indices = np.asarray(indices)
        if indices.ndim != 2 or indices.shape[1] != n or indices.min() < 0 or indices.max() >= n:
            raise ConfigError(f"expected an integer (B, {n}) array of positions 0..{n - 1}", param="indices")
        n_resamples = indices.shape[0]
        chunks = (indices[s : s + chunk_rows] for s in range(0, n_resamples, chunk_rows))
    else:
        if n_resamples < 1:
            raise ConfigError(f"expected a positive integer, got {n_resamples}", param="n_resamples")
        if block_length is None and not isinstance(random_state, np.random.Generator):
            chunks = pcg64_integer_chunks(random_state, n, n_resamples, chunk_rows)
        else:
            rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
            chunks = resample_indices(n, n_resamples, rng, chunk_rows, block_length)

    distribution = np.empty(n_resamples)
    gathered = np.empty((chunk_rows, n))
    done = 0
    for idx in chunks:
        rows = idx.shape[0]
        # indices are in range (drawn, or checked above): "clip" skips numpy's bounds check
        np.take(x, idx, out=gathered[:rows], mode="clip")
        distribution[done : done + rows] = theta.of_resamples(gathered[:rows], idx)
        done += rows
        if progress is not None:
            progress(done, n_resamples)

    theta.check(distribution)
    theta_hat = theta.estimate
    alpha = (1.0 - confidence) / 2.0
    if method == "bca":
        levels = bca_levels(theta_hat, distribution, theta.jackknife(), alpha)
        if not np.all(np.isfinite(levels)):  # scipy returns NaN here (DegenerateDataWarning)
            raise DataError(f"{name}: the BCa interval of the {statistic} is undefined: its jackknife values are all equal "
                            "(e.g. the median of tied values) or every resample lies on one side of the estimate; "
                            "expected percentile or basic", param="method")
        _check_bca_reach(levels, n_resamples, statistic, name)
    else:
        levels = [alpha, 1.0 - alpha]
    low, high = np.quantile(distribution, levels)
    if method == "basic":
        low, high = 2 * theta_hat - high, 2 * theta_hat - low
    return BootstrapResult(
        estimate=float(np.ldexp(theta_hat, exponent)),
        low=float(np.ldexp(low, exponent)),
        high=float(np.ldexp(high, exponent)),
        standard_error=float(np.ldexp(distribution.std(ddof=1), exponent)),
        method=method,
        confidence=confidence,
        n_resamples=n_resamples,
        distribution=np.ldexp(distribution, exponent),
    )
