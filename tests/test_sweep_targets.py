"""Targets: scenario runs with values set by path, outputs taken from the tables; Ishigami."""

import math
import pickle

import pytest

from chainweave.scenarios import load_scenario
from chainweave.sweeps import IshigamiTarget, ScenarioTarget, SweepSpec, Target
from chainweave.sweeps.targets import prepare_target

SPEC = {
    "name": "t",
    "base": "yijing_jingen",
    "policies": ["rd_subsidy", "technical_enclave"],
    "fixed": {"params.n_firms": 300, "horizon": 3},
    "parameters": [{"path": "policies.rd_subsidy.extra_share", "bounds": [0.0, 0.1]},
                   {"path": "policies.technical_enclave.labs", "bounds": [0, 4]},
                   {"path": "params.kernel_decay_km", "bounds": [40.0, 240.0]}],
    "design": {"method": "lhs", "samples": 2},
    "outputs": [{"metric": "D", "steps": [1, "final"]},
                {"metric": "D", "scope": "county"},
                {"metric": "patents", "scope": "secondary"},
                {"metric": "rd_intensity", "scope": "county", "aggregate": "mean", "name": "rd_county"},
                {"metric": "population", "scope": "Yichang"}],
}
VALUES = {"policies.rd_subsidy.extra_share": 0.07, "policies.technical_enclave.labs": 3,
          "params.kernel_decay_km": 90.0}


@pytest.fixture(scope="module")
def prepared():
    return prepare_target(SweepSpec.from_dict(SPEC))


def test_output_columns_and_integer_parameters(prepared):
    assert prepared.columns == ("D_step1", "D_final", "D_county_final", "patents_secondary_final",
                                "rd_county", "population_yichang_final")
    assert prepared.integer == (False, True, False)
    assert isinstance(prepared.target, ScenarioTarget) and isinstance(prepared.target, Target)


def test_outputs_are_the_scenario_tables_values(prepared):
    out = prepared.target.evaluate(VALUES, seed=5)
    scenario = (load_scenario("yijing_jingen").with_policies(["rd_subsidy", "technical_enclave"])
                .with_values({"params.n_firms": 300, "horizon": 3, **VALUES}))
    tables, _ = scenario.run(seed=5, record_flows=False)
    cluster, places = tables["cluster"].set_index("step"), tables["places"]
    final = places[places["step"] == 3]
    tier = final.groupby("tier")
    assert out["D_step1"] == cluster.at[1, "D"]
    assert out["D_final"] == cluster.at[3, "D"]
    assert out["D_county_final"] == cluster.at[3, "D_county"]
    assert out["patents_secondary_final"] == pytest.approx(tier["patents"].sum()["secondary"])
    assert out["rd_county"] == pytest.approx(tier["rd_intensity"].mean()["county"])
    assert out["population_yichang_final"] == final.set_index("place_name").at["Yichang", "population"]


def test_values_change_outputs_and_seed_matters(prepared):
    target = prepared.target
    a = target.evaluate(VALUES, seed=5)
    assert target.evaluate(VALUES, seed=5) == a
    assert target.evaluate(VALUES, seed=6) != a
    assert target.evaluate({**VALUES, "policies.rd_subsidy.extra_share": 0.0}, seed=5) != a


def test_a_pickled_target_travels_as_plain_data_and_gives_the_same_outputs(prepared):
    target = prepared.target
    target.evaluate(VALUES, seed=1)  # builds the cached scenario
    data = pickle.dumps(target)
    assert b"ClusterModel" not in data and len(data) < 200_000
    assert pickle.loads(data).evaluate(VALUES, seed=1) == target.evaluate(VALUES, seed=1)


def test_ishigami_worked_values():
    f = IshigamiTarget(a=7.0, b=0.1)
    assert f.evaluate({"x1": 0.0, "x2": 0.0, "x3": 0.0}, 0)["y"] == 0.0
    assert f.evaluate({"x1": math.pi / 2, "x2": math.pi / 2, "x3": 1.0}, 0)["y"] == pytest.approx(8.1)
    fixed_x3 = IshigamiTarget(inputs={"x3": 2.0})
    assert fixed_x3.evaluate({"x1": math.pi / 2, "x2": 0.0}, 0)["y"] == pytest.approx(2.6)


def test_analytic_base_takes_constants_and_fixed_inputs_from_fixed():
    spec = SweepSpec.from_dict({
        "name": "i", "base": "analytic:ishigami", "fixed": {"a": 5.0, "x3": 1.0},
        "parameters": [{"path": "x1", "bounds": [-1, 1]}, {"path": "x2", "bounds": [-1, 1]}],
        "design": {"method": "lhs", "samples": 2}, "outputs": [{"metric": "y"}]})
    target = prepare_target(spec).target
    assert target == IshigamiTarget(a=5.0, b=0.1, inputs={"x3": 1.0})
