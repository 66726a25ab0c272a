"""Scenarios: the default cluster looks like the real one at step 0; files, extends, values,
targets, phase-in and the comparison behave as documented."""

from functools import cache

import numpy as np
import pandas as pd
import pytest

from chainweave.comparison import compare, replicate_seeds
from chainweave.errors import ParameterError
from chainweave.model import policy_intensity
from chainweave.network import ResourceType, Tier
from chainweave.scenarios import POLICIES, list_scenarios, load_scenario, policy_table
from chainweave.scenarios.calibrate import prefecture_totals
from chainweave.scenarios.places import read_data

CITIES = ["Yichang", "Jingzhou", "Jingmen", "Enshi"]
PATENTS_2021 = np.array([7093, 3674, 2607, 762])  # source paper (CONCEPTS.md section 2)


@cache
def _step0() -> pd.DataFrame:
    """Step-0 totals per prefecture of the default scenario at its own seed, and industry mix."""
    scenario = load_scenario("yijing_jingen")
    totals = prefecture_totals(scenario)
    model = scenario.build_model(steps=0, record_flows=False)
    places = model.tables()["places"]
    key = np.asarray(model.net.names)[model.net.jurisdiction[places["place"]]]
    sectors = model.sectors
    secondary = [f"output_{s}" for s, c in zip(sectors.names, sectors.industry_class, strict=True)
                 if c == 1]
    va_share = sectors.value_added_share
    for j, name in enumerate(sectors.names):
        places[f"va_{name}"] = places[f"output_{name}"] * va_share[j]
    va_secondary = places[[f"va_{s.removeprefix('output_')}" for s in secondary]].sum(axis=1)
    totals["secondary_share"] = va_secondary.groupby(key).sum() / places.groupby(key)[
        [f"va_{n}" for n in sectors.names]].sum().sum(axis=1)
    primary = [f"va_{s}" for s, c in zip(sectors.names, sectors.industry_class, strict=True) if c == 0]
    totals["primary_share"] = places.groupby(key)[primary].sum().sum(axis=1) / places.groupby(key)[
        [f"va_{n}" for n in sectors.names]].sum().sum(axis=1)
    return totals


def test_bundled_scenarios_load():
    assert {"yijing_jingen", "yunnan_resource", "national", "synthetic"} <= set(list_scenarios())
    for name in list_scenarios():
        scenario = load_scenario(name)
        assert scenario.name == name and scenario.network.n > 0


def test_default_cluster_has_wuhan_core_and_the_four_cities():
    net = load_scenario("yijing_jingen").network
    names = np.asarray(net.names)
    assert names[net.tier == Tier.CORE].tolist() == ["Wuhan"]
    assert names[net.tier == Tier.SECONDARY].tolist() == CITIES
    assert (net.tier == Tier.COUNTY).sum() == 24
    # people: 2020 census, cities at their bulletin totals
    cities = read_data("hubei_cities.csv").set_index("city_en")["pop_census2020"]
    assert net.population.sum() == pytest.approx(cities[["Wuhan", *CITIES]].sum(), rel=1e-9)


def test_step0_ranks_match_the_real_cluster():
    t = _step0().loc[CITIES]
    # population: Jingzhou > Yichang > Enshi > Jingmen (2020 census)
    assert t["population"].sort_values(ascending=False).index.tolist() == [
        "Jingzhou", "Yichang", "Enshi", "Jingmen"]
    # output: Yichang > Jingzhou > Jingmen > Enshi (2021)
    assert t["value_added"].sort_values(ascending=False).index.tolist() == [
        "Yichang", "Jingzhou", "Jingmen", "Enshi"]


def test_step0_yichang_leads_jingzhou_about_twice():
    t = _step0()
    for column in ("value_added", "patents"):
        assert 1.6 < t.at["Yichang", column] / t.at["Jingzhou", column] < 2.2, column
    # except in primary industry, where Jingzhou is larger
    primary = t["primary_share"] * t["value_added"]
    assert primary["Yichang"] < primary["Jingzhou"]
    assert t.at["Yichang", "primary_share"] < 0.10  # single-digit primary share


def test_step0_enshi_lags_in_secondary_industry():
    t = _step0().loc[CITIES]
    assert t["secondary_share"].idxmin() == "Enshi"


def test_step0_patents_in_the_2021_proportions_within_5_percent():
    t = _step0().loc[CITIES]
    model_share = t["patents"].to_numpy() / t["patents"].sum()
    real_share = PATENTS_2021 / PATENTS_2021.sum()
    np.testing.assert_allclose(model_share, real_share, rtol=0.05)


def test_resource_cluster_shows_every_life_cycle_type():
    net = load_scenario("yunnan_resource").network
    types = set(np.unique(net.resource_type).tolist())
    assert {ResourceType.GROWING, ResourceType.MATURE, ResourceType.DECLINING,
            ResourceType.REGENERATING} <= types


