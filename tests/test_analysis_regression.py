import numpy as np
import pytest

from chainweave.analysis import lagged_regression


def test_recovers_known_coefficients():
    rng = np.random.default_rng(42)
    n = 400
    b = (0.154, 0.777, 0.830, 0.390)
    x = rng.uniform(0.0, 1.0, n)
    y = np.empty(n)
    y[0] = 0.5
    noise = rng.normal(0.0, 0.01, n)
    for t in range(1, n):  # the data-generating recursion is sequential by nature
        y[t] = b[0] + b[1] * x[t] + b[2] * x[t - 1] + b[3] * y[t - 1] + noise[t]
    result = lagged_regression(y, x)
    np.testing.assert_allclose(result.coefficients["coef"], b, atol=0.01)
    assert result.n_obs == n - 1
    assert result.r_squared > 0.99
    assert (result.coefficients["p_value"] < 0.05).all()
    assert list(result.coefficients.columns) == ["coef", "std_err", "t", "p_value"]


def test_exact_fit_without_noise():
    x = np.array([0.1, 0.5, 0.2, 0.9, 0.4, 0.7, 0.3, 0.8])
    y = np.empty_like(x)
    y[0] = 0.2
    for t in range(1, x.size):
        y[t] = 0.1 + 0.5 * x[t] - 0.2 * x[t - 1] + 0.3 * y[t - 1]
    np.testing.assert_allclose(
        lagged_regression(y, x).coefficients["coef"], [0.1, 0.5, -0.2, 0.3], atol=1e-10
    )


@pytest.mark.parametrize(
    ("y", "x", "fragment"),
    [
        (np.ones(8), np.ones(7), "y and x have mismatched lengths: 8 and 7"),
        (np.ones(4), np.ones(4), "at least 6 points"),
        (np.r_[np.ones(7), np.nan], np.ones(8), "y holds a non-finite value: nan"),
    ],
)
def test_bad_input(y, x, fragment):
    with pytest.raises(ValueError, match=fragment):
        lagged_regression(y, x)
