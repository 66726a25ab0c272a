"""Every policy of the library moves its first-order outcome the expected way, over 10 seeds.

Each test runs the baseline and the policy with the same seeds (common random numbers) and
checks the paired differences: their mean has the expected sign and is more than two standard
errors from zero. Runs are small (2,000 firms, 8 years) so the whole file takes seconds.
Division of labour, whose outcome is a shift of market shares between few model firms, gets 20
seeds: its effect is consistent in sign but small against the noise of 2,000 firms.
"""

from functools import cache

import numpy as np
import pandas as pd
import pytest

from chainweave.scenarios import POLICIES, load_scenario

SEEDS = range(10)
MORE_SEEDS = range(20)
YEARS = 8


@cache
def _scenario(name: str):
    return load_scenario(name).with_values({"params.n_firms": 2000, "horizon": YEARS})


PHOSPHORUS_CITIES = ["Yichang", "Jingzhou", "Jingmen"]
"""The three cities the source paper finds running whole, duplicate phosphorus chains."""
TARGETED = {
    "division_of_labour": {"policy": "division_of_labour",
                           "targets": {"jurisdictions": PHOSPHORUS_CITIES}},
    "chain_leader": {"policy": "chain_leader", "targets": {"jurisdictions": ["Yichang"]}},
    "technical_enclave": {"policy": "technical_enclave", "targets": {"tiers": ["county"]}},
}
"""Policies tested where the papers aim them, not everywhere."""


STRUCTURAL = {"division_of_labour", "smart_shrinkage"}
"""Policies tested over `MORE_SEEDS`: their outcomes pass through the economy (smart
shrinkage's public services come out of the public pay that households spend, so the
shrinking places' tax base, and with it the services, respond too)."""


@cache
def _runs(scenario: str, policy: str | None, seeds: range = SEEDS) -> tuple[dict[str, pd.DataFrame], ...]:
    base = _scenario(scenario)
    sc = base if policy is None else base.with_policies([TARGETED.get(policy, policy)])
    return tuple(sc.run(seed=s, record_flows=False)[0] for s in seeds)


def _final(tables: dict[str, pd.DataFrame]) -> tuple[pd.Series, pd.DataFrame]:
    cluster, places = tables["cluster"], tables["places"]
    return cluster.iloc[-1], places[places["step"] == places["step"].max()]


def _effect(metric, policy: str, scenario: str = "yijing_jingen") -> np.ndarray:
    seeds = MORE_SEEDS if policy in STRUCTURAL else SEEDS
    base = [metric(*_final(t), t) for t in _runs(scenario, None, seeds)]
    policy_runs = [metric(*_final(t), t) for t in _runs(scenario, policy, seeds)]
    return np.asarray(policy_runs) - np.asarray(base)


def _assert_direction(diff: np.ndarray, sign: int) -> None:
    mean, se = diff.mean(), diff.std(ddof=1) / np.sqrt(len(diff))
    assert sign * mean > 2 * se, f"mean {mean:.4g}, se {se:.4g}, diffs {np.round(diff, 5)}"


def _jurisdiction(last: pd.DataFrame, cities: list[str]) -> pd.DataFrame:
    return last[last["place_name"].isin(cities) | last["parent_name"].isin(cities)]


def _chemicals_concentration(cluster, last, tables):
    """Herfindahl index of the three cities' chemicals output over their places: higher means
    less duplication."""
    chem = _jurisdiction(last, PHOSPHORUS_CITIES)["output_chemicals"]  # basic chemicals
    share = chem / chem.sum()
    return float((share**2).sum())


def _yichang_chain_firms(cluster, last, tables):
    """Share of Yichang's firms in the phosphorus chain (the chain-leader policy's sectors)."""
    yichang = _jurisdiction(last, ["Yichang"])
    columns = [f"firms_{s}" for s in POLICIES["chain_leader"].sectors if f"firms_{s}" in yichang]
    return float(yichang[columns].to_numpy().sum() / yichang["firms"].sum())


def _resource_firms_in_resource_places(cluster, last, tables):
    """Mining's share of the firms in the places that were resource-based at step 0."""
    places = tables["places"]
    at_start = places[places["step"] == 0].set_index("place")["resource_type"]
    resource = last[last["place"].map(at_start).to_numpy() > 0]
    return float(resource["firms_mining"].sum() / resource["firms"].sum())


def _services_where_shrinking(cluster, last, tables):
    places = tables["places"]
    start = places[places["step"] == 0].set_index("place")["population"]
    shrank = last.set_index("place")["population"] < start
    return float(last.set_index("place").loc[shrank, "public_services_per_head"].mean())


EXPECTED = {
    # policy: (outcome, its direction, scenario)
    "rd_subsidy": (lambda c, last, t: c["score_innovation"], +1, "yijing_jingen"),
    "talent": (lambda c, last, t: c["patents"], +1, "yijing_jingen"),
    "incubator_upgrade": (lambda c, last, t: c["incubation"], +1, "yijing_jingen"),
    # Finance over the policy's years: with prices and demand from incomes, banks ration little,
    # so a single year's credit is mostly noise; the years together show the added finance.
    "st_finance": (lambda c, last, t: t["cluster"]["credit_to_va"].iloc[1:].mean(), +1,
                   "yijing_jingen"),
    "rd_platform": (lambda c, last, t: c["rd_intensity"], +1, "yijing_jingen"),
    "technical_enclave": (lambda c, last, t: last.loc[last["tier"] == "county", "researchers"].sum(),
                          +1, "yijing_jingen"),
    "intermediaries": (lambda c, last, t: c["intermediation"], +1, "yijing_jingen"),
    "collaboration": (lambda c, last, t: c["spillover_innovation_county"], +1, "yijing_jingen"),
    "division_of_labour": (_chemicals_concentration, +1, "yijing_jingen"),
    "chain_leader": (_yichang_chain_firms, +1, "yijing_jingen"),
    "low_carbon": (lambda c, last, t: c["emissions"] / c["output"], -1, "yijing_jingen"),
    "resource_response": (_resource_firms_in_resource_places, -1, "yunnan_resource"),
    "smart_shrinkage": (_services_where_shrinking, +1, "yunnan_resource"),
}


def test_every_policy_has_an_effect_test():
    assert set(EXPECTED) == set(POLICIES)


@pytest.mark.parametrize("policy", sorted(EXPECTED))
def test_policy_moves_its_outcome(policy):
    metric, sign, scenario = EXPECTED[policy]
    _assert_direction(_effect(metric, policy, scenario), sign)


def test_policies_cost_what_their_extra_shares_spend():
    """Budget-share policies report spending; policies that move no budget cost nothing."""
    for policy, spends in (("rd_subsidy", True), ("collaboration", False), ("st_finance", False)):
        spend = np.array([t["cluster"]["policy_spend"].sum() for t in _runs("yijing_jingen", policy)])
        assert (spend > 0).all() if spends else (spend == 0).all(), policy


def test_baseline_runs_are_untouched_by_the_policy_phase():
    """Without policies the yearly policy phase changes nothing: same tables as the engine alone."""
    sc = _scenario("yijing_jingen")
    model = sc.build_model(seed=3, record_flows=False)
    assert model.policies == ()
    model.run(2)
    again = sc.build_model(seed=3, record_flows=False)
    again.phases.remove(again.phases[0])  # apply_policies
    again.run(2)
    pd.testing.assert_frame_equal(model.tables()["cluster"], again.tables()["cluster"])
