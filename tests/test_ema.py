"""EMA Workbench: models built from chainweave's metadata run in perform_experiments and PRIM."""

import numpy as np
import pytest

ema_workbench = pytest.importorskip("ema_workbench")

from ema_workbench import MultiprocessingEvaluator, Policy, Scenario, perform_experiments  # noqa: E402
from ema_workbench.analysis import prim  # noqa: E402

import chainweave  # noqa: E402
from chainweave.ema import ema_model  # noqa: E402
from chainweave.errors import ParameterError  # noqa: E402
from chainweave.parameters import ModelParams  # noqa: E402

FIXED = {"n_firms": 300}
PARAMETERS = [("kernel_decay_km", 40.0, 240.0), ("rd_subsidy.extra_share", 0.0, 0.1)]
OUTCOMES = ["D", "policy_spend"]


def _cases(n_scenarios=3, n_policies=2):
    decay, share = np.linspace(40, 240, n_scenarios), np.linspace(0.0, 0.1, n_policies)
    scenarios = [Scenario(f"s{i}", kernel_decay_km=v) for i, v in enumerate(decay)]
    policies = [Policy(f"p{i}", rd_subsidy_extra_share=v) for i, v in enumerate(share)]
    return scenarios, policies


def test_bounds_kinds_and_whole_numbers_come_from_the_parameter_table():
    model = ema_model(["kernel_decay_km", "n_firms", "rd_subsidy.extra_share",
                       ("talent.extra_share", 0, 0.1)], steps=1)
    by_name = {p.name: p for p in [*model.uncertainties, *model.levers]}
    assert [p.name for p in model.levers] == ["rd_subsidy_extra_share", "talent_extra_share"]
    lo, hi = ModelParams.__dataclass_fields__["kernel_decay_km"].metadata["range"]
    assert (by_name["kernel_decay_km"].lower_bound, by_name["kernel_decay_km"].upper_bound) == (lo, hi)
    assert type(by_name["n_firms"]).__name__ == "IntegerParameter"
    assert by_name["rd_subsidy_extra_share"].upper_bound == 0.5  # the policy library's range
    assert by_name["talent_extra_share"].upper_bound == 0.1


@pytest.mark.parametrize(("parameters", "expected"), [
    (["kernel_decay"], "did you mean kernel_decay_km"),
    (["emission_standard"], "finite bounds"),
    (["tier_productivity"], "bounds for a parameter"),
    ([("kernel_decay_km", 0.0, 50.0)], "within [5, 2000]"),
])
def test_bad_parameters_are_one_clear_error(parameters, expected):
    with pytest.raises(ParameterError) as err:
        ema_model(parameters, steps=1)
    assert expected in err.value.expected


def test_replicator_model_outcomes_are_the_seed_means_of_run_model():
    model = ema_model(PARAMETERS, steps=2, seeds=[1, 2], fixed=FIXED, outcomes=OUTCOMES)
    assert type(model).__name__ == "ReplicatorModel"
    scenarios, policies = _cases()
    experiments, outcomes = perform_experiments(model, scenarios=scenarios, policies=policies)
    assert len(experiments) == 6 and outcomes["D"].shape == (6,)
    row = experiments.iloc[-1]
    runs = [chainweave.run_model(seed=s, steps=2, outputs=OUTCOMES, kernel_decay_km=row["kernel_decay_km"],
                                 rd_subsidy__extra_share=row["rd_subsidy_extra_share"], **FIXED)
            for s in (1, 2)]
    assert outcomes["D"][-1] == pytest.approx(np.mean([r["D"] for r in runs]), rel=1e-12)

    # Two processes give the same outcomes as one.
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        _, parallel = evaluator.perform_experiments(scenarios=scenarios, policies=policies)
    np.testing.assert_array_equal(parallel["D"], outcomes["D"])

    # PRIM finds what drives policy spending: the R&D subsidy share, not the kernel's decay.
    high = outcomes["policy_spend"] > np.median(outcomes["policy_spend"])
    inputs = experiments[["kernel_decay_km", "rd_subsidy_extra_share"]]
    box = prim.Prim(inputs, high, threshold=0.8).find_box()
    restricted = box.box_lims[-1].columns[(box.box_lims[-1] != box.box_lims[0]).any()]
    assert box.density >= 0.8 and list(restricted) == ["rd_subsidy_extra_share"]


def test_single_seed_model_runs_with_the_seed_as_a_constant():
    model = ema_model([("kernel_decay_km", 40.0, 240.0)], steps=1, seeds=5, fixed=FIXED, outcomes=["D"])
    assert type(model).__name__ == "Model"
    experiments, outcomes = perform_experiments(model, scenarios=[Scenario("a", kernel_decay_km=90.0)])
    assert outcomes["D"][0] == chainweave.run_model(seed=5, steps=1, outputs=["D"], kernel_decay_km=90.0,
                                                    **FIXED)["D"]
