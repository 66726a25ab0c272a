import math

import numpy as np
import pandas as pd
import pytest

from chainweave.analysis import (
    entropy_weights,
    indicator_weights,
    pca_weights,
    subsystem_scores,
)


def test_entropy_weights_by_hand():
    table = pd.DataFrame({"a": [1.0, 1.0, 2.0], "b": [1.0, 2.0, 3.0], "c": [4.0, 4.0, 4.0]})
    # a: p = (1/4, 1/4, 1/2); e_a = -(2 * 1/4 ln 1/4 + 1/2 ln 1/2) / ln 3 = 0.946395
    # b: p = (1/6, 2/6, 3/6); e_b = -(1/6 ln 1/6 + 1/3 ln 1/3 + 1/2 ln 1/2) / ln 3 = 0.920620
    # c is constant: e_c = 1, unusable.
    # d = 1 - e: d_a = 0.053605, d_b = 0.079380; w = d / (d_a + d_b) = (0.40309, 0.59691, 0)
    e_a = -(2 * 0.25 * math.log(0.25) + 0.5 * math.log(0.5)) / math.log(3)
    e_b = -(math.log(1 / 6) / 6 + math.log(1 / 3) / 3 + math.log(0.5) / 2) / math.log(3)
    d_a, d_b = 1 - e_a, 1 - e_b
    result = entropy_weights(table)
    assert result.weights["a"] == pytest.approx(d_a / (d_a + d_b), abs=1e-12)
    assert result.weights["b"] == pytest.approx(d_b / (d_a + d_b), abs=1e-12)
    assert result.weights["a"] == pytest.approx(0.40309, abs=1e-5)
    assert result.weights["c"] == 0.0
    assert result.unusable == ("c",)
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-15)


def test_pca_weights_equal_for_identically_correlated_and_report_flat():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    table = pd.DataFrame({"a": x, "b": 2 * x + 1, "c": [5.0] * 4})
    result = pca_weights(table)
    np.testing.assert_allclose(result.weights.to_numpy(), [0.5, 0.5, 0.0], atol=1e-12)
    assert result.unusable == ("c",)


def test_pca_weights_sum_to_one():
    rng = np.random.default_rng(3)
    result = pca_weights(rng.uniform(size=(30, 4)))
    assert result.weights.sum() == pytest.approx(1.0)
    assert (result.weights >= 0).all()


def test_user_and_equal_weights():
    table = pd.DataFrame({"a": [0.1, 0.5], "b": [0.2, 0.2]})
    assert indicator_weights(table).weights.tolist() == [0.5, 0.5]
    user = indicator_weights(table, weights=[0.3, 0.7])
    assert user.method == "user" and user.unusable == ("b",)


def test_subsystem_scores_default_groups():
    ind = pd.DataFrame(
        {
            "industry_output": [0.2, 0.4],
            "industry_jobs": [0.4, 0.8],
            "innovation_patents": [0.5, 0.1],
            "other": [9.0, 9.0],
        }
    )
    result = subsystem_scores(ind)
    assert list(result.scores.columns) == ["industry", "innovation"]
    np.testing.assert_allclose(result.scores["industry"], [0.3, 0.6])
    custom = subsystem_scores(ind, {"x": ["industry_output"]}, weights={"x": [1.0]})
    np.testing.assert_allclose(custom.scores["x"], [0.2, 0.4])


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda: entropy_weights([[0.1, -0.1], [0.2, 0.3]]),
            "table must be non-negative, got -0.1",
        ),
        (lambda: entropy_weights([[0.1, 0.2]]), "at least 2 rows"),
        (lambda: entropy_weights([[1.0, 1.0], [1.0, 1.0]]), "no usable indicator"),
        (lambda: indicator_weights([[0.1, 0.2]], weights=[0.5, 0.6]), "weights must sum to 1"),
        (lambda: indicator_weights([[0.1, 0.2]], method="ahp"), "method must be one of"),
        (lambda: pca_weights([[np.nan, 1.0], [1.0, 2.0]]), "table holds a non-finite value: nan"),
        (lambda: subsystem_scores(pd.DataFrame({"a": [1.0]}), {"x": ["b"]}), "names missing"),
    ],
)
def test_bad_input(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
