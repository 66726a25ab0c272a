import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chainweave.analysis import (
    comprehensive_index,
    coordination_degree,
    coupling_coordination,
    coupling_degree,
)

# Henan Table 1 (Wu 2020), 2000-2016: coupling degree C, comprehensive index T, coordination D.
HENAN = np.array(
    [
        [2000, 0.486450132, 1.381770, 0.819854986],
        [2001, 0.491780797, 1.277600, 0.792653232],
        [2002, 0.496785338, 1.159490, 0.758958254],
        [2003, 0.499951223, 0.973315, 0.697574387],
        [2004, 0.499181641, 0.880740, 0.663060509],
        [2005, 0.490726513, 0.682880, 0.578884549],
        [2006, 0.456772842, 0.438085, 0.447331343],
        [2007, 0.260827886, 0.220370, 0.239747036],
        [2008, 0.496055699, 0.161735, 0.283248245],
        [2009, 0.433290527, 0.220515, 0.309106876],
        [2010, 0.402602006, 0.275060, 0.332775762],
        [2011, 0.474615368, 0.495930, 0.485155645],
        [2012, 0.499587411, 0.795865, 0.630558590],
        [2013, 0.499991089, 0.954730, 0.690909902],
        [2014, 0.499655610, 1.140960, 0.755041101],
        [2015, 0.495970010, 1.442210, 0.845749909],
        [2016, 0.493077420, 1.709250, 0.918037352],
    ]
)

unit = st.floats(0.0, 1.0, allow_nan=False)
positive = st.floats(1e-6, 1.0, allow_nan=False)


subsystem_counts = st.integers(2, 6)


def score_tables(n_sub=subsystem_counts, elements=unit):
    return n_sub.flatmap(
        lambda n: arrays(np.float64, st.tuples(st.integers(1, 20), st.just(n)), elements=elements)
    )


def test_henan_table_coordination_from_c_and_t():
    d = coordination_degree(HENAN[:, 1], HENAN[:, 2], theta=0.5)
    np.testing.assert_allclose(d, HENAN[:, 3], atol=1e-6)


def test_worked_weak_chains_saturate_standard_but_not_revised():
    weak = np.array([[0.2, 0.3, 0.25]])
    assert coupling_degree(weak)[0] == pytest.approx(0.986484829, abs=1e-9)
    table = coupling_coordination(weak)
    assert table["D"].iloc[0] == pytest.approx(np.sqrt(0.986484829 * 0.25), abs=1e-9)
    # revised: spread 0.2/3, balance ((0.2/0.3) * (0.25/0.3))^(1/2)
    expected = np.sqrt((1 - 0.2 / 3) * np.sqrt((0.2 / 0.3) * (0.25 / 0.3)))
    assert coupling_degree(weak, "revised")[0] == pytest.approx(expected, abs=1e-12)


def test_revised_discriminates_weak_similar_from_unbalanced():
    scores = np.array([[0.2, 0.3, 0.25], [0.9, 0.2, 0.5]])
    std = coupling_degree(scores, "standard")
    rev = coupling_degree(scores, "revised")
    # (0.9, 0.2, 0.5): spread 1.4/3, balance ((0.2/0.9)(0.5/0.9))^(1/2)
    assert rev[1] == pytest.approx(np.sqrt((1 - 1.4 / 3) * np.sqrt(0.2 * 0.5 / 0.81)), abs=1e-12)
    assert rev[0] - rev[1] > 0.3
    assert rev[0] - rev[1] > 2 * (std[0] - std[1])


@given(st.floats(1e-6, 1.0))
def test_revised_agrees_with_standard_for_two_equal_scores(u):
    scores = np.array([[u, u]])
    assert coupling_degree(scores, "revised")[0] == coupling_degree(scores, "standard")[0] == 1.0


def test_paper_variant_is_half_of_standard_two_system():
    scores = np.array([[0.3, 0.7], [0.5, 0.5], [0.0, 0.4]])
    paper = coupling_degree(scores, "paper")
    np.testing.assert_allclose(paper, 0.5 * coupling_degree(scores), atol=1e-15)
    assert paper[1] == 0.5


def test_zero_scores_give_zero_coupling():
    scores = np.array([[0.0, 0.5, 0.2], [0.0, 0.0, 0.0]])
    for variant in ("standard", "revised"):
        np.testing.assert_array_equal(coupling_degree(scores, variant), [0.0, 0.0])


