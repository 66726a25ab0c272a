"""Command-line scenario changes: --set values, run --policy, and policy parameters in comparisons."""

import pytest

from chainweave.errors import ParameterError
from chainweave.overrides import parse_override, scenario_from_arguments


def test_values_are_typed_and_short_names_are_model_parameters():
    assert parse_override("n_firms=400") == ("params.n_firms", 400)
    assert parse_override("governments.Yichang.talent_share=0.1") == ("governments.Yichang.talent_share", 0.1)
    assert parse_override("policies.talent.start=2") == ("policies.talent.start", 2)
    assert parse_override("rd_subsidy_share=0.5") == ("params.rd_subsidy_share", 0.5)


def _variant(scenario, name):
    return next(v for v in scenario.resolved()["compare"]["variants"] if v["name"] == name)


def test_a_policy_parameter_changes_the_compared_variant_not_the_baseline():
    sc = scenario_from_arguments("yijing_jingen", ["policies.rd_subsidy.extra_share=0.05"],
                                 compared=["rd_subsidy", "talent"])
    assert "rd_subsidy" not in sc.policy_names()
    assert [name for name, _ in sc.variants()] == ["baseline", "rd_subsidy", "talent"]
    assert _variant(sc, "rd_subsidy")["policies"][0]["params"] == {"extra_share": 0.05}
    assert not _variant(sc, "talent")["policies"][0]["params"]


def test_the_scenarios_own_comparison_list_takes_policy_parameters_too():
    sc = scenario_from_arguments("yijing_jingen", ["policies.rd_subsidy.extra_share=0.05"], comparing=True)
    assert _variant(sc, "rd_subsidy")["policies"][0]["params"] == {"extra_share": 0.05}
    assert len(sc.variants()) == len(scenario_from_arguments("yijing_jingen", comparing=True).variants())


def test_run_adds_a_library_policy_whose_parameter_is_set():
    sc = scenario_from_arguments("yijing_jingen", ["policies.rd_subsidy.extra_share=0.05"])
    assert "rd_subsidy" in sc.policy_names()
    assert sc.resolved()["policies"][-1]["params"] == {"extra_share": 0.05}


def test_a_policy_that_is_not_in_play_in_a_comparison_is_one_clear_error():
    with pytest.raises(ParameterError, match="compare it with --policies rd_subsidy"):
        scenario_from_arguments("yijing_jingen", ["policies.rd_subsidy.extra_share=0.05"],
                                compared=["talent"])
    with pytest.raises(ParameterError, match="did you mean 'talent'"):
        scenario_from_arguments("yijing_jingen", ["policies.tallent.start=1"], compared=["talent"])
