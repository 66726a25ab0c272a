"""The cluster graph, hierarchy hops, the spillover kernel and the gravity rule."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from chainweave.errors import ParameterError
from chainweave.network import (
    PlaceNetwork,
    Tier,
    ancestor_matrix,
    gravity_flows,
    gravity_split,
    great_circle_km,
    hierarchy_hops,
    spillover_kernel,
    synthetic_cluster,
)


def test_great_circle_matches_the_data_readme_example():
    # shared/data/README.md: Wuhan (30.59317, 114.30547) -> Yichang (30.69186, 111.28645) ~ 289 km
    d = great_circle_km(np.array(30.59317), np.array(114.30547), np.array(30.69186), np.array(111.28645))
    assert d == pytest.approx(289, abs=1)


def test_hops_follow_the_parent_tree():
    # 0 core; 1, 2 cities under it; 3, 4 counties of 1; 5 county of 2; 6 a second root
    parent = np.array([-1, 0, 0, 1, 1, 2, -1])
    src = np.array([0, 1, 3, 3, 3, 0, 3])
    dst = np.array([1, 2, 4, 5, 0, 6, 6])
    assert hierarchy_hops(parent, src, dst).tolist() == [1, 2, 2, 4, 2, 1, 3]


def test_ancestor_matrix_rejects_cycles():
    with pytest.raises(ParameterError, match="parent"):
        ancestor_matrix(np.array([1, 0]))


def test_kernel_worked_value():
    # Two places 100 km apart, one hop, barrier 0.5, d0 = 50 km, h = 0.6:
    # K = exp(-100/50) * 0.6 * (1 - 0.5) = 0.0406006...
    g = nx.Graph()
    g.add_node("a", tier=Tier.CORE, parent=None, population=1e6, area_km2=100, lat=30.0, lon=114.0)
    lon_b = 114.0 + 100 / (great_circle_km(np.array(30.0), np.array(114.0), np.array(30.0), np.array(115.0)))
    g.add_node("b", tier=Tier.SECONDARY, parent="a", population=1e5, area_km2=100, lat=30.0, lon=float(lon_b))
    net = PlaceNetwork(g, reach_km=500)
    k = spillover_kernel(net.pairs, net.n, 50.0, 0.6, np.full(len(net.pairs.src), 0.5)).toarray()
    d = net.pairs.distance_km[0]
    assert d == pytest.approx(100, rel=1e-5)  # along a parallel, so a hair off the great circle
    expected = math.exp(-d / 50) * 0.6 * 0.5  # = 0.0406006 at d = 100 km
    assert expected == pytest.approx(0.0406006, rel=1e-5)
    assert k[0, 1] == pytest.approx(expected, rel=1e-12)
    assert k[1, 0] == pytest.approx(expected, rel=1e-9)
    assert k[0, 0] == 0 and k[1, 1] == 0


def test_kernel_fades_with_hops_and_barriers():
    net = PlaceNetwork(synthetic_cluster(1, 3, 3, seed=2), reach_km=2000)
    none = np.zeros(net.n)
    k_high = spillover_kernel(net.pairs, net.n, 120, 0.6, net.barrier(0.1, 0.8, none))
    k_low = spillover_kernel(net.pairs, net.n, 120, 0.6, net.barrier(0.1, 0.2, none))
    assert (k_low - k_high).min() >= 0 and (k_low - k_high).sum() > 0
    # collaboration lowers the barrier between jurisdictions by the lower of the two levels
    b = net.barrier(0.1, 0.8, np.full(net.n, 0.5))
    assert np.allclose(b[~net.pairs.same_jurisdiction], 0.4)
    assert np.allclose(b[net.pairs.same_jurisdiction], 0.1)
    one_side = np.where(np.arange(net.n) == 0, 0.5, 0.0)
    b = net.barrier(0.1, 0.8, one_side)
    assert np.allclose(b[~net.pairs.same_jurisdiction], 0.8)


def test_kernel_is_sparse_with_a_cutoff():
    net = PlaceNetwork(synthetic_cluster(2, 4, 5, seed=1), reach_km=3000)
    b = net.barrier(0.1, 0.5, np.zeros(net.n))
    dense = spillover_kernel(net.pairs, net.n, 120, 0.6, b)
    sparse = spillover_kernel(net.pairs, net.n, 120, 0.6, b, cutoff=1e-3)
    assert sparse.nnz < dense.nnz
    assert sparse.data.min() > 1e-3


@settings(max_examples=40, deadline=None)
@given(
    demand=st.lists(st.floats(0, 1e6), min_size=5, max_size=5),
    supply=st.lists(st.floats(0.1, 1e6), min_size=5, max_size=5),
)
def test_gravity_flows_deliver_demand_when_uncapped(demand, supply):
    rng = np.random.default_rng(0)
    k = rng.uniform(0, 1, (5, 5))
    np.fill_diagonal(k, 0)
    flows = gravity_flows(np.array(demand), np.array(supply), sp.csr_matrix(k + np.eye(5)))
    assert np.allclose(np.asarray(flows.sum(axis=1)).ravel(), demand, rtol=1e-9, atol=1e-6)
    assert flows.min() >= 0


def test_local_demand_stays_at_home_and_the_rest_goes_by_gravity():
    reach = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0]]))  # K + I
    demand = np.array([10.0, 6.0, 4.0])
    supply = np.array([1.0, 3.0, 0.0])  # place 2 has no sellers of the good
    split = gravity_split(demand, supply, reach, local=np.array([4.0, 6.0, 4.0]))
    volumes = split.volumes().toarray()
    # place 0 buys 4 at home and spreads 6 over itself and place 1 as 1:3; place 1 buys all at
    # home; place 2 has nothing to buy at home, so its 4 go by gravity to place 0.
    assert volumes == pytest.approx(np.array([[4.0 + 1.5, 4.5, 0.0], [0.0, 6.0, 0.0], [4.0, 0.0, 0.0]]))
    assert split.received().ravel() == pytest.approx(volumes.sum(axis=0))
    price = np.array([[2.0], [1.0], [5.0]])
    assert split.delivered_value(price).ravel() == pytest.approx(volumes @ price.ravel())


def test_gravity_flows_respect_supply_when_capped():
    k = sp.csr_matrix(np.array([[1.0, 1.0], [1.0, 1.0]]))  # K + I
    flows = gravity_flows(np.array([10.0, 10.0]), np.array([1.0, 4.0]), k, cap_by_supply=True)
    sent = np.asarray(flows.sum(axis=0)).ravel()
    assert np.all(sent <= np.array([1.0, 4.0]) + 1e-12)
    # each place splits its ask 1:4 between the two origins, origin 1 can serve only 1.0 of its 4.0
    assert flows.toarray() == pytest.approx(np.array([[0.5, 2.0], [0.5, 2.0]]))


def test_synthetic_cluster_is_reproducible_and_well_formed():
    a, b = synthetic_cluster(1, 4, 6, seed=5), synthetic_cluster(1, 4, 6, seed=5)
    assert nx.utils.graphs_equal(a, b)
    assert not nx.utils.graphs_equal(a, synthetic_cluster(1, 4, 6, seed=6))
    net = PlaceNetwork(a, reach_km=1000)
    assert net.n == 1 + 4 + 24
    assert (net.tier == Tier.COUNTY).sum() == 24
    assert np.all(net.tier[net.parent[net.tier == Tier.COUNTY]] == Tier.SECONDARY)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda g: g.nodes["county_0_0_0"].update(parent=None), "county_0_0_0'].parent"),
        (lambda g: g.nodes["county_0_0_0"].update(parent="nowhere"), "parent"),
        (lambda g: g.nodes["city_0_0"].update(population=-5.0), "population"),
        (lambda g: g.nodes["city_0_0"].update(tier="capital"), "tier"),
        (lambda g: g.nodes["city_0_0"].update(lat=float("nan")), "lat"),
        (lambda g: g.nodes["city_0_0"].update(urban_share=1.5), "urban_share"),
        (lambda g: g.nodes["county_0_0_0"].update(resource_type="exhausted"), "resource_type"),
        (lambda g: g.nodes["city_0_0"].update(parent="county_0_0_0"), "parent"),
    ],
)
def test_bad_graphs_name_the_place_and_field(change, field):
    g = synthetic_cluster(1, 2, 2, seed=0)
    change(g)
    with pytest.raises(ParameterError) as err:
        PlaceNetwork(g, reach_km=500)
    assert field in str(err.value)


def test_empty_graph_is_rejected():
    with pytest.raises(ParameterError, match="places"):
        PlaceNetwork(nx.Graph(), reach_km=500)


@pytest.mark.parametrize("kwargs", [{"n_cores": 0}, {"n_secondary": -1}, {"n_counties": 1.5}])
def test_synthetic_cluster_rejects_impossible_sizes(kwargs):
    with pytest.raises(ParameterError):
        synthetic_cluster(**kwargs)
