"""The parameter catalogue: one source for defaults, bounds and units; short names; suggestions."""

import dataclasses

import pytest

import chainweave
from chainweave.errors import ParameterError
from chainweave.parameter_paths import parameter_info, resolve_path
from chainweave.parameters import LEVERS, ModelParams
from chainweave.scenarios import POLICIES


def test_table_lists_every_model_and_policy_parameter_with_their_own_metadata():
    table = chainweave.parameters_table().set_index("path")
    assert list(table.columns) == ["default", "lower", "upper", "unit", "description", "kind"]
    defaults = ModelParams()
    for f in dataclasses.fields(ModelParams):
        row = table.loc[f"params.{f.name}"]
        assert row["default"] == getattr(defaults, f.name)
        assert (row["lower"], row["upper"]) == f.metadata["range"]
        assert row["unit"] == f.metadata["unit"] and row["description"] == f.metadata["doc"]
        assert row["kind"] == ("lever" if f.name in LEVERS else "uncertainty")
    for policy in POLICIES.values():
        for name, p in policy.parameters.items():
            row = table.loc[f"policies.{policy.name}.{name}"]
            assert (row["default"], row["lower"], row["upper"], row["unit"]) == (
                p.default, p.lower, p.upper, p.unit)
            assert row["kind"] == "lever"
    assert len(table) == len(dataclasses.fields(ModelParams)) + sum(
        len(p.parameters) for p in POLICIES.values())
    assert table.loc["params.hop_attenuation", "default"] == ModelParams().hop_attenuation


@pytest.mark.parametrize(("name", "path"), [
    ("kernel_decay_km", "params.kernel_decay_km"),
    ("params.kernel_decay_km", "params.kernel_decay_km"),
    ("rd_subsidy.extra_share", "policies.rd_subsidy.extra_share"),
    ("rd_subsidy__extra_share", "policies.rd_subsidy.extra_share"),
    ("policies.rd_subsidy.extra_share", "policies.rd_subsidy.extra_share"),
    ("talent.start", "policies.talent.start"),
    ("bank_factor", "policies.st_finance.bank_factor"),
    ("governments.Enshi.talent_share", "governments.Enshi.talent_share"),
    ("horizon", "horizon"),
])
def test_short_names_resolve(name, path):
    assert resolve_path(name) == path


def test_a_labelled_policy_use_is_found_by_its_label():
    labels = {"core_rd": "rd_subsidy"}
    assert resolve_path("core_rd.extra_share", labels) == "policies.core_rd.extra_share"
    assert parameter_info("policies.core_rd.extra_share", labels).upper == 0.5


@pytest.mark.parametrize(("name", "hint"), [
    ("kernel_decay", "did you mean kernel_decay_km"),
    ("rd_subsidy.extra_shar", "did you mean rd_subsidy.extra_share"),
    ("bank_factr", "did you mean bank_factor"),
    ("extra_share", "is ambiguous"),
    ("zzz_nothing", "parameters_table()"),
])
def test_unknown_or_ambiguous_names_say_what_to_write(name, hint):
    with pytest.raises(ParameterError) as err:
        resolve_path(name, value=1.0)
    assert err.value.field == name and hint in err.value.expected
