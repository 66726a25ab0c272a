"""The vectorised phases against the per-agent reference (`tests/reference_model.py`).

Both models are built from the same graph and seed and consume the same random draws, so they
must give the same tables. Tolerance: relative 1e-11 (absolute 1e-9 for values near zero).
The two sum over the place graph in different orders (scipy's sparse reductions and
``np.bincount`` vs. Python loops over kernel rows) and numpy's array ``exp``/``log``/``power``
may differ from the C library's in the last bit; measured differences are below 1e-14
relative after six years (numpy 2.x). Discrete events (exit, innovation, imitation,
relocation, entry counts) match exactly, which the test checks separately.
"""

import numpy as np
import pandas as pd
import pytest
from reference_model import ReferenceModel

from chainweave.model import ClusterModel
from chainweave.network import synthetic_cluster

RTOL, ATOL = 1e-11, 1e-9
STEPS = 5
LEVERS = {
    "default": {},
    # Carbon price, an emission standard with enforcement, and collaboration: exercises dirty
    # closures, emission costs and the collaboration barrier.
    "levers": {"carbon_price": 100.0, "emission_standard": 300.0, "collaboration": 0.5,
               "enforcement_share": 0.02, "incubator_share": 0.02},
    # Founders in empty cells at 25 times the default rate: exercises founding by sector means.
    "founding": {"founding_share": 0.5},
}


def _sorted(table: pd.DataFrame, name: str) -> pd.DataFrame:
    if name == "flows":
        table = table.sort_values(["step", "chain", "source", "target"])
    return table.reset_index(drop=True)


def _run_pair(small_graph, seed: int, overrides: dict) -> tuple[ClusterModel, ReferenceModel]:
    fast = ClusterModel(graph=small_graph, rng=seed, n_firms=800, **overrides)
    ref = ReferenceModel(graph=small_graph, rng=seed, n_firms=800, **overrides)
    fast.run(STEPS)
    ref.run(STEPS)
    return fast, ref


@pytest.fixture(scope="module", params=sorted(LEVERS))
def pair(request):
    return _run_pair(synthetic_cluster(1, 3, 3, seed=0), 3, LEVERS[request.param])


def test_tables_agree(pair):
    fast, ref = pair
    got, want = ref.tables(), fast.tables()
    for name in ("places", "flows", "cluster"):
        pd.testing.assert_frame_equal(_sorted(got[name], name), _sorted(want[name], name),
                                      check_exact=False, rtol=RTOL, atol=ATOL, check_dtype=False)


def test_discrete_events_agree_exactly(pair):
    fast, ref = pair
    places = {"fast": fast.tables()["places"], "ref": ref.tables()["places"]}
    for column in ("exits", "entries", "relocations_in", "relocations_out", "firms", "patents"):
        np.testing.assert_array_equal(places["ref"][column], places["fast"][column])
    assert len(fast.firms) == len(ref.firms_ref)
    for column in ("innovated", "imitated", "transferred", "incubated", "place", "sector", "age"):
        np.testing.assert_array_equal(getattr(ref.firms, column), getattr(fast.firms, column))


def test_the_comparison_exercises_every_event(pair):
    """The runs compared are not trivial: every kind of firm event happens in them."""
    fast, _ = pair
    cluster = fast.tables()["cluster"].iloc[1:]
    for column in ("exits", "entries", "relocations_in"):
        assert cluster[column].sum() > 0, column
    for column in ("innovated", "imitated", "transferred", "incubated"):
        assert getattr(fast.firms, column).any(), column


def test_the_comparison_can_fail(small_graph):
    """A change of one millionth in one firm's productivity is visible at the tolerance used."""
    fast = ClusterModel(graph=small_graph, rng=3, n_firms=800)
    ref = ReferenceModel(graph=small_graph, rng=3, n_firms=800)
    ref.firms_ref[0].productivity *= 1 + 1e-6
    fast.run(2)
    ref.run(2)
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(ref.tables()["places"], fast.tables()["places"],
                                      check_exact=False, rtol=RTOL, atol=ATOL, check_dtype=False)


def test_reference_is_per_agent(small_graph):
    """The reference holds one Mesa agent per firm and no firm columns between years."""
    ref = ReferenceModel(graph=small_graph, rng=3, n_firms=300)
    ref.run(1)
    firms = [a for a in ref.agents if type(a).__name__ == "RefFirm"]
    assert len(firms) == len(ref.firms_ref) == len(ref.firms)
