"""Mesa's tools on chainweave models: handles write through, batch_run and SolaraViz on scenarios."""

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario
from mesa.visualization.solara_viz import _build_model_init_kwargs

from chainweave.agents.firm import Firm
from chainweave.agents.government import CityGovernment
from chainweave.agents.table import MissingHandles
from chainweave.errors import ParameterError
from chainweave.model import ClusterModel
from chainweave.scenarios import ScenarioModel, load_scenario


def test_writing_through_a_firm_handle_changes_the_table_and_the_next_year(make_model):
    model, twin = make_model(seed=3), make_model(seed=3)
    firm = next(iter(model.agents_by_type[Firm]))
    row = model.firms.row_of(firm.uid)
    before = model.firms.productivity[row]
    firm.productivity *= 3
    assert model.firms.productivity[row] == firm.productivity == pytest.approx(3 * before)
    model.step()
    twin.step()
    same = twin.firms.row_of(firm.uid)
    assert model.firms.capacity[model.firms.row_of(firm.uid)] > 2 * twin.firms.capacity[same]


def test_read_only_and_whole_number_fields_refuse_writes(make_model):
    model = make_model()
    firm = next(iter(model.agents_by_type[Firm]))
    with pytest.raises(AttributeError, match="read-only"):
        firm.place = 0
    with pytest.raises(AttributeError, match="read-only"):
        firm.uid = 5
    with pytest.raises(ParameterError, match="whole number"):
        firm.age = 2.5
    firm.note = "mine"  # other names stay on the handle, as on any Mesa agent
    assert firm.note == "mine" and not hasattr(model.firms, "note")


def test_a_lever_written_through_a_government_handle_survives_the_policies():
    model = load_scenario("yijing_jingen").with_values({"params.n_firms": 300}).with_policies(
        ["rd_subsidy"]).build_model(seed=1)
    government = next(iter(model.agents_by_type[CityGovernment]))
    government.carbon_price = 50.0
    model.step()  # apply_policies restores the baseline levers first
    assert model.governments.carbon_price[model.governments.row_of(government.uid)] == 50.0


def test_uid_is_the_row_key_and_unique_id_is_mesas(make_model):
    model = make_model()
    for cls, table in ((Firm, model.firms), (CityGovernment, model.governments)):
        handles = list(model.agents_by_type[cls])
        assert sorted(h.uid for h in handles) == sorted(table.uid.tolist())
        assert all(h.state == table.row(h.uid) for h in handles[:5])
    ids = [a.unique_id for a in model.agents]
    assert len(set(ids)) == len(ids)


def test_agent_type_access_without_firm_handles_points_to_the_column_table(small_graph):
    model = ClusterModel(graph=small_graph, rng=1, n_firms=300, firm_handles=False)
    with pytest.raises(MissingHandles, match=r"model\.firms") as err:
        model.agents_by_type[Firm]
    assert isinstance(err.value, KeyError) and "firm_handles=True" in str(err.value)
    assert len(model.agents_by_type[CityGovernment]) == model.net.n


def test_from_scenario_is_the_scenario_with_its_levers_and_policies():
    model = ClusterModel.from_scenario("yijing_jingen", rng=4, n_firms=300, policies="rd_subsidy",
                                       **{"governments.Enshi.talent_share": 0.05})
    scenario = (load_scenario("yijing_jingen").with_policies(["rd_subsidy"])
                .with_values({"params.n_firms": 300, "governments.Enshi.talent_share": 0.05}))
    reference = scenario.build_model(seed=4)
    enshi = model.net.names.index("Enshi")
    assert model.governments.talent_share[enshi] == 0.05
    assert [p.label for p in model.policies] == ["rd_subsidy"]
    for m in (model, reference):
        m.run(2)
    pd.testing.assert_frame_equal(model.tables()["cluster"], reference.tables()["cluster"])


def test_batch_run_on_a_bundled_scenario_varies_levers_and_writes_parquet(tmp_path):
    results = pd.DataFrame(mesa.batch_run(ScenarioModel, parameters={
        "scenario_name": "yijing_jingen", "n_firms": 300, "policies": ["", "rd_subsidy"],
        "rd_subsidy.extra_share": [0.0, 0.1]}, rng=[1], max_steps=2, display_progress=False))
    final = results[results["Step"] == 2]
    assert len(final) == 4
    assert final["D"].nunique() > 1  # the policy axis reached the model
    assert all(isinstance(v, str | int | float | np.number) for v in final.to_numpy().ravel())  # no graphs
    results.to_parquet(tmp_path / "batch.parquet")
    assert pd.read_parquet(tmp_path / "batch.parquet").shape == results.shape


def test_solara_rebuilds_a_scenario_model_from_its_keywords():
    params = {"scenario_name": "yijing_jingen", "n_firms": 300, "rng": 2}
    model = ScenarioModel(**params)
    # What SolaraViz's reset button does (mesa.visualization.solara_viz, Mesa 3.5).
    kwargs = _build_model_init_kwargs(model, params, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    again = type(model)(**kwargs)
    assert isinstance(kwargs.get("scenario"), MesaScenario | None)
    model.step()
    again.step()
    assert again.tables()["cluster"]["D"].equals(model.tables()["cluster"]["D"])
