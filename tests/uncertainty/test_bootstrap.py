import numpy as np
import pytest
from scipy import stats

from minectl.errors import ConfigError, DataError
from minectl.uncertainty.bootstrap import bootstrap_ci, jackknife_values, relative_range, resample_indices

SCIPY_STAT = {
    "mean": np.mean,
    "median": np.median,
    "std": lambda a, axis=-1: np.std(a, axis=axis, ddof=1),
}


@pytest.fixture(scope="module")
def sample():
    return np.random.default_rng(11).lognormal(3.0, 0.5, size=150)


@pytest.mark.parametrize("statistic", ["mean", "median", "std"])
@pytest.mark.parametrize("method", ["percentile", "basic", "bca"])
def test_interval_equals_scipy_with_same_seed(sample, statistic, method):
    ref = stats.bootstrap(
        (sample,), SCIPY_STAT[statistic], vectorized=True, n_resamples=999, method=method, rng=np.random.default_rng(3)
    )
    # a small chunk forces many chunks: chunking must not change the resamples
    ours = bootstrap_ci(sample, statistic, method=method, n_resamples=999, random_state=3, chunk_bytes=20_000)
    assert ours.low == pytest.approx(ref.confidence_interval.low, rel=1e-12)
    assert ours.high == pytest.approx(ref.confidence_interval.high, rel=1e-12)
    assert ours.standard_error == pytest.approx(ref.standard_error, rel=1e-12)


def test_quantile_statistic_matches_scipy(sample):
    ref = stats.bootstrap(
        (sample,), lambda a, axis: np.quantile(a, 0.9, axis=axis), vectorized=True, n_resamples=500,
        method="percentile", rng=np.random.default_rng(8),
    )
    ours = bootstrap_ci(sample, "quantile", q=0.9, n_resamples=500, random_state=8)
    assert (ours.low, ours.high) == pytest.approx(tuple(ref.confidence_interval), rel=1e-12)


def test_supplied_indices_reproduce_the_seeded_draw(sample):
    n = sample.size
    indices = np.random.default_rng(4).integers(0, n, (300, n))
    seeded = bootstrap_ci(sample, n_resamples=300, random_state=4)
    supplied = bootstrap_ci(sample, indices=indices)
    np.testing.assert_array_equal(seeded.distribution, supplied.distribution)
    # hand computation from the same indices
    means = sample[indices].mean(axis=1)
    assert supplied.low == pytest.approx(np.percentile(means, 2.5), rel=1e-12)


def test_progress_callback_reaches_total(sample):
    calls = []
    bootstrap_ci(sample, n_resamples=1000, chunk_bytes=50_000, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) > 1 and calls[-1] == (1000, 1000)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_moving_block_indices_are_consecutive_runs():
    rng = np.random.default_rng(0)
    chunk = next(resample_indices(n=10, n_resamples=5, rng=rng, chunk_rows=5, block_length=4))
    assert chunk.shape == (5, 10)
    for row in chunk:
        for start in (0, 4):  # blocks start at 0 and 4; the third block is cut to 2
            assert np.all(np.diff(row[start : start + 4]) == 1)
        assert row.max() <= 9


def test_block_bootstrap_widens_interval_for_autocorrelated_series():
    rng = np.random.default_rng(1)
    ar = np.zeros(600)
    for t in range(1, 600):
        ar[t] = 0.9 * ar[t - 1] + rng.standard_normal()
    iid = bootstrap_ci(ar, n_resamples=2000, random_state=0)
    block = bootstrap_ci(ar, n_resamples=2000, random_state=0, block_length=30)
    # AR(1) phi=0.9: the long-run variance is (1+phi)/(1-phi) = 19x the iid one (width ratio ~4.4)
    assert (block.high - block.low) > 2.5 * (iid.high - iid.low)


def test_jackknife_of_mean_by_hand():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    expected = [(15 - v) / 3 for v in x]  # sum 15, leave one out, 3 left
    np.testing.assert_allclose(jackknife_values(x, lambda a: a.mean(axis=-1), chunk_rows=3), expected)


def test_relative_range_by_hand():
    assert relative_range(200.0, 178.42, 221.58) == pytest.approx((-10.79, 10.79))


def test_same_seed_same_interval_different_seed_differs(sample):
    a = bootstrap_ci(sample, n_resamples=500, random_state=1)
    b = bootstrap_ci(sample, n_resamples=500, random_state=1)
    c = bootstrap_ci(sample, n_resamples=500, random_state=2)
    assert (a.low, a.high) == (b.low, b.high)
    assert (a.low, a.high) != (c.low, c.high)


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"values": []}, DataError, "series: expected at least 2"),
        ({"values": [1.0, np.nan, 2.0]}, DataError, "finite"),
        ({"values": [1.0, 2.0], "statistic": "mode"}, ConfigError, "statistic"),
        ({"values": [1.0, 2.0], "method": "studentized"}, ConfigError, "method"),
        ({"values": [1.0, 2.0], "confidence": 1.5}, ConfigError, "confidence"),
        ({"values": [1.0, 2.0, 3.0], "block_length": 5}, ConfigError, "block_length"),
        ({"values": [1.0, 2.0, 3.0], "block_length": 2, "method": "bca"}, ConfigError, "bca"),
        ({"values": [1.0, 2.0], "statistic": "quantile", "q": 2.0}, ConfigError, "q:"),
        ({"values": [1.0, 2.0], "indices": np.array([[0, 5]])}, ConfigError, "indices"),
        ({"values": [1.0, 2.0], "n_resamples": 0}, ConfigError, "n_resamples"),
        ({"values": [3.0, 3.0, 3.0], "method": "bca"}, DataError, "constant"),
    ],
)
def test_bad_input_fails_clearly(kwargs, error, text):
    with pytest.raises(error, match=text):
        bootstrap_ci(**kwargs)


@pytest.mark.parametrize(
    "n, width",
    [(2, None), (3, None), (1000, None), (12345, None), (2**31 + 5, 10), (3 * 2**30, 7), (2**21 + 3, 5)],
)
def test_array_wise_draw_equals_generator_integers(n, width):
    # 2**31 + 5 and 3 * 2**30 reject a large share of draws (Lemire threshold 2**32 mod n)
    from minectl.uncertainty.bootstrap import pcg64_integer_chunks

    expected = np.random.default_rng(9).integers(0, n, (101, width or n))
    got = np.concatenate([chunk.copy() for chunk in pcg64_integer_chunks(9, n, 101, 7, width)])
    np.testing.assert_array_equal(got, expected)
