import numpy as np
import pandas as pd
import pytest

from chainweave.analysis import AVOID_ZEROS_RANGE, minmax_standardize, standardize_indicators


def test_positive_and_negative_against_fixed_bounds():
    np.testing.assert_allclose(minmax_standardize([0.0, 5.0, 10.0], 0, 10), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(
        minmax_standardize([0.0, 5.0, 10.0], 0, 10, "negative"), [1.0, 0.5, 0.0]
    )


def test_clipping_and_unclipped():
    np.testing.assert_allclose(minmax_standardize([-5.0, 15.0], 0, 10), [0.0, 1.0])
    np.testing.assert_allclose(minmax_standardize([-5.0, 15.0], 0, 10, clip=False), [-0.5, 1.5])


def test_avoid_zeros_range():
    out = minmax_standardize([0.0, 10.0], 0, 10, out_range=AVOID_ZEROS_RANGE)
    np.testing.assert_allclose(out, [0.01, 0.99])


def test_dataframe_per_column_bounds_and_directions():
    df = pd.DataFrame({"a": [1.0, 3.0], "b": [10.0, 30.0]}, index=["x", "y"])
    out = minmax_standardize(df, {"a": 1, "b": 10}, {"a": 3, "b": 30}, {"b": "negative"})
    assert list(out.index) == ["x", "y"]
    np.testing.assert_allclose(out.to_numpy(), [[0.0, 1.0], [1.0, 0.0]])


def test_reference_table_bounds_and_clipped_counts():
    baseline = pd.DataFrame({"a": [0.0, 10.0], "b": [5.0, 6.0]})
    scenario = pd.DataFrame({"a": [-1.0, 5.0, 12.0], "b": [5.5, 5.5, 7.0]})
    result = standardize_indicators(scenario, reference=baseline)
    np.testing.assert_allclose(result.values["a"], [0.0, 0.5, 1.0])
    assert result.clipped.to_dict() == {"a": 2, "b": 1}
    assert result.lower.to_dict() == {"a": 0.0, "b": 5.0}


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: minmax_standardize([1.0, np.nan], 0, 1), "values holds a non-finite value: nan"),
        (lambda: minmax_standardize([1.0], 2, 1), "upper must exceed lower, got lower=2.0"),
        (lambda: minmax_standardize([[1.0, 2.0]], [0, 0, 0], 5), "lower must give one value"),
        (
            lambda: minmax_standardize([1.0], 0, 2, "up"),
            "direction must be 'positive' or 'negative'",
        ),
        (lambda: minmax_standardize([], 0, 1), "values is empty"),
        (
            lambda: standardize_indicators(
                pd.DataFrame({"a": [1.0]}), reference=pd.DataFrame({"b": [1.0]})
            ),
            "reference lacks columns",
        ),
        (
            lambda: standardize_indicators(
                pd.DataFrame({"a": [1.0]}), reference=pd.DataFrame({"a": [1.0]})
            ),
            "upper must exceed lower",
        ),
    ],
)
def test_bad_input(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