def test_same_scenario_and_seed_give_identical_tables():
    scenario = load_scenario("yijing_jingen").with_values({"params.n_firms": 800}).with_policies(
        ["rd_subsidy"])
    a, _ = scenario.run(seed=5, steps=3)
    b, _ = scenario.run(seed=5, steps=3)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_with_values_returns_a_new_validated_scenario():
    base = load_scenario("yijing_jingen").with_policies(["rd_subsidy"])
    changed = base.with_values({"params.kernel_decay_km": 80.0, "horizon": 7,
                                "policies.rd_subsidy.extra_share": 0.1,
                                "policies.rd_subsidy.start": 2})
    assert changed.params.kernel_decay_km == 80.0 and changed.horizon == 7
    assert changed.spec.policies[0].params == {"extra_share": 0.1}
    assert changed.spec.policies[0].start == 2
    assert base.params.kernel_decay_km != 80.0 and base.horizon != 7
    for path, value, field in (("params.nonsense", 1, "params.nonsense"),
                               ("params.kernel_decay_km", -1.0, "params.kernel_decay_km"),
                               ("policies.talent.extra_share", 0.1, "policies.talent.extra_share"),
                               ("policies.rd_subsidy.extra_share", 0.9, "params.extra_share")):
        with pytest.raises(ParameterError) as err:
            base.with_values({path: value})
        assert field in str(err.value)


def test_extends_merges_mappings_and_replaces_lists(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        "extends: yijing_jingen\nname: parent\nparams: {n_firms: 900, kernel_decay_km: 90}\n"
        "policies: [{policy: talent}]\n")
    (tmp_path / "child.yaml").write_text(
        "extends: parent.yaml\nname: child\nparams: {kernel_decay_km: 70}\n"
        "policies: [{policy: rd_subsidy, targets: {tiers: [county]}}]\n")
    child = load_scenario(tmp_path / "child.yaml")
    assert child.name == "child" and child.network.n == 29
    assert child.params.n_firms == 900 and child.params.kernel_decay_km == 70
    assert child.policy_names() == ["rd_subsidy"]
    assert child.horizon == load_scenario("yijing_jingen").horizon


def test_places_can_be_listed_in_the_file(tmp_path):
    (tmp_path / "two.yaml").write_text(
        "name: two\nparams: {n_firms: 200}\nhorizon: 2\nplaces:\n"
        "  - {name: Core, tier: core, population: 2000000, area_km2: 3000, lat: 30, lon: 114}\n"
        "  - {name: Town, tier: county, parent: Core, population: 300000, area_km2: 2000,"
        " lat: 30.3, lon: 114.4, resource_type: declining}\n")
    tables, manifest = load_scenario(tmp_path / "two.yaml").run(seed=1)
    assert tables["places"]["place_name"].unique().tolist() == ["Core", "Town"]
    assert manifest["scenario"]["name"] == "two" and manifest["kind"] == "run"


def test_policy_acts_only_on_its_targets_from_its_start_year():
    scenario = load_scenario("yijing_jingen").with_values({"params.n_firms": 600}).with_policies(
        [{"policy": "rd_subsidy", "start": 2, "ramp": 2, "targets": {"tiers": ["county"]},
          "params": {"extra_share": 0.04}}])
    model = scenario.build_model(seed=1, record_flows=False)
    base = model.governments.rd_subsidy_share.copy()
    county = model.net.tier == Tier.COUNTY
    seen = []
    for _ in range(5):
        model.step()
        seen.append(model.governments.rd_subsidy_share - base)
    seen = np.array(seen)
    assert np.allclose(seen[:, ~county], 0.0)
    np.testing.assert_allclose(seen[:, county].max(axis=1), [0, 0, 0.02, 0.04, 0.04])
    assert policy_intensity(model.policies[0], 3) == 0.5


def test_budget_shares_never_exceed_one():
    scenario = load_scenario("yijing_jingen").with_values(
        {"params.n_firms": 600, "params.public_services_share": 0.7}).with_policies(
        [{"policy": "rd_subsidy", "params": {"extra_share": 0.3}},
         {"policy": "talent", "params": {"extra_share": 0.3}}])
    model = scenario.build_model(seed=1, record_flows=False)
    model.step()
    g = model.governments
    total = sum(getattr(g, s) for s in ("rd_subsidy_share", "talent_share", "public_services_share",
                                        "incubator_share", "platform_share", "enforcement_share"))
    np.testing.assert_allclose(total, 1.0)
    assert (g.policy_spend > 0).all()


