"""The default scenario's industry table and its step-0 specialization (issue 15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainweave.errors import ParameterError
from chainweave.parameters import default_sectors
from chainweave.scenarios import calibrate
from chainweave.scenarios.industries import industry_table, parent_of, sourcing_weights
from chainweave.scenarios.places import YIJING_JINGEN_CITIES, read_data
from chainweave.scenarios.scenario import load_scenario


@pytest.fixture(scope="module")
def table():
    return industry_table("hubei_industries")


def test_the_input_output_matrix_is_productive_and_its_columns_sum_below_one(table):
    assert max(abs(np.linalg.eigvals(table.io))) < 1
    assert (table.io >= 0).all() and (table.io.sum(axis=0) < 1).all()
    assert 30 <= table.n <= 40


def test_summed_over_each_parent_the_table_is_the_nine_sector_table(table):
    nine = default_sectors()
    of = np.array([nine.names.index(p) for p in parent_of("hubei_industries")])
    parents = np.eye(nine.n)[of]  # industries x parents
    np.testing.assert_allclose(parents.T @ table.io @ parents / parents.sum(axis=0), nine.io, atol=1e-12)
    np.testing.assert_allclose(table.value_added_share, nine.value_added_share[of], atol=1e-12)
    np.testing.assert_allclose(parents.T @ table.final_demand_share, nine.final_demand_share, atol=1e-12)
    np.testing.assert_allclose(parents.T @ table.investment_share, nine.investment_share, atol=1e-12)
    np.testing.assert_allclose(parents.T @ table.tier_mix, nine.tier_mix, atol=1e-12)


def test_each_stage_of_a_chain_buys_from_the_stage_before_it(table):
    names = table.names

    def share(supplier: str, buyer: str) -> float:
        """Share of ``supplier`` in what ``buyer`` buys from the supplier's parent block."""
        parent = parent_of("hubei_industries")
        block = [names.index(s) for s in parent.index[parent == parent[supplier]]]
        j = names.index(buyer)
        return table.io[names.index(supplier), j] / table.io[block, j].sum()

    assert share("phosphate_mining", "chemicals") == pytest.approx(0.7)
    assert share("chemicals", "fine_chemicals") == pytest.approx(0.7)
    assert share("opto_materials", "electronic_components") == pytest.approx(0.6)
    assert share("electronic_components", "communication_devices") == pytest.approx(0.7)
    assert share("coal_mining", "power_heat") == pytest.approx(0.9)


def test_a_supplier_outside_its_block_is_refused():
    rows = read_data("hubei_industries.csv")
    rows.loc[rows["name"] == "chemicals", "sources_from"] = "mining:chemicals=0.5"
    with pytest.raises(ParameterError, match="sources_from"):
        sourcing_weights(rows, default_sectors().names)
    rows.loc[rows["name"] == "chemicals", "sources_from"] = "mining:phosphate_mining=1.5"
    with pytest.raises(ParameterError, match="at most 1"):
        sourcing_weights(rows, default_sectors().names)


def test_industry_weights_must_name_sectors_of_the_table_and_be_positive():
    scenario = load_scenario("yijing_jingen")
    bad = scenario.with_values({"place_overrides.Yichang.industry_weights": {"steel": 2.0}})
    with pytest.raises(ParameterError, match="industry_weights"):
        bad.build_model(seed=1, steps=0, record_flows=False, firm_handles=False)
    with pytest.raises(ParameterError):
        scenario.with_values({"place_overrides.Yichang.industry_weights": {"chemicals": 0.0}}).build_model(
            seed=1, steps=0, record_flows=False, firm_handles=False)


@pytest.fixture(scope="module")
def step0():
    """Step-0 totals per prefecture over ten seeds of the default scenario, at full size."""
    scenario = load_scenario("yijing_jingen")
    return pd.concat([calibrate.prefecture_totals(scenario, seed).assign(seed=seed)
                      for seed in range(100, 110)])


@pytest.mark.parametrize("city, target", [("Yichang", 0.56), ("Jingzhou", 0.49), ("Jingmen", 0.49)])
def test_step0_specialization_is_within_a_tenth_of_the_paper(step0, city, target):
    values = step0.loc[city, "specialization"]
    assert abs(values.mean() - target) <= 0.1, values.describe()


def test_enshi_specialization_is_the_highest_of_the_four(step0):
    # Enshi's index is a known gap (0.77 against 0.93, docs/validation.md); its rank is not.
    mean = step0.loc[list(YIJING_JINGEN_CITIES), "specialization"].groupby(level=0).mean()
    assert mean.idxmax() == "Enshi"


def test_yichang_is_most_specialised_in_chemicals_in_every_seed():
    scenario = load_scenario("yijing_jingen")
    for seed in range(100, 105):
        model = scenario.build_model(seed=seed, steps=0, record_flows=False, firm_handles=False)
        places = model.tables()["places"]
        prefecture = np.asarray(model.net.names)[model.net.jurisdiction[places["place"]]]
        output = places[[f"output_{s}" for s in model.sectors.industrial_names]].groupby(prefecture).sum()
        output = output.loc[list(YIJING_JINGEN_CITIES)]
        share = output.div(output.sum(axis=1), axis=0)
        rest = output.drop(index="Yichang").sum()
        assert (share.loc["Yichang"] - rest / rest.sum()).idxmax() == "output_chemicals"


def test_another_sector_table_gets_the_bundled_places_without_their_weights():
    """The bundled weights name the 33 industries; the nine-sector table runs without them."""
    model = load_scenario("yijing_jingen").with_values({"sectors": "default"}).build_model(
        seed=1, steps=0, record_flows=False, firm_handles=False)
    assert model.sectors.n == default_sectors().n
    assert all(weights == {} for weights in model.net.industry_weights)
    assert load_scenario("yijing_jingen").network.industry_weights[1]  # Yichang keeps its own


def test_industrial_sectors_are_the_secondary_ones_unless_given(table):
    nine = default_sectors()
    assert (nine.industrial == (nine.industry_class == 1)).all()
    names = np.asarray(table.names)
    assert "construction" in names[table.industry_class == 1]
    assert "construction" not in names[table.industrial]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_split_of_the_parents_sums_back_to_them(data):
    """For any weights and any named suppliers, each column's blocks sum to 1 (sourcing_weights),
    so io = io9[parents] x w sums back to the nine-sector table and keeps its value added."""
    rows = read_data("hubei_industries.csv")
    nine = default_sectors()
    rows["weight"] = data.draw(st.lists(st.floats(0.05, 1.0), min_size=len(rows), max_size=len(rows)))
    rows["weight"] /= rows.groupby("parent")["weight"].transform("sum")
    names = list(rows["name"])
    for j in data.draw(st.lists(st.integers(0, len(rows) - 1), max_size=6, unique=True)):
        supplier = names[data.draw(st.integers(0, len(rows) - 1))]
        block = rows.loc[rows["name"] == supplier, "parent"].iloc[0]
        rows.loc[j, "sources_from"] = f"{block}:{supplier}={data.draw(st.floats(0.0, 1.0)):.3f}"
    try:
        w = sourcing_weights(rows, nine.names)
    except ParameterError as err:  # a zero share for the whole of a one-industry block
        assert "above 0" in str(err)
        return
    of = [nine.names.index(p) for p in rows["parent"]]
    np.testing.assert_allclose(np.eye(nine.n)[of].T @ w, np.ones((nine.n, len(rows))), atol=1e-9)
    np.testing.assert_allclose((nine.io[np.ix_(of, of)] * w).sum(axis=0), nine.io.sum(axis=0)[of], atol=1e-12)