def test_pandas_in_pandas_out():
    df = pd.DataFrame({"industry": [0.2, 0.9], "innovation": [0.3, 0.2]}, index=["a", "b"])
    c = coupling_degree(df)
    assert isinstance(c, pd.Series) and list(c.index) == ["a", "b"] and c.name == "C"
    t = comprehensive_index(df, [0.25, 0.75])
    assert t.loc["a"] == pytest.approx(0.275)
    d = coordination_degree(c, t)
    assert isinstance(d, pd.Series) and d.name == "D"
    assert isinstance(coupling_degree(df.to_numpy()), np.ndarray)


def test_coupling_coordination_reports_c_t_d_band_and_variant():
    table = coupling_coordination(np.array([[0.5, 0.5], [0.9, 0.1]]), "paper", theta=0.5)
    assert list(table.columns) == ["C", "T", "D", "band", "variant"]
    assert (table["variant"] == "paper").all()
    assert table["band"].cat.ordered


@given(score_tables())
def test_standard_and_revised_in_unit_interval(scores):
    for variant in ("standard", "revised"):
        c = coupling_degree(scores, variant)
        assert np.all((c >= 0) & (c <= 1))


@given(score_tables(st.just(2)))
def test_paper_variant_in_zero_half(scores):
    c = coupling_degree(scores, "paper")
    assert np.all((c >= 0) & (c <= 0.5))


@given(score_tables(), st.floats(0.1, 1.0))
def test_d_in_unit_interval(scores, theta):
    c = coupling_degree(scores)
    d = coordination_degree(c, comprehensive_index(scores), theta)
    assert np.all((d >= 0) & (d <= 1))


@given(score_tables(), st.randoms(use_true_random=False))
def test_invariant_to_subsystem_order(scores, random):
    order = list(range(scores.shape[1]))
    random.shuffle(order)
    shuffled = scores[:, order]
    for variant in ("standard", "revised"):
        np.testing.assert_allclose(
            coupling_degree(shuffled, variant), coupling_degree(scores, variant), atol=1e-12
        )
    d = coordination_degree(coupling_degree(scores), comprehensive_index(scores))
    d2 = coordination_degree(coupling_degree(shuffled), comprehensive_index(shuffled))
    np.testing.assert_allclose(d, d2, atol=1e-12)


@given(positive, st.integers(2, 8), st.integers(1, 5))
def test_c_exactly_one_when_all_equal_positive(u, n, rows):
    scores = np.full((rows, n), u)
    assert np.all(coupling_degree(scores) == 1.0)
    assert np.all(coupling_degree(scores, "revised") == 1.0)


@given(score_tables(elements=positive))
def test_c_one_only_when_equal(scores):
    c = coupling_degree(scores)
    unequal = scores.max(axis=1) - scores.min(axis=1) > 1e-3
    assert np.all(c[unequal] < 1.0)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: coupling_degree([[0.1, np.nan]]), "scores holds a non-finite value: nan"),
        (lambda: coupling_degree([[0.1, -0.2]]), "scores must be non-negative, got -0.2"),
        (lambda: coupling_degree(np.empty((0, 2))), "scores is empty"),
        (lambda: coupling_degree([[0.1], [0.2]]), "scores needs at least 2 columns"),
        (lambda: coupling_degree([[0.1, 0.2, 0.3]], "paper"), "exactly 2 columns"),
        (lambda: coupling_degree([[0.1, 1.2]], "revised"), "scores must be in [0, 1], got 1.2"),
        (lambda: coupling_degree([[0.1, 0.2]], "fancy"), "variant must be one of"),
        (
            lambda: comprehensive_index([[0.1, 0.2]], [0.6, 0.6]),
            "weights must sum to 1, got sum 1.2",
        ),
        (lambda: comprehensive_index([[0.1, 0.2]], [1.0]), "weights has 1 entries"),
        (
            lambda: coordination_degree([0.5, 0.5], [0.5]),
            "C and T have mismatched lengths: 2 and 1",
        ),
        (lambda: coordination_degree([0.5], [np.nan]), "T holds a non-finite value: nan"),
        (lambda: coordination_degree([0.5], [0.5], theta=0.0), "theta must be in (0, 1], got 0.0"),
    ],
)
def test_bad_input_names_argument_and_value(call, fragment):
    with pytest.raises(
        ValueError,
        match=fragment.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]"),
    ):
        call()
