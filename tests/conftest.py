"""Small builders shared by the test modules: a tiny synthetic cluster runs in well under a second."""

import networkx as nx
import pytest

from chainweave.model import ClusterModel
from chainweave.network import synthetic_cluster


@pytest.fixture
def small_graph() -> nx.Graph:
    """One core, three secondary cities with three counties each (13 places)."""
    return synthetic_cluster(1, 3, 3, seed=0)


@pytest.fixture
def make_model(small_graph):
    """Returns a factory of small models (600 firms) on the small cluster."""

    def build(seed: int = 1, **overrides) -> ClusterModel:
        overrides.setdefault("n_firms", 600)
        return ClusterModel(graph=small_graph, rng=seed, **overrides)

    return build
