"""run_model: the sweep's evaluation as a function; short names; policies added by their parameters."""

import numpy as np
import pytest

import chainweave
from chainweave.errors import ParameterError
from chainweave.sweeps import sweep

SMALL = {"n_firms": 300}


def test_run_model_equals_the_sweep_run_of_the_same_values_and_seed(tmp_path):
    result = sweep({
        "name": "one_point", "base": "yijing_jingen", "policies": ["rd_subsidy"],
        "fixed": {"params.n_firms": 300, "horizon": 2},
        "parameters": [{"path": "params.kernel_decay_km", "levels": [80.0]},
                       {"path": "policies.rd_subsidy.extra_share", "levels": [0.07]}],
        "design": {"method": "grid"}, "replications": 2, "seed": 3,
        "outputs": [{"metric": "D"}, {"metric": "D", "scope": "county"}],
    }, out=tmp_path / "sweep", progress=False)
    for run in result.runs.itertuples():
        out = chainweave.run_model(seed=int(run.seed), steps=2,
                                   outputs=["D", {"metric": "D", "scope": "county"}], kernel_decay_km=80.0,
                                   rd_subsidy__extra_share=0.07, **SMALL)
        assert out == {"D": run.D_final, "D_county": run.D_county_final}


def test_setting_a_policy_parameter_adds_the_policy():
    named = chainweave.run_model(seed=1, steps=2, policies=["talent"], **SMALL)
    by_default_value = chainweave.run_model(seed=1, steps=2, **{"talent.extra_share": 0.02}, **SMALL)
    baseline = chainweave.run_model(seed=1, steps=2, **SMALL)
    assert named == by_default_value  # 0.02 is talent's default
    assert named["D"] != baseline["D"]


def test_per_step_outputs_are_arrays_ending_at_the_final_value():
    series = chainweave.run_model(seed=2, steps=3, outputs=["D", {"metric": "firms", "scope": "county"}],
                                  per_step=True, **SMALL)
    final = chainweave.run_model(seed=2, steps=3, outputs=["D", {"metric": "firms", "scope": "county"}],
                                 **SMALL)
    assert set(series) == {"D", "firms_county"}
    assert all(isinstance(v, np.ndarray) and v.shape == (4,) for v in series.values())
    assert series["D"][-1] == final["D"] and series["firms_county"][-1] == final["firms_county"]


def test_integral_floats_are_accepted_for_whole_number_parameters():
    as_float = chainweave.run_model(seed=1, steps=1, n_firms=300.0)
    assert as_float == chainweave.run_model(seed=1, steps=1, **SMALL)


@pytest.mark.parametrize(("values", "field", "expected"), [
    ({"kernel_decay": 80.0}, "kernel_decay", "did you mean kernel_decay_km"),
    ({"horizon": 5}, "horizon", "steps="),
    ({"n_firms": 0}, "params.n_firms", "[1, 1e+09]"),
    ({"rd_subsidy.extra_share": 0.9}, "extra_share", "[0, 0.5]"),
])
def test_bad_values_are_one_clear_error(values, field, expected):
    with pytest.raises(ParameterError) as err:
        chainweave.run_model(seed=1, steps=1, **values)
    assert field in err.value.field and expected in err.value.expected


def test_unknown_output_metric_is_named():
    with pytest.raises(ParameterError, match="outputs"):
        chainweave.run_model(seed=1, steps=1, outputs=["no_such_metric"], **SMALL)


def test_a_scenario_object_runs_like_its_name():
    from chainweave.scenarios import load_scenario

    scenario = load_scenario("yijing_jingen")
    assert chainweave.run_model(scenario, seed=1, steps=1, **SMALL) == chainweave.run_model(
        "yijing_jingen", seed=1, steps=1, **SMALL)