def test_government_mix_sets_one_place():
    scenario = load_scenario("yijing_jingen").with_values(
        {"params.n_firms": 600, "governments.Enshi.talent_share": 0.05})
    model = scenario.build_model(seed=1, record_flows=False)
    enshi = model.net.names.index("Enshi")
    assert model.governments.talent_share[enshi] == 0.05
    others = np.delete(model.governments.talent_share, enshi)
    assert (others == scenario.params.talent_share).all()


def test_policy_table_documents_every_parameter():
    rows = pd.DataFrame(policy_table())
    assert set(rows["policy"]) == set(POLICIES)
    assert (rows["default"] >= rows["lower"]).all() and (rows["default"] <= rows["upper"]).all()
    assert rows["doc"].str.len().gt(10).all() and rows["unit"].str.len().gt(0).all()


def test_comparison_is_the_same_on_one_or_two_workers():
    scenario = load_scenario("yijing_jingen").with_values({"params.n_firms": 600})
    one = compare(scenario, variants=["rd_subsidy", "collaboration"], replications=3, steps=3,
                  workers=1, progress=False)
    two = compare(scenario, variants=["rd_subsidy", "collaboration"], replications=3, steps=3,
                  workers=2, progress=False)
    pd.testing.assert_frame_equal(one.effects, two.effects)
    pd.testing.assert_frame_equal(one.cluster, two.cluster)
    # common random numbers: step 0 is the same in every variant of a replicate
    step0 = one.cluster[one.cluster["step"] == 0].set_index(["scenario", "replicate"])["D"]
    assert step0.unstack("scenario").nunique(axis=1).eq(1).all()
    assert one.manifest["seeds"] == replicate_seeds(scenario.seed, 3)
    # the ranking lists every policy once, best change in D first
    assert sorted(one.ranking["policy"]) == ["collaboration", "rd_subsidy"]
    assert one.ranking["dD"].is_monotonic_decreasing
    base = one.effects[one.effects["scenario"] == "baseline"]
    assert (base["diff"] == 0).all() and set(one.effects["scope"]) == {"cluster", "core", "secondary",
                                                                       "county"}


def test_comparison_writes_tables_and_manifest(tmp_path):
    from chainweave.results import read_results

    scenario = load_scenario("yijing_jingen").with_values({"params.n_firms": 500})
    result = compare(scenario, variants=["low_carbon"], replications=2, steps=2, progress=False)
    tables, manifest = read_results(result.write(tmp_path / "cmp"))
    assert set(tables) == {"cluster", "places", "effects", "ranking", "rankings", "systems"}
    assert manifest["kind"] == "comparison" and manifest["scenario"]["name"] == "yijing_jingen"
    assert list(manifest["variants"]) == ["baseline", "low_carbon"]
    low = tables["effects"].query("scenario == 'low_carbon' and scope == 'cluster' and metric == 'emissions'")
    assert low["diff"].iloc[0] < 0


def test_calibration_fits_the_mean_over_seeds_not_one_draw():
    """`calibrate_factors` with several seeds fits each prefecture's mean step 0 to its targets.

    Value added, patents and the specialization index of seed 004 (industrial output, each
    city against the other three).
    """
    from chainweave.scenarios.calibrate import _with_factors, calibrate_factors, mean_prefecture_totals

    scenario = load_scenario("yijing_jingen").with_values({"place_overrides": {}})
    targets = read_data("hubei_targets.csv").set_index("city")
    seeds = (5, 6)  # at full size: with fewer firms the index's sampling noise exceeds targets
    factors = calibrate_factors(scenario, targets, {"Wuhan": "Yichang"}, seeds=seeds)
    fitted = mean_prefecture_totals(_with_factors(scenario, factors), seeds).loc[targets.index]
    np.testing.assert_allclose(fitted["value_added"], targets["gdp_2021_100m_yuan"], rtol=1e-3)
    known = targets["patents_granted_2021"].notna()
    # patents follow R&D a little less than proportionally, so the passes leave them within 0.5 %
    np.testing.assert_allclose(fitted.loc[known, "patents"], targets.loc[known, "patents_granted_2021"],
                               rtol=5e-3)
    # Specialization: on target, or above it with no specialization left to remove (Jingmen:
    # the other three cities' specializations alone make it differ from them).
    aimed = targets.index[targets["specialization_index"].notna()]
    gap = fitted.loc[aimed, "specialization"] - targets.loc[aimed, "specialization_index"]
    floor = factors.loc[aimed, "specialization_factor"] < 0.1
    assert ((gap.abs() < 0.02) | (floor & (gap > 0))).all(), pd.concat([gap, factors], axis=1)
    assert (~floor).sum() >= 3
    fitted_scenario = _with_factors(scenario, factors)
    one = [prefecture_totals(fitted_scenario, seed).loc["Enshi", "patents"] for seed in seeds]
    assert np.ptp(one) > 0  # each seed's draw differs; only their mean is on target
