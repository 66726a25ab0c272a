"""The model description names every parameter, phase and state column the code has."""

import dataclasses
import re
from pathlib import Path

import pytest

from chainweave.agents import FirmTable, GovernmentTable, InstituteTable, ProviderTable
from chainweave.model import ClusterModel
from chainweave.parameters import ModelParams
from chainweave.scenarios import POLICIES

ODD = (Path(__file__).resolve().parents[1] / "docs" / "ODD.md").read_text()


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(ModelParams)])
def test_every_parameter_is_in_the_parameter_table(name):
    assert re.search(rf"^\| `{name}` \|", ODD, flags=re.MULTILINE), name


def test_every_phase_is_described():
    model = ClusterModel(n_firms=50, rng=0)
    for phase in model.phases:
        assert f"`{phase.__name__}`" in ODD, phase.__name__


@pytest.mark.parametrize("table", [FirmTable, GovernmentTable, InstituteTable, ProviderTable])
def test_every_state_column_is_listed(table):
    for column in table.COLUMNS:
        assert f"`{column}`" in ODD, f"{table.__name__}.{column}"


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_every_policy_and_its_parameters_are_described(policy):
    policies_section = ODD[ODD.index("### 6.5 Policies"):]
    row = re.search(rf"^\| `{policy}` \|.*$", policies_section, flags=re.MULTILINE)
    assert row, policy
    for parameter, spec in POLICIES[policy].parameters.items():
        assert f"`{parameter}`" in row.group(0), (policy, parameter)
        assert f"{spec.default:g}" in row.group(0), (policy, parameter, spec.default)
