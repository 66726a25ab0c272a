"""The national scenario: disjoint places from the census extract, the hierarchy, and a short run."""

import numpy as np
import pytest

from chainweave.errors import ParameterError
from chainweave.model import ClusterModel
from chainweave.network import Tier, great_circle_km
from chainweave.scenarios.national import (
    choose_cores,
    national_cluster,
    national_places,
    national_summary,
    read_national_data,
)


@pytest.fixture(scope="module")
def data():
    return read_national_data()


@pytest.fixture(scope="module")
def graph(data):
    return national_cluster(data=data)


def test_the_extract_is_what_the_data_readme_says(data):
    assert len(data.prefectures) == 369
    assert len(data.counties) == 2943
    assert data.counties["seat_lat"].isna().sum() == 141


def test_places_are_disjoint_and_count_everybody_once(data):
    places = national_places(data)
    counties = data.counties
    keys = set(counties["province_zh"] + "/" + counties["prefecture_zh"])
    pref = data.prefectures
    alone = pref[~(pref["province_zh"] + "/" + pref["city_zh"]).isin(keys)]
    # People: every county row once, plus the prefectures without county rows.
    assert places["population"].sum() == pytest.approx(
        counties["pop_census2020"].sum() + alone["pop_census2020"].sum(skipna=True), rel=1e-12)
    assert places["name"].is_unique
    # One city proper per prefecture with county rows, one per prefecture without.
    assert (places["kind"] == "city").sum() == len(keys) + alone["pop_census2020"].notna().sum()
    non_district = ~counties["county_zh"].str.endswith("区")
    seats_taken = len(keys) - counties[~non_district].groupby(
        counties["province_zh"] + "/" + counties["prefecture_zh"]).ngroups
    assert (places["kind"] == "county").sum() == non_district.sum() - seats_taken
    assert np.isfinite(places[["lat", "lon"]].to_numpy()).all()


def test_hierarchy_follows_the_rule(graph):
    summary = national_summary(graph)
    assert summary["core_places"] == 19
    assert summary["places"] == graph.number_of_nodes() > 2000
    nodes = graph.nodes
    cores = [n for n in nodes if nodes[n]["tier"] == Tier.CORE]
    core_xy = np.array([[nodes[c]["lat"], nodes[c]["lon"]] for c in cores])
    for _, d in nodes(data=True):
        parent = d["parent"]
        if d["tier"] == Tier.CORE:
            assert parent is None
        elif d["tier"] == Tier.SECONDARY:
            dist = great_circle_km(core_xy[:, 0], core_xy[:, 1], d["lat"], d["lon"])
            if parent is None:
                assert dist.min() > 400.0
            else:
                assert nodes[parent]["tier"] == Tier.CORE
                assert great_circle_km(nodes[parent]["lat"], nodes[parent]["lon"], d["lat"], d["lon"]) \
                    == pytest.approx(dist.min())
        else:
            assert nodes[parent]["tier"] in (Tier.CORE, Tier.SECONDARY)
            assert nodes[parent]["prefecture"] == d["prefecture"]
        assert 0.0 <= d["urban_share"] <= 1.0 and d["area_km2"] >= 1.0
    area = sum(d["area_km2"] for _, d in nodes(data=True))
    assert area == pytest.approx(9.6e6, rel=1e-3)


def test_cores_keep_their_distance():
    lat = np.array([30.0, 30.1, 31.0, 40.0])
    lon = np.array([114.0, 114.0, 114.0, 116.0])
    pop = np.array([5.0, 9.0, 4.0, 1.0])
    # 30.1 is most populous; 30.0 is 11 km from it (skipped); 31.0 is 100 km away.
    np.testing.assert_array_equal(choose_cores(lat, lon, pop, 3, 50.0), [1, 2, 3])
    np.testing.assert_array_equal(choose_cores(lat, lon, pop, 2, 500.0), [1, 3])


@pytest.mark.parametrize(("name", "value"), [("n_cores", 0), ("core_separation_km", -1.0),
                                             ("agglomeration_radius_km", float("nan"))])
def test_bad_arguments_name_the_field(name, value, data):
    with pytest.raises(ParameterError, match=name):
        national_cluster(**{name: value}, data=data)


def test_national_model_runs_at_reduced_size(graph):
    model = ClusterModel(graph=graph, rng=1, n_firms=20_000, record_flows=False)
    model.run(2)
    places = model.tables()["places"]
    assert len(places) == 3 * graph.number_of_nodes()
    assert places["D"].between(0, 1).all()
    assert np.isfinite(places.select_dtypes("number").to_numpy()).all()
    # Firms are placed by population: the most populous place has the most firms at step 0.
    first = places[places["step"] == 0]
    assert first.loc[first["population"].idxmax(), "firms"] == first["firms"].max()
    # Migration conserves people up to natural growth.
    pop = places.groupby("step")["population"].sum()
    np.testing.assert_allclose(pop.iloc[1:].to_numpy() / pop.iloc[:-1].to_numpy(),
                               1 + model.params.natural_growth_rate, rtol=1e-9)
