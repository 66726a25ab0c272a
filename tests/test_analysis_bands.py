import numpy as np
import pandas as pd
import pytest

from chainweave.analysis import coordination_band


def test_paper_bands_edges():
    d = [0.0, 0.1, 0.3, 0.30001, 0.5, 0.8, 0.9, 1.0]
    bands = coordination_band(d)
    assert list(bands) == ["none", "low", "low", "medium", "medium", "benign", "high", "resonance"]
    assert bands.ordered and bands.categories[0] == "none"


def test_ten_level_edges():
    bands = coordination_band(np.array([0.0, 0.1, 0.3, 0.55, 0.9, 1.0]), "ten")
    assert list(bands.codes) == [0, 1, 3, 5, 9, 9]


def test_series_keeps_index():
    s = coordination_band(pd.Series([0.2, 0.6], index=["a", "b"]))
    assert list(s.index) == ["a", "b"] and s.cat.codes.tolist() == [1, 3]


@pytest.mark.parametrize("bad", [[1.2], [-0.1], [np.nan]])
def test_bad_input(bad):
    with pytest.raises(ValueError, match="D "):
        coordination_band(bad)
