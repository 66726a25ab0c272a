import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chainweave.analysis import (
    diversification_index,
    herfindahl_index,
    morans_i,
    specialization_index,
    specialization_terms,
)

# Three regions, four industries.
OUTPUT = pd.DataFrame(
    [[10.0, 20.0, 30.0, 40.0], [40.0, 30.0, 20.0, 10.0], [25.0, 25.0, 25.0, 25.0]],
    index=["r1", "r2", "r3"],
    columns=["chem", "agri", "mach", "serv"],
)


def test_specialization_by_hand():
    # r1: s = (.1, .2, .3, .4); rest = r2 + r3 = (65, 55, 45, 35) / 200 = (.325, .275, .225, .175)
    #     terms = (.225, .075, .075, .225), K = 0.6
    # r2: s = (.4, .3, .2, .1); rest = (35, 45, 55, 65) / 200; terms the same, K = 0.6
    # r3: s = (.25,) * 4; rest = (50, 50, 50, 50) / 200 = .25 each; K = 0
    terms = specialization_terms(OUTPUT)
    np.testing.assert_allclose(terms.loc["r1"], [0.225, 0.075, 0.075, 0.225], rtol=0, atol=1e-12)
    k = specialization_index(OUTPUT)
    np.testing.assert_allclose(k.to_numpy(), [0.6, 0.6, 0.0], rtol=0, atol=1e-12)
    assert k.name == "specialization"


def test_specialization_within_clusters():
    stacked = np.vstack([OUTPUT.to_numpy(), OUTPUT.to_numpy()[::-1]])
    clusters = np.array([[0, 1]] * 3 + [[0, 2]] * 3)
    k = specialization_index(stacked, clusters)
    np.testing.assert_allclose(k, [0.6, 0.6, 0.0, 0.0, 0.6, 0.6], atol=1e-12)


@given(
    arrays(
        np.float64, st.tuples(st.integers(2, 8), st.integers(1, 6)), elements=st.floats(0.01, 1e6)
    )
)
def test_specialization_in_zero_two(output):
    k = specialization_index(output)
    assert np.all((k >= 0) & (k <= 2 + 1e-12))


def test_herfindahl_and_diversification():
    h = herfindahl_index(OUTPUT)
    assert h["r3"] == pytest.approx(0.25, abs=1e-15)
    assert h["r1"] == pytest.approx(0.01 + 0.04 + 0.09 + 0.16, abs=1e-15)
    np.testing.assert_allclose(diversification_index(OUTPUT), 1 - h)
    assert herfindahl_index([[5.0, 0.0]])[0] == 1.0


def test_morans_i_by_hand_and_reproducible():
    # path a-b-c-d with values 1, 2, 3, 4, binary weights (not row-standardised):
    # z = (-1.5, -.5, .5, 1.5); z'Wz = 2 (z1 z2 + z2 z3 + z3 z4) = 2 (.75 - .25 + .75) = 2.5
    # S0 = 6, z'z = 5; I = (4 / 6) (2.5 / 5) = 1/3
    graph = nx.path_graph(["a", "b", "c", "d"])
    values = pd.Series([1.0, 2.0, 3.0, 4.0], index=["a", "b", "c", "d"])
    result = morans_i(values, graph, rng=1, permutations=99, row_standardize=False)
    assert result.statistic == pytest.approx(1 / 3, abs=1e-12)
    assert result.expected == pytest.approx(-1 / 3)
    again = morans_i(
        values, nx.to_numpy_array(graph), rng=1, permutations=99, row_standardize=False
    )
    assert again.p_value == result.p_value


def test_morans_i_detects_clustering_on_grid():
    graph = nx.grid_2d_graph(10, 10)
    values = pd.Series({node: float(node[0] < 5) for node in graph.nodes})
    result = morans_i(values, graph, rng=np.random.default_rng(7), alternative="greater")
    assert result.statistic > 0.8 and result.p_value < 0.01


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: specialization_index(OUTPUT.iloc[:1]), "single region"),
        (
            lambda: specialization_index([[1.0, -1.0], [1.0, 1.0]]),
            "output must be non-negative, got -1.0",
        ),
        (lambda: specialization_index([[0.0, 0.0], [1.0, 1.0]]), "zero total output at row 0"),
        (lambda: specialization_index(np.empty((0, 3))), "output is empty"),
        (lambda: herfindahl_index([[np.nan, 1.0]]), "output holds a non-finite value: nan"),
        (lambda: morans_i([1.0, 1.0, 1.0], nx.path_graph(3), rng=0), "values are constant"),
        (lambda: morans_i([1.0, 2.0], nx.path_graph(3), rng=0), "must be 3 x 3|must be 2 x 2"),
    ],
)
def test_bad_input(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
