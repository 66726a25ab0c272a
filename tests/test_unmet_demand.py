"""Unmet demand: what buyers sought from the cluster's firms and did not get
(`chainweave.agents.firm.unmet_demand`, the places table's `unmet_demand` and `unmet_inputs`)."""

import dataclasses

from chainweave.agents import firm
from chainweave.model import ClusterModel
from chainweave.network import synthetic_cluster
from chainweave.parameters import default_sectors


def test_unmet_inputs_are_part_of_unmet_demand_and_never_negative():
    model = ClusterModel(graph=synthetic_cluster(1, 3, 3, seed=0), rng=2, n_firms=800)
    model.run(6)
    places = model.tables()["places"]
    assert (places["unmet_inputs"] >= 0).all()
    assert (places["unmet_inputs"] <= places["unmet_demand"] * (1 + 1e-12)).all()
    assert (places["unmet_demand"] > 0).any()  # the default cluster's demand exceeds its capacity


def test_demand_for_a_sector_without_firms_is_all_unmet(monkeypatch):
    """With no firm of a sector anywhere, every yuan sought of it is unmet, place by place."""
    table = default_sectors()
    missing = table.names.index("tech_services")
    mix = table.tier_mix.copy()
    mix[missing] = 0.0
    mix /= mix.sum(axis=0, keepdims=True)
    sectors = dataclasses.replace(table, tier_mix=mix)
    calls = []
    real = firm.unmet_demand

    def spy(model, wanted, goods, asked, sold):
        result = real(model, wanted, goods, asked, sold)
        sought = wanted.total[:, missing] * model.sector_price[missing]
        calls.append((sought, wanted.intermediates[:, missing] * model.sector_price[missing], result))
        return result

    monkeypatch.setattr(firm, "unmet_demand", spy)
    model = ClusterModel(graph=synthetic_cluster(1, 3, 3, seed=0), rng=2, n_firms=800,
                         sectors=sectors)
    assert not (model.firms.sector == missing).any()
    model.run(2)
    assert len(calls) >= 3
    for sought, inputs, result in calls:
        assert sought.sum() > 0
        assert (result.total >= sought * (1 - 1e-12)).all()
        assert (result.inputs >= inputs * (1 - 1e-12)).all()

